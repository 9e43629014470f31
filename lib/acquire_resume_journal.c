/* SPDX-License-Identifier: ISC */
/*
 * acquire_resume_journal.c: the journal of a resumable acquisition
 * (acquire_resume.c) as it is kept and found again: saved atomically,
 * locked while a run uses it, found beside the output by --resume, and
 * read back into the options of the interrupted run. A run killed between
 * the renames of its publication is taken up here too (take_back). The
 * invariants are acquire_resume.c's.
 */
#include "acquire_resume_private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "acquire_private.h"
#include "custos/atomicfile.h"
#include "custos/custos.h"
#include "fsutil_private.h"

int
custos__resume_journal_save(struct custos__resume *r, struct custos_error *err)
{
    char path[8192];
    snprintf(path, sizeof(path), "%s/%s", r->dir, CUSTOS__RESUME_JOURNAL);
    char *text = json_dumps(r->j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    struct custos_atomicfile *f = NULL;
    int rc = custos_atomicfile_create(&f, path, 0600 | CUSTOS_ATOMICFILE_REPLACE, err);
    if (rc == CUSTOS_OK && (rc = custos_atomicfile_write(f, text, strlen(text))) == CUSTOS_OK)
        rc = custos_atomicfile_close(f);
    if (rc != CUSTOS_OK && f != NULL)
        custos_error_copy(err, custos_atomicfile_error(f));
    if (rc == CUSTOS_OK || f != NULL)
        custos_atomicfile_free(f);
    free(text);
    return rc;
}

int
custos__resume_lock(struct custos__resume *r, struct custos_error *err)
{
    r->dir_fd = open(r->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (r->dir_fd < 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, r->dir, "cannot open");
    if (flock(r->dir_fd, LOCK_EX | LOCK_NB) != 0)
        return custos_error_set(err, CUSTOS_E_REFUSED, errno, r->dir,
                                "another acquisition is writing there now");
    return CUSTOS_OK;
}

struct custos__resume *
custos__resume_new(const char *dir)
{
    struct custos__resume *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->dir_fd = -1;
    if ((r->dir = strdup(dir)) == NULL) {
        free(r);
        return NULL;
    }
    return r;
}

const char *
custos__resume_jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "";
}

/* The options of the interrupted run, as the journal has them (strings stay in r->j). */
static int
load_options(struct custos__resume *r, struct custos_error *err)
{
    json_t *o = json_object_get(r->j, "options");
    struct custos_acquire_options *a = &r->opt;
    custos_acquire_options_init(a);
    const char **strs[] = {&a->record_path, &a->case_number, &a->evidence_number, &a->examiner,
                           &a->description, &a->notes,       &a->authorisation,   &a->command_line};
    const char *keys[] = {"record_path", "case_number", "evidence_number", "examiner",
                          "description", "notes",       "authorisation",   "command_line"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        *strs[i] = json_string_value(json_object_get(o, keys[i]));
    r->e01 = strcmp(custos__resume_jstr(o, "format"), "e01") == 0;
    a->format = r->e01 ? CUSTOS_IMAGE_EWF : CUSTOS_IMAGE_RAW;
    a->compression = (enum custos_compression)json_integer_value(json_object_get(o, "compression"));
    a->segment_bytes = (uint64_t)json_integer_value(json_object_get(o, "segment_bytes"));
    a->digests = (unsigned)json_integer_value(json_object_get(o, "digests"));
    a->window_bytes = (uint64_t)json_integer_value(json_object_get(o, "window_bytes"));
    a->retries = (unsigned)json_integer_value(json_object_get(o, "retries"));
    a->verify = json_is_true(json_object_get(o, "verify"));
    a->sector_bytes = (uint32_t)json_integer_value(json_object_get(o, "sector_bytes"));
    a->no_authorisation = json_is_true(json_object_get(o, "no_authorisation"));
    const char *media = json_string_value(json_object_get(o, "media_type"));
    if (media != NULL)
        custos_media_type_parse(media, &a->media_type); /* "auto" stays CUSTOS_MEDIA_AUTO */
    a->output = r->output;
    a->source = r->source != NULL ? r->source
                                  : custos__resume_jstr(json_object_get(r->j, "source"), "path");
    json_t *bad = json_object_get(r->j, "unreadable");
    r->njbad = json_array_size(bad);
    r->jbad = calloc(r->njbad ? r->njbad : 1, sizeof(*r->jbad));
    if (r->jbad == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    for (size_t i = 0; i < r->njbad; i++)
        r->jbad[i] = (struct custos_bad_range){
            (uint64_t)json_integer_value(json_array_get(json_array_get(bad, i), 0)),
            (uint64_t)json_integer_value(json_array_get(json_array_get(bad, i), 1))};
    return CUSTOS_OK;
}

/* The latest change to the journal or a staged file: when a killed run last wrote. */
static void
last_write(const char *dir, char *buf, size_t len)
{
    time_t latest = 0;
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        struct stat sb;
        if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode) &&
            sb.st_mtime > latest)
            latest = sb.st_mtime;
    }
    if (d != NULL)
        closedir(d);
    struct tm tm;
    gmtime_r(&latest, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The journal in staging directory dir, when it is one of output's; NULL otherwise. */
static json_t *
journal_load(const char *dir, const char *output_name, time_t *mtime)
{
    char path[8192];
    struct stat sb;
    snprintf(path, sizeof(path), "%s/%s", dir, CUSTOS__RESUME_JOURNAL);
    if (stat(path, &sb) != 0)
        return NULL;
    json_t *j = json_load_file(path, 0, NULL);
    const char *out = json_string_value(json_object_get(json_object_get(j, "options"), "output"));
    if (j == NULL || strcmp(custos__resume_jstr(j, "format"), CUSTOS__RESUME_FORMAT) != 0 ||
        out == NULL || strcmp(custos__basename(out), output_name) != 0) {
        json_decref(j);
        return NULL;
    }
    *mtime = sb.st_mtime;
    return j;
}

enum pub_state { PUB_STAGED, PUB_OUT, PUB_LOST };

/* Where the journal's publishing entry e is now: still staged, published (the same inode), or
 * neither. */
static enum pub_state
pub_state(const struct custos__resume *r, const json_t *e, char *staged, size_t len)
{
    struct stat sb;
    snprintf(staged, len, "%s/%s", r->dir, custos__resume_jstr(e, "name"));
    if (lstat(staged, &sb) == 0)
        return PUB_STAGED;
    if (lstat(custos__resume_jstr(e, "final"), &sb) == 0 &&
        (json_int_t)sb.st_dev == json_integer_value(json_object_get(e, "dev")) &&
        (json_int_t)sb.st_ino == json_integer_value(json_object_get(e, "ino")))
        return PUB_OUT;
    return PUB_LOST;
}

/* Appends ", s" (or s) to list, a CUSTOS_ERROR_MESSAGE_MAX buffer; NULL: nothing. */
static void
list_add(char *list, const char *s)
{
    size_t n = list != NULL ? strlen(list) : CUSTOS_ERROR_MESSAGE_MAX;
    if (n < CUSTOS_ERROR_MESSAGE_MAX)
        snprintf(list + n, CUSTOS_ERROR_MESSAGE_MAX - n, "%s%s", n ? ", " : "", s);
}

/* A run killed between the renames of its publication: invariant 6. A file neither staged
 * nor published as journaled is reported with where everything is, and nothing is moved. */
static int
take_back(struct custos__resume *r, struct custos_error *err)
{
    json_t *pub = json_object_get(r->j, "publishing"), *e;
    char staged[8192], lost[CUSTOS_ERROR_MESSAGE_MAX] = "", out[CUSTOS_ERROR_MESSAGE_MAX] = "";
    size_t i, nlost = 0, nout = 0;
    int record_out = 0;
    json_array_foreach(pub, i, e)
    {
        enum pub_state s = pub_state(r, e, staged, sizeof(staged));
        list_add(s == PUB_LOST ? lost : s == PUB_OUT ? out : NULL, custos__resume_jstr(e, "final"));
        nlost += s == PUB_LOST, nout += s == PUB_OUT;
        record_out |= s == PUB_OUT && strcmp(custos__resume_jstr(e, "name"), "record.json") == 0;
    }
    if (nlost != 0)
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, r->dir,
                                "the interrupted run's publication cannot be taken up: %s neither "
                                "staged here nor published as it was (missing, or another file "
                                "now); published: %s; the rest is staged here; nothing was changed",
                                lost, nout ? out : "nothing");
    if (record_out && nout == json_array_size(pub)) {
        struct custos_staging *st; /* only the journal is left there: removed with it */
        if (custos__staging_adopt(&st, r->dir, err) == CUSTOS_OK)
            custos_staging_free(st);
        return custos_error_set(err, CUSTOS_E_USAGE, 0, r->output,
                                "nothing to resume: the interrupted run published it whole (%s) "
                                "before it ended; its staging directory is removed",
                                out);
    }
    json_array_foreach(pub, i, e)
    {
        if (pub_state(r, e, staged, sizeof(staged)) == PUB_OUT &&
            (rename(custos__resume_jstr(e, "final"), staged) != 0 ||
             custos__fsync_parent(custos__resume_jstr(e, "final")) != 0))
            return custos_error_set(err, CUSTOS_E_IO, errno, custos__resume_jstr(e, "final"),
                                    "cannot take it back into %s to resume", r->dir);
    }
    if (nout != 0 && custos__fsync_path(r->dir, O_DIRECTORY) != 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, r->dir, "cannot flush to disk");
    json_object_del(r->j, "publishing");
    return nout != 0 ? custos__resume_journal_save(r, err) : CUSTOS_OK;
}

/* The newest staging directory beside output whose journal is output's. */
static int
find_staging(const char *output, char *found, size_t len, struct custos_error *err)
{
    char dir[4096];
    custos__dirname(output, dir, sizeof(dir));
    DIR *d = opendir(dir);
    if (d == NULL)
        return custos_error_set(err, CUSTOS_E_USAGE, errno, dir, "cannot list the directory");
    const char *prefix = ".custos" CUSTOS_INCOMPLETE_INFIX;
    time_t best = 0;
    found[0] = '\0';
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
            continue;
        char cand[8192];
        time_t mt;
        snprintf(cand, sizeof(cand), "%s/%s", dir, de->d_name);
        json_t *j = journal_load(cand, custos__basename(output), &mt);
        if (j != NULL && (found[0] == '\0' || mt > best)) {
            snprintf(found, len, "%s", cand);
            best = mt;
        }
        json_decref(j);
    }
    closedir(d);
    if (found[0] == '\0')
        return custos_error_set(err, CUSTOS_E_USAGE, 0, output,
                                "nothing to resume: no interrupted acquisition of it in %s (only "
                                "an acquisition with one output can be resumed, not a run with "
                                "several outputs)",
                                dir);
    return CUSTOS_OK;
}

int
custos__resume_open(struct custos__resume **out, const char *output, const char *source,
                    struct custos_error *err)
{
    *out = NULL;
    char dir[8192];
    time_t mt;
    int rc = find_staging(output, dir, sizeof(dir), err);
    if (rc != CUSTOS_OK)
        return rc;
    struct custos__resume *r = custos__resume_new(dir);
    if (r == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    r->resuming = 1;
    r->output = strdup(output);
    r->source = source != NULL ? strdup(source) : NULL;
    if (r->output == NULL || (source != NULL && r->source == NULL))
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    if (rc == CUSTOS_OK)
        rc = custos__resume_lock(r, err);
    /* Read again under the lock: the run that held it may have changed it. */
    if (rc == CUSTOS_OK && (r->j = journal_load(dir, custos__basename(output), &mt)) == NULL)
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, dir, "the journal cannot be read");
    if (rc == CUSTOS_OK && json_is_null(json_object_get(r->j, "stopped"))) {
        /* Killed: no word of when; the last write is the best witness. */
        char when[32];
        last_write(dir, when, sizeof(when));
        json_object_set_new(r->j, "stopped",
                            json_pack("{s:s, s:s}", "time", when, "cause",
                                      "unknown (the process ended without a word: the time is "
                                      "that of its last write)"));
    }
    if (rc == CUSTOS_OK)
        rc = take_back(r, err);
    if (rc == CUSTOS_OK)
        rc = load_options(r, err);
    if (rc != CUSTOS_OK) {
        custos__resume_free(r);
        return rc;
    }
    *out = r;
    return CUSTOS_OK;
}

int
custos_acquire_resume(const char *output, const char *source, const struct custos_key *record_key,
                      const struct custos_progress *p, struct custos_acquisition **out,
                      struct custos_error *err)
{
    *out = NULL;
    struct custos__resume *r;
    int rc = custos__resume_open(&r, output, source, err);
    if (rc != CUSTOS_OK)
        return rc;
    r->opt.record_key = record_key;
    return custos__acquire_run(&r->opt, p, r, out, err);
}

int
custos_acquire_resume_options(const char *output, char **json, struct custos_error *err)
{
    *json = NULL;
    char dir[8192];
    time_t mt;
    int rc = find_staging(output, dir, sizeof(dir), err);
    if (rc != CUSTOS_OK)
        return rc;
    json_t *j = journal_load(dir, custos__basename(output), &mt);
    if (j == NULL)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, dir, "the journal cannot be read");
    *json = json_dumps(json_object_get(j, "options"), JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    return *json != NULL ? CUSTOS_OK
                         : custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
}

json_t *
custos__resume_record_json(const struct custos__resume *r)
{
    json_t *a = r != NULL ? json_object_get(r->j, "interruptions") : NULL;
    return a != NULL ? json_deep_copy(a) : json_array();
}

void
custos__resume_free(struct custos__resume *r)
{
    if (r == NULL)
        return;
    if (r->dir_fd >= 0)
        close(r->dir_fd); /* and with it the lock */
    for (size_t i = 0; i < r->nparts; i++)
        close(r->parts[i].fd);
    free(r->parts);
    custos__ewf_staged_free(r->ewf);
    free(r->jbad);
    free(r->cmp);
    free(r->tmp);
    free(r->sec);
    json_decref(r->j);
    free(r->output);
    free(r->source);
    free(r->dir);
    free(r);
}
