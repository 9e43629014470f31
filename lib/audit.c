/* SPDX-License-Identifier: ISC */
/*
 * audit.c: the classification of audit.h, and its report (one line per
 * item, or one JSON document).
 *
 * Step 1 sorts pointers to both manifests' entries by name key and walks
 * them together (a merge join): a name in both is matched, changed or
 * unreadable; a name in one only is a missing or new candidate. Step 2
 * sorts the hashed candidates by content digest and pairs, for each digest,
 * the missing names with the new names in name order: each pair is one
 * moved item. What is left unpaired stays missing or new. Only candidates
 * take part in step 2, never matched files: a file that is gone stays
 * missing even when a copy of its content is still present under another
 * name (the mistake hashdeep makes, jessek/hashdeep#64), and duplicates that
 * are all still in place are all matched (jessek/hashdeep#386).
 */
#include "custos/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "custos/custos.h"
#include "manifest_private.h"

struct custos_audit {
    struct custos_audit_item *items;
    size_t count;
    struct custos_audit_totals totals;
};

static int
cmp_key(const struct custos_manifest_entry *x, const struct custos_manifest_entry *y)
{
    int c = custos__entry_cmp_name(x, y);
    if (c != 0)
        return c;
    if (x->in_image) {
        /* A deleted name is told apart from a live one, and from other deleted ones by inode. */
        if (x->allocated != y->allocated)
            return x->allocated ? -1 : 1;
        if (!x->allocated && x->inode != y->inode)
            return x->inode < y->inode ? -1 : 1;
    }
    return 0;
}

static int
cmp_key_p(const void *a, const void *b)
{
    return cmp_key(*(const struct custos_manifest_entry *const *)a,
                   *(const struct custos_manifest_entry *const *)b);
}

static bool
same_content(const struct custos_manifest_entry *r, const struct custos_manifest_entry *c)
{
    if (r->type != c->type)
        return false;
    switch (r->type) {
    case CUSTOS_ENTRY_FILE:
    case CUSTOS_ENTRY_VIRTUAL:
        if (r->digest.algs == 0 && c->digest.algs == 0) /* deleted, not recovered: sizes only */
            return r->size_bytes == c->size_bytes;
        return r->size_bytes == c->size_bytes && custos_digest_equal(&r->digest, &c->digest);
    case CUSTOS_ENTRY_SYMLINK:
        return r->target_len == c->target_len &&
               (r->target_len == 0 || memcmp(r->target, c->target, r->target_len) == 0);
    case CUSTOS_ENTRY_SPECIAL:
        return (r->kind == NULL) == (c->kind == NULL) &&
               (r->kind == NULL || strcmp(r->kind, c->kind) == 0);
    case CUSTOS_ENTRY_DIRECTORY:
        return true;
    }
    return false;
}

static bool
checkable(const struct custos_manifest_entry *e)
{
    return e->status == CUSTOS_OK && e->type != CUSTOS_ENTRY_DIRECTORY;
}

static int
push(struct custos_audit *a, size_t *cap, enum custos_audit_class cls,
     const struct custos_manifest_entry *r, const struct custos_manifest_entry *c)
{
    if (a->count == *cap) {
        size_t ncap = *cap == 0 ? 64 : 2 * *cap;
        struct custos_audit_item *p = realloc(a->items, ncap * sizeof(*p));
        if (p == NULL)
            return -1;
        a->items = p;
        *cap = ncap;
    }
    a->items[a->count].cls = cls;
    a->items[a->count].ref = r;
    a->items[a->count].cur = c;
    a->count++;
    a->totals.count[cls]++;
    return 0;
}

struct cand {
    const struct custos_manifest_entry *e;
    const uint8_t *digest; /* of alg, or NULL when not hashed */
};

static int
cmp_cand(const struct cand *x, const struct cand *y, size_t dlen)
{
    int c = memcmp(x->digest, y->digest, dlen);
    if (c != 0)
        return c;
    return cmp_key(x->e, y->e);
}

static void
sort_cands(struct cand *v, size_t n, size_t dlen)
{
    /* A merge sort: qsort has no context argument to carry dlen, and globals are banned. */
    if (n < 2)
        return;
    size_t mid = n / 2;
    sort_cands(v, mid, dlen);
    sort_cands(v + mid, n - mid, dlen);
    struct cand *tmp = malloc(n * sizeof(*tmp));
    if (tmp == NULL) {
        /* Fall back to an in-place insertion sort. */
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && cmp_cand(&v[j - 1], &v[j], dlen) > 0; j--) {
                struct cand t = v[j];
                v[j] = v[j - 1];
                v[j - 1] = t;
            }
        return;
    }
    size_t i = 0, j = mid, k = 0;
    while (i < mid && j < n)
        tmp[k++] = cmp_cand(&v[i], &v[j], dlen) <= 0 ? v[i++] : v[j++];
    while (i < mid)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof(*tmp));
    free(tmp);
}

static int
cmp_item(const void *a, const void *b)
{
    const struct custos_audit_item *x = a, *y = b;
    const struct custos_manifest_entry *ex = x->ref ? x->ref : x->cur;
    const struct custos_manifest_entry *ey = y->ref ? y->ref : y->cur;
    int c = cmp_key(ex, ey);
    if (c != 0)
        return c;
    return (int)x->cls - (int)y->cls;
}

int
custos_audit_run(struct custos_audit **out, const struct custos_manifest *ref,
                 const struct custos_manifest *cur, struct custos_error *err)
{
    *out = NULL;
    unsigned alg = custos_digest_strongest(custos_manifest_algs(ref) & custos_manifest_algs(cur));
    if (alg == 0)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "the manifests share no digest algorithm");
    size_t nr = custos_manifest_count(ref), nc = custos_manifest_count(cur);
    const struct custos_manifest_entry **r = malloc((nr + 1) * sizeof(*r));
    const struct custos_manifest_entry **c = malloc((nc + 1) * sizeof(*c));
    struct cand *miss = malloc((nr + 1) * sizeof(*miss));
    struct cand *add = malloc((nc + 1) * sizeof(*add));
    struct custos_audit *a = calloc(1, sizeof(*a));
    size_t cap = 0, nmiss = 0, nadd = 0;
    if (r == NULL || c == NULL || miss == NULL || add == NULL || a == NULL)
        goto nomem;
    for (size_t i = 0; i < nr; i++)
        r[i] = custos_manifest_entry(ref, i);
    for (size_t i = 0; i < nc; i++)
        c[i] = custos_manifest_entry(cur, i);
    qsort(r, nr, sizeof(*r), cmp_key_p);
    qsort(c, nc, sizeof(*c), cmp_key_p);
    a->totals.reference = nr;
    a->totals.current = nc;

    size_t i = 0, j = 0;
    while (i < nr || j < nc) {
        int k = i == nr ? 1 : j == nc ? -1 : cmp_key(r[i], c[j]);
        if (k == 0) {
            enum custos_audit_class cls;
            if (!checkable(c[j]) || !checkable(r[i]) ||
                ((r[i]->type == CUSTOS_ENTRY_FILE || r[i]->type == CUSTOS_ENTRY_VIRTUAL) &&
                 r[i]->type == c[j]->type && (r[i]->digest.algs == 0) != (c[j]->digest.algs == 0)))
                cls = CUSTOS_AUDIT_UNREADABLE;
            else
                cls = same_content(r[i], c[j]) ? CUSTOS_AUDIT_MATCHED : CUSTOS_AUDIT_CHANGED;
            if (push(a, &cap, cls, r[i], c[j]) != 0)
                goto nomem;
            i++;
            j++;
        } else if (k < 0) {
            miss[nmiss].e = r[i];
            miss[nmiss].digest =
                custos__entry_hashed(r[i]) ? custos_digest_bytes(&r[i]->digest, alg) : NULL;
            nmiss++;
            i++;
        } else {
            if (!checkable(c[j])) {
                if (push(a, &cap, CUSTOS_AUDIT_UNREADABLE, NULL, c[j]) != 0)
                    goto nomem;
            } else {
                add[nadd].e = c[j];
                add[nadd].digest =
                    custos__entry_hashed(c[j]) ? custos_digest_bytes(&c[j]->digest, alg) : NULL;
                nadd++;
            }
            j++;
        }
    }

    /* Step 2: pair missing and new candidates of equal content. */
    size_t dlen = custos_digest_size(alg);
    size_t hm = 0, ha = 0;
    for (size_t x = 0; x < nmiss; x++)
        if (miss[x].digest != NULL)
            miss[hm++] = miss[x];
        else if (push(a, &cap, CUSTOS_AUDIT_MISSING, miss[x].e, NULL) != 0)
            goto nomem;
    for (size_t x = 0; x < nadd; x++)
        if (add[x].digest != NULL)
            add[ha++] = add[x];
        else if (push(a, &cap, CUSTOS_AUDIT_NEW, NULL, add[x].e) != 0)
            goto nomem;
    sort_cands(miss, hm, dlen);
    sort_cands(add, ha, dlen);
    i = 0;
    j = 0;
    while (i < hm || j < ha) {
        int k = i == hm ? 1 : j == ha ? -1 : memcmp(miss[i].digest, add[j].digest, dlen);
        int rc = 0;
        if (k == 0) {
            rc = push(a, &cap, CUSTOS_AUDIT_MOVED, miss[i].e, add[j].e);
            i++;
            j++;
        } else if (k < 0) {
            rc = push(a, &cap, CUSTOS_AUDIT_MISSING, miss[i].e, NULL);
            i++;
        } else {
            rc = push(a, &cap, CUSTOS_AUDIT_NEW, NULL, add[j].e);
            j++;
        }
        if (rc != 0)
            goto nomem;
    }
    if (a->count > 1)
        qsort(a->items, a->count, sizeof(a->items[0]), cmp_item);
    free(r);
    free(c);
    free(miss);
    free(add);
    *out = a;
    return CUSTOS_OK;
nomem:
    free(r);
    free(c);
    free(miss);
    free(add);
    custos_audit_free(a);
    return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
}

void
custos_audit_free(struct custos_audit *a)
{
    if (a == NULL)
        return;
    free(a->items);
    free(a);
}

size_t
custos_audit_count(const struct custos_audit *a)
{
    return a->count;
}

const struct custos_audit_item *
custos_audit_item(const struct custos_audit *a, size_t i)
{
    return i < a->count ? &a->items[i] : NULL;
}

void
custos_audit_totals(const struct custos_audit *a, struct custos_audit_totals *t)
{
    *t = a->totals;
}

int
custos_audit_status(const struct custos_audit *a)
{
    const size_t *n = a->totals.count;
    if (n[CUSTOS_AUDIT_CHANGED] || n[CUSTOS_AUDIT_MISSING] || n[CUSTOS_AUDIT_NEW] ||
        n[CUSTOS_AUDIT_MOVED])
        return CUSTOS_E_MISMATCH;
    if (n[CUSTOS_AUDIT_UNREADABLE])
        return CUSTOS_E_INCOMPLETE;
    return CUSTOS_OK;
}

const char *
custos_audit_class_name(enum custos_audit_class cls)
{
    static const char *const names[CUSTOS_AUDIT_CLASSES] = {"matched", "changed", "missing",
                                                            "new",     "moved",   "unreadable"};
    return (unsigned)cls < CUSTOS_AUDIT_CLASSES ? names[cls] : "unknown";
}

void
custos_audit_item_line(const struct custos_audit_item *it, unsigned alg, char *buf, size_t len)
{
    char a[2200], b[2200], ha[CUSTOS_DIGEST_HEX_MAX], hb[CUSTOS_DIGEST_HEX_MAX];
    buf[0] = '\0';
    switch (it->cls) {
    case CUSTOS_AUDIT_MATCHED:
        break;
    case CUSTOS_AUDIT_CHANGED:
        custos_manifest_entry_display(it->ref, a, sizeof(a));
        if (it->ref->type != it->cur->type)
            snprintf(buf, len, "changed: %s (was a %s, now a %s)", a,
                     custos_entry_type_name(it->ref->type), custos_entry_type_name(it->cur->type));
        else if (custos_digest_hex(&it->ref->digest, alg, ha) == CUSTOS_OK &&
                 custos_digest_hex(&it->cur->digest, alg, hb) == CUSTOS_OK)
            snprintf(buf, len,
                     "changed: %s (content differs: %s was %s, now %s; size was %llu, now %llu)", a,
                     custos_digest_name(alg), ha, hb, (unsigned long long)it->ref->size_bytes,
                     (unsigned long long)it->cur->size_bytes);
        else
            snprintf(buf, len, "changed: %s", a);
        break;
    case CUSTOS_AUDIT_MISSING:
        custos_manifest_entry_display(it->ref, a, sizeof(a));
        snprintf(buf, len, "missing: %s", a);
        break;
    case CUSTOS_AUDIT_NEW:
        custos_manifest_entry_display(it->cur, a, sizeof(a));
        snprintf(buf, len, "new: %s", a);
        break;
    case CUSTOS_AUDIT_MOVED:
        custos_manifest_entry_display(it->ref, a, sizeof(a));
        custos_manifest_entry_display(it->cur, b, sizeof(b));
        snprintf(buf, len, "moved: %s -> %s", a, b);
        break;
    case CUSTOS_AUDIT_UNREADABLE:
        custos_manifest_entry_display(it->ref != NULL ? it->ref : it->cur, a, sizeof(a));
        if (it->cur != NULL && it->cur->error != NULL)
            snprintf(buf, len, "unreadable: %s (%s)", a, it->cur->error);
        else
            snprintf(buf, len, "unreadable: %s (the manifest holds no digest for it)", a);
        break;
    }
}

/* An entry as the JSON report shows it. */
static json_t *
entry_brief(const struct custos_manifest_entry *e)
{
    char name[2200], hex[CUSTOS_DIGEST_HEX_MAX];
    json_t *o = json_object();
    custos_manifest_entry_display(e, name, sizeof(name));
    json_object_set_new(o, "path", json_string(name));
    json_object_set_new(o, "type", json_string(custos_entry_type_name(e->type)));
    json_object_set_new(o, "size", json_integer((json_int_t)e->size_bytes));
    static const unsigned algs[] = {CUSTOS_DIGEST_MD5, CUSTOS_DIGEST_SHA1, CUSTOS_DIGEST_SHA256};
    for (size_t i = 0; i < 3; i++)
        if (custos_digest_hex(&e->digest, algs[i], hex) == CUSTOS_OK)
            json_object_set_new(o, custos_digest_name(algs[i]), json_string(hex));
    if (e->error != NULL)
        json_object_set_new(o, "error", json_string(e->error));
    return o;
}

int
custos_audit_report_json(const struct custos_audit *a, int status, const char *manifest,
                         char **json)
{
    struct custos_audit_totals t;
    custos_audit_totals(a, &t);
    json_t *doc = json_object(), *items = json_array(), *tot = json_object();
    for (size_t i = 0; i < custos_audit_count(a); i++) {
        const struct custos_audit_item *it = custos_audit_item(a, i);
        json_t *j = json_object();
        json_object_set_new(j, "class", json_string(custos_audit_class_name(it->cls)));
        if (it->ref != NULL)
            json_object_set_new(j, "reference", entry_brief(it->ref));
        if (it->cur != NULL)
            json_object_set_new(j, "current", entry_brief(it->cur));
        json_array_append_new(items, j);
    }
    for (int k = 0; k < CUSTOS_AUDIT_CLASSES; k++)
        json_object_set_new(tot, custos_audit_class_name((enum custos_audit_class)k),
                            json_integer((json_int_t)t.count[k]));
    json_object_set_new(doc, "status", json_string(custos_status_name(status)));
    json_object_set_new(doc, "manifest", json_string(manifest));
    json_object_set_new(doc, "reference_entries", json_integer((json_int_t)t.reference));
    json_object_set_new(doc, "current_entries", json_integer((json_int_t)t.current));
    json_object_set_new(doc, "totals", tot);
    json_object_set_new(doc, "items", items);
    *json = json_dumps(doc, JSON_SORT_KEYS | JSON_INDENT(2));
    json_decref(doc);
    return *json != NULL ? CUSTOS_OK : CUSTOS_E_NOMEM;
}
