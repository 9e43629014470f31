/* SPDX-License-Identifier: ISC */
/*
 * acquire_resume_private.h: resumable acquisitions (acquire_resume.c), as
 * acquire.c calls them: the journal kept in the staging directory, the
 * check that a resumed run reads the same medium, and the pass's hooks that
 * take the verified part of the staged image up again.
 *
 * Outline, a new run:
 *   1. custos__resume_staging(&r, ...) creates the staging directory and
 *      the journal (r stays NULL for an output that cannot be resumed:
 *      a stream); acquire.c calls it only for a run of one image
 *   2. the pass reads through custos__resume_read and writes through
 *      custos__resume_write; read_slot reports its unreadable sectors
 *      with custos__resume_note_bad
 *   3. on failure, custos__resume_stopped says whether to keep the staging
 *      directory (an interruption, a failing medium or disk)
 * A resumed run: custos__resume_open finds the journal, custos__acquire_run
 * runs with its options, custos__resume_staging checks the medium and
 * takes up the staging directory, then as 2 and 3.
 */
#ifndef CUSTOS_ACQUIRE_RESUME_PRIVATE_H
#define CUSTOS_ACQUIRE_RESUME_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "acquire_resume_private.h is internal to libcustos"
#endif

#include <jansson.h>

#include "custos/acquire.h"
#include "custos/source.h"
#include "hashring_private.h"
#include "image_private.h"
#include "staging_private.h"

/* The journal's "format" value; its name is CUSTOS__RESUME_JOURNAL (staging_private.h). */
#define CUSTOS__RESUME_FORMAT "custos-acquisition-journal"

struct custos__resume;

/* How the resumed pass reads what is not kept (acquire.c's reader). */
struct custos__resume_reader {
    custos__hashring_read_fn read;              /* the medium past the kept bytes */
    int (*add_bad)(void *ctx, uint64_t sector); /* a journaled unreadable sector, carried over */
    void *ctx;
    uint32_t sector_bytes;
    size_t slot_bytes; /* the ring's: kept parts are whole slots */
    struct custos_source *src;
};

/*
 * The run's staging directory *st. Resuming (*r set): checks that src is
 * the interrupted run's medium (size, kind, model and serial, sector size,
 * and sample sectors equal to the staged image's), then takes up its
 * directory. Else creates one in dir and, when the output can be resumed,
 * writes the journal there and sets *r (NULL otherwise).
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED for another medium; CUSTOS_E_IO;
 * CUSTOS_E_NOMEM.
 */
int custos__resume_staging(struct custos__resume **r, const struct custos_acquire_options *o,
                           struct custos_source *src, uint32_t sector_bytes, size_t slot_bytes,
                           const char *dir, const char *started, struct custos_staging **st,
                           struct custos_error *err);

/* Whether r takes up an interrupted run (0 for a new run or NULL). */
int custos__resume_resuming(const struct custos__resume *r);

/* A resumed run's start time (the interrupted run's). */
const char *custos__resume_started(const struct custos__resume *r);

/* Sets the reader the pass falls back to; before the pass. */
void custos__resume_set_reader(struct custos__resume *r, const struct custos__resume_reader *rd);

/* The pass's read function (ctx: r): the verified staged bytes, then rd's. */
int custos__resume_read(void *ctx, uint64_t offset, uint8_t *buf, size_t want, size_t *got,
                        struct custos_error *err);

/* The writer's: skips what is kept, takes up the staged files once. */
int custos__resume_write(struct custos__resume *r, struct custos__image *img, uint64_t offset,
                         const uint8_t *data, size_t len, int eof);

/* Journals the unreadable sectors and the failed reads retried so far (reader thread), read
 * up to byte through. */
int custos__resume_note_bad(struct custos__resume *r, const struct custos_bad_range *bad,
                            size_t nbad, unsigned retried, uint64_t through,
                            struct custos_error *err);

/*
 * Before a batch of st is published (acquire_outputs.c): journals every
 * file of the set, its staged name, its final path (absolute) and its
 * inode, so that a run killed between the renames can be taken up
 * (custos__resume_take_back). r may be NULL (nothing to do).
 */
int custos__resume_publishing(struct custos__resume *r, const struct custos_staging *st,
                              struct custos_error *err);

/* Failed reads retried before the kept bytes' end (the interrupted runs'). */
/* E01: the staged set taken up for the image writer (setup.ewf_staged), or NULL. */
struct custos__ewf_staged *custos__resume_ewf(const struct custos__resume *r);

/*
 * E01 writer: 1 when the chunk at offset is kept (already in the taken-up
 * set: not written again), 0 when it is to be written (the first such call
 * positions img at the kept bytes' end), -1 when that fails (img's error).
 */
int custos__resume_ewf_skip(struct custos__resume *r, struct custos__image *img, uint64_t offset);

unsigned custos__resume_retries_kept(const struct custos__resume *r);

/*
 * The run failed with status: 1 when its staging directory is to be kept
 * for --resume (the journal then says when and why it stopped, and err
 * says how to resume), else 0.
 */
int custos__resume_stopped(struct custos__resume *r, int status, struct custos_error *err);

/* The record's "interruptions" array (new reference); r may be NULL. */
json_t *custos__resume_record_json(const struct custos__resume *r);

/* Finds output's journal (docs/formats/acquisition-record.md, "Resuming"). */
int custos__resume_open(struct custos__resume **out, const char *output, const char *source,
                        struct custos_error *err);

void custos__resume_free(struct custos__resume *r);

/* acquire.c: an acquisition, new (r NULL) or resumed; takes r. */
int custos__acquire_run(const struct custos_acquire_options *o, const struct custos_progress *p,
                        struct custos__resume *r, struct custos_acquisition **out,
                        struct custos_error *err);

/*
 * The state of a resumable run. Only acquire_resume.c and
 * acquire_resume_journal.c use its fields.
 */
struct custos__resume_part {
    int fd;
    uint64_t bytes;
};

struct custos__resume {
    char *dir;  /* the staging directory */
    int dir_fd; /* flock'd (invariant 4) */
    json_t *j;  /* the journal */
    int resuming;
    struct custos_acquire_options opt; /* resumed: strings point into j */
    char *output, *source;
    /* The resumed pass. */
    struct custos__resume_reader rd;
    struct custos_bad_range *jbad; /* the journal's unreadable sectors */
    size_t njbad, cur;
    struct custos__resume_part *parts; /* the staged files, in order */
    size_t nparts;
    uint64_t staged_bytes; /* whole sectors of the staged image to verify */
    uint64_t staged_any;   /* every staged byte, torn tail included: sampled for identity */
    uint64_t kept;         /* verified so far; the writer reads it (__atomic) */
    int final;             /* kept will not grow (__atomic) */
    int positioned;        /* writer: the staged files are taken up */
    uint8_t *cmp, *tmp, *sec;
    unsigned retries_kept;
    int e01;                        /* the output is an E01 set (invariant 6) */
    struct custos__ewf_staged *ewf; /* its staged set, taken up through libewf; or NULL */
    char ewf_why[512];              /* why it was not (then written anew) */
};

/* acquire_resume_journal.c, for acquire_resume.c. */
struct custos__resume *custos__resume_new(const char *dir);
/* Replaces the journal atomically (invariant 5). */
int custos__resume_journal_save(struct custos__resume *r, struct custos_error *err);
/* Opens and flocks the staging directory (invariant 4). */
int custos__resume_lock(struct custos__resume *r, struct custos_error *err);
/* The string member key of o, or "" when there is none. */
const char *custos__resume_jstr(const json_t *o, const char *key);

#endif
