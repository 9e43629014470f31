/* SPDX-License-Identifier: ISC */
/*
 * verify_restore.c: the restore test. An archive's reference files are
 * extracted with libarchive's secure flags into a fresh private directory
 * (mkdtemp, 0700), each cut at its recorded size plus one byte, hashed
 * again, and the directory removed (and the report says so only when it
 * is gone); an image's file systems are opened and every file read
 * through libtsk (fs.h).
 */
#include "custos/verify.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ftw.h> /* nftw, to remove the restore directory */
#include <sys/statvfs.h>

#include <archive.h>
#include <archive_entry.h>

#include "custos/fs.h"
#include "custos/manifest.h"
#include "verify_private.h"

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

/*
 * Copies the current entry's data into the file disk has open, reading at
 * most limit + 1 bytes: an entry longer than its reference item is cut there
 * (it fails the restore), so a decompression bomb cannot fill the disk.
 * Returns 0, 1 when the entry is longer than limit, -1 on an error (in msg).
 */
static int
restore_data(struct archive *a, struct archive *disk, uint8_t *buf, uint64_t limit, char *msg,
             size_t size)
{
    uint64_t done = 0;
    for (;;) {
        la_ssize_t n = archive_read_data(a, buf, READ_BYTES);
        if (n == 0)
            return 0;
        if (n < 0) {
            const char *m = archive_error_string(a);
            snprintf(msg, size, "%.100s", m ? m : "archive read error");
            return -1;
        }
        size_t keep = (size_t)n;
        int over = 0;
        if (done + (uint64_t)n > limit) {
            keep = (size_t)(limit - done) + 1;
            over = 1;
        }
        if (archive_write_data(disk, buf, keep) < 0) {
            const char *m = archive_error_string(disk);
            snprintf(msg, size, "%.100s", m ? m : "write error");
            return -1;
        }
        done += keep;
        if (over)
            return 1;
    }
}

/* Removes the restore directory; 0 only when it is really gone. */
static int
remove_restore_dir(const char *dir)
{
    nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    struct stat st;
    return lstat(dir, &st) == 0 || errno != ENOENT ? -1 : 0;
}

/* A private directory for the restore under TMPDIR (or the --tmpdir), in
 * tmpl, when there is room for what may be written; else the restore is
 * "not tested" and -1. */
static int
make_restore_dir(struct custos_verify *v, char *tmpl, size_t size)
{
    const char *parent = v->opt.tmpdir ? v->opt.tmpdir : getenv("TMPDIR");
    if (parent == NULL || parent[0] == '\0')
        parent = "/tmp";
    /* What the restore may write: each reference file's recorded size
     * (or, a bag's, the size found in the first pass), plus one byte. */
    uint64_t need = 0;
    for (size_t i = 0; i < v->nitems; i++)
        if (v->items[i].kind == RITEM_FILE && v->items[i].found)
            need +=
                (v->items[i].size == UINT64_MAX ? v->items[i].found_size : v->items[i].size) + 1;
    struct statvfs sv;
    if (statvfs(parent, &sv) != 0) {
        restore_set(v, "not tested", "%s: cannot query free space: %s", parent, strerror(errno));
        return -1;
    }
    uint64_t avail = (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
    if (avail < need + (1u << 20)) {
        restore_set(v, "not tested", "%s: %llu bytes free, the restore needs %llu", parent,
                    (unsigned long long)avail, (unsigned long long)need + (1u << 20));
        return -1;
    }
    char real[PATH_MAX];
    if (realpath(parent, real) == NULL) {
        restore_set(v, "not tested", "%s: %s", parent, strerror(errno));
        return -1;
    }
    snprintf(tmpl, size, "%s/custos-verify-XXXXXX", real);
    if (mkdtemp(tmpl) == NULL) {
        restore_set(v, "not tested", "%s: cannot make a private directory: %s", real,
                    strerror(errno));
        return -1;
    }
    return 0;
}

/* One restore: the archive read, the directory written, and what became of
 * each reference item. */
struct restore {
    struct custos_verify *v;
    const char *dir;
    /* One byte per reference item: 1 extracted, 2 failed (first reason in failed_item). */
    unsigned char *state;
    uint8_t *buf;
    struct archive *a, *disk;
    char failed[200], failed_item[300];
};

/* Item idx is not restored, for why (the first reason is kept). */
static void
not_restored(struct restore *x, size_t idx, const char *why)
{
    if (!x->failed_item[0])
        snprintf(x->failed_item, sizeof(x->failed_item), "%.200s: %.90s", x->v->items[idx].name,
                 why);
    x->state[idx] = 2;
}

/* The entry ae names reference file idx (as name): written, within its
 * recorded size, into the restore directory. 1 when its data was read (the
 * run may be interrupted after it), 0 when the entry was passed over. */
static int
extract_entry(struct restore *x, struct archive_entry *ae, size_t idx, const char *name)
{
    struct custos_verify *v = x->v;
    struct ritem *it = &v->items[idx];
    const char *why = NULL, *hl = archive_entry_hardlink(ae);
    char hbuf[8192], hdest[PATH_MAX + 64], dest[PATH_MAX + 64];
    size_t li = 0;
    if (hl != NULL) {
        /* A hard link to a reference file already restored (and bounded). */
        const char *hn = custos__verify_normalize(v, hl, hbuf, sizeof(hbuf));
        if (custos__verify_has_dotdot(hl) || hl[0] == '/' || !custos__verify_lookup(v, hn, &li) ||
            x->state[li] != 1 ||
            (size_t)snprintf(hdest, sizeof(hdest), "%s/%s", x->dir, hn) >= PATH_MAX)
            why = "a hard link to a file not restored (not extracted)";
    }
    if (why == NULL && x->state[idx] != 0)
        why = "a second entry under this name";
    else if (why == NULL && hl == NULL && archive_entry_filetype(ae) != AE_IFREG)
        why = "not a regular file in the archive (not extracted)";
    else if (why == NULL && (size_t)snprintf(dest, sizeof(dest), "%s/%s", x->dir, name) >= PATH_MAX)
        why = "its name is too long to restore (not extracted)";
    if (why != NULL) {
        not_restored(x, idx, why);
        return 0;
    }
    archive_entry_set_pathname(ae, dest);
    archive_entry_set_perm(ae, 0600);
    if (hl != NULL) {
        archive_entry_set_hardlink(ae, hdest);
        archive_entry_set_size(ae, 0);
        int hr = archive_write_header(x->disk, ae);
        archive_write_finish_entry(x->disk);
        if (hr == ARCHIVE_OK || hr == ARCHIVE_WARN)
            x->state[idx] = 1;
        else
            not_restored(x, idx, "the hard link failed");
        return 0;
    }
    archive_entry_unset_size(ae);
    uint64_t limit = it->size == UINT64_MAX ? it->found_size : it->size;
    char msg[128] = "";
    int er = archive_write_header(x->disk, ae);
    int dr = er == ARCHIVE_OK || er == ARCHIVE_WARN
                 ? restore_data(x->a, x->disk, x->buf, limit, msg, sizeof(msg))
                 : -1;
    if (er != ARCHIVE_OK && er != ARCHIVE_WARN) {
        const char *m = archive_error_string(x->disk);
        snprintf(msg, sizeof(msg), "%.100s", m ? m : "unknown error");
    }
    archive_write_finish_entry(x->disk);
    if (dr < 0) {
        snprintf(x->failed, sizeof(x->failed), "extraction of %.60s failed: %.100s", name, msg);
    } else if (dr > 0) {
        char why_over[90];
        snprintf(why_over, sizeof(why_over), "holds more than the recorded %llu bytes (cut there)",
                 (unsigned long long)limit);
        not_restored(x, idx, why_over);
    } else {
        x->state[idx] = 1;
    }
    return 1;
}

/* Every entry of the archive that is a reference file, extracted. */
static void
extract_all(struct restore *x, const struct custos_progress *p)
{
    struct custos_verify *v = x->v;
    struct archive_entry *ae;
    int lr;
    /* Only the reference's regular files are extracted: anything else
     * (extras, links, special files) is never written, so nothing the
     * reference does not bound reaches the disk. */
    while (!x->failed[0] &&
           ((lr = archive_read_next_header(x->a, &ae)) == ARCHIVE_OK || lr == ARCHIVE_WARN)) {
        const char *raw = archive_entry_pathname(ae);
        if (raw == NULL || raw[0] == '/' || custos__verify_has_dotdot(raw)) {
            snprintf(x->failed, sizeof(x->failed), "refused a hostile entry name");
            break;
        }
        char nbuf[8192];
        const char *name = custos__verify_normalize(v, raw, nbuf, sizeof(nbuf));
        size_t idx;
        if (name[0] == '\0' || !custos__verify_lookup(v, name, &idx) ||
            v->items[idx].kind != RITEM_FILE || archive_entry_filetype(ae) == AE_IFDIR)
            continue;
        if (extract_entry(x, ae, idx, name) && custos_progress_cancelled(p))
            snprintf(x->failed, sizeof(x->failed), "interrupted");
    }
}

/* The restored files hashed against the reference: *ok equal (*bytes in
 * them), *bad not restored, unreadable or different. */
static void
check_restored(struct restore *x, const struct custos_progress *p, size_t *ok, uint64_t *bytes,
               size_t *bad)
{
    struct custos_verify *v = x->v;
    struct reader r;
    if (custos__verify_reader_init(&r, v, v->algs, p) != CUSTOS_OK) {
        snprintf(x->failed, sizeof(x->failed), "out of memory");
        return;
    }
    char fp[PATH_MAX + 4300];
    for (size_t i = 0; i < v->nitems; i++) {
        struct ritem *it = &v->items[i];
        if (it->kind != RITEM_FILE || !it->found || it->ref.algs == 0)
            continue;
        if (x->state[i] != 1) {
            (*bad)++;
            if (!x->failed_item[0])
                snprintf(x->failed_item, sizeof(x->failed_item), "%.200s: not restored", it->name);
            continue;
        }
        snprintf(fp, sizeof(fp), "%s/%s", x->dir, it->name);
        struct custos_digest_result got;
        uint64_t n;
        char *why;
        int h = custos__verify_hash_file(&r, fp, &got, &n, &why);
        if (h == CUSTOS_OK && custos_digest_equal(&it->ref, &got)) {
            (*ok)++;
            *bytes += n;
        } else {
            (*bad)++;
            if (!x->failed_item[0])
                snprintf(x->failed_item, sizeof(x->failed_item), "%.200s: %.80s", it->name,
                         why ? why : "differs from the reference");
        }
        free(why);
    }
    custos__verify_reader_free(&r);
}

void
custos__verify_restore(struct custos_verify *v, const char *path, const struct custos_progress *p)
{
    if (v->target_kind == CUSTOS_VERIFY_TARGET_IMAGE) {
        restore_image(v, path, p);
        return;
    }
    char tmpl[4200];
    if (make_restore_dir(v, tmpl, sizeof(tmpl)) != 0)
        return;
    struct restore x = {.v = v, .dir = tmpl};
    x.state = calloc(v->nitems ? v->nitems : 1, 1);
    x.buf = malloc(READ_BYTES);
    x.a = custos__verify_archive_open(path);
    x.disk = archive_write_disk_new();
    int flags = ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                ARCHIVE_EXTRACT_NO_OVERWRITE;
    if (x.state == NULL || x.buf == NULL || x.a == NULL || x.disk == NULL ||
        archive_write_disk_set_options(x.disk, flags) != ARCHIVE_OK)
        snprintf(x.failed, sizeof(x.failed), "cannot set up extraction");
    else
        extract_all(&x, p);
    archive_write_free(x.disk);
    archive_read_free(x.a);
    free(x.buf);
    size_t ok = 0, bad = 0;
    uint64_t bytes = 0;
    if (!x.failed[0])
        check_restored(&x, p, &ok, &bytes, &bad);
    free(x.state);
    int kept = remove_restore_dir(tmpl) != 0;
    v->restore_files = ok;
    v->restore_bytes = bytes;
    /* The report never says the restored evidence was removed unless it is gone. */
    if (kept)
        restore_set(v, "failed",
                    "the private directory %.200s could not be removed: remove it by hand%s%.40s",
                    tmpl, x.failed[0] ? "; " : "", x.failed);
    else if (x.failed[0])
        restore_set(v, "failed", "%s; the private directory was removed", x.failed);
    else if (bad > 0)
        restore_set(v, "failed",
                    "%zu extracted files differ from the reference or cannot be read (first: "
                    "%.150s); the private directory was removed",
                    bad, x.failed_item);
    else
        restore_set(v, "passed",
                    "%zu files extracted into a private directory, hashed and equal to the "
                    "reference; the directory was removed",
                    ok);
}
