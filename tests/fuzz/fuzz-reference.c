/* SPDX-License-Identifier: ISC */
/*
 * Verification references (custos_verify_new): custos JSON manifests,
 * acquisition records and sealed package archives (tar/zip holding a BagIt
 * bag), as custos-verify reads them; also custos_manifest_load on the same
 * bytes.
 */
#include <custos/custos.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct custos_error err;
    const char *path = fuzz_file("reference", data, size, 0644);
    struct custos_verify *v = NULL;
    if (custos_verify_new(&v, path, &err) == CUSTOS_OK) {
        (void)custos_verify_reference_kind(v);
        (void)custos_verify_reference_sha256(v);
    }
    custos_verify_free(v);
    struct custos_manifest *m = NULL;
    custos_manifest_load(&m, path, &err);
    custos_manifest_free(m);
    return 0;
}
