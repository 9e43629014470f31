/* SPDX-License-Identifier: ISC */
/*
 * hash-options.c: custos-hash's command line: its --help and
 * hash_parse_options(), which checks every combination before
 * custos-hash.c hashes or audits anything.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <custos/custos.h>

#include "hash-options.h"

static void
usage_text(FILE *out)
{
    fprintf(
        out,
        "usage: custos-hash [-q] [--json] [-d DIGESTS] [-f FORMAT] [-j N] [--no-type]\n"
        "                   [--known SET] [--notable SET] -o MANIFEST (PATH... | --image IMAGE)\n"
        "       custos-hash --audit MANIFEST [-q] [--json] [-j N] (PATH... | --image IMAGE)\n"
        "\n"
        "  -A, --audit MANIFEST  compare the files now with MANIFEST (exit 1 on any difference)\n"
        "  -d, --digests LIST    md5,sha1,sha256 or all (default sha256)\n"
        "  -f, --format FORMAT   json (default), sha256sum, sha1sum, md5sum, hashdeep, dfxml\n"
        "  -i, --image IMAGE     hash the files inside the file systems of a raw, split or E01 "
        "image\n"
        "  -j, --jobs N          hashing threads (default: one per processor)\n"
        "      --json            print the report as one JSON document\n"
        "  -k, --known SET       flag files whose digest is in SET (hash list or manifest)\n"
        "  -n, --notable SET     flag and list files whose digest is in SET\n"
        "      --no-type         do not record the content type (libmagic)\n"
        "  -o, --output FILE     write the manifest to FILE (never overwritten; - for stdout)\n"
        "  -q, --quiet           print nothing but errors (with --json: the document only)\n"
        "\n"
        "Signing and chain of custody:\n"
        "      --key KEY         sign the manifest with KEY: detached signature FILE.sig\n"
        "                        (--sign custodian=KEY says the same, as in custos-ledger)\n"
        "      --signature SIG   the signature file (default: MANIFEST.sig)\n"
        "      --signer KEY.pub  with --audit: check the manifest's signature first (exit 4)\n"
        "  -l, --ledger FILE     append an `acquire` entry (a logical acquisition) linking\n"
        "                        the manifest and its SHA-256; --key is the custodian\n"
        "      --item ID         the evidence item of the entry\n"
        "      --sign AS=KEY     another party signing now, e.g. witness=carol.key\n"
        "      --party AS=PUB    a party who signs later (custos-ledger add attest)\n"
        "      --passphrase-file F, --passphrase-fd N\n"
        "                        passphrases: one for all keys, or one per key (--key first)\n"
        "      --yes             sign without asking each signer to confirm the entry\n"
        "                        (each --sign party is shown the entry with the manifest's\n"
        "                        SHA-256 after hashing, and confirms before signing)\n"
        "  -h, --help            print this help\n"
        "  -V, --version         print the version\n");
}

int
hash_parse_options(struct cli *c, struct options *o, int argc, char **argv)
{
    enum {
        OPT_JSON = 256,
        OPT_NO_TYPE,
        OPT_SIGNATURE,
        OPT_SIGNER,
    };
    static const struct option longopts[] = {
        {"audit", required_argument, NULL, 'A'},
        {"digests", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        CLI_COMMON_LONGOPTS,
        {"image", required_argument, NULL, 'i'},
        {"jobs", required_argument, NULL, 'j'},
        {"json", no_argument, NULL, OPT_JSON},
        {"known", required_argument, NULL, 'k'},
        {"no-type", no_argument, NULL, OPT_NO_TYPE},
        {"notable", required_argument, NULL, 'n'},
        {"output", required_argument, NULL, 'o'},
        CLI_CUSTODY_LONGOPTS,
        {"signature", required_argument, NULL, OPT_SIGNATURE},
        {"signer", required_argument, NULL, OPT_SIGNER},
        {NULL, 0, NULL, 0},
    };
    struct custos_error err;
    int ch;
    bool have_format = false;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":A:d:f:hi:j:k:l:n:o:qV", longopts, NULL)) != -1) {
        int rc = cli_tool_option(c, &o->custody, ch, argv, usage_text);
        if (rc != CLI_NOT_MINE) {
            if (rc != CLI_CONTINUE)
                return rc;
            continue;
        }
        switch (ch) {
        case 'A':
            if (o->audit != NULL)
                return cli_usage(c, "--audit given twice");
            o->audit = optarg;
            break;
        case 'd':
            if (o->algs != 0)
                return cli_usage(c, "--digests given twice");
            if (custos_digest_parse(optarg, &o->algs, &err) != CUSTOS_OK)
                return cli_usage(c, "%s", err.message);
            break;
        case 'f':
            if (have_format)
                return cli_usage(c, "--format given twice");
            if (custos_manifest_format_parse(optarg, &o->format, &err) != CUSTOS_OK)
                return cli_usage(c, "%s", err.message);
            have_format = true;
            break;
        case 'i':
            if (o->image != NULL)
                return cli_usage(c, "--image given twice");
            o->image = optarg;
            break;
        case 'j': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end != '\0' || n < 1 || n > 1024)
                return cli_usage(c, "--jobs wants a number from 1 to 1024, not '%s'", optarg);
            o->hash.jobs = (unsigned)n;
            break;
        }
        case OPT_JSON:
            o->json = 1;
            break;
        case 'k':
            if (o->nknown == MAX_SETS)
                return cli_usage(c, "at most %d --known sets", MAX_SETS);
            o->known[o->nknown++] = optarg;
            break;
        case 'n':
            if (o->nnotable == MAX_SETS)
                return cli_usage(c, "at most %d --notable sets", MAX_SETS);
            o->notable[o->nnotable++] = optarg;
            break;
        case OPT_NO_TYPE:
            o->hash.no_types = true;
            break;
        case 'o':
            if (o->output != NULL)
                return cli_usage(c, "--output given twice");
            o->output = optarg;
            break;
        case OPT_SIGNATURE:
            o->signature = optarg;
            break;
        case OPT_SIGNER:
            o->signer = optarg;
            break;
        default:
            return cli_bad_option(c, argv, ch);
        }
    }
    o->paths = argv + optind;
    o->npaths = (size_t)(argc - optind);
    if (o->image != NULL && o->npaths > 0)
        return cli_usage(c, "give either PATH operands or --image, not both");
    if (o->image == NULL && o->npaths == 0)
        return cli_usage(c, "missing PATH or --image");
    if (o->audit != NULL && (o->output != NULL || have_format))
        return cli_usage(c, "--audit cannot be combined with --output or --format");
    if (o->audit == NULL && o->output == NULL)
        return cli_usage(c, "missing --output");
    const struct cli_custody *cu = &o->custody;
    if (o->audit != NULL && (cu->key != NULL || cu->ledger != NULL))
        return cli_usage(c, "--audit does not sign: --key and --ledger make manifests");
    if (o->audit == NULL && o->signer != NULL)
        return cli_usage(c, "--signer checks the manifest of an --audit");
    if ((cu->key != NULL || cu->ledger != NULL) && strcmp(o->output, "-") == 0)
        return cli_usage(c, "a signed or recorded manifest needs a file, not -o -");
    int rc = cli_custody_check(c, cu);
    if (rc != 0)
        return rc;
    if (o->signature != NULL && cu->key == NULL && o->signer == NULL)
        return cli_usage(c, "--signature goes with --key or --signer");
    return CLI_CONTINUE;
}
