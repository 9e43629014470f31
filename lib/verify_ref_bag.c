/* SPDX-License-Identifier: ISC */
/*
 * verify_ref_bag.c: a BagIt bag as a reference: a directory, checked in
 * full by bag.c (RFC 8493), or a sealed package archive whose tag files the
 * seal module streams out, its manifests read with bag.c's one grammar;
 * and the seal's signatures of a sealed bag.
 */
#include "custos/verify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custos/seal.h"
#include "custos/sign.h"
#include "bag_private.h"
#include "seal_private.h"
#include "verify_private.h"

#define BAG_MANIFESTS 3

static const unsigned bag_algs[BAG_MANIFESTS] = {CUSTOS_DIGEST_SHA256, CUSTOS_DIGEST_SHA1,
                                                 CUSTOS_DIGEST_MD5};

/* The digests of one manifest (bag.c's parser, the one BagIt grammar) onto the items. */
static int
bag_manifest_items(struct custos_verify *v, const struct bag_fmanifest *m, unsigned alg)
{
    size_t sorted = v->nitems;
    if (sorted > 1)
        qsort(v->items, v->nitems, sizeof(*v->items), custos__verify_cmp_item);
    for (size_t i = 0; i < m->n; i++) {
        struct ritem *it = NULL;
        size_t lo = 0, hi = sorted;
        while (lo < hi && it == NULL) {
            size_t mid = lo + (hi - lo) / 2;
            int c = strcmp(v->items[mid].name, m->v[i].path);
            if (c == 0)
                it = &v->items[mid];
            else if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (it == NULL) {
            int rc = custos__verify_add_item(v, RITEM_FILE, m->v[i].path, &it);
            if (rc != CUSTOS_OK)
                return rc;
            it->counts = 1;
            it->size = UINT64_MAX; /* BagIt records no per-file size */
        }
        memcpy(alg == CUSTOS_DIGEST_MD5    ? it->ref.md5
               : alg == CUSTOS_DIGEST_SHA1 ? it->ref.sha1
                                           : it->ref.sha256,
               m->v[i].digest, custos_digest_size(alg));
        it->ref.algs |= alg;
    }
    return CUSTOS_OK;
}

/*
 * A bag directory: checked in full as RFC 8493 asks (bag.c), then one item
 * per payload file with the md5, sha1 and sha256 digests its manifests
 * hold (or, for a bag with only sha224/384/512 manifests, the SHA-256 of
 * the bytes that were checked against them).
 */
int
custos__verify_load_bag(struct custos_verify *v)
{
    struct bag_check bc;
    int rc = custos__bag_check_dir(v->ref_path, &bc, &v->err);
    if (rc != CUSTOS_OK && bc.tag_mismatch) {
        /* A sealed bag's tag files are what its signatures cover: a changed one is a
         * broken seal (exit 4), as in a package archive, not merely an invalid bag. */
        char seal[4200];
        struct stat st;
        snprintf(seal, sizeof(seal), "%s/%s", v->ref_path, CUSTOS_SEAL_DIR);
        if (stat(seal, &st) == 0 && S_ISDIR(st.st_mode)) {
            const char *cause = strstr(v->err.message, "): ");
            char msg[CUSTOS_ERROR_MESSAGE_MAX];
            snprintf(msg, sizeof(msg), "%s", cause != NULL ? cause + 3 : v->err.message);
            rc = custos_error_set(&v->err, CUSTOS_E_UNTRUSTED, 0, v->ref_path,
                                  "the seal is broken: %s, which the seal signs", msg);
        }
    }
    if (rc != CUSTOS_OK)
        return rc;
    v->algs = bc.algs ? bc.algs : CUSTOS_DIGEST_SHA256;
    for (size_t i = 0; i < bc.n && rc == CUSTOS_OK; i++) {
        struct ritem *it;
        if ((rc = custos__verify_add_item(v, RITEM_FILE, bc.v[i].path, &it)) != CUSTOS_OK)
            break;
        it->counts = 1;
        it->size = UINT64_MAX;
        it->ref = bc.v[i].ref;
        it->fetch = bc.v[i].fetch;
        if (bc.v[i].bad) {
            it->differs = 1;
            rc = custos__verify_set_detail(it, "differs from the bag's manifest-%s.txt",
                                           custos__bag_alg_name(bc.derived_alg));
        }
    }
    if (rc == CUSTOS_OK && bc.derived)
        custos__sb_printf(&bc.warnings,
                          "the bag holds only %s manifests: its payload was checked against "
                          "them when loaded, and compared with the target by the SHA-256 of "
                          "the same bytes\n",
                          custos__bag_alg_name(bc.derived_alg));
    if (rc == CUSTOS_OK && bc.warnings.len > 0 && (v->warnings = strdup(bc.warnings.p)) == NULL)
        rc = custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, v->ref_path, "out of memory");
    /* The reference's own digest: its strongest custos manifest's bytes. */
    char path[4200];
    for (size_t m = 0; m < BAG_MANIFESTS && rc == CUSTOS_OK; m++) {
        snprintf(path, sizeof(path), "%s/manifest-%s.txt", v->ref_path,
                 custos_digest_name(bag_algs[m]));
        if (access(path, F_OK) == 0) {
            rc = custos__verify_sha256_file(path, v->ref_sha256, &v->err);
            break;
        }
    }
    if (rc == CUSTOS_OK && v->ref_sha256[0] == '\0') {
        snprintf(path, sizeof(path), "%s/manifest-%s.txt", v->ref_path,
                 custos__bag_alg_name(bc.derived_alg));
        rc = custos__verify_sha256_file(path, v->ref_sha256, &v->err);
    }
    custos__bag_check_free(&bc);
    return rc;
}

/* The tag files a package archive's reference needs in memory: bagit.txt and the manifests. */
static int
bag_tag_kept(const char *rel)
{
    return strcmp(rel, CUSTOS_BAG_DECLARATION) == 0 || custos__verify_bag_manifest_name(rel);
}

/*
 * A sealed package archive (tar or zip as custos-seal writes it): its tag
 * files are read through the seal module's reader, as one stream with the
 * format's limits, and its payload manifests give the same items as the
 * same bag in a directory. Nothing is extracted.
 */
int
custos__verify_load_bag_archive(struct custos_verify *v)
{
    struct seal_tags t;
    int rc = custos__seal_read_tags(v->ref_path, bag_tag_kept, &t, &v->err);
    if (rc != CUSTOS_OK)
        return rc;
    char where[4096 + 300];
    if (custos__seal_tag(&t, CUSTOS_BAG_DECLARATION) == NULL) {
        rc = custos_error_set(&v->err, CUSTOS_E_UNSUPPORTED, 0, v->ref_path,
                              "a %s archive without %s/%s is not a sealed package",
                              custos_seal_format_name(t.format), t.base, CUSTOS_BAG_DECLARATION);
        goto out;
    }
    int any = 0;
    const struct seal_tag *decl = custos__seal_tag(&t, CUSTOS_BAG_DECLARATION);
    const char *ver = strstr((const char *)decl->bytes, "BagIt-Version: ");
    char version[16] = "1.0";
    if (ver != NULL)
        sscanf(ver + 15, "%15[0-9.]", version);
    for (size_t m = 0; m < BAG_MANIFESTS && rc == CUSTOS_OK; m++) {
        char rel[64];
        snprintf(rel, sizeof(rel), "manifest-%s.txt", custos_digest_name(bag_algs[m]));
        const struct seal_tag *mt = custos__seal_tag(&t, rel);
        if (mt == NULL)
            continue;
        if (!any)
            custos_sha256_hex(mt->bytes, mt->len, v->ref_sha256);
        any = 1;
        v->algs |= bag_algs[m];
        snprintf(where, sizeof(where), "%s: %s/%s", v->ref_path, t.base, rel);
        struct bag_fmanifest fm;
        memset(&fm, 0, sizeof(fm));
        struct custos__sb warn = {0};
        rc = custos__bag_fmanifest_parse(where, (const char *)mt->bytes, mt->len,
                                         custos__bag_alg(custos_digest_name(bag_algs[m])), 1,
                                         version, &fm, &warn, &v->err);
        if (rc == CUSTOS_OK)
            rc = bag_manifest_items(v, &fm, bag_algs[m]);
        custos__bag_fmanifest_free(&fm);
        custos__sb_free(&warn);
    }
    if (rc == CUSTOS_OK && !any)
        rc = custos_error_set(&v->err, CUSTOS_E_CORRUPT, 0, v->ref_path,
                              "bag %s/ has no manifest-sha256.txt, manifest-sha1.txt or "
                              "manifest-md5.txt",
                              t.base);
    if (rc != CUSTOS_OK)
        goto out;
    const struct seal_tag *tm = custos__seal_tag(&t, CUSTOS_BAG_TAGMANIFEST);
    if (tm != NULL) {
        /* What a seal signs, so what a ledger entry names (docs/formats/ledger.md). */
        custos_sha256_hex(tm->bytes, tm->len, v->ref_sha256);
        v->bag_tagmanifest = 1;
    }
    for (size_t i = 0; i < t.n; i++)
        if (strncmp(t.v[i].rel, CUSTOS_SEAL_DIR "/", sizeof(CUSTOS_SEAL_DIR)) == 0)
            v->bag_sealed = 1;
    v->bag_archive = 1;
    if ((v->bag_base = strdup(t.base)) == NULL)
        rc = custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, v->ref_path, "out of memory");
out:
    custos__seal_tags_free(&t);
    return rc;
}

/*
 * A bag sealed by custos-seal carries its signatures inside (custos-seal/,
 * docs/formats/package.md): the seal module checks them, with signer as a
 * key that must have signed. Its content findings are left to this module's
 * own comparison; only signature and timestamp findings decide here.
 */
int
custos__verify_check_seal(struct custos_verify *v, const struct custos_key *signer,
                          struct custos_error *err)
{
    char dir[4200];
    struct stat st;
    snprintf(dir, sizeof(dir), "%s/%s", v->ref_path, CUSTOS_SEAL_DIR);
    if (v->bag_archive)
        snprintf(dir, sizeof(dir), "%s:%s/%s", v->ref_path, v->bag_base, CUSTOS_SEAL_DIR);
    if (v->bag_archive ? !v->bag_sealed : (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
        snprintf(v->sig_status, sizeof(v->sig_status), "invalid");
        return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, v->ref_path,
                                "the bag is not sealed (no %s/): nothing signed it",
                                CUSTOS_SEAL_DIR);
    }
    snprintf(v->sig_path, sizeof(v->sig_path), "%.1000s", dir);
    snprintf(v->sig_signer, sizeof(v->sig_signer), "%s", custos_key_fingerprint(signer));
    struct custos_seal_verify_options o = {.trusted = &signer, .ntrusted = 1};
    struct custos_seal_report *r = NULL;
    int rc = custos_seal_verify(v->ref_path, &o, &r, err);
    if (r == NULL) {
        snprintf(v->sig_status, sizeof(v->sig_status), "invalid");
        return rc;
    }
    rc = CUSTOS_OK;
    for (size_t i = 0; i < r->nfindings && rc == CUSTOS_OK; i++) {
        const struct custos_seal_finding *f = &r->findings[i];
        int payload = strncmp(f->message, "data/", 5) == 0 ||
                      strstr(f->message, ": data/") != NULL || strcmp(f->kind, "oxum") == 0;
        int content = strcmp(f->kind, "added") == 0 || strcmp(f->kind, "changed") == 0 ||
                      strcmp(f->kind, "missing") == 0 || strcmp(f->kind, "oxum") == 0;
        if (strcmp(f->kind, "corrupt") == 0 || strcmp(f->kind, "hostile") == 0 ||
            strcmp(f->kind, "bomb") == 0)
            rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, v->ref_path, "%s", f->message);
        else if (f->status == CUSTOS_E_UNTRUSTED || strcmp(f->kind, "signature") == 0 ||
                 strcmp(f->kind, "timestamp") == 0 || (content && !payload))
            /* A tag file that differs from the signed tag manifest: the reference is not
             * what was sealed. Payload findings are this module's to report. */
            rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, v->ref_path, "%s", f->message);
    }
    int signed_by = 0;
    for (size_t i = 0; i < r->nsigners; i++)
        if (strcmp(r->signers[i].fingerprint, custos_key_fingerprint(signer)) == 0 &&
            r->signers[i].present && r->signers[i].status == CUSTOS_OK)
            signed_by = 1;
    if (rc == CUSTOS_OK && !signed_by)
        rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, v->ref_path,
                              "the package has no valid signature by %.16s",
                              custos_key_fingerprint(signer));
    /* The items were read in an earlier pass: it must have seen the tag manifest signed now. */
    if (rc == CUSTOS_OK && v->bag_tagmanifest && strcmp(r->tagmanifest_sha256, v->ref_sha256) != 0)
        rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, v->ref_path,
                              "%s changed while the reference was read", CUSTOS_BAG_TAGMANIFEST);
    custos_seal_report_free(r);
    snprintf(v->sig_status, sizeof(v->sig_status), "%s", rc == CUSTOS_OK ? "valid" : "invalid");
    return rc;
}
