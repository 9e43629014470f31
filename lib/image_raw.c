/* SPDX-License-Identifier: ISC */
/*
 * image_raw.c: the raw image writer: the medium's bytes in one file, or in
 * segments of a fixed size named BASE.001, BASE.002, ... (the names
 * custos_source_open() reads back as one medium, as do ewfexport, dc3dd's
 * ofs= and The Sleuth Kit).
 */
#include "image_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil_private.h"

struct raw {
    int fd;                 /* the current file, -1 between segments */
    unsigned segment;       /* 1-based number of the current file */
    uint64_t written;       /* bytes in the current file */
    uint64_t flushing;      /* start of the range whose writeback was started last */
    uint64_t flushed;       /* end of that range */
    uint64_t segment_bytes; /* 0: one file */
};

static int
open_next(struct custos__image *img, struct raw *r)
{
    const struct custos__image_setup *su = img->setup;
    char name[4096], path[8192];
    if (r->segment_bytes == 0)
        snprintf(name, sizeof(name), "%s", su->base_name);
    else
        snprintf(name, sizeof(name), "%s.%03u", su->base_name, r->segment + 1);
    snprintf(path, sizeof(path), "%s/%s", su->staging_dir, name);
    r->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (r->fd < 0)
        return custos_error_set(&img->err, CUSTOS_E_IO, errno, name, "cannot create image file");
    r->segment++;
    r->written = 0;
    r->flushing = r->flushed = 0;
    return custos__image_add_file(img, name);
}

/* Finishes the current file: flush it to disk and make it read-only. */
static int
close_current(struct custos__image *img, struct raw *r)
{
    if (r->fd < 0)
        return CUSTOS_OK;
    const char *name = img->files[img->nfiles - 1];
    int rc = CUSTOS_OK;
    if (fsync(r->fd) != 0)
        rc = custos_error_set(&img->err, CUSTOS_E_IO, errno, name, "cannot flush to disk");
    else if (fchmod(r->fd, 0444) != 0)
        rc = custos_error_set(&img->err, CUSTOS_E_IO, errno, name, "cannot make read-only");
    if (close(r->fd) != 0 && rc == CUSTOS_OK)
        rc = custos_error_set(&img->err, CUSTOS_E_IO, errno, name, "cannot close");
    r->fd = -1;
    return rc;
}

/*
 * The final fsync would otherwise find the whole image still dirty in the
 * page cache (the kernel's background threshold is a share of RAM) and write
 * it all while the pass is already over. Starting the writeback of every
 * WRITEBACK_BYTES as it fills overlaps the disk with reading and hashing, and
 * waiting for the range before bounds the dirty pages an acquisition leaves
 * behind. Best effort: fsync still decides, so a failure here changes nothing.
 */
#define WRITEBACK_BYTES (32u << 20)

static void
start_writeback(struct raw *r)
{
    if (r->written - r->flushed < WRITEBACK_BYTES)
        return;
    if (r->flushed > r->flushing)
        (void)sync_file_range(r->fd, (off_t)r->flushing, (off_t)(r->flushed - r->flushing),
                              SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                                  SYNC_FILE_RANGE_WAIT_AFTER);
    (void)sync_file_range(r->fd, (off_t)r->flushed, (off_t)(r->written - r->flushed),
                          SYNC_FILE_RANGE_WRITE);
    r->flushing = r->flushed;
    r->flushed = r->written;
}

static int
raw_write(struct custos__image *img, const void *buf, size_t len)
{
    struct raw *r = img->state;
    const uint8_t *p = buf;
    while (len > 0) {
        if (r->segment_bytes != 0 && r->written == r->segment_bytes) {
            int rc = close_current(img, r);
            if (rc == CUSTOS_OK)
                rc = open_next(img, r);
            if (rc != CUSTOS_OK)
                return rc;
        }
        size_t n = len;
        if (r->segment_bytes != 0 && n > r->segment_bytes - r->written)
            n = (size_t)(r->segment_bytes - r->written);
        if (custos__write_all(r->fd, p, n) != 0)
            return custos_error_set(&img->err, CUSTOS_E_IO, errno, img->files[img->nfiles - 1],
                                    "cannot write image");
        r->written += n;
        p += n;
        len -= n;
        start_writeback(r);
    }
    return CUSTOS_OK;
}

static int
raw_finish(struct custos__image *img, const struct custos_digest_result *digests)
{
    (void)digests; /* a raw image has nowhere to keep them: the record does */
    return close_current(img, img->state);
}

static void
raw_free(void *state)
{
    struct raw *r = state;
    if (r != NULL && r->fd >= 0)
        close(r->fd);
    free(r);
}

static const struct custos__image_ops raw_ops = {
    .write = raw_write,
    .finish = raw_finish,
    .free = raw_free,
};

int
custos__image_raw_create(struct custos__image *img)
{
    struct raw *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return custos_error_set(&img->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    r->fd = -1;
    r->segment_bytes = img->setup->opt->segment_bytes;
    img->ops = &raw_ops;
    img->state = r;
    if (img->setup->resume)
        return CUSTOS_OK; /* custos__image_raw_resume opens the files */
    /* The first file exists from the start, so an empty medium still yields one. */
    return open_next(img, r);
}

/* Segment k's plain name (1-based), or the single file's. */
static void
file_name(const struct custos__image *img, const struct raw *r, unsigned k, char *buf, size_t len)
{
    if (r->segment_bytes == 0)
        snprintf(buf, len, "%s", img->setup->base_name);
    else
        snprintf(buf, len, "%s.%03u", img->setup->base_name, k);
}

int
custos__image_raw_resume(struct custos__image *img, uint64_t kept)
{
    struct raw *r = img->state;
    uint64_t seg = r->segment_bytes;
    /* full: files wholly kept; the next one, when it holds kept bytes, is appended to. */
    unsigned full = seg ? (unsigned)(kept / seg) : 0;
    uint64_t rest = seg ? kept % seg : kept;
    int append = seg == 0 || rest != 0 || kept == 0;
    char name[4096], path[8192];
    for (unsigned k = 1; k <= full; k++) {
        file_name(img, r, k, name, sizeof(name));
        snprintf(path, sizeof(path), "%s/%s", img->setup->staging_dir, name);
        if (chmod(path, 0444) != 0)
            return custos_error_set(&img->err, CUSTOS_E_IO, errno, name,
                                    "cannot take up the interrupted image");
        int rc = custos__image_add_file(img, name);
        if (rc != CUSTOS_OK)
            return rc;
    }
    /* Segments past the kept bytes were written after them: not kept. */
    for (unsigned k = full + 1 + (unsigned)append; seg != 0; k++) {
        file_name(img, r, k, name, sizeof(name));
        snprintf(path, sizeof(path), "%s/%s", img->setup->staging_dir, name);
        if (unlink(path) != 0)
            break;
    }
    r->segment = full;
    r->written = seg;
    if (!append)
        return CUSTOS_OK; /* the next write opens segment full + 1 */
    file_name(img, r, full + 1, name, sizeof(name));
    snprintf(path, sizeof(path), "%s/%s", img->setup->staging_dir, name);
    r->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (r->fd < 0 || ftruncate(r->fd, (off_t)rest) != 0 || lseek(r->fd, (off_t)rest, SEEK_SET) < 0)
        return custos_error_set(&img->err, CUSTOS_E_IO, errno, name,
                                "cannot take up the interrupted image");
    r->segment = full + 1;
    r->written = rest;
    r->flushing = r->flushed = rest;
    return custos__image_add_file(img, name);
}
