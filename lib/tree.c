/* SPDX-License-Identifier: ISC */
/*
 * tree.c: walking directory trees and hashing their files in parallel.
 *
 * The run has two phases. The walk (one thread) lstat()s every name under
 * the operands and makes an entry for each: symlinks, special files and
 * unreadable directories are complete at once; regular files also become
 * work items. The hashing phase runs the items on the worker pool
 * (pool_private.h); each worker owns a digest engine, a libmagic cookie
 * (typing runs on the workers too) and one read buffer, and writes its
 * result into the item's own entry, so no lock is needed and the order is
 * the walk's. Finally the entries are sorted by path and handed to the
 * manifest as they are.
 *
 * Memory (issue 15) is one entry and its path per name, and 32 bytes per
 * file to hash until hashing ends: entries are built once, in the array the
 * manifest keeps, and their type texts are the manifest's shared copies
 * (custos__manifest_text), not one allocation per file. Measured: about
 * 395 bytes a file, 414 MiB at the peak for a million small files (1,226
 * MiB before); tests/e2e/hash-memory.sh fails above 800 bytes a file.
 *
 * Invariants:
 *   1. Nothing is followed: lstat for the walk, O_NOFOLLOW for the open, and
 *      the opened descriptor must be the same regular file (st_dev, st_ino)
 *      that the walk saw, else the entry records that it changed.
 *   2. Special files are never opened (opening a fifo can block forever).
 *   3. Every failure to read leaves an entry with status CUSTOS_E_INCOMPLETE
 *      and its reason; the run's status is the worst of its entries.
 *   4. The digest covers exactly the bytes read; if that count differs from
 *      the size seen at open, the file changed while it was read, and the
 *      entry says so (status INCOMPLETE).
 */
#include "custos/tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custos/digest.h"
#include "custos/fs.h"
#include "filetype_private.h"
#include "manifest_private.h"
#include "pool_private.h"

struct item {
    size_t entry;  /* its entry: path set by the walk; the rest by hashing */
    bool have_dev; /* dev was seen by lstat (else only ino, from readdir) */
    dev_t dev;
    ino_t ino;
};

struct walker {
    struct custos_manifest *m;             /* whose shared texts the entries use */
    struct custos_manifest_entry *entries; /* every name found by the walk */
    size_t nentries, capentries;
    struct item *items; /* the regular files among them, to hash */
    size_t nitems, capitems;
    int status;                /* worst status met */
    struct custos_error first; /* the first unreadable input */
    struct {
        dev_t dev;
        ino_t ino;
    } stack[256]; /* the directories being walked, for loop detection */
    unsigned depth;
};

struct hasher {
    struct custos_manifest *m;
    struct custos_manifest_entry *entries;
    struct item *items;
    size_t nitems;
    unsigned algs;
    bool types;
    struct custos_digest **digest;   /* one per worker */
    struct custos__filetype **magic; /* one per worker, NULL entries without types */
    unsigned char **buf;             /* one per worker */
    atomic_uint_fast64_t done_bytes;
    uint64_t total_bytes;
    atomic_int cancel;
    atomic_int nomem; /* a type text could not be kept */
    const struct custos_progress *progress;
};

static void
set_time(struct custos_time *t, const struct timespec *ts)
{
    t->set = true;
    t->sec = (int64_t)ts->tv_sec;
    t->nsec = (uint32_t)ts->tv_nsec;
}

static char *
join(const char *dir, size_t dlen, const char *name, size_t *outlen)
{
    size_t nlen = strlen(name);
    bool slash = dlen > 0 && dir[dlen - 1] == '/';
    char *p = malloc(dlen + nlen + 2);
    if (p == NULL)
        return NULL;
    memcpy(p, dir, dlen);
    size_t o = dlen;
    if (!slash)
        p[o++] = '/';
    memcpy(p + o, name, nlen + 1);
    *outlen = o + nlen;
    return p;
}

static int
note_unreadable(struct walker *w, struct custos_manifest_entry *e, int sys_errno, const char *what)
{
    char disp[1024];
    struct custos_error err;
    custos_path_display(e->path, e->path_len, disp, sizeof(disp));
    custos_error_set(&err, CUSTOS_E_INCOMPLETE, sys_errno, disp, "%s", what);
    e->status = CUSTOS_E_INCOMPLETE;
    e->error = strdup(err.message);
    if (e->error == NULL)
        return CUSTOS_E_NOMEM;
    if (w->status == CUSTOS_OK)
        custos_error_copy(&w->first, &err);
    w->status = custos_status_worst(w->status, CUSTOS_E_INCOMPLETE);
    return CUSTOS_OK;
}

/* Takes ownership of e's strings. */
static int
push_entry(struct walker *w, struct custos_manifest_entry *e)
{
    if (w->nentries == w->capentries) {
        size_t cap = w->capentries == 0 ? 64 : 2 * w->capentries;
        /* Pages past nentries are never touched: with glibc's mremap they cost no memory. */
        void *p = realloc(w->entries, cap * sizeof(*w->entries));
        if (p == NULL) {
            custos__entry_release(e);
            return CUSTOS_E_NOMEM;
        }
        w->entries = p;
        w->capentries = cap;
    }
    w->entries[w->nentries++] = *e;
    return CUSTOS_OK;
}

static const char *
special_kind(mode_t mode)
{
    if (S_ISFIFO(mode))
        return "fifo";
    if (S_ISSOCK(mode))
        return "socket";
    if (S_ISCHR(mode))
        return "char-device";
    if (S_ISBLK(mode))
        return "block-device";
    return "unknown";
}

/* Queues a regular file for hashing; takes ownership of e's strings. */
static int
push_item(struct walker *w, struct custos_manifest_entry *e, bool have_dev, dev_t dev, ino_t ino)
{
    if (w->nitems == w->capitems) {
        size_t cap = w->capitems == 0 ? 256 : 2 * w->capitems;
        void *p = realloc(w->items, cap * sizeof(*w->items));
        if (p == NULL) {
            custos__entry_release(e);
            return CUSTOS_E_NOMEM;
        }
        w->items = p;
        w->capitems = cap;
    }
    e->type = CUSTOS_ENTRY_FILE;
    int rc = push_entry(w, e);
    if (rc != CUSTOS_OK)
        return rc;
    struct item *it = &w->items[w->nitems++];
    it->entry = w->nentries - 1;
    it->have_dev = have_dev;
    it->dev = dev;
    it->ino = ino;
    return CUSTOS_OK;
}

static int walk_path(struct walker *w, char *path, size_t len);

static int
walk_dir(struct walker *w, const char *path, size_t len, const struct stat *st,
         struct custos_manifest_entry *self)
{
    for (unsigned i = 0; i < w->depth; i++)
        if (w->stack[i].dev == st->st_dev && w->stack[i].ino == st->st_ino) {
            /* A bind mount of an ancestor: entering it would never end. */
            self->type = CUSTOS_ENTRY_DIRECTORY;
            int rc = note_unreadable(w, self, 0, "directory loop (an ancestor is mounted here)");
            return rc != CUSTOS_OK ? rc : push_entry(w, self);
        }
    if (w->depth == sizeof(w->stack) / sizeof(w->stack[0])) {
        self->type = CUSTOS_ENTRY_DIRECTORY;
        int rc = note_unreadable(w, self, 0, "directories nested too deep");
        return rc != CUSTOS_OK ? rc : push_entry(w, self);
    }
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
    if (fd < 0 && errno == EPERM)
        fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        self->type = CUSTOS_ENTRY_DIRECTORY;
        int rc = note_unreadable(w, self, e, "cannot read directory");
        return rc != CUSTOS_OK ? rc : push_entry(w, self);
    }
    w->stack[w->depth].dev = st->st_dev;
    w->stack[w->depth].ino = st->st_ino;
    w->depth++;
    int rc = CUSTOS_OK;
    struct dirent *de;
    for (;;) {
        errno = 0;
        de = readdir(d);
        if (de == NULL)
            break;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        size_t clen;
        char *child = join(path, len, de->d_name, &clen);
        if (child == NULL) {
            rc = CUSTOS_E_NOMEM;
            break;
        }
        if (de->d_type == DT_REG) {
            /*
             * The kernel already says it is a regular file: the worker's
             * fstat gives its size and times, which saves an lstat per file
             * on this single walking thread. The worker checks that it opened
             * the same inode.
             */
            struct custos_manifest_entry ce;
            memset(&ce, 0, sizeof(ce));
            ce.path = child;
            ce.path_len = clen;
            ce.partition = -1;
            rc = push_item(w, &ce, false, 0, de->d_ino);
        } else {
            rc = walk_path(w, child, clen);
        }
        if (rc != CUSTOS_OK)
            break;
    }
    if (rc == CUSTOS_OK && errno != 0) {
        self->type = CUSTOS_ENTRY_DIRECTORY;
        rc = note_unreadable(w, self, errno, "cannot read directory");
        if (rc == CUSTOS_OK) {
            rc = push_entry(w, self);
            self = NULL;
        }
    }
    if (self != NULL)
        custos__entry_release(self);
    w->depth--;
    closedir(d);
    return rc;
}

/* Takes ownership of path. */
static int
walk_path(struct walker *w, char *path, size_t len)
{
    struct custos_manifest_entry e;
    struct stat st;
    memset(&e, 0, sizeof(e));
    e.path = path;
    e.path_len = len;
    e.partition = -1;
    if (lstat(path, &st) != 0) {
        e.type = CUSTOS_ENTRY_FILE;
        int rc = note_unreadable(w, &e, errno, "cannot stat");
        return rc != CUSTOS_OK ? (custos__entry_release(&e), rc) : push_entry(w, &e);
    }
    set_time(&e.mtime, &st.st_mtim);
    if (S_ISDIR(st.st_mode))
        return walk_dir(w, path, len, &st, &e);
    e.size_bytes = (uint64_t)st.st_size;
    if (S_ISREG(st.st_mode))
        return push_item(w, &e, true, st.st_dev, st.st_ino);
    if (S_ISLNK(st.st_mode)) {
        e.type = CUSTOS_ENTRY_SYMLINK;
        size_t cap = (size_t)st.st_size + 1;
        e.target = malloc(cap < 2 ? 2 : cap + 1);
        if (e.target == NULL) {
            custos__entry_release(&e);
            return CUSTOS_E_NOMEM;
        }
        ssize_t n = readlink(path, e.target, cap);
        if (n < 0 || (size_t)n >= cap) {
            free(e.target);
            e.target = NULL;
            int rc = note_unreadable(w, &e, n < 0 ? errno : 0,
                                     n < 0 ? "cannot read link" : "link changed while read");
            return rc != CUSTOS_OK ? (custos__entry_release(&e), rc) : push_entry(w, &e);
        }
        e.target[n] = '\0';
        e.target_len = (size_t)n;
        e.size_bytes = (uint64_t)n;
        return push_entry(w, &e);
    }
    e.type = CUSTOS_ENTRY_SPECIAL;
    e.size_bytes = 0;
    e.kind = custos__manifest_text(w->m, special_kind(st.st_mode));
    if (e.kind == NULL) {
        custos__entry_release(&e);
        return CUSTOS_E_NOMEM;
    }
    return push_entry(w, &e);
}

static void
fail_item(struct custos_manifest_entry *e, int sys_errno, const char *what)
{
    char disp[1024];
    struct custos_error err;
    custos_path_display(e->path, e->path_len, disp, sizeof(disp));
    custos_error_set(&err, CUSTOS_E_INCOMPLETE, sys_errno, disp, "%s", what);
    e->status = CUSTOS_E_INCOMPLETE;
    free(e->error);
    e->error = strdup(err.message);
    memset(&e->digest, 0, sizeof(e->digest));
}

static int
hash_item(void *ctx, unsigned worker, size_t i)
{
    struct hasher *h = ctx;
    struct item *it = &h->items[i];
    struct custos_manifest_entry *e = &h->entries[it->entry];
    struct custos_digest *d = h->digest[worker];
    unsigned char *buf = h->buf[worker];
    int flags = O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC;
    int fd = open(e->path, flags | O_NOATIME);
    if (fd < 0 && errno == EPERM)
        fd = open(e->path, flags);
    if (fd < 0) {
        fail_item(e, errno, "cannot open");
        return 0;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        fail_item(e, errno, "cannot stat");
        close(fd);
        return 0;
    }
    set_time(&e->mtime, &st.st_mtim);
    e->size_bytes = (uint64_t)st.st_size;
    if (!S_ISREG(st.st_mode) || (it->have_dev && st.st_dev != it->dev) || st.st_ino != it->ino) {
        fail_item(e, 0, "replaced by another file during the run");
        close(fd);
        return 0;
    }
    if (st.st_size > CUSTOS_TREE_BUFFER_BYTES)
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    custos_digest_reset(d);
    uint64_t total = 0;
    for (;;) {
        if (atomic_load(&h->cancel)) {
            close(fd);
            return 1;
        }
        ssize_t n = read(fd, buf, CUSTOS_TREE_BUFFER_BYTES);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            char what[64];
            snprintf(what, sizeof(what), "read failed at offset %llu", (unsigned long long)total);
            fail_item(e, errno, what);
            close(fd);
            return 0;
        }
        if (n == 0)
            break;
        custos_digest_update(d, buf, (size_t)n);
        total += (uint64_t)n;
        atomic_fetch_add(&h->done_bytes, (uint_fast64_t)n);
    }
    /*
     * Typed after hashing, from the same open file: what it starts with is
     * in the page cache by now, and libmagic sees the file as file(1) does
     * (its size for tests relative to the end, the ELF reader), which the
     * first block alone would not give it.
     */
    if (h->types) {
        char *mime, *desc;
        custos__filetype_fd(h->magic[worker], fd, &mime, &desc);
        if (custos__manifest_take_type(h->m, e, mime, desc) != CUSTOS_OK)
            atomic_store(&h->nomem, 1);
    }
    close(fd);
    custos_digest_final(d, &e->digest);
    e->size_bytes = total;
    if (total != (uint64_t)st.st_size)
        fail_item(e, 0, "changed size while it was read");
    return 0;
}

static int
hash_poll(void *ctx)
{
    struct hasher *h = ctx;
    custos_progress_update(h->progress, (uint64_t)atomic_load(&h->done_bytes), h->total_bytes);
    if (custos_progress_cancelled(h->progress)) {
        atomic_store(&h->cancel, 1);
        return 1;
    }
    return 0;
}

static int
cmp_entries(const void *a, const void *b)
{
    const struct custos_manifest_entry *x = a, *y = b;
    size_t n = x->path_len < y->path_len ? x->path_len : y->path_len;
    int c = memcmp(x->path, y->path, n);
    if (c != 0)
        return c;
    return x->path_len < y->path_len ? -1 : x->path_len > y->path_len;
}

int
custos_tree_hash(struct custos_manifest *m, const char *const *paths, size_t npaths,
                 const struct custos_hash_options *opts, const struct custos_progress *progress,
                 struct custos_error *err)
{
    struct custos_hash_options defaults = {0, false};
    struct walker w;
    struct hasher h;
    int rc = CUSTOS_OK;
    if (opts == NULL)
        opts = &defaults;
    memset(&w, 0, sizeof(w));
    memset(&h, 0, sizeof(h));
    w.m = m;
    custos_error_clear(&w.first);
    if (npaths == 0)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "custos_tree_hash: no paths");

    for (size_t i = 0; i < npaths && rc == CUSTOS_OK; i++) {
        size_t len = strlen(paths[i]);
        while (len > 1 && paths[i][len - 1] == '/')
            len--;
        char *p = malloc(len + 1);
        if (p == NULL) {
            rc = CUSTOS_E_NOMEM;
            break;
        }
        memcpy(p, paths[i], len);
        p[len] = '\0';
        rc = walk_path(&w, p, len);
        if (custos_progress_cancelled(progress))
            rc = CUSTOS_E_INTERRUPTED;
    }

    unsigned threads = opts->jobs != 0 ? opts->jobs : custos__cpu_count();
    h.m = m;
    h.entries = w.entries;
    h.items = w.items;
    h.nitems = w.nitems;
    h.algs = custos_manifest_algs(m);
    h.types = !opts->no_types;
    h.progress = progress;
    atomic_init(&h.done_bytes, 0);
    atomic_init(&h.cancel, 0);
    atomic_init(&h.nomem, 0);
    /* Files queued from readdir have no size yet: the progress total is unknown. */
    h.total_bytes = 0;
    if (threads > w.nitems)
        threads = w.nitems == 0 ? 1 : (unsigned)w.nitems;
    h.digest = calloc(threads, sizeof(*h.digest));
    h.magic = calloc(threads, sizeof(*h.magic));
    h.buf = calloc(threads, sizeof(*h.buf));
    if (rc == CUSTOS_OK && (h.digest == NULL || h.magic == NULL || h.buf == NULL))
        rc = CUSTOS_E_NOMEM;
    for (unsigned t = 0; rc == CUSTOS_OK && w.nitems > 0 && t < threads; t++) {
        rc = custos_digest_new(&h.digest[t], h.algs, err);
        if (rc == CUSTOS_OK && h.types)
            rc = custos__filetype_new(&h.magic[t], err);
        if (rc == CUSTOS_OK && (h.buf[t] = malloc(CUSTOS_TREE_BUFFER_BYTES)) == NULL)
            rc = CUSTOS_E_NOMEM;
        if (rc != CUSTOS_OK)
            goto out;
    }
    if (rc == CUSTOS_OK && w.nitems > 0) {
        custos_progress_phase(progress, CUSTOS_PHASE_HASHING);
        struct custos__pool_job job = {w.nitems, threads, hash_item, hash_poll, 100, &h};
        int prc = custos__pool_run(&job);
        if (prc < 0) {
            rc = custos_error_set(err, CUSTOS_E_IO, errno, NULL, "cannot start hashing threads");
            goto out;
        }
        if (prc > 0 || atomic_load(&h.cancel))
            rc = CUSTOS_E_INTERRUPTED;
        else if (atomic_load(&h.nomem))
            rc = CUSTOS_E_NOMEM;
        custos_progress_update(progress, (uint64_t)atomic_load(&h.done_bytes), h.total_bytes);
    }
    for (size_t i = 0; rc == CUSTOS_OK && i < w.nitems; i++) {
        const struct custos_manifest_entry *e = &w.entries[w.items[i].entry];
        if (e->status == CUSTOS_OK)
            continue;
        if (e->error == NULL) {
            rc = CUSTOS_E_NOMEM;
            break;
        }
        if (w.status == CUSTOS_OK)
            custos_error_set(&w.first, CUSTOS_E_INCOMPLETE, 0, NULL, "%s", e->error);
        w.status = custos_status_worst(w.status, CUSTOS_E_INCOMPLETE);
    }
    free(w.items);
    w.items = NULL;
    w.nitems = 0;
    if (rc == CUSTOS_OK) {
        /* Sort, keep each name once (operands may overlap), and hand the array over. */
        qsort(w.entries, w.nentries, sizeof(*w.entries), cmp_entries);
        size_t n = 0;
        for (size_t i = 0; i < w.nentries; i++) {
            if (n > 0 && cmp_entries(&w.entries[n - 1], &w.entries[i]) == 0)
                custos__entry_release(&w.entries[i]);
            else
                w.entries[n++] = w.entries[i];
        }
        w.nentries = n;
        rc = custos__manifest_adopt(m, &w.entries, n);
        if (rc == CUSTOS_OK) {
            w.nentries = 0;
            custos_manifest_sort(m);
        } else {
            custos_error_copy(err, custos_manifest_error(m));
        }
    }
out:
    if (rc == CUSTOS_E_NOMEM)
        custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    else if (rc == CUSTOS_E_INTERRUPTED)
        custos_error_set(err, CUSTOS_E_INTERRUPTED, 0, NULL, "interrupted");
    for (unsigned t = 0; t < threads; t++) {
        if (h.digest != NULL)
            custos_digest_free(h.digest[t]);
        if (h.magic != NULL)
            custos__filetype_free(h.magic[t]);
        if (h.buf != NULL)
            free(h.buf[t]);
    }
    free(h.digest);
    free(h.magic);
    free(h.buf);
    for (size_t i = 0; i < w.nentries; i++)
        custos__entry_release(&w.entries[i]);
    free(w.entries);
    free(w.items);
    if (rc != CUSTOS_OK)
        return rc;
    if (w.status != CUSTOS_OK)
        custos_error_copy(err, &w.first);
    return w.status;
}

int
custos_tree_check_operands(const char *const *paths, size_t npaths, struct custos_error *err)
{
    struct stat sb;
    for (size_t i = 0; i < npaths; i++)
        if (lstat(paths[i], &sb) != 0 && (errno == ENOENT || errno == ENOTDIR))
            return custos_error_set(
                err, CUSTOS_E_USAGE, 0, paths[i], "%s; nothing was hashed and no manifest written",
                errno == ENOENT ? "does not exist" : "a part of the path is not a directory");
    return CUSTOS_OK;
}

int
custos_manifest_hash_source(struct custos_manifest *m, const char *image, const char *const *paths,
                            size_t npaths, const struct custos_hash_options *opts,
                            const struct custos_progress *progress, struct custos_error *err)
{
    int rc;
    if (image != NULL) {
        const char *names[1] = {image};
        rc = custos_manifest_set_source(m, CUSTOS_MANIFEST_SOURCE_IMAGE, names, 1);
        return rc != CUSTOS_OK ? rc : custos_fs_hash(m, image, opts, progress, err);
    }
    rc = custos_manifest_set_source(m, CUSTOS_MANIFEST_SOURCE_TREE, paths, npaths);
    return rc != CUSTOS_OK ? rc : custos_tree_hash(m, paths, npaths, opts, progress, err);
}
