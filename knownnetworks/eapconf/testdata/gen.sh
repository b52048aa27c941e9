#!/bin/sh
# Regenerates the OpenSSL-made fixtures (run once; the outputs are committed).
# Every encrypted file uses the passphrase "abc", as iwd's autotests do.
set -e
cd "$(dirname "$0")"
openssl req -x509 -newkey rsa:2048 -nodes -keyout key-pkcs8.pem -out cert.pem \
	-days 36500 -subj "/CN=client@example.com" 2>/dev/null
openssl rsa -in key-pkcs8.pem -traditional -out key-pkcs1.pem 2>/dev/null
openssl pkcs8 -topk8 -in key-pkcs8.pem -v2 aes-256-cbc -passout pass:abc -out key-pkcs8-aes256.pem
openssl pkcs8 -topk8 -in key-pkcs8.pem -v2 des3 -passout pass:abc -out key-pkcs8-des3.pem
openssl pkcs8 -topk8 -in key-pkcs8.pem -v2 aes-128-cbc -v2prf hmacWithSHA256 -passout pass:abc -out key-pkcs8-aes128-sha256.pem
openssl pkcs8 -topk8 -in key-pkcs8.pem -v1 PBE-MD5-DES -provider legacy -provider default -passout pass:abc -out key-pkcs8-md5-des.pem
openssl pkcs8 -topk8 -in key-pkcs8.pem -v1 PBE-SHA1-DES -provider legacy -provider default -passout pass:abc -out key-pkcs8-sha1-des.pem
openssl pkcs8 -topk8 -in key-pkcs8.pem -v1 PBE-SHA1-3DES -passout pass:abc -out key-pkcs8-pkcs12-3des.pem
openssl pkcs8 -topk8 -in key-pkcs8.pem -v1 PBE-SHA1-2DES -passout pass:abc -out key-pkcs8-pkcs12-2des.pem
openssl rsa -in key-pkcs8.pem -traditional -aes256 -passout pass:abc -out key-legacy-aes256.pem 2>/dev/null
openssl rsa -in key-pkcs8.pem -traditional -des3 -passout pass:abc -out key-legacy-des3.pem 2>/dev/null
openssl pkcs12 -export -in cert.pem -inkey key-pkcs8.pem -passout pass:abc -out bundle-aes.p12
openssl pkcs12 -export -legacy -in cert.pem -inkey key-pkcs8.pem -passout pass:abc -out bundle-legacy.p12
