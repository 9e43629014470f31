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

/* Lists the segment files libewf created in the staging directory, in order. */
static int
list_segments(struct custos__image *img)
{
    const struct custos__image_setup *su = img->setup;
    DIR *d = opendir(su->staging_dir);
    if (d == NULL)
        return custos_error_set(&img->err, CUSTOS_E_IO, errno, su->staging_dir,
                                "cannot list the image segments");
    size_t blen = strlen(su->base_name);
    struct dirent *de;
    int rc = CUSTOS_OK;
    while ((de = readdir(d)) != NULL && rc == CUSTOS_OK) {
        const char *n = de->d_name;
        if (strncmp(n, su->base_name, blen) == 0 && n[blen] == '.' &&
            (n[blen + 1] == 'E' || n[blen + 1] == 'e') && strlen(n + blen + 1) == 3)
            rc = custos__image_add_file(img, n);
    }
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
    if ((dg->algs & CUSTOS_DIGEST_MD5) &&
        libewf_handle_set_md5_hash(w->h, (uint8_t *)dg->md5, 16, &e) != 1)
        return fail(img, &e, "cannot store the MD5");
    if ((dg->algs & CUSTOS_DIGEST_SHA1) &&
        libewf_handle_set_sha1_hash(w->h, (uint8_t *)dg->sha1, 20, &e) != 1)
        return fail(img, &e, "cannot store the SHA-1");
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
