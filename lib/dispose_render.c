/* SPDX-License-Identifier: ISC */
/*
 * dispose_render.c: the printable certificate, as one self-contained HTML
 * page (dispose_render_html.c) or a PDF (dispose_render_pdf.c, libharu),
 * with a QR code (libqrencode) on every page; this file holds what both
 * share and custos_dispose_render.
 *
 * The signed bundle is the record; these are renderings of it. So render
 * first checks the bundle on its own terms (custos__bundle_check_self): a
 * page is never printed for a bundle whose files or signatures do not hold.
 * Every page carries the certificate id and the bundle SHA-256 in text and
 * in the QR code ("CERTIFICATE-ID sha256:HEX"), so paper leads back to the
 * signed bundle. The PDF embeds a TrueType font that covers Traditional
 * Chinese (AR PL UMing from Debian's fonts-arphic-uming, or the font
 * CUSTOS_PDF_FONT names) and prints every field in UTF-8; without one it
 * refuses rather than print names as '?'. (libharu 2.3's subset of
 * WenQuanYi Micro Hei drops the outlines of most Chinese glyphs: the text
 * is there for pdftotext but blank on paper.) Labels come from labels.c in
 * the language asked for. The HTML page carries the exact UTF-8 text.
 */
#include "custos/dispose.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "custos/atomicfile.h"
#include "custos/timestamp.h"

#include "dispose_render_private.h"

const char *
custos__rjs(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s != NULL ? s : "";
}

/* The QR payload of every page. */
void
custos__render_qr_text(const struct custos__bundle *b, char *out, size_t len)
{
    snprintf(out, len, "%s sha256:%s", custos__rjs(b->cert, "certificate_id"), b->sha256);
}

/* The timestamp's genTime and TSA, as text, or "" when the bundle has none. */
void
custos__render_ts_text(const struct custos__bundle *b, int lang, char *out, size_t len)
{
    char path[PATH_MAX * 2], *tsr = NULL;
    size_t n = 0;
    struct custos_error e;
    struct custos_timestamp_info info;
    out[0] = '\0';
    snprintf(path, sizeof(path), "%s/%s", b->dir, CUSTOS_DISPOSE_TIMESTAMP_FILE);
    if (custos__read_small(path, CUSTOS_TIMESTAMP_REPLY_MAX, &tsr, &n, &e) != CUSTOS_OK)
        return;
    char zh[1200] = "", en[1200] = "";
    if (custos_timestamp_info((const uint8_t *)tsr, n, &info, &e) == CUSTOS_OK) {
        snprintf(zh, sizeof(zh),
                 "%s，時戳機構 %s（RFC 3161；以 custos-dispose verify --tsa-ca 查驗）",
                 info.gen_time, info.tsa_name[0] ? info.tsa_name : "未具名");
        snprintf(en, sizeof(en),
                 "%s by %s (RFC 3161; check it with custos-dispose verify --tsa-ca)", info.gen_time,
                 info.tsa_name[0] ? info.tsa_name : "an unnamed TSA");
    } else {
        snprintf(zh, sizeof(zh), "timestamp.tsr 無法讀取");
        snprintf(en, sizeof(en), "timestamp.tsr cannot be read");
    }
    if (lang == CUSTOS_LANG_ZH_TW)
        snprintf(out, len, "%s", zh);
    else if (lang == CUSTOS_LANG_EN)
        snprintf(out, len, "%s", en);
    else
        snprintf(out, len, "%s / %s", zh, en);
    free(tsr);
}

/* ---- labels ---- */

const char *
custos__L(struct custos__lab *l, const char *key)
{
    char *b = l->buf[l->next++ % 16];
    return custos__label(key, l->lang, b, sizeof(l->buf[0]));
}

const char *
custos__V(struct custos__lab *l, const json_t *o, const char *k)
{
    char *b = l->buf[l->next++ % 16];
    const char *v = custos__rjs(o, k), *t = custos__value(k, v, l->lang, b, sizeof(l->buf[0]));
    return t != NULL ? t : v;
}

void
custos__items_text(const json_t *attachment, char *out, size_t len)
{
    size_t j;
    json_t *s;
    out[0] = '\0';
    json_array_foreach(json_object_get(attachment, "items"), j, s)
    {
        size_t n = strlen(out);
        snprintf(out + n, len - n, "%s%s", j ? ", " : "", json_string_value(s));
    }
}

/* The fields of a certificate item, in the order both renderings list them
 * (destruction-proof.md, the certificate's items). */
const char *const custos__item_fields[] = {"make",
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

/* The fields of a party, in the order both renderings list them. */
const char *const custos__party_fields[] = {"name",    "title",    "organisation", "address",
                                            "contact", "location", "key",          NULL};

/* The signers, in the order the certificate lists them. */
const char *const custos__signer_roles[] = {CUSTOS_DISPOSE_PERFORMER, CUSTOS_DISPOSE_VERIFIER,
                                            CUSTOS_DISPOSE_WITNESS, NULL};

/* The letterhead's name: the vendor's organisation, else its name. */
const char *
custos__vendor_name(const json_t *c)
{
    const json_t *v = json_object_get(c, "vendor");
    return custos__rjs(v, "organisation")[0] ? custos__rjs(v, "organisation")
                                             : custos__rjs(v, "name");
}

/* "make model, serial" of an item for the summary table. */
void
custos__device_text(const json_t *it, char *out, size_t len)
{
    snprintf(out, len, "%s%s%s%s%s", custos__rjs(it, "make"),
             custos__rjs(it, "model")[0] ? " " : "", custos__rjs(it, "model"),
             custos__rjs(it, "serial")[0] ? " / " : "", custos__rjs(it, "serial"));
}

int
custos_dispose_render(const char *path, const char *out_path, int format, int lang,
                      struct custos_error *err)
{
    if (lang != CUSTOS_LANG_BOTH && lang != CUSTOS_LANG_ZH_TW && lang != CUSTOS_LANG_EN)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "custos_dispose_render: unknown language %d", lang);
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
        char *h = NULL;
        size_t n = 0;
        rc = custos__render_html(b, lang, &h, &n) != CUSTOS_OK
                 ? custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory")
                 : custos_write_file_new(out_path, h, n, 0644, err);
        free(h);
    } else if (rc == CUSTOS_OK) {
        rc = custos__render_pdf(b, lang, out_path, err);
    }
    custos__bundle_free(b);
    return rc;
}
