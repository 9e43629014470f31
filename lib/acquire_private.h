/* SPDX-License-Identifier: ISC */
/*
 * acquire_private.h: the acquisition's result as acquire.c fills it and
 * record.c writes it down.
 */
#ifndef CUSTOS_ACQUIRE_PRIVATE_H
#define CUSTOS_ACQUIRE_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "acquire_private.h is internal to libcustos"
#endif

#include "custos/acquire.h"
#include "custos/source.h"
#include "hashring_private.h"
#include "image_private.h"

struct custos__outfile {
    char *path; /* as published */
    uint64_t size_bytes;
    uint8_t sha256[32];
};

/* Where one image's files go: its base name and the directory it is published in. */
struct custos__names {
    char dir[4096];
    char base[1024];  /* EWF: BASE of BASE.E01; raw: the output's name */
    char first[8192]; /* the first image file's final path, checked up front */
    char record[8192];
    char sig[8200]; /* record CUSTOS_RECORD_SIG_SUFFIX */
};

/*
 * One image of the run: the output, or a copy written from the same read
 * (acquire_outputs.c). Each is staged, verified and published on its own,
 * so a copy that fails (status) leaves the others standing.
 */
struct custos__copy {
    struct custos_acquire_options opt; /* the run's, with this image's output and format */
    struct custos__names names;
    struct custos__image_setup setup; /* img points to it */
    struct custos_staging *st;
    struct custos__image *img;
    int status;              /* CUSTOS_OK until this image fails */
    struct custos_error err; /* why it failed */
    int verified;            /* 1: re-read and matched */
    struct custos_digest_result verify_digests;
    double verify_seconds;
    struct custos__outfile *files; /* as published, with their SHA-256 */
    size_t nfiles;
    char *record_path, *sig_path; /* beside this image; NULL until staged */
    int record_fd;                /* the staged record, opened early; -1 */
    char *record_json;            /* the record published beside this image */
};

struct custos_acquisition {
    const struct custos_acquire_options *opt; /* valid during custos_acquire only */
    struct custos_source_info source;         /* copied; string pointers cleared */
    char *source_path;
    char started[32], finished[32]; /* RFC 3339 UTC */
    double seconds;                 /* reading to the last write */
    double verify_seconds;
    uint64_t bytes;
    uint32_t sector_bytes;
    struct custos_digest_result digests;
    struct custos__window *windows;
    size_t nwindows;
    struct custos_bad_range *bad;
    size_t nbad;
    unsigned read_retries_used; /* failed reads that were retried */
    int verified;               /* the primary's: 1: re-read and matched */
    int stored_match;           /* EWF source: its stored digests equal what
                                   was read (1), differ (0), none stored (-1) */
    struct custos_digest_result verify_digests;
    struct custos__outfile *files; /* the primary's (borrowed from copies) */
    size_t nfiles;
    const char **file_paths; /* every published image file, for custos_acquisition_files */
    size_t nfile_paths;
    char *record_path;           /* the primary's record (borrowed) */
    char *record_json;           /* the primary's (borrowed) */
    char *sig_path;              /* RECORD.sig as published; NULL when unsigned (borrowed) */
    struct custos__copy *copies; /* the output, then each copy */
    size_t ncopies;
    struct custos__copy *primary; /* the first image not failed: the record's "output" */
    struct custos_acquisition_output *outputs; /* for custos_acquisition_outputs */
    struct custos__badmap *badmap;             /* files over the bad ranges (badsector_map.c) */
    enum custos_media_type media_type;         /* as the E01 records it (media.c) */
    const char *media_from;                    /* CUSTOS__MEDIA_FROM_*: static */
    struct custos__resume *resume;             /* the journal (acquire_resume.c); NULL: none */
};

/*
 * acquire_outputs.c: the images of one run. Plans each image's names from
 * o (the output, then o->copies) into *copies (n of them), refusing two
 * outputs of the same name and any output that exists.
 */
int custos__outputs_plan(const struct custos_acquire_options *o, struct custos__copy **copies,
                         size_t *n, struct custos_error *err);
/* Frees what custos__outputs_plan and the run made (staging removed unless published). */
void custos__outputs_free(struct custos__copy *copies, size_t n);
/* Marks c failed with err's status and message (the first failure stays). */
void custos__copy_fail(struct custos__copy *c, const struct custos_error *err);
/* Hashes and stages c's image files (c->files), to be published in c->names.dir. */
int custos__copy_stage_files(const struct custos_acquisition *a, struct custos__copy *c,
                             struct custos_error *err);
/* Drops the page cache of c's staged files, so verification reads the disk. */
void custos__copy_drop_cache(const struct custos__copy *c);
/*
 * Creates c's record file in its staging directory before the record is
 * built, so that a destination that fails now (its directory removed, a
 * full disk) is listed as failed in the record the others publish.
 */
int custos__copy_open_record(struct custos__copy *c, struct custos_error *err);
/*
 * Publishes the images still standing, each on its own, then builds their
 * records, which then list every image as it ended, and publishes them
 * (custos__copy_open_record's file; a record is published only after its
 * images, and last of its set); fills
 * a's output list and file paths, and returns the run's status: CUSTOS_OK
 * when all were published, CUSTOS_E_PARTIAL (err names the failed ones)
 * when some were, else the first image's failure.
 */
int custos__outputs_publish(struct custos_acquisition *a, struct custos_error *err);
/* The first image not failed, or NULL when all failed. */
struct custos__copy *custos__outputs_primary(struct custos_acquisition *a);

/*
 * Builds the acquisition record (docs/formats/acquisition-record.md) to be
 * published beside copy c: its output and verification are c's, and with
 * several images, copies lists them all. *json is a new string.
 */
int custos__record_build(const struct custos_acquisition *a, const struct custos__copy *c,
                         char **json, struct custos_error *err);

#endif
