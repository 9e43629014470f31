/* SPDX-License-Identifier: ISC */
/*
 * merkle_private.h: the compact range of a Merkle tree (merkle.c), for
 * readers that stream a log once and need its root at a few sizes.
 *
 * A tree of n leaves is the perfect subtrees of its binary decomposition
 * (one per set bit of n, largest first); RFC 9162's MTH(D[0:n]) folds their
 * roots from the right. Appending a leaf pushes its hash and merges equal
 * subtrees, as a binary counter carries. The whole tree is then at most 64
 * hashes (2 KiB), whatever n: transparency-dev's compact.Range from 0.
 */
#ifndef CUSTOS_MERKLE_PRIVATE_H
#define CUSTOS_MERKLE_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "merkle_private.h is internal to libcustos"
#endif

#include <stdint.h>

#include "custos/merkle.h"

struct custos__merkle_compact {
    uint64_t n;                                /* leaves appended */
    size_t len;                                /* subtree roots in node: the set bits of n */
    uint8_t node[64][CUSTOS_MERKLE_HASH_SIZE]; /* their roots, largest (leftmost) first */
};

/* An empty range (n = 0). */
void custos__merkle_compact_init(struct custos__merkle_compact *c);

/* Appends the leaf whose leaf hash is hash. */
void custos__merkle_compact_append(struct custos__merkle_compact *c,
                                   const uint8_t hash[CUSTOS_MERKLE_HASH_SIZE]);

/* MTH(D[0:n]) of the leaves appended so far into root (SHA-256("") for none). */
void custos__merkle_compact_root(const struct custos__merkle_compact *c,
                                 uint8_t root[CUSTOS_MERKLE_HASH_SIZE]);

#endif
