/* SPDX-License-Identifier: ISC */
/*
 * fault.c: an LD_PRELOAD shim for the tests that makes chosen sectors of one
 * file unreadable, as a failing disk does.
 *
 * Environment:
 *   CUSTOS_FAULT_PATH     the file whose sectors fail (matched by device and
 *                         inode, so any name, link or descriptor of it counts)
 *   CUSTOS_FAULT_SECTORS  bad sectors, e.g. "10000-10007,20000" (inclusive)
 *   CUSTOS_FAULT_SECTOR   sector size in bytes (default 512)
 *   CUSTOS_FAULT_LOG      optional file; one line per failed read
 *                         ("OFFSET LENGTH") is appended to it
 *   CUSTOS_FAULT_ERRNO    the errno of a failed read (default EIO = 5; 19,
 *                         ENODEV, is a device that was unplugged)
 *   CUSTOS_FAULT_TRANSIENT  N: each range fails only its first N reads, then
 *                         reads well (a marginal sector that comes back on a
 *                         retry); unset or 0: it always fails
 *
 * Any read(), pread() or pread64() of that file whose byte range overlaps a
 * bad sector fails as a whole with EIO and reads nothing, as a buffered read
 * near a bad sector does on a real disk; a read that touches no bad sector
 * is passed through. readv() and mmap() are not intercepted (custos reads
 * sources with pread and read only). open() needs no interception: every
 * read identifies its descriptor with fstat(), which also follows dup().
 */
#undef _FILE_OFFSET_BITS /* define pread and pread64 as themselves */
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

#define MAX_RANGES 256

struct range {
    uint64_t first, last; /* sectors, inclusive */
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int active;
static dev_t target_dev;
static ino_t target_ino;
static uint64_t sector_bytes = 512;
static struct range ranges[MAX_RANGES];
static size_t nranges;
static const char *log_path;
static int fail_errno = EIO;
static unsigned transient;         /* CUSTOS_FAULT_TRANSIENT; 0: always */
static unsigned fails[MAX_RANGES]; /* reads failed so far, per range */
static pthread_mutex_t fails_lock = PTHREAD_MUTEX_INITIALIZER;

static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_pread)(int, void *, size_t, off_t);
static ssize_t (*real_pread64)(int, void *, size_t, off64_t);

static void
setup(void)
{
    real_read = (ssize_t(*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
    real_pread = (ssize_t(*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread");
    real_pread64 = (ssize_t(*)(int, void *, size_t, off64_t))dlsym(RTLD_NEXT, "pread64");
    const char *path = getenv("CUSTOS_FAULT_PATH");
    const char *list = getenv("CUSTOS_FAULT_SECTORS");
    const char *ss = getenv("CUSTOS_FAULT_SECTOR");
    log_path = getenv("CUSTOS_FAULT_LOG");
    const char *en = getenv("CUSTOS_FAULT_ERRNO");
    if (en != NULL && *en != '\0')
        fail_errno = atoi(en);
    const char *tr = getenv("CUSTOS_FAULT_TRANSIENT");
    if (tr != NULL && *tr != '\0')
        transient = (unsigned)strtoul(tr, NULL, 10);
    if (ss != NULL && *ss != '\0')
        sector_bytes = strtoull(ss, NULL, 10);
    struct stat st;
    if (path == NULL || list == NULL || sector_bytes == 0 || stat(path, &st) != 0)
        return;
    target_dev = st.st_dev;
    target_ino = st.st_ino;
    const char *p = list;
    while (*p != '\0' && nranges < MAX_RANGES) {
        char *end;
        uint64_t a = strtoull(p, &end, 10), b = a;
        if (end == p)
            break;
        if (*end == '-') {
            p = end + 1;
            b = strtoull(p, &end, 10);
        }
        ranges[nranges++] = (struct range){a, b};
        p = end;
        if (*p == ',')
            p++;
    }
    active = nranges > 0;
}

/* Whether [offset, offset + len) of fd touches a bad sector. */
static int
faulty(int fd, uint64_t offset, size_t len)
{
    pthread_once(&once, setup);
    if (!active || len == 0)
        return 0;
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_dev != target_dev || st.st_ino != target_ino)
        return 0;
    uint64_t end = offset + len; /* exclusive */
    for (size_t i = 0; i < nranges; i++) {
        uint64_t a = ranges[i].first * sector_bytes, b = (ranges[i].last + 1) * sector_bytes;
        if (offset < b && a < end) {
            if (transient != 0) {
                pthread_mutex_lock(&fails_lock);
                int gone = fails[i] >= transient;
                if (!gone)
                    fails[i]++;
                pthread_mutex_unlock(&fails_lock);
                if (gone)
                    continue;
            }
            if (log_path != NULL) {
                int lf = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                if (lf >= 0) {
                    char line[64];
                    int n =
                        snprintf(line, sizeof(line), "%llu %zu\n", (unsigned long long)offset, len);
                    if (write(lf, line, (size_t)n) < 0)
                        n = 0;
                    close(lf);
                }
            }
            return 1;
        }
    }
    return 0;
}

ssize_t
read(int fd, void *buf, size_t len)
{
    pthread_once(&once, setup);
    if (active) {
        off_t at = lseek(fd, 0, SEEK_CUR);
        if (at >= 0 && faulty(fd, (uint64_t)at, len)) {
            errno = fail_errno;
            return -1;
        }
    }
    return real_read(fd, buf, len);
}

ssize_t
pread(int fd, void *buf, size_t len, off_t offset)
{
    pthread_once(&once, setup);
    if (offset >= 0 && faulty(fd, (uint64_t)offset, len)) {
        errno = fail_errno;
        return -1;
    }
    return real_pread(fd, buf, len, offset);
}

ssize_t
pread64(int fd, void *buf, size_t len, off64_t offset)
{
    pthread_once(&once, setup);
    if (offset >= 0 && faulty(fd, (uint64_t)offset, len)) {
        errno = fail_errno;
        return -1;
    }
    return real_pread64(fd, buf, len, offset);
}
