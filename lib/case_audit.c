/* SPDX-License-Identifier: ISC */
/*
 * case_audit.c: the legal team's one check (case_audit.h).
 *
 * The directory is listed once (regular files and bag directories, bounded
 * in depth and count); then each artifact entry of the verified ledger is
 * matched: by name for records, by digest for packages and bundles, which
 * carry no name in the ledger. Digests are computed only for candidates:
 * an image is read only to check it against its verified record. A record
 * with a detached signature beside it (RECORD.sig) has that checked against
 * the enrolled key of the acquire entry's custodian, as the ledger holds it.
 */
#include "custos/case_audit.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custos/acquire.h"
#include "custos/digest.h"
#include "custos/key.h"
#include "custos/ledger.h"
#include "custos/sign.h"
#include "custos/verify.h"
#include "base64_private.h"
#include "dispose_private.h"

#define WALK_DEPTH 8
#define WALK_MAX   100000

struct cfile {
    char *rel;          /* below dir */
    char *path;         /* dir/rel */
    int is_dir;         /* a bag directory */
    int is_archive;     /* .tar or .zip */
    char sha256[65];    /* of the file, "" until computed */
    char tagsha[65];    /* a package's tag manifest SHA-256, "" until read */
    int tag_read;       /* tagsha tried */
    char bundlesha[65]; /* a destruction-proof bundle's digest (of its manifest.sha256) */
    int bundle_read;    /* bundlesha tried */
};

struct aentry {
    uint64_t seq;
    char action[16], item[128];
    char record[512], record_sha256[65], image_sha256[65], sha256[65], cert_sha256[65];
    char custodian[65]; /* acquire: the custodian's key fingerprint */
};

/* A key some entry enrolled (open, enroll): what a record signature is checked with. */
struct enrolled {
    char fp[65];
    char *pub; /* base64 SPKI, as the entry carries it */
};

struct state {
    struct cfile *f;
    size_t nf, capf;
    struct aentry *e;
    size_t ne, cape;
    struct enrolled *k;
    size_t nk, capk;
    struct custos_case_audit *a;
    size_t capr;
};

static void
copy_field(const struct custos_ledger_entry *e, const char *name, char *out, size_t size)
{
    const char *v = custos_ledger_entry_field(e, name);
    snprintf(out, size, "%s", v != NULL ? v : "");
}

static int
remember_keys(struct state *s, const struct custos_ledger_entry *e, struct custos_error *err)
{
    for (size_t i = 0; i < e->nparties; i++) {
        if (e->parties[i].pub == NULL)
            continue;
        if (s->nk == s->capk) {
            size_t cap = s->capk ? s->capk * 2 : 16;
            struct enrolled *p = realloc(s->k, cap * sizeof(*p));
            if (p == NULL)
                return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
            s->k = p;
            s->capk = cap;
        }
        struct enrolled *k = &s->k[s->nk];
        snprintf(k->fp, sizeof(k->fp), "%s", e->parties[i].fp);
        if ((k->pub = strdup(e->parties[i].pub)) == NULL)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        s->nk++;
    }
    return CUSTOS_OK;
}

static int
collect(void *ctx, const struct custos_ledger_entry *e, struct custos_error *err)
{
    struct state *s = ctx;
    int rc = remember_keys(s, e, err);
    if (rc != CUSTOS_OK)
        return rc;
    if (strcmp(e->action, "acquire") != 0 && strcmp(e->action, "seal") != 0 &&
        strcmp(e->action, "dispose") != 0 && strcmp(e->action, "verify") != 0)
        return CUSTOS_OK;
    if (s->ne == s->cape) {
        size_t cap = s->cape ? s->cape * 2 : 32;
        struct aentry *p = realloc(s->e, cap * sizeof(*p));
        if (p == NULL)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        s->e = p;
        s->cape = cap;
    }
    struct aentry *a = &s->e[s->ne++];
    memset(a, 0, sizeof(*a));
    a->seq = e->seq;
    snprintf(a->action, sizeof(a->action), "%s", e->action);
    snprintf(a->item, sizeof(a->item), "%s", e->item != NULL ? e->item : "");
    copy_field(e, "record", a->record, sizeof(a->record));
    copy_field(e, "record_sha256", a->record_sha256, sizeof(a->record_sha256));
    copy_field(e, "image_sha256", a->image_sha256, sizeof(a->image_sha256));
    copy_field(e, "sha256", a->sha256, sizeof(a->sha256));
    copy_field(e, "certificate_sha256", a->cert_sha256, sizeof(a->cert_sha256));
    for (size_t i = 0; i < e->nparties; i++)
        if (strcmp(e->action, "acquire") == 0 && strcmp(e->parties[i].as, "custodian") == 0)
            snprintf(a->custodian, sizeof(a->custodian), "%s", e->parties[i].fp);
    return CUSTOS_OK;
}

static int
ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int
add_file(struct state *s, const char *dir, const char *rel, int is_dir, struct custos_error *err)
{
    if (s->nf == WALK_MAX)
        return CUSTOS_OK;
    if (s->nf == s->capf) {
        size_t cap = s->capf ? s->capf * 2 : 256;
        struct cfile *p = realloc(s->f, cap * sizeof(*p));
        if (p == NULL)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, dir, "out of memory");
        s->f = p;
        s->capf = cap;
    }
    struct cfile *f = &s->f[s->nf];
    memset(f, 0, sizeof(*f));
    size_t pl = strlen(dir) + strlen(rel) + 2;
    f->rel = strdup(rel);
    f->path = malloc(pl);
    if (f->rel == NULL || f->path == NULL) {
        free(f->rel);
        free(f->path);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, dir, "out of memory");
    }
    snprintf(f->path, pl, "%s/%s", dir, rel);
    f->is_dir = is_dir;
    f->is_archive = !is_dir && (ends_with(rel, ".tar") || ends_with(rel, ".zip"));
    s->nf++;
    return CUSTOS_OK;
}

/* Regular files and bag directories below dir (symbolic links are not followed). */
static int
walk(struct state *s, const char *dir, const char *rel, unsigned depth, struct custos_error *err)
{
    char path[8192];
    snprintf(path, sizeof(path), "%s%s%s", dir, rel[0] ? "/" : "", rel);
    DIR *d = depth < WALK_DEPTH ? opendir(path) : NULL;
    if (d == NULL)
        return CUSTOS_OK;
    int rc = CUSTOS_OK;
    struct dirent *de;
    while (rc == CUSTOS_OK && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' &&
            (de->d_name[1] == '\0' || (de->d_name[1] == '.' && de->d_name[2] == '\0')))
            continue;
        char r[8192], p[8192 + 64];
        snprintf(r, sizeof(r), "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
        snprintf(p, sizeof(p), "%s/%s", dir, r);
        struct stat st;
        if (lstat(p, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            char tm[8192 + 128];
            snprintf(tm, sizeof(tm), "%s/tagmanifest-sha256.txt", p);
            char bm[8192 + 128];
            snprintf(bm, sizeof(bm), "%s/manifest.sha256", p);
            if (access(tm, F_OK) == 0 || access(bm, F_OK) == 0)
                rc = add_file(s, dir, r, 1, err);
            if (rc == CUSTOS_OK)
                rc = walk(s, dir, r, depth + 1, err);
        } else if (S_ISREG(st.st_mode)) {
            rc = add_file(s, dir, r, 0, err);
        }
    }
    closedir(d);
    return rc;
}

static const char *
base_name(const char *p)
{
    const char *b = strrchr(p, '/');
    return b != NULL ? b + 1 : p;
}

static void
file_sha256(struct cfile *f)
{
    if (f->sha256[0] != '\0' || f->is_dir)
        return;
    struct custos_digest_result r;
    struct custos_error e;
    if (custos_digest_file(f->path, CUSTOS_DIGEST_SHA256, &r, &e) == CUSTOS_OK)
        custos_hex_encode(r.sha256, 32, f->sha256);
}

/* A package's tag-manifest SHA-256 (what a seal entry records), through the verifier. */
static void
tag_sha256(struct cfile *f)
{
    if (f->tag_read || !(f->is_dir || f->is_archive))
        return;
    f->tag_read = 1;
    struct custos_verify *v = NULL;
    struct custos_error e;
    if (custos_verify_new(&v, f->path, &e) == CUSTOS_OK &&
        custos_verify_reference_kind(v) == CUSTOS_VERIFY_REF_BAG)
        snprintf(f->tagsha, sizeof(f->tagsha), "%s", custos_verify_reference_sha256(v));
    custos_verify_free(v);
}

/* A destruction-proof bundle's digest: the SHA-256 of its manifest.sha256, as dispose records it.
 */
static void
bundle_sha256(struct cfile *f)
{
    if (f->bundle_read || !(f->is_dir || ends_with(f->rel, ".tar")))
        return;
    f->bundle_read = 1;
    struct custos__bundle *b = NULL;
    struct custos_error e;
    if (custos__bundle_open(&b, f->path, &e) == CUSTOS_OK)
        snprintf(f->bundlesha, sizeof(f->bundlesha), "%s", b->sha256);
    custos__bundle_free(b);
}

static struct custos_case_audit_row *
new_row(struct state *s, const struct aentry *e, const char *kind, struct custos_error *err)
{
    struct custos_case_audit *a = s->a;
    if (a->nrows == s->capr) {
        size_t cap = s->capr ? s->capr * 2 : 32;
        struct custos_case_audit_row *p = realloc(a->rows, cap * sizeof(*p));
        if (p == NULL) {
            custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
            return NULL;
        }
        a->rows = p;
        s->capr = cap;
    }
    struct custos_case_audit_row *r = &a->rows[a->nrows++];
    memset(r, 0, sizeof(*r));
    r->seq = e->seq;
    snprintf(r->action, sizeof(r->action), "%s", e->action);
    snprintf(r->item, sizeof(r->item), "%s", e->item);
    snprintf(r->kind, sizeof(r->kind), "%s", kind);
    return r;
}

/* The content a verified reference describes: an image beside a record, a package's payload. */
static void
check_content(struct custos_case_audit_row *r, const struct cfile *f,
              const struct custos_progress *progress)
{
    struct custos_verify *v = NULL;
    struct custos_error e;
    int rc = custos_verify_new(&v, f->path, &e);
    if (rc == CUSTOS_OK) {
        struct custos_verify_options o;
        custos_verify_options_init(&o);
        rc = custos_verify_run(v, NULL, &o, progress);
        snprintf(r->note, sizeof(r->note), "%s", custos_verify_summary(v));
        if (rc != CUSTOS_OK && r->note[0] == '\0')
            snprintf(r->note, sizeof(r->note), "%s", custos_verify_error(v)->message);
    } else {
        snprintf(r->note, sizeof(r->note), "%s", e.message);
    }
    r->status = rc;
    custos_verify_free(v);
}

/* Checks sigpath over the record at path with the enrolled key of fingerprint fp. */
static void
check_record_sig(const struct state *s, struct custos_case_audit_row *r, const char *fp,
                 const char *path, const char *sigpath)
{
    const char *pub = NULL;
    for (size_t i = 0; i < s->nk; i++)
        if (strcmp(s->k[i].fp, fp) == 0)
            pub = s->k[i].pub;
    struct custos_key *key = NULL;
    struct custos_error e;
    uint8_t der[256];
    size_t len = 0;
    r->status = CUSTOS_E_UNTRUSTED;
    if (pub == NULL || custos__b64_decode(pub, strlen(pub), der, sizeof(der), &len) != 0 ||
        custos_key_from_spki(&key, der, len, NULL, NULL, &e) != CUSTOS_OK) {
        snprintf(r->note, sizeof(r->note),
                 "the custodian's key %.16s is not enrolled in the ledger", fp);
        return;
    }
    r->status = custos_sign_verify_file(key, CUSTOS_PURPOSE_RECORD, path, sigpath, &e);
    if (r->status == CUSTOS_OK)
        snprintf(r->note, sizeof(r->note), "signed by the acquire entry's custodian (key %.16s)",
                 fp);
    else
        snprintf(r->note, sizeof(r->note), "%s", e.message);
    custos_key_free(key);
}

static int
audit_entry(struct state *s, const struct aentry *e, const char *dir,
            const struct custos_progress *progress, struct custos_error *err)
{
    int by_name = e->record[0] != '\0' && (e->record_sha256[0] != '\0' || e->sha256[0] != '\0');
    const char *want = by_name ? (e->record_sha256[0] ? e->record_sha256 : e->sha256)
                       : strcmp(e->action, "seal") == 0 ? e->sha256
                                                        : e->cert_sha256;
    if (want[0] == '\0')
        return CUSTOS_OK; /* an entry that names no digest: nothing to check */
    const char *kind = by_name ? (strcmp(e->action, "verify") == 0 ? "reference" : "record")
                       : strcmp(e->action, "seal") == 0 ? "package"
                                                        : "bundle";
    struct custos_case_audit_row *r = new_row(s, e, kind, err);
    if (r == NULL)
        return CUSTOS_E_NOMEM;
    snprintf(r->recorded, sizeof(r->recorded), "%s", want);
    struct cfile *hit = NULL, *named = NULL;
    for (size_t i = 0; i < s->nf && hit == NULL; i++) {
        struct cfile *f = &s->f[i];
        if (by_name) {
            if (f->is_dir || strcmp(base_name(f->rel), base_name(e->record)) != 0)
                continue;
            named = f;
            file_sha256(f);
            if (strcmp(f->sha256, want) == 0)
                hit = f;
        } else if (strcmp(e->action, "seal") == 0) {
            tag_sha256(f);
            if (strcmp(f->tagsha, want) == 0)
                hit = f;
        } else {
            bundle_sha256(f);
            if (strcmp(f->bundlesha, want) == 0)
                hit = f;
        }
    }
    if (hit == NULL) {
        if (named != NULL) {
            r->status = CUSTOS_E_MISMATCH;
            snprintf(r->artifact, sizeof(r->artifact), "%s", named->rel);
            snprintf(r->note, sizeof(r->note), "CHANGED: its SHA-256 is %.16s..., not the ledger's",
                     named->sha256);
        } else {
            r->status = CUSTOS_E_INCOMPLETE;
            snprintf(r->artifact, sizeof(r->artifact), "%s",
                     by_name ? e->record : "(none with this digest)");
            snprintf(r->note, sizeof(r->note), "MISSING: not found below %s", dir);
        }
        return CUSTOS_OK;
    }
    snprintf(r->artifact, sizeof(r->artifact), "%s", hit->rel);
    r->status = CUSTOS_OK;
    snprintf(r->note, sizeof(r->note), "matches the ledger");
    /* What the matched reference describes, read in full. */
    int content = 0;
    const char *ckind = "image";
    if (strcmp(e->action, "acquire") == 0 && by_name) {
        struct custos_verify *v = NULL;
        struct custos_error ve;
        if (custos_verify_new(&v, hit->path, &ve) == CUSTOS_OK &&
            custos_verify_reference_kind(v) == CUSTOS_VERIFY_REF_RECORD)
            content = 1;
        custos_verify_free(v);
    } else if (strcmp(e->action, "seal") == 0) {
        content = 1;
        ckind = "payload";
    }
    if (content) {
        struct custos_case_audit_row *c = new_row(s, e, ckind, err);
        if (c == NULL)
            return CUSTOS_E_NOMEM;
        r = &s->a->rows[s->a->nrows - 2]; /* new_row may have moved the array */
        /* the image is named by the record's name less ".acquire.json" */
        snprintf(c->artifact, sizeof(c->artifact), "%s", hit->rel);
        if (content && ends_with(c->artifact, ".acquire.json") && strcmp(ckind, "image") == 0)
            c->artifact[strlen(c->artifact) - strlen(".acquire.json")] = '\0';
        snprintf(c->recorded, sizeof(c->recorded), "%s",
                 e->image_sha256[0]            ? e->image_sha256
                 : strcmp(ckind, "image") == 0 ? "(in the record)"
                                               : "(in its manifest)");
        check_content(c, hit, progress);
    }
    char sigpath[8200];
    struct stat sb;
    snprintf(sigpath, sizeof(sigpath), "%s" CUSTOS_RECORD_SIG_SUFFIX, hit->path);
    if (strcmp(e->action, "acquire") == 0 && by_name && e->custodian[0] != '\0' &&
        lstat(sigpath, &sb) == 0) {
        struct custos_case_audit_row *g = new_row(s, e, "signature", err);
        if (g == NULL)
            return CUSTOS_E_NOMEM;
        snprintf(g->artifact, sizeof(g->artifact), "%s" CUSTOS_RECORD_SIG_SUFFIX, hit->rel);
        snprintf(g->recorded, sizeof(g->recorded), "%s", e->custodian);
        check_record_sig(s, g, e->custodian, hit->path, sigpath);
    }
    return CUSTOS_OK;
}

static int
worse(int a, int b)
{
    return custos_exit_code(b) > custos_exit_code(a) ? b : a;
}

int
custos_case_audit_run(const char *ledger_path, const char *dir, const char *const *checkpoints,
                      size_t ncheckpoints, const struct custos_progress *progress,
                      struct custos_case_audit **out, struct custos_error *err)
{
    *out = NULL;
    struct state s;
    memset(&s, 0, sizeof(s));
    struct custos_ledger_report *rep = NULL;
    int lrc = custos_ledger_verify_each(ledger_path, checkpoints, ncheckpoints, progress, collect,
                                        &s, &rep, err);
    int rc = CUSTOS_OK;
    if (lrc != CUSTOS_OK && lrc != CUSTOS_E_INCOMPLETE)
        rc = lrc;
    if (rc == CUSTOS_OK && (s.a = calloc(1, sizeof(*s.a))) == NULL)
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    if (rc == CUSTOS_OK) {
        s.a->ledger_status = lrc;
        s.a->entries = rep != NULL ? rep->entries : 0;
        s.a->ncheckpoints = ncheckpoints;
        rc = walk(&s, dir, "", 0, err);
    }
    for (size_t i = 0; rc == CUSTOS_OK && i < s.ne; i++)
        rc = audit_entry(&s, &s.e[i], dir, progress, err);
    if (rc == CUSTOS_OK) {
        int st = lrc;
        for (size_t i = 0; i < s.a->nrows; i++)
            st = worse(st, s.a->rows[i].status);
        s.a->status = st;
        *out = s.a;
        s.a = NULL;
        rc = st;
    }
    custos_ledger_report_free(rep);
    custos_case_audit_free(s.a);
    for (size_t i = 0; i < s.nf; i++) {
        free(s.f[i].rel);
        free(s.f[i].path);
    }
    free(s.f);
    free(s.e);
    for (size_t i = 0; i < s.nk; i++)
        free(s.k[i].pub);
    free(s.k);
    return rc;
}

void
custos_case_audit_free(struct custos_case_audit *a)
{
    if (a == NULL)
        return;
    free(a->rows);
    free(a);
}
