/* SPDX-License-Identifier: ISC */
/*
 * custos-ledger: the case's signed chain-of-custody ledger.
 *
 *   custos-ledger open -l LEDGER --key OWNER.key --case ID --level N --authorisation REF
 *   custos-ledger add ACTION -l LEDGER --sign AS=KEY ... [fields]
 *   custos-ledger propose ACTION -l LEDGER --party AS=KEY.pub ... -o PROPOSAL [fields]
 *   custos-ledger sign PROPOSAL --key KEY
 *   custos-ledger commit PROPOSAL -l LEDGER [--allow-missing]
 *   custos-ledger verify -l LEDGER [--checkpoint CP]
 *   custos-ledger checkpoint -l LEDGER --key KEY -o CP
 *   custos-ledger cosign CP -l LEDGER --key KEY -o CP2
 *   custos-ledger prove N -l LEDGER [--checkpoint CP]
 *   custos-ledger show -l LEDGER [--item ID] [--checkpoint CP] [--json]
 *   custos-ledger status [-l LEDGER] [LEDGER...] [--time NOW] [--json]
 *   custos-ledger export -l LEDGER -o DIR [--checkpoint CP]
 *   custos-ledger audit -l LEDGER [DIR] [--checkpoint CP ...] [--json]
 *   custos-ledger publish -l LEDGER --log DIR --key LOG.key [--origin NAME] [--entries]
 *   custos-ledger verify -l LEDGER --log DIR --log-key VKEY [--log-state FILE]
 *       [--witness-key VKEY ... [--witnesses N]]
 *   custos-ledger witness --log DIR --log-key VKEY --witness URL --witness-key VKEY ...
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ledger-cmd.h"

/*
 * The entry field options come from the ledger's policy table: one per field
 * a caller may give, named after it ("seal_checked" -> --seal-checked),
 * except revoke's "key", which is --revoke-key (--key is the signer's key).
 */
static void
field_options(struct options *o)
{
    const char *f;
    for (o->nfields = 0;
         o->nfields < MAX_FIELDS && (f = custos_ledger_field_name(o->nfields)) != NULL;
         o->nfields++) {
        char *opt = o->opt[o->nfields];
        o->field[o->nfields] = f;
        snprintf(opt, sizeof(o->opt[0]), "%s", strcmp(f, "key") == 0 ? "revoke-key" : f);
        for (char *p = opt; *p != '\0'; p++)
            if (*p == '_')
                *p = '-';
    }
}

static void
usage_text(FILE *f)
{
    fputs("usage: custos-ledger COMMAND [options]\n"
          "\n"
          "  open          start a case ledger: -l LEDGER --key OWNER.key --case ID\n"
          "                --level 1-4 --authorisation REF\n"
          "  add ACTION    append an entry signed now by every party (--sign AS=KEY ...)\n"
          "  propose ACTION  write an unsigned entry for the parties (--party AS=KEY.pub ...)\n"
          "                to PROPOSAL (-o)\n"
          "  sign PROPOSAL show a proposal, then add your signature once you confirm\n"
          "                (--key KEY)\n"
          "  show-proposal PROPOSAL  a proposal in plain language, and who has signed it\n"
          "                (with -l, whether the ledger would take it now; sign -l checks\n"
          "                that before asking)\n"
          "  commit PROPOSAL  append a signed proposal; refused if the ledger moved\n"
          "  verify        check the whole ledger (and --checkpoint CP)\n"
          "  checkpoint    write a signed checkpoint of the ledger (--key KEY -o CP)\n"
          "  cosign CP     add your cosignature to a checkpoint (--key KEY -o CP2)\n"
          "  prove N       print the inclusion proof of entry N\n"
          "  show          the history of each item in plain language (--item ID)\n"
          "  status [LEDGER...]  open cases, deadlines (at --time, default now), holders\n"
          "                and signatures owed; exit 1 when a deadline of an open case\n"
          "                has passed\n"
          "  export        write the custody report, CASE/UCO JSON-LD and verification\n"
          "                kit to a new directory (-o DIR)\n"
          "  form          write the printable chain-of-custody form of every item (or\n"
          "                --item ID) as a new PDF file (-o FORM.pdf): pre-filled rows\n"
          "                from the ledger, blank rows for the next handovers\n"
          "  label         write the evidence-bag label of --item ID as a new PDF file\n"
          "                (-o LABEL.pdf): seal, digests, and a QR code with the item's\n"
          "                seal entry and its hash\n"
          "  audit [DIR]   the legal team's check: the ledger (and --checkpoint CP), and\n"
          "                every artifact it names found below DIR (default: the ledger's\n"
          "                directory) and checked against its recorded digest, in a table\n"
          "  publish       append the ledger's entries (their hashes, or with --entries the\n"
          "                lines) to the organisation's transparency log --log DIR, signed\n"
          "                by --key LOG.key (a new log needs --origin NAME)\n"
          "  verify --log DIR --log-key VKEY  prove every entry is in the log, and the log\n"
          "                consistent with the checkpoint in --log-state FILE and cosigned\n"
          "                by --witnesses N of the --witness-key VKEY given\n"
          "  witness       have the log's checkpoint cosigned by each --witness URL\n"
          "                (C2SP tlog-witness), checked with its --witness-key VKEY\n"
          "\n"
          "  ACTION: enroll revoke collect acquire seal transfer store access verify\n"
          "          dispose note attest close\n"
          "\n"
          "  -l, --ledger FILE      the ledger\n"
          "  -o, --output FILE      the file to write (propose, checkpoint, cosign, form,\n"
          "                         label), or the directory (export)\n"
          "  --key FILE             your key (open, sign, checkpoint, cosign)\n"
          "  --sign AS=KEY          a party acting as AS signs now with private KEY\n"
          "  --party AS=KEY.pub     a party acting as AS, to sign the proposal later\n"
          "  --passphrase-file F    passphrase file; repeat in --sign order, or give one\n"
          "  --passphrase-fd N      read the passphrase from descriptor N\n"
          "  --yes                  sign without asking each signer to confirm the entry\n"
          "                         (add and sign show it first and ask at the terminal)\n"
          "  --allow-missing        commit although some parties have not signed\n"
          "  --checkpoint FILE      verify, prove, show or export against this checkpoint\n"
          "  --item ID              show only this item, or the form of this item (and an\n"
          "                         entry field)\n"
          "  --lang LANG            labels of export, form, label and status: en (default)\n"
          "                         or zh-TW\n"
          "  --time TIME            when the act happened, default now: RFC 3339 UTC or\n"
          "                         local with its offset (2026-12-05T14:30:00+08:00, kept\n"
          "                         for display); an act earlier than the last one recorded\n"
          "                         is kept in recording order and shown \"recorded late\";\n"
          "                         for status, the moment deadlines are judged at\n"
          "  --json                 print one JSON document\n",
          f);
    cli_common_usage(f, 23);
    fputs("\n"
          "  entry fields: --case --level --authorisation --item --description --make\n"
          "  --model --serial --location --record --record-sha256 --image-sha256 --md5\n"
          "  --sha1 --size --tool --seal --sha256 --reason --seal-checked --direction\n"
          "  --purpose --result --method --certificate --certificate-sha256 --text\n"
          "  --target --target-sha256 --revoke-key --organisation --id-ref --phone\n"
          "  --place --comment\n",
          f);
}

enum {
    OPT_KEY = 256,
    OPT_PARTY,
    OPT_ALLOW_MISSING,
    OPT_CHECKPOINT,
    OPT_TIME,
    OPT_JSON,
    OPT_YES,
    OPT_LOG,
    OPT_LOG_KEY,
    OPT_LOG_STATE,
    OPT_ORIGIN,
    OPT_ENTRIES,
    OPT_WITNESS,
    OPT_WITNESS_KEY,
    OPT_WITNESSES,
    OPT_LANG,
    OPT_FIELD = 1000,
};

static int
parse_options(struct cli *c, struct options *o, int argc, char **argv)
{
    static const struct option fixed[] = {
        {"allow-missing", no_argument, NULL, OPT_ALLOW_MISSING},
        {"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
        {"entries", no_argument, NULL, OPT_ENTRIES},
        {"lang", required_argument, NULL, OPT_LANG},
        {"log", required_argument, NULL, OPT_LOG},
        {"log-key", required_argument, NULL, OPT_LOG_KEY},
        {"log-state", required_argument, NULL, OPT_LOG_STATE},
        {"origin", required_argument, NULL, OPT_ORIGIN},
        {"witness", required_argument, NULL, OPT_WITNESS},
        {"witness-key", required_argument, NULL, OPT_WITNESS_KEY},
        {"witnesses", required_argument, NULL, OPT_WITNESSES},
        CLI_COMMON_LONGOPTS,
        {"json", no_argument, NULL, OPT_JSON},
        {"key", required_argument, NULL, OPT_KEY},
        {"ledger", required_argument, NULL, 'l'},
        {"output", required_argument, NULL, 'o'},
        {"party", required_argument, NULL, OPT_PARTY},
        {"passphrase-fd", required_argument, NULL, CLI_OPT_PASSFD},
        {"passphrase-file", required_argument, NULL, CLI_OPT_PASSFILE},
        {"sign", required_argument, NULL, CLI_OPT_SIGN},
        {"time", required_argument, NULL, OPT_TIME},
        {"yes", no_argument, NULL, OPT_YES},
    };
    const size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
    struct option all[sizeof(fixed) / sizeof(fixed[0]) + MAX_FIELDS + 1];
    memcpy(all, fixed, sizeof(fixed));
    for (size_t i = 0; i < o->nfields; i++)
        all[nfixed + i] = (struct option){o->opt[i], required_argument, NULL, OPT_FIELD + (int)i};
    all[nfixed + o->nfields] = (struct option){NULL, 0, NULL, 0};
    int opt, rc;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":hl:o:qV", all, NULL)) != -1) {
        if (opt == 'h') {
            o->help = 1; /* after the command word is known: add ACTION --help */
            continue;
        }
        if ((rc = cli_signing_option(c, &o->signers, opt, argv, usage_text)) != CLI_NOT_MINE) {
            if (rc != CLI_CONTINUE)
                return rc;
            continue;
        }
        switch (opt) {
        case 'l':
            o->ledger = optarg;
            break;
        case 'o':
            o->output = optarg;
            break;
        case OPT_KEY:
            o->key = optarg;
            break;
        case OPT_PARTY:
            if (o->nparty == MAX_KEYS)
                return cli_usage(c, "at most %d of --party", MAX_KEYS);
            if (strchr(optarg, '=') == NULL)
                return cli_usage(c, "--party needs AS=KEYFILE");
            o->party[o->nparty++] = optarg;
            break;
        case OPT_ALLOW_MISSING:
            o->allow_missing = 1;
            break;
        case OPT_CHECKPOINT:
            if (o->ncheckpoints == sizeof(o->checkpoints) / sizeof(o->checkpoints[0]))
                return cli_usage(c, "at most 16 of --checkpoint");
            if (o->checkpoint == NULL)
                o->checkpoint = optarg;
            o->checkpoints[o->ncheckpoints++] = optarg;
            break;
        case OPT_TIME:
            /* Checked here so a typo stops the run before any passphrase. */
            if (custos_time_rfc3339_parse_local(optarg, NULL, NULL, NULL) != CUSTOS_OK ||
                strchr(optarg, '.') != NULL)
                return cli_usage(c,
                                 "--time \"%s\" is not RFC 3339 in whole seconds, e.g. "
                                 "2026-12-05T14:30:00+08:00 or 2026-12-05T06:30:00Z",
                                 optarg);
            o->time = optarg;
            break;
        case OPT_JSON:
            o->json = 1;
            break;
        case OPT_YES:
            o->yes = 1;
            break;
        case OPT_LOG:
            o->log = optarg;
            break;
        case OPT_LOG_KEY:
            o->log_key = optarg;
            break;
        case OPT_LOG_STATE:
            o->log_state = optarg;
            break;
        case OPT_ORIGIN:
            o->origin = optarg;
            break;
        case OPT_ENTRIES:
            o->whole_entries = 1;
            break;
        case OPT_LANG:
            /* one parser with custos-dispose; custody outputs have no bilingual form */
            if (custos_lang_parse(optarg, &o->lang) != 0 || o->lang == CUSTOS_LANG_BOTH)
                return cli_usage(c, "--lang: en or zh-TW, not %s", optarg);
            o->lang_given = 1;
            break;
        case OPT_WITNESS:
            if (o->nwitness == 8)
                return cli_usage(c, "at most 8 of --witness");
            o->witness[o->nwitness++] = optarg;
            break;
        case OPT_WITNESS_KEY:
            if (o->nwitness_key == 8)
                return cli_usage(c, "at most 8 of --witness-key");
            o->witness_key[o->nwitness_key++] = optarg;
            break;
        case OPT_WITNESSES: {
            char *end;
            o->witnesses = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || o->witnesses < 0 || o->witnesses > 8)
                return cli_usage(c, "--witnesses needs a number from 0 to 8");
            break;
        }
        default:
            if (opt >= OPT_FIELD && opt < OPT_FIELD + (int)o->nfields) {
                o->fields[opt - OPT_FIELD] = optarg;
                break;
            }
            return cli_bad_option(c, argv, opt);
        }
    }
    return CLI_CONTINUE;
}

int
ledger_any_fields(const struct options *o)
{
    for (size_t i = 0; i < o->nfields; i++)
        if (o->fields[i] != NULL)
            return 1;
    return 0;
}

const char *
ledger_field_value(const struct options *o, const char *field)
{
    for (size_t i = 0; i < o->nfields; i++)
        if (strcmp(o->field[i], field) == 0)
            return o->fields[i];
    return NULL;
}

/*
 * The commands: how many operands each takes (ANY: the command checks them
 * itself, and which entry fields it takes), and whether it takes entry
 * fields. The NULL entry at the end stands for an unknown word.
 */
enum { NONE, ONE, ANY };
static const struct command {
    const char *name;
    int operands, fields;
    int (*run)(struct cli *c, struct options *o, const char *arg, struct custos_error *err);
} commands[] = {
    {"add", ONE, 1, cmd_add},
    {"audit", ANY, 0, cmd_audit},
    {"checkpoint", NONE, 0, cmd_checkpoint},
    {"commit", ONE, 0, cmd_commit},
    {"cosign", ONE, 0, cmd_checkpoint},
    {"export", NONE, 0, cmd_export},
    {"form", ANY, 0, cmd_form},
    {"label", ANY, 0, cmd_form},
    {"open", NONE, 1, cmd_open},
    {"propose", ONE, 1, cmd_add},
    {"prove", ONE, 0, cmd_prove},
    {"publish", NONE, 0, cmd_publish},
    {"show", ANY, 0, cmd_show},
    {"show-proposal", ONE, 0, cmd_show_proposal},
    {"sign", ONE, 0, cmd_sign},
    {"status", ANY, 0, cmd_status},
    {"verify", NONE, 0, cmd_verify},
    {"witness", NONE, 0, cmd_witness},
    {NULL, NONE, 0, NULL},
};

int
main(int argc, char **argv)
{
    struct cli c;
    struct options o;
    struct custos_error err;
    memset(&o, 0, sizeof(o));
    o.witnesses = -1;
    o.lang = CUSTOS_LANG_EN;
    cli_signers_init(&o.signers);
    field_options(&o);
    cli_init(&c, "custos-ledger");
    custos_error_clear(&err);
    int rc = parse_options(&c, &o, argc, argv);
    if (rc != CLI_CONTINUE)
        return rc;
    /* getopt_long has moved every option before the command word and its operands. */
    if (o.help) {
        if (argc - optind == 2 &&
            (strcmp(argv[optind], "add") == 0 || strcmp(argv[optind], "propose") == 0))
            return action_help(&c, &o, argv[optind + 1]);
        usage_text(stdout);
        return CUSTOS_EXIT_OK;
    }
    if (optind >= argc)
        return cli_usage(&c, "missing command");
    const char *cmd = argv[optind++];
    int nargs = argc - optind;
    const char *arg = nargs > 0 ? argv[optind] : NULL;
    o.cmd = cmd;
    o.args = argv + optind;
    o.nargs = (size_t)nargs;
    if (o.ncheckpoints > 1 && strcmp(cmd, "verify") != 0 && strcmp(cmd, "audit") != 0)
        return cli_usage(&c, "%s takes one --checkpoint (verify takes several)", cmd);
    if (o.lang_given && strcmp(cmd, "export") != 0 && strcmp(cmd, "form") != 0 &&
        strcmp(cmd, "label") != 0 && strcmp(cmd, "status") != 0)
        return cli_usage(&c, "--lang belongs to export, form, label and status");
    const struct command *k = commands;
    while (k->name != NULL && strcmp(k->name, cmd) != 0)
        k++;
    if (k->name != NULL && k->operands == ANY)
        return k->run(&c, &o, arg, &err);
    /* an unknown word is checked as a command without operands, then named */
    if (k->operands == ONE && nargs != 1)
        return cli_usage(&c, "%s: needs exactly one argument", cmd);
    if (k->operands != ONE && nargs != 0)
        return cli_usage(&c, "%s: unexpected argument %s", cmd, arg);
    if (ledger_any_fields(&o) && !k->fields)
        return cli_usage(&c, "entry fields belong to open, add and propose");
    if (k->name == NULL)
        return cli_usage(&c, "unknown command %s", cmd);
    return k->run(&c, &o, arg, &err);
}
