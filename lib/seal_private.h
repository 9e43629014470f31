/* SPDX-License-Identifier: ISC */
/*
 * seal_private.h: reading the tag files of a seal package archive without
 * its payload, for modules that take a package as a reference (verify.c).
 * Internal to libcustos (lib/seal_*.c); the format is docs/formats/package.md.
 */
#ifndef CUSTOS_SEAL_PRIVATE_H
#define CUSTOS_SEAL_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "seal_private.h is internal to libcustos"
#endif

#include <stddef.h>
#include <stdint.h>

#include "custos/error.h"
#include "custos/seal.h"

/* One tag file (an entry outside data/) of a package archive. */
struct seal_tag {
    char *rel;      /* path inside the bag ("bagit.txt", "custos-seal/FP16.sig") */
    uint8_t *bytes; /* its content, NUL-terminated after len; NULL when not kept */
    size_t len;     /* bytes (0 when not kept) */
};

/* The tag files of a package archive, in archive order. */
struct seal_tags {
    enum custos_seal_format format; /* CUSTOS_SEAL_TAR or CUSTOS_SEAL_ZIP */
    char base[256];                 /* the bag's top-level directory in the archive */
    struct seal_tag *v;
    size_t n;
    uint64_t payload_entries; /* data/ entries passed over, unread */
};

/*
 * Reads the package archive at package (a tar or zip file, as custos-seal
 * writes it; no compression filter) as one stream: every entry is checked
 * as custos_seal_verify checks it (one top-level directory, no absolute or
 * ".." path, no link or special file, no tag file stored twice), the
 * payload entries are passed over unread, and the content of each tag file
 * for which keep(rel) returns 1 is kept, within the format's limits
 * (CUSTOS_SEAL_TAG_FILES_MAX tag files of under CUSTOS_SEAL_TAG_FILE_MAX
 * bytes, CUSTOS_SEAL_ENTRIES_MAX entries).
 * Returns: CUSTOS_OK; CUSTOS_E_CORRUPT (not a tar or zip file, damaged or
 * truncated; the message names the package); CUSTOS_E_REFUSED (a hostile
 * entry or a limit exceeded); CUSTOS_E_USAGE (package is a directory);
 * CUSTOS_E_IO; CUSTOS_E_NOMEM. *out is released on failure.
 */
int custos__seal_read_tags(const char *package, int (*keep)(const char *rel), struct seal_tags *out,
                           struct custos_error *err);

/* The tag file rel, or NULL. */
const struct seal_tag *custos__seal_tag(const struct seal_tags *t, const char *rel);

/* Releases what custos__seal_read_tags filled in; the struct may be reused. */
void custos__seal_tags_free(struct seal_tags *t);

/*
 * Shared by the seal modules: seal_archive.c (reader, writer), seal_verify.c
 * (the scan), seal_cosign.c and seal_create.c.
 */
#include <limits.h>
#include <locale.h>
#include <stdint.h>

#include "bag_private.h"

#define CUSTOS__SEAL_IO_CHUNK (1024 * 1024) /* bytes per read while hashing and copying */

struct archive;
struct archive_entry;

/* Sets err from libarchive's message for a: "what: message". Returns status. */
int custos__seal_ar_err(struct archive *a, struct custos_error *err, int status, const char *path,
                        const char *what);

/* ---- Writer (seal_archive.c): a directory bag, or a tar or zip file ---- */

struct custos_atomicfile;
struct custos_staging;

struct seal_writer {
    enum custos_seal_format fmt;
    char final[PATH_MAX];         /* the published name */
    char tmp[PATH_MAX];           /* directory: the bag inside the staging directory */
    char base[256];               /* archive: top-level directory of every entry */
    int replace;                  /* 1: publishing replaces final (cosign of an archive) */
    struct custos_staging *stg;   /* directory */
    struct custos_atomicfile *af; /* archive */
    struct archive *a;
    struct archive_entry *e;
    int open_entry;
    int failed;
    locale_t utf8; /* archive: names are converted to UTF-8 under this */
};

/*
 * Starts a writer that will publish at final (a directory bag, or an
 * archive whose entries lie under base/). replace: 1 only when cosigning
 * replaces its own archive. Returns CUSTOS_OK or an error status (err set).
 */
int custos__seal_writer_open(struct seal_writer *w, enum custos_seal_format fmt, const char *final,
                             const char *base, int replace, struct custos_error *err);
/* One regular file entry: begin, data as often as needed, end. */
int custos__seal_writer_begin(struct seal_writer *w, const char *rel, uint64_t size, int64_t mtime,
                              struct custos_error *err);
int custos__seal_writer_data(struct seal_writer *w, const void *buf, size_t n,
                             struct custos_error *err);
int custos__seal_writer_end(struct seal_writer *w, struct custos_error *err);
/* A whole entry from memory. */
int custos__seal_writer_bytes(struct seal_writer *w, const char *rel, const void *buf, size_t n,
                              int64_t mtime, struct custos_error *err);
/* Finishes, syncs and publishes; the writer is released either way. */
int custos__seal_writer_commit(struct seal_writer *w, struct custos_error *err);
/* Drops everything written; nothing is published. */
void custos__seal_writer_abort(struct seal_writer *w);

/* ---- Reader (seal_archive.c): a directory bag, or a tar or zip file ---- */

enum rkind { RK_FILE, RK_DIR, RK_SYMLINK, RK_HARDLINK, RK_SPECIAL, RK_OUTSIDE, RK_BADPATH };

struct seal_dent;

struct seal_reader {
    enum custos_seal_format fmt;
    const char *package;
    char base[256];
    int have_base;
    struct archive *a;
    struct archive_entry *ae;
    struct seal_dent *d;
    size_t nd, capd, di;
    int fd;
    locale_t utf8; /* archive: names are read as UTF-8 under this, whatever LANG says */
};

struct seal_rent {
    char rel[BAG_PATH_MAX];   /* path inside the bag */
    char shown[BAG_PATH_MAX]; /* the entry's name as stored, for messages */
    int kind;
    uint64_t size;
    int64_t mtime;
};

/* The bag's base name: package without directories and ".tar"/".zip". */
void custos__seal_base_name(const char *package, char *out, size_t len);
/* Opens package (a directory: walked, at most max entries; else tar or zip). */
int custos__seal_reader_open(struct seal_reader *r, const char *package, uint64_t max,
                             struct custos_error *err);
void custos__seal_reader_close(struct seal_reader *r);
/* Next entry: CUSTOS_OK, 1 at the end, or an error status. */
int custos__seal_reader_next(struct seal_reader *r, struct seal_rent *e, struct custos_error *err);
/* Reads up to len bytes of the current entry: >0 bytes, 0 at its end, -1 on error (err set). */
long custos__seal_reader_read(struct seal_reader *r, void *buf, size_t len,
                              struct custos_error *err);
/* Whether e may not be read at all (hostile): 1 with the reason in why, or 0. */
int custos__seal_entry_hostile(const struct seal_reader *rd, const struct seal_rent *e, char *why,
                               size_t len);
/* Whether tag file e, after ntags others, breaks the tag-file limits: 1 with why set. */
int custos__seal_tag_over_limit(const struct seal_rent *e, size_t ntags, char *why, size_t len);
/*
 * Reads the current entry, a tag file, into a new NUL-terminated buffer.
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED when over CUSTOS_SEAL_TAG_FILE_MAX;
 * the reader's status (err set); CUSTOS_E_NOMEM.
 */
int custos__seal_read_tag(struct seal_reader *rd, uint8_t **bytes, size_t *len,
                          struct custos_error *err);

/* ---- The scan (seal_verify.c): one streaming pass over a package ---- */

struct seal_tagfile {
    char *rel;
    uint8_t *bytes;
    size_t len;
    int listed; /* listed by the tag manifest */
};

struct seal_scan {
    const struct custos_seal_verify_options *o;
    struct custos_seal_report *rep;
    struct seal_tagfile *tags;
    size_t ntags;
    struct bag_manifest found; /* payload files seen, with their hashes */
    struct bag_info info;
    int have_info;
    uint64_t oxum_bytes, oxum_files;
    uint8_t tm_sha[32];
    const struct seal_tagfile *tagmanifest;
    int stop; /* a run-stopping finding was made */
    const char *package;
    uint64_t done;
};

/*
 * One full pass over package; with w, every accepted entry is also written.
 * Returns a run status (I/O, memory, interruption); the findings and their
 * worst status are in *out. s stays valid until custos__seal_scan_free.
 */
int custos__seal_scan(const char *package, const struct custos_seal_verify_options *o,
                      struct seal_writer *w, struct seal_scan *s, struct custos_seal_report **out,
                      struct custos_error *err);
void custos__seal_scan_free(struct seal_scan *s);
/* The tag file rel the scan kept, or NULL. */
const struct seal_tagfile *custos__seal_scan_tag(const struct seal_scan *s, const char *rel);
void custos__seal_sha256(const void *buf, size_t len, uint8_t out[32]);

/* ---- seal_cosign.c ---- */

/* Reads the public key file path into *text and checks that it is key's. */
int custos__seal_read_pub(const char *path, const struct custos_key *key, char **text, size_t *len,
                          struct custos_error *err);

#endif
