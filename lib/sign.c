/* SPDX-License-Identifier: ISC */
/*
 * sign.c: purpose-bound Ed25519 signatures and detached signature files.
 *
 * Every custos signature covers PAE(purpose, msg), the DSSE v1
 * pre-authentication encoding, never msg alone: the purpose string is the
 * domain separation that keeps a ledger-entry signature from being replayed
 * as a seal or manifest signature. PAE was chosen over an ad-hoc prefix
 * because it is length-prefixed (unambiguous for any bytes), already
 * specified, and easy to rebuild with printf for `openssl pkeyutl -rawin`.
 * Ed25519 in OpenSSL 3.0 is one-shot (EVP_DigestSign with a NULL digest).
 */
#include "custos/sign.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "custos/atomicfile.h"
#include "base64_private.h"
#include "key_private.h"
#include "sign_private.h"
#include "text_private.h"

#define SIGFILE_MAX 4096 /* bytes; a signature file is about 250 */

static int
purpose_valid(const char *purpose)
{
    size_t n = purpose != NULL ? strlen(purpose) : 0;
    if (n == 0 || n > CUSTOS_PURPOSE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (purpose[i] <= 0x20 || purpose[i] >= 0x7f)
            return 0;
    return 1;
}

int
custos_sign_pae(const char *purpose, const void *msg, size_t len, uint8_t **out, size_t *outlen,
                struct custos_error *err)
{
    *out = NULL;
    if (!purpose_valid(purpose))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "bad signature purpose");
    char head[CUSTOS_PURPOSE_MAX + 64];
    int h = snprintf(head, sizeof(head), "DSSEv1 %zu %s %zu ", strlen(purpose), purpose, len);
    uint8_t *b = malloc((size_t)h + len + 1);
    if (b == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    memcpy(b, head, (size_t)h);
    if (len > 0)
        memcpy(b + h, msg, len);
    *out = b;
    *outlen = (size_t)h + len;
    return CUSTOS_OK;
}

int
custos_sign_raw(const struct custos_key *key, const void *msg, size_t len,
                uint8_t sig[CUSTOS_SIG_SIZE], struct custos_error *err)
{
    if (!custos_key_has_private(key))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "key %.16s has no private half: cannot sign",
                                custos_key_fingerprint(key));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t siglen = CUSTOS_SIG_SIZE;
    int ok = ctx != NULL &&
             EVP_DigestSignInit_ex(ctx, NULL, NULL, NULL, NULL, custos__key_pkey(key), NULL) == 1 &&
             EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 && siglen == CUSTOS_SIG_SIZE;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    if (!ok)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "ed25519 signing failed");
    return CUSTOS_OK;
}

int
custos_sign_verify_raw(const struct custos_key *key, const void *msg, size_t len,
                       const uint8_t sig[CUSTOS_SIG_SIZE], struct custos_error *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    int r = -1;
    if (EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, custos__key_pkey(key), NULL) == 1)
        r = EVP_DigestVerify(ctx, sig, CUSTOS_SIG_SIZE, msg, len);
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    if (r != 1)
        return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                                "signature by %.16s does not verify", custos_key_fingerprint(key));
    return CUSTOS_OK;
}

int
custos_sign(const struct custos_key *key, const char *purpose, const void *msg, size_t len,
            uint8_t sig[CUSTOS_SIG_SIZE], struct custos_error *err)
{
    uint8_t *pae;
    size_t n;
    int rc = custos_sign_pae(purpose, msg, len, &pae, &n, err);
    if (rc != CUSTOS_OK)
        return rc;
    rc = custos_sign_raw(key, pae, n, sig, err);
    free(pae);
    return rc;
}

int
custos_sign_verify(const struct custos_key *key, const char *purpose, const void *msg, size_t len,
                   const uint8_t sig[CUSTOS_SIG_SIZE], struct custos_error *err)
{
    uint8_t *pae;
    size_t n;
    int rc = custos_sign_pae(purpose, msg, len, &pae, &n, err);
    if (rc != CUSTOS_OK)
        return rc;
    rc = custos_sign_verify_raw(key, pae, n, sig, err);
    free(pae);
    return rc;
}

void
custos_sig_to_base64(const uint8_t sig[CUSTOS_SIG_SIZE], char b64[CUSTOS_SIG_B64_SIZE])
{
    custos__b64_encode(sig, CUSTOS_SIG_SIZE, b64);
}

int
custos_sig_from_base64(const char *b64, size_t len, uint8_t sig[CUSTOS_SIG_SIZE],
                       struct custos_error *err)
{
    size_t n = 0;
    if (len != CUSTOS_SIG_B64_SIZE - 1 ||
        custos__b64_decode(b64, len, sig, CUSTOS_SIG_SIZE, &n) != 0 || n != CUSTOS_SIG_SIZE)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "not a base64 Ed25519 signature");
    return CUSTOS_OK;
}

int
custos_sigfile_write(const char *path, const struct custos_key *key, const char *purpose,
                     const uint8_t sig[CUSTOS_SIG_SIZE], struct custos_error *err)
{
    char text[CUSTOS_SIGFILE_TEXT_MAX];
    size_t n;
    if (custos_sigfile_text(key, purpose, sig, text, &n, err) != CUSTOS_OK)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, path, "bad signature purpose");
    return custos_write_file_new(path, text, n, 0644, err);
}

/* Takes line `prefix VALUE\n` at *p into dst (dstlen bytes with NUL). */
static int
sig_field(const char **p, const char *prefix, char *dst, size_t dstlen)
{
    size_t pl = strlen(prefix);
    if (strncmp(*p, prefix, pl) != 0)
        return -1;
    const char *v = *p + pl, *nl = strchr(v, '\n');
    if (nl == NULL || nl == v || (size_t)(nl - v) >= dstlen)
        return -1;
    memcpy(dst, v, (size_t)(nl - v));
    dst[nl - v] = '\0';
    *p = nl + 1;
    return 0;
}

static int parse_sigfile(const char *path, const char *text, size_t len, struct custos_sigfile *out,
                         struct custos_error *err);

int
custos_sigfile_load(const char *path, struct custos_sigfile *out, struct custos_error *err)
{
    char *text;
    size_t len;
    int rc = custos__read_small_file(path, SIGFILE_MAX, &text, &len, err);
    if (rc != CUSTOS_OK)
        return rc;
    rc = parse_sigfile(path, text, len, out, err);
    free(text);
    return rc;
}

int
custos_sigfile_parse(const char *name, const void *bytes, size_t len, struct custos_sigfile *out,
                     struct custos_error *err)
{
    char *text;
    int rc = custos__text_copy(name, bytes, len, SIGFILE_MAX, &text, err);
    if (rc != CUSTOS_OK)
        return rc;
    rc = parse_sigfile(name, text, len, out, err);
    free(text);
    return rc;
}

int
custos_sigfile_text(const struct custos_key *key, const char *purpose,
                    const uint8_t sig[CUSTOS_SIG_SIZE], char text[CUSTOS_SIGFILE_TEXT_MAX],
                    size_t *len, struct custos_error *err)
{
    if (!purpose_valid(purpose))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "bad signature purpose");
    char b64[CUSTOS_SIG_B64_SIZE];
    custos_sig_to_base64(sig, b64);
    int n = snprintf(text, CUSTOS_SIGFILE_TEXT_MAX,
                     CUSTOS_SIGFILE_MAGIC "\n" CUSTOS_SIGFILE_FIELD_PURPOSE
                                          "%s\n" CUSTOS_SIGFILE_FIELD_KEY
                                          "%s\n" CUSTOS_SIGFILE_FIELD_SIGNATURE "%s\n",
                     purpose, custos_key_fingerprint(key), b64);
    *len = (size_t)n;
    return CUSTOS_OK;
}

/* Parses a signature file's text (NUL-terminated, len bytes before the NUL). */
static int
parse_sigfile(const char *path, const char *text, size_t len, struct custos_sigfile *out,
              struct custos_error *err)
{
    int rc = CUSTOS_OK;
    memset(out, 0, sizeof(*out));
    const char *p = text;
    char b64[CUSTOS_SIG_B64_SIZE + 1];
    struct custos_error e2;
    if (memchr(text, '\0', len) != NULL ||
        strncmp(p, CUSTOS_SIGFILE_MAGIC "\n", sizeof(CUSTOS_SIGFILE_MAGIC)) != 0)
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                              "not a custos signature file (no " CUSTOS_SIGFILE_MAGIC " line)");
    else if (p += sizeof(CUSTOS_SIGFILE_MAGIC),
             sig_field(&p, CUSTOS_SIGFILE_FIELD_PURPOSE, out->purpose, sizeof(out->purpose)) != 0 ||
                 !purpose_valid(out->purpose))
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "line 2: bad purpose line");
    else if (sig_field(&p, CUSTOS_SIGFILE_FIELD_KEY, out->key, sizeof(out->key)) != 0 ||
             !custos__hex_lower(out->key, 64))
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "line 3: bad key line");
    else if (sig_field(&p, CUSTOS_SIGFILE_FIELD_SIGNATURE, b64, sizeof(b64)) != 0 ||
             custos_sig_from_base64(b64, strlen(b64), out->sig, &e2) != CUSTOS_OK)
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "line 4: bad signature line");
    else if (*p != '\0')
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "line 5: unexpected text");
    return rc;
}

int
custos__sigfile_check_purpose(const char *name, const struct custos_sigfile *sf,
                              const char *purpose, struct custos_error *err)
{
    if (strcmp(sf->purpose, purpose) != 0)
        return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, name, "signature is for %s, not %s",
                                sf->purpose, purpose);
    return CUSTOS_OK;
}

int
custos__sigfile_check_sig(const char *name, const struct custos_sigfile *sf,
                          const struct custos_key *key, const void *msg, size_t len,
                          struct custos_error *err)
{
    if (strcmp(sf->key, custos_key_fingerprint(key)) != 0)
        return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, name, "signed by key %.16s, not %.16s",
                                sf->key, custos_key_fingerprint(key));
    int rc = custos_sign_verify(key, sf->purpose, msg, len, sf->sig, err);
    if (rc != CUSTOS_OK)
        return custos_error_set(err, rc, 0, name, "signature by %.16s does not verify", sf->key);
    return CUSTOS_OK;
}

int
custos_sign_verify_sigfile(const char *path, const struct custos_key *key, const char *purpose,
                           const void *msg, size_t len, struct custos_error *err)
{
    struct custos_sigfile sf;
    int rc = custos_sigfile_load(path, &sf, err);
    /* A signature that is not there does not hold: untrusted, not a system failure. */
    if (rc == CUSTOS_E_IO && err != NULL && err->sys_errno == ENOENT)
        return custos_error_set(err, CUSTOS_E_UNTRUSTED, ENOENT, path,
                                "no such signature file: nothing signed it");
    if (rc == CUSTOS_OK)
        rc = custos__sigfile_check_purpose(path, &sf, purpose, err);
    if (rc == CUSTOS_OK)
        rc = custos__sigfile_check_sig(path, &sf, key, msg, len, err);
    return rc;
}

int
custos_sign_file(const struct custos_key *key, const char *purpose, const char *path,
                 const char *sigpath, struct custos_error *err)
{
    char *buf;
    size_t len;
    int rc = custos__read_small_file(path, CUSTOS_SIGN_FILE_MAX, &buf, &len, err);
    if (rc != CUSTOS_OK)
        return rc;
    uint8_t sig[CUSTOS_SIG_SIZE];
    rc = custos_sign(key, purpose, buf, len, sig, err);
    free(buf);
    if (rc == CUSTOS_OK)
        rc = custos_sigfile_write(sigpath, key, purpose, sig, err);
    return rc;
}

int
custos_sign_verify_file(const struct custos_key *key, const char *purpose, const char *path,
                        const char *sigpath, struct custos_error *err)
{
    char *buf;
    size_t len;
    int rc = custos__read_small_file(path, CUSTOS_SIGN_FILE_MAX, &buf, &len, err);
    if (rc != CUSTOS_OK)
        return rc;
    rc = custos_sign_verify_sigfile(sigpath, key, purpose, buf, len, err);
    free(buf);
    return rc;
}
