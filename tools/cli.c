/* SPDX-License-Identifier: ISC */
/*
 * cli.c: diagnostics, usage errors, signals and the progress line for the
 * custos tools.
 *
 * The signal flag is the one piece of process-global state in custos, and it
 * lives here, outside the library: the library only sees the cancelled()
 * callback.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
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
cli_progress_end(struct cli *c)
{
    if (c->line_shown) {
        fputs("\r\033[K", stderr);
        c->line_shown = 0;
    }
}

void
cli_error(struct cli *c, const struct custos_error *err)
{
    cli_progress_end(c);
    fprintf(stderr, "%s: %s\n", c->prog,
            err->message[0] != '\0' ? err->message : custos_status_name(err->status));
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
    for (const struct cli_command *t = table; t->name != NULL; t++)
        if (strcmp(t->name, argv[0]) == 0)
            return t->run(c, opts, argc - 1, argv + 1);
    return cli_usage(c, "unknown command %s (%s)", argv[0], words);
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
    struct custos_progress p = {progress_update, progress_cancelled, c};
    return p;
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

json_t *
cli_json_text(const char *s)
{
    size_t len = strlen(s);
    if (custos_utf8_valid(s, len))
        return json_stringn(s, len);
    char *disp = malloc(4 * len + 1);
    if (disp == NULL)
        return NULL;
    custos_path_display(s, len, disp, 4 * len + 1);
    json_t *j = json_string(disp);
    free(disp);
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

/* Prompts on /dev/tty with echo off and reads one line. */
static int
tty_passphrase(const char *prompt, char **pass, size_t *len, struct custos_error *err)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "no terminal to ask for the passphrase: use --passphrase-file "
                                "or --passphrase-fd");
    struct termios old, quiet;
    int restore = tcgetattr(fd, &old) == 0;
    if (restore) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    if (write(fd, prompt, strlen(prompt)) < 0) {
        /* The prompt is a courtesy; reading still works. */
    }
    int rc = custos_passphrase_load_fd(fd, pass, len, err);
    if (restore)
        tcsetattr(fd, TCSAFLUSH, &old);
    if (write(fd, "\n", 1) < 0) {
        /* As above. */
    }
    close(fd);
    return rc;
}

int
cli_read_passphrase(const char *prompt, const char *passfile, int passfd, int confirm, char **pass,
                    size_t *len, struct custos_error *err)
{
    *pass = NULL;
    if (passfile != NULL)
        return custos_passphrase_load_file(passfile, pass, len, err);
    if (passfd >= 0) {
        int rc = custos_passphrase_load_fd(passfd, pass, len, err);
        if (rc != CUSTOS_OK) {
            char msg[CUSTOS_ERROR_MESSAGE_MAX];
            snprintf(msg, sizeof(msg), "%s", err->message);
            custos_error_set(err, rc, 0, NULL, "passphrase descriptor %d: %s", passfd, msg);
        }
        return rc;
    }
    int rc = tty_passphrase(prompt, pass, len, err);
    if (rc != CUSTOS_OK || !confirm)
        return rc;
    char *again = NULL;
    size_t again_len = 0;
    rc = tty_passphrase("Repeat the passphrase: ", &again, &again_len, err);
    if (rc == CUSTOS_OK && (again_len != *len || memcmp(again, *pass, *len) != 0))
        rc = custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "the passphrases do not match");
    custos_passphrase_free(again, again_len);
    if (rc != CUSTOS_OK) {
        custos_passphrase_free(*pass, *len);
        *pass = NULL;
    }
    return rc;
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
cli_signers_set_passfd(struct cli *c, struct cli_signers *s, const char *arg)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (*end != '\0' || end == arg || v < 0 || v > 1 << 20)
        return cli_usage(c, "--passphrase-fd needs a descriptor number");
    if (s->npassfile > 0)
        return cli_usage(c, "--passphrase-file and --passphrase-fd exclude each other");
    s->passfd = (int)v;
    return CLI_CONTINUE;
}

int
cli_load_private_key(const struct cli_signers *s, size_t idx, const char *path,
                     struct custos_key **key, struct custos_error *err)
{
    *key = NULL;
    if (s->npassfile > 1 && idx >= s->npassfile)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, path,
                                "no --passphrase-file for this key (give one per key, in order)");
    const char *pf = s->npassfile == 0   ? NULL
                     : s->npassfile == 1 ? s->passfile[0]
                                         : s->passfile[idx];
    /* At a terminal a mistyped passphrase may be typed again, up to three times. */
    int tries = pf == NULL && s->passfd < 0 ? 3 : 1;
    char prompt[512];
    snprintf(prompt, sizeof(prompt), "Passphrase for %.400s: ", path);
    int rc = CUSTOS_OK;
    for (int t = 0; t < tries; t++) {
        char *pass = NULL;
        size_t passlen = 0;
        rc = cli_read_passphrase(prompt, pf, s->passfd, 0, &pass, &passlen, err);
        if (rc == CUSTOS_OK)
            rc = custos_key_load_private(key, path, pass, passlen, err);
        custos_passphrase_free(pass, passlen);
        if (rc != CUSTOS_E_UNTRUSTED || strstr(err->message, "wrong passphrase") == NULL)
            break;
        if (t + 1 < tries)
            snprintf(prompt, sizeof(prompt), "Wrong passphrase; passphrase for %.400s: ", path);
    }
    return rc;
}

int
cli_parties_load(const struct cli_signers *s, const char *const *specs, size_t n, int priv,
                 struct cli_parties *p, struct custos_error *err)
{
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(specs[i], '=');
        if (eq == NULL)
            return custos_error_set(err, CUSTOS_E_USAGE, 0, specs[i], "not AS=KEYFILE");
        if (p->n == CLI_MAX_SIGNERS)
            return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "at most %d parties",
                                    CLI_MAX_SIGNERS);
        size_t k = p->n;
        if ((p->as[k] = strndup(specs[i], (size_t)(eq - specs[i]))) == NULL)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        p->n++;
        int rc = priv ? cli_load_private_key(s, i, eq + 1, &p->key[k], err)
                      : custos_key_load_public(&p->key[k], eq + 1, err);
        if (rc != CUSTOS_OK)
            return rc;
        p->party[k].as = p->as[k];
        p->party[k].key = p->key[k];
    }
    return CUSTOS_OK;
}

int
cli_parties_load_signers(const char *const *specs, size_t n, size_t first_idx,
                         struct cli_parties *p, struct custos_error *err)
{
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(specs[i], '=');
        if (eq == NULL)
            return custos_error_set(err, CUSTOS_E_USAGE, 0, specs[i], "not AS=KEYFILE");
        if (p->n == CLI_MAX_SIGNERS)
            return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "at most %d parties",
                                    CLI_MAX_SIGNERS);
        size_t k = p->n;
        if ((p->as[k] = strndup(specs[i], (size_t)(eq - specs[i]))) == NULL)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        p->n++;
        char pub[4200];
        snprintf(pub, sizeof(pub), "%s%s", eq + 1, CUSTOS_KEY_PUB_SUFFIX);
        int rc = custos_key_load_public(&p->key[k], pub, err);
        if (rc == CUSTOS_E_IO)
            return custos_error_set(err, CUSTOS_E_USAGE, 0, pub,
                                    "no public key file beside %s (custos-key writes one); it is "
                                    "needed to check the entry before asking the passphrase",
                                    eq + 1);
        if (rc != CUSTOS_OK)
            return rc;
        p->party[k].as = p->as[k];
        p->party[k].key = p->key[k];
        if ((p->path[k] = strdup(eq + 1)) == NULL)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        p->pass_idx[k] = first_idx + i;
    }
    return CUSTOS_OK;
}

int
cli_parties_signs_now(const struct cli_parties *p, size_t k)
{
    return k < p->n && (p->path[k] != NULL || custos_key_has_private(p->key[k]));
}

int
cli_parties_unlock(const struct cli_signers *s, struct cli_parties *p, size_t k,
                   struct custos_error *err)
{
    if (k >= p->n || p->path[k] == NULL || custos_key_has_private(p->key[k]))
        return CUSTOS_OK;
    struct custos_key *priv = NULL;
    int rc = cli_load_private_key(s, p->pass_idx[k], p->path[k], &priv, err);
    if (rc != CUSTOS_OK)
        return rc;
    if (strcmp(custos_key_fingerprint(priv), custos_key_fingerprint(p->key[k])) != 0) {
        custos_key_free(priv);
        return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, p->path[k],
                                "is not the key of its public key file %s%s", p->path[k],
                                CUSTOS_KEY_PUB_SUFFIX);
    }
    custos_key_free(p->key[k]);
    p->key[k] = priv;
    p->party[k].key = priv;
    return CUSTOS_OK;
}

int
cli_confirm_possible(int yes, struct custos_error *err)
{
    if (yes)
        return CUSTOS_OK;
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "no terminal to show the entry and ask each signer to confirm: "
                                "give --yes to sign without asking");
    close(fd);
    return CUSTOS_OK;
}

/* Asks question on the terminal; 1 for an answer starting with y or Y. */
static int
tty_confirm(int fd, const char *question)
{
    if (write(fd, question, strlen(question)) < 0)
        return 0;
    char line[64];
    size_t n = 0;
    while (n + 1 < sizeof(line)) {
        char ch;
        ssize_t r = read(fd, &ch, 1);
        if (r <= 0 || ch == '\n')
            break;
        line[n++] = ch;
    }
    line[n] = '\0';
    return strcmp(line, "y") == 0 || strcmp(line, "Y") == 0 || strcmp(line, "yes") == 0 ||
           strcmp(line, "YES") == 0 || strcmp(line, "Yes") == 0;
}

int
cli_ask(const char *question)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char q[1024];
    snprintf(q, sizeof(q), "%s [y/N] ", question);
    int yes = tty_confirm(fd, q);
    close(fd);
    return yes;
}

int
cli_entry_sign(struct cli *c, const struct cli_signers *s, struct cli_parties *p, int yes,
               const char *body, char **tokens, size_t *ntok, struct custos_error *err)
{
    *ntok = 0;
    char *text = NULL;
    int rc = custos_entry_describe(body, strlen(body), &text, err);
    if (rc != CUSTOS_OK)
        return rc;
    int fd = -1;
    if (!yes) {
        fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) {
            free(text);
            return cli_confirm_possible(0, err);
        }
    }
    cli_progress_end(c);
    const char *headline = "The ledger entry to be signed:\n";
    if (fd >= 0) {
        if (write(fd, headline, strlen(headline)) < 0 || write(fd, text, strlen(text)) < 0) {
            /* Not shown: do not ask. */
            free(text);
            close(fd);
            return custos_error_set(err, CUSTOS_E_IO, errno, "/dev/tty", "cannot show the entry");
        }
    }
    /* With --yes the script's author has decided; stderr stays one line per diagnostic. */
    free(text);
    for (size_t k = 0; rc == CUSTOS_OK && k < p->n; k++) {
        if (!cli_parties_signs_now(p, k))
            continue;
        if (fd >= 0) {
            char q[600];
            snprintf(q, sizeof(q), "%s %s: sign this entry? [y/N] ", p->as[k],
                     custos_key_name(p->key[k]));
            if (!tty_confirm(fd, q)) {
                rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, NULL,
                                      "%s %s did not confirm the entry; nothing was signed or "
                                      "recorded",
                                      p->as[k], custos_key_name(p->key[k]));
                break;
            }
        }
        rc = cli_parties_unlock(s, p, k, err);
        if (rc == CUSTOS_OK)
            rc = custos_ledger_sign_body(body, strlen(body), p->key[k], &tokens[*ntok], err);
        if (rc == CUSTOS_OK)
            (*ntok)++;
    }
    if (fd >= 0)
        close(fd);
    if (rc != CUSTOS_OK) {
        for (size_t i = 0; i < *ntok; i++)
            free(tokens[i]);
        *ntok = 0;
    }
    return rc;
}

void
cli_parties_free(struct cli_parties *p)
{
    for (size_t i = 0; i < p->n; i++) {
        custos_key_free(p->key[i]);
        free(p->as[i]);
        free(p->path[i]);
    }
    memset(p, 0, sizeof(*p));
}

void
cli_custody_init(struct cli_custody *o)
{
    memset(o, 0, sizeof(*o));
    cli_signers_init(&o->signers);
}

int
cli_custody_option(struct cli *c, struct cli_custody *o, int ch, const char *arg)
{
    switch (ch) {
    case 'l':
        o->ledger = arg;
        return CLI_CONTINUE;
    case CLI_OPT_ITEM:
        o->item = arg;
        return CLI_CONTINUE;
    case CLI_OPT_KEY:
        o->key = arg;
        return CLI_CONTINUE;
    case CLI_OPT_SIGN:
        return cli_signers_add(c, &o->signers, "--sign", arg);
    case CLI_OPT_PARTY:
        if (o->nparty == CLI_MAX_SIGNERS || strchr(arg, '=') == NULL)
            return cli_usage(c, "--party needs AS=KEYFILE (at most %d)", CLI_MAX_SIGNERS);
        o->party[o->nparty++] = arg;
        return CLI_CONTINUE;
    case CLI_OPT_PASSFILE:
        return cli_signers_add_passfile(c, &o->signers, arg);
    case CLI_OPT_PASSFD:
        return cli_signers_set_passfd(c, &o->signers, arg);
    case CLI_OPT_YES:
        o->yes = 1;
        return CLI_CONTINUE;
    default:
        return CLI_NOT_MINE;
    }
}

int
cli_custody_check(struct cli *c, const struct cli_custody *o)
{
    if (o->ledger == NULL && (o->signers.n > 0 || o->nparty > 0 || o->item != NULL))
        return cli_usage(c, "--sign, --party and --item need --ledger");
    if (o->ledger != NULL && o->key == NULL)
        return cli_usage(c, "--ledger needs --key (your key)");
    if (o->ledger != NULL && (o->item == NULL || o->item[0] == '\0'))
        return cli_usage(c, "--ledger needs --item ID");
    return 0;
}

int
cli_custody_prepare(const struct cli_custody *o, const char *key_as, const char *action,
                    const char *probe_fields, struct custos_ledger **l, struct cli_parties *p,
                    struct custos_error *err)
{
    *l = NULL;
    const struct cli_signers *s = &o->signers;
    const char *specs[CLI_MAX_SIGNERS + 1];
    char first[4096];
    snprintf(first, sizeof(first), "%s=%s", key_as, o->key);
    specs[0] = first;
    for (size_t i = 0; i < s->n && i < CLI_MAX_SIGNERS; i++)
        specs[i + 1] = s->spec[i];
    int rc = cli_parties_load_signers(specs, s->n + 1, 0, p, err);
    if (rc == CUSTOS_OK)
        rc = cli_parties_load(s, o->party, o->nparty, 0, p, err);
    if (rc == CUSTOS_OK)
        rc = custos_ledger_open(l, o->ledger, err);
    if (rc != CUSTOS_OK)
        return rc;
    char *body = NULL;
    rc = custos_ledger_propose(*l, action, probe_fields, p->party, p->n, NULL, &body);
    if (rc != CUSTOS_OK)
        custos_error_copy(err, custos_ledger_error(*l));
    free(body);
    if (rc == CUSTOS_OK)
        rc = cli_confirm_possible(o->yes, err);
    return rc;
}

int
cli_custody_record(struct cli *c, const struct cli_custody *o, struct custos_ledger *l,
                   const char *action, const char *fields, struct cli_parties *p, int print,
                   struct custos_error *err)
{
    uint64_t seq = 0;
    int rc = CUSTOS_OK;
    /* Another process may append between the proposal and the commit; the
     * entry is then shown and confirmed again on the new head. */
    for (int attempt = 0; attempt < 16; attempt++) {
        char *body = NULL, *tokens[CLI_MAX_SIGNERS] = {0};
        size_t ntok = 0;
        rc = custos_ledger_propose(l, action, fields, p->party, p->n, NULL, &body);
        if (rc != CUSTOS_OK)
            custos_error_copy(err, custos_ledger_error(l));
        if (rc == CUSTOS_OK)
            rc = cli_entry_sign(c, &o->signers, p, o->yes, body, tokens, &ntok, err);
        if (rc == CUSTOS_OK) {
            rc = custos_ledger_commit(l, body, strlen(body), (const char *const *)tokens, ntok,
                                      o->nparty > 0 ? CUSTOS_LEDGER_ALLOW_MISSING : 0, &seq);
            if (rc != CUSTOS_OK)
                custos_error_copy(err, custos_ledger_error(l));
        }
        for (size_t i = 0; i < ntok; i++)
            free(tokens[i]);
        free(body);
        if (rc != CUSTOS_E_REFUSED || strstr(err->message, "moved") == NULL)
            break;
    }
    if (rc != CUSTOS_OK)
        return rc;
    if (print)
        printf("ledger: entry %llu (%s of %s) appended to %s%s\n", (unsigned long long)seq, action,
               o->item, o->ledger, o->nparty > 0 ? "; awaiting late signatures" : "");
    return rc;
}

int
cli_case_facts_load(const char *path, const char *item, struct cli_case_facts *f,
                    struct custos_error *err)
{
    memset(f, 0, sizeof(*f));
    struct custos_custody *m = NULL;
    int rc = custos_custody_load(&m, path, NULL, NULL, err);
    if (m == NULL)
        return rc;
#define DUP(dst, src)                                                                              \
    do {                                                                                           \
        if ((src) != NULL && ((dst) = strdup(src)) == NULL)                                        \
            rc = CUSTOS_E_NOMEM;                                                                   \
    } while (0)
    rc = CUSTOS_OK;
    DUP(f->case_id, m->case_id);
    DUP(f->authorisation, m->authorisation);
    for (size_t i = 0; item != NULL && i < m->nitems; i++) {
        const struct custos_custody_item *it = &m->items[i];
        if (strcmp(it->id, item) != 0)
            continue;
        f->collected = 1;
        DUP(f->description, it->description);
        DUP(f->make, it->make);
        DUP(f->model, it->model);
        DUP(f->serial, it->serial);
    }
#undef DUP
    custos_custody_free(m);
    if (rc != CUSTOS_OK) {
        cli_case_facts_free(f);
        return custos_error_set(err, rc, 0, path, "out of memory");
    }
    return CUSTOS_OK;
}

void
cli_case_facts_free(struct cli_case_facts *f)
{
    free(f->case_id);
    free(f->authorisation);
    free(f->description);
    free(f->make);
    free(f->model);
    free(f->serial);
    memset(f, 0, sizeof(*f));
}

int
cli_fact_match(const char *ledger, const char *option, const char *given, const char *from_ledger,
               const char **use, struct custos_error *err)
{
    if (from_ledger == NULL) {
        *use = given;
        return CUSTOS_OK;
    }
    if (given != NULL && strcmp(given, from_ledger) != 0)
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, ledger,
                                "%s \"%s\" differs from the ledger's \"%s\"; refusing to record "
                                "one case under another's facts (leave %s out to take the "
                                "ledger's)",
                                option, given, from_ledger, option);
    *use = from_ledger;
    return CUSTOS_OK;
}

int
cli_confirm_unlock(struct cli *c, const struct cli_signers *s, struct cli_parties *p, size_t only,
                   int yes, const char *headline, const char *text, struct custos_error *err)
{
    int fd = -1;
    if (!yes) {
        fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
            return cli_confirm_possible(0, err);
    }
    cli_progress_end(c);
    if (fd >= 0 &&
        (write(fd, headline, strlen(headline)) < 0 || write(fd, text, strlen(text)) < 0)) {
        close(fd);
        return custos_error_set(err, CUSTOS_E_IO, errno, "/dev/tty", "cannot show what is signed");
    }
    int rc = CUSTOS_OK;
    for (size_t k = 0; rc == CUSTOS_OK && k < p->n; k++) {
        if ((only != CLI_ALL_PARTIES && k != only) || !cli_parties_signs_now(p, k))
            continue;
        char q[600];
        snprintf(q, sizeof(q), "%s %s: sign this? [y/N] ", p->as[k], custos_key_name(p->key[k]));
        if (fd >= 0 && !tty_confirm(fd, q))
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, NULL,
                                  "%s %s did not confirm; nothing was signed", p->as[k],
                                  custos_key_name(p->key[k]));
        else
            rc = cli_parties_unlock(s, p, k, err);
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

int
cli_entry_record(struct cli *c, const struct cli_signers *s, struct cli_parties *p, int yes,
                 struct custos_ledger *l, const char *action, const char *fields, const char *time,
                 unsigned flags, uint64_t *seq, struct custos_error *err)
{
    int rc = CUSTOS_OK;
    /* Another process may append between the proposal and the commit; the
     * entry is then shown and confirmed again on the new head. */
    for (int attempt = 0; attempt < 16; attempt++) {
        char *body = NULL, *tokens[CLI_MAX_SIGNERS] = {0};
        size_t ntok = 0;
        rc = custos_ledger_propose(l, action, fields, p->party, p->n, time, &body);
        if (rc != CUSTOS_OK)
            custos_error_copy(err, custos_ledger_error(l));
        if (rc == CUSTOS_OK)
            rc = cli_entry_sign(c, s, p, yes, body, tokens, &ntok, err);
        if (rc == CUSTOS_OK) {
            rc = custos_ledger_commit(l, body, strlen(body), (const char *const *)tokens, ntok,
                                      flags, seq);
            if (rc != CUSTOS_OK)
                custos_error_copy(err, custos_ledger_error(l));
        }
        for (size_t i = 0; i < ntok; i++)
            free(tokens[i]);
        free(body);
        if (rc != CUSTOS_E_REFUSED || strstr(err->message, "moved") == NULL)
            break;
    }
    return rc;
}

int
cli_entry_probe(struct custos_ledger *l, const char *action, const char *fields,
                const struct cli_parties *p, const char *time, struct custos_error *err)
{
    char *body = NULL;
    int rc = custos_ledger_propose(l, action, fields, p->party, p->n, time, &body);
    if (rc != CUSTOS_OK)
        custos_error_copy(err, custos_ledger_error(l));
    free(body);
    return rc;
}

size_t
cli_parties_find(const struct cli_parties *p, const char *as)
{
    size_t i = 0;
    while (i < p->n && strcmp(p->as[i], as) != 0)
        i++;
    return i;
}

int
cli_missing_field(const char *action, const char *fields_json, char *name, size_t size)
{
    char *pj = NULL;
    struct custos_error err;
    if (custos_ledger_policy(action, &pj, &err) != CUSTOS_OK)
        return 0;
    json_t *pol = json_loads(pj, 0, NULL);
    json_t *given = fields_json != NULL ? json_loads(fields_json, 0, NULL) : NULL;
    free(pj);
    json_t *f;
    size_t i;
    int out = 0;
    json_array_foreach(json_object_get(pol, "fields"), i, f)
    {
        const char *fname = json_string_value(json_object_get(f, "name"));
        if (out || fname == NULL || !json_is_true(json_object_get(f, "required")) ||
            custos_ledger_field_automatic(action, fname) || json_object_get(given, fname) != NULL)
            continue;
        snprintf(name, size, "%s", fname);
        out = 1;
    }
    json_decref(given);
    json_decref(pol);
    return out;
}

int
cli_parties_fit(const char *action, const struct cli_parties *p, struct custos_error *err)
{
    char *pj = NULL;
    int rc = custos_ledger_policy(action, &pj, err);
    if (rc != CUSTOS_OK)
        return rc;
    json_t *pol = json_loads(pj, 0, NULL);
    free(pj);
    json_t *caps = json_object_get(pol, "parties"), *cap;
    size_t i;
    json_array_foreach(caps, i, cap)
    {
        const char *as = json_string_value(json_object_get(cap, "as"));
        if (rc == CUSTOS_OK && json_is_true(json_object_get(cap, "required")) &&
            cli_parties_find(p, as) == p->n)
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, NULL,
                                  "%s needs a party acting as %s (--sign %s=KEY, or --party "
                                  "%s=KEY.pub)",
                                  action, as, as, as);
    }
    for (size_t k = 0; rc == CUSTOS_OK && k < p->n; k++) {
        const char *role = custos_key_role(p->party[k].key);
        int known = 0, allowed = 0;
        json_array_foreach(caps, i, cap)
        {
            if (strcmp(json_string_value(json_object_get(cap, "as")), p->as[k]) != 0)
                continue;
            known = 1;
            json_t *r;
            size_t j;
            json_array_foreach(json_object_get(cap, "roles"), j, r) allowed |=
                strcmp(json_string_value(r), role) == 0;
        }
        if (!known || !allowed)
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, NULL, "%s (%s) may not act as %s in %s",
                                  custos_key_name(p->party[k].key), role, p->as[k], action);
    }
    json_decref(pol);
    return rc;
}
