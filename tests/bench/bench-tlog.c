/* SPDX-License-Identifier: ISC */
/*
 * bench-tlog DIR N BATCH PROBES: appends N entries ("entry I", 64 bytes of
 * hash-mode text) to a new tlog-tiles log in DIR in batches of BATCH, then
 * opens the log and proves PROBES entries spread over it, printing times,
 * bytes on disk and bytes read per proof. Figures only; never a test.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "custos/custos.h"
#include "custos/tlog.h"

static double
now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
    if (argc != 5)
        return 2;
    const char *dir = argv[1];
    size_t n = strtoull(argv[2], NULL, 10), batch = strtoull(argv[3], NULL, 10);
    size_t probes = strtoull(argv[4], NULL, 10);
    struct custos_error err;
    struct custos_key *key = NULL;
    if (custos_key_generate(&key, "bench log", "custodian", &err) != CUSTOS_OK)
        return 1;
    uint8_t **e = calloc(batch, sizeof(*e));
    size_t *l = calloc(batch, sizeof(*l));
    for (size_t i = 0; i < batch; i++)
        e[i] = malloc(160);
    double t0 = now();
    for (size_t done = 0; done < n; done += batch) {
        size_t k = n - done < batch ? n - done : batch;
        for (size_t i = 0; i < k; i++)
            l[i] =
                (size_t)snprintf((char *)e[i], 160, "custos-ledger-entry/v1\nbench\n%zu\n%064zu\n",
                                 done + i, done + i);
        if (custos_tlog_append(dir, "bench.invalid/log", key, (const uint8_t *const *)e, l, k, NULL,
                               NULL, &err) != CUSTOS_OK) {
            fprintf(stderr, "append: %s\n", err.message);
            return 1;
        }
    }
    double t1 = now();
    char vk[600];
    struct custos_tlog_vkey v;
    custos_tlog_vkey_format(key, "bench.invalid/log", vk, sizeof(vk));
    custos_tlog_vkey_parse(vk, &v, &err);
    struct custos_tlog *t = NULL;
    if (custos_tlog_open(&t, dir, NULL, &v, &err) != CUSTOS_OK) {
        fprintf(stderr, "open: %s\n", err.message);
        return 1;
    }
    double t2 = now();
    uint64_t open_bytes = custos_tlog_bytes_read(t);
    custos_tlog_free(t);
    uint64_t total = 0;
    double t3 = now();
    for (size_t p = 0; p < probes; p++) {
        /* a fresh reader per proof: what one verifier fetching one entry pays */
        custos_tlog_open(&t, dir, NULL, &v, &err);
        uint64_t before = custos_tlog_bytes_read(t);
        uint8_t *d, proof[64][32];
        size_t len, np;
        uint64_t idx = (uint64_t)((p * 2654435761u) % n);
        if (custos_tlog_entry(t, idx, &d, &len, proof, &np) != CUSTOS_OK) {
            fprintf(stderr, "entry %llu: %s\n", (unsigned long long)idx,
                    custos_tlog_error(t)->message);
            return 1;
        }
        free(d);
        total += custos_tlog_bytes_read(t) - before;
        custos_tlog_free(t);
    }
    double t4 = now();
    printf("append %zu entries in batches of %zu: %.2f s (%.0f entries/s)\n", n, batch, t1 - t0,
           (double)n / (t1 - t0));
    printf("open (signature + root from the right edge): %.3f s, %llu bytes read\n", t2 - t1,
           (unsigned long long)open_bytes);
    printf("prove %zu entries: %.2f ms each, %.0f bytes read each beyond the open\n", probes,
           (t4 - t3) * 1000 / (double)probes, (double)total / (double)probes);
    for (size_t i = 0; i < batch; i++)
        free(e[i]);
    free(e);
    free(l);
    custos_key_free(key);
    return 0;
}
