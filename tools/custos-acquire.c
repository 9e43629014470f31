/* SPDX-License-Identifier: ISC */
/*
 * custos-acquire: image a block device, file or stream to raw or E01, hashing
 * in the same pass (libcustos acquire.h does the work). The options are
 * parsed and checked in acquire-options.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <custos/custos.h>
#include <jansson.h>

#include "acquire-options.h"
#include "cli.h"

/* Warns about a source that may change under us; the record keeps the facts. */
static void
inspect_source(struct cli *c, const char *path)
{
    struct custos_source *s;
    struct custos_error err;
    if (custos_source_open(&s, path, &err) != CUSTOS_OK)
        return; /* custos_acquire reports it */
    const struct custos_source_info *i = custos_source_info(s);
    if (i->mounted_rw)
        cli_warn(c, "warning: %s is mounted read-write at %s: it may change while it is read", path,
                 i->mount_point);
    else if (i->kind == CUSTOS_SOURCE_BLOCK && !i->read_only)
        cli_warn(c,
                 "note: %s is not write-protected by the kernel (blockdev --setro); "
                 "custos only reads it",
                 path);
    custos_source_free(s);
}

static void
print_human(const struct custos_acquisition *a, const char *source, const struct custos_key *signer)
{
    char size[32], hex[CUSTOS_DIGEST_HEX_MAX];
    uint64_t bytes = custos_acquisition_bytes(a);
    double secs = custos_acquisition_seconds(a);
    custos_format_bytes(bytes, size, sizeof(size));
    printf("acquired %s (%llu bytes) from %s in %.1f s (%.1f MB/s)\n", size,
           (unsigned long long)bytes, source, secs, secs > 0 ? (double)bytes / secs / 1e6 : 0.0);
    const struct custos_digest_result *d = custos_acquisition_digests(a);
    static const unsigned order[] = {CUSTOS_DIGEST_MD5, CUSTOS_DIGEST_SHA1, CUSTOS_DIGEST_SHA256};
    for (int i = 0; i < 3; i++)
        if (custos_digest_hex(d, order[i], hex) == CUSTOS_OK)
            printf("  %-7s %s\n", custos_digest_name(order[i]), hex);
    size_t nbad;
    const struct custos_bad_range *bad = custos_acquisition_bad_ranges(a, &nbad);
    uint64_t sectors = 0;
    for (size_t i = 0; i < nbad; i++)
        sectors += bad[i].sector_count;
    if (nbad == 0) {
        printf("  read errors: none\n");
    } else {
        printf("  read errors: %llu sectors of %u bytes in %zu ranges, zero-filled:\n",
               (unsigned long long)sectors, custos_acquisition_sector_bytes(a), nbad);
        for (size_t i = 0; i < nbad && i < 20; i++) {
            const char *files = custos_acquisition_bad_range_files(a, i);
            printf("    sectors %llu-%llu%s%s\n", (unsigned long long)bad[i].first_sector,
                   (unsigned long long)(bad[i].first_sector + bad[i].sector_count - 1),
                   files ? ": " : "", files ? files : "");
        }
        if (nbad > 20)
            printf("    ... %zu more ranges in the record\n", nbad - 20);
    }
    printf("  verification: %s\n", custos_acquisition_verified(a)
                                       ? "the written image was re-read and matches"
                                       : "not performed (--no-verify)");
    size_t nfiles, nout;
    const char *const *files = custos_acquisition_files(a, &nfiles);
    for (size_t i = 0; i < nfiles; i++)
        printf("  image:  %s\n", files[i]);
    const struct custos_acquisition_output *out = custos_acquisition_outputs(a, &nout);
    for (size_t i = 0; nout > 1 && i < nout; i++)
        printf("  output %zu: %s: %s%s\n", i + 1, out[i].output,
               out[i].status != CUSTOS_OK ? "FAILED, not published: "
               : out[i].verified          ? "verified, published with "
                                          : "published with ",
               out[i].status != CUSTOS_OK ? out[i].error : out[i].record_path);
    printf("  record: %s\n", custos_acquisition_record_path(a));
    if (signer != NULL && custos_acquisition_signature_path(a) != NULL)
        printf("  signed: %s by %s (%s)\n", custos_acquisition_signature_path(a),
               custos_key_name(signer), custos_key_fingerprint(signer));
}

/* Appends the `acquire` entry for a published image, shown to its signers first. */
static int
ledger_append(struct cli *c, const struct options *o, struct custos_ledger *l,
              struct cli_parties *p, const struct custos_acquisition *a, struct custos_error *err)
{
    char *fields = NULL;
    int rc = custos_acquisition_ledger_fields(a, o->custody.item, &fields, err);
    if (rc == CUSTOS_OK)
        rc = cli_custody_record(c, &o->custody, l, "acquire", fields, p, !o->json, err);
    free(fields);
    return rc;
}

/*
 * With a ledger, the case's facts are the ledger's: the case number and
 * authorisation of its open entry (a given value must match, so an image
 * never names another case or warrant), and by default the item's
 * description from its collect entry.
 */
static int
take_ledger_facts(struct options *o, struct cli_case_facts *f, struct custos_error *err)
{
    struct custos_acquire_options *a = &o->acq;
    const char *l = o->custody.ledger;
    int rc = cli_case_facts_load(l, o->custody.item, f, err);
    if (rc == CUSTOS_OK)
        rc = cli_fact_match(l, "--case", a->case_number, f->case_id, &a->case_number, err);
    if (rc == CUSTOS_OK)
        rc = cli_fact_match(l, "--authorisation", a->authorisation, f->authorisation,
                            &a->authorisation, err);
    if (rc == CUSTOS_OK)
        rc = cli_fact_match(l, "--description", a->description, f->description, &a->description,
                            err);
    if (rc == CUSTOS_OK && a->evidence_number == NULL)
        a->evidence_number = o->custody.item;
    return rc;
}

/*
 * --resume with --ledger: the record will carry the interrupted run's case
 * facts (its journal's), so each that the ledger knows must be the ledger's,
 * as take_ledger_facts would have made it, and the item (by default the
 * journal's evidence number) must be that evidence number. *journal keeps the
 * strings o->acq points to.
 */
static int
take_resumed_facts(struct options *o, struct cli_case_facts *f, json_t **journal,
                   struct custos_error *err)
{
    char *text = NULL;
    int rc = custos_acquire_resume_options(o->resume, &text, err);
    if (rc != CUSTOS_OK)
        return rc;
    *journal = json_loads(text, 0, NULL);
    free(text);
    if (*journal == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    struct custos_acquire_options *a = &o->acq;
    static const char *names[] = {"case number", "authorisation", "description", "evidence number"};
    static const char *keys[] = {"case_number", "authorisation", "description", "evidence_number"};
    const char **vals[] = {&a->case_number, &a->authorisation, &a->description,
                           &a->evidence_number};
    for (size_t i = 0; i < 4; i++)
        *vals[i] = json_string_value(json_object_get(*journal, keys[i]));
    if (json_is_true(json_object_get(*journal, "no_authorisation")))
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, o->resume,
                                "the interrupted run was made with --no-authorisation, which an "
                                "acquisition recorded in a ledger never is; nothing was resumed");
    if (o->custody.item == NULL)
        o->custody.item = a->evidence_number;
    if (o->custody.item == NULL)
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, o->resume,
                                "the interrupted run has no evidence number, which an acquisition "
                                "recorded in a ledger always has; nothing was resumed");
    rc = cli_case_facts_load(o->custody.ledger, o->custody.item, f, err);
    const char *want[] = {f->case_id, f->authorisation, f->description, o->custody.item};
    for (size_t i = 0; rc == CUSTOS_OK && i < 4; i++)
        if (want[i] != NULL && (*vals[i] == NULL || strcmp(*vals[i], want[i]) != 0))
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, o->resume,
                                  "the interrupted run's %s (%s%s%s) is not \"%s\", which %s "
                                  "gives: its record cannot join this ledger; nothing was resumed",
                                  names[i], *vals[i] ? "\"" : "", *vals[i] ? *vals[i] : "none",
                                  *vals[i] ? "\"" : "", want[i],
                                  i == 3 ? "--item" : o->custody.ledger);
    return rc;
}

int
main(int argc, char **argv)
{
    struct cli c;
    struct options o;
    struct custos_error err;
    struct custos_acquisition *a = NULL;
    struct custos_ledger *ledger = NULL;
    struct cli_parties parties = {0};
    struct custos_key *own_key = NULL; /* --key without --ledger */
    json_t *journal = NULL;            /* --resume --ledger: the interrupted run's options */
    cli_init(&c, "custos-acquire");
    memset(&o, 0, sizeof(o));
    cli_custody_init(&o.custody);
    custos_acquire_options_init(&o.acq);
    custos_error_clear(&err);
    /* Before getopt permutes argv. */
    char *cmdline = cli_command_line(argc, argv);
    int rc = acquire_parse_options(&c, &o, argc, argv);
    if (rc != CLI_CONTINUE) {
        free(cmdline);
        return rc;
    }
    o.acq.command_line = cmdline;
    /* Killed runs' temporary outputs (none listed with --resume: it takes one up). */
    for (size_t i = 0; i < o.noutputs; i++)
        custos_leftovers_warn(c.prog, o.outputs[i], stderr);

    int status = CUSTOS_OK;
    struct cli_case_facts facts = {0};
    if (o.custody.ledger != NULL) {
        /* Everything knowable is checked before a passphrase is asked or a byte
         * read: the policy (the probe stands in for the record's hash), the
         * case's facts, the outputs. With --collect the acquire entry can be
         * dry-run only once the collect entry exists: the collect entry is,
         * and the acquire entry's parties are checked against the policy.
         * Resuming, the facts are the journal's, and the item defaults to its
         * evidence number: they come first. */
        if (o.resume)
            status = take_resumed_facts(&o, &facts, &journal, &err);
        json_t *j = json_pack("{s:s, s:s, s:s}", "item", o.custody.item, "record", "(pending)",
                              "record_sha256", CLI_ZERO_SHA256_HEX);
        char *probe = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        char *collect = o.collect ? acquire_collect_fields(&o) : NULL;
        if (status == CUSTOS_OK)
            status = cli_custody_prepare(&o.custody, "custodian", o.collect ? "collect" : "acquire",
                                         o.collect ? collect : probe, &ledger, &parties, &err);
        if (status == CUSTOS_OK && o.collect)
            status = cli_parties_fit("acquire", &parties, &err);
        if (status == CUSTOS_OK && !o.resume)
            status = take_ledger_facts(&o, &facts, &err);
        free(probe);
        if (status == CUSTOS_OK && !o.resume)
            status = custos_acquire_check(&o.acq, &err);
        /* The custodian's key now, so a mistyped passphrase cannot waste an
         * acquisition; the others sign after the digests exist. */
        if (status == CUSTOS_OK)
            status = cli_parties_unlock(&o.custody.signers, &parties, 0, &err);
        if (status == CUSTOS_OK)
            o.acq.record_key = parties.key[0];
        /* The collection happened: its entry stands even if imaging fails. */
        if (status == CUSTOS_OK && o.collect)
            status = cli_custody_record(&c, &o.custody, ledger, "collect", collect, &parties,
                                        !o.json, &err);
        free(collect);
    } else if (o.custody.key != NULL) {
        /* Only the record is signed: the outputs are checked first, then the key. */
        status = o.resume ? CUSTOS_OK : custos_acquire_check(&o.acq, &err);
        if (status == CUSTOS_OK)
            status = cli_load_private_key(&o.custody.signers, 0, o.custody.key, &own_key, &err);
        o.acq.record_key = own_key;
    }
    if (status != CUSTOS_OK) {
        cli_error(&c, &err);
        goto out;
    }
    if (o.resume == NULL)
        inspect_source(&c, o.acq.source);
    struct custos_progress prog = cli_progress(&c);
    cli_progress_start(&c);
    if (o.resume != NULL)
        status = custos_acquire_resume(o.resume, o.acq.source, o.acq.record_key, &prog, &a, &err);
    else
        status = custos_acquire(&o.acq, &prog, &a, &err);
    cli_progress_end(&c);
    if (a == NULL) {
        cli_error(&c, &err);
        goto out;
    }
    if (o.json)
        cli_print_json(custos_acquisition_record_json(a));
    else if (!c.quiet || status != CUSTOS_OK)
        print_human(a, o.acq.source ? o.acq.source : "the interrupted run's medium",
                    o.acq.record_key);
    if (status != CUSTOS_OK)
        cli_error(&c, &err);
    /* An image with mapped read errors, or published while another copy
     * failed, is still an acquisition to record. */
    if (ledger != NULL &&
        (status == CUSTOS_OK || status == CUSTOS_E_INCOMPLETE || status == CUSTOS_E_PARTIAL)) {
        struct custos_error lerr;
        custos_error_clear(&lerr);
        int lrc = ledger_append(&c, &o, ledger, &parties, a, &lerr);
        if (lrc != CUSTOS_OK) {
            cli_error(&c, &lerr);
            cli_warn(&c,
                     "%s: the image and its record are kept; the ledger entry was not "
                     "appended",
                     o.acq.output);
            status = custos_status_worst(status, lrc);
        }
    }
out:
    cli_case_facts_free(&facts);
    json_decref(journal);
    custos_ledger_free(ledger);
    cli_parties_free(&parties);
    custos_key_free(own_key);
    custos_acquisition_free(a);
    free(cmdline);
    return custos_exit_code(status);
}
