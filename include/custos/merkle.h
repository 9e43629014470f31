/* SPDX-License-Identifier: ISC */
/*
 * merkle.h: RFC 9162 (RFC 6962) Merkle tree hashing and proofs, and C2SP
 * signed-note checkpoints.
 *
 * The tree is the Certificate Transparency one: a leaf hashes as
 * SHA-256(0x00 || leaf), a node as SHA-256(0x01 || left || right), the split
 * point of n leaves is the largest power of two below n, and the empty tree
 * hashes as SHA-256(""). A struct custos_merkle keeps the leaf hashes of a
 * log (32 bytes each) and answers roots, inclusion proofs (RFC 9162
 * §2.1.3) and consistency proofs (§2.1.4) for any prefix of it.
 *
 * A checkpoint (C2SP tlog-checkpoint) is a signed note whose text is three
 * lines: origin, tree size in decimal, base64 root hash. Signature lines
 * follow a blank line: "— NAME BASE64", where the em dash is U+2014 and the
 * base64 holds a 4-byte key ID and the signature. Type 0x01 is an Ed25519
 * signature over the text; type 0x04 is a C2SP tlog-cosignature/v1 over
 * "cosignature/v1\ntime T\n" || text, with an 8-byte big-endian time before
 * the signature. Key ID = SHA-256(NAME || 0x0A || type || raw public key)[:4].
 *
 * Outline:
 *   1. custos_merkle_new(&m, &err); custos_merkle_append_leaf(m, line, len) for each entry
 *   2. custos_merkle_root(m, n, root); custos_merkle_inclusion(...); custos_merkle_consistency(...)
 *   3. custos_checkpoint_sign(origin, n, root, key, &note, &err)
 *   4. custos_checkpoint_parse(note, len, &cp, &err); custos_checkpoint_verify_key(&cp, key, &err)
 *   5. custos_merkle_free(m); custos_checkpoint_clear(&cp)
 *
 * Format: docs/formats/ledger.md, sections "Merkle tree" and "Checkpoints".
 */
#ifndef CUSTOS_MERKLE_H
#define CUSTOS_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"
#include "key.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CUSTOS_MERKLE_HASH_SIZE 32 /* bytes, SHA-256 */
#define CUSTOS_MERKLE_PROOF_MAX 64 /* hashes; enough for 2^63 leaves */

/* The name under which a key signs checkpoints: prefix + first 16 hex digits of the fingerprint. */
#define CUSTOS_NOTE_KEY_PREFIX   "custos.invalid/key/"
#define CUSTOS_NOTE_TYPE_ED25519 0x01
#define CUSTOS_NOTE_TYPE_COSIG   0x04
#define CUSTOS_NOTE_COSIG_HEADER "cosignature/v1\n"
#define CUSTOS_NOTE_DASH         "\xe2\x80\x94" /* U+2014 EM DASH */
#define CUSTOS_NOTE_SIGS_MAX     16
#define CUSTOS_NOTE_MAX          8192 /* bytes of a checkpoint file */

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

/* One signature line of a note. */
struct custos_note_sig {
    char name[128];    /* the key name, e.g. custos.invalid/key/0123456789abcdef */
    uint8_t blob[128]; /* key ID (4), [time (8)], signature (64) */
    size_t blob_len;   /* bytes in blob */
};

/* A parsed checkpoint. */
struct custos_checkpoint {
    char origin[256];                                  /* first line */
    uint64_t size;                                     /* tree size */
    uint8_t root[CUSTOS_MERKLE_HASH_SIZE];             /* root hash */
    char *text;                                        /* the signed text (three lines), owned */
    size_t text_len;                                   /* bytes of text */
    struct custos_note_sig sigs[CUSTOS_NOTE_SIGS_MAX]; /* signature lines, in order */
    size_t nsigs;                                      /* number of signature lines */
};

/* The checkpoint key name of key ("custos.invalid/key/" + 16 hex) into name (64 bytes). */
CUSTOS_API void custos_note_key_name(const struct custos_key *key, char name[64]);

/*
 * Writes a checkpoint for origin, size and root signed by key (type 0x01)
 * as a new string in *note (free() it).
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE for an origin with spaces, '+' or
 * control characters, or a public-only key; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_checkpoint_sign(const char *origin, uint64_t size,
                                      const uint8_t root[CUSTOS_MERKLE_HASH_SIZE],
                                      const struct custos_key *key, char **note,
                                      struct custos_error *err);

/*
 * Adds a tlog-cosignature/v1 line by key at unix time `time` to a parsed
 * checkpoint, and writes the whole note as a new string in *note.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE (public-only key, too many signatures);
 * CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_checkpoint_cosign(struct custos_checkpoint *cp, const struct custos_key *key,
                                        uint64_t time, char **note, struct custos_error *err);

/*
 * Parses a signed note holding a checkpoint. cp must be released with
 * custos_checkpoint_clear.
 * Returns: CUSTOS_OK; CUSTOS_E_CORRUPT naming the line that is malformed.
 */
CUSTOS_API int custos_checkpoint_parse(const char *note, size_t len, struct custos_checkpoint *cp,
                                       struct custos_error *err);

/*
 * Checks the signatures in cp that claim to be by key (by name and key ID).
 * *found receives how many such lines verified (a signature line of the
 * right name that fails is an error, unknown names are ignored); *cosig_time
 * receives the time of the last verified cosignature, or 0.
 * Returns: CUSTOS_OK; CUSTOS_E_UNTRUSTED when a line by key does not verify.
 */
CUSTOS_API int custos_checkpoint_verify_key(const struct custos_checkpoint *cp,
                                            const struct custos_key *key, int *found,
                                            uint64_t *cosig_time, struct custos_error *err);

/* Releases what cp owns; cp may be zeroed or parsed. */
CUSTOS_API void custos_checkpoint_clear(struct custos_checkpoint *cp);

#ifdef __cplusplus
}
#endif

#endif
