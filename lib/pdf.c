/* SPDX-License-Identifier: ISC */
/*
 * pdf.c: the libharu helpers the PDF renderers share (pdf_private.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "custos/atomicfile.h"
#include "custos/custos.h"

#include "pdf_private.h"

static void
on_error(HPDF_STATUS code, HPDF_STATUS detail, void *user)
{
    (void)code;
    (void)detail;
    ((struct custos__pdf *)user)->failed = 1;
}

int
custos__pdf_new(struct custos__pdf *p, struct custos_error *err)
{
    memset(p, 0, sizeof(*p));
    const char *font = getenv("CUSTOS_PDF_FONT");
    if (font == NULL || font[0] == '\0')
        font = CUSTOS__PDF_FONT_DEFAULT;
    if (access(font, R_OK) != 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, font,
                                "no font for the PDF's Chinese and other non-ASCII text "
                                "(install fonts-arphic-uming, or set CUSTOS_PDF_FONT)");
    p->doc = HPDF_New(on_error, p);
    if (p->doc == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    HPDF_SetCompressionMode(p->doc, HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(p->doc);
    HPDF_SetCurrentEncoder(p->doc, "UTF-8");
    const char *name = strstr(font, ".ttc") != NULL
                           ? HPDF_LoadTTFontFromFile2(p->doc, font, 0, HPDF_TRUE)
                           : HPDF_LoadTTFontFromFile(p->doc, font, HPDF_TRUE);
    p->font = name != NULL ? HPDF_GetFont(p->doc, name, "UTF-8") : NULL;
    /*
     * The font is subset: libharu 2.3.0 (Debian 12) drops the components of
     * composite glyphs when it subsets, which left most Chinese glyphs of
     * wqy-microhei blank; AR PL UMing draws them as simple glyphs.
     */
    if (p->font == NULL) {
        custos__pdf_free(p);
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, font, "cannot load the font for the PDF");
    }
    return CUSTOS_OK;
}

HPDF_Page
custos__pdf_page(struct custos__pdf *p, float w, float h)
{
    HPDF_Page *n = realloc(p->pages, (p->npages + 1) * sizeof(*n));
    if (n == NULL) {
        p->failed = 1;
        return NULL;
    }
    p->pages = n;
    HPDF_Page pg = HPDF_AddPage(p->doc);
    if (pg == NULL) {
        p->failed = 1;
        return NULL;
    }
    HPDF_Page_SetWidth(pg, w);
    HPDF_Page_SetHeight(pg, h);
    p->pages[p->npages++] = pg;
    return pg;
}

void
custos__pdf_text(struct custos__pdf *p, HPDF_Page pg, float size, float x, float y, const char *s)
{
    if (pg == NULL)
        return;
    HPDF_Page_BeginText(pg);
    HPDF_Page_SetFontAndSize(pg, p->font, size);
    HPDF_Page_TextOut(pg, x, y, s);
    HPDF_Page_EndText(pg);
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

size_t
custos__pdf_fit(struct custos__pdf *p, HPDF_Page pg, float size, const char *s, float width)
{
    (void)pg; /* widths from the font itself, so a count without a page works too */
    char buf[2048];
    size_t n = 0, brk = 0;
    while (s[n] != '\0' && s[n] != '\n') {
        size_t k = utf8_len((const unsigned char *)s + n);
        if (n + k >= sizeof(buf))
            break;
        memcpy(buf, s, n + k);
        buf[n + k] = '\0';
        HPDF_TextWidth tw =
            HPDF_Font_TextWidth(p->font, (const HPDF_BYTE *)buf, (HPDF_UINT)(n + k));
        if ((float)tw.width * size / 1000.0f > width)
            break;
        if ((unsigned char)s[n] >= 0x80 && n > 0)
            brk = n; /* before a wide character */
        n += k;
        if (s[n - 1] == ' ' || (unsigned char)s[n - 1] >= 0x80)
            brk = n;
    }
    if (s[n] != '\0' && s[n] != '\n' && s[n] != ' ' && brk > 0 && brk < n)
        return brk;
    return n > 0 || s[0] == '\0' || s[0] == '\n' ? n : utf8_len((const unsigned char *)s);
}

int
custos__pdf_wrap(struct custos__pdf *p, HPDF_Page pg, float size, float x, float y, float width,
                 float lh, int maxlines, const char *s)
{
    int lines = 0;
    char line[2048];
    while (*s != '\0' && lines < maxlines) {
        size_t n = custos__pdf_fit(p, pg, size, s, width);
        if (n >= sizeof(line))
            n = sizeof(line) - 1;
        memcpy(line, s, n);
        line[n] = '\0';
        if (pg != NULL)
            custos__pdf_text(p, pg, size, x, y - (float)lines * lh, line);
        lines++;
        s += n;
        while (*s == ' ' || *s == '\n')
            s++;
    }
    return lines;
}

int
custos__pdf_save(struct custos__pdf *p, const char *out, struct custos_error *err)
{
    if (p->failed)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, out, "libharu failed to build the PDF");
    struct custos_atomicfile *af = NULL;
    int rc = custos_atomicfile_create(&af, out, 0644, err);
    if (rc == CUSTOS_OK && HPDF_SaveToStream(p->doc) != HPDF_OK)
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, out, "libharu failed to write the PDF");
    if (rc == CUSTOS_OK) {
        HPDF_ResetStream(p->doc);
        uint8_t chunk[8192];
        for (;;) {
            HPDF_UINT32 n = sizeof(chunk);
            HPDF_STATUS s = HPDF_ReadFromStream(p->doc, chunk, &n);
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
    return rc;
}

void
custos__pdf_free(struct custos__pdf *p)
{
    if (p->doc != NULL)
        HPDF_Free(p->doc);
    free(p->pages);
    p->doc = NULL;
    p->pages = NULL;
    p->npages = 0;
}
