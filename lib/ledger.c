/* SPDX-License-Identifier: ISC */
/*
 * ledger.c: the chain-of-custody ledger: one signed, hash-chained entry per
 * line, appended under a lock, checked against the role policy.
 *
 * Every reader goes through replay(): each line is split into body and
 * signature tokens, the body is parsed (jansson, duplicates rejected) and
 * must be byte-identical to its own compact re-encoding, so that there is
 * exactly one byte form for every entry and the C parser and the shell
 * verifier cannot disagree. The entry is then checked against the state
 * built from the entries before it (hash link, sequence, time, enrolment,
 * revocation, role policy, item custody, pending signatures) and applied.
 *
 * Invariants:
 *   1. An entry is appended only by write_entry(), under an exclusive flock
 *      on the ledger file, after catch_up() has replayed every line appended
 *      by others since this handle last looked (only those: appends are O(1)
 *      in the ledger's length), and after the entry passed replay() in
 *      COMMIT mode against that state.
 *   2. The line goes out in one write() on an O_APPEND descriptor and is
 *      fsynced before the call returns. If the write fails part-way, the
 *      file is cut back to its previous length before the lock is released.
 *      A crash mid-write leaves a last line without LF: a torn tail, which
 *      readers report (CUSTOS_E_CORRUPT) and never drop or accept silently;
 *      the prefix before it still verifies.
 *   3. Nothing is ever edited in place: corrections and late signatures are
 *      new entries (note, attest).
 *   4. A body's seq and prev are fixed when it is proposed; commit refuses a
 *      body whose seq/prev no longer match the head (the ledger moved).
 *
 * States of a handle: OPEN (after _create/_open) -> DEAD after an I/O error
 * during an append (state and file may disagree); only _free works then.
 */
#include "custos/ledger.h"
#include "custos/timefmt.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h> /* flock */
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "custos/atomicfile.h"
#include "custos/digest.h"
#include "custos/proposal.h"
#include "custos/sign.h"
#include "base64_private.h"
#include "fsutil_private.h"
#include "key_private.h"
#include "pool_private.h"

/* ---- the policy ---- */

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

#define OPT_COMMON                                                                                 \
    {"comment", F_STR, 0},                                                                         \
    {                                                                                              \
        "place", F_STR, 0                                                                          \
    }

static const struct arule policy[] = {
    {CUSTOS_ACTION_OPEN,
     {{"owner", R_CUSTODIAN | R_LEGAL, 1, 1}},
     {{"case", F_STR, 1},
      {"level", F_INT, 1},
      {"authorisation", F_STR, 1},
      {"ledger", F_STR, 1},
      {"report_due", F_TIME, 1},
      {"recovery_due", F_TIME, 1},
      OPT_COMMON},
     I_NONE,
     NULL},
    {CUSTOS_ACTION_ENROLL,
     {{"subject", R_ANY, 1, 1}, {"approver", R_CUSTODIAN | R_LEGAL, 1, 0}},
     {{"organisation", F_STR, 0}, {"id_ref", F_STR, 0}, {"phone", F_STR, 0}, OPT_COMMON},
     I_NONE,
     NULL},
    {CUSTOS_ACTION_REVOKE,
     {{"approver", R_CUSTODIAN | R_LEGAL, 1, 0}, {"subject", R_ANY, 0, 0}},
     {{"key", F_HEX, 1}, {"reason", F_STR, 1}, OPT_COMMON},
     I_NONE,
     NULL},
    {CUSTOS_ACTION_COLLECT,
     {{"custodian", R_CUSTODIAN, 1, 0},
      {"witness", R_WITNESS, 0, 0},
      {"recorder", R_RECORDER, 0, 0}},
     {{"item", F_STR, 1},
      {"description", F_STR, 1},
      {"make", F_STR, 0},
      {"model", F_STR, 0},
      {"serial", F_STR, 0},
      {"location", F_STR, 0},
      OPT_COMMON},
     I_NEW,
     "custodian"},
    {CUSTOS_ACTION_ACQUIRE,
     {{"custodian", R_CUSTODIAN, 1, 0},
      {"witness", R_WITNESS, 1, 0},
      {"recorder", R_RECORDER, 0, 0}},
     {{"item", F_STR, 1},
      {"record", F_STR, 1},
      {"record_sha256", F_HEX, 1},
      {"image_sha256", F_HEX, 0},
      {"md5", F_STR, 0},
      {"sha1", F_STR, 0},
      {"size", F_INT, 0},
      {"tool", F_STR, 0},
      OPT_COMMON},
     I_HOLDER,
     "custodian"},
    {CUSTOS_ACTION_SEAL,
     {{"custodian", R_CUSTODIAN, 1, 0},
      {"witness", R_WITNESS, 1, 0},
      {"recorder", R_RECORDER, 0, 0}},
     {{"item", F_STR, 1}, {"seal", F_STR, 1}, {"sha256", F_HEX, 1}, OPT_COMMON},
     I_HOLDER,
     "custodian"},
    {CUSTOS_ACTION_TRANSFER,
     {{"releaser", R_CUSTODIAN | R_VENDOR | R_LEGAL, 1, 0},
      {"receiver", R_CUSTODIAN | R_VENDOR | R_LEGAL, 1, 0},
      {"witness", R_WITNESS, 0, 0},
      {"recorder", R_RECORDER, 0, 0}},
     {{"item", F_STR, 1},
      {"reason", F_STR, 1},
      {"seal_checked", F_STR, 0},
      {"sha256", F_HEX, 0},
      OPT_COMMON},
     I_TRANSFER,
     "releaser"},
    {CUSTOS_ACTION_STORE,
     {{"custodian", R_CUSTODIAN, 1, 0},
      {"witness", R_WITNESS, 0, 0},
      {"recorder", R_RECORDER, 0, 0}},
     {{"item", F_STR, 1}, {"location", F_STR, 1}, OPT_COMMON},
     I_HOLDER,
     "custodian"},
    {CUSTOS_ACTION_ACCESS,
     {{"custodian", R_CUSTODIAN, 1, 0},
      {"witness", R_WITNESS, 0, 0},
      {"recorder", R_RECORDER, 0, 0}},
     {{"item", F_STR, 1}, {"direction", F_STR, 1}, {"purpose", F_STR, 1}, OPT_COMMON},
     I_HOLDER,
     "custodian"},
    {CUSTOS_ACTION_VERIFY,
     {{"verifier", R_CUSTODIAN | R_RECORDER | R_WITNESS | R_LEGAL, 1, 0}},
     {{"item", F_STR, 0},
      {"result", F_STR, 1},
      {"sha256", F_HEX, 0},
      {"record", F_STR, 0},
      OPT_COMMON},
     I_OPTIONAL,
     NULL},
    {CUSTOS_ACTION_DISPOSE,
     {{"vendor", R_VENDOR, 1, 0}, {"custodian", R_CUSTODIAN, 1, 0}, {"witness", R_WITNESS, 0, 0}},
     {{"item", F_STR, 1},
      {"method", F_STR, 1},
      {"certificate", F_STR, 0},
      {"certificate_sha256", F_HEX, 0},
      OPT_COMMON},
     I_DISPOSE,
     NULL},
    {CUSTOS_ACTION_NOTE,
     {{"author", R_ANY, 1, 0}},
     {{"text", F_STR, 1}, {"item", F_STR, 0}, OPT_COMMON},
     I_OPTIONAL,
     NULL},
    {CUSTOS_ACTION_ATTEST,
     {{"attester", R_ANY, 1, 0}},
     {{"target", F_INT, 1}, {"target_sha256", F_HEX, 1}, OPT_COMMON},
     I_NONE,
     NULL},
    {CUSTOS_ACTION_CLOSE,
     {{"owner", R_CUSTODIAN | R_LEGAL, 1, 0}, {"witness", R_WITNESS, 0, 0}},
     {{"reason", F_STR, 1}, OPT_COMMON},
     I_NONE,
     NULL},
};

static const struct arule *
rule_of(const char *action)
{
    for (size_t i = 0; i < sizeof(policy) / sizeof(policy[0]); i++)
        if (strcmp(policy[i].action, action) == 0)
            return &policy[i];
    return NULL;
}

static unsigned
role_bit(const char *role)
{
    static const char *const names[] = {CUSTOS_ROLE_CUSTODIAN, CUSTOS_ROLE_RECORDER,
                                        CUSTOS_ROLE_WITNESS, CUSTOS_ROLE_VENDOR, CUSTOS_ROLE_LEGAL};
    for (unsigned i = 0; i < 5; i++)
        if (strcmp(role, names[i]) == 0)
            return 1u << i;
    return 0;
}

/* ---- state ---- */

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
};

struct finding_list {
    struct custos_ledger_finding *v;
    size_t n, cap;
};

struct sigpipe;

struct state {
    uint64_t n;         /* entries replayed */
    uint8_t head[32];   /* SHA-256 of the last line; zeros before entry 0 */
    char last_time[24]; /* time of the last entry, "" before entry 0 */
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
    uint8_t (*hashes)[32]; /* SHA-256 of each line, for attest targets */
    uint64_t cap_hashes;
    struct custos_merkle *tree; /* leaves = lines */
    uint64_t signatures;        /* signatures checked */
    struct sigpipe *pipe;       /* set while scan() verifies signatures on workers */
};

enum mode {
    M_SIGS = 1,   /* verify signatures */
    M_COMMIT = 2, /* a new entry: policy failures refuse; apply only when clean */
    M_LATE = 4,   /* a new entry may lack signatures (CUSTOS_LEDGER_ALLOW_MISSING) */
    M_DRY = 8,    /* check only: never apply (a proposal before signing) */
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

static void
state_free(struct state *s)
{
    for (size_t i = 0; i < s->npeople; i++)
        custos_key_free(s->people[i].pub);
    for (size_t i = 0; i < s->nitems; i++)
        free(s->items[i].id);
    free(s->people);
    free(s->items);
    free(s->item_slots);
    free(s->pend);
    free(s->hashes);
    custos_merkle_free(s->tree);
    memset(s, 0, sizeof(*s));
}

static int
state_init(struct state *s)
{
    memset(s, 0, sizeof(*s));
    return custos_merkle_new(&s->tree, NULL);
}

static int
grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap < 16 ? 16 : *cap * 2;
    void *p = realloc(*v, c * size);
    if (p == NULL)
        return -1;
    *v = p;
    *cap = c;
    return 0;
}

static struct person *
person_find(struct state *s, const char *fp)
{
    for (size_t i = 0; i < s->npeople; i++)
        if (strcmp(s->people[i].fp, fp) == 0)
            return &s->people[i];
    return NULL;
}

static size_t
item_hash(const char *id)
{
    size_t h = 1469598103934665603u; /* FNV-1a */
    for (; *id != '\0'; id++)
        h = (h ^ (unsigned char)*id) * 1099511628211u;
    return h;
}

/* Items are looked up by id on most entries: a hash index keeps replay linear. */
static struct item *
item_find(struct state *s, const char *id)
{
    if (s->nslots == 0)
        return NULL;
    for (size_t i = item_hash(id) & (s->nslots - 1);; i = (i + 1) & (s->nslots - 1)) {
        size_t v = s->item_slots[i];
        if (v == 0)
            return NULL;
        if (strcmp(s->items[v - 1].id, id) == 0)
            return &s->items[v - 1];
    }
}

/* Indexes items[s->nitems - 1]. Returns 0, or -1 out of memory. */
static int
item_index(struct state *s)
{
    if (s->nitems * 2 > s->nslots) {
        size_t n = s->nslots == 0 ? 64 : s->nslots * 2;
        size_t *v = calloc(n, sizeof(*v));
        if (v == NULL)
            return -1;
        free(s->item_slots);
        s->item_slots = v;
        s->nslots = n;
        for (size_t k = 0; k + 1 < s->nitems; k++) {
            size_t i = item_hash(s->items[k].id) & (n - 1);
            while (v[i] != 0)
                i = (i + 1) & (n - 1);
            v[i] = k + 1;
        }
    }
    size_t i = item_hash(s->items[s->nitems - 1].id) & (s->nslots - 1);
    while (s->item_slots[i] != 0)
        i = (i + 1) & (s->nslots - 1);
    s->item_slots[i] = s->nitems;
    return 0;
}

static const char *
who(struct state *s, const char *fp)
{
    struct person *p = person_find(s, fp);
    return p != NULL ? p->name : "an unknown key";
}

static int add_finding(struct finding_list *f, uint64_t seq, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
add_finding(struct finding_list *f, uint64_t seq, int status, const char *fmt, ...)
{
    if (grow((void **)&f->v, &f->cap, f->n, sizeof(*f->v)) != 0)
        return CUSTOS_E_NOMEM;
    struct custos_ledger_finding *x = &f->v[f->n++];
    x->seq = seq;
    x->status = status;
    int w = snprintf(x->message, sizeof(x->message), "entry %" PRIu64 ": ", seq);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->message + w, sizeof(x->message) - (size_t)w, fmt, ap);
    va_end(ap);
    return status;
}

/* ---- strict parsing helpers ---- */

static int
is_hex64(const char *s)
{
    return s != NULL && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* RFC 3339 UTC with seconds, "YYYY-MM-DDTHH:MM:SSZ", a real date. */
static int
parse_time(const char *s, time_t *out)
{
    int64_t t = 0;
    if (custos_time_rfc3339_parse(s, CUSTOS_TIME_CANONICAL, &t, NULL) != CUSTOS_OK)
        return -1;
    if (out != NULL)
        *out = (time_t)t;
    return 0;
}

static void
format_time(time_t t, char *buf, size_t len)
{
    char b[CUSTOS_TIME_RFC3339_SIZE];
    custos_time_rfc3339_format((int64_t)t, 0, b);
    size_t n = strlen(b) < len ? strlen(b) : len - 1; /* 20 bytes: whole seconds */
    memcpy(buf, b, n);
    buf[n] = '\0';
}

/* No reals anywhere, and integers within +-2^53 (the shell and JSON tools agree on those). */
static int
plain_json(const json_t *j, int depth)
{
    if (depth > 8)
        return 0;
    switch (json_typeof(j)) {
    case JSON_REAL:
        return 0;
    case JSON_INTEGER: {
        json_int_t v = json_integer_value(j);
        return v <= ((json_int_t)1 << 53) && v >= -((json_int_t)1 << 53);
    }
    case JSON_OBJECT: {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)j, k, v) if (!plain_json(v, depth + 1)) return 0;
        return 1;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) if (!plain_json(v, depth + 1)) return 0;
        return 1;
    }
    default:
        return 1;
    }
}

static char *
dump(const json_t *j)
{
    return json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

static const char *
sget(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void
sha256(const void *p, size_t n, uint8_t out[32])
{
    EVP_Digest(p, n, out, NULL, EVP_sha256(), NULL);
}

/* ---- signatures, checked in line or on worker threads ---- */

/*
 * While scan() reads a whole ledger, each signature is handed to a worker
 * pool through a bounded ring, and replay() goes on with the next entry:
 * whether a signature holds changes nothing in the state (only findings).
 * Jobs are collected strictly in submission order, and a failed one's
 * finding is inserted where replay() would have added it (its position in
 * the finding list when submitted, shifted by the insertions made since), so
 * the findings are exactly those of checking in line, in the same order.
 *
 * Invariants:
 *   1. ring slots [head, tail) are in flight; [head, next) taken by workers
 *      or done; only the main thread moves head and tail, only workers next.
 *   2. At most SIGPIPE_SLOTS jobs and SIGPIPE_BYTES of bodies are in flight:
 *      memory stays flat whatever the ledger's length.
 *   3. A borrowed key belongs to the state, which outlives the pipe; an owned
 *      key (an enrolling party's, from its entry) is freed when collected.
 */
#define SIGPIPE_SLOTS 1024
#define SIGPIPE_BYTES (64u * 1024 * 1024)
#define SIGPIPE_BATCH 8

struct sigjob {
    size_t pos;                   /* f->n when submitted */
    size_t ins0;                  /* insertions made before it was submitted */
    uint64_t seq;                 /* the entry */
    const struct custos_key *key; /* the key to check with */
    struct custos_key *owned;     /* key, when this job owns it */
    char *body;                   /* a copy of the body */
    size_t len, cap;              /* bytes of body, allocated */
    uint8_t sig[CUSTOS_SIG_SIZE]; /* the signature */
    char text[400];               /* the finding, should it fail */
    int done, bad;                /* under the lock */
};

struct sigpipe {
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    struct sigjob ring[SIGPIPE_SLOTS];
    size_t head, next, tail; /* absolute counters; slot = counter % SIGPIPE_SLOTS */
    size_t bytes;            /* body bytes in flight */
    size_t inserted;         /* findings inserted so far */
    int quit;
    unsigned idle; /* workers waiting for work */
    int waiting;   /* the main thread waits for job wait_for to be done */
    size_t wait_for;
    unsigned nthreads;
    pthread_t tids[16];
    int nomem;
};

static void *
sigpipe_worker(void *arg)
{
    struct sigpipe *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->next == p->tail && !p->quit) {
            p->idle++;
            pthread_cond_wait(&p->work, &p->mu);
            p->idle--;
        }
        if (p->next == p->tail)
            break;
        /* A few jobs at a time: one lock round trip per batch, not per signature. */
        size_t from = p->next, to = p->tail - from > SIGPIPE_BATCH ? from + SIGPIPE_BATCH : p->tail;
        p->next = to;
        pthread_mutex_unlock(&p->mu);
        for (size_t i = from; i < to; i++) {
            struct sigjob *j = &p->ring[i % SIGPIPE_SLOTS];
            struct custos_error e2;
            j->bad = custos_verify(j->key, CUSTOS_PURPOSE_LEDGER_ENTRY, j->body, j->len, j->sig,
                                   &e2) != CUSTOS_OK;
        }
        pthread_mutex_lock(&p->mu);
        for (size_t i = from; i < to; i++)
            p->ring[i % SIGPIPE_SLOTS].done = 1;
        if (p->waiting && p->ring[p->wait_for % SIGPIPE_SLOTS].done)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static int
sigpipe_start(struct sigpipe *p)
{
    memset(p, 0, sizeof(*p));
    unsigned n = custos__cpu_count();
    if (n < 2)
        return -1; /* one core: checking in line is as fast */
    if (n > 16)
        n = 16;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    for (unsigned i = 0; i < n; i++) {
        if (pthread_create(&p->tids[i], NULL, sigpipe_worker, p) != 0)
            break;
        p->nthreads++;
    }
    if (p->nthreads == 0) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->work);
        pthread_cond_destroy(&p->done);
        return -1;
    }
    return 0;
}

/* Collects done jobs from the head, in order; with wait, at least one. Under the lock. */
static void
sigpipe_collect(struct sigpipe *p, struct finding_list *f, int wait)
{
    while (p->head < p->tail) {
        struct sigjob *j = &p->ring[p->head % SIGPIPE_SLOTS];
        if (!j->done) {
            if (!wait)
                return;
            /* Sleep until half the ring is done (or the head, if that is what lags), not
             * once per batch: each wake-up is a context switch. */
            size_t until =
                p->head + SIGPIPE_SLOTS / 2 < p->tail ? p->head + SIGPIPE_SLOTS / 2 : p->tail - 1;
            p->wait_for = p->ring[until % SIGPIPE_SLOTS].done ? p->head : until;
            p->waiting = 1;
            while (!p->ring[p->wait_for % SIGPIPE_SLOTS].done)
                pthread_cond_wait(&p->done, &p->mu);
            p->waiting = 0;
            continue;
        }
        wait = 0;
        if (j->bad) {
            if (grow((void **)&f->v, &f->cap, f->n, sizeof(*f->v)) != 0) {
                p->nomem = 1;
            } else {
                /* f->n at submission counted the insertions made before it; the ones
                 * since (all of earlier jobs, at or before pos) shift it. */
                size_t at = j->pos + (p->inserted - j->ins0);
                memmove(&f->v[at + 1], &f->v[at], (f->n - at) * sizeof(*f->v));
                f->n++;
                f->v[at].seq = j->seq;
                f->v[at].status = CUSTOS_E_UNTRUSTED;
                snprintf(f->v[at].message, sizeof(f->v[at].message), "entry %" PRIu64 ": %s",
                         j->seq, j->text);
                p->inserted++;
            }
        }
        custos_key_free(j->owned);
        j->owned = NULL;
        j->key = NULL;
        p->bytes -= j->len;
        if (j->cap > 65536) { /* flat memory: keep only small buffers */
            free(j->body);
            j->body = NULL;
            j->cap = 0;
        }
        p->head++;
    }
}

/* Hands one signature to the workers; takes owned. Returns CUSTOS_OK or CUSTOS_E_NOMEM. */
static int
sigpipe_submit(struct sigpipe *p, struct finding_list *f, uint64_t seq,
               const struct custos_key *key, struct custos_key *owned, const char *body, size_t len,
               const uint8_t sig[CUSTOS_SIG_SIZE], const char *text)
{
    pthread_mutex_lock(&p->mu);
    sigpipe_collect(p, f, 0);
    while (p->tail - p->head == SIGPIPE_SLOTS || (p->bytes > SIGPIPE_BYTES && p->head < p->tail))
        sigpipe_collect(p, f, 1);
    struct sigjob *j = &p->ring[p->tail % SIGPIPE_SLOTS];
    pthread_mutex_unlock(&p->mu);
    /* The slot is outside [head, tail): no worker looks at it. */
    if (j->cap < len) {
        char *b = realloc(j->body, len);
        if (b == NULL) {
            custos_key_free(owned);
            return CUSTOS_E_NOMEM;
        }
        j->body = b;
        j->cap = len;
    }
    memcpy(j->body, body, len);
    j->len = len;
    j->pos = f->n;
    j->ins0 = p->inserted; /* only the main thread changes it */
    j->seq = seq;
    j->key = key;
    j->owned = owned;
    memcpy(j->sig, sig, CUSTOS_SIG_SIZE);
    snprintf(j->text, sizeof(j->text), "%s", text);
    j->done = 0;
    j->bad = 0;
    pthread_mutex_lock(&p->mu);
    p->bytes += len;
    p->tail++;
    if (p->idle > 0)
        pthread_cond_signal(&p->work);
    int nomem = p->nomem;
    pthread_mutex_unlock(&p->mu);
    return nomem ? CUSTOS_E_NOMEM : CUSTOS_OK;
}

/* Waits for every job, collects them, stops the workers and frees what the ring holds. */
static int
sigpipe_finish(struct sigpipe *p, struct finding_list *f)
{
    pthread_mutex_lock(&p->mu);
    while (p->head < p->tail)
        sigpipe_collect(p, f, 1);
    p->quit = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->tids[i], NULL);
    for (size_t i = 0; i < SIGPIPE_SLOTS; i++)
        free(p->ring[i].body);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    return p->nomem ? CUSTOS_E_NOMEM : CUSTOS_OK;
}

/*
 * Checks one signature of entry seq by key over the body (owned: a key this
 * call takes over, or NULL): on a worker when scan() runs a pipe, else now.
 * Returns CUSTOS_OK or CUSTOS_E_NOMEM.
 */
static int
check_sig(struct state *s, uint64_t seq, const struct custos_key *key, struct custos_key *owned,
          const char *body, size_t blen, const uint8_t sig[CUSTOS_SIG_SIZE], const char *as,
          const char *name, const char *fp, unsigned mode, struct finding_list *f)
{
    char text[400];
    snprintf(text, sizeof(text), "signature of %s %s (key %.16s) does not verify", as, name, fp);
    if (s->pipe != NULL && !(mode & M_COMMIT))
        return sigpipe_submit(s->pipe, f, seq, key, owned, body, blen, sig, text);
    struct custos_error e2;
    if (custos_verify(key, CUSTOS_PURPOSE_LEDGER_ENTRY, body, blen, sig, &e2) != CUSTOS_OK)
        add_finding(f, seq, CUSTOS_E_UNTRUSTED, "%s", text);
    custos_key_free(owned);
    return CUSTOS_OK;
}

/* ---- replay: check one line against the state, then apply it ---- */

struct party_view {
    const char *as, *fp, *name, *role, *pub;
    const struct crule *cr;
    int signed_;
};

/*
 * Checks one entry line (without LF) against s and applies it. Findings go
 * to f; in M_COMMIT mode the entry is applied only when it has none.
 * Returns CUSTOS_OK or CUSTOS_E_NOMEM (findings are not return values).
 */
static int
replay(struct state *s, const char *line, size_t len, unsigned mode, struct finding_list *f)
{
    const uint64_t seq = s->n;
    const int pol = (mode & M_COMMIT) ? CUSTOS_E_REFUSED : CUSTOS_E_UNTRUSTED;
    size_t nf0 = f->n;
    json_t *root = NULL;
    struct party_view pv[8];
    size_t np = 0;
    const struct arule *ar = NULL;
    const char *body_end = memchr(line, '\t', len);
    size_t blen = body_end != NULL ? (size_t)(body_end - line) : len;
    int rc = CUSTOS_OK;
    uint8_t lh[32];
    const char *tm = NULL;

    if (memchr(line, '\0', len) != NULL || memchr(line, '\r', len) != NULL) {
        add_finding(f, seq, CUSTOS_E_CORRUPT, "NUL or CR byte in the line");
        goto apply;
    }
    json_error_t je;
    root = json_loadb(line, blen, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL || !json_is_object(root)) {
        add_finding(f, seq, CUSTOS_E_CORRUPT, "body is not a JSON object (%s)",
                    root == NULL ? je.text : "not an object");
        goto apply;
    }
    {
        char *canon = dump(root);
        int same = canon != NULL && strlen(canon) == blen && memcmp(canon, line, blen) == 0;
        free(canon);
        if (!same) {
            add_finding(f, seq, CUSTOS_E_CORRUPT,
                        "body is not in the compact form custos writes (spacing, escaping or "
                        "number form differs)");
            goto apply;
        }
    }
    if (!plain_json(root, 0)) {
        add_finding(f, seq, CUSTOS_E_CORRUPT, "body holds a fraction or an integer beyond 2^53");
        goto apply;
    }
    {
        static const char *const head[] = {"v", "seq", "prev", "time", "action", "parties"};
        void *it = json_object_iter(root);
        for (size_t i = 0; i < 6; i++, it = json_object_iter_next(root, it))
            if (it == NULL || strcmp(json_object_iter_key(it), head[i]) != 0) {
                add_finding(f, seq, CUSTOS_E_CORRUPT,
                            "body must begin with v, seq, prev, time, action, parties");
                goto apply;
            }
    }
    json_t *jv = json_object_get(root, "v"), *jseq = json_object_get(root, "seq");
    const char *prev = sget(root, "prev"), *action = sget(root, "action");
    tm = sget(root, "time");
    json_t *parties = json_object_get(root, "parties");
    if (!json_is_integer(jv) || json_integer_value(jv) != CUSTOS_LEDGER_VERSION) {
        add_finding(f, seq, CUSTOS_E_CORRUPT, "unsupported version (v must be 1)");
        goto apply;
    }
    if (!json_is_integer(jseq) || !is_hex64(prev) || tm == NULL || action == NULL ||
        !json_is_array(parties)) {
        add_finding(f, seq, CUSTOS_E_CORRUPT, "seq, prev, time, action or parties malformed");
        goto apply;
    }
    if ((uint64_t)json_integer_value(jseq) != seq)
        add_finding(f, seq, CUSTOS_E_UNTRUSTED,
                    "seq is %" JSON_INTEGER_FORMAT ", expected %" PRIu64
                    " (entries deleted, inserted or swapped)",
                    json_integer_value(jseq), seq);
    {
        char want[65];
        if (seq == 0)
            memset(want, '0', 64), want[64] = '\0';
        else
            custos_hex_encode(s->head, 32, want);
        if (strcmp(prev, want) != 0)
            add_finding(
                f, seq, CUSTOS_E_UNTRUSTED,
                "hash link broken: prev %.16s... is not the hash %.16s... of entry %" PRIu64, prev,
                want, seq == 0 ? 0 : seq - 1);
    }
    time_t t_entry;
    if (parse_time(tm, &t_entry) != 0) {
        add_finding(f, seq, CUSTOS_E_CORRUPT,
                    "time \"%s\" is not RFC 3339 UTC (YYYY-MM-DDTHH:MM:SSZ)", tm);
    } else if (s->last_time[0] != '\0' && strcmp(tm, s->last_time) < 0) {
        add_finding(f, seq, pol,
                    "time %s is before the previous entry's %s: the clock went backwards", tm,
                    s->last_time);
    }
    ar = rule_of(action);
    if (ar == NULL) {
        add_finding(f, seq, CUSTOS_E_CORRUPT, "unknown action \"%s\"", action);
        goto apply;
    }
    if ((seq == 0) != (strcmp(action, CUSTOS_ACTION_OPEN) == 0))
        add_finding(f, seq, pol, seq == 0 ? "the first entry must be open" : "a second open entry");
    if (s->closed && strcmp(action, CUSTOS_ACTION_ATTEST) != 0)
        add_finding(f, seq, pol, "%s after the case was closed", action);

    /* Fields: known, typed, required. */
    {
        void *it = json_object_iter(root);
        for (int i = 0; i < 6; i++)
            it = json_object_iter_next(root, it);
        for (; it != NULL; it = json_object_iter_next(root, it)) {
            const char *k = json_object_iter_key(it);
            json_t *v = json_object_iter_value(it);
            const struct frule *fr = NULL;
            for (size_t i = 0; i < 12 && ar->fields[i].name != NULL; i++)
                if (strcmp(ar->fields[i].name, k) == 0)
                    fr = &ar->fields[i];
            if (fr == NULL) {
                add_finding(f, seq, CUSTOS_E_CORRUPT, "field \"%s\" is not defined for %s", k,
                            action);
                continue;
            }
            int good = 0;
            const char *sv = json_string_value(v);
            switch (fr->type) {
            case F_STR:
                good = sv != NULL && sv[0] != '\0' && strlen(sv) <= CUSTOS_LEDGER_FIELD_MAX;
                break;
            case F_INT:
                good = json_is_integer(v) && json_integer_value(v) >= 0;
                break;
            case F_HEX:
                good = is_hex64(sv);
                break;
            case F_TIME:
                good = parse_time(sv, NULL) == 0;
                break;
            }
            if (!good)
                add_finding(f, seq, CUSTOS_E_CORRUPT, "field \"%s\" has the wrong type or form", k);
        }
        for (size_t i = 0; i < 12 && ar->fields[i].name != NULL; i++)
            if (ar->fields[i].required && json_object_get(root, ar->fields[i].name) == NULL)
                add_finding(f, seq, CUSTOS_E_CORRUPT, "%s needs the field \"%s\"", action,
                            ar->fields[i].name);
    }

    /* Parties: known capacities, enrolled keys, allowed roles. */
    if (json_array_size(parties) == 0 || json_array_size(parties) > 8) {
        add_finding(f, seq, CUSTOS_E_CORRUPT, "an entry names 1 to 8 parties");
        goto apply;
    }
    for (size_t i = 0; i < json_array_size(parties); i++) {
        json_t *p = json_array_get(parties, i);
        struct party_view *v = &pv[np];
        memset(v, 0, sizeof(*v));
        v->as = sget(p, "as");
        v->fp = sget(p, "key");
        v->name = sget(p, "name");
        v->role = sget(p, "role");
        v->pub = sget(p, "pub");
        size_t want_members = 3;
        if (!json_is_object(p) || v->as == NULL || !is_hex64(v->fp) || v->name == NULL) {
            add_finding(f, seq, CUSTOS_E_CORRUPT, "party %zu is malformed", i + 1);
            continue;
        }
        for (size_t c = 0; c < 5 && ar->caps[c].as != NULL; c++)
            if (strcmp(ar->caps[c].as, v->as) == 0)
                v->cr = &ar->caps[c];
        if (v->cr == NULL) {
            add_finding(f, seq, pol, "%s has no capacity \"%s\"", action, v->as);
            continue;
        }
        for (size_t j = 0; j < np; j++) {
            if (strcmp(pv[j].as, v->as) == 0)
                add_finding(f, seq, pol, "capacity %s named twice", v->as);
            if (strcmp(pv[j].fp, v->fp) == 0)
                add_finding(f, seq, pol, "%s acts in two capacities (%s and %s)", v->name, pv[j].as,
                            v->as);
        }
        if (v->cr->enrols) {
            want_members = 5;
            uint8_t der[64];
            size_t dl = 0;
            struct custos_key *k = NULL;
            struct custos_error e2;
            if (v->role == NULL || v->pub == NULL ||
                custos__b64_decode(v->pub, strlen(v->pub), der, sizeof(der), &dl) != 0 ||
                custos_key_from_spki(&k, der, dl, v->name, v->role, &e2) != CUSTOS_OK) {
                add_finding(f, seq, CUSTOS_E_CORRUPT, "%s: role or public key malformed", v->as);
                np++;
                continue;
            }
            if (strcmp(custos_key_fingerprint(k), v->fp) != 0)
                add_finding(f, seq, CUSTOS_E_UNTRUSTED,
                            "%s: enrolled public key does not match its fingerprint %.16s", v->as,
                            v->fp);
            custos_key_free(k);
            if (!(role_bit(v->role) & v->cr->roles))
                add_finding(f, seq, pol, "%s (%s) may not be enrolled as %s by %s", v->name,
                            v->role, v->as, action);
            struct person *old = person_find(s, v->fp);
            if (old != NULL)
                add_finding(f, seq, pol, "key %.16s is already enrolled (entry %" PRIu64 ")", v->fp,
                            old->enrolled);
        } else {
            struct person *per = person_find(s, v->fp);
            if (per == NULL) {
                add_finding(f, seq, pol, "%s %s (key %.16s) is not enrolled", v->as, v->name,
                            v->fp);
            } else {
                if (per->revoked < seq)
                    add_finding(f, seq, pol, "key %.16s of %s was revoked at entry %" PRIu64, v->fp,
                                per->name, per->revoked);
                if (!(role_bit(per->role) & v->cr->roles))
                    add_finding(f, seq, pol, "%s is enrolled as %s, which may not act as %s in %s",
                                per->name, per->role, v->as, action);
                if (strcmp(per->name, v->name) != 0)
                    add_finding(f, seq, pol, "party name \"%s\" differs from the enrolled \"%s\"",
                                v->name, per->name);
            }
        }
        if (json_object_size(p) != want_members)
            add_finding(f, seq, CUSTOS_E_CORRUPT, "party %zu has unexpected members", i + 1);
        np++;
    }
    for (size_t c = 0; c < 5 && ar->caps[c].as != NULL; c++) {
        int named = 0;
        for (size_t j = 0; j < np; j++)
            named |= pv[j].cr == &ar->caps[c];
        if (ar->caps[c].required && !named)
            add_finding(f, seq, pol, "%s needs a party acting as %s", action, ar->caps[c].as);
    }

    /* Signatures: every token by a listed party, in party order, and valid. */
    {
        const char *p = body_end;
        size_t last = 0;
        int first = 1;
        while (p != NULL && p < line + len) {
            const char *tok = p + 1;
            const char *e = memchr(tok, '\t', (size_t)(line + len - tok));
            size_t tl = e != NULL ? (size_t)(e - tok) : (size_t)(line + len - tok);
            p = e;
            char fp[65];
            uint8_t sig[CUSTOS_SIG_SIZE];
            struct custos_error e2;
            if (tl != 64 + 1 + 88 || tok[64] != ':') {
                add_finding(f, seq, CUSTOS_E_CORRUPT, "malformed signature token");
                continue;
            }
            memcpy(fp, tok, 64);
            fp[64] = '\0';
            if (!is_hex64(fp) || custos_sig_from_base64(tok + 65, 88, sig, &e2) != CUSTOS_OK) {
                add_finding(f, seq, CUSTOS_E_CORRUPT, "malformed signature token");
                continue;
            }
            size_t j;
            for (j = 0; j < np; j++)
                if (strcmp(pv[j].fp, fp) == 0)
                    break;
            if (j == np) {
                add_finding(f, seq, CUSTOS_E_UNTRUSTED,
                            "signature by key %.16s, which the entry does not list", fp);
                continue;
            }
            if (pv[j].signed_) {
                add_finding(f, seq, CUSTOS_E_CORRUPT, "two signatures by %s", pv[j].name);
                continue;
            }
            if (!first && j < last)
                add_finding(f, seq, CUSTOS_E_CORRUPT, "signatures out of party order");
            first = 0;
            last = j;
            pv[j].signed_ = 1;
            if (mode & M_SIGS) {
                /* An enrolling party signs with the key its entry carries (owned here, and
                 * only that: without a pub there is nothing to check, already reported);
                 * everyone else with the enrolled key the state owns (borrowed). */
                struct custos_key *owned = NULL;
                const struct custos_key *k = NULL;
                if (pv[j].cr != NULL && pv[j].cr->enrols) {
                    uint8_t der[64];
                    size_t dl;
                    if (pv[j].pub != NULL &&
                        custos__b64_decode(pv[j].pub, strlen(pv[j].pub), der, sizeof(der), &dl) ==
                            0 &&
                        custos_key_from_spki(&owned, der, dl, NULL, NULL, &e2) != CUSTOS_OK)
                        owned = NULL;
                    k = owned;
                } else {
                    struct person *per = person_find(s, fp);
                    if (per != NULL)
                        k = per->pub;
                }
                if (k == NULL)
                    continue; /* already reported: not enrolled, or no key in the entry */
                s->signatures++;
                rc =
                    check_sig(s, seq, k, owned, line, blen, sig, pv[j].as, pv[j].name, fp, mode, f);
                if (rc != CUSTOS_OK)
                    goto out;
            }
        }
        /* Late signatures are for some parties, never all: an entry nobody signed is
         * anybody's (issue 19). A proposal (M_DRY) is checked before anyone signs. */
        size_t nsigned = 0;
        for (size_t j = 0; j < np; j++)
            nsigned += pv[j].signed_ != 0;
        if (nsigned == 0 && np > 0 && !(mode & M_DRY))
            add_finding(f, seq, pol, "no party signed this entry");
        for (size_t j = 0; j < np; j++) {
            if (pv[j].signed_ || pv[j].cr == NULL)
                continue;
            if (pv[j].cr->enrols && !(mode & M_DRY))
                add_finding(f, seq, pol, "the enrolled key of %s must sign its own enrolment",
                            pv[j].name);
            else if ((mode & M_COMMIT) && !(mode & M_LATE))
                add_finding(f, seq, CUSTOS_E_REFUSED,
                            "%s %s has not signed (sign the proposal, or commit with "
                            "--allow-missing and attest later)",
                            pv[j].as, pv[j].name);
        }
    }

    /* Action-specific rules. */
    const char *item_id = sget(root, "item");
    struct item *it = item_id != NULL ? item_find(s, item_id) : NULL;
    const char *holder_fp = NULL;
    for (size_t j = 0; j < np; j++)
        if (ar->holder_as != NULL && strcmp(pv[j].as, ar->holder_as) == 0)
            holder_fp = pv[j].fp;
    switch (ar->item) {
    case I_NEW:
        if (it != NULL)
            add_finding(f, seq, pol, "item %s was already collected at entry %" PRIu64, item_id,
                        it->collected);
        break;
    case I_HOLDER:
    case I_TRANSFER:
    case I_DISPOSE:
        if (item_id == NULL)
            break;
        if (it == NULL) {
            add_finding(f, seq, pol, "item %s was never collected", item_id);
            break;
        }
        if (it->disposed != UINT64_MAX) {
            add_finding(f, seq, pol, "item %s was disposed of at entry %" PRIu64, item_id,
                        it->disposed);
            break;
        }
        if (ar->item == I_DISPOSE) {
            int holds = 0;
            for (size_t j = 0; j < np; j++)
                holds |= strcmp(pv[j].fp, it->holder) == 0;
            if (!holds)
                add_finding(f, seq, pol,
                            "item %s is held by %s, who is not a party to its disposal", item_id,
                            who(s, it->holder));
        } else if (holder_fp != NULL && strcmp(holder_fp, it->holder) != 0) {
            add_finding(f, seq, pol, "%s does not hold item %s (%s holds it)", who(s, holder_fp),
                        item_id, who(s, it->holder));
        }
        break;
    case I_OPTIONAL:
        if (item_id != NULL && it == NULL)
            add_finding(f, seq, pol, "item %s was never collected", item_id);
        break;
    case I_NONE:
        break;
    }
    if (strcmp(action, CUSTOS_ACTION_OPEN) == 0) {
        json_int_t lv = json_integer_value(json_object_get(root, "level"));
        const char *lid = sget(root, "ledger");
        time_t rd, vd;
        if (lv < 1 || lv > 4)
            add_finding(f, seq, CUSTOS_E_CORRUPT, "incident level must be 1 to 4");
        if (lid == NULL || strlen(lid) != 36 || strspn(lid, "0123456789abcdef-") != 36)
            add_finding(f, seq, CUSTOS_E_CORRUPT, "ledger id must be a lowercase UUID");
        if (parse_time(sget(root, "report_due"), &rd) == 0 &&
            parse_time(sget(root, "recovery_due"), &vd) == 0 && parse_time(tm, &t_entry) == 0 &&
            (rd != t_entry + 3600 || vd != t_entry + (lv >= 3 ? 36 : 72) * 3600))
            add_finding(f, seq, CUSTOS_E_UNTRUSTED,
                        "deadlines do not follow from the level (report 1 h, recovery 36 h for "
                        "levels 3-4, 72 h for 1-2)");
    } else if (strcmp(action, CUSTOS_ACTION_REVOKE) == 0) {
        const char *k = sget(root, "key");
        struct person *per = k != NULL ? person_find(s, k) : NULL;
        if (k != NULL && per == NULL)
            add_finding(f, seq, pol, "revoked key %.16s was never enrolled", k);
        else if (per != NULL && per->revoked != UINT64_MAX)
            add_finding(f, seq, pol, "key %.16s was already revoked at entry %" PRIu64, k,
                        per->revoked);
        for (size_t j = 0; j < np; j++)
            if (strcmp(pv[j].as, "subject") == 0 && k != NULL && strcmp(pv[j].fp, k) != 0)
                add_finding(f, seq, pol, "the subject party is not the revoked key");
    } else if (strcmp(action, CUSTOS_ACTION_ACCESS) == 0) {
        const char *d = sget(root, "direction");
        if (d != NULL && strcmp(d, "out") != 0 && strcmp(d, "in") != 0)
            add_finding(f, seq, CUSTOS_E_CORRUPT, "direction must be out or in");
    } else if (strcmp(action, CUSTOS_ACTION_VERIFY) == 0) {
        const char *r = sget(root, "result");
        if (r != NULL && strcmp(r, "match") != 0 && strcmp(r, "mismatch") != 0)
            add_finding(f, seq, CUSTOS_E_CORRUPT, "result must be match or mismatch");
    } else if (strcmp(action, CUSTOS_ACTION_ATTEST) == 0 && np > 0) {
        json_int_t tg = json_integer_value(json_object_get(root, "target"));
        const char *th = sget(root, "target_sha256");
        if (tg < 0 || (uint64_t)tg >= seq) {
            add_finding(f, seq, pol,
                        "attest target %" JSON_INTEGER_FORMAT " is not an earlier entry", tg);
        } else {
            char hh[65];
            custos_hex_encode(s->hashes[tg], 32, hh);
            if (th == NULL || strcmp(th, hh) != 0)
                add_finding(f, seq, CUSTOS_E_UNTRUSTED,
                            "attest target_sha256 is not the hash of entry %" JSON_INTEGER_FORMAT,
                            tg);
            int found = 0;
            for (size_t i = 0; i < s->npend; i++)
                found |= s->pend[i].seq == (uint64_t)tg && strcmp(s->pend[i].fp, pv[0].fp) == 0;
            if (!found)
                add_finding(f, seq, pol,
                            "%s has no missing signature on entry %" JSON_INTEGER_FORMAT,
                            pv[0].name, tg);
        }
    }

apply:
    if (((mode & M_COMMIT) && f->n > nf0) || (mode & M_DRY))
        goto out;
    /* Apply what this entry does; in verify mode even a faulty entry is applied as far as
     * it can be, so that later findings stay meaningful. */
    if (root != NULL && ar != NULL) {
        for (size_t j = 0; j < np; j++) {
            if (pv[j].cr == NULL || !pv[j].cr->enrols || pv[j].pub == NULL || pv[j].role == NULL)
                continue;
            if (person_find(s, pv[j].fp) != NULL)
                continue;
            uint8_t der[64];
            size_t dl;
            struct custos_key *k = NULL;
            struct custos_error e2;
            if (custos__b64_decode(pv[j].pub, strlen(pv[j].pub), der, sizeof(der), &dl) != 0 ||
                custos_key_from_spki(&k, der, dl, pv[j].name, pv[j].role, &e2) != CUSTOS_OK ||
                strcmp(custos_key_fingerprint(k), pv[j].fp) != 0) {
                custos_key_free(k);
                continue;
            }
            if (grow((void **)&s->people, &s->cap_people, s->npeople, sizeof(*s->people)) != 0) {
                custos_key_free(k);
                rc = CUSTOS_E_NOMEM;
                goto out;
            }
            struct person *per = &s->people[s->npeople++];
            memset(per, 0, sizeof(*per));
            snprintf(per->fp, sizeof(per->fp), "%s", pv[j].fp);
            snprintf(per->name, sizeof(per->name), "%s", pv[j].name);
            snprintf(per->role, sizeof(per->role), "%s", pv[j].role);
            per->pub = k;
            per->enrolled = seq;
            per->revoked = UINT64_MAX;
        }
        for (size_t j = 0; j < np; j++) {
            struct person *per = pv[j].signed_ ? person_find(s, pv[j].fp) : NULL;
            if (per != NULL)
                per->nsigs++;
        }
        for (size_t j = 0; j < np; j++)
            if (!pv[j].signed_ && pv[j].cr != NULL && !pv[j].cr->enrols) {
                if (grow((void **)&s->pend, &s->cap_pend, s->npend, sizeof(*s->pend)) != 0) {
                    rc = CUSTOS_E_NOMEM;
                    goto out;
                }
                struct pending *pd = &s->pend[s->npend++];
                pd->seq = seq;
                snprintf(pd->fp, sizeof(pd->fp), "%s", pv[j].fp);
                snprintf(pd->as, sizeof(pd->as), "%s", pv[j].as);
            }
        const char *action_ = ar->action;
        const char *item_id_ = sget(root, "item");
        struct item *it_ = item_id_ != NULL ? item_find(s, item_id_) : NULL;
        if (ar->item == I_NEW && it_ == NULL && item_id_ != NULL) {
            const char *h = NULL;
            for (size_t j = 0; j < np; j++)
                if (strcmp(pv[j].as, ar->holder_as) == 0)
                    h = pv[j].fp;
            if (grow((void **)&s->items, &s->cap_items, s->nitems, sizeof(*s->items)) != 0 ||
                h == NULL) {
                rc = h == NULL ? CUSTOS_OK : CUSTOS_E_NOMEM;
                goto after_items;
            }
            struct item *ni = &s->items[s->nitems];
            ni->id = strdup(item_id_);
            if (ni->id == NULL) {
                rc = CUSTOS_E_NOMEM;
                goto out;
            }
            s->nitems++;
            if (item_index(s) != 0) {
                s->nitems--;
                free(ni->id);
                rc = CUSTOS_E_NOMEM;
                goto out;
            }
            snprintf(ni->holder, sizeof(ni->holder), "%s", h);
            ni->collected = seq;
            ni->disposed = UINT64_MAX;
        } else if (ar->item == I_TRANSFER && it_ != NULL) {
            for (size_t j = 0; j < np; j++)
                if (strcmp(pv[j].as, "receiver") == 0)
                    snprintf(it_->holder, sizeof(it_->holder), "%s", pv[j].fp);
        } else if (ar->item == I_DISPOSE && it_ != NULL && it_->disposed == UINT64_MAX) {
            it_->disposed = seq;
        }
    after_items:
        if (strcmp(action_, CUSTOS_ACTION_OPEN) == 0 && seq == 0) {
            snprintf(s->ledger_id, sizeof(s->ledger_id), "%s",
                     sget(root, "ledger") ? sget(root, "ledger") : "");
            snprintf(s->case_id, sizeof(s->case_id), "%s",
                     sget(root, "case") ? sget(root, "case") : "");
            s->level = (int)json_integer_value(json_object_get(root, "level"));
            snprintf(s->opened, sizeof(s->opened), "%s", tm);
            snprintf(s->report_due, sizeof(s->report_due), "%s",
                     sget(root, "report_due") ? sget(root, "report_due") : "");
            snprintf(s->recovery_due, sizeof(s->recovery_due), "%s",
                     sget(root, "recovery_due") ? sget(root, "recovery_due") : "");
        } else if (strcmp(action_, CUSTOS_ACTION_REVOKE) == 0) {
            const char *k = sget(root, "key");
            struct person *per = k != NULL ? person_find(s, k) : NULL;
            if (per != NULL && per->revoked == UINT64_MAX)
                per->revoked = seq;
        } else if (strcmp(action_, CUSTOS_ACTION_ATTEST) == 0 && np > 0) {
            json_int_t tg = json_integer_value(json_object_get(root, "target"));
            for (size_t i = 0; i < s->npend; i++)
                if (s->pend[i].seq == (uint64_t)tg && strcmp(s->pend[i].fp, pv[0].fp) == 0) {
                    s->pend[i] = s->pend[--s->npend];
                    break;
                }
        } else if (strcmp(action_, CUSTOS_ACTION_CLOSE) == 0) {
            s->closed = 1;
        }
    }
    if (tm != NULL && root != NULL && parse_time(tm, NULL) == 0 && strcmp(tm, s->last_time) > 0)
        snprintf(s->last_time, sizeof(s->last_time), "%s", tm);
    /* The chain advances over the line as stored, whatever was wrong with it. */
    if (grow((void **)&s->hashes, (size_t *)&s->cap_hashes, s->n, 32) != 0 ||
        custos_merkle_append_leaf(s->tree, line, len) != CUSTOS_OK) {
        rc = CUSTOS_E_NOMEM;
        goto out;
    }
    sha256(line, len, lh);
    memcpy(s->hashes[s->n], lh, 32);
    memcpy(s->head, lh, 32);
    s->n++;
out:
    json_decref(root);
    return rc;
}

/*
 * Replays the bytes [from, to) of fd. A final line without LF is a torn
 * tail: *torn is set and *torn_at is its offset; it is not replayed.
 * Returns the bytes consumed through the last LF via *consumed.
 */
static int
scan(struct state *s, int fd, uint64_t from, uint64_t to, unsigned mode, struct finding_list *f,
     uint64_t *consumed, int *torn, uint64_t *torn_at, const struct custos_progress *prog,
     struct custos_error *err, const char *path)
{
    *torn = 0;
    *consumed = 0;
    if (to <= from)
        return CUSTOS_OK;
    size_t chunk = 4 * 1024 * 1024;
    char *buf = malloc(chunk + CUSTOS_LEDGER_LINE_MAX + 1);
    if (buf == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    uint64_t off = from; /* file offset of buf[0] */
    size_t have = 0;
    int rc = CUSTOS_OK;
    /* Signatures on every core for anything but a few lines (threads cost ~0.1 ms). */
    struct sigpipe *pipe = NULL;
    if ((mode & M_SIGS) && !(mode & M_COMMIT) && to - from >= 64 * 1024) {
        pipe = malloc(sizeof(*pipe));
        if (pipe != NULL && sigpipe_start(pipe) != 0) {
            free(pipe);
            pipe = NULL;
        }
    }
    s->pipe = pipe;
    while (off + have < to || have > 0) {
        if (custos_progress_cancelled(prog)) {
            rc = custos_error_set(err, CUSTOS_E_INTERRUPTED, 0, path, "interrupted");
            break;
        }
        size_t want = chunk;
        if (off + have + want > to)
            want = (size_t)(to - off - have);
        if (want > 0) {
            long long got = custos__pread_full(fd, buf + have, want, off + have);
            if (got < 0) {
                rc = custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot read");
                break;
            }
            if ((size_t)got < want) {
                rc = custos_error_set(err, CUSTOS_E_IO, 0, path, "file shrank while reading");
                break;
            }
            have += want;
        }
        size_t start = 0;
        for (;;) {
            char *nl = memchr(buf + start, '\n', have - start);
            if (nl == NULL)
                break;
            size_t ll = (size_t)(nl - (buf + start));
            if (ll > CUSTOS_LEDGER_LINE_MAX) {
                add_finding(f, s->n, CUSTOS_E_CORRUPT, "line longer than %d bytes",
                            CUSTOS_LEDGER_LINE_MAX);
                rc = CUSTOS_E_CORRUPT;
                goto done;
            }
            if (replay(s, buf + start, ll, mode, f) != CUSTOS_OK) {
                rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
                goto done;
            }
            start += ll + 1;
        }
        memmove(buf, buf + start, have - start);
        off += start;
        have -= start;
        *consumed = off - from;
        custos_progress_update(prog, off, to);
        if (off + have >= to) {
            if (have > 0) {
                *torn = 1;
                *torn_at = off;
            }
            break;
        }
        if (have > CUSTOS_LEDGER_LINE_MAX) {
            add_finding(f, s->n, CUSTOS_E_CORRUPT, "line longer than %d bytes",
                        CUSTOS_LEDGER_LINE_MAX);
            rc = CUSTOS_E_CORRUPT;
            break;
        }
    }
done:
    if (pipe != NULL) {
        s->pipe = NULL;
        if (sigpipe_finish(pipe, f) != CUSTOS_OK && rc == CUSTOS_OK)
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
        free(pipe);
    }
    free(buf);
    return rc;
}

/* ---- the writer ---- */

const struct custos_error *
custos_ledger_error(const struct custos_ledger *l)
{
    return &l->err;
}

uint64_t
custos_ledger_size(const struct custos_ledger *l)
{
    return l->st.n;
}

const char *
custos_ledger_origin(const struct custos_ledger *l)
{
    return l->origin;
}

void
custos_ledger_free(struct custos_ledger *l)
{
    if (l == NULL)
        return;
    if (l->fd >= 0)
        close(l->fd);
    state_free(&l->st);
    free(l->path);
    free(l);
}

/* Turns the first finding into the handle's error (status given). */
static int
finding_error(struct custos_ledger *l, struct finding_list *f, size_t from, int status)
{
    int rc = custos_error_set(&l->err, status, 0, l->path, "%s", f->v[from].message);
    if (f->n - from > 1) {
        size_t n = strlen(l->err.message);
        snprintf(l->err.message + n, sizeof(l->err.message) - n, " (and %zu more)",
                 f->n - from - 1);
    }
    return rc;
}

/* Reads lines appended since l->end (under the caller's lock when appending). */
static int
catch_up(struct custos_ledger *l)
{
    struct stat st;
    if (fstat(l->fd, &st) != 0)
        return custos_error_set(&l->err, CUSTOS_E_IO, errno, l->path, "cannot stat");
    if ((uint64_t)st.st_size < l->end)
        return custos_error_set(&l->err, CUSTOS_E_CORRUPT, 0, l->path,
                                "the ledger shrank from %" PRIu64 " to %lld bytes", l->end,
                                (long long)st.st_size);
    if ((uint64_t)st.st_size == l->end)
        return CUSTOS_OK;
    struct finding_list f = {0};
    uint64_t consumed = 0, torn_at = 0;
    int torn = 0;
    /* Signatures included: nothing is signed or appended over a forgery (issue 19). */
    int rc = scan(&l->st, l->fd, l->end, (uint64_t)st.st_size, M_SIGS, &f, &consumed, &torn,
                  &torn_at, NULL, &l->err, l->path);
    l->end += consumed;
    if (rc == CUSTOS_OK) {
        for (size_t i = 0; i < f.n; i++)
            if (f.v[i].status != CUSTOS_E_INCOMPLETE) {
                rc = finding_error(l, &f, i, f.v[i].status);
                size_t n = strlen(l->err.message);
                snprintf(l->err.message + n, sizeof(l->err.message) - n,
                         "; the ledger does not verify, so nothing may be signed or appended "
                         "over it (run custos-ledger verify)");
                break;
            }
    }
    if (rc == CUSTOS_OK && torn)
        rc = custos_error_set(&l->err, CUSTOS_E_CORRUPT, 0, l->path,
                              "entry %" PRIu64 ": torn last line at byte %" PRIu64 " (%" PRIu64
                              " bytes without a line end; a crash during an "
                              "append?): refusing to append",
                              l->st.n, torn_at, (uint64_t)st.st_size - torn_at);
    free(f.v);
    return rc;
}

static int
lock_ex(struct custos_ledger *l)
{
    while (flock(l->fd, LOCK_EX) != 0)
        if (errno != EINTR)
            return custos_error_set(&l->err, CUSTOS_E_IO, errno, l->path, "cannot lock");
    return CUSTOS_OK;
}

static void
unlock(struct custos_ledger *l)
{
    flock(l->fd, LOCK_UN);
}

int
custos_ledger_open(struct custos_ledger **out, const char *path, struct custos_error *err)
{
    *out = NULL;
    struct custos_ledger *l = calloc(1, sizeof(*l));
    if (l == NULL || (l->path = strdup(path)) == NULL || state_init(&l->st) != CUSTOS_OK) {
        if (l != NULL)
            free(l->path);
        free(l);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    }
    l->fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    int rc;
    if (l->fd < 0) {
        rc = custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot open the ledger");
        custos_ledger_free(l);
        return rc;
    }
    /* A shared lock: no append is half-way while we read. */
    while (flock(l->fd, LOCK_SH) != 0 && errno == EINTR)
        ;
    rc = catch_up(l);
    unlock(l);
    if (rc == CUSTOS_OK && l->st.n == 0)
        rc = custos_error_set(&l->err, CUSTOS_E_CORRUPT, 0, path, "empty ledger");
    if (rc != CUSTOS_OK) {
        custos_error_copy(err, &l->err);
        custos_ledger_free(l);
        return rc;
    }
    snprintf(l->origin, sizeof(l->origin), CUSTOS_LEDGER_ORIGIN_PREFIX "%s", l->st.ledger_id);
    *out = l;
    return CUSTOS_OK;
}

/* Builds the body JSON for a new entry on the current state. */
static int
build_body(struct state *s, const char *action, const char *fields_json,
           const struct custos_ledger_party *parties, size_t nparties, const char *time_,
           char **body, struct custos_error *err, const char *path)
{
    *body = NULL;
    const struct arule *ar = rule_of(action != NULL ? action : "");
    if (ar == NULL)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, path, "unknown action \"%s\"",
                                action != NULL ? action : "");
    if (nparties == 0 || nparties > 8)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, path, "an entry names 1 to 8 parties");
    char now[24];
    time_t tnow = time(NULL), t;
    format_time(tnow, now, sizeof(now));
    if (time_ == NULL) {
        time_ = now;
        /* The wall clock may be behind the last entry; say so rather than write it. */
    }
    if (parse_time(time_, &t) != 0)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, path,
                                "time \"%s\" is not RFC 3339 UTC (YYYY-MM-DDTHH:MM:SSZ)", time_);
    if (t > tnow + CUSTOS_LEDGER_FUTURE_SLACK)
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, path,
                                "time %s is in the future (the clock says %s)", time_, now);
    json_t *fields = NULL;
    if (fields_json != NULL) {
        json_error_t je;
        fields = json_loads(fields_json, JSON_REJECT_DUPLICATES, &je);
        if (fields == NULL || !json_is_object(fields)) {
            json_decref(fields);
            return custos_error_set(err, CUSTOS_E_USAGE, 0, path,
                                    "fields are not a JSON object (%s)", je.text);
        }
    }
    json_t *o = json_object(), *pa = json_array();
    char prev[65];
    if (s->n == 0)
        memset(prev, '0', 64), prev[64] = '\0';
    else
        custos_hex_encode(s->head, 32, prev);
    json_object_set_new(o, "v", json_integer(CUSTOS_LEDGER_VERSION));
    json_object_set_new(o, "seq", json_integer((json_int_t)s->n));
    json_object_set_new(o, "prev", json_string(prev));
    json_object_set_new(o, "time", json_string(time_));
    json_object_set_new(o, "action", json_string(action));
    int rc = CUSTOS_OK;
    for (size_t i = 0; i < nparties; i++) {
        const struct crule *cr = NULL;
        for (size_t c = 0; c < 5 && ar->caps[c].as != NULL; c++)
            if (parties[i].as != NULL && strcmp(ar->caps[c].as, parties[i].as) == 0)
                cr = &ar->caps[c];
        if (cr == NULL || parties[i].key == NULL) {
            rc = custos_error_set(err, CUSTOS_E_USAGE, 0, path, "%s has no capacity \"%s\"", action,
                                  parties[i].as != NULL ? parties[i].as : "");
            goto out;
        }
        const struct custos_key *k = parties[i].key;
        json_t *p = json_object();
        const char *name = custos_key_name(k);
        struct person *per = person_find(s, custos_key_fingerprint(k));
        if (!cr->enrols && per != NULL)
            name = per->name; /* the ledger's spelling is authoritative */
        json_object_set_new(p, "as", json_string(parties[i].as));
        json_object_set_new(p, "key", json_string(custos_key_fingerprint(k)));
        json_object_set_new(p, "name", json_string(name));
        if (cr->enrols) {
            uint8_t der[CUSTOS_KEY_SPKI_SIZE];
            char b64[CUSTOS__B64_SIZE(CUSTOS_KEY_SPKI_SIZE)];
            custos_key_spki(k, der);
            custos__b64_encode(der, sizeof(der), b64);
            json_object_set_new(p, "role", json_string(custos_key_role(k)));
            json_object_set_new(p, "pub", json_string(b64));
        }
        json_array_append_new(pa, p);
    }
    json_object_set_new(o, "parties", pa);
    pa = NULL;
    /* An attest names its target by number; the target's hash follows from the ledger. */
    if (strcmp(action, CUSTOS_ACTION_ATTEST) == 0 && fields != NULL &&
        json_object_get(fields, "target_sha256") == NULL) {
        json_t *tg = json_object_get(fields, "target");
        long long n = json_is_integer(tg)  ? json_integer_value(tg)
                      : json_is_string(tg) ? strtoll(json_string_value(tg), NULL, 10)
                                           : -1;
        if (n >= 0 && (uint64_t)n < s->n) {
            char hh[65];
            custos_hex_encode(s->hashes[n], 32, hh);
            json_object_set_new(fields, "target_sha256", json_string(hh));
        }
    }
    if (fields != NULL) {
        const char *k;
        json_t *v;
        json_object_foreach(fields, k, v)
        {
            if (json_object_get(o, k) != NULL) {
                rc = custos_error_set(err, CUSTOS_E_USAGE, 0, path, "field \"%s\" is reserved", k);
                goto out;
            }
            const struct frule *fr = NULL;
            for (size_t i = 0; i < 12 && ar->fields[i].name != NULL; i++)
                if (strcmp(ar->fields[i].name, k) == 0)
                    fr = &ar->fields[i];
            if (fr == NULL) {
                rc = custos_error_set(err, CUSTOS_E_USAGE, 0, path,
                                      "field \"%s\" is not defined for %s", k, action);
                goto out;
            }
            if (fr->type == F_INT && json_is_string(v)) {
                const char *sv = json_string_value(v);
                char *end;
                errno = 0;
                long long n = strtoll(sv, &end, 10);
                if (*sv == '\0' || *end != '\0' || errno != 0 || n < 0) {
                    rc = custos_error_set(err, CUSTOS_E_USAGE, 0, path,
                                          "field \"%s\" must be a whole number", k);
                    goto out;
                }
                json_object_set_new(o, k, json_integer(n));
            } else {
                json_object_set(o, k, v);
            }
        }
    }
    *body = dump(o);
    if (*body == NULL)
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
out:
    json_decref(pa);
    json_decref(o);
    json_decref(fields);
    return rc;
}

/* Attaches tokens to body in party order: "body\tT1\tT2\n". */
static int
assemble(const char *body, size_t blen, const char *const *tokens, size_t ntokens, char **line,
         size_t *len, struct custos_error *err, const char *path)
{
    json_t *root = json_loadb(body, blen, JSON_REJECT_DUPLICATES, NULL);
    json_t *parties = json_object_get(root, "parties");
    size_t cap = blen + ntokens * 160 + 2;
    char *b = malloc(cap);
    if (root == NULL || !json_is_array(parties) || b == NULL) {
        json_decref(root);
        free(b);
        return custos_error_set(err, root == NULL ? CUSTOS_E_CORRUPT : CUSTOS_E_NOMEM, 0, path,
                                root == NULL ? "proposal body is not JSON" : "out of memory");
    }
    memcpy(b, body, blen);
    size_t off = blen;
    size_t used = 0;
    for (size_t i = 0; i < json_array_size(parties); i++) {
        const char *fp = sget(json_array_get(parties, i), "key");
        for (size_t t = 0; fp != NULL && t < ntokens; t++)
            if (strncmp(tokens[t], fp, 64) == 0 && tokens[t][64] == ':') {
                size_t tl = strlen(tokens[t]);
                if (tl > 160)
                    break;
                b[off++] = '\t';
                memcpy(b + off, tokens[t], tl);
                off += tl;
                used++;
                break;
            }
    }
    json_decref(root);
    /* Tokens by keys the body does not list are kept, so that replay names them. */
    for (size_t t = 0; t < ntokens && used < ntokens; t++) {
        int listed = 0;
        for (size_t j = 0; j < off; j++)
            if (b[j] == '\t' && strncmp(b + j + 1, tokens[t], 64) == 0)
                listed = 1;
        if (!listed && strlen(tokens[t]) <= 160) {
            char *nb = realloc(b, off + strlen(tokens[t]) + 3);
            if (nb == NULL) {
                free(b);
                return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
            }
            b = nb;
            b[off++] = '\t';
            memcpy(b + off, tokens[t], strlen(tokens[t]));
            off += strlen(tokens[t]);
            used++;
        }
    }
    b[off++] = '\n';
    *line = b;
    *len = off;
    return CUSTOS_OK;
}

/*
 * Checks a complete line (with LF) as the next entry and appends it. Caller
 * holds the lock and has caught up. Invariant 1 and 2.
 */
static int
write_entry(struct custos_ledger *l, const char *line, size_t len, unsigned mode, uint64_t *seq)
{
    struct finding_list f = {0};
    uint64_t n = l->st.n;
    if (replay(&l->st, line, len - 1, M_SIGS | M_COMMIT | mode, &f) != CUSTOS_OK) {
        free(f.v);
        return custos_error_set(&l->err, CUSTOS_E_NOMEM, 0, l->path, "out of memory");
    }
    if (f.n > 0) {
        int st = CUSTOS_E_REFUSED;
        for (size_t i = 0; i < f.n; i++)
            if (strstr(f.v[i].message, "does not verify") != NULL)
                st = CUSTOS_E_UNTRUSTED;
        int rc = finding_error(l, &f, 0, st);
        free(f.v);
        return rc;
    }
    free(f.v);
    if (custos__write_all(l->fd, line, len) != 0 || fsync(l->fd) != 0) {
        int e = errno;
        /* Cut a partial line back so that no torn tail of ours remains. */
        if (ftruncate(l->fd, (off_t)l->end) == 0)
            fsync(l->fd);
        l->dead = 1;
        return custos_error_set(&l->err, CUSTOS_E_IO, e, l->path, "cannot append entry %" PRIu64,
                                n);
    }
    l->end += len;
    if (seq != NULL)
        *seq = n;
    return CUSTOS_OK;
}

static int
check_alive(struct custos_ledger *l, const char *fn)
{
    if (l->dead)
        return custos_error_set(&l->err, CUSTOS_E_USAGE, 0, l->path,
                                "%s: the handle is dead after a failed append", fn);
    custos_error_clear(&l->err);
    return CUSTOS_OK;
}

int
custos_ledger_sign_body(const char *body, size_t len, const struct custos_key *key, char **token,
                        struct custos_error *err)
{
    *token = NULL;
    uint8_t sig[CUSTOS_SIG_SIZE];
    int rc = custos_sign(key, CUSTOS_PURPOSE_LEDGER_ENTRY, body, len, sig, err);
    if (rc != CUSTOS_OK)
        return rc;
    char b64[CUSTOS_SIG_B64_SIZE];
    custos_sig_to_base64(sig, b64);
    if (asprintf(token, "%s:%s", custos_key_fingerprint(key), b64) < 0) {
        *token = NULL;
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    return CUSTOS_OK;
}

static int
sign_all(struct custos_ledger *l, const char *body, const struct custos_ledger_party *parties,
         size_t n, char **tokens)
{
    for (size_t i = 0; i < n; i++) {
        if (!custos_key_has_private(parties[i].key))
            return custos_error_set(&l->err, CUSTOS_E_USAGE, 0, l->path,
                                    "%s %s: a private key is needed to sign now", parties[i].as,
                                    custos_key_name(parties[i].key));
        int rc = custos_ledger_sign_body(body, strlen(body), parties[i].key, &tokens[i], &l->err);
        if (rc != CUSTOS_OK)
            return rc;
    }
    return CUSTOS_OK;
}

int
custos_ledger_append(struct custos_ledger *l, const char *action, const char *fields_json,
                     const struct custos_ledger_party *parties, size_t nparties, const char *time_,
                     uint64_t *seq)
{
    int rc = check_alive(l, "custos_ledger_append");
    if (rc != CUSTOS_OK)
        return rc;
    if (nparties > 8)
        return custos_error_set(&l->err, CUSTOS_E_USAGE, 0, l->path, "too many parties");
    char *tokens[8] = {0};
    char *body = NULL, *line = NULL;
    size_t len = 0;
    if ((rc = lock_ex(l)) != CUSTOS_OK)
        return rc;
    rc = catch_up(l);
    if (rc == CUSTOS_OK && time_ == NULL && l->st.last_time[0] != '\0') {
        char now[24];
        format_time(time(NULL), now, sizeof(now));
        if (strcmp(now, l->st.last_time) < 0)
            rc = custos_error_set(&l->err, CUSTOS_E_REFUSED, 0, l->path,
                                  "the clock (%s) is behind the last entry (%s): set the clock "
                                  "or give the time",
                                  now, l->st.last_time);
    }
    if (rc == CUSTOS_OK)
        rc = build_body(&l->st, action, fields_json, parties, nparties, time_, &body, &l->err,
                        l->path);
    if (rc == CUSTOS_OK)
        rc = sign_all(l, body, parties, nparties, tokens);
    if (rc == CUSTOS_OK)
        rc = assemble(body, strlen(body), (const char *const *)tokens, nparties, &line, &len,
                      &l->err, l->path);
    if (rc == CUSTOS_OK)
        rc = write_entry(l, line, len, 0, seq);
    unlock(l);
    for (size_t i = 0; i < nparties; i++)
        free(tokens[i]);
    free(body);
    free(line);
    return rc;
}

int
custos_ledger_propose(struct custos_ledger *l, const char *action, const char *fields_json,
                      const struct custos_ledger_party *parties, size_t nparties, const char *time_,
                      char **body)
{
    *body = NULL;
    int rc = check_alive(l, "custos_ledger_propose");
    if (rc != CUSTOS_OK)
        return rc;
    if ((rc = lock_ex(l)) != CUSTOS_OK)
        return rc;
    rc = catch_up(l);
    unlock(l);
    if (rc == CUSTOS_OK)
        rc = build_body(&l->st, action, fields_json, parties, nparties, time_, body, &l->err,
                        l->path);
    if (rc != CUSTOS_OK)
        return rc;
    /* Check the policy now, so nobody signs a body that commit would refuse. */
    struct finding_list f = {0};
    if (replay(&l->st, *body, strlen(*body), M_COMMIT | M_LATE | M_DRY, &f) != CUSTOS_OK)
        rc = custos_error_set(&l->err, CUSTOS_E_NOMEM, 0, l->path, "out of memory");
    else if (f.n > 0)
        rc = finding_error(l, &f, 0, CUSTOS_E_REFUSED);
    free(f.v);
    if (rc != CUSTOS_OK) {
        free(*body);
        *body = NULL;
    }
    return rc;
}

int
custos_ledger_commit(struct custos_ledger *l, const char *body, size_t len,
                     const char *const *tokens, size_t ntokens, unsigned flags, uint64_t *seq)
{
    int rc = check_alive(l, "custos_ledger_commit");
    if (rc != CUSTOS_OK)
        return rc;
    if (memchr(body, '\n', len) != NULL || memchr(body, '\t', len) != NULL)
        return custos_error_set(&l->err, CUSTOS_E_CORRUPT, 0, l->path,
                                "a proposal body is one line without TAB");
    char *line = NULL;
    size_t llen = 0;
    if ((rc = lock_ex(l)) != CUSTOS_OK)
        return rc;
    rc = catch_up(l);
    if (rc == CUSTOS_OK) {
        /* Invariant 4: the body was made for this head, or it is refused. */
        json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
        json_int_t bseq = json_integer_value(json_object_get(root, "seq"));
        const char *prev = sget(root, "prev");
        char head[65];
        if (l->st.n == 0)
            memset(head, '0', 64), head[64] = '\0';
        else
            custos_hex_encode(l->st.head, 32, head);
        if (root == NULL || prev == NULL)
            rc = custos_error_set(&l->err, CUSTOS_E_CORRUPT, 0, l->path,
                                  "the proposal body is not an entry");
        else if ((uint64_t)bseq != l->st.n || strcmp(prev, head) != 0)
            rc = custos_error_set(&l->err, CUSTOS_E_REFUSED, 0, l->path,
                                  "the ledger moved since the proposal (it was made for entry "
                                  "%" JSON_INTEGER_FORMAT ", the next entry is %" PRIu64
                                  "): propose again and sign again",
                                  bseq, l->st.n);
        json_decref(root);
    }
    if (rc == CUSTOS_OK)
        rc = assemble(body, len, tokens, ntokens, &line, &llen, &l->err, l->path);
    if (rc == CUSTOS_OK)
        rc = write_entry(l, line, llen, (flags & CUSTOS_LEDGER_ALLOW_MISSING) ? M_LATE : 0, seq);
    unlock(l);
    free(line);
    return rc;
}

static void
uuid4(char out[37])
{
    uint8_t b[16];
    RAND_bytes(b, sizeof(b));
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    char h[33];
    custos_hex_encode(b, 16, h);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

int
custos_ledger_create(struct custos_ledger **out, const char *path, const char *fields_json,
                     const struct custos_ledger_party *owner, const char *time_,
                     struct custos_error *err)
{
    *out = NULL;
    int rc = custos__refuse_existing(path, err);
    if (rc != CUSTOS_OK)
        return rc;
    json_error_t je;
    json_t *fields =
        json_loads(fields_json != NULL ? fields_json : "{}", JSON_REJECT_DUPLICATES, &je);
    if (fields == NULL || !json_is_object(fields)) {
        json_decref(fields);
        return custos_error_set(err, CUSTOS_E_USAGE, 0, path, "fields are not a JSON object");
    }
    /* level may come as a string from a command line. */
    json_t *lv = json_object_get(fields, "level");
    long long level = json_is_integer(lv)  ? json_integer_value(lv)
                      : json_is_string(lv) ? strtoll(json_string_value(lv), NULL, 10)
                                           : 0;
    const char *lvs = json_string_value(lv);
    if (level < 1 || level > 4 ||
        (lvs != NULL && (strlen(lvs) != 1 || lvs[0] < '1' || lvs[0] > '4'))) {
        json_decref(fields);
        return custos_error_set(err, CUSTOS_E_USAGE, 0, path, "incident level must be 1 to 4");
    }
    char now[24], id[37], rdue[24], vdue[24];
    time_t t;
    if (time_ == NULL) {
        format_time(time(NULL), now, sizeof(now));
        time_ = now;
    }
    if (parse_time(time_, &t) != 0) {
        json_decref(fields);
        return custos_error_set(err, CUSTOS_E_USAGE, 0, path, "time \"%s\" is not RFC 3339 UTC",
                                time_);
    }
    uuid4(id);
    format_time(t + 3600, rdue, sizeof(rdue));
    format_time(t + (level >= 3 ? 36 : 72) * 3600, vdue, sizeof(vdue));
    json_t *f2 = json_object();
    json_object_set_new(f2, "case", json_incref(json_object_get(fields, "case")) ?: json_null());
    json_object_set_new(f2, "level", json_integer(level));
    json_object_set_new(f2, "authorisation",
                        json_incref(json_object_get(fields, "authorisation")) ?: json_null());
    json_object_set_new(f2, "ledger", json_string(id));
    json_object_set_new(f2, "report_due", json_string(rdue));
    json_object_set_new(f2, "recovery_due", json_string(vdue));
    const char *k;
    json_t *v;
    json_object_foreach(fields, k, v) if (json_object_get(f2, k) == NULL) json_object_set(f2, k, v);
    json_decref(fields);
    char *fj = dump(f2);
    json_decref(f2);
    struct state st;
    char *body = NULL, *token = NULL, *line = NULL;
    size_t len = 0;
    struct finding_list f = {0};
    if (fj == NULL || state_init(&st) != CUSTOS_OK) {
        free(fj);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    }
    rc = build_body(&st, CUSTOS_ACTION_OPEN, fj, owner, 1, time_, &body, err, path);
    if (rc == CUSTOS_OK && !custos_key_has_private(owner->key))
        rc = custos_error_set(err, CUSTOS_E_USAGE, 0, path, "the owner's private key is needed");
    if (rc == CUSTOS_OK)
        rc = custos_ledger_sign_body(body, strlen(body), owner->key, &token, err);
    if (rc == CUSTOS_OK)
        rc = assemble(body, strlen(body), (const char *const *)&token, 1, &line, &len, err, path);
    if (rc == CUSTOS_OK && replay(&st, line, len - 1, M_SIGS | M_COMMIT, &f) != CUSTOS_OK)
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    if (rc == CUSTOS_OK && f.n > 0)
        rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, path, "%s", f.v[0].message);
    if (rc == CUSTOS_OK)
        rc = custos_write_file_new(path, line, len, 0644, err);
    free(f.v);
    state_free(&st);
    free(fj);
    free(body);
    free(token);
    free(line);
    if (rc != CUSTOS_OK)
        return rc;
    return custos_ledger_open(out, path, err);
}

/* An enrolled, unrevoked person for key, or NULL. */
static struct person *
enrolled(struct state *s, const struct custos_key *key)
{
    struct person *p = person_find(s, custos_key_fingerprint(key));
    return p != NULL && p->revoked == UINT64_MAX ? p : NULL;
}

int
custos_ledger_checkpoint(struct custos_ledger *l, const struct custos_key *key, char **note)
{
    *note = NULL;
    int rc = check_alive(l, "custos_ledger_checkpoint");
    if (rc != CUSTOS_OK)
        return rc;
    if ((rc = lock_ex(l)) != CUSTOS_OK)
        return rc;
    rc = catch_up(l);
    unlock(l);
    if (rc != CUSTOS_OK)
        return rc;
    if (enrolled(&l->st, key) == NULL)
        return custos_error_set(&l->err, CUSTOS_E_REFUSED, 0, l->path,
                                "key %.16s (%s) is not enrolled in this ledger, or revoked",
                                custos_key_fingerprint(key), custos_key_name(key));
    uint8_t root[32];
    custos_merkle_root(l->st.tree, l->st.n, root);
    return custos_checkpoint_sign(l->origin, l->st.n, root, key, note, &l->err);
}

/*
 * Checks cp against state s: origin, signatures by enrolled keys (at least
 * one), size and root. Adds the signer names to names (may be NULL).
 */
static int
check_checkpoint(struct state *s, const char *origin, const struct custos_checkpoint *cp,
                 char *names, size_t nameslen, struct custos_error *err, const char *cpath)
{
    if (strcmp(cp->origin, origin) != 0)
        return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, cpath,
                                "checkpoint is for %s, not this ledger (%s)", cp->origin, origin);
    int good = 0;
    char skipped[512] = "";
    for (size_t i = 0; i < s->npeople; i++) {
        int found = 0;
        uint64_t t = 0;
        struct custos_error e2;
        const struct person *per = &s->people[i];
        if (custos_checkpoint_verify_key(cp, per->pub, &found, &t, &e2) != CUSTOS_OK)
            return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, cpath, "%s (%s)", e2.message,
                                    per->name);
        if (found == 0)
            continue;
        /* A signature counts only by a key valid over the whole range: enrolled within
         * it and not revoked by any entry it covers (issue 19). */
        if (per->enrolled >= cp->size || per->revoked < cp->size) {
            size_t n = strlen(skipped);
            if (per->revoked < cp->size)
                snprintf(skipped + n, sizeof(skipped) - n,
                         "; %.100s's key was revoked at entry %" PRIu64, per->name, per->revoked);
            else
                snprintf(skipped + n, sizeof(skipped) - n,
                         "; %.100s's key was enrolled at entry %" PRIu64 ", after the checkpoint's",
                         per->name, per->enrolled);
            continue;
        }
        good += found;
        if (names != NULL) {
            size_t n = strlen(names);
            snprintf(names + n, nameslen - n, "%s%s (%s%s, key %s)", n > 0 ? ", " : "", per->name,
                     per->role, t != 0 ? ", cosigned" : "", per->fp);
        }
    }
    if (good == 0)
        return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, cpath,
                                "no signature by a key enrolled in the ledger and valid for the "
                                "checkpoint's %" PRIu64 " entries%s",
                                cp->size, skipped);
    if (cp->size > s->n)
        return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, cpath,
                                "the ledger has %" PRIu64 " entries, fewer than the %" PRIu64
                                " the checkpoint committed to: entries were cut from the end",
                                s->n, cp->size);
    uint8_t root[32];
    custos_merkle_root(s->tree, cp->size, root);
    if (memcmp(root, cp->root, 32) != 0)
        return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, cpath,
                                "the ledger's first %" PRIu64
                                " entries do not hash to the checkpoint's root: history was "
                                "rewritten",
                                cp->size);
    if (cp->size > 0 && cp->size < s->n) {
        /* Prove, as a witness would be shown, that the current tree extends the checkpoint. */
        uint8_t path[CUSTOS_MERKLE_PROOF_MAX][32], now[32];
        size_t len;
        custos_merkle_root(s->tree, s->n, now);
        custos_merkle_consistency(s->tree, cp->size, s->n, path, &len);
        int rc = custos_merkle_verify_consistency(cp->size, s->n, cp->root, now,
                                                  (const uint8_t(*)[32])path, len, err);
        if (rc != CUSTOS_OK)
            return rc;
    }
    return CUSTOS_OK;
}

int
custos_ledger_cosign(struct custos_ledger *l, const char *note, size_t len,
                     const struct custos_key *key, uint64_t t, char **out)
{
    *out = NULL;
    int rc = check_alive(l, "custos_ledger_cosign");
    if (rc != CUSTOS_OK)
        return rc;
    if ((rc = lock_ex(l)) != CUSTOS_OK)
        return rc;
    rc = catch_up(l);
    unlock(l);
    if (rc != CUSTOS_OK)
        return rc;
    if (enrolled(&l->st, key) == NULL)
        return custos_error_set(&l->err, CUSTOS_E_REFUSED, 0, l->path,
                                "key %.16s (%s) is not enrolled in this ledger, or revoked",
                                custos_key_fingerprint(key), custos_key_name(key));
    struct custos_checkpoint cp;
    rc = custos_checkpoint_parse(note, len, &cp, &l->err);
    if (rc == CUSTOS_OK)
        rc = check_checkpoint(&l->st, l->origin, &cp, NULL, 0, &l->err, "checkpoint");
    if (rc == CUSTOS_OK)
        rc = custos_checkpoint_cosign(&cp, key, t, out, &l->err);
    custos_checkpoint_clear(&cp);
    return rc;
}

int
custos_ledger_prove(struct custos_ledger *l, uint64_t index, uint64_t n, char **text)
{
    *text = NULL;
    if (n == 0)
        n = l->st.n;
    uint8_t path[CUSTOS_MERKLE_PROOF_MAX][32];
    size_t len;
    if (index >= n || n > l->st.n ||
        custos_merkle_inclusion(l->st.tree, index, n, path, &len) != CUSTOS_OK)
        return custos_error_set(&l->err, CUSTOS_E_USAGE, 0, l->path,
                                "entry %" PRIu64 " is not in a tree of %" PRIu64 " entries", index,
                                n);
    size_t cap = 64 + len * 46;
    char *b = malloc(cap);
    if (b == NULL)
        return custos_error_set(&l->err, CUSTOS_E_NOMEM, 0, l->path, "out of memory");
    size_t off = (size_t)snprintf(b, cap, "c2sp.org/tlog-proof@v1\nindex %" PRIu64 "\n", index);
    for (size_t i = 0; i < len; i++) {
        custos__b64_encode(path[i], 32, b + off);
        off += 44;
        b[off++] = '\n';
    }
    b[off] = '\0';
    *text = b;
    return CUSTOS_OK;
}

int
custos_ledger_checkpoint_text(struct custos_ledger *l, uint64_t n, char **text)
{
    *text = NULL;
    if (n == 0)
        n = l->st.n;
    if (n > l->st.n)
        return custos_error_set(&l->err, CUSTOS_E_USAGE, 0, l->path,
                                "the ledger has %" PRIu64 " entries, not %" PRIu64, l->st.n, n);
    uint8_t root[32];
    char b64[48];
    custos_merkle_root(l->st.tree, n, root);
    custos__b64_encode(root, 32, b64);
    if (asprintf(text, "%s\n%" PRIu64 "\n%s\n", l->origin, n, b64) < 0) {
        *text = NULL;
        return custos_error_set(&l->err, CUSTOS_E_NOMEM, 0, l->path, "out of memory");
    }
    return CUSTOS_OK;
}

/* ---- verification ---- */

void
custos_ledger_report_free(struct custos_ledger_report *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->ncheckpoints; i++)
        free(r->checkpoints[i].file);
    free(r->checkpoints);
    free(r->signers);
    free(r->findings);
    free(r);
}

/* Checks one checkpoint file against st into c; a failure becomes a finding. */
static int
verify_one_checkpoint(struct state *st, const char *origin, const char *file,
                      struct custos_ledger_checkpoint_check *c, struct custos_checkpoint *cp,
                      struct finding_list *f, struct custos_error *err)
{
    char *text = NULL;
    size_t len = 0;
    struct custos_error e2;
    memset(cp, 0, sizeof(*cp));
    int crc = custos__read_small_file(file, CUSTOS_NOTE_MAX, &text, &len, &e2);
    if (crc == CUSTOS_OK) {
        crc = custos_checkpoint_parse(text, len, cp, &e2);
        if (crc != CUSTOS_OK) {
            char m[CUSTOS_ERROR_MESSAGE_MAX];
            snprintf(m, sizeof(m), "%s", e2.message);
            custos_error_set(&e2, crc, 0, file, "%s", m);
        }
    }
    free(text);
    if (crc == CUSTOS_OK) {
        c->size = cp->size;
        custos__b64_encode(cp->root, 32, c->root_b64);
        crc = check_checkpoint(st, origin, cp, c->signers, sizeof(c->signers), &e2, file);
    }
    c->status = crc;
    if (crc == CUSTOS_OK)
        return CUSTOS_OK;
    if (crc == CUSTOS_E_IO || crc == CUSTOS_E_NOMEM)
        return custos_error_copy(err, &e2);
    if (add_finding(f, cp->size < st->n ? cp->size : st->n, crc, "%.400s", e2.message) ==
        CUSTOS_E_NOMEM)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, file, "out of memory");
    /* "entry N: " reads oddly for a checkpoint; keep the checkpoint's own text. */
    snprintf(f->v[f->n - 1].message, sizeof(f->v[f->n - 1].message), "%.500s", e2.message);
    return CUSTOS_OK;
}

int
custos_ledger_verify(const char *path, const char *checkpoint,
                     const struct custos_progress *progress, struct custos_ledger_report **out,
                     struct custos_error *err)
{
    return custos_ledger_verify_checkpoints(path, &checkpoint, checkpoint != NULL, progress, out,
                                            err);
}

int
custos_ledger_verify_checkpoints(const char *path, const char *const *checkpoints,
                                 size_t ncheckpoints, const struct custos_progress *progress,
                                 struct custos_ledger_report **out, struct custos_error *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot open the ledger");
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return custos_error_set(err, CUSTOS_E_IO, errno, path, "not a regular file");
    }
    struct custos_ledger_report *r = calloc(1, sizeof(*r));
    struct state st;
    struct finding_list f = {0};
    struct custos_checkpoint *cps = NULL;
    if (r == NULL || state_init(&st) != CUSTOS_OK ||
        (ncheckpoints > 0 &&
         ((r->checkpoints = calloc(ncheckpoints, sizeof(*r->checkpoints))) == NULL ||
          (cps = calloc(ncheckpoints, sizeof(*cps))) == NULL))) {
        if (r != NULL)
            free(r->checkpoints);
        free(r);
        close(fd);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    }
    r->ncheckpoints = ncheckpoints;
    uint64_t consumed = 0, torn_at = 0;
    int torn = 0;
    while (flock(fd, LOCK_SH) != 0 && errno == EINTR)
        ;
    int rc = scan(&st, fd, 0, (uint64_t)sb.st_size, M_SIGS, &f, &consumed, &torn, &torn_at,
                  progress, err, path);
    flock(fd, LOCK_UN);
    close(fd);
    if (rc == CUSTOS_E_IO || rc == CUSTOS_E_NOMEM || rc == CUSTOS_E_INTERRUPTED)
        goto fail;
    if (st.n == 0 && !torn)
        add_finding(&f, 0, CUSTOS_E_CORRUPT, "empty ledger");
    for (size_t i = 0; i < st.npend; i++)
        add_finding(&f, st.pend[i].seq, CUSTOS_E_INCOMPLETE,
                    "awaiting the signature of %s %s (key %.16s): an attest entry is due",
                    st.pend[i].as, who(&st, st.pend[i].fp), st.pend[i].fp);
    if (torn) {
        r->torn = 1;
        r->torn_offset = torn_at;
        add_finding(&f, st.n, CUSTOS_E_CORRUPT,
                    "torn last line at byte %" PRIu64 " (%" PRIu64
                    " bytes without a line end, a crash during an append?); the %" PRIu64
                    " entries before it are checked",
                    torn_at, (uint64_t)sb.st_size - torn_at, st.n);
    }
    snprintf(r->origin, sizeof(r->origin), "%s%s",
             st.ledger_id[0] ? CUSTOS_LEDGER_ORIGIN_PREFIX : "", st.ledger_id);
    for (size_t i = 0; i < ncheckpoints; i++) {
        struct custos_ledger_checkpoint_check *c = &r->checkpoints[i];
        if ((c->file = strdup(checkpoints[i])) == NULL) {
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
            goto fail;
        }
        rc = verify_one_checkpoint(&st, r->origin, checkpoints[i], c, &cps[i], &f, err);
        if (rc != CUSTOS_OK)
            goto fail;
    }
    /* Two signed views of one size with different roots: somebody holds another history. */
    for (size_t i = 0; i < ncheckpoints; i++)
        for (size_t j = i + 1; j < ncheckpoints; j++)
            if (r->checkpoints[i].root_b64[0] != '\0' && r->checkpoints[j].root_b64[0] != '\0' &&
                cps[i].size == cps[j].size && memcmp(cps[i].root, cps[j].root, 32) != 0) {
                add_finding(&f, cps[i].size, CUSTOS_E_UNTRUSTED, "fork");
                snprintf(f.v[f.n - 1].message, sizeof(f.v[f.n - 1].message),
                         "FORK: checkpoints %.180s and %.180s both commit to %" PRIu64
                         " entries with different roots: two histories of this ledger exist",
                         checkpoints[i], checkpoints[j], cps[i].size);
                r->checkpoints[i].status = r->checkpoints[j].status = CUSTOS_E_UNTRUSTED;
            }
    if (ncheckpoints > 0) {
        r->checkpoint_checked = 1;
        r->checkpoint_size = r->checkpoints[0].size;
        snprintf(r->checkpoint_signers, sizeof(r->checkpoint_signers), "%.511s",
                 r->checkpoints[0].signers);
    }
    r->signers = calloc(st.npeople + 1, sizeof(*r->signers));
    if (r->signers == NULL) {
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < st.npeople; i++) {
        struct custos_ledger_signer *g = &r->signers[r->nsigners++];
        snprintf(g->fp, sizeof(g->fp), "%s", st.people[i].fp);
        snprintf(g->name, sizeof(g->name), "%s", st.people[i].name);
        snprintf(g->role, sizeof(g->role), "%s", st.people[i].role);
        g->enrolled = st.people[i].enrolled;
        g->revoked = st.people[i].revoked;
        g->signatures = st.people[i].nsigs;
    }
    r->entries = st.n;
    r->signatures = st.signatures;
    custos_hex_encode(st.head, 32, r->head);
    custos_merkle_root(st.tree, st.n, r->root);
    custos__b64_encode(r->root, 32, r->root_b64);
    r->findings = f.v;
    r->nfindings = f.n;
    r->status = CUSTOS_OK;
    for (size_t i = 0; i < f.n; i++)
        r->status = custos_status_worst(r->status, f.v[i].status);
    for (size_t i = 0; i < ncheckpoints; i++)
        custos_checkpoint_clear(&cps[i]);
    free(cps);
    state_free(&st);
    *out = r;
    if (r->status != CUSTOS_OK)
        custos_error_set(err, r->status, 0, path, "%s", f.v[0].message);
    return r->status;
fail:
    for (size_t i = 0; i < ncheckpoints; i++)
        custos_checkpoint_clear(&cps[i]);
    free(cps);
    state_free(&st);
    free(f.v);
    custos_ledger_report_free(r);
    return rc;
}

/* ---- proposal files ---- */

int
custos_proposal_write(const char *path, const char *body, struct custos_error *err)
{
    size_t n = strlen(body);
    char *b = malloc(n + 2);
    if (b == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    memcpy(b, body, n);
    b[n] = '\n';
    int rc = custos_write_file_new(path, b, n + 1, 0644, err);
    free(b);
    return rc;
}

static int
proposal_parse(const char *path, char *text, size_t len, char **body, char ***tokens,
               size_t *ntokens, struct custos_error *err)
{
    *body = NULL;
    *tokens = NULL;
    *ntokens = 0;
    char *last = len > 0 ? memrchr(text, '\n', len) : NULL;
    if (last != NULL && text[len - 1] != '\n' && memchr(text, '\0', len) == NULL)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                                "torn last line at byte %zu (a crash while signing?); "
                                "the signatures before it are intact; cut it off with head -c %zu",
                                (size_t)(last + 1 - text), (size_t)(last + 1 - text));
    if (len == 0 || text[len - 1] != '\n' || memchr(text, '\0', len) != NULL)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                                "not a proposal (empty, binary or torn)");
    char *nl = memchr(text, '\n', len);
    size_t count = 0;
    for (char *p = nl + 1; p < text + len; p = strchr(p, '\n') + 1)
        count++;
    char **t = calloc(count + 1, sizeof(char *));
    char *b = strndup(text, (size_t)(nl - text));
    if (t == NULL || b == NULL) {
        free(t);
        free(b);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    }
    size_t i = 0;
    int line = 2;
    for (char *p = nl + 1; p < text + len; line++) {
        char *e = strchr(p, '\n');
        size_t tl = (size_t)(e - p);
        if (tl != 64 + 1 + 88 || p[64] != ':') {
            custos_proposal_free(b, t, i);
            return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                                    "line %d: not a signature token", line);
        }
        t[i] = strndup(p, tl);
        if (t[i] == NULL) {
            custos_proposal_free(b, t, i);
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
        }
        i++;
        p = e + 1;
    }
    *body = b;
    *tokens = t;
    *ntokens = i;
    return CUSTOS_OK;
}

int
custos_proposal_read(const char *path, char **body, char ***tokens, size_t *ntokens,
                     struct custos_error *err)
{
    char *text;
    size_t len;
    int rc = custos__read_small_file(path, CUSTOS_LEDGER_LINE_MAX, &text, &len, err);
    if (rc != CUSTOS_OK)
        return rc;
    rc = proposal_parse(path, text, len, body, tokens, ntokens, err);
    free(text);
    return rc;
}

void
custos_proposal_free(char *body, char **tokens, size_t ntokens)
{
    free(body);
    for (size_t i = 0; tokens != NULL && i < ntokens; i++)
        free(tokens[i]);
    free(tokens);
}

int
custos_proposal_sign(const char *path, const struct custos_key *key, struct custos_error *err)
{
    int fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot open the proposal");
    while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
        ;
    char *text = NULL, *body = NULL, **tokens = NULL, *token = NULL;
    size_t len = 0, ntokens = 0;
    int rc = custos__read_small_file(path, CUSTOS_LEDGER_LINE_MAX, &text, &len, err);
    if (rc == CUSTOS_OK)
        rc = proposal_parse(path, text, len, &body, &tokens, &ntokens, err);
    const char *fp = custos_key_fingerprint(key);
    if (rc == CUSTOS_OK) {
        json_t *root = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
        json_t *parties = json_object_get(root, "parties");
        int listed = 0;
        for (size_t i = 0; i < json_array_size(parties); i++) {
            const char *k = sget(json_array_get(parties, i), "key");
            listed |= k != NULL && strcmp(k, fp) == 0;
        }
        json_decref(root);
        if (!listed)
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, path,
                                  "%s (key %.16s) is not a party to this entry",
                                  custos_key_name(key), fp);
        for (size_t i = 0; rc == CUSTOS_OK && i < ntokens; i++)
            if (strncmp(tokens[i], fp, 64) == 0)
                rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, path, "%s has signed already",
                                      custos_key_name(key));
    }
    if (rc == CUSTOS_OK)
        rc = custos_ledger_sign_body(body, strlen(body), key, &token, err);
    if (rc == CUSTOS_OK) {
        size_t tl = strlen(token);
        token[tl] = '\0';
        char *lineb = malloc(tl + 2);
        if (lineb == NULL) {
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
        } else {
            memcpy(lineb, token, tl);
            lineb[tl] = '\n';
            if (custos__write_all(fd, lineb, tl + 1) != 0 || fsync(fd) != 0) {
                int e = errno;
                /* as an append to the ledger: no torn token is left behind */
                if (ftruncate(fd, (off_t)len) == 0)
                    fsync(fd);
                rc = custos_error_set(err, CUSTOS_E_IO, e, path, "cannot add the signature");
            }
            free(lineb);
        }
    }
    free(token);
    custos_proposal_free(body, tokens, ntokens);
    free(text);
    close(fd);
    return rc;
}

int
custos_ledger_record(struct custos_ledger *l, const char *action, const char *fields_json,
                     const struct custos_ledger_party *parties, size_t nparties, const char *time_,
                     unsigned flags, uint64_t *seq)
{
    size_t nlater = 0;
    if (nparties > 8)
        return custos_error_set(&l->err, CUSTOS_E_USAGE, 0, l->path, "too many parties");
    for (size_t i = 0; i < nparties; i++)
        nlater += !custos_key_has_private(parties[i].key);
    if (nlater == 0)
        return custos_ledger_append(l, action, fields_json, parties, nparties, time_, seq);
    if (!(flags & CUSTOS_LEDGER_ALLOW_MISSING))
        return custos_error_set(&l->err, CUSTOS_E_USAGE, 0, l->path,
                                "a party without a private key can only sign later: allow "
                                "missing signatures");
    int rc = CUSTOS_OK;
    /* Two tries: a concurrent append between propose and commit is normal. */
    for (int attempt = 0; attempt < 2; attempt++) {
        char *body = NULL, *tokens[8] = {0};
        size_t ntok = 0;
        rc = custos_ledger_propose(l, action, fields_json, parties, nparties, time_, &body);
        for (size_t i = 0; rc == CUSTOS_OK && i < nparties; i++)
            if (custos_key_has_private(parties[i].key))
                rc = custos_ledger_sign_body(body, strlen(body), parties[i].key, &tokens[ntok++],
                                             &l->err);
        if (rc == CUSTOS_OK)
            rc = custos_ledger_commit(l, body, strlen(body), (const char *const *)tokens, ntok,
                                      flags, seq);
        for (size_t i = 0; i < ntok; i++)
            free(tokens[i]);
        free(body);
        if (rc != CUSTOS_E_REFUSED || attempt == 1 || strstr(l->err.message, "moved") == NULL)
            break;
    }
    return rc;
}

/* ---- the policy, for people (custos-ledger add ACTION --help) and pre-checks ---- */

int
custos_ledger_policy(const char *action, char **json, struct custos_error *err)
{
    *json = NULL;
    static const char *const roles[] = {CUSTOS_ROLE_CUSTODIAN, CUSTOS_ROLE_RECORDER,
                                        CUSTOS_ROLE_WITNESS, CUSTOS_ROLE_VENDOR, CUSTOS_ROLE_LEGAL};
    static const char *const types[] = {"text", "integer", "sha256", "time"};
    const struct arule *ar = rule_of(action != NULL ? action : "");
    if (ar == NULL)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "unknown action \"%s\"",
                                action != NULL ? action : "");
    json_t *caps = json_array(), *fields = json_array();
    for (size_t c = 0; c < 5 && ar->caps[c].as != NULL; c++) {
        json_t *rl = json_array();
        for (unsigned i = 0; i < 5; i++)
            if (ar->caps[c].roles & (1u << i))
                json_array_append_new(rl, json_string(roles[i]));
        json_array_append_new(caps, json_pack("{s:s, s:b, s:o}", "as", ar->caps[c].as, "required",
                                              ar->caps[c].required, "roles", rl));
    }
    for (size_t i = 0; i < 12 && ar->fields[i].name != NULL; i++)
        json_array_append_new(fields, json_pack("{s:s, s:s, s:b}", "name", ar->fields[i].name,
                                                "type", types[ar->fields[i].type], "required",
                                                ar->fields[i].required));
    json_t *o = json_pack("{s:s, s:o, s:o, s:s*}", "action", ar->action, "parties", caps, "fields",
                          fields, "holder", ar->holder_as);
    *json = o != NULL ? dump(o) : NULL;
    json_decref(o);
    if (*json == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    return CUSTOS_OK;
}

int
custos_ledger_check_body(struct custos_ledger *l, const char *body, size_t len)
{
    int rc = check_alive(l, "custos_ledger_check_body");
    if (rc != CUSTOS_OK)
        return rc;
    if ((rc = lock_ex(l)) != CUSTOS_OK)
        return rc;
    rc = catch_up(l);
    unlock(l);
    if (rc != CUSTOS_OK)
        return rc;
    /* As a proposal is checked before signing: unsigned parties are allowed. */
    struct finding_list f = {0};
    if (replay(&l->st, body, len, M_COMMIT | M_LATE | M_DRY, &f) != CUSTOS_OK)
        rc = custos_error_set(&l->err, CUSTOS_E_NOMEM, 0, l->path, "out of memory");
    else if (f.n > 0)
        rc = finding_error(l, &f, 0, CUSTOS_E_REFUSED);
    free(f.v);
    return rc;
}
