/* SPDX-License-Identifier: ISC */
/*
 * atomicfile.h: writing one output file so that it appears whole or not at all.
 *
 * Every file custos writes goes through here or through staging.h. The file
 * is written under a temporary name in the same directory
 * (".NAME.incomplete-XXXXXX", so a leftover after a crash can never be taken
 * for a finished output), then published by custos_atomicfile_close(): fsync
 * the file, rename it to NAME without replacing anything, fsync the
 * directory. An existing NAME is refused at create and again at rename.
 *
 * Outline:
 *   1. custos_atomicfile_create(&f, "record.json", 0644, &err)
 *   2. custos_atomicfile_write(f, buf, len) as often as needed
 *   3. custos_atomicfile_close(f): publishes; or skip it to abandon
 *   4. custos_atomicfile_free(f): removes the temporary file if unpublished
 */
#ifndef CUSTOS_ATOMICFILE_H
#define CUSTOS_ATOMICFILE_H

#include <stddef.h>

#include "error.h"
#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The infix of temporary names: ".NAME" CUSTOS_INCOMPLETE_INFIX "XXXXXX". */
#define CUSTOS_INCOMPLETE_INFIX ".incomplete-"

/*
 * Flag or-ed into the mode of custos_atomicfile_create: publishing replaces
 * an existing path (rename(2)) instead of refusing it. Only for an output
 * that supersedes its own input: cosigning rewrites its package archive.
 */
#define CUSTOS_ATOMICFILE_REPLACE 0x10000u

struct custos_atomicfile;

/*
 * Starts a new output that will be published as path, with permission bits
 * mode (0600 for secrets; or-ed with CUSTOS_ATOMICFILE_REPLACE, see above).
 * path is copied.
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED when path exists (even as a dangling
 * symlink); CUSTOS_E_IO when the temporary file cannot be created;
 * CUSTOS_E_NOMEM. On failure nothing is left on disk and *out is NULL, and
 * err says why.
 */
CUSTOS_API int custos_atomicfile_create(struct custos_atomicfile **out, const char *path,
                                        unsigned mode, struct custos_error *err);

/*
 * Appends len bytes. After a failure the handle is dead: every later call
 * returns the same error and only _free works.
 * Returns: CUSTOS_OK; CUSTOS_E_IO (disk full, I/O error); CUSTOS_E_USAGE
 * after close.
 */
CUSTOS_API int custos_atomicfile_write(struct custos_atomicfile *f, const void *buf, size_t len);

/* The descriptor of the temporary file, for callers that write with pwrite. */
CUSTOS_API int custos_atomicfile_fd(const struct custos_atomicfile *f);

/* The final path given to _create. */
CUSTOS_API const char *custos_atomicfile_path(const struct custos_atomicfile *f);

/*
 * Publishes the file: fsync, rename to the final path without replacing,
 * fsync the directory.
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED when the final path appeared
 * meanwhile; CUSTOS_E_IO. On failure the temporary file remains until _free,
 * which removes it; nothing is published.
 */
CUSTOS_API int custos_atomicfile_close(struct custos_atomicfile *f);

/* Releases f; an unpublished temporary file is removed. NULL is allowed. */
CUSTOS_API void custos_atomicfile_free(struct custos_atomicfile *f);

/* The handle's last error; valid until the next call on f. */
CUSTOS_API const struct custos_error *custos_atomicfile_error(const struct custos_atomicfile *f);

/*
 * Writes len bytes as a new file at path in one call (create, write, close,
 * free).
 * Returns: as custos_atomicfile_create and _close; on failure nothing is
 * published.
 */
CUSTOS_API int custos_write_file_new(const char *path, const void *buf, size_t len, unsigned mode,
                                     struct custos_error *err);

#ifdef __cplusplus
}
#endif

#endif
