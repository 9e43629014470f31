/* SPDX-License-Identifier: ISC */
/*
 * pool.c: the worker pool of pool_private.h.
 *
 * Invariants:
 *   1. Each item index is taken exactly once (atomic fetch-add on next).
 *   2. Once stop is set no worker takes a new item; items already taken run
 *      to their end, so their results are whole.
 *   3. custos__pool_run returns only after every started thread is joined.
 */
#include "pool_private.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct pool {
    const struct custos__pool_job *job;
    atomic_size_t next;
    atomic_int stop;
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    unsigned running; /* workers not yet finished, under lock */
};

struct worker {
    struct pool *pool;
    unsigned index;
};

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    struct pool *p = w->pool;
    while (!atomic_load(&p->stop)) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->job->count)
            break;
        if (p->job->run(p->job->ctx, w->index, i) != 0)
            atomic_store(&p->stop, 1);
    }
    pthread_mutex_lock(&p->lock);
    p->running--;
    pthread_cond_signal(&p->done_cond);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int
custos__pool_run(const struct custos__pool_job *job)
{
    struct pool p;
    unsigned n = job->threads == 0 ? 1 : job->threads;
    if (n > job->count && job->count > 0)
        n = (unsigned)job->count;
    p.job = job;
    atomic_init(&p.next, 0);
    atomic_init(&p.stop, 0);
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.done_cond, NULL);
    p.running = 0;
    pthread_t *tids = calloc(n, sizeof(*tids));
    struct worker *ws = calloc(n, sizeof(*ws));
    if (tids == NULL || ws == NULL) {
        free(tids);
        free(ws);
        errno = ENOMEM;
        return -1;
    }
    unsigned started = 0;
    for (unsigned i = 0; i < n; i++) {
        ws[i].pool = &p;
        ws[i].index = i;
        pthread_mutex_lock(&p.lock);
        p.running++;
        pthread_mutex_unlock(&p.lock);
        int e = pthread_create(&tids[i], NULL, worker_main, &ws[i]);
        if (e != 0) {
            pthread_mutex_lock(&p.lock);
            p.running--;
            pthread_mutex_unlock(&p.lock);
            if (started == 0) {
                free(tids);
                free(ws);
                errno = e;
                return -1;
            }
            break;
        }
        started++;
    }
    unsigned ms = job->poll_ms == 0 ? 100 : job->poll_ms;
    pthread_mutex_lock(&p.lock);
    while (p.running > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)(ms % 1000) * 1000000L;
        ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&p.done_cond, &p.lock, &ts);
        if (p.running > 0 && job->poll != NULL) {
            pthread_mutex_unlock(&p.lock);
            if (job->poll(job->ctx) != 0)
                atomic_store(&p.stop, 1);
            pthread_mutex_lock(&p.lock);
        }
    }
    pthread_mutex_unlock(&p.lock);
    for (unsigned i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    if (job->poll != NULL && job->poll(job->ctx) != 0)
        atomic_store(&p.stop, 1);
    pthread_mutex_destroy(&p.lock);
    pthread_cond_destroy(&p.done_cond);
    free(tids);
    free(ws);
    return atomic_load(&p.stop) ? 1 : 0;
}

unsigned
custos__cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (unsigned)n;
}
