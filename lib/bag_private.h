/* SPDX-License-Identifier: ISC */
/*
 * bag_private.h: BagIt (RFC 8493) text files for the seal package: payload
 * and tag manifests, bag-info.txt, Payload-Oxum, and the rules for names.
 * Internal to libcustos (lib/bag.c); the format is docs/formats/package.md.
 */
#ifndef CUSTOS_BAG_PRIVATE_H
#define CUSTOS_BAG_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "bag_private.h is internal to libcustos"
#endif

#include <stddef.h>
#include <stdint.h>

#include "custos/digest.h"
#include "custos/error.h"
#include "strbuf_private.h"

#define BAG_PATH_MAX 4096 /* bytes of a path inside a bag */

/*
 * Bag texts are built with the shared string builder. seal.c still spells it
 * by its old name here until it includes strbuf_private.h itself.
 */
#define bag_buf                custos__sb
#define custos__bag_buf_printf custos__sb_printf
#define custos__bag_buf_free   custos__sb_free

/* What custos__bag_path_check found. */
enum bag_path {
    BAG_PATH_OK = 0,
    BAG_PATH_HOSTILE, /* absolute, a ".." or "." or empty component: never extracted */
    BAG_PATH_NAME,    /* a control character, backslash or '%': refused when sealing */
};

/* Checks a relative path inside a bag ("data/a/b"); returns an enum bag_path. */
int custos__bag_path_check(const char *rel);

/* One manifest line: path and SHA-256. */
struct bag_line {
    char *path;
    uint8_t sha256[32];
    uint64_t size; /* bytes, when known (payload seen), else 0 */
    int seen;      /* set by the checker when the file was found */
};

struct bag_manifest {
    struct bag_line *v;
    size_t n;
    size_t cap;
};

/* Adds a line (path is copied). Returns CUSTOS_OK or CUSTOS_E_NOMEM. */
int custos__bag_manifest_add(struct bag_manifest *m, const char *path, const uint8_t sha256[32],
                             uint64_t size);

/* Sorts by path bytes. Returns the index of a duplicated path, or -1. */
long custos__bag_manifest_sort(struct bag_manifest *m);

/* Finds path in a sorted manifest, or NULL. */
struct bag_line *custos__bag_manifest_find(const struct bag_manifest *m, const char *path);

/*
 * Parses manifest text ("HEX  PATH\n" lines, sha256sum's form); name is
 * the file for messages. The result is sorted.
 * Returns: CUSTOS_OK; CUSTOS_E_CORRUPT naming the line (bad line, bad path,
 * duplicate path); CUSTOS_E_NOMEM.
 */
int custos__bag_manifest_parse(const char *name, const char *text, size_t len,
                               struct bag_manifest *m, struct custos_error *err);

/* Appends the manifest's text, in its current order, to out. */
void custos__bag_manifest_text(const struct bag_manifest *m, struct custos__sb *out);

void custos__bag_manifest_free(struct bag_manifest *m);

/* bag-info.txt: labels and values in file order. */
struct bag_info {
    char **label;
    char **value;
    size_t n;
};

/*
 * Parses bag-info.txt text: "Label: value" lines (no continuation lines).
 * Returns: CUSTOS_OK; CUSTOS_E_CORRUPT naming the line; CUSTOS_E_NOMEM.
 */
int custos__bag_info_parse(const char *name, const char *text, size_t len, struct bag_info *info,
                           struct custos_error *err);

/* The value of the first line with label, or NULL. */
const char *custos__bag_info_get(const struct bag_info *info, const char *label);

void custos__bag_info_free(struct bag_info *info);

/* 1 when a bag-info value is acceptable: 1..4096 bytes of text without control characters. */
int custos__bag_value_ok(const char *v);

/* Parses "OCTETS.FILES". Returns 0, or -1 when malformed. */
int custos__bag_oxum_parse(const char *s, uint64_t *octets, uint64_t *files);

/* ---- foreign bags: RFC 8493 in full ---- */

#define BAG_ALGS 6 /* md5, sha1, sha224, sha256, sha384, sha512 */

/* The algorithm index of a manifest name's ALG ("sha512"), or -1. */
int custos__bag_alg(const char *name);
const char *custos__bag_alg_name(int alg);

/* One line of a manifest: the decoded path and its digest. */
struct bag_fline {
    char *path;
    uint8_t digest[64];
};

struct bag_fmanifest {
    int alg;
    struct bag_fline *v; /* sorted by path after parsing */
    size_t n, cap;
};

/*
 * Parses one payload or tag manifest (RFC 8493 2.1.3, 2.2.1): "DIGEST
 * PATH" lines, one or more spaces or tabs between, LF, CRLF or CR line
 * ends, %0A %0D %25 decoded in PATH; a leading "./" and an md5sum "*" are
 * accepted with a warning. PATH must be relative, without "..", not start
 * with "~", and be under data/ (payload) or not (tag). A path listed twice
 * is an error (before BagIt 1.0 only with two digests; else a warning).
 * version is BagIt-Version's value; warnings are appended to warn.
 * Returns: CUSTOS_OK; CUSTOS_E_CORRUPT naming the file and line; CUSTOS_E_NOMEM.
 */
int custos__bag_fmanifest_parse(const char *name, const char *text, size_t len, int alg,
                                int payload, const char *version, struct bag_fmanifest *m,
                                struct custos__sb *warn, struct custos_error *err);
void custos__bag_fmanifest_free(struct bag_fmanifest *m);

/* A payload file of a foreign bag, with what its manifests record. */
struct bag_file {
    char *path;                      /* "data/..." */
    struct custos_digest_result ref; /* md5, sha1, sha256 from the manifests */
    int fetch;                       /* listed in fetch.txt and absent: not checked */
    int bad;                         /* present, and differs from a sha224/384/512-only manifest */
};

struct bag_check {
    char version[16];
    char encoding[64];
    struct bag_file *v;
    size_t n;
    unsigned algs; /* the CUSTOS_DIGEST_* manifests held */
    int derived;   /* no md5/sha1/sha256 manifest: SHA-256 taken from the read
                      that checked the payload against derived_alg's manifest */
    int derived_alg;
    uint64_t oxum_octets, oxum_files;
    int oxum;
    struct custos__sb warnings;  /* one line each */
    char tagmanifest_sha256[65]; /* of tagmanifest-sha256.txt, "" when none */
    int tag_mismatch;            /* set on failure too: a tag file differs from a tag manifest */
};

/*
 * Checks the bag in directory dir as RFC 8493 asks of a valid bag: bagit.txt
 * (exactly "BagIt-Version: M.N" and "Tag-File-Character-Encoding: ENC", no
 * byte-order mark), tag files in ENC (UTF-8, UTF-16, ISO-8859-1, ...
 * through iconv), every payload and tag manifest of any of the six
 * algorithms, every payload manifest listing the same files, every tag
 * manifest's files and digests, fetch.txt's lines and paths, Payload-Oxum
 * (when every payload file is present).
 * Payload content is left to the caller for md5, sha1 and sha256; a bag
 * holding only sha224/384/512 manifests has each present payload file read
 * here once, checked against the strongest, and its SHA-256 taken.
 * Returns: CUSTOS_OK; CUSTOS_E_CORRUPT naming the file and rule ("not a
 * valid bag"); CUSTOS_E_IO; CUSTOS_E_NOMEM.
 */
int custos__bag_check_dir(const char *dir, struct bag_check *bc, struct custos_error *err);
void custos__bag_check_free(struct bag_check *bc);

#endif
