/* SPDX-License-Identifier: ISC */
/*
 * hashring.c: the hashing pipeline (hashring_private.h): a ring of slots
 * filled by the calling thread, one lane thread per digest and one for the
 * windows, and the caller's own consumers of the same slots.
 *
 * States of a slot: FREE -> FILLED (the reader, after its read) -> FREE
 * (whichever lane or consumer sets the last bit of `needed` in
 * custos__hashring_done). Bits a consumer sets that are not in `needed`
 * (the acquisition's "packed") only signal other consumers.
 */
#include "hashring_private.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil_private.h"

#define MAX_LANES   4 /* MD5, SHA-1, SHA-256, windows */
#define LANE_BIT(i) (1u << (i))
#define NO_WINDOW   CUSTOS__HASHRING_NO_WINDOW

struct lane {
    struct custos__hashring *r;
    unsigned algs; /* the whole-stream digest of this lane, or 0 */
    unsigned idx;  /* its LANE_BIT and lane_result slot */
    int windows;   /* this lane hashes the windows */
};

struct custos__hashring {
    struct custos__hashring_config c;
    struct lane lanes[MAX_LANES];
    unsigned nlanes;
    int one_window; /* rule 5: the first window is the SHA-256 lane's */
    struct {
        void *(*fn)(void *);
        void *arg;
    } user[CUSTOS__HASHRING_MAX_THREADS];
    unsigned nuser;

    /* Shared, under mu. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct custos__hashring_slot slots[CUSTOS__HASHRING_MAX_SLOTS];
    unsigned needed;    /* bits that free a slot */
    uint64_t next_take; /* custos__hashring_take's cursor */
    uint64_t eof_seq;   /* valid once have_eof */
    int have_eof;
    int status; /* first failure */
    struct custos_error err;

    /* Results, each written by one thread only. */
    struct custos_digest_result lane_result[MAX_LANES];
    struct custos__window *windows;
    size_t nwindows, capwindows;
    uint64_t bytes; /* the reader's */
};

void
custos__hashring_fail(struct custos__hashring *r, const struct custos_error *err)
{
    pthread_mutex_lock(&r->mu);
    if (r->status == CUSTOS_OK) {
        r->status = err->status != CUSTOS_OK ? err->status : CUSTOS_E_IO;
        custos_error_copy(&r->err, err);
    }
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static void
fail_nomem(struct custos__hashring *r)
{
    struct custos_error e;
    custos_error_set(&e, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    custos__hashring_fail(r, &e);
}

void
custos__hashring_yield(const struct custos__hashring *r)
{
    if (r->c.algs & CUSTOS_DIGEST_MD5)
        custos__thread_yield();
}

struct custos__hashring_slot *
custos__hashring_wait(struct custos__hashring *r, uint64_t seq, unsigned also)
{
    struct custos__hashring_slot *s = &r->slots[seq % r->c.nslots];
    pthread_mutex_lock(&r->mu);
    while (r->status == CUSTOS_OK && !(s->filled && s->seq == seq && (s->done & also) == also))
        pthread_cond_wait(&r->cv, &r->mu);
    struct custos__hashring_slot *got = r->status == CUSTOS_OK ? s : NULL;
    pthread_mutex_unlock(&r->mu);
    return got;
}

struct custos__hashring_slot *
custos__hashring_take(struct custos__hashring *r)
{
    struct custos__hashring_slot *s = NULL;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        if (r->status != CUSTOS_OK || (r->have_eof && r->next_take > r->eof_seq))
            break;
        struct custos__hashring_slot *t = &r->slots[r->next_take % r->c.nslots];
        if (t->filled && t->seq == r->next_take) {
            s = t;
            r->next_take++;
            break;
        }
        pthread_cond_wait(&r->cv, &r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    return s;
}

void
custos__hashring_done(struct custos__hashring *r, struct custos__hashring_slot *s, unsigned bit)
{
    pthread_mutex_lock(&r->mu);
    s->done |= bit;
    if ((s->done & r->needed) == r->needed)
        s->filled = 0;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static int
add_window(struct custos__hashring *r, uint64_t offset, uint64_t length, const uint8_t sha256[32])
{
    if (r->nwindows == r->capwindows) {
        size_t cap = r->capwindows ? r->capwindows * 2 : 16;
        struct custos__window *w = realloc(r->windows, cap * sizeof(*w));
        if (w == NULL)
            return CUSTOS_E_NOMEM;
        r->windows = w;
        r->capwindows = cap;
    }
    struct custos__window *w = &r->windows[r->nwindows++];
    w->offset = offset;
    w->length = length;
    memcpy(w->sha256, sha256, 32);
    return CUSTOS_OK;
}

static uint64_t
window_length(const struct custos__hashring *r, size_t i)
{
    if (r->c.window_length != NULL)
        return r->c.window_length(r->c.window_ctx, i);
    return r->c.window_bytes != 0 ? r->c.window_bytes : NO_WINDOW;
}

/* The window lane's place in the stream. */
struct winstate {
    struct custos_digest *d;
    size_t i;             /* the window being hashed */
    uint64_t start, fill; /* its first byte; bytes hashed into it */
    uint64_t len;         /* its length, or NO_WINDOW */
};

static int
close_window(struct custos__hashring *r, struct winstate *ws)
{
    struct custos_digest_result res;
    custos_digest_final(ws->d, &res);
    custos_digest_reset(ws->d);
    if (add_window(r, ws->start, ws->fill, res.sha256) != CUSTOS_OK)
        return CUSTOS_E_NOMEM;
    ws->start += ws->fill;
    ws->fill = 0;
    ws->len = window_length(r, ++ws->i);
    return CUSTOS_OK;
}

/* Hashes one slot's bytes into the windows, closing each as it fills. */
static int
feed_windows(struct custos__hashring *r, struct winstate *ws, const uint8_t *data, size_t len)
{
    size_t off = 0;
    for (;;) {
        /* A window is closed once the next byte arrives (or at the end):
         * a zero-length window is closed here too. */
        while (ws->len != NO_WINDOW && ws->fill == ws->len)
            if (close_window(r, ws) != CUSTOS_OK)
                return CUSTOS_E_NOMEM;
        if (off == len || ws->len == NO_WINDOW)
            return CUSTOS_OK;
        size_t n = len - off;
        if (n > ws->len - ws->fill)
            n = (size_t)(ws->len - ws->fill);
        custos_digest_update(ws->d, data + off, n);
        off += n;
        ws->fill += n;
    }
}

static void *
lane_main(void *arg)
{
    struct lane *l = arg;
    struct custos__hashring *r = l->r;
    struct custos_error err;
    struct custos_digest *d = NULL;
    struct winstate ws = {.d = NULL};
    custos_error_clear(&err);
    if (l->algs != CUSTOS_DIGEST_MD5)
        custos__hashring_yield(r);
    if (l->algs != 0 && custos_digest_new(&d, l->algs, &err) != CUSTOS_OK)
        goto fail;
    if (l->windows) {
        if (custos_digest_new(&ws.d, CUSTOS_DIGEST_SHA256, &err) != CUSTOS_OK)
            goto fail;
        ws.len = window_length(r, 0);
    }
    for (uint64_t seq = 0;; seq++) {
        struct custos__hashring_slot *s = custos__hashring_wait(r, seq, 0);
        if (s == NULL)
            break;
        if (d != NULL)
            custos_digest_update(d, s->data, s->len);
        if (ws.d != NULL && feed_windows(r, &ws, s->data, s->len) != CUSTOS_OK)
            goto nomem;
        int eof = s->eof;
        custos__hashring_done(r, s, LANE_BIT(l->idx));
        if (eof)
            break;
    }
    if (d != NULL)
        custos_digest_final(d, &r->lane_result[l->idx]);
    /* The last window ends with the stream, full or not. */
    if (ws.d != NULL && ws.fill > 0 && close_window(r, &ws) != CUSTOS_OK)
        goto nomem;
    custos_digest_free(d);
    custos_digest_free(ws.d);
    return NULL;
nomem:
    custos_error_set(&err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
fail:
    custos_digest_free(d);
    custos_digest_free(ws.d);
    custos__hashring_fail(r, &err);
    return NULL;
}

int
custos__hashring_new(struct custos__hashring **out, const struct custos__hashring_config *c,
                     struct custos_error *err)
{
    *out = NULL;
    if (c->nslots < 2 || c->nslots > CUSTOS__HASHRING_MAX_SLOTS || c->slot_bytes == 0 ||
        c->slot_bytes % CUSTOS__HASHRING_ALIGN != 0 || c->read == NULL)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "hashring: bad configuration");
    struct custos__hashring *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    r->c = *c;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    for (unsigned i = 0; i < c->nslots; i++) {
        r->slots[i].index = i;
        if (posix_memalign((void **)&r->slots[i].data, CUSTOS__HASHRING_ALIGN, c->slot_bytes) !=
            0) {
            r->slots[i].data = NULL;
            custos__hashring_free(r);
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        }
    }
    static const unsigned order[] = {CUSTOS_DIGEST_MD5, CUSTOS_DIGEST_SHA1, CUSTOS_DIGEST_SHA256};
    for (int i = 0; i < 3; i++)
        if (c->algs & order[i]) {
            r->lanes[r->nlanes] = (struct lane){r, order[i], r->nlanes, 0};
            r->nlanes++;
        }
    uint64_t first = window_length(r, 0);
    r->one_window = first != NO_WINDOW && (c->algs & CUSTOS_DIGEST_SHA256) && c->total_known &&
                    c->total != 0 && first >= c->total;
    if (first != NO_WINDOW && !r->one_window) {
        r->lanes[r->nlanes] = (struct lane){r, 0, r->nlanes, 1};
        r->nlanes++;
    }
    r->needed = c->consumers;
    for (unsigned i = 0; i < r->nlanes; i++)
        r->needed |= LANE_BIT(i);
    *out = r;
    return CUSTOS_OK;
}

int
custos__hashring_add_thread(struct custos__hashring *r, void *(*fn)(void *), void *arg)
{
    if (r->nuser == CUSTOS__HASHRING_MAX_THREADS)
        return CUSTOS_E_USAGE;
    r->user[r->nuser].fn = fn;
    r->user[r->nuser].arg = arg;
    r->nuser++;
    return CUSTOS_OK;
}

/* Rule 3: the reader stops at a cancel, before it reads the next slot. */
static int
cancelled(struct custos__hashring *r)
{
    if (!custos_progress_cancelled(r->c.progress))
        return 0;
    struct custos_error e;
    custos_error_set(&e, CUSTOS_E_INTERRUPTED, 0, NULL, "interrupted");
    custos__hashring_fail(r, &e);
    return 1;
}

/* The reader: fills the slots in order until the stream ends or the pass fails. */
static void
read_stream(struct custos__hashring *r)
{
    for (uint64_t seq = 0;; seq++) {
        struct custos__hashring_slot *s = &r->slots[seq % r->c.nslots];
        pthread_mutex_lock(&r->mu);
        while (r->status == CUSTOS_OK && s->filled)
            pthread_cond_wait(&r->cv, &r->mu);
        int stop = r->status != CUSTOS_OK;
        pthread_mutex_unlock(&r->mu);
        if (stop || cancelled(r))
            return;
        uint64_t offset = seq * r->c.slot_bytes;
        size_t want = r->c.slot_bytes, got = 0;
        if (r->c.total_known && want > r->c.total - offset)
            want = (size_t)(r->c.total - offset);
        struct custos_error e;
        custos_error_clear(&e);
        if (want > 0 && r->c.read(r->c.read_ctx, offset, s->data, want, &got, &e) != CUSTOS_OK) {
            custos__hashring_fail(r, &e);
            return;
        }
        r->bytes += got;
        int eof = got < r->c.slot_bytes || (r->c.total_known && r->bytes >= r->c.total);
        pthread_mutex_lock(&r->mu);
        s->seq = seq;
        s->len = got;
        s->eof = eof;
        s->done = 0;
        s->filled = 1;
        if (eof) {
            r->have_eof = 1;
            r->eof_seq = seq;
        }
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        custos_progress_update(r->c.progress, r->bytes, r->c.progress_total);
        if (eof)
            return;
    }
}

int
custos__hashring_run(struct custos__hashring *r, struct custos_error *err)
{
    pthread_t th[MAX_LANES + CUSTOS__HASHRING_MAX_THREADS];
    unsigned n = 0;
    /* Rule 4: the threads inherit a mask that blocks every signal. */
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &saved);
    for (unsigned i = 0; i < r->nlanes + r->nuser; i++) {
        void *(*fn)(void *) = i < r->nlanes ? lane_main : r->user[i - r->nlanes].fn;
        void *arg = i < r->nlanes ? (void *)&r->lanes[i] : r->user[i - r->nlanes].arg;
        int e = pthread_create(&th[n], NULL, fn, arg);
        if (e != 0) {
            struct custos_error ce;
            custos_error_set(&ce, CUSTOS_E_NOMEM, e, NULL, "cannot start a thread");
            custos__hashring_fail(r, &ce);
            break;
        }
        n++;
    }
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    read_stream(r);
    for (unsigned i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    if (r->status == CUSTOS_OK && r->one_window && r->bytes == r->c.total) {
        struct custos_digest_result d;
        custos__hashring_digests(r, &d);
        if (add_window(r, 0, r->bytes, d.sha256) != CUSTOS_OK)
            fail_nomem(r);
    }
    if (r->status != CUSTOS_OK)
        return custos_error_copy(err, &r->err);
    return CUSTOS_OK;
}

void
custos__hashring_digests(const struct custos__hashring *r, struct custos_digest_result *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < MAX_LANES; i++) {
        const struct custos_digest_result *l = &r->lane_result[i];
        if (l->algs & CUSTOS_DIGEST_MD5)
            memcpy(out->md5, l->md5, sizeof(out->md5));
        if (l->algs & CUSTOS_DIGEST_SHA1)
            memcpy(out->sha1, l->sha1, sizeof(out->sha1));
        if (l->algs & CUSTOS_DIGEST_SHA256)
            memcpy(out->sha256, l->sha256, sizeof(out->sha256));
        out->algs |= l->algs;
    }
}

const struct custos__window *
custos__hashring_windows(const struct custos__hashring *r, size_t *count)
{
    *count = r->nwindows;
    return r->windows;
}

struct custos__window *
custos__hashring_take_windows(struct custos__hashring *r, size_t *count)
{
    struct custos__window *w = r->windows;
    *count = r->nwindows;
    r->windows = NULL;
    r->nwindows = r->capwindows = 0;
    return w;
}

uint64_t
custos__hashring_bytes(const struct custos__hashring *r)
{
    return r->bytes;
}

void
custos__hashring_free(struct custos__hashring *r)
{
    if (r == NULL)
        return;
    for (unsigned i = 0; i < r->c.nslots; i++)
        free(r->slots[i].data);
    free(r->windows);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
