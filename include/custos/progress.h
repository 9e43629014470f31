/* SPDX-License-Identifier: ISC */
/*
 * progress.h: progress reporting and cancellation between libcustos and a tool.
 *
 * The library never prints. Long operations take a const struct
 * custos_progress * (NULL for none) and call its update callback as work is
 * done, and poll its cancelled callback between buffers, stopping with
 * CUSTOS_E_INTERRUPTED when it answers non-zero. A tool supplies the
 * callbacks; it may use a struct custos_meter to turn byte counts into the
 * rate and ETA of its progress line (zstd keeps display out of lib/ the same
 * way).
 *
 * Long work comes in phases (an acquisition reads the source, then re-reads
 * the image to verify it). At the start of each phase the library calls the
 * phase callback; the update calls that follow count the bytes of that
 * phase alone, from 0 to that phase's total, so a meter restarted at each
 * phase never shows a rate or ETA carried over from an earlier one.
 */
#ifndef CUSTOS_PROGRESS_H
#define CUSTOS_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a long operation is doing; see custos_phase_name. */
enum custos_phase {
    CUSTOS_PHASE_READING = 1, /* reading a source (acquisition, conversion) */
    CUSTOS_PHASE_VERIFYING,   /* re-reading to compare digests (image, package, wipe, ledger) */
    CUSTOS_PHASE_HASHING,     /* hashing files or a file system */
    CUSTOS_PHASE_WRITING,     /* writing an output (a seal package) */
    CUSTOS_PHASE_WIPING,      /* overwriting a medium */
};

struct custos_progress {
    /* done and total are bytes; total is 0 when unknown. May be NULL. */
    void (*update)(void *ctx, uint64_t done_bytes, uint64_t total_bytes);
    /* Non-zero asks the library to stop as soon as it safely can. May be NULL. */
    int (*cancelled)(void *ctx);
    void *ctx;
    /* A new phase starts; the next update counts from 0. May be NULL. */
    void (*phase)(void *ctx, enum custos_phase phase);
};

/* Calls p->update when p and the callback are non-NULL. */
CUSTOS_API void custos_progress_update(const struct custos_progress *p, uint64_t done_bytes,
                                       uint64_t total_bytes);

/* Calls p->phase when p and the callback are non-NULL. */
CUSTOS_API void custos_progress_phase(const struct custos_progress *p, enum custos_phase phase);

/* The lower-case English word of phase ("reading", "verifying", ...); "working" if unknown. */
CUSTOS_API const char *custos_phase_name(enum custos_phase phase);

/* Returns p->cancelled(p->ctx), or 0 when p or the callback is NULL. */
CUSTOS_API int custos_progress_cancelled(const struct custos_progress *p);

/* A rate and ETA calculator for one run; plain data, no allocation. */
struct custos_meter {
    uint64_t start_ns;    /* monotonic clock at custos_meter_start */
    uint64_t last_ns;     /* when the last line was produced, for rate limiting */
    uint64_t interval_ns; /* minimum time between two lines */
    const char *phase;    /* word that opens the line (static string), or NULL */
};

/* Starts the clock; a line is produced at most every interval_ms milliseconds. */
CUSTOS_API void custos_meter_start(struct custos_meter *m, unsigned interval_ms);

/*
 * Starts a new phase named phase (a static string such as custos_phase_name
 * returns; NULL for none): the clock restarts, so the rate and ETA are of
 * this phase alone, and the next line is drawn at once.
 */
CUSTOS_API void custos_meter_phase(struct custos_meter *m, const char *phase);

/* Monotonic nanoseconds since custos_meter_start or the last custos_meter_phase. */
CUSTOS_API uint64_t custos_meter_elapsed_ns(const struct custos_meter *m);

/*
 * Formats a progress line such as
 *   "verifying 1.20 GiB of 2.00 GiB (60%)  540.3 MB/s  ETA 0:00:02"
 * into buf (at most len bytes, always NUL-terminated), opening with the
 * phase when one is set. With total_bytes 0 the size and ETA parts are left
 * out; the ETA is also left out in the first CUSTOS_METER_ETA_MS of a phase,
 * when the rate is still noise. Unless force is non-zero, nothing is
 * written and 0 is returned when the last line is younger than the interval.
 * Returns: 1 when buf holds a new line, 0 otherwise.
 */
#define CUSTOS_METER_ETA_MS 500
CUSTOS_API int custos_meter_line(struct custos_meter *m, uint64_t done_bytes, uint64_t total_bytes,
                                 int force, char *buf, size_t len);

/* Formats a byte count as "512 B", "1.50 KiB", ... "2.00 TiB" into buf. */
CUSTOS_API void custos_format_bytes(uint64_t bytes, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
