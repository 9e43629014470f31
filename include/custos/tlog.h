/* SPDX-License-Identifier: ISC */
/*
 * tlog.h: transparency logs in the C2SP tlog-tiles layout.
 *
 * A log is a directory (served as it is by any web server): `checkpoint`, a
 * C2SP signed note naming the tree size and root, and static tiles under
 * `tile/`: level L tile N holds up to 256 hashes of the complete subtrees of
 * height 8*L (`tile/L/N`, or `tile/L/N.p/W` while only W are known), and
 * `tile/entries/N` holds the entries themselves, each a big-endian 16-bit
 * length and the bytes. Hashes are RFC 6962's (merkle.h). Tiles are never
 * rewritten: a publisher writes new tiles, then replaces the checkpoint, so
 * a reader never sees a checkpoint whose tiles are not all there.
 *
 * The reader reads only the tiles a question needs (the right edge of the
 * tree and one path), and checks every hash it uses against the signed
 * root before answering. docs/formats/transparency.md specifies the layout
 * and what custos publishes.
 */
#ifndef CUSTOS_TLOG_H
#define CUSTOS_TLOG_H

#include <stddef.h>
#include <stdint.h>

#include "custos/custos.h"
#include "custos/error.h"
#include "custos/key.h"
#include "custos/checkpoint.h"
#include "custos/merkle.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CUSTOS_TLOG_TILE_WIDTH 256   /* hashes in a full tile */
#define CUSTOS_TLOG_ENTRY_MAX  65535 /* bytes in one entry (16-bit length) */

#define CUSTOS_TLOG_KEY_ED25519 0x01 /* a log's key: signs checkpoints */
#define CUSTOS_TLOG_KEY_COSIG   0x04 /* a witness's key: tlog-cosignature/v1 */

/* A note verifier key: "NAME+KEYHASH+BASE64(TYPE || Ed25519 public key)". */
struct custos_tlog_vkey {
    char name[256]; /* the key name: a log's origin, or a witness's name */
    uint8_t type;   /* CUSTOS_TLOG_KEY_ED25519 or CUSTOS_TLOG_KEY_COSIG */
    uint8_t id[4];  /* SHA-256(name || "\n" || type || pub)[:4] */
    uint8_t pub[32];
};

/*
 * Parses a verifier key string of type 0x01 (a log) or 0x04 (a witness).
 * The key hash in the string must be the one computed from name and key.
 * Returns: CUSTOS_OK; CUSTOS_E_CORRUPT (malformed, another type, wrong hash).
 */
CUSTOS_API int custos_tlog_vkey_parse(const char *text, struct custos_tlog_vkey *v,
                                      struct custos_error *err);

/* The verifier key of key under name (e.g. the origin) into out (at least 400 bytes). */
CUSTOS_API void custos_tlog_vkey_format(const struct custos_key *key, const char *name, char *out,
                                        size_t size);

/*
 * Checks that cp carries a valid signature by v (matched by name and key
 * ID; other lines are ignored, as C2SP asks).
 * Returns: CUSTOS_OK; CUSTOS_E_UNTRUSTED (no line by v, or one that fails).
 */
CUSTOS_API int custos_tlog_note_verify(const struct custos_checkpoint *cp,
                                       const struct custos_tlog_vkey *v, struct custos_error *err);

/* A log opened for reading. */
struct custos_tlog;

/*
 * Opens the log in directory or at URL dir (custos_tlog_fetch): reads `checkpoint`, requires a
 * valid signature by v and the given origin (NULL: v's name), and checks the root against the
 * tiles. Returns: CUSTOS_OK; CUSTOS_E_UNTRUSTED (signature, origin, or tiles that do not give the
 * signed root); CUSTOS_E_CORRUPT (a malformed checkpoint or tile); CUSTOS_E_IO (a missing file);
 * CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_tlog_open(struct custos_tlog **out, const char *dir, const char *origin,
                                const struct custos_tlog_vkey *v, struct custos_error *err);

/* The verified checkpoint the log was opened at. */
CUSTOS_API const struct custos_checkpoint *custos_tlog_checkpoint(const struct custos_tlog *t);

/*
 * Reads entry index into a new buffer *data (free() it) of *len bytes,
 * after checking its leaf hash against the level-0 tile, and the inclusion
 * proof of that hash (into proof, *nproof hashes, at most 64) against the
 * signed root.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE (index past the size);
 * CUSTOS_E_UNTRUSTED (the entry or a tile does not match the root);
 * CUSTOS_E_CORRUPT; CUSTOS_E_IO; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_tlog_entry(struct custos_tlog *t, uint64_t index, uint8_t **data, size_t *len,
                                 uint8_t proof[][CUSTOS_MERKLE_HASH_SIZE], size_t *nproof);

/*
 * Checks that the log at its checkpoint extends an earlier checkpoint of
 * the same origin (old_size, old_root): a consistency proof from the tiles,
 * verified. A log smaller than old_size, or one whose first old_size
 * entries give another root, is a fork.
 * Returns: CUSTOS_OK; CUSTOS_E_UNTRUSTED (a fork or a rollback);
 * CUSTOS_E_CORRUPT; CUSTOS_E_IO; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_tlog_consistent(struct custos_tlog *t, uint64_t old_size,
                                      const uint8_t old_root[CUSTOS_MERKLE_HASH_SIZE]);

/*
 * The consistency proof (RFC 9162 2.1.4) from old_size (0 < old_size <=
 * size) to the log's checkpoint, from the tiles, into proof (*n hashes, at
 * most 64).
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE; CUSTOS_E_CORRUPT; CUSTOS_E_IO.
 */
CUSTOS_API int custos_tlog_consistency_proof(struct custos_tlog *t, uint64_t old_size,
                                             uint8_t proof[][CUSTOS_MERKLE_HASH_SIZE], size_t *n);

/*
 * Checks for a tlog-cosignature/v1 line by witness w in cp: Ed25519 over
 * "cosignature/v1\ntime T\n" and the checkpoint text. *time receives T.
 * Returns: CUSTOS_OK; CUSTOS_E_UNTRUSTED (none, or one that fails).
 */
CUSTOS_API int custos_tlog_cosigned(const struct custos_checkpoint *cp,
                                    const struct custos_tlog_vkey *w, uint64_t *time,
                                    struct custos_error *err);

/*
 * Asks the witness at url (C2SP tlog-witness: POST url/add-checkpoint) to
 * cosign the log's checkpoint in directory dir, signed by logv: "old" is
 * first 0, then the size the witness answers with 409, with the
 * consistency proof from it. The cosignature must verify by w; it is then
 * added to the checkpoint file (replacing an older one by w), under the
 * log's lock, in one rename. *time receives its time.
 * Returns: CUSTOS_OK; CUSTOS_E_UNTRUSTED (the witness refused the proof
 * (422) or the signature (403), does not know the log (404), or answered
 * with a cosignature that does not verify); CUSTOS_E_IO (unreachable,
 * another HTTP status); CUSTOS_E_CORRUPT; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_tlog_witness(const char *dir, const struct custos_tlog_vkey *logv,
                                   const char *url, const struct custos_tlog_vkey *w,
                                   uint64_t *time, struct custos_error *err);

/* A hash in base64 (44 characters and a NUL), as checkpoints and proofs print it. */
CUSTOS_API void custos_tlog_hash_base64(const uint8_t h[CUSTOS_MERKLE_HASH_SIZE], char out[48]);

/* Bytes of tiles and entry bundles read (or fetched) since t was opened. */
CUSTOS_API uint64_t custos_tlog_bytes_read(const struct custos_tlog *t);

/* The error of the last call on t. */
CUSTOS_API const struct custos_error *custos_tlog_error(const struct custos_tlog *t);

/* Releases t; NULL is allowed. */
CUSTOS_API void custos_tlog_free(struct custos_tlog *t);

/*
 * Appends n entries to the log in directory dir (created with an empty
 * tree if it holds no checkpoint), under an exclusive lock
 * (dir/.custos-tlog.lock), signed by key as origin: new tiles and entry
 * bundles are written and synced first, then the checkpoint is replaced in
 * one rename. The existing log must verify by key first. *first receives
 * the index of the first new entry; *note, when not NULL, the new signed
 * checkpoint (free() it).
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE (an entry over 65535 bytes, a
 * public-only key, a bad origin); CUSTOS_E_UNTRUSTED (the existing log does
 * not verify by key); CUSTOS_E_IO; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_tlog_append(const char *dir, const char *origin, const struct custos_key *key,
                                  const uint8_t *const *entries, const size_t *lens, size_t n,
                                  uint64_t *first, char **note, struct custos_error *err);

/*
 * Reads rel (e.g. "checkpoint", a tile path) of the log at log, a directory
 * or an http:// or https:// URL (no redirects), into a new NUL-terminated
 * buffer *out of *len bytes (free() it); at most max bytes.
 * Returns: CUSTOS_OK; CUSTOS_E_IO (missing: sys_errno ENOENT; unreachable;
 * any HTTP status but 200); CUSTOS_E_CORRUPT (over max); CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_tlog_fetch(const char *log, const char *rel, size_t max, uint8_t **out,
                                 size_t *len, struct custos_error *err);

/*
 * The path of tile (level, index) of width w (w < 256: a partial tile)
 * relative to the log directory, into out: "tile/L/x001/x234/067[.p/W]";
 * level -1 is the entry bundles ("tile/entries/...").
 */
CUSTOS_API void custos_tlog_tile_path(int level, uint64_t index, unsigned w, char *out,
                                      size_t size);

#ifdef __cplusplus
}
#endif

#endif
