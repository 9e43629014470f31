/* SPDX-License-Identifier: ISC */
#include "custos/key.h"
#include "custos/sign.h"
#include "custos/digest.h"

#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "key_private.h"
#include "tap.h"

static const char pass[] = "correct horse battery";

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    static char buf[65536];
    size_t n = f != NULL ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f != NULL)
        fclose(f);
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return buf;
}

/* Writes path with the first occurrence of from replaced by to. */
static void
rewrite(const char *src, const char *dst, const char *from, const char *to)
{
    char *t = slurp(src, NULL);
    char out[65536];
    char *at = strstr(t, from);
    if (at == NULL) {
        printf("Bail out! '%s' not in %s\n", from, src);
        exit(1);
    }
    size_t pre = (size_t)(at - t);
    snprintf(out, sizeof(out), "%.*s%s%s", (int)pre, t, to, at + strlen(from));
    tap_write(dst, out, strlen(out));
}

static void
test_generate_and_load(void)
{
    struct custos_error err;
    struct custos_key *k = NULL, *priv = NULL, *pub = NULL;
    struct stat st;
    custos_error_clear(&err);

    is_status(custos_key_generate(&k, "Alice", "janitor", &err), CUSTOS_E_USAGE, &err,
              "unknown role refused");
    is_status(custos_key_generate(&k, "", "custodian", &err), CUSTOS_E_USAGE, &err,
              "empty name refused");
    is_status(custos_key_generate(&k, "Alice\nrole: legal", "custodian", &err), CUSTOS_E_USAGE,
              &err, "name with a line break refused");
    is_status(custos_key_generate(&k, "\xff\xfe", "custodian", &err), CUSTOS_E_USAGE, &err,
              "invalid UTF-8 refused");
    is_status(custos_key_generate(&k, "林佳慧 (Carol Lin)", "witness", &err), CUSTOS_OK, &err,
              "generate");
    ok(custos_key_has_private(k), "generated key is private");
    is_int(strlen(custos_key_fingerprint(k)), 64, "fingerprint is 64 hex digits");

    /* The fingerprint is SHA-256 of the DER SPKI, computed independently. */
    uint8_t spki[CUSTOS_KEY_SPKI_SIZE], md[32];
    char hex[65];
    unsigned mdlen;
    custos_key_spki(k, spki);
    EVP_Digest(spki, sizeof(spki), md, &mdlen, EVP_sha256(), NULL);
    custos_hex_encode(md, 32, hex);
    is_str(custos_key_fingerprint(k), hex, "fingerprint = sha256(SPKI DER)");
    unsigned char *der = NULL;
    int dlen = i2d_PUBKEY(custos__key_pkey(k), &der);
    ok(dlen == CUSTOS_KEY_SPKI_SIZE && memcmp(der, spki, (size_t)dlen) == 0,
       "SPKI equals OpenSSL's i2d_PUBKEY");
    OPENSSL_free(der);

    is_status(custos_key_save(k, "carol.key", "short", 5, &err), CUSTOS_E_USAGE, &err,
              "short passphrase refused");
    is_status(custos_key_save(k, "carol.key", pass, strlen(pass), &err), CUSTOS_OK, &err, "save");
    ok(stat("carol.key", &st) == 0 && (st.st_mode & 0777) == 0600, "private key is mode 0600");
    ok(stat("carol.key.pub", &st) == 0, "public key file written");
    is_status(custos_key_save(k, "carol.key", pass, strlen(pass), &err), CUSTOS_E_REFUSED, &err,
              "existing key file refused");
    has_str(slurp("carol.key", NULL), "-----BEGIN ENCRYPTED PRIVATE KEY-----",
            "private key is encrypted PKCS#8");
    has_str(slurp("carol.key", NULL), "name: 林佳慧 (Carol Lin)\nrole: witness\n",
            "statement names the person and role");

    is_status(custos_key_load_private(&priv, "carol.key", pass, strlen(pass), &err), CUSTOS_OK,
              &err, "load private");
    if (priv != NULL) {
        is_str(custos_key_fingerprint(priv), custos_key_fingerprint(k), "same fingerprint");
        is_str(custos_key_name(priv), "林佳慧 (Carol Lin)", "name");
        is_str(custos_key_role(priv), "witness", "role");
        is_str(custos_key_created(priv), custos_key_created(k), "created");
    }
    is_status(custos_key_load_private(&pub, "carol.key", "wrong passphrase", 16, &err),
              CUSTOS_E_UNTRUSTED, &err, "wrong passphrase");
    has_str(err.message, "wrong passphrase", "error says wrong passphrase");
    ok(pub == NULL, "no key on failure");

    is_status(custos_key_load_public(&pub, "carol.key.pub", &err), CUSTOS_OK, &err, "load public");
    if (pub != NULL) {
        is_str(custos_key_fingerprint(pub), custos_key_fingerprint(k), "public fingerprint");
        ok(!custos_key_has_private(pub), "public key has no private half");
    }
    custos_key_free(pub);
    pub = NULL;
    {
        FILE *f = fopen("carol.key.pub", "rb");
        char buf[4096];
        size_t n = f != NULL ? fread(buf, 1, sizeof(buf), f) : 0;
        if (f != NULL)
            fclose(f);
        is_status(custos_key_load_public_mem(&pub, "mem.pub", buf, n, &err), CUSTOS_OK, &err,
                  "load public from memory");
        if (pub != NULL)
            is_str(custos_key_fingerprint(pub), custos_key_fingerprint(k), "same fingerprint");
        custos_key_free(pub);
        pub = NULL;
        buf[40] ^= 1;
        is_status(custos_key_load_public_mem(&pub, "mem.pub", buf, n, &err) != CUSTOS_OK, 1, &err,
                  "altered bytes in memory refused");
        is_status(custos_key_load_public_mem(&pub, "mem.pub", buf, n / 2, &err) != CUSTOS_OK, 1,
                  &err, "cut bytes refused");
        has_str(err.message, "mem.pub", "message names the given name");
    }
    is_status(custos_key_load_public(&pub, "carol.key", &err), CUSTOS_E_USAGE, &err,
              "private file given as public refused");
    is_status(custos_key_load_private(&pub, "carol.key.pub", pass, strlen(pass), &err),
              CUSTOS_E_USAGE, &err, "public file given as private refused");

    /* Altered statements. */
    rewrite("carol.key.pub", "renamed.pub", "role: witness", "role: legal");
    is_status(custos_key_load_public(&pub, "renamed.pub", &err), CUSTOS_E_UNTRUSTED, &err,
              "altered role detected");
    has_str(err.message, "binding", "error names the binding");
    rewrite("carol.key", "renamed.key", "role: witness", "role: custodian");
    is_status(custos_key_load_private(&pub, "renamed.key", pass, strlen(pass), &err),
              CUSTOS_E_UNTRUSTED, &err, "altered role in private file detected");
    char fpline[80];
    snprintf(fpline, sizeof(fpline), "fingerprint: %.8s", custos_key_fingerprint(k));
    rewrite("carol.key.pub", "fp.pub", fpline, "fingerprint: 00000000");
    is_status(custos_key_load_public(&pub, "fp.pub", &err), CUSTOS_E_UNTRUSTED, &err,
              "altered fingerprint detected");
    has_str(err.message, "does not match its fingerprint", "error names the fingerprint");

    /* Corrupt files. */
    size_t len;
    char *t = slurp("carol.key", &len);
    tap_write("trunc.key", t, len / 2);
    is_status(custos_key_load_private(&pub, "trunc.key", pass, strlen(pass), &err),
              CUSTOS_E_CORRUPT, &err, "truncated private key is corrupt");
    tap_write("junk.key", "hello\n", 6);
    is_status(custos_key_load_public(&pub, "junk.key", &err), CUSTOS_E_CORRUPT, &err,
              "junk is corrupt");
    has_str(err.message, "not a custos key file", "error says so");
    is_status(custos_key_load_public(&pub, "missing.pub", &err), CUSTOS_E_IO, &err,
              "missing file is an I/O error");

    /* Wrong key type. */
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    FILE *f = fopen("rsa.pub", "w");
    PEM_write_PUBKEY(f, rsa);
    fclose(f);
    is_status(custos_key_load_public(&pub, "rsa.pub", &err), CUSTOS_E_UNSUPPORTED, &err,
              "RSA public key refused");
    has_str(err.message, "wrong key type", "error says wrong key type");
    /* A custos statement over an RSA block. */
    char *pubtext = slurp("carol.key.pub", NULL);
    char stmt[4096];
    snprintf(stmt, sizeof(stmt), "%.*s", (int)(strstr(pubtext, "-----BEGIN") - pubtext), pubtext);
    f = fopen("stmt-rsa.pub", "w");
    fputs(stmt, f);
    PEM_write_PUBKEY(f, rsa);
    fclose(f);
    is_status(custos_key_load_public(&pub, "stmt-rsa.pub", &err), CUSTOS_E_UNSUPPORTED, &err,
              "statement with an RSA key refused");
    EVP_PKEY_free(rsa);

    /* Weak encryption (OpenSSL's default 2048 iterations) is refused. */
    f = fopen("weak.key", "w");
    fputs(stmt, f);
    PEM_write_PKCS8PrivateKey(f, custos__key_pkey(k), EVP_aes_256_cbc(), NULL, 0, NULL,
                              (void *)pass);
    fclose(f);
    is_status(custos_key_load_private(&pub, "weak.key", pass, strlen(pass), &err),
              CUSTOS_E_UNSUPPORTED, &err, "2048-iteration PBKDF2 refused");
    has_str(err.message, "weak key encryption", "error says weak encryption");

    /* from_spki gives the same fingerprint. */
    is_status(custos_key_from_spki(&pub, spki, sizeof(spki), "x", "legal", &err), CUSTOS_OK, &err,
              "from_spki");
    if (pub != NULL)
        is_str(custos_key_fingerprint(pub), custos_key_fingerprint(k), "from_spki fingerprint");
    custos_key_free(pub);
    pub = NULL;
    is_status(custos_key_from_spki(&pub, spki, sizeof(spki) - 1, NULL, NULL, &err),
              CUSTOS_E_CORRUPT, &err, "short SPKI refused");

    custos_key_free(priv);
    custos_key_free(k);
    custos_key_free(NULL);
}

static void
test_passphrase(void)
{
    struct custos_error err;
    char *p = NULL;
    size_t n = 0;
    custos_error_clear(&err);
    tap_write("p1", "secret phrase\nsecond line\n", 26);
    is_status(custos_passphrase_read_file("p1", &p, &n, &err), CUSTOS_OK, &err, "read file");
    is_str(p, "secret phrase", "first line without LF");
    is_int(n, 13, "length");
    custos_passphrase_free(p, n);
    tap_write("p2", "crlf phrase\r\n", 13);
    custos_passphrase_read_file("p2", &p, &n, &err);
    is_str(p, "crlf phrase", "CRLF stripped");
    custos_passphrase_free(p, n);
    tap_write("p3", "no newline", 10);
    custos_passphrase_read_file("p3", &p, &n, &err);
    is_str(p, "no newline", "no final newline");
    custos_passphrase_free(p, n);
    tap_write("p4", "\n", 1);
    p = NULL;
    is_status(custos_passphrase_read_file("p4", &p, &n, &err), CUSTOS_E_CORRUPT, &err,
              "empty passphrase refused");
    ok(p == NULL, "nothing returned");
    is_status(custos_passphrase_read_file("nope", &p, &n, &err), CUSTOS_E_IO, &err, "missing file");
    custos_passphrase_free(NULL, 0);
    ok(custos_key_role_valid("legal") && !custos_key_role_valid("Legal") &&
           !custos_key_role_valid(NULL),
       "role names are exact");
}

int
main(void)
{
    tap_tmpdir();
    test_generate_and_load();
    test_passphrase();
    return tap_done();
}
