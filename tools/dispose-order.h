/* SPDX-License-Identifier: ISC */
/*
 * dispose-order.h: the `custos-dispose order` subcommand.
 */
#ifndef CUSTOS_DISPOSE_ORDER_H
#define CUSTOS_DISPOSE_ORDER_H

#include "cli.h"

/* What `custos-dispose order` was given; the usage checks are the caller's. */
struct dispose_order_args {
    const char *ledger;       /* -l */
    const char *output;       /* -o ORDER.json */
    const char *order_id;     /* --order-id */
    const char *organisation; /* --vendor-organisation, or NULL */
    const char *reason;       /* --reason, or NULL */
    const char *seal_checked; /* --seal-checked, or NULL */
    const char *time;         /* --time, or NULL: now */
    const char *const *item;  /* --item, nitem of them */
    const char *const *media; /* per item: --media-type, or NULL */
    size_t nitem;
    const struct cli_signers *signers; /* --sign releaser=KEY [receiver=KEY], passphrases */
    const char *const *party;          /* --party receiver=KEY.pub */
    size_t nparty;
    int yes;  /* --yes */
    int json; /* --json */
};

/* Runs the order; returns the exit code. */
int dispose_order_main(struct cli *c, const struct dispose_order_args *a);

#endif
