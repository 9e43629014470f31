/* SPDX-License-Identifier: ISC */
/*
 * dispose_render_pdf.c: the certificate as an A4 PDF (libharu), for
 * dispose_render.c: the letterhead and QR code on every page, text wrapped
 * by measured width in an embedded font with Chinese glyphs, blocks kept
 * whole, photos decoded by libpng, "page x of y" once the pages are known.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hpdf.h>
#include <jansson.h>
#include <png.h>
#include <qrencode.h>

#include "dispose_render_private.h"
#include "pdf_private.h"

/* ---- PDF ---- */

struct pdf {
    struct custos__pdf d; /* document, font, pages (pdf_private.h) */
    HPDF_Page page;
    float y; /* points from the bottom of the cursor line */
    const struct custos__bundle *b;
    QRcode *qr;
    struct custos__lab l;
};

#define PAGE_W   595.0f /* A4, points */
#define PAGE_H   842.0f
#define MARGIN   42.0f
#define LINE     12.0f
#define SIZE     9.0f   /* text, points */
#define LABEL_W  150.0f /* the label column */
#define HEADER_H 112.0f
#define FOOTER_H 30.0f
#define BOTTOM   (MARGIN + FOOTER_H)
#define USABLE   (PAGE_H - MARGIN - HEADER_H - BOTTOM)
#define MAXLINES 400

/* Splits s into lines of at most width points; returns how many. */
struct span {
    const char *s;
    int n;
};

static size_t
wrap(struct pdf *p, float size, const char *s, float width, struct span *out, size_t max)
{
    size_t k = 0;
    while (s != NULL && *s != '\0' && k < max) {
        size_t n = custos__pdf_fit(&p->d, NULL, size, s, width);
        size_t m = n;
        while (m > 0 && s[m - 1] == ' ')
            m--;
        out[k].s = s;
        out[k].n = (int)m;
        k++;
        s += n;
        while (*s == ' ' || *s == '\n')
            s++;
    }
    return k;
}

/* s in one line of at most width points at x, y; what does not fit is
 * replaced by "…" (the page furniture: the fields print in full below). */
static void
clip_at(struct pdf *p, HPDF_Page page, float size, float x, float y, const char *s, float width)
{
    char out[2100];
    size_t n = custos__pdf_fit(&p->d, NULL, size, s, width);
    if (s[n] == '\0')
        snprintf(out, sizeof(out), "%s", s);
    else
        snprintf(out, sizeof(out), "%.*s…",
                 (int)custos__pdf_fit(&p->d, NULL, size, s, width - 2 * size), s);
    custos__pdf_text(&p->d, page, size, x, y, out);
}

static void
draw_qr(struct pdf *p)
{
    float m = 2.0f, x0 = PAGE_W - MARGIN - (float)p->qr->width * m, y0 = PAGE_H - MARGIN;
    HPDF_Page_SetRGBFill(p->page, 0, 0, 0);
    for (int y = 0; y < p->qr->width; y++)
        for (int x = 0; x < p->qr->width; x++)
            if (p->qr->data[y * p->qr->width + x] & 1)
                HPDF_Page_Rectangle(p->page, x0 + (float)x * m, y0 - (float)(y + 1) * m, m, m);
    HPDF_Page_Fill(p->page);
}

/* The letterhead on every page: the vendor, the title, the certificate id
 * and the QR code; the footer is drawn when the page count is known. */
static void
new_page(struct pdf *p)
{
    struct custos__lab hl = {.lang = p->l.lang}; /* not the caller's labels, which stay valid */
    HPDF_Page pg = custos__pdf_page(&p->d, PAGE_W, PAGE_H);
    if (pg == NULL)
        return; /* p->d.failed is set: the save refuses */
    p->page = pg;
    draw_qr(p);
    const json_t *c = p->b->cert;
    float top = PAGE_H - MARGIN;
    char line[700];
    float w = PAGE_W - 2 * MARGIN - 2.0f * (float)p->qr->width - 12; /* left of the QR code */
    clip_at(p, p->page, 12, MARGIN, top - 12, custos__vendor_name(c), w);
    clip_at(p, p->page, 8, MARGIN, top - 24, custos__rjs(json_object_get(c, "vendor"), "address"),
            w);
    custos__pdf_text(&p->d, p->page, 17, MARGIN, top - 52, custos__L(&hl, "doc_title"));
    snprintf(line, sizeof(line), "%s: %s", custos__L(&hl, "certificate_id"),
             custos__rjs(c, "certificate_id"));
    clip_at(p, p->page, 10, MARGIN, top - 70, line, w);
    snprintf(line, sizeof(line), "%s.", custos__L(&hl, "record_note"));
    custos__pdf_text(&p->d, p->page, 7, MARGIN, top - 84, line);
    HPDF_Page_SetLineWidth(p->page, 1.5f);
    HPDF_Page_MoveTo(p->page, MARGIN, top - HEADER_H + 16);
    HPDF_Page_LineTo(p->page, PAGE_W - MARGIN, top - HEADER_H + 16);
    HPDF_Page_Stroke(p->page);
    p->y = top - HEADER_H;
}

static void
footers(struct pdf *p)
{
    char line[300], pg[200];
    struct custos__lab hl = {.lang = p->l.lang};
    for (size_t i = 0; i < p->d.npages; i++) {
        HPDF_Page page = p->d.pages[i];
        HPDF_Page_SetLineWidth(page, 0.5f);
        HPDF_Page_MoveTo(page, MARGIN, MARGIN + 18);
        HPDF_Page_LineTo(page, PAGE_W - MARGIN, MARGIN + 18);
        HPDF_Page_Stroke(page);
        snprintf(line, sizeof(line), "%s: %s", custos__L(&hl, "bundle_sha256"), p->b->sha256);
        custos__pdf_text(&p->d, page, 7, MARGIN, MARGIN + 8, line);
        custos__page_of(p->l.lang, (int)i + 1, (int)p->d.npages, pg, sizeof(pg));
        HPDF_Page_SetFontAndSize(page, p->d.font, 8);
        float w = HPDF_Page_TextWidth(page, pg);
        custos__pdf_text(&p->d, page, 8, PAGE_W - MARGIN - w, MARGIN - 4, pg);
        snprintf(line, sizeof(line), "%s: %s", custos__L(&hl, "certificate_id"),
                 custos__rjs(p->b->cert, "certificate_id"));
        clip_at(p, page, 8, MARGIN, MARGIN - 4, line, PAGE_W - 2 * MARGIN - w - 12);
    }
}

static void
need(struct pdf *p, float h)
{
    if (p->y - h < BOTTOM)
        new_page(p);
}

/* Keeps a block of height h on one page when a page can hold it. */
static void
keep(struct pdf *p, float h)
{
    need(p, h < USABLE ? h : LINE);
}

/* The height of a label/value row. */
static float
row_h(struct pdf *p, const char *label, const char *value)
{
    struct span sp[MAXLINES];
    if (value == NULL || value[0] == '\0')
        return 0;
    size_t a = label != NULL ? wrap(p, SIZE, label, LABEL_W - 8, sp, MAXLINES) : 0;
    size_t b = wrap(p, SIZE, value, PAGE_W - 2 * MARGIN - (label ? LABEL_W : 0), sp, MAXLINES);
    return (float)(a > b ? a : b) * LINE;
}

/* A label/value row, both wrapped; rows of one page or less are not split,
 * longer ones continue on the next pages, MAXLINES lines at a time. */
static void
prow(struct pdf *p, const char *label, const char *value)
{
    struct span lv[16], vv[MAXLINES];
    if (value == NULL || value[0] == '\0')
        return;
    float x = MARGIN + (label != NULL ? LABEL_W : 0);
    size_t a = label != NULL ? wrap(p, SIZE, label, LABEL_W - 8, lv, 16) : 0;
    char chunk[2048];
    for (int first = 1; *value != '\0'; first = 0) {
        size_t b = wrap(p, SIZE, value, PAGE_W - MARGIN - x, vv, MAXLINES);
        if (first)
            keep(p, (float)(a > b ? a : b) * LINE);
        for (size_t i = 0; (first && i < a) || i < b; i++) {
            need(p, LINE);
            if (first && i < a) {
                snprintf(chunk, sizeof(chunk), "%.*s", lv[i].n, lv[i].s);
                custos__pdf_text(&p->d, p->page, SIZE, MARGIN, p->y, chunk);
            }
            if (i < b) {
                snprintf(chunk, sizeof(chunk), "%.*s", vv[i].n, vv[i].s);
                custos__pdf_text(&p->d, p->page, SIZE, x, p->y, chunk);
            }
            p->y -= LINE;
        }
        value = b > 0 ? vv[b - 1].s + vv[b - 1].n : value + strlen(value);
        while (*value == ' ' || *value == '\n')
            value++;
    }
}

#define HEAD_H (LINE + 12)

/* A heading kept on one page with the next `next` points that follow it. */
static void
heading(struct pdf *p, const char *s, float next)
{
    keep(p, HEAD_H + next);
    p->y -= 8;
    custos__pdf_text(&p->d, p->page, 12, MARGIN, p->y, s);
    HPDF_Page_SetLineWidth(p->page, 0.3f);
    HPDF_Page_MoveTo(p->page, MARGIN, p->y - 3);
    HPDF_Page_LineTo(p->page, PAGE_W - MARGIN, p->y - 3);
    HPDF_Page_Stroke(p->page);
    p->y -= HEAD_H - 8;
}

static void
pdf_party(struct pdf *p, const char *title, const json_t *o)
{
    float h = 0;
    for (size_t i = 0; custos__party_fields[i] != NULL; i++)
        h += row_h(p, custos__L(&p->l, custos__party_fields[i]),
                   custos__rjs(o, custos__party_fields[i]));
    heading(p, title, h);
    for (size_t i = 0; custos__party_fields[i] != NULL; i++)
        prow(p, custos__L(&p->l, custos__party_fields[i]), custos__rjs(o, custos__party_fields[i]));
}

#define COLS       6
#define CELL_LINES 24

/* A row of the per-item table (the header row when v is NULL), cells
 * wrapped; a row that does not fit goes to the next page under a repeated
 * header. A cell longer than CELL_LINES lines ends in "…": the item's own
 * block prints every field in full. */
static void
items_row(struct pdf *p, const json_t *v)
{
    static const char *const cols[COLS] = {"id",           "device", "media_type",
                                           "method_short", "result", "time"};
    static const float w[COLS] = {62, 125, 58, 95, 62, 109}; /* 511 points */
    const float size = 8, lh = 10;
    struct span sp[COLS][CELL_LINES];
    size_t n[COLS];
    int cut[COLS];
    char dev[600], meth[200];
    custos__device_text(v, dev, sizeof(dev));
    snprintf(meth, sizeof(meth), "%s / %s", custos__V(&p->l, v, "category"),
             custos__V(&p->l, v, "method"));
    const char *cells[COLS];
    for (size_t k = 0; k < COLS; k++)
        cells[k] = custos__L(&p->l, cols[k]);
    if (v != NULL) {
        cells[0] = custos__rjs(v, "id");
        cells[1] = dev;
        cells[2] = custos__rjs(v, "media_type");
        cells[3] = meth;
        cells[4] = custos__V(&p->l, v, "result");
        cells[5] = custos__rjs(v, "time");
    }
    size_t most = 1;
    for (size_t k = 0; k < COLS; k++) {
        n[k] = wrap(p, size, cells[k], w[k] - 6, sp[k], CELL_LINES);
        const char *end = n[k] > 0 ? sp[k][n[k] - 1].s + sp[k][n[k] - 1].n : cells[k];
        while (*end == ' ' || *end == '\n')
            end++;
        cut[k] = *end != '\0';
        if (n[k] > most)
            most = n[k];
    }
    float h = (float)most * lh + 4;
    if (v != NULL && p->y - h < BOTTOM) {
        new_page(p);
        items_row(p, NULL);
    }
    float x = MARGIN, top = p->y + lh - 1;
    char chunk[700];
    if (v == NULL) {
        HPDF_Page_SetGrayFill(p->page, 0.9f);
        HPDF_Page_Rectangle(p->page, MARGIN, top - h, 511, h);
        HPDF_Page_Fill(p->page);
        HPDF_Page_SetGrayFill(p->page, 0);
    }
    HPDF_Page_SetLineWidth(p->page, 0.5f);
    for (size_t k = 0; k < COLS; k++) {
        HPDF_Page_Rectangle(p->page, x, top - h, w[k], h);
        HPDF_Page_Stroke(p->page);
        for (size_t i = 0; i < n[k]; i++) {
            snprintf(chunk, sizeof(chunk), "%.*s%s", sp[k][i].n, sp[k][i].s,
                     cut[k] && i + 1 == n[k] ? "…" : "");
            custos__pdf_text(&p->d, p->page, size, x + 3, p->y - (float)i * lh, chunk);
        }
        x += w[k];
    }
    p->y -= h;
}

/* The per-item table, its heading kept with the header and first row. */
static void
pdf_items_table(struct pdf *p, const json_t *items)
{
    heading(p, custos__L(&p->l, "item_summary"), 60);
    items_row(p, NULL);
    size_t i;
    json_t *v;
    json_array_foreach(items, i, v) items_row(p, v);
    p->y -= 6;
}

static void
pdf_item(struct pdf *p, const json_t *v)
{
    char t[300];
    snprintf(t, sizeof(t), "%s %s", custos__L(&p->l, "item"), custos__rjs(v, "id"));
    float h = 0;
    for (size_t k = 0; custos__item_fields[k] != NULL; k++)
        h += row_h(p, custos__L(&p->l, custos__item_fields[k]),
                   custos__V(&p->l, v, custos__item_fields[k]));
    heading(p, t, h);
    for (size_t k = 0; custos__item_fields[k] != NULL; k++)
        prow(p, custos__L(&p->l, custos__item_fields[k]),
             custos__V(&p->l, v, custos__item_fields[k]));
    size_t j;
    json_t *s;
    json_array_foreach(json_object_get(v, "seals"), j, s)
        prow(p, custos__L(&p->l, "seals"), json_string_value(s));
}

/* One signer's block: who and the digital signature's key on the left, a
 * box to sign by hand and a line for the date on the right. */
static void
pdf_signer(struct pdf *p, const char *role, const json_t *o)
{
    const float left = 300;
    /* the left column: who, in full, then the digital signature */
    static const char *const who[] = {"name", "title", "organisation", "contact", "location"};
    char text[8][1200];
    float size[8];
    size_t nt = 0;
    for (size_t k = 0; k < 5; k++)
        if (k == 0 || custos__rjs(o, who[k])[0] != '\0') {
            snprintf(text[nt], sizeof(text[0]), "%s: %s", custos__L(&p->l, who[k]),
                     custos__rjs(o, who[k]));
            size[nt++] = SIZE;
        }
    snprintf(text[nt], sizeof(text[0]), "%s, %s:", custos__L(&p->l, "digital_signature"),
             custos__L(&p->l, "key"));
    size[nt++] = 7;
    snprintf(text[nt], sizeof(text[0]), "%s", custos__rjs(o, "key"));
    size[nt++] = 7;
    snprintf(text[nt], sizeof(text[0]), "%s: %s", custos__L(&p->l, "issued"),
             custos__rjs(p->b->cert, "issued"));
    size[nt++] = 7;
    struct span sp[8][32];
    size_t n[8];
    float need_h = 24;
    for (size_t k = 0; k < nt; k++) {
        n[k] = wrap(p, size[k], text[k], left - 8, sp[k], 32);
        need_h += (float)n[k] * (size[k] + 2);
    }
    float h = need_h > 92 ? need_h : 92;
    keep(p, h + 6);
    float top = p->y + LINE - 2;
    HPDF_Page_SetLineWidth(p->page, 0.5f);
    HPDF_Page_Rectangle(p->page, MARGIN, top - h, PAGE_W - 2 * MARGIN, h);
    HPDF_Page_Stroke(p->page);
    custos__pdf_text(&p->d, p->page, 10, MARGIN + 4, p->y - 2, custos__L(&p->l, role));
    char chunk[1200];
    float y = p->y - 16;
    for (size_t k = 0; k < nt; k++)
        for (size_t i = 0; i < n[k]; i++, y -= size[k] + 2) {
            snprintf(chunk, sizeof(chunk), "%.*s", sp[k][i].n, sp[k][i].s);
            custos__pdf_text(&p->d, p->page, size[k], MARGIN + 4, y, chunk);
        }
    /* the space for a handwritten signature and its date */
    float x = MARGIN + left;
    custos__pdf_text(&p->d, p->page, 8, x, p->y - 2, custos__L(&p->l, "handwritten"));
    HPDF_Page_MoveTo(p->page, x, top - 58);
    HPDF_Page_LineTo(p->page, PAGE_W - MARGIN - 8, top - 58);
    HPDF_Page_Stroke(p->page);
    custos__pdf_text(&p->d, p->page, 8, x, top - h + 12, custos__L(&p->l, "date"));
    HPDF_Page_MoveTo(p->page, x + 60, top - h + 10);
    HPDF_Page_LineTo(p->page, PAGE_W - MARGIN - 8, top - h + 10);
    HPDF_Page_Stroke(p->page);
    p->y -= h + 6;
}

#define THUMB_PX 1024 /* the longest side of a photo drawn in the PDF, pixels */

/*
 * A PNG decoded by libpng to 8-bit RGB (any depth, palette, grey or alpha;
 * alpha over white), shrunk by averaging to at most THUMB_PX a side, as a
 * raw image. libharu's own loader draws a 16-bit PNG as two squashed
 * copies in wrong colours: it writes 16-bit rows under an 8-bit header.
 * NULL when the picture cannot be decoded.
 */
static HPDF_Image
load_png(struct pdf *p, const unsigned char *data, size_t len)
{
    png_image im;
    memset(&im, 0, sizeof(im));
    im.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&im, data, len))
        return NULL;
    im.format = PNG_FORMAT_RGB;
    size_t w = im.width, h = im.height;
    if (w == 0 || h == 0 || w > 20000 || h > 20000 || w * h > 40u * 1000 * 1000) {
        png_image_free(&im); /* a picture too large to decode for a thumbnail */
        return NULL;
    }
    unsigned char *px = malloc(w * h * 3);
    png_color white = {255, 255, 255};
    if (px == NULL || !png_image_finish_read(&im, &white, px, 0, NULL)) {
        png_image_free(&im);
        free(px);
        return NULL;
    }
    size_t f = (w > h ? w : h) / THUMB_PX + ((w > h ? w : h) % THUMB_PX != 0);
    size_t tw = (w + f - 1) / f, th = (h + f - 1) / f;
    unsigned char *t = f > 1 ? malloc(tw * th * 3) : px;
    if (t == NULL) {
        free(px);
        return NULL;
    }
    for (size_t y = 0; f > 1 && y < th; y++)
        for (size_t x = 0; x < tw; x++)
            for (size_t k = 0; k < 3; k++) {
                unsigned long sum = 0, n = 0;
                for (size_t yy = y * f; yy < (y + 1) * f && yy < h; yy++)
                    for (size_t xx = x * f; xx < (x + 1) * f && xx < w; xx++, n++)
                        sum += px[(yy * w + xx) * 3 + k];
                t[(y * tw + x) * 3 + k] = (unsigned char)(sum / n);
            }
    HPDF_Image img =
        HPDF_LoadRawImageFromMem(p->d.doc, t, (HPDF_UINT)tw, (HPDF_UINT)th, HPDF_CS_DEVICE_RGB, 8);
    if (t != px)
        free(t);
    free(px);
    return img;
}

/* An attachment: its caption, and for a photo the picture under it, kept
 * on one page. */
static void
pdf_attachment(struct pdf *p, const json_t *a)
{
    char items[600];
    custos__items_text(a, items, sizeof(items));
    const char *rows[][2] = {{custos__L(&p->l, "kind"), custos__L(&p->l, custos__rjs(a, "kind"))},
                             {custos__L(&p->l, "file"), custos__rjs(a, "path")},
                             {custos__L(&p->l, "items"), items},
                             {custos__L(&p->l, "description"), custos__rjs(a, "description")},
                             {custos__L(&p->l, "captured"), custos__rjs(a, "captured")},
                             {custos__L(&p->l, "mime"), custos__rjs(a, "mime")},
                             {custos__L(&p->l, "sha256"), custos__rjs(a, "sha256")}};
    const size_t nrows = sizeof(rows) / sizeof(rows[0]);
    float h = 0;
    for (size_t i = 0; i < nrows; i++)
        h += row_h(p, rows[i][0], rows[i][1]);
    HPDF_Image img = NULL;
    const char *mime = custos__rjs(a, "mime");
    int png = strcmp(mime, "image/png") == 0, jpg = strcmp(mime, "image/jpeg") == 0;
    int undecodable = 0;
    if (png || jpg) {
        char path[PATH_MAX * 2], *data = NULL;
        size_t len = 0;
        struct custos_error e;
        snprintf(path, sizeof(path), "%s/%s", p->b->dir, custos__rjs(a, "path"));
        if (custos__read_small(path, THUMB_MAX, &data, &len, &e) == CUSTOS_OK) {
            int failed = p->d.failed;
            img =
                png ? load_png(p, (const unsigned char *)data, len)
                    : HPDF_LoadJpegImageFromMem(p->d.doc, (const HPDF_BYTE *)data, (HPDF_UINT)len);
            free(data);
            if (img == NULL) {
                /* a picture that cannot be decoded is listed, not drawn */
                p->d.failed = failed;
                HPDF_ResetError(p->d.doc);
                undecodable = 1;
            }
        }
    }
    float iw = 0, ih = 0;
    if (img != NULL) {
        float w = (float)HPDF_Image_GetWidth(img), hh = (float)HPDF_Image_GetHeight(img);
        float sc = 160.0f / (w > hh ? w : hh);
        iw = w * sc;
        ih = hh * sc;
    }
    keep(p, h + (img != NULL ? ih + 8 : undecodable ? LINE : 0) + 10);
    p->y -= 4;
    for (size_t i = 0; i < nrows; i++)
        prow(p, rows[i][0], rows[i][1]);
    if (undecodable)
        prow(p, NULL, custos__L(&p->l, "no_thumbnail"));
    if (img != NULL) {
        need(p, ih + 8);
        HPDF_Page_DrawImage(p->page, img, MARGIN + LABEL_W, p->y - ih + LINE - 4, iw, ih);
        p->y -= ih + 8;
    }
    p->y -= 6;
}

int
custos__render_pdf(const struct custos__bundle *b, int lang, const char *out,
                   struct custos_error *err)
{
    struct pdf *pp = calloc(1, sizeof(*pp)), *p = pp;
    if (p == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    p->b = b;
    p->l.lang = lang;
    char qr[512];
    custos__render_qr_text(b, qr, sizeof(qr));
    p->qr = QRcode_encodeString(qr, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    int rc = p->qr != NULL ? custos__pdf_new(&p->d, err)
                           : custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    if (rc != CUSTOS_OK) {
        if (p->qr != NULL)
            QRcode_free(p->qr);
        free(p);
        return rc;
    }
    const json_t *c = b->cert;
    struct custos__lab *l = &p->l;
    new_page(p);
    char ts[2600];
    custos__render_ts_text(b, lang, ts, sizeof(ts));
    json_t *ord = json_object_get(c, "order"), *cu = json_object_get(c, "custody");
    const char *cert_rows[][2] = {
        {custos__L(l, "certificate_id"), custos__rjs(c, "certificate_id")},
        {custos__L(l, "issued"), custos__rjs(c, "issued")},
        {custos__L(l, "timestamp"), ts},
        {custos__L(l, "order"), custos__rjs(ord, "id")},
        {custos__L(l, "order_sha256"), custos__rjs(ord, "sha256")},
        {custos__L(l, "case"), custos__rjs(ord, "case")},
        {custos__L(l, "ledger"), custos__rjs(ord, "ledger")},
        {custos__L(l, "contract"), custos__rjs(c, "contract")}};
    heading(p, custos__L(l, "certificate"), 3 * LINE);
    for (size_t i = 0; i < sizeof(cert_rows) / sizeof(cert_rows[0]); i++) {
        char lab[512];
        snprintf(lab, sizeof(lab), "%s", cert_rows[i][0]);
        prow(p, lab, cert_rows[i][1]);
    }
    if (cu != NULL) {
        const char *keys[] = {"received_by", "received_at", "carrier"};
        float h = 0;
        for (size_t i = 0; i < 3; i++)
            h += row_h(p, custos__L(l, keys[i]), custos__rjs(cu, keys[i]));
        heading(p, custos__L(l, "custody"), h);
        for (size_t i = 0; i < 3; i++)
            prow(p, custos__L(l, keys[i]), custos__rjs(cu, keys[i]));
    }
    pdf_party(p, custos__L(l, "owner"), json_object_get(c, "owner"));
    pdf_party(p, custos__L(l, "vendor"), json_object_get(c, "vendor"));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(json_object_get(c, "vendor"), "certifications"), i, v)
    {
        char line[600];
        snprintf(line, sizeof(line), "%s %s%s%s%s", custos__rjs(v, "scheme"), custos__rjs(v, "id"),
                 custos__rjs(v, "expires")[0] ? ", " : "",
                 custos__rjs(v, "expires")[0] ? custos__L(l, "expires") : "",
                 custos__rjs(v, "expires")[0] ? " " : "");
        size_t n = strlen(line);
        snprintf(line + n, sizeof(line) - n, "%s", custos__rjs(v, "expires"));
        prow(p, custos__L(l, "certification"), line);
    }
    pdf_items_table(p, json_object_get(c, "items"));
    json_array_foreach(json_object_get(c, "items"), i, v) pdf_item(p, v);
    heading(p, custos__L(l, "attestation"), row_h(p, NULL, custos__rjs(c, "attestation")));
    prow(p, NULL, custos__rjs(c, "attestation"));
    json_t *people = json_object_get(c, "people");
    heading(p, custos__L(l, "signatures"), 100);
    for (size_t k = 0; custos__signer_roles[k] != NULL; k++)
        pdf_signer(p, custos__signer_roles[k], json_object_get(people, custos__signer_roles[k]));
    prow(p, NULL, custos__L(l, "signed_note"));
    heading(p, custos__L(l, "attachments"), 7 * LINE);
    json_array_foreach(json_object_get(c, "attachments"), i, v) pdf_attachment(p, v);
    footers(p);
    rc = custos__pdf_save(&p->d, out, err);
    custos__pdf_free(&p->d);
    QRcode_free(p->qr);
    free(pp);
    return rc;
}
