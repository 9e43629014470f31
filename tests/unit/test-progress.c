/* SPDX-License-Identifier: ISC */
#include "custos/progress.h"

#include "tap.h"

static uint64_t seen_done, seen_total;
static int cancel_answer;
static enum custos_phase seen_phase;

static void
ph(void *ctx, enum custos_phase phase)
{
    (void)ctx;
    seen_phase = phase;
}

static void
upd(void *ctx, uint64_t done, uint64_t total)
{
    (void)ctx;
    seen_done = done;
    seen_total = total;
}

static int
canc(void *ctx)
{
    (void)ctx;
    return cancel_answer;
}

int
main(void)
{
    char buf[160];
    struct custos_progress p = {upd, canc, NULL, ph};

    custos_progress_update(&p, 10, 20);
    is_int(seen_done, 10, "update passes done");
    is_int(seen_total, 20, "update passes total");
    custos_progress_update(NULL, 1, 2);
    is_int(custos_progress_cancelled(NULL), 0, "NULL hooks never cancel");
    cancel_answer = 1;
    is_int(custos_progress_cancelled(&p), 1, "cancel passed through");

    custos_progress_phase(&p, CUSTOS_PHASE_VERIFYING);
    is_int(seen_phase, CUSTOS_PHASE_VERIFYING, "phase passed through");
    custos_progress_phase(NULL, CUSTOS_PHASE_READING);
    struct custos_progress nophase = {.update = upd};
    custos_progress_phase(&nophase, CUSTOS_PHASE_READING);
    ok(1, "no phase hook is fine");
    is_str(custos_phase_name(CUSTOS_PHASE_READING), "reading", "reading");
    is_str(custos_phase_name(CUSTOS_PHASE_VERIFYING), "verifying", "verifying");
    is_str(custos_phase_name(CUSTOS_PHASE_HASHING), "hashing", "hashing");
    is_str(custos_phase_name(CUSTOS_PHASE_WRITING), "writing", "writing");
    is_str(custos_phase_name(CUSTOS_PHASE_WIPING), "wiping", "wiping");
    is_str(custos_phase_name((enum custos_phase)99), "working", "unknown phase");

    custos_format_bytes(512, buf, sizeof(buf));
    is_str(buf, "512 B", "bytes");
    custos_format_bytes(1536, buf, sizeof(buf));
    is_str(buf, "1.50 KiB", "KiB");
    custos_format_bytes(2ull << 30, buf, sizeof(buf));
    is_str(buf, "2.00 GiB", "GiB");

    struct custos_meter m;
    custos_meter_start(&m, 10000);
    is_int(custos_meter_line(&m, 0, 100, 0, buf, sizeof(buf)), 1, "first line always drawn");
    is_int(custos_meter_line(&m, 50, 100, 0, buf, sizeof(buf)), 0, "rate limited");
    m.start_ns -= 1000000000ull; /* 1 s in: past the first moments without an ETA */
    is_int(custos_meter_line(&m, 50, 100, 1, buf, sizeof(buf)), 1, "forced line");
    has_str(buf, "(50%)", "percentage");
    has_str(buf, "ETA", "ETA shown with a known total");
    custos_meter_line(&m, 50, 0, 1, buf, sizeof(buf));
    ok(strstr(buf, "ETA") == NULL, "no ETA without a total");
    has_str(buf, "MB/s", "rate shown");
    ok(strncmp(buf, "50 B", 4) == 0, "no phase: the line opens with the count");

    /* Phases: a 100 s reading phase, then a verify pass 2 s in and half done. */
    custos_meter_start(&m, 10000);
    custos_meter_phase(&m, "reading");
    m.start_ns -= 100000000000ull;
    is_int(custos_meter_line(&m, 50, 100, 0, buf, sizeof(buf)), 1, "first line of a phase drawn");
    ok(strncmp(buf, "reading 50 B of 100 B (50%)", 27) == 0, "line opens with its phase");
    has_str(buf, "ETA 0:01:40", "reading ETA from its own 100 s");
    is_int(custos_meter_line(&m, 60, 100, 0, buf, sizeof(buf)), 0, "then rate limited");
    custos_meter_phase(&m, "verifying");
    is_int(custos_meter_line(&m, 1, 100, 0, buf, sizeof(buf)), 1, "new phase drawn at once");
    ok(strncmp(buf, "verifying 1 B of 100 B", 22) == 0, "named verifying");
    ok(strstr(buf, "ETA") == NULL, "no ETA in a phase's first moments");
    m.start_ns -= 2000000000ull;
    custos_meter_line(&m, 50, 100, 1, buf, sizeof(buf));
    has_str(buf, "ETA 0:00:02", "verify ETA from the verify pass alone, not the reading's 100 s");
    has_str(buf, "0.0 MB/s", "rate of this phase (25 B/s)");
    return tap_done();
}
