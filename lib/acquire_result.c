/* SPDX-License-Identifier: ISC */
/*
 * acquire_result.c: what an acquisition hands back (struct
 * custos_acquisition, filled by acquire.c): its accessors, and the fields of
 * the ledger entry that records it.
 */
#include "custos/acquire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acquire_private.h"
#include "acquire_resume_private.h"
#include "badsector_map_private.h"
#include "custos/custos.h"

const struct custos_digest_result *
custos_acquisition_digests(const struct custos_acquisition *a)
{
    return &a->digests;
}

uint64_t
custos_acquisition_bytes(const struct custos_acquisition *a)
{
    return a->bytes;
}

uint32_t
custos_acquisition_sector_bytes(const struct custos_acquisition *a)
{
    return a->sector_bytes;
}

const struct custos_bad_range *
custos_acquisition_bad_ranges(const struct custos_acquisition *a, size_t *count)
{
    *count = a->nbad;
    return a->bad;
}

int
custos_acquisition_verified(const struct custos_acquisition *a)
{
    return a->verified;
}

const char *
custos_acquisition_record_path(const struct custos_acquisition *a)
{
    return a->record_path;
}

const char *
custos_acquisition_signature_path(const struct custos_acquisition *a)
{
    return a->sig_path;
}

const char *const *
custos_acquisition_files(const struct custos_acquisition *a, size_t *count)
{
    *count = a->nfile_paths;
    return a->file_paths;
}

const char *
custos_acquisition_record_json(const struct custos_acquisition *a)
{
    return a->record_json;
}

double
custos_acquisition_seconds(const struct custos_acquisition *a)
{
    return a->seconds;
}

const struct custos_acquisition_output *
custos_acquisition_outputs(const struct custos_acquisition *a, size_t *count)
{
    *count = a->outputs != NULL ? a->ncopies : 0;
    return a->outputs;
}

void
custos_acquisition_free(struct custos_acquisition *a)
{
    if (a == NULL)
        return;
    custos__outputs_free(a->copies, a->ncopies); /* a->files and the paths are theirs */
    /* After the staging directory, removed under its lock; it holds a resumed run's options,
     * which a->outputs borrow. */
    custos__resume_free(a->resume);
    free(a->outputs);
    free(a->file_paths);
    free(a->windows);
    free(a->bad);
    custos__badmap_free(a->badmap);
    free(a->source_path);
    free(a);
}

int
custos_acquisition_ledger_fields(const struct custos_acquisition *a, const char *item, char **json,
                                 struct custos_error *err)
{
    *json = NULL;
    if (item == NULL || item[0] == '\0')
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "the ledger entry needs the evidence item's id");
    /* The record is hashed as written: its bytes are a->record_json. */
    struct custos_digest *d = NULL;
    struct custos_digest_result rec;
    if (custos_digest_new(&d, CUSTOS_DIGEST_SHA256, err) != CUSTOS_OK)
        return err->status;
    custos_digest_update(d, a->record_json, strlen(a->record_json));
    custos_digest_final(d, &rec);
    custos_digest_free(d);
    char hex[CUSTOS_DIGEST_HEX_MAX], tool[64];
    const char *path = custos_acquisition_record_path(a);
    const char *slash = strrchr(path, '/');
    snprintf(tool, sizeof(tool), "custos-acquire %s", custos_version());
    custos_digest_hex(&rec, CUSTOS_DIGEST_SHA256, hex);
    json_t *j = json_object();
    json_object_set_new(j, "item", json_string(item));
    json_object_set_new(j, "record", json_string(slash != NULL ? slash + 1 : path));
    json_object_set_new(j, "record_sha256", json_string(hex));
    static const struct {
        unsigned alg;
        const char *field;
    } digests[] = {{CUSTOS_DIGEST_SHA256, "image_sha256"},
                   {CUSTOS_DIGEST_MD5, "md5"},
                   {CUSTOS_DIGEST_SHA1, "sha1"}};
    for (size_t i = 0; i < sizeof(digests) / sizeof(digests[0]); i++)
        if (custos_digest_hex(custos_acquisition_digests(a), digests[i].alg, hex) == CUSTOS_OK)
            json_object_set_new(j, digests[i].field, json_string(hex));
    json_object_set_new(j, "size", json_integer((json_int_t)custos_acquisition_bytes(a)));
    json_object_set_new(j, "tool", json_string(tool));
    *json = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (*json == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    return CUSTOS_OK;
}
