/* SPDX-License-Identifier: ISC */
/*
 * filetype.c: libmagic cookies for filetype_private.h. One cookie answers
 * the MIME type and one the description; libmagic's flags are per cookie.
 */
#include "filetype_private.h"

#include <stdlib.h>
#include <string.h>

#include <magic.h>

struct custos__filetype {
    magic_t mime;
    magic_t desc;
};

int
custos__filetype_new(struct custos__filetype **out, struct custos_error *err)
{
    *out = NULL;
    struct custos__filetype *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    t->mime = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS);
    t->desc = magic_open(MAGIC_NONE | MAGIC_NO_CHECK_COMPRESS);
    if (t->mime == NULL || t->desc == NULL || magic_load(t->mime, NULL) != 0 ||
        magic_load(t->desc, NULL) != 0) {
        const char *why = t->mime != NULL && magic_error(t->mime)   ? magic_error(t->mime)
                          : t->desc != NULL && magic_error(t->desc) ? magic_error(t->desc)
                                                                    : "cannot start libmagic";
        int rc = custos_error_set(err, CUSTOS_E_IO, 0, "magic database", "%s", why);
        custos__filetype_free(t);
        return rc;
    }
    *out = t;
    return CUSTOS_OK;
}

void
custos__filetype_free(struct custos__filetype *t)
{
    if (t == NULL)
        return;
    if (t->mime != NULL)
        magic_close(t->mime);
    if (t->desc != NULL)
        magic_close(t->desc);
    free(t);
}

void
custos__filetype_buffer(struct custos__filetype *t, const void *buf, size_t len, char **mime,
                        char **desc)
{
    const char *m = magic_buffer(t->mime, buf, len);
    const char *d = magic_buffer(t->desc, buf, len);
    *mime = m != NULL ? strdup(m) : NULL;
    *desc = d != NULL ? strdup(d) : NULL;
}
