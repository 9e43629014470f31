/* SPDX-License-Identifier: ISC */
/*
 * dispose-verify.c: `custos-dispose verify`: the report of a proof bundle
 * checked against its order and, with -l and --sign custodian=KEY, the
 * dispose entries that close custody of the items it proves. Printing and
 * the order of the steps only; the checks and the entries' fields are
 * libcustos's (custos_dispose_verify, custos_dispose_ledger_fields).
 *
 * Order: verify (no key needed); every dispose entry checked against the
 * ledger's policy; only then each entry shown, confirmed and signed, the
 * custodian's passphrase asked at the first.
 */
#include "dispose-verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
print_report(struct cli *c, const struct dispose_verify_args *o, const char *bundle,
             const struct custos_dispose_report *r, size_t recorded)
{
    for (size_t i = 0; i < r->nfindings; i++)
        cli_warn(c, "%s: %s", bundle, r->findings[i].message);
    if (c->quiet && !o->json) /* -q keeps the --json document */
        return;
    static const char *const who[3] = {CUSTOS_DISPOSE_PERFORMER, CUSTOS_DISPOSE_VERIFIER,
                                       CUSTOS_DISPOSE_WITNESS};
    if (o->json) {
        char *js = NULL;
        struct custos_error e;
        if (custos_dispose_report_json(r, bundle, recorded, &js, &e) == CUSTOS_OK)
            cli_print_json(js);
        else
            cli_error(c, &e);
        free(js);
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
    if (o->ledger != NULL && o->signers->n > 0)
        printf("%s: %zu dispose entries recorded\n", o->ledger, recorded);
}

/*
 * Records a dispose entry for every item r proves, signed by the custodian
 * of p (the vendor, party 0, attests later): all are checked against the
 * ledger's policy before the custodian's passphrase is asked.
 */
static int
record_disposals(struct cli *c, const struct dispose_verify_args *o, struct custos_ledger *l,
                 struct cli_parties *p, const struct custos_dispose_report *r, size_t *recorded,
                 struct custos_error *err)
{
    char **fields = calloc(r->nitems + 1, sizeof(char *));
    int rc = fields != NULL ? CUSTOS_OK
                            : custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    for (size_t i = 0; rc == CUSTOS_OK && i < r->nitems; i++)
        if (r->items[i].state == CUSTOS_DISPOSE_OK) {
            rc = custos_dispose_ledger_fields(r, i, &fields[i], err);
            if (rc == CUSTOS_OK)
                rc = cli_entry_probe(l, CUSTOS_ACTION_DISPOSE, fields[i], p, NULL, err);
        }
    if (rc == CUSTOS_OK)
        rc = cli_confirm_possible(o->yes, err);
    for (size_t i = 0; rc == CUSTOS_OK && i < r->nitems; i++) {
        uint64_t seq = 0;
        if (fields[i] != NULL)
            rc = cli_entry_record(c, o->signers, p, o->yes, l, CUSTOS_ACTION_DISPOSE, fields[i],
                                  NULL, CUSTOS_LEDGER_ALLOW_MISSING, &seq, err);
        if (rc == CUSTOS_OK && fields[i] != NULL)
            (*recorded)++;
    }
    for (size_t i = 0; fields != NULL && i < r->nitems; i++)
        free(fields[i]);
    free(fields);
    return rc;
}

/* The vendor (party 0, public: attests later) and the custodian signing now (party 1). */
static int
load_disposal_parties(const struct dispose_verify_args *o, const struct custos_dispose_order *ord,
                      struct cli_parties *p, struct custos_error *err)
{
    int rc = custos_dispose_order_vendor_key(ord, &p->key[0], err);
    if (rc != CUSTOS_OK)
        return rc;
    p->n = 1;
    if ((p->as[0] = strdup("vendor")) == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    p->party[0].as = p->as[0];
    p->party[0].key = p->key[0];
    return cli_parties_load_signers(o->signers->spec, 1, 0, p, err);
}

int
dispose_verify_main(struct cli *c, const struct dispose_verify_args *o, const char *bundle)
{
    struct custos_error e;
    struct custos_error *err = &e;
    custos_error_clear(err);
    struct cli_parties p = {0};
    struct custos_dispose_order *ord = NULL;
    struct custos_dispose_report *r = NULL;
    struct custos_ledger *l = NULL;
    size_t recorded = 0;
    int rc = custos_dispose_order_open(&ord, o->order, err);
    if (rc == CUSTOS_OK && o->signers->n > 0) {
        rc = load_disposal_parties(o, ord, &p, err);
        /* a run that could not record is refused before it reports */
        if (rc == CUSTOS_OK)
            rc = cli_confirm_possible(o->yes, err);
        if (rc == CUSTOS_OK)
            rc = custos_ledger_open(&l, o->ledger, err);
    }
    if (rc == CUSTOS_OK) {
        struct custos_dispose_policy pol = {o->require, o->tsa_ca};
        rc = custos_dispose_verify(bundle, ord, o->ledger, &pol, &r, err);
    }
    if (r == NULL) {
        cli_error(c, err);
        rc = custos_exit_code(err->status);
        goto out;
    }
    int worst = r->status;
    /* Only a trusted bundle closes custody, and only for the items it proves. */
    if (l != NULL && worst != CUSTOS_E_UNTRUSTED && worst != CUSTOS_E_CORRUPT) {
        int lrc = record_disposals(c, o, l, &p, r, &recorded, err);
        if (lrc != CUSTOS_OK) {
            cli_error(c, err);
            worst = custos_status_worst(worst, lrc);
        }
    }
    print_report(c, o, bundle, r, recorded);
    rc = custos_exit_code(worst);
out:
    custos_dispose_report_free(r);
    custos_dispose_order_free(ord);
    custos_ledger_free(l);
    cli_parties_free(&p);
    return rc;
}
