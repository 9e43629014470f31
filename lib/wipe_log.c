/* SPDX-License-Identifier: ISC */
/*
 * wipe_log.c: the wipe log (docs/formats/wipe-log.md) as JSON: the target as
 * wipe_target.c identified it, the options, and the result of the pass
 * (wipe_pass.c), with the notes a reader of the log needs.
 */
#include "custos/wipe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "custos/custos.h"
#include "json_name_private.h"

static json_t *
str_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? custos__json_text(s) : json_null();
}

static json_t *
tristate(int v)
{
    return v < 0 ? json_null() : json_boolean(v);
}

static void
hex(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static const char *
confirm_basis_name(enum custos_wipe_confirm_basis b)
{
    switch (b) {
    case CUSTOS_WIPE_CONFIRM_SERIAL:
        return "serial";
    case CUSTOS_WIPE_CONFIRM_DEVICE_NAME:
        return "device-name";
    case CUSTOS_WIPE_CONFIRM_PATH:
        return "path";
    }
    return "unknown";
}

static json_t *
target_json(const struct custos_wipe_target *t)
{
    json_t *o = json_object();
    custos__json_set_names(o, "path", t->path); /* path_base64 beside it when not UTF-8 */
    json_object_set_new(o, "kind", json_string(custos_wipe_kind_name(t->kind)));
    json_object_set_new(o, "size_bytes", json_integer((json_int_t)t->size_bytes));
    json_object_set_new(o, "logical_sector_bytes", json_integer(t->logical_sector_bytes));
    json_object_set_new(o, "physical_sector_bytes", json_integer(t->physical_sector_bytes));
    json_object_set_new(o, "device", str_or_null(t->device));
    json_object_set_new(o, "model", str_or_null(t->model));
    json_object_set_new(o, "serial", str_or_null(t->serial));
    json_object_set_new(o, "udev_id_serial", str_or_null(t->serial_long));
    json_object_set_new(o, "partition", json_boolean(t->is_partition));
    json_object_set_new(o, "rotational",
                        t->kind == CUSTOS_WIPE_FILE ? json_null() : tristate(t->rotational));
    json_object_set_new(o, "removable",
                        t->kind == CUSTOS_WIPE_FILE ? json_null() : tristate(t->removable));
    json_object_set_new(o, "loop_backing_file", str_or_null(t->loop_backing));
    json_object_set_new(o, "confirmed_by", json_string(confirm_basis_name(t->confirm_basis)));
    return o;
}

static json_t *
notes_json(const struct custos_wipe_target *t, const struct custos_wipe_options *o,
           const struct custos_wipe_result *res)
{
    json_t *a = json_array();
    if (t->kind == CUSTOS_WIPE_FILE)
        json_array_append_new(a, json_string("logical overwrite of one file: not media "
                                             "sanitisation (file system copies, journals, "
                                             "snapshots and the medium's spare blocks are not "
                                             "reached)"));
    else if (t->loop_backing[0] != '\0')
        json_array_append_new(a, json_string("loop device: the overwrite reached its backing "
                                             "file only; not media sanitisation"));
    else if (t->rotational != 1)
        json_array_append_new(a, json_string("flash or unknown media: an overwrite is at most "
                                             "NIST SP 800-88 Clear; it may not reach remapped "
                                             "or over-provisioned blocks; Purge needs a "
                                             "firmware sanitize or crypto erase, or destroy "
                                             "the medium"));
    else
        json_array_append_new(a, json_string("magnetic disk: one verified overwrite pass is "
                                             "NIST SP 800-88 Clear, not Purge"));
    if (t->kind == CUSTOS_WIPE_BLOCK)
        json_array_append_new(a, json_string("hidden areas (HPA, DCO, AMA) and remapped sectors "
                                             "were not examined and are not covered"));
    if (t->is_partition)
        json_array_append_new(a, json_string("only one partition was overwritten, not the "
                                             "whole disk"));
    if (o->verify_only)
        json_array_append_new(a, json_string("verify-only run: this run wrote nothing; it "
                                             "checked the target against the pattern"));
    if (o->verify == CUSTOS_WIPE_VERIFY_SAMPLE)
        json_array_append_new(a, json_string("verification by NIST SP 800-88 sampling: bytes "
                                             "outside the samples were not read back"));
    if (!res->passed)
        json_array_append_new(a, json_string("FAILED: the medium cannot be taken as wiped; "
                                             "wipe again or destroy it"));
    return a;
}

int
custos_wipe_log_json(const struct custos_wipe_target *t, const struct custos_wipe_options *o,
                     const struct custos_wipe_result *res, const struct custos_wipe_log_meta *meta,
                     char **json, struct custos_error *err)
{
    char seedhex[2 * CUSTOS_WIPE_SEED_SIZE + 1], host[256] = "";
    gethostname(host, sizeof(host) - 1);
    json_t *doc = json_object();
    json_object_set_new(doc, "format", json_string(CUSTOS_WIPE_LOG_FORMAT));
    json_t *tool = json_object();
    json_object_set_new(tool, "name", str_or_null(meta->tool));
    json_object_set_new(tool, "version", json_string(custos_version()));
    json_object_set_new(tool, "command_line", str_or_null(meta->command_line));
    json_object_set_new(doc, "tool", tool);
    json_object_set_new(doc, "host", str_or_null(host));
    json_t *op = json_object();
    json_object_set_new(op, "name", str_or_null(meta->operator_name));
    json_object_set_new(op, "role", str_or_null(meta->operator_role));
    json_object_set_new(op, "key_fingerprint", str_or_null(meta->operator_fingerprint));
    json_object_set_new(doc, "operator", op);
    json_object_set_new(doc, "target", target_json(t));

    json_t *pat = json_object();
    json_object_set_new(pat, "name", json_string(custos_wipe_pattern_name(o->pattern)));
    if (o->pattern == CUSTOS_WIPE_AES_CTR) {
        hex(o->seed, CUSTOS_WIPE_SEED_SIZE, seedhex);
        json_object_set_new(pat, "key", json_string(seedhex));
        json_object_set_new(pat, "iv", json_string("00000000000000000000000000000000"));
    }
    json_object_set_new(doc, "pattern", pat);

    json_t *pass = json_null();
    if (res->written) {
        pass = json_object();
        json_object_set_new(pass, "started", json_string(res->write_started));
        json_object_set_new(pass, "finished", json_string(res->write_finished));
        json_object_set_new(pass, "seconds", json_real(res->write_seconds));
        json_object_set_new(pass, "bytes_written", json_integer((json_int_t)res->bytes_written));
        json_object_set_new(pass, "write_errors", json_integer((json_int_t)res->write_errors));
        json_object_set_new(pass, "direct_io", json_boolean(res->direct_write));
        json_object_set_new(
            pass, "flush", json_string(t->kind == CUSTOS_WIPE_BLOCK ? "fsync+blkflsbuf" : "fsync"));
        json_object_set_new(pass, "flush_ok", json_boolean(res->flush_ok));
        json_object_set_new(pass, "flush_error",
                            res->flush_ok ? json_null() : json_string(strerror(res->flush_errno)));
    }
    json_object_set_new(doc, "pass", pass);

    json_t *v = json_object();
    json_object_set_new(v, "method", json_string(custos_wipe_verify_name(o->verify)));
    json_object_set_new(v, "started", str_or_null(res->verify_started));
    json_object_set_new(v, "finished", str_or_null(res->verify_finished));
    json_object_set_new(v, "seconds", json_real(res->verify_seconds));
    json_object_set_new(v, "cache_bypass", str_or_null(res->cache_bypass));
    json_object_set_new(v, "bytes_verified", json_integer((json_int_t)res->bytes_verified));
    json_object_set_new(v, "read_errors", json_integer((json_int_t)res->read_errors));
    json_object_set_new(v, "mismatched_bytes", json_integer((json_int_t)res->mismatched_bytes));
    if (o->verify == CUSTOS_WIPE_VERIFY_SAMPLE) {
        json_t *s = json_object();
        hex(o->sample_seed, CUSTOS_WIPE_SEED_SIZE, seedhex);
        json_object_set_new(s, "seed", json_string(seedhex));
        json_object_set_new(s, "subsections", json_integer(o->subsections));
        json_object_set_new(s, "samples_per_subsection", json_integer(2));
        json_object_set_new(s, "sample_permille", json_integer(CUSTOS_WIPE_SAMPLE_PERMILLE));
        json_object_set_new(s, "unit_bytes", json_integer(res->sample_unit));
        json_object_set_new(s, "regions", json_integer((json_int_t)res->regions_planned));
        json_object_set_new(s, "plan_sha256", json_string(res->plan_sha256));
        json_object_set_new(v, "sampling", s);
    } else {
        json_object_set_new(v, "sampling", json_null());
    }
    json_object_set_new(doc, "verification", v);

    json_t *bad = json_array();
    for (size_t i = 0; i < res->nbad; i++) {
        json_t *b = json_object();
        json_object_set_new(b, "kind", json_string(res->bad[i].kind));
        json_object_set_new(b, "offset", json_integer((json_int_t)res->bad[i].offset));
        json_object_set_new(b, "length", json_integer((json_int_t)res->bad[i].length));
        json_object_set_new(b, "error",
                            res->bad[i].sys_errno != 0
                                ? json_string(strerror(res->bad[i].sys_errno))
                                : json_null());
        json_array_append_new(bad, b);
    }
    json_object_set_new(doc, "error_regions", bad);
    json_object_set_new(doc, "error_regions_total", json_integer((json_int_t)res->bad_total));
    json_object_set_new(doc, "result", json_string(res->passed ? "PASSED" : "FAILED"));
    json_object_set_new(doc, "nist_category",
                        json_string(res->passed ? custos_wipe_category(t) : "none"));
    json_object_set_new(doc, "notes", notes_json(t, o, res));

    char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (s == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    size_t n = strlen(s);
    char *withnl = realloc(s, n + 2);
    if (withnl == NULL) {
        free(s);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    withnl[n] = '\n';
    withnl[n + 1] = '\0';
    *json = withnl;
    return CUSTOS_OK;
}
