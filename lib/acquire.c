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
 *   - one writer thread (write_thread), writing the slots in order, E01
 *     once a slot is packed.
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
 *      that looks like a finished image is left.
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
 *      that status (hashring.c).
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

#define SLOT_BYTES (1u << 20) /* a multiple of every sector and chunk size */
#define NSLOTS     16
#define ALIGN      CUSTOS__HASHRING_ALIGN /* O_DIRECT buffers */

/* The acquisition's consumer bits on the ring's slots. */
#define DONE_WRITE  CUSTOS__HASHRING_USER(0)
#define DONE_PACKED CUSTOS__HASHRING_USER(1) /* not a consumer: the writer waits for it */

/* EWF: one slot's chunks, packed by a packer for the writer. */
struct packed {
    uint8_t *buf;       /* chunks_per_slot packed chunks, each packer_bound bytes */
    size_t *len;        /* per chunk */
    int *compressed;    /* per chunk */
    uint32_t *checksum; /* per chunk */
};

struct pass {
    /* configuration */
    struct custos_source *src;
    const char *src_name;
    uint64_t total; /* 0 when unknown */
    uint32_t sector;
    unsigned retries;
    unsigned algs;   /* whole-medium digests */
    uint64_t window; /* piecewise window bytes, 0 for none */
    struct custos__image *img;
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

static void *
write_thread(void *arg)
{
    struct pass *p = arg;
    int ewf = p->chunk_bytes != 0;
    size_t bound = ewf ? custos__packer_bound(p->chunk_bytes) : 0;
    custos__hashring_yield(p->ring);
    for (uint64_t seq = 0;; seq++) {
        struct custos__hashring_slot *s =
            custos__hashring_wait(p->ring, seq, ewf ? DONE_PACKED : 0);
        if (s == NULL)
            return NULL;
        int rc = CUSTOS_OK;
        if (!ewf) {
            rc = custos__resume_write(p->resume, p->img, s->seq * SLOT_BYTES, s->data, s->len,
                                      s->eof);
        } else {
            const struct packed *k = &p->packed[s->index];
            for (size_t c = 0, off = 0; rc == CUSTOS_OK && off < s->len;
                 c++, off += p->chunk_bytes) {
                size_t n = s->len - off < p->chunk_bytes ? s->len - off : p->chunk_bytes;
                rc = custos__image_write_packed(p->img, k->buf + c * bound, k->len[c], n,
                                                k->compressed[c], k->checksum[c]);
            }
        }
        if (rc != CUSTOS_OK) {
            custos__hashring_fail(p->ring, custos__image_error(p->img));
            return NULL;
        }
        int eof = s->eof;
        custos__hashring_done(p->ring, s, DONE_WRITE);
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
    /* Journaled before the zeros reach the writer (acquire_resume.c, invariant 2). */
    return p->nbad == nbad
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
 * hashing, and, when p->img is set, packing and writing. Fills p's
 * results; returns the status.
 */
static int
run_pass(struct pass *p, struct custos_error *err)
{
    if (p->img != NULL) {
        p->chunk_bytes = custos__image_chunk_bytes(p->img);
        p->chunks_per_slot = p->chunk_bytes ? SLOT_BYTES / p->chunk_bytes : 0;
    }
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
        .consumers = p->img != NULL ? DONE_WRITE : 0,
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
    for (long i = 0; p->img != NULL && p->chunk_bytes != 0 && i < cores(); i++)
        custos__hashring_add_thread(p->ring, pack_thread, p);
    if (p->img != NULL)
        custos__hashring_add_thread(p->ring, write_thread, p);
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
    char sig[8200]; /* record CUSTOS_RECORD_SIG_SUFFIX */
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
    snprintf(n->sig, sizeof(n->sig), "%s" CUSTOS_RECORD_SIG_SUFFIX, n->record);
    int rc = custos__refuse_existing(n->first, err);
    if (rc == CUSTOS_OK)
        rc = custos__refuse_existing(n->record, err);
    /* Signing or not: an old signature beside a new record would mislead. */
    if (rc == CUSTOS_OK)
        rc = custos__refuse_existing(n->sig, err);
    return rc;
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
    custos_progress_phase(prog, CUSTOS_PHASE_VERIFYING);
    double t0 = now_seconds();
    rc = run_pass(&p, err);
    a->verify_seconds = now_seconds() - t0;
    if (rc == CUSTOS_OK) {
        a->verify_digests = p.digests;
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

/* The sector size, and the checks that need the opened source. */
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
 * The acquisition's pass: reads src into the staged image img, then
 * finishes the image with its digests and error map. Fills a's digests,
 * windows, bad ranges and times.
 */
static int
image_pass(struct custos_acquisition *a, const struct custos_acquire_options *o,
           struct custos_source *src, struct custos__image *img, const struct custos_progress *prog,
           struct custos_error *err)
{
    const struct custos_source_info *info = custos_source_info(src);
    struct pass p;
    pass_setup(&p, src, o->digests);
    p.sector = a->sector_bytes;
    p.retries = o->retries;
    p.window = o->window_bytes;
    p.img = img;
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
    if (o->format == CUSTOS_IMAGE_EWF && a->bytes % a->sector_bytes != 0)
        return custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, o->source,
                                "the stream ended after %llu bytes, not a whole number of %u-byte "
                                "sectors, and an E01 holds whole sectors only; nothing was "
                                "published: acquire streams with -f raw",
                                (unsigned long long)a->bytes, a->sector_bytes);
    a->stored_match = -1;
    /* Only digests both sides hold are compared: -d sha256 of an E01 storing MD5/SHA-1
     * was reported "altered" (exit 1). */
    if ((info->stored.algs & a->digests.algs) != 0)
        a->stored_match = custos_digest_equal(&info->stored, &a->digests);
    for (size_t i = 0; i < a->nbad && rc == CUSTOS_OK; i++)
        rc = custos__image_add_error(img, a->bad[i].first_sector, a->bad[i].sector_count);
    if (rc == CUSTOS_OK)
        rc = custos__image_finish(img, &a->digests);
    if (rc != CUSTOS_OK)
        return custos_error_copy(err, custos__image_error(img));
    a->seconds = now_seconds() - t0;
    custos__utc_now(a->finished, sizeof(a->finished));
    return CUSTOS_OK;
}

/*
 * Records each staged image file's final path, size and SHA-256 in a, and
 * adds it to the files st publishes.
 */
static int
stage_files(struct custos_acquisition *a, const struct custos_acquire_options *o,
            struct custos_staging *st, struct custos__image *img, const struct names *names,
            struct custos_error *err)
{
    size_t nfiles = custos__image_file_count(img);
    for (size_t i = 0; i < nfiles; i++) {
        const char *name = custos__image_file(img, i);
        char staged[8192], final[8192];
        snprintf(staged, sizeof(staged), "%s/%s", custos_staging_dir(st), name);
        join_path(final, sizeof(final), names->dir, name);
        a->files[i].path = strdup(final);
        a->file_paths[i] = a->files[i].path;
        a->nfiles++;
        if (a->files[i].path == NULL)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        /* A single raw file holds exactly the bytes the SHA-256 lane hashed,
         * written and fsynced; re-reading it from the page cache would prove
         * nothing more (--verify re-reads it from the disk). */
        int rc;
        if (nfiles == 1 && o->format == CUSTOS_IMAGE_RAW &&
            (a->digests.algs & CUSTOS_DIGEST_SHA256)) {
            memcpy(a->files[i].sha256, a->digests.sha256, 32);
            a->files[i].size_bytes = a->bytes;
        } else if ((rc = hash_file(staged, name, &a->files[i], err)) != CUSTOS_OK) {
            return rc;
        }
        if (custos_staging_add(st, name, final) != CUSTOS_OK)
            return custos_error_copy(err, custos_staging_error(st));
    }
    return CUSTOS_OK;
}

/*
 * Signs the record's exact bytes (as staged) for CUSTOS_PURPOSE_RECORD and
 * stages RECORD.sig, so the signature appears with the record or not at all.
 */
static int
stage_signature(struct custos_acquisition *a, struct custos_staging *st, const struct names *names,
                struct custos_error *err)
{
    const struct custos_key *key = a->opt->record_key;
    const char *sig_name = "record.json.sig";
    char staged[8192];
    uint8_t sig[CUSTOS_SIG_SIZE];
    snprintf(staged, sizeof(staged), "%s/%s", custos_staging_dir(st), sig_name);
    if ((a->sig_path = strdup(names->sig)) == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    struct custos_error e; /* its path would be the staging directory's */
    int rc =
        custos_sign(key, CUSTOS_PURPOSE_RECORD, a->record_json, strlen(a->record_json), sig, &e);
    if (rc == CUSTOS_OK)
        rc = custos_sigfile_write(staged, key, CUSTOS_PURPOSE_RECORD, sig, &e);
    if (rc != CUSTOS_OK)
        return custos_error_set(err, rc, e.sys_errno, names->sig, "cannot sign the record");
    if (custos_staging_add(st, sig_name, names->sig) != CUSTOS_OK)
        return custos_error_copy(err, custos_staging_error(st));
    return CUSTOS_OK;
}

/* Builds the record, writes it into the staging directory and adds it to what st publishes. */
static int
stage_record(struct custos_acquisition *a, struct custos_staging *st, const struct names *names,
             struct custos_error *err)
{
    if ((a->record_path = strdup(names->record)) == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    /* Name the files over the unreadable ranges (badsector_map.c), then the record. */
    int rc = custos__badmap_build(a, custos_staging_dir(st), err);
    if (rc == CUSTOS_OK)
        rc = custos__record_build(a, err);
    if (rc != CUSTOS_OK)
        return rc;
    char rec_staged[8192];
    const char *rec_name = "record.json";
    snprintf(rec_staged, sizeof(rec_staged), "%s/%s", custos_staging_dir(st), rec_name);
    int fd = open(rec_staged, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
    if (fd < 0 || custos__write_all(fd, a->record_json, strlen(a->record_json)) != 0) {
        rc = custos_error_set(err, CUSTOS_E_IO, errno, names->record, "cannot write record");
        if (fd >= 0)
            close(fd);
        return rc;
    }
    close(fd);
    if (custos_staging_add(st, rec_name, names->record) != CUSTOS_OK)
        return custos_error_copy(err, custos_staging_error(st));
    return a->opt->record_key != NULL ? stage_signature(a, st, names, err) : CUSTOS_OK;
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
    struct names names;
    struct custos_source *src = NULL;
    struct custos_staging *st = NULL;
    struct custos__image *img = NULL;
    int rc = check_options(o, err);
    if (rc == CUSTOS_OK)
        rc = plan_names(o, &names, err);
    struct custos_acquisition *a = rc == CUSTOS_OK ? calloc(1, sizeof(*a)) : NULL;
    if (rc == CUSTOS_OK && a == NULL)
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    if (rc != CUSTOS_OK) {
        custos__resume_free(r);
        return rc;
    }
    a->opt = o;
    a->resume = r;
    custos__utc_now(a->started, sizeof(a->started));
    if (custos__resume_resuming(r))
        snprintf(a->started, sizeof(a->started), "%s", custos__resume_started(r));

    if ((rc = custos_source_open(&src, o->source, err)) != CUSTOS_OK)
        goto fail;
    const struct custos_source_info *info = custos_source_info(src);
    /* The staging directory, with the journal of a resumable run (acquire_resume.c). */
    if ((rc = check_source(a, o, info, err)) != CUSTOS_OK ||
        (rc = custos__resume_staging(&a->resume, o, src, a->sector_bytes, SLOT_BYTES, names.dir,
                                     a->started, &st, err)) != CUSTOS_OK)
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
        .resume = custos__resume_resuming(a->resume),
    };
    if ((rc = custos__image_create(&img, &setup, err)) != CUSTOS_OK ||
        (rc = image_pass(a, o, src, img, prog, err)) != CUSTOS_OK)
        goto fail;

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

    if (o->verify && (rc = verify_image(a, st, custos__image_file(img, 0), prog, err)) != CUSTOS_OK)
        goto fail;
    if ((rc = stage_files(a, o, st, img, &names, err)) != CUSTOS_OK ||
        (rc = stage_record(a, st, &names, err)) != CUSTOS_OK)
        goto fail;
    if ((rc = custos_staging_publish(st)) != CUSTOS_OK) {
        custos_error_copy(err, custos_staging_error(st));
        goto fail;
    }
    custos__image_free(img);
    custos_staging_free(st);
    a->opt = NULL;
    *out = a;
    if (a->nbad != 0)
        rc = custos_error_set(err, CUSTOS_E_INCOMPLETE, 0, o->source,
                              "some sectors could not be read: zero-filled and mapped in %s",
                              a->record_path);
    else if (a->stored_match == 0)
        rc = custos_error_set(err, CUSTOS_E_MISMATCH, 0, o->source,
                              "the digests stored in this E01 differ from what was read: the "
                              "source was altered or damaged (the copy and %s say what was "
                              "read)",
                              a->record_path);
    custos__resume_free(a->resume); /* last: a resumed run's o is in it */
    a->resume = NULL;
    return rc;

fail:
    custos__image_free(img);
    if (st != NULL && custos__resume_stopped(a->resume, rc, err))
        custos__staging_keep(st); /* for --resume */
    custos_staging_free(st);
    custos_source_free(src);
    custos__resume_free(a->resume);
    custos_acquisition_free(a);
    return rc;
}
