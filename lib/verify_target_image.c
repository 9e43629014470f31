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
#include "hashring_private.h"
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
 * The full pass over the medium runs on the hashing ring (hashring.c): this
 * thread reads (an E01's chunks are inflated and checked on every core,
 * ewf_read.c) into PIPE_SLOTS blocks of PIPE_BYTES; one lane thread per
 * digest of the medium and one for the windows' SHA-256 hash every block,
 * MD5 first. The windows the ring closes are compared with the record's
 * once the pass is over.
 */
#define PIPE_SLOTS 8
#define PIPE_BYTES (4u << 20) /* a block: fewer hand-offs between the threads */

struct medium_read {
    struct custos_verify *v;
    struct custos_source *s;
    int *damaged, *ioerr;
    struct ritem *win; /* the record's windows, contiguous from byte 0 */
    size_t nwin;
};

/* The ring's read function: read_medium, which never returns short. */
static int
ring_read(void *ctx, uint64_t offset, uint8_t *buf, size_t want, size_t *got,
          struct custos_error *err)
{
    struct medium_read *m = ctx;
    if (read_medium(m->v, m->s, offset, buf, want, m->damaged, m->ioerr) != CUSTOS_OK)
        return custos_error_copy(err, &m->v->err);
    *got = want;
    return CUSTOS_OK;
}

/* The ring's window lengths: the record's windows. */
static uint64_t
ring_window(void *ctx, size_t i)
{
    const struct medium_read *m = ctx;
    return i < m->nwin ? m->win[i].size : CUSTOS__HASHRING_NO_WINDOW;
}

static void
compare(struct ritem *it)
{
    it->checked = 1;
    if (!custos_digest_equal(&it->ref, &it->got)) {
        it->differs = 1;
        custos__verify_set_detail(it, "content differs");
    }
}

static int
medium_pass(struct custos_verify *v, struct custos_source *s, struct ritem *medium,
            struct reader *r, int *damaged, int *ioerr)
{
    struct medium_read m = {.v = v, .s = s, .damaged = damaged, .ioerr = ioerr};
    size_t wi = 0;
    while (wi < v->nitems && v->items[wi].kind != RITEM_WINDOW)
        wi++;
    m.win = v->items + wi;
    while (wi + m.nwin < v->nitems && m.win[m.nwin].kind == RITEM_WINDOW)
        m.nwin++;
    struct custos__hashring_config c = {
        .slot_bytes = PIPE_BYTES,
        .nslots = PIPE_SLOTS,
        .algs = v->algs,
        .window_length = ring_window,
        .window_ctx = &m,
        .total = medium->size,
        .total_known = 1,
        .read = ring_read,
        .read_ctx = &m,
        .progress = r->p,
        .progress_total = r->total,
    };
    struct custos__hashring *ring;
    int rc = custos__hashring_new(&ring, &c, &v->err);
    if (rc != CUSTOS_OK)
        return rc;
    struct custos_error e;
    custos_error_clear(&e);
    rc = custos__hashring_run(ring, &e);
    r->done += custos__hashring_bytes(ring);
    v->bytes_read += custos__hashring_bytes(ring);
    if (rc != CUSTOS_OK) {
        custos_error_copy(&v->err, &e);
        custos__hashring_free(ring);
        return rc;
    }
    custos__hashring_digests(ring, &medium->got);
    compare(medium);
    /* A window the stream ended inside of is shorter than the record's: unchecked. */
    size_t n;
    const struct custos__window *w = custos__hashring_windows(ring, &n);
    for (size_t i = 0; i < n && i < m.nwin; i++) {
        struct ritem *it = &m.win[i];
        if (w[i].offset != it->offset || w[i].length != it->size)
            continue;
        memset(&it->got, 0, sizeof(it->got));
        memcpy(it->got.sha256, w[i].sha256, sizeof(it->got.sha256));
        it->got.algs = CUSTOS_DIGEST_SHA256;
        compare(it);
    }
    custos__hashring_free(ring);
    return CUSTOS_OK;
}

/* Without a pass over the whole medium: each selected window read and hashed alone. */
static int
windows_alone(struct custos_verify *v, struct custos_source *s, struct reader *r, int *damaged,
              int *ioerr)
{
    int rc = CUSTOS_OK;
    for (size_t i = 0; i < v->nitems && rc == CUSTOS_OK; i++) {
        struct ritem *w = &v->items[i];
        if (w->kind != RITEM_WINDOW || !w->selected || !w->found)
            continue;
        custos_digest_reset(r->d);
        for (uint64_t off = 0; off < w->size && rc == CUSTOS_OK;) {
            size_t n = w->size - off < READ_BYTES ? (size_t)(w->size - off) : READ_BYTES;
            rc = read_medium(v, s, w->offset + off, r->buf, n, damaged, ioerr);
            if (rc == CUSTOS_OK) {
                custos_digest_update(r->d, r->buf, n);
                off += n;
                rc = custos__verify_advance(r, n);
            }
        }
        if (rc != CUSTOS_OK)
            return rc;
        struct custos_digest_result got;
        custos_digest_final(r->d, &got);
        w->checked = 1;
        w->got = got;
        if (!custos_digest_equal(&w->ref, &got)) {
            w->differs = 1;
            custos__verify_set_detail(w, "content differs");
        }
    }
    return rc;
}

/*
 * The opened medium against the record: segments the record does not list,
 * the E01's stored digests, which windows it holds, then the medium pass
 * (or the windows alone), and every item that read damaged data.
 */
static int
check_medium(struct custos_verify *v, struct custos_source *s, struct ritem *medium,
             struct reader *r, const char *path)
{
    int rc = CUSTOS_OK;
    const struct custos_source_info *info = custos_source_info(s);
    uint32_t listed = (uint32_t)v->nimg;
    for (uint32_t k = listed; k < info->segment_count; k++) {
        char name[4200];
        struct extra *x;
        snprintf(name, sizeof(name), "%s: segment %u of the set (not in the record)",
                 v->img_names[0], k + 1);
        if ((rc = custos__verify_add_extra(v, name, 0, &x)) != CUSTOS_OK)
            return rc;
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
        if ((rc = medium_pass(v, s, medium, r, &damaged, &ioerr)) != CUSTOS_OK)
            return rc;
        /* Only digests computed can be compared (the record's check
         * above covers the others). */
        if (info->stored.algs & medium->got.algs)
            v->stored_match = custos_digest_equal(&info->stored, &medium->got);
    } else if ((rc = windows_alone(v, s, r, &damaged, &ioerr)) != CUSTOS_OK) {
        return rc;
    }
    if (damaged) {
        v->container_corrupt = 1;
        snprintf(v->container_detail, sizeof(v->container_detail),
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
        rc = check_medium(v, s, medium, &r, path);
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
