/* SPDX-License-Identifier: ISC */
/* Disposal orders (custos_dispose_order_open), the JSON a destruction vendor is given. */
#include <custos/custos.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct custos_error err;
    struct custos_dispose_order *o = NULL;
    custos_dispose_order_open(&o, fuzz_file("order.json", data, size, 0644), &err);
    custos_dispose_order_free(o);
    return 0;
}
