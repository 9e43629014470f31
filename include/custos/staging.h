/* SPDX-License-Identifier: ISC */
/*
 * staging.h: publishing a set of output files together, or none of them.
 *
 * Some outputs are several files (an E01 set, a split raw image and its
 * acquisition record) and some are created by a library that names the files
 * itself (libewf writes NAME.E01, NAME.E02, ...). They are written into a
 * private staging directory beside the final place
 * (".custos.incomplete-XXXXXX", mode 0700), then moved out one by one with a
 * no-replace rename by custos_staging_publish(). If a rename fails part way,
 * the files already moved are moved back, so the set appears whole or not
 * at all.
 *
 * Outline:
 *   1. custos_staging_create(&s, "/evidence", &err)
 *   2. create files inside custos_staging_dir(s)
 *   3. custos_staging_add(s, "disk.E01", "/evidence/disk.E01") for each
 *   4. custos_staging_publish(s)
 *   5. custos_staging_free(s): removes the directory and anything unpublished
 */
#ifndef CUSTOS_STAGING_H
#define CUSTOS_STAGING_H

#include <stdio.h>

#include "error.h"
#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

struct custos_staging;

/*
 * Creates a staging directory inside dir (which must exist and be on the same
 * file system as every final path).
 * Returns: CUSTOS_OK; CUSTOS_E_IO when the directory cannot be made;
 * CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_staging_create(struct custos_staging **out, const char *dir,
                                     struct custos_error *err);

/* The staging directory's path; valid until _free. */
CUSTOS_API const char *custos_staging_dir(const struct custos_staging *s);

/*
 * Registers the staged file name (a plain name inside the staging directory)
 * to be published as final_path. Both strings are copied.
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED when final_path exists already;
 * CUSTOS_E_USAGE when name has a '/' or after publish; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_staging_add(struct custos_staging *s, const char *name,
                                  const char *final_path);

/*
 * fsyncs every registered file, renames each to its final path without
 * replacing anything, and fsyncs the target directories.
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED when a final path appeared
 * meanwhile; CUSTOS_E_IO. On failure no registered file is left at its
 * final path.
 */
CUSTOS_API int custos_staging_publish(struct custos_staging *s);

/* Removes the staging directory with everything still in it. NULL allowed. */
CUSTOS_API void custos_staging_free(struct custos_staging *s);

/* The handle's last error; valid until the next call on s. */
CUSTOS_API const struct custos_error *custos_staging_error(const struct custos_staging *s);

/*
 * Leftovers of interrupted runs. A run killed before it published (kill -9,
 * power loss) leaves its temporary output behind: a staging directory
 * ".custos.incomplete-XXXXXX" or a file "NAME.incomplete-XXXXXX" (see
 * atomicfile.h). custos never deletes them on its own: one may belong to a
 * run still going on in another process, and only the user knows.
 *
 * custos_leftovers_scan calls fn(path, age, arg) for each such entry directly
 * in dir, where age is seconds since it was last modified (0 when in the
 * future).
 * Returns: the number found (>= 0), or -1 when dir cannot be read (err set).
 */
typedef void (*custos_leftover_fn)(const char *path, long long age, void *arg);
CUSTOS_API int custos_leftovers_scan(const char *dir, custos_leftover_fn fn, void *arg,
                                     struct custos_error *err);

/*
 * For tools, before they write an output at out_path: prints one warning
 * line to f for each leftover in out_path's directory, naming it, its age
 * and how to remove it:
 *   PROG: DIR/.custos.incomplete-Ab12Cd: left by an interrupted run 3 h 5 min ago
 *   (or one still running); remove it with rm -r when no custos tool writes there
 * Prints nothing when the directory cannot be read. Returns the number found.
 */
CUSTOS_API int custos_leftovers_warn(const char *prog, const char *out_path, FILE *f);

#ifdef __cplusplus
}
#endif

#endif
