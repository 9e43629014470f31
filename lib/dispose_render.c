/* SPDX-License-Identifier: ISC */
/*
 * dispose_render.c: the printable certificate, as one self-contained HTML
 * page or a PDF (libharu), with a QR code (libqrencode) on every page.
 *
 * The signed bundle is the record; these are renderings of it. So render
 * first checks the bundle on its own terms (custos__bundle_check_self): a
 * page is never printed for a bundle whose files or signatures do not hold.
 * Every page carries the certificate id and the bundle SHA-256 in text and
 * in the QR code ("CERTIFICATE-ID sha256:HEX"), so paper leads back to the
 * signed bundle. The PDF embeds a TrueType font that covers Traditional
 * Chinese (WenQuanYi Micro Hei from Debian's fonts-wqy-microhei, or the
 * font CUSTOS_PDF_FONT names) and prints every field in UTF-8; without one
 * it refuses rather than print names as '?'. The HTML page carries the
 * exact UTF-8 text.
 */
#include "custos/dispose.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hpdf.h>
#include <jansson.h>
#include <qrencode.h>

#include "custos/atomicfile.h"
#include "custos/timestamp.h"

#include "base64_private.h"
#include "dispose_private.h"

#define CUSTOS_PDF_FONT_DEFAULT "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

#define THUMB_MAX (8u * 1024 * 1024) /* bytes of a photo embedded as a thumbnail */

/* ---- a growing string ---- */

struct buf {
    char *p;
    size_t len, cap;
    int nomem;
};

static void
put(struct buf *b, const char *s, size_t n)
{
    if (b->nomem)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->nomem = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void
puts_(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void
esc(struct buf *b, const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        switch (*s) {
        case '<':
            puts_(b, "&lt;");
            break;
        case '>':
            puts_(b, "&gt;");
            break;
        case '&':
            puts_(b, "&amp;");
            break;
        case '"':
            puts_(b, "&quot;");
            break;
        default:
            put(b, s, 1);
        }
    }
}

static const char *
js(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s != NULL ? s : "";
}

/* The QR payload of every page. */
static void
qr_text(const struct custos__bundle *b, char *out, size_t len)
{
    snprintf(out, len, "%s sha256:%s", js(b->cert, "certificate_id"), b->sha256);
}

/* The timestamp's genTime and TSA, as text, or "" when the bundle has none. */
static void
ts_text(const struct custos__bundle *b, char *out, size_t len)
{
    char path[PATH_MAX * 2], *tsr = NULL;
    size_t n = 0;
    struct custos_error e;
    struct custos_timestamp_info info;
    out[0] = '\0';
    snprintf(path, sizeof(path), "%s/%s", b->dir, CUSTOS_DISPOSE_TIMESTAMP_FILE);
    if (custos__read_small(path, CUSTOS_TIMESTAMP_REPLY_MAX, &tsr, &n, &e) != CUSTOS_OK)
        return;
    if (custos_timestamp_info((const uint8_t *)tsr, n, &info, &e) == CUSTOS_OK)
        snprintf(out, len, "%s by %s (RFC 3161; check it with custos-dispose verify --tsa-ca)",
                 info.gen_time, info.tsa_name[0] ? info.tsa_name : "an unnamed TSA");
    else
        snprintf(out, len, "timestamp.tsr cannot be read");
    free(tsr);
}

/* ---- HTML ---- */

static void
row(struct buf *b, const char *label, const char *value)
{
    if (value == NULL || value[0] == '\0')
        return;
    puts_(b, "<tr><th>");
    esc(b, label);
    puts_(b, "</th><td>");
    esc(b, value);
    puts_(b, "</td></tr>\n");
}

/* The fields of a certificate item, in the order both renderings list them
 * (destruction-proof.md, the certificate's items). */
static const char *const item_fields[] = {"make",
                                          "model",
                                          "serial",
                                          "capacity",
                                          "media_type",
                                          "source",
                                          "classification",
                                          "data_backed_up",
                                          "backup_location",
                                          "category",
                                          "method",
                                          "method_details",
                                          "standard",
                                          "level",
                                          "tool",
                                          "tool_version",
                                          "verification",
                                          "result",
                                          "note",
                                          "time",
                                          "location",
                                          "destination",
                                          "post_classification",
                                          NULL};

/* The fields of a party, in the order both renderings list them; each
 * rendering has labels of its own width. */
static const char *const party_fields[] = {"name",    "title",    "organisation", "address",
                                           "contact", "location", "key",          NULL};

static void
party_rows(struct buf *b, const char *title, const json_t *p)
{
    puts_(b, "<h2>");
    esc(b, title);
    puts_(b, "</h2><table>\n");
    static const char *const l[] = {"Name",
                                    "Title",
                                    "Organisation",
                                    "Address",
                                    "Contact",
                                    "Location",
                                    "Key fingerprint (SHA-256)",
                                    NULL};
    for (size_t i = 0; party_fields[i] != NULL; i++)
        row(b, l[i], js(p, party_fields[i]));
    puts_(b, "</table>\n");
}

static void
qr_svg(struct buf *b, const char *text)
{
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (q == NULL) {
        b->nomem = 1;
        return;
    }
    char tmp[160];
    int w = q->width + 8;
    snprintf(tmp, sizeof(tmp),
             "<svg class=\"qr\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
             "width=\"%d\" height=\"%d\" shape-rendering=\"crispEdges\">",
             w, w, w * 4, w * 4);
    puts_(b, tmp);
    snprintf(tmp, sizeof(tmp), "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path d=\"", w, w);
    puts_(b, tmp);
    for (int y = 0; y < q->width; y++)
        for (int x = 0; x < q->width; x++)
            if (q->data[y * q->width + x] & 1) {
                snprintf(tmp, sizeof(tmp), "M%d %dh1v1h-1z", x + 4, y + 4);
                puts_(b, tmp);
            }
    puts_(b, "\" fill=\"#000\"/></svg>");
    QRcode_free(q);
}

static void
html(const struct custos__bundle *bd, struct buf *b)
{
    const json_t *c = bd->cert;
    char qr[512];
    qr_text(bd, qr, sizeof(qr));
    puts_(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>"
             "Certificate of destruction ");
    esc(b, js(c, "certificate_id"));
    puts_(b, "</title>\n<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
             "table{border-collapse:collapse;margin-bottom:1em}th,td{border:1px solid #888;"
             "padding:.2em .5em;text-align:left;vertical-align:top}th{background:#eee}"
             ".id{font-family:monospace;word-break:break-all}.qr{float:right}"
             "img.thumb{max-width:240px;max-height:180px}"
             "@media print{header{position:running(h)}}</style></head><body>\n<header>");
    qr_svg(b, qr);
    puts_(b, "<h1>Certificate of destruction</h1>\n<p>Certificate <b class=\"id\">");
    esc(b, js(c, "certificate_id"));
    puts_(b, "</b><br>Bundle SHA-256 <span class=\"id\">");
    esc(b, bd->sha256);
    puts_(b, "</span></p><p>This page renders a signed proof bundle. The bundle is the record: "
             "check it with <code>custos-dispose verify</code> or the commands of "
             "docs/formats/destruction-proof.md.</p></header>\n<h2>Certificate</h2><table>\n");
    row(b, "Issued", js(c, "issued"));
    char ts[700];
    ts_text(bd, ts, sizeof(ts));
    row(b, "Timestamp", ts);
    json_t *ord = json_object_get(c, "order");
    row(b, "Order", js(ord, "id"));
    row(b, "Order SHA-256", js(ord, "sha256"));
    row(b, "Case", js(ord, "case"));
    row(b, "Ledger", js(ord, "ledger"));
    row(b, "Contract", js(c, "contract"));
    json_t *cu = json_object_get(c, "custody");
    row(b, "Received by", js(cu, "received_by"));
    row(b, "Received at", js(cu, "received_at"));
    row(b, "Carrier", js(cu, "carrier"));
    puts_(b, "</table>\n");
    party_rows(b, "Owner", json_object_get(c, "owner"));
    party_rows(b, "Vendor", json_object_get(c, "vendor"));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(json_object_get(c, "vendor"), "certifications"), i, v)
    {
        puts_(b, "<p>Certification: ");
        esc(b, js(v, "scheme"));
        puts_(b, " ");
        esc(b, js(v, "id"));
        if (js(v, "expires")[0] != '\0') {
            puts_(b, ", expires ");
            esc(b, js(v, "expires"));
        }
        puts_(b, "</p>\n");
    }
    puts_(b, "<h2>Media</h2>\n");
    json_array_foreach(json_object_get(c, "items"), i, v)
    {
        puts_(b, "<h3>Item ");
        esc(b, js(v, "id"));
        puts_(b, "</h3><table>\n");
        for (size_t k = 0; item_fields[k] != NULL; k++)
            row(b, item_fields[k], js(v, item_fields[k]));
        size_t j;
        json_t *s;
        json_array_foreach(json_object_get(v, "seals"), j, s) row(b, "seal", json_string_value(s));
        puts_(b, "</table>\n");
    }
    puts_(b, "<h2>Attestation</h2><p>");
    esc(b, js(c, "attestation"));
    puts_(b, "</p>\n");
    json_t *people = json_object_get(c, "people");
    party_rows(b, "Performed by", json_object_get(people, CUSTOS_DISPOSE_PERFORMER));
    party_rows(b, "Verified by", json_object_get(people, CUSTOS_DISPOSE_VERIFIER));
    party_rows(b, "Witnessed by", json_object_get(people, CUSTOS_DISPOSE_WITNESS));
    puts_(
        b,
        "<p>Each of them signed manifest.sha256 (Ed25519, purpose " CUSTOS_PURPOSE_DESTRUCTION_PROOF
        "); the signatures are in signatures/.</p>\n"
        "<h2>Attachments</h2>\n<table><tr><th>File</th><th>Kind</th><th>Items</th>"
        "<th>Type</th><th>SHA-256</th><th></th></tr>\n");
    json_array_foreach(json_object_get(c, "attachments"), i, v)
    {
        puts_(b, "<tr><td>");
        esc(b, js(v, "path"));
        puts_(b, "<br>");
        esc(b, js(v, "description"));
        puts_(b, "</td><td>");
        esc(b, js(v, "kind"));
        puts_(b, "</td><td>");
        size_t j;
        json_t *s;
        json_array_foreach(json_object_get(v, "items"), j, s)
        {
            esc(b, json_string_value(s));
            puts_(b, " ");
        }
        puts_(b, "</td><td>");
        esc(b, js(v, "mime"));
        puts_(b, "</td><td class=\"id\">");
        esc(b, js(v, "sha256"));
        puts_(b, "</td><td>");
        const char *mime = js(v, "mime");
        if (strcmp(mime, "image/png") == 0 || strcmp(mime, "image/jpeg") == 0 ||
            strcmp(mime, "image/gif") == 0) {
            char path[PATH_MAX * 2], *data = NULL;
            size_t len = 0;
            struct custos_error e;
            snprintf(path, sizeof(path), "%s/%s", bd->dir, js(v, "path"));
            if (custos__read_small(path, THUMB_MAX, &data, &len, &e) == CUSTOS_OK) {
                char *b64 = malloc(CUSTOS__B64_SIZE(len));
                if (b64 != NULL) {
                    custos__b64_encode((const uint8_t *)data, len, b64);
                    puts_(b, "<img class=\"thumb\" alt=\"\" src=\"data:");
                    puts_(b, mime);
                    puts_(b, ";base64,");
                    puts_(b, b64);
                    puts_(b, "\">");
                    free(b64);
                } else {
                    b->nomem = 1;
                }
                free(data);
            }
        }
        puts_(b, "</td></tr>\n");
    }
    puts_(b, "</table>\n</body></html>\n");
}

/* ---- PDF ---- */

struct pdf {
    HPDF_Doc doc;
    HPDF_Page page;
    HPDF_Font font, bold;
    float y; /* points from the bottom of the cursor line */
    int pages;
    int failed; /* set by the libharu error handler */
    const struct custos__bundle *b;
    QRcode *qr;
};

#define PAGE_W   595.0f /* A4, points */
#define PAGE_H   842.0f
#define MARGIN   50.0f
#define LINE     13.0f
#define HEADER_H 110.0f

static void
on_error(HPDF_STATUS code, HPDF_STATUS detail, void *user)
{
    (void)code;
    (void)detail;
    ((struct pdf *)user)->failed = 1;
}

static void
text_at(struct pdf *p, HPDF_Font f, float size, float x, float y, const char *s)
{
    HPDF_Page_BeginText(p->page);
    HPDF_Page_SetFontAndSize(p->page, f, size);
    HPDF_Page_TextOut(p->page, x, y, s);
    HPDF_Page_EndText(p->page);
}

/* Bytes of the UTF-8 sequence starting at s (1 for a stray byte). */
static size_t
utf8_len(const unsigned char *s)
{
    size_t n = *s < 0x80             ? 1
               : (*s & 0xE0) == 0xC0 ? 2
               : (*s & 0xF0) == 0xE0 ? 3
               : (*s & 0xF8) == 0xF0 ? 4
                                     : 1;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 1;
    return n;
}

/*
 * How many bytes of s fit in width points at size: whole characters, and
 * for Latin text up to the last space that fits, so that words are not cut.
 */
static size_t
fit(struct pdf *p, HPDF_Font f, float size, const char *s, float width)
{
    HPDF_Page_SetFontAndSize(p->page, f, size);
    char buf[2048];
    size_t n = 0, space = 0;
    while (s[n] != '\0') {
        size_t k = utf8_len((const unsigned char *)s + n);
        if (n + k >= sizeof(buf))
            break;
        memcpy(buf, s, n + k);
        buf[n + k] = '\0';
        if (HPDF_Page_TextWidth(p->page, buf) > width)
            break;
        n += k;
        if (s[n - 1] == ' ')
            space = n;
    }
    if (s[n] != '\0' && space > 0 && (unsigned char)s[n] < 0x80 && s[n] != ' ')
        return space; /* a Latin word would be cut: break at the space before it */
    return n > 0 ? n : utf8_len((const unsigned char *)s);
}

static void
new_page(struct pdf *p)
{
    p->page = HPDF_AddPage(p->doc);
    HPDF_Page_SetSize(p->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    p->pages++;
    char qr[512], line[160];
    qr_text(p->b, qr, sizeof(qr));
    /* the QR code, top right, one module = 2 points */
    float m = 2.0f, x0 = PAGE_W - MARGIN - (float)p->qr->width * m, y0 = PAGE_H - MARGIN;
    HPDF_Page_SetRGBFill(p->page, 0, 0, 0);
    for (int y = 0; y < p->qr->width; y++)
        for (int x = 0; x < p->qr->width; x++)
            if (p->qr->data[y * p->qr->width + x] & 1)
                HPDF_Page_Rectangle(p->page, x0 + (float)x * m, y0 - (float)(y + 1) * m, m, m);
    HPDF_Page_Fill(p->page);
    text_at(p, p->bold, 16, MARGIN, PAGE_H - MARGIN - 14, "Certificate of destruction");
    snprintf(line, sizeof(line), "Certificate: %s", js(p->b->cert, "certificate_id"));
    text_at(p, p->font, 9, MARGIN, PAGE_H - MARGIN - 34, line);
    snprintf(line, sizeof(line), "Bundle SHA-256: %.32s", p->b->sha256);
    text_at(p, p->font, 8, MARGIN, PAGE_H - MARGIN - 48, line);
    snprintf(line, sizeof(line), "                %s", p->b->sha256 + 32);
    text_at(p, p->font, 8, MARGIN, PAGE_H - MARGIN - 58, line);
    snprintf(line, sizeof(line), "Page %d. The signed bundle is the record; this is its rendering.",
             p->pages);
    text_at(p, p->font, 7, MARGIN, PAGE_H - MARGIN - 72, line);
    p->y = PAGE_H - MARGIN - HEADER_H;
}

static void
need(struct pdf *p, float h)
{
    if (p->y - h < MARGIN)
        new_page(p);
}

static void
pline(struct pdf *p, int bold, const char *label, const char *value)
{
    if (value != NULL && value[0] == '\0')
        return;
    const char *v = value != NULL ? value : "";
    float x = MARGIN + (label != NULL ? 130 : 0);
    HPDF_Font f = bold ? p->bold : p->font;
    int first = 1;
    do {
        need(p, LINE);
        size_t n = fit(p, f, 9, v, PAGE_W - MARGIN - x);
        char chunk[2048];
        snprintf(chunk, sizeof(chunk), "%.*s", (int)n, v);
        if (first && label != NULL)
            text_at(p, p->bold, 9, MARGIN, p->y, label);
        text_at(p, f, 9, x, p->y, chunk);
        p->y -= LINE;
        v += n;
        while (*v == ' ')
            v++;
        first = 0;
    } while (*v != '\0');
}

static void
heading(struct pdf *p, const char *s)
{
    need(p, 2 * LINE + 4);
    p->y -= 6;
    text_at(p, p->bold, 12, MARGIN, p->y, s);
    p->y -= LINE + 2;
}

static void
pdf_party(struct pdf *p, const char *title, const json_t *o)
{
    heading(p, title);
    static const char *const l[] = {"Name",    "Title",    "Organisation",    "Address",
                                    "Contact", "Location", "Key fingerprint", NULL};
    for (size_t i = 0; party_fields[i] != NULL; i++)
        pline(p, 0, l[i], js(o, party_fields[i]));
}

static void
pdf_thumb(struct pdf *p, const json_t *a)
{
    const char *mime = js(a, "mime");
    int png = strcmp(mime, "image/png") == 0, jpg = strcmp(mime, "image/jpeg") == 0;
    if (!png && !jpg)
        return;
    char path[PATH_MAX * 2], *data = NULL;
    size_t len = 0;
    struct custos_error e;
    snprintf(path, sizeof(path), "%s/%s", p->b->dir, js(a, "path"));
    if (custos__read_small(path, THUMB_MAX, &data, &len, &e) != CUSTOS_OK)
        return;
    int failed = p->failed;
    HPDF_Image img =
        png ? HPDF_LoadPngImageFromMem(p->doc, (const HPDF_BYTE *)data, (HPDF_UINT)len)
            : HPDF_LoadJpegImageFromMem(p->doc, (const HPDF_BYTE *)data, (HPDF_UINT)len);
    free(data);
    if (img == NULL) {
        /* a picture libharu cannot decode is listed, not drawn */
        p->failed = failed;
        HPDF_ResetError(p->doc);
        pline(p, 0, NULL, "(no thumbnail: the picture cannot be decoded for the PDF)");
        return;
    }
    float w = (float)HPDF_Image_GetWidth(img), h = (float)HPDF_Image_GetHeight(img);
    float s = 160.0f / (w > h ? w : h);
    need(p, h * s + 6);
    HPDF_Page_DrawImage(p->page, img, MARGIN + 130, p->y - h * s + LINE - 4, w * s, h * s);
    p->y -= h * s + 6;
}

static int
pdf(const struct custos__bundle *b, const char *out, struct custos_error *err)
{
    struct pdf p;
    memset(&p, 0, sizeof(p));
    p.b = b;
    char qr[512];
    qr_text(b, qr, sizeof(qr));
    p.qr = QRcode_encodeString(qr, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    p.doc = HPDF_New(on_error, &p);
    if (p.qr == NULL || p.doc == NULL) {
        if (p.qr != NULL)
            QRcode_free(p.qr);
        if (p.doc != NULL)
            HPDF_Free(p.doc);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    HPDF_SetCompressionMode(p.doc, HPDF_COMP_ALL);
    /* A font with the CJK glyphs, embedded, with text in UTF-8. */
    const char *font = getenv("CUSTOS_PDF_FONT");
    if (font == NULL || font[0] == '\0')
        font = CUSTOS_PDF_FONT_DEFAULT;
    if (access(font, R_OK) != 0) {
        QRcode_free(p.qr);
        HPDF_Free(p.doc);
        return custos_error_set(err, CUSTOS_E_IO, errno, font,
                                "no font for the PDF's Chinese and other non-ASCII text "
                                "(install fonts-wqy-microhei, or set CUSTOS_PDF_FONT)");
    }
    HPDF_UseUTFEncodings(p.doc);
    HPDF_SetCurrentEncoder(p.doc, "UTF-8");
    const char *name = strstr(font, ".ttc") != NULL
                           ? HPDF_LoadTTFontFromFile2(p.doc, font, 0, HPDF_TRUE)
                           : HPDF_LoadTTFontFromFile(p.doc, font, HPDF_TRUE);
    p.font = name != NULL ? HPDF_GetFont(p.doc, name, "UTF-8") : NULL;
    p.bold = p.font; /* one face: headings are set larger instead */
    if (p.font == NULL) {
        QRcode_free(p.qr);
        HPDF_Free(p.doc);
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, font, "cannot load the font for the PDF");
    }
    const json_t *c = b->cert;
    new_page(&p);
    heading(&p, "Certificate");
    pline(&p, 0, "Issued", js(c, "issued"));
    char ts[700];
    ts_text(b, ts, sizeof(ts));
    pline(&p, 0, "Timestamp", ts);
    json_t *ord = json_object_get(c, "order");
    pline(&p, 0, "Order", js(ord, "id"));
    pline(&p, 0, "Order SHA-256", js(ord, "sha256"));
    pline(&p, 0, "Case", js(ord, "case"));
    pline(&p, 0, "Contract", js(c, "contract"));
    pdf_party(&p, "Owner", json_object_get(c, "owner"));
    pdf_party(&p, "Vendor", json_object_get(c, "vendor"));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(json_object_get(c, "vendor"), "certifications"), i, v)
    {
        char line[600];
        snprintf(line, sizeof(line), "%s %s%s%s", js(v, "scheme"), js(v, "id"),
                 js(v, "expires")[0] ? ", expires " : "", js(v, "expires"));
        pline(&p, 0, "Certification", line);
    }
    json_array_foreach(json_object_get(c, "items"), i, v)
    {
        char t[200];
        snprintf(t, sizeof(t), "Item %s", js(v, "id"));
        heading(&p, t);
        for (size_t k = 0; item_fields[k] != NULL; k++)
            pline(&p, strcmp(item_fields[k], "result") == 0, item_fields[k], js(v, item_fields[k]));
        size_t j;
        json_t *s;
        json_array_foreach(json_object_get(v, "seals"), j, s)
            pline(&p, 0, "seal", json_string_value(s));
    }
    heading(&p, "Attestation");
    pline(&p, 0, NULL, js(c, "attestation"));
    json_t *people = json_object_get(c, "people");
    pdf_party(&p, "Performed by", json_object_get(people, CUSTOS_DISPOSE_PERFORMER));
    pdf_party(&p, "Verified by", json_object_get(people, CUSTOS_DISPOSE_VERIFIER));
    pdf_party(&p, "Witnessed by", json_object_get(people, CUSTOS_DISPOSE_WITNESS));
    heading(&p, "Attachments");
    json_array_foreach(json_object_get(c, "attachments"), i, v)
    {
        pline(&p, 1, js(v, "kind"), js(v, "path"));
        pline(&p, 0, "SHA-256", js(v, "sha256"));
        pline(&p, 0, "Type", js(v, "mime"));
        pline(&p, 0, "Description", js(v, "description"));
        pdf_thumb(&p, v);
    }
    int rc = CUSTOS_OK;
    if (p.failed)
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, out, "libharu failed to build the PDF");
    struct custos_atomicfile *af = NULL;
    if (rc == CUSTOS_OK)
        rc = custos_atomicfile_create(&af, out, 0644, err);
    if (rc == CUSTOS_OK && HPDF_SaveToStream(p.doc) != HPDF_OK)
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, out, "libharu failed to write the PDF");
    if (rc == CUSTOS_OK) {
        HPDF_ResetStream(p.doc);
        uint8_t chunk[8192];
        for (;;) {
            HPDF_UINT32 n = sizeof(chunk);
            HPDF_STATUS s = HPDF_ReadFromStream(p.doc, chunk, &n);
            if (n > 0 && (rc = custos_atomicfile_write(af, chunk, n)) != CUSTOS_OK) {
                custos_error_copy(err, custos_atomicfile_error(af));
                break;
            }
            if (s == HPDF_STREAM_EOF)
                break;
            if (s != HPDF_OK) {
                rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, out, "libharu stream error");
                break;
            }
        }
    }
    if (rc == CUSTOS_OK && (rc = custos_atomicfile_close(af)) != CUSTOS_OK)
        custos_error_copy(err, custos_atomicfile_error(af));
    custos_atomicfile_free(af);
    HPDF_Free(p.doc);
    QRcode_free(p.qr);
    return rc;
}

int
custos_dispose_render(const char *path, const char *out_path, int format, struct custos_error *err)
{
    if (format != CUSTOS_DISPOSE_RENDER_HTML && format != CUSTOS_DISPOSE_RENDER_PDF)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "custos_dispose_render: unknown format %d", format);
    struct custos__bundle *b = NULL;
    int rc = custos_error_set(err, CUSTOS_OK, 0, NULL, "%s", "");
    FILE *probe = fopen(out_path, "r");
    if (probe != NULL) {
        fclose(probe);
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, out_path, "exists already");
    }
    rc = custos__bundle_open(&b, path, err);
    if (rc == CUSTOS_OK) {
        rc = custos__bundle_check_self(b, err);
        if (rc != CUSTOS_OK)
            custos_error_set(err, rc, 0, path, "%s", err->message);
    }
    if (rc == CUSTOS_OK && format == CUSTOS_DISPOSE_RENDER_HTML) {
        struct buf h = {0};
        html(b, &h);
        rc = h.nomem ? custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory")
                     : custos_write_file_new(out_path, h.p, h.len, 0644, err);
        free(h.p);
    } else if (rc == CUSTOS_OK) {
        rc = pdf(b, out_path, err);
    }
    custos__bundle_free(b);
    return rc;
}
