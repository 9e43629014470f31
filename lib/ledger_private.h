/* SPDX-License-Identifier: ISC */
/*
 * ledger_private.h: what the pieces of the ledger share inside libcustos.
 *
 *   ledger_policy.c    the role/action/field table (rules of the format)
 *   ledger_state.c     the state replay builds: people, items, pending
 *                      signatures, line hashes and the Merkle tree (whole)
 *                      or its compact range (flat); findings
 *   ledger_replay.c    one line checked against the state and applied
 *   ledger_scan.c      a byte range of the file read line by line; the
 *                      lines late attests name, read again
 *   ledger_verify.c    whole-file verification, checkpoints, signatures on
 *                      worker threads
 *   ledger.c           the handle: open, lock, build, sign, append
 *   ledger_proposal.c  proposal files and the plain-language entry
 */
#ifndef CUSTOS_LEDGER_PRIVATE_H
#define CUSTOS_LEDGER_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "ledger_private.h is internal to libcustos"
#endif

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "custos/checkpoint.h"
#include "custos/sign.h"
#include "custos/ledger.h"
#include "merkle_private.h"

/* ---- the policy (ledger_policy.c) ---- */

enum {
    R_CUSTODIAN = 1,
    R_RECORDER = 2,
    R_WITNESS = 4,
    R_VENDOR = 8,
    R_LEGAL = 16,
    R_ANY = 31,
};

enum ftype { F_STR, F_INT, F_HEX, F_TIME };
enum irule { I_NONE, I_NEW, I_HOLDER, I_TRANSFER, I_DISPOSE, I_OPTIONAL };

struct crule {
    const char *as; /* capacity name */
    unsigned roles; /* R_* bits allowed to act in it */
    int required;   /* 1: the entry must name this capacity */
    int enrols;     /* 1: the party is enrolled by this entry (carries role and pub) */
};

struct frule {
    const char *name;
    enum ftype type;
    int required;
};

struct arule {
    const char *action;
    struct crule caps[5];
    struct frule fields[12];
    enum irule item;
    const char *holder_as; /* the capacity that must hold the item (I_HOLDER) */
};
/* The rule of action, or NULL for an unknown action. */
const struct arule *custos__ledger_rule(const char *action);

/* The R_* bit of a role name, 0 for an unknown role. */
unsigned custos__ledger_role_bit(const char *role);

/* ---- the state (ledger_state.c) ---- */

struct person {
    char fp[CUSTOS_KEY_FP_HEX_SIZE];
    char name[CUSTOS_KEY_NAME_MAX + 1];
    char role[16];
    struct custos_key *pub; /* public key from the enrol entry */
    uint64_t enrolled;      /* seq of the entry that enrolled it */
    uint64_t revoked;       /* seq of the revoke entry, or UINT64_MAX */
    uint64_t nsigs;         /* signature tokens by it */
};

struct item {
    char *id;
    char holder[CUSTOS_KEY_FP_HEX_SIZE]; /* fingerprint of the holder */
    uint64_t collected;                  /* seq */
    uint64_t disposed;                   /* seq, or UINT64_MAX */
};

struct pending {
    uint64_t seq;                    /* the entry lacking a signature */
    char fp[CUSTOS_KEY_FP_HEX_SIZE]; /* the party that has not signed */
    char as[32];                     /* its capacity */
    uint8_t sha256[32];              /* the entry's line hash: what its attest must name */
};

/*
 * An attest whose target's line hash a flat state no longer holds (a target
 * owing no signature: the attest is wrong anyway). Its hash finding waits in
 * the list with status FINDING_LATER until custos__ledger_resolve_attests()
 * reads the target line again.
 */
struct later_attest {
    uint64_t target;    /* the entry it names */
    size_t order;       /* its place in s->later as replay added it */
    char claimed[65];   /* its target_sha256, lowercase hex */
    uint8_t sha256[32]; /* the target line's hash, once read again */
};
#define FINDING_LATER (-1) /* a finding's status while its attest waits */

struct finding_list {
    struct custos_ledger_finding *v;
    size_t n, cap;
};

struct sigpipe;

struct state {
    uint64_t n;         /* entries replayed */
    uint8_t head[32];   /* SHA-256 of the last line; zeros before entry 0 */
    char last_time[24]; /* latest recording time ("recorded", else "time"), "" before entry 0 */
    char last_act[24];  /* latest act time ("time") so far, "" before entry 0 */
    uint64_t *late; /* entries recorded late (their act precedes an earlier entry's), in order */
    size_t nlate, cap_late;
    int closed;         /* a close entry was seen */
    char ledger_id[64]; /* from the open entry */
    char case_id[256];  /* from the open entry */
    int level;          /* incident level 1-4 */
    char opened[24], report_due[24], recovery_due[24];
    struct person *people;
    size_t npeople, cap_people;
    struct item *items;
    size_t nitems, cap_items;
    size_t *item_slots; /* open-addressing index of items by id: item index + 1, 0 empty */
    size_t nslots;      /* a power of two, at least twice nitems */
    struct pending *pend;
    size_t npend, cap_pend;
    /*
     * A whole state (a handle's) keeps every line's hash and leaf: attest
     * bodies, inclusion proofs and checkpoints of any size need them. A flat
     * one (verification) keeps the compact range, the roots at the sizes it
     * is asked for, and line hashes only where an attest may need them (in
     * pend): its memory does not grow with the entries.
     */
    int whole;
    uint8_t (*hashes)[32]; /* whole: SHA-256 of each line, for attest targets */
    uint64_t cap_hashes;
    struct custos_merkle *tree;          /* whole: leaves = lines */
    struct custos__merkle_compact range; /* flat: the tree as its perfect subtrees' roots */
    const uint64_t *want;                /* flat: sizes whose root is wanted, ascending */
    uint8_t (*want_root)[32];            /* flat: their roots, set as replay passes them */
    size_t nwant, next_want;
    struct later_attest *later; /* flat: attests left for resolve_attests, in replay order */
    size_t nlater, cap_later;
    int later_lost;      /* flat: an attest could not be kept for resolve_attests (out of memory) */
    size_t next_later;   /* M_TARGETS: the next of s->later (sorted by target) to hash */
    uint64_t lines;      /* M_TARGETS: lines read */
    uint64_t signatures; /* signatures checked */
    struct sigpipe *pipe;        /* set while scan() verifies signatures on workers */
    custos_ledger_entry_fn each; /* verification's reader of each entry, or NULL */
    void *each_ctx;
    struct custos_error *each_err; /* where each reports why it stopped */
    int each_stopped;              /* each returned this status (not CUSTOS_OK) */
};

enum mode {
    M_SIGS = 1,     /* verify signatures */
    M_COMMIT = 2,   /* a new entry: policy failures refuse; apply only when clean */
    M_LATE = 4,     /* a new entry may lack signatures (CUSTOS_LEDGER_ALLOW_MISSING) */
    M_DRY = 8,      /* check only: never apply (a proposal before signing) */
    M_TARGETS = 16, /* scan only: hash the lines s->later names, replay nothing */
};

struct custos_ledger {
    int fd;   /* O_RDWR|O_APPEND */
    int dead; /* an append failed with I/O; state may disagree with the file */
    char *path;
    uint64_t end; /* bytes replayed */
    struct state st;
    struct custos_error err;
    char origin[128];
};

/*
 * An empty state: whole (1) keeps every line hash and the full tree, flat (0)
 * the compact range. Returns CUSTOS_OK or CUSTOS_E_NOMEM.
 */
int custos__ledger_state_init(struct state *s, int whole);

/* Flat: the root at s->n into the wanted sizes equal to it (call at 0 and after each entry). */
void custos__ledger_want_roots(struct state *s);

/* The root of the first n entries: any n <= s->n when whole, else n = s->n or a wanted size
 * passed. Returns 0, or -1 when a flat state cannot tell. */
int custos__ledger_root(const struct state *s, uint64_t n, uint8_t root[32]);

/* Releases what s holds and zeroes it. */
void custos__ledger_state_free(struct state *s);

/* Makes room for element n of *v (capacity *cap). Returns 0, or -1 out of memory. */
int custos__ledger_grow(void **v, size_t *cap, size_t n, size_t size);

/* The person enrolled with fingerprint fp, or NULL. */
struct person *custos__ledger_person(struct state *s, const char *fp);

/* The item collected as id, or NULL. */
struct item *custos__ledger_item(struct state *s, const char *id);

/* Indexes items[s->nitems - 1]. Returns 0, or -1 out of memory. */
int custos__ledger_item_index(struct state *s);

/* The enrolled name of fp, or "an unknown key". */
const char *custos__ledger_who(struct state *s, const char *fp);

/* Adds "entry SEQ: message" to f. Returns status, or CUSTOS_E_NOMEM. */
int custos__ledger_finding(struct finding_list *f, uint64_t seq, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* 1 when s is 64 lowercase hex digits. */
int custos__ledger_is_hex64(const char *s);

/* RFC 3339 UTC with seconds, "YYYY-MM-DDTHH:MM:SSZ", a real date: 0, else -1. */
int custos__ledger_parse_time(const char *s, time_t *out);

/*
 * An act time as a person gives it (UTC or with an offset, whole seconds) for
 * a new entry recorded at now: the body's "time" in UTC, its "time_offset"
 * ("" for UTC) and its "recorded" ("" unless the act is earlier than now).
 * Returns 0, or -1 when given is not such a time.
 */
int custos__ledger_act_time(const char *given, time_t now, char utc[24], char offset[8],
                            char recorded[24]);

/* t as "YYYY-MM-DDTHH:MM:SSZ" in buf. */
void custos__ledger_format_time(time_t t, char *buf, size_t len);

/* The compact form custos writes (and replay demands); NULL out of memory. */
char *custos__ledger_dump(const json_t *j);

/* The prev value of the next entry: the head in hex, or 64 zeros before entry 0. */
void custos__ledger_head_hex(const struct state *s, char out[65]);

static inline const char *
sget(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static inline void
sha256(const void *p, size_t n, uint8_t out[32])
{
    EVP_Digest(p, n, out, NULL, EVP_sha256(), NULL);
}

/* ---- replay (ledger_replay.c) ---- */

/*
 * Checks one entry line (without LF) against s and applies it. Findings go
 * to f; in M_COMMIT mode the entry is applied only when it has none. Then
 * s->each, if set, is shown the entry.
 * Returns CUSTOS_OK, CUSTOS_E_NOMEM, or what s->each stopped with (also in
 * s->each_stopped; findings are not return values).
 */
int custos__ledger_replay(struct state *s, const char *line, size_t len, unsigned mode,
                          struct finding_list *f);

/* ---- reading a file (ledger_scan.c) ---- */

/*
 * Replays the bytes [from, to) of fd. A final line without LF is a torn
 * tail: *torn is set and *torn_at is its offset; it is not replayed.
 * Returns the bytes consumed through the last LF via *consumed.
 */
int custos__ledger_scan(struct state *s, int fd, uint64_t from, uint64_t to, unsigned mode,
                        struct finding_list *f, uint64_t *consumed, int *torn, uint64_t *torn_at,
                        const struct custos_progress *prog, struct custos_error *err,
                        const char *path);

/*
 * Flat state after a scan of [0, to) of fd: reads the lines that the
 * attests in s->later name and settles each FINDING_LATER finding in f, in
 * order: kept as CUSTOS_E_UNTRUSTED when the claimed hash is not the line's,
 * else removed. Returns CUSTOS_OK, _IO, _NOMEM or _INTERRUPTED (err set).
 */
int custos__ledger_resolve_attests(struct state *s, int fd, uint64_t to, struct finding_list *f,
                                   const struct custos_progress *prog, struct custos_error *err,
                                   const char *path);

/* ---- signatures (ledger_verify.c) ---- */

/* Worker threads checking signatures for a scan, or NULL (one core, no threads, no memory). */
struct sigpipe *custos__ledger_sigpipe_new(void);

/* Waits for every signature, adds the findings in order, frees p. Returns CUSTOS_OK or _NOMEM. */
int custos__ledger_sigpipe_end(struct sigpipe *p, struct finding_list *f);

/*
 * Checks one signature of entry seq by key over the body (owned: a key this
 * call takes over, or NULL): on a worker when scan() runs a pipe, else now.
 * Returns CUSTOS_OK or CUSTOS_E_NOMEM.
 */
int custos__ledger_check_sig(struct state *s, uint64_t seq, const struct custos_key *key,
                             struct custos_key *owned, const char *body, size_t blen,
                             const uint8_t sig[CUSTOS_SIG_SIZE], const char *as, const char *name,
                             const char *fp, unsigned mode, struct finding_list *f);

/* ---- the handle (ledger.c) ---- */

/* Turns the first finding from index from on into the handle's error (status given). */
int custos__ledger_finding_error(struct custos_ledger *l, struct finding_list *f, size_t from,
                                 int status);

/* Reads lines appended since l->end (under the caller's lock when appending). */
int custos__ledger_catch_up(struct custos_ledger *l);

/* Takes the exclusive lock on the ledger file. */
int custos__ledger_lock(struct custos_ledger *l);
void custos__ledger_unlock(struct custos_ledger *l);

/* CUSTOS_E_USAGE on a dead handle (naming fn), else clears the handle's error. */
int custos__ledger_check_alive(struct custos_ledger *l, const char *fn);

/* Locks, reads what others appended, unlocks: the state as of now. */
int custos__ledger_refresh(struct custos_ledger *l, const char *fn);

#endif
