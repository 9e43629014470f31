/* SPDX-License-Identifier: ISC */
#include "custos/custody.h"

#include <dirent.h>
#include <sys/stat.h>

#include <jansson.h>

#include "custos/atomicfile.h"

#include "tap.h"

#define LATE_2026_11_01_0830 ((time_t)1793521800) /* before the report deadline */
#define DEC_2026             ((time_t)1796083200) /* 2026-12-01: both deadlines passed */

static struct custos_key *alice, *bob, *carol, *vera;

static void
keys(void)
{
    struct custos_error err;
    custos_key_generate(&alice, "Alice Chen", "custodian", &err);
    custos_key_generate(&bob, "Bob Wu", "custodian", &err);
    custos_key_generate(&carol, "Carol Lin", "witness", &err);
    custos_key_generate(&vera, "Vera Vendor", "vendor", &err);
}

static int
add(struct custos_ledger *l, const char *time, const char *action, const char *fields,
    const char *as1, struct custos_key *k1, const char *as2, struct custos_key *k2, const char *as3,
    struct custos_key *k3)
{
    struct custos_ledger_party p[3] = {{as1, k1}, {as2, k2}, {as3, k3}};
    size_t n = k3 != NULL ? 3 : k2 != NULL ? 2 : 1;
    int rc = custos_ledger_append(l, action, fields, p, n, time, NULL);
    if (rc != CUSTOS_OK)
        printf("# append %s: %s\n", action, custos_ledger_error(l)->message);
    return rc;
}

/* A level-2 case with two items: E-001 goes Alice -> Bob -> Vera and is destroyed; E-002 stays
 * with Alice, checked out; one transfer lacks Carol's signature until she attests. */
static void
make_case(const char *path)
{
    struct custos_error err;
    struct custos_ledger *l = NULL;
    struct custos_ledger_party owner = {"owner", alice};
    is_status(custos_ledger_create(&l, path,
                                   "{\"case\":\"IR-7\",\"level\":2,\"authorisation\":\"order 7\","
                                   "\"place\":\"HQ\"}",
                                   &owner, "2026-11-01T08:00:00Z", &err),
              CUSTOS_OK, &err, "create");
    if (l == NULL)
        return;
    add(l, "2026-11-01T08:01:00Z", "enroll", "{\"organisation\":\"Lab\"}", "subject", bob,
        "approver", alice, NULL, NULL);
    add(l, "2026-11-01T08:02:00Z", "enroll", NULL, "subject", carol, "approver", alice, NULL, NULL);
    add(l, "2026-11-01T08:03:00Z", "enroll", NULL, "subject", vera, "approver", alice, NULL, NULL);
    add(l, "2026-11-01T09:00:00Z", "collect",
        "{\"item\":\"E-001\",\"description\":\"laptop\",\"make\":\"Lenovo\",\"model\":\"T14\","
        "\"serial\":\"SN1\",\"location\":\"desk 7\"}",
        "custodian", alice, "witness", carol, NULL, NULL);
    add(l, "2026-11-01T09:05:00Z", "collect",
        "{\"item\":\"E-002\",\"description\":\"USB stick\",\"location\":\"drawer\"}", "custodian",
        alice, NULL, NULL, NULL, NULL);
    add(l, "2026-11-01T09:30:00Z", "acquire",
        "{\"item\":\"E-001\",\"record\":\"E-001.json\",\"record_sha256\":"
        "\"1111111111111111111111111111111111111111111111111111111111111111\","
        "\"image_sha256\":\"2222222222222222222222222222222222222222222222222222222222222222\","
        "\"size\":\"4096\"}",
        "custodian", alice, "witness", carol, NULL, NULL);
    add(l, "2026-11-01T09:40:00Z", "seal",
        "{\"item\":\"E-001\",\"seal\":\"TE-1\",\"sha256\":"
        "\"3333333333333333333333333333333333333333333333333333333333333333\"}",
        "custodian", alice, "witness", carol, NULL, NULL);
    /* entry 8: Carol is named but signs later. */
    {
        struct custos_key *cpub = NULL;
        uint8_t der[CUSTOS_KEY_SPKI_SIZE];
        custos_key_spki(carol, der);
        custos_key_from_spki(&cpub, der, sizeof(der), "Carol Lin", "witness", &err);
        struct custos_ledger_party p[3] = {
            {"releaser", alice}, {"receiver", bob}, {"witness", cpub}};
        is_status(custos_ledger_record(l, "transfer",
                                       "{\"item\":\"E-001\",\"reason\":\"to the lab\","
                                       "\"seal_checked\":\"TE-1 intact\"}",
                                       p, 3, "2026-11-01T10:00:00Z", CUSTOS_LEDGER_ALLOW_MISSING,
                                       NULL),
                  CUSTOS_OK, custos_ledger_error(l), "transfer with a late witness");
        custos_key_free(cpub);
    }
    add(l, "2026-11-01T11:00:00Z", "store", "{\"item\":\"E-001\",\"location\":\"locker 7\"}",
        "custodian", bob, NULL, NULL, NULL, NULL);
    add(l, "2026-11-01T12:00:00Z", "access",
        "{\"item\":\"E-002\",\"direction\":\"out\",\"purpose\":\"triage\"}", "custodian", alice,
        NULL, NULL, NULL, NULL);
    add(l, "2026-11-01T13:00:00Z", "transfer", "{\"item\":\"E-001\",\"reason\":\"destruction\"}",
        "releaser", bob, "receiver", vera, NULL, NULL);
    add(l, "2026-11-01T13:30:00Z", "dispose",
        "{\"item\":\"E-001\",\"method\":\"shredded\",\"certificate\":\"C-9\"}", "vendor", vera,
        "custodian", bob, "witness", carol);
    is_int(custos_ledger_size(l), 13, "13 entries written");
    custos_ledger_free(l);
}

static void
test_model(const char *path)
{
    struct custos_error err;
    struct custos_custody *m = NULL;
    custos_error_clear(&err);
    is_status(custos_custody_load(&m, path, NULL, NULL, &err), CUSTOS_E_INCOMPLETE, &err,
              "a signature is owed: incomplete, but a model");
    ok(m != NULL, "model built");
    if (m == NULL)
        return;
    is_str(m->case_id, "IR-7", "case id");
    is_int(m->level, 2, "level");
    is_str(m->report_due, "2026-11-01T09:00:00Z", "report due 1 h after opening");
    is_str(m->recovery_due, "2026-11-04T08:00:00Z", "recovery due 72 h after opening (level 2)");
    is_int(m->nevents, 13, "one event per entry");
    is_int(m->npeople, 4, "four people");
    is_str(custos_custody_person(m, custos_key_fingerprint(bob))->organisation, "Lab",
           "enrolment organisation kept");
    is_int(m->nitems, 2, "two items");
    const struct custos_custody_item *e1 = custos_custody_item(m, "E-001");
    const struct custos_custody_item *e2 = custos_custody_item(m, "E-002");
    ok(e1 != NULL && e2 != NULL, "items found");
    if (e1 == NULL || e2 == NULL)
        goto out;
    is_str(e1->holder, custos_key_fingerprint(vera), "E-001 ends with the vendor");
    is_int(e1->disposed, 12, "E-001 disposed at entry 12");
    is_str(e1->seal, "TE-1", "E-001 seal");
    is_str(e1->serial, "SN1", "E-001 serial");
    is_int(e1->nevents, 7, "E-001 has 7 events");
    is_str(e2->holder, custos_key_fingerprint(alice), "E-002 is still with Alice");
    ok(e2->checked_out, "E-002 is checked out");
    is_int(e2->disposed, CUSTOS_CUSTODY_NONE, "E-002 not disposed");
    const struct custos_custody_event *t = &m->events[8];
    is_str(t->action, "transfer", "entry 8 is the transfer");
    is_str(t->holder_before, custos_key_fingerprint(alice), "held by Alice before");
    is_str(t->holder_after, custos_key_fingerprint(bob), "held by Bob after");
    is_int(t->parties[2].sig, CUSTOS_CUSTODY_OWED, "witness signature owed");
    is_int(t->parties[0].sig, CUSTOS_CUSTODY_SIGNED, "releaser signed");
    has_str(t->text, "released by Alice Chen", "plain language: releaser");
    has_str(t->text, "to Bob Wu", "plain language: receiver");
    has_str(t->text, "signature of witness Carol Lin still owed", "plain language: owed");
    is_str(custos_custody_field(&m->events[9], "location"), "locker 7", "store location field");
    ok(e1->location == NULL, "E-001: no location recorded since the vendor took it");
    is_str(e2->location, "drawer", "E-002 location from its collection");
    is_int(m->npending, 1, "one signature pending");
    is_int(m->pending[0].seq, 8, "pending on entry 8");
    is_int(m->closed, CUSTOS_CUSTODY_NONE, "case open");

    /* Deadlines: overdue only while open. */
    is_int(custos_custody_overdue(m, LATE_2026_11_01_0830), 0,
           "nothing overdue before the report deadline");
    is_int(custos_custody_overdue(m, DEC_2026), 2, "both overdue a month on");

    char *s = NULL;
    is_status(custos_custody_show(m, NULL, 0, &s, &err), CUSTOS_OK, &err, "show text");
    has_str(s, "Item E-001: laptop", "show names the item");
    has_str(s, "DISPOSED OF at entry 12", "show: disposal");
    has_str(s, "held by Alice Chen", "show: E-002 holder");
    has_str(s, "CHECKED OUT", "show: checked out");
    has_str(s, "Signatures still owed", "show: owed section");
    free(s);
    is_status(custos_custody_show(m, "E-404", 0, &s, &err), CUSTOS_E_USAGE, &err,
              "unknown item refused");
    is_status(custos_custody_show(m, "E-002", CUSTOS_CUSTODY_JSON, &s, &err), CUSTOS_OK, &err,
              "show JSON");
    json_t *j = json_loads(s ? s : "", 0, NULL);
    ok(j != NULL, "show JSON parses");
    is_int(json_array_size(json_object_get(j, "items")), 1, "filter keeps one item");
    is_str(json_string_value(json_object_get(
               json_object_get(json_array_get(json_object_get(j, "items"), 0), "holder"), "name")),
           "Alice Chen", "JSON holder");
    json_decref(j);
    free(s);

    const struct custos_custody *one[1] = {m};
    is_status(custos_custody_status(one, 1, DEC_2026, 0, &s, &err), CUSTOS_OK, &err, "status text");
    has_str(s, "OVERDUE", "status flags the overdue deadlines");
    has_str(s, "awaiting:", "status lists the owed signature");
    free(s);
    is_status(custos_custody_status(one, 1, DEC_2026, CUSTOS_CUSTODY_JSON, &s, &err), CUSTOS_OK,
              &err, "status JSON");
    j = json_loads(s ? s : "", 0, NULL);
    json_t *c0 = json_array_get(json_object_get(j, "cases"), 0);
    is_int(json_integer_value(json_object_get(c0, "overdue")), 2, "JSON overdue count");
    is_str(json_string_value(json_object_get(json_object_get(c0, "recovery"), "state")), "overdue",
           "JSON recovery state");
    json_decref(j);
    free(s);

    is_status(custos_custody_form(m, 0, "2026-11-02T00:00:00Z", &s, &err), CUSTOS_OK, &err,
              "form text");
    has_str(s, "released by: Alice Chen (custodian) key", "form: released by with key");
    has_str(s, "Serial number: SN1", "form: serial");
    has_str(s, "[signature owed]", "form: owed signature marked");
    has_str(s, "witness to destruction: Carol Lin", "form: witness to destruction");
    free(s);
    is_status(custos_custody_form(m, 1, "2026-11-02T00:00:00Z", &s, &err), CUSTOS_OK, &err,
              "form HTML");
    has_str(s, "<!DOCTYPE html>", "HTML page");
    has_str(s, "<th>Released by</th>", "HTML custody table");
    free(s);
    is_status(custos_custody_form_lang(m, 0, CUSTOS_LANG_ZH_TW, "2026-11-02T00:00:00Z", &s, &err),
              CUSTOS_OK, &err, "form text in zh-TW");
    has_str(s, "交付人", "zh-TW form: released by");
    free(s);
    s = NULL;
    is_status(custos_custody_form_lang(m, 0, CUSTOS_LANG_BOTH, "2026-11-02T00:00:00Z", &s, &err),
              CUSTOS_E_USAGE, &err, "a form in both languages is refused");
    ok(s == NULL, "nothing rendered for a refused language");
    is_status(custos_custody_case_jsonld(m, &s, &err), CUSTOS_OK, &err, "CASE JSON-LD");
    j = json_loads(s ? s : "", 0, NULL);
    ok(json_object_get(j, "@context") != NULL, "JSON-LD has @context");
    size_t nprov = 0, nact = 0;
    json_t *node;
    size_t i;
    json_array_foreach(json_object_get(j, "@graph"), i, node)
    {
        const char *ty = json_string_value(json_object_get(node, "@type"));
        nprov += ty && strcmp(ty, "case-investigation:ProvenanceRecord") == 0;
        nact += ty && strcmp(ty, "case-investigation:InvestigativeAction") == 0;
    }
    size_t nitem_acts = 0; /* the chain of custody: one provenance record per act on an item */
    for (size_t k = 0; k < m->nevents; k++)
        nitem_acts += m->events[k].item != NULL && strcmp(m->events[k].action, "enroll") != 0 &&
                      strcmp(m->events[k].action, "attest") != 0;
    ok(nitem_acts > 2, "the case has several acts on its items");
    is_int(nprov, nitem_acts, "one provenance record per act on an item");
    is_int(nact, 10, "one action per entry but enrolments");
    json_decref(j);
    free(s);

    /* Export: a new directory, refused when it exists, nothing left beside it. */
    is_status(custos_custody_export(m, "out", &err), CUSTOS_OK, &err, "export");
    struct stat sb;
    ok(stat("out/kit/case.ledger", &sb) == 0 && (size_t)sb.st_size == m->len,
       "kit holds the verified ledger");
    ok(stat("out/SHA256SUMS", &sb) == 0, "SHA256SUMS written");
    ok(stat("out/kit/verify-ledger.sh", &sb) == 0, "kit script written");
    is_status(custos_custody_export(m, "out", &err), CUSTOS_E_REFUSED, &err,
              "existing dir refused");
    is_status(custos_custody_export(m, "no-such-dir/out", &err), CUSTOS_E_IO, &err,
              "a missing parent directory is an I/O error");
    ok(stat("no-such-dir", &sb) != 0, "nothing made for it");
    {
        int leftovers = 0;
        DIR *d = opendir(".");
        struct dirent *de;
        while (d != NULL && (de = readdir(d)) != NULL)
            leftovers += strstr(de->d_name, CUSTOS_INCOMPLETE_INFIX) != NULL;
        if (d != NULL)
            closedir(d);
        is_int(leftovers, 0, "no staging directory left behind");
    }
out:
    custos_custody_free(m);
}

static void
test_attest_and_tamper(const char *path)
{
    struct custos_error err;
    struct custos_custody *m = NULL;
    custos_custody_load(&m, path, NULL, NULL, &err);
    char fields[256];
    snprintf(fields, sizeof(fields), "{\"target\":\"8\",\"target_sha256\":\"%s\"}",
             m ? m->events[8].sha256 : "");
    custos_custody_free(m);
    struct custos_ledger *l = NULL;
    custos_ledger_open(&l, path, &err);
    struct custos_ledger_party p = {"attester", carol};
    is_status(custos_ledger_append(l, "attest", fields, &p, 1, "2026-11-02T09:00:00Z", NULL),
              CUSTOS_OK, custos_ledger_error(l), "Carol attests");
    struct custos_ledger_party o = {"owner", alice};
    is_status(custos_ledger_append(l, "close", "{\"reason\":\"done\"}", &o, 1,
                                   "2026-11-02T10:00:00Z", NULL),
              CUSTOS_OK, custos_ledger_error(l), "close");
    custos_ledger_free(l);
    m = NULL;
    is_status(custos_custody_load(&m, path, NULL, NULL, &err), CUSTOS_OK, &err, "now complete");
    if (m != NULL) {
        is_int(m->npending, 0, "nothing pending");
        is_int(m->events[8].parties[2].sig, CUSTOS_CUSTODY_ATTESTED, "witness attested");
        is_int(m->events[8].parties[2].attest, 13, "by entry 13");
        is_int(m->closed, 14, "closed at entry 14");
        is_int(custos_custody_overdue(m, DEC_2026), 0, "a closed case is not overdue");
    }
    custos_custody_free(m);

    /* A flipped byte: no model. */
    FILE *f = fopen(path, "r+b");
    fseek(f, 200, SEEK_SET);
    int ch = fgetc(f);
    fseek(f, 200, SEEK_SET);
    fputc(ch == 'a' ? 'b' : 'a', f);
    fclose(f);
    m = NULL;
    int rc = custos_custody_load(&m, path, NULL, NULL, &err);
    ok(rc == CUSTOS_E_UNTRUSTED || rc == CUSTOS_E_CORRUPT, "tampered ledger refused (%d)", rc);
    ok(m == NULL, "no model of a tampered ledger");
    has_str(err.message, "entry 0", "error names the entry");
}

int
main(void)
{
    tap_tmpdir();
    keys();
    make_case("case.ledger");
    test_model("case.ledger");
    test_attest_and_tamper("case.ledger");
    custos_key_free(alice);
    custos_key_free(bob);
    custos_key_free(carol);
    custos_key_free(vera);
    return tap_done();
}
