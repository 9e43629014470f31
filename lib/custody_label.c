/* SPDX-License-Identifier: ISC */
/*
 * custody_label.c: the evidence-bag label as PDF (100 x 150 mm): item id,
 * case, description, seal number, the digests the ledger recorded for the
 * item, and a QR code carrying the ledger id, entry number and entry hash
 * of the item's seal entry (or its collect entry when it was not sealed),
 * so that whoever holds the bag can find and check the entry it was sealed
 * under.
 */
#include "custos/custody.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "custos/custos.h"
#include "custody_private.h"
#include "pdf_private.h"

#define MM     2.8346457f
#define LW     (100 * MM)
#define LH     (150 * MM)
#define MARGIN (6 * MM)

#define T(s) custos__tr(lang, (s))

/* The entry the label points at: the last seal entry of it, else its collect entry. */
static const struct custos_custody_event *
label_entry(const struct custos_custody *m, const struct custos_custody_item *it)
{
    const struct custos_custody_event *pick = NULL;
    for (size_t i = 0; i < it->nevents; i++) {
        const struct custos_custody_event *e = &m->events[it->events[i]];
        if (strcmp(e->action, "seal") == 0 || (pick == NULL && strcmp(e->action, "collect") == 0))
            pick = e;
    }
    return pick;
}

int
custos_custody_label_qr_text(const struct custos_custody *m, const char *item, char *buf,
                             size_t len)
{
    const struct custos_custody_item *it = custos_custody_item(m, item);
    const struct custos_custody_event *e = it != NULL ? label_entry(m, it) : NULL;
    if (e == NULL)
        return CUSTOS_E_USAGE;
    snprintf(buf, len, "custos-ledger %s entry %" PRIu64 " sha256 %s case %s item %s", m->ledger_id,
             e->seq, e->sha256, m->case_id, it->id);
    return CUSTOS_OK;
}

int
custos_custody_label_pdf(const struct custos_custody *m, const char *item, int lang,
                         const char *out, struct custos_error *err)
{
    if (custos__custody_lang_check(lang, m->path, err) != CUSTOS_OK)
        return CUSTOS_E_USAGE;
    const struct custos_custody_item *it = item != NULL ? custos_custody_item(m, item) : NULL;
    if (it == NULL)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, m->path, "no item %s in case %s",
                                item ? item : "(none given)", m->case_id);
    const struct custos_custody_event *le = label_entry(m, it);
    char qr_text[512];
    custos_custody_label_qr_text(m, item, qr_text, sizeof(qr_text));
    QRcode *qr = QRcode_encodeString(qr_text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (qr == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    struct custos__pdf p;
    int rc = custos__pdf_new(&p, err);
    if (rc != CUSTOS_OK) {
        QRcode_free(qr);
        return rc;
    }
    HPDF_Page pg = custos__pdf_page(&p, LW, LH);
    float y = LH - MARGIN, w = LW - 2 * MARGIN;
    char buf[4200];
    if (pg != NULL) {
        HPDF_Page_SetLineWidth(pg, 1.2f);
        HPDF_Page_Rectangle(pg, MARGIN / 2, MARGIN / 2, LW - MARGIN, LH - MARGIN);
        HPDF_Page_Stroke(pg);
        custos__pdf_text(&p, pg, 13, MARGIN, y - 13, T("EVIDENCE"));
        y -= 22;
        custos__pdf_text(&p, pg, 20, MARGIN, y - 20, it->id);
        y -= 28;
#define LINE(label, value, size)                                                                   \
    do {                                                                                           \
        snprintf(buf, sizeof(buf), "%s: %s", T(label), (value) != NULL ? (value) : "-");           \
        y -= (float)custos__pdf_wrap(&p, pg, size, MARGIN, y - size, w, size + 2.5f, 4, buf) *     \
             (size + 2.5f);                                                                        \
        y -= 2;                                                                                    \
    } while (0)
        LINE("Case", m->case_id, 9.0f);
        LINE("Description", it->description, 9.0f);
        char mms[2048];
        snprintf(mms, sizeof(mms), "%s / %s / %s", it->make ? it->make : "-",
                 it->model ? it->model : "-", it->serial ? it->serial : "-");
        LINE("Make / model / serial", mms, 9.0f);
        LINE("Seal", it->seal, 11.0f);
        snprintf(mms, sizeof(mms), "%s, %s", it->collected_time,
                 it->collected_at ? it->collected_at : "-");
        LINE("Collected", mms, 8.0f);
        /* the digests the ledger recorded for the item */
        for (size_t i = 0; i < it->nevents; i++) {
            const struct custos_custody_event *e = &m->events[it->events[i]];
            static const char *const acq[][2] = {
                {"image_sha256", "image SHA-256"}, {"md5", "image MD5"}, {"sha1", "image SHA-1"}};
            if (strcmp(e->action, "acquire") == 0) {
                for (size_t k = 0; k < 3; k++)
                    if (custos_custody_field(e, acq[k][0]))
                        LINE(acq[k][1], custos_custody_field(e, acq[k][0]), 6.5f);
            } else if (strcmp(e->action, "seal") == 0) {
                LINE("package SHA-256", custos_custody_field(e, "sha256"), 6.5f);
            }
        }
        snprintf(mms, sizeof(mms), "%s, %s %" PRIu64 " (%s)", m->ledger_id, T("entry"), le->seq,
                 le->action);
        LINE("Ledger", mms, 7.0f);
        LINE("Entry SHA-256", le->sha256, 6.5f);
#undef LINE
        /* the QR code, bottom centre, modules of at least 2 points */
        float mod = (w * 0.55f) / (float)qr->width;
        if (mod < 2)
            mod = 2;
        float side = mod * (float)qr->width, x0 = (LW - side) / 2, y0 = MARGIN + 4 + side;
        HPDF_Page_SetRGBFill(pg, 0, 0, 0);
        for (int yy = 0; yy < qr->width; yy++)
            for (int xx = 0; xx < qr->width; xx++)
                if (qr->data[yy * qr->width + xx] & 1)
                    HPDF_Page_Rectangle(pg, x0 + (float)xx * mod, y0 - (float)(yy + 1) * mod, mod,
                                        mod);
        HPDF_Page_Fill(pg);
    }
    rc = custos__pdf_save(&p, out, err);
    custos__pdf_free(&p);
    QRcode_free(qr);
    return rc;
}
