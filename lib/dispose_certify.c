/* SPDX-License-Identifier: ISC */
/*
 * dispose_certify.c: the vendor's side: a draft certificate made into a
 * signed proof bundle (docs/formats/destruction-proof.md, "Layout").
 *
 * Invariants:
 *   1. A bundle is built in a staging directory beside the output and
 *      published whole (custos_staging_publish, or custos__bundle_write_tar
 *      for a tar), or not at all: the staging directory is removed on every
 *      path out of certify_run.
 *   2. Every file of a bundle that carries meaning is listed in
 *      manifest.sha256, and the signatures (and the timestamp) cover exactly
 *      that file's bytes.
 *   3. Nothing is signed that verify would reject: the staged bundle goes
 *      through verify's own checks (custos__dispose_verify_staged) first,
 *      and custos_dispose_certify_check runs them all without any private
 *      key, so a tool can refuse before anyone types a passphrase.
 *
 * States of certify_run: signers checked -> draft loaded and checked ->
 * certificate built -> staged (attachments, certificate.json, manifest)
 * -> verified -> signed and timestamped -> published.
 */
#include "dispose_private.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "custos/atomicfile.h" /* custos_write_file_new */
#include "custos/digest.h"
#include "custos/sign.h"
#include "custos/staging.h"
#include "custos/timestamp.h"

#include "fsutil_private.h" /* custos__dirname, custos__basename, custos__refuse_existing */

/* A bundle being built: the staging directory and the manifest so far. */
struct build {
    struct custos_staging *stg;  /* beside the output */
    struct custos__filetype *ft; /* libmagic, for the attachments' types */
    char bdir[PATH_MAX];         /* the bundle directory inside the staging directory */
    char sdir[PATH_MAX];         /* its signatures/ */
    char *manifest;              /* manifest.sha256 so far */
    size_t mlen, mcap;           /* bytes used, allocated */
    const char *draft_path;      /* named in messages */
};

static int
mkdir_in(const char *dir, const char *name, char *out, size_t outlen, struct custos_error *err)
{
    if (snprintf(out, outlen, "%s/%s", dir, name) >= (int)outlen)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, dir, "path too long");
    if (mkdir(out, 0755) != 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, out, "cannot create");
    return CUSTOS_OK;
}

/* Copies src to the new file dst, hashing it and sniffing its type on the way. */
static int
copy_attachment(struct custos__filetype *ft, const char *src, const char *dst,
                char hex[CUSTOS_KEY_FP_HEX_SIZE], uint64_t *size, char **mime,
                struct custos_error *err)
{
    *mime = NULL;
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return custos_error_set(err, CUSTOS_E_USAGE, errno, src, "cannot open the attachment");
    struct stat st;
    if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(in);
        return custos_error_set(err, CUSTOS_E_USAGE, 0, src, "not a regular file");
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (out < 0) {
        int e = errno;
        close(in);
        return custos_error_set(err, CUSTOS_E_IO, e, dst, "cannot create");
    }
    int rc = custos__dispose_hash_stream(ft, in, src, out, dst, hex, size, mime, err);
    if (rc == CUSTOS_OK && fsync(out) != 0)
        rc = custos_error_set(err, CUSTOS_E_IO, errno, dst, "cannot flush");
    close(out);
    close(in);
    return rc;
}

static int
has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static json_t *
copy_fields(const json_t *src, const char *const *keys)
{
    json_t *o = json_object();
    for (size_t i = 0; o != NULL && keys[i] != NULL; i++) {
        json_t *v = json_object_get(src, keys[i]);
        if (v != NULL)
            json_object_set(o, keys[i], v);
    }
    return o;
}

/* Re-labels a model error as the draft's (CUSTOS_E_USAGE naming draft_path). */
static int
draft_error(struct custos_error *err, const char *draft_path)
{
    char why[sizeof(err->message)];
    snprintf(why, sizeof(why), "%s", err->message);
    return custos_error_set(err, CUSTOS_E_USAGE, 0, draft_path, "%s", why);
}

/* Appends "HEX  REL\n" to the manifest; callers add lines in byte order of rel. */
static int
manifest_add(struct build *b, const char *hex, const char *rel, struct custos_error *err)
{
    size_t need = b->mlen + 64 + 2 + strlen(rel) + 2;
    if (need > b->mcap) {
        char *nm = realloc(b->manifest, need * 2);
        if (nm == NULL)
            return custos__dispose_nomem(err);
        b->manifest = nm;
        b->mcap = need * 2;
    }
    b->mlen += (size_t)sprintf(b->manifest + b->mlen, "%s  %s\n", hex, rel);
    return CUSTOS_OK;
}

/*
 * The signers: with sign, three private keys of different people;
 * without, a signer may be a public key or NULL (not known yet: its bit is
 * set in *skip and its checks wait for the signing run).
 */
static int
check_signers(const struct custos_key *const signer[3], int sign, unsigned *skip,
              struct custos_error *err)
{
    *skip = 0;
    for (size_t i = 0; i < 3; i++) {
        if (signer[i] == NULL && !sign) {
            *skip |= 1u << i;
            continue;
        }
        if (signer[i] == NULL || (sign && !custos_key_has_private(signer[i])))
            return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                    "custos_dispose_certify: the %s's private key is needed",
                                    custos__dispose_roles[i]);
        for (size_t j = 0; j < i; j++)
            if (signer[j] != NULL &&
                strcmp(custos_key_fingerprint(signer[i]), custos_key_fingerprint(signer[j])) == 0)
                return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                        "the %s and the %s must be different people",
                                        custos__dispose_roles[j], custos__dispose_roles[i]);
    }
    if (signer[0] != NULL && signer[1] != NULL &&
        strcmp(custos_key_name(signer[0]), custos_key_name(signer[1])) == 0)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "the verifier must be a different person from the performer");
    return CUSTOS_OK;
}

/* Loads the draft: JSON, nothing left to fill in, the model's draft rules. */
static int
draft_load(const char *draft_path, json_t **out, struct custos_error *err)
{
    json_error_t je;
    *out = json_load_file(draft_path, JSON_REJECT_DUPLICATES, &je);
    if (*out == NULL)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, draft_path, "line %d: %s", je.line,
                                je.text);
    char where[512] = "";
    if (custos__draft_find_fill_in(*out, where, sizeof(where)))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, draft_path,
                                "%s: still to be filled in (it begins \"%s\")", where,
                                CUSTOS_DISPOSE_FILL_IN);
    if (custos__draft_check(*out, err) != CUSTOS_OK)
        return draft_error(err, draft_path);
    return CUSTOS_OK;
}

/* certificate.people from the draft's and the signers' keys (NULL: not known yet). */
static int
cert_people(json_t *cert, const json_t *draft, const struct custos_key *const signer[3],
            struct custos_error *err)
{
    json_t *people = json_object();
    if (people == NULL || json_object_set_new(cert, "people", people) != 0)
        return custos__dispose_nomem(err);
    json_t *dpeople = json_object_get(draft, "people");
    static const char *const pfields[] = {"title", "organisation", "contact", "location", NULL};
    for (size_t i = 0; i < 3; i++) {
        json_t *p = copy_fields(json_object_get(dpeople, custos__dispose_roles[i]), pfields);
        /* a signer not known yet (checking only) stands in as nobody; its checks are skipped */
        char *pub = signer[i] != NULL ? custos__dispose_key_b64(signer[i]) : strdup("-");
        if (p == NULL || pub == NULL) {
            free(pub);
            json_decref(p);
            return custos__dispose_nomem(err);
        }
        json_object_set_new(
            p, "name",
            json_string(signer[i] != NULL ? custos_key_name(signer[i]) : "(not known yet)"));
        json_object_set_new(p, "key",
                            json_string(signer[i] != NULL ? custos_key_fingerprint(signer[i])
                                                          : CUSTOS__DISPOSE_UNKNOWN_KEY));
        json_object_set_new(p, "pub", json_string(pub));
        free(pub);
        json_object_set_new(people, custos__dispose_roles[i], p);
    }
    return CUSTOS_OK;
}

/*
 * The certificate, without its attachments: the draft's fields, the order
 * it answers, the issue time and the signers; no item dated in the future.
 */
static int
cert_from_draft(const struct custos_dispose_order *o, const json_t *draft,
                const struct custos_key *const signer[3], const char *draft_path, json_t **out,
                struct custos_error *err)
{
    json_t *cert = *out = json_object();
    if (cert == NULL)
        return custos__dispose_nomem(err);
    char issued[32];
    custos__utc_now(issued, sizeof(issued));
    json_object_set_new(cert, "format", json_string(CUSTOS_DISPOSE_CERT_FORMAT));
    json_object_set(cert, "certificate_id", json_object_get(draft, "certificate_id"));
    json_object_set_new(cert, "issued", json_string(issued));
    json_object_set_new(cert, "order",
                        json_pack("{s:s,s:s,s:s,s:s}", "id", custos_dispose_order_id(o), "sha256",
                                  o->sha256, "case", custos__jstr0(o->doc, "case"), "ledger",
                                  custos__jstr0(o->doc, "ledger")));
    static const char *const top[] = {"contract", "owner", "vendor", "attestation",
                                      "custody",  "items", NULL};
    for (size_t i = 0; top[i] != NULL; i++)
        if (json_object_get(draft, top[i]) != NULL)
            json_object_set(cert, top[i], json_object_get(draft, top[i]));
    int rc = cert_people(cert, draft, signer, err);
    if (rc != CUSTOS_OK)
        return rc;
    time_t issued_t, t;
    custos__dispose_time(issued, &issued_t);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(cert, "items"), i, it)
    {
        custos__dispose_time(custos__jstr(it, "time"), &t);
        if (t > issued_t + CUSTOS_DISPOSE_FUTURE_SLACK)
            return custos_error_set(err, CUSTOS_E_USAGE, 0, draft_path,
                                    "item %s: time %s is in the future", custos__jstr(it, "id"),
                                    custos__jstr(it, "time"));
    }
    return CUSTOS_OK;
}

/* The bundle's name for attachment i: attachments/NNN-BASENAME, unsafe bytes as '_'. */
static void
attachment_name(const char *file, size_t i, char *rel, size_t len)
{
    char name[256];
    const char *base = custos__basename(file);
    size_t k = 0;
    for (; base[k] != '\0' && k < 200; k++) {
        char ch = base[k];
        name[k] = ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_')
                      ? ch
                      : '_';
    }
    name[k] = '\0';
    snprintf(rel, len, "%s/%03zu-%s", CUSTOS_DISPOSE_ATTACH_DIR, i + 1, name);
}

/* Copies draft attachment da (number i) into the bundle, records it in cert and the manifest. */
static int
stage_attachment(struct build *b, const json_t *da, size_t i, const char *draft_dir, json_t *atts,
                 struct custos_error *err)
{
    const char *file = custos__jstr(da, "file");
    if (file == NULL || file[0] == '\0')
        return custos_error_set(err, CUSTOS_E_USAGE, 0, b->draft_path,
                                "attachments[%zu].file: a file name is needed", i);
    char src[PATH_MAX * 2], rel[300], path[PATH_MAX * 2];
    snprintf(src, sizeof(src), "%s/%s", file[0] == '/' ? "" : draft_dir, file);
    attachment_name(file, i, rel, sizeof(rel));
    snprintf(path, sizeof(path), "%s/%s", b->bdir, rel);
    char hex[CUSTOS_KEY_FP_HEX_SIZE], *mime = NULL;
    uint64_t size = 0;
    int rc = copy_attachment(b->ft, src, path, hex, &size, &mime, err);
    if (rc != CUSTOS_OK)
        return rc;
    json_t *a = json_pack("{s:s,s:s,s:I,s:s}", "path", rel, "sha256", hex, "size", (json_int_t)size,
                          "mime", mime);
    static const char *const afields[] = {"kind", "items", "description", "captured", NULL};
    for (size_t k = 0; a != NULL && afields[k] != NULL; k++)
        if (json_object_get(da, afields[k]) != NULL)
            json_object_set(a, afields[k], json_object_get(da, afields[k]));
    json_array_append_new(atts, a);
    const char *kind = custos__jstr0(da, "kind");
    if (custos__in_list(kind, custos__dispose_kinds) && !custos__dispose_kind_accepts(kind, mime)) {
        rc = custos_error_set(err, CUSTOS_E_USAGE, 0, src, "a %s must be %s, not %s", kind,
                              strncmp(kind, "photo_", 6) == 0 ? "an image"
                              : strcmp(kind, "video") == 0    ? "a video"
                                                              : "a text, JSON or PDF file",
                              mime);
        free(mime);
        return rc;
    }
    free(mime);
    /* manifest lines: attachments sort before certificate.json in byte order */
    return manifest_add(b, hex, rel, err);
}

/* Every attachment of the draft into the bundle and cert.attachments. */
static int
stage_attachments(struct build *b, const json_t *draft, json_t *cert, struct custos_error *err)
{
    char draft_dir[PATH_MAX];
    custos__dirname(b->draft_path, draft_dir, sizeof(draft_dir));
    json_t *atts = json_array();
    if (atts == NULL || json_object_set_new(cert, "attachments", atts) != 0)
        return custos__dispose_nomem(err);
    json_t *datts = json_object_get(draft, "attachments");
    if (datts != NULL && !json_is_array(datts))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, b->draft_path,
                                "attachments: an array is needed");
    size_t i;
    json_t *da;
    json_array_foreach(datts, i, da)
    {
        int rc = stage_attachment(b, da, i, draft_dir, atts, err);
        if (rc != CUSTOS_OK)
            return rc;
    }
    return CUSTOS_OK;
}

/* Checks cert against the model, writes certificate.json and the manifest. */
static int
stage_certificate(struct build *b, const json_t *cert, struct custos_error *err)
{
    if (custos__cert_check(cert, err) != CUSTOS_OK)
        return draft_error(err, b->draft_path);
    /* which items the order holds is reconciled by verify, item by item */
    char path[PATH_MAX * 2];
    snprintf(path, sizeof(path), "%s/%s", b->bdir, CUSTOS_DISPOSE_CERT_FILE);
    int rc = custos__dispose_write_json(path, cert, err);
    char *cbytes = NULL;
    size_t clen = 0;
    if (rc == CUSTOS_OK)
        rc = custos__read_small(path, CUSTOS_DISPOSE_JSON_MAX, &cbytes, &clen, err);
    if (rc != CUSTOS_OK)
        return rc;
    char chex[CUSTOS_KEY_FP_HEX_SIZE];
    custos__dispose_sha256_hex(cbytes, clen, chex);
    free(cbytes);
    rc = manifest_add(b, chex, CUSTOS_DISPOSE_CERT_FILE, err);
    snprintf(path, sizeof(path), "%s/%s", b->bdir, CUSTOS_DISPOSE_MANIFEST_FILE);
    if (rc == CUSTOS_OK)
        rc = custos_write_file_new(path, b->manifest, b->mlen, 0644, err);
    return rc;
}

/* The three signatures over the manifest and, with s->tsa_url, its RFC 3161 timestamp. */
static int
sign_bundle(struct build *b, const struct custos_key *const signer[3],
            const struct custos_dispose_signers *s, struct custos_error *err)
{
    char path[PATH_MAX * 2];
    snprintf(path, sizeof(path), "%s/%s", b->bdir, CUSTOS_DISPOSE_MANIFEST_FILE);
    int rc = CUSTOS_OK;
    for (size_t r = 0; rc == CUSTOS_OK && r < 3; r++) {
        char sig[PATH_MAX * 2];
        snprintf(sig, sizeof(sig), "%s/%s%s", b->sdir, custos__dispose_roles[r],
                 CUSTOS_DISPOSE_SIG_SUFFIX);
        rc = custos_sign_file(signer[r], CUSTOS_PURPOSE_DESTRUCTION_PROOF, path, sig, err);
    }
    if (rc != CUSTOS_OK || s->tsa_url == NULL)
        return rc;
    /* the timestamp covers the manifest, which covers everything signed */
    uint8_t imprint[CUSTOS_TIMESTAMP_IMPRINT_SIZE], *tsr = NULL;
    size_t tsrlen = 0;
    struct custos_digest *d = NULL;
    struct custos_digest_result dr;
    rc = custos_digest_new(&d, CUSTOS_DIGEST_SHA256, err);
    if (rc == CUSTOS_OK) {
        custos_digest_update(d, b->manifest, b->mlen);
        custos_digest_final(d, &dr);
        custos_digest_free(d);
        memcpy(imprint, dr.sha256, sizeof(imprint));
        struct custos_timestamp_options topts = {0, s->tsa_cafile};
        rc = custos_timestamp_fetch(s->tsa_url, imprint, &topts, &tsr, &tsrlen, NULL, err);
    }
    if (rc == CUSTOS_OK) {
        snprintf(path, sizeof(path), "%s/%s", b->bdir, CUSTOS_DISPOSE_TIMESTAMP_FILE);
        rc = custos_write_file_new(path, tsr, tsrlen, 0644, err);
    }
    free(tsr);
    return rc;
}

/* Publishes the bundle directory at out_path: one tar archive, or the directory itself. */
static int
publish(struct build *b, const json_t *cert, const char *out_path, struct custos_error *err)
{
    if (has_suffix(out_path, CUSTOS_DISPOSE_ARCHIVE_SUFFIX))
        return custos__bundle_write_tar(b->bdir, custos__jstr(cert, "issued"), out_path, err);
    int rc = custos_staging_add(b->stg, "bundle", out_path);
    if (rc == CUSTOS_OK)
        rc = custos_staging_publish(b->stg);
    if (rc != CUSTOS_OK)
        custos_error_copy(err, custos_staging_error(b->stg));
    return rc;
}

/* The staging directory beside out_path, with bundle/, attachments/ and signatures/. */
static int
build_start(struct build *b, const char *out_path, struct custos_error *err)
{
    char out_dir[PATH_MAX], adir[PATH_MAX];
    custos__dirname(out_path, out_dir, sizeof(out_dir));
    int rc = custos_staging_create(&b->stg, out_dir, err);
    if (rc == CUSTOS_OK)
        rc = mkdir_in(custos_staging_dir(b->stg), "bundle", b->bdir, sizeof(b->bdir), err);
    if (rc == CUSTOS_OK)
        rc = mkdir_in(b->bdir, CUSTOS_DISPOSE_ATTACH_DIR, adir, sizeof(adir), err);
    if (rc == CUSTOS_OK)
        rc = mkdir_in(b->bdir, CUSTOS_DISPOSE_SIG_DIR, b->sdir, sizeof(b->sdir), err);
    if (rc == CUSTOS_OK)
        rc = custos__filetype_new(&b->ft, err);
    return rc;
}

static void
build_end(struct build *b)
{
    free(b->manifest);
    custos__filetype_free(b->ft);
    /* the staging directory is removed whole: the bundle directory in it has subdirectories */
    if (b->stg != NULL)
        custos__rm_tree(b->bdir);
    custos_staging_free(b->stg);
}

/*
 * certify and certify_check: builds the bundle in a staging directory
 * beside out_path, runs verify's checks on it, and with sign signs,
 * timestamps and publishes it.
 */
static int
certify_run(const struct custos_dispose_order *o, const char *draft_path,
            const struct custos_dispose_signers *s, const char *out_path, int sign,
            struct custos_error *err)
{
    const struct custos_key *const signer[3] = {s->performer, s->verifier, s->witness};
    unsigned skip = 0;
    int rc = check_signers(signer, sign, &skip, err);
    if (rc == CUSTOS_OK)
        rc = custos__refuse_existing(out_path, err);
    if (rc != CUSTOS_OK)
        return rc;
    struct build b;
    memset(&b, 0, sizeof(b));
    b.draft_path = draft_path;
    json_t *draft = NULL, *cert = NULL;
    rc = draft_load(draft_path, &draft, err);
    if (rc == CUSTOS_OK)
        rc = cert_from_draft(o, draft, signer, draft_path, &cert, err);
    if (rc == CUSTOS_OK)
        rc = build_start(&b, out_path, err);
    if (rc == CUSTOS_OK)
        rc = stage_attachments(&b, draft, cert, err);
    if (rc == CUSTOS_OK)
        rc = stage_certificate(&b, cert, err);
    if (rc == CUSTOS_OK)
        rc = custos__dispose_verify_staged(o, s->ledger, s->require, skip, b.bdir, cert, b.manifest,
                                           b.mlen, b.ft, draft_path, err);
    if (rc == CUSTOS_OK && sign)
        rc = sign_bundle(&b, signer, s, err);
    if (rc == CUSTOS_OK && sign)
        rc = publish(&b, cert, out_path, err);
    build_end(&b);
    json_decref(cert);
    json_decref(draft);
    return rc;
}

int
custos_dispose_certify(const struct custos_dispose_order *o, const char *draft_path,
                       const struct custos_dispose_signers *s, const char *out_path,
                       struct custos_error *err)
{
    return certify_run(o, draft_path, s, out_path, 1, err);
}

int
custos_dispose_certify_check(const struct custos_dispose_order *o, const char *draft_path,
                             const struct custos_dispose_signers *s, const char *out_path,
                             struct custos_error *err)
{
    return certify_run(o, draft_path, s, out_path, 0, err);
}

int
custos_dispose_certify_describe(const struct custos_dispose_order *o, const char *draft_path,
                                char **text, struct custos_error *err)
{
    *text = NULL;
    json_error_t je;
    json_t *d = json_load_file(draft_path, JSON_REJECT_DUPLICATES, &je);
    if (d == NULL)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, draft_path, "line %d: %s", je.line,
                                je.text);
    size_t len = 0;
    FILE *f = open_memstream(text, &len);
    if (f == NULL) {
        json_decref(d);
        return custos__dispose_nomem(err);
    }
    fprintf(f, "Destruction certificate %s of %s, answering disposal order %s (case %s)\n",
            custos__jstr0(d, "certificate_id"), custos__jstr0(json_object_get(d, "vendor"), "name"),
            custos_dispose_order_id(o), custos__jstr0(o->doc, "case"));
    fprintf(f, "  attestation: %s\n", custos__jstr0(d, "attestation"));
    size_t i, j;
    json_t *it, *l;
    json_array_foreach(json_object_get(d, "items"), i, it) fprintf(
        f, "  item %s (serial %s): %s by %s (%s) at %s, %s; remains to %s\n",
        custos__jstr0(it, "id"), custos__jstr0(it, "serial"), custos__jstr0(it, "result"),
        custos__jstr0(it, "method"), custos__jstr0(it, "category"), custos__jstr0(it, "time"),
        custos__jstr0(it, "location"), custos__jstr0(it, "destination"));
    json_array_foreach(json_object_get(d, "attachments"), i, it)
    {
        fprintf(f, "  attachment %s: %s, showing", custos__jstr0(it, "file"),
                custos__jstr0(it, "kind"));
        json_array_foreach(json_object_get(it, "items"), j, l)
            fprintf(f, " %s", json_is_string(l) ? json_string_value(l) : "?");
        fputc('\n', f);
    }
    fprintf(f, "  signed by the performer, the verifier and the witness over the bundle's "
               "manifest (every file above)\n");
    json_decref(d);
    if (fclose(f) != 0 || *text == NULL) {
        free(*text);
        *text = NULL;
        return custos__dispose_nomem(err);
    }
    return CUSTOS_OK;
}
