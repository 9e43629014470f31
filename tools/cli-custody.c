/* SPDX-License-Identifier: ISC */
/*
 * cli-custody.c: the custody options of the tools that record their own act
 * in a case ledger (-l, --key, --item, --sign, --party), the checks made
 * before any passphrase against the ledger's policy, and the case facts
 * taken from the ledger instead of being typed again.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h> /* mallopt */
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

void
cli_custody_init(struct cli_custody *o)
{
    memset(o, 0, sizeof(*o));
    cli_signers_init(&o->signers);
}

int
cli_party_add(struct cli *c, const char **party, size_t *n, const char *arg)
{
    if (*n == CLI_MAX_SIGNERS || strchr(arg, '=') == NULL)
        return cli_usage(c, "--party needs AS=KEYFILE (at most %d)", CLI_MAX_SIGNERS);
    party[(*n)++] = arg;
    return CLI_CONTINUE;
}

int
cli_custody_option(struct cli *c, struct cli_custody *o, int ch, const char *arg)
{
    switch (ch) {
    case 'l':
        o->ledger = arg;
        return CLI_CONTINUE;
    case CLI_OPT_ITEM:
        o->item = arg;
        return CLI_CONTINUE;
    case CLI_OPT_KEY:
        return cli_main_key(c, &o->key, NULL, arg);
    case CLI_OPT_SIGN: {
        int rc = cli_main_key(c, &o->key, CUSTOS_ROLE_CUSTODIAN, arg);
        return rc != CLI_NOT_MINE ? rc : cli_signers_option(c, &o->signers, ch, arg);
    }
    case CLI_OPT_PARTY:
        return cli_party_add(c, o->party, &o->nparty, arg);
    case CLI_OPT_PASSFILE:
    case CLI_OPT_PASSFD:
        return cli_signers_option(c, &o->signers, ch, arg);
    case CLI_OPT_YES:
        o->yes = 1;
        return CLI_CONTINUE;
    default:
        return CLI_NOT_MINE;
    }
}

int
cli_custody_check(struct cli *c, const struct cli_custody *o)
{
    if (o->ledger == NULL && (o->signers.n > 0 || o->nparty > 0 || o->item != NULL))
        return cli_usage(c, "--sign, --party and --item need --ledger");
    if (o->ledger != NULL && o->key == NULL)
        return cli_usage(c, "--ledger needs --key (your key)");
    if (o->ledger != NULL && (o->item == NULL || o->item[0] == '\0'))
        return cli_usage(c, "--ledger needs --item ID");
    return 0;
}

int
cli_custody_prepare(const struct cli_custody *o, const char *key_as, const char *action,
                    const char *probe_fields, struct custos_ledger **l, struct cli_parties *p,
                    struct custos_error *err)
{
    *l = NULL;
    const struct cli_signers *s = &o->signers;
    const char *specs[CLI_MAX_SIGNERS + 1];
    char first[4096];
    snprintf(first, sizeof(first), "%s=%s", key_as, o->key);
    specs[0] = first;
    for (size_t i = 0; i < s->n && i < CLI_MAX_SIGNERS; i++)
        specs[i + 1] = s->spec[i];
    int rc = cli_parties_load_signers(specs, s->n + 1, 0, p, err);
    if (rc == CUSTOS_OK)
        rc = cli_parties_load(s, o->party, o->nparty, 0, p, err);
    if (rc == CUSTOS_OK)
        rc = custos_ledger_open(l, o->ledger, err);
    if (rc != CUSTOS_OK)
        return rc;
    rc = cli_entry_probe(*l, action, probe_fields, p, NULL, err);
    if (rc == CUSTOS_OK)
        rc = cli_confirm_possible(o->yes, err);
    return rc;
}

int
cli_custody_record(struct cli *c, const struct cli_custody *o, struct custos_ledger *l,
                   const char *action, const char *fields, struct cli_parties *p, int print,
                   struct custos_error *err)
{
    uint64_t seq = 0;
    int rc = cli_entry_record(c, &o->signers, p, o->yes, l, action, fields, NULL,
                              o->nparty > 0 ? CUSTOS_LEDGER_ALLOW_MISSING : 0, &seq, err);
    if (rc != CUSTOS_OK)
        return rc;
    if (print)
        printf("ledger: entry %llu (%s of %s) appended to %s%s\n", (unsigned long long)seq, action,
               o->item, o->ledger, o->nparty > 0 ? "; awaiting late signatures" : "");
    return rc;
}

int
cli_entry_record(struct cli *c, const struct cli_signers *s, struct cli_parties *p, int yes,
                 struct custos_ledger *l, const char *action, const char *fields, const char *time,
                 unsigned flags, uint64_t *seq, struct custos_error *err)
{
    int rc = CUSTOS_OK;
    /* Another process may append between the proposal and the commit; the
     * entry is then shown and confirmed again on the new head. */
    for (int attempt = 0; attempt < 16; attempt++) {
        char *body = NULL, *tokens[CLI_MAX_SIGNERS] = {0};
        size_t ntok = 0;
        rc = custos_ledger_propose(l, action, fields, p->party, p->n, time, &body);
        if (rc != CUSTOS_OK)
            custos_error_copy(err, custos_ledger_error(l));
        if (rc == CUSTOS_OK)
            rc = cli_entry_sign(c, s, p, yes, body, tokens, &ntok, err);
        if (rc == CUSTOS_OK) {
            rc = custos_ledger_commit(l, body, strlen(body), (const char *const *)tokens, ntok,
                                      flags, seq);
            if (rc != CUSTOS_OK)
                custos_error_copy(err, custos_ledger_error(l));
        }
        for (size_t i = 0; i < ntok; i++)
            free(tokens[i]);
        free(body);
        if (rc != CUSTOS_E_REFUSED || strstr(err->message, "moved") == NULL)
            break;
    }
    return rc;
}

int
cli_entry_probe(struct custos_ledger *l, const char *action, const char *fields,
                const struct cli_parties *p, const char *time, struct custos_error *err)
{
    char *body = NULL;
    int rc = custos_ledger_propose(l, action, fields, p->party, p->n, time, &body);
    if (rc != CUSTOS_OK)
        custos_error_copy(err, custos_ledger_error(l));
    free(body);
    return rc;
}

int
cli_case_facts_load(const char *path, const char *item, struct cli_case_facts *f,
                    struct custos_error *err)
{
    memset(f, 0, sizeof(*f));
    struct custos_custody *m = NULL;
    int rc = custos_custody_load(&m, path, NULL, NULL, err);
    if (m == NULL)
        return rc;
#define DUP(dst, src)                                                                              \
    do {                                                                                           \
        if ((src) != NULL && ((dst) = strdup(src)) == NULL)                                        \
            rc = CUSTOS_E_NOMEM;                                                                   \
    } while (0)
    rc = CUSTOS_OK;
    DUP(f->case_id, m->case_id);
    DUP(f->authorisation, m->authorisation);
    for (size_t i = 0; item != NULL && i < m->nitems; i++) {
        const struct custos_custody_item *it = &m->items[i];
        if (strcmp(it->id, item) != 0)
            continue;
        f->collected = 1;
        DUP(f->description, it->description);
        DUP(f->make, it->make);
        DUP(f->model, it->model);
        DUP(f->serial, it->serial);
    }
#undef DUP
    custos_custody_free(m);
    if (rc != CUSTOS_OK) {
        cli_case_facts_free(f);
        return custos_error_set(err, rc, 0, path, "out of memory");
    }
    return CUSTOS_OK;
}

void
cli_case_facts_free(struct cli_case_facts *f)
{
    free(f->case_id);
    free(f->authorisation);
    free(f->description);
    free(f->make);
    free(f->model);
    free(f->serial);
    memset(f, 0, sizeof(*f));
}

int
cli_fact_match(const char *ledger, const char *option, const char *given, const char *from_ledger,
               const char **use, struct custos_error *err)
{
    if (from_ledger == NULL) {
        *use = given;
        return CUSTOS_OK;
    }
    if (given != NULL && strcmp(given, from_ledger) != 0)
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, ledger,
                                "%s \"%s\" differs from the ledger's \"%s\"; refusing to record "
                                "one case under another's facts (leave %s out to take the "
                                "ledger's)",
                                option, given, from_ledger, option);
    *use = from_ledger;
    return CUSTOS_OK;
}

int
cli_missing_field(const char *action, const char *fields_json, char *name, size_t size)
{
    char *pj = NULL;
    struct custos_error err;
    if (custos_ledger_policy(action, &pj, &err) != CUSTOS_OK)
        return 0;
    json_t *pol = json_loads(pj, 0, NULL);
    json_t *given = fields_json != NULL ? json_loads(fields_json, 0, NULL) : NULL;
    free(pj);
    json_t *f;
    size_t i;
    int out = 0;
    json_array_foreach(json_object_get(pol, "fields"), i, f)
    {
        const char *fname = json_string_value(json_object_get(f, "name"));
        if (out || fname == NULL || !json_is_true(json_object_get(f, "required")) ||
            custos_ledger_field_automatic(action, fname) || json_object_get(given, fname) != NULL)
            continue;
        snprintf(name, size, "%s", fname);
        out = 1;
    }
    json_decref(given);
    json_decref(pol);
    return out;
}

int
cli_parties_fit(const char *action, const struct cli_parties *p, struct custos_error *err)
{
    char *pj = NULL;
    int rc = custos_ledger_policy(action, &pj, err);
    if (rc != CUSTOS_OK)
        return rc;
    json_t *pol = json_loads(pj, 0, NULL);
    free(pj);
    json_t *caps = json_object_get(pol, "parties"), *cap;
    size_t i;
    json_array_foreach(caps, i, cap)
    {
        const char *as = json_string_value(json_object_get(cap, "as"));
        if (rc == CUSTOS_OK && json_is_true(json_object_get(cap, "required")) &&
            cli_parties_find(p, as) == p->n)
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, NULL,
                                  "%s needs a party acting as %s (--sign %s=KEY, or --party "
                                  "%s=KEY.pub)",
                                  action, as, as, as);
    }
    for (size_t k = 0; rc == CUSTOS_OK && k < p->n; k++) {
        const char *role = custos_key_role(p->party[k].key);
        int known = 0, allowed = 0;
        json_array_foreach(caps, i, cap)
        {
            if (strcmp(json_string_value(json_object_get(cap, "as")), p->as[k]) != 0)
                continue;
            known = 1;
            json_t *r;
            size_t j;
            json_array_foreach(json_object_get(cap, "roles"), j, r) allowed |=
                strcmp(json_string_value(r), role) == 0;
        }
        if (!known || !allowed)
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, NULL, "%s (%s) may not act as %s in %s",
                                  custos_key_name(p->party[k].key), role, p->as[k], action);
    }
    json_decref(pol);
    return rc;
}

int
cli_tool_option(struct cli *c, struct cli_custody *o, int ch, char **argv, void (*usage)(FILE *out))
{
    int rc = cli_common_option(c, ch, argv, usage);
    return rc == CLI_NOT_MINE ? cli_custody_option(c, o, ch, optarg) : rc;
}
