/* SPDX-License-Identifier: ISC */
/*
 * custos-seal: sealed, signed and timestamped evidence packages.
 *
 *   custos-seal create --key KEY -o PACKAGE --case ID --evidence N --seal N
 *                      --authorisation REF [--sign witness=KEY] [--party witness=KEY.pub]
 *                      [--tsa URL [--tsa-ca CA]] [--ledger LEDGER] PATH...
 *   custos-seal cosign PACKAGE --key KEY
 *   custos-seal verify PACKAGE [--trust KEY.pub ...] [--tsa-ca CA]
 *   custos-seal extract PACKAGE -o DIR [--trust KEY.pub ...] [--tsa-ca CA]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <custos/custos.h>
#include <custos/seal.h>

#include "cli.h"
#include "seal-create.h"

static void
usage_text(FILE *f)
{
    fputs("usage: custos-seal COMMAND [options] ...\n"
          "\n"
          "  create PATH...    seal files and directories into a new package (-o)\n"
          "  cosign PACKAGE    check the package, then add your signature as witness (--key)\n"
          "  verify PACKAGE    check everything: payload, manifests, signatures, timestamp\n"
          "  extract PACKAGE   verify, then unpack safely into a new directory (-o)\n"
          "\n"
          "  -o, --output PATH      the package (create) or directory (extract) to write\n"
          "  --key FILE             your private key: the custodian (create), witness (cosign);\n"
          "                         create also takes it as --sign custodian=FILE\n"
          "  --format FMT           dir, tar or zip (default: from the -o suffix .tar/.zip)\n"
          "  --case ID              case identifier (with --ledger: the ledger's)\n"
          "  --evidence N           evidence (exhibit) number, the ledger's item\n"
          "  --seal N               the seal's number\n"
          "  --authorisation REF    warrant, order or approval reference (with --ledger:\n"
          "                         the ledger's; a given one must match)\n"
          "  --organisation NAME    Source-Organization\n"
          "  --description TEXT     External-Description\n"
          "  --sign witness=KEY     a witness present now: shown the sealed package's\n"
          "                         digest and the ledger entry, confirms, then signs\n"
          "  --yes                  sign without asking each signer to confirm\n"
          "  --party witness=KEY.pub  a witness who cosigns later\n"
          "  --passphrase-file F    passphrase file; one for all, or one per key (--key first)\n"
          "  --passphrase-fd N      read passphrases from descriptor N\n"
          "  --tsa URL              timestamp the tag manifest at this RFC 3161 TSA\n"
          "  --tsa-ca FILE          the TSA's CA certificate(s): check the timestamp\n"
          "  --tsa-timeout SECONDS  HTTP timeout for the TSA (default 30)\n"
          "  -l, --ledger FILE      append a seal entry to this case ledger (create)\n"
          "  --trust KEY.pub        a key confirmed out of band; it must have signed\n"
          "  --max-entries N        refuse archives with more entries (default 10000000)\n"
          "  --json                 print one JSON document\n",
          f);
    cli_common_usage(f, 23);
}

enum {
    OPT_KEY = 256,
    OPT_FORMAT,
    OPT_CASE,
    OPT_EVIDENCE,
    OPT_SEAL,
    OPT_AUTH,
    OPT_ORG,
    OPT_DESC,
    OPT_SIGN,
    OPT_PARTY,
    OPT_TSA,
    OPT_TSA_CA,
    OPT_TSA_TIMEOUT,
    OPT_LEDGER,
    OPT_TRUST,
    OPT_MAX_ENTRIES,
    OPT_JSON,
    OPT_YES,
};

static int
parse_options(struct cli *c, struct options *o, int argc, char **argv)
{
    static const struct option opts[] = {
        {"authorisation", required_argument, NULL, OPT_AUTH},
        CLI_COMMON_LONGOPTS,
        {"case", required_argument, NULL, OPT_CASE},
        {"description", required_argument, NULL, OPT_DESC},
        {"evidence", required_argument, NULL, OPT_EVIDENCE},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"json", no_argument, NULL, OPT_JSON},
        {"key", required_argument, NULL, OPT_KEY},
        {"ledger", required_argument, NULL, 'l'},
        {"max-entries", required_argument, NULL, OPT_MAX_ENTRIES},
        {"organisation", required_argument, NULL, OPT_ORG},
        {"organization", required_argument, NULL, OPT_ORG}, /* the spelling before 0.1 */
        {"output", required_argument, NULL, 'o'},
        {"party", required_argument, NULL, OPT_PARTY},
        {"passphrase-fd", required_argument, NULL, CLI_OPT_PASSFD},
        {"passphrase-file", required_argument, NULL, CLI_OPT_PASSFILE},
        {"seal", required_argument, NULL, OPT_SEAL},
        {"sign", required_argument, NULL, OPT_SIGN},
        {"trust", required_argument, NULL, OPT_TRUST},
        {"tsa", required_argument, NULL, OPT_TSA},
        {"tsa-ca", required_argument, NULL, OPT_TSA_CA},
        {"tsa-timeout", required_argument, NULL, OPT_TSA_TIMEOUT},
        {"yes", no_argument, NULL, OPT_YES},
        {NULL, 0, NULL, 0},
    };
    int opt, rc;
    char *end;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":hl:o:qV", opts, NULL)) != -1) {
        if ((rc = cli_signing_option(c, &o->signers, opt, argv, usage_text)) != CLI_NOT_MINE) {
            if (rc != CLI_CONTINUE)
                return rc;
            continue;
        }
        switch (opt) {
        case 'o':
            o->output = optarg;
            break;
        case OPT_KEY:
            if ((rc = cli_main_key(c, &o->key, NULL, optarg)) != CLI_CONTINUE)
                return rc;
            break;
        case OPT_FORMAT:
            o->format = optarg;
            break;
        case OPT_CASE:
            o->case_id = optarg;
            break;
        case OPT_EVIDENCE:
            o->evidence = optarg;
            break;
        case OPT_SEAL:
            o->seal = optarg;
            break;
        case OPT_AUTH:
            o->authorisation = optarg;
            break;
        case OPT_ORG:
            o->organization = optarg;
            break;
        case OPT_DESC:
            o->description = optarg;
            break;
        case OPT_SIGN:
            /* the custodian as everywhere: --sign custodian=KEY is --key KEY */
            if ((rc = cli_main_key(c, &o->key, CUSTOS_ROLE_CUSTODIAN, optarg)) != CLI_NOT_MINE) {
                if (rc != CLI_CONTINUE)
                    return rc;
                o->key_by_sign = 1;
                break;
            }
            if (strncmp(optarg, CUSTOS_ROLE_WITNESS "=", sizeof(CUSTOS_ROLE_WITNESS)) != 0)
                return cli_usage(c, "--sign: only witness=KEY signs a seal besides the custodian");
            if ((rc = cli_signers_add(c, &o->signers, "--sign", optarg)) != CLI_CONTINUE)
                return rc;
            break;
        case OPT_PARTY:
            if (strncmp(optarg, CUSTOS_ROLE_WITNESS "=", sizeof(CUSTOS_ROLE_WITNESS)) != 0)
                return cli_usage(c, "--party: only witness=KEY.pub cosigns a seal");
            if (o->nparty == MAX_KEYS)
                return cli_usage(c, "at most %d of --party", MAX_KEYS);
            o->party[o->nparty++] = optarg;
            break;
        case OPT_TSA:
            o->tsa = optarg;
            break;
        case OPT_TSA_CA:
            o->tsa_ca = optarg;
            break;
        case OPT_TSA_TIMEOUT:
            o->tsa_timeout = strtol(optarg, &end, 10);
            if (*end != '\0' || o->tsa_timeout <= 0 || o->tsa_timeout > 3600)
                return cli_usage(c, "--tsa-timeout: 1 to 3600 seconds");
            break;
        case 'l':
            o->ledger = optarg;
            break;
        case OPT_TRUST:
            if (o->ntrust == MAX_KEYS)
                return cli_usage(c, "at most %d of --trust", MAX_KEYS);
            o->trust[o->ntrust++] = optarg;
            break;
        case OPT_MAX_ENTRIES:
            o->max_entries = strtoull(optarg, &end, 10);
            if (*end != '\0' || optarg[0] == '-' || o->max_entries == 0)
                return cli_usage(c, "--max-entries: a positive number");
            break;
        case OPT_YES:
            o->yes = 1;
            break;
        case OPT_JSON:
            o->json = 1;
            break;
        default:
            return cli_bad_option(c, argv, opt);
        }
    }
    return CLI_CONTINUE;
}

static int
cmd_create(struct cli *c, void *o, int nargs, char **args)
{
    struct custos_error err;
    custos_error_clear(&err);
    return seal_create_main(c, o, args, nargs, &err);
}

static int
cmd_cosign(struct cli *c, void *o, int nargs, char **args)
{
    return seal_check_main(c, o, "cosign", nargs, args);
}

static int
cmd_extract(struct cli *c, void *o, int nargs, char **args)
{
    return seal_check_main(c, o, "extract", nargs, args);
}

static int
cmd_verify(struct cli *c, void *o, int nargs, char **args)
{
    return seal_check_main(c, o, "verify", nargs, args);
}

static const struct cli_command commands[] = {
    {"cosign", cmd_cosign}, {"create", cmd_create}, {"extract", cmd_extract},
    {"verify", cmd_verify}, {NULL, NULL},
};

int
main(int argc, char **argv)
{
    struct cli c;
    struct options o;
    memset(&o, 0, sizeof(o));
    cli_signers_init(&o.signers);
    cli_init(&c, "custos-seal");
    int rc = parse_options(&c, &o, argc, argv);
    if (rc != CLI_CONTINUE)
        return rc;
    if (optind >= argc)
        return cli_usage(&c, "missing command");
    const struct cli_command *cmd = cli_command_find(commands, argv[optind]);
    if (cmd == NULL)
        return cli_usage(&c, "unknown command %s", argv[optind]);
    return cmd->run(&c, &o, argc - optind - 1, argv + optind + 1);
}
