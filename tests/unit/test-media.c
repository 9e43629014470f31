/* SPDX-License-Identifier: ISC */
/*
 * test-media.c: the media type of a block device read from sysfs
 * (lib/media.c), against a fake sysfs tree made here: a fixed disk, a
 * removable one and a partition of it, an sr* drive, a SCSI type-5 device
 * under another name, a device without the attribute; and the names
 * --media-type parses.
 */
#include "media_private.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

/* ROOT/devices/NAME with removable (NULL: none) and device/type (NULL: none),
 * linked from ROOT/class/block/NAME as the kernel does. */
static void
disk(const char *name, const char *removable, const char *type)
{
    char p[512];
    snprintf(p, sizeof(p), "sys/devices/%s", name);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "sys/devices/%s/device", name);
    mkdir(p, 0755);
    if (removable != NULL) {
        snprintf(p, sizeof(p), "sys/devices/%s/removable", name);
        tap_write(p, removable, strlen(removable));
    }
    if (type != NULL) {
        snprintf(p, sizeof(p), "sys/devices/%s/device/type", name);
        tap_write(p, type, strlen(type));
    }
    char target[256];
    snprintf(target, sizeof(target), "../../devices/%s", name);
    snprintf(p, sizeof(p), "sys/class/block/%s", name);
    if (symlink(target, p) != 0)
        printf("Bail out! symlink %s\n", p);
}

static const char *
detect(const char *name)
{
    enum custos_media_type t = CUSTOS_MEDIA_AUTO;
    if (custos__media_detect("sys", name, &t) != 0)
        return "none";
    return custos_media_type_name(t);
}

int
main(void)
{
    tap_tmpdir();
    mkdir("sys", 0755);
    mkdir("sys/devices", 0755);
    mkdir("sys/class", 0755);
    mkdir("sys/class/block", 0755);
    disk("sda", "0\n", "0\n");
    disk("sdb", "1\n", "0\n");
    disk("sr0", "1\n", "5\n");
    disk("sdc", "1\n", "5\n");
    disk("loop0", "0\n", NULL);
    disk("vdz", NULL, NULL);
    /* sdb1: a partition inside its disk's directory, with no removable of its own. */
    mkdir("sys/devices/sdb/sdb1", 0755);
    tap_write("sys/devices/sdb/sdb1/partition", "1\n", 2);
    if (symlink("../../devices/sdb/sdb1", "sys/class/block/sdb1") != 0)
        printf("Bail out! symlink sdb1\n");

    is_str(detect("sda"), "fixed", "removable 0: fixed");
    is_str(detect("sdb"), "removable", "removable 1: removable");
    is_str(detect("sdb1"), "removable", "a partition: its disk's");
    is_str(detect("sr0"), "optical", "sr0: optical");
    is_str(detect("sdc"), "optical", "device/type 5: optical");
    is_str(detect("loop0"), "fixed", "a loop device (removable 0, no device/type): fixed");
    is_str(detect("vdz"), "none", "no removable attribute: nothing said");
    is_str(detect("nosuch"), "none", "no such device: nothing said");
    is_str(detect("../sda"), "none", "a name with a slash is refused");

    enum custos_media_type t = CUSTOS_MEDIA_AUTO;
    const char *names[] = {"fixed", "removable", "optical", "memory"};
    for (int i = 0; i < 4; i++) {
        ok(custos_media_type_parse(names[i], &t) == 0 &&
               strcmp(custos_media_type_name(t), names[i]) == 0,
           "--media-type %s parses and names itself", names[i]);
    }
    is_int(custos_media_type_parse("auto", &t), -1, "auto is not an option value");
    is_int(custos_media_type_parse("floppy", &t), -1, "an unknown type is refused");

    /* The choice: an option wins; a regular file is fixed, from nothing. */
    struct custos_source_info info;
    memset(&info, 0, sizeof(info));
    info.kind = CUSTOS_SOURCE_FILE;
    const char *from;
    custos__media_choose(CUSTOS_MEDIA_AUTO, &info, &t, &from);
    ok(t == CUSTOS_MEDIA_FIXED && strcmp(from, "unknown") == 0, "a file: fixed, unknown");
    custos__media_choose(CUSTOS_MEDIA_OPTICAL, &info, &t, &from);
    ok(t == CUSTOS_MEDIA_OPTICAL && strcmp(from, "option") == 0, "the option: as given");
    return tap_done();
}
