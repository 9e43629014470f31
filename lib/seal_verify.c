/* SPDX-License-Identifier: ISC */
/*
 * seal_verify.c: verify and extract seal packages.
 *
 * A package is read through one reader and written through one writer
 * (seal_archive.c). Verification is one streaming pass, custos__seal_scan():
 * tag files (small, bounded) are kept in memory and payload files are
 * hashed as they stream by, so memory stays bounded by the number of
 * payload files, never their size. Signatures and the timestamp are checked
 * by pkgsig.c, the check destruction proofs share. Extraction and
 * cosigning scan twice: once to decide, then again with a writer attached,
 * so what is written is exactly what the second check saw, and the second
 * pass must see the same tag manifest as the first (a package swapped in
 * between is caught).
 *
 * Invariants:
 *   1. Nothing is published unless the whole operation succeeded: the
 *      writer publishes through staging.c or atomicfile.c only at
 *      custos__seal_writer_commit.
 *   2. A hostile entry (absolute, "..", link, device, duplicate) is never
 *      written: the scan refuses it before the writer sees it, and the disk
 *      writer additionally uses libarchive's SECURE_* flags.
 *   3. The payload is bounded by Payload-Oxum before any payload byte is
 *      read: bag-info.txt must come first, each entry's declared size is
 *      checked against what remains, and the running total while reading.
 *   4. A timestamp not checked against a trusted TSA CA is reported as
 *      INCOMPLETE, never OK (pkgsig_private.h).
 */
#include "custos/seal.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "custos/custos.h"
#include "bag_private.h"
#include "fsutil_private.h"
#include "pkgsig_private.h"
#include "seal_private.h"

static int finding(struct seal_scan *s, int status, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
finding(struct seal_scan *s, int status, const char *kind, const char *fmt, ...)
{
    struct custos_seal_report *r = s->rep;
    struct custos_seal_finding *f = realloc(r->findings, (r->nfindings + 1) * sizeof(*f));
    if (f == NULL)
        return CUSTOS_E_NOMEM;
    r->findings = f;
    f = &r->findings[r->nfindings++];
    memset(f, 0, sizeof(*f));
    f->status = status;
    snprintf(f->kind, sizeof(f->kind), "%s", kind);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof(f->message), fmt, ap);
    va_end(ap);
    for (char *c = f->message; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = '?';
    r->status = custos_status_worst(r->status, status);
    return CUSTOS_OK;
}

/* The message of err without a leading "PACKAGE: " (the tool names the package). */
static const char *
bare(const struct seal_scan *s, const struct custos_error *err)
{
    size_t n = strlen(s->package);
    if (strncmp(err->message, s->package, n) == 0 && strncmp(err->message + n, ": ", 2) == 0)
        return err->message + n + 2;
    return err->message;
}

const struct seal_tagfile *
custos__seal_scan_tag(const struct seal_scan *s, const char *rel)
{
    for (size_t i = 0; i < s->ntags; i++)
        if (strcmp(s->tags[i].rel, rel) == 0)
            return &s->tags[i];
    return NULL;
}

void
custos__seal_sha256(const void *buf, size_t len, uint8_t out[32])
{
    unsigned int n = 32;
    EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL);
}

/* Reads bag-info as soon as it arrives: it bounds the payload (invariant 3). */
static int
take_bag_info(struct seal_scan *s, const struct seal_tagfile *t, struct custos_error *err)
{
    struct custos_error e2;
    custos_error_clear(&e2);
    int rc = custos__bag_info_parse(CUSTOS_BAG_INFO, (const char *)t->bytes, t->len, &s->info, &e2);
    if (rc == CUSTOS_E_NOMEM)
        return custos_error_copy(err, &e2);
    if (rc != CUSTOS_OK) {
        s->stop = 1;
        return finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s", e2.message);
    }
    const char *ox = custos__bag_info_get(&s->info, "Payload-Oxum");
    if (ox == NULL || custos__bag_oxum_parse(ox, &s->oxum_bytes, &s->oxum_files) != 0) {
        s->stop = 1;
        return finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: no valid Payload-Oxum",
                       CUSTOS_BAG_INFO);
    }
    s->have_info = 1;
    struct custos_seal_report *r = s->rep;
    r->oxum_bytes = s->oxum_bytes;
    r->oxum_files = s->oxum_files;
    const char *v;
#define COPY(field, label)                                                                         \
    if ((v = custos__bag_info_get(&s->info, label)) != NULL)                                       \
        snprintf(r->field, sizeof(r->field), "%s", v);
    COPY(case_id, CUSTOS_BAG_LABEL_CASE)
    COPY(evidence, CUSTOS_BAG_LABEL_EVIDENCE)
    COPY(seal_number, CUSTOS_BAG_LABEL_SEAL)
    COPY(authorisation, CUSTOS_BAG_LABEL_AUTH)
    COPY(sealed_at, CUSTOS_BAG_LABEL_SEALED_AT)
    COPY(custodian, "Contact-Name")
#undef COPY
    return CUSTOS_OK;
}

/* One entry: checks it, reads it (tag file) or hashes it (payload), and passes it to w. */
static int
scan_entry(struct seal_scan *s, struct seal_reader *rd, const struct seal_rent *e,
           struct seal_writer *w, uint8_t *buf, struct custos_error *err)
{
    if (e->kind == RK_DIR)
        return CUSTOS_OK;
    char why[600];
    if (custos__seal_entry_hostile(rd, e, why, sizeof(why)))
        return finding(s, CUSTOS_E_REFUSED, "hostile", "%s", why);
    int is_data = strncmp(e->rel, CUSTOS_BAG_PAYLOAD_DIR "/", 5) == 0;
    int rc;
    if (!is_data) {
        if (custos__seal_scan_tag(s, e->rel) != NULL)
            return finding(s, CUSTOS_E_REFUSED, "hostile", "%s: stored twice", e->rel);
        if (custos__seal_tag_over_limit(e, s->ntags, why, sizeof(why))) {
            s->stop = 1;
            return finding(s, CUSTOS_E_REFUSED, "bomb", "%s", why);
        }
        struct seal_tagfile *nt = realloc(s->tags, (s->ntags + 1) * sizeof(*nt));
        if (nt == NULL)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        s->tags = nt;
        struct seal_tagfile *t = &s->tags[s->ntags];
        memset(t, 0, sizeof(*t));
        t->rel = strdup(e->rel);
        if (t->rel == NULL)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        s->ntags++;
        rc = custos__seal_read_tag(rd, &t->bytes, &t->len, err);
        if (rc == CUSTOS_E_NOMEM)
            return rc;
        if (rc == CUSTOS_E_REFUSED) {
            s->stop = 1;
            return finding(s, CUSTOS_E_REFUSED, "bomb", "%s: tag file over %llu bytes", e->shown,
                           (unsigned long long)CUSTOS_SEAL_TAG_FILE_MAX);
        }
        if (rc != CUSTOS_OK) {
            s->stop = 1;
            return finding(s, err->status, "corrupt", "%s", bare(s, err));
        }
        if (w != NULL &&
            (rc = custos__seal_writer_bytes(w, e->rel, t->bytes, t->len, e->mtime, err)) != 0)
            return rc;
        if (strcmp(e->rel, CUSTOS_BAG_INFO) == 0)
            return take_bag_info(s, t, err);
        return CUSTOS_OK;
    }
    /* Payload: bounded by Payload-Oxum before a byte is read (invariant 3). */
    if (!s->have_info) {
        s->stop = 1;
        if (custos__seal_scan_tag(s, CUSTOS_BAG_INFO) == NULL && rd->fmt == CUSTOS_SEAL_DIR_FORMAT)
            return finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: missing", CUSTOS_BAG_INFO);
        return finding(s, CUSTOS_E_REFUSED, "bomb",
                       "%s: payload before %s (its Payload-Oxum bounds the payload)", e->shown,
                       CUSTOS_BAG_INFO);
    }
    /* Up to a slack beyond the declared payload is read and reported as added or changed. */
    uint64_t max_files = s->oxum_files + CUSTOS_SEAL_EXTRA_FILES_MAX;
    uint64_t max_bytes = s->oxum_bytes + CUSTOS_SEAL_EXTRA_BYTES_MAX;
    if (s->rep->payload_files + 1 > max_files) {
        s->stop = 1;
        return finding(s, CUSTOS_E_REFUSED, "bomb",
                       "%s: over %llu payload files more than Payload-Oxum declares (%llu)",
                       e->shown, (unsigned long long)CUSTOS_SEAL_EXTRA_FILES_MAX,
                       (unsigned long long)s->oxum_files);
    }
    if (e->size > max_bytes - s->rep->payload_bytes) {
        s->stop = 1;
        return finding(s, CUSTOS_E_REFUSED, "bomb",
                       "%s: declared size %llu bytes exceeds Payload-Oxum (%llu bytes) by more "
                       "than %llu bytes",
                       e->shown, (unsigned long long)e->size, (unsigned long long)s->oxum_bytes,
                       (unsigned long long)CUSTOS_SEAL_EXTRA_BYTES_MAX);
    }
    if (w != NULL && (rc = custos__seal_writer_begin(w, e->rel, e->size, e->mtime, err)) != 0)
        return rc;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md == NULL || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(md);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    uint64_t got = 0;
    rc = CUSTOS_OK;
    for (;;) {
        if (custos_progress_cancelled(s->o->progress)) {
            rc = custos_error_set(err, CUSTOS_E_INTERRUPTED, 0, rd->package, "interrupted");
            break;
        }
        long k = custos__seal_reader_read(rd, buf, CUSTOS__SEAL_IO_CHUNK, err);
        if (k < 0) {
            s->stop = 1;
            rc = finding(s, err->status, "corrupt", "%s", bare(s, err));
            EVP_MD_CTX_free(md);
            return rc;
        }
        if (k == 0)
            break;
        got += (uint64_t)k;
        if (s->rep->payload_bytes + got > max_bytes) {
            s->stop = 1;
            EVP_MD_CTX_free(md);
            return finding(s, CUSTOS_E_REFUSED, "bomb",
                           "%s: payload exceeds Payload-Oxum (%llu bytes) by more than %llu bytes",
                           e->shown, (unsigned long long)s->oxum_bytes,
                           (unsigned long long)CUSTOS_SEAL_EXTRA_BYTES_MAX);
        }
        EVP_DigestUpdate(md, buf, (size_t)k);
        if (w != NULL && (rc = custos__seal_writer_data(w, buf, (size_t)k, err)) != 0)
            break;
        s->done += (uint64_t)k;
        custos_progress_update(s->o->progress, s->done, s->oxum_bytes);
    }
    uint8_t d[32];
    unsigned int dl = 32;
    EVP_DigestFinal_ex(md, d, &dl);
    EVP_MD_CTX_free(md);
    if (rc != CUSTOS_OK)
        return rc;
    if (w != NULL && (rc = custos__seal_writer_end(w, err)) != 0)
        return rc;
    s->rep->payload_files++;
    s->rep->payload_bytes += got;
    if (custos__bag_manifest_add(&s->found, e->rel, d, got) != CUSTOS_OK)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    return CUSTOS_OK;
}

static int
add_signer(struct custos_seal_report *r, const char *fp, const char *role,
           struct custos_seal_signer **out)
{
    for (size_t i = 0; i < r->nsigners; i++)
        if (strcmp(r->signers[i].fingerprint, fp) == 0) {
            *out = &r->signers[i];
            if (role != NULL && r->signers[i].role[0] == '\0')
                snprintf(r->signers[i].role, sizeof(r->signers[i].role), "%s", role);
            return CUSTOS_OK;
        }
    struct custos_seal_signer *v = realloc(r->signers, (r->nsigners + 1) * sizeof(*v));
    if (v == NULL)
        return CUSTOS_E_NOMEM;
    r->signers = v;
    struct custos_seal_signer *g = &r->signers[r->nsigners++];
    memset(g, 0, sizeof(*g));
    snprintf(g->fingerprint, sizeof(g->fingerprint), "%s", fp);
    snprintf(g->role, sizeof(g->role), "%s", role != NULL ? role : "");
    g->status = CUSTOS_E_INCOMPLETE;
    *out = g;
    return CUSTOS_OK;
}

/* The signers bag-info names (Custos-Signer: ROLE FINGERPRINT), one custodian. */
static int
named_signers(struct seal_scan *s, struct custos_error *err)
{
    struct custos_seal_signer *g;
    size_t ncust = 0;
    for (size_t i = 0; i < s->info.n; i++) {
        if (strcmp(s->info.label[i], CUSTOS_BAG_LABEL_SIGNER) != 0)
            continue;
        char role[32], fp[65];
        const char *v = s->info.value[i];
        const char *sp = strchr(v, ' ');
        if (sp == NULL || (size_t)(sp - v) >= sizeof(role) || strlen(sp + 1) != 64 ||
            strspn(sp + 1, "0123456789abcdef") != 64) {
            finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: bad %s line", CUSTOS_BAG_INFO,
                    CUSTOS_BAG_LABEL_SIGNER);
            continue;
        }
        memcpy(role, v, (size_t)(sp - v));
        role[sp - v] = '\0';
        snprintf(fp, sizeof(fp), "%s", sp + 1);
        if (strcmp(role, CUSTOS_ROLE_CUSTODIAN) == 0)
            ncust++;
        else if (strcmp(role, CUSTOS_ROLE_WITNESS) != 0)
            finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: unknown signer role %s", CUSTOS_BAG_INFO,
                    role);
        if (add_signer(s->rep, fp, role, &g) != CUSTOS_OK)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    if (ncust != 1)
        finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: %zu custodian signers named, not one",
                CUSTOS_BAG_INFO, ncust);
    return CUSTOS_OK;
}

/*
 * The key of signer fp: a trusted one, else the copy in the package (which
 * must be fp's key; *own is then set and the caller frees it), else NULL.
 */
static const struct custos_key *
signer_key(struct seal_scan *s, const char *sigrel, const char *fp, struct custos_seal_signer *g,
           struct custos_key **own)
{
    const struct custos_key *key = NULL;
    *own = NULL;
    for (size_t k = 0; s->o != NULL && k < s->o->ntrusted; k++)
        if (strcmp(custos_key_fingerprint(s->o->trusted[k]), fp) == 0) {
            key = s->o->trusted[k];
            g->trusted = 1;
        }
    char pubrel[128];
    snprintf(pubrel, sizeof(pubrel), CUSTOS_SEAL_DIR "/%.16s" CUSTOS_SEAL_PUB_SUFFIX, fp);
    const struct seal_tagfile *pt = custos__seal_scan_tag(s, pubrel);
    struct custos_error e2;
    custos_error_clear(&e2);
    if (pt != NULL) {
        if (custos_key_load_public_mem(own, pubrel, pt->bytes, pt->len, &e2) != CUSTOS_OK) {
            finding(s, CUSTOS_E_UNTRUSTED, "signature", "%s", e2.message);
            *own = NULL;
        } else if (strcmp(custos_key_fingerprint(*own), fp) != 0) {
            finding(s, CUSTOS_E_UNTRUSTED, "signature", "%s: is not the key of %s", pubrel, sigrel);
            custos_key_free(*own);
            *own = NULL;
        } else {
            snprintf(g->name, sizeof(g->name), "%s", custos_key_name(*own));
        }
    }
    return key != NULL ? key : *own;
}

/* One signature file t over the tag manifest (pkgsig.c), recorded on its signer. */
static int
check_sigfile(struct seal_scan *s, const struct seal_tagfile *t, struct custos_error *err)
{
    const struct seal_tagfile *tm = s->tagmanifest;
    struct custos_sigfile sf;
    struct custos_error e2;
    custos_error_clear(&e2);
    int st = custos__pkgsig_parse(t->rel, t->bytes, t->len, CUSTOS_PURPOSE_SEAL, &sf, &e2);
    if (st != CUSTOS_OK && st != CUSTOS_E_UNTRUSTED) /* malformed: no signer to record */
        return finding(s, e2.status, "signature", "%s", e2.message);
    struct custos_seal_signer *g;
    if (add_signer(s->rep, sf.key, NULL, &g) != CUSTOS_OK)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    g->present = 1;
    g->status = CUSTOS_E_UNTRUSTED; /* until it verifies */
    char want[128];
    snprintf(want, sizeof(want), CUSTOS_SEAL_DIR "/%.16s" CUSTOS_SEAL_SIG_SUFFIX, sf.key);
    if (strcmp(want, t->rel) != 0)
        return finding(s, CUSTOS_E_UNTRUSTED, "signature",
                       "%s: holds a signature by %.16s (file name and key differ)", t->rel, sf.key);
    if (st != CUSTOS_OK) /* made for another purpose */
        return finding(s, CUSTOS_E_UNTRUSTED, "signature", "%s", e2.message);
    struct custos_key *own;
    const struct custos_key *key = signer_key(s, t->rel, sf.key, g, &own);
    if (key == NULL)
        return finding(s, CUSTOS_E_UNTRUSTED, "signature", "%s: no public key for %.16s", t->rel,
                       sf.key);
    if (g->name[0] == '\0')
        snprintf(g->name, sizeof(g->name), "%s", custos_key_name(key));
    st = custos__pkgsig_verify(t->rel, &sf, key, tm->bytes, tm->len, &e2);
    custos_key_free(own);
    if (st != CUSTOS_OK)
        return finding(s, CUSTOS_E_UNTRUSTED, "signature", "%s", e2.message);
    if (g->role[0] == '\0')
        return finding(s, CUSTOS_E_UNTRUSTED, "signature",
                       "%s: signature by %.16s, a key %s does not name", t->rel, sf.key,
                       CUSTOS_BAG_INFO);
    g->status = CUSTOS_OK;
    return CUSTOS_OK;
}

/* Signatures, named signers and trusted keys (format section 1). */
static int
check_signatures(struct seal_scan *s, struct custos_error *err)
{
    struct custos_seal_report *r = s->rep;
    int rc = named_signers(s, err);
    for (size_t i = 0; rc == CUSTOS_OK && i < s->ntags; i++) {
        const struct seal_tagfile *t = &s->tags[i];
        size_t n = strlen(t->rel);
        if (strncmp(t->rel, CUSTOS_SEAL_DIR "/", sizeof(CUSTOS_SEAL_DIR)) == 0 && n >= 4 &&
            strcmp(t->rel + n - 4, CUSTOS_SEAL_SIG_SUFFIX) == 0)
            rc = check_sigfile(s, t, err);
    }
    if (rc != CUSTOS_OK)
        return rc;
    /* Named signers who have not signed; trusted keys that have not signed. */
    for (size_t i = 0; i < r->nsigners; i++) {
        const struct custos_seal_signer *g = &r->signers[i];
        if (g->present || g->role[0] == '\0')
            continue;
        if (strcmp(g->role, CUSTOS_ROLE_CUSTODIAN) == 0)
            finding(s, CUSTOS_E_UNTRUSTED, "signature",
                    "the custodian's signature (%.16s) is missing", g->fingerprint);
        else
            finding(s, CUSTOS_E_INCOMPLETE, "pending", "awaiting the %s's signature (%.16s)",
                    g->role, g->fingerprint);
    }
    for (size_t k = 0; s->o != NULL && k < s->o->ntrusted; k++) {
        const char *fp = custos_key_fingerprint(s->o->trusted[k]);
        int good = 0;
        for (size_t i = 0; i < r->nsigners; i++)
            if (strcmp(r->signers[i].fingerprint, fp) == 0) {
                r->signers[i].trusted = 1;
                good = r->signers[i].status == CUSTOS_OK;
            }
        if (!good)
            finding(s, CUSTOS_E_UNTRUSTED, "signature",
                    "trusted key %.16s (%s) has no valid signature", fp,
                    custos_key_name(s->o->trusted[k]));
    }
    return CUSTOS_OK;
}

/* The timestamp over the tag manifest, by pkgsig.c's rule (not checked is INCOMPLETE). */
static int
check_timestamp(struct seal_scan *s, struct custos_error *err)
{
    const struct seal_tagfile *t = custos__seal_scan_tag(s, CUSTOS_SEAL_TIMESTAMP);
    struct custos_seal_report *r = s->rep;
    if (t == NULL)
        return CUSTOS_OK;
    struct pkgsig_timestamp ts;
    int rc = custos__pkgsig_timestamp(t->bytes, t->len, s->tagmanifest->bytes, s->tagmanifest->len,
                                      s->o != NULL ? s->o->tsa_ca : NULL, 0, &ts, err);
    if (rc != CUSTOS_OK)
        return rc;
    r->timestamp_present = ts.present;
    r->timestamp_checked = ts.checked;
    r->timestamp_status = ts.status;
    r->tstamp = ts.info;
    if (ts.status != CUSTOS_OK)
        return finding(s, ts.status, "timestamp", "%s: %s", CUSTOS_SEAL_TIMESTAMP, ts.message);
    return CUSTOS_OK;
}

/* Everything after the pass: bagit.txt, tag manifest, payload, Oxum, signatures, timestamp. */
static int
scan_finish(struct seal_scan *s, struct custos_error *err)
{
    struct custos_seal_report *r = s->rep;
    const struct seal_tagfile *decl = custos__seal_scan_tag(s, CUSTOS_BAG_DECLARATION);
    const char *want = CUSTOS_BAG_DECLARATION_TEXT;
    if (decl == NULL)
        finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: missing", CUSTOS_BAG_DECLARATION);
    else if (decl->len != strlen(want) || memcmp(decl->bytes, want, decl->len) != 0)
        finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: not a BagIt 1.0 UTF-8 declaration",
                CUSTOS_BAG_DECLARATION);
    s->tagmanifest = custos__seal_scan_tag(s, CUSTOS_BAG_TAGMANIFEST);
    struct bag_manifest tm = {0}, pm = {0};
    struct custos_error e2;
    custos_error_clear(&e2);
    int rc = CUSTOS_OK;
    if (s->tagmanifest == NULL) {
        finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: missing", CUSTOS_BAG_TAGMANIFEST);
    } else {
        custos__seal_sha256(s->tagmanifest->bytes, s->tagmanifest->len, s->tm_sha);
        custos_hex_encode(s->tm_sha, 32, r->tagmanifest_sha256);
        if ((rc = custos__bag_manifest_parse(CUSTOS_BAG_TAGMANIFEST,
                                             (const char *)s->tagmanifest->bytes,
                                             s->tagmanifest->len, &tm, &e2)) != CUSTOS_OK) {
            if (rc == CUSTOS_E_NOMEM)
                goto out;
            finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s", e2.message);
        }
        static const char *const required[] = {CUSTOS_BAG_DECLARATION, CUSTOS_BAG_INFO,
                                               CUSTOS_BAG_MANIFEST};
        for (size_t i = 0; i < 3; i++)
            if (custos__bag_manifest_find(&tm, required[i]) == NULL)
                finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: does not list %s",
                        CUSTOS_BAG_TAGMANIFEST, required[i]);
        for (size_t i = 0; i < tm.n; i++) {
            struct seal_tagfile *t = (struct seal_tagfile *)custos__seal_scan_tag(s, tm.v[i].path);
            uint8_t d[32];
            if (strncmp(tm.v[i].path, "data/", 5) == 0 ||
                strcmp(tm.v[i].path, CUSTOS_BAG_TAGMANIFEST) == 0) {
                finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: lists %s", CUSTOS_BAG_TAGMANIFEST,
                        tm.v[i].path);
                continue;
            }
            if (t == NULL) {
                finding(s, CUSTOS_E_MISMATCH, "missing", "%s: missing", tm.v[i].path);
                continue;
            }
            t->listed = 1;
            custos__seal_sha256(t->bytes, t->len, d);
            if (memcmp(d, tm.v[i].sha256, 32) != 0)
                finding(s, CUSTOS_E_MISMATCH, "changed", "%s: changed (SHA-256 differs from %s)",
                        tm.v[i].path, CUSTOS_BAG_TAGMANIFEST);
        }
    }
    /* Tag files nobody lists and custos did not make. */
    for (size_t i = 0; i < s->ntags; i++) {
        const struct seal_tagfile *t = &s->tags[i];
        if (t->listed || t == s->tagmanifest || strcmp(t->rel, CUSTOS_SEAL_TIMESTAMP) == 0)
            continue;
        size_t n = strlen(t->rel);
        if (strncmp(t->rel, CUSTOS_SEAL_DIR "/", sizeof(CUSTOS_SEAL_DIR)) == 0 && n == 32 &&
            (strcmp(t->rel + 28, CUSTOS_SEAL_SIG_SUFFIX) == 0 ||
             strcmp(t->rel + 28, CUSTOS_SEAL_PUB_SUFFIX) == 0))
            continue;
        finding(s, CUSTOS_E_MISMATCH, "added", "%s: added (not listed by %s)", t->rel,
                CUSTOS_BAG_TAGMANIFEST);
    }
    /* The payload against its manifest. */
    const struct seal_tagfile *mt = custos__seal_scan_tag(s, CUSTOS_BAG_MANIFEST);
    if (mt == NULL) {
        finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: missing", CUSTOS_BAG_MANIFEST);
    } else if ((rc = custos__bag_manifest_parse(CUSTOS_BAG_MANIFEST, (const char *)mt->bytes,
                                                mt->len, &pm, &e2)) != CUSTOS_OK) {
        if (rc == CUSTOS_E_NOMEM)
            goto out;
        finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s", e2.message);
    } else {
        long dup = custos__bag_manifest_sort(&s->found);
        if (dup >= 0)
            finding(s, CUSTOS_E_REFUSED, "hostile", "%s: stored twice", s->found.v[dup].path);
        for (size_t i = 0; i < pm.n; i++)
            if (strncmp(pm.v[i].path, "data/", 5) != 0)
                finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: lists %s, outside data/",
                        CUSTOS_BAG_MANIFEST, pm.v[i].path);
        char hex[65], hex2[65];
        for (size_t i = 0; i < s->found.n; i++) {
            struct bag_line *l = custos__bag_manifest_find(&pm, s->found.v[i].path);
            if (l == NULL) {
                finding(s, CUSTOS_E_MISMATCH, "added", "%s: added (not in %s)", s->found.v[i].path,
                        CUSTOS_BAG_MANIFEST);
                continue;
            }
            l->seen = 1;
            if (memcmp(l->sha256, s->found.v[i].sha256, 32) != 0) {
                custos_hex_encode(l->sha256, 32, hex);
                custos_hex_encode(s->found.v[i].sha256, 32, hex2);
                finding(s, CUSTOS_E_MISMATCH, "changed",
                        "%s: changed (SHA-256 %.16s..., sealed %.16s...)", s->found.v[i].path, hex2,
                        hex);
            }
        }
        if (!s->stop)
            for (size_t i = 0; i < pm.n; i++)
                if (!pm.v[i].seen && strncmp(pm.v[i].path, "data/", 5) == 0)
                    finding(s, CUSTOS_E_MISMATCH, "missing", "%s: missing", pm.v[i].path);
    }
    if (s->have_info && !s->stop &&
        (s->oxum_bytes != r->payload_bytes || s->oxum_files != r->payload_files))
        finding(s, CUSTOS_E_MISMATCH, "oxum", "%s: Payload-Oxum %llu.%llu, payload holds %llu.%llu",
                CUSTOS_BAG_INFO, (unsigned long long)s->oxum_bytes,
                (unsigned long long)s->oxum_files, (unsigned long long)r->payload_bytes,
                (unsigned long long)r->payload_files);
    if (s->tagmanifest != NULL && s->have_info) {
        if ((rc = check_signatures(s, err)) != CUSTOS_OK)
            goto out;
        if ((rc = check_timestamp(s, err)) != CUSTOS_OK)
            goto out;
    }
    rc = CUSTOS_OK;
out:
    if (rc == CUSTOS_E_NOMEM && err->status != CUSTOS_E_NOMEM)
        custos_error_set(err, rc, 0, NULL, "out of memory");
    custos__bag_manifest_free(&tm);
    custos__bag_manifest_free(&pm);
    return rc;
}

void
custos__seal_scan_free(struct seal_scan *s)
{
    for (size_t i = 0; i < s->ntags; i++) {
        free(s->tags[i].rel);
        free(s->tags[i].bytes);
    }
    free(s->tags);
    custos__bag_manifest_free(&s->found);
    custos__bag_info_free(&s->info);
}

void
custos_seal_report_free(struct custos_seal_report *r)
{
    if (r == NULL)
        return;
    free(r->signers);
    free(r->findings);
    free(r);
}

/*
 * One full pass over the package; with w, every accepted entry is also
 * written. Returns a run status (I/O, memory, interruption); the findings
 * and their worst status are in *out. The scan s stays valid for the caller.
 */
int
custos__seal_scan(const char *package, const struct custos_seal_verify_options *o,
                  struct seal_writer *w, struct seal_scan *s, struct custos_seal_report **out,
                  struct custos_error *err)
{
    static const struct custos_seal_verify_options none = {0};
    if (o == NULL)
        o = &none;
    memset(s, 0, sizeof(*s));
    s->o = o;
    s->package = package;
    custos_progress_phase(o->progress, CUSTOS_PHASE_VERIFYING);
    *out = NULL;
    struct custos_seal_report *r = calloc(1, sizeof(*r));
    uint8_t *buf = malloc(CUSTOS__SEAL_IO_CHUNK);
    if (r == NULL || buf == NULL) {
        free(r);
        free(buf);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, package, "out of memory");
    }
    s->rep = r;
    uint64_t max = o->max_entries ? o->max_entries : CUSTOS_SEAL_ENTRIES_MAX;
    struct seal_reader rd;
    int rc = custos__seal_reader_open(&rd, package, max, err);
    if (rc == CUSTOS_E_REFUSED || rc == CUSTOS_E_CORRUPT) {
        finding(s, rc, rc == CUSTOS_E_REFUSED ? "bomb" : "corrupt", "%s", bare(s, err));
        custos_error_clear(err);
        rc = CUSTOS_OK;
        s->stop = 1;
    }
    if (rc != CUSTOS_OK)
        goto out;
    r->format = rd.fmt;
    struct seal_rent e;
    while (!s->stop) {
        int n = custos__seal_reader_next(&rd, &e, err);
        if (n == 1)
            break;
        if (n == CUSTOS_E_IO || n == CUSTOS_E_NOMEM) {
            rc = n;
            goto out;
        }
        if (n != CUSTOS_OK) {
            finding(s, n, "corrupt", "%s", bare(s, err));
            custos_error_clear(err);
            s->stop = 1;
            break;
        }
        r->format = rd.fmt;
        if (++r->entries > max) {
            finding(s, CUSTOS_E_REFUSED, "bomb", "more than %llu entries", (unsigned long long)max);
            s->stop = 1;
            break;
        }
        if ((rc = scan_entry(s, &rd, &e, w, buf, err)) != CUSTOS_OK)
            goto out;
    }
    snprintf(r->base, sizeof(r->base), "%s", rd.base);
    if (r->entries == 0 && rd.fmt != CUSTOS_SEAL_DIR_FORMAT && r->nfindings == 0)
        finding(s, CUSTOS_E_CORRUPT, "corrupt", "%s: empty archive", package);
    /* After a run-stopping finding the rest would only be noise: the package was not read. */
    rc = s->stop ? CUSTOS_OK : scan_finish(s, err);
out:
    custos__seal_reader_close(&rd);
    free(buf);
    if (rc != CUSTOS_OK) {
        custos_seal_report_free(r);
        s->rep = NULL;
        return rc;
    }
    *out = r;
    return CUSTOS_OK;
}

int
custos_seal_verify(const char *package, const struct custos_seal_verify_options *o,
                   struct custos_seal_report **out, struct custos_error *err)
{
    struct seal_scan s;
    int rc = custos__seal_scan(package, o, NULL, &s, out, err);
    custos__seal_scan_free(&s);
    if (rc != CUSTOS_OK)
        return rc;
    return (*out)->status;
}

int
custos_seal_extract(const char *package, const char *outdir,
                    const struct custos_seal_verify_options *o, struct custos_seal_report **out,
                    struct custos_error *err)
{
    *out = NULL;
    int rc = custos__refuse_existing(outdir, err);
    if (rc != CUSTOS_OK)
        return rc;
    struct seal_scan s;
    struct custos_seal_report *first = NULL;
    rc = custos__seal_scan(package, o, NULL, &s, &first, err);
    custos__seal_scan_free(&s);
    if (rc != CUSTOS_OK)
        return rc;
    if (first->status != CUSTOS_OK) {
        *out = first;
        return custos_error_set(err, first->status, 0, package,
                                "does not verify; nothing extracted");
    }
    /* Room for what Payload-Oxum declares (verified above) plus the tag files. */
    char parent[PATH_MAX];
    custos__dirname(outdir, parent, sizeof(parent));
    struct statvfs vfs;
    if (statvfs(parent, &vfs) == 0) {
        uint64_t avail = (uint64_t)vfs.f_bavail * (uint64_t)vfs.f_frsize;
        uint64_t need =
            first->payload_bytes + (uint64_t)first->payload_files * 4096 + CUSTOS_SEAL_TAG_FILE_MAX;
        if (need > avail) {
            *out = first;
            return custos_error_set(err, CUSTOS_E_REFUSED, 0, outdir,
                                    "needs %llu bytes, %llu available", (unsigned long long)need,
                                    (unsigned long long)avail);
        }
    }
    struct seal_writer w;
    rc = custos__seal_writer_open(&w, CUSTOS_SEAL_DIR_FORMAT, outdir, "", 0, err);
    if (rc != CUSTOS_OK) {
        *out = first;
        return rc;
    }
    struct custos_seal_report *second = NULL;
    rc = custos__seal_scan(package, o, &w, &s, &second, err);
    custos__seal_scan_free(&s);
    if (rc == CUSTOS_OK && (second->status != CUSTOS_OK ||
                            strcmp(second->tagmanifest_sha256, first->tagmanifest_sha256) != 0))
        rc = custos_error_set(err, CUSTOS_E_MISMATCH, 0, package,
                              "changed while being extracted; nothing extracted");
    if (rc == CUSTOS_OK)
        rc = custos__seal_writer_commit(&w, err);
    else
        custos__seal_writer_abort(&w);
    if (second != NULL) {
        custos_seal_report_free(first);
        first = second;
    }
    *out = first;
    return rc;
}

char *
custos_seal_report_json(const struct custos_seal_report *r, const char *package,
                        const char *operation)
{
    json_t *sig = json_array(), *fs = json_array();
    for (size_t i = 0; i < r->nsigners; i++) {
        const struct custos_seal_signer *g = &r->signers[i];
        json_array_append_new(sig, json_pack("{s:s, s:s, s:s, s:b, s:b, s:s}", "fingerprint",
                                             g->fingerprint, "role", g->role, "name", g->name,
                                             "present", g->present, "trusted", g->trusted, "status",
                                             custos_status_name(g->status)));
    }
    for (size_t i = 0; i < r->nfindings; i++)
        json_array_append_new(
            fs, json_pack("{s:s, s:s, s:s}", "status", custos_status_name(r->findings[i].status),
                          "kind", r->findings[i].kind, "message", r->findings[i].message));
    json_t *ts = json_null();
    if (r->timestamp_present)
        ts = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "gen_time", r->tstamp.gen_time, "tsa",
                       r->tstamp.tsa_name, "serial", r->tstamp.serial, "policy", r->tstamp.policy,
                       "checked", r->timestamp_checked, "status",
                       custos_status_name(r->timestamp_status));
    json_t *j = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:o}",
        "package", package, "format", custos_seal_format_name(r->format), "bag", r->base, "status",
        custos_status_name(r->status), "case", r->case_id, "evidence", r->evidence, "seal",
        r->seal_number, "authorisation", r->authorisation, "sealed_at", r->sealed_at,
        "tagmanifest_sha256", r->tagmanifest_sha256, "payload_bytes", (json_int_t)r->payload_bytes,
        "payload_files", (json_int_t)r->payload_files, "oxum_bytes", (json_int_t)r->oxum_bytes,
        "oxum_files", (json_int_t)r->oxum_files, "signatures", sig, "timestamp", ts, "findings",
        fs);
    if (j != NULL)
        json_object_set_new(j, "operation", json_string(operation));
    char *text = j != NULL ? json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    return text;
}
