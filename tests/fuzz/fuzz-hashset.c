/* SPDX-License-Identifier: ISC */
/* Hash sets (custos_hashset_load): sha256sum/md5sum lists, hashdeep and NSRL-style files. */
#include <custos/custos.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct custos_error err;
    struct custos_hashset *s = NULL;
    if (custos_hashset_load(&s, fuzz_file("set.txt", data, size, 0644), &err) == CUSTOS_OK)
        (void)custos_hashset_algs(s);
    custos_hashset_free(s);
    return 0;
}
