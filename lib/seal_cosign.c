/* SPDX-License-Identifier: ISC */
/*
 * seal_cosign.c: a named witness adds a signature to a sealed package.
 *
 * The package is verified first (only missing signatures may remain); a
 * directory bag gets two new files, an archive is rewritten through the
 * writer on a second scan, which must see the same tag manifest (a package
 * swapped in between is caught), and replaces the old one atomically.
 */
#include "custos/seal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "custos/custos.h"
#include "key_private.h" /* custos__read_small_file */
#include "seal_private.h"

/* Reads a public key file and checks that it is key's. */
int
custos__seal_read_pub(const char *path, const struct custos_key *key, char **text, size_t *len,
                      struct custos_error *err)
{
    int rc = custos__read_small_file(path, 64 * 1024, text, len, err);
    if (rc != CUSTOS_OK)
        return rc;
    struct custos_key *k = NULL;
    rc = custos_key_load_public_mem(&k, path, *text, *len, err);
    if (rc == CUSTOS_OK && strcmp(custos_key_fingerprint(k), custos_key_fingerprint(key)) != 0)
        rc = custos_error_set(err, CUSTOS_E_USAGE, 0, path, "is not the public key of %.16s",
                              custos_key_fingerprint(key));
    custos_key_free(k);
    if (rc != CUSTOS_OK) {
        free(*text);
        *text = NULL;
    }
    return rc;
}

/* Only missing signatures may remain for cosign. */
static int
only_pending(const struct custos_seal_report *r)
{
    for (size_t i = 0; i < r->nfindings; i++)
        if (r->findings[i].status != CUSTOS_E_INCOMPLETE)
            return 0;
    return 1;
}

int
custos_seal_cosign(const char *package, const struct custos_key *key, const char *pub,
                   const struct custos_seal_verify_options *o, struct custos_seal_report **out,
                   struct custos_error *err)
{
    *out = NULL;
    if (!custos_key_has_private(key))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "cosigning needs a private key");
    char *pubtext = NULL;
    size_t publen = 0;
    int rc = custos__seal_read_pub(pub, key, &pubtext, &publen, err);
    if (rc != CUSTOS_OK)
        return rc;
    struct seal_scan s;
    struct custos_seal_report *r = NULL;
    struct seal_writer w;
    int wopen = 0;
    rc = custos__seal_scan(package, o, NULL, &s, &r, err);
    if (rc != CUSTOS_OK)
        goto out;
    if (!only_pending(r)) {
        rc = custos_error_set(err, r->status, 0, package, "does not verify; not cosigned");
        goto out;
    }
    const char *fp = custos_key_fingerprint(key);
    const struct custos_seal_signer *g = NULL;
    for (size_t i = 0; i < r->nsigners; i++)
        if (strcmp(r->signers[i].fingerprint, fp) == 0)
            g = &r->signers[i];
    if (g == NULL || g->role[0] == '\0') {
        rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, package,
                              "%s does not name key %.16s as a signer", CUSTOS_BAG_INFO, fp);
        goto out;
    }
    if (g->present) {
        rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, package, "already signed by %.16s", fp);
        goto out;
    }
    uint8_t sig[CUSTOS_SIG_SIZE];
    char sigtext[CUSTOS_SIGFILE_TEXT_MAX];
    size_t siglen;
    rc = custos_sign(key, CUSTOS_PURPOSE_SEAL, s.tagmanifest->bytes, s.tagmanifest->len, sig, err);
    if (rc == CUSTOS_OK)
        rc = custos_sigfile_text(key, CUSTOS_PURPOSE_SEAL, sig, sigtext, &siglen, err);
    if (rc != CUSTOS_OK)
        goto out;
    char sigrel[64], pubrel[64];
    snprintf(sigrel, sizeof(sigrel), CUSTOS_SEAL_DIR "/%.16s" CUSTOS_SEAL_SIG_SUFFIX, fp);
    snprintf(pubrel, sizeof(pubrel), CUSTOS_SEAL_DIR "/%.16s" CUSTOS_SEAL_PUB_SUFFIX, fp);
    char tmsha[65];
    snprintf(tmsha, sizeof(tmsha), "%s", r->tagmanifest_sha256);
    if (r->format == CUSTOS_SEAL_DIR_FORMAT) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof(path), "%s/%s", package, pubrel);
        struct stat st;
        if (lstat(path, &st) != 0) {
            rc = custos_write_file_new(path, pubtext, publen, 0444, err);
            if (rc != CUSTOS_OK)
                goto out;
        }
        snprintf(path, sizeof(path), "%s/%s", package, sigrel);
        rc = custos_write_file_new(path, sigtext, siglen, 0444, err);
        goto out;
    }
    /* An archive: copy every entry (checking it again), append ours, replace atomically. */
    rc = custos__seal_writer_open(&w, r->format, package, r->base, 1, err);
    if (rc != CUSTOS_OK)
        goto out;
    wopen = 1;
    custos__seal_scan_free(&s);
    custos_seal_report_free(r);
    r = NULL;
    rc = custos__seal_scan(package, o, &w, &s, &r, err);
    if (rc != CUSTOS_OK)
        goto out;
    if (!only_pending(r) || strcmp(r->tagmanifest_sha256, tmsha) != 0) {
        rc = custos_error_set(err, CUSTOS_E_MISMATCH, 0, package,
                              "changed while being cosigned; not cosigned");
        goto out;
    }
    int64_t now = (int64_t)time(NULL);
    if (custos__seal_scan_tag(&s, pubrel) == NULL)
        rc = custos__seal_writer_bytes(&w, pubrel, pubtext, publen, now, err);
    if (rc == CUSTOS_OK)
        rc = custos__seal_writer_bytes(&w, sigrel, sigtext, siglen, now, err);
    if (rc == CUSTOS_OK)
        rc = custos__seal_writer_commit(&w, err);
    wopen = 0;
out:
    if (wopen)
        custos__seal_writer_abort(&w);
    custos__seal_scan_free(&s);
    free(pubtext);
    *out = r;
    return rc;
}
