/* SPDX-License-Identifier: ISC */
/*
 * key.c: Ed25519 key pairs bound to a person, stored as custos key files.
 *
 * A key file is a statement (magic, name, role, fingerprint, creation time,
 * binding signature; one "field: value" line each) followed by one PEM
 * block: ENCRYPTED PRIVATE KEY (PKCS#8, PBES2 with AES-256-CBC and
 * PBKDF2-HMAC-SHA256) for the private file, PUBLIC KEY for the public one.
 * `openssl pkey` skips the statement, so both files stay usable with the
 * OpenSSL command line (docs/formats/key.md).
 *
 * Invariants:
 *   1. A loaded key always matches its statement: the fingerprint is
 *      recomputed from the key, and the binding signature (PAE with
 *      CUSTOS_PURPOSE_KEY_BINDING over the statement lines) verifies with it.
 *      A wrong passphrase that happens to pass the CBC padding check yields a
 *      key that fails this check.
 *   2. Private keys are written only through custos_write_file_new with mode
 *      0600 (O_EXCL, atomic publish), and only encrypted with at least
 *      CUSTOS_KEY_PBKDF2_ITER PBKDF2 iterations; weaker files are refused on
 *      load.
 *   3. Decrypted PKCS#8 structures and passphrase buffers are wiped
 *      (OPENSSL_cleanse) before they are freed.
 */
#include "custos/key.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h> /* OPENSSL_cleanse */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h> /* PKCS8_encrypt-style helpers, PBE2PARAM */
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "custos/atomicfile.h"
#include "custos/digest.h"
#include "custos/sign.h"
#include "custos/timefmt.h"
#include "base64_private.h"
#include "fsutil_private.h"
#include "key_private.h"
#include "readfile_private.h"
#include "text_private.h"

#define KEY_FILE_MAX   (64 * 1024) /* bytes; real key files are under 1 KiB */
#define ROLE_MAX       16
#define CUSTOS_XSTR(x) #x
#define CUSTOS_STR(x)  CUSTOS_XSTR(x)

struct custos_key {
    EVP_PKEY *pkey;                     /* Ed25519; private half when priv */
    int priv;                           /* 1 when pkey holds the private key */
    char name[CUSTOS_KEY_NAME_MAX + 1]; /* UTF-8, no control characters */
    char role[ROLE_MAX];                /* a CUSTOS_ROLE_* name, or "" */
    char created[32];                   /* RFC 3339 UTC, or "" */
    char fp[CUSTOS_KEY_FP_HEX_SIZE];    /* SHA-256 of spki, lowercase hex */
    uint8_t spki[CUSTOS_KEY_SPKI_SIZE]; /* DER SubjectPublicKeyInfo */
};

static const char *const roles[] = {
    CUSTOS_ROLE_CUSTODIAN, CUSTOS_ROLE_RECORDER, CUSTOS_ROLE_WITNESS,
    CUSTOS_ROLE_VENDOR,    CUSTOS_ROLE_LEGAL,
};

int
custos_key_role_valid(const char *role)
{
    for (size_t i = 0; role != NULL && i < sizeof(roles) / sizeof(roles[0]); i++)
        if (strcmp(role, roles[i]) == 0)
            return 1;
    return 0;
}

EVP_PKEY *
custos__key_pkey(const struct custos_key *k)
{
    return k->pkey;
}

/* A name is non-empty UTF-8 text without control characters (so one line). */
static int
name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > CUSTOS_KEY_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return 0;
    if (!custos_utf8_valid(name, n))
        return 0;
    return name[0] != ' ' && name[n - 1] != ' ';
}

/* Prefixes err's message (set without a path) with path; keeps the status. */
static int
with_path(struct custos_error *err, const char *path)
{
    char msg[CUSTOS_ERROR_MESSAGE_MAX];
    snprintf(msg, sizeof(msg), "%s", err->message);
    int e = err->sys_errno;
    custos_error_set(err, err->status, 0, path, "%s", msg);
    err->sys_errno = e;
    return err->status;
}

/* Fills k->spki and k->fp from k->pkey. */
static int
key_fill_public(struct custos_key *k, struct custos_error *err)
{
    if (EVP_PKEY_get_id(k->pkey) != EVP_PKEY_ED25519)
        return custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, NULL,
                                "wrong key type: %s, custos keys are Ed25519",
                                EVP_PKEY_get0_type_name(k->pkey));
    int n = i2d_PUBKEY(k->pkey, NULL);
    if (n != CUSTOS_KEY_SPKI_SIZE)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "unexpected public key encoding");
    unsigned char *p = k->spki;
    i2d_PUBKEY(k->pkey, &p);
    uint8_t md[32];
    unsigned mdlen = 0;
    if (EVP_Digest(k->spki, sizeof(k->spki), md, &mdlen, EVP_sha256(), NULL) != 1)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "sha-256 unavailable");
    custos_hex_encode(md, sizeof(md), k->fp);
    return CUSTOS_OK;
}

/* The statement lines that the binding signature covers, in a new string. */
static char *
statement(const struct custos_key *k)
{
    char *s = NULL;
    if (asprintf(&s,
                 CUSTOS_KEY_MAGIC "\n" CUSTOS_KEY_FIELD_NAME "%s\n" CUSTOS_KEY_FIELD_ROLE
                                  "%s\n" CUSTOS_KEY_FIELD_FINGERPRINT
                                  "%s\n" CUSTOS_KEY_FIELD_CREATED "%s\n",
                 k->name, k->role, k->fp, k->created) < 0)
        return NULL;
    return s;
}

int
custos_key_generate(struct custos_key **out, const char *name, const char *role,
                    struct custos_error *err)
{
    *out = NULL;
    if (name == NULL || !name_valid(name))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "name must be 1 to %d bytes of UTF-8 text on one line",
                                CUSTOS_KEY_NAME_MAX);
    if (!custos_key_role_valid(role))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "role must be custodian, recorder, witness, vendor or legal");
    custos_secret_protect_process();
    struct custos_key *k = calloc(1, sizeof(*k));
    if (k == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &k->pkey) != 1) {
        EVP_PKEY_CTX_free(ctx);
        free(k);
        return custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, NULL,
                                "cannot generate an Ed25519 key with this OpenSSL");
    }
    EVP_PKEY_CTX_free(ctx);
    k->priv = 1;
    snprintf(k->name, sizeof(k->name), "%s", name);
    snprintf(k->role, sizeof(k->role), "%s", role);
    custos__utc_now(k->created, sizeof(k->created));
    int rc = key_fill_public(k, err);
    if (rc != CUSTOS_OK) {
        custos_key_free(k);
        return rc;
    }
    *out = k;
    return CUSTOS_OK;
}

/* Statement plus binding line, then pem, as one new buffer. */
static int
file_text(const struct custos_key *k, const char *pem, size_t pemlen, char **buf, size_t *len,
          struct custos_error *err)
{
    char *st = statement(k);
    if (st == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    uint8_t sig[CUSTOS_SIG_SIZE];
    int rc = custos_sign(k, CUSTOS_PURPOSE_KEY_BINDING, st, strlen(st), sig, err);
    if (rc != CUSTOS_OK) {
        free(st);
        return rc;
    }
    char b64[CUSTOS_SIG_B64_SIZE];
    custos_sig_to_base64(sig, b64);
    size_t stlen = strlen(st);
    size_t n = stlen + strlen(CUSTOS_KEY_FIELD_BINDING) + strlen(b64) + 1 + pemlen;
    char *b = malloc(n + 1);
    if (b == NULL) {
        free(st);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    int off = snprintf(b, n + 1, "%s" CUSTOS_KEY_FIELD_BINDING "%s\n", st, b64);
    memcpy(b + off, pem, pemlen);
    b[n] = '\0';
    free(st);
    *buf = b;
    *len = n;
    return CUSTOS_OK;
}

/* The PEM text of a BIO, copied into a new buffer. */
static int
bio_text(BIO *bio, char **pem, size_t *len)
{
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    if (n <= 0 || (*pem = malloc((size_t)n)) == NULL)
        return -1;
    memcpy(*pem, data, (size_t)n);
    *len = (size_t)n;
    return 0;
}

static int
encrypted_pem(const struct custos_key *k, const char *pass, size_t passlen, char **pem,
              size_t *pemlen, struct custos_error *err)
{
    int rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "cannot encrypt the private key");
    unsigned char salt[16];
    PKCS8_PRIV_KEY_INFO *p8inf = NULL;
    X509_ALGOR *pbe = NULL;
    X509_SIG *p8 = NULL;
    BIO *bio = NULL;
    if (RAND_bytes(salt, sizeof(salt)) != 1 || (p8inf = EVP_PKEY2PKCS8(k->pkey)) == NULL)
        goto out;
    pbe = PKCS5_pbe2_set_iv(EVP_aes_256_cbc(), CUSTOS_KEY_PBKDF2_ITER, salt, sizeof(salt), NULL,
                            NID_hmacWithSHA256);
    if (pbe == NULL)
        goto out;
    p8 = PKCS8_set0_pbe(pass, (int)passlen, p8inf, pbe);
    if (p8 == NULL)
        goto out;
    pbe = NULL; /* owned by p8 now */
    if ((bio = BIO_new(BIO_s_mem())) == NULL || PEM_write_bio_PKCS8(bio, p8) != 1 ||
        bio_text(bio, pem, pemlen) != 0)
        goto out;
    custos_error_clear(err);
    rc = CUSTOS_OK;
out:
    X509_ALGOR_free(pbe);
    X509_SIG_free(p8);
    PKCS8_PRIV_KEY_INFO_free(p8inf); /* clears the key octets on free */
    BIO_free(bio);
    OPENSSL_cleanse(salt, sizeof(salt));
    return rc;
}

int
custos_key_save(const struct custos_key *k, const char *path, const char *pass, size_t passlen,
                struct custos_error *err)
{
    if (!k->priv)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, path, "not a private key");
    if (pass == NULL || passlen < CUSTOS_KEY_PASSPHRASE_MIN || passlen > CUSTOS_KEY_PASSPHRASE_MAX)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, path,
                                "the passphrase must be %d to %d bytes long",
                                CUSTOS_KEY_PASSPHRASE_MIN, CUSTOS_KEY_PASSPHRASE_MAX);
    size_t plen = strlen(path) + sizeof(CUSTOS_KEY_PUB_SUFFIX);
    char *pubpath = malloc(plen);
    if (pubpath == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    snprintf(pubpath, plen, "%s" CUSTOS_KEY_PUB_SUFFIX, path);
    char *pem = NULL, *priv = NULL, *pub = NULL;
    size_t pemlen = 0, privlen = 0, publen = 0;
    BIO *bio = NULL;
    int rc = custos__refuse_existing(path, err);
    if (rc == CUSTOS_OK)
        rc = custos__refuse_existing(pubpath, err);
    if (rc != CUSTOS_OK)
        goto out;
    rc = encrypted_pem(k, pass, passlen, &pem, &pemlen, err);
    if (rc == CUSTOS_OK)
        rc = file_text(k, pem, pemlen, &priv, &privlen, err);
    free(pem);
    pem = NULL;
    if (rc != CUSTOS_OK)
        goto out;
    if ((bio = BIO_new(BIO_s_mem())) == NULL || PEM_write_bio_PUBKEY(bio, k->pkey) != 1 ||
        bio_text(bio, &pem, &pemlen) != 0) {
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
        goto out;
    }
    rc = file_text(k, pem, pemlen, &pub, &publen, err);
    if (rc != CUSTOS_OK)
        goto out;
    rc = custos_write_file_new(path, priv, privlen, 0600, err);
    if (rc != CUSTOS_OK)
        goto out;
    rc = custos_write_file_new(pubpath, pub, publen, 0644, err);
    if (rc != CUSTOS_OK) {
        /* We just created path; withdraw it so no half key pair remains. */
        unlink(path);
        custos__fsync_parent(path);
    }
out:
    BIO_free(bio);
    free(pem);
    free(priv);
    free(pub);
    free(pubpath);
    return rc;
}

/* Copies the value of line `prefix` at *p into dst, advancing *p past the line. */
static int
take_field(const char **p, const char *prefix, char *dst, size_t dstlen)
{
    size_t pl = strlen(prefix);
    if (strncmp(*p, prefix, pl) != 0)
        return -1;
    const char *v = *p + pl;
    const char *nl = strchr(v, '\n');
    if (nl == NULL || (size_t)(nl - v) >= dstlen)
        return -1;
    memcpy(dst, v, (size_t)(nl - v));
    dst[nl - v] = '\0';
    *p = nl + 1;
    return 0;
}

/*
 * Parses the statement of a key file into k (name, role, fp as written,
 * created) and the binding; *pem points at the PEM block that follows.
 */
static int
parse_statement(const char *path, const char *text, struct custos_key *k, char *fp_written,
                uint8_t binding[CUSTOS_SIG_SIZE], const char **stmt_end, const char **pem,
                struct custos_error *err)
{
    const char *p = text;
    char magic[32], b64[CUSTOS_SIG_B64_SIZE + 1];
    if (strncmp(p, CUSTOS_KEY_MAGIC "\n", sizeof(CUSTOS_KEY_MAGIC)) != 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                                "not a custos key file (no " CUSTOS_KEY_MAGIC " line)");
    (void)magic;
    p += sizeof(CUSTOS_KEY_MAGIC);
    if (take_field(&p, CUSTOS_KEY_FIELD_NAME, k->name, sizeof(k->name)) != 0 ||
        !name_valid(k->name))
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "line 2: bad name line");
    if (take_field(&p, CUSTOS_KEY_FIELD_ROLE, k->role, sizeof(k->role)) != 0 ||
        !custos_key_role_valid(k->role))
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "line 3: bad role line");
    if (take_field(&p, CUSTOS_KEY_FIELD_FINGERPRINT, fp_written, CUSTOS_KEY_FP_HEX_SIZE) != 0 ||
        !custos__hex_lower(fp_written, 64))
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "line 4: bad fingerprint line");
    if (take_field(&p, CUSTOS_KEY_FIELD_CREATED, k->created, sizeof(k->created)) != 0 ||
        custos_time_rfc3339_parse(k->created, CUSTOS_TIME_CANONICAL, NULL, NULL) != CUSTOS_OK)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "line 5: bad created line");
    *stmt_end = p;
    struct custos_error e2;
    if (take_field(&p, CUSTOS_KEY_FIELD_BINDING, b64, sizeof(b64)) != 0 ||
        custos_sig_from_base64(b64, strlen(b64), binding, &e2) != CUSTOS_OK)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "line 6: bad binding line");
    if (strncmp(p, "-----BEGIN ", 11) != 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "line 7: no PEM block");
    *pem = p;
    return CUSTOS_OK;
}

/* Checks invariant 1 for a key whose pkey is set: fingerprint and binding. */
static int
check_statement(const char *path, struct custos_key *k, const char *text, const char *stmt_end,
                const char *fp_written, const uint8_t binding[CUSTOS_SIG_SIZE],
                struct custos_error *err)
{
    int rc = key_fill_public(k, err);
    if (rc != CUSTOS_OK)
        return with_path(err, path);
    if (strcmp(k->fp, fp_written) != 0)
        return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, path,
                                "key does not match its fingerprint %.16s (altered file%s)",
                                fp_written, k->priv ? ", or wrong passphrase" : "");
    rc = custos_sign_verify(k, CUSTOS_PURPOSE_KEY_BINDING, text, (size_t)(stmt_end - text), binding,
                            err);
    if (rc != CUSTOS_OK)
        return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, path,
                                "name, role or date altered: binding signature does not verify");
    return CUSTOS_OK;
}

static struct custos_key *
key_new(void)
{
    return calloc(1, sizeof(struct custos_key));
}

/* For a file without a statement: say what key it holds, if it is one. */
static int
explain_foreign(const char *path, const char *text, size_t len, const char *pass, size_t passlen,
                struct custos_error *err)
{
    BIO *bio = BIO_new_mem_buf(text, (int)len);
    EVP_PKEY *pk = NULL;
    if (bio != NULL && strstr(text, "PUBLIC KEY-----") != NULL)
        pk = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    else if (bio != NULL && strstr(text, "PRIVATE KEY-----") != NULL)
        pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)(pass != NULL ? pass : ""));
    (void)passlen;
    BIO_free(bio);
    ERR_clear_error();
    if (pk == NULL)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                                "not a custos key file (no " CUSTOS_KEY_MAGIC " line)");
    int id = EVP_PKEY_get_id(pk);
    char type[64];
    snprintf(type, sizeof(type), "%s", EVP_PKEY_get0_type_name(pk));
    EVP_PKEY_free(pk);
    if (id != EVP_PKEY_ED25519)
        return custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, path,
                                "wrong key type: %s, custos keys are Ed25519", type);
    return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                            "an Ed25519 key without a custos statement (name, role): "
                            "make keys with custos-key generate");
}

/*
 * Refuses PKCS#8 encryption other than PBES2 with PBKDF2 of at least
 * CUSTOS_KEY_PBKDF2_ITER iterations or scrypt of at least the minimum cost.
 */
static int
check_pbe(const char *path, const X509_SIG *p8, struct custos_error *err)
{
    const X509_ALGOR *alg = NULL;
    X509_SIG_get0(p8, &alg, NULL);
    int ok = 0, scrypt = 0;
    long iter = 0, n = 0, r = 0;
    if (alg != NULL && OBJ_obj2nid(alg->algorithm) == NID_pbes2) {
        PBE2PARAM *pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
        if (pbe2 != NULL) {
            int kdf = OBJ_obj2nid(pbe2->keyfunc->algorithm);
            if (kdf == NID_id_scrypt) {
                SCRYPT_PARAMS *sp = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(SCRYPT_PARAMS),
                                                              pbe2->keyfunc->parameter);
                if (sp != NULL) {
                    scrypt = 1;
                    n = ASN1_INTEGER_get(sp->costParameter);
                    r = ASN1_INTEGER_get(sp->blockSize);
                    ok = n >= CUSTOS_KEY_SCRYPT_N_MIN && r >= CUSTOS_KEY_SCRYPT_R_MIN;
                    SCRYPT_PARAMS_free(sp);
                }
            } else if (kdf == NID_id_pbkdf2) {
                PBKDF2PARAM *kp = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM),
                                                            pbe2->keyfunc->parameter);
                if (kp != NULL) {
                    iter = ASN1_INTEGER_get(kp->iter);
                    ok = iter >= CUSTOS_KEY_PBKDF2_ITER;
                    PBKDF2PARAM_free(kp);
                }
            }
            PBE2PARAM_free(pbe2);
        }
    }
    if (!ok && scrypt)
        return custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, path,
                                "weak key encryption (scrypt N=%ld r=%ld; at least N=%d r=%d "
                                "required)",
                                n, r, CUSTOS_KEY_SCRYPT_N_MIN, CUSTOS_KEY_SCRYPT_R_MIN);
    if (!ok)
        return custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, path,
                                "weak key encryption (%ld PBKDF2 iterations; at least %d or "
                                "scrypt required)",
                                iter, CUSTOS_KEY_PBKDF2_ITER);
    return CUSTOS_OK;
}

/*
 * What every key file opens with: k (NULL when it could not be made) and
 * text checked to be a custos key file (else explain_foreign says what it
 * is), then its statement parsed into k, fp and binding, with where the
 * statement ends and the PEM block begins.
 */
static int
open_key_text(const char *path, const char *text, size_t len, const char *pass, size_t passlen,
              struct custos_key *k, char *fp, uint8_t *binding, const char **stmt_end,
              const char **pem, struct custos_error *err)
{
    if (k == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    if (memchr(text, '\0', len) != NULL)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "not a custos key file (binary)");
    if (strncmp(text, CUSTOS_KEY_MAGIC "\n", sizeof(CUSTOS_KEY_MAGIC)) != 0)
        return explain_foreign(path, text, len, pass, passlen, err);
    return parse_statement(path, text, k, fp, binding, stmt_end, pem, err);
}

int
custos_key_load_private(struct custos_key **out, const char *path, const char *pass, size_t passlen,
                        struct custos_error *err)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    unsigned mode = 0;
    int rc = custos__read_file(path, KEY_FILE_MAX, &text, &len, &mode, err);
    if (rc != CUSTOS_OK)
        return rc;
    custos_secret_protect_process();
    struct custos_key *k = key_new();
    char fp[CUSTOS_KEY_FP_HEX_SIZE];
    uint8_t binding[CUSTOS_SIG_SIZE];
    const char *stmt_end = NULL, *pem = NULL;
    X509_SIG *p8 = NULL;
    PKCS8_PRIV_KEY_INFO *p8inf = NULL;
    BIO *bio = NULL;
    rc = open_key_text(path, text, len, pass, passlen, k, fp, binding, &stmt_end, &pem, err);
    if (rc != CUSTOS_OK)
        goto out;
    if (strncmp(pem, "-----BEGIN PUBLIC KEY-----", 26) == 0) {
        rc = custos_error_set(err, CUSTOS_E_USAGE, 0, path,
                              "a public key file; a private key file is needed");
        goto out;
    }
    if (strncmp(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----", 37) != 0) {
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                              "the private key is not an encrypted PKCS#8 PEM block");
        goto out;
    }
    if ((mode & 077) != 0) {
        rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, path,
                              "private key open to other users (mode %04o); run chmod 600 on it",
                              mode);
        goto out;
    }
    bio = BIO_new_mem_buf(pem, (int)(len - (size_t)(pem - text)));
    if (bio == NULL || (p8 = PEM_read_bio_PKCS8(bio, NULL, NULL, NULL)) == NULL) {
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                              "the encrypted private key block is damaged");
        goto out;
    }
    rc = check_pbe(path, p8, err);
    if (rc != CUSTOS_OK)
        goto out;
    p8inf = PKCS8_decrypt(p8, pass, (int)passlen);
    if (p8inf == NULL) {
        rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, path, "wrong passphrase");
        goto out;
    }
    k->pkey = EVP_PKCS82PKEY(p8inf);
    if (k->pkey == NULL) {
        rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, path,
                              "wrong passphrase (the decrypted key is not a key)");
        goto out;
    }
    k->priv = 1;
    rc = check_statement(path, k, text, stmt_end, fp, binding, err);
out:
    ERR_clear_error();
    PKCS8_PRIV_KEY_INFO_free(p8inf);
    X509_SIG_free(p8);
    BIO_free(bio);
    free(text);
    if (rc != CUSTOS_OK)
        custos_key_free(k);
    else
        *out = k;
    return rc;
}

static int load_public_text(struct custos_key **out, const char *path, const char *text, size_t len,
                            struct custos_error *err);

int
custos_key_load_public(struct custos_key **out, const char *path, struct custos_error *err)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc = custos__read_small_file(path, KEY_FILE_MAX, &text, &len, err);
    if (rc != CUSTOS_OK)
        return rc;
    rc = load_public_text(out, path, text, len, err);
    free(text);
    return rc;
}

int
custos_key_load_public_mem(struct custos_key **out, const char *name, const void *bytes, size_t len,
                           struct custos_error *err)
{
    *out = NULL;
    char *text;
    int rc = custos__text_copy(name, bytes, len, KEY_FILE_MAX, &text, err);
    if (rc != CUSTOS_OK)
        return rc;
    rc = load_public_text(out, name, text, len, err);
    free(text);
    return rc;
}

/* Parses a public key file's text (NUL-terminated, len bytes before the NUL). */
static int
load_public_text(struct custos_key **out, const char *path, const char *text, size_t len,
                 struct custos_error *err)
{
    *out = NULL;
    int rc = CUSTOS_OK;
    struct custos_key *k = key_new();
    char fp[CUSTOS_KEY_FP_HEX_SIZE];
    uint8_t binding[CUSTOS_SIG_SIZE];
    const char *stmt_end = NULL, *pem = NULL;
    BIO *bio = NULL;
    rc = open_key_text(path, text, len, NULL, 0, k, fp, binding, &stmt_end, &pem, err);
    if (rc != CUSTOS_OK)
        goto out;
    if (strncmp(pem, "-----BEGIN PUBLIC KEY-----", 26) != 0) {
        rc = strstr(pem, "PRIVATE KEY-----") != NULL
                 ? custos_error_set(err, CUSTOS_E_USAGE, 0, path,
                                    "a private key file; give its public key file (%s)",
                                    CUSTOS_KEY_PUB_SUFFIX)
                 : custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "no PUBLIC KEY PEM block");
        goto out;
    }
    bio = BIO_new_mem_buf(pem, (int)(len - (size_t)(pem - text)));
    if (bio == NULL || (k->pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL)) == NULL) {
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "the public key block is damaged");
        goto out;
    }
    rc = check_statement(path, k, text, stmt_end, fp, binding, err);
out:
    ERR_clear_error();
    BIO_free(bio);
    if (rc != CUSTOS_OK)
        custos_key_free(k);
    else
        *out = k;
    return rc;
}

int
custos_key_from_spki(struct custos_key **out, const uint8_t *der, size_t len, const char *name,
                     const char *role, struct custos_error *err)
{
    *out = NULL;
    struct custos_key *k = key_new();
    if (k == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    const unsigned char *p = der;
    k->pkey = d2i_PUBKEY(NULL, &p, (long)len);
    ERR_clear_error();
    if (k->pkey == NULL || p != der + len) {
        custos_key_free(k);
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "not a DER SubjectPublicKeyInfo");
    }
    int rc = key_fill_public(k, err);
    if (rc != CUSTOS_OK) {
        custos_key_free(k);
        return rc;
    }
    snprintf(k->name, sizeof(k->name), "%s", name != NULL ? name : "");
    snprintf(k->role, sizeof(k->role), "%s", role != NULL ? role : "");
    *out = k;
    return CUSTOS_OK;
}

int
custos__key_wrap(struct custos_key **out, EVP_PKEY *pkey, int has_private, struct custos_error *err)
{
    *out = NULL;
    struct custos_key *k = key_new();
    if (k == NULL) {
        EVP_PKEY_free(pkey);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    k->pkey = pkey;
    k->priv = has_private;
    int rc = key_fill_public(k, err);
    if (rc != CUSTOS_OK) {
        custos_key_free(k);
        return rc;
    }
    *out = k;
    return CUSTOS_OK;
}

void
custos_key_free(struct custos_key *k)
{
    if (k == NULL)
        return;
    EVP_PKEY_free(k->pkey); /* OpenSSL clears Ed25519 private key material on free */
    OPENSSL_cleanse(k, sizeof(*k));
    free(k);
}

const char *
custos_key_name(const struct custos_key *k)
{
    return k->name;
}

const char *
custos_key_role(const struct custos_key *k)
{
    return k->role;
}

const char *
custos_key_created(const struct custos_key *k)
{
    return k->created;
}

const char *
custos_key_fingerprint(const struct custos_key *k)
{
    return k->fp;
}

int
custos_key_has_private(const struct custos_key *k)
{
    return k->priv;
}

void
custos_key_spki(const struct custos_key *k, uint8_t der[CUSTOS_KEY_SPKI_SIZE])
{
    memcpy(der, k->spki, CUSTOS_KEY_SPKI_SIZE);
}

void
custos_key_raw(const struct custos_key *k, uint8_t raw[CUSTOS_KEY_RAW_SIZE])
{
    /* The SPKI of Ed25519 is a fixed 12-byte prefix and the raw key. */
    memcpy(raw, k->spki + CUSTOS_KEY_SPKI_SIZE - CUSTOS_KEY_RAW_SIZE, CUSTOS_KEY_RAW_SIZE);
}

void
custos_secret_wipe(void *p, size_t len)
{
    if (p != NULL)
        OPENSSL_cleanse(p, len);
}

void
custos_secret_protect_process(void)
{
    /*
     * No core dump, no ptrace attach by the same user, /proc/PID/mem closed.
     * Never switched back on: freed heap may still hold fragments of the key.
     */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* Bytes of the mapping that holds one passphrase (whole pages). */
static size_t
secret_page_size(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    size_t n = pg > 0 ? (size_t)pg : 4096;
    while (n < CUSTOS_KEY_PASSPHRASE_MAX + 3)
        n *= 2;
    return n;
}

/* A page of its own for a secret: locked in RAM when allowed, never in a core dump. */
static char *
secret_page(size_t *size)
{
    size_t n = secret_page_size();
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    (void)madvise(p, n, MADV_DONTDUMP);
    (void)mlock(p, n); /* best effort: RLIMIT_MEMLOCK may forbid it */
    *size = n;
    return p;
}

static void
secret_page_free(char *p, size_t size)
{
    OPENSSL_cleanse(p, size);
    munlock(p, size);
    munmap(p, size);
}

void
custos_passphrase_free(char *pass, size_t len)
{
    (void)len; /* the whole page is wiped */
    if (pass == NULL)
        return;
    secret_page_free(pass, secret_page_size());
}

int
custos_passphrase_load_fd(int fd, char **pass, size_t *len, struct custos_error *err)
{
    *pass = NULL;
    custos_secret_protect_process();
    size_t cap = CUSTOS_KEY_PASSPHRASE_MAX + 2, size = 0;
    char *b = secret_page(&size);
    if (b == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    size_t n = 0;
    while (n < cap) {
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            secret_page_free(b, size);
            return custos_error_set(err, CUSTOS_E_IO, e, NULL, "cannot read the passphrase");
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (memchr(b, '\n', n) != NULL)
            break;
    }
    char *nl = memchr(b, '\n', n);
    size_t plen = nl != NULL ? (size_t)(nl - b) : n;
    /* Wipe whatever followed the first line. */
    OPENSSL_cleanse(b + plen, size - plen);
    const char *why = NULL;
    if (plen == 0)
        why = "empty passphrase";
    else if (plen > CUSTOS_KEY_PASSPHRASE_MAX)
        why = "passphrase longer than " CUSTOS_STR(CUSTOS_KEY_PASSPHRASE_MAX) " bytes";
    else if (memchr(b, '\0', plen) != NULL)
        why = "passphrase holds a NUL byte";
    else if (memchr(b, '\r', plen) != NULL)
        /* openssl -passin file: would keep the CR: refuse rather than disagree. */
        why = "passphrase line holds a CR (a Windows line end?): save the file with LF line "
              "ends";
    if (why != NULL) {
        secret_page_free(b, size);
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "%s", why);
    }
    *pass = b;
    *len = plen;
    return CUSTOS_OK;
}

int
custos_passphrase_load_file(const char *path, char **pass, size_t *len, struct custos_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot open the passphrase file");
    int rc = custos_passphrase_load_fd(fd, pass, len, err);
    close(fd);
    if (rc != CUSTOS_OK)
        return with_path(err, path);
    return rc;
}
