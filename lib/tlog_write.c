/* SPDX-License-Identifier: ISC */
/*
 * tlog_write.c: appending to a tlog-tiles log (tlog.h): new tiles and entry
 * bundles under new names, synced, then the checkpoint in one rename, under
 * the log's lock.
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

/* mkdir -p of the directories of dir/rel. */
static int
make_parents(const char *dir, const char *rel, struct custos_error *err)
{
    char path[4096 + 128];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot create");
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
        if (custos__tlog_read_rel(dir, rel, len + 1, &old, &olen, err) != CUSTOS_OK)
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
    uint64_t oc = custos__tlog_level_count(old_n, level),
             nc = custos__tlog_level_count(new_n, level);
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
        if ((rc = custos__tlog_get_tile(old, level, t0, &tl)) != CUSTOS_OK)
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
    custos__tlog_vkey_id(origin, CUSTOS_TLOG_KEY_ED25519, raw, blob);
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
int
custos__tlog_lock_log(const char *dir, struct custos_error *err)
{
    char lockpath[4096 + 32];
    snprintf(lockpath, sizeof(lockpath), "%s/.custos-tlog.lock", dir);
    int lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (lock < 0 || flock(lock, LOCK_EX) != 0) {
        int e = errno;
        if (lock >= 0)
            close(lock);
        custos_error_set(err, CUSTOS_E_IO, e, lockpath, "cannot lock");
        return -1;
    }
    return lock;
}

/* Replaces dir/checkpoint with text in one rename. */
int
custos__tlog_replace_checkpoint(const char *dir, const char *text, struct custos_error *err)
{
    char tmp[4096 + 64], cpath[4096 + 32];
    snprintf(cpath, sizeof(cpath), "%s/checkpoint", dir);
    snprintf(tmp, sizeof(tmp), "%s/.checkpoint.new-%ld", dir, (long)getpid());
    unlink(tmp);
    int rc = custos_write_file_new(tmp, text, strlen(text), 0644, err);
    if (rc == CUSTOS_OK && rename(tmp, cpath) != 0) {
        rc = custos_error_set(err, CUSTOS_E_IO, errno, cpath, "cannot replace");
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
        return custos_error_set(err, CUSTOS_E_IO, errno, dir, "cannot create");
    int lock = custos__tlog_lock_log(dir, err);
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
        rc = custos__tlog_read_rel(dir, rel,
                                   (size_t)CUSTOS_TLOG_TILE_WIDTH * (2 + CUSTOS_TLOG_ENTRY_MAX),
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
    for (int level = 0; rc == CUSTOS_OK && custos__tlog_level_count(new_n, level) >
                                               custos__tlog_level_count(old_n, level);
         level++) {
        rc = write_level(dir, level, old_n, new_n, hs, old, err);
        /* The next level's new hashes: roots of the newly completed tiles of this level. */
        uint64_t from = custos__tlog_level_count(old_n, level + 1),
                 to = custos__tlog_level_count(new_n, level + 1);
        if (rc != CUSTOS_OK || to == from)
            break;
        struct custos_tlog nt = {.dir = (char *)dir, .size = new_n};
        for (uint64_t k = from; rc == CUSTOS_OK && k < to; k++)
            if ((rc = custos__tlog_tile_root(&nt, level, k, hs + (k - from) * HASH)) != CUSTOS_OK)
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
        else if ((rc = custos__tlog_range_hash(&nt, 0, new_n, root)) != CUSTOS_OK)
            custos_error_copy(err, &nt.err);
        for (unsigned i = 0; i < CACHE; i++)
            free(nt.cache[i].h);
        if (rc == CUSTOS_OK)
            rc = sign_note(origin, new_n, root, key, &text, err);
    }
    if (rc == CUSTOS_OK)
        rc = custos__tlog_replace_checkpoint(dir, text, err);
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
