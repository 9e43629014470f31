/* SPDX-License-Identifier: ISC */
/*
 * cli-sign.c: who signs, for the custos tools: passphrase input, loading
 * and unlocking the parties' keys (the --sign/--passphrase-* options are
 * read in cli.c), and showing each signer what they sign before their key
 * is used.
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

/*
 * Starts party p->n from the spec AS=KEY: its capacity AS is copied and
 * *keyfile points at KEY. The party is counted at once, so that
 * cli_parties_free releases it whatever happens next.
 */
static int
party_add(const char *spec, struct cli_parties *p, size_t *k, const char **keyfile,
          struct custos_error *err)
{
    const char *eq = strchr(spec, '=');
    if (eq == NULL)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, spec, "not AS=KEYFILE");
    if (p->n == CLI_MAX_SIGNERS)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "at most %d parties",
                                CLI_MAX_SIGNERS);
    *k = p->n;
    if ((p->as[*k] = strndup(spec, (size_t)(eq - spec))) == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    p->n++;
    *keyfile = eq + 1;
    return CUSTOS_OK;
}

int
cli_parties_load(const struct cli_signers *s, const char *const *specs, size_t n, int priv,
                 struct cli_parties *p, struct custos_error *err)
{
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        const char *file = NULL;
        int rc = party_add(specs[i], p, &k, &file, err);
        if (rc == CUSTOS_OK)
            rc = priv ? cli_load_private_key(s, i, file, &p->key[k], err)
                      : custos_key_load_public(&p->key[k], file, err);
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
        size_t k = 0;
        const char *file = NULL;
        int rc = party_add(specs[i], p, &k, &file, err);
        if (rc != CUSTOS_OK)
            return rc;
        char pub[4200];
        snprintf(pub, sizeof(pub), "%s%s", file, CUSTOS_KEY_PUB_SUFFIX);
        rc = custos_key_load_public(&p->key[k], pub, err);
        if (rc == CUSTOS_E_IO)
            return custos_error_set(err, CUSTOS_E_USAGE, 0, pub,
                                    "no public key file beside %s (custos-key writes one); it is "
                                    "needed to check the entry before asking the passphrase",
                                    file);
        if (rc != CUSTOS_OK)
            return rc;
        p->party[k].as = p->as[k];
        p->party[k].key = p->key[k];
        if ((p->path[k] = strdup(file)) == NULL)
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

size_t
cli_parties_find(const struct cli_parties *p, const char *as)
{
    size_t i = 0;
    while (i < p->n && strcmp(p->as[i], as) != 0)
        i++;
    return i;
}
