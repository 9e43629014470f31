/* SPDX-License-Identifier: ISC */
#include "custos/progress.h"

#include "tap.h"

static uint64_t seen_done, seen_total;
static int cancel_answer;

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
    struct custos_progress p = {upd, canc, NULL};

    custos_progress_update(&p, 10, 20);
    is_int(seen_done, 10, "update passes done");
    is_int(seen_total, 20, "update passes total");
    custos_progress_update(NULL, 1, 2);
    is_int(custos_progress_cancelled(NULL), 0, "NULL hooks never cancel");
    cancel_answer = 1;
    is_int(custos_progress_cancelled(&p), 1, "cancel passed through");

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
    is_int(custos_meter_line(&m, 50, 100, 1, buf, sizeof(buf)), 1, "forced line");
    has_str(buf, "(50%)", "percentage");
    has_str(buf, "ETA", "ETA shown with a known total");
    custos_meter_line(&m, 50, 0, 1, buf, sizeof(buf));
    ok(strstr(buf, "ETA") == NULL, "no ETA without a total");
    has_str(buf, "MB/s", "rate shown");
    return tap_done();
}
