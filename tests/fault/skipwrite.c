/* SPDX-License-Identifier: ISC */
/*
 * skipwrite.c: an LD_PRELOAD shim for the tests that leaves one byte of one
 * file or block device unwritten while reporting the write as complete, as
 * a medium that silently drops data does.
 *
 * Environment:
 *   CUSTOS_SKIPWRITE_PATH    the file or block device (matched by device and
 *                            inode, or by device number for a block device)
 *   CUSTOS_SKIPWRITE_OFFSET  the byte offset that keeps its old value
 *   CUSTOS_SKIPWRITE_EIO     when "1", a write covering the offset fails
 *                            instead, with EIO, as a bad sector does
 *
 * pwrite() and pwrite64() of that target whose range covers the offset
 * write a copy of the buffer (aligned, so O_DIRECT writes still work) in
 * which that byte holds the value the target had before, read through a
 * fresh descriptor; the call returns the full length. write() is not
 * intercepted (custos writes media with pwrite).
 */
#undef _FILE_OFFSET_BITS /* define pwrite and pwrite64 as themselves */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int active;
static struct stat target;
static uint64_t skip_offset;
static int fail_eio;

static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);

static void
setup(void)
{
    real_pwrite = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
    real_pwrite64 = (ssize_t(*)(int, const void *, size_t, off64_t))dlsym(RTLD_NEXT, "pwrite64");
    const char *path = getenv("CUSTOS_SKIPWRITE_PATH");
    const char *off = getenv("CUSTOS_SKIPWRITE_OFFSET");
    if (path == NULL || off == NULL || stat(path, &target) != 0)
        return;
    skip_offset = strtoull(off, NULL, 10);
    const char *eio = getenv("CUSTOS_SKIPWRITE_EIO");
    fail_eio = eio != NULL && strcmp(eio, "1") == 0;
    active = 1;
}

static int
is_target(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return 0;
    if (S_ISBLK(target.st_mode))
        return S_ISBLK(st.st_mode) && st.st_rdev == target.st_rdev;
    return st.st_dev == target.st_dev && st.st_ino == target.st_ino;
}

static int
covers(uint64_t offset, size_t len)
{
    return active && skip_offset >= offset && skip_offset < offset + len;
}

/* Returns an aligned copy of buf with the skipped byte restored, or NULL to pass through. */
static void *
doctored(int fd, const void *buf, size_t len, uint64_t offset)
{
    pthread_once(&once, setup);
    if (fail_eio || !covers(offset, len) || !is_target(fd))
        return NULL;
    char self[64];
    unsigned char old = 0;
    snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
    int rfd = open(self, O_RDONLY | O_CLOEXEC);
    if (rfd < 0)
        return NULL;
    ssize_t got = pread(rfd, &old, 1, (off_t)skip_offset);
    close(rfd);
    void *copy;
    if (got != 1 || posix_memalign(&copy, 4096, len) != 0)
        return NULL;
    memcpy(copy, buf, len);
    ((unsigned char *)copy)[skip_offset - offset] = old;
    return copy;
}

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t offset)
{
    pthread_once(&once, setup);
    if (fail_eio && offset >= 0 && covers((uint64_t)offset, len) && is_target(fd)) {
        errno = EIO;
        return -1;
    }
    void *copy = offset >= 0 ? doctored(fd, buf, len, (uint64_t)offset) : NULL;
    ssize_t n = real_pwrite(fd, copy != NULL ? copy : buf, len, offset);
    int e = errno;
    free(copy);
    errno = e;
    return n;
}

ssize_t
pwrite64(int fd, const void *buf, size_t len, off64_t offset)
{
    pthread_once(&once, setup);
    if (fail_eio && offset >= 0 && covers((uint64_t)offset, len) && is_target(fd)) {
        errno = EIO;
        return -1;
    }
    void *copy = offset >= 0 ? doctored(fd, buf, len, (uint64_t)offset) : NULL;
    ssize_t n = real_pwrite64(fd, copy != NULL ? copy : buf, len, offset);
    int e = errno;
    free(copy);
    errno = e;
    return n;
}
