/* SPDX-License-Identifier: ISC */
/*
 * dispose_verify_items.c: the report's per-item table
 * (docs/formats/destruction-proof.md, "Verification", the item states).
 *
 * Each ordered item is checked against its certified item: details and
 * seals against the order, its times against the handover and the issue,
 * its attachments (the bad ones found by dispose_verify.c), the wipe logs
 * attached to it against the item and the claimed result, and the evidence
 * --require asks for. An item's state is the worst of its flags; it is OK
 * only when every check held, and an exception is never OK.
 */
#include "dispose_private.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "custos/wipe.h" /* CUSTOS_WIPE_LOG_FORMAT */

static const char *const state_names[] = {
    "OK",
    "EXCEPTION",
    "MISSING EVIDENCE",
    "DETAILS MISMATCH",
    "SEAL MISMATCH",
    "DUPLICATE PROOF",
    "UNKNOWN ITEM",
    "MISSING PROOF",
    "HASH MISMATCH",
    "LOG CONTRADICTS",
    "BAD TIME",
    "BAD SIGNATURE",
};

const char *
custos_dispose_state_name(int state)
{
    if (state < 0 || state > CUSTOS_DISPOSE_BAD_SIGNATURE)
        return "?";
    return state_names[state];
}

static int
state_status(int state)
{
    if (state == CUSTOS_DISPOSE_OK)
        return CUSTOS_OK;
    if (state == CUSTOS_DISPOSE_BAD_TIME || state == CUSTOS_DISPOSE_BAD_SIGNATURE)
        return CUSTOS_E_UNTRUSTED;
    return CUSTOS_E_MISMATCH;
}

static void item_flag(struct custos_dispose_item_result *r, int state, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
item_flag(struct custos_dispose_item_result *r, int state, const char *fmt, ...)
{
    if (state > r->state)
        r->state = state;
    size_t used = strlen(r->note);
    if (used + 4 >= sizeof(r->note))
        return;
    if (used > 0) {
        strcat(r->note, "; ");
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->note + used, sizeof(r->note) - used, fmt, ap);
    va_end(ap);
}

static size_t
count_kind(const json_t *cert, const char *id, const char *kind)
{
    size_t n = 0, i, j;
    json_t *a, *l;
    json_array_foreach(json_object_get(cert, "attachments"), i, a)
    {
        if (kind != NULL && strcmp(custos__jstr0(a, "kind"), kind) != 0)
            continue;
        json_array_foreach(json_object_get(a, "items"), j,
                           l) if (strcmp(json_string_value(l), id) == 0) n++;
    }
    return n;
}

static int
same_seals(const json_t *a, const json_t *b)
{
    if (json_array_size(a) != json_array_size(b))
        return 0;
    size_t i, j;
    json_t *x, *y;
    json_array_foreach(a, i, x)
    {
        int found = 0;
        json_array_foreach(b, j, y) if (json_equal(x, y)) found = 1;
        if (!found)
            return 0;
    }
    return 1;
}

/* none < clear < purge < destroy; -1 for anything else. */
static int
category_rank(const char *c)
{
    static const char *const rank[] = {"none", "clear", "purge", "destroy", NULL};
    for (int i = 0; c != NULL && rank[i] != NULL; i++)
        if (strcmp(c, rank[i]) == 0)
            return i;
    return -1;
}

static int
links_item(const json_t *a, const char *id)
{
    size_t j;
    json_t *l;
    json_array_foreach(json_object_get(a, "items"), j,
                       l) if (json_is_string(l) && strcmp(json_string_value(l), id) == 0) return 1;
    return 0;
}

/*
 * Ties each custos wipe log (docs/formats/wipe-log.md) attached to item r->id
 * to that item: the wiped device's serial is the certified serial, a whole
 * device's size is the order's capacity, the operator's key is one of the
 * certificate's signers; the log agrees with itself (wipe-log.md section 1);
 * and a "sanitized" claim needs a PASSED log that can claim the certified
 * category when the method is an overwrite. Logs in other formats are
 * evidence for people to read; they are not interpreted.
 */
static void
check_item_logs(const char *dir, const json_t *cert, const json_t *ci, const json_t *oi,
                const json_t *bad_atts, struct custos_dispose_item_result *r)
{
    const int bad = CUSTOS_DISPOSE_LOG_CONTRADICTS;
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(cert, "attachments"), i, a)
    {
        const char *p = custos__jstr0(a, "path");
        if (strcmp(custos__jstr0(a, "kind"), "wipe_log") != 0 ||
            json_object_get(bad_atts, p) != NULL || !links_item(a, r->id))
            continue;
        char full[PATH_MAX * 2];
        snprintf(full, sizeof(full), "%s/%s", dir, p);
        json_t *log = json_load_file(full, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(log) ||
            strcmp(custos__jstr0(log, "format"), CUSTOS_WIPE_LOG_FORMAT) != 0) {
            json_decref(log);
            continue;
        }
        json_t *t = json_object_get(log, "target"), *pass = json_object_get(log, "pass");
        json_t *v = json_object_get(log, "verification");
        const char *result = custos__jstr0(log, "result"), *lserial = custos__jstr(t, "serial");
        const char *cserial = custos__jstr0(ci, "serial");
        if (lserial == NULL)
            item_flag(r, bad, "%s: the log names no device serial, so it is not tied to serial %s",
                      p, cserial);
        else if (strcmp(lserial, cserial) != 0)
            item_flag(r, bad, "%s: a wipe of device serial %s, not of the item's %s", p, lserial,
                      cserial);
        const char *cap = custos__jstr0(oi, "capacity_bytes");
        long long size = (long long)json_integer_value(json_object_get(t, "size_bytes"));
        if (cap[0] != '\0' && strcmp(custos__jstr0(t, "kind"), "block-device") == 0 &&
            !json_is_true(json_object_get(t, "partition")) && strtoll(cap, NULL, 10) != size)
            item_flag(r, bad, "%s: the wiped device holds %lld bytes, the ordered item %s", p, size,
                      cap);
        const char *op = custos__jstr(json_object_get(log, "operator"), "key_fingerprint");
        int signer = 0;
        for (size_t k = 0; op != NULL && custos__dispose_roles[k] != NULL; k++) {
            const char *pk = custos__jstr0(
                json_object_get(json_object_get(cert, "people"), custos__dispose_roles[k]), "key");
            /* certify's early check may not know a signer yet: the signing run decides */
            signer |= strcmp(op, pk) == 0 || strcmp(pk, CUSTOS__DISPOSE_UNKNOWN_KEY) == 0;
        }
        if (op != NULL && !signer)
            item_flag(r, bad, "%s: made by key %.16s, who does not sign the certificate", p, op);
        int passed = strcmp(result, "PASSED") == 0;
        if (passed && (json_integer_value(json_object_get(v, "read_errors")) != 0 ||
                       json_integer_value(json_object_get(v, "mismatched_bytes")) != 0 ||
                       (json_is_object(pass) &&
                        (json_integer_value(json_object_get(pass, "write_errors")) != 0 ||
                         !json_is_true(json_object_get(pass, "flush_ok")) ||
                         json_integer_value(json_object_get(pass, "bytes_written")) != size))))
            item_flag(r, bad, "%s: says PASSED, but its own counts show errors", p);
        int sanitized = strcmp(custos__jstr0(ci, "result"), "sanitized") == 0;
        if (sanitized && !passed)
            item_flag(r, bad, "%s: the log says %s, but the item is certified sanitized", p,
                      result[0] != '\0' ? result : "nothing");
        else if (sanitized && strcmp(custos__jstr0(ci, "method"), "overwrite") == 0 &&
                 category_rank(custos__jstr(log, "nist_category")) <
                     category_rank(custos__jstr(ci, "category")))
            item_flag(r, bad, "%s: the log can claim NIST category %s, not the certified %s", p,
                      custos__jstr0(log, "nist_category"), custos__jstr0(ci, "category"));
        json_decref(log);
    }
}

/* Checks one certified item (bundle directory dir) against its order item into r. */
static void
check_one(const char *dir, const json_t *cert, const json_t *ci, const json_t *oi,
          const json_t *bad_atts, unsigned require, int sig_ok,
          struct custos_dispose_item_result *r)
{
    snprintf(r->category, sizeof(r->category), "%s", custos__jstr0(ci, "category"));
    snprintf(r->method, sizeof(r->method), "%s", custos__jstr0(ci, "method"));
    snprintf(r->result, sizeof(r->result), "%s", custos__jstr0(ci, "result"));
    snprintf(r->time, sizeof(r->time), "%s", custos__jstr0(ci, "time"));
    if (r->serial[0] == '\0')
        snprintf(r->serial, sizeof(r->serial), "%s", custos__jstr0(ci, "serial"));
    r->attachments = count_kind(cert, r->id, NULL);
    if (!sig_ok)
        item_flag(r, CUSTOS_DISPOSE_BAD_SIGNATURE, "the certificate is not validly signed");
    const char *os = custos__jstr0(oi, "serial");
    if (os[0] != '\0' && strcmp(os, custos__jstr0(ci, "serial")) != 0)
        item_flag(r, CUSTOS_DISPOSE_DETAILS_MISMATCH, "serial %s, but the order says %s",
                  custos__jstr0(ci, "serial"), os);
    static const char *const detail[] = {"make", "model", NULL};
    for (size_t k = 0; detail[k] != NULL; k++) {
        const char *a = custos__jstr0(oi, detail[k]), *b = custos__jstr(ci, detail[k]);
        if (a[0] != '\0' && b != NULL && strcmp(a, b) != 0)
            item_flag(r, CUSTOS_DISPOSE_DETAILS_MISMATCH, "%s %s, but the order says %s", detail[k],
                      b, a);
    }
    json_t *os_seals = json_object_get(oi, "seals"), *cs = json_object_get(ci, "seals");
    if ((json_array_size(os_seals) > 0 || json_array_size(cs) > 0) && !same_seals(os_seals, cs))
        item_flag(r, CUSTOS_DISPOSE_SEAL_MISMATCH, "seal numbers differ from the order's");
    time_t t = 0, h = 0, issued = 0;
    custos__dispose_time(custos__jstr(ci, "time"), &t);
    custos__dispose_time(custos__jstr(cert, "issued"), &issued);
    if (custos__dispose_time(custos__jstr(json_object_get(oi, "handover"), "time"), &h) == 0 &&
        t < h)
        item_flag(r, CUSTOS_DISPOSE_BAD_TIME, "dated %s, before its handover at %s",
                  custos__jstr0(ci, "time"),
                  custos__jstr0(json_object_get(oi, "handover"), "time"));
    if (t > issued)
        item_flag(r, CUSTOS_DISPOSE_BAD_TIME, "dated after the certificate was issued");
    if (t > time(NULL) + CUSTOS_DISPOSE_FUTURE_SLACK)
        item_flag(r, CUSTOS_DISPOSE_BAD_TIME, "dated in the future");
    size_t i, j;
    json_t *a, *l;
    json_array_foreach(json_object_get(cert, "attachments"), i, a)
    {
        const char *why = json_string_value(json_object_get(bad_atts, custos__jstr0(a, "path")));
        if (why == NULL)
            continue;
        json_array_foreach(json_object_get(a, "items"), j,
                           l) if (strcmp(json_string_value(l), r->id) == 0)
            item_flag(r, CUSTOS_DISPOSE_HASH_MISMATCH, "%s: %s", custos__jstr0(a, "path"), why);
    }
    check_item_logs(dir, cert, ci, oi, bad_atts, r);
    if (require == 0 && r->attachments == 0)
        item_flag(r, CUSTOS_DISPOSE_MISSING_EVIDENCE, "no attachment shows it");
    static const struct {
        unsigned bit;
        const char *kind, *alt, *name;
    } req[] = {
        {CUSTOS_DISPOSE_REQ_BEFORE, "photo_before", NULL, "before"},
        {CUSTOS_DISPOSE_REQ_DURING, "photo_during", "video", "during"},
        {CUSTOS_DISPOSE_REQ_AFTER, "photo_after", NULL, "after"},
        {CUSTOS_DISPOSE_REQ_VIDEO, "video", NULL, "video"},
        {CUSTOS_DISPOSE_REQ_LOG, "wipe_log", NULL, "log"},
    };
    for (size_t k = 0; k < sizeof(req) / sizeof(req[0]); k++)
        if ((require & req[k].bit) && count_kind(cert, r->id, req[k].kind) == 0 &&
            (req[k].alt == NULL || count_kind(cert, r->id, req[k].alt) == 0))
            item_flag(r, CUSTOS_DISPOSE_MISSING_EVIDENCE, "no %s evidence", req[k].name);
    if (strcmp(custos__jstr0(ci, "result"), "exception") == 0)
        item_flag(r, CUSTOS_DISPOSE_EXCEPTION, "exception: %s", custos__jstr0(ci, "note"));
}

/* The report's table (dispose_private.h). */
int
custos__dispose_fill_items(const struct custos_dispose_order *o, const char *dir,
                           const json_t *cert, const json_t *bad_atts, unsigned require,
                           struct custos_dispose_report *rep, struct custos_error *err)
{
    json_t *oitems = json_object_get(o->doc, "items");
    json_t *citems = cert != NULL ? json_object_get(cert, "items") : NULL;
    size_t no = json_array_size(oitems), nc = json_array_size(citems), i;
    rep->items = calloc(no + nc + 1, sizeof(*rep->items));
    if (rep->items == NULL)
        return custos__dispose_nomem(err);
    json_t *oi;
    json_array_foreach(oitems, i, oi)
    {
        struct custos_dispose_item_result *r = &rep->items[rep->nitems++];
        snprintf(r->id, sizeof(r->id), "%s", custos__jstr0(oi, "id"));
        snprintf(r->serial, sizeof(r->serial), "%s", custos__jstr0(oi, "serial"));
        size_t found = 0, j;
        json_t *ci, *match = NULL;
        json_array_foreach(citems, j, ci) if (strcmp(custos__jstr0(ci, "id"), r->id) == 0)
        {
            found++;
            match = ci;
        }
        if (cert == NULL)
            item_flag(r, CUSTOS_DISPOSE_BAD_SIGNATURE, "the bundle cannot be read");
        else if (found == 0)
            item_flag(r, CUSTOS_DISPOSE_MISSING_PROOF, "the certificate does not cover it");
        else {
            check_one(dir, cert, match, oi, bad_atts, require, rep->signatures_ok, r);
            if (found > 1)
                item_flag(r, CUSTOS_DISPOSE_DUPLICATE, "%zu proofs for one item", found);
        }
    }
    json_t *ci;
    json_array_foreach(citems, i, ci)
    {
        int known = 0;
        size_t j;
        json_array_foreach(oitems, j, oi) if (strcmp(custos__jstr0(oi, "id"),
                                                     custos__jstr0(ci, "id")) == 0) known = 1;
        if (known)
            continue;
        struct custos_dispose_item_result *r = &rep->items[rep->nitems++];
        snprintf(r->id, sizeof(r->id), "%s", custos__jstr0(ci, "id"));
        snprintf(r->serial, sizeof(r->serial), "%s", custos__jstr0(ci, "serial"));
        snprintf(r->method, sizeof(r->method), "%s", custos__jstr0(ci, "method"));
        snprintf(r->result, sizeof(r->result), "%s", custos__jstr0(ci, "result"));
        item_flag(r, CUSTOS_DISPOSE_UNKNOWN_ITEM, "not in the order");
    }
    for (i = 0; i < rep->nitems; i++) {
        /* an unreadable bundle proves nothing, and is reported as what it is: corrupt */
        rep->items[i].status = cert == NULL ? CUSTOS_E_CORRUPT : state_status(rep->items[i].state);
        rep->status = custos_status_worst(rep->status, rep->items[i].status);
    }
    return CUSTOS_OK;
}

int
custos_dispose_require_parse(const char *s, unsigned *out)
{
    static const struct {
        const char *name;
        unsigned bit;
    } k[] = {{"before", CUSTOS_DISPOSE_REQ_BEFORE}, {"during", CUSTOS_DISPOSE_REQ_DURING},
             {"after", CUSTOS_DISPOSE_REQ_AFTER},   {"video", CUSTOS_DISPOSE_REQ_VIDEO},
             {"log", CUSTOS_DISPOSE_REQ_LOG},       {"timestamp", CUSTOS_DISPOSE_REQ_TIMESTAMP}};
    *out = 0;
    while (*s != '\0') {
        size_t n = strcspn(s, ",");
        size_t i = 0;
        for (; i < sizeof(k) / sizeof(k[0]); i++)
            if (strlen(k[i].name) == n && strncmp(s, k[i].name, n) == 0)
                break;
        if (i == sizeof(k) / sizeof(k[0]))
            return CUSTOS_E_USAGE;
        *out |= k[i].bit;
        s += n;
        if (*s == ',')
            s++;
    }
    return *out != 0 ? CUSTOS_OK : CUSTOS_E_USAGE;
}
