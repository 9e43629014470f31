/* SPDX-License-Identifier: ISC */
/*
 * record.c: the acquisition record, the JSON file published beside every
 * image (docs/formats/acquisition-record.md).
 *
 * The record is what a court reads: who acquired what, under which
 * authorisation, from which device, when, with which result. It is written
 * once, with the image, and never rewritten; fields are in a fixed order so
 * two records can be compared with diff.
 */
#include "acquire_private.h"
#include "acquire_resume_private.h"
#include "badsector_map_private.h"

#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <jansson.h>
#include <libewf.h>
#include <openssl/crypto.h>
#include <zlib.h>

#include "custos/custos.h"
#include "fsutil_private.h"
#include "text_private.h"

/*
 * Text custos did not choose (paths, sysfs model and serial, host names) may
 * hold bytes that are not UTF-8, which JSON cannot carry and jansson would
 * refuse. Then every byte outside ASCII, and the backslash, is written as the
 * four characters \xNN, so nothing is lost or silently dropped
 * (docs/formats/acquisition-record.md).
 */
static json_t *
text(const char *s)
{
    if (s == NULL || s[0] == '\0')
        return json_null();
    json_t *j = json_string(s);
    if (j != NULL)
        return j;
    char *buf = custos__text_ascii_hex(s);
    if (buf == NULL)
        return NULL;
    j = json_string(buf);
    free(buf);
    return j;
}

#define str_or_null text

/* Sets o[k] = v, remembering any failure (a NULL v, out of memory) in *ok. */
static void
put(json_t *o, const char *k, json_t *v, int *ok)
{
    if (v == NULL || o == NULL || json_object_set_new(o, k, v) != 0)
        *ok = 0;
}

static void
append(json_t *a, json_t *v, int *ok)
{
    if (v == NULL || a == NULL || json_array_append_new(a, v) != 0)
        *ok = 0;
}

static json_t *
hex(const uint8_t *b, size_t n)
{
    char h[2 * CUSTOS_DIGEST_MAX_SIZE + 1];
    custos_hex_encode(b, n, h);
    return json_string(h);
}

static json_t *
digests(const struct custos_digest_result *r, int *ok)
{
    json_t *o = json_object();
    static const unsigned order[] = {CUSTOS_DIGEST_MD5, CUSTOS_DIGEST_SHA1, CUSTOS_DIGEST_SHA256};
    for (int i = 0; i < 3; i++)
        if (r->algs & order[i])
            put(o, custos_digest_name(order[i]),
                hex(custos_digest_bytes(r, order[i]), custos_digest_size(order[i])), ok);
    return o;
}

static json_t *
tool_section(void)
{
    char zlib[32];
    snprintf(zlib, sizeof(zlib), "%s", zlibVersion());
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "name", "custos-acquire", "version",
                     custos_version(), "libraries", "libewf", libewf_get_version(), "openssl",
                     OpenSSL_version(OPENSSL_VERSION), "zlib", zlib, "jansson", JANSSON_VERSION);
}

static json_t *
host_section(int *ok)
{
    char name[256] = "";
    struct utsname u;
    gethostname(name, sizeof(name) - 1);
    json_t *h = json_object();
    put(h, "hostname", str_or_null(name), ok);
    if (uname(&u) == 0) {
        put(h, "os", json_string(u.sysname), ok);
        put(h, "os_release", json_string(u.release), ok);
        put(h, "machine", json_string(u.machine), ok);
    }
    struct passwd pw, *res = NULL;
    char buf[1024];
    if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
        put(h, "user", text(pw.pw_name), ok);
    /* Documented: under sudo, the account that ran sudo is who acquired. */
    put(h, "sudo_user", text(getenv("SUDO_USER")), ok);
    put(h, "uid", json_integer((json_int_t)getuid()), ok);
    return h;
}

static json_t *
source_section(const struct custos_acquisition *a, int *ok)
{
    const struct custos_source_info *s = &a->source;
    json_t *o = json_object();
    char real[PATH_MAX];
    put(o, "path", text(a->source_path), ok);
    put(o, "absolute_path",
        s->kind != CUSTOS_SOURCE_STREAM && realpath(a->source_path, real) ? text(real)
                                                                          : json_null(),
        ok);
    put(o, "kind", json_string(custos_source_kind_name(s->kind)), ok);
    put(o, "size_bytes", json_integer((json_int_t)a->bytes), ok);
    put(o, "size_known_in_advance", json_boolean(s->size_known), ok);
    put(o, "logical_sector_bytes", json_integer(s->logical_sector_bytes), ok);
    put(o, "physical_sector_bytes", json_integer(s->physical_sector_bytes), ok);
    if (s->kind == CUSTOS_SOURCE_BLOCK) {
        put(o, "device", str_or_null(s->device), ok);
        put(o, "model", str_or_null(s->model), ok);
        put(o, "serial", str_or_null(s->serial), ok);
        put(o, "read_only", json_boolean(s->read_only), ok);
        put(o, "mounted", json_boolean(s->mounted), ok);
        put(o, "mounted_read_write", json_boolean(s->mounted_rw), ok);
        put(o, "mount_point", str_or_null(s->mount_point), ok);
    }
    put(o, "media_type", json_string(custos_media_type_name(a->media_type)), ok);
    put(o, "media_type_from", json_string(a->media_from), ok);
    if (s->kind == CUSTOS_SOURCE_SPLIT_RAW || s->kind == CUSTOS_SOURCE_EWF)
        put(o, "segments", json_integer(s->segment_count), ok);
    if (s->kind == CUSTOS_SOURCE_EWF) {
        put(o, "stored_digests", digests(&s->stored, ok), ok);
        put(o, "media_physical", json_boolean(s->media_physical), ok);
        put(o, "stored_digests_match",
            a->stored_match < 0 ? json_null() : json_boolean(a->stored_match), ok);
    }
    return o;
}

static json_t *
case_section(const struct custos_acquire_options *o, int *ok)
{
    json_t *c = json_object();
    put(c, "case_number", str_or_null(o->case_number), ok);
    put(c, "evidence_number", str_or_null(o->evidence_number), ok);
    put(c, "examiner", str_or_null(o->examiner), ok);
    put(c, "description", str_or_null(o->description), ok);
    put(c, "notes", str_or_null(o->notes), ok);
    json_t *auth = json_object();
    put(auth, "reference", str_or_null(o->authorisation), ok);
    put(auth, "acquired_without", json_boolean(o->no_authorisation), ok);
    put(c, "authorisation", auth, ok);
    return c;
}

static json_t *
errors_section(const struct custos_acquisition *a, int *ok)
{
    json_t *e = json_object();
    uint64_t total = 0;
    json_t *ranges = json_array();
    for (size_t i = 0; i < a->nbad; i++) {
        const struct custos_bad_range *b = &a->bad[i];
        total += b->sector_count;
        uint64_t off = b->first_sector * a->sector_bytes;
        uint64_t len = b->sector_count * a->sector_bytes;
        if (off + len > a->bytes) /* a partial last sector */
            len = a->bytes - off;
        append(ranges,
               json_pack("{s:I, s:I, s:I, s:I, s:o}", "first_sector", (json_int_t)b->first_sector,
                         "sector_count", (json_int_t)b->sector_count, "offset_bytes",
                         (json_int_t)off, "length_bytes", (json_int_t)len, "files",
                         custos__badmap_range_json(a->badmap, i)),
               ok);
    }
    put(e, "sector_bytes", json_integer(a->sector_bytes), ok);
    put(e, "retries_per_read", json_integer(a->opt->retries), ok);
    put(e, "failed_reads_retried", json_integer(a->read_retries_used), ok);
    put(e, "unreadable_sectors", json_integer((json_int_t)total), ok);
    put(e, "unreadable_ranges", ranges, ok);
    if (a->badmap != NULL) /* only with unreadable ranges */
        put(e, "file_map", custos__badmap_json(a->badmap), ok);
    put(e, "fill", json_string("zeros"), ok);
    return e;
}

/* The image of copy c: its format and its files as published. */
static json_t *
output_section(const struct custos__copy *c, int *ok)
{
    const struct custos_acquire_options *o = &c->opt;
    json_t *out = json_object();
    put(out, "format", json_string(o->format == CUSTOS_IMAGE_EWF ? "e01" : "raw"), ok);
    if (o->format == CUSTOS_IMAGE_EWF) {
        put(out, "ewf_format", json_string("encase6"), ok);
        put(out, "compression", json_string(custos_compression_name(o->compression)), ok);
        put(out, "sectors_per_chunk", json_integer(64), ok);
    }
    uint64_t seg = o->segment_bytes;
    if (seg == 0 && o->format == CUSTOS_IMAGE_EWF)
        seg = CUSTOS_ACQUIRE_DEFAULT_EWF_SEGMENT;
    put(out, "segment_bytes", seg ? json_integer((json_int_t)seg) : json_null(), ok);
    json_t *files = json_array();
    for (size_t i = 0; c->status == CUSTOS_OK && i < c->nfiles; i++)
        append(files,
               json_pack("{s:o, s:o, s:I, s:o}", "name", text(custos__basename(c->files[i].path)),
                         "path", text(c->files[i].path), "size_bytes",
                         (json_int_t)c->files[i].size_bytes, "sha256", hex(c->files[i].sha256, 32)),
               ok);
    put(out, "files", files, ok);
    return out;
}

/* The re-read of copy c's image after writing. */
static json_t *
verification_section(const struct custos__copy *c, int *ok)
{
    const struct custos_acquire_options *o = &c->opt;
    json_t *v = json_object();
    put(v, "performed", json_boolean(o->verify), ok);
    /* A failed image was re-read and differed (MISMATCH), or never re-read. */
    put(v, "result",
        json_string(c->verified                      ? "match"
                    : c->status == CUSTOS_E_MISMATCH ? "mismatch"
                                                     : "not-verified"),
        ok);
    if (c->verified) {
        put(v, "method",
            json_string(o->format == CUSTOS_IMAGE_EWF ? "re-read through libewf"
                                                      : "re-read of the image files"),
            ok);
        put(v, "digests", digests(&c->verify_digests, ok), ok);
        put(v, "seconds", json_real(c->verify_seconds), ok);
    }
    return v;
}

/* Every image the run wrote, or tried to: only with two or more. */
static json_t *
copies_section(const struct custos_acquisition *a, int *ok)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < a->ncopies; i++) {
        const struct custos__copy *c = &a->copies[i];
        json_t *o = json_object();
        put(o, "output", text(c->opt.output), ok);
        put(o, "format", json_string(c->opt.format == CUSTOS_IMAGE_EWF ? "e01" : "raw"), ok);
        put(o, "result",
            json_string(c->status != CUSTOS_OK ? "failed"
                        : c->verified          ? "verified"
                                               : "written"),
            ok);
        put(o, "error", c->status != CUSTOS_OK ? text(c->err.message) : json_null(), ok);
        put(o, "record", c->status == CUSTOS_OK ? text(c->names.record) : json_null(), ok);
        put(o, "image", output_section(c, ok), ok);
        put(o, "verification", verification_section(c, ok), ok);
        append(arr, o, ok);
    }
    return arr;
}

int
custos__record_build(const struct custos_acquisition *a, const struct custos__copy *c, char **json,
                     struct custos_error *err)
{
    const struct custos_acquire_options *o = a->opt;
    int all_set = 1, *ok = &all_set;
    json_t *r = json_object();
    put(r, "format", json_string(CUSTOS_RECORD_FORMAT), ok);
    put(r, "version", json_integer(CUSTOS_RECORD_VERSION), ok);
    put(r, "status", json_string(a->nbad ? "complete-with-read-errors" : "complete"), ok);
    put(r, "tool", tool_section(), ok);
    put(r, "command_line", str_or_null(o->command_line), ok);
    put(r, "host", host_section(ok), ok);
    put(r, "case", case_section(o, ok), ok);
    put(r, "source", source_section(a, ok), ok);
    put(r, "started", json_string(a->started), ok);
    put(r, "finished", json_string(a->finished), ok);
    put(r, "seconds", json_real(a->seconds), ok);
    put(r, "interruptions", custos__resume_record_json(a->resume), ok);
    put(r, "bytes", json_integer((json_int_t)a->bytes), ok);
    put(r, "digests", digests(&a->digests, ok), ok);
    json_t *pw = json_object();
    put(pw, "algorithm", json_string(CUSTOS_DIGEST_NAME_SHA256), ok);
    put(pw, "window_bytes", json_integer((json_int_t)o->window_bytes), ok);
    json_t *wins = json_array();
    for (size_t i = 0; i < a->nwindows; i++)
        append(wins,
               json_pack("{s:I, s:I, s:o}", "offset_bytes", (json_int_t)a->windows[i].offset,
                         "length_bytes", (json_int_t)a->windows[i].length, "sha256",
                         hex(a->windows[i].sha256, 32)),
               ok);
    put(pw, "windows", wins, ok);
    put(r, "piecewise", o->window_bytes ? pw : (json_decref(pw), json_null()), ok);
    put(r, "read_errors", errors_section(a, ok), ok);
    /* The image beside this record, as records have always had it; copies lists all. */
    put(r, "output", output_section(c, ok), ok);
    put(r, "verification", verification_section(c, ok), ok);
    if (a->ncopies > 1)
        put(r, "copies", copies_section(a, ok), ok);

    /* A record missing a member is worse than none: it would pass checks
     * that loop over what is there. */
    char *dump = all_set
                     ? json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6))
                     : NULL;
    json_decref(r);
    if (dump == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, a->record_path,
                                "cannot build the record (out of memory)");
    size_t n = strlen(dump);
    *json = malloc(n + 2);
    if (*json == NULL) {
        free(dump);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    memcpy(*json, dump, n);
    (*json)[n] = '\n';
    (*json)[n + 1] = '\0';
    free(dump);
    return CUSTOS_OK;
}
