/* SPDX-License-Identifier: ISC */
/*
 * ewf_read.c: reading an E01's media data with its chunks inflated and
 * checked on several cores.
 *
 * libewf_handle_read_random inflates and checks one chunk after another on
 * the calling thread, which makes reading an E01 slower than hashing it.
 * libewf splits that work in two public calls: libewf_handle_read_chunk
 * returns a chunk's stored bytes (in order, from the handle's offset) and
 * libewf_handle_prepare_read_chunk inflates a compressed chunk or checks an
 * uncompressed one's Adler-32, touching nothing in the handle but the
 * buffers it is given. So the calling thread fetches every chunk of a read
 * (cheap: a copy from the segment files), then it and WORKERS threads
 * prepare the chunks at once, each into its place in the caller's buffer.
 * The handle is only ever used by one thread at a time for fetching; the
 * workers call prepare alone.
 *
 * A chunk that fails to prepare (checksum mismatch, bad deflate stream) is
 * zero-filled and reported with its offset, so that the caller can name the
 * damaged range exactly, as ewfverify does.
 */
#include "ewf_private.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for a chunk as stored: an uncompressed chunk plus its checksum, or a
 * deflate stream, which libewf only keeps when it is smaller than the data. */
#define STORED_SLACK 64

struct item {
    uint8_t *stored;   /* the chunk as read_chunk returned it */
    size_t stored_len; /* bytes in stored */
    uint8_t *scratch;  /* inflated data when dst cannot take it directly */
    uint8_t *dst;      /* where the chunk's data goes in the caller's buffer */
    size_t data;       /* bytes of data the chunk holds (less for the medium's last) */
    size_t want;       /* bytes of it the caller asked for, at most data */
    uint8_t checksum[4];
    uint32_t chunk_checksum;
    int8_t compressed;
    int8_t read_checksum;
    int bad; /* set by prepare: the chunk failed its checks */
};

struct custos__ewf_reader {
    libewf_handle_t *h;
    uint64_t media_bytes;
    size_t chunk_bytes;

    struct item *items;
    size_t cap; /* items allocated (chunks per read at most) */

    pthread_t *tids;
    unsigned nworkers;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    uint64_t gen; /* bumped for each job; workers wait for a new one */
    int quit;
    unsigned active; /* workers inside a job, under mu */
    size_t n;        /* items of the current job, fixed while active */
    atomic_size_t next;
    size_t completed; /* items prepared, under mu */
};

static void
prepare(struct custos__ewf_reader *r, struct item *it)
{
    libewf_error_t *e = NULL;
    uint8_t *out = it->scratch != NULL ? it->scratch : it->dst;
    size_t out_len = it->scratch != NULL ? r->chunk_bytes : it->data;
    ssize_t got =
        libewf_handle_prepare_read_chunk(r->h, it->stored, it->stored_len, out, &out_len,
                                         it->compressed, it->chunk_checksum, it->read_checksum, &e);
    if (e != NULL)
        libewf_error_free(&e);
    if (got < 0 || (size_t)got != it->data) {
        memset(it->dst, 0, it->want);
        it->bad = 1;
        return;
    }
    /* An uncompressed chunk is checked where it lies: its data stays in the
     * stored bytes. */
    if (!it->compressed)
        memcpy(it->dst, it->stored, it->want);
    else if (it->scratch != NULL)
        memcpy(it->dst, it->scratch, it->want);
}

/* Prepares items of the current job until none is left; called with mu unlocked. */
static void
run_items(struct custos__ewf_reader *r, size_t n)
{
    for (;;) {
        size_t i = atomic_fetch_add(&r->next, 1);
        if (i >= n)
            return;
        prepare(r, &r->items[i]);
        pthread_mutex_lock(&r->mu);
        if (++r->completed == n)
            pthread_cond_broadcast(&r->done);
        pthread_mutex_unlock(&r->mu);
    }
}

static void *
worker(void *arg)
{
    struct custos__ewf_reader *r = arg;
    uint64_t seen = 0;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->quit && r->gen == seen)
            pthread_cond_wait(&r->go, &r->mu);
        if (r->quit)
            break;
        seen = r->gen;
        size_t n = r->n;
        r->active++;
        pthread_mutex_unlock(&r->mu);
        run_items(r, n);
        pthread_mutex_lock(&r->mu);
        /* The caller starts no job while a worker is still inside this one:
         * the next job's items would be read with this job's count. */
        if (--r->active == 0)
            pthread_cond_broadcast(&r->done);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

int
custos__ewf_reader_new(struct custos__ewf_reader **out, libewf_handle_t *h, uint64_t media_bytes,
                       size_t chunk_bytes, unsigned workers, struct custos_error *err)
{
    *out = NULL;
    struct custos__ewf_reader *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    r->h = h;
    r->media_bytes = media_bytes;
    r->chunk_bytes = chunk_bytes;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->go, NULL);
    pthread_cond_init(&r->done, NULL);
    atomic_init(&r->next, 0);
    if (workers > 0 && (r->tids = calloc(workers, sizeof(*r->tids))) == NULL) {
        custos__ewf_reader_free(r);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    /* Workers block every signal: a SIGINT must reach the thread that reads. */
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &saved);
    for (unsigned i = 0; i < workers; i++) {
        if (pthread_create(&r->tids[i], NULL, worker, r) != 0)
            break; /* fewer workers only costs speed */
        r->nworkers++;
    }
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    *out = r;
    return CUSTOS_OK;
}

void
custos__ewf_reader_free(struct custos__ewf_reader *r)
{
    if (r == NULL)
        return;
    pthread_mutex_lock(&r->mu);
    r->quit = 1;
    pthread_cond_broadcast(&r->go);
    pthread_mutex_unlock(&r->mu);
    for (unsigned i = 0; i < r->nworkers; i++)
        pthread_join(r->tids[i], NULL);
    for (size_t i = 0; i < r->cap; i++) {
        free(r->items[i].stored);
        free(r->items[i].scratch);
    }
    free(r->items);
    free(r->tids);
    pthread_cond_destroy(&r->done);
    pthread_cond_destroy(&r->go);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

static int
grow(struct custos__ewf_reader *r, size_t n)
{
    if (n <= r->cap)
        return 0;
    struct item *items = realloc(r->items, n * sizeof(*items));
    if (items == NULL)
        return -1;
    r->items = items;
    for (; r->cap < n; r->cap++) {
        struct item *it = &r->items[r->cap];
        memset(it, 0, sizeof(*it));
        if ((it->stored = malloc(r->chunk_bytes + STORED_SLACK)) == NULL)
            return -1;
    }
    return 0;
}

int
custos__ewf_reader_read(struct custos__ewf_reader *r, const char *path, uint64_t offset, void *buf,
                        size_t len, uint64_t *bad_offset, struct custos_error *err)
{
    *bad_offset = UINT64_MAX;
    if (offset % r->chunk_bytes != 0 || offset + len > r->media_bytes)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, path,
                                "read of %zu bytes at byte %llu: not on a chunk boundary, or "
                                "past the medium's end",
                                len, (unsigned long long)offset);
    size_t n = (len + r->chunk_bytes - 1) / r->chunk_bytes;
    if (grow(r, n) != 0)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    /* Always seek: other reads of the same handle (read_random) move it. */
    libewf_error_t *e = NULL;
    if (libewf_handle_seek_offset(r->h, (off64_t)offset, SEEK_SET, &e) < 0)
        return custos__ewf_error(err, CUSTOS_E_CORRUPT, path, &e, "cannot seek in the medium");
    for (size_t i = 0; i < n; i++) {
        struct item *it = &r->items[i];
        uint64_t start = offset + (uint64_t)i * r->chunk_bytes;
        it->dst = (uint8_t *)buf + i * r->chunk_bytes;
        it->data = r->media_bytes - start < r->chunk_bytes ? (size_t)(r->media_bytes - start)
                                                           : r->chunk_bytes;
        it->want = i + 1 < n ? r->chunk_bytes : len - i * r->chunk_bytes;
        it->bad = 0;
        /* libewf inflates a whole chunk: a read that ends inside one (the
         * caller's last chunk at most) takes it through a scratch buffer. */
        if (it->want == it->data) {
            free(it->scratch);
            it->scratch = NULL;
        } else if (it->scratch == NULL && (it->scratch = malloc(r->chunk_bytes)) == NULL) {
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
        }
        ssize_t got = libewf_handle_read_chunk(r->h, it->stored, r->chunk_bytes + STORED_SLACK,
                                               &it->compressed, it->checksum, &it->chunk_checksum,
                                               &it->read_checksum, &e);
        if (got <= 0) {
            char what[96];
            snprintf(what, sizeof(what), "cannot read the chunk at byte %llu",
                     (unsigned long long)(offset + (uint64_t)i * r->chunk_bytes));
            return custos__ewf_error(err, CUSTOS_E_CORRUPT, path, &e, what);
        }
        it->stored_len = (size_t)got;
    }

    pthread_mutex_lock(&r->mu);
    while (r->active > 0)
        pthread_cond_wait(&r->done, &r->mu);
    r->n = n;
    r->completed = 0;
    atomic_store(&r->next, 0);
    if (n > 1 && r->nworkers > 0) {
        r->gen++;
        pthread_cond_broadcast(&r->go);
    }
    pthread_mutex_unlock(&r->mu);
    run_items(r, n);
    pthread_mutex_lock(&r->mu);
    while (r->completed < n)
        pthread_cond_wait(&r->done, &r->mu);
    pthread_mutex_unlock(&r->mu);

    for (size_t i = 0; i < n; i++)
        if (r->items[i].bad) {
            *bad_offset = offset + (uint64_t)i * r->chunk_bytes;
            return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                                    "damaged chunk (checksum error) at byte %llu",
                                    (unsigned long long)*bad_offset);
        }
    return CUSTOS_OK;
}
