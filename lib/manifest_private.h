/* SPDX-License-Identifier: ISC */
/*
 * manifest_private.h: the manifest object's layout, shared by manifest.c and
 * its format backends (manifest_json.c, manifest_sums.c, manifest_hashdeep.c,
 * manifest_dfxml.c).
 */
#ifndef CUSTOS_MANIFEST_PRIVATE_H
#define CUSTOS_MANIFEST_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "manifest_private.h is internal to libcustos"
#endif

#include "custos/manifest.h"
#include "strbuf_private.h"

struct manifest_volume {
    int64_t partition;     /* -1 when the image has no volume system */
    uint64_t offset_bytes; /* start of the file system in the image */
    char *fs_type;         /* "fat16", "ext4", ... */
    char *description;     /* the partition's description, or "" */
    char *error;           /* why it was not (fully) read, or NULL */
};

struct custos_manifest {
    unsigned algs;                         /* CUSTOS_DIGEST_* of every hashed entry */
    struct custos_manifest_entry *entries; /* count entries, cap allocated */
    size_t count, cap;
    char *source_kind;   /* "tree", "image" or NULL */
    char **source_names; /* nsource operands or image names */
    size_t nsource;
    struct manifest_volume *volumes; /* nvolumes file systems found in an image */
    size_t nvolumes;
    char created[40];   /* RFC 3339 UTC */
    char generator[64]; /* "custos-hash 0.1.0" */
    struct custos_error err;
};

/* Backends: each writes the whole manifest to fd and sets m->err on failure. */
int custos__manifest_write_json(struct custos_manifest *m, int fd);
int custos__manifest_write_sums(struct custos_manifest *m, int fd, unsigned alg);
int custos__manifest_write_hashdeep(struct custos_manifest *m, int fd);
int custos__manifest_write_dfxml(struct custos_manifest *m, int fd);
int custos__manifest_read_json(struct custos_manifest *m, const char *path);

/*
 * Gives entry i (numbered as custos_manifest_add added it, before any sort)
 * the content type strings, which it takes over (either may be NULL).
 */
void custos__manifest_take_type(struct custos_manifest *m, size_t i, char *mime, char *desc);

/* Frees the strings an entry owns. */
void custos__entry_clear(struct custos_manifest_entry *e);

/* Whether an entry's content was hashed (a file or virtual file, read fully). */
bool custos__entry_hashed(const struct custos_manifest_entry *e);

/*
 * Orders entries by where they are and their name bytes: files outside
 * images first, then by partition, file system offset and path. The
 * manifest's sort and the audit's merge join both start from it.
 */
int custos__entry_cmp_name(const struct custos_manifest_entry *x,
                           const struct custos_manifest_entry *y);

/*
 * The text backends' output: a string builder flushed to fd every 64 KiB,
 * so that memory stays bounded however many entries a manifest holds.
 */
struct outbuf {
    int fd;
    struct custos__sb sb;
    int failed_errno; /* non-zero after a failed write or allocation */
};
void custos__out_init(struct outbuf *o, int fd);
void custos__out_bytes(struct outbuf *o, const void *p, size_t n);
void custos__out_str(struct outbuf *o, const char *s);
void custos__out_fmt(struct outbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends the len bytes at s escaped for XML (custos__sb_xml). */
void custos__out_xml(struct outbuf *o, const char *s, size_t len);
/* Flushes and frees; returns 0 or the errno of the failed write. */
int custos__out_finish(struct outbuf *o);

#endif
