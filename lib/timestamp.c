/* SPDX-License-Identifier: ISC */
/*
 * timestamp.c: RFC 3161 timestamps through OpenSSL's TS API and libcurl.
 *
 * This file builds TimeStampReq messages, posts them to a TSA over HTTP
 * (RFC 3161 section 3.4: one POST, content types application/timestamp-query
 * and application/timestamp-reply), checks that the reply answers the
 * request, and verifies stored replies. It keeps whole TimeStampResp
 * messages rather than bare tokens because that is what `openssl ts
 * -verify -in` reads by default and because the status is part of what was
 * answered.
 *
 * Verification is OpenSSL's TS_RESP_verify_response (version, CMS signature
 * with ESS signing-certificate binding, signer purpose timestampsign, which
 * requires the critical timeStamping EKU, and the imprint), with two
 * additions: the imprint algorithm must be SHA-256 (OpenSSL compares only
 * the bytes when the context has no algorithm), and the chain is validated
 * at the token's genTime (X509_VERIFY_PARAM_set_time on the trust store),
 * the long-term rule of RFC 3161 appendix B.
 *
 * Every OpenSSL error string is drained into the custos_error message; the
 * OpenSSL error queue is thread-local, so this keeps no shared state.
 */
#include "custos/timestamp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h> /* strncasecmp */
#include <time.h>

#include <curl/curl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "custos/custos.h"

/* Appends the OpenSSL error queue's last reason (and its data) to buf, and clears the queue. */
static void
ossl_reason(char *buf, size_t len)
{
    unsigned long e, last = 0;
    const char *data = NULL, *last_data = NULL;
    int flags = 0;
    char tmp[256];
    buf[0] = '\0';
    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        /* Keep the first error that carries a verification detail, else the last. */
        if (last_data == NULL || last == 0) {
            last = e;
            last_data = (flags & ERR_TXT_STRING) && data != NULL && data[0] ? data : NULL;
            if (last_data != NULL) {
                snprintf(tmp, sizeof(tmp), "%s", last_data);
                last_data = tmp;
            }
        }
    }
    if (last == 0) {
        snprintf(buf, len, "unknown OpenSSL error");
        return;
    }
    const char *reason = ERR_reason_error_string(last);
    if (last_data != NULL)
        snprintf(buf, len, "%s (%s)", reason != NULL ? reason : "error", last_data);
    else
        snprintf(buf, len, "%s", reason != NULL ? reason : "error");
}

int
custos_timestamp_request(const uint8_t imprint[CUSTOS_TIMESTAMP_IMPRINT_SIZE], uint8_t **req,
                         size_t *reqlen, struct custos_error *err)
{
    *req = NULL;
    *reqlen = 0;
    int rc = CUSTOS_E_NOMEM;
    TS_REQ *r = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    BIGNUM *bn = BN_new();
    ASN1_INTEGER *nonce = NULL;
    unsigned char *der = NULL;
    if (r == NULL || mi == NULL || alg == NULL || bn == NULL)
        goto out;
    if (!X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) ||
        !TS_MSG_IMPRINT_set_algo(mi, alg) ||
        !TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)imprint, CUSTOS_TIMESTAMP_IMPRINT_SIZE) ||
        !TS_REQ_set_version(r, 1) || !TS_REQ_set_msg_imprint(r, mi))
        goto out;
    /* A 64-bit random nonce ties the reply to this request (RFC 3161 2.4.1). */
    if (!BN_rand(bn, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
        (nonce = BN_to_ASN1_INTEGER(bn, NULL)) == NULL || !TS_REQ_set_nonce(r, nonce) ||
        !TS_REQ_set_cert_req(r, 1))
        goto out;
    int n = i2d_TS_REQ(r, &der);
    if (n <= 0)
        goto out;
    if ((*req = malloc((size_t)n)) == NULL)
        goto out;
    memcpy(*req, der, (size_t)n);
    *reqlen = (size_t)n;
    rc = CUSTOS_OK;
out:
    if (rc != CUSTOS_OK) {
        ERR_clear_error();
        custos_error_set(err, rc, 0, NULL, "cannot build a timestamp request");
    }
    OPENSSL_free(der);
    ASN1_INTEGER_free(nonce);
    BN_free(bn);
    X509_ALGOR_free(alg);
    TS_MSG_IMPRINT_free(mi);
    TS_REQ_free(r);
    return rc;
}

struct body {
    uint8_t *buf;
    size_t len;
    int too_long;
};

static size_t
body_write(char *ptr, size_t size, size_t nmemb, void *user)
{
    struct body *b = user;
    size_t n = size * nmemb;
    if (b->len + n > CUSTOS_TIMESTAMP_REPLY_MAX) {
        b->too_long = 1;
        return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
    }
    uint8_t *nb = realloc(b->buf, b->len + n + 1);
    if (nb == NULL)
        return 0;
    b->buf = nb;
    memcpy(b->buf + b->len, ptr, n);
    b->len += n;
    return n;
}

int
custos_timestamp_post(const char *url, const uint8_t *req, size_t reqlen,
                      const struct custos_timestamp_options *opts, uint8_t **reply,
                      size_t *replylen, struct custos_error *err)
{
    *reply = NULL;
    *replylen = 0;
    if (url == NULL ||
        (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, url, "a TSA URL must be http or https");
    long timeout =
        opts != NULL && opts->timeout_s > 0 ? opts->timeout_s : CUSTOS_TIMESTAMP_TIMEOUT_S;
    struct body b = {0};
    char ebuf[CURL_ERROR_SIZE] = "";
    char ua[64];
    snprintf(ua, sizeof(ua), "custos/%s", custos_version());
    struct curl_slist *hdr = NULL, *h2;
    CURL *h = curl_easy_init();
    int rc = CUSTOS_E_NOMEM;
    if (h == NULL)
        goto out;
    if ((h2 = curl_slist_append(hdr, "Content-Type: " CUSTOS_TIMESTAMP_QUERY_TYPE)) == NULL)
        goto out;
    hdr = h2;
    if ((h2 = curl_slist_append(hdr, "Accept: " CUSTOS_TIMESTAMP_REPLY_TYPE)) == NULL)
        goto out;
    hdr = h2;
    /* No "Expect: 100-continue" round trip for a body of a few dozen bytes. */
    if ((h2 = curl_slist_append(hdr, "Expect:")) == NULL)
        goto out;
    hdr = h2;
    if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_USERAGENT, ua) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_POST, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)req) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)reqlen) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_write) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &b) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf) != CURLE_OK) {
        rc = custos_error_set(err, CUSTOS_E_IO, 0, url, "cannot set up the HTTP request");
        goto out;
    }
    CURLcode cc = curl_easy_perform(h);
    if (b.too_long) {
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, url, "TSA reply larger than %d bytes",
                              CUSTOS_TIMESTAMP_REPLY_MAX);
        goto out;
    }
    if (cc != CURLE_OK) {
        rc = custos_error_set(err, cc == CURLE_OUT_OF_MEMORY ? CUSTOS_E_NOMEM : CUSTOS_E_IO, 0, url,
                              "TSA request failed: %s", ebuf[0] ? ebuf : curl_easy_strerror(cc));
        goto out;
    }
    long code = 0;
    char *ctype = NULL;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ctype);
    if (code != 200) {
        rc = custos_error_set(err, CUSTOS_E_IO, 0, url, "TSA answered HTTP %ld", code);
        goto out;
    }
    size_t tl = strlen(CUSTOS_TIMESTAMP_REPLY_TYPE);
    if (ctype == NULL || strncasecmp(ctype, CUSTOS_TIMESTAMP_REPLY_TYPE, tl) != 0 ||
        (ctype[tl] != '\0' && ctype[tl] != ';' && ctype[tl] != ' ')) {
        rc = custos_error_set(err, CUSTOS_E_IO, 0, url, "TSA answered with content type %s",
                              ctype != NULL ? ctype : "(none)");
        goto out;
    }
    *reply = b.buf;
    *replylen = b.len;
    b.buf = NULL;
    rc = CUSTOS_OK;
out:
    if (rc == CUSTOS_E_NOMEM && (err == NULL || err->status != CUSTOS_E_NOMEM))
        custos_error_set(err, rc, 0, url, "out of memory");
    free(b.buf);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    return rc;
}

/* Parses DER bytes into a TS_RESP, refusing trailing bytes. */
static int
parse_resp(const uint8_t *reply, size_t len, TS_RESP **out, struct custos_error *err)
{
    *out = NULL;
    const unsigned char *p = reply;
    if (len == 0 || len > CUSTOS_TIMESTAMP_REPLY_MAX)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "not a timestamp reply (%zu bytes)",
                                len);
    TS_RESP *r = d2i_TS_RESP(NULL, &p, (long)len);
    if (r == NULL || p != reply + len) {
        TS_RESP_free(r);
        ERR_clear_error();
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "not a timestamp reply (bad DER)");
    }
    *out = r;
    return CUSTOS_OK;
}

static const char *const failure_names[] = {
    [0] = "badAlg",
    [2] = "badRequest",
    [5] = "badDataFormat",
    [14] = "timeNotAvailable",
    [15] = "unacceptedPolicy",
    [16] = "unacceptedExtension",
    [17] = "addInfoNotAvailable",
    [25] = "systemFailure",
};

/* Checks the PKIStatus; on a rejection, err quotes the status, its text and failure bits. */
static int
check_status(TS_RESP *r, struct custos_error *err)
{
    TS_STATUS_INFO *si = TS_RESP_get_status_info(r);
    const ASN1_INTEGER *st = si != NULL ? TS_STATUS_INFO_get0_status(si) : NULL;
    long s = st != NULL ? ASN1_INTEGER_get(st) : -1;
    if (s == 0 || s == 1) {
        if (TS_RESP_get_token(r) == NULL || TS_RESP_get_tst_info(r) == NULL)
            return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                    "timestamp reply granted but holds no token");
        return CUSTOS_OK;
    }
    static const char *const names[] = {"granted", "grantedWithMods",   "rejection",
                                        "waiting", "revocationWarning", "revocationNotification"};
    char text[256] = "", fail[256] = "";
    const STACK_OF(ASN1_UTF8STRING) *txt = TS_STATUS_INFO_get0_text(si);
    for (int i = 0; txt != NULL && i < sk_ASN1_UTF8STRING_num(txt); i++) {
        const ASN1_UTF8STRING *u = sk_ASN1_UTF8STRING_value(txt, i);
        size_t used = strlen(text);
        snprintf(text + used, sizeof(text) - used, "%s%.*s", used ? "; " : "",
                 ASN1_STRING_length(u), (const char *)ASN1_STRING_get0_data(u));
    }
    const ASN1_BIT_STRING *fi = TS_STATUS_INFO_get0_failure_info(si);
    for (int b = 0; fi != NULL && b < 26; b++) {
        if (ASN1_BIT_STRING_get_bit(fi, b) && failure_names[b] != NULL) {
            size_t used = strlen(fail);
            snprintf(fail + used, sizeof(fail) - used, "%s%s", used ? "," : "", failure_names[b]);
        }
    }
    for (size_t i = 0; i < sizeof(text); i++)
        if (text[i] != '\0' && (unsigned char)text[i] < 0x20)
            text[i] = '?';
    return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                            "TSA did not grant the timestamp: status %s%s%s%s%s%s",
                            s >= 0 && s <= 5 ? names[s] : "unknown", text[0] ? " \"" : "", text,
                            text[0] ? "\"" : "", fail[0] ? ", failure " : "", fail);
}

/* Fills info from the token of a granted reply. */
static int
fill_info(TS_RESP *r, struct custos_timestamp_info *info, struct custos_error *err)
{
    memset(info, 0, sizeof(*info));
    TS_TST_INFO *tst = TS_RESP_get_tst_info(r);
    const ASN1_GENERALIZEDTIME *gt = TS_TST_INFO_get_time(tst);
    struct tm tm;
    if (gt == NULL || !ASN1_TIME_to_tm(gt, &tm)) {
        ERR_clear_error();
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "timestamp with a bad genTime");
    }
    info->gen_time_unix = (int64_t)timegm(&tm);
    strftime(info->gen_time, sizeof(info->gen_time), "%Y-%m-%dT%H:%M:%SZ", &tm);
    const ASN1_INTEGER *serial = TS_TST_INFO_get_serial(tst);
    BIGNUM *bn = serial != NULL ? ASN1_INTEGER_to_BN(serial, NULL) : NULL;
    char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
    if (hex != NULL) {
        snprintf(info->serial, sizeof(info->serial), "%s", hex);
        for (char *c = info->serial; *c; c++)
            if (*c >= 'A' && *c <= 'F')
                *c = (char)(*c - 'A' + 'a');
    }
    OPENSSL_free(hex);
    BN_free(bn);
    ASN1_OBJECT *pol = TS_TST_INFO_get_policy_id(tst);
    if (pol != NULL)
        OBJ_obj2txt(info->policy, sizeof(info->policy), pol, 1);
    GENERAL_NAME *tsa = TS_TST_INFO_get_tsa(tst);
    if (tsa != NULL && tsa->type == GEN_DIRNAME) {
        X509_NAME_oneline(tsa->d.directoryName, info->tsa_name, sizeof(info->tsa_name));
    }
    TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(tst);
    X509_ALGOR *alg = mi != NULL ? TS_MSG_IMPRINT_get_algo(mi) : NULL;
    ASN1_OCTET_STRING *msg = mi != NULL ? TS_MSG_IMPRINT_get_msg(mi) : NULL;
    if (alg == NULL || msg == NULL || OBJ_obj2nid(alg->algorithm) != NID_sha256 ||
        ASN1_STRING_length(msg) != CUSTOS_TIMESTAMP_IMPRINT_SIZE) {
        ERR_clear_error();
        return custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, NULL,
                                "timestamp imprint is not SHA-256");
    }
    memcpy(info->imprint, ASN1_STRING_get0_data(msg), CUSTOS_TIMESTAMP_IMPRINT_SIZE);
    ERR_clear_error();
    return CUSTOS_OK;
}

int
custos_timestamp_info(const uint8_t *reply, size_t replylen, struct custos_timestamp_info *info,
                      struct custos_error *err)
{
    TS_RESP *r;
    int rc = parse_resp(reply, replylen, &r, err);
    if (rc == CUSTOS_OK)
        rc = check_status(r, err);
    if (rc == CUSTOS_OK)
        rc = fill_info(r, info, err);
    TS_RESP_free(r);
    return rc;
}

int
custos_timestamp_check_reply(const uint8_t *req, size_t reqlen, const uint8_t *reply,
                             size_t replylen, struct custos_timestamp_info *info,
                             struct custos_error *err)
{
    struct custos_timestamp_info tmp;
    if (info == NULL)
        info = &tmp;
    const unsigned char *p = req;
    TS_REQ *q = d2i_TS_REQ(NULL, &p, (long)reqlen);
    if (q == NULL) {
        ERR_clear_error();
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "not a timestamp request");
    }
    TS_RESP *r = NULL;
    int rc = parse_resp(reply, replylen, &r, err);
    if (rc == CUSTOS_OK)
        rc = check_status(r, err);
    if (rc == CUSTOS_OK)
        rc = fill_info(r, info, err);
    if (rc == CUSTOS_OK) {
        TS_MSG_IMPRINT *mi = TS_REQ_get_msg_imprint(q);
        ASN1_OCTET_STRING *want = TS_MSG_IMPRINT_get_msg(mi);
        if (ASN1_STRING_length(want) != CUSTOS_TIMESTAMP_IMPRINT_SIZE ||
            memcmp(ASN1_STRING_get0_data(want), info->imprint, CUSTOS_TIMESTAMP_IMPRINT_SIZE) != 0)
            rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                                  "timestamp reply is for another message imprint");
    }
    if (rc == CUSTOS_OK) {
        const ASN1_INTEGER *n1 = TS_REQ_get_nonce(q);
        const ASN1_INTEGER *n2 = TS_TST_INFO_get_nonce(TS_RESP_get_tst_info(r));
        if (n1 != NULL && (n2 == NULL || ASN1_INTEGER_cmp(n1, n2) != 0))
            rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                                  "timestamp reply nonce does not match the request");
    }
    TS_RESP_free(r);
    TS_REQ_free(q);
    ERR_clear_error();
    return rc;
}

int
custos_timestamp_verify(const uint8_t *reply, size_t replylen,
                        const uint8_t imprint[CUSTOS_TIMESTAMP_IMPRINT_SIZE], const char *cafile,
                        struct custos_timestamp_info *info, struct custos_error *err)
{
    struct custos_timestamp_info tmp;
    if (info == NULL)
        info = &tmp;
    memset(info, 0, sizeof(*info));
    if (cafile == NULL)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "no TSA CA certificate given");
    ERR_clear_error();
    TS_RESP *r = NULL;
    TS_VERIFY_CTX *ctx = NULL;
    X509_STORE *store = NULL;
    unsigned char *imp = NULL;
    int rc = parse_resp(reply, replylen, &r, err);
    if (rc == CUSTOS_OK)
        rc = check_status(r, err);
    if (rc == CUSTOS_OK)
        rc = fill_info(r, info, err);
    if (rc != CUSTOS_OK)
        goto out;
    if (memcmp(info->imprint, imprint, CUSTOS_TIMESTAMP_IMPRINT_SIZE) != 0) {
        rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                              "timestamp: message imprint mismatch");
        goto out;
    }
    store = X509_STORE_new();
    if (store == NULL) {
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        goto out;
    }
    if (X509_STORE_load_file(store, cafile) != 1) {
        ERR_clear_error();
        rc = custos_error_set(err, CUSTOS_E_IO, 0, cafile, "cannot read CA certificates");
        goto out;
    }
    /* The long-term rule: the chain must have been valid when the TSA signed. */
    X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), (time_t)info->gen_time_unix);
    ctx = TS_VERIFY_CTX_new();
    imp = OPENSSL_memdup(imprint, CUSTOS_TIMESTAMP_IMPRINT_SIZE);
    if (ctx == NULL || imp == NULL) {
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        goto out;
    }
    TS_VERIFY_CTX_set_flags(ctx, TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_IMPRINT);
    TS_VERIFY_CTX_set_imprint(ctx, imp, CUSTOS_TIMESTAMP_IMPRINT_SIZE); /* ctx owns imp */
    imp = NULL;
    TS_VERIFY_CTX_set_store(ctx, store); /* ctx owns store */
    store = NULL;
    if (TS_RESP_verify_response(ctx, r) != 1) {
        char why[512];
        ossl_reason(why, sizeof(why));
        rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL, "timestamp does not verify: %s",
                              why);
        goto out;
    }
    rc = CUSTOS_OK;
out:
    ERR_clear_error();
    OPENSSL_free(imp);
    X509_STORE_free(store);
    TS_VERIFY_CTX_free(ctx);
    TS_RESP_free(r);
    return rc;
}

int
custos_timestamp_fetch(const char *url, const uint8_t imprint[CUSTOS_TIMESTAMP_IMPRINT_SIZE],
                       const struct custos_timestamp_options *opts, uint8_t **reply,
                       size_t *replylen, struct custos_timestamp_info *info,
                       struct custos_error *err)
{
    *reply = NULL;
    *replylen = 0;
    uint8_t *req = NULL, *rep = NULL;
    size_t reqlen = 0, replen = 0;
    int rc = custos_timestamp_request(imprint, &req, &reqlen, err);
    if (rc == CUSTOS_OK)
        rc = custos_timestamp_post(url, req, reqlen, opts, &rep, &replen, err);
    if (rc == CUSTOS_OK) {
        rc = custos_timestamp_check_reply(req, reqlen, rep, replen, info, err);
        if (rc != CUSTOS_OK && err != NULL && err->path[0] == '\0') {
            struct custos_error e = *err;
            custos_error_set(err, rc, 0, url, "%s", e.message);
        }
    }
    if (rc == CUSTOS_OK && opts != NULL && opts->cafile != NULL)
        rc = custos_timestamp_verify(rep, replen, imprint, opts->cafile, info, err);
    free(req);
    if (rc != CUSTOS_OK) {
        free(rep);
        return rc;
    }
    *reply = rep;
    *replylen = replen;
    return CUSTOS_OK;
}
