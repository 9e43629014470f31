/* SPDX-License-Identifier: ISC */
/*
 * Whole ledgers (custos_ledger_verify), against the test vector's final
 * cosigned checkpoint. Property: with that checkpoint, only the ledger it
 * commits to verifies; any changed ledger gets a finding.
 */
#include <custos/custos.h>

#include "fuzz.h"

static char *orig, *note;
static size_t origlen, notelen;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    orig = fuzz_source_file("tests/data/ledger/case.ledger", &origlen);
    note = fuzz_source_file("tests/data/ledger/checkpoint-final.cosigned.note", &notelen);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct custos_error err;
    struct custos_ledger_report *r = NULL;
    char cp[4200];
    snprintf(cp, sizeof(cp), "%s", fuzz_file("checkpoint.note", note, notelen, 0644));
    const char *path = fuzz_file("case.ledger", data, size, 0644);
    int rc = custos_ledger_verify(path, cp, NULL, &r, &err);
    if (rc == CUSTOS_OK && r != NULL && r->status == CUSTOS_OK)
        FUZZ_REQUIRE(size == origlen && memcmp(data, orig, size) == 0,
                     "a changed ledger verifies against its checkpoint");
    custos_ledger_report_free(r);
    return 0;
}
