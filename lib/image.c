/* SPDX-License-Identifier: ISC */
/*
 * image.c: dispatch to the image backends, and the state they share: the
 * list of files written and the dead-after-failure rule (after one failed
 * write, every later call returns that same error, so a caller that misses
 * one return value still cannot publish a short image).
 */
#include "image_private.h"

#include <stdlib.h>
#include <string.h>

int
custos__image_create(struct custos__image **out, const struct custos__image_setup *setup,
                     struct custos_error *err)
{
    *out = NULL;
    struct custos__image *img = calloc(1, sizeof(*img));
    if (img == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, setup->opt->output, "out of memory");
    img->setup = setup;
    int rc = setup->opt->format == CUSTOS_IMAGE_EWF ? custos__image_ewf_create(img)
                                                    : custos__image_raw_create(img);
    if (rc != CUSTOS_OK) {
        custos_error_copy(err, &img->err);
        custos__image_free(img);
        return rc;
    }
    *out = img;
    return CUSTOS_OK;
}

int
custos__image_add_file(struct custos__image *img, const char *name)
{
    if (img->nfiles == img->capfiles) {
        size_t cap = img->capfiles ? img->capfiles * 2 : 8;
        char **f = realloc(img->files, cap * sizeof(*f));
        if (f == NULL)
            return custos_error_set(&img->err, CUSTOS_E_NOMEM, 0, name, "out of memory");
        img->files = f;
        img->capfiles = cap;
    }
    if ((img->files[img->nfiles] = strdup(name)) == NULL)
        return custos_error_set(&img->err, CUSTOS_E_NOMEM, 0, name, "out of memory");
    img->nfiles++;
    return CUSTOS_OK;
}

#define GUARD(img)                                                                                 \
    do {                                                                                           \
        if ((img)->dead)                                                                           \
            return (img)->err.status;                                                              \
    } while (0)

static int
died(struct custos__image *img, int rc)
{
    if (rc != CUSTOS_OK)
        img->dead = 1;
    return rc;
}

int
custos__image_write(struct custos__image *img, const void *buf, size_t len)
{
    GUARD(img);
    if (img->ops->write == NULL)
        return died(img, custos_error_set(&img->err, CUSTOS_E_USAGE, 0, NULL,
                                          "custos__image_write on a chunked image"));
    return died(img, img->ops->write(img, buf, len));
}

int
custos__image_write_packed(struct custos__image *img, const uint8_t *packed, size_t packed_len,
                           size_t data_len, int compressed, uint32_t checksum)
{
    GUARD(img);
    if (img->ops->write_packed == NULL)
        return died(img, custos_error_set(&img->err, CUSTOS_E_USAGE, 0, NULL,
                                          "custos__image_write_packed on a raw image"));
    return died(img,
                img->ops->write_packed(img, packed, packed_len, data_len, compressed, checksum));
}

size_t
custos__image_chunk_bytes(const struct custos__image *img)
{
    return img->chunk_bytes;
}

int
custos__image_add_error(struct custos__image *img, uint64_t first_sector, uint64_t count)
{
    GUARD(img);
    if (img->ops->add_error == NULL)
        return CUSTOS_OK;
    return died(img, img->ops->add_error(img, first_sector, count));
}

int
custos__image_finish(struct custos__image *img, const struct custos_digest_result *digests)
{
    GUARD(img);
    return died(img, img->ops->finish(img, digests));
}

size_t
custos__image_file_count(const struct custos__image *img)
{
    return img->nfiles;
}

const char *
custos__image_file(const struct custos__image *img, size_t i)
{
    return i < img->nfiles ? img->files[i] : NULL;
}

const struct custos_error *
custos__image_error(const struct custos__image *img)
{
    return &img->err;
}

void
custos__image_free(struct custos__image *img)
{
    if (img == NULL)
        return;
    if (img->ops != NULL && img->ops->free != NULL)
        img->ops->free(img->state);
    for (size_t i = 0; i < img->nfiles; i++)
        free(img->files[i]);
    free(img->files);
    free(img);
}
