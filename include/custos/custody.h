/* SPDX-License-Identifier: ISC */
/*
 * custody.h: the custody model of a case, built from a verified ledger, and
 * what is made from it: the plain-language history (custos-ledger show), the
 * case status with its deadlines (custos-ledger status), and the export
 * directory for the legal team (a custody report laid out like a paper
 * chain-of-custody form, a CASE/UCO JSON-LD file, and a verification kit).
 *
 * The model is only ever built from a ledger that custos_ledger_verify()
 * accepted (status CUSTOS_OK, or CUSTOS_E_INCOMPLETE when some party still
 * owes a late signature), and only from exactly the bytes it verified: a
 * history that a court may read is never shown from an untrusted ledger.
 *
 * Outline:
 *   1. custos_custody_load(&m, "case.ledger", NULL, progress, &err)
 *   2. read m->items, m->events, m->people, m->pending; or render:
 *      custos_custody_show(m, "E-001", CUSTOS_CUSTODY_JSON, &text, &err)
 *      custos_custody_status(models, n, now, flags, &text, &err)
 *      custos_custody_export(m, "export-dir", &err)
 *   3. custos_custody_free(m)
 *
 * Formats: docs/formats/ledger.md (the ledger); docs/formats/custody-export.md
 * (the export, the show and status JSON); docs/guides/legal-team.md.
 */
#ifndef CUSTOS_CUSTODY_H
#define CUSTOS_CUSTODY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "export.h"
#include "lang.h"
#include "ledger.h"
#include "progress.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CUSTOS_CUSTODY_NONE UINT64_MAX /* an entry number that is not there */
#define CUSTOS_CUSTODY_JSON 0x1u       /* render one JSON document instead of text */

/* Whether a party's signature is on its entry. */
enum custos_custody_sig {
    CUSTOS_CUSTODY_SIGNED = 0,   /* the signature is on the entry's line */
    CUSTOS_CUSTODY_ATTESTED = 1, /* signed later by an attest entry */
    CUSTOS_CUSTODY_OWED = 2,     /* not signed yet: an attest entry is due */
};

struct custos_custody_party {
    char *as;                        /* capacity in this entry ("releaser", "witness", ...) */
    char *name;                      /* name as enrolled */
    char *role;                      /* enrolled role, "" for an unknown key */
    char fp[CUSTOS_KEY_FP_HEX_SIZE]; /* key fingerprint, hex */
    enum custos_custody_sig sig;     /* signature state */
    uint64_t attest;                 /* the attest entry, or CUSTOS_CUSTODY_NONE */
};

/* An action field other than item, place and comment, as text. */
struct custos_custody_field {
    char *name;
    char *value; /* integers in decimal */
};

struct custos_custody_event {
    uint64_t seq;            /* entry number */
    char time[24];           /* when the act happened, RFC 3339 UTC */
    char local[32];          /* the act time in the offset it was given in, or UTC */
    char time_offset[8];     /* that offset ("+08:00"), or "" */
    char recorded[24];       /* when the entry was recorded, if later than time, or "" */
    char recorded_local[32]; /* recorded in the act's offset, or "" */
    int late;                /* 1: recorded after an entry whose act came later */
    char *action;            /* "collect", "transfer", ... */
    char *item;              /* the item it acts on, or NULL */
    char *place;             /* or NULL */
    char *comment;           /* or NULL */
    struct custos_custody_party *parties; /* in entry order */
    size_t nparties;
    struct custos_custody_field *fields; /* in entry order */
    size_t nfields;
    char sha256[CUSTOS_KEY_FP_HEX_SIZE];        /* SHA-256 of the line as stored, hex */
    char holder_before[CUSTOS_KEY_FP_HEX_SIZE]; /* item holder before, "" when none */
    char holder_after[CUSTOS_KEY_FP_HEX_SIZE];  /* item holder after, "" when none */
    char *text;                                 /* the act in plain language, one sentence */
};

struct custos_custody_person {
    char fp[CUSTOS_KEY_FP_HEX_SIZE]; /* key fingerprint, hex */
    char *name;
    char *role;         /* enrolled role */
    char *organisation; /* or NULL */
    char *id_ref;       /* or NULL */
    char *phone;        /* or NULL */
    char *pub;          /* base64 DER SubjectPublicKeyInfo, as enrolled */
    uint64_t enrolled;  /* entry */
    char enrolled_time[24];
    uint64_t revoked;      /* entry, or CUSTOS_CUSTODY_NONE */
    char revoked_time[24]; /* "" when not revoked */
    char *revoke_reason;   /* or NULL */
};

struct custos_custody_item {
    char *id;
    char *description;
    char *make, *model, *serial; /* or NULL */
    char *collected_at;          /* the collect entry's location or place, or NULL */
    uint64_t collected;          /* entry */
    char collected_time[24];
    char holder[CUSTOS_KEY_FP_HEX_SIZE]; /* who holds it now (or held it when disposed) */
    char *location;                      /* last recorded location, or NULL */
    char *seal;                          /* last seal number applied, or NULL */
    int checked_out;                     /* 1 after an access "out" without its "in" */
    uint64_t disposed;                   /* entry, or CUSTOS_CUSTODY_NONE */
    size_t *events;                      /* indexes into the model's events, in order */
    size_t nevents;
};

struct custos_custody_pending {
    uint64_t seq;                    /* the entry that lacks the signature */
    char fp[CUSTOS_KEY_FP_HEX_SIZE]; /* the party that owes it */
    char *as, *name;
};

struct custos_custody {
    char *path; /* the ledger, as given */
    char *case_id, *authorisation, *ledger_id, *origin;
    char *place; /* of the open entry, or NULL */
    int level;   /* incident level 1-4 */
    char opened[24], report_due[24], recovery_due[24];
    uint64_t closed; /* the close entry, or CUSTOS_CUSTODY_NONE */
    char closed_time[24];
    char *close_reason; /* or NULL */
    struct custos_custody_person *people;
    size_t npeople;
    struct custos_custody_item *items;
    size_t nitems;
    struct custos_custody_event *events; /* one per entry, in order */
    size_t nevents;
    struct custos_custody_pending *pending;
    size_t npending;
    struct custos_ledger_report *report; /* the verification the model was built from */
    char *checkpoint;                    /* the checkpoint file checked, or NULL */
    char *checkpoint_text;               /* its bytes, read right after verification */
    size_t checkpoint_len;
    char checkpoint_sha256[CUSTOS_KEY_FP_HEX_SIZE]; /* SHA-256 of those bytes, hex, or "" */
    char *bytes;                                    /* the verified ledger bytes */
    size_t len;
};

/*
 * Verifies the ledger at path (and the checkpoint, when not NULL) with
 * custos_ledger_verify_each and builds the custody model from the entries
 * as that verification replays them (one reading of the file).
 * Returns: CUSTOS_OK; CUSTOS_E_INCOMPLETE with *out set when signatures are
 * still owed (m->pending lists them); CUSTOS_E_UNTRUSTED or
 * CUSTOS_E_CORRUPT with *out NULL when the ledger does not verify (err
 * names the first finding); CUSTOS_E_IO; CUSTOS_E_NOMEM;
 * CUSTOS_E_INTERRUPTED.
 */
CUSTOS_API int custos_custody_load(struct custos_custody **out, const char *path,
                                   const char *checkpoint, const struct custos_progress *progress,
                                   struct custos_error *err);

/* Releases m; NULL is allowed. */
CUSTOS_API void custos_custody_free(struct custos_custody *m);

/* The item with this id, or NULL. */
CUSTOS_API const struct custos_custody_item *custos_custody_item(const struct custos_custody *m,
                                                                 const char *id);

/* The enrolled person with this fingerprint, or NULL. */
CUSTOS_API const struct custos_custody_person *custos_custody_person(const struct custos_custody *m,
                                                                     const char *fp);

/* The value of an event's action field, or NULL. */
CUSTOS_API const char *custos_custody_field(const struct custos_custody_event *e, const char *name);

/*
 * Renders the history in plain language, per item (only item when not
 * NULL), as text or, with CUSTOS_CUSTODY_JSON in flags, as one JSON
 * document. *out is a new NUL-terminated string.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE when item is not in the ledger;
 * CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_custody_show(const struct custos_custody *m, const char *item, unsigned flags,
                                   char **out, struct custos_error *err);

/*
 * Renders the status of n cases at time now: open or closed, the report and
 * recovery deadlines (overdue flagged when passed while the case is open),
 * who holds each item, and signatures still owed. *out is a new string.
 * Returns: CUSTOS_OK; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_custody_status(const struct custos_custody *const *m, size_t n, time_t now,
                                     unsigned flags, char **out, struct custos_error *err);

/*
 * custos_custody_status with the text in lang (CUSTOS_LANG_EN or
 * CUSTOS_LANG_ZH_TW); the JSON rendering stays English, for scripts.
 * Returns: as custos_custody_status; CUSTOS_E_USAGE for another lang.
 */
CUSTOS_API int custos_custody_status_lang(const struct custos_custody *const *m, size_t n,
                                          time_t now, unsigned flags, int lang, char **out,
                                          struct custos_error *err);

/* The number of deadlines of m that have passed at now while the case is open (0-2). */
CUSTOS_API int custos_custody_overdue(const struct custos_custody *m, time_t now);

/*
 * The printed custody outputs below take lang from custos/lang.h, as the
 * certificate does: CUSTOS_LANG_EN or CUSTOS_LANG_ZH_TW. They are printed
 * in one language: a form's columns have no room for two, so
 * CUSTOS_LANG_BOTH is refused with CUSTOS_E_USAGE.
 */

/*
 * Renders the custody report, laid out like a paper chain-of-custody form:
 * as plain text, or as one self-contained HTML page when html is non-zero.
 * generated is the time written on it (RFC 3339 UTC). *out is a new string.
 * Returns: CUSTOS_OK; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_custody_form(const struct custos_custody *m, int html, const char *generated,
                                   char **out, struct custos_error *err);

/* custos_custody_form with its labels in lang (CUSTOS_LANG_EN or CUSTOS_LANG_ZH_TW). */
CUSTOS_API int custos_custody_form_lang(const struct custos_custody *m, int html, int lang,
                                        const char *generated, char **out,
                                        struct custos_error *err);

/*
 * Writes the printable chain-of-custody form as the new PDF file out: per
 * item (only item when it is not NULL) a header (case, item, description,
 * make/model/serial, seal, collection, final disposal, ledger head) and a
 * table with the columns No., date/time, released by, received by,
 * purpose and signature, one row per change of custody pre-filled from
 * the ledger (each naming its entry and entry hash), then blank rows for
 * the next handovers; every page says page x of y. Labels in lang.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE (no such item); CUSTOS_E_IO (no font,
 * cannot write); CUSTOS_E_REFUSED (out exists); CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_custody_form_pdf(const struct custos_custody *m, const char *item, int lang,
                                       const char *generated, const char *out,
                                       struct custos_error *err);

/*
 * Writes the evidence-bag label of item as the new PDF file out (100 x 150
 * mm): item id, case, description, make/model/serial, seal number,
 * collection, the digests the ledger recorded (image SHA-256/MD5/SHA-1,
 * sealed package SHA-256), the ledger id and the item's seal entry (its
 * collect entry when it was not sealed) with its entry hash, and a QR code
 * with the text of custos_custody_label_qr_text. Labels in lang.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE (no such item); CUSTOS_E_IO;
 * CUSTOS_E_REFUSED (out exists); CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_custody_label_pdf(const struct custos_custody *m, const char *item, int lang,
                                        const char *out, struct custos_error *err);

/*
 * The text of the label's QR code: "custos-ledger LEDGER-ID entry N sha256
 * HEX case CASE item ITEM". Returns CUSTOS_OK, or CUSTOS_E_USAGE (no such item).
 */
CUSTOS_API int custos_custody_label_qr_text(const struct custos_custody *m, const char *item,
                                            char *buf, size_t len);

/*
 * Renders the case as CASE/UCO JSON-LD (CASE ontology 1.x): a uco-core:Bundle
 * holding the case-investigation:Investigation, the people with their
 * roles, the items as uco-observable objects, a ProvenanceRecord per item and
 * an InvestigativeAction per custody act. *out is a new string.
 * Returns: CUSTOS_OK; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_custody_case_jsonld(const struct custos_custody *m, char **out,
                                          struct custos_error *err);

/*
 * Writes the export directory dir (which must not exist): the custody report
 * (custody-report.txt and .html), case.jsonld, and kit/ (the format
 * documents, the sh+openssl verification scripts, the ledger as verified, the
 * checkpoint when one was checked, the enrolled public keys), with a
 * SHA256SUMS over every file. It is built in a staging directory beside dir
 * and appears whole or not at all.
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED when dir exists; CUSTOS_E_IO;
 * CUSTOS_E_NOMEM. Nothing is left behind on failure.
 */
CUSTOS_API int custos_custody_export(const struct custos_custody *m, const char *dir,
                                     struct custos_error *err);

/* custos_custody_export with the report's labels in lang (CUSTOS_LANG_EN or CUSTOS_LANG_ZH_TW). */
CUSTOS_API int custos_custody_export_lang(const struct custos_custody *m, const char *dir, int lang,
                                          struct custos_error *err);

#ifdef __cplusplus
}
#endif

#endif
