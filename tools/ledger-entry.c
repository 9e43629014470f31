/* SPDX-License-Identifier: ISC */
/*
 * ledger-entry.c: the custos-ledger subcommands that make entries: open,
 * add and propose (and add ACTION --help), show-proposal, sign, commit.
 * Every signer is shown the entry and confirms before their key signs.
 */
#include "ledger-cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

static char *
fields_json(const struct options *o)
{
    json_t *j = json_object();
    for (size_t i = 0; i < o->nfields; i++)
        if (o->fields[i] != NULL)
            json_object_set_new(j, o->field[i], json_string(o->fields[i]));
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    return s;
}

static void
print_entry(struct cli *c, const struct options *o, struct custos_ledger *l, const char *what,
            uint64_t seq)
{
    if (o->json) { /* -q keeps the document */
        json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:I}", "status", custos_status_name(CUSTOS_OK),
                              "ledger", o->ledger, "action", what, "seq", (json_int_t)seq,
                              "entries", (json_int_t)custos_ledger_size(l));
        cli_print_json_doc(j);
    } else if (!c->quiet) {
        printf("%s: entry %" PRIu64 " (%s) appended; %" PRIu64 " entries\n", o->ledger, seq, what,
               custos_ledger_size(l));
    }
}

int
cmd_open(struct cli *c, struct options *o, const char *arg, struct custos_error *err)
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
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : cli_fail(c, err);
}

/* The option that sets an entry field, e.g. "seal_checked" -> "seal-checked", or NULL. */
static const char *
option_of(const struct options *o, const char *field)
{
    for (size_t i = 0; i < o->nfields; i++)
        if (strcmp(o->field[i], field) == 0)
            return o->opt[i];
    return NULL;
}

/*
 * A field the action requires and the command line lacks is a usage error
 * naming its option, found from the policy table before anything else.
 */
static int
check_required(struct cli *c, const struct options *o, const char *action, struct custos_error *err)
{
    (void)err;
    char *fj = fields_json(o), name[64];
    int missing = cli_missing_field(action, fj, name, sizeof(name));
    free(fj);
    if (!missing)
        return 0;
    const char *opt = option_of(o, name);
    return cli_usage(c, "%s needs the field \"%s\" (--%s)", action, name, opt != NULL ? opt : name);
}

/* custos-ledger add ACTION --help: the action's parties and fields, from the policy table. */
int
action_help(struct cli *c, const struct options *o, const char *action)
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
            const char *opt = option_of(o, name);
            printf("  --%-20s %s%s\n", opt != NULL ? opt : name,
                   json_string_value(json_object_get(v, "type")),
                   custos_ledger_field_automatic(action, name) ? " (filled in by custos-ledger)"
                                                               : "");
        }
    }
    json_decref(pol);
    return CUSTOS_EXIT_OK;
}

/* The parties of one enrolment of several: subject i of p, and every party not a subject. */
static void
enrolment_parties(const struct cli_parties *p, size_t i, struct cli_parties *q, size_t *idx)
{
    memset(q, 0, sizeof(*q));
    for (size_t k = 0; k < p->n; k++) {
        if (k != i && strcmp(p->as[k], "subject") == 0)
            continue;
        idx[q->n] = k;
        q->party[q->n] = p->party[k];
        q->key[q->n] = p->key[k];
        q->as[q->n] = p->as[k];
        q->path[q->n] = p->path[k];
        q->pass_idx[q->n] = p->pass_idx[k];
        q->n++;
    }
}

/*
 * add enroll with several --sign subject=KEY: one enroll entry per subject,
 * each approved by the same approver, whose passphrase is asked once. Every
 * entry is dry-run against the ledger before anybody's passphrase.
 */
static int
add_enrolments(struct cli *c, struct options *o, struct custos_error *err)
{
    struct cli_parties p = {0};
    struct custos_ledger *l = NULL;
    char *fj = fields_json(o);
    int rc = cli_parties_load_signers(o->signers.spec, o->signers.n, 0, &p, err);
    for (size_t i = 0; rc == CUSTOS_OK && i < p.n; i++)
        for (size_t j = i + 1; rc == CUSTOS_OK && j < p.n; j++)
            if (strcmp(custos_key_fingerprint(p.key[i]), custos_key_fingerprint(p.key[j])) == 0)
                rc = custos_error_set(err, CUSTOS_E_USAGE, 0, p.path[j], "is named twice");
    if (rc == CUSTOS_OK)
        rc = custos_ledger_open(&l, o->ledger, err);
    for (int pass = 0; pass < 2 && rc == CUSTOS_OK; pass++) {
        if (pass == 1)
            rc = cli_confirm_possible(o->yes, err);
        for (size_t i = 0; rc == CUSTOS_OK && i < p.n; i++) {
            if (strcmp(p.as[i], "subject") != 0)
                continue;
            struct cli_parties q;
            size_t idx[CLI_MAX_SIGNERS];
            uint64_t seq = 0;
            enrolment_parties(&p, i, &q, idx);
            if (pass == 0) {
                rc = cli_entry_probe(l, "enroll", fj, &q, o->time, err);
            } else {
                rc = cli_entry_record(c, &o->signers, &q, o->yes, l, "enroll", fj, o->time, 0, &seq,
                                      err);
                if (rc == CUSTOS_OK)
                    print_entry(c, o, l, "enroll", seq);
            }
            /* q borrowed p's keys; unlocking may have replaced them. */
            for (size_t j = 0; j < q.n; j++) {
                p.key[idx[j]] = q.key[j];
                p.party[idx[j]].key = q.party[j].key;
            }
        }
    }
    cli_parties_free(&p);
    free(fj);
    custos_ledger_free(l);
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : cli_fail(c, err);
}

int
cmd_add(struct cli *c, struct options *o, const char *action, struct custos_error *err)
{
    int propose = strcmp(o->cmd, "propose") == 0;
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
    size_t nsub = 0;
    for (size_t i = 0; !propose && i < o->signers.n; i++)
        nsub += strncmp(o->signers.spec[i], "subject=", 8) == 0;
    if (strcmp(action, "enroll") == 0 && nsub > 1)
        return add_enrolments(c, o, err);
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
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : cli_fail(c, err);
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

int
cmd_show_proposal(struct cli *c, struct options *o, const char *proposal, struct custos_error *err)
{
    char *body = NULL, **tokens = NULL;
    size_t ntokens = 0;
    int rc = custos_ledger_proposal_read(proposal, &body, &tokens, &ntokens, err);
    char *text = NULL;
    if (rc == CUSTOS_OK)
        rc = custos_ledger_proposal_describe(body, tokens, ntokens, &text, err);
    if (text != NULL) {
        printf("%s: proposed ledger entry\n%s", proposal, text);
        free(text);
        rc = check_against_ledger(o, body, err);
        if (rc == CUSTOS_OK && o->ledger != NULL)
            printf("ledger: %s would accept it now\n", o->ledger);
    }
    custos_ledger_proposal_free(body, tokens, ntokens);
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : cli_fail(c, err);
}

int
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
    if (rc == CUSTOS_OK)
        rc = custos_ledger_proposal_describe(body, tokens, ntokens, &text, err);
    if (rc == CUSTOS_OK)
        rc = cli_confirm_possible(o->yes, err);
    /* With -l, an entry the ledger would refuse is refused before anyone is asked. */
    if (rc == CUSTOS_OK)
        rc = check_against_ledger(o, body, err);
    /* Before the passphrase: is this key a party that has not signed? */
    if (rc == CUSTOS_OK && custos_key_load_public(&pub, pubpath, err) == CUSTOS_OK) {
        rc = custos_ledger_proposal_check_signer(proposal, body, tokens, ntokens, pub, err);
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
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : cli_fail(c, err);
}

int
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
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : cli_fail(c, err);
}
