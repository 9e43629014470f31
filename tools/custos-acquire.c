/* SPDX-License-Identifier: ISC */
/*
 * custos-acquire: image a block device, file or stream to raw or E01, hashing
 * in the same pass (libcustos acquire.h does the work).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <custos/custos.h>
#include <jansson.h>

#include "cli.h"

static const char usage_text[] =
    "usage: custos-acquire [options] SOURCE -o OUTPUT\n"
    "\n"
    "Image SOURCE (a block device, a file, an E01 or split raw set, or - for\n"
    "standard input) to OUTPUT, hashing it in the same pass, and write the\n"
    "acquisition record OUTPUT.acquire.json beside it.\n"
    "\n"
    "  -o, --output PATH         the image: raw file (or PATH.001 ... with -s), or E01 set\n"
    "  -f, --format FORMAT       raw or e01 (default: e01 when PATH ends in .E01, else raw)\n"
    "  -c, --compression LEVEL   E01: none, empty-block, fast (default) or best\n"
    "  -s, --segment-size SIZE   split into segments of SIZE (raw: default one file;\n"
    "                            E01: default 1500M)\n"
    "  -d, --digests LIST        md5,sha1,sha256 or all (default all)\n"
    "  -w, --window SIZE         piecewise SHA-256 every SIZE bytes (default 1G; 0: none)\n"
    "  -a, --authorisation REF   the warrant, order or approval reference (required\n"
    "                            without --ledger)\n"
    "      --no-authorisation    acquire without one; the record says so\n"
    "      --case ID             case metadata, stored in the E01 and the record\n"
    "      --evidence N\n"
    "      --examiner TEXT\n"
    "      --description TEXT\n"
    "      --notes TEXT\n"
    "      --retries N           extra attempts of a failed read before narrowing (default 2)\n"
    "      --sector-size N       override the source's logical sector size\n"
    "      --verify              re-read the written image and compare (default)\n"
    "      --no-verify           do not re-read the written image\n"
    "      --record PATH         write the record to PATH instead\n"
    "      --json                print the record as JSON on standard output\n"
    "      --key KEY             sign the record with KEY (the custodian's private key):\n"
    "                            detached signature RECORD.sig, published with it; with\n"
    "                            --ledger the custodian's key signs it as well\n"
    "\n"
    "Chain of custody (an `acquire` entry appended when the image is written):\n"
    "  -l, --ledger FILE         the case ledger (custos-ledger)\n"
    "      --item ID             the evidence item (default: --evidence)\n"
    "      --key KEY             the custodian's private key (it also signs the record)\n"
    "      --sign AS=KEY         another party signing now, e.g. witness=carol.key\n"
    "      --party AS=KEY.pub    a party who signs later with custos-ledger add attest\n"
    "      --passphrase-file F   one for all keys, or one per key (--key first)\n"
    "      --passphrase-fd N     read the passphrases from descriptor N\n"
    "      --yes                 sign without asking each signer to confirm the entry\n"
    "      --collect             record the item's collection too: a `collect` entry\n"
    "                            (with --description and, if known, --make, --model,\n"
    "                            --serial, --location) signed before imaging; it stands\n"
    "                            even if the imaging then fails\n"
    "  With --ledger, the case number and authorisation are the ledger's (given\n"
    "  ones must match), the description defaults to the item's collect entry\n"
    "  and the evidence number to the item.\n"
    "  Everything is checked before any passphrase is asked or a byte read.\n"
    "  The custodian's passphrase is asked before imaging; each --sign party\n"
    "  is shown the entry with its digests afterwards and confirms, then signs.\n"
    "  -q, --quiet               print nothing but errors (with --json: the document only)\n"
    "  -h, --help                print this help\n"
    "  -V, --version             print the version\n"
    "\n"
    "Exit status: 0 done; 1 the written image did not verify; 2 usage; 3 done,\n"
    "but sectors could not be read (zero-filled and mapped); 5 corrupt source;\n"
    "4 the ledger refused the entry; 6 an output exists; 7 system error;\n"
    "130 interrupted. See custos-acquire(1).\n";

enum {
    OPT_CASE = 256,
    OPT_COLLECT,
    OPT_DESCRIPTION,
    OPT_EVIDENCE,
    OPT_EXAMINER,
    OPT_JSON,
    OPT_LOCATION,
    OPT_MAKE,
    OPT_MODEL,
    OPT_NO_AUTH,
    OPT_NO_VERIFY,
    OPT_NOTES,
    OPT_RECORD,
    OPT_RETRIES,
    OPT_SECTOR,
    OPT_SERIAL,
    OPT_VERIFY,
};

/* Keep sorted by name. */
static const struct option longopts[] = {
    {"authorisation", required_argument, NULL, 'a'},
    {"case", required_argument, NULL, OPT_CASE},
    {"case-number", required_argument, NULL, OPT_CASE}, /* the spelling before 0.1 */
    {"collect", no_argument, NULL, OPT_COLLECT},
    {"compression", required_argument, NULL, 'c'},
    {"description", required_argument, NULL, OPT_DESCRIPTION},
    {"digests", required_argument, NULL, 'd'},
    {"evidence", required_argument, NULL, OPT_EVIDENCE},
    {"evidence-number", required_argument, NULL, OPT_EVIDENCE}, /* the spelling before 0.1 */
    {"examiner", required_argument, NULL, OPT_EXAMINER},
    {"format", required_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {"json", no_argument, NULL, OPT_JSON},
    {"location", required_argument, NULL, OPT_LOCATION},
    {"make", required_argument, NULL, OPT_MAKE},
    {"model", required_argument, NULL, OPT_MODEL},
    {"no-authorisation", no_argument, NULL, OPT_NO_AUTH},
    {"no-verify", no_argument, NULL, OPT_NO_VERIFY},
    {"notes", required_argument, NULL, OPT_NOTES},
    {"output", required_argument, NULL, 'o'},
    {"quiet", no_argument, NULL, 'q'},
    {"record", required_argument, NULL, OPT_RECORD},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"sector-size", required_argument, NULL, OPT_SECTOR},
    {"segment-size", required_argument, NULL, 's'},
    {"serial", required_argument, NULL, OPT_SERIAL},
    {"verify", no_argument, NULL, OPT_VERIFY},
    {"version", no_argument, NULL, 'V'},
    {"window", required_argument, NULL, 'w'},
    CLI_CUSTODY_LONGOPTS,
    {NULL, 0, NULL, 0},
};

struct options {
    struct custos_acquire_options acq;
    const char *format;
    int json;
    int verify_set, no_verify_set;
    int collect;                                  /* --collect */
    const char *make, *model, *serial, *location; /* of the collect entry */
    struct cli_custody custody; /* --ledger, --key (the custodian), --sign, --party ... */
};

static int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s == '\0' || *s == '-' || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

/* The fields of the item's collect entry, as JSON (new string). */
static char *
collect_fields(const struct options *o)
{
    const char *name[] = {"item", "description", "make", "model", "serial", "location"};
    const char *value[] = {o->custody.item, o->acq.description, o->make,
                           o->model,        o->serial,          o->location};
    json_t *j = json_object();
    for (size_t i = 0; i < sizeof(name) / sizeof(name[0]); i++)
        if (value[i] != NULL)
            json_object_set_new(j, name[i], json_string(value[i]));
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    return s;
}

static int
parse_options(struct cli *c, struct options *o, int argc, char **argv)
{
    struct custos_acquire_options *a = &o->acq;
    struct custos_error err;
    uint64_t size;
    unsigned long n;
    int ch;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":a:c:d:f:hl:o:qs:Vw:", longopts, NULL)) != -1) {
        switch (ch) {
        case 'a':
            a->authorisation = optarg;
            break;
        case 'c':
            if (custos_compression_parse(optarg, &a->compression) != 0)
                return cli_usage(c, "unknown compression '%s' (none, empty-block, fast, best)",
                                 optarg);
            break;
        case 'd':
            if (custos_digest_parse(optarg, &a->digests, &err) != CUSTOS_OK)
                return cli_usage(c, "%s", err.message);
            break;
        case 'f':
            o->format = optarg;
            break;
        case 'h':
            fputs(usage_text, stdout);
            exit(0);
        case 'o':
            a->output = optarg;
            break;
        case 'q':
            c->quiet = 1;
            break;
        case 's':
            if (cli_parse_size(optarg, &size) != 0 || size == 0)
                return cli_usage(c, "bad segment size '%s'", optarg);
            a->segment_bytes = size;
            break;
        case 'V':
            printf("custos-acquire %s\n", custos_version());
            exit(0);
        case 'w':
            if (cli_parse_size(optarg, &size) != 0)
                return cli_usage(c, "bad window size '%s'", optarg);
            a->window_bytes = size;
            break;
        case OPT_CASE:
            a->case_number = optarg;
            break;
        case OPT_DESCRIPTION:
            a->description = optarg;
            break;
        case OPT_EVIDENCE:
            a->evidence_number = optarg;
            break;
        case OPT_EXAMINER:
            a->examiner = optarg;
            break;
        case OPT_JSON:
            o->json = 1;
            break;
        case OPT_COLLECT:
            o->collect = 1;
            break;
        case OPT_LOCATION:
            o->location = optarg;
            break;
        case OPT_MAKE:
            o->make = optarg;
            break;
        case OPT_MODEL:
            o->model = optarg;
            break;
        case OPT_SERIAL:
            o->serial = optarg;
            break;
        case OPT_NO_AUTH:
            a->no_authorisation = 1;
            break;
        case OPT_NO_VERIFY:
            o->no_verify_set = 1;
            a->verify = 0;
            break;
        case OPT_NOTES:
            a->notes = optarg;
            break;
        case OPT_RECORD:
            a->record_path = optarg;
            break;
        case OPT_RETRIES:
            if (parse_uint(optarg, 100, &n) != 0)
                return cli_usage(c, "bad retry count '%s' (0 to 100)", optarg);
            a->retries = (unsigned)n;
            break;
        case OPT_SECTOR:
            if (parse_uint(optarg, 4096, &n) != 0)
                return cli_usage(c, "bad sector size '%s'", optarg);
            a->sector_bytes = (uint32_t)n;
            break;
        case OPT_VERIFY:
            o->verify_set = 1;
            a->verify = 1;
            break;
        default: {
            int rc = cli_custody_option(c, &o->custody, ch, optarg);
            if (rc == -2)
                return cli_bad_option(c, argv, ch);
            if (rc != -1)
                return rc;
        }
        }
    }
    if (o->verify_set && o->no_verify_set)
        return cli_usage(c, "--verify and --no-verify together");
    if (optind == argc)
        return cli_usage(c, "missing SOURCE");
    if (argc - optind > 1)
        return cli_usage(c, "one SOURCE only; '%s' is extra", argv[optind + 1]);
    a->source = argv[optind];
    if (a->output == NULL)
        return cli_usage(c, "missing -o OUTPUT");
    if (o->custody.ledger != NULL && o->custody.item == NULL)
        o->custody.item = a->evidence_number;
    int rc = cli_custody_check(c, &o->custody);
    if (rc != 0)
        return rc;
    if (o->custody.ledger == NULL &&
        (o->collect || o->make || o->model || o->serial || o->location))
        return cli_usage(c, "--collect and its fields need --ledger");
    if (!o->collect && (o->make || o->model || o->serial || o->location))
        return cli_usage(c, "--make, --model, --serial and --location go with --collect");
    if (o->collect) {
        char *fields = collect_fields(o), name[64];
        int missing = cli_missing_field("collect", fields, name, sizeof(name));
        free(fields);
        if (missing)
            return cli_usage(c, "--collect needs the field \"%s\" (--%s)", name, name);
    }
    if (a->no_authorisation && a->authorisation != NULL)
        return cli_usage(c, "--authorisation and --no-authorisation together");
    if (o->custody.ledger != NULL && a->no_authorisation)
        return cli_usage(c, "--no-authorisation with --ledger: the case's authorisation is the "
                            "ledger's");
    /* With a ledger, the authorisation is the ledger's (checked in main). */
    if (o->custody.ledger == NULL && !a->no_authorisation &&
        (a->authorisation == NULL || a->authorisation[0] == '\0'))
        return cli_usage(c, "missing --authorisation REF (or --no-authorisation, which is "
                            "recorded)");
    if (a->authorisation != NULL && a->authorisation[0] == '\0')
        return cli_usage(c, "empty --authorisation");
    size_t len = strlen(a->output);
    int e01_name = len > 4 && (strcmp(a->output + len - 4, ".E01") == 0 ||
                               strcmp(a->output + len - 4, ".e01") == 0);
    if (o->format == NULL)
        a->format = e01_name ? CUSTOS_IMAGE_EWF : CUSTOS_IMAGE_RAW;
    else if (strcmp(o->format, "e01") == 0 || strcmp(o->format, "E01") == 0)
        a->format = CUSTOS_IMAGE_EWF;
    else if (strcmp(o->format, "raw") == 0)
        a->format = CUSTOS_IMAGE_RAW;
    else
        return cli_usage(c, "unknown format '%s' (raw or e01)", o->format);
    if (a->format == CUSTOS_IMAGE_RAW && e01_name)
        return cli_usage(c, "a raw image named '%s' would pass for an E01", a->output);
    return 0;
}

/* Warns about a source that may change under us; the record keeps the facts. */
static void
inspect_source(struct cli *c, const char *path)
{
    struct custos_source *s;
    struct custos_error err;
    if (custos_source_open(&s, path, &err) != CUSTOS_OK)
        return; /* custos_acquire reports it */
    const struct custos_source_info *i = custos_source_info(s);
    if (i->mounted_rw)
        cli_warn(c, "warning: %s is mounted read-write at %s: it may change while it is read", path,
                 i->mount_point);
    else if (i->kind == CUSTOS_SOURCE_BLOCK && !i->read_only)
        cli_warn(c,
                 "note: %s is not write-protected by the kernel (blockdev --setro); "
                 "custos only reads it",
                 path);
    custos_source_free(s);
}

static void
print_human(const struct custos_acquisition *a, const char *source, const struct custos_key *signer)
{
    char size[32], hex[CUSTOS_DIGEST_HEX_MAX];
    uint64_t bytes = custos_acquisition_bytes(a);
    double secs = custos_acquisition_seconds(a);
    custos_format_bytes(bytes, size, sizeof(size));
    printf("acquired %s (%llu bytes) from %s in %.1f s (%.1f MB/s)\n", size,
           (unsigned long long)bytes, source, secs, secs > 0 ? (double)bytes / secs / 1e6 : 0.0);
    const struct custos_digest_result *d = custos_acquisition_digests(a);
    static const unsigned order[] = {CUSTOS_DIGEST_MD5, CUSTOS_DIGEST_SHA1, CUSTOS_DIGEST_SHA256};
    for (int i = 0; i < 3; i++)
        if (custos_digest_hex(d, order[i], hex) == CUSTOS_OK)
            printf("  %-7s %s\n", custos_digest_name(order[i]), hex);
    size_t nbad;
    const struct custos_bad_range *bad = custos_acquisition_bad_ranges(a, &nbad);
    uint64_t sectors = 0;
    for (size_t i = 0; i < nbad; i++)
        sectors += bad[i].sector_count;
    if (nbad == 0) {
        printf("  read errors: none\n");
    } else {
        printf("  read errors: %llu sectors of %u bytes in %zu ranges, zero-filled:\n",
               (unsigned long long)sectors, custos_acquisition_sector_bytes(a), nbad);
        for (size_t i = 0; i < nbad && i < 20; i++) {
            const char *files = custos_acquisition_bad_range_files(a, i);
            printf("    sectors %llu-%llu%s%s\n", (unsigned long long)bad[i].first_sector,
                   (unsigned long long)(bad[i].first_sector + bad[i].sector_count - 1),
                   files ? ": " : "", files ? files : "");
        }
        if (nbad > 20)
            printf("    ... %zu more ranges in the record\n", nbad - 20);
    }
    printf("  verification: %s\n", custos_acquisition_verified(a)
                                       ? "the written image was re-read and matches"
                                       : "not performed (--no-verify)");
    size_t nfiles;
    const char *const *files = custos_acquisition_files(a, &nfiles);
    for (size_t i = 0; i < nfiles; i++)
        printf("  image:  %s\n", files[i]);
    printf("  record: %s\n", custos_acquisition_record_path(a));
    if (signer != NULL && custos_acquisition_signature_path(a) != NULL)
        printf("  signed: %s by %s (%s)\n", custos_acquisition_signature_path(a),
               custos_key_name(signer), custos_key_fingerprint(signer));
}

/* Appends the `acquire` entry for a published image, shown to its signers first. */
static int
ledger_append(struct cli *c, const struct options *o, struct custos_ledger *l,
              struct cli_parties *p, const struct custos_acquisition *a, struct custos_error *err)
{
    char *fields = NULL;
    int rc = custos_acquisition_ledger_fields(a, o->custody.item, &fields, err);
    if (rc == CUSTOS_OK)
        rc = cli_custody_record(c, &o->custody, l, "acquire", fields, p, !o->json, err);
    free(fields);
    return rc;
}

/*
 * With a ledger, the case's facts are the ledger's: the case number and
 * authorisation of its open entry (a given value must match, so an image
 * never names another case or warrant), and by default the item's
 * description from its collect entry.
 */
static int
take_ledger_facts(struct options *o, struct cli_case_facts *f, struct custos_error *err)
{
    struct custos_acquire_options *a = &o->acq;
    const char *l = o->custody.ledger;
    int rc = cli_case_facts_load(l, o->custody.item, f, err);
    if (rc == CUSTOS_OK)
        rc = cli_fact_match(l, "--case", a->case_number, f->case_id, &a->case_number, err);
    if (rc == CUSTOS_OK)
        rc = cli_fact_match(l, "--authorisation", a->authorisation, f->authorisation,
                            &a->authorisation, err);
    if (rc == CUSTOS_OK)
        rc = cli_fact_match(l, "--description", a->description, f->description, &a->description,
                            err);
    if (rc == CUSTOS_OK && a->evidence_number == NULL)
        a->evidence_number = o->custody.item;
    return rc;
}

int
main(int argc, char **argv)
{
    struct cli c;
    struct options o;
    struct custos_error err;
    struct custos_acquisition *a = NULL;
    struct custos_ledger *ledger = NULL;
    struct cli_parties parties = {0};
    struct custos_key *own_key = NULL; /* --key without --ledger */
    cli_init(&c, "custos-acquire");
    memset(&o, 0, sizeof(o));
    cli_custody_init(&o.custody);
    custos_acquire_options_init(&o.acq);
    custos_error_clear(&err);
    /* Before getopt permutes argv. */
    char *cmdline = cli_command_line(argc, argv);
    int rc = parse_options(&c, &o, argc, argv);
    if (rc != 0) {
        free(cmdline);
        return rc;
    }
    o.acq.command_line = cmdline;
    custos_leftovers_warn(c.prog, o.acq.output, stderr); /* killed runs' temporary outputs */

    int status = CUSTOS_OK;
    struct cli_case_facts facts = {0};
    if (o.custody.ledger != NULL) {
        /* Everything knowable is checked before a passphrase is asked or a byte
         * read: the policy (the probe stands in for the record's hash), the
         * case's facts, the outputs. With --collect the acquire entry can be
         * dry-run only once the collect entry exists: the collect entry is,
         * and the acquire entry's parties are checked against the policy. */
        json_t *j = json_pack("{s:s, s:s, s:s}", "item", o.custody.item, "record", "(pending)",
                              "record_sha256", CLI_ZERO_SHA256_HEX);
        char *probe = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        char *collect = o.collect ? collect_fields(&o) : NULL;
        status = cli_custody_prepare(&o.custody, "custodian", o.collect ? "collect" : "acquire",
                                     o.collect ? collect : probe, &ledger, &parties, &err);
        if (status == CUSTOS_OK && o.collect)
            status = cli_parties_fit("acquire", &parties, &err);
        if (status == CUSTOS_OK)
            status = take_ledger_facts(&o, &facts, &err);
        free(probe);
        if (status == CUSTOS_OK)
            status = custos_acquire_check(&o.acq, &err);
        /* The custodian's key now, so a mistyped passphrase cannot waste an
         * acquisition; the others sign after the digests exist. */
        if (status == CUSTOS_OK)
            status = cli_parties_unlock(&o.custody.signers, &parties, 0, &err);
        if (status == CUSTOS_OK)
            o.acq.record_key = parties.key[0];
        /* The collection happened: its entry stands even if imaging fails. */
        if (status == CUSTOS_OK && o.collect)
            status = cli_custody_record(&c, &o.custody, ledger, "collect", collect, &parties,
                                        !o.json, &err);
        free(collect);
    } else if (o.custody.key != NULL) {
        /* Only the record is signed: the outputs are checked first, then the key. */
        status = custos_acquire_check(&o.acq, &err);
        if (status == CUSTOS_OK)
            status = cli_load_private_key(&o.custody.signers, 0, o.custody.key, &own_key, &err);
        o.acq.record_key = own_key;
    }
    if (status != CUSTOS_OK) {
        cli_error(&c, &err);
        goto out;
    }
    inspect_source(&c, o.acq.source);
    struct custos_progress prog = cli_progress(&c);
    cli_progress_start(&c);
    status = custos_acquire(&o.acq, &prog, &a, &err);
    cli_progress_end(&c);
    if (a == NULL) {
        cli_error(&c, &err);
        goto out;
    }
    if (o.json)
        cli_print_json(custos_acquisition_record_json(a));
    else if (!c.quiet || status != CUSTOS_OK)
        print_human(a, o.acq.source, o.acq.record_key);
    if (status != CUSTOS_OK)
        cli_error(&c, &err);
    /* An image with mapped read errors is still an acquisition to record. */
    if (ledger != NULL && (status == CUSTOS_OK || status == CUSTOS_E_INCOMPLETE)) {
        struct custos_error lerr;
        custos_error_clear(&lerr);
        int lrc = ledger_append(&c, &o, ledger, &parties, a, &lerr);
        if (lrc != CUSTOS_OK) {
            cli_error(&c, &lerr);
            cli_warn(&c,
                     "%s: the image and its record are kept; the ledger entry was not "
                     "appended",
                     o.acq.output);
            status = custos_status_worst(status, lrc);
        }
    }
out:
    cli_case_facts_free(&facts);
    custos_ledger_free(ledger);
    cli_parties_free(&parties);
    custos_key_free(own_key);
    custos_acquisition_free(a);
    free(cmdline);
    return custos_exit_code(status);
}
