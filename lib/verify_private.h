/* SPDX-License-Identifier: ISC */
/*
 * verify_private.h: the state shared by verify.c (references, selection,
 * classification, report) and verify_target.c (reading directories,
 * archives and images).
 */
#ifndef CUSTOS_VERIFY_PRIVATE_H
#define CUSTOS_VERIFY_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "verify_private.h is internal to libcustos"
#endif

#include <stddef.h>
#include <stdint.h>

#include "custos/digest.h"
#include "custos/verify.h"

/* What a reference item is. */
enum ritem_kind {
    RITEM_FILE,    /* a file (manifest, bag payload): size and digests */
    RITEM_SYMLINK, /* a symbolic link: its target */
    RITEM_IMGFILE, /* an image file listed by an acquisition record: size and SHA-256 */
    RITEM_MEDIUM,  /* the medium an acquisition record describes */
    RITEM_WINDOW,  /* a piecewise window of that medium */
};

/* One reference item and what was found about it. */
struct ritem {
    enum ritem_kind kind;
    char *name;                      /* NUL-terminated, never contains NUL */
    uint64_t size;                   /* recorded bytes (symlink: target length) */
    uint64_t offset;                 /* RITEM_WINDOW: first byte */
    struct custos_digest_result ref; /* recorded digests; algs 0 when none */
    char *target;                    /* RITEM_SYMLINK: recorded link target */
    int counts;                      /* counted in the byte coverage */
    int fetch;                       /* a bag's file listed in fetch.txt: absent is not checked */
    int selected;                    /* content to be compared */
    /* Found now. */
    int found;
    uint64_t found_size;
    int checked; /* content read and compared */
    struct custos_digest_result got;
    int unreadable;
    int differs;
    char *detail;
    char *moved_to;
};

/* A file in the target that no reference item names (a candidate extra). */
struct extra {
    char *name;
    uint64_t size;
    int hashed;
    struct custos_digest_result got;
    int unreadable;
    int paired; /* taken by a moved reference item */
};

struct custos_verify {
    struct custos_error err;
    enum custos_verify_ref_kind kind;
    char *ref_path;
    char ref_sha256[65];
    char *root;    /* manifest root, stripped from names; NULL for none */
    unsigned algs; /* the digests to compute: those the reference holds until a run picks */
    unsigned held; /* the digests the reference holds (set when a run picks) */
    struct ritem *items;
    size_t nitems, capitems;
    struct extra *extras;
    size_t nextras, capextras;
    uint64_t extras_unlisted; /* extras past CUSTOS_VERIFY_EXTRAS_LISTED: counted only */
    int hostile;              /* the target holds a hostile member (refused) */
    /* Record only. */
    char **img_names; /* output.files[].name, in order */
    size_t nimg;
    char *img_format; /* "raw" or "e01" */
    char *record_status;
    uint64_t window_bytes;
    /* Bag only. */
    char *warnings;      /* what the reference's check warned of, one line each, or NULL */
    char *bag_base;      /* the bag's name: the archive's top directory, or the directory's */
    int bag_archive;     /* the reference is a package archive (tar or zip), not a directory */
    int bag_sealed;      /* the bag holds custos-seal/ (signatures) */
    int bag_tagmanifest; /* ref_sha256 is of its tagmanifest-sha256.txt */
    /* Bag only, per target: how its names map to the bag's (custos__verify_bag_layout). */
    int layout_known;
    char *tbase;  /* a top directory the target keeps the bag under, stripped; NULL: none */
    int tpayload; /* the target holds the payload alone: "data/" is put before its names */
    /* Signature. */
    char sig_status[24]; /* "valid", "invalid", "unsigned" */
    char sig_signer[65];
    char sig_path[1024];
    /* The run. */
    int ran;
    int status;
    struct custos_verify_options opt;
    char *target_path;
    enum custos_verify_target_kind target_kind;
    char target_format[96];
    int container_corrupt;
    char container_detail[512];
    char restore_result[16];
    char restore_detail[256];
    uint64_t restore_files, restore_bytes;
    struct custos_digest_result stored; /* E01 stored digests */
    int stored_match;                   /* -1 not compared, 0 differs, 1 equal */
    struct {
        uint64_t offset, length;
    } * bad; /* damaged ranges of the medium */
    size_t nbad, capbad;
    int empty_selection;
    uint64_t bytes_read;
    double seconds;
    char started[40];
    char summary[512];
    struct custos_verify_item *out; /* the findings, built after the run */
    size_t nout;
};

/* Extras listed one by one; more are counted (struct custos_verify_totals). */
#define CUSTOS_VERIFY_EXTRAS_LISTED 10000

/* verify.c */
int custos__verify_lookup(const struct custos_verify *v, const char *name, size_t *idx);
/* Adds an extra; past CUSTOS_VERIFY_EXTRAS_LISTED only counts it (*out NULL). */
int custos__verify_add_extra(struct custos_verify *v, const char *name, uint64_t size,
                             struct extra **out);
int custos__verify_set_detail(struct ritem *it, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * The reference's name for a name found in the target: without "./", the
 * manifest's root or a bag target's top directory; with "data/" before it
 * when a bag's target holds the payload alone (then in buf, of size bytes).
 */
const char *custos__verify_normalize(const struct custos_verify *v, const char *name, char *buf,
                                     size_t size);
/*
 * A bag reference: decides once per target, from the first file name found
 * in an archive target, whether the target holds the bag at its top, under
 * one top directory, or the payload alone (sets layout_known, tbase,
 * tpayload). Returns CUSTOS_OK or CUSTOS_E_NOMEM.
 */
int custos__verify_bag_layout(struct custos_verify *v, const char *name);
/* 1 when name (relative to a bag's top) is one of its tag files or under data/. */
int custos__verify_bag_marker(const char *name);

/* verify_target.c: fill found/checked/got/unreadable for every item, and the extras. */
int custos__verify_directory(struct custos_verify *v, const char *dir,
                             const struct custos_progress *p);
int custos__verify_archive(struct custos_verify *v, const char *path,
                           const struct custos_progress *p);
int custos__verify_image(struct custos_verify *v, const char *dir, const struct custos_progress *p);
void custos__verify_restore(struct custos_verify *v, const char *path,
                            const struct custos_progress *p);

#endif
