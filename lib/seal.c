/* SPDX-License-Identifier: ISC */
/*
 * seal.c: create, verify, extract and cosign seal packages.
 *
 * A package is read through one reader (a directory walk, or libarchive
 * over a tar or zip file) and written through one writer (libarchive's disk
 * writer into a temporary directory, or a tar or zip writer into a
 * temporary file). Verification is one streaming pass, scan(): tag files
 * (small, bounded) are kept in memory and payload files are hashed as they
 * stream by, so memory stays bounded by the number of payload files, never
 * their size. Extraction and cosigning run scan() twice: once to decide,
 * then again with a writer attached, so what is written is exactly what the
 * second check saw, and the second pass must see the same tag manifest as
 * the first (a package swapped in between is caught).
 *
 * Invariants:
 *   1. Nothing is published unless the whole operation succeeded: writers
 *      work on a temporary name (".incomplete-XXXXXX") and publish with
 *      rename (without replacing, except cosign replacing its own archive)
 *      after fsync, then fsync the parent directory (writer_commit).
 *   2. A hostile entry (absolute, "..", link, device, duplicate) is never
 *      written: scan() refuses it before the writer sees it, and the disk
 *      writer additionally uses libarchive's SECURE_* flags.
 *   3. The payload is bounded by Payload-Oxum before any payload byte is
 *      read: bag-info.txt must come first, each entry's declared size is
 *      checked against what remains, and the running total while reading.
 *   4. When sealing, every source file is hashed twice (manifest, then
 *      copy); a difference stops the run (a file changed while sealing).
 */
#include "custos/seal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "custos/custos.h"
#include "bag_private.h"
#include "fsutil_private.h"
#include "key_private.h" /* custos__read_small_file */
#include "seal_private.h"

#define IO_CHUNK (1024 * 1024) /* bytes per read while hashing and copying */

const char *
custos_seal_format_name(enum custos_seal_format f)
{
    switch (f) {
    case CUSTOS_SEAL_TAR:
        return "tar";
    case CUSTOS_SEAL_ZIP:
        return "zip";
    default:
        return "directory";
    }
}

/* ------------------------------------------------------------------ */
/* Writers                                                             */
/* ------------------------------------------------------------------ */

struct writer {
    enum custos_seal_format fmt;
    char final[PATH_MAX]; /* the published name */
    char tmp[PATH_MAX];   /* temporary directory or file */
    char base[256];       /* archive: top-level directory of every entry */
    int replace;          /* 1: publishing may replace final (cosign of an archive) */
    int fd;               /* archive: the temporary file */
    struct archive *a;
    struct archive_entry *e;
    int open_entry;
    int failed;
    locale_t utf8; /* archive: names are converted to UTF-8 under this (see writer_begin) */
};

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP || flag == FTW_D)
        chmod(path, 0700);
    return remove(path);
}

static int
make_writable(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)ftw;
    if (flag == FTW_D)
        chmod(path, (st->st_mode & 07777) | 0700);
    return 0;
}

static int
ar_err(struct archive *a, struct custos_error *err, int status, const char *path, const char *what)
{
    const char *m = a != NULL ? archive_error_string(a) : NULL;
    return custos_error_set(err, status, 0, path, "%s: %s", what, m != NULL ? m : "failed");
}

/* Starts a writer publishing at final; for a directory, final is the bag. */
static int
writer_open(struct writer *w, enum custos_seal_format fmt, const char *final, const char *base,
            int replace, struct custos_error *err)
{
    memset(w, 0, sizeof(*w));
    w->fd = -1;
    w->fmt = fmt;
    w->replace = replace;
    snprintf(w->final, sizeof(w->final), "%s", final);
    snprintf(w->base, sizeof(w->base), "%s", base);
    if (!replace) {
        int rc = custos__refuse_existing(final, err);
        if (rc != CUSTOS_OK)
            return rc;
    }
    if (snprintf(w->tmp, sizeof(w->tmp), "%s%sXXXXXX", final, CUSTOS_INCOMPLETE_INFIX) >=
        (int)sizeof(w->tmp))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, final, "path too long");
    if (fmt == CUSTOS_SEAL_DIR_FORMAT) {
        if (mkdtemp(w->tmp) == NULL)
            return custos_error_set(err, CUSTOS_E_IO, errno, final,
                                    "cannot create a temporary directory");
        /* libarchive's SECURE_SYMLINKS refuses symlinks anywhere in the path: resolve the prefix.
         */
        char real[PATH_MAX];
        if (realpath(w->tmp, real) == NULL) {
            int e = errno;
            rmdir(w->tmp);
            return custos_error_set(err, CUSTOS_E_IO, e, final, "cannot resolve");
        }
        snprintf(w->tmp, sizeof(w->tmp), "%s", real);
        w->a = archive_write_disk_new();
        if (w->a == NULL) {
            rmdir(w->tmp);
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, final, "out of memory");
        }
        archive_write_disk_set_options(
            w->a, ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                      ARCHIVE_EXTRACT_NO_OVERWRITE | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM);
    } else {
        w->fd = mkostemp(w->tmp, O_CLOEXEC);
        if (w->fd < 0)
            return custos_error_set(err, CUSTOS_E_IO, errno, final,
                                    "cannot create a temporary file");
        fchmod(w->fd, 0644);
        /* libarchive converts names from the thread's locale to the UTF-8 of pax headers and
         * zip's bit-11 names; under LANG=C that fails for every non-ASCII name, so entries
         * are written under C.UTF-8 whatever the caller's locale (names are UTF-8 bytes). */
        w->utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
        w->a = w->utf8 != (locale_t)0 ? archive_write_new() : NULL;
        if (w->a == NULL) {
            int e = errno;
            if (w->utf8 != (locale_t)0)
                freelocale(w->utf8);
            w->utf8 = (locale_t)0;
            close(w->fd);
            unlink(w->tmp);
            return custos_error_set(err, CUSTOS_E_NOMEM, e, final,
                                    "cannot start the archive (is the C.UTF-8 locale present?)");
        }
        int r = fmt == CUSTOS_SEAL_TAR ? archive_write_set_format_pax(w->a)
                                       : archive_write_set_format_zip(w->a);
        if (r == ARCHIVE_OK && fmt == CUSTOS_SEAL_ZIP)
            r = archive_write_set_options(w->a, "zip:compression=store");
        if (r == ARCHIVE_OK)
            r = archive_write_set_bytes_in_last_block(w->a, 1);
        if (r == ARCHIVE_OK)
            r = archive_write_open_fd(w->a, w->fd);
        if (r != ARCHIVE_OK) {
            int rc = ar_err(w->a, err, CUSTOS_E_IO, final, "cannot start the archive");
            archive_write_free(w->a);
            w->a = NULL;
            close(w->fd);
            unlink(w->tmp);
            return rc;
        }
    }
    w->e = archive_entry_new();
    if (w->e == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, final, "out of memory");
    return CUSTOS_OK;
}

static int
writer_begin(struct writer *w, const char *rel, uint64_t size, int64_t mtime,
             struct custos_error *err)
{
    char path[PATH_MAX + 300];
    if (w->fmt == CUSTOS_SEAL_DIR_FORMAT)
        snprintf(path, sizeof(path), "%s/%s", w->tmp, rel);
    else
        snprintf(path, sizeof(path), "%s/%s", w->base, rel);
    archive_entry_clear(w->e);
    archive_entry_set_pathname(w->e, path);
    archive_entry_set_filetype(w->e, AE_IFREG);
    archive_entry_set_perm(w->e, w->fmt == CUSTOS_SEAL_DIR_FORMAT ? 0444 : 0644);
    archive_entry_set_size(w->e, (la_int64_t)size);
    archive_entry_set_mtime(w->e, (time_t)mtime, 0);
    locale_t old = w->utf8 != (locale_t)0 ? uselocale(w->utf8) : (locale_t)0;
    int r = archive_write_header(w->a, w->e);
    if (old != (locale_t)0)
        uselocale(old);
    if (r != ARCHIVE_OK) {
        w->failed = 1;
        return ar_err(w->a, err, CUSTOS_E_IO, w->final, rel);
    }
    w->open_entry = 1;
    return CUSTOS_OK;
}

static int
writer_data(struct writer *w, const void *buf, size_t n, struct custos_error *err)
{
    const char *p = buf;
    while (n > 0) {
        la_ssize_t k = archive_write_data(w->a, p, n);
        if (k <= 0) {
            w->failed = 1;
            return ar_err(w->a, err, CUSTOS_E_IO, w->final, "cannot write");
        }
        p += k;
        n -= (size_t)k;
    }
    return CUSTOS_OK;
}

static int
writer_end(struct writer *w, struct custos_error *err)
{
    w->open_entry = 0;
    if (archive_write_finish_entry(w->a) != ARCHIVE_OK) {
        w->failed = 1;
        return ar_err(w->a, err, CUSTOS_E_IO, w->final, "cannot finish an entry");
    }
    return CUSTOS_OK;
}

static int
writer_bytes(struct writer *w, const char *rel, const void *buf, size_t n, int64_t mtime,
             struct custos_error *err)
{
    int rc = writer_begin(w, rel, n, mtime, err);
    if (rc == CUSTOS_OK)
        rc = writer_data(w, buf, n, err);
    if (rc == CUSTOS_OK)
        rc = writer_end(w, err);
    return rc;
}

static int
fsync_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag != FTW_F && flag != FTW_D && flag != FTW_DP)
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

static void
writer_abort(struct writer *w)
{
    if (w->a != NULL) {
        if (w->fmt == CUSTOS_SEAL_DIR_FORMAT)
            archive_write_free(w->a);
        else
            archive_write_free(w->a); /* closes the archive; the fd is ours */
        w->a = NULL;
    }
    archive_entry_free(w->e);
    w->e = NULL;
    if (w->utf8 != (locale_t)0)
        freelocale(w->utf8);
    w->utf8 = (locale_t)0;
    if (w->fd >= 0) {
        close(w->fd);
        w->fd = -1;
    }
    if (w->tmp[0] != '\0') {
        if (w->fmt == CUSTOS_SEAL_DIR_FORMAT) {
            nftw(w->tmp, make_writable, 16, FTW_PHYS);
            nftw(w->tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        } else {
            unlink(w->tmp);
        }
        w->tmp[0] = '\0';
    }
}

static int
writer_commit(struct writer *w, struct custos_error *err)
{
    int rc = CUSTOS_OK;
    locale_t old = w->utf8 != (locale_t)0 ? uselocale(w->utf8) : (locale_t)0;
    int closed = archive_write_close(w->a);
    if (old != (locale_t)0)
        uselocale(old);
    if (closed != ARCHIVE_OK)
        rc = ar_err(w->a, err, CUSTOS_E_IO, w->final, "cannot finish");
    archive_write_free(w->a);
    w->a = NULL;
    if (rc == CUSTOS_OK) {
        if (w->fmt == CUSTOS_SEAL_DIR_FORMAT) {
            if (nftw(w->tmp, fsync_one, 16, FTW_PHYS) != 0)
                rc = custos_error_set(err, CUSTOS_E_IO, errno, w->final, "cannot sync");
        } else if (fsync(w->fd) != 0) {
            rc = custos_error_set(err, CUSTOS_E_IO, errno, w->final, "cannot sync");
        }
    }
    if (rc == CUSTOS_OK) {
        int r = w->replace ? rename(w->tmp, w->final) : custos__rename_noreplace(w->tmp, w->final);
        if (r != 0)
            rc = custos_error_set(err, errno == EEXIST ? CUSTOS_E_REFUSED : CUSTOS_E_IO,
                                  errno == EEXIST ? 0 : errno, w->final,
                                  errno == EEXIST ? "exists already" : "cannot publish");
        else if (custos__fsync_parent(w->final) != 0) {
            rc = custos_error_set(err, CUSTOS_E_IO, errno, w->final, "cannot sync the directory");
            /* exit 7 publishes nothing: a new package goes back to be removed */
            if (w->replace || rename(w->final, w->tmp) != 0)
                w->tmp[0] = '\0';
        } else {
            w->tmp[0] = '\0';
        }
    }
    writer_abort(w);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Readers                                                             */
/* ------------------------------------------------------------------ */

enum rkind { RK_FILE, RK_DIR, RK_SYMLINK, RK_HARDLINK, RK_SPECIAL, RK_OUTSIDE, RK_BADPATH };

struct dent {
    char *rel;
    int kind;
    uint64_t size;
    int64_t mtime;
};

struct reader {
    enum custos_seal_format fmt;
    const char *package;
    char base[256];
    int have_base;
    struct archive *a;
    struct archive_entry *ae;
    struct dent *d;
    size_t nd, capd, di;
    int fd;
    locale_t utf8; /* archive: names are read as UTF-8 under this, whatever LANG says */
};

struct rent {
    char rel[BAG_PATH_MAX];   /* path inside the bag */
    char shown[BAG_PATH_MAX]; /* the entry's name as stored, for messages */
    int kind;
    uint64_t size;
    int64_t mtime;
};

static int
dent_cmp(const void *a, const void *b)
{
    const struct dent *x = a, *y = b;
    int dx = strncmp(x->rel, "data/", 5) == 0, dy = strncmp(y->rel, "data/", 5) == 0;
    if (dx != dy)
        return dx - dy; /* tag files first, as in an archive */
    return strcmp(x->rel, y->rel);
}

static int
walk(struct reader *r, const char *root, const char *rel, uint64_t max, struct custos_error *err)
{
    char dirpath[PATH_MAX];
    snprintf(dirpath, sizeof(dirpath), "%s%s%s", root, rel[0] ? "/" : "", rel);
    DIR *dir = opendir(dirpath);
    if (dir == NULL)
        return custos_error_set(err, CUSTOS_E_IO, errno, dirpath, "cannot open");
    int rc = CUSTOS_OK;
    struct dirent *de;
    while (rc == CUSTOS_OK && (errno = 0, de = readdir(dir)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (r->nd >= max) {
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, r->package, "more than %llu entries",
                                  (unsigned long long)max);
            break;
        }
        char child[BAG_PATH_MAX + 256];
        snprintf(child, sizeof(child), "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
        char full[PATH_MAX + BAG_PATH_MAX];
        snprintf(full, sizeof(full), "%s/%s", root, child);
        struct stat st;
        if (lstat(full, &st) != 0) {
            rc = custos_error_set(err, CUSTOS_E_IO, errno, full, "cannot stat");
            break;
        }
        if (r->nd == r->capd) {
            size_t cap = r->capd ? r->capd * 2 : 256;
            struct dent *nd = realloc(r->d, cap * sizeof(*nd));
            if (nd == NULL) {
                rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
                break;
            }
            r->d = nd;
            r->capd = cap;
        }
        struct dent *d = &r->d[r->nd];
        d->rel = strdup(child);
        if (d->rel == NULL) {
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
            break;
        }
        d->size = (uint64_t)st.st_size;
        d->mtime = (int64_t)st.st_mtime;
        d->kind = S_ISREG(st.st_mode)   ? RK_FILE
                  : S_ISDIR(st.st_mode) ? RK_DIR
                  : S_ISLNK(st.st_mode) ? RK_SYMLINK
                                        : RK_SPECIAL;
        r->nd++;
        if (S_ISDIR(st.st_mode))
            rc = walk(r, root, child, max, err);
    }
    if (rc == CUSTOS_OK && errno != 0)
        rc = custos_error_set(err, CUSTOS_E_IO, errno, dirpath, "cannot read the directory");
    closedir(dir);
    return rc;
}

/* Strips directory names and the ".tar"/".zip" suffix: the bag's base name. */
static void
base_name(const char *package, char *out, size_t len)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", package);
    size_t n = strlen(tmp);
    while (n > 1 && tmp[n - 1] == '/')
        tmp[--n] = '\0';
    const char *b = strrchr(tmp, '/') ? strrchr(tmp, '/') + 1 : tmp;
    snprintf(out, len, "%s", b);
    n = strlen(out);
    if (n > 4 && (strcmp(out + n - 4, ".tar") == 0 || strcmp(out + n - 4, ".zip") == 0))
        out[n - 4] = '\0';
}

static int
reader_open(struct reader *r, const char *package, uint64_t max, struct custos_error *err)
{
    memset(r, 0, sizeof(*r));
    r->fd = -1;
    r->package = package;
    struct stat st;
    if (stat(package, &st) != 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, package, "cannot open");
    if (S_ISDIR(st.st_mode)) {
        r->fmt = CUSTOS_SEAL_DIR_FORMAT;
        base_name(package, r->base, sizeof(r->base));
        int rc = walk(r, package, "", max, err);
        if (rc == CUSTOS_OK && r->nd > 1)
            qsort(r->d, r->nd, sizeof(*r->d), dent_cmp);
        return rc;
    }
    r->utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (r->utf8 == (locale_t)0)
        return custos_error_set(err, CUSTOS_E_NOMEM, errno, package,
                                "cannot read the archive (is the C.UTF-8 locale present?)");
    errno = 0; /* newlocale may leave ENOENT, which the open below reads as "no such file" */
    r->a = archive_read_new();
    if (r->a == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, package, "out of memory");
    /* Only the two formats custos writes, and no compression filters (no decompression bombs). */
    archive_read_support_format_tar(r->a);
    archive_read_support_format_zip(r->a);
    if (archive_read_open_filename(r->a, package, 64 * 1024) != ARCHIVE_OK)
        return ar_err(r->a, err, errno == ENOENT ? CUSTOS_E_IO : CUSTOS_E_CORRUPT, package,
                      "not a tar or zip package");
    r->fmt = CUSTOS_SEAL_TAR;
    return CUSTOS_OK;
}

static void
reader_close(struct reader *r)
{
    if (r->a != NULL)
        archive_read_free(r->a);
    if (r->utf8 != (locale_t)0)
        freelocale(r->utf8);
    for (size_t i = 0; i < r->nd; i++)
        free(r->d[i].rel);
    free(r->d);
    if (r->fd >= 0)
        close(r->fd);
    memset(r, 0, sizeof(*r));
    r->fd = -1;
}

/* Next entry: CUSTOS_OK, 1 at the end, or an error status. */
static int
reader_next(struct reader *r, struct rent *e, struct custos_error *err)
{
    memset(e, 0, sizeof(*e));
    if (r->fd >= 0) {
        close(r->fd);
        r->fd = -1;
    }
    if (r->fmt == CUSTOS_SEAL_DIR_FORMAT) {
        if (r->di >= r->nd)
            return 1;
        struct dent *d = &r->d[r->di++];
        snprintf(e->rel, sizeof(e->rel), "%s", d->rel);
        snprintf(e->shown, sizeof(e->shown), "%s", d->rel);
        e->kind = d->kind;
        e->size = d->size;
        e->mtime = d->mtime;
        if (d->kind == RK_FILE) {
            char full[PATH_MAX + BAG_PATH_MAX];
            snprintf(full, sizeof(full), "%s/%s", r->package, d->rel);
            r->fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
            struct stat st;
            if (r->fd < 0 || fstat(r->fd, &st) != 0)
                return custos_error_set(err, CUSTOS_E_IO, errno, full, "cannot open");
            if (!S_ISREG(st.st_mode))
                e->kind = RK_SPECIAL;
            e->size = (uint64_t)st.st_size;
        }
        return CUSTOS_OK;
    }
    /* pax and zip bit-11 names are UTF-8: read them as such (not as LANG's charset). */
    locale_t old = uselocale(r->utf8);
    int ar = archive_read_next_header(r->a, &r->ae);
    const char *name =
        ar == ARCHIVE_OK || ar == ARCHIVE_WARN ? archive_entry_pathname(r->ae) : NULL;
    uselocale(old);
    if (ar == ARCHIVE_EOF)
        return 1;
    if (ar != ARCHIVE_OK && ar != ARCHIVE_WARN)
        return ar_err(r->a, err, CUSTOS_E_CORRUPT, r->package, "damaged archive");
    if (archive_format(r->a) == ARCHIVE_FORMAT_ZIP ||
        (archive_format(r->a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP)
        r->fmt = CUSTOS_SEAL_ZIP;
    if (name == NULL || name[0] == '\0') {
        snprintf(e->shown, sizeof(e->shown), "(unnamed entry)");
        e->kind = RK_BADPATH;
        return CUSTOS_OK;
    }
    snprintf(e->shown, sizeof(e->shown), "%s", name);
    for (char *c = e->shown; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = '?';
    char full[BAG_PATH_MAX + 256];
    snprintf(full, sizeof(full), "%s", name);
    size_t n = strlen(full);
    int is_dir = archive_entry_filetype(r->ae) == AE_IFDIR;
    while (n > 1 && full[n - 1] == '/') {
        full[--n] = '\0';
        is_dir = 1;
    }
    e->size = archive_entry_size_is_set(r->ae) ? (uint64_t)archive_entry_size(r->ae) : 0;
    e->mtime = (int64_t)archive_entry_mtime(r->ae);
    if (custos__bag_path_check(full) == BAG_PATH_HOSTILE) {
        e->kind = RK_BADPATH;
        return CUSTOS_OK;
    }
    const char *slash = strchr(full, '/');
    size_t blen = slash ? (size_t)(slash - full) : strlen(full);
    if (!r->have_base) {
        if (blen >= sizeof(r->base)) {
            e->kind = RK_BADPATH;
            return CUSTOS_OK;
        }
        memcpy(r->base, full, blen);
        r->base[blen] = '\0';
        r->have_base = 1;
    }
    if (blen != strlen(r->base) || strncmp(full, r->base, blen) != 0) {
        e->kind = RK_OUTSIDE;
        return CUSTOS_OK;
    }
    snprintf(e->rel, sizeof(e->rel), "%s", slash ? slash + 1 : "");
    if (archive_entry_hardlink(r->ae) != NULL)
        e->kind = RK_HARDLINK;
    else if (archive_entry_filetype(r->ae) == AE_IFLNK)
        e->kind = RK_SYMLINK;
    else if (is_dir)
        e->kind = RK_DIR;
    else if (archive_entry_filetype(r->ae) == AE_IFREG)
        e->kind = RK_FILE;
    else
        e->kind = RK_SPECIAL;
    return CUSTOS_OK;
}

/* Reads up to len bytes of the current entry: >0 bytes, 0 at its end, -1 on error (err set). */
static long
reader_read(struct reader *r, void *buf, size_t len, struct custos_error *err)
{
    if (r->fmt == CUSTOS_SEAL_DIR_FORMAT) {
        ssize_t k;
        do
            k = read(r->fd, buf, len);
        while (k < 0 && errno == EINTR);
        if (k < 0)
            custos_error_set(err, CUSTOS_E_IO, errno, r->package, "cannot read");
        return (long)k;
    }
    la_ssize_t k = archive_read_data(r->a, buf, len);
    if (k < 0) {
        ar_err(r->a, err, CUSTOS_E_CORRUPT, r->package, "damaged or truncated archive");
        return -1;
    }
    return (long)k;
}

/*
 * Whether entry e may not be read at all (format section 1: hostile): an absolute path
 * or ".." component, an entry outside the bag's directory, a link or special file, a
 * name a package may not hold. Returns 1 with the reason in why, or 0.
 */
static int
entry_hostile(const struct reader *rd, const struct rent *e, char *why, size_t len)
{
    static const char *const kinds[] = {"file", "directory", "symbolic link", "hard link",
                                        "device or special file"};
    switch (e->kind) {
    case RK_BADPATH:
        snprintf(why, len, "%.500s: absolute path or \"..\" component", e->shown);
        return 1;
    case RK_OUTSIDE:
        snprintf(why, len, "%.300s: entry outside the bag directory %.255s/", e->shown, rd->base);
        return 1;
    case RK_SYMLINK:
    case RK_HARDLINK:
    case RK_SPECIAL:
        snprintf(why, len, "%.500s: a %s, not a regular file", e->shown, kinds[e->kind]);
        return 1;
    default:
        break;
    }
    if (custos__bag_path_check(e->rel) != BAG_PATH_OK) {
        snprintf(why, len, "%.500s: name not allowed in a package", e->shown);
        return 1;
    }
    return 0;
}

/* Whether tag file e, after ntags others, breaks the tag-file limits; 1 with why set. */
static int
tag_over_limit(const struct rent *e, size_t ntags, char *why, size_t len)
{
    if (ntags >= CUSTOS_SEAL_TAG_FILES_MAX) {
        snprintf(why, len, "%.500s: more than %d tag files", e->shown, CUSTOS_SEAL_TAG_FILES_MAX);
        return 1;
    }
    if (e->size > CUSTOS_SEAL_TAG_FILE_MAX) {
        snprintf(why, len, "%.500s: tag file of %llu bytes declared", e->shown,
                 (unsigned long long)e->size);
        return 1;
    }
    return 0;
}

/*
 * Reads the current entry, a tag file, into a new buffer (*bytes, NUL-terminated after
 * its *len bytes) of less than CUSTOS_SEAL_TAG_FILE_MAX bytes.
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED when the entry is longer (nothing is kept);
 * the reader's status with err set when it cannot be read; CUSTOS_E_NOMEM.
 */
static int
read_tag(struct reader *rd, uint8_t **bytes, size_t *len, struct custos_error *err)
{
    size_t cap = 4096, n = 0;
    uint8_t *b = malloc(cap);
    int rc = b != NULL ? CUSTOS_OK : CUSTOS_E_NOMEM;
    while (rc == CUSTOS_OK) {
        if (n == cap) {
            if (cap >= CUSTOS_SEAL_TAG_FILE_MAX) {
                rc = CUSTOS_E_REFUSED;
                break;
            }
            uint8_t *nb = realloc(b, cap * 2);
            if (nb == NULL) {
                rc = CUSTOS_E_NOMEM;
                break;
            }
            b = nb;
            cap *= 2;
        }
        long k = reader_read(rd, b + n, cap - n, err);
        if (k < 0)
            rc = err->status;
        if (k <= 0)
            break;
        n += (size_t)k;
    }
    if (rc != CUSTOS_OK) {
        free(b);
        if (rc == CUSTOS_E_NOMEM)
            custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        return rc;
    }
    b[n] = '\0'; /* n < cap: the loop grows the buffer before every read */
    *bytes = b;
    *len = n;
    return CUSTOS_OK;
}

const struct seal_tag *
custos__seal_tag(const struct seal_tags *t, const char *rel)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].rel, rel) == 0)
            return &t->v[i];
    return NULL;
}

void
custos__seal_tags_free(struct seal_tags *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].rel);
        free(t->v[i].bytes);
    }
    free(t->v);
    memset(t, 0, sizeof(*t));
}

int
custos__seal_read_tags(const char *package, int (*keep)(const char *rel), struct seal_tags *out,
                       struct custos_error *err)
{
    memset(out, 0, sizeof(*out));
    struct reader rd;
    int rc = reader_open(&rd, package, CUSTOS_SEAL_ENTRIES_MAX, err);
    if (rc == CUSTOS_OK && rd.fmt == CUSTOS_SEAL_DIR_FORMAT)
        rc = custos_error_set(err, CUSTOS_E_USAGE, 0, package, "a directory, not an archive");
    struct rent *e = rc == CUSTOS_OK ? malloc(sizeof(*e)) : NULL;
    if (rc == CUSTOS_OK && e == NULL)
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    char why[600];
    uint64_t entries = 0;
    while (rc == CUSTOS_OK) {
        int n = reader_next(&rd, e, err);
        if (n == 1)
            break;
        if ((rc = n) != CUSTOS_OK)
            break;
        if (++entries > CUSTOS_SEAL_ENTRIES_MAX) {
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, package, "more than %llu entries",
                                  (unsigned long long)CUSTOS_SEAL_ENTRIES_MAX);
            break;
        }
        if (e->kind == RK_DIR)
            continue;
        if (entry_hostile(&rd, e, why, sizeof(why))) {
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, package, "hostile entry %s", why);
            break;
        }
        if (strncmp(e->rel, CUSTOS_BAG_PAYLOAD_DIR "/", 5) == 0) {
            out->payload_entries++; /* its data is skipped by the next reader_next */
            continue;
        }
        if (custos__seal_tag(out, e->rel) != NULL) {
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, package,
                                  "hostile entry %s: stored twice", e->shown);
            break;
        }
        if (tag_over_limit(e, out->n, why, sizeof(why))) {
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, package, "%s", why);
            break;
        }
        struct seal_tag *v = realloc(out->v, (out->n + 1) * sizeof(*v));
        if (v == NULL) {
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
            break;
        }
        out->v = v;
        struct seal_tag *t = &out->v[out->n];
        memset(t, 0, sizeof(*t));
        if ((t->rel = strdup(e->rel)) == NULL) {
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
            break;
        }
        out->n++;
        if (keep != NULL && keep(e->rel)) {
            rc = read_tag(&rd, &t->bytes, &t->len, err);
            if (rc == CUSTOS_E_REFUSED)
                rc = custos_error_set(err, rc, 0, package, "%s: tag file over %llu bytes", e->shown,
                                      (unsigned long long)CUSTOS_SEAL_TAG_FILE_MAX);
        }
    }
    if (rc == CUSTOS_OK && entries == 0)
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, package, "empty archive");
    out->format = rd.fmt;
    snprintf(out->base, sizeof(out->base), "%s", rd.base);
    free(e);
    reader_close(&rd);
    if (rc != CUSTOS_OK)
        custos__seal_tags_free(out);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Verification                                                        */
/* ------------------------------------------------------------------ */

struct tagfile {
    char *rel;
    uint8_t *bytes;
    size_t len;
    int listed; /* listed by the tag manifest */
};

struct scan {
    const struct custos_seal_verify_options *o;
    struct custos_seal_report *rep;
    struct tagfile *tags;
    size_t ntags;
    struct bag_manifest found; /* payload files seen, with their hashes */
    struct bag_info info;
    int have_info;
    uint64_t oxum_bytes, oxum_files;
    uint8_t tm_sha[32];
    const struct tagfile *tagmanifest;
    int stop; /* a run-stopping finding was made */
    const char *package;
    uint64_t done;
};

static int finding(struct scan *s, int status, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
finding(struct scan *s, int status, const char *kind, const char *fmt, ...)
{
    struct custos_seal_report *r = s->rep;
    struct custos_seal_finding *f = realloc(r->findings, (r->nfindings + 1) * sizeof(*f));
    if (f == NULL)
        return CUSTOS_E_NOMEM;
    r->findings = f;
    f = &r->findings[r->nfindings++];
    memset(f, 0, sizeof(*f));
    f->status = status;
    snprintf(f->kind, sizeof(f->kind), "%s", kind);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof(f->message), fmt, ap);
    va_end(ap);
    for (char *c = f->message; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = '?';
    r->status = custos_status_worst(r->status, status);
    return CUSTOS_OK;
}

/* The message of err without a leading "PACKAGE: " (the tool names the package). */
static const char *
bare(const struct scan *s, const struct custos_error *err)
{
    size_t n = strlen(s->package);
    if (strncmp(err->message, s->package, n) == 0 && strncmp(err->message + n, ": ", 2) == 0)
        return err->message + n + 2;
    return err->message;
}

static const struct tagfile *
tag_get(const struct scan *s, const char *rel)
{
    for (size_t i = 0; i < s->ntags; i++)
        if (strcmp(s->tags[i].rel, rel) == 0)
            return &s->tags[i];
    return NULL;
}

static void
sha256(const void *buf, size_t len, uint8_t out[32])
{
    unsigned int n = 32;
    EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL);
}

/* Reads bag-info as soon as it arrives: it bounds the payload (invariant 3). */
static int
take_bag_info(struct scan *s, const struct tagfile *t, struct custos_error *err)
{
    struct custos_error e2;
    custos_error_clear(&e2);
    int rc = custos__bag_info_parse(CUSTOS_BAG_INFO, (const char *)t->bytes, t->len, &s->info, &e2);
    if (rc == CUSTOS_E_NOMEM)
        return custos_error_copy(err, &e2);
    if (rc != CUSTOS_OK) {
        s->stop = 1;
        return finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s", e2.message);
    }
    const char *ox = custos__bag_info_get(&s->info, "Payload-Oxum");
    if (ox == NULL || custos__bag_oxum_parse(ox, &s->oxum_bytes, &s->oxum_files) != 0) {
        s->stop = 1;
        return finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: no valid Payload-Oxum",
                       CUSTOS_BAG_INFO);
    }
    s->have_info = 1;
    struct custos_seal_report *r = s->rep;
    r->oxum_bytes = s->oxum_bytes;
    r->oxum_files = s->oxum_files;
    const char *v;
#define COPY(field, label)                                                                         \
    if ((v = custos__bag_info_get(&s->info, label)) != NULL)                                       \
        snprintf(r->field, sizeof(r->field), "%s", v);
    COPY(case_id, CUSTOS_BAG_LABEL_CASE)
    COPY(evidence, CUSTOS_BAG_LABEL_EVIDENCE)
    COPY(seal_number, CUSTOS_BAG_LABEL_SEAL)
    COPY(authorisation, CUSTOS_BAG_LABEL_AUTH)
    COPY(sealed_at, CUSTOS_BAG_LABEL_SEALED_AT)
    COPY(custodian, "Contact-Name")
#undef COPY
    return CUSTOS_OK;
}

/* One entry: checks it, reads it (tag file) or hashes it (payload), and passes it to w. */
static int
scan_entry(struct scan *s, struct reader *rd, const struct rent *e, struct writer *w, uint8_t *buf,
           struct custos_error *err)
{
    if (e->kind == RK_DIR)
        return CUSTOS_OK;
    char why[600];
    if (entry_hostile(rd, e, why, sizeof(why)))
        return finding(s, CUSTOS_E_REFUSED, "hostile", "%s", why);
    int is_data = strncmp(e->rel, CUSTOS_BAG_PAYLOAD_DIR "/", 5) == 0;
    int rc;
    if (!is_data) {
        if (tag_get(s, e->rel) != NULL)
            return finding(s, CUSTOS_E_REFUSED, "hostile", "%s: stored twice", e->rel);
        if (tag_over_limit(e, s->ntags, why, sizeof(why))) {
            s->stop = 1;
            return finding(s, CUSTOS_E_REFUSED, "bomb", "%s", why);
        }
        struct tagfile *nt = realloc(s->tags, (s->ntags + 1) * sizeof(*nt));
        if (nt == NULL)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        s->tags = nt;
        struct tagfile *t = &s->tags[s->ntags];
        memset(t, 0, sizeof(*t));
        t->rel = strdup(e->rel);
        if (t->rel == NULL)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        s->ntags++;
        rc = read_tag(rd, &t->bytes, &t->len, err);
        if (rc == CUSTOS_E_NOMEM)
            return rc;
        if (rc == CUSTOS_E_REFUSED) {
            s->stop = 1;
            return finding(s, CUSTOS_E_REFUSED, "bomb", "%s: tag file over %llu bytes", e->shown,
                           (unsigned long long)CUSTOS_SEAL_TAG_FILE_MAX);
        }
        if (rc != CUSTOS_OK) {
            s->stop = 1;
            return finding(s, err->status, "corrupt", "%s", bare(s, err));
        }
        if (w != NULL && (rc = writer_bytes(w, e->rel, t->bytes, t->len, e->mtime, err)) != 0)
            return rc;
        if (strcmp(e->rel, CUSTOS_BAG_INFO) == 0)
            return take_bag_info(s, t, err);
        return CUSTOS_OK;
    }
    /* Payload: bounded by Payload-Oxum before a byte is read (invariant 3). */
    if (!s->have_info) {
        s->stop = 1;
        if (tag_get(s, CUSTOS_BAG_INFO) == NULL && rd->fmt == CUSTOS_SEAL_DIR_FORMAT)
            return finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: missing", CUSTOS_BAG_INFO);
        return finding(s, CUSTOS_E_REFUSED, "bomb",
                       "%s: payload before %s (its Payload-Oxum bounds the payload)", e->shown,
                       CUSTOS_BAG_INFO);
    }
    /* Up to a slack beyond the declared payload is read and reported as added or changed. */
    uint64_t max_files = s->oxum_files + CUSTOS_SEAL_EXTRA_FILES_MAX;
    uint64_t max_bytes = s->oxum_bytes + CUSTOS_SEAL_EXTRA_BYTES_MAX;
    if (s->rep->payload_files + 1 > max_files) {
        s->stop = 1;
        return finding(s, CUSTOS_E_REFUSED, "bomb",
                       "%s: over %llu payload files more than Payload-Oxum declares (%llu)",
                       e->shown, (unsigned long long)CUSTOS_SEAL_EXTRA_FILES_MAX,
                       (unsigned long long)s->oxum_files);
    }
    if (e->size > max_bytes - s->rep->payload_bytes) {
        s->stop = 1;
        return finding(s, CUSTOS_E_REFUSED, "bomb",
                       "%s: declared size %llu bytes exceeds Payload-Oxum (%llu bytes) by more "
                       "than %llu bytes",
                       e->shown, (unsigned long long)e->size, (unsigned long long)s->oxum_bytes,
                       (unsigned long long)CUSTOS_SEAL_EXTRA_BYTES_MAX);
    }
    if (w != NULL && (rc = writer_begin(w, e->rel, e->size, e->mtime, err)) != 0)
        return rc;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md == NULL || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(md);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    uint64_t got = 0;
    rc = CUSTOS_OK;
    for (;;) {
        if (custos_progress_cancelled(s->o->progress)) {
            rc = custos_error_set(err, CUSTOS_E_INTERRUPTED, 0, rd->package, "interrupted");
            break;
        }
        long k = reader_read(rd, buf, IO_CHUNK, err);
        if (k < 0) {
            s->stop = 1;
            rc = finding(s, err->status, "corrupt", "%s", bare(s, err));
            EVP_MD_CTX_free(md);
            return rc;
        }
        if (k == 0)
            break;
        got += (uint64_t)k;
        if (s->rep->payload_bytes + got > max_bytes) {
            s->stop = 1;
            EVP_MD_CTX_free(md);
            return finding(s, CUSTOS_E_REFUSED, "bomb",
                           "%s: payload exceeds Payload-Oxum (%llu bytes) by more than %llu bytes",
                           e->shown, (unsigned long long)s->oxum_bytes,
                           (unsigned long long)CUSTOS_SEAL_EXTRA_BYTES_MAX);
        }
        EVP_DigestUpdate(md, buf, (size_t)k);
        if (w != NULL && (rc = writer_data(w, buf, (size_t)k, err)) != 0)
            break;
        s->done += (uint64_t)k;
        custos_progress_update(s->o->progress, s->done, s->oxum_bytes);
    }
    uint8_t d[32];
    unsigned int dl = 32;
    EVP_DigestFinal_ex(md, d, &dl);
    EVP_MD_CTX_free(md);
    if (rc != CUSTOS_OK)
        return rc;
    if (w != NULL && (rc = writer_end(w, err)) != 0)
        return rc;
    s->rep->payload_files++;
    s->rep->payload_bytes += got;
    if (custos__bag_manifest_add(&s->found, e->rel, d, got) != CUSTOS_OK)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    return CUSTOS_OK;
}

static int
add_signer(struct custos_seal_report *r, const char *fp, const char *role,
           struct custos_seal_signer **out)
{
    for (size_t i = 0; i < r->nsigners; i++)
        if (strcmp(r->signers[i].fingerprint, fp) == 0) {
            *out = &r->signers[i];
            if (role != NULL && r->signers[i].role[0] == '\0')
                snprintf(r->signers[i].role, sizeof(r->signers[i].role), "%s", role);
            return CUSTOS_OK;
        }
    struct custos_seal_signer *v = realloc(r->signers, (r->nsigners + 1) * sizeof(*v));
    if (v == NULL)
        return CUSTOS_E_NOMEM;
    r->signers = v;
    struct custos_seal_signer *g = &r->signers[r->nsigners++];
    memset(g, 0, sizeof(*g));
    snprintf(g->fingerprint, sizeof(g->fingerprint), "%s", fp);
    snprintf(g->role, sizeof(g->role), "%s", role != NULL ? role : "");
    g->status = CUSTOS_E_INCOMPLETE;
    *out = g;
    return CUSTOS_OK;
}

/* Signatures, named signers and trusted keys (format section 1). */
static int
check_signatures(struct scan *s, struct custos_error *err)
{
    struct custos_seal_report *r = s->rep;
    const struct tagfile *tm = s->tagmanifest;
    struct custos_seal_signer *g;
    /* The signers bag-info names. */
    size_t ncust = 0;
    for (size_t i = 0; i < s->info.n; i++) {
        if (strcmp(s->info.label[i], CUSTOS_BAG_LABEL_SIGNER) != 0)
            continue;
        char role[32], fp[65];
        const char *v = s->info.value[i];
        const char *sp = strchr(v, ' ');
        if (sp == NULL || (size_t)(sp - v) >= sizeof(role) || strlen(sp + 1) != 64 ||
            strspn(sp + 1, "0123456789abcdef") != 64) {
            finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: bad %s line", CUSTOS_BAG_INFO,
                    CUSTOS_BAG_LABEL_SIGNER);
            continue;
        }
        memcpy(role, v, (size_t)(sp - v));
        role[sp - v] = '\0';
        snprintf(fp, sizeof(fp), "%s", sp + 1);
        if (strcmp(role, CUSTOS_ROLE_CUSTODIAN) == 0)
            ncust++;
        else if (strcmp(role, CUSTOS_ROLE_WITNESS) != 0)
            finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: unknown signer role %s", CUSTOS_BAG_INFO,
                    role);
        if (add_signer(r, fp, role, &g) != CUSTOS_OK)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    if (ncust != 1)
        finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: %zu custodian signers named, not one",
                CUSTOS_BAG_INFO, ncust);
    /* Every signature file. */
    for (size_t i = 0; i < s->ntags; i++) {
        const struct tagfile *t = &s->tags[i];
        size_t n = strlen(t->rel);
        if (strncmp(t->rel, CUSTOS_SEAL_DIR "/", sizeof(CUSTOS_SEAL_DIR)) != 0 || n < 4 ||
            strcmp(t->rel + n - 4, CUSTOS_SEAL_SIG_SUFFIX) != 0)
            continue;
        struct custos_sigfile sf;
        struct custos_error e2;
        custos_error_clear(&e2);
        if (custos_sigfile_parse(t->rel, t->bytes, t->len, &sf, &e2) != CUSTOS_OK) {
            finding(s, e2.status, "signature", "%s", e2.message);
            continue;
        }
        char want[128];
        snprintf(want, sizeof(want), CUSTOS_SEAL_DIR "/%.16s" CUSTOS_SEAL_SIG_SUFFIX, sf.key);
        if (add_signer(r, sf.key, NULL, &g) != CUSTOS_OK)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        g->present = 1;
        int st = CUSTOS_OK;
        if (strcmp(want, t->rel) != 0) {
            st = finding(s, CUSTOS_E_UNTRUSTED, "signature",
                         "%s: holds a signature by %.16s (file name and key differ)", t->rel,
                         sf.key);
            g->status = CUSTOS_E_UNTRUSTED;
            continue;
        }
        if (strcmp(sf.purpose, CUSTOS_PURPOSE_SEAL) != 0) {
            finding(s, CUSTOS_E_UNTRUSTED, "signature", "%s: signature is for %s, not a seal",
                    t->rel, sf.purpose);
            g->status = CUSTOS_E_UNTRUSTED;
            continue;
        }
        /* The key: a trusted one, else the copy in the package. */
        struct custos_key *own = NULL;
        const struct custos_key *key = NULL;
        for (size_t k = 0; s->o != NULL && k < s->o->ntrusted; k++)
            if (strcmp(custos_key_fingerprint(s->o->trusted[k]), sf.key) == 0) {
                key = s->o->trusted[k];
                g->trusted = 1;
            }
        char pubrel[128];
        snprintf(pubrel, sizeof(pubrel), CUSTOS_SEAL_DIR "/%.16s" CUSTOS_SEAL_PUB_SUFFIX, sf.key);
        const struct tagfile *pt = tag_get(s, pubrel);
        if (pt != NULL) {
            if (custos_key_load_public_mem(&own, pubrel, pt->bytes, pt->len, &e2) != CUSTOS_OK) {
                finding(s, CUSTOS_E_UNTRUSTED, "signature", "%s", e2.message);
                own = NULL;
            } else if (strcmp(custos_key_fingerprint(own), sf.key) != 0) {
                finding(s, CUSTOS_E_UNTRUSTED, "signature", "%s: is not the key of %s", pubrel,
                        t->rel);
                custos_key_free(own);
                own = NULL;
            } else {
                snprintf(g->name, sizeof(g->name), "%s", custos_key_name(own));
            }
        }
        if (key == NULL)
            key = own;
        if (key == NULL) {
            finding(s, CUSTOS_E_UNTRUSTED, "signature", "%s: no public key for %.16s", t->rel,
                    sf.key);
            g->status = CUSTOS_E_UNTRUSTED;
            continue;
        }
        if (g->name[0] == '\0')
            snprintf(g->name, sizeof(g->name), "%s", custos_key_name(key));
        st = custos_verify(key, CUSTOS_PURPOSE_SEAL, tm->bytes, tm->len, sf.sig, &e2);
        custos_key_free(own);
        if (st != CUSTOS_OK) {
            finding(s, CUSTOS_E_UNTRUSTED, "signature", "%s: signature by %.16s does not verify",
                    t->rel, sf.key);
            g->status = CUSTOS_E_UNTRUSTED;
            continue;
        }
        g->status = CUSTOS_OK;
        if (g->role[0] == '\0') {
            finding(s, CUSTOS_E_UNTRUSTED, "signature",
                    "%s: signature by %.16s, a key %s does not name", t->rel, sf.key,
                    CUSTOS_BAG_INFO);
            g->status = CUSTOS_E_UNTRUSTED;
        }
    }
    /* Named signers who have not signed; trusted keys that have not signed. */
    for (size_t i = 0; i < r->nsigners; i++) {
        g = &r->signers[i];
        if (g->present || g->role[0] == '\0')
            continue;
        if (strcmp(g->role, CUSTOS_ROLE_CUSTODIAN) == 0)
            finding(s, CUSTOS_E_UNTRUSTED, "signature",
                    "the custodian's signature (%.16s) is missing", g->fingerprint);
        else
            finding(s, CUSTOS_E_INCOMPLETE, "pending", "awaiting the %s's signature (%.16s)",
                    g->role, g->fingerprint);
    }
    for (size_t k = 0; s->o != NULL && k < s->o->ntrusted; k++) {
        const char *fp = custos_key_fingerprint(s->o->trusted[k]);
        int good = 0;
        for (size_t i = 0; i < r->nsigners; i++)
            if (strcmp(r->signers[i].fingerprint, fp) == 0) {
                r->signers[i].trusted = 1;
                good = r->signers[i].status == CUSTOS_OK;
            }
        if (!good)
            finding(s, CUSTOS_E_UNTRUSTED, "signature",
                    "trusted key %.16s (%s) has no valid signature", fp,
                    custos_key_name(s->o->trusted[k]));
    }
    return CUSTOS_OK;
}

static int
check_timestamp(struct scan *s, struct custos_error *err)
{
    (void)err;
    const struct tagfile *t = tag_get(s, CUSTOS_SEAL_TIMESTAMP);
    struct custos_seal_report *r = s->rep;
    if (t == NULL)
        return CUSTOS_OK;
    r->timestamp_present = 1;
    struct custos_error e2;
    custos_error_clear(&e2);
    int rc;
    if (s->o != NULL && s->o->tsa_ca != NULL) {
        r->timestamp_checked = 1;
        rc = custos_timestamp_verify(t->bytes, t->len, s->tm_sha, s->o->tsa_ca, &r->tstamp, &e2);
        if (rc == CUSTOS_E_IO || rc == CUSTOS_E_NOMEM)
            return custos_error_copy(err, &e2);
    } else {
        rc = custos_timestamp_info(t->bytes, t->len, &r->tstamp, &e2);
        if (rc == CUSTOS_OK && memcmp(r->tstamp.imprint, s->tm_sha, 32) != 0)
            rc = custos_error_set(&e2, CUSTOS_E_UNTRUSTED, 0, NULL,
                                  "timestamp: message imprint mismatch");
    }
    r->timestamp_status = rc;
    if (rc != CUSTOS_OK)
        return finding(s, CUSTOS_E_UNTRUSTED, "timestamp", "%s: %s", CUSTOS_SEAL_TIMESTAMP,
                       e2.message);
    return CUSTOS_OK;
}

/* Everything after the pass: bagit.txt, tag manifest, payload, Oxum, signatures, timestamp. */
static int
scan_finish(struct scan *s, struct custos_error *err)
{
    struct custos_seal_report *r = s->rep;
    const struct tagfile *decl = tag_get(s, CUSTOS_BAG_DECLARATION);
    const char *want = CUSTOS_BAG_DECLARATION_TEXT;
    if (decl == NULL)
        finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: missing", CUSTOS_BAG_DECLARATION);
    else if (decl->len != strlen(want) || memcmp(decl->bytes, want, decl->len) != 0)
        finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: not a BagIt 1.0 UTF-8 declaration",
                CUSTOS_BAG_DECLARATION);
    s->tagmanifest = tag_get(s, CUSTOS_BAG_TAGMANIFEST);
    struct bag_manifest tm = {0}, pm = {0};
    struct custos_error e2;
    custos_error_clear(&e2);
    int rc = CUSTOS_OK;
    if (s->tagmanifest == NULL) {
        finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: missing", CUSTOS_BAG_TAGMANIFEST);
    } else {
        sha256(s->tagmanifest->bytes, s->tagmanifest->len, s->tm_sha);
        custos_hex_encode(s->tm_sha, 32, r->tagmanifest_sha256);
        if ((rc = custos__bag_manifest_parse(CUSTOS_BAG_TAGMANIFEST,
                                             (const char *)s->tagmanifest->bytes,
                                             s->tagmanifest->len, &tm, &e2)) != CUSTOS_OK) {
            if (rc == CUSTOS_E_NOMEM)
                goto out;
            finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s", e2.message);
        }
        static const char *const required[] = {CUSTOS_BAG_DECLARATION, CUSTOS_BAG_INFO,
                                               CUSTOS_BAG_MANIFEST};
        for (size_t i = 0; i < 3; i++)
            if (custos__bag_manifest_find(&tm, required[i]) == NULL)
                finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: does not list %s",
                        CUSTOS_BAG_TAGMANIFEST, required[i]);
        for (size_t i = 0; i < tm.n; i++) {
            struct tagfile *t = (struct tagfile *)tag_get(s, tm.v[i].path);
            uint8_t d[32];
            if (strncmp(tm.v[i].path, "data/", 5) == 0 ||
                strcmp(tm.v[i].path, CUSTOS_BAG_TAGMANIFEST) == 0) {
                finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: lists %s", CUSTOS_BAG_TAGMANIFEST,
                        tm.v[i].path);
                continue;
            }
            if (t == NULL) {
                finding(s, CUSTOS_E_MISMATCH, "missing", "%s: missing", tm.v[i].path);
                continue;
            }
            t->listed = 1;
            sha256(t->bytes, t->len, d);
            if (memcmp(d, tm.v[i].sha256, 32) != 0)
                finding(s, CUSTOS_E_MISMATCH, "changed", "%s: changed (SHA-256 differs from %s)",
                        tm.v[i].path, CUSTOS_BAG_TAGMANIFEST);
        }
    }
    /* Tag files nobody lists and custos did not make. */
    for (size_t i = 0; i < s->ntags; i++) {
        const struct tagfile *t = &s->tags[i];
        if (t->listed || t == s->tagmanifest || strcmp(t->rel, CUSTOS_SEAL_TIMESTAMP) == 0)
            continue;
        size_t n = strlen(t->rel);
        if (strncmp(t->rel, CUSTOS_SEAL_DIR "/", sizeof(CUSTOS_SEAL_DIR)) == 0 && n == 32 &&
            (strcmp(t->rel + 28, CUSTOS_SEAL_SIG_SUFFIX) == 0 ||
             strcmp(t->rel + 28, CUSTOS_SEAL_PUB_SUFFIX) == 0))
            continue;
        finding(s, CUSTOS_E_MISMATCH, "added", "%s: added (not listed by %s)", t->rel,
                CUSTOS_BAG_TAGMANIFEST);
    }
    /* The payload against its manifest. */
    const struct tagfile *mt = tag_get(s, CUSTOS_BAG_MANIFEST);
    if (mt == NULL) {
        finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: missing", CUSTOS_BAG_MANIFEST);
    } else if ((rc = custos__bag_manifest_parse(CUSTOS_BAG_MANIFEST, (const char *)mt->bytes,
                                                mt->len, &pm, &e2)) != CUSTOS_OK) {
        if (rc == CUSTOS_E_NOMEM)
            goto out;
        finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s", e2.message);
    } else {
        long dup = custos__bag_manifest_sort(&s->found);
        if (dup >= 0)
            finding(s, CUSTOS_E_REFUSED, "hostile", "%s: stored twice", s->found.v[dup].path);
        for (size_t i = 0; i < pm.n; i++)
            if (strncmp(pm.v[i].path, "data/", 5) != 0)
                finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: lists %s, outside data/",
                        CUSTOS_BAG_MANIFEST, pm.v[i].path);
        char hex[65], hex2[65];
        for (size_t i = 0; i < s->found.n; i++) {
            struct bag_line *l = custos__bag_manifest_find(&pm, s->found.v[i].path);
            if (l == NULL) {
                finding(s, CUSTOS_E_MISMATCH, "added", "%s: added (not in %s)", s->found.v[i].path,
                        CUSTOS_BAG_MANIFEST);
                continue;
            }
            l->seen = 1;
            if (memcmp(l->sha256, s->found.v[i].sha256, 32) != 0) {
                custos_hex_encode(l->sha256, 32, hex);
                custos_hex_encode(s->found.v[i].sha256, 32, hex2);
                finding(s, CUSTOS_E_MISMATCH, "changed",
                        "%s: changed (SHA-256 %.16s..., sealed %.16s...)", s->found.v[i].path, hex2,
                        hex);
            }
        }
        if (!s->stop)
            for (size_t i = 0; i < pm.n; i++)
                if (!pm.v[i].seen && strncmp(pm.v[i].path, "data/", 5) == 0)
                    finding(s, CUSTOS_E_MISMATCH, "missing", "%s: missing", pm.v[i].path);
    }
    if (s->have_info && !s->stop &&
        (s->oxum_bytes != r->payload_bytes || s->oxum_files != r->payload_files))
        finding(s, CUSTOS_E_MISMATCH, "oxum", "%s: Payload-Oxum %llu.%llu, payload holds %llu.%llu",
                CUSTOS_BAG_INFO, (unsigned long long)s->oxum_bytes,
                (unsigned long long)s->oxum_files, (unsigned long long)r->payload_bytes,
                (unsigned long long)r->payload_files);
    if (s->tagmanifest != NULL && s->have_info) {
        if ((rc = check_signatures(s, err)) != CUSTOS_OK)
            goto out;
        if ((rc = check_timestamp(s, err)) != CUSTOS_OK)
            goto out;
    }
    rc = CUSTOS_OK;
out:
    if (rc == CUSTOS_E_NOMEM && err->status != CUSTOS_E_NOMEM)
        custos_error_set(err, rc, 0, NULL, "out of memory");
    custos__bag_manifest_free(&tm);
    custos__bag_manifest_free(&pm);
    return rc;
}

static void
scan_free(struct scan *s)
{
    for (size_t i = 0; i < s->ntags; i++) {
        free(s->tags[i].rel);
        free(s->tags[i].bytes);
    }
    free(s->tags);
    custos__bag_manifest_free(&s->found);
    custos__bag_info_free(&s->info);
}

void
custos_seal_report_free(struct custos_seal_report *r)
{
    if (r == NULL)
        return;
    free(r->signers);
    free(r->findings);
    free(r);
}

/*
 * One full pass over the package; with w, every accepted entry is also
 * written. Returns a run status (I/O, memory, interruption); the findings
 * and their worst status are in *out. The scan s stays valid for the caller.
 */
static int
scan_package(const char *package, const struct custos_seal_verify_options *o, struct writer *w,
             struct scan *s, struct custos_seal_report **out, struct custos_error *err)
{
    static const struct custos_seal_verify_options none = {0};
    if (o == NULL)
        o = &none;
    memset(s, 0, sizeof(*s));
    s->o = o;
    s->package = package;
    *out = NULL;
    struct custos_seal_report *r = calloc(1, sizeof(*r));
    uint8_t *buf = malloc(IO_CHUNK);
    if (r == NULL || buf == NULL) {
        free(r);
        free(buf);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, package, "out of memory");
    }
    s->rep = r;
    uint64_t max = o->max_entries ? o->max_entries : CUSTOS_SEAL_ENTRIES_MAX;
    struct reader rd;
    int rc = reader_open(&rd, package, max, err);
    if (rc == CUSTOS_E_REFUSED || rc == CUSTOS_E_CORRUPT) {
        finding(s, rc, rc == CUSTOS_E_REFUSED ? "bomb" : "corrupt", "%s", bare(s, err));
        custos_error_clear(err);
        rc = CUSTOS_OK;
        s->stop = 1;
    }
    if (rc != CUSTOS_OK)
        goto out;
    r->format = rd.fmt;
    struct rent e;
    while (!s->stop) {
        int n = reader_next(&rd, &e, err);
        if (n == 1)
            break;
        if (n == CUSTOS_E_IO || n == CUSTOS_E_NOMEM) {
            rc = n;
            goto out;
        }
        if (n != CUSTOS_OK) {
            finding(s, n, "corrupt", "%s", bare(s, err));
            custos_error_clear(err);
            s->stop = 1;
            break;
        }
        r->format = rd.fmt;
        if (++r->entries > max) {
            finding(s, CUSTOS_E_REFUSED, "bomb", "more than %llu entries", (unsigned long long)max);
            s->stop = 1;
            break;
        }
        if ((rc = scan_entry(s, &rd, &e, w, buf, err)) != CUSTOS_OK)
            goto out;
    }
    snprintf(r->base, sizeof(r->base), "%s", rd.base);
    if (r->entries == 0 && rd.fmt != CUSTOS_SEAL_DIR_FORMAT && r->nfindings == 0)
        finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: empty archive", package);
    /* After a run-stopping finding the rest would only be noise: the package was not read. */
    rc = s->stop ? CUSTOS_OK : scan_finish(s, err);
out:
    reader_close(&rd);
    free(buf);
    if (rc != CUSTOS_OK) {
        custos_seal_report_free(r);
        s->rep = NULL;
        return rc;
    }
    *out = r;
    return CUSTOS_OK;
}

int
custos_seal_verify(const char *package, const struct custos_seal_verify_options *o,
                   struct custos_seal_report **out, struct custos_error *err)
{
    struct scan s;
    int rc = scan_package(package, o, NULL, &s, out, err);
    scan_free(&s);
    if (rc != CUSTOS_OK)
        return rc;
    return (*out)->status;
}

int
custos_seal_extract(const char *package, const char *outdir,
                    const struct custos_seal_verify_options *o, struct custos_seal_report **out,
                    struct custos_error *err)
{
    *out = NULL;
    int rc = custos__refuse_existing(outdir, err);
    if (rc != CUSTOS_OK)
        return rc;
    struct scan s;
    struct custos_seal_report *first = NULL;
    rc = scan_package(package, o, NULL, &s, &first, err);
    scan_free(&s);
    if (rc != CUSTOS_OK)
        return rc;
    if (first->status != CUSTOS_OK) {
        *out = first;
        return custos_error_set(err, first->status, 0, package,
                                "does not verify; nothing extracted");
    }
    /* Room for what Payload-Oxum declares (verified above) plus the tag files. */
    char parent[PATH_MAX];
    custos__dirname(outdir, parent, sizeof(parent));
    struct statvfs vfs;
    if (statvfs(parent, &vfs) == 0) {
        uint64_t avail = (uint64_t)vfs.f_bavail * (uint64_t)vfs.f_frsize;
        uint64_t need =
            first->payload_bytes + (uint64_t)first->payload_files * 4096 + CUSTOS_SEAL_TAG_FILE_MAX;
        if (need > avail) {
            *out = first;
            return custos_error_set(err, CUSTOS_E_REFUSED, 0, outdir,
                                    "needs %llu bytes, %llu available", (unsigned long long)need,
                                    (unsigned long long)avail);
        }
    }
    struct writer w;
    rc = writer_open(&w, CUSTOS_SEAL_DIR_FORMAT, outdir, "", 0, err);
    if (rc != CUSTOS_OK) {
        *out = first;
        return rc;
    }
    struct custos_seal_report *second = NULL;
    rc = scan_package(package, o, &w, &s, &second, err);
    scan_free(&s);
    if (rc == CUSTOS_OK && (second->status != CUSTOS_OK ||
                            strcmp(second->tagmanifest_sha256, first->tagmanifest_sha256) != 0))
        rc = custos_error_set(err, CUSTOS_E_MISMATCH, 0, package,
                              "changed while being extracted; nothing extracted");
    if (rc == CUSTOS_OK)
        rc = writer_commit(&w, err);
    else
        writer_abort(&w);
    if (second != NULL) {
        custos_seal_report_free(first);
        first = second;
    }
    *out = first;
    return rc;
}

/* ------------------------------------------------------------------ */
/* Cosign                                                              */
/* ------------------------------------------------------------------ */

/* Reads a public key file and checks that it is key's. */
static int
read_pub(const char *path, const struct custos_key *key, char **text, size_t *len,
         struct custos_error *err)
{
    int rc = custos__read_small_file(path, 64 * 1024, text, len, err);
    if (rc != CUSTOS_OK)
        return rc;
    struct custos_key *k = NULL;
    rc = custos_key_load_public_mem(&k, path, *text, *len, err);
    if (rc == CUSTOS_OK && strcmp(custos_key_fingerprint(k), custos_key_fingerprint(key)) != 0)
        rc = custos_error_set(err, CUSTOS_E_USAGE, 0, path, "is not the public key of %.16s",
                              custos_key_fingerprint(key));
    custos_key_free(k);
    if (rc != CUSTOS_OK) {
        free(*text);
        *text = NULL;
    }
    return rc;
}

/* Only missing signatures may remain for cosign. */
static int
only_pending(const struct custos_seal_report *r)
{
    for (size_t i = 0; i < r->nfindings; i++)
        if (r->findings[i].status != CUSTOS_E_INCOMPLETE)
            return 0;
    return 1;
}

int
custos_seal_cosign(const char *package, const struct custos_key *key, const char *pub,
                   const struct custos_seal_verify_options *o, struct custos_seal_report **out,
                   struct custos_error *err)
{
    *out = NULL;
    if (!custos_key_has_private(key))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "cosigning needs a private key");
    char *pubtext = NULL;
    size_t publen = 0;
    int rc = read_pub(pub, key, &pubtext, &publen, err);
    if (rc != CUSTOS_OK)
        return rc;
    struct scan s;
    struct custos_seal_report *r = NULL;
    struct writer w;
    int wopen = 0;
    rc = scan_package(package, o, NULL, &s, &r, err);
    if (rc != CUSTOS_OK)
        goto out;
    if (!only_pending(r)) {
        rc = custos_error_set(err, r->status, 0, package, "does not verify; not cosigned");
        goto out;
    }
    const char *fp = custos_key_fingerprint(key);
    const struct custos_seal_signer *g = NULL;
    for (size_t i = 0; i < r->nsigners; i++)
        if (strcmp(r->signers[i].fingerprint, fp) == 0)
            g = &r->signers[i];
    if (g == NULL || g->role[0] == '\0') {
        rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, package,
                              "%s does not name key %.16s as a signer", CUSTOS_BAG_INFO, fp);
        goto out;
    }
    if (g->present) {
        rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, package, "already signed by %.16s", fp);
        goto out;
    }
    uint8_t sig[CUSTOS_SIG_SIZE];
    char sigtext[CUSTOS_SIGFILE_TEXT_MAX];
    size_t siglen;
    rc = custos_sign(key, CUSTOS_PURPOSE_SEAL, s.tagmanifest->bytes, s.tagmanifest->len, sig, err);
    if (rc == CUSTOS_OK)
        rc = custos_sigfile_text(key, CUSTOS_PURPOSE_SEAL, sig, sigtext, &siglen, err);
    if (rc != CUSTOS_OK)
        goto out;
    char sigrel[64], pubrel[64];
    snprintf(sigrel, sizeof(sigrel), CUSTOS_SEAL_DIR "/%.16s" CUSTOS_SEAL_SIG_SUFFIX, fp);
    snprintf(pubrel, sizeof(pubrel), CUSTOS_SEAL_DIR "/%.16s" CUSTOS_SEAL_PUB_SUFFIX, fp);
    char tmsha[65];
    snprintf(tmsha, sizeof(tmsha), "%s", r->tagmanifest_sha256);
    if (r->format == CUSTOS_SEAL_DIR_FORMAT) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof(path), "%s/%s", package, pubrel);
        struct stat st;
        if (lstat(path, &st) != 0) {
            rc = custos_write_file_new(path, pubtext, publen, 0444, err);
            if (rc != CUSTOS_OK)
                goto out;
        }
        snprintf(path, sizeof(path), "%s/%s", package, sigrel);
        rc = custos_write_file_new(path, sigtext, siglen, 0444, err);
        goto out;
    }
    /* An archive: copy every entry (checking it again), append ours, replace atomically. */
    rc = writer_open(&w, r->format, package, r->base, 1, err);
    if (rc != CUSTOS_OK)
        goto out;
    wopen = 1;
    scan_free(&s);
    custos_seal_report_free(r);
    r = NULL;
    rc = scan_package(package, o, &w, &s, &r, err);
    if (rc != CUSTOS_OK)
        goto out;
    if (!only_pending(r) || strcmp(r->tagmanifest_sha256, tmsha) != 0) {
        rc = custos_error_set(err, CUSTOS_E_MISMATCH, 0, package,
                              "changed while being cosigned; not cosigned");
        goto out;
    }
    int64_t now = (int64_t)time(NULL);
    if (tag_get(&s, pubrel) == NULL)
        rc = writer_bytes(&w, pubrel, pubtext, publen, now, err);
    if (rc == CUSTOS_OK)
        rc = writer_bytes(&w, sigrel, sigtext, siglen, now, err);
    if (rc == CUSTOS_OK)
        rc = writer_commit(&w, err);
    wopen = 0;
out:
    if (wopen)
        writer_abort(&w);
    scan_free(&s);
    free(pubtext);
    *out = r;
    return rc;
}

/* ------------------------------------------------------------------ */
/* Create                                                              */
/* ------------------------------------------------------------------ */

struct src {
    char *path; /* on disk */
    char *rel;  /* data/... */
    uint64_t size;
    int64_t mtime;
    uint8_t sha256[32];
};

struct srcs {
    struct src *v;
    size_t n, cap;
};

static int
src_add(struct srcs *l, const char *path, const char *rel, const struct stat *st,
        struct custos_error *err)
{
    switch (custos__bag_path_check(rel)) {
    case BAG_PATH_OK:
        break;
    case BAG_PATH_NAME:
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, path,
                                "name holds a control character, backslash or %%: cannot be "
                                "sealed (docs/formats/package.md)");
    default:
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, path, "name cannot be sealed");
    }
    /* bagit.txt declares UTF-8 tag files, and pax and zip (bit 11) names are UTF-8. */
    if (!custos_utf8_valid(rel, strlen(rel)))
        return custos_error_set(
            err, CUSTOS_E_REFUSED, 0, path,
            "name is not valid UTF-8: cannot be sealed (docs/formats/package.md)");
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct src *v = realloc(l->v, cap * sizeof(*v));
        if (v == NULL)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        l->v = v;
        l->cap = cap;
    }
    struct src *s = &l->v[l->n];
    memset(s, 0, sizeof(*s));
    s->path = strdup(path);
    s->rel = strdup(rel);
    if (s->path == NULL || s->rel == NULL) {
        free(s->path);
        free(s->rel);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    s->size = (uint64_t)st->st_size;
    s->mtime = (int64_t)st->st_mtime;
    l->n++;
    return CUSTOS_OK;
}

static int
collect(struct srcs *l, const char *path, const char *rel, struct custos_error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot stat");
    if (S_ISREG(st.st_mode))
        return src_add(l, path, rel, &st, err);
    if (!S_ISDIR(st.st_mode))
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, path,
                                "not a regular file or directory; only files are sealed");
    DIR *d = opendir(path);
    if (d == NULL)
        return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot open");
    int rc = CUSTOS_OK;
    struct dirent *de;
    while (rc == CUSTOS_OK && (errno = 0, de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char cp[PATH_MAX], cr[BAG_PATH_MAX];
        if (snprintf(cp, sizeof(cp), "%s/%s", path, de->d_name) >= (int)sizeof(cp) ||
            snprintf(cr, sizeof(cr), "%s/%s", rel, de->d_name) >= (int)sizeof(cr)) {
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, path, "path too long");
            break;
        }
        rc = collect(l, cp, cr, err);
    }
    if (rc == CUSTOS_OK && errno != 0)
        rc = custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot read the directory");
    closedir(d);
    return rc;
}

static int
src_cmp(const void *a, const void *b)
{
    return strcmp(((const struct src *)a)->rel, ((const struct src *)b)->rel);
}

/* Hashes one source file (pass 1) or copies it into w while hashing (pass 2). */
static int
hash_copy(struct src *s, struct writer *w, uint8_t *buf, const struct custos_progress *p,
          uint64_t *done, uint64_t total, struct custos_error *err)
{
    int fd = open(s->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, s->path, "cannot open");
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != s->size) {
        close(fd);
        return custos_error_set(err, CUSTOS_E_MISMATCH, 0, s->path, "changed while sealing");
    }
    int rc = CUSTOS_OK;
    if (w != NULL && (rc = writer_begin(w, s->rel, s->size, s->mtime, err)) != CUSTOS_OK) {
        close(fd);
        return rc;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md == NULL || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(md);
        close(fd);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    uint64_t got = 0;
    for (;;) {
        if (custos_progress_cancelled(p)) {
            rc = custos_error_set(err, CUSTOS_E_INTERRUPTED, 0, s->path, "interrupted");
            break;
        }
        ssize_t k = read(fd, buf, IO_CHUNK);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            rc = custos_error_set(err, CUSTOS_E_IO, errno, s->path, "cannot read");
            break;
        }
        if (k == 0)
            break;
        got += (uint64_t)k;
        if (got > s->size) {
            rc = custos_error_set(err, CUSTOS_E_MISMATCH, 0, s->path, "changed while sealing");
            break;
        }
        EVP_DigestUpdate(md, buf, (size_t)k);
        if (w != NULL && (rc = writer_data(w, buf, (size_t)k, err)) != CUSTOS_OK)
            break;
        *done += (uint64_t)k;
        custos_progress_update(p, *done, total);
    }
    close(fd);
    uint8_t d[32];
    unsigned int dl = 32;
    EVP_DigestFinal_ex(md, d, &dl);
    EVP_MD_CTX_free(md);
    if (rc == CUSTOS_OK && got != s->size)
        rc = custos_error_set(err, CUSTOS_E_MISMATCH, 0, s->path, "changed while sealing");
    if (rc == CUSTOS_OK && w == NULL)
        memcpy(s->sha256, d, 32);
    else if (rc == CUSTOS_OK && memcmp(s->sha256, d, 32) != 0)
        rc = custos_error_set(err, CUSTOS_E_MISMATCH, 0, s->path,
                              "changed while sealing (SHA-256 differs between passes)");
    if (rc == CUSTOS_OK && w != NULL)
        rc = writer_end(w, err);
    return rc;
}

/* One prepared signature: its two files. */
struct sigout {
    char sigrel[64], pubrel[64];
    char sigtext[CUSTOS_SIGFILE_TEXT_MAX];
    size_t siglen;
    char *pubtext;
    size_t publen;
};

static int
prepare_sig(struct sigout *so, const struct custos_key *key, const char *pub, const void *tm,
            size_t tmlen, struct custos_error *err)
{
    memset(so, 0, sizeof(*so));
    const char *fp = custos_key_fingerprint(key);
    snprintf(so->sigrel, sizeof(so->sigrel), CUSTOS_SEAL_DIR "/%.16s" CUSTOS_SEAL_SIG_SUFFIX, fp);
    snprintf(so->pubrel, sizeof(so->pubrel), CUSTOS_SEAL_DIR "/%.16s" CUSTOS_SEAL_PUB_SUFFIX, fp);
    if (pub == NULL)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "no public key file for %.16s", fp);
    int rc = read_pub(pub, key, &so->pubtext, &so->publen, err);
    uint8_t sig[CUSTOS_SIG_SIZE];
    if (rc == CUSTOS_OK)
        rc = custos_sign(key, CUSTOS_PURPOSE_SEAL, tm, tmlen, sig, err);
    if (rc == CUSTOS_OK)
        rc = custos_sigfile_text(key, CUSTOS_PURPOSE_SEAL, sig, so->sigtext, &so->siglen, err);
    return rc;
}

static int
check_value(const char *what, const char *v, int required, struct custos_error *err)
{
    if (v == NULL)
        return required ? custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "missing %s", what)
                        : CUSTOS_OK;
    if (!custos__bag_value_ok(v))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "%s: one line of 1 to 4096 characters, no control characters",
                                what);
    return CUSTOS_OK;
}

int
custos_seal_create(const char *out, const char *const *paths, size_t npaths,
                   const struct custos_seal_options *o, struct custos_seal_result *result,
                   struct custos_error *err)
{
    memset(result, 0, sizeof(*result));
    int rc;
    if ((rc = check_value("case", o->case_id, 1, err)) != CUSTOS_OK ||
        (rc = check_value("evidence number", o->evidence, 1, err)) != CUSTOS_OK ||
        (rc = check_value("seal number", o->seal_number, 1, err)) != CUSTOS_OK ||
        (rc = check_value("authorisation", o->authorisation, 1, err)) != CUSTOS_OK ||
        (rc = check_value("organization", o->organization, 0, err)) != CUSTOS_OK ||
        (rc = check_value("description", o->description, 0, err)) != CUSTOS_OK)
        return rc;
    if (o->custodian == NULL || !custos_key_has_private(o->custodian))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "sealing needs the custodian's private key");
    if (npaths == 0)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "nothing to seal");
    char base[256];
    base_name(out, base, sizeof(base));
    if (o->format != CUSTOS_SEAL_DIR_FORMAT && custos__bag_path_check(base) != BAG_PATH_OK)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, out, "unusable package name");
    if ((rc = custos__refuse_existing(out, err)) != CUSTOS_OK)
        return rc;

    struct srcs l = {0};
    struct bag_buf info = {0}, man = {0}, tman = {0};
    struct bag_manifest pm = {0}, tm = {0};
    struct sigout *sigs = NULL;
    size_t nsigs = 0;
    uint8_t *tsr = NULL, *buf = NULL;
    size_t tsrlen = 0;
    struct writer w;
    int wopen = 0;
    /* 1. The files, sorted, with unique names. */
    for (size_t i = 0; i < npaths && rc == CUSTOS_OK; i++) {
        char p[PATH_MAX], rel[BAG_PATH_MAX];
        snprintf(p, sizeof(p), "%s", paths[i]);
        size_t n = strlen(p);
        while (n > 1 && p[n - 1] == '/')
            p[--n] = '\0';
        const char *b = strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
        if (strcmp(b, ".") == 0 || strcmp(b, "..") == 0 || strcmp(b, "/") == 0 || b[0] == '\0') {
            rc = custos_error_set(err, CUSTOS_E_USAGE, 0, paths[i],
                                  "name a file or directory by its own name");
            break;
        }
        snprintf(rel, sizeof(rel), CUSTOS_BAG_PAYLOAD_DIR "/%s", b);
        rc = collect(&l, p, rel, err);
    }
    if (rc != CUSTOS_OK)
        goto out;
    if (l.n == 0) {
        rc = custos_error_set(err, CUSTOS_E_USAGE, 0, paths[0], "no files to seal");
        goto out;
    }
    qsort(l.v, l.n, sizeof(*l.v), src_cmp);
    for (size_t i = 1; i < l.n; i++)
        if (strcmp(l.v[i - 1].rel, l.v[i].rel) == 0) {
            rc = custos_error_set(err, CUSTOS_E_USAGE, 0, l.v[i].path,
                                  "two operands give the same name %s", l.v[i].rel);
            goto out;
        }
    uint64_t total = 0, done = 0;
    for (size_t i = 0; i < l.n; i++)
        total += l.v[i].size;
    /* 2. Pass 1: the manifest. */
    buf = malloc(IO_CHUNK);
    if (buf == NULL) {
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < l.n; i++) {
        if ((rc = hash_copy(&l.v[i], NULL, buf, o->progress, &done, 2 * total, err)) != 0)
            goto out;
        if (custos__bag_manifest_add(&pm, l.v[i].rel, l.v[i].sha256, l.v[i].size) != 0) {
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
            goto out;
        }
    }
    /* 3. The tag files. */
    char now[32], date[16];
    if (o->sealed_at != NULL)
        snprintf(now, sizeof(now), "%s", o->sealed_at);
    else
        custos__utc_now(now, sizeof(now));
    snprintf(date, sizeof(date), "%.10s", now);
    custos__bag_buf_printf(&info, "Bag-Software-Agent: custos-seal %s\n", custos_version());
    custos__bag_buf_printf(&info, "Bagging-Date: %s\n", date);
    custos__bag_buf_printf(&info, "Payload-Oxum: %llu.%zu\n", (unsigned long long)total, l.n);
    custos__bag_buf_printf(&info, "External-Identifier: %s/%s\n", o->case_id, o->evidence);
    if (o->organization != NULL)
        custos__bag_buf_printf(&info, "Source-Organization: %s\n", o->organization);
    custos__bag_buf_printf(&info, "Contact-Name: %s\n", custos_key_name(o->custodian));
    if (o->description != NULL)
        custos__bag_buf_printf(&info, "External-Description: %s\n", o->description);
    custos__bag_buf_printf(&info, CUSTOS_BAG_LABEL_CASE ": %s\n", o->case_id);
    custos__bag_buf_printf(&info, CUSTOS_BAG_LABEL_EVIDENCE ": %s\n", o->evidence);
    custos__bag_buf_printf(&info, CUSTOS_BAG_LABEL_SEAL ": %s\n", o->seal_number);
    custos__bag_buf_printf(&info, CUSTOS_BAG_LABEL_AUTH ": %s\n", o->authorisation);
    custos__bag_buf_printf(&info, CUSTOS_BAG_LABEL_SEALED_AT ": %s\n", now);
    custos__bag_buf_printf(&info, CUSTOS_BAG_LABEL_SIGNER ": " CUSTOS_ROLE_CUSTODIAN " %s\n",
                           custos_key_fingerprint(o->custodian));
    for (size_t i = 0; i < o->nwitnesses; i++) {
        if (strcmp(custos_key_fingerprint(o->witnesses[i]), custos_key_fingerprint(o->custodian)) ==
            0) {
            rc = custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                  "the custodian cannot also be the witness");
            goto out;
        }
        custos__bag_buf_printf(&info, CUSTOS_BAG_LABEL_SIGNER ": " CUSTOS_ROLE_WITNESS " %s\n",
                               custos_key_fingerprint(o->witnesses[i]));
    }
    custos__bag_manifest_text(&pm, &man);
    uint8_t d[32];
    sha256(info.p, info.len, d);
    custos__bag_manifest_add(&tm, CUSTOS_BAG_INFO, d, 0);
    sha256(CUSTOS_BAG_DECLARATION_TEXT, strlen(CUSTOS_BAG_DECLARATION_TEXT), d);
    custos__bag_manifest_add(&tm, CUSTOS_BAG_DECLARATION, d, 0);
    sha256(man.p != NULL ? man.p : "", man.len, d);
    custos__bag_manifest_add(&tm, CUSTOS_BAG_MANIFEST, d, 0);
    custos__bag_manifest_text(&tm, &tman);
    if (info.oom || man.oom || tman.oom || tm.n != 3) {
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        goto out;
    }
    sha256(tman.p, tman.len, d);
    custos_hex_encode(d, 32, result->tagmanifest_sha256);
    /* 4. Signatures: the custodian, and witnesses present with their private keys. */
    sigs = calloc(1 + o->nwitnesses, sizeof(*sigs));
    if (sigs == NULL) {
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        goto out;
    }
    if ((rc = prepare_sig(&sigs[nsigs++], o->custodian, o->custodian_pub, tman.p, tman.len, err)) !=
        CUSTOS_OK)
        goto out;
    for (size_t i = 0; i < o->nwitnesses; i++) {
        if (!custos_key_has_private(o->witnesses[i]))
            continue;
        if ((rc = prepare_sig(&sigs[nsigs++], o->witnesses[i],
                              o->witness_pubs != NULL ? o->witness_pubs[i] : NULL, tman.p, tman.len,
                              err)) != CUSTOS_OK)
            goto out;
    }
    /* 5. The timestamp over the tag manifest. */
    if (o->tsa_url != NULL) {
        struct custos_timestamp_options to = {.timeout_s = o->tsa_timeout_s, .cafile = o->tsa_ca};
        rc = custos_timestamp_fetch(o->tsa_url, d, &to, &tsr, &tsrlen, &result->tstamp, err);
        if (rc != CUSTOS_OK)
            goto out;
        result->timestamped = 1;
    }
    /* 6. Pass 2: write the package, tag files first. */
    if ((rc = writer_open(&w, o->format, out, base, 0, err)) != CUSTOS_OK)
        goto out;
    wopen = 1;
    int64_t t = (int64_t)time(NULL);
    rc = writer_bytes(&w, CUSTOS_BAG_DECLARATION, CUSTOS_BAG_DECLARATION_TEXT,
                      strlen(CUSTOS_BAG_DECLARATION_TEXT), t, err);
    if (rc == CUSTOS_OK)
        rc = writer_bytes(&w, CUSTOS_BAG_INFO, info.p, info.len, t, err);
    if (rc == CUSTOS_OK)
        rc = writer_bytes(&w, CUSTOS_BAG_MANIFEST, man.p != NULL ? man.p : "", man.len, t, err);
    if (rc == CUSTOS_OK)
        rc = writer_bytes(&w, CUSTOS_BAG_TAGMANIFEST, tman.p, tman.len, t, err);
    for (size_t i = 0; i < nsigs && rc == CUSTOS_OK; i++) {
        rc = writer_bytes(&w, sigs[i].sigrel, sigs[i].sigtext, sigs[i].siglen, t, err);
        if (rc == CUSTOS_OK)
            rc = writer_bytes(&w, sigs[i].pubrel, sigs[i].pubtext, sigs[i].publen, t, err);
    }
    if (rc == CUSTOS_OK && tsr != NULL)
        rc = writer_bytes(&w, CUSTOS_SEAL_TIMESTAMP, tsr, tsrlen, t, err);
    for (size_t i = 0; i < l.n && rc == CUSTOS_OK; i++)
        rc = hash_copy(&l.v[i], &w, buf, o->progress, &done, 2 * total, err);
    if (rc == CUSTOS_OK) {
        rc = writer_commit(&w, err);
        wopen = 0;
    }
    if (rc == CUSTOS_OK) {
        result->payload_bytes = total;
        result->payload_files = l.n;
        snprintf(result->sealed_at, sizeof(result->sealed_at), "%s", now);
    }
out:
    if (wopen)
        writer_abort(&w);
    for (size_t i = 0; i < l.n; i++) {
        free(l.v[i].path);
        free(l.v[i].rel);
    }
    free(l.v);
    for (size_t i = 0; sigs != NULL && i < nsigs; i++)
        free(sigs[i].pubtext);
    free(sigs);
    free(tsr);
    free(buf);
    custos__bag_buf_free(&info);
    custos__bag_buf_free(&man);
    custos__bag_buf_free(&tman);
    custos__bag_manifest_free(&pm);
    custos__bag_manifest_free(&tm);
    return rc;
}
