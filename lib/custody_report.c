/* SPDX-License-Identifier: ISC */
/*
 * custody_report.c: what people read from a custody model: the history of
 * each item in plain language (custos-ledger show), the case status with its
 * deadlines (custos-ledger status), and the custody report laid out like a
 * paper chain-of-custody form (text and self-contained HTML).
 *
 * Everything here renders into a string the caller prints or writes: the
 * library never prints. Names are those enrolled in the ledger, and every
 * person is shown with the first 16 hex digits of the key fingerprint, the
 * part written on the paper form beside a handwritten signature.
 */
#include "custos/custody.h"
#include "custos/timefmt.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "custos/custos.h"
#include "custody_private.h"

/* ---- plain language ---- */

void
custos__custody_when(const struct custos_custody_event *e, int lang, char *buf, size_t len)
{
    int zh = lang == CUSTOS_LANG_ZH_TW;
    if (e->late)
        snprintf(buf, len, zh ? "%s（事後補登，登錄於 %s）" : "%s (recorded late, at %s)", e->local,
                 e->recorded_local);
    else if (e->recorded[0] != '\0')
        snprintf(buf, len, zh ? "%s（登錄於 %s）" : "%s (recorded %s)", e->local,
                 e->recorded_local);
    else
        snprintf(buf, len, "%s", e->local);
}

/* "Alice Chen (custodian, 48df8da0f9520180)" */
static void
person(struct custos__sb *b, const struct custos_custody_party *p)
{
    custos__sb_printf(b, "%s (%s%s%.16s)", p->name, p->role, p->role[0] ? ", " : "", p->fp);
}

static void
also(struct custos__sb *b, const struct custos_custody_event *e, const char *as, const char *verb)
{
    const struct custos_custody_party *p = custos__custody_party(e, as);
    if (p != NULL)
        custos__sb_printf(b, ", %s %s", verb, p->name);
}

char *
custos__custody_sentence(const struct custos_custody *m, const struct custos_custody_event *e)
{
    struct custos__sb b = {0};
    const char *a = e->action;
    const struct custos_custody_party *p0 = e->nparties > 0 ? &e->parties[0] : NULL;
#define F(name) custos_custody_field(e, name)
    if (strcmp(a, "open") == 0) {
        custos__sb_printf(&b, "case %s (incident level %d) opened by ", m->case_id, m->level);
        person(&b, p0);
        custos__sb_printf(&b, " under authorisation \"%s\"; report due %s, recovery due %s",
                          F("authorisation"), F("report_due"), F("recovery_due"));
    } else if (strcmp(a, "enroll") == 0) {
        const struct custos_custody_party *s = custos__custody_party(e, "subject"),
                                          *ap = custos__custody_party(e, "approver");
        custos__sb_printf(&b, "%s enrolled as %s with key %.16s", s ? s->name : "?",
                          s ? s->role : "?", s ? s->fp : "");
        if (F("organisation"))
            custos__sb_printf(&b, " (%s)", F("organisation"));
        if (ap)
            custos__sb_printf(&b, ", approved by %s", ap->name);
    } else if (strcmp(a, "revoke") == 0) {
        custos__sb_printf(&b, "key %.16s of %s revoked by %s: %s", F("key"),
                          custos__custody_name(m, F("key")), p0->name, F("reason"));
    } else if (strcmp(a, "collect") == 0) {
        custos__sb_printf(&b, "collected by ");
        person(&b, custos__custody_party(e, "custodian"));
        if (F("location"))
            custos__sb_printf(&b, " at %s", F("location"));
        also(&b, e, "witness", "witnessed by");
        also(&b, e, "recorder", "recorded by");
        custos__sb_printf(&b, ": %s", F("description"));
        if (F("make") || F("model"))
            custos__sb_printf(&b, ", %s%s%s", F("make") ? F("make") : "",
                              F("make") && F("model") ? " " : "", F("model") ? F("model") : "");
        if (F("serial"))
            custos__sb_printf(&b, ", serial %s", F("serial"));
    } else if (strcmp(a, "acquire") == 0) {
        custos__sb_printf(&b, "imaged by ");
        person(&b, custos__custody_party(e, "custodian"));
        also(&b, e, "witness", "witnessed by");
        custos__sb_printf(&b, "; acquisition record %s (SHA-256 %s)", F("record"),
                          F("record_sha256"));
        if (F("image_sha256"))
            custos__sb_printf(&b, ", image SHA-256 %s", F("image_sha256"));
        if (F("md5"))
            custos__sb_printf(&b, ", MD5 %s", F("md5"));
        if (F("sha1"))
            custos__sb_printf(&b, ", SHA-1 %s", F("sha1"));
        if (F("size"))
            custos__sb_printf(&b, ", %s bytes", F("size"));
        if (F("tool"))
            custos__sb_printf(&b, ", by %s", F("tool"));
    } else if (strcmp(a, "seal") == 0) {
        custos__sb_printf(&b, "sealed by ");
        person(&b, custos__custody_party(e, "custodian"));
        custos__sb_printf(&b, " under seal %s (sealed package SHA-256 %s)", F("seal"), F("sha256"));
        also(&b, e, "witness", "witnessed by");
    } else if (strcmp(a, "transfer") == 0) {
        custos__sb_printf(&b, "released by ");
        person(&b, custos__custody_party(e, "releaser"));
        custos__sb_printf(&b, " to ");
        person(&b, custos__custody_party(e, "receiver"));
        custos__sb_printf(&b, " for: %s", F("reason"));
        also(&b, e, "witness", "witnessed by");
        if (F("seal_checked"))
            custos__sb_printf(&b, "; seal check: %s", F("seal_checked"));
        if (F("sha256"))
            custos__sb_printf(&b, "; SHA-256 at handover %s", F("sha256"));
    } else if (strcmp(a, "store") == 0) {
        custos__sb_printf(&b, "stored by ");
        person(&b, custos__custody_party(e, "custodian"));
        custos__sb_printf(&b, " at %s", F("location"));
        also(&b, e, "witness", "witnessed by");
    } else if (strcmp(a, "access") == 0) {
        int out = strcmp(F("direction"), "out") == 0;
        custos__sb_printf(&b, "%s by ", out ? "checked out" : "checked in");
        person(&b, custos__custody_party(e, "custodian"));
        custos__sb_printf(&b, " (purpose: %s)", F("purpose"));
        also(&b, e, "witness", "witnessed by");
    } else if (strcmp(a, "verify") == 0) {
        custos__sb_printf(&b, "%s verified by ", e->item ? "hash" : "case");
        person(&b, p0);
        custos__sb_printf(&b, ": %s", strcmp(F("result"), "match") == 0 ? "MATCH" : "MISMATCH");
        if (F("sha256"))
            custos__sb_printf(&b, " (SHA-256 %s)", F("sha256"));
        if (F("record"))
            custos__sb_printf(&b, " against %s", F("record"));
    } else if (strcmp(a, "dispose") == 0) {
        custos__sb_printf(&b, "disposed of by ");
        person(&b, custos__custody_party(e, "vendor"));
        custos__sb_printf(&b, " with ");
        person(&b, custos__custody_party(e, "custodian"));
        also(&b, e, "witness", "witnessed by");
        custos__sb_printf(&b, ": %s", F("method"));
        if (F("certificate"))
            custos__sb_printf(&b, "; certificate %s", F("certificate"));
        if (F("certificate_sha256"))
            custos__sb_printf(&b, " (SHA-256 %s)", F("certificate_sha256"));
    } else if (strcmp(a, "note") == 0) {
        custos__sb_printf(&b, "note by %s: %s", p0->name, F("text"));
    } else if (strcmp(a, "attest") == 0) {
        custos__sb_printf(&b, "%s added the late signature owed on entry %s", p0->name,
                          F("target"));
    } else if (strcmp(a, "close") == 0) {
        custos__sb_printf(&b, "case closed by %s: %s", p0->name, F("reason"));
        also(&b, e, "witness", "witnessed by");
    } else {
        custos__sb_printf(&b, "%s", a);
    }
#undef F
    if (e->place != NULL)
        custos__sb_printf(&b, " [place: %s]", e->place);
    if (e->comment != NULL)
        custos__sb_printf(&b, " [comment: %s]", e->comment);
    for (size_t i = 0; i < e->nparties; i++) {
        if (e->parties[i].sig == CUSTOS_CUSTODY_OWED)
            custos__sb_printf(&b, " [signature of %s %s still owed]", e->parties[i].as,
                              e->parties[i].name);
        else if (e->parties[i].sig == CUSTOS_CUSTODY_ATTESTED)
            custos__sb_printf(&b, " [%s signed late, entry %" PRIu64 "]", e->parties[i].name,
                              e->parties[i].attest);
    }
    return custos__sb_take(&b);
}

/* ---- JSON pieces ---- */

static json_t *
jstr(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static json_t *
jentry(uint64_t seq)
{
    return seq == CUSTOS_CUSTODY_NONE ? json_null() : json_integer((json_int_t)seq);
}

static json_t *
jholder(const struct custos_custody *m, const char *fp)
{
    const struct custos_custody_person *p = custos_custody_person(m, fp);
    if (fp == NULL || fp[0] == '\0')
        return json_null();
    return json_pack("{s:s, s:s, s:s}", "name", p ? p->name : "an unknown key", "role",
                     p ? p->role : "", "key", fp);
}

static const char *sig_names[] = {"signed", "attested", "owed"};

static json_t *
jevent(const struct custos_custody *m, const struct custos_custody_event *e)
{
    json_t *parties = json_array(), *fields = json_object();
    for (size_t i = 0; i < e->nparties; i++) {
        const struct custos_custody_party *p = &e->parties[i];
        json_t *jp = json_pack("{s:s, s:s, s:s, s:s, s:s}", "as", p->as, "name", p->name, "role",
                               p->role, "key", p->fp, "signature", sig_names[p->sig]);
        if (p->attest != CUSTOS_CUSTODY_NONE)
            json_object_set_new(jp, "attested_at", json_integer((json_int_t)p->attest));
        json_array_append_new(parties, jp);
    }
    for (size_t i = 0; i < e->nfields; i++)
        json_object_set_new(fields, e->fields[i].name, json_string(e->fields[i].value));
    json_t *j =
        json_pack("{s:I, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:s}", "entry", (json_int_t)e->seq,
                  "time", e->time, "action", e->action, "item", jstr(e->item), "text", e->text,
                  "place", jstr(e->place), "comment", jstr(e->comment), "parties", parties,
                  "fields", fields, "sha256", e->sha256);
    json_object_set_new(j, "time_local", json_string(e->local));
    json_object_set_new(j, "time_offset",
                        e->time_offset[0] ? json_string(e->time_offset) : json_null());
    json_object_set_new(j, "recorded", e->recorded[0] ? json_string(e->recorded) : json_null());
    json_object_set_new(j, "recorded_late", json_boolean(e->late));
    if (e->item != NULL) {
        json_object_set_new(j, "holder_before", jholder(m, e->holder_before));
        json_object_set_new(j, "holder_after", jholder(m, e->holder_after));
    }
    return j;
}

static json_t *
jcase(const struct custos_custody *m)
{
    return json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:o}", "ledger",
                     m->path, "case", m->case_id, "level", m->level, "authorisation",
                     m->authorisation, "ledger_id", m->ledger_id, "opened", m->opened, "place",
                     jstr(m->place), "report_due", m->report_due, "recovery_due", m->recovery_due,
                     "closed",
                     m->closed == CUSTOS_CUSTODY_NONE ? json_null() : json_string(m->closed_time),
                     "close_reason", jstr(m->close_reason), "closed_entry", jentry(m->closed));
}

static json_t *
jverification(const struct custos_custody *m)
{
    const struct custos_ledger_report *r = m->report;
    json_t *j = json_pack("{s:s, s:I, s:I, s:s, s:s}", "status", custos_status_name(r->status),
                          "entries", (json_int_t)r->entries, "signatures",
                          (json_int_t)r->signatures, "head", r->head, "root", r->root_b64);
    if (r->checkpoint_checked)
        json_object_set_new(j, "checkpoint",
                            json_pack("{s:s, s:I, s:s}", "file", m->checkpoint, "size",
                                      (json_int_t)r->checkpoint_size, "signed_by",
                                      r->checkpoint_signers));
    return j;
}

static json_t *
jpending(const struct custos_custody *m)
{
    json_t *a = json_array();
    for (size_t i = 0; i < m->npending; i++)
        json_array_append_new(
            a, json_pack("{s:I, s:s, s:s, s:s, s:s}", "entry", (json_int_t)m->pending[i].seq,
                         "action", m->events[m->pending[i].seq].action, "as", m->pending[i].as,
                         "name", m->pending[i].name, "key", m->pending[i].fp));
    return a;
}

static json_t *
jitem(const struct custos_custody *m, const struct custos_custody_item *it, int with_events)
{
    json_t *j = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:I, s:s, s:o, s:o, s:o, s:b, s:o}", "id",
                          it->id, "description", jstr(it->description), "make", jstr(it->make),
                          "model", jstr(it->model), "serial", jstr(it->serial), "collected_at",
                          jstr(it->collected_at), "collected_entry", (json_int_t)it->collected,
                          "collected", it->collected_time, "holder", jholder(m, it->holder),
                          "location", jstr(it->location), "seal", jstr(it->seal), "checked_out",
                          it->checked_out, "disposed_entry", jentry(it->disposed));
    if (!with_events)
        return j;
    json_t *acq = json_array(), *ev = json_array();
    for (size_t i = 0; i < it->nevents; i++) {
        const struct custos_custody_event *e = &m->events[it->events[i]];
        json_array_append_new(ev, jevent(m, e));
        if (strcmp(e->action, "acquire") == 0) {
            json_t *a = json_pack("{s:I, s:s}", "entry", (json_int_t)e->seq, "time", e->time);
            for (size_t k = 0; k < e->nfields; k++)
                json_object_set_new(a, e->fields[k].name, json_string(e->fields[k].value));
            json_array_append_new(acq, a);
        }
    }
    json_object_set_new(j, "acquisitions", acq);
    json_object_set_new(j, "events", ev);
    return j;
}

static char *
jdump(json_t *j)
{
    char *s = j != NULL ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    return s;
}

/* ---- show ---- */

static void
text_header(struct custos__sb *b, const struct custos_custody *m)
{
    const struct custos_ledger_report *r = m->report;
    custos__sb_printf(b, "Case %s, incident level %d\n", m->case_id, m->level);
    custos__sb_printf(b, "  authorisation: %s\n", m->authorisation);
    custos__sb_printf(b, "  opened:        %s%s%s\n", m->opened, m->place ? " at " : "",
                      m->place ? m->place : "");
    if (m->closed != CUSTOS_CUSTODY_NONE)
        custos__sb_printf(b, "  closed:        %s (entry %" PRIu64 "): %s\n", m->closed_time,
                          m->closed, m->close_reason ? m->close_reason : "");
    else
        custos__sb_printf(b, "  closed:        no, the case is open\n");
    custos__sb_printf(b, "  ledger:        %s (%s), %" PRIu64 " entries, verified: %s\n", m->path,
                      m->ledger_id, r->entries,
                      r->status == CUSTOS_OK ? "OK" : "OK, but signatures are owed");
    custos__sb_printf(b, "  head:          %s\n  root:          %s\n", r->head, r->root_b64);
    if (r->checkpoint_checked)
        custos__sb_printf(b, "  checkpoint:    %s, %" PRIu64 " entries, signed by %s\n",
                          m->checkpoint, r->checkpoint_size, r->checkpoint_signers);
}

static void
text_item(struct custos__sb *b, const struct custos_custody *m,
          const struct custos_custody_item *it)
{
    custos__sb_printf(b, "\nItem %s: %s\n", it->id, it->description ? it->description : "");
    if (it->make || it->model || it->serial)
        custos__sb_printf(b, "  device:   %s%s%s%s%s\n", it->make ? it->make : "",
                          it->make && it->model ? " " : "", it->model ? it->model : "",
                          it->serial ? ", serial " : "", it->serial ? it->serial : "");
    custos__sb_printf(b, "  collected: %s%s%s (entry %" PRIu64 ")\n", it->collected_time,
                      it->collected_at ? " at " : "", it->collected_at ? it->collected_at : "",
                      it->collected);
    const struct custos_custody_person *h = custos_custody_person(m, it->holder);
    if (it->disposed != CUSTOS_CUSTODY_NONE)
        custos__sb_printf(b, "  now:      DISPOSED OF at entry %" PRIu64 " (%s); last held by %s\n",
                          it->disposed, m->events[it->disposed].time,
                          h ? h->name : "an unknown key");
    else
        custos__sb_printf(b, "  now:      held by %s (%s, %.16s)%s%s%s%s%s\n",
                          h ? h->name : "an unknown key", h ? h->role : "", it->holder,
                          it->location ? ", at " : "", it->location ? it->location : "",
                          it->seal ? ", seal " : "", it->seal ? it->seal : "",
                          it->checked_out ? ", CHECKED OUT" : "");
    custos__sb_printf(b, "  history:\n");
    for (size_t i = 0; i < it->nevents; i++) {
        const struct custos_custody_event *e = &m->events[it->events[i]];
        char when[128];
        custos__custody_when(e, CUSTOS_LANG_EN, when, sizeof(when));
        custos__sb_printf(b, "    %s  entry %-4" PRIu64 " %s\n", when, e->seq, e->text);
    }
}

int
custos_custody_show(const struct custos_custody *m, const char *item, unsigned flags, char **out,
                    struct custos_error *err)
{
    *out = NULL;
    if (item != NULL && custos_custody_item(m, item) == NULL)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, m->path, "no item %s in this ledger", item);
    if (flags & CUSTOS_CUSTODY_JSON) {
        json_t *people = json_array(), *items = json_array(), *other = json_array();
        for (size_t i = 0; i < m->npeople; i++) {
            const struct custos_custody_person *p = &m->people[i];
            json_array_append_new(people,
                                  json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:I, s:s, s:o}", "name",
                                            p->name, "role", p->role, "key", p->fp, "organisation",
                                            jstr(p->organisation), "id_ref", jstr(p->id_ref),
                                            "phone", jstr(p->phone), "enrolled_entry",
                                            (json_int_t)p->enrolled, "enrolled", p->enrolled_time,
                                            "revoked_entry", jentry(p->revoked)));
        }
        for (size_t i = 0; i < m->nitems; i++)
            if (item == NULL || strcmp(item, m->items[i].id) == 0)
                json_array_append_new(items, jitem(m, &m->items[i], 1));
        for (size_t i = 0; item == NULL && i < m->nevents; i++)
            if (m->events[i].item == NULL)
                json_array_append_new(other, jevent(m, &m->events[i]));
        json_t *j = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "case", jcase(m), "verification",
                              jverification(m), "people", people, "items", items, "case_events",
                              other, "pending_signatures", jpending(m));
        *out = jdump(j);
    } else {
        struct custos__sb b = {0};
        text_header(&b, m);
        if (item == NULL) {
            custos__sb_printf(&b, "\nPeople\n");
            for (size_t i = 0; i < m->npeople; i++) {
                const struct custos_custody_person *p = &m->people[i];
                custos__sb_printf(&b, "  %-24s %-10s key %.16s, enrolled at entry %" PRIu64 "%s\n",
                                  p->name, p->role, p->fp, p->enrolled,
                                  p->revoked != CUSTOS_CUSTODY_NONE ? ", REVOKED" : "");
            }
        }
        for (size_t i = 0; i < m->nitems; i++)
            if (item == NULL || strcmp(item, m->items[i].id) == 0)
                text_item(&b, m, &m->items[i]);
        if (item == NULL) {
            custos__sb_printf(&b, "\nCase events\n");
            for (size_t i = 0; i < m->nevents; i++) {
                char when[128];
                custos__custody_when(&m->events[i], CUSTOS_LANG_EN, when, sizeof(when));
                if (m->events[i].item == NULL)
                    custos__sb_printf(&b, "    %s  entry %-4" PRIu64 " %s\n", when,
                                      m->events[i].seq, m->events[i].text);
            }
        }
        if (m->npending > 0) {
            custos__sb_printf(&b, "\nSignatures still owed (each party adds an attest entry)\n");
            for (size_t i = 0; i < m->npending; i++)
                custos__sb_printf(&b, "  entry %" PRIu64 " (%s): %s %s, key %.16s\n",
                                  m->pending[i].seq, m->events[m->pending[i].seq].action,
                                  m->pending[i].as, m->pending[i].name, m->pending[i].fp);
        }
        *out = custos__sb_take(&b);
    }
    if (*out == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, m->path, "out of memory");
    return CUSTOS_OK;
}

/* A sentence in lang: both are literals so that -Wformat checks each. */
#define ZH(en, zh) (lang == CUSTOS_LANG_ZH_TW ? (zh) : (en))

/* ---- status ---- */

/* Seconds since the epoch, or -1 when s is not a time (never a default date). */
static int
tparse(const char *s, time_t *out)
{
    int64_t t = 0;
    if (custos_time_rfc3339_parse(s, 0, &t, NULL) != CUSTOS_OK)
        return -1;
    *out = (time_t)t;
    return 0;
}

int
custos_custody_overdue(const struct custos_custody *m, time_t now)
{
    if (m->closed != CUSTOS_CUSTODY_NONE)
        return 0;
    time_t r, v;
    /* A deadline that cannot be read is not overdue: deadline_state reports it unreadable. */
    return (tparse(m->report_due, &r) == 0 && now > r) +
           (tparse(m->recovery_due, &v) == 0 && now > v);
}

/*
 * "50 h 20 min": every span in hours and minutes (rounded down), the units
 * the deadlines are set in (1 h, 36 h, 72 h), however long the span.
 */
static void
span(char *buf, size_t len, time_t d, int lang)
{
    if (d < 0)
        d = -d;
    snprintf(buf, len, ZH("%lld h %lld min", "%lld 小時 %lld 分"), (long long)d / 3600,
             ((long long)d % 3600) / 60);
}

/* The state of a deadline (JSON "state") and, in buf, the same for people in lang. */
static const char *
deadline_state(const struct custos_custody *m, const char *due, time_t now, int lang, char *buf,
               size_t len)
{
    char sp[64];
    time_t t = 0, c = 0;
    if (tparse(due, &t) != 0) {
        snprintf(buf, len, ZH("deadline unreadable (%s)", "期限無法判讀（%s）"),
                 due != NULL ? due : "none");
        return "unknown";
    }
    if (m->closed != CUSTOS_CUSTODY_NONE && tparse(m->closed_time, &c) != 0) {
        snprintf(buf, len, "%s", ZH("case closed at an unreadable time", "結案時間無法判讀"));
        return "closed";
    }
    if (m->closed != CUSTOS_CUSTODY_NONE) {
        span(sp, sizeof(sp), c - t, lang);
        if (lang == CUSTOS_LANG_ZH_TW)
            snprintf(buf, len, "於期限%s %s 結案", c > t ? "後" : "前", sp);
        else
            snprintf(buf, len, "case closed %s %s the deadline", sp, c > t ? "after" : "before");
        return "closed";
    }
    span(sp, sizeof(sp), now - t, lang);
    if (now > t) {
        snprintf(buf, len, ZH("OVERDUE by %s", "已逾期 %s"), sp);
        return "overdue";
    }
    snprintf(buf, len, ZH("due in %s", "尚餘 %s"), sp);
    return "pending";
}

int
custos_custody_status(const struct custos_custody *const *ms, size_t n, time_t now, unsigned flags,
                      char **out, struct custos_error *err)
{
    return custos_custody_status_lang(ms, n, now, flags, CUSTOS_LANG_EN, out, err);
}

int
custos_custody_status_lang(const struct custos_custody *const *ms, size_t n, time_t now,
                           unsigned flags, int lang, char **out, struct custos_error *err)
{
    char nowbuf[32], b1[96], b2[96];
    *out = NULL;
    /* JSON is for scripts: its keys and texts stay English */
    if (flags & CUSTOS_CUSTODY_JSON)
        lang = CUSTOS_LANG_EN;
    else if (custos__custody_lang_check(lang, NULL, err) != CUSTOS_OK)
        return CUSTOS_E_USAGE;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(nowbuf, sizeof(nowbuf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    *out = NULL;
    if (flags & CUSTOS_CUSTODY_JSON) {
        json_t *cases = json_array();
        for (size_t k = 0; k < n; k++) {
            const struct custos_custody *m = ms[k];
            const char *s1 = deadline_state(m, m->report_due, now, lang, b1, sizeof(b1));
            const char *s2 = deadline_state(m, m->recovery_due, now, lang, b2, sizeof(b2));
            json_t *items = json_array();
            for (size_t i = 0; i < m->nitems; i++)
                json_array_append_new(items, jitem(m, &m->items[i], 0));
            json_t *c = json_pack(
                "{s:o, s:o, s:s, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}, s:i, s:o, s:o}", "case",
                jcase(m), "verification", jverification(m), "state",
                m->closed == CUSTOS_CUSTODY_NONE ? "open" : "closed", "report", "due",
                m->report_due, "state", s1, "text", b1, "recovery", "due", m->recovery_due, "state",
                s2, "text", b2, "overdue", custos_custody_overdue(m, now), "items", items,
                "pending_signatures", jpending(m));
            json_array_append_new(cases, c);
        }
        *out = jdump(json_pack("{s:s, s:o}", "now", nowbuf, "cases", cases));
    } else {
        struct custos__sb b = {0};
        custos__sb_printf(&b, ZH("Status at %s\n", "案件狀態（%s）\n"), nowbuf);
        for (size_t k = 0; k < n; k++) {
            const struct custos_custody *m = ms[k];
            deadline_state(m, m->report_due, now, lang, b1, sizeof(b1));
            deadline_state(m, m->recovery_due, now, lang, b2, sizeof(b2));
            custos__sb_printf(
                &b, ZH("\n%s: case %s, level %d, %s%s\n", "\n%s：案號 %s，等級 %d，%s%s\n"),
                m->path, m->case_id, m->level,
                m->closed == CUSTOS_CUSTODY_NONE ? ZH("OPEN since ", "進行中，開案於 ")
                                                 : ZH("closed ", "已結案，結案於 "),
                m->closed == CUSTOS_CUSTODY_NONE ? m->opened : m->closed_time);
            custos__sb_printf(&b, ZH("  report due:    %s  %s\n", "  通報期限:      %s  %s\n"),
                              m->report_due, b1);
            custos__sb_printf(&b,
                              ZH("  recovery due:  %s  %s (%d h for level %d)\n",
                                 "  復原期限:      %s  %s（%d 小時，等級 %d）\n"),
                              m->recovery_due, b2, m->level >= 3 ? 36 : 72, m->level);
            if (m->nitems == 0)
                custos__sb_printf(
                    &b, "%s",
                    ZH("  items:         none collected\n", "  證物:          尚未扣押\n"));
            for (size_t i = 0; i < m->nitems; i++) {
                const struct custos_custody_item *it = &m->items[i];
                const char *hn = custos__custody_name(m, it->holder);
                if (it->disposed != CUSTOS_CUSTODY_NONE)
                    custos__sb_printf(&b,
                                      ZH("  item %-10s disposed of at entry %" PRIu64 "\n",
                                         "  證物 %-10s 已於帳本第 %" PRIu64 " 筆銷毀\n"),
                                      it->id, it->disposed);
                else
                    custos__sb_printf(&b,
                                      ZH("  item %-10s held by %s (%.16s)%s%s%s\n",
                                         "  證物 %-10s 由 %s（%.16s）保管%s%s%s\n"),
                                      it->id, hn, it->holder,
                                      it->location ? ZH(", at ", "，地點：") : "",
                                      it->location ? it->location : "",
                                      it->checked_out ? ZH(", CHECKED OUT", "，已取出") : "");
            }
            for (size_t i = 0; i < m->npending; i++)
                custos__sb_printf(
                    &b,
                    ZH("  awaiting:      entry %" PRIu64 " (%s): signature of %s %s\n",
                       "  待簽:          帳本第 %" PRIu64 " 筆（%s）：%s %s 尚未簽章\n"),
                    m->pending[i].seq, m->events[m->pending[i].seq].action,
                    custos__tr(lang, m->pending[i].as), m->pending[i].name);
        }
        *out = custos__sb_take(&b);
    }
    if (*out == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    return CUSTOS_OK;
}
