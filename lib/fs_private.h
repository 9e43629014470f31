/* SPDX-License-Identifier: ISC */
/*
 * fs_private.h: the walk state shared by fs.c (volumes, file systems,
 * entries), fs_image.c (the image as TSK reads it, through custos_source)
 * and fs_fat.c (FAT chain and directory checks).
 */
#ifndef CUSTOS_FS_PRIVATE_H
#define CUSTOS_FS_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "fs_private.h is internal to libcustos"
#endif

#include <stddef.h>
#include <stdint.h>

#include <tsk/libtsk.h>

#include "custos/digest.h"
#include "custos/error.h"
#include "custos/manifest.h"
#include "custos/progress.h"
#include "custos/source.h"
#include "filetype_private.h"

/*
 * Raw, split raw and E01 images are read through custos_source, handed to
 * TSK as an external image: TSK's own EWF reader zero-fills a chunk that
 * fails its checksum and reports success, and its raw reader knows fewer
 * split namings. A read that fails is retried a sector at a time; the
 * sectors that still fail are given to TSK as zeros and remembered here, so
 * that every file and volume they touch is flagged rather than hashed as if
 * clean.
 */
struct extimg {
    TSK_IMG_INFO info; /* first: TSK takes a pointer to it as the image */
    struct custos_source *src;
    uint64_t *bad; /* sorted, disjoint [start, end) image byte ranges read as zeros */
    size_t nbad, capbad;
    char why[CUSTOS_ERROR_MESSAGE_MAX]; /* the source's message for the first */
};

struct fatdir {
    TSK_INUM_T addr;
    char *path;    /* as fls -p prints it, "" for the root */
    size_t listed; /* allocated names TSK listed in it */
};

struct fswalk {
    struct custos_manifest *m;
    struct extimg *x; /* NULL for images TSK reads itself (VMDK, VHD) */
    TSK_FS_INFO *fs;
    int64_t partition;
    uint64_t offset;
    const char *fs_type;
    struct custos_digest *digest;
    struct custos__typeq *types; /* NULL with no_types */
    unsigned char *head;         /* the content's first read, to be typed (malloc'd), or NULL */
    size_t head_len;
    unsigned char *buf;
    const struct custos_progress *progress;
    uint64_t done_bytes;
    /* FAT12/16/32: clusters seen on the chain being checked, and the
     * allocated names TSK listed per directory (to find rejected entries). */
    uint8_t *fat_seen;
    int fat_bits;           /* 12, 16, 32; 0: not FAT or its boot sector is unusable */
    uint64_t fat_off;       /* the first FAT, bytes from the file system's start */
    uint64_t cluster_bytes; /* bytes per cluster */
    uint64_t lastclust;     /* the highest data cluster number */
    struct fatdir *dirs;
    size_t ndirs, capdirs;
    int status;                /* worst of the entries */
    int fatal;                 /* NOMEM or INTERRUPTED: stop the walk */
    struct custos_error first; /* the first problem */
};

static inline uint32_t
custos__fs_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* TSK's last error message, or "unknown error". */
const char *custos__fs_tsk_msg(void);
/* Makes the run INCOMPLETE with err as its first problem unless one is known. */
void custos__fs_incomplete(struct fswalk *w, const struct custos_error *err);

/* fs_image.c: opens image through custos_source as a TSK image; NULL with err set. */
TSK_IMG_INFO *custos__fs_image_open(const char *image, struct extimg **out,
                                    struct custos_error *err);
/* The first damaged range of x overlapping [a, b), or NULL; *count: how many overlap. */
const uint64_t *custos__fs_bad_in(const struct extimg *x, uint64_t a, uint64_t b, size_t *count);

/* fs_fat.c: FAT12/16/32: reads the geometry the chain check needs from the boot sector. */
void custos__fs_fat_geometry(struct fswalk *w);
/*
 * Follows an allocated file's cluster chain for as many clusters as its
 * size needs. Returns 0 when the chain holds, else -1 with msg set.
 */
int custos__fs_fat_chain_bad(struct fswalk *w, TSK_FS_FILE *f, char *msg, size_t msglen);
/* Counts an allocated name TSK listed in its directory, and notes directories. */
int custos__fs_fat_listed(struct fswalk *w, TSK_FS_FILE *f, const char *dir);
/* Records as unreadable each directory holding more in-use entries than TSK listed. */
int custos__fs_fat_check_dirs(struct fswalk *w);
void custos__fs_fat_dirs_free(struct fswalk *w);

#endif
