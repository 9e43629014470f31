/* SPDX-License-Identifier: ISC */
/*
 * base64.c: strict RFC 4648 base64 for key, signature and ledger files.
 *
 * EVP_DecodeBlock accepts leading and trailing whitespace and returns the
 * length before padding is removed; custos wants one spelling per value, so
 * the input is checked character by character first and the padding is
 * subtracted here.
 */
#include "base64_private.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h> /* OPENSSL_cleanse */
#include <openssl/evp.h>

void
custos__b64_encode(const uint8_t *in, size_t len, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

static int
b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

int
custos__b64_decode(const char *in, size_t inlen, uint8_t *out, size_t outmax, size_t *outlen)
{
    if (inlen == 0) {
        *outlen = 0;
        return 0;
    }
    if (inlen % 4 != 0 || inlen > (size_t)1 << 30)
        return -1;
    size_t pad = 0;
    if (in[inlen - 1] == '=')
        pad = in[inlen - 2] == '=' ? 2 : 1;
    for (size_t i = 0; i < inlen - pad; i++)
        if (!b64_char(in[i]))
            return -1;
    size_t n = inlen / 4 * 3;
    if (n - pad > outmax)
        return -1;
    unsigned char *tmp = malloc(n + inlen + 1);
    if (tmp == NULL)
        return -1;
    char *re = (char *)tmp + n;
    int rc = -1;
    int got = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)inlen);
    if (got < 0 || (size_t)got != n)
        goto out;
    /* Canonical form: the bits dropped by the padding must be zero. */
    EVP_EncodeBlock((unsigned char *)re, tmp, (int)(n - pad));
    if (memcmp(re, in, inlen) != 0)
        goto out;
    memcpy(out, tmp, n - pad);
    *outlen = n - pad;
    rc = 0;
out:
    OPENSSL_cleanse(tmp, n);
    free(tmp);
    return rc;
}
