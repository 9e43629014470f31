/* SPDX-License-Identifier: ISC */
/*
 * ledger_state.c: the state that replaying a ledger builds (who is
 * enrolled, who holds which item, which signatures are owed, the hash of
 * every line and the Merkle tree over them), findings, and the strict
 * helpers every part of the ledger parses with.
 *
 * A handle's state is whole: it keeps every line hash and leaf, which
 * appending an attest, proofs and checkpoints of any size read. A
 * verification's is flat: the compact Merkle range (merkle_private.h) with
 * the roots at the checkpoints' sizes taken as replay passes them, and the
 * line hash of an entry only while it owes a signature (struct pending), so
 * that reading a ledger of any length keeps the same few KiB of tree.
 */
#include "custos/timefmt.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custos/digest.h"
#include "ledger_private.h"

void
custos__ledger_state_free(struct state *s)
{
    for (size_t i = 0; i < s->npeople; i++)
        custos_key_free(s->people[i].pub);
    for (size_t i = 0; i < s->nitems; i++)
        free(s->items[i].id);
    free(s->people);
    free(s->items);
    free(s->item_slots);
    free(s->pend);
    free(s->hashes);
    free(s->late);
    free(s->later);
    custos_merkle_free(s->tree);
    memset(s, 0, sizeof(*s));
}

int
custos__ledger_state_init(struct state *s, int whole)
{
    memset(s, 0, sizeof(*s));
    s->whole = whole;
    custos__merkle_compact_init(&s->range);
    return whole ? custos_merkle_new(&s->tree, NULL) : CUSTOS_OK;
}

void
custos__ledger_want_roots(struct state *s)
{
    while (s->next_want < s->nwant && s->want[s->next_want] <= s->n) {
        if (s->want[s->next_want] == s->n)
            custos__merkle_compact_root(&s->range, s->want_root[s->next_want]);
        s->next_want++;
    }
}

int
custos__ledger_root(const struct state *s, uint64_t n, uint8_t root[32])
{
    if (s->whole)
        return custos_merkle_root(s->tree, n, root) == CUSTOS_OK ? 0 : -1;
    if (n == s->n) {
        custos__merkle_compact_root(&s->range, root);
        return 0;
    }
    for (size_t i = 0; i < s->next_want; i++)
        if (s->want[i] == n) {
            memcpy(root, s->want_root[i], 32);
            return 0;
        }
    return -1;
}

int
custos__ledger_grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap < 16 ? 16 : *cap * 2;
    void *p = realloc(*v, c * size);
    if (p == NULL)
        return -1;
    *v = p;
    *cap = c;
    return 0;
}

struct person *
custos__ledger_person(struct state *s, const char *fp)
{
    for (size_t i = 0; i < s->npeople; i++)
        if (strcmp(s->people[i].fp, fp) == 0)
            return &s->people[i];
    return NULL;
}

static size_t
item_hash(const char *id)
{
    size_t h = 1469598103934665603u; /* FNV-1a */
    for (; *id != '\0'; id++)
        h = (h ^ (unsigned char)*id) * 1099511628211u;
    return h;
}

/* Items are looked up by id on most entries: a hash index keeps replay linear. */
struct item *
custos__ledger_item(struct state *s, const char *id)
{
    if (s->nslots == 0)
        return NULL;
    for (size_t i = item_hash(id) & (s->nslots - 1);; i = (i + 1) & (s->nslots - 1)) {
        size_t v = s->item_slots[i];
        if (v == 0)
            return NULL;
        if (strcmp(s->items[v - 1].id, id) == 0)
            return &s->items[v - 1];
    }
}

int
custos__ledger_item_index(struct state *s)
{
    if (s->nitems * 2 > s->nslots) {
        size_t n = s->nslots == 0 ? 64 : s->nslots * 2;
        size_t *v = calloc(n, sizeof(*v));
        if (v == NULL)
            return -1;
        free(s->item_slots);
        s->item_slots = v;
        s->nslots = n;
        for (size_t k = 0; k + 1 < s->nitems; k++) {
            size_t i = item_hash(s->items[k].id) & (n - 1);
            while (v[i] != 0)
                i = (i + 1) & (n - 1);
            v[i] = k + 1;
        }
    }
    size_t i = item_hash(s->items[s->nitems - 1].id) & (s->nslots - 1);
    while (s->item_slots[i] != 0)
        i = (i + 1) & (s->nslots - 1);
    s->item_slots[i] = s->nitems;
    return 0;
}

const char *
custos__ledger_who(struct state *s, const char *fp)
{
    struct person *p = custos__ledger_person(s, fp);
    return p != NULL ? p->name : "an unknown key";
}

int
custos__ledger_finding(struct finding_list *f, uint64_t seq, int status, const char *fmt, ...)
{
    if (custos__ledger_grow((void **)&f->v, &f->cap, f->n, sizeof(*f->v)) != 0)
        return CUSTOS_E_NOMEM;
    struct custos_ledger_finding *x = &f->v[f->n++];
    x->seq = seq;
    x->status = status;
    int w = snprintf(x->message, sizeof(x->message), "entry %" PRIu64 ": ", seq);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->message + w, sizeof(x->message) - (size_t)w, fmt, ap);
    va_end(ap);
    return status;
}

/* ---- strict parsing helpers ---- */

int
custos__ledger_is_hex64(const char *s)
{
    return s != NULL && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* RFC 3339 UTC with seconds, "YYYY-MM-DDTHH:MM:SSZ", a real date. */
int
custos__ledger_parse_time(const char *s, time_t *out)
{
    int64_t t = 0;
    if (custos_time_rfc3339_parse(s, CUSTOS_TIME_CANONICAL, &t, NULL) != CUSTOS_OK)
        return -1;
    if (out != NULL)
        *out = (time_t)t;
    return 0;
}

int
custos__ledger_act_time(const char *given, time_t now, char utc[24], char offset[8],
                        char recorded[24])
{
    int64_t t = 0;
    uint32_t ns = 0;
    int off = 0;
    /* The ledger keeps whole seconds: a fraction is refused, never rounded. */
    if (custos_time_rfc3339_parse_local(given, &t, &ns, &off) != CUSTOS_OK || ns != 0 || t < 0 ||
        t > 253402300799LL)
        return -1;
    custos__ledger_format_time((time_t)t, utc, 24);
    offset[0] = '\0';
    if (off != 0)
        custos_time_offset_format(off, offset);
    recorded[0] = '\0';
    if ((time_t)t < now)
        custos__ledger_format_time(now, recorded, 24);
    return 0;
}

void
custos__ledger_format_time(time_t t, char *buf, size_t len)
{
    char b[CUSTOS_TIME_RFC3339_SIZE];
    custos_time_rfc3339_format((int64_t)t, 0, b);
    size_t n = strlen(b) < len ? strlen(b) : len - 1; /* 20 bytes: whole seconds */
    memcpy(buf, b, n);
    buf[n] = '\0';
}

char *
custos__ledger_dump(const json_t *j)
{
    return json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

void
custos__ledger_head_hex(const struct state *s, char out[65])
{
    if (s->n == 0)
        memset(out, '0', 64), out[64] = '\0';
    else
        custos_hex_encode(s->head, 32, out);
}
