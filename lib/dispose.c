/* SPDX-License-Identifier: ISC */
/*
 * dispose.c: disposal orders, destruction certificates and their proof
 * bundles (docs/formats/destruction-proof.md).
 *
 * The owner's order is built from the case ledger, which is first verified
 * in full and then read entry by entry into a small state (enrolled keys,
 * revocations, items with their details, seals, holder, transfers). The
 * vendor's certificate is checked against one model (custos__cert_check)
 * both when it is made and when it is verified, so certify cannot write what
 * verify would reject as malformed.
 *
 * Invariants:
 *   1. A bundle is built in a staging directory and published whole
 *      (custos_staging_publish, or custos_atomicfile_close for a tar), or not
 *      at all (custos_dispose_certify).
 *   2. Every file of a bundle that carries meaning is listed in
 *      manifest.sha256, and the signatures cover exactly that file's bytes.
 *   3. Verification trusts the keys of the signed order and of the ledger,
 *      never the keys the certificate itself carries (custos_dispose_verify).
 *   4. An item is OK only when every check on it held; an exception is never
 *      OK, and a bundle-wide signature failure marks every item.
 */
#include "custos/dispose.h"
#include "custos/timefmt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "custos/atomicfile.h"
#include "custos/digest.h"
#include "custos/ledger.h"
#include "custos/sign.h"
#include "custos/staging.h"
#include "custos/timestamp.h"
#include "custos/wipe.h"

#include "base64_private.h"
#include "dispose_private.h"
#include "filetype_private.h"
#include "fsutil_private.h"

#define MAGIC_SNIFF 65536 /* bytes libmagic sees of an attachment */
/* The fingerprint certify's early check writes for a signer whose key it does not have yet. */
#define UNKNOWN_KEY "0000000000000000000000000000000000000000000000000000000000000000"

struct custos_dispose_order {
    json_t *doc;                         /* the order document */
    char sha256[CUSTOS_KEY_FP_HEX_SIZE]; /* of the order file, once written or read */
    char **seals;                        /* per item, joined seal numbers */
};

/* ---- small helpers ---- */

static int
nomem(struct custos_error *err)
{
    return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
}

static const char *
jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static const char *
jstr0(const json_t *o, const char *k)
{
    const char *s = jstr(o, k);
    return s != NULL ? s : "";
}

/* Parses RFC 3339 UTC "YYYY-MM-DDTHH:MM:SSZ"; returns 0 or -1. */
static int
parse_time(const char *s, time_t *out)
{
    int64_t t = 0;
    *out = 0;
    if (custos_time_rfc3339_parse(s, CUSTOS_TIME_CANONICAL, &t, NULL) != CUSTOS_OK)
        return -1;
    *out = (time_t)t;
    return 0;
}

static int
is_hex64(const char *s)
{
    if (s == NULL || strlen(s) != 64)
        return 0;
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

static int
in_list(const char *s, const char *const *list)
{
    for (size_t i = 0; s != NULL && list[i] != NULL; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

int
custos__read_small(const char *path, size_t max, char **buf, size_t *len, struct custos_error *err)
{
    *buf = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot open");
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "not a regular file");
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "larger than %zu bytes", max);
    }
    char *b = malloc((size_t)st.st_size + 1);
    if (b == NULL) {
        close(fd);
        return nomem(err);
    }
    long long got = custos__pread_full(fd, b, (size_t)st.st_size, 0);
    int e = errno;
    close(fd);
    if (got < 0 || got != (long long)st.st_size) {
        free(b);
        return custos_error_set(err, CUSTOS_E_IO, got < 0 ? e : 0, path,
                                got < 0 ? "cannot read" : "changed while read");
    }
    b[got] = '\0';
    *buf = b;
    *len = (size_t)got;
    return CUSTOS_OK;
}

static void
sha256_hex(const void *buf, size_t len, char hex[CUSTOS_KEY_FP_HEX_SIZE])
{
    struct custos_digest *d = NULL;
    struct custos_digest_result r;
    hex[0] = '\0';
    if (custos_digest_new(&d, CUSTOS_DIGEST_SHA256, NULL) != CUSTOS_OK)
        return;
    custos_digest_update(d, buf, len);
    custos_digest_final(d, &r);
    custos_digest_free(d);
    custos_hex_encode(r.sha256, 32, hex);
}

/*
 * Reads the open file in (named src) to its end: SHA-256 into hex, size,
 * the MIME type sniffed from the first block; with out >= 0 (named dst),
 * every byte is also written there.
 */
static int
hash_stream(struct custos__filetype *ft, int in, const char *src, int out, const char *dst,
            char hex[CUSTOS_KEY_FP_HEX_SIZE], uint64_t *size, char **mime, struct custos_error *err)
{
    *mime = NULL;
    struct custos_digest *d = NULL;
    int rc = custos_digest_new(&d, CUSTOS_DIGEST_SHA256, err);
    uint8_t *buf = malloc(MAGIC_SNIFF);
    if (rc == CUSTOS_OK && buf == NULL)
        rc = nomem(err);
    uint64_t total = 0;
    while (rc == CUSTOS_OK) {
        ssize_t n = read(in, buf, MAGIC_SNIFF);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = custos_error_set(err, CUSTOS_E_IO, errno, src, "cannot read");
            break;
        }
        if (n == 0)
            break;
        if (total == 0) {
            char *desc = NULL;
            custos__filetype_buffer(ft, buf, (size_t)n, mime, &desc);
            free(desc);
        }
        custos_digest_update(d, buf, (size_t)n);
        if (out >= 0 && custos__write_all(out, buf, (size_t)n) != 0)
            rc = custos_error_set(err, CUSTOS_E_IO, errno, dst, "cannot write");
        total += (uint64_t)n;
    }
    if (rc == CUSTOS_OK) {
        struct custos_digest_result r;
        custos_digest_final(d, &r);
        custos_hex_encode(r.sha256, 32, hex);
        *size = total;
        if (*mime == NULL)
            *mime = strdup(total == 0 ? "application/x-empty" : "application/octet-stream");
        if (*mime == NULL)
            rc = nomem(err);
    }
    free(buf);
    custos_digest_free(d);
    return rc;
}

/* Hashes the file at path (SHA-256, size) and sniffs its MIME type. */
static int
hash_file(struct custos__filetype *ft, const char *path, char hex[CUSTOS_KEY_FP_HEX_SIZE],
          uint64_t *size, char **mime, struct custos_error *err)
{
    *mime = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot open");
    int rc = hash_stream(ft, fd, path, -1, NULL, hex, size, mime, err);
    close(fd);
    return rc;
}

static int
key_from_b64(const char *b64, const char *name, const char *role, struct custos_key **out,
             struct custos_error *err)
{
    uint8_t der[128];
    size_t len = 0;
    *out = NULL;
    if (b64 == NULL || custos__b64_decode(b64, strlen(b64), der, sizeof(der), &len) != 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "a public key is not base64");
    return custos_key_from_spki(out, der, len, name, role, err);
}

static char *
key_b64(const struct custos_key *k)
{
    uint8_t der[CUSTOS_KEY_SPKI_SIZE];
    custos_key_spki(k, der);
    char *b = malloc(CUSTOS__B64_SIZE(CUSTOS_KEY_SPKI_SIZE));
    if (b != NULL)
        custos__b64_encode(der, sizeof(der), b);
    return b;
}

static json_t *
key_json(const struct custos_key *k, const char *extra_key, const char *extra_val)
{
    char *pub = key_b64(k);
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

/*
 * Reads a ledger that custos_ledger_verify accepted into
 * {"ledger","case","keys":{fp:{name,role,pub,revoked}},
 *  "items":{id:{description,make,model,serial,size,seals:[],holder,disposed}},
 *  "entries":{seq:{action,item,receiver,time}}}.
 */
static int
ledger_state(const char *path, json_t **out, struct custos_error *err)
{
    *out = NULL;
    struct custos_ledger_report *rep = NULL;
    int rc = custos_ledger_verify(path, NULL, NULL, &rep, err);
    if (rep == NULL)
        return rc;
    if (rc != CUSTOS_OK && rc != CUSTOS_E_INCOMPLETE) {
        rc = custos_error_set(err, rc, 0, path, "%s",
                              rep->nfindings > 0 ? rep->findings[0].message : "does not verify");
        custos_ledger_report_free(rep);
        return rc;
    }
    custos_ledger_report_free(rep);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot open");
    json_t *st =
        json_pack("{s:s,s:s,s:{},s:{},s:{}}", "ledger", "", "case", "", "keys", "items", "entries");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    rc = st != NULL ? CUSTOS_OK : nomem(err);
    while (rc == CUSTOS_OK && (n = getline(&line, &cap, f)) > 0) {
        char *tab = memchr(line, '\t', (size_t)n);
        size_t blen = tab != NULL ? (size_t)(tab - line) : (size_t)n;
        json_t *e = json_loadb(line, blen, 0, NULL);
        if (!json_is_object(e)) {
            json_decref(e);
            continue; /* a torn tail: verify reported it */
        }
        const char *action = jstr0(e, "action");
        const char *item = jstr(e, "item");
        json_t *parties = json_object_get(e, "parties");
        json_t *keys = json_object_get(st, "keys"), *items = json_object_get(st, "items");
        size_t i;
        json_t *p;
        json_array_foreach(parties, i, p)
        {
            if (jstr(p, "pub") != NULL && jstr(p, "role") != NULL && jstr(p, "key") != NULL)
                json_object_set_new(keys, jstr(p, "key"),
                                    json_pack("{s:s,s:s,s:s,s:b}", "name", jstr0(p, "name"), "role",
                                              jstr(p, "role"), "pub", jstr(p, "pub"), "revoked",
                                              0));
        }
        const char *as_key[2] = {NULL, NULL}; /* custodian, receiver */
        json_array_foreach(parties, i, p)
        {
            if (strcmp(jstr0(p, "as"), "custodian") == 0)
                as_key[0] = jstr(p, "key");
            if (strcmp(jstr0(p, "as"), "receiver") == 0)
                as_key[1] = jstr(p, "key");
        }
        json_t *it = item != NULL ? json_object_get(items, item) : NULL;
        if (strcmp(action, CUSTOS_ACTION_OPEN) == 0) {
            json_object_set_new(st, "ledger", json_string(jstr0(e, "ledger")));
            json_object_set_new(st, "case", json_string(jstr0(e, "case")));
        } else if (strcmp(action, CUSTOS_ACTION_REVOKE) == 0) {
            json_t *k = json_object_get(keys, jstr0(e, "key"));
            if (k != NULL)
                json_object_set_new(k, "revoked", json_true());
        } else if (strcmp(action, CUSTOS_ACTION_COLLECT) == 0 && item != NULL) {
            json_object_set_new(items, item,
                                json_pack("{s:s,s:s,s:s,s:s,s:s,s:[],s:s,s:b}", "description",
                                          jstr0(e, "description"), "make", jstr0(e, "make"),
                                          "model", jstr0(e, "model"), "serial", jstr0(e, "serial"),
                                          "size", "", "seals", "holder",
                                          as_key[0] != NULL ? as_key[0] : "", "disposed", 0));
        } else if (strcmp(action, CUSTOS_ACTION_ACQUIRE) == 0 && it != NULL) {
            json_t *sz = json_object_get(e, "size");
            char buf[32] = "";
            if (json_is_integer(sz))
                snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(sz));
            else if (json_is_string(sz))
                snprintf(buf, sizeof(buf), "%s", json_string_value(sz));
            json_object_set_new(it, "size", json_string(buf));
        } else if (strcmp(action, CUSTOS_ACTION_SEAL) == 0 && it != NULL) {
            json_array_append_new(json_object_get(it, "seals"), json_string(jstr0(e, "seal")));
        } else if (strcmp(action, CUSTOS_ACTION_TRANSFER) == 0 && it != NULL) {
            json_object_set_new(it, "holder", json_string(as_key[1] != NULL ? as_key[1] : ""));
        } else if (strcmp(action, CUSTOS_ACTION_DISPOSE) == 0 && it != NULL) {
            json_object_set_new(it, "disposed", json_true());
        }
        char seq[32];
        snprintf(seq, sizeof(seq), "%lld",
                 (long long)json_integer_value(json_object_get(e, "seq")));
        json_object_set_new(
            json_object_get(st, "entries"), seq,
            json_pack("{s:s,s:s,s:s,s:s}", "action", action, "item", item != NULL ? item : "",
                      "receiver", as_key[1] != NULL ? as_key[1] : "", "time", jstr0(e, "time")));
        json_decref(e);
    }
    if (rc == CUSTOS_OK && ferror(f))
        rc = custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot read");
    free(line);
    fclose(f);
    if (rc != CUSTOS_OK) {
        json_decref(st);
        return rc;
    }
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
        return nomem(err);
    for (size_t i = 0; i < n; i++) {
        json_t *seals = json_object_get(json_array_get(items, i), "seals");
        size_t len = 1, j;
        json_t *s;
        json_array_foreach(seals, j, s) len += strlen(json_string_value(s)) + 2;
        o->seals[i] = calloc(1, len);
        if (o->seals[i] == NULL)
            return nomem(err);
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
    int rc = ledger_state(ledger_path, &st, err);
    if (rc != CUSTOS_OK)
        return rc;
    json_t *keys = json_object_get(st, "keys"), *items = json_object_get(st, "items");
    const char *vfp = custos_key_fingerprint(p->vendor), *ofp = custos_key_fingerprint(p->owner);
    json_t *vk = json_object_get(keys, vfp), *ok = json_object_get(keys, ofp);
    json_t *doc = NULL;
    if (vk == NULL || strcmp(jstr0(vk, "role"), CUSTOS_ROLE_VENDOR) != 0 ||
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
        rc = nomem(err);
        goto out;
    }
    json_object_set_new(doc, "format", json_string(CUSTOS_DISPOSE_ORDER_FORMAT));
    json_object_set_new(doc, "order_id", json_string(p->order_id));
    json_object_set_new(doc, "created", json_string(created));
    json_object_set_new(doc, "case", json_string(jstr0(st, "case")));
    json_object_set_new(doc, "ledger", json_string(jstr0(st, "ledger")));
    json_object_set_new(doc, "owner", owner);
    json_object_set_new(doc, "vendor", vendor);
    const char *fp;
    json_t *k;
    json_object_foreach(keys, fp, k)
    {
        /* only who may sign a certificate: the vendor's people and witnesses, not the case's */
        if (json_is_true(json_object_get(k, "revoked")) ||
            (strcmp(jstr0(k, "role"), CUSTOS_ROLE_VENDOR) != 0 &&
             strcmp(jstr0(k, "role"), CUSTOS_ROLE_WITNESS) != 0))
            continue;
        json_array_append_new(signers,
                              json_pack("{s:s,s:s,s:s,s:s}", "name", jstr0(k, "name"), "role",
                                        jstr0(k, "role"), "key", fp, "pub", jstr0(k, "pub")));
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
        else if (strcmp(jstr0(it, "holder"), ofp) != 0)
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, ledger_path,
                                  "item %s is not held by %s", id, custos_key_name(p->owner));
        if (rc != CUSTOS_OK)
            break;
        const char *mt =
            p->media_types != NULL && p->media_types[i] != NULL ? p->media_types[i] : "unspecified";
        json_t *o =
            json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:O}", "id", id, "description",
                      jstr0(it, "description"), "make", jstr0(it, "make"), "model",
                      jstr0(it, "model"), "serial", jstr0(it, "serial"), "capacity_bytes",
                      jstr0(it, "size"), "media_type", mt, "seals", json_object_get(it, "seals"));
        if (o == NULL || json_array_append_new(oitems, o) != 0)
            rc = nomem(err);
    }
    if (rc == CUSTOS_OK) {
        struct custos_dispose_order *ord = calloc(1, sizeof(*ord));
        if (ord == NULL) {
            rc = nomem(err);
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
    return jstr(json_array_get(json_object_get(o->doc, "items"), i), "id");
}

const char *
custos_dispose_order_seals(const struct custos_dispose_order *o, size_t i)
{
    return i < custos_dispose_order_count(o) ? o->seals[i] : "";
}

const char *
custos_dispose_order_id(const struct custos_dispose_order *o)
{
    return jstr0(o->doc, "order_id");
}

int
custos_dispose_order_set_handover(struct custos_dispose_order *o, size_t i, uint64_t seq,
                                  const char *time, struct custos_error *err)
{
    time_t t;
    if (i >= custos_dispose_order_count(o) || parse_time(time, &t) != 0)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "custos_dispose_order_set_handover: bad item or time");
    json_t *h = json_pack("{s:I,s:s}", "seq", (json_int_t)seq, "time", time);
    if (h == NULL)
        return nomem(err);
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
    if (strcmp(custos_key_fingerprint(owner), jstr0(json_object_get(o->doc, "owner"), "key")) != 0)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, path,
                                "custos_dispose_order_write: not the order's owner key");
    char sigpath[PATH_MAX];
    if (snprintf(sigpath, sizeof(sigpath), "%s%s", path, CUSTOS_DISPOSE_SIG_SUFFIX) >=
        (int)sizeof(sigpath))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, path, "path too long");
    int rc = custos__refuse_existing(sigpath, err);
    if (rc != CUSTOS_OK)
        return rc;
    char *text = json_dumps(o->doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text == NULL)
        return nomem(err);
    size_t len = strlen(text);
    text[len] = '\0';
    char *buf = realloc(text, len + 2);
    if (buf == NULL) {
        free(text);
        return nomem(err);
    }
    buf[len] = '\n';
    buf[len + 1] = '\0';
    rc = custos_write_file_new(path, buf, len + 1, 0644, err);
    free(buf);
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
    if (!json_is_object(doc) || strcmp(jstr0(doc, "format"), CUSTOS_DISPOSE_ORDER_FORMAT) != 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "not a %s document",
                                CUSTOS_DISPOSE_ORDER_FORMAT);
    const char *id = jstr(doc, "order_id");
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
        const char *iid = jstr(it, "id");
        time_t t;
        if (iid == NULL || iid[0] == '\0' || strlen(iid) >= CUSTOS_DISPOSE_ID_MAX ||
            !json_is_array(json_object_get(it, "seals")) ||
            parse_time(jstr(json_object_get(it, "handover"), "time"), &t) != 0)
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
        rc = key_from_b64(jstr(ow, "pub"), jstr(ow, "name"), jstr(ow, "role"), &owner, err);
        if (rc != CUSTOS_OK)
            custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "the owner's key is malformed");
    }
    if (rc == CUSTOS_OK && strcmp(custos_key_fingerprint(owner), jstr0(ow, "key")) != 0)
        rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, path,
                              "the owner's key does not match its fingerprint");
    if (rc == CUSTOS_OK) {
        char sigpath[PATH_MAX];
        snprintf(sigpath, sizeof(sigpath), "%s%s", path, CUSTOS_DISPOSE_SIG_SUFFIX);
        rc = custos_sign_verify_sigfile(sigpath, owner, CUSTOS_PURPOSE_DISPOSAL_ORDER, buf, len, err);
    }
    struct custos_dispose_order *o = NULL;
    if (rc == CUSTOS_OK) {
        o = calloc(1, sizeof(*o));
        if (o == NULL)
            rc = nomem(err);
    }
    if (rc == CUSTOS_OK) {
        o->doc = doc;
        doc = NULL;
        sha256_hex(buf, len, o->sha256);
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
    return key_from_b64(jstr(v, "pub"), jstr(v, "name"), jstr(v, "role"), out, err);
}

/* ---- the certificate model ---- */

static const char *const categories[] = {"clear", "purge", "destroy", NULL};
static const char *const methods[] = {"overwrite",  "block_erase", "crypto_erase",
                                      "degauss",    "shred",       "disintegrate",
                                      "incinerate", "other",       NULL};
static const char *const verifications[] = {"full", "sampling", "visual", "none", NULL};
static const char *const results[] = {"destroyed", "sanitized", "exception", NULL};
static const char *const kinds[] = {"photo_before", "photo_during", "photo_after", "video",
                                    "wipe_log",     "report",       "other",       NULL};
static const char *const roles[] = {CUSTOS_DISPOSE_PERFORMER, CUSTOS_DISPOSE_VERIFIER,
                                    CUSTOS_DISPOSE_WITNESS, NULL};
static const char *const backed_up[] = {"yes", "no", "unknown", NULL};

/* Fails unless o[k] is a non-empty string (or absent, when optional). */
static int
need_str(const json_t *o, const char *k, int optional, const char *where, struct custos_error *err)
{
    json_t *v = json_object_get(o, k);
    if (v == NULL && optional)
        return CUSTOS_OK;
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 4096)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                "%s%s: a non-empty string is needed", where, k);
    if (strlen(json_string_value(v)) != json_string_length(v))
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "%s%s: holds a NUL", where, k);
    return CUSTOS_OK;
}

static int
need_enum(const json_t *o, const char *k, const char *const *list, const char *where,
          struct custos_error *err)
{
    int rc = need_str(o, k, 0, where, err);
    if (rc == CUSTOS_OK && !in_list(jstr(o, k), list))
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "%s%s: \"%s\" is not a known value",
                              where, k, jstr(o, k));
    return rc;
}

static int
need_time(const json_t *o, const char *k, int optional, const char *where, struct custos_error *err)
{
    time_t t;
    if (optional && json_object_get(o, k) == NULL)
        return CUSTOS_OK;
    if (parse_time(jstr(o, k), &t) != 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                "%s%s: an RFC 3339 UTC time is needed (YYYY-MM-DDTHH:MM:SSZ)",
                                where, k);
    return CUSTOS_OK;
}

static int
check_party(const json_t *o, const char *where, int with_key, struct custos_error *err)
{
    if (!json_is_object(o))
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "%s: an object is needed", where);
    char w[96];
    snprintf(w, sizeof(w), "%s.", where);
    int rc = need_str(o, "name", 0, w, err);
    static const char *const opt[] = {"title",   "organisation", "address",
                                      "contact", "location",     NULL};
    for (size_t i = 0; rc == CUSTOS_OK && opt[i] != NULL; i++)
        rc = need_str(o, opt[i], 1, w, err);
    if (rc == CUSTOS_OK && with_key && !is_hex64(jstr(o, "key")))
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "%skey: a fingerprint is needed", w);
    if (rc == CUSTOS_OK && with_key)
        rc = need_str(o, "pub", 0, w, err);
    return rc;
}

/* The item rules shared by drafts and certificates. */
static int
check_item(const json_t *it, size_t i, struct custos_error *err)
{
    char w[CUSTOS_DISPOSE_ID_MAX + 32];
    if (!json_is_object(it))
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "items[%zu]: an object is needed",
                                i);
    snprintf(w, sizeof(w), "items[%zu].", i);
    int rc = need_str(it, "id", 0, w, err);
    if (rc != CUSTOS_OK)
        return rc;
    if (strlen(jstr(it, "id")) >= CUSTOS_DISPOSE_ID_MAX)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "%sid: too long", w);
    snprintf(w, sizeof(w), "item %s: ", jstr(it, "id"));
    static const char *const req[] = {"serial",   "media_type",  "standard", "tool",
                                      "location", "destination", NULL};
    static const char *const opt[] = {"make",
                                      "model",
                                      "capacity",
                                      "source",
                                      "classification",
                                      "post_classification",
                                      "backup_location",
                                      "method_details",
                                      "level",
                                      "tool_version",
                                      "note",
                                      NULL};
    for (size_t k = 0; rc == CUSTOS_OK && req[k] != NULL; k++)
        rc = need_str(it, req[k], 0, w, err);
    for (size_t k = 0; rc == CUSTOS_OK && opt[k] != NULL; k++)
        rc = need_str(it, opt[k], 1, w, err);
    if (rc == CUSTOS_OK)
        rc = need_enum(it, "category", categories, w, err);
    if (rc == CUSTOS_OK)
        rc = need_enum(it, "method", methods, w, err);
    if (rc == CUSTOS_OK)
        rc = need_enum(it, "verification", verifications, w, err);
    if (rc == CUSTOS_OK)
        rc = need_enum(it, "result", results, w, err);
    if (rc == CUSTOS_OK && json_object_get(it, "data_backed_up") != NULL)
        rc = need_enum(it, "data_backed_up", backed_up, w, err);
    if (rc == CUSTOS_OK)
        rc = need_time(it, "time", 0, w, err);
    if (rc != CUSTOS_OK)
        return rc;
    json_t *seals = json_object_get(it, "seals");
    size_t j;
    json_t *s;
    if (seals != NULL && !json_is_array(seals))
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "%sseals: an array is needed", w);
    json_array_foreach(seals, j, s) if (!json_is_string(s)) return custos_error_set(
        err, CUSTOS_E_CORRUPT, 0, NULL, "%sseals: strings are needed", w);
    const char *cat = jstr(it, "category"), *res = jstr(it, "result"), *meth = jstr(it, "method");
    if (strcmp(res, "exception") == 0 && jstr(it, "note") == NULL)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                "%san exception needs a note saying what happened", w);
    if (strcmp(res, "destroyed") == 0 && strcmp(cat, "destroy") != 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                "%sresult destroyed needs category destroy, not %s", w, cat);
    if (strcmp(res, "sanitized") == 0 && strcmp(cat, "destroy") == 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                "%scategory destroy cannot end as sanitized", w);
    static const char *const physical[] = {"shred", "disintegrate", "incinerate", NULL};
    if (in_list(meth, physical) && strcmp(cat, "destroy") != 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                "%smethod %s is destruction, not %s", w, meth, cat);
    static const char *const logical[] = {"overwrite", "block_erase", "crypto_erase", NULL};
    if (in_list(meth, logical) && strcmp(cat, "destroy") == 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                "%smethod %s sanitizes; it does not destroy", w, meth);
    return CUSTOS_OK;
}

static int
check_header(const json_t *c, struct custos_error *err)
{
    int rc = need_str(c, "certificate_id", 0, "", err);
    if (rc == CUSTOS_OK && strlen(jstr(c, "certificate_id")) >= CUSTOS_DISPOSE_ID_MAX)
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "certificate_id: too long");
    if (rc == CUSTOS_OK)
        rc = need_str(c, "attestation", 0, "", err);
    if (rc == CUSTOS_OK)
        rc = need_str(c, "contract", 1, "", err);
    if (rc == CUSTOS_OK)
        rc = check_party(json_object_get(c, "owner"), "owner", 0, err);
    if (rc == CUSTOS_OK)
        rc = check_party(json_object_get(c, "vendor"), "vendor", 0, err);
    json_t *certs = json_object_get(json_object_get(c, "vendor"), "certifications");
    if (rc == CUSTOS_OK && certs != NULL && !json_is_array(certs))
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                              "vendor.certifications: an array is needed");
    size_t i;
    json_t *v;
    json_array_foreach(certs, i, v)
    {
        if (rc != CUSTOS_OK)
            break;
        rc = need_str(v, "scheme", 0, "vendor.certifications[].", err);
        if (rc == CUSTOS_OK)
            rc = need_str(v, "id", 0, "vendor.certifications[].", err);
        if (rc == CUSTOS_OK)
            rc = need_str(v, "expires", 1, "vendor.certifications[].", err);
    }
    json_t *custody = json_object_get(c, "custody");
    if (rc == CUSTOS_OK && custody != NULL) {
        if (!json_is_object(custody))
            return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "custody: an object is needed");
        rc = need_str(custody, "received_by", 1, "custody.", err);
        if (rc == CUSTOS_OK)
            rc = need_time(custody, "received_at", 1, "custody.", err);
        if (rc == CUSTOS_OK)
            rc = need_str(custody, "carrier", 1, "custody.", err);
    }
    json_t *items = json_object_get(c, "items");
    if (rc == CUSTOS_OK && (!json_is_array(items) || json_array_size(items) == 0 ||
                            json_array_size(items) > CUSTOS_DISPOSE_ITEMS_MAX))
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "items: 1-%d items are needed",
                              CUSTOS_DISPOSE_ITEMS_MAX);
    json_array_foreach(items, i, v)
    {
        if (rc != CUSTOS_OK)
            break;
        rc = check_item(v, i, err);
    }
    return rc;
}

/* Every attachment refers to items of the certificate; photos and videos to at least one. */
static int
check_attachment_links(const json_t *c, const json_t *a, size_t i, struct custos_error *err)
{
    char w[48];
    snprintf(w, sizeof(w), "attachments[%zu].", i);
    int rc = need_enum(a, "kind", kinds, w, err);
    if (rc == CUSTOS_OK)
        rc = need_str(a, "description", 1, w, err);
    if (rc == CUSTOS_OK)
        rc = need_time(a, "captured", 1, w, err);
    if (rc != CUSTOS_OK)
        return rc;
    json_t *links = json_object_get(a, "items");
    if (!json_is_array(links) || json_array_size(links) == 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                "%sitems: the media items it shows are needed", w);
    size_t j;
    json_t *l;
    json_array_foreach(links, j, l)
    {
        int found = 0;
        size_t k;
        json_t *it;
        json_array_foreach(json_object_get(c, "items"), k,
                           it) if (json_is_string(l) &&
                                   strcmp(jstr0(it, "id"), json_string_value(l)) == 0) found = 1;
        if (!found)
            return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                    "%sitems: \"%s\" is not an item of the certificate", w,
                                    json_is_string(l) ? json_string_value(l) : "?");
    }
    return CUSTOS_OK;
}

/* Whether a sniffed MIME type suits an attachment kind. */
static int
kind_accepts(const char *kind, const char *mime)
{
    if (strncmp(kind, "photo_", 6) == 0)
        return strncmp(mime, "image/", 6) == 0;
    if (strcmp(kind, "video") == 0)
        return strncmp(mime, "video/", 6) == 0;
    if (strcmp(kind, "wipe_log") == 0 || strcmp(kind, "report") == 0)
        return strncmp(mime, "text/", 5) == 0 || strcmp(mime, "application/json") == 0 ||
               strcmp(mime, "application/pdf") == 0 || strcmp(mime, "application/xml") == 0;
    return strcmp(mime, "application/x-empty") != 0;
}

int
custos__cert_check(const json_t *c, struct custos_error *err)
{
    if (!json_is_object(c) || strcmp(jstr0(c, "format"), CUSTOS_DISPOSE_CERT_FORMAT) != 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "not a %s document",
                                CUSTOS_DISPOSE_CERT_FORMAT);
    int rc = check_header(c, err);
    if (rc == CUSTOS_OK)
        rc = need_time(c, "issued", 0, "", err);
    json_t *order = json_object_get(c, "order");
    if (rc == CUSTOS_OK &&
        (need_str(order, "id", 0, "order.", err) != CUSTOS_OK || !is_hex64(jstr(order, "sha256"))))
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "order: id and sha256 are needed");
    json_t *people = json_object_get(c, "people");
    for (size_t i = 0; rc == CUSTOS_OK && roles[i] != NULL; i++) {
        char w[32];
        snprintf(w, sizeof(w), "people.%s", roles[i]);
        rc = check_party(json_object_get(people, roles[i]), w, 1, err);
    }
    /* a duplicate item id is a finding of verify (DUPLICATE PROOF), not malformation */
    json_t *atts = json_object_get(c, "attachments");
    if (rc == CUSTOS_OK &&
        (!json_is_array(atts) || json_array_size(atts) > CUSTOS_DISPOSE_ATTACH_MAX))
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "attachments: an array is needed");
    size_t i;
    json_t *a;
    json_array_foreach(atts, i, a)
    {
        if (rc != CUSTOS_OK)
            break;
        char w[48];
        snprintf(w, sizeof(w), "attachments[%zu].", i);
        const char *p = jstr(a, "path");
        if (p == NULL ||
            strncmp(p, CUSTOS_DISPOSE_ATTACH_DIR "/", strlen(CUSTOS_DISPOSE_ATTACH_DIR) + 1) != 0 ||
            strchr(p + strlen(CUSTOS_DISPOSE_ATTACH_DIR) + 1, '/') != NULL ||
            p[strlen(CUSTOS_DISPOSE_ATTACH_DIR) + 1] == '.' ||
            p[strlen(CUSTOS_DISPOSE_ATTACH_DIR) + 1] == '\0')
            rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                  "%spath: attachments/NAME is needed", w);
        else if (!is_hex64(jstr(a, "sha256")) || !json_is_integer(json_object_get(a, "size")) ||
                 need_str(a, "mime", 0, w, err) != CUSTOS_OK)
            rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                  "%s: sha256, size and mime are needed", w);
        else
            rc = check_attachment_links(c, a, i, err);
    }
    return rc;
}

/* ---- the vendor's draft ---- */

static int write_json_file(const char *path, const json_t *doc, struct custos_error *err);

static json_t *
fill(const char *hint)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s%s", CUSTOS_DISPOSE_FILL_IN, hint);
    return json_string(buf);
}

int
custos_dispose_draft_write(const struct custos_dispose_order *o, const char *path,
                           struct custos_error *err)
{
    json_t *vendor = json_object_get(o->doc, "vendor");
    json_t *d = json_object(), *items = json_array();
    if (d == NULL || items == NULL) {
        json_decref(d);
        json_decref(items);
        return nomem(err);
    }
    json_object_set_new(d, "certificate_id", fill("your certificate's unique number"));
    json_object_set_new(d, "contract", fill("the contract or purchase order, or remove"));
    json_object_set_new(d, "owner",
                        json_pack("{s:o,s:o}", "name", fill("the owner organisation"), "address",
                                  fill("its address, or remove")));
    json_object_set_new(
        d, "vendor",
        json_pack("{s:s,s:o,s:[{s:o,s:o,s:o}]}", "name", jstr0(vendor, "organisation"), "address",
                  fill("your address, or remove"), "certifications", "scheme",
                  fill("e.g. NAID AAA, or remove the list"), "id", fill("certificate number"),
                  "expires", fill("YYYY-MM-DD, or remove")));
    json_object_set_new(d, "attestation",
                        fill("your statement, e.g. that the media listed were destroyed or "
                             "sanitized as described and no copy was kept"));
    json_object_set_new(d, "custody",
                        json_pack("{s:o,s:o}", "received_by", fill("who received the media"),
                                  "received_at", fill("YYYY-MM-DDTHH:MM:SSZ (UTC)")));
    size_t i;
    json_t *oi;
    json_array_foreach(json_object_get(o->doc, "items"), i, oi)
    {
        /* what the order knows is given; what the vendor did is to be filled in */
        json_t *it = json_pack("{s:s,s:s,s:s,s:s}", "id", jstr0(oi, "id"), "serial",
                               jstr0(oi, "serial"), "media_type", jstr0(oi, "media_type"),
                               "description", jstr0(oi, "description"));
        if (it == NULL) {
            json_decref(items);
            json_decref(d);
            return nomem(err);
        }
        static const char *const known[] = {"make", "model", NULL};
        for (size_t k = 0; known[k] != NULL; k++)
            if (jstr0(oi, known[k])[0] != '\0')
                json_object_set_new(it, known[k], json_string(jstr(oi, known[k])));
        if (jstr0(oi, "capacity_bytes")[0] != '\0') {
            char cap[64];
            snprintf(cap, sizeof(cap), "%s bytes", jstr(oi, "capacity_bytes"));
            json_object_set_new(it, "capacity", json_string(cap));
        }
        json_object_set(it, "seals", json_object_get(oi, "seals"));
        json_object_set_new(it, "category", fill("clear, purge or destroy"));
        json_object_set_new(it, "method",
                            fill("overwrite, block_erase, crypto_erase, degauss, shred, "
                                 "disintegrate, incinerate or other"));
        json_object_set_new(it, "method_details", fill("how, in a few words, or remove"));
        json_object_set_new(it, "standard", fill("e.g. NIST SP 800-88r1, DIN 66399"));
        json_object_set_new(it, "tool", fill("the tool or machine"));
        json_object_set_new(it, "verification", fill("full, sampling, visual or none"));
        json_object_set_new(it, "result",
                            fill("destroyed, sanitized, or exception (then say what in note)"));
        json_object_set_new(it, "time", fill("YYYY-MM-DDTHH:MM:SSZ (UTC), after the handover"));
        json_object_set_new(it, "location", fill("where it was done"));
        json_object_set_new(it, "destination", fill("where the remains went"));
        json_array_append_new(items, it);
    }
    json_object_set_new(d, "items", items);
    json_object_set_new(d, "people",
                        json_pack("{s:{s:o},s:{s:o},s:{s:o}}", CUSTOS_DISPOSE_PERFORMER, "title",
                                  fill("the operator's title"), CUSTOS_DISPOSE_VERIFIER, "title",
                                  fill("the checker's title"), CUSTOS_DISPOSE_WITNESS, "title",
                                  fill("the witness's title")));
    json_object_set_new(d, "attachments",
                        json_pack("[{s:o,s:s,s:[s]}]", "file",
                                  fill("a file beside this draft, one per photo, "
                                       "video, wipe log or report"),
                                  "kind", "photo_before", "items",
                                  jstr0(json_array_get(items, 0), "id")));
    int rc = write_json_file(path, d, err);
    json_decref(d);
    return rc;
}

/* The first string in v still to be filled in, as a path into v ("" when none). */
static int
find_fill_in(const json_t *v, char *where, size_t len)
{
    if (json_is_string(v))
        return strncmp(json_string_value(v), CUSTOS_DISPOSE_FILL_IN,
                       strlen(CUSTOS_DISPOSE_FILL_IN)) == 0;
    size_t used = strlen(where);
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x)
        {
            snprintf(where + used, len - used, "%s%s", used > 0 ? "." : "", k);
            if (find_fill_in(x, where, len))
                return 1;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            snprintf(where + used, len - used, "[%zu]", i);
            if (find_fill_in(x, where, len))
                return 1;
        }
    }
    where[used] = '\0';
    return 0;
}

/* ---- building a bundle ---- */

static int
mkdir_in(const char *dir, const char *name, char *out, size_t outlen, struct custos_error *err)
{
    if (snprintf(out, outlen, "%s/%s", dir, name) >= (int)outlen)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, dir, "path too long");
    if (mkdir(out, 0755) != 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, out, "cannot create");
    return CUSTOS_OK;
}

/* Copies src to the new file dst, hashing it and sniffing its type on the way. */
static int
copy_attachment(struct custos__filetype *ft, const char *src, const char *dst,
                char hex[CUSTOS_KEY_FP_HEX_SIZE], uint64_t *size, char **mime,
                struct custos_error *err)
{
    *mime = NULL;
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return custos_error_set(err, CUSTOS_E_USAGE, errno, src, "cannot open the attachment");
    struct stat st;
    if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(in);
        return custos_error_set(err, CUSTOS_E_USAGE, 0, src, "not a regular file");
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (out < 0) {
        int e = errno;
        close(in);
        return custos_error_set(err, CUSTOS_E_IO, e, dst, "cannot create");
    }
    int rc = hash_stream(ft, in, src, out, dst, hex, size, mime, err);
    if (rc == CUSTOS_OK && fsync(out) != 0)
        rc = custos_error_set(err, CUSTOS_E_IO, errno, dst, "cannot flush");
    close(out);
    close(in);
    return rc;
}

static int
write_json_file(const char *path, const json_t *doc, struct custos_error *err)
{
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text == NULL)
        return nomem(err);
    size_t len = strlen(text);
    char *buf = realloc(text, len + 2);
    if (buf == NULL) {
        free(text);
        return nomem(err);
    }
    buf[len] = '\n';
    buf[len + 1] = '\0';
    int rc = custos_write_file_new(path, buf, len + 1, 0644, err);
    free(buf);
    return rc;
}

static int
has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static json_t *
copy_fields(const json_t *src, const char *const *keys)
{
    json_t *o = json_object();
    for (size_t i = 0; o != NULL && keys[i] != NULL; i++) {
        json_t *v = json_object_get(src, keys[i]);
        if (v != NULL)
            json_object_set(o, keys[i], v);
    }
    return o;
}

/* The shared checks of verify, defined with it below. */
static int manifest_parse(const char *text, size_t len, json_t **out, struct custos_error *err);
static int check_contents(const char *dir, const json_t *cert, const char *cert_bytes,
                          size_t cert_len, const char *manifest, size_t manifest_len,
                          const json_t *man, const struct custos_dispose_order *o,
                          const json_t *trust, int files, unsigned skip,
                          struct custos__filetype *ft, json_t *bad_atts,
                          struct custos_dispose_report *rep);
static int fill_items(const struct custos_dispose_order *o, const char *dir, const json_t *cert,
                      const json_t *bad_atts, unsigned require, struct custos_dispose_report *rep,
                      struct custos_error *err);
static int trust_load(const struct custos_dispose_order *o, const char *ledger_path, json_t **trust,
                      json_t **st, struct custos_dispose_report *rep, struct custos_error *err);

/*
 * Runs verify's checks on a staged, not yet signed bundle in dir (issue 14:
 * certify must not sign what verify would reject). An item may be reported
 * as an exception (without the evidence an achieved result needs); anything
 * else verify would flag refuses, with verify's status and the first reason.
 */
static int
certify_verify_staged(const struct custos_dispose_order *o, const struct custos_dispose_signers *s,
                      unsigned skip, const char *dir, const json_t *cert, const char *manifest,
                      size_t mlen, struct custos__filetype *ft, const char *draft_path,
                      struct custos_error *err)
{
    struct custos_dispose_report *rep = calloc(1, sizeof(*rep));
    json_t *trust = NULL, *st = NULL, *man = NULL, *bad_atts = json_object();
    char *cbytes = NULL;
    size_t clen = 0;
    char cpath[PATH_MAX * 2];
    snprintf(cpath, sizeof(cpath), "%s/%s", dir, CUSTOS_DISPOSE_CERT_FILE);
    int rc = rep != NULL && bad_atts != NULL ? CUSTOS_OK : nomem(err);
    if (rc == CUSTOS_OK)
        rc = trust_load(o, s->ledger, &trust, &st, rep, err);
    if (rc == CUSTOS_OK)
        rc = custos__read_small(cpath, CUSTOS_DISPOSE_JSON_MAX, &cbytes, &clen, err);
    if (rc == CUSTOS_OK)
        rc = manifest_parse(manifest, mlen, &man, err);
    if (rc == CUSTOS_OK) {
        rep->signatures_ok = check_contents(dir, cert, cbytes, clen, manifest, mlen, man, o, trust,
                                            0, skip, ft, bad_atts, rep);
        rc = fill_items(o, dir, cert, bad_atts, s->require, rep, err);
    }
    if (rc == CUSTOS_OK) {
        int worst = CUSTOS_OK;
        size_t problems = 0;
        char first[1200] = "";
        for (size_t i = 0; i < rep->nfindings; i++) {
            if (problems++ == 0)
                snprintf(first, sizeof(first), "%s", rep->findings[i].message);
            worst = custos_status_worst(worst, rep->findings[i].status);
        }
        for (size_t i = 0; i < rep->nitems; i++) {
            const struct custos_dispose_item_result *r = &rep->items[i];
            if (r->state == CUSTOS_DISPOSE_OK || (strcmp(r->result, "exception") == 0 &&
                                                  r->state <= CUSTOS_DISPOSE_MISSING_EVIDENCE))
                continue;
            if (problems++ == 0)
                snprintf(first, sizeof(first), "item %s: %s: %s", r->id,
                         custos_dispose_state_name(r->state), r->note);
            worst = custos_status_worst(worst, r->status);
        }
        if (problems > 0) {
            char more[64] = "";
            if (problems > 1)
                snprintf(more, sizeof(more), " (and %zu more)", problems - 1);
            rc = custos_error_set(err, worst, 0, draft_path, "verify would reject it: %s%s", first,
                                  more);
        }
    }
    free(cbytes);
    json_decref(man);
    json_decref(bad_atts);
    json_decref(trust);
    json_decref(st);
    custos_dispose_report_free(rep);
    return rc;
}

/*
 * certify and certify_check: builds the bundle in a staging directory
 * beside out_path, runs verify's checks on it, and with sign signs,
 * timestamps and publishes it. Without sign, a signer may be a public key
 * or NULL (not known yet: its checks wait for the signing run).
 */
static int
certify_run(const struct custos_dispose_order *o, const char *draft_path,
            const struct custos_dispose_signers *s, const char *out_path, int sign,
            struct custos_error *err)
{
    const struct custos_key *signer[3] = {s->performer, s->verifier, s->witness};
    unsigned skip = 0;
    for (size_t i = 0; i < 3; i++) {
        if (signer[i] == NULL && !sign) {
            skip |= 1u << i;
            continue;
        }
        if (signer[i] == NULL || (sign && !custos_key_has_private(signer[i])))
            return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                    "custos_dispose_certify: the %s's private key is needed",
                                    roles[i]);
        for (size_t j = 0; j < i; j++)
            if (signer[j] != NULL &&
                strcmp(custos_key_fingerprint(signer[i]), custos_key_fingerprint(signer[j])) == 0)
                return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                        "the %s and the %s must be different people", roles[j],
                                        roles[i]);
    }
    if (s->performer != NULL && s->verifier != NULL &&
        strcmp(custos_key_name(s->performer), custos_key_name(s->verifier)) == 0)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "the verifier must be a different person from the performer");
    int rc = custos__refuse_existing(out_path, err);
    if (rc != CUSTOS_OK)
        return rc;
    json_error_t je;
    json_t *draft = json_load_file(draft_path, JSON_REJECT_DUPLICATES, &je);
    if (draft == NULL)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, draft_path, "line %d: %s", je.line,
                                je.text);
    char draft_dir[PATH_MAX], out_dir[PATH_MAX];
    custos__dirname(draft_path, draft_dir, sizeof(draft_dir));
    custos__dirname(out_path, out_dir, sizeof(out_dir));
    struct custos_staging *stg = NULL;
    struct custos__filetype *ft = NULL;
    json_t *cert = NULL;
    char bdir[PATH_MAX], adir[PATH_MAX], sdir[PATH_MAX], path[PATH_MAX * 2];
    char *manifest = NULL;
    size_t mlen = 0, mcap = 0;

    char where[512] = "";
    if (find_fill_in(draft, where, sizeof(where))) {
        rc = custos_error_set(err, CUSTOS_E_USAGE, 0, draft_path,
                              "%s: still to be filled in (it begins \"%s\")", where,
                              CUSTOS_DISPOSE_FILL_IN);
        goto out;
    }
    rc = check_header(draft, err);
    if (rc != CUSTOS_OK) {
        char why[sizeof(err->message)];
        snprintf(why, sizeof(why), "%s", err->message);
        custos_error_set(err, CUSTOS_E_USAGE, 0, draft_path, "%s", why);
        goto out;
    }
    cert = json_object();
    if (cert == NULL) {
        rc = nomem(err);
        goto out;
    }
    char issued[32];
    custos__utc_now(issued, sizeof(issued));
    json_object_set_new(cert, "format", json_string(CUSTOS_DISPOSE_CERT_FORMAT));
    json_object_set(cert, "certificate_id", json_object_get(draft, "certificate_id"));
    json_object_set_new(cert, "issued", json_string(issued));
    json_object_set_new(cert, "order",
                        json_pack("{s:s,s:s,s:s,s:s}", "id", custos_dispose_order_id(o), "sha256",
                                  o->sha256, "case", jstr0(o->doc, "case"), "ledger",
                                  jstr0(o->doc, "ledger")));
    static const char *const top[] = {"contract", "owner", "vendor", "attestation",
                                      "custody",  "items", NULL};
    for (size_t i = 0; top[i] != NULL; i++)
        if (json_object_get(draft, top[i]) != NULL)
            json_object_set(cert, top[i], json_object_get(draft, top[i]));
    json_t *people = json_object();
    json_object_set_new(cert, "people", people);
    json_t *dpeople = json_object_get(draft, "people");
    static const char *const pfields[] = {"title", "organisation", "contact", "location", NULL};
    for (size_t i = 0; i < 3; i++) {
        json_t *p = copy_fields(json_object_get(dpeople, roles[i]), pfields);
        /* a signer not known yet (checking only) stands in as nobody; its checks are skipped */
        char *pub = signer[i] != NULL ? key_b64(signer[i]) : strdup("-");
        if (p == NULL || pub == NULL) {
            free(pub);
            json_decref(p);
            rc = nomem(err);
            goto out;
        }
        json_object_set_new(
            p, "name",
            json_string(signer[i] != NULL ? custos_key_name(signer[i]) : "(not known yet)"));
        json_object_set_new(
            p, "key",
            json_string(signer[i] != NULL ? custos_key_fingerprint(signer[i]) : UNKNOWN_KEY));
        json_object_set_new(p, "pub", json_string(pub));
        free(pub);
        json_object_set_new(people, roles[i], p);
    }
    time_t issued_t, t;
    parse_time(issued, &issued_t);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(cert, "items"), i, it)
    {
        parse_time(jstr(it, "time"), &t);
        if (t > issued_t + CUSTOS_DISPOSE_FUTURE_SLACK) {
            rc = custos_error_set(err, CUSTOS_E_USAGE, 0, draft_path,
                                  "item %s: time %s is in the future", jstr(it, "id"),
                                  jstr(it, "time"));
            goto out;
        }
    }

    rc = custos_staging_create(&stg, out_dir, err);
    if (rc == CUSTOS_OK)
        rc = mkdir_in(custos_staging_dir(stg), "bundle", bdir, sizeof(bdir), err);
    if (rc == CUSTOS_OK)
        rc = mkdir_in(bdir, CUSTOS_DISPOSE_ATTACH_DIR, adir, sizeof(adir), err);
    if (rc == CUSTOS_OK)
        rc = mkdir_in(bdir, CUSTOS_DISPOSE_SIG_DIR, sdir, sizeof(sdir), err);
    if (rc == CUSTOS_OK)
        rc = custos__filetype_new(&ft, err);
    if (rc != CUSTOS_OK)
        goto out;

    json_t *atts = json_array();
    json_object_set_new(cert, "attachments", atts);
    json_t *datts = json_object_get(draft, "attachments");
    if (datts != NULL && !json_is_array(datts)) {
        rc =
            custos_error_set(err, CUSTOS_E_USAGE, 0, draft_path, "attachments: an array is needed");
        goto out;
    }
    json_t *da;
    json_array_foreach(datts, i, da)
    {
        const char *file = jstr(da, "file");
        if (file == NULL || file[0] == '\0') {
            rc = custos_error_set(err, CUSTOS_E_USAGE, 0, draft_path,
                                  "attachments[%zu].file: a file name is needed", i);
            goto out;
        }
        char src[PATH_MAX * 2], name[256];
        snprintf(src, sizeof(src), "%s/%s", file[0] == '/' ? "" : draft_dir, file);
        const char *base = custos__basename(file);
        size_t k = 0;
        for (; base[k] != '\0' && k < 200; k++) {
            char ch = base[k];
            name[k] = ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                       (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_')
                          ? ch
                          : '_';
        }
        name[k] = '\0';
        char rel[300];
        snprintf(rel, sizeof(rel), "%s/%03zu-%s", CUSTOS_DISPOSE_ATTACH_DIR, i + 1, name);
        snprintf(path, sizeof(path), "%s/%s", bdir, rel);
        char hex[CUSTOS_KEY_FP_HEX_SIZE], *mime = NULL;
        uint64_t size = 0;
        rc = copy_attachment(ft, src, path, hex, &size, &mime, err);
        if (rc != CUSTOS_OK)
            goto out;
        json_t *a = json_pack("{s:s,s:s,s:I,s:s}", "path", rel, "sha256", hex, "size",
                              (json_int_t)size, "mime", mime);
        static const char *const afields[] = {"kind", "items", "description", "captured", NULL};
        for (k = 0; a != NULL && afields[k] != NULL; k++)
            if (json_object_get(da, afields[k]) != NULL)
                json_object_set(a, afields[k], json_object_get(da, afields[k]));
        json_array_append_new(atts, a);
        const char *kind = jstr0(da, "kind");
        if (in_list(kind, kinds) && !kind_accepts(kind, mime)) {
            rc = custos_error_set(err, CUSTOS_E_USAGE, 0, src, "a %s must be %s, not %s", kind,
                                  strncmp(kind, "photo_", 6) == 0 ? "an image"
                                  : strcmp(kind, "video") == 0    ? "a video"
                                                                  : "a text, JSON or PDF file",
                                  mime);
            free(mime);
            goto out;
        }
        free(mime);
        /* manifest lines: attachments sort before certificate.json in byte order */
        size_t need = mlen + 64 + 2 + strlen(rel) + 2;
        if (need > mcap) {
            mcap = need * 2;
            char *nm = realloc(manifest, mcap);
            if (nm == NULL) {
                rc = nomem(err);
                goto out;
            }
            manifest = nm;
        }
        mlen += (size_t)sprintf(manifest + mlen, "%s  %s\n", hex, rel);
    }
    rc = custos__cert_check(cert, err);
    if (rc != CUSTOS_OK) {
        char why[sizeof(err->message)];
        snprintf(why, sizeof(why), "%s", err->message);
        custos_error_set(err, CUSTOS_E_USAGE, 0, draft_path, "%s", why);
        goto out;
    }
    /* which items the order holds is reconciled by verify, item by item */
    snprintf(path, sizeof(path), "%s/%s", bdir, CUSTOS_DISPOSE_CERT_FILE);
    rc = write_json_file(path, cert, err);
    if (rc != CUSTOS_OK)
        goto out;
    char *cbytes = NULL;
    size_t clen = 0;
    rc = custos__read_small(path, CUSTOS_DISPOSE_JSON_MAX, &cbytes, &clen, err);
    if (rc != CUSTOS_OK)
        goto out;
    char chex[CUSTOS_KEY_FP_HEX_SIZE];
    sha256_hex(cbytes, clen, chex);
    free(cbytes);
    {
        size_t need = mlen + 64 + 2 + strlen(CUSTOS_DISPOSE_CERT_FILE) + 2;
        char *nm = realloc(manifest, need);
        if (nm == NULL) {
            rc = nomem(err);
            goto out;
        }
        manifest = nm;
        mlen += (size_t)sprintf(manifest + mlen, "%s  %s\n", chex, CUSTOS_DISPOSE_CERT_FILE);
    }
    snprintf(path, sizeof(path), "%s/%s", bdir, CUSTOS_DISPOSE_MANIFEST_FILE);
    rc = custos_write_file_new(path, manifest, mlen, 0644, err);
    if (rc == CUSTOS_OK)
        rc = certify_verify_staged(o, s, skip, bdir, cert, manifest, mlen, ft, draft_path, err);
    if (!sign)
        goto out;
    for (size_t r = 0; rc == CUSTOS_OK && r < 3; r++) {
        char sig[PATH_MAX * 2];
        snprintf(sig, sizeof(sig), "%s/%s%s", sdir, roles[r], CUSTOS_DISPOSE_SIG_SUFFIX);
        rc = custos_sign_file(signer[r], CUSTOS_PURPOSE_DESTRUCTION_PROOF, path, sig, err);
    }
    if (rc == CUSTOS_OK && s->tsa_url != NULL) {
        /* the timestamp covers the manifest, which covers everything signed */
        uint8_t imprint[CUSTOS_TIMESTAMP_IMPRINT_SIZE], *tsr = NULL;
        size_t tsrlen = 0;
        struct custos_digest *d = NULL;
        struct custos_digest_result dr;
        rc = custos_digest_new(&d, CUSTOS_DIGEST_SHA256, err);
        if (rc == CUSTOS_OK) {
            custos_digest_update(d, manifest, mlen);
            custos_digest_final(d, &dr);
            custos_digest_free(d);
            memcpy(imprint, dr.sha256, sizeof(imprint));
            struct custos_timestamp_options topts = {0, s->tsa_cafile};
            rc = custos_timestamp_fetch(s->tsa_url, imprint, &topts, &tsr, &tsrlen, NULL, err);
        }
        if (rc == CUSTOS_OK) {
            snprintf(path, sizeof(path), "%s/%s", bdir, CUSTOS_DISPOSE_TIMESTAMP_FILE);
            rc = custos_write_file_new(path, tsr, tsrlen, 0644, err);
        }
        free(tsr);
    }
    if (rc != CUSTOS_OK)
        goto out;
    if (has_suffix(out_path, CUSTOS_DISPOSE_ARCHIVE_SUFFIX)) {
        rc = custos__bundle_write_tar(bdir, jstr(cert, "issued"), out_path, err);
    } else {
        rc = custos_staging_add(stg, "bundle", out_path);
        if (rc == CUSTOS_OK)
            rc = custos_staging_publish(stg);
        if (rc != CUSTOS_OK)
            custos_error_copy(err, custos_staging_error(stg));
    }
out:
    free(manifest);
    custos__filetype_free(ft);
    /* the staging directory is removed whole: the bundle directory in it has subdirectories */
    if (stg != NULL)
        custos__rm_tree(bdir);
    custos_staging_free(stg);
    json_decref(cert);
    json_decref(draft);
    return rc;
}

int
custos_dispose_certify(const struct custos_dispose_order *o, const char *draft_path,
                       const struct custos_dispose_signers *s, const char *out_path,
                       struct custos_error *err)
{
    return certify_run(o, draft_path, s, out_path, 1, err);
}

int
custos_dispose_certify_check(const struct custos_dispose_order *o, const char *draft_path,
                             const struct custos_dispose_signers *s, const char *out_path,
                             struct custos_error *err)
{
    return certify_run(o, draft_path, s, out_path, 0, err);
}

/* ---- verification ---- */

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

static int add_finding(struct custos_dispose_report *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
add_finding(struct custos_dispose_report *r, int status, const char *fmt, ...)
{
    struct custos_dispose_finding *f =
        realloc(r->findings, (r->nfindings + 1) * sizeof(*r->findings));
    if (f == NULL)
        return CUSTOS_E_NOMEM;
    r->findings = f;
    f += r->nfindings++;
    f->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof(f->message), fmt, ap);
    va_end(ap);
    r->status = custos_status_worst(r->status, status);
    return CUSTOS_OK;
}

/* A manifest line's hash for rel, or NULL. */
static const char *
manifest_lookup(const json_t *m, const char *rel)
{
    return json_string_value(json_object_get(m, rel));
}

/* Parses manifest.sha256 into {path: hex}; strict sha256sum text format. */
static int
manifest_parse(const char *text, size_t len, json_t **out, struct custos_error *err)
{
    *out = json_object();
    if (*out == NULL)
        return nomem(err);
    size_t line = 0;
    const char *p = text, *end = text + len;
    if (len == 0 || text[len - 1] != '\n')
        goto bad;
    while (p < end) {
        line++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)(nl - p);
        if (n < 67 || p[64] != ' ' || p[65] != ' ')
            goto bad;
        char hex[65], rel[PATH_MAX];
        memcpy(hex, p, 64);
        hex[64] = '\0';
        if (!is_hex64(hex) || n - 66 >= sizeof(rel))
            goto bad;
        memcpy(rel, p + 66, n - 66);
        rel[n - 66] = '\0';
        if (strlen(rel) != n - 66 || json_object_get(*out, rel) != NULL)
            goto bad;
        int ok_path = strcmp(rel, CUSTOS_DISPOSE_CERT_FILE) == 0 ||
                      (strncmp(rel, CUSTOS_DISPOSE_ATTACH_DIR "/", 12) == 0 &&
                       strchr(rel + 12, '/') == NULL && rel[12] != '.' && rel[12] != '\0');
        if (!ok_path)
            goto bad;
        json_object_set_new(*out, rel, json_string(hex));
        p = nl + 1;
    }
    if (json_object_get(*out, CUSTOS_DISPOSE_CERT_FILE) == NULL)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, CUSTOS_DISPOSE_MANIFEST_FILE,
                                "certificate.json is not listed");
    return CUSTOS_OK;
bad:
    return custos_error_set(err, CUSTOS_E_CORRUPT, 0, CUSTOS_DISPOSE_MANIFEST_FILE,
                            "line %zu: not \"SHA256  certificate.json|attachments/NAME\"", line);
}

/* Trust: fp -> {name, role, pub, revoked}, from the order and the ledger. */
static json_t *
trust_from_order(const struct custos_dispose_order *o)
{
    json_t *t = json_object();
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(o->doc, "signers"), i, s)
    {
        if (is_hex64(jstr(s, "key")))
            json_object_set_new(t, jstr(s, "key"),
                                json_pack("{s:s,s:s,s:s,s:b}", "name", jstr0(s, "name"), "role",
                                          jstr0(s, "role"), "pub", jstr0(s, "pub"), "revoked", 0));
    }
    return t;
}

static const char *
role_needed(size_t r)
{
    return r == 2 ? CUSTOS_ROLE_WITNESS : CUSTOS_ROLE_VENDOR;
}

/*
 * Checks the three signers of the certificate in dir (trust: enrolled,
 * roles, not revoked, the enrolled key) and, with files, their signature
 * files over manifest; fills the report's signers; returns 1 when all hold.
 * Certify checks the signers before it signs (files 0); a signer whose bit
 * is set in skip is not known yet (a key whose public half was not at hand).
 */
static int
check_signatures(const char *dir, const json_t *cert, const char *manifest, size_t manifest_len,
                 const json_t *trust, int files, unsigned skip, struct custos_dispose_report *rep)
{
    int good = 1;
    json_t *people = json_object_get(cert, "people");
    for (size_t r = 0; r < 3; r++) {
        if (skip & (1u << r))
            continue;
        json_t *p = json_object_get(people, roles[r]);
        const char *fp = jstr0(p, "key");
        snprintf(rep->signer_fp[r], sizeof(rep->signer_fp[r]), "%s", fp);
        snprintf(rep->signer_name[r], sizeof(rep->signer_name[r]), "%s", jstr0(p, "name"));
        for (size_t q = 0; q < r; q++)
            if (strcmp(fp, rep->signer_fp[q]) == 0) {
                add_finding(rep, CUSTOS_E_UNTRUSTED, "the %s and the %s are the same key %.16s",
                            roles[q], roles[r], fp);
                good = 0;
            }
        json_t *k = json_object_get(trust, fp);
        if (k == NULL) {
            add_finding(rep, CUSTOS_E_UNTRUSTED, "%s %s: key %.16s is not enrolled in the case",
                        roles[r], jstr0(p, "name"), fp);
            good = 0;
            continue;
        }
        if (json_is_true(json_object_get(k, "revoked"))) {
            add_finding(rep, CUSTOS_E_UNTRUSTED, "%s %s: key %.16s is revoked in the ledger",
                        roles[r], jstr0(k, "name"), fp);
            good = 0;
        }
        if (strcmp(jstr0(k, "role"), role_needed(r)) != 0) {
            add_finding(rep, CUSTOS_E_UNTRUSTED,
                        "%s %s: key %.16s is enrolled as %s, and a %s must be a %s", roles[r],
                        jstr0(k, "name"), fp, jstr0(k, "role"), roles[r], role_needed(r));
            good = 0;
        }
        if (strcmp(jstr0(k, "pub"), jstr0(p, "pub")) != 0) {
            add_finding(rep, CUSTOS_E_UNTRUSTED,
                        "%s: the certificate's public key differs from the enrolled one", roles[r]);
            good = 0;
        }
        if (!files)
            continue;
        struct custos_key *key = NULL;
        struct custos_error e;
        custos_error_clear(&e);
        char sig[PATH_MAX * 2];
        snprintf(sig, sizeof(sig), "%s/%s/%s%s", dir, CUSTOS_DISPOSE_SIG_DIR, roles[r],
                 CUSTOS_DISPOSE_SIG_SUFFIX);
        int rc = key_from_b64(jstr(k, "pub"), jstr(k, "name"), jstr(k, "role"), &key, &e);
        if (rc == CUSTOS_OK)
            rc = custos_sign_verify_sigfile(sig, key, CUSTOS_PURPOSE_DESTRUCTION_PROOF, manifest,
                                       manifest_len, &e);
        custos_key_free(key);
        if (rc != CUSTOS_OK) {
            const char *msg = strstr(e.message, ": ") != NULL && e.path[0] != '\0'
                                  ? strstr(e.message, ": ") + 2
                                  : e.message;
            add_finding(rep, rc == CUSTOS_E_IO ? CUSTOS_E_UNTRUSTED : rc, "signatures/%s%s: %s",
                        roles[r], CUSTOS_DISPOSE_SIG_SUFFIX, msg);
            good = 0;
        }
    }
    return good;
}

static size_t
count_kind(const json_t *cert, const char *id, const char *kind)
{
    size_t n = 0, i, j;
    json_t *a, *l;
    json_array_foreach(json_object_get(cert, "attachments"), i, a)
    {
        if (kind != NULL && strcmp(jstr0(a, "kind"), kind) != 0)
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
        const char *p = jstr0(a, "path");
        if (strcmp(jstr0(a, "kind"), "wipe_log") != 0 || json_object_get(bad_atts, p) != NULL ||
            !links_item(a, r->id))
            continue;
        char full[PATH_MAX * 2];
        snprintf(full, sizeof(full), "%s/%s", dir, p);
        json_t *log = json_load_file(full, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(log) || strcmp(jstr0(log, "format"), CUSTOS_WIPE_LOG_FORMAT) != 0) {
            json_decref(log);
            continue;
        }
        json_t *t = json_object_get(log, "target"), *pass = json_object_get(log, "pass");
        json_t *v = json_object_get(log, "verification");
        const char *result = jstr0(log, "result"), *lserial = jstr(t, "serial");
        const char *cserial = jstr0(ci, "serial");
        if (lserial == NULL)
            item_flag(r, bad, "%s: the log names no device serial, so it is not tied to serial %s",
                      p, cserial);
        else if (strcmp(lserial, cserial) != 0)
            item_flag(r, bad, "%s: a wipe of device serial %s, not of the item's %s", p, lserial,
                      cserial);
        const char *cap = jstr0(oi, "capacity_bytes");
        long long size = (long long)json_integer_value(json_object_get(t, "size_bytes"));
        if (cap[0] != '\0' && strcmp(jstr0(t, "kind"), "block-device") == 0 &&
            !json_is_true(json_object_get(t, "partition")) && strtoll(cap, NULL, 10) != size)
            item_flag(r, bad, "%s: the wiped device holds %lld bytes, the ordered item %s", p, size,
                      cap);
        const char *op = jstr(json_object_get(log, "operator"), "key_fingerprint");
        int signer = 0;
        for (size_t k = 0; op != NULL && roles[k] != NULL; k++) {
            const char *pk =
                jstr0(json_object_get(json_object_get(cert, "people"), roles[k]), "key");
            /* certify's early check may not know a signer yet: the signing run decides */
            signer |= strcmp(op, pk) == 0 || strcmp(pk, UNKNOWN_KEY) == 0;
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
        int sanitized = strcmp(jstr0(ci, "result"), "sanitized") == 0;
        if (sanitized && !passed)
            item_flag(r, bad, "%s: the log says %s, but the item is certified sanitized", p,
                      result[0] != '\0' ? result : "nothing");
        else if (sanitized && strcmp(jstr0(ci, "method"), "overwrite") == 0 &&
                 category_rank(jstr(log, "nist_category")) < category_rank(jstr(ci, "category")))
            item_flag(r, bad, "%s: the log can claim NIST category %s, not the certified %s", p,
                      jstr0(log, "nist_category"), jstr0(ci, "category"));
        json_decref(log);
    }
}

/* Checks one certified item (bundle directory dir) against its order item into r. */
static void
check_one(const char *dir, const json_t *cert, const json_t *ci, const json_t *oi,
          const json_t *bad_atts, unsigned require, int sig_ok,
          struct custos_dispose_item_result *r)
{
    snprintf(r->category, sizeof(r->category), "%s", jstr0(ci, "category"));
    snprintf(r->method, sizeof(r->method), "%s", jstr0(ci, "method"));
    snprintf(r->result, sizeof(r->result), "%s", jstr0(ci, "result"));
    snprintf(r->time, sizeof(r->time), "%s", jstr0(ci, "time"));
    if (r->serial[0] == '\0')
        snprintf(r->serial, sizeof(r->serial), "%s", jstr0(ci, "serial"));
    r->attachments = count_kind(cert, r->id, NULL);
    if (!sig_ok)
        item_flag(r, CUSTOS_DISPOSE_BAD_SIGNATURE, "the certificate is not validly signed");
    const char *os = jstr0(oi, "serial");
    if (os[0] != '\0' && strcmp(os, jstr0(ci, "serial")) != 0)
        item_flag(r, CUSTOS_DISPOSE_DETAILS_MISMATCH, "serial %s, but the order says %s",
                  jstr0(ci, "serial"), os);
    static const char *const detail[] = {"make", "model", NULL};
    for (size_t k = 0; detail[k] != NULL; k++) {
        const char *a = jstr0(oi, detail[k]), *b = jstr(ci, detail[k]);
        if (a[0] != '\0' && b != NULL && strcmp(a, b) != 0)
            item_flag(r, CUSTOS_DISPOSE_DETAILS_MISMATCH, "%s %s, but the order says %s", detail[k],
                      b, a);
    }
    json_t *os_seals = json_object_get(oi, "seals"), *cs = json_object_get(ci, "seals");
    if ((json_array_size(os_seals) > 0 || json_array_size(cs) > 0) && !same_seals(os_seals, cs))
        item_flag(r, CUSTOS_DISPOSE_SEAL_MISMATCH, "seal numbers differ from the order's");
    time_t t = 0, h = 0, issued = 0;
    parse_time(jstr(ci, "time"), &t);
    parse_time(jstr(cert, "issued"), &issued);
    if (parse_time(jstr(json_object_get(oi, "handover"), "time"), &h) == 0 && t < h)
        item_flag(r, CUSTOS_DISPOSE_BAD_TIME, "dated %s, before its handover at %s",
                  jstr0(ci, "time"), jstr0(json_object_get(oi, "handover"), "time"));
    if (t > issued)
        item_flag(r, CUSTOS_DISPOSE_BAD_TIME, "dated after the certificate was issued");
    if (t > time(NULL) + CUSTOS_DISPOSE_FUTURE_SLACK)
        item_flag(r, CUSTOS_DISPOSE_BAD_TIME, "dated in the future");
    size_t i, j;
    json_t *a, *l;
    json_array_foreach(json_object_get(cert, "attachments"), i, a)
    {
        const char *why = json_string_value(json_object_get(bad_atts, jstr0(a, "path")));
        if (why == NULL)
            continue;
        json_array_foreach(json_object_get(a, "items"), j,
                           l) if (strcmp(json_string_value(l), r->id) == 0)
            item_flag(r, CUSTOS_DISPOSE_HASH_MISMATCH, "%s: %s", jstr0(a, "path"), why);
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
    if (strcmp(jstr0(ci, "result"), "exception") == 0)
        item_flag(r, CUSTOS_DISPOSE_EXCEPTION, "exception: %s", jstr0(ci, "note"));
}

/*
 * The RFC 3161 timestamp over manifest.sha256, when present: it must verify
 * against the trusted TSA CA, and its genTime must be no earlier than any
 * handover or certified time (a proof cannot predate what it proves).
 */
static void
check_timestamp(const struct custos__bundle *b, const struct custos_dispose_order *o,
                const struct custos_dispose_policy *policy, struct custos_dispose_report *rep)
{
    char path[PATH_MAX * 2];
    snprintf(path, sizeof(path), "%s/%s", b->dir, CUSTOS_DISPOSE_TIMESTAMP_FILE);
    char *tsr = NULL;
    size_t len = 0;
    struct custos_error e;
    custos_error_clear(&e);
    int want = policy != NULL && (policy->require & CUSTOS_DISPOSE_REQ_TIMESTAMP);
    if (access(path, F_OK) != 0) {
        if (want)
            add_finding(rep, CUSTOS_E_UNTRUSTED, "%s: none, and --require timestamp",
                        CUSTOS_DISPOSE_TIMESTAMP_FILE);
        return;
    }
    if (custos__read_small(path, CUSTOS_TIMESTAMP_REPLY_MAX, &tsr, &len, &e) != CUSTOS_OK) {
        add_finding(rep, CUSTOS_E_CORRUPT, "%s: %s", CUSTOS_DISPOSE_TIMESTAMP_FILE, e.message);
        return;
    }
    const char *cafile = policy != NULL ? policy->tsa_cafile : NULL;
    if (cafile == NULL) {
        add_finding(rep, want ? CUSTOS_E_UNTRUSTED : CUSTOS_E_INCOMPLETE,
                    "%s: not checked: no TSA CA given (--tsa-ca)", CUSTOS_DISPOSE_TIMESTAMP_FILE);
        free(tsr);
        return;
    }
    uint8_t imprint[CUSTOS_TIMESTAMP_IMPRINT_SIZE];
    custos_hex_decode(b->sha256, imprint, sizeof(imprint), &e);
    struct custos_timestamp_info info;
    memset(&info, 0, sizeof(info));
    int rc = custos_timestamp_verify((const uint8_t *)tsr, len, imprint, cafile, &info, &e);
    free(tsr);
    if (rc != CUSTOS_OK) {
        add_finding(rep, rc == CUSTOS_E_IO ? CUSTOS_E_INCOMPLETE : rc, "%s: %s",
                    CUSTOS_DISPOSE_TIMESTAMP_FILE, e.message);
        return;
    }
    snprintf(rep->timestamp, sizeof(rep->timestamp), "%s", info.gen_time);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(o->doc, "items"), i, it)
    {
        time_t h;
        if (parse_time(jstr(json_object_get(it, "handover"), "time"), &h) == 0 &&
            (int64_t)h > info.gen_time_unix)
            add_finding(rep, CUSTOS_E_UNTRUSTED,
                        "%s: the TSA's time %s is before the handover of %s at %s",
                        CUSTOS_DISPOSE_TIMESTAMP_FILE, info.gen_time, jstr0(it, "id"),
                        jstr0(json_object_get(it, "handover"), "time"));
    }
    json_array_foreach(json_object_get(b->cert, "items"), i, it)
    {
        time_t t;
        if (parse_time(jstr(it, "time"), &t) == 0 && (int64_t)t > info.gen_time_unix)
            add_finding(rep, CUSTOS_E_UNTRUSTED,
                        "%s: the TSA's time %s is before item %s's certified time %s",
                        CUSTOS_DISPOSE_TIMESTAMP_FILE, info.gen_time, jstr0(it, "id"),
                        jstr0(it, "time"));
    }
}

/* Checks the ledger's side of the order: same ledger, transfers to the vendor. */
static void
check_order_ledger(const struct custos_dispose_order *o, const json_t *st,
                   struct custos_dispose_report *rep)
{
    if (strcmp(jstr0(st, "ledger"), jstr0(o->doc, "ledger")) != 0)
        add_finding(rep, CUSTOS_E_UNTRUSTED, "the order is for ledger %s, not this ledger's %s",
                    jstr0(o->doc, "ledger"), jstr0(st, "ledger"));
    const char *vfp = jstr0(json_object_get(o->doc, "vendor"), "key");
    const char *ofp = jstr0(json_object_get(o->doc, "owner"), "key");
    json_t *owner = json_object_get(json_object_get(st, "keys"), ofp);
    if (owner == NULL)
        add_finding(rep, CUSTOS_E_UNTRUSTED, "the order's owner %.16s is not enrolled", ofp);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(o->doc, "items"), i, it)
    {
        json_t *h = json_object_get(it, "handover");
        char seq[32];
        snprintf(seq, sizeof(seq), "%lld",
                 (long long)json_integer_value(json_object_get(h, "seq")));
        json_t *e = json_object_get(json_object_get(st, "entries"), seq);
        if (e == NULL || strcmp(jstr0(e, "action"), CUSTOS_ACTION_TRANSFER) != 0 ||
            strcmp(jstr0(e, "item"), jstr0(it, "id")) != 0 ||
            strcmp(jstr0(e, "receiver"), vfp) != 0 ||
            strcmp(jstr0(e, "time"), jstr0(h, "time")) != 0)
            add_finding(rep, CUSTOS_E_UNTRUSTED,
                        "item %s: ledger entry %s is not its handover to the vendor",
                        jstr0(it, "id"), seq);
    }
}

/*
 * What a bundle's contents say, checked against the order and the trusted
 * keys (the one check certify and verify share): the signers (and, with
 * files, their signature files), certificate.json against the manifest, the
 * order referred to, the issue time, every attachment (listed, present, its
 * hash, size and type), nothing unlisted; the bad attachments go into
 * bad_atts. Returns whether the signatures hold.
 */
static int
check_contents(const char *dir, const json_t *cert, const char *cert_bytes, size_t cert_len,
               const char *manifest, size_t manifest_len, const json_t *man,
               const struct custos_dispose_order *o, const json_t *trust, int files, unsigned skip,
               struct custos__filetype *ft, json_t *bad_atts, struct custos_dispose_report *rep)
{
    int sig_ok = check_signatures(dir, cert, manifest, manifest_len, trust, files, skip, rep);
    char chex[CUSTOS_KEY_FP_HEX_SIZE];
    sha256_hex(cert_bytes, cert_len, chex);
    if (strcmp(chex, manifest_lookup(man, CUSTOS_DISPOSE_CERT_FILE)) != 0) {
        add_finding(rep, CUSTOS_E_UNTRUSTED,
                    "%s: its SHA-256 %.16s... is not the signed manifest's %.16s...",
                    CUSTOS_DISPOSE_CERT_FILE, chex, manifest_lookup(man, CUSTOS_DISPOSE_CERT_FILE));
        sig_ok = 0;
    }
    json_t *order_ref = json_object_get(cert, "order");
    if (strcmp(jstr0(order_ref, "id"), custos_dispose_order_id(o)) != 0 ||
        strcmp(jstr0(order_ref, "sha256"), o->sha256) != 0)
        add_finding(rep, CUSTOS_E_MISMATCH, "the certificate answers order %s (%.16s...), not %s",
                    jstr0(order_ref, "id"), jstr0(order_ref, "sha256"), custos_dispose_order_id(o));
    time_t issued = 0, now = time(NULL);
    parse_time(jstr(cert, "issued"), &issued);
    if (issued > now + CUSTOS_DISPOSE_FUTURE_SLACK)
        add_finding(rep, CUSTOS_E_UNTRUSTED, "the certificate is issued in the future (%s)",
                    jstr0(cert, "issued"));

    /* attachments: listed, present, same hash, a type that suits the kind */
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(cert, "attachments"), i, a)
    {
        rep->attachments++;
        const char *rel = jstr0(a, "path"), *want = jstr0(a, "sha256");
        const char *listed = manifest_lookup(man, rel);
        char full[PATH_MAX * 2], hex[CUSTOS_KEY_FP_HEX_SIZE], why[256] = "";
        snprintf(full, sizeof(full), "%s/%s", dir, rel);
        uint64_t size = 0;
        char *mime = NULL;
        struct custos_error he;
        custos_error_clear(&he);
        if (listed == NULL || strcmp(listed, want) != 0)
            snprintf(why, sizeof(why), "not in the manifest with that hash");
        else if (hash_file(ft, full, hex, &size, &mime, &he) != CUSTOS_OK)
            snprintf(why, sizeof(why), "missing or unreadable (%s)",
                     he.sys_errno ? strerror(he.sys_errno) : "bad file");
        else if (strcmp(hex, want) != 0)
            snprintf(why, sizeof(why), "SHA-256 %.16s... is not the certified %.16s...", hex, want);
        else if ((json_int_t)size != json_integer_value(json_object_get(a, "size")))
            snprintf(why, sizeof(why), "size differs");
        else if (strcmp(mime, jstr0(a, "mime")) != 0 || !kind_accepts(jstr0(a, "kind"), mime))
            snprintf(why, sizeof(why), "type %s is not the certified %s for a %s", mime,
                     jstr0(a, "mime"), jstr0(a, "kind"));
        free(mime);
        if (why[0] != '\0')
            json_object_set_new(bad_atts, rel, json_string(why));
    }
    /* nothing unlisted rides along */
    const char *rel;
    json_t *v;
    json_object_foreach((json_t *)man, rel, v)
    {
        if (strcmp(rel, CUSTOS_DISPOSE_CERT_FILE) == 0)
            continue;
        int found = 0;
        json_array_foreach(json_object_get(cert, "attachments"), i,
                           a) if (strcmp(jstr0(a, "path"), rel) == 0) found = 1;
        if (!found)
            add_finding(rep, CUSTOS_E_MISMATCH, "%s: in the manifest but not in the certificate",
                        rel);
    }
    char adir[PATH_MAX * 2];
    snprintf(adir, sizeof(adir), "%s/%s", dir, CUSTOS_DISPOSE_ATTACH_DIR);
    DIR *d = opendir(adir);
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char r2[PATH_MAX];
        snprintf(r2, sizeof(r2), "%s/%s", CUSTOS_DISPOSE_ATTACH_DIR, de->d_name);
        if (manifest_lookup(man, r2) == NULL)
            add_finding(rep, CUSTOS_E_MISMATCH, "%s: not in the signed manifest", r2);
    }
    if (d != NULL)
        closedir(d);
    return sig_ok;
}

/*
 * The report's table: every ordered item, then every certified item the
 * order lacks; cert NULL when the bundle could not be read.
 */
static int
fill_items(const struct custos_dispose_order *o, const char *dir, const json_t *cert,
           const json_t *bad_atts, unsigned require, struct custos_dispose_report *rep,
           struct custos_error *err)
{
    json_t *oitems = json_object_get(o->doc, "items");
    json_t *citems = cert != NULL ? json_object_get(cert, "items") : NULL;
    size_t no = json_array_size(oitems), nc = json_array_size(citems), i;
    rep->items = calloc(no + nc + 1, sizeof(*rep->items));
    if (rep->items == NULL)
        return nomem(err);
    json_t *oi;
    json_array_foreach(oitems, i, oi)
    {
        struct custos_dispose_item_result *r = &rep->items[rep->nitems++];
        snprintf(r->id, sizeof(r->id), "%s", jstr0(oi, "id"));
        snprintf(r->serial, sizeof(r->serial), "%s", jstr0(oi, "serial"));
        size_t found = 0, j;
        json_t *ci, *match = NULL;
        json_array_foreach(citems, j, ci) if (strcmp(jstr0(ci, "id"), r->id) == 0)
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
        json_array_foreach(oitems, j, oi) if (strcmp(jstr0(oi, "id"), jstr0(ci, "id")) == 0) known =
            1;
        if (known)
            continue;
        struct custos_dispose_item_result *r = &rep->items[rep->nitems++];
        snprintf(r->id, sizeof(r->id), "%s", jstr0(ci, "id"));
        snprintf(r->serial, sizeof(r->serial), "%s", jstr0(ci, "serial"));
        snprintf(r->method, sizeof(r->method), "%s", jstr0(ci, "method"));
        snprintf(r->result, sizeof(r->result), "%s", jstr0(ci, "result"));
        item_flag(r, CUSTOS_DISPOSE_UNKNOWN_ITEM, "not in the order");
    }
    for (i = 0; i < rep->nitems; i++) {
        /* an unreadable bundle proves nothing, and is reported as what it is: corrupt */
        rep->items[i].status = cert == NULL ? CUSTOS_E_CORRUPT : state_status(rep->items[i].state);
        rep->status = custos_status_worst(rep->status, rep->items[i].status);
    }
    return CUSTOS_OK;
}

/*
 * The trusted keys: the order's signers and, with ledger_path, the ledger's
 * enrolments and revocations, whose side of the order is checked into rep.
 * *st is the ledger state (NULL without a ledger or when it does not
 * verify, which is a finding).
 */
static int
trust_load(const struct custos_dispose_order *o, const char *ledger_path, json_t **trust,
           json_t **st, struct custos_dispose_report *rep, struct custos_error *err)
{
    *st = NULL;
    *trust = trust_from_order(o);
    if (*trust == NULL)
        return nomem(err);
    if (ledger_path == NULL)
        return CUSTOS_OK;
    struct custos_error le;
    custos_error_clear(&le);
    int rc = ledger_state(ledger_path, st, &le);
    if (rc == CUSTOS_E_IO || rc == CUSTOS_E_NOMEM)
        return custos_error_copy(err, &le);
    if (rc != CUSTOS_OK) {
        add_finding(rep, rc, "%s", le.message);
        return CUSTOS_OK;
    }
    const char *fp;
    json_t *k;
    json_object_foreach(json_object_get(*st, "keys"), fp, k) json_object_set(*trust, fp, k);
    check_order_ledger(o, *st, rep);
    return CUSTOS_OK;
}

int
custos_dispose_verify(const char *path, const struct custos_dispose_order *o,
                      const char *ledger_path, const struct custos_dispose_policy *policy,
                      struct custos_dispose_report **out, struct custos_error *err)
{
    *out = NULL;
    struct custos_dispose_report *rep = calloc(1, sizeof(*rep));
    if (rep == NULL)
        return nomem(err);
    struct custos__bundle *b = NULL;
    json_t *trust = NULL, *st = NULL, *man = NULL, *bad_atts = json_object();
    struct custos__filetype *ft = NULL;
    snprintf(rep->order_id, sizeof(rep->order_id), "%s", custos_dispose_order_id(o));
    int rc = bad_atts != NULL ? trust_load(o, ledger_path, &trust, &st, rep, err) : nomem(err);
    if (rc != CUSTOS_OK)
        goto fail;
    struct custos_error be;
    custos_error_clear(&be);
    rc = custos__bundle_open(&b, path, &be);
    if (rc == CUSTOS_E_IO || rc == CUSTOS_E_NOMEM) {
        custos_error_copy(err, &be);
        goto fail;
    }
    if (rc != CUSTOS_OK) {
        add_finding(rep, rc, "%s", be.message);
        rc = CUSTOS_OK;
        goto items_only;
    }
    snprintf(rep->bundle_sha256, sizeof(rep->bundle_sha256), "%s", b->sha256);
    snprintf(rep->certificate_id, sizeof(rep->certificate_id), "%s",
             jstr0(b->cert, "certificate_id"));
    struct custos_error ce;
    custos_error_clear(&ce);
    if (custos__cert_check(b->cert, &ce) != CUSTOS_OK) {
        add_finding(rep, CUSTOS_E_CORRUPT, "%s: %s", CUSTOS_DISPOSE_CERT_FILE, ce.message);
        custos__bundle_free(b);
        b = NULL;
        goto items_only;
    }
    if (manifest_parse(b->manifest, b->manifest_len, &man, &ce) != CUSTOS_OK) {
        add_finding(rep, CUSTOS_E_CORRUPT, "%s", ce.message);
        custos__bundle_free(b);
        b = NULL;
        goto items_only;
    }
    rc = custos__filetype_new(&ft, err);
    if (rc != CUSTOS_OK)
        goto fail;
    rep->signatures_ok = check_contents(b->dir, b->cert, b->cert_bytes, b->cert_len, b->manifest,
                                        b->manifest_len, man, o, trust, 1, 0, ft, bad_atts, rep);
    check_timestamp(b, o, policy, rep);

items_only:
    rc = fill_items(o, b != NULL ? b->dir : NULL, b != NULL ? b->cert : NULL, bad_atts,
                    policy != NULL ? policy->require : 0, rep, err);
    if (rc != CUSTOS_OK)
        goto fail;
    custos__filetype_free(ft);
    custos__bundle_free(b);
    json_decref(man);
    json_decref(bad_atts);
    json_decref(trust);
    json_decref(st);
    *out = rep;
    return rep->status;
fail:
    custos__filetype_free(ft);
    custos__bundle_free(b);
    json_decref(man);
    json_decref(bad_atts);
    json_decref(trust);
    json_decref(st);
    custos_dispose_report_free(rep);
    return rc;
}

void
custos_dispose_report_free(struct custos_dispose_report *r)
{
    if (r == NULL)
        return;
    free(r->items);
    free(r->findings);
    free(r);
}

int
custos__bundle_check_self(const struct custos__bundle *b, struct custos_error *err)
{
    json_t *man = NULL;
    int rc = custos__cert_check(b->cert, err);
    if (rc != CUSTOS_OK)
        return rc;
    rc = manifest_parse(b->manifest, b->manifest_len, &man, err);
    if (rc != CUSTOS_OK)
        return rc;
    struct custos__filetype *ft = NULL;
    rc = custos__filetype_new(&ft, err);
    const char *rel;
    json_t *v;
    json_object_foreach(man, rel, v)
    {
        if (rc != CUSTOS_OK)
            break;
        char full[PATH_MAX * 2], hex[CUSTOS_KEY_FP_HEX_SIZE], *mime = NULL;
        uint64_t size = 0;
        snprintf(full, sizeof(full), "%s/%s", b->dir, rel);
        rc = hash_file(ft, full, hex, &size, &mime, err);
        free(mime);
        if (rc == CUSTOS_OK && strcmp(hex, json_string_value(v)) != 0)
            rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, rel,
                                  "does not match the signed manifest");
    }
    custos__filetype_free(ft);
    json_t *people = json_object_get(b->cert, "people");
    for (size_t r = 0; rc == CUSTOS_OK && r < 3; r++) {
        json_t *p = json_object_get(people, roles[r]);
        struct custos_key *key = NULL;
        rc = key_from_b64(jstr(p, "pub"), jstr(p, "name"), NULL, &key, err);
        if (rc == CUSTOS_OK && strcmp(custos_key_fingerprint(key), jstr0(p, "key")) != 0)
            rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                                  "the %s's key does not match its fingerprint", roles[r]);
        if (rc == CUSTOS_OK) {
            char sig[PATH_MAX * 2];
            snprintf(sig, sizeof(sig), "%s/%s/%s%s", b->dir, CUSTOS_DISPOSE_SIG_DIR, roles[r],
                     CUSTOS_DISPOSE_SIG_SUFFIX);
            rc = custos_sign_verify_sigfile(sig, key, CUSTOS_PURPOSE_DESTRUCTION_PROOF, b->manifest,
                                       b->manifest_len, err);
        }
        custos_key_free(key);
    }
    json_decref(man);
    return rc;
}
