/* SPDX-License-Identifier: ISC */
/*
 * seal-check.c: custos-seal verify, extract and cosign: the package is
 * checked by libcustos (custos_seal_verify, _extract, _cosign); this file
 * checks the operands, loads the trusted keys and prints the report. A bag
 * without custos-seal/ is checked as BagIt only and reported unsigned.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include <custos/custos.h>
#include <custos/seal.h>
#include <custos/verify.h>

#include "cli.h"
#include "seal-create.h"

/* Prints the findings on stderr and the summary on stdout (or JSON). */
static void
print_report(struct cli *c, const struct options *o, const char *package,
             const struct custos_seal_report *r, const char *what)
{
    for (size_t i = 0; i < r->nfindings; i++)
        cli_warn(c, "%s: %s", package, r->findings[i].message);
    if (o->json) {
        char *s = custos_seal_report_json(r, package, what);
        cli_print_json(s);
        free(s);
        return;
    }
    if (c->quiet)
        return;
    printf("package:    %s (%s, bag %s)\n", package, custos_seal_format_name(r->format), r->base);
    printf("case:       %s, evidence %s, seal %s\n", r->case_id, r->evidence, r->seal_number);
    printf("authorised: %s\n", r->authorisation);
    printf("sealed:     %s by %s\n", r->sealed_at, r->custodian);
    printf("payload:    %" PRIu64 " files, %" PRIu64 " bytes (Payload-Oxum %" PRIu64 ".%" PRIu64
           ")\n",
           r->payload_files, r->payload_bytes, r->oxum_bytes, r->oxum_files);
    printf("tag manifest SHA-256: %s\n", r->tagmanifest_sha256);
    int anchored = 0;
    for (size_t i = 0; i < r->nsigners; i++) {
        const struct custos_seal_signer *g = &r->signers[i];
        anchored |= g->trusted && g->status == CUSTOS_OK;
        printf("signature:  %-9s %s %s: %s%s\n", g->role[0] ? g->role : "(unnamed)", g->fingerprint,
               g->name[0] ? g->name : "?",
               !g->present              ? "not signed yet"
               : g->status == CUSTOS_OK ? "good"
                                        : "BAD",
               g->trusted ? " (trusted key)" : "");
    }
    if (r->timestamp_present)
        printf("timestamp:  %s by %s, serial %s: %s\n", r->tstamp.gen_time,
               r->tstamp.tsa_name[0] ? r->tstamp.tsa_name : "?", r->tstamp.serial,
               r->timestamp_checked ? "verified against the TSA CA"
               : r->timestamp_status == CUSTOS_E_INCOMPLETE
                   ? "imprint matches; NOT CHECKED (no TSA CA)"
                   : "BAD");
    else
        printf("timestamp:  none\n");
    printf("result:     %s%s\n", r->status == CUSTOS_OK ? "OK" : custos_status_name(r->status),
           r->nfindings ? " (findings on stderr)" : "");
    if (r->status == CUSTOS_OK && !anchored && o->ntrust == 0)
        cli_warn(c,
                 "%s: signers checked against the keys the package names; compare their "
                 "fingerprints with the custody form, or give --trust KEY.pub",
                 package);
}

static int
load_trust(const struct options *o, struct custos_key **keys, struct custos_error *err)
{
    for (size_t i = 0; i < o->ntrust; i++) {
        int rc = custos_key_load_public(&keys[i], o->trust[i], err);
        if (rc != CUSTOS_OK)
            return rc;
    }
    return CUSTOS_OK;
}

/*
 * verify of a bag directory without custos-seal/: a foreign, unsigned bag.
 * It is checked as BagIt only (RFC 8493, through the verify module, the
 * same check as custos-verify -r BAG), and the answer says plainly that
 * nothing signed it: exit 4 whatever the bag's state, as for a package
 * whose signature is missing; the BagIt verdict is printed beside it.
 */
static int
check_unsigned_bag(struct cli *c, const struct options *o, const char *package,
                   struct custos_error *err)
{
    struct custos_verify *v = NULL;
    int rc = custos_verify_new(&v, package, err);
    const char *verdict = err->message;
    if (rc == CUSTOS_OK) {
        struct custos_verify_options vo;
        custos_verify_options_init(&vo);
        struct custos_progress prog = cli_progress(c);
        cli_progress_start(c);
        rc = custos_verify_run(v, NULL, &vo, &prog);
        cli_progress_end(c);
        verdict = custos_verify_summary(v)[0] ? custos_verify_summary(v)
                                              : custos_verify_error(v)->message;
        cli_warn_lines(c, package, custos_verify_warnings(v));
    }
    if (o->json) {
        json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:s}", "package", package, "signature", "none",
                              "checked_as", "BagIt (RFC 8493) only", "bagit_valid", rc == CUSTOS_OK,
                              "bagit", verdict);
        char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
        if (text)
            printf("%s\n", text);
        free(text);
        json_decref(j);
    } else {
        printf("package:    %s (a BagIt bag without custos-seal/: not sealed)\n", package);
        printf("signature:  none: nothing signed this bag; checked as BagIt (RFC 8493) only\n");
        printf("BagIt:      %s\n", verdict);
    }
    custos_verify_free(v);
    custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, package,
                     "not sealed: a BagIt bag that carries no signature (BagIt check: %s)",
                     rc == CUSTOS_OK ? "valid" : "NOT valid");
    cli_error(c, err);
    return custos_exit_code(CUSTOS_E_UNTRUSTED);
}

static int
check_package(struct cli *c, const struct options *o, const char *cmd, const char *package,
              struct custos_error *err)
{
    int is_extract = strcmp(cmd, "extract") == 0, is_cosign = strcmp(cmd, "cosign") == 0;
    char sealdir[4200];
    struct stat st;
    snprintf(sealdir, sizeof(sealdir), "%s/%s", package, CUSTOS_SEAL_DIR);
    if (strcmp(cmd, "verify") == 0 && stat(package, &st) == 0 && S_ISDIR(st.st_mode) &&
        lstat(sealdir, &st) != 0)
        return check_unsigned_bag(c, o, package, err);
    if (is_extract && o->output == NULL)
        return cli_usage(c, "extract: missing -o DIR");
    if (is_cosign && o->key == NULL)
        return cli_usage(c, "cosign: missing --key");
    if (!is_extract && o->output != NULL)
        return cli_usage(c, "%s: -o belongs to create and extract", cmd);
    struct custos_key *trusted[MAX_KEYS] = {0}, *key = NULL;
    struct custos_seal_report *r = NULL;
    char pub[4200];
    int rc = load_trust(o, trusted, err);
    if (rc == CUSTOS_OK && is_cosign) {
        rc = cli_load_private_key(&o->signers, 0, o->key, &key, err);
        snprintf(pub, sizeof(pub), "%s%s", o->key, CUSTOS_KEY_PUB_SUFFIX);
    }
    if (rc != CUSTOS_OK) {
        cli_error(c, err);
        goto out;
    }
    struct custos_progress prog = cli_progress(c);
    struct custos_seal_verify_options vo = {
        .trusted = (const struct custos_key *const *)trusted,
        .ntrusted = o->ntrust,
        .tsa_ca = o->tsa_ca,
        .max_entries = o->max_entries,
        .progress = &prog,
    };
    cli_progress_start(c);
    if (is_extract)
        rc = custos_seal_extract(package, o->output, &vo, &r, err);
    else if (is_cosign)
        rc = custos_seal_cosign(package, key, pub, &vo, &r, err);
    else
        rc = custos_seal_verify(package, &vo, &r, err);
    cli_progress_end(c);
    /* A successful cosign's report still shows the signature it was about to add: skip it. */
    if (r != NULL && !(is_cosign && rc == CUSTOS_OK))
        print_report(c, o, package, r, cmd);
    if (rc != CUSTOS_OK && (r == NULL || strcmp(cmd, "verify") != 0))
        cli_error(c, err);
    else if (rc == CUSTOS_OK && !c->quiet && !o->json) {
        if (is_extract)
            printf("extracted:  %s\n", o->output);
        if (is_cosign)
            printf("cosigned:   %s by %s (%s)\n", package, custos_key_name(key),
                   seal_short_fp(custos_key_fingerprint(key)));
    }
out:
    for (size_t i = 0; i < MAX_KEYS; i++)
        custos_key_free(trusted[i]);
    custos_key_free(key);
    custos_seal_report_free(r);
    return custos_exit_code(rc);
}

int
seal_check_main(struct cli *c, const struct options *o, const char *cmd, int nargs, char **args)
{
    struct custos_error err;
    custos_error_clear(&err);
    if (nargs != 1)
        return cli_usage(c, "%s: needs exactly one PACKAGE", cmd);
    if (o->case_id || o->evidence || o->seal || o->authorisation || o->organization ||
        o->description || o->tsa || o->ledger || o->format || o->signers.n || o->nparty ||
        o->key_by_sign)
        return cli_usage(c, "%s: sealing options belong to create", cmd);
    if (strcmp(cmd, "cosign") != 0 && o->key != NULL)
        return cli_usage(c, "%s: --key belongs to create and cosign", cmd);
    return check_package(c, o, cmd, args[0], &err);
}
