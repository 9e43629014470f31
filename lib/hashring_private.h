/* SPDX-License-Identifier: ISC */
/*
 * hashring_private.h: the hashing pipeline acquisition (acquire.c) and image
 * verification (verify_target_image.c) share.
 *
 * One pass over a stream: the calling thread reads it, through the caller's
 * read function, into a ring of slots; one lane thread per whole-stream
 * digest (MD5, SHA-1, SHA-256) and one for the piecewise windows' SHA-256
 * hash every slot, in order. The caller may add threads of its own (the
 * acquisition's packers and writer) that consume the same slots. A slot is
 * refilled only once every lane and every consumer bit the caller named
 * has let go of it, so memory stays at nslots * slot_bytes whatever the
 * stream's size.
 *
 * Rules:
 *   1. Every lane sees every slot, in order: the digests are those of the
 *      byte stream as read (zero-filled sectors included).
 *   2. MD5, OpenSSL's slowest digest (about 700 MB/s a core), bounds the
 *      pass: every other lane yields to it once at its start, and callers'
 *      threads that are not on the critical path do the same
 *      (custos__hashring_yield).
 *   3. The first failure anywhere (a read, a lane, a caller's thread, a
 *      cancel seen through the progress before each read) stops every
 *      thread at its next wait; the pass returns that status.
 *   4. The ring's threads block every signal, so a SIGINT reaches the
 *      calling thread, the reader, where it interrupts a blocking read.
 *   5. A stream no longer than its first window has that window's SHA-256
 *      in the SHA-256 lane already: no window lane hashes it a second time.
 *
 * Outline:
 *   1. custos__hashring_new(&ring, &config, &err)
 *   2. custos__hashring_add_thread(ring, fn, arg), for each thread of the
 *      caller's (optional); they use custos__hashring_wait/take/done.
 *   3. custos__hashring_run(ring, &err): reads the stream, joins every thread
 *   4. custos__hashring_digests, _windows, _bytes; custos__hashring_free
 */
#ifndef CUSTOS_HASHRING_PRIVATE_H
#define CUSTOS_HASHRING_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "hashring_private.h is internal to libcustos"
#endif

#include <stddef.h>
#include <stdint.h>

#include "custos/digest.h"
#include "custos/error.h"
#include "custos/progress.h"

#define CUSTOS__HASHRING_ALIGN       4096 /* slot buffers: fit for O_DIRECT */
#define CUSTOS__HASHRING_MAX_SLOTS   32
#define CUSTOS__HASHRING_MAX_THREADS 24 /* of the caller's */
/* Consumer bits for the caller's threads (the lanes use the bits below 0x10). */
#define CUSTOS__HASHRING_USER(i) (0x10u << (i))
/* custos__hashring_window_fn: no more windows. */
#define CUSTOS__HASHRING_NO_WINDOW UINT64_MAX

/* One piecewise window of the stream and its SHA-256. */
struct custos__window {
    uint64_t offset, length; /* bytes */
    uint8_t sha256[32];
};

/* One slot of the ring, as a consumer sees it between wait/take and done. */
struct custos__hashring_slot {
    uint8_t *data;  /* slot_bytes, CUSTOS__HASHRING_ALIGN-aligned */
    size_t len;     /* bytes in data; short only in the last slot */
    uint64_t seq;   /* the slot's place in the stream: its bytes start at seq * slot_bytes */
    unsigned index; /* seq % nslots: for buffers the caller keeps per slot */
    int eof;        /* the last slot of the stream */
    /* The ring's, under its lock. */
    int filled;
    unsigned done; /* lane and CUSTOS__HASHRING_USER bits */
};

/*
 * Reads want bytes at offset into buf (ALIGN-aligned). Sets *got, which may
 * be short only at the end of the stream. Returns CUSTOS_OK, or a status
 * with err set, which stops the pass.
 */
typedef int (*custos__hashring_read_fn)(void *ctx, uint64_t offset, uint8_t *buf, size_t want,
                                        size_t *got, struct custos_error *err);
/* The length of window i (from 0), or CUSTOS__HASHRING_NO_WINDOW after the last. */
typedef uint64_t (*custos__hashring_window_fn)(void *ctx, size_t i);

struct custos__hashring_config {
    size_t slot_bytes; /* a multiple of CUSTOS__HASHRING_ALIGN */
    unsigned nslots;   /* 2 to CUSTOS__HASHRING_MAX_SLOTS */
    unsigned algs;     /* whole-stream digests, one lane each; may be 0 */
    /* Windows: each window_bytes long (the last one ends with the stream),
     * or as window_length says; neither: no windows. */
    uint64_t window_bytes;
    custos__hashring_window_fn window_length;
    void *window_ctx;
    uint64_t total;  /* the stream's length, when total_known */
    int total_known; /* 0: read until a short read */
    custos__hashring_read_fn read;
    void *read_ctx;
    const struct custos_progress *progress; /* cancel checked before each read; may be NULL */
    uint64_t progress_total;                /* reported with the bytes read after each slot */
    unsigned consumers; /* CUSTOS__HASHRING_USER bits that must be done before a slot is reused */
};

struct custos__hashring;

/* Allocates the ring and its slots. Returns CUSTOS_OK, CUSTOS_E_NOMEM or CUSTOS_E_USAGE. */
int custos__hashring_new(struct custos__hashring **out, const struct custos__hashring_config *c,
                         struct custos_error *err);
/*
 * Adds a thread of the caller's, started by custos__hashring_run with the
 * lanes and joined before it returns. Returns CUSTOS_OK or CUSTOS_E_USAGE
 * (more than CUSTOS__HASHRING_MAX_THREADS).
 */
int custos__hashring_add_thread(struct custos__hashring *r, void *(*fn)(void *), void *arg);
/*
 * The pass: starts the lanes and the caller's threads, reads the stream on
 * this thread, joins them all. Returns the first failure (in err) or
 * CUSTOS_OK; the results are valid either way, up to where the pass stopped.
 */
int custos__hashring_run(struct custos__hashring *r, struct custos_error *err);

/* For the caller's threads. */
/* Waits until slot seq is filled and has every bit of also done; NULL once the pass failed. */
struct custos__hashring_slot *custos__hashring_wait(struct custos__hashring *r, uint64_t seq,
                                                    unsigned also);
/*
 * For a pool of threads sharing the slots: the next slot no thread of the
 * pool has taken, in order, once filled; NULL after the last slot or once
 * the pass failed.
 */
struct custos__hashring_slot *custos__hashring_take(struct custos__hashring *r);
/* Marks bit done on s; the slot is reused once every lane and consumer is done. */
void custos__hashring_done(struct custos__hashring *r, struct custos__hashring_slot *s,
                           unsigned bit);
/* Stops the pass with err's status, unless it already failed. */
void custos__hashring_fail(struct custos__hashring *r, const struct custos_error *err);
/* Rule 2: lets the MD5 lane run first, when there is one. */
void custos__hashring_yield(const struct custos__hashring *r);

/* Results. */
/* The whole-stream digests of every lane, merged. */
void custos__hashring_digests(const struct custos__hashring *r, struct custos_digest_result *out);
/* The windows closed, in order; the ring keeps them. */
const struct custos__window *custos__hashring_windows(const struct custos__hashring *r,
                                                      size_t *count);
/* The same, handed over: the caller frees the array. */
struct custos__window *custos__hashring_take_windows(struct custos__hashring *r, size_t *count);
/* Bytes read. */
uint64_t custos__hashring_bytes(const struct custos__hashring *r);
/* Accepts NULL. */
void custos__hashring_free(struct custos__hashring *r);

#endif
