/* SPDX-License-Identifier: ISC */
/*
 * dispose_bundle.c: a destruction proof bundle as a directory or as one tar
 * archive (docs/formats/destruction-proof.md, "Layout").
 *
 * An archive is never trusted to say where its files go: only the names the
 * format defines are accepted, only regular files and directories, and
 * extraction goes through libarchive's disk writer with the SECURE_* flags
 * into a fresh 0700 directory under $TMPDIR (or /tmp), which
 * custos__bundle_free removes. A hostile entry makes the bundle corrupt.
 *
 * It is the bottom of the dispose modules (dispose_private.h): the reading
 * and hashing of a bundle's files that the others share live here, and it
 * calls none of them.
 */
#include "dispose_private.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <archive.h>
#include <archive_entry.h>

#include "custos/atomicfile.h"
#include "custos/digest.h"
#include "custos/timefmt.h"

#include "fsutil_private.h" /* custos__pread_full, custos__write_all */

#define COPY_BUF    65536 /* bytes per read when writing an archive */
#define MAGIC_SNIFF 65536 /* bytes libmagic sees of an attachment */

/* ---- reading and hashing a bundle's files ---- */

int
custos__read_small(const char *path, size_t max, char **buf, size_t *len, struct custos_error *err)
{
    *buf = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot open");
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "not a regular file");
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "larger than %zu bytes", max);
    }
    char *b = malloc((size_t)st.st_size + 1);
    if (b == NULL) {
        close(fd);
        return custos__dispose_nomem(err);
    }
    long long got = custos__pread_full(fd, b, (size_t)st.st_size, 0);
    int e = errno;
    close(fd);
    if (got < 0 || got != (long long)st.st_size) {
        free(b);
        return custos_error_set(err, CUSTOS_E_IO, got < 0 ? e : 0, path,
                                got < 0 ? "cannot read" : "changed while read");
    }
    b[got] = '\0';
    *buf = b;
    *len = (size_t)got;
    return CUSTOS_OK;
}

void
custos__dispose_sha256_hex(const void *buf, size_t len, char hex[CUSTOS_KEY_FP_HEX_SIZE])
{
    struct custos_digest *d = NULL;
    struct custos_digest_result r;
    hex[0] = '\0';
    if (custos_digest_new(&d, CUSTOS_DIGEST_SHA256, NULL) != CUSTOS_OK)
        return;
    custos_digest_update(d, buf, len);
    custos_digest_final(d, &r);
    custos_digest_free(d);
    custos_hex_encode(r.sha256, 32, hex);
}

/*
 * Reads the open file in (named src) to its end: SHA-256 into hex, size,
 * the MIME type sniffed from the first block; with out >= 0 (named dst),
 * every byte is also written there.
 */
int
custos__dispose_hash_stream(struct custos__filetype *ft, int in, const char *src, int out,
                            const char *dst, char hex[CUSTOS_KEY_FP_HEX_SIZE], uint64_t *size,
                            char **mime, struct custos_error *err)
{
    *mime = NULL;
    struct custos_digest *d = NULL;
    int rc = custos_digest_new(&d, CUSTOS_DIGEST_SHA256, err);
    uint8_t *buf = malloc(MAGIC_SNIFF);
    if (rc == CUSTOS_OK && buf == NULL)
        rc = custos__dispose_nomem(err);
    uint64_t total = 0;
    while (rc == CUSTOS_OK) {
        ssize_t n = read(in, buf, MAGIC_SNIFF);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = custos_error_set(err, CUSTOS_E_IO, errno, src, "cannot read");
            break;
        }
        if (n == 0)
            break;
        if (total == 0) {
            char *desc = NULL;
            custos__filetype_buffer(ft, buf, (size_t)n, mime, &desc);
            free(desc);
        }
        custos_digest_update(d, buf, (size_t)n);
        if (out >= 0 && custos__write_all(out, buf, (size_t)n) != 0)
            rc = custos_error_set(err, CUSTOS_E_IO, errno, dst, "cannot write");
        total += (uint64_t)n;
    }
    if (rc == CUSTOS_OK) {
        struct custos_digest_result r;
        custos_digest_final(d, &r);
        custos_hex_encode(r.sha256, 32, hex);
        *size = total;
        if (*mime == NULL)
            *mime = strdup(total == 0 ? "application/x-empty" : "application/octet-stream");
        if (*mime == NULL)
            rc = custos__dispose_nomem(err);
    }
    if (rc != CUSTOS_OK) { /* the caller frees *mime only on success */
        free(*mime);
        *mime = NULL;
    }
    free(buf);
    custos_digest_free(d);
    return rc;
}

/* Hashes the file at path (SHA-256, size) and sniffs its MIME type. */
int
custos__dispose_hash_file(struct custos__filetype *ft, const char *path,
                          char hex[CUSTOS_KEY_FP_HEX_SIZE], uint64_t *size, char **mime,
                          struct custos_error *err)
{
    *mime = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot open");
    int rc = custos__dispose_hash_stream(ft, fd, path, -1, NULL, hex, size, mime, err);
    close(fd);
    return rc;
}

/* ---- the bundle directory ---- */

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void
custos__rm_tree(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void
custos__bundle_free(struct custos__bundle *b)
{
    if (b == NULL)
        return;
    if (b->tmpdir != NULL) {
        nftw(b->tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        free(b->tmpdir);
    }
    free(b->dir);
    free(b->manifest);
    free(b->cert_bytes);
    json_decref(b->cert);
    free(b);
}

/* The names an archive may hold. */
static int
allowed_name(const char *n)
{
    if (strcmp(n, "manifest.sha256") == 0 || strcmp(n, "certificate.json") == 0 ||
        strcmp(n, CUSTOS_DISPOSE_TIMESTAMP_FILE) == 0 || strcmp(n, "attachments/") == 0 ||
        strcmp(n, "signatures/") == 0 || strcmp(n, "attachments") == 0 ||
        strcmp(n, "signatures") == 0)
        return 1;
    const char *rest = NULL;
    if (strncmp(n, "attachments/", 12) == 0)
        rest = n + 12;
    else if (strncmp(n, "signatures/", 11) == 0)
        rest = n + 11;
    return rest != NULL && rest[0] != '\0' && rest[0] != '.' && strchr(rest, '/') == NULL;
}

/*
 * libarchive takes an archive that ends at an entry boundary as complete, so
 * a bundle cut there would lose its later files quietly; a tar ends with two
 * zero blocks, and the last entry of a bundle never ends in 1024 zero bytes.
 */
static int
has_end_marker(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    unsigned char tail[1024];
    int ok =
        fd >= 0 && fstat(fd, &st) == 0 && st.st_size >= (off_t)sizeof(tail) &&
        st.st_size % 512 == 0 &&
        pread(fd, tail, sizeof(tail), st.st_size - (off_t)sizeof(tail)) == (ssize_t)sizeof(tail);
    for (size_t i = 0; ok && i < sizeof(tail); i++)
        ok = tail[i] == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

static int
extract(const char *path, const char *dir, struct custos_error *err)
{
    struct archive *a = archive_read_new();
    struct archive *w = archive_write_disk_new();
    if (a == NULL || w == NULL) {
        archive_read_free(a);
        archive_write_free(w);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    archive_read_support_format_tar(a);
    archive_write_disk_set_options(w, ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                          ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                          ARCHIVE_EXTRACT_NO_OVERWRITE);
    /* SECURE_NOABSOLUTEPATHS would refuse the absolute extraction path we
     * prefix; allowed_name() has already refused absolute and ".." names. */
    int rc = CUSTOS_OK;
    if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, archive_errno(a), path,
                              "not a tar archive: %s", archive_error_string(a));
        goto out;
    }
    struct archive_entry *e;
    size_t count = 0;
    int r;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        const char *ename = archive_entry_pathname(e);
        mode_t type = archive_entry_filetype(e);
        if (ename == NULL || strlen(ename) >= PATH_MAX || !allowed_name(ename) ||
            (type != AE_IFREG && type != AE_IFDIR) || archive_entry_hardlink(e) != NULL ||
            ++count > CUSTOS_DISPOSE_ATTACH_MAX + 16) {
            rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                                  "entry \"%s\" is not part of a proof bundle",
                                  ename != NULL ? ename : "?");
            goto out;
        }
        /* a copy: archive_entry_set_pathname below frees the entry's own string */
        char name[PATH_MAX];
        snprintf(name, sizeof(name), "%s", ename);
        char full[PATH_MAX * 2];
        snprintf(full, sizeof(full), "%s/%s", dir, name);
        archive_entry_set_pathname(e, full);
        archive_entry_set_perm(e, type == AE_IFDIR ? 0700 : 0600);
        if (archive_write_header(w, e) != ARCHIVE_OK) {
            rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "entry \"%s\": %s", name,
                                  archive_error_string(w));
            goto out;
        }
        const void *buf;
        size_t len;
        la_int64_t off;
        while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK)
            if (archive_write_data_block(w, buf, len, off) != ARCHIVE_OK) {
                rc = custos_error_set(err, CUSTOS_E_IO, archive_errno(w), dir, "%s",
                                      archive_error_string(w));
                goto out;
            }
        if (r != ARCHIVE_EOF) {
            rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "entry \"%s\": %s", name,
                                  archive_error_string(a));
            goto out;
        }
        if (archive_write_finish_entry(w) != ARCHIVE_OK) {
            rc = custos_error_set(err, CUSTOS_E_IO, archive_errno(w), dir, "%s",
                                  archive_error_string(w));
            goto out;
        }
    }
    if (r != ARCHIVE_EOF)
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "truncated or damaged: %s",
                              archive_error_string(a));
    else if (!has_end_marker(path))
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                              "truncated: no end-of-archive blocks after the last entry");
out:
    archive_read_free(a);
    archive_write_free(w);
    return rc;
}

int
custos__bundle_open(struct custos__bundle **out, const char *path, struct custos_error *err)
{
    *out = NULL;
    struct custos__bundle *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    struct stat st;
    int rc = CUSTOS_OK;
    if (stat(path, &st) != 0) {
        rc = custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot open");
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        b->dir = strdup(path);
    } else {
        const char *tmp = getenv("TMPDIR");
        char tmpl[PATH_MAX];
        snprintf(tmpl, sizeof(tmpl), "%s/custos-bundle-XXXXXX",
                 tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");
        if (mkdtemp(tmpl) == NULL) {
            rc = custos_error_set(err, CUSTOS_E_IO, errno, tmpl, "cannot create a directory");
            goto fail;
        }
        char real[PATH_MAX];
        b->tmpdir = strdup(tmpl);
        b->dir = strdup(realpath(tmpl, real) != NULL ? real : tmpl);
        if (b->tmpdir != NULL && b->dir != NULL)
            rc = extract(path, b->dir, err);
    }
    if (rc == CUSTOS_OK && b->dir == NULL)
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    if (rc != CUSTOS_OK)
        goto fail;
    char p[PATH_MAX * 2];
    snprintf(p, sizeof(p), "%s/%s", b->dir, CUSTOS_DISPOSE_MANIFEST_FILE);
    rc = custos__read_small(p, CUSTOS_DISPOSE_JSON_MAX, &b->manifest, &b->manifest_len, err);
    if (rc == CUSTOS_E_IO && err->sys_errno == ENOENT)
        rc =
            custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "no %s", CUSTOS_DISPOSE_MANIFEST_FILE);
    if (rc != CUSTOS_OK)
        goto fail;
    struct custos_digest *d = NULL;
    struct custos_digest_result r;
    rc = custos_digest_new(&d, CUSTOS_DIGEST_SHA256, err);
    if (rc != CUSTOS_OK)
        goto fail;
    custos_digest_update(d, b->manifest, b->manifest_len);
    custos_digest_final(d, &r);
    custos_digest_free(d);
    custos_hex_encode(r.sha256, 32, b->sha256);
    snprintf(p, sizeof(p), "%s/%s", b->dir, CUSTOS_DISPOSE_CERT_FILE);
    rc = custos__read_small(p, CUSTOS_DISPOSE_JSON_MAX, &b->cert_bytes, &b->cert_len, err);
    if (rc == CUSTOS_E_IO && err->sys_errno == ENOENT)
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "no %s", CUSTOS_DISPOSE_CERT_FILE);
    if (rc != CUSTOS_OK)
        goto fail;
    json_error_t je;
    b->cert = json_loadb(b->cert_bytes, b->cert_len, JSON_REJECT_DUPLICATES, &je);
    if (b->cert == NULL) {
        rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, path, "%s: line %d: %s",
                              CUSTOS_DISPOSE_CERT_FILE, je.line, je.text);
        goto fail;
    }
    *out = b;
    return CUSTOS_OK;
fail:
    custos__bundle_free(b);
    return rc;
}

static int
add_file(struct archive *a, const char *dir, const char *rel, time_t mtime,
         struct custos_error *err)
{
    char full[PATH_MAX * 2];
    snprintf(full, sizeof(full), "%s/%s", dir, rel);
    int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return custos_error_set(err, CUSTOS_E_IO, e, full, "cannot open");
    }
    struct archive_entry *e = archive_entry_new();
    if (e == NULL) {
        close(fd);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    archive_entry_set_pathname(e, rel);
    archive_entry_set_filetype(e, S_ISDIR(st.st_mode) ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e, S_ISDIR(st.st_mode) ? 0755 : 0644);
    archive_entry_set_size(e, S_ISDIR(st.st_mode) ? 0 : st.st_size);
    archive_entry_set_mtime(e, mtime, 0);
    int rc = CUSTOS_OK;
    if (archive_write_header(a, e) != ARCHIVE_OK)
        rc = custos_error_set(err, CUSTOS_E_IO, archive_errno(a), rel, "%s",
                              archive_error_string(a));
    char *buf = S_ISDIR(st.st_mode) ? NULL : malloc(COPY_BUF);
    while (rc == CUSTOS_OK && !S_ISDIR(st.st_mode)) {
        if (buf == NULL) {
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
            break;
        }
        ssize_t n = read(fd, buf, COPY_BUF);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = custos_error_set(err, CUSTOS_E_IO, errno, full, "cannot read");
        if (n <= 0)
            break;
        if (archive_write_data(a, buf, (size_t)n) != n)
            rc = custos_error_set(err, CUSTOS_E_IO, archive_errno(a), rel, "%s",
                                  archive_error_string(a));
    }
    free(buf);
    archive_entry_free(e);
    close(fd);
    return rc;
}

static int
add_dir(struct archive *a, const char *dir, const char *sub, time_t mtime, struct custos_error *err)
{
    int rc = add_file(a, dir, sub, mtime, err);
    char full[PATH_MAX * 2];
    snprintf(full, sizeof(full), "%s/%s", dir, sub);
    struct dirent **names = NULL;
    int n = rc == CUSTOS_OK ? scandir(full, &names, NULL, alphasort) : 0;
    if (n < 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, full, "cannot list");
    for (int i = 0; i < n; i++) {
        if (rc == CUSTOS_OK && names[i]->d_name[0] != '.') {
            char rel[PATH_MAX];
            snprintf(rel, sizeof(rel), "%s/%s", sub, names[i]->d_name);
            rc = add_file(a, dir, rel, mtime, err);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int
custos__bundle_write_tar(const char *dir, const char *mtime, const char *out,
                         struct custos_error *err)
{
    int64_t sec = 0; /* members dated 1970 when the certificate has no time */
    if (mtime != NULL && custos_time_rfc3339_parse(mtime, 0, &sec, NULL) != CUSTOS_OK)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, out, "bad time '%s'", mtime);
    time_t t = (time_t)sec;
    struct custos_atomicfile *f = NULL;
    int rc = custos_atomicfile_create(&f, out, 0644, err);
    if (rc != CUSTOS_OK)
        return rc;
    struct archive *a = archive_write_new();
    if (a == NULL) {
        custos_atomicfile_free(f);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    archive_write_set_format_pax_restricted(a);
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open_fd(a, custos_atomicfile_fd(f)) != ARCHIVE_OK)
        rc = custos_error_set(err, CUSTOS_E_IO, archive_errno(a), out, "%s",
                              archive_error_string(a));
    if (rc == CUSTOS_OK)
        rc = add_file(a, dir, CUSTOS_DISPOSE_MANIFEST_FILE, t, err);
    if (rc == CUSTOS_OK)
        rc = add_file(a, dir, CUSTOS_DISPOSE_CERT_FILE, t, err);
    if (rc == CUSTOS_OK)
        rc = add_dir(a, dir, CUSTOS_DISPOSE_ATTACH_DIR, t, err);
    if (rc == CUSTOS_OK)
        rc = add_dir(a, dir, CUSTOS_DISPOSE_SIG_DIR, t, err);
    char tsr[PATH_MAX * 2];
    snprintf(tsr, sizeof(tsr), "%s/%s", dir, CUSTOS_DISPOSE_TIMESTAMP_FILE);
    if (rc == CUSTOS_OK && access(tsr, F_OK) == 0)
        rc = add_file(a, dir, CUSTOS_DISPOSE_TIMESTAMP_FILE, t, err);
    if (rc == CUSTOS_OK && archive_write_close(a) != ARCHIVE_OK)
        rc = custos_error_set(err, CUSTOS_E_IO, archive_errno(a), out, "%s",
                              archive_error_string(a));
    archive_write_free(a);
    if (rc == CUSTOS_OK) {
        rc = custos_atomicfile_close(f);
        if (rc != CUSTOS_OK)
            custos_error_copy(err, custos_atomicfile_error(f));
    }
    custos_atomicfile_free(f);
    return rc;
}
