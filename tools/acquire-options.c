/* SPDX-License-Identifier: ISC */
/*
 * acquire-options.c: custos-acquire's command line: its --help, the option
 * table and parse_options(), which checks every combination before
 * custos-acquire.c does anything.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <custos/custos.h>
#include <jansson.h>

#include "acquire-options.h"

static void
usage_text(FILE *out)
{
    fputs(
        "usage: custos-acquire [options] SOURCE -o OUTPUT [-o OUTPUT ...]\n"
        "       custos-acquire --resume OUTPUT [--key KEY] [--json] [-q] [SOURCE]\n"
        "                      [--ledger FILE [--item ID] [--sign AS=KEY] ...]\n"
        "\n"
        "Image SOURCE (a block device, a file, an E01 or split raw set, or - for\n"
        "standard input) to OUTPUT, hashing it in the same pass, and write the\n"
        "acquisition record OUTPUT.acquire.json beside it.\n"
        "\n"
        "  -o, --output PATH         the image: raw file (or PATH.001 ... with -s), or E01 set;\n"
        "                            up to 4 times: each image written from the same read,\n"
        "                            verified and published on its own, the record beside each\n"
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
        "      --media-type TYPE     fixed, removable, optical or memory, as the E01 and\n"
        "                            the record say (default: the device's, from sysfs)\n"
        "      --verify              re-read the written image and compare (default)\n"
        "      --no-verify           do not re-read the written image\n"
        "      --record PATH         write the record to PATH instead\n"
        "      --resume OUTPUT       finish the interrupted acquisition (raw or E01) of\n"
        "                            OUTPUT (a run with one -o) with its own options (SOURCE:\n"
        "                            the medium's path now, if it changed); the record lists\n"
        "                            the interruptions; with --ledger (given again) the\n"
        "                            interrupted run's case facts must be the ledger's\n"
        "      --json                print the record as JSON on standard output\n"
        "      --key KEY             sign the record with KEY (the custodian's private key):\n"
        "                            detached signature RECORD.sig, published with it; with\n"
        "                            --ledger the custodian's key signs it as well\n"
        "                            (--sign custodian=KEY says the same, as in custos-ledger)\n"
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
        "4 the ledger refused the entry; 6 an output exists, or --resume found\n"
        "another medium; 7 system error; 8 of several outputs some failed: the\n"
        "others were published with the record, which says which failed; 130\n"
        "interrupted (with one output: the part written is kept for --resume).\n"
        "With --resume, 2 also when there is nothing to resume. See custos-acquire(1).\n",
        out);
}

enum {
    OPT_CASE = 256,
    OPT_COLLECT,
    OPT_DESCRIPTION,
    OPT_EVIDENCE,
    OPT_EXAMINER,
    OPT_JSON,
    OPT_LOCATION,
    OPT_MAKE,
    OPT_MEDIA_TYPE,
    OPT_MODEL,
    OPT_NO_AUTH,
    OPT_NO_VERIFY,
    OPT_NOTES,
    OPT_RECORD,
    OPT_RESUME,
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
    CLI_COMMON_LONGOPTS,
    {"json", no_argument, NULL, OPT_JSON},
    {"location", required_argument, NULL, OPT_LOCATION},
    {"make", required_argument, NULL, OPT_MAKE},
    {"media-type", required_argument, NULL, OPT_MEDIA_TYPE},
    {"model", required_argument, NULL, OPT_MODEL},
    {"no-authorisation", no_argument, NULL, OPT_NO_AUTH},
    {"no-verify", no_argument, NULL, OPT_NO_VERIFY},
    {"notes", required_argument, NULL, OPT_NOTES},
    {"output", required_argument, NULL, 'o'},
    {"record", required_argument, NULL, OPT_RECORD},
    {"resume", required_argument, NULL, OPT_RESUME},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"sector-size", required_argument, NULL, OPT_SECTOR},
    {"segment-size", required_argument, NULL, 's'},
    {"serial", required_argument, NULL, OPT_SERIAL},
    {"verify", no_argument, NULL, OPT_VERIFY},
    {"window", required_argument, NULL, 'w'},
    CLI_CUSTODY_LONGOPTS,
    {NULL, 0, NULL, 0},
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
char *
acquire_collect_fields(const struct options *o)
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

/* One output's format: -f, else by its name (.E01 is an E01). */
static int
output_format(struct cli *c, const struct options *o, const char *output,
              enum custos_image_format *format)
{
    size_t len = strlen(output);
    int e01_name =
        len > 4 && (strcmp(output + len - 4, ".E01") == 0 || strcmp(output + len - 4, ".e01") == 0);
    if (o->format == NULL)
        *format = e01_name ? CUSTOS_IMAGE_EWF : CUSTOS_IMAGE_RAW;
    else if (strcmp(o->format, "e01") == 0 || strcmp(o->format, "E01") == 0)
        *format = CUSTOS_IMAGE_EWF;
    else if (strcmp(o->format, "raw") == 0)
        *format = CUSTOS_IMAGE_RAW;
    else
        return cli_usage(c, "unknown format '%s' (raw or e01)", o->format);
    if (*format == CUSTOS_IMAGE_RAW && e01_name)
        return cli_usage(c, "a raw image named '%s' would pass for an E01", output);
    return CLI_CONTINUE;
}

/* What no single option says: the combinations, the ledger's rules, the format. */
static int
check_options(struct cli *c, struct options *o)
{
    struct custos_acquire_options *a = &o->acq;
    if (o->noutputs == 0)
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
        char *fields = acquire_collect_fields(o), name[64];
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
    if (o->noutputs > 1 && a->record_path != NULL)
        return cli_usage(c, "--record with several outputs: each image's record is beside it");
    for (size_t i = 0; i < o->noutputs; i++) {
        for (size_t j = 0; j < i; j++)
            if (strcmp(o->outputs[i], o->outputs[j]) == 0)
                return cli_usage(c, "-o %s given twice", o->outputs[i]);
        rc = output_format(c, o, o->outputs[i], i == 0 ? &a->format : &o->copies[i - 1].format);
        if (rc != CLI_CONTINUE)
            return rc;
        if (i > 0)
            o->copies[i - 1].output = o->outputs[i];
    }
    a->output = o->outputs[0];
    a->copies = o->noutputs > 1 ? o->copies : NULL;
    a->ncopies = o->noutputs - 1;
    return CLI_CONTINUE;
}

/* --resume OUTPUT [SOURCE]: everything else is the interrupted run's (its journal). */
static int
check_resume(struct cli *c, struct options *o, int argc, char **argv)
{
    struct custos_acquire_options d;
    custos_acquire_options_init(&d);
    if (memcmp(&d, &o->acq, sizeof(d)) != 0 || o->noutputs != 0 || o->format != NULL ||
        o->verify_set || o->collect || o->make || o->model || o->serial || o->location)
        return cli_usage(c, "--resume takes the interrupted run's options from its journal: "
                            "only --key, --json, -q, SOURCE and the ledger's options (--ledger, "
                            "--item, --sign, --party, passphrases, --yes) go with it");
    /* The item defaults to the journal's evidence number (custos-acquire.c). */
    struct cli_custody t = o->custody;
    if (t.ledger != NULL && t.item == NULL)
        t.item = "-";
    int rc = cli_custody_check(c, &t);
    if (rc != 0)
        return rc;
    if (argc - optind > 1)
        return cli_usage(c, "one SOURCE only; '%s' is extra", argv[optind + 1]);
    o->acq.source = optind < argc ? argv[optind] : NULL;
    return CLI_CONTINUE;
}

int
acquire_parse_options(struct cli *c, struct options *o, int argc, char **argv)
{
    struct custos_acquire_options *a = &o->acq;
    struct custos_error err;
    uint64_t size;
    unsigned long n;
    int ch;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":a:c:d:f:hl:o:qs:Vw:", longopts, NULL)) != -1) {
        int rc = cli_tool_option(c, &o->custody, ch, argv, usage_text);
        if (rc != CLI_NOT_MINE) {
            if (rc != CLI_CONTINUE)
                return rc;
            continue;
        }
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
        case 'o':
            if (o->noutputs == CUSTOS_ACQUIRE_MAX_OUTPUTS)
                return cli_usage(c, "at most %d outputs (-o)", CUSTOS_ACQUIRE_MAX_OUTPUTS);
            o->outputs[o->noutputs++] = optarg;
            break;
        case 's':
            if (cli_parse_size(optarg, &size) != 0 || size == 0)
                return cli_usage(c, "bad segment size '%s'", optarg);
            a->segment_bytes = size;
            break;
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
        case OPT_MEDIA_TYPE:
            if (custos_media_type_parse(optarg, &a->media_type) != 0)
                return cli_usage(c, "unknown media type '%s' (fixed, removable, optical, memory)",
                                 optarg);
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
        case OPT_RESUME:
            o->resume = optarg;
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
        default:
            return cli_bad_option(c, argv, ch);
        }
    }
    if (o->verify_set && o->no_verify_set)
        return cli_usage(c, "--verify and --no-verify together");
    if (o->resume != NULL)
        return check_resume(c, o, argc, argv);
    if (optind == argc)
        return cli_usage(c, "missing SOURCE");
    if (argc - optind > 1)
        return cli_usage(c, "one SOURCE only; '%s' is extra", argv[optind + 1]);
    a->source = argv[optind];
    return check_options(c, o);
}
