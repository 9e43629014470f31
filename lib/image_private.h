/* SPDX-License-Identifier: ISC */
/*
 * image_private.h: the image writers behind custos-acquire, one backend per
 * file (image_raw.c, image_ewf.c), and the chunk packer the acquisition
 * pipeline runs on several threads at once.
 *
 * A writer receives the medium's bytes in order. The EWF writer receives them
 * already packed (compressed or not, with their checksum) so that compression
 * can run in parallel: each pipeline worker owns one struct custos__packer
 * (its own reused zlib state) and packs whole chunks; the single writer thread
 * then hands the packed chunks to libewf in order.
 *
 * Writers create their files inside a staging directory and list them by
 * custos__image_file(); the caller publishes them. Nothing here refuses to
 * overwrite, because nothing here writes outside the staging directory.
 */
#ifndef CUSTOS_IMAGE_PRIVATE_H
#define CUSTOS_IMAGE_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "image_private.h is internal to libcustos"
#endif

#include <stddef.h>
#include <stdint.h>

#include "custos/acquire.h"
#include "custos/digest.h"
#include "custos/error.h"

#define CUSTOS__EWF_SECTORS_PER_CHUNK 64

struct custos__image;
struct custos__ewf_staged;

/* What a writer needs to know; strings may be NULL. */
struct custos__image_setup {
    const struct custos_acquire_options *opt; /* format, compression, segment size, case data */
    const char *staging_dir;                  /* where the files are created */
    const char *base_name;                    /* final base name: "disk" for disk.E01, "disk.raw" */
    uint64_t media_bytes;                     /* 0 when unknown (a stream) */
    uint32_t sector_bytes;
    const char *model, *serial;        /* block devices */
    int physical;                      /* the source is a physical device */
    enum custos_media_type media_type; /* never CUSTOS_MEDIA_AUTO (media.c chose) */
    int resume; /* raw: the files exist from an interrupted run; custos__image_raw_resume */
    struct custos__ewf_staged *ewf_staged; /* EWF: an interrupted run's set, taken up; or NULL */
};

int custos__image_create(struct custos__image **out, const struct custos__image_setup *setup,
                         struct custos_error *err);

/* Raw: appends bytes. */
int custos__image_write(struct custos__image *img, const void *buf, size_t len);

/* EWF: appends one packed chunk (see custos__packer_pack). */
int custos__image_write_packed(struct custos__image *img, const uint8_t *packed, size_t packed_len,
                               size_t data_len, int compressed, uint32_t checksum);

/* EWF: the chunk size in bytes (sectors per chunk times sector size); raw: 0. */
size_t custos__image_chunk_bytes(const struct custos__image *img);

/* Records a range of sectors that could not be read (EWF: acquiry errors). */
int custos__image_add_error(struct custos__image *img, uint64_t first_sector, uint64_t count);

/* Stores the medium's digests where the format can hold them, then finishes the files. */
int custos__image_finish(struct custos__image *img, const struct custos_digest_result *digests);

/* The number of files written, and the plain name of each (valid until _free). */
size_t custos__image_file_count(const struct custos__image *img);
const char *custos__image_file(const struct custos__image *img, size_t i);

const struct custos_error *custos__image_error(const struct custos__image *img);
void custos__image_free(struct custos__image *img);

/* A per-thread chunk compressor with its own reused deflate state. */
struct custos__packer;

int custos__packer_new(struct custos__packer **out, enum custos_compression compression,
                       size_t chunk_bytes, struct custos_error *err);

/*
 * Packs one chunk of len bytes (at most the chunk size) into out (room for
 * custos__packer_bound(chunk) bytes): zlib-compressed when compression is on
 * and it makes the chunk smaller, else the data as is. *checksum is the
 * chunk's EWF checksum (Adler-32 of the data, or the zlib stream's own).
 */
int custos__packer_pack(struct custos__packer *p, const uint8_t *data, size_t len, uint8_t *out,
                        size_t *out_len, int *compressed, uint32_t *checksum);

size_t custos__packer_bound(size_t chunk_bytes);
void custos__packer_free(struct custos__packer *p);

/* Backend interface (image.c dispatches; image_raw.c and image_ewf.c implement). */
struct custos__image_ops {
    int (*write)(struct custos__image *img, const void *buf, size_t len);
    int (*write_packed)(struct custos__image *img, const uint8_t *packed, size_t packed_len,
                        size_t data_len, int compressed, uint32_t checksum);
    int (*add_error)(struct custos__image *img, uint64_t first_sector, uint64_t count);
    int (*finish)(struct custos__image *img, const struct custos_digest_result *digests);
    void (*free)(void *state);
};

struct custos__image {
    const struct custos__image_ops *ops;
    void *state; /* the backend's */
    const struct custos__image_setup *setup;
    size_t chunk_bytes; /* EWF only */
    char **files;       /* plain names inside the staging directory */
    size_t nfiles, capfiles;
    int dead; /* a write failed: every later call fails */
    struct custos_error err;
};

/* Backends: set img->ops, img->state (and chunk_bytes), or fail with img->err. */
int custos__image_raw_create(struct custos__image *img);
int custos__image_ewf_create(struct custos__image *img);

/*
 * Raw, created with setup->resume: takes up the staged files of an
 * interrupted run, keeping their first kept bytes (verified by the caller):
 * the files before are made read-only, the one holding byte kept is cut
 * there and appended to, and any after it are removed.
 */
int custos__image_raw_resume(struct custos__image *img, uint64_t kept);

/*
 * EWF: an interrupted run's E01 set in staging directory dir (BASE.E01 ...),
 * opened through libewf to resume writing (LIBEWF_OPEN_WRITE_RESUME) without
 * its last segment file (which may be torn; removed when an image takes the
 * set up). libewf resumes after the last chunk table it reads whole:
 * *resume_at is that media offset. A set of one segment file, one libewf
 * cannot open, or one it would resume past the media size, is removed and
 * *out is NULL, *resume_at 0: the image is written anew. why (may be NULL)
 * receives the reason in that case. Nothing is changed on disk before an
 * image takes the set up, so a refused resumption leaves it as it was.
 */
int custos__ewf_staged_open(struct custos__ewf_staged **out, const char *dir, const char *base,
                            uint64_t media_bytes, uint64_t *resume_at, char *why, size_t whylen,
                            struct custos_error *err);

/*
 * Reads len media bytes at offset of the staged set through libewf, which
 * checks each chunk's Adler-32: 0, or -1 when a read fails or a chunk's
 * checksum does not match (libewf counts it; its zero fill is not taken).
 */
int custos__ewf_staged_read(struct custos__ewf_staged *s, uint64_t offset, uint8_t *buf,
                            size_t len);

/* EWF with setup->ewf_staged: the next chunk written is the one at offset (the kept bytes' end). */
int custos__image_ewf_resume(struct custos__image *img, uint64_t offset);

/* Frees s, and its libewf handle unless an image took it. NULL: nothing. */
void custos__ewf_staged_free(struct custos__ewf_staged *s);

/* Appends a file name to img's list. */
int custos__image_add_file(struct custos__image *img, const char *name);

#endif
