/* SPDX-License-Identifier: ISC */
/*
 * filetype_queue.c: content typing off the reading thread.
 *
 * Why: a walk through a file system inside an image reads on one thread
 * (The Sleuth Kit's handles are not safe to share), and libmagic costs
 * about 170-300 us a file whatever the file's size (filetype.c), more than
 * reading and hashing a small file. So the walker hands each file's first
 * bytes to these workers and goes on reading; the types are written into
 * the manifest entries later, on the walker's thread.
 *
 * Invariants:
 *   1. Each worker owns its libmagic cookie (cookies are not thread-safe);
 *      the bytes typed are exactly those the walker would have typed itself,
 *      so the types do not depend on the scheduling.
 *   2. Results are handed back only on the caller's thread (put, finish),
 *      which is the only thread that touches the manifest.
 *   3. At most QUEUE_BYTES of copied content wait at a time: put blocks
 *      when more would, so memory stays bounded whatever the walk.
 *   4. free joins every worker before it frees anything they use.
 */
#include "filetype_private.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "custos/custos.h"
#include "pool_private.h"

#define QUEUE_BYTES (32u * 1024 * 1024)
#define QUEUE_ITEMS 256u

struct job {
    struct job *next;
    size_t id;
    unsigned char *buf; /* owned; NULL when len is 0 */
    size_t len;
    char *mime, *desc; /* results, owned until handed back */
};

struct custos__typeq {
    pthread_mutex_t lock;
    pthread_cond_t work;     /* a job was queued, or stop */
    pthread_cond_t space;    /* a job was taken, or a result is ready */
    struct job *head, *tail; /* waiting, FIFO */
    struct job *done;        /* typed, not yet handed back (any order) */
    size_t queued_bytes, queued_items, busy;
    int stop;
    unsigned nthreads; /* workers started */
    unsigned ntypes;   /* entries of types (loaded or NULL) */
    pthread_t *threads;
    struct custos__filetype **types; /* one per worker */
};

struct worker_arg {
    struct custos__typeq *q;
    unsigned index;
};

static void *
worker_main(void *arg)
{
    struct custos__typeq *q = ((struct worker_arg *)arg)->q;
    struct custos__filetype *t = q->types[((struct worker_arg *)arg)->index];
    free(arg);
    pthread_mutex_lock(&q->lock);
    for (;;) {
        while (q->head == NULL && !q->stop)
            pthread_cond_wait(&q->work, &q->lock);
        if (q->stop)
            break;
        struct job *j = q->head;
        q->head = j->next;
        if (q->head == NULL)
            q->tail = NULL;
        q->queued_bytes -= j->len;
        q->queued_items--;
        q->busy++;
        pthread_mutex_unlock(&q->lock);
        custos__filetype_buffer(t, j->len > 0 ? (const void *)j->buf : "", j->len, &j->mime,
                                &j->desc);
        free(j->buf);
        j->buf = NULL;
        pthread_mutex_lock(&q->lock);
        q->busy--;
        j->next = q->done;
        q->done = j;
        pthread_cond_broadcast(&q->space);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

static void
job_free(struct job *j)
{
    free(j->buf);
    free(j->mime);
    free(j->desc);
    free(j);
}

void
custos__typeq_free(struct custos__typeq *q)
{
    if (q == NULL)
        return;
    pthread_mutex_lock(&q->lock);
    q->stop = 1;
    pthread_cond_broadcast(&q->work);
    pthread_mutex_unlock(&q->lock);
    for (unsigned i = 0; i < q->nthreads; i++)
        pthread_join(q->threads[i], NULL);
    for (struct job *j = q->head, *n; j != NULL; j = n) {
        n = j->next;
        job_free(j);
    }
    for (struct job *j = q->done, *n; j != NULL; j = n) {
        n = j->next;
        job_free(j);
    }
    if (q->types != NULL)
        for (unsigned i = 0; i < q->ntypes; i++)
            custos__filetype_free(q->types[i]);
    pthread_cond_destroy(&q->work);
    pthread_cond_destroy(&q->space);
    pthread_mutex_destroy(&q->lock);
    free(q->types);
    free(q->threads);
    free(q);
}

int
custos__typeq_new(struct custos__typeq **out, unsigned threads, struct custos_error *err)
{
    *out = NULL;
    if (threads == 0)
        threads = custos__cpu_count();
    struct custos__typeq *q = calloc(1, sizeof(*q));
    if (q == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->work, NULL);
    pthread_cond_init(&q->space, NULL);
    q->threads = calloc(threads, sizeof(*q->threads));
    q->types = calloc(threads, sizeof(*q->types));
    if (q->threads == NULL || q->types == NULL) {
        custos__typeq_free(q);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    q->ntypes = threads;
    /* Every cookie is loaded before a thread starts: a database that cannot
     * be read is reported here, once, as it is without the queue. */
    for (unsigned i = 0; i < threads; i++) {
        int rc = custos__filetype_new(&q->types[i], err);
        if (rc != CUSTOS_OK) {
            custos__typeq_free(q);
            return rc;
        }
    }
    for (; q->nthreads < threads; q->nthreads++) {
        struct worker_arg *a = malloc(sizeof(*a));
        if (a != NULL) {
            a->q = q;
            a->index = q->nthreads;
        }
        if (a == NULL || pthread_create(&q->threads[q->nthreads], NULL, worker_main, a) != 0) {
            int e = a == NULL ? ENOMEM : errno;
            free(a);
            if (q->nthreads > 0)
                break; /* fewer workers type as well, only slower */
            custos__typeq_free(q);
            return custos_error_set(err, CUSTOS_E_NOMEM, e, NULL, "cannot start a typing thread");
        }
    }
    for (unsigned i = q->nthreads; i < threads; i++) {
        custos__filetype_free(q->types[i]);
        q->types[i] = NULL;
    }
    *out = q;
    return CUSTOS_OK;
}

/* Hands back every typed job; called with the lock held, which it drops around apply. */
static int
drain(struct custos__typeq *q, custos__typeq_apply_fn apply, void *ctx)
{
    int rc = 0;
    while (q->done != NULL) {
        struct job *list = q->done;
        q->done = NULL;
        pthread_mutex_unlock(&q->lock);
        for (struct job *j = list, *n; j != NULL; j = n) {
            n = j->next;
            if (rc == 0)
                rc = apply(ctx, j->id, j->mime, j->desc);
            else {
                free(j->mime);
                free(j->desc);
            }
            j->mime = j->desc = NULL;
            job_free(j);
        }
        pthread_mutex_lock(&q->lock);
    }
    return rc;
}

int
custos__typeq_put(struct custos__typeq *q, size_t id, unsigned char *buf, size_t len,
                  custos__typeq_apply_fn apply, void *ctx)
{
    struct job *j = calloc(1, sizeof(*j));
    if (j == NULL) {
        free(buf);
        return CUSTOS_E_NOMEM;
    }
    j->id = id;
    j->buf = buf;
    j->len = len;
    pthread_mutex_lock(&q->lock);
    int rc = drain(q, apply, ctx);
    /* Invariant 3; an empty queue always takes the job, however large. */
    while (rc == 0 && q->queued_items > 0 &&
           (q->queued_bytes + len > QUEUE_BYTES || q->queued_items >= QUEUE_ITEMS)) {
        pthread_cond_wait(&q->space, &q->lock);
        rc = drain(q, apply, ctx);
    }
    if (rc != 0) {
        pthread_mutex_unlock(&q->lock);
        job_free(j);
        return rc;
    }
    if (q->tail != NULL)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
    q->queued_bytes += len;
    q->queued_items++;
    pthread_cond_signal(&q->work);
    pthread_mutex_unlock(&q->lock);
    return 0;
}

int
custos__typeq_finish(struct custos__typeq *q, custos__typeq_apply_fn apply, void *ctx)
{
    pthread_mutex_lock(&q->lock);
    int rc = drain(q, apply, ctx);
    while (rc == 0 && (q->head != NULL || q->busy > 0 || q->done != NULL)) {
        if (q->done == NULL)
            pthread_cond_wait(&q->space, &q->lock);
        rc = drain(q, apply, ctx);
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}
