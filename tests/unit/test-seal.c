/* SPDX-License-Identifier: ISC */
/*
 * test-seal: the seal package API (lib/seal_*.c) on small inputs: create in
 * every format, the report's fields, signers and trust, cosign rules,
 * extraction refusals, and the argument checks of custos_seal_create.
 */
#include "custos/seal.h"

#include <sys/stat.h>

#include "custos/sign.h"
#include "tap.h"

static struct custos_key *alice, *carol, *carol_pub, *mallory;

static void
keys(void)
{
    struct custos_error err;
    custos_error_clear(&err);
    custos_key_generate(&alice, "Alice Chen", "custodian", &err);
    custos_key_generate(&carol, "Carol Lin", "witness", &err);
    custos_key_generate(&mallory, "Mallory", "custodian", &err);
    const char pass[] = "a long passphrase";
    is_status(custos_key_save(alice, "alice.key", pass, strlen(pass), &err), CUSTOS_OK, &err,
              "save alice");
    is_status(custos_key_save(carol, "carol.key", pass, strlen(pass), &err), CUSTOS_OK, &err,
              "save carol");
    is_status(custos_key_load_public(&carol_pub, "carol.key.pub", &err), CUSTOS_OK, &err,
              "carol's public key");
    mkdir("ev", 0755);
    tap_write("ev/a.txt", "hello\n", 6);
    tap_write("ev/b.bin", "\0\1\2", 3);
}

static struct custos_seal_options
opts(enum custos_seal_format f)
{
    static const struct custos_key *w[1];
    static const char *wp[1] = {"carol.key.pub"};
    w[0] = carol_pub;
    struct custos_seal_options o = {
        .format = f,
        .case_id = "CASE-1",
        .evidence = "E-001",
        .seal_number = "TE-1",
        .authorisation = "order 1",
        .custodian = alice,
        .custodian_pub = "alice.key.pub",
        .witnesses = w,
        .witness_pubs = wp,
        .nwitnesses = 1,
        .sealed_at = "2026-11-23T12:00:00Z",
    };
    return o;
}

static void
test_formats(void)
{
    static const char *const names[] = {"p-dir", "p.tar", "p.zip"};
    const char *paths[] = {"ev"};
    struct custos_error err;
    custos_error_clear(&err);
    for (int f = 0; f < 3; f++) {
        struct custos_seal_options o = opts((enum custos_seal_format)f);
        struct custos_seal_result res;
        is_status(custos_seal_create(names[f], paths, 1, &o, &res, &err), CUSTOS_OK, &err,
                  "%s: create", names[f]);
        is_int(res.payload_files, 2, "%s: two files", names[f]);
        is_int(res.payload_bytes, 9, "%s: nine bytes", names[f]);
        is_str(res.sealed_at, "2026-11-23T12:00:00Z", "%s: the given time", names[f]);
        struct custos_seal_report *r = NULL;
        is_status(custos_seal_verify(names[f], NULL, &r, &err), CUSTOS_E_INCOMPLETE, &err,
                  "%s: the witness is awaited", names[f]);
        if (r == NULL)
            continue;
        is_int(r->format, f, "%s: format detected", names[f]);
        is_str(r->tagmanifest_sha256, res.tagmanifest_sha256, "%s: same tag manifest", names[f]);
        is_str(r->seal_number, "TE-1", "%s: seal number", names[f]);
        is_str(r->custodian, "Alice Chen", "%s: custodian", names[f]);
        is_int(r->oxum_files, 2, "%s: Payload-Oxum files", names[f]);
        is_int(r->nsigners, 2, "%s: two signers", names[f]);
        is_int(r->nfindings, 1, "%s: one finding", names[f]);
        if (r->nfindings)
            has_str(r->findings[0].message, "awaiting the witness", "%s: pending", names[f]);
        custos_seal_report_free(r);

        /* Cosign: not by a key bag-info does not name, then by carol, once. */
        is_status(custos_seal_cosign(names[f], mallory, "alice.key.pub", NULL, &r, &err),
                  CUSTOS_E_USAGE, &err, "%s: a public key file of another key", names[f]);
        custos_seal_report_free(r);
        is_status(custos_seal_cosign(names[f], carol, "carol.key.pub", NULL, &r, &err), CUSTOS_OK,
                  &err, "%s: carol cosigns", names[f]);
        custos_seal_report_free(r);
        is_status(custos_seal_cosign(names[f], carol, "carol.key.pub", NULL, &r, &err),
                  CUSTOS_E_REFUSED, &err, "%s: not twice", names[f]);
        custos_seal_report_free(r);
        const struct custos_key *trust[] = {alice, carol_pub};
        struct custos_seal_verify_options vo = {.trusted = trust, .ntrusted = 2};
        is_status(custos_seal_verify(names[f], &vo, &r, &err), CUSTOS_OK, &err,
                  "%s: verifies with both keys trusted", names[f]);
        if (r != NULL)
            ok(r->signers[0].trusted && r->signers[1].trusted, "%s: both marked trusted", names[f]);
        custos_seal_report_free(r);
        const struct custos_key *m[] = {mallory};
        vo.trusted = m;
        vo.ntrusted = 1;
        is_status(custos_seal_verify(names[f], &vo, &r, &err), CUSTOS_E_UNTRUSTED, &err,
                  "%s: a trusted key that did not sign fails", names[f]);
        custos_seal_report_free(r);
        char out[64];
        snprintf(out, sizeof(out), "x-%d", f);
        is_status(custos_seal_extract(names[f], out, NULL, &r, &err), CUSTOS_OK, &err,
                  "%s: extract", names[f]);
        custos_seal_report_free(r);
        char p[128];
        snprintf(p, sizeof(p), "%s/data/ev/a.txt", out);
        struct stat st;
        ok(stat(p, &st) == 0 && st.st_size == 6 && (st.st_mode & 0777) == 0444,
           "%s: extracted read-only", names[f]);
        is_status(custos_seal_extract(names[f], out, NULL, &r, &err), CUSTOS_E_REFUSED, &err,
                  "%s: not into an existing directory", names[f]);
        custos_seal_report_free(r);
    }
}

/* Progress callback that changes the source once the first pass is over. */
static void
change_source(void *ctx, uint64_t done, uint64_t total)
{
    int *changed = ctx;
    if (!*changed && done * 2 >= total) {
        FILE *f = fopen("chg/f.txt", "a");
        if (f != NULL) {
            fputs("appended while sealing\n", f);
            fclose(f);
        }
        *changed = 1;
    }
}

static int
cancel_now(void *ctx)
{
    (void)ctx;
    return 1;
}

static void
test_changed_source(void)
{
    struct custos_error err;
    struct custos_seal_result res;
    custos_error_clear(&err);
    mkdir("chg", 0755);
    tap_write("chg/f.txt", "original content\n", 17);
    int changed = 0;
    struct custos_progress p = {.update = change_source, .ctx = &changed};
    const char *paths[] = {"chg"};
    struct custos_seal_options o = opts(CUSTOS_SEAL_TAR);
    o.progress = &p;
    is_status(custos_seal_create("chg.tar", paths, 1, &o, &res, &err), CUSTOS_E_MISMATCH, &err,
              "a file changed between the two passes stops the sealing");
    has_str(err.message, "changed while sealing", "message says so");
    ok(access("chg.tar", F_OK) != 0, "and nothing is published");
    struct custos_progress c = {.cancelled = cancel_now};
    o.progress = &c;
    is_status(custos_seal_create("chg2", paths, 1, &o, &res, &err), CUSTOS_E_INTERRUPTED, &err,
              "a cancelled run stops");
    ok(access("chg2", F_OK) != 0, "and publishes nothing");
}

static void
test_refusals(void)
{
    struct custos_error err;
    struct custos_seal_result res;
    custos_error_clear(&err);
    const char *paths[] = {"ev"};
    struct custos_seal_options o = opts(CUSTOS_SEAL_TAR);
    o.seal_number = NULL;
    is_status(custos_seal_create("r1.tar", paths, 1, &o, &res, &err), CUSTOS_E_USAGE, &err,
              "a missing seal number");
    o = opts(CUSTOS_SEAL_TAR);
    o.authorisation = "two\nlines";
    is_status(custos_seal_create("r1.tar", paths, 1, &o, &res, &err), CUSTOS_E_USAGE, &err,
              "a value with a line feed");
    o = opts(CUSTOS_SEAL_TAR);
    o.custodian = carol_pub;
    is_status(custos_seal_create("r1.tar", paths, 1, &o, &res, &err), CUSTOS_E_USAGE, &err,
              "a public-only custodian key");
    o = opts(CUSTOS_SEAL_TAR);
    o.custodian_pub = "carol.key.pub";
    is_status(custos_seal_create("r1.tar", paths, 1, &o, &res, &err), CUSTOS_E_USAGE, &err,
              "the custodian's public key file must be hers");
    o = opts(CUSTOS_SEAL_TAR);
    const char *missing[] = {"no-such-file"};
    is_status(custos_seal_create("r1.tar", missing, 1, &o, &res, &err), CUSTOS_E_IO, &err,
              "a missing source");
    is_status(custos_seal_create("p.tar", paths, 1, &o, &res, &err), CUSTOS_E_REFUSED, &err,
              "an existing output");
    ok(access("r1.tar", F_OK) != 0, "nothing left after a refusal");
    struct custos_seal_report *r = NULL;
    is_status(custos_seal_cosign("p.tar", mallory, "alice.key.pub", NULL, &r, &err), CUSTOS_E_USAGE,
              &err, "mallory's key with alice's public file");
    custos_seal_report_free(r);
    /* A package that names no witness: carol may not cosign it. */
    o = opts(CUSTOS_SEAL_TAR);
    o.nwitnesses = 0;
    is_status(custos_seal_create("solo.tar", paths, 1, &o, &res, &err), CUSTOS_OK, &err,
              "a package without witnesses");
    is_status(custos_seal_verify("solo.tar", NULL, &r, &err), CUSTOS_OK, &err, "verifies");
    custos_seal_report_free(r);
    is_status(custos_seal_cosign("solo.tar", carol, "carol.key.pub", NULL, &r, &err),
              CUSTOS_E_REFUSED, &err, "a key bag-info does not name cannot cosign");
    has_str(err.message, "does not name", "message says so");
    custos_seal_report_free(r);
    is_status(custos_seal_verify("no-such.tar", NULL, &r, &err), CUSTOS_E_IO, &err,
              "a missing package");
    ok(r == NULL, "no report");
    is_str(custos_seal_format_name(CUSTOS_SEAL_ZIP), "zip", "format name");
}

int
main(void)
{
    tap_tmpdir();
    keys();
    test_formats();
    test_refusals();
    test_changed_source();
    custos_key_free(alice);
    custos_key_free(carol);
    custos_key_free(carol_pub);
    custos_key_free(mallory);
    return tap_done();
}
