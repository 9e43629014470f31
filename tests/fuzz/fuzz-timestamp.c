/* SPDX-License-Identifier: ISC */
/*
 * RFC 3161 replies (custos_timestamp_check_reply against the fixed query,
 * custos_timestamp_verify against its imprint and the test CA). Property: a
 * reply that verifies carries the signed genTime of the original token.
 */
#include <custos/custos.h>
#include <openssl/evp.h>

#include "fuzz.h"

static uint8_t *query, imprint[CUSTOS_TIMESTAMP_IMPRINT_SIZE];
static size_t querylen;
static int64_t orig_time;
static char cafile[4200];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    struct custos_error err;
    struct custos_timestamp_info info;
    size_t n = 0, rlen = 0;
    query = (uint8_t *)fuzz_source_file("tests/fuzz/data/timestamp/query.tsq", &querylen);
    char *payload = fuzz_source_file("tests/fuzz/data/timestamp/payload", &n);
    unsigned mdlen = 0;
    EVP_Digest(payload, n, imprint, &mdlen, EVP_sha256(), NULL);
    free(payload);
    snprintf(cafile, sizeof(cafile), "%s/tests/fuzz/data/timestamp/ca.crt", FUZZ_SOURCE_ROOT);
    char *reply = fuzz_source_file("tests/fuzz/corpus/timestamp/granted.tsr", &rlen);
    if (custos_timestamp_verify((uint8_t *)reply, rlen, imprint, cafile, &info, &err) !=
        CUSTOS_OK) {
        fprintf(stderr, "custos fuzz: the seed reply does not verify: %s\n", err.message);
        abort();
    }
    orig_time = info.gen_time_unix;
    free(reply);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct custos_error err;
    struct custos_timestamp_info info;
    custos_timestamp_check_reply(query, querylen, data, size, &info, &err);
    if (custos_timestamp_verify(data, size, imprint, cafile, &info, &err) == CUSTOS_OK)
        FUZZ_REQUIRE(info.gen_time_unix == orig_time, "a reply with a changed genTime verifies");
    return 0;
}
