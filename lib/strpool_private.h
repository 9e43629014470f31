/* SPDX-License-Identifier: ISC */
/*
 * strpool_private.h: one shared copy of each distinct string.
 *
 * A manifest's entries repeat a few texts over and over: libmagic's "data"
 * and "application/octet-stream", "ASCII text", a file system's type name.
 * Kept once each, they cost nothing per file (issue 15: two strdup'd copies
 * per file were about 100 bytes of a million-file run's peak). The pool may
 * be used from several threads at once (the hashing workers of tree.c).
 *
 * Outline:
 *   struct custos__strpool p;
 *   custos__strpool_init(&p);
 *   const char *s = custos__strpool_get(&p, "data");   (the same pointer each time)
 *   custos__strpool_fini(&p);                          (every string is freed)
 */
#ifndef CUSTOS_STRPOOL_PRIVATE_H
#define CUSTOS_STRPOOL_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "strpool_private.h is internal to libcustos"
#endif

#include <pthread.h>
#include <stddef.h>

struct custos__strpool {
    pthread_mutex_t lock; /* guards what follows */
    char **slots;         /* open addressing; NULL is free; cap is a power of two */
    size_t count, cap;
};

void custos__strpool_init(struct custos__strpool *p);

/* Frees every string of the pool; pointers it gave are invalid afterwards. */
void custos__strpool_fini(struct custos__strpool *p);

/*
 * The pool's copy of s, added when new: valid until custos__strpool_fini.
 * NULL for s NULL, and when memory runs out (s not NULL).
 */
const char *custos__strpool_get(struct custos__strpool *p, const char *s);

#endif
