/* SPDX-License-Identifier: ISC */
/*
 * image_ewf.c: the E01 writer (EnCase 6 through libewf) and the chunk packer.
 *
 * libewf 20140813 compresses on the calling thread, one chunk at a time, and
 * starts a new deflate stream for each (ewfacquire -c fast: 37 MB/s on one
 * core). custos packs chunks itself, on as many threads as there are cores,
 * each with one deflate state reused through deflateReset(), and hands the
 * packed chunks to libewf_handle_write_chunk() in order. The bytes in the file
 * are those libewf would write: a chunk is stored deflated (a zlib stream,
 * whose Adler-32 trailer is the chunk's checksum) when that is smaller than
 * the chunk, else stored as is followed by its Adler-32.
 *
 * "fast" first deflates the chunk's first 8 KiB with a sync flush; when that
 * does not shrink, the chunk is stored without compressing the rest (random
 * or encrypted data, which would cost a full deflate pass for nothing). The
 * stream stays a valid zlib stream either way; only the size can differ
 * from a full attempt. "best" always deflates the whole chunk.
 */
#include "image_private.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libewf.h>
#include <openssl/rand.h>
#include <zlib.h>

#include "custos/custos.h"
#include "ewf_private.h"

#define PROBE_BYTES 8192 /* "fast": the head deflated first to judge the chunk */

struct custos__packer {
    z_stream z;
    int level;      /* zlib level; 0: never compress */
    int empty_only; /* compress only chunks of one repeated byte */
    int probe;      /* judge by the first PROBE_BYTES */
    size_t chunk_bytes;
};

size_t
custos__packer_bound(size_t chunk_bytes)
{
    return chunk_bytes + 16; /* stored data plus its checksum; deflated is always smaller */
}

int
custos__packer_new(struct custos__packer **out, enum custos_compression compression,
                   size_t chunk_bytes, struct custos_error *err)
{
    *out = NULL;
    struct custos__packer *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    p->chunk_bytes = chunk_bytes;
    switch (compression) {
    case CUSTOS_COMPRESSION_NONE:
        p->level = 0;
        break;
    case CUSTOS_COMPRESSION_EMPTY_BLOCK:
        p->level = 1;
        p->empty_only = 1;
        break;
    case CUSTOS_COMPRESSION_FAST:
        p->level = 1;
        p->probe = 1;
        break;
    case CUSTOS_COMPRESSION_BEST:
        p->level = 9;
        break;
    }
    if (p->level > 0 && deflateInit(&p->z, p->level) != Z_OK) {
        free(p);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "cannot set up zlib");
    }
    *out = p;
    return CUSTOS_OK;
}

void
custos__packer_free(struct custos__packer *p)
{
    if (p == NULL)
        return;
    if (p->level > 0)
        deflateEnd(&p->z);
    free(p);
}

static int
one_byte(const uint8_t *d, size_t len)
{
    return len > 0 && d[0] == d[len - 1] && memcmp(d, d + 1, len - 1) == 0;
}

/* Deflates data into out (at most len - 1 bytes); returns the size, or 0 when it does not shrink.
 */
static size_t
deflate_chunk(struct custos__packer *p, const uint8_t *data, size_t len, uint8_t *out)
{
    z_stream *z = &p->z;
    deflateReset(z);
    z->next_in = (Bytef *)data;
    z->next_out = out;
    z->avail_out = (uInt)(len - 1);
    if (p->probe && len > 2 * PROBE_BYTES) {
        z->avail_in = PROBE_BYTES;
        if (deflate(z, Z_SYNC_FLUSH) != Z_OK || z->total_out >= PROBE_BYTES)
            return 0;
        z->avail_in = (uInt)(len - PROBE_BYTES);
    } else {
        z->avail_in = (uInt)len;
    }
    if (deflate(z, Z_FINISH) != Z_STREAM_END)
        return 0; /* out of room: not smaller than the chunk */
    return z->total_out;
}

int
custos__packer_pack(struct custos__packer *p, const uint8_t *data, size_t len, uint8_t *out,
                    size_t *out_len, int *compressed, uint32_t *checksum)
{
    size_t n = 0;
    if (p->level > 0 && (!p->empty_only || one_byte(data, len)))
        n = deflate_chunk(p, data, len, out);
    if (n > 4) {
        *out_len = n;
        *compressed = 1;
        memcpy(checksum, out + n - 4, 4); /* as libewf takes it from the zlib trailer */
        return CUSTOS_OK;
    }
    memcpy(out, data, len);
    *out_len = len;
    *compressed = 0;
    *checksum = (uint32_t)adler32(1, data, (uInt)len);
    return CUSTOS_OK;
}

struct ewf {
    libewf_handle_t *h;
    int resumed;  /* taken up from an interrupted run (custos__ewf_staged_open) */
    char *target; /* staging/base, the name given to libewf */
};

static int
fail(struct custos__image *img, libewf_error_t **e, const char *what)
{
    return custos__ewf_error(&img->err, CUSTOS_E_IO, img->setup->opt->output, e, what);
}

static int
ewf_write_packed(struct custos__image *img, const uint8_t *packed, size_t packed_len,
                 size_t data_len, int compressed, uint32_t checksum)
{
    struct ewf *w = img->state;
    libewf_error_t *e = NULL;
    uint8_t sum[4];
    if (!compressed) {
        /* Stored chunks carry their Adler-32 little-endian after the data. */
        sum[0] = (uint8_t)checksum;
        sum[1] = (uint8_t)(checksum >> 8);
        sum[2] = (uint8_t)(checksum >> 16);
        sum[3] = (uint8_t)(checksum >> 24);
    }
    ssize_t r = libewf_handle_write_chunk(w->h, packed, packed_len, data_len, (int8_t)compressed,
                                          sum, checksum, (int8_t)!compressed, &e);
    if (r < 0 || (size_t)r != packed_len)
        return fail(img, &e, "cannot write chunk");
    return CUSTOS_OK;
}

static int
ewf_add_error(struct custos__image *img, uint64_t first_sector, uint64_t count)
{
    struct ewf *w = img->state;
    libewf_error_t *e = NULL;
    if (libewf_handle_append_acquiry_error(w->h, first_sector, count, &e) != 1)
        return fail(img, &e, "cannot record a read error in the image");
    return CUSTOS_OK;
}

static int
cmp_names(const void *a, const void *b)
{
    /* E01..E99 sort before EAA..EZZ because digits precede letters. */
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether n is one of base's segment file names (BASE.E01 ... BASE.EZZ). */
static int
segment_name(const char *n, const char *base)
{
    size_t blen = strlen(base);
    return strncmp(n, base, blen) == 0 && n[blen] == '.' &&
           (n[blen + 1] == 'E' || n[blen + 1] == 'e') && strlen(n + blen + 1) == 3;
}

/* Lists the segment files libewf created in the staging directory, in order. */
static int
list_segments(struct custos__image *img)
{
    const struct custos__image_setup *su = img->setup;
    DIR *d = opendir(su->staging_dir);
    if (d == NULL)
        return custos_error_set(&img->err, CUSTOS_E_IO, errno, su->staging_dir,
                                "cannot list the image segments");
    struct dirent *de;
    int rc = CUSTOS_OK;
    while ((de = readdir(d)) != NULL && rc == CUSTOS_OK)
        if (segment_name(de->d_name, su->base_name))
            rc = custos__image_add_file(img, de->d_name);
    closedir(d);
    if (rc == CUSTOS_OK)
        qsort(img->files, img->nfiles, sizeof(*img->files), cmp_names);
    return rc;
}

static int
ewf_finish(struct custos__image *img, const struct custos_digest_result *dg)
{
    struct ewf *w = img->state;
    libewf_error_t *e = NULL;
    char hex[CUSTOS_DIGEST_HEX_MAX];
    if (w->resumed) {
        /* libewf 20140813 refuses set_md5_hash on a handle opened to resume ("MD5 hash cannot
         * be changed": it has a read side); the hash values are written to the same sections. */
        const char *ids[] = {"MD5", "SHA1"};
        const unsigned algs[] = {CUSTOS_DIGEST_MD5, CUSTOS_DIGEST_SHA1};
        for (size_t i = 0; i < 2; i++)
            if (custos_digest_hex(dg, algs[i], hex) == CUSTOS_OK &&
                libewf_handle_set_utf8_hash_value(w->h, (const uint8_t *)ids[i], strlen(ids[i]),
                                                  (const uint8_t *)hex, strlen(hex), &e) != 1)
                return fail(img, &e, "cannot store a digest in the image");
    } else {
        if ((dg->algs & CUSTOS_DIGEST_MD5) &&
            libewf_handle_set_md5_hash(w->h, (uint8_t *)dg->md5, 16, &e) != 1)
            return fail(img, &e, "cannot store the MD5");
        if ((dg->algs & CUSTOS_DIGEST_SHA1) &&
            libewf_handle_set_sha1_hash(w->h, (uint8_t *)dg->sha1, 20, &e) != 1)
            return fail(img, &e, "cannot store the SHA-1");
    }
    /* EnCase 6 has no SHA-256 field; libewf keeps it only in formats that do. */
    if (custos_digest_hex(dg, CUSTOS_DIGEST_SHA256, hex) == CUSTOS_OK)
        libewf_handle_set_utf8_hash_value(w->h, (const uint8_t *)"SHA256", 6, (const uint8_t *)hex,
                                          64, NULL);
    if (libewf_handle_write_finalize(w->h, &e) < 0)
        return fail(img, &e, "cannot finish the image");
    if (libewf_handle_close(w->h, &e) != 0)
        return fail(img, &e, "cannot close the image");
    libewf_handle_free(&w->h, NULL);
    int rc = list_segments(img);
    for (size_t i = 0; rc == CUSTOS_OK && i < img->nfiles; i++) {
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s", img->setup->staging_dir, img->files[i]);
        if (chmod(path, 0444) != 0)
            rc = custos_error_set(&img->err, CUSTOS_E_IO, errno, img->files[i],
                                  "cannot make read-only");
    }
    return rc;
}

struct custos__ewf_staged {
    libewf_handle_t *h; /* lent to the pass's reads; the image takes it for its writes */
    char *last;         /* the segment file left out (open_resume), removed when taken */
    int taken;
    uint32_t checksum_errors; /* libewf's count so far */
};

/* Removes base's segment files from dir: a set that is not taken up. */
static int
remove_segments(const char *dir, const char *base, struct custos_error *err)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return custos_error_set(err, CUSTOS_E_IO, errno, dir, "cannot list the staged E01 set");
    struct dirent *de;
    int rc = CUSTOS_OK;
    while ((de = readdir(d)) != NULL && rc == CUSTOS_OK)
        if (segment_name(de->d_name, base) && unlinkat(dirfd(d), de->d_name, 0) != 0)
            rc = custos_error_set(err, CUSTOS_E_IO, errno, de->d_name,
                                  "cannot remove the staged E01 segment");
    closedir(d);
    return rc;
}

/*
 * Opens the set for resumed writing; *why says why not (libewf's message),
 * then NULL. The last segment file is left out (*last: its name, removed
 * when an image takes the set up): the interrupted run may have torn it, and
 * libewf 20140813 then resumes at the end of the segment before it while
 * keeping the torn one's chunk entries, so that its next chunk write fails
 * ("invalid chunk: N already exists"). Without it, libewf takes the set up
 * after the last whole segment, which ends in a "next" section; with one
 * segment only, there is nothing to take up.
 */
static libewf_handle_t *
open_resume(const char *first, uint64_t *at, char **last, char *why, size_t whylen)
{
    libewf_error_t *e = NULL;
    libewf_handle_t *h = NULL;
    char **names = NULL;
    int n = 0;
    off64_t off = 0;
    int ok = libewf_glob(first, strlen(first), LIBEWF_FORMAT_UNKNOWN, &names, &n, &e) == 1;
    if (ok && n < 2)
        snprintf(why, whylen, "no whole segment file was written before the interruption");
    else if (ok && (*last = strdup(names[n - 1])) == NULL)
        snprintf(why, whylen, "out of memory");
    else if (ok)
        ok = libewf_handle_initialize(&h, &e) == 1 &&
             libewf_handle_open(h, names, n - 1, LIBEWF_OPEN_WRITE_RESUME, &e) == 1 &&
             libewf_handle_get_offset(h, &off, &e) == 1 && off >= 0;
    if (!ok) {
        why[0] = '\0';
        if (e != NULL)
            libewf_error_sprint(e, why, whylen); /* its first line names the cause */
        why[strcspn(why, "\r\n")] = '\0';
        libewf_error_free(&e);
    }
    if (!ok && h != NULL) {
        libewf_handle_close(h, NULL);
        libewf_handle_free(&h, NULL);
    }
    if (names != NULL)
        libewf_glob_free(names, n, NULL);
    *at = (uint64_t)off;
    return h;
}

int
custos__ewf_staged_open(struct custos__ewf_staged **out, const char *dir, const char *base,
                        uint64_t media_bytes, uint64_t *resume_at, char *why, size_t whylen,
                        struct custos_error *err)
{
    *out = NULL;
    *resume_at = 0;
    char first[8192], msg[512] = "";
    snprintf(first, sizeof(first), "%s/%s.E01", dir, base);
    struct stat sb;
    libewf_handle_t *h = NULL;
    uint64_t at = 0;
    char *last = NULL;
    if (stat(first, &sb) != 0)
        snprintf(msg, sizeof(msg), "no segment file was written");
    else if ((h = open_resume(first, &at, &last, msg, sizeof(msg))) != NULL && at > media_bytes) {
        /* A finished set: libewf resumes past the media; the hash and done sections are
         * written already, so it is not taken up. */
        snprintf(msg, sizeof(msg), "the set was finished before the interruption");
        libewf_handle_close(h, NULL);
        libewf_handle_free(&h, NULL);
    }
    if (why != NULL)
        snprintf(why, whylen, "%s", msg);
    if (h == NULL) {
        free(last);
        return remove_segments(dir, base, err);
    }
    struct custos__ewf_staged *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        free(last);
        libewf_handle_close(h, NULL);
        libewf_handle_free(&h, NULL);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    s->h = h;
    s->last = last;
    libewf_handle_get_number_of_checksum_errors(h, &s->checksum_errors, NULL);
    *out = s;
    *resume_at = at;
    return CUSTOS_OK;
}

int
custos__ewf_staged_read(struct custos__ewf_staged *s, uint64_t offset, uint8_t *buf, size_t len)
{
    uint32_t errors = 0;
    if (libewf_handle_seek_offset(s->h, (off64_t)offset, SEEK_SET, NULL) != (off64_t)offset ||
        libewf_handle_read_buffer(s->h, buf, len, NULL) != (ssize_t)len ||
        libewf_handle_get_number_of_checksum_errors(s->h, &errors, NULL) != 1 ||
        errors != s->checksum_errors) {
        s->checksum_errors = errors;
        return -1;
    }
    return 0;
}

void
custos__ewf_staged_free(struct custos__ewf_staged *s)
{
    if (s == NULL)
        return;
    if (!s->taken && s->h != NULL) {
        libewf_handle_close(s->h, NULL);
        libewf_handle_free(&s->h, NULL);
    }
    free(s->last);
    free(s);
}

int
custos__image_ewf_resume(struct custos__image *img, uint64_t offset)
{
    struct ewf *w = img->state;
    libewf_error_t *e = NULL;
    if (libewf_handle_seek_offset(w->h, (off64_t)offset, SEEK_SET, &e) != (off64_t)offset)
        return fail(img, &e, "cannot take up the interrupted E01 set");
    return CUSTOS_OK;
}

static void
ewf_free(void *state)
{
    struct ewf *w = state;
    if (w == NULL)
        return;
    if (w->h != NULL) {
        libewf_handle_close(w->h, NULL);
        libewf_handle_free(&w->h, NULL);
    }
    free(w->target);
    free(w);
}

static const struct custos__image_ops ewf_ops = {
    .write_packed = ewf_write_packed,
    .add_error = ewf_add_error,
    .finish = ewf_finish,
    .free = ewf_free,
};

/* docs/formats/acquisition-record.md lists the same mapping. */
static uint8_t
ewf_media_type(enum custos_media_type t)
{
    switch (t) {
    case CUSTOS_MEDIA_REMOVABLE:
        return LIBEWF_MEDIA_TYPE_REMOVABLE;
    case CUSTOS_MEDIA_OPTICAL:
        return LIBEWF_MEDIA_TYPE_OPTICAL;
    case CUSTOS_MEDIA_MEMORY:
        return LIBEWF_MEDIA_TYPE_MEMORY;
    default:
        return LIBEWF_MEDIA_TYPE_FIXED;
    }
}

static int
set_header(struct custos__image *img, const char *id, const char *value)
{
    struct ewf *w = img->state;
    libewf_error_t *e = NULL;
    if (value == NULL || value[0] == '\0')
        return CUSTOS_OK;
    if (libewf_handle_set_utf8_header_value(w->h, (const uint8_t *)id, strlen(id),
                                            (const uint8_t *)value, strlen(value), &e) != 1)
        return fail(img, &e, "cannot set an E01 header value");
    return CUSTOS_OK;
}

int
custos__image_ewf_create(struct custos__image *img)
{
    const struct custos__image_setup *su = img->setup;
    const struct custos_acquire_options *o = su->opt;
    libewf_error_t *e = NULL;
    struct ewf *w = calloc(1, sizeof(*w));
    size_t n = strlen(su->staging_dir) + strlen(su->base_name) + 2;
    if (w == NULL || (w->target = malloc(n)) == NULL) {
        free(w);
        return custos_error_set(&img->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    snprintf(w->target, n, "%s/%s", su->staging_dir, su->base_name);
    img->ops = &ewf_ops;
    img->state = w;
    img->chunk_bytes = (size_t)su->sector_bytes * CUSTOS__EWF_SECTORS_PER_CHUNK;

    if (su->ewf_staged != NULL) {
        /* Taken up: format, media values, headers and set identifier are the file's. */
        w->h = su->ewf_staged->h;
        w->resumed = 1;
        su->ewf_staged->taken = 1;
        if (unlink(su->ewf_staged->last) != 0 && errno != ENOENT)
            return custos_error_set(&img->err, CUSTOS_E_IO, errno, su->ewf_staged->last,
                                    "cannot remove the last segment of the interrupted set");
        return CUSTOS_OK;
    }
    char *names[1] = {w->target};
    if (libewf_handle_initialize(&w->h, &e) != 1)
        return fail(img, &e, "cannot set up libewf");
    if (libewf_handle_open(w->h, names, 1, LIBEWF_OPEN_WRITE, &e) != 1)
        return fail(img, &e, "cannot create the E01 set");

    int8_t level = LIBEWF_COMPRESSION_NONE;
    uint8_t flags = 0;
    switch (o->compression) {
    case CUSTOS_COMPRESSION_NONE:
        break;
    case CUSTOS_COMPRESSION_EMPTY_BLOCK:
        flags = LIBEWF_COMPRESS_FLAG_USE_EMPTY_BLOCK_COMPRESSION;
        break;
    case CUSTOS_COMPRESSION_FAST:
        level = LIBEWF_COMPRESSION_FAST;
        break;
    case CUSTOS_COMPRESSION_BEST:
        level = LIBEWF_COMPRESSION_BEST;
        break;
    }
    uint64_t segment = o->segment_bytes ? o->segment_bytes : CUSTOS_ACQUIRE_DEFAULT_EWF_SEGMENT;
    if (libewf_handle_set_format(w->h, LIBEWF_FORMAT_ENCASE6, &e) != 1 ||
        libewf_handle_set_bytes_per_sector(w->h, su->sector_bytes, &e) != 1 ||
        libewf_handle_set_sectors_per_chunk(w->h, CUSTOS__EWF_SECTORS_PER_CHUNK, &e) != 1 ||
        libewf_handle_set_compression_values(w->h, level, flags, &e) != 1 ||
        libewf_handle_set_maximum_segment_size(w->h, segment, &e) != 1 ||
        libewf_handle_set_media_type(w->h, ewf_media_type(su->media_type), &e) != 1 ||
        libewf_handle_set_media_flags(w->h, su->physical ? LIBEWF_MEDIA_FLAG_PHYSICAL : 0, &e) != 1)
        return fail(img, &e, "cannot set the E01 parameters (segment size too small?)");
    if (su->media_bytes != 0 && libewf_handle_set_media_size(w->h, su->media_bytes, &e) != 1)
        return fail(img, &e, "cannot set the media size");
    /* A random (version 4) GUID ties the segment files of one set together, as EnCase writes;
     * libewf leaves it all zeros. Errors are recorded per chunk, EnCase's default granularity. */
    uint8_t guid[16];
    if (RAND_bytes(guid, sizeof(guid)) != 1)
        return custos_error_set(&img->err, CUSTOS_E_IO, 0, NULL,
                                "cannot draw a random E01 set identifier");
    guid[7] = (uint8_t)((guid[7] & 0x0f) | 0x40); /* version 4, in the GUID byte order */
    guid[8] = (uint8_t)((guid[8] & 0x3f) | 0x80);
    if (libewf_handle_set_segment_file_set_identifier(w->h, guid, sizeof(guid), &e) != 1 ||
        libewf_handle_set_error_granularity(w->h, CUSTOS__EWF_SECTORS_PER_CHUNK, &e) != 1)
        return fail(img, &e, "cannot set the E01 set identifier or error granularity");

    /* EnCase headers have no authorisation field: it leads the notes. */
    const char *auth = o->authorisation != NULL && o->authorisation[0] != '\0'
                           ? o->authorisation
                           : "none (acquired with --no-authorisation)";
    const char *extra = o->notes != NULL ? o->notes : "";
    size_t nlen = strlen(auth) + strlen(extra) + 32;
    char *notes = malloc(nlen);
    if (notes == NULL)
        return custos_error_set(&img->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    snprintf(notes, nlen, "Authorisation: %s%s%s", auth, extra[0] ? "; " : "", extra);
    char version[64];
    snprintf(version, sizeof(version), "custos %s", custos_version());
    int rc = set_header(img, "case_number", o->case_number);
    if (rc == CUSTOS_OK)
        rc = set_header(img, "evidence_number", o->evidence_number);
    if (rc == CUSTOS_OK)
        rc = set_header(img, "examiner_name", o->examiner);
    if (rc == CUSTOS_OK)
        rc = set_header(img, "description", o->description);
    if (rc == CUSTOS_OK)
        rc = set_header(img, "notes", notes);
    free(notes);
    if (rc == CUSTOS_OK)
        rc = set_header(img, "acquiry_software_version", version);
    if (rc == CUSTOS_OK)
        rc = set_header(img, "acquiry_operating_system", "Linux");
    if (rc == CUSTOS_OK)
        rc = set_header(img, "model", su->model);
    if (rc == CUSTOS_OK)
        rc = set_header(img, "serial_number", su->serial);
    return rc;
}
