/* SPDX-License-Identifier: ISC */
/*
 * tlog_witness.c: witnesses for a tlog-tiles log (tlog.h): consistency
 * proofs, tlog-cosignature/v1 checks, and the C2SP tlog-witness
 * add-checkpoint exchange.
 */
#include "custos/tlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "custos/atomicfile.h"
#include "custos/sign.h"
#include "base64_private.h"
#include "tlog_private.h"

int
custos_tlog_consistency_proof(struct custos_tlog *t, uint64_t old_size, uint8_t proof[][HASH],
                              size_t *n)
{
    *n = 0;
    if (old_size == 0 || old_size > t->size)
        return custos_error_set(&t->err, CUSTOS_E_USAGE, 0, t->dir,
                                "no consistency proof from %llu to %llu entries",
                                (unsigned long long)old_size, (unsigned long long)t->size);
    if (old_size == t->size)
        return CUSTOS_OK;
    return custos__tlog_consistency_path(t, old_size, 0, t->size, 1, proof, n);
}

int
custos_tlog_cosigned(const struct custos_checkpoint *cp, const struct custos_tlog_vkey *w,
                     uint64_t *time, struct custos_error *err)
{
    *time = 0;
    struct custos_key *k = NULL;
    int rc = custos__tlog_key_of(w->pub, w->name, &k, err);
    if (rc != CUSTOS_OK)
        return rc;
    int found = 0;
    for (size_t i = 0; i < cp->nsigs && rc == CUSTOS_OK; i++) {
        const struct custos_note_sig *s = &cp->sigs[i];
        if (w->type != CUSTOS_TLOG_KEY_COSIG || strcmp(s->name, w->name) != 0 ||
            s->blob_len != 4 + 8 + CUSTOS_SIG_SIZE || memcmp(s->blob, w->id, 4) != 0)
            continue;
        uint64_t ts = 0;
        for (int b = 0; b < 8; b++)
            ts = ts << 8 | s->blob[4 + b];
        char head[64];
        int hl =
            snprintf(head, sizeof(head), "cosignature/v1\ntime %llu\n", (unsigned long long)ts);
        uint8_t *msg = malloc((size_t)hl + cp->text_len);
        if (msg == NULL) {
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
            break;
        }
        memcpy(msg, head, (size_t)hl);
        memcpy(msg + hl, cp->text, cp->text_len);
        struct custos_error e;
        if (custos_sign_verify_raw(k, msg, (size_t)hl + cp->text_len, s->blob + 12, &e) !=
            CUSTOS_OK)
            rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                                  "the cosignature by witness %s does not verify", w->name);
        else {
            found = 1;
            *time = ts;
        }
        free(msg);
    }
    custos_key_free(k);
    if (rc == CUSTOS_OK && !found)
        rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                              "the checkpoint is not cosigned by witness %s", w->name);
    return rc;
}

/* One add-checkpoint request; *status the HTTP status, *reply the body. */
static int
post_checkpoint(const char *url, const char *body, long *status, struct custos__tlog_body *reply,
                struct custos_error *err)
{
    char full[4096 + 64], ebuf[CURL_ERROR_SIZE] = "";
    snprintf(full, sizeof(full), "%s%sadd-checkpoint", url, url[strlen(url) - 1] == '/' ? "" : "/");
    CURL *h = curl_easy_init();
    if (h == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, url, "out of memory");
    CURLcode cc = CURLE_OK;
    if (curl_easy_setopt(h, CURLOPT_URL, full) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_USERAGENT, "custos/" CUSTOS_VERSION_STRING) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, custos__tlog_body_write) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEDATA, reply) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf) != CURLE_OK)
        cc = CURLE_FAILED_INIT;
    if (cc == CURLE_OK)
        cc = curl_easy_perform(h);
    if (cc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(h);
    if (cc != CURLE_OK)
        return custos_error_set(err, CUSTOS_E_IO, 0, full, "cannot reach the witness: %s",
                                ebuf[0] ? ebuf : curl_easy_strerror(cc));
    return CUSTOS_OK;
}

int
custos_tlog_witness(const char *dir, const struct custos_tlog_vkey *logv, const char *url,
                    const struct custos_tlog_vkey *w, uint64_t *time, struct custos_error *err)
{
    *time = 0;
    int lock = custos__tlog_lock_log(dir, err);
    if (lock < 0)
        return err->status;
    struct custos_tlog *t = NULL;
    int rc = custos_tlog_open(&t, dir, NULL, logv, err);
    uint8_t *note = NULL;
    size_t notelen = 0;
    if (rc == CUSTOS_OK)
        rc = custos_tlog_fetch(dir, "checkpoint", NOTE_MAX, &note, &notelen, err);
    uint64_t old = 0;
    char *line = NULL;
    for (int attempt = 0; rc == CUSTOS_OK && attempt < 2 && line == NULL; attempt++) {
        uint8_t proof[64][HASH];
        size_t np = 0;
        if (old > 0 && (rc = custos_tlog_consistency_proof(t, old, proof, &np)) != CUSTOS_OK) {
            custos_error_copy(err, &t->err);
            break;
        }
        /* "old N", the proof's hashes in base64, a blank line, the checkpoint as signed. */
        size_t cap = 64 + np * 48 + notelen + 1, len = 0;
        char *body = malloc(cap);
        if (body == NULL) {
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, dir, "out of memory");
            break;
        }
        len += (size_t)snprintf(body, cap, "old %llu\n", (unsigned long long)old);
        for (size_t i = 0; i < np; i++) {
            char b64[CUSTOS__B64_SIZE(HASH)];
            custos__b64_encode(proof[i], HASH, b64);
            len += (size_t)snprintf(body + len, cap - len, "%s\n", b64);
        }
        snprintf(body + len, cap - len, "\n%s", (const char *)note);
        long status = 0;
        struct custos__tlog_body reply = {.max = 65536};
        rc = post_checkpoint(url, body, &status, &reply, err);
        free(body);
        const char *r = reply.p != NULL ? (const char *)reply.p : "";
        if (reply.p != NULL)
            reply.p[reply.len] = 0;
        if (rc != CUSTOS_OK) {
        } else if (status == 409 && attempt == 0 &&
                   sscanf(r, "%llu", (unsigned long long *)&old) == 1 && old <= t->size) {
            /* The witness has seen another size: prove from it. */
        } else if (status == 200) {
            if ((line = strdup(r)) == NULL)
                rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, url, "out of memory");
        } else if (status == 409) {
            rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, url,
                                  "the witness has seen a log of %.30s entries that this one does "
                                  "not extend: a FORK or a rollback",
                                  r);
        } else if (status == 404 || status == 403 || status == 422) {
            rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, url,
                                  "the witness refused the checkpoint: %s (HTTP %ld)",
                                  status == 404   ? "it does not know this log"
                                  : status == 403 ? "the log's signature does not verify"
                                                  : "the consistency proof does not verify",
                                  status);
        } else {
            rc =
                custos_error_set(err, CUSTOS_E_IO, 0, url, "the witness answered HTTP %ld", status);
        }
        free(reply.p);
    }
    /* The cosignature must verify before it is attached. */
    struct custos_checkpoint cp;
    memset(&cp, 0, sizeof(cp));
    char *cosigned = NULL;
    if (rc == CUSTOS_OK) {
        size_t ll = strcspn(line, "\n");
        /* the note without an older line by this witness, then the new line */
        char prefix[300];
        snprintf(prefix, sizeof(prefix), "\u2014 %s ", w->name);
        size_t cap = notelen + ll + 2, len = 0;
        if ((cosigned = malloc(cap + 1)) == NULL)
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, dir, "out of memory");
        for (const char *p = (const char *)note, *e; rc == CUSTOS_OK && *p != '\0'; p = e) {
            e = strchr(p, '\n');
            e = e != NULL ? e + 1 : p + strlen(p);
            if (strncmp(p, prefix, strlen(prefix)) == 0)
                continue;
            memcpy(cosigned + len, p, (size_t)(e - p));
            len += (size_t)(e - p);
        }
        if (rc == CUSTOS_OK) {
            memcpy(cosigned + len, line, ll);
            len += ll;
            cosigned[len++] = '\n';
            cosigned[len] = '\0';
            rc = custos_checkpoint_parse(cosigned, len, &cp, err);
        }
        if (rc == CUSTOS_OK && (rc = custos_tlog_cosigned(&cp, w, time, err)) != CUSTOS_OK) {
            char msg[CUSTOS_ERROR_MESSAGE_MAX];
            snprintf(msg, sizeof(msg), "%s", err->message);
            rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, url, "%s", msg);
        }
        if (rc == CUSTOS_OK)
            rc = custos__tlog_replace_checkpoint(dir, cosigned, err);
    }
    custos_checkpoint_clear(&cp);
    free(cosigned);
    free(line);
    free(note);
    custos_tlog_free(t);
    close(lock);
    return rc;
}
