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

#define HASH     CUSTOS_MERKLE_HASH_SIZE
#define TILE_H   8 /* tile height: 2^8 = 256 hashes */
#define CACHE    64
#define NOTE_MAX 16384

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

static void
vkey_id(const char *name, uint8_t type, const uint8_t pub[32], uint8_t id[4])
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
    vkey_id(v->name, v->type, v->pub, v->id);
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
    vkey_id(name, CUSTOS_TLOG_KEY_ED25519, raw + 1, id);
    char b64[CUSTOS__B64_SIZE(33)];
    custos__b64_encode(raw, 33, b64);
    snprintf(out, size, "%s+%02x%02x%02x%02x+%s", name, id[0], id[1], id[2], id[3], b64);
}

/* An Ed25519 SubjectPublicKeyInfo around a raw key (RFC 8410). */
static int
key_of(const uint8_t pub[32], const char *name, struct custos_key **k, struct custos_error *err)
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
    int rc = key_of(v->pub, v->name, &k, err);
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

struct tile {
    int level;
    uint64_t index;
    unsigned w;
    uint8_t *h; /* w hashes */
};

struct custos_tlog {
    char *dir;
    uint64_t size;
    struct custos_checkpoint cp;
    struct tile cache[CACHE];
    unsigned next;    /* round-robin victim */
    uint64_t fetched; /* bytes of tiles and bundles read */
    struct custos_error err;
};

static int read_rel(const char *dir, const char *rel, size_t max, uint8_t **out, size_t *len,
                    struct custos_error *err);

struct body {
    uint8_t *p;
    size_t len, max;
    int over;
};

static size_t
body_write(char *data, size_t size, size_t n, void *ctx)
{
    struct body *b = ctx;
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
    struct body b = {.max = max};
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
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_write) != CURLE_OK ||
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
    return read_rel(log, rel, max, out, len, err);
}

/* Whole file dir/rel into a new buffer; CUSTOS_E_IO when missing. */
static int
read_rel(const char *dir, const char *rel, size_t max, uint8_t **out, size_t *len,
         struct custos_error *err)
{
    char path[4096 + 128];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot open: %s", strerror(errno));
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
            return custos_error_set(err, CUSTOS_E_IO, e, path, "cannot read: %s", strerror(e));
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
static uint64_t
level_count(uint64_t n, int level)
{
    return level * TILE_H >= 64 ? 0 : n >> (level * TILE_H);
}

/* Tile (level, index) as the log at size t->size has it. */
static int
get_tile(struct custos_tlog *t, int level, uint64_t index, const struct tile **out)
{
    uint64_t count = level_count(t->size, level);
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
static int
node(struct custos_tlog *t, unsigned h, uint64_t k, uint8_t out[HASH])
{
    int level = (int)(h / TILE_H);
    unsigned r = h % TILE_H;
    /* the subtree's first entry at height 8*level, and how many it spans */
    uint64_t first = k << r;
    unsigned span = 1u << r;
    const struct tile *tl;
    int rc = get_tile(t, level, first / CUSTOS_TLOG_TILE_WIDTH, &tl);
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
static int
tile_root(struct custos_tlog *t, int level, uint64_t index, uint8_t out[HASH])
{
    const struct tile *tl;
    int rc = get_tile(t, level, index, &tl);
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
static int
range_hash(struct custos_tlog *t, uint64_t lo, uint64_t hi, uint8_t out[HASH])
{
    uint64_t n = hi - lo;
    if ((n & (n - 1)) == 0 && lo % n == 0) {
        unsigned h = 0;
        while ((1ull << h) < n)
            h++;
        return node(t, h, lo >> h, out);
    }
    uint64_t k = split_point(n);
    uint8_t l[HASH], r[HASH];
    int rc = range_hash(t, lo, lo + k, l);
    if (rc == CUSTOS_OK)
        rc = range_hash(t, lo + k, hi, r);
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
            rc = range_hash(t, lo + k, hi, proof[(*n)++]);
    } else {
        rc = inclusion_path(t, m - k, lo + k, hi, proof, n);
        if (rc == CUSTOS_OK)
            rc = range_hash(t, lo, lo + k, proof[(*n)++]);
    }
    return rc;
}

/* RFC 6962 SUBPROOF(m, D[lo:hi], b) appended to proof[*n]. */
static int
consistency_path(struct custos_tlog *t, uint64_t m, uint64_t lo, uint64_t hi, int b,
                 uint8_t proof[][HASH], size_t *n)
{
    uint64_t size = hi - lo;
    if (m == size) {
        if (!b)
            return range_hash(t, lo, hi, proof[(*n)++]);
        return CUSTOS_OK;
    }
    uint64_t k = split_point(size);
    int rc;
    if (m <= k) {
        rc = consistency_path(t, m, lo, lo + k, b, proof, n);
        if (rc == CUSTOS_OK)
            rc = range_hash(t, lo + k, hi, proof[(*n)++]);
    } else {
        rc = consistency_path(t, m - k, lo + k, hi, 0, proof, n);
        if (rc == CUSTOS_OK)
            rc = range_hash(t, lo, lo + k, proof[(*n)++]);
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
        else if ((rc = range_hash(t, 0, t->size, root)) != CUSTOS_OK)
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
    rc = node(t, 0, index, stored);
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
    int rc =
        old_size < t->size ? consistency_path(t, old_size, 0, t->size, 1, proof, &n) : CUSTOS_OK;
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

/* ---- writing ---- */

/* mkdir -p of the directories of dir/rel. */
static int
make_parents(const char *dir, const char *rel, struct custos_error *err)
{
    char path[4096 + 128];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot create: %s",
                                    strerror(errno));
        *p = '/';
    }
    return CUSTOS_OK;
}

/* A new tile file; one that exists already must hold the same bytes (a re-run). */
static int
put_tile(const char *dir, const char *rel, const uint8_t *buf, size_t len, struct custos_error *err)
{
    int rc = make_parents(dir, rel, err);
    if (rc != CUSTOS_OK)
        return rc;
    char path[4096 + 128];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    rc = custos_write_file_new(path, buf, len, 0644, err);
    if (rc == CUSTOS_E_REFUSED) {
        uint8_t *old;
        size_t olen;
        if (read_rel(dir, rel, len + 1, &old, &olen, err) != CUSTOS_OK)
            return CUSTOS_E_IO;
        rc = olen == len && memcmp(old, buf, len) == 0
                 ? CUSTOS_OK
                 : custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, path,
                                    "a different tile is there already: the log was changed");
        free(old);
    }
    return rc;
}

/* Writes what level `level` gains from old_n to new_n leaves; hashes[] are its new entries. */
static int
write_level(const char *dir, int level, uint64_t old_n, uint64_t new_n, const uint8_t *newh,
            struct custos_tlog *old, struct custos_error *err)
{
    uint64_t oc = level_count(old_n, level), nc = level_count(new_n, level);
    if (nc == oc)
        return CUSTOS_OK;
    uint64_t t0 = oc / CUSTOS_TLOG_TILE_WIDTH;
    uint8_t *buf = malloc((size_t)CUSTOS_TLOG_TILE_WIDTH * HASH);
    if (buf == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, dir, "out of memory");
    int rc = CUSTOS_OK;
    unsigned have = (unsigned)(oc % CUSTOS_TLOG_TILE_WIDTH);
    if (have > 0) { /* the old partial tile's hashes start the first new tile */
        const struct tile *tl;
        if ((rc = get_tile(old, level, t0, &tl)) != CUSTOS_OK)
            custos_error_copy(err, &old->err);
        else
            memcpy(buf, tl->h, (size_t)have * HASH);
    }
    uint64_t i = oc;
    for (uint64_t t = t0; rc == CUSTOS_OK && t * CUSTOS_TLOG_TILE_WIDTH < nc; t++) {
        uint64_t end =
            (t + 1) * CUSTOS_TLOG_TILE_WIDTH < nc ? (t + 1) * CUSTOS_TLOG_TILE_WIDTH : nc;
        for (; i < end; i++)
            memcpy(buf + (i % CUSTOS_TLOG_TILE_WIDTH) * HASH, newh + (i - oc) * HASH, HASH);
        unsigned w = (unsigned)(end - t * CUSTOS_TLOG_TILE_WIDTH);
        char rel[128];
        custos_tlog_tile_path(level, t, w, rel, sizeof(rel));
        rc = put_tile(dir, rel, buf, (size_t)w * HASH, err);
    }
    free(buf);
    return rc;
}

static int
sign_note(const char *origin, uint64_t size, const uint8_t root[HASH], const struct custos_key *key,
          char **note, struct custos_error *err)
{
    char b64[CUSTOS__B64_SIZE(HASH)];
    custos__b64_encode(root, HASH, b64);
    char text[512];
    int tl = snprintf(text, sizeof(text), "%s\n%llu\n%s\n", origin, (unsigned long long)size, b64);
    uint8_t blob[4 + CUSTOS_SIG_SIZE], raw[32];
    custos_key_raw(key, raw);
    vkey_id(origin, CUSTOS_TLOG_KEY_ED25519, raw, blob);
    int rc = custos_sign_raw(key, text, (size_t)tl, blob + 4, err);
    if (rc != CUSTOS_OK)
        return rc;
    char sb64[CUSTOS__B64_SIZE(sizeof(blob))];
    custos__b64_encode(blob, sizeof(blob), sb64);
    size_t n = (size_t)tl + strlen(origin) + strlen(sb64) + 16;
    if ((*note = malloc(n)) == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    snprintf(*note, n, "%s\n\u2014 %s %s\n", text, origin, sb64);
    return CUSTOS_OK;
}

static int
origin_ok(const char *o)
{
    if (*o == '\0' || strlen(o) > 200)
        return 0;
    for (const unsigned char *p = (const unsigned char *)o; *p; p++)
        if (*p <= 0x20 || *p == '+' || *p == 0x7f)
            return 0;
    return 1;
}

/* The log's exclusive lock: publishers and witness rounds take turns. */
static int
lock_log(const char *dir, struct custos_error *err)
{
    char lockpath[4096 + 32];
    snprintf(lockpath, sizeof(lockpath), "%s/.custos-tlog.lock", dir);
    int lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (lock < 0 || flock(lock, LOCK_EX) != 0) {
        int e = errno;
        if (lock >= 0)
            close(lock);
        custos_error_set(err, CUSTOS_E_IO, e, lockpath, "cannot lock: %s", strerror(e));
        return -1;
    }
    return lock;
}

/* Replaces dir/checkpoint with text in one rename. */
static int
replace_checkpoint(const char *dir, const char *text, struct custos_error *err)
{
    char tmp[4096 + 64], cpath[4096 + 32];
    snprintf(cpath, sizeof(cpath), "%s/checkpoint", dir);
    snprintf(tmp, sizeof(tmp), "%s/.checkpoint.new-%ld", dir, (long)getpid());
    unlink(tmp);
    int rc = custos_write_file_new(tmp, text, strlen(text), 0644, err);
    if (rc == CUSTOS_OK && rename(tmp, cpath) != 0) {
        rc =
            custos_error_set(err, CUSTOS_E_IO, errno, cpath, "cannot replace: %s", strerror(errno));
        unlink(tmp);
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return rc;
}

int
custos_tlog_append(const char *dir, const char *origin, const struct custos_key *key,
                   const uint8_t *const *entries, const size_t *lens, size_t n, uint64_t *first,
                   char **note, struct custos_error *err)
{
    if (note != NULL)
        *note = NULL;
    if (!origin_ok(origin))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, dir,
                                "log origin \"%s\": one line without spaces or '+'", origin);
    if (!custos_key_has_private(key))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, dir, "the log key has no private part");
    for (size_t i = 0; i < n; i++)
        if (lens[i] > CUSTOS_TLOG_ENTRY_MAX)
            return custos_error_set(err, CUSTOS_E_USAGE, 0, dir,
                                    "entry %zu has %zu bytes, over the %d a log entry may hold", i,
                                    lens[i], CUSTOS_TLOG_ENTRY_MAX);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return custos_error_set(err, CUSTOS_E_IO, errno, dir, "cannot create: %s", strerror(errno));
    int lock = lock_log(dir, err);
    if (lock < 0)
        return err->status;
    struct custos_tlog_vkey v;
    char vk[512];
    custos_tlog_vkey_format(key, origin, vk, sizeof(vk));
    int rc = custos_tlog_vkey_parse(vk, &v, err);
    struct custos_tlog *old = NULL;
    uint64_t old_n = 0;
    char cpath[4096 + 32];
    snprintf(cpath, sizeof(cpath), "%s/checkpoint", dir);
    struct stat st;
    int exists = lstat(cpath, &st) == 0;
    if (rc == CUSTOS_OK && exists) {
        rc = custos_tlog_open(&old, dir, origin, &v, err);
        if (rc == CUSTOS_OK)
            old_n = old->size;
    } else if (rc == CUSTOS_OK) {
        old = calloc(1, sizeof(*old));
        if (old == NULL || (old->dir = strdup(dir)) == NULL)
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, dir, "out of memory");
    }
    uint64_t new_n = old_n + n;
    /* Entry bundles: the old partial bundle's entries, then the new ones. */
    uint8_t *bundle = NULL;
    size_t blen = 0, bcap = 0;
    if (rc == CUSTOS_OK && old_n % CUSTOS_TLOG_TILE_WIDTH != 0) {
        char rel[128];
        custos_tlog_tile_path(-1, old_n / CUSTOS_TLOG_TILE_WIDTH,
                              (unsigned)(old_n % CUSTOS_TLOG_TILE_WIDTH), rel, sizeof(rel));
        rc = read_rel(dir, rel, (size_t)CUSTOS_TLOG_TILE_WIDTH * (2 + CUSTOS_TLOG_ENTRY_MAX),
                      &bundle, &blen, err);
        bcap = blen;
    }
    for (size_t i = 0; rc == CUSTOS_OK && i < n; i++) {
        if (blen + 2 + lens[i] > bcap) {
            size_t cap = (blen + 2 + lens[i]) * 2;
            uint8_t *p = realloc(bundle, cap);
            if (p == NULL) {
                rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, dir, "out of memory");
                break;
            }
            bundle = p;
            bcap = cap;
        }
        bundle[blen] = (uint8_t)(lens[i] >> 8);
        bundle[blen + 1] = (uint8_t)lens[i];
        memcpy(bundle + blen + 2, entries[i], lens[i]);
        blen += 2 + lens[i];
        uint64_t idx = old_n + i;
        unsigned w = (unsigned)(idx % CUSTOS_TLOG_TILE_WIDTH) + 1;
        if (w == CUSTOS_TLOG_TILE_WIDTH || i == n - 1) {
            char rel[128];
            custos_tlog_tile_path(-1, idx / CUSTOS_TLOG_TILE_WIDTH, w, rel, sizeof(rel));
            rc = put_tile(dir, rel, bundle, blen, err);
            blen = 0;
        }
    }
    free(bundle);
    /* Level 0: the leaf hashes; level L+1: the roots of level L's new full tiles. */
    uint8_t *hs = rc == CUSTOS_OK ? malloc((n > 0 ? n : 1) * HASH) : NULL;
    if (rc == CUSTOS_OK && hs == NULL)
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, dir, "out of memory");
    for (size_t i = 0; rc == CUSTOS_OK && i < n; i++)
        custos_merkle_leaf_hash(entries[i], lens[i], hs + i * HASH);
    for (int level = 0; rc == CUSTOS_OK && level_count(new_n, level) > level_count(old_n, level);
         level++) {
        rc = write_level(dir, level, old_n, new_n, hs, old, err);
        /* The next level's new hashes: roots of the newly completed tiles of this level. */
        uint64_t from = level_count(old_n, level + 1), to = level_count(new_n, level + 1);
        if (rc != CUSTOS_OK || to == from)
            break;
        struct custos_tlog nt = {.dir = (char *)dir, .size = new_n};
        for (uint64_t k = from; rc == CUSTOS_OK && k < to; k++)
            if ((rc = tile_root(&nt, level, k, hs + (k - from) * HASH)) != CUSTOS_OK)
                custos_error_copy(err, &nt.err);
        for (unsigned i = 0; i < CACHE; i++)
            free(nt.cache[i].h);
    }
    free(hs);
    /* Then the checkpoint, replaced in one rename once every tile is on disk. */
    char *text = NULL;
    if (rc == CUSTOS_OK) {
        struct custos_tlog nt = {.dir = (char *)dir, .size = new_n};
        uint8_t root[HASH];
        if (new_n == 0)
            EVP_Digest("", 0, root, NULL, EVP_sha256(), NULL);
        else if ((rc = range_hash(&nt, 0, new_n, root)) != CUSTOS_OK)
            custos_error_copy(err, &nt.err);
        for (unsigned i = 0; i < CACHE; i++)
            free(nt.cache[i].h);
        if (rc == CUSTOS_OK)
            rc = sign_note(origin, new_n, root, key, &text, err);
    }
    if (rc == CUSTOS_OK)
        rc = replace_checkpoint(dir, text, err);
    if (rc == CUSTOS_OK) {
        if (first != NULL)
            *first = old_n;
        if (note != NULL) {
            *note = text;
            text = NULL;
        }
    }
    free(text);
    custos_tlog_free(old);
    close(lock);
    return rc;
}

/* ---- witnesses (C2SP tlog-witness, tlog-cosignature) ---- */

int
custos_tlog_consistency_proof(struct custos_tlog *t, uint64_t old_size, uint8_t proof[][HASH],
                              size_t *n)
{
    *n = 0;
    if (old_size == 0 || old_size > t->size)
        return custos_error_set(&t->err, CUSTOS_E_USAGE, 0, t->dir,
                                "no consistency proof from %llu to %llu entries",
                                (unsigned long long)old_size, (unsigned long long)t->size);
    if (old_size == t->size)
        return CUSTOS_OK;
    return consistency_path(t, old_size, 0, t->size, 1, proof, n);
}

int
custos_tlog_cosigned(const struct custos_checkpoint *cp, const struct custos_tlog_vkey *w,
                     uint64_t *time, struct custos_error *err)
{
    *time = 0;
    struct custos_key *k = NULL;
    int rc = key_of(w->pub, w->name, &k, err);
    if (rc != CUSTOS_OK)
        return rc;
    int found = 0;
    for (size_t i = 0; i < cp->nsigs && rc == CUSTOS_OK; i++) {
        const struct custos_note_sig *s = &cp->sigs[i];
        if (w->type != CUSTOS_TLOG_KEY_COSIG || strcmp(s->name, w->name) != 0 ||
            s->blob_len != 4 + 8 + CUSTOS_SIG_SIZE || memcmp(s->blob, w->id, 4) != 0)
            continue;
        uint64_t ts = 0;
        for (int b = 0; b < 8; b++)
            ts = ts << 8 | s->blob[4 + b];
        char head[64];
        int hl =
            snprintf(head, sizeof(head), "cosignature/v1\ntime %llu\n", (unsigned long long)ts);
        uint8_t *msg = malloc((size_t)hl + cp->text_len);
        if (msg == NULL) {
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
            break;
        }
        memcpy(msg, head, (size_t)hl);
        memcpy(msg + hl, cp->text, cp->text_len);
        struct custos_error e;
        if (custos_sign_verify_raw(k, msg, (size_t)hl + cp->text_len, s->blob + 12, &e) != CUSTOS_OK)
            rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                                  "the cosignature by witness %s does not verify", w->name);
        else {
            found = 1;
            *time = ts;
        }
        free(msg);
    }
    custos_key_free(k);
    if (rc == CUSTOS_OK && !found)
        rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                              "the checkpoint is not cosigned by witness %s", w->name);
    return rc;
}

/* One add-checkpoint request; *status the HTTP status, *reply the body. */
static int
post_checkpoint(const char *url, const char *body, long *status, struct body *reply,
                struct custos_error *err)
{
    char full[4096 + 64], ebuf[CURL_ERROR_SIZE] = "";
    snprintf(full, sizeof(full), "%s%sadd-checkpoint", url, url[strlen(url) - 1] == '/' ? "" : "/");
    CURL *h = curl_easy_init();
    if (h == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, url, "out of memory");
    CURLcode cc = CURLE_OK;
    if (curl_easy_setopt(h, CURLOPT_URL, full) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_USERAGENT, "custos/" CUSTOS_VERSION_STRING) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_write) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEDATA, reply) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf) != CURLE_OK)
        cc = CURLE_FAILED_INIT;
    if (cc == CURLE_OK)
        cc = curl_easy_perform(h);
    if (cc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(h);
    if (cc != CURLE_OK)
        return custos_error_set(err, CUSTOS_E_IO, 0, full, "cannot reach the witness: %s",
                                ebuf[0] ? ebuf : curl_easy_strerror(cc));
    return CUSTOS_OK;
}

int
custos_tlog_witness(const char *dir, const struct custos_tlog_vkey *logv, const char *url,
                    const struct custos_tlog_vkey *w, uint64_t *time, struct custos_error *err)
{
    *time = 0;
    int lock = lock_log(dir, err);
    if (lock < 0)
        return err->status;
    struct custos_tlog *t = NULL;
    int rc = custos_tlog_open(&t, dir, NULL, logv, err);
    uint8_t *note = NULL;
    size_t notelen = 0;
    if (rc == CUSTOS_OK)
        rc = custos_tlog_fetch(dir, "checkpoint", NOTE_MAX, &note, &notelen, err);
    uint64_t old = 0;
    char *line = NULL;
    for (int attempt = 0; rc == CUSTOS_OK && attempt < 2 && line == NULL; attempt++) {
        uint8_t proof[64][HASH];
        size_t np = 0;
        if (old > 0 && (rc = custos_tlog_consistency_proof(t, old, proof, &np)) != CUSTOS_OK) {
            custos_error_copy(err, &t->err);
            break;
        }
        /* "old N", the proof's hashes in base64, a blank line, the checkpoint as signed. */
        size_t cap = 64 + np * 48 + notelen + 1, len = 0;
        char *body = malloc(cap);
        if (body == NULL) {
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, dir, "out of memory");
            break;
        }
        len += (size_t)snprintf(body, cap, "old %llu\n", (unsigned long long)old);
        for (size_t i = 0; i < np; i++) {
            char b64[CUSTOS__B64_SIZE(HASH)];
            custos__b64_encode(proof[i], HASH, b64);
            len += (size_t)snprintf(body + len, cap - len, "%s\n", b64);
        }
        snprintf(body + len, cap - len, "\n%s", (const char *)note);
        long status = 0;
        struct body reply = {.max = 65536};
        rc = post_checkpoint(url, body, &status, &reply, err);
        free(body);
        const char *r = reply.p != NULL ? (const char *)reply.p : "";
        if (reply.p != NULL)
            reply.p[reply.len] = 0;
        if (rc != CUSTOS_OK) {
        } else if (status == 409 && attempt == 0 &&
                   sscanf(r, "%llu", (unsigned long long *)&old) == 1 && old <= t->size) {
            /* The witness has seen another size: prove from it. */
        } else if (status == 200) {
            if ((line = strdup(r)) == NULL)
                rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, url, "out of memory");
        } else if (status == 409) {
            rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, url,
                                  "the witness has seen a log of %.30s entries that this one does "
                                  "not extend: a FORK or a rollback",
                                  r);
        } else if (status == 404 || status == 403 || status == 422) {
            rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, url,
                                  "the witness refused the checkpoint: %s (HTTP %ld)",
                                  status == 404   ? "it does not know this log"
                                  : status == 403 ? "the log's signature does not verify"
                                                  : "the consistency proof does not verify",
                                  status);
        } else {
            rc =
                custos_error_set(err, CUSTOS_E_IO, 0, url, "the witness answered HTTP %ld", status);
        }
        free(reply.p);
    }
    /* The cosignature must verify before it is attached. */
    struct custos_checkpoint cp;
    memset(&cp, 0, sizeof(cp));
    char *cosigned = NULL;
    if (rc == CUSTOS_OK) {
        size_t ll = strcspn(line, "\n");
        /* the note without an older line by this witness, then the new line */
        char prefix[300];
        snprintf(prefix, sizeof(prefix), "\u2014 %s ", w->name);
        size_t cap = notelen + ll + 2, len = 0;
        if ((cosigned = malloc(cap + 1)) == NULL)
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, dir, "out of memory");
        for (const char *p = (const char *)note, *e; rc == CUSTOS_OK && *p != '\0'; p = e) {
            e = strchr(p, '\n');
            e = e != NULL ? e + 1 : p + strlen(p);
            if (strncmp(p, prefix, strlen(prefix)) == 0)
                continue;
            memcpy(cosigned + len, p, (size_t)(e - p));
            len += (size_t)(e - p);
        }
        if (rc == CUSTOS_OK) {
            memcpy(cosigned + len, line, ll);
            len += ll;
            cosigned[len++] = '\n';
            cosigned[len] = '\0';
            rc = custos_checkpoint_parse(cosigned, len, &cp, err);
        }
        if (rc == CUSTOS_OK && (rc = custos_tlog_cosigned(&cp, w, time, err)) != CUSTOS_OK) {
            char msg[CUSTOS_ERROR_MESSAGE_MAX];
            snprintf(msg, sizeof(msg), "%s", err->message);
            rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, url, "%s", msg);
        }
        if (rc == CUSTOS_OK)
            rc = replace_checkpoint(dir, cosigned, err);
    }
    custos_checkpoint_clear(&cp);
    free(cosigned);
    free(line);
    free(note);
    custos_tlog_free(t);
    close(lock);
    return rc;
}
