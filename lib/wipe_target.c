/* SPDX-License-Identifier: ISC */
/*
 * wipe_target.c: what a wipe target is (custos_wipe_inspect: block device,
 * partition or regular file, its geometry, model and serial from sysfs) and
 * the safety checks custos_wipe_check refuses on: a mounted file system, a
 * holder (RAID, LVM, dm-crypt), active swap, the disk the root file system
 * lives on, a confirmation that does not name the target. Nothing here
 * writes; the pass is wipe_pass.c.
 */
#include "custos/wipe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h> /* BLKGETSIZE64, BLKSSZGET, BLKPBSZGET */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h> /* major, minor, makedev */
#include <unistd.h>

#include "custos/custos.h"
#include "fsutil_private.h"

const char *
custos_wipe_kind_name(enum custos_wipe_kind k)
{
    return k == CUSTOS_WIPE_BLOCK ? "block-device" : "file";
}

const char *
custos_wipe_category(const struct custos_wipe_target *t)
{
    if (t->kind == CUSTOS_WIPE_FILE || t->loop_backing[0] != '\0')
        return "none";
    return "clear";
}

/* The sysfs directory of a block device number, or -1. */
static int
sysfs_dir(dev_t rdev, char *buf)
{
    char link[64];
    snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(rdev), minor(rdev));
    return realpath(link, buf) != NULL ? 0 : -1;
}

/* The whole-disk sysfs directory of a device's sysfs directory (a partition's parent). */
static void
disk_dir(const char *sysdir, char *disk)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/partition", sysdir);
    if (access(path, F_OK) == 0)
        custos__dirname(sysdir, disk, PATH_MAX);
    else
        snprintf(disk, PATH_MAX, "%s", sysdir);
}

/* 1 when the sysfs path p is dir or lies below it (a partition of it). */
static int
under(const char *p, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/*
 * Adds mount findings: any mount whose device is the target or one of its
 * partitions, by the device number of the mount or, for file systems that
 * report an anonymous one (btrfs), by its source device.
 */
static void
check_mounts(struct custos_wipe_target *t, const char *sysdir)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[8192];
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned maj, mnr;
        char mpoint[2048], source[2048], real[PATH_MAX];
        if (sscanf(line, "%*s %*s %u:%u %*s %2047s", &maj, &mnr, mpoint) != 3)
            continue;
        int hit = maj != 0 && sysfs_dir(makedev(maj, mnr), real) == 0 && under(real, sysdir);
        const char *sep = strstr(line, " - ");
        struct stat st;
        if (!hit && sep != NULL && sscanf(sep + 3, "%*s %2047s", source) == 1 && source[0] == '/' &&
            stat(source, &st) == 0 && S_ISBLK(st.st_mode))
            hit = sysfs_dir(st.st_rdev, real) == 0 && under(real, sysdir);
        if (!hit)
            continue;
        if (!t->mounted)
            snprintf(t->mount_point, sizeof(t->mount_point), "%.*s",
                     (int)sizeof(t->mount_point) - 1, mpoint);
        t->mounted = 1;
    }
    fclose(f);
}

/* Finds a holder (dm, md, bcache ...) of the device or of one of its partitions. */
static void
check_holders(struct custos_wipe_target *t, const char *sysdir)
{
    char path[PATH_MAX + 2 * NAME_MAX];
    DIR *d = opendir(sysdir);
    if (d == NULL)
        return;
    struct dirent *e;
    /* "." stands for the device itself; subdirectories with a partition file are partitions. */
    const char *name = ".";
    do {
        snprintf(path, sizeof(path), "%s/%s/partition", sysdir, name);
        if (strcmp(name, ".") == 0 || access(path, F_OK) == 0) {
            snprintf(path, sizeof(path), "%s/%s/holders", sysdir, name);
            DIR *h = opendir(path);
            struct dirent *he;
            while (h != NULL && (he = readdir(h)) != NULL) {
                if (he->d_name[0] == '.')
                    continue;
                t->has_holders = 1;
                snprintf(t->holder, sizeof(t->holder), "%.*s", (int)sizeof(t->holder) - 1,
                         he->d_name);
                break;
            }
            if (h != NULL)
                closedir(h);
        }
        e = readdir(d);
        name = e != NULL ? e->d_name : NULL;
    } while (name != NULL && !t->has_holders);
    closedir(d);
}

/* Active swap on the device or a partition (/proc/swaps lists device paths). */
static void
check_swap(struct custos_wipe_target *t, const char *sysdir)
{
    FILE *f = fopen("/proc/swaps", "re");
    char line[4096], dev[2048], real[PATH_MAX];
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) != NULL) {
        struct stat st;
        if (sscanf(line, "%2047s", dev) != 1 || stat(dev, &st) != 0 || !S_ISBLK(st.st_mode))
            continue;
        if (sysfs_dir(st.st_rdev, real) == 0 && under(real, sysdir))
            t->is_swap = 1;
    }
    fclose(f);
}

/* The device number of the block device that holds "/", or 0 when none is known. */
static dev_t
root_device(void)
{
    struct stat st;
    if (stat("/", &st) != 0)
        return 0;
    if (major(st.st_dev) != 0)
        return st.st_dev;
    /* A virtual device number (btrfs, overlay): the mount's source, when a device. */
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096];
    dev_t found = 0;
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        char mpoint[2048], source[2048];
        const char *sep = strstr(line, " - ");
        struct stat dst;
        if (sscanf(line, "%*s %*s %*s %*s %2047s", mpoint) != 1 || strcmp(mpoint, "/") != 0 ||
            sep == NULL || sscanf(sep + 3, "%*s %2047s", source) != 1)
            continue;
        if (stat(source, &dst) == 0 && S_ISBLK(dst.st_mode))
            found = dst.st_rdev; /* the last mount on "/" is the visible one */
    }
    fclose(f);
    return found;
}

/*
 * Sets holds_root when the disk of the target is the disk of "/" or of any
 * device below it (the slaves of dm/md, recursively).
 */
static void
check_root_dir(struct custos_wipe_target *t, const char *node, const char *tdisk, int depth)
{
    char disk[PATH_MAX], path[PATH_MAX + 16], real[PATH_MAX];
    if (depth > 8 || t->holds_root)
        return;
    disk_dir(node, disk);
    if (strcmp(disk, tdisk) == 0) {
        t->holds_root = 1;
        return;
    }
    snprintf(path, sizeof(path), "%s/slaves", node);
    DIR *d = opendir(path);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/slaves/%s", node, e->d_name);
        if (realpath(path, real) != NULL)
            check_root_dir(t, real, tdisk, depth + 1);
    }
    if (d != NULL)
        closedir(d);
}

/* Size and sector sizes from the open device, or from sysfs when it cannot be opened. */
static int
device_geometry(struct custos_wipe_target *t, const char *sysdir, struct custos_error *err)
{
    int fd = open(t->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd >= 0) {
        uint64_t size = 0;
        int ssz = 0;
        unsigned psz = 0;
        int ok = ioctl(fd, BLKGETSIZE64, &size) == 0;
        int e = errno;
        if (ioctl(fd, BLKSSZGET, &ssz) == 0 && ssz > 0)
            t->logical_sector_bytes = (uint32_t)ssz;
        if (ioctl(fd, BLKPBSZGET, &psz) == 0 && psz > 0)
            t->physical_sector_bytes = psz;
        close(fd);
        if (!ok)
            return custos_error_set(err, CUSTOS_E_IO, e, t->path, "cannot read the device size");
        t->size_bytes = size;
        return CUSTOS_OK;
    }
    /* Not even readable (a sandbox): sysfs still tells enough to judge safety. */
    int e = errno;
    char path[PATH_MAX + 64], text[32];
    snprintf(path, sizeof(path), "%s/size", sysdir);
    custos__read_text(path, text, sizeof(text));
    if (text[0] == '\0')
        return custos_error_set(err, CUSTOS_E_IO, e, t->path, "cannot open");
    t->size_bytes = strtoull(text, NULL, 10) * 512; /* sysfs counts 512-byte sectors */
    snprintf(path, sizeof(path), "%s/queue/logical_block_size", sysdir);
    custos__read_text(path, text, sizeof(text));
    if (strtoul(text, NULL, 10) > 0)
        t->logical_sector_bytes = (uint32_t)strtoul(text, NULL, 10);
    t->physical_sector_bytes = t->logical_sector_bytes;
    return CUSTOS_OK;
}

static int
inspect_block(struct custos_wipe_target *t, const struct stat *st, struct custos_error *err)
{
    char sysdir[PATH_MAX], disk[PATH_MAX], path[PATH_MAX + 64];
    if (sysfs_dir(st->st_rdev, sysdir) != 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, t->path,
                                "no sysfs entry: cannot tell whether it is in use");
    disk_dir(sysdir, disk);
    int rc = device_geometry(t, sysdir, err);
    if (rc != CUSTOS_OK)
        return rc;
    snprintf(t->device, sizeof(t->device), "%s", custos__basename(sysdir));
    t->is_partition = strcmp(disk, sysdir) != 0;
    snprintf(path, sizeof(path), "%s/device/model", disk);
    custos__read_text(path, t->model, sizeof(t->model));
    snprintf(path, sizeof(path), "%s/device/serial", disk);
    custos__read_text(path, t->serial, sizeof(t->serial));
    if (t->serial[0] == '\0') {
        snprintf(path, sizeof(path), "%s/serial", disk); /* virtio */
        custos__read_text(path, t->serial, sizeof(t->serial));
    }
    if (t->serial[0] == '\0')
        custos__udev_property(st->st_rdev, "ID_SERIAL_SHORT", t->serial, sizeof(t->serial));
    custos__udev_property(st->st_rdev, "ID_SERIAL", t->serial_long, sizeof(t->serial_long));
    if (t->model[0] == '\0')
        custos__udev_property(st->st_rdev, "ID_MODEL", t->model, sizeof(t->model));
    char flag[16];
    snprintf(path, sizeof(path), "%s/queue/rotational", disk);
    custos__read_text(path, flag, sizeof(flag));
    t->rotational = flag[0] == '1' ? 1 : flag[0] == '0' ? 0 : -1;
    snprintf(path, sizeof(path), "%s/removable", disk);
    custos__read_text(path, flag, sizeof(flag));
    t->removable = flag[0] == '1' ? 1 : flag[0] == '0' ? 0 : -1;
    snprintf(path, sizeof(path), "%s/loop/backing_file", disk);
    custos__read_text(path, t->loop_backing, sizeof(t->loop_backing));

    if (t->serial[0] != '\0') {
        t->confirm_basis = CUSTOS_WIPE_CONFIRM_SERIAL;
        snprintf(t->confirm_expected, sizeof(t->confirm_expected), "%s", t->serial);
    } else {
        t->confirm_basis = CUSTOS_WIPE_CONFIRM_DEVICE_NAME;
        snprintf(t->confirm_expected, sizeof(t->confirm_expected), "%s", t->device);
    }

    /* Mounts, holders and swap count for the target and its partitions; "/" for its whole disk. */
    check_mounts(t, sysdir);
    check_holders(t, sysdir);
    check_swap(t, sysdir);
    dev_t root = root_device();
    char rootdir[PATH_MAX];
    if (root != 0 && sysfs_dir(root, rootdir) == 0)
        check_root_dir(t, rootdir, disk, 0);
    t->id_dev = (uint64_t)st->st_rdev;
    return CUSTOS_OK;
}

int
custos_wipe_inspect(struct custos_wipe_target *t, const char *path, struct custos_error *err)
{
    memset(t, 0, sizeof(*t));
    t->rotational = -1;
    t->removable = -1;
    t->logical_sector_bytes = 512;
    t->physical_sector_bytes = 512;
    size_t plen = strlen(path);
    if (plen >= sizeof(t->path))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "target path is too long");
    memcpy(t->path, path, plen + 1);
    struct stat lst, st;
    if (lstat(path, &lst) != 0 || stat(path, &st) != 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot open");
    if (S_ISBLK(st.st_mode)) {
        t->kind = CUSTOS_WIPE_BLOCK;
        int rc = inspect_block(t, &st, err);
        if (rc != CUSTOS_OK)
            return rc;
    } else if (S_ISREG(st.st_mode)) {
        if (S_ISLNK(lst.st_mode))
            return custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, path,
                                    "is a symbolic link; name the file itself");
        t->kind = CUSTOS_WIPE_FILE;
        t->size_bytes = (uint64_t)st.st_size;
        t->confirm_basis = CUSTOS_WIPE_CONFIRM_PATH;
        snprintf(t->confirm_expected, sizeof(t->confirm_expected), "%s", path);
        t->id_dev = (uint64_t)st.st_dev;
        t->id_ino = (uint64_t)st.st_ino;
    } else {
        return custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, path,
                                "is neither a block device nor a regular file");
    }
    if (t->size_bytes == 0)
        return custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, path, "is empty: nothing to wipe");
    return CUSTOS_OK;
}

int
custos_wipe_check(const struct custos_wipe_target *t, const char *confirm, struct custos_error *err)
{
    if (t->holds_root)
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, t->path,
                                "is on the disk that holds the root file system; refusing to wipe "
                                "it");
    if (t->mounted)
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, t->path,
                                "is mounted on %s (the device or one of its partitions); refusing "
                                "to wipe a mounted device",
                                t->mount_point);
    if (t->has_holders)
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, t->path,
                                "is in use by %s (device mapper, RAID or another holder); refusing",
                                t->holder);
    if (t->is_swap)
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, t->path,
                                "is active swap (the device or one of its partitions); refusing");
    /* udev's ID_SERIAL (model and serial) names the same device as its short serial. */
    int long_ok = confirm != NULL && t->confirm_basis == CUSTOS_WIPE_CONFIRM_SERIAL &&
                  t->serial_long[0] != '\0' && strcmp(confirm, t->serial_long) == 0;
    if (!long_ok && (confirm == NULL || strcmp(confirm, t->confirm_expected) != 0)) {
        const char *what =
            t->confirm_basis == CUSTOS_WIPE_CONFIRM_SERIAL ? "the device's serial number"
            : t->confirm_basis == CUSTOS_WIPE_CONFIRM_DEVICE_NAME
                ? "the device's kernel name as lsblk shows it (it reports no serial number)"
                : "the file's path exactly as given";
        if (confirm == NULL)
            return custos_error_set(err, CUSTOS_E_REFUSED, 0, t->path,
                                    "not confirmed: the confirmation must be %s", what);
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, t->path,
                                "confirmation '%s' does not match %s; refusing", confirm, what);
    }
    return CUSTOS_OK;
}
