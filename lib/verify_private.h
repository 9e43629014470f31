/* SPDX-License-Identifier: ISC */
/*
 * verify_private.h: the state shared by verify.c (references, selection,
 * classification, report) and verify_target*.c (reading directories,
 * archives and images).
 */
#ifndef CUSTOS_VERIFY_PRIVATE_H
#define CUSTOS_VERIFY_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "verify_private.h is internal to libcustos"
#endif

#include <stddef.h>
#include <stdatomic.h>
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
/* Adds a reference item named name (copied). */
int custos__verify_add_item(struct custos_verify *v, enum ritem_kind kind, const char *name,
                            struct ritem **out);
/* Orders items by name (for qsort). */
int custos__verify_cmp_item(const void *a, const void *b);
/* The SHA-256 of the file at path, in hex. */
int custos__verify_sha256_file(const char *path, char hex[65], struct custos_error *err);
/* A bag's payload or tag manifest at its top: manifest-ALG.txt, tagmanifest-ALG.txt. */
int custos__verify_bag_manifest_name(const char *name);
/* The hex of the first of sha256, sha1, md5 in algs that r holds (its name in *alg). */
void custos__verify_hex_of(const struct custos_digest_result *r, unsigned algs, char hex[65],
                           const char **alg);
/* "md5, sha256" for the bits of algs, in that order. */
void custos__verify_digest_names(unsigned algs, char *buf, size_t len);
/* verify_classify.c: after the target was read, the classes and the run's
 * status (returned and kept in v->err), then the one-line summary. */
int custos__verify_classify(struct custos_verify *v);
void custos__verify_summarize(struct custos_verify *v);

/* verify_ref_*.c: load a reference's items (sets v->err on failure). */
int custos__verify_load_manifest(struct custos_verify *v);
int custos__verify_load_record(struct custos_verify *v);
int custos__verify_load_bag(struct custos_verify *v);
int custos__verify_load_bag_archive(struct custos_verify *v);
/* A sealed bag's signatures, with signer a key that must have signed. */
int custos__verify_check_seal(struct custos_verify *v, const struct custos_key *signer,
                              struct custos_error *err);

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

#define READ_BYTES (1u << 20) /* one read of a file, an archive entry or the medium */

/* Reads and hashes a target's files (verify_target.c). */
struct reader {
    struct custos_verify *v;
    struct custos_digest *d;
    uint8_t *buf;
    const struct custos_progress *p;
    uint64_t done, total;
    int detached;     /* on a thread of its own: counts done only, reports nothing */
    atomic_int *stop; /* detached: set when the run stops early */
};

/* A reader for the digests algs (SHA-256 always). Free it even on failure. */
int custos__verify_reader_init(struct reader *r, struct custos_verify *v, unsigned algs,
                               const struct custos_progress *p);
void custos__verify_reader_free(struct reader *r);
/*
 * Counts n more bytes read: progress, and v->bytes_read unless detached.
 * Returns CUSTOS_E_INTERRUPTED (in v->err unless detached) once cancelled.
 */
int custos__verify_advance(struct reader *r, uint64_t n);
/*
 * Hashes the regular file at path into *got. Returns CUSTOS_OK, or
 * CUSTOS_E_INCOMPLETE with *why set (a new string) when it cannot be read,
 * CUSTOS_E_MISMATCH with *why set when it is no regular file (a FIFO or a
 * device is never read), or CUSTOS_E_INTERRUPTED / CUSTOS_E_NOMEM.
 */
int custos__verify_hash_file(struct reader *r, const char *path, struct custos_digest_result *got,
                             uint64_t *bytes, char **why);
/* Records what hashing found for an item (frees why); returns a run-stopping status or OK. */
int custos__verify_settle(struct ritem *it, int rc, const struct custos_digest_result *got,
                          char *why);
/* Compares a symbolic link's target with the item's. */
int custos__verify_compare_link(struct ritem *it, const char *path);
/* Whether an extra of this size could be a moved reference item (so worth hashing). */
int custos__verify_may_be_moved(const struct custos_verify *v, uint64_t size);

/* verify_target_archive.c: opens an archive for reading (the caller reads the error from it). */
struct archive *custos__verify_archive_open(const char *path);
/* 1 when a path has a ".." component. */
int custos__verify_has_dotdot(const char *name);

/* verify_target*.c: fill found/checked/got/unreadable for every item, and the extras. */
int custos__verify_directory(struct custos_verify *v, const char *dir,
                             const struct custos_progress *p);
int custos__verify_archive(struct custos_verify *v, const char *path,
                           const struct custos_progress *p);
int custos__verify_image(struct custos_verify *v, const char *dir, const struct custos_progress *p);
void custos__verify_restore(struct custos_verify *v, const char *path,
                            const struct custos_progress *p);

#endif
