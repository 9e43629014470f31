/* SPDX-License-Identifier: ISC */
/*
 * ledger-log.c: custos-ledger publish and verify --log, a case ledger in an
 * organisation's transparency log (ledger_publish.h, tlog.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custos/ledger_publish.h"
#include "ledger-cmd.h"

/* The log's verifier key: a "NAME+HASH+KEY" line in a file or the argument, or a custos .pub. */
static int
load_vkey(const char *arg, const char *origin, struct custos_tlog_vkey *v, struct custos_error *err)
{
    if (strchr(arg, '+') != NULL && strchr(arg, '/') != NULL &&
        custos_tlog_vkey_parse(arg, v, err) == CUSTOS_OK)
        return CUSTOS_OK;
    FILE *f = fopen(arg, "re");
    char line[1024] = "";
    if (f != NULL) {
        if (fgets(line, sizeof(line), f) == NULL)
            line[0] = '\0';
        fclose(f);
        line[strcspn(line, "\r\n")] = '\0';
        if (strchr(line, '+') != NULL && strncmp(line, "-----", 5) != 0 &&
            strstr(line, "custos") != line)
            return custos_tlog_vkey_parse(line, v, err);
    }
    if (origin == NULL) /* a witness's key is a verifier key, never a custos .pub */
        return custos_tlog_vkey_parse(line[0] ? line : arg, v, err);
    /* A custos public key: its name in the log is the log's origin. */
    struct custos_key *k = NULL;
    int rc = custos_key_load_public(&k, arg, err);
    if (rc != CUSTOS_OK)
        return rc;
    char vk[600];
    custos_tlog_vkey_format(k, origin, vk, sizeof(vk));
    custos_key_free(k);
    return custos_tlog_vkey_parse(vk, v, err);
}

/* The inclusion proof of each entry published now, from the log as written. */
static int
published_proofs(const struct options *o, const struct custos_key *k,
                 const struct custos_ledger_publish_result *r, json_t *out,
                 struct custos_error *err)
{
    char vk[600], origin[256];
    snprintf(origin, sizeof(origin), "%.*s", (int)strcspn(r->checkpoint, "\n"), r->checkpoint);
    custos_tlog_vkey_format(k, origin, vk, sizeof(vk));
    struct custos_tlog_vkey v;
    struct custos_tlog *t = NULL;
    int rc = custos_tlog_vkey_parse(vk, &v, err);
    if (rc == CUSTOS_OK)
        rc = custos_tlog_open(&t, o->log, origin, &v, err);
    for (uint64_t i = r->first; rc == CUSTOS_OK && i < r->first + r->published; i++) {
        uint8_t *data, proof[64][CUSTOS_MERKLE_HASH_SIZE];
        size_t len, np;
        if ((rc = custos_tlog_entry(t, i, &data, &len, proof, &np)) != CUSTOS_OK) {
            custos_error_copy(err, custos_tlog_error(t));
            break;
        }
        /* the log entry's third line is the ledger entry's number */
        const char *p = strchr((char *)data, '\n');
        p = p != NULL ? strchr(p + 1, '\n') : NULL;
        long long seq = p != NULL ? atoll(p + 1) : -1;
        free(data);
        json_t *hs = json_array();
        for (size_t h = 0; h < np; h++) {
            char b64[48];
            custos_tlog_hash_base64(proof[h], b64);
            json_array_append_new(hs, json_string(b64));
        }
        json_array_append_new(out, json_pack("{s:I, s:I, s:I, s:o}", "entry", (json_int_t)seq,
                                             "log_index", (json_int_t)i, "tree_size",
                                             (json_int_t)r->log_size, "proof", hs));
    }
    custos_tlog_free(t);
    return rc;
}

int
cmd_publish(struct cli *c, struct options *o, const char *arg, struct custos_error *err)
{
    if (o->ledger == NULL || o->log == NULL || o->key == NULL)
        return cli_usage(c, "publish: needs -l LEDGER, --log DIR and --key LOG.key");
    /* The ledger and the log are checked inside, after the log key is unlocked:
     * the key is what proves the existing log is this organisation's. */
    struct custos_key *k = NULL;
    int rc = cli_load_private_key(&o->signers, 0, o->key, &k, err);
    if (rc != CUSTOS_OK)
        return cli_fail(c, err);
    struct custos_ledger_publish_result r;
    rc = custos_ledger_publish(o->ledger, o->log, o->origin, k, o->whole_entries, &r, err);
    json_t *proofs = json_array();
    if (rc == CUSTOS_OK && r.published > 0 && r.checkpoint != NULL)
        rc = published_proofs(o, k, &r, proofs, err);
    if (rc == CUSTOS_OK && (!c->quiet || o->json)) { /* -q keeps the --json document */
        char vk[600] = "", origin[256] = "";
        if (r.checkpoint != NULL)
            snprintf(origin, sizeof(origin), "%.*s", (int)strcspn(r.checkpoint, "\n"),
                     r.checkpoint);
        else if (o->origin != NULL)
            snprintf(origin, sizeof(origin), "%s", o->origin);
        if (origin[0] != '\0')
            custos_tlog_vkey_format(k, origin, vk, sizeof(vk));
        if (o->json) {
            json_t *j =
                json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:O}", "status",
                          custos_status_name(CUSTOS_OK), "ledger", o->ledger, "log", o->log,
                          "entries", (json_int_t)r.entries, "published", (json_int_t)r.published,
                          "already", (json_int_t)r.already, "first_index", (json_int_t)r.first,
                          "log_size", (json_int_t)r.log_size, "inclusion_proofs", proofs);
            if (vk[0] != '\0')
                json_object_set_new(j, "verifier_key", json_string(vk));
            if (r.checkpoint != NULL)
                json_object_set_new(j, "checkpoint", json_string(r.checkpoint));
            cli_print_json_doc(j);
        } else {
            printf("%s: %llu entries published to %s (log entries %llu..%llu), %llu there "
                   "already\n",
                   o->ledger, (unsigned long long)r.published, o->log, (unsigned long long)r.first,
                   (unsigned long long)(r.published ? r.first + r.published - 1 : r.first),
                   (unsigned long long)r.already);
            size_t i;
            json_t *p;
            json_array_foreach(proofs, i, p)
            {
                printf("entry %lld: log index %lld of %lld, inclusion proof:",
                       (long long)json_integer_value(json_object_get(p, "entry")),
                       (long long)json_integer_value(json_object_get(p, "log_index")),
                       (long long)r.log_size);
                size_t j;
                json_t *h;
                json_array_foreach(json_object_get(p, "proof"), j, h)
                    printf(" %s", json_string_value(h));
                printf("\n");
            }
            if (r.checkpoint != NULL)
                printf("checkpoint:\n%s", r.checkpoint);
            if (vk[0] != '\0')
                printf("verifier key: %s\n", vk);
        }
    }
    json_decref(proofs);
    free(r.checkpoint);
    custos_key_free(k);
    return rc == CUSTOS_OK ? CUSTOS_EXIT_OK : cli_fail(c, err);
}

int
cmd_verify_log(struct cli *c, struct options *o, struct custos_error *err)
{
    if (o->ledger == NULL || o->log == NULL || o->log_key == NULL)
        return cli_usage(c, "verify --log: needs -l LEDGER, --log DIR|URL and --log-key KEY");
    /* The origin for a custos .pub: the log's own checkpoint names it; the key decides. */
    char origin[256] = "";
    uint8_t *cp = NULL;
    size_t cplen;
    if (custos_tlog_fetch(o->log, "checkpoint", 16384, &cp, &cplen, err) == CUSTOS_OK)
        snprintf(origin, sizeof(origin), "%.*s", (int)strcspn((char *)cp, "\n"), (char *)cp);
    free(cp);
    custos_error_clear(err);
    struct custos_tlog_vkey v, w[8];
    int rc = load_vkey(o->log_key, origin, &v, err);
    for (size_t i = 0; rc == CUSTOS_OK && i < o->nwitness_key; i++)
        rc = load_vkey(o->witness_key[i], NULL, &w[i], err);
    if (rc == CUSTOS_OK && o->witnesses > (long)o->nwitness_key)
        return cli_usage(c, "--witnesses %ld needs as many --witness-key", o->witnesses);
    size_t need = o->witnesses >= 0 ? (size_t)o->witnesses : o->nwitness_key;
    struct custos_ledger_log_check r;
    memset(&r, 0, sizeof(r));
    if (rc == CUSTOS_OK)
        rc = custos_ledger_verify_log(o->ledger, o->log, &v, w, o->nwitness_key, need, o->log_state,
                                      &r, err);
    if (rc != CUSTOS_OK && rc != CUSTOS_E_INCOMPLETE)
        return cli_fail(c, err);
    if (o->json) { /* -q keeps the document */
        cli_print_json_doc(
            json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s}", "ledger", o->ledger,
                      "log", o->log, "origin", r.origin, "log_size", (json_int_t)r.log_size,
                      "seen_size", (json_int_t)r.seen_size, "cosigned", (json_int_t)r.cosigned,
                      "entries", (json_int_t)r.entries, "included", (json_int_t)r.included,
                      "unpublished", (json_int_t)r.unpublished, "status", custos_status_name(rc)));
    } else if (!c->quiet) {
        printf("log:        %s (%s), %llu entries, signed by %s\n", o->log, r.origin,
               (unsigned long long)r.log_size, v.name);
        if (o->log_state != NULL)
            printf("consistent: with the %llu entries seen before (%s)\n",
                   (unsigned long long)r.seen_size, o->log_state);
        if (o->nwitness_key > 0)
            printf("witnesses:  %zu of %zu cosigned (%zu required)\n", r.cosigned, o->nwitness_key,
                   need);
        printf("ledger:     %s, %llu entries: %llu proven included, %llu not published\n",
               o->ledger, (unsigned long long)r.entries, (unsigned long long)r.included,
               (unsigned long long)r.unpublished);
        printf("result:     %s\n", rc == CUSTOS_OK ? "OK" : "INCOMPLETE");
    }
    if (rc != CUSTOS_OK)
        cli_warn(c, "%s", err->message);
    return custos_exit_code(rc);
}

int
cmd_witness(struct cli *c, struct options *o, const char *arg, struct custos_error *err)
{
    if (o->log == NULL || o->log_key == NULL || o->nwitness == 0 || o->nwitness != o->nwitness_key)
        return cli_usage(c, "witness: needs --log DIR, --log-key VKEY, and a --witness-key VKEY "
                            "for each --witness URL");
    uint8_t *cp = NULL;
    size_t cplen;
    char origin[256] = "";
    if (custos_tlog_fetch(o->log, "checkpoint", 16384, &cp, &cplen, err) != CUSTOS_OK)
        return cli_fail(c, err);
    snprintf(origin, sizeof(origin), "%.*s", (int)strcspn((char *)cp, "\n"), (char *)cp);
    free(cp);
    struct custos_tlog_vkey v;
    int rc = load_vkey(o->log_key, origin, &v, err);
    if (rc != CUSTOS_OK)
        return cli_fail(c, err);
    int worst = CUSTOS_OK;
    for (size_t i = 0; i < o->nwitness; i++) {
        struct custos_tlog_vkey w;
        uint64_t when = 0;
        rc = load_vkey(o->witness_key[i], NULL, &w, err);
        if (rc == CUSTOS_OK)
            rc = custos_tlog_witness(o->log, &v, o->witness[i], &w, &when, err);
        if (rc != CUSTOS_OK) {
            cli_error(c, err);
            if (custos_exit_code(rc) > custos_exit_code(worst))
                worst = rc;
            continue;
        }
        if (!c->quiet)
            printf("%s: cosigned by %s (time %llu)\n", o->log, w.name, (unsigned long long)when);
    }
    return custos_exit_code(worst);
}
