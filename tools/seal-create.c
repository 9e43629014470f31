/* SPDX-License-Identifier: ISC */
/*
 * seal-create.c: `custos-seal create`. Everything knowable before any
 * passphrase is checked first (the case's facts, the keys' enrolment and
 * the ledger's policy, the output); the custodian seals; the witnesses
 * present are shown the result, confirm and cosign; the ledger's seal
 * entry is committed last.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include <custos/custos.h>
#include <custos/seal.h>

#include "cli.h"
#include "seal-create.h"

/* One create run: what the steps below share. */
struct create {
    enum custos_seal_format fmt;
    const char *specs[MAX_KEYS + 1]; /* custodian=KEY, then each --sign */
    char custspec[4200];
    struct cli_parties p;
    struct custos_ledger *l;
    char *pubs[MAX_KEYS + 1]; /* KEY.pub of each spec */
    char *body;               /* the ledger entry proposed after sealing */
    struct cli_case_facts facts;
    const char *case_id, *auth, *desc;
    struct custos_seal_result res;
    uint64_t seq;
};

/* The usage checks of create: -1 when the options are fine, else the exit code. */
const char *
seal_short_fp(const char *fp)
{
    static char b[CUSTOS_KEY_FP_SHORT + 1];
    snprintf(b, sizeof(b), "%.*s", CUSTOS_KEY_FP_SHORT, fp);
    return b;
}

static int
check_usage(struct cli *c, const struct options *o, int npaths, struct create *k)
{
    if (o->key == NULL)
        return cli_usage(c, "create: missing --key (the custodian's key)");
    if (o->output == NULL)
        return cli_usage(c, "create: missing -o PACKAGE");
    custos_leftovers_warn(c->prog, o->output, stderr); /* killed runs' temporary outputs */
    if (npaths == 0)
        return cli_usage(c, "create: nothing to seal");
    if (o->evidence == NULL || o->seal == NULL)
        return cli_usage(c, "create: --evidence and --seal are required");
    if (o->ledger == NULL && (o->case_id == NULL || o->authorisation == NULL))
        return cli_usage(c, "create: --case and --authorisation are required (or --ledger, "
                            "whose they are)");
    if (o->tsa_ca != NULL && o->tsa == NULL)
        return cli_usage(c, "create: --tsa-ca needs --tsa");
    if (o->ntrust || o->max_entries)
        return cli_usage(c, "create: --trust and --max-entries belong to verify and extract");
    if (custos_seal_format_parse(o->format, o->output, &k->fmt) != 0)
        return cli_usage(c, "--format: dir, tar or zip");
    return CLI_CONTINUE;
}

/* Proposes the seal entry (sha256 NULL: before sealing, for the policy check) into k->body. */
static int
propose(const struct options *o, struct create *k, const char *sha256, struct custos_error *err)
{
    char *fj = NULL;
    free(k->body);
    k->body = NULL;
    int rc = custos_seal_ledger_fields(o->evidence, o->seal, sha256, &fj, err);
    if (rc == CUSTOS_OK) {
        rc =
            custos_ledger_propose(k->l, CUSTOS_ACTION_SEAL, fj, k->p.party, k->p.n, NULL, &k->body);
        if (rc != CUSTOS_OK)
            custos_error_copy(err, custos_ledger_error(k->l));
    }
    free(fj);
    return rc;
}

/* Everything knowable before any passphrase, then the custodian's key unlocked. */
static int
prepare(const struct options *o, struct create *k, struct custos_error *err)
{
    snprintf(k->custspec, sizeof(k->custspec), "%s=%s", CUSTOS_ROLE_CUSTODIAN, o->key);
    k->specs[0] = k->custspec;
    for (size_t i = 0; i < o->signers.n; i++)
        k->specs[1 + i] = o->signers.spec[i];
    k->case_id = o->case_id, k->auth = o->authorisation, k->desc = o->description;
    int rc = CUSTOS_OK;
    if (o->ledger != NULL) {
        rc = cli_case_facts_load(o->ledger, o->evidence, &k->facts, err);
        if (rc == CUSTOS_OK)
            rc =
                cli_fact_match(o->ledger, "--case", o->case_id, k->facts.case_id, &k->case_id, err);
        if (rc == CUSTOS_OK)
            rc = cli_fact_match(o->ledger, "--authorisation", o->authorisation,
                                k->facts.authorisation, &k->auth, err);
        if (k->desc == NULL)
            k->desc = k->facts.description; /* by default the item's, from its collect entry */
    }
    if (rc == CUSTOS_OK)
        rc = cli_parties_load_signers(k->specs, 1 + o->signers.n, 0, &k->p, err);
    if (rc == CUSTOS_OK)
        rc = cli_parties_load(&o->signers, o->party, o->nparty, 0, &k->p, err);
    if (rc == CUSTOS_OK && (o->ledger != NULL || o->signers.n > 0))
        rc = cli_confirm_possible(o->yes, err);
    for (size_t i = 0; rc == CUSTOS_OK && i < 1 + o->signers.n; i++) {
        const char *kf = strchr(k->specs[i], '=') + 1;
        if ((k->pubs[i] = malloc(strlen(kf) + 8)) == NULL)
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        else
            sprintf(k->pubs[i], "%s%s", kf, CUSTOS_KEY_PUB_SUFFIX);
    }
    if (rc == CUSTOS_OK && o->ledger != NULL) {
        rc = custos_ledger_open(&k->l, o->ledger, err);
        if (rc == CUSTOS_OK)
            rc = propose(o, k, NULL, err);
    }
    struct stat sb;
    if (rc == CUSTOS_OK && lstat(o->output, &sb) == 0)
        rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, o->output,
                              "already exists; refusing to overwrite");
    if (rc == CUSTOS_OK && (k->case_id == NULL || k->auth == NULL))
        rc = custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                              "create: --case and --authorisation are required without --ledger");
    /* The custodian seals now; witnesses sign once they have seen the result. */
    if (rc == CUSTOS_OK)
        rc = cli_parties_unlock(&o->signers, &k->p, 0, err);
    return rc;
}

/* The custodian seals the package. */
static int
seal(struct cli *c, const struct options *o, struct create *k, char **paths, int npaths,
     struct custos_error *err)
{
    struct custos_progress prog = cli_progress(c);
    struct custos_seal_options so = {
        .format = k->fmt,
        .case_id = k->case_id,
        .evidence = o->evidence,
        .seal_number = o->seal,
        .authorisation = k->auth,
        .organization = o->organization,
        .description = k->desc,
        .custodian = k->p.key[0],
        .custodian_pub = k->pubs[0],
        .witnesses = (const struct custos_key *const *)k->p.key + 1,
        .witness_pubs = (const char *const *)k->pubs + 1,
        .nwitnesses = k->p.n - 1,
        .tsa_url = o->tsa,
        .tsa_ca = o->tsa_ca,
        .tsa_timeout_s = o->tsa_timeout,
        .progress = &prog,
    };
    cli_progress_start(c);
    int rc = custos_seal_create(o->output, (const char *const *)paths, (size_t)npaths, &so, &k->res,
                                err);
    cli_progress_end(c);
    return rc;
}

/* Without a ledger: each witness present is shown the sealed package and confirms. */
static int
confirm_witnesses(struct cli *c, const struct options *o, struct create *k,
                  struct custos_error *err)
{
    if (!c->quiet || !o->yes)
        fprintf(stderr, "%s: sealed package %s, seal %s, tag manifest SHA-256 %s\n", c->prog,
                o->output, o->seal, k->res.tagmanifest_sha256);
    int rc = cli_confirm_possible(o->yes, err);
    for (size_t i = 1; rc == CUSTOS_OK && i < k->p.n; i++) {
        if (!o->yes) {
            char q[600];
            snprintf(
                q, sizeof(q), "%s %s: sign the sealed package %s (tag manifest SHA-256 %.16s...)?",
                k->p.as[i], custos_key_name(k->p.key[i]), o->output, k->res.tagmanifest_sha256);
            if (!cli_ask(q))
                rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, o->output,
                                      "%s did not confirm; not signed by them",
                                      custos_key_name(k->p.key[i]));
        }
        if (rc == CUSTOS_OK)
            rc = cli_parties_unlock(&o->signers, &k->p, i, err);
    }
    return rc;
}

/* The witnesses present confirm and cosign; the ledger entry is committed. */
static int
witness_and_record(struct cli *c, const struct options *o, struct create *k,
                   struct custos_error *err)
{
    char *tokens[MAX_KEYS + 1] = {0};
    size_t ntok = 0;
    int rc = CUSTOS_OK;
    if (k->l != NULL) {
        rc = propose(o, k, k->res.tagmanifest_sha256, err);
        /* Each signer sees the entry (with the sealed package's digest) and confirms. */
        if (rc == CUSTOS_OK)
            rc = cli_entry_sign(c, &o->signers, &k->p, o->yes, k->body, tokens, &ntok, err);
    } else if (o->signers.n > 0) {
        rc = confirm_witnesses(c, o, k, err);
    }
    /* The witnesses who confirmed sign the package now (it verifies first). */
    struct custos_progress prog = cli_progress(c);
    for (size_t i = 1; rc == CUSTOS_OK && i < 1 + o->signers.n; i++) {
        struct custos_seal_report *r = NULL;
        struct custos_seal_verify_options vo = {.progress = &prog};
        cli_progress_start(c);
        rc = custos_seal_cosign(o->output, k->p.key[i], k->pubs[i], &vo, &r, err);
        cli_progress_end(c);
        custos_seal_report_free(r);
    }
    if (rc == CUSTOS_OK && k->l != NULL) {
        rc = custos_ledger_commit(k->l, k->body, strlen(k->body), (const char *const *)tokens, ntok,
                                  o->nparty ? CUSTOS_LEDGER_ALLOW_MISSING : 0, &k->seq);
        if (rc != CUSTOS_OK)
            custos_error_copy(err, custos_ledger_error(k->l));
    }
    for (size_t i = 0; i < ntok; i++)
        free(tokens[i]);
    return rc;
}

static void
print_result(const struct cli *c, const struct options *o, const struct create *k)
{
    const struct custos_seal_result *res = &k->res;
    if (o->json) {
        json_t *sig = json_array();
        for (size_t i = 0; i < k->p.n; i++)
            json_array_append_new(sig, json_pack("{s:s, s:s, s:s, s:b}", "role", k->p.as[i],
                                                 "fingerprint", custos_key_fingerprint(k->p.key[i]),
                                                 "name", custos_key_name(k->p.key[i]), "signed",
                                                 custos_key_has_private(k->p.key[i])));
        json_t *j = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:o, s:o, s:o}", "status",
            custos_status_name(CUSTOS_OK), "operation", "create", "package", o->output, "format",
            custos_seal_format_name(k->fmt), "sealed_at", res->sealed_at, "seal", o->seal,
            "tagmanifest_sha256", res->tagmanifest_sha256, "payload_bytes",
            (json_int_t)res->payload_bytes, "payload_files", (json_int_t)res->payload_files,
            "signatures", sig, "timestamp",
            res->timestamped ? json_pack("{s:s, s:s, s:s}", "gen_time", res->tstamp.gen_time, "tsa",
                                         res->tstamp.tsa_name, "serial", res->tstamp.serial)
                             : json_null(),
            "ledger_seq", k->l != NULL ? json_integer((json_int_t)k->seq) : json_null());
        char *s = json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
        cli_print_json(s);
        free(s);
        json_decref(j);
        return;
    }
    if (c->quiet)
        return;
    printf("%s: sealed (%s), %" PRIu64 " files, %" PRIu64 " bytes, seal %s\n", o->output,
           custos_seal_format_name(k->fmt), res->payload_files, res->payload_bytes, o->seal);
    printf("tag manifest SHA-256: %s\n", res->tagmanifest_sha256);
    for (size_t i = 0; i < k->p.n; i++)
        printf("%s %s %s (%s)\n", custos_key_has_private(k->p.key[i]) ? "signed by" : "awaiting ",
               k->p.as[i], custos_key_name(k->p.key[i]),
               seal_short_fp(custos_key_fingerprint(k->p.key[i])));
    if (res->timestamped)
        printf("timestamp: %s by %s, serial %s\n", res->tstamp.gen_time, res->tstamp.tsa_name,
               res->tstamp.serial);
    if (k->l != NULL)
        printf("ledger: entry %" PRIu64 " (seal) appended to %s\n", k->seq, o->ledger);
}

int
seal_create_main(struct cli *c, const struct options *o, char **paths, int npaths,
                 struct custos_error *err)
{
    struct create k;
    memset(&k, 0, sizeof(k));
    int rc = check_usage(c, o, npaths, &k);
    if (rc != CLI_CONTINUE)
        return rc;
    rc = prepare(o, &k, err);
    if (rc == CUSTOS_OK)
        rc = seal(c, o, &k, paths, npaths, err);
    if (rc != CUSTOS_OK) {
        cli_error(c, err);
    } else if ((rc = witness_and_record(c, o, &k, err)) != CUSTOS_OK) {
        cli_error(c, err);
        cli_warn(c, "%s: sealed, but %s", o->output,
                 k.l != NULL ? "the ledger entry was not appended" : "not signed by every witness");
    } else {
        print_result(c, o, &k);
    }
    cli_case_facts_free(&k.facts);
    free(k.body);
    custos_ledger_free(k.l);
    for (size_t i = 0; i < MAX_KEYS + 1; i++)
        free(k.pubs[i]);
    cli_parties_free(&k.p);
    return custos_exit_code(rc);
}
