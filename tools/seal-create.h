/* SPDX-License-Identifier: ISC */
/*
 * seal-create.h: custos-seal's options, its create subcommand
 * (seal-create.c) and its verify, extract and cosign (seal-check.c).
 */
#ifndef CUSTOS_SEAL_CREATE_H
#define CUSTOS_SEAL_CREATE_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"

#define MAX_KEYS CLI_MAX_SIGNERS

struct options {
    const char *output; /* -o */
    const char *key;    /* --key, or --sign custodian=KEY */
    int key_by_sign;    /* the key came as --sign custodian=KEY (create only) */
    const char *format; /* --format */
    const char *case_id, *evidence, *seal, *authorisation, *organization, *description;
    const char *tsa, *tsa_ca;    /* --tsa, --tsa-ca */
    long tsa_timeout;            /* --tsa-timeout, seconds */
    const char *ledger;          /* --ledger */
    struct cli_signers signers;  /* --sign AS=KEY, --passphrase-file, --passphrase-fd */
    const char *party[MAX_KEYS]; /* --party AS=KEY.pub */
    size_t nparty;
    const char *trust[MAX_KEYS]; /* --trust KEY.pub */
    size_t ntrust;
    uint64_t max_entries; /* --max-entries */
    int json;
    int yes; /* --yes: sign without asking each signer to confirm */
};

/* The first CUSTOS_KEY_FP_SHORT characters of a fingerprint (a static buffer). */
const char *seal_short_fp(const char *fp);

/*
 * Runs `custos-seal verify`, `extract` or `cosign` (cmd) on the nargs
 * operands in args (seal-check.c): one PACKAGE, and none of the sealing
 * options. Returns the exit code.
 */
int seal_check_main(struct cli *c, const struct options *o, const char *cmd, int nargs,
                    char **args);

/* Runs `custos-seal create` on the npaths operands in paths. Returns the exit code. */
int seal_create_main(struct cli *c, const struct options *o, char **paths, int npaths,
                     struct custos_error *err);

#endif
