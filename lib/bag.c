/* SPDX-License-Identifier: ISC */
/*
 * bag.c: the BagIt text files of a seal package.
 *
 * This file reads and writes the manifests (`manifest-sha256.txt`,
 * `tagmanifest-sha256.txt`), `bag-info.txt` and Payload-Oxum, and decides
 * which paths a bag may hold. Manifests are written exactly as `sha256sum`
 * writes them ("HEX  PATH\n"), so `sha256sum -c --strict` reads them; that is
 * only true for names without backslash, CR or LF (sha256sum escapes those)
 * and without '%' (BagIt percent-encodes it), so such names are refused when
 * sealing rather than encoded two different ways.
 *
 * Parsers are strict: a custos package is checked as custos wrote it, and
 * any deviation (CR, a short hash, a duplicate path, a continuation line) is
 * reported as corruption with the line number rather than guessed at.
 * Bags that custos did not write are read by RFC 8493 in full in
 * bag_foreign.c.
 */
#include "bag_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custos/digest.h"
#include "text_private.h"

int
custos__bag_path_check(const char *rel)
{
    size_t n = strlen(rel);
    if (n == 0 || n >= BAG_PATH_MAX || rel[0] == '/')
        return BAG_PATH_HOSTILE;
    const char *c = rel;
    while (*c) {
        const char *e = strchr(c, '/');
        size_t len = e ? (size_t)(e - c) : strlen(c);
        if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
            return BAG_PATH_HOSTILE;
        c += len;
        if (*c == '/')
            c++;
    }
    if (rel[n - 1] == '/')
        return BAG_PATH_HOSTILE;
    for (const unsigned char *p = (const unsigned char *)rel; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '\\' || *p == '%')
            return BAG_PATH_NAME;
    return BAG_PATH_OK;
}

int
custos__bag_manifest_add(struct bag_manifest *m, const char *path, const uint8_t sha256[32],
                         uint64_t size)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        struct bag_line *v = realloc(m->v, cap * sizeof(*v));
        if (v == NULL)
            return CUSTOS_E_NOMEM;
        m->v = v;
        m->cap = cap;
    }
    char *p = strdup(path);
    if (p == NULL)
        return CUSTOS_E_NOMEM;
    struct bag_line *l = &m->v[m->n++];
    memset(l, 0, sizeof(*l));
    l->path = p;
    memcpy(l->sha256, sha256, 32);
    l->size = size;
    return CUSTOS_OK;
}

static int
line_cmp(const void *a, const void *b)
{
    return strcmp(((const struct bag_line *)a)->path, ((const struct bag_line *)b)->path);
}

long
custos__bag_manifest_sort(struct bag_manifest *m)
{
    if (m->n > 1)
        qsort(m->v, m->n, sizeof(*m->v), line_cmp);
    for (size_t i = 1; i < m->n; i++)
        if (strcmp(m->v[i - 1].path, m->v[i].path) == 0)
            return (long)i;
    return -1;
}

struct bag_line *
custos__bag_manifest_find(const struct bag_manifest *m, const char *path)
{
    struct bag_line key = {.path = (char *)path};
    return m->n ? bsearch(&key, m->v, m->n, sizeof(*m->v), line_cmp) : NULL;
}

/* What both strict parsers ask of a text file first: no NUL, LF at the end. */
static int
check_text(const char *name, const char *text, size_t len, struct custos_error *err)
{
    if (memchr(text, '\0', len) != NULL)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, name, "holds a NUL byte");
    if (len > 0 && text[len - 1] != '\n')
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, name, "does not end with a line end");
    return CUSTOS_OK;
}

int
custos__bag_manifest_parse(const char *name, const char *text, size_t len, struct bag_manifest *m,
                           struct custos_error *err)
{
    const char *p = text, *end = text + len;
    unsigned long lineno = 0;
    char path[BAG_PATH_MAX];
    int rc = check_text(name, text, len, err);
    if (rc != CUSTOS_OK)
        return rc;
    while (p < end) {
        lineno++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)(nl - p);
        uint8_t sha[32];
        char hex[65];
        struct custos_error e2;
        if (n >= 64) {
            memcpy(hex, p, 64);
            hex[64] = '\0';
        }
        if (n < 67 || p[64] != ' ' || p[65] != ' ' || strspn(hex, "0123456789abcdef") != 64 ||
            custos_hex_decode(hex, sha, sizeof(sha), &e2) != CUSTOS_OK)
            return custos_error_set(err, CUSTOS_E_CORRUPT, 0, name,
                                    "line %lu: not \"SHA256  PATH\"", lineno);
        if (n - 66 >= sizeof(path))
            return custos_error_set(err, CUSTOS_E_CORRUPT, 0, name, "line %lu: path too long",
                                    lineno);
        memcpy(path, p + 66, n - 66);
        path[n - 66] = '\0';
        if (custos__bag_path_check(path) != BAG_PATH_OK)
            return custos_error_set(err, CUSTOS_E_CORRUPT, 0, name, "line %lu: bad path", lineno);
        if (custos__bag_manifest_add(m, path, sha, 0) != CUSTOS_OK)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, name, "out of memory");
        p = nl + 1;
    }
    long dup = custos__bag_manifest_sort(m);
    if (dup >= 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, name, "%s is listed twice",
                                m->v[dup].path);
    return CUSTOS_OK;
}

void
custos__bag_manifest_text(const struct bag_manifest *m, struct custos__sb *out)
{
    char hex[65];
    for (size_t i = 0; i < m->n; i++) {
        custos_hex_encode(m->v[i].sha256, 32, hex);
        custos__sb_printf(out, "%s  %s\n", hex, m->v[i].path);
    }
}

void
custos__bag_manifest_free(struct bag_manifest *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->v[i].path);
    free(m->v);
    memset(m, 0, sizeof(*m));
}

int
custos__bag_value_ok(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > 4096)
        return 0;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

int
custos__bag_info_parse(const char *name, const char *text, size_t len, struct bag_info *info,
                       struct custos_error *err)
{
    const char *p = text, *end = text + len;
    unsigned long lineno = 0;
    int rc = check_text(name, text, len, err);
    if (rc != CUSTOS_OK)
        return rc;
    while (p < end) {
        lineno++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *colon = memchr(p, ':', (size_t)(nl - p));
        if (colon == NULL || colon == p || colon + 1 >= nl || colon[1] != ' ' || p[0] == ' ' ||
            p[0] == '\t')
            return custos_error_set(err, CUSTOS_E_CORRUPT, 0, name,
                                    "line %lu: not \"Label: value\"", lineno);
        char *label = strndup(p, (size_t)(colon - p));
        char *value = strndup(colon + 2, (size_t)(nl - colon - 2));
        char **l2 = realloc(info->label, (info->n + 1) * sizeof(char *));
        if (l2 != NULL)
            info->label = l2;
        char **v2 = realloc(info->value, (info->n + 1) * sizeof(char *));
        if (v2 != NULL)
            info->value = v2;
        if (label == NULL || value == NULL || l2 == NULL || v2 == NULL) {
            free(label);
            free(value);
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, name, "out of memory");
        }
        info->label[info->n] = label;
        info->value[info->n] = value;
        info->n++;
        if (!custos__bag_value_ok(value) || strchr(label, ' ') != NULL)
            return custos_error_set(err, CUSTOS_E_CORRUPT, 0, name, "line %lu: bad %s", lineno,
                                    strchr(label, ' ') ? "label" : "value");
        p = nl + 1;
    }
    return CUSTOS_OK;
}

const char *
custos__bag_info_get(const struct bag_info *info, const char *label)
{
    for (size_t i = 0; i < info->n; i++)
        if (strcmp(info->label[i], label) == 0)
            return info->value[i];
    return NULL;
}

void
custos__bag_info_free(struct bag_info *info)
{
    for (size_t i = 0; i < info->n; i++) {
        free(info->label[i]);
        free(info->value[i]);
    }
    free(info->label);
    free(info->value);
    memset(info, 0, sizeof(*info));
}

int
custos__bag_oxum_parse(const char *s, uint64_t *octets, uint64_t *files)
{
    const char *dot = s != NULL ? strchr(s, '.') : NULL;
    if (dot == NULL || dot == s || dot[1] == '\0')
        return -1;
    if (strspn(s, "0123456789") != (size_t)(dot - s) ||
        strspn(dot + 1, "0123456789") != strlen(dot + 1))
        return -1;
    if ((size_t)(dot - s) > 19 || strlen(dot + 1) > 19)
        return -1;
    *octets = strtoull(s, NULL, 10);
    *files = strtoull(dot + 1, NULL, 10);
    return 0;
}
