/* SPDX-License-Identifier: ISC */
/*
 * case_audit.h: the legal team's one check of a case (issue 13).
 *
 * The ledger is verified in full (with its checkpoints), then every
 * artifact it names is found in the case directory and checked against the
 * digest the ledger recorded: acquisition records and manifests by their
 * SHA-256 (record_sha256), the images beside each acquisition record
 * against the record (custos_verify_run, every byte), sealed packages by
 * the SHA-256 of their tag manifest (what the seal signs) and then their
 * payload, destruction-proof bundles by their digest (the SHA-256 of their
 * manifest.sha256, as the dispose entry records it), verification
 * references by theirs. Artifacts are found by name (records) or by
 * digest (packages, bundles) anywhere below the directory.
 */
#ifndef CUSTOS_CASE_AUDIT_H
#define CUSTOS_CASE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "custos/custos.h"
#include "custos/error.h"
#include "custos/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One artifact checked. */
struct custos_case_audit_row {
    uint64_t seq;       /* the ledger entry naming it */
    char action[16];    /* its action: acquire, seal, dispose, verify */
    char item[128];     /* the item, or "" */
    char kind[16];      /* record, image, signature (a record's .sig), package, payload,
                           bundle, reference */
    char artifact[512]; /* the file found (relative to the directory), or the name sought */
    char recorded[65];  /* the digest the ledger (or record) holds, hex; for a signature, the
                           signer's key fingerprint */
    int status;         /* CUSTOS_OK, CUSTOS_E_MISMATCH (changed), CUSTOS_E_INCOMPLETE
                           (missing or unreadable), CUSTOS_E_CORRUPT, CUSTOS_E_UNTRUSTED
                           (a signature that does not hold) */
    char note[1100];    /* what was found, in words */
};

/* The audit: the ledger's verdict and one row per artifact. */
struct custos_case_audit {
    int ledger_status;   /* the ledger's verification status */
    uint64_t entries;    /* entries in the ledger */
    size_t ncheckpoints; /* checkpoints checked */
    struct custos_case_audit_row *rows;
    size_t nrows;
    int status; /* the worst of all */
};

/*
 * Audits the case: ledger at ledger_path (with the checkpoint files given),
 * artifacts below dir. *out is set whenever the ledger verified (free it
 * with custos_case_audit_free), also when artifacts fail.
 * Returns: CUSTOS_OK when the ledger and every artifact check out;
 * CUSTOS_E_MISMATCH (an artifact differs from its recorded digest);
 * CUSTOS_E_INCOMPLETE (an artifact is missing, or the ledger awaits
 * signatures); the ledger's failure status (UNTRUSTED, CORRUPT) with *out
 * NULL when it does not verify; CUSTOS_E_IO; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_case_audit_run(const char *ledger_path, const char *dir,
                                     const char *const *checkpoints, size_t ncheckpoints,
                                     const struct custos_progress *progress,
                                     struct custos_case_audit **out, struct custos_error *err);

/* Releases a; NULL is allowed. */
CUSTOS_API void custos_case_audit_free(struct custos_case_audit *a);

#ifdef __cplusplus
}
#endif

#endif
