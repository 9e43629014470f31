/* SPDX-License-Identifier: ISC */
/*
 * source.h: reading evidence, never writing it.
 *
 * A source is what custos-acquire images and what verification re-reads: a
 * block device, a regular file, a stream (standard input or a pipe), a split
 * raw set (NAME.001, NAME.002, ... read in order as one medium) or an EWF
 * (E01) set read through libewf. Everything is opened read-only (O_RDONLY,
 * and libewf's read mode); no function here can modify a source.
 *
 * Reads are positional so that a failed region can be re-read sector by
 * sector. For block devices, CUSTOS_READ_UNCACHED re-reads through a second
 * descriptor opened with O_DIRECT: a buffered read near one bad sector can
 * fail across a whole megabyte of readahead, so only uncached single-sector
 * reads tell exactly which sectors are bad.
 *
 * Outline:
 *   1. custos_source_open(&s, "/dev/sdb", &err)
 *   2. custos_source_info(s) for its identity and size
 *   3. custos_source_read(s, offset, buf, len, 0, &got) in ascending order
 *      (streams require it; others allow any order)
 *   4. custos_source_free(s)
 */
#ifndef CUSTOS_SOURCE_H
#define CUSTOS_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "error.h"
#include "export.h"
#include "progress.h"

#ifdef __cplusplus
extern "C" {
#endif

enum custos_source_kind {
    CUSTOS_SOURCE_FILE,      /* a regular file */
    CUSTOS_SOURCE_BLOCK,     /* a block device */
    CUSTOS_SOURCE_STREAM,    /* standard input or a pipe: sequential, size unknown */
    CUSTOS_SOURCE_SPLIT_RAW, /* NAME.001, NAME.002, ... */
    CUSTOS_SOURCE_EWF,       /* an E01 set, through libewf */
};

#define CUSTOS_SOURCE_TEXT_MAX 256 /* bytes for model, serial and mount point, with NUL */

/* What is known about a source; strings are "" when unknown. */
struct custos_source_info {
    enum custos_source_kind kind;
    const char *path;                         /* as given; "-" for standard input */
    int size_known;                           /* 0 only for streams */
    uint64_t size_bytes;                      /* media size; bytes read so far for streams */
    uint32_t logical_sector_bytes;            /* 512 unless the device or image says else */
    uint32_t physical_sector_bytes;           /* block devices; else equal to logical */
    char model[CUSTOS_SOURCE_TEXT_MAX];       /* block devices: sysfs model */
    char serial[CUSTOS_SOURCE_TEXT_MAX];      /* block devices: sysfs or udev serial */
    char device[CUSTOS_SOURCE_TEXT_MAX];      /* block devices: kernel name, "sdb" */
    int read_only;                            /* block devices: the kernel's read-only flag */
    int mounted;                              /* the device or one of its partitions is mounted */
    int mounted_rw;                           /* ... and at least one mount is read-write */
    char mount_point[CUSTOS_SOURCE_TEXT_MAX]; /* the first such mount point */
    uint32_t segment_count;                   /* files in a split raw or EWF set, else 1 */
    struct custos_digest_result stored;       /* EWF: the digests the set itself stores
                                                 (algs 0 when it stores none) */
    int media_type;     /* EWF: the set's media type, an enum custos_media_type (acquire.h);
                           0 (CUSTOS_MEDIA_AUTO) when it records none custos knows, or not EWF */
    int media_physical; /* EWF: the set's media flags say "physical" (a whole device) */
};

struct custos_source;

/*
 * Opens path read-only as a source; "-" means standard input. The first file
 * of a split raw set (".001", ".000", ".00" or ".aa", see source.c) opens
 * with the rest of its set beside it as one medium, and
 * a file with the EWF signature opens through libewf with all its segments.
 * Returns: CUSTOS_OK; CUSTOS_E_IO when it cannot be opened (err names it and
 * the cause); CUSTOS_E_CORRUPT for a damaged or incomplete EWF or split set
 * (a missing split segment is named; an EWF set with a segment file missing
 * or cut short, or recording a medium of 0 bytes, is refused as a whole);
 * CUSTOS_E_USAGE for a ".001" whose set starts at ".000"; CUSTOS_E_UNSUPPORTED
 * for a directory or other file type; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_source_open(struct custos_source **out, const char *path,
                                  struct custos_error *err);

/* Read flags. */
#define CUSTOS_READ_UNCACHED 0x1u /* block devices: bypass the page cache (O_DIRECT) */

/*
 * Reads up to len bytes at offset into buf. *got is set to the bytes read,
 * which is less than len only at the end of the medium.
 * With CUSTOS_READ_UNCACHED, buf must be aligned to 4096 bytes and offset
 * and len must be multiples of the logical sector size.
 * Returns: CUSTOS_OK; CUSTOS_E_IO on a read error (the region is not read;
 * custos_source_error() has errno and offset); CUSTOS_E_USAGE for an
 * offset other than the current one on a stream; CUSTOS_E_CORRUPT for an
 * EWF chunk whose checksum or compressed data is damaged (libewf returns such
 * chunks as zeros and only lists them; this layer turns an overlap with that
 * list into an error); CUSTOS_E_INTERRUPTED when a stream read
 * was interrupted and the progress callback asks to stop.
 */
CUSTOS_API int custos_source_read(struct custos_source *s, uint64_t offset, void *buf, size_t len,
                                  unsigned flags, size_t *got);

/*
 * Lets a blocking read of a stream give up when p's cancelled() callback
 * answers non-zero after the read was interrupted by a signal (EINTR).
 * p may be NULL (the default): interrupted reads are simply resumed.
 * p must stay valid while s is used.
 */
CUSTOS_API void custos_source_set_progress(struct custos_source *s,
                                           const struct custos_progress *p);

/* What is known about the source; valid until _free. */
CUSTOS_API const struct custos_source_info *custos_source_info(const struct custos_source *s);

/* The handle's last error; valid until the next call on s. */
CUSTOS_API const struct custos_error *custos_source_error(const struct custos_source *s);

/* Closes the source; NULL is allowed. */
CUSTOS_API void custos_source_free(struct custos_source *s);

/* A short name for a source kind: "file", "block-device", "stream", "split-raw", "ewf". */
CUSTOS_API const char *custos_source_kind_name(enum custos_source_kind kind);

#ifdef __cplusplus
}
#endif

#endif
