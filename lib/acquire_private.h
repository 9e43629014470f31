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

struct custos__outfile {
    char *path; /* as published */
    uint64_t size_bytes;
    uint8_t sha256[32];
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
    int verified;               /* 1: re-read and matched */
    int stored_match;           /* EWF source: its stored digests equal what
                                   was read (1), differ (0), none stored (-1) */
    struct custos_digest_result verify_digests;
    struct custos__outfile *files;
    size_t nfiles;
    const char **file_paths; /* for custos_acquisition_files */
    char *record_path;
    char *record_json;
    char *sig_path;                /* RECORD.sig as published; NULL when unsigned */
    struct custos__badmap *badmap; /* files over the bad ranges (badsector_map.c) */
    struct custos__resume *resume; /* during custos_acquire only: the journal; may be NULL */
};

/* Builds the acquisition record (docs/formats/acquisition-record.md) into a->record_json. */
int custos__record_build(struct custos_acquisition *a, struct custos_error *err);

#endif
