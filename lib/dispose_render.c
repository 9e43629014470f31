/* SPDX-License-Identifier: ISC */
/*
 * dispose_render.c: the printable certificate, as one self-contained HTML
 * page (dispose_render_html.c) or a PDF (dispose_render_pdf.c, libharu),
 * with a QR code (libqrencode) on every page; this file holds
 * custos_dispose_render, and dispose_render_common.c what both renderings
 * share (so neither rendering calls back into this file).
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

#include <stdio.h>
#include <stdlib.h>

#include "custos/atomicfile.h"

#include "dispose_render_private.h"

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
