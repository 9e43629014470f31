/* SPDX-License-Identifier: ISC */
/*
 * strbuf_private.h: the one growable string builder inside libcustos.
 *
 * Reports, forms, manifests, bag tag files and entry descriptions are built
 * in memory with it. It never fails loudly: after a failed allocation (or a
 * format error) oom is set, every later call is a no-op, and the caller
 * checks oom (or the NULL from custos__sb_take) once at the end.
 *
 * Outline:
 *   struct custos__sb b = {0};
 *   custos__sb_printf(&b, "%s: %d\n", name, n);
 *   char *text = custos__sb_take(&b);    (NULL when memory ran out)
 */
#ifndef CUSTOS_STRBUF_PRIVATE_H
#define CUSTOS_STRBUF_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "strbuf_private.h is internal to libcustos"
#endif

#include <stdarg.h>
#include <stddef.h>

/* Zero-initialise before use. p is NUL-terminated whenever it is not NULL. */
struct custos__sb {
    char *p;
    size_t len; /* bytes in p, without the NUL */
    size_t cap; /* bytes allocated at p */
    int oom;    /* set when memory ran out: later calls do nothing */
};

/* Appends the n bytes at s (which may contain NUL bytes). */
void custos__sb_add(struct custos__sb *b, const void *s, size_t n);
/* Appends the string s. */
void custos__sb_puts(struct custos__sb *b, const char *s);
/* Appends printf-formatted text. */
void custos__sb_printf(struct custos__sb *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void custos__sb_vprintf(struct custos__sb *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/*
 * Returns the text (the caller frees it; "" when nothing was added), or NULL
 * after a failed allocation. b is empty again afterwards.
 */
char *custos__sb_take(struct custos__sb *b);
/* Frees the text; b is empty again. */
void custos__sb_free(struct custos__sb *b);

#endif
