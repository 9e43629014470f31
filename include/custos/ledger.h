/* SPDX-License-Identifier: ISC */
/*
 * ledger.h: the case's append-only, signed, hash-chained chain-of-custody
 * ledger.
 *
 * One file per case. Each line is one entry: a compact JSON body, then one
 * TAB-separated signature token "FINGERPRINT:BASE64" per party that signed
 * it, then LF. Every body starts with {"v":1,"seq":N,"prev":HASH,"time":T,
 * "action":A,"parties":[...]} and continues with the action's fields. prev
 * is SHA-256 of the previous line as stored (without LF); signatures cover
 * PAE(CUSTOS_PURPOSE_LEDGER_ENTRY, body). The Merkle leaves are the lines
 * (merkle.h). Which roles may act in which capacity for which action is the
 * policy table of docs/formats/ledger.md, enforced on append and on verify.
 *
 * Outline (one laptop, every party present):
 *   1. custos_ledger_create(&l, "case.ledger", "{\"case\":...}", &owner, NULL, &err)
 *      or custos_ledger_open(&l, "case.ledger", &err)
 *   2. struct custos_ledger_party p[] = {{"custodian", alice}, {"witness", carol}};
 *      custos_ledger_append(l, "acquire", fields_json, p, 2, NULL, &seq)
 *   3. custos_ledger_free(l)
 * Outline (parties sign on their own devices):
 *   1. custos_ledger_propose(l, action, fields, parties, n, NULL, &body);
 *      custos_ledger_proposal_write() (ledger_proposal.h)
 *   2. each party: custos_ledger_proposal_sign_shown(path, shown, key, &err)
 *   3. custos_ledger_proposal_read(); custos_ledger_commit(l, body, len, tokens, n, 0, &seq)
 *      (CUSTOS_E_REFUSED when the ledger moved meanwhile: propose again)
 * Outline (audit):
 *   1. custos_ledger_verify(path, checkpoint_or_NULL, progress, &report, &err)
 *   2. report->findings, report->status; custos_ledger_report_free(report)
 *
 * Format: docs/formats/ledger.md.
 */
#ifndef CUSTOS_LEDGER_H
#define CUSTOS_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"
#include "key.h"
#include "checkpoint.h"
#include "merkle.h"
#include "progress.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CUSTOS_LEDGER_VERSION       1
#define CUSTOS_LEDGER_LINE_MAX      (1024 * 1024) /* bytes of one entry line */
#define CUSTOS_LEDGER_FIELD_MAX     4096          /* bytes of one string field */
#define CUSTOS_LEDGER_ORIGIN_PREFIX "custos.invalid/ledger/"
#define CUSTOS_LEDGER_FUTURE_SLACK  300 /* seconds an entry time may run ahead of the clock */

/* Actions. */
#define CUSTOS_ACTION_OPEN     "open"
#define CUSTOS_ACTION_ENROLL   "enroll"
#define CUSTOS_ACTION_REVOKE   "revoke"
#define CUSTOS_ACTION_COLLECT  "collect"
#define CUSTOS_ACTION_ACQUIRE  "acquire"
#define CUSTOS_ACTION_SEAL     "seal"
#define CUSTOS_ACTION_TRANSFER "transfer"
#define CUSTOS_ACTION_STORE    "store"
#define CUSTOS_ACTION_ACCESS   "access"
#define CUSTOS_ACTION_VERIFY   "verify"
#define CUSTOS_ACTION_DISPOSE  "dispose"
#define CUSTOS_ACTION_NOTE     "note"
#define CUSTOS_ACTION_ATTEST   "attest"
#define CUSTOS_ACTION_CLOSE    "close"

/* custos_ledger_commit flags. */
#define CUSTOS_LEDGER_ALLOW_MISSING 0x1u /* commit without some signatures; attest them later */

/* One party of an entry: the capacity it acts in, and its key. */
struct custos_ledger_party {
    const char *as;               /* capacity, e.g. "custodian", "releaser", "witness" */
    const struct custos_key *key; /* private to sign now; public is enough to propose */
};

struct custos_ledger;

/*
 * Creates a new ledger file at path holding its `open` entry, signed by
 * owner (a private key, capacity "owner", role custodian or legal), and
 * returns it open for appending. fields_json is a JSON object with "case",
 * "level" (1-4) and "authorisation" (and optionally "place", "comment");
 * the ledger id and the report and recovery deadlines are added here.
 * time is when the case was opened (RFC 3339, UTC or with an offset,
 * whole seconds; see custos_ledger_append) or NULL for now.
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED when path exists or the policy
 * refuses the entry (err says why); CUSTOS_E_USAGE for bad fields;
 * CUSTOS_E_IO; CUSTOS_E_NOMEM. Nothing is left on disk on failure.
 */
CUSTOS_API int custos_ledger_create(struct custos_ledger **out, const char *path,
                                    const char *fields_json,
                                    const struct custos_ledger_party *owner, const char *time,
                                    struct custos_error *err);

/*
 * Opens an existing ledger for appending: reads every line once, checks
 * the hash chain, the format and the policy (not the signatures: that is
 * custos_ledger_verify) and keeps the state needed to append in O(1).
 * Returns: CUSTOS_OK; CUSTOS_E_CORRUPT for a malformed or torn ledger;
 * CUSTOS_E_UNTRUSTED when a link or policy rule fails (err names the first
 * entry); CUSTOS_E_IO; CUSTOS_E_NOMEM. *out is NULL on failure.
 */
CUSTOS_API int custos_ledger_open(struct custos_ledger **out, const char *path,
                                  struct custos_error *err);

/* Releases l; NULL is allowed. */
CUSTOS_API void custos_ledger_free(struct custos_ledger *l);

/* The handle's last error; valid until the next call on l. */
CUSTOS_API const struct custos_error *custos_ledger_error(const struct custos_ledger *l);

/* The number of entries, as of the last call on l. */
CUSTOS_API uint64_t custos_ledger_size(const struct custos_ledger *l);

/* The checkpoint origin, "custos.invalid/ledger/" + ledger id; valid as long as l. */
CUSTOS_API const char *custos_ledger_origin(const struct custos_ledger *l);

/*
 * Appends one entry in one call: takes the lock, reads entries appended
 * since (only those), builds the body on the current head, has every party
 * sign it, checks it against the policy, writes and fsyncs it. Every party
 * needs a private key. fields_json: a JSON object of the action's fields
 * (strings; integers may also be given as decimal strings), NULL for none.
 * time: when the act happened, RFC 3339 in whole seconds, UTC
 * ("2026-12-05T06:30:00Z") or local with its offset ("...14:30:00+08:00":
 * stored as UTC in "time", the offset in "time_offset"), or NULL for now.
 * It may not run more than CUSTOS_LEDGER_FUTURE_SLACK seconds ahead of the
 * clock. An act earlier than now is stored with "recorded" (now): the
 * recording times may not go backwards, the act time may (the entry is
 * then "recorded late"; ledger.md section 3.4).
 * *seq receives the new entry's number (seq may be NULL).
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED when the policy refuses the entry
 * (err says which rule); CUSTOS_E_USAGE for unknown actions or fields, bad
 * values, or a public-only key; CUSTOS_E_CORRUPT for a torn or damaged
 * ledger; CUSTOS_E_IO (nothing is appended: a partial write is cut back);
 * CUSTOS_E_NOMEM. After CUSTOS_E_IO the handle is dead.
 */
CUSTOS_API int custos_ledger_append(struct custos_ledger *l, const char *action,
                                    const char *fields_json,
                                    const struct custos_ledger_party *parties, size_t nparties,
                                    const char *time, uint64_t *seq);

/*
 * Appends one entry for a tool that records its own act (custos-acquire,
 * custos-seal, ...): the parties with private keys sign now; a party given
 * by its public key only is named but signs later with an `attest` entry,
 * which flags must allow with CUSTOS_LEDGER_ALLOW_MISSING. With every key
 * private this is custos_ledger_append. If the ledger moves between the
 * proposal and the commit (another process appended), it tries again.
 * Returns: as custos_ledger_append and custos_ledger_commit.
 */
CUSTOS_API int custos_ledger_record(struct custos_ledger *l, const char *action,
                                    const char *fields_json,
                                    const struct custos_ledger_party *parties, size_t nparties,
                                    const char *time, unsigned flags, uint64_t *seq);

/*
 * Builds the body of a proposed entry on the current head (after reading
 * any new entries) and checks it against the policy, without signing or
 * writing. Keys may be public. *body is a new NUL-terminated string.
 * Returns: as custos_ledger_append.
 */
CUSTOS_API int custos_ledger_propose(struct custos_ledger *l, const char *action,
                                     const char *fields_json,
                                     const struct custos_ledger_party *parties, size_t nparties,
                                     const char *time, char **body);

/*
 * Signs an entry body with key and returns the signature token
 * "FINGERPRINT:BASE64" as a new string in *token.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE for a public-only key; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_ledger_sign_body(const char *body, size_t len, const struct custos_key *key,
                                       char **token, struct custos_error *err);

/*
 * Appends a proposed body with the given signature tokens (in any order;
 * they are written in the order of the body's parties). Refuses if the
 * ledger moved since the proposal (seq or prev no longer match the head), if
 * a token is by a key the body does not list or does not verify, or if a
 * party has not signed, unless flags has CUSTOS_LEDGER_ALLOW_MISSING (the
 * enrolled key of an enroll or open entry must always sign).
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED (moved, missing, policy);
 * CUSTOS_E_UNTRUSTED (a signature does not verify); CUSTOS_E_CORRUPT;
 * CUSTOS_E_IO; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_ledger_commit(struct custos_ledger *l, const char *body, size_t len,
                                    const char *const *tokens, size_t ntokens, unsigned flags,
                                    uint64_t *seq);

/*
 * Signs a checkpoint of the whole ledger with key, which must be enrolled
 * and not revoked. *note is a new string (C2SP signed note).
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED for a key not enrolled;
 * CUSTOS_E_USAGE (public-only key); CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_ledger_checkpoint(struct custos_ledger *l, const struct custos_key *key,
                                        char **note);

/*
 * Checks a checkpoint against the ledger (signed by an enrolled key, same
 * origin, the ledger's first N entries hash to its root) and adds a
 * tlog-cosignature/v1 line by key at unix time `time`. *out is a new string.
 * Returns: CUSTOS_OK; CUSTOS_E_UNTRUSTED when the checkpoint does not match
 * the ledger; CUSTOS_E_REFUSED for a key not enrolled; CUSTOS_E_CORRUPT;
 * CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_ledger_cosign(struct custos_ledger *l, const char *note, size_t len,
                                    const struct custos_key *key, uint64_t time, char **out);

/*
 * Writes the inclusion proof of entry index in the tree of the first n
 * entries (n = 0 means all) as c2sp.org/tlog-proof@v1 text without the
 * checkpoint ("c2sp.org/tlog-proof@v1\nindex I\n" + one base64 hash a line).
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE when index >= n or n > size;
 * CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_ledger_prove(struct custos_ledger *l, uint64_t index, uint64_t n,
                                   char **text);

/*
 * Writes the unsigned checkpoint text of the first n entries (n = 0 means
 * all): "ORIGIN\nSIZE\nBASE64-ROOT\n", what custos_ledger_checkpoint signs.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE when n > size; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_ledger_checkpoint_text(struct custos_ledger *l, uint64_t n, char **text);

/* One thing verification found wrong (or pending) about one entry. */
struct custos_ledger_finding {
    uint64_t seq;      /* the entry; for a torn tail, the number it would have had */
    int status;        /* CUSTOS_E_UNTRUSTED, _CORRUPT or _INCOMPLETE (awaiting attest) */
    char message[512]; /* "entry N: cause" */
};

/* One checkpoint given to verification, and what became of it. */
struct custos_ledger_checkpoint_check {
    char *file;         /* the path given (owned by the report) */
    int status;         /* CUSTOS_OK when it counts and matches the ledger */
    uint64_t size;      /* its tree size (0 if unreadable) */
    char root_b64[48];  /* its root, base64 ("" if unreadable) */
    char signers[1024]; /* "Name (role[, cosigned], key FP)", ... that counted */
};

/* One enrolled key and the signatures found by it. */
struct custos_ledger_signer {
    char fp[CUSTOS_KEY_FP_HEX_SIZE];    /* fingerprint, hex */
    char name[CUSTOS_KEY_NAME_MAX + 1]; /* name as enrolled */
    char role[16];                      /* role as enrolled */
    uint64_t enrolled;                  /* the entry that enrolled it */
    uint64_t revoked;                   /* the revoke entry, or UINT64_MAX */
    uint64_t signatures;                /* signature tokens by it in the ledger */
};

struct custos_ledger_report {
    uint64_t entries;                       /* complete lines read */
    int status;                             /* the worst finding, CUSTOS_OK when none */
    int torn;                               /* 1 when the file ends in a torn line */
    uint64_t torn_offset;                   /* byte offset where the torn line starts */
    char head[CUSTOS_KEY_FP_HEX_SIZE];      /* SHA-256 of the last line, hex */
    uint8_t root[CUSTOS_MERKLE_HASH_SIZE];  /* Merkle root over all complete lines */
    char root_b64[48];                      /* the same in base64, as checkpoints write it */
    char origin[128];                       /* the checkpoint origin, or "" */
    uint64_t signatures;                    /* signatures checked */
    int checkpoint_checked;                 /* 1 when a checkpoint was given */
    uint64_t checkpoint_size;               /* its tree size */
    char checkpoint_signers[512];           /* the first checkpoint's: names, roles, keys */
    struct custos_ledger_finding *findings; /* in entry order */
    size_t nfindings;
    struct custos_ledger_checkpoint_check *checkpoints; /* every checkpoint given, in order */
    size_t ncheckpoints;
    struct custos_ledger_signer *signers; /* every enrolled key, in enrolment order */
    size_t nsigners;
    uint64_t *late; /* entries recorded late (ledger.md section 3.4), in order; not findings */
    size_t nlate;
};

/*
 * Verifies a ledger file completely: format, every hash link, every
 * signature, enrolment and revocation, the role policy, times, custody of
 * items, and pending late signatures; with checkpoint (a path, or NULL),
 * also the checkpoint's signatures by enrolled keys, and that the ledger
 * holds exactly the entries it committed to (consistency proof). Every
 * finding is reported; *out must be freed with custos_ledger_report_free.
 * Returns: the report's worst status (CUSTOS_OK, _UNTRUSTED, _CORRUPT,
 * _INCOMPLETE) with *out set; or CUSTOS_E_IO, CUSTOS_E_NOMEM,
 * CUSTOS_E_INTERRUPTED with *out NULL.
 */
CUSTOS_API int custos_ledger_verify(const char *path, const char *checkpoint,
                                    const struct custos_progress *progress,
                                    struct custos_ledger_report **out, struct custos_error *err);

/*
 * custos_ledger_verify with any number of checkpoints (paths): each is
 * checked as above and listed in report->checkpoints (checkpoint_size and
 * checkpoint_signers describe the first). Two checkpoints of the same size
 * with different roots are a fork: a CUSTOS_E_UNTRUSTED finding, whatever
 * the ledger holds.
 * Returns: as custos_ledger_verify.
 */
CUSTOS_API int custos_ledger_verify_checkpoints(const char *path, const char *const *checkpoints,
                                                size_t ncheckpoints,
                                                const struct custos_progress *progress,
                                                struct custos_ledger_report **out,
                                                struct custos_error *err);

/* Releases a report; NULL is allowed. */
CUSTOS_API void custos_ledger_report_free(struct custos_ledger_report *r);

/* One party of an entry, as its body names it. */
struct custos_ledger_entry_party {
    const char *as;   /* capacity, e.g. "custodian" */
    const char *fp;   /* key fingerprint, hex */
    const char *name; /* the name the body gives */
    const char *role; /* the role this entry enrols the key in (open, enroll), else NULL */
    const char *pub;  /* the public key (base64 SPKI) this entry enrols, else NULL */
    int signed_;      /* 1 when the line carries a signature token by this key */
};

/* One field of an entry after its header: text as it is, integers in decimal. */
struct custos_ledger_entry_field {
    const char *name, *value;
};

/*
 * One entry as verification replayed it, for a reader that builds its own
 * model of the case (custody.h, dispose.h) on the same bytes. Every pointer
 * is valid only during the callback.
 */
struct custos_ledger_entry {
    uint64_t seq;            /* the entry's number */
    const char *line;        /* the line as stored, without LF */
    size_t len;              /* bytes of line */
    char sha256[65];         /* SHA-256 of the line, hex: the next entry's prev */
    const char *time;        /* when the act happened, RFC 3339 UTC */
    const char *recorded;    /* when it was recorded, if later than time; else NULL */
    const char *time_offset; /* the offset time was given in ("+08:00"), or NULL */
    int late;                /* 1: recorded after an entry whose act came later */
    const char *action;      /* CUSTOS_ACTION_* */
    const char *item;        /* the "item" field, or NULL */
    const struct custos_ledger_entry_party *parties; /* in body order */
    size_t nparties;
    const struct custos_ledger_entry_field *fields; /* in body order (at most 32) */
    size_t nfields;
};

/*
 * Called for each entry during verification; returns CUSTOS_OK to go on, or
 * a status with err set to stop the verification with that status.
 */
typedef int (*custos_ledger_entry_fn)(void *ctx, const struct custos_ledger_entry *e,
                                      struct custos_error *err);

/* The value of field name of e (text, or an integer in decimal), or NULL. */
CUSTOS_API const char *custos_ledger_entry_field(const struct custos_ledger_entry *e,
                                                 const char *name);

/*
 * custos_ledger_verify_checkpoints, calling each(ctx, entry, err) for every
 * line that is an entry of a known action, in ledger order, right after
 * replay checked and applied it: one reading of the file serves both the
 * verdict and the caller's model, so the model is built from exactly the
 * bytes that were verified. The verdict comes at the end (signatures are
 * checked on worker threads meanwhile): what each built describes the
 * ledger only if the returned status is CUSTOS_OK or CUSTOS_E_INCOMPLETE;
 * otherwise the caller discards it.
 * Returns: as custos_ledger_verify; or the status each returned to stop,
 * with *out NULL and err as each set it.
 */
CUSTOS_API int
custos_ledger_verify_each(const char *path, const char *const *checkpoints, size_t ncheckpoints,
                          const struct custos_progress *progress, custos_ledger_entry_fn each,
                          void *ctx, struct custos_ledger_report **out, struct custos_error *err);

/*
 * The policy of one action, from the table the ledger enforces on append
 * and verify, as a new JSON string *json: {"action":A, "parties":[{"as":
 * capacity, "required":bool, "roles":[role...]}...], "fields":[{"name":N,
 * "type":"text"|"integer"|"sha256"|"time", "required":bool}...],
 * "holder": the capacity that must hold the item, or null}.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE for an unknown action; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_ledger_policy(const char *action, char **json, struct custos_error *err);

/*
 * The i-th distinct field name (from 0) that entries of some action carry
 * and a caller may give, over the whole policy table, or NULL past the
 * last; fields the ledger always sets itself (open's ledger id and
 * deadlines) are left out. For building a tool's options from the table.
 */
CUSTOS_API const char *custos_ledger_field_name(size_t i);

/*
 * 1 when the ledger fills in field of action itself: always (open's
 * "ledger", "report_due", "recovery_due") or when absent (attest's
 * "target_sha256", the hash of the target entry); else 0.
 */
CUSTOS_API int custos_ledger_field_automatic(const char *action, const char *field);

/*
 * Checks an entry body (a proposal's, without signatures) against the
 * ledger as it is now (after reading new entries), as a commit would, but
 * without signing or writing: the entry must come next (seq and prev), and
 * follow the policy (roles, enrolment, revocation, item state, fields).
 * Missing signatures are allowed. The reason is in custos_ledger_error(l).
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED; CUSTOS_E_CORRUPT; CUSTOS_E_IO;
 * CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_ledger_check_body(struct custos_ledger *l, const char *body, size_t len);

#ifdef __cplusplus
}
#endif

#endif
