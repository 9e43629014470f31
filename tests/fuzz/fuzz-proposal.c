/* SPDX-License-Identifier: ISC */
/* Ledger proposals waiting for co-signatures (custos_ledger_proposal_read). */
#include <custos/custos.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct custos_error err;
    char *body = NULL, **tokens = NULL;
    size_t n = 0;
    if (custos_ledger_proposal_read(fuzz_file("entry.proposal", data, size, 0644), &body, &tokens,
                                    &n, &err) == CUSTOS_OK)
        custos_ledger_proposal_free(body, tokens, n);
    return 0;
}
