/* SPDX-License-Identifier: ISC */
/*
 * Destruction proof bundles as tar archives (custos_dispose_verify against
 * the order of tests/e2e/dispose-roundtrip.sh): manifest, certificate,
 * signatures, attachments (wipe logs, photos) and timestamp. No property
 * beyond memory safety yet: a tar can be rewritten without changing what
 * it holds, so "changed bytes" is not "changed bundle".
 */
#include <custos/custos.h>

#include "fuzz.h"

static struct custos_dispose_order *order;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    struct custos_error err;
    char path[4200];
    snprintf(path, sizeof(path), "%s/tests/fuzz/data/dispose/order.json", FUZZ_SOURCE_ROOT);
    if (custos_dispose_order_open(&order, path, &err) != CUSTOS_OK) {
        fprintf(stderr, "custos fuzz: %s\n", err.message);
        abort();
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct custos_error err;
    struct custos_dispose_report *r = NULL;
    struct custos_dispose_policy policy = {0, NULL};
    custos_dispose_verify(fuzz_file("proof.tar", data, size, 0644), order, NULL, &policy, &r, &err);
    custos_dispose_report_free(r);
    return 0;
}
