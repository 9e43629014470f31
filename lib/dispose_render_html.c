/* SPDX-License-Identifier: ISC */
/*
 * dispose_render_html.c: the certificate as one self-contained HTML page
 * (dispose_render.c): the text exactly as recorded, labels from labels.c,
 * the QR code as inline SVG, photos as data: URIs; print CSS keeps
 * headings with what follows and blocks, rows and photos with captions
 * whole.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <qrencode.h>

#include "base64_private.h"
#include "dispose_render_private.h"

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

static void
h2(struct buf *b, const char *s)
{
    puts_(b, "<h2>");
    esc(b, s);
    puts_(b, "</h2>\n");
}

static void
party_rows(struct buf *b, struct custos__lab *l, const char *title, const json_t *p)
{
    puts_(b, "<section class=\"block\">");
    h2(b, title);
    puts_(b, "<table>\n");
    for (size_t i = 0; custos__party_fields[i] != NULL; i++)
        row(b, custos__L(l, custos__party_fields[i]), custos__rjs(p, custos__party_fields[i]));
    puts_(b, "</table></section>\n");
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
             w, w, w * 3, w * 3);
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
html_thumb(struct buf *b, const struct custos__bundle *bd, const json_t *v)
{
    const char *mime = custos__rjs(v, "mime");
    if (strcmp(mime, "image/png") != 0 && strcmp(mime, "image/jpeg") != 0 &&
        strcmp(mime, "image/gif") != 0)
        return;
    char path[PATH_MAX * 2], *data = NULL;
    size_t len = 0;
    struct custos_error e;
    snprintf(path, sizeof(path), "%s/%s", bd->dir, custos__rjs(v, "path"));
    if (custos__read_small(path, THUMB_MAX, &data, &len, &e) != CUSTOS_OK)
        return;
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

/* s as the inside of a CSS string: quotes, backslashes and controls escaped. */
static void
css_str(struct buf *b, const char *s)
{
    char hex[16];
    for (; *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\' || ch < 0x20 || ch == 0x7f || ch == '<' || ch == '>') {
            snprintf(hex, sizeof(hex), "\\%x ", ch);
            puts_(b, hex);
        } else {
            char one[2] = {(char)ch, '\0'};
            puts_(b, one);
        }
    }
}

/*
 * The printed page's margins, as the PDF has them: the certificate id and
 * bundle digest at the foot of every page and "page x of y" (CSS page
 * margin boxes; browsers that do not print them still print the page).
 */
static void
page_css(struct buf *b, int lang, const char *qr)
{
    puts_(b, "@page{margin:18mm 15mm 22mm;@bottom-left{font:8pt monospace;content:\"");
    css_str(b, qr);
    puts_(b, "\"}@bottom-right{font:8pt sans-serif;content:");
    if (lang == CUSTOS_LANG_ZH_TW)
        puts_(b, "\"第 \" counter(page) \" 頁，共 \" counter(pages) \" 頁\"");
    else if (lang == CUSTOS_LANG_EN)
        puts_(b, "\"Page \" counter(page) \" of \" counter(pages)");
    else
        puts_(b, "\"第 \" counter(page) \" 頁，共 \" counter(pages) \" 頁 / Page \" counter(page) "
                 "\" of \" counter(pages)");
    puts_(b, "}}");
}

/* The certificate id and the bundle SHA-256 that lead paper back to the
 * signed bundle, in the letterhead and the footer: the id between open and
 * sep. */
static void
ids(const struct custos__bundle *bd, struct custos__lab *l, struct buf *b, const char *open,
    const char *sep)
{
    esc(b, custos__L(l, "certificate_id"));
    puts_(b, open);
    esc(b, custos__rjs(bd->cert, "certificate_id"));
    puts_(b, sep);
    esc(b, custos__L(l, "bundle_sha256"));
    puts_(b, ": <span class=\"id\">");
    esc(b, bd->sha256);
    puts_(b, "</span>");
}

/* The head, the style and the letterhead: who issued it, the ids, what it is. */
static void
html_head(const struct custos__bundle *bd, struct custos__lab *l, struct buf *b)
{
    const json_t *c = bd->cert;
    char qr[512];
    custos__render_qr_text(bd, qr, sizeof(qr));
    puts_(b, l->lang == CUSTOS_LANG_EN ? "<!DOCTYPE html>\n<html lang=\"en\">"
                                       : "<!DOCTYPE html>\n<html lang=\"zh-Hant-TW\">");
    puts_(b, "<head><meta charset=\"utf-8\">\n<title>");
    esc(b, custos__L(l, "doc_title"));
    puts_(b, " ");
    esc(b, custos__rjs(c, "certificate_id"));
    /* print: a heading stays with what follows; a block, a table row and a
     * photo with its caption are never split; words are not cut */
    puts_(b, "</title>\n<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
             "table{border-collapse:collapse;margin-bottom:1em;width:100%}"
             "th,td{border:1px solid #888;padding:.2em .5em;text-align:left;vertical-align:top}"
             "th{background:#eee;width:14em}table.items th{width:auto}"
             ".id{font-family:monospace;overflow-wrap:anywhere}.qr{float:right}"
             ".letterhead{border-bottom:2px solid #000;margin-bottom:1em}"
             ".vendor{font-size:1.2em;font-weight:bold}"
             "img.thumb{max-width:240px;max-height:180px}"
             "h1,h2,h3{break-after:avoid;page-break-after:avoid}"
             ".block,figure,tr{break-inside:avoid;page-break-inside:avoid}"
             ".sig td{height:3em}.sign{width:14em}"
             "footer{border-top:1px solid #000;margin-top:2em;font-size:.8em}");
    page_css(b, l->lang, qr);
    puts_(b, "</style></head><body>\n<header class=\"letterhead\">");
    qr_svg(b, qr);
    puts_(b, "<div class=\"vendor\">");
    esc(b, custos__vendor_name(c));
    puts_(b, "</div><div>");
    esc(b, custos__rjs(json_object_get(c, "vendor"), "address"));
    puts_(b, "</div>\n<h1>");
    esc(b, custos__L(l, "doc_title"));
    puts_(b, "</h1>\n<p>");
    ids(bd, l, b, ": <b class=\"id\">", "</b><br>");
    puts_(b, "</p><p>");
    esc(b, custos__L(l, "record_note"));
    puts_(b, ". ");
    esc(b, custos__L(l, "check_note"));
    puts_(b, ".</p></header>\n<section class=\"block\">");
}

/* The certificate, its parties and the vendor's certifications. */
static void
html_certificate(const struct custos__bundle *bd, struct custos__lab *l, struct buf *b)
{
    const json_t *c = bd->cert;
    h2(b, custos__L(l, "certificate"));
    puts_(b, "<table>\n");
    row(b, custos__L(l, "issued"), custos__rjs(c, "issued"));
    char ts[2600];
    custos__render_ts_text(bd, l->lang, ts, sizeof(ts));
    row(b, custos__L(l, "timestamp"), ts);
    json_t *ord = json_object_get(c, "order");
    row(b, custos__L(l, "order"), custos__rjs(ord, "id"));
    row(b, custos__L(l, "order_sha256"), custos__rjs(ord, "sha256"));
    row(b, custos__L(l, "case"), custos__rjs(ord, "case"));
    row(b, custos__L(l, "ledger"), custos__rjs(ord, "ledger"));
    row(b, custos__L(l, "contract"), custos__rjs(c, "contract"));
    json_t *cu = json_object_get(c, "custody");
    row(b, custos__L(l, "received_by"), custos__rjs(cu, "received_by"));
    row(b, custos__L(l, "received_at"), custos__rjs(cu, "received_at"));
    row(b, custos__L(l, "carrier"), custos__rjs(cu, "carrier"));
    puts_(b, "</table></section>\n");
    party_rows(b, l, custos__L(l, "owner"), json_object_get(c, "owner"));
    party_rows(b, l, custos__L(l, "vendor"), json_object_get(c, "vendor"));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(json_object_get(c, "vendor"), "certifications"), i, v)
    {
        puts_(b, "<p>");
        esc(b, custos__L(l, "certification"));
        puts_(b, ": ");
        esc(b, custos__rjs(v, "scheme"));
        puts_(b, " ");
        esc(b, custos__rjs(v, "id"));
        if (custos__rjs(v, "expires")[0] != '\0') {
            puts_(b, ", ");
            esc(b, custos__L(l, "expires"));
            puts_(b, " ");
            esc(b, custos__rjs(v, "expires"));
        }
        puts_(b, "</p>\n");
    }
}

/* The items: a summary table, then every field of each medium. */
static void
html_items(const struct custos__bundle *bd, struct custos__lab *l, struct buf *b)
{
    const json_t *c = bd->cert;
    size_t i;
    json_t *v;
    h2(b, custos__L(l, "item_summary"));
    puts_(b, "<table class=\"items\"><tr>");
    static const char *const cols[] = {"id",           "device", "media_type",
                                       "method_short", "result", "time"};
    for (size_t k = 0; k < 6; k++) {
        puts_(b, "<th>");
        esc(b, custos__L(l, cols[k]));
        puts_(b, "</th>");
    }
    puts_(b, "</tr>\n");
    json_array_foreach(json_object_get(c, "items"), i, v)
    {
        char dev[600], meth[200];
        custos__device_text(v, dev, sizeof(dev));
        snprintf(meth, sizeof(meth), "%s / %s", custos__V(l, v, "category"),
                 custos__V(l, v, "method"));
        const char *cells[] = {custos__rjs(v, "id"),         dev,
                               custos__rjs(v, "media_type"), meth,
                               custos__V(l, v, "result"),    custos__rjs(v, "time")};
        puts_(b, "<tr>");
        for (size_t k = 0; k < 6; k++) {
            puts_(b, "<td>");
            esc(b, cells[k]);
            puts_(b, "</td>");
        }
        puts_(b, "</tr>\n");
    }
    puts_(b, "</table>\n");
    h2(b, custos__L(l, "media"));
    json_array_foreach(json_object_get(c, "items"), i, v)
    {
        puts_(b, "<section class=\"block\"><h3>");
        esc(b, custos__L(l, "item"));
        puts_(b, " ");
        esc(b, custos__rjs(v, "id"));
        puts_(b, "</h3><table>\n");
        for (size_t k = 0; custos__item_fields[k] != NULL; k++)
            row(b, custos__L(l, custos__item_fields[k]), custos__V(l, v, custos__item_fields[k]));
        size_t j;
        json_t *s;
        json_array_foreach(json_object_get(v, "seals"), j, s)
            row(b, custos__L(l, "seals"), json_string_value(s));
        puts_(b, "</table></section>\n");
    }
}

/* The attestation, and one row per signer: who, the key, room to sign by hand. */
static void
html_signatures(const struct custos__bundle *bd, struct custos__lab *l, struct buf *b)
{
    const json_t *c = bd->cert;
    puts_(b, "<section class=\"block\">");
    h2(b, custos__L(l, "attestation"));
    puts_(b, "<p>");
    esc(b, custos__rjs(c, "attestation"));
    puts_(b, "</p></section>\n<section class=\"block\">");
    h2(b, custos__L(l, "signatures"));
    /* one row per signer: who, the digital signature's key, and a space to
     * sign and date by hand */
    puts_(b, "<table class=\"sig\"><tr><th></th><th>");
    esc(b, custos__L(l, "name"));
    puts_(b, " / ");
    esc(b, custos__L(l, "title"));
    puts_(b, "</th><th>");
    esc(b, custos__L(l, "digital_signature"));
    puts_(b, "</th><th class=\"sign\">");
    esc(b, custos__L(l, "handwritten"));
    puts_(b, "</th><th>");
    esc(b, custos__L(l, "date"));
    puts_(b, "</th></tr>\n");
    json_t *people = json_object_get(c, "people");
    for (size_t k = 0; custos__signer_roles[k] != NULL; k++) {
        const json_t *p = json_object_get(people, custos__signer_roles[k]);
        puts_(b, "<tr><th>");
        esc(b, custos__L(l, custos__signer_roles[k]));
        puts_(b, "</th><td>");
        esc(b, custos__rjs(p, "name"));
        static const char *const more[] = {"title", "organisation", "contact", "location"};
        for (size_t m = 0; m < 4; m++)
            if (custos__rjs(p, more[m])[0]) {
                puts_(b, "<br>");
                if (m >= 2) {
                    esc(b, custos__L(l, more[m]));
                    puts_(b, ": ");
                }
                esc(b, custos__rjs(p, more[m]));
            }
        puts_(b, "</td><td>");
        esc(b, custos__L(l, "key"));
        puts_(b, ":<br><span class=\"id\">");
        esc(b, custos__rjs(p, "key"));
        puts_(b, "</span><br>");
        esc(b, custos__L(l, "issued"));
        puts_(b, ": ");
        esc(b, custos__rjs(c, "issued"));
        puts_(b, "</td><td></td><td></td></tr>\n");
    }
    puts_(b, "</table><p>");
    esc(b, custos__L(l, "signed_note"));
    puts_(b, ".</p></section>\n");
}

/* The attachments with their thumbnails, and the footer with the ids. */
static void
html_attachments(const struct custos__bundle *bd, struct custos__lab *l, struct buf *b)
{
    const json_t *c = bd->cert;
    size_t i;
    json_t *v;
    h2(b, custos__L(l, "attachments"));
    json_array_foreach(json_object_get(c, "attachments"), i, v)
    {
        puts_(b, "<figure class=\"block\"><table>\n");
        row(b, custos__L(l, "kind"), custos__L(l, custos__rjs(v, "kind")));
        row(b, custos__L(l, "file"), custos__rjs(v, "path"));
        char items[600];
        custos__items_text(v, items, sizeof(items));
        row(b, custos__L(l, "items"), items);
        row(b, custos__L(l, "description"), custos__rjs(v, "description"));
        row(b, custos__L(l, "captured"), custos__rjs(v, "captured"));
        row(b, custos__L(l, "mime"), custos__rjs(v, "mime"));
        row(b, custos__L(l, "sha256"), custos__rjs(v, "sha256"));
        puts_(b, "</table>");
        html_thumb(b, bd, v);
        puts_(b, "</figure>\n");
    }
    puts_(b, "<footer>");
    ids(bd, l, b, ": ", " &middot; ");
    puts_(b, "</footer>\n</body></html>\n");
}

static void
html(const struct custos__bundle *bd, int lang, struct buf *b)
{
    struct custos__lab lb = {.lang = lang}, *l = &lb;
    html_head(bd, l, b);
    html_certificate(bd, l, b);
    html_items(bd, l, b);
    html_signatures(bd, l, b);
    html_attachments(bd, l, b);
}

int
custos__render_html(const struct custos__bundle *b, int lang, char **out, size_t *len)
{
    struct buf h = {0};
    html(b, lang, &h);
    if (h.nomem) {
        free(h.p);
        return CUSTOS_E_NOMEM;
    }
    *out = h.p;
    *len = h.len;
    return CUSTOS_OK;
}
