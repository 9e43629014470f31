/* SPDX-License-Identifier: ISC */
/*
 * error.h: status codes and the error record every libcustos call fills.
 *
 * Every function that can fail returns an int status: CUSTOS_OK (0) or one of
 * the CUSTOS_E_* codes below. The details go into a struct custos_error: the
 * saved errno, the file concerned and a one-line message that names the file
 * and the cause ("disk.E01: segment 3 of 4 missing"). Handles carry their own
 * error; functions without a handle take a struct custos_error * as their
 * last argument. The library never prints: the tool prints the message once,
 * prefixed with its own name, and exits with custos_exit_code(status).
 *
 * Outline:
 *   1. struct custos_error err; custos_error_clear(&err);
 *   2. if (custos_something(..., &err) != CUSTOS_OK) print err.message;
 *   3. return custos_exit_code(err.status);
 */
#ifndef CUSTOS_ERROR_H
#define CUSTOS_ERROR_H

#include <stdarg.h>

#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

enum custos_status {
    CUSTOS_OK = 0,        /* success */
    CUSTOS_E_USAGE,       /* a bad argument value, or a call in the wrong handle state */
    CUSTOS_E_MISMATCH,    /* the content differs from the reference */
    CUSTOS_E_INCOMPLETE,  /* some input could not be read; results hold for the rest */
    CUSTOS_E_UNTRUSTED,   /* a signature, key, timestamp, hash chain or role rule fails */
    CUSTOS_E_CORRUPT,     /* the input is not well-formed or is truncated */
    CUSTOS_E_UNSUPPORTED, /* a valid but unsupported variant */
    CUSTOS_E_REFUSED,     /* policy said no: output exists, not authorised, hostile input */
    CUSTOS_E_IO,          /* a system call failed */
    CUSTOS_E_NOMEM,       /* out of memory */
    CUSTOS_E_INTERRUPTED, /* a signal or the caller's cancel callback stopped the run */
    CUSTOS_E_PARTIAL,     /* of several outputs, some were published and some failed */
};

/* Process exit codes, the same for every tool (docs/exit-codes.md). */
enum custos_exit {
    CUSTOS_EXIT_OK = 0,
    CUSTOS_EXIT_MISMATCH = 1,
    CUSTOS_EXIT_USAGE = 2,
    CUSTOS_EXIT_INCOMPLETE = 3,
    CUSTOS_EXIT_UNTRUSTED = 4,
    CUSTOS_EXIT_CORRUPT = 5,
    CUSTOS_EXIT_REFUSED = 6,
    CUSTOS_EXIT_SYSTEM = 7,
    CUSTOS_EXIT_PARTIAL = 8,
    CUSTOS_EXIT_INTERRUPTED = 130,
};

#define CUSTOS_ERROR_PATH_MAX    4096 /* bytes, including the NUL */
#define CUSTOS_ERROR_MESSAGE_MAX 1024 /* bytes, including the NUL; longer messages are cut */

struct custos_error {
    int status;                             /* enum custos_status; CUSTOS_OK when clear */
    int sys_errno;                          /* errno saved at the failure, or 0 */
    char path[CUSTOS_ERROR_PATH_MAX];       /* the file concerned, or "" */
    char message[CUSTOS_ERROR_MESSAGE_MAX]; /* one line: "path: cause", no trailing period */
};

/*
 * Resets err to CUSTOS_OK with an empty path and message.
 * err may be NULL (nothing happens).
 */
CUSTOS_API void custos_error_clear(struct custos_error *err);

/*
 * Records a failure in err and returns status, so that callers can write
 * `return custos_error_set(err, ...)`.
 * path names the file concerned (may be NULL or ""); when given, the message
 * becomes "path: " followed by the formatted text. sys_errno, when non-zero,
 * appends ": " and strerror(sys_errno). Control characters in the path are
 * shown as '?', so the message always stays one line. err may be NULL.
 * Returns: status.
 */
CUSTOS_API int custos_error_set(struct custos_error *err, int status, int sys_errno,
                                const char *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The va_list form of custos_error_set(). */
CUSTOS_API int custos_error_vset(struct custos_error *err, int status, int sys_errno,
                                 const char *path, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

/*
 * Copies src into dst (both non-NULL).
 * Returns: src->status.
 */
CUSTOS_API int custos_error_copy(struct custos_error *dst, const struct custos_error *src);

/*
 * Maps a status to the process exit code that every tool uses:
 * OK 0, MISMATCH 1, USAGE 2, INCOMPLETE 3, UNTRUSTED 4, CORRUPT and
 * UNSUPPORTED 5, REFUSED 6, IO and NOMEM 7, PARTIAL 8, INTERRUPTED 130.
 * An unknown status maps to 7.
 */
CUSTOS_API int custos_exit_code(int status);

/* A short lower-case name for a status ("ok", "mismatch", ...), never NULL. */
CUSTOS_API const char *custos_status_name(int status);

/*
 * Of two statuses met by a checker, returns the one that decides the exit
 * code: run-stopping codes (USAGE, REFUSED, IO, NOMEM, INTERRUPTED) first,
 * then PARTIAL, UNTRUSTED, CORRUPT/UNSUPPORTED, MISMATCH, INCOMPLETE, and OK last.
 */
CUSTOS_API int custos_status_worst(int a, int b);

#ifdef __cplusplus
}
#endif

#endif
