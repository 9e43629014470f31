/* SPDX-License-Identifier: ISC */
/*
 * fsutil_private.h: small file-system helpers shared inside libcustos.
 */
#ifndef CUSTOS_FSUTIL_PRIVATE_H
#define CUSTOS_FSUTIL_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "fsutil_private.h is internal to libcustos"
#endif

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h> /* dev_t */

#include "custos/error.h"

/*
 * Renames from to to, failing with EEXIST rather than replacing an existing
 * to (renameat2 RENAME_NOREPLACE, or link+unlink where the file system lacks
 * it). Returns 0 or -1 with errno set.
 */
int custos__rename_noreplace(const char *from, const char *to);

/* Opens path read-only with flags added (O_DIRECTORY, O_NOFOLLOW), fsyncs
 * and closes it. Returns 0 or -1 with errno set (fsync's, when it failed). */
int custos__fsync_path(const char *path, int flags);

/* fsyncs the directory that holds path. Returns 0 or -1 with errno set. */
int custos__fsync_parent(const char *path);

/* Copies the directory part of path ("." when none) into buf. */
void custos__dirname(const char *path, char *buf, size_t len);

/* Returns a pointer to the last component of path. */
const char *custos__basename(const char *path);

/* path with its directory (which must exist) resolved: absolute, symlinks followed; 0 or -1. */
int custos__absolute_path(const char *path, char *buf, size_t len);

/*
 * Fails with CUSTOS_E_REFUSED when anything (even a dangling symlink) exists
 * at path, naming it.
 */
int custos__refuse_existing(const char *path, struct custos_error *err);

/* Writes all of buf at fd, retrying short writes and EINTR. 0 or -1/errno. */
int custos__write_all(int fd, const void *buf, size_t len);

/* pread until len bytes or EOF; returns bytes read, or -1 with errno. */
long long custos__pread_full(int fd, void *buf, size_t len, uint64_t offset);

/* Current UTC time as RFC 3339 with seconds ("2026-11-23T11:07:07Z"). */
void custos__utc_now(char *buf, size_t len);

/* Reads a one-line sysfs or udev text file into buf, trimmed; "" if absent. */
void custos__read_text(const char *path, char *buf, size_t len);

/* Looks up KEY= in the udev database entry of block device rdev; "" if absent. */
void custos__udev_property(dev_t rdev, const char *key, char *buf, size_t len);

/*
 * Lowers the calling thread's priority a little (nice 5). A pass bound by
 * one slow digest (MD5: no CPU instruction for it) calls this on every
 * other thread, so that on two cores that digest keeps one to itself. Best
 * effort: a failure only costs speed.
 */
void custos__thread_yield(void);

#endif
