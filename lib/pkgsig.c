/* SPDX-License-Identifier: ISC */
/*
 * pkgsig.c: the one check of a signed package manifest (detached signatures
 * and the RFC 3161 timestamp rule of pkgsig_private.h), for seal packages
 * and destruction proofs alike.
 */
#include "pkgsig_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sign_private.h"

int
custos__pkgsig_parse(const char *name, const void *sig, size_t len, const char *purpose,
                     struct custos_sigfile *sf, struct custos_error *err)
{
    int rc = custos_sigfile_parse(name, sig, len, sf, err);
    return rc == CUSTOS_OK ? custos__sigfile_check_purpose(name, sf, purpose, err) : rc;
}

int
custos__pkgsig_verify(const char *name, const struct custos_sigfile *sf,
                      const struct custos_key *key, const void *manifest, size_t len,
                      struct custos_error *err)
{
    return custos__sigfile_check_sig(name, sf, key, manifest, len, err);
}

/* Sets the outcome: status and message. */
static void
outcome(struct pkgsig_timestamp *out, int status, const char *msg)
{
    out->status = status;
    snprintf(out->message, sizeof(out->message), "%s", msg);
}

int
custos__pkgsig_timestamp(const uint8_t *tsr, size_t len, const void *manifest, size_t mlen,
                         const char *tsa_ca, int required, struct pkgsig_timestamp *out,
                         struct custos_error *err)
{
    memset(out, 0, sizeof(*out));
    out->status = CUSTOS_OK;
    if (tsr == NULL) {
        if (required)
            outcome(out, CUSTOS_E_UNTRUSTED, "none, and a timestamp is required");
        return CUSTOS_OK;
    }
    out->present = 1;
    uint8_t imprint[CUSTOS_TIMESTAMP_IMPRINT_SIZE];
    unsigned int n = sizeof(imprint);
    if (!EVP_Digest(manifest, mlen, imprint, &n, EVP_sha256(), NULL))
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    struct custos_error e;
    custos_error_clear(&e);
    /* Without a CA the token is only parsed: status granted and the imprint, never more. */
    int rc = custos_timestamp_info(tsr, len, &out->info, &e);
    if (rc == CUSTOS_OK && memcmp(out->info.imprint, imprint, sizeof(imprint)) != 0)
        rc = custos_error_set(&e, CUSTOS_E_UNTRUSTED, 0, NULL,
                              "timestamp: message imprint mismatch");
    if (rc == CUSTOS_OK && tsa_ca != NULL) {
        rc = custos_timestamp_verify(tsr, len, imprint, tsa_ca, &out->info, &e);
        if (rc == CUSTOS_OK)
            out->checked = 1;
        else if (rc == CUSTOS_E_IO) {
            /* The CA could not be read: the token was not checked, which is not "bad". */
            char m[sizeof(out->message)];
            snprintf(m, sizeof(m), "not checked: %.1000s", e.message);
            outcome(out, required ? CUSTOS_E_UNTRUSTED : CUSTOS_E_INCOMPLETE, m);
            return CUSTOS_OK;
        }
    }
    if (rc == CUSTOS_E_NOMEM)
        return custos_error_copy(err, &e);
    if (rc != CUSTOS_OK)
        outcome(out, CUSTOS_E_UNTRUSTED, e.message);
    else if (!out->checked)
        outcome(out, required ? CUSTOS_E_UNTRUSTED : CUSTOS_E_INCOMPLETE,
                "not checked: no TSA CA given (--tsa-ca)");
    return CUSTOS_OK;
}
