package eapconf

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"io"
)

// Object identifiers of PKCS#5 (RFC 8018) and the ciphers it names.
var (
	oidPBES2             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidPBEWithMD5AndDES  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 3}
	oidPBEWithSHA1AndDES = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 10}
	// PKCS#12's PBE (RFC 7292 C), which OpenSSL's "-v1 PBE-SHA1-3DES" and
	// Windows' exports put in PKCS#8 too.
	oidPBEWithSHAAnd3KeyTripleDES = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	oidPBEWithSHAAnd2KeyTripleDES = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 4}

	oidHMACWithSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACWithSHA224 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}

	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
	oidDESCBC     = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 7}
)

// maxIterations bounds a file's PBKDF iteration count (a hostile file could
// otherwise pin the CPU for minutes); OpenSSL writes 2048, some tools up to
// 600000.
const maxIterations = 1 << 20

type encryptedPrivateKeyInfo struct {
	Algo pkix.AlgorithmIdentifier
	Data []byte
}

type pbes2Params struct {
	KDF    pkix.AlgorithmIdentifier
	Scheme pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
}

type pbes1Params struct {
	Salt       []byte
	Iterations int
}

// DecryptPKCS8 decrypts a DER EncryptedPrivateKeyInfo (PEM "ENCRYPTED
// PRIVATE KEY") and parses the key. It takes PBES2 (PBKDF2 with HMAC-SHA1
// to SHA-512; AES-128/192/256-CBC, DES-EDE3-CBC or DES-CBC), PBES1
// (pbeWithMD5AndDES-CBC, pbeWithSHA1AndDES-CBC) and PKCS#12's
// pbeWithSHAAnd3-KeyTripleDES-CBC and 2-KeyTripleDES-CBC. A passphrase that
// does not fit wraps ErrWrongPassphrase.
func DecryptPKCS8(der, pass []byte) (crypto.PrivateKey, error) {
	return decryptPKCS8(der, pass, maxIterations)
}

func decryptPKCS8(der, pass []byte, maxIter int) (crypto.PrivateKey, error) {
	var info encryptedPrivateKeyInfo
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) != 0 {
		return nil, errors.New("malformed EncryptedPrivateKeyInfo")
	}
	var block cipher.Block
	var iv []byte
	var err error
	switch {
	case info.Algo.Algorithm.Equal(oidPBES2):
		block, iv, err = pbes2(info.Algo.Parameters.FullBytes, pass, maxIter)
	case info.Algo.Algorithm.Equal(oidPBEWithMD5AndDES):
		block, iv, err = pbes1(info.Algo.Parameters.FullBytes, pass, md5.New, maxIter)
	case info.Algo.Algorithm.Equal(oidPBEWithSHA1AndDES):
		block, iv, err = pbes1(info.Algo.Parameters.FullBytes, pass, sha1.New, maxIter)
	case info.Algo.Algorithm.Equal(oidPBEWithSHAAnd3KeyTripleDES):
		block, iv, err = pkcs12PBE(info.Algo.Parameters.FullBytes, pass, 24, maxIter)
	case info.Algo.Algorithm.Equal(oidPBEWithSHAAnd2KeyTripleDES):
		block, iv, err = pkcs12PBE(info.Algo.Parameters.FullBytes, pass, 16, maxIter)
	default:
		return nil, fmt.Errorf("unsupported encryption %v", info.Algo.Algorithm)
	}
	if err != nil {
		return nil, err
	}
	plain, err := cbcDecrypt(block, iv, info.Data)
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKCS8PrivateKey(plain)
	clear(plain) // the key is parsed: its DER goes
	if err != nil {
		// Padding that happened to look right over a wrong key.
		return nil, fmt.Errorf("%w (%v)", ErrWrongPassphrase, err)
	}
	return key, nil
}

func pbes2(params, pass []byte, maxIter int) (cipher.Block, []byte, error) {
	var p pbes2Params
	if rest, err := asn1.Unmarshal(params, &p); err != nil || len(rest) != 0 {
		return nil, nil, errors.New("malformed PBES2 parameters")
	}
	if !p.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, nil, fmt.Errorf("unsupported key derivation %v (only PBKDF2)", p.KDF.Algorithm)
	}
	var kp pbkdf2Params
	if rest, err := asn1.Unmarshal(p.KDF.Parameters.FullBytes, &kp); err != nil || len(rest) != 0 {
		return nil, nil, errors.New("malformed PBKDF2 parameters")
	}
	if kp.Iterations < 1 || kp.Iterations > maxIter {
		return nil, nil, fmt.Errorf("PBKDF2 iteration count %d out of range", kp.Iterations)
	}
	var prf func() hash.Hash
	switch a := kp.PRF.Algorithm; {
	case len(a) == 0 || a.Equal(oidHMACWithSHA1):
		prf = sha1.New
	case a.Equal(oidHMACWithSHA224):
		prf = sha256.New224
	case a.Equal(oidHMACWithSHA256):
		prf = sha256.New
	case a.Equal(oidHMACWithSHA384):
		prf = sha512.New384
	case a.Equal(oidHMACWithSHA512):
		prf = sha512.New
	default:
		return nil, nil, fmt.Errorf("unsupported PBKDF2 PRF %v", a)
	}
	var keyLen int
	var newCipher func([]byte) (cipher.Block, error)
	switch a := p.Scheme.Algorithm; {
	case a.Equal(oidAES128CBC):
		keyLen, newCipher = 16, aes.NewCipher
	case a.Equal(oidAES192CBC):
		keyLen, newCipher = 24, aes.NewCipher
	case a.Equal(oidAES256CBC):
		keyLen, newCipher = 32, aes.NewCipher
	case a.Equal(oidDESEDE3CBC):
		keyLen, newCipher = 24, des.NewTripleDESCipher
	case a.Equal(oidDESCBC):
		keyLen, newCipher = 8, des.NewCipher
	default:
		return nil, nil, fmt.Errorf("unsupported cipher %v", a)
	}
	if kp.KeyLength != 0 && kp.KeyLength != keyLen {
		return nil, nil, fmt.Errorf("PBKDF2 key length %d does not fit the cipher", kp.KeyLength)
	}
	var iv []byte
	if rest, err := asn1.Unmarshal(p.Scheme.Parameters.FullBytes, &iv); err != nil || len(rest) != 0 {
		return nil, nil, errors.New("malformed cipher IV")
	}
	key, err := pbkdf2.Key(prf, string(pass), kp.Salt, kp.Iterations, keyLen)
	if err != nil {
		return nil, nil, fmt.Errorf("PBKDF2: %w", err)
	}
	defer clear(key) // the cipher has its own schedule
	block, err := newCipher(key)
	if err != nil {
		return nil, nil, err
	}
	if len(iv) != block.BlockSize() {
		return nil, nil, fmt.Errorf("IV of %d bytes for a %d-byte block", len(iv), block.BlockSize())
	}
	return block, iv, nil
}

// pbes1 derives DES-CBC's key and IV with PBKDF1 (RFC 8018 5.1).
func pbes1(params, pass []byte, h func() hash.Hash, maxIter int) (cipher.Block, []byte, error) {
	var p pbes1Params
	if rest, err := asn1.Unmarshal(params, &p); err != nil || len(rest) != 0 || len(p.Salt) != 8 {
		return nil, nil, errors.New("malformed PBES1 parameters")
	}
	if p.Iterations < 1 || p.Iterations > maxIter {
		return nil, nil, fmt.Errorf("PBKDF1 iteration count %d out of range", p.Iterations)
	}
	d := h()
	d.Write(pass)
	d.Write(p.Salt)
	t := d.Sum(nil)
	for i := 1; i < p.Iterations; i++ {
		d.Reset()
		d.Write(t)
		t = d.Sum(t[:0])
	}
	block, err := des.NewCipher(t[:8])
	clear(t[:8]) // the key; the IV after it is no secret
	if err != nil {
		return nil, nil, err
	}
	return block, t[8:16], nil
}

// pkcs12PBE derives a triple-DES key and IV with PKCS#12's KDF (RFC 7292
// B.2, SHA-1); keyLen 16 is two-key triple DES.
func pkcs12PBE(params, pass []byte, keyLen, maxIter int) (cipher.Block, []byte, error) {
	var p pbes1Params
	if rest, err := asn1.Unmarshal(params, &p); err != nil || len(rest) != 0 {
		return nil, nil, errors.New("malformed PKCS#12 PBE parameters")
	}
	if p.Iterations < 1 || p.Iterations > maxIter {
		return nil, nil, fmt.Errorf("PKCS#12 KDF iteration count %d out of range", p.Iterations)
	}
	// The password as a BMPString with its terminating zero.
	var bmp []byte
	for _, r := range string(pass) {
		if r > 0xffff {
			return nil, nil, errors.New("passphrase has a character outside the BMP")
		}
		bmp = append(bmp, byte(r>>8), byte(r))
	}
	bmp = append(bmp, 0, 0)
	defer clear(bmp)
	key := pkcs12KDF(bmp, p.Salt, p.Iterations, 1, keyLen)
	if keyLen == 16 {
		key = append(key, key[:8]...)
	}
	defer clear(key)
	block, err := des.NewTripleDESCipher(key)
	if err != nil {
		return nil, nil, err
	}
	return block, pkcs12KDF(bmp, p.Salt, p.Iterations, 2, 8), nil
}

// pkcs12KDF is RFC 7292 B.2 with SHA-1 (u = 20, v = 64).
func pkcs12KDF(pass, salt []byte, iterations int, id byte, n int) []byte {
	const v = 64 // SHA-1 block size; its output (u = 20) is shorter
	fill := func(b []byte) []byte {
		if len(b) == 0 {
			return nil
		}
		out := make([]byte, v*((len(b)+v-1)/v))
		for i := range out {
			out[i] = b[i%len(b)]
		}
		return out
	}
	D := bytes.Repeat([]byte{id}, v)
	I := append(fill(salt), fill(pass)...)
	var out []byte
	for len(out) < n {
		h := sha1.New()
		h.Write(D)
		h.Write(I)
		A := h.Sum(nil)
		for j := 1; j < iterations; j++ {
			h.Reset()
			h.Write(A)
			A = h.Sum(A[:0])
		}
		out = append(out, A...)
		B := fill(A) // A repeated to v bytes (u < v)
		for j := 0; j < len(I); j += v {
			// I_j = (I_j + B + 1) mod 2^(8v)
			carry := 1
			for k := v - 1; k >= 0; k-- {
				s := int(I[j+k]) + int(B[k]) + carry
				I[j+k], carry = byte(s), s>>8
			}
		}
	}
	return out[:n]
}

func cbcDecrypt(block cipher.Block, iv, data []byte) ([]byte, error) {
	bs := block.BlockSize()
	if len(data) == 0 || len(data)%bs != 0 {
		return nil, errors.New("encrypted data is not whole cipher blocks")
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, data)
	n := int(out[len(out)-1])
	if n == 0 || n > bs || n > len(out) {
		return nil, ErrWrongPassphrase
	}
	for _, b := range out[len(out)-n:] {
		if int(b) != n {
			return nil, ErrWrongPassphrase
		}
	}
	return out[:len(out)-n], nil
}

// legacyEncrypted reports an RFC 1421 encrypted PEM block ("Proc-Type:
// 4,ENCRYPTED" and "DEK-Info"), as OpenSSL's old "-des3"/"-aes256" options
// write them.
func legacyEncrypted(b *pem.Block) bool {
	_, ok := b.Headers["DEK-Info"]
	return ok
}

// decryptLegacyPEM decrypts an RFC 1421 encrypted PEM block (DES-CBC,
// DES-EDE3-CBC, AES-128/192/256-CBC, as ell's pem.c takes). The scheme
// (OpenSSL's EVP_BytesToKey with MD5, one round) is weak by design; it is
// read because users' old keys use it, and nothing here writes it.
func decryptLegacyPEM(b *pem.Block, pass []byte) ([]byte, error) {
	//lint:ignore SA1019 reading old keys is the point
	der, err := x509.DecryptPEMBlock(b, pass) //nolint:staticcheck
	if errors.Is(err, x509.IncorrectPasswordError) {
		return nil, ErrWrongPassphrase
	}
	return der, err
}

// encryptIterations is the PBKDF2 count EncryptPKCS8 uses: well above
// OpenSSL's 2048, well below what slows a connect.
const encryptIterations = 100_000

// EncryptPKCS8 encrypts a private key as PKCS#8 EncryptedPrivateKeyInfo
// (PEM "ENCRYPTED PRIVATE KEY"): PBES2, PBKDF2 with HMAC-SHA1 (the default
// every reader takes, ell too) and AES-256-CBC.
func EncryptPKCS8(key crypto.PrivateKey, pass []byte, rand io.Reader) ([]byte, error) {
	plain, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	salt, iv := make([]byte, 16), make([]byte, aes.BlockSize)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(rand, iv); err != nil {
		return nil, err
	}
	k, err := pbkdf2.Key(sha1.New, string(pass), salt, encryptIterations, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	n := aes.BlockSize - len(plain)%aes.BlockSize
	plain = append(plain, bytes.Repeat([]byte{byte(n)}, n)...)
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(plain, plain)

	kdfParams, err := asn1.Marshal(pbkdf2Params{Salt: salt, Iterations: encryptIterations})
	if err != nil {
		return nil, err
	}
	ivParam, err := asn1.Marshal(iv)
	if err != nil {
		return nil, err
	}
	params, err := asn1.Marshal(pbes2Params{
		KDF:    pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: asn1.RawValue{FullBytes: kdfParams}},
		Scheme: pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: asn1.RawValue{FullBytes: ivParam}},
	})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(encryptedPrivateKeyInfo{
		Algo: pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: asn1.RawValue{FullBytes: params}},
		Data: plain,
	})
}
