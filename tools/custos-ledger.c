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
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

#define MAX_KEYS CLI_MAX_SIGNERS

/* Options that become entry fields: option name -> field name. */
static const struct {
    const char *opt, *field;
} field_opts[] = {
    {"authorisation", "authorisation"},
    {"case", "case"},
    {"certificate", "certificate"},
    {"certificate-sha256", "certificate_sha256"},
    {"comment", "comment"},
    {"description", "description"},
    {"direction", "direction"},
    {"id-ref", "id_ref"},
    {"image-sha256", "image_sha256"},
    {"item", "item"},
    {"level", "level"},
    {"location", "location"},
    {"make", "make"},
    {"md5", "md5"},
    {"method", "method"},
    {"model", "model"},
    {"organisation", "organisation"},
    {"phone", "phone"},
    {"place", "place"},
    {"purpose", "purpose"},
    {"reason", "reason"},
    {"record", "record"},
    {"record-sha256", "record_sha256"},
    {"result", "result"},
    {"revoke-key", "key"},
    {"seal", "seal"},
    {"seal-checked", "seal_checked"},
    {"serial", "serial"},
    {"sha1", "sha1"},
    {"sha256", "sha256"},
    {"size", "size"},
    {"target", "target"},
    {"target-sha256", "target_sha256"},
    {"text", "text"},
    {"tool", "tool"},
};
#define NFIELDS (sizeof(field_opts) / sizeof(field_opts[0]))

struct options {
    const char *ledger;          /* -l */
    const char *output;          /* -o */
    const char *key;             /* --key */
    const char *checkpoint;      /* --checkpoint (the first) */
    const char *checkpoints[16]; /* every --checkpoint, for verify */
    size_t ncheckpoints;
    const char *time;            /* --time */
    struct cli_signers signers;  /* --sign AS=KEY, --passphrase-file, --passphrase-fd */
    const char *party[MAX_KEYS]; /* --party AS=KEY.pub */
    size_t nparty;
    int allow_missing;           /* --allow-missing */
    int json;                    /* --json */
    int yes;                     /* --yes */
    int help;                    /* -h */
    const char *fields[NFIELDS]; /* field values by field_opts index */
};

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
          "                and signatures owed\n"
          "  export        write the custody report, CASE/UCO JSON-LD and verification\n"
          "                kit to a new directory (-o DIR)\n"
          "\n"
          "  ACTION: enroll revoke collect acquire seal transfer store access verify\n"
          "          dispose note attest close\n"
          "\n"
          "  -l, --ledger FILE      the ledger\n"
          "  -o, --output FILE      the file to write (propose, checkpoint, cosign), or the\n"
          "                         directory (export)\n"
          "  --key FILE             your key (open, sign, checkpoint, cosign)\n"
          "  --sign AS=KEY          a party acting as AS signs now with private KEY\n"
          "  --party AS=KEY.pub     a party acting as AS, to sign the proposal later\n"
          "  --passphrase-file F    passphrase file; repeat in --sign order, or give one\n"
          "  --passphrase-fd N      read the passphrase from descriptor N\n"
          "  --yes                  sign without asking each signer to confirm the entry\n"
          "                         (add and sign show it first and ask at the terminal)\n"
          "  --allow-missing        commit although some parties have not signed\n"
          "  --checkpoint FILE      verify, prove, show or export against this checkpoint\n"
          "  --item ID              show only this item (and an entry field)\n"
          "  --time TIME            when the act happened (RFC 3339 UTC), default now;\n"
          "                         for status, the moment deadlines are judged at\n"
          "  --json                 print one JSON document\n"
          "  -q, --quiet            print nothing but errors\n"
          "  -h, --help             print this help\n"
          "  --version              print the version\n"
          "\n"
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
    OPT_SIGN,
    OPT_PARTY,
    OPT_PASSFILE,
    OPT_PASSFD,
    OPT_ALLOW_MISSING,
    OPT_CHECKPOINT,
    OPT_TIME,
    OPT_JSON,
    OPT_VERSION,
    OPT_YES,
    OPT_FIELD = 1000,
};

static int
parse_options(struct cli *c, struct options *o, int argc, char **argv)
{
    static const struct option fixed[] = {
        {"allow-missing", no_argument, NULL, OPT_ALLOW_MISSING},
        {"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
        {"help", no_argument, NULL, 'h'},
        {"json", no_argument, NULL, OPT_JSON},
        {"key", required_argument, NULL, OPT_KEY},
        {"ledger", required_argument, NULL, 'l'},
        {"output", required_argument, NULL, 'o'},
        {"party", required_argument, NULL, OPT_PARTY},
        {"passphrase-fd", required_argument, NULL, OPT_PASSFD},
        {"passphrase-file", required_argument, NULL, OPT_PASSFILE},
        {"quiet", no_argument, NULL, 'q'},
        {"sign", required_argument, NULL, OPT_SIGN},
        {"time", required_argument, NULL, OPT_TIME},
        {"version", no_argument, NULL, OPT_VERSION},
        {"yes", no_argument, NULL, OPT_YES},
    };
    const size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
    struct option all[sizeof(fixed) / sizeof(fixed[0]) + NFIELDS + 1];
    memcpy(all, fixed, sizeof(fixed));
    for (size_t i = 0; i < NFIELDS; i++)
        all[nfixed + i] =
            (struct option){field_opts[i].opt, required_argument, NULL, OPT_FIELD + (int)i};
    all[nfixed + NFIELDS] = (struct option){NULL, 0, NULL, 0};
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":hl:o:q", all, NULL)) != -1) {
        switch (opt) {
        case 'h':
            o->help = 1; /* after the command word is known: add ACTION --help */
            break;
        case OPT_VERSION:
            printf("custos-ledger %s\n", custos_version());
            return CUSTOS_EXIT_OK;
        case 'l':
            o->ledger = optarg;
            break;
        case 'o':
            o->output = optarg;
            break;
        case 'q':
            break;
        case OPT_KEY:
            o->key = optarg;
            break;
        case OPT_SIGN: {
            int rc = cli_signers_add(c, &o->signers, "--sign", optarg);
            if (rc != -1)
                return rc;
            break;
        }
        case OPT_PARTY:
            if (o->nparty == MAX_KEYS)
                return cli_usage(c, "at most %d of --party", MAX_KEYS);
            if (strchr(optarg, '=') == NULL)
                return cli_usage(c, "--party needs AS=KEYFILE");
            o->party[o->nparty++] = optarg;
            break;
        case OPT_PASSFILE:
        case OPT_PASSFD: {
            int rc = opt == OPT_PASSFILE ? cli_signers_add_passfile(c, &o->signers, optarg)
                                         : cli_signers_set_passfd(c, &o->signers, optarg);
            if (rc != -1)
                return rc;
            break;
        }
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
            o->time = optarg;
            break;
        case OPT_JSON:
            o->json = 1;
            break;
        case OPT_YES:
            o->yes = 1;
            break;
        default:
            if (opt >= OPT_FIELD && opt < OPT_FIELD + (int)NFIELDS) {
                o->fields[opt - OPT_FIELD] = optarg;
                break;
            }
            return cli_bad_option(c, argv, opt);
        }
    }
    return -1;
}

/* -q is read separately because struct cli owns it. */
static void
scan_quiet(struct cli *c, int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
            c->quiet = 1;
}

static char *
fields_json(const struct options *o)
{
    json_t *j = json_object();
    for (size_t i = 0; i < NFIELDS; i++)
        if (o->fields[i] != NULL)
            json_object_set_new(j, field_opts[i].field, json_string(o->fields[i]));
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    return s;
}

static int
any_fields(const struct options *o)
{
    for (size_t i = 0; i < NFIELDS; i++)
        if (o->fields[i] != NULL)
            return 1;
    return 0;
}

static void
print_entry(struct cli *c, const struct options *o, struct custos_ledger *l, const char *what,
            uint64_t seq)
{
    if (c->quiet)
        return;
    if (o->json) {
        json_t *j = json_pack("{s:s, s:s, s:I, s:I}", "ledger", o->ledger, "action", what, "seq",
                              (json_int_t)seq, "entries", (json_int_t)custos_ledger_size(l));
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s != NULL)
            cli_print_json(s);
        free(s);
        json_decref(j);
    } else {
        printf("%s: entry %" PRIu64 " (%s) appended; %" PRIu64 " entries\n", o->ledger, seq, what,
               custos_ledger_size(l));
    }
}

static int
fail(struct cli *c, const struct custos_error *err)
{
    cli_error(c, err);
    return custos_exit_code(err->status);
}

static int
cmd_open(struct cli *c, struct options *o, struct custos_error *err)
{
    if (o->ledger == NULL || o->key == NULL)
        return cli_usage(c, "open: needs -l LEDGER and --key OWNER.key");
    struct custos_key *k = NULL;
    struct custos_ledger *l = NULL;
    char *fj = fields_json(o);
    int rc = cli_load_private_key(&o->signers, 0, o->key, &k, err);
    if (rc == CUSTOS_OK) {
        struct custos_ledger_party owner = {"owner", k};
        rc = custos_ledger_create(&l, o->ledger, fj, &owner, o->time, err);
    }
    if (rc == CUSTOS_OK)
        print_entry(c, o, l, "open", 0);
    free(fj);
    custos_key_free(k);
    custos_ledger_free(l);
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : fail(c, err);
}

static const char *field_value(const struct options *o, const char *field);

/* The option that sets an entry field, e.g. "reason" -> "reason", "seal_checked" -> "seal-checked".
 */
static const char *
option_of(const char *field)
{
    for (size_t i = 0; i < NFIELDS; i++)
        if (strcmp(field_opts[i].field, field) == 0)
            return field_opts[i].opt;
    return NULL;
}

/* Fields the ledger fills in itself. */
static int
automatic_field(const char *action, const char *field)
{
    return (strcmp(action, "open") == 0 &&
            (strcmp(field, "ledger") == 0 || strcmp(field, "report_due") == 0 ||
             strcmp(field, "recovery_due") == 0)) ||
           (strcmp(action, "attest") == 0 && strcmp(field, "target_sha256") == 0);
}

/*
 * A field the action requires and the command line lacks is a usage error
 * naming its option, found from the policy table before anything else.
 */
static int
check_required(struct cli *c, const struct options *o, const char *action, struct custos_error *err)
{
    char *pj = NULL;
    if (custos_ledger_policy(action, &pj, err) != CUSTOS_OK)
        return 0; /* an unknown action is reported with the ledger's name */
    json_t *pol = json_loads(pj, 0, NULL);
    free(pj);
    json_t *fields = json_object_get(pol, "fields");
    int out = 0;
    for (size_t i = 0; out == 0 && i < json_array_size(fields); i++) {
        json_t *f = json_array_get(fields, i);
        const char *name = json_string_value(json_object_get(f, "name"));
        if (!json_is_true(json_object_get(f, "required")) || automatic_field(action, name))
            continue;
        const char *opt = option_of(name);
        if (field_value(o, name) == NULL)
            out = cli_usage(c, "%s needs the field \"%s\" (--%s)", action, name,
                            opt != NULL ? opt : name);
    }
    json_decref(pol);
    return out;
}

/* custos-ledger add ACTION --help: the action's parties and fields, from the policy table. */
static int
action_help(struct cli *c, const char *action)
{
    char *pj = NULL;
    struct custos_error err;
    if (custos_ledger_policy(action, &pj, &err) != CUSTOS_OK)
        return cli_usage(c, "%s", err.message);
    json_t *pol = json_loads(pj, 0, NULL);
    free(pj);
    printf("custos-ledger add %s: the policy the ledger enforces on append and verify\n\n", action);
    printf("parties (--sign AS=KEY now, or --party AS=KEY.pub with propose):\n");
    json_t *v;
    size_t i;
    json_array_foreach(json_object_get(pol, "parties"), i, v)
    {
        printf("  %-10s %s; roles that may act so:", json_string_value(json_object_get(v, "as")),
               json_is_true(json_object_get(v, "required")) ? "required" : "optional");
        json_t *r;
        size_t j;
        json_array_foreach(json_object_get(v, "roles"), j, r) printf(" %s", json_string_value(r));
        printf("\n");
    }
    const char *holder = json_string_value(json_object_get(pol, "holder"));
    if (holder != NULL)
        printf("  (the party acting as %s must hold the item)\n", holder);
    for (int req = 1; req >= 0; req--) {
        printf("%s fields:\n", req ? "required" : "optional");
        json_array_foreach(json_object_get(pol, "fields"), i, v)
        {
            const char *name = json_string_value(json_object_get(v, "name"));
            if (json_is_true(json_object_get(v, "required")) != req)
                continue;
            const char *opt = option_of(name);
            printf("  --%-20s %s%s\n", opt != NULL ? opt : name,
                   json_string_value(json_object_get(v, "type")),
                   automatic_field(action, name) ? " (filled in by custos-ledger)" : "");
        }
    }
    json_decref(pol);
    return CUSTOS_EXIT_OK;
}

static int
cmd_add(struct cli *c, struct options *o, const char *action, int propose, struct custos_error *err)
{
    if (o->ledger == NULL)
        return cli_usage(c, "%s: missing -l LEDGER", propose ? "propose" : "add");
    if (strcmp(action, "open") == 0)
        return cli_usage(c, "a ledger is started with custos-ledger open");
    if (propose && (o->nparty == 0 || o->output == NULL || o->signers.n > 0))
        return cli_usage(c, "propose: needs --party AS=KEY.pub ... and -o PROPOSAL (not --sign)");
    if (!propose && (o->signers.n == 0 || o->nparty > 0))
        return cli_usage(c, "add: needs --sign AS=KEY for every party (or use propose)");
    int urc = check_required(c, o, action, err);
    if (urc != 0)
        return urc;
    struct cli_parties p = {0};
    size_t n = propose ? o->nparty : o->signers.n;
    struct custos_ledger *l = NULL;
    char *fj = fields_json(o), *body = NULL, *tokens[MAX_KEYS] = {0};
    size_t ntok = 0;
    uint64_t seq = 0;
    /* Public keys first: enrolment, roles and the item are checked before any passphrase. */
    int rc = propose ? cli_parties_load(&o->signers, o->party, n, 0, &p, err)
                     : cli_parties_load_signers(o->signers.spec, n, 0, &p, err);
    if (rc == CUSTOS_OK)
        rc = custos_ledger_open(&l, o->ledger, err);
    /* Another process may append between the proposal and the commit: the
     * entry is then built, shown and signed again on the new head. */
    for (int attempt = 0; rc == CUSTOS_OK && attempt < 16; attempt++) {
        for (size_t i = 0; i < ntok; i++)
            free(tokens[i]);
        ntok = 0;
        free(body);
        body = NULL;
        rc = custos_ledger_propose(l, action, fj, p.party, n, o->time, &body);
        if (rc != CUSTOS_OK) {
            custos_error_copy(err, custos_ledger_error(l));
            break;
        }
        if (propose)
            break;
        /* Checked once the entry is known to be acceptable. */
        rc = cli_confirm_possible(o->yes, err);
        /* Every signer sees the entry and confirms before their key signs. */
        if (rc == CUSTOS_OK)
            rc = cli_entry_sign(c, &o->signers, &p, o->yes, body, tokens, &ntok, err);
        if (rc == CUSTOS_OK) {
            rc = custos_ledger_commit(l, body, strlen(body), (const char *const *)tokens, ntok, 0,
                                      &seq);
            if (rc != CUSTOS_OK)
                custos_error_copy(err, custos_ledger_error(l));
        }
        if (rc != CUSTOS_E_REFUSED || strstr(err->message, "moved") == NULL)
            break;
        rc = CUSTOS_OK;
    }
    if (rc == CUSTOS_OK && propose) {
        rc = custos_ledger_proposal_write(o->output, body, err);
        if (rc == CUSTOS_OK && !c->quiet)
            printf("%s: proposed entry %" PRIu64 " (%s) for %zu parties; each reads it with "
                   "custos-ledger show-proposal %s and signs with custos-ledger sign %s --key "
                   "KEY\n",
                   o->output, custos_ledger_size(l), action, n, o->output, o->output);
    } else if (rc == CUSTOS_OK) {
        print_entry(c, o, l, action, seq);
    }
    for (size_t i = 0; i < ntok; i++)
        free(tokens[i]);
    cli_parties_free(&p);
    free(fj);
    free(body);
    custos_ledger_free(l);
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : fail(c, err);
}

/* The proposal in plain language, and who has signed it so far (by fingerprint). */
static char *
describe_proposal(const char *body, char **tokens, size_t ntokens, struct custos_error *err)
{
    char *text = NULL;
    if (custos_entry_describe(body, strlen(body), &text, err) != CUSTOS_OK)
        return NULL;
    size_t n = strlen(text) + 64 + ntokens * 96;
    char *out = malloc(n);
    if (out == NULL) {
        free(text);
        custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        return NULL;
    }
    int w = snprintf(out, n, "%ssigned so far: %s\n", text, ntokens == 0 ? "nobody" : "");
    for (size_t i = 0; i < ntokens && w > 0 && (size_t)w < n; i++)
        w += snprintf(out + w, n - (size_t)w, "  key %.16s\n", tokens[i]);
    free(text);
    return out;
}

/* With -l: would the ledger take this entry now? */
static int
check_against_ledger(const struct options *o, const char *body, struct custos_error *err)
{
    if (o->ledger == NULL)
        return CUSTOS_OK;
    struct custos_ledger *l = NULL;
    int rc = custos_ledger_open(&l, o->ledger, err);
    if (rc == CUSTOS_OK && (rc = custos_ledger_check_body(l, body, strlen(body))) != CUSTOS_OK)
        custos_error_copy(err, custos_ledger_error(l));
    custos_ledger_free(l);
    return rc;
}

static int
cmd_show_proposal(struct cli *c, struct options *o, const char *proposal, struct custos_error *err)
{
    char *body = NULL, **tokens = NULL;
    size_t ntokens = 0;
    int rc = custos_ledger_proposal_read(proposal, &body, &tokens, &ntokens, err);
    char *text = rc == CUSTOS_OK ? describe_proposal(body, tokens, ntokens, err) : NULL;
    if (text == NULL && rc == CUSTOS_OK)
        rc = err->status;
    if (text != NULL) {
        printf("%s: proposed ledger entry\n%s", proposal, text);
        free(text);
        rc = check_against_ledger(o, body, err);
        if (rc == CUSTOS_OK && o->ledger != NULL)
            printf("ledger: %s would accept it now\n", o->ledger);
    }
    custos_ledger_proposal_free(body, tokens, ntokens);
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : fail(c, err);
}

static int
cmd_sign(struct cli *c, struct options *o, const char *proposal, struct custos_error *err)
{
    if (o->key == NULL)
        return cli_usage(c, "sign: missing --key KEY");
    struct custos_key *k = NULL, *pub = NULL;
    char *body = NULL, **tokens = NULL, *text = NULL;
    size_t ntokens = 0;
    char pubpath[4200];
    snprintf(pubpath, sizeof(pubpath), "%s%s", o->key, CUSTOS_KEY_PUB_SUFFIX);
    int rc = custos_ledger_proposal_read(proposal, &body, &tokens, &ntokens, err);
    if (rc == CUSTOS_OK && (text = describe_proposal(body, tokens, ntokens, err)) == NULL)
        rc = err->status;
    if (rc == CUSTOS_OK)
        rc = cli_confirm_possible(o->yes, err);
    /* With -l, an entry the ledger would refuse is refused before anyone is asked. */
    if (rc == CUSTOS_OK)
        rc = check_against_ledger(o, body, err);
    /* Before the passphrase: is this key a party that has not signed? */
    if (rc == CUSTOS_OK && custos_key_load_public(&pub, pubpath, err) == CUSTOS_OK) {
        const char *fp = custos_key_fingerprint(pub);
        json_t *root = json_loads(body, 0, NULL);
        int listed = 0;
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(root, "parties"), i, v)
        {
            const char *kf = json_string_value(json_object_get(v, "key"));
            listed |= kf != NULL && strcmp(kf, fp) == 0;
        }
        json_decref(root);
        if (!listed)
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, proposal,
                                  "%s (key %.16s) is not a party to this entry",
                                  custos_key_name(pub), fp);
        for (i = 0; rc == CUSTOS_OK && i < ntokens; i++)
            if (strncmp(tokens[i], fp, 64) == 0)
                rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, proposal, "%s has signed already",
                                      custos_key_name(pub));
    } else if (rc == CUSTOS_OK) {
        custos_error_clear(err);
    }
    if (rc == CUSTOS_OK) {
        if (!o->yes) {
            char q[600];
            int fd = open("/dev/tty", O_WRONLY | O_NOCTTY | O_CLOEXEC);
            int shown = fd >= 0 && write(fd, "The ledger entry to be signed:\n", 31) == 31 &&
                        write(fd, text, strlen(text)) == (ssize_t)strlen(text);
            if (fd >= 0)
                close(fd);
            snprintf(q, sizeof(q), "Sign this entry with %s?", o->key);
            if (!shown || !cli_ask(q))
                rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, proposal,
                                      "not confirmed; nothing was signed");
        } else if (!c->quiet) {
            fprintf(stderr, "The ledger entry to be signed:\n%s", text);
        }
    }
    if (rc == CUSTOS_OK)
        rc = cli_load_private_key(&o->signers, 0, o->key, &k, err);
    if (rc == CUSTOS_OK)
        rc = custos_ledger_proposal_sign_shown(proposal, body, k, err);
    if (rc == CUSTOS_OK && !c->quiet)
        printf("%s: signed by %s (%s, %.16s)\n", proposal, custos_key_name(k), custos_key_role(k),
               custos_key_fingerprint(k));
    custos_key_free(k);
    custos_key_free(pub);
    free(text);
    custos_ledger_proposal_free(body, tokens, ntokens);
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : fail(c, err);
}

static int
cmd_commit(struct cli *c, struct options *o, const char *proposal, struct custos_error *err)
{
    if (o->ledger == NULL)
        return cli_usage(c, "commit: missing -l LEDGER");
    char *body = NULL, **tokens = NULL;
    size_t ntokens = 0;
    uint64_t seq = 0;
    struct custos_ledger *l = NULL;
    int rc = custos_ledger_proposal_read(proposal, &body, &tokens, &ntokens, err);
    if (rc == CUSTOS_OK)
        rc = custos_ledger_open(&l, o->ledger, err);
    if (rc == CUSTOS_OK) {
        rc = custos_ledger_commit(l, body, strlen(body), (const char *const *)tokens, ntokens,
                                  o->allow_missing ? CUSTOS_LEDGER_ALLOW_MISSING : 0, &seq);
        if (rc != CUSTOS_OK)
            custos_error_copy(err, custos_ledger_error(l));
    }
    if (rc == CUSTOS_OK)
        print_entry(c, o, l, "commit", seq);
    custos_ledger_proposal_free(body, tokens, ntokens);
    custos_ledger_free(l);
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : fail(c, err);
}

static int
cmd_verify(struct cli *c, struct options *o, struct custos_error *err)
{
    if (o->ledger == NULL)
        return cli_usage(c, "verify: missing -l LEDGER");
    struct custos_ledger_report *r = NULL;
    struct custos_progress prog = cli_progress(c);
    cli_progress_start(c);
    int rc = custos_ledger_verify_checkpoints(o->ledger, o->checkpoints, o->ncheckpoints, &prog, &r,
                                              err);
    cli_progress_end(c);
    if (r == NULL)
        return fail(c, err);
    for (size_t i = 0; i < r->nfindings; i++)
        cli_warn(c, "%s: %s", o->ledger, r->findings[i].message);
    const char *root = r->root_b64;
    if (o->json && !c->quiet) {
        json_t *f = json_array();
        for (size_t i = 0; i < r->nfindings; i++)
            json_array_append_new(f, json_pack("{s:I, s:s, s:s}", "entry",
                                               (json_int_t)r->findings[i].seq, "status",
                                               custos_status_name(r->findings[i].status), "message",
                                               r->findings[i].message));
        json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:b, s:s, s:o}", "ledger", o->ledger,
                              "origin", r->origin, "entries", (json_int_t)r->entries, "signatures",
                              (json_int_t)r->signatures, "head", r->head, "root", root, "torn",
                              r->torn, "status", custos_status_name(r->status), "findings", f);
        if (r->checkpoint_checked)
            json_object_set_new(j, "checkpoint",
                                json_pack("{s:s, s:I, s:s}", "file", o->checkpoint, "size",
                                          (json_int_t)r->checkpoint_size, "signed_by",
                                          r->checkpoint_signers));
        json_t *cj = json_array(), *sj = json_array();
        for (size_t i = 0; i < r->ncheckpoints; i++) {
            const struct custos_ledger_checkpoint_check *k = &r->checkpoints[i];
            json_array_append_new(cj,
                                  json_pack("{s:s, s:I, s:s, s:s, s:s}", "file", k->file, "size",
                                            (json_int_t)k->size, "root", k->root_b64, "signed_by",
                                            k->signers, "status", custos_status_name(k->status)));
        }
        for (size_t i = 0; i < r->nsigners; i++) {
            const struct custos_ledger_signer *g = &r->signers[i];
            json_t *gj = json_pack("{s:s, s:s, s:s, s:I, s:I}", "name", g->name, "role", g->role,
                                   "key", g->fp, "enrolled", (json_int_t)g->enrolled, "signatures",
                                   (json_int_t)g->signatures);
            json_object_set_new(gj, "revoked",
                                g->revoked == UINT64_MAX ? json_null()
                                                         : json_integer((json_int_t)g->revoked));
            json_array_append_new(sj, gj);
        }
        json_object_set_new(j, "checkpoints", cj);
        json_object_set_new(j, "signers", sj);
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s != NULL)
            cli_print_json(s);
        free(s);
        json_decref(j);
    } else if (!c->quiet) {
        printf("ledger:     %s (%s)\n", o->ledger, r->origin);
        printf("entries:    %" PRIu64 ", signatures checked: %" PRIu64 "\n", r->entries,
               r->signatures);
        printf("head:       %s\n", r->head);
        printf("root:       %s\n", root);
        for (size_t i = 0; i < r->nsigners; i++) {
            const struct custos_ledger_signer *g = &r->signers[i];
            char rv[48] = "";
            if (g->revoked != UINT64_MAX)
                snprintf(rv, sizeof(rv), ", revoked at entry %" PRIu64, g->revoked);
            printf("%s %s (%s), key %s: %" PRIu64 " signature%s%s\n",
                   i == 0 ? "signers:   " : "           ", g->name, g->role, g->fp, g->signatures,
                   g->signatures == 1 ? "" : "s", rv);
        }
        for (size_t i = 0; i < r->ncheckpoints; i++) {
            const struct custos_ledger_checkpoint_check *k = &r->checkpoints[i];
            printf("checkpoint: %s, %" PRIu64 " entries, %s%s\n", k->file, k->size,
                   k->status == CUSTOS_OK ? "signed by " : "FAILED: ",
                   k->status != CUSTOS_OK ? custos_status_name(k->status)
                   : k->signers[0]        ? k->signers
                                          : "no enrolled key");
        }
        printf("result:     %s%s\n", r->status == CUSTOS_OK ? "OK" : "FAILED: ",
               r->status == CUSTOS_OK ? "" : custos_status_name(r->status));
    }
    custos_ledger_report_free(r);
    return custos_exit_code(rc);
}

static int
cmd_checkpoint(struct cli *c, struct options *o, const char *in, struct custos_error *err)
{
    if (o->ledger == NULL || o->key == NULL || o->output == NULL)
        return cli_usage(c, "%s: needs -l LEDGER, --key KEY and -o FILE",
                         in ? "cosign" : "checkpoint");
    struct custos_key *k = NULL;
    struct custos_ledger *l = NULL;
    char *note = NULL, *text = NULL;
    /* The ledger first: nobody types a passphrase for a ledger that does not verify. */
    int rc = custos_ledger_open(&l, o->ledger, err);
    if (rc == CUSTOS_OK)
        rc = cli_load_private_key(&o->signers, 0, o->key, &k, err);
    if (rc == CUSTOS_OK && in == NULL) {
        rc = custos_ledger_checkpoint(l, k, &note);
    } else if (rc == CUSTOS_OK) {
        FILE *f = fopen(in, "rb");
        char buf[CUSTOS_NOTE_MAX + 1];
        size_t n = f != NULL ? fread(buf, 1, sizeof(buf), f) : 0;
        if (f == NULL) {
            rc = custos_error_set(err, CUSTOS_E_IO, errno, in, "cannot open");
        } else {
            fclose(f);
            rc = custos_ledger_cosign(l, buf, n, k, (uint64_t)time(NULL), &note);
        }
    }
    if (rc != CUSTOS_OK && l != NULL && custos_ledger_error(l)->status != CUSTOS_OK)
        custos_error_copy(err, custos_ledger_error(l));
    if (rc == CUSTOS_OK)
        rc = custos_write_file_new(o->output, note, strlen(note), 0644, err);
    if (rc == CUSTOS_OK && !c->quiet)
        printf("%s: %s of %s at %" PRIu64 " entries by %s (%.16s)\n", o->output,
               in ? "cosigned checkpoint" : "checkpoint", o->ledger, custos_ledger_size(l),
               custos_key_name(k), custos_key_fingerprint(k));
    free(note);
    free(text);
    custos_key_free(k);
    custos_ledger_free(l);
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : fail(c, err);
}

static int
cmd_prove(struct cli *c, struct options *o, const char *arg, struct custos_error *err)
{
    if (o->ledger == NULL)
        return cli_usage(c, "prove: missing -l LEDGER");
    char *end;
    unsigned long long idx = strtoull(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || arg[0] == '-')
        return cli_usage(c, "prove: N must be an entry number");
    struct custos_ledger *l = NULL;
    struct custos_checkpoint cp;
    memset(&cp, 0, sizeof(cp));
    char *proof = NULL, buf[CUSTOS_NOTE_MAX + 1];
    size_t n = 0;
    int rc = custos_ledger_open(&l, o->ledger, err);
    if (rc == CUSTOS_OK && o->checkpoint != NULL) {
        FILE *f = fopen(o->checkpoint, "rb");
        n = f != NULL ? fread(buf, 1, CUSTOS_NOTE_MAX, f) : 0;
        if (f == NULL)
            rc = custos_error_set(err, CUSTOS_E_IO, errno, o->checkpoint, "cannot open");
        else
            fclose(f);
        if (rc == CUSTOS_OK)
            rc = custos_checkpoint_parse(buf, n, &cp, err);
    }
    if (rc == CUSTOS_OK) {
        rc = custos_ledger_prove(l, idx, cp.size, &proof);
        if (rc != CUSTOS_OK)
            custos_error_copy(err, custos_ledger_error(l));
    }
    char *unsigned_cp = NULL;
    if (rc == CUSTOS_OK && o->checkpoint == NULL) {
        rc = custos_ledger_checkpoint_text(l, 0, &unsigned_cp);
        if (rc != CUSTOS_OK)
            custos_error_copy(err, custos_ledger_error(l));
    }
    if (rc == CUSTOS_OK) {
        /* A tlog-proof: proof, blank line, checkpoint. Without --checkpoint the checkpoint
         * text is unsigned, so C2SP verifiers refuse it (ledger.md section 6). */
        fputs(proof, stdout);
        fputc('\n', stdout);
        if (o->checkpoint != NULL)
            fwrite(buf, 1, n, stdout);
        else
            fputs(unsigned_cp, stdout);
    }
    free(unsigned_cp);
    free(proof);
    custos_checkpoint_clear(&cp);
    custos_ledger_free(l);
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : fail(c, err);
}

/* The value given for an entry field option, by field name, or NULL. */
static const char *
field_value(const struct options *o, const char *field)
{
    for (size_t i = 0; i < NFIELDS; i++)
        if (strcmp(field_opts[i].field, field) == 0)
            return o->fields[i];
    return NULL;
}

static int
load_model(struct cli *c, const char *path, const char *checkpoint, struct custos_custody **m,
           struct custos_error *err)
{
    struct custos_progress prog = cli_progress(c);
    cli_progress_start(c);
    int rc = custos_custody_load(m, path, checkpoint, &prog, err);
    cli_progress_end(c);
    return rc;
}

static int
print_text(struct cli *c, const struct options *o, const char *text)
{
    if (c->quiet)
        return 0;
    if (o->json)
        return cli_print_json(text);
    fputs(text, stdout);
    return 0;
}

static int
cmd_show(struct cli *c, struct options *o, struct custos_error *err)
{
    if (o->ledger == NULL)
        return cli_usage(c, "show: missing -l LEDGER");
    struct custos_custody *m = NULL;
    char *text = NULL;
    int rc = load_model(c, o->ledger, o->checkpoint, &m, err);
    if (m == NULL)
        return fail(c, err);
    int status = rc;
    rc = custos_custody_show(m, field_value(o, "item"), o->json ? CUSTOS_CUSTODY_JSON : 0, &text,
                             err);
    if (rc == CUSTOS_OK)
        print_text(c, o, text);
    else
        cli_error(c, err);
    if (rc == CUSTOS_OK && status == CUSTOS_E_INCOMPLETE)
        cli_warn(c, "%s: %zu signature%s still owed (attest entries are due)", o->ledger,
                 m->npending, m->npending == 1 ? " is" : "s are");
    free(text);
    custos_custody_free(m);
    return custos_exit_code(rc != CUSTOS_OK ? rc : status);
}

/* RFC 3339 UTC with seconds, as the ledger writes it. */
static int
parse_utc(const char *s, time_t *out)
{
    int64_t t = 0;
    if (custos_time_rfc3339_parse(s, CUSTOS_TIME_CANONICAL, &t, NULL) != CUSTOS_OK)
        return -1;
    *out = (time_t)t;
    return 0;
}

static int
cmd_status(struct cli *c, struct options *o, char **paths, size_t npaths, struct custos_error *err)
{
    size_t n = npaths + (o->ledger != NULL);
    if (n == 0)
        return cli_usage(c, "status: give one or more ledgers (-l LEDGER or LEDGER...)");
    time_t now = time(NULL);
    if (o->time != NULL && parse_utc(o->time, &now) != 0)
        return cli_usage(c, "status: --time must be RFC 3339 UTC, e.g. 2026-11-20T09:00:00Z");
    struct custos_custody **ms = calloc(n, sizeof(*ms));
    if (ms == NULL) {
        custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        return fail(c, err);
    }
    int worst = CUSTOS_OK;
    size_t have = 0;
    for (size_t i = 0; i < n; i++) {
        const char *path = o->ledger != NULL ? (i == 0 ? o->ledger : paths[i - 1]) : paths[i];
        int rc = load_model(c, path, NULL, &ms[have], err);
        worst = custos_status_worst(worst, rc);
        if (ms[have] == NULL) {
            cli_error(c, err);
            if (rc == CUSTOS_E_INTERRUPTED || rc == CUSTOS_E_NOMEM)
                break;
            continue;
        }
        have++;
    }
    char *text = NULL;
    if (have > 0) {
        int rc = custos_custody_status((const struct custos_custody *const *)ms, have, now,
                                       o->json ? CUSTOS_CUSTODY_JSON : 0, &text, err);
        if (rc == CUSTOS_OK) {
            print_text(c, o, text);
        } else {
            worst = custos_status_worst(worst, rc);
            cli_error(c, err);
        }
        for (size_t i = 0; i < have; i++) {
            int od = custos_custody_overdue(ms[i], now);
            if (od > 0)
                cli_warn(c, "%s: case %s: %d deadline%s passed while the case is open", ms[i]->path,
                         ms[i]->case_id, od, od == 1 ? "" : "s");
        }
    }
    free(text);
    for (size_t i = 0; i < have; i++)
        custos_custody_free(ms[i]);
    free(ms);
    return custos_exit_code(worst);
}

static int
cmd_export(struct cli *c, struct options *o, struct custos_error *err)
{
    if (o->ledger == NULL || o->output == NULL)
        return cli_usage(c, "export: needs -l LEDGER and -o DIR");
    struct custos_custody *m = NULL;
    int rc = load_model(c, o->ledger, o->checkpoint, &m, err);
    if (m == NULL)
        return fail(c, err);
    int status = rc;
    rc = custos_custody_export(m, o->output, err);
    if (rc == CUSTOS_OK && !c->quiet) {
        if (o->json) {
            json_t *j =
                json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:I}", "ledger", o->ledger, "output",
                          o->output, "case", m->case_id, "entries", (json_int_t)m->report->entries,
                          "head", m->report->head, "root", m->report->root_b64,
                          "pending_signatures", (json_int_t)m->npending);
            char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            if (s != NULL)
                cli_print_json(s);
            free(s);
            json_decref(j);
        } else {
            printf("%s: custody report, CASE/UCO JSON-LD and verification kit of case %s "
                   "(%" PRIu64 " entries, head %.16s)\n",
                   o->output, m->case_id, m->report->entries, m->report->head);
        }
    }
    if (rc == CUSTOS_OK && status == CUSTOS_E_INCOMPLETE)
        cli_warn(c, "%s: exported with %zu signature%s still owed", o->ledger, m->npending,
                 m->npending == 1 ? "" : "s");
    custos_custody_free(m);
    if (rc != CUSTOS_OK)
        return fail(c, err);
    return custos_exit_code(status);
}

int
main(int argc, char **argv)
{
    struct cli c;
    struct options o;
    struct custos_error err;
    memset(&o, 0, sizeof(o));
    cli_signers_init(&o.signers);
    cli_init(&c, "custos-ledger");
    custos_error_clear(&err);
    int rc = parse_options(&c, &o, argc, argv);
    if (rc >= 0)
        return rc;
    scan_quiet(&c, argc, argv);
    /* getopt_long has moved every option before the command word and its operands. */
    if (o.help) {
        if (argc - optind == 2 &&
            (strcmp(argv[optind], "add") == 0 || strcmp(argv[optind], "propose") == 0))
            return action_help(&c, argv[optind + 1]);
        usage_text(stdout);
        return CUSTOS_EXIT_OK;
    }
    if (optind >= argc)
        return cli_usage(&c, "missing command");
    const char *cmd = argv[optind++];
    int nargs = argc - optind;
    const char *arg = nargs > 0 ? argv[optind] : NULL;
    int wants_arg = strcmp(cmd, "add") == 0 || strcmp(cmd, "propose") == 0 ||
                    strcmp(cmd, "sign") == 0 || strcmp(cmd, "commit") == 0 ||
                    strcmp(cmd, "show-proposal") == 0 || strcmp(cmd, "cosign") == 0 ||
                    strcmp(cmd, "prove") == 0;
    if (o.ncheckpoints > 1 && strcmp(cmd, "verify") != 0)
        return cli_usage(&c, "%s takes one --checkpoint (verify takes several)", cmd);
    if (strcmp(cmd, "status") == 0) {
        if (any_fields(&o))
            return cli_usage(&c, "entry fields belong to open, add and propose");
        return cmd_status(&c, &o, argv + optind, (size_t)nargs, &err);
    }
    if (strcmp(cmd, "show") == 0) {
        const char *item = field_value(&o, "item");
        for (size_t i = 0; i < NFIELDS; i++)
            if (o.fields[i] != NULL && o.fields[i] != item)
                return cli_usage(&c, "show takes --item ID; other entry fields belong to open, "
                                     "add and propose");
        if (nargs != 0)
            return cli_usage(&c, "show: unexpected argument %s", arg);
        return cmd_show(&c, &o, &err);
    }
    if (wants_arg && nargs != 1)
        return cli_usage(&c, "%s: needs exactly one argument", cmd);
    if (!wants_arg && nargs != 0)
        return cli_usage(&c, "%s: unexpected argument %s", cmd, arg);
    if (any_fields(&o) && strcmp(cmd, "open") != 0 && strcmp(cmd, "add") != 0 &&
        strcmp(cmd, "propose") != 0)
        return cli_usage(&c, "entry fields belong to open, add and propose");
    if (strcmp(cmd, "open") == 0)
        return cmd_open(&c, &o, &err);
    if (strcmp(cmd, "add") == 0 || strcmp(cmd, "propose") == 0)
        return cmd_add(&c, &o, arg, cmd[0] == 'p', &err);
    if (strcmp(cmd, "sign") == 0)
        return cmd_sign(&c, &o, arg, &err);
    if (strcmp(cmd, "show-proposal") == 0)
        return cmd_show_proposal(&c, &o, arg, &err);
    if (strcmp(cmd, "commit") == 0)
        return cmd_commit(&c, &o, arg, &err);
    if (strcmp(cmd, "verify") == 0)
        return cmd_verify(&c, &o, &err);
    if (strcmp(cmd, "checkpoint") == 0)
        return cmd_checkpoint(&c, &o, NULL, &err);
    if (strcmp(cmd, "cosign") == 0)
        return cmd_checkpoint(&c, &o, arg, &err);
    if (strcmp(cmd, "prove") == 0)
        return cmd_prove(&c, &o, arg, &err);
    if (strcmp(cmd, "export") == 0)
        return cmd_export(&c, &o, &err);
    return cli_usage(&c, "unknown command %s", cmd);
}
