/* SPDX-License-Identifier: ISC */
/*
 * strpool.c: a set of strings, each stored once (strpool_private.h).
 *
 * An open-addressing hash table (FNV-1a, linear probing) kept at most half
 * full. Strings are never removed: a manifest's types only accumulate.
 */
#include "strpool_private.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void
custos__strpool_init(struct custos__strpool *p)
{
    memset(p, 0, sizeof(*p));
    pthread_mutex_init(&p->lock, NULL);
}

void
custos__strpool_fini(struct custos__strpool *p)
{
    for (size_t i = 0; i < p->cap; i++)
        free(p->slots[i]);
    free(p->slots);
    pthread_mutex_destroy(&p->lock);
    memset(p, 0, sizeof(*p));
}

static size_t
hash(const char *s)
{
    uint64_t h = 14695981039346656037u;
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (size_t)h;
}

/* The slot holding s, or the free slot where it belongs. */
static char **
find(char **slots, size_t cap, const char *s, size_t h)
{
    for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1))
        if (slots[i] == NULL || strcmp(slots[i], s) == 0)
            return &slots[i];
}

static int
grow(struct custos__strpool *p)
{
    size_t cap = p->cap == 0 ? 64 : 2 * p->cap;
    char **slots = calloc(cap, sizeof(*slots));
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < p->cap; i++)
        if (p->slots[i] != NULL)
            *find(slots, cap, p->slots[i], hash(p->slots[i])) = p->slots[i];
    free(p->slots);
    p->slots = slots;
    p->cap = cap;
    return 0;
}

const char *
custos__strpool_get(struct custos__strpool *p, const char *s)
{
    if (s == NULL)
        return NULL;
    size_t h = hash(s);
    const char *r = NULL;
    pthread_mutex_lock(&p->lock);
    if (2 * (p->count + 1) > p->cap && grow(p) != 0)
        goto out;
    char **slot = find(p->slots, p->cap, s, h);
    if (*slot == NULL) {
        if ((*slot = strdup(s)) == NULL)
            goto out;
        p->count++;
    }
    r = *slot;
out:
    pthread_mutex_unlock(&p->lock);
    return r;
}
