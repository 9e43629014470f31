/* SPDX-License-Identifier: ISC */
/*
 * cli.h: the only code the custos tools share: program name, diagnostics,
 * usage errors, signal handling, the progress line and passphrase input.
 * Nothing here hashes, signs or knows a file format; that is libcustos.
 */
#ifndef CUSTOS_CLI_H
#define CUSTOS_CLI_H

#include <stdint.h>
#include <stdio.h>

#include <custos/custos.h>

struct cli {
    const char *prog;          /* "custos-acquire" */
    int quiet;                 /* -q: no progress line */
    int tty;                   /* stderr is a terminal */
    int line_shown;            /* a progress line is on screen and must be cleared */
    struct custos_meter meter; /* rate and ETA of the progress line */
};

/*
 * Sets the program name, checks whether stderr is a terminal, and installs
 * the SIGINT/SIGTERM handlers that cli_cancelled() reports.
 */
void cli_init(struct cli *c, const char *prog);

/* Prints "PROG: MESSAGE" once on stderr (clearing any progress line). */
void cli_error(struct cli *c, const struct custos_error *err);

/* Prints "PROG: " and the formatted text on stderr as one line. */
void cli_warn(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Prints the usage error as one line ("PROG: TEXT (see PROG --help)") on
 * stderr and returns CUSTOS_EXIT_USAGE for the caller to exit with.
 */
int cli_usage(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Reports a getopt_long failure (unknown option or missing argument) for
 * argv[optind - 1] and returns CUSTOS_EXIT_USAGE.
 */
int cli_bad_option(struct cli *c, char **argv, int opt);

/* The progress hooks for a libcustos call: line on a terminal, cancellation on a signal. */
struct custos_progress cli_progress(struct cli *c);

/* Starts the meter of the progress line; call before the long operation. */
void cli_progress_start(struct cli *c);

/* Clears the progress line, if one is shown. */
void cli_progress_end(struct cli *c);

/* Non-zero once SIGINT or SIGTERM has arrived. */
int cli_interrupted(void);

/* Parses a size such as "4096", "64K", "1.5G" (binary multiples) into bytes. */
int cli_parse_size(const char *s, uint64_t *out);

/*
 * The command line as one string, each argument quoted for a POSIX shell
 * when it needs to be, for the records. Call before getopt permutes argv.
 * Returns a malloc'd string, or NULL when out of memory.
 */
char *cli_command_line(int argc, char **argv);

/*
 * Reads a passphrase for prompt: from the file passfile when non-NULL
 * ("-" is not special), else from descriptor passfd when >= 0, else from
 * the controlling terminal (/dev/tty) with echo off; with confirm, the
 * terminal asks twice and the answers must match. *pass is NUL-terminated
 * and must be released with custos_passphrase_free(*pass, *len), which wipes
 * it. Returns a custos status; err says why on failure (no terminal, EOF,
 * mismatch).
 */
int cli_read_passphrase(const char *prompt, const char *passfile, int passfd, int confirm,
                        char **pass, size_t *len, struct custos_error *err);

/* Prints a JSON document (a NUL-terminated string) and a newline on stdout. */
int cli_print_json(const char *json);

#endif
