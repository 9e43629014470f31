/* SPDX-License-Identifier: ISC */
/*
 * failread.c: an LD_PRELOAD shim that makes pread() fail with EIO on one
 * byte range of one file, so that make-vector.sh can produce a real
 * acquisition record with read errors. It is used only to regenerate the
 * test vector; no test loads it.
 *
 *   FAILREAD_NAME   the file, matched as the end of its path
 *   FAILREAD_OFFSET first byte that cannot be read
 *   FAILREAD_LENGTH bytes that cannot be read
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int
is_target(int fd)
{
    char link[64], path[PATH_MAX];
    const char *name = getenv("FAILREAD_NAME");
    if (name == NULL)
        return 0;
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof(path) - 1);
    if (n < 0)
        return 0;
    path[n] = '\0';
    size_t len = strlen(name);
    return (size_t)n >= len && strcmp(path + n - len, name) == 0;
}

ssize_t pread64(int fd, void *buf, size_t len, off_t offset);

ssize_t
pread64(int fd, void *buf, size_t len, off_t offset)
{
    static ssize_t (*real)(int, void *, size_t, off_t);
    if (real == NULL)
        real = (ssize_t(*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread64");
    if (is_target(fd)) {
        long long first = atoll(getenv("FAILREAD_OFFSET"));
        long long count = atoll(getenv("FAILREAD_LENGTH"));
        if ((long long)offset < first + count && (long long)offset + (long long)len > first) {
            errno = EIO;
            return -1;
        }
    }
    return real(fd, buf, len, offset);
}

ssize_t
pread(int fd, void *buf, size_t len, off_t offset)
{
    return pread64(fd, buf, len, offset);
}
