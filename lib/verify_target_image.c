/* SPDX-License-Identifier: ISC */
/*
 * verify_target_image.c: image targets: the files an acquisition record
 * lists, located by name in one directory (acquisition-record.md 6.7), and
 * the medium read through source.h: libewf checks every E01 chunk it
 * returns, and a damaged chunk fails the read, which is narrowed to the
 * chunk and reported as a damaged range, as ewfverify does.
 *
 * Every function here only records findings in the struct ritem and struct
 * extra slots; verify.c classifies them.
 */
#include "custos/verify.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "custos/source.h"
#include "fsutil_private.h"
#include "verify_private.h"

#define EWF_CHUNK (64u * 512u) /* the narrowing step after a failed medium read */

static int
add_bad(struct custos_verify *v, uint64_t offset, uint64_t length)
{
    if (v->nbad > 0 && v->bad[v->nbad - 1].offset + v->bad[v->nbad - 1].length == offset) {
        v->bad[v->nbad - 1].length += length;
        return CUSTOS_OK;
    }
    if (v->nbad == v->capbad) {
        size_t cap = v->capbad ? 2 * v->capbad : 8;
        void *p = realloc(v->bad, cap * sizeof(*v->bad));
        if (p == NULL)
            return custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        v->bad = p;
        v->capbad = cap;
    }
    v->bad[v->nbad].offset = offset;
    v->bad[v->nbad].length = length;
    v->nbad++;
    return CUSTOS_OK;
}

/*
 * Reads len bytes of the medium at offset into buf. A failed read is
 * narrowed to EWF_CHUNK pieces; pieces that still fail are zero-filled and
 * recorded as bad ranges (*damaged for a checksum error, *ioerr for a read
 * error).
 */
static int
read_medium(struct custos_verify *v, struct custos_source *s, uint64_t offset, uint8_t *buf,
            size_t len, int *damaged, int *ioerr)
{
    size_t got = 0;
    int rc = custos_source_read(s, offset, buf, len, 0, &got);
    if (rc == CUSTOS_OK && got == len)
        return CUSTOS_OK;
    if (rc == CUSTOS_OK)
        return custos_error_set(&v->err, CUSTOS_E_CORRUPT, 0, NULL,
                                "the medium ends before its recorded size");
    if (rc != CUSTOS_E_CORRUPT && rc != CUSTOS_E_IO)
        return custos_error_copy(&v->err, custos_source_error(s));
    for (size_t at = 0; at < len; at += EWF_CHUNK) {
        size_t n = len - at < EWF_CHUNK ? len - at : EWF_CHUNK;
        int r2 = custos_source_read(s, offset + at, buf + at, n, 0, &got);
        if (r2 == CUSTOS_OK && got == n)
            continue;
        memset(buf + at, 0, n);
        if (r2 == CUSTOS_E_CORRUPT)
            *damaged = 1;
        else
            *ioerr = 1;
        if ((rc = add_bad(v, offset + at, n)) != CUSTOS_OK)
            return rc;
    }
    return CUSTOS_OK;
}

static int
overlaps_bad(const struct custos_verify *v, uint64_t off, uint64_t len, uint64_t *at)
{
    for (size_t i = 0; i < v->nbad; i++)
        if (v->bad[i].offset < off + len && off < v->bad[i].offset + v->bad[i].length) {
            *at = v->bad[i].offset;
            return 1;
        }
    return 0;
}

/*
 * The full pass over the medium: this thread reads (an E01's chunks are
 * inflated and checked on every core, ewf_read.c) into a ring of PIPE_SLOTS
 * blocks; one lane thread per digest of the medium, and one for the
 * windows' SHA-256, hash every block. A slot is refilled only once every
 * lane is done with it. Blocks never cross a window boundary, so the window
 * lane closes a window exactly at the end of a block. MD5, the slowest
 * digest, bounds the pass: every other lane yields to it. Only the window
 * lane touches the window items during the pass.
 */
#define PIPE_SLOTS 8
#define PIPE_BYTES (4u << 20) /* a block: fewer hand-offs between the threads */
#define MAX_LANES  4

struct pipe;

struct lane {
    struct pipe *p;
    unsigned idx;
    struct custos_digest *d;  /* this lane's digest of the medium, or NULL */
    struct custos_digest *wd; /* the windows' SHA-256, or NULL */
    int yield;
};

struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint8_t *buf[PIPE_SLOTS];
    size_t len[PIPE_SLOTS];
    size_t window[PIPE_SLOTS]; /* index of the window item a block ends, or SIZE_MAX */
    uint64_t head;             /* blocks produced */
    uint64_t tail[MAX_LANES];  /* blocks each lane has hashed */
    unsigned nlanes;
    int stop;
    struct custos_verify *v;
};

static void
close_window(struct ritem *w, struct custos_digest *wd)
{
    custos_digest_final(wd, &w->got);
    custos_digest_reset(wd);
    w->checked = 1;
    if (!custos_digest_equal(&w->ref, &w->got)) {
        w->differs = 1;
        custos__verify_set_detail(w, "content differs");
    }
}

static void *
lane_main(void *arg)
{
    struct lane *l = arg;
    struct pipe *p = l->p;
    if (l->yield)
        custos__thread_yield();
    for (uint64_t seq = 0;; seq++) {
        pthread_mutex_lock(&p->mu);
        while (seq == p->head && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        if (seq == p->head) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        pthread_mutex_unlock(&p->mu);
        size_t k = (size_t)(seq % PIPE_SLOTS);
        if (l->d != NULL)
            custos_digest_update(l->d, p->buf[k], p->len[k]);
        if (l->wd != NULL) {
            custos_digest_update(l->wd, p->buf[k], p->len[k]);
            if (p->window[k] != SIZE_MAX)
                close_window(&p->v->items[p->window[k]], l->wd);
        }
        pthread_mutex_lock(&p->mu);
        p->tail[l->idx] = seq + 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
}

/* Blocks every lane has hashed; with mu held. */
static uint64_t
pipe_done(const struct pipe *p)
{
    uint64_t t = p->head;
    for (unsigned i = 0; i < p->nlanes; i++)
        if (p->tail[i] < t)
            t = p->tail[i];
    return t;
}

static int
medium_pass(struct custos_verify *v, struct custos_source *s, struct ritem *medium,
            struct reader *r, int *damaged, int *ioerr)
{
    struct pipe p;
    memset(&p, 0, sizeof(p));
    p.v = v;
    struct lane lanes[MAX_LANES];
    memset(lanes, 0, sizeof(lanes));
    int rc = CUSTOS_OK;
    static const unsigned order[] = {CUSTOS_DIGEST_MD5, CUSTOS_DIGEST_SHA1, CUSTOS_DIGEST_SHA256};
    for (size_t i = 0; i < 3 && rc == CUSTOS_OK; i++)
        if (v->algs & order[i]) {
            struct lane *l = &lanes[p.nlanes++];
            l->yield = order[i] != CUSTOS_DIGEST_MD5 && (v->algs & CUSTOS_DIGEST_MD5);
            rc = custos_digest_new(&l->d, order[i], &v->err);
        }
    /* A window over the whole medium is the medium's SHA-256, which a lane
     * computes anyway: hashing every byte twice would be waste. */
    struct ritem *whole = NULL;
    size_t nwin = 0;
    for (size_t i = 0; i < v->nitems; i++)
        if (v->items[i].kind == RITEM_WINDOW) {
            nwin++;
            if (v->items[i].offset == 0 && v->items[i].size == medium->size)
                whole = &v->items[i];
        }
    if (nwin != 1 || !(v->algs & CUSTOS_DIGEST_SHA256))
        whole = NULL;
    if (rc == CUSTOS_OK && nwin > 0 && whole == NULL) {
        struct lane *l = &lanes[p.nlanes++];
        l->yield = (v->algs & CUSTOS_DIGEST_MD5) != 0;
        rc = custos_digest_new(&l->wd, CUSTOS_DIGEST_SHA256, &v->err);
    }
    for (size_t k = 0; rc == CUSTOS_OK && k < PIPE_SLOTS; k++)
        if ((p.buf[k] = malloc(PIPE_BYTES)) == NULL)
            rc = custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    pthread_t th[MAX_LANES];
    unsigned started = 0;
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    for (unsigned i = 0; rc == CUSTOS_OK && i < p.nlanes; i++) {
        lanes[i].p = &p;
        lanes[i].idx = i;
        if (pthread_create(&th[i], NULL, lane_main, &lanes[i]) != 0)
            rc = custos_error_set(&v->err, CUSTOS_E_IO, errno, NULL, "cannot start a thread");
        else
            started++;
    }
    size_t wi = 0;
    while (wi < v->nitems && v->items[wi].kind != RITEM_WINDOW)
        wi++;
    uint64_t off = 0;
    while (rc == CUSTOS_OK && off < medium->size) {
        size_t n = medium->size - off < PIPE_BYTES ? (size_t)(medium->size - off) : PIPE_BYTES;
        size_t ends = SIZE_MAX;
        if (wi < v->nitems && v->items[wi].kind == RITEM_WINDOW) {
            struct ritem *w = &v->items[wi];
            if (w->offset + w->size - off <= n) {
                n = (size_t)(w->offset + w->size - off);
                ends = wi++;
            }
        }
        pthread_mutex_lock(&p.mu);
        while (p.head - pipe_done(&p) == PIPE_SLOTS)
            pthread_cond_wait(&p.cv, &p.mu);
        pthread_mutex_unlock(&p.mu);
        size_t k = (size_t)(p.head % PIPE_SLOTS);
        if ((rc = read_medium(v, s, off, p.buf[k], n, damaged, ioerr)) != CUSTOS_OK)
            break;
        p.len[k] = n;
        p.window[k] = ends;
        pthread_mutex_lock(&p.mu);
        p.head++;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
        off += n;
        rc = custos__verify_advance(r, n);
    }
    pthread_mutex_lock(&p.mu);
    p.stop = 1;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
    for (unsigned i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    if (rc == CUSTOS_OK) {
        memset(&medium->got, 0, sizeof(medium->got));
        for (unsigned i = 0; i < p.nlanes; i++) {
            struct custos_digest_result one;
            if (lanes[i].d == NULL)
                continue;
            custos_digest_final(lanes[i].d, &one);
            if (one.algs & CUSTOS_DIGEST_MD5)
                memcpy(medium->got.md5, one.md5, sizeof(one.md5));
            if (one.algs & CUSTOS_DIGEST_SHA1)
                memcpy(medium->got.sha1, one.sha1, sizeof(one.sha1));
            if (one.algs & CUSTOS_DIGEST_SHA256)
                memcpy(medium->got.sha256, one.sha256, sizeof(one.sha256));
            medium->got.algs |= one.algs;
        }
        medium->checked = 1;
        if (!custos_digest_equal(&medium->ref, &medium->got)) {
            medium->differs = 1;
            custos__verify_set_detail(medium, "content differs");
        }
        if (whole != NULL) {
            memset(&whole->got, 0, sizeof(whole->got));
            memcpy(whole->got.sha256, medium->got.sha256, sizeof(medium->got.sha256));
            whole->got.algs = CUSTOS_DIGEST_SHA256;
            whole->checked = 1;
            if (!custos_digest_equal(&whole->ref, &whole->got)) {
                whole->differs = 1;
                custos__verify_set_detail(whole, "content differs");
            }
        }
    }
    for (size_t k = 0; k < PIPE_SLOTS; k++)
        free(p.buf[k]);
    for (unsigned i = 0; i < p.nlanes; i++) {
        custos_digest_free(lanes[i].d);
        custos_digest_free(lanes[i].wd);
    }
    return rc;
}

/*
 * The image files' own SHA-256 (each segment as published) is computed on a
 * thread of its own while the medium pass runs: it reads other files, and
 * fills the time the pass leaves a core idle. Its reader reports no
 * progress; its bytes are counted after the join.
 */
struct files_job {
    struct custos_verify *v;
    const char *dir;
    struct reader r;
    int rc;
    atomic_int stop;
};

static void *
hash_image_files(void *arg)
{
    struct files_job *j = arg;
    struct custos_verify *v = j->v;
    char path[8192];
    custos__thread_yield();
    for (size_t i = 0; i < v->nitems && j->rc == CUSTOS_OK; i++) {
        struct ritem *it = &v->items[i];
        if (it->kind != RITEM_IMGFILE || !it->found || !it->selected)
            continue;
        snprintf(path, sizeof(path), "%s/%s", j->dir, it->name);
        struct custos_digest_result got;
        uint64_t n;
        char *why;
        int h = custos__verify_hash_file(&j->r, path, &got, &n, &why);
        j->rc = custos__verify_settle(it, h, &got, why);
    }
    return NULL;
}

int
custos__verify_image(struct custos_verify *v, const char *dir, const struct custos_progress *p)
{
    /* The reader's digest serves the image files and the windows, which
     * the record gives as SHA-256 only; the medium pass has its own. */
    struct reader r;
    int rc = custos__verify_reader_init(&r, v, CUSTOS_DIGEST_SHA256, p);
    if (rc != CUSTOS_OK) {
        custos__verify_reader_free(&r);
        return rc;
    }
    snprintf(v->target_format, sizeof(v->target_format), "%s",
             v->img_format ? v->img_format : "raw");
    struct ritem *medium = NULL;
    char path[8192];
    for (size_t i = 0; i < v->nitems; i++) {
        struct ritem *it = &v->items[i];
        if (it->kind == RITEM_MEDIUM)
            medium = it;
        if (it->kind != RITEM_IMGFILE)
            continue;
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, it->name);
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            it->found = 1;
            it->found_size = (uint64_t)st.st_size;
        }
    }
    /* Totals for the progress line: selected windows, the medium, the image files. */
    for (size_t i = 0; i < v->nitems; i++) {
        struct ritem *it = &v->items[i];
        if (it->selected && (it->kind != RITEM_WINDOW || !medium->selected))
            r.total += it->size;
    }
    struct files_job fj = {.v = v, .dir = dir, .rc = CUSTOS_OK};
    pthread_t files_thread;
    int files_started = 0;
    if ((rc = custos__verify_reader_init(&fj.r, v, CUSTOS_DIGEST_SHA256, NULL)) != CUSTOS_OK) {
        custos__verify_reader_free(&fj.r);
        custos__verify_reader_free(&r);
        return rc;
    }
    fj.r.detached = 1;
    atomic_init(&fj.stop, 0);
    fj.r.stop = &fj.stop;
    files_started = pthread_create(&files_thread, NULL, hash_image_files, &fj) == 0;
    struct custos_source *s = NULL;
    snprintf(path, sizeof(path), "%s/%s", dir, v->img_names[0]);
    struct custos_error serr;
    int orc = custos_source_open(&s, path, &serr);
    if (orc != CUSTOS_OK) {
        if (orc == CUSTOS_E_CORRUPT) {
            v->container_corrupt = 1;
            snprintf(v->container_detail, sizeof(v->container_detail), "%.500s", serr.message);
        }
        if (orc == CUSTOS_E_NOMEM) {
            rc = custos_error_copy(&v->err, &serr);
            goto out;
        }
        for (size_t i = 0; i < v->nitems; i++)
            if (v->items[i].kind == RITEM_MEDIUM || v->items[i].kind == RITEM_WINDOW) {
                v->items[i].unreadable = 1;
                custos__verify_set_detail(&v->items[i], "%s", serr.message);
            }
    } else {
        const struct custos_source_info *info = custos_source_info(s);
        uint32_t listed = (uint32_t)v->nimg;
        for (uint32_t k = listed; k < info->segment_count; k++) {
            char name[4200];
            struct extra *x;
            snprintf(name, sizeof(name), "%s: segment %u of the set (not in the record)",
                     v->img_names[0], k + 1);
            if ((rc = custos__verify_add_extra(v, name, 0, &x)) != CUSTOS_OK)
                goto out;
        }
        medium->found = 1;
        medium->found_size = info->size_bytes;
        if (info->stored.algs != 0) {
            v->stored = info->stored;
            if (!custos_digest_equal(&info->stored, &medium->ref)) {
                medium->differs = 1;
                custos__verify_set_detail(medium, "the E01 stores other digests than the record");
            }
        }
        for (size_t i = 0; i < v->nitems; i++) {
            struct ritem *it = &v->items[i];
            if (it->kind == RITEM_WINDOW)
                it->found = it->offset + it->size <= info->size_bytes;
            if (it->kind == RITEM_WINDOW) {
                it->found_size = it->found ? it->size : 0;
            }
        }
        int damaged = 0, ioerr = 0;
        if (medium->selected && medium->found_size == medium->size) {
            if ((rc = medium_pass(v, s, medium, &r, &damaged, &ioerr)) != CUSTOS_OK)
                goto out;
            /* Only digests computed can be compared (the record's check
             * above covers the others). */
            if (info->stored.algs & medium->got.algs)
                v->stored_match = custos_digest_equal(&info->stored, &medium->got);
        } else {
            for (size_t i = 0; i < v->nitems && rc == CUSTOS_OK; i++) {
                struct ritem *w = &v->items[i];
                if (w->kind != RITEM_WINDOW || !w->selected || !w->found)
                    continue;
                custos_digest_reset(r.d);
                for (uint64_t off = 0; off < w->size && rc == CUSTOS_OK;) {
                    size_t n = w->size - off < READ_BYTES ? (size_t)(w->size - off) : READ_BYTES;
                    rc = read_medium(v, s, w->offset + off, r.buf, n, &damaged, &ioerr);
                    if (rc == CUSTOS_OK) {
                        custos_digest_update(r.d, r.buf, n);
                        off += n;
                        rc = custos__verify_advance(&r, n);
                    }
                }
                if (rc != CUSTOS_OK)
                    goto out;
                struct custos_digest_result got;
                custos_digest_final(r.d, &got);
                w->checked = 1;
                w->got = got;
                if (!custos_digest_equal(&w->ref, &got)) {
                    w->differs = 1;
                    custos__verify_set_detail(w, "content differs");
                }
            }
        }
        if (damaged) {
            v->container_corrupt = 1;
            snprintf(
                v->container_detail, sizeof(v->container_detail),
                "%.300s: %zu damaged range(s) in the E01 (chunk checksum errors), the first at "
                "byte %llu",
                path, v->nbad, (unsigned long long)v->bad[0].offset);
        }
        for (size_t i = 0; i < v->nitems; i++) {
            struct ritem *it = &v->items[i];
            uint64_t at;
            if ((it->kind == RITEM_MEDIUM || it->kind == RITEM_WINDOW) && it->checked &&
                overlaps_bad(v, it->offset, it->size, &at)) {
                it->unreadable = 1;
                free(it->detail);
                it->detail = NULL;
                custos__verify_set_detail(it, "%s at byte %llu (read as zeros)",
                                          damaged ? "damaged chunk" : "read error",
                                          (unsigned long long)at);
            }
        }
    }
out:
    /* The image files themselves, as published; a run that stopped early
     * (interrupted, out of memory) stops their thread too. */
    if (rc != CUSTOS_OK)
        atomic_store(&fj.stop, 1);
    if (files_started)
        pthread_join(files_thread, NULL);
    else
        hash_image_files(&fj);
    v->bytes_read += fj.r.done;
    if (rc == CUSTOS_OK && fj.rc != CUSTOS_OK)
        rc = fj.rc;
    if (rc == CUSTOS_OK) /* the files thread looks for no cancel of its own */
        rc = custos__verify_advance(&r, 0);
    r.done += fj.r.done;
    custos_progress_update(p, r.done, r.total);
    custos_source_free(s);
    custos__verify_reader_free(&fj.r);
    custos__verify_reader_free(&r);
    return rc;
}
