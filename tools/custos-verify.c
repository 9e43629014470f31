/* SPDX-License-Identifier: ISC */
/*
 * custos-verify: checks that a backup or a preserved copy of evidence is
 * complete and readable against a manifest, an acquisition record or a
 * BagIt bag, says how much of it was checked, and records the result in the
 * custody ledger. Argument parsing and printing only; the work is
 * custos_verify_* in libcustos (lib/verify.c, lib/verify_target.c).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h> /* getrandom, for a seed nobody chose */
#include <unistd.h>

#include <custos/custos.h>
#include <jansson.h>

#include "cli.h"

struct options {
    const char *reference;     /* -r */
    const char *target;        /* operand, may be NULL */
    const char *reference_sig; /* --reference-sig */
    const char *signer;        /* --signer */
    const char *recheck;       /* --recheck REPORT */
    const char *output;        /* -o REPORT */
    const char *ledger;        /* --ledger */
    const char *key;           /* --key (the verifier) */
    const char *item;          /* --item */
    struct cli_signers signers;
    struct custos_verify_options v;
    int level_set, sample_set, seed_set, json, verbose;
};

static void
usage_text(FILE *out)
{
    fprintf(
        out,
        "usage: custos-verify -r REFERENCE [-q] [--json] [-o REPORT] [--level LEVEL] [--digests "
        "LIST]\n"
        "                     [--sample PCT%%|N] [--seed S] [--part N/T] [--recheck REPORT]\n"
        "                     [--restore [--tmpdir DIR]] [--reference-sig SIG --signer KEY.pub]\n"
        "                     [--ledger LEDGER --key KEY [--item ID]] [TARGET]\n"
        "\n"
        "  -r, --reference FILE    custos manifest, acquisition record, or a sealed package\n"
        "                          (bag directory or tar/zip)\n"
        "  TARGET                  directory, archive (tar, tar.gz/xz/zst, zip, 7z, cpio, iso...)\n"
        "                          or image file/directory; default: beside the record, the bag\n"
        "      --level LEVEL       structure, sample or full (default full; --sample: sample)\n"
        "      --digests LIST      also recompute these of the reference's digests (md5, sha1,\n"
        "                          sha256, all); default: each item's strongest (SHA-256)\n"
        "      --sample PCT%%|N     check PCT percent or N of the items (with --seed)\n"
        "      --seed S            sample seed (decimal); default: random, printed\n"
        "      --part N/T          check only part N of T; T runs cover every item\n"
        "      --recheck REPORT    always check the items a previous JSON report found failed\n"
        "      --restore           extract the archive into a private directory and hash it;\n"
        "                          images: read every file through libtsk\n"
        "      --tmpdir DIR        where the restore test extracts (default $TMPDIR or /tmp)\n"
        "      --reference-sig F   detached signature of the reference (default REFERENCE.sig)\n"
        "      --signer KEY.pub    the key that must have signed the reference\n"
        "  -l, --ledger FILE       append a signed verify entry to this custody ledger\n"
        "      --key FILE          the verifier's private key for the ledger entry\n"
        "      --item ID           the evidence item the entry names\n"
        "      --passphrase-file F read the key's passphrase from F\n"
        "      --passphrase-fd N   read the key's passphrase from descriptor N\n"
        "      --json              print the report as one JSON document\n"
        "  -o, --output FILE       also write the JSON report to FILE (never overwritten)\n"
        "  -v, --verbose           list every item, not only the failures\n");
    cli_common_usage(out, 24);
}

enum {
    OPT_SAMPLE = 256,
    OPT_SEED,
    OPT_PART,
    OPT_RECHECK,
    OPT_RESTORE,
    OPT_TMPDIR,
    OPT_REFSIG,
    OPT_SIGNER,
    OPT_LEVEL,
    OPT_KEY,
    OPT_ITEM,
    OPT_JSON,
    OPT_DIGESTS,
};

static int
parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (s[0] < '0' || s[0] > '9')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* --sample PCT% or --sample N. */
static int
parse_sample(struct cli *c, struct options *o, const char *arg)
{
    size_t n = strlen(arg);
    o->sample_set = 1;
    if (n > 1 && arg[n - 1] == '%') {
        char *end;
        errno = 0;
        double p = strtod(arg, &end);
        if (errno != 0 || end != arg + n - 1 || !(p > 0 && p <= 100))
            return cli_usage(c, "--sample: a percentage in (0, 100] followed by %%");
        o->v.sample_percent = p;
    } else if (parse_u64(arg, &o->v.sample_count) != 0 || o->v.sample_count == 0)
        return cli_usage(c, "--sample: PCT%% or a count of at least 1");
    return CLI_CONTINUE;
}

/* What getopt cannot check: the operands and the options that go together. */
static int
check_options(struct cli *c, struct options *o, int argc, char **argv)
{
    if (o->reference == NULL)
        return cli_usage(c, "missing -r REFERENCE");
    if (argc - optind > 1)
        return cli_usage(c, "one TARGET at most");
    o->target = optind < argc ? argv[optind] : NULL;
    if (o->sample_set) {
        if (o->level_set && o->v.level != CUSTOS_VERIFY_SAMPLE)
            return cli_usage(c, "--sample needs --level sample");
        o->v.level = CUSTOS_VERIFY_SAMPLE;
    } else if (o->v.level == CUSTOS_VERIFY_SAMPLE)
        return cli_usage(c, "--level sample needs --sample PCT%%|N");
    if (o->seed_set && o->v.level != CUSTOS_VERIFY_SAMPLE)
        return cli_usage(c, "--seed needs --sample");
    if (o->v.tmpdir != NULL && !o->v.restore)
        return cli_usage(c, "--tmpdir needs --restore");
    if (o->reference_sig != NULL && o->signer == NULL)
        return cli_usage(c, "--reference-sig needs --signer KEY.pub");
    if ((o->ledger == NULL) != (o->key == NULL))
        return cli_usage(c, "--ledger and --key go together");
    if (o->item != NULL && o->ledger == NULL)
        return cli_usage(c, "--item needs --ledger");
    if (o->v.level == CUSTOS_VERIFY_SAMPLE && !o->seed_set) {
        uint64_t s = 0;
        if (getrandom(&s, sizeof(s), 0) != (ssize_t)sizeof(s))
            return cli_usage(c, "no random seed available: give --seed");
        o->v.seed = s % 10000000000000000000ull;
    }
    return CLI_CONTINUE;
}

static int
parse_options(struct cli *c, struct options *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"digests", required_argument, NULL, OPT_DIGESTS},
        CLI_COMMON_LONGOPTS,
        {"item", required_argument, NULL, OPT_ITEM},
        {"json", no_argument, NULL, OPT_JSON},
        {"key", required_argument, NULL, OPT_KEY},
        {"ledger", required_argument, NULL, 'l'},
        {"level", required_argument, NULL, OPT_LEVEL},
        {"output", required_argument, NULL, 'o'},
        {"part", required_argument, NULL, OPT_PART},
        {"passphrase-fd", required_argument, NULL, CLI_OPT_PASSFD},
        {"passphrase-file", required_argument, NULL, CLI_OPT_PASSFILE},
        {"recheck", required_argument, NULL, OPT_RECHECK},
        {"reference", required_argument, NULL, 'r'},
        {"reference-sig", required_argument, NULL, OPT_REFSIG},
        {"restore", no_argument, NULL, OPT_RESTORE},
        {"sample", required_argument, NULL, OPT_SAMPLE},
        {"seed", required_argument, NULL, OPT_SEED},
        {"signer", required_argument, NULL, OPT_SIGNER},
        {"tmpdir", required_argument, NULL, OPT_TMPDIR},
        {"verbose", no_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    int ch, r;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":hl:o:qr:vV", longopts, NULL)) != -1) {
        if ((r = cli_signing_option(c, &o->signers, ch, argv, usage_text)) != CLI_NOT_MINE) {
            if (r != CLI_CONTINUE)
                return r;
            continue;
        }
        switch (ch) {
        case OPT_DIGESTS: {
            struct custos_error e;
            if (custos_digest_parse(optarg, &o->v.digests, &e) != CUSTOS_OK)
                return cli_usage(c, "--digests: %s", e.message);
            break;
        }
        case OPT_LEVEL:
            if (o->level_set)
                return cli_usage(c, "--level given twice");
            o->level_set = 1;
            if (strcmp(optarg, "structure") == 0)
                o->v.level = CUSTOS_VERIFY_STRUCTURE;
            else if (strcmp(optarg, "sample") == 0)
                o->v.level = CUSTOS_VERIFY_SAMPLE;
            else if (strcmp(optarg, "full") == 0)
                o->v.level = CUSTOS_VERIFY_FULL;
            else
                return cli_usage(c, "unknown level '%s' (structure, sample, full)", optarg);
            break;
        case 'o':
            o->output = optarg;
            break;
        case 'r':
            o->reference = optarg;
            break;
        case 'v':
            o->verbose = 1;
            break;
        case OPT_SAMPLE:
            if ((r = parse_sample(c, o, optarg)) != CLI_CONTINUE)
                return r;
            break;
        case OPT_SEED:
            if (parse_u64(optarg, &o->v.seed) != 0)
                return cli_usage(c, "--seed: a decimal number");
            o->seed_set = 1;
            break;
        case OPT_PART: {
            unsigned n, t;
            char tail;
            if (sscanf(optarg, "%u/%u%c", &n, &t, &tail) != 2 || n < 1 || t < 1 || n > t)
                return cli_usage(c, "--part: N/T with 1 <= N <= T");
            o->v.part = n;
            o->v.parts = t;
            break;
        }
        case OPT_RECHECK:
            o->recheck = optarg;
            break;
        case OPT_RESTORE:
            o->v.restore = 1;
            break;
        case OPT_TMPDIR:
            o->v.tmpdir = optarg;
            break;
        case OPT_REFSIG:
            o->reference_sig = optarg;
            break;
        case OPT_SIGNER:
            o->signer = optarg;
            break;
        case 'l':
            o->ledger = optarg;
            break;
        case OPT_KEY:
            o->key = optarg;
            break;
        case OPT_ITEM:
            o->item = optarg;
            break;
        case OPT_JSON:
            o->json = 1;
            break;
        default:
            return cli_bad_option(c, argv, ch);
        }
    }
    return check_options(c, o, argc, argv);
}

static void
print_human(const struct custos_verify *v, const struct options *o)
{
    size_t n = custos_verify_count(v);
    int shown = 0;
    for (size_t i = 0; i < n; i++) {
        const struct custos_verify_item *it = custos_verify_item(v, i);
        if (!o->verbose && (it->cls == CUSTOS_VERIFY_OK || it->cls == CUSTOS_VERIFY_NOT_CHECKED))
            continue;
        char name[1024];
        custos_path_display(it->name, strlen(it->name), name, sizeof(name));
        if (!shown++)
            printf("%-11s  %14s  %s\n", "STATUS", "BYTES", "ITEM");
        printf("%-11s  %14" PRIu64 "  %s", custos_verify_class_name(it->cls), it->size_bytes, name);
        if (it->moved_to != NULL) {
            char to[1024];
            custos_path_display(it->moved_to, strlen(it->moved_to), to, sizeof(to));
            printf(" -> %s", to);
        }
        if (it->detail != NULL)
            printf("  (%s)", it->detail);
        if (it->cls == CUSTOS_VERIFY_CHANGED && it->expected[0] && it->actual[0])
            printf("  %s %s, recorded %s", it->algorithm, it->actual, it->expected);
        printf("\n");
    }
    struct custos_verify_totals t;
    custos_verify_totals(v, &t);
    char rb[32], cb[32], rd[32], rate[32];
    custos_format_bytes(t.reference_bytes, rb, sizeof(rb));
    custos_format_bytes(t.checked_bytes, cb, sizeof(cb));
    custos_format_bytes(t.bytes_read, rd, sizeof(rd));
    custos_format_bytes(t.seconds > 0 ? (uint64_t)((double)t.bytes_read / t.seconds) : 0, rate,
                        sizeof(rate));
    printf("totals: ");
    for (int c = 0; c < CUSTOS_VERIFY_CLASSES; c++)
        printf("%s%zu %s", c ? ", " : "", t.count[c],
               custos_verify_class_name((enum custos_verify_class)c));
    printf("\ncoverage: content of %zu of %zu items, %s of %s; level %s", t.checked_items,
           t.reference_items, cb, rb, custos_verify_level_name(o->v.level));
    if (o->v.level == CUSTOS_VERIFY_SAMPLE)
        printf(", seed %" PRIu64, o->v.seed);
    if (o->v.parts)
        printf(", part %u/%u", o->v.part, o->v.parts);
    printf("\nread %s in %.2f s (%s/s); restore test: %s\n", rd, t.seconds, rate,
           custos_verify_restore_result(v));
    printf("%s\n", custos_verify_summary(v));
}

static int
record_in_ledger(const struct options *o, const struct custos_verify *v, struct custos_ledger *l,
                 struct custos_key *k, struct custos_error *err)
{
    char *fields = NULL;
    if (custos_verify_ledger_fields(v, o->item, &fields) != CUSTOS_OK)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    struct custos_ledger_party party = {"verifier", k};
    uint64_t seq;
    int rc = custos_ledger_record(l, CUSTOS_ACTION_VERIFY, fields, &party, 1, NULL, 0, &seq);
    free(fields);
    if (rc != CUSTOS_OK)
        return custos_error_copy(err, custos_ledger_error(l));
    return CUSTOS_OK;
}

int
main(int argc, char **argv)
{
    struct cli cli;
    cli_init(&cli, "custos-verify");
    struct options o;
    memset(&o, 0, sizeof(o));
    cli_signers_init(&o.signers);
    custos_verify_options_init(&o.v);
    int r = parse_options(&cli, &o, argc, argv);
    if (r != CLI_CONTINUE)
        return r;

    struct custos_error err;
    custos_error_clear(&err);
    struct custos_verify *v = NULL;
    struct custos_key *signer = NULL, *vkey = NULL;
    struct custos_ledger *ledger = NULL;
    char **names = NULL, *json = NULL;
    size_t nnames = 0;
    int rc = CUSTOS_OK;
    if (o.output != NULL && access(o.output, F_OK) == 0)
        rc = custos_error_set(&err, CUSTOS_E_REFUSED, 0, o.output, "exists; not overwritten");
    if (rc == CUSTOS_OK)
        rc = custos_verify_new(&v, o.reference, &err);
    /* The reference's signature first: nothing is checked against an untrusted reference. */
    if (rc == CUSTOS_OK && o.signer != NULL) {
        char sigpath[4096];
        snprintf(sigpath, sizeof(sigpath), "%s.sig", o.reference);
        rc = custos_key_load_public(&signer, o.signer, &err);
        if (rc == CUSTOS_OK)
            rc = custos_verify_check_signature(v, o.reference_sig ? o.reference_sig : sigpath,
                                               signer, &err);
    } else if (rc == CUSTOS_OK && !cli.quiet && !o.json) {
        cli_warn(&cli, "%s: reference signature not checked (no --signer)", o.reference);
    }
    if (rc == CUSTOS_OK) /* always on stderr, even with -q: they qualify the result */
        cli_warn_lines(&cli, o.reference, custos_verify_warnings(v));
    if (rc == CUSTOS_OK && o.recheck != NULL) {
        rc = custos_verify_failed_names(o.recheck, &names, &nnames, &err);
        o.v.recheck = (const char *const *)names;
        o.v.nrecheck = nnames;
    }
    /* Open the ledger and load the key before the long work: fail fast. */
    if (rc == CUSTOS_OK && o.ledger != NULL) {
        rc = custos_ledger_open(&ledger, o.ledger, &err);
        if (rc == CUSTOS_OK)
            rc = cli_load_private_key(&o.signers, 0, o.key, &vkey, &err);
    }
    if (rc != CUSTOS_OK) {
        cli_error(&cli, &err);
        goto out;
    }
    if (o.v.level == CUSTOS_VERIFY_SAMPLE && !cli.quiet && !o.json)
        cli_warn(&cli, "sample seed %" PRIu64 " (give --seed %" PRIu64 " to repeat this check)",
                 o.v.seed, o.v.seed);
    struct custos_progress p = cli_progress(&cli);
    cli_progress_start(&cli);
    rc = custos_verify_run(v, o.target, &o.v, &p);
    cli_progress_end(&cli);
    if (rc == CUSTOS_E_INTERRUPTED || rc == CUSTOS_E_USAGE || rc == CUSTOS_E_IO ||
        rc == CUSTOS_E_NOMEM || rc == CUSTOS_E_UNSUPPORTED || rc == CUSTOS_E_REFUSED) {
        custos_error_copy(&err, custos_verify_error(v));
        cli_error(&cli, &err);
        goto out;
    }
    if (custos_verify_report_json(v, &json) != CUSTOS_OK) {
        rc = custos_error_set(&err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        cli_error(&cli, &err);
        goto out;
    }
    if (o.output != NULL) {
        int wr = custos_write_file_new(o.output, json, strlen(json), 0644, &err);
        if (wr != CUSTOS_OK) {
            cli_error(&cli, &err);
            rc = wr;
            goto out;
        }
    }
    if (o.json)
        cli_print_json(json);
    else if (!cli.quiet || rc != CUSTOS_OK) /* findings are shown even with -q */
        print_human(v, &o);
    if (rc != CUSTOS_OK && !o.json) {
        custos_error_copy(&err, custos_verify_error(v));
        cli_error(&cli, &err);
    }
    if (ledger != NULL) {
        struct custos_error lerr;
        custos_error_clear(&lerr);
        int lr = record_in_ledger(&o, v, ledger, vkey, &lerr);
        if (lr != CUSTOS_OK) {
            cli_error(&cli, &lerr);
            rc = custos_status_worst(rc, lr);
        }
    }
out:
    free(json);
    custos_verify_names_free(names, nnames);
    custos_ledger_free(ledger);
    custos_key_free(signer);
    custos_key_free(vkey);
    custos_verify_free(v);
    return custos_exit_code(rc);
}
