. "$CUSTOS_SOURCE_ROOT/tests/cli/key/_setup"
cp pw pwo && openssl pkcs8 -in a.key -passin file:pw -topk8 -scrypt -scrypt_N 16384 -scrypt_r 8 -scrypt_p 1 -passout file:pwo -out s.pem && head -n 6 a.key > s.key && cat s.pem >> s.key && chmod 600 s.key && custos-key show --passphrase-file pw s.key >/dev/null
