/* SPDX-License-Identifier: ISC */
/*
 * custody_pdf.c: the printable chain-of-custody form as PDF, one section per
 * item like the paper forms (DA Form 4137, the NIST sample form): a header
 * naming the case and the item, then a table whose columns are released by,
 * received by, date/time, purpose and signature. The rows already in the
 * ledger are pre-filled, each naming its entry and entry hash so that the
 * paper can be checked against the ledger; blank rows follow for the next
 * handovers, which are written by hand and then recorded in the ledger.
 */
#include "custos/custody.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custos/custos.h"
#include "custody_private.h"
#include "pdf_private.h"

#define W      842.0f /* A4 landscape, points */
#define H      595.0f
#define MARGIN 36.0f
#define FS     8.0f  /* table text size */
#define LH     10.0f /* table line height */
#define ROW_H  36.0f /* a row's least height: room for a handwritten signature */
#define BLANKS 5     /* blank rows at least, after the pre-filled ones */

/* Column left edges and widths: No., date/time, released, received, purpose, signature. */
static const float col_w[6] = {30, 110, 175, 175, 125, 155};

struct form {
    struct custos__pdf pdf;
    const struct custos_custody *m;
    int lang;
    HPDF_Page page;
    float y;
    const struct custos_custody_item **page_item; /* the item of each page */
};

#define T(s) custos__tr(f->lang, (s))

static void
table_head(struct form *f)
{
    static const char *const heads[6] = {"No.",         "Date / time", "Released by",
                                         "Received by", "Purpose",     "Signature"};
    float x = MARGIN, h = 16;
    HPDF_Page_SetRGBFill(f->page, 0.9f, 0.9f, 0.9f);
    HPDF_Page_Rectangle(f->page, MARGIN, f->y - h, W - 2 * MARGIN, h);
    HPDF_Page_FillStroke(f->page);
    HPDF_Page_SetRGBFill(f->page, 0, 0, 0);
    for (int i = 0; i < 6; i++) {
        custos__pdf_text(&f->pdf, f->page, 9, x + 3, f->y - 11, T(heads[i]));
        x += col_w[i];
    }
    f->y -= h;
}

static int
new_page(struct form *f, const struct custos_custody_item *it)
{
    f->page = custos__pdf_page(&f->pdf, W, H);
    if (f->page == NULL)
        return -1;
    const struct custos_custody_item **pi =
        realloc(f->page_item, f->pdf.npages * sizeof(*f->page_item));
    if (pi == NULL) {
        f->pdf.failed = 1;
        return -1;
    }
    f->page_item = pi;
    f->page_item[f->pdf.npages - 1] = it;
    HPDF_Page_SetLineWidth(f->page, 0.6f);
    f->y = H - MARGIN;
    return 0;
}

/* Draws one table row of cells (NULL: blank); a new page with the table head when it does not fit.
 */
static void
table_row(struct form *f, const struct custos_custody_item *it, const char *const cell[6])
{
    int lines = 1;
    for (int i = 0; i < 6; i++)
        if (cell[i] != NULL) {
            int n = custos__pdf_wrap(&f->pdf, NULL, FS, 0, 0, col_w[i] - 6, LH, 12, cell[i]);
            lines = n > lines ? n : lines;
        }
    float h = (float)lines * LH + 8;
    if (h < ROW_H)
        h = ROW_H;
    if (f->y - h < MARGIN + 24) {
        if (new_page(f, it) != 0)
            return;
        table_head(f);
    }
    float x = MARGIN;
    for (int i = 0; i < 6; i++) {
        HPDF_Page_Rectangle(f->page, x, f->y - h, col_w[i], h);
        x += col_w[i];
    }
    HPDF_Page_Stroke(f->page); /* the path ends before any text: libharu's graphics modes */
    x = MARGIN;
    for (int i = 0; i < 6; i++) {
        if (cell[i] != NULL)
            custos__pdf_wrap(&f->pdf, f->page, FS, x + 3, f->y - LH, col_w[i] - 6, LH, 12, cell[i]);
        x += col_w[i];
    }
    f->y -= h;
}

static void
kv(struct form *f, const char *k, const char *v)
{
    char buf[2048];
    snprintf(buf, sizeof(buf), "%s: %s", T(k), v != NULL && v[0] != '\0' ? v : "-");
    int n = custos__pdf_wrap(&f->pdf, f->page, 9, MARGIN, f->y - 10, W - 2 * MARGIN, 11, 4, buf);
    f->y -= (float)n * 11;
}

static void
item_section(struct form *f, const struct custos_custody_item *it, const char *generated)
{
    const struct custos_custody *m = f->m;
    char buf[2048], who_[512];
    if (new_page(f, it) != 0)
        return;
    custos__pdf_text(&f->pdf, f->page, 15, MARGIN, f->y - 15, T("CHAIN OF CUSTODY FORM"));
    custos__pdf_text(&f->pdf, f->page, 7, W - MARGIN - 230, f->y - 8,
                     T("all times UTC unless an offset is shown"));
    f->y -= 26;
    snprintf(buf, sizeof(buf), "%s   %s: %d   %s: %s", m->case_id, T("Incident level"), m->level,
             T("Authorisation"), m->authorisation);
    kv(f, "Case", buf);
    kv(f, "Item", it->id);
    kv(f, "Description", it->description);
    snprintf(buf, sizeof(buf), "%s / %s / %s", it->make ? it->make : "-",
             it->model ? it->model : "-", it->serial ? it->serial : "-");
    kv(f, "Make / model / serial", buf);
    kv(f, "Seal", it->seal);
    snprintf(buf, sizeof(buf), "%s, %s (%s %" PRIu64 ")", it->collected_time,
             it->collected_at ? it->collected_at : "-", T("entry"), it->collected);
    kv(f, "Collected", buf);
    if (it->disposed != CUSTOS_CUSTODY_NONE) {
        const struct custos_custody_event *e = &m->events[it->disposed];
        custos__custody_destruction_witness(who_, sizeof(who_), e, f->lang);
        snprintf(buf, sizeof(buf), "%s, %s (%s %" PRIu64 "): %s; %s %s; %s: %s", T("destroyed"),
                 e->time, T("entry"), e->seq, custos_custody_field(e, "method"), T("certificate"),
                 custos_custody_field(e, "certificate") ? custos_custody_field(e, "certificate")
                                                        : "-",
                 T("Witness to destruction"), who_);
    } else {
        snprintf(buf, sizeof(buf), "%s %s (%s %.16s)%s%s", T("none: held by"),
                 custos__custody_name(m, it->holder), T("key"), it->holder,
                 it->location ? ", " : "", it->location ? it->location : "");
    }
    kv(f, "Final disposal", buf);
    snprintf(buf, sizeof(buf), "%s (%" PRIu64 "), %s %s", m->ledger_id, m->report->entries,
             T("Ledger head"), m->report->head);
    kv(f, "Ledger", buf);
    snprintf(buf, sizeof(buf), "%s, custos %s", generated, custos_version());
    kv(f, "Generated", buf);
    f->y -= 4;
    custos__pdf_wrap(&f->pdf, f->page, 7, MARGIN, f->y - 8, W - 2 * MARGIN, 9, 2,
                     T("Pre-filled rows come from the ledger; each names its entry and the first "
                       "16 hex digits of the entry's SHA-256. Write the next handovers in the "
                       "blank rows and record them in the ledger."));
    f->y -= 24;
    table_head(f);
    size_t n;
    struct custos__custody_row *rows = custos__custody_rows(m, it, f->lang, &n);
    if (rows == NULL) {
        f->pdf.failed = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct custos__custody_row *r = &rows[i];
        char no[24], when[128], sig[256], purpose[1200];
        snprintf(no, sizeof(no), "%zu", i + 1);
        custos__custody_when(r->e, f->lang, when, sizeof(when));
        int owed = 0;
        for (size_t k = 0; k < r->e->nparties; k++)
            owed |= r->e->parties[k].sig == CUSTOS_CUSTODY_OWED;
        if (f->lang == CUSTOS_LANG_ZH_TW)
            snprintf(sig, sizeof(sig), "帳本第 %" PRIu64 " 筆：%s\nSHA-256 %.16s", r->e->seq,
                     owed ? "尚欠簽章" : "已數位簽章", r->e->sha256);
        else
            snprintf(sig, sizeof(sig), "ledger entry %" PRIu64 ": %s\nSHA-256 %.16s", r->e->seq,
                     owed ? "signature owed" : "digitally signed", r->e->sha256);
        snprintf(purpose, sizeof(purpose), "%s%s%s%s", r->purpose ? r->purpose : "-",
                 r->seal ? "\n" : "", r->seal ? T("Seal") : "", "");
        if (r->seal)
            snprintf(purpose + strlen(purpose), sizeof(purpose) - strlen(purpose), ": %s", r->seal);
        const char *cell[6] = {no, when, r->released, r->received, purpose, sig};
        table_row(f, it, cell);
    }
    free(rows);
    /* blank rows: at least BLANKS, then to the foot of the page */
    for (int k = 0;; k++) {
        if (k >= BLANKS && f->y - ROW_H < MARGIN + 24)
            break;
        char no[24];
        snprintf(no, sizeof(no), "%zu", n + (size_t)k + 1);
        const char *cell[6] = {no, NULL, NULL, NULL, NULL, NULL};
        table_row(f, it, cell);
        if (f->pdf.failed)
            break;
    }
}

int
custos_custody_form_pdf(const struct custos_custody *m, const char *item, int lang,
                        const char *generated, const char *out, struct custos_error *err)
{
    if (custos__custody_lang_check(lang, m->path, err) != CUSTOS_OK)
        return CUSTOS_E_USAGE;
    if (item != NULL && custos_custody_item(m, item) == NULL)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, m->path, "no item %s in case %s", item,
                                m->case_id);
    if (m->nitems == 0)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, m->path, "case %s has no item", m->case_id);
    struct form fm;
    struct form *f = &fm;
    memset(f, 0, sizeof(*f));
    f->m = m;
    f->lang = lang;
    int rc = custos__pdf_new(&f->pdf, err);
    if (rc != CUSTOS_OK)
        return rc;
    for (size_t i = 0; i < m->nitems && !f->pdf.failed; i++)
        if (item == NULL || strcmp(m->items[i].id, item) == 0)
            item_section(f, &m->items[i], generated);
    /* the foot of every page, now that the pages are counted */
    for (size_t i = 0; i < f->pdf.npages && !f->pdf.failed; i++) {
        char buf[512], pg[64];
        if (lang == CUSTOS_LANG_ZH_TW)
            snprintf(pg, sizeof(pg), "第 %zu 頁，共 %zu 頁", i + 1, f->pdf.npages);
        else
            snprintf(pg, sizeof(pg), "Page %zu of %zu", i + 1, f->pdf.npages);
        snprintf(buf, sizeof(buf), "%s %s · %s %s · %s", T("Case"), m->case_id, T("Item"),
                 f->page_item[i]->id, pg);
        custos__pdf_text(&f->pdf, f->pdf.pages[i], 8, MARGIN, MARGIN - 14, buf);
        snprintf(buf, sizeof(buf), "%s %.32s…", T("Ledger head"), m->report->head);
        custos__pdf_text(&f->pdf, f->pdf.pages[i], 7, W - MARGIN - 260, MARGIN - 14, buf);
    }
    rc = custos__pdf_save(&f->pdf, out, err);
    custos__pdf_free(&f->pdf);
    free(f->page_item);
    return rc;
}
