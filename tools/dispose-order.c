/* SPDX-License-Identifier: ISC */
/*
 * dispose-order.c: `custos-dispose order`: the owner hands media to a
 * vendor: a transfer entry per item in the case ledger and the signed
 * disposal order. The order of the steps and printing only; the order,
 * its checks and the entries' fields are libcustos's
 * (custos_dispose_order_from_ledger, custos_dispose_transfer_fields).
 *
 * Order: public keys; the ledger, the items (collected, held by the owner,
 * not disposed of), the vendor's enrolment, the outputs and every transfer
 * entry checked; the order shown to the owner, who confirms it (passphrase
 * asked here); each entry shown and confirmed (the receiver, when signing
 * now, asked at the first); the order written and signed.
 */
#include "dispose-order.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

/* The key of the party acting as `as` in p (after any unlock: it changes), or NULL. */
static const struct custos_key *
party_key(const struct cli_parties *p, const char *as)
{
    size_t i = cli_parties_find(p, as);
    return i < p->n ? p->party[i].key : NULL;
}

/* Refuses an existing path (not following a link). */
static int
refuse_existing(const char *path, struct custos_error *err)
{
    struct stat st;
    if (lstat(path, &st) == 0)
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, path, "exists already");
    return CUSTOS_OK;
}

int
dispose_order_main(struct cli *c, const struct dispose_order_args *o)
{
    struct custos_error e;
    struct custos_error *err = &e;
    custos_error_clear(err);
    char now[CUSTOS_TIME_RFC3339_SIZE], utc[CUSTOS_TIME_RFC3339_SIZE];
    custos_time_rfc3339_now(now);
    const char *when = o->time != NULL ? o->time : now;
    /* The ledger entries keep a typed offset; the order records the handover in UTC. */
    int64_t ht = 0;
    uint32_t hns = 0;
    if (custos_time_rfc3339_parse(when, 0, &ht, &hns) != CUSTOS_OK || hns != 0 ||
        custos_time_rfc3339_format(ht, 0, utc) != CUSTOS_OK)
        return cli_usage(c,
                         "--time \"%s\" is not RFC 3339 in whole seconds, e.g. "
                         "2026-12-05T14:30:00+08:00 or 2026-12-05T06:30:00Z",
                         when);
    struct cli_parties p = {0};
    struct custos_ledger *l = NULL;
    struct custos_dispose_order *ord = NULL;
    char **fields = calloc(o->nitem + 1, sizeof(char *)), *text = NULL;
    /* Public keys first: the ledger, the items, the entries and the output
     * are checked before anyone types a passphrase. */
    int rc = fields != NULL ? cli_parties_load_signers(o->signers->spec, o->signers->n, 0, &p, err)
                            : custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    if (rc == CUSTOS_OK)
        rc = cli_parties_load(o->signers, o->party, o->nparty, 0, &p, err);
    if (rc != CUSTOS_OK)
        goto out;
    size_t releaser = cli_parties_find(&p, "releaser");
    if (!cli_parties_signs_now(&p, releaser) || party_key(&p, "receiver") == NULL) {
        cli_parties_free(&p);
        free(fields);
        return cli_usage(c, "order: needs --sign releaser=OWNER.key and --sign or --party "
                            "receiver=VENDOR");
    }
    rc = custos_ledger_open(&l, o->ledger, err);
    struct custos_dispose_order_params prm = {o->order_id,
                                              party_key(&p, "releaser"),
                                              party_key(&p, "receiver"),
                                              o->organisation,
                                              o->item,
                                              o->media,
                                              o->nitem};
    if (rc == CUSTOS_OK)
        rc = custos_dispose_order_from_ledger(&ord, o->ledger, &prm, err);
    char sig[4200];
    snprintf(sig, sizeof(sig), "%s.sig", o->output);
    if (rc == CUSTOS_OK)
        rc = refuse_existing(o->output, err);
    if (rc == CUSTOS_OK)
        rc = refuse_existing(sig, err);
    unsigned flags = o->nparty > 0 ? CUSTOS_LEDGER_ALLOW_MISSING : 0;
    for (size_t i = 0; rc == CUSTOS_OK && i < o->nitem; i++) {
        rc = custos_dispose_transfer_fields(ord, i, o->reason, o->seal_checked, &fields[i], err);
        if (rc == CUSTOS_OK)
            rc = cli_entry_probe(l, CUSTOS_ACTION_TRANSFER, fields[i], &p, when, err);
    }
    if (rc == CUSTOS_OK)
        rc = cli_confirm_possible(o->yes, err);
    /* the releaser signs the order document too: it is shown first */
    if (rc == CUSTOS_OK)
        rc = custos_dispose_order_describe(ord, &text, err);
    if (rc == CUSTOS_OK)
        rc = cli_confirm_unlock(c, o->signers, &p, releaser, o->yes,
                                "The disposal order to be signed:\n", text, err);
    for (size_t i = 0; rc == CUSTOS_OK && i < o->nitem; i++) {
        uint64_t seq = 0;
        rc = cli_entry_record(c, o->signers, &p, o->yes, l, CUSTOS_ACTION_TRANSFER, fields[i], when,
                              flags, &seq, err);
        if (rc == CUSTOS_OK)
            rc = custos_dispose_order_set_handover(ord, i, seq, utc, err);
        if (rc == CUSTOS_OK && !c->quiet && !o->json)
            printf("%s: entry %" PRIu64 ": %s transferred to %s\n", o->ledger, seq, o->item[i],
                   custos_key_name(party_key(&p, "receiver")));
    }
    if (rc == CUSTOS_OK)
        rc = custos_dispose_order_write(ord, o->output, party_key(&p, "releaser"), err);
    if (rc == CUSTOS_OK && (!c->quiet || o->json)) { /* -q keeps the --json document */
        if (o->json) {
            json_t *j = json_pack("{s:s,s:s,s:s,s:I,s:s}", "status", custos_status_name(CUSTOS_OK),
                                  "order", o->output, "order_id", o->order_id, "items",
                                  (json_int_t)o->nitem, "handover", utc);
            cli_print_json_doc(j);
        } else {
            printf("%s: disposal order %s for %zu items, signed by %s\n", o->output, o->order_id,
                   o->nitem, custos_key_name(party_key(&p, "releaser")));
        }
    }
out:
    for (size_t i = 0; fields != NULL && i < o->nitem; i++)
        free(fields[i]);
    free(fields);
    free(text);
    custos_dispose_order_free(ord);
    custos_ledger_free(l);
    cli_parties_free(&p);
    if (rc != CUSTOS_OK)
        cli_error(c, err);
    return custos_exit_code(rc);
}
