/* SPDX-License-Identifier: ISC */
/*
 * dispose-wipe.c: `custos-dispose wipe`: one verified overwrite pass over a
 * block device or file, and its signed wipe log. Argument parsing, the
 * order of the safety steps and printing only; the work is custos_wipe_* in
 * libcustos (lib/wipe.c).
 *
 * Order: inspect and refuse an unsafe or unconfirmed target, load the
 * signing key and refuse existing log outputs (fail before writing a byte),
 * run the pass and its verification, then write and sign the log, even
 * when the result is FAILED.
 */
#include "dispose-wipe.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <custos/custos.h>
#include <custos/wipe.h>
#include <jansson.h>

struct wipe_options {
    const char *target;
    const char *confirm; /* --confirm */
    const char *log;     /* --log FILE */
    const char *key;     /* --key FILE: signs the log */
    struct cli_signers signers;
    struct custos_wipe_options wipe;
    int have_seed, have_sample_seed, have_pattern, have_verify;
    int json;
};

void
dispose_wipe_usage(FILE *f)
{
    fprintf(f,
            "       custos-dispose wipe [-q] [--json] [--pattern zeros|random] [--seed HEX]\n"
            "                           [--verify full|sample] [--sample-seed HEX] "
            "[--subsections N]\n"
            "                           [--key FILE [--passphrase-file F | --passphrase-fd N]]\n"
            "                           --confirm VALUE --log FILE TARGET\n"
            "       custos-dispose wipe --verify-only [--pattern P --seed HEX] ... --log FILE "
            "TARGET\n"
            "\n"
            "wipe options:\n"
            "      --confirm VALUE      the device's serial number; a device without one (loop)\n"
            "                           is confirmed by its kernel name (loop3), a file by its "
            "path\n"
            "      --key FILE           sign the log with this key (FILE.sig beside the log)\n"
            "      --log FILE           write the wipe log (JSON) to FILE (never overwritten)\n"
            "      --passphrase-fd N    read the key's passphrase from descriptor N\n"
            "      --passphrase-file F  read the key's passphrase from F\n"
            "  -p, --pattern PATTERN    zeros (default) or random (AES-256-CTR keystream of "
            "the seed)\n"
            "      --sample-seed HEX    64 hex digits placing the samples (default: random, "
            "recorded)\n"
            "      --seed HEX           64 hex digits: the keystream key (default: random, "
            "recorded)\n"
            "      --subsections N      sampling: subsections, at least 1000 (default 1000)\n"
            "      --verify MODE        full (default: read every byte back) or sample (NIST "
            "rule)\n"
            "      --verify-only        write nothing: check TARGET against the pattern\n"
            "      --json               print the result and the log as one JSON document\n");
    cli_common_usage(f, 25);
}

static int
parse_seed(struct cli *c, const char *opt, const char *arg, uint8_t seed[CUSTOS_WIPE_SEED_SIZE])
{
    struct custos_error err;
    if (strlen(arg) != 2 * CUSTOS_WIPE_SEED_SIZE ||
        custos_hex_decode(arg, seed, CUSTOS_WIPE_SEED_SIZE, &err) != CUSTOS_OK)
        return cli_usage(c, "%s wants %d hex digits", opt, 2 * CUSTOS_WIPE_SEED_SIZE);
    return CLI_CONTINUE;
}

/* --help of wipe: its own usage line, then the options. */
static void
wipe_usage(FILE *f)
{
    fprintf(f, "usage: custos-dispose wipe [options] --confirm VALUE --log FILE TARGET\n");
    dispose_wipe_usage(f);
}

static int
parse_options(struct cli *c, struct wipe_options *o, int argc, char **argv)
{
    enum {
        OPT_JSON = 256,
        OPT_SAMPLE_SEED,
        OPT_SEED,
        OPT_SUBSECTIONS,
        OPT_VERIFY,
        OPT_VERIFY_ONLY,
        OPT_LOG,
    };
    static const struct option longopts[] = {
        {"confirm", required_argument, NULL, 'c'}, /* no -c: custos-acquire -c is --compression */
        CLI_COMMON_LONGOPTS,
        {"json", no_argument, NULL, OPT_JSON},
        {"key", required_argument, NULL, 'k'}, /* no -k: custos-hash -k is --known */
        {"log", required_argument, NULL, OPT_LOG},
        {"passphrase-fd", required_argument, NULL, CLI_OPT_PASSFD},
        {"passphrase-file", required_argument, NULL, CLI_OPT_PASSFILE},
        {"pattern", required_argument, NULL, 'p'},
        {"sample-seed", required_argument, NULL, OPT_SAMPLE_SEED},
        {"seed", required_argument, NULL, OPT_SEED},
        {"subsections", required_argument, NULL, OPT_SUBSECTIONS},
        {"verify", required_argument, NULL, OPT_VERIFY},
        {"verify-only", no_argument, NULL, OPT_VERIFY_ONLY},
        {NULL, 0, NULL, 0},
    };
    int ch, rc;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":hp:qV", longopts, NULL)) != -1) {
        if ((rc = cli_signing_option(c, &o->signers, ch, argv, wipe_usage)) != CLI_NOT_MINE) {
            if (rc != CLI_CONTINUE)
                return rc;
            continue;
        }
        switch (ch) {
        case 'c':
            if (o->confirm != NULL)
                return cli_usage(c, "--confirm given twice");
            o->confirm = optarg;
            break;
        case OPT_JSON:
            o->json = 1;
            break;
        case 'k':
            if (o->key != NULL)
                return cli_usage(c, "--key given twice");
            o->key = optarg;
            break;
        case OPT_LOG:
            if (o->log != NULL)
                return cli_usage(c, "--log given twice");
            o->log = optarg;
            break;
        case 'p':
            if (o->have_pattern)
                return cli_usage(c, "--pattern given twice");
            o->have_pattern = 1;
            if (strcmp(optarg, "zeros") == 0)
                o->wipe.pattern = CUSTOS_WIPE_ZEROS;
            else if (strcmp(optarg, "random") == 0)
                o->wipe.pattern = CUSTOS_WIPE_AES_CTR;
            else
                return cli_usage(c, "--pattern wants zeros or random, not '%s'", optarg);
            break;
        case OPT_SAMPLE_SEED:
            if (o->have_sample_seed)
                return cli_usage(c, "--sample-seed given twice");
            if ((rc = parse_seed(c, "--sample-seed", optarg, o->wipe.sample_seed)) != CLI_CONTINUE)
                return rc;
            o->have_sample_seed = 1;
            break;
        case OPT_SEED:
            if (o->have_seed)
                return cli_usage(c, "--seed given twice");
            if ((rc = parse_seed(c, "--seed", optarg, o->wipe.seed)) != CLI_CONTINUE)
                return rc;
            o->have_seed = 1;
            break;
        case OPT_SUBSECTIONS: {
            char *end;
            unsigned long n = strtoul(optarg, &end, 10);
            if (*end != '\0' || optarg[0] == '-' || n < CUSTOS_WIPE_SAMPLE_MIN || n > 1000000)
                return cli_usage(c, "--subsections wants a number from %u to 1000000, not '%s'",
                                 CUSTOS_WIPE_SAMPLE_MIN, optarg);
            o->wipe.subsections = (uint32_t)n;
            break;
        }
        case OPT_VERIFY:
            if (o->have_verify)
                return cli_usage(c, "--verify given twice");
            o->have_verify = 1;
            if (strcmp(optarg, "full") == 0)
                o->wipe.verify = CUSTOS_WIPE_VERIFY_FULL;
            else if (strcmp(optarg, "sample") == 0)
                o->wipe.verify = CUSTOS_WIPE_VERIFY_SAMPLE;
            else
                return cli_usage(c, "--verify wants full or sample, not '%s'", optarg);
            break;
        case OPT_VERIFY_ONLY:
            o->wipe.verify_only = 1;
            break;
        default:
            return cli_bad_option(c, argv, ch);
        }
    }
    if (optind >= argc)
        return cli_usage(c, "wipe: missing TARGET");
    if (argc - optind > 1)
        return cli_usage(c, "wipe: one TARGET at a time");
    o->target = argv[optind];
    if (o->log == NULL)
        return cli_usage(c, "wipe: missing --log FILE");
    if (o->confirm == NULL && !o->wipe.verify_only)
        return cli_usage(c, "wipe: missing --confirm VALUE (the device's serial number)");
    if (o->wipe.verify_only && o->wipe.pattern == CUSTOS_WIPE_AES_CTR && !o->have_seed)
        return cli_usage(c, "wipe: --verify-only with --pattern random needs the recorded --seed");
    if (o->have_seed && o->wipe.pattern != CUSTOS_WIPE_AES_CTR)
        return cli_usage(c, "wipe: --seed needs --pattern random");
    if ((o->have_sample_seed || o->wipe.subsections != 0) &&
        o->wipe.verify != CUSTOS_WIPE_VERIFY_SAMPLE)
        return cli_usage(c, "wipe: --sample-seed and --subsections need --verify sample");
    if (o->key == NULL && (o->signers.npassfile > 0 || o->signers.passfd >= 0))
        return cli_usage(c, "wipe: a passphrase option needs --key");
    return CLI_CONTINUE;
}

static double
rate(uint64_t bytes, double seconds)
{
    return seconds > 0 ? (double)bytes / seconds / 1e6 : 0.0;
}

static void
print_human(const struct custos_wipe_target *t, const struct wipe_options *o,
            const struct custos_wipe_result *r, const char *log_json, const char *sigpath)
{
    char size[32];
    custos_format_bytes(t->size_bytes, size, sizeof(size));
    printf("target: %s (%s%s%s, %s)\n", t->path, custos_wipe_kind_name(t->kind),
           t->device[0] != '\0' ? ", " : "", t->device, size);
    if (r->written)
        printf("pass: %s, %llu bytes written in %.1f s (%.1f MB/s), %llu write errors, flush %s\n",
               custos_wipe_pattern_name(o->wipe.pattern), (unsigned long long)r->bytes_written,
               r->write_seconds, rate(r->bytes_written, r->write_seconds),
               (unsigned long long)r->write_errors, r->flush_ok ? "ok" : "FAILED");
    else
        printf("pass: none (verify-only), pattern %s\n", custos_wipe_pattern_name(o->wipe.pattern));
    printf("verification: %s, %llu bytes read back (%s) in %.1f s (%.1f MB/s), %llu read errors, "
           "%llu mismatched bytes\n",
           custos_wipe_verify_name(o->wipe.verify), (unsigned long long)r->bytes_verified,
           r->cache_bypass, r->verify_seconds, rate(r->bytes_verified, r->verify_seconds),
           (unsigned long long)r->read_errors, (unsigned long long)r->mismatched_bytes);
    for (size_t i = 0; i < r->nbad; i++)
        printf("  %s error at offset %llu, %llu bytes%s%s\n", r->bad[i].kind,
               (unsigned long long)r->bad[i].offset, (unsigned long long)r->bad[i].length,
               r->bad[i].sys_errno ? ": " : "",
               r->bad[i].sys_errno ? strerror(r->bad[i].sys_errno) : "");
    /* The notes come from the log itself, so screen and record cannot disagree. */
    json_t *doc = json_loads(log_json, 0, NULL);
    json_t *notes = json_object_get(doc, "notes");
    size_t i;
    json_t *n;
    json_array_foreach(notes, i, n) printf("note: %s\n", json_string_value(n));
    json_decref(doc);
    printf("NIST SP 800-88 category: %s\n", r->passed ? custos_wipe_category(t) : "none");
    printf("log: %s%s%s\n", o->log, sigpath != NULL ? ", signature: " : " (unsigned)",
           sigpath != NULL ? sigpath : "");
    printf("result: %s\n", r->passed ? "PASSED" : "FAILED");
}

static int
print_json(const struct custos_wipe_result *r, int status, const struct wipe_options *o,
           const char *log_json, const char *sigpath)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "status", json_string(custos_status_name(status)));
    json_object_set_new(doc, "result", json_string(r->passed ? "PASSED" : "FAILED"));
    json_object_set_new(doc, "log", cli_json_text(o->log));
    json_object_set_new(doc, "signature", sigpath != NULL ? cli_json_text(sigpath) : json_null());
    json_object_set_new(doc, "write_mb_per_s", json_real(rate(r->bytes_written, r->write_seconds)));
    json_object_set_new(doc, "verify_mb_per_s",
                        json_real(rate(r->bytes_verified, r->verify_seconds)));
    json_object_set_new(doc, "wipe_log", json_loads(log_json, 0, NULL));
    return cli_print_json_doc(doc);
}

static int
refuse_existing(struct cli *c, const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0;
    struct custos_error err;
    custos_error_set(&err, CUSTOS_E_REFUSED, 0, path, "already exists; refusing to overwrite");
    cli_error(c, &err);
    return -1;
}

int
dispose_wipe_main(struct cli *c, int argc, char **argv)
{
    struct wipe_options o;
    memset(&o, 0, sizeof(o));
    cli_signers_init(&o.signers);
    o.wipe.subsections = 0;
    /* argv starts at "wipe": the record names the whole command. */
    char *args = cli_command_line(argc, argv);
    char *cmdline = NULL;
    if (args != NULL && (cmdline = malloc(strlen(args) + 16)) != NULL)
        snprintf(cmdline, strlen(args) + 16, "custos-dispose %s", args);
    free(args);
    int rc = parse_options(c, &o, argc, argv);
    if (rc != CLI_CONTINUE) {
        free(cmdline);
        return rc;
    }
    if (o.wipe.subsections == 0)
        o.wipe.subsections = CUSTOS_WIPE_SAMPLE_MIN;

    struct custos_error err;
    struct custos_wipe_target t;
    struct custos_wipe_result res;
    struct custos_key *key = NULL;
    char *log_json = NULL, *sigpath = NULL;
    int st = custos_wipe_inspect(&t, o.target, &err);
    if (st == CUSTOS_OK)
        st = custos_wipe_check(&t, o.wipe.verify_only ? t.confirm_expected : o.confirm, &err);
    if (st == CUSTOS_OK && o.wipe.pattern == CUSTOS_WIPE_AES_CTR && !o.have_seed)
        st = custos_wipe_random_seed(o.wipe.seed, &err);
    if (st == CUSTOS_OK && o.wipe.verify == CUSTOS_WIPE_VERIFY_SAMPLE && !o.have_sample_seed)
        st = custos_wipe_random_seed(o.wipe.sample_seed, &err);
    if (st != CUSTOS_OK) {
        cli_error(c, &err);
        goto out;
    }
    if (o.key != NULL) {
        size_t n = strlen(o.log) + 5;
        sigpath = malloc(n);
        if (sigpath == NULL) {
            st = custos_error_set(&err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
            cli_error(c, &err);
            goto out;
        }
        snprintf(sigpath, n, "%s.sig", o.log);
    }
    if (refuse_existing(c, o.log) != 0 || (sigpath != NULL && refuse_existing(c, sigpath) != 0)) {
        st = CUSTOS_E_REFUSED;
        goto out;
    }
    /* The key last: its passphrase is asked only for a run that can go ahead. */
    if (o.key != NULL &&
        (st = cli_load_private_key(&o.signers, 0, o.key, &key, &err)) != CUSTOS_OK) {
        cli_error(c, &err);
        goto out;
    }
    if (t.kind == CUSTOS_WIPE_FILE && !o.wipe.verify_only && !c->quiet && !o.json)
        cli_warn(c, "%s: a file overwrite is not media sanitisation", t.path);

    struct custos_progress p = cli_progress(c);
    cli_progress_start(c);
    st = custos_wipe_run(&t, &o.wipe, &p, &res, &err);
    cli_progress_end(c);
    if (st != CUSTOS_OK) {
        cli_error(c, &err);
        goto out;
    }
    struct custos_wipe_log_meta meta = {
        .tool = "custos-dispose",
        .command_line = cmdline,
        .operator_name = key != NULL ? custos_key_name(key) : NULL,
        .operator_role = key != NULL ? custos_key_role(key) : NULL,
        .operator_fingerprint = key != NULL ? custos_key_fingerprint(key) : NULL,
    };
    st = custos_wipe_log_json(&t, &o.wipe, &res, &meta, &log_json, &err);
    if (st == CUSTOS_OK)
        st = custos_write_file_new(o.log, log_json, strlen(log_json), 0644, &err);
    if (st == CUSTOS_OK && key != NULL &&
        (st = custos_sign_file(key, CUSTOS_PURPOSE_WIPE_LOG, o.log, sigpath, &err)) != CUSTOS_OK)
        unlink(o.log); /* exit 7 publishes nothing: no log without its signature */
    if (st != CUSTOS_OK) {
        cli_error(c, &err);
        goto out;
    }
    if (!res.passed) {
        st = custos_dispose_wipe_status(&res);
        cli_warn(c,
                 "%s: wipe FAILED: %llu write errors, flush %s, %llu read errors, %llu mismatched "
                 "bytes; the medium cannot be taken as wiped",
                 t.path, (unsigned long long)res.write_errors, res.flush_ok ? "ok" : "failed",
                 (unsigned long long)res.read_errors, (unsigned long long)res.mismatched_bytes);
    }
    if (o.json)
        print_json(&res, st, &o, log_json, sigpath);
    else if (!c->quiet || st != CUSTOS_OK)
        print_human(&t, &o, &res, log_json, sigpath);
out:
    custos_key_free(key);
    free(log_json);
    free(sigpath);
    free(cmdline);
    return custos_exit_code(st);
}
