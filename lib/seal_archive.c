/* SPDX-License-Identifier: ISC */
/*
 * seal_archive.c: the one reader and the one writer of seal packages.
 *
 * The reader walks a directory bag (tag files first, sorted) or streams a tar
 * or zip file through libarchive (no compression filter, names as UTF-8).
 * The writer writes a directory bag (libarchive's disk writer with its
 * SECURE_* flags) or a pax tar or stored zip file; nothing is published
 * unless the whole package was written (custos__seal_writer_commit), and
 * publishing goes through staging.c (a directory) or atomicfile.c (an
 * archive), the two publish paths of libcustos.
 * custos__seal_read_tags reads only the tag files, for verify.c.
 */
#include "custos/seal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "custos/atomicfile.h"
#include "custos/custos.h"
#include "custos/staging.h"
#include "bag_private.h"
#include "fsutil_private.h"
#include "seal_private.h"

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

int
custos_seal_format_parse(const char *name, const char *output, enum custos_seal_format *out)
{
    size_t n = output != NULL ? strlen(output) : 0;
    if (name == NULL)
        name = n > 4 && strcmp(output + n - 4, ".tar") == 0   ? "tar"
               : n > 4 && strcmp(output + n - 4, ".zip") == 0 ? "zip"
                                                              : "dir";
    if (strcmp(name, "tar") == 0)
        *out = CUSTOS_SEAL_TAR;
    else if (strcmp(name, "zip") == 0)
        *out = CUSTOS_SEAL_ZIP;
    else if (strcmp(name, "dir") == 0)
        *out = CUSTOS_SEAL_DIR_FORMAT;
    else
        return -1;
    return 0;
}

int
custos__seal_ar_err(struct archive *a, struct custos_error *err, int status, const char *path,
                    const char *what)
{
    const char *m = a != NULL ? archive_error_string(a) : NULL;
    return custos_error_set(err, status, 0, path, "%s: %s", what, m != NULL ? m : "failed");
}

/*
 * A directory bag is written inside a staging directory (staging.h) beside
 * final, as STAGING/NAME, and published by custos_staging_publish, which
 * renames NAME without replacing anything.
 */
static int
writer_open_dir(struct seal_writer *w, const char *final, struct custos_error *err)
{
    char parent[PATH_MAX];
    custos__dirname(final, parent, sizeof(parent));
    int rc = custos_staging_create(&w->stg, parent, err);
    if (rc != CUSTOS_OK)
        return rc;
    const char *name = custos__basename(final);
    if (snprintf(w->tmp, sizeof(w->tmp), "%s/%s", custos_staging_dir(w->stg), name) >=
        (int)sizeof(w->tmp))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, final, "path too long");
    if (mkdir(w->tmp, 0700) != 0) {
        int e = errno;
        w->tmp[0] = '\0';
        return custos_error_set(err, CUSTOS_E_IO, e, final, "cannot create a temporary directory");
    }
    if (custos_staging_add(w->stg, name, final) != CUSTOS_OK)
        return custos_error_copy(err, custos_staging_error(w->stg));
    /* libarchive's SECURE_SYMLINKS refuses symlinks anywhere in the path: resolve the prefix. */
    char real[PATH_MAX];
    if (realpath(w->tmp, real) == NULL)
        return custos_error_set(err, CUSTOS_E_IO, errno, final, "cannot resolve");
    snprintf(w->tmp, sizeof(w->tmp), "%s", real);
    w->a = archive_write_disk_new();
    if (w->a == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, final, "out of memory");
    archive_write_disk_set_options(
        w->a, ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                  ARCHIVE_EXTRACT_NO_OVERWRITE | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM);
    return CUSTOS_OK;
}

/* An archive is written into an atomicfile.h temporary file and published by its close. */
static int
writer_open_archive(struct seal_writer *w, const char *final, struct custos_error *err)
{
    unsigned mode = 0644 | (w->replace ? CUSTOS_ATOMICFILE_REPLACE : 0);
    int rc = custos_atomicfile_create(&w->af, final, mode, err);
    if (rc != CUSTOS_OK)
        return rc;
    /* libarchive converts names from the thread's locale to the UTF-8 of pax headers and
     * zip's bit-11 names; under LANG=C that fails for every non-ASCII name, so entries
     * are written under C.UTF-8 whatever the caller's locale (names are UTF-8 bytes). */
    w->utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    w->a = w->utf8 != (locale_t)0 ? archive_write_new() : NULL;
    if (w->a == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, errno, final,
                                "cannot start the archive (is the C.UTF-8 locale present?)");
    int r = w->fmt == CUSTOS_SEAL_TAR ? archive_write_set_format_pax(w->a)
                                      : archive_write_set_format_zip(w->a);
    if (r == ARCHIVE_OK && w->fmt == CUSTOS_SEAL_ZIP)
        r = archive_write_set_options(w->a, "zip:compression=store");
    if (r == ARCHIVE_OK)
        r = archive_write_set_bytes_in_last_block(w->a, 1);
    if (r == ARCHIVE_OK)
        r = archive_write_open_fd(w->a, custos_atomicfile_fd(w->af));
    if (r != ARCHIVE_OK)
        return custos__seal_ar_err(w->a, err, CUSTOS_E_IO, final, "cannot start the archive");
    return CUSTOS_OK;
}

/* Starts a writer publishing at final; for a directory, final is the bag. */
int
custos__seal_writer_open(struct seal_writer *w, enum custos_seal_format fmt, const char *final,
                         const char *base, int replace, struct custos_error *err)
{
    memset(w, 0, sizeof(*w));
    w->fmt = fmt;
    w->replace = replace && fmt != CUSTOS_SEAL_DIR_FORMAT;
    snprintf(w->final, sizeof(w->final), "%s", final);
    snprintf(w->base, sizeof(w->base), "%s", base);
    int rc = fmt == CUSTOS_SEAL_DIR_FORMAT ? writer_open_dir(w, final, err)
                                           : writer_open_archive(w, final, err);
    if (rc == CUSTOS_OK && (w->e = archive_entry_new()) == NULL)
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, final, "out of memory");
    if (rc != CUSTOS_OK)
        custos__seal_writer_abort(w);
    return rc;
}

int
custos__seal_writer_begin(struct seal_writer *w, const char *rel, uint64_t size, int64_t mtime,
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
        return custos__seal_ar_err(w->a, err, CUSTOS_E_IO, w->final, rel);
    }
    w->open_entry = 1;
    return CUSTOS_OK;
}

int
custos__seal_writer_data(struct seal_writer *w, const void *buf, size_t n, struct custos_error *err)
{
    const char *p = buf;
    while (n > 0) {
        la_ssize_t k = archive_write_data(w->a, p, n);
        if (k <= 0) {
            w->failed = 1;
            return custos__seal_ar_err(w->a, err, CUSTOS_E_IO, w->final, "cannot write");
        }
        p += k;
        n -= (size_t)k;
    }
    return CUSTOS_OK;
}

int
custos__seal_writer_end(struct seal_writer *w, struct custos_error *err)
{
    w->open_entry = 0;
    if (archive_write_finish_entry(w->a) != ARCHIVE_OK) {
        w->failed = 1;
        return custos__seal_ar_err(w->a, err, CUSTOS_E_IO, w->final, "cannot finish an entry");
    }
    return CUSTOS_OK;
}

int
custos__seal_writer_bytes(struct seal_writer *w, const char *rel, const void *buf, size_t n,
                          int64_t mtime, struct custos_error *err)
{
    int rc = custos__seal_writer_begin(w, rel, n, mtime, err);
    if (rc == CUSTOS_OK)
        rc = custos__seal_writer_data(w, buf, n, err);
    if (rc == CUSTOS_OK)
        rc = custos__seal_writer_end(w, err);
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

void
custos__seal_writer_abort(struct seal_writer *w)
{
    if (w->a != NULL)
        archive_write_free(w->a); /* an archive's fd belongs to w->af */
    w->a = NULL;
    archive_entry_free(w->e);
    w->e = NULL;
    if (w->utf8 != (locale_t)0)
        freelocale(w->utf8);
    w->utf8 = (locale_t)0;
    /* staging.c removes only plain files: the bag's tree is removed here first. */
    if (w->tmp[0] != '\0') {
        nftw(w->tmp, make_writable, 16, FTW_PHYS);
        nftw(w->tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        w->tmp[0] = '\0';
    }
    custos_staging_free(w->stg);
    w->stg = NULL;
    custos_atomicfile_free(w->af); /* removes the temporary file unless published */
    w->af = NULL;
}

/*
 * Finishes the archive, syncs what was written and publishes it through
 * staging.c (a directory bag: every file and directory is synced first,
 * staging syncs and renames the bag) or atomicfile.c (an archive).
 */
int
custos__seal_writer_commit(struct seal_writer *w, struct custos_error *err)
{
    int rc = CUSTOS_OK;
    locale_t old = w->utf8 != (locale_t)0 ? uselocale(w->utf8) : (locale_t)0;
    int closed = archive_write_close(w->a);
    if (old != (locale_t)0)
        uselocale(old);
    if (closed != ARCHIVE_OK)
        rc = custos__seal_ar_err(w->a, err, CUSTOS_E_IO, w->final, "cannot finish");
    archive_write_free(w->a);
    w->a = NULL;
    if (rc == CUSTOS_OK && w->fmt == CUSTOS_SEAL_DIR_FORMAT) {
        if (nftw(w->tmp, fsync_one, 16, FTW_PHYS) != 0)
            rc = custos_error_set(err, CUSTOS_E_IO, errno, w->final, "cannot sync");
        else if (custos_staging_publish(w->stg) != CUSTOS_OK)
            rc = custos_error_copy(err, custos_staging_error(w->stg));
        else
            w->tmp[0] = '\0'; /* published: nothing left to remove */
    } else if (rc == CUSTOS_OK && custos_atomicfile_close(w->af) != CUSTOS_OK) {
        rc = custos_error_copy(err, custos_atomicfile_error(w->af));
    }
    custos__seal_writer_abort(w);
    return rc;
}

struct seal_dent {
    char *rel;
    int kind;
    uint64_t size;
    int64_t mtime;
};

static int
dent_cmp(const void *a, const void *b)
{
    const struct seal_dent *x = a, *y = b;
    int dx = strncmp(x->rel, "data/", 5) == 0, dy = strncmp(y->rel, "data/", 5) == 0;
    if (dx != dy)
        return dx - dy; /* tag files first, as in an archive */
    return strcmp(x->rel, y->rel);
}

static int
walk(struct seal_reader *r, const char *root, const char *rel, uint64_t max,
     struct custos_error *err)
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
            struct seal_dent *nd = realloc(r->d, cap * sizeof(*nd));
            if (nd == NULL) {
                rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
                break;
            }
            r->d = nd;
            r->capd = cap;
        }
        struct seal_dent *d = &r->d[r->nd];
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
void
custos__seal_base_name(const char *package, char *out, size_t len)
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

int
custos__seal_reader_open(struct seal_reader *r, const char *package, uint64_t max,
                         struct custos_error *err)
{
    memset(r, 0, sizeof(*r));
    r->fd = -1;
    r->package = package;
    struct stat st;
    if (stat(package, &st) != 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, package, "cannot open");
    if (S_ISDIR(st.st_mode)) {
        r->fmt = CUSTOS_SEAL_DIR_FORMAT;
        custos__seal_base_name(package, r->base, sizeof(r->base));
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
        return custos__seal_ar_err(r->a, err, errno == ENOENT ? CUSTOS_E_IO : CUSTOS_E_CORRUPT,
                                   package, "not a tar or zip package");
    r->fmt = CUSTOS_SEAL_TAR;
    return CUSTOS_OK;
}

void
custos__seal_reader_close(struct seal_reader *r)
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
int
custos__seal_reader_next(struct seal_reader *r, struct seal_rent *e, struct custos_error *err)
{
    memset(e, 0, sizeof(*e));
    if (r->fd >= 0) {
        close(r->fd);
        r->fd = -1;
    }
    if (r->fmt == CUSTOS_SEAL_DIR_FORMAT) {
        if (r->di >= r->nd)
            return 1;
        struct seal_dent *d = &r->d[r->di++];
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
        return custos__seal_ar_err(r->a, err, CUSTOS_E_CORRUPT, r->package, "damaged archive");
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
long
custos__seal_reader_read(struct seal_reader *r, void *buf, size_t len, struct custos_error *err)
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
        custos__seal_ar_err(r->a, err, CUSTOS_E_CORRUPT, r->package,
                            "damaged or truncated archive");
        return -1;
    }
    return (long)k;
}

/*
 * Whether entry e may not be read at all (format section 1: hostile): an absolute path
 * or ".." component, an entry outside the bag's directory, a link or special file, a
 * name a package may not hold. Returns 1 with the reason in why, or 0.
 */
int
custos__seal_entry_hostile(const struct seal_reader *rd, const struct seal_rent *e, char *why,
                           size_t len)
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
int
custos__seal_tag_over_limit(const struct seal_rent *e, size_t ntags, char *why, size_t len)
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
int
custos__seal_read_tag(struct seal_reader *rd, uint8_t **bytes, size_t *len,
                      struct custos_error *err)
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
        long k = custos__seal_reader_read(rd, b + n, cap - n, err);
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
    struct seal_reader rd;
    int rc = custos__seal_reader_open(&rd, package, CUSTOS_SEAL_ENTRIES_MAX, err);
    if (rc == CUSTOS_OK && rd.fmt == CUSTOS_SEAL_DIR_FORMAT)
        rc = custos_error_set(err, CUSTOS_E_USAGE, 0, package, "a directory, not an archive");
    struct seal_rent *e = rc == CUSTOS_OK ? malloc(sizeof(*e)) : NULL;
    if (rc == CUSTOS_OK && e == NULL)
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    char why[600];
    uint64_t entries = 0;
    while (rc == CUSTOS_OK) {
        int n = custos__seal_reader_next(&rd, e, err);
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
        if (custos__seal_entry_hostile(&rd, e, why, sizeof(why))) {
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, package, "hostile entry %s", why);
            break;
        }
        if (strncmp(e->rel, CUSTOS_BAG_PAYLOAD_DIR "/", 5) == 0) {
            out->payload_entries++; /* its data is skipped by the next custos__seal_reader_next */
            continue;
        }
        if (custos__seal_tag(out, e->rel) != NULL) {
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, package,
                                  "hostile entry %s: stored twice", e->shown);
            break;
        }
        if (custos__seal_tag_over_limit(e, out->n, why, sizeof(why))) {
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
            rc = custos__seal_read_tag(&rd, &t->bytes, &t->len, err);
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
    custos__seal_reader_close(&rd);
    if (rc != CUSTOS_OK)
        custos__seal_tags_free(out);
    return rc;
}
