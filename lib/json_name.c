/* SPDX-License-Identifier: ISC */
/*
 * json_name.c: names and text that may not be UTF-8, in JSON (the rule of
 * docs/formats/manifest.md, "Names"; json_name_private.h).
 */
#include "json_name_private.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64_private.h"
#include "custos/manifest.h" /* custos_utf8_valid, custos_path_display */

int
custos__json_set_name(json_t *obj, const char *key, const char *name, size_t len)
{
    if (custos_utf8_valid(name, len))
        return json_object_set_new(obj, key, json_stringn(name, len));
    char *b64 = malloc(CUSTOS__B64_SIZE(len));
    char *disp = malloc(4 * len + 1);
    int rc = -1;
    if (b64 != NULL && disp != NULL) {
        custos__b64_encode((const uint8_t *)name, len, b64);
        custos_path_display(name, len, disp, 4 * len + 1);
        char key64[64];
        snprintf(key64, sizeof(key64), "%s_base64", key);
        rc = json_object_set_new(obj, key, json_string(disp));
        if (rc == 0)
            rc = json_object_set_new(obj, key64, json_string(b64));
    }
    free(b64);
    free(disp);
    return rc;
}

int
custos__json_set_names(json_t *obj, const char *key, const char *name)
{
    return custos__json_set_name(obj, key, name, strlen(name));
}

json_t *
custos__json_text(const char *s)
{
    char *t = custos_utf8_or_display(s);
    json_t *j = t != NULL ? json_string(t) : NULL;
    free(t);
    return j;
}

int
custos__json_get_name(const json_t *obj, const char *key, char **out, size_t *len)
{
    char key64[64];
    snprintf(key64, sizeof(key64), "%s_base64", key);
    *out = NULL;
    *len = 0;
    const json_t *b = json_object_get(obj, key64);
    if (b != NULL) {
        const char *s = json_string_value(b);
        if (s == NULL)
            return -1;
        size_t n = strlen(s);
        uint8_t *buf = malloc(n / 4 * 3 + 1);
        size_t got = 0;
        if (buf == NULL || custos__b64_decode(s, n, buf, n / 4 * 3, &got) != 0 ||
            memchr(buf, '\0', got) != NULL) {
            free(buf);
            return -1;
        }
        buf[got] = '\0';
        *out = (char *)buf;
        *len = got;
        return 0;
    }
    const json_t *s = json_object_get(obj, key);
    if (s == NULL)
        return 1;
    if (!json_is_string(s))
        return -1;
    size_t n = json_string_length(s);
    const char *v = json_string_value(s);
    if (memchr(v, '\0', n) != NULL)
        return -1;
    if ((*out = malloc(n + 1)) == NULL)
        return -1;
    memcpy(*out, v, n + 1);
    *len = n;
    return 0;
}
