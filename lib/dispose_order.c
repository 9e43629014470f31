/* SPDX-License-Identifier: ISC */
/*
 * dispose_order.c: the owner's disposal order
 * (docs/formats/destruction-proof.md, "The order").
 *
 * The order is built from the case ledger: the entries verification
 * replays are read into a small state (enrolled keys,
 * revocations, items with their details, seals, holder, transfers): only
 * items the owner holds, collected and not yet disposed of, go to a vendor
 * enrolled as one. The order names who may sign the vendor's certificate
 * (the ledger's vendor and witness keys) and is signed by the owner; the
 * verification of a certificate trusts those keys and the ledger's, never
 * the keys the certificate carries.
 */
#include "dispose_private.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "custos/atomicfile.h" /* custos_write_file_new */
#include "custos/ledger.h"
#include "custos/sign.h"

#include "fsutil_private.h" /* custos__utc_now, custos__refuse_existing */

static json_t *
key_json(const struct custos_key *k, const char *extra_key, const char *extra_val)
{
    char *pub = custos__dispose_key_b64(k);
    json_t *o = json_object();
    if (pub == NULL || o == NULL) {
        free(pub);
        json_decref(o);
        return NULL;
    }
    if (extra_key != NULL && extra_val != NULL)
        json_object_set_new(o, extra_key, json_string(extra_val));
    json_object_set_new(o, "name", json_string(custos_key_name(k)));
    json_object_set_new(o, "role", json_string(custos_key_role(k)));
    json_object_set_new(o, "key", json_string(custos_key_fingerprint(k)));
    json_object_set_new(o, "pub", json_string(pub));
    free(pub);
    return o;
}

/* ---- the case ledger, read into a state ---- */

static const char *
or_empty(const char *s)
{
    return s != NULL ? s : "";
}

/* One verified entry into the state (custos_ledger_entry_fn): the bytes verify replayed. */
static int
take_entry(void *ctx, const struct custos_ledger_entry *e, struct custos_error *err)
{
    json_t *st = ctx;
    json_t *keys = json_object_get(st, "keys"), *items = json_object_get(st, "items");
    const char *action = e->action, *item = e->item;
    const char *as_key[2] = {NULL, NULL}; /* custodian, receiver */
    for (size_t i = 0; i < e->nparties; i++) {
        const struct custos_ledger_entry_party *p = &e->parties[i];
        if (p->pub != NULL && p->role != NULL && p->fp != NULL &&
            json_object_set_new(keys, p->fp,
                                json_pack("{s:s,s:s,s:s,s:b}", "name", or_empty(p->name), "role",
                                          p->role, "pub", p->pub, "revoked", 0)) != 0)
            return custos__dispose_nomem(err);
        if (p->as != NULL && strcmp(p->as, "custodian") == 0)
            as_key[0] = p->fp;
        if (p->as != NULL && strcmp(p->as, "receiver") == 0)
            as_key[1] = p->fp;
    }
    json_t *it = item != NULL ? json_object_get(items, item) : NULL;
    int bad = 0;
    if (strcmp(action, CUSTOS_ACTION_OPEN) == 0) {
        bad = json_object_set_new(st, "ledger",
                                  json_string(or_empty(custos_ledger_entry_field(e, "ledger")))) ||
              json_object_set_new(st, "case",
                                  json_string(or_empty(custos_ledger_entry_field(e, "case"))));
    } else if (strcmp(action, CUSTOS_ACTION_REVOKE) == 0) {
        json_t *k = json_object_get(keys, or_empty(custos_ledger_entry_field(e, "key")));
        if (k != NULL)
            bad = json_object_set_new(k, "revoked", json_true());
    } else if (strcmp(action, CUSTOS_ACTION_COLLECT) == 0 && item != NULL) {
        bad = json_object_set_new(
            items, item,
            json_pack("{s:s,s:s,s:s,s:s,s:s,s:[],s:s,s:b}", "description",
                      or_empty(custos_ledger_entry_field(e, "description")), "make",
                      or_empty(custos_ledger_entry_field(e, "make")), "model",
                      or_empty(custos_ledger_entry_field(e, "model")), "serial",
                      or_empty(custos_ledger_entry_field(e, "serial")), "size", "", "seals",
                      "holder", or_empty(as_key[0]), "disposed", 0));
    } else if (strcmp(action, CUSTOS_ACTION_ACQUIRE) == 0 && it != NULL) {
        /* An integer field comes in decimal, as the ledger holds it. */
        bad = json_object_set_new(it, "size",
                                  json_string(or_empty(custos_ledger_entry_field(e, "size"))));
    } else if (strcmp(action, CUSTOS_ACTION_SEAL) == 0 && it != NULL) {
        bad = json_array_append_new(json_object_get(it, "seals"),
                                    json_string(or_empty(custos_ledger_entry_field(e, "seal"))));
    } else if (strcmp(action, CUSTOS_ACTION_TRANSFER) == 0 && it != NULL) {
        bad = json_object_set_new(it, "holder", json_string(or_empty(as_key[1])));
    } else if (strcmp(action, CUSTOS_ACTION_DISPOSE) == 0 && it != NULL) {
        bad = json_object_set_new(it, "disposed", json_true());
    }
    char seq[32];
    snprintf(seq, sizeof(seq), "%llu", (unsigned long long)e->seq);
    if (bad || json_object_set_new(json_object_get(st, "entries"), seq,
                                   json_pack("{s:s,s:s,s:s,s:s}", "action", action, "item",
                                             or_empty(item), "receiver", or_empty(as_key[1]),
                                             "time", or_empty(e->time))) != 0)
        return custos__dispose_nomem(err);
    return CUSTOS_OK;
}

/*
 * Verifies the ledger and builds the state from the entries as verification
 * replays them (dispose_private.h): one reading, so the state describes
 * exactly the bytes that verified, and no second interpretation of the file.
 */
int
custos__dispose_ledger_state(const char *path, json_t **out, struct custos_error *err)
{
    *out = NULL;
    json_t *st =
        json_pack("{s:s,s:s,s:{},s:{},s:{}}", "ledger", "", "case", "", "keys", "items", "entries");
    if (st == NULL)
        return custos__dispose_nomem(err);
    struct custos_ledger_report *rep = NULL;
    int rc = custos_ledger_verify_each(path, NULL, 0, NULL, take_entry, st, &rep, err);
    if (rep == NULL) {
        json_decref(st);
        return rc;
    }
    if (rc != CUSTOS_OK && rc != CUSTOS_E_INCOMPLETE) {
        rc = custos_error_set(err, rc, 0, path, "%s",
                              rep->nfindings > 0 ? rep->findings[0].message : "does not verify");
        custos_ledger_report_free(rep);
        json_decref(st);
        return rc;
    }
    custos_ledger_report_free(rep);
    *out = st;
    return CUSTOS_OK;
}

/* ---- the disposal order ---- */

static int
order_index_seals(struct custos_dispose_order *o, struct custos_error *err)
{
    json_t *items = json_object_get(o->doc, "items");
    size_t n = json_array_size(items);
    o->seals = calloc(n + 1, sizeof(char *));
    if (o->seals == NULL)
        return custos__dispose_nomem(err);
    for (size_t i = 0; i < n; i++) {
        json_t *seals = json_object_get(json_array_get(items, i), "seals");
        size_t len = 1, j;
        json_t *s;
        json_array_foreach(seals, j, s) len += strlen(json_string_value(s)) + 2;
        o->seals[i] = calloc(1, len);
        if (o->seals[i] == NULL)
            return custos__dispose_nomem(err);
        json_array_foreach(seals, j, s)
        {
            if (j > 0)
                strcat(o->seals[i], ", ");
            strcat(o->seals[i], json_string_value(s));
        }
    }
    return CUSTOS_OK;
}

int
custos_dispose_order_from_ledger(struct custos_dispose_order **out, const char *ledger_path,
                                 const struct custos_dispose_order_params *p,
                                 struct custos_error *err)
{
    *out = NULL;
    if (p == NULL || p->order_id == NULL || p->order_id[0] == '\0' || p->owner == NULL ||
        p->vendor == NULL || p->nitems == 0 || p->nitems > CUSTOS_DISPOSE_ITEMS_MAX ||
        strlen(p->order_id) >= CUSTOS_DISPOSE_ID_MAX)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "custos_dispose_order_from_ledger: an order id, owner, vendor and "
                                "1-%d items are needed",
                                CUSTOS_DISPOSE_ITEMS_MAX);
    json_t *st = NULL;
    int rc = custos__dispose_ledger_state(ledger_path, &st, err);
    if (rc != CUSTOS_OK)
        return rc;
    json_t *keys = json_object_get(st, "keys"), *items = json_object_get(st, "items");
    const char *vfp = custos_key_fingerprint(p->vendor), *ofp = custos_key_fingerprint(p->owner);
    json_t *vk = json_object_get(keys, vfp), *ok = json_object_get(keys, ofp);
    json_t *doc = NULL;
    if (vk == NULL || strcmp(custos__jstr0(vk, "role"), CUSTOS_ROLE_VENDOR) != 0 ||
        json_is_true(json_object_get(vk, "revoked"))) {
        rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, ledger_path,
                              "vendor key %.16s is not enrolled with role vendor", vfp);
        goto out;
    }
    if (ok == NULL || json_is_true(json_object_get(ok, "revoked"))) {
        rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, ledger_path,
                              "owner key %.16s is not enrolled", ofp);
        goto out;
    }
    char created[32];
    custos__utc_now(created, sizeof(created));
    doc = json_object();
    json_t *signers = json_array(), *oitems = json_array();
    json_t *owner = key_json(p->owner, NULL, NULL);
    json_t *vendor = key_json(p->vendor, "organisation",
                              p->vendor_organisation != NULL ? p->vendor_organisation
                                                             : custos_key_name(p->vendor));
    if (doc == NULL || signers == NULL || oitems == NULL || owner == NULL || vendor == NULL) {
        json_decref(signers);
        json_decref(oitems);
        json_decref(owner);
        json_decref(vendor);
        rc = custos__dispose_nomem(err);
        goto out;
    }
    json_object_set_new(doc, "format", json_string(CUSTOS_DISPOSE_ORDER_FORMAT));
    json_object_set_new(doc, "order_id", json_string(p->order_id));
    json_object_set_new(doc, "created", json_string(created));
    json_object_set_new(doc, "case", json_string(custos__jstr0(st, "case")));
    json_object_set_new(doc, "ledger", json_string(custos__jstr0(st, "ledger")));
    json_object_set_new(doc, "owner", owner);
    json_object_set_new(doc, "vendor", vendor);
    const char *fp;
    json_t *k;
    json_object_foreach(keys, fp, k)
    {
        /* only who may sign a certificate: the vendor's people and witnesses, not the case's */
        if (json_is_true(json_object_get(k, "revoked")) ||
            (strcmp(custos__jstr0(k, "role"), CUSTOS_ROLE_VENDOR) != 0 &&
             strcmp(custos__jstr0(k, "role"), CUSTOS_ROLE_WITNESS) != 0))
            continue;
        json_array_append_new(signers,
                              json_pack("{s:s,s:s,s:s,s:s}", "name", custos__jstr0(k, "name"),
                                        "role", custos__jstr0(k, "role"), "key", fp, "pub",
                                        custos__jstr0(k, "pub")));
    }
    json_object_set_new(doc, "signers", signers);
    json_object_set_new(doc, "items", oitems);
    for (size_t i = 0; i < p->nitems && rc == CUSTOS_OK; i++) {
        const char *id = p->items[i];
        json_t *it = json_object_get(items, id);
        for (size_t j = 0; j < i; j++)
            if (strcmp(p->items[j], id) == 0)
                rc = custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "item %s named twice", id);
        if (rc != CUSTOS_OK)
            break;
        if (it == NULL)
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, ledger_path,
                                  "item %s was never collected", id);
        else if (json_is_true(json_object_get(it, "disposed")))
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, ledger_path,
                                  "item %s is disposed of already", id);
        else if (strcmp(custos__jstr0(it, "holder"), ofp) != 0)
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, ledger_path,
                                  "item %s is not held by %s", id, custos_key_name(p->owner));
        if (rc != CUSTOS_OK)
            break;
        const char *mt =
            p->media_types != NULL && p->media_types[i] != NULL ? p->media_types[i] : "unspecified";
        json_t *o = json_pack(
            "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:O}", "id", id, "description",
            custos__jstr0(it, "description"), "make", custos__jstr0(it, "make"), "model",
            custos__jstr0(it, "model"), "serial", custos__jstr0(it, "serial"), "capacity_bytes",
            custos__jstr0(it, "size"), "media_type", mt, "seals", json_object_get(it, "seals"));
        if (o == NULL || json_array_append_new(oitems, o) != 0)
            rc = custos__dispose_nomem(err);
    }
    if (rc == CUSTOS_OK) {
        struct custos_dispose_order *ord = calloc(1, sizeof(*ord));
        if (ord == NULL) {
            rc = custos__dispose_nomem(err);
            goto out;
        }
        ord->doc = doc;
        doc = NULL;
        rc = order_index_seals(ord, err);
        if (rc != CUSTOS_OK)
            custos_dispose_order_free(ord);
        else
            *out = ord;
    }
out:
    json_decref(doc);
    json_decref(st);
    return rc;
}

size_t
custos_dispose_order_count(const struct custos_dispose_order *o)
{
    return json_array_size(json_object_get(o->doc, "items"));
}

const char *
custos_dispose_order_item(const struct custos_dispose_order *o, size_t i)
{
    return custos__jstr(json_array_get(json_object_get(o->doc, "items"), i), "id");
}

const char *
custos_dispose_order_seals(const struct custos_dispose_order *o, size_t i)
{
    return i < custos_dispose_order_count(o) ? o->seals[i] : "";
}

const char *
custos_dispose_order_id(const struct custos_dispose_order *o)
{
    return custos__jstr0(o->doc, "order_id");
}

int
custos_dispose_order_set_handover(struct custos_dispose_order *o, size_t i, uint64_t seq,
                                  const char *time, struct custos_error *err)
{
    time_t t;
    if (i >= custos_dispose_order_count(o) || custos__dispose_time(time, &t) != 0)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "custos_dispose_order_set_handover: bad item or time");
    json_t *h = json_pack("{s:I,s:s}", "seq", (json_int_t)seq, "time", time);
    if (h == NULL)
        return custos__dispose_nomem(err);
    json_object_set_new(json_array_get(json_object_get(o->doc, "items"), i), "handover", h);
    return CUSTOS_OK;
}

int
custos_dispose_order_write(const struct custos_dispose_order *o, const char *path,
                           const struct custos_key *owner, struct custos_error *err)
{
    json_t *items = json_object_get(o->doc, "items");
    for (size_t i = 0; i < json_array_size(items); i++)
        if (json_object_get(json_array_get(items, i), "handover") == NULL)
            return custos_error_set(err, CUSTOS_E_USAGE, 0, path,
                                    "custos_dispose_order_write: item %zu has no handover", i);
    if (strcmp(custos_key_fingerprint(owner),
               custos__jstr0(json_object_get(o->doc, "owner"), "key")) != 0)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, path,
                                "custos_dispose_order_write: not the order's owner key");
    char sigpath[PATH_MAX];
    if (snprintf(sigpath, sizeof(sigpath), "%s%s", path, CUSTOS_DISPOSE_SIG_SUFFIX) >=
        (int)sizeof(sigpath))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, path, "path too long");
    int rc = custos__refuse_existing(sigpath, err);
    if (rc != CUSTOS_OK)
        return rc;
    rc = custos__dispose_write_json(path, o->doc, err);
    if (rc != CUSTOS_OK)
        return rc;
    rc = custos_sign_file(owner, CUSTOS_PURPOSE_DISPOSAL_ORDER, path, sigpath, err);
    if (rc != CUSTOS_OK)
        unlink(path);
    return rc;
}

static int
order_check(const json_t *doc, const char *path, struct custos_error *err)
{
    if (!json_is_object(doc) ||
        strcmp(custos__jstr0(doc, "format"), CUSTOS_DISPOSE_ORDER_FORMAT) != 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "not a %s document",
                                CUSTOS_DISPOSE_ORDER_FORMAT);
    const char *id = custos__jstr(doc, "order_id");
    if (id == NULL || id[0] == '\0' || strlen(id) >= CUSTOS_DISPOSE_ID_MAX ||
        !json_is_object(json_object_get(doc, "owner")) ||
        !json_is_object(json_object_get(doc, "vendor")) ||
        !json_is_array(json_object_get(doc, "signers")))
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                                "order_id, owner, vendor or signers missing");
    json_t *items = json_object_get(doc, "items");
    if (!json_is_array(items) || json_array_size(items) == 0 ||
        json_array_size(items) > CUSTOS_DISPOSE_ITEMS_MAX)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "no items");
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *iid = custos__jstr(it, "id");
        time_t t;
        if (iid == NULL || iid[0] == '\0' || strlen(iid) >= CUSTOS_DISPOSE_ID_MAX ||
            !json_is_array(json_object_get(it, "seals")) ||
            custos__dispose_time(custos__jstr(json_object_get(it, "handover"), "time"), &t) != 0)
            return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                                    "item %zu: id, seals or handover missing", i);
        size_t j;
        json_t *s;
        json_array_foreach(
            json_object_get(it, "seals"), j,
            s) if (!json_is_string(s)) return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                                                               "item %zu: a seal is not a string",
                                                               i);
    }
    return CUSTOS_OK;
}

int
custos_dispose_order_open(struct custos_dispose_order **out, const char *path,
                          struct custos_error *err)
{
    *out = NULL;
    char *buf = NULL;
    size_t len = 0;
    int rc = custos__read_small(path, CUSTOS_DISPOSE_JSON_MAX, &buf, &len, err);
    if (rc != CUSTOS_OK)
        return rc;
    json_error_t je;
    json_t *doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (doc == NULL) {
        free(buf);
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "line %d: %s", je.line, je.text);
    }
    rc = order_check(doc, path, err);
    struct custos_key *owner = NULL;
    json_t *ow = json_object_get(doc, "owner");
    if (rc == CUSTOS_OK) {
        rc = custos__dispose_key_from_b64(custos__jstr(ow, "pub"), custos__jstr(ow, "name"),
                                          custos__jstr(ow, "role"), &owner, err);
        if (rc != CUSTOS_OK)
            custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "the owner's key is malformed");
    }
    if (rc == CUSTOS_OK && strcmp(custos_key_fingerprint(owner), custos__jstr0(ow, "key")) != 0)
        rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, path,
                              "the owner's key does not match its fingerprint");
    if (rc == CUSTOS_OK) {
        char sigpath[PATH_MAX];
        snprintf(sigpath, sizeof(sigpath), "%s%s", path, CUSTOS_DISPOSE_SIG_SUFFIX);
        rc = custos_sign_verify_sigfile(sigpath, owner, CUSTOS_PURPOSE_DISPOSAL_ORDER, buf, len,
                                        err);
    }
    struct custos_dispose_order *o = NULL;
    if (rc == CUSTOS_OK) {
        o = calloc(1, sizeof(*o));
        if (o == NULL)
            rc = custos__dispose_nomem(err);
    }
    if (rc == CUSTOS_OK) {
        o->doc = doc;
        doc = NULL;
        custos__dispose_sha256_hex(buf, len, o->sha256);
        rc = order_index_seals(o, err);
    }
    custos_key_free(owner);
    free(buf);
    json_decref(doc);
    if (rc != CUSTOS_OK) {
        custos_dispose_order_free(o);
        return rc;
    }
    *out = o;
    return CUSTOS_OK;
}

void
custos_dispose_order_free(struct custos_dispose_order *o)
{
    if (o == NULL)
        return;
    if (o->seals != NULL)
        for (size_t i = 0; o->seals[i] != NULL; i++)
            free(o->seals[i]);
    free(o->seals);
    json_decref(o->doc);
    free(o);
}

int
custos_dispose_order_vendor_key(const struct custos_dispose_order *o, struct custos_key **out,
                                struct custos_error *err)
{
    json_t *v = json_object_get(o->doc, "vendor");
    return custos__dispose_key_from_b64(custos__jstr(v, "pub"), custos__jstr(v, "name"),
                                        custos__jstr(v, "role"), out, err);
}

int
custos_dispose_order_describe(const struct custos_dispose_order *o, char **text,
                              struct custos_error *err)
{
    *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(text, &len);
    if (f == NULL)
        return custos__dispose_nomem(err);
    const json_t *d = o->doc, *ow = json_object_get(d, "owner"), *v = json_object_get(d, "vendor");
    fprintf(f, "Disposal order %s, case %s (ledger %s)\n", custos__jstr0(d, "order_id"),
            custos__jstr0(d, "case"), custos__jstr0(d, "ledger"));
    fprintf(f, "  owner:  %s (%s, key %.16s)\n", custos__jstr0(ow, "name"),
            custos__jstr0(ow, "role"), custos__jstr0(ow, "key"));
    fprintf(f, "  vendor: %s of %s (key %.16s)\n", custos__jstr0(v, "name"),
            custos__jstr0(v, "organisation"), custos__jstr0(v, "key"));
    fprintf(f, "  hands over for destruction %zu item(s):\n", custos_dispose_order_count(o));
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(d, "items"), i, it)
    {
        const json_t *h = json_object_get(it, "handover");
        fprintf(f, "    %s: %s; serial %s; %s bytes; media %s; seals %s", custos__jstr0(it, "id"),
                custos__jstr0(it, "description"), custos__jstr0(it, "serial"),
                custos__jstr0(it, "capacity_bytes")[0] ? custos__jstr0(it, "capacity_bytes") : "?",
                custos__jstr0(it, "media_type"), o->seals[i][0] ? o->seals[i] : "none");
        if (h != NULL)
            fprintf(f, "; handed over by entry %lld at %s",
                    (long long)json_integer_value(json_object_get(h, "seq")),
                    custos__jstr0(h, "time"));
        fputc('\n', f);
    }
    fprintf(f, "  who may sign the vendor's certificate:\n");
    json_array_foreach(json_object_get(d, "signers"), i, it)
        fprintf(f, "    %s (%s, key %.16s)\n", custos__jstr0(it, "name"), custos__jstr0(it, "role"),
                custos__jstr0(it, "key"));
    if (fclose(f) != 0 || *text == NULL) {
        free(*text);
        *text = NULL;
        return custos__dispose_nomem(err);
    }
    return CUSTOS_OK;
}

int
custos_dispose_transfer_fields(const struct custos_dispose_order *o, size_t i, const char *reason,
                               const char *seal_checked, char **json, struct custos_error *err)
{
    *json = NULL;
    if (i >= custos_dispose_order_count(o))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "custos_dispose_transfer_fields: no item %zu", i);
    char why[512];
    snprintf(why, sizeof(why), "%s under disposal order %s",
             reason != NULL ? reason : "destruction", custos_dispose_order_id(o));
    json_t *f = json_pack("{s:s,s:s}", "item", custos_dispose_order_item(o, i), "reason", why);
    /* the seal check is stated by the person who made it, never on their behalf */
    if (f != NULL && o->seals[i][0] != '\0') {
        char sc[1024];
        snprintf(sc, sizeof(sc), "%s: %s", o->seals[i],
                 seal_checked != NULL ? seal_checked : "not checked");
        json_object_set_new(f, "seal_checked", json_string(sc));
    }
    *json = f != NULL ? json_dumps(f, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(f);
    return *json != NULL ? CUSTOS_OK : custos__dispose_nomem(err);
}
