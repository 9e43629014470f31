/* SPDX-License-Identifier: ISC */
/*
 * custody_private.h: what the custody renderers share inside libcustos: a
 * growable text buffer and the plain-language wording of an act.
 */
#ifndef CUSTOS_CUSTODY_PRIVATE_H
#define CUSTOS_CUSTODY_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "custody_private.h is internal to libcustos"
#endif

#include <stddef.h>

#include "custos/custody.h"

/* A text buffer that grows; after a failed allocation every call is a no-op. */
struct custos__sb {
    char *p;
    size_t n, cap;
    int failed;
};

void custos__sb_printf(struct custos__sb *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void custos__sb_puts(struct custos__sb *b, const char *s);
/* Appends s with & < > " ' escaped for HTML. */
void custos__sb_html(struct custos__sb *b, const char *s);
/* Returns the text (the caller frees it), or NULL after a failed allocation. */
char *custos__sb_take(struct custos__sb *b);

/* The name enrolled for fp, or "an unknown key". */
const char *custos__custody_name(const struct custos_custody *m, const char *fp);

/* One sentence saying what event e did, in plain language; NULL when out of memory. */
char *custos__custody_sentence(const struct custos_custody *m,
                               const struct custos_custody_event *e);

/* The verification kit, embedded at build time by lib/gen-kit.py. */
extern const char custos__kit_ledger_md[];
extern const char custos__kit_key_md[];
extern const char custos__kit_verify_ledger_sh[];
extern const char custos__kit_merkle_root_sh[];
extern const char custos__kit_verify_checkpoint_sh[];

#endif
