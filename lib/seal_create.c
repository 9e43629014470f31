/* SPDX-License-Identifier: ISC */
/*
 * seal_create.c: seal files and directories into a new package.
 *
 * Every source file is hashed twice (manifest, then copy into the writer);
 * a difference stops the run (a file changed while sealing). The tag files
 * are written first, so a reader meets bag-info.txt (and its Payload-Oxum)
 * before any payload byte.
 */
#include "custos/seal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "custos/custos.h"
#include "bag_private.h"
#include "fsutil_private.h"
#include "seal_private.h"

struct src {
    char *path; /* on disk */
    char *rel;  /* data/... */
    uint64_t size;
    int64_t mtime;
    uint8_t sha256[32];
};

struct srcs {
    struct src *v;
    size_t n, cap;
};

static int
src_add(struct srcs *l, const char *path, const char *rel, const struct stat *st,
        struct custos_error *err)
{
    switch (custos__bag_path_check(rel)) {
    case BAG_PATH_OK:
        break;
    case BAG_PATH_NAME:
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, path,
                                "name holds a control character, backslash or %%: cannot be "
                                "sealed (docs/formats/package.md)");
    default:
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, path, "name cannot be sealed");
    }
    /* bagit.txt declares UTF-8 tag files, and pax and zip (bit 11) names are UTF-8. */
    if (!custos_utf8_valid(rel, strlen(rel)))
        return custos_error_set(
            err, CUSTOS_E_REFUSED, 0, path,
            "name is not valid UTF-8: cannot be sealed (docs/formats/package.md)");
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct src *v = realloc(l->v, cap * sizeof(*v));
        if (v == NULL)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        l->v = v;
        l->cap = cap;
    }
    struct src *s = &l->v[l->n];
    memset(s, 0, sizeof(*s));
    s->path = strdup(path);
    s->rel = strdup(rel);
    if (s->path == NULL || s->rel == NULL) {
        free(s->path);
        free(s->rel);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    s->size = (uint64_t)st->st_size;
    s->mtime = (int64_t)st->st_mtime;
    l->n++;
    return CUSTOS_OK;
}

static int
collect(struct srcs *l, const char *path, const char *rel, struct custos_error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot stat");
    if (S_ISREG(st.st_mode))
        return src_add(l, path, rel, &st, err);
    if (!S_ISDIR(st.st_mode))
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, path,
                                "not a regular file or directory; only files are sealed");
    DIR *d = opendir(path);
    if (d == NULL)
        return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot open");
    int rc = CUSTOS_OK;
    struct dirent *de;
    while (rc == CUSTOS_OK && (errno = 0, de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char cp[PATH_MAX], cr[BAG_PATH_MAX];
        if (snprintf(cp, sizeof(cp), "%s/%s", path, de->d_name) >= (int)sizeof(cp) ||
            snprintf(cr, sizeof(cr), "%s/%s", rel, de->d_name) >= (int)sizeof(cr)) {
            rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, path, "path too long");
            break;
        }
        rc = collect(l, cp, cr, err);
    }
    if (rc == CUSTOS_OK && errno != 0)
        rc = custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot read the directory");
    closedir(d);
    return rc;
}

static int
src_cmp(const void *a, const void *b)
{
    return strcmp(((const struct src *)a)->rel, ((const struct src *)b)->rel);
}

/* Hashes one source file (pass 1) or copies it into w while hashing (pass 2). */
static int
hash_copy(struct src *s, struct seal_writer *w, uint8_t *buf, const struct custos_progress *p,
          uint64_t *done, uint64_t total, struct custos_error *err)
{
    int fd = open(s->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, s->path, "cannot open");
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != s->size) {
        close(fd);
        return custos_error_set(err, CUSTOS_E_MISMATCH, 0, s->path, "changed while sealing");
    }
    int rc = CUSTOS_OK;
    if (w != NULL &&
        (rc = custos__seal_writer_begin(w, s->rel, s->size, s->mtime, err)) != CUSTOS_OK) {
        close(fd);
        return rc;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md == NULL || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(md);
        close(fd);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    uint64_t got = 0;
    for (;;) {
        if (custos_progress_cancelled(p)) {
            rc = custos_error_set(err, CUSTOS_E_INTERRUPTED, 0, s->path, "interrupted");
            break;
        }
        ssize_t k = read(fd, buf, CUSTOS__SEAL_IO_CHUNK);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            rc = custos_error_set(err, CUSTOS_E_IO, errno, s->path, "cannot read");
            break;
        }
        if (k == 0)
            break;
        got += (uint64_t)k;
        if (got > s->size) {
            rc = custos_error_set(err, CUSTOS_E_MISMATCH, 0, s->path, "changed while sealing");
            break;
        }
        EVP_DigestUpdate(md, buf, (size_t)k);
        if (w != NULL && (rc = custos__seal_writer_data(w, buf, (size_t)k, err)) != CUSTOS_OK)
            break;
        *done += (uint64_t)k;
        custos_progress_update(p, *done, total);
    }
    close(fd);
    uint8_t d[32];
    unsigned int dl = 32;
    EVP_DigestFinal_ex(md, d, &dl);
    EVP_MD_CTX_free(md);
    if (rc == CUSTOS_OK && got != s->size)
        rc = custos_error_set(err, CUSTOS_E_MISMATCH, 0, s->path, "changed while sealing");
    if (rc == CUSTOS_OK && w == NULL)
        memcpy(s->sha256, d, 32);
    else if (rc == CUSTOS_OK && memcmp(s->sha256, d, 32) != 0)
        rc = custos_error_set(err, CUSTOS_E_MISMATCH, 0, s->path,
                              "changed while sealing (SHA-256 differs between passes)");
    if (rc == CUSTOS_OK && w != NULL)
        rc = custos__seal_writer_end(w, err);
    return rc;
}

/* One prepared signature: its two files. */
struct sigout {
    char sigrel[64], pubrel[64];
    char sigtext[CUSTOS_SIGFILE_TEXT_MAX];
    size_t siglen;
    char *pubtext;
    size_t publen;
};

static int
prepare_sig(struct sigout *so, const struct custos_key *key, const char *pub, const void *tm,
            size_t tmlen, struct custos_error *err)
{
    memset(so, 0, sizeof(*so));
    const char *fp = custos_key_fingerprint(key);
    snprintf(so->sigrel, sizeof(so->sigrel), CUSTOS_SEAL_DIR "/%.16s" CUSTOS_SEAL_SIG_SUFFIX, fp);
    snprintf(so->pubrel, sizeof(so->pubrel), CUSTOS_SEAL_DIR "/%.16s" CUSTOS_SEAL_PUB_SUFFIX, fp);
    if (pub == NULL)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "no public key file for %.16s", fp);
    int rc = custos__seal_read_pub(pub, key, &so->pubtext, &so->publen, err);
    uint8_t sig[CUSTOS_SIG_SIZE];
    if (rc == CUSTOS_OK)
        rc = custos_sign(key, CUSTOS_PURPOSE_SEAL, tm, tmlen, sig, err);
    if (rc == CUSTOS_OK)
        rc = custos_sigfile_text(key, CUSTOS_PURPOSE_SEAL, sig, so->sigtext, &so->siglen, err);
    return rc;
}

static int
check_value(const char *what, const char *v, int required, struct custos_error *err)
{
    if (v == NULL)
        return required ? custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "missing %s", what)
                        : CUSTOS_OK;
    if (!custos__bag_value_ok(v))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "%s: one line of 1 to 4096 characters, no control characters",
                                what);
    return CUSTOS_OK;
}

/* One sealing run: what the steps of custos_seal_create share. */
struct sealing {
    const struct custos_seal_options *o;
    struct srcs l;                  /* the source files, sorted */
    uint64_t total, done;           /* payload bytes; bytes hashed so far (two passes) */
    struct bag_buf info, man, tman; /* bag-info, manifest and tag manifest texts */
    struct bag_manifest pm, tm;     /* payload and tag manifests */
    uint8_t tm_sha[32];             /* SHA-256 of the tag manifest */
    struct sigout *sigs;
    size_t nsigs;
    uint8_t *tsr; /* the TSA's reply */
    size_t tsrlen;
    uint8_t *buf; /* CUSTOS__SEAL_IO_CHUNK */
    char now[32]; /* Custos-Sealed-At */
};

/* Step 1: the files, sorted, with unique names under data/. */
static int
collect_sources(struct sealing *g, const char *const *paths, size_t npaths,
                struct custos_error *err)
{
    int rc = CUSTOS_OK;
    for (size_t i = 0; i < npaths && rc == CUSTOS_OK; i++) {
        char p[PATH_MAX], rel[BAG_PATH_MAX];
        snprintf(p, sizeof(p), "%s", paths[i]);
        size_t n = strlen(p);
        while (n > 1 && p[n - 1] == '/')
            p[--n] = '\0';
        const char *b = strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
        if (strcmp(b, ".") == 0 || strcmp(b, "..") == 0 || strcmp(b, "/") == 0 || b[0] == '\0')
            return custos_error_set(err, CUSTOS_E_USAGE, 0, paths[i],
                                    "name a file or directory by its own name");
        snprintf(rel, sizeof(rel), CUSTOS_BAG_PAYLOAD_DIR "/%s", b);
        rc = collect(&g->l, p, rel, err);
    }
    if (rc != CUSTOS_OK)
        return rc;
    if (g->l.n == 0)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, paths[0], "no files to seal");
    qsort(g->l.v, g->l.n, sizeof(*g->l.v), src_cmp);
    for (size_t i = 1; i < g->l.n; i++)
        if (strcmp(g->l.v[i - 1].rel, g->l.v[i].rel) == 0)
            return custos_error_set(err, CUSTOS_E_USAGE, 0, g->l.v[i].path,
                                    "two operands give the same name %s", g->l.v[i].rel);
    for (size_t i = 0; i < g->l.n; i++)
        g->total += g->l.v[i].size;
    return CUSTOS_OK;
}

/* Step 2, pass 1: the payload manifest. */
static int
hash_sources(struct sealing *g, struct custos_error *err)
{
    g->buf = malloc(CUSTOS__SEAL_IO_CHUNK);
    if (g->buf == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    custos_progress_phase(g->o->progress, CUSTOS_PHASE_HASHING);
    g->done = 0;
    for (size_t i = 0; i < g->l.n; i++) {
        int rc = hash_copy(&g->l.v[i], NULL, g->buf, g->o->progress, &g->done, g->total, err);
        if (rc != CUSTOS_OK)
            return rc;
        if (custos__bag_manifest_add(&g->pm, g->l.v[i].rel, g->l.v[i].sha256, g->l.v[i].size) !=
            CUSTOS_OK)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    return CUSTOS_OK;
}

/* Step 3a: bag-info.txt (format section 3). */
static int
write_bag_info(struct sealing *g, struct custos_error *err)
{
    const struct custos_seal_options *o = g->o;
    struct bag_buf *info = &g->info;
    if (o->sealed_at != NULL)
        snprintf(g->now, sizeof(g->now), "%s", o->sealed_at);
    else
        custos__utc_now(g->now, sizeof(g->now));
    custos__bag_buf_printf(info, "Bag-Software-Agent: custos-seal %s\n", custos_version());
    custos__bag_buf_printf(info, "Bagging-Date: %.10s\n", g->now);
    custos__bag_buf_printf(info, "Payload-Oxum: %llu.%zu\n", (unsigned long long)g->total, g->l.n);
    custos__bag_buf_printf(info, "External-Identifier: %s/%s\n", o->case_id, o->evidence);
    if (o->organization != NULL)
        custos__bag_buf_printf(info, "Source-Organization: %s\n", o->organization);
    custos__bag_buf_printf(info, "Contact-Name: %s\n", custos_key_name(o->custodian));
    if (o->description != NULL)
        custos__bag_buf_printf(info, "External-Description: %s\n", o->description);
    custos__bag_buf_printf(info, CUSTOS_BAG_LABEL_CASE ": %s\n", o->case_id);
    custos__bag_buf_printf(info, CUSTOS_BAG_LABEL_EVIDENCE ": %s\n", o->evidence);
    custos__bag_buf_printf(info, CUSTOS_BAG_LABEL_SEAL ": %s\n", o->seal_number);
    custos__bag_buf_printf(info, CUSTOS_BAG_LABEL_AUTH ": %s\n", o->authorisation);
    custos__bag_buf_printf(info, CUSTOS_BAG_LABEL_SEALED_AT ": %s\n", g->now);
    custos__bag_buf_printf(info, CUSTOS_BAG_LABEL_SIGNER ": " CUSTOS_ROLE_CUSTODIAN " %s\n",
                           custos_key_fingerprint(o->custodian));
    for (size_t i = 0; i < o->nwitnesses; i++) {
        if (strcmp(custos_key_fingerprint(o->witnesses[i]), custos_key_fingerprint(o->custodian)) ==
            0)
            return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                    "the custodian cannot also be the witness");
        custos__bag_buf_printf(info, CUSTOS_BAG_LABEL_SIGNER ": " CUSTOS_ROLE_WITNESS " %s\n",
                               custos_key_fingerprint(o->witnesses[i]));
    }
    return CUSTOS_OK;
}

/* Step 3b: the payload manifest's text and the tag manifest over the three tag files. */
static int
write_manifests(struct sealing *g, struct custos_error *err)
{
    custos__bag_manifest_text(&g->pm, &g->man);
    uint8_t d[32];
    custos__seal_sha256(g->info.p, g->info.len, d);
    custos__bag_manifest_add(&g->tm, CUSTOS_BAG_INFO, d, 0);
    custos__seal_sha256(CUSTOS_BAG_DECLARATION_TEXT, strlen(CUSTOS_BAG_DECLARATION_TEXT), d);
    custos__bag_manifest_add(&g->tm, CUSTOS_BAG_DECLARATION, d, 0);
    custos__seal_sha256(g->man.p != NULL ? g->man.p : "", g->man.len, d);
    custos__bag_manifest_add(&g->tm, CUSTOS_BAG_MANIFEST, d, 0);
    custos__bag_manifest_text(&g->tm, &g->tman);
    if (g->info.oom || g->man.oom || g->tman.oom || g->tm.n != 3)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    custos__seal_sha256(g->tman.p, g->tman.len, g->tm_sha);
    return CUSTOS_OK;
}

/* Step 4: signatures, the custodian's and those of witnesses present with their private keys. */
static int
sign_manifest(struct sealing *g, struct custos_error *err)
{
    const struct custos_seal_options *o = g->o;
    g->sigs = calloc(1 + o->nwitnesses, sizeof(*g->sigs));
    if (g->sigs == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    int rc = prepare_sig(&g->sigs[g->nsigs++], o->custodian, o->custodian_pub, g->tman.p,
                         g->tman.len, err);
    for (size_t i = 0; rc == CUSTOS_OK && i < o->nwitnesses; i++) {
        if (!custos_key_has_private(o->witnesses[i]))
            continue;
        rc = prepare_sig(&g->sigs[g->nsigs++], o->witnesses[i],
                         o->witness_pubs != NULL ? o->witness_pubs[i] : NULL, g->tman.p,
                         g->tman.len, err);
    }
    return rc;
}

/* Step 6, pass 2: the package, tag files first (bag-info bounds the payload for readers). */
static int
write_package(struct sealing *g, struct seal_writer *w, struct custos_error *err)
{
    int64_t t = (int64_t)time(NULL);
    int rc = custos__seal_writer_bytes(w, CUSTOS_BAG_DECLARATION, CUSTOS_BAG_DECLARATION_TEXT,
                                       strlen(CUSTOS_BAG_DECLARATION_TEXT), t, err);
    if (rc == CUSTOS_OK)
        rc = custos__seal_writer_bytes(w, CUSTOS_BAG_INFO, g->info.p, g->info.len, t, err);
    if (rc == CUSTOS_OK)
        rc = custos__seal_writer_bytes(w, CUSTOS_BAG_MANIFEST, g->man.p != NULL ? g->man.p : "",
                                       g->man.len, t, err);
    if (rc == CUSTOS_OK)
        rc = custos__seal_writer_bytes(w, CUSTOS_BAG_TAGMANIFEST, g->tman.p, g->tman.len, t, err);
    for (size_t i = 0; i < g->nsigs && rc == CUSTOS_OK; i++) {
        const struct sigout *so = &g->sigs[i];
        rc = custos__seal_writer_bytes(w, so->sigrel, so->sigtext, so->siglen, t, err);
        if (rc == CUSTOS_OK)
            rc = custos__seal_writer_bytes(w, so->pubrel, so->pubtext, so->publen, t, err);
    }
    if (rc == CUSTOS_OK && g->tsr != NULL)
        rc = custos__seal_writer_bytes(w, CUSTOS_SEAL_TIMESTAMP, g->tsr, g->tsrlen, t, err);
    custos_progress_phase(g->o->progress, CUSTOS_PHASE_WRITING);
    g->done = 0;
    for (size_t i = 0; i < g->l.n && rc == CUSTOS_OK; i++)
        rc = hash_copy(&g->l.v[i], w, g->buf, g->o->progress, &g->done, g->total, err);
    return rc;
}

static void
sealing_free(struct sealing *g)
{
    for (size_t i = 0; i < g->l.n; i++) {
        free(g->l.v[i].path);
        free(g->l.v[i].rel);
    }
    free(g->l.v);
    for (size_t i = 0; g->sigs != NULL && i < g->nsigs; i++)
        free(g->sigs[i].pubtext);
    free(g->sigs);
    free(g->tsr);
    free(g->buf);
    custos__bag_buf_free(&g->info);
    custos__bag_buf_free(&g->man);
    custos__bag_buf_free(&g->tman);
    custos__bag_manifest_free(&g->pm);
    custos__bag_manifest_free(&g->tm);
}

/* The options custos_seal_create checks before touching anything. */
static int
check_options(const char *out, const struct custos_seal_options *o, size_t npaths, char *base,
              size_t baselen, struct custos_error *err)
{
    int rc;
    if ((rc = check_value("case", o->case_id, 1, err)) != CUSTOS_OK ||
        (rc = check_value("evidence number", o->evidence, 1, err)) != CUSTOS_OK ||
        (rc = check_value("seal number", o->seal_number, 1, err)) != CUSTOS_OK ||
        (rc = check_value("authorisation", o->authorisation, 1, err)) != CUSTOS_OK ||
        (rc = check_value("organization", o->organization, 0, err)) != CUSTOS_OK ||
        (rc = check_value("description", o->description, 0, err)) != CUSTOS_OK)
        return rc;
    if (o->custodian == NULL || !custos_key_has_private(o->custodian))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "sealing needs the custodian's private key");
    if (npaths == 0)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "nothing to seal");
    custos__seal_base_name(out, base, baselen);
    if (o->format != CUSTOS_SEAL_DIR_FORMAT && custos__bag_path_check(base) != BAG_PATH_OK)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, out, "unusable package name");
    return custos__refuse_existing(out, err);
}

int
custos_seal_create(const char *out, const char *const *paths, size_t npaths,
                   const struct custos_seal_options *o, struct custos_seal_result *result,
                   struct custos_error *err)
{
    memset(result, 0, sizeof(*result));
    char base[256];
    int rc = check_options(out, o, npaths, base, sizeof(base), err);
    if (rc != CUSTOS_OK)
        return rc;
    struct sealing g;
    memset(&g, 0, sizeof(g));
    g.o = o;
    rc = collect_sources(&g, paths, npaths, err);
    if (rc == CUSTOS_OK)
        rc = hash_sources(&g, err);
    if (rc == CUSTOS_OK)
        rc = write_bag_info(&g, err);
    if (rc == CUSTOS_OK)
        rc = write_manifests(&g, err);
    if (rc == CUSTOS_OK) {
        custos_hex_encode(g.tm_sha, 32, result->tagmanifest_sha256);
        rc = sign_manifest(&g, err);
    }
    /* Step 5: the timestamp over the tag manifest. */
    if (rc == CUSTOS_OK && o->tsa_url != NULL) {
        struct custos_timestamp_options to = {.timeout_s = o->tsa_timeout_s, .cafile = o->tsa_ca};
        rc = custos_timestamp_fetch(o->tsa_url, g.tm_sha, &to, &g.tsr, &g.tsrlen, &result->tstamp,
                                    err);
        result->timestamped = rc == CUSTOS_OK;
    }
    struct seal_writer w;
    if (rc == CUSTOS_OK &&
        (rc = custos__seal_writer_open(&w, o->format, out, base, 0, err)) == CUSTOS_OK) {
        rc = write_package(&g, &w, err);
        if (rc == CUSTOS_OK)
            rc = custos__seal_writer_commit(&w, err);
        else
            custos__seal_writer_abort(&w);
    }
    if (rc == CUSTOS_OK) {
        result->payload_bytes = g.total;
        result->payload_files = g.l.n;
        snprintf(result->sealed_at, sizeof(result->sealed_at), "%s", g.now);
    }
    sealing_free(&g);
    return rc;
}

int
custos_seal_ledger_fields(const char *item, const char *seal, const char *tagmanifest_sha256,
                          char **json, struct custos_error *err)
{
    *json = NULL;
    if (item == NULL || item[0] == '\0' || seal == NULL || seal[0] == '\0')
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "the ledger's seal entry needs the item and the seal number");
    static const char zeros[] = "0000000000000000000000000000000000000000000000000000000000000000";
    json_t *j = json_pack("{s:s, s:s, s:s}", "item", item, "seal", seal, "sha256",
                          tagmanifest_sha256 != NULL ? tagmanifest_sha256 : zeros);
    *json = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (*json == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    return CUSTOS_OK;
}
