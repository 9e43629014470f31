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
#include <jansson.h>

/* 64 hex zeros: a stand-in SHA-256 for cli_ledger_prepare probes. */
#define CLI_ZERO_SHA256_HEX "0000000000000000000000000000000000000000000000000000000000000000"

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

/* Prints err once (cli_error) and returns the exit code of its status. */
int cli_fail(struct cli *c, const struct custos_error *err);

/*
 * The end of a command: CUSTOS_EXIT_OK when rc is CUSTOS_OK, else prints
 * err once (cli_error) and returns the exit code of rc.
 */
int cli_exit(struct cli *c, int rc, const struct custos_error *err);

/*
 * Prints each line of lines (the warnings libcustos collected, one a line)
 * on stderr as "PROG: PATH: warning: LINE".
 */
void cli_warn_lines(struct cli *c, const char *path, const char *lines);

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

/*
 * Option parsing, the same in every tool:
 *   - a tool's parse_options() returns CLI_CONTINUE to go on, or the exit
 *     code: CUSTOS_EXIT_OK after --help or --version, CUSTOS_EXIT_USAGE
 *     after a usage line. Nothing that parses calls exit(); main() returns.
 *   - -h/--help, -V/--version and -q/--quiet mean the same everywhere: put
 *     CLI_COMMON_LONGOPTS in the getopt_long table and "hqV" in the short
 *     options, and hand each result to cli_common_option() first, or to
 *     the helper that calls it before its own options: cli_signing_option
 *     (--sign, --passphrase-*) or cli_tool_option (the custody options).
 *   - helpers that take one option (cli_common_option, cli_custody_option,
 *     cli_signers_option and those above) return CLI_CONTINUE when they took
 *     it, CLI_NOT_MINE when it is not theirs, else the exit code.
 *   - subcommands are a table of cmd_NAME() functions: struct cli_command,
 *     run by cli_dispatch() or found by cli_command_find() (custos-ledger
 *     keeps a table of its own that also says which operands each takes).
 */
#define CLI_CONTINUE (-1)
#define CLI_NOT_MINE (-2)

#define CLI_COMMON_LONGOPTS                                                                        \
    {"help", no_argument, NULL, 'h'}, {"quiet", no_argument, NULL, 'q'},                           \
    {                                                                                              \
        "version", no_argument, NULL, 'V'                                                          \
    }

/*
 * Prints the help lines of -q, -h and -V, the same in every tool's usage:
 * each option indented by two spaces and padded to width columns.
 */
void cli_common_usage(FILE *f, int width);

/*
 * Takes one getopt_long result ch: 'h' prints the tool's usage on stdout
 * and returns CUSTOS_EXIT_OK; 'V' prints "PROG VERSION" on stdout and
 * returns CUSTOS_EXIT_OK; 'q' sets c->quiet and returns CLI_CONTINUE; ':'
 * and '?' report the bad option (cli_bad_option); anything else returns
 * CLI_NOT_MINE.
 */
int cli_common_option(struct cli *c, int ch, char **argv, void (*usage)(FILE *out));

/* One subcommand: its word and its cmd_NAME() (opts is the tool's options). */
struct cli_command {
    const char *name;
    int (*run)(struct cli *c, void *opts, int argc, char **argv);
};

/*
 * Runs the subcommand named by argv[0] from table (ended by a NULL name)
 * with the operands after it, and returns its exit code; a missing or
 * unknown word is a usage error listing the table's words.
 */
int cli_dispatch(struct cli *c, const struct cli_command *table, void *opts, int argc, char **argv);

/*
 * The entry of table (ended by a NULL name) named word, or NULL: for a tool
 * that words its own usage lines about a missing or unknown command.
 */
const struct cli_command *cli_command_find(const struct cli_command *table, const char *word);

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

/*
 * Who signs: the options every signing tool shares. --sign AS=KEY names a
 * party (its capacity in the entry, e.g. "custodian", and its private key
 * file); --passphrase-file F is given once for all keys or once per --sign,
 * in the same order; --passphrase-fd N reads every passphrase from N.
 */
#define CLI_MAX_SIGNERS 8

struct cli_signers {
    const char *spec[CLI_MAX_SIGNERS]; /* "AS=KEYFILE" */
    size_t n;
    const char *passfile[CLI_MAX_SIGNERS];
    size_t npassfile;
    int passfd; /* -1 unless --passphrase-fd */
};

/* Empties s. */
void cli_signers_init(struct cli_signers *s);

/*
 * Records one --sign AS=KEY (opt names the option in messages), one
 * --passphrase-file or one --passphrase-fd argument. Each returns
 * CLI_CONTINUE when accepted, else prints a usage line and returns
 * CUSTOS_EXIT_USAGE, so a tool's option loop can `return` any other value.
 */
int cli_signers_add(struct cli *c, struct cli_signers *s, const char *opt, const char *spec);
int cli_signers_add_passfile(struct cli *c, struct cli_signers *s, const char *path);

/*
 * Takes one getopt_long result of the signing options every signing tool
 * spells the same way: CLI_OPT_SIGN (cli_signers_add as --sign),
 * CLI_OPT_PASSFILE and CLI_OPT_PASSFD. Returns CLI_CONTINUE when ch was one
 * and is recorded, CLI_NOT_MINE when it is not one, else the usage exit code.
 */
int cli_signers_option(struct cli *c, struct cli_signers *s, int ch, const char *arg);

/*
 * cli_common_option, then cli_signers_option, for the tools that take both
 * (as cli_tool_option for the custody options): CLI_NOT_MINE when ch is
 * neither, CLI_CONTINUE when it was recorded, else the exit code.
 */
int cli_signing_option(struct cli *c, struct cli_signers *s, int ch, char **argv,
                       void (*usage)(FILE *out));

/* The descriptor number of a --passphrase-fd argument, or -1 when it is not one. */
int cli_parse_fd(const char *arg);

/*
 * The tool's main signer given either way: --key KEY, or --sign AS=KEY with
 * AS the main signer's capacity (custodian), so that the custodian signs
 * with --sign custodian=KEY in every tool as in custos-ledger add. spec is
 * the --key argument (as NULL) or a --sign argument. Returns CLI_CONTINUE
 * when *key was set, CLI_NOT_MINE when spec names another party, else
 * (the main signer given twice) the usage exit code.
 */
int cli_main_key(struct cli *c, const char **key, const char *as, const char *spec);
int cli_signers_set_passfd(struct cli *c, struct cli_signers *s, const char *arg);

/*
 * Loads the private key at path with the idx-th passphrase source of s
 * (asking on the terminal when none was given). Returns a custos status.
 */
int cli_load_private_key(const struct cli_signers *s, size_t idx, const char *path,
                         struct custos_key **key, struct custos_error *err);

/* Parties loaded from AS=KEY specs, ready for the ledger. */
struct cli_parties {
    struct custos_ledger_party party[CLI_MAX_SIGNERS];
    struct custos_key *key[CLI_MAX_SIGNERS];
    char *as[CLI_MAX_SIGNERS];
    size_t n;
    /* Parties who sign in this run but whose private key is not loaded
     * yet: their key file and passphrase source (see cli_parties_unlock). */
    char *path[CLI_MAX_SIGNERS];
    size_t pass_idx[CLI_MAX_SIGNERS];
};

/*
 * Adds n AS=KEY specs of parties who sign in this run to p with their
 * PUBLIC keys (KEY.pub, which custos-key writes beside every private key),
 * so that policy, enrolment and the entry can be checked and shown before
 * anyone types a passphrase. The i-th spec takes passphrase source
 * first_idx + i when it is unlocked.
 */
int cli_parties_load_signers(const char *const *specs, size_t n, size_t first_idx,
                             struct cli_parties *p, struct custos_error *err);

/*
 * Replaces party k's public key by its private key (asking its passphrase,
 * up to three tries at a terminal) and checks that it is the same key.
 * Does nothing for a party whose private key is loaded or who signs later.
 */
int cli_parties_unlock(const struct cli_signers *s, struct cli_parties *p, size_t k,
                       struct custos_error *err);

/* 1 when party k signs in this run (private key loaded, or loadable). */
int cli_parties_signs_now(const struct cli_parties *p, size_t k);

/*
 * Returns 0 when signing can be confirmed: yes is set, or there is a
 * terminal to ask on; else a usage error naming --yes.
 */
int cli_confirm_possible(int yes, struct custos_error *err);

/* Asks question + " [y/N] " on the terminal; 1 for yes, 0 otherwise or without one. */
int cli_ask(const char *question);

/*
 * Shows the entry body in plain language (custos_entry_describe) and, for
 * each party who signs in this run, asks them to confirm on the terminal
 * (unless yes), unlocks their key and signs. tokens receives *ntok new
 * strings (free them). A signer who does not confirm stops it all:
 * CUSTOS_E_REFUSED, nothing signed by anybody is kept.
 */
int cli_entry_sign(struct cli *c, const struct cli_signers *s, struct cli_parties *p, int yes,
                   const char *body, char **tokens, size_t *ntok, struct custos_error *err);

/*
 * Adds n AS=KEY specs to p (start from a zeroed p): private keys, with the
 * i-th passphrase source of s for specs[i], when priv; else public keys, of
 * parties who sign later. On failure err names the key file; p must still
 * be released with cli_parties_free.
 */
int cli_parties_load(const struct cli_signers *s, const char *const *specs, size_t n, int priv,
                     struct cli_parties *p, struct custos_error *err);

/* The index of the party acting as `as` in p, or p->n when there is none. */
size_t cli_parties_find(const struct cli_parties *p, const char *as);

/* Releases the keys and names held by p (zeroed p is fine). */
void cli_parties_free(struct cli_parties *p);

/*
 * The custody options of every tool that records its own act in a case
 * ledger: -l/--ledger FILE, --key FILE (the tool's main party, e.g. the
 * custodian), --item ID, --sign AS=KEY (others signing now), --party
 * AS=KEY.pub (others signing later, with an attest entry),
 * --passphrase-file F (one for all keys, or one per key: --key first, then
 * each --sign), --passphrase-fd N. Put CLI_CUSTODY_LONGOPTS in the tool's
 * getopt_long table and "l:" in its short options.
 */
enum {
    CLI_OPT_ITEM = 0x4000,
    CLI_OPT_KEY,
    CLI_OPT_PARTY,
    CLI_OPT_PASSFD,
    CLI_OPT_PASSFILE,
    CLI_OPT_SIGN,
    CLI_OPT_YES,
};
#define CLI_CUSTODY_LONGOPTS                                                                       \
    {"item", required_argument, NULL, CLI_OPT_ITEM},                                               \
        {"key", required_argument, NULL, CLI_OPT_KEY}, {"ledger", required_argument, NULL, 'l'},   \
        {"party", required_argument, NULL, CLI_OPT_PARTY},                                         \
        {"passphrase-fd", required_argument, NULL, CLI_OPT_PASSFD},                                \
        {"passphrase-file", required_argument, NULL, CLI_OPT_PASSFILE},                            \
        {"sign", required_argument, NULL, CLI_OPT_SIGN},                                           \
    {                                                                                              \
        "yes", no_argument, NULL, CLI_OPT_YES                                                      \
    }

struct cli_custody {
    const char *ledger;                 /* -l */
    const char *key;                    /* --key */
    const char *item;                   /* --item */
    struct cli_signers signers;         /* --sign and the passphrase sources */
    const char *party[CLI_MAX_SIGNERS]; /* --party AS=KEY.pub */
    size_t nparty;
    int yes; /* --yes: sign without asking each signer to confirm */
};

/* Empties o. */
void cli_custody_init(struct cli_custody *o);

/*
 * Records one --party AS=KEY.pub argument in party (*n of CLI_MAX_SIGNERS
 * used). Returns CLI_CONTINUE, or after a usage line the exit code.
 */
int cli_party_add(struct cli *c, const char **party, size_t *n, const char *arg);

/*
 * Takes one getopt_long result: returns CLI_CONTINUE when ch was a custody
 * option and is recorded, CLI_NOT_MINE when ch is not one, else (after a
 * usage line) the exit code.
 */
int cli_custody_option(struct cli *c, struct cli_custody *o, int ch, const char *arg);

/*
 * cli_common_option, then cli_custody_option, for the tools that take both:
 * CLI_NOT_MINE when ch is neither, CLI_CONTINUE when it was recorded, else
 * the exit code.
 */
int cli_tool_option(struct cli *c, struct cli_custody *o, int ch, char **argv,
                    void (*usage)(FILE *out));

/*
 * The checks after parsing: --sign, --party and --item need --ledger;
 * --ledger needs --key and an item. Returns 0, or the usage exit code.
 */
int cli_custody_check(struct cli *c, const struct cli_custody *o);

/*
 * Before the long work and before any passphrase: loads the public keys
 * (--key as capacity key_as, e.g. "custodian", then each --sign, then each
 * --party), opens the ledger, and checks an entry of action with
 * probe_fields (stand-in values for what the work will produce) against
 * the ledger's policy (roles, enrolment, revocation, item state, holder),
 * and that signing can be confirmed. Then the tool checks its own outputs
 * and unlocks the main key with cli_parties_unlock(..., 0, ...); the other
 * signers are asked after the work, when the entry can be shown to them.
 * *l and p must be released (custos_ledger_free, cli_parties_free) also on
 * failure.
 */
int cli_custody_prepare(const struct cli_custody *o, const char *key_as, const char *action,
                        const char *probe_fields, struct custos_ledger **l, struct cli_parties *p,
                        struct custos_error *err);

/*
 * After the work: builds the entry with its real fields, shows it to every
 * party signing now and has each confirm and sign (cli_entry_sign), then
 * appends it (parties given by --party are left to attest) and, when
 * print, says so on stdout.
 */
int cli_custody_record(struct cli *c, const struct cli_custody *o, struct custos_ledger *l,
                       const char *action, const char *fields, struct cli_parties *p, int print,
                       struct custos_error *err);

/*
 * The case facts a ledger holds, for tools that would otherwise have them
 * typed again: from the verified ledger at path, the case number and
 * authorisation of its open entry, and the collect entry of item (when
 * item is not NULL and was collected). Strings are new; release with
 * cli_case_facts_free.
 */
struct cli_case_facts {
    char *case_id, *authorisation;
    char *description, *make, *model, *serial; /* of the item's collect entry, or NULL */
    int collected;                             /* 1 when item has a collect entry */
};
int cli_case_facts_load(const char *path, const char *item, struct cli_case_facts *f,
                        struct custos_error *err);
void cli_case_facts_free(struct cli_case_facts *f);

/*
 * A fact given on the command line against the ledger's: when given is
 * NULL, *use becomes the ledger's value; when both exist and differ,
 * returns CUSTOS_E_REFUSED naming the option and both values.
 */
int cli_fact_match(const char *ledger, const char *option, const char *given,
                   const char *from_ledger, const char **use, struct custos_error *err);

/*
 * For what is signed outside a ledger entry (an order, a certificate):
 * shows text, what is about to be signed in plain language, under headline
 * on the terminal and has party `only` of p (CLI_ALL_PARTIES: each party
 * signing in this run) confirm it, unless yes, and unlocks their key. A
 * signer who does not confirm stops it all: CUSTOS_E_REFUSED. Without yes
 * and without a terminal: the usage error of cli_confirm_possible.
 */
#define CLI_ALL_PARTIES ((size_t)-1)
int cli_confirm_unlock(struct cli *c, const struct cli_signers *s, struct cli_parties *p,
                       size_t only, int yes, const char *headline, const char *text,
                       struct custos_error *err);

/*
 * Proposes an entry of action with fields at time (NULL: now) to l, shows
 * it to every party of p signing now and has each confirm and sign
 * (cli_entry_sign), then commits it with flags (CUSTOS_LEDGER_ALLOW_MISSING
 * for parties who sign later); *seq is the new entry's. When the ledger
 * moved meanwhile, it is built, shown and signed again on the new head.
 */
int cli_entry_record(struct cli *c, const struct cli_signers *s, struct cli_parties *p, int yes,
                     struct custos_ledger *l, const char *action, const char *fields,
                     const char *time, unsigned flags, uint64_t *seq, struct custos_error *err);

/*
 * Checks an entry of action with fields at time (NULL: now) by the parties
 * of p (public keys are enough) against the ledger's policy (roles,
 * enrolment, revocation, item state, holder), without signing: before any
 * passphrase. Returns a custos status; err says why.
 */
int cli_entry_probe(struct custos_ledger *l, const char *action, const char *fields,
                    const struct cli_parties *p, const char *time, struct custos_error *err);

/*
 * The first field the policy of action requires, and the ledger does not
 * fill in itself, that fields_json (a JSON object, NULL for none) lacks:
 * copied into name (size bytes); returns 1 then, else 0 (also for an
 * unknown action, which the ledger reports).
 */
int cli_missing_field(const char *action, const char *fields_json, char *name, size_t size);

/*
 * Checks the parties of p against the capacities the policy of action
 * names, from the policy table alone (no ledger state): every required
 * capacity has a party, every party's capacity is one of the action's and
 * its key's role may act so. For a second entry made in the same run, whose
 * ledger state a dry run cannot see yet. Returns CUSTOS_OK, or
 * CUSTOS_E_REFUSED with err naming the capacity.
 */
int cli_parties_fit(const char *action, const struct cli_parties *p, struct custos_error *err);

/* Prints a JSON document (a NUL-terminated string) and a newline on stdout. */
int cli_print_json(const char *json);

/*
 * Prints j indented, its keys in the order they were set, and a newline on
 * stdout, then releases j (NULL prints nothing). Returns 0, or -1 when
 * nothing was printed.
 */
int cli_print_json_doc(json_t *j);

/*
 * A JSON string of s (a path, an error naming one), in custos_path_display's
 * form when s is not UTF-8, which jansson refuses; NULL only without memory.
 */
json_t *cli_json_text(const char *s);

#endif
