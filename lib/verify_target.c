/* SPDX-License-Identifier: ISC */
/*
 * verify_target.c: reading what a verification compares with its reference.
 *
 *   directory  walked with lstat (links are never followed, special files
 *              never opened); selected files are read with pread and hashed.
 *   archive    read once, front to back, through libarchive (any format and
 *              filter it supports); selected entries are hashed as they
 *              stream past, the rest skipped. libarchive does not check
 *              every stream's own checksum (gzip's trailer CRC, for one), so
 *              the digest of each entry against the reference is what finds
 *              damage; a read error from libarchive is a corrupt container.
 *   image      the files an acquisition record lists, located by name in one
 *              directory (acquisition-record.md 6.7), and the medium read
 *              through source.h: libewf checks every E01 chunk it returns,
 *              and a damaged chunk fails the read, which is narrowed to the
 *              chunk and reported as a damaged range, as ewfverify does.
 *   restore    the archive extracted with libarchive's secure flags into a
 *              fresh private directory (mkdtemp, 0700), every file hashed
 *              again, and the directory removed; for images, every file
 *              system opened and every file read through libtsk (fs.h).
 *
 * Every function here only records findings in the struct ritem and struct
 * extra slots; verify.c classifies them.
 */
#include "custos/verify.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h> /* nftw, to remove the restore directory */
#include <stdarg.h>
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "custos/fs.h"
#include "custos/manifest.h"
#include "custos/seal.h" /* the bag's file names */
#include "custos/source.h"
#include "fsutil_private.h"
#include "verify_private.h"

#define READ_BYTES (1u << 20)   /* one read of a file, an archive entry or the medium */
#define EWF_CHUNK  (64u * 512u) /* the narrowing step after a failed medium read */
#define WALK_DEPTH 256

struct reader {
    struct custos_verify *v;
    struct custos_digest *d;
    uint8_t *buf;
    const struct custos_progress *p;
    uint64_t done, total;
    int detached;     /* on a thread of its own: counts done only, reports nothing */
    atomic_int *stop; /* detached: set when the run stops early */
};

static int
reader_init(struct reader *r, struct custos_verify *v, unsigned algs,
            const struct custos_progress *p)
{
    memset(r, 0, sizeof(*r));
    r->v = v;
    r->p = p;
    r->buf = malloc(READ_BYTES);
    if (r->buf == NULL)
        return custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    return custos_digest_new(&r->d, algs | CUSTOS_DIGEST_SHA256, &v->err);
}

static void
reader_free(struct reader *r)
{
    custos_digest_free(r->d);
    free(r->buf);
}

static int
advance(struct reader *r, uint64_t n)
{
    r->done += n;
    if (r->detached)
        return atomic_load(r->stop) ? CUSTOS_E_INTERRUPTED : CUSTOS_OK;
    r->v->bytes_read += n;
    custos_progress_update(r->p, r->done, r->total);
    if (custos_progress_cancelled(r->p))
        return custos_error_set(&r->v->err, CUSTOS_E_INTERRUPTED, 0, NULL, "interrupted");
    return CUSTOS_OK;
}

/*
 * Hashes the regular file at path into *got. Returns CUSTOS_OK, or
 * CUSTOS_E_INCOMPLETE with *why set (a new string) when it cannot be read,
 * or CUSTOS_E_INTERRUPTED / CUSTOS_E_NOMEM.
 */
static int
hash_file(struct reader *r, const char *path, struct custos_digest_result *got, uint64_t *bytes,
          char **why)
{
    *why = NULL;
    *bytes = 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
    if (fd < 0 && errno == EPERM)
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (asprintf(why, "cannot open: %s", strerror(errno)) < 0)
            *why = NULL;
        return CUSTOS_E_INCOMPLETE;
    }
    custos_digest_reset(r->d);
    uint64_t off = 0;
    int rc = CUSTOS_OK;
    for (;;) {
        ssize_t n = pread(fd, r->buf, READ_BYTES, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            if (asprintf(why, "read error at byte %llu: %s", (unsigned long long)off,
                         strerror(errno)) < 0)
                *why = NULL;
            rc = CUSTOS_E_INCOMPLETE;
            break;
        }
        if (n == 0)
            break;
        custos_digest_update(r->d, r->buf, (size_t)n);
        off += (uint64_t)n;
        if ((rc = advance(r, (uint64_t)n)) != CUSTOS_OK)
            break;
    }
    close(fd);
    custos_digest_final(r->d, got);
    *bytes = off;
    return rc;
}

/* Records what hashing found for a reference item; returns a run-stopping status or OK. */
static int
settle(struct ritem *it, int rc, const struct custos_digest_result *got, char *why)
{
    if (rc == CUSTOS_E_INCOMPLETE) {
        it->unreadable = 1;
        custos__verify_set_detail(it, "%s", why ? why : "cannot be read");
        free(why);
        return CUSTOS_OK;
    }
    free(why);
    if (rc != CUSTOS_OK)
        return rc;
    it->checked = 1;
    it->got = *got;
    if (!custos_digest_equal(&it->ref, got)) {
        it->differs = 1;
        custos__verify_set_detail(it, "content differs");
    }
    return CUSTOS_OK;
}

static int
compare_link(struct ritem *it, const char *path)
{
    char buf[4096];
    ssize_t n = readlink(path, buf, sizeof(buf) - 1);
    if (n < 0) {
        it->unreadable = 1;
        return custos__verify_set_detail(it, "cannot read the link: %s", strerror(errno));
    }
    buf[n] = '\0';
    it->checked = 1;
    if (it->target == NULL || strcmp(buf, it->target) != 0) {
        it->differs = 1;
        return custos__verify_set_detail(it, "link target differs");
    }
    return CUSTOS_OK;
}

/* Whether an extra of this size could be a moved reference item (so worth hashing). */
static int
may_be_moved(const struct custos_verify *v, uint64_t size)
{
    if (v->opt.level == CUSTOS_VERIFY_STRUCTURE)
        return 0;
    for (size_t i = 0; i < v->nitems; i++) {
        const struct ritem *it = &v->items[i];
        if (!it->found && it->kind == RITEM_FILE && it->ref.algs &&
            (it->size == size || it->size == UINT64_MAX))
            return 1;
    }
    return 0;
}

/* ---- directories ---- */

struct walk {
    struct custos_verify *v;
    char **bad_dirs; /* names of directories that could not be read */
    size_t nbad;
};

/* The path below the target directory of a reference name (a bag's payload alone: no data/). */
static const char *
on_disk(const struct custos_verify *v, const char *name)
{
    return v->tpayload ? name + sizeof(CUSTOS_BAG_PAYLOAD_DIR) : name;
}

static int
note_found(struct walk *w, const char *rel, const struct stat *st)
{
    struct custos_verify *v = w->v;
    char buf[8192];
    const char *name = v->tpayload ? custos__verify_normalize(v, rel, buf, sizeof(buf)) : rel;
    if (v->kind == CUSTOS_VERIFY_REF_BAG && strncmp(name, "data/", 5) != 0)
        return CUSTOS_OK; /* tag files are not payload */
    size_t idx;
    if (custos__verify_lookup(v, name, &idx)) {
        struct ritem *it = &v->items[idx];
        it->found = 1;
        it->found_size = (uint64_t)st->st_size;
        if ((it->kind == RITEM_SYMLINK) != S_ISLNK(st->st_mode)) {
            it->differs = 1;
            custos__verify_set_detail(
                it, "%s", S_ISLNK(st->st_mode) ? "is a symbolic link now" : "is no longer a link");
        }
        return CUSTOS_OK;
    }
    struct extra *x;
    return custos__verify_add_extra(v, name, (uint64_t)st->st_size, &x);
}

static int
walk_dir(struct walk *w, const char *base, const char *rel, unsigned depth)
{
    char path[8192];
    snprintf(path, sizeof(path), "%s%s%s", base, rel[0] ? "/" : "", rel);
    DIR *d = depth < WALK_DEPTH ? opendir(path) : NULL;
    if (d == NULL) {
        char **p = realloc(w->bad_dirs, (w->nbad + 1) * sizeof(*p));
        if (p == NULL || (p[w->nbad] = strdup(rel)) == NULL) {
            w->bad_dirs = p;
            return custos_error_set(&w->v->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        }
        w->bad_dirs = p;
        w->nbad++;
        return CUSTOS_OK;
    }
    int rc = CUSTOS_OK;
    struct dirent *e;
    while (rc == CUSTOS_OK && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char name[8192];
        snprintf(name, sizeof(name), "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue; /* vanished meanwhile: it will be missing if it was recorded */
        if (S_ISDIR(st.st_mode))
            rc = walk_dir(w, base, name, depth + 1);
        else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
            rc = note_found(w, name, &st);
    }
    closedir(d);
    return rc;
}

/* The directory holding the copy: dir itself, or dir/ROOT when that is all dir holds. */
static void
directory_base(const struct custos_verify *v, const char *dir, char *out, size_t size)
{
    snprintf(out, size, "%s", dir);
    if (v->root == NULL)
        return;
    const char *root = strrchr(v->root, '/');
    root = root ? root + 1 : v->root;
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    int only_root = 0, others = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (strcmp(e->d_name, root) == 0)
            only_root = 1;
        else
            others = 1;
    }
    closedir(d);
    char sub[4096];
    struct stat st;
    snprintf(sub, sizeof(sub), "%s/%s", dir, root);
    if (only_root && !others && lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(out, size, "%s", sub);
}

/* How many of up to 64 reference items, spread over the list, exist below dir (less prefix). */
static size_t
items_below(const struct custos_verify *v, const char *dir, size_t prefix)
{
    size_t step = v->nitems > 64 ? v->nitems / 64 : 1, hits = 0;
    char path[8192];
    struct stat st;
    for (size_t i = 0; i < v->nitems; i += step) {
        const char *name = v->items[i].name;
        if (strlen(name) <= prefix)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, name + prefix);
        hits += lstat(path, &st) == 0;
    }
    return hits;
}

/* Whether dir holds a bag's bagit.txt or data/ directory. */
static int
holds_bag(const char *dir)
{
    char path[8192];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", dir, CUSTOS_BAG_DECLARATION);
    if (lstat(path, &st) == 0)
        return 1;
    snprintf(path, sizeof(path), "%s/%s", dir, CUSTOS_BAG_PAYLOAD_DIR);
    return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * A bag reference and a target directory: the bag at its top, the bag in
 * its one subdirectory, or the payload alone (a copy of data/'s content).
 * The layout under which most of a spread of reference items exist wins;
 * when none exists, where bagit.txt or data/ is.
 */
static void
bag_directory_layout(struct custos_verify *v, const char *dir, char *base, size_t size)
{
    snprintf(base, size, "%s", dir);
    char sub[8192] = "";
    DIR *d = opendir(dir);
    struct dirent *e;
    int entries = 0;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (entries++ == 0)
            snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
    }
    if (d != NULL)
        closedir(d);
    struct stat st;
    if (entries != 1 || lstat(sub, &st) != 0 || !S_ISDIR(st.st_mode))
        sub[0] = '\0';
    size_t prefix = sizeof(CUSTOS_BAG_PAYLOAD_DIR);
    size_t top = items_below(v, dir, 0), under = sub[0] ? items_below(v, sub, 0) : 0,
           alone = items_below(v, dir, prefix);
    if (top == 0 && under == 0 && alone == 0) {
        top = holds_bag(dir);
        under = !top && sub[0] && holds_bag(sub);
    }
    if (under > top && under >= alone)
        snprintf(base, size, "%s", sub);
    else if (alone > top && alone > under)
        v->tpayload = 1;
    v->layout_known = 1;
}

int
custos__verify_directory(struct custos_verify *v, const char *dir, const struct custos_progress *p)
{
    char base[4096];
    if (v->kind == CUSTOS_VERIFY_REF_BAG)
        bag_directory_layout(v, dir, base, sizeof(base));
    else
        directory_base(v, dir, base, sizeof(base));
    struct walk w = {v, NULL, 0};
    int rc = walk_dir(&w, base, "", 0);
    for (size_t i = 0; rc == CUSTOS_OK && i < w.nbad; i++) {
        size_t n = strlen(w.bad_dirs[i]);
        for (size_t j = 0; j < v->nitems; j++) {
            struct ritem *it = &v->items[j];
            const char *rel = on_disk(v, it->name);
            if (!it->found && (n == 0 || (strncmp(rel, w.bad_dirs[i], n) == 0 && rel[n] == '/'))) {
                it->unreadable = 1;
                custos__verify_set_detail(it, "directory %s cannot be read",
                                          n ? w.bad_dirs[i] : ".");
            }
        }
    }
    for (size_t i = 0; i < w.nbad; i++)
        free(w.bad_dirs[i]);
    free(w.bad_dirs);
    if (rc != CUSTOS_OK)
        return rc;
    struct reader r;
    if ((rc = reader_init(&r, v, v->algs, p)) != CUSTOS_OK) {
        reader_free(&r);
        return rc;
    }
    for (size_t i = 0; i < v->nitems; i++)
        if (v->items[i].found && v->items[i].selected && v->items[i].kind == RITEM_FILE)
            r.total += v->items[i].found_size;
    char path[8192];
    for (size_t i = 0; rc == CUSTOS_OK && i < v->nitems; i++) {
        struct ritem *it = &v->items[i];
        if (!it->found || !it->selected || it->differs)
            continue;
        snprintf(path, sizeof(path), "%s/%s", base, on_disk(v, it->name));
        if (it->kind == RITEM_SYMLINK) {
            rc = compare_link(it, path);
            continue;
        }
        struct custos_digest_result got;
        uint64_t n;
        char *why;
        int h = hash_file(&r, path, &got, &n, &why);
        rc = settle(it, h, &got, why);
    }
    for (size_t j = 0; rc == CUSTOS_OK && j < v->nextras; j++) {
        struct extra *x = &v->extras[j];
        if (!may_be_moved(v, x->size))
            continue;
        snprintf(path, sizeof(path), "%s/%s", base, on_disk(v, x->name));
        struct stat st;
        if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        uint64_t n;
        char *why;
        int h = hash_file(&r, path, &x->got, &n, &why);
        free(why);
        if (h == CUSTOS_OK)
            x->hashed = 1;
        else if (h == CUSTOS_E_INCOMPLETE)
            x->unreadable = 1;
        else
            rc = h;
    }
    reader_free(&r);
    return rc;
}

/* ---- archives ---- */

static struct archive *
archive_open(const char *path)
{
    struct archive *a = archive_read_new();
    if (a == NULL)
        return NULL;
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    if (archive_read_open_filename(a, path, READ_BYTES) != ARCHIVE_OK)
        return a; /* the caller reads the error from a */
    return a;
}

static void
archive_describe(struct custos_verify *v, struct archive *a)
{
    const char *fmt = archive_format_name(a);
    snprintf(v->target_format, sizeof(v->target_format), "%s", fmt ? fmt : "unknown");
    for (int i = 0; i < archive_filter_count(a); i++) {
        const char *f = archive_filter_name(a, i);
        if (f != NULL && strcmp(f, "none") != 0) {
            size_t n = strlen(v->target_format);
            snprintf(v->target_format + n, sizeof(v->target_format) - n, ", %s", f);
        }
    }
}

static void
archive_broken(struct custos_verify *v, const char *path, struct archive *a, const char *where)
{
    v->container_corrupt = 1;
    const char *msg = archive_error_string(a);
    snprintf(v->container_detail, sizeof(v->container_detail), "%s: archive damaged %s: %s", path,
             where, msg ? msg : "unknown error");
}

/* Hashes the current entry's data. CUSTOS_E_CORRUPT when the archive broke (fatal). */
static int
hash_entry(struct reader *r, struct archive *a, struct custos_digest_result *got, uint64_t *bytes,
           char **why, int *fatal)
{
    custos_digest_reset(r->d);
    *bytes = 0;
    *why = NULL;
    *fatal = 0;
    for (;;) {
        la_ssize_t n = archive_read_data(a, r->buf, READ_BYTES);
        if (n == 0)
            break;
        if (n < 0) {
            const char *m = archive_error_string(a);
            if (asprintf(why, "archive read error after %llu bytes: %s", (unsigned long long)*bytes,
                         m ? m : "unknown") < 0)
                *why = NULL;
            *fatal = n == ARCHIVE_FATAL;
            custos_digest_final(r->d, got);
            return CUSTOS_E_INCOMPLETE;
        }
        custos_digest_update(r->d, r->buf, (size_t)n);
        *bytes += (uint64_t)n;
        r->v->bytes_read += (uint64_t)n;
        custos_progress_update(r->p, (uint64_t)archive_filter_bytes(a, -1), r->total);
        if (custos_progress_cancelled(r->p))
            return custos_error_set(&r->v->err, CUSTOS_E_INTERRUPTED, 0, NULL, "interrupted");
    }
    custos_digest_final(r->d, got);
    return CUSTOS_OK;
}

static int
verify_archive(struct custos_verify *v, const char *path, const struct custos_progress *p)
{
    struct reader r;
    int rc = reader_init(&r, v, v->algs, p);
    struct stat st;
    if (rc == CUSTOS_OK && stat(path, &st) == 0)
        r.total = (uint64_t)st.st_size;
    struct archive *a = rc == CUSTOS_OK ? archive_open(path) : NULL;
    if (rc == CUSTOS_OK && a == NULL)
        rc = custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    if (rc != CUSTOS_OK) {
        reader_free(&r);
        return rc;
    }
    struct archive_entry *ae;
    int lr;
    size_t entries = 0;
    if (archive_errno(a) != 0 || archive_error_string(a) != NULL) {
        if (access(path, R_OK) != 0) {
            rc = custos_error_set(&v->err, CUSTOS_E_IO, errno, path, "cannot open the target");
            goto out;
        }
        archive_broken(v, path, a, "at its start");
        lr = ARCHIVE_FATAL;
    } else {
        while ((lr = archive_read_next_header(a, &ae)) == ARCHIVE_OK || lr == ARCHIVE_WARN) {
            entries++;
            if (entries == 1)
                archive_describe(v, a);
            mode_t type = archive_entry_filetype(ae);
            const char *raw = archive_entry_pathname(ae);
            if (raw == NULL || type == AE_IFDIR)
                continue;
            if ((rc = custos__verify_bag_layout(v, raw)) != CUSTOS_OK)
                goto out;
            char nbuf[8192], hbuf[8192];
            const char *name = custos__verify_normalize(v, raw, nbuf, sizeof(nbuf));
            if (v->kind == CUSTOS_VERIFY_REF_BAG && strncmp(name, "data/", 5) != 0)
                continue;
            size_t idx;
            int size_set = archive_entry_size_is_set(ae);
            uint64_t size = size_set ? (uint64_t)archive_entry_size(ae) : 0;
            const char *hl = archive_entry_hardlink(ae);
            if (!custos__verify_lookup(v, name, &idx)) {
                struct extra *x;
                if ((rc = custos__verify_add_extra(v, name, size, &x)) != CUSTOS_OK)
                    goto out;
                if (type == AE_IFREG && hl == NULL && v->opt.level != CUSTOS_VERIFY_STRUCTURE) {
                    uint64_t n;
                    char *why;
                    int fatal;
                    int h = hash_entry(&r, a, &x->got, &n, &why, &fatal);
                    free(why);
                    x->size = n;
                    if (h == CUSTOS_E_INTERRUPTED) {
                        rc = h;
                        goto out;
                    }
                    x->hashed = h == CUSTOS_OK;
                    x->unreadable = h != CUSTOS_OK;
                    if (fatal) {
                        lr = ARCHIVE_FATAL;
                        break;
                    }
                }
                continue;
            }
            struct ritem *it = &v->items[idx];
            it->found = 1;
            it->found_size = size_set ? size : it->size;
            if (hl != NULL) {
                /* A hard link: its content is the content of the entry it names. */
                size_t li;
                if (custos__verify_lookup(v, custos__verify_normalize(v, hl, hbuf, sizeof(hbuf)),
                                          &li)) {
                    struct ritem *t = &v->items[li];
                    it->found_size = t->found_size;
                    if (it->selected && t->checked) {
                        it->checked = 1;
                        it->got = t->got;
                        it->differs = !custos_digest_equal(&it->ref, &t->got);
                        if (it->differs)
                            custos__verify_set_detail(it, "content differs");
                    }
                }
                continue;
            }
            if ((it->kind == RITEM_SYMLINK) != (type == AE_IFLNK)) {
                it->differs = 1;
                custos__verify_set_detail(
                    it, "%s", type == AE_IFLNK ? "is a symbolic link now" : "is no longer a link");
                continue;
            }
            if (!it->selected)
                continue;
            if (it->kind == RITEM_SYMLINK) {
                const char *t = archive_entry_symlink(ae);
                it->checked = 1;
                if (t == NULL || it->target == NULL || strcmp(t, it->target) != 0) {
                    it->differs = 1;
                    custos__verify_set_detail(it, "link target differs");
                }
                continue;
            }
            struct custos_digest_result got;
            uint64_t n;
            char *why;
            int fatal;
            int h = hash_entry(&r, a, &got, &n, &why, &fatal);
            if (h == CUSTOS_OK)
                it->found_size = n;
            if (h == CUSTOS_E_INCOMPLETE && !v->container_corrupt)
                archive_broken(v, path, a, "inside an entry");
            if ((rc = settle(it, h, &got, why)) != CUSTOS_OK)
                goto out;
            if (fatal) {
                lr = ARCHIVE_FATAL;
                break;
            }
        }
        if (lr != ARCHIVE_EOF)
            archive_broken(v, path, a, entries ? "after its last readable entry" : "at its start");
    }
    if (entries == 0 && !v->container_corrupt)
        archive_describe(v, a);
    if (v->container_corrupt)
        for (size_t i = 0; i < v->nitems; i++)
            if (!v->items[i].found) {
                v->items[i].unreadable = 1;
                custos__verify_set_detail(&v->items[i],
                                          "not reached: the archive is damaged before it");
            }
out:
    archive_read_free(a);
    reader_free(&r);
    return rc;
}

/* ---- images ---- */

static int
add_bad(struct custos_verify *v, uint64_t offset, uint64_t length)
{
    if (v->nbad > 0 && v->bad[v->nbad - 1].offset + v->bad[v->nbad - 1].length == offset) {
        v->bad[v->nbad - 1].length += length;
        return CUSTOS_OK;
    }
    if (v->nbad == v->capbad) {
        size_t cap = v->capbad ? 2 * v->capbad : 8;
        void *p = realloc(v->bad, cap * sizeof(*v->bad));
        if (p == NULL)
            return custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        v->bad = p;
        v->capbad = cap;
    }
    v->bad[v->nbad].offset = offset;
    v->bad[v->nbad].length = length;
    v->nbad++;
    return CUSTOS_OK;
}

/*
 * Reads len bytes of the medium at offset into buf. A failed read is
 * narrowed to EWF_CHUNK pieces; pieces that still fail are zero-filled and
 * recorded as bad ranges (*damaged for a checksum error, *ioerr for a read
 * error).
 */
static int
read_medium(struct custos_verify *v, struct custos_source *s, uint64_t offset, uint8_t *buf,
            size_t len, int *damaged, int *ioerr)
{
    size_t got = 0;
    int rc = custos_source_read(s, offset, buf, len, 0, &got);
    if (rc == CUSTOS_OK && got == len)
        return CUSTOS_OK;
    if (rc == CUSTOS_OK)
        return custos_error_set(&v->err, CUSTOS_E_CORRUPT, 0, NULL,
                                "the medium ends before its recorded size");
    if (rc != CUSTOS_E_CORRUPT && rc != CUSTOS_E_IO)
        return custos_error_copy(&v->err, custos_source_error(s));
    for (size_t at = 0; at < len; at += EWF_CHUNK) {
        size_t n = len - at < EWF_CHUNK ? len - at : EWF_CHUNK;
        int r2 = custos_source_read(s, offset + at, buf + at, n, 0, &got);
        if (r2 == CUSTOS_OK && got == n)
            continue;
        memset(buf + at, 0, n);
        if (r2 == CUSTOS_E_CORRUPT)
            *damaged = 1;
        else
            *ioerr = 1;
        if ((rc = add_bad(v, offset + at, n)) != CUSTOS_OK)
            return rc;
    }
    return CUSTOS_OK;
}

static int
overlaps_bad(const struct custos_verify *v, uint64_t off, uint64_t len, uint64_t *at)
{
    for (size_t i = 0; i < v->nbad; i++)
        if (v->bad[i].offset < off + len && off < v->bad[i].offset + v->bad[i].length) {
            *at = v->bad[i].offset;
            return 1;
        }
    return 0;
}

/*
 * The full pass over the medium: this thread reads (an E01's chunks are
 * inflated and checked on every core, ewf_read.c) into a ring of PIPE_SLOTS
 * blocks; one lane thread per digest of the medium, and one for the
 * windows' SHA-256, hash every block. A slot is refilled only once every
 * lane is done with it. Blocks never cross a window boundary, so the window
 * lane closes a window exactly at the end of a block. MD5, the slowest
 * digest, bounds the pass: every other lane yields to it. Only the window
 * lane touches the window items during the pass.
 */
#define PIPE_SLOTS 8
#define PIPE_BYTES (4u << 20) /* a block: fewer hand-offs between the threads */
#define MAX_LANES  4

struct pipe;

struct lane {
    struct pipe *p;
    unsigned idx;
    struct custos_digest *d;  /* this lane's digest of the medium, or NULL */
    struct custos_digest *wd; /* the windows' SHA-256, or NULL */
    int yield;
};

struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint8_t *buf[PIPE_SLOTS];
    size_t len[PIPE_SLOTS];
    size_t window[PIPE_SLOTS]; /* index of the window item a block ends, or SIZE_MAX */
    uint64_t head;             /* blocks produced */
    uint64_t tail[MAX_LANES];  /* blocks each lane has hashed */
    unsigned nlanes;
    int stop;
    struct custos_verify *v;
};

static void
close_window(struct ritem *w, struct custos_digest *wd)
{
    custos_digest_final(wd, &w->got);
    custos_digest_reset(wd);
    w->checked = 1;
    if (!custos_digest_equal(&w->ref, &w->got)) {
        w->differs = 1;
        custos__verify_set_detail(w, "content differs");
    }
}

static void *
lane_main(void *arg)
{
    struct lane *l = arg;
    struct pipe *p = l->p;
    if (l->yield)
        custos__thread_yield();
    for (uint64_t seq = 0;; seq++) {
        pthread_mutex_lock(&p->mu);
        while (seq == p->head && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        if (seq == p->head) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        pthread_mutex_unlock(&p->mu);
        size_t k = (size_t)(seq % PIPE_SLOTS);
        if (l->d != NULL)
            custos_digest_update(l->d, p->buf[k], p->len[k]);
        if (l->wd != NULL) {
            custos_digest_update(l->wd, p->buf[k], p->len[k]);
            if (p->window[k] != SIZE_MAX)
                close_window(&p->v->items[p->window[k]], l->wd);
        }
        pthread_mutex_lock(&p->mu);
        p->tail[l->idx] = seq + 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
}

/* Blocks every lane has hashed; with mu held. */
static uint64_t
pipe_done(const struct pipe *p)
{
    uint64_t t = p->head;
    for (unsigned i = 0; i < p->nlanes; i++)
        if (p->tail[i] < t)
            t = p->tail[i];
    return t;
}

static int
medium_pass(struct custos_verify *v, struct custos_source *s, struct ritem *medium,
            struct reader *r, int *damaged, int *ioerr)
{
    struct pipe p;
    memset(&p, 0, sizeof(p));
    p.v = v;
    struct lane lanes[MAX_LANES];
    memset(lanes, 0, sizeof(lanes));
    int rc = CUSTOS_OK;
    static const unsigned order[] = {CUSTOS_DIGEST_MD5, CUSTOS_DIGEST_SHA1, CUSTOS_DIGEST_SHA256};
    for (size_t i = 0; i < 3 && rc == CUSTOS_OK; i++)
        if (v->algs & order[i]) {
            struct lane *l = &lanes[p.nlanes++];
            l->yield = order[i] != CUSTOS_DIGEST_MD5 && (v->algs & CUSTOS_DIGEST_MD5);
            rc = custos_digest_new(&l->d, order[i], &v->err);
        }
    /* A window over the whole medium is the medium's SHA-256, which a lane
     * computes anyway: hashing every byte twice would be waste. */
    struct ritem *whole = NULL;
    size_t nwin = 0;
    for (size_t i = 0; i < v->nitems; i++)
        if (v->items[i].kind == RITEM_WINDOW) {
            nwin++;
            if (v->items[i].offset == 0 && v->items[i].size == medium->size)
                whole = &v->items[i];
        }
    if (nwin != 1 || !(v->algs & CUSTOS_DIGEST_SHA256))
        whole = NULL;
    if (rc == CUSTOS_OK && nwin > 0 && whole == NULL) {
        struct lane *l = &lanes[p.nlanes++];
        l->yield = (v->algs & CUSTOS_DIGEST_MD5) != 0;
        rc = custos_digest_new(&l->wd, CUSTOS_DIGEST_SHA256, &v->err);
    }
    for (size_t k = 0; rc == CUSTOS_OK && k < PIPE_SLOTS; k++)
        if ((p.buf[k] = malloc(PIPE_BYTES)) == NULL)
            rc = custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    pthread_t th[MAX_LANES];
    unsigned started = 0;
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    for (unsigned i = 0; rc == CUSTOS_OK && i < p.nlanes; i++) {
        lanes[i].p = &p;
        lanes[i].idx = i;
        if (pthread_create(&th[i], NULL, lane_main, &lanes[i]) != 0)
            rc = custos_error_set(&v->err, CUSTOS_E_IO, errno, NULL, "cannot start a thread");
        else
            started++;
    }
    size_t wi = 0;
    while (wi < v->nitems && v->items[wi].kind != RITEM_WINDOW)
        wi++;
    uint64_t off = 0;
    while (rc == CUSTOS_OK && off < medium->size) {
        size_t n = medium->size - off < PIPE_BYTES ? (size_t)(medium->size - off) : PIPE_BYTES;
        size_t ends = SIZE_MAX;
        if (wi < v->nitems && v->items[wi].kind == RITEM_WINDOW) {
            struct ritem *w = &v->items[wi];
            if (w->offset + w->size - off <= n) {
                n = (size_t)(w->offset + w->size - off);
                ends = wi++;
            }
        }
        pthread_mutex_lock(&p.mu);
        while (p.head - pipe_done(&p) == PIPE_SLOTS)
            pthread_cond_wait(&p.cv, &p.mu);
        pthread_mutex_unlock(&p.mu);
        size_t k = (size_t)(p.head % PIPE_SLOTS);
        if ((rc = read_medium(v, s, off, p.buf[k], n, damaged, ioerr)) != CUSTOS_OK)
            break;
        p.len[k] = n;
        p.window[k] = ends;
        pthread_mutex_lock(&p.mu);
        p.head++;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
        off += n;
        rc = advance(r, n);
    }
    pthread_mutex_lock(&p.mu);
    p.stop = 1;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
    for (unsigned i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    if (rc == CUSTOS_OK) {
        memset(&medium->got, 0, sizeof(medium->got));
        for (unsigned i = 0; i < p.nlanes; i++) {
            struct custos_digest_result one;
            if (lanes[i].d == NULL)
                continue;
            custos_digest_final(lanes[i].d, &one);
            if (one.algs & CUSTOS_DIGEST_MD5)
                memcpy(medium->got.md5, one.md5, sizeof(one.md5));
            if (one.algs & CUSTOS_DIGEST_SHA1)
                memcpy(medium->got.sha1, one.sha1, sizeof(one.sha1));
            if (one.algs & CUSTOS_DIGEST_SHA256)
                memcpy(medium->got.sha256, one.sha256, sizeof(one.sha256));
            medium->got.algs |= one.algs;
        }
        medium->checked = 1;
        if (!custos_digest_equal(&medium->ref, &medium->got)) {
            medium->differs = 1;
            custos__verify_set_detail(medium, "content differs");
        }
        if (whole != NULL) {
            memset(&whole->got, 0, sizeof(whole->got));
            memcpy(whole->got.sha256, medium->got.sha256, sizeof(medium->got.sha256));
            whole->got.algs = CUSTOS_DIGEST_SHA256;
            whole->checked = 1;
            if (!custos_digest_equal(&whole->ref, &whole->got)) {
                whole->differs = 1;
                custos__verify_set_detail(whole, "content differs");
            }
        }
    }
    for (size_t k = 0; k < PIPE_SLOTS; k++)
        free(p.buf[k]);
    for (unsigned i = 0; i < p.nlanes; i++) {
        custos_digest_free(lanes[i].d);
        custos_digest_free(lanes[i].wd);
    }
    return rc;
}

/*
 * The image files' own SHA-256 (each segment as published) is computed on a
 * thread of its own while the medium pass runs: it reads other files, and
 * fills the time the pass leaves a core idle. Its reader reports no
 * progress; its bytes are counted after the join.
 */
struct files_job {
    struct custos_verify *v;
    const char *dir;
    struct reader r;
    int rc;
    atomic_int stop;
};

static void *
hash_image_files(void *arg)
{
    struct files_job *j = arg;
    struct custos_verify *v = j->v;
    char path[8192];
    custos__thread_yield();
    for (size_t i = 0; i < v->nitems && j->rc == CUSTOS_OK; i++) {
        struct ritem *it = &v->items[i];
        if (it->kind != RITEM_IMGFILE || !it->found || !it->selected)
            continue;
        snprintf(path, sizeof(path), "%s/%s", j->dir, it->name);
        struct custos_digest_result got;
        uint64_t n;
        char *why;
        int h = hash_file(&j->r, path, &got, &n, &why);
        j->rc = settle(it, h, &got, why);
    }
    return NULL;
}

int
custos__verify_image(struct custos_verify *v, const char *dir, const struct custos_progress *p)
{
    /* The reader's digest serves the image files and the windows, which
     * the record gives as SHA-256 only; the medium pass has its own. */
    struct reader r;
    int rc = reader_init(&r, v, CUSTOS_DIGEST_SHA256, p);
    if (rc != CUSTOS_OK) {
        reader_free(&r);
        return rc;
    }
    snprintf(v->target_format, sizeof(v->target_format), "%s",
             v->img_format ? v->img_format : "raw");
    struct ritem *medium = NULL;
    char path[8192];
    for (size_t i = 0; i < v->nitems; i++) {
        struct ritem *it = &v->items[i];
        if (it->kind == RITEM_MEDIUM)
            medium = it;
        if (it->kind != RITEM_IMGFILE)
            continue;
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, it->name);
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            it->found = 1;
            it->found_size = (uint64_t)st.st_size;
        }
    }
    /* Totals for the progress line: selected windows, the medium, the image files. */
    for (size_t i = 0; i < v->nitems; i++) {
        struct ritem *it = &v->items[i];
        if (it->selected && (it->kind != RITEM_WINDOW || !medium->selected))
            r.total += it->size;
    }
    struct files_job fj = {.v = v, .dir = dir, .rc = CUSTOS_OK};
    pthread_t files_thread;
    int files_started = 0;
    if ((rc = reader_init(&fj.r, v, CUSTOS_DIGEST_SHA256, NULL)) != CUSTOS_OK) {
        reader_free(&fj.r);
        reader_free(&r);
        return rc;
    }
    fj.r.detached = 1;
    atomic_init(&fj.stop, 0);
    fj.r.stop = &fj.stop;
    files_started = pthread_create(&files_thread, NULL, hash_image_files, &fj) == 0;
    struct custos_source *s = NULL;
    snprintf(path, sizeof(path), "%s/%s", dir, v->img_names[0]);
    struct custos_error serr;
    int orc = custos_source_open(&s, path, &serr);
    if (orc != CUSTOS_OK) {
        if (orc == CUSTOS_E_CORRUPT) {
            v->container_corrupt = 1;
            snprintf(v->container_detail, sizeof(v->container_detail), "%.500s", serr.message);
        }
        if (orc == CUSTOS_E_NOMEM) {
            rc = custos_error_copy(&v->err, &serr);
            goto out;
        }
        for (size_t i = 0; i < v->nitems; i++)
            if (v->items[i].kind == RITEM_MEDIUM || v->items[i].kind == RITEM_WINDOW) {
                v->items[i].unreadable = 1;
                custos__verify_set_detail(&v->items[i], "%s", serr.message);
            }
    } else {
        const struct custos_source_info *info = custos_source_info(s);
        uint32_t listed = (uint32_t)v->nimg;
        for (uint32_t k = listed; k < info->segment_count; k++) {
            char name[4200];
            struct extra *x;
            snprintf(name, sizeof(name), "%s: segment %u of the set (not in the record)",
                     v->img_names[0], k + 1);
            if ((rc = custos__verify_add_extra(v, name, 0, &x)) != CUSTOS_OK)
                goto out;
        }
        medium->found = 1;
        medium->found_size = info->size_bytes;
        if (info->stored.algs != 0) {
            v->stored = info->stored;
            if (!custos_digest_equal(&info->stored, &medium->ref)) {
                medium->differs = 1;
                custos__verify_set_detail(medium, "the E01 stores other digests than the record");
            }
        }
        for (size_t i = 0; i < v->nitems; i++) {
            struct ritem *it = &v->items[i];
            if (it->kind == RITEM_WINDOW)
                it->found = it->offset + it->size <= info->size_bytes;
            if (it->kind == RITEM_WINDOW) {
                it->found_size = it->found ? it->size : 0;
            }
        }
        int damaged = 0, ioerr = 0;
        if (medium->selected && medium->found_size == medium->size) {
            if ((rc = medium_pass(v, s, medium, &r, &damaged, &ioerr)) != CUSTOS_OK)
                goto out;
            /* Only digests computed can be compared (the record's check
             * above covers the others). */
            if (info->stored.algs & medium->got.algs)
                v->stored_match = custos_digest_equal(&info->stored, &medium->got);
        } else {
            for (size_t i = 0; i < v->nitems && rc == CUSTOS_OK; i++) {
                struct ritem *w = &v->items[i];
                if (w->kind != RITEM_WINDOW || !w->selected || !w->found)
                    continue;
                custos_digest_reset(r.d);
                for (uint64_t off = 0; off < w->size && rc == CUSTOS_OK;) {
                    size_t n = w->size - off < READ_BYTES ? (size_t)(w->size - off) : READ_BYTES;
                    rc = read_medium(v, s, w->offset + off, r.buf, n, &damaged, &ioerr);
                    if (rc == CUSTOS_OK) {
                        custos_digest_update(r.d, r.buf, n);
                        off += n;
                        rc = advance(&r, n);
                    }
                }
                if (rc != CUSTOS_OK)
                    goto out;
                struct custos_digest_result got;
                custos_digest_final(r.d, &got);
                w->checked = 1;
                w->got = got;
                if (!custos_digest_equal(&w->ref, &got)) {
                    w->differs = 1;
                    custos__verify_set_detail(w, "content differs");
                }
            }
        }
        if (damaged) {
            v->container_corrupt = 1;
            snprintf(
                v->container_detail, sizeof(v->container_detail),
                "%.300s: %zu damaged range(s) in the E01 (chunk checksum errors), the first at "
                "byte %llu",
                path, v->nbad, (unsigned long long)v->bad[0].offset);
        }
        for (size_t i = 0; i < v->nitems; i++) {
            struct ritem *it = &v->items[i];
            uint64_t at;
            if ((it->kind == RITEM_MEDIUM || it->kind == RITEM_WINDOW) && it->checked &&
                overlaps_bad(v, it->offset, it->size, &at)) {
                it->unreadable = 1;
                free(it->detail);
                it->detail = NULL;
                custos__verify_set_detail(it, "%s at byte %llu (read as zeros)",
                                          damaged ? "damaged chunk" : "read error",
                                          (unsigned long long)at);
            }
        }
    }
out:
    /* The image files themselves, as published; a run that stopped early
     * (interrupted, out of memory) stops their thread too. */
    if (rc != CUSTOS_OK)
        atomic_store(&fj.stop, 1);
    if (files_started)
        pthread_join(files_thread, NULL);
    else
        hash_image_files(&fj);
    v->bytes_read += fj.r.done;
    if (rc == CUSTOS_OK && fj.rc != CUSTOS_OK)
        rc = fj.rc;
    if (rc == CUSTOS_OK) /* the files thread looks for no cancel of its own */
        rc = advance(&r, 0);
    r.done += fj.r.done;
    custos_progress_update(p, r.done, r.total);
    custos_source_free(s);
    reader_free(&fj.r);
    reader_free(&r);
    return rc;
}

/* ---- restore tests ---- */

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void restore_set(struct custos_verify *v, const char *result, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
restore_set(struct custos_verify *v, const char *result, const char *fmt, ...)
{
    snprintf(v->restore_result, sizeof(v->restore_result), "%s", result);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->restore_detail, sizeof(v->restore_detail), fmt, ap);
    va_end(ap);
}

static void
restore_image(struct custos_verify *v, const char *dir, const struct custos_progress *p)
{
    char path[8192];
    snprintf(path, sizeof(path), "%s/%s", dir, v->img_names[0]);
    struct custos_manifest *m = NULL;
    struct custos_error err;
    struct custos_hash_options ho = {1, true};
    if (custos_manifest_new(&m, CUSTOS_DIGEST_SHA256, &err) != CUSTOS_OK) {
        restore_set(v, "not tested", "%s", err.message);
        return;
    }
    int rc = custos_fs_hash(m, path, &ho, p, &err);
    size_t n = custos_manifest_count(m);
    uint64_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += custos_manifest_entry(m, i)->size_bytes;
    v->restore_files = n;
    v->restore_bytes = bytes;
    if (rc == CUSTOS_OK)
        restore_set(v, "passed", "%zu files read from the image's file systems through libtsk", n);
    else if (rc == CUSTOS_E_UNSUPPORTED)
        restore_set(v, "not tested", "no file system recognised in the image");
    else
        restore_set(v, "failed", "%s", err.message);
    custos_manifest_free(m);
}

/* pax and zip (bit 11) names are UTF-8; libarchive converts them to the thread's locale, which
 * under LANG=C fails for every non-ASCII name: read archives under C.UTF-8. */
int
custos__verify_archive(struct custos_verify *v, const char *path, const struct custos_progress *p)
{
    locale_t u = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (u == (locale_t)0)
        return custos_error_set(&v->err, CUSTOS_E_NOMEM, errno, path,
                                "cannot read archives (is the C.UTF-8 locale present?)");
    locale_t old = uselocale(u);
    int rc = verify_archive(v, path, p);
    uselocale(old);
    freelocale(u);
    return rc;
}

static void verify_restore(struct custos_verify *v, const char *path,
                           const struct custos_progress *p);

void
custos__verify_restore(struct custos_verify *v, const char *path, const struct custos_progress *p)
{
    locale_t u = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    locale_t old = u != (locale_t)0 ? uselocale(u) : (locale_t)0;
    verify_restore(v, path, p);
    if (u != (locale_t)0) {
        uselocale(old);
        freelocale(u);
    }
}

static void
verify_restore(struct custos_verify *v, const char *path, const struct custos_progress *p)
{
    if (v->target_kind == CUSTOS_VERIFY_TARGET_IMAGE) {
        restore_image(v, path, p);
        return;
    }
    const char *parent = v->opt.tmpdir ? v->opt.tmpdir : getenv("TMPDIR");
    if (parent == NULL || parent[0] == '\0')
        parent = "/tmp";
    uint64_t need = 0;
    for (size_t i = 0; i < v->nitems; i++)
        if (v->items[i].kind == RITEM_FILE)
            need += v->items[i].size == UINT64_MAX ? v->items[i].found_size : v->items[i].size;
    struct statvfs sv;
    if (statvfs(parent, &sv) != 0) {
        restore_set(v, "not tested", "%s: cannot query free space: %s", parent, strerror(errno));
        return;
    }
    uint64_t avail = (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
    if (avail < need + (1u << 20)) {
        restore_set(v, "not tested", "%s: %llu bytes free, the restore needs %llu", parent,
                    (unsigned long long)avail, (unsigned long long)need + (1u << 20));
        return;
    }
    char tmpl[4200], real[PATH_MAX];
    if (realpath(parent, real) == NULL) {
        restore_set(v, "not tested", "%s: %s", parent, strerror(errno));
        return;
    }
    snprintf(tmpl, sizeof(tmpl), "%s/custos-verify-XXXXXX", real);
    if (mkdtemp(tmpl) == NULL) {
        restore_set(v, "not tested", "%s: cannot make a private directory: %s", real,
                    strerror(errno));
        return;
    }
    struct archive *a = archive_open(path);
    struct archive *disk = archive_write_disk_new();
    int flags = ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                ARCHIVE_EXTRACT_NO_OVERWRITE;
    char failed[160] = "";
    if (a == NULL || disk == NULL || archive_write_disk_set_options(disk, flags) != ARCHIVE_OK) {
        snprintf(failed, sizeof(failed), "cannot set up extraction");
    } else {
        struct archive_entry *ae;
        int lr;
        char dest[8192];
        while (!failed[0] &&
               ((lr = archive_read_next_header(a, &ae)) == ARCHIVE_OK || lr == ARCHIVE_WARN)) {
            const char *raw = archive_entry_pathname(ae);
            if (raw == NULL || raw[0] == '/') {
                snprintf(failed, sizeof(failed), "refused an entry with an absolute name");
                break;
            }
            char nbuf[8192], hbuf[8192];
            const char *name = custos__verify_normalize(v, raw, nbuf, sizeof(nbuf));
            if (name[0] == '\0')
                continue;
            snprintf(dest, sizeof(dest), "%s/%s", tmpl, name);
            archive_entry_set_pathname(ae, dest);
            const char *hl = archive_entry_hardlink(ae);
            if (hl != NULL) {
                if (hl[0] == '/') {
                    snprintf(failed, sizeof(failed), "refused a hard link to an absolute name");
                    break;
                }
                snprintf(dest, sizeof(dest), "%s/%s", tmpl,
                         custos__verify_normalize(v, hl, hbuf, sizeof(hbuf)));
                archive_entry_set_hardlink(ae, dest);
            }
            archive_entry_set_perm(ae, archive_entry_filetype(ae) == AE_IFDIR ? 0700 : 0600);
            int er = archive_read_extract2(a, ae, disk);
            if (er != ARCHIVE_OK && er != ARCHIVE_WARN) {
                const char *m = archive_error_string(a);
                if (m == NULL)
                    m = archive_error_string(disk);
                snprintf(failed, sizeof(failed), "extraction of %.60s failed: %.60s", name,
                         m ? m : "unknown error");
            }
            if (custos_progress_cancelled(p))
                snprintf(failed, sizeof(failed), "interrupted");
        }
    }
    archive_write_free(disk);
    archive_read_free(a);
    size_t ok = 0, bad = 0;
    uint64_t bytes = 0;
    struct reader r;
    if (!failed[0] && reader_init(&r, v, v->algs, p) == CUSTOS_OK) {
        char fp[8192];
        for (size_t i = 0; i < v->nitems; i++) {
            struct ritem *it = &v->items[i];
            if (it->kind != RITEM_FILE || !it->found || it->ref.algs == 0)
                continue;
            snprintf(fp, sizeof(fp), "%s/%s", tmpl, it->name);
            struct custos_digest_result got;
            uint64_t n;
            char *why;
            int h = hash_file(&r, fp, &got, &n, &why);
            free(why);
            if (h == CUSTOS_OK && custos_digest_equal(&it->ref, &got)) {
                ok++;
                bytes += n;
            } else
                bad++;
        }
    } else if (!failed[0])
        snprintf(failed, sizeof(failed), "out of memory");
    if (!failed[0])
        reader_free(&r);
    nftw(tmpl, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    v->restore_files = ok;
    v->restore_bytes = bytes;
    if (failed[0])
        restore_set(v, "failed", "%s", failed);
    else if (bad > 0)
        restore_set(v, "failed", "%zu extracted files differ from the reference or cannot be read",
                    bad);
    else
        restore_set(v, "passed",
                    "%zu files extracted into a private directory, hashed and equal to the "
                    "reference; the directory was removed",
                    ok);
}
