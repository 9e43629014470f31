/* SPDX-License-Identifier: ISC */
/*
 * dispose-wipe.h: the `custos-dispose wipe` subcommand.
 */
#ifndef CUSTOS_DISPOSE_WIPE_H
#define CUSTOS_DISPOSE_WIPE_H

#include "cli.h"

/*
 * Runs `custos-dispose wipe`: argv[0] is "wipe", options and the TARGET
 * follow. Parses with getopt_long from argv[1]. Returns the exit code.
 */
int dispose_wipe_main(struct cli *c, int argc, char **argv);

/* Prints the wipe subcommand's usage lines and options on f (for --help). */
void dispose_wipe_usage(FILE *f);

#endif
