/* SPDX-License-Identifier: ISC */
/*
 * acquire.h: forensic imaging of a source to raw or E01 in one hashing pass.
 *
 * custos_acquire() reads a source once (source.h), and in the same pass
 * hashes it (any of MD5, SHA-1, SHA-256, plus piecewise SHA-256 windows),
 * writes it as a raw image (one file or fixed-size segments) or an EnCase 6
 * E01 set through libewf, and maps every sector it could not read. Reading,
 * hashing, compressing and writing run on separate threads over a bounded
 * ring of buffers, so peak memory does not depend on the source size.
 * By default the written image is then re-read (E01 through libewf) and
 * every digest compared. The image, its segments and the acquisition record
 * (docs/formats/acquisition-record.md), with the record's detached
 * signature RECORD.sig when a key is given, are published together,
 * atomically, and never over an existing file.
 *
 * Outline:
 *   1. struct custos_acquire_options o; custos_acquire_options_init(&o);
 *   2. fill o.source, o.output, o.authorisation, case data, format ...
 *   3. custos_acquire(&o, &progress, &acq, &err)
 *   4. read the result: custos_acquisition_record_json(acq), ...
 *   5. custos_acquisition_free(acq)
 */
#ifndef CUSTOS_ACQUIRE_H
#define CUSTOS_ACQUIRE_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "error.h"
#include "export.h"
#include "key.h"
#include "progress.h"

#ifdef __cplusplus
extern "C" {
#endif

enum custos_image_format {
    CUSTOS_IMAGE_RAW, /* the medium's bytes, one file or OUTPUT.001, OUTPUT.002, ... */
    CUSTOS_IMAGE_EWF, /* EnCase 6 E01 through libewf: BASE.E01, BASE.E02, ... */
};

enum custos_compression {
    CUSTOS_COMPRESSION_NONE,        /* E01 chunks stored as read */
    CUSTOS_COMPRESSION_EMPTY_BLOCK, /* only chunks of one repeated byte are compressed */
    CUSTOS_COMPRESSION_FAST,        /* deflate level 1 */
    CUSTOS_COMPRESSION_BEST,        /* deflate level 9 */
};

/*
 * The kind of medium, as an E01 records it (libewf's LIBEWF_MEDIA_TYPE_*):
 * fixed 0x01, removable 0x00, optical 0x03, memory 0x10. CUSTOS_MEDIA_AUTO
 * asks the device (sysfs: removable, optical); a source that is not a block
 * device is recorded as fixed, the type's origin as "unknown".
 */
enum custos_media_type {
    CUSTOS_MEDIA_AUTO,      /* from the device; fixed when it says nothing */
    CUSTOS_MEDIA_FIXED,     /* a hard disk or SSD */
    CUSTOS_MEDIA_REMOVABLE, /* a USB stick, memory card, removable disk */
    CUSTOS_MEDIA_OPTICAL,   /* a CD, DVD or BD */
    CUSTOS_MEDIA_MEMORY,    /* a memory (RAM) dump */
};

/* Images written from one read of the source: the output and at most this many copies. */
#define CUSTOS_ACQUIRE_MAX_OUTPUTS 4

/* A further image written from the same read (-o A -o B). */
struct custos_acquire_copy {
    const char *output;              /* as custos_acquire_options.output */
    enum custos_image_format format; /* compression and segment size are the run's */
};

/* The file name suffix of the acquisition record written beside the image. */
#define CUSTOS_RECORD_SUFFIX ".acquire.json"
/* Appended to the record's path to name its detached signature file (key.md). */
#define CUSTOS_RECORD_SIG_SUFFIX ".sig"
/* The record's "format" value and version (docs/formats/acquisition-record.md). */
#define CUSTOS_RECORD_FORMAT  "custos-acquisition-record"
#define CUSTOS_RECORD_VERSION 1

#define CUSTOS_ACQUIRE_DEFAULT_WINDOW      (1ull << 30) /* bytes of each piecewise hash */
#define CUSTOS_ACQUIRE_DEFAULT_RETRIES     2            /* extra attempts before narrowing */
#define CUSTOS_ACQUIRE_DEFAULT_EWF_SEGMENT (1500ull * 1024 * 1024) /* bytes, as ewfacquire */

struct custos_acquire_options {
    const char *source; /* path, or "-" for standard input */
    const char *output; /* raw: the file (or the base of OUTPUT.001 ...); E01: BASE or BASE.E01 */
    const char *record_path; /* NULL: OUTPUT CUSTOS_RECORD_SUFFIX */
    enum custos_image_format format;
    enum custos_compression compression; /* E01 only */
    uint64_t segment_bytes;              /* raw: 0 for one file; E01: 0 for the default */
    unsigned digests;                    /* CUSTOS_DIGEST_* set, non-empty */
    uint64_t window_bytes;   /* piecewise SHA-256 window, a multiple of the sector size; 0: none */
    unsigned retries;        /* extra read attempts before narrowing to sectors */
    int verify;              /* re-read the written image and compare every digest */
    uint32_t sector_bytes;   /* 0: the source's logical sector size */
    const char *case_number; /* case metadata; NULL or "" when not given */
    const char *evidence_number;
    const char *examiner;
    const char *description;
    const char *notes;
    const char *authorisation; /* warrant, order or approval reference */
    int no_authorisation;      /* acquire without one; recorded as such */
    const char *command_line;  /* recorded verbatim when given */
    /* The custodian's private key: sign the record's exact bytes for
     * CUSTOS_PURPOSE_RECORD into RECORD.sig (sign.h), published with it.
     * NULL: the record is not signed. */
    const struct custos_key *record_key;
    enum custos_media_type media_type; /* CUSTOS_MEDIA_AUTO: from the device */
    /* Further images written from the same read, each verified and published
     * on its own, each with its own record beside it (OUTPUT.acquire.json;
     * record_path must then be NULL). A copy that fails does not stop the
     * others: see CUSTOS_E_PARTIAL. NULL/0: the output only. */
    const struct custos_acquire_copy *copies;
    size_t ncopies; /* at most CUSTOS_ACQUIRE_MAX_OUTPUTS - 1 */
};

/* Fills o with the defaults: E01 fast, all digests, 1 GiB windows, 2 retries, verify on. */
CUSTOS_API void custos_acquire_options_init(struct custos_acquire_options *o);

/* One range of sectors that could not be read and were written as zeros. */
struct custos_bad_range {
    uint64_t first_sector; /* in units of the acquisition's sector size */
    uint64_t sector_count;
};

/* The outcome of an acquisition; opaque, read through the accessors below. */
struct custos_acquisition;

/*
 * Acquires o->source into o->output (see the outline above). p may be NULL;
 * its cancelled() callback stops the run with CUSTOS_E_INTERRUPTED.
 * When *out is set (CUSTOS_OK, CUSTOS_E_INCOMPLETE, or CUSTOS_E_MISMATCH for
 * an E01 source) the image files and the record have been published and err
 * says what is incomplete or mismatched; otherwise *out is NULL and nothing
 * was published (temporary files were removed).
 * Returns: CUSTOS_OK; CUSTOS_E_INCOMPLETE when sectors could not be read
 * (zero-filled and mapped; the image is published); CUSTOS_E_MISMATCH with
 * *out set when an E01 source's stored digests differ from what was read
 * (published), or with *out NULL when the written image does not verify
 * (not published); CUSTOS_E_UNSUPPORTED for an E01 of a medium that is not a
 * whole number of sectors; CUSTOS_E_USAGE for
 * inconsistent options (for example no authorisation reference without
 * no_authorisation, or case metadata that is not UTF-8); CUSTOS_E_REFUSED when an output exists;
 * CUSTOS_E_IO/CUSTOS_E_CORRUPT for a source that cannot be opened or a
 * stream that fails; CUSTOS_E_PARTIAL with *out set when, of several
 * outputs, some failed (not published; custos_acquisition_outputs says
 * why) and the others were published with the record, which lists all; CUSTOS_E_MISMATCH when
 * verification finds the written image differs from what was read; CUSTOS_E_INTERRUPTED;
 * CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_acquire(const struct custos_acquire_options *o,
                              const struct custos_progress *p, struct custos_acquisition **out,
                              struct custos_error *err);

/*
 * The checks custos_acquire makes before it reads a byte, for a tool that
 * must make them before it asks anybody's passphrase: the options, that no
 * output exists, that the output directory is a directory, and that the
 * source exists (it is not opened). A source of "-" is not checked.
 * RECORD.sig is refused when it exists, signing or not: a signature file
 * beside a new record that it does not sign would mislead.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE; CUSTOS_E_REFUSED when an output
 * exists; CUSTOS_E_IO for a missing output directory or source.
 */
CUSTOS_API int custos_acquire_check(const struct custos_acquire_options *o,
                                    struct custos_error *err);

/*
 * Resumes the interrupted raw or split raw acquisition of output (the -o
 * of the interrupted run, which wrote that one image: a run with copies
 * keeps no journal) from the staging directory and journal it left beside
 * output, with the interrupted run's options. source: NULL for the
 * path the interrupted run read, or the medium's path now (a device that
 * came back under another name). record_key signs the record (NULL: not
 * signed). The bytes already staged are kept only as far as they re-read
 * equal to the source; the result, *out and the published files are those
 * of custos_acquire, and the record adds the interruptions
 * (docs/formats/acquisition-record.md).
 * Returns: as custos_acquire; CUSTOS_E_USAGE when there is nothing to
 * resume for output (also an E01's or a run with copies);
 * CUSTOS_E_REFUSED when source is not the same medium (size, kind, model,
 * serial, sector size or sample sectors differ), or another run is writing
 * the staging directory; CUSTOS_E_CORRUPT for an unreadable journal.
 * When the resumed run is interrupted too, the staging directory is kept
 * again.
 */
CUSTOS_API int custos_acquire_resume(const char *output, const char *source,
                                     const struct custos_key *record_key,
                                     const struct custos_progress *p,
                                     struct custos_acquisition **out, struct custos_error *err);

/*
 * The options of the interrupted acquisition of output, as its journal keeps
 * them (docs/formats/acquisition-record.md section 3.4, "options"), so a
 * tool can check them before resuming (custos-acquire --resume --ledger
 * against the case ledger's facts): *json is a new JSON object text, freed
 * with free(). The journal found is the one custos_acquire_resume takes up.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE when there is nothing to resume for
 * output; CUSTOS_E_CORRUPT for an unreadable journal; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_acquire_resume_options(const char *output, char **json,
                                             struct custos_error *err);

/* The digests of the source as read (zero-filled sectors included). */
CUSTOS_API const struct custos_digest_result *
custos_acquisition_digests(const struct custos_acquisition *a);

/* Bytes acquired. */
CUSTOS_API uint64_t custos_acquisition_bytes(const struct custos_acquisition *a);

/* The sector size the error map counts in. */
CUSTOS_API uint32_t custos_acquisition_sector_bytes(const struct custos_acquisition *a);

/* The bad ranges, in ascending order; *count is set. Valid until _free. */
CUSTOS_API const struct custos_bad_range *
custos_acquisition_bad_ranges(const struct custos_acquisition *a, size_t *count);

/*
 * The files over bad range i, for people: "partition 1: docs/a.txt (bytes
 * 0-511), ..." as the record's read_errors lists them, or what was not
 * found. NULL when out of range or without memory. Valid until _free.
 */
CUSTOS_API const char *custos_acquisition_bad_range_files(const struct custos_acquisition *a,
                                                          size_t i);

/* Whether the written image was re-read and matched (1), or not verified (0). */
CUSTOS_API int custos_acquisition_verified(const struct custos_acquisition *a);

/* The path of the published acquisition record (with several images: the first published). */
CUSTOS_API const char *custos_acquisition_record_path(const struct custos_acquisition *a);

/* The path of the record's published signature file, or NULL when it was not signed. */
CUSTOS_API const char *custos_acquisition_signature_path(const struct custos_acquisition *a);

/* The published image files, in order; *count is set. Paths as published. */
CUSTOS_API const char *const *custos_acquisition_files(const struct custos_acquisition *a,
                                                       size_t *count);

/*
 * The acquisition record exactly as written to disk (JSON text,
 * NUL-terminated); with several images, the one beside the first published.
 */
CUSTOS_API const char *custos_acquisition_record_json(const struct custos_acquisition *a);

/* Wall-clock seconds the acquisition took (reading, hashing, writing; not verifying). */
CUSTOS_API double custos_acquisition_seconds(const struct custos_acquisition *a);

/*
 * The fields of the ledger's `acquire` entry for this acquisition
 * (docs/formats/ledger.md section 5): item, record (the record's file
 * name), record_sha256 (of the record's bytes), image_sha256, md5, sha1 (the
 * digests that were computed), size and tool. *json is a new JSON object
 * text for custos_ledger_record. Returns: CUSTOS_OK; CUSTOS_E_USAGE for an
 * empty item; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_acquisition_ledger_fields(const struct custos_acquisition *a,
                                                const char *item, char **json,
                                                struct custos_error *err);

/* One image written by the acquisition: the output, then each copy, in order. */
struct custos_acquisition_output {
    const char *output; /* as given */
    enum custos_image_format format;
    int status;              /* CUSTOS_OK: verified (unless not asked) and published */
    const char *error;       /* why it failed, one line; "" when it did not */
    const char *record_path; /* the record beside it; NULL when it failed */
    int verified;            /* re-read and matched */
};

/* The images the run wrote or tried to, output first; *count is set. Valid until _free. */
CUSTOS_API const struct custos_acquisition_output *
custos_acquisition_outputs(const struct custos_acquisition *a, size_t *count);

/* Releases a; NULL is allowed. */
CUSTOS_API void custos_acquisition_free(struct custos_acquisition *a);

/* Parses "none", "empty-block", "fast", "best". Returns 0, or -1 when unknown. */
CUSTOS_API int custos_compression_parse(const char *name, enum custos_compression *out);

/* The name of a compression level. */
CUSTOS_API const char *custos_compression_name(enum custos_compression c);

/* Parses "fixed", "removable", "optical", "memory". Returns 0, or -1 when unknown. */
CUSTOS_API int custos_media_type_parse(const char *name, enum custos_media_type *out);

/* The name of a media type ("auto" for CUSTOS_MEDIA_AUTO). */
CUSTOS_API const char *custos_media_type_name(enum custos_media_type t);

#ifdef __cplusplus
}
#endif

#endif
