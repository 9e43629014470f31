/* SPDX-License-Identifier: ISC */
/*
 * verify.h: proving that a backup or a preserved copy of evidence is still
 * complete and readable, and saying exactly how much of it was checked.
 *
 * A verification compares a target with a reference:
 *   reference  a custos manifest (custos-hash, docs/formats/manifest.md),
 *              an acquisition record (custos-acquire,
 *              docs/formats/acquisition-record.md) or a BagIt bag (RFC 8493:
 *              checked in full, any of its six digest algorithms), a
 *              directory or a sealed package archive (tar or zip as
 *              custos-seal writes it, docs/formats/package.md, read as a
 *              stream);
 *   target     a directory tree, any archive libarchive reads (read once as
 *              a stream, never extracted unless a restore test is asked
 *              for), or the raw, split raw or E01 image an acquisition
 *              record describes (read through source.h: libewf checks every
 *              chunk it returns).
 * Every reference item ends in exactly one class (ok, changed, missing,
 * moved, unreadable, not checked) and every file found that the reference
 * does not hold is extra. The level says what was compared: structure
 * (presence, count and sizes), sample (the content of a deterministic
 * pseudo-random selection) or full (every byte). The report
 * (docs/formats/verify-report.md) states the coverage in items and bytes,
 * so a partial check can never read as a complete one.
 *
 * Outline:
 *   1. custos_verify_new(&v, "case.manifest.json", &err)
 *   2. custos_verify_check_signature(v, "case.manifest.json.sig", signer, &err) (optional)
 *   3. custos_verify_options_init(&o); o.level = CUSTOS_VERIFY_SAMPLE; ...
 *      custos_verify_run(v, "backup.tar.gz", &o, &progress)
 *   4. custos_verify_status(v), custos_verify_item(v, i), custos_verify_report_json(v, &json)
 *   5. custos_verify_free(v)
 */
#ifndef CUSTOS_VERIFY_H
#define CUSTOS_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"
#include "key.h"
#include "progress.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The report's identification (docs/formats/verify-report.md). */
#define CUSTOS_VERIFY_REPORT_FORMAT  "custos-verify-report"
#define CUSTOS_VERIFY_REPORT_VERSION 1

enum custos_verify_level {
    CUSTOS_VERIFY_STRUCTURE, /* presence, count and sizes; no content read */
    CUSTOS_VERIFY_SAMPLE,    /* the content of a seeded selection of items */
    CUSTOS_VERIFY_FULL,      /* every byte */
};

enum custos_verify_class {
    CUSTOS_VERIFY_OK,          /* present; size (and content, if checked) as recorded */
    CUSTOS_VERIFY_CHANGED,     /* same name, other size or content */
    CUSTOS_VERIFY_MISSING,     /* not in the target */
    CUSTOS_VERIFY_EXTRA,       /* in the target only */
    CUSTOS_VERIFY_MOVED,       /* the same content under another name */
    CUSTOS_VERIFY_UNREADABLE,  /* present but could not be read: a failure */
    CUSTOS_VERIFY_NOT_CHECKED, /* present with its size, content outside the selection */
};
#define CUSTOS_VERIFY_CLASSES 7

enum custos_verify_ref_kind {
    CUSTOS_VERIFY_REF_MANIFEST, /* custos-manifest JSON */
    CUSTOS_VERIFY_REF_RECORD,   /* custos-acquisition-record JSON */
    CUSTOS_VERIFY_REF_BAG,      /* a BagIt bag: a directory or a sealed package archive */
};

enum custos_verify_target_kind {
    CUSTOS_VERIFY_TARGET_DIRECTORY,
    CUSTOS_VERIFY_TARGET_ARCHIVE,
    CUSTOS_VERIFY_TARGET_IMAGE,
};

struct custos_verify_options {
    enum custos_verify_level level;
    double sample_percent;      /* sample: share of the items, 0 < p <= 100 (if count is 0) */
    uint64_t sample_count;      /* sample: number of items; 0 to use sample_percent */
    uint64_t seed;              /* sample: the selection seed (recorded in the report) */
    unsigned part, parts;       /* restrict to part `part` (1..parts) of `parts`; 0, 0: all */
    const char *const *recheck; /* item names always checked in full (earlier failures) */
    size_t nrecheck;
    int restore;        /* archives: extract into a private directory and hash;
                           images: open their file systems with libtsk */
    const char *tmpdir; /* restore: parent of the private directory; NULL: $TMPDIR or /tmp */
    unsigned digests;   /* CUSTOS_DIGEST_* to compute, of those the reference holds;
                           0: each item's strongest only (SHA-256 when recorded); an
                           item holding none of them is checked with its strongest */
};

/* Fills o with the defaults: full level, no part, no restore. */
CUSTOS_API void custos_verify_options_init(struct custos_verify_options *o);

/* One finding. Strings are owned by the verification. */
struct custos_verify_item {
    enum custos_verify_class cls;
    const char *name;      /* the reference's name; for extra, the name found */
    const char *moved_to;  /* moved: the name it has now; else NULL */
    uint64_t size_bytes;   /* recorded size (extra: the size found) */
    int found;             /* the target holds a file under name (or moved_to) */
    uint64_t found_bytes;  /* its size, when found */
    int content_checked;   /* its content was read and compared */
    char expected[65];     /* recorded SHA-256 (or strongest digest) hex, "" when none */
    char actual[65];       /* the same algorithm, computed now; "" when not computed */
    const char *algorithm; /* the algorithm of expected/actual ("sha256", ...) */
    const char *detail;    /* why it is changed or unreadable, or NULL */
};

struct custos_verify_totals {
    size_t count[CUSTOS_VERIFY_CLASSES]; /* items per class */
    size_t reference_items;              /* items in the reference */
    uint64_t reference_bytes;            /* their recorded bytes */
    size_t checked_items;                /* reference items whose content was compared */
    uint64_t checked_bytes;              /* their recorded bytes */
    uint64_t bytes_read;                 /* bytes read from the target */
    double seconds;                      /* wall-clock duration of the run */
};

struct custos_verify;

/*
 * Loads the reference at path: a custos manifest, an acquisition record, a
 * directory holding a BagIt bag (bagit.txt), or a sealed package archive
 * (a tar or zip file holding the bag under one top-level directory, as
 * custos-seal writes it; its tag files are read as a stream within the
 * limits of docs/formats/package.md and its payload passed over); the kind
 * is found from the content (a file that does not start like JSON is read
 * as a package). The reference's own SHA-256 is taken from the bytes read.
 * Returns: CUSTOS_OK; CUSTOS_E_IO when it cannot be read; CUSTOS_E_CORRUPT
 * for a malformed reference (the message names the field or line; a
 * truncated or damaged package archive; a file that is no reference);
 * CUSTOS_E_UNSUPPORTED for another format or version (a compressed archive,
 * an archive without a bag); CUSTOS_E_REFUSED for a package archive with a
 * hostile entry or over its limits; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_verify_new(struct custos_verify **out, const char *path,
                                 struct custos_error *err);

/* Releases v; NULL is allowed. */
CUSTOS_API void custos_verify_free(struct custos_verify *v);

/* The handle's last error; valid until the next call on v. */
CUSTOS_API const struct custos_error *custos_verify_error(const struct custos_verify *v);

/* The kind of the loaded reference. */
CUSTOS_API enum custos_verify_ref_kind custos_verify_reference_kind(const struct custos_verify *v);

/*
 * SHA-256 of the reference file, hex; a bag (directory or package archive):
 * of its tagmanifest-sha256.txt (what a seal signs), else of its
 * manifest-sha256.txt or first manifest.
 */
CUSTOS_API const char *custos_verify_reference_sha256(const struct custos_verify *v);

/*
 * Checks the detached signature file sigpath (docs/formats/key.md) over the
 * reference's exact bytes, made by signer for the reference's purpose
 * (CUSTOS_PURPOSE_MANIFEST or CUSTOS_PURPOSE_RECORD). The outcome is kept
 * for the report. A bag is checked as a custos-seal package instead
 * (sigpath is not used): its custos-seal/ signatures and timestamp through
 * custos_seal_verify (seal.h), with signer as a key that must have signed;
 * an unsealed bag has no signature (CUSTOS_E_UNTRUSTED), and neither has
 * one whose tag manifest differs from the one its items were read with.
 * Returns: CUSTOS_OK; CUSTOS_E_UNTRUSTED when it does not verify;
 * CUSTOS_E_CORRUPT for a malformed signature file; CUSTOS_E_IO;
 * CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_verify_check_signature(struct custos_verify *v, const char *sigpath,
                                             const struct custos_key *signer,
                                             struct custos_error *err);

/*
 * Verifies target against the reference. target NULL means: for a record,
 * the image files beside it; for a bag, the bag itself (a package archive:
 * its payload entries, read as a stream); a manifest needs a target. A
 * target directory is compared with the manifest's root (the longest
 * directory all its names share: custos-hash's one operand); an archive's
 * names may carry a leading "./", the root, or its last component. A bag's
 * target may hold the bag at its top, the bag under one top directory, or
 * the payload alone (names without "data/"); only the payload is compared.
 * One call per handle.
 * Returns: CUSTOS_OK when every checked item is ok; CUSTOS_E_MISMATCH
 * (changed, missing, extra, moved); CUSTOS_E_INCOMPLETE (unreadable items,
 * an empty sample, a restore test that failed to run); CUSTOS_E_CORRUPT for
 * a damaged container (archive, E01 chunk), which wins over MISMATCH;
 * CUSTOS_E_USAGE for options that do not fit the reference or target;
 * CUSTOS_E_IO when the target cannot be opened at all;
 * CUSTOS_E_INTERRUPTED; CUSTOS_E_NOMEM. With OK, MISMATCH, INCOMPLETE and
 * CORRUPT the findings and report are complete; err (custos_verify_error)
 * names the first finding.
 */
CUSTOS_API int custos_verify_run(struct custos_verify *v, const char *target,
                                 const struct custos_verify_options *o,
                                 const struct custos_progress *progress);

/*
 * The digests the run computed and compared (*computed) and those the
 * reference holds (*held), as CUSTOS_DIGEST_* bits. A digest held but not
 * computed was not re-checked: the report and the summary say so.
 */
CUSTOS_API void custos_verify_digests(const struct custos_verify *v, unsigned *computed,
                                      unsigned *held);

/* The run's status (as custos_verify_run returned). */
CUSTOS_API int custos_verify_status(const struct custos_verify *v);

/* The number of items: reference items, then extras. */
CUSTOS_API size_t custos_verify_count(const struct custos_verify *v);

/* Item i (< count); valid until _free. */
CUSTOS_API const struct custos_verify_item *custos_verify_item(const struct custos_verify *v,
                                                               size_t i);

/* Fills *t. */
CUSTOS_API void custos_verify_totals(const struct custos_verify *v, struct custos_verify_totals *t);

/*
 * The one-line verdict, worded by level and coverage: "VERIFIED" only for a
 * full check that found nothing; a sample says what share it covered and
 * that the rest was not checked. Valid until _free.
 */
CUSTOS_API const char *custos_verify_summary(const struct custos_verify *v);

/*
 * What checking the reference warned of, one line each ("" for none): a
 * foreign bag's deviations that RFC 8493 allows ("./" before a path, a
 * path listed twice with one digest, names that differ only in case, only
 * sha224/384/512 manifests).
 * Valid until _free.
 */
CUSTOS_API const char *custos_verify_warnings(const struct custos_verify *v);

/* What the restore test concluded: "passed", "failed", "not tested" or "not requested". */
CUSTOS_API const char *custos_verify_restore_result(const struct custos_verify *v);

/*
 * The fields of the ledger's `verify` entry for this run (docs/formats/
 * ledger.md section 5): result ("match" or "mismatch"), sha256 (of the
 * reference), record (the reference as named to custos_verify_new), comment
 * (tool version, level and summary) and, when item is not NULL, item.
 * *json is a new JSON object text for custos_ledger_record (free() it).
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE before a run; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_verify_ledger_fields(const struct custos_verify *v, const char *item,
                                           char **json);

/*
 * Builds the JSON report (docs/formats/verify-report.md) as a new
 * NUL-terminated string in *json (free() it).
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE before a run; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_verify_report_json(const struct custos_verify *v, char **json);

/*
 * Reads a previous JSON report and returns the names of its failed items
 * (changed, missing, moved, unreadable) as a new array of new strings in
 * *names (*count of them), for custos_verify_options.recheck; release with
 * custos_verify_names_free.
 * Returns: CUSTOS_OK; CUSTOS_E_IO; CUSTOS_E_CORRUPT for a file that is not
 * a custos verify report; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_verify_failed_names(const char *report_path, char ***names, size_t *count,
                                          struct custos_error *err);

/* Releases what custos_verify_failed_names returned; NULL is allowed. */
CUSTOS_API void custos_verify_names_free(char **names, size_t count);

/* "ok", "changed", "missing", "extra", "moved", "unreadable", "not checked". */
CUSTOS_API const char *custos_verify_class_name(enum custos_verify_class cls);

/* "structure", "sample", "full". */
CUSTOS_API const char *custos_verify_level_name(enum custos_verify_level level);

/*
 * Whether the item named name is in the sample for seed (exposed so that
 * tests and other tools can reproduce a selection): the items with the
 * `want` smallest values of custos_verify_sample_score are chosen.
 */
CUSTOS_API uint64_t custos_verify_sample_score(uint64_t seed, const char *name, size_t len);

/* The part (1..parts) the item named name belongs to; it does not depend on any seed. */
CUSTOS_API unsigned custos_verify_part_of(const char *name, size_t len, unsigned parts);

#ifdef __cplusplus
}
#endif

#endif
