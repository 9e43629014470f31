/* SPDX-License-Identifier: ISC */
/*
 * acquire.c: the acquisition pipeline.
 *
 * One pass over the source feeds a ring of NSLOTS buffers of SLOT_BYTES
 * each. The calling thread reads; one thread hashes MD5 (OpenSSL's slowest
 * digest, about 700 MB/s a core) and another SHA-1, SHA-256 and the
 * piecewise windows; for E01, one packer thread per core compresses whole
 * slots of chunks; one writer thread writes slots in order. A slot is reused
 * only when every consumer has finished with it, so memory stays at
 * NSLOTS * (SLOT_BYTES + packed buffers), whatever the medium's size.
 *
 * Invariants:
 *   1. The source is opened read-only (source.c); outputs are created only
 *      inside a staging directory and published by custos_staging_publish()
 *      after the image is finished, verified and its record written. Any
 *      failure, and an interruption, frees the staging directory: nothing
 *      that looks like a finished image is left.
 *   2. Every consumer sees every slot, in order; the digests are therefore
 *      those of the byte stream written, zero-filled sectors included.
 *   3. A read error never silently loses data: the failed region is retried
 *      (opt->retries times), then re-read one sector at a time, uncached;
 *      only sectors that still fail are zero-filled, and each is recorded
 *      in the bad-range map (merged into ranges), in the E01 acquiry errors
 *      and in the record. A stream cannot be re-read, so there an error
 *      stops the run.
 *   4. The first failure anywhere sets pass->status; every thread stops at
 *      its next wait, and the run returns that status.
 *
 * States of a slot: FREE -> FILLED (reader, after read_slot) -> FREE (the
 * consumer that sets the last bit of `needed` in finish_slot). PACKED is a
 * bit set by pack_thread that the writer waits for; it does not free.
 */
#include "custos/acquire.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "acquire_private.h"
#include "custos/atomicfile.h"
#include "custos/custos.h"
#include "custos/staging.h"
#include "fsutil_private.h"
#include "image_private.h"

#define SLOT_BYTES (1u << 20) /* a multiple of every sector and chunk size */
#define NSLOTS     16
#define ALIGN      4096 /* O_DIRECT buffers */

/* Consumer bits of a slot: one per hash lane, then the writer. */
#define MAX_LANES    4 /* MD5, SHA-1, SHA-256, piecewise SHA-256 */
#define DONE_LANE(i) (1u << (i))
#define DONE_WRITE   0x10u
#define DONE_PACKED  0x20u /* not a consumer: the writer waits for it */

struct slot {
    uint8_t *data;      /* SLOT_BYTES, ALIGN-aligned */
    uint8_t *packed;    /* EWF: chunks_per_slot packed chunks, each packer_bound bytes */
    size_t *packed_len; /* per chunk */
    int *compressed;    /* per chunk */
    uint32_t *checksum; /* per chunk */
    uint64_t seq;       /* which SLOT_BYTES block of the medium */
    size_t len;         /* bytes in data */
    int filled;
    int eof;       /* the last slot of the medium */
    unsigned done; /* DONE_* bits */
};

struct pass {
    /* configuration */
    struct custos_source *src;
    const char *src_name;
    uint64_t total; /* 0 when unknown */
    uint32_t sector;
    unsigned retries;
    unsigned algs;   /* whole-medium digests, one lane each */
    uint64_t window; /* piecewise window bytes, 0 for none */
    struct custos__image *img;
    enum custos_compression compression;
    const struct custos_progress *progress;

    /* shared state, under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct slot slots[NSLOTS];
    unsigned needed;    /* consumer bits that free a slot */
    uint64_t next_pack; /* the next slot a packer takes */
    uint64_t eof_seq;   /* valid once have_eof */
    int have_eof;
    int status; /* first failure */
    struct custos_error err;

    /* results (each written by one thread only) */
    struct custos_digest_result lane_result[MAX_LANES];
    struct custos__window *windows;
    size_t nwindows, capwindows;
    struct custos_bad_range *bad;
    size_t nbad, capbad;
    unsigned retried;
    uint64_t bytes;
    size_t chunk_bytes;
    size_t chunks_per_slot;
};

static void
pass_fail(struct pass *p, const struct custos_error *err)
{
    pthread_mutex_lock(&p->mu);
    if (p->status == CUSTOS_OK) {
        p->status = err->status;
        custos_error_copy(&p->err, err);
    }
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* Waits until slot seq is filled (returns it) or the pass failed (NULL). */
static struct slot *
wait_filled(struct pass *p, uint64_t seq, unsigned also_bit)
{
    struct slot *s = &p->slots[seq % NSLOTS];
    pthread_mutex_lock(&p->mu);
    while (p->status == CUSTOS_OK &&
           !(s->filled && s->seq == seq && (also_bit == 0 || (s->done & also_bit))))
        pthread_cond_wait(&p->cv, &p->mu);
    struct slot *r = p->status == CUSTOS_OK ? s : NULL;
    pthread_mutex_unlock(&p->mu);
    return r;
}

static void
finish_slot(struct pass *p, struct slot *s, unsigned bit)
{
    pthread_mutex_lock(&p->mu);
    s->done |= bit;
    if ((s->done & p->needed) == p->needed)
        s->filled = 0;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static int
add_window(struct pass *p, uint64_t offset, uint64_t length, const struct custos_digest_result *r)
{
    if (p->nwindows == p->capwindows) {
        size_t cap = p->capwindows ? p->capwindows * 2 : 16;
        struct custos__window *w = realloc(p->windows, cap * sizeof(*w));
        if (w == NULL)
            return CUSTOS_E_NOMEM;
        p->windows = w;
        p->capwindows = cap;
    }
    struct custos__window *w = &p->windows[p->nwindows++];
    w->offset = offset;
    w->length = length;
    memcpy(w->sha256, r->sha256, 32);
    return CUSTOS_OK;
}

struct hasher {
    struct pass *p;
    unsigned algs; /* the whole-medium digest of this lane, or 0 */
    unsigned lane; /* index: its DONE_LANE bit and lane_result slot */
    int windows;   /* this lane computes the piecewise windows */
};

/* MD5 bounds the pass: every other worker thread yields to its lane. */
static void
yield_to_md5(const struct pass *p)
{
    if (p->algs & CUSTOS_DIGEST_MD5)
        custos__thread_yield();
}

static void *
hash_thread(void *arg)
{
    struct hasher *h = arg;
    struct pass *p = h->p;
    struct custos_error err;
    struct custos_digest *d = NULL, *w = NULL;
    uint64_t win_start = 0, win_fill = 0;
    custos_error_clear(&err);
    if (h->algs != CUSTOS_DIGEST_MD5)
        yield_to_md5(p);
    if (h->algs != 0 && custos_digest_new(&d, h->algs, &err) != CUSTOS_OK)
        goto fail;
    if (h->windows && custos_digest_new(&w, CUSTOS_DIGEST_SHA256, &err) != CUSTOS_OK)
        goto fail;
    for (uint64_t seq = 0;; seq++) {
        struct slot *s = wait_filled(p, seq, 0);
        if (s == NULL)
            break;
        if (d != NULL)
            custos_digest_update(d, s->data, s->len);
        for (size_t off = 0; w != NULL && off < s->len;) {
            size_t n = s->len - off;
            if (n > p->window - win_fill)
                n = (size_t)(p->window - win_fill);
            custos_digest_update(w, s->data + off, n);
            off += n;
            win_fill += n;
            if (win_fill == p->window) {
                struct custos_digest_result r;
                custos_digest_final(w, &r);
                custos_digest_reset(w);
                if (add_window(p, win_start, win_fill, &r) != CUSTOS_OK) {
                    custos_error_set(&err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
                    goto fail;
                }
                win_start += win_fill;
                win_fill = 0;
            }
        }
        int eof = s->eof;
        finish_slot(p, s, DONE_LANE(h->lane));
        if (eof)
            break;
    }
    if (d != NULL)
        custos_digest_final(d, &p->lane_result[h->lane]);
    if (w != NULL && win_fill > 0) {
        struct custos_digest_result r;
        custos_digest_final(w, &r);
        if (add_window(p, win_start, win_fill, &r) != CUSTOS_OK) {
            custos_error_set(&err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
            goto fail;
        }
    }
    custos_digest_free(d);
    custos_digest_free(w);
    return NULL;
fail:
    custos_digest_free(d);
    custos_digest_free(w);
    pass_fail(p, &err);
    return NULL;
}

static void *
pack_thread(void *arg)
{
    struct pass *p = arg;
    struct custos__packer *pk = NULL;
    struct custos_error err;
    custos_error_clear(&err);
    if (custos__packer_new(&pk, p->compression, p->chunk_bytes, &err) != CUSTOS_OK) {
        pass_fail(p, &err);
        return NULL;
    }
    size_t bound = custos__packer_bound(p->chunk_bytes);
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->status == CUSTOS_OK && !(p->have_eof && p->next_pack > p->eof_seq)) {
            struct slot *s = &p->slots[p->next_pack % NSLOTS];
            if (s->filled && s->seq == p->next_pack)
                break;
            pthread_cond_wait(&p->cv, &p->mu);
        }
        if (p->status != CUSTOS_OK || (p->have_eof && p->next_pack > p->eof_seq)) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        struct slot *s = &p->slots[p->next_pack % NSLOTS];
        p->next_pack++;
        pthread_mutex_unlock(&p->mu);

        for (size_t c = 0, off = 0; off < s->len; c++, off += p->chunk_bytes) {
            size_t n = s->len - off < p->chunk_bytes ? s->len - off : p->chunk_bytes;
            custos__packer_pack(pk, s->data + off, n, s->packed + c * bound, &s->packed_len[c],
                                &s->compressed[c], &s->checksum[c]);
        }
        pthread_mutex_lock(&p->mu);
        s->done |= DONE_PACKED;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    custos__packer_free(pk);
    return NULL;
}

static void *
write_thread(void *arg)
{
    struct pass *p = arg;
    int ewf = p->chunk_bytes != 0;
    size_t bound = ewf ? custos__packer_bound(p->chunk_bytes) : 0;
    yield_to_md5(p);
    for (uint64_t seq = 0;; seq++) {
        struct slot *s = wait_filled(p, seq, ewf ? DONE_PACKED : 0);
        if (s == NULL)
            return NULL;
        int rc = CUSTOS_OK;
        if (!ewf) {
            rc = custos__image_write(p->img, s->data, s->len);
        } else {
            for (size_t c = 0, off = 0; rc == CUSTOS_OK && off < s->len;
                 c++, off += p->chunk_bytes) {
                size_t n = s->len - off < p->chunk_bytes ? s->len - off : p->chunk_bytes;
                rc = custos__image_write_packed(p->img, s->packed + c * bound, s->packed_len[c], n,
                                                s->compressed[c], s->checksum[c]);
            }
        }
        if (rc != CUSTOS_OK) {
            pass_fail(p, custos__image_error(p->img));
            return NULL;
        }
        int eof = s->eof;
        finish_slot(p, s, DONE_WRITE);
        if (eof)
            return NULL;
    }
}

static int
add_bad(struct pass *p, uint64_t sector)
{
    if (p->nbad > 0) {
        struct custos_bad_range *last = &p->bad[p->nbad - 1];
        if (last->first_sector + last->sector_count == sector) {
            last->sector_count++;
            return CUSTOS_OK;
        }
    }
    if (p->nbad == p->capbad) {
        size_t cap = p->capbad ? p->capbad * 2 : 16;
        struct custos_bad_range *b = realloc(p->bad, cap * sizeof(*b));
        if (b == NULL)
            return CUSTOS_E_NOMEM;
        p->bad = b;
        p->capbad = cap;
    }
    p->bad[p->nbad++] = (struct custos_bad_range){sector, 1};
    return CUSTOS_OK;
}

/*
 * Reads len bytes at offset into buf, which is ALIGN-aligned; on a read
 * error retries, then narrows down to single uncached sectors, zero-filling
 * and mapping only those that still fail. *got is short only at the end of
 * the medium.
 */
static int
read_slot(struct pass *p, uint64_t offset, uint8_t *buf, size_t len, size_t *got,
          uint8_t *sector_buf, struct custos_error *err)
{
    int rc = CUSTOS_OK;
    for (unsigned attempt = 0; attempt <= p->retries; attempt++) {
        rc = custos_source_read(p->src, offset, buf, len, 0, got);
        if (rc == CUSTOS_OK)
            return CUSTOS_OK;
        if (rc == CUSTOS_E_INTERRUPTED)
            return custos_error_copy(err, custos_source_error(p->src));
        if (rc != CUSTOS_E_IO && rc != CUSTOS_E_CORRUPT)
            break;
        if (attempt < p->retries)
            p->retried++;
    }
    const struct custos_source_info *info = custos_source_info(p->src);
    if (rc == CUSTOS_E_USAGE || info->kind == CUSTOS_SOURCE_STREAM || !info->size_known)
        return custos_error_copy(err, custos_source_error(p->src));

    /* Narrow down: only sectors that fail on their own are lost. */
    size_t n = len;
    if (offset + n > info->size_bytes)
        n = (size_t)(info->size_bytes - offset);
    for (size_t off = 0; off < n; off += p->sector) {
        size_t want = n - off < p->sector ? n - off : p->sector;
        size_t g = 0;
        int ok = 0;
        for (unsigned attempt = 0; attempt <= p->retries && !ok; attempt++) {
            /* A partial last sector cannot be read uncached; read it buffered. */
            unsigned flags = want == p->sector ? CUSTOS_READ_UNCACHED : 0;
            ok = custos_source_read(p->src, offset + off, sector_buf, want, flags, &g) ==
                     CUSTOS_OK &&
                 g == want;
        }
        if (ok) {
            memcpy(buf + off, sector_buf, want);
        } else {
            memset(buf + off, 0, want);
            if (add_bad(p, (offset + off) / p->sector) != CUSTOS_OK)
                return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        }
    }
    *got = n;
    return CUSTOS_OK;
}

static void
slots_free(struct pass *p)
{
    for (int i = 0; i < NSLOTS; i++) {
        free(p->slots[i].data);
        free(p->slots[i].packed);
        free(p->slots[i].packed_len);
        free(p->slots[i].compressed);
        free(p->slots[i].checksum);
    }
}

static int
slots_alloc(struct pass *p)
{
    for (int i = 0; i < NSLOTS; i++) {
        struct slot *s = &p->slots[i];
        if (posix_memalign((void **)&s->data, ALIGN, SLOT_BYTES) != 0)
            return CUSTOS_E_NOMEM;
        if (p->chunk_bytes != 0) {
            size_t c = p->chunks_per_slot;
            s->packed = malloc(c * custos__packer_bound(p->chunk_bytes));
            s->packed_len = calloc(c, sizeof(size_t));
            s->compressed = calloc(c, sizeof(int));
            s->checksum = calloc(c, sizeof(uint32_t));
            if (!s->packed || !s->packed_len || !s->compressed || !s->checksum)
                return CUSTOS_E_NOMEM;
        }
    }
    return CUSTOS_OK;
}

static long
cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 16 ? 16 : n;
}

static void
pass_digests(const struct pass *p, struct custos_digest_result *r)
{
    memset(r, 0, sizeof(*r));
    for (int i = 0; i < MAX_LANES; i++) {
        const struct custos_digest_result *l = &p->lane_result[i];
        if (l->algs & CUSTOS_DIGEST_MD5)
            memcpy(r->md5, l->md5, sizeof(r->md5));
        if (l->algs & CUSTOS_DIGEST_SHA1)
            memcpy(r->sha1, l->sha1, sizeof(r->sha1));
        if (l->algs & CUSTOS_DIGEST_SHA256)
            memcpy(r->sha256, l->sha256, sizeof(r->sha256));
        r->algs |= l->algs;
    }
}

/*
 * Runs one pass: reads the whole source through the ring, hashing, and,
 * when p->img is set, writing. Fills p's results; returns the status.
 */
static int
run_pass(struct pass *p, struct custos_error *err)
{
    pthread_t threads[24];
    int nthreads = 0;
    struct hasher lanes[MAX_LANES];
    unsigned nlanes = 0;
    static const unsigned order[] = {CUSTOS_DIGEST_MD5, CUSTOS_DIGEST_SHA1, CUSTOS_DIGEST_SHA256};
    for (int i = 0; i < 3; i++) {
        if (p->algs & order[i]) {
            lanes[nlanes] = (struct hasher){p, order[i], nlanes, 0};
            nlanes++;
        }
    }
    /* A medium no larger than one window has that window's SHA-256 in the
     * SHA-256 lane already: a second SHA-256 of every byte would be waste. */
    int one_window = p->window != 0 && (p->algs & CUSTOS_DIGEST_SHA256) && p->total != 0 &&
                     p->total <= p->window;
    if (p->window != 0 && !one_window) {
        lanes[nlanes] = (struct hasher){p, 0, nlanes, 1};
        nlanes++;
    }
    uint8_t *sector_buf = NULL;
    int rc = CUSTOS_OK;

    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (p->img != NULL) {
        p->chunk_bytes = custos__image_chunk_bytes(p->img);
        p->chunks_per_slot = p->chunk_bytes ? SLOT_BYTES / p->chunk_bytes : 0;
    }
    if (slots_alloc(p) != CUSTOS_OK || posix_memalign((void **)&sector_buf, ALIGN, ALIGN) != 0) {
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        goto out;
    }

    /* Our threads block every signal, so a SIGINT reaches the caller's thread,
     * the reader, where it interrupts a blocking read of a stream. */
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &saved);
    custos_source_set_progress(p->src, p->progress);
    p->needed = 0;
    for (unsigned i = 0; i < nlanes; i++) {
        p->needed |= DONE_LANE(i);
        pthread_create(&threads[nthreads++], NULL, hash_thread, &lanes[i]);
    }
    if (p->img != NULL)
        p->needed |= DONE_WRITE;
    if (p->img != NULL) {
        if (p->chunk_bytes != 0)
            for (long i = 0; i < cores(); i++)
                pthread_create(&threads[nthreads++], NULL, pack_thread, p);
        pthread_create(&threads[nthreads++], NULL, write_thread, p);
    }
    pthread_sigmask(SIG_SETMASK, &saved, NULL);

    /* The reader: this thread. */
    for (uint64_t seq = 0;; seq++) {
        struct slot *s = &p->slots[seq % NSLOTS];
        pthread_mutex_lock(&p->mu);
        while (p->status == CUSTOS_OK && s->filled)
            pthread_cond_wait(&p->cv, &p->mu);
        int stop = p->status != CUSTOS_OK;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        if (custos_progress_cancelled(p->progress)) {
            struct custos_error e;
            custos_error_set(&e, CUSTOS_E_INTERRUPTED, 0, NULL, "interrupted");
            pass_fail(p, &e);
            break;
        }
        uint64_t offset = seq * SLOT_BYTES;
        size_t want = SLOT_BYTES, got = 0;
        if (p->total != 0 && want > p->total - offset)
            want = (size_t)(p->total - offset);
        struct custos_error e;
        custos_error_clear(&e);
        if (want > 0 && read_slot(p, offset, s->data, want, &got, sector_buf, &e) != CUSTOS_OK) {
            pass_fail(p, &e);
            break;
        }
        p->bytes += got;
        int eof = got < SLOT_BYTES || (p->total != 0 && p->bytes >= p->total);
        pthread_mutex_lock(&p->mu);
        s->seq = seq;
        s->len = got;
        s->eof = eof;
        s->done = 0;
        s->filled = 1;
        if (eof) {
            p->have_eof = 1;
            p->eof_seq = seq;
        }
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        custos_progress_update(p->progress, p->bytes, p->total);
        if (eof)
            break;
    }
    for (int i = 0; i < nthreads; i++)
        pthread_join(threads[i], NULL);
    if (p->status == CUSTOS_OK && one_window && p->bytes == p->total) {
        struct custos_digest_result r;
        pass_digests(p, &r);
        if (add_window(p, 0, p->bytes, &r) != CUSTOS_OK)
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    if (p->status != CUSTOS_OK)
        rc = custos_error_copy(err, &p->err);
    else if (p->total != 0 && p->bytes != p->total)
        rc = custos_error_set(err, CUSTOS_E_IO, 0, p->src_name,
                              "medium ended after %llu of %llu bytes", (unsigned long long)p->bytes,
                              (unsigned long long)p->total);
out:
    free(sector_buf);
    slots_free(p);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    return rc;
}

static void
pass_setup(struct pass *p, struct custos_source *src, unsigned algs)
{
    memset(p, 0, sizeof(*p));
    p->src = src;
    const struct custos_source_info *info = custos_source_info(src);
    p->src_name = info->path;
    p->total = info->size_known ? info->size_bytes : 0;
    p->algs = algs;
}

void
custos_acquire_options_init(struct custos_acquire_options *o)
{
    memset(o, 0, sizeof(*o));
    o->format = CUSTOS_IMAGE_EWF;
    o->compression = CUSTOS_COMPRESSION_FAST;
    o->digests = CUSTOS_DIGEST_ALL;
    o->window_bytes = CUSTOS_ACQUIRE_DEFAULT_WINDOW;
    o->retries = CUSTOS_ACQUIRE_DEFAULT_RETRIES;
    o->verify = 1;
}

int
custos_compression_parse(const char *name, enum custos_compression *out)
{
    static const char *names[] = {"none", "empty-block", "fast", "best"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (enum custos_compression)i;
            return 0;
        }
    return -1;
}

const char *
custos_compression_name(enum custos_compression c)
{
    static const char *names[] = {"none", "empty-block", "fast", "best"};
    return (unsigned)c < 4 ? names[c] : "unknown";
}

static double
now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* SHA-256 and size of one staged file, read with the page cache dropped. */
static int
hash_file(const char *path, const char *name, struct custos__outfile *f, struct custos_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, name, "cannot re-read output");
    struct custos_digest *d;
    int rc = custos_digest_new(&d, CUSTOS_DIGEST_SHA256, err);
    uint8_t *buf = malloc(SLOT_BYTES);
    uint64_t size = 0;
    if (rc == CUSTOS_OK && buf == NULL)
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, name, "out of memory");
    while (rc == CUSTOS_OK) {
        ssize_t r = read(fd, buf, SLOT_BYTES);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = custos_error_set(err, CUSTOS_E_IO, errno, name, "cannot re-read output");
        if (r <= 0)
            break;
        custos_digest_update(d, buf, (size_t)r);
        size += (uint64_t)r;
    }
    if (rc == CUSTOS_OK) {
        struct custos_digest_result r;
        custos_digest_final(d, &r);
        memcpy(f->sha256, r.sha256, 32);
        f->size_bytes = size;
    }
    custos_digest_free(d);
    free(buf);
    close(fd);
    return rc;
}

/* Makes sure re-reading hits the disk, not the page cache we just filled. */
static void
drop_cache(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    fdatasync(fd);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
}

static int
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* dir/name, or name alone when the output named no directory. */
static void
join_path(char *buf, size_t len, const char *dir, const char *name)
{
    if (strcmp(dir, ".") == 0)
        snprintf(buf, len, "%s", name);
    else
        snprintf(buf, len, "%s/%s", dir, name);
}

/* Where each file goes: the image's base name and the directory it is published in. */
struct names {
    char dir[4096];
    char base[1024];  /* EWF: BASE of BASE.E01; raw: the output's name */
    char first[8192]; /* the first image file's final path, checked up front */
    char record[8192];
};

static int
plan_names(const struct custos_acquire_options *o, struct names *n, struct custos_error *err)
{
    char out[4096];
    if (strlen(o->output) >= sizeof(out) - 16 || custos__basename(o->output)[0] == '\0')
        return custos_error_set(err, CUSTOS_E_USAGE, 0, o->output, "not a usable output name");
    snprintf(out, sizeof(out), "%s", o->output);
    if (o->format == CUSTOS_IMAGE_EWF && (ends_with(out, ".E01") || ends_with(out, ".e01")))
        out[strlen(out) - 4] = '\0';
    custos__dirname(out, n->dir, sizeof(n->dir));
    snprintf(n->base, sizeof(n->base), "%s", custos__basename(out));
    char name[1100];
    if (o->format == CUSTOS_IMAGE_EWF)
        snprintf(name, sizeof(name), "%s.E01", n->base);
    else if (o->segment_bytes != 0)
        snprintf(name, sizeof(name), "%s.001", n->base);
    else
        snprintf(name, sizeof(name), "%s", n->base);
    join_path(n->first, sizeof(n->first), n->dir, name);
    if (o->record_path != NULL)
        snprintf(n->record, sizeof(n->record), "%s", o->record_path);
    else
        snprintf(n->record, sizeof(n->record), "%s" CUSTOS_RECORD_SUFFIX, o->output);
    int rc = custos__refuse_existing(n->first, err);
    if (rc == CUSTOS_OK)
        rc = custos__refuse_existing(n->record, err);
    return rc;
}

/* Strict UTF-8 (no overlongs, no surrogates): what JSON and EnCase headers can carry. */
static int
valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p++, n, min, v;
        if (c < 0x80)
            continue;
        if ((c & 0xe0) == 0xc0) {
            n = 1, min = 0x80, v = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2, min = 0x800, v = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3, min = 0x10000, v = c & 0x07;
        } else {
            return 0;
        }
        for (unsigned i = 0; i < n; i++, p++) {
            if ((*p & 0xc0) != 0x80)
                return 0;
            v = v << 6 | (*p & 0x3f);
        }
        if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
            return 0;
    }
    return 1;
}

static int
check_options(const struct custos_acquire_options *o, struct custos_error *err)
{
    const char *texts[] = {o->case_number, o->evidence_number, o->examiner,
                           o->description, o->notes,           o->authorisation};
    const char *names[] = {"case number", "evidence number", "examiner",
                           "description", "notes",           "authorisation reference"};
    for (int i = 0; i < 6; i++)
        if (texts[i] != NULL && !valid_utf8(texts[i]))
            return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "the %s is not valid UTF-8 text",
                                    names[i]);
    if (o->source == NULL || o->output == NULL)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "a source and an output are needed");
    if ((o->authorisation == NULL || o->authorisation[0] == '\0') && !o->no_authorisation)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "no authorisation reference: give the warrant, order or approval "
                                "reference, or acquire with no_authorisation (recorded)");
    if (o->authorisation != NULL && o->authorisation[0] != '\0' && o->no_authorisation)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "an authorisation reference and no_authorisation together");
    if (o->digests == 0 || (o->digests & ~CUSTOS_DIGEST_ALL))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "no valid digest chosen");
    if (o->format == CUSTOS_IMAGE_EWF && o->segment_bytes != 0 && o->segment_bytes < (1u << 20))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "an E01 segment must be at least 1 MiB");
    if (o->sector_bytes != 0 && (o->sector_bytes < 512 || o->sector_bytes > ALIGN ||
                                 (o->sector_bytes & (o->sector_bytes - 1))))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "the sector size must be a power of two from 512 to 4096");
    return CUSTOS_OK;
}

/* Re-reads the staged image (E01 through libewf) and compares every digest. */
static int
verify_image(struct custos_acquisition *a, struct custos_staging *st, const char *first_file,
             const struct custos_progress *prog, struct custos_error *err)
{
    char path[8192];
    snprintf(path, sizeof(path), "%s/%s", custos_staging_dir(st), first_file);
    struct custos_source *src;
    int rc = custos_source_open(&src, path, err);
    if (rc != CUSTOS_OK)
        return custos_error_set(err, CUSTOS_E_MISMATCH, 0, first_file,
                                "verification: the written image cannot be opened: %s",
                                err->message);
    struct pass p;
    pass_setup(&p, src, a->digests.algs);
    p.sector = a->sector_bytes;
    p.retries = 0;
    p.progress = prog;
    double t0 = now_seconds();
    rc = run_pass(&p, err);
    a->verify_seconds = now_seconds() - t0;
    if (rc == CUSTOS_OK) {
        pass_digests(&p, &a->verify_digests);
        if (p.nbad != 0)
            rc = custos_error_set(err, CUSTOS_E_MISMATCH, 0, first_file,
                                  "verification: %zu unreadable ranges in the written image",
                                  p.nbad);
        else if (p.bytes != a->bytes)
            rc = custos_error_set(err, CUSTOS_E_MISMATCH, 0, first_file,
                                  "verification: the written image holds %llu bytes, %llu were "
                                  "read",
                                  (unsigned long long)p.bytes, (unsigned long long)a->bytes);
        else if (!custos_digest_equal(&a->digests, &a->verify_digests))
            rc = custos_error_set(err, CUSTOS_E_MISMATCH, 0, first_file,
                                  "verification: the written image's digests differ from the "
                                  "source's");
        else
            a->verified = 1;
    } else if (rc != CUSTOS_E_INTERRUPTED && rc != CUSTOS_E_NOMEM) {
        rc = custos_error_set(err, CUSTOS_E_MISMATCH, 0, first_file,
                              "verification: the written image cannot be read back: %s",
                              err->message);
    }
    free(p.windows);
    free(p.bad);
    custos_source_free(src);
    return rc;
}

int
custos_acquire_check(const struct custos_acquire_options *o, struct custos_error *err)
{
    struct names names;
    struct stat sb;
    int rc = check_options(o, err);
    if (rc == CUSTOS_OK)
        rc = plan_names(o, &names, err);
    if (rc != CUSTOS_OK)
        return rc;
    if (stat(names.dir, &sb) != 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, names.dir,
                                "the output directory cannot be used");
    if (!S_ISDIR(sb.st_mode))
        return custos_error_set(err, CUSTOS_E_IO, ENOTDIR, names.dir,
                                "the output directory cannot be used");
    if (strcmp(o->source, "-") != 0 && stat(o->source, &sb) != 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, o->source, "cannot open the source");
    return CUSTOS_OK;
}

int
custos_acquire(const struct custos_acquire_options *o, const struct custos_progress *prog,
               struct custos_acquisition **out, struct custos_error *err)
{
    *out = NULL;
    struct names names;
    struct custos_source *src = NULL;
    struct custos_staging *st = NULL;
    struct custos__image *img = NULL;
    struct pass p;
    memset(&p, 0, sizeof(p));
    int rc = check_options(o, err);
    if (rc == CUSTOS_OK)
        rc = plan_names(o, &names, err);
    if (rc != CUSTOS_OK)
        return rc;

    struct custos_acquisition *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    a->opt = o;
    custos__utc_now(a->started, sizeof(a->started));

    rc = custos_source_open(&src, o->source, err);
    if (rc != CUSTOS_OK)
        goto fail;
    const struct custos_source_info *info = custos_source_info(src);
    a->sector_bytes = o->sector_bytes ? o->sector_bytes : info->logical_sector_bytes;
    if (o->window_bytes % a->sector_bytes != 0) {
        rc = custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                              "the hash window must be a multiple of the sector size (%u)",
                              a->sector_bytes);
        goto fail;
    }
    if (o->format == CUSTOS_IMAGE_EWF && info->size_known &&
        info->size_bytes % a->sector_bytes != 0) {
        rc = custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, o->source,
                              "%llu bytes is not a whole number of %u-byte sectors, and an E01 "
                              "holds whole sectors only; acquire it with -f raw",
                              (unsigned long long)info->size_bytes, a->sector_bytes);
        goto fail;
    }
    if (o->segment_bytes % a->sector_bytes != 0 && o->format == CUSTOS_IMAGE_RAW) {
        rc = custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                              "the segment size must be a multiple of the sector size (%u)",
                              a->sector_bytes);
        goto fail;
    }
    rc = custos_staging_create(&st, names.dir, err);
    if (rc != CUSTOS_OK)
        goto fail;

    struct custos__image_setup setup = {
        .opt = o,
        .staging_dir = custos_staging_dir(st),
        .base_name = names.base,
        .media_bytes = info->size_known ? info->size_bytes : 0,
        .sector_bytes = a->sector_bytes,
        .model = info->model,
        .serial = info->serial,
        .physical = info->kind == CUSTOS_SOURCE_BLOCK,
    };
    rc = custos__image_create(&img, &setup, err);
    if (rc != CUSTOS_OK)
        goto fail;

    pass_setup(&p, src, o->digests);
    p.sector = a->sector_bytes;
    p.retries = o->retries;
    p.window = o->window_bytes;
    p.img = img;
    p.compression = o->compression;
    p.progress = prog;
    double t0 = now_seconds();
    rc = run_pass(&p, err);
    if (rc != CUSTOS_OK)
        goto fail;
    pass_digests(&p, &a->digests);
    a->bytes = p.bytes;
    a->windows = p.windows;
    a->nwindows = p.nwindows;
    a->bad = p.bad;
    a->nbad = p.nbad;
    a->read_retries_used = p.retried;
    p.windows = NULL;
    p.bad = NULL;

    if (o->format == CUSTOS_IMAGE_EWF && a->bytes % a->sector_bytes != 0) {
        rc = custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, o->source,
                              "the stream ended after %llu bytes, not a whole number of %u-byte "
                              "sectors, and an E01 holds whole sectors only; nothing was "
                              "published: acquire streams with -f raw",
                              (unsigned long long)a->bytes, a->sector_bytes);
        goto fail;
    }
    a->stored_match = -1;
    /* Only digests both sides hold are compared: -d sha256 of an E01 storing MD5/SHA-1
     * was reported "altered" (exit 1). */
    if ((info->stored.algs & a->digests.algs) != 0)
        a->stored_match = custos_digest_equal(&info->stored, &a->digests);
    for (size_t i = 0; i < a->nbad && rc == CUSTOS_OK; i++)
        rc = custos__image_add_error(img, a->bad[i].first_sector, a->bad[i].sector_count);
    if (rc == CUSTOS_OK)
        rc = custos__image_finish(img, &a->digests);
    if (rc != CUSTOS_OK) {
        custos_error_copy(err, custos__image_error(img));
        goto fail;
    }
    a->seconds = now_seconds() - t0;
    custos__utc_now(a->finished, sizeof(a->finished));

    /* Copy the source's identity before the source goes away. */
    a->source = *info;
    a->source_path = strdup(info->path);
    a->source.path = NULL;

    size_t nfiles = custos__image_file_count(img);
    a->files = calloc(nfiles ? nfiles : 1, sizeof(*a->files));
    a->file_paths = calloc(nfiles + 1, sizeof(char *));
    if (a->source_path == NULL || a->files == NULL || a->file_paths == NULL) {
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < nfiles; i++) {
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s", custos_staging_dir(st), custos__image_file(img, i));
        drop_cache(path);
    }
    custos_source_free(src);
    src = NULL;

    if (o->verify) {
        rc = verify_image(a, st, custos__image_file(img, 0), prog, err);
        if (rc != CUSTOS_OK)
            goto fail;
    }
    for (size_t i = 0; i < nfiles; i++) {
        const char *name = custos__image_file(img, i);
        char staged[8192], final[8192];
        snprintf(staged, sizeof(staged), "%s/%s", custos_staging_dir(st), name);
        join_path(final, sizeof(final), names.dir, name);
        a->files[i].path = strdup(final);
        a->file_paths[i] = a->files[i].path;
        a->nfiles++;
        if (a->files[i].path == NULL) {
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
            goto fail;
        }
        /* A single raw file holds exactly the bytes the SHA-256 lane hashed,
         * written and fsynced; re-reading it from the page cache would prove
         * nothing more (--verify re-reads it from the disk). */
        if (nfiles == 1 && o->format == CUSTOS_IMAGE_RAW &&
            (a->digests.algs & CUSTOS_DIGEST_SHA256)) {
            memcpy(a->files[i].sha256, a->digests.sha256, 32);
            a->files[i].size_bytes = a->bytes;
        } else if ((rc = hash_file(staged, name, &a->files[i], err)) != CUSTOS_OK) {
            goto fail;
        }
        if ((rc = custos_staging_add(st, name, final)) != CUSTOS_OK) {
            custos_error_copy(err, custos_staging_error(st));
            goto fail;
        }
    }

    if ((a->record_path = strdup(names.record)) == NULL) {
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        goto fail;
    }
    rc = custos__record_build(a, err);
    if (rc != CUSTOS_OK)
        goto fail;
    char rec_staged[8192];
    const char *rec_name = "record.json";
    snprintf(rec_staged, sizeof(rec_staged), "%s/%s", custos_staging_dir(st), rec_name);
    {
        int fd = open(rec_staged, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
        if (fd < 0 || custos__write_all(fd, a->record_json, strlen(a->record_json)) != 0) {
            rc = custos_error_set(err, CUSTOS_E_IO, errno, names.record, "cannot write record");
            if (fd >= 0)
                close(fd);
            goto fail;
        }
        close(fd);
    }
    if ((rc = custos_staging_add(st, rec_name, names.record)) != CUSTOS_OK ||
        (rc = custos_staging_publish(st)) != CUSTOS_OK) {
        custos_error_copy(err, custos_staging_error(st));
        goto fail;
    }
    custos__image_free(img);
    custos_staging_free(st);
    a->opt = NULL;
    *out = a;
    if (a->nbad != 0)
        return custos_error_set(err, CUSTOS_E_INCOMPLETE, 0, o->source,
                                "some sectors could not be read: zero-filled and mapped in %s",
                                a->record_path);
    if (a->stored_match == 0)
        return custos_error_set(err, CUSTOS_E_MISMATCH, 0, o->source,
                                "the digests stored in this E01 differ from what was read: the "
                                "source was altered or damaged (the copy and %s say what was "
                                "read)",
                                a->record_path);
    return CUSTOS_OK;

fail:
    free(p.windows);
    free(p.bad);
    custos__image_free(img);
    custos_staging_free(st);
    custos_source_free(src);
    custos_acquisition_free(a);
    return rc;
}

const struct custos_digest_result *
custos_acquisition_digests(const struct custos_acquisition *a)
{
    return &a->digests;
}

uint64_t
custos_acquisition_bytes(const struct custos_acquisition *a)
{
    return a->bytes;
}

uint32_t
custos_acquisition_sector_bytes(const struct custos_acquisition *a)
{
    return a->sector_bytes;
}

const struct custos_bad_range *
custos_acquisition_bad_ranges(const struct custos_acquisition *a, size_t *count)
{
    *count = a->nbad;
    return a->bad;
}

int
custos_acquisition_verified(const struct custos_acquisition *a)
{
    return a->verified;
}

const char *
custos_acquisition_record_path(const struct custos_acquisition *a)
{
    return a->record_path;
}

const char *const *
custos_acquisition_files(const struct custos_acquisition *a, size_t *count)
{
    *count = a->nfiles;
    return a->file_paths;
}

const char *
custos_acquisition_record_json(const struct custos_acquisition *a)
{
    return a->record_json;
}

double
custos_acquisition_seconds(const struct custos_acquisition *a)
{
    return a->seconds;
}

void
custos_acquisition_free(struct custos_acquisition *a)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->nfiles; i++)
        free(a->files[i].path);
    free(a->files);
    free(a->file_paths);
    free(a->windows);
    free(a->bad);
    free(a->source_path);
    free(a->record_path);
    free(a->record_json);
    free(a);
}

int
custos_acquisition_ledger_fields(const struct custos_acquisition *a, const char *item, char **json,
                                 struct custos_error *err)
{
    *json = NULL;
    if (item == NULL || item[0] == '\0')
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "the ledger entry needs the evidence item's id");
    /* The record is hashed as written: its bytes are a->record_json. */
    struct custos_digest *d = NULL;
    struct custos_digest_result rec;
    if (custos_digest_new(&d, CUSTOS_DIGEST_SHA256, err) != CUSTOS_OK)
        return err->status;
    custos_digest_update(d, a->record_json, strlen(a->record_json));
    custos_digest_final(d, &rec);
    custos_digest_free(d);
    char hex[CUSTOS_DIGEST_HEX_MAX], tool[64];
    const char *path = custos_acquisition_record_path(a);
    const char *slash = strrchr(path, '/');
    snprintf(tool, sizeof(tool), "custos-acquire %s", custos_version());
    custos_digest_hex(&rec, CUSTOS_DIGEST_SHA256, hex);
    json_t *j = json_object();
    json_object_set_new(j, "item", json_string(item));
    json_object_set_new(j, "record", json_string(slash != NULL ? slash + 1 : path));
    json_object_set_new(j, "record_sha256", json_string(hex));
    static const struct {
        unsigned alg;
        const char *field;
    } digests[] = {{CUSTOS_DIGEST_SHA256, "image_sha256"},
                   {CUSTOS_DIGEST_MD5, "md5"},
                   {CUSTOS_DIGEST_SHA1, "sha1"}};
    for (size_t i = 0; i < sizeof(digests) / sizeof(digests[0]); i++)
        if (custos_digest_hex(custos_acquisition_digests(a), digests[i].alg, hex) == CUSTOS_OK)
            json_object_set_new(j, digests[i].field, json_string(hex));
    json_object_set_new(j, "size", json_integer((json_int_t)custos_acquisition_bytes(a)));
    json_object_set_new(j, "tool", json_string(tool));
    *json = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (*json == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    return CUSTOS_OK;
}
