/* SPDX-License-Identifier: ISC */
/*
 * custos-hash: manifests of files, and of the files inside disk images, and
 * audits against them. Argument parsing and printing only; the work is
 * custos_tree_hash, custos_fs_hash, custos_hashset_* and custos_audit_* in
 * libcustos. The options are parsed and checked in hash-options.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <custos/custos.h>
#include <custos/fs.h>

#include "cli.h"
#include "hash-options.h"

/* Flags entries found in the sets; returns a status (USAGE for a set that cannot apply). */
static int
apply_sets(struct cli *c, struct custos_manifest *m, const char *const *names, size_t n,
           unsigned flag)
{
    struct custos_error err;
    for (size_t s = 0; s < n; s++) {
        int rc = custos_hashset_flag_manifest(m, names[s], flag, &err);
        if (rc != CUSTOS_OK) {
            cli_error(c, &err);
            return rc;
        }
    }
    return CUSTOS_OK;
}

static int
hash_source(struct cli *c, const struct options *o, struct custos_manifest *m)
{
    struct custos_error err;
    struct custos_progress p = cli_progress(c);
    int rc;
    custos_error_clear(&err);
    cli_progress_start(c);
    rc = custos_manifest_hash_source(m, o->image, (const char *const *)o->paths, o->npaths,
                                     &o->hash, &p, &err);
    cli_progress_end(c);
    if (rc != CUSTOS_OK && rc != CUSTOS_E_INCOMPLETE) {
        cli_error(c, err.status != CUSTOS_OK ? &err : custos_manifest_error(m));
        return rc;
    }
    /* Every unreadable entry is reported, not only the first. */
    for (size_t i = 0; i < custos_manifest_count(m); i++) {
        const struct custos_manifest_entry *e = custos_manifest_entry(m, i);
        if (e->status != CUSTOS_OK)
            cli_warn(c, "%s", e->error != NULL ? e->error : "unreadable");
    }
    for (size_t i = 0; i < custos_manifest_volumes_unread(m); i++)
        cli_warn(c, "%s", custos_manifest_volume_unread_error(m, i));
    return rc;
}

static int
cmd_manifest(struct cli *c, struct options *o)
{
    struct custos_manifest *m = NULL;
    struct custos_error err;
    struct custos_ledger *ledger = NULL;
    struct cli_parties parties = {0};
    struct custos_key *own_key = NULL;
    const struct custos_key *signer = NULL;
    int rc = custos_manifest_new(&m, o->algs != 0 ? o->algs : CUSTOS_DIGEST_SHA256, &err);
    if (rc != CUSTOS_OK) {
        cli_error(c, &err);
        return custos_exit_code(rc);
    }
    bool to_stdout = strcmp(o->output, "-") == 0;
    struct stat sb;
    int st = CUSTOS_OK;
    char sigpath[4096];
    snprintf(sigpath, sizeof(sigpath), "%s%s", o->signature ? o->signature : o->output,
             o->signature ? "" : ".sig");
    /* Refuse existing outputs before the long part; _save refuses again, atomically. */
    const char *exists = !to_stdout && lstat(o->output, &sb) == 0             ? o->output
                         : o->custody.key != NULL && lstat(sigpath, &sb) == 0 ? sigpath
                                                                              : NULL;
    if (exists != NULL) {
        st = custos_error_set(&err, CUSTOS_E_REFUSED, 0, exists,
                              "already exists; refusing to overwrite");
        cli_error(c, &err);
        goto out;
    }
    /* An operand that names nothing is a usage error, before any key. */
    if (o->image == NULL && (st = custos_tree_check_operands((const char *const *)o->paths,
                                                             o->npaths, &err)) != CUSTOS_OK) {
        cli_error(c, &err);
        goto out;
    }
    /* Keys, passphrases and the ledger's policy before the long part. */
    if (o->custody.ledger != NULL) {
        char *probe = NULL;
        st = custos_manifest_ledger_fields(o->custody.item, NULL, &probe, &err);
        if (st == CUSTOS_OK)
            st = cli_custody_prepare(&o->custody, CUSTOS_ROLE_CUSTODIAN, CUSTOS_ACTION_ACQUIRE,
                                     probe, &ledger, &parties, &err);
        free(probe);
        /* The custodian signs the manifest too: their key now; others after hashing. */
        if (st == CUSTOS_OK)
            st = cli_parties_unlock(&o->custody.signers, &parties, 0, &err);
        signer = parties.key[0];
    } else if (o->custody.key != NULL) {
        st = cli_load_private_key(&o->custody.signers, 0, o->custody.key, &own_key, &err);
        signer = own_key;
    }
    if (st != CUSTOS_OK) {
        cli_error(c, &err);
        goto out;
    }
    st = hash_source(c, o, m);
    if (st != CUSTOS_OK && st != CUSTOS_E_INCOMPLETE)
        goto out;
    rc = apply_sets(c, m, o->known, o->nknown, CUSTOS_ENTRY_KNOWN);
    if (rc == CUSTOS_OK)
        rc = apply_sets(c, m, o->notable, o->nnotable, CUSTOS_ENTRY_NOTABLE);
    if (rc != CUSTOS_OK) {
        st = rc;
        goto out;
    }
    rc = to_stdout ? custos_manifest_write_fd(m, o->format, STDOUT_FILENO)
                   : custos_manifest_save(m, o->output, o->format);
    if (rc != CUSTOS_OK) {
        cli_error(c, custos_manifest_error(m));
        st = rc;
        goto out;
    }
    /* The manifest is published: a failure below leaves it and says why. */
    if (signer != NULL) {
        rc = custos_sign_file(signer, CUSTOS_PURPOSE_MANIFEST, o->output, sigpath, &err);
        if (rc == CUSTOS_OK && !o->json && !c->quiet)
            printf("signed: %s by %s (%s)\n", sigpath, custos_key_name(signer),
                   custos_key_fingerprint(signer));
        if (rc != CUSTOS_OK) {
            cli_error(c, &err);
            st = custos_status_worst(st, rc);
        }
    }
    if (ledger != NULL && rc == CUSTOS_OK) {
        /* The `acquire` entry of a logical acquisition: the manifest is the record. */
        char *fields = NULL;
        rc = custos_manifest_ledger_fields(o->custody.item, o->output, &fields, &err);
        if (rc == CUSTOS_OK)
            rc = cli_custody_record(c, &o->custody, ledger, CUSTOS_ACTION_ACQUIRE, fields, &parties,
                                    !o->json && !c->quiet, &err);
        free(fields);
        if (rc != CUSTOS_OK) {
            cli_error(c, &err);
            st = custos_status_worst(st, rc);
        }
    }
    struct custos_manifest_totals t;
    custos_manifest_totals(m, &t);
    FILE *out = to_stdout ? stderr : stdout;
    if (o->json) {
        char *s = NULL;
        if (custos_manifest_report_json(m, st, o->output, &s) == CUSTOS_OK)
            cli_print_json(s);
        free(s);
        goto out;
    }
    for (size_t i = 0; i < custos_manifest_count(m); i++) {
        const struct custos_manifest_entry *e = custos_manifest_entry(m, i);
        char name[2200];
        custos_manifest_entry_display(e, name, sizeof(name));
        if (e->flags & CUSTOS_ENTRY_NOTABLE) /* a finding: shown even with -q */
            fprintf(out, "notable: %s\n", name);
    }
    if (c->quiet && st == CUSTOS_OK) /* a run that found something still says what */
        goto out;
    char b[32];
    custos_format_bytes(t.bytes, b, sizeof(b));
    fprintf(out, "%llu files (%s) hashed, %llu symlinks, %llu special skipped, %llu unreadable",
            (unsigned long long)t.files, b, (unsigned long long)t.symlinks,
            (unsigned long long)t.special, (unsigned long long)t.unreadable);
    if (custos_manifest_volumes_unread(m) > 0)
        fprintf(out, "; %zu volumes not fully read", custos_manifest_volumes_unread(m));
    if (o->nknown + o->nnotable > 0)
        fprintf(out, "; %llu known, %llu notable", (unsigned long long)t.known,
                (unsigned long long)t.notable);
    fprintf(out, "\n");
out:
    custos_manifest_free(m);
    custos_ledger_free(ledger);
    cli_parties_free(&parties);
    custos_key_free(own_key);
    return custos_exit_code(st);
}

static int
cmd_audit(struct cli *c, struct options *o)
{
    struct custos_manifest *ref = NULL, *cur = NULL;
    struct custos_audit *a = NULL;
    struct custos_error err;
    int st;
    if (o->signer != NULL) {
        /* An audit against a forged manifest proves nothing: check it first. */
        struct custos_key *pub = NULL;
        char sigpath[4096];
        snprintf(sigpath, sizeof(sigpath), "%s%s", o->signature ? o->signature : o->audit,
                 o->signature ? "" : ".sig");
        st = custos_key_load_public(&pub, o->signer, &err);
        if (st == CUSTOS_OK)
            st = custos_sign_verify_file(pub, CUSTOS_PURPOSE_MANIFEST, o->audit, sigpath, &err);
        if (st == CUSTOS_OK && !o->json && !c->quiet)
            printf("manifest: %s signed by %s (%s): good signature\n", o->audit,
                   custos_key_name(pub), custos_key_fingerprint(pub));
        custos_key_free(pub);
        if (st != CUSTOS_OK) {
            cli_error(c, &err);
            return custos_exit_code(st);
        }
    }
    st = custos_manifest_load(&ref, o->audit, &err);
    if (st != CUSTOS_OK) {
        cli_error(c, &err);
        return custos_exit_code(st);
    }
    unsigned algs = o->algs != 0 ? o->algs : custos_manifest_algs(ref);
    st = custos_manifest_new(&cur, algs, &err);
    if (st != CUSTOS_OK) {
        cli_error(c, &err);
        goto out;
    }
    st = hash_source(c, o, cur);
    if (st != CUSTOS_OK && st != CUSTOS_E_INCOMPLETE)
        goto out;
    int rc = custos_audit_run(&a, ref, cur, &err);
    if (rc != CUSTOS_OK) {
        cli_error(c, &err);
        st = rc;
        goto out;
    }
    st = custos_status_worst(st, custos_audit_status(a));
    struct custos_audit_totals t;
    custos_audit_totals(a, &t);
    unsigned alg = CUSTOS_DIGEST_SHA256;
    while (alg != 0 && !(algs & custos_manifest_algs(ref) & alg))
        alg >>= 1;
    if (o->json) {
        char *s = NULL;
        if (custos_audit_report_json(a, st, o->audit, &s) == CUSTOS_OK)
            cli_print_json(s);
        free(s);
    } else if (!c->quiet || st != CUSTOS_OK) { /* findings are shown even with -q */
        char line[4800];
        for (size_t i = 0; i < custos_audit_count(a); i++) {
            custos_audit_item_line(custos_audit_item(a, i), alg, line, sizeof(line));
            if (line[0] != '\0')
                printf("%s\n", line);
        }
        printf("audit: %zu in manifest, %zu examined: %zu matched, %zu changed, %zu missing, "
               "%zu new, %zu moved, %zu unreadable\n",
               t.reference, t.current, t.count[CUSTOS_AUDIT_MATCHED], t.count[CUSTOS_AUDIT_CHANGED],
               t.count[CUSTOS_AUDIT_MISSING], t.count[CUSTOS_AUDIT_NEW],
               t.count[CUSTOS_AUDIT_MOVED], t.count[CUSTOS_AUDIT_UNREADABLE]);
    }
out:
    custos_audit_free(a);
    custos_manifest_free(cur);
    custos_manifest_free(ref);
    return custos_exit_code(st);
}

int
main(int argc, char **argv)
{
    struct cli c;
    struct options o;
    memset(&o, 0, sizeof(o));
    cli_custody_init(&o.custody);
    o.format = CUSTOS_MANIFEST_JSON;
    cli_init(&c, "custos-hash");
    int rc = hash_parse_options(&c, &o, argc, argv);
    if (rc != CLI_CONTINUE)
        return rc;
    if (o.audit != NULL)
        return cmd_audit(&c, &o);
    return cmd_manifest(&c, &o);
}
