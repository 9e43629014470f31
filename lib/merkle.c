/* SPDX-License-Identifier: ISC */
/*
 * merkle.c: the RFC 9162 Merkle tree over ledger entries (checkpoints, the
 * signed notes over its roots, are checkpoint.c).
 *
 * The tree keeps every leaf hash in one growing array (32 bytes a leaf, so
 * 100 000 entries take 3.2 MB) and computes subtree hashes recursively on
 * demand: a root costs O(n) hashes, a proof O(n) too. Checkpoints and
 * proofs are made on request, not on every append, so this simplicity costs
 * nothing where it matters. Proof generation follows RFC 9162 §2.1.3.1 and
 * §2.1.4.1 (PATH and SUBPROOF); verification follows §2.1.3.2 and §2.1.4.2
 * literally, so a proof made elsewhere (transparency-dev, sigsum) checks
 * the same way.
 *
 * A reader that streams a whole log once (ledger verification) keeps no
 * leaves: the compact range at the end of this file holds the O(log n)
 * roots of the perfect subtrees and gives the root at any size it passes.
 */
#include "custos/merkle.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "merkle_private.h"

struct custos_merkle {
    uint8_t (*leaves)[CUSTOS_MERKLE_HASH_SIZE]; /* leaf hashes */
    uint64_t n;                                 /* leaves in use */
    uint64_t cap;                               /* leaves allocated */
};

void
custos_merkle_leaf_hash(const void *leaf, size_t len, uint8_t out[CUSTOS_MERKLE_HASH_SIZE])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    static const uint8_t zero = 0x00;
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    EVP_DigestUpdate(ctx, &zero, 1);
    EVP_DigestUpdate(ctx, leaf, len);
    EVP_DigestFinal_ex(ctx, out, NULL);
    EVP_MD_CTX_free(ctx);
}

void
custos_merkle_node_hash(const uint8_t left[CUSTOS_MERKLE_HASH_SIZE],
                        const uint8_t right[CUSTOS_MERKLE_HASH_SIZE],
                        uint8_t out[CUSTOS_MERKLE_HASH_SIZE])
{
    uint8_t buf[1 + 2 * CUSTOS_MERKLE_HASH_SIZE];
    buf[0] = 0x01;
    memcpy(buf + 1, left, CUSTOS_MERKLE_HASH_SIZE);
    memcpy(buf + 1 + CUSTOS_MERKLE_HASH_SIZE, right, CUSTOS_MERKLE_HASH_SIZE);
    EVP_Digest(buf, sizeof(buf), out, NULL, EVP_sha256(), NULL);
}

int
custos_merkle_new(struct custos_merkle **out, struct custos_error *err)
{
    *out = calloc(1, sizeof(**out));
    if (*out == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    return CUSTOS_OK;
}

void
custos_merkle_free(struct custos_merkle *m)
{
    if (m == NULL)
        return;
    free(m->leaves);
    free(m);
}

int
custos_merkle_append_hash(struct custos_merkle *m, const uint8_t hash[CUSTOS_MERKLE_HASH_SIZE])
{
    if (m->n == m->cap) {
        uint64_t cap = m->cap < 1024 ? 1024 : m->cap * 2;
        void *p = realloc(m->leaves, cap * CUSTOS_MERKLE_HASH_SIZE);
        if (p == NULL)
            return CUSTOS_E_NOMEM;
        m->leaves = p;
        m->cap = cap;
    }
    memcpy(m->leaves[m->n++], hash, CUSTOS_MERKLE_HASH_SIZE);
    return CUSTOS_OK;
}

int
custos_merkle_append_leaf(struct custos_merkle *m, const void *leaf, size_t len)
{
    uint8_t h[CUSTOS_MERKLE_HASH_SIZE];
    custos_merkle_leaf_hash(leaf, len, h);
    return custos_merkle_append_hash(m, h);
}

uint64_t
custos_merkle_size(const struct custos_merkle *m)
{
    return m->n;
}

void
custos_merkle_truncate(struct custos_merkle *m, uint64_t n)
{
    if (n < m->n)
        m->n = n;
}

/* The largest power of two strictly below n (n >= 2). */
static uint64_t
split(uint64_t n)
{
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

/* MTH(D[lo:hi]), hi > lo. */
static void
mth(const struct custos_merkle *m, uint64_t lo, uint64_t hi, uint8_t out[CUSTOS_MERKLE_HASH_SIZE])
{
    if (hi - lo == 1) {
        memcpy(out, m->leaves[lo], CUSTOS_MERKLE_HASH_SIZE);
        return;
    }
    uint64_t k = split(hi - lo);
    uint8_t l[CUSTOS_MERKLE_HASH_SIZE], r[CUSTOS_MERKLE_HASH_SIZE];
    mth(m, lo, lo + k, l);
    mth(m, lo + k, hi, r);
    custos_merkle_node_hash(l, r, out);
}

int
custos_merkle_root(const struct custos_merkle *m, uint64_t n, uint8_t root[CUSTOS_MERKLE_HASH_SIZE])
{
    if (n > m->n)
        return CUSTOS_E_USAGE;
    if (n == 0)
        EVP_Digest("", 0, root, NULL, EVP_sha256(), NULL);
    else
        mth(m, 0, n, root);
    return CUSTOS_OK;
}

/* PATH(idx, D[lo:hi]) appended to path. */
static void
inclusion(const struct custos_merkle *m, uint64_t idx, uint64_t lo, uint64_t hi,
          uint8_t path[][CUSTOS_MERKLE_HASH_SIZE], size_t *len)
{
    if (hi - lo <= 1)
        return;
    uint64_t k = split(hi - lo);
    if (idx < k) {
        inclusion(m, idx, lo, lo + k, path, len);
        mth(m, lo + k, hi, path[(*len)++]);
    } else {
        inclusion(m, idx - k, lo + k, hi, path, len);
        mth(m, lo, lo + k, path[(*len)++]);
    }
}

int
custos_merkle_inclusion(const struct custos_merkle *m, uint64_t index, uint64_t n,
                        uint8_t path[][CUSTOS_MERKLE_HASH_SIZE], size_t *len)
{
    *len = 0;
    if (index >= n || n > m->n)
        return CUSTOS_E_USAGE;
    inclusion(m, index, 0, n, path, len);
    return CUSTOS_OK;
}

/* SUBPROOF(mm, D[lo:hi], b) appended to path. */
static void
subproof(const struct custos_merkle *m, uint64_t mm, uint64_t lo, uint64_t hi, int b,
         uint8_t path[][CUSTOS_MERKLE_HASH_SIZE], size_t *len)
{
    uint64_t n = hi - lo;
    if (mm == n) {
        if (!b)
            mth(m, lo, hi, path[(*len)++]);
        return;
    }
    uint64_t k = split(n);
    if (mm <= k) {
        subproof(m, mm, lo, lo + k, b, path, len);
        mth(m, lo + k, hi, path[(*len)++]);
    } else {
        subproof(m, mm - k, lo + k, hi, 0, path, len);
        mth(m, lo, lo + k, path[(*len)++]);
    }
}

int
custos_merkle_consistency(const struct custos_merkle *m, uint64_t old_n, uint64_t new_n,
                          uint8_t path[][CUSTOS_MERKLE_HASH_SIZE], size_t *len)
{
    *len = 0;
    if (old_n == 0 || old_n > new_n || new_n > m->n)
        return CUSTOS_E_USAGE;
    subproof(m, old_n, 0, new_n, 1, path, len);
    return CUSTOS_OK;
}

int
custos_merkle_verify_inclusion(const uint8_t leaf_hash[CUSTOS_MERKLE_HASH_SIZE], uint64_t index,
                               uint64_t n, const uint8_t path[][CUSTOS_MERKLE_HASH_SIZE],
                               size_t len, const uint8_t root[CUSTOS_MERKLE_HASH_SIZE],
                               struct custos_error *err)
{
    if (index >= n)
        return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                                "inclusion proof: index %" PRIu64 " outside a tree of %" PRIu64,
                                index, n);
    uint64_t fn = index, sn = n - 1;
    uint8_t r[CUSTOS_MERKLE_HASH_SIZE];
    memcpy(r, leaf_hash, sizeof(r));
    for (size_t i = 0; i < len; i++) {
        if (sn == 0)
            return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                                    "inclusion proof: too many hashes");
        if ((fn & 1) || fn == sn) {
            custos_merkle_node_hash(path[i], r, r);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            custos_merkle_node_hash(r, path[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || memcmp(r, root, sizeof(r)) != 0)
        return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                                "inclusion proof does not lead to the root");
    return CUSTOS_OK;
}

int
custos_merkle_verify_consistency(uint64_t old_n, uint64_t new_n,
                                 const uint8_t old_root[CUSTOS_MERKLE_HASH_SIZE],
                                 const uint8_t new_root[CUSTOS_MERKLE_HASH_SIZE],
                                 const uint8_t path[][CUSTOS_MERKLE_HASH_SIZE], size_t len,
                                 struct custos_error *err)
{
    const size_t hs = CUSTOS_MERKLE_HASH_SIZE;
    if (old_n > new_n)
        return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                                "consistency proof: old size exceeds new size");
    if (old_n == new_n) {
        if (len == 0 && memcmp(old_root, new_root, hs) == 0)
            return CUSTOS_OK;
        return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                                "same size, different roots: a fork");
    }
    if (old_n == 0)
        return len == 0 ? CUSTOS_OK
                        : custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                                           "consistency proof from the empty tree must be empty");
    if (len == 0 || len > CUSTOS_MERKLE_PROOF_MAX)
        return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                                "consistency proof has a wrong length");
    /* Step 2: a power-of-two old tree is its own first proof element. */
    const uint8_t *first = path[0];
    size_t start = 1;
    if ((old_n & (old_n - 1)) == 0) {
        first = old_root;
        start = 0;
    }
    uint64_t fn = old_n - 1, sn = new_n - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    uint8_t fr[CUSTOS_MERKLE_HASH_SIZE], sr[CUSTOS_MERKLE_HASH_SIZE];
    memcpy(fr, first, hs);
    memcpy(sr, first, hs);
    for (size_t i = start; i < len; i++) {
        if (sn == 0)
            return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                                    "consistency proof: too many hashes");
        if ((fn & 1) || fn == sn) {
            custos_merkle_node_hash(path[i], fr, fr);
            custos_merkle_node_hash(path[i], sr, sr);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            custos_merkle_node_hash(sr, path[i], sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || memcmp(fr, old_root, hs) != 0 || memcmp(sr, new_root, hs) != 0)
        return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                                "consistency proof does not hold: the %" PRIu64
                                "-entry tree is not a prefix of the %" PRIu64 "-entry tree",
                                old_n, new_n);
    return CUSTOS_OK;
}

/* ---- the compact range (merkle_private.h) ---- */

void
custos__merkle_compact_init(struct custos__merkle_compact *c)
{
    c->n = 0;
    c->len = 0;
}

void
custos__merkle_compact_append(struct custos__merkle_compact *c,
                              const uint8_t hash[CUSTOS_MERKLE_HASH_SIZE])
{
    memcpy(c->node[c->len++], hash, CUSTOS_MERKLE_HASH_SIZE);
    /* Each trailing 1 bit of the old size is a subtree as large as the new one: merge. */
    for (uint64_t k = c->n; k & 1; k >>= 1) {
        c->len--;
        custos_merkle_node_hash(c->node[c->len - 1], c->node[c->len], c->node[c->len - 1]);
    }
    c->n++;
}

void
custos__merkle_compact_root(const struct custos__merkle_compact *c,
                            uint8_t root[CUSTOS_MERKLE_HASH_SIZE])
{
    if (c->len == 0) {
        EVP_Digest("", 0, root, NULL, EVP_sha256(), NULL);
        return;
    }
    memcpy(root, c->node[c->len - 1], CUSTOS_MERKLE_HASH_SIZE);
    for (size_t i = c->len - 1; i-- > 0;)
        custos_merkle_node_hash(c->node[i], root, root);
}
