/* SPDX-License-Identifier: ISC */
/*
 * error.c: filling struct custos_error and mapping statuses to exit codes.
 *
 * Messages are built where a failure is detected, so they can name the file
 * and the position. They must stay one line (a tool prints them as one
 * diagnostic), so control characters from file names are replaced.
 */
#include "custos/error.h"

#include <stdio.h>  /* vsnprintf */
#include <string.h> /* strerror_r, memcpy */

void
custos_error_clear(struct custos_error *err)
{
    if (err == NULL)
        return;
    err->status = CUSTOS_OK;
    err->sys_errno = 0;
    err->path[0] = '\0';
    err->message[0] = '\0';
}

static void
one_line(char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

int
custos_error_vset(struct custos_error *err, int status, int sys_errno, const char *path,
                  const char *fmt, va_list ap)
{
    if (err == NULL)
        return status;
    err->status = status;
    err->sys_errno = sys_errno;
    err->path[0] = '\0';
    if (path != NULL) {
        snprintf(err->path, sizeof(err->path), "%s", path);
        one_line(err->path);
    }

    size_t n = 0;
    if (err->path[0] != '\0') {
        int w = snprintf(err->message, sizeof(err->message), "%s: ", err->path);
        n = w < 0 ? 0 : (size_t)w;
        if (n >= sizeof(err->message))
            n = sizeof(err->message) - 1;
    }
    vsnprintf(err->message + n, sizeof(err->message) - n, fmt, ap);
    n = strlen(err->message);
    if (sys_errno != 0 && n < sizeof(err->message) - 1) {
        char buf[256];
        /* GNU strerror_r may return a static string instead of filling buf. */
        const char *s = strerror_r(sys_errno, buf, sizeof(buf));
        snprintf(err->message + n, sizeof(err->message) - n, ": %s", s);
    }
    one_line(err->message);
    return status;
}

int
custos_error_set(struct custos_error *err, int status, int sys_errno, const char *path,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    custos_error_vset(err, status, sys_errno, path, fmt, ap);
    va_end(ap);
    return status;
}

int
custos_error_copy(struct custos_error *dst, const struct custos_error *src)
{
    memcpy(dst, src, sizeof(*dst));
    return src->status;
}

int
custos_exit_code(int status)
{
    switch (status) {
    case CUSTOS_OK:
        return CUSTOS_EXIT_OK;
    case CUSTOS_E_MISMATCH:
        return CUSTOS_EXIT_MISMATCH;
    case CUSTOS_E_USAGE:
        return CUSTOS_EXIT_USAGE;
    case CUSTOS_E_INCOMPLETE:
        return CUSTOS_EXIT_INCOMPLETE;
    case CUSTOS_E_UNTRUSTED:
        return CUSTOS_EXIT_UNTRUSTED;
    case CUSTOS_E_CORRUPT:
    case CUSTOS_E_UNSUPPORTED:
        return CUSTOS_EXIT_CORRUPT;
    case CUSTOS_E_REFUSED:
        return CUSTOS_EXIT_REFUSED;
    case CUSTOS_E_INTERRUPTED:
        return CUSTOS_EXIT_INTERRUPTED;
    case CUSTOS_E_PARTIAL:
        return CUSTOS_EXIT_PARTIAL;
    case CUSTOS_E_IO:
    case CUSTOS_E_NOMEM:
    default:
        return CUSTOS_EXIT_SYSTEM;
    }
}

const char *
custos_status_name(int status)
{
    switch (status) {
    case CUSTOS_OK:
        return "ok";
    case CUSTOS_E_USAGE:
        return "usage";
    case CUSTOS_E_MISMATCH:
        return "mismatch";
    case CUSTOS_E_INCOMPLETE:
        return "incomplete";
    case CUSTOS_E_UNTRUSTED:
        return "untrusted";
    case CUSTOS_E_CORRUPT:
        return "corrupt";
    case CUSTOS_E_UNSUPPORTED:
        return "unsupported";
    case CUSTOS_E_REFUSED:
        return "refused";
    case CUSTOS_E_IO:
        return "io";
    case CUSTOS_E_NOMEM:
        return "nomem";
    case CUSTOS_E_INTERRUPTED:
        return "interrupted";
    case CUSTOS_E_PARTIAL:
        return "partial";
    default:
        return "unknown";
    }
}

static int
rank(int status)
{
    switch (status) {
    case CUSTOS_OK:
        return 0;
    case CUSTOS_E_INCOMPLETE:
        return 1;
    case CUSTOS_E_MISMATCH:
        return 2;
    case CUSTOS_E_CORRUPT:
    case CUSTOS_E_UNSUPPORTED:
        return 3;
    case CUSTOS_E_UNTRUSTED:
        return 4;
    case CUSTOS_E_PARTIAL: /* results were published, but not all of them */
        return 5;
    default: /* the codes that stop a run */
        return 6;
    }
}

int
custos_status_worst(int a, int b)
{
    return rank(b) > rank(a) ? b : a;
}
