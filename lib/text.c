/* SPDX-License-Identifier: ISC */
/*
 * text.c: hex, UTF-8, display forms and markup escaping (custos/text.h,
 * text_private.h). The one UTF-8 decoder in libcustos is here: manifests,
 * key names, reports and DFXML all decide "is this text" the same way.
 */
#include "custos/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text_private.h"

void
custos_hex_encode(const uint8_t *bytes, size_t len, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 0xf];
    }
    hex[2 * len] = '\0';
}

int
custos__hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int
custos_hex_decode(const char *hex, uint8_t *bytes, size_t len, struct custos_error *err)
{
    if (strlen(hex) != 2 * len)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                "expected %zu hex digits, found %zu", 2 * len, strlen(hex));
    for (size_t i = 0; i < len; i++) {
        int hi = custos__hex_digit(hex[2 * i]), lo = custos__hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                    "non-hex character at position %zu", 2 * i + (hi < 0 ? 0 : 1));
        bytes[i] = (uint8_t)(hi << 4 | lo);
    }
    return CUSTOS_OK;
}

bool
custos__hex_lower(const char *s, size_t n)
{
    return s != NULL && strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

size_t
custos__utf8_char(const unsigned char *s, size_t left)
{
    if (left == 0)
        return 0;
    unsigned char c = s[0];
    size_t n;
    uint32_t cp;
    if (c == 0)
        return 0;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (left < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

bool
custos_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = custos__utf8_char(p + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

void
custos_path_display(const char *name, size_t len, char *buf, size_t size)
{
    const unsigned char *p = (const unsigned char *)name;
    size_t o = 0, i = 0;
    if (size == 0)
        return;
    while (i < len) {
        char tmp[8];
        size_t tn;
        size_t n = custos__utf8_char(p + i, len - i);
        if (n == 1 && p[i] == '\\') {
            memcpy(tmp, "\\\\", 2);
            tn = 2;
        } else if (n == 1 && p[i] == '\n') {
            memcpy(tmp, "\\n", 2);
            tn = 2;
        } else if (n == 1 && p[i] == '\t') {
            memcpy(tmp, "\\t", 2);
            tn = 2;
        } else if (n == 1 && p[i] == '\r') {
            memcpy(tmp, "\\r", 2);
            tn = 2;
        } else if (n == 0 || (n == 1 && (p[i] < 0x20 || p[i] == 0x7f))) {
            snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
            tn = 4;
            n = 1;
        } else {
            memcpy(tmp, p + i, n);
            tn = n;
        }
        if (o + tn >= size)
            break;
        memcpy(buf + o, tmp, tn);
        o += tn;
        i += n;
    }
    buf[o] = '\0';
}

char *
custos__text_ascii_hex(const char *s)
{
    size_t n = strlen(s);
    char *buf = malloc(4 * n + 1), *p = buf;
    if (buf == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        /* ASCII stays, but for the backslash, so that \xNN is unambiguous. */
        if ((unsigned char)s[i] < 0x80 && s[i] != '\\')
            *p++ = s[i];
        else
            p += sprintf(p, "\\x%02x", (unsigned char)s[i]);
    }
    *p = '\0';
    return buf;
}

/* The entity for c in HTML (apos as &#39;, which HTML 4 also knows) or XML, or NULL. */
static const char *
entity(char c, int xml)
{
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return xml ? "&apos;" : "&#39;";
    default:
        return NULL;
    }
}

static void
escape(struct custos__sb *b, const char *s, size_t len, int xml)
{
    size_t run = 0; /* bytes before s[i] not yet appended */
    for (size_t i = 0; i < len; i++) {
        const char *ent = entity(s[i], xml);
        if (ent == NULL) {
            run++;
            continue;
        }
        custos__sb_add(b, s + i - run, run);
        custos__sb_puts(b, ent);
        run = 0;
    }
    custos__sb_add(b, s + len - run, run);
}

void
custos__sb_html(struct custos__sb *b, const char *s)
{
    if (s != NULL)
        escape(b, s, strlen(s), 0);
}

void
custos__sb_xml(struct custos__sb *b, const char *s, size_t len)
{
    escape(b, s, len, 1);
}

char *
custos_utf8_or_display(const char *s)
{
    size_t len = strlen(s);
    if (custos_utf8_valid(s, len))
        return strdup(s);
    char *disp = malloc(4 * len + 1);
    if (disp != NULL)
        custos_path_display(s, len, disp, 4 * len + 1);
    return disp;
}
