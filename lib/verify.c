/* SPDX-License-Identifier: ISC */
/*
 * verify.c: the run of a verification: loading a reference (its kind found
 * from the content; the loaders are verify_ref_manifest.c,
 * verify_ref_record.c and verify_ref_bag.c, each turning its format into
 * one list of items, struct ritem), the choice of what to read
 * (custos_verify_run's selection); what each finding means is
 * verify_classify.c.
 * The targets are read by verify_target_dir.c, verify_target_archive.c and
 * verify_target.c (images), the restore test is verify_restore.c, and the
 * JSON report verify_report.c.
 *
 * Invariants:
 *   1. Presence and size are checked for every item at every level; only
 *      content reading depends on the level, part and sample.
 *   2. The selection depends only on the seed, the names and the options,
 *      never on the order the target yields its files: an item's score is
 *      SHA-256 over the seed and its name. Parts do not depend on the seed,
 *      so the t runs of --part 1/t .. t/t cover every item exactly once.
 *   3. An item is "ok" only when everything checked about it held; one that
 *      was not read is "not checked", never "ok", and the summary states the
 *      share of items and bytes compared.
 *   4. A file that could not be read is a failure (INCOMPLETE), never
 *      skipped; a damaged container (archive, E01 chunk) is CORRUPT.
 */
#include "custos/verify.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h> /* what a non-package file is */
#include <archive_entry.h>
#include <jansson.h>
#include <openssl/evp.h> /* the sample score */

#include "custos/custos.h"
#include "custos/manifest.h"
#include "custos/seal.h"
#include "fsutil_private.h"
#include "seal_private.h"
#include "verify_private.h"

void
custos_verify_options_init(struct custos_verify_options *o)
{
    memset(o, 0, sizeof(*o));
    o->level = CUSTOS_VERIFY_FULL;
}

const char *
custos_verify_class_name(enum custos_verify_class cls)
{
    static const char *const names[] = {"ok",    "changed",    "missing",    "extra",
                                        "moved", "unreadable", "not checked"};
    return (unsigned)cls < CUSTOS_VERIFY_CLASSES ? names[cls] : "?";
}

const char *
custos_verify_level_name(enum custos_verify_level level)
{
    switch (level) {
    case CUSTOS_VERIFY_STRUCTURE:
        return "structure";
    case CUSTOS_VERIFY_SAMPLE:
        return "sample";
    case CUSTOS_VERIFY_FULL:
        return "full";
    }
    return "?";
}

static uint64_t
hash64(const char *domain, uint64_t seed, int use_seed, const char *name, size_t len)
{
    uint8_t md[32], s[8];
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned n = 0;
    if (c == NULL)
        return 0;
    for (int i = 0; i < 8; i++)
        s[i] = (uint8_t)(seed >> (56 - 8 * i));
    EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    EVP_DigestUpdate(c, domain, strlen(domain) + 1);
    if (use_seed)
        EVP_DigestUpdate(c, s, sizeof(s));
    EVP_DigestUpdate(c, name, len);
    EVP_DigestFinal_ex(c, md, &n);
    EVP_MD_CTX_free(c);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | md[i];
    return v;
}

uint64_t
custos_verify_sample_score(uint64_t seed, const char *name, size_t len)
{
    return hash64("custos-verify-sample-v1", seed, 1, name, len);
}

unsigned
custos_verify_part_of(const char *name, size_t len, unsigned parts)
{
    if (parts == 0)
        return 0;
    return (unsigned)(hash64("custos-verify-part-v1", 0, 0, name, len) % parts) + 1;
}

/* ---- items ---- */

int
custos__verify_add_item(struct custos_verify *v, enum ritem_kind kind, const char *name,
                        struct ritem **out)
{
    if (v->nitems == v->capitems) {
        size_t cap = v->capitems ? 2 * v->capitems : 64;
        struct ritem *p = realloc(v->items, cap * sizeof(*p));
        if (p == NULL)
            return custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, v->ref_path, "out of memory");
        v->items = p;
        v->capitems = cap;
    }
    struct ritem *it = &v->items[v->nitems];
    memset(it, 0, sizeof(*it));
    it->kind = kind;
    if ((it->name = strdup(name)) == NULL)
        return custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, v->ref_path, "out of memory");
    v->nitems++;
    *out = it;
    return CUSTOS_OK;
}

/* Whether an unfound reference file could be an extra of this size, moved. */
static int
could_be_moved(const struct custos_verify *v, uint64_t size)
{
    for (size_t i = 0; i < v->nitems; i++) {
        const struct ritem *it = &v->items[i];
        if (!it->found && it->kind == RITEM_FILE && it->ref.algs && it->size == size)
            return 1;
    }
    return 0;
}

int
custos__verify_add_extra(struct custos_verify *v, const char *name, uint64_t size,
                         struct extra **out)
{
    *out = NULL;
    /* Past the cap an extra is only counted, unless it could be a moved
     * item: memory stays bounded whatever a target holds. */
    if (v->nextras >= CUSTOS_VERIFY_EXTRAS_LISTED && !could_be_moved(v, size)) {
        v->extras_unlisted++;
        return CUSTOS_OK;
    }
    if (v->nextras == v->capextras) {
        size_t cap = v->capextras ? 2 * v->capextras : 16;
        struct extra *p = realloc(v->extras, cap * sizeof(*p));
        if (p == NULL)
            return custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        v->extras = p;
        v->capextras = cap;
    }
    struct extra *x = &v->extras[v->nextras];
    memset(x, 0, sizeof(*x));
    if ((x->name = strdup(name)) == NULL)
        return custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    x->size = size;
    v->nextras++;
    *out = x;
    return CUSTOS_OK;
}

int
custos__verify_set_detail(struct ritem *it, const char *fmt, ...)
{
    if (it->detail != NULL)
        return CUSTOS_OK; /* the first cause is the one reported */
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&it->detail, fmt, ap);
    va_end(ap);
    if (n < 0) {
        it->detail = NULL;
        return CUSTOS_E_NOMEM;
    }
    return CUSTOS_OK;
}

int
custos__verify_cmp_item(const void *a, const void *b)
{
    return strcmp(((const struct ritem *)a)->name, ((const struct ritem *)b)->name);
}

int
custos__verify_lookup(const struct custos_verify *v, const char *name, size_t *idx)
{
    size_t lo = 0, hi = v->nitems;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(v->items[mid].name, name);
        if (c == 0) {
            *idx = mid;
            return 1;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static const char *
strip_dots(const char *name)
{
    while (name[0] == '.' && name[1] == '/')
        name += 2;
    while (name[0] == '/')
        name++;
    return name;
}

const char *
custos__verify_normalize(const struct custos_verify *v, const char *name, char *buf, size_t size)
{
    name = strip_dots(name);
    if (v->root != NULL) {
        const char *base = strrchr(v->root, '/');
        base = base ? base + 1 : v->root;
        size_t n = strlen(v->root), nb = strlen(base);
        if (strncmp(name, v->root, n) == 0 && name[n] == '/')
            name += n + 1;
        else if (strncmp(name, base, nb) == 0 && name[nb] == '/')
            name += nb + 1;
    }
    if (v->tbase != NULL) {
        size_t n = strlen(v->tbase);
        if (strncmp(name, v->tbase, n) == 0 && name[n] == '/')
            name += n + 1;
    }
    if (v->tpayload) {
        snprintf(buf, size, CUSTOS_BAG_PAYLOAD_DIR "/%s", name);
        return buf;
    }
    return name;
}

/* A bag's payload or tag manifest at its top: manifest-ALG.txt, tagmanifest-ALG.txt. */
int
custos__verify_bag_manifest_name(const char *name)
{
    size_t n = strlen(name);
    return strchr(name, '/') == NULL &&
           (strncmp(name, "manifest-", 9) == 0 || strncmp(name, "tagmanifest-", 12) == 0) &&
           n > 4 && strcmp(name + n - 4, ".txt") == 0;
}

int
custos__verify_bag_marker(const char *name)
{
    return strncmp(name, CUSTOS_BAG_PAYLOAD_DIR "/", 5) == 0 ||
           strncmp(name, CUSTOS_SEAL_DIR "/", sizeof(CUSTOS_SEAL_DIR)) == 0 ||
           strcmp(name, CUSTOS_BAG_DECLARATION) == 0 || strcmp(name, CUSTOS_BAG_INFO) == 0 ||
           strcmp(name, "fetch.txt") == 0 || custos__verify_bag_manifest_name(name);
}

/*
 * The first file decides: the layout under which its name is a reference
 * item (the bag at the top, under one top directory, or the payload alone),
 * else the one under which it is a bag's tag file or payload, else the
 * payload alone. Later files follow the same layout.
 */
int
custos__verify_bag_layout(struct custos_verify *v, const char *name)
{
    if (v->kind != CUSTOS_VERIFY_REF_BAG || v->layout_known)
        return CUSTOS_OK;
    v->layout_known = 1;
    name = strip_dots(name);
    const char *slash = strchr(name, '/');
    const char *rest = slash != NULL ? slash + 1 : NULL;
    char payload[8192];
    snprintf(payload, sizeof(payload), CUSTOS_BAG_PAYLOAD_DIR "/%s", name);
    size_t idx;
    int top = custos__verify_lookup(v, name, &idx);
    int under = rest != NULL && custos__verify_lookup(v, rest, &idx);
    int alone = custos__verify_lookup(v, payload, &idx);
    if (!top && !under && !alone) {
        top = custos__verify_bag_marker(name);
        under = !top && rest != NULL && custos__verify_bag_marker(rest);
    }
    if (!top && under) {
        if ((v->tbase = strndup(name, (size_t)(slash - name))) == NULL)
            return custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    } else if (!top)
        v->tpayload = 1;
    return CUSTOS_OK;
}

int
custos__verify_sha256_file(const char *path, char hex[65], struct custos_error *err)
{
    struct custos_digest_result r;
    int rc = custos_digest_file(path, CUSTOS_DIGEST_SHA256, &r, err);
    if (rc == CUSTOS_OK)
        custos_digest_hex(&r, CUSTOS_DIGEST_SHA256, hex);
    return rc;
}

/* ---- references ---- */
/* Whether the file at path starts (after white space) like a JSON document. */
static int
looks_like_json(const char *path)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return 1; /* the JSON reader reports why it cannot be read */
    int c;
    while ((c = getc(f)) == ' ' || c == '\t' || c == '\n' || c == '\r')
        ;
    fclose(f);
    return c == '{' || c == '[' || c == EOF;
}

/*
 * A regular file that is neither JSON nor a tar or zip package: when
 * libarchive reads it through a compression filter, say so (a seal package
 * is never compressed), else that it is no reference at all.
 */
static void
explain_not_package(struct custos_verify *v)
{
    struct archive *a = archive_read_new();
    struct archive_entry *ae;
    if (a == NULL)
        return;
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    int ok = archive_read_open_filename(a, v->ref_path, 64 * 1024) == ARCHIVE_OK;
    int entry = ok && archive_read_next_header(a, &ae) == ARCHIVE_OK;
    if (ok && archive_filter_count(a) > 1) {
        const char *f = archive_filter_name(a, 0);
        custos_error_set(&v->err, CUSTOS_E_UNSUPPORTED, 0, v->ref_path,
                         "a %s-compressed archive is not a sealed package (an uncompressed tar "
                         "or zip file, docs/formats/package.md): give the package itself as "
                         "the reference and this file as the target",
                         f != NULL ? f : "filter");
    } else if (strstr(v->err.message, "not a tar or zip package") != NULL) {
        if (entry)
            custos_error_set(&v->err, CUSTOS_E_UNSUPPORTED, 0, v->ref_path,
                             "a %s archive is not a sealed package (a tar or zip file)",
                             archive_format_name(a) ? archive_format_name(a) : "other");
        else
            custos_error_set(&v->err, CUSTOS_E_CORRUPT, 0, v->ref_path,
                             "not a custos manifest, acquisition record or sealed package");
    }
    archive_read_free(a);
}

int
custos_verify_new(struct custos_verify **out, const char *path, struct custos_error *err)
{
    *out = NULL;
    struct custos_verify *v = calloc(1, sizeof(*v));
    if (v == NULL || (v->ref_path = strdup(path)) == NULL) {
        free(v);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    }
    v->stored_match = -1;
    snprintf(v->sig_status, sizeof(v->sig_status), "unsigned");
    snprintf(v->restore_result, sizeof(v->restore_result), "not requested");
    struct stat st;
    int rc;
    if (stat(path, &st) != 0) {
        rc = custos_error_set(&v->err, CUSTOS_E_IO, errno, path, "cannot read the reference");
    } else if (S_ISDIR(st.st_mode)) {
        char bt[4096];
        snprintf(bt, sizeof(bt), "%s/bagit.txt", path);
        if (access(bt, R_OK) != 0)
            rc = custos_error_set(&v->err, CUSTOS_E_UNSUPPORTED, 0, path,
                                  "a directory without bagit.txt is not a reference");
        else {
            v->kind = CUSTOS_VERIFY_REF_BAG;
            rc = custos__verify_load_bag(v);
            char base[4096];
            snprintf(base, sizeof(base), "%s", path);
            size_t n = strlen(base);
            while (n > 1 && base[n - 1] == '/')
                base[--n] = '\0';
            const char *b = strrchr(base, '/') ? strrchr(base, '/') + 1 : base;
            if (rc == CUSTOS_OK && (v->bag_base = strdup(b)) == NULL)
                rc = custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, path, "out of memory");
        }
    } else if (!S_ISREG(st.st_mode)) {
        /* A FIFO or device is never opened: it could block or never end. */
        rc = custos_error_set(&v->err, CUSTOS_E_UNSUPPORTED, 0, path,
                              "not a regular file or directory: not a reference");
    } else if (!looks_like_json(path)) {
        v->kind = CUSTOS_VERIFY_REF_BAG;
        rc = custos__verify_load_bag_archive(v);
        if (rc == CUSTOS_E_CORRUPT)
            explain_not_package(v);
    } else {
        json_error_t je;
        json_t *r = json_load_file(path, 0, &je);
        const char *fmt = json_string_value(json_object_get(r, "format"));
        if (r == NULL)
            rc = custos_error_set(&v->err, CUSTOS_E_CORRUPT, 0, path,
                                  "not a custos manifest, acquisition record or sealed package: "
                                  "line %d: %s",
                                  je.line, je.text);
        else if (fmt != NULL && strcmp(fmt, CUSTOS_MANIFEST_FORMAT) == 0) {
            v->kind = CUSTOS_VERIFY_REF_MANIFEST;
            rc = custos__verify_load_manifest(v);
        } else if (fmt != NULL && strcmp(fmt, CUSTOS_RECORD_FORMAT) == 0) {
            v->kind = CUSTOS_VERIFY_REF_RECORD;
            rc = custos__verify_load_record(v);
        } else
            rc = custos_error_set(&v->err, CUSTOS_E_UNSUPPORTED, 0, path,
                                  "format is neither %s nor %s", CUSTOS_MANIFEST_FORMAT,
                                  CUSTOS_RECORD_FORMAT);
        json_decref(r);
        if (rc == CUSTOS_OK)
            rc = custos__verify_sha256_file(path, v->ref_sha256, &v->err);
    }
    if (rc == CUSTOS_OK) {
        qsort(v->items, v->nitems, sizeof(*v->items), custos__verify_cmp_item);
        for (size_t i = 1; i < v->nitems; i++)
            if (strcmp(v->items[i - 1].name, v->items[i].name) == 0) {
                rc = custos_error_set(&v->err, CUSTOS_E_CORRUPT, 0, path, "%s is listed twice",
                                      v->items[i].name);
                break;
            }
    }
    char sig[4200];
    snprintf(sig, sizeof(sig), "%s.sig", path);
    if (v->kind == CUSTOS_VERIFY_REF_BAG)
        snprintf(sig, sizeof(sig), "%s/%s", path, CUSTOS_SEAL_DIR);
    if (rc == CUSTOS_OK && (v->bag_archive ? v->bag_sealed : access(sig, F_OK) == 0))
        snprintf(v->sig_status, sizeof(v->sig_status), "not checked");
    if (rc == CUSTOS_OK && v->kind == CUSTOS_VERIFY_REF_BAG && !v->bag_archive) {
        /* What a seal signs, so what a ledger entry should name. */
        snprintf(sig, sizeof(sig), "%s/%s", path, CUSTOS_BAG_TAGMANIFEST);
        if (access(sig, F_OK) == 0) {
            rc = custos__verify_sha256_file(sig, v->ref_sha256, &v->err);
            v->bag_tagmanifest = 1;
        }
    }
    if (rc != CUSTOS_OK) {
        custos_error_copy(err, &v->err);
        custos_verify_free(v);
        return rc;
    }
    *out = v;
    return CUSTOS_OK;
}

void
custos_verify_free(struct custos_verify *v)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < v->nitems; i++) {
        free(v->items[i].name);
        free(v->items[i].target);
        free(v->items[i].detail);
        free(v->items[i].moved_to);
    }
    free(v->items);
    for (size_t i = 0; i < v->nextras; i++)
        free(v->extras[i].name);
    free(v->extras);
    for (size_t i = 0; i < v->nimg; i++)
        free(v->img_names[i]);
    free(v->img_names);
    free(v->img_format);
    free(v->record_status);
    free(v->root);
    free(v->bag_base);
    free(v->tbase);
    free(v->warnings);
    free(v->ref_path);
    free(v->target_path);
    free(v->bad);
    free(v->out);
    free(v);
}

const struct custos_error *
custos_verify_error(const struct custos_verify *v)
{
    return &v->err;
}

enum custos_verify_ref_kind
custos_verify_reference_kind(const struct custos_verify *v)
{
    return v->kind;
}

const char *
custos_verify_warnings(const struct custos_verify *v)
{
    return v->warnings ? v->warnings : "";
}

const char *
custos_verify_reference_sha256(const struct custos_verify *v)
{
    return v->ref_sha256;
}

int
custos_verify_check_signature(struct custos_verify *v, const char *sigpath,
                              const struct custos_key *signer, struct custos_error *err)
{
    if (v->kind == CUSTOS_VERIFY_REF_BAG)
        return custos__verify_check_seal(v, signer, err);
    const char *purpose =
        v->kind == CUSTOS_VERIFY_REF_RECORD ? CUSTOS_PURPOSE_RECORD : CUSTOS_PURPOSE_MANIFEST;
    snprintf(v->sig_path, sizeof(v->sig_path), "%s", sigpath);
    snprintf(v->sig_signer, sizeof(v->sig_signer), "%s", custos_key_fingerprint(signer));
    int rc = custos_sign_verify_file(signer, purpose, v->ref_path, sigpath, err);
    snprintf(v->sig_status, sizeof(v->sig_status), "%s", rc == CUSTOS_OK ? "valid" : "invalid");
    return rc;
}

/* ---- selection ---- */

struct scored {
    uint64_t score;
    size_t idx;
};

static int
cmp_scored(const void *a, const void *b)
{
    const struct scored *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int
has_content(const struct ritem *it)
{
    if (it->kind == RITEM_SYMLINK)
        return it->target != NULL;
    return it->ref.algs != 0;
}

static int
select_items(struct custos_verify *v, const struct custos_verify_options *o)
{
    struct scored *cand = calloc(v->nitems + 1, sizeof(*cand));
    if (cand == NULL)
        return custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < v->nitems; i++) {
        struct ritem *it = &v->items[i];
        it->selected = 0;
        if (!has_content(it))
            continue;
        /* In a record, the whole-medium digest and the image files are full-level items. */
        if (o->level != CUSTOS_VERIFY_FULL &&
            (it->kind == RITEM_IMGFILE || (it->kind == RITEM_MEDIUM && !it->counts)))
            continue;
        if (o->parts > 0 && custos_verify_part_of(it->name, strlen(it->name), o->parts) != o->part)
            continue;
        cand[n].idx = i;
        cand[n].score = custos_verify_sample_score(o->seed, it->name, strlen(it->name));
        n++;
    }
    size_t want = 0;
    if (o->level == CUSTOS_VERIFY_FULL)
        want = n;
    else if (o->level == CUSTOS_VERIFY_SAMPLE) {
        if (o->sample_count > 0)
            want = o->sample_count < n ? (size_t)o->sample_count : n;
        else
            want = (size_t)ceil((double)n * o->sample_percent / 100.0 - 1e-9);
        if (want > n)
            want = n;
        qsort(cand, n, sizeof(*cand), cmp_scored);
    }
    for (size_t i = 0; i < want; i++)
        v->items[cand[i].idx].selected = 1;
    free(cand);
    for (size_t r = 0; r < o->nrecheck; r++) {
        size_t idx;
        if (custos__verify_lookup(v, o->recheck[r], &idx) && has_content(&v->items[idx]))
            v->items[idx].selected = 1;
    }
    size_t sel = 0;
    for (size_t i = 0; i < v->nitems; i++)
        sel += v->items[i].selected != 0;
    v->empty_selection = o->level != CUSTOS_VERIFY_STRUCTURE && sel == 0;
    return CUSTOS_OK;
}

/* ---- the run ---- */

/* The directory path is in, into buf ("." for a bare name, "/" for the root). */
static const char *
parent_dir(const char *path, char *buf, size_t size)
{
    if (path != buf)
        snprintf(buf, size, "%s", path);
    char *slash = strrchr(buf, '/');
    if (slash == NULL)
        snprintf(buf, size, ".");
    else
        slash[slash == buf ? 1 : 0] = '\0';
    return buf;
}

/*
 * By default each item is checked with the strongest digest it has: equal
 * SHA-256 values already prove the content is the recorded one, so
 * recomputing MD5 or SHA-1 as well would add work but no assurance (and MD5
 * alone would bound an image's pass to one core). asked adds others.
 */
static void
pick_digests(struct custos_verify *v, unsigned asked)
{
    v->held = v->algs;
    unsigned want = asked & v->held;
    for (size_t i = 0; i < v->nitems; i++) {
        const struct ritem *it = &v->items[i];
        if (it->ref.algs != 0 && (it->ref.algs & want) == 0)
            want |= custos_digest_strongest(it->ref.algs);
    }
    if (want != 0)
        v->algs = want;
}

void
custos_verify_digests(const struct custos_verify *v, unsigned *computed, unsigned *held)
{
    *computed = v->ran ? v->algs : 0;
    *held = v->held ? v->held : v->algs;
}

int
custos_verify_run(struct custos_verify *v, const char *target,
                  const struct custos_verify_options *o, const struct custos_progress *progress)
{
    if (v->ran)
        return custos_error_set(&v->err, CUSTOS_E_USAGE, 0, NULL,
                                "custos_verify_run: one run per verification");
    custos_error_clear(&v->err);
    if (o->level == CUSTOS_VERIFY_SAMPLE && o->sample_count == 0 &&
        !(o->sample_percent > 0 && o->sample_percent <= 100))
        return custos_error_set(&v->err, CUSTOS_E_USAGE, 0, NULL,
                                "a sample needs a count or a percentage in (0, 100]");
    if ((o->parts > 0) != (o->part > 0) || o->part > o->parts)
        return custos_error_set(&v->err, CUSTOS_E_USAGE, 0, NULL,
                                "part must be n/t with 1 <= n <= t");
    v->opt = *o;
    v->opt.recheck = NULL; /* not kept: the caller owns the names */
    char dirbuf[4096];
    if (target == NULL) {
        if (v->kind == CUSTOS_VERIFY_REF_BAG)
            target = v->ref_path;
        else if (v->kind == CUSTOS_VERIFY_REF_RECORD)
            target = parent_dir(v->ref_path, dirbuf, sizeof(dirbuf));
        else
            return custos_error_set(&v->err, CUSTOS_E_USAGE, 0, NULL,
                                    "a manifest needs a target to verify");
    }
    if ((v->target_path = strdup(target)) == NULL)
        return custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    int rc = select_items(v, o);
    if (rc != CUSTOS_OK)
        return rc;
    v->opt.nrecheck = o->nrecheck;
    pick_digests(v, o->digests);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct custos_time now = {true, (int64_t)time(NULL), 0};
    custos_time_format(&now, v->started, sizeof(v->started));
    struct stat st;
    if (stat(target, &st) != 0)
        return custos_error_set(&v->err, CUSTOS_E_IO, errno, target, "cannot open the target");
    v->ran = 1;
    if (v->kind == CUSTOS_VERIFY_REF_RECORD) {
        v->target_kind = CUSTOS_VERIFY_TARGET_IMAGE;
        if (!S_ISDIR(st.st_mode))
            target = parent_dir(target, dirbuf, sizeof(dirbuf));
        rc = custos__verify_image(v, target, progress);
    } else if (S_ISDIR(st.st_mode)) {
        v->target_kind = CUSTOS_VERIFY_TARGET_DIRECTORY;
        snprintf(v->target_format, sizeof(v->target_format), "directory");
        if (o->restore)
            return custos_error_set(&v->err, CUSTOS_E_USAGE, 0, target,
                                    "a restore test needs an archive or an image");
        rc = custos__verify_directory(v, target, progress);
    } else {
        v->target_kind = CUSTOS_VERIFY_TARGET_ARCHIVE;
        /* pax and zip (bit 11) names are UTF-8; libarchive converts them to the thread's
         * locale, which under LANG=C fails for every non-ASCII name: read under C.UTF-8. */
        locale_t u = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
        if (u == (locale_t)0)
            return custos_error_set(&v->err, CUSTOS_E_NOMEM, errno, target,
                                    "cannot read archives (is the C.UTF-8 locale present?)");
        locale_t old = uselocale(u);
        rc = custos__verify_archive(v, target, progress);
        if (rc == CUSTOS_OK && o->restore)
            custos__verify_restore(v, target, progress);
        uselocale(old);
        freelocale(u);
    }
    if (rc == CUSTOS_OK && o->restore && v->target_kind == CUSTOS_VERIFY_TARGET_IMAGE)
        custos__verify_restore(v, target, progress);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    v->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (rc != CUSTOS_OK) {
        v->ran = 0;
        return rc;
    }
    v->status = custos__verify_classify(v);
    custos__verify_summarize(v);
    return v->status;
}

int
custos_verify_status(const struct custos_verify *v)
{
    return v->status;
}

size_t
custos_verify_count(const struct custos_verify *v)
{
    return v->nout;
}

const struct custos_verify_item *
custos_verify_item(const struct custos_verify *v, size_t i)
{
    return i < v->nout ? &v->out[i] : NULL;
}

const char *
custos_verify_summary(const struct custos_verify *v)
{
    return v->summary;
}

const char *
custos_verify_restore_result(const struct custos_verify *v)
{
    return v->restore_result;
}
