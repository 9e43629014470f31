/* SPDX-License-Identifier: ISC */
/*
 * ledger_verify.c: checking a whole ledger file, and checkpoints against it.
 *
 * Verification replays every line (ledger_replay.c) with signatures checked
 * on worker threads, then adds what only the end of the file tells: owed
 * signatures, a torn tail, and for each checkpoint given, whether enrolled
 * keys valid over its range signed it and whether the ledger still holds
 * exactly the entries it committed to. Two checkpoints of one size with
 * different roots are a FORK, whatever the ledger holds.
 *
 * Memory stays flat whatever the ledger's length: the state is flat
 * (ledger_state.c), the checkpoint files are read first so that replay takes
 * the root at each of their sizes on the way, and the signatures in flight
 * are bounded (invariant 2 below).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h> /* flock */
#include <sys/stat.h>
#include <unistd.h>

#include "custos/digest.h"
#include "base64_private.h"
#include "key_private.h"
#include "ledger_private.h"
#include "pool_private.h"

/* ---- signatures, checked in line or on worker threads ---- */

/*
 * While custos__ledger_scan() reads a whole ledger, each signature is handed to a worker
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
            j->bad = custos_sign_verify(j->key, CUSTOS_PURPOSE_LEDGER_ENTRY, j->body, j->len,
                                        j->sig, &e2) != CUSTOS_OK;
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
            if (custos__ledger_grow((void **)&f->v, &f->cap, f->n, sizeof(*f->v)) != 0) {
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

struct sigpipe *
custos__ledger_sigpipe_new(void)
{
    struct sigpipe *p = malloc(sizeof(*p));
    if (p != NULL && sigpipe_start(p) != 0) {
        free(p);
        p = NULL;
    }
    return p;
}

int
custos__ledger_sigpipe_end(struct sigpipe *p, struct finding_list *f)
{
    int rc = sigpipe_finish(p, f);
    free(p);
    return rc;
}

int
custos__ledger_check_sig(struct state *s, uint64_t seq, const struct custos_key *key,
                         struct custos_key *owned, const char *body, size_t blen,
                         const uint8_t sig[CUSTOS_SIG_SIZE], const char *as, const char *name,
                         const char *fp, unsigned mode, struct finding_list *f)
{
    char text[400];
    snprintf(text, sizeof(text), "signature of %s %s (key %.16s) does not verify", as, name, fp);
    if (s->pipe != NULL && !(mode & M_COMMIT))
        return sigpipe_submit(s->pipe, f, seq, key, owned, body, blen, sig, text);
    struct custos_error e2;
    if (custos_sign_verify(key, CUSTOS_PURPOSE_LEDGER_ENTRY, body, blen, sig, &e2) != CUSTOS_OK)
        custos__ledger_finding(f, seq, CUSTOS_E_UNTRUSTED, "%s", text);
    custos_key_free(owned);
    return CUSTOS_OK;
}

/* ---- checkpoints ---- */

/* Brings l up to date; then key must be enrolled in it and not revoked (fn names the call). */
static int
refresh_enrolled(struct custos_ledger *l, const struct custos_key *key, const char *fn)
{
    int rc = custos__ledger_refresh(l, fn);
    if (rc != CUSTOS_OK)
        return rc;
    struct person *p = custos__ledger_person(&l->st, custos_key_fingerprint(key));
    if (p == NULL || p->revoked != UINT64_MAX)
        return custos_error_set(&l->err, CUSTOS_E_REFUSED, 0, l->path,
                                "key %.16s (%s) is not enrolled in this ledger, or revoked",
                                custos_key_fingerprint(key), custos_key_name(key));
    return CUSTOS_OK;
}

int
custos_ledger_checkpoint(struct custos_ledger *l, const struct custos_key *key, char **note)
{
    *note = NULL;
    int rc = refresh_enrolled(l, key, "custos_ledger_checkpoint");
    if (rc != CUSTOS_OK)
        return rc;
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
    if (custos__ledger_root(s, cp->size, root) != 0)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, cpath,
                                "no root was kept for %" PRIu64 " entries", cp->size);
    if (memcmp(root, cp->root, 32) != 0)
        return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, cpath,
                                "the ledger's first %" PRIu64
                                " entries do not hash to the checkpoint's root: history was "
                                "rewritten",
                                cp->size);
    /* A flat state took both roots in one pass over the same leaves: the current tree
     * extends the checkpoint's by construction, and it keeps no leaves for a proof. */
    if (s->whole && cp->size > 0 && cp->size < s->n) {
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
    int rc = refresh_enrolled(l, key, "custos_ledger_cosign");
    if (rc != CUSTOS_OK)
        return rc;
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
    free(r->late);
    free(r);
}

/*
 * Reads and parses one checkpoint file into cp, before the scan: its size is
 * one whose root the flat state must take on the way. Returns its status,
 * with the cause in e2; verify_one_checkpoint() reports it after the scan.
 */
static int
read_checkpoint(const char *file, struct custos_checkpoint *cp, struct custos_error *e2)
{
    char *text = NULL;
    size_t len = 0;
    memset(cp, 0, sizeof(*cp));
    int crc = custos__read_small_file(file, CUSTOS_NOTE_MAX, &text, &len, e2);
    if (crc == CUSTOS_OK) {
        crc = custos_checkpoint_parse(text, len, cp, e2);
        if (crc != CUSTOS_OK) {
            char m[CUSTOS_ERROR_MESSAGE_MAX];
            snprintf(m, sizeof(m), "%s", e2->message);
            custos_error_set(e2, crc, 0, file, "%s", m);
        }
    }
    free(text);
    return crc;
}

/* Checks one checkpoint, read as crc and e2 say, against st into c; a failure becomes a finding. */
static int
verify_one_checkpoint(struct state *st, const char *origin, const char *file,
                      struct custos_ledger_checkpoint_check *c, struct custos_checkpoint *cp,
                      int crc, struct custos_error *e2, struct finding_list *f,
                      struct custos_error *err)
{
    if (crc == CUSTOS_OK) {
        c->size = cp->size;
        custos__b64_encode(cp->root, 32, c->root_b64);
        crc = check_checkpoint(st, origin, cp, c->signers, sizeof(c->signers), e2, file);
    }
    c->status = crc;
    if (crc == CUSTOS_OK)
        return CUSTOS_OK;
    if (crc == CUSTOS_E_IO || crc == CUSTOS_E_NOMEM)
        return custos_error_copy(err, e2);
    if (custos__ledger_finding(f, cp->size < st->n ? cp->size : st->n, crc, "%.400s",
                               e2->message) == CUSTOS_E_NOMEM)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, file, "out of memory");
    /* "entry N: " reads oddly for a checkpoint; keep the checkpoint's own text. */
    snprintf(f->v[f->n - 1].message, sizeof(f->v[f->n - 1].message), "%.500s", e2->message);
    return CUSTOS_OK;
}

/* The checkpoint files of a verification, read before the scan. */
struct cp_read {
    uint64_t *want;           /* the sizes of those parsed, ascending: st.want */
    uint8_t (*want_root)[32]; /* st.want_root */
    struct {
        struct custos_checkpoint cp;
        int status;              /* of reading and parsing it */
        struct custos_error err; /* why, when status is not CUSTOS_OK */
    } v[];
};

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/*
 * Reads each checkpoint into cpr and has st take the root at each size
 * parsed as replay passes it (at 0 now). Returns CUSTOS_OK or CUSTOS_E_NOMEM.
 */
static int
read_checkpoints(struct state *st, const char *const *files, size_t n, struct cp_read *cpr)
{
    if (n == 0)
        return CUSTOS_OK;
    if ((cpr->want = malloc(n * sizeof(*cpr->want))) == NULL ||
        (cpr->want_root = malloc(n * sizeof(*cpr->want_root))) == NULL)
        return CUSTOS_E_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        cpr->v[i].status = read_checkpoint(files[i], &cpr->v[i].cp, &cpr->v[i].err);
        if (cpr->v[i].status == CUSTOS_OK)
            cpr->want[k++] = cpr->v[i].cp.size;
    }
    qsort(cpr->want, k, sizeof(*cpr->want), cmp_u64);
    st->want = cpr->want;
    st->want_root = cpr->want_root;
    st->nwant = k;
    custos__ledger_want_roots(st);
    return CUSTOS_OK;
}

static void
cp_read_free(struct cp_read *cpr, size_t n)
{
    if (cpr == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        custos_checkpoint_clear(&cpr->v[i].cp);
    free(cpr->want);
    free(cpr->want_root);
    free(cpr);
}

/*
 * Two signed views of one size with different roots: somebody holds another
 * history. Each such pair is a FORK finding, and both checkpoints fail.
 */
static void
find_forks(struct custos_ledger_report *r, const struct cp_read *cpr, struct finding_list *f)
{
    struct custos_ledger_checkpoint_check *c = r->checkpoints;
    for (size_t i = 0; i < r->ncheckpoints; i++)
        for (size_t j = i + 1; j < r->ncheckpoints; j++) {
            if (c[i].root_b64[0] == '\0' || c[j].root_b64[0] == '\0' ||
                cpr->v[i].cp.size != cpr->v[j].cp.size ||
                memcmp(cpr->v[i].cp.root, cpr->v[j].cp.root, 32) == 0)
                continue;
            if (custos__ledger_finding(f, cpr->v[i].cp.size, CUSTOS_E_UNTRUSTED, "fork") ==
                CUSTOS_E_NOMEM)
                return;
            snprintf(f->v[f->n - 1].message, sizeof(f->v[f->n - 1].message),
                     "FORK: checkpoints %.180s and %.180s both commit to %" PRIu64
                     " entries with different roots: two histories of this ledger exist",
                     c[i].file, c[j].file, cpr->v[i].cp.size);
            c[i].status = c[j].status = CUSTOS_E_UNTRUSTED;
        }
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
    return custos_ledger_verify_each(path, checkpoints, ncheckpoints, progress, NULL, NULL, out,
                                     err);
}

const char *
custos_ledger_entry_field(const struct custos_ledger_entry *e, const char *name)
{
    for (size_t i = 0; i < e->nfields; i++)
        if (strcmp(e->fields[i].name, name) == 0)
            return e->fields[i].value;
    return NULL;
}

int
custos_ledger_verify_each(const char *path, const char *const *checkpoints, size_t ncheckpoints,
                          const struct custos_progress *progress, custos_ledger_entry_fn each,
                          void *ctx, struct custos_ledger_report **out, struct custos_error *err)
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
    struct cp_read *cpr = NULL;
    if (r == NULL || custos__ledger_state_init(&st, 0) != CUSTOS_OK ||
        (ncheckpoints > 0 &&
         ((r->checkpoints = calloc(ncheckpoints, sizeof(*r->checkpoints))) == NULL ||
          (cpr = calloc(1, sizeof(*cpr) + ncheckpoints * sizeof(cpr->v[0]))) == NULL))) {
        if (r != NULL)
            free(r->checkpoints);
        free(r);
        close(fd);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    }
    r->ncheckpoints = ncheckpoints;
    st.each = each;
    st.each_ctx = ctx;
    st.each_err = err;
    int rc = read_checkpoints(&st, checkpoints, ncheckpoints, cpr);
    if (rc != CUSTOS_OK) {
        rc = custos_error_set(err, rc, 0, path, "out of memory");
        close(fd);
        goto fail;
    }
    uint64_t consumed = 0, torn_at = 0;
    int torn = 0;
    while (flock(fd, LOCK_SH) != 0 && errno == EINTR)
        ;
    rc = custos__ledger_scan(&st, fd, 0, (uint64_t)sb.st_size, M_SIGS, &f, &consumed, &torn,
                             &torn_at, progress, err, path);
    if (rc != CUSTOS_E_IO && rc != CUSTOS_E_NOMEM && rc != CUSTOS_E_INTERRUPTED &&
        !st.each_stopped) {
        /* Under the same lock: the lines read again are the ones replayed. */
        int rc2 = custos__ledger_resolve_attests(&st, fd, consumed, &f, progress, err, path);
        if (rc2 != CUSTOS_OK)
            rc = rc2;
    }
    flock(fd, LOCK_UN);
    close(fd);
    if (rc == CUSTOS_E_IO || rc == CUSTOS_E_NOMEM || rc == CUSTOS_E_INTERRUPTED || st.each_stopped)
        goto fail;
    if (st.n == 0 && !torn)
        custos__ledger_finding(&f, 0, CUSTOS_E_CORRUPT, "empty ledger");
    for (size_t i = 0; i < st.npend; i++)
        custos__ledger_finding(
            &f, st.pend[i].seq, CUSTOS_E_INCOMPLETE,
            "awaiting the signature of %s %s (key %.16s): an attest entry is due", st.pend[i].as,
            custos__ledger_who(&st, st.pend[i].fp), st.pend[i].fp);
    if (torn) {
        r->torn = 1;
        r->torn_offset = torn_at;
        custos__ledger_finding(&f, st.n, CUSTOS_E_CORRUPT,
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
        rc = verify_one_checkpoint(&st, r->origin, checkpoints[i], c, &cpr->v[i].cp,
                                   cpr->v[i].status, &cpr->v[i].err, &f, err);
        if (rc != CUSTOS_OK)
            goto fail;
    }
    find_forks(r, cpr, &f);
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
    if (st.nlate > 0) {
        if ((r->late = malloc(st.nlate * sizeof(*r->late))) == NULL) {
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
            goto fail;
        }
        memcpy(r->late, st.late, st.nlate * sizeof(*r->late));
        r->nlate = st.nlate;
    }
    r->entries = st.n;
    r->signatures = st.signatures;
    custos_hex_encode(st.head, 32, r->head);
    custos__ledger_root(&st, st.n, r->root);
    custos__b64_encode(r->root, 32, r->root_b64);
    r->findings = f.v;
    r->nfindings = f.n;
    r->status = CUSTOS_OK;
    for (size_t i = 0; i < f.n; i++)
        r->status = custos_status_worst(r->status, f.v[i].status);
    cp_read_free(cpr, ncheckpoints);
    custos__ledger_state_free(&st);
    *out = r;
    if (r->status != CUSTOS_OK)
        custos_error_set(err, r->status, 0, path, "%s", f.v[0].message);
    return r->status;
fail:
    cp_read_free(cpr, ncheckpoints);
    custos__ledger_state_free(&st);
    free(f.v);
    custos_ledger_report_free(r);
    return rc;
}
