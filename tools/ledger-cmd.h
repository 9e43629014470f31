/* SPDX-License-Identifier: ISC */
/*
 * ledger-cmd.h: what the parts of custos-ledger share: custos-ledger.c
 * (options, dispatch), ledger-entry.c (the subcommands that make entries)
 * and ledger-cmd.c (the subcommands that read a ledger).
 */
#ifndef CUSTOS_LEDGER_CMD_H
#define CUSTOS_LEDGER_CMD_H

#include <jansson.h>

#include "cli.h"

#define MAX_KEYS   CLI_MAX_SIGNERS
#define MAX_FIELDS 64 /* entry field options, from the ledger's policy table */

struct options {
    const char *ledger;          /* -l */
    const char *output;          /* -o */
    const char *key;             /* --key */
    const char *checkpoint;      /* --checkpoint (the first) */
    const char *checkpoints[16]; /* every --checkpoint, for verify */
    size_t ncheckpoints;
    const char *time;            /* --time */
    struct cli_signers signers;  /* --sign AS=KEY, --passphrase-file, --passphrase-fd */
    const char *party[MAX_KEYS]; /* --party AS=KEY.pub */
    size_t nparty;
    int allow_missing;              /* --allow-missing */
    int json;                       /* --json */
    int yes;                        /* --yes */
    int help;                       /* -h */
    const char *field[MAX_FIELDS];  /* entry field names (custos_ledger_field_name) */
    char opt[MAX_FIELDS][40];       /* their options: "seal_checked" -> "seal-checked" */
    size_t nfields;                 /* entries of field and opt */
    const char *fields[MAX_FIELDS]; /* the value given for each, or NULL */
    const char *log;                /* --log DIR: the organisation's transparency log */
    const char *log_key;            /* --log-key: its verifier key (verify --log) */
    const char *log_state;          /* --log-state: the last checkpoint this verifier saw */
    const char *origin;             /* --origin: a new log's name */
    int whole_entries;              /* --entries: publish the lines, not only their hashes */
    const char *witness[8];         /* --witness URL (witness), in order */
    size_t nwitness;
    const char *witness_key[8]; /* --witness-key VKEY, in the same order */
    size_t nwitness_key;
    long witnesses; /* --witnesses N: cosignatures required, -1: every key */
    int lang;       /* --lang: CUSTOS_LANG_* */
    int lang_given;
    const char *cmd; /* the command word */
    char **args;     /* the operands after it (ended by NULL) */
    size_t nargs;
};

/* The value given for an entry field option, by field name, or NULL. */
const char *ledger_field_value(const struct options *o, const char *field);

/* 1 when a value was given for any entry field option. */
int ledger_any_fields(const struct options *o);

/*
 * The subcommands, each run as cmd_NAME(c, o, arg, err) from the table in
 * custos-ledger.c: arg is the one operand (NULL for a command that takes
 * none; o->args and o->nargs hold them all) and each returns the exit code.
 */

/* ledger-entry.c: the subcommands that make entries (cmd_add is also propose). */
int cmd_open(struct cli *c, struct options *o, const char *arg, struct custos_error *err);
int cmd_add(struct cli *c, struct options *o, const char *action, struct custos_error *err);
int cmd_show_proposal(struct cli *c, struct options *o, const char *proposal,
                      struct custos_error *err);
int cmd_sign(struct cli *c, struct options *o, const char *proposal, struct custos_error *err);
int cmd_commit(struct cli *c, struct options *o, const char *proposal, struct custos_error *err);

/* custos-ledger add ACTION --help: the action's parties and fields, from the policy table. */
int action_help(struct cli *c, const struct options *o, const char *action);

/* ledger-cmd.c: the subcommands that read a ledger (cmd_checkpoint is also
 * cosign, cmd_form also label). */
int cmd_verify(struct cli *c, struct options *o, const char *arg, struct custos_error *err);
int cmd_checkpoint(struct cli *c, struct options *o, const char *in, struct custos_error *err);
int cmd_prove(struct cli *c, struct options *o, const char *arg, struct custos_error *err);
int cmd_show(struct cli *c, struct options *o, const char *arg, struct custos_error *err);
int cmd_status(struct cli *c, struct options *o, const char *arg, struct custos_error *err);
int cmd_export(struct cli *c, struct options *o, const char *arg, struct custos_error *err);
int cmd_form(struct cli *c, struct options *o, const char *arg, struct custos_error *err);

/* ledger-log.c: transparency logs (verify --log is cmd_verify_log). */
int cmd_publish(struct cli *c, struct options *o, const char *arg, struct custos_error *err);
int cmd_verify_log(struct cli *c, struct options *o, struct custos_error *err);
int cmd_witness(struct cli *c, struct options *o, const char *arg, struct custos_error *err);

/* custos-ledger audit (ledger-audit.c): the ledger and every artifact it names. */
int cmd_audit(struct cli *c, struct options *o, const char *dir, struct custos_error *err);

#endif
