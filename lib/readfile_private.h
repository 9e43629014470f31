/* SPDX-License-Identifier: ISC */
/*
 * readfile_private.h: the one whole-file reader inside libcustos.
 *
 * Keys, signature files, statements, ledgers, bag tag files, certificates:
 * every small file custos reads whole goes through here, so every one is
 * read the same careful way:
 *   - opened with O_NOFOLLOW | O_CLOEXEC (a symbolic link as the last
 *     component is refused, ELOOP) and O_NONBLOCK (a FIFO cannot hang us);
 *   - fstat checked before st_mode is read, and only a regular file read;
 *   - refused above a size cap, before any allocation;
 *   - a file that shrank or grew between fstat and the end of the read is an
 *     error ("changed while read"), never a silently short buffer.
 * The buffer is NUL-terminated (the NUL is not counted in *len).
 */
#ifndef CUSTOS_READFILE_PRIVATE_H
#define CUSTOS_READFILE_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "readfile_private.h is internal to libcustos"
/*
 * The len bytes at bytes, the text of a file given in memory (name is how
 * messages call it), as a NUL-terminated copy in *text (the caller frees
 * it), so that it is parsed as a file read whole would be. CUSTOS_OK;
 * CUSTOS_E_CORRUPT when len is over max; CUSTOS_E_NOMEM.
 */
int custos__text_copy(const char *name, const void *bytes, size_t len, size_t max, char **text,
                      struct custos_error *err);

#endif

#include <stddef.h>

#include "custos/error.h"

/*
 * Reads the whole regular file path, of at most max bytes, into *buf (the
 * caller frees it) and its length into *len; *mode gets its permission bits
 * (st_mode & 07777) when mode is not NULL. *buf is NULL on failure.
 * Returns: CUSTOS_OK;
 *   CUSTOS_E_IO     it cannot be opened, stat'ed or read (err carries errno),
 *                   is not a regular file, or changed while read;
 *   CUSTOS_E_USAGE  it is a directory;
 *   CUSTOS_E_CORRUPT it is larger than max;
 *   CUSTOS_E_NOMEM.
 */
int custos__read_file(const char *path, size_t max, char **buf, size_t *len, unsigned *mode,
                      struct custos_error *err);

/* custos__read_file without the mode. */
int custos__read_small_file(const char *path, size_t max, char **buf, size_t *len,
                            struct custos_error *err);

/*
 * The len bytes at bytes, the text of a file given in memory (name is how
 * messages call it), as a NUL-terminated copy in *text (the caller frees
 * it), so that it is parsed as a file read whole would be. CUSTOS_OK;
 * CUSTOS_E_CORRUPT when len is over max; CUSTOS_E_NOMEM.
 */
int custos__text_copy(const char *name, const void *bytes, size_t len, size_t max, char **text,
                      struct custos_error *err);

#endif
