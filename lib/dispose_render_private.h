/* SPDX-License-Identifier: ISC */
/*
 * dispose_render_private.h: what the two renderings of a certificate share
 * (dispose_render_common.c): field lists, labels, the QR text, the
 * timestamp line; and the two renderings, for dispose_render.c.
 */
#ifndef CUSTOS_DISPOSE_RENDER_PRIVATE_H
#define CUSTOS_DISPOSE_RENDER_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "dispose_render_private.h is internal to libcustos"
#endif

#include <stddef.h>

#include <jansson.h>

#include "custos/dispose.h"

#include "dispose_private.h"
#include "labels_private.h"

#define THUMB_MAX (8u * 1024 * 1024) /* bytes of a photo embedded as a thumbnail */

/* What one rendering needs besides the bundle: its language and a few
 * label buffers, so that one call can use several labels at once. */
struct custos__lab {
    int lang;
    unsigned next;
    char buf[16][512];
};

/* The label of key in l's language; valid for the next 15 calls with l. */
const char *custos__L(struct custos__lab *l, const char *key);

/* The string member k of o in l's language (custos__value); valid for the
 * next 15 calls with l. */
const char *custos__V(struct custos__lab *l, const json_t *o, const char *k);

/* The string member k of o, or "". */
const char *custos__rjs(const json_t *o, const char *k);

/* The QR payload of every page: "CERTIFICATE-ID sha256:HEX". */
void custos__render_qr_text(const struct custos__bundle *b, char *out, size_t len);

/* The timestamp's genTime and TSA, as text in lang, or "" when the bundle has none. */
void custos__render_ts_text(const struct custos__bundle *b, int lang, char *out, size_t len);

/* The fields of an item, of a party, and the signers' roles, NULL-ended, in
 * the order both renderings list them. */
extern const char *const custos__item_fields[];
extern const char *const custos__party_fields[];
extern const char *const custos__signer_roles[];

/* The letterhead's name: the vendor's organisation, else its name. */
const char *custos__vendor_name(const json_t *c);

/* The item ids an attachment covers, "EV-01, EV-02", for both renderings. */
void custos__items_text(const json_t *attachment, char *out, size_t len);

/* "make model / serial" of an item, for the per-item table. */
void custos__device_text(const json_t *it, char *out, size_t len);

/* The page as HTML in *out (malloc'd, *len bytes). Returns CUSTOS_OK or CUSTOS_E_NOMEM. */
int custos__render_html(const struct custos__bundle *b, int lang, char **out, size_t *len);

/* The PDF written to out (a new file). Returns CUSTOS_OK or an error in err. */
int custos__render_pdf(const struct custos__bundle *b, int lang, const char *out,
                       struct custos_error *err);

#endif
