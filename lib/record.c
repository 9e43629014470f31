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

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <jansson.h>
#include <libewf.h>
#include <openssl/crypto.h>
#include <zlib.h>

#include "custos/custos.h"

static json_t *
str_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

static json_t *
hex(const uint8_t *b, size_t n)
{
    char h[2 * CUSTOS_DIGEST_MAX_SIZE + 1];
    custos_hex_encode(b, n, h);
    return json_string(h);
}

static json_t *
digests(const struct custos_digest_result *r)
{
    json_t *o = json_object();
    static const unsigned order[] = {CUSTOS_DIGEST_MD5, CUSTOS_DIGEST_SHA1, CUSTOS_DIGEST_SHA256};
    for (int i = 0; i < 3; i++)
        if (r->algs & order[i])
            json_object_set_new(o, custos_digest_name(order[i]),
                                hex(custos_digest_bytes(r, order[i]),
                                    custos_digest_size(order[i])));
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
host_section(void)
{
    char name[256] = "";
    struct utsname u;
    gethostname(name, sizeof(name) - 1);
    json_t *h = json_object();
    json_object_set_new(h, "hostname", str_or_null(name));
    if (uname(&u) == 0) {
        json_object_set_new(h, "os", json_string(u.sysname));
        json_object_set_new(h, "os_release", json_string(u.release));
        json_object_set_new(h, "machine", json_string(u.machine));
    }
    struct passwd pw, *res = NULL;
    char buf[1024];
    if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
        json_object_set_new(h, "user", json_string(pw.pw_name));
    json_object_set_new(h, "uid", json_integer((json_int_t)getuid()));
    return h;
}

static json_t *
source_section(const struct custos_acquisition *a)
{
    const struct custos_source_info *s = &a->source;
    json_t *o = json_object();
    json_object_set_new(o, "path", json_string(a->source_path));
    json_object_set_new(o, "kind", json_string(custos_source_kind_name(s->kind)));
    json_object_set_new(o, "size_bytes", json_integer((json_int_t)a->bytes));
    json_object_set_new(o, "size_known_in_advance", json_boolean(s->size_known));
    json_object_set_new(o, "logical_sector_bytes", json_integer(s->logical_sector_bytes));
    json_object_set_new(o, "physical_sector_bytes", json_integer(s->physical_sector_bytes));
    if (s->kind == CUSTOS_SOURCE_BLOCK) {
        json_object_set_new(o, "device", str_or_null(s->device));
        json_object_set_new(o, "model", str_or_null(s->model));
        json_object_set_new(o, "serial", str_or_null(s->serial));
        json_object_set_new(o, "read_only", json_boolean(s->read_only));
        json_object_set_new(o, "mounted", json_boolean(s->mounted));
        json_object_set_new(o, "mounted_read_write", json_boolean(s->mounted_rw));
        json_object_set_new(o, "mount_point", str_or_null(s->mount_point));
    }
    if (s->kind == CUSTOS_SOURCE_SPLIT_RAW || s->kind == CUSTOS_SOURCE_EWF)
        json_object_set_new(o, "segments", json_integer(s->segment_count));
    return o;
}

static json_t *
case_section(const struct custos_acquire_options *o)
{
    json_t *c = json_object();
    json_object_set_new(c, "case_number", str_or_null(o->case_number));
    json_object_set_new(c, "evidence_number", str_or_null(o->evidence_number));
    json_object_set_new(c, "examiner", str_or_null(o->examiner));
    json_object_set_new(c, "description", str_or_null(o->description));
    json_object_set_new(c, "notes", str_or_null(o->notes));
    json_t *auth = json_object();
    json_object_set_new(auth, "reference", str_or_null(o->authorisation));
    json_object_set_new(auth, "acquired_without", json_boolean(o->no_authorisation));
    json_object_set_new(c, "authorisation", auth);
    return c;
}

static json_t *
errors_section(const struct custos_acquisition *a)
{
    json_t *e = json_object();
    uint64_t total = 0;
    json_t *ranges = json_array();
    for (size_t i = 0; i < a->nbad; i++) {
        const struct custos_bad_range *b = &a->bad[i];
        total += b->sector_count;
        json_array_append_new(
            ranges, json_pack("{s:I, s:I, s:I, s:I}", "first_sector", (json_int_t)b->first_sector,
                              "sector_count", (json_int_t)b->sector_count, "offset_bytes",
                              (json_int_t)(b->first_sector * a->sector_bytes), "length_bytes",
                              (json_int_t)(b->sector_count * a->sector_bytes)));
    }
    json_object_set_new(e, "sector_bytes", json_integer(a->sector_bytes));
    json_object_set_new(e, "retries_per_read", json_integer(a->opt->retries));
    json_object_set_new(e, "failed_reads_retried", json_integer(a->read_retries_used));
    json_object_set_new(e, "unreadable_sectors", json_integer((json_int_t)total));
    json_object_set_new(e, "unreadable_ranges", ranges);
    json_object_set_new(e, "fill", json_string("zeros"));
    return e;
}

static json_t *
output_section(const struct custos_acquisition *a)
{
    const struct custos_acquire_options *o = a->opt;
    json_t *out = json_object();
    json_object_set_new(out, "format", json_string(o->format == CUSTOS_IMAGE_EWF ? "e01" : "raw"));
    if (o->format == CUSTOS_IMAGE_EWF) {
        json_object_set_new(out, "ewf_format", json_string("encase6"));
        json_object_set_new(out, "compression", json_string(custos_compression_name(o->compression)));
        json_object_set_new(out, "sectors_per_chunk", json_integer(64));
    }
    uint64_t seg = o->segment_bytes;
    if (seg == 0 && o->format == CUSTOS_IMAGE_EWF)
        seg = CUSTOS_ACQUIRE_DEFAULT_EWF_SEGMENT;
    json_object_set_new(out, "segment_bytes", seg ? json_integer((json_int_t)seg) : json_null());
    json_t *files = json_array();
    for (size_t i = 0; i < a->nfiles; i++)
        json_array_append_new(files, json_pack("{s:s, s:I, s:o}", "path", a->files[i].path,
                                               "size_bytes", (json_int_t)a->files[i].size_bytes,
                                               "sha256", hex(a->files[i].sha256, 32)));
    json_object_set_new(out, "files", files);
    return out;
}

int
custos__record_build(struct custos_acquisition *a, struct custos_error *err)
{
    const struct custos_acquire_options *o = a->opt;
    json_t *r = json_object();
    json_object_set_new(r, "format", json_string(CUSTOS_RECORD_FORMAT));
    json_object_set_new(r, "version", json_integer(CUSTOS_RECORD_VERSION));
    json_object_set_new(r, "status",
                        json_string(a->nbad ? "complete-with-read-errors" : "complete"));
    json_object_set_new(r, "tool", tool_section());
    json_object_set_new(r, "command_line", str_or_null(o->command_line));
    json_object_set_new(r, "host", host_section());
    json_object_set_new(r, "case", case_section(o));
    json_object_set_new(r, "source", source_section(a));
    json_object_set_new(r, "started", json_string(a->started));
    json_object_set_new(r, "finished", json_string(a->finished));
    json_object_set_new(r, "seconds", json_real(a->seconds));
    json_object_set_new(r, "bytes", json_integer((json_int_t)a->bytes));
    json_object_set_new(r, "digests", digests(&a->digests));
    json_t *pw = json_object();
    json_object_set_new(pw, "algorithm", json_string(CUSTOS_DIGEST_NAME_SHA256));
    json_object_set_new(pw, "window_bytes", json_integer((json_int_t)o->window_bytes));
    json_t *wins = json_array();
    for (size_t i = 0; i < a->nwindows; i++)
        json_array_append_new(wins, json_pack("{s:I, s:I, s:o}", "offset_bytes",
                                              (json_int_t)a->windows[i].offset, "length_bytes",
                                              (json_int_t)a->windows[i].length, "sha256",
                                              hex(a->windows[i].sha256, 32)));
    json_object_set_new(pw, "windows", wins);
    json_object_set_new(r, "piecewise", o->window_bytes ? pw : (json_decref(pw), json_null()));
    json_object_set_new(r, "read_errors", errors_section(a));
    json_object_set_new(r, "output", output_section(a));
    json_t *v = json_object();
    json_object_set_new(v, "performed", json_boolean(o->verify));
    json_object_set_new(v, "result", json_string(!o->verify ? "not-verified"
                                                 : a->verified ? "match" : "mismatch"));
    if (o->verify) {
        json_object_set_new(v, "method", json_string(o->format == CUSTOS_IMAGE_EWF
                                                         ? "re-read through libewf"
                                                         : "re-read of the image files"));
        json_object_set_new(v, "digests", digests(&a->verify_digests));
        json_object_set_new(v, "seconds", json_real(a->verify_seconds));
    }
    json_object_set_new(r, "verification", v);

    char *text = json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(r);
    if (text == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "cannot build the record");
    size_t n = strlen(text);
    a->record_json = malloc(n + 2);
    if (a->record_json == NULL) {
        free(text);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    memcpy(a->record_json, text, n);
    a->record_json[n] = '\n';
    a->record_json[n + 1] = '\0';
    free(text);
    return CUSTOS_OK;
}
