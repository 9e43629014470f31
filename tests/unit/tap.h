/* SPDX-License-Identifier: ISC */
/*
 * tap.h: a tiny TAP producer for the libcustos unit tests.
 *
 * Each check prints "ok N - name" or "not ok N - name" followed by the two
 * values and, when given, the handle's error message, as libarchive's
 * assertEqualIntA does. tap_tmpdir() moves the test into a fresh empty
 * directory that tap_done() removes.
 */
#ifndef CUSTOS_TAP_H
#define CUSTOS_TAP_H

#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tap_count, tap_failures;
static char tap_dir[4096];

static __attribute__((unused)) void tap_result(int pass, const char *file, int line,
                                               const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static __attribute__((unused)) void
tap_result(int pass, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    tap_count++;
    if (!pass)
        tap_failures++;
    printf("%sok %d - ", pass ? "" : "not ", tap_count);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!pass)
        printf("#   at %s:%d\n", file, line);
    fflush(stdout);
}

#define ok(cond, ...) tap_result(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...)                                                                     \
    do {                                                                                           \
        long long g_ = (long long)(got), w_ = (long long)(want);                                   \
        tap_result(g_ == w_, __FILE__, __LINE__, __VA_ARGS__);                                     \
        if (g_ != w_)                                                                              \
            printf("#   got %lld, want %lld\n", g_, w_);                                           \
    } while (0)

/* Like is_int, and prints the error's message on failure. */
#define is_status(got, want, errp, ...)                                                            \
    do {                                                                                           \
        long long g_ = (long long)(got), w_ = (long long)(want);                                   \
        tap_result(g_ == w_, __FILE__, __LINE__, __VA_ARGS__);                                     \
        if (g_ != w_)                                                                              \
            printf("#   got status %lld, want %lld; error: %s\n", g_, w_, (errp)->message);        \
    } while (0)

#define is_str(got, want, ...)                                                                     \
    do {                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                      \
        int p_ = g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0;                                  \
        tap_result(p_, __FILE__, __LINE__, __VA_ARGS__);                                           \
        if (!p_)                                                                                   \
            printf("#   got '%s', want '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)");           \
    } while (0)

#define has_str(haystack, needle, ...)                                                             \
    do {                                                                                           \
        const char *h_ = (haystack), *n_ = (needle);                                               \
        int p_ = h_ != NULL && strstr(h_, n_) != NULL;                                             \
        tap_result(p_, __FILE__, __LINE__, __VA_ARGS__);                                           \
        if (!p_)                                                                                   \
            printf("#   '%s' does not contain '%s'\n", h_ ? h_ : "(null)", n_);                    \
    } while (0)

static __attribute__((unused)) int
tap_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Creates a fresh directory under $TMPDIR (or /tmp) and changes into it. */
static __attribute__((unused)) void
tap_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tap_dir, sizeof(tap_dir), "%s/custos-unit-XXXXXX", base ? base : "/tmp");
    if (mkdtemp(tap_dir) == NULL || chdir(tap_dir) != 0) {
        printf("Bail out! cannot make a temporary directory\n");
        exit(1);
    }
}

/* Prints the plan, removes the temporary directory, returns the exit status. */
static __attribute__((unused)) int
tap_done(void)
{
    printf("1..%d\n", tap_count);
    if (tap_dir[0] != '\0') {
        if (chdir("/") == 0)
            nftw(tap_dir, tap_rm, 16, FTW_DEPTH | FTW_PHYS);
    }
    return tap_failures == 0 ? 0 : 1;
}

/* Writes a small file for a test; aborts the test run on failure. */
static __attribute__((unused)) void
tap_write(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        printf("Bail out! cannot write %s\n", path);
        exit(1);
    }
}

#endif
