/* SPDX-License-Identifier: ISC */
/*
 * pkgsig_private.h: the check of a signed package manifest, shared by seal
 * packages (tagmanifest-sha256.txt, lib/seal_verify.c) and destruction
 * proofs (manifest.sha256, lib/dispose*.c): detached signatures over the
 * manifest's bytes, and an optional RFC 3161 timestamp over its SHA-256.
 *
 * The timestamp rule (docs/formats/package.md section 4, custos-seal(1)):
 *   - no token: OK, unless one is required (then UNTRUSTED);
 *   - a token that is not granted, does not parse, covers another imprint
 *     (checked even without a CA) or does not verify against the TSA CA:
 *     UNTRUSTED;
 *   - a token whose imprint matches but that could not be checked against
 *     a trusted TSA CA (none given, or the CA file cannot be read): not
 *     checked, INCOMPLETE (UNTRUSTED when one is required), never OK;
 *   - verified against the TSA CA at its genTime: OK.
 */
#ifndef CUSTOS_PKGSIG_PRIVATE_H
#define CUSTOS_PKGSIG_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "pkgsig_private.h is internal to libcustos"
#endif

#include <stddef.h>
#include <stdint.h>

#include "custos/error.h"
#include "custos/key.h"
#include "custos/sign.h"
#include "custos/timestamp.h"

/*
 * Parses the detached signature file sig (len bytes; name stands for it in
 * messages) and checks that it was made for purpose. *sf is filled when it
 * parses, so the caller learns the signer's fingerprint (sf->key) and can
 * pick the key for custos__pkgsig_verify.
 * Returns: CUSTOS_OK; CUSTOS_E_CORRUPT (malformed); CUSTOS_E_UNTRUSTED
 * (made for another purpose: "NAME: signature is for P, not PURPOSE").
 */
int custos__pkgsig_parse(const char *name, const void *sig, size_t len, const char *purpose,
                         struct custos_sigfile *sf, struct custos_error *err);

/*
 * Checks the parsed signature sf over the manifest (len bytes) with key,
 * for sf->purpose: key must be the signer sf names.
 * Returns: CUSTOS_OK; CUSTOS_E_UNTRUSTED ("NAME: signed by key A, not B",
 * "NAME: signature by A does not verify").
 */
int custos__pkgsig_verify(const char *name, const struct custos_sigfile *sf,
                          const struct custos_key *key, const void *manifest, size_t len,
                          struct custos_error *err);

/* The outcome of the timestamp rule above. */
struct pkgsig_timestamp {
    int present;                       /* a token was given */
    int checked;                       /* it was verified against the TSA CA */
    int status;                        /* CUSTOS_OK, CUSTOS_E_INCOMPLETE or CUSTOS_E_UNTRUSTED */
    char message[1100];                /* why, when status is not CUSTOS_OK, without the name */
    struct custos_timestamp_info info; /* filled whenever the token parses */
};

/*
 * Applies the timestamp rule to the token tsr (len bytes; NULL when the
 * package has none) over SHA-256(manifest): tsa_ca is the trusted TSA CA
 * file (NULL: none given), required says a timestamp is required.
 * Returns: CUSTOS_OK with the outcome in *out (its status is what to report);
 * CUSTOS_E_NOMEM (err set).
 */
int custos__pkgsig_timestamp(const uint8_t *tsr, size_t len, const void *manifest, size_t mlen,
                             const char *tsa_ca, int required, struct pkgsig_timestamp *out,
                             struct custos_error *err);

#endif
