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
 *   custos-dispose render BUNDLE -o OUT.html|OUT.pdf
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
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
    int json; /* --json */
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
        "  --time TIME                when the handover happened (RFC 3339 UTC), default now\n"
        "  --json                     print one JSON document\n"
        "  -q, --quiet                print nothing but errors\n"
        "  -h, --help                 print this help\n"
        "  --version                  print the version\n",
        f);
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
    OPT_SIGN,
    OPT_PARTY,
    OPT_PASSFILE,
    OPT_PASSFD,
    OPT_TIME,
    OPT_JSON,
    OPT_TSA,
    OPT_TSA_CA,
    OPT_VERSION,
};

static int
parse_require(const char *s, unsigned *out)
{
    static const struct {
        const char *name;
        unsigned bit;
    } k[] = {{"before", CUSTOS_DISPOSE_REQ_BEFORE}, {"during", CUSTOS_DISPOSE_REQ_DURING},
             {"after", CUSTOS_DISPOSE_REQ_AFTER},   {"video", CUSTOS_DISPOSE_REQ_VIDEO},
             {"log", CUSTOS_DISPOSE_REQ_LOG},       {"timestamp", CUSTOS_DISPOSE_REQ_TIMESTAMP}};
    *out = 0;
    while (*s != '\0') {
        size_t n = strcspn(s, ",");
        size_t i = 0;
        for (; i < sizeof(k) / sizeof(k[0]); i++)
            if (strlen(k[i].name) == n && strncmp(s, k[i].name, n) == 0)
                break;
        if (i == sizeof(k) / sizeof(k[0]))
            return -1;
        *out |= k[i].bit;
        s += n;
        if (*s == ',')
            s++;
    }
    return *out != 0 ? 0 : -1;
}

static int
parse_options(struct cli *c, struct options *o, int argc, char **argv)
{
    static const struct option opts[] = {
        {"draft", required_argument, NULL, OPT_DRAFT},
        {"help", no_argument, NULL, 'h'},
        {"item", required_argument, NULL, OPT_ITEM},
        {"json", no_argument, NULL, OPT_JSON},
        {"ledger", required_argument, NULL, 'l'},
        {"media-type", required_argument, NULL, OPT_MEDIA},
        {"order", required_argument, NULL, OPT_ORDER},
        {"order-id", required_argument, NULL, OPT_ORDER_ID},
        {"output", required_argument, NULL, 'o'},
        {"party", required_argument, NULL, OPT_PARTY},
        {"passphrase-fd", required_argument, NULL, OPT_PASSFD},
        {"passphrase-file", required_argument, NULL, OPT_PASSFILE},
        {"quiet", no_argument, NULL, 'q'},
        {"reason", required_argument, NULL, OPT_REASON},
        {"require", required_argument, NULL, OPT_REQUIRE},
        {"seal-checked", required_argument, NULL, OPT_SEAL_CHECKED},
        {"sign", required_argument, NULL, OPT_SIGN},
        {"time", required_argument, NULL, OPT_TIME},
        {"tsa", required_argument, NULL, OPT_TSA},
        {"tsa-ca", required_argument, NULL, OPT_TSA_CA},
        {"vendor-organisation", required_argument, NULL, OPT_ORG},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    int opt, rc;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":hl:o:q", opts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            usage_text(stdout);
            return CUSTOS_EXIT_OK;
        case OPT_VERSION:
            printf("custos-dispose %s\n", custos_version());
            return CUSTOS_EXIT_OK;
        case 'l':
            o->ledger = optarg;
            break;
        case 'o':
            o->output = optarg;
            break;
        case 'q':
            c->quiet = 1;
            break;
        case OPT_ORDER:
            o->order = optarg;
            break;
        case OPT_ORDER_ID:
            o->order_id = optarg;
            break;
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
        case OPT_ORG:
            o->organisation = optarg;
            break;
        case OPT_REASON:
            o->reason = optarg;
            break;
        case OPT_SEAL_CHECKED:
            if (optarg[0] == '\0')
                return cli_usage(c, "--seal-checked needs what was found, e.g. \"intact\"");
            o->seal_checked = optarg;
            break;
        case OPT_DRAFT:
            o->draft = optarg;
            break;
        case OPT_REQUIRE:
            if (parse_require(optarg, &o->require) != 0)
                return cli_usage(c, "--require takes before, during, after, video, log, timestamp");
            break;
        case OPT_SIGN:
            if ((rc = cli_signers_add(c, &o->signers, "--sign", optarg)) != -1)
                return rc;
            break;
        case OPT_PARTY:
            if (o->nparty == CLI_MAX_SIGNERS || strchr(optarg, '=') == NULL)
                return cli_usage(c, "--party needs AS=KEYFILE (at most %d)", CLI_MAX_SIGNERS);
            o->party[o->nparty++] = optarg;
            break;
        case OPT_PASSFILE:
            if ((rc = cli_signers_add_passfile(c, &o->signers, optarg)) != -1)
                return rc;
            break;
        case OPT_PASSFD:
            if ((rc = cli_signers_set_passfd(c, &o->signers, optarg)) != -1)
                return rc;
            break;
        case OPT_TIME:
            o->time = optarg;
            break;
        case OPT_JSON:
            o->json = 1;
            break;
        case OPT_TSA:
            o->tsa = optarg;
            break;
        case OPT_TSA_CA:
            o->tsa_ca = optarg;
            break;
        default:
            return cli_bad_option(c, argv, opt);
        }
    }
    return -1;
}

static int
fail(struct cli *c, const struct custos_error *err)
{
    cli_error(c, err);
    return custos_exit_code(err->status);
}

/* The key of the party acting as `as` in p, or NULL. */
static const struct custos_key *
party_key(const struct cli_parties *p, const char *as)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->party[i].as, as) == 0)
            return p->party[i].key;
    return NULL;
}

static int
cmd_order(struct cli *c, struct options *o, struct custos_error *err)
{
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
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    const char *when = o->time != NULL ? o->time : now;
    struct cli_parties p = {0};
    struct custos_ledger *l = NULL;
    struct custos_dispose_order *ord = NULL;
    int rc = cli_parties_load(&o->signers, o->signers.spec, o->signers.n, 1, &p, err);
    if (rc == CUSTOS_OK)
        rc = cli_parties_load(&o->signers, o->party, o->nparty, 0, &p, err);
    if (rc != CUSTOS_OK)
        goto out;
    const struct custos_key *owner = party_key(&p, "releaser");
    const struct custos_key *vendor = party_key(&p, "receiver");
    if (owner == NULL || !custos_key_has_private(owner) || vendor == NULL) {
        cli_parties_free(&p);
        return cli_usage(c, "order: needs --sign releaser=OWNER.key and --sign or --party "
                            "receiver=VENDOR");
    }
    rc = custos_ledger_open(&l, o->ledger, err);
    if (rc != CUSTOS_OK)
        goto out;
    struct custos_dispose_order_params prm = {o->order_id, owner, vendor,  o->organisation,
                                              o->item,     media, o->nitem};
    rc = custos_dispose_order_from_ledger(&ord, o->ledger, &prm, err);
    if (rc == CUSTOS_OK) {
        /* refuse an existing output before the ledger changes */
        FILE *probe = fopen(o->output, "r");
        if (probe != NULL) {
            fclose(probe);
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, o->output, "exists already");
        }
    }
    for (size_t i = 0; rc == CUSTOS_OK && i < o->nitem; i++) {
        json_t *f = json_pack("{s:s,s:s}", "item", o->item[i], "reason",
                              o->reason != NULL ? o->reason : "destruction");
        char reason[512];
        snprintf(reason, sizeof(reason), "%s under disposal order %s",
                 o->reason != NULL ? o->reason : "destruction", o->order_id);
        json_object_set_new(f, "reason", json_string(reason));
        /* the seal check is stated by the person who made it, never on their behalf */
        const char *seals = custos_dispose_order_seals(ord, i);
        if (seals[0] != '\0') {
            char sc[1024];
            snprintf(sc, sizeof(sc), "%s: %s", seals,
                     o->seal_checked != NULL ? o->seal_checked : "not checked");
            json_object_set_new(f, "seal_checked", json_string(sc));
        }
        char *fj = json_dumps(f, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(f);
        uint64_t seq = 0;
        rc = fj != NULL
                 ? custos_ledger_record(l, "transfer", fj, p.party, p.n, when,
                                        o->nparty > 0 ? CUSTOS_LEDGER_ALLOW_MISSING : 0, &seq)
                 : CUSTOS_E_NOMEM;
        free(fj);
        if (rc != CUSTOS_OK) {
            custos_error_copy(err, custos_ledger_error(l));
            break;
        }
        rc = custos_dispose_order_set_handover(ord, i, seq, when, err);
        if (rc == CUSTOS_OK && !c->quiet && !o->json)
            printf("%s: entry %" PRIu64 ": %s transferred to %s\n", o->ledger, seq, o->item[i],
                   custos_key_name(vendor));
    }
    if (rc == CUSTOS_OK)
        rc = custos_dispose_order_write(ord, o->output, owner, err);
    if (rc == CUSTOS_OK && !c->quiet) {
        if (o->json) {
            json_t *j = json_pack("{s:s,s:s,s:I,s:s}", "order", o->output, "order_id", o->order_id,
                                  "items", (json_int_t)o->nitem, "handover", when);
            char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            if (s != NULL)
                cli_print_json(s);
            free(s);
            json_decref(j);
        } else {
            printf("%s: disposal order %s for %zu items, signed by %s\n", o->output, o->order_id,
                   o->nitem, custos_key_name(owner));
        }
    }
out:
    custos_dispose_order_free(ord);
    custos_ledger_free(l);
    cli_parties_free(&p);
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : fail(c, err);
}

/*
 * The public half of the key for certify's checks before any passphrase:
 * KEY.pub beside the private key file (custos-key generate writes both), or
 * NULL, and the checks that need it wait for the signing run.
 */
static struct custos_key *
public_beside(const struct cli_signers *sg, const char *as)
{
    for (size_t i = 0; i < sg->n; i++) {
        const char *eq = strchr(sg->spec[i], '=');
        if (eq == NULL || strlen(as) != (size_t)(eq - sg->spec[i]) ||
            strncmp(sg->spec[i], as, strlen(as)) != 0)
            continue;
        char pub[4096];
        if (snprintf(pub, sizeof(pub), "%s.pub", eq + 1) >= (int)sizeof(pub))
            return NULL;
        struct custos_key *k = NULL;
        struct custos_error e;
        custos_error_clear(&e);
        if (custos_key_load_public(&k, pub, &e) != CUSTOS_OK)
            return NULL;
        return k;
    }
    return NULL;
}

static int
cmd_certify(struct cli *c, struct options *o, struct custos_error *err)
{
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
    int rc = custos_dispose_order_open(&ord, o->order, err);
    /* every check verify makes, before anyone types a passphrase */
    if (rc == CUSTOS_OK) {
        struct custos_key *pub[3];
        for (size_t i = 0; i < 3; i++)
            pub[i] = public_beside(&o->signers, as[i]);
        struct custos_dispose_signers chk = {pub[0], pub[1],    pub[2],    NULL,
                                             NULL,   o->ledger, o->require};
        rc = custos_dispose_certify_check(ord, o->draft, &chk, o->output, err);
        for (size_t i = 0; i < 3; i++)
            custos_key_free(pub[i]);
    }
    if (rc == CUSTOS_OK)
        rc = cli_parties_load(&o->signers, o->signers.spec, o->signers.n, 1, &p, err);
    /* party_key only after a complete load: a failed one leaves a party without its name */
    struct custos_dispose_signers s = {NULL, NULL, NULL, o->tsa, o->tsa_ca, o->ledger, o->require};
    if (rc == CUSTOS_OK) {
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
    custos_dispose_order_free(ord);
    cli_parties_free(&p);
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : fail(c, err);
}

static int
cmd_draft(struct cli *c, struct options *o, struct custos_error *err)
{
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
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : fail(c, err);
}

static void
print_report(struct cli *c, const struct options *o, const char *bundle,
             const struct custos_dispose_report *r, size_t recorded)
{
    for (size_t i = 0; i < r->nfindings; i++)
        cli_warn(c, "%s: %s", bundle, r->findings[i].message);
    if (c->quiet)
        return;
    static const char *const who[3] = {"performer", "verifier", "witness"};
    if (o->json) {
        json_t *items = json_array(), *fs = json_array(), *signers = json_array();
        for (size_t i = 0; i < r->nitems; i++) {
            const struct custos_dispose_item_result *it = &r->items[i];
            json_array_append_new(
                items,
                json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:s}", "id", it->id, "serial",
                          it->serial, "category", it->category, "method", it->method, "result",
                          it->result, "time", it->time, "attachments", (json_int_t)it->attachments,
                          "state", custos_dispose_state_name(it->state), "note", it->note));
        }
        for (size_t i = 0; i < r->nfindings; i++)
            json_array_append_new(fs, json_pack("{s:s,s:s}", "status",
                                                custos_status_name(r->findings[i].status),
                                                "message", r->findings[i].message));
        for (size_t i = 0; i < 3; i++)
            json_array_append_new(signers, json_pack("{s:s,s:s,s:s}", "as", who[i], "name",
                                                     r->signer_name[i], "key", r->signer_fp[i]));
        json_t *j = json_pack(
            "{s:s,s:s,s:s,s:s,s:s,s:o,s:b,s:I,s:o,s:o,s:I,s:s}", "bundle", bundle, "certificate_id",
            r->certificate_id, "order_id", r->order_id, "bundle_sha256", r->bundle_sha256,
            "timestamp", r->timestamp, "signers", signers, "signatures_ok", r->signatures_ok,
            "attachments", (json_int_t)r->attachments, "items", items, "findings", fs,
            "ledger_entries", (json_int_t)recorded, "status", custos_status_name(r->status));
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s != NULL)
            cli_print_json(s);
        free(s);
        json_decref(j);
        return;
    }
    printf("certificate %s for order %s\nbundle sha256 %s\n",
           r->certificate_id[0] ? r->certificate_id : "?", r->order_id,
           r->bundle_sha256[0] ? r->bundle_sha256 : "?");
    for (size_t i = 0; i < 3; i++)
        printf("%-9s %s (%.16s)\n", who[i], r->signer_name[i][0] ? r->signer_name[i] : "?",
               r->signer_fp[i]);
    printf("timestamp: %s\n", r->timestamp[0] ? r->timestamp : "none verified");
    printf("signatures: %s; attachments: %zu\n\n",
           r->signatures_ok ? "valid, enrolled" : "NOT VALID", r->attachments);
    printf("%-16s %-18s %-12s %-10s %s\n", "ITEM", "SERIAL", "METHOD", "RESULT", "STATE");
    size_t ok = 0;
    for (size_t i = 0; i < r->nitems; i++) {
        const struct custos_dispose_item_result *it = &r->items[i];
        printf("%-16s %-18s %-12s %-10s %s\n", it->id, it->serial, it->method[0] ? it->method : "-",
               it->result[0] ? it->result : "-", custos_dispose_state_name(it->state));
        if (it->note[0] != '\0')
            printf("    %s\n", it->note);
        ok += it->state == CUSTOS_DISPOSE_OK;
    }
    printf("\n%zu of %zu items proven %s\n", ok, r->nitems,
           ok == r->nitems ? "destroyed or sanitized as certified" : "(the others are NOT)");
    if (o->ledger != NULL && o->signers.n > 0)
        printf("%s: %zu dispose entries recorded\n", o->ledger, recorded);
}

static int
cmd_verify(struct cli *c, struct options *o, const char *bundle, struct custos_error *err)
{
    if (o->order == NULL)
        return cli_usage(c, "verify: needs BUNDLE and --order ORDER");
    if (o->signers.n > 0 && o->ledger == NULL)
        return cli_usage(c, "verify: --sign custodian=KEY needs -l LEDGER");
    struct cli_parties p = {0};
    struct custos_dispose_order *ord = NULL;
    struct custos_dispose_report *r = NULL;
    struct custos_ledger *l = NULL;
    struct custos_key *vendor = NULL;
    size_t recorded = 0;
    int rc = custos_dispose_order_open(&ord, o->order, err);
    if (rc == CUSTOS_OK && o->signers.n > 0) {
        rc = cli_parties_load(&o->signers, o->signers.spec, o->signers.n, 1, &p, err);
        if (rc == CUSTOS_OK && (p.n != 1 || party_key(&p, "custodian") == NULL)) {
            custos_dispose_order_free(ord);
            cli_parties_free(&p);
            return cli_usage(c, "verify: --sign takes custodian=OWNER.key only");
        }
        if (rc == CUSTOS_OK)
            rc = custos_ledger_open(&l, o->ledger, err);
        if (rc == CUSTOS_OK)
            rc = custos_dispose_order_vendor_key(ord, &vendor, err);
    }
    if (rc != CUSTOS_OK)
        goto out;
    struct custos_dispose_policy pol = {o->require, o->tsa_ca};
    rc = custos_dispose_verify(bundle, ord, o->ledger, &pol, &r, err);
    if (r == NULL)
        goto out;
    int worst = r->status;
    /* Only a trusted bundle closes custody, and only for the items it proves. */
    if (l != NULL && worst != CUSTOS_E_UNTRUSTED && worst != CUSTOS_E_CORRUPT) {
        struct custos_ledger_party parties[2] = {{"vendor", vendor},
                                                 {"custodian", party_key(&p, "custodian")}};
        for (size_t i = 0; i < r->nitems; i++) {
            if (r->items[i].state != CUSTOS_DISPOSE_OK)
                continue;
            char method[64];
            snprintf(method, sizeof(method), "%s (%s)", r->items[i].method, r->items[i].category);
            json_t *f =
                json_pack("{s:s,s:s,s:s,s:s}", "item", r->items[i].id, "method", method,
                          "certificate", r->certificate_id, "certificate_sha256", r->bundle_sha256);
            char *fj = json_dumps(f, JSON_COMPACT | JSON_PRESERVE_ORDER);
            json_decref(f);
            int lrc = fj != NULL ? custos_ledger_record(l, "dispose", fj, parties, 2, NULL,
                                                        CUSTOS_LEDGER_ALLOW_MISSING, NULL)
                                 : CUSTOS_E_NOMEM;
            free(fj);
            if (lrc != CUSTOS_OK) {
                custos_error_copy(err, custos_ledger_error(l));
                cli_error(c, err);
                worst = custos_status_worst(worst, lrc);
                break;
            }
            recorded++;
        }
    }
    print_report(c, o, bundle, r, recorded);
    custos_dispose_report_free(r);
    custos_dispose_order_free(ord);
    custos_ledger_free(l);
    custos_key_free(vendor);
    cli_parties_free(&p);
    return custos_exit_code(worst);
out:
    custos_dispose_order_free(ord);
    custos_ledger_free(l);
    custos_key_free(vendor);
    cli_parties_free(&p);
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : fail(c, err);
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
    int rc = custos_dispose_render(bundle, o->output, fmt, err);
    if (rc == CUSTOS_OK && !c->quiet)
        printf("%s: rendered %s\n", o->output, bundle);
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : fail(c, err);
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
    if (rc != -1)
        return rc;
    if (optind >= argc)
        return cli_usage(&c, "missing COMMAND");
    const char *cmd = argv[optind++];
    if (strcmp(cmd, "order") != 0 && strcmp(cmd, "certify") != 0 && strcmp(cmd, "verify") != 0 &&
        strcmp(cmd, "render") != 0 && strcmp(cmd, "draft") != 0)
        return cli_usage(&c, "unknown command %s", cmd);
    const char *arg = optind < argc ? argv[optind++] : NULL;
    int want_arg = strcmp(cmd, "verify") == 0 || strcmp(cmd, "render") == 0;
    if ((want_arg && arg == NULL) || (!want_arg && arg != NULL) || optind < argc)
        return cli_usage(&c, "%s: wrong number of arguments", cmd);
    struct custos_error err;
    custos_error_clear(&err);
    if (strcmp(cmd, "order") == 0)
        return cmd_order(&c, &o, &err);
    if (strcmp(cmd, "certify") == 0)
        return cmd_certify(&c, &o, &err);
    if (strcmp(cmd, "draft") == 0)
        return cmd_draft(&c, &o, &err);
    if (strcmp(cmd, "verify") == 0)
        return cmd_verify(&c, &o, arg, &err);
    return cmd_render(&c, &o, arg, &err);
}
