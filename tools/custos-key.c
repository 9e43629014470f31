/* SPDX-License-Identifier: ISC */
/*
 * custos-key: make a person's Ed25519 key pair and show who a key belongs to.
 *
 *   custos-key generate --name NAME --role ROLE -o FILE
 *   custos-key show FILE
 *   custos-key sign --key FILE --purpose P -o SIG FILE
 *   custos-key verify --key FILE.pub --purpose P --signature SIG FILE
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

struct options {
    const char *name;     /* --name */
    const char *role;     /* --role */
    const char *output;   /* -o */
    const char *passfile; /* --passphrase-file */
    const char *key;      /* --key */
    const char *purpose;  /* --purpose */
    const char *sig;      /* --signature */
    int passfd;           /* --passphrase-fd, -1 when not given */
    int json;             /* --json */
};

static void
usage_text(FILE *f)
{
    fputs("usage: custos-key generate --name NAME --role ROLE -o FILE [options]\n"
          "       custos-key show [options] FILE\n"
          "       custos-key sign --key FILE --purpose P -o SIG [options] FILE\n"
          "       custos-key verify --key FILE.pub --purpose P --signature SIG FILE\n"
          "\n"
          "  generate            make an Ed25519 key pair: FILE (private, encrypted, 0600)\n"
          "                      and FILE.pub (public); both name the person and role\n"
          "  show                print the name, role and fingerprint of a key file\n"
          "  sign                write a detached signature of FILE to SIG\n"
          "  verify              check a detached signature of FILE\n"
          "\n"
          "  --name NAME         the person's full name (generate)\n"
          "  --role ROLE         custodian, recorder, witness, vendor or legal (generate)\n"
          "  -o, --output FILE   the private key file (generate) or signature (sign)\n"
          "  --key FILE          the private (sign) or public (verify) key file\n"
          "  --purpose P         what is signed: manifest, seal, record, certificate,\n"
          "                      or a full purpose string\n"
          "  --signature SIG     the detached signature file to check (verify)\n"
          "  --passphrase-file F read the passphrase from the first line of F\n"
          "  --passphrase-fd N   read the passphrase from descriptor N\n"
          "  --json              print one JSON document\n",
          f);
    cli_common_usage(f, 20);
}

enum {
    OPT_NAME = 256,
    OPT_ROLE,
    OPT_PASSFILE,
    OPT_PASSFD,
    OPT_JSON,
    OPT_KEY,
    OPT_PURPOSE,
    OPT_SIG
};

static const struct option long_options[] = {
    CLI_COMMON_LONGOPTS,
    {"json", no_argument, NULL, OPT_JSON},
    {"key", required_argument, NULL, OPT_KEY},
    {"name", required_argument, NULL, OPT_NAME},
    {"output", required_argument, NULL, 'o'},
    {"passphrase-fd", required_argument, NULL, OPT_PASSFD},
    {"passphrase-file", required_argument, NULL, OPT_PASSFILE},
    {"purpose", required_argument, NULL, OPT_PURPOSE},
    {"role", required_argument, NULL, OPT_ROLE},
    {"signature", required_argument, NULL, OPT_SIG},
    {NULL, 0, NULL, 0},
};

/* Returns CLI_CONTINUE to go on, or the exit code. */
static int
parse_options(struct cli *c, struct options *o, int argc, char **argv)
{
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":hqVo:", long_options, NULL)) != -1) {
        int rc = cli_common_option(c, opt, argv, usage_text);
        if (rc != CLI_NOT_MINE) {
            if (rc != CLI_CONTINUE)
                return rc;
            continue;
        }
        switch (opt) {
        case 'o':
            o->output = optarg;
            break;
        case OPT_NAME:
            o->name = optarg;
            break;
        case OPT_ROLE:
            o->role = optarg;
            break;
        case OPT_PASSFILE:
            o->passfile = optarg;
            break;
        case OPT_PASSFD:
            if ((o->passfd = cli_parse_fd(optarg)) < 0)
                return cli_usage(c, "--passphrase-fd needs a descriptor number");
            break;
        case OPT_JSON:
            o->json = 1;
            break;
        case OPT_KEY:
            o->key = optarg;
            break;
        case OPT_PURPOSE:
            o->purpose = optarg;
            break;
        case OPT_SIG:
            o->sig = optarg;
            break;
        default:
            return cli_bad_option(c, argv, opt);
        }
    }
    if (o->passfile != NULL && o->passfd >= 0)
        return cli_usage(c, "--passphrase-file and --passphrase-fd exclude each other");
    return CLI_CONTINUE;
}

static void
print_key(struct cli *c, const struct options *o, const char *file, const struct custos_key *k,
          int private_checked)
{
    if (o->json) { /* -q with --json: the document only */
        json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "status",
                              custos_status_name(CUSTOS_OK), "file", file, "kind",
                              private_checked ? "private" : "public", "name", custos_key_name(k),
                              "role", custos_key_role(k), "fingerprint", custos_key_fingerprint(k),
                              "algorithm", CUSTOS_KEY_ALG, "created", custos_key_created(k));
        cli_print_json_doc(j);
        return;
    }
    if (c->quiet)
        return;
    printf("file:        %s (%s key%s)\n", file, private_checked ? "private" : "public",
           private_checked ? ", passphrase and fingerprint checked" : "");
    printf("name:        %s\n", custos_key_name(k));
    printf("role:        %s\n", custos_key_role(k));
    printf("fingerprint: %s\n", custos_key_fingerprint(k));
    printf("short:       %.*s\n", CUSTOS_KEY_FP_SHORT, custos_key_fingerprint(k));
    printf("created:     %s\n", custos_key_created(k));
}

static int
cmd_generate(struct cli *c, void *opts, int argc, char **argv)
{
    const struct options *o = opts;
    struct custos_error e = {0}, *err = &e;
    if (argc > 0)
        return cli_usage(c, "generate: unexpected argument %s", argv[0]);
    if (o->name == NULL)
        return cli_usage(c, "generate: missing --name");
    if (o->role == NULL)
        return cli_usage(c, "generate: missing --role");
    if (o->output == NULL)
        return cli_usage(c, "generate: missing -o FILE");
    custos_leftovers_warn(c->prog, o->output, stderr); /* killed runs' temporary outputs */
    if (!custos_key_role_valid(o->role))
        return cli_usage(c, "--role must be custodian, recorder, witness, vendor or legal");
    struct custos_key *k = NULL;
    char *pass = NULL;
    size_t passlen = 0;
    int rc = custos_key_generate(&k, o->name, o->role, err);
    if (rc == CUSTOS_OK)
        rc = cli_read_passphrase("New passphrase for the private key: ", o->passfile, o->passfd, 1,
                                 &pass, &passlen, err);
    if (rc == CUSTOS_OK)
        rc = custos_key_save(k, o->output, pass, passlen, err);
    custos_passphrase_free(pass, passlen);
    if (rc == CUSTOS_OK)
        print_key(c, o, o->output, k, 1);
    custos_key_free(k);
    return cli_exit(c, rc, err);
}

static int
cmd_show(struct cli *c, void *opts, int argc, char **argv)
{
    const struct options *o = opts;
    struct custos_error e = {0}, *err = &e;
    if (argc < 1)
        return cli_usage(c, "show: missing FILE");
    if (argc > 1)
        return cli_usage(c, "show: one FILE at a time");
    if (o->name != NULL || o->role != NULL || o->output != NULL)
        return cli_usage(c, "show: --name, --role and -o belong to generate");
    const char *file = argv[0];
    struct custos_key *k = NULL;
    int priv = 0;
    int rc = custos_key_load_public(&k, file, err);
    if (rc == CUSTOS_E_USAGE && strstr(err->message, "a private key file") != NULL) {
        /* A private key: decrypt it, which also checks it against its statement. */
        char *pass = NULL;
        size_t passlen = 0;
        rc = cli_read_passphrase("Passphrase: ", o->passfile, o->passfd, 0, &pass, &passlen, err);
        if (rc == CUSTOS_OK)
            rc = custos_key_load_private(&k, file, pass, passlen, err);
        custos_passphrase_free(pass, passlen);
        priv = 1;
    }
    if (rc == CUSTOS_OK)
        print_key(c, o, file, k, priv);
    custos_key_free(k);
    return cli_exit(c, rc, err);
}

/*
 * The --json document of sign and verify: the common "status", the files and,
 * when the key loaded, who signed; on failure the one-line message too.
 */
static void
print_sig_json(const char *file, const char *sig, const char *purpose, const struct custos_key *k,
               int rc, const struct custos_error *err)
{
    json_t *j = json_pack("{s:s, s:o, s:o, s:s}", "status", custos_status_name(rc), "file",
                          cli_json_text(file), "signature", cli_json_text(sig), "purpose", purpose);
    if (j == NULL)
        return;
    if (k != NULL)
        json_object_set_new(j, "signer",
                            json_pack("{s:s, s:s, s:s}", "name", custos_key_name(k), "role",
                                      custos_key_role(k), "fingerprint",
                                      custos_key_fingerprint(k)));
    if (rc != CUSTOS_OK)
        json_object_set_new(j, "message", cli_json_text(err->message));
    cli_print_json_doc(j);
}

/* Maps the short purpose names to CUSTOS_PURPOSE_*; anything else is taken as written. */
static const char *
purpose_of(const char *p)
{
    static const struct {
        const char *name, *purpose;
    } names[] = {
        {"manifest", CUSTOS_PURPOSE_MANIFEST},
        {"seal", CUSTOS_PURPOSE_SEAL},
        {"record", CUSTOS_PURPOSE_RECORD},
        {"certificate", CUSTOS_PURPOSE_CERTIFICATE},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(p, names[i].name) == 0)
            return names[i].purpose;
    return p;
}

static int
cmd_sign(struct cli *c, void *opts, int argc, char **argv)
{
    const struct options *o = opts;
    struct custos_error e = {0}, *err = &e;
    if (argc != 1)
        return cli_usage(c, "sign: needs exactly one FILE");
    const char *file = argv[0];
    if (o->key == NULL || o->purpose == NULL || o->output == NULL)
        return cli_usage(c, "sign: needs --key, --purpose and -o");
    const char *purpose = purpose_of(o->purpose);
    if (strcmp(purpose, CUSTOS_PURPOSE_LEDGER_ENTRY) == 0 ||
        strcmp(purpose, CUSTOS_PURPOSE_KEY_BINDING) == 0)
        return cli_usage(c, "sign: %s signatures are made by custos-ledger and custos-key only",
                         purpose);
    struct custos_key *k = NULL;
    char *pass = NULL;
    size_t passlen = 0;
    int rc = cli_read_passphrase("Passphrase: ", o->passfile, o->passfd, 0, &pass, &passlen, err);
    if (rc == CUSTOS_OK)
        rc = custos_key_load_private(&k, o->key, pass, passlen, err);
    custos_passphrase_free(pass, passlen);
    if (rc == CUSTOS_OK)
        rc = custos_sign_file(k, purpose, file, o->output, err);
    if (o->json && (rc == CUSTOS_OK || k != NULL))
        print_sig_json(file, o->output, purpose, k, rc, err);
    else if (rc == CUSTOS_OK && !c->quiet)
        printf("%s: signed by %s (%s, %.16s) for %s\n", o->output, custos_key_name(k),
               custos_key_role(k), custos_key_fingerprint(k), purpose);
    custos_key_free(k);
    return cli_exit(c, rc, err);
}

static int
cmd_verify(struct cli *c, void *opts, int argc, char **argv)
{
    const struct options *o = opts;
    struct custos_error e = {0}, *err = &e;
    if (argc != 1)
        return cli_usage(c, "verify: needs exactly one FILE");
    const char *file = argv[0];
    if (o->key == NULL || o->purpose == NULL || o->sig == NULL)
        return cli_usage(c, "verify: needs --key, --purpose and --signature");
    struct custos_key *k = NULL;
    int rc = custos_key_load_public(&k, o->key, err);
    if (rc == CUSTOS_OK)
        rc = custos_sign_verify_file(k, purpose_of(o->purpose), file, o->sig, err);
    if (o->json && k != NULL)
        print_sig_json(file, o->sig, purpose_of(o->purpose), k, rc, err);
    else if (rc == CUSTOS_OK && !c->quiet)
        printf("%s: good signature by %s (%s, %.16s)\n", file, custos_key_name(k),
               custos_key_role(k), custos_key_fingerprint(k));
    custos_key_free(k);
    return cli_exit(c, rc, err);
}

static const struct cli_command commands[] = {
    {"generate", cmd_generate}, {"show", cmd_show}, {"sign", cmd_sign},
    {"verify", cmd_verify},     {NULL, NULL},
};

int
main(int argc, char **argv)
{
    struct cli c;
    struct options o = {.passfd = -1};
    cli_init(&c, "custos-key");
    int rc = parse_options(&c, &o, argc, argv);
    if (rc != CLI_CONTINUE)
        return rc;
    /* getopt_long has moved every option before the command word and its operands. */
    return cli_dispatch(&c, commands, &o, argc - optind, argv + optind);
}
