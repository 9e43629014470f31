/* SPDX-License-Identifier: ISC */
/*
 * fs.h: hashing every file inside the file systems of a disk image, without
 * mounting it.
 *
 * The image (raw, split raw, or E01 through libewf; VMDK and VHD too) is
 * opened with The Sleuth Kit, its type chosen from its signature. Its volume
 * system, when it has one (DOS/MBR, GPT, ...), is walked and every allocated
 * partition tried for a file system; without one, the image itself is tried.
 * In each file system (FAT, NTFS, ext2/3/4, and whatever else TSK reads)
 * every name is visited, allocated and deleted, as `fls -r` lists them.
 * Regular and TSK-virtual files are read through TSK, as `icat` reads them,
 * and hashed; symlinks are recorded with their target, other non-directories
 * as special. Each entry records the partition (TSK's slot number, the first
 * column of `mmls`), the file system's offset and type, the inode (MFT
 * entry), the path as fls prints it, the size, the MAC times and whether the
 * name is allocated.
 *
 * On NTFS every $DATA and $INDEX_ROOT stream fls lists is an entry of its own,
 * "NAME:STREAM" for named ones, with its attribute type and id (as icat
 * takes them). Content is what TSK yields: a stream past its initialized size
 * is hashed, and sized, up to where TSK stops, as icat prints it.
 *
 * A deleted file whose content TSK can still read is hashed, and its entry
 * says allocated false. A deleted name whose inode now belongs to another
 * file (fls's "(realloc)") is listed but not hashed, since its content would
 * be the other file's. A deleted file whose content cannot be read is listed
 * without digests. A read failure on an allocated file makes the run
 * CUSTOS_E_INCOMPLETE.
 *
 * Raw, split raw and E01 images are read through custos_source (source.h),
 * not TSK's own readers, so that damage is seen: image data that cannot be
 * read (an E01 chunk failing its checksum, a read error) is given to TSK as
 * zeros, and every file whose blocks lie there is recorded without digests,
 * with its zero_filled ranges and an error; the volume holding the damage,
 * and any partition in which no file system could be opened, is marked
 * (custos_manifest_volume_error). Each makes the run CUSTOS_E_INCOMPLETE. A
 * file whose recorded size exceeds the image, or whose content ends before
 * its size (outside NTFS), is an unreadable entry too.
 *
 * Outline:
 *   1. custos_manifest_new(&m, algs, &err)
 *   2. custos_fs_hash(m, "disk.E01", &opts, &progress, &err)
 *   3. custos_manifest_save(m, ...)
 */
#ifndef CUSTOS_FS_H
#define CUSTOS_FS_H

#include "error.h"
#include "export.h"
#include "manifest.h"
#include "progress.h"
#include "tree.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Hashes every file in every file system of image (the first segment of a
 * split or E01 set; TSK finds the others), adds the entries and volumes to
 * m and sorts it. opts and progress may be NULL (opts->jobs is ignored: the
 * image is read by one thread).
 * Returns: CUSTOS_OK; CUSTOS_E_IO when the image cannot be opened;
 * CUSTOS_E_UNSUPPORTED when no file system is recognised anywhere in it;
 * CUSTOS_E_INCOMPLETE when an allocated file or a directory could not be
 * read, image data was damaged, or a partition held no readable file system
 * (the entries and volumes say which); CUSTOS_E_CORRUPT for an incomplete E01
 * set, or when damage leaves no file system readable; CUSTOS_E_INTERRUPTED;
 * CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_fs_hash(struct custos_manifest *m, const char *image,
                              const struct custos_hash_options *opts,
                              const struct custos_progress *progress, struct custos_error *err);

#ifdef __cplusplus
}
#endif

#endif
