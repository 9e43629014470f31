/* SPDX-License-Identifier: ISC */
/*
 * custody.c: the custody model of a case: the facts that verified ledger
 * entries establish, one entry at a time (custos__custody_add), and the
 * signatures still owed at the end (custos__custody_finish).
 *
 * The ledger decides whether it can be trusted; this file only reads what
 * it accepted. custody_load.c reads the ledger through its verification
 * and shows each verified entry here, then has custody_report.c word each
 * event: this file never calls the renderers.
 *
 * Invariants:
 *   1. Item custody follows the rules ledger.c enforces (collect gives the
 *      item to its custodian, transfer to the receiver), so the holder shown
 *      is the holder the verifier checked every later act against.
 *   2. Every event keeps the SHA-256 of its line, so a reader of a report can
 *      find the exact entry it came from.
 */
#include "custos/custody.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custos/timefmt.h"
#include "custody_private.h"

static char *
dupn(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

static int
grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap < 8 ? 8 : *cap * 2;
    void *p = realloc(*v, c * size);
    if (p == NULL)
        return -1;
    *v = p;
    *cap = c;
    return 0;
}

const struct custos_custody_item *
custos_custody_item(const struct custos_custody *m, const char *id)
{
    for (size_t i = 0; i < m->nitems; i++)
        if (strcmp(m->items[i].id, id) == 0)
            return &m->items[i];
    return NULL;
}

const struct custos_custody_person *
custos_custody_person(const struct custos_custody *m, const char *fp)
{
    for (size_t i = 0; i < m->npeople; i++)
        if (strcmp(m->people[i].fp, fp) == 0)
            return &m->people[i];
    return NULL;
}

const char *
custos_custody_field(const struct custos_custody_event *e, const char *name)
{
    for (size_t i = 0; i < e->nfields; i++)
        if (strcmp(e->fields[i].name, name) == 0)
            return e->fields[i].value;
    return NULL;
}

const char *
custos__custody_name(const struct custos_custody *m, const char *fp)
{
    const struct custos_custody_person *p = custos_custody_person(m, fp);
    return p != NULL ? p->name : "an unknown key";
}

const struct custos_custody_party *
custos__custody_party(const struct custos_custody_event *e, const char *as)
{
    for (size_t i = 0; i < e->nparties; i++)
        if (strcmp(e->parties[i].as, as) == 0)
            return &e->parties[i];
    return NULL;
}

void
custos_custody_free(struct custos_custody *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->nevents; i++) {
        struct custos_custody_event *e = &m->events[i];
        free(e->action);
        free(e->item);
        free(e->place);
        free(e->comment);
        free(e->text);
        for (size_t j = 0; j < e->nparties; j++) {
            free(e->parties[j].as);
            free(e->parties[j].name);
            free(e->parties[j].role);
        }
        free(e->parties);
        for (size_t j = 0; j < e->nfields; j++) {
            free(e->fields[j].name);
            free(e->fields[j].value);
        }
        free(e->fields);
    }
    for (size_t i = 0; i < m->npeople; i++) {
        struct custos_custody_person *p = &m->people[i];
        free(p->name);
        free(p->role);
        free(p->organisation);
        free(p->id_ref);
        free(p->phone);
        free(p->pub);
        free(p->revoke_reason);
    }
    for (size_t i = 0; i < m->nitems; i++) {
        struct custos_custody_item *it = &m->items[i];
        free(it->id);
        free(it->description);
        free(it->make);
        free(it->model);
        free(it->serial);
        free(it->collected_at);
        free(it->location);
        free(it->seal);
        free(it->events);
    }
    for (size_t i = 0; i < m->npending; i++) {
        free(m->pending[i].as);
        free(m->pending[i].name);
    }
    free(m->events);
    free(m->people);
    free(m->items);
    free(m->pending);
    free(m->path);
    free(m->case_id);
    free(m->authorisation);
    free(m->ledger_id);
    free(m->origin);
    free(m->place);
    free(m->close_reason);
    free(m->checkpoint);
    free(m->checkpoint_text);
    free(m->bytes);
    custos_ledger_report_free(m->report);
    free(m);
}

static struct custos_custody_item *
item_mut(struct custos_custody *m, const char *id)
{
    return (struct custos_custody_item *)custos_custody_item(m, id);
}

static int
set_str(char **dst, const char *src)
{
    if (src == NULL)
        return 0;
    char *d = strdup(src);
    if (d == NULL)
        return -1;
    free(*dst);
    *dst = d;
    return 0;
}

/* The key of the party of e who signed as as, or NULL. */
static const char *
cap_fp(const struct custos_custody_event *e, const char *as)
{
    const struct custos_custody_party *p = custos__custody_party(e, as);
    return p != NULL ? p->fp : NULL;
}

/* The event's parties, and the people an open or enroll entry enrols. */
static int
add_parties(struct custos_custody *m, struct custos_custody_event *e,
            const struct custos_ledger_entry *le)
{
    e->parties = calloc(le->nparties ? le->nparties : 1, sizeof(*e->parties));
    if (e->parties == NULL)
        return CUSTOS_E_NOMEM;
    for (size_t i = 0; i < le->nparties; i++) {
        const struct custos_ledger_entry_party *p = &le->parties[i];
        struct custos_custody_party *cp = &e->parties[e->nparties++];
        cp->attest = CUSTOS_CUSTODY_NONE;
        snprintf(cp->fp, sizeof(cp->fp), "%s", p->fp);
        cp->as = dupn(p->as);
        cp->name = dupn(p->name);
        if (cp->as == NULL || cp->name == NULL)
            return CUSTOS_E_NOMEM;
        cp->sig = p->signed_ ? CUSTOS_CUSTODY_SIGNED : CUSTOS_CUSTODY_OWED;
        if (p->role != NULL && p->pub != NULL && custos_custody_person(m, cp->fp) == NULL) {
            void *np_ = realloc(m->people, (m->npeople + 1) * sizeof(*m->people));
            if (np_ == NULL)
                return CUSTOS_E_NOMEM;
            m->people = np_;
            struct custos_custody_person *per = &m->people[m->npeople++];
            memset(per, 0, sizeof(*per));
            snprintf(per->fp, sizeof(per->fp), "%s", cp->fp);
            per->enrolled = e->seq;
            snprintf(per->enrolled_time, sizeof(per->enrolled_time), "%s", e->time);
            per->revoked = CUSTOS_CUSTODY_NONE;
            per->name = dupn(cp->name);
            per->role = dupn(p->role);
            per->pub = dupn(p->pub);
            if (per->name == NULL || per->role == NULL || per->pub == NULL ||
                set_str(&per->organisation, custos_ledger_entry_field(le, "organisation")) != 0 ||
                set_str(&per->id_ref, custos_ledger_entry_field(le, "id_ref")) != 0 ||
                set_str(&per->phone, custos_ledger_entry_field(le, "phone")) != 0)
                return CUSTOS_E_NOMEM;
        }
        const struct custos_custody_person *per = custos_custody_person(m, cp->fp);
        if ((cp->role = dupn(per != NULL ? per->role : "")) == NULL)
            return CUSTOS_E_NOMEM;
    }
    return CUSTOS_OK;
}

/* The action's own fields, as text (item, place and comment have their own members). */
static int
add_fields(struct custos_custody_event *e, const struct custos_ledger_entry *le)
{
    e->fields = calloc(le->nfields ? le->nfields : 1, sizeof(*e->fields));
    if (e->fields == NULL)
        return CUSTOS_E_NOMEM;
    for (size_t i = 0; i < le->nfields; i++) {
        const char *k = le->fields[i].name;
        if (strcmp(k, "item") == 0 || strcmp(k, "place") == 0 || strcmp(k, "comment") == 0)
            continue;
        struct custos_custody_field *f = &e->fields[e->nfields++];
        f->name = dupn(k);
        f->value = dupn(le->fields[i].value);
        if (f->name == NULL || f->value == NULL)
            return CUSTOS_E_NOMEM;
    }
    return CUSTOS_OK;
}

/* collect: a new item, held by its custodian, where it was found. */
static int
collect_item(struct custos_custody *m, const struct custos_custody_event *e,
             const struct custos_ledger_entry *le, struct custos_custody_item **out)
{
    void *ni_ = realloc(m->items, (m->nitems + 1) * sizeof(*m->items));
    if (ni_ == NULL)
        return CUSTOS_E_NOMEM;
    m->items = ni_;
    struct custos_custody_item *item = &m->items[m->nitems++];
    *out = item;
    memset(item, 0, sizeof(*item));
    item->collected = e->seq;
    item->disposed = CUSTOS_CUSTODY_NONE;
    snprintf(item->collected_time, sizeof(item->collected_time), "%s", e->time);
    const char *hfp = cap_fp(e, "custodian");
    snprintf(item->holder, sizeof(item->holder), "%s", hfp != NULL ? hfp : "");
    const char *loc = custos_ledger_entry_field(le, "location");
    if (loc == NULL)
        loc = e->place;
    if ((item->id = dupn(e->item)) == NULL ||
        set_str(&item->description, custos_ledger_entry_field(le, "description")) != 0 ||
        set_str(&item->make, custos_ledger_entry_field(le, "make")) != 0 ||
        set_str(&item->model, custos_ledger_entry_field(le, "model")) != 0 ||
        set_str(&item->serial, custos_ledger_entry_field(le, "serial")) != 0 ||
        set_str(&item->collected_at, loc) != 0 || set_str(&item->location, loc) != 0)
        return CUSTOS_E_NOMEM;
    return CUSTOS_OK;
}

/* What open, revoke, attest and close do to the case and its people. */
static int
apply_case(struct custos_custody *m, const struct custos_custody_event *e,
           const struct custos_ledger_entry *le)
{
    const char *a = e->action;
    if (strcmp(a, CUSTOS_ACTION_OPEN) == 0) {
        char origin[128];
        const char *lid = custos_ledger_entry_field(le, "ledger");
        const char *rd = custos_ledger_entry_field(le, "report_due");
        const char *vd = custos_ledger_entry_field(le, "recovery_due");
        const char *lv = custos_ledger_entry_field(le, "level");
        m->level = lv != NULL ? atoi(lv) : 0;
        snprintf(m->opened, sizeof(m->opened), "%s", e->time);
        snprintf(m->report_due, sizeof(m->report_due), "%s", rd != NULL ? rd : "");
        snprintf(m->recovery_due, sizeof(m->recovery_due), "%s", vd != NULL ? vd : "");
        snprintf(origin, sizeof(origin), "%s%s", CUSTOS_LEDGER_ORIGIN_PREFIX, lid);
        if (set_str(&m->case_id, custos_ledger_entry_field(le, "case")) != 0 ||
            set_str(&m->authorisation, custos_ledger_entry_field(le, "authorisation")) != 0 ||
            set_str(&m->ledger_id, lid) != 0 || set_str(&m->origin, origin) != 0 ||
            set_str(&m->place, e->place) != 0)
            return CUSTOS_E_NOMEM;
    } else if (strcmp(a, CUSTOS_ACTION_REVOKE) == 0) {
        const char *k = custos_ledger_entry_field(le, "key");
        for (size_t i = 0; k != NULL && i < m->npeople; i++)
            if (strcmp(m->people[i].fp, k) == 0 && m->people[i].revoked == CUSTOS_CUSTODY_NONE) {
                m->people[i].revoked = e->seq;
                snprintf(m->people[i].revoked_time, sizeof(m->people[i].revoked_time), "%s",
                         e->time);
                if (set_str(&m->people[i].revoke_reason, custos_ledger_entry_field(le, "reason")) !=
                    0)
                    return CUSTOS_E_NOMEM;
            }
    } else if (strcmp(a, CUSTOS_ACTION_ATTEST) == 0 && e->nparties > 0) {
        const char *tv = custos_ledger_entry_field(le, "target");
        long long tg = tv != NULL ? strtoll(tv, NULL, 10) : -1;
        if (tg >= 0 && (size_t)tg < m->nevents - 1) {
            struct custos_custody_event *t = &m->events[tg];
            for (size_t j = 0; j < t->nparties; j++)
                if (strcmp(t->parties[j].fp, e->parties[0].fp) == 0 &&
                    t->parties[j].sig == CUSTOS_CUSTODY_OWED) {
                    t->parties[j].sig = CUSTOS_CUSTODY_ATTESTED;
                    t->parties[j].attest = e->seq;
                }
        }
    } else if (strcmp(a, CUSTOS_ACTION_CLOSE) == 0) {
        m->closed = e->seq;
        snprintf(m->closed_time, sizeof(m->closed_time), "%s", e->time);
        if (set_str(&m->close_reason, custos_ledger_entry_field(le, "reason")) != 0)
            return CUSTOS_E_NOMEM;
    }
    return CUSTOS_OK;
}

/* What an act does to its item: collect, transfer, store, seal, access, dispose. */
static int
apply_item(struct custos_custody *m, const struct custos_custody_event *e,
           const struct custos_ledger_entry *le, struct custos_custody_item **itemp)
{
    const char *a = e->action;
    struct custos_custody_item *item = *itemp;
    if (strcmp(a, CUSTOS_ACTION_COLLECT) == 0 && item == NULL && e->item != NULL)
        return collect_item(m, e, le, itemp);
    if (item == NULL)
        return CUSTOS_OK;
    if (strcmp(a, CUSTOS_ACTION_TRANSFER) == 0) {
        const char *r = cap_fp(e, "receiver");
        if (r != NULL)
            snprintf(item->holder, sizeof(item->holder), "%s", r);
        /* Where it is now is wherever the receiver takes it; a place is the handover's. */
        free(item->location);
        item->location = NULL;
        if (set_str(&item->location, e->place) != 0)
            return CUSTOS_E_NOMEM;
    } else if (strcmp(a, CUSTOS_ACTION_STORE) == 0) {
        if (set_str(&item->location, custos_ledger_entry_field(le, "location")) != 0)
            return CUSTOS_E_NOMEM;
        item->checked_out = 0;
    } else if (strcmp(a, CUSTOS_ACTION_SEAL) == 0) {
        if (set_str(&item->seal, custos_ledger_entry_field(le, "seal")) != 0)
            return CUSTOS_E_NOMEM;
    } else if (strcmp(a, CUSTOS_ACTION_ACCESS) == 0) {
        const char *d = custos_ledger_entry_field(le, "direction");
        item->checked_out = d != NULL && strcmp(d, "out") == 0;
    } else if (strcmp(a, CUSTOS_ACTION_DISPOSE) == 0) {
        item->disposed = e->seq;
    }
    return CUSTOS_OK;
}

/* The act and recording times for display, in the offset the act time was given in. */
static void
event_times(struct custos_custody_event *e, const struct custos_ledger_entry *le)
{
    int off = 0;
    int64_t t = 0;
    if (le->time_offset != NULL && custos_time_offset_parse(le->time_offset, &off) == CUSTOS_OK)
        snprintf(e->time_offset, sizeof(e->time_offset), "%s", le->time_offset);
    else
        off = 0;
    if (custos_time_rfc3339_parse(le->time, 0, &t, NULL) != CUSTOS_OK ||
        custos_time_rfc3339_format_local(t, off, e->local) != CUSTOS_OK)
        snprintf(e->local, sizeof(e->local), "%s", le->time);
    if (le->recorded != NULL) {
        snprintf(e->recorded, sizeof(e->recorded), "%s", le->recorded);
        if (custos_time_rfc3339_parse(le->recorded, 0, &t, NULL) != CUSTOS_OK ||
            custos_time_rfc3339_format_local(t, off, e->recorded_local) != CUSTOS_OK)
            snprintf(e->recorded_local, sizeof(e->recorded_local), "%s", le->recorded);
    }
    e->late = le->late;
}

int
custos__custody_add(struct custos_custody *m, size_t *cap_events,
                    const struct custos_ledger_entry *le)
{
    if (grow((void **)&m->events, cap_events, m->nevents, sizeof(*m->events)) != 0)
        return CUSTOS_E_NOMEM;
    struct custos_custody_event *e = &m->events[m->nevents++];
    memset(e, 0, sizeof(*e));
    snprintf(e->sha256, sizeof(e->sha256), "%s", le->sha256);
    e->seq = le->seq;
    snprintf(e->time, sizeof(e->time), "%s", le->time);
    event_times(e, le);
    if ((e->action = dupn(le->action)) == NULL || set_str(&e->item, le->item) != 0 ||
        set_str(&e->place, custos_ledger_entry_field(le, "place")) != 0 ||
        set_str(&e->comment, custos_ledger_entry_field(le, "comment")) != 0 ||
        add_parties(m, e, le) != CUSTOS_OK || add_fields(e, le) != CUSTOS_OK)
        return CUSTOS_E_NOMEM;
    struct custos_custody_item *item = e->item != NULL ? item_mut(m, e->item) : NULL;
    if (item != NULL)
        snprintf(e->holder_before, sizeof(e->holder_before), "%s", item->holder);
    if (apply_case(m, e, le) != CUSTOS_OK || apply_item(m, e, le, &item) != CUSTOS_OK)
        return CUSTOS_E_NOMEM;
    if (item != NULL) {
        snprintf(e->holder_after, sizeof(e->holder_after), "%s", item->holder);
        size_t *ev = realloc(item->events, (item->nevents + 1) * sizeof(*ev));
        if (ev == NULL)
            return CUSTOS_E_NOMEM;
        item->events = ev;
        item->events[item->nevents++] = m->nevents - 1;
    }
    return CUSTOS_OK;
}

int
custos__custody_finish(struct custos_custody *m)
{
    size_t cap = 0;
    for (size_t i = 0; i < m->nevents; i++) {
        struct custos_custody_event *e = &m->events[i];
        for (size_t j = 0; j < e->nparties; j++) {
            if (e->parties[j].sig != CUSTOS_CUSTODY_OWED)
                continue;
            if (grow((void **)&m->pending, &cap, m->npending, sizeof(*m->pending)) != 0)
                return CUSTOS_E_NOMEM;
            struct custos_custody_pending *p = &m->pending[m->npending++];
            p->seq = e->seq;
            snprintf(p->fp, sizeof(p->fp), "%s", e->parties[j].fp);
            p->as = dupn(e->parties[j].as);
            p->name = dupn(e->parties[j].name);
            if (p->as == NULL || p->name == NULL)
                return CUSTOS_E_NOMEM;
        }
    }
    return CUSTOS_OK;
}
