/* SPDX-License-Identifier: ISC */
/*
 * dispose_report.c: what a disposal's results say to others: the report as
 * JSON, the ledger's dispose entry for a proven item, and the status a
 * wipe pass ends with. The tools print these; they do not spell the fields.
 */
#include "dispose_private.h"

#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "custos/wipe.h"

int
custos_dispose_ledger_fields(const struct custos_dispose_report *r, size_t i, char **json,
                             struct custos_error *err)
{
    *json = NULL;
    if (i >= r->nitems || r->items[i].state != CUSTOS_DISPOSE_OK)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "custos_dispose_ledger_fields: item %zu is not proven", i);
    const struct custos_dispose_item_result *it = &r->items[i];
    char method[64];
    snprintf(method, sizeof(method), "%s (%s)", it->method, it->category);
    json_t *f = json_pack("{s:s,s:s,s:s,s:s}", "item", it->id, "method", method, "certificate",
                          r->certificate_id, "certificate_sha256", r->bundle_sha256);
    /* The witness to the destruction signed the certificate, not this entry
     * (they are seldom enrolled in the case): the entry names them so the
     * custody report can say who witnessed it. */
    if (f != NULL && r->signer_fp[2][0] != '\0') {
        json_object_set_new(f, "certificate_witness", json_string(r->signer_name[2]));
        json_object_set_new(f, "certificate_witness_key", json_string(r->signer_fp[2]));
    }
    *json = f != NULL ? json_dumps(f, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(f);
    return *json != NULL ? CUSTOS_OK : custos__dispose_nomem(err);
}

int
custos_dispose_report_json(const struct custos_dispose_report *r, const char *bundle,
                           size_t ledger_entries, char **json, struct custos_error *err)
{
    *json = NULL;
    json_t *items = json_array(), *fs = json_array(), *signers = json_array();
    for (size_t i = 0; i < r->nitems; i++) {
        const struct custos_dispose_item_result *it = &r->items[i];
        json_array_append_new(items,
                              json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:s}", "id", it->id,
                                        "serial", it->serial, "category", it->category, "method",
                                        it->method, "result", it->result, "time", it->time,
                                        "attachments", (json_int_t)it->attachments, "state",
                                        custos_dispose_state_name(it->state), "note", it->note));
    }
    for (size_t i = 0; i < r->nfindings; i++)
        json_array_append_new(fs, json_pack("{s:s,s:s}", "status",
                                            custos_status_name(r->findings[i].status), "message",
                                            r->findings[i].message));
    for (size_t i = 0; i < 3; i++)
        json_array_append_new(signers,
                              json_pack("{s:s,s:s,s:s}", "as", custos__dispose_roles[i], "name",
                                        r->signer_name[i], "key", r->signer_fp[i]));
    json_t *j = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:o,s:b,s:I,s:o,s:o,s:I,s:s}", "bundle", bundle, "certificate_id",
        r->certificate_id, "order_id", r->order_id, "bundle_sha256", r->bundle_sha256, "timestamp",
        r->timestamp, "signers", signers, "signatures_ok", r->signatures_ok, "attachments",
        (json_int_t)r->attachments, "items", items, "findings", fs, "ledger_entries",
        (json_int_t)ledger_entries, "status", custos_status_name(r->status));
    *json = j != NULL ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    return *json != NULL ? CUSTOS_OK : custos__dispose_nomem(err);
}

int
custos_dispose_wipe_status(const struct custos_wipe_result *r)
{
    if (r->passed)
        return CUSTOS_OK;
    return r->mismatched_bytes > 0 ? CUSTOS_E_MISMATCH : CUSTOS_E_INCOMPLETE;
}
