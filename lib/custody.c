/* SPDX-License-Identifier: ISC */
/*
 * custody.c: the custody model of a case, built from a verified ledger.
 *
 * custos_ledger_verify() decides whether the ledger can be trusted; this
 * file only reads what it accepted. The ledger is verified first, then read
 * once into memory, and the model is built from the first report->entries
 * lines of those bytes; the hash of the last line must equal the verified
 * head, so the model describes exactly the bytes that verified even if the
 * file grew (or was swapped) in between.
 *
 * Invariants:
 *   1. A model exists only for a ledger whose verification status is
 *      CUSTOS_OK or CUSTOS_E_INCOMPLETE (late signatures owed).
 *   2. Item custody follows the rules ledger.c enforces (collect gives the
 *      item to its custodian, transfer to the receiver), so the holder shown
 *      is the holder the verifier checked every later act against.
 *   3. Every event keeps the SHA-256 of its line, so a reader of a report can
 *      find the exact entry it came from.
 */
#include "custos/custody.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "custos/digest.h"
#include "custody_private.h"
#include "fsutil_private.h"
#include "key_private.h" /* custos__read_small_file */

static char *
dupn(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

static const char *
sget(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
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

static const char *
cap_fp(const struct custos_custody_event *e, const char *as)
{
    for (size_t i = 0; i < e->nparties; i++)
        if (strcmp(e->parties[i].as, as) == 0)
            return e->parties[i].fp;
    return NULL;
}

/* Parses one verified line into event e (already zeroed) and applies it to m. */
static int
add_event(struct custos_custody *m, const char *line, size_t len)
{
    const char *tab = memchr(line, '\t', len);
    size_t blen = tab != NULL ? (size_t)(tab - line) : len;
    json_error_t je;
    json_t *root = json_loadb(line, blen, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        return CUSTOS_E_CORRUPT; /* verified lines always parse */
    struct custos_custody_event *e = &m->events[m->nevents++];
    memset(e, 0, sizeof(*e));
    uint8_t h[32];
    EVP_Digest(line, len, h, NULL, EVP_sha256(), NULL);
    custos_hex_encode(h, 32, e->sha256);
    e->seq = (uint64_t)json_integer_value(json_object_get(root, "seq"));
    snprintf(e->time, sizeof(e->time), "%s", sget(root, "time") ? sget(root, "time") : "");
    int rc = CUSTOS_E_NOMEM;
    if ((e->action = dupn(sget(root, "action"))) == NULL)
        goto out;
    if (set_str(&e->item, sget(root, "item")) != 0 ||
        set_str(&e->place, sget(root, "place")) != 0 ||
        set_str(&e->comment, sget(root, "comment")) != 0)
        goto out;

    /* Parties, and which of them signed on this line. */
    json_t *parties = json_object_get(root, "parties");
    size_t np = json_array_size(parties);
    e->parties = calloc(np ? np : 1, sizeof(*e->parties));
    if (e->parties == NULL)
        goto out;
    for (size_t i = 0; i < np; i++) {
        json_t *p = json_array_get(parties, i);
        struct custos_custody_party *cp = &e->parties[e->nparties++];
        cp->attest = CUSTOS_CUSTODY_NONE;
        snprintf(cp->fp, sizeof(cp->fp), "%s", sget(p, "key") ? sget(p, "key") : "");
        cp->as = dupn(sget(p, "as"));
        cp->name = dupn(sget(p, "name"));
        if (cp->as == NULL || cp->name == NULL)
            goto out;
        /* A token is "FP:SIG"; the fingerprint is enough to know who signed. */
        cp->sig = CUSTOS_CUSTODY_OWED;
        for (const char *t = tab; t != NULL && t < line + len;) {
            const char *next = memchr(t + 1, '\t', (size_t)(line + len - t - 1));
            if (line + len - t > 65 && strncmp(t + 1, cp->fp, 64) == 0 && t[65] == ':')
                cp->sig = CUSTOS_CUSTODY_SIGNED;
            t = next;
        }
        /* Enrolment: open and enroll carry the new key's role and pub. */
        const char *role = sget(p, "role"), *pub = sget(p, "pub");
        if (role != NULL && pub != NULL && custos_custody_person(m, cp->fp) == NULL) {
            void *np_ = realloc(m->people, (m->npeople + 1) * sizeof(*m->people));
            if (np_ == NULL)
                goto out;
            m->people = np_;
            struct custos_custody_person *per = &m->people[m->npeople++];
            memset(per, 0, sizeof(*per));
            snprintf(per->fp, sizeof(per->fp), "%s", cp->fp);
            per->enrolled = e->seq;
            snprintf(per->enrolled_time, sizeof(per->enrolled_time), "%s", e->time);
            per->revoked = CUSTOS_CUSTODY_NONE;
            per->name = dupn(cp->name);
            per->role = dupn(role);
            per->pub = dupn(pub);
            if (per->name == NULL || per->role == NULL || per->pub == NULL ||
                set_str(&per->organisation, sget(root, "organisation")) != 0 ||
                set_str(&per->id_ref, sget(root, "id_ref")) != 0 ||
                set_str(&per->phone, sget(root, "phone")) != 0)
                goto out;
        }
        const struct custos_custody_person *per = custos_custody_person(m, cp->fp);
        if ((cp->role = dupn(per != NULL ? per->role : "")) == NULL)
            goto out;
    }

    /* The action's own fields, as text. */
    {
        size_t nf = json_object_size(root);
        e->fields = calloc(nf ? nf : 1, sizeof(*e->fields));
        if (e->fields == NULL)
            goto out;
        void *it = json_object_iter(root);
        for (int i = 0; i < 6 && it != NULL; i++)
            it = json_object_iter_next(root, it);
        for (; it != NULL; it = json_object_iter_next(root, it)) {
            const char *k = json_object_iter_key(it);
            json_t *v = json_object_iter_value(it);
            if (strcmp(k, "item") == 0 || strcmp(k, "place") == 0 || strcmp(k, "comment") == 0)
                continue;
            char num[32];
            const char *sv = json_string_value(v);
            if (json_is_integer(v)) {
                snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
                sv = num;
            }
            if (sv == NULL)
                continue;
            struct custos_custody_field *f = &e->fields[e->nfields];
            f->name = dupn(k);
            f->value = dupn(sv);
            e->nfields++;
            if (f->name == NULL || f->value == NULL)
                goto out;
        }
    }

    /* Apply the act to the case, its people and its items. */
    const char *a = e->action;
    struct custos_custody_item *item = e->item != NULL ? item_mut(m, e->item) : NULL;
    if (item != NULL)
        snprintf(e->holder_before, sizeof(e->holder_before), "%s", item->holder);
    if (strcmp(a, CUSTOS_ACTION_OPEN) == 0) {
        char origin[128];
        m->level = (int)json_integer_value(json_object_get(root, "level"));
        snprintf(m->opened, sizeof(m->opened), "%s", e->time);
        snprintf(m->report_due, sizeof(m->report_due), "%s", sget(root, "report_due"));
        snprintf(m->recovery_due, sizeof(m->recovery_due), "%s", sget(root, "recovery_due"));
        snprintf(origin, sizeof(origin), "%s%s", CUSTOS_LEDGER_ORIGIN_PREFIX, sget(root, "ledger"));
        if (set_str(&m->case_id, sget(root, "case")) != 0 ||
            set_str(&m->authorisation, sget(root, "authorisation")) != 0 ||
            set_str(&m->ledger_id, sget(root, "ledger")) != 0 || set_str(&m->origin, origin) != 0 ||
            set_str(&m->place, e->place) != 0)
            goto out;
    } else if (strcmp(a, CUSTOS_ACTION_COLLECT) == 0 && item == NULL && e->item != NULL) {
        void *ni_ = realloc(m->items, (m->nitems + 1) * sizeof(*m->items));
        if (ni_ == NULL)
            goto out;
        m->items = ni_;
        item = &m->items[m->nitems++];
        memset(item, 0, sizeof(*item));
        item->collected = e->seq;
        item->disposed = CUSTOS_CUSTODY_NONE;
        snprintf(item->collected_time, sizeof(item->collected_time), "%s", e->time);
        const char *hfp = cap_fp(e, "custodian");
        snprintf(item->holder, sizeof(item->holder), "%s", hfp != NULL ? hfp : "");
        const char *loc = sget(root, "location") ? sget(root, "location") : e->place;
        if ((item->id = dupn(e->item)) == NULL ||
            set_str(&item->description, sget(root, "description")) != 0 ||
            set_str(&item->make, sget(root, "make")) != 0 ||
            set_str(&item->model, sget(root, "model")) != 0 ||
            set_str(&item->serial, sget(root, "serial")) != 0 ||
            set_str(&item->collected_at, loc) != 0 || set_str(&item->location, loc) != 0)
            goto out;
    } else if (strcmp(a, CUSTOS_ACTION_TRANSFER) == 0 && item != NULL) {
        const char *r = cap_fp(e, "receiver");
        if (r != NULL)
            snprintf(item->holder, sizeof(item->holder), "%s", r);
        /* Where it is now is wherever the receiver takes it; a place is the handover's. */
        free(item->location);
        item->location = NULL;
        if (set_str(&item->location, e->place) != 0)
            goto out;
    } else if (strcmp(a, CUSTOS_ACTION_STORE) == 0 && item != NULL) {
        if (set_str(&item->location, sget(root, "location")) != 0)
            goto out;
        item->checked_out = 0;
    } else if (strcmp(a, CUSTOS_ACTION_SEAL) == 0 && item != NULL) {
        if (set_str(&item->seal, sget(root, "seal")) != 0)
            goto out;
    } else if (strcmp(a, CUSTOS_ACTION_ACCESS) == 0 && item != NULL) {
        const char *d = sget(root, "direction");
        item->checked_out = d != NULL && strcmp(d, "out") == 0;
    } else if (strcmp(a, CUSTOS_ACTION_DISPOSE) == 0 && item != NULL) {
        item->disposed = e->seq;
    } else if (strcmp(a, CUSTOS_ACTION_REVOKE) == 0) {
        const char *k = sget(root, "key");
        for (size_t i = 0; k != NULL && i < m->npeople; i++)
            if (strcmp(m->people[i].fp, k) == 0 && m->people[i].revoked == CUSTOS_CUSTODY_NONE) {
                m->people[i].revoked = e->seq;
                snprintf(m->people[i].revoked_time, sizeof(m->people[i].revoked_time), "%s",
                         e->time);
                if (set_str(&m->people[i].revoke_reason, sget(root, "reason")) != 0)
                    goto out;
            }
    } else if (strcmp(a, CUSTOS_ACTION_ATTEST) == 0 && e->nparties > 0) {
        json_int_t tg = json_integer_value(json_object_get(root, "target"));
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
        if (set_str(&m->close_reason, sget(root, "reason")) != 0)
            goto out;
    }
    if (item != NULL) {
        snprintf(e->holder_after, sizeof(e->holder_after), "%s", item->holder);
        size_t *ev = realloc(item->events, (item->nevents + 1) * sizeof(*ev));
        if (ev == NULL)
            goto out;
        item->events = ev;
        item->events[item->nevents++] = m->nevents - 1;
    }
    rc = CUSTOS_OK;
out:
    json_decref(root);
    return rc;
}

/* Signatures still owed after the whole ledger, and each event's sentence. */
static int
finish(struct custos_custody *m)
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
    for (size_t i = 0; i < m->nevents; i++)
        if ((m->events[i].text = custos__custody_sentence(m, &m->events[i])) == NULL)
            return CUSTOS_E_NOMEM;
    return CUSTOS_OK;
}

static int
read_all(const char *path, char **buf, size_t *len, struct custos_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot open the ledger");
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return custos_error_set(err, CUSTOS_E_IO, e, path, "cannot stat the ledger");
    }
    char *b = malloc((size_t)sb.st_size + 1);
    if (b == NULL) {
        close(fd);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    }
    long long got = custos__pread_full(fd, b, (size_t)sb.st_size, 0);
    int e = errno;
    close(fd);
    if (got < 0) {
        free(b);
        return custos_error_set(err, CUSTOS_E_IO, e, path, "cannot read the ledger");
    }
    b[got] = '\0';
    *buf = b;
    *len = (size_t)got;
    return CUSTOS_OK;
}

int
custos_custody_load(struct custos_custody **out, const char *path, const char *checkpoint,
                    const struct custos_progress *progress, struct custos_error *err)
{
    *out = NULL;
    struct custos_ledger_report *r = NULL;
    int rc = custos_ledger_verify(path, checkpoint, progress, &r, err);
    if (r == NULL)
        return rc;
    if (r->status != CUSTOS_OK && r->status != CUSTOS_E_INCOMPLETE) {
        size_t worst = 0;
        for (size_t i = 0; i < r->nfindings; i++)
            if (r->findings[i].status == r->status) {
                worst = i;
                break;
            }
        rc = custos_error_set(err, r->status, 0, path,
                              "%s (%zu finding%s; custos-ledger verify lists them): the history "
                              "of an unverified ledger is not shown",
                              r->findings[worst].message, r->nfindings,
                              r->nfindings == 1 ? "" : "s");
        custos_ledger_report_free(r);
        return rc;
    }
    struct custos_custody *m = calloc(1, sizeof(*m));
    if (m == NULL) {
        custos_ledger_report_free(r);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    }
    m->report = r;
    m->closed = CUSTOS_CUSTODY_NONE;
    if ((m->path = strdup(path)) == NULL ||
        (checkpoint != NULL && (m->checkpoint = strdup(checkpoint)) == NULL)) {
        custos_custody_free(m);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    }
    rc = read_all(path, &m->bytes, &m->len, err);
    if (rc == CUSTOS_OK && checkpoint != NULL) {
        rc = custos__read_small_file(checkpoint, CUSTOS_NOTE_MAX, &m->checkpoint_text,
                                     &m->checkpoint_len, err);
        if (rc == CUSTOS_OK) {
            uint8_t h[32];
            EVP_Digest(m->checkpoint_text, m->checkpoint_len, h, NULL, EVP_sha256(), NULL);
            custos_hex_encode(h, 32, m->checkpoint_sha256);
        }
    }
    if (rc != CUSTOS_OK) {
        custos_custody_free(m);
        return rc;
    }
    m->events = calloc(r->entries ? r->entries : 1, sizeof(*m->events));
    if (m->events == NULL) {
        custos_custody_free(m);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    }
    size_t off = 0;
    for (uint64_t i = 0; i < r->entries; i++) {
        char *nl = memchr(m->bytes + off, '\n', m->len - off);
        if (nl == NULL) {
            rc = custos_error_set(
                err, CUSTOS_E_UNTRUSTED, 0, path,
                "the ledger changed while it was read (entry %" PRIu64 " is gone)", i);
            custos_custody_free(m);
            return rc;
        }
        size_t ll = (size_t)(nl - (m->bytes + off));
        rc = add_event(m, m->bytes + off, ll);
        if (rc != CUSTOS_OK) {
            custos_error_set(err, rc, 0, path,
                             rc == CUSTOS_E_NOMEM ? "out of memory"
                                                  : "the ledger changed while it was read");
            custos_custody_free(m);
            return rc;
        }
        off += ll + 1;
    }
    /* Keep exactly the verified bytes: the last line must be the verified head. */
    m->len = off;
    if (r->entries > 0 && strcmp(m->events[m->nevents - 1].sha256, r->head) != 0) {
        rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, path,
                              "the ledger changed while it was read (head differs)");
        custos_custody_free(m);
        return rc;
    }
    rc = finish(m);
    if (rc != CUSTOS_OK) {
        custos_custody_free(m);
        return custos_error_set(err, rc, 0, path, "out of memory");
    }
    *out = m;
    return r->status;
}
