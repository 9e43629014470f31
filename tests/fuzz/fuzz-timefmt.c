/* SPDX-License-Identifier: ISC */
/* RFC 3339 times: never crash; a canonical time formats back to the same bytes. */
#include <custos/custos.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[64];
    if (size >= sizeof(s))
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    int64_t sec = 0;
    uint32_t ns = 0;
    char back[CUSTOS_TIME_RFC3339_SIZE];
    if (custos_time_rfc3339_parse(s, CUSTOS_TIME_CANONICAL, &sec, &ns) == CUSTOS_OK) {
        FUZZ_REQUIRE(custos_time_rfc3339_format(sec, ns, back) == CUSTOS_OK && strcmp(back, s) == 0,
                     "a canonical time does not format back to itself");
    }
    if (custos_time_rfc3339_parse(s, 0, &sec, &ns) == CUSTOS_OK) {
        /* Any accepted time is a real instant: formatting and parsing it agree. */
        int64_t again = 0;
        uint32_t ns2 = 0;
        FUZZ_REQUIRE(custos_time_rfc3339_format(sec, ns, back) == CUSTOS_OK &&
                         custos_time_rfc3339_parse(back, 0, &again, &ns2) == CUSTOS_OK &&
                         again == sec && ns2 == ns,
                     "an accepted time does not round-trip through UTC");
    }
    return 0;
}
