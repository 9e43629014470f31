/* SPDX-License-Identifier: ISC */
/*
 * digest.h: the multi-digest engine.
 *
 * One object computes any subset of MD5, SHA-1 and SHA-256 (OpenSSL EVP) over
 * the same bytes: each buffer is fed once and every selected algorithm sees
 * it. Callers that want the algorithms on separate threads create one object
 * per thread with a different subset (custos-acquire runs MD5 on one core and
 * SHA-1 + SHA-256 on the other).
 *
 * Outline:
 *   1. custos_digest_new(&d, CUSTOS_DIGEST_MD5 | CUSTOS_DIGEST_SHA256, &err)
 *   2. custos_digest_update(d, buf, len) for every buffer, in order
 *   3. custos_digest_final(d, &result); custos_digest_reset(d) to start again
 *   4. custos_digest_free(d)
 *
 * Digests are written as lowercase hex everywhere custos writes them.
 */
#ifndef CUSTOS_DIGEST_H
#define CUSTOS_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"
#include "text.h" /* custos_hex_encode, custos_hex_decode */

#ifdef __cplusplus
extern "C" {
#endif

/* Algorithm bits; any OR of them is a set. */
#define CUSTOS_DIGEST_MD5    0x1u
#define CUSTOS_DIGEST_SHA1   0x2u
#define CUSTOS_DIGEST_SHA256 0x4u
#define CUSTOS_DIGEST_ALL    (CUSTOS_DIGEST_MD5 | CUSTOS_DIGEST_SHA1 | CUSTOS_DIGEST_SHA256)
#define CUSTOS_DIGEST_COUNT  3

/* The names custos writes and reads for each algorithm. */
#define CUSTOS_DIGEST_NAME_MD5    "md5"
#define CUSTOS_DIGEST_NAME_SHA1   "sha1"
#define CUSTOS_DIGEST_NAME_SHA256 "sha256"

#define CUSTOS_DIGEST_MAX_SIZE 32 /* bytes, SHA-256 */
#define CUSTOS_DIGEST_HEX_MAX  65 /* hex characters of the largest digest, plus NUL */

/* The digests of one stream; only the algorithms in `algs` are set. */
struct custos_digest_result {
    unsigned algs; /* the CUSTOS_DIGEST_* bits that were computed */
    uint8_t md5[16];
    uint8_t sha1[20];
    uint8_t sha256[32];
};

struct custos_digest;

/*
 * Creates an engine for the algorithms in algs (a non-empty subset of
 * CUSTOS_DIGEST_ALL) and stores it in *out.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE for an empty or unknown set;
 * CUSTOS_E_NOMEM; CUSTOS_E_UNSUPPORTED when OpenSSL lacks an algorithm
 * (for example MD5 under a FIPS-only configuration).
 */
CUSTOS_API int custos_digest_new(struct custos_digest **out, unsigned algs,
                                 struct custos_error *err);

/* Feeds len bytes to every selected algorithm. Cannot fail once created. */
CUSTOS_API void custos_digest_update(struct custos_digest *d, const void *buf, size_t len);

/*
 * Finishes every algorithm into *result (result->algs is set to the set).
 * The engine must be reset before it is fed again.
 */
CUSTOS_API void custos_digest_final(struct custos_digest *d, struct custos_digest_result *result);

/* Starts every algorithm afresh, as if just created. */
CUSTOS_API void custos_digest_reset(struct custos_digest *d);

/* Releases the engine; NULL is allowed. */
CUSTOS_API void custos_digest_free(struct custos_digest *d);

/* The set this engine computes. */
CUSTOS_API unsigned custos_digest_algs(const struct custos_digest *d);

/*
 * Hashes the whole file at path with the algorithms in algs into *result,
 * streaming in bounded memory (for the small files custos writes and signs:
 * records, manifests, ledgers; images go through the acquisition engine).
 * Returns: CUSTOS_OK; CUSTOS_E_IO naming the file; as custos_digest_new.
 */
CUSTOS_API int custos_digest_file(const char *path, unsigned algs,
                                  struct custos_digest_result *result, struct custos_error *err);

/*
 * Parses a comma-separated list such as "md5,sha256" (case-insensitive;
 * "all" means every algorithm) into *algs.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE naming the unknown word, or for an
 * empty list or a repeated algorithm.
 */
CUSTOS_API int custos_digest_parse(const char *list, unsigned *algs, struct custos_error *err);

/* The name of one algorithm bit ("md5", "sha1", "sha256"), or NULL. */
CUSTOS_API const char *custos_digest_name(unsigned alg);

/* The strongest of algs: SHA-256, else SHA-1, else MD5; 0 for none. */
CUSTOS_API unsigned custos_digest_strongest(unsigned algs);

/* The digest size in bytes of one algorithm bit, or 0. */
CUSTOS_API size_t custos_digest_size(unsigned alg);

/*
 * Returns a pointer to the bytes of one algorithm inside result, or NULL when
 * result does not hold that algorithm. The pointer lives as long as result.
 */
CUSTOS_API const uint8_t *custos_digest_bytes(const struct custos_digest_result *result,
                                              unsigned alg);

/*
 * Writes one algorithm's digest from result as lowercase hex into hex
 * (at least CUSTOS_DIGEST_HEX_MAX bytes).
 * Returns: CUSTOS_OK, or CUSTOS_E_USAGE when result lacks alg.
 */
CUSTOS_API int custos_digest_hex(const struct custos_digest_result *result, unsigned alg,
                                 char *hex);

/*
 * Writes the SHA-256 of the len bytes at buf as lowercase hex plus NUL into
 * hex: the one-shot form for small texts (entries, tag files, exports).
 * Returns: CUSTOS_OK, or CUSTOS_E_NOMEM when OpenSSL fails (hex is then "").
 */
CUSTOS_API int custos_sha256_hex(const void *buf, size_t len, char hex[65]);

/*
 * Compares the algorithms that both results hold.
 * Returns: 1 when at least one algorithm is shared and every shared one is
 * equal, 0 otherwise.
 */
CUSTOS_API int custos_digest_equal(const struct custos_digest_result *a,
                                   const struct custos_digest_result *b);

#ifdef __cplusplus
}
#endif

#endif
