/* SPDX-License-Identifier: ISC */
#include "custos/ledger.h"
#include "custos/ledger_proposal.h"
#include "custos/digest.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "tap.h"

static struct custos_key *alice, *bob, *carol, *vera, *mallory;

static void
keys(void)
{
    struct custos_error err;
    custos_key_generate(&alice, "Alice Chen", "custodian", &err);
    custos_key_generate(&bob, "Bob Wu", "custodian", &err);
    custos_key_generate(&carol, "Carol Lin", "witness", &err);
    custos_key_generate(&vera, "Vera Vendor", "vendor", &err);
    custos_key_generate(&mallory, "Mallory", "custodian", &err);
}

static int
append(struct custos_ledger *l, const char *action, const char *fields, const char *as1,
       struct custos_key *k1, const char *as2, struct custos_key *k2)
{
    struct custos_ledger_party p[2] = {{as1, k1}, {as2, k2}};
    return custos_ledger_append(l, action, fields, p, k2 != NULL ? 2 : 1, NULL, NULL);
}

static size_t
file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

static void
test_lifecycle(void)
{
    struct custos_error err;
    struct custos_ledger *l = NULL;
    struct custos_ledger_report *r = NULL;
    custos_error_clear(&err);
    struct custos_ledger_party owner = {"owner", alice};

    is_status(custos_ledger_create(&l, "c.ledger",
                                   "{\"case\":\"IR-1\",\"level\":5,"
                                   "\"authorisation\":\"x\"}",
                                   &owner, NULL, &err),
              CUSTOS_E_USAGE, &err, "level 5 refused");
    ok(access("c.ledger", F_OK) != 0, "nothing left after a refused create");
    struct custos_ledger_party wrong = {"owner", carol};
    is_status(custos_ledger_create(&l, "c.ledger",
                                   "{\"case\":\"IR-1\",\"level\":3,"
                                   "\"authorisation\":\"x\"}",
                                   &wrong, NULL, &err),
              CUSTOS_E_REFUSED, &err, "a witness may not own a case");
    has_str(err.message, "may not be enrolled as owner", "error names the rule");
    is_status(custos_ledger_create(&l, "c.ledger",
                                   "{\"case\":\"IR-1\",\"level\":\"3\","
                                   "\"authorisation\":\"order 7\"}",
                                   &owner, "2026-11-23T09:00:00Z", &err),
              CUSTOS_OK, &err, "create");
    is_int(custos_ledger_size(l), 1, "one entry");
    has_str(custos_ledger_origin(l), CUSTOS_LEDGER_ORIGIN_PREFIX, "origin");
    struct custos_ledger *l2 = NULL;
    is_status(custos_ledger_create(&l2, "c.ledger", "{}", &owner, NULL, &err), CUSTOS_E_REFUSED,
              &err, "existing ledger refused");

    is_status(append(l, "enroll", NULL, "subject", bob, "approver", alice), CUSTOS_OK,
              custos_ledger_error(l), "enroll bob");
    is_status(append(l, "enroll", NULL, "subject", carol, "approver", alice), CUSTOS_OK,
              custos_ledger_error(l), "enroll carol");
    is_status(append(l, "enroll", NULL, "subject", vera, "approver", carol), CUSTOS_E_REFUSED,
              custos_ledger_error(l), "a witness may not approve an enrolment");
    is_status(append(l, "enroll", NULL, "subject", vera, "approver", alice), CUSTOS_OK,
              custos_ledger_error(l), "enroll vera");
    is_status(append(l, "enroll", NULL, "subject", bob, "approver", alice), CUSTOS_E_REFUSED,
              custos_ledger_error(l), "double enrolment refused");
    is_status(append(l, "collect", "{\"item\":\"E-001\",\"description\":\"laptop\"}", "custodian",
                     alice, "witness", carol),
              CUSTOS_OK, custos_ledger_error(l), "collect");
    is_status(append(l, "collect", "{\"item\":\"E-001\",\"description\":\"again\"}", "custodian",
                     alice, NULL, NULL),
              CUSTOS_E_REFUSED, custos_ledger_error(l), "collecting an item twice refused");
    is_status(append(l, "acquire",
                     "{\"item\":\"E-001\",\"record\":\"r.json\",\"record_sha256\":\""
                     "0000000000000000000000000000000000000000000000000000000000000000\"}",
                     "custodian", alice, NULL, NULL),
              CUSTOS_E_REFUSED, custos_ledger_error(l), "acquire without a witness refused");
    has_str(custos_ledger_error(l)->message, "needs a party acting as witness", "names the rule");
    is_status(append(l, "transfer", "{\"item\":\"E-001\",\"reason\":\"lab\"}", "releaser", bob,
                     "receiver", alice),
              CUSTOS_E_REFUSED, custos_ledger_error(l), "transfer by a non-holder refused");
    has_str(custos_ledger_error(l)->message, "Bob Wu does not hold item E-001", "names holder");
    is_status(append(l, "transfer", "{\"item\":\"E-001\",\"reason\":\"lab\"}", "releaser", alice,
                     "receiver", bob),
              CUSTOS_OK, custos_ledger_error(l), "transfer alice -> bob");
    is_status(append(l, "note", "{\"text\":\"x\",\"colour\":\"red\"}", "author", bob, NULL, NULL),
              CUSTOS_E_USAGE, custos_ledger_error(l), "unknown field refused");
    is_status(append(l, "note", "{\"text\":\"hi\"}", "author", mallory, NULL, NULL),
              CUSTOS_E_REFUSED, custos_ledger_error(l), "unenrolled key refused");

    /* Time order: an act before the last one is recorded late, not refused (test_act_times). */
    struct custos_ledger_party pb = {"author", bob};
    is_status(
        custos_ledger_append(l, "note", "{\"text\":\"x\"}", &pb, 1, "2026-11-23T08:00:00.5Z", NULL),
        CUSTOS_E_USAGE, custos_ledger_error(l), "a fraction of a second refused");
    is_status(custos_ledger_append(l, "note", "{\"text\":\"future\"}", &pb, 1,
                                   "2099-01-01T00:00:00Z", NULL),
              CUSTOS_E_REFUSED, custos_ledger_error(l), "a time in the future refused");

    /* Propose, sign, commit; moved ledger; late signature and attest. */
    struct custos_ledger_party pp[2] = {{"custodian", bob}, {"witness", carol}};
    char *body = NULL, *t1 = NULL, *t2 = NULL, *body2 = NULL;
    is_status(custos_ledger_propose(l, "store", "{\"item\":\"E-001\",\"location\":\"locker 7\"}",
                                    pp, 2, NULL, &body),
              CUSTOS_OK, custos_ledger_error(l), "propose");
    custos_ledger_sign_body(body, strlen(body), bob, &t1, &err);
    custos_ledger_sign_body(body, strlen(body), carol, &t2, &err);
    const char *only_bob[] = {t1};
    is_status(custos_ledger_commit(l, body, strlen(body), only_bob, 1, 0, NULL), CUSTOS_E_REFUSED,
              custos_ledger_error(l), "commit with a missing signature refused");
    const char *forged[] = {t1, t1};
    is_status(custos_ledger_commit(l, body, strlen(body), forged, 2, 0, NULL), CUSTOS_E_REFUSED,
              custos_ledger_error(l), "duplicate token refused");
    char *tm = NULL;
    custos_ledger_sign_body(body, strlen(body), mallory, &tm, &err);
    const char *extra[] = {t1, t2, tm};
    is_status(custos_ledger_commit(l, body, strlen(body), extra, 3, 0, NULL), CUSTOS_E_REFUSED,
              custos_ledger_error(l), "a signature by an unlisted key refused");
    has_str(custos_ledger_error(l)->message, "does not list", "names the unlisted key");
    /* Someone else appends meanwhile: the proposal is stale. */
    is_status(append(l, "note", "{\"text\":\"meanwhile\"}", "author", alice, NULL, NULL), CUSTOS_OK,
              custos_ledger_error(l), "another append");
    const char *both[] = {t2, t1};
    is_status(custos_ledger_commit(l, body, strlen(body), both, 2, 0, NULL), CUSTOS_E_REFUSED,
              custos_ledger_error(l), "commit refused: the ledger moved");
    has_str(custos_ledger_error(l)->message, "moved", "error says the ledger moved");
    free(t1);
    free(t2);
    free(tm);
    is_status(custos_ledger_propose(l, "store", "{\"item\":\"E-001\",\"location\":\"locker 7\"}",
                                    pp, 2, NULL, &body2),
              CUSTOS_OK, custos_ledger_error(l), "propose again");
    custos_ledger_sign_body(body2, strlen(body2), bob, &t1, &err);
    const char *late[] = {t1};
    uint64_t seq = 0;
    is_status(
        custos_ledger_commit(l, body2, strlen(body2), late, 1, CUSTOS_LEDGER_ALLOW_MISSING, &seq),
        CUSTOS_OK, custos_ledger_error(l), "commit with a missing signature allowed");
    free(t1);
    free(body);
    free(body2);
    is_int(custos_ledger_verify("c.ledger", NULL, NULL, &r, &err), CUSTOS_E_INCOMPLETE,
           "verify: incomplete while a signature is owed");
    if (r != NULL && r->nfindings > 0)
        has_str(r->findings[0].message, "awaiting the signature of witness Carol Lin",
                "finding names the witness");
    custos_ledger_report_free(r);
    char fields[128];
    snprintf(fields, sizeof(fields), "{\"target\":%llu}", (unsigned long long)seq);
    is_status(append(l, "attest", fields, "attester", bob, NULL, NULL), CUSTOS_E_REFUSED,
              custos_ledger_error(l), "attest by a party who signed refused");
    is_status(append(l, "attest", fields, "attester", carol, NULL, NULL), CUSTOS_OK,
              custos_ledger_error(l), "attest by the late witness");
    is_int(custos_ledger_verify("c.ledger", NULL, NULL, &r, &err), CUSTOS_OK,
           "verify: OK after the attest");
    if (r != NULL)
        is_int(r->entries, custos_ledger_size(l), "report counts every entry");
    custos_ledger_report_free(r);

    /* Revocation. */
    is_status(append(l, "revoke",
                     "{\"key\":\""
                     "0000000000000000000000000000000000000000000000000000000000000000"
                     "\",\"reason\":\"x\"}",
                     "approver", alice, NULL, NULL),
              CUSTOS_E_REFUSED, custos_ledger_error(l), "revoking an unknown key refused");
    snprintf(fields, sizeof(fields), "{\"key\":\"%s\",\"reason\":\"lost\"}",
             custos_key_fingerprint(vera));
    is_status(append(l, "revoke", fields, "approver", alice, NULL, NULL), CUSTOS_OK,
              custos_ledger_error(l), "revoke vera");
    is_status(append(l, "note", "{\"text\":\"still here\"}", "author", vera, NULL, NULL),
              CUSTOS_E_REFUSED, custos_ledger_error(l), "a revoked key may not sign");
    has_str(custos_ledger_error(l)->message, "revoked", "error says revoked");

    /* Checkpoint, cosign, prove. */
    char *note = NULL, *cos = NULL, *proof = NULL;
    is_status(custos_ledger_checkpoint(l, mallory, &note), CUSTOS_E_REFUSED, custos_ledger_error(l),
              "checkpoint by an unenrolled key refused");
    is_status(custos_ledger_checkpoint(l, alice, &note), CUSTOS_OK, custos_ledger_error(l),
              "checkpoint");
    is_status(custos_ledger_cosign(l, note, strlen(note), carol, 1795000000, &cos), CUSTOS_OK,
              custos_ledger_error(l), "cosign");
    tap_write("cp", cos, strlen(cos));
    is_int(custos_ledger_verify("c.ledger", "cp", NULL, &r, &err), CUSTOS_OK,
           "verify against the cosigned checkpoint");
    if (r != NULL)
        has_str(r->checkpoint_signers, "Carol Lin (witness, cosigned, key ",
                "cosigner named with its key");
    custos_ledger_report_free(r);
    is_status(custos_ledger_prove(l, 2, 0, &proof), CUSTOS_OK, custos_ledger_error(l), "prove");
    has_str(proof, "c2sp.org/tlog-proof@v1\nindex 2\n", "proof header");
    free(proof);
    is_status(custos_ledger_prove(l, 99, 0, &proof), CUSTOS_E_USAGE, custos_ledger_error(l),
              "prove beyond the end refused");
    free(note);
    free(cos);
    free(proof);

    /* Growth after the checkpoint stays consistent; truncation does not. */
    is_status(append(l, "note", "{\"text\":\"after checkpoint\"}", "author", bob, NULL, NULL),
              CUSTOS_OK, custos_ledger_error(l), "append after the checkpoint");
    is_int(custos_ledger_verify("c.ledger", "cp", NULL, &r, &err), CUSTOS_OK,
           "grown ledger is consistent with the checkpoint");
    custos_ledger_report_free(r);
    size_t full = file_size("c.ledger");
    custos_ledger_free(l);
    l = NULL;

    /* A torn tail: reported by verify and refused by open. */
    int fd = open("c.ledger", O_WRONLY | O_APPEND);
    ok(fd >= 0 && write(fd, "{\"v\":1,\"seq\":", 13) == 13, "simulate a torn append");
    close(fd);
    is_int(custos_ledger_verify("c.ledger", NULL, NULL, &r, &err), CUSTOS_E_CORRUPT,
           "verify: torn tail is corrupt");
    if (r != NULL) {
        ok(r->torn && r->torn_offset == full, "torn offset is the old end");
        has_str(r->findings[r->nfindings - 1].message, "torn last line", "finding says torn");
    }
    custos_ledger_report_free(r);
    is_status(custos_ledger_open(&l, "c.ledger", &err), CUSTOS_E_CORRUPT, &err,
              "open refuses a torn ledger");
    has_str(err.message, "torn", "open says torn");
    ok(truncate("c.ledger", (off_t)full) == 0, "cut the torn line off by hand");
    is_status(custos_ledger_open(&l, "c.ledger", &err), CUSTOS_OK, &err, "intact prefix opens");

    /* After close only note and attest: a correction is still possible, an act is not. */
    is_status(append(l, "close", "{\"reason\":\"done\"}", "owner", alice, NULL, NULL), CUSTOS_OK,
              custos_ledger_error(l), "close");
    is_status(append(l, "note", "{\"text\":\"late note\"}", "author", bob, NULL, NULL), CUSTOS_OK,
              custos_ledger_error(l), "a note after close");
    is_status(append(l, "close", "{\"reason\":\"again\"}", "owner", alice, NULL, NULL),
              CUSTOS_E_REFUSED, custos_ledger_error(l), "no other entry after close");
    has_str(custos_ledger_error(l)->message, "after the case was closed",
            "says the case is closed");
    custos_ledger_free(l);
}

static void
test_parallel(void)
{
    /* Several processes append through their own handles at once. */
    struct custos_error err;
    struct custos_ledger *l = NULL;
    struct custos_ledger_party owner = {"owner", alice};
    custos_ledger_create(&l, "p.ledger", "{\"case\":\"P\",\"level\":1,\"authorisation\":\"x\"}",
                         &owner, NULL, &err);
    custos_ledger_free(l);
    const int procs = 6, each = 25;
    for (int p = 0; p < procs; p++) {
        if (fork() == 0) {
            struct custos_ledger *h = NULL;
            int bad = custos_ledger_open(&h, "p.ledger", &err) != CUSTOS_OK;
            for (int i = 0; !bad && i < each; i++) {
                char f[64];
                snprintf(f, sizeof(f), "{\"text\":\"process %d note %d\"}", p, i);
                struct custos_ledger_party a = {"author", alice};
                bad = custos_ledger_append(h, "note", f, &a, 1, NULL, NULL) != CUSTOS_OK;
            }
            custos_ledger_free(h);
            _exit(bad);
        }
    }
    int failures = 0, st;
    while (wait(&st) > 0)
        failures += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    is_int(failures, 0, "every process appended");
    struct custos_ledger_report *r = NULL;
    is_int(custos_ledger_verify("p.ledger", NULL, NULL, &r, &err), CUSTOS_OK,
           "the interleaved ledger verifies");
    if (r != NULL)
        is_int(r->entries, 1 + procs * each, "all %d entries landed", 1 + procs * each);
    custos_ledger_report_free(r);
}

static void
test_proposal_files(void)
{
    struct custos_error err;
    struct custos_ledger *l = NULL;
    char *body = NULL, **tokens = NULL;
    size_t n = 0;
    custos_ledger_open(&l, "p.ledger", &err);
    struct custos_ledger_party pp = {"author", alice};
    custos_ledger_propose(l, "note", "{\"text\":\"proposed\"}", &pp, 1, NULL, &body);
    is_status(custos_ledger_proposal_write("n.prop", body, &err), CUSTOS_OK, &err,
              "write proposal");
    free(body);
    is_status(custos_ledger_proposal_sign("n.prop", bob, &err), CUSTOS_E_REFUSED, &err,
              "a non-party may not sign a proposal");
    is_status(custos_ledger_proposal_sign("n.prop", alice, &err), CUSTOS_OK, &err, "sign proposal");
    is_status(custos_ledger_proposal_sign("n.prop", alice, &err), CUSTOS_E_REFUSED, &err,
              "signing twice refused");
    is_status(custos_ledger_proposal_read("n.prop", &body, &tokens, &n, &err), CUSTOS_OK, &err,
              "read proposal");
    is_int(n, 1, "one token");
    is_status(custos_ledger_commit(l, body, strlen(body), (const char *const *)tokens, n, 0, NULL),
              CUSTOS_OK, custos_ledger_error(l), "commit proposal");
    custos_ledger_proposal_free(body, tokens, n);
    custos_ledger_free(l);
}

/* custos_ledger_record: the tools' path, with a witness who signs later. */
static void
test_record(void)
{
    struct custos_error err;
    struct custos_ledger *l = NULL;
    struct custos_ledger_report *r = NULL;
    custos_error_clear(&err);
    struct custos_ledger_party owner = {"owner", alice};
    is_status(custos_ledger_create(&l, "rec.ledger",
                                   "{\"case\":\"IR-9\",\"level\":2,\"authorisation\":\"o\"}",
                                   &owner, NULL, &err),
              CUSTOS_OK, &err, "record: create");
    is_status(append(l, "enroll", NULL, "subject", carol, "approver", alice), CUSTOS_OK,
              custos_ledger_error(l), "record: enroll carol");
    is_status(append(l, "collect", "{\"item\":\"E-9\",\"description\":\"disk\"}", "custodian",
                     alice, "witness", carol),
              CUSTOS_OK, custos_ledger_error(l), "record: collect");
    struct custos_key *carol_pub = NULL;
    uint8_t der[CUSTOS_KEY_SPKI_SIZE];
    custos_key_spki(carol, der);
    custos_key_from_spki(&carol_pub, der, sizeof(der), "Carol Lin", "witness", &err);
    const char *f = "{\"item\":\"E-9\",\"record\":\"r.json\",\"record_sha256\":\""
                    "1111111111111111111111111111111111111111111111111111111111111111\"}";
    struct custos_ledger_party both[2] = {{"custodian", alice}, {"witness", carol}};
    struct custos_ledger_party later[2] = {{"custodian", alice}, {"witness", carol_pub}};
    uint64_t seq = 0;
    is_status(custos_ledger_record(l, "acquire", f, later, 2, NULL, 0, &seq), CUSTOS_E_USAGE,
              custos_ledger_error(l), "record: a public key without ALLOW_MISSING refused");
    is_status(custos_ledger_record(l, "acquire", f, both, 2, NULL, 0, &seq), CUSTOS_OK,
              custos_ledger_error(l), "record: both sign now");
    is_int((long long)seq, 3, "record: entry number");
    is_status(
        custos_ledger_record(l, "acquire", f, later, 2, NULL, CUSTOS_LEDGER_ALLOW_MISSING, &seq),
        CUSTOS_OK, custos_ledger_error(l), "record: the witness signs later");
    is_int(custos_ledger_verify("rec.ledger", NULL, NULL, &r, &err), CUSTOS_E_INCOMPLETE,
           "record: verify says a signature is owed");
    custos_ledger_report_free(r);
    char fields[64];
    snprintf(fields, sizeof(fields), "{\"target\":%llu}", (unsigned long long)seq);
    is_status(append(l, "attest", fields, "attester", carol, NULL, NULL), CUSTOS_OK,
              custos_ledger_error(l), "record: the witness attests");
    is_int(custos_ledger_verify("rec.ledger", NULL, NULL, &r, &err), CUSTOS_OK,
           "record: verify OK after the attest");
    custos_ledger_report_free(r);
    custos_key_free(carol_pub);
    custos_ledger_free(l);
}

/* Appends body + tokens by keys[] as one raw line, as a forger with the keys would. */
static void
forge_line(const char *path, const char *body, struct custos_key *const *keys_, size_t n)
{
    struct custos_error err;
    FILE *f = fopen(path, "a");
    fputs(body, f);
    for (size_t i = 0; i < n; i++) {
        char *t = NULL;
        custos_ledger_sign_body(body, strlen(body), keys_[i], &t, &err);
        fprintf(f, "\t%s", t);
        free(t);
    }
    fputc('\n', f);
    fclose(f);
}

/* The body of entry seq on head, with the given parties JSON and fields ("" for none). */
static char *
body_at(const char *path, const char *time_, const char *action, const char *parties,
        const char *fields)
{
    struct custos_error err;
    struct custos_ledger_report *r = NULL;
    custos_ledger_verify(path, NULL, NULL, &r, &err);
    char *b = NULL;
    if (asprintf(&b,
                 "{\"v\":1,\"seq\":%llu,\"prev\":\"%s\",\"time\":\"%s\",\"action\":\"%s\","
                 "\"parties\":[%s]%s}",
                 r != NULL ? (unsigned long long)r->entries : 0ULL, r != NULL ? r->head : "", time_,
                 action, parties, fields) < 0)
        b = NULL;
    custos_ledger_report_free(r);
    return b;
}

static char *
party_json(const char *as, const struct custos_key *k)
{
    char *p = NULL;
    if (asprintf(&p, "{\"as\":\"%s\",\"key\":\"%s\",\"name\":\"%s\"}", as,
                 custos_key_fingerprint(k), custos_key_name(k)) < 0)
        p = NULL;
    return p;
}

/* A small ledger: alice owns, bob enrolled, carol (witness) enrolled; times 10:00-10:02. */
static void
small_ledger(const char *path)
{
    struct custos_error err;
    struct custos_ledger *l = NULL;
    struct custos_ledger_party owner = {"owner", alice};
    unlink(path);
    custos_ledger_create(&l, path, "{\"case\":\"H-1\",\"level\":2,\"authorisation\":\"x\"}", &owner,
                         "2026-11-20T10:00:00Z", &err);
    struct custos_ledger_party e1[2] = {{"subject", bob}, {"approver", alice}};
    struct custos_ledger_party e2[2] = {{"subject", carol}, {"approver", alice}};
    custos_ledger_append(l, "enroll", NULL, e1, 2, "2026-11-20T10:01:00Z", NULL);
    custos_ledger_append(l, "enroll", NULL, e2, 2, "2026-11-20T10:02:00Z", NULL);
    custos_ledger_free(l);
}

/* The last line of path, without LF, in buf. */
static void
last_line(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    buf[0] = '\0';
    while (f != NULL && fgets(buf, (int)size, f) != NULL)
        ;
    if (f != NULL)
        fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
}

struct seen {
    int late[8], offset[8];
};

static int
see(void *ctx, const struct custos_ledger_entry *e, struct custos_error *err)
{
    struct seen *s = ctx;
    if (e->seq < 8) {
        s->late[e->seq] = e->late;
        s->offset[e->seq] = e->time_offset != NULL && strcmp(e->time_offset, "+08:00") == 0;
    }
    return CUSTOS_OK;
}

/*
 * Issue 13: an act time typed in Taipei time is stored as UTC with its
 * offset; an act earlier than acts recorded before it is accepted with its
 * real time, keeps its place in the chain and is flagged recorded late.
 */
static void
test_act_times(void)
{
    struct custos_error err;
    struct custos_ledger *l = NULL;
    char line[8192];
    small_ledger("t.ledger");
    is_status(custos_ledger_open(&l, "t.ledger", &err), CUSTOS_OK, &err, "times: open");
    struct custos_ledger_party pb = {"author", bob};
    is_status(custos_ledger_append(l, "note", "{\"text\":\"local\"}", &pb, 1,
                                   "2026-11-20T18:05:00+08:00", NULL),
              CUSTOS_OK, custos_ledger_error(l), "an act time with +08:00 accepted");
    last_line("t.ledger", line, sizeof(line));
    has_str(line, "\"time\":\"2026-11-20T10:05:00Z\"", "stored as UTC");
    has_str(line, "\"time_offset\":\"+08:00\",\"recorded\":\"", "offset and recording time kept");
    is_status(custos_ledger_append(l, "note", "{\"text\":\"forgotten\"}", &pb, 1,
                                   "2026-11-20T10:01:30Z", NULL),
              CUSTOS_OK, custos_ledger_error(l), "an act before the last one accepted");
    is_int(custos_ledger_size(l), 5, "appended at the end, not re-ordered");
    last_line("t.ledger", line, sizeof(line));
    has_str(line, "\"seq\":4,", "the late act is entry 4");
    has_str(line, "\"time\":\"2026-11-20T10:01:30Z\"", "with its real act time");
    is_status(custos_ledger_append(l, "note", "{\"text\":\"x\"}", &pb, 1, "yesterday", NULL),
              CUSTOS_E_USAGE, custos_ledger_error(l), "a malformed time is a usage error");
    custos_ledger_free(l);
    struct custos_ledger_report *r = NULL;
    struct seen sn;
    memset(&sn, 0, sizeof(sn));
    is_int(custos_ledger_verify_each("t.ledger", NULL, 0, NULL, see, &sn, &r, &err), CUSTOS_OK,
           "a ledger with a late act verifies");
    ok(r != NULL && r->nlate == 1 && r->late[0] == 4, "the report names entry 4 as recorded late");
    ok(sn.late[4] && !sn.late[3] && !sn.late[2], "only entry 4 is flagged late");
    ok(sn.offset[3] && !sn.offset[4], "entry 3 carries its +08:00 offset");
    custos_ledger_report_free(r);
}

/* Issue 19: an enrolment of an enrolled key without role/pub, signed by it, freed a key the
 * state still held (verify and commit). Run under ASan to see the use-after-free. */
static void
test_reenroll_without_pub(void)
{
    struct custos_error err;
    struct custos_ledger_report *r = NULL;
    small_ledger("re.ledger");
    char *pb = party_json("subject", bob), *pa = party_json("approver", alice), *ps = NULL;
    if (asprintf(&ps, "%s,%s", pb, pa) < 0)
        ps = NULL;
    char *body = body_at("re.ledger", "2026-11-20T10:03:00Z", "enroll", ps, "");
    /* commit of the proposal first, then the same line forged into a copy for verify */
    struct custos_ledger *l = NULL;
    is_status(custos_ledger_open(&l, "re.ledger", &err), CUSTOS_OK, &err, "re-enrol: open");
    char *tb = NULL, *ta = NULL;
    custos_ledger_sign_body(body, strlen(body), bob, &tb, &err);
    custos_ledger_sign_body(body, strlen(body), alice, &ta, &err);
    const char *toks[2] = {tb, ta};
    int rc = l != NULL ? custos_ledger_commit(l, body, strlen(body), toks, 2, 0, NULL) : -1;
    ok(rc != CUSTOS_OK, "re-enrol: commit refused (%d)", rc);
    /* the handle is still usable and its state intact: bob can still act */
    struct custos_ledger_party a = {"author", bob};
    is_status(l != NULL ? custos_ledger_append(l, "note", "{\"text\":\"still here\"}", &a, 1,
                                               "2026-11-20T10:04:00Z", NULL)
                        : -1,
              CUSTOS_OK, l != NULL ? custos_ledger_error(l) : &err,
              "re-enrol: bob's key still works after the refused commit");
    custos_ledger_free(l);
    free(body);
    small_ledger("re.ledger");
    body = body_at("re.ledger", "2026-11-20T10:03:00Z", "enroll", ps, "");
    struct custos_key *signers[2] = {bob, alice};
    forge_line("re.ledger", body, signers, 2);
    rc = custos_ledger_verify("re.ledger", NULL, NULL, &r, &err);
    ok(rc == CUSTOS_E_CORRUPT || rc == CUSTOS_E_UNTRUSTED, "re-enrol: verify fails (%d)", rc);
    if (r != NULL)
        is_int(r->signatures, 6, "re-enrol: the old entries' signatures were checked");
    custos_ledger_report_free(r);
    free(tb);
    free(ta);
    free(body);
    free(pb);
    free(pa);
    free(ps);
}

/* Issue 19: nothing signs, cosigns or appends over a ledger whose signatures do not hold. */
static void
test_no_signing_over_forgery(void)
{
    struct custos_error err;
    struct custos_ledger *l = NULL;
    small_ledger("fg.ledger");
    is_status(custos_ledger_open(&l, "fg.ledger", &err), CUSTOS_OK, &err, "forgery: open");
    char *cp = NULL;
    struct custos_ledger_party a = {"author", bob};
    custos_ledger_append(l, "note", "{\"text\":\"seal intact\"}", &a, 1, "2026-11-20T10:05:00Z",
                         NULL);
    custos_ledger_checkpoint(l, alice, &cp);
    custos_ledger_free(l);
    l = NULL;
    /* edit the last entry after signing: the chain still links, only its signature fails */
    char *text = NULL;
    size_t len = 0;
    FILE *f = fopen("fg.ledger", "r+");
    fseek(f, 0, SEEK_END);
    len = (size_t)ftell(f);
    text = malloc(len);
    fseek(f, 0, SEEK_SET);
    if (fread(text, 1, len, f) != len)
        len = 0;
    char *at = memmem(text, len, "seal intact", 11);
    if (at != NULL)
        memcpy(at, "seal broken", 11);
    fseek(f, 0, SEEK_SET);
    fwrite(text, 1, len, f);
    fclose(f);
    free(text);
    ok(at != NULL, "forgery: the last entry edited");
    int rc = custos_ledger_open(&l, "fg.ledger", &err);
    is_int(rc, CUSTOS_E_UNTRUSTED, "forgery: open for appending refused");
    has_str(err.message, "does not verify", "forgery: the message names the bad signature");
    custos_ledger_free(l);
    free(cp);
}

/* Issue 19: a checkpoint counts only with signatures by keys valid over its whole range. */
static void
test_revoked_checkpoint_signer(void)
{
    struct custos_error err;
    struct custos_ledger *l = NULL;
    struct custos_ledger_report *r = NULL;
    small_ledger("rv.ledger");
    custos_ledger_open(&l, "rv.ledger", &err);
    char rf[160];
    snprintf(rf, sizeof(rf), "{\"key\":\"%s\",\"reason\":\"laptop stolen\"}",
             custos_key_fingerprint(bob));
    struct custos_ledger_party ap = {"approver", alice};
    is_status(custos_ledger_append(l, "revoke", rf, &ap, 1, "2026-11-20T10:05:00Z", NULL),
              CUSTOS_OK, custos_ledger_error(l), "revoked signer: revoke bob");
    struct custos_ledger_party a = {"author", alice};
    custos_ledger_append(l, "note", "{\"text\":\"after\"}", &a, 1, "2026-11-20T10:06:00Z", NULL);
    uint8_t root[32];
    struct custos_ledger_report *r0 = NULL;
    custos_ledger_verify("rv.ledger", NULL, NULL, &r0, &err);
    memcpy(root, r0->root, 32);
    uint64_t n = r0->entries;
    custos_ledger_report_free(r0);
    char *note = NULL;
    custos_checkpoint_sign(custos_ledger_origin(l), n, root, bob, &note, &err);
    FILE *f = fopen("rv.cp", "w");
    fputs(note, f);
    fclose(f);
    int rc = custos_ledger_verify("rv.ledger", "rv.cp", NULL, &r, &err);
    is_int(rc, CUSTOS_E_UNTRUSTED, "revoked signer: a checkpoint by a revoked key fails");
    custos_ledger_report_free(r);
    r = NULL;
    /* a checkpoint bob signed before his revocation still counts */
    free(note);
    note = NULL;
    struct custos_ledger_report *r3 = NULL;
    small_ledger("rv2.ledger");
    custos_ledger_verify("rv2.ledger", NULL, NULL, &r3, &err);
    custos_ledger_free(l);
    l = NULL;
    custos_ledger_open(&l, "rv2.ledger", &err);
    custos_checkpoint_sign(custos_ledger_origin(l), r3->entries, r3->root, bob, &note, &err);
    custos_ledger_report_free(r3);
    custos_ledger_append(l, "revoke", rf, &ap, 1, "2026-11-20T10:05:00Z", NULL);
    f = fopen("rv2.cp", "w");
    fputs(note, f);
    fclose(f);
    is_int(custos_ledger_verify("rv2.ledger", "rv2.cp", NULL, &r, &err), CUSTOS_OK,
           "revoked signer: a checkpoint made before the revocation counts");
    custos_ledger_report_free(r);
    free(note);
    custos_ledger_free(l);
}

/* Issue 19: commit --allow-missing of an entry nobody signed is refused. */
static void
test_commit_unsigned(void)
{
    struct custos_error err;
    struct custos_ledger *l = NULL;
    small_ledger("us.ledger");
    custos_ledger_open(&l, "us.ledger", &err);
    struct custos_ledger_party pp = {"author", bob};
    char *body = NULL;
    custos_ledger_propose(l, "note", "{\"text\":\"nobody signs\"}", &pp, 1, "2026-11-20T10:05:00Z",
                          &body);
    is_status(
        custos_ledger_commit(l, body, strlen(body), NULL, 0, CUSTOS_LEDGER_ALLOW_MISSING, NULL),
        CUSTOS_E_REFUSED, custos_ledger_error(l), "unsigned: commit refused");
    custos_ledger_free(l);
    /* and a forged unsigned line does not verify */
    free(body);
    small_ledger("us.ledger");
    char *pb = party_json("author", bob);
    body = body_at("us.ledger", "2026-11-20T10:05:00Z", "note", pb, ",\"text\":\"forged\"");
    free(pb);
    forge_line("us.ledger", body, NULL, 0);
    struct custos_ledger_report *r = NULL;
    is_int(custos_ledger_verify("us.ledger", NULL, NULL, &r, &err), CUSTOS_E_UNTRUSTED,
           "unsigned: an entry without any signature does not verify");
    custos_ledger_report_free(r);
    free(body);
}

/* Rewrites line `no` (0-based) of path with edit(line) in place. */
static void
edit_line(const char *path, int no, void (*edit)(char *line))
{
    FILE *f = fopen(path, "r");
    char **lines = NULL, buf[8192];
    size_t n = 0;
    while (fgets(buf, sizeof(buf), f) != NULL) {
        lines = realloc(lines, (n + 1) * sizeof(*lines));
        lines[n++] = strdup(buf);
    }
    fclose(f);
    edit(lines[no]);
    f = fopen(path, "w");
    for (size_t i = 0; i < n; i++) {
        fputs(lines[i], f);
        free(lines[i]);
    }
    fclose(f);
    free(lines);
}

static void
flip_sig(char *line)
{
    char *tab = strchr(line, '\t');
    tab[65 + 10] = tab[65 + 10] == 'A' ? 'B' : 'A';
}

static void
rename_field(char *line)
{
    char *t = strstr(line, "\"text\"");
    t[4] = 'u';
}

/* Issue 15: signatures checked on worker threads report exactly what checking in line does,
 * in entry order (the ledger is large enough for the worker pool). */
static void
test_parallel_findings(void)
{
    struct custos_error err;
    struct custos_ledger *l = NULL;
    struct custos_ledger_party owner = {"owner", alice}, a = {"author", alice};
    unlink("big.ledger");
    custos_ledger_create(&l, "big.ledger", "{\"case\":\"B\",\"level\":1,\"authorisation\":\"x\"}",
                         &owner, "2026-11-20T10:00:00Z", &err);
    for (int i = 1; i < 300; i++) {
        char f[96];
        snprintf(f, sizeof(f), "{\"text\":\"note %d, padded to make the ledger large\"}", i);
        custos_ledger_append(l, "note", f, &a, 1, "2026-11-20T10:01:00Z", NULL);
    }
    custos_ledger_free(l);
    ok(file_size("big.ledger") > 128 * 1024, "parallel: the ledger is large enough for the pool");
    edit_line("big.ledger", 50, flip_sig);
    edit_line("big.ledger", 100, rename_field);
    edit_line("big.ledger", 200, flip_sig);
    struct custos_ledger_report *r = NULL;
    is_int(custos_ledger_verify("big.ledger", NULL, NULL, &r, &err), CUSTOS_E_UNTRUSTED,
           "parallel: the damaged ledger fails");
    static const char *const want[] = {
        "entry 50: signature of author Alice Chen",
        "entry 51: hash link broken",
        "entry 100: field \"texu\" is not defined for note",
        "entry 100: note needs the field \"text\"",
        "entry 100: signature of author Alice Chen",
        "entry 101: hash link broken",
        "entry 200: signature of author Alice Chen",
        "entry 201: hash link broken",
    };
    size_t nw = sizeof(want) / sizeof(want[0]);
    is_int(r != NULL ? (long long)r->nfindings : -1, (long long)nw,
           "parallel: one finding per fault");
    for (size_t i = 0; r != NULL && i < nw && i < r->nfindings; i++)
        ok(strncmp(r->findings[i].message, want[i], strlen(want[i])) == 0,
           "parallel: finding %zu in order: %s", i, r->findings[i].message);
    if (r != NULL)
        is_int(r->signatures, 300, "parallel: every signature counted");
    custos_ledger_report_free(r);
    is_int(custos_ledger_open(&l, "big.ledger", &err), CUSTOS_E_UNTRUSTED,
           "parallel: open names the first bad entry");
    has_str(err.message, "entry 50: signature of author", "parallel: the first in chain order");
    custos_ledger_free(l);
}

/* SHA-256 of line no (0-based) of path, in hex, taken with OpenSSL here. */
static void
line_sha256(const char *path, int no, char hex[65])
{
    FILE *f = fopen(path, "r");
    char buf[8192];
    hex[0] = '\0';
    for (int i = 0; f != NULL && fgets(buf, sizeof(buf), f) != NULL; i++)
        if (i == no) {
            uint8_t h[32];
            EVP_Digest(buf, strcspn(buf, "\n"), h, NULL, EVP_sha256(), NULL);
            custos_hex_encode(h, 32, hex);
        }
    if (f != NULL)
        fclose(f);
}

/* Appends an attest by carol of entry target claiming sha (signed by her). */
static void
forge_attest(const char *path, const char *time_, int target, const char *sha)
{
    char fields[160];
    snprintf(fields, sizeof(fields), ",\"target\":%d,\"target_sha256\":\"%s\"", target, sha);
    char *pc = party_json("attester", carol);
    char *body = body_at(path, time_, "attest", pc, fields);
    struct custos_key *k[] = {carol};
    forge_line(path, body, k, 1);
    free(pc);
    free(body);
}

/*
 * Issue 15: verification keeps the line hash of an entry only while it owes
 * a signature; an attest naming any other entry is settled after the scan
 * by reading that line again, with exactly the findings, in the order, that
 * keeping every hash gives (checked against the build before the change).
 * The ledger is large enough for the worker pool, whose signature findings
 * land around the settled ones.
 */
static void
test_attest_targets(void)
{
    struct custos_error err;
    struct custos_ledger *l = NULL;
    small_ledger("at.ledger");
    custos_ledger_open(&l, "at.ledger", &err);
    struct custos_ledger_party pb = {"author", bob};
    custos_ledger_append(l, "note", "{\"text\":\"three\"}", &pb, 1, "2026-11-20T10:03:00Z", NULL);
    struct custos_ledger_party pp[2] = {{"custodian", bob}, {"witness", carol}};
    char *body = NULL, *t1 = NULL;
    custos_ledger_propose(l, "collect", "{\"item\":\"E-1\",\"description\":\"disk\"}", pp, 2,
                          "2026-11-20T10:04:00Z", &body);
    custos_ledger_sign_body(body, strlen(body), bob, &t1, &err);
    const char *only_bob[] = {t1};
    uint64_t seq = 0;
    is_status(custos_ledger_commit(l, body, strlen(body), (const char *const *)only_bob, 1,
                                   CUSTOS_LEDGER_ALLOW_MISSING, &seq),
              CUSTOS_OK, custos_ledger_error(l), "attest targets: entry 4 owes the witness");
    is_int(seq, 4, "attest targets: the collection is entry 4");
    free(body);
    free(t1);
    for (int i = 5; i < 255; i++) {
        char f[96];
        snprintf(f, sizeof(f), "{\"text\":\"note %d, padded to make the ledger large\"}", i);
        custos_ledger_append(l, "note", f, &pb, 1, "2026-11-20T10:05:00Z", NULL);
    }
    custos_ledger_free(l);
    edit_line("at.ledger", 254, flip_sig);
    char h3[65], h4[65], zero[65];
    line_sha256("at.ledger", 3, h3);
    line_sha256("at.ledger", 4, h4);
    memset(zero, '0', 64);
    zero[64] = '\0';
    char t[24]; /* now: no earlier than the recording times of the entries before */
    time_t now = time(NULL);
    strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    forge_attest("at.ledger", t, 3, zero);   /* 255: no debt, wrong hash: settled later, kept */
    forge_attest("at.ledger", t, 3, h3);     /* 256: no debt, right hash: settled later, none */
    forge_attest("at.ledger", t, 4, zero);   /* 257: owed, wrong hash: known now (pend) */
    forge_attest("at.ledger", t, 4, h4);     /* 258: paid by 257, right hash: settled later */
    forge_attest("at.ledger", t, 258, zero); /* 259: the last entry: the head */
    forge_attest("at.ledger", t, 2, "xyz");  /* 260: not a hash at all: known now */
    char *pn = party_json("author", bob);
    body = body_at("at.ledger", t, "note", pn, ",\"text\":\"last\"");
    struct custos_key *kb[] = {bob};
    forge_line("at.ledger", body, kb, 1);
    edit_line("at.ledger", 261, flip_sig);
    free(pn);
    free(body);
    ok(file_size("at.ledger") > 64 * 1024,
       "attest targets: the ledger is large enough for the pool");
    struct custos_ledger_report *r = NULL;
    is_int(custos_ledger_verify("at.ledger", NULL, NULL, &r, &err), CUSTOS_E_UNTRUSTED,
           "attest targets: the ledger fails");
    static const struct {
        const char *text;
        int status;
    } want[] = {
        {"entry 254: signature of author Bob Wu", CUSTOS_E_UNTRUSTED},
        {"entry 255: attest target_sha256 is not the hash of entry 3", CUSTOS_E_UNTRUSTED},
        {"entry 255: Carol Lin has no missing signature on entry 3", CUSTOS_E_UNTRUSTED},
        {"entry 256: Carol Lin has no missing signature on entry 3", CUSTOS_E_UNTRUSTED},
        {"entry 257: attest target_sha256 is not the hash of entry 4", CUSTOS_E_UNTRUSTED},
        {"entry 258: Carol Lin has no missing signature on entry 4", CUSTOS_E_UNTRUSTED},
        {"entry 259: attest target_sha256 is not the hash of entry 258", CUSTOS_E_UNTRUSTED},
        {"entry 259: Carol Lin has no missing signature on entry 258", CUSTOS_E_UNTRUSTED},
        {"entry 260: field \"target_sha256\" has the wrong type or form", CUSTOS_E_CORRUPT},
        {"entry 260: attest target_sha256 is not the hash of entry 2", CUSTOS_E_UNTRUSTED},
        {"entry 260: Carol Lin has no missing signature on entry 2", CUSTOS_E_UNTRUSTED},
        {"entry 261: signature of author Bob Wu", CUSTOS_E_UNTRUSTED},
    };
    size_t nw = sizeof(want) / sizeof(want[0]);
    is_int(r != NULL ? (long long)r->nfindings : -1, (long long)nw,
           "attest targets: one finding per fault");
    for (size_t i = 0; r != NULL && i < nw && i < r->nfindings; i++) {
        ok(strncmp(r->findings[i].message, want[i].text, strlen(want[i].text)) == 0 &&
               r->findings[i].status == want[i].status,
           "attest targets: finding %zu in order, status %d: %s", i, r->findings[i].status,
           r->findings[i].message);
    }
    custos_ledger_report_free(r);
}

#if defined(__SANITIZE_ADDRESS__)
#define CUSTOS_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CUSTOS_TEST_ASAN 1
#endif
#endif

#ifndef CUSTOS_TEST_ASAN /* test_flat_memory is skipped there */
/* n entries: small_ledger's three, then notes by bob written here (signed, chained). */
static void
notes_ledger(const char *path, int n)
{
    struct custos_error err;
    char prev[65], now[24], pad[601], *pb = party_json("author", bob);
    memset(pad, 'x', 600); /* about 1 KiB a line: the 4 MiB read buffer is filled either way */
    pad[600] = '\0';
    time_t t0 = time(NULL); /* no earlier than small_ledger's recording times */
    small_ledger(path);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t0));
    line_sha256(path, 2, prev);
    FILE *f = fopen(path, "a");
    for (int seq = 3; f != NULL && seq < n; seq++) {
        char body[2048], *t = NULL;
        uint8_t h[32];
        snprintf(body, sizeof(body),
                 "{\"v\":1,\"seq\":%d,\"prev\":\"%s\",\"time\":\"%s\",\"action\":\"note\","
                 "\"parties\":[%s],\"text\":\"note %d %.600s\"}\t",
                 seq, prev, now, pb, seq, pad);
        custos_ledger_sign_body(body, strlen(body) - 1, bob, &t, &err);
        strcat(body, t);
        free(t);
        EVP_Digest(body, strlen(body), h, NULL, EVP_sha256(), NULL);
        custos_hex_encode(h, 32, prev);
        fprintf(f, "%s\n", body);
    }
    if (f != NULL)
        fclose(f);
    free(pb);
}

/* The peak RSS (VmHWM, KiB) of a child that verifies path; -1 unless it verifies. */
static long
verify_peak_kib(const char *path)
{
    int fd[2];
    long kib = -1;
    if (pipe(fd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        struct custos_error err;
        struct custos_ledger_report *r = NULL;
        if (custos_ledger_verify(path, NULL, NULL, &r, &err) == CUSTOS_OK && r->entries > 0) {
            char line[256];
            FILE *st = fopen("/proc/self/status", "r");
            while (st != NULL && fgets(line, sizeof(line), st) != NULL)
                if (strncmp(line, "VmHWM:", 6) == 0)
                    kib = strtol(line + 6, NULL, 10);
            if (st != NULL)
                fclose(st);
        }
        if (write(fd[1], &kib, sizeof(kib)) != (ssize_t)sizeof(kib))
            _exit(1);
        _exit(0);
    }
    close(fd[1]);
    if (pid < 0 || read(fd[0], &kib, sizeof(kib)) != (ssize_t)sizeof(kib))
        kib = -1;
    close(fd[0]);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    return kib;
}

#endif

/*
 * Issue 15: verifying keeps flat memory. The peak RSS of verifying 24 000
 * entries is that of verifying 6 000 within 1 MiB (measured: 0 to 4 KiB
 * more); keeping every leaf and line hash (64 bytes an entry, in doubling
 * arrays), as before, added 2.3 MiB here. Lines of about 1 KiB make both
 * files larger than the 4 MiB read buffer, which is then touched in full.
 * Both children fork from the same parent, after both ledgers are written.
 * AddressSanitizer's quarantine keeps freed memory, so it is skipped there.
 */
static void
test_flat_memory(void)
{
#ifdef CUSTOS_TEST_ASAN
    ok(1, "flat memory # SKIP AddressSanitizer keeps freed memory");
#else
    notes_ledger("m1.ledger", 6000);
    notes_ledger("m4.ledger", 24000);
    long k1 = verify_peak_kib("m1.ledger"), k4 = verify_peak_kib("m4.ledger");
    ok(k1 > 0 && k4 > 0, "flat memory: both ledgers verify (peak %ld and %ld KiB)", k1, k4);
    ok(k1 > 0 && k4 > 0 && k4 - k1 < 1024,
       "flat memory: 4 times the entries, peak RSS %ld KiB more (under 1024)", k4 - k1);
#endif
}

int
main(void)
{
    tap_tmpdir();
    keys();
    test_lifecycle();
    test_record();
    test_parallel();
    test_proposal_files();
    test_reenroll_without_pub();
    test_no_signing_over_forgery();
    test_revoked_checkpoint_signer();
    test_commit_unsigned();
    test_parallel_findings();
    test_act_times();
    test_attest_targets();
    test_flat_memory();
    custos_key_free(alice);
    custos_key_free(bob);
    custos_key_free(carol);
    custos_key_free(vera);
    custos_key_free(mallory);
    return tap_done();
}
