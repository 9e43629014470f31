/* SPDX-License-Identifier: ISC */
/*
 * tlog_private.h: what the three parts of the tlog module share: tlog.c
 * (names, keys, fetching and reading tiles, proofs), tlog_write.c
 * (appending) and tlog_witness.c (witness cosignatures).
 */
#ifndef CUSTOS_TLOG_PRIVATE_H
#define CUSTOS_TLOG_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "tlog_private.h is internal to libcustos"
#endif

#include <stddef.h>
#include <stdint.h>

#include "custos/tlog.h"

#define HASH     CUSTOS_MERKLE_HASH_SIZE
#define TILE_H   8 /* tile height: 2^8 = 256 hashes */
#define CACHE    64
#define NOTE_MAX 16384

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

/* A response body read by libcurl, capped at max bytes. */
struct custos__tlog_body {
    uint8_t *p;
    size_t len, max;
    int over;
};

/* libcurl's write callback into a struct custos__tlog_body. */
size_t custos__tlog_body_write(char *data, size_t size, size_t n, void *ctx);

/* SHA-256(name || "\n" || type || pub)[:4]. */
void custos__tlog_vkey_id(const char *name, uint8_t type, const uint8_t pub[32], uint8_t id[4]);

/* A custos key (public) around a raw Ed25519 key. */
int custos__tlog_key_of(const uint8_t pub[32], const char *name, struct custos_key **k,
                        struct custos_error *err);

/* dir/rel, a regular file of at most max bytes, into a new NUL-terminated buffer. */
int custos__tlog_read_rel(const char *dir, const char *rel, size_t max, uint8_t **out, size_t *len,
                          struct custos_error *err);

/* How many hashes level `level` has in a tree of n leaves. */
uint64_t custos__tlog_level_count(uint64_t n, int level);

/* Tile (level, index) as the log at size t->size has it (cached). */
int custos__tlog_get_tile(struct custos_tlog *t, int level, uint64_t index,
                          const struct tile **out);

/* Hash of the complete subtree of height h, index k. */
int custos__tlog_node(struct custos_tlog *t, unsigned h, uint64_t k, uint8_t out[HASH]);

/* The root of a full level tile: what the next level up stores for it. */
int custos__tlog_tile_root(struct custos_tlog *t, int level, uint64_t index, uint8_t out[HASH]);

/* MTH(D[lo:hi]) as RFC 6962 defines it, from complete subtrees. */
int custos__tlog_range_hash(struct custos_tlog *t, uint64_t lo, uint64_t hi, uint8_t out[HASH]);

/* RFC 6962 SUBPROOF(m, D[lo:hi], b) appended to proof[*n]. */
int custos__tlog_consistency_path(struct custos_tlog *t, uint64_t m, uint64_t lo, uint64_t hi,
                                  int b, uint8_t proof[][HASH], size_t *n);

/* The log's exclusive lock (a descriptor), or -1 with err set. */
int custos__tlog_lock_log(const char *dir, struct custos_error *err);

/* Replaces dir/checkpoint with text in one rename. */
int custos__tlog_replace_checkpoint(const char *dir, const char *text, struct custos_error *err);

#endif
