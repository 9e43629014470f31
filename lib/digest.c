/* SPDX-License-Identifier: ISC */
/*
 * digest.c: MD5, SHA-1 and SHA-256 over one stream through OpenSSL EVP.
 *
 * EVP_MD objects are fetched once per engine rather than per update, because
 * the fetch takes a lock in OpenSSL 3 and the engine is fed megabytes at a
 * time from hot loops.
 */
#include "custos/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>  /* calloc, free */
#include <string.h>  /* memcmp, strlen */
#include <strings.h> /* strncasecmp */
#include <unistd.h>

#include <openssl/evp.h>

static const struct alg_info {
    unsigned bit;
    const char *name; /* custos's name */
    const char *evp;  /* OpenSSL's name */
    size_t size;      /* bytes */
} algs_table[CUSTOS_DIGEST_COUNT] = {
    {CUSTOS_DIGEST_MD5, CUSTOS_DIGEST_NAME_MD5, "MD5", 16},
    {CUSTOS_DIGEST_SHA1, CUSTOS_DIGEST_NAME_SHA1, "SHA1", 20},
    {CUSTOS_DIGEST_SHA256, CUSTOS_DIGEST_NAME_SHA256, "SHA256", 32},
};

struct custos_digest {
    unsigned algs;
    EVP_MD *md[CUSTOS_DIGEST_COUNT];      /* NULL where not selected */
    EVP_MD_CTX *ctx[CUSTOS_DIGEST_COUNT]; /* NULL where not selected */
};

int
custos_digest_new(struct custos_digest **out, unsigned algs, struct custos_error *err)
{
    *out = NULL;
    if (algs == 0 || (algs & ~CUSTOS_DIGEST_ALL) != 0)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "no valid digest algorithm chosen");
    struct custos_digest *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    d->algs = algs;
    for (int i = 0; i < CUSTOS_DIGEST_COUNT; i++) {
        if (!(algs & algs_table[i].bit))
            continue;
        d->md[i] = EVP_MD_fetch(NULL, algs_table[i].evp, NULL);
        d->ctx[i] = EVP_MD_CTX_new();
        if (d->md[i] == NULL || d->ctx[i] == NULL ||
            !EVP_DigestInit_ex2(d->ctx[i], d->md[i], NULL)) {
            custos_digest_free(d);
            return custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, NULL, "openssl cannot compute %s",
                                    algs_table[i].name);
        }
    }
    *out = d;
    return CUSTOS_OK;
}

void
custos_digest_update(struct custos_digest *d, const void *buf, size_t len)
{
    for (int i = 0; i < CUSTOS_DIGEST_COUNT; i++)
        if (d->ctx[i] != NULL)
            EVP_DigestUpdate(d->ctx[i], buf, len);
}

void
custos_digest_final(struct custos_digest *d, struct custos_digest_result *result)
{
    memset(result, 0, sizeof(*result));
    result->algs = d->algs;
    for (int i = 0; i < CUSTOS_DIGEST_COUNT; i++) {
        if (d->ctx[i] == NULL)
            continue;
        uint8_t *dst = (uint8_t *)custos_digest_bytes(result, algs_table[i].bit);
        EVP_DigestFinal_ex(d->ctx[i], dst, NULL);
    }
}

void
custos_digest_reset(struct custos_digest *d)
{
    for (int i = 0; i < CUSTOS_DIGEST_COUNT; i++)
        if (d->ctx[i] != NULL)
            EVP_DigestInit_ex2(d->ctx[i], d->md[i], NULL);
}

void
custos_digest_free(struct custos_digest *d)
{
    if (d == NULL)
        return;
    for (int i = 0; i < CUSTOS_DIGEST_COUNT; i++) {
        EVP_MD_CTX_free(d->ctx[i]);
        EVP_MD_free(d->md[i]);
    }
    free(d);
}

unsigned
custos_digest_algs(const struct custos_digest *d)
{
    return d->algs;
}

int
custos_digest_parse(const char *list, unsigned *algs, struct custos_error *err)
{
    unsigned set = 0;
    const char *p = list;
    *algs = 0;
    if (list == NULL || *list == '\0')
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "empty digest list");
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        unsigned bit = 0;
        if (n == 3 && strncasecmp(p, "all", 3) == 0)
            bit = CUSTOS_DIGEST_ALL;
        for (int i = 0; i < CUSTOS_DIGEST_COUNT && bit == 0; i++)
            if (strlen(algs_table[i].name) == n && strncasecmp(p, algs_table[i].name, n) == 0)
                bit = algs_table[i].bit;
        if (bit == 0)
            return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                    "unknown digest '%.*s' (known: md5, sha1, sha256, all)", (int)n,
                                    p);
        if (set & bit)
            return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "digest '%.*s' named twice",
                                    (int)n, p);
        set |= bit;
        p += n;
        if (*p == ',') {
            p++;
            if (*p == '\0')
                return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                        "digest list ends with a comma");
        }
    }
    *algs = set;
    return CUSTOS_OK;
}

static const struct alg_info *
info(unsigned alg)
{
    for (int i = 0; i < CUSTOS_DIGEST_COUNT; i++)
        if (algs_table[i].bit == alg)
            return &algs_table[i];
    return NULL;
}

const char *
custos_digest_name(unsigned alg)
{
    const struct alg_info *a = info(alg);
    return a == NULL ? NULL : a->name;
}

unsigned
custos_digest_strongest(unsigned algs)
{
    if (algs & CUSTOS_DIGEST_SHA256)
        return CUSTOS_DIGEST_SHA256;
    if (algs & CUSTOS_DIGEST_SHA1)
        return CUSTOS_DIGEST_SHA1;
    return algs & CUSTOS_DIGEST_MD5;
}

size_t
custos_digest_size(unsigned alg)
{
    const struct alg_info *a = info(alg);
    return a == NULL ? 0 : a->size;
}

const uint8_t *
custos_digest_bytes(const struct custos_digest_result *result, unsigned alg)
{
    if (!(result->algs & alg))
        return NULL;
    switch (alg) {
    case CUSTOS_DIGEST_MD5:
        return result->md5;
    case CUSTOS_DIGEST_SHA1:
        return result->sha1;
    case CUSTOS_DIGEST_SHA256:
        return result->sha256;
    default:
        return NULL;
    }
}

int
custos_digest_hex(const struct custos_digest_result *result, unsigned alg, char *hex)
{
    const uint8_t *b = custos_digest_bytes(result, alg);
    hex[0] = '\0';
    if (b == NULL)
        return CUSTOS_E_USAGE;
    custos_hex_encode(b, custos_digest_size(alg), hex);
    return CUSTOS_OK;
}

int
custos_sha256_hex(const void *buf, size_t len, char hex[65])
{
    uint8_t md[32];
    hex[0] = '\0';
    if (EVP_Digest(buf, len, md, NULL, EVP_sha256(), NULL) != 1)
        return CUSTOS_E_NOMEM;
    custos_hex_encode(md, sizeof(md), hex);
    return CUSTOS_OK;
}

int
custos_digest_equal(const struct custos_digest_result *a, const struct custos_digest_result *b)
{
    unsigned shared = a->algs & b->algs;
    if (shared == 0)
        return 0;
    for (int i = 0; i < CUSTOS_DIGEST_COUNT; i++) {
        unsigned bit = algs_table[i].bit;
        if ((shared & bit) &&
            memcmp(custos_digest_bytes(a, bit), custos_digest_bytes(b, bit), algs_table[i].size))
            return 0;
    }
    return 1;
}

int
custos_digest_file(const char *path, unsigned algs, struct custos_digest_result *result,
                   struct custos_error *err)
{
    struct custos_digest *d = NULL;
    int rc = custos_digest_new(&d, algs, err);
    if (rc != CUSTOS_OK)
        return rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        custos_digest_free(d);
        return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot open");
    }
    enum { CHUNK = 1 << 16 };
    unsigned char *buf = malloc(CHUNK);
    if (buf == NULL) {
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, buf, CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot read");
            goto out;
        }
        if (n == 0)
            break;
        custos_digest_update(d, buf, (size_t)n);
    }
    custos_digest_final(d, result);
out:
    free(buf);
    close(fd);
    custos_digest_free(d);
    return rc;
}
