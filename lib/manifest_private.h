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
#include "strpool_private.h"

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
    struct custos__strpool text; /* the entries' mime, description, kind and fs_type */
};

/* Backends: each writes the whole manifest to fd and sets m->err on failure. */
int custos__manifest_write_json(struct custos_manifest *m, int fd);
int custos__manifest_write_sums(struct custos_manifest *m, int fd, unsigned alg);
int custos__manifest_write_hashdeep(struct custos_manifest *m, int fd);
int custos__manifest_write_dfxml(struct custos_manifest *m, int fd);
int custos__manifest_read_json(struct custos_manifest *m, const char *path);

/*
 * Gives e (an entry of m, or one m will adopt) the content type strings
 * libmagic made (either may be NULL): e points at m's shared copies, and
 * mime and desc are freed. Returns CUSTOS_OK or CUSTOS_E_NOMEM.
 */
int custos__manifest_take_type(struct custos_manifest *m, struct custos_manifest_entry *e,
                               char *mime, char *desc);

/* Frees every string of an entry built by its caller (all its own). */
void custos__entry_clear(struct custos_manifest_entry *e);

/*
 * Frees the strings an entry of manifest m owns (path, target, error,
 * zero_filled); its mime, description, kind and fs_type are m's shared
 * texts (custos__manifest_text) and stay.
 */
void custos__entry_release(struct custos_manifest_entry *e);

/*
 * m's shared copy of s, for an entry's mime, description, kind or fs_type:
 * valid until custos_manifest_free(m). NULL for s NULL, or when memory runs
 * out. Safe to call from several threads at once.
 */
char *custos__manifest_text(struct custos_manifest *m, const char *s);

/*
 * Appends the n entries at *entries to m without copying them: on success
 * m owns them and the array (*entries is set to NULL); on failure nothing
 * changes. Their shared strings must be m's (custos__manifest_text).
 * Returns: CUSTOS_OK; CUSTOS_E_NOMEM (m->err set).
 */
int custos__manifest_adopt(struct custos_manifest *m, struct custos_manifest_entry **entries,
                           size_t n);

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
