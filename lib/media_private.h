/* SPDX-License-Identifier: ISC */
/*
 * media_private.h: what kind of medium a source is (fixed, removable,
 * optical), read from sysfs (media.c), for the E01 header and the record.
 */
#ifndef CUSTOS_MEDIA_PRIVATE_H
#define CUSTOS_MEDIA_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "media_private.h is internal to libcustos"
#endif

#include "custos/acquire.h"
#include "custos/source.h"

/* Where a recorded media type came from (the record's source.media_type_from). */
#define CUSTOS__MEDIA_FROM_SYSFS   "sysfs"
#define CUSTOS__MEDIA_FROM_OPTION  "option"
#define CUSTOS__MEDIA_FROM_E01     "e01" /* the E01 source's own media type */
#define CUSTOS__MEDIA_FROM_UNKNOWN "unknown"

/*
 * The media type of block device name (the kernel's name, "sdb", "sr0",
 * "sdb1"), read under sysfs_root ("/sys", or a test's fake tree):
 * ROOT/class/block/NAME/removable, and for a partition its disk's (the
 * parent directory of the resolved NAME); optical when NAME starts with
 * "sr" or NAME/device/type is 5 (SCSI TYPE_ROM). Returns 0 with *out set,
 * or -1 when sysfs says nothing (*out is left alone).
 */
int custos__media_detect(const char *sysfs_root, const char *name, enum custos_media_type *out);

/*
 * The media type to record for source info: the option's when not
 * CUSTOS_MEDIA_AUTO ("option"), else the block device's (from /sys,
 * "sysfs"), else an E01 source's own ("e01"), else fixed ("unknown"). *from is one of
 * CUSTOS__MEDIA_FROM_*.
 */
void custos__media_choose(enum custos_media_type option, const struct custos_source_info *info,
                          enum custos_media_type *type, const char **from);

#endif
