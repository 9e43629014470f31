. "$CUSTOS_SOURCE_ROOT/tests/cli/key/_setup"
cp pw pwo && openssl pkcs8 -in a.key -passin file:pw -topk8 -scrypt -scrypt_N 1024 -scrypt_r 8 -scrypt_p 1 -passout file:pwo -out w.pem && head -n 6 a.key > w.key && cat w.pem >> w.key && chmod 600 w.key && custos-key show --passphrase-file pw w.key
