/* SPDX-License-Identifier: ISC */
/*
 * Public key files (custos_key_load_public_mem) and, from the same bytes,
 * private key files (custos_key_load_private, passphrase of the test vector).
 * Property: a key that loads matches its fingerprint, recomputed here.
 */
#include <custos/custos.h>
#include <openssl/evp.h>

#include "fuzz.h"

static char *pass;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    size_t n = 0;
    pass = fuzz_source_file("tests/data/key/passphrase.txt", &n);
    pass[strcspn(pass, "\n")] = '\0';
    return 0;
}

static void
check_fingerprint(const struct custos_key *k)
{
    uint8_t spki[CUSTOS_KEY_SPKI_SIZE], md[32];
    unsigned mdlen = 0;
    char hex[65];
    custos_key_spki(k, spki);
    EVP_Digest(spki, sizeof(spki), md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    FUZZ_REQUIRE(strcmp(hex, custos_key_fingerprint(k)) == 0,
                 "a loaded key does not match its fingerprint");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct custos_error err;
    struct custos_key *k = NULL;
    if (custos_key_load_public_mem(&k, "fuzz.pub", data, size, &err) == CUSTOS_OK) {
        check_fingerprint(k);
        FUZZ_REQUIRE(!custos_key_has_private(k), "a public key file gave a private key");
    }
    custos_key_free(k);
    k = NULL;
    /* Only inputs that look like an encrypted key pay for the 600 000 PBKDF2 rounds. */
    if (size < 4096 && memmem(data, size, "ENCRYPTED PRIVATE KEY", 21) != NULL) {
        const char *path = fuzz_file("fuzz.key", data, size, 0600);
        if (custos_key_load_private(&k, path, pass, strlen(pass), &err) == CUSTOS_OK)
            check_fingerprint(k);
        custos_key_free(k);
    }
    return 0;
}
