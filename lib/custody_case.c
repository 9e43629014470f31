/* SPDX-License-Identifier: ISC */
/*
 * custody_case.c: the case as CASE/UCO JSON-LD (CASE ontology 1.x, UCO 1.x),
 * for forensic and legal tools that read the Cyber-investigation Analysis
 * Standard Expression.
 *
 * Mapping (after the CASE-Examples "Oresteia" pattern):
 *   - the file is one uco-core:Bundle in an @graph; every node has an IRI
 *     under "kb:", which expands to custos.invalid/ledger/<ledger id>/;
 *   - the case is a case-investigation:Investigation whose
 *     relevantAuthorization is a case-investigation:Authorization;
 *   - every enrolled person is a uco-identity:Person, tied to a uco-role:Role
 *     by a uco-core:Relationship of kind Has_Role;
 *   - every item is a uco-observable:Device (description, make as a
 *     uco-identity:Organization, model, serial), and every acquisition's
 *     record and image are uco-observable:ObservableObjects with
 *     ContentDataFacet hashes;
 *   - every item has one case-investigation:ProvenanceRecord (exhibitNumber =
 *     the item id) listing the item and what was derived from it;
 *   - every ledger entry about an item, and every case-level act, is a
 *     case-investigation:InvestigativeAction with start and end time, and an
 *     ActionReferencesFacet naming the performer (the party who acted) as a
 *     Role node, the other parties as participants, the location, the
 *     instrument (custos or the acquisition tool), the objects and results.
 *     Its uco-core:description carries the ledger entry number and the
 *     SHA-256 of its line, which links the graph back to the signed ledger.
 */
#include "custos/custody.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "custos/custos.h"
#include "custody_private.h"

/* An IRI-safe form of an item id or other text (letters, digits, - . _ kept). */
static void
slug(const char *s, char *out, size_t len)
{
    size_t j = 0;
    for (; s != NULL && *s && j + 4 < len; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_')
            out[j++] = (char)c;
        else
            j += (size_t)snprintf(out + j, len - j, "%%%02X", c);
    }
    out[j] = '\0';
}

static json_t *
dt(const char *t)
{
    return json_pack("{s:s, s:s}", "@type", "xsd:dateTime", "@value", t);
}

static json_t *
hash(const char *method, const char *hex)
{
    return json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s}}", "@type", "uco-types:Hash",
                     "uco-types:hashMethod", "@type", "uco-vocabulary:HashNameVocab", "@value",
                     method, "uco-types:hashValue", "@type", "xsd:hexBinary", "@value", hex);
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

int
custos_custody_case_jsonld(const struct custos_custody *m, char **out, struct custos_error *err)
{
    char base[256], buf[1024], s1[600];
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
    json_object_set_new(ctx, "kb", json_string(base));
    json_t *graph = json_array(), *members = json_array(), *inv_objects = json_array();

    /* The tool, and the authorisation. */
    snprintf(buf, sizeof(buf), "custos %s", custos_version());
    json_array_append_new(graph,
                          json_pack("{s:s, s:s, s:s, s:s, s:s}", "@id", "kb:tool-custos", "@type",
                                    "uco-tool:Tool", "uco-core:name", "custos", "uco-tool:version",
                                    custos_version(), "uco-core:description", buf));
    json_array_append_new(
        graph, json_pack("{s:s, s:s, s:s, s:[s]}", "@id", "kb:authorization", "@type",
                         "case-investigation:Authorization", "case-investigation:authorizationType",
                         "authorisation reference", "case-investigation:authorizationIdentifier",
                         m->authorisation));

    /* People and their roles. Each distinct role gets one Role node. */
    for (size_t i = 0; i < m->npeople; i++) {
        const struct custos_custody_person *p = &m->people[i];
        char pid[96], rid[96];
        snprintf(pid, sizeof(pid), "kb:person-%.16s", p->fp);
        snprintf(rid, sizeof(rid), "kb:role-%s", p->role);
        int seen = 0;
        for (size_t k = 0; k < i; k++)
            seen |= strcmp(m->people[k].role, p->role) == 0;
        if (!seen)
            json_array_append_new(graph, json_pack("{s:s, s:s, s:s}", "@id", rid, "@type",
                                                   "uco-role:Role", "uco-core:name", p->role));
        snprintf(s1, sizeof(s1),
                 "custos key fingerprint (SHA-256 of SubjectPublicKeyInfo) %s; "
                 "enrolled at ledger entry %" PRIu64 "%s%s",
                 p->fp, p->enrolled, p->organisation ? "; organisation " : "",
                 p->organisation ? p->organisation : "");
        json_array_append_new(graph, json_pack("{s:s, s:s, s:s, s:s}", "@id", pid, "@type",
                                               "uco-identity:Person", "uco-core:name", p->name,
                                               "uco-core:description", s1));
        snprintf(buf, sizeof(buf), "kb:has-role-%.16s", p->fp);
        json_array_append_new(graph, json_pack("{s:s, s:s, s:{s:s}, s:[{s:s}], s:s, s:b}", "@id",
                                               buf, "@type", "uco-core:Relationship",
                                               "uco-core:source", "@id", pid, "uco-core:target",
                                               "@id", rid, "uco-core:kindOfRelationship",
                                               "Has_Role", "uco-core:isDirectional", 1));
    }

    /* Items, what was derived from them, and their provenance records. */
    for (size_t i = 0; i < m->nitems; i++) {
        const struct custos_custody_item *it = &m->items[i];
        char sl[256], iid[300];
        slug(it->id, sl, sizeof(sl));
        snprintf(iid, sizeof(iid), "kb:item-%s", sl);
        json_t *facet = json_pack("{s:s, s:s}", "@id", "", "@type", "uco-observable:DeviceFacet");
        snprintf(buf, sizeof(buf), "kb:item-%s-device-facet", sl);
        json_object_set_new(facet, "@id", json_string(buf));
        if (it->model)
            json_object_set_new(facet, "uco-observable:model", json_string(it->model));
        if (it->serial)
            json_object_set_new(facet, "uco-observable:serialNumber", json_string(it->serial));
        if (it->make) {
            snprintf(buf, sizeof(buf), "kb:item-%s-manufacturer", sl);
            json_array_append_new(graph, json_pack("{s:s, s:s, s:s}", "@id", buf, "@type",
                                                   "uco-identity:Organization", "uco-core:name",
                                                   it->make));
            json_object_set_new(facet, "uco-observable:manufacturer",
                                json_pack("{s:s}", "@id", buf));
        }
        json_array_append_new(graph, json_pack("{s:s, s:s, s:s, s:s, s:[o]}", "@id", iid, "@type",
                                               "uco-observable:Device", "uco-core:name", it->id,
                                               "uco-core:description",
                                               it->description ? it->description : "",
                                               "uco-core:hasFacet", facet));
        json_t *prov_objects = json_array();
        json_array_append_new(prov_objects, json_pack("{s:s}", "@id", iid));
        for (size_t k = 0; k < it->nevents; k++) {
            const struct custos_custody_event *e = &m->events[it->events[k]];
            if (strcmp(e->action, "acquire") != 0)
                continue;
            json_t *hashes = json_array();
            json_array_append_new(hashes, hash("SHA256", custos_custody_field(e, "record_sha256")));
            snprintf(buf, sizeof(buf), "kb:record-%" PRIu64, e->seq);
            json_array_append_new(
                graph, json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:o}]}", "@id", buf, "@type",
                                 "uco-observable:ObservableObject", "uco-core:name",
                                 custos_custody_field(e, "record"), "uco-core:description",
                                 "acquisition record", "uco-core:hasFacet", "@type",
                                 "uco-observable:ContentDataFacet", "uco-observable:hash", hashes));
            json_array_append_new(prov_objects, json_pack("{s:s}", "@id", buf));
            json_t *ih = json_array();
            if (custos_custody_field(e, "image_sha256"))
                json_array_append_new(ih, hash("SHA256", custos_custody_field(e, "image_sha256")));
            if (custos_custody_field(e, "sha1"))
                json_array_append_new(ih, hash("SHA1", custos_custody_field(e, "sha1")));
            if (custos_custody_field(e, "md5"))
                json_array_append_new(ih, hash("MD5", custos_custody_field(e, "md5")));
            if (json_array_size(ih) > 0) {
                json_t *cdf = json_pack("{s:s, s:o}", "@type", "uco-observable:ContentDataFacet",
                                        "uco-observable:hash", ih);
                if (custos_custody_field(e, "size"))
                    json_object_set_new(cdf, "uco-observable:sizeInBytes",
                                        json_pack("{s:s, s:s}", "@type", "xsd:integer", "@value",
                                                  custos_custody_field(e, "size")));
                snprintf(buf, sizeof(buf), "kb:image-%" PRIu64, e->seq);
                snprintf(s1, sizeof(s1), "forensic image of %s", it->id);
                json_array_append_new(graph, json_pack("{s:s, s:s, s:s, s:[o]}", "@id", buf,
                                                       "@type", "uco-observable:ObservableObject",
                                                       "uco-core:description", s1,
                                                       "uco-core:hasFacet", cdf));
                json_array_append_new(prov_objects, json_pack("{s:s}", "@id", buf));
            } else {
                json_decref(ih);
            }
        }
        snprintf(buf, sizeof(buf), "kb:provenance-record-%s", sl);
        snprintf(s1, sizeof(s1), "custody of %s as recorded in ledger %s", it->id, m->ledger_id);
        json_array_append_new(graph, json_pack("{s:s, s:s, s:s, s:s, s:o}", "@id", buf, "@type",
                                               "case-investigation:ProvenanceRecord",
                                               "case-investigation:exhibitNumber", it->id,
                                               "uco-core:description", s1, "uco-core:object",
                                               prov_objects));
        json_array_append_new(inv_objects, json_pack("{s:s}", "@id", buf));
    }

    /* One investigative action per entry (enrolments and attestations are bookkeeping). */
    for (size_t i = 0; i < m->nevents; i++) {
        const struct custos_custody_event *e = &m->events[i];
        if (strcmp(e->action, "enroll") == 0 || strcmp(e->action, "attest") == 0)
            continue;
        char aid[64], sl[256];
        snprintf(aid, sizeof(aid), "kb:action-%" PRIu64, e->seq);
        const struct custos_custody_party *pf = performer(e);
        json_t *fac = json_pack("{s:s}", "@type", "uco-action:ActionReferencesFacet");
        if (pf != NULL) {
            const struct custos_custody_person *per = custos_custody_person(m, pf->fp);
            snprintf(buf, sizeof(buf), "kb:person-%.16s", pf->fp);
            json_object_set_new(fac, "uco-action:performer", json_pack("{s:s}", "@id", buf));
            (void)per;
        }
        json_t *parts = json_array();
        for (size_t k = 0; k < e->nparties; k++)
            if (&e->parties[k] != pf) {
                snprintf(buf, sizeof(buf), "kb:person-%.16s", e->parties[k].fp);
                json_array_append_new(parts, json_pack("{s:s}", "@id", buf));
            }
        if (json_array_size(parts) > 0)
            json_object_set_new(fac, "uco-action:participant", parts);
        else
            json_decref(parts);
        const char *loc =
            custos_custody_field(e, "location") ? custos_custody_field(e, "location") : e->place;
        if (loc != NULL) {
            snprintf(buf, sizeof(buf), "kb:location-%" PRIu64, e->seq);
            json_array_append_new(graph,
                                  json_pack("{s:s, s:s, s:s}", "@id", buf, "@type",
                                            "uco-location:Location", "uco-core:description", loc));
            json_object_set_new(fac, "uco-action:location", json_pack("{s:s}", "@id", buf));
        }
        json_object_set_new(fac, "uco-action:instrument",
                            json_pack("{s:s}", "@id", "kb:tool-custos"));
        json_t *objs = json_array(), *res = json_array();
        if (e->item != NULL) {
            slug(e->item, sl, sizeof(sl));
            snprintf(buf, sizeof(buf), "kb:item-%s", sl);
            json_array_append_new(objs, json_pack("{s:s}", "@id", buf));
        }
        if (strcmp(e->action, "acquire") == 0) {
            snprintf(buf, sizeof(buf), "kb:record-%" PRIu64, e->seq);
            json_array_append_new(res, json_pack("{s:s}", "@id", buf));
            if (custos_custody_field(e, "image_sha256") || custos_custody_field(e, "sha1") ||
                custos_custody_field(e, "md5")) {
                snprintf(buf, sizeof(buf), "kb:image-%" PRIu64, e->seq);
                json_array_append_new(res, json_pack("{s:s}", "@id", buf));
            }
        }
        if (json_array_size(objs) > 0)
            json_object_set_new(fac, "uco-action:object", objs);
        else
            json_decref(objs);
        if (json_array_size(res) > 0)
            json_object_set_new(fac, "uco-action:result", res);
        else
            json_decref(res);
        snprintf(s1, sizeof(s1), "ledger entry %" PRIu64 " (line SHA-256 %s): ", e->seq, e->sha256);
        struct custos__sb d = {0};
        custos__sb_puts(&d, s1);
        custos__sb_puts(&d, e->text);
        char *desc = custos__sb_take(&d);
        json_array_append_new(
            graph, json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:[o]}", "@id", aid, "@type",
                             "case-investigation:InvestigativeAction", "uco-core:name",
                             action_name(e->action), "uco-core:description", desc ? desc : "",
                             "uco-action:startTime", dt(e->time), "uco-action:endTime", dt(e->time),
                             "uco-core:hasFacet", fac));
        free(desc);
        json_array_append_new(inv_objects, json_pack("{s:s}", "@id", aid));
    }

    /* The investigation, then the bundle that holds everything. */
    snprintf(s1, sizeof(s1), "incident level %d; report due %s, recovery due %s; %s", m->level,
             m->report_due, m->recovery_due, m->closed != CUSTOS_CUSTODY_NONE ? "closed" : "open");
    json_array_append_new(
        graph, json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s}, s:o}", "@id", "kb:investigation",
                         "@type", "case-investigation:Investigation", "uco-core:name", m->case_id,
                         "case-investigation:focus", "incident evidence preservation",
                         "uco-core:description", s1, "case-investigation:relevantAuthorization",
                         "@id", "kb:authorization", "uco-core:object", inv_objects));
    for (size_t i = 0; i < json_array_size(graph); i++)
        json_array_append_new(
            members,
            json_pack("{s:s}", "@id",
                      json_string_value(json_object_get(json_array_get(graph, i), "@id"))));
    snprintf(s1, sizeof(s1),
             "chain of custody of case %s, ledger %s, %" PRIu64
             " entries, head %s, exported by custos %s",
             m->case_id, m->ledger_id, m->report->entries, m->report->head, custos_version());
    json_t *bundle =
        json_pack("{s:s, s:s, s:s, s:o}", "@id", "kb:bundle", "@type", "uco-core:Bundle",
                  "uco-core:description", s1, "uco-core:object", members);
    json_array_insert_new(graph, 0, bundle);
    json_t *doc = json_pack("{s:o, s:o}", "@context", ctx, "@graph", graph);
    *out = doc != NULL ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (*out == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, m->path, "out of memory");
    return CUSTOS_OK;
}
