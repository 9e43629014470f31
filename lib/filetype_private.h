/* SPDX-License-Identifier: ISC */
/*
 * filetype_private.h: a file's type from its content, through libmagic.
 *
 * A libmagic cookie is not safe to share between threads, so each worker
 * owns one struct custos__filetype. Both the MIME type and the description
 * are given, from the same bytes; the MIME type costs a second libmagic call
 * only when the description does not imply it (filetype.c).
 */
#ifndef CUSTOS_FILETYPE_PRIVATE_H
#define CUSTOS_FILETYPE_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "filetype_private.h is internal to libcustos"
#endif

#include <stddef.h>

#include "custos/error.h"

struct custos__filetype;

/* Loads the system magic database. Returns CUSTOS_OK or CUSTOS_E_IO/NOMEM. */
int custos__filetype_new(struct custos__filetype **out, struct custos_error *err);

/* NULL allowed. */
void custos__filetype_free(struct custos__filetype *t);

/*
 * Classifies len bytes (the start of a file). *mime and *desc are new
 * strings (free them), or NULL when libmagic gave nothing. Without the file
 * itself, libmagic skips the tests that read from the file's end and its
 * ELF reader: prefer custos__filetype_fd when there is a file.
 */
void custos__filetype_buffer(struct custos__filetype *t, const void *buf, size_t len, char **mime,
                             char **desc);

/*
 * Classifies the open regular file fd as file(1) does: libmagic reads the
 * start itself (its own limit, 7 MiB in 5.44) and may read more of the file
 * (tests relative to its end, ELF headers). The offset of fd is left at 0.
 * Same results as custos__filetype_buffer otherwise.
 */
void custos__filetype_fd(struct custos__filetype *t, int fd, char **mime, char **desc);

/*
 * The MIME type libmagic gives for content it described as desc, when the
 * description alone implies it ("data", "empty", plain text); else NULL.
 */
const char *custos__filetype_mime_of(const char *desc);

/*
 * filetype_queue.c: typing on worker threads for a caller that reads on
 * one thread (a file system walk). The caller queues each file's first
 * bytes under an id of its choosing and gets the types back, through
 * apply, on its own thread only: during later puts and in finish.
 */
struct custos__typeq;

/* Called on the caller's thread with a queued id and its new strings (either
 * may be NULL), which apply takes over. Non-zero stops the queue's handing
 * back; put and finish then return that value. */
typedef int (*custos__typeq_apply_fn)(void *ctx, size_t id, char *mime, char *desc);

/* Starts threads workers (0: one per processor), each with its own libmagic.
 * Returns CUSTOS_OK, or CUSTOS_E_IO/NOMEM with err set. */
int custos__typeq_new(struct custos__typeq **out, unsigned threads, struct custos_error *err);

/* Queues len bytes at buf (malloc'd, taken over even on failure; NULL when
 * len is 0) to be typed as id; first hands back what is typed, and blocks
 * while too much waits. Returns 0, CUSTOS_E_NOMEM, or apply's value. */
int custos__typeq_put(struct custos__typeq *q, size_t id, unsigned char *buf, size_t len,
                      custos__typeq_apply_fn apply, void *ctx);

/* Waits until everything queued is typed and handed back. Returns 0 or apply's value. */
int custos__typeq_finish(struct custos__typeq *q, custos__typeq_apply_fn apply, void *ctx);

/* Stops the workers (what is still queued is dropped) and frees q. NULL allowed. */
void custos__typeq_free(struct custos__typeq *q);

#endif
