/* SPDX-License-Identifier: ISC */
/*
 * ledger-audit.c: custos-ledger audit, the legal team's one command: the
 * ledger and every artifact it names, in one table (case_audit.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custos/case_audit.h"
#include "ledger-cmd.h"

static const char *
result_word(int status)
{
    switch (status) {
    case CUSTOS_OK:
        return "OK";
    case CUSTOS_E_MISMATCH:
        return "CHANGED";
    case CUSTOS_E_INCOMPLETE:
        return "MISSING";
    case CUSTOS_E_CORRUPT:
        return "DAMAGED";
    case CUSTOS_E_UNTRUSTED:
        return "UNTRUSTED";
    default:
        return "FAILED";
    }
}

int
cmd_audit(struct cli *c, struct options *o, const char *dir_arg, struct custos_error *err)
{
    if (o->nargs > 1 || ledger_any_fields(o))
        return cli_usage(c, "audit takes -l LEDGER and at most one case directory");
    if (o->ledger == NULL)
        return cli_usage(c, "audit: missing -l LEDGER");
    /* The case directory: the operand, or the ledger's own directory. */
    char dir[4096];
    if (dir_arg != NULL) {
        snprintf(dir, sizeof(dir), "%s", dir_arg);
    } else {
        snprintf(dir, sizeof(dir), "%s", o->ledger);
        char *slash = strrchr(dir, '/');
        if (slash == NULL)
            snprintf(dir, sizeof(dir), ".");
        else
            *slash = '\0';
    }
    struct custos_case_audit *a = NULL;
    struct custos_progress prog = cli_progress(c);
    cli_progress_start(c);
    int rc = custos_case_audit_run(o->ledger, dir, o->checkpoints, o->ncheckpoints, &prog, &a, err);
    cli_progress_end(c);
    if (a == NULL)
        return cli_fail(c, err);
    if (o->json) { /* -q keeps the document */
        json_t *rows = json_array();
        for (size_t i = 0; i < a->nrows; i++) {
            const struct custos_case_audit_row *r = &a->rows[i];
            json_array_append_new(
                rows, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "entry",
                                (json_int_t)r->seq, "action", r->action, "item", r->item, "kind",
                                r->kind, "artifact", r->artifact, "recorded_sha256", r->recorded,
                                "result", result_word(r->status), "note", r->note));
        }
        cli_print_json_doc(json_pack("{s:s, s:s, s:I, s:I, s:s, s:o, s:s}", "ledger", o->ledger,
                                     "directory", dir, "entries", (json_int_t)a->entries,
                                     "checkpoints", (json_int_t)a->ncheckpoints, "ledger_status",
                                     custos_status_name(a->ledger_status), "artifacts", rows,
                                     "status", custos_status_name(a->status)));
    } else if (!c->quiet) {
        printf("ledger:    %s, %llu entries, %s%s\n", o->ledger, (unsigned long long)a->entries,
               a->ledger_status == CUSTOS_OK ? "verified" : "verified, signatures still owed",
               a->ncheckpoints ? " against its checkpoints" : "");
        printf("artifacts: below %s\n\n", dir);
        printf("%-10s %-6s %-8s %-9s %-40s %-18s %s\n", "ITEM", "ENTRY", "ACTION", "KIND",
               "ARTIFACT", "RECORDED SHA-256", "RESULT");
        for (size_t i = 0; i < a->nrows; i++) {
            const struct custos_case_audit_row *r = &a->rows[i];
            printf("%-10s %-6llu %-8s %-9s %-40s %-18.16s %s\n", r->item[0] ? r->item : "-",
                   (unsigned long long)r->seq, r->action, r->kind, r->artifact, r->recorded,
                   result_word(r->status));
            if (r->status != CUSTOS_OK)
                printf("           %s\n", r->note);
        }
        size_t bad = 0;
        for (size_t i = 0; i < a->nrows; i++)
            bad += a->rows[i].status != CUSTOS_OK;
        printf("\nresult:    %s: %zu of %zu artifacts check out\n",
               a->status == CUSTOS_OK ? "OK" : "NOT ALL CHECKED OUT", a->nrows - bad, a->nrows);
    }
    custos_case_audit_free(a);
    return custos_exit_code(rc);
}
