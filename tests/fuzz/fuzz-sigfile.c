/* SPDX-License-Identifier: ISC */
/*
 * Detached signature files (custos_sigfile_parse), checked over the test
 * vector's manifest with alice's key. Property: only the original
 * signature and purpose verify (Ed25519 as OpenSSL checks it is not
 * malleable), so a changed signature file is never reported valid.
 */
#include <custos/custos.h>

#include "fuzz.h"

static struct custos_key *alice;
static char *msg;
static size_t msglen;
static struct custos_sigfile orig;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    struct custos_error err;
    size_t n = 0;
    char *pub = fuzz_source_file("tests/data/key/alice.key.pub", &n);
    if (custos_key_load_public_mem(&alice, "alice.key.pub", pub, n, &err) != CUSTOS_OK)
        abort();
    free(pub);
    msg = fuzz_source_file("tests/data/key/manifest", &msglen);
    char *sig = fuzz_source_file("tests/data/key/manifest.sig", &n);
    if (custos_sigfile_parse("manifest.sig", sig, n, &orig, &err) != CUSTOS_OK)
        abort();
    free(sig);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct custos_error err;
    struct custos_sigfile sf;
    if (custos_sigfile_parse("fuzz.sig", data, size, &sf, &err) != CUSTOS_OK)
        return 0;
    if (custos_sign_verify(alice, sf.purpose, msg, msglen, sf.sig, &err) == CUSTOS_OK)
        FUZZ_REQUIRE(memcmp(sf.sig, orig.sig, sizeof(sf.sig)) == 0 &&
                         strcmp(sf.purpose, orig.purpose) == 0,
                     "a changed signature or purpose verifies");
    return 0;
}
