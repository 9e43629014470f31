/* SPDX-License-Identifier: ISC */
/*
 * test-timestamp: RFC 3161 requests, replies and verification against a
 * real TSA: `openssl ts -reply` behind tests/tsa/tsa-server.py on loopback,
 * with the CA and TSA certificates of tests/tsa/make-tsa.sh.
 */
#include "custos/timestamp.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include <openssl/ts.h>

#include "tap.h"

static char url[256];
static pid_t server;

static void
start_tsa(void)
{
    const char *root = getenv("CUSTOS_SOURCE_ROOT");
    char cmd[8192];
    if (root == NULL) {
        printf("Bail out! CUSTOS_SOURCE_ROOT is not set\n");
        exit(1);
    }
    snprintf(cmd, sizeof(cmd), "'%s/tests/tsa/make-tsa.sh' tsa", root);
    if (system(cmd) != 0) {
        printf("Bail out! make-tsa.sh failed\n");
        exit(1);
    }
    char script[4200];
    snprintf(script, sizeof(script), "%s/tests/tsa/tsa-server.py", root);
    unsetenv("http_proxy");
    unsetenv("HTTP_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
    server = fork();
    if (server == 0) {
        execlp("python3", "python3", script, "tsa", "tsa/port", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100; i++) {
        FILE *f = fopen("tsa/port", "r");
        int port = 0;
        if (f != NULL) {
            if (fscanf(f, "%d", &port) != 1)
                port = 0;
            fclose(f);
        }
        if (port > 0) {
            snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
            return;
        }
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
    printf("Bail out! the TSA server did not start\n");
    exit(1);
}

static void
stop_tsa(void)
{
    if (server > 0) {
        kill(server, SIGTERM);
        waitpid(server, NULL, 0);
    }
}

static void
test_request(void)
{
    struct custos_error err;
    uint8_t imp[32], *r1, *r2;
    size_t n1, n2;
    custos_error_clear(&err);
    memset(imp, 0xab, sizeof(imp));
    is_status(custos_timestamp_request(imp, &r1, &n1, &err), CUSTOS_OK, &err, "request");
    is_status(custos_timestamp_request(imp, &r2, &n2, &err), CUSTOS_OK, &err, "second request");
    const unsigned char *p = r1;
    TS_REQ *q = d2i_TS_REQ(NULL, &p, (long)n1);
    ok(q != NULL && p == r1 + n1, "the request is DER TimeStampReq");
    if (q != NULL) {
        ASN1_OCTET_STRING *m = TS_MSG_IMPRINT_get_msg(TS_REQ_get_msg_imprint(q));
        ok(ASN1_STRING_length(m) == 32 && memcmp(ASN1_STRING_get0_data(m), imp, 32) == 0,
           "it carries the imprint");
        is_int(OBJ_obj2nid(TS_MSG_IMPRINT_get_algo(TS_REQ_get_msg_imprint(q))->algorithm),
               NID_sha256, "imprint algorithm is SHA-256");
        ok(TS_REQ_get_nonce(q) != NULL, "it has a nonce");
        is_int(TS_REQ_get_cert_req(q), 1, "it asks for the TSA certificate");
        TS_REQ_free(q);
    }
    ok(n1 != n2 || memcmp(r1, r2, n1) != 0, "two requests differ (fresh nonces)");
    free(r1);
    free(r2);
}

static void
write_file(const char *path, const uint8_t *b, size_t n)
{
    tap_write(path, b, n);
}

static void
test_fetch_verify(void)
{
    struct custos_error err;
    struct custos_timestamp_info info;
    uint8_t imp[32], other[32], *tsr = NULL;
    size_t len = 0;
    char u[300];
    custos_error_clear(&err);
    for (int i = 0; i < 32; i++) {
        imp[i] = (uint8_t)i;
        other[i] = (uint8_t)(i + 1);
    }
    struct custos_timestamp_options opts = {.timeout_s = 20, .cafile = "tsa/ca.crt"};
    time_t before = time(NULL);
    is_status(custos_timestamp_fetch(url, imp, &opts, &tsr, &len, &info, &err), CUSTOS_OK, &err,
              "fetch from the local TSA, verified against its CA");
    ok(info.gen_time_unix >= before - 5 && info.gen_time_unix <= time(NULL) + 5,
       "genTime is now (%s)", info.gen_time);
    is_int(strlen(info.gen_time), 20, "genTime is RFC 3339 with seconds");
    is_str(info.policy, "1.3.6.1.4.1.99999.1.1", "policy OID of the TSA configuration");
    has_str(info.tsa_name, "custos Test TSA", "TSA name");
    ok(info.serial[0] != '\0', "serial %s", info.serial);
    ok(memcmp(info.imprint, imp, 32) == 0, "imprint reported");

    is_status(custos_timestamp_verify(tsr, len, imp, "tsa/ca.crt", &info, &err), CUSTOS_OK, &err,
              "stored reply verifies");
    is_status(custos_timestamp_verify(tsr, len, other, "tsa/ca.crt", NULL, &err),
              CUSTOS_E_UNTRUSTED, &err, "another imprint fails");
    has_str(err.message, "imprint mismatch", "message says imprint mismatch");
    is_status(custos_timestamp_verify(tsr, len, imp, "tsa/other-ca.crt", NULL, &err),
              CUSTOS_E_UNTRUSTED, &err, "an unrelated CA fails");
    is_status(custos_timestamp_verify(tsr, len, imp, "tsa/missing.crt", NULL, &err), CUSTOS_E_IO,
              &err, "a missing CA file is an I/O error");
    is_status(custos_timestamp_verify(tsr, len - 1, imp, "tsa/ca.crt", NULL, &err),
              CUSTOS_E_CORRUPT, &err, "a truncated reply is corrupt");
    uint8_t *bad = malloc(len);
    memcpy(bad, tsr, len);
    bad[len - 20] ^= 0x01; /* inside the CMS signature value */
    int rc = custos_timestamp_verify(bad, len, imp, "tsa/ca.crt", NULL, &err);
    ok(rc == CUSTOS_E_UNTRUSTED || rc == CUSTOS_E_CORRUPT, "a flipped signature bit fails (%s)",
       err.message);
    free(bad);
    is_status(custos_timestamp_info(tsr, len, &info, &err), CUSTOS_OK, &err, "info parses");

    /* The openssl CLI agrees: the stored bytes are an ordinary .tsr. */
    write_file("stamp.tsr", tsr, len);
    char hex[65], cmd[512];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", imp[i]);
    snprintf(cmd, sizeof(cmd),
             "openssl ts -verify -digest %s -in stamp.tsr -CAfile tsa/ca.crt >/dev/null 2>&1", hex);
    is_int(system(cmd), 0, "openssl ts -verify accepts the reply");
    free(tsr);

    /* A TSA whose certificate had expired when it signed: refused at genTime. */
    opts.cafile = NULL;
    snprintf(u, sizeof(u), "%s/old", url);
    is_status(custos_timestamp_fetch(u, imp, &opts, &tsr, &len, &info, &err), CUSTOS_OK, &err,
              "the expired TSA still answers");
    is_status(custos_timestamp_verify(tsr, len, imp, "tsa/ca.crt", NULL, &err), CUSTOS_E_UNTRUSTED,
              &err, "its token is refused");
    has_str(err.message, "expired", "because the certificate had expired at genTime");
    free(tsr);
    opts.cafile = "tsa/ca.crt";
    is_status(custos_timestamp_fetch(u, imp, &opts, &tsr, &len, NULL, &err), CUSTOS_E_UNTRUSTED,
              &err, "fetch with a CA refuses it at once");
    ok(tsr == NULL, "and returns no reply");

    /* An Ed25519 TSA: OpenSSL 3.0 answers with a rejection, which must not pass. */
    snprintf(u, sizeof(u), "%s/ed25519", url);
    is_status(custos_timestamp_fetch(u, imp, NULL, &tsr, &len, NULL, &err), CUSTOS_E_UNTRUSTED,
              &err, "a rejection is refused");
    has_str(err.message, "rejection", "message quotes the status");

    /* A replayed reply answers an earlier request: the nonce differs. */
    snprintf(u, sizeof(u), "%s/replay", url);
    is_status(custos_timestamp_fetch(u, imp, NULL, &tsr, &len, NULL, &err), CUSTOS_OK, &err,
              "first reply");
    free(tsr);
    is_status(custos_timestamp_fetch(u, imp, NULL, &tsr, &len, NULL, &err), CUSTOS_E_UNTRUSTED,
              &err, "a replayed reply is refused");
    has_str(err.message, "nonce", "message names the nonce");
    is_status(custos_timestamp_fetch(u, other, NULL, &tsr, &len, NULL, &err), CUSTOS_E_UNTRUSTED,
              &err, "a reply for another imprint is refused");

    /* Transport failures. */
    snprintf(u, sizeof(u), "%s/html", url);
    is_status(custos_timestamp_fetch(u, imp, NULL, &tsr, &len, NULL, &err), CUSTOS_E_IO, &err,
              "another content type");
    snprintf(u, sizeof(u), "%s/500", url);
    is_status(custos_timestamp_fetch(u, imp, NULL, &tsr, &len, NULL, &err), CUSTOS_E_IO, &err,
              "HTTP 500");
    has_str(err.message, "HTTP 500", "message names the status");
    snprintf(u, sizeof(u), "%s/huge", url);
    is_status(custos_timestamp_fetch(u, imp, NULL, &tsr, &len, NULL, &err), CUSTOS_E_CORRUPT, &err,
              "an over-long reply is cut off");
    is_status(custos_timestamp_fetch("ftp://127.0.0.1/", imp, NULL, &tsr, &len, NULL, &err),
              CUSTOS_E_USAGE, &err, "another scheme is refused");
    is_status(custos_timestamp_fetch("http://127.0.0.1:1/", imp, NULL, &tsr, &len, NULL, &err),
              CUSTOS_E_IO, &err, "a closed port is an I/O error");
    has_str(err.message, "127.0.0.1:1", "message names the URL");
    is_status(custos_timestamp_info((const uint8_t *)"junk", 4, &info, &err), CUSTOS_E_CORRUPT,
              &err, "junk is not a reply");
}

int
main(void)
{
    tap_tmpdir();
    test_request();
    start_tsa();
    test_fetch_verify();
    stop_tsa();
    return tap_done();
}
