/* SPDX-License-Identifier: ISC */
/* custos-verify reports read back for --recheck (custos_verify_failed_names). */
#include <custos/custos.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct custos_error err;
    char **names = NULL;
    size_t n = 0;
    if (custos_verify_failed_names(fuzz_file("report.json", data, size, 0644), &names, &n, &err) ==
        CUSTOS_OK)
        custos_verify_names_free(names, n);
    return 0;
}
