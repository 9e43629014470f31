/* SPDX-License-Identifier: ISC */
/*
 * fs_image.c: the image as The Sleuth Kit reads it in fs.c. Raw, split raw
 * and E01 images are read through custos_source and handed to TSK as an
 * external image: TSK's own EWF reader zero-fills a chunk that fails its
 * checksum and reports success, and its raw reader knows fewer split
 * namings. A read that fails is retried a sector at a time; the sectors that
 * still fail are given to TSK as zeros and remembered (struct extimg), so
 * that every file and volume they touch is flagged rather than hashed as if
 * clean.
 */
#include "custos/fs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_private.h"

const char *
custos__fs_tsk_msg(void)
{
    const char *s = tsk_error_get();
    return s != NULL ? s : "unknown error";
}

/* Adds [a, b) to x's damaged ranges, keeping them sorted and merged. */
static void
note_bad(struct extimg *x, uint64_t a, uint64_t b)
{
    size_t i = 0;
    while (i < x->nbad && x->bad[2 * i + 1] < a)
        i++;
    if (i < x->nbad && x->bad[2 * i] <= b) { /* overlaps or touches range i */
        if (a < x->bad[2 * i])
            x->bad[2 * i] = a;
        if (b > x->bad[2 * i + 1])
            x->bad[2 * i + 1] = b;
        /* It may now reach the following ones. */
        size_t j = i + 1;
        while (j < x->nbad && x->bad[2 * j] <= x->bad[2 * i + 1]) {
            if (x->bad[2 * j + 1] > x->bad[2 * i + 1])
                x->bad[2 * i + 1] = x->bad[2 * j + 1];
            j++;
        }
        memmove(&x->bad[2 * (i + 1)], &x->bad[2 * j], (x->nbad - j) * 2 * sizeof(*x->bad));
        x->nbad -= j - i - 1;
        return;
    }
    if (x->nbad == x->capbad) {
        size_t cap = x->capbad ? x->capbad * 2 : 16;
        uint64_t *p = realloc(x->bad, cap * 2 * sizeof(*p));
        if (p == NULL) {
            /* Out of memory: widen the last range so the damage is never lost. */
            if (x->nbad > 0 && x->bad[2 * x->nbad - 1] < b)
                x->bad[2 * x->nbad - 1] = b;
            return;
        }
        x->bad = p;
        x->capbad = cap;
    }
    memmove(&x->bad[2 * (i + 1)], &x->bad[2 * i], (x->nbad - i) * 2 * sizeof(*x->bad));
    x->bad[2 * i] = a;
    x->bad[2 * i + 1] = b;
    x->nbad++;
}

static ssize_t
ext_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf, size_t len)
{
    struct extimg *x = (struct extimg *)img;
    size_t got = 0;
    if (off < 0)
        return -1;
    if (custos_source_read(x->src, (uint64_t)off, buf, len, 0, &got) == CUSTOS_OK)
        return (ssize_t)got;
    /* Sector by sector: only the sectors that still fail are zero-filled. */
    uint32_t sector = custos_source_info(x->src)->logical_sector_bytes;
    size_t done = 0;
    while (done < len) {
        uint64_t at = (uint64_t)off + done;
        size_t want = sector - (size_t)(at % sector);
        if (want > len - done)
            want = len - done;
        got = 0;
        if (custos_source_read(x->src, at, buf + done, want, 0, &got) != CUSTOS_OK) {
            if (x->nbad == 0)
                snprintf(x->why, sizeof(x->why), "%s",
                         custos_source_info(x->src)->kind == CUSTOS_SOURCE_EWF
                             ? "E01 chunks that fail their checksum or cannot be read"
                             : custos_source_error(x->src)->message);
            memset(buf + done, 0, want);
            note_bad(x, at, at + want);
        } else if (got < want) {
            memset(buf + done + got, 0, want - got);
        }
        done += want;
    }
    return (ssize_t)len;
}

static void
ext_close(TSK_IMG_INFO *img)
{
    struct extimg *x = (struct extimg *)img;
    custos_source_free(x->src);
    free(x->bad);
    free(x);
}

static void
ext_stat(TSK_IMG_INFO *img, FILE *f)
{
    (void)img;
    fprintf(f, "custos source\n");
}

/* Opens image through custos_source as a TSK image; NULL with err set. */
TSK_IMG_INFO *
custos__fs_image_open(const char *image, struct extimg **out, struct custos_error *err)
{
    struct extimg *x = calloc(1, sizeof(*x));
    if (x == NULL) {
        custos_error_set(err, CUSTOS_E_NOMEM, 0, image, "out of memory");
        return NULL;
    }
    int rc = custos_source_open(&x->src, image, err);
    if (rc != CUSTOS_OK) {
        free(x);
        return NULL;
    }
    const struct custos_source_info *si = custos_source_info(x->src);
    if (!si->size_known || si->kind == CUSTOS_SOURCE_STREAM) {
        custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, image, "not an image file");
        custos_source_free(x->src);
        free(x);
        return NULL;
    }
    TSK_IMG_INFO *img = tsk_img_open_external(
        x, (TSK_OFF_T)si->size_bytes, si->logical_sector_bytes, ext_read, ext_close, ext_stat);
    if (img == NULL) {
        custos_error_set(err, CUSTOS_E_IO, 0, image, "cannot open image: %s", custos__fs_tsk_msg());
        custos_source_free(x->src);
        free(x);
        return NULL;
    }
    *out = x;
    return img;
}

/* The first damaged range overlapping [a, b), or NULL. */
const uint64_t *
custos__fs_bad_in(const struct extimg *x, uint64_t a, uint64_t b, size_t *count)
{
    const uint64_t *first = NULL;
    *count = 0;
    for (size_t i = 0; x != NULL && i < x->nbad; i++)
        if (x->bad[2 * i] < b && a < x->bad[2 * i + 1]) {
            if (first == NULL)
                first = &x->bad[2 * i];
            (*count)++;
        }
    return first;
}
