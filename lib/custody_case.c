/* SPDX-License-Identifier: ISC */
/*
 * custody_case.c: the case as CASE/UCO JSON-LD (CASE 1.4.0, UCO 1.4.0), for
 * forensic and legal tools that read the Cyber-investigation Analysis
 * Standard Expression. docs/formats/custody-export.md section 6 is the
 * specification; tests/e2e/case-shacl.sh validates the output against the
 * CASE and UCO SHACL shapes.
 *
 * Mapping (after the CASE-Examples Oresteia and forensic_lifecycle
 * illustrations of a chain of custody):
 *   - the file is one uco-core:Bundle in an @graph; every node, facets and
 *     hashes included, has an IRI "kb:KIND-UUID" (UCO 1.x forbids blank
 *     nodes), the UUID a version-5 UUID of the ledger id, the kind and the
 *     node's key, so that exporting the same ledger twice gives the same IRIs;
 *   - the case is a case-investigation:Investigation whose
 *     relevantAuthorization is a case-investigation:Authorization;
 *   - every enrolled person is a uco-identity:Person, tied to a uco-role:Role
 *     by a uco-core:Relationship of kind Has_Role;
 *   - every item is a uco-observable:Device (DeviceFacet: model, serial,
 *     make as a uco-identity:Organization); every acquisition's record and
 *     image are uco-observable:ObservableObjects with ContentDataFacet
 *     hashes;
 *   - every ledger entry about an item, and every case-level act, is a
 *     case-investigation:InvestigativeAction with start and end time, the
 *     performer (the person who acted), the other parties as participants,
 *     the location, the instrument (custos), the objects and the results, as
 *     direct properties of the action (UCO 1.x has no ActionReferencesFacet);
 *   - the chain of custody: each act on an item results in a new
 *     case-investigation:ProvenanceRecord (exhibitNumber = the item id,
 *     objects = the item and what was derived from it so far) and takes the
 *     item's previous record as an object, as Oresteia's "preserved" and
 *     "transferred" actions do;
 *   - each action's uco-core:description carries the ledger entry number and
 *     the SHA-256 of its line, which links the graph back to the signed
 *     ledger.
 */
#include "custos/custody.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "custos/custos.h"
#include "custody_private.h"

#define IRI_SIZE 96

/*
 * The IRI of a node: "kb:KIND-UUID", the UUID version 5 (RFC 9562 section
 * 5.5) of "LEDGER-ID\nKIND\nKEY" in custos's own namespace, whose UUID is
 * itself the version-5 UUID of "custos.invalid" in the DNS namespace.
 */
static void
iri(const struct custos_custody *m, const char *kind, const char *key, char out[IRI_SIZE])
{
    static const unsigned char ns[16] = {0xdb, 0xe0, 0x46, 0x74, 0x4f, 0x80, 0x53, 0xdb,
                                         0x95, 0xbe, 0x9b, 0x01, 0x7f, 0xf7, 0xda, 0x0d};
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hl = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c != NULL && EVP_DigestInit_ex(c, EVP_sha1(), NULL) == 1 &&
             EVP_DigestUpdate(c, ns, sizeof(ns)) == 1 &&
             EVP_DigestUpdate(c, m->ledger_id, strlen(m->ledger_id)) == 1 &&
             EVP_DigestUpdate(c, "\n", 1) == 1 && EVP_DigestUpdate(c, kind, strlen(kind)) == 1 &&
             EVP_DigestUpdate(c, "\n", 1) == 1 && EVP_DigestUpdate(c, key, strlen(key)) == 1 &&
             EVP_DigestFinal_ex(c, h, &hl) == 1;
    EVP_MD_CTX_free(c);
    if (!ok)
        memset(h, 0, sizeof(h)); /* only on allocation failure; still a valid IRI */
    h[6] = (unsigned char)((h[6] & 0x0f) | 0x50);
    h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
    snprintf(out, IRI_SIZE,
             "kb:%s-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", kind,
             h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13],
             h[14], h[15]);
}

static json_t *
ref(const char *id)
{
    return json_pack("{s:s}", "@id", id);
}

static json_t *
dt(const char *t)
{
    return json_pack("{s:s, s:s}", "@type", "xsd:dateTime", "@value", t);
}

/* A uco-types:Hash node; key names the object and the method. */
static json_t *
hash(const struct custos_custody *m, const char *key, const char *method, const char *hex)
{
    char id[IRI_SIZE], k[256];
    snprintf(k, sizeof(k), "%s\n%s", key, method);
    iri(m, "hash", k, id);
    /* hashMethod is a plain string of HashNameVocab: UCO 1.4.0 warns about the typed literal. */
    return json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "@id", id, "@type", "uco-types:Hash",
                     "uco-types:hashMethod", method, "uco-types:hashValue", "@type",
                     "xsd:hexBinary", "@value", hex);
}

/* The CASE action name of a ledger action. */
static const char *
action_name(const char *a)
{
    static const char *const map[][2] = {
        {"open", "opened"},          {"enroll", "enrolled"},   {"revoke", "revoked"},
        {"collect", "seized"},       {"acquire", "acquired"},  {"seal", "sealed"},
        {"transfer", "transferred"}, {"store", "stored"},      {"access", "accessed"},
        {"verify", "verified"},      {"dispose", "destroyed"}, {"note", "noted"},
        {"attest", "attested"},      {"close", "closed"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i][0], a) == 0)
            return map[i][1];
    return a;
}

/* The party who performs an act: the acting capacity of each action. */
static const struct custos_custody_party *
performer(const struct custos_custody_event *e)
{
    static const char *const order[] = {"custodian", "releaser", "vendor", "verifier",
                                        "owner",     "approver", "author", "attester"};
    for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
        for (size_t i = 0; i < e->nparties; i++)
            if (strcmp(e->parties[i].as, order[k]) == 0)
                return &e->parties[i];
    return e->nparties > 0 ? &e->parties[0] : NULL;
}

/* The item an event acts on, as an index into m->items, or m->nitems. */
static size_t
item_index(const struct custos_custody *m, const char *id)
{
    size_t i = 0;
    while (id != NULL && i < m->nitems && strcmp(m->items[i].id, id) != 0)
        i++;
    return id != NULL ? i : m->nitems;
}

/* The record and image of an acquire entry, added to the graph; their IRIs appended to res. */
static void
acquisition(const struct custos_custody *m, const struct custos_custody_event *e,
            const struct custos_custody_item *it, json_t *graph, json_t *res)
{
    char id[IRI_SIZE], fid[IRI_SIZE], key[64], s1[600];
    snprintf(key, sizeof(key), "%" PRIu64 "\nrecord", e->seq);
    iri(m, "record", key, id);
    iri(m, "content-data-facet", key, fid);
    json_t *rh = json_array();
    if (custos_custody_field(e, "record_sha256"))
        json_array_append_new(rh, hash(m, key, "SHA256", custos_custody_field(e, "record_sha256")));
    json_t *rec = json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:o}]}", "@id", id, "@type",
                            "uco-observable:ObservableObject", "uco-core:description",
                            "acquisition record", "uco-core:hasFacet", "@id", fid, "@type",
                            "uco-observable:ContentDataFacet", "uco-observable:hash", rh);
    if (custos_custody_field(e, "record"))
        json_object_set_new(rec, "uco-core:name", json_string(custos_custody_field(e, "record")));
    json_array_append_new(graph, rec);
    json_array_append_new(res, ref(id));

    const char *sha256 = custos_custody_field(e, "image_sha256");
    const char *sha1 = custos_custody_field(e, "sha1");
    const char *md5 = custos_custody_field(e, "md5");
    if (sha256 == NULL && sha1 == NULL && md5 == NULL)
        return;
    snprintf(key, sizeof(key), "%" PRIu64 "\nimage", e->seq);
    iri(m, "image", key, id);
    iri(m, "content-data-facet", key, fid);
    json_t *ih = json_array();
    if (sha256)
        json_array_append_new(ih, hash(m, key, "SHA256", sha256));
    if (sha1)
        json_array_append_new(ih, hash(m, key, "SHA1", sha1));
    if (md5)
        json_array_append_new(ih, hash(m, key, "MD5", md5));
    json_t *cdf = json_pack("{s:s, s:s, s:o}", "@id", fid, "@type",
                            "uco-observable:ContentDataFacet", "uco-observable:hash", ih);
    if (custos_custody_field(e, "size"))
        json_object_set_new(cdf, "uco-observable:sizeInBytes",
                            json_pack("{s:s, s:s}", "@type", "xsd:integer", "@value",
                                      custos_custody_field(e, "size")));
    snprintf(s1, sizeof(s1), "forensic image of %s", it != NULL ? it->id : "the item");
    json_array_append_new(graph, json_pack("{s:s, s:s, s:s, s:[o]}", "@id", id, "@type",
                                           "uco-observable:ObservableObject",
                                           "uco-core:description", s1, "uco-core:hasFacet", cdf));
    json_array_append_new(res, ref(id));
}

/* The JSON-LD context: the CASE/UCO namespaces and kb, the ledger's own. */
static json_t *
context(const struct custos_custody *m)
{
    char base[256];
    snprintf(base, sizeof(base), "http://custos.invalid/ledger/%s/", m->ledger_id);
    json_t *ctx =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "case-investigation",
                  "https://ontology.caseontology.org/case/investigation/", "uco-action",
                  "https://ontology.unifiedcyberontology.org/uco/action/", "uco-core",
                  "https://ontology.unifiedcyberontology.org/uco/core/", "uco-identity",
                  "https://ontology.unifiedcyberontology.org/uco/identity/", "uco-location",
                  "https://ontology.unifiedcyberontology.org/uco/location/", "uco-observable",
                  "https://ontology.unifiedcyberontology.org/uco/observable/", "uco-role",
                  "https://ontology.unifiedcyberontology.org/uco/role/", "uco-tool",
                  "https://ontology.unifiedcyberontology.org/uco/tool/", "uco-types",
                  "https://ontology.unifiedcyberontology.org/uco/types/", "uco-vocabulary",
                  "https://ontology.unifiedcyberontology.org/uco/vocabulary/", "xsd",
                  "http://www.w3.org/2001/XMLSchema#");
    if (ctx != NULL)
        json_object_set_new(ctx, "kb", json_string(base));
    return ctx;
}

/* The graph under construction. Per item: its Device IRI, its last
 * provenance record, and what was derived from it so far. */
struct graph {
    const struct custos_custody *m;
    json_t *graph, *inv_objects;
    char tool[IRI_SIZE], auth[IRI_SIZE];
    char (*dev)[IRI_SIZE];
    char (*last_pr)[IRI_SIZE];
    json_t **derived;
};

/* The tool, and the authorisation. */
static void
add_tool(struct graph *g)
{
    const struct custos_custody *m = g->m;
    char buf[1024];
    iri(m, "tool", "custos", g->tool);
    snprintf(buf, sizeof(buf), "custos %s", custos_version());
    json_array_append_new(g->graph,
                          json_pack("{s:s, s:s, s:s, s:s, s:s}", "@id", g->tool, "@type",
                                    "uco-tool:Tool", "uco-core:name", "custos", "uco-tool:version",
                                    custos_version(), "uco-core:description", buf));
    iri(m, "authorization", m->authorisation, g->auth);
    json_array_append_new(
        g->graph, json_pack("{s:s, s:s, s:s, s:[s]}", "@id", g->auth, "@type",
                            "case-investigation:Authorization",
                            "case-investigation:authorizationType", "authorisation reference",
                            "case-investigation:authorizationIdentifier", m->authorisation));
}

/* People and their roles. Each distinct role gets one Role node. */
static void
add_people(struct graph *g)
{
    const struct custos_custody *m = g->m;
    char s1[600], id[IRI_SIZE];
    for (size_t i = 0; i < m->npeople; i++) {
        const struct custos_custody_person *p = &m->people[i];
        char pid[IRI_SIZE], rid[IRI_SIZE];
        iri(m, "person", p->fp, pid);
        iri(m, "role", p->role, rid);
        int seen = 0;
        for (size_t k = 0; k < i; k++)
            seen |= strcmp(m->people[k].role, p->role) == 0;
        if (!seen)
            json_array_append_new(g->graph, json_pack("{s:s, s:s, s:s}", "@id", rid, "@type",
                                                      "uco-role:Role", "uco-core:name", p->role));
        snprintf(s1, sizeof(s1),
                 "custos key fingerprint (SHA-256 of SubjectPublicKeyInfo) %s; "
                 "enrolled at ledger entry %" PRIu64 "%s%s",
                 p->fp, p->enrolled, p->organisation ? "; organisation " : "",
                 p->organisation ? p->organisation : "");
        json_array_append_new(g->graph, json_pack("{s:s, s:s, s:s, s:s}", "@id", pid, "@type",
                                                  "uco-identity:Person", "uco-core:name", p->name,
                                                  "uco-core:description", s1));
        iri(m, "role-relationship", p->fp, id);
        json_array_append_new(g->graph,
                              json_pack("{s:s, s:s, s:o, s:[o], s:s, s:b}", "@id", id, "@type",
                                        "uco-core:Relationship", "uco-core:source", ref(pid),
                                        "uco-core:target", ref(rid), "uco-core:kindOfRelationship",
                                        "Has_Role", "uco-core:isDirectional", 1));
    }
}

/* Items: one Device each. */
static void
add_items(struct graph *g)
{
    const struct custos_custody *m = g->m;
    char id[IRI_SIZE], id2[IRI_SIZE];
    for (size_t i = 0; i < m->nitems; i++) {
        const struct custos_custody_item *it = &m->items[i];
        iri(m, "device", it->id, g->dev[i]);
        iri(m, "device-facet", it->id, id);
        json_t *facet = json_pack("{s:s, s:s}", "@id", id, "@type", "uco-observable:DeviceFacet");
        if (it->model)
            json_object_set_new(facet, "uco-observable:model", json_string(it->model));
        if (it->serial)
            json_object_set_new(facet, "uco-observable:serialNumber", json_string(it->serial));
        if (it->make) {
            iri(m, "organization", it->make, id2);
            int seen = 0;
            for (size_t k = 0; k < i; k++)
                seen |= m->items[k].make != NULL && strcmp(m->items[k].make, it->make) == 0;
            if (!seen)
                json_array_append_new(g->graph, json_pack("{s:s, s:s, s:s}", "@id", id2, "@type",
                                                          "uco-identity:Organization",
                                                          "uco-core:name", it->make));
            json_object_set_new(facet, "uco-observable:manufacturer", ref(id2));
        }
        json_t *d =
            json_pack("{s:s, s:s, s:s, s:[o]}", "@id", g->dev[i], "@type", "uco-observable:Device",
                      "uco-core:name", it->id, "uco-core:hasFacet", facet);
        if (it->description)
            json_object_set_new(d, "uco-core:description", json_string(it->description));
        json_array_append_new(g->graph, d);
        g->derived[i] = json_array();
        json_array_append_new(g->derived[i], ref(g->dev[i]));
    }
}

/* The chain of custody of item ix through e: the item and its last
 * provenance record go in (objs), the record of its custody after this act
 * comes out (res). */
static void
add_custody(struct graph *g, const struct custos_custody_event *e, size_t ix, json_t *objs,
            json_t *res)
{
    const struct custos_custody *m = g->m;
    char buf[1024], s1[600];
    json_array_append_new(objs, ref(g->dev[ix]));
    if (g->last_pr[ix][0] != '\0')
        json_array_append_new(objs, ref(g->last_pr[ix]));
    if (strcmp(e->action, "acquire") == 0)
        acquisition(m, e, &m->items[ix], g->graph, res);
    for (size_t k = 0; k < json_array_size(res); k++)
        json_array_append(g->derived[ix], json_array_get(res, k));
    snprintf(buf, sizeof(buf), "%s\n%" PRIu64, m->items[ix].id, e->seq);
    iri(m, "provenance-record", buf, g->last_pr[ix]);
    snprintf(s1, sizeof(s1), "custody of %s after ledger entry %" PRIu64 " (%s)", m->items[ix].id,
             e->seq, action_name(e->action));
    json_array_append_new(g->graph,
                          json_pack("{s:s, s:s, s:s, s:s, s:O}", "@id", g->last_pr[ix], "@type",
                                    "case-investigation:ProvenanceRecord",
                                    "case-investigation:exhibitNumber", m->items[ix].id,
                                    "uco-core:description", s1, "uco-core:object", g->derived[ix]));
    json_array_insert_new(res, 0, ref(g->last_pr[ix]));
    json_array_append_new(g->inv_objects, ref(g->last_pr[ix]));
}

/* Sets member k of o to the array a, or drops a when it is empty. */
static void
set_nonempty(json_t *o, const char *k, json_t *a)
{
    if (json_array_size(a) > 0)
        json_object_set_new(o, k, a);
    else
        json_decref(a);
}

/* The investigative action of one entry. */
static void
add_action(struct graph *g, const struct custos_custody_event *e)
{
    const struct custos_custody *m = g->m;
    char aid[IRI_SIZE], key[32], s1[600], id[IRI_SIZE];
    snprintf(key, sizeof(key), "%" PRIu64, e->seq);
    iri(m, "investigative-action", key, aid);
    snprintf(s1, sizeof(s1), "ledger entry %" PRIu64 " (line SHA-256 %s): ", e->seq, e->sha256);
    struct custos__sb d = {0};
    custos__sb_puts(&d, s1);
    custos__sb_puts(&d, e->text);
    char *desc = custos__sb_take(&d);
    json_t *act = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "@id", aid, "@type",
                            "case-investigation:InvestigativeAction", "uco-core:name",
                            action_name(e->action), "uco-core:description", desc ? desc : "",
                            "uco-action:startTime", dt(e->time), "uco-action:endTime", dt(e->time));
    free(desc);
    const struct custos_custody_party *pf = performer(e);
    if (pf != NULL) {
        iri(m, "person", pf->fp, id);
        json_object_set_new(act, "uco-action:performer", ref(id));
    }
    json_t *parts = json_array();
    for (size_t k = 0; k < e->nparties; k++)
        if (&e->parties[k] != pf) {
            iri(m, "person", e->parties[k].fp, id);
            json_array_append_new(parts, ref(id));
        }
    const char *loc =
        custos_custody_field(e, "location") ? custos_custody_field(e, "location") : e->place;
    if (loc != NULL) {
        iri(m, "location", key, id);
        json_array_append_new(g->graph,
                              json_pack("{s:s, s:s, s:s}", "@id", id, "@type",
                                        "uco-location:Location", "uco-core:description", loc));
        json_object_set_new(act, "uco-action:location", ref(id));
    }
    json_object_set_new(act, "uco-action:instrument", ref(g->tool));
    json_t *objs = json_array(), *res = json_array();
    size_t ix = item_index(m, e->item);
    if (ix < m->nitems)
        add_custody(g, e, ix, objs, res);
    else if (strcmp(e->action, "acquire") == 0)
        acquisition(m, e, NULL, g->graph, res);
    set_nonempty(act, "uco-action:participant", parts);
    set_nonempty(act, "uco-action:object", objs);
    set_nonempty(act, "uco-action:result", res);
    json_array_append_new(g->graph, act);
    json_array_append_new(g->inv_objects, ref(aid));
}

/* The investigation, then the bundle that holds everything, first in the graph. */
static void
add_investigation(struct graph *g, json_t *members)
{
    const struct custos_custody *m = g->m;
    char s1[600], inv[IRI_SIZE], bundle_id[IRI_SIZE];
    iri(m, "investigation", m->case_id, inv);
    snprintf(s1, sizeof(s1), "incident level %d; report due %s, recovery due %s; %s", m->level,
             m->report_due, m->recovery_due, m->closed != CUSTOS_CUSTODY_NONE ? "closed" : "open");
    json_array_append_new(
        g->graph, json_pack("{s:s, s:s, s:s, s:s, s:s, s:[o], s:o}", "@id", inv, "@type",
                            "case-investigation:Investigation", "uco-core:name", m->case_id,
                            "case-investigation:focus", "incident evidence preservation",
                            "uco-core:description", s1, "case-investigation:relevantAuthorization",
                            ref(g->auth), "uco-core:object", g->inv_objects));
    for (size_t i = 0; i < json_array_size(g->graph); i++)
        json_array_append_new(
            members, ref(json_string_value(json_object_get(json_array_get(g->graph, i), "@id"))));
    snprintf(s1, sizeof(s1),
             "chain of custody of case %s, ledger %s, %" PRIu64
             " entries, head %s, exported by custos %s",
             m->case_id, m->ledger_id, m->report->entries, m->report->head, custos_version());
    iri(m, "bundle", m->report->head, bundle_id);
    json_t *bundle = json_pack("{s:s, s:s, s:s, s:o}", "@id", bundle_id, "@type", "uco-core:Bundle",
                               "uco-core:description", s1, "uco-core:object", members);
    json_array_insert_new(g->graph, 0, bundle);
}

int
custos_custody_case_jsonld(const struct custos_custody *m, char **out, struct custos_error *err)
{
    json_t *ctx = context(m), *members = json_array();
    struct graph g = {.m = m, .graph = json_array(), .inv_objects = json_array()};
    g.dev = calloc(m->nitems + 1, IRI_SIZE);
    g.last_pr = calloc(m->nitems + 1, IRI_SIZE);
    g.derived = calloc(m->nitems + 1, sizeof(*g.derived));
    if (ctx == NULL || g.graph == NULL || members == NULL || g.inv_objects == NULL ||
        g.dev == NULL || g.last_pr == NULL || g.derived == NULL) {
        json_decref(ctx), json_decref(g.graph), json_decref(members), json_decref(g.inv_objects);
        free(g.dev), free(g.last_pr), free(g.derived);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, m->path, "out of memory");
    }
    add_tool(&g);
    add_people(&g);
    add_items(&g);
    /* One investigative action per entry (enrolments and attestations are bookkeeping). */
    for (size_t i = 0; i < m->nevents; i++)
        if (strcmp(m->events[i].action, "enroll") != 0 &&
            strcmp(m->events[i].action, "attest") != 0)
            add_action(&g, &m->events[i]);
    for (size_t i = 0; i < m->nitems; i++)
        json_decref(g.derived[i]);
    free(g.dev), free(g.last_pr), free(g.derived);
    add_investigation(&g, members);
    json_t *doc = json_pack("{s:o, s:o}", "@context", ctx, "@graph", g.graph);
    *out = doc != NULL ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (*out == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, m->path, "out of memory");
    return CUSTOS_OK;
}
