/* SPDX-License-Identifier: ISC */
/*
 * readfile.c: read a small file whole, refusing links, special files,
 * oversized files and files that change under us (readfile_private.h).
 */
#include "readfile_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil_private.h"

int
custos__read_file(const char *path, size_t max, char **buf, size_t *len, unsigned *mode,
                  struct custos_error *err)
{
    *buf = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot open");
    struct stat st;
    if (fstat(fd, &st) != 0) {
        /* st is undefined here: report the fstat error, not a file type. */
        int e = errno;
        close(fd);
        return custos_error_set(err, CUSTOS_E_IO, e, path, "cannot stat");
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return custos_error_set(err, S_ISDIR(st.st_mode) ? CUSTOS_E_USAGE : CUSTOS_E_IO, 0, path,
                                "not a regular file");
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "too large (%lld bytes)",
                                (long long)st.st_size);
    }
    size_t size = (size_t)st.st_size;
    char *b = malloc(size + 1);
    if (b == NULL) {
        close(fd);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    }
    long long got = custos__pread_full(fd, b, size, 0);
    int e = errno;
    char more;
    /* One byte past the size fstat gave: the file grew while we read it. */
    long long extra = got == (long long)size ? custos__pread_full(fd, &more, 1, size) : 0;
    if (extra < 0)
        e = errno;
    close(fd);
    if (got < 0 || extra < 0) {
        free(b);
        return custos_error_set(err, CUSTOS_E_IO, e, path, "cannot read");
    }
    if (got != (long long)size || extra != 0) {
        free(b);
        return custos_error_set(err, CUSTOS_E_IO, 0, path, "changed while read");
    }
    b[size] = '\0';
    *buf = b;
    *len = size;
    if (mode != NULL)
        *mode = (unsigned)st.st_mode & 07777;
    return CUSTOS_OK;
}

int
custos__read_small_file(const char *path, size_t max, char **buf, size_t *len,
                        struct custos_error *err)
{
    return custos__read_file(path, max, buf, len, NULL, err);
}

int
custos__text_copy(const char *name, const void *bytes, size_t len, size_t max, char **text,
                  struct custos_error *err)
{
    *text = NULL;
    if (len > max)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, name, "too large (%zu bytes)", len);
    char *t = malloc(len + 1);
    if (t == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, name, "out of memory");
    memcpy(t, bytes, len);
    t[len] = '\0';
    *text = t;
    return CUSTOS_OK;
}
