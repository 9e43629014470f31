/* SPDX-License-Identifier: ISC */
/*
 * verify_target_archive.c: an archive target, read once, front to back,
 * through libarchive (any format and filter it supports); selected entries
 * are hashed as they stream past, the rest skipped. libarchive does not
 * check every stream's own checksum (gzip's trailer CRC, for one), so the
 * digest of each entry against the reference is what finds damage; a read
 * error from libarchive is a corrupt container. A hostile member (an
 * absolute name, "..", a device node or FIFO, a hard link out, a path
 * through a symbolic link member, a name twice) stops the run: refused.
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

#include <archive.h>
#include <archive_entry.h>

#include "verify_private.h"

struct archive *
custos__verify_archive_open(const char *path)
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

/*
 * Hashes the current entry's data. CUSTOS_E_INCOMPLETE when the archive
 * broke (*fatal when it cannot go on); CUSTOS_E_MISMATCH, reading no
 * further, once the entry holds more than limit bytes (a decompression bomb
 * under a small file's name is not read to its end).
 */
static int
hash_entry(struct reader *r, struct archive *a, uint64_t limit, struct custos_digest_result *got,
           uint64_t *bytes, char **why, int *fatal)
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
        if (*bytes > limit) {
            if (asprintf(why, "holds more than the recorded %llu bytes (read no further)",
                         (unsigned long long)limit) < 0)
                *why = NULL;
            custos_digest_final(r->d, got);
            return CUSTOS_E_MISMATCH;
        }
    }
    custos_digest_final(r->d, got);
    return CUSTOS_OK;
}

int
custos__verify_has_dotdot(const char *name)
{
    for (const char *c = name; *c;) {
        size_t len = strcspn(c, "/");
        if (len == 2 && c[0] == '.' && c[1] == '.')
            return 1;
        c += len;
        c += *c == '/';
    }
    return 0;
}

/*
 * Why an archive member is hostile, or NULL. A hostile member is refused
 * (exit 6, docs/exit-codes.md): it names a place outside the target or
 * something no backup of evidence holds. Control bytes in names are not
 * hostile (they are evidence; reports escape them).
 */
static const char *
hostile_member(const char *raw, mode_t type, const char *hl)
{
    if (raw[0] == '/')
        return "an absolute name";
    if (custos__verify_has_dotdot(raw))
        return "a \"..\" component in its name";
    if (type == AE_IFCHR || type == AE_IFBLK)
        return "a device node";
    if (type == AE_IFIFO || type == AE_IFSOCK)
        return "a FIFO or socket";
    if (hl != NULL && (hl[0] == '/' || custos__verify_has_dotdot(hl)))
        return "a hard link to a name outside the archive";
    return NULL;
}

/* The names of the symbolic link members seen so far (an open-addressing set). */
struct links {
    char **slot;
    size_t cap, n;
};

static size_t
link_hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return (size_t)h;
}

static int
link_has(const struct links *l, const char *s, size_t len)
{
    if (l->n == 0)
        return 0;
    for (size_t i = link_hash(s, len) & (l->cap - 1);; i = (i + 1) & (l->cap - 1)) {
        if (l->slot[i] == NULL)
            return 0;
        if (strncmp(l->slot[i], s, len) == 0 && l->slot[i][len] == '\0')
            return 1;
    }
}

static const char *
strip_dot_slash(const char *s)
{
    while (s[0] == '.' && s[1] == '/')
        s += 2;
    return s;
}

static int
link_add(struct links *l, const char *raw)
{
    const char *s = strip_dot_slash(raw);
    if (2 * (l->n + 1) > l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **slot = calloc(cap, sizeof(*slot));
        if (slot == NULL)
            return CUSTOS_E_NOMEM;
        for (size_t i = 0; i < l->cap; i++)
            if (l->slot[i] != NULL) {
                size_t j = link_hash(l->slot[i], strlen(l->slot[i])) & (cap - 1);
                while (slot[j] != NULL)
                    j = (j + 1) & (cap - 1);
                slot[j] = l->slot[i];
            }
        free(l->slot);
        l->slot = slot;
        l->cap = cap;
    }
    size_t len = strlen(s);
    if (link_has(l, s, len))
        return CUSTOS_OK;
    size_t j = link_hash(s, len) & (l->cap - 1);
    while (l->slot[j] != NULL)
        j = (j + 1) & (l->cap - 1);
    if ((l->slot[j] = strdup(s)) == NULL)
        return CUSTOS_E_NOMEM;
    l->n++;
    return CUSTOS_OK;
}

/* Whether a directory above raw is a symbolic link member. */
static int
through_link(const struct links *l, const char *raw)
{
    const char *s = strip_dot_slash(raw);
    for (const char *c = strchr(s, '/'); l->n > 0 && c != NULL; c = strchr(c + 1, '/'))
        if (link_has(l, s, (size_t)(c - s)))
            return 1;
    return 0;
}

static void
links_free(struct links *l)
{
    for (size_t i = 0; i < l->cap; i++)
        free(l->slot[i]);
    free(l->slot);
}

static int
refuse_member(struct custos_verify *v, const char *path, const char *raw, const char *why)
{
    char name[304]; /* about 300 bytes of the name are enough to find the member */
    custos_path_display(raw, strlen(raw), name, sizeof(name));
    v->hostile = 1;
    return custos_error_set(&v->err, CUSTOS_E_REFUSED, 0, path,
                            "member \"%s\": %s; a hostile archive is refused, nothing was "
                            "verified",
                            name, why);
}

static int
cmp_extra_name(const void *a, const void *b)
{
    return strcmp(((const struct extra *)a)->name, ((const struct extra *)b)->name);
}

/* Two members under one name that the reference does not hold: refused too. */
static int
duplicate_extras(struct custos_verify *v, const char *path)
{
    if (v->nextras > 1)
        qsort(v->extras, v->nextras, sizeof(*v->extras), cmp_extra_name);
    for (size_t j = 1; j < v->nextras; j++)
        if (strcmp(v->extras[j - 1].name, v->extras[j].name) == 0)
            return refuse_member(v, path, v->extras[j].name, "a second member under the same name");
    return CUSTOS_OK;
}

/* One pass over an archive target. */
struct scan {
    struct custos_verify *v;
    const char *path;
    struct reader r;
    struct archive *a;
    struct links links;
};

/* A member the reference does not hold: an extra, hashed unless only the
 * structure is checked. *fatal when the archive cannot be read past it. */
static int
extra_member(struct scan *s, const char *name, uint64_t size, int hashable, int *fatal)
{
    struct custos_verify *v = s->v;
    struct extra *x;
    int rc = custos__verify_add_extra(v, name, size, &x);
    if (rc != CUSTOS_OK || x == NULL || !hashable || v->opt.level == CUSTOS_VERIFY_STRUCTURE)
        return rc;
    uint64_t n;
    char *why;
    int h = hash_entry(&s->r, s->a, UINT64_MAX, &x->got, &n, &why, fatal);
    free(why);
    x->size = n;
    if (h == CUSTOS_E_INTERRUPTED)
        return h;
    x->hashed = h == CUSTOS_OK;
    x->unreadable = h != CUSTOS_OK;
    return CUSTOS_OK;
}

/* A hard link member: its content is the content of the entry it names. */
static void
hardlink_member(struct custos_verify *v, struct ritem *it, const char *hl)
{
    char hbuf[8192];
    size_t li;
    if (!custos__verify_lookup(v, custos__verify_normalize(v, hl, hbuf, sizeof(hbuf)), &li))
        return;
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

/* Member ae (named raw in the archive) is reference item idx: found, and
 * checked when selected. *fatal when the archive cannot be read past it. */
static int
ref_member(struct scan *s, struct archive_entry *ae, const char *raw, size_t idx, int *fatal)
{
    struct custos_verify *v = s->v;
    struct ritem *it = &v->items[idx];
    mode_t type = archive_entry_filetype(ae);
    int size_set = archive_entry_size_is_set(ae);
    uint64_t size = size_set ? (uint64_t)archive_entry_size(ae) : 0;
    const char *hl = archive_entry_hardlink(ae);
    if (it->found)
        return refuse_member(v, s->path, raw, "a second member under the same name");
    it->found = 1;
    it->found_size = size_set ? size : it->size;
    if (hl != NULL) {
        hardlink_member(v, it, hl);
        return CUSTOS_OK;
    }
    if ((it->kind == RITEM_SYMLINK) != (type == AE_IFLNK)) {
        it->differs = 1;
        custos__verify_set_detail(
            it, "%s", type == AE_IFLNK ? "is a symbolic link now" : "is no longer a link");
        return CUSTOS_OK;
    }
    if (!it->selected)
        return CUSTOS_OK;
    if (it->kind == RITEM_SYMLINK) {
        const char *t = archive_entry_symlink(ae);
        it->checked = 1;
        if (t == NULL || it->target == NULL || strcmp(t, it->target) != 0) {
            it->differs = 1;
            custos__verify_set_detail(it, "link target differs");
        }
        return CUSTOS_OK;
    }
    struct custos_digest_result got;
    uint64_t n;
    char *why;
    int h = hash_entry(&s->r, s->a, it->size, &got, &n, &why, fatal);
    if (h == CUSTOS_OK || h == CUSTOS_E_MISMATCH)
        it->found_size = n;
    if (h == CUSTOS_E_INCOMPLETE && !v->container_corrupt)
        archive_broken(v, s->path, s->a, "inside an entry");
    return custos__verify_settle(it, h, &got, why);
}

/* One member: refused when hostile, else an extra or a reference item. */
static int
member(struct scan *s, struct archive_entry *ae, int *fatal)
{
    struct custos_verify *v = s->v;
    mode_t type = archive_entry_filetype(ae);
    const char *raw = archive_entry_pathname(ae);
    if (raw == NULL)
        return CUSTOS_OK;
    const char *hostile = hostile_member(raw, type, archive_entry_hardlink(ae));
    if (hostile == NULL && through_link(&s->links, raw))
        hostile = "a path through a symbolic link member (it could lead out of the "
                  "target when extracted)";
    if (hostile == NULL && type == AE_IFLNK && link_add(&s->links, raw) != CUSTOS_OK)
        return custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    if (hostile != NULL)
        return refuse_member(v, s->path, raw, hostile);
    if (type == AE_IFDIR)
        return CUSTOS_OK;
    int rc = custos__verify_bag_layout(v, raw);
    if (rc != CUSTOS_OK)
        return rc;
    char nbuf[8192];
    const char *name = custos__verify_normalize(v, raw, nbuf, sizeof(nbuf));
    if (v->kind == CUSTOS_VERIFY_REF_BAG && strncmp(name, "data/", 5) != 0)
        return CUSTOS_OK;
    size_t idx;
    if (!custos__verify_lookup(v, name, &idx)) {
        uint64_t size = archive_entry_size_is_set(ae) ? (uint64_t)archive_entry_size(ae) : 0;
        return extra_member(s, name, size, type == AE_IFREG && archive_entry_hardlink(ae) == NULL,
                            fatal);
    }
    return ref_member(s, ae, raw, idx, fatal);
}

/* Every member in turn, until the end or the first damage; *entries read. */
static int
read_members(struct scan *s, size_t *entries)
{
    struct custos_verify *v = s->v;
    struct archive_entry *ae;
    int lr, rc;
    while ((lr = archive_read_next_header(s->a, &ae)) == ARCHIVE_OK || lr == ARCHIVE_WARN) {
        (*entries)++;
        if (*entries == 1)
            archive_describe(v, s->a);
        int fatal = 0;
        if ((rc = member(s, ae, &fatal)) != CUSTOS_OK)
            return rc;
        if (fatal) {
            lr = ARCHIVE_FATAL;
            break;
        }
    }
    if (lr != ARCHIVE_EOF)
        archive_broken(v, s->path, s->a,
                       *entries ? "after its last readable entry" : "at its start");
    return duplicate_extras(v, s->path);
}

int
custos__verify_archive(struct custos_verify *v, const char *path, const struct custos_progress *p)
{
    struct scan s = {.v = v, .path = path, .links = {NULL, 0, 0}};
    int rc = custos__verify_reader_init(&s.r, v, v->algs, p);
    struct stat st;
    if (rc == CUSTOS_OK && stat(path, &st) == 0)
        s.r.total = (uint64_t)st.st_size;
    s.a = rc == CUSTOS_OK ? custos__verify_archive_open(path) : NULL;
    if (rc == CUSTOS_OK && s.a == NULL)
        rc = custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    if (rc != CUSTOS_OK) {
        custos__verify_reader_free(&s.r);
        return rc;
    }
    size_t entries = 0;
    if (archive_errno(s.a) != 0 || archive_error_string(s.a) != NULL) {
        if (access(path, R_OK) != 0) {
            rc = custos_error_set(&v->err, CUSTOS_E_IO, errno, path, "cannot open the target");
            goto out;
        }
        archive_broken(v, path, s.a, "at its start");
    } else if ((rc = read_members(&s, &entries)) != CUSTOS_OK) {
        goto out;
    }
    if (entries == 0 && !v->container_corrupt)
        archive_describe(v, s.a);
    if (v->container_corrupt)
        for (size_t i = 0; i < v->nitems; i++)
            if (!v->items[i].found) {
                v->items[i].unreadable = 1;
                custos__verify_set_detail(&v->items[i],
                                          "not reached: the archive is damaged before it");
            }
out:
    links_free(&s.links);
    archive_read_free(s.a);
    custos__verify_reader_free(&s.r);
    return rc;
}
