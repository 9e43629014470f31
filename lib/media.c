/* SPDX-License-Identifier: ISC */
/*
 * media.c: the kind of medium behind a block device, as the kernel sees it.
 *
 * An E01 records a media type (fixed, removable, optical, memory) that
 * examiners and their tools show; a USB stick recorded as a fixed disk
 * misdescribes the evidence. sysfs tells removable media (its removable
 * attribute, which the kernel takes from the device's own report) and
 * optical drives (SCSI peripheral type 5, named sr*). Nothing in sysfs
 * says "memory": that type comes only from --media-type.
 */
#include "media_private.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil_private.h"

#define SCSI_TYPE_ROM "5" /* SCSI peripheral device type of CD/DVD drives */

int
custos__media_detect(const char *sysfs_root, const char *name, enum custos_media_type *out)
{
    char link[PATH_MAX], dir[PATH_MAX], path[PATH_MAX + 32], value[32];
    if (name == NULL || name[0] == '\0' || strchr(name, '/') != NULL)
        return -1;
    snprintf(link, sizeof(link), "%s/class/block/%s", sysfs_root, name);
    if (realpath(link, dir) == NULL)
        return -1;
    /* A partition has no removable or device/ of its own: its disk is the parent. */
    snprintf(path, sizeof(path), "%s/partition", dir);
    if (access(path, F_OK) == 0) {
        char disk[PATH_MAX];
        custos__dirname(dir, disk, sizeof(disk));
        snprintf(dir, sizeof(dir), "%s", disk);
    }
    snprintf(path, sizeof(path), "%s/device/type", dir);
    custos__read_text(path, value, sizeof(value));
    if (strncmp(custos__basename(dir), "sr", 2) == 0 || strcmp(value, SCSI_TYPE_ROM) == 0) {
        *out = CUSTOS_MEDIA_OPTICAL;
        return 0;
    }
    snprintf(path, sizeof(path), "%s/removable", dir);
    custos__read_text(path, value, sizeof(value));
    if (strcmp(value, "1") == 0)
        *out = CUSTOS_MEDIA_REMOVABLE;
    else if (strcmp(value, "0") == 0)
        *out = CUSTOS_MEDIA_FIXED;
    else
        return -1;
    return 0;
}

void
custos__media_choose(enum custos_media_type option, const struct custos_source_info *info,
                     enum custos_media_type *type, const char **from)
{
    *type = CUSTOS_MEDIA_FIXED;
    *from = CUSTOS__MEDIA_FROM_UNKNOWN;
    if (option != CUSTOS_MEDIA_AUTO) {
        *type = option;
        *from = CUSTOS__MEDIA_FROM_OPTION;
    } else if (info->kind == CUSTOS_SOURCE_BLOCK &&
               custos__media_detect("/sys", info->device, type) == 0) {
        *from = CUSTOS__MEDIA_FROM_SYSFS;
    } else if (info->kind == CUSTOS_SOURCE_EWF && info->media_type != CUSTOS_MEDIA_AUTO) {
        *type = (enum custos_media_type)info->media_type;
        *from = CUSTOS__MEDIA_FROM_E01;
    }
}

int
custos_media_type_parse(const char *name, enum custos_media_type *out)
{
    for (int t = CUSTOS_MEDIA_FIXED; t <= CUSTOS_MEDIA_MEMORY; t++)
        if (strcmp(name, custos_media_type_name((enum custos_media_type)t)) == 0) {
            *out = (enum custos_media_type)t;
            return 0;
        }
    return -1;
}

const char *
custos_media_type_name(enum custos_media_type t)
{
    static const char *names[] = {"auto", "fixed", "removable", "optical", "memory"};
    return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}
