/* SPDX-License-Identifier: ISC */
/*
 * dispose-verify.h: the `custos-dispose verify` subcommand.
 */
#ifndef CUSTOS_DISPOSE_VERIFY_H
#define CUSTOS_DISPOSE_VERIFY_H

#include "cli.h"

/* What `custos-dispose verify` was given; the usage checks are the caller's. */
struct dispose_verify_args {
    const char *order;                 /* --order */
    const char *ledger;                /* -l, or NULL */
    const char *tsa_ca;                /* --tsa-ca, or NULL */
    unsigned require;                  /* --require: CUSTOS_DISPOSE_REQ_* */
    const struct cli_signers *signers; /* --sign custodian=KEY (n 0 or 1), passphrases */
    int yes;                           /* --yes */
    int json;                          /* --json */
};

/*
 * Verifies bundle against a->order and prints the report; with a->ledger
 * and a custodian, records a dispose entry per proven item. Returns the
 * exit code: the report's worst status, or the error's.
 */
int dispose_verify_main(struct cli *c, const struct dispose_verify_args *a, const char *bundle);

#endif
