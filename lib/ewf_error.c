/* SPDX-License-Identifier: ISC */
/*
 * ewf_error.c: libewf reports a backtrace, one line per layer; custos
 * messages are one line, so only the innermost layer (the first line, which
 * names the actual cause) is kept.
 */
#include "ewf_private.h"

#include <string.h>

int
custos__ewf_error(struct custos_error *err, int status, const char *path, libewf_error_t **e,
                  const char *what)
{
    char text[512] = "";
    if (e != NULL && *e != NULL) {
        libewf_error_sprint(*e, text, sizeof(text));
        libewf_error_free(e);
        text[strcspn(text, "\r\n")] = '\0';
        size_t n = strlen(text);
        while (n > 0 && (text[n - 1] == '.' || text[n - 1] == ' '))
            text[--n] = '\0';
    }
    if (text[0] == '\0')
        return custos_error_set(err, status, 0, path, "%s", what);
    return custos_error_set(err, status, 0, path, "%s (libewf: %s)", what, text);
}
