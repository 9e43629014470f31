/* SPDX-License-Identifier: ISC */
/*
 * custody_load.c: custos_custody_load, a verified ledger read into its
 * custody model.
 *
 * custos_ledger_verify_each() reads the file once and shows each entry,
 * parsed and checked by the ledger's own replay, to take_entry(), which
 * keeps its line and gives it to the model (custody.c): no second parse,
 * and the model describes exactly the bytes that verified even if the file
 * grows (or is swapped) meanwhile. The model is kept only when the verdict
 * at the end allows it; then custody_report.c words each event once.
 * Dependencies run one way: this file uses custody.c and custody_report.c;
 * the report reads the model, and the model calls neither.
 *
 * Invariant: a model exists only for a ledger whose verification status is
 * CUSTOS_OK or CUSTOS_E_INCOMPLETE (late signatures owed).
 */
#include "custos/custody.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "custos/digest.h"
#include "custody_private.h"
#include "readfile_private.h" /* custos__read_small_file */

/* The model under construction while verification shows it the entries. */
struct loader {
    struct custos_custody *m;
    size_t cap_events, cap_bytes;
    const char *path;
};

/* Each entry as verification replays it: its line joins the bytes, its event the model. */
static int
take_entry(void *ctx, const struct custos_ledger_entry *le, struct custos_error *err)
{
    struct loader *ld = ctx;
    struct custos_custody *m = ld->m;
    if (m->len + le->len + 2 > ld->cap_bytes) {
        size_t cap = ld->cap_bytes < 65536 ? 65536 : ld->cap_bytes;
        while (m->len + le->len + 2 > cap)
            cap *= 2;
        char *b = realloc(m->bytes, cap);
        if (b == NULL)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, ld->path, "out of memory");
        m->bytes = b;
        ld->cap_bytes = cap;
    }
    memcpy(m->bytes + m->len, le->line, le->len);
    m->len += le->len;
    m->bytes[m->len++] = '\n';
    m->bytes[m->len] = '\0';
    if (custos__custody_add(m, &ld->cap_events, le) != CUSTOS_OK)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, ld->path, "out of memory");
    return CUSTOS_OK;
}

/* Each event's sentence, written once here so that every rendering shows the same words. */
static int
write_sentences(struct custos_custody *m)
{
    for (size_t i = 0; i < m->nevents; i++)
        if ((m->events[i].text = custos__custody_sentence(m, &m->events[i])) == NULL)
            return CUSTOS_E_NOMEM;
    return CUSTOS_OK;
}

/* The model of an unverified ledger is not shown: the worst finding says why. */
static int
refuse(const struct custos_ledger_report *r, const char *path, struct custos_error *err)
{
    size_t worst = 0;
    for (size_t i = 0; i < r->nfindings; i++)
        if (r->findings[i].status == r->status) {
            worst = i;
            break;
        }
    return custos_error_set(err, r->status, 0, path,
                            "%s (%zu finding%s; custos-ledger verify lists them): the history "
                            "of an unverified ledger is not shown",
                            r->findings[worst].message, r->nfindings, r->nfindings == 1 ? "" : "s");
}

int
custos_custody_load(struct custos_custody **out, const char *path, const char *checkpoint,
                    const struct custos_progress *progress, struct custos_error *err)
{
    *out = NULL;
    struct custos_custody *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    m->closed = CUSTOS_CUSTODY_NONE;
    if ((m->path = strdup(path)) == NULL ||
        (checkpoint != NULL && (m->checkpoint = strdup(checkpoint)) == NULL)) {
        custos_custody_free(m);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    }
    /* One reading: the model is built from exactly the lines that verify. */
    struct loader ld = {m, 0, 0, path};
    int rc = custos_ledger_verify_each(path, &checkpoint, checkpoint != NULL, progress, take_entry,
                                       &ld, &m->report, err);
    const struct custos_ledger_report *r = m->report;
    if (r == NULL) {
        custos_custody_free(m);
        return rc;
    }
    if (r->status != CUSTOS_OK && r->status != CUSTOS_E_INCOMPLETE) {
        rc = refuse(r, path, err);
        custos_custody_free(m);
        return rc;
    }
    rc = CUSTOS_OK;
    if (m->nevents != r->entries)
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                              "%zu of the %" PRIu64 " verified entries were read", m->nevents,
                              r->entries);
    if (rc == CUSTOS_OK && checkpoint != NULL) {
        rc = custos__read_small_file(checkpoint, CUSTOS_NOTE_MAX, &m->checkpoint_text,
                                     &m->checkpoint_len, err);
        if (rc == CUSTOS_OK) {
            uint8_t h[32];
            EVP_Digest(m->checkpoint_text, m->checkpoint_len, h, NULL, EVP_sha256(), NULL);
            custos_hex_encode(h, 32, m->checkpoint_sha256);
        }
    }
    if (rc == CUSTOS_OK &&
        (custos__custody_finish(m) != CUSTOS_OK || write_sentences(m) != CUSTOS_OK))
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    if (rc != CUSTOS_OK) {
        custos_custody_free(m);
        return rc;
    }
    *out = m;
    return r->status;
}
