/* SPDX-License-Identifier: ISC */
/*
 * manifest.c: the manifest object, its entries, its totals and ledger
 * fields, and the output buffer every format backend writes through.
 *
 * A name is any sequence of bytes but NUL. The object keeps the exact bytes;
 * each backend decides how to carry them (JSON: the string when it is valid
 * UTF-8, else base64 beside a display form; sums: coreutils' escapes). The
 * display form (custos_path_display, text.c) is injective, so two different
 * names never print alike in a diagnostic or a report.
 */
#include "custos/manifest.h"
#include "custos/timefmt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "custos/atomicfile.h"
#include "custos/custos.h"
#include "fsutil_private.h"
#include "manifest_private.h"
#include "text_private.h"

static struct custos_manifest *
alloc_manifest(void)
{
    struct custos_manifest *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return NULL;
    custos__strpool_init(&m->text);
    custos_error_clear(&m->err);
    return m;
}

int
custos_manifest_new(struct custos_manifest **out, unsigned algs, struct custos_error *err)
{
    *out = NULL;
    if (algs == 0 || (algs & ~CUSTOS_DIGEST_ALL) != 0)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "no valid digest algorithm chosen");
    struct custos_manifest *m = alloc_manifest();
    if (m == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    m->algs = algs;
    custos__utc_now(m->created, sizeof(m->created));
    snprintf(m->generator, sizeof(m->generator), "custos-hash %s", custos_version());
    *out = m;
    return CUSTOS_OK;
}

int
custos_manifest_load(struct custos_manifest **out, const char *path, struct custos_error *err)
{
    *out = NULL;
    struct custos_manifest *m = alloc_manifest();
    if (m == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    int rc = custos__manifest_read_json(m, path);
    if (rc != CUSTOS_OK) {
        custos_error_copy(err, &m->err);
        custos_manifest_free(m);
        return rc;
    }
    *out = m;
    return CUSTOS_OK;
}

void
custos__entry_release(struct custos_manifest_entry *e)
{
    free(e->path);
    free(e->target);
    free(e->error);
    free(e->zero_filled);
    memset(e, 0, sizeof(*e));
}

void
custos__entry_clear(struct custos_manifest_entry *e)
{
    free(e->mime);
    free(e->description);
    free(e->kind);
    free(e->fs_type);
    custos__entry_release(e);
}

char *
custos__manifest_text(struct custos_manifest *m, const char *s)
{
    /* Entries' fields are char * for the caller-built case; the pool's are never written. */
    return (char *)custos__strpool_get(&m->text, s);
}

void
custos_manifest_free(struct custos_manifest *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->count; i++)
        custos__entry_release(&m->entries[i]);
    free(m->entries);
    for (size_t i = 0; i < m->nsource; i++)
        free(m->source_names[i]);
    free(m->source_names);
    free(m->source_kind);
    for (size_t i = 0; i < m->nvolumes; i++) {
        free(m->volumes[i].fs_type);
        free(m->volumes[i].description);
        free(m->volumes[i].error);
    }
    free(m->volumes);
    custos__strpool_fini(&m->text);
    free(m);
}

const struct custos_error *
custos_manifest_error(const struct custos_manifest *m)
{
    return &m->err;
}

unsigned
custos_manifest_algs(const struct custos_manifest *m)
{
    return m->algs;
}

size_t
custos_manifest_count(const struct custos_manifest *m)
{
    return m->count;
}

const struct custos_manifest_entry *
custos_manifest_entry(const struct custos_manifest *m, size_t i)
{
    return i < m->count ? &m->entries[i] : NULL;
}

static int
dup_bytes(char **dst, const char *src, size_t len)
{
    *dst = NULL;
    if (src == NULL)
        return 0;
    *dst = malloc(len + 1);
    if (*dst == NULL)
        return -1;
    memcpy(*dst, src, len);
    (*dst)[len] = '\0';
    return 0;
}

static int
dup_str(char **dst, const char *src)
{
    return dup_bytes(dst, src, src == NULL ? 0 : strlen(src));
}

/* Makes room for n more entries. */
static int
reserve(struct custos_manifest *m, size_t n)
{
    if (m->cap - m->count >= n)
        return CUSTOS_OK;
    size_t cap = m->cap == 0 ? 64 : m->cap;
    while (cap - m->count < n)
        cap *= 2;
    /* Pages past count are never touched: with glibc's mremap they cost no memory. */
    struct custos_manifest_entry *p = realloc(m->entries, cap * sizeof(*p));
    if (p == NULL)
        return custos_error_set(&m->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    m->entries = p;
    m->cap = cap;
    return CUSTOS_OK;
}

static int
share(struct custos_manifest *m, char **dst, const char *src)
{
    *dst = custos__manifest_text(m, src);
    return src != NULL && *dst == NULL ? -1 : 0;
}

int
custos_manifest_add(struct custos_manifest *m, const struct custos_manifest_entry *e)
{
    if (e->path == NULL)
        return custos_error_set(&m->err, CUSTOS_E_USAGE, 0, NULL,
                                "custos_manifest_add: entry without a path");
    if (reserve(m, 1) != CUSTOS_OK)
        return CUSTOS_E_NOMEM;
    struct custos_manifest_entry c = *e;
    c.path = c.mime = c.description = c.target = c.kind = c.error = c.fs_type = NULL;
    c.zero_filled = NULL;
    if (e->nzero_filled > 0) {
        c.zero_filled = malloc(e->nzero_filled * 2 * sizeof(*c.zero_filled));
        if (c.zero_filled == NULL)
            return custos_error_set(&m->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        memcpy(c.zero_filled, e->zero_filled, e->nzero_filled * 2 * sizeof(*c.zero_filled));
    }
    if (dup_bytes(&c.path, e->path, e->path_len) || share(m, &c.mime, e->mime) ||
        share(m, &c.description, e->description) ||
        dup_bytes(&c.target, e->target, e->target_len) || share(m, &c.kind, e->kind) ||
        dup_str(&c.error, e->error) || share(m, &c.fs_type, e->fs_type)) {
        custos__entry_release(&c);
        return custos_error_set(&m->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    m->entries[m->count++] = c;
    return CUSTOS_OK;
}

int
custos__manifest_take_type(struct custos_manifest *m, struct custos_manifest_entry *e, char *mime,
                           char *desc)
{
    /* The manifest's shared copies (custos__manifest_text); NULL only when out of memory. */
    e->mime = mime != NULL ? custos__manifest_text(m, mime) : NULL;
    e->description = desc != NULL ? custos__manifest_text(m, desc) : NULL;
    int rc = (mime != NULL && e->mime == NULL) || (desc != NULL && e->description == NULL)
                 ? CUSTOS_E_NOMEM
                 : CUSTOS_OK;
    free(mime);
    free(desc);
    return rc;
}

int
custos__manifest_adopt(struct custos_manifest *m, struct custos_manifest_entry **entries, size_t n)
{
    if (m->count == 0) {
        free(m->entries);
        m->entries = *entries;
        m->count = m->cap = n;
        *entries = NULL;
        return CUSTOS_OK;
    }
    if (reserve(m, n) != CUSTOS_OK)
        return CUSTOS_E_NOMEM;
    if (n > 0)
        memcpy(m->entries + m->count, *entries, n * sizeof(**entries));
    m->count += n;
    free(*entries);
    *entries = NULL;
    return CUSTOS_OK;
}

int
custos__entry_cmp_name(const struct custos_manifest_entry *x, const struct custos_manifest_entry *y)
{
    if (x->in_image != y->in_image)
        return x->in_image ? 1 : -1;
    if (x->partition != y->partition)
        return x->partition < y->partition ? -1 : 1;
    if (x->fs_offset_bytes != y->fs_offset_bytes)
        return x->fs_offset_bytes < y->fs_offset_bytes ? -1 : 1;
    size_t n = x->path_len < y->path_len ? x->path_len : y->path_len;
    int c = memcmp(x->path, y->path, n);
    if (c != 0)
        return c;
    if (x->path_len != y->path_len)
        return x->path_len < y->path_len ? -1 : 1;
    return 0;
}

static int
cmp_entry(const void *a, const void *b)
{
    const struct custos_manifest_entry *x = a, *y = b;
    int c = custos__entry_cmp_name(x, y);
    if (c != 0)
        return c;
    if (x->inode != y->inode)
        return x->inode < y->inode ? -1 : 1;
    return 0;
}

/*
 * glibc's qsort sorts elements this large through an array of pointers and
 * then moves them in place: two pointers an entry, never a copy of them all.
 */
void
custos_manifest_sort(struct custos_manifest *m)
{
    if (m->count > 1)
        qsort(m->entries, m->count, sizeof(m->entries[0]), cmp_entry);
}

void
custos_manifest_set_flags(struct custos_manifest *m, size_t i, unsigned flags)
{
    if (i < m->count)
        m->entries[i].flags = flags;
}

int
custos_manifest_set_source(struct custos_manifest *m, const char *kind, const char *const *names,
                           size_t count)
{
    for (size_t i = 0; i < m->nsource; i++)
        free(m->source_names[i]);
    free(m->source_names);
    free(m->source_kind);
    m->source_names = NULL;
    m->nsource = 0;
    m->source_kind = NULL;
    if (dup_str(&m->source_kind, kind) != 0)
        goto nomem;
    m->source_names = calloc(count == 0 ? 1 : count, sizeof(char *));
    if (m->source_names == NULL)
        goto nomem;
    for (size_t i = 0; i < count; i++) {
        if (dup_str(&m->source_names[i], names[i]) != 0)
            goto nomem;
        m->nsource++;
    }
    return CUSTOS_OK;
nomem:
    return custos_error_set(&m->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
}

const char *
custos_manifest_source_kind(const struct custos_manifest *m)
{
    return m->source_kind;
}

int
custos_manifest_add_volume(struct custos_manifest *m, int64_t partition, uint64_t offset_bytes,
                           const char *fs_type, const char *description)
{
    struct manifest_volume *v = realloc(m->volumes, (m->nvolumes + 1) * sizeof(*v));
    if (v == NULL)
        return custos_error_set(&m->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    m->volumes = v;
    v = &m->volumes[m->nvolumes];
    memset(v, 0, sizeof(*v));
    v->partition = partition;
    v->offset_bytes = offset_bytes;
    if (dup_str(&v->fs_type, fs_type ? fs_type : "") ||
        dup_str(&v->description, description ? description : "")) {
        free(v->fs_type);
        free(v->description);
        return custos_error_set(&m->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    m->nvolumes++;
    return CUSTOS_OK;
}

int
custos_manifest_volume_error(struct custos_manifest *m, const char *error)
{
    if (m->nvolumes == 0)
        return custos_error_set(&m->err, CUSTOS_E_USAGE, 0, NULL,
                                "custos_manifest_volume_error: no volume");
    struct manifest_volume *v = &m->volumes[m->nvolumes - 1];
    free(v->error);
    v->error = NULL;
    if (dup_str(&v->error, error))
        return custos_error_set(&m->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    return CUSTOS_OK;
}

size_t
custos_manifest_volumes_unread(const struct custos_manifest *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->nvolumes; i++)
        n += m->volumes[i].error != NULL;
    return n;
}

const char *
custos_manifest_volume_unread_error(const struct custos_manifest *m, size_t i)
{
    for (size_t v = 0; v < m->nvolumes; v++)
        if (m->volumes[v].error != NULL && i-- == 0)
            return m->volumes[v].error;
    return NULL;
}

bool
custos__entry_hashed(const struct custos_manifest_entry *e)
{
    return (e->type == CUSTOS_ENTRY_FILE || e->type == CUSTOS_ENTRY_VIRTUAL) &&
           e->status == CUSTOS_OK && e->digest.algs != 0;
}

int
custos_manifest_write_fd(struct custos_manifest *m, enum custos_manifest_format format, int fd)
{
    custos_error_clear(&m->err);
    switch (format) {
    case CUSTOS_MANIFEST_JSON:
        return custos__manifest_write_json(m, fd);
    case CUSTOS_MANIFEST_SHA256SUM:
        return custos__manifest_write_sums(m, fd, CUSTOS_DIGEST_SHA256);
    case CUSTOS_MANIFEST_SHA1SUM:
        return custos__manifest_write_sums(m, fd, CUSTOS_DIGEST_SHA1);
    case CUSTOS_MANIFEST_MD5SUM:
        return custos__manifest_write_sums(m, fd, CUSTOS_DIGEST_MD5);
    case CUSTOS_MANIFEST_HASHDEEP:
        return custos__manifest_write_hashdeep(m, fd);
    case CUSTOS_MANIFEST_DFXML:
        return custos__manifest_write_dfxml(m, fd);
    }
    return custos_error_set(&m->err, CUSTOS_E_USAGE, 0, NULL, "unknown manifest format");
}

int
custos_manifest_save(struct custos_manifest *m, const char *path,
                     enum custos_manifest_format format)
{
    struct custos_atomicfile *f;
    int rc = custos_atomicfile_create(&f, path, 0644, &m->err);
    if (rc != CUSTOS_OK)
        return rc;
    rc = custos_manifest_write_fd(m, format, custos_atomicfile_fd(f));
    if (rc != CUSTOS_OK) {
        /* Backends name no file; say which output failed. */
        if (m->err.path[0] == '\0') {
            char msg[CUSTOS_ERROR_MESSAGE_MAX];
            snprintf(msg, sizeof(msg), "%s", m->err.message);
            custos_error_set(&m->err, rc, 0, path, "%s", msg);
        }
        custos_atomicfile_free(f);
        return rc;
    }
    rc = custos_atomicfile_close(f);
    if (rc != CUSTOS_OK)
        custos_error_copy(&m->err, custos_atomicfile_error(f));
    custos_atomicfile_free(f);
    return rc;
}

static const struct {
    const char *name;
    enum custos_manifest_format format;
} format_names[] = {
    {"json", CUSTOS_MANIFEST_JSON},         {"sha256sum", CUSTOS_MANIFEST_SHA256SUM},
    {"sha1sum", CUSTOS_MANIFEST_SHA1SUM},   {"md5sum", CUSTOS_MANIFEST_MD5SUM},
    {"hashdeep", CUSTOS_MANIFEST_HASHDEEP}, {"dfxml", CUSTOS_MANIFEST_DFXML},
};

int
custos_manifest_format_parse(const char *name, enum custos_manifest_format *format,
                             struct custos_error *err)
{
    for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
        if (strcasecmp(name, format_names[i].name) == 0) {
            *format = format_names[i].format;
            return CUSTOS_OK;
        }
    return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                            "unknown format '%s' (known: json, sha256sum, sha1sum, md5sum, "
                            "hashdeep, dfxml)",
                            name);
}

const char *
custos_entry_type_name(enum custos_entry_type type)
{
    switch (type) {
    case CUSTOS_ENTRY_FILE:
        return CUSTOS_MANIFEST_TYPE_FILE;
    case CUSTOS_ENTRY_SYMLINK:
        return CUSTOS_MANIFEST_TYPE_SYMLINK;
    case CUSTOS_ENTRY_SPECIAL:
        return CUSTOS_MANIFEST_TYPE_SPECIAL;
    case CUSTOS_ENTRY_DIRECTORY:
        return CUSTOS_MANIFEST_TYPE_DIRECTORY;
    case CUSTOS_ENTRY_VIRTUAL:
        return CUSTOS_MANIFEST_TYPE_VIRTUAL;
    }
    return "unknown";
}

void
custos__out_init(struct outbuf *o, int fd)
{
    memset(o, 0, sizeof(*o));
    o->fd = fd;
}

/* Writes out what the buffer holds; after a failed write nothing more is written. */
static void
out_flush(struct outbuf *o)
{
    if (o->sb.len > 0 && o->failed_errno == 0 && custos__write_all(o->fd, o->sb.p, o->sb.len) != 0)
        o->failed_errno = errno != 0 ? errno : EIO;
    o->sb.len = 0;
}

/* Flushes once the buffer holds OUT_FLUSH bytes, so memory stays bounded. */
#define OUT_FLUSH 65536

static void
out_added(struct outbuf *o)
{
    if (o->sb.oom && o->failed_errno == 0)
        o->failed_errno = ENOMEM;
    if (o->sb.len >= OUT_FLUSH)
        out_flush(o);
}

void
custos__out_bytes(struct outbuf *o, const void *p, size_t n)
{
    if (o->failed_errno != 0)
        return;
    custos__sb_add(&o->sb, p, n);
    out_added(o);
}

void
custos__out_str(struct outbuf *o, const char *s)
{
    custos__out_bytes(o, s, strlen(s));
}

void
custos__out_fmt(struct outbuf *o, const char *fmt, ...)
{
    if (o->failed_errno != 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    custos__sb_vprintf(&o->sb, fmt, ap);
    va_end(ap);
    out_added(o);
}

void
custos__out_xml(struct outbuf *o, const char *s, size_t len)
{
    if (o->failed_errno != 0)
        return;
    custos__sb_xml(&o->sb, s, len);
    out_added(o);
}

int
custos__out_finish(struct outbuf *o)
{
    out_flush(o);
    custos__sb_free(&o->sb);
    return o->failed_errno;
}

void
custos_manifest_totals(const struct custos_manifest *m, struct custos_manifest_totals *t)
{
    memset(t, 0, sizeof(*t));
    for (size_t i = 0; i < custos_manifest_count(m); i++) {
        const struct custos_manifest_entry *e = custos_manifest_entry(m, i);
        if (e->status != CUSTOS_OK) {
            t->unreadable++;
        } else if (e->type == CUSTOS_ENTRY_FILE || e->type == CUSTOS_ENTRY_VIRTUAL) {
            t->files++;
            t->bytes += e->size_bytes;
        } else if (e->type == CUSTOS_ENTRY_SYMLINK) {
            t->symlinks++;
        } else if (e->type == CUSTOS_ENTRY_SPECIAL) {
            t->special++;
        }
        t->known += (e->flags & CUSTOS_ENTRY_KNOWN) != 0;
        t->notable += (e->flags & CUSTOS_ENTRY_NOTABLE) != 0;
    }
}

void
custos_manifest_entry_display(const struct custos_manifest_entry *e, char *buf, size_t len)
{
    char name[2048];
    custos_path_display(e->path, e->path_len, name, sizeof(name));
    if (e->in_image && e->partition >= 0)
        snprintf(buf, len, "partition %lld: %s", (long long)e->partition, name);
    else
        snprintf(buf, len, "%s", name);
}

int
custos_manifest_ledger_fields(const char *item, const char *path, char **json,
                              struct custos_error *err)
{
    *json = NULL;
    if (item == NULL || item[0] == '\0')
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "an acquire entry needs an item");
    char hex[CUSTOS_DIGEST_HEX_MAX] =
        "0000000000000000000000000000000000000000000000000000000000000000";
    char tool[64];
    const char *record = "(pending)";
    json_t *j;
    if (path != NULL) {
        struct custos_digest_result d;
        int rc = custos_digest_file(path, CUSTOS_DIGEST_SHA256, &d, err);
        if (rc != CUSTOS_OK)
            return rc;
        custos_digest_hex(&d, CUSTOS_DIGEST_SHA256, hex);
        const char *slash = strrchr(path, '/');
        record = slash != NULL ? slash + 1 : path;
        snprintf(tool, sizeof(tool), "custos-hash %s", custos_version());
        j = json_pack("{s:s, s:s, s:s, s:s}", "item", item, "record", record, "record_sha256", hex,
                      "tool", tool);
    } else {
        j = json_pack("{s:s, s:s, s:s}", "item", item, "record", record, "record_sha256", hex);
    }
    *json = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (*json == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    return CUSTOS_OK;
}

int
custos_manifest_report_json(const struct custos_manifest *m, int status, const char *manifest,
                            char **json)
{
    struct custos_manifest_totals t;
    custos_manifest_totals(m, &t);
    json_t *report = json_object(), *nlist = json_array(), *ulist = json_array();
    for (size_t i = 0; i < custos_manifest_count(m); i++) {
        const struct custos_manifest_entry *e = custos_manifest_entry(m, i);
        char name[2200];
        custos_manifest_entry_display(e, name, sizeof(name));
        if (e->status != CUSTOS_OK)
            json_array_append_new(ulist, json_string(e->error ? e->error : name));
        if (e->flags & CUSTOS_ENTRY_NOTABLE)
            json_array_append_new(nlist, json_string(name));
    }
    json_object_set_new(report, "status", json_string(custos_status_name(status)));
    json_object_set_new(report, "manifest", json_string(manifest));
    json_object_set_new(report, "files", json_integer((json_int_t)t.files));
    json_object_set_new(report, "bytes", json_integer((json_int_t)t.bytes));
    json_object_set_new(report, "symlinks", json_integer((json_int_t)t.symlinks));
    json_object_set_new(report, "special", json_integer((json_int_t)t.special));
    json_object_set_new(report, "known", json_integer((json_int_t)t.known));
    json_object_set_new(report, "notable", nlist);
    json_object_set_new(report, "unreadable", ulist);
    const char *kind = custos_manifest_source_kind(m);
    if (kind != NULL && strcmp(kind, CUSTOS_MANIFEST_SOURCE_IMAGE) == 0)
        json_object_set_new(report, "volumes_unread",
                            json_integer((json_int_t)custos_manifest_volumes_unread(m)));
    *json = json_dumps(report, JSON_SORT_KEYS | JSON_INDENT(2));
    json_decref(report);
    return *json != NULL ? CUSTOS_OK : CUSTOS_E_NOMEM;
}
