/* SPDX-License-Identifier: ISC */
/*
 * acquire-options.h: custos-acquire's options (acquire-options.c).
 */
#ifndef CUSTOS_ACQUIRE_OPTIONS_H
#define CUSTOS_ACQUIRE_OPTIONS_H

#include <custos/acquire.h>

#include "cli.h"

struct options {
    struct custos_acquire_options acq;
    const char *format;
    const char *outputs[CUSTOS_ACQUIRE_MAX_OUTPUTS]; /* -o, in order */
    size_t noutputs;
    struct custos_acquire_copy copies[CUSTOS_ACQUIRE_MAX_OUTPUTS - 1]; /* outputs[1...] */
    const char *resume; /* --resume OUTPUT: the interrupted acquisition of OUTPUT */
    int json;
    int verify_set, no_verify_set;
    int collect;                                  /* --collect */
    const char *make, *model, *serial, *location; /* of the collect entry */
    struct cli_custody custody; /* --ledger, --key (the custodian), --sign, --party ... */
};

/* Parses argv into o: CLI_CONTINUE to go on, else the exit code (cli.h). */
int acquire_parse_options(struct cli *c, struct options *o, int argc, char **argv);

/* The fields of the item's collect entry, as JSON (a new string). */
char *acquire_collect_fields(const struct options *o);

#endif
