/* SPDX-License-Identifier: ISC */
/*
 * tlog.c: the C2SP tlog-tiles layout of tlog.h, read and written.
 *
 * Every hash the reader needs is a complete subtree of the tree: the
 * subtree of height h and index k is entry k of a level h/8 tile when h is
 * a multiple of 8, and otherwise is computed from the 2^(h%8) aligned
 * entries of one level h/8 tile below it. Any range of leaves splits into
 * such subtrees the way RFC 6962 splits it, so a root, an inclusion path or
 * a consistency path needs only the tiles on the tree's right edge and on
 * one path: O(log n) tiles, not the whole log.
 */
#include "custos/tlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "custos/atomicfile.h"
#include "custos/sign.h"
#include "base64_private.h"
#include "tlog_private.h"

/* ---- names and keys ---- */

void
custos_tlog_tile_path(int level, uint64_t index, unsigned w, char *out, size_t size)
{
    /* tlog-tiles: the index in groups of three digits, all but the last
     * prefixed with "x": 1234067 is x001/x234/067. */
    char groups[64] = "";
    char part[8];
    uint64_t n = index;
    unsigned ng = 0;
    uint64_t g[8];
    do {
        g[ng++] = n % 1000;
        n /= 1000;
    } while (n > 0 && ng < 8);
    for (unsigned i = ng; i-- > 0;) {
        snprintf(part, sizeof(part), "%s%03u%s", i > 0 ? "x" : "", (unsigned)g[i],
                 i > 0 ? "/" : "");
        strcat(groups, part);
    }
    char lv[16];
    if (level < 0)
        snprintf(lv, sizeof(lv), "entries");
    else
        snprintf(lv, sizeof(lv), "%d", level);
    if (w > 0 && w < CUSTOS_TLOG_TILE_WIDTH)
        snprintf(out, size, "tile/%s/%s.p/%u", lv, groups, w);
    else
        snprintf(out, size, "tile/%s/%s", lv, groups);
}

void
custos__tlog_vkey_id(const char *name, uint8_t type, const uint8_t pub[32], uint8_t id[4])
{
    size_t nl = strlen(name);
    uint8_t buf[256 + 2 + 32], md[32];
    memcpy(buf, name, nl);
    buf[nl] = '\n';
    buf[nl + 1] = type;
    memcpy(buf + nl + 2, pub, 32);
    EVP_Digest(buf, nl + 2 + 32, md, NULL, EVP_sha256(), NULL);
    memcpy(id, md, 4);
}

int
custos_tlog_vkey_parse(const char *text, struct custos_tlog_vkey *v, struct custos_error *err)
{
    memset(v, 0, sizeof(*v));
    const char *p1 = strchr(text, '+');
    const char *p2 = p1 != NULL ? strchr(p1 + 1, '+') : NULL;
    if (p1 == NULL || p2 == NULL || p2 - p1 != 9 || (size_t)(p1 - text) >= sizeof(v->name) ||
        p1 == text)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                "not a verifier key (NAME+KEYHASH+KEY): %.80s", text);
    memcpy(v->name, text, (size_t)(p1 - text));
    uint8_t raw[64];
    size_t n = 0;
    size_t klen = strcspn(p2 + 1, "\r\n");
    if (custos__b64_decode(p2 + 1, klen, raw, sizeof(raw), &n) != 0 || n != 33 ||
        (raw[0] != CUSTOS_TLOG_KEY_ED25519 && raw[0] != CUSTOS_TLOG_KEY_COSIG))
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                "verifier key %s: not an Ed25519 key (type 0x01 or 0x04, 32 bytes)",
                                v->name);
    v->type = raw[0];
    memcpy(v->pub, raw + 1, 32);
    custos__tlog_vkey_id(v->name, v->type, v->pub, v->id);
    char hex[9];
    snprintf(hex, sizeof(hex), "%02x%02x%02x%02x", v->id[0], v->id[1], v->id[2], v->id[3]);
    if (strncmp(p1 + 1, hex, 8) != 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                "verifier key %s: key hash %.8s is not the key's (%s)", v->name,
                                p1 + 1, hex);
    return CUSTOS_OK;
}

void
custos_tlog_vkey_format(const struct custos_key *key, const char *name, char *out, size_t size)
{
    uint8_t raw[33], id[4];
    raw[0] = 0x01;
    custos_key_raw(key, raw + 1);
    custos__tlog_vkey_id(name, CUSTOS_TLOG_KEY_ED25519, raw + 1, id);
    char b64[CUSTOS__B64_SIZE(33)];
    custos__b64_encode(raw, 33, b64);
    snprintf(out, size, "%s+%02x%02x%02x%02x+%s", name, id[0], id[1], id[2], id[3], b64);
}

/* An Ed25519 SubjectPublicKeyInfo around a raw key (RFC 8410). */
int
custos__tlog_key_of(const uint8_t pub[32], const char *name, struct custos_key **k,
                    struct custos_error *err)
{
    static const uint8_t prefix[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                       0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    uint8_t der[44];
    memcpy(der, prefix, 12);
    memcpy(der + 12, pub, 32);
    return custos_key_from_spki(k, der, sizeof(der), name, "log", err);
}

int
custos_tlog_note_verify(const struct custos_checkpoint *cp, const struct custos_tlog_vkey *v,
                        struct custos_error *err)
{
    struct custos_key *k = NULL;
    int rc = custos__tlog_key_of(v->pub, v->name, &k, err);
    if (rc != CUSTOS_OK)
        return rc;
    int found = 0;
    for (size_t i = 0; i < cp->nsigs && rc == CUSTOS_OK; i++) {
        const struct custos_note_sig *s = &cp->sigs[i];
        if (v->type != CUSTOS_TLOG_KEY_ED25519 || strcmp(s->name, v->name) != 0 ||
            s->blob_len != 4 + CUSTOS_SIG_SIZE || memcmp(s->blob, v->id, 4) != 0)
            continue;
        struct custos_error e;
        if (custos_sign_verify_raw(k, cp->text, cp->text_len, s->blob + 4, &e) != CUSTOS_OK)
            rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                                  "the checkpoint's signature by %s does not verify", v->name);
        else
            found = 1;
    }
    custos_key_free(k);
    if (rc == CUSTOS_OK && !found)
        rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                              "the checkpoint is not signed by %s (key %02x%02x%02x%02x)", v->name,
                              v->id[0], v->id[1], v->id[2], v->id[3]);
    return rc;
}

/* ---- reading tiles ---- */

size_t
custos__tlog_body_write(char *data, size_t size, size_t n, void *ctx)
{
    struct custos__tlog_body *b = ctx;
    size_t add = size * n;
    if (b->len + add > b->max) {
        b->over = 1;
        return 0; /* stops the transfer: a tile or note is never that large */
    }
    uint8_t *p = realloc(b->p, b->len + add + 1);
    if (p == NULL)
        return 0;
    b->p = p;
    memcpy(b->p + b->len, data, add);
    b->len += add;
    return add;
}

/* base/rel over HTTP(S): a log served by any web server. */
static int
fetch_url(const char *base, const char *rel, size_t max, uint8_t **out, size_t *len,
          struct custos_error *err)
{
    char url[4096 + 128], ebuf[CURL_ERROR_SIZE] = "";
    snprintf(url, sizeof(url), "%s%s%s", base, base[strlen(base) - 1] == '/' ? "" : "/", rel);
    struct custos__tlog_body b = {.max = max};
    CURL *h = curl_easy_init();
    if (h == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, url, "out of memory");
    long code = 0;
    CURLcode cc = CURLE_OK;
    if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 20L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_USERAGENT, "custos/" CUSTOS_VERSION_STRING) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, custos__tlog_body_write) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &b) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf) != CURLE_OK)
        cc = CURLE_FAILED_INIT;
    if (cc == CURLE_OK)
        cc = curl_easy_perform(h);
    if (cc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(h);
    int rc = CUSTOS_OK;
    if (b.over)
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, url, "more than %zu bytes", max);
    else if (cc != CURLE_OK)
        rc = custos_error_set(err, CUSTOS_E_IO, 0, url, "cannot fetch: %s",
                              ebuf[0] ? ebuf : curl_easy_strerror(cc));
    else if (code != 200)
        rc = custos_error_set(err, CUSTOS_E_IO, code == 404 ? ENOENT : 0, url,
                              "cannot fetch: HTTP status %ld", code);
    if (rc != CUSTOS_OK) {
        free(b.p);
        return rc;
    }
    if (b.p == NULL && (b.p = malloc(1)) == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, url, "out of memory");
    b.p[b.len] = 0;
    *out = b.p;
    *len = b.len;
    return CUSTOS_OK;
}

int
custos_tlog_fetch(const char *log, const char *rel, size_t max, uint8_t **out, size_t *len,
                  struct custos_error *err)
{
    if (strncmp(log, "http://", 7) == 0 || strncmp(log, "https://", 8) == 0)
        return fetch_url(log, rel, max, out, len, err);
    return custos__tlog_read_rel(log, rel, max, out, len, err);
}

/* Whole file dir/rel into a new buffer; CUSTOS_E_IO when missing. */
int
custos__tlog_read_rel(const char *dir, const char *rel, size_t max, uint8_t **out, size_t *len,
                      struct custos_error *err)
{
    char path[4096 + 128];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot open");
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
        close(fd);
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                                "not a regular file of at most %zu bytes", max);
    }
    uint8_t *buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        close(fd);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r <= 0) {
            int e = r < 0 ? errno : EIO;
            free(buf);
            close(fd);
            return custos_error_set(err, CUSTOS_E_IO, e, path, "cannot read");
        }
        got += (size_t)r;
    }
    close(fd);
    buf[got] = 0;
    *out = buf;
    *len = got;
    return CUSTOS_OK;
}

/* How many hashes level `level` has in a tree of n leaves. */
uint64_t
custos__tlog_level_count(uint64_t n, int level)
{
    return level * TILE_H >= 64 ? 0 : n >> (level * TILE_H);
}

/* Tile (level, index) as the log at size t->size has it. */
int
custos__tlog_get_tile(struct custos_tlog *t, int level, uint64_t index, const struct tile **out)
{
    uint64_t count = custos__tlog_level_count(t->size, level);
    if (index * CUSTOS_TLOG_TILE_WIDTH >= count)
        return custos_error_set(&t->err, CUSTOS_E_USAGE, 0, t->dir, "tile %d/%llu is past the tree",
                                level, (unsigned long long)index);
    uint64_t left = count - index * CUSTOS_TLOG_TILE_WIDTH;
    unsigned w = left >= CUSTOS_TLOG_TILE_WIDTH ? CUSTOS_TLOG_TILE_WIDTH : (unsigned)left;
    for (unsigned i = 0; i < CACHE; i++)
        if (t->cache[i].h != NULL && t->cache[i].level == level && t->cache[i].index == index &&
            t->cache[i].w == w) {
            *out = &t->cache[i];
            return CUSTOS_OK;
        }
    char rel[128];
    custos_tlog_tile_path(level, index, w, rel, sizeof(rel));
    uint8_t *buf;
    size_t len;
    int rc =
        custos_tlog_fetch(t->dir, rel, (size_t)CUSTOS_TLOG_TILE_WIDTH * HASH, &buf, &len, &t->err);
    if (rc != CUSTOS_OK)
        return rc;
    t->fetched += len;
    if (len != (size_t)w * HASH) {
        free(buf);
        return custos_error_set(&t->err, CUSTOS_E_CORRUPT, 0, t->dir,
                                "%s: %zu bytes, not %u hashes", rel, len, w);
    }
    struct tile *c = &t->cache[t->next];
    t->next = (t->next + 1) % CACHE;
    free(c->h);
    *c = (struct tile){.level = level, .index = index, .w = w, .h = buf};
    *out = c;
    return CUSTOS_OK;
}

/* The root of span (a power of two, at most 256) consecutive hashes. */
static void
reduce(const uint8_t *h, unsigned span, uint8_t out[HASH])
{
    uint8_t buf[128][HASH];
    if (span == 1) {
        memcpy(out, h, HASH);
        return;
    }
    for (unsigned i = 0; i < span / 2; i++)
        custos_merkle_node_hash(h + (size_t)(2 * i) * HASH, h + (size_t)(2 * i + 1) * HASH, buf[i]);
    for (unsigned n = span / 2; n > 1; n /= 2)
        for (unsigned i = 0; i < n / 2; i++)
            custos_merkle_node_hash(buf[2 * i], buf[2 * i + 1], buf[i]);
    memcpy(out, buf[0], HASH);
}

/* Hash of the complete subtree of height h, index k (leaves k*2^h ..). */
int
custos__tlog_node(struct custos_tlog *t, unsigned h, uint64_t k, uint8_t out[HASH])
{
    int level = (int)(h / TILE_H);
    unsigned r = h % TILE_H;
    /* the subtree's first entry at height 8*level, and how many it spans */
    uint64_t first = k << r;
    unsigned span = 1u << r;
    const struct tile *tl;
    int rc = custos__tlog_get_tile(t, level, first / CUSTOS_TLOG_TILE_WIDTH, &tl);
    if (rc != CUSTOS_OK)
        return rc;
    unsigned off = (unsigned)(first % CUSTOS_TLOG_TILE_WIDTH);
    if (off + span > tl->w)
        return custos_error_set(&t->err, CUSTOS_E_USAGE, 0, t->dir,
                                "subtree %u/%llu is not complete", h, (unsigned long long)k);
    reduce(tl->h + (size_t)off * HASH, span, out);
    return CUSTOS_OK;
}

/* The root of a full level tile: what the next level up stores for it. */
int
custos__tlog_tile_root(struct custos_tlog *t, int level, uint64_t index, uint8_t out[HASH])
{
    const struct tile *tl;
    int rc = custos__tlog_get_tile(t, level, index, &tl);
    if (rc == CUSTOS_OK && tl->w != CUSTOS_TLOG_TILE_WIDTH)
        rc = custos_error_set(&t->err, CUSTOS_E_USAGE, 0, t->dir, "tile %d/%llu is not full", level,
                              (unsigned long long)index);
    if (rc == CUSTOS_OK)
        reduce(tl->h, CUSTOS_TLOG_TILE_WIDTH, out);
    return rc;
}

/* The largest power of two below n (n >= 2). */
static uint64_t
split_point(uint64_t n)
{
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

/* MTH(D[lo:hi]) as RFC 6962 defines it, from complete subtrees. */
int
custos__tlog_range_hash(struct custos_tlog *t, uint64_t lo, uint64_t hi, uint8_t out[HASH])
{
    uint64_t n = hi - lo;
    if ((n & (n - 1)) == 0 && lo % n == 0) {
        unsigned h = 0;
        while ((1ull << h) < n)
            h++;
        return custos__tlog_node(t, h, lo >> h, out);
    }
    uint64_t k = split_point(n);
    uint8_t l[HASH], r[HASH];
    int rc = custos__tlog_range_hash(t, lo, lo + k, l);
    if (rc == CUSTOS_OK)
        rc = custos__tlog_range_hash(t, lo + k, hi, r);
    if (rc == CUSTOS_OK)
        custos_merkle_node_hash(l, r, out);
    return rc;
}

/* RFC 6962 PATH(m, D[lo:hi]) appended to proof[*n]. */
static int
inclusion_path(struct custos_tlog *t, uint64_t m, uint64_t lo, uint64_t hi, uint8_t proof[][HASH],
               size_t *n)
{
    if (hi - lo <= 1)
        return CUSTOS_OK;
    uint64_t k = split_point(hi - lo);
    int rc;
    if (m < k) {
        rc = inclusion_path(t, m, lo, lo + k, proof, n);
        if (rc == CUSTOS_OK)
            rc = custos__tlog_range_hash(t, lo + k, hi, proof[(*n)++]);
    } else {
        rc = inclusion_path(t, m - k, lo + k, hi, proof, n);
        if (rc == CUSTOS_OK)
            rc = custos__tlog_range_hash(t, lo, lo + k, proof[(*n)++]);
    }
    return rc;
}

/* RFC 6962 SUBPROOF(m, D[lo:hi], b) appended to proof[*n]. */
int
custos__tlog_consistency_path(struct custos_tlog *t, uint64_t m, uint64_t lo, uint64_t hi, int b,
                              uint8_t proof[][HASH], size_t *n)
{
    uint64_t size = hi - lo;
    if (m == size) {
        if (!b)
            return custos__tlog_range_hash(t, lo, hi, proof[(*n)++]);
        return CUSTOS_OK;
    }
    uint64_t k = split_point(size);
    int rc;
    if (m <= k) {
        rc = custos__tlog_consistency_path(t, m, lo, lo + k, b, proof, n);
        if (rc == CUSTOS_OK)
            rc = custos__tlog_range_hash(t, lo + k, hi, proof[(*n)++]);
    } else {
        rc = custos__tlog_consistency_path(t, m - k, lo + k, hi, 0, proof, n);
        if (rc == CUSTOS_OK)
            rc = custos__tlog_range_hash(t, lo, lo + k, proof[(*n)++]);
    }
    return rc;
}

static int
parse_checkpoint_file(const char *dir, struct custos_checkpoint *cp, struct custos_error *err)
{
    uint8_t *buf;
    size_t len;
    int rc = custos_tlog_fetch(dir, "checkpoint", NOTE_MAX, &buf, &len, err);
    if (rc != CUSTOS_OK)
        return rc;
    rc = custos_checkpoint_parse((const char *)buf, len, cp, err);
    free(buf);
    if (rc != CUSTOS_OK) {
        char msg[CUSTOS_ERROR_MESSAGE_MAX];
        snprintf(msg, sizeof(msg), "%s", err->message);
        rc = custos_error_set(err, rc, 0, dir, "checkpoint: %s", msg);
    }
    return rc;
}

int
custos_tlog_open(struct custos_tlog **out, const char *dir, const char *origin,
                 const struct custos_tlog_vkey *v, struct custos_error *err)
{
    *out = NULL;
    struct custos_tlog *t = calloc(1, sizeof(*t));
    if (t == NULL || (t->dir = strdup(dir)) == NULL) {
        free(t);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, dir, "out of memory");
    }
    int rc = parse_checkpoint_file(dir, &t->cp, err);
    if (rc == CUSTOS_OK && strcmp(t->cp.origin, origin != NULL ? origin : v->name) != 0)
        rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, dir,
                              "the checkpoint is of log \"%s\", not \"%s\"", t->cp.origin,
                              origin != NULL ? origin : v->name);
    if (rc == CUSTOS_OK && (rc = custos_tlog_note_verify(&t->cp, v, err)) != CUSTOS_OK) {
        char msg[CUSTOS_ERROR_MESSAGE_MAX];
        snprintf(msg, sizeof(msg), "%s", err->message);
        rc = custos_error_set(err, rc, 0, dir, "%s", msg);
    }
    if (rc == CUSTOS_OK) {
        t->size = t->cp.size;
        uint8_t root[HASH];
        if (t->size == 0) /* RFC 6962: the hash of the empty string */
            EVP_Digest("", 0, root, NULL, EVP_sha256(), NULL);
        else if ((rc = custos__tlog_range_hash(t, 0, t->size, root)) != CUSTOS_OK)
            custos_error_copy(err, &t->err);
        if (rc == CUSTOS_OK && memcmp(root, t->cp.root, HASH) != 0)
            rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, dir,
                                  "the tiles do not give the signed root of %llu entries",
                                  (unsigned long long)t->size);
    }
    if (rc != CUSTOS_OK) {
        custos_tlog_free(t);
        return rc;
    }
    *out = t;
    return CUSTOS_OK;
}

const struct custos_checkpoint *
custos_tlog_checkpoint(const struct custos_tlog *t)
{
    return &t->cp;
}

int
custos_tlog_entry(struct custos_tlog *t, uint64_t index, uint8_t **data, size_t *len,
                  uint8_t proof[][HASH], size_t *nproof)
{
    *data = NULL;
    *len = 0;
    *nproof = 0;
    if (index >= t->size)
        return custos_error_set(&t->err, CUSTOS_E_USAGE, 0, t->dir,
                                "entry %llu is past the log's %llu entries",
                                (unsigned long long)index, (unsigned long long)t->size);
    uint64_t bundle = index / CUSTOS_TLOG_TILE_WIDTH;
    uint64_t left = t->size - bundle * CUSTOS_TLOG_TILE_WIDTH;
    unsigned w = left >= CUSTOS_TLOG_TILE_WIDTH ? CUSTOS_TLOG_TILE_WIDTH : (unsigned)left;
    char rel[128];
    custos_tlog_tile_path(-1, bundle, w, rel, sizeof(rel));
    uint8_t *buf;
    size_t blen;
    int rc =
        custos_tlog_fetch(t->dir, rel, (size_t)CUSTOS_TLOG_TILE_WIDTH * (2 + CUSTOS_TLOG_ENTRY_MAX),
                          &buf, &blen, &t->err);
    if (rc != CUSTOS_OK)
        return rc;
    t->fetched += blen;
    size_t off = 0;
    unsigned want = (unsigned)(index % CUSTOS_TLOG_TILE_WIDTH);
    for (unsigned i = 0; i <= want; i++) {
        if (off + 2 > blen)
            break;
        size_t n = (size_t)buf[off] << 8 | buf[off + 1];
        if (off + 2 + n > blen)
            break;
        if (i == want) {
            if ((*data = malloc(n + 1)) == NULL) {
                free(buf);
                return custos_error_set(&t->err, CUSTOS_E_NOMEM, 0, t->dir, "out of memory");
            }
            memcpy(*data, buf + off + 2, n);
            (*data)[n] = 0;
            *len = n;
        }
        off += 2 + n;
    }
    free(buf);
    if (*data == NULL)
        return custos_error_set(&t->err, CUSTOS_E_CORRUPT, 0, t->dir, "%s: entry %llu is cut short",
                                rel, (unsigned long long)index);
    uint8_t leaf[HASH], stored[HASH];
    custos_merkle_leaf_hash(*data, *len, leaf);
    rc = custos__tlog_node(t, 0, index, stored);
    if (rc == CUSTOS_OK && memcmp(leaf, stored, HASH) != 0)
        rc = custos_error_set(&t->err, CUSTOS_E_UNTRUSTED, 0, t->dir,
                              "entry %llu does not match its hash in the level-0 tile",
                              (unsigned long long)index);
    if (rc == CUSTOS_OK)
        rc = inclusion_path(t, index, 0, t->size, proof, nproof);
    /* The path is checked as any client would check it, against the signed root. */
    if (rc == CUSTOS_OK &&
        custos_merkle_verify_inclusion(leaf, index, t->size, (const uint8_t(*)[HASH])proof, *nproof,
                                       t->cp.root, &t->err) != CUSTOS_OK)
        rc = custos_error_set(&t->err, CUSTOS_E_UNTRUSTED, 0, t->dir,
                              "entry %llu is not included under the signed root",
                              (unsigned long long)index);
    if (rc != CUSTOS_OK) {
        free(*data);
        *data = NULL;
        *len = 0;
    }
    return rc;
}

int
custos_tlog_consistent(struct custos_tlog *t, uint64_t old_size, const uint8_t old_root[HASH])
{
    if (old_size > t->size)
        return custos_error_set(&t->err, CUSTOS_E_UNTRUSTED, 0, t->dir,
                                "the log has %llu entries, fewer than the %llu of a checkpoint "
                                "seen before: a rollback or a fork",
                                (unsigned long long)t->size, (unsigned long long)old_size);
    if (old_size == 0)
        return CUSTOS_OK;
    uint8_t proof[128][HASH];
    size_t n = 0;
    int rc = old_size < t->size
                 ? custos__tlog_consistency_path(t, old_size, 0, t->size, 1, proof, &n)
                 : CUSTOS_OK;
    if (rc != CUSTOS_OK)
        return rc;
    if (old_size == t->size) {
        if (memcmp(old_root, t->cp.root, HASH) != 0)
            return custos_error_set(&t->err, CUSTOS_E_UNTRUSTED, 0, t->dir,
                                    "FORK: two checkpoints of %llu entries with different roots",
                                    (unsigned long long)old_size);
        return CUSTOS_OK;
    }
    if (custos_merkle_verify_consistency(old_size, t->size, old_root, t->cp.root,
                                         (const uint8_t(*)[HASH])proof, n, &t->err) != CUSTOS_OK)
        return custos_error_set(&t->err, CUSTOS_E_UNTRUSTED, 0, t->dir,
                                "FORK: the log is not an extension of the checkpoint of %llu "
                                "entries seen before",
                                (unsigned long long)old_size);
    return CUSTOS_OK;
}

void
custos_tlog_hash_base64(const uint8_t h[HASH], char out[48])
{
    custos__b64_encode(h, HASH, out);
}

uint64_t
custos_tlog_bytes_read(const struct custos_tlog *t)
{
    return t->fetched;
}

const struct custos_error *
custos_tlog_error(const struct custos_tlog *t)
{
    return &t->err;
}

void
custos_tlog_free(struct custos_tlog *t)
{
    if (t == NULL)
        return;
    for (unsigned i = 0; i < CACHE; i++)
        free(t->cache[i].h);
    custos_checkpoint_clear(&t->cp);
    free(t->dir);
    free(t);
}
