/* SPDX-License-Identifier: ISC */
/*
 * filetype_private.h: a file's type from its content, through libmagic.
 *
 * A libmagic cookie is not safe to share between threads, so each worker
 * owns one struct custos__filetype. Both the MIME type and the description
 * are asked for, from the same bytes.
 */
#ifndef CUSTOS_FILETYPE_PRIVATE_H
#define CUSTOS_FILETYPE_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "filetype_private.h is internal to libcustos"
#endif

#include <stddef.h>

#include "custos/error.h"

struct custos__filetype;

/* Loads the system magic database. Returns CUSTOS_OK or CUSTOS_E_IO/NOMEM. */
int custos__filetype_new(struct custos__filetype **out, struct custos_error *err);

/* NULL allowed. */
void custos__filetype_free(struct custos__filetype *t);

/*
 * Classifies len bytes (the start of a file). *mime and *desc are new
 * strings (free them), or NULL when libmagic gave nothing.
 */
void custos__filetype_buffer(struct custos__filetype *t, const void *buf, size_t len, char **mime,
                             char **desc);

#endif
