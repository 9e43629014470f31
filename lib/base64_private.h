/* SPDX-License-Identifier: ISC */
/*
 * base64_private.h: RFC 4648 base64 (padded, no line breaks) through
 * OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock, shared inside libcustos.
 */
#ifndef CUSTOS_BASE64_PRIVATE_H
#define CUSTOS_BASE64_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "base64_private.h is internal to libcustos"
#endif

#include <stddef.h>
#include <stdint.h>

/* Characters needed to encode len bytes, plus the NUL. */
#define CUSTOS__B64_SIZE(len) ((((len) + 2) / 3) * 4 + 1)

/* Encodes len bytes into out (CUSTOS__B64_SIZE(len) bytes), NUL-terminated. */
void custos__b64_encode(const uint8_t *in, size_t len, char *out);

/*
 * Decodes exactly inlen characters of padded base64 into out (at most outmax
 * bytes), storing the decoded length in *outlen. Rejects whitespace, bad
 * characters, bad padding and lengths that are not a multiple of 4.
 * Returns 0, or -1 on malformed input or too small an output.
 */
int custos__b64_decode(const char *in, size_t inlen, uint8_t *out, size_t outmax, size_t *outlen);

#endif
