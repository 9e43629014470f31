/* SPDX-License-Identifier: ISC */
/*
 * custody_private.h: what the custody files share inside libcustos: the
 * model's builder (custody.c), the plain-language wording of an act
 * (custody_report.c) and the embedded verification kit.
 */
#ifndef CUSTOS_CUSTODY_PRIVATE_H
#define CUSTOS_CUSTODY_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "custody_private.h is internal to libcustos"
#endif

#include <stddef.h>

#include "custos/custody.h"
#include "strbuf_private.h" /* the renderers build text with custos__sb */
#include "text_private.h"   /* custos__sb_html */

/* Adds the event of one verified entry le to m and applies it to the case,
 * people and items; *cap_events is the room in m->events. CUSTOS_OK or
 * CUSTOS_E_NOMEM. */
int custos__custody_add(struct custos_custody *m, size_t *cap_events,
                        const struct custos_ledger_entry *le);

/* After the last entry: the signatures still owed (m->pending). CUSTOS_OK or CUSTOS_E_NOMEM. */
int custos__custody_finish(struct custos_custody *m);

/* The party of e who signed as as ("custodian", ...), or NULL. */
const struct custos_custody_party *custos__custody_party(const struct custos_custody_event *e,
                                                         const char *as);

/* The name enrolled for fp, or "an unknown key". */
const char *custos__custody_name(const struct custos_custody *m, const char *fp);

/*
 * When e happened, for people: the act time in the offset it was given in,
 * then "(recorded late, at T)" or "(recorded T)" when it was written later.
 */
void custos__custody_when(const struct custos_custody_event *e, int lang, char *buf, size_t len);

/* One sentence saying what event e did, in plain language; NULL when out of memory. */
char *custos__custody_sentence(const struct custos_custody *m,
                               const struct custos_custody_event *e);

/* One change of custody, as a row of the custody form. */
struct custos__custody_row {
    const struct custos_custody_event *e;
    char released[512], received[512], witness[512], recorder[512];
    const char *purpose, *seal;
    char purpose_buf[512];
};

/* The changes of custody of it, *count of them, in an array the caller
 * frees; NULL when out of memory. */
struct custos__custody_row *custos__custody_rows(const struct custos_custody *m,
                                                 const struct custos_custody_item *it, int lang,
                                                 size_t *count);

/* A party as "NAME (ROLE) key 16HEX [signed]", or "-" for NULL. */
void custos__custody_who(char *buf, size_t len, const struct custos_custody_party *p, int lang);

/* The witness to the destruction e records, or where the witness signed (the certificate). */
void custos__custody_destruction_witness(char *buf, size_t len,
                                         const struct custos_custody_event *e, int lang);

/* CUSTOS_OK when lang is one the custody outputs print (en, zh-TW), else CUSTOS_E_USAGE. */
int custos__custody_lang_check(int lang, const char *path, struct custos_error *err);

/* en in language lang (CUSTOS_LANG_*): the Chinese when the table has it, else en. */
const char *custos__tr(int lang, const char *en);

/* The verification kit, embedded at build time by lib/gen-kit.py. */
extern const char custos__kit_ledger_md[];
extern const char custos__kit_key_md[];
extern const char custos__kit_verify_ledger_sh[];
extern const char custos__kit_merkle_root_sh[];
extern const char custos__kit_verify_checkpoint_sh[];

#endif
