/* SPDX-License-Identifier: ISC */
/*
 * labels_private.h: the words printed for field names and other fixed text
 * of printed renderings, in Traditional Chinese and English, kept in one
 * table (labels.c) that the HTML and PDF renderings share.
 */
#ifndef CUSTOS_LABELS_PRIVATE_H
#define CUSTOS_LABELS_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "labels_private.h is internal to libcustos"
#endif

#include <stddef.h>

#include "custos/lang.h"

/*
 * The label for key (a JSON field name such as "method_details", or a
 * fixed text such as "title") in lang (CUSTOS_LANG_*), written into buf:
 * the Chinese, the English, or "Chinese / English". A key missing from
 * the table is written as it is, so that nothing is dropped silently.
 * Returns buf.
 */
const char *custos__label(const char *key, int lang, char *buf, size_t len);

/*
 * A recorded value of the certificate's enumerated fields (category,
 * method, verification, result, data_backed_up) in lang, written into
 * buf: English prints the value as recorded; Chinese prints the Chinese
 * with the recorded value after it, "粉碎（shred）", so the paper still
 * shows what the signed JSON says; both prints "粉碎 / shred".
 * Returns buf, or NULL when value is printed as recorded (English, or a
 * value the table does not have): the caller prints value itself, so a
 * long free-text value is never cut to the size of buf.
 */
const char *custos__value(const char *field, const char *value, int lang, char *buf, size_t len);

/* "Page x of y" in lang, written into buf. */
void custos__page_of(int lang, int x, int y, char *buf, size_t len);

/* True when key is in the table (tests: every field has a label). */
int custos__label_known(const char *key);

#endif
