/* SPDX-License-Identifier: ISC */
/*
 * hash-options.h: custos-hash's options (hash-options.c).
 */
#ifndef CUSTOS_HASH_OPTIONS_H
#define CUSTOS_HASH_OPTIONS_H

#include <stddef.h>

#include <custos/custos.h>

#include "cli.h"

#define MAX_SETS 16

struct options {
    unsigned algs; /* 0: sha256, or the reference's in an audit */
    enum custos_manifest_format format;
    const char *output; /* -o */
    const char *image;  /* --image */
    const char *audit;  /* --audit MANIFEST */
    const char *known[MAX_SETS];
    size_t nknown;
    const char *notable[MAX_SETS];
    size_t nnotable;
    struct custos_hash_options hash;
    int json;
    struct cli_custody custody; /* --key signs the manifest; --ledger records it */
    const char *signer;         /* --signer: check MANIFEST.sig before an audit */
    const char *signature;      /* --signature: the signature file, if not MANIFEST.sig */
    char **paths;
    size_t npaths;
};

/* Parses argv into o: CLI_CONTINUE to go on, else the exit code (cli.h). */
int hash_parse_options(struct cli *c, struct options *o, int argc, char **argv);

#endif
