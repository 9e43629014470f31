/* SPDX-License-Identifier: ISC */
/*
 * cli-progress.c: the progress line of the custos tools: drawn on stderr
 * only when it is a terminal and -q was not given, named by the phase the
 * library announces, its rate and ETA restarted at each phase so that a
 * verify pass never shows an ETA computed from the reading before it.
 */
#include "cli.h"

void
cli_progress_end(struct cli *c)
{
    if (c->line_shown) {
        fputs("\r\033[K", stderr);
        c->line_shown = 0;
    }
}

static void
progress_update(void *ctx, uint64_t done, uint64_t total)
{
    struct cli *c = ctx;
    char line[160];
    if (c->quiet || !c->tty)
        return;
    if (custos_meter_line(&c->meter, done, total, 0, line, sizeof(line))) {
        fprintf(stderr, "\r\033[K%s", line);
        c->line_shown = 1;
    }
}

/* The phase names the line; its clock restarts so the rate is this phase's. */
static void
progress_phase(void *ctx, enum custos_phase phase)
{
    struct cli *c = ctx;
    custos_meter_phase(&c->meter, custos_phase_name(phase));
}

static int
progress_cancelled(void *ctx)
{
    (void)ctx;
    return cli_interrupted();
}

void
cli_progress_start(struct cli *c)
{
    custos_meter_start(&c->meter, 250);
}

struct custos_progress
cli_progress(struct cli *c)
{
    struct custos_progress p = {progress_update, progress_cancelled, c, progress_phase};
    return p;
}
