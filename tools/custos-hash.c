/* SPDX-License-Identifier: ISC */
/*
 * custos-hash: manifests of files, and of the files inside disk images, and
 * audits against them. Argument parsing and printing only; the work is
 * custos_tree_hash, custos_fs_hash, custos_hashset_* and custos_audit_* in
 * libcustos.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <custos/custos.h>
#include <custos/fs.h>
#include <jansson.h>

#include "cli.h"

#define MAX_SETS 16

struct options {
    unsigned algs; /* 0: sha256, or the reference's in an audit */
    enum custos_manifest_format format;
    const char *output; /* -o */
    const char *image;  /* --image */
    const char *audit;  /* --audit MANIFEST */
    const char *known[MAX_SETS];
    size_t nknown;
    const char *notable[MAX_SETS];
    size_t nnotable;
    struct custos_hash_options hash;
    int json;
    struct cli_custody custody; /* --key signs the manifest; --ledger records it */
    const char *signer;         /* --signer: check MANIFEST.sig before an audit */
    const char *signature;      /* --signature: the signature file, if not MANIFEST.sig */
    char **paths;
    size_t npaths;
};

static void
usage_text(void)
{
    printf(
        "usage: custos-hash [-q] [--json] [-d DIGESTS] [-f FORMAT] [-j N] [--no-type]\n"
        "                   [--known SET] [--notable SET] -o MANIFEST (PATH... | --image IMAGE)\n"
        "       custos-hash --audit MANIFEST [-q] [--json] [-j N] (PATH... | --image IMAGE)\n"
        "\n"
        "  -A, --audit MANIFEST  compare the files now with MANIFEST (exit 1 on any difference)\n"
        "  -d, --digests LIST    md5,sha1,sha256 or all (default sha256)\n"
        "  -f, --format FORMAT   json (default), sha256sum, sha1sum, md5sum, hashdeep, dfxml\n"
        "  -i, --image IMAGE     hash the files inside the file systems of a raw, split or E01 "
        "image\n"
        "  -j, --jobs N          hashing threads (default: one per processor)\n"
        "      --json            print the report as one JSON document\n"
        "  -k, --known SET       flag files whose digest is in SET (hash list or manifest)\n"
        "  -n, --notable SET     flag and list files whose digest is in SET\n"
        "      --no-type         do not record the content type (libmagic)\n"
        "  -o, --output FILE     write the manifest to FILE (never overwritten; - for stdout)\n"
        "  -q, --quiet           no progress line\n"
        "\n"
        "Signing and chain of custody:\n"
        "      --key KEY         sign the manifest with KEY: detached signature FILE.sig\n"
        "      --signature SIG   the signature file (default: MANIFEST.sig)\n"
        "      --signer KEY.pub  with --audit: check the manifest's signature first (exit 4)\n"
        "  -l, --ledger FILE     append an `acquire` entry (a logical acquisition) linking\n"
        "                        the manifest and its SHA-256; --key is the custodian\n"
        "      --item ID         the evidence item of the entry\n"
        "      --sign AS=KEY     another party signing now, e.g. witness=carol.key\n"
        "      --party AS=PUB    a party who signs later (custos-ledger add attest)\n"
        "      --passphrase-file F, --passphrase-fd N\n"
        "                        passphrases: one for all keys, or one per key (--key first)\n"
        "      --yes             sign without asking each signer to confirm the entry\n"
        "                        (each --sign party is shown the entry with the manifest's\n"
        "                        SHA-256 after hashing, and confirms before signing)\n"
        "  -h, --help            this text\n"
        "  -V, --version         the version\n");
}

static int
parse_options(struct cli *c, struct options *o, int argc, char **argv)
{
    enum {
        OPT_JSON = 256,
        OPT_NO_TYPE,
        OPT_SIGNATURE,
        OPT_SIGNER,
    };
    static const struct option longopts[] = {
        {"audit", required_argument, NULL, 'A'},
        {"digests", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {"image", required_argument, NULL, 'i'},
        {"jobs", required_argument, NULL, 'j'},
        {"json", no_argument, NULL, OPT_JSON},
        {"known", required_argument, NULL, 'k'},
        {"no-type", no_argument, NULL, OPT_NO_TYPE},
        {"notable", required_argument, NULL, 'n'},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"version", no_argument, NULL, 'V'},
        CLI_CUSTODY_LONGOPTS,
        {"signature", required_argument, NULL, OPT_SIGNATURE},
        {"signer", required_argument, NULL, OPT_SIGNER},
        {NULL, 0, NULL, 0},
    };
    struct custos_error err;
    int ch;
    bool have_format = false;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":A:d:f:hi:j:k:l:n:o:qV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'A':
            if (o->audit != NULL)
                return cli_usage(c, "--audit given twice");
            o->audit = optarg;
            break;
        case 'd':
            if (o->algs != 0)
                return cli_usage(c, "--digests given twice");
            if (custos_digest_parse(optarg, &o->algs, &err) != CUSTOS_OK)
                return cli_usage(c, "%s", err.message);
            break;
        case 'f':
            if (have_format)
                return cli_usage(c, "--format given twice");
            if (custos_manifest_format_parse(optarg, &o->format, &err) != CUSTOS_OK)
                return cli_usage(c, "%s", err.message);
            have_format = true;
            break;
        case 'h':
            usage_text();
            exit(0);
        case 'i':
            if (o->image != NULL)
                return cli_usage(c, "--image given twice");
            o->image = optarg;
            break;
        case 'j': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end != '\0' || n < 1 || n > 1024)
                return cli_usage(c, "--jobs wants a number from 1 to 1024, not '%s'", optarg);
            o->hash.jobs = (unsigned)n;
            break;
        }
        case OPT_JSON:
            o->json = 1;
            break;
        case 'k':
            if (o->nknown == MAX_SETS)
                return cli_usage(c, "at most %d --known sets", MAX_SETS);
            o->known[o->nknown++] = optarg;
            break;
        case 'n':
            if (o->nnotable == MAX_SETS)
                return cli_usage(c, "at most %d --notable sets", MAX_SETS);
            o->notable[o->nnotable++] = optarg;
            break;
        case OPT_NO_TYPE:
            o->hash.no_types = true;
            break;
        case 'o':
            if (o->output != NULL)
                return cli_usage(c, "--output given twice");
            o->output = optarg;
            break;
        case 'q':
            c->quiet = 1;
            break;
        case 'V':
            printf("custos-hash %s\n", custos_version());
            exit(0);
        case OPT_SIGNATURE:
            o->signature = optarg;
            break;
        case OPT_SIGNER:
            o->signer = optarg;
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
    o->paths = argv + optind;
    o->npaths = (size_t)(argc - optind);
    if (o->image != NULL && o->npaths > 0)
        return cli_usage(c, "give either PATH operands or --image, not both");
    if (o->image == NULL && o->npaths == 0)
        return cli_usage(c, "missing PATH or --image");
    if (o->audit != NULL && (o->output != NULL || have_format))
        return cli_usage(c, "--audit cannot be combined with --output or --format");
    if (o->audit == NULL && o->output == NULL)
        return cli_usage(c, "missing --output");
    const struct cli_custody *cu = &o->custody;
    if (o->audit != NULL && (cu->key != NULL || cu->ledger != NULL))
        return cli_usage(c, "--audit does not sign: --key and --ledger make manifests");
    if (o->audit == NULL && o->signer != NULL)
        return cli_usage(c, "--signer checks the manifest of an --audit");
    if ((cu->key != NULL || cu->ledger != NULL) && strcmp(o->output, "-") == 0)
        return cli_usage(c, "a signed or recorded manifest needs a file, not -o -");
    int rc = cli_custody_check(c, cu);
    if (rc != 0)
        return rc;
    if (o->signature != NULL && cu->key == NULL && o->signer == NULL)
        return cli_usage(c, "--signature goes with --key or --signer");
    return 0;
}

static void
display(const struct custos_manifest_entry *e, char *buf, size_t len)
{
    char name[2048];
    custos_path_display(e->path, e->path_len, name, sizeof(name));
    if (e->in_image && e->partition >= 0)
        snprintf(buf, len, "partition %lld: %s", (long long)e->partition, name);
    else
        snprintf(buf, len, "%s", name);
}

/* Flags entries found in the sets; returns a status (USAGE for a set that cannot apply). */
static int
apply_sets(struct cli *c, struct custos_manifest *m, const char *const *names, size_t n,
           unsigned flag)
{
    for (size_t s = 0; s < n; s++) {
        struct custos_hashset *set;
        struct custos_error err;
        int rc = custos_hashset_open(&set, names[s], &err);
        if (rc != CUSTOS_OK) {
            cli_error(c, &err);
            return rc;
        }
        if ((custos_hashset_algs(set) & custos_manifest_algs(m)) == 0) {
            cli_warn(c, "%s: holds no digest of an algorithm this run computes (see --digests)",
                     names[s]);
            custos_hashset_free(set);
            return CUSTOS_E_USAGE;
        }
        for (size_t i = 0; i < custos_manifest_count(m); i++) {
            const struct custos_manifest_entry *e = custos_manifest_entry(m, i);
            if (e->digest.algs != 0 && custos_hashset_contains(set, &e->digest))
                custos_manifest_set_flags(m, i, e->flags | flag);
        }
        custos_hashset_free(set);
    }
    return CUSTOS_OK;
}

static int
hash_source(struct cli *c, const struct options *o, struct custos_manifest *m)
{
    struct custos_error err;
    struct custos_progress p = cli_progress(c);
    int rc;
    custos_error_clear(&err);
    cli_progress_start(c);
    if (o->image != NULL) {
        const char *names[1] = {o->image};
        rc = custos_manifest_set_source(m, CUSTOS_MANIFEST_SOURCE_IMAGE, names, 1);
        if (rc == CUSTOS_OK)
            rc = custos_fs_hash(m, o->image, &o->hash, &p, &err);
    } else {
        rc = custos_manifest_set_source(m, CUSTOS_MANIFEST_SOURCE_TREE,
                                        (const char *const *)o->paths, o->npaths);
        if (rc == CUSTOS_OK)
            rc = custos_tree_hash(m, (const char *const *)o->paths, o->npaths, &o->hash, &p, &err);
    }
    cli_progress_end(c);
    if (rc != CUSTOS_OK && rc != CUSTOS_E_INCOMPLETE) {
        cli_error(c, err.status != CUSTOS_OK ? &err : custos_manifest_error(m));
        return rc;
    }
    /* Every unreadable entry is reported, not only the first. */
    for (size_t i = 0; i < custos_manifest_count(m); i++) {
        const struct custos_manifest_entry *e = custos_manifest_entry(m, i);
        if (e->status != CUSTOS_OK)
            cli_warn(c, "%s", e->error != NULL ? e->error : "unreadable");
    }
    for (size_t i = 0; i < custos_manifest_volumes_unread(m); i++)
        cli_warn(c, "%s", custos_manifest_volume_unread_error(m, i));
    return rc;
}

/*
 * Appends the `acquire` entry of a logical acquisition: the manifest is the
 * record, named by file name and SHA-256 of its bytes.
 */
static int
record_manifest(struct cli *c, const struct options *o, struct custos_ledger *l,
                struct cli_parties *p, struct custos_error *err)
{
    struct custos_digest_result d;
    char hex[CUSTOS_DIGEST_HEX_MAX], tool[64];
    int rc = custos_digest_file(o->output, CUSTOS_DIGEST_SHA256, &d, err);
    if (rc != CUSTOS_OK)
        return rc;
    custos_digest_hex(&d, CUSTOS_DIGEST_SHA256, hex);
    snprintf(tool, sizeof(tool), "custos-hash %s", custos_version());
    const char *slash = strrchr(o->output, '/');
    json_t *j = json_pack("{s:s, s:o, s:s, s:s}", "item", o->custody.item, "record",
                          cli_json_text(slash != NULL ? slash + 1 : o->output), "record_sha256",
                          hex, "tool", tool);
    char *fields = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    rc = cli_custody_record(c, &o->custody, l, "acquire", fields, p, !o->json, err);
    free(fields);
    return rc;
}

static int
cmd_manifest(struct cli *c, struct options *o)
{
    struct custos_manifest *m = NULL;
    struct custos_error err;
    json_t *report = NULL;
    struct custos_ledger *ledger = NULL;
    struct cli_parties parties = {0};
    struct custos_key *own_key = NULL;
    const struct custos_key *signer = NULL;
    int rc = custos_manifest_new(&m, o->algs != 0 ? o->algs : CUSTOS_DIGEST_SHA256, &err);
    if (rc != CUSTOS_OK) {
        cli_error(c, &err);
        return custos_exit_code(rc);
    }
    bool to_stdout = strcmp(o->output, "-") == 0;
    struct stat sb;
    int st = CUSTOS_OK;
    /* Refuse an existing output before the long part; _save refuses again, atomically. */
    if (!to_stdout && lstat(o->output, &sb) == 0) {
        st = custos_error_set(&err, CUSTOS_E_REFUSED, 0, o->output,
                              "already exists; refusing to overwrite");
        cli_error(c, &err);
        goto out;
    }
    char sigpath[4096];
    snprintf(sigpath, sizeof(sigpath), "%s%s", o->signature ? o->signature : o->output,
             o->signature ? "" : ".sig");
    if (o->custody.key != NULL && lstat(sigpath, &sb) == 0) {
        st = custos_error_set(&err, CUSTOS_E_REFUSED, 0, sigpath,
                              "already exists; refusing to overwrite");
        cli_error(c, &err);
        goto out;
    }
    /* Keys, passphrases and the ledger's policy before the long part. */
    if (o->custody.ledger != NULL) {
        json_t *j = json_pack("{s:s, s:s, s:s}", "item", o->custody.item, "record", "(pending)",
                              "record_sha256", CLI_ZERO_SHA256_HEX);
        char *probe = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        st = cli_custody_prepare(&o->custody, "custodian", "acquire", probe, &ledger, &parties,
                                 &err);
        free(probe);
        /* The custodian signs the manifest too: their key now; others after hashing. */
        if (st == CUSTOS_OK)
            st = cli_parties_unlock(&o->custody.signers, &parties, 0, &err);
        signer = parties.key[0];
    } else if (o->custody.key != NULL) {
        st = cli_load_private_key(&o->custody.signers, 0, o->custody.key, &own_key, &err);
        signer = own_key;
    }
    if (st != CUSTOS_OK) {
        cli_error(c, &err);
        goto out;
    }
    st = hash_source(c, o, m);
    if (st != CUSTOS_OK && st != CUSTOS_E_INCOMPLETE)
        goto out;
    rc = apply_sets(c, m, o->known, o->nknown, CUSTOS_ENTRY_KNOWN);
    if (rc == CUSTOS_OK)
        rc = apply_sets(c, m, o->notable, o->nnotable, CUSTOS_ENTRY_NOTABLE);
    if (rc != CUSTOS_OK) {
        st = rc;
        goto out;
    }
    rc = to_stdout ? custos_manifest_write_fd(m, o->format, STDOUT_FILENO)
                   : custos_manifest_save(m, o->output, o->format);
    if (rc != CUSTOS_OK) {
        cli_error(c, custos_manifest_error(m));
        st = rc;
        goto out;
    }
    /* The manifest is published: a failure below leaves it and says why. */
    if (signer != NULL) {
        rc = custos_sign_file(signer, CUSTOS_PURPOSE_MANIFEST, o->output, sigpath, &err);
        if (rc == CUSTOS_OK && !o->json)
            printf("signed: %s by %s (%s)\n", sigpath, custos_key_name(signer),
                   custos_key_fingerprint(signer));
        if (rc != CUSTOS_OK) {
            cli_error(c, &err);
            st = custos_status_worst(st, rc);
        }
    }
    if (ledger != NULL && rc == CUSTOS_OK) {
        rc = record_manifest(c, o, ledger, &parties, &err);
        if (rc != CUSTOS_OK) {
            cli_error(c, &err);
            st = custos_status_worst(st, rc);
        }
    }
    uint64_t files = 0, bytes = 0, links = 0, special = 0, unread = 0, known = 0, notable = 0;
    FILE *out = to_stdout ? stderr : stdout;
    report = json_object();
    json_t *nlist = json_array(), *ulist = json_array();
    for (size_t i = 0; i < custos_manifest_count(m); i++) {
        const struct custos_manifest_entry *e = custos_manifest_entry(m, i);
        char name[2200];
        display(e, name, sizeof(name));
        if (e->status != CUSTOS_OK) {
            unread++;
            json_array_append_new(ulist, cli_json_text(e->error ? e->error : name));
        } else if (e->type == CUSTOS_ENTRY_FILE || e->type == CUSTOS_ENTRY_VIRTUAL) {
            files++;
            bytes += e->size_bytes;
        } else if (e->type == CUSTOS_ENTRY_SYMLINK) {
            links++;
        } else if (e->type == CUSTOS_ENTRY_SPECIAL) {
            special++;
        }
        if (e->flags & CUSTOS_ENTRY_KNOWN)
            known++;
        if (e->flags & CUSTOS_ENTRY_NOTABLE) {
            notable++;
            json_array_append_new(nlist, json_string(name));
            if (!o->json)
                fprintf(out, "notable: %s\n", name);
        }
    }
    if (o->json) {
        json_object_set_new(report, "status", json_string(custos_status_name(st)));
        json_object_set_new(report, "manifest", cli_json_text(o->output));
        json_object_set_new(report, "files", json_integer((json_int_t)files));
        json_object_set_new(report, "bytes", json_integer((json_int_t)bytes));
        json_object_set_new(report, "symlinks", json_integer((json_int_t)links));
        json_object_set_new(report, "special", json_integer((json_int_t)special));
        json_object_set_new(report, "known", json_integer((json_int_t)known));
        json_object_set_new(report, "notable", nlist);
        json_object_set_new(report, "unreadable", ulist);
        if (o->image != NULL)
            json_object_set_new(report, "volumes_unread",
                                json_integer((json_int_t)custos_manifest_volumes_unread(m)));
        nlist = ulist = NULL;
        char *s = json_dumps(report, JSON_SORT_KEYS | JSON_INDENT(2));
        if (s != NULL)
            cli_print_json(s);
        free(s);
    } else {
        char b[32];
        custos_format_bytes(bytes, b, sizeof(b));
        fprintf(out, "%llu files (%s) hashed, %llu symlinks, %llu special skipped, %llu unreadable",
                (unsigned long long)files, b, (unsigned long long)links,
                (unsigned long long)special, (unsigned long long)unread);
        if (custos_manifest_volumes_unread(m) > 0)
            fprintf(out, "; %zu volumes not fully read", custos_manifest_volumes_unread(m));
        if (o->nknown + o->nnotable == 0)
            fprintf(out, "\n");
        if (o->nknown + o->nnotable > 0)
            fprintf(out, "; %llu known, %llu notable\n", (unsigned long long)known,
                    (unsigned long long)notable);
    }
    json_decref(nlist);
    json_decref(ulist);
out:
    json_decref(report);
    custos_manifest_free(m);
    custos_ledger_free(ledger);
    cli_parties_free(&parties);
    custos_key_free(own_key);
    return custos_exit_code(st);
}

static json_t *
entry_brief(const struct custos_manifest_entry *e)
{
    char name[2200], hex[CUSTOS_DIGEST_HEX_MAX];
    json_t *o = json_object();
    display(e, name, sizeof(name));
    json_object_set_new(o, "path", json_string(name));
    json_object_set_new(o, "type", json_string(custos_entry_type_name(e->type)));
    json_object_set_new(o, "size", json_integer((json_int_t)e->size_bytes));
    static const unsigned algs[] = {CUSTOS_DIGEST_MD5, CUSTOS_DIGEST_SHA1, CUSTOS_DIGEST_SHA256};
    for (size_t i = 0; i < 3; i++)
        if (custos_digest_hex(&e->digest, algs[i], hex) == CUSTOS_OK)
            json_object_set_new(o, custos_digest_name(algs[i]), json_string(hex));
    if (e->error != NULL)
        json_object_set_new(o, "error", cli_json_text(e->error));
    return o;
}

static void
print_item(const struct custos_audit_item *it, unsigned alg)
{
    char a[2200], b[2200], ha[CUSTOS_DIGEST_HEX_MAX], hb[CUSTOS_DIGEST_HEX_MAX];
    switch (it->cls) {
    case CUSTOS_AUDIT_MATCHED:
        break;
    case CUSTOS_AUDIT_CHANGED:
        display(it->ref, a, sizeof(a));
        if (it->ref->type != it->cur->type) {
            printf("changed: %s (was a %s, now a %s)\n", a, custos_entry_type_name(it->ref->type),
                   custos_entry_type_name(it->cur->type));
        } else if (custos_digest_hex(&it->ref->digest, alg, ha) == CUSTOS_OK &&
                   custos_digest_hex(&it->cur->digest, alg, hb) == CUSTOS_OK) {
            printf("changed: %s (content differs: %s was %s, now %s; size was %llu, now %llu)\n", a,
                   custos_digest_name(alg), ha, hb, (unsigned long long)it->ref->size_bytes,
                   (unsigned long long)it->cur->size_bytes);
        } else {
            printf("changed: %s\n", a);
        }
        break;
    case CUSTOS_AUDIT_MISSING:
        display(it->ref, a, sizeof(a));
        printf("missing: %s\n", a);
        break;
    case CUSTOS_AUDIT_NEW:
        display(it->cur, a, sizeof(a));
        printf("new: %s\n", a);
        break;
    case CUSTOS_AUDIT_MOVED:
        display(it->ref, a, sizeof(a));
        display(it->cur, b, sizeof(b));
        printf("moved: %s -> %s\n", a, b);
        break;
    case CUSTOS_AUDIT_UNREADABLE:
        display(it->ref != NULL ? it->ref : it->cur, a, sizeof(a));
        if (it->cur != NULL && it->cur->error != NULL)
            printf("unreadable: %s (%s)\n", a, it->cur->error);
        else
            printf("unreadable: %s (the manifest holds no digest for it)\n", a);
        break;
    }
}

static int
cmd_audit(struct cli *c, struct options *o)
{
    struct custos_manifest *ref = NULL, *cur = NULL;
    struct custos_audit *a = NULL;
    struct custos_error err;
    int st;
    if (o->signer != NULL) {
        /* An audit against a forged manifest proves nothing: check it first. */
        struct custos_key *pub = NULL;
        char sigpath[4096];
        snprintf(sigpath, sizeof(sigpath), "%s%s", o->signature ? o->signature : o->audit,
                 o->signature ? "" : ".sig");
        st = custos_key_load_public(&pub, o->signer, &err);
        if (st == CUSTOS_OK)
            st = custos_verify_file(pub, CUSTOS_PURPOSE_MANIFEST, o->audit, sigpath, &err);
        if (st == CUSTOS_OK && !o->json)
            printf("manifest: %s signed by %s (%s): good signature\n", o->audit,
                   custos_key_name(pub), custos_key_fingerprint(pub));
        custos_key_free(pub);
        if (st != CUSTOS_OK) {
            cli_error(c, &err);
            return custos_exit_code(st);
        }
    }
    st = custos_manifest_open(&ref, o->audit, &err);
    if (st != CUSTOS_OK) {
        cli_error(c, &err);
        return custos_exit_code(st);
    }
    unsigned algs = o->algs != 0 ? o->algs : custos_manifest_algs(ref);
    st = custos_manifest_new(&cur, algs, &err);
    if (st != CUSTOS_OK) {
        cli_error(c, &err);
        goto out;
    }
    st = hash_source(c, o, cur);
    if (st != CUSTOS_OK && st != CUSTOS_E_INCOMPLETE)
        goto out;
    int rc = custos_audit_run(&a, ref, cur, &err);
    if (rc != CUSTOS_OK) {
        cli_error(c, &err);
        st = rc;
        goto out;
    }
    st = custos_status_worst(st, custos_audit_status(a));
    struct custos_audit_totals t;
    custos_audit_totals(a, &t);
    unsigned alg = CUSTOS_DIGEST_SHA256;
    while (alg != 0 && !(algs & custos_manifest_algs(ref) & alg))
        alg >>= 1;
    if (o->json) {
        json_t *doc = json_object(), *items = json_array(), *tot = json_object();
        for (size_t i = 0; i < custos_audit_count(a); i++) {
            const struct custos_audit_item *it = custos_audit_item(a, i);
            json_t *j = json_object();
            json_object_set_new(j, "class", json_string(custos_audit_class_name(it->cls)));
            if (it->ref != NULL)
                json_object_set_new(j, "reference", entry_brief(it->ref));
            if (it->cur != NULL)
                json_object_set_new(j, "current", entry_brief(it->cur));
            json_array_append_new(items, j);
        }
        for (int k = 0; k < CUSTOS_AUDIT_CLASSES; k++)
            json_object_set_new(tot, custos_audit_class_name((enum custos_audit_class)k),
                                json_integer((json_int_t)t.count[k]));
        json_object_set_new(doc, "status", json_string(custos_status_name(st)));
        json_object_set_new(doc, "manifest", cli_json_text(o->audit));
        json_object_set_new(doc, "reference_entries", json_integer((json_int_t)t.reference));
        json_object_set_new(doc, "current_entries", json_integer((json_int_t)t.current));
        json_object_set_new(doc, "totals", tot);
        json_object_set_new(doc, "items", items);
        char *s = json_dumps(doc, JSON_SORT_KEYS | JSON_INDENT(2));
        if (s != NULL)
            cli_print_json(s);
        free(s);
        json_decref(doc);
    } else {
        for (size_t i = 0; i < custos_audit_count(a); i++)
            print_item(custos_audit_item(a, i), alg);
        printf("audit: %zu in manifest, %zu examined: %zu matched, %zu changed, %zu missing, "
               "%zu new, %zu moved, %zu unreadable\n",
               t.reference, t.current, t.count[CUSTOS_AUDIT_MATCHED], t.count[CUSTOS_AUDIT_CHANGED],
               t.count[CUSTOS_AUDIT_MISSING], t.count[CUSTOS_AUDIT_NEW],
               t.count[CUSTOS_AUDIT_MOVED], t.count[CUSTOS_AUDIT_UNREADABLE]);
    }
out:
    custos_audit_free(a);
    custos_manifest_free(cur);
    custos_manifest_free(ref);
    return custos_exit_code(st);
}

int
main(int argc, char **argv)
{
    struct cli c;
    struct options o;
    memset(&o, 0, sizeof(o));
    cli_custody_init(&o.custody);
    o.format = CUSTOS_MANIFEST_JSON;
    cli_init(&c, "custos-hash");
    int rc = parse_options(&c, &o, argc, argv);
    if (rc != 0)
        return rc;
    if (o.audit != NULL)
        return cmd_audit(&c, &o);
    return cmd_manifest(&c, &o);
}
