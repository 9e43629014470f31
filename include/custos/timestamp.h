/* SPDX-License-Identifier: ISC */
/*
 * timestamp.h: RFC 3161 trusted timestamps (request, HTTP transport, check).
 *
 * A timestamp authority (TSA) signs a TSTInfo that binds a message imprint
 * (here always SHA-256 of the bytes being timestamped) to a time (genTime).
 * custos keeps the whole TimeStampResp as the TSA sent it (DER, the ".tsr"
 * file of `openssl ts -reply`), so that `openssl ts -verify -in FILE.tsr`
 * checks it without custos.
 *
 * Traps this module handles (docs/formats/package.md, reference 2.7):
 *   - a reply's PKIStatus must be granted (0) or grantedWithMods (1): a TSA
 *     that cannot sign (an Ed25519 TSA key in OpenSSL 3.0) still answers,
 *     with a well-formed "rejection" reply;
 *   - the reply must answer our request: same imprint, same nonce;
 *   - the TSA certificate chain is validated at the token's genTime, not
 *     now, so a token stays checkable after the TSA certificate expires,
 *     and a token signed by a TSA whose certificate had already expired
 *     (or was not yet valid) at genTime is refused;
 *   - the signer certificate must carry the critical timeStamping extended
 *     key usage (OpenSSL's timestampsign purpose).
 *
 * Outline (stamp):
 *   1. custos_timestamp_fetch("http://tsa.example/", sha256, &opts, &tsr, &len, &err)
 *      (= custos_timestamp_request + custos_timestamp_post + custos_timestamp_check_reply)
 *   2. store the tsr bytes; free(tsr)
 * Outline (check, later):
 *   1. custos_timestamp_verify(tsr, len, sha256, "tsa-ca.pem", &info, &err)
 *   2. info.gen_time is the time the TSA vouches for
 */
#ifndef CUSTOS_TIMESTAMP_H
#define CUSTOS_TIMESTAMP_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CUSTOS_TIMESTAMP_IMPRINT_SIZE 32            /* bytes: the imprint is always SHA-256 */
#define CUSTOS_TIMESTAMP_REPLY_MAX    (1024 * 1024) /* bytes of a reply custos accepts */
#define CUSTOS_TIMESTAMP_TIMEOUT_S    30            /* default HTTP timeout, seconds */
/* HTTP content types of RFC 3161 section 3.4. */
#define CUSTOS_TIMESTAMP_QUERY_TYPE "application/timestamp-query"
#define CUSTOS_TIMESTAMP_REPLY_TYPE "application/timestamp-reply"
/* The conventional file suffix of a stored reply. */
#define CUSTOS_TIMESTAMP_SUFFIX ".tsr"

/* What a checked (or merely parsed) timestamp says. */
struct custos_timestamp_info {
    char gen_time[32];     /* genTime as RFC 3339 UTC, "2026-11-23T12:00:00Z" (fraction dropped) */
    int64_t gen_time_unix; /* the same, seconds since the epoch */
    char serial[80];       /* serial number, lowercase hex */
    char policy[128];      /* policy OID, dotted */
    char tsa_name[512];    /* the TSA's certificate subject (one line), or "" */
    uint8_t imprint[CUSTOS_TIMESTAMP_IMPRINT_SIZE]; /* the SHA-256 imprint it covers */
};

/* Options of custos_timestamp_fetch and custos_timestamp_post. */
struct custos_timestamp_options {
    long timeout_s;     /* HTTP timeout in seconds; 0 = CUSTOS_TIMESTAMP_TIMEOUT_S */
    const char *cafile; /* when non-NULL, the reply is also verified against this CA bundle */
};

/*
 * Builds a DER TimeStampReq for the SHA-256 imprint, with a fresh 64-bit
 * random nonce and certReq set (the TSA embeds its certificate).
 * *req (malloc'd, *reqlen bytes) is owned by the caller.
 * Returns: CUSTOS_OK; CUSTOS_E_NOMEM (also for an OpenSSL failure).
 */
CUSTOS_API int custos_timestamp_request(const uint8_t imprint[CUSTOS_TIMESTAMP_IMPRINT_SIZE],
                                        uint8_t **req, size_t *reqlen, struct custos_error *err);

/*
 * Sends req to the TSA at url (http:// or https://, no redirects) with HTTP
 * POST and content type CUSTOS_TIMESTAMP_QUERY_TYPE, and returns the body of
 * its answer in *reply (malloc'd, at most CUSTOS_TIMESTAMP_REPLY_MAX bytes).
 * opts may be NULL. Nothing is parsed here.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE for a URL of another scheme;
 * CUSTOS_E_IO when the TSA cannot be reached, answers with an HTTP status
 * other than 200 or with another content type, or times out (err names the
 * URL); CUSTOS_E_CORRUPT for an over-long answer; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_timestamp_post(const char *url, const uint8_t *req, size_t reqlen,
                                     const struct custos_timestamp_options *opts, uint8_t **reply,
                                     size_t *replylen, struct custos_error *err);

/*
 * Checks that reply answers req: the PKIStatus is granted or
 * grantedWithMods, a token is present, its imprint and nonce equal the
 * request's. It does not check the TSA's signature (see
 * custos_timestamp_verify). info may be NULL.
 * Returns: CUSTOS_OK; CUSTOS_E_UNTRUSTED for a rejection (err quotes the
 * TSA's status text and failure info) or a reply to another request;
 * CUSTOS_E_CORRUPT for bytes that are not a TimeStampResp; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_timestamp_check_reply(const uint8_t *req, size_t reqlen, const uint8_t *reply,
                                            size_t replylen, struct custos_timestamp_info *info,
                                            struct custos_error *err);

/*
 * Timestamps an imprint in one call: builds the request, posts it to url,
 * checks the reply against the request and, when opts->cafile is set,
 * verifies it as custos_timestamp_verify does. *reply is the DER
 * TimeStampResp to store (malloc'd). opts and info may be NULL.
 * Returns: the codes of the three calls; *reply is NULL on failure.
 */
CUSTOS_API int custos_timestamp_fetch(const char *url,
                                      const uint8_t imprint[CUSTOS_TIMESTAMP_IMPRINT_SIZE],
                                      const struct custos_timestamp_options *opts, uint8_t **reply,
                                      size_t *replylen, struct custos_timestamp_info *info,
                                      struct custos_error *err);

/*
 * Verifies a stored TimeStampResp over the SHA-256 imprint: status granted,
 * imprint equal, the CMS signature, and the signer's chain up to a
 * certificate in cafile (PEM, one or more) with the timeStamping purpose,
 * validated at the token's genTime. Certificates inside the token may serve
 * as intermediates; only cafile is trusted. info may be NULL; it is filled
 * whenever the reply parses, even when verification fails.
 * Returns: CUSTOS_OK; CUSTOS_E_UNTRUSTED when any check fails (err says
 * which: "message imprint mismatch", "certificate has expired", ...);
 * CUSTOS_E_CORRUPT for a malformed reply; CUSTOS_E_IO when cafile cannot be
 * read; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_timestamp_verify(const uint8_t *reply, size_t replylen,
                                       const uint8_t imprint[CUSTOS_TIMESTAMP_IMPRINT_SIZE],
                                       const char *cafile, struct custos_timestamp_info *info,
                                       struct custos_error *err);

/*
 * Parses a stored TimeStampResp without checking it and fills *info.
 * Returns: CUSTOS_OK; CUSTOS_E_UNTRUSTED when its status is not granted;
 * CUSTOS_E_CORRUPT; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_timestamp_info(const uint8_t *reply, size_t replylen,
                                     struct custos_timestamp_info *info, struct custos_error *err);

#ifdef __cplusplus
}
#endif

#endif
