/* SPDX-License-Identifier: ISC */
/*
 * progress.c: the callback helpers and the rate/ETA meter.
 *
 * Rates are decimal MB/s (10^6 bytes), as the peers (dc3dd, ewfacquire) and
 * the benchmarks print them; sizes are binary (KiB, MiB, GiB).
 */
#include "custos/progress.h"

#include <stdio.h> /* snprintf */
#include <time.h>  /* clock_gettime */

void
custos_progress_update(const struct custos_progress *p, uint64_t done_bytes, uint64_t total_bytes)
{
    if (p != NULL && p->update != NULL)
        p->update(p->ctx, done_bytes, total_bytes);
}

void
custos_progress_phase(const struct custos_progress *p, enum custos_phase phase)
{
    if (p != NULL && p->phase != NULL)
        p->phase(p->ctx, phase);
}

const char *
custos_phase_name(enum custos_phase phase)
{
    switch (phase) {
    case CUSTOS_PHASE_READING:
        return "reading";
    case CUSTOS_PHASE_VERIFYING:
        return "verifying";
    case CUSTOS_PHASE_HASHING:
        return "hashing";
    case CUSTOS_PHASE_WRITING:
        return "writing";
    case CUSTOS_PHASE_WIPING:
        return "wiping";
    }
    return "working";
}

int
custos_progress_cancelled(const struct custos_progress *p)
{
    if (p == NULL || p->cancelled == NULL)
        return 0;
    return p->cancelled(p->ctx);
}

static uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
custos_meter_start(struct custos_meter *m, unsigned interval_ms)
{
    m->start_ns = now_ns();
    m->last_ns = 0;
    m->interval_ns = (uint64_t)interval_ms * 1000000u;
    m->phase = NULL;
}

void
custos_meter_phase(struct custos_meter *m, const char *phase)
{
    m->start_ns = now_ns();
    m->last_ns = 0;
    m->phase = phase;
}

uint64_t
custos_meter_elapsed_ns(const struct custos_meter *m)
{
    return now_ns() - m->start_ns;
}

void
custos_format_bytes(uint64_t bytes, char *buf, size_t len)
{
    static const char *units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) {
        snprintf(buf, len, "%llu B", (unsigned long long)bytes);
        return;
    }
    double v = (double)bytes / 1024.0;
    int u = 0;
    while (v >= 1024.0 && u < 5) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, len, "%.2f %s", v, units[u]);
}

int
custos_meter_line(struct custos_meter *m, uint64_t done_bytes, uint64_t total_bytes, int force,
                  char *buf, size_t len)
{
    uint64_t t = now_ns();
    if (!force && m->last_ns != 0 && t - m->last_ns < m->interval_ns)
        return 0;
    m->last_ns = t;

    uint64_t el = t - m->start_ns;
    double secs = (double)el / 1e9;
    double rate = secs > 0 ? (double)done_bytes / secs : 0; /* bytes/s */
    char done[32], total[32];
    const char *ph = m->phase != NULL ? m->phase : "";
    const char *sp = m->phase != NULL ? " " : "";
    custos_format_bytes(done_bytes, done, sizeof(done));
    if (total_bytes == 0) {
        snprintf(buf, len, "%s%s%s  %.1f MB/s", ph, sp, done, rate / 1e6);
        return 1;
    }
    custos_format_bytes(total_bytes, total, sizeof(total));
    unsigned pct = done_bytes >= total_bytes ? 100 : (unsigned)(done_bytes * 100 / total_bytes);
    if (rate <= 0 || done_bytes >= total_bytes || el < (uint64_t)CUSTOS_METER_ETA_MS * 1000000u) {
        snprintf(buf, len, "%s%s%s of %s (%u%%)  %.1f MB/s", ph, sp, done, total, pct, rate / 1e6);
        return 1;
    }
    uint64_t eta = (uint64_t)((double)(total_bytes - done_bytes) / rate + 0.5);
    snprintf(buf, len, "%s%s%s of %s (%u%%)  %.1f MB/s  ETA %llu:%02u:%02u", ph, sp, done, total,
             pct, rate / 1e6, (unsigned long long)(eta / 3600), (unsigned)(eta / 60 % 60),
             (unsigned)(eta % 60));
    return 1;
}
