/* SPDX-License-Identifier: ISC */
/*
 * crash.c: an LD_PRELOAD shim for the crash-consistency matrix
 * (tests/e2e/crash-matrix.sh). It numbers every step by which a tool changes
 * a file system, and kills the tool, or makes the step fail, at step N, so
 * that each moment of a run can be replayed exactly, without sleeps.
 *
 * Steps (counted 1, 2, ... in call order; atomically across threads): a
 * write(), pwrite(), pwrite64(), writev() on a descriptor above 2 that is a
 * regular file or a block device; fsync() and fdatasync() of any descriptor
 * above 2; rename(), renameat(), renameat2(), link(), linkat().
 *
 * Environment:
 *   CUSTOS_CRASH_MODE   count  only count (the default);
 *                       kill   at step N: a write writes its first half
 *                              (a torn write; a 1-byte write writes
 *                              nothing), then the process gets SIGKILL;
 *                              any other step is killed before it happens;
 *                       enospc step N and every later write and fsync
 *                              fail with ENOSPC (a full disk stays full;
 *                              a later rename succeeds);
 *                       eio    step N alone fails with EIO (one bad write;
 *                              the next steps succeed);
 *                       int, term  at step N the process sends itself
 *                              SIGINT or SIGTERM, and the step goes on (a
 *                              Ctrl-C at a chosen moment).
 *   CUSTOS_CRASH_AT     N (1-based); no action when unset or 0
 *   CUSTOS_CRASH_STEPS  names: count only rename(), renameat(), renameat2(),
 *                       link() and linkat() as steps (the moments of a
 *                       publication); writes and fsyncs then never act
 *   CUSTOS_CRASH_COUNT  a file that receives the number of steps seen, on
 *                       a normal exit (the shell runs the tool once in count
 *                       mode to learn how many moments there are)
 *
 * stdio's writes go through glibc-internal calls that no shim sees; custos
 * writes its outputs with write()/pwrite() (atomicfile, ledger, libewf's
 * libcfile, libarchive), which is what is counted.
 */
#undef _FILE_OFFSET_BITS /* define pwrite and pwrite64 as themselves */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum mode { M_COUNT, M_KILL, M_ENOSPC, M_EIO, M_INT, M_TERM };

static pthread_once_t once = PTHREAD_ONCE_INIT;
static enum mode mode = M_COUNT;
static uint64_t at;
static const char *count_path;
static int names_only; /* CUSTOS_CRASH_STEPS=names */
static atomic_uint_fast64_t steps;

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_renameat2)(int, const char *, int, const char *, unsigned);
static int (*real_link)(const char *, const char *);
static int (*real_linkat)(int, const char *, int, const char *, int);

static void
setup(void)
{
    real_write = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    real_pwrite = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
    real_pwrite64 = (ssize_t(*)(int, const void *, size_t, off64_t))dlsym(RTLD_NEXT, "pwrite64");
    real_writev = (ssize_t(*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "writev");
    real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    real_rename = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    real_renameat = (int (*)(int, const char *, int, const char *))dlsym(RTLD_NEXT, "renameat");
    real_renameat2 =
        (int (*)(int, const char *, int, const char *, unsigned))dlsym(RTLD_NEXT, "renameat2");
    real_link = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "link");
    real_linkat = (int (*)(int, const char *, int, const char *, int))dlsym(RTLD_NEXT, "linkat");
    const char *m = getenv("CUSTOS_CRASH_MODE");
    if (m != NULL && strcmp(m, "kill") == 0)
        mode = M_KILL;
    else if (m != NULL && strcmp(m, "enospc") == 0)
        mode = M_ENOSPC;
    else if (m != NULL && strcmp(m, "eio") == 0)
        mode = M_EIO;
    else if (m != NULL && strcmp(m, "int") == 0)
        mode = M_INT;
    else if (m != NULL && strcmp(m, "term") == 0)
        mode = M_TERM;
    const char *a = getenv("CUSTOS_CRASH_AT");
    if (a != NULL)
        at = strtoull(a, NULL, 10);
    count_path = getenv("CUSTOS_CRASH_COUNT");
    const char *st = getenv("CUSTOS_CRASH_STEPS");
    names_only = st != NULL && strcmp(st, "names") == 0;
}

__attribute__((destructor)) static void
report(void)
{
    pthread_once(&once, setup);
    if (count_path == NULL)
        return;
    FILE *f = fopen(count_path, "w");
    if (f == NULL)
        return;
    fprintf(f, "%llu\n", (unsigned long long)atomic_load(&steps));
    fclose(f);
}

static int
counted_fd(int fd)
{
    struct stat st;
    return fd > 2 && fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode));
}

/* What to do at this step: 0 go on, 'k' kill, or an errno to fail with.
 * sticky: whether a full disk fails this step after step N too. */
static int
step_sticky(int sticky)
{
    uint64_t n = atomic_fetch_add(&steps, 1) + 1;
    if (at == 0)
        return 0;
    switch (mode) {
    case M_KILL:
        return n == at ? 'k' : 0;
    case M_ENOSPC:
        return n == at || (sticky && n > at) ? ENOSPC : 0;
    case M_EIO:
        return n == at ? EIO : 0;
    case M_INT:
    case M_TERM:
        if (n == at)
            kill(getpid(), mode == M_INT ? SIGINT : SIGTERM);
        return 0;
    default:
        return 0;
    }
}

static int
step(void)
{
    return names_only ? 0 : step_sticky(1);
}

static void
die(void)
{
    raise(SIGKILL);
    _exit(137);
}

ssize_t
write(int fd, const void *buf, size_t len)
{
    pthread_once(&once, setup);
    int what = counted_fd(fd) ? step() : 0;
    if (what == 'k') {
        if (len > 1)
            real_write(fd, buf, len / 2);
        die();
    }
    if (what != 0) {
        errno = what;
        return -1;
    }
    return real_write(fd, buf, len);
}

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t offset)
{
    pthread_once(&once, setup);
    int what = counted_fd(fd) ? step() : 0;
    if (what == 'k') {
        if (len > 1)
            real_pwrite(fd, buf, len / 2, offset);
        die();
    }
    if (what != 0) {
        errno = what;
        return -1;
    }
    return real_pwrite(fd, buf, len, offset);
}

ssize_t
pwrite64(int fd, const void *buf, size_t len, off64_t offset)
{
    pthread_once(&once, setup);
    int what = counted_fd(fd) ? step() : 0;
    if (what == 'k') {
        if (len > 1)
            real_pwrite64(fd, buf, len / 2, offset);
        die();
    }
    if (what != 0) {
        errno = what;
        return -1;
    }
    return real_pwrite64(fd, buf, len, offset);
}

ssize_t
writev(int fd, const struct iovec *iov, int n)
{
    pthread_once(&once, setup);
    int what = counted_fd(fd) ? step() : 0;
    if (what == 'k') {
        if (n > 0 && iov[0].iov_len > 1)
            real_write(fd, iov[0].iov_base, iov[0].iov_len / 2);
        die();
    }
    if (what != 0) {
        errno = what;
        return -1;
    }
    return real_writev(fd, iov, n);
}

static int
sync_step(int fd)
{
    int what = fd > 2 ? step() : 0;
    if (what == 'k')
        die();
    return what;
}

int
fsync(int fd)
{
    pthread_once(&once, setup);
    int what = sync_step(fd);
    if (what != 0) {
        errno = what == ENOSPC ? ENOSPC : EIO;
        return -1;
    }
    return real_fsync(fd);
}

int
fdatasync(int fd)
{
    pthread_once(&once, setup);
    int what = sync_step(fd);
    if (what != 0) {
        errno = what == ENOSPC ? ENOSPC : EIO;
        return -1;
    }
    return real_fdatasync(fd);
}

/* A full disk fails renames at step N only: moving a name back into the
 * directory it came from needs no new space. */
static int
name_step(void)
{
    int what = step_sticky(0);
    if (what == 'k')
        die();
    if (what != 0)
        errno = what;
    return what;
}

int
rename(const char *a, const char *b)
{
    pthread_once(&once, setup);
    return name_step() != 0 ? -1 : real_rename(a, b);
}

int
renameat(int da, const char *a, int db, const char *b)
{
    pthread_once(&once, setup);
    return name_step() != 0 ? -1 : real_renameat(da, a, db, b);
}

int
renameat2(int da, const char *a, int db, const char *b, unsigned flags)
{
    pthread_once(&once, setup);
    return name_step() != 0 ? -1 : real_renameat2(da, a, db, b, flags);
}

int
link(const char *a, const char *b)
{
    pthread_once(&once, setup);
    return name_step() != 0 ? -1 : real_link(a, b);
}

int
linkat(int da, const char *a, int db, const char *b, int flags)
{
    pthread_once(&once, setup);
    return name_step() != 0 ? -1 : real_linkat(da, a, db, b, flags);
}
