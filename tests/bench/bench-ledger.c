/* SPDX-License-Identifier: ISC */
/*
 * bench-ledger: the ledger's append and verify rates.
 *
 *   bench-ledger [N] [DIR]      appends N entries (default 100 000) to a fresh
 *                               ledger through one handle, as a tool appending
 *                               repeatedly would, then verifies it. Prints
 *                               entries per second for appending (overall, and
 *                               for the first and last tenth, to show that an
 *                               append does not slow down as the ledger grows)
 *                               and for verifying.
 *   bench-ledger generate N PATH  writes a new ledger of N entries at PATH for
 *                               tests/bench/ledger.sh: notes (one signature)
 *                               alternating with collections of a new item by
 *                               the custodian and a witness (two signatures).
 *
 * Every append is locked, checked, signed and fsynced, exactly as in
 * production (on tmpfs the fsync costs nothing, which is why ledger.sh
 * generates there when it can).
 */
#include <custos/custos.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
generate(long n, const char *path)
{
    struct custos_error err;
    struct custos_key *k = NULL, *w = NULL;
    struct custos_ledger *l = NULL;
    if (custos_key_generate(&k, "Bench Custodian", "custodian", &err) != CUSTOS_OK ||
        custos_key_generate(&w, "Bench Witness", "witness", &err) != CUSTOS_OK) {
        fprintf(stderr, "bench-ledger: %s\n", err.message);
        return 7;
    }
    struct custos_ledger_party owner = {"owner", k}, author = {"author", k};
    struct custos_ledger_party enrol[2] = {{"subject", w}, {"approver", k}};
    struct custos_ledger_party both[2] = {{"custodian", k}, {"witness", w}};
    double t0 = now();
    int rc = custos_ledger_create(&l, path,
                                  "{\"case\":\"BENCH\",\"level\":1,\"authorisation\":\"bench\"}",
                                  &owner, NULL, &err);
    if (rc != CUSTOS_OK) {
        fprintf(stderr, "bench-ledger: %s\n", err.message);
        return custos_exit_code(rc);
    }
    if (n > 1)
        rc = custos_ledger_append(l, "enroll", NULL, enrol, 2, NULL, NULL);
    for (long i = 2; rc == CUSTOS_OK && i < n; i++) {
        char fields[128];
        if (i % 2 == 0) {
            snprintf(fields, sizeof(fields), "{\"text\":\"benchmark note %ld\"}", i);
            rc = custos_ledger_append(l, "note", fields, &author, 1, NULL, NULL);
        } else {
            snprintf(fields, sizeof(fields),
                     "{\"item\":\"EV-%ld\",\"description\":\"USB stick %ld\"}", i, i);
            rc = custos_ledger_append(l, "collect", fields, both, 2, NULL, NULL);
        }
    }
    if (rc != CUSTOS_OK) {
        fprintf(stderr, "bench-ledger: %s\n", custos_ledger_error(l)->message);
        return custos_exit_code(rc);
    }
    fprintf(stderr, "bench-ledger: generated %ld entries in %.1f s\n", n, now() - t0);
    custos_ledger_free(l);
    custos_key_free(k);
    custos_key_free(w);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "generate") == 0)
        return generate(atol(argv[2]), argv[3]);
    long n = argc > 1 ? atol(argv[1]) : 100000;
    const char *dir = argc > 2 ? argv[2] : ".";
    if (n < 10) {
        fprintf(stderr, "bench-ledger: N must be at least 10\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/bench-%ld.ledger", dir, (long)getpid());
    struct custos_error err;
    struct custos_key *k = NULL;
    struct custos_ledger *l = NULL;
    if (custos_key_generate(&k, "Bench Custodian", "custodian", &err) != CUSTOS_OK) {
        fprintf(stderr, "bench-ledger: %s\n", err.message);
        return 7;
    }
    struct custos_ledger_party owner = {"owner", k}, author = {"author", k};
    if (custos_ledger_create(&l, path,
                             "{\"case\":\"BENCH\",\"level\":1,\"authorisation\":\"bench\"}", &owner,
                             NULL, &err) != CUSTOS_OK) {
        fprintf(stderr, "bench-ledger: %s\n", err.message);
        return custos_exit_code(err.status);
    }
    long tenth = n / 10;
    double t0 = now(), first = 0, last = 0, mark = t0;
    for (long i = 1; i < n; i++) {
        char fields[128];
        snprintf(fields, sizeof(fields), "{\"text\":\"benchmark note %ld\"}", i);
        if (custos_ledger_append(l, "note", fields, &author, 1, NULL, NULL) != CUSTOS_OK) {
            fprintf(stderr, "bench-ledger: %s\n", custos_ledger_error(l)->message);
            return custos_exit_code(custos_ledger_error(l)->status);
        }
        if (i == tenth) {
            first = now() - mark;
        }
        if (i == n - tenth) {
            mark = now();
        }
    }
    double t1 = now();
    last = t1 - mark;
    custos_ledger_free(l);
    struct custos_ledger_report *r = NULL;
    int rc = custos_ledger_verify(path, NULL, NULL, &r, &err);
    double t2 = now();
    printf("entries:            %ld\n", n);
    printf("append:             %.0f entries/s (%.1f s)\n", (double)(n - 1) / (t1 - t0), t1 - t0);
    printf("append, first 10%%:  %.0f entries/s\n", (double)tenth / first);
    printf("append, last 10%%:   %.0f entries/s\n", (double)tenth / last);
    printf("verify:             %.0f entries/s (%.1f s, %s)\n", (double)n / (t2 - t1), t2 - t1,
           rc == CUSTOS_OK ? "OK" : err.message);
    custos_ledger_report_free(r);
    custos_key_free(k);
    unlink(path);
    return custos_exit_code(rc);
}
