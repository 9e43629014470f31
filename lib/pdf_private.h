/* SPDX-License-Identifier: ISC */
/*
 * pdf_private.h: what the PDF renderers share inside libcustos: a libharu
 * document with the embedded CJK TrueType font (AR PL UMing from
 * fonts-arphic-uming, or $CUSTOS_PDF_FONT), UTF-8 text, fitting text to a
 * width without cutting Latin words, and publishing the document with
 * custos_atomicfile. Used by the certificate, the custody form and the label.
 */
#ifndef CUSTOS_PDF_PRIVATE_H
#define CUSTOS_PDF_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "pdf_private.h is internal to libcustos"
#endif

#include <stddef.h>

#include <hpdf.h>

#include "custos/error.h"

#define CUSTOS__PDF_FONT_DEFAULT "/usr/share/fonts/truetype/arphic/uming.ttc"

struct custos__pdf {
    HPDF_Doc doc;
    HPDF_Font font;   /* one face with the CJK glyphs, UTF-8 */
    HPDF_Page *pages; /* every page added, for a last pass (page x of y) */
    size_t npages;
    int failed; /* set by the libharu error handler, or out of memory */
};

/* A new document with the font loaded. Returns CUSTOS_OK, _E_IO (no font), _E_CORRUPT, _E_NOMEM. */
int custos__pdf_new(struct custos__pdf *p, struct custos_error *err);

/* Adds a page of w x h points and returns it (NULL on failure, p->failed set). */
HPDF_Page custos__pdf_page(struct custos__pdf *p, float w, float h);

/* Draws s at (x, y) in the document's font. */
void custos__pdf_text(struct custos__pdf *p, HPDF_Page pg, float size, float x, float y,
                      const char *s);

/*
 * Bytes of s (up to a newline) that fit in width points at size: whole
 * characters, up to the last break that fits (a space, or beside a Chinese
 * character), so a Latin word is cut only when it is wider than the line.
 * pg is unused (widths come from the font).
 */
size_t custos__pdf_fit(struct custos__pdf *p, HPDF_Page pg, float size, const char *s, float width);

/*
 * Draws s wrapped to width from (x, y) down, lines lh apart, at most maxlines
 * (the last is cut); returns the number of lines drawn. With pg NULL, only counts.
 */
int custos__pdf_wrap(struct custos__pdf *p, HPDF_Page pg, float size, float x, float y, float width,
                     float lh, int maxlines, const char *s);

/* Writes the document as the new file out (refused when it exists). */
int custos__pdf_save(struct custos__pdf *p, const char *out, struct custos_error *err);

/* Releases the document; p may be zeroed or already freed. */
void custos__pdf_free(struct custos__pdf *p);

#endif
