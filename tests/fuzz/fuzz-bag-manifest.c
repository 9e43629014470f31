/* SPDX-License-Identifier: ISC */
/*
 * BagIt payload and tag manifests (bag.c's strict parser, which verify and
 * seal share). Property: a parsed manifest written back parses to the same
 * text (no line is lost, merged or reinterpreted).
 */
#include <custos/custos.h>

#include "bag_private.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct custos_error err;
    struct bag_manifest m, m2;
    memset(&m, 0, sizeof(m));
    memset(&m2, 0, sizeof(m2));
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (custos__bag_manifest_parse("manifest-sha256.txt", text, size, &m, &err) == CUSTOS_OK) {
        struct bag_buf a = {0}, b = {0};
        custos__bag_manifest_text(&m, &a);
        if (!a.oom) {
            int rc = custos__bag_manifest_parse("again", a.p != NULL ? a.p : "", a.len, &m2, &err);
            FUZZ_REQUIRE(rc == CUSTOS_OK && m2.n == m.n, "a written manifest does not parse back");
            custos__bag_manifest_text(&m2, &b);
            FUZZ_REQUIRE(!b.oom && a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0),
                         "a manifest changes when written and read again");
        }
        custos__bag_buf_free(&a);
        custos__bag_buf_free(&b);
        custos__bag_manifest_free(&m2);
    }
    custos__bag_manifest_free(&m);
    free(text);
    return 0;
}
