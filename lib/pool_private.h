/* SPDX-License-Identifier: ISC */
/*
 * pool_private.h: a small pthread worker pool that runs one function over
 * items 0..count-1, each item exactly once, on several threads.
 *
 * Items are handed out in index order through an atomic counter, so callers
 * store each result at its item's index and the output order stays
 * deterministic whatever the scheduling. The calling thread does no item
 * work: it calls poll every poll_ms for progress and cancellation, which
 * keeps the caller's progress callbacks on one thread.
 */
#ifndef CUSTOS_POOL_PRIVATE_H
#define CUSTOS_POOL_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "pool_private.h is internal to libcustos"
#endif

#include <stddef.h>

struct custos__pool_job {
    size_t count;     /* items */
    unsigned threads; /* workers, at least 1 */
    /* Runs item on worker (0..threads-1); non-zero stops the pool. */
    int (*run)(void *ctx, unsigned worker, size_t item);
    /* Called on the calling thread every poll_ms; non-zero stops the pool. May be NULL. */
    int (*poll)(void *ctx);
    unsigned poll_ms;
    void *ctx;
};

/*
 * Runs the job and returns once every worker has stopped.
 * Returns: 0 when every item ran; 1 when run or poll asked to stop (items
 * after that point may not have run); -1 with errno when no thread could be
 * started (then nothing ran).
 */
int custos__pool_run(const struct custos__pool_job *job);

/* The number of online processors, at least 1. */
unsigned custos__cpu_count(void);

#endif
