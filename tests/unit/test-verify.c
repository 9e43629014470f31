/* SPDX-License-Identifier: ISC */
#include "custos/verify.h"

#include <sys/stat.h>

#include "custos/key.h"
#include "custos/manifest.h"
#include "custos/seal.h"
#include "tap.h"

/* Adds a file with content to the manifest m under name, and writes it at dir/name. */
static void
put(struct custos_manifest *m, const char *name, const char *content)
{
    struct custos_manifest_entry e;
    struct custos_digest *d;
    struct custos_error err;
    memset(&e, 0, sizeof(e));
    char path[256];
    snprintf(path, sizeof(path), "root/%s", name);
    e.path = path;
    e.path_len = strlen(path);
    e.partition = -1;
    e.type = CUSTOS_ENTRY_FILE;
    e.size_bytes = strlen(content);
    custos_digest_new(&d, CUSTOS_DIGEST_SHA256, &err);
    custos_digest_update(d, content, strlen(content));
    custos_digest_final(d, &e.digest);
    custos_digest_free(d);
    custos_manifest_add(m, &e);
    tap_write(path, content, strlen(content));
}

static enum custos_verify_class
class_of(const struct custos_verify *v, const char *name)
{
    for (size_t i = 0; i < custos_verify_count(v); i++) {
        const struct custos_verify_item *it = custos_verify_item(v, i);
        if (strcmp(it->name, name) == 0)
            return it->cls;
    }
    return (enum custos_verify_class) - 1;
}

static int
run(const char *ref, const char *target, const struct custos_verify_options *o,
    struct custos_verify **out)
{
    struct custos_error err;
    int rc = custos_verify_new(out, ref, &err);
    if (rc != CUSTOS_OK)
        return -1;
    return custos_verify_run(*out, target, o, NULL);
}

static void
test_references(void)
{
    struct custos_verify *v = NULL;
    struct custos_error err;
    tap_write("bad.json", "{not json", 9);
    is_status(custos_verify_new(&v, "bad.json", &err), CUSTOS_E_CORRUPT, &err,
              "malformed JSON is corrupt");
    ok(v == NULL, "no handle on failure");
    tap_write("other.json", "{\"format\":\"x\"}", 14);
    is_status(custos_verify_new(&v, "other.json", &err), CUSTOS_E_UNSUPPORTED, &err,
              "another format is unsupported");
    static const char rec2[] = "{\"format\":\"custos-acquisition-record\",\"version\":2}";
    tap_write("rec2.json", rec2, sizeof(rec2) - 1);
    is_status(custos_verify_new(&v, "rec2.json", &err), CUSTOS_E_UNSUPPORTED, &err,
              "a record of another version is unsupported");
    static const char rec[] =
        "{\"format\":\"custos-acquisition-record\",\"version\":1,\"status\":\"complete\","
        "\"bytes\":4,\"digests\":{},\"output\":{\"format\":\"raw\",\"files\":[{\"name\":\"x\","
        "\"size_bytes\":4,\"sha256\":\"00\"}]}}";
    tap_write("rec.json", rec, sizeof(rec) - 1);
    is_status(custos_verify_new(&v, "rec.json", &err), CUSTOS_E_CORRUPT, &err,
              "a record with a short digest is corrupt");
    is_status(custos_verify_new(&v, "nothere.json", &err), CUSTOS_E_IO, &err,
              "a missing reference is an I/O error");
    mkdir("bag", 0700);
    is_status(custos_verify_new(&v, "bag", &err), CUSTOS_E_UNSUPPORTED, &err,
              "a directory without bagit.txt is not a reference");
    tap_write("bag/bagit.txt", "BagIt-Version: 1.0\n", 19);
    is_status(custos_verify_new(&v, "bag", &err), CUSTOS_E_CORRUPT, &err,
              "a bagit.txt without its encoding line is corrupt");
    has_str(err.message, "Tag-File-Character-Encoding", "the message names the missing line");
    tap_write("bag/bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n", 54);
    is_status(custos_verify_new(&v, "bag", &err), CUSTOS_E_CORRUPT, &err,
              "a bag without a payload manifest is corrupt");
    tap_write("bag/manifest-md5.txt", "abc  data/x\n", 12);
    is_status(custos_verify_new(&v, "bag", &err), CUSTOS_E_CORRUPT, &err,
              "a bag manifest line with a short digest is corrupt");
    has_str(err.message, "line 1", "the message names the line");
}

static void
test_selection(void)
{
    ok(custos_verify_sample_score(1, "a", 1) == custos_verify_sample_score(1, "a", 1),
       "a score is deterministic");
    ok(custos_verify_sample_score(1, "a", 1) != custos_verify_sample_score(2, "a", 1),
       "and depends on the seed");
    int seen[5] = {0};
    char name[16];
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof(name), "f%d", i);
        unsigned p = custos_verify_part_of(name, strlen(name), 4);
        if (p >= 1 && p <= 4)
            seen[p]++;
        else
            seen[0]++;
    }
    ok(seen[0] == 0 && seen[1] && seen[2] && seen[3] && seen[4],
       "parts are 1..t and all are used (%d %d %d %d)", seen[1], seen[2], seen[3], seen[4]);
}

static void
test_tree(void)
{
    struct custos_manifest *m = NULL;
    struct custos_error err;
    mkdir("root", 0700);
    mkdir("root/d", 0700);
    custos_manifest_new(&m, CUSTOS_DIGEST_SHA256, &err);
    put(m, "same.txt", "unchanged\n");
    put(m, "changed.txt", "version 1\n");
    put(m, "gone.txt", "to be deleted\n");
    put(m, "d/old.txt", "to be renamed\n");
    for (int i = 0; i < 12; i++) {
        char n[32], c[32];
        snprintf(n, sizeof(n), "d/f%02d", i);
        snprintf(c, sizeof(c), "content %d\n", i);
        put(m, n, c);
    }
    custos_manifest_sort(m);
    is_status(custos_manifest_save(m, "m.json", CUSTOS_MANIFEST_JSON), CUSTOS_OK,
              custos_manifest_error(m), "manifest saved");
    custos_manifest_free(m);

    struct custos_verify_options o;
    custos_verify_options_init(&o);
    struct custos_verify *v = NULL;
    is_int(run("m.json", "root", &o, &v), CUSTOS_OK, "a clean tree verifies");
    has_str(custos_verify_summary(v), "VERIFIED: all 16 items", "and says VERIFIED");
    struct custos_verify_totals t;
    custos_verify_totals(v, &t);
    ok(t.checked_items == 16 && t.count[CUSTOS_VERIFY_OK] == 16, "16 ok, 16 checked");
    is_int(custos_verify_run(v, "root", &o, NULL), CUSTOS_E_USAGE, "one run per handle");
    char *json = NULL;
    is_int(custos_verify_report_json(v, &json), CUSTOS_OK, "report built");
    has_str(json, "\"format\": \"custos-verify-report\"", "report names its format");
    free(json);
    custos_verify_free(v);

    /* A sample of 3: only 3 read, the rest not checked, never ok. */
    o.level = CUSTOS_VERIFY_SAMPLE;
    o.sample_count = 3;
    o.seed = 99;
    is_int(run("m.json", "root", &o, &v), CUSTOS_OK, "a sample of 3 verifies");
    custos_verify_totals(v, &t);
    ok(t.checked_items == 3 && t.count[CUSTOS_VERIFY_NOT_CHECKED] == 13,
       "3 checked, 13 not checked");
    has_str(custos_verify_summary(v), "NOT checked", "the summary says what was not checked");
    ok(strstr(custos_verify_summary(v), "VERIFIED") == NULL, "and never VERIFIED");
    custos_verify_free(v);

    o.sample_count = 0;
    o.sample_percent = 0;
    is_int(run("m.json", "root", &o, &v), CUSTOS_E_USAGE, "a sample of 0 %% is a usage error");
    custos_verify_free(v);
    o.sample_percent = 1;
    o.parts = 2;
    o.part = 3;
    is_int(run("m.json", "root", &o, &v), CUSTOS_E_USAGE, "part 3/2 is a usage error");
    custos_verify_free(v);

    /* Damage. */
    tap_write("root/changed.txt", "version 2\n", 10);
    remove("root/gone.txt");
    rename("root/d/old.txt", "root/d/new.txt");
    tap_write("root/born.txt", "brand new\n", 10);
    custos_verify_options_init(&o);
    is_int(run("m.json", "root", &o, &v), CUSTOS_E_MISMATCH, "damage is a mismatch");
    is_int(class_of(v, "same.txt"), CUSTOS_VERIFY_OK, "same.txt ok");
    is_int(class_of(v, "changed.txt"), CUSTOS_VERIFY_CHANGED, "changed.txt changed");
    is_int(class_of(v, "gone.txt"), CUSTOS_VERIFY_MISSING, "gone.txt missing");
    is_int(class_of(v, "d/old.txt"), CUSTOS_VERIFY_MOVED, "d/old.txt moved");
    is_int(class_of(v, "born.txt"), CUSTOS_VERIFY_EXTRA, "born.txt extra");
    is_str(custos_verify_class_name(CUSTOS_VERIFY_NOT_CHECKED), "not checked", "class name");
    tap_write("r.json", "", 0);
    custos_verify_report_json(v, &json);
    remove("r.json");
    tap_write("r.json", json, strlen(json));
    free(json);
    custos_verify_free(v);

    char **names = NULL;
    size_t n = 0;
    is_status(custos_verify_failed_names("r.json", &names, &n, &err), CUSTOS_OK, &err,
              "failed names read back from the report");
    is_int(n, 3, "changed, missing and moved (not extra)");
    custos_verify_names_free(names, n);
    is_status(custos_verify_failed_names("m.json", &names, &n, &err), CUSTOS_E_CORRUPT, &err,
              "a manifest is not a report");

    /* Structure level sees the size change and the missing file, reads nothing. */
    o.level = CUSTOS_VERIFY_STRUCTURE;
    is_int(run("m.json", "root", &o, &v), CUSTOS_E_MISMATCH, "structure finds the deletion");
    custos_verify_totals(v, &t);
    ok(t.checked_items == 0 && t.bytes_read == 0, "and reads no content");
    custos_verify_free(v);

    /* A manifest needs a target. */
    custos_verify_options_init(&o);
    is_int(run("m.json", NULL, &o, &v), CUSTOS_E_USAGE, "a manifest without target");
    custos_verify_free(v);
}

/* Reads path and writes its first len bytes to out. */
static void
truncate_copy(const char *path, const char *out, size_t len)
{
    FILE *f = fopen(path, "rb");
    char *buf = calloc(1, len);
    size_t n = f != NULL && buf != NULL ? fread(buf, 1, len, f) : 0;
    if (f != NULL)
        fclose(f);
    tap_write(out, buf, n);
    free(buf);
}

/* A sealed package archive as the reference: its bag, its signature, its own payload. */
static void
test_package(void)
{
    struct custos_error err;
    custos_error_clear(&err);
    struct custos_key *alice = NULL, *mallory = NULL, *alice_pub = NULL;
    const char pass[] = "a long passphrase";
    custos_key_generate(&alice, "Alice Chen", "custodian", &err);
    custos_key_generate(&mallory, "Mallory", "custodian", &err);
    is_status(custos_key_save(alice, "alice.key", pass, strlen(pass), &err), CUSTOS_OK, &err,
              "alice's key saved");
    is_status(custos_key_load_public(&alice_pub, "alice.key.pub", &err), CUSTOS_OK, &err,
              "alice's public key");
    mkdir("pev", 0700);
    mkdir("pev/sub", 0700);
    tap_write("pev/a.txt", "alpha\n", 6);
    tap_write("pev/sub/b.txt", "bravo bravo\n", 12);
    const char *paths[] = {"pev"};
    static const char *const names[] = {"pk.tar", "pk.zip"};
    for (int f = 0; f < 2; f++) {
        struct custos_seal_options so = {
            .format = f == 0 ? CUSTOS_SEAL_TAR : CUSTOS_SEAL_ZIP,
            .case_id = "C-1",
            .evidence = "E-1",
            .seal_number = "S-1",
            .authorisation = "order 1",
            .custodian = alice,
            .custodian_pub = "alice.key.pub",
        };
        struct custos_seal_result res;
        is_status(custos_seal_create(names[f], paths, 1, &so, &res, &err), CUSTOS_OK, &err,
                  "%s: sealed", names[f]);
        struct custos_verify *v = NULL;
        is_status(custos_verify_new(&v, names[f], &err), CUSTOS_OK, &err,
                  "%s: a package archive is a reference", names[f]);
        if (v == NULL)
            continue;
        ok(custos_verify_reference_kind(v) == CUSTOS_VERIFY_REF_BAG, "%s: of kind bag", names[f]);
        is_str(custos_verify_reference_sha256(v), res.tagmanifest_sha256,
               "%s: its sha256 is the tag manifest's, as custos-seal records it", names[f]);
        is_status(custos_verify_check_signature(v, NULL, mallory, &err), CUSTOS_E_UNTRUSTED, &err,
                  "%s: another key did not seal it", names[f]);
        is_status(custos_verify_check_signature(v, NULL, alice_pub, &err), CUSTOS_OK, &err,
                  "%s: alice sealed it", names[f]);
        struct custos_verify_options o;
        custos_verify_options_init(&o);
        is_int(custos_verify_run(v, NULL, &o, NULL), CUSTOS_OK,
               "%s: the default target is the package itself", names[f]);
        is_int(custos_verify_count(v), 2, "%s: two items", names[f]);
        ok(class_of(v, "data/pev/sub/b.txt") == CUSTOS_VERIFY_OK, "%s: named as in the bag",
           names[f]);
        char *json = NULL;
        custos_verify_report_json(v, &json);
        has_str(json ? json : "", "\"status\": \"valid\"", "%s: the report says valid", names[f]);
        free(json);
        custos_verify_free(v);
    }

    /* The payload alone, copied into a directory, is a target; a file taken out is missing. */
    mkdir("copy", 0700);
    mkdir("copy/pev", 0700);
    mkdir("copy/pev/sub", 0700);
    tap_write("copy/pev/a.txt", "alpha\n", 6);
    tap_write("copy/pev/sub/b.txt", "bravo bravo\n", 12);
    struct custos_verify_options o;
    custos_verify_options_init(&o);
    struct custos_verify *v = NULL;
    is_int(run("pk.tar", "copy", &o, &v), CUSTOS_OK, "a copy of the payload verifies");
    custos_verify_free(v);
    remove("copy/pev/a.txt");
    is_int(run("pk.zip", "copy", &o, &v), CUSTOS_E_MISMATCH, "a file taken out of it");
    ok(v != NULL && class_of(v, "data/pev/a.txt") == CUSTOS_VERIFY_MISSING, "is missing");
    custos_verify_free(v);

    /* A truncated package is corrupt and named; a compressed one is not a package. */
    truncate_copy("pk.tar", "cut.tar", 1536);
    v = NULL;
    is_status(custos_verify_new(&v, "cut.tar", &err), CUSTOS_E_CORRUPT, &err,
              "a truncated package is corrupt");
    has_str(err.message, "cut.tar", "the message names it");
    ok(v == NULL, "no handle");
    tap_write("junk.bin", "\x01\x02 not an archive", 17);
    is_status(custos_verify_new(&v, "junk.bin", &err), CUSTOS_E_CORRUPT, &err,
              "a file that is no reference is corrupt");
    has_str(err.message, "not a custos manifest, acquisition record or sealed package",
            "and says what a reference is");
    custos_key_free(alice);
    custos_key_free(mallory);
    custos_key_free(alice_pub);
}

int
main(void)
{
    tap_tmpdir();
    test_references();
    test_selection();
    test_tree();
    test_package();
    return tap_done();
}
