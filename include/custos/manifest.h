/* SPDX-License-Identifier: ISC */
/*
 * manifest.h: the list of files custos-hash records, and the formats it is
 * written in.
 *
 * A manifest holds one entry per file found under some paths, or inside the
 * file systems of a disk image: its path (any bytes but NUL), its type, size,
 * times, digests and content type. It is read and written as the JSON
 * document specified in docs/formats/manifest.md, and can also be written in
 * the plain formats other tools check: sha256sum/sha1sum/md5sum lines,
 * hashdeep, and DFXML as fiwalk writes it (one file per backend:
 * lib/manifest_json.c, manifest_sums.c, manifest_hashdeep.c,
 * manifest_dfxml.c).
 *
 * The JSON bytes written are the bytes a detached signature will cover: a
 * manifest is never rewritten after it is published, and custos_manifest_save
 * publishes it atomically.
 *
 * Outline (writing):
 *   1. custos_manifest_new(&m, CUSTOS_DIGEST_SHA256, &err)
 *   2. fill it: custos_tree_hash() (tree.h) or custos_fs_hash() (fs.h), or
 *      custos_manifest_add() for each entry
 *   3. custos_manifest_save(m, "case.manifest.json", CUSTOS_MANIFEST_JSON)
 *   4. custos_manifest_free(m)
 * Outline (reading):
 *   1. custos_manifest_load(&m, "case.manifest.json", &err)
 *   2. custos_manifest_count(m), custos_manifest_entry(m, i)
 *   3. custos_manifest_free(m)
 */
#ifndef CUSTOS_MANIFEST_H
#define CUSTOS_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "error.h"
#include "export.h"
#include "text.h"    /* custos_path_display: how entry names are shown */
#include "timefmt.h" /* struct custos_time */

#ifdef __cplusplus
extern "C" {
#endif

/* The JSON document's identification (docs/formats/manifest.md). */
#define CUSTOS_MANIFEST_FORMAT  "custos-manifest"
#define CUSTOS_MANIFEST_VERSION 1

/* Strings written for entry types and source kinds. */
#define CUSTOS_MANIFEST_TYPE_FILE      "file"
#define CUSTOS_MANIFEST_TYPE_SYMLINK   "symlink"
#define CUSTOS_MANIFEST_TYPE_SPECIAL   "special"
#define CUSTOS_MANIFEST_TYPE_DIRECTORY "directory"
#define CUSTOS_MANIFEST_TYPE_VIRTUAL   "virtual"
#define CUSTOS_MANIFEST_SOURCE_TREE    "tree"
#define CUSTOS_MANIFEST_SOURCE_IMAGE   "image"

/* The header lines of the hashdeep format. */
#define CUSTOS_HASHDEEP_MAGIC "%%%% HASHDEEP-1.0"

enum custos_manifest_format {
    CUSTOS_MANIFEST_JSON,      /* the custos manifest (docs/formats/manifest.md) */
    CUSTOS_MANIFEST_SHA256SUM, /* "HEX  PATH" lines that sha256sum -c checks */
    CUSTOS_MANIFEST_SHA1SUM,   /* the same for sha1sum -c */
    CUSTOS_MANIFEST_MD5SUM,    /* the same for md5sum -c */
    CUSTOS_MANIFEST_HASHDEEP,  /* hashdeep / md5deep audit files */
    CUSTOS_MANIFEST_DFXML,     /* Digital Forensics XML as fiwalk writes it */
};

enum custos_entry_type {
    CUSTOS_ENTRY_FILE,      /* a regular file: hashed */
    CUSTOS_ENTRY_SYMLINK,   /* a symbolic link: its target recorded, never followed */
    CUSTOS_ENTRY_SPECIAL,   /* fifo, socket or device: listed, never opened */
    CUSTOS_ENTRY_DIRECTORY, /* only listed when it could not be read (status set) */
    CUSTOS_ENTRY_VIRTUAL,   /* an image-only file the file system library made up ($FAT1) */
};

/* Entry flags. */
#define CUSTOS_ENTRY_KNOWN   0x1u /* the content is in a --known hash set */
#define CUSTOS_ENTRY_NOTABLE 0x2u /* the content is in a --notable hash set */

/*
 * One file. In an entry of a manifest (custos_manifest_entry), every string
 * belongs to the manifest and stays valid until custos_manifest_free; never
 * free or change them. mime, description, kind and fs_type are shared: the
 * entries of one manifest with the same text point at one copy of it, so
 * compare them with strcmp, never by address. In an entry passed to
 * custos_manifest_add they are the caller's and are copied.
 */
struct custos_manifest_entry {
    char *path;      /* the exact name bytes, NUL-terminated (never contains NUL) */
    size_t path_len; /* bytes in path */
    enum custos_entry_type type;
    uint64_t size_bytes; /* file size; link length for symlinks */
    struct custos_time mtime, atime, ctime, crtime;
    struct custos_digest_result digest; /* digest.algs is 0 when the content was not hashed */
    char *mime;                         /* MIME type from the content (libmagic), or NULL */
    char *description;                  /* libmagic's description, or NULL */
    char *target;                       /* symlink target bytes, or NULL */
    size_t target_len;                  /* bytes in target */
    char *kind;                         /* special files: "fifo", "socket", "char-device", ... */
    int status;     /* CUSTOS_OK, or CUSTOS_E_INCOMPLETE when it could not be read */
    char *error;    /* why it could not be read (one line), or NULL */
    unsigned flags; /* CUSTOS_ENTRY_KNOWN | CUSTOS_ENTRY_NOTABLE */
    /* Files inside images (in_image true); meaningless otherwise. */
    bool in_image;
    int64_t partition;        /* volume-system partition address, -1 when none */
    uint64_t fs_offset_bytes; /* where the file system starts in the image */
    char *fs_type;            /* "fat16", "ext4", "ntfs", ... */
    uint64_t inode;           /* inode / MFT entry / FAT directory-entry address */
    bool allocated;           /* the name is allocated (false: deleted) */
    bool reallocated;         /* deleted name whose metadata belongs to another file now */
    int32_t attr_type;        /* NTFS: the $DATA attribute type (128), 0 when none */
    int32_t attr_id;          /* NTFS: its id; "TYPE-ID" is what icat takes after the inode */
    /* Images: the content's byte ranges that lie in damaged or unreadable
     * image data and were read as zeros, as (offset, length) pairs; such an
     * entry has an error and no digests. NULL when none. */
    uint64_t *zero_filled;
    size_t nzero_filled; /* pairs in zero_filled */
};

struct custos_manifest;

/*
 * Creates an empty manifest whose entries will carry the digests in algs
 * (a non-empty subset of CUSTOS_DIGEST_ALL).
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE for a bad set; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_manifest_new(struct custos_manifest **out, unsigned algs,
                                   struct custos_error *err);

/*
 * Reads a JSON manifest from path.
 * Returns: CUSTOS_OK; CUSTOS_E_IO when it cannot be read; CUSTOS_E_CORRUPT
 * when it is not a well-formed custos manifest (the message names the entry
 * and field); CUSTOS_E_UNSUPPORTED for another version; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_manifest_load(struct custos_manifest **out, const char *path,
                                    struct custos_error *err);

/* Releases m and every entry; NULL is allowed. */
CUSTOS_API void custos_manifest_free(struct custos_manifest *m);

/* The handle's last error; valid until the next call on m. */
CUSTOS_API const struct custos_error *custos_manifest_error(const struct custos_manifest *m);

/* The digest algorithms of the manifest. */
CUSTOS_API unsigned custos_manifest_algs(const struct custos_manifest *m);

/* The number of entries. */
CUSTOS_API size_t custos_manifest_count(const struct custos_manifest *m);

/* Entry i (< count); valid until the next _add, _sort or _free. */
/* clang-format off */
CUSTOS_API const struct custos_manifest_entry *custos_manifest_entry(const struct custos_manifest *m,
                                                                   size_t i);
/* clang-format on */

/*
 * Appends a copy of e (its strings are copied; path must be set).
 * Returns: CUSTOS_OK; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_manifest_add(struct custos_manifest *m,
                                   const struct custos_manifest_entry *e);

/* Sorts the entries by partition, then path bytes, then inode. */
CUSTOS_API void custos_manifest_sort(struct custos_manifest *m);

/* Sets or clears flags on entry i (< count). */
CUSTOS_API void custos_manifest_set_flags(struct custos_manifest *m, size_t i, unsigned flags);

/*
 * Records what was hashed: kind is CUSTOS_MANIFEST_SOURCE_TREE or _IMAGE;
 * names are the path operands or the image file names (copied).
 * Returns: CUSTOS_OK; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_manifest_set_source(struct custos_manifest *m, const char *kind,
                                          const char *const *names, size_t count);

/* The source kind ("tree", "image") or NULL when not set. */
CUSTOS_API const char *custos_manifest_source_kind(const struct custos_manifest *m);

/*
 * Records a file system found in an image (for the document's "volumes"):
 * its partition address (-1 for none), offset, type name and a description.
 * Returns: CUSTOS_OK; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_manifest_add_volume(struct custos_manifest *m, int64_t partition,
                                          uint64_t offset_bytes, const char *fs_type,
                                          const char *description);

/*
 * Marks the volume added last as not (fully) read: error says why (a file
 * system The Sleuth Kit does not know, damaged image data inside it). It
 * stays in "volumes" with an "error" and counts in the totals.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE when no volume was added; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_manifest_volume_error(struct custos_manifest *m, const char *error);

/* The number of volumes marked by custos_manifest_volume_error. */
CUSTOS_API size_t custos_manifest_volumes_unread(const struct custos_manifest *m);

/* The error of the i-th (< volumes_unread) volume so marked, or NULL. */
CUSTOS_API const char *custos_manifest_volume_unread_error(const struct custos_manifest *m,
                                                           size_t i);

/*
 * Writes m in format to the open descriptor fd (not closed).
 * The sums formats need their algorithm in the manifest. The sums formats
 * list regular and virtual files that were hashed; hashdeep lists them too
 * and refuses names with a newline, which its format cannot hold.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE when the format needs an algorithm the
 * manifest lacks; CUSTOS_E_UNSUPPORTED for a name the format cannot hold;
 * CUSTOS_E_IO when a write fails.
 */
CUSTOS_API int custos_manifest_write_fd(struct custos_manifest *m,
                                        enum custos_manifest_format format, int fd);

/*
 * Writes m in format to a new file at path, published atomically (see
 * atomicfile.h).
 * Returns: as custos_manifest_write_fd; CUSTOS_E_REFUSED when path exists.
 * Nothing is left at path on failure.
 */
CUSTOS_API int custos_manifest_save(struct custos_manifest *m, const char *path,
                                    enum custos_manifest_format format);

/*
 * Parses a format name ("json", "sha256sum", "sha1sum", "md5sum",
 * "hashdeep", "dfxml").
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE naming the unknown word.
 */
CUSTOS_API int custos_manifest_format_parse(const char *name, enum custos_manifest_format *format,
                                            struct custos_error *err);

/* The name written for an entry type ("file", "symlink", ...). */
CUSTOS_API const char *custos_entry_type_name(enum custos_entry_type type);

/* What a manifest holds, counted as custos-hash reports it. */
struct custos_manifest_totals {
    uint64_t files;      /* regular (and image-virtual) files read */
    uint64_t bytes;      /* their bytes */
    uint64_t symlinks;   /* symbolic links recorded */
    uint64_t special;    /* FIFOs, sockets, devices listed */
    uint64_t unreadable; /* entries that could not be read (status not CUSTOS_OK) */
    uint64_t known;      /* entries flagged CUSTOS_ENTRY_KNOWN */
    uint64_t notable;    /* entries flagged CUSTOS_ENTRY_NOTABLE */
};

/* Counts the entries of m into *t. */
CUSTOS_API void custos_manifest_totals(const struct custos_manifest *m,
                                       struct custos_manifest_totals *t);

/*
 * Writes the display form of e's name (custos_path_display), after
 * "partition N: " for a file inside a partitioned image, into buf.
 */
CUSTOS_API void custos_manifest_entry_display(const struct custos_manifest_entry *e, char *buf,
                                              size_t len);

/*
 * The fields of the ledger's `acquire` entry of a logical acquisition, whose
 * record is the manifest (docs/formats/ledger.md section 5): item, record
 * (the manifest's file name), record_sha256 (of its bytes, read now) and
 * tool. With path NULL, the stand-in fields custos-hash checks the ledger's
 * policy with before hashing (record "(pending)", a zero SHA-256). *json is
 * a new JSON object text for custos_ledger_record (free() it).
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE for a NULL or empty item; what reading
 * the manifest returns; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_manifest_ledger_fields(const char *item, const char *path, char **json,
                                             struct custos_error *err);

/*
 * Builds the JSON summary custos-hash --json prints after writing a
 * manifest: status (custos_status_name(status)), manifest (its name as
 * given), the totals (files, bytes, symlinks, special, known), notable (the
 * display names of notable entries), unreadable (why each unreadable entry
 * could not be read) and, for an image, volumes_unread. *json is a new
 * string (free() it). Returns: CUSTOS_OK; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_manifest_report_json(const struct custos_manifest *m, int status,
                                           const char *manifest, char **json);

#ifdef __cplusplus
}
#endif

#endif
