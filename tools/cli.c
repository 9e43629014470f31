/* SPDX-License-Identifier: ISC */
/*
 * cli.c: diagnostics, usage errors, option parsing (the common options and
 * the signing options), signals and JSON output for the custos tools (the progress line is in
 * cli-progress.c, signing in cli-sign.c, the custody options in cli-custody.c).
 *
 * The signal flag is the one piece of process-global state in custos, and it
 * lives here, outside the library: the library only sees the cancelled()
 * callback.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h> /* optarg */
#include <malloc.h> /* mallopt */
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
    got_signal = sig;
}

int
cli_interrupted(void)
{
    return got_signal != 0;
}

void
cli_init(struct cli *c, const char *prog)
{
    memset(c, 0, sizeof(*c));
    c->prog = prog;
    c->tty = isatty(STDERR_FILENO);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: a blocking read on a pipe should return so we can stop. */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* libewf allocates and frees a buffer per chunk it caches; with glibc's
     * default 128 KiB trim threshold the heap top shrinks and regrows with
     * every few chunks, each regrowth faulting fresh pages in: reading an
     * E01 spent a third of its time in the kernel. Keeping up to 64 MiB of
     * free heap ends that (measured: 512 MiB E01 verify 0.74 s -> 0.57 s). */
    (void)mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

void
cli_error(struct cli *c, const struct custos_error *err)
{
    cli_progress_end(c);
    fprintf(stderr, "%s: %s\n", c->prog,
            err->message[0] != '\0' ? err->message : custos_status_name(err->status));
}

int
cli_fail(struct cli *c, const struct custos_error *err)
{
    cli_error(c, err);
    return custos_exit_code(err->status);
}

int
cli_exit(struct cli *c, int rc, const struct custos_error *err)
{
    if (rc == CUSTOS_OK)
        return CUSTOS_EXIT_OK;
    cli_error(c, err);
    return custos_exit_code(rc);
}

void
cli_warn(struct cli *c, const char *fmt, ...)
{
    va_list ap;
    cli_progress_end(c);
    fprintf(stderr, "%s: ", c->prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void
cli_warn_lines(struct cli *c, const char *path, const char *lines)
{
    const char *w = lines;
    while (*w) {
        size_t n = strcspn(w, "\n");
        fprintf(stderr, "%s: %s: warning: %.*s\n", c->prog, path, (int)n, w);
        w += n + (w[n] == '\n');
    }
}

int
cli_usage(struct cli *c, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", c->prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see %s --help)\n", c->prog);
    return CUSTOS_EXIT_USAGE;
}

int
cli_bad_option(struct cli *c, char **argv, int opt)
{
    extern int optind, optopt;
    const char *word = argv[optind - 1];
    if (opt == ':')
        return cli_usage(c, "option %s needs an argument", word);
    if (optopt != 0 && optopt != '?')
        return cli_usage(c, "unknown option -%c", optopt);
    return cli_usage(c, "unknown option %s", word);
}

void
cli_common_usage(FILE *f, int width)
{
    fprintf(f, "  %-*sprint nothing but errors (with --json: the document only)\n", width,
            "-q, --quiet");
    fprintf(f, "  %-*sprint this help\n", width, "-h, --help");
    fprintf(f, "  %-*sprint the version\n", width, "-V, --version");
}

int
cli_common_option(struct cli *c, int ch, char **argv, void (*usage)(FILE *out))
{
    switch (ch) {
    case 'h':
        usage(stdout);
        return CUSTOS_EXIT_OK;
    case 'V':
        printf("%s %s\n", c->prog, custos_version());
        return CUSTOS_EXIT_OK;
    case 'q':
        c->quiet = 1;
        return CLI_CONTINUE;
    case ':':
    case '?':
        return cli_bad_option(c, argv, ch);
    default:
        return CLI_NOT_MINE;
    }
}

void
cli_signers_init(struct cli_signers *s)
{
    memset(s, 0, sizeof(*s));
    s->passfd = -1;
}

int
cli_signers_add(struct cli *c, struct cli_signers *s, const char *opt, const char *spec)
{
    const char *eq = strchr(spec, '=');
    if (eq == NULL || eq == spec || eq[1] == '\0')
        return cli_usage(c, "%s needs AS=KEYFILE", opt);
    if (s->n == CLI_MAX_SIGNERS)
        return cli_usage(c, "at most %d of %s", CLI_MAX_SIGNERS, opt);
    s->spec[s->n++] = spec;
    return CLI_CONTINUE;
}

int
cli_main_key(struct cli *c, const char **key, const char *as, const char *spec)
{
    const char *file = spec;
    if (as != NULL) {
        size_t n = strlen(as);
        if (strncmp(spec, as, n) != 0 || spec[n] != '=')
            return CLI_NOT_MINE;
        file = spec + n + 1;
    }
    if (*key != NULL)
        return cli_usage(c, "the %s's key is given twice (--key or --sign %s=KEY, once)",
                         as != NULL ? as : "main signer", as != NULL ? as : "custodian");
    if (file[0] == '\0')
        return cli_usage(c, "--sign %s= needs a key file", as);
    *key = file;
    return CLI_CONTINUE;
}

int
cli_signers_add_passfile(struct cli *c, struct cli_signers *s, const char *path)
{
    if (s->passfd >= 0)
        return cli_usage(c, "--passphrase-file and --passphrase-fd exclude each other");
    if (s->npassfile == CLI_MAX_SIGNERS)
        return cli_usage(c, "at most %d of --passphrase-file", CLI_MAX_SIGNERS);
    s->passfile[s->npassfile++] = path;
    return CLI_CONTINUE;
}

int
cli_signers_option(struct cli *c, struct cli_signers *s, int ch, const char *arg)
{
    switch (ch) {
    case CLI_OPT_SIGN:
        return cli_signers_add(c, s, "--sign", arg);
    case CLI_OPT_PASSFILE:
        return cli_signers_add_passfile(c, s, arg);
    case CLI_OPT_PASSFD:
        return cli_signers_set_passfd(c, s, arg);
    default:
        return CLI_NOT_MINE;
    }
}

int
cli_signing_option(struct cli *c, struct cli_signers *s, int ch, char **argv,
                   void (*usage)(FILE *out))
{
    int rc = cli_common_option(c, ch, argv, usage);
    return rc == CLI_NOT_MINE ? cli_signers_option(c, s, ch, optarg) : rc;
}

int
cli_parse_fd(const char *arg)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (*end != '\0' || end == arg || v < 0 || v > 1 << 20)
        return -1;
    return (int)v;
}

int
cli_signers_set_passfd(struct cli *c, struct cli_signers *s, const char *arg)
{
    int fd = cli_parse_fd(arg);
    if (fd < 0)
        return cli_usage(c, "--passphrase-fd needs a descriptor number");
    if (s->npassfile > 0)
        return cli_usage(c, "--passphrase-file and --passphrase-fd exclude each other");
    s->passfd = fd;
    return CLI_CONTINUE;
}

/* "a, b, c or d": the words of table, for a usage line. */
static void
command_words(const struct cli_command *table, char *buf, size_t len)
{
    size_t n = 0, o = 0;
    while (table[n].name != NULL)
        n++;
    buf[0] = '\0';
    for (size_t i = 0; i < n && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%s",
                              i == 0       ? ""
                              : i + 1 == n ? " or "
                                           : ", ",
                              table[i].name);
}

int
cli_dispatch(struct cli *c, const struct cli_command *table, void *opts, int argc, char **argv)
{
    char words[256];
    command_words(table, words, sizeof(words));
    if (argc < 1)
        return cli_usage(c, "missing command (%s)", words);
    const struct cli_command *t = cli_command_find(table, argv[0]);
    if (t != NULL)
        return t->run(c, opts, argc - 1, argv + 1);
    return cli_usage(c, "unknown command %s (%s)", argv[0], words);
}

const struct cli_command *
cli_command_find(const struct cli_command *table, const char *word)
{
    for (const struct cli_command *t = table; t->name != NULL; t++)
        if (strcmp(t->name, word) == 0)
            return t;
    return NULL;
}

int
cli_parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || !isfinite(v) || v < 0)
        return -1;
    double mul = 1;
    switch (*end) {
    case '\0':
        break;
    case 'k':
    case 'K':
        mul = 1024.0;
        end++;
        break;
    case 'm':
    case 'M':
        mul = 1024.0 * 1024;
        end++;
        break;
    case 'g':
    case 'G':
        mul = 1024.0 * 1024 * 1024;
        end++;
        break;
    case 't':
    case 'T':
        mul = 1024.0 * 1024 * 1024 * 1024;
        end++;
        break;
    default:
        return -1;
    }
    if (*end == 'i' || *end == 'I')
        end++;
    if (*end == 'b' || *end == 'B')
        end++;
    if (*end != '\0')
        return -1;
    double bytes = v * mul;
    if (bytes > 9.2e18 || bytes != floor(bytes))
        return -1;
    *out = (uint64_t)bytes;
    return 0;
}

int
cli_print_json(const char *json)
{
    if (fputs(json, stdout) == EOF || fputc('\n', stdout) == EOF || fflush(stdout) == EOF)
        return -1;
    return 0;
}

int
cli_print_json_doc(json_t *j)
{
    char *s = j != NULL ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    int rc = s != NULL ? cli_print_json(s) : -1;
    free(s);
    return rc;
}

json_t *
cli_json_text(const char *s)
{
    char *t = custos_utf8_or_display(s);
    json_t *j = t != NULL ? json_string(t) : NULL;
    free(t);
    return j;
}

char *
cli_command_line(int argc, char **argv)
{
    size_t n = 1;
    for (int i = 0; i < argc; i++)
        n += 4 * strlen(argv[i]) + 3;
    char *s = malloc(n), *p = s;
    if (s == NULL)
        return NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int plain = a[0] != '\0' && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789-_./=:,+@%") == strlen(a);
        if (i > 0)
            *p++ = ' ';
        if (plain) {
            p = stpcpy(p, a);
            continue;
        }
        *p++ = '\'';
        for (; *a != '\0'; a++) {
            if (*a == '\'') {
                p = stpcpy(p, "'\\''");
            } else {
                *p++ = *a;
            }
        }
        *p++ = '\'';
    }
    *p = '\0';
    return s;
}
