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
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include <custos/custos.h>
#include <custos/seal.h>
#include <custos/verify.h>

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
          "  --json                 print one JSON document\n"
          "  -q, --quiet            print nothing but errors (with --json: the document only)\n"
          "  -h, --help             print this help\n"
          "  -V, --version          print the version\n",
          f);
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
            if ((rc = cli_signers_add(c, &o->signers, "--sign", optarg)) != -1)
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
    return -1;
}

const char *
seal_short_fp(const char *fp)
{
    static char b[CUSTOS_KEY_FP_SHORT + 1];
    snprintf(b, sizeof(b), "%.*s", CUSTOS_KEY_FP_SHORT, fp);
    return b;
}

/* Prints the findings on stderr and the summary on stdout (or JSON). */
static void
print_report(struct cli *c, const struct options *o, const char *package,
             const struct custos_seal_report *r, const char *what)
{
    for (size_t i = 0; i < r->nfindings; i++)
        cli_warn(c, "%s: %s", package, r->findings[i].message);
    if (o->json) {
        char *s = custos_seal_report_json(r, package, what);
        cli_print_json(s);
        free(s);
        return;
    }
    if (c->quiet)
        return;
    printf("package:    %s (%s, bag %s)\n", package, custos_seal_format_name(r->format), r->base);
    printf("case:       %s, evidence %s, seal %s\n", r->case_id, r->evidence, r->seal_number);
    printf("authorised: %s\n", r->authorisation);
    printf("sealed:     %s by %s\n", r->sealed_at, r->custodian);
    printf("payload:    %" PRIu64 " files, %" PRIu64 " bytes (Payload-Oxum %" PRIu64 ".%" PRIu64
           ")\n",
           r->payload_files, r->payload_bytes, r->oxum_bytes, r->oxum_files);
    printf("tag manifest SHA-256: %s\n", r->tagmanifest_sha256);
    int anchored = 0;
    for (size_t i = 0; i < r->nsigners; i++) {
        const struct custos_seal_signer *g = &r->signers[i];
        anchored |= g->trusted && g->status == CUSTOS_OK;
        printf("signature:  %-9s %s %s: %s%s\n", g->role[0] ? g->role : "(unnamed)", g->fingerprint,
               g->name[0] ? g->name : "?",
               !g->present              ? "not signed yet"
               : g->status == CUSTOS_OK ? "good"
                                        : "BAD",
               g->trusted ? " (trusted key)" : "");
    }
    if (r->timestamp_present)
        printf("timestamp:  %s by %s, serial %s: %s\n", r->tstamp.gen_time,
               r->tstamp.tsa_name[0] ? r->tstamp.tsa_name : "?", r->tstamp.serial,
               r->timestamp_checked ? "verified against the TSA CA"
               : r->timestamp_status == CUSTOS_E_INCOMPLETE
                   ? "imprint matches; NOT CHECKED (no TSA CA)"
                   : "BAD");
    else
        printf("timestamp:  none\n");
    printf("result:     %s%s\n", r->status == CUSTOS_OK ? "OK" : custos_status_name(r->status),
           r->nfindings ? " (findings on stderr)" : "");
    if (r->status == CUSTOS_OK && !anchored && o->ntrust == 0)
        cli_warn(c,
                 "%s: signers checked against the keys the package names; compare their "
                 "fingerprints with the custody form, or give --trust KEY.pub",
                 package);
}

static int
load_trust(const struct options *o, struct custos_key **keys, struct custos_error *err)
{
    for (size_t i = 0; i < o->ntrust; i++) {
        int rc = custos_key_load_public(&keys[i], o->trust[i], err);
        if (rc != CUSTOS_OK)
            return rc;
    }
    return CUSTOS_OK;
}

/*
 * verify of a bag directory without custos-seal/: a foreign, unsigned bag.
 * It is checked as BagIt only (RFC 8493, through the verify module, the
 * same check as custos-verify -r BAG), and the answer says plainly that
 * nothing signed it: exit 4 whatever the bag's state, as for a package
 * whose signature is missing; the BagIt verdict is printed beside it.
 */
static int
check_unsigned_bag(struct cli *c, const struct options *o, const char *package,
                   struct custos_error *err)
{
    struct custos_verify *v = NULL;
    int rc = custos_verify_new(&v, package, err);
    const char *verdict = err->message;
    if (rc == CUSTOS_OK) {
        struct custos_verify_options vo;
        custos_verify_options_init(&vo);
        struct custos_progress prog = cli_progress(c);
        cli_progress_start(c);
        rc = custos_verify_run(v, NULL, &vo, &prog);
        cli_progress_end(c);
        verdict = custos_verify_summary(v)[0] ? custos_verify_summary(v)
                                              : custos_verify_error(v)->message;
        const char *w = custos_verify_warnings(v);
        while (*w) {
            size_t n = strcspn(w, "\n");
            fprintf(stderr, "custos-seal: %s: warning: %.*s\n", package, (int)n, w);
            w += n + (w[n] == '\n');
        }
    }
    if (o->json) {
        json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:s}", "package", package, "signature", "none",
                              "checked_as", "BagIt (RFC 8493) only", "bagit_valid", rc == CUSTOS_OK,
                              "bagit", verdict);
        char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
        if (text)
            printf("%s\n", text);
        free(text);
        json_decref(j);
    } else {
        printf("package:    %s (a BagIt bag without custos-seal/: not sealed)\n", package);
        printf("signature:  none: nothing signed this bag; checked as BagIt (RFC 8493) only\n");
        printf("BagIt:      %s\n", verdict);
    }
    custos_verify_free(v);
    custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, package,
                     "not sealed: a BagIt bag that carries no signature (BagIt check: %s)",
                     rc == CUSTOS_OK ? "valid" : "NOT valid");
    cli_error(c, err);
    return custos_exit_code(CUSTOS_E_UNTRUSTED);
}

static int
cmd_check(struct cli *c, const struct options *o, const char *cmd, const char *package,
          struct custos_error *err)
{
    int is_extract = strcmp(cmd, "extract") == 0, is_cosign = strcmp(cmd, "cosign") == 0;
    char sealdir[4200];
    struct stat st;
    snprintf(sealdir, sizeof(sealdir), "%s/%s", package, CUSTOS_SEAL_DIR);
    if (strcmp(cmd, "verify") == 0 && stat(package, &st) == 0 && S_ISDIR(st.st_mode) &&
        lstat(sealdir, &st) != 0)
        return check_unsigned_bag(c, o, package, err);
    if (is_extract && o->output == NULL)
        return cli_usage(c, "extract: missing -o DIR");
    if (is_cosign && o->key == NULL)
        return cli_usage(c, "cosign: missing --key");
    if (!is_extract && o->output != NULL)
        return cli_usage(c, "%s: -o belongs to create and extract", cmd);
    struct custos_key *trusted[MAX_KEYS] = {0}, *key = NULL;
    struct custos_seal_report *r = NULL;
    char pub[4200];
    int rc = load_trust(o, trusted, err);
    if (rc == CUSTOS_OK && is_cosign) {
        rc = cli_load_private_key(&o->signers, 0, o->key, &key, err);
        snprintf(pub, sizeof(pub), "%s%s", o->key, CUSTOS_KEY_PUB_SUFFIX);
    }
    if (rc != CUSTOS_OK) {
        cli_error(c, err);
        goto out;
    }
    struct custos_progress prog = cli_progress(c);
    struct custos_seal_verify_options vo = {
        .trusted = (const struct custos_key *const *)trusted,
        .ntrusted = o->ntrust,
        .tsa_ca = o->tsa_ca,
        .max_entries = o->max_entries,
        .progress = &prog,
    };
    cli_progress_start(c);
    if (is_extract)
        rc = custos_seal_extract(package, o->output, &vo, &r, err);
    else if (is_cosign)
        rc = custos_seal_cosign(package, key, pub, &vo, &r, err);
    else
        rc = custos_seal_verify(package, &vo, &r, err);
    cli_progress_end(c);
    /* A successful cosign's report still shows the signature it was about to add: skip it. */
    if (r != NULL && !(is_cosign && rc == CUSTOS_OK))
        print_report(c, o, package, r, cmd);
    if (rc != CUSTOS_OK && (r == NULL || strcmp(cmd, "verify") != 0))
        cli_error(c, err);
    else if (rc == CUSTOS_OK && !c->quiet && !o->json) {
        if (is_extract)
            printf("extracted:  %s\n", o->output);
        if (is_cosign)
            printf("cosigned:   %s by %s (%s)\n", package, custos_key_name(key),
                   seal_short_fp(custos_key_fingerprint(key)));
    }
out:
    for (size_t i = 0; i < MAX_KEYS; i++)
        custos_key_free(trusted[i]);
    custos_key_free(key);
    custos_seal_report_free(r);
    return custos_exit_code(rc);
}

int
main(int argc, char **argv)
{
    struct cli c;
    struct options o;
    struct custos_error err;
    memset(&o, 0, sizeof(o));
    cli_signers_init(&o.signers);
    cli_init(&c, "custos-seal");
    custos_error_clear(&err);
    int rc = parse_options(&c, &o, argc, argv);
    if (rc >= 0)
        return rc;
    if (optind >= argc)
        return cli_usage(&c, "missing command");
    const char *cmd = argv[optind++];
    int nargs = argc - optind;
    if (strcmp(cmd, "create") == 0)
        return seal_create_main(&c, &o, argv + optind, nargs, &err);
    if (strcmp(cmd, "verify") != 0 && strcmp(cmd, "extract") != 0 && strcmp(cmd, "cosign") != 0)
        return cli_usage(&c, "unknown command %s", cmd);
    if (nargs != 1)
        return cli_usage(&c, "%s: needs exactly one PACKAGE", cmd);
    if (o.case_id || o.evidence || o.seal || o.authorisation || o.organization || o.description ||
        o.tsa || o.ledger || o.format || o.signers.n || o.nparty || o.key_by_sign)
        return cli_usage(&c, "%s: sealing options belong to create", cmd);
    if (strcmp(cmd, "cosign") != 0 && o.key != NULL)
        return cli_usage(&c, "%s: --key belongs to create and cosign", cmd);
    return cmd_check(&c, &o, cmd, argv[optind], &err);
}
