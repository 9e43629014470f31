/* SPDX-License-Identifier: ISC */
/*
 * wipe.c: one verified overwrite pass over a block device or a regular file,
 * the NIST SP 800-88 sampling plan, the safety checks that refuse a device
 * in use, and the wipe log (docs/formats/wipe-log.md).
 *
 * The pass is either zeros or the AES-256-CTR keystream of a recorded seed
 * (key = seed, IV = 0, counter = offset / 16 big-endian), so that both the
 * pass and its verification can be repeated by anyone with openssl.
 *
 * Invariants:
 *   1. Nothing is written before custos_wipe_check has passed (the tool's
 *      order) and custos_wipe_run has re-identified the target on the
 *      descriptor it writes through (same st_rdev, or st_dev and st_ino), so
 *      a name swapped between inspection and open is refused.
 *   2. A block device is opened O_EXCL: the kernel refuses it with EBUSY
 *      while a file system is mounted on it or another block device holds it,
 *      a second line behind the mountinfo and holders checks.
 *   3. An error on the medium never stops the pass and is never hidden: a
 *      failed write request is retried sector by sector (write_sectors), so
 *      every sector that takes the pattern gets it; every failed sector
 *      write, flush and read is counted, the first
 *      CUSTOS_WIPE_MAX_REGIONS are kept with their offsets, and any of them
 *      makes the result FAILED (res->passed 0).
 *   4. Verification reads the medium, not the page cache: the pass is fsynced
 *      (and BLKFLSBUF drops a device's buffers), then read back through an
 *      O_DIRECT descriptor; where O_DIRECT is refused (tmpfs), the cached
 *      pages are dropped with posix_fadvise(DONTNEED) first, and the log says
 *      which was used.
 *   5. The result is PASSED only when bytes were verified and no write, flush,
 *      read or verify error occurred.
 *
 * States of a run (custos_wipe_run): open_target -> write_pass (skipped in
 * verify-only mode) -> flush_pass -> verify_pass -> closed.
 */
#include "custos/wipe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h> /* BLKGETSIZE64, BLKSSZGET, BLKPBSZGET, BLKFLSBUF */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h> /* major, minor, makedev */
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "custos/custos.h"
#include "fsutil_private.h"
#include "json_name_private.h"

#define CHUNK (1u << 20) /* bytes per write and per full-verify read */
#define ALIGN 4096u      /* O_DIRECT buffer, offset and length alignment */

const char *
custos_wipe_pattern_name(enum custos_wipe_pattern p)
{
    return p == CUSTOS_WIPE_AES_CTR ? "aes-256-ctr" : "zeros";
}

const char *
custos_wipe_verify_name(enum custos_wipe_verify v)
{
    return v == CUSTOS_WIPE_VERIFY_SAMPLE ? "sampling" : "full";
}

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

/* ---- pattern and sampling plan ---- */

int
custos_wipe_random_seed(uint8_t seed[CUSTOS_WIPE_SEED_SIZE], struct custos_error *err)
{
    if (RAND_bytes(seed, CUSTOS_WIPE_SEED_SIZE) != 1)
        return custos_error_set(err, CUSTOS_E_IO, 0, NULL, "the random generator failed");
    return CUSTOS_OK;
}

int
custos_wipe_pattern_fill(enum custos_wipe_pattern pattern,
                         const uint8_t seed[CUSTOS_WIPE_SEED_SIZE], uint64_t offset, void *buf,
                         size_t len, struct custos_error *err)
{
    memset(buf, 0, len);
    if (pattern == CUSTOS_WIPE_ZEROS || len == 0)
        return CUSTOS_OK;
    /* The 128-bit counter block for byte offset: offset / 16, big-endian. */
    uint8_t iv[16] = {0};
    uint64_t block = offset / 16;
    for (int i = 0; i < 8; i++)
        iv[15 - i] = (uint8_t)(block >> (8 * i));
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    int ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), NULL, seed, iv) == 1;
    int outl;
    uint8_t skip[16] = {0};
    size_t lead = (size_t)(offset % 16);
    if (ok && lead > 0)
        ok = EVP_EncryptUpdate(ctx, skip, &outl, skip, (int)lead) == 1;
    uint8_t *p = buf;
    while (ok && len > 0) {
        size_t n = len > (1u << 30) ? (1u << 30) : len;
        ok = EVP_EncryptUpdate(ctx, p, &outl, p, (int)n) == 1 && (size_t)outl == n;
        p += n;
        len -= n;
    }
    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        return custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, NULL,
                                "AES-256-CTR is not available from OpenSSL");
    return CUSTOS_OK;
}

static uint64_t
load_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

int
custos_wipe_sample_plan(uint64_t size, uint32_t unit, uint32_t subsections,
                        const uint8_t seed[CUSTOS_WIPE_SEED_SIZE], struct custos_wipe_region **out,
                        size_t *n, struct custos_error *err)
{
    *out = NULL;
    *n = 0;
    if (unit == 0 || subsections < CUSTOS_WIPE_SAMPLE_MIN)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "sampling needs at least %u subsections", CUSTOS_WIPE_SAMPLE_MIN);
    uint64_t units = size / unit + (size % unit != 0);
    if (units / subsections < 2)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "%llu bytes are too few to sample in %u subsections of at least "
                                "2 units of %u bytes; verify in full",
                                (unsigned long long)size, subsections, unit);
    size_t count = 2 * (size_t)subsections + 2;
    struct custos_wipe_region *r = calloc(count, sizeof(*r));
    uint8_t *draws = malloc(16 * (size_t)subsections);
    if (r == NULL || draws == NULL) {
        free(r);
        free(draws);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    /* Draw i is bytes 16i..16i+15 of the seed's keystream: two big-endian 64-bit numbers. */
    int rc = custos_wipe_pattern_fill(CUSTOS_WIPE_AES_CTR, seed, 0, draws, 16 * (size_t)subsections,
                                      err);
    if (rc != CUSTOS_OK) {
        free(r);
        free(draws);
        return rc;
    }
    size_t k = 0;
    r[k++] = (struct custos_wipe_region){0, unit < size ? unit : size};
    for (uint32_t i = 0; i < subsections; i++) {
        /* Subsection i covers units [first, end): equal to within one unit. */
        uint64_t first = (uint64_t)((unsigned __int128)units * i / subsections);
        uint64_t end = (uint64_t)((unsigned __int128)units * (i + 1) / subsections);
        uint64_t len = end - first;
        uint64_t slen = (len * CUSTOS_WIPE_SAMPLE_PERMILLE + 999) / 1000;
        if (slen == 0)
            slen = 1;
        /* Two starts uniform in [0, len - 2*slen]; the later is pushed past the earlier. */
        uint64_t span = len - 2 * slen + 1;
        uint64_t x = load_be64(draws + 16 * (size_t)i) % span;
        uint64_t y = load_be64(draws + 16 * (size_t)i + 8) % span;
        uint64_t a = x < y ? x : y, b = x < y ? y : x;
        uint64_t s1 = (first + a) * unit, s2 = (first + b + slen) * unit;
        r[k++] = (struct custos_wipe_region){s1, slen * unit};
        r[k++] = (struct custos_wipe_region){s2, slen * unit};
    }
    uint64_t last = (units - 1) * unit;
    r[k++] = (struct custos_wipe_region){last, size - last};
    for (size_t j = 0; j < k; j++)
        if (r[j].offset + r[j].length > size)
            r[j].length = size - r[j].offset;
    free(draws);
    *out = r;
    *n = k;
    return CUSTOS_OK;
}

/* ---- identifying the target ---- */

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

/* ---- the run ---- */

struct run {
    const struct custos_wipe_target *t;
    const struct custos_wipe_options *o;
    const struct custos_progress *p;
    struct custos_wipe_result *res;
    int fd;         /* the descriptor written through (read-only in verify-only mode) */
    int rfd;        /* verification: O_DIRECT, or buffered after fadvise */
    int rfd_direct; /* rfd has O_DIRECT */
    uint8_t *buf;   /* CHUNK + 2 * ALIGN, aligned */
    uint8_t *want;  /* CHUNK */
    uint64_t done, total;
};

static void
note_bad(struct custos_wipe_result *res, const char *kind, uint64_t off, uint64_t len, int e)
{
    res->bad_total++;
    /* Adjacent failures of the same kind extend the last kept region. */
    if (res->nbad > 0) {
        struct custos_wipe_bad_region *b = &res->bad[res->nbad - 1];
        if (strcmp(b->kind, kind) == 0 && b->offset + b->length == off && b->sys_errno == e) {
            b->length += len;
            res->bad_total--;
            return;
        }
    }
    if (res->nbad < CUSTOS_WIPE_MAX_REGIONS)
        res->bad[res->nbad++] = (struct custos_wipe_bad_region){off, len, e, kind};
}

static double
now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
open_target(struct run *r, struct custos_error *err)
{
    const struct custos_wipe_target *t = r->t;
    int flags = O_CLOEXEC | O_NOCTTY | (r->o->verify_only ? O_RDONLY : O_RDWR);
    if (t->kind == CUSTOS_WIPE_BLOCK) {
        flags |= O_EXCL;
        r->fd = r->o->verify_only ? -1 : open(t->path, flags | O_DIRECT);
        if (r->fd >= 0)
            r->res->direct_write = 1;
        else
            r->fd = open(t->path, flags);
    } else {
        r->fd = open(t->path, flags | O_NOFOLLOW);
    }
    if (r->fd < 0) {
        if (errno == EBUSY)
            return custos_error_set(err, CUSTOS_E_REFUSED, errno, t->path,
                                    "the kernel reports it busy (mounted or held); refusing");
        return custos_error_set(err, CUSTOS_E_IO, errno, t->path, "cannot open");
    }
    struct stat st;
    if (fstat(r->fd, &st) != 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, t->path, "cannot stat");
    int same = t->kind == CUSTOS_WIPE_BLOCK
                   ? S_ISBLK(st.st_mode) && (uint64_t)st.st_rdev == t->id_dev
                   : S_ISREG(st.st_mode) && (uint64_t)st.st_dev == t->id_dev &&
                         (uint64_t)st.st_ino == t->id_ino && (uint64_t)st.st_size == t->size_bytes;
    if (!same)
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, t->path,
                                "changed since it was inspected; refusing");
    return CUSTOS_OK;
}

/* fsync, then drop the device's buffers or the file's cached pages. */
static void
flush_pass(struct run *r)
{
    struct custos_wipe_result *res = r->res;
    res->flush_ok = 1;
    if (!res->written)
        return;
    if (fsync(r->fd) != 0) {
        res->flush_ok = 0;
        res->flush_errno = errno;
    }
    if (r->t->kind == CUSTOS_WIPE_BLOCK && ioctl(r->fd, BLKFLSBUF, 0) != 0 && res->flush_ok) {
        res->flush_ok = 0;
        res->flush_errno = errno;
    }
    posix_fadvise(r->fd, 0, 0, POSIX_FADV_DONTNEED);
}

/* Writes n bytes of buf at off, retrying short writes. 0, or -1 with errno. */
static int
write_chunk(struct run *r, const uint8_t *buf, uint64_t off, size_t n)
{
    size_t put = 0;
    while (put < n) {
        ssize_t w = pwrite(r->fd, buf + put, n - put, (off_t)(off + put));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = ENOSPC;
            return -1;
        }
        put += (size_t)w;
    }
    return 0;
}

/*
 * After a failed request, rewrites the chunk sector by sector, so that every
 * sector that takes the pattern gets it and the failed ones are named
 * exactly, each counted as one write error.
 */
static void
write_sectors(struct run *r, uint64_t off, size_t n)
{
    struct custos_wipe_result *res = r->res;
    size_t sector = r->t->logical_sector_bytes;
    for (size_t at = 0; at < n; at += sector) {
        size_t len = n - at < sector ? n - at : sector;
        if (write_chunk(r, r->buf + at, off + at, len) == 0) {
            res->bytes_written += len;
            continue;
        }
        res->write_errors++;
        note_bad(res, "write", off + at, len, errno);
    }
}

static int
write_pass(struct run *r, struct custos_error *err)
{
    struct custos_wipe_result *res = r->res;
    uint64_t size = r->t->size_bytes;
    double t0 = now_seconds();
    custos__utc_now(res->write_started, sizeof(res->write_started));
    for (uint64_t off = 0; off < size; off += CHUNK) {
        if (custos_progress_cancelled(r->p))
            return custos_error_set(err, CUSTOS_E_INTERRUPTED, 0, r->t->path,
                                    "interrupted after %llu of %llu bytes were overwritten",
                                    (unsigned long long)res->bytes_written,
                                    (unsigned long long)size);
        size_t n = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
        int rc = custos_wipe_pattern_fill(r->o->pattern, r->o->seed, off, r->buf, n, err);
        if (rc != CUSTOS_OK)
            return rc;
        if (write_chunk(r, r->buf, off, n) == 0)
            res->bytes_written += n;
        else
            write_sectors(r, off, n);
        r->done += n;
        custos_progress_update(r->p, r->done, r->total);
    }
    res->written = 1;
    flush_pass(r);
    /* The pass ends when the medium has it: the flush counts in its time. */
    custos__utc_now(res->write_finished, sizeof(res->write_finished));
    res->write_seconds = now_seconds() - t0;
    return CUSTOS_OK;
}

static int
open_reader(struct run *r, struct custos_error *err)
{
    r->rfd = open(r->t->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_DIRECT |
                                  (r->t->kind == CUSTOS_WIPE_FILE ? O_NOFOLLOW : 0));
    r->rfd_direct = r->rfd >= 0;
    if (r->rfd < 0)
        r->rfd = open(r->t->path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
                                      (r->t->kind == CUSTOS_WIPE_FILE ? O_NOFOLLOW : 0));
    if (r->rfd < 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, r->t->path, "cannot open to verify");
    struct stat st;
    if (fstat(r->rfd, &st) != 0 ||
        (r->t->kind == CUSTOS_WIPE_BLOCK ? (uint64_t)st.st_rdev != r->t->id_dev
                                         : (uint64_t)st.st_ino != r->t->id_ino))
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, r->t->path,
                                "changed since it was inspected; refusing");
    if (!r->rfd_direct)
        posix_fadvise(r->rfd, 0, 0, POSIX_FADV_DONTNEED);
    r->res->cache_bypass = r->rfd_direct ? "o_direct" : "fadvise_dontneed";
    return CUSTOS_OK;
}

/* Switches verification to a buffered descriptor after O_DIRECT was refused mid-way. */
static int
fall_back_buffered(struct run *r)
{
    int fd = open(r->t->path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
                                  (r->t->kind == CUSTOS_WIPE_FILE ? O_NOFOLLOW : 0));
    if (fd < 0)
        return -1;
    close(r->rfd);
    r->rfd = fd;
    r->rfd_direct = 0;
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    r->res->cache_bypass = "fadvise_dontneed";
    return 0;
}

/* Reads [off, off + len) (len <= CHUNK) and compares it with the pattern. */
static int
verify_region(struct run *r, uint64_t off, size_t len, struct custos_error *err)
{
    struct custos_wipe_result *res = r->res;
    for (;;) {
        uint64_t start = r->rfd_direct ? off / ALIGN * ALIGN : off;
        uint64_t end = off + len;
        if (r->rfd_direct)
            end = (end + ALIGN - 1) / ALIGN * ALIGN;
        size_t want = (size_t)(end - start);
        long long got = custos__pread_full(r->rfd, r->buf, want, start);
        if (got < 0 && errno == EINVAL && r->rfd_direct && fall_back_buffered(r) == 0)
            continue;
        if (got < 0 || (uint64_t)got < off + len - start) {
            res->read_errors++;
            note_bad(res, "read", off, len, got < 0 ? errno : 0);
            return CUSTOS_OK;
        }
        int rc = custos_wipe_pattern_fill(r->o->pattern, r->o->seed, off, r->want, len, err);
        if (rc != CUSTOS_OK)
            return rc;
        const uint8_t *have = r->buf + (off - start);
        res->bytes_verified += len;
        if (memcmp(have, r->want, len) == 0)
            return CUSTOS_OK;
        size_t first = SIZE_MAX, last = 0;
        for (size_t i = 0; i < len; i++) {
            if (have[i] != r->want[i]) {
                res->mismatched_bytes++;
                if (first == SIZE_MAX)
                    first = i;
                last = i;
            }
        }
        note_bad(res, "verify", off + first, last - first + 1, 0);
        return CUSTOS_OK;
    }
}

static int
verify_pass(struct run *r, const struct custos_wipe_region *plan, size_t nplan,
            struct custos_error *err)
{
    struct custos_wipe_result *res = r->res;
    double t0 = now_seconds();
    custos__utc_now(res->verify_started, sizeof(res->verify_started));
    int rc = open_reader(r, err);
    if (rc != CUSTOS_OK)
        return rc;
    struct custos_wipe_region whole = {0, r->t->size_bytes};
    if (plan == NULL) {
        plan = &whole;
        nplan = 1;
    }
    /* A plan's regions ascend and may overlap their neighbour (the first and the last
     * unit): each byte is read and counted once. */
    uint64_t covered = 0;
    for (size_t i = 0; i < nplan; i++) {
        uint64_t from = plan[i].offset, to = plan[i].offset + plan[i].length;
        if (i > 0 && from >= plan[i - 1].offset && from < covered)
            from = covered;
        if (to > covered)
            covered = to;
        for (uint64_t off = from; off < to; off += CHUNK) {
            if (custos_progress_cancelled(r->p))
                return custos_error_set(err, CUSTOS_E_INTERRUPTED, 0, r->t->path,
                                        "interrupted during verification");
            uint64_t left = to - off;
            size_t n = left < CHUNK ? (size_t)left : CHUNK;
            rc = verify_region(r, off, n, err);
            if (rc != CUSTOS_OK)
                return rc;
            r->done += n;
            custos_progress_update(r->p, r->done, r->total);
        }
    }
    custos__utc_now(res->verify_finished, sizeof(res->verify_finished));
    res->verify_seconds = now_seconds() - t0;
    return CUSTOS_OK;
}

/*
 * The SHA-256 of a plan written as one line "OFFSET LENGTH\n" per region
 * (decimal bytes), as lowercase hex: lets anyone who recomputes the plan
 * from docs/formats/wipe-log.md check that it is the one that was read.
 */
static int
plan_digest(const struct custos_wipe_region *plan, size_t n, char hex[65], struct custos_error *err)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char d[32];
    unsigned dlen = 0;
    int ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    for (size_t i = 0; ok && i < n; i++) {
        char line[48];
        int len = snprintf(line, sizeof(line), "%llu %llu\n", (unsigned long long)plan[i].offset,
                           (unsigned long long)plan[i].length);
        ok = EVP_DigestUpdate(md, line, (size_t)len) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(md, d, &dlen) == 1 && dlen == sizeof(d);
    EVP_MD_CTX_free(md);
    if (!ok)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "SHA-256 failed");
    custos_hex_encode(d, sizeof(d), hex);
    return CUSTOS_OK;
}

int
custos_wipe_run(const struct custos_wipe_target *t, const struct custos_wipe_options *opts,
                const struct custos_progress *p, struct custos_wipe_result *res,
                struct custos_error *err)
{
    memset(res, 0, sizeof(*res));
    res->cache_bypass = "";
    struct custos_wipe_region *plan = NULL;
    size_t nplan = 0;
    uint64_t vtotal = t->size_bytes;
    int rc;
    if (opts->verify == CUSTOS_WIPE_VERIFY_SAMPLE) {
        rc = custos_wipe_sample_plan(t->size_bytes, t->logical_sector_bytes, opts->subsections,
                                     opts->sample_seed, &plan, &nplan, err);
        if (rc != CUSTOS_OK)
            return rc;
        vtotal = 0; /* the bytes verify_pass reads: overlaps once */
        uint64_t covered = 0;
        for (size_t i = 0; i < nplan; i++) {
            uint64_t from = plan[i].offset, to = plan[i].offset + plan[i].length;
            if (i > 0 && from >= plan[i - 1].offset && from < covered)
                from = covered;
            vtotal += to > from ? to - from : 0;
            if (to > covered)
                covered = to;
        }
        res->regions_planned = nplan;
        res->sample_unit = t->logical_sector_bytes;
        rc = plan_digest(plan, nplan, res->plan_sha256, err);
        if (rc != CUSTOS_OK) {
            free(plan);
            return rc;
        }
    } else {
        res->regions_planned = 1;
    }
    struct run r = {.t = t, .o = opts, .p = p, .res = res, .fd = -1, .rfd = -1};
    r.total = (opts->verify_only ? 0 : t->size_bytes) + vtotal;
    void *mem = NULL;
    r.want = malloc(CHUNK);
    if (posix_memalign(&mem, ALIGN, CHUNK + 2 * ALIGN) != 0 || r.want == NULL) {
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        goto out;
    }
    r.buf = mem;
    rc = open_target(&r, err);
    if (rc == CUSTOS_OK && !opts->verify_only)
        rc = write_pass(&r, err);
    if (rc != CUSTOS_OK)
        goto out;
    if (opts->verify_only)
        res->flush_ok = 1; /* nothing was written, nothing to flush */
    rc = verify_pass(&r, plan, nplan, err);
    if (rc != CUSTOS_OK)
        goto out;
    res->passed = (res->written || opts->verify_only) && res->write_errors == 0 && res->flush_ok &&
                  res->read_errors == 0 && res->mismatched_bytes == 0 && res->bytes_verified > 0 &&
                  (opts->verify_only || res->bytes_written == t->size_bytes);
out:
    if (r.fd >= 0)
        close(r.fd);
    if (r.rfd >= 0)
        close(r.rfd);
    free(mem);
    free(r.want);
    free(plan);
    return rc;
}

/* ---- the log ---- */

static json_t *
str_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? custos__json_text(s) : json_null();
}

static json_t *
tristate(int v)
{
    return v < 0 ? json_null() : json_boolean(v);
}

static void
hex(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static const char *
confirm_basis_name(enum custos_wipe_confirm_basis b)
{
    switch (b) {
    case CUSTOS_WIPE_CONFIRM_SERIAL:
        return "serial";
    case CUSTOS_WIPE_CONFIRM_DEVICE_NAME:
        return "device-name";
    case CUSTOS_WIPE_CONFIRM_PATH:
        return "path";
    }
    return "unknown";
}

static json_t *
target_json(const struct custos_wipe_target *t)
{
    json_t *o = json_object();
    custos__json_set_names(o, "path", t->path); /* path_base64 beside it when not UTF-8 */
    json_object_set_new(o, "kind", json_string(custos_wipe_kind_name(t->kind)));
    json_object_set_new(o, "size_bytes", json_integer((json_int_t)t->size_bytes));
    json_object_set_new(o, "logical_sector_bytes", json_integer(t->logical_sector_bytes));
    json_object_set_new(o, "physical_sector_bytes", json_integer(t->physical_sector_bytes));
    json_object_set_new(o, "device", str_or_null(t->device));
    json_object_set_new(o, "model", str_or_null(t->model));
    json_object_set_new(o, "serial", str_or_null(t->serial));
    json_object_set_new(o, "udev_id_serial", str_or_null(t->serial_long));
    json_object_set_new(o, "partition", json_boolean(t->is_partition));
    json_object_set_new(o, "rotational",
                        t->kind == CUSTOS_WIPE_FILE ? json_null() : tristate(t->rotational));
    json_object_set_new(o, "removable",
                        t->kind == CUSTOS_WIPE_FILE ? json_null() : tristate(t->removable));
    json_object_set_new(o, "loop_backing_file", str_or_null(t->loop_backing));
    json_object_set_new(o, "confirmed_by", json_string(confirm_basis_name(t->confirm_basis)));
    return o;
}

static json_t *
notes_json(const struct custos_wipe_target *t, const struct custos_wipe_options *o,
           const struct custos_wipe_result *res)
{
    json_t *a = json_array();
    if (t->kind == CUSTOS_WIPE_FILE)
        json_array_append_new(a, json_string("logical overwrite of one file: not media "
                                             "sanitisation (file system copies, journals, "
                                             "snapshots and the medium's spare blocks are not "
                                             "reached)"));
    else if (t->loop_backing[0] != '\0')
        json_array_append_new(a, json_string("loop device: the overwrite reached its backing "
                                             "file only; not media sanitisation"));
    else if (t->rotational != 1)
        json_array_append_new(a, json_string("flash or unknown media: an overwrite is at most "
                                             "NIST SP 800-88 Clear; it may not reach remapped "
                                             "or over-provisioned blocks; Purge needs a "
                                             "firmware sanitize or crypto erase, or destroy "
                                             "the medium"));
    else
        json_array_append_new(a, json_string("magnetic disk: one verified overwrite pass is "
                                             "NIST SP 800-88 Clear, not Purge"));
    if (t->kind == CUSTOS_WIPE_BLOCK)
        json_array_append_new(a, json_string("hidden areas (HPA, DCO, AMA) and remapped sectors "
                                             "were not examined and are not covered"));
    if (t->is_partition)
        json_array_append_new(a, json_string("only one partition was overwritten, not the "
                                             "whole disk"));
    if (o->verify_only)
        json_array_append_new(a, json_string("verify-only run: this run wrote nothing; it "
                                             "checked the target against the pattern"));
    if (o->verify == CUSTOS_WIPE_VERIFY_SAMPLE)
        json_array_append_new(a, json_string("verification by NIST SP 800-88 sampling: bytes "
                                             "outside the samples were not read back"));
    if (!res->passed)
        json_array_append_new(a, json_string("FAILED: the medium cannot be taken as wiped; "
                                             "wipe again or destroy it"));
    return a;
}

int
custos_wipe_log_json(const struct custos_wipe_target *t, const struct custos_wipe_options *o,
                     const struct custos_wipe_result *res, const struct custos_wipe_log_meta *meta,
                     char **json, struct custos_error *err)
{
    char seedhex[2 * CUSTOS_WIPE_SEED_SIZE + 1], host[256] = "";
    gethostname(host, sizeof(host) - 1);
    json_t *doc = json_object();
    json_object_set_new(doc, "format", json_string(CUSTOS_WIPE_LOG_FORMAT));
    json_t *tool = json_object();
    json_object_set_new(tool, "name", str_or_null(meta->tool));
    json_object_set_new(tool, "version", json_string(custos_version()));
    json_object_set_new(tool, "command_line", str_or_null(meta->command_line));
    json_object_set_new(doc, "tool", tool);
    json_object_set_new(doc, "host", str_or_null(host));
    json_t *op = json_object();
    json_object_set_new(op, "name", str_or_null(meta->operator_name));
    json_object_set_new(op, "role", str_or_null(meta->operator_role));
    json_object_set_new(op, "key_fingerprint", str_or_null(meta->operator_fingerprint));
    json_object_set_new(doc, "operator", op);
    json_object_set_new(doc, "target", target_json(t));

    json_t *pat = json_object();
    json_object_set_new(pat, "name", json_string(custos_wipe_pattern_name(o->pattern)));
    if (o->pattern == CUSTOS_WIPE_AES_CTR) {
        hex(o->seed, CUSTOS_WIPE_SEED_SIZE, seedhex);
        json_object_set_new(pat, "key", json_string(seedhex));
        json_object_set_new(pat, "iv", json_string("00000000000000000000000000000000"));
    }
    json_object_set_new(doc, "pattern", pat);

    json_t *pass = json_null();
    if (res->written) {
        pass = json_object();
        json_object_set_new(pass, "started", json_string(res->write_started));
        json_object_set_new(pass, "finished", json_string(res->write_finished));
        json_object_set_new(pass, "seconds", json_real(res->write_seconds));
        json_object_set_new(pass, "bytes_written", json_integer((json_int_t)res->bytes_written));
        json_object_set_new(pass, "write_errors", json_integer((json_int_t)res->write_errors));
        json_object_set_new(pass, "direct_io", json_boolean(res->direct_write));
        json_object_set_new(
            pass, "flush", json_string(t->kind == CUSTOS_WIPE_BLOCK ? "fsync+blkflsbuf" : "fsync"));
        json_object_set_new(pass, "flush_ok", json_boolean(res->flush_ok));
        json_object_set_new(pass, "flush_error",
                            res->flush_ok ? json_null() : json_string(strerror(res->flush_errno)));
    }
    json_object_set_new(doc, "pass", pass);

    json_t *v = json_object();
    json_object_set_new(v, "method", json_string(custos_wipe_verify_name(o->verify)));
    json_object_set_new(v, "started", str_or_null(res->verify_started));
    json_object_set_new(v, "finished", str_or_null(res->verify_finished));
    json_object_set_new(v, "seconds", json_real(res->verify_seconds));
    json_object_set_new(v, "cache_bypass", str_or_null(res->cache_bypass));
    json_object_set_new(v, "bytes_verified", json_integer((json_int_t)res->bytes_verified));
    json_object_set_new(v, "read_errors", json_integer((json_int_t)res->read_errors));
    json_object_set_new(v, "mismatched_bytes", json_integer((json_int_t)res->mismatched_bytes));
    if (o->verify == CUSTOS_WIPE_VERIFY_SAMPLE) {
        json_t *s = json_object();
        hex(o->sample_seed, CUSTOS_WIPE_SEED_SIZE, seedhex);
        json_object_set_new(s, "seed", json_string(seedhex));
        json_object_set_new(s, "subsections", json_integer(o->subsections));
        json_object_set_new(s, "samples_per_subsection", json_integer(2));
        json_object_set_new(s, "sample_permille", json_integer(CUSTOS_WIPE_SAMPLE_PERMILLE));
        json_object_set_new(s, "unit_bytes", json_integer(res->sample_unit));
        json_object_set_new(s, "regions", json_integer((json_int_t)res->regions_planned));
        json_object_set_new(s, "plan_sha256", json_string(res->plan_sha256));
        json_object_set_new(v, "sampling", s);
    } else {
        json_object_set_new(v, "sampling", json_null());
    }
    json_object_set_new(doc, "verification", v);

    json_t *bad = json_array();
    for (size_t i = 0; i < res->nbad; i++) {
        json_t *b = json_object();
        json_object_set_new(b, "kind", json_string(res->bad[i].kind));
        json_object_set_new(b, "offset", json_integer((json_int_t)res->bad[i].offset));
        json_object_set_new(b, "length", json_integer((json_int_t)res->bad[i].length));
        json_object_set_new(b, "error",
                            res->bad[i].sys_errno != 0
                                ? json_string(strerror(res->bad[i].sys_errno))
                                : json_null());
        json_array_append_new(bad, b);
    }
    json_object_set_new(doc, "error_regions", bad);
    json_object_set_new(doc, "error_regions_total", json_integer((json_int_t)res->bad_total));
    json_object_set_new(doc, "result", json_string(res->passed ? "PASSED" : "FAILED"));
    json_object_set_new(doc, "nist_category",
                        json_string(res->passed ? custos_wipe_category(t) : "none"));
    json_object_set_new(doc, "notes", notes_json(t, o, res));

    char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (s == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    size_t n = strlen(s);
    char *withnl = realloc(s, n + 2);
    if (withnl == NULL) {
        free(s);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    withnl[n] = '\n';
    withnl[n + 1] = '\0';
    *json = withnl;
    return CUSTOS_OK;
}
