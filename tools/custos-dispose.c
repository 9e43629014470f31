/* SPDX-License-Identifier: ISC */
/*
 * custos-dispose: certified destruction proofs for media handed to a vendor.
 *
 *   custos-dispose order -l LEDGER --order-id ID --item ID ... --sign releaser=KEY
 *                  (--sign|--party) receiver=VENDOR -o ORDER.json
 *   custos-dispose draft --order ORDER.json -o DRAFT.json
 *   custos-dispose certify --order ORDER.json --draft DRAFT.json --sign performer=KEY
 *                  --sign verifier=KEY --sign witness=KEY -o BUNDLE[.tar]
 *   custos-dispose verify BUNDLE --order ORDER.json [-l LEDGER [--sign custodian=KEY]]
 *                  [--require before,after]
 *   custos-dispose render BUNDLE [--lang zh-TW|en|both] -o OUT.html|OUT.pdf
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "dispose-order.h"
#include "dispose-verify.h"
#include "dispose-wipe.h"

#define MAX_ITEMS 256

struct options {
    const char *ledger;                 /* -l */
    const char *output;                 /* -o */
    const char *order;                  /* --order */
    const char *order_id;               /* --order-id */
    const char *draft;                  /* --draft */
    const char *organisation;           /* --vendor-organisation */
    const char *reason;                 /* --reason */
    const char *seal_checked;           /* --seal-checked */
    const char *time;                   /* --time */
    const char *tsa;                    /* --tsa */
    const char *tsa_ca;                 /* --tsa-ca */
    unsigned require;                   /* --require */
    struct cli_signers signers;         /* --sign, --passphrase-file, --passphrase-fd */
    const char *party[CLI_MAX_SIGNERS]; /* --party AS=KEY.pub */
    size_t nparty;
    const char *item[MAX_ITEMS]; /* --item */
    size_t nitem;
    const char *media[MAX_ITEMS]; /* --media-type ID=TYPE */
    size_t nmedia;
    int json;         /* --json */
    int yes;          /* --yes: sign without asking each signer to confirm */
    const char *lang; /* --lang */
};

static void
usage_text(FILE *f)
{
    fputs(
        "usage: custos-dispose COMMAND [options]\n"
        "\n"
        "  order         owner: hand media to a vendor for destruction: records a transfer\n"
        "                per item in the ledger and writes the signed order (-o ORDER.json)\n"
        "  draft         vendor: write a draft certificate prefilled from the order\n"
        "                (-o DRAFT.json); complete every \"FILL IN: \" field\n"
        "  certify       vendor: build the signed proof bundle (-o DIR, or -o FILE.tar)\n"
        "                from the order and a draft certificate\n"
        "  verify BUNDLE owner, legal: check a bundle against its order; with -l and\n"
        "                --sign custodian=KEY, record a dispose entry per proven item\n"
        "  render BUNDLE print the certificate as HTML or PDF (-o FILE.html|FILE.pdf)\n"
        "  wipe TARGET   vendor or custodian: overwrite a device or file, verify it,\n"
        "                sign the wipe log (custos-dispose wipe --help)\n"
        "\n"
        "  -l, --ledger FILE          the case ledger (order, verify; certify: also checks\n"
        "                             the ledger's side before signing)\n"
        "  -o, --output FILE          the file or directory to write\n"
        "  --order FILE               the disposal order (draft, certify, verify)\n"
        "  --order-id ID              the new order's reference (order)\n"
        "  --item ID                  an evidence item to hand over; repeat (order)\n"
        "  --media-type ID=TYPE       the item's media type: hdd, ssd, usb, ... (order)\n"
        "  --vendor-organisation NAME the vendor company (order)\n"
        "  --reason TEXT              the transfer's reason (order), default \"destruction\"\n"
        "  --seal-checked TEXT        what you found when you checked the seals (order), e.g.\n"
        "                             \"intact\"; without it the transfer says \"not checked\"\n"
        "  --draft FILE               the vendor's draft certificate, JSON (certify)\n"
        "  --require LIST             evidence each item needs: before, during, after,\n"
        "                             video, log (per item), timestamp (the bundle)\n"
        "                             (certify, verify); default: any attachment\n"
        "  --tsa URL                  RFC 3161 timestamp authority (certify)\n"
        "  --tsa-ca FILE              CA certificates trusted for timestamps (certify,\n"
        "                             verify)\n"
        "  --sign AS=KEY              a party signs now: releaser, receiver, witness (order);\n"
        "                             performer, verifier, witness (certify); custodian (verify)\n"
        "  --party AS=KEY.pub         a party of the transfer who attests it later (order)\n"
        "  --passphrase-file F        passphrase file; repeat in --sign order, or give one\n"
        "  --passphrase-fd N          read the passphrase from descriptor N\n"
        "  --yes                      sign without showing what is signed and asking each\n"
        "                             signer to confirm (scripts; needed without a terminal)\n"
        "  --time TIME                when the handover happened (RFC 3339, UTC or +08:00),\n"
        "                             default now\n"
        "  --lang LANG                labels of render: zh-TW, en, or both (default:\n"
        "                             \"中文 / English\", as Taiwanese official forms)\n"
        "  --json                     print one JSON document\n",
        f);
    cli_common_usage(f, 27);
}

enum {
    OPT_ORDER = 256,
    OPT_ORDER_ID,
    OPT_ITEM,
    OPT_MEDIA,
    OPT_ORG,
    OPT_REASON,
    OPT_SEAL_CHECKED,
    OPT_DRAFT,
    OPT_REQUIRE,
    OPT_PARTY,
    OPT_TIME,
    OPT_JSON,
    OPT_TSA,
    OPT_TSA_CA,
    OPT_YES,
    OPT_LANG,
};

/* Where an option that takes a plain string goes, or NULL. */
static const char **
string_option(struct options *o, int opt)
{
    switch (opt) {
    case 'l':
        return &o->ledger;
    case 'o':
        return &o->output;
    case OPT_ORDER:
        return &o->order;
    case OPT_ORDER_ID:
        return &o->order_id;
    case OPT_ORG:
        return &o->organisation;
    case OPT_REASON:
        return &o->reason;
    case OPT_DRAFT:
        return &o->draft;
    case OPT_TIME:
        return &o->time;
    case OPT_TSA:
        return &o->tsa;
    case OPT_TSA_CA:
        return &o->tsa_ca;
    case OPT_LANG:
        return &o->lang;
    default:
        return NULL;
    }
}

static int
parse_options(struct cli *c, struct options *o, int argc, char **argv)
{
    static const struct option opts[] = {
        {"draft", required_argument, NULL, OPT_DRAFT},
        CLI_COMMON_LONGOPTS,
        {"item", required_argument, NULL, OPT_ITEM},
        {"json", no_argument, NULL, OPT_JSON},
        {"lang", required_argument, NULL, OPT_LANG},
        {"ledger", required_argument, NULL, 'l'},
        {"media-type", required_argument, NULL, OPT_MEDIA},
        {"order", required_argument, NULL, OPT_ORDER},
        {"order-id", required_argument, NULL, OPT_ORDER_ID},
        {"output", required_argument, NULL, 'o'},
        {"party", required_argument, NULL, OPT_PARTY},
        {"passphrase-fd", required_argument, NULL, CLI_OPT_PASSFD},
        {"passphrase-file", required_argument, NULL, CLI_OPT_PASSFILE},
        {"reason", required_argument, NULL, OPT_REASON},
        {"require", required_argument, NULL, OPT_REQUIRE},
        {"seal-checked", required_argument, NULL, OPT_SEAL_CHECKED},
        {"sign", required_argument, NULL, CLI_OPT_SIGN},
        {"time", required_argument, NULL, OPT_TIME},
        {"tsa", required_argument, NULL, OPT_TSA},
        {"tsa-ca", required_argument, NULL, OPT_TSA_CA},
        {"vendor-organisation", required_argument, NULL, OPT_ORG},
        {"yes", no_argument, NULL, OPT_YES},
        {NULL, 0, NULL, 0},
    };
    int opt, rc;
    const char **where;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":hl:o:qV", opts, NULL)) != -1) {
        if ((rc = cli_signing_option(c, &o->signers, opt, argv, usage_text)) != CLI_NOT_MINE) {
            if (rc != CLI_CONTINUE)
                return rc;
            continue;
        }
        switch (opt) {
        case OPT_ITEM:
            if (o->nitem == MAX_ITEMS)
                return cli_usage(c, "at most %d of --item", MAX_ITEMS);
            o->item[o->nitem++] = optarg;
            break;
        case OPT_MEDIA:
            if (o->nmedia == MAX_ITEMS || strchr(optarg, '=') == NULL)
                return cli_usage(c, "--media-type needs ID=TYPE");
            o->media[o->nmedia++] = optarg;
            break;
        case OPT_SEAL_CHECKED:
            if (optarg[0] == '\0')
                return cli_usage(c, "--seal-checked needs what was found, e.g. \"intact\"");
            o->seal_checked = optarg;
            break;
        case OPT_REQUIRE:
            if (custos_dispose_require_parse(optarg, &o->require) != CUSTOS_OK)
                return cli_usage(c, "--require takes before, during, after, video, log, timestamp");
            break;
        case OPT_PARTY:
            if ((rc = cli_party_add(c, o->party, &o->nparty, optarg)) != CLI_CONTINUE)
                return rc;
            break;
        case OPT_JSON:
            o->json = 1;
            break;
        case OPT_YES:
            o->yes = 1;
            break;
        default:
            if ((where = string_option(o, opt)) == NULL)
                return cli_bad_option(c, argv, opt);
            *where = optarg;
        }
    }
    return CLI_CONTINUE;
}

/* The key of the party acting as `as` in p (after any unlock: it changes), or NULL. */
static const struct custos_key *
party_key(const struct cli_parties *p, const char *as)
{
    size_t i = cli_parties_find(p, as);
    return i < p->n ? p->party[i].key : NULL;
}

static int
cmd_order(struct cli *c, struct options *o, const char *arg, struct custos_error *err)
{
    (void)arg;
    if (o->ledger == NULL || o->output == NULL || o->order_id == NULL || o->nitem == 0)
        return cli_usage(c, "order: needs -l LEDGER, --order-id ID, --item ID ... and -o ORDER");
    const char *media[MAX_ITEMS] = {0};
    for (size_t m = 0; m < o->nmedia; m++) {
        size_t k = 0;
        for (; k < o->nitem; k++)
            if (strncmp(o->media[m], o->item[k], strlen(o->item[k])) == 0 &&
                o->media[m][strlen(o->item[k])] == '=')
                break;
        if (k == o->nitem)
            return cli_usage(c, "--media-type %s names no --item", o->media[m]);
        media[k] = strchr(o->media[m], '=') + 1;
    }
    struct dispose_order_args a = {o->ledger, o->output,       o->order_id, o->organisation,
                                   o->reason, o->seal_checked, o->time,     o->item,
                                   media,     o->nitem,        &o->signers, o->party,
                                   o->nparty, o->yes,          o->json};
    return dispose_order_main(c, &a);
}

static int
cmd_certify(struct cli *c, struct options *o, const char *arg, struct custos_error *err)
{
    (void)arg;
    if (o->order == NULL || o->draft == NULL || o->output == NULL || o->signers.n != 3)
        return cli_usage(c, "certify: needs --order, --draft, -o and --sign performer=KEY "
                            "--sign verifier=KEY --sign witness=KEY");
    static const char *const as[3] = {CUSTOS_DISPOSE_PERFORMER, CUSTOS_DISPOSE_VERIFIER,
                                      CUSTOS_DISPOSE_WITNESS};
    for (size_t i = 0; i < 3; i++) {
        size_t k = 0;
        for (; k < o->signers.n; k++)
            if (strncmp(o->signers.spec[k], as[i], strlen(as[i])) == 0 &&
                o->signers.spec[k][strlen(as[i])] == '=')
                break;
        if (k == o->signers.n)
            return cli_usage(c, "certify: --sign AS=KEY takes performer, verifier and witness");
    }
    struct cli_parties p = {0};
    struct custos_dispose_order *ord = NULL;
    char *text = NULL;
    int rc = custos_dispose_order_open(&ord, o->order, err);
    /* every check verify makes, with the public keys, before anyone types a passphrase */
    if (rc == CUSTOS_OK)
        rc = cli_parties_load_signers(o->signers.spec, o->signers.n, 0, &p, err);
    struct custos_dispose_signers s = {party_key(&p, CUSTOS_DISPOSE_PERFORMER),
                                       party_key(&p, CUSTOS_DISPOSE_VERIFIER),
                                       party_key(&p, CUSTOS_DISPOSE_WITNESS),
                                       o->tsa,
                                       o->tsa_ca,
                                       o->ledger,
                                       o->require};
    if (rc == CUSTOS_OK)
        rc = custos_dispose_certify_check(ord, o->draft, &s, o->output, err);
    if (rc == CUSTOS_OK)
        rc = cli_confirm_possible(o->yes, err);
    if (rc == CUSTOS_OK)
        rc = custos_dispose_certify_describe(ord, o->draft, &text, err);
    if (rc == CUSTOS_OK)
        rc = cli_confirm_unlock(c, &o->signers, &p, CLI_ALL_PARTIES, o->yes,
                                "The destruction certificate to be signed:\n", text, err);
    if (rc == CUSTOS_OK) {
        /* unlocking replaced the public keys by the private ones */
        s.performer = party_key(&p, CUSTOS_DISPOSE_PERFORMER);
        s.verifier = party_key(&p, CUSTOS_DISPOSE_VERIFIER);
        s.witness = party_key(&p, CUSTOS_DISPOSE_WITNESS);
        rc = custos_dispose_certify(ord, o->draft, &s, o->output, err);
    }
    if (rc == CUSTOS_OK && !c->quiet)
        printf("%s: proof bundle for order %s signed by %s (performer), %s (verifier), %s "
               "(witness)\n",
               o->output, custos_dispose_order_id(ord), custos_key_name(s.performer),
               custos_key_name(s.verifier), custos_key_name(s.witness));
    free(text);
    custos_dispose_order_free(ord);
    cli_parties_free(&p);
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : cli_fail(c, err);
}

static int
cmd_draft(struct cli *c, struct options *o, const char *arg, struct custos_error *err)
{
    (void)arg;
    if (o->order == NULL || o->output == NULL)
        return cli_usage(c, "draft: needs --order ORDER.json and -o DRAFT.json");
    struct custos_dispose_order *ord = NULL;
    int rc = custos_dispose_order_open(&ord, o->order, err);
    if (rc == CUSTOS_OK)
        rc = custos_dispose_draft_write(ord, o->output, err);
    if (rc == CUSTOS_OK && !c->quiet)
        printf("%s: draft for order %s, %zu items: complete every \"%s\" field\n", o->output,
               custos_dispose_order_id(ord), custos_dispose_order_count(ord),
               CUSTOS_DISPOSE_FILL_IN);
    custos_dispose_order_free(ord);
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : cli_fail(c, err);
}

static int
cmd_verify(struct cli *c, struct options *o, const char *bundle, struct custos_error *err)
{
    (void)err;
    if (o->order == NULL)
        return cli_usage(c, "verify: needs BUNDLE and --order ORDER");
    if (o->signers.n > 0 && o->ledger == NULL)
        return cli_usage(c, "verify: --sign custodian=KEY needs -l LEDGER");
    if (o->signers.n > 0 &&
        (o->signers.n != 1 || strncmp(o->signers.spec[0], "custodian=", 10) != 0))
        return cli_usage(c, "verify: --sign takes custodian=OWNER.key only");
    struct dispose_verify_args a = {o->order,    o->ledger, o->tsa_ca, o->require,
                                    &o->signers, o->yes,    o->json};
    return dispose_verify_main(c, &a, bundle);
}

static int
cmd_render(struct cli *c, struct options *o, const char *bundle, struct custos_error *err)
{
    if (o->output == NULL)
        return cli_usage(c, "render: needs BUNDLE and -o FILE.html or FILE.pdf");
    size_t n = strlen(o->output);
    int fmt = n > 5 && strcmp(o->output + n - 5, ".html") == 0  ? CUSTOS_DISPOSE_RENDER_HTML
              : n > 4 && strcmp(o->output + n - 4, ".pdf") == 0 ? CUSTOS_DISPOSE_RENDER_PDF
                                                                : 0;
    if (fmt == 0)
        return cli_usage(c, "render: -o must end in .html or .pdf");
    int lang = CUSTOS_LANG_BOTH;
    if (o->lang != NULL && custos_lang_parse(o->lang, &lang) != 0)
        return cli_usage(c, "render: --lang must be zh-TW, en or both");
    int rc = custos_dispose_render(bundle, o->output, fmt, lang, err);
    if (rc == CUSTOS_OK && !c->quiet)
        printf("%s: rendered %s\n", o->output, bundle);
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : cli_fail(c, err);
}

int
main(int argc, char **argv)
{
    struct cli c;
    cli_init(&c, "custos-dispose");
    /* wipe has options of its own (tools/dispose-wipe.c). */
    if (argc > 1 && strcmp(argv[1], "wipe") == 0)
        return dispose_wipe_main(&c, argc - 1, argv + 1);
    struct options o;
    memset(&o, 0, sizeof(o));
    cli_signers_init(&o.signers);
    int rc = parse_options(&c, &o, argc, argv);
    if (rc != CLI_CONTINUE)
        return rc;
    if (optind >= argc)
        return cli_usage(&c, "missing COMMAND");
    const char *cmd = argv[optind++], *arg = optind < argc ? argv[optind++] : NULL;
    static const struct {
        const char *name;
        int want_arg; /* BUNDLE */
        int (*run)(struct cli *, struct options *, const char *, struct custos_error *);
    } cmds[] = {{"certify", 0, cmd_certify},
                {"draft", 0, cmd_draft},
                {"order", 0, cmd_order},
                {"render", 1, cmd_render},
                {"verify", 1, cmd_verify}};
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        if (strcmp(cmd, cmds[i].name) != 0)
            continue;
        if ((cmds[i].want_arg && arg == NULL) || (!cmds[i].want_arg && arg != NULL) ||
            optind < argc)
            return cli_usage(&c, "%s: wrong number of arguments", cmd);
        struct custos_error err;
        custos_error_clear(&err);
        return cmds[i].run(&c, &o, arg, &err);
    }
    return cli_usage(&c, "unknown command %s", cmd);
}
