/* SPDX-License-Identifier: ISC */
/*
 * Checkpoints (signed notes): custos_checkpoint_parse on the bytes, then
 * custos_ledger_verify of the test vector's ledger with them as the
 * checkpoint. Property: only a checkpoint whose body (origin, size, root)
 * is one that was really signed (the vector's checkpoints at sizes 8 and
 * 16) verifies; a changed body never does.
 */
#include <custos/custos.h>

#include "fuzz.h"

static char *notes[2];
static size_t bodylen[2];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *names[2] = {"tests/data/ledger/checkpoint-8.cosigned.note",
                            "tests/data/ledger/checkpoint-final.cosigned.note"};
    for (int i = 0; i < 2; i++) {
        notes[i] = fuzz_source_file(names[i], NULL);
        char *end = strstr(notes[i], "\n\n");
        if (end == NULL)
            abort();
        bodylen[i] = (size_t)(end - notes[i]) + 1;
    }
    return 0;
}

/* 1 when data starts with one of the signed bodies and its blank line. */
static int
signed_body(const uint8_t *data, size_t size)
{
    for (int i = 0; i < 2; i++)
        if (size > bodylen[i] && memcmp(data, notes[i], bodylen[i]) == 0 &&
            data[bodylen[i]] == '\n')
            return 1;
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct custos_error err;
    struct custos_checkpoint c;
    memset(&c, 0, sizeof(c));
    custos_checkpoint_parse((const char *)data, size, &c, &err);
    custos_checkpoint_clear(&c);

    size_t llen = 0;
    static char *ledger;
    if (ledger == NULL)
        ledger = fuzz_source_file("tests/data/ledger/case.ledger", &llen);
    else
        llen = strlen(ledger);
    char lp[4200];
    snprintf(lp, sizeof(lp), "%s", fuzz_file("case.ledger", ledger, llen, 0644));
    const char *cp = fuzz_file("checkpoint.note", data, size, 0644);
    struct custos_ledger_report *r = NULL;
    int rc = custos_ledger_verify(lp, cp, NULL, &r, &err);
    if (rc == CUSTOS_OK && r != NULL && r->status == CUSTOS_OK)
        FUZZ_REQUIRE(signed_body(data, size), "a checkpoint with a changed body verifies");
    custos_ledger_report_free(r);
    return 0;
}
