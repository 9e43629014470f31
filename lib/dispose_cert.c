/* SPDX-License-Identifier: ISC */
/*
 * dispose_cert.c: the destruction certificate's model
 * (docs/formats/destruction-proof.md, "certificate.json"), the vendor's
 * draft of it, and the parties' public keys as a certificate carries them.
 *
 * One model (custos__cert_check, with custos__draft_check for the part a
 * draft holds) is used both when a certificate is made and when it is
 * verified, so certify cannot write what verify would reject as malformed.
 */
#include "dispose_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "custos/atomicfile.h" /* custos_write_file_new */
#include "custos/key.h"

#include "base64_private.h"

/* ---- the parties' keys ---- */

int
custos__dispose_key_from_b64(const char *b64, const char *name, const char *role,
                             struct custos_key **out, struct custos_error *err)
{
    uint8_t der[128];
    size_t len = 0;
    *out = NULL;
    if (b64 == NULL || custos__b64_decode(b64, strlen(b64), der, sizeof(der), &len) != 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "a public key is not base64");
    return custos_key_from_spki(out, der, len, name, role, err);
}

char *
custos__dispose_key_b64(const struct custos_key *k)
{
    uint8_t der[CUSTOS_KEY_SPKI_SIZE];
    custos_key_spki(k, der);
    char *b = malloc(CUSTOS__B64_SIZE(CUSTOS_KEY_SPKI_SIZE));
    if (b != NULL)
        custos__b64_encode(der, sizeof(der), b);
    return b;
}

/* ---- the certificate model ---- */

static const char *const categories[] = {"clear", "purge", "destroy", NULL};
static const char *const methods[] = {"overwrite",  "block_erase", "crypto_erase",
                                      "degauss",    "shred",       "disintegrate",
                                      "incinerate", "other",       NULL};
static const char *const verifications[] = {"full", "sampling", "visual", "none", NULL};
static const char *const results[] = {"destroyed", "sanitized", "exception", NULL};
const char *const custos__dispose_kinds[] = {"photo_before", "photo_during", "photo_after", "video",
                                             "wipe_log",     "report",       "other",       NULL};
const char *const custos__dispose_roles[] = {CUSTOS_DISPOSE_PERFORMER, CUSTOS_DISPOSE_VERIFIER,
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
    if (rc == CUSTOS_OK && !custos__in_list(custos__jstr(o, k), list))
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "%s%s: \"%s\" is not a known value",
                              where, k, custos__jstr(o, k));
    return rc;
}

static int
need_time(const json_t *o, const char *k, int optional, const char *where, struct custos_error *err)
{
    time_t t;
    if (optional && json_object_get(o, k) == NULL)
        return CUSTOS_OK;
    if (custos__dispose_time(custos__jstr(o, k), &t) != 0)
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
    if (rc == CUSTOS_OK && with_key && !custos__is_hex64(custos__jstr(o, "key")))
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
    if (strlen(custos__jstr(it, "id")) >= CUSTOS_DISPOSE_ID_MAX)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "%sid: too long", w);
    snprintf(w, sizeof(w), "item %s: ", custos__jstr(it, "id"));
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
    const char *cat = custos__jstr(it, "category"), *res = custos__jstr(it, "result"),
               *meth = custos__jstr(it, "method");
    if (strcmp(res, "exception") == 0 && custos__jstr(it, "note") == NULL)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                "%san exception needs a note saying what happened", w);
    if (strcmp(res, "destroyed") == 0 && strcmp(cat, "destroy") != 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                "%sresult destroyed needs category destroy, not %s", w, cat);
    if (strcmp(res, "sanitized") == 0 && strcmp(cat, "destroy") == 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                "%scategory destroy cannot end as sanitized", w);
    static const char *const physical[] = {"shred", "disintegrate", "incinerate", NULL};
    if (custos__in_list(meth, physical) && strcmp(cat, "destroy") != 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                "%smethod %s is destruction, not %s", w, meth, cat);
    static const char *const logical[] = {"overwrite", "block_erase", "crypto_erase", NULL};
    if (custos__in_list(meth, logical) && strcmp(cat, "destroy") == 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                "%smethod %s sanitizes; it does not destroy", w, meth);
    return CUSTOS_OK;
}

int
custos__draft_check(const json_t *c, struct custos_error *err)
{
    int rc = need_str(c, "certificate_id", 0, "", err);
    if (rc == CUSTOS_OK && strlen(custos__jstr(c, "certificate_id")) >= CUSTOS_DISPOSE_ID_MAX)
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
    int rc = need_enum(a, "kind", custos__dispose_kinds, w, err);
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
                                   strcmp(custos__jstr0(it, "id"), json_string_value(l)) == 0)
            found = 1;
        if (!found)
            return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                    "%sitems: \"%s\" is not an item of the certificate", w,
                                    json_is_string(l) ? json_string_value(l) : "?");
    }
    return CUSTOS_OK;
}

/* Whether a sniffed MIME type suits an attachment kind. */
int
custos__dispose_kind_accepts(const char *kind, const char *mime)
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
    if (!json_is_object(c) || strcmp(custos__jstr0(c, "format"), CUSTOS_DISPOSE_CERT_FORMAT) != 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "not a %s document",
                                CUSTOS_DISPOSE_CERT_FORMAT);
    int rc = custos__draft_check(c, err);
    if (rc == CUSTOS_OK)
        rc = need_time(c, "issued", 0, "", err);
    json_t *order = json_object_get(c, "order");
    if (rc == CUSTOS_OK && (need_str(order, "id", 0, "order.", err) != CUSTOS_OK ||
                            !custos__is_hex64(custos__jstr(order, "sha256"))))
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "order: id and sha256 are needed");
    json_t *people = json_object_get(c, "people");
    for (size_t i = 0; rc == CUSTOS_OK && custos__dispose_roles[i] != NULL; i++) {
        char w[32];
        snprintf(w, sizeof(w), "people.%s", custos__dispose_roles[i]);
        rc = check_party(json_object_get(people, custos__dispose_roles[i]), w, 1, err);
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
        const char *p = custos__jstr(a, "path");
        if (p == NULL ||
            strncmp(p, CUSTOS_DISPOSE_ATTACH_DIR "/", strlen(CUSTOS_DISPOSE_ATTACH_DIR) + 1) != 0 ||
            strchr(p + strlen(CUSTOS_DISPOSE_ATTACH_DIR) + 1, '/') != NULL ||
            p[strlen(CUSTOS_DISPOSE_ATTACH_DIR) + 1] == '.' ||
            p[strlen(CUSTOS_DISPOSE_ATTACH_DIR) + 1] == '\0')
            rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                  "%spath: attachments/NAME is needed", w);
        else if (!custos__is_hex64(custos__jstr(a, "sha256")) ||
                 !json_is_integer(json_object_get(a, "size")) ||
                 need_str(a, "mime", 0, w, err) != CUSTOS_OK)
            rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                  "%s: sha256, size and mime are needed", w);
        else
            rc = check_attachment_links(c, a, i, err);
    }
    return rc;
}

/* ---- the vendor's draft ---- */

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
        return custos__dispose_nomem(err);
    }
    json_object_set_new(d, "certificate_id", fill("your certificate's unique number"));
    json_object_set_new(d, "contract", fill("the contract or purchase order, or remove"));
    json_object_set_new(d, "owner",
                        json_pack("{s:o,s:o}", "name", fill("the owner organisation"), "address",
                                  fill("its address, or remove")));
    json_object_set_new(
        d, "vendor",
        json_pack("{s:s,s:o,s:[{s:o,s:o,s:o}]}", "name", custos__jstr0(vendor, "organisation"),
                  "address", fill("your address, or remove"), "certifications", "scheme",
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
        json_t *it =
            json_pack("{s:s,s:s,s:s,s:s}", "id", custos__jstr0(oi, "id"), "serial",
                      custos__jstr0(oi, "serial"), "media_type", custos__jstr0(oi, "media_type"),
                      "description", custos__jstr0(oi, "description"));
        if (it == NULL) {
            json_decref(items);
            json_decref(d);
            return custos__dispose_nomem(err);
        }
        static const char *const known[] = {"make", "model", NULL};
        for (size_t k = 0; known[k] != NULL; k++)
            if (custos__jstr0(oi, known[k])[0] != '\0')
                json_object_set_new(it, known[k], json_string(custos__jstr(oi, known[k])));
        if (custos__jstr0(oi, "capacity_bytes")[0] != '\0') {
            char cap[64];
            snprintf(cap, sizeof(cap), "%s bytes", custos__jstr(oi, "capacity_bytes"));
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
                                  custos__jstr0(json_array_get(items, 0), "id")));
    int rc = custos__dispose_write_json(path, d, err);
    json_decref(d);
    return rc;
}

/* The first string in v still to be filled in, as a path into v ("" when none). */
int
custos__draft_find_fill_in(const json_t *v, char *where, size_t len)
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
            if (custos__draft_find_fill_in(x, where, len))
                return 1;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            snprintf(where + used, len - used, "[%zu]", i);
            if (custos__draft_find_fill_in(x, where, len))
                return 1;
        }
    }
    where[used] = '\0';
    return 0;
}

int
custos__dispose_write_json(const char *path, const json_t *doc, struct custos_error *err)
{
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text == NULL)
        return custos__dispose_nomem(err);
    size_t len = strlen(text);
    char *buf = realloc(text, len + 2);
    if (buf == NULL) {
        free(text);
        return custos__dispose_nomem(err);
    }
    buf[len] = '\n';
    buf[len + 1] = '\0';
    int rc = custos_write_file_new(path, buf, len + 1, 0644, err);
    free(buf);
    return rc;
}
