#!/bin/sh
# Makes a throw-away RFC 3161 timestamp authority in directory DIR, following
# the reference recipe (P-256 keys, critical timeStamping EKU):
#   ca.crt ca.key        test root CA
#   tsa.crt tsa.key      the TSA (valid now)
#   old.crt              the same TSA key, certificate valid only in 2020
#   other-ca.crt         an unrelated root, for "wrong CA" cases
#   ed.crt ed.key        an Ed25519 TSA: OpenSSL 3.0 answers "rejection"
#   tsa.cnf              sections tsa_test (default), tsa_old, tsa_ed
# Usage: make-tsa.sh DIR
set -eu
d=$1
mkdir -p "$d"
cd "$d"
q() { "$@" >/dev/null 2>&1 || { echo "make-tsa: failed: $*" >&2; "$@"; exit 1; }; }
q openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout ca.key -out ca.crt -days 3650 -subj "/O=custos test/CN=custos Test Root CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
q openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout other-ca.key -out other-ca.crt -days 3650 -subj "/O=custos test/CN=Other Root CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=critical,timeStamping" "subjectKeyIdentifier=hash" \
  "authorityKeyIdentifier=keyid" > tsa_ext.cnf
q openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout tsa.key -out tsa.csr -subj "/O=custos test/CN=custos Test TSA"
q openssl x509 -req -in tsa.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 \
  -extfile tsa_ext.cnf -out tsa.crt
# A certificate for the same key that expired long ago: openssl ca sets explicit dates.
mkdir -p ca.db
: > ca.db/index.txt
echo 1000 > ca.db/serial
cat > ca.cnf <<'CNF'
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = .
database = $dir/ca.db/index.txt
serial = $dir/ca.db/serial
new_certs_dir = $dir/ca.db
certificate = $dir/ca.crt
private_key = $dir/ca.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[ any ]
organizationName = optional
commonName = supplied
CNF
q openssl ca -batch -config ca.cnf -in tsa.csr -out old.crt -extfile tsa_ext.cnf \
  -startdate 20200101000000Z -enddate 20201231000000Z -notext
q openssl genpkey -algorithm ed25519 -out ed.key
q openssl req -new -key ed.key -out ed.csr -subj "/O=custos test/CN=Ed25519 TSA"
q openssl x509 -req -in ed.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 \
  -extfile tsa_ext.cnf -out ed.crt
echo 01 > tsaserial
cat > tsa.cnf <<'CNF'
[ tsa ]
default_tsa = tsa_test
[ tsa_test ]
dir               = .
serial            = $dir/tsaserial
crypto_device     = builtin
signer_cert       = $dir/tsa.crt
certs             = $dir/ca.crt
signer_key        = $dir/tsa.key
signer_digest     = sha256
default_policy    = 1.3.6.1.4.1.99999.1.1
other_policies    = 1.3.6.1.4.1.99999.1.2
ess_cert_id_chain = no
digests           = sha256, sha384, sha512
accuracy          = secs:1
ordering          = yes
tsa_name          = yes
ess_cert_id_alg   = sha256
[ tsa_old ]
dir               = .
serial            = $dir/tsaserial
crypto_device     = builtin
signer_cert       = $dir/old.crt
certs             = $dir/ca.crt
signer_key        = $dir/tsa.key
signer_digest     = sha256
default_policy    = 1.3.6.1.4.1.99999.1.1
other_policies    = 1.3.6.1.4.1.99999.1.2
digests           = sha256
accuracy          = secs:1
ordering          = yes
tsa_name          = yes
ess_cert_id_chain = no
ess_cert_id_alg   = sha256
[ tsa_ed ]
dir               = .
serial            = $dir/tsaserial
crypto_device     = builtin
signer_cert       = $dir/ed.crt
certs             = $dir/ca.crt
signer_key        = $dir/ed.key
signer_digest     = sha256
default_policy    = 1.3.6.1.4.1.99999.1.1
other_policies    = 1.3.6.1.4.1.99999.1.2
digests           = sha256
accuracy          = secs:1
ordering          = yes
tsa_name          = yes
ess_cert_id_chain = no
ess_cert_id_alg   = sha256
CNF
