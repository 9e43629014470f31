/* SPDX-License-Identifier: ISC */
/*
 * merkle.h: RFC 9162 (RFC 6962) Merkle tree hashing and proofs (the signed
 * checkpoints over its roots are checkpoint.h).
 *
 * The tree is the Certificate Transparency one: a leaf hashes as
 * SHA-256(0x00 || leaf), a node as SHA-256(0x01 || left || right), the split
 * point of n leaves is the largest power of two below n, and the empty tree
 * hashes as SHA-256(""). A struct custos_merkle keeps the leaf hashes of a
 * log (32 bytes each) and answers roots, inclusion proofs (RFC 9162
 * §2.1.3) and consistency proofs (§2.1.4) for any prefix of it.
 *
 * Outline:
 *   1. custos_merkle_new(&m, &err); custos_merkle_append_leaf(m, line, len) for each entry
 *   2. custos_merkle_root(m, n, root); custos_merkle_inclusion(...); custos_merkle_consistency(...)
 *   3. custos_merkle_free(m)
 *
 * Format: docs/formats/ledger.md, sections "Merkle tree" and "Checkpoints".
 */
#ifndef CUSTOS_MERKLE_H
#define CUSTOS_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CUSTOS_MERKLE_HASH_SIZE 32 /* bytes, SHA-256 */
#define CUSTOS_MERKLE_PROOF_MAX 64 /* hashes; enough for 2^63 leaves */

struct custos_merkle;

/* Leaf hash SHA-256(0x00 || leaf) into out. */
CUSTOS_API void custos_merkle_leaf_hash(const void *leaf, size_t len,
                                        uint8_t out[CUSTOS_MERKLE_HASH_SIZE]);

/* Node hash SHA-256(0x01 || left || right) into out (out may alias either). */
CUSTOS_API void custos_merkle_node_hash(const uint8_t left[CUSTOS_MERKLE_HASH_SIZE],
                                        const uint8_t right[CUSTOS_MERKLE_HASH_SIZE],
                                        uint8_t out[CUSTOS_MERKLE_HASH_SIZE]);

/* Creates an empty tree. Returns: CUSTOS_OK or CUSTOS_E_NOMEM. */
CUSTOS_API int custos_merkle_new(struct custos_merkle **out, struct custos_error *err);

/* Releases m; NULL is allowed. */
CUSTOS_API void custos_merkle_free(struct custos_merkle *m);

/* Appends a leaf given by its bytes. Returns: CUSTOS_OK or CUSTOS_E_NOMEM. */
CUSTOS_API int custos_merkle_append_leaf(struct custos_merkle *m, const void *leaf, size_t len);

/* Appends a leaf given by its leaf hash. Returns: CUSTOS_OK or CUSTOS_E_NOMEM. */
CUSTOS_API int custos_merkle_append_hash(struct custos_merkle *m,
                                         const uint8_t hash[CUSTOS_MERKLE_HASH_SIZE]);

/* The number of leaves. */
CUSTOS_API uint64_t custos_merkle_size(const struct custos_merkle *m);

/* Drops every leaf after the first n (n <= size). */
CUSTOS_API void custos_merkle_truncate(struct custos_merkle *m, uint64_t n);

/*
 * The root of the first n leaves into root (n = 0 gives SHA-256("")).
 * Returns: CUSTOS_OK, or CUSTOS_E_USAGE when n > size.
 */
CUSTOS_API int custos_merkle_root(const struct custos_merkle *m, uint64_t n,
                                  uint8_t root[CUSTOS_MERKLE_HASH_SIZE]);

/*
 * The inclusion proof of leaf index in the tree of the first n leaves:
 * *len hashes into path (CUSTOS_MERKLE_PROOF_MAX slots), leaf's sibling first.
 * Returns: CUSTOS_OK, or CUSTOS_E_USAGE when index >= n or n > size.
 */
CUSTOS_API int custos_merkle_inclusion(const struct custos_merkle *m, uint64_t index, uint64_t n,
                                       uint8_t path[][CUSTOS_MERKLE_HASH_SIZE], size_t *len);

/*
 * The consistency proof between the trees of the first old_n and new_n
 * leaves (RFC 9162 §2.1.4.1), *len hashes into path.
 * Returns: CUSTOS_OK, or CUSTOS_E_USAGE unless 0 < old_n <= new_n <= size.
 */
CUSTOS_API int custos_merkle_consistency(const struct custos_merkle *m, uint64_t old_n,
                                         uint64_t new_n, uint8_t path[][CUSTOS_MERKLE_HASH_SIZE],
                                         size_t *len);

/*
 * Checks an inclusion proof (RFC 9162 §2.1.3.2) of leaf_hash at index in a
 * tree of n leaves with the given root.
 * Returns: CUSTOS_OK, or CUSTOS_E_UNTRUSTED when it does not hold.
 */
CUSTOS_API int custos_merkle_verify_inclusion(const uint8_t leaf_hash[CUSTOS_MERKLE_HASH_SIZE],
                                              uint64_t index, uint64_t n,
                                              const uint8_t path[][CUSTOS_MERKLE_HASH_SIZE],
                                              size_t len,
                                              const uint8_t root[CUSTOS_MERKLE_HASH_SIZE],
                                              struct custos_error *err);

/*
 * Checks a consistency proof (RFC 9162 §2.1.4.2) that the tree of old_n
 * leaves with old_root is a prefix of the tree of new_n leaves with new_root.
 * Returns: CUSTOS_OK, or CUSTOS_E_UNTRUSTED when it does not hold.
 */
CUSTOS_API int custos_merkle_verify_consistency(uint64_t old_n, uint64_t new_n,
                                                const uint8_t old_root[CUSTOS_MERKLE_HASH_SIZE],
                                                const uint8_t new_root[CUSTOS_MERKLE_HASH_SIZE],
                                                const uint8_t path[][CUSTOS_MERKLE_HASH_SIZE],
                                                size_t len, struct custos_error *err);

#ifdef __cplusplus
}
#endif

#endif
