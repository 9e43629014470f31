/* SPDX-License-Identifier: ISC */
/*
 * acquire.c: an acquisition, orchestrated: check the options, plan the
 * output names, open the source, stage the image, one pass over the medium,
 * finish and verify the image, hash and publish its files and the record.
 *
 * The pass runs on the hashing ring (hashring.c), whose threads are, for one
 * acquisition:
 *   - the calling thread: the reader (read_slot: retries, then single
 *     sectors), 1 MiB slots, NSLOTS of them;
 *   - one lane thread per digest chosen (MD5, SHA-1, SHA-256) and, with
 *     windows, one more for the piecewise windows' SHA-256;
 *   - E01 only: one packer thread per core (pack_thread, at most 16), each
 *     taking whole slots and compressing their chunks (custos__packer);
 *   - one writer thread per image (write_thread; -o A -o B writes several
 *     from the one read), writing the slots in order, E01 once a slot is
 *     packed (E01 images share the packers: one sector size, one
 *     compression).
 * A slot is reused only when every lane and the writer are done with it, so
 * memory stays at NSLOTS * (SLOT_BYTES + packed buffers), whatever the
 * medium's size. The verification pass re-reads the staged image through
 * the same ring, with the lanes only.
 *
 * Invariants:
 *   1. The source is opened read-only (source.c); outputs are created only
 *      inside a staging directory and published by custos_staging_publish()
 *      after the image is finished, verified and its record written (and
 *      signed, with a key: stage_signature). Any
 *      failure, and an interruption, frees the staging directory: nothing
 *      that looks like a finished image is left. The exception: a raw run
 *      of one image, stopped by a signal or a failing medium or disk, keeps
 *      it with its journal for --resume (acquire_resume.c); a run of
 *      several images keeps no journal.
 *   2. Every consumer sees every slot, in order; the digests are therefore
 *      those of the byte stream written, zero-filled sectors included.
 *   3. A read error never silently loses data: the failed region is retried
 *      (opt->retries times), then re-read one sector at a time, uncached;
 *      only sectors that still fail are zero-filled, and each is recorded
 *      in the bad-range map (merged into ranges), in the E01 acquiry errors
 *      and in the record. A stream cannot be re-read, so there an error
 *      stops the run.
 *   4. The first failure anywhere (a read, a lane, a packer, the writer, a
 *      cancel) stops every thread at its next wait, and the run returns
 *      that status (hashring.c). The exception: with several images, a
 *      writer that fails gives up its image alone (writer_failed) while
 *      another writer stands; the image's copy says why, and it is neither
 *      verified nor published (acquire_outputs.c).
 */
#include "custos/acquire.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "acquire_private.h"
#include "acquire_resume_private.h"
#include "badsector_map_private.h"
#include "custos/atomicfile.h"
#include "custos/custos.h"
#include "custos/staging.h"
#include "fsutil_private.h"
#include "hashring_private.h"
#include "image_private.h"
#include "media_private.h"

#define SLOT_BYTES (1u << 20) /* a multiple of every sector and chunk size */
#define NSLOTS     16
#define ALIGN      CUSTOS__HASHRING_ALIGN /* O_DIRECT buffers */

/* The acquisition's consumer bits on the ring's slots: one writer per image. */
#define DONE_PACKED   CUSTOS__HASHRING_USER(0) /* not a consumer: EWF writers wait for it */
#define DONE_WRITE(i) CUSTOS__HASHRING_USER(1 + (i))

/* EWF: one slot's chunks, packed by a packer for the writer. */
struct packed {
    uint8_t *buf;       /* chunks_per_slot packed chunks, each packer_bound bytes */
    size_t *len;        /* per chunk */
    int *compressed;    /* per chunk */
    uint32_t *checksum; /* per chunk */
};

struct pass;

/* One image's writer thread: the output's, or a copy's. */
struct writer {
    struct pass *p;
    struct custos__copy *copy; /* its image, and where its failure goes */
    unsigned bit;              /* DONE_WRITE(i) */
};

struct pass {
    /* configuration */
    struct custos_source *src;
    const char *src_name;
    uint64_t total; /* 0 when unknown */
    uint32_t sector;
    unsigned retries;
    unsigned algs;                                     /* whole-medium digests */
    uint64_t window;                                   /* piecewise window bytes, 0 for none */
    struct writer writers[CUSTOS_ACQUIRE_MAX_OUTPUTS]; /* none when verifying */
    size_t nwriters;
    int live; /* writers not failed (atomic) */
    enum custos_compression compression;
    const struct custos_progress *progress;
    struct custos__resume *resume; /* the journal (acquire_resume.c); NULL: none */

    struct custos__hashring *ring;
    struct packed packed[NSLOTS]; /* by slot index */
    size_t chunk_bytes;
    size_t chunks_per_slot;
    uint8_t *sector_buf; /* the reader's, for single-sector re-reads */

    /* results */
    struct custos_digest_result digests;
    struct custos__window *windows;
    size_t nwindows;
    struct custos_bad_range *bad; /* the reader's */
    size_t nbad, capbad;
    unsigned retried;
    uint64_t bytes;
};

static void *
pack_thread(void *arg)
{
    struct pass *p = arg;
    struct custos__packer *pk = NULL;
    struct custos_error err;
    custos_error_clear(&err);
    if (custos__packer_new(&pk, p->compression, p->chunk_bytes, &err) != CUSTOS_OK) {
        custos__hashring_fail(p->ring, &err);
        return NULL;
    }
    size_t bound = custos__packer_bound(p->chunk_bytes);
    struct custos__hashring_slot *s;
    while ((s = custos__hashring_take(p->ring)) != NULL) {
        struct packed *k = &p->packed[s->index];
        for (size_t c = 0, off = 0; off < s->len; c++, off += p->chunk_bytes) {
            size_t n = s->len - off < p->chunk_bytes ? s->len - off : p->chunk_bytes;
            custos__packer_pack(pk, s->data + off, n, k->buf + c * bound, &k->len[c],
                                &k->compressed[c], &k->checksum[c]);
        }
        custos__hashring_done(p->ring, s, DONE_PACKED);
    }
    custos__packer_free(pk);
    return NULL;
}

/*
 * A writer's failure: with another image still written, this one is given up
 * (its copy says why) and the pass goes on; the last one stops the pass.
 */
static int
writer_failed(struct writer *w)
{
    custos__copy_fail(w->copy, custos__image_error(w->copy->img));
    if (__atomic_sub_fetch(&w->p->live, 1, __ATOMIC_SEQ_CST) > 0)
        return 0;
    custos__hashring_fail(w->p->ring, custos__image_error(w->copy->img));
    return -1;
}

static void *
write_thread(void *arg)
{
    struct writer *w = arg;
    struct pass *p = w->p;
    struct custos__image *img = w->copy->img;
    int ewf = custos__image_chunk_bytes(img) != 0, dead = 0;
    size_t bound = ewf ? custos__packer_bound(p->chunk_bytes) : 0;
    custos__hashring_yield(p->ring);
    for (uint64_t seq = 0;; seq++) {
        struct custos__hashring_slot *s =
            custos__hashring_wait(p->ring, seq, ewf ? DONE_PACKED : 0);
        if (s == NULL)
            return NULL;
        int rc = CUSTOS_OK;
        if (dead) {
            /* given up: let the slot go */
        } else if (!ewf) {
            /* Resuming (one image: no journal with several), the kept bytes are skipped. */
            rc = custos__resume_write(p->resume, img, s->seq * SLOT_BYTES, s->data, s->len, s->eof);
        } else {
            const struct packed *k = &p->packed[s->index];
            for (size_t c = 0, off = 0; rc == CUSTOS_OK && off < s->len;
                 c++, off += p->chunk_bytes) {
                size_t n = s->len - off < p->chunk_bytes ? s->len - off : p->chunk_bytes;
                /* Resuming, the chunks the taken-up E01 set holds are not written again. */
                int skip = custos__resume_ewf_skip(p->resume, img, s->seq * SLOT_BYTES + off);
                if (skip < 0)
                    rc = CUSTOS_E_IO;
                else if (!skip)
                    rc = custos__image_write_packed(img, k->buf + c * bound, k->len[c], n,
                                                    k->compressed[c], k->checksum[c]);
            }
        }
        if (rc != CUSTOS_OK) {
            dead = 1;
            if (writer_failed(w) != 0)
                return NULL;
        }
        int eof = s->eof;
        custos__hashring_done(p->ring, s, w->bit);
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

static int
add_bad_ctx(void *p, uint64_t sector)
{
    return add_bad(p, sector);
}

/* A medium that went away (unplugged) is not a medium of bad sectors: the run stops. */
static int
medium_gone(const struct pass *p)
{
    int e = custos_source_error(p->src)->sys_errno;
    return e == ENODEV || e == ENXIO || e == ENOMEDIUM;
}

/*
 * The ring's read function: reads len bytes at offset into buf, which is
 * ALIGN-aligned; on a read error retries, then narrows down to single
 * uncached sectors, zero-filling and mapping only those that still fail.
 * *got is short only at the end of the medium.
 */
static int
read_slot(void *ctx, uint64_t offset, uint8_t *buf, size_t len, size_t *got,
          struct custos_error *err)
{
    struct pass *p = ctx;
    int rc = CUSTOS_OK;
    unsigned retried = p->retried;
    for (unsigned attempt = 0; attempt <= p->retries; attempt++) {
        rc = custos_source_read(p->src, offset, buf, len, 0, got);
        if (rc == CUSTOS_OK)
            return p->retried == retried ? CUSTOS_OK
                                         : custos__resume_note_bad(p->resume, p->bad, p->nbad,
                                                                   p->retried, offset + *got, err);
        if (rc == CUSTOS_E_INTERRUPTED)
            return custos_error_copy(err, custos_source_error(p->src));
        if (rc != CUSTOS_E_IO && rc != CUSTOS_E_CORRUPT)
            break;
        if (attempt < p->retries)
            p->retried++;
    }
    const struct custos_source_info *info = custos_source_info(p->src);
    if (rc == CUSTOS_E_USAGE || info->kind == CUSTOS_SOURCE_STREAM || !info->size_known ||
        medium_gone(p))
        return custos_error_copy(err, custos_source_error(p->src));

    /* Narrow down: only sectors that fail on their own are lost. */
    size_t n = len, nbad = p->nbad;
    if (offset + n > info->size_bytes)
        n = (size_t)(info->size_bytes - offset);
    for (size_t off = 0; off < n; off += p->sector) {
        size_t want = n - off < p->sector ? n - off : p->sector;
        size_t g = 0;
        int ok = 0;
        for (unsigned attempt = 0; attempt <= p->retries && !ok; attempt++) {
            /* A partial last sector cannot be read uncached; read it buffered. */
            unsigned flags = want == p->sector ? CUSTOS_READ_UNCACHED : 0;
            ok = custos_source_read(p->src, offset + off, p->sector_buf, want, flags, &g) ==
                     CUSTOS_OK &&
                 g == want;
        }
        if (ok) {
            memcpy(buf + off, p->sector_buf, want);
        } else if (medium_gone(p)) {
            return custos_error_copy(err, custos_source_error(p->src));
        } else {
            memset(buf + off, 0, want);
            if (add_bad(p, (offset + off) / p->sector) != CUSTOS_OK)
                return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        }
    }
    *got = n;
    /* Journaled before the zeros reach the writer (acquire_resume.c, invariant 2); the
     * retries too, even when every sector came back, so a resumed record counts them. */
    return p->nbad == nbad && p->retried == retried
               ? CUSTOS_OK
               : custos__resume_note_bad(p->resume, p->bad, p->nbad, p->retried, offset + n, err);
}

static void
buffers_free(struct pass *p)
{
    for (int i = 0; i < NSLOTS; i++) {
        free(p->packed[i].buf);
        free(p->packed[i].len);
        free(p->packed[i].compressed);
        free(p->packed[i].checksum);
    }
    memset(p->packed, 0, sizeof(p->packed));
    free(p->sector_buf);
    p->sector_buf = NULL;
}

static int
buffers_alloc(struct pass *p)
{
    if (posix_memalign((void **)&p->sector_buf, ALIGN, ALIGN) != 0) {
        p->sector_buf = NULL;
        return CUSTOS_E_NOMEM;
    }
    for (int i = 0; p->chunk_bytes != 0 && i < NSLOTS; i++) {
        struct packed *k = &p->packed[i];
        size_t c = p->chunks_per_slot;
        k->buf = malloc(c * custos__packer_bound(p->chunk_bytes));
        k->len = calloc(c, sizeof(size_t));
        k->compressed = calloc(c, sizeof(int));
        k->checksum = calloc(c, sizeof(uint32_t));
        if (!k->buf || !k->len || !k->compressed || !k->checksum)
            return CUSTOS_E_NOMEM;
    }
    return CUSTOS_OK;
}

static long
cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 16 ? 16 : n;
}

/*
 * Runs one pass: reads the whole source through the ring (hashring.c),
 * hashing, and, with writers, packing and writing every image. Fills p's
 * results; returns the status.
 */
static int
run_pass(struct pass *p, struct custos_error *err)
{
    unsigned consumers = 0;
    p->live = (int)p->nwriters;
    for (size_t i = 0; i < p->nwriters; i++) {
        /* Every E01 has the same chunk size (one sector size): one packing serves all. */
        size_t chunk = custos__image_chunk_bytes(p->writers[i].copy->img);
        if (chunk != 0)
            p->chunk_bytes = chunk;
        consumers |= p->writers[i].bit;
    }
    p->chunks_per_slot = p->chunk_bytes ? SLOT_BYTES / p->chunk_bytes : 0;
    struct custos__hashring_config c = {
        .slot_bytes = SLOT_BYTES,
        .nslots = NSLOTS,
        .algs = p->algs,
        .window_bytes = p->window,
        .total = p->total,
        .total_known = p->total != 0,
        .read = p->resume ? custos__resume_read : read_slot,
        .read_ctx = p->resume ? (void *)p->resume : p,
        .progress = p->progress,
        .progress_total = p->total,
        .consumers = consumers,
    };
    int rc = custos__hashring_new(&p->ring, &c, err);
    if (rc != CUSTOS_OK)
        return rc;
    if (buffers_alloc(p) != CUSTOS_OK) {
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        goto out;
    }
    custos_source_set_progress(p->src, p->progress);
    if (p->resume)
        custos__resume_set_reader(p->resume,
                                  &(struct custos__resume_reader){read_slot, add_bad_ctx, p,
                                                                  p->sector, SLOT_BYTES, p->src});
    for (long i = 0; p->chunk_bytes != 0 && i < cores(); i++)
        custos__hashring_add_thread(p->ring, pack_thread, p);
    for (size_t i = 0; i < p->nwriters; i++)
        custos__hashring_add_thread(p->ring, write_thread, &p->writers[i]);
    rc = custos__hashring_run(p->ring, err);
    custos__hashring_digests(p->ring, &p->digests);
    p->windows = custos__hashring_take_windows(p->ring, &p->nwindows);
    p->bytes = custos__hashring_bytes(p->ring);
    if (rc == CUSTOS_OK && p->total != 0 && p->bytes != p->total)
        rc = custos_error_set(err, CUSTOS_E_IO, 0, p->src_name,
                              "medium ended after %llu of %llu bytes", (unsigned long long)p->bytes,
                              (unsigned long long)p->total);
out:
    buffers_free(p);
    custos__hashring_free(p->ring);
    p->ring = NULL;
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

static int
check_options(const struct custos_acquire_options *o, struct custos_error *err)
{
    const char *texts[] = {o->case_number, o->evidence_number, o->examiner,
                           o->description, o->notes,           o->authorisation};
    const char *names[] = {"case number", "evidence number", "examiner",
                           "description", "notes",           "authorisation reference"};
    for (int i = 0; i < 6; i++)
        if (texts[i] != NULL && !custos_utf8_valid(texts[i], strlen(texts[i])))
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

/*
 * Re-reads copy c's staged image (E01 through libewf) and compares every
 * digest; a failure is the copy's (err says why).
 */
static int
verify_image(struct custos_acquisition *a, struct custos__copy *c,
             const struct custos_progress *prog, struct custos_error *err)
{
    const char *first_file = custos__image_file(c->img, 0);
    char path[8192];
    snprintf(path, sizeof(path), "%s/%s", custos_staging_dir(c->st), first_file);
    struct custos_source *src;
    char cause[CUSTOS_ERROR_MESSAGE_MAX]; /* err->message, before err is rewritten */
    int rc = custos_source_open(&src, path, err);
    if (rc != CUSTOS_OK) {
        snprintf(cause, sizeof(cause), "%s", err->message);
        return custos_error_set(err, CUSTOS_E_MISMATCH, 0, c->names.first,
                                "verification: the written image cannot be opened: %s", cause);
    }
    struct pass p;
    pass_setup(&p, src, a->digests.algs);
    p.sector = a->sector_bytes;
    p.retries = 0;
    p.progress = prog;
    custos_progress_phase(prog, CUSTOS_PHASE_VERIFYING);
    double t0 = now_seconds();
    rc = run_pass(&p, err);
    c->verify_seconds = now_seconds() - t0;
    if (rc == CUSTOS_OK) {
        c->verify_digests = p.digests;
        if (p.nbad != 0)
            rc = custos_error_set(err, CUSTOS_E_MISMATCH, 0, c->names.first,
                                  "verification: %zu unreadable ranges in the written image",
                                  p.nbad);
        else if (p.bytes != a->bytes)
            rc = custos_error_set(err, CUSTOS_E_MISMATCH, 0, c->names.first,
                                  "verification: the written image holds %llu bytes, %llu were "
                                  "read",
                                  (unsigned long long)p.bytes, (unsigned long long)a->bytes);
        else if (!custos_digest_equal(&a->digests, &c->verify_digests))
            rc = custos_error_set(err, CUSTOS_E_MISMATCH, 0, c->names.first,
                                  "verification: the written image's digests differ from the "
                                  "source's");
        else
            c->verified = 1;
    } else if (rc != CUSTOS_E_INTERRUPTED && rc != CUSTOS_E_NOMEM) {
        snprintf(cause, sizeof(cause), "%s", err->message);
        rc = custos_error_set(err, CUSTOS_E_MISMATCH, 0, c->names.first,
                              "verification: the written image cannot be read back: %s", cause);
    }
    free(p.windows);
    free(p.bad);
    custos_source_free(src);
    return rc;
}

int
custos_acquire_check(const struct custos_acquire_options *o, struct custos_error *err)
{
    struct custos__copy *copies = NULL;
    size_t n = 0;
    struct stat sb;
    int rc = check_options(o, err);
    if (rc == CUSTOS_OK)
        rc = custos__outputs_plan(o, &copies, &n, err);
    for (size_t i = 0; i < n && rc == CUSTOS_OK; i++) {
        const char *dir = copies[i].names.dir;
        if (stat(dir, &sb) != 0)
            rc = custos_error_set(err, CUSTOS_E_IO, errno, dir,
                                  "the output directory cannot be used");
        else if (!S_ISDIR(sb.st_mode))
            rc = custos_error_set(err, CUSTOS_E_IO, ENOTDIR, dir,
                                  "the output directory cannot be used");
    }
    custos__outputs_free(copies, n);
    if (rc == CUSTOS_OK && strcmp(o->source, "-") != 0 && stat(o->source, &sb) != 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, o->source, "cannot open the source");
    return rc;
}

/* The sector size, and the checks that need the opened source (o: one image's options). */
static int
check_source(struct custos_acquisition *a, const struct custos_acquire_options *o,
             const struct custos_source_info *info, struct custos_error *err)
{
    a->sector_bytes = o->sector_bytes ? o->sector_bytes : info->logical_sector_bytes;
    if (o->window_bytes % a->sector_bytes != 0)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "the hash window must be a multiple of the sector size (%u)",
                                a->sector_bytes);
    if (o->format == CUSTOS_IMAGE_EWF && info->size_known &&
        info->size_bytes % a->sector_bytes != 0)
        return custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, o->source,
                                "%llu bytes is not a whole number of %u-byte sectors, and an E01 "
                                "holds whole sectors only; acquire it with -f raw",
                                (unsigned long long)info->size_bytes, a->sector_bytes);
    if (o->segment_bytes % a->sector_bytes != 0 && o->format == CUSTOS_IMAGE_RAW)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "the segment size must be a multiple of the sector size (%u)",
                                a->sector_bytes);
    return CUSTOS_OK;
}

/*
 * Finishes copy c's image with the digests and error map; a failure (the
 * last write, a full disk) is the copy's.
 */
static int
finish_image(struct custos_acquisition *a, struct custos__copy *c, struct custos_error *err)
{
    int rc = CUSTOS_OK;
    if (c->opt.format == CUSTOS_IMAGE_EWF && a->bytes % a->sector_bytes != 0)
        return custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, c->opt.source,
                                "the stream ended after %llu bytes, not a whole number of %u-byte "
                                "sectors, and an E01 holds whole sectors only; nothing was "
                                "published: acquire streams with -f raw",
                                (unsigned long long)a->bytes, a->sector_bytes);
    for (size_t i = 0; i < a->nbad && rc == CUSTOS_OK; i++)
        rc = custos__image_add_error(c->img, a->bad[i].first_sector, a->bad[i].sector_count);
    if (rc == CUSTOS_OK)
        rc = custos__image_finish(c->img, &a->digests);
    return rc != CUSTOS_OK ? custos_error_copy(err, custos__image_error(c->img)) : CUSTOS_OK;
}

/* With one image its failure is the run's (as before copies); with several, only the last. */
static int
copies_left(struct custos_acquisition *a, struct custos_error *err)
{
    if (custos__outputs_primary(a) != NULL)
        return CUSTOS_OK;
    return custos_error_copy(err, &a->copies[0].err);
}

/*
 * The acquisition's pass: reads src into every staged image at once, then
 * finishes each with its digests and error map. Fills a's digests,
 * windows, bad ranges and times. An image whose writing fails is given up
 * (its copy says why) while another stands.
 */
static int
image_pass(struct custos_acquisition *a, const struct custos_acquire_options *o,
           struct custos_source *src, const struct custos_progress *prog, struct custos_error *err)
{
    const struct custos_source_info *info = custos_source_info(src);
    struct pass p;
    pass_setup(&p, src, o->digests);
    p.sector = a->sector_bytes;
    p.retries = o->retries;
    p.window = o->window_bytes;
    for (size_t i = 0; i < a->ncopies; i++)
        p.writers[p.nwriters++] = (struct writer){&p, &a->copies[i], DONE_WRITE(i)};
    p.resume = a->resume;
    p.compression = o->compression;
    p.progress = prog;
    custos_progress_phase(prog, CUSTOS_PHASE_READING);
    double t0 = now_seconds();
    int rc = run_pass(&p, err);
    /* a owns the results from here, whatever happens. */
    a->digests = p.digests;
    a->bytes = p.bytes;
    a->windows = p.windows;
    a->nwindows = p.nwindows;
    a->bad = p.bad;
    a->nbad = p.nbad;
    a->read_retries_used = p.retried + custos__resume_retries_kept(a->resume);
    if (rc != CUSTOS_OK)
        return rc;
    a->stored_match = -1;
    /* Only digests both sides hold are compared: -d sha256 of an E01 storing MD5/SHA-1
     * was reported "altered" (exit 1). */
    if ((info->stored.algs & a->digests.algs) != 0)
        a->stored_match = custos_digest_equal(&info->stored, &a->digests);
    for (size_t i = 0; i < a->ncopies; i++) {
        struct custos_error e;
        if (a->copies[i].status == CUSTOS_OK && finish_image(a, &a->copies[i], &e) != CUSTOS_OK)
            custos__copy_fail(&a->copies[i], &e);
    }
    if ((rc = copies_left(a, err)) != CUSTOS_OK)
        return rc;
    a->seconds = now_seconds() - t0;
    custos__utc_now(a->finished, sizeof(a->finished));
    return CUSTOS_OK;
}

/*
 * Opens each image's staging directory and creates its writer. A failure here
 * is the run's: nothing has been read yet. Only a run of one image keeps a
 * journal and can be resumed (acquire_resume.c): with several, a->resume
 * stays NULL.
 */
static int
create_images(struct custos_acquisition *a, struct custos_source *src, struct custos_error *err)
{
    const struct custos_source_info *info = custos_source_info(src);
    custos__media_choose(a->opt->media_type, info, &a->media_type, &a->media_from);
    for (size_t i = 0; i < a->ncopies; i++) {
        struct custos__copy *c = &a->copies[i];
        int rc = check_source(a, &c->opt, info, err);
        if (rc == CUSTOS_OK && a->ncopies == 1)
            rc = custos__resume_staging(&a->resume, &c->opt, src, a->sector_bytes, SLOT_BYTES,
                                        c->names.dir, a->started, &c->st, err);
        else if (rc == CUSTOS_OK)
            rc = custos_staging_create(&c->st, c->names.dir, err);
        if (rc != CUSTOS_OK)
            return rc;
        c->setup = (struct custos__image_setup){
            .opt = &c->opt,
            .staging_dir = custos_staging_dir(c->st),
            .base_name = c->names.base,
            .media_bytes = info->size_known ? info->size_bytes : 0,
            .sector_bytes = a->sector_bytes,
            .model = info->model,
            .serial = info->serial,
            /* An E01 of a whole device stays one: its flags are carried over. */
            .physical = info->kind == CUSTOS_SOURCE_BLOCK ||
                        (info->kind == CUSTOS_SOURCE_EWF && info->media_physical),
            .media_type = a->media_type,
            .resume = custos__resume_resuming(a->resume),
            .ewf_staged = custos__resume_ewf(a->resume),
        };
        if ((rc = custos__image_create(&c->img, &c->setup, err)) != CUSTOS_OK)
            return rc;
    }
    return CUSTOS_OK;
}

/*
 * After the pass: verifies and stages each image still standing (a failure
 * is that image's), then builds the record from the first of them, the
 * primary, and publishes every image, then the records (acquire_outputs.c).
 */
static int
finish_copies(struct custos_acquisition *a, const struct custos_progress *prog,
              struct custos_error *err)
{
    for (size_t i = 0; i < a->ncopies; i++) {
        struct custos__copy *c = &a->copies[i];
        struct custos_error e;
        custos_error_clear(&e);
        if (c->status != CUSTOS_OK)
            continue;
        int rc = a->opt->verify ? verify_image(a, c, prog, &e) : CUSTOS_OK;
        if (rc == CUSTOS_OK)
            rc = custos__copy_stage_files(a, c, &e);
        if (rc == CUSTOS_OK)
            rc = custos__copy_open_record(c, &e);
        /* An interruption or no memory stops the run, not one copy. */
        if (rc == CUSTOS_E_INTERRUPTED || rc == CUSTOS_E_NOMEM)
            return custos_error_copy(err, &e);
        if (rc != CUSTOS_OK)
            custos__copy_fail(c, &e);
    }
    int rc = copies_left(a, err);
    if (rc != CUSTOS_OK)
        return rc;
    struct custos__copy *p = custos__outputs_primary(a);
    a->primary = p;
    a->files = p->files;
    a->nfiles = p->nfiles;
    a->verified = p->verified;
    a->verify_digests = p->verify_digests;
    a->verify_seconds = p->verify_seconds;
    /* Name the files over the unreadable ranges (badsector_map.c), then the record. */
    rc = custos__badmap_build(a, custos_staging_dir(p->st), err);
    if (rc == CUSTOS_OK)
        rc = custos__outputs_publish(a, err);
    if (rc == CUSTOS_OK || rc == CUSTOS_E_PARTIAL) {
        p = custos__outputs_primary(a);
        a->record_path = p->record_path;
        a->record_json = p->record_json;
        a->sig_path = p->sig_path;
    }
    return rc;
}

int
custos_acquire(const struct custos_acquire_options *o, const struct custos_progress *prog,
               struct custos_acquisition **out, struct custos_error *err)
{
    return custos__acquire_run(o, prog, NULL, out, err);
}

int
custos__acquire_run(const struct custos_acquire_options *o, const struct custos_progress *prog,
                    struct custos__resume *r, struct custos_acquisition **out,
                    struct custos_error *err)
{
    *out = NULL;
    struct custos_source *src = NULL;
    struct custos__copy *copies = NULL;
    size_t ncopies = 0;
    int rc = check_options(o, err);
    if (rc == CUSTOS_OK)
        rc = custos__outputs_plan(o, &copies, &ncopies, err);
    struct custos_acquisition *a = rc == CUSTOS_OK ? calloc(1, sizeof(*a)) : NULL;
    if (rc == CUSTOS_OK && a == NULL)
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    if (rc != CUSTOS_OK) {
        custos__outputs_free(copies, ncopies);
        custos__resume_free(r);
        return rc;
    }
    a->opt = o;
    a->copies = copies;
    a->ncopies = ncopies;
    a->resume = r;
    custos__utc_now(a->started, sizeof(a->started));
    if (custos__resume_resuming(r))
        snprintf(a->started, sizeof(a->started), "%s", custos__resume_started(r));

    if ((rc = custos_source_open(&src, o->source, err)) != CUSTOS_OK)
        goto fail;
    const struct custos_source_info *info = custos_source_info(src);
    if ((rc = create_images(a, src, err)) != CUSTOS_OK ||
        (rc = image_pass(a, o, src, prog, err)) != CUSTOS_OK)
        goto fail;

    /* Copy the source's identity before the source goes away. */
    a->source = *info;
    a->source_path = strdup(info->path);
    a->source.path = NULL;
    if (a->source_path == NULL) {
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < a->ncopies; i++)
        if (a->copies[i].status == CUSTOS_OK)
            custos__copy_drop_cache(&a->copies[i]);
    custos_source_free(src);
    src = NULL;

    rc = finish_copies(a, prog, err);
    if (rc != CUSTOS_OK && rc != CUSTOS_E_PARTIAL)
        goto fail;
    a->opt = NULL;
    *out = a;
    if (rc == CUSTOS_E_PARTIAL)
        return rc;
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
    /* One image, stopped on a signal or a failing medium or disk: kept for --resume. */
    if (a->resume != NULL && a->copies[0].st != NULL && custos__resume_stopped(a->resume, rc, err))
        custos__staging_keep(a->copies[0].st);
    custos_source_free(src);
    custos_acquisition_free(a);
    return rc;
}
