/* SPDX-License-Identifier: ISC */
/*
 * checkpoint.h: C2SP signed-note checkpoints over a Merkle tree (merkle.h).
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
 *   1. custos_checkpoint_sign(origin, n, root, key, &note, &err)
 *   2. custos_checkpoint_parse(note, len, &cp, &err)
 *   3. custos_checkpoint_verify_key(&cp, key, &found, &time, &err) for each trusted key
 *   4. custos_checkpoint_cosign(&cp, witness, time, &note2, &err) (a witness)
 *   5. custos_checkpoint_clear(&cp)
 *
 * Format: docs/formats/ledger.md, section "Checkpoints".
 */
#ifndef CUSTOS_CHECKPOINT_H
#define CUSTOS_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"
#include "key.h"
#include "merkle.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The name under which a key signs checkpoints: prefix + first 16 hex digits of the fingerprint. */
#define CUSTOS_NOTE_KEY_PREFIX   "custos.invalid/key/"
#define CUSTOS_NOTE_TYPE_ED25519 0x01
#define CUSTOS_NOTE_TYPE_COSIG   0x04
#define CUSTOS_NOTE_COSIG_HEADER "cosignature/v1\n"
#define CUSTOS_NOTE_DASH         "\xe2\x80\x94" /* U+2014 EM DASH */
#define CUSTOS_NOTE_SIGS_MAX     16
#define CUSTOS_NOTE_MAX          8192 /* bytes of a checkpoint file */

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
