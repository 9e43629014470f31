/* SPDX-License-Identifier: ISC */
/*
 * fsutil.c: the file-system primitives behind custos's two output promises,
 * never overwrite and never publish a half-written file.
 */
#include "fsutil_private.h"

#include <errno.h>
#include <fcntl.h>  /* open, AT_FDCWD */
#include <limits.h> /* PATH_MAX */
#include <stdio.h>  /* renameat2 (glibc >= 2.28), snprintf */
#include <stdlib.h> /* realpath */
#include <string.h>
#include <sys/resource.h>  /* setpriority */
#include <sys/stat.h>      /* lstat */
#include <sys/syscall.h>   /* SYS_gettid */
#include <sys/sysmacros.h> /* major, minor */
#include <time.h>
#include <unistd.h> /* link, unlink, fsync, pwrite */

#include "custos/timefmt.h"

int
custos__rename_noreplace(const char *from, const char *to)
{
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    /* No RENAME_NOREPLACE here (some network and FUSE file systems): link()
     * fails with EEXIST just as atomically. */
    if (link(from, to) != 0)
        return -1;
    return unlink(from);
}

void
custos__dirname(const char *path, char *buf, size_t len)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        snprintf(buf, len, ".");
    } else if (slash == path) {
        snprintf(buf, len, "/");
    } else {
        snprintf(buf, len, "%.*s", (int)(slash - path), path);
    }
}

const char *
custos__basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash == NULL ? path : slash + 1;
}

int
custos__absolute_path(const char *path, char *buf, size_t len)
{
    char dir[PATH_MAX], real[PATH_MAX];
    custos__dirname(path, dir, sizeof(dir));
    if (realpath(dir, real) == NULL)
        return -1;
    snprintf(buf, len, "%s/%s", real, custos__basename(path));
    return 0;
}

int
custos__fsync_path(const char *path, int flags)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | flags);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int
custos__fsync_parent(const char *path)
{
    char dir[4096];
    custos__dirname(path, dir, sizeof(dir));
    return custos__fsync_path(dir, O_DIRECTORY);
}

int
custos__refuse_existing(const char *path, struct custos_error *err)
{
    struct stat st;
    if (lstat(path, &st) == 0)
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, path,
                                "already exists; refusing to overwrite");
    if (errno != ENOENT)
        return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot check output");
    return CUSTOS_OK;
}

int
custos__write_all(int fd, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (w == 0) {
            errno = ENOSPC;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

long long
custos__pread_full(int fd, void *buf, size_t len, uint64_t offset)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(fd, (char *)buf + got, len - got, (off_t)(offset + got));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (long long)got;
}

void
custos__utc_now(char *buf, size_t len)
{
    char b[CUSTOS_TIME_RFC3339_SIZE];
    custos_time_rfc3339_now(b);
    snprintf(buf, len, "%s", b);
}

void
custos__read_text(const char *path, char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return;
    if (fgets(buf, (int)len, f) == NULL)
        buf[0] = '\0';
    fclose(f);
    size_t n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    size_t lead = strspn(buf, " ");
    memmove(buf, buf + lead, strlen(buf + lead) + 1);
}

void
custos__udev_property(dev_t rdev, const char *key, char *buf, size_t len)
{
    char path[64], line[512];
    size_t klen = strlen(key);
    buf[0] = '\0';
    snprintf(path, sizeof(path), "/run/udev/data/b%u:%u", major(rdev), minor(rdev));
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "E:", 2) == 0 && strncmp(line + 2, key, klen) == 0 &&
            line[2 + klen] == '=') {
            snprintf(buf, len, "%s", line + 3 + klen);
            buf[strcspn(buf, "\n")] = '\0';
            break;
        }
    }
    fclose(f);
}

void
custos__thread_yield(void)
{
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 5);
}
