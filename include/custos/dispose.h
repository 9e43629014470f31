/* SPDX-License-Identifier: ISC */
/*
 * dispose.h: certified destruction proofs for media handed to a vendor.
 *
 * Three artifacts (docs/formats/destruction-proof.md):
 *   - the disposal order (owner): ORDER.json plus ORDER.json.sig, the media
 *     handed to one vendor as the case ledger records them (ids, make, model,
 *     serial, capacity, media type, seal numbers, the transfer entry), the
 *     keys enrolled in the ledger at that time, signed by the owner's
 *     custodian;
 *   - the proof bundle (vendor): a directory, or the same files in one tar
 *     archive, holding certificate.json (NIST SP 800-88 Rev. 1 App. G fields
 *     and the vendor certificate's), attachments/ (photos, videos, wipe
 *     logs, reports, each hashed and typed by libmagic), manifest.sha256
 *     (sha256sum lines over certificate.json and every attachment) and
 *     signatures/{performer,verifier,witness}.sig over manifest.sha256;
 *   - the verification report: a per-item table with one state each.
 * The bundle digest that papers and the ledger quote is the SHA-256 of
 * manifest.sha256, which covers everything signed.
 *
 * Outline (owner):
 *   1. custos_dispose_order_from_ledger(&o, "case.ledger", &params, &err)
 *   2. record a transfer per item in the ledger (custos_ledger_record) and
 *      custos_dispose_order_set_handover(o, i, seq, time, &err)
 *   3. custos_dispose_order_write(o, "order.json", owner_key, &err)
 * Outline (vendor):
 *   1. custos_dispose_order_open(&o, "order.json", &err)
 *   2. custos_dispose_certify(o, "draft.json", signers, "proof.tar", &err)
 * Outline (owner, legal):
 *   1. custos_dispose_verify("proof.tar", o, "case.ledger", &policy, &report, &err)
 *   2. report->items[i].state; custos_dispose_report_free(report)
 *   3. custos_dispose_render("proof.tar", "proof.html", CUSTOS_DISPOSE_RENDER_HTML, &err)
 */
#ifndef CUSTOS_DISPOSE_H
#define CUSTOS_DISPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"
#include "key.h"
#include "lang.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Format names written in the "format" member of each JSON document. */
#define CUSTOS_DISPOSE_ORDER_FORMAT "custos-disposal-order-v1"
#define CUSTOS_DISPOSE_CERT_FORMAT  "custos-destruction-certificate-v1"

/* Purpose strings of the signatures (sign.h): distinct from every other custos signature. */
#define CUSTOS_PURPOSE_DISPOSAL_ORDER    "application/vnd.custos.disposal-order.v1"
#define CUSTOS_PURPOSE_DESTRUCTION_PROOF "application/vnd.custos.destruction-proof.v1"

/* Names inside a bundle, and suffixes. */
#define CUSTOS_DISPOSE_CERT_FILE      "certificate.json"
#define CUSTOS_DISPOSE_MANIFEST_FILE  "manifest.sha256"
#define CUSTOS_DISPOSE_ATTACH_DIR     "attachments"
#define CUSTOS_DISPOSE_SIG_DIR        "signatures"
#define CUSTOS_DISPOSE_SIG_SUFFIX     ".sig"
#define CUSTOS_DISPOSE_ARCHIVE_SUFFIX ".tar"
#define CUSTOS_DISPOSE_TIMESTAMP_FILE "timestamp.tsr"

/* The three signers of a certificate, by their file name in signatures/. */
#define CUSTOS_DISPOSE_PERFORMER "performer"
#define CUSTOS_DISPOSE_VERIFIER  "verifier"
#define CUSTOS_DISPOSE_WITNESS   "witness"

#define CUSTOS_DISPOSE_ITEMS_MAX    4096               /* media items in one order */
#define CUSTOS_DISPOSE_ATTACH_MAX   4096               /* attachments in one bundle */
#define CUSTOS_DISPOSE_JSON_MAX     (16 * 1024 * 1024) /* bytes of an order or certificate */
#define CUSTOS_DISPOSE_FUTURE_SLACK 300                /* seconds a time may run ahead */
#define CUSTOS_DISPOSE_ID_MAX       128                /* bytes of an item or certificate id */

/* --require evidence kinds (bits of struct custos_dispose_policy.require). */
#define CUSTOS_DISPOSE_REQ_BEFORE    0x1u  /* a photo_before */
#define CUSTOS_DISPOSE_REQ_DURING    0x2u  /* a photo_during or a video */
#define CUSTOS_DISPOSE_REQ_AFTER     0x4u  /* a photo_after */
#define CUSTOS_DISPOSE_REQ_VIDEO     0x8u  /* a video */
#define CUSTOS_DISPOSE_REQ_LOG       0x10u /* a wipe_log */
#define CUSTOS_DISPOSE_REQ_TIMESTAMP 0x20u /* the bundle has a valid RFC 3161 timestamp */

struct custos_dispose_order;

/* What the owner names when making an order; strings are borrowed for the call. */
struct custos_dispose_order_params {
    const char *order_id;            /* unique order reference, e.g. "DO-2026-0042-1" */
    const struct custos_key *owner;  /* the releasing custodian (public is enough) */
    const struct custos_key *vendor; /* the receiving vendor person (role vendor) */
    const char *vendor_organisation; /* the vendor company, may be NULL */
    const char *const *items;        /* evidence ids, as the ledger's collect entries */
    const char *const *media_types;  /* per item: "hdd", "ssd", ..., or NULL */
    size_t nitems;
};

/*
 * Builds an order from the case ledger at ledger_path: the ledger must
 * verify (custos_ledger_verify: pending late signatures are accepted); each
 * item must have been collected, not disposed, and be held by the owner's
 * key; the vendor key must be enrolled with role vendor. Item details come
 * from the collect entry, the capacity from the acquire entry's size, the
 * seal numbers from seal entries.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE (bad params); CUSTOS_E_REFUSED (an item
 * unknown, disposed or not held by the owner, a vendor not enrolled);
 * CUSTOS_E_UNTRUSTED or CUSTOS_E_CORRUPT (the ledger); CUSTOS_E_IO;
 * CUSTOS_E_NOMEM. *out is NULL on failure.
 */
CUSTOS_API int custos_dispose_order_from_ledger(struct custos_dispose_order **out,
                                                const char *ledger_path,
                                                const struct custos_dispose_order_params *p,
                                                struct custos_error *err);

/* The number of items, and item i's id, serial and seal numbers ("" when none, joined by ", "). */
CUSTOS_API size_t custos_dispose_order_count(const struct custos_dispose_order *o);
CUSTOS_API const char *custos_dispose_order_item(const struct custos_dispose_order *o, size_t i);
CUSTOS_API const char *custos_dispose_order_seals(const struct custos_dispose_order *o, size_t i);
CUSTOS_API const char *custos_dispose_order_id(const struct custos_dispose_order *o);

/*
 * Records that item i was handed over by ledger entry seq at time (RFC 3339
 * UTC, copied).
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE (i out of range, bad time).
 */
CUSTOS_API int custos_dispose_order_set_handover(struct custos_dispose_order *o, size_t i,
                                                 uint64_t seq, const char *time,
                                                 struct custos_error *err);

/*
 * Writes the order as a new file at path and its signature by owner (a
 * private key: the order's owner) at path.sig. Every item needs its
 * handover.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE (a handover missing, another key);
 * CUSTOS_E_REFUSED (either file exists); CUSTOS_E_IO; CUSTOS_E_NOMEM.
 * On failure neither file is left.
 */
CUSTOS_API int custos_dispose_order_write(const struct custos_dispose_order *o, const char *path,
                                          const struct custos_key *owner, struct custos_error *err);

/*
 * Reads an order and checks its signature (path.sig) by the owner key it
 * names.
 * Returns: CUSTOS_OK; CUSTOS_E_UNTRUSTED (signature); CUSTOS_E_CORRUPT;
 * CUSTOS_E_IO; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_dispose_order_open(struct custos_dispose_order **out, const char *path,
                                         struct custos_error *err);

/* Releases o; NULL is allowed. */
CUSTOS_API void custos_dispose_order_free(struct custos_dispose_order *o);

/* The vendor person's public key (for the ledger's dispose entry); *out is freed by the caller. */
CUSTOS_API int custos_dispose_order_vendor_key(const struct custos_dispose_order *o,
                                               struct custos_key **out, struct custos_error *err);

/*
 * The order in plain language, for its owner to read before signing it: the
 * order id, case and ledger, owner and vendor, every item (id, description,
 * serial, capacity, seals, media type, handover when set) and who may sign
 * the vendor's certificate. *text is a new string.
 * Returns: CUSTOS_OK; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_dispose_order_describe(const struct custos_dispose_order *o, char **text,
                                             struct custos_error *err);

/*
 * The fields of the ledger's transfer entry that hands item i of order o to
 * the vendor (docs/formats/ledger.md): item; reason, "REASON under disposal
 * order ID" (REASON NULL: "destruction"); and, when the item carries seals,
 * seal_checked, "SEALS: SEAL_CHECKED", where seal_checked is what the
 * releaser found (NULL: "not checked"; never stated on their behalf).
 * *json is a new JSON object text for custos_ledger_propose.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE (i out of range); CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_dispose_transfer_fields(const struct custos_dispose_order *o, size_t i,
                                              const char *reason, const char *seal_checked,
                                              char **json, struct custos_error *err);

/* How a draft marks what the vendor must fill in; certify refuses a draft that still has one. */
#define CUSTOS_DISPOSE_FILL_IN "FILL IN: "

/*
 * Writes a new draft certificate at path for the vendor to complete: every
 * item of order o with what the order knows (id, description, make, model,
 * serial, capacity, media type, seals) and every field the vendor must
 * fill in given as a string beginning CUSTOS_DISPOSE_FILL_IN with a hint
 * (docs/formats/destruction-proof.md, "The draft").
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED (path exists); CUSTOS_E_IO;
 * CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_dispose_draft_write(const struct custos_dispose_order *o, const char *path,
                                          struct custos_error *err);

/* The people who sign a certificate, with private keys. */
struct custos_dispose_signers {
    const struct custos_key *performer;
    const struct custos_key *verifier; /* a different person */
    const struct custos_key *witness;
    const char *tsa_url;    /* RFC 3161 timestamp authority, or NULL for no timestamp */
    const char *tsa_cafile; /* when set, the TSA's reply is checked against this CA at once */
    const char *ledger;     /* the case ledger, or NULL: its keys and the order's side checked */
    unsigned require;       /* CUSTOS_DISPOSE_REQ_* evidence each item needs (as verify) */
};

/*
 * Builds a proof bundle at out_path from the vendor's draft certificate
 * (draft_path, JSON; attachment "file" paths are relative to the draft's
 * directory), for order o: checks every field against the model and the
 * order, copies and hashes each attachment and checks its libmagic type
 * against its kind, adds the signers' keys, writes the manifest and the
 * three signatures; with s->tsa_url, also an RFC 3161 timestamp over the
 * SHA-256 of manifest.sha256 (timestamp.tsr). out_path ending in ".tar"
 * makes one archive, anything else a directory.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE (a field is missing or wrong: err
 * names it; a photo that is not an image; the same key twice);
 * CUSTOS_E_REFUSED (out_path exists); CUSTOS_E_CORRUPT (the draft is not
 * JSON); CUSTOS_E_UNTRUSTED (the TSA's reply does not check); CUSTOS_E_IO
 * (also an unreachable TSA); CUSTOS_E_NOMEM. Nothing is left on failure.
 */
CUSTOS_API int custos_dispose_certify(const struct custos_dispose_order *o, const char *draft_path,
                                      const struct custos_dispose_signers *s, const char *out_path,
                                      struct custos_error *err);

/*
 * Everything custos_dispose_certify checks, without signing or writing
 * out_path, so that a tool can refuse a draft before anyone types a
 * passphrase: the signers may be public keys, or NULL when not known yet
 * (their enrolment and roles are then checked by custos_dispose_certify).
 * Returns: as custos_dispose_certify.
 */
CUSTOS_API int custos_dispose_certify_check(const struct custos_dispose_order *o,
                                            const char *draft_path,
                                            const struct custos_dispose_signers *s,
                                            const char *out_path, struct custos_error *err);

/* Per-item states of a verification, worst last. */
enum custos_dispose_state {
    CUSTOS_DISPOSE_OK = 0,           /* proven destroyed or sanitized as certified */
    CUSTOS_DISPOSE_EXCEPTION,        /* the vendor reports an exception: not destroyed */
    CUSTOS_DISPOSE_MISSING_EVIDENCE, /* fewer attachments than --require asks */
    CUSTOS_DISPOSE_DETAILS_MISMATCH, /* serial, make or model differ from the order */
    CUSTOS_DISPOSE_SEAL_MISMATCH,    /* the seal numbers differ from the order */
    CUSTOS_DISPOSE_DUPLICATE,        /* the item has more than one proof */
    CUSTOS_DISPOSE_UNKNOWN_ITEM,     /* a proof for an item the order does not hold */
    CUSTOS_DISPOSE_MISSING_PROOF,    /* an ordered item has no proof */
    CUSTOS_DISPOSE_HASH_MISMATCH,    /* an attachment is missing, changed or of another type */
    CUSTOS_DISPOSE_LOG_CONTRADICTS,  /* an attached wipe log is of another device, or contradicts
                                        the claimed result (a FAILED log for "sanitized") */
    CUSTOS_DISPOSE_BAD_TIME,         /* dated before the handover or in the future */
    CUSTOS_DISPOSE_BAD_SIGNATURE,    /* the certificate is not validly signed by enrolled people */
};

/*
 * What custos_dispose_certify would have the three signers sign, in plain
 * language, for them to read before any passphrase: the certificate id, the
 * order it answers, the vendor's attestation, every item (id, serial,
 * result, method and category, time, location) and every attachment (file,
 * kind, items). The draft is read as custos_dispose_certify reads it; run
 * custos_dispose_certify_check first. *text is a new string.
 * Returns: CUSTOS_OK; CUSTOS_E_CORRUPT (the draft is not JSON); CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_dispose_certify_describe(const struct custos_dispose_order *o,
                                               const char *draft_path, char **text,
                                               struct custos_error *err);

/* The printed name of a state ("OK", "MISSING PROOF", ...). */
CUSTOS_API const char *custos_dispose_state_name(int state);

/*
 * Parses a comma-separated list of evidence kinds (before, during, after,
 * video, log, timestamp: --require) into CUSTOS_DISPOSE_REQ_* bits.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE for an unknown kind or an empty list.
 */
CUSTOS_API int custos_dispose_require_parse(const char *list, unsigned *bits);

struct custos_dispose_policy {
    unsigned require;       /* CUSTOS_DISPOSE_REQ_* bits; 0: at least one attachment of any kind */
    const char *tsa_cafile; /* CA bundle (PEM) trusted for timestamps, or NULL */
};

struct custos_dispose_item_result {
    char id[CUSTOS_DISPOSE_ID_MAX]; /* the item id */
    int state;                      /* enum custos_dispose_state */
    int status;                     /* the custos status the state maps to */
    char serial[CUSTOS_DISPOSE_ID_MAX];
    char category[16];  /* clear, purge, destroy, or "" */
    char method[32];    /* as certified, or "" */
    char result[16];    /* destroyed, sanitized, exception, or "" */
    char time[32];      /* as certified, or "" */
    size_t attachments; /* attachments linked to the item */
    char note[1024];    /* why, when not OK; the exception note */
};

struct custos_dispose_finding {
    int status;        /* CUSTOS_E_* */
    char message[512]; /* one line */
};

struct custos_dispose_report {
    char certificate_id[CUSTOS_DISPOSE_ID_MAX];
    char order_id[CUSTOS_DISPOSE_ID_MAX];
    char bundle_sha256[CUSTOS_KEY_FP_HEX_SIZE]; /* SHA-256 of manifest.sha256 */
    char signer_fp[3][CUSTOS_KEY_FP_HEX_SIZE];  /* performer, verifier, witness, or "" */
    char signer_name[3][CUSTOS_KEY_NAME_MAX];
    int signatures_ok;                        /* 1 when all three verified and are trusted */
    size_t attachments;                       /* attachments listed */
    char timestamp[32];                       /* the TSA genTime when a timestamp verified, or "" */
    int status;                               /* worst of items and findings */
    struct custos_dispose_item_result *items; /* order items first, then unknown ones */
    size_t nitems;
    struct custos_dispose_finding *findings; /* bundle-wide findings */
    size_t nfindings;
};

/*
 * Verifies the bundle at path (a directory or a tar archive, which is read
 * with libarchive's secure extraction flags) against order o: manifest and
 * attachments (hash, libmagic type), the three signatures by keys enrolled
 * with the right roles (in the order, or in ledger_path when not NULL, which
 * must verify and where revocations count), times after each item's
 * handover and not in the future, a timestamp (when present: it must verify
 * against policy->tsa_cafile and be no earlier than any handover or item
 * time; without a CA it is reported as not checked), every ordered item covered by exactly one
 * proof and no unknown item, serials and seals, the evidence policy.
 * Exceptions are never OK.
 * Returns: the report's worst status (CUSTOS_OK, _MISMATCH, _UNTRUSTED,
 * _CORRUPT, _INCOMPLETE for an unchecked timestamp) with *out set; or CUSTOS_E_IO, CUSTOS_E_NOMEM
 * with *out NULL.
 */
CUSTOS_API int custos_dispose_verify(const char *path, const struct custos_dispose_order *o,
                                     const char *ledger_path,
                                     const struct custos_dispose_policy *policy,
                                     struct custos_dispose_report **out, struct custos_error *err);

/* Releases a report; NULL is allowed. */
CUSTOS_API void custos_dispose_report_free(struct custos_dispose_report *r);

/*
 * The fields of the ledger's dispose entry for item i of report r, which
 * must be proven (CUSTOS_DISPOSE_OK): item, method ("METHOD (CATEGORY)"),
 * certificate (the certificate id), certificate_sha256 (the bundle
 * digest), and certificate_witness and certificate_witness_key (the name
 * and key fingerprint of the certificate's witness signer). *json is a
 * new JSON object text for custos_ledger_propose.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE (i out of range, or the item not
 * proven); CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_dispose_ledger_fields(const struct custos_dispose_report *r, size_t i,
                                            char **json, struct custos_error *err);

/*
 * The report as one JSON document (custos-dispose verify --json): bundle,
 * certificate_id, order_id, bundle_sha256, timestamp, signers, signatures_ok,
 * attachments, items, findings, ledger_entries (the dispose entries the
 * caller recorded) and status. *json is a new string.
 * Returns: CUSTOS_OK; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_dispose_report_json(const struct custos_dispose_report *r, const char *bundle,
                                          size_t ledger_entries, char **json,
                                          struct custos_error *err);

struct custos_wipe_result;

/*
 * The status of a wipe pass as custos-dispose wipe exits with it: CUSTOS_OK
 * when it passed; CUSTOS_E_MISMATCH when bytes read back differ from the
 * pattern; else CUSTOS_E_INCOMPLETE (write or read errors, a failed flush:
 * the medium cannot be taken as wiped, nor shown to hold other data).
 */
CUSTOS_API int custos_dispose_wipe_status(const struct custos_wipe_result *r);

/* Renderings of a bundle. */
#define CUSTOS_DISPOSE_RENDER_HTML 1
#define CUSTOS_DISPOSE_RENDER_PDF  2

/*
 * Renders the bundle at path as a self-contained HTML page or a PDF at
 * out_path (a new file), laid out as a certificate of destruction: the
 * vendor's letterhead, certificate id, order, custody, owner and vendor, a
 * per-item table and every field of each item, the attestation, a block
 * per signer (name, title, the digital signature's key fingerprint, and a
 * space to sign and date by hand), the attachments with photo thumbnails
 * under their captions; on every page the certificate id, the bundle
 * SHA-256, a QR code holding both ("ID sha256:HEX") and, in the PDF,
 * "page x of y". Labels are in lang (CUSTOS_LANG_*, custos/lang.h); values
 * are printed as recorded, the values of the certificate's enumerations
 * (category, method, verification, result, data_backed_up) in Chinese with
 * the recorded value beside them ("粉碎（shred）", "粉碎 / shred"). The
 * bundle's manifest and signatures must be internally consistent (checked against the keys the certificate names;
 * trust is custos_dispose_verify's job).
 * Returns: CUSTOS_OK; CUSTOS_E_UNTRUSTED or CUSTOS_E_CORRUPT (the bundle);
 * CUSTOS_E_REFUSED (out_path exists); CUSTOS_E_USAGE (format, lang);
 * CUSTOS_E_IO; CUSTOS_E_NOMEM. Nothing is left on failure.
 */
CUSTOS_API int custos_dispose_render(const char *path, const char *out_path, int format, int lang,
                                     struct custos_error *err);

#ifdef __cplusplus
}
#endif

#endif
