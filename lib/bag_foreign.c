/* SPDX-License-Identifier: ISC */
/*
 * bag_foreign.c: BagIt bags that custos did not write, read by RFC 8493 in
 * full (bag.c holds the strict reader and writer of custos's own packages).
 *
 * custos__bag_fmanifest_parse() reads a manifest of any of the six
 * algorithms, with percent-encoded paths and any line ending;
 * custos__bag_check_dir() checks a bag directory: the declaration and its
 * encoding, bag-info.txt, every manifest and tag manifest, Payload-Oxum and
 * the payload files present against those listed.
 */
#include "bag_private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "custos/digest.h"
#include "readfile_private.h"
#include "text_private.h"

static const char *const bag_alg_names[BAG_ALGS] = {"md5",    "sha1",   "sha224",
                                                    "sha256", "sha384", "sha512"};
static const size_t bag_alg_size[BAG_ALGS] = {16, 20, 28, 32, 48, 64};
/* Strength order for the derived check: sha512 first. */
static const int bag_alg_strength[BAG_ALGS] = {0, 1, 2, 3, 4, 5};

int
custos__bag_alg(const char *name)
{
    for (int i = 0; i < BAG_ALGS; i++)
        if (strcmp(name, bag_alg_names[i]) == 0)
            return i;
    return -1;
}

const char *
custos__bag_alg_name(int alg)
{
    return alg >= 0 && alg < BAG_ALGS ? bag_alg_names[alg] : "?";
}

static const EVP_MD *
bag_md(int alg)
{
    switch (alg) {
    case 0:
        return EVP_md5();
    case 1:
        return EVP_sha1();
    case 2:
        return EVP_sha224();
    case 3:
        return EVP_sha256();
    case 4:
        return EVP_sha384();
    default:
        return EVP_sha512();
    }
}

static int
fline_cmp(const void *a, const void *b)
{
    return strcmp(((const struct bag_fline *)a)->path, ((const struct bag_fline *)b)->path);
}

static struct bag_fline *
fmanifest_find(const struct bag_fmanifest *m, const char *path)
{
    struct bag_fline key = {.path = (char *)path};
    return m->n ? bsearch(&key, m->v, m->n, sizeof(*m->v), fline_cmp) : NULL;
}

void
custos__bag_fmanifest_free(struct bag_fmanifest *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->v[i].path);
    free(m->v);
    memset(m, 0, sizeof(*m));
}

/* Next line of text (LF, CRLF or CR ends); returns its length, or -1 at the end. */
static long
next_line(const char **p, const char *end, const char **line)
{
    if (*p >= end)
        return -1;
    const char *s = *p, *e = s;
    while (e < end && *e != '\n' && *e != '\r')
        e++;
    *line = s;
    long n = (long)(e - s);
    if (e < end && *e == '\r' && e + 1 < end && e[1] == '\n')
        e++;
    *p = e < end ? e + 1 : e;
    return n;
}

/* Why a decoded path may not be in a bag, or NULL (RFC 8493 2.1.3, 7.2). */
static const char *
fpath_bad(const char *path, int payload)
{
    if (path[0] == '\0')
        return "an empty path";
    if (path[0] == '/')
        return "an absolute path";
    if (path[0] == '~')
        return "a path starting with \"~\" (a home directory)";
    for (const char *c = path; *c;) {
        size_t len = strcspn(c, "/");
        if (len == 2 && c[0] == '.' && c[1] == '.')
            return "a \"..\" component (out of the bag)";
        if (len == 0 || (len == 1 && c[0] == '.'))
            return "an empty or \".\" component";
        c += len;
        c += *c == '/';
    }
    if (path[strlen(path) - 1] == '/')
        return "a path ending with \"/\"";
    if (payload && strncmp(path, "data/", 5) != 0)
        return "a payload path outside data/";
    if (!payload && strncmp(path, "data/", 5) == 0)
        return "a tag manifest path under data/";
    return NULL;
}

/* Decodes %0A, %0D and %25 (RFC 8493 2.1.3) of n bytes of s into out. */
static int
fpath_decode(const char *s, size_t n, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (o + 1 >= size)
            return -1;
        if (s[i] == '%' && i + 2 < n + 0 && custos__hex_digit(s[i + 1]) >= 0 &&
            custos__hex_digit(s[i + 2]) >= 0) {
            int c = custos__hex_digit(s[i + 1]) * 16 + custos__hex_digit(s[i + 2]);
            if (c == '\n' || c == '\r' || c == '%') {
                out[o++] = (char)c;
                i += 2;
                continue;
            }
        }
        out[o++] = s[i];
    }
    out[o] = '\0';
    return 0;
}

int
custos__bag_fmanifest_parse(const char *name, const char *text, size_t len, int alg, int payload,
                            const char *version, struct bag_fmanifest *m, struct custos__sb *warn,
                            struct custos_error *err)
{
    const char *p = text, *end = text + len, *line;
    long n;
    unsigned long lineno = 0;
    size_t hexlen = 2 * bag_alg_size[alg];
    int v1 = strcmp(version, "1.0") == 0;
    char path[BAG_PATH_MAX];
    m->alg = alg;
    if (memchr(text, '\0', len) != NULL)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, name, "holds a NUL byte");
    while ((n = next_line(&p, end, &line)) >= 0) {
        lineno++;
        if (n == 0) {
            if (p < end) /* a blank line in the middle */
                return custos_error_set(err, CUSTOS_E_CORRUPT, 0, name, "line %lu: blank", lineno);
            continue;
        }
        size_t i = 0;
        while (i < (size_t)n && custos__hex_digit((unsigned char)line[i]) >= 0)
            i++;
        size_t ws = i;
        while (ws < (size_t)n && (line[ws] == ' ' || line[ws] == '\t'))
            ws++;
        if (i != hexlen || ws == i || ws == (size_t)n)
            return custos_error_set(err, CUSTOS_E_CORRUPT, 0, name,
                                    "line %lu: not \"%s-DIGEST PATH\"", lineno, bag_alg_names[alg]);
        if (line[ws] == '*') {
            ws++;
            custos__sb_printf(warn, "%s: line %lu: an md5sum binary-mode \"*\" before the path\n",
                              name, lineno);
        }
        if (fpath_decode(line + ws, (size_t)n - ws, path, sizeof(path)) != 0)
            return custos_error_set(err, CUSTOS_E_CORRUPT, 0, name, "line %lu: path too long",
                                    lineno);
        const char *pp = path;
        if (pp[0] == '.' && pp[1] == '/') {
            while (pp[0] == '.' && pp[1] == '/')
                pp += 2;
            custos__sb_printf(warn, "%s: line %lu: a path starting with \"./\"\n", name, lineno);
        }
        const char *bad = fpath_bad(pp, payload);
        if (bad != NULL)
            return custos_error_set(err, CUSTOS_E_CORRUPT, 0, name, "line %lu: %s", lineno, bad);
        if (m->n == m->cap) {
            size_t cap = m->cap ? 2 * m->cap : 64;
            struct bag_fline *v = realloc(m->v, cap * sizeof(*v));
            if (v == NULL)
                return custos_error_set(err, CUSTOS_E_NOMEM, 0, name, "out of memory");
            m->v = v;
            m->cap = cap;
        }
        struct bag_fline *l = &m->v[m->n];
        memset(l, 0, sizeof(*l));
        if ((l->path = strdup(pp)) == NULL)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, name, "out of memory");
        for (size_t k = 0; k < hexlen / 2; k++)
            l->digest[k] = (uint8_t)(custos__hex_digit((unsigned char)line[2 * k]) * 16 +
                                     custos__hex_digit((unsigned char)line[2 * k + 1]));
        m->n++;
    }
    if (m->n > 1)
        qsort(m->v, m->n, sizeof(*m->v), fline_cmp);
    size_t out = 0;
    for (size_t i = 0; i < m->n; i++) {
        if (out > 0 && strcmp(m->v[out - 1].path, m->v[i].path) == 0) {
            int same = memcmp(m->v[out - 1].digest, m->v[i].digest, hexlen / 2) == 0;
            if (v1 || !same)
                return custos_error_set(err, CUSTOS_E_CORRUPT, 0, name, "%s is listed twice%s",
                                        m->v[i].path, same ? "" : " with different digests");
            custos__sb_printf(warn, "%s: %s is listed twice (same digest)\n", name, m->v[i].path);
            free(m->v[i].path);
            continue;
        }
        m->v[out++] = m->v[i];
    }
    m->n = out;
    for (size_t i = 1; i < m->n; i++)
        if (strcasecmp(m->v[i - 1].path, m->v[i].path) == 0)
            custos__sb_printf(warn, "%s: %s and %s differ only in case\n", name, m->v[i - 1].path,
                              m->v[i].path);
    return CUSTOS_OK;
}

#define TAG_MAX (16u << 20) /* bytes of one tag file */

/*
 * Reads dir/rel, a regular file of at most TAG_MAX bytes, NUL-terminated.
 * A tag file that is missing, not a regular file, too large or changing is
 * a defect of the bag (CUSTOS_E_CORRUPT); only a failing disk is CUSTOS_E_IO.
 */
static int
read_small(const char *dir, const char *rel, char **text, size_t *len, struct custos_error *err)
{
    char path[BAG_PATH_MAX + 4200];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    int rc = custos__read_file(path, TAG_MAX, text, len, NULL, err);
    if (rc == CUSTOS_E_USAGE ||
        (rc == CUSTOS_E_IO && (err == NULL || err->sys_errno == 0 || err->sys_errno == ENOENT)))
        rc = err != NULL ? (err->status = CUSTOS_E_CORRUPT) : CUSTOS_E_CORRUPT;
    return rc;
}

/* Converts text from enc to UTF-8 in place (a new buffer), with iconv. */
static int
to_utf8(const char *name, const char *enc, char **text, size_t *len, struct custos_error *err)
{
    if (strcasecmp(enc, "UTF-8") == 0) {
        if (*len >= 3 && memcmp(*text, "\xef\xbb\xbf", 3) == 0)
            return custos_error_set(err, CUSTOS_E_CORRUPT, 0, name,
                                    "starts with a byte-order mark");
        return CUSTOS_OK;
    }
    iconv_t cd = iconv_open("UTF-8", enc);
    if (cd == (iconv_t)-1)
        return custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, name,
                                "Tag-File-Character-Encoding %s is not supported", enc);
    size_t cap = 4 * *len + 16, left = cap, in = *len;
    char *out = malloc(cap + 1), *o = out, *i = *text;
    if (out == NULL) {
        iconv_close(cd);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, name, "out of memory");
    }
    size_t r = iconv(cd, &i, &in, &o, &left);
    iconv_close(cd);
    if (r == (size_t)-1) {
        free(out);
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, name, "is not valid %s", enc);
    }
    *o = '\0';
    free(*text);
    *text = out;
    *len = (size_t)(o - out);
    if (*len >= 3 && memcmp(out, "\xef\xbb\xbf", 3) == 0) { /* UTF-16's BOM, converted */
        memmove(out, out + 3, *len - 3 + 1);
        *len -= 3;
    }
    return CUSTOS_OK;
}

/* bagit.txt: exactly the two lines, ": " after each label, no BOM (RFC 8493 2.1.1). */
static int
check_declaration(const char *dir, struct bag_check *bc, struct custos_error *err)
{
    char *t;
    size_t len;
    int rc = read_small(dir, "bagit.txt", &t, &len, err);
    if (rc != CUSTOS_OK)
        return rc;
    const char *p = t, *end = t + len, *line;
    long n;
    int k = 0;
    rc = CUSTOS_OK;
    if (len >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0)
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, "bagit.txt",
                              "starts with a byte-order mark");
    while (rc == CUSTOS_OK && (n = next_line(&p, end, &line)) >= 0) {
        static const char *const label[2] = {"BagIt-Version: ", "Tag-File-Character-Encoding: "};
        if (n == 0 && p >= end)
            break;
        if (k >= 2) {
            rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, "bagit.txt",
                                  "line %d: more than two lines", k + 1);
            break;
        }
        size_t ln = strlen(label[k]);
        char *out = k == 0 ? bc->version : bc->encoding;
        size_t size = k == 0 ? sizeof(bc->version) : sizeof(bc->encoding);
        if ((size_t)n <= ln || strncmp(line, label[k], ln) != 0 || (size_t)n - ln >= size ||
            line[ln] == ' ') {
            rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, "bagit.txt", "line %d: not \"%sVALUE\"",
                                  k + 1, label[k]);
            break;
        }
        memcpy(out, line + ln, (size_t)n - ln);
        out[(size_t)n - ln] = '\0';
        k++;
    }
    if (rc == CUSTOS_OK && k < 2)
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, "bagit.txt", "has no %s line",
                              k == 0 ? "BagIt-Version" : "Tag-File-Character-Encoding");
    const char *dot = strchr(bc->version, '.');
    if (rc == CUSTOS_OK && (dot == NULL || dot == bc->version || dot[1] == '\0' ||
                            strspn(bc->version, "0123456789") != (size_t)(dot - bc->version) ||
                            strspn(dot + 1, "0123456789") != strlen(dot + 1)))
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, "bagit.txt",
                              "BagIt-Version \"%s\" is not M.N", bc->version);
    free(t);
    return rc;
}

static int fail_bag(struct custos_error *err, const char *dir, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail_bag(struct custos_error *err, const char *dir, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return custos_error_set(err, CUSTOS_E_CORRUPT, 0, dir, "not a valid bag (RFC 8493): %s", msg);
}

/*
 * Reads the tag file dir/rel into *text (freeing what it held) as UTF-8,
 * converted from the bag's encoding enc. A defect fails the bag (fail_bag);
 * a failing disk is the I/O error.
 */
static int
read_tag(const char *dir, const char *rel, const char *enc, char **text, size_t *len,
         struct custos_error *err)
{
    struct custos_error e;
    custos_error_clear(&e);
    free(*text);
    *text = NULL;
    int rc = read_small(dir, rel, text, len, &e);
    if (rc == CUSTOS_OK)
        rc = to_utf8(rel, enc, text, len, &e);
    if (rc != CUSTOS_OK)
        rc = rc == CUSTOS_E_CORRUPT ? fail_bag(err, dir, "%s", e.message)
                                    : custos_error_copy(err, &e);
    return rc;
}

/* Hashes dir/rel with the algorithms in want (indexes); out[alg] filled. */
static int
hash_path(const char *dir, const char *rel, const int *want, size_t nwant,
          uint8_t out[BAG_ALGS][64], uint64_t *size)
{
    char path[BAG_PATH_MAX + 4200];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -2;
    }
    EVP_MD_CTX *ctx[BAG_ALGS] = {NULL};
    int rc = 0;
    for (size_t i = 0; i < nwant && rc == 0; i++)
        if ((ctx[i] = EVP_MD_CTX_new()) == NULL ||
            EVP_DigestInit_ex(ctx[i], bag_md(want[i]), NULL) != 1)
            rc = -3;
    static __thread uint8_t buf[1 << 16];
    *size = 0;
    while (rc == 0) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = -1;
        if (n <= 0)
            break;
        *size += (uint64_t)n;
        for (size_t i = 0; i < nwant; i++)
            EVP_DigestUpdate(ctx[i], buf, (size_t)n);
    }
    for (size_t i = 0; i < nwant; i++) {
        if (rc == 0)
            EVP_DigestFinal_ex(ctx[i], out[want[i]], NULL);
        EVP_MD_CTX_free(ctx[i]);
    }
    close(fd);
    return rc;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* bag-info.txt (package-info.txt before 0.96): labels, Payload-Oxum into bc. */
static int
check_bag_info(const char *dir, struct bag_check *bc, struct custos_error *err)
{
    char info_name[32] = "bag-info.txt";
    char probe[BAG_PATH_MAX + 4200];
    struct stat st;
    char *t = NULL;
    size_t len;
    int rc = CUSTOS_OK;
    snprintf(probe, sizeof(probe), "%s/%s", dir, info_name);
    if (lstat(probe, &st) != 0) {
        snprintf(info_name, sizeof(info_name), "package-info.txt");
        snprintf(probe, sizeof(probe), "%s/%s", dir, info_name);
    }
    if (lstat(probe, &st) == 0) {
        if ((rc = read_tag(dir, info_name, bc->encoding, &t, &len, err)) != CUSTOS_OK) {
            free(t);
            return rc;
        }
        const char *p = t, *end = t + len, *line;
        long n;
        unsigned long lineno = 0;
        int oxums = 0;
        while (rc == CUSTOS_OK && (n = next_line(&p, end, &line)) >= 0) {
            lineno++;
            if (n == 0)
                continue;
            if (line[0] == ' ' || line[0] == '\t') {
                if (lineno == 1)
                    rc = fail_bag(err, dir, "%s: line 1: a continuation line first", info_name);
                continue;
            }
            const char *colon = memchr(line, ':', (size_t)n);
            if (colon == NULL || colon == line) {
                rc = fail_bag(err, dir, "%s: line %lu: not \"Label: value\"", info_name, lineno);
                break;
            }
            size_t ll = (size_t)(colon - line);
            while (ll > 0 && (line[ll - 1] == ' ' || line[ll - 1] == '\t'))
                ll--;
            if (ll == 12 && strncmp(line, "Payload-Oxum", 12) == 0) {
                char val[64];
                const char *vs = colon + 1;
                while (vs < line + n && (*vs == ' ' || *vs == '\t'))
                    vs++;
                snprintf(val, sizeof(val), "%.*s", (int)(line + n - vs), vs);
                uint64_t o, f;
                if (custos__bag_oxum_parse(val, &o, &f) != 0)
                    rc = fail_bag(err, dir,
                                  "%s: line %lu: Payload-Oxum \"%s\" is not "
                                  "OCTETS.FILES",
                                  info_name, lineno, val);
                else if (oxums++ && (o != bc->oxum_octets || f != bc->oxum_files))
                    rc = fail_bag(err, dir, "%s: two different Payload-Oxum values", info_name);
                bc->oxum_octets = o;
                bc->oxum_files = f;
                bc->oxum = 1;
            }
        }
    }
    free(t);
    return rc;
}

/*
 * fetch.txt, if the bag has one: "URL LENGTH PATH" lines, each PATH in the
 * bag's payload and in its payload manifest; the paths go into *fetch
 * (sorted, the caller frees them, also after a failure).
 */
static int
read_fetch(const char *dir, const struct bag_check *bc, const struct bag_fmanifest *payload,
           char ***fetch, size_t *nfetch, struct custos_error *err)
{
    char probe[BAG_PATH_MAX + 4200];
    struct stat st;
    snprintf(probe, sizeof(probe), "%s/fetch.txt", dir);
    if (lstat(probe, &st) != 0)
        return CUSTOS_OK;
    char *t = NULL;
    size_t len;
    int rc = read_tag(dir, "fetch.txt", bc->encoding, &t, &len, err);
    if (rc != CUSTOS_OK) {
        free(t);
        return rc;
    }
    const char *p = t, *end = t + len, *line;
    long n;
    unsigned long lineno = 0;
    while (rc == CUSTOS_OK && (n = next_line(&p, end, &line)) >= 0) {
        lineno++;
        if (n == 0)
            continue;
        const char *sp1 = memchr(line, ' ', (size_t)n);
        const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(line + n - sp1 - 1)) : NULL;
        char path[BAG_PATH_MAX];
        if (sp1 == NULL || sp2 == NULL || sp2 == sp1 + 1 ||
            !((sp2 - sp1 == 2 && sp1[1] == '-') ||
              strspn(sp1 + 1, "0123456789") == (size_t)(sp2 - sp1 - 1)) ||
            fpath_decode(sp2 + 1, (size_t)(line + n - sp2 - 1), path, sizeof(path)) != 0) {
            rc = fail_bag(err, dir, "fetch.txt: line %lu: not \"URL LENGTH PATH\"", lineno);
            break;
        }
        const char *bad = fpath_bad(path, 1);
        if (bad != NULL) {
            rc = fail_bag(err, dir, "fetch.txt: line %lu: %s", lineno, bad);
            break;
        }
        if (fmanifest_find(payload, path) == NULL) {
            rc = fail_bag(err, dir, "fetch.txt: line %lu: %s is in no payload manifest", lineno,
                          path);
            break;
        }
        char **f2 = realloc(*fetch, (*nfetch + 1) * sizeof(*f2));
        if (f2 == NULL || (f2[*nfetch] = strdup(path)) == NULL) {
            *fetch = f2 ? f2 : *fetch;
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, dir, "out of memory");
            break;
        }
        *fetch = f2;
        (*nfetch)++;
    }
    free(t);
    if (rc == CUSTOS_OK && *nfetch > 1)
        qsort(*fetch, *nfetch, sizeof(**fetch), cmp_str);
    return rc;
}

/*
 * The payload files of the bag in dir, as its payload manifests list them
 * (man[first] is the first present; has_man says which are), with the
 * digests custos computes itself: bc->v, bc->algs and, for bags with only
 * sha224/384/512 manifests, the derived SHA-256. Absent files listed in
 * fetch.txt (fetch, sorted) are marked; Payload-Oxum is checked when every
 * file is present.
 */
static int
check_payload(const char *dir, struct bag_check *bc, const struct bag_fmanifest *man,
              const int *has_man, int first, char **fetch, size_t nfetch, struct custos_error *err)
{
    int rc = CUSTOS_OK;
    char probe[BAG_PATH_MAX + 4200];
    struct stat st;
    bc->v = calloc(man[first].n ? man[first].n : 1, sizeof(*bc->v));
    if (bc->v == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, dir, "out of memory");
    static const unsigned cbits[BAG_ALGS] = {
        CUSTOS_DIGEST_MD5, CUSTOS_DIGEST_SHA1, 0, CUSTOS_DIGEST_SHA256, 0, 0};
    for (int a = 0; a < BAG_ALGS; a++)
        if (has_man[a])
            bc->algs |= cbits[a];
    int strongest = -1;
    for (int a = 0; a < BAG_ALGS; a++)
        if (has_man[a] && (strongest < 0 || bag_alg_strength[a] > bag_alg_strength[strongest]))
            strongest = a;
    bc->derived = bc->algs == 0;
    bc->derived_alg = strongest;
    uint64_t octets = 0, files = 0;
    int all_present = 1;
    for (size_t i = 0; i < man[first].n && rc == CUSTOS_OK; i++) {
        struct bag_file *f = &bc->v[bc->n];
        const char *path = man[first].v[i].path;
        if ((f->path = strdup(path)) == NULL) {
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, dir, "out of memory");
            break;
        }
        bc->n++;
        for (int a = 0; a < BAG_ALGS; a++) {
            struct bag_fline *l = has_man[a] && cbits[a] ? fmanifest_find(&man[a], path) : NULL;
            if (l == NULL)
                continue;
            memcpy(a == 0   ? f->ref.md5
                   : a == 1 ? f->ref.sha1
                            : f->ref.sha256,
                   l->digest, bag_alg_size[a]);
            f->ref.algs |= cbits[a];
        }
        snprintf(probe, sizeof(probe), "%s/%s", dir, path);
        int present = lstat(probe, &st) == 0;
        if (!present) {
            all_present = 0;
            f->fetch = nfetch > 0 && bsearch(&path, fetch, nfetch, sizeof(*fetch), cmp_str) != NULL;
            continue;
        }
        files++;
        octets += S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
        if (!bc->derived)
            continue;
        /* Only sha224/384/512 manifests: check against the strongest, and take
         * the SHA-256 of the same bytes for the comparison with any target. */
        uint8_t got[BAG_ALGS][64];
        uint64_t sz;
        int want[2] = {strongest, 3};
        int h = hash_path(dir, path, want, 2, got, &sz);
        if (h != 0 || memcmp(got[strongest], fmanifest_find(&man[strongest], path)->digest,
                             bag_alg_size[strongest]) != 0) {
            f->bad = 1;
            continue;
        }
        memcpy(f->ref.sha256, got[3], 32);
        f->ref.algs = CUSTOS_DIGEST_SHA256;
    }
    /* A Payload-Oxum that does not add up: the payload is not what was bagged. */
    if (rc == CUSTOS_OK && bc->oxum && all_present &&
        (octets != bc->oxum_octets || files != bc->oxum_files))
        rc = fail_bag(err, dir,
                      "Payload-Oxum %llu.%llu, the payload files listed add up to %llu.%llu",
                      (unsigned long long)bc->oxum_octets, (unsigned long long)bc->oxum_files,
                      (unsigned long long)octets, (unsigned long long)files);
    if (rc == CUSTOS_OK && bc->warnings.oom)
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, dir, "out of memory");
    return rc;
}

int
custos__bag_check_dir(const char *dir, struct bag_check *bc, struct custos_error *err)
{
    memset(bc, 0, sizeof(*bc));
    struct bag_fmanifest man[BAG_ALGS], tag[BAG_ALGS];
    memset(man, 0, sizeof(man));
    memset(tag, 0, sizeof(tag));
    int has_man[BAG_ALGS] = {0}, has_tag[BAG_ALGS] = {0};
    char **fetch = NULL;
    size_t nfetch = 0;
    char *t = NULL;
    size_t len;
    int tag_mismatch = 0;
    struct custos_error e;
    custos_error_clear(&e);
    int rc = check_declaration(dir, bc, &e);
    if (rc != CUSTOS_OK) {
        rc = rc == CUSTOS_E_CORRUPT ? fail_bag(err, dir, "%s", e.message)
                                    : custos_error_copy(err, &e);
        goto out;
    }
    /* Manifests and tag manifests: whatever algorithms the directory holds. */
    DIR *d = opendir(dir);
    if (d == NULL) {
        rc = custos_error_set(err, CUSTOS_E_IO, errno, dir, "cannot read the bag directory");
        goto out;
    }
    struct dirent *de;
    while (rc == CUSTOS_OK && (de = readdir(d)) != NULL) {
        const char *nm = de->d_name;
        int istag = strncmp(nm, "tagmanifest-", 12) == 0;
        if (!istag && strncmp(nm, "manifest-", 9) != 0)
            continue;
        size_t nl = strlen(nm);
        if (nl < 5 || strcmp(nm + nl - 4, ".txt") != 0)
            continue;
        char alg[32];
        const char *a0 = nm + (istag ? 12 : 9);
        snprintf(alg, sizeof(alg), "%.*s", (int)(nm + nl - 4 - a0), a0);
        int ai = custos__bag_alg(alg);
        if (ai < 0) {
            rc = custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, dir,
                                  "%s: algorithm %s is not supported (md5, sha1, sha224, sha256, "
                                  "sha384, sha512)",
                                  nm, alg);
            break;
        }
        (istag ? has_tag : has_man)[ai] = 1;
    }
    closedir(d);
    if (rc != CUSTOS_OK)
        goto out;
    for (int a = 0; a < BAG_ALGS && rc == CUSTOS_OK; a++)
        for (int istag = 0; istag < 2 && rc == CUSTOS_OK; istag++) {
            if (!(istag ? has_tag : has_man)[a])
                continue;
            char rel[64];
            snprintf(rel, sizeof(rel), "%smanifest-%s.txt", istag ? "tag" : "", bag_alg_names[a]);
            rc = read_tag(dir, rel, bc->encoding, &t, &len, err);
            if (rc == CUSTOS_OK && (rc = custos__bag_fmanifest_parse(
                                        rel, t, len, a, !istag, bc->version,
                                        istag ? &tag[a] : &man[a], &bc->warnings, &e)) != CUSTOS_OK)
                rc = rc == CUSTOS_E_CORRUPT ? fail_bag(err, dir, "%s", e.message)
                                            : custos_error_copy(err, &e);
        }
    if (rc != CUSTOS_OK)
        goto out;
    int first = -1;
    for (int a = 0; a < BAG_ALGS; a++)
        if (has_man[a] && first < 0)
            first = a;
    if (first < 0) {
        rc = fail_bag(err, dir, "no payload manifest (manifest-ALG.txt)");
        goto out;
    }
    /* Every payload manifest lists every payload file (RFC 8493 3). */
    for (int a = 0; a < BAG_ALGS && rc == CUSTOS_OK; a++) {
        if (!has_man[a] || a == first)
            continue;
        for (size_t i = 0; i < man[first].n && rc == CUSTOS_OK; i++)
            if (fmanifest_find(&man[a], man[first].v[i].path) == NULL)
                rc = fail_bag(err, dir, "%s is in manifest-%s.txt but not in manifest-%s.txt",
                              man[first].v[i].path, bag_alg_names[first], bag_alg_names[a]);
        for (size_t i = 0; i < man[a].n && rc == CUSTOS_OK; i++)
            if (fmanifest_find(&man[first], man[a].v[i].path) == NULL)
                rc = fail_bag(err, dir, "%s is in manifest-%s.txt but not in manifest-%s.txt",
                              man[a].v[i].path, bag_alg_names[a], bag_alg_names[first]);
    }
    if (rc != CUSTOS_OK)
        goto out;
    /* Tag manifests: every file they list exists and matches. */
    for (int a = 0; a < BAG_ALGS && rc == CUSTOS_OK; a++)
        for (size_t i = 0; i < tag[a].n && rc == CUSTOS_OK; i++) {
            uint8_t got[BAG_ALGS][64];
            uint64_t sz;
            int want[1] = {a};
            int h = hash_path(dir, tag[a].v[i].path, want, 1, got, &sz);
            if (h != 0)
                rc = fail_bag(err, dir, "%s, listed in tagmanifest-%s.txt, %s", tag[a].v[i].path,
                              bag_alg_names[a],
                              h == -2 ? "is not a regular file" : "cannot be read");
            else if (memcmp(got[a], tag[a].v[i].digest, bag_alg_size[a]) != 0) {
                rc = fail_bag(err, dir, "%s does not match tagmanifest-%s.txt", tag[a].v[i].path,
                              bag_alg_names[a]);
                tag_mismatch = 1;
            }
        }
    if (rc != CUSTOS_OK)
        goto out;
    if (has_tag[3]) {
        char rel[] = "tagmanifest-sha256.txt";
        uint8_t got[BAG_ALGS][64];
        uint64_t sz;
        int want[1] = {3};
        if (hash_path(dir, rel, want, 1, got, &sz) == 0)
            custos_hex_encode(got[3], 32, bc->tagmanifest_sha256);
    }
    if ((rc = check_bag_info(dir, bc, err)) != CUSTOS_OK)
        goto out;
    if ((rc = read_fetch(dir, bc, &man[first], &fetch, &nfetch, err)) != CUSTOS_OK)
        goto out;
    rc = check_payload(dir, bc, man, has_man, first, fetch, nfetch, err);
out:
    free(t);
    for (size_t i = 0; i < nfetch; i++)
        free(fetch[i]);
    free(fetch);
    for (int a = 0; a < BAG_ALGS; a++) {
        custos__bag_fmanifest_free(&man[a]);
        custos__bag_fmanifest_free(&tag[a]);
    }
    if (rc != CUSTOS_OK)
        custos__bag_check_free(bc);
    bc->tag_mismatch = tag_mismatch;
    return rc;
}

void
custos__bag_check_free(struct bag_check *bc)
{
    for (size_t i = 0; i < bc->n; i++)
        free(bc->v[i].path);
    free(bc->v);
    custos__sb_free(&bc->warnings);
    memset(bc, 0, sizeof(*bc));
}
