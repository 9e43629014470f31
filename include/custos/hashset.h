/* SPDX-License-Identifier: ISC */
/*
 * hashset.h: sets of known digests, to flag files as known (standard
 * operating-system files, say) or notable (files that matter to the case).
 *
 * A set is read from a file in one of three forms, recognised by content:
 *   - a custos manifest (JSON, docs/formats/manifest.md): every digest of
 *     every hashed entry;
 *   - a hashdeep file (first line CUSTOS_HASHDEEP_MAGIC): the columns its
 *     second line names;
 *   - a plain list: one digest per line, in lowercase or uppercase hex, of
 *     32 (MD5), 40 (SHA-1) or 64 (SHA-256) digits, optionally followed by
 *     white space and anything (so md5sum/sha1sum/sha256sum output works,
 *     with its leading backslash on escaped lines). Blank lines and lines
 *     starting with '#' are skipped.
 * Any other line is an error naming the file and line.
 *
 * Outline:
 *   1. custos_hashset_load(&s, "nsrl-subset.txt", &err)
 *   2. custos_hashset_contains(s, &entry->digest) for each file
 *   3. custos_hashset_free(s)
 */
#ifndef CUSTOS_HASHSET_H
#define CUSTOS_HASHSET_H

#include <stddef.h>

#include "digest.h"
#include "error.h"
#include "export.h"
#include "manifest.h"

#ifdef __cplusplus
extern "C" {
#endif

struct custos_hashset;

/*
 * Reads the set in path.
 * Returns: CUSTOS_OK; CUSTOS_E_IO when it cannot be read; CUSTOS_E_CORRUPT
 * for a line that is not a digest (err names the line); CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_hashset_load(struct custos_hashset **out, const char *path,
                                   struct custos_error *err);

/* Releases s; NULL is allowed. */
CUSTOS_API void custos_hashset_free(struct custos_hashset *s);

/* The algorithms the set holds digests for (CUSTOS_DIGEST_* bits). */
CUSTOS_API unsigned custos_hashset_algs(const struct custos_hashset *s);

/* The number of digests in the set (all algorithms). */
CUSTOS_API size_t custos_hashset_count(const struct custos_hashset *s);

/*
 * Returns 1 when any digest in r, for an algorithm the set holds, is in the
 * set; 0 otherwise.
 */
CUSTOS_API int custos_hashset_contains(const struct custos_hashset *s,
                                       const struct custos_digest_result *r);

/*
 * Flags every entry of m whose digest is in the hash set at path with flag
 * (CUSTOS_ENTRY_KNOWN or CUSTOS_ENTRY_NOTABLE, added to its flags).
 * Returns: CUSTOS_OK; what custos_hashset_load returns; CUSTOS_E_USAGE when
 * the set holds no digest of an algorithm m computes (it could flag nothing).
 */
CUSTOS_API int custos_hashset_flag_manifest(struct custos_manifest *m, const char *path,
                                            unsigned flag, struct custos_error *err);

#ifdef __cplusplus
}
#endif

#endif
