/* SPDX-License-Identifier: ISC */
/*
 * verify_classify.c: what each finding of a run means. After the target was
 * read, custos__verify_classify() turns the items and extra files into the
 * classes of the report (moved, changed, missing, extra, unreadable...) and
 * the run's status; custos__verify_summarize() writes the one-line summary,
 * which states how much was compared and never says more than was checked.
 * The run itself (reference, selection, reading) is verify.c.
 */
#include "custos/verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custos/custos.h"
#include "custos/manifest.h"
#include "verify_private.h"

void
custos__verify_hex_of(const struct custos_digest_result *r, unsigned algs, char hex[65],
                      const char **alg)
{
    static const unsigned order[] = {CUSTOS_DIGEST_SHA256, CUSTOS_DIGEST_SHA1, CUSTOS_DIGEST_MD5};
    hex[0] = '\0';
    for (size_t i = 0; i < 3; i++)
        if (algs & order[i]) {
            if (alg != NULL)
                *alg = custos_digest_name(order[i]);
            if (r->algs & order[i])
                custos_digest_hex(r, order[i], hex);
            return;
        }
}

int
custos__verify_classify(struct custos_verify *v)
{
    /* Moved: a missing item whose content an extra file has, paired one to one. */
    for (size_t i = 0; i < v->nitems; i++) {
        struct ritem *it = &v->items[i];
        if (it->found || it->unreadable || it->ref.algs == 0 || it->kind != RITEM_FILE)
            continue;
        for (size_t j = 0; j < v->nextras; j++) {
            struct extra *x = &v->extras[j];
            if (x->paired || !x->hashed || x->unreadable ||
                (it->size != UINT64_MAX && x->size != it->size) ||
                !custos_digest_equal(&it->ref, &x->got))
                continue;
            x->paired = 1;
            if ((it->moved_to = strdup(x->name)) == NULL)
                return custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
            it->found_size = x->size;
            it->got = x->got;
            break;
        }
    }
    for (size_t i = 0; i < v->nitems; i++) {
        struct ritem *it = &v->items[i];
        if (it->found && !it->differs && !it->unreadable && it->size != UINT64_MAX &&
            it->kind != RITEM_SYMLINK && it->found_size != it->size) {
            it->differs = 1;
            custos__verify_set_detail(it, "size %llu bytes, recorded %llu",
                                      (unsigned long long)it->found_size,
                                      (unsigned long long)it->size);
        }
    }
    free(v->out);
    v->out = calloc(v->nitems + v->nextras + 1, sizeof(*v->out));
    if (v->out == NULL)
        return custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    v->nout = 0;
    int status = CUSTOS_OK;
    struct custos_error first;
    custos_error_clear(&first);
    for (size_t i = 0; i < v->nitems; i++) {
        struct ritem *it = &v->items[i];
        struct custos_verify_item *o = &v->out[v->nout++];
        o->name = it->name;
        o->moved_to = it->moved_to;
        o->size_bytes = it->size == UINT64_MAX ? it->found_size : it->size;
        o->found = it->found || it->moved_to != NULL;
        o->found_bytes = it->found_size;
        o->content_checked = it->checked;
        o->detail = it->detail;
        o->algorithm = "sha256";
        if (it->kind == RITEM_SYMLINK)
            o->algorithm = "target";
        else {
            /* Show a digest that was computed, and one that differs if any. */
            unsigned show = it->ref.algs & it->got.algs;
            for (unsigned bit = CUSTOS_DIGEST_SHA256; bit != 0; bit >>= 1)
                if ((show & bit) &&
                    memcmp(custos_digest_bytes(&it->ref, bit), custos_digest_bytes(&it->got, bit),
                           custos_digest_size(bit)) != 0) {
                    show = bit;
                    break;
                }
            if (show == 0)
                show = it->ref.algs;
            custos__verify_hex_of(&it->ref, show, o->expected, &o->algorithm);
            custos__verify_hex_of(&it->got, show, o->actual, NULL);
        }
        if (it->fetch && !it->found && it->moved_to == NULL) {
            o->cls = CUSTOS_VERIFY_NOT_CHECKED; /* a holey bag: to be fetched, not here */
            if (it->detail == NULL)
                custos__verify_set_detail(it, "listed in fetch.txt, not fetched");
            o->detail = it->detail;
        } else if (it->unreadable)
            o->cls = CUSTOS_VERIFY_UNREADABLE;
        else if (it->moved_to != NULL)
            o->cls = CUSTOS_VERIFY_MOVED;
        else if (!it->found)
            o->cls = CUSTOS_VERIFY_MISSING;
        else if (it->differs)
            o->cls = CUSTOS_VERIFY_CHANGED;
        else if (it->checked)
            o->cls = CUSTOS_VERIFY_OK;
        else
            o->cls = CUSTOS_VERIFY_NOT_CHECKED;
        int s = o->cls == CUSTOS_VERIFY_UNREADABLE ? CUSTOS_E_INCOMPLETE
                : o->cls == CUSTOS_VERIFY_OK || o->cls == CUSTOS_VERIFY_NOT_CHECKED
                    ? CUSTOS_OK
                    : CUSTOS_E_MISMATCH;
        if (s != CUSTOS_OK && first.status == CUSTOS_OK)
            custos_error_set(&first, s, 0, NULL, "%s: %s%s%s", it->name,
                             custos_verify_class_name(o->cls), it->detail ? ": " : "",
                             it->detail ? it->detail : "");
        status = custos_status_worst(status, s);
    }
    for (size_t j = 0; j < v->nextras; j++) {
        struct extra *x = &v->extras[j];
        if (x->paired)
            continue;
        struct custos_verify_item *o = &v->out[v->nout++];
        o->cls = CUSTOS_VERIFY_EXTRA;
        o->name = x->name;
        o->size_bytes = x->size;
        o->found = 1;
        o->found_bytes = x->size;
        o->algorithm = "sha256";
        if (x->hashed)
            custos__verify_hex_of(&x->got, CUSTOS_DIGEST_SHA256, o->actual, NULL);
        if (first.status == CUSTOS_OK)
            custos_error_set(&first, CUSTOS_E_MISMATCH, 0, NULL, "%s: extra", x->name);
        status = custos_status_worst(status, CUSTOS_E_MISMATCH);
    }
    if (v->extras_unlisted > 0) {
        if (first.status == CUSTOS_OK)
            custos_error_set(&first, CUSTOS_E_MISMATCH, 0, NULL, "%llu extra files not listed",
                             (unsigned long long)v->extras_unlisted);
        status = custos_status_worst(status, CUSTOS_E_MISMATCH);
    }
    if (v->empty_selection) {
        if (first.status == CUSTOS_OK)
            custos_error_set(&first, CUSTOS_E_INCOMPLETE, 0, NULL,
                             "the selection (sample or part) holds no item: nothing was read");
        status = custos_status_worst(status, CUSTOS_E_INCOMPLETE);
    }
    if (strcmp(v->restore_result, "not tested") == 0 || strcmp(v->restore_result, "failed") == 0) {
        if (first.status == CUSTOS_OK)
            custos_error_set(&first, CUSTOS_E_INCOMPLETE, 0, NULL, "restore test %s: %s",
                             v->restore_result, v->restore_detail);
        status = custos_status_worst(status, CUSTOS_E_INCOMPLETE);
    }
    if (v->container_corrupt) {
        custos_error_set(&first, CUSTOS_E_CORRUPT, 0, NULL, "%s", v->container_detail);
        status = custos_status_worst(status, CUSTOS_E_CORRUPT);
    }
    custos_error_copy(&v->err, &first);
    v->err.status = status;
    return status;
}

void
custos_verify_totals(const struct custos_verify *v, struct custos_verify_totals *t)
{
    memset(t, 0, sizeof(*t));
    for (size_t i = 0; i < v->nout; i++)
        t->count[v->out[i].cls]++;
    t->count[CUSTOS_VERIFY_EXTRA] += (size_t)v->extras_unlisted;
    for (size_t i = 0; i < v->nitems; i++) {
        const struct ritem *it = &v->items[i];
        uint64_t b = it->size == UINT64_MAX ? it->found_size : it->size;
        t->reference_items++;
        if (it->counts)
            t->reference_bytes += b;
        if (it->checked) {
            t->checked_items++;
            if (it->counts)
                t->checked_bytes += b;
        }
    }
    t->bytes_read = v->bytes_read;
    t->seconds = v->seconds;
}

/* "md5, sha256" for the bits of algs, in that order. */
void
custos__verify_digest_names(unsigned algs, char *buf, size_t len)
{
    static const unsigned order[] = {CUSTOS_DIGEST_MD5, CUSTOS_DIGEST_SHA1, CUSTOS_DIGEST_SHA256};
    buf[0] = '\0';
    for (size_t i = 0; i < 3; i++)
        if (algs & order[i])
            snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? ", " : "",
                     custos_digest_name(order[i]));
}

void
custos__verify_summarize(struct custos_verify *v)
{
    struct custos_verify_totals t;
    custos_verify_totals(v, &t);
    char bytes[32];
    custos_format_bytes(t.reference_bytes, bytes, sizeof(bytes));
    double pb = t.reference_bytes ? 100.0 * (double)t.checked_bytes / (double)t.reference_bytes
                                  : (t.checked_items == t.reference_items ? 100.0 : 0.0);
    char scope[256];
    snprintf(scope, sizeof(scope), "content of %zu of %zu items compared (%.1f %% of %s), level %s",
             t.checked_items, t.reference_items, pb, bytes, custos_verify_level_name(v->opt.level));
    char extra[96] = "";
    if (v->opt.level == CUSTOS_VERIFY_SAMPLE)
        snprintf(extra, sizeof(extra), ", seed %llu", (unsigned long long)v->opt.seed);
    if (v->opt.parts > 0)
        snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), ", part %u/%u", v->opt.part,
                 v->opt.parts);
    /* Which digests decided, and which the reference holds that were not recomputed. */
    char by[96] = "", skipped[64];
    if (t.checked_items > 0) {
        custos__verify_digest_names(v->algs, by, sizeof(by));
        custos__verify_digest_names(v->held & ~v->algs, skipped, sizeof(skipped));
        if (skipped[0])
            snprintf(by + strlen(by), sizeof(by) - strlen(by), " (%s not recomputed)", skipped);
        snprintf(scope + strlen(scope), sizeof(scope) - strlen(scope), ", by %s", by);
    }
    int complete = t.checked_items == t.reference_items;
    if (v->status == CUSTOS_OK && complete && v->opt.level == CUSTOS_VERIFY_FULL)
        snprintf(v->summary, sizeof(v->summary),
                 "VERIFIED: all %zu items (%s) read in full and equal to the reference by %s",
                 t.reference_items, bytes, by);
    else if (v->status == CUSTOS_OK && t.checked_items == 0)
        snprintf(v->summary, sizeof(v->summary),
                 "STRUCTURE ONLY: all %zu items present with the recorded sizes; content not "
                 "checked%s",
                 t.reference_items, extra);
    else if (v->status == CUSTOS_OK)
        snprintf(v->summary, sizeof(v->summary),
                 "NO MISMATCH in what was checked: %s%s; %.1f %% of bytes NOT checked", scope,
                 extra, 100.0 - pb);
    else {
        const char *word = v->status == CUSTOS_E_CORRUPT      ? "CORRUPT CONTAINER"
                           : v->status == CUSTOS_E_MISMATCH   ? "MISMATCH"
                           : v->status == CUSTOS_E_INCOMPLETE ? "INCOMPLETE"
                                                              : "FAILED";
        char counts[256] = "";
        for (int c = CUSTOS_VERIFY_CHANGED; c <= CUSTOS_VERIFY_UNREADABLE; c++)
            if (t.count[c] > 0)
                snprintf(counts + strlen(counts), sizeof(counts) - strlen(counts), "%s%zu %s",
                         counts[0] ? ", " : "", t.count[c],
                         custos_verify_class_name((enum custos_verify_class)c));
        snprintf(v->summary, sizeof(v->summary), "%s: %s%s%s%s", word, counts,
                 counts[0] ? "; " : "", scope, extra);
    }
}
