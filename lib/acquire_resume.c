/* SPDX-License-Identifier: ISC */
/*
 * acquire_resume.c: resumable acquisitions (the journal is kept and found by
 * acquire_resume_journal.c). An acquisition of one output,
 * raw, split raw or E01 (a run with several keeps none: acquire.c), keeps a journal
 * (CUSTOS__RESUME_JOURNAL, JSON) in its staging directory: the source's
 * identity, every option that decides the output's bytes and the record's
 * text, the start time, the unreadable sectors found so far and the
 * interruptions. When the run stops on a signal or a failing medium or
 * disk, the staging directory is kept; when the process dies (kill -9,
 * power loss) it is left as it was. `custos-acquire --resume OUTPUT` takes
 * it up with custos_acquire_resume().
 *
 * Invariants:
 *   1. Nothing from the interrupted run is trusted unread. The resumed pass
 *      starts at byte 0: up to the end of the staged image it reads the
 *      staged bytes and the source's and compares them sector by sector
 *      (custos__resume_read), so the digests and windows are rebuilt from
 *      bytes that are both on disk and equal to the medium. The kept part
 *      ends at the first sector that differs, that the staged image lacks,
 *      or that the source cannot read any more; from there the medium is
 *      read as in a new run, and the staged files are cut there
 *      (custos__image_raw_resume) before anything is written.
 *   2. Sectors the journal lists as unreadable are not read again: their
 *      staged bytes must be zeros, and they are carried over into the error
 *      map, so the map is the one an uninterrupted run would have made.
 *      read_slot journals new ones (custos__resume_note_bad) before their
 *      zeros reach the writer, so a staged zero-filled sector is always in
 *      the journal.
 *   3. Another medium is refused before a byte is kept: its size, kind,
 *      model and serial, the sector size, and sample sectors of the staged
 *      image re-read from it (custos__resume_check_source).
 *   4. The staging directory is locked (flock) while a run uses it, so two
 *      runs never write one staged image.
 *   5. The journal is replaced atomically (atomicfile.c: fsync, rename,
 *      directory fsync); it is only ever written by the reading thread or
 *      before and after the pass.
 *   6. E01: only libewf reads and writes the set. The staged set is opened
 *      to resume writing (custos__ewf_staged_open: LIBEWF_OPEN_WRITE_RESUME,
 *      without its last segment file, which may be torn); libewf resumes
 *      after its last whole chunk table, and everything before that point
 *      is verified as a raw image is: each chunk is read back through libewf
 *      (which checks its Adler-32: a checksum error counts as a difference,
 *      libewf's zero fill is never taken) and compared byte for byte with
 *      the medium, and the digests and windows are made from those bytes.
 *      libewf cannot cut a set back to an earlier chunk, so a difference (or
 *      a source sector unreadable now) before that point refuses the
 *      resumption (the staged set is then removed: acquire again) instead
 *      of keeping less. The slot holding the resume point is read whole
 *      from the medium (the reads, retries and unreadable sectors of an
 *      uninterrupted run) and its staged part compared with what was read
 *      (straddle_ewf); the writer skips the kept chunks
 *      (custos__resume_ewf_skip). The reading side and the writer never use
 *      the handle at once: the writer writes only past kept, once final.
 *      The E01's headers (acquisition time, set identifier) are the first
 *      run's when its set was taken up, the resumed run's when the set was
 *      written anew (nothing whole to take up: the journal says why).
 *   7. Before each batch of the publication (the images, then the
 *      signature and the record, last: acquire_outputs.c) the journal lists
 *      every file of the set with its final path and inode
 *      (custos__resume_publishing). A run killed between the renames is
 *      taken up by moving what it published back (take_back, only files
 *      with the journaled inode), then verified and published again; a
 *      published record means the set was published whole.
 */
#include "acquire_resume_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "acquire_private.h"
#include "custos/atomicfile.h"
#include "custos/custos.h"
#include "fsutil_private.h"

#define NSAMPLES 9 /* sample sectors compared before a byte is kept (invariant 3) */

static json_t *
opt_json(const struct custos_acquire_options *o)
{
    int e01 = o->format == CUSTOS_IMAGE_EWF;
    json_t *j =
        json_pack("{s:s, s:s?, s:s, s:i, s:I, s:i, s:I, s:i, s:b, s:i}", "output", o->output,
                  "record_path", o->record_path, "format", e01 ? "e01" : "raw", "compression",
                  (int)o->compression, "segment_bytes", (json_int_t)o->segment_bytes, "digests",
                  (int)o->digests, "window_bytes", (json_int_t)o->window_bytes, "retries",
                  (int)o->retries, "verify", o->verify, "sector_bytes", (int)o->sector_bytes);
    const char *keys[] = {"case_number", "evidence_number", "examiner",    "description",
                          "notes",       "authorisation",   "command_line"};
    const char *vals[] = {o->case_number, o->evidence_number, o->examiner,    o->description,
                          o->notes,       o->authorisation,   o->command_line};
    for (size_t i = 0; j != NULL && i < sizeof(keys) / sizeof(keys[0]); i++)
        json_object_set_new(j, keys[i], vals[i] ? json_string(vals[i]) : json_null());
    if (j != NULL) {
        json_object_set_new(j, "no_authorisation", json_boolean(o->no_authorisation));
        json_object_set_new(j, "media_type", json_string(custos_media_type_name(o->media_type)));
    }
    return j;
}

static int
resume_start(struct custos__resume **out, const struct custos_acquire_options *o,
             const struct custos_source_info *info, uint32_t sector_bytes, const char *staging_dir,
             const char *started, struct custos_error *err)
{
    *out = NULL;
    if (!info->size_known || info->kind == CUSTOS_SOURCE_STREAM)
        return CUSTOS_OK;
    struct custos__resume *r = custos__resume_new(staging_dir);
    if (r == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    r->j = json_pack("{s:s, s:i, s:o, s:{s:s, s:s, s:I, s:s, s:s, s:i}, s:i, s:s, s:[], s:[], "
                     "s:n, s:[]}",
                     "format", CUSTOS__RESUME_FORMAT, "version", 1, "options", opt_json(o),
                     "source", "path", info->path, "kind", custos_source_kind_name(info->kind),
                     "size_bytes", (json_int_t)info->size_bytes, "model", info->model, "serial",
                     info->serial, "logical_sector_bytes", (int)info->logical_sector_bytes,
                     "sector_bytes", (int)sector_bytes, "started", started, "unreadable", "retries",
                     "stopped", "interruptions");
    int rc = r->j == NULL ? custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory")
                          : custos__resume_lock(r, err);
    if (rc == CUSTOS_OK)
        rc = custos__resume_journal_save(r, err);
    if (rc != CUSTOS_OK) {
        custos__resume_free(r);
        return rc;
    }
    *out = r;
    return CUSTOS_OK;
}

int
custos__resume_resuming(const struct custos__resume *r)
{
    return r != NULL && r->resuming;
}

const char *
custos__resume_started(const struct custos__resume *r)
{
    return json_string_value(json_object_get(r->j, "started"));
}

/*
 * The staged E01 set, taken up through libewf (invariant 6): the kept part can
 * only be what libewf resumes after, checked whole.
 */
static int
staged_open_ewf(struct custos__resume *r, uint64_t total, struct custos_error *err)
{
    char base[4096];
    snprintf(base, sizeof(base), "%s", custos__basename(r->output));
    size_t n = strlen(base);
    if (n > 4 && (strcmp(base + n - 4, ".E01") == 0 || strcmp(base + n - 4, ".e01") == 0))
        base[n - 4] = '\0'; /* as acquire_outputs.c names the set */
    uint64_t at = 0;
    int rc = custos__ewf_staged_open(&r->ewf, r->dir, base, total, &at, r->ewf_why,
                                     sizeof(r->ewf_why), err);
    r->staged_bytes = r->staged_any = at;
    return rc;
}

/* Opens the staged files (BASE, or BASE.001 ...) for reading, in order. */
static int
staged_open(struct custos__resume *r, uint64_t total, struct custos_error *err)
{
    if (r->e01)
        return staged_open_ewf(r, total, err);
    const char *base = custos__basename(r->output);
    uint64_t seg = r->opt.segment_bytes, sum = 0;
    for (unsigned k = 1;; k++) {
        char path[8192];
        if (seg == 0)
            snprintf(path, sizeof(path), "%s/%s", r->dir, base);
        else
            snprintf(path, sizeof(path), "%s/%s.%03u", r->dir, base, k);
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        struct stat sb;
        if (fd < 0 && errno == ENOENT)
            break;
        if (fd < 0 || fstat(fd, &sb) != 0) {
            if (fd >= 0)
                close(fd);
            return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot re-read");
        }
        struct custos__resume_part *p = realloc(r->parts, (r->nparts + 1) * sizeof(*p));
        if (p == NULL) {
            close(fd);
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        }
        r->parts = p;
        r->parts[r->nparts++] = (struct custos__resume_part){fd, (uint64_t)sb.st_size};
        sum += (uint64_t)sb.st_size;
        if (seg == 0 || (uint64_t)sb.st_size < seg)
            break; /* a short segment ends what was written */
    }
    /* Whole slots (custos__resume_read), and the medium's short last one. */
    r->staged_bytes = sum >= total ? total : sum - sum % r->rd.slot_bytes;
    r->staged_any = sum >= total ? total : sum;
    return CUSTOS_OK;
}

/* Reads len staged bytes at offset (within staged_any); 0 or -1. */
static int
staged_read(const struct custos__resume *r, uint64_t offset, uint8_t *buf, size_t len)
{
    if (r->e01)
        return custos__ewf_staged_read(r->ewf, offset, buf, len);
    uint64_t start = 0;
    for (size_t i = 0; i < r->nparts && len > 0; start += r->parts[i++].bytes) {
        if (offset >= start + r->parts[i].bytes)
            continue;
        uint64_t in = offset - start;
        size_t n = len;
        if (n > r->parts[i].bytes - in)
            n = (size_t)(r->parts[i].bytes - in);
        if (custos__pread_full(r->parts[i].fd, buf, n, in) != (long long)n)
            return -1;
        buf += n, offset += n, len -= n;
    }
    return len == 0 ? 0 : -1;
}

/* Whether sector s is in the journal's unreadable list (sectors asked in ascending order). */
static int
journaled_bad(struct custos__resume *r, uint64_t s)
{
    while (r->cur < r->njbad && r->jbad[r->cur].first_sector + r->jbad[r->cur].sector_count <= s)
        r->cur++;
    return r->cur < r->njbad && r->jbad[r->cur].first_sector <= s;
}

static int
all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

static int
journaled_bad_any(const struct custos__resume *r, uint64_t s)
{
    for (size_t i = 0; i < r->njbad; i++)
        if (r->jbad[i].first_sector <= s && s < r->jbad[i].first_sector + r->jbad[i].sector_count)
            return 1;
    return 0;
}

/*
 * Sample sectors across the staged image re-read from src (invariant 3).
 * They are taken from all that was staged, not only the whole slots that
 * can be kept: a run stopped before its first slot was whole still names
 * its medium, and another one must be refused rather than imaged in its
 * place under the first one's journal.
 */
static int
check_samples(struct custos__resume *r, struct custos_source *src, uint32_t sb,
              struct custos_error *err)
{
    uint64_t sectors = r->staged_any / sb;
    for (uint64_t i = 0; i < NSAMPLES && sectors > 0; i++) {
        uint64_t s = i * sectors / NSAMPLES;
        size_t got = 0;
        if (journaled_bad_any(r, s) ||
            custos_source_read(src, s * sb, r->cmp, sb, 0, &got) != CUSTOS_OK || got != sb)
            continue; /* nothing to compare: not a difference */
        if (staged_read(r, s * sb, r->tmp, sb) != 0)
            return custos_error_set(err, CUSTOS_E_IO, errno, r->dir,
                                    "cannot re-read the staged image");
        if (memcmp(r->cmp, r->tmp, sb) != 0)
            return custos_error_set(err, CUSTOS_E_REFUSED, 0, r->opt.source,
                                    "sector %llu differs from the interrupted acquisition's: not "
                                    "the same medium (or the staged image in %s was damaged); "
                                    "nothing was resumed",
                                    (unsigned long long)s, r->dir);
    }
    return CUSTOS_OK;
}

/*
 * The kept part is final: the journal keeps only what lies in it (the
 * rest is read again), and says how much was kept.
 */
static int
kept_final(struct custos__resume *r, uint64_t bytes_kept, struct custos_error *err)
{
    uint64_t kept = r->kept, sb = r->rd.sector_bytes;
    json_t *bad = json_array(), *retries = json_array();
    for (size_t i = 0; i < r->njbad; i++) {
        uint64_t first = r->jbad[i].first_sector, n = r->jbad[i].sector_count;
        if (first * sb >= kept)
            break;
        if ((first + n) * sb > kept)
            n = (kept + sb - 1) / sb - first;
        json_array_append_new(bad, json_pack("[I, I]", (json_int_t)first, (json_int_t)n));
    }
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(r->j, "retries"), i, e)
    {
        if ((uint64_t)json_integer_value(json_array_get(e, 0)) > kept)
            break;
        r->retries_kept = (unsigned)json_integer_value(json_array_get(e, 1));
        json_array_append(retries, e);
    }
    json_object_set_new(r->j, "unreadable", bad);
    json_object_set_new(r->j, "retries", retries);
    json_t *ints = json_object_get(r->j, "interruptions");
    json_object_set_new(json_array_get(ints, json_array_size(ints) - 1), "bytes_kept",
                        json_integer((json_int_t)bytes_kept));
    __atomic_store_n(&r->final, 1, __ATOMIC_RELEASE);
    return custos__resume_journal_save(r, err);
}

static int
check_source(struct custos__resume *r, struct custos_source *src, uint32_t sector_bytes,
             size_t slot_bytes, struct custos_error *err)
{
    const struct custos_source_info *info = custos_source_info(src);
    const json_t *js = json_object_get(r->j, "source");
    uint64_t size = (uint64_t)json_integer_value(json_object_get(js, "size_bytes"));
    const char *what = NULL;
    if (!info->size_known || info->size_bytes != size)
        what = "its size";
    else if (strcmp(custos__resume_jstr(js, "kind"), custos_source_kind_name(info->kind)) != 0)
        what = "its kind";
    else if (strcmp(custos__resume_jstr(js, "model"), info->model) != 0)
        what = "its model";
    else if (strcmp(custos__resume_jstr(js, "serial"), info->serial) != 0)
        what = "its serial number";
    else if (json_integer_value(json_object_get(r->j, "sector_bytes")) != (json_int_t)sector_bytes)
        what = "its sector size";
    if (what != NULL)
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, info->path,
                                "not the medium of the interrupted acquisition (%s differs: it "
                                "was %s, %llu bytes); nothing was resumed",
                                what, custos__resume_jstr(js, "path"), (unsigned long long)size);
    r->rd.sector_bytes = sector_bytes;
    r->rd.slot_bytes = slot_bytes;
    if (posix_memalign((void **)&r->cmp, CUSTOS__HASHRING_ALIGN, 1u << 20) != 0 ||
        posix_memalign((void **)&r->tmp, CUSTOS__HASHRING_ALIGN, 1u << 20) != 0 ||
        posix_memalign((void **)&r->sec, CUSTOS__HASHRING_ALIGN, CUSTOS__HASHRING_ALIGN) != 0)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    int rc = staged_open(r, size, err);
    if (rc == CUSTOS_OK)
        rc = check_samples(r, src, sector_bytes, err);
    if (rc != CUSTOS_OK)
        return rc;
    /* This resumption, in the journal before a byte is kept; bytes_kept once known. */
    json_t *stopped = json_object_get(r->j, "stopped");
    char now[32];
    custos__utc_now(now, sizeof(now));
    json_t *i =
        json_pack("{s:O, s:O, s:s, s:I}", "interrupted", json_object_get(stopped, "time"), "cause",
                  json_object_get(stopped, "cause"), "resumed", now, "bytes_kept", (json_int_t)0);
    if (i == NULL || json_array_append_new(json_object_get(r->j, "interruptions"), i) != 0)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    if (r->e01 && r->ewf == NULL)
        json_object_set_new(i, "image_restarted", json_string(r->ewf_why));
    json_object_set_new(r->j, "stopped", json_null());
    return r->staged_bytes == 0 ? kept_final(r, 0, err) : custos__resume_journal_save(r, err);
}

int
custos__resume_staging(struct custos__resume **r, const struct custos_acquire_options *o,
                       struct custos_source *src, uint32_t sector_bytes, size_t slot_bytes,
                       const char *dir, const char *started, struct custos_staging **st,
                       struct custos_error *err)
{
    *st = NULL;
    if (custos__resume_resuming(*r)) {
        int rc = check_source(*r, src, sector_bytes, slot_bytes, err);
        /* A record staged by a run that then failed to publish is made again; kept
         * until now (no output exists), for a publication cut short. */
        const char *leftovers[] = {"record.json", "record.json.sig"};
        for (size_t i = 0; rc == CUSTOS_OK && i < 2; i++) {
            char path[8300];
            snprintf(path, sizeof(path), "%s/%s", (*r)->dir, leftovers[i]);
            unlink(path);
        }
        return rc == CUSTOS_OK ? custos__staging_adopt(st, (*r)->dir, err) : rc;
    }
    int rc = custos_staging_create(st, dir, err);
    if (rc == CUSTOS_OK)
        rc = resume_start(r, o, custos_source_info(src), sector_bytes, custos_staging_dir(*st),
                          started, err);
    return rc;
}

void
custos__resume_set_reader(struct custos__resume *r, const struct custos__resume_reader *rd)
{
    r->rd = *rd;
}

/* One source sector at off, read alone (the slot's read failed): 0, or -1 when unreadable. */
static int
source_sector(struct custos__resume *r, uint64_t off, size_t n)
{
    size_t got = 0;
    unsigned flags = n == r->rd.sector_bytes ? CUSTOS_READ_UNCACHED : 0;
    return custos_source_read(r->rd.src, off, r->sec, n, flags, &got) == CUSTOS_OK && got == n ? 0
                                                                                               : -1;
}

/* Verifies staged bytes [offset, offset + n) into buf; returns how many sectors' worth hold. */
static size_t
verify_range(struct custos__resume *r, uint64_t offset, uint8_t *buf, size_t n)
{
    uint32_t sb = r->rd.sector_bytes;
    if (staged_read(r, offset, buf, n) != 0)
        return 0;
    size_t got = 0;
    int whole = custos_source_read(r->rd.src, offset, r->cmp, n, 0, &got) == CUSTOS_OK && got == n;
    size_t off = 0;
    for (; off < n; off += sb) {
        uint64_t s = (offset + off) / sb;
        size_t w = n - off < sb ? n - off : sb;
        if (journaled_bad(r, s)) {
            if (!all_zero(buf + off, w))
                break;
            continue;
        }
        const uint8_t *src = r->cmp + off;
        if (!whole) {
            if (source_sector(r, offset + off, w) != 0)
                break; /* unreadable now: read it again as a new run would */
            src = r->sec;
        }
        if (memcmp(buf + off, src, w) != 0)
            break;
    }
    return off < n ? off : n;
}

/* The journal's unreadable sectors in [offset, offset + len), into the pass's error map. */
static int
carry_bad(struct custos__resume *r, uint64_t offset, size_t len)
{
    uint64_t sb = r->rd.sector_bytes, first = offset / sb, end = (offset + len + sb - 1) / sb;
    for (size_t i = 0; i < r->njbad; i++) {
        uint64_t a = r->jbad[i].first_sector, b = a + r->jbad[i].sector_count;
        for (uint64_t s = a > first ? a : first; s < (b < end ? b : end); s++)
            if (r->rd.add_bad(r->rd.ctx, s) != CUSTOS_OK)
                return CUSTOS_E_NOMEM;
    }
    return CUSTOS_OK;
}

static int
refuse_ewf(const struct custos__resume *r, uint64_t at, struct custos_error *err)
{
    return custos_error_set(err, CUSTOS_E_REFUSED, 0, r->opt.source,
                            "byte %llu of the staged E01 set differs from the medium or cannot be "
                            "read back, and libewf can take a set up only where it stopped; "
                            "nothing was resumed and the staged set is removed: acquire again",
                            (unsigned long long)at);
}

/*
 * E01: the slot holding libewf's resume point (want bytes at offset, part of
 * them staged). It is read whole from the medium, as an uninterrupted run
 * reads it (its retries, the unreadable sectors it finds), and its staged
 * part compared with what was read; only then is that part kept.
 */
static int
straddle_ewf(struct custos__resume *r, uint64_t offset, uint8_t *buf, size_t want, size_t part,
             size_t *got, struct custos_error *err)
{
    __atomic_store_n(&r->kept, offset, __ATOMIC_RELEASE);
    int rc = kept_final(r, offset + part, err); /* the journal from here is this read's */
    if (rc == CUSTOS_OK)
        rc = r->rd.read(r->rd.ctx, offset, buf, want, got, err);
    if (rc != CUSTOS_OK)
        return rc;
    if (*got < part || staged_read(r, offset, r->tmp, part) != 0 || memcmp(buf, r->tmp, part) != 0)
        return refuse_ewf(r, offset, err);
    __atomic_store_n(&r->kept, offset + part, __ATOMIC_RELEASE);
    return CUSTOS_OK;
}

int
custos__resume_read(void *ctx, uint64_t offset, uint8_t *buf, size_t want, size_t *got,
                    struct custos_error *err)
{
    struct custos__resume *r = ctx;
    if (!r->resuming || r->final)
        return r->rd.read(r->rd.ctx, offset, buf, want, got, err);
    /*
     * The ring reads whole slots in order, and offset is where the kept part
     * ends so far. A slot is kept whole or not at all, so that what follows
     * is read in the very reads of an uninterrupted run (the same retries).
     */
    size_t ok = 0;
    if (r->staged_bytes - offset < want && r->e01 && r->staged_bytes > offset)
        return straddle_ewf(r, offset, buf, want, (size_t)(r->staged_bytes - offset), got, err);
    if (r->staged_bytes - offset >= want && verify_range(r, offset, buf, want) == want)
        ok = want;
    if (r->e01 && r->staged_bytes - offset >= want && ok != want)
        return refuse_ewf(r, offset, err);
    if (ok != 0 && carry_bad(r, offset, ok) != CUSTOS_OK)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    __atomic_store_n(&r->kept, offset + ok, __ATOMIC_RELEASE);
    if (ok == 0 || offset + ok == r->staged_bytes) {
        int rc = kept_final(r, offset + ok, err);
        if (rc != CUSTOS_OK)
            return rc;
    }
    if (ok != 0) {
        *got = ok;
        return CUSTOS_OK;
    }
    return r->rd.read(r->rd.ctx, offset, buf, want, got, err);
}

struct custos__ewf_staged *
custos__resume_ewf(const struct custos__resume *r)
{
    return r != NULL && r->resuming ? r->ewf : NULL;
}

int
custos__resume_ewf_skip(struct custos__resume *r, struct custos__image *img, uint64_t offset)
{
    if (r == NULL || r->ewf == NULL)
        return 0;
    /* As custos__resume_write: the reader made kept final before the first slot past it. */
    uint64_t kept = __atomic_load_n(&r->kept, __ATOMIC_ACQUIRE);
    if (offset < kept)
        return 1;
    if (!r->positioned) {
        if (custos__image_ewf_resume(img, kept) != CUSTOS_OK)
            return -1;
        r->positioned = 1;
    }
    return 0;
}

int
custos__resume_write(struct custos__resume *r, struct custos__image *img, uint64_t offset,
                     const uint8_t *data, size_t len, int eof)
{
    if (r == NULL || !r->resuming)
        return custos__image_write(img, data, len);
    /* The reader made this slot before the writer saw it: kept covers it, or is final. */
    uint64_t kept = __atomic_load_n(&r->kept, __ATOMIC_ACQUIRE);
    if (!r->positioned && (offset + len > kept || eof)) {
        int rc = custos__image_raw_resume(img, kept);
        if (rc != CUSTOS_OK)
            return rc;
        r->positioned = 1;
    }
    if (offset + len <= kept)
        return CUSTOS_OK;
    size_t skip = kept > offset ? (size_t)(kept - offset) : 0;
    return custos__image_write(img, data + skip, len - skip);
}

int
custos__resume_note_bad(struct custos__resume *r, const struct custos_bad_range *bad, size_t nbad,
                        unsigned retried, uint64_t through, struct custos_error *err)
{
    if (r == NULL)
        return CUSTOS_OK;
    json_t *a = json_array();
    for (size_t i = 0; i < nbad; i++)
        json_array_append_new(a, json_pack("[I, I]", (json_int_t)bad[i].first_sector,
                                           (json_int_t)bad[i].sector_count));
    json_object_set_new(r->j, "unreadable", a);
    json_array_append_new(
        json_object_get(r->j, "retries"),
        json_pack("[I, I]", (json_int_t)through, (json_int_t)(r->retries_kept + retried)));
    return custos__resume_journal_save(r, err);
}

unsigned
custos__resume_retries_kept(const struct custos__resume *r)
{
    return r != NULL ? r->retries_kept : 0;
}

int
custos__resume_publishing(struct custos__resume *r, const struct custos_staging *st,
                          struct custos_error *err)
{
    if (r == NULL)
        return CUSTOS_OK;
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < custos__staging_count(st); i++) {
        const char *name, *final;
        custos__staging_entry(st, i, &name, &final);
        char staged[8192], abs[8192];
        struct stat sb;
        snprintf(staged, sizeof(staged), "%s/%s", r->dir, name);
        if (custos__absolute_path(final, abs, sizeof(abs)) != 0 ||
            (lstat(staged, &sb) != 0 && lstat(final, &sb) != 0)) {
            json_decref(a);
            return custos_error_set(err, CUSTOS_E_IO, errno, final, "cannot publish");
        }
        json_array_append_new(a,
                              json_pack("{s:s, s:s, s:I, s:I}", "name", name, "final", abs, "dev",
                                        (json_int_t)sb.st_dev, "ino", (json_int_t)sb.st_ino));
    }
    if (a == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    json_object_set_new(r->j, "publishing", a);
    return custos__resume_journal_save(r, err);
}

int
custos__resume_stopped(struct custos__resume *r, int status, struct custos_error *err)
{
    if (r == NULL || (status != CUSTOS_E_INTERRUPTED && status != CUSTOS_E_IO))
        return 0;
    char now[32], cause[CUSTOS_ERROR_MESSAGE_MAX];
    custos__utc_now(now, sizeof(now));
    snprintf(cause, sizeof(cause), "%s", err->message);
    json_object_set_new(r->j, "stopped",
                        json_pack("{s:s, s:s}", "time", now, "cause",
                                  status == CUSTOS_E_INTERRUPTED ? "interrupted" : cause));
    struct custos_error e;
    if (custos__resume_journal_save(r, &e) != CUSTOS_OK)
        return 0;
    const char *out =
        json_string_value(json_object_get(json_object_get(r->j, "options"), "output"));
    custos_error_set(err, status, err->sys_errno, NULL,
                     "%s; the part written is kept: custos-acquire --resume %s takes it up", cause,
                     out);
    return 1;
}
