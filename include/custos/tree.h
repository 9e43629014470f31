/* SPDX-License-Identifier: ISC */
/*
 * tree.h: hashing every file under some paths into a manifest.
 *
 * The walk never follows a symbolic link (a link is recorded with its
 * target, the operands included), never opens a fifo, socket or device
 * (they are listed as special and skipped), and never crosses into a
 * directory it is already inside (a bind-mount loop). Regular files are
 * hashed on a pool of threads, each file streamed through a 1 MiB buffer, so
 * memory stays bounded whatever the file sizes. The entries are sorted by
 * path bytes, so the output does not depend on scheduling.
 *
 * A file or directory that cannot be read is recorded with its error and
 * makes the run end with CUSTOS_E_INCOMPLETE; it is never skipped silently.
 * Files are opened with O_NOATIME where the kernel allows it, so hashing
 * does not change their access times.
 *
 * Outline:
 *   1. custos_manifest_new(&m, algs, &err)
 *   2. custos_tree_hash(m, paths, n, &opts, &progress, &err)
 *   3. custos_manifest_save(m, ...)
 */
#ifndef CUSTOS_TREE_H
#define CUSTOS_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "export.h"
#include "manifest.h"
#include "progress.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The size of the read buffer of each hashing thread. */
#define CUSTOS_TREE_BUFFER_BYTES (1024 * 1024)

/* Options shared by custos_tree_hash and custos_fs_hash; zero means defaults. */
struct custos_hash_options {
    unsigned jobs; /* hashing threads; 0: one per online processor */
    bool no_types; /* true: skip the libmagic content type */
};

/*
 * Hashes every file under the npaths paths with the manifest's algorithms
 * and adds one entry per file, symlink, special file and unreadable
 * directory, then sorts the manifest. Paths are recorded as reached from the
 * operands (operand "dir/" gives "dir/a"); an operand named twice, or inside
 * another, is recorded once. opts and progress may be NULL.
 * Returns: CUSTOS_OK; CUSTOS_E_INCOMPLETE when some file or directory could
 * not be read (each such entry has status and error set; err names the
 * first); CUSTOS_E_INTERRUPTED when progress->cancelled answered;
 * CUSTOS_E_IO when the magic database cannot be loaded or a thread cannot be
 * started; CUSTOS_E_NOMEM. After INTERRUPTED, IO or NOMEM the manifest's
 * content is unspecified and must not be published.
 */
CUSTOS_API int custos_tree_hash(struct custos_manifest *m, const char *const *paths, size_t npaths,
                                const struct custos_hash_options *opts,
                                const struct custos_progress *progress, struct custos_error *err);

/*
 * Checks, before anything is hashed, that each of the npaths operands
 * exists (lstat; a dangling symbolic link exists). An operand that does not
 * would otherwise be recorded as an unreadable entry of a manifest that
 * names nothing it could hash: a typo must not become evidence.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE naming the first operand that does not
 * exist (ENOENT, ENOTDIR) in err. An operand that exists but cannot be read
 * is not refused here: custos_tree_hash records it (CUSTOS_E_INCOMPLETE).
 */
CUSTOS_API int custos_tree_check_operands(const char *const *paths, size_t npaths,
                                          struct custos_error *err);

/*
 * What custos-hash hashes: the files inside the file systems of image when
 * image is not NULL (custos_fs_hash), else the files under the npaths paths
 * (custos_tree_hash); the source (kind and names) is recorded in m first.
 * Returns what the call it makes returns.
 */
CUSTOS_API int custos_manifest_hash_source(struct custos_manifest *m, const char *image,
                                           const char *const *paths, size_t npaths,
                                           const struct custos_hash_options *opts,
                                           const struct custos_progress *progress,
                                           struct custos_error *err);

#ifdef __cplusplus
}
#endif

#endif
