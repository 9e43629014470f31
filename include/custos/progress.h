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
 */
#ifndef CUSTOS_PROGRESS_H
#define CUSTOS_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

struct custos_progress {
    /* done and total are bytes; total is 0 when unknown. May be NULL. */
    void (*update)(void *ctx, uint64_t done_bytes, uint64_t total_bytes);
    /* Non-zero asks the library to stop as soon as it safely can. May be NULL. */
    int (*cancelled)(void *ctx);
    void *ctx;
};

/* Calls p->update when p and the callback are non-NULL. */
CUSTOS_API void custos_progress_update(const struct custos_progress *p, uint64_t done_bytes,
                                       uint64_t total_bytes);

/* Returns p->cancelled(p->ctx), or 0 when p or the callback is NULL. */
CUSTOS_API int custos_progress_cancelled(const struct custos_progress *p);

/* A rate and ETA calculator for one run; plain data, no allocation. */
struct custos_meter {
    uint64_t start_ns;    /* monotonic clock at custos_meter_start */
    uint64_t last_ns;     /* when the last line was produced, for rate limiting */
    uint64_t interval_ns; /* minimum time between two lines */
};

/* Starts the clock; a line is produced at most every interval_ms milliseconds. */
CUSTOS_API void custos_meter_start(struct custos_meter *m, unsigned interval_ms);

/* Monotonic nanoseconds since custos_meter_start. */
CUSTOS_API uint64_t custos_meter_elapsed_ns(const struct custos_meter *m);

/*
 * Formats a progress line such as
 *   "1.20 GiB of 2.00 GiB (60%)  540.3 MB/s  ETA 0:00:02"
 * into buf (at most len bytes, always NUL-terminated). With total_bytes 0 the
 * size and ETA parts are left out. Unless force is non-zero, nothing is
 * written and 0 is returned when the last line is younger than the interval.
 * Returns: 1 when buf holds a new line, 0 otherwise.
 */
CUSTOS_API int custos_meter_line(struct custos_meter *m, uint64_t done_bytes, uint64_t total_bytes,
                                 int force, char *buf, size_t len);

/* Formats a byte count as "512 B", "1.50 KiB", ... "2.00 TiB" into buf. */
CUSTOS_API void custos_format_bytes(uint64_t bytes, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
