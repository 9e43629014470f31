/* SPDX-License-Identifier: ISC */
/*
 * hashset.c: reading hash sets, looking digests up in them, and flagging a
 * manifest's entries found in one.
 *
 * Each algorithm's digests are kept in a sorted array of fixed-size binary
 * records and found with bsearch, so a set of millions of entries (an NSRL
 * subset) costs one allocation per algorithm and O(log n) per file.
 */
#include "custos/hashset.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custos/manifest.h"

static const unsigned order[CUSTOS_DIGEST_COUNT] = {CUSTOS_DIGEST_MD5, CUSTOS_DIGEST_SHA1,
                                                    CUSTOS_DIGEST_SHA256};

struct custos_hashset {
    struct {
        uint8_t *bytes; /* count records of size bytes each, sorted */
        size_t count, cap, size;
    } set[CUSTOS_DIGEST_COUNT];
};

static int
add(struct custos_hashset *s, int k, const uint8_t *digest)
{
    if (s->set[k].count == s->set[k].cap) {
        size_t cap = s->set[k].cap == 0 ? 1024 : 2 * s->set[k].cap;
        uint8_t *p = realloc(s->set[k].bytes, cap * s->set[k].size);
        if (p == NULL)
            return -1;
        s->set[k].bytes = p;
        s->set[k].cap = cap;
    }
    memcpy(s->set[k].bytes + s->set[k].count * s->set[k].size, digest, s->set[k].size);
    s->set[k].count++;
    return 0;
}

static int
cmp16(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}

static int
cmp20(const void *a, const void *b)
{
    return memcmp(a, b, 20);
}

static int
cmp32(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

static int (*const cmps[CUSTOS_DIGEST_COUNT])(const void *, const void *) = {cmp16, cmp20, cmp32};

static int
from_manifest(struct custos_hashset *s, const char *path, struct custos_error *err)
{
    struct custos_manifest *m;
    int rc = custos_manifest_load(&m, path, err);
    if (rc != CUSTOS_OK)
        return rc;
    for (size_t i = 0; i < custos_manifest_count(m); i++) {
        const struct custos_manifest_entry *e = custos_manifest_entry(m, i);
        for (int k = 0; k < CUSTOS_DIGEST_COUNT; k++) {
            const uint8_t *b = custos_digest_bytes(&e->digest, order[k]);
            if (b != NULL && add(s, k, b) != 0) {
                custos_manifest_free(m);
                return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
            }
        }
    }
    custos_manifest_free(m);
    return CUSTOS_OK;
}

static int
hex_len_alg(size_t n)
{
    switch (n) {
    case 32:
        return 0;
    case 40:
        return 1;
    case 64:
        return 2;
    }
    return -1;
}

static int
from_lines(struct custos_hashset *s, FILE *f, const char *path, struct custos_error *err)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long lineno = 0;
    int cols[CUSTOS_DIGEST_COUNT + 2]; /* hashdeep: algorithm index per column, -1 size/other */
    int ncols = 0, rc = CUSTOS_OK;
    bool hashdeep = false;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (lineno == 1 && strcmp(line, CUSTOS_HASHDEEP_MAGIC) == 0) {
            hashdeep = true;
            continue;
        }
        if (hashdeep && lineno == 2) {
            if (strncmp(line, "%%%% ", 5) != 0) {
                rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                                      "line 2: no hashdeep column list");
                break;
            }
            char *save = NULL;
            for (char *tok = strtok_r(line + 5, ",", &save); tok != NULL;
                 tok = strtok_r(NULL, ",", &save)) {
                if (strcmp(tok, "filename") == 0)
                    break;
                if (ncols == (int)(sizeof(cols) / sizeof(cols[0]))) {
                    rc = custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, path,
                                          "line 2: too many hashdeep columns");
                    break;
                }
                int k = -1;
                for (int j = 0; j < CUSTOS_DIGEST_COUNT; j++)
                    if (strcmp(tok, custos_digest_name(order[j])) == 0)
                        k = j;
                if (k < 0 && strcmp(tok, "size") != 0) {
                    rc = custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, path,
                                          "line 2: hashdeep column '%s' is not supported", tok);
                    break;
                }
                cols[ncols++] = k;
            }
            if (rc != CUSTOS_OK)
                break;
            continue;
        }
        if (n == 0 || line[0] == '#' || (hashdeep && line[0] == '%'))
            continue;
        if (hashdeep) {
            char *p = line;
            for (int c = 0; c < ncols; c++) {
                char *comma = strchr(p, ',');
                if (comma == NULL) {
                    rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                                          "line %lu: fewer columns than the header names", lineno);
                    break;
                }
                *comma = '\0';
                if (cols[c] >= 0) {
                    uint8_t d[CUSTOS_DIGEST_MAX_SIZE];
                    struct custos_error herr;
                    if (custos_hex_decode(p, d, s->set[cols[c]].size, &herr) != CUSTOS_OK) {
                        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "line %lu: %s",
                                              lineno, herr.message);
                        break;
                    }
                    if (add(s, cols[c], d) != 0) {
                        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
                        break;
                    }
                }
                p = comma + 1;
            }
            if (rc != CUSTOS_OK)
                break;
            continue;
        }
        char *p = line;
        if (*p == '\\')
            p++;
        size_t hl = 0;
        while (isxdigit((unsigned char)p[hl]))
            hl++;
        int k = hex_len_alg(hl);
        if (k < 0 || (p[hl] != '\0' && !isspace((unsigned char)p[hl]))) {
            rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                                  "line %lu: not an MD5, SHA-1 or SHA-256 digest", lineno);
            break;
        }
        p[hl] = '\0';
        uint8_t d[CUSTOS_DIGEST_MAX_SIZE];
        struct custos_error herr;
        if (custos_hex_decode(p, d, s->set[k].size, &herr) != CUSTOS_OK || add(s, k, d) != 0) {
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
            break;
        }
    }
    if (rc == CUSTOS_OK && ferror(f))
        rc = custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot read hash set");
    free(line);
    return rc;
}

int
custos_hashset_load(struct custos_hashset **out, const char *path, struct custos_error *err)
{
    *out = NULL;
    struct custos_hashset *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    for (int k = 0; k < CUSTOS_DIGEST_COUNT; k++)
        s->set[k].size = custos_digest_size(order[k]);
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        int rc = custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot read hash set");
        custos_hashset_free(s);
        return rc;
    }
    int c;
    do
        c = getc(f);
    while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
    int rc;
    if (c == '{') {
        fclose(f);
        rc = from_manifest(s, path, err);
    } else {
        rewind(f);
        rc = from_lines(s, f, path, err);
        fclose(f);
    }
    if (rc != CUSTOS_OK) {
        custos_hashset_free(s);
        return rc;
    }
    for (int k = 0; k < CUSTOS_DIGEST_COUNT; k++)
        if (s->set[k].count > 1)
            qsort(s->set[k].bytes, s->set[k].count, s->set[k].size, cmps[k]);
    *out = s;
    return CUSTOS_OK;
}

void
custos_hashset_free(struct custos_hashset *s)
{
    if (s == NULL)
        return;
    for (int k = 0; k < CUSTOS_DIGEST_COUNT; k++)
        free(s->set[k].bytes);
    free(s);
}

unsigned
custos_hashset_algs(const struct custos_hashset *s)
{
    unsigned a = 0;
    for (int k = 0; k < CUSTOS_DIGEST_COUNT; k++)
        if (s->set[k].count > 0)
            a |= order[k];
    return a;
}

size_t
custos_hashset_count(const struct custos_hashset *s)
{
    size_t n = 0;
    for (int k = 0; k < CUSTOS_DIGEST_COUNT; k++)
        n += s->set[k].count;
    return n;
}

int
custos_hashset_contains(const struct custos_hashset *s, const struct custos_digest_result *r)
{
    for (int k = 0; k < CUSTOS_DIGEST_COUNT; k++) {
        const uint8_t *b = custos_digest_bytes(r, order[k]);
        if (b != NULL && s->set[k].count > 0 &&
            bsearch(b, s->set[k].bytes, s->set[k].count, s->set[k].size, cmps[k]) != NULL)
            return 1;
    }
    return 0;
}

int
custos_hashset_flag_manifest(struct custos_manifest *m, const char *path, unsigned flag,
                             struct custos_error *err)
{
    struct custos_hashset *set;
    int rc = custos_hashset_load(&set, path, err);
    if (rc != CUSTOS_OK)
        return rc;
    if ((custos_hashset_algs(set) & custos_manifest_algs(m)) == 0) {
        custos_hashset_free(set);
        return custos_error_set(
            err, CUSTOS_E_USAGE, 0, path,
            "holds no digest of an algorithm this run computes (see --digests)");
    }
    for (size_t i = 0; i < custos_manifest_count(m); i++) {
        const struct custos_manifest_entry *e = custos_manifest_entry(m, i);
        if (e->digest.algs != 0 && custos_hashset_contains(set, &e->digest))
            custos_manifest_set_flags(m, i, e->flags | flag);
    }
    custos_hashset_free(set);
    return CUSTOS_OK;
}
