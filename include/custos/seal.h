/* SPDX-License-Identifier: ISC */
/*
 * seal.h: sealed, signed and timestamped evidence packages (BagIt bags).
 *
 * A seal package is a BagIt bag (RFC 8493) holding the evidence under
 * data/, its SHA-256 manifests, a bag-info.txt naming the case, evidence,
 * seal number, authorisation and the people who must sign, Ed25519
 * signatures over the tag manifest (custodian at sealing, witnesses with
 * cosign), and optionally an RFC 3161 timestamp over the tag manifest. The
 * package is a directory, a pax tar file or a zip file; archives are read
 * with libarchive and checked by streaming, without extracting.
 *
 * Outline (seal):
 *   1. struct custos_seal_options o = {.format = CUSTOS_SEAL_TAR, .case_id = ..., ...};
 *   2. custos_seal_create("E-001.tar", paths, n, &o, &result, &err)
 * Outline (check, open, cosign):
 *   1. custos_seal_verify("E-001.tar", &vo, &report, &err); report->findings
 *   2. custos_seal_extract("E-001.tar", "outdir", &vo, &report, &err)
 *   3. custos_seal_cosign("E-001.tar", witness_key, "carol.key.pub", &vo, &report, &err)
 *   4. custos_seal_report_free(report)
 *
 * Format: docs/formats/package.md.
 */
#ifndef CUSTOS_SEAL_H
#define CUSTOS_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"
#include "key.h"
#include "progress.h"
#include "timestamp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* File names inside the bag. */
#define CUSTOS_BAG_DECLARATION "bagit.txt"
#define CUSTOS_BAG_INFO        "bag-info.txt"
#define CUSTOS_BAG_MANIFEST    "manifest-sha256.txt"
#define CUSTOS_BAG_TAGMANIFEST "tagmanifest-sha256.txt"
#define CUSTOS_BAG_PAYLOAD_DIR "data"
#define CUSTOS_SEAL_DIR        "custos-seal"
#define CUSTOS_SEAL_SIG_SUFFIX ".sig"
#define CUSTOS_SEAL_PUB_SUFFIX ".pub"
#define CUSTOS_SEAL_TIMESTAMP  "custos-seal/timestamp.tsr"
/* The exact contents of bagit.txt. */
#define CUSTOS_BAG_DECLARATION_TEXT "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
/* bag-info.txt labels written by custos (besides the reserved BagIt ones). */
#define CUSTOS_BAG_LABEL_CASE      "Custos-Case"
#define CUSTOS_BAG_LABEL_EVIDENCE  "Custos-Evidence-Number"
#define CUSTOS_BAG_LABEL_SEAL      "Custos-Seal-Number"
#define CUSTOS_BAG_LABEL_AUTH      "Custos-Authorisation"
#define CUSTOS_BAG_LABEL_SEALED_AT "Custos-Sealed-At"
#define CUSTOS_BAG_LABEL_SIGNER    "Custos-Signer"
/* Limits that stop hostile archives (docs/formats/package.md section 1). */
#define CUSTOS_SEAL_TAG_FILES_MAX   1000                 /* entries outside data/ */
#define CUSTOS_SEAL_TAG_FILE_MAX    ((uint64_t)16 << 20) /* bytes of one tag file */
#define CUSTOS_SEAL_EXTRA_FILES_MAX 10000                /* payload files beyond Payload-Oxum */
#define CUSTOS_SEAL_EXTRA_BYTES_MAX ((uint64_t)1 << 30)  /* payload bytes beyond Payload-Oxum */
#define CUSTOS_SEAL_ENTRIES_MAX     ((uint64_t)10000000) /* entries of any kind */

enum custos_seal_format {
    CUSTOS_SEAL_DIR_FORMAT = 0, /* a directory: the bag itself */
    CUSTOS_SEAL_TAR,            /* one tar file, pax interchange format */
    CUSTOS_SEAL_ZIP,            /* one zip file */
};

/* What custos_seal_create needs. Strings are one line of text; keys are borrowed. */
struct custos_seal_options {
    enum custos_seal_format format;
    const char *case_id;                /* required */
    const char *evidence;               /* required: evidence (exhibit) number, the ledger's item */
    const char *seal_number;            /* required: the seal's number */
    const char *authorisation;          /* required: warrant, order or approval reference */
    const char *organization;           /* optional: Source-Organization */
    const char *description;            /* optional: External-Description */
    const struct custos_key *custodian; /* required, private: signs at sealing */
    const char *custodian_pub;          /* its public key file, copied into the package */
    /* Witnesses: each is named in bag-info; those with a private key sign now. */
    const struct custos_key *const *witnesses;
    const char *const *witness_pubs; /* their public key files (for those who sign now) */
    size_t nwitnesses;
    const char *tsa_url;   /* optional: RFC 3161 TSA to timestamp the tag manifest */
    const char *tsa_ca;    /* optional: check the TSA's reply against this CA at once */
    long tsa_timeout_s;    /* 0 = default */
    const char *sealed_at; /* RFC 3339 UTC or NULL for now */
    const struct custos_progress *progress; /* may be NULL */
};

struct custos_seal_result {
    char tagmanifest_sha256[65]; /* what the ledger's seal entry records */
    uint64_t payload_bytes;
    uint64_t payload_files;
    char sealed_at[32];
    int timestamped;                     /* 1 when a timestamp was stored */
    struct custos_timestamp_info tstamp; /* valid when timestamped */
};

/*
 * Seals the files and directories in paths (regular files only; a
 * directory operand contributes its tree, as data/NAME/...) into a new
 * package at out, published atomically. Each file is hashed, then copied
 * into the package while being hashed again: a file that changes meanwhile
 * stops the run.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE (missing option, bad value, a
 * public-only custodian key, a name two operands share); CUSTOS_E_REFUSED
 * (out exists; a symlink, device or unsealable name under an operand);
 * CUSTOS_E_UNTRUSTED (the TSA did not grant, or its reply does not verify);
 * CUSTOS_E_MISMATCH (a file changed while sealing); CUSTOS_E_IO;
 * CUSTOS_E_NOMEM; CUSTOS_E_INTERRUPTED. Nothing is left at out on failure.
 */
CUSTOS_API int custos_seal_create(const char *out, const char *const *paths, size_t npaths,
                                  const struct custos_seal_options *o,
                                  struct custos_seal_result *result, struct custos_error *err);

/* How to check a package. */
struct custos_seal_verify_options {
    const struct custos_key *const *trusted; /* keys confirmed out of band: each must have signed */
    size_t ntrusted;
    const char *tsa_ca;   /* CA certificate(s) of the TSA; NULL: token not checked */
    uint64_t max_entries; /* 0 = CUSTOS_SEAL_ENTRIES_MAX */
    const struct custos_progress *progress; /* may be NULL */
};

/* One thing found wrong (or pending). */
struct custos_seal_finding {
    int status;        /* CUSTOS_E_MISMATCH, _INCOMPLETE, _UNTRUSTED, _CORRUPT, _REFUSED */
    char kind[16];     /* "changed", "added", "missing", "signature", "timestamp", "hostile", ... */
    char message[600]; /* one line, "PATH: cause" */
};

/* One signature found in the package, or one named signer without a signature. */
struct custos_seal_signer {
    char fingerprint[65];
    char role[32];  /* the role bag-info names it in, or "" when not named */
    char name[257]; /* from its public key file, or "" */
    int status;     /* CUSTOS_OK when the signature verifies */
    int present;    /* 1 when the package holds its signature */
    int trusted;    /* 1 when it is one of the verify options' trusted keys */
};

struct custos_seal_report {
    int status; /* the worst finding, CUSTOS_OK when none */
    enum custos_seal_format format;
    char base[256]; /* the bag's directory name */
    char case_id[128], evidence[128], seal_number[128], authorisation[256], sealed_at[32];
    char custodian[257]; /* Contact-Name */
    char tagmanifest_sha256[65];
    uint64_t payload_bytes, payload_files; /* found */
    uint64_t oxum_bytes, oxum_files;       /* declared */
    uint64_t entries;                      /* archive entries read */
    struct custos_seal_signer *signers;
    size_t nsigners;
    int timestamp_present;
    int timestamp_checked; /* 1 when verified against a CA */
    /* CUSTOS_OK: verified against the TSA CA; CUSTOS_E_INCOMPLETE: not checked (no CA
     * given, or it cannot be read), never OK; CUSTOS_E_UNTRUSTED: bad (package.md 4). */
    int timestamp_status;
    struct custos_timestamp_info tstamp;
    struct custos_seal_finding *findings;
    size_t nfindings;
};

/*
 * Checks a package completely (section 1 of the format): bagit.txt, both
 * manifests, completeness, Payload-Oxum, every signature and named signer,
 * the trusted keys, the timestamp; archives are streamed, never extracted.
 * Every finding is reported; hostile entries and archive-bomb limits stop
 * the reading with a finding of CUSTOS_E_REFUSED.
 * Returns: the report's worst status with *out set; or CUSTOS_E_IO (the
 * package cannot be opened or read), CUSTOS_E_NOMEM, CUSTOS_E_INTERRUPTED
 * with *out NULL.
 */
CUSTOS_API int custos_seal_verify(const char *package, const struct custos_seal_verify_options *o,
                                  struct custos_seal_report **out, struct custos_error *err);

/*
 * Verifies the package, and only when that finds nothing wrong, extracts
 * the bag into the new directory outdir (published atomically): every file
 * is hashed again as it is written and checked against the manifest read
 * in the first pass, so a package replaced between the passes is caught.
 * Writing uses libarchive's secure extraction flags besides custos's own
 * path checks, and requires free space for the declared payload.
 * Returns: CUSTOS_OK; the verification status when it was not OK (*out
 * says why; nothing is written); CUSTOS_E_REFUSED (outdir exists, or too
 * little free space); CUSTOS_E_MISMATCH (the package changed between the
 * passes); CUSTOS_E_IO; CUSTOS_E_NOMEM; CUSTOS_E_INTERRUPTED.
 */
CUSTOS_API int custos_seal_extract(const char *package, const char *outdir,
                                   const struct custos_seal_verify_options *o,
                                   struct custos_seal_report **out, struct custos_error *err);

/*
 * Verifies the package, then adds key's signature over its tag manifest
 * (and a copy of its public key file pub) as a witness. key must be named
 * by a Custos-Signer line of bag-info and not have signed yet. The package
 * must verify with nothing worse than missing signatures. An archive is
 * rewritten (entries copied as they are, the new files appended) and
 * replaces the original atomically; a directory gets the two files.
 * Returns: CUSTOS_OK; the verification status when it was worse than
 * INCOMPLETE; CUSTOS_E_REFUSED (not named, or signed already);
 * CUSTOS_E_USAGE (public-only key, pub is another key); CUSTOS_E_IO;
 * CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_seal_cosign(const char *package, const struct custos_key *key,
                                  const char *pub, const struct custos_seal_verify_options *o,
                                  struct custos_seal_report **out, struct custos_error *err);

/* Releases a report; NULL is allowed. */
CUSTOS_API void custos_seal_report_free(struct custos_seal_report *r);

/* "directory", "tar" or "zip". */
CUSTOS_API const char *custos_seal_format_name(enum custos_seal_format f);

/*
 * The package format named by name ("dir", "tar" or "zip"), or, when name
 * is NULL, the one output's name implies (".tar", ".zip", else a directory).
 * Returns: 0, or -1 for an unknown name.
 */
CUSTOS_API int custos_seal_format_parse(const char *name, const char *output,
                                        enum custos_seal_format *out);

/*
 * The fields of the ledger's `seal` entry (docs/formats/ledger.md): item
 * (Custos-Evidence-Number), seal (Custos-Seal-Number) and sha256 (of the
 * tag manifest's bytes, custos_seal_result.tagmanifest_sha256). With
 * tagmanifest_sha256 NULL, sha256 is 64 zeros: for checking the entry
 * against the ledger's policy before sealing. *json is a new JSON object
 * text for custos_ledger_propose (free it).
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE for an empty item or seal;
 * CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_seal_ledger_fields(const char *item, const char *seal,
                                         const char *tagmanifest_sha256, char **json,
                                         struct custos_error *err);

/*
 * The report as one JSON object text (`custos-seal verify --json`):
 * package, format, bag, status, case, evidence, seal, authorisation,
 * sealed_at, tagmanifest_sha256, payload and Oxum counts, signatures[],
 * timestamp (null, or gen_time, tsa, serial, policy, checked, status) and
 * findings[], then operation. Returns a new string (free it), or NULL when
 * out of memory.
 */
CUSTOS_API char *custos_seal_report_json(const struct custos_seal_report *r, const char *package,
                                         const char *operation);

#ifdef __cplusplus
}
#endif

#endif
