/* SPDX-License-Identifier: ISC */
/*
 * staging.c: a multi-file output set published all together or not at all.
 *
 * Invariants:
 *   1. Final paths are checked when registered (custos_staging_add) and are
 *      never replaced: publication uses a no-replace rename.
 *   2. custos_staging_publish fsyncs every file before the first rename, so
 *      no published file can later turn out to be short after a crash.
 *   3. A failed publication (a rename, or flushing a directory after them)
 *      moves back what it had moved, in reverse order.
 *   4. An acquisition publishes in batches (custos__staging_publish_batch:
 *      its images, then their record, acquire_outputs.c) and may take the
 *      last batches back (custos__staging_withdraw) when a later one fails.
 *   5. custos_staging_free removes the staging directory and everything in
 *      it that was not published; it does not descend into subdirectories,
 *      which only seal_archive.c creates there (a directory bag; it removes it).
 */
#include "custos/staging.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "custos/atomicfile.h"
#include "fsutil_private.h"
#include "staging_private.h"

struct entry {
    char *name;  /* inside the staging directory */
    char *final; /* where it is published */
};

struct custos_staging {
    char *dir;
    struct entry *entries;
    size_t count, cap;
    size_t done; /* entries [0, done) are published */
    int published;
    int kept; /* custos__staging_keep: _free leaves the directory (a resumable acquisition) */
    struct custos_error err;
};

int
custos_staging_create(struct custos_staging **out, const char *dir, struct custos_error *err)
{
    *out = NULL;
    struct custos_staging *s = calloc(1, sizeof(*s));
    size_t n = strlen(dir) + 64;
    if (s == NULL || (s->dir = malloc(n)) == NULL) {
        free(s);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, dir, "out of memory");
    }
    snprintf(s->dir, n, "%s/.custos" CUSTOS_INCOMPLETE_INFIX "XXXXXX", dir);
    if (mkdtemp(s->dir) == NULL) {
        int rc =
            custos_error_set(err, CUSTOS_E_IO, errno, dir, "cannot create a staging directory");
        free(s->dir);
        free(s);
        return rc;
    }
    *out = s;
    return CUSTOS_OK;
}

int
custos__staging_adopt(struct custos_staging **out, const char *dir, struct custos_error *err)
{
    *out = NULL;
    struct custos_staging *s = calloc(1, sizeof(*s));
    if (s == NULL || (s->dir = strdup(dir)) == NULL) {
        free(s);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, dir, "out of memory");
    }
    *out = s;
    return CUSTOS_OK;
}

void
custos__staging_keep(struct custos_staging *s)
{
    s->kept = 1;
}

const char *
custos_staging_dir(const struct custos_staging *s)
{
    return s->dir;
}

int
custos_staging_add(struct custos_staging *s, const char *name, const char *final_path)
{
    if (s->published || strchr(name, '/') != NULL)
        return custos_error_set(&s->err, CUSTOS_E_USAGE, 0, name,
                                "custos_staging_add: not a plain name, or already published");
    int rc = custos__refuse_existing(final_path, &s->err);
    if (rc != CUSTOS_OK)
        return rc;
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct entry *e = realloc(s->entries, cap * sizeof(*e));
        if (e == NULL)
            return custos_error_set(&s->err, CUSTOS_E_NOMEM, 0, final_path, "out of memory");
        s->entries = e;
        s->cap = cap;
    }
    struct entry *e = &s->entries[s->count];
    e->name = strdup(name);
    e->final = strdup(final_path);
    if (e->name == NULL || e->final == NULL) {
        free(e->name);
        free(e->final);
        return custos_error_set(&s->err, CUSTOS_E_NOMEM, 0, final_path, "out of memory");
    }
    s->count++;
    return CUSTOS_OK;
}

static char *
staged_path(const struct custos_staging *s, const char *name)
{
    size_t n = strlen(s->dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p != NULL)
        snprintf(p, n, "%s/%s", s->dir, name);
    return p;
}

/* Renames entries [from, to) back into the staging directory, last first. */
static void
move_back(struct custos_staging *s, size_t from, size_t to)
{
    while (to-- > from) {
        char *p = staged_path(s, s->entries[to].name);
        if (p != NULL)
            rename(s->entries[to].final, p);
        free(p);
    }
}

int
custos__staging_publish_batch(struct custos_staging *s)
{
    for (size_t i = s->done; i < s->count; i++) {
        char *p = staged_path(s, s->entries[i].name);
        if (p == NULL)
            return custos_error_set(&s->err, CUSTOS_E_NOMEM, 0, s->dir, "out of memory");
        int rc = custos__fsync_path(p, O_NOFOLLOW);
        int saved = errno;
        free(p);
        if (rc != 0)
            return custos_error_set(&s->err, CUSTOS_E_IO, saved, s->entries[i].final,
                                    "cannot flush to disk");
    }
    size_t done = s->done;
    int rc = CUSTOS_OK;
    for (; done < s->count; done++) {
        char *p = staged_path(s, s->entries[done].name);
        if (p == NULL) {
            rc = custos_error_set(&s->err, CUSTOS_E_NOMEM, 0, s->dir, "out of memory");
            break;
        }
        if (custos__rename_noreplace(p, s->entries[done].final) != 0) {
            if (errno == EEXIST)
                rc = custos_error_set(&s->err, CUSTOS_E_REFUSED, 0, s->entries[done].final,
                                      "appeared while writing; refusing to overwrite");
            else
                rc = custos_error_set(&s->err, CUSTOS_E_IO, errno, s->entries[done].final,
                                      "cannot publish");
            free(p);
            break;
        }
        free(p);
    }
    /* A failure publishes nothing of the batch (exit 7): not flushed is not published. */
    for (size_t i = s->done; rc == CUSTOS_OK && i < s->count; i++)
        if (custos__fsync_parent(s->entries[i].final) != 0)
            rc = custos_error_set(&s->err, CUSTOS_E_IO, errno, s->entries[i].final,
                                  "its directory cannot be flushed to disk; not published");
    if (rc != CUSTOS_OK) {
        move_back(s, s->done, done);
        return rc;
    }
    s->done = s->count;
    return CUSTOS_OK;
}

int
custos_staging_publish(struct custos_staging *s)
{
    if (s->published)
        return custos_error_set(&s->err, CUSTOS_E_USAGE, 0, s->dir,
                                "custos_staging_publish called twice");
    int rc = custos__staging_publish_batch(s);
    if (rc == CUSTOS_OK)
        s->published = 1;
    return rc;
}

void
custos__staging_withdraw(struct custos_staging *s, size_t from)
{
    if (from >= s->count)
        return;
    move_back(s, from, s->done > from ? s->done : from);
    for (size_t i = from; i < s->count; i++) {
        free(s->entries[i].name);
        free(s->entries[i].final);
    }
    s->count = from;
    if (s->done > from)
        s->done = from;
}

size_t
custos__staging_count(const struct custos_staging *s)
{
    return s->count;
}

void
custos__staging_entry(const struct custos_staging *s, size_t i, const char **name,
                      const char **final_path)
{
    *name = s->entries[i].name;
    *final_path = s->entries[i].final;
}

void
custos_staging_free(struct custos_staging *s)
{
    if (s == NULL)
        return;
    DIR *d = s->kept ? NULL : opendir(s->dir);
    if (d != NULL) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            unlinkat(dirfd(d), de->d_name, 0);
        }
        closedir(d);
    }
    if (!s->kept)
        rmdir(s->dir);
    for (size_t i = 0; i < s->count; i++) {
        free(s->entries[i].name);
        free(s->entries[i].final);
    }
    free(s->entries);
    free(s->dir);
    free(s);
}

const struct custos_error *
custos_staging_error(const struct custos_staging *s)
{
    return &s->err;
}

/* A temporary name of atomicfile.c or staging.c: *.incomplete-XXXXXX. */
static int
is_leftover(const char *name)
{
    const char *at = strstr(name, CUSTOS_INCOMPLETE_INFIX);
    if (at == NULL || at == name)
        return 0;
    const char *tail = at + strlen(CUSTOS_INCOMPLETE_INFIX);
    return strlen(tail) == 6 && strchr(tail, '/') == NULL;
}

int
custos_leftovers_scan(const char *dir, custos_leftover_fn fn, void *arg, struct custos_error *err)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        custos_error_set(err, CUSTOS_E_IO, errno, dir, "cannot list the directory");
        return -1;
    }
    time_t now = time(NULL);
    int found = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        if (!is_leftover(de->d_name) ||
            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        size_t n = strlen(dir) + strlen(de->d_name) + 2;
        char *path = malloc(n);
        if (path == NULL)
            continue;
        snprintf(path, n, "%s/%s", dir, de->d_name);
        long long age = now > st.st_mtime ? (long long)(now - st.st_mtime) : 0;
        found++;
        if (fn != NULL)
            fn(path, age, arg);
        free(path);
    }
    closedir(d);
    return found;
}

struct warn_ctx {
    const char *prog;
    FILE *f;
};

static void
warn_one(const char *path, long long age, void *arg)
{
    const struct warn_ctx *w = arg;
    char when[64];
    if (age < 60)
        snprintf(when, sizeof(when), "%lld s", age);
    else if (age < 3600)
        snprintf(when, sizeof(when), "%lld min", age / 60);
    else if (age < 2 * 86400)
        snprintf(when, sizeof(when), "%lld h %lld min", age / 3600, age % 3600 / 60);
    else
        snprintf(when, sizeof(when), "%lld days", age / 86400);
    char journal[8192];
    snprintf(journal, sizeof(journal), "%s/%s", path, CUSTOS__RESUME_JOURNAL);
    if (access(journal, F_OK) == 0)
        fprintf(w->f,
                "%s: %s: an acquisition left by an interrupted run %s ago (or one still "
                "running); custos-acquire --resume OUTPUT finishes it\n",
                w->prog, path, when);
    else
        fprintf(w->f,
                "%s: %s: left by an interrupted run %s ago (or one still running); remove it "
                "with rm -r when no custos tool writes there\n",
                w->prog, path, when);
}

int
custos_leftovers_warn(const char *prog, const char *out_path, FILE *f)
{
    char dir[4096];
    custos__dirname(out_path, dir, sizeof(dir));
    struct warn_ctx w = {prog, f};
    struct custos_error err;
    int n = custos_leftovers_scan(dir, warn_one, &w, &err);
    return n < 0 ? 0 : n;
}
