/* SPDX-License-Identifier: ISC */
/*
 * manifest_json.c: the custos manifest as JSON (docs/formats/manifest.md),
 * written and read with jansson.
 *
 * A name that is valid UTF-8 is written as a JSON string, which carries every
 * character, newlines and tabs included, exactly. A name that is not valid
 * UTF-8 cannot be a JSON string: it is written as "path_base64" (the exact
 * bytes, RFC 4648 base64) beside "path" (the display form of
 * custos_path_display, for people). Readers take path_base64 when present.
 * Symlink targets follow the same rule with "target"/"target_base64".
 *
 * Keys are sorted and the layout fixed (jansson JSON_SORT_KEYS, indent 1), so
 * the same manifest always gives the same bytes; those bytes are what a
 * detached signature covers.
 */
#include "custos/manifest.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base64_private.h"
#include "fsutil_private.h"
#include "json_name_private.h"
#include "manifest_private.h"

static const unsigned all_algs[CUSTOS_DIGEST_COUNT] = {CUSTOS_DIGEST_MD5, CUSTOS_DIGEST_SHA1,
                                                       CUSTOS_DIGEST_SHA256};

static json_t *
time_json(const struct custos_time *t)
{
    char buf[48];
    custos_time_format(t, buf, sizeof(buf));
    return json_string(buf);
}

static json_t *
entry_json(const struct custos_manifest_entry *e)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int bad = custos__json_set_name(o, "path", e->path, e->path_len);
    bad |= json_object_set_new(o, "type", json_string(custos_entry_type_name(e->type)));
    if (e->status == CUSTOS_OK)
        bad |= json_object_set_new(o, "size", json_integer((json_int_t)e->size_bytes));
    if (e->mtime.set)
        bad |= json_object_set_new(o, "mtime", time_json(&e->mtime));
    if (e->in_image) {
        if (e->atime.set)
            bad |= json_object_set_new(o, "atime", time_json(&e->atime));
        if (e->ctime.set)
            bad |= json_object_set_new(o, "ctime", time_json(&e->ctime));
        if (e->crtime.set)
            bad |= json_object_set_new(o, "crtime", time_json(&e->crtime));
        if (e->partition >= 0)
            bad |= json_object_set_new(o, "partition", json_integer(e->partition));
        bad |= json_object_set_new(o, "fs_offset", json_integer((json_int_t)e->fs_offset_bytes));
        bad |= json_object_set_new(o, "fs_type", custos__json_text(e->fs_type ? e->fs_type : ""));
        bad |= json_object_set_new(o, "inode", json_integer((json_int_t)e->inode));
        bad |= json_object_set_new(o, "allocated", json_boolean(e->allocated));
        if (e->reallocated)
            bad |= json_object_set_new(o, "reallocated", json_true());
        if (e->attr_type > 0) {
            char attr[32];
            snprintf(attr, sizeof(attr), "%d-%d", (int)e->attr_type, (int)e->attr_id);
            bad |= json_object_set_new(o, "attribute", json_string(attr));
        }
    }
    for (int i = 0; i < CUSTOS_DIGEST_COUNT; i++) {
        char hex[CUSTOS_DIGEST_HEX_MAX];
        if (custos_digest_hex(&e->digest, all_algs[i], hex) == CUSTOS_OK)
            bad |= json_object_set_new(o, custos_digest_name(all_algs[i]), json_string(hex));
    }
    if (e->mime != NULL)
        bad |= json_object_set_new(o, "mime", custos__json_text(e->mime));
    if (e->description != NULL)
        bad |= json_object_set_new(o, "description", custos__json_text(e->description));
    if (e->target != NULL)
        bad |= custos__json_set_name(o, "target", e->target, e->target_len);
    if (e->kind != NULL)
        bad |= json_object_set_new(o, "kind", custos__json_text(e->kind));
    if (e->error != NULL)
        bad |= json_object_set_new(o, "error", custos__json_text(e->error));
    if (e->nzero_filled > 0) {
        json_t *zf = json_array();
        for (size_t i = 0; zf != NULL && i < e->nzero_filled; i++)
            json_array_append_new(zf, json_pack("{s:I, s:I}", "offset",
                                                (json_int_t)e->zero_filled[2 * i], "length",
                                                (json_int_t)e->zero_filled[2 * i + 1]));
        bad |= zf == NULL || json_object_set_new(o, "zero_filled", zf) != 0;
    }
    if (e->flags & CUSTOS_ENTRY_KNOWN)
        bad |= json_object_set_new(o, "known", json_true());
    if (e->flags & CUSTOS_ENTRY_NOTABLE)
        bad |= json_object_set_new(o, "notable", json_true());
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/*
 * The document with its entries written one at a time: a jansson tree of
 * every entry cost about 480 more bytes of memory per file. root holds
 * "entries" as an empty array; jansson writes the rest, and each entry is
 * dumped on its own and indented by two spaces, its depth in the document,
 * so the bytes are those of one json_dump of the whole (docs/formats/manifest.md).
 */
static int
dump_streaming(json_t *root, const struct custos_manifest *m, struct outbuf *o)
{
    const size_t flags = JSON_SORT_KEYS | JSON_INDENT(1);
    char *doc = json_dumps(root, flags);
    static const char key[] = "\n \"entries\": []";
    char *at = doc != NULL ? strstr(doc, key) : NULL;
    if (at == NULL) {
        free(doc);
        return -1;
    }
    size_t head = (size_t)(at - doc) + sizeof(key) - 3; /* up to the "[" */
    custos__out_bytes(o, doc, head);
    int rc = 0;
    if (m->count == 0)
        custos__out_str(o, "[]");
    else
        custos__out_str(o, "[");
    for (size_t i = 0; rc == 0 && o->failed_errno == 0 && i < m->count; i++) {
        json_t *e = entry_json(&m->entries[i]);
        char *text = e != NULL ? json_dumps(e, flags) : NULL;
        json_decref(e);
        if (text == NULL) {
            rc = -1;
            break;
        }
        custos__out_str(o, i == 0 ? "\n  " : ",\n  ");
        /* JSON strings hold no raw newline: every one here starts a line. */
        for (const char *p = text, *nl; *p != '\0'; p = nl + 1) {
            nl = strchr(p, '\n');
            if (nl == NULL) {
                custos__out_str(o, p);
                break;
            }
            custos__out_bytes(o, p, (size_t)(nl - p) + 1);
            custos__out_str(o, "  ");
        }
        free(text);
    }
    if (m->count != 0)
        custos__out_str(o, "\n ]");
    custos__out_str(o, at + sizeof(key) - 1);
    free(doc);
    return rc; /* -1: out of memory; write errors stay in o for custos__out_finish */
}

int
custos__manifest_write_json(struct custos_manifest *m, int fd)
{
    json_t *root = json_object(), *entries = json_array(), *algs = json_array();
    json_t *source = json_object(), *names = json_array(), *totals = json_object();
    int bad = root == NULL || entries == NULL || algs == NULL || source == NULL || names == NULL ||
              totals == NULL;
    uint64_t nfiles = 0, bytes = 0, nlinks = 0, nspecial = 0, nunread = 0;
    for (size_t i = 0; !bad && i < m->count; i++) {
        const struct custos_manifest_entry *e = &m->entries[i];
        if (e->status != CUSTOS_OK)
            nunread++;
        else if (e->type == CUSTOS_ENTRY_FILE || e->type == CUSTOS_ENTRY_VIRTUAL) {
            nfiles++;
            bytes += e->size_bytes;
        } else if (e->type == CUSTOS_ENTRY_SYMLINK)
            nlinks++;
        else if (e->type == CUSTOS_ENTRY_SPECIAL)
            nspecial++;
    }
    for (int i = 0; !bad && i < CUSTOS_DIGEST_COUNT; i++)
        if (m->algs & all_algs[i])
            bad |= json_array_append_new(algs, json_string(custos_digest_name(all_algs[i])));
    /* An operand that is not UTF-8: names holds display forms, names_base64 every name's bytes. */
    json_t *names64 = NULL;
    for (size_t i = 0; !bad && i < m->nsource; i++) {
        size_t len = strlen(m->source_names[i]);
        if (names64 == NULL && !custos_utf8_valid(m->source_names[i], len))
            bad |= (names64 = json_array()) == NULL;
        bad |= json_array_append_new(names, custos__json_text(m->source_names[i])) != 0;
    }
    for (size_t i = 0; !bad && names64 != NULL && i < m->nsource; i++) {
        size_t len = strlen(m->source_names[i]);
        char *b64 = malloc(CUSTOS__B64_SIZE(len));
        if (b64 != NULL)
            custos__b64_encode((const uint8_t *)m->source_names[i], len, b64);
        bad |= b64 == NULL || json_array_append_new(names64, json_string(b64)) != 0;
        free(b64);
    }
    if (!bad) {
        bad |= json_object_set_new(root, "format", json_string(CUSTOS_MANIFEST_FORMAT));
        bad |= json_object_set_new(root, "version", json_integer(CUSTOS_MANIFEST_VERSION));
        bad |= json_object_set_new(root, "created", json_string(m->created));
        bad |= json_object_set_new(root, "generator", json_string(m->generator));
        bad |= json_object_set_new(root, "digests", algs);
        algs = NULL;
        bad |= json_object_set_new(source, "kind",
                                   json_string(m->source_kind ? m->source_kind : "tree"));
        bad |= json_object_set_new(source, "names", names);
        names = NULL;
        if (names64 != NULL)
            bad |= json_object_set_new(source, "names_base64", names64);
        names64 = NULL;
        if (m->nvolumes > 0) {
            json_t *vols = json_array();
            for (size_t i = 0; vols != NULL && i < m->nvolumes; i++) {
                json_t *v = json_object();
                const struct manifest_volume *mv = &m->volumes[i];
                if (mv->partition >= 0)
                    json_object_set_new(v, "partition", json_integer(mv->partition));
                json_object_set_new(v, "offset", json_integer((json_int_t)mv->offset_bytes));
                json_object_set_new(v, "fs_type", custos__json_text(mv->fs_type));
                json_object_set_new(v, "description", custos__json_text(mv->description));
                if (mv->error != NULL)
                    json_object_set_new(v, "error", custos__json_text(mv->error));
                json_array_append_new(vols, v);
            }
            bad |= vols == NULL || json_object_set_new(source, "volumes", vols) != 0;
        }
        bad |= json_object_set_new(root, "source", source);
        source = NULL;
        bad |= json_object_set_new(totals, "files", json_integer((json_int_t)nfiles));
        bad |= json_object_set_new(totals, "bytes", json_integer((json_int_t)bytes));
        bad |= json_object_set_new(totals, "symlinks", json_integer((json_int_t)nlinks));
        bad |= json_object_set_new(totals, "special", json_integer((json_int_t)nspecial));
        bad |= json_object_set_new(totals, "unreadable", json_integer((json_int_t)nunread));
        if (m->nvolumes > 0)
            bad |= json_object_set_new(totals, "volumes_unread",
                                       json_integer((json_int_t)custos_manifest_volumes_unread(m)));
        bad |= json_object_set_new(root, "totals", totals);
        totals = NULL;
        bad |= json_object_set_new(root, "entries", entries);
        entries = NULL;
    }
    json_decref(entries);
    json_decref(algs);
    json_decref(names);
    json_decref(names64);
    json_decref(source);
    json_decref(totals);
    if (bad) {
        json_decref(root);
        return custos_error_set(&m->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    struct outbuf o;
    custos__out_init(&o, fd);
    int rc = dump_streaming(root, m, &o);
    json_decref(root);
    custos__out_str(&o, "\n");
    int e = custos__out_finish(&o);
    if (rc != 0)
        return custos_error_set(&m->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    if (e != 0)
        return custos_error_set(&m->err, CUSTOS_E_IO, e, NULL, "cannot write manifest");
    return CUSTOS_OK;
}

/* Reading. */

struct reader {
    struct custos_manifest *m;
    const char *path;
};

static int
corrupt(struct reader *r, size_t idx, const char *what)
{
    if (idx == (size_t)-1)
        return custos_error_set(&r->m->err, CUSTOS_E_CORRUPT, 0, r->path, "%s", what);
    return custos_error_set(&r->m->err, CUSTOS_E_CORRUPT, 0, r->path, "entry %zu: %s", idx + 1,
                            what);
}

static int
get_time(json_t *o, const char *key, struct custos_time *t)
{
    json_t *v = json_object_get(o, key);
    memset(t, 0, sizeof(*t));
    if (v == NULL)
        return 0;
    if (!json_is_string(v) || custos_time_parse(json_string_value(v), t) != CUSTOS_OK)
        return -1;
    return 0;
}

static char *
get_str(json_t *o, const char *key, int *bad)
{
    json_t *v = json_object_get(o, key);
    if (v == NULL)
        return NULL;
    if (!json_is_string(v)) {
        *bad = 1;
        return NULL;
    }
    char *s = strdup(json_string_value(v));
    if (s == NULL)
        *bad = 1;
    return s;
}

static int
read_entry(struct reader *r, json_t *o, size_t idx)
{
    struct custos_manifest_entry e;
    /* get_str sets bad alone: its fields are named here. */
    char msg[128] = "\"error\", \"mime\", \"description\", \"kind\" or \"fs_type\" is not a "
                    "string";
    memset(&e, 0, sizeof(e));
    e.partition = -1;
    if (!json_is_object(o))
        return corrupt(r, idx, "not an object");
    if (custos__json_get_name(o, "path", &e.path, &e.path_len) != 0 || e.path_len == 0) {
        custos__entry_clear(&e);
        return corrupt(r, idx, "missing or bad \"path\"");
    }
    const char *type = json_string_value(json_object_get(o, "type"));
    static const enum custos_entry_type types[] = {CUSTOS_ENTRY_FILE, CUSTOS_ENTRY_SYMLINK,
                                                   CUSTOS_ENTRY_SPECIAL, CUSTOS_ENTRY_DIRECTORY,
                                                   CUSTOS_ENTRY_VIRTUAL};
    bool found = false;
    for (size_t i = 0; type != NULL && i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(type, custos_entry_type_name(types[i])) == 0) {
            e.type = types[i];
            found = true;
        }
    int bad = 0;
    if (!found) {
        snprintf(msg, sizeof(msg), "missing or unknown \"type\"");
        bad = 1;
    }
    json_t *size = json_object_get(o, "size");
    if (!bad && size != NULL) {
        if (!json_is_integer(size) || json_integer_value(size) < 0) {
            snprintf(msg, sizeof(msg), "bad \"size\"");
            bad = 1;
        } else {
            e.size_bytes = (uint64_t)json_integer_value(size);
        }
    }
    if (!bad && (get_time(o, "mtime", &e.mtime) || get_time(o, "atime", &e.atime) ||
                 get_time(o, "ctime", &e.ctime) || get_time(o, "crtime", &e.crtime))) {
        snprintf(msg, sizeof(msg), "bad time stamp");
        bad = 1;
    }
    e.error = get_str(o, "error", &bad);
    e.status = e.error != NULL ? CUSTOS_E_INCOMPLETE : CUSTOS_OK;
    for (int i = 0; !bad && i < CUSTOS_DIGEST_COUNT; i++) {
        unsigned alg = all_algs[i];
        json_t *h = json_object_get(o, custos_digest_name(alg));
        if (h == NULL)
            continue;
        uint8_t *dst = NULL;
        e.digest.algs |= alg;
        dst = (uint8_t *)custos_digest_bytes(&e.digest, alg);
        struct custos_error herr;
        if (!json_is_string(h) || !(r->m->algs & alg) ||
            custos_hex_decode(json_string_value(h), dst, custos_digest_size(alg), &herr) !=
                CUSTOS_OK) {
            snprintf(msg, sizeof(msg), "bad \"%s\"", custos_digest_name(alg));
            bad = 1;
        }
    }
    if (!bad && (e.type == CUSTOS_ENTRY_FILE || e.type == CUSTOS_ENTRY_VIRTUAL) &&
        e.status == CUSTOS_OK && json_object_get(o, "inode") == NULL &&
        (e.digest.algs != r->m->algs || size == NULL)) {
        snprintf(msg, sizeof(msg), "file without its size or every digest of the manifest");
        bad = 1;
    }
    e.mime = get_str(o, "mime", &bad);
    e.description = get_str(o, "description", &bad);
    e.kind = get_str(o, "kind", &bad);
    e.fs_type = get_str(o, "fs_type", &bad);
    if (!bad && custos__json_get_name(o, "target", &e.target, &e.target_len) < 0) {
        snprintf(msg, sizeof(msg), "bad \"target\"");
        bad = 1;
    }
    if (json_object_get(o, "known") == json_true())
        e.flags |= CUSTOS_ENTRY_KNOWN;
    if (json_object_get(o, "notable") == json_true())
        e.flags |= CUSTOS_ENTRY_NOTABLE;
    json_t *inode = json_object_get(o, "inode");
    if (!bad && inode != NULL) {
        e.in_image = true;
        json_t *part = json_object_get(o, "partition");
        json_t *off = json_object_get(o, "fs_offset");
        if (!json_is_integer(inode) || (part != NULL && !json_is_integer(part)) ||
            !json_is_integer(off)) {
            snprintf(msg, sizeof(msg), "bad image fields");
            bad = 1;
        } else {
            e.inode = (uint64_t)json_integer_value(inode);
            e.partition = part != NULL ? json_integer_value(part) : -1;
            e.fs_offset_bytes = (uint64_t)json_integer_value(off);
            e.allocated = json_object_get(o, "allocated") != json_false();
            e.reallocated = json_object_get(o, "reallocated") == json_true();
            const char *attr = json_string_value(json_object_get(o, "attribute"));
            if (attr != NULL &&
                sscanf(attr, "%" SCNd32 "-%" SCNd32, &e.attr_type, &e.attr_id) != 2) {
                snprintf(msg, sizeof(msg), "bad \"attribute\"");
                bad = 1;
            }
        }
    }
    if (bad) {
        custos__entry_clear(&e);
        return corrupt(r, idx, msg[0] ? msg : "bad field");
    }
    int rc = custos_manifest_add(r->m, &e);
    custos__entry_clear(&e);
    return rc;
}

int
custos__manifest_read_json(struct custos_manifest *m, const char *path)
{
    struct reader r = {m, path};
    json_error_t jerr;
    errno = 0;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        if (json_error_code(&jerr) == json_error_cannot_open_file)
            return custos_error_set(&m->err, CUSTOS_E_IO, errno, path, "cannot read manifest");
        return custos_error_set(&m->err, CUSTOS_E_CORRUPT, 0, path, "line %d: %s", jerr.line,
                                jerr.text);
    }
    int rc = CUSTOS_OK;
    const char *fmt = json_string_value(json_object_get(root, "format"));
    json_t *ver = json_object_get(root, "version");
    json_t *algs = json_object_get(root, "digests");
    json_t *entries = json_object_get(root, "entries");
    if (fmt == NULL || strcmp(fmt, CUSTOS_MANIFEST_FORMAT) != 0) {
        rc = corrupt(&r, (size_t)-1,
                     "not a custos manifest (no \"format\": \"" CUSTOS_MANIFEST_FORMAT "\")");
        goto out;
    }
    if (!json_is_integer(ver)) {
        rc = corrupt(&r, (size_t)-1, "no \"version\"");
        goto out;
    }
    if (json_integer_value(ver) != CUSTOS_MANIFEST_VERSION) {
        rc = custos_error_set(&m->err, CUSTOS_E_UNSUPPORTED, 0, path,
                              "manifest version %lld is not supported (this is version %d)",
                              (long long)json_integer_value(ver), CUSTOS_MANIFEST_VERSION);
        goto out;
    }
    if (!json_is_array(algs) || json_array_size(algs) == 0 || !json_is_array(entries)) {
        rc = corrupt(&r, (size_t)-1, "missing \"digests\" or \"entries\"");
        goto out;
    }
    m->algs = 0;
    for (size_t i = 0; i < json_array_size(algs); i++) {
        unsigned a;
        struct custos_error perr;
        const char *name = json_string_value(json_array_get(algs, i));
        if (name == NULL || custos_digest_parse(name, &a, &perr) != CUSTOS_OK ||
            a == CUSTOS_DIGEST_ALL || (m->algs & a)) {
            rc = corrupt(&r, (size_t)-1, "bad \"digests\" list");
            goto out;
        }
        m->algs |= a;
    }
    const char *created = json_string_value(json_object_get(root, "created"));
    const char *gen = json_string_value(json_object_get(root, "generator"));
    snprintf(m->created, sizeof(m->created), "%s", created ? created : "");
    snprintf(m->generator, sizeof(m->generator), "%s", gen ? gen : "");
    json_t *source = json_object_get(root, "source");
    const char *kind = json_string_value(json_object_get(source, "kind"));
    if (kind != NULL) {
        json_t *names = json_object_get(source, "names");
        json_t *names64 = json_object_get(source, "names_base64");
        size_t n = json_array_size(names);
        const char **v = calloc(n + 1, sizeof(*v));
        char **decoded = calloc(n + 1, sizeof(*decoded));
        if (v == NULL || decoded == NULL) {
            free(v);
            free(decoded);
            rc = custos_error_set(&m->err, CUSTOS_E_NOMEM, 0, path, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            v[i] = json_string_value(json_array_get(names, i));
            /* names_base64 holds the exact bytes of every name (see the writer). */
            const char *b = json_string_value(json_array_get(names64, i));
            size_t blen = b ? strlen(b) : 0, got = 0;
            if (b != NULL && (decoded[i] = malloc(blen / 4 * 3 + 1)) != NULL &&
                custos__b64_decode(b, blen, (uint8_t *)decoded[i], blen / 4 * 3, &got) == 0 &&
                memchr(decoded[i], '\0', got) == NULL) {
                decoded[i][got] = '\0';
                v[i] = decoded[i];
            }
            if (v[i] == NULL)
                v[i] = "";
        }
        rc = custos_manifest_set_source(m, kind, v, n);
        for (size_t i = 0; i < n; i++)
            free(decoded[i]);
        free(decoded);
        free(v);
        if (rc != CUSTOS_OK)
            goto out;
    }
    for (size_t i = 0; i < json_array_size(entries); i++) {
        rc = read_entry(&r, json_array_get(entries, i), i);
        if (rc != CUSTOS_OK)
            goto out;
    }
out:
    json_decref(root);
    return rc;
}
