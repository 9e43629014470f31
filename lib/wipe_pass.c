/* SPDX-License-Identifier: ISC */
/*
 * wipe_pass.c: one verified overwrite pass over a block device or a regular
 * file, and the NIST SP 800-88 sampling plan its verification may follow.
 * Identifying the target and the safety checks that refuse a device in use
 * are wipe_target.c; the wipe log (docs/formats/wipe-log.md) is wipe_log.c.
 *
 * The pass is either zeros or the AES-256-CTR keystream of a recorded seed
 * (key = seed, IV = 0, counter = offset / 16 big-endian), so that both the
 * pass and its verification can be repeated by anyone with openssl.
 *
 * Invariants:
 *   1. Nothing is written before custos_wipe_check has passed (the tool's
 *      order) and custos_wipe_run has re-identified the target on the
 *      descriptor it writes through (same st_rdev, or st_dev and st_ino), so
 *      a name swapped between inspection and open is refused.
 *   2. A block device is opened O_EXCL: the kernel refuses it with EBUSY
 *      while a file system is mounted on it or another block device holds it,
 *      a second line behind the mountinfo and holders checks (wipe_target.c).
 *   3. An error on the medium never stops the pass and is never hidden: a
 *      failed write request is retried sector by sector (write_sectors), so
 *      every sector that takes the pattern gets it; every failed sector
 *      write, flush and read is counted, the first
 *      CUSTOS_WIPE_MAX_REGIONS are kept with their offsets, and any of them
 *      makes the result FAILED (res->passed 0).
 *   4. Verification reads the medium, not the page cache: the pass is fsynced
 *      (and BLKFLSBUF drops a device's buffers), then read back through an
 *      O_DIRECT descriptor; where O_DIRECT is refused (tmpfs), the cached
 *      pages are dropped with posix_fadvise(DONTNEED) first, and the log says
 *      which was used.
 *   5. The result is PASSED only when bytes were verified and no write, flush,
 *      read or verify error occurred.
 *
 * States of a run (custos_wipe_run): open_target -> write_pass (skipped in
 * verify-only mode) -> flush_pass -> verify_pass -> closed.
 */
#include "custos/wipe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h> /* BLKFLSBUF */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "custos/custos.h"
#include "fsutil_private.h"

#define CHUNK (1u << 20) /* bytes per write and per full-verify read */
#define ALIGN 4096u      /* O_DIRECT buffer, offset and length alignment */

const char *
custos_wipe_pattern_name(enum custos_wipe_pattern p)
{
    return p == CUSTOS_WIPE_AES_CTR ? "aes-256-ctr" : "zeros";
}

const char *
custos_wipe_verify_name(enum custos_wipe_verify v)
{
    return v == CUSTOS_WIPE_VERIFY_SAMPLE ? "sampling" : "full";
}

/* ---- pattern and sampling plan ---- */

int
custos_wipe_random_seed(uint8_t seed[CUSTOS_WIPE_SEED_SIZE], struct custos_error *err)
{
    if (RAND_bytes(seed, CUSTOS_WIPE_SEED_SIZE) != 1)
        return custos_error_set(err, CUSTOS_E_IO, 0, NULL, "the random generator failed");
    return CUSTOS_OK;
}

int
custos_wipe_pattern_fill(enum custos_wipe_pattern pattern,
                         const uint8_t seed[CUSTOS_WIPE_SEED_SIZE], uint64_t offset, void *buf,
                         size_t len, struct custos_error *err)
{
    memset(buf, 0, len);
    if (pattern == CUSTOS_WIPE_ZEROS || len == 0)
        return CUSTOS_OK;
    /* The 128-bit counter block for byte offset: offset / 16, big-endian. */
    uint8_t iv[16] = {0};
    uint64_t block = offset / 16;
    for (int i = 0; i < 8; i++)
        iv[15 - i] = (uint8_t)(block >> (8 * i));
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    int ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), NULL, seed, iv) == 1;
    int outl;
    uint8_t skip[16] = {0};
    size_t lead = (size_t)(offset % 16);
    if (ok && lead > 0)
        ok = EVP_EncryptUpdate(ctx, skip, &outl, skip, (int)lead) == 1;
    uint8_t *p = buf;
    while (ok && len > 0) {
        size_t n = len > (1u << 30) ? (1u << 30) : len;
        ok = EVP_EncryptUpdate(ctx, p, &outl, p, (int)n) == 1 && (size_t)outl == n;
        p += n;
        len -= n;
    }
    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        return custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, NULL,
                                "AES-256-CTR is not available from OpenSSL");
    return CUSTOS_OK;
}

static uint64_t
load_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

int
custos_wipe_sample_plan(uint64_t size, uint32_t unit, uint32_t subsections,
                        const uint8_t seed[CUSTOS_WIPE_SEED_SIZE], struct custos_wipe_region **out,
                        size_t *n, struct custos_error *err)
{
    *out = NULL;
    *n = 0;
    if (unit == 0 || subsections < CUSTOS_WIPE_SAMPLE_MIN)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "sampling needs at least %u subsections", CUSTOS_WIPE_SAMPLE_MIN);
    uint64_t units = size / unit + (size % unit != 0);
    if (units / subsections < 2)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "%llu bytes are too few to sample in %u subsections of at least "
                                "2 units of %u bytes; verify in full",
                                (unsigned long long)size, subsections, unit);
    size_t count = 2 * (size_t)subsections + 2;
    struct custos_wipe_region *r = calloc(count, sizeof(*r));
    uint8_t *draws = malloc(16 * (size_t)subsections);
    if (r == NULL || draws == NULL) {
        free(r);
        free(draws);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    /* Draw i is bytes 16i..16i+15 of the seed's keystream: two big-endian 64-bit numbers. */
    int rc = custos_wipe_pattern_fill(CUSTOS_WIPE_AES_CTR, seed, 0, draws, 16 * (size_t)subsections,
                                      err);
    if (rc != CUSTOS_OK) {
        free(r);
        free(draws);
        return rc;
    }
    size_t k = 0;
    r[k++] = (struct custos_wipe_region){0, unit < size ? unit : size};
    for (uint32_t i = 0; i < subsections; i++) {
        /* Subsection i covers units [first, end): equal to within one unit. */
        uint64_t first = (uint64_t)((unsigned __int128)units * i / subsections);
        uint64_t end = (uint64_t)((unsigned __int128)units * (i + 1) / subsections);
        uint64_t len = end - first;
        uint64_t slen = (len * CUSTOS_WIPE_SAMPLE_PERMILLE + 999) / 1000;
        if (slen == 0)
            slen = 1;
        /* Two starts uniform in [0, len - 2*slen]; the later is pushed past the earlier. */
        uint64_t span = len - 2 * slen + 1;
        uint64_t x = load_be64(draws + 16 * (size_t)i) % span;
        uint64_t y = load_be64(draws + 16 * (size_t)i + 8) % span;
        uint64_t a = x < y ? x : y, b = x < y ? y : x;
        uint64_t s1 = (first + a) * unit, s2 = (first + b + slen) * unit;
        r[k++] = (struct custos_wipe_region){s1, slen * unit};
        r[k++] = (struct custos_wipe_region){s2, slen * unit};
    }
    uint64_t last = (units - 1) * unit;
    r[k++] = (struct custos_wipe_region){last, size - last};
    for (size_t j = 0; j < k; j++)
        if (r[j].offset + r[j].length > size)
            r[j].length = size - r[j].offset;
    free(draws);
    *out = r;
    *n = k;
    return CUSTOS_OK;
}

/* ---- the run ---- */

struct run {
    const struct custos_wipe_target *t;
    const struct custos_wipe_options *o;
    const struct custos_progress *p;
    struct custos_wipe_result *res;
    int fd;               /* the descriptor written through (read-only in verify-only mode) */
    int rfd;              /* verification: O_DIRECT, or buffered after fadvise */
    int rfd_direct;       /* rfd has O_DIRECT */
    uint8_t *buf;         /* CHUNK + 2 * ALIGN, aligned */
    uint8_t *want;        /* CHUNK */
    uint64_t done, total; /* bytes of the current phase, for the progress line */
    uint64_t vtotal;      /* the bytes verify_pass reads */
};

static void
note_bad(struct custos_wipe_result *res, const char *kind, uint64_t off, uint64_t len, int e)
{
    res->bad_total++;
    /* Adjacent failures of the same kind extend the last kept region. */
    if (res->nbad > 0) {
        struct custos_wipe_bad_region *b = &res->bad[res->nbad - 1];
        if (strcmp(b->kind, kind) == 0 && b->offset + b->length == off && b->sys_errno == e) {
            b->length += len;
            res->bad_total--;
            return;
        }
    }
    if (res->nbad < CUSTOS_WIPE_MAX_REGIONS)
        res->bad[res->nbad++] = (struct custos_wipe_bad_region){off, len, e, kind};
}

static double
now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
open_target(struct run *r, struct custos_error *err)
{
    const struct custos_wipe_target *t = r->t;
    int flags = O_CLOEXEC | O_NOCTTY | (r->o->verify_only ? O_RDONLY : O_RDWR);
    if (t->kind == CUSTOS_WIPE_BLOCK) {
        flags |= O_EXCL;
        r->fd = r->o->verify_only ? -1 : open(t->path, flags | O_DIRECT);
        if (r->fd >= 0)
            r->res->direct_write = 1;
        else
            r->fd = open(t->path, flags);
    } else {
        r->fd = open(t->path, flags | O_NOFOLLOW);
    }
    if (r->fd < 0) {
        if (errno == EBUSY)
            return custos_error_set(err, CUSTOS_E_REFUSED, errno, t->path,
                                    "the kernel reports it busy (mounted or held); refusing");
        return custos_error_set(err, CUSTOS_E_IO, errno, t->path, "cannot open");
    }
    struct stat st;
    if (fstat(r->fd, &st) != 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, t->path, "cannot stat");
    int same = t->kind == CUSTOS_WIPE_BLOCK
                   ? S_ISBLK(st.st_mode) && (uint64_t)st.st_rdev == t->id_dev
                   : S_ISREG(st.st_mode) && (uint64_t)st.st_dev == t->id_dev &&
                         (uint64_t)st.st_ino == t->id_ino && (uint64_t)st.st_size == t->size_bytes;
    if (!same)
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, t->path,
                                "changed since it was inspected; refusing");
    return CUSTOS_OK;
}

/* fsync, then drop the device's buffers or the file's cached pages. */
static void
flush_pass(struct run *r)
{
    struct custos_wipe_result *res = r->res;
    res->flush_ok = 1;
    if (!res->written)
        return;
    if (fsync(r->fd) != 0) {
        res->flush_ok = 0;
        res->flush_errno = errno;
    }
    if (r->t->kind == CUSTOS_WIPE_BLOCK && ioctl(r->fd, BLKFLSBUF, 0) != 0 && res->flush_ok) {
        res->flush_ok = 0;
        res->flush_errno = errno;
    }
    posix_fadvise(r->fd, 0, 0, POSIX_FADV_DONTNEED);
}

/* Writes n bytes of buf at off, retrying short writes. 0, or -1 with errno. */
static int
write_chunk(struct run *r, const uint8_t *buf, uint64_t off, size_t n)
{
    size_t put = 0;
    while (put < n) {
        ssize_t w = pwrite(r->fd, buf + put, n - put, (off_t)(off + put));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = ENOSPC;
            return -1;
        }
        put += (size_t)w;
    }
    return 0;
}

/*
 * After a failed request, rewrites the chunk sector by sector, so that every
 * sector that takes the pattern gets it and the failed ones are named
 * exactly, each counted as one write error.
 */
static void
write_sectors(struct run *r, uint64_t off, size_t n)
{
    struct custos_wipe_result *res = r->res;
    size_t sector = r->t->logical_sector_bytes;
    for (size_t at = 0; at < n; at += sector) {
        size_t len = n - at < sector ? n - at : sector;
        if (write_chunk(r, r->buf + at, off + at, len) == 0) {
            res->bytes_written += len;
            continue;
        }
        res->write_errors++;
        note_bad(res, "write", off + at, len, errno);
    }
}

static int
write_pass(struct run *r, struct custos_error *err)
{
    struct custos_wipe_result *res = r->res;
    uint64_t size = r->t->size_bytes;
    double t0 = now_seconds();
    custos__utc_now(res->write_started, sizeof(res->write_started));
    custos_progress_phase(r->p, CUSTOS_PHASE_WIPING);
    r->done = 0;
    r->total = size;
    for (uint64_t off = 0; off < size; off += CHUNK) {
        if (custos_progress_cancelled(r->p))
            return custos_error_set(err, CUSTOS_E_INTERRUPTED, 0, r->t->path,
                                    "interrupted after %llu of %llu bytes were overwritten",
                                    (unsigned long long)res->bytes_written,
                                    (unsigned long long)size);
        size_t n = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
        int rc = custos_wipe_pattern_fill(r->o->pattern, r->o->seed, off, r->buf, n, err);
        if (rc != CUSTOS_OK)
            return rc;
        if (write_chunk(r, r->buf, off, n) == 0)
            res->bytes_written += n;
        else
            write_sectors(r, off, n);
        r->done += n;
        custos_progress_update(r->p, r->done, r->total);
    }
    res->written = 1;
    flush_pass(r);
    /* The pass ends when the medium has it: the flush counts in its time. */
    custos__utc_now(res->write_finished, sizeof(res->write_finished));
    res->write_seconds = now_seconds() - t0;
    return CUSTOS_OK;
}

static int
open_reader(struct run *r, struct custos_error *err)
{
    r->rfd = open(r->t->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_DIRECT |
                                  (r->t->kind == CUSTOS_WIPE_FILE ? O_NOFOLLOW : 0));
    r->rfd_direct = r->rfd >= 0;
    if (r->rfd < 0)
        r->rfd = open(r->t->path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
                                      (r->t->kind == CUSTOS_WIPE_FILE ? O_NOFOLLOW : 0));
    if (r->rfd < 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, r->t->path, "cannot open to verify");
    struct stat st;
    if (fstat(r->rfd, &st) != 0 ||
        (r->t->kind == CUSTOS_WIPE_BLOCK ? (uint64_t)st.st_rdev != r->t->id_dev
                                         : (uint64_t)st.st_ino != r->t->id_ino))
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, r->t->path,
                                "changed since it was inspected; refusing");
    if (!r->rfd_direct)
        posix_fadvise(r->rfd, 0, 0, POSIX_FADV_DONTNEED);
    r->res->cache_bypass = r->rfd_direct ? "o_direct" : "fadvise_dontneed";
    return CUSTOS_OK;
}

/* Switches verification to a buffered descriptor after O_DIRECT was refused mid-way. */
static int
fall_back_buffered(struct run *r)
{
    int fd = open(r->t->path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
                                  (r->t->kind == CUSTOS_WIPE_FILE ? O_NOFOLLOW : 0));
    if (fd < 0)
        return -1;
    close(r->rfd);
    r->rfd = fd;
    r->rfd_direct = 0;
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    r->res->cache_bypass = "fadvise_dontneed";
    return 0;
}

/* Reads [off, off + len) (len <= CHUNK) and compares it with the pattern. */
static int
verify_region(struct run *r, uint64_t off, size_t len, struct custos_error *err)
{
    struct custos_wipe_result *res = r->res;
    for (;;) {
        uint64_t start = r->rfd_direct ? off / ALIGN * ALIGN : off;
        uint64_t end = off + len;
        if (r->rfd_direct)
            end = (end + ALIGN - 1) / ALIGN * ALIGN;
        size_t want = (size_t)(end - start);
        long long got = custos__pread_full(r->rfd, r->buf, want, start);
        if (got < 0 && errno == EINVAL && r->rfd_direct && fall_back_buffered(r) == 0)
            continue;
        if (got < 0 || (uint64_t)got < off + len - start) {
            res->read_errors++;
            note_bad(res, "read", off, len, got < 0 ? errno : 0);
            return CUSTOS_OK;
        }
        int rc = custos_wipe_pattern_fill(r->o->pattern, r->o->seed, off, r->want, len, err);
        if (rc != CUSTOS_OK)
            return rc;
        const uint8_t *have = r->buf + (off - start);
        res->bytes_verified += len;
        if (memcmp(have, r->want, len) == 0)
            return CUSTOS_OK;
        size_t first = SIZE_MAX, last = 0;
        for (size_t i = 0; i < len; i++) {
            if (have[i] != r->want[i]) {
                res->mismatched_bytes++;
                if (first == SIZE_MAX)
                    first = i;
                last = i;
            }
        }
        note_bad(res, "verify", off + first, last - first + 1, 0);
        return CUSTOS_OK;
    }
}

static int
verify_pass(struct run *r, const struct custos_wipe_region *plan, size_t nplan,
            struct custos_error *err)
{
    struct custos_wipe_result *res = r->res;
    double t0 = now_seconds();
    custos__utc_now(res->verify_started, sizeof(res->verify_started));
    custos_progress_phase(r->p, CUSTOS_PHASE_VERIFYING);
    r->done = 0;
    r->total = r->vtotal;
    int rc = open_reader(r, err);
    if (rc != CUSTOS_OK)
        return rc;
    struct custos_wipe_region whole = {0, r->t->size_bytes};
    if (plan == NULL) {
        plan = &whole;
        nplan = 1;
    }
    /* A plan's regions ascend and may overlap their neighbour (the first and the last
     * unit): each byte is read and counted once. */
    uint64_t covered = 0;
    for (size_t i = 0; i < nplan; i++) {
        uint64_t from = plan[i].offset, to = plan[i].offset + plan[i].length;
        if (i > 0 && from >= plan[i - 1].offset && from < covered)
            from = covered;
        if (to > covered)
            covered = to;
        for (uint64_t off = from; off < to; off += CHUNK) {
            if (custos_progress_cancelled(r->p))
                return custos_error_set(err, CUSTOS_E_INTERRUPTED, 0, r->t->path,
                                        "interrupted during verification");
            uint64_t left = to - off;
            size_t n = left < CHUNK ? (size_t)left : CHUNK;
            rc = verify_region(r, off, n, err);
            if (rc != CUSTOS_OK)
                return rc;
            r->done += n;
            custos_progress_update(r->p, r->done, r->total);
        }
    }
    custos__utc_now(res->verify_finished, sizeof(res->verify_finished));
    res->verify_seconds = now_seconds() - t0;
    return CUSTOS_OK;
}

/*
 * The SHA-256 of a plan written as one line "OFFSET LENGTH\n" per region
 * (decimal bytes), as lowercase hex: lets anyone who recomputes the plan
 * from docs/formats/wipe-log.md check that it is the one that was read.
 */
static int
plan_digest(const struct custos_wipe_region *plan, size_t n, char hex[65], struct custos_error *err)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char d[32];
    unsigned dlen = 0;
    int ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    for (size_t i = 0; ok && i < n; i++) {
        char line[48];
        int len = snprintf(line, sizeof(line), "%llu %llu\n", (unsigned long long)plan[i].offset,
                           (unsigned long long)plan[i].length);
        ok = EVP_DigestUpdate(md, line, (size_t)len) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(md, d, &dlen) == 1 && dlen == sizeof(d);
    EVP_MD_CTX_free(md);
    if (!ok)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "SHA-256 failed");
    custos_hex_encode(d, sizeof(d), hex);
    return CUSTOS_OK;
}

int
custos_wipe_run(const struct custos_wipe_target *t, const struct custos_wipe_options *opts,
                const struct custos_progress *p, struct custos_wipe_result *res,
                struct custos_error *err)
{
    memset(res, 0, sizeof(*res));
    res->cache_bypass = "";
    struct custos_wipe_region *plan = NULL;
    size_t nplan = 0;
    uint64_t vtotal = t->size_bytes;
    int rc;
    if (opts->verify == CUSTOS_WIPE_VERIFY_SAMPLE) {
        rc = custos_wipe_sample_plan(t->size_bytes, t->logical_sector_bytes, opts->subsections,
                                     opts->sample_seed, &plan, &nplan, err);
        if (rc != CUSTOS_OK)
            return rc;
        vtotal = 0; /* the bytes verify_pass reads: overlaps once */
        uint64_t covered = 0;
        for (size_t i = 0; i < nplan; i++) {
            uint64_t from = plan[i].offset, to = plan[i].offset + plan[i].length;
            if (i > 0 && from >= plan[i - 1].offset && from < covered)
                from = covered;
            vtotal += to > from ? to - from : 0;
            if (to > covered)
                covered = to;
        }
        res->regions_planned = nplan;
        res->sample_unit = t->logical_sector_bytes;
        rc = plan_digest(plan, nplan, res->plan_sha256, err);
        if (rc != CUSTOS_OK) {
            free(plan);
            return rc;
        }
    } else {
        res->regions_planned = 1;
    }
    struct run r = {.t = t, .o = opts, .p = p, .res = res, .fd = -1, .rfd = -1};
    r.vtotal = vtotal;
    void *mem = NULL;
    r.want = malloc(CHUNK);
    if (posix_memalign(&mem, ALIGN, CHUNK + 2 * ALIGN) != 0 || r.want == NULL) {
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        goto out;
    }
    r.buf = mem;
    rc = open_target(&r, err);
    if (rc == CUSTOS_OK && !opts->verify_only)
        rc = write_pass(&r, err);
    if (rc != CUSTOS_OK)
        goto out;
    if (opts->verify_only)
        res->flush_ok = 1; /* nothing was written, nothing to flush */
    rc = verify_pass(&r, plan, nplan, err);
    if (rc != CUSTOS_OK)
        goto out;
    res->passed = (res->written || opts->verify_only) && res->write_errors == 0 && res->flush_ok &&
                  res->read_errors == 0 && res->mismatched_bytes == 0 && res->bytes_verified > 0 &&
                  (opts->verify_only || res->bytes_written == t->size_bytes);
out:
    if (r.fd >= 0)
        close(r.fd);
    if (r.rfd >= 0)
        close(r.rfd);
    free(mem);
    free(r.want);
    free(plan);
    return rc;
}
