/* SPDX-License-Identifier: ISC */
/*
 * verify_target_dir.c: a directory target, walked with lstat (links are
 * never followed, special files never opened); selected files are read
 * with pread and hashed (verify_target.c's reader). A bag reference's
 * layout (at the top, under one directory, the payload alone) is found
 * from a spread of its items.
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

#include "custos/seal.h" /* the bag's file names */
#include "verify_private.h"

#define WALK_DEPTH 256

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

/* A FIFO, device or socket under a reference file's name: changed, never read. */
static void
note_special(struct custos_verify *v, const char *rel)
{
    char buf[8192];
    const char *name = v->tpayload ? custos__verify_normalize(v, rel, buf, sizeof(buf)) : rel;
    size_t idx;
    if (!custos__verify_lookup(v, name, &idx))
        return;
    struct ritem *it = &v->items[idx];
    it->found = 1;
    it->differs = 1;
    custos__verify_set_detail(it, "is not a regular file (a FIFO, device or socket)");
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
        else
            note_special(w->v, name); /* a FIFO or device is never opened */
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
    if ((rc = custos__verify_reader_init(&r, v, v->algs, p)) != CUSTOS_OK) {
        custos__verify_reader_free(&r);
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
            rc = custos__verify_compare_link(it, path);
            continue;
        }
        struct custos_digest_result got;
        uint64_t n;
        char *why;
        int h = custos__verify_hash_file(&r, path, &got, &n, &why);
        rc = custos__verify_settle(it, h, &got, why);
    }
    for (size_t j = 0; rc == CUSTOS_OK && j < v->nextras; j++) {
        struct extra *x = &v->extras[j];
        if (!custos__verify_may_be_moved(v, x->size))
            continue;
        snprintf(path, sizeof(path), "%s/%s", base, on_disk(v, x->name));
        struct stat st;
        if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        uint64_t n;
        char *why;
        int h = custos__verify_hash_file(&r, path, &x->got, &n, &why);
        free(why);
        if (h == CUSTOS_OK)
            x->hashed = 1;
        else if (h == CUSTOS_E_INCOMPLETE || h == CUSTOS_E_MISMATCH)
            x->unreadable = 1;
        else
            rc = h;
    }
    custos__verify_reader_free(&r);
    return rc;
}
