/* SPDX-License-Identifier: ISC */
/*
 * strbuf.c: the growable string builder (strbuf_private.h). Capacity
 * doubles from 256 bytes, so appending n bytes costs O(n) amortised.
 */
#include "strbuf_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for extra more bytes and the NUL; false (and oom) when it cannot. */
static int
reserve(struct custos__sb *b, size_t extra)
{
    if (b->oom)
        return 0;
    if (extra > (size_t)-1 - b->len - 1) {
        b->oom = 1;
        return 0;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > (size_t)-1 / 2 ? need : cap * 2;
    char *p = realloc(b->p, cap);
    if (p == NULL) {
        b->oom = 1;
        return 0;
    }
    b->p = p;
    b->cap = cap;
    return 1;
}

void
custos__sb_add(struct custos__sb *b, const void *s, size_t n)
{
    if (!reserve(b, n))
        return;
    if (n > 0)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void
custos__sb_puts(struct custos__sb *b, const char *s)
{
    custos__sb_add(b, s, strlen(s));
}

void
custos__sb_vprintf(struct custos__sb *b, const char *fmt, va_list ap)
{
    if (b->oom)
        return;
    va_list again;
    va_copy(again, ap);
    int w = vsnprintf(NULL, 0, fmt, ap);
    if (w < 0 || !reserve(b, (size_t)w)) {
        b->oom = 1;
        va_end(again);
        return;
    }
    vsnprintf(b->p + b->len, b->cap - b->len, fmt, again);
    va_end(again);
    b->len += (size_t)w;
}

void
custos__sb_printf(struct custos__sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    custos__sb_vprintf(b, fmt, ap);
    va_end(ap);
}

char *
custos__sb_take(struct custos__sb *b)
{
    if (b->oom) {
        custos__sb_free(b);
        return NULL;
    }
    char *p = b->p != NULL ? b->p : strdup("");
    memset(b, 0, sizeof(*b));
    return p;
}

void
custos__sb_free(struct custos__sb *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}
