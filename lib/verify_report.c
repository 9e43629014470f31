/* SPDX-License-Identifier: ISC */
/*
 * verify_report.c: the JSON report (docs/formats/verify-report.md) and
 * reading the failed names of an earlier one.
 */
#include "custos/verify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <math.h>

#include <archive.h> /* archive_version_string */
#include <jansson.h>
#include <libewf.h>
#include <openssl/crypto.h> /* OpenSSL_version */
#include <tsk/libtsk.h>     /* tsk_version_get_str */

#include "custos/custos.h"
#include "json_name_private.h"
#include "verify_private.h"

static const char *
ref_kind_name(enum custos_verify_ref_kind k)
{
    return k == CUSTOS_VERIFY_REF_MANIFEST ? "manifest"
           : k == CUSTOS_VERIFY_REF_RECORD ? "acquisition-record"
                                           : "bagit";
}

static const char *
target_kind_name(enum custos_verify_target_kind k)
{
    return k == CUSTOS_VERIFY_TARGET_DIRECTORY ? "directory"
           : k == CUSTOS_VERIFY_TARGET_ARCHIVE ? "archive"
                                               : "image";
}

static const char *
result_name(int status)
{
    switch (status) {
    case CUSTOS_OK:
        return "match";
    case CUSTOS_E_MISMATCH:
        return "mismatch";
    case CUSTOS_E_INCOMPLETE:
        return "incomplete";
    case CUSTOS_E_CORRUPT:
        return "corrupt";
    default:
        return custos_status_name(status);
    }
}

int
custos_verify_ledger_fields(const struct custos_verify *v, const char *item, char **json)
{
    *json = NULL;
    if (!v->ran)
        return CUSTOS_E_USAGE;
    char comment[1024];
    snprintf(comment, sizeof(comment), "custos-verify %s, level %s: %s", custos_version(),
             custos_verify_level_name(v->opt.level), custos_verify_summary(v));
    json_t *f =
        json_pack("{s:s, s:s, s:s, s:s}", "result",
                  custos_verify_status(v) == CUSTOS_OK ? "match" : "mismatch", "sha256",
                  custos_verify_reference_sha256(v), "record", v->ref_path, "comment", comment);
    if (f != NULL && item != NULL && json_object_set_new(f, "item", json_string(item)) != 0) {
        json_decref(f);
        f = NULL;
    }
    *json = f != NULL ? json_dumps(f, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(f);
    return *json != NULL ? CUSTOS_OK : CUSTOS_E_NOMEM;
}

/* The count of each class, under the report's keys ("not_found"...). */
static json_t *
json_totals(const struct custos_verify *v, const struct custos_verify_totals *t)
{
    json_t *totals = json_object();
    if (totals == NULL)
        return NULL;
    for (int c = 0; c < CUSTOS_VERIFY_CLASSES; c++) {
        char key[24];
        snprintf(key, sizeof(key), "%s", custos_verify_class_name((enum custos_verify_class)c));
        if (key[3] == ' ')
            key[3] = '_';
        json_object_set_new(totals, key, json_integer((json_int_t)t->count[c]));
    }
    /* Extras past the listing cap: in totals.extra, not in items. */
    json_object_set_new(totals, "extra_not_listed", json_integer((json_int_t)v->extras_unlisted));
    return totals;
}

/* One object per item of the outcome; NULL when out of memory. */
static json_t *
json_items(const struct custos_verify *v)
{
    json_t *items = json_array();
    for (size_t i = 0; items != NULL && i < v->nout; i++) {
        const struct custos_verify_item *it = &v->out[i];
        /* A name that is not UTF-8: name_base64 holds its bytes (manifest.md, "Names"). */
        json_t *o = json_object();
        if (o == NULL || custos__json_set_names(o, "name", it->name) != 0) {
            json_decref(o);
            json_decref(items);
            return NULL;
        }
        json_object_set_new(o, "class", json_string(custos_verify_class_name(it->cls)));
        json_object_set_new(o, "size_bytes", json_integer((json_int_t)it->size_bytes));
        json_object_set_new(o, "found", json_boolean(it->found));
        json_object_set_new(o, "content_checked", json_boolean(it->content_checked));
        if (it->found)
            json_object_set_new(o, "found_bytes", json_integer((json_int_t)it->found_bytes));
        if (it->expected[0] || it->actual[0]) {
            json_object_set_new(o, "algorithm", json_string(it->algorithm));
            json_object_set_new(o, "expected",
                                it->expected[0] ? json_string(it->expected) : json_null());
            json_object_set_new(o, "actual", it->actual[0] ? json_string(it->actual) : json_null());
        }
        int failed = 0;
        if (it->moved_to)
            failed |= custos__json_set_names(o, "moved_to", it->moved_to);
        if (it->detail)
            failed |= json_object_set_new(o, "detail", custos__json_text(it->detail));
        if (failed || json_array_append_new(items, o) != 0) {
            json_decref(items);
            return NULL;
        }
    }
    return items;
}

/* The damaged ranges of an image target. */
static json_t *
json_damage(const struct custos_verify *v)
{
    json_t *bad = json_array();
    for (size_t i = 0; bad != NULL && i < v->nbad; i++)
        json_array_append_new(bad,
                              json_pack("{s:I, s:I}", "offset_bytes", (json_int_t)v->bad[i].offset,
                                        "length_bytes", (json_int_t)v->bad[i].length));
    return bad;
}

/* The reference's signature: its status, and who signed which file. */
static json_t *
json_signature(const struct custos_verify *v)
{
    json_t *sig = json_pack("{s:s}", "status", v->sig_status);
    if (sig != NULL && v->sig_signer[0]) {
        json_object_set_new(sig, "signer", custos__json_text(v->sig_signer));
        custos__json_set_names(sig, "file", v->sig_path);
    }
    return sig != NULL ? sig : json_null();
}

/* The sample drawn (seed and count or percent), or null for other levels. */
static json_t *
json_sample(const struct custos_verify *v)
{
    if (v->opt.level != CUSTOS_VERIFY_SAMPLE)
        return json_null();
    json_t *sample =
        json_pack("{s:s, s:I}", "seed_decimal", "", "count", (json_int_t)v->opt.sample_count);
    char seed[32];
    snprintf(seed, sizeof(seed), "%llu", (unsigned long long)v->opt.seed);
    json_object_set_new(sample, "seed_decimal", json_string(seed));
    if (v->opt.sample_count == 0) {
        json_object_del(sample, "count");
        json_object_set_new(sample, "percent", json_real(v->opt.sample_percent));
    }
    return sample;
}

/* An image target's format, damage (takes *bad) and record; null for others. */
static json_t *
json_image(const struct custos_verify *v, json_t **bad)
{
    if (v->target_kind != CUSTOS_VERIFY_TARGET_IMAGE)
        return json_null();
    json_t *image = json_pack("{s:s, s:o}", "format", v->img_format ? v->img_format : "",
                              "damaged_ranges", *bad);
    *bad = NULL;
    if (v->record_status)
        json_object_set_new(image, "record_status", json_string(v->record_status));
    json_object_set_new(image, "stored_digests_match",
                        v->stored_match < 0 ? json_null() : json_boolean(v->stored_match));
    return image;
}

/* The container (archive or image file) as a whole, and the restore test. */
static void
json_container_restore(const struct custos_verify *v, json_t **container, json_t **restore)
{
    *container = json_pack("{s:s}", "status", v->container_corrupt ? "corrupt" : "ok");
    if (*container && v->container_corrupt)
        json_object_set_new(*container, "detail", custos__json_text(v->container_detail));
    *restore = json_pack("{s:s}", "result", v->restore_result);
    if (*restore && v->restore_detail[0])
        json_object_set_new(*restore, "detail", custos__json_text(v->restore_detail));
    if (*restore && strcmp(v->restore_result, "not requested") != 0) {
        json_object_set_new(*restore, "files", json_integer((json_int_t)v->restore_files));
        json_object_set_new(*restore, "bytes", json_integer((json_int_t)v->restore_bytes));
    }
    if (*container == NULL)
        *container = json_null();
    if (*restore == NULL)
        *restore = json_null();
}

/* The digests computed and those the reference holds, MD5, SHA-1, SHA-256 in order. */
static json_t *
json_digests(const struct custos_verify *v)
{
    json_t *digests = json_pack("{s:[], s:[]}", "computed", "held");
    static const unsigned order[] = {CUSTOS_DIGEST_MD5, CUSTOS_DIGEST_SHA1, CUSTOS_DIGEST_SHA256};
    unsigned computed, held;
    custos_verify_digests(v, &computed, &held);
    for (size_t i = 0; digests != NULL && i < 3; i++) {
        if (computed & order[i])
            json_array_append_new(json_object_get(digests, "computed"),
                                  json_string(custos_digest_name(order[i])));
        if (held & order[i])
            json_array_append_new(json_object_get(digests, "held"),
                                  json_string(custos_digest_name(order[i])));
    }
    return digests;
}

/* The warnings, one string per line. */
static json_t *
json_warnings(const struct custos_verify *v)
{
    json_t *warn = json_array();
    for (const char *w = v->warnings ? v->warnings : ""; warn != NULL && *w;) {
        size_t n = strcspn(w, "\n");
        char *line = strndup(w, n);
        json_array_append_new(warn, line ? custos__json_text(line) : NULL);
        free(line);
        w += n + (w[n] == '\n');
    }
    return warn ? warn : json_null();
}

int
custos_verify_report_json(const struct custos_verify *v, char **json)
{
    *json = NULL;
    if (v->nout == 0 && v->summary[0] == '\0')
        return CUSTOS_E_USAGE;
    struct custos_verify_totals t;
    custos_verify_totals(v, &t);
    json_t *items = json_items(v), *totals = json_totals(v, &t), *bad = json_damage(v);
    if (items == NULL || totals == NULL || bad == NULL) {
        json_decref(items);
        json_decref(totals);
        json_decref(bad);
        return CUSTOS_E_NOMEM;
    }
    double pi =
        t.reference_items ? 100.0 * (double)t.checked_items / (double)t.reference_items : 0.0;
    double pb =
        t.reference_bytes ? 100.0 * (double)t.checked_bytes / (double)t.reference_bytes : pi;
    char ewfv[64];
    snprintf(ewfv, sizeof(ewfv), "%s", libewf_get_version());
    json_t *sig = json_signature(v), *sample = json_sample(v);
    json_t *part = v->opt.parts
                       ? json_pack("{s:i, s:i}", "n", (int)v->opt.part, "t", (int)v->opt.parts)
                       : json_null();
    json_t *image = json_image(v, &bad), *container, *restore;
    json_container_restore(v, &container, &restore);
    json_t *doc = json_pack(
        "{s:s, s:i, s:{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s}},"
        " s:{s:s, s:s, s:s, s:o}, s:{s:s, s:s, s:s},"
        " s:s, s:o, s:o, s:o, s:i, s:s, s:f, s:I, s:f,"
        " s:{s:I, s:I, s:I, s:I, s:f, s:f}, s:o, s:o, s:o, s:o,"
        " s:s, s:s, s:o}",
        "format", CUSTOS_VERIFY_REPORT_FORMAT, "version", CUSTOS_VERIFY_REPORT_VERSION, "tool",
        "name", "custos-verify", "version", custos_version(), "libraries", "libarchive",
        archive_version_string(), "libewf", ewfv, "openssl", OpenSSL_version(OPENSSL_VERSION),
        "jansson", JANSSON_VERSION, "tsk", tsk_version_get_str(), "reference", "path", "", "kind",
        ref_kind_name(v->kind), "sha256", v->ref_sha256, "signature", sig, "target", "path", "",
        "kind", target_kind_name(v->target_kind), "format", v->target_format, "level",
        custos_verify_level_name(v->opt.level), "digests", json_digests(v), "sample", sample,
        "part", part, "rechecked", (int)v->opt.nrecheck, "started", v->started, "seconds",
        v->seconds, "bytes_read", (json_int_t)v->bytes_read, "bytes_per_second",
        v->seconds > 0 ? (double)v->bytes_read / v->seconds : 0.0, "coverage", "items_checked",
        (json_int_t)t.checked_items, "items_total", (json_int_t)t.reference_items, "bytes_checked",
        (json_int_t)t.checked_bytes, "bytes_total", (json_int_t)t.reference_bytes, "percent_items",
        pi, "percent_bytes", pb, "totals", totals, "container", container, "image", image,
        "restore", restore, "result", result_name(v->status), "summary", "", "items", items);
    json_decref(bad);
    if (doc == NULL)
        return CUSTOS_E_NOMEM;
    /* The result key every custos JSON report shares (custos_status_name). */
    json_object_set_new(doc, "status", json_string(custos_status_name(v->status)));
    /* Paths and text that may not be UTF-8, which json_pack's "s" refuses. */
    if (custos__json_set_names(json_object_get(doc, "reference"), "path", v->ref_path) != 0 ||
        custos__json_set_names(json_object_get(doc, "target"), "path",
                               v->target_path ? v->target_path : "") != 0 ||
        json_object_set_new(doc, "summary", custos__json_text(v->summary)) != 0) {
        json_decref(doc);
        return CUSTOS_E_NOMEM;
    }
    json_object_set_new(doc, "warnings", json_warnings(v));
    *json = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    return *json ? CUSTOS_OK : CUSTOS_E_NOMEM;
}

int
custos_verify_failed_names(const char *report_path, char ***names, size_t *count,
                           struct custos_error *err)
{
    *names = NULL;
    *count = 0;
    json_error_t je;
    json_t *r = json_load_file(report_path, 0, &je);
    if (r == NULL)
        return custos_error_set(err, je.line < 0 ? CUSTOS_E_IO : CUSTOS_E_CORRUPT, 0, report_path,
                                "cannot read the report: %s", je.text);
    const char *fmt = json_string_value(json_object_get(r, "format"));
    json_t *items = json_object_get(r, "items");
    if (fmt == NULL || strcmp(fmt, CUSTOS_VERIFY_REPORT_FORMAT) != 0 || !json_is_array(items)) {
        json_decref(r);
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, report_path,
                                "not a custos verify report");
    }
    char **out = calloc(json_array_size(items) + 1, sizeof(char *));
    size_t n = 0;
    int rc = out ? CUSTOS_OK : CUSTOS_E_NOMEM;
    for (size_t i = 0; rc == CUSTOS_OK && i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        const char *cls = json_string_value(json_object_get(it, "class"));
        /* name_base64 first: the exact bytes of a name that is not UTF-8. */
        char *name = NULL;
        size_t len;
        if (cls == NULL || custos__json_get_name(it, "name", &name, &len) != 0) {
            free(name);
            rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, report_path,
                                  "items[%zu]: name or class missing or malformed", i);
            break;
        }
        if (strcmp(cls, "changed") && strcmp(cls, "missing") && strcmp(cls, "moved") &&
            strcmp(cls, "unreadable")) {
            free(name);
            continue;
        }
        out[n++] = name;
    }
    json_decref(r);
    if (rc != CUSTOS_OK) {
        custos_verify_names_free(out, n);
        if (rc == CUSTOS_E_NOMEM)
            custos_error_set(err, rc, 0, report_path, "out of memory");
        return rc;
    }
    *names = out;
    *count = n;
    return CUSTOS_OK;
}

void
custos_verify_names_free(char **names, size_t count)
{
    if (names == NULL)
        return;
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}
