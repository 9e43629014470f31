/* SPDX-License-Identifier: ISC */
/*
 * atomicfile.c: one output file, published whole or not at all.
 *
 * Invariants:
 *   1. The final path is never opened for writing: data goes to a temporary
 *      file created with O_EXCL (mkostemp) in the same directory, so the
 *      rename cannot cross file systems.
 *   2. The final path is never replaced: refused in custos_atomicfile_create
 *      and, against a race, by the no-replace rename in _close.
 *   3. Order in _close: fsync the file, rename, fsync the directory. A crash
 *      before the rename leaves only a ".NAME.incomplete-XXXXXX" file.
 *
 * States: WRITING (after _create) -> PUBLISHED (_close succeeded) or
 * DEAD (a write or close failed); _free removes the temporary file unless
 * PUBLISHED.
 */
#include "custos/atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil_private.h"

enum state { WRITING, PUBLISHED, DEAD };

struct custos_atomicfile {
    enum state state;
    int fd;     /* the temporary file, -1 once closed */
    char *path; /* final path */
    char *tmp;  /* temporary path */
    struct custos_error err;
    int replace; /* CUSTOS_ATOMICFILE_REPLACE was given */
};

int
custos_atomicfile_create(struct custos_atomicfile **out, const char *path, unsigned mode,
                         struct custos_error *err)
{
    *out = NULL;
    int rc = (mode & CUSTOS_ATOMICFILE_REPLACE) ? CUSTOS_OK : custos__refuse_existing(path, err);
    if (rc != CUSTOS_OK)
        return rc;

    struct custos_atomicfile *f = calloc(1, sizeof(*f));
    char dir[4096];
    custos__dirname(path, dir, sizeof(dir));
    size_t n = strlen(dir) + strlen(path) + 32;
    if (f == NULL || (f->tmp = malloc(n)) == NULL || (f->path = strdup(path)) == NULL) {
        if (f != NULL) {
            free(f->tmp);
            free(f);
        }
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    }
    snprintf(f->tmp, n, "%s/.%s" CUSTOS_INCOMPLETE_INFIX "XXXXXX", dir, custos__basename(path));
    f->fd = mkostemp(f->tmp, O_CLOEXEC);
    if (f->fd < 0) {
        rc = custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot create output");
        free(f->tmp);
        free(f->path);
        free(f);
        return rc;
    }
    /* mkostemp creates 0600; widen only to what the caller asked for. */
    if (fchmod(f->fd, mode & 07777) != 0) {
        rc = custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot set permissions");
        f->state = DEAD;
        custos_atomicfile_free(f);
        return rc;
    }
    f->state = WRITING;
    f->replace = (mode & CUSTOS_ATOMICFILE_REPLACE) != 0;
    custos_error_clear(&f->err);
    *out = f;
    return CUSTOS_OK;
}

int
custos_atomicfile_write(struct custos_atomicfile *f, const void *buf, size_t len)
{
    if (f->state == DEAD)
        return f->err.status;
    if (f->state != WRITING)
        return custos_error_set(&f->err, CUSTOS_E_USAGE, 0, f->path,
                                "custos_atomicfile_write after close");
    if (custos__write_all(f->fd, buf, len) != 0) {
        f->state = DEAD;
        return custos_error_set(&f->err, CUSTOS_E_IO, errno, f->path, "cannot write");
    }
    return CUSTOS_OK;
}

int
custos_atomicfile_fd(const struct custos_atomicfile *f)
{
    return f->fd;
}

const char *
custos_atomicfile_path(const struct custos_atomicfile *f)
{
    return f->path;
}

int
custos_atomicfile_close(struct custos_atomicfile *f)
{
    if (f->state == DEAD)
        return f->err.status;
    if (f->state != WRITING)
        return custos_error_set(&f->err, CUSTOS_E_USAGE, 0, f->path,
                                "custos_atomicfile_close called twice");
    if (fsync(f->fd) != 0) {
        f->state = DEAD;
        return custos_error_set(&f->err, CUSTOS_E_IO, errno, f->path, "cannot flush to disk");
    }
    if (close(f->fd) != 0) {
        f->fd = -1;
        f->state = DEAD;
        return custos_error_set(&f->err, CUSTOS_E_IO, errno, f->path, "cannot close");
    }
    f->fd = -1;
    if ((f->replace ? rename(f->tmp, f->path) : custos__rename_noreplace(f->tmp, f->path)) != 0) {
        f->state = DEAD;
        if (errno == EEXIST)
            return custos_error_set(&f->err, CUSTOS_E_REFUSED, 0, f->path,
                                    "appeared while writing; refusing to overwrite");
        return custos_error_set(&f->err, CUSTOS_E_IO, errno, f->path, "cannot publish");
    }
    f->state = PUBLISHED;
    if (custos__fsync_parent(f->path) != 0) {
        /* A failure publishes nothing (exit 7): take the name back. */
        int e = errno;
        if (unlink(f->path) == 0)
            f->state = DEAD;
        return custos_error_set(&f->err, CUSTOS_E_IO, e, f->path,
                                "its directory cannot be flushed to disk; not published");
    }
    return CUSTOS_OK;
}

void
custos_atomicfile_free(struct custos_atomicfile *f)
{
    if (f == NULL)
        return;
    if (f->fd >= 0)
        close(f->fd);
    if (f->state != PUBLISHED)
        unlink(f->tmp);
    free(f->tmp);
    free(f->path);
    free(f);
}

const struct custos_error *
custos_atomicfile_error(const struct custos_atomicfile *f)
{
    return &f->err;
}

int
custos_write_file_new(const char *path, const void *buf, size_t len, unsigned mode,
                      struct custos_error *err)
{
    struct custos_atomicfile *f;
    int rc = custos_atomicfile_create(&f, path, mode, err);
    if (rc != CUSTOS_OK)
        return rc;
    rc = custos_atomicfile_write(f, buf, len);
    if (rc == CUSTOS_OK)
        rc = custos_atomicfile_close(f);
    if (rc != CUSTOS_OK)
        custos_error_copy(err, custos_atomicfile_error(f));
    custos_atomicfile_free(f);
    return rc;
}
