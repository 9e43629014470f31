/* SPDX-License-Identifier: ISC */
/*
 * custody_export.c: the export directory handed to the legal team.
 *
 *   DIR/README.txt            what is here and how to check it
 *   DIR/custody-report.txt    the paper-form custody report (custody_form.c)
 *   DIR/custody-report.html   the same, one self-contained page
 *   DIR/case.jsonld           CASE/UCO JSON-LD (custody_case.c)
 *   DIR/SHA256SUMS            sha256sum -c list of every other file
 *   DIR/kit/                  the verification kit: ledger.md and key.md, the
 *                             sh+openssl scripts of ledger.md section 7, a
 *                             verify-all.sh that runs them, the ledger as
 *                             verified (case.ledger), the checkpoint when one
 *                             was checked, keys/FP16.pem for every enrolled
 *                             key, fingerprints.txt and HEAD
 *
 * Invariants:
 *   1. DIR is refused if anything exists there, before any work and again at
 *      publication (no-replace rename).
 *   2. Everything is written inside a staging directory beside DIR
 *      (custos_staging_create), every file fsynced as it is written
 *      (custos_write_file_new), and the finished tree is published by one
 *      rename of its top directory (custos_staging_publish): DIR appears
 *      whole or not at all.
 *   3. On failure the staged tree is removed (remove_tree, then
 *      custos_staging_free); nothing is left beside DIR.
 *   4. The ledger in the kit is the model's bytes, exactly the lines
 *      custos_ledger_verify accepted.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "custos/custody.h"

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "custos/atomicfile.h"
#include "custos/custos.h"
#include "custos/staging.h"
#include "custody_private.h"
#include "fsutil_private.h"

struct exporter {
    char *root;             /* the staged top directory */
    struct custos__sb sums; /* "HEX  PATH" of every file written, for SHA256SUMS */
    struct custos_error *err;
    int lang; /* of the custody report's labels */
};

static int
put(struct exporter *x, const char *rel, const void *buf, size_t len, unsigned mode)
{
    size_t n = strlen(x->root) + strlen(rel) + 2;
    char *p = malloc(n);
    if (p == NULL)
        return custos_error_set(x->err, CUSTOS_E_NOMEM, 0, rel, "out of memory");
    snprintf(p, n, "%s/%s", x->root, rel);
    int rc = custos_write_file_new(p, buf, len, mode, x->err);
    free(p);
    if (rc != CUSTOS_OK)
        return rc;
    char hex[65];
    custos_sha256_hex(buf, len, hex);
    custos__sb_printf(&x->sums, "%s  %s\n", hex, rel);
    return CUSTOS_OK;
}

static int
put_str(struct exporter *x, const char *rel, const char *s, unsigned mode)
{
    return put(x, rel, s, strlen(s), mode);
}

static int
mkdir_in(struct exporter *x, const char *rel)
{
    char p[4096];
    snprintf(p, sizeof(p), "%s/%s", x->root, rel);
    if (mkdir(p, 0755) != 0)
        return custos_error_set(x->err, CUSTOS_E_IO, errno, p, "cannot create the directory");
    return CUSTOS_OK;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void
remove_tree(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char verify_all_sh[] =
    "#!/bin/sh\n"
    "# verify-all.sh: checks the ledger in this directory with the kit's scripts\n"
    "# (sh, coreutils, grep, sed and openssl only): its hash links and every\n"
    "# signature, that its head is the one the custody report prints, and the\n"
    "# checkpoint (when one is here) by every enrolled key that signed it.\n"
    "# Compare keys/fingerprints.txt with the fingerprints on the paper form first.\n"
    "set -u\n"
    "cd \"$(dirname \"$0\")\" || exit 1\n"
    "bad=0; out=$(mktemp); trap 'rm -f \"$out\"' EXIT\n"
    "sh verify-ledger.sh case.ledger > \"$out\"; rc=$?\n"
    "cat \"$out\"\n"
    "[ $rc -eq 0 ] || { echo \"verify-ledger.sh: FAILED\"; bad=1; }\n"
    "head=$(sed -n 's/^entries: [0-9]*  head: //p' \"$out\")\n"
    "if [ \"$head\" = \"$(cat HEAD)\" ]; then echo \"head matches the custody report: $head\"\n"
    "else echo \"head $head is not the custody report's $(cat HEAD)\"; bad=1; fi\n"
    "if [ -f checkpoint.note ]; then\n"
    "  set --\n"
    "  for k in keys/*.pem; do\n"
    "    fp=$(basename \"$k\" .pem)\n"
    "    grep -q \"^$(printf '\\342\\200\\224') custos.invalid/key/$fp \" checkpoint.note && set "
    "-- \"$@\" \"$k\"\n"
    "  done\n"
    "  sh verify-checkpoint.sh checkpoint.note case.ledger \"$@\" || bad=1\n"
    "fi\n"
    "if [ $bad -eq 0 ]; then echo \"RESULT: the ledger verifies\"; else echo \"RESULT: FAILED\"; "
    "fi\n"
    "exit $bad\n";

static void
readme(struct custos__sb *b, const struct custos_custody *m, const char *generated)
{
    const struct custos_ledger_report *r = m->report;
    custos__sb_printf(
        b,
        "Chain-of-custody export of case %s (ledger %s)\n"
        "Made %s UTC by custos %s from a ledger of %" PRIu64 " entries that verified%s.\n\n"
        "  custody-report.txt   the custody report, laid out like a paper custody form\n"
        "  custody-report.html  the same report as one self-contained web page\n"
        "  case.jsonld          the case as CASE/UCO JSON-LD (caseontology.org)\n"
        "  SHA256SUMS           SHA-256 of every file here: sha256sum -c SHA256SUMS\n"
        "  kit/                 the verification kit (kit/README.txt)\n\n"
        "Ledger head: %s\nMerkle root: %s\n\n"
        "To check that the report describes a genuine, complete ledger, without custos:\n"
        "  1. sha256sum -c SHA256SUMS\n"
        "  2. compare kit/fingerprints.txt with the fingerprints on the signed paper form\n"
        "  3. sh kit/verify-all.sh\n"
        "  4. compare the head and root above with those written on the paper form and on\n"
        "     any checkpoint you were handed (a shorter or different ledger shows there)\n",
        m->case_id, m->ledger_id, generated, custos_version(), r->entries,
        r->status == CUSTOS_OK ? "" : " (some signatures are still owed)", r->head, r->root_b64);
}

static void
kit_readme(struct custos__sb *b, int checkpoint)
{
    custos__sb_printf(
        b,
        "Verification kit\n\n"
        "Everything needed to check the ledger without custos, with POSIX sh,\n"
        "coreutils, grep, sed and the openssl command-line tool:\n\n"
        "  case.ledger           the case ledger, exactly as custos verified it\n"
        "%s"
        "  keys/FP16.pem         the public key of every enrolled person (PEM), named by\n"
        "                        the first 16 hex digits of its fingerprint\n"
        "  fingerprints.txt      full fingerprint, role and name of every enrolled key\n"
        "  HEAD                  SHA-256 of the ledger's last line, as the report prints it\n"
        "  ledger.md, key.md     the format: the bytes of an entry, what is hashed and\n"
        "                        signed, the Merkle tree and the checkpoint\n"
        "  verify-ledger.sh      hash links, enrolled keys and every signature\n"
        "  merkle-root.sh        the Merkle root of the first N entries\n"
        "  verify-checkpoint.sh  a checkpoint's signatures and the ledger prefix it pins\n"
        "  verify-all.sh         runs the three on this directory\n\n"
        "  sh verify-all.sh      prints RESULT: the ledger verifies, and exits 0\n\n"
        "The scripts are ledger.md section 7, copied from the document. They check\n"
        "the cryptography; the role and custody policy of ledger.md section 5 is\n"
        "checked by custos-ledger verify. Trust comes from comparing the key\n"
        "fingerprints with those on the paper form, and the head, root or checkpoint\n"
        "with the copies handed out at each transfer.\n",
        checkpoint
            ? "  checkpoint.note       the checkpoint given to the export (C2SP signed note)\n"
            : "");
}

static int
write_keys(struct exporter *x, const struct custos_custody *m)
{
    struct custos__sb fps = {0};
    int rc = CUSTOS_OK;
    for (size_t i = 0; i < m->npeople && rc == CUSTOS_OK; i++) {
        const struct custos_custody_person *p = &m->people[i];
        struct custos__sb pem = {0};
        char rel[64];
        snprintf(rel, sizeof(rel), "kit/keys/%.16s.pem", p->fp);
        /* openssl reads the PEM block and skips the lines before it. */
        custos__sb_printf(&pem,
                          "name: %s\nrole: %s\nfingerprint: %s\nenrolled: entry %" PRIu64
                          "\n-----BEGIN PUBLIC KEY-----\n",
                          p->name, p->role, p->fp, p->enrolled);
        for (size_t o = 0; o < strlen(p->pub); o += 64)
            custos__sb_printf(&pem, "%.64s\n", p->pub + o);
        custos__sb_puts(&pem, "-----END PUBLIC KEY-----\n");
        char *s = custos__sb_take(&pem);
        if (s == NULL)
            return custos_error_set(x->err, CUSTOS_E_NOMEM, 0, rel, "out of memory");
        rc = put_str(x, rel, s, 0644);
        free(s);
        custos__sb_printf(&fps, "%s  %-9s  %s%s\n", p->fp, p->role, p->name,
                          p->revoked != CUSTOS_CUSTODY_NONE ? "  (revoked)" : "");
    }
    char *s = custos__sb_take(&fps);
    if (rc == CUSTOS_OK && s == NULL)
        rc = custos_error_set(x->err, CUSTOS_E_NOMEM, 0, m->path, "out of memory");
    if (rc == CUSTOS_OK)
        rc = put_str(x, "kit/fingerprints.txt", s, 0644);
    free(s);
    return rc;
}

static int
fill(struct exporter *x, const struct custos_custody *m, const char *generated)
{
    char *s = NULL;
    int rc;
    struct custos__sb b = {0};
#define TRY(call)                                                                                  \
    do {                                                                                           \
        if ((rc = (call)) != CUSTOS_OK)                                                            \
            goto out;                                                                              \
    } while (0)
    TRY(custos_custody_form_lang(m, 0, x->lang, generated, &s, x->err));
    TRY(put_str(x, "custody-report.txt", s, 0644));
    free(s);
    s = NULL;
    TRY(custos_custody_form_lang(m, 1, x->lang, generated, &s, x->err));
    TRY(put_str(x, "custody-report.html", s, 0644));
    free(s);
    s = NULL;
    TRY(custos_custody_case_jsonld(m, &s, x->err));
    TRY(put_str(x, "case.jsonld", s, 0644));
    free(s);
    s = NULL;
    TRY(mkdir_in(x, "kit"));
    TRY(mkdir_in(x, "kit/keys"));
    TRY(put(x, "kit/case.ledger", m->bytes, m->len, 0444));
    if (m->checkpoint_text != NULL)
        TRY(put(x, "kit/checkpoint.note", m->checkpoint_text, m->checkpoint_len, 0444));
    TRY(write_keys(x, m));
    custos__sb_printf(&b, "%s\n", m->report->head);
    s = custos__sb_take(&b);
    TRY(s == NULL ? custos_error_set(x->err, CUSTOS_E_NOMEM, 0, m->path, "out of memory")
                  : put_str(x, "kit/HEAD", s, 0644));
    free(s);
    s = NULL;
    TRY(put_str(x, "kit/ledger.md", custos__kit_ledger_md, 0644));
    TRY(put_str(x, "kit/key.md", custos__kit_key_md, 0644));
    TRY(put_str(x, "kit/verify-ledger.sh", custos__kit_verify_ledger_sh, 0755));
    TRY(put_str(x, "kit/merkle-root.sh", custos__kit_merkle_root_sh, 0755));
    TRY(put_str(x, "kit/verify-checkpoint.sh", custos__kit_verify_checkpoint_sh, 0755));
    TRY(put_str(x, "kit/verify-all.sh", verify_all_sh, 0755));
    kit_readme(&b, m->checkpoint != NULL);
    s = custos__sb_take(&b);
    TRY(s == NULL ? custos_error_set(x->err, CUSTOS_E_NOMEM, 0, m->path, "out of memory")
                  : put_str(x, "kit/README.txt", s, 0644));
    free(s);
    s = NULL;
    readme(&b, m, generated);
    s = custos__sb_take(&b);
    TRY(s == NULL ? custos_error_set(x->err, CUSTOS_E_NOMEM, 0, m->path, "out of memory")
                  : put_str(x, "README.txt", s, 0644));
#undef TRY
out:
    free(s);
    free(b.p);
    return rc;
}

int
custos_custody_export(const struct custos_custody *m, const char *dir, struct custos_error *err)
{
    return custos_custody_export_lang(m, dir, CUSTOS_LANG_EN, err);
}

int
custos_custody_export_lang(const struct custos_custody *m, const char *dir, int lang,
                           struct custos_error *err)
{
    char parent[4096], generated[32];
    int rc = custos__custody_lang_check(lang, m->path, err);
    if (rc != CUSTOS_OK)
        return rc;
    rc = custos__refuse_existing(dir, err);
    if (rc != CUSTOS_OK)
        return rc;
    custos__dirname(dir, parent, sizeof(parent));
    custos__utc_now(generated, sizeof(generated));
    struct custos_staging *st = NULL;
    rc = custos_staging_create(&st, parent, err);
    if (rc != CUSTOS_OK)
        return rc;
    struct exporter x = {0};
    x.err = err;
    x.lang = lang;
    size_t n = strlen(custos_staging_dir(st)) + 16;
    x.root = malloc(n);
    if (x.root == NULL) {
        custos_staging_free(st);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, dir, "out of memory");
    }
    snprintf(x.root, n, "%s/export", custos_staging_dir(st));
    if (mkdir(x.root, 0755) != 0) {
        rc = custos_error_set(err, CUSTOS_E_IO, errno, x.root, "cannot create the directory");
        goto out;
    }
    rc = fill(&x, m, generated);
    if (rc == CUSTOS_OK) {
        /* SHA256SUMS lists everything written before it; it cannot list itself. */
        char *sums = custos__sb_take(&x.sums);
        char p[4096];
        snprintf(p, sizeof(p), "%s/SHA256SUMS", x.root);
        rc = sums == NULL ? custos_error_set(err, CUSTOS_E_NOMEM, 0, dir, "out of memory")
                          : custos_write_file_new(p, sums, strlen(sums), 0644, err);
        free(sums);
    }
    if (rc == CUSTOS_OK) {
        /* The top directory is the one staged entry: one rename publishes the whole tree. */
        rc = custos_staging_add(st, "export", dir);
        if (rc == CUSTOS_OK)
            rc = custos_staging_publish(st);
        if (rc != CUSTOS_OK)
            custos_error_copy(err, custos_staging_error(st));
    }
out:
    if (rc != CUSTOS_OK)
        remove_tree(x.root);
    free(x.root);
    free(x.sums.p);
    custos_staging_free(st);
    return rc;
}
