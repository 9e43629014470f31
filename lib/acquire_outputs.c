/* SPDX-License-Identifier: ISC */
/*
 * acquire_outputs.c: the images of one acquisition and where they go. One
 * read of the source can feed several images (-o A -o B, as a second image
 * in Guymager): acquire.c's pass runs one writer per image; this file plans
 * each image's names, stages its files and record, and publishes it.
 *
 * Invariants:
 *   1. Every image is planned, and refused when it exists or names the same
 *      file as another, before the source is opened (custos__outputs_plan).
 *   2. Each image has its own staging directory beside it, and is published
 *      on its own (custos__outputs_publish): a failure of one (a full disk,
 *      an I/O error, its directory removed) is kept in its copy
 *      (custos__copy_fail) and leaves the others to be verified and
 *      published. Nothing of a failed image is published: its staging
 *      directory is removed.
 *   3. A record is published beside every image that stands, its output
 *      and verification that image's (so it checks like any record), and
 *      copies listing every image, failed ones with why (record.c): each
 *      copy describes the whole acquisition wherever it travels.
 *   4. With one image, every failure is the run's, as before copies existed.
 *   5. Publication goes in two steps: every image's files, then the
 *      records (publish_records), built only then so that each lists the
 *      images as they ended; a record goes after its signature, last of
 *      its set. A record that fails takes its images back, and the records
 *      already published in that round (which named it) with them.
 */
#include "custos/acquire.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acquire_private.h"
#include "acquire_resume_private.h"
#include "custos/custos.h"
#include "custos/staging.h"
#include "fsutil_private.h"
#include "image_private.h"
#include "staging_private.h"

#define HASH_BUF_BYTES (1u << 20)
#define RECORD_STAGED  "record.json" /* the record's name in a staging directory */

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

static int
plan_names(const struct custos_acquire_options *o, struct custos__names *n,
           struct custos_error *err)
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

/*
 * Whether two planned images would collide: the same first file or record
 * (by name; neither exists yet, so no inode can tell), or one's record
 * being the other's image.
 */
static int
same_files(const struct custos__names *a, const struct custos__names *b)
{
    return strcmp(a->first, b->first) == 0 || strcmp(a->record, b->record) == 0 ||
           strcmp(a->first, b->record) == 0 || strcmp(a->record, b->first) == 0 ||
           (strcmp(a->dir, b->dir) == 0 && strcmp(a->base, b->base) == 0);
}

int
custos__outputs_plan(const struct custos_acquire_options *o, struct custos__copy **copies,
                     size_t *n, struct custos_error *err)
{
    *copies = NULL;
    *n = 0;
    if (o->ncopies > CUSTOS_ACQUIRE_MAX_OUTPUTS - 1 || (o->ncopies != 0 && o->copies == NULL))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "at most %d outputs",
                                CUSTOS_ACQUIRE_MAX_OUTPUTS);
    if (o->ncopies != 0 && o->record_path != NULL)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "a record path with several outputs: each image gets its record "
                                "beside it");
    struct custos__copy *c = calloc(o->ncopies + 1, sizeof(*c));
    if (c == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    int rc = CUSTOS_OK;
    for (size_t i = 0; i <= o->ncopies && rc == CUSTOS_OK; i++) {
        c[i].record_fd = -1;
        c[i].opt = *o;
        c[i].opt.copies = NULL;
        c[i].opt.ncopies = 0;
        if (i > 0) {
            c[i].opt.output = o->copies[i - 1].output;
            c[i].opt.format = o->copies[i - 1].format;
        }
        if (c[i].opt.output == NULL)
            rc = custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "an output without a name");
        else
            rc = plan_names(&c[i].opt, &c[i].names, err);
        for (size_t j = 0; j < i && rc == CUSTOS_OK; j++)
            if (same_files(&c[i].names, &c[j].names))
                rc = custos_error_set(err, CUSTOS_E_USAGE, 0, c[i].opt.output,
                                      "names the same files as output %s", c[j].opt.output);
    }
    if (rc != CUSTOS_OK) {
        free(c);
        return rc;
    }
    *copies = c;
    *n = o->ncopies + 1;
    return CUSTOS_OK;
}

void
custos__outputs_free(struct custos__copy *copies, size_t n)
{
    for (size_t i = 0; copies != NULL && i < n; i++) {
        if (copies[i].record_fd >= 0)
            close(copies[i].record_fd);
        custos__image_free(copies[i].img);
        custos_staging_free(copies[i].st);
        for (size_t j = 0; j < copies[i].nfiles; j++)
            free(copies[i].files[j].path);
        free(copies[i].files);
        free(copies[i].record_path);
        free(copies[i].record_json);
        free(copies[i].sig_path);
    }
    free(copies);
}

void
custos__copy_fail(struct custos__copy *c, const struct custos_error *err)
{
    if (c->status != CUSTOS_OK)
        return;
    int status = err->status != CUSTOS_OK ? err->status : CUSTOS_E_IO;
    /* Name the output as given, in place of the file inside the staging directory. */
    const char *m = err->message;
    size_t n = strlen(err->path);
    if (n != 0 && strncmp(m, err->path, n) == 0 && strncmp(m + n, ": ", 2) == 0)
        m += n + 2;
    n = strlen(c->opt.output);
    if (strncmp(m, c->opt.output, n) == 0 && m[n] == ':')
        custos_error_copy(&c->err, err);
    else
        custos_error_set(&c->err, status, 0, c->opt.output, "%s", m);
    c->err.sys_errno = err->sys_errno;
    c->status = status;
}

struct custos__copy *
custos__outputs_primary(struct custos_acquisition *a)
{
    for (size_t i = 0; i < a->ncopies; i++)
        if (a->copies[i].status == CUSTOS_OK)
            return &a->copies[i];
    return NULL;
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
    uint8_t *buf = malloc(HASH_BUF_BYTES);
    uint64_t size = 0;
    if (rc == CUSTOS_OK && buf == NULL)
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, name, "out of memory");
    while (rc == CUSTOS_OK) {
        ssize_t r = read(fd, buf, HASH_BUF_BYTES);
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

void
custos__copy_drop_cache(const struct custos__copy *c)
{
    for (size_t i = 0; i < custos__image_file_count(c->img); i++) {
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s", custos_staging_dir(c->st),
                 custos__image_file(c->img, i));
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        fdatasync(fd);
        posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        close(fd);
    }
}

int
custos__copy_stage_files(const struct custos_acquisition *a, struct custos__copy *c,
                         struct custos_error *err)
{
    size_t nfiles = custos__image_file_count(c->img);
    c->files = calloc(nfiles ? nfiles : 1, sizeof(*c->files));
    if (c->files == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    for (size_t i = 0; i < nfiles; i++) {
        const char *name = custos__image_file(c->img, i);
        char staged[8192], final[8192];
        snprintf(staged, sizeof(staged), "%s/%s", custos_staging_dir(c->st), name);
        join_path(final, sizeof(final), c->names.dir, name);
        struct custos__outfile *f = &c->files[i];
        if ((f->path = strdup(final)) == NULL)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        c->nfiles++;
        /* A single raw file holds exactly the bytes the SHA-256 lane hashed,
         * written and fsynced; re-reading it from the page cache would prove
         * nothing more (--verify re-reads it from the disk). */
        int rc;
        if (nfiles == 1 && c->opt.format == CUSTOS_IMAGE_RAW &&
            (a->digests.algs & CUSTOS_DIGEST_SHA256)) {
            memcpy(f->sha256, a->digests.sha256, 32);
            f->size_bytes = a->bytes;
        } else if ((rc = hash_file(staged, name, f, err)) != CUSTOS_OK) {
            return rc;
        }
        if (custos_staging_add(c->st, name, final) != CUSTOS_OK)
            return custos_error_copy(err, custos_staging_error(c->st));
    }
    return CUSTOS_OK;
}

/*
 * Signs the record's exact bytes (as staged) for CUSTOS_PURPOSE_RECORD and
 * stages RECORD.sig, so the signature appears with the record or not at all.
 */
static int
stage_signature(const struct custos_acquisition *a, struct custos__copy *c,
                struct custos_error *err)
{
    const struct custos_key *key = a->opt->record_key;
    const char *sig_name = "record.json.sig";
    char staged[8192];
    uint8_t sig[CUSTOS_SIG_SIZE];
    snprintf(staged, sizeof(staged), "%s/%s", custos_staging_dir(c->st), sig_name);
    free(c->sig_path);
    if ((c->sig_path = strdup(c->names.sig)) == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    struct custos_error e; /* its path would be the staging directory's */
    int rc =
        custos_sign(key, CUSTOS_PURPOSE_RECORD, c->record_json, strlen(c->record_json), sig, &e);
    if (rc == CUSTOS_OK)
        rc = custos_sigfile_write(staged, key, CUSTOS_PURPOSE_RECORD, sig, &e);
    if (rc != CUSTOS_OK)
        return custos_error_set(err, rc, e.sys_errno, c->names.sig, "cannot sign the record");
    if (custos_staging_add(c->st, sig_name, c->names.sig) != CUSTOS_OK)
        return custos_error_copy(err, custos_staging_error(c->st));
    return CUSTOS_OK;
}

int
custos__copy_open_record(struct custos__copy *c, struct custos_error *err)
{
    char rec_staged[8192];
    snprintf(rec_staged, sizeof(rec_staged), "%s/" RECORD_STAGED, custos_staging_dir(c->st));
    c->record_fd = open(rec_staged, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
    if (c->record_fd < 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, c->names.record, "cannot write record");
    return CUSTOS_OK;
}

/*
 * Writes c's record into its staged file (made again when a round before
 * took it back) and stages it after its signature, with a key: the record
 * is published last, so a published record means the whole set is.
 */
static int
stage_record(const struct custos_acquisition *a, struct custos__copy *c, struct custos_error *err)
{
    free(c->record_path);
    if ((c->record_path = strdup(c->names.record)) == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    if (c->record_fd < 0) {
        const char *names[] = {RECORD_STAGED, RECORD_STAGED ".sig"};
        for (size_t i = 0; i < 2; i++) {
            char path[8192];
            snprintf(path, sizeof(path), "%s/%s", custos_staging_dir(c->st), names[i]);
            unlink(path);
        }
        int rc = custos__copy_open_record(c, err);
        if (rc != CUSTOS_OK)
            return rc;
    }
    int rc = CUSTOS_OK;
    if (custos__write_all(c->record_fd, c->record_json, strlen(c->record_json)) != 0)
        rc = custos_error_set(err, CUSTOS_E_IO, errno, c->names.record, "cannot write record");
    close(c->record_fd);
    c->record_fd = -1;
    if (rc == CUSTOS_OK && a->opt->record_key != NULL)
        rc = stage_signature(a, c, err);
    if (rc == CUSTOS_OK && custos_staging_add(c->st, RECORD_STAGED, c->names.record) != CUSTOS_OK)
        rc = custos_error_copy(err, custos_staging_error(c->st));
    return rc;
}

/* Publishes what c staged since its last batch; a resumable run journals it first. */
static int
publish_batch(const struct custos_acquisition *a, struct custos__copy *c, struct custos_error *err)
{
    int rc = custos__resume_publishing(a->resume, c->st, err);
    if (rc == CUSTOS_OK && custos__staging_publish_batch(c->st) != CUSTOS_OK)
        rc = custos_error_copy(err, custos_staging_error(c->st));
    return rc;
}

/*
 * The records, once the images' fate is known, so that each names every
 * copy as it ended. A record that cannot be staged or published fails its
 * copy: its images are taken back, and so are the records published in
 * this round (they named it as published); the round is made again
 * without it. Returns CUSTOS_OK, or CUSTOS_E_NOMEM (the run's).
 */
static int
publish_records(struct custos_acquisition *a, struct custos_error *err)
{
    for (;;) {
        for (size_t i = 0; i < a->ncopies; i++) {
            struct custos__copy *c = &a->copies[i];
            free(c->record_json);
            c->record_json = NULL;
            int rc = c->status == CUSTOS_OK ? custos__record_build(a, c, &c->record_json, err)
                                            : CUSTOS_OK;
            if (rc != CUSTOS_OK)
                return rc;
        }
        struct custos_error e;
        size_t failed = a->ncopies;
        for (size_t i = 0; i < a->ncopies && failed == a->ncopies; i++) {
            struct custos__copy *c = &a->copies[i];
            custos_error_clear(&e);
            if (c->status == CUSTOS_OK &&
                (stage_record(a, c, &e) != CUSTOS_OK || publish_batch(a, c, &e) != CUSTOS_OK))
                failed = i;
        }
        if (failed == a->ncopies)
            return CUSTOS_OK;
        if (e.status == CUSTOS_E_NOMEM)
            return custos_error_copy(err, &e);
        for (size_t i = 0; i < failed; i++)
            if (a->copies[i].status == CUSTOS_OK)
                custos__staging_withdraw(a->copies[i].st, a->copies[i].nfiles);
        custos__staging_withdraw(a->copies[failed].st, 0);
        custos__copy_fail(&a->copies[failed], &e);
    }
}

/* a->outputs and a->file_paths, from the copies as they ended. */
static int
list_outputs(struct custos_acquisition *a)
{
    size_t nfiles = 0;
    for (size_t i = 0; i < a->ncopies; i++)
        nfiles += a->copies[i].status == CUSTOS_OK ? a->copies[i].nfiles : 0;
    a->outputs = calloc(a->ncopies, sizeof(*a->outputs));
    a->file_paths = calloc(nfiles + 1, sizeof(char *));
    if (a->outputs == NULL || a->file_paths == NULL)
        return CUSTOS_E_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < a->ncopies; i++) {
        const struct custos__copy *c = &a->copies[i];
        struct custos_acquisition_output *out = &a->outputs[i];
        out->output = c->opt.output;
        out->format = c->opt.format;
        out->status = c->status;
        out->error = c->status != CUSTOS_OK ? c->err.message : "";
        out->record_path = c->status == CUSTOS_OK ? c->record_path : NULL;
        out->verified = c->verified;
        for (size_t j = 0; c->status == CUSTOS_OK && j < c->nfiles; j++)
            a->file_paths[k++] = c->files[j].path;
    }
    a->nfile_paths = k;
    return CUSTOS_OK;
}

int
custos__outputs_publish(struct custos_acquisition *a, struct custos_error *err)
{
    /* Every image first, each on its own; then the records (publish_records). */
    for (size_t i = 0; i < a->ncopies; i++) {
        struct custos__copy *c = &a->copies[i];
        struct custos_error e;
        custos_error_clear(&e);
        if (c->status == CUSTOS_OK && publish_batch(a, c, &e) != CUSTOS_OK)
            custos__copy_fail(c, &e);
    }
    int rc = publish_records(a, err);
    if (rc != CUSTOS_OK)
        return rc;
    size_t published = 0;
    for (size_t i = 0; i < a->ncopies; i++)
        published += a->copies[i].status == CUSTOS_OK;
    if (list_outputs(a) != CUSTOS_OK)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    if (published == a->ncopies)
        return CUSTOS_OK;
    if (published == 0)
        return custos_error_copy(err, &a->copies[0].err);
    /* Some stand: name every image that does not. */
    char msg[CUSTOS_ERROR_MESSAGE_MAX] = "";
    size_t len = 0;
    for (size_t i = 0; i < a->ncopies && len < sizeof(msg); i++)
        if (a->copies[i].status != CUSTOS_OK)
            len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s%s", len ? "; " : "",
                                    a->copies[i].err.message);
    return custos_error_set(err, CUSTOS_E_PARTIAL, 0, NULL,
                            "%zu of %zu images failed and were not published (%s); the others "
                            "were, each with its record, which lists the failure",
                            a->ncopies - published, a->ncopies, msg);
}
