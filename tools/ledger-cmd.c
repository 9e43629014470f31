/* SPDX-License-Identifier: ISC */
/*
 * ledger-cmd.c: the custos-ledger subcommands that read a ledger: verify,
 * checkpoint, cosign, prove, show, status, export (custos-ledger.c has the
 * options and the ones that write entries).
 */
#include "ledger-cmd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

int
cmd_verify(struct cli *c, struct options *o, const char *arg, struct custos_error *err)
{
    if (o->log != NULL)
        return cmd_verify_log(c, o, err);
    if (o->ledger == NULL)
        return cli_usage(c, "verify: missing -l LEDGER");
    struct custos_ledger_report *r = NULL;
    struct custos_progress prog = cli_progress(c);
    cli_progress_start(c);
    int rc = custos_ledger_verify_checkpoints(o->ledger, o->checkpoints, o->ncheckpoints, &prog, &r,
                                              err);
    cli_progress_end(c);
    if (r == NULL)
        return cli_fail(c, err);
    for (size_t i = 0; i < r->nfindings; i++)
        cli_warn(c, "%s: %s", o->ledger, r->findings[i].message);
    const char *root = r->root_b64;
    if (o->json) { /* -q keeps the document */
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
        json_t *lj = json_array();
        for (size_t i = 0; i < r->nlate; i++)
            json_array_append_new(lj, json_integer((json_int_t)r->late[i]));
        json_object_set_new(j, "checkpoints", cj);
        json_object_set_new(j, "signers", sj);
        json_object_set_new(j, "recorded_late", lj);
        cli_print_json_doc(j);
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
        /* Not a finding: the act times are claims, the recording order is the chain's. */
        for (size_t i = 0; i < r->nlate; i++)
            printf("%s entry %" PRIu64 " recorded late (its act time is earlier than an act "
                   "recorded before it; the ledger keeps recording order)\n",
                   i == 0 ? "late:      " : "           ", r->late[i]);
        printf("result:     %s%s\n", r->status == CUSTOS_OK ? "OK" : "FAILED: ",
               r->status == CUSTOS_OK ? "" : custos_status_name(r->status));
    }
    custos_ledger_report_free(r);
    return custos_exit_code(rc);
}

int
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
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : cli_fail(c, err);
}

int
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
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : cli_fail(c, err);
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

/* With --json, the document gains the common result key "status" (-q keeps it). */
static int
print_text(struct cli *c, const struct options *o, const char *text, int status)
{
    if (o->json) {
        json_t *j = json_loads(text, 0, NULL);
        if (j == NULL || !json_is_object(j)) {
            json_decref(j);
            return cli_print_json(text);
        }
        if (json_object_get(j, "status") == NULL)
            json_object_set_new(j, "status", json_string(custos_status_name(status)));
        cli_print_json_doc(j);
        return 0;
    }
    if (c->quiet)
        return 0;
    fputs(text, stdout);
    return 0;
}

/*
 * show, form and label take no operand and, of the entry fields, only
 * --item: 0 when so, else the usage exit code.
 */
static int
item_only(struct cli *c, const struct options *o)
{
    const char *item = ledger_field_value(o, "item");
    for (size_t i = 0; i < o->nfields; i++)
        if (o->fields[i] != NULL && o->fields[i] != item)
            return cli_usage(c,
                             "%s takes --item ID; other entry fields belong to open, "
                             "add and propose",
                             o->cmd);
    if (o->nargs != 0)
        return cli_usage(c, "%s: unexpected argument %s", o->cmd, o->args[0]);
    return 0;
}

int
cmd_show(struct cli *c, struct options *o, const char *arg, struct custos_error *err)
{
    int usage = item_only(c, o);
    if (usage != 0)
        return usage;
    if (o->ledger == NULL)
        return cli_usage(c, "show: missing -l LEDGER");
    struct custos_custody *m = NULL;
    char *text = NULL;
    int rc = load_model(c, o->ledger, o->checkpoint, &m, err);
    if (m == NULL)
        return cli_fail(c, err);
    int status = rc;
    rc = custos_custody_show(m, ledger_field_value(o, "item"), o->json ? CUSTOS_CUSTODY_JSON : 0,
                             &text, err);
    if (rc == CUSTOS_OK)
        print_text(c, o, text, status);
    else
        cli_error(c, err);
    if (rc == CUSTOS_OK && status == CUSTOS_E_INCOMPLETE)
        cli_warn(c, "%s: %zu signature%s still owed (attest entries are due)", o->ledger,
                 m->npending, m->npending == 1 ? " is" : "s are");
    free(text);
    custos_custody_free(m);
    return custos_exit_code(rc != CUSTOS_OK ? rc : status);
}

int
cmd_status(struct cli *c, struct options *o, const char *arg, struct custos_error *err)
{
    if (ledger_any_fields(o))
        return cli_usage(c, "entry fields belong to open, add and propose");
    char **paths = o->args;
    size_t npaths = o->nargs;
    size_t n = npaths + (o->ledger != NULL);
    if (n == 0)
        return cli_usage(c, "status: give one or more ledgers (-l LEDGER or LEDGER...)");
    time_t now = time(NULL);
    int64_t t = 0;
    if (o->time != NULL) {
        if (custos_time_rfc3339_parse(o->time, 0, &t, NULL) != CUSTOS_OK)
            return cli_usage(c, "status: --time must be RFC 3339, e.g. 2026-11-20T17:00:00+08:00");
        now = (time_t)t;
    }
    struct custos_custody **ms = calloc(n, sizeof(*ms));
    if (ms == NULL) {
        custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        return cli_fail(c, err);
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
        int rc = custos_custody_status_lang((const struct custos_custody *const *)ms, have, now,
                                            o->json ? CUSTOS_CUSTODY_JSON : 0, o->lang, &text, err);
        if (rc != CUSTOS_OK) {
            worst = custos_status_worst(worst, rc);
            cli_error(c, err);
        }
        for (size_t i = 0; i < have; i++) {
            int od = custos_custody_overdue(ms[i], now);
            if (od > 0) {
                cli_warn(c, "%s: case %s: %d deadline%s passed while the case is open", ms[i]->path,
                         ms[i]->case_id, od, od == 1 ? "" : "s");
                worst = custos_status_worst(worst, CUSTOS_E_MISMATCH); /* exit 1 */
            }
        }
        if (rc == CUSTOS_OK)
            print_text(c, o, text, worst);
    }
    free(text);
    for (size_t i = 0; i < have; i++)
        custos_custody_free(ms[i]);
    free(ms);
    return custos_exit_code(worst);
}

int
cmd_export(struct cli *c, struct options *o, const char *arg, struct custos_error *err)
{
    if (o->ledger == NULL || o->output == NULL)
        return cli_usage(c, "export: needs -l LEDGER and -o DIR");
    struct custos_custody *m = NULL;
    int rc = load_model(c, o->ledger, o->checkpoint, &m, err);
    if (m == NULL)
        return cli_fail(c, err);
    int status = rc;
    rc = custos_custody_export_lang(m, o->output, o->lang, err);
    if (rc == CUSTOS_OK && (!c->quiet || o->json)) { /* -q keeps the --json document */
        if (o->json) {
            json_t *j = json_pack(
                "{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:I}", "status", custos_status_name(status),
                "ledger", o->ledger, "output", o->output, "case", m->case_id, "entries",
                (json_int_t)m->report->entries, "head", m->report->head, "root",
                m->report->root_b64, "pending_signatures", (json_int_t)m->npending);
            cli_print_json_doc(j);
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
        return cli_fail(c, err);
    return custos_exit_code(status);
}

int
cmd_form(struct cli *c, struct options *o, const char *arg, struct custos_error *err)
{
    int label = strcmp(o->cmd, "label") == 0, usage = item_only(c, o);
    const char *item = ledger_field_value(o, "item");
    if (usage != 0)
        return usage;
    if (label && item == NULL)
        return cli_usage(c, "label: needs --item ID");
    if (o->ledger == NULL || o->output == NULL)
        return cli_usage(c, "%s: needs -l LEDGER and -o FILE.pdf", label ? "label" : "form");
    struct custos_custody *m = NULL;
    int rc = load_model(c, o->ledger, o->checkpoint, &m, err);
    if (m == NULL)
        return cli_fail(c, err);
    int status = rc;
    char generated[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(generated, sizeof(generated), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    rc = label ? custos_custody_label_pdf(m, item, o->lang, o->output, err)
               : custos_custody_form_pdf(m, item, o->lang, generated, o->output, err);
    if (rc == CUSTOS_OK && !c->quiet) {
        if (o->json) {
            json_t *j = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:I}", "ledger", o->ledger, "output",
                                  o->output, "case", m->case_id, "item", item, "lang",
                                  o->lang == CUSTOS_LANG_ZH_TW ? "zh-TW" : "en",
                                  "pending_signatures", (json_int_t)m->npending);
            cli_print_json_doc(j);
        } else {
            printf("%s: %s of case %s%s%s (%" PRIu64 " entries, head %.16s)\n", o->output,
                   label ? "evidence-bag label" : "chain-of-custody form", m->case_id,
                   item ? ", item " : "", item ? item : "", m->report->entries, m->report->head);
        }
    }
    if (rc == CUSTOS_OK && status == CUSTOS_E_INCOMPLETE)
        cli_warn(c, "%s: the form shows %zu signature%s still owed", o->ledger, m->npending,
                 m->npending == 1 ? "" : "s");
    custos_custody_free(m);
    if (rc != CUSTOS_OK)
        return cli_fail(c, err);
    return custos_exit_code(status);
}
