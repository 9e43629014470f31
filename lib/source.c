/* SPDX-License-Identifier: ISC */
/*
 * source.c: read-only access to evidence: block devices, files, streams,
 * split raw sets and EWF sets.
 *
 * Invariants:
 *   1. Every descriptor is opened O_RDONLY (plus O_DIRECT for the uncached
 *      descriptor of a block device); libewf handles are opened with
 *      LIBEWF_OPEN_READ. Nothing here writes.
 *   2. A read error is reported, never papered over: zero-filling and the
 *      error map are the caller's decision (acquire.c), so the map records
 *      exactly what this layer could not read.
 *   3. A split set is opened whole or not at all: the files must be numbered
 *      without gaps, so a missing middle segment is an error, not a short
 *      medium.
 */
#include "custos/source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h> /* BLKGETSIZE64, BLKSSZGET, BLKPBSZGET, BLKROGET */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h> /* major, minor */
#include <unistd.h>

#include <libewf.h>

#include "custos/acquire.h" /* enum custos_media_type */

#include "ewf_private.h"
#include "fsutil_private.h"

#define SPLIT_MAX 99999 /* segments in a split set */

struct split_part {
    int fd;
    uint64_t start; /* offset of this file's first byte in the medium */
    uint64_t size;
};

struct custos_source {
    struct custos_source_info info;
    char *path;
    int fd;                   /* file, block device, stream */
    int direct_fd;            /* block device with O_DIRECT, opened on first use; -1 */
    uint64_t stream_pos;      /* streams: bytes consumed */
    struct split_part *parts; /* split raw */
    uint32_t nparts;
    libewf_handle_t *ewf;                  /* EWF */
    struct custos__ewf_reader *ewf_reader; /* EWF: chunk-aligned reads, made on first use */
    size_t ewf_chunk_bytes;
    const struct custos_progress *progress; /* may stop an interrupted stream read */
    struct custos_error err;
};

const char *
custos_source_kind_name(enum custos_source_kind kind)
{
    switch (kind) {
    case CUSTOS_SOURCE_FILE:
        return "file";
    case CUSTOS_SOURCE_BLOCK:
        return "block-device";
    case CUSTOS_SOURCE_STREAM:
        return "stream";
    case CUSTOS_SOURCE_SPLIT_RAW:
        return "split-raw";
    case CUSTOS_SOURCE_EWF:
        return "ewf";
    }
    return "unknown";
}

/*
 * Fills mounted, mounted_rw and mount_point by matching every mount's device
 * number against this device and its partitions (sysfs paths nest
 * partitions under their disk).
 */
static void
mount_state(struct custos_source_info *info, const char *sysdir)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096];
    if (f == NULL)
        return;
    size_t slen = strlen(sysdir);
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned maj, mnr;
        char mpoint[2048], opts[512];
        if (sscanf(line, "%*s %*s %u:%u %*s %2047s %511s", &maj, &mnr, mpoint, opts) != 4)
            continue;
        char link[64], real[PATH_MAX];
        snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", maj, mnr);
        if (realpath(link, real) == NULL)
            continue;
        if (strncmp(real, sysdir, slen) != 0 || (real[slen] != '\0' && real[slen] != '/'))
            continue;
        int rw = strncmp(opts, "rw", 2) == 0 && (opts[2] == ',' || opts[2] == '\0');
        if (!info->mounted || (rw && !info->mounted_rw))
            snprintf(info->mount_point, sizeof(info->mount_point), "%.*s",
                     (int)sizeof(info->mount_point) - 1, mpoint);
        info->mounted = 1;
        info->mounted_rw |= rw;
    }
    fclose(f);
}

static void
block_identity(struct custos_source *s, const struct stat *st)
{
    struct custos_source_info *info = &s->info;
    uint64_t size = 0;
    int ssz = 0;
    unsigned int psz = 0;
    int ro = 0;
    if (ioctl(s->fd, BLKGETSIZE64, &size) == 0) {
        info->size_bytes = size;
        info->size_known = 1;
    }
    if (ioctl(s->fd, BLKSSZGET, &ssz) == 0 && ssz > 0)
        info->logical_sector_bytes = (uint32_t)ssz;
    if (ioctl(s->fd, BLKPBSZGET, &psz) == 0 && psz > 0)
        info->physical_sector_bytes = psz;
    if (ioctl(s->fd, BLKROGET, &ro) == 0)
        info->read_only = ro != 0;

    char link[64], sysdir[PATH_MAX], path[PATH_MAX + 64];
    snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(st->st_rdev), minor(st->st_rdev));
    if (realpath(link, sysdir) == NULL)
        return;
    snprintf(info->device, sizeof(info->device), "%s", custos__basename(sysdir));
    /* A partition has no device/ of its own: its disk is the parent directory. */
    char disk[PATH_MAX];
    snprintf(path, sizeof(path), "%s/partition", sysdir);
    if (access(path, F_OK) == 0)
        custos__dirname(sysdir, disk, sizeof(disk));
    else
        snprintf(disk, sizeof(disk), "%s", sysdir);
    snprintf(path, sizeof(path), "%s/device/model", disk);
    custos__read_text(path, info->model, sizeof(info->model));
    snprintf(path, sizeof(path), "%s/device/serial", disk);
    custos__read_text(path, info->serial, sizeof(info->serial));
    if (info->serial[0] == '\0')
        custos__udev_property(st->st_rdev, "ID_SERIAL_SHORT", info->serial, sizeof(info->serial));
    if (info->model[0] == '\0')
        custos__udev_property(st->st_rdev, "ID_MODEL", info->model, sizeof(info->model));
    mount_state(info, sysdir);
}

/*
 * The split namings read as one medium, each named by its first file:
 *   NAME.001, NAME.002, ...   custos, ewfexport, dc3dd ofs=, FTK (also
 *                             NAME.raw.001, NAME.dd.001); at least three
 *                             digits, so NAME.999 is followed by NAME.1000
 *   NAME.000, NAME.001, ...   split -d -a3 and tools counting from zero
 *   NAME.00 / NAME.01, ...    split -d (two digits)
 *   NAME.aa, NAME.ab, ...     split (letters; -a2 to -a5)
 * GNU split given no -a widens two-character suffixes when they run out
 * (yz is followed by zaaa, 89 by 9000): a two-character set continues that
 * way when its next plain name is absent and the widened one is there.
 */
struct split_scheme {
    size_t pre;     /* length of "NAME." */
    int alpha;      /* letters a-z, else digits */
    int width;      /* characters of the first suffix */
    unsigned first; /* value of the first suffix: 0 or 1 (digits), 0 (letters) */
    int widened;    /* GNU split's widening, decided at the end of the plain names */
};

/* Recognises the first file of a split set; 0 when PATH is not one. */
static int
split_scheme(const char *path, struct split_scheme *sc)
{
    const char *base = custos__basename(path);
    const char *dot = strrchr(base, '.');
    if (dot == NULL || dot == base)
        return 0;
    const char *suf = dot + 1;
    size_t w = strlen(suf);
    if (w < 2 || w > 5)
        return 0;
    size_t zeros = strspn(suf, "0"), as = strspn(suf, "a");
    *sc = (struct split_scheme){.pre = (size_t)(suf - path), .width = (int)w};
    if (zeros == w)
        return 1;
    if (zeros == w - 1 && suf[w - 1] == '1') {
        sc->first = 1;
        return 1;
    }
    if (as == w) {
        sc->alpha = 1;
        return 1;
    }
    return 0;
}

static unsigned
split_base(const struct split_scheme *sc)
{
    return sc->alpha ? 26 : 10;
}

/* Value of the first suffix GNU split widens past: yz+1 (650) or 89+1 (90). */
static unsigned
split_boundary(const struct split_scheme *sc)
{
    return (split_base(sc) - 1) * split_base(sc);
}

static void
put_digits(char *out, unsigned v, int w, unsigned b)
{
    for (int i = w - 1; i >= 0; i--) {
        out[i] = (char)(b == 26 ? 'a' + v % 26 : '0' + v % 10);
        v /= b;
    }
    out[w] = '\0';
}

/*
 * Writes the name of segment K (0-based) of PATH's set to OUT (PATH's
 * length + 16 bytes); 0 when the naming has no such segment.
 */
static int
split_name(const struct split_scheme *sc, const char *path, unsigned k, char *out)
{
    unsigned b = split_base(sc), v = sc->first + k;
    memcpy(out, path, sc->pre);
    char *suf = out + sc->pre;
    if (sc->widened) {
        int w = 2;
        for (unsigned cap = (b - 1) * b; v >= cap && w < 12; cap *= b) {
            v -= cap;
            *suf++ = b == 26 ? 'z' : '9';
            w++;
        }
        put_digits(suf, v, w, b);
        return 1;
    }
    if (!sc->alpha) {
        sprintf(suf, "%0*u", sc->width, v);
        return 1;
    }
    unsigned max = 1;
    for (int i = 0; i < sc->width; i++)
        max *= 26;
    if (v >= max)
        return 0;
    put_digits(suf, v, sc->width, 26);
    return 1;
}

/* The segment number (0-based) NAME would have in the set, or -1. */
static long
split_index(const struct split_scheme *sc, int widened, const char *suf)
{
    unsigned b = split_base(sc);
    const char *set = sc->alpha ? "abcdefghijklmnopqrstuvwxyz" : "0123456789";
    size_t len = strlen(suf);
    if (len == 0 || len > 12 || strspn(suf, set) != len)
        return -1;
    unsigned long long v = 0, skipped = 0;
    if (widened) {
        size_t l = strspn(suf, sc->alpha ? "z" : "9");
        if (len != 2 + 2 * l)
            return -1;
        unsigned long long cap = (b - 1) * b;
        for (size_t i = 0; i < l; i++, cap *= b)
            skipped += cap;
        suf += l;
        len -= l;
    } else if (sc->alpha ? len != (size_t)sc->width
                         : len < (size_t)sc->width || (len > (size_t)sc->width && suf[0] == '0')) {
        return -1;
    }
    for (size_t i = 0; i < len; i++)
        v = v * b + (unsigned long long)(sc->alpha ? suf[i] - 'a' : suf[i] - '0');
    v += skipped;
    if (v < sc->first || v - sc->first > SPLIT_MAX)
        return -1;
    return (long)(v - sc->first);
}

/*
 * A file of the set numbered past the last one found means a lost segment:
 * refused, naming the first missing name, rather than read as a short medium.
 */
static int
split_gap(struct custos_source *s, const struct split_scheme *sc, int decided, char *name,
          struct custos_error *err)
{
    char dir[PATH_MAX];
    custos__dirname(s->path, dir, sizeof(dir));
    DIR *d = opendir(dir);
    if (d == NULL)
        return custos_error_set(err, CUSTOS_E_IO, errno, dir,
                                "cannot list the split set's directory");
    const char *base = custos__basename(s->path);
    size_t blen = (size_t)(s->path + sc->pre - base);
    char later[256] = "";
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, base, blen) != 0)
            continue;
        const char *suf = e->d_name + blen;
        long k = split_index(sc, sc->widened, suf);
        if (k < 0 && !decided && sc->width == 2)
            k = split_index(sc, 1, suf);
        if (k >= (long)s->nparts) {
            snprintf(later, sizeof(later), "%s", e->d_name);
            break;
        }
    }
    closedir(d);
    if (later[0] == '\0')
        return CUSTOS_OK;
    split_name(sc, s->path, s->nparts, name);
    return custos_error_set(err, CUSTOS_E_CORRUPT, 0, name,
                            "segment %u of the split set is missing (%u found before it, and %s "
                            "is there)",
                            s->nparts + 1, s->nparts, later);
}

static int
open_split(struct custos_source *s, const struct split_scheme *scheme, struct custos_error *err)
{
    struct split_scheme sc = *scheme;
    size_t cap = 8, nlen = strlen(s->path) + 16;
    char *name = malloc(nlen);
    s->parts = calloc(cap, sizeof(*s->parts));
    if (name == NULL || s->parts == NULL) {
        free(name);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, s->path, "out of memory");
    }
    int rc = CUSTOS_OK;
    /* NAME.001 given while NAME.000 exists: the set starts before it. */
    if (sc.first == 1) {
        struct split_scheme zero = sc;
        zero.first = 0;
        split_name(&zero, s->path, 0, name);
        if (access(name, F_OK) == 0) {
            rc = custos_error_set(err, CUSTOS_E_USAGE, 0, s->path,
                                  "not the first file of its split set: %s is; name that one",
                                  custos__basename(name));
            goto out;
        }
    }
    int decided = sc.width != 2;
    uint64_t total = 0;
    for (unsigned k = 0; k < SPLIT_MAX && split_name(&sc, s->path, k, name); k++) {
        int fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 && errno == ENOENT && !decided && sc.first + k == split_boundary(&sc)) {
            /* The end of the plain two-character names: widened, or the end. */
            decided = 1;
            sc.widened = 1;
            split_name(&sc, s->path, k, name);
            fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
            if (fd < 0 && errno == ENOENT) {
                sc.widened = 0;
                split_name(&sc, s->path, k, name);
            }
        }
        if (fd < 0) {
            if (errno == ENOENT && k > 0)
                break;
            rc = custos_error_set(err, CUSTOS_E_IO, errno, name, "cannot open split segment");
            goto out;
        }
        if (sc.first + k >= split_boundary(&sc))
            decided = 1;
        struct stat st;
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            close(fd);
            rc = custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, name,
                                  "split segment is not a regular file");
            goto out;
        }
        if (s->nparts == cap) {
            struct split_part *p = realloc(s->parts, 2 * cap * sizeof(*p));
            if (p == NULL) {
                close(fd);
                rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, s->path, "out of memory");
                goto out;
            }
            s->parts = p;
            cap *= 2;
        }
        s->parts[s->nparts++] = (struct split_part){fd, total, (uint64_t)st.st_size};
        total += (uint64_t)st.st_size;
    }
    if ((rc = split_gap(s, &sc, decided, name, err)) != CUSTOS_OK)
        goto out;
    s->info.kind = CUSTOS_SOURCE_SPLIT_RAW;
    s->info.size_bytes = total;
    s->info.size_known = 1;
    s->info.segment_count = s->nparts;
out:
    free(name);
    return rc;
}

/* The set's media type and flags, as an acquisition of it records them again (media.c). */
static void
ewf_media(struct custos_source *s)
{
    uint8_t type = 0, flags = 0;
    if (libewf_handle_get_media_type(s->ewf, &type, NULL) == 1) {
        /* The inverse of image_ewf.c's mapping; another type (logical files) says nothing. */
        static const struct {
            uint8_t ewf;
            enum custos_media_type type;
        } map[] = {{LIBEWF_MEDIA_TYPE_REMOVABLE, CUSTOS_MEDIA_REMOVABLE},
                   {LIBEWF_MEDIA_TYPE_FIXED, CUSTOS_MEDIA_FIXED},
                   {LIBEWF_MEDIA_TYPE_OPTICAL, CUSTOS_MEDIA_OPTICAL},
                   {LIBEWF_MEDIA_TYPE_MEMORY, CUSTOS_MEDIA_MEMORY}};
        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
            if (map[i].ewf == type)
                s->info.media_type = (int)map[i].type;
    }
    if (libewf_handle_get_media_flags(s->ewf, &flags, NULL) == 1)
        s->info.media_physical = (flags & LIBEWF_MEDIA_FLAG_PHYSICAL) != 0;
}

static int
open_ewf(struct custos_source *s, struct custos_error *err)
{
    libewf_error_t *e = NULL;
    char **names = NULL;
    int count = 0;
    if (libewf_glob(s->path, strlen(s->path), LIBEWF_FORMAT_UNKNOWN, &names, &count, &e) != 1)
        return custos__ewf_error(err, CUSTOS_E_CORRUPT, s->path, &e,
                                 "cannot find the EWF segments");
    if (libewf_handle_initialize(&s->ewf, &e) != 1) {
        libewf_glob_free(names, count, NULL);
        return custos__ewf_error(err, CUSTOS_E_NOMEM, s->path, &e, "cannot set up libewf");
    }
    if (libewf_handle_open(s->ewf, names, count, LIBEWF_OPEN_READ, &e) != 1) {
        libewf_glob_free(names, count, NULL);
        libewf_handle_free(&s->ewf, NULL);
        return custos__ewf_error(err, CUSTOS_E_CORRUPT, s->path, &e,
                                 "cannot open the EWF set (damaged or a segment missing)");
    }
    libewf_glob_free(names, count, NULL);
    /*
     * libewf opens a set whose segment file is cut short or missing (the
     * last one, or all but a first cut to its header) and then yields zeros
     * or nothing for the lost part: such a set is refused here, before a
     * reader can take its zeros, or a size of 0, for the medium.
     */
    if (libewf_handle_segment_files_corrupted(s->ewf, NULL) != 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, s->path,
                                "the EWF set is incomplete: a segment file is missing or cut short "
                                "(%d found; ewfverify names the damage)",
                                count);
    size64_t size = 0;
    uint32_t bps = 0;
    if (libewf_handle_get_media_size(s->ewf, &size, &e) != 1 ||
        libewf_handle_get_bytes_per_sector(s->ewf, &bps, &e) != 1)
        return custos__ewf_error(err, CUSTOS_E_CORRUPT, s->path, &e, "cannot read media values");
    if (size == 0)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, s->path,
                                "the EWF set records a medium of 0 bytes: damaged header");
    s->info.kind = CUSTOS_SOURCE_EWF;
    s->info.size_bytes = size;
    s->info.size_known = 1;
    s->info.logical_sector_bytes = bps ? bps : 512;
    s->info.physical_sector_bytes = s->info.logical_sector_bytes;
    s->info.segment_count = (uint32_t)count;
    uint32_t spc = 0;
    if (libewf_handle_get_sectors_per_chunk(s->ewf, &spc, NULL) == 1 && spc != 0 &&
        (uint64_t)spc * s->info.logical_sector_bytes <= (64u << 20))
        s->ewf_chunk_bytes = (size_t)spc * s->info.logical_sector_bytes;
    ewf_media(s);
    if (libewf_handle_get_md5_hash(s->ewf, s->info.stored.md5, 16, NULL) == 1)
        s->info.stored.algs |= CUSTOS_DIGEST_MD5;
    if (libewf_handle_get_sha1_hash(s->ewf, s->info.stored.sha1, 20, NULL) == 1)
        s->info.stored.algs |= CUSTOS_DIGEST_SHA1;
    return CUSTOS_OK;
}

/*
 * libewf 20140813 returns a chunk whose checksum or deflate stream is bad as
 * zeros, without failing the read; it only adds the chunk to its list of
 * checksum errors. A read that overlaps a listed range must fail here, or
 * the zeros would pass for evidence.
 */
static int
ewf_damaged(struct custos_source *s, uint64_t offset, size_t len, uint64_t *bad_offset)
{
    uint32_t n = 0;
    if (libewf_handle_get_number_of_checksum_errors(s->ewf, &n, NULL) != 1)
        return 0;
    uint64_t bps = s->info.logical_sector_bytes;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t first = 0, count = 0;
        if (libewf_handle_get_checksum_error(s->ewf, i, &first, &count, NULL) != 1)
            continue;
        uint64_t a = first * bps, b = (first + count) * bps;
        if (a < offset + len && offset < b) {
            *bad_offset = a > offset ? a : offset;
            return 1;
        }
    }
    return 0;
}

int
custos_source_open(struct custos_source **out, const char *path, struct custos_error *err)
{
    *out = NULL;
    struct custos_source *s = calloc(1, sizeof(*s));
    if (s == NULL || (s->path = strdup(path)) == NULL) {
        free(s);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    }
    s->fd = -1;
    s->direct_fd = -1;
    s->info.path = s->path;
    s->info.logical_sector_bytes = 512;
    s->info.physical_sector_bytes = 512;
    s->info.segment_count = 1;
    int rc = CUSTOS_OK;

    if (strcmp(path, "-") == 0) {
        s->fd = dup(STDIN_FILENO);
        if (s->fd < 0) {
            rc = custos_error_set(err, CUSTOS_E_IO, errno, "standard input", "cannot read");
            goto fail;
        }
        s->info.kind = CUSTOS_SOURCE_STREAM;
        *out = s;
        return CUSTOS_OK;
    }

    struct split_scheme sc;
    if (split_scheme(path, &sc)) {
        rc = open_split(s, &sc, err);
        if (rc != CUSTOS_OK)
            goto fail;
        *out = s;
        return CUSTOS_OK;
    }

    /* O_NONBLOCK keeps a FIFO from blocking the open; cleared below. */
    s->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (s->fd < 0) {
        rc = custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot open source");
        goto fail;
    }
    struct stat st;
    if (fstat(s->fd, &st) != 0) {
        rc = custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot examine source");
        goto fail;
    }
    fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) & ~O_NONBLOCK);
    if (S_ISBLK(st.st_mode)) {
        s->info.kind = CUSTOS_SOURCE_BLOCK;
        block_identity(s, &st);
        if (!s->info.size_known) {
            rc = custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot read the device size");
            goto fail;
        }
    } else if (S_ISREG(st.st_mode)) {
        if (libewf_check_file_signature(path, NULL) == 1) {
            close(s->fd);
            s->fd = -1;
            rc = open_ewf(s, err);
            if (rc != CUSTOS_OK)
                goto fail;
        } else {
            s->info.kind = CUSTOS_SOURCE_FILE;
            s->info.size_bytes = (uint64_t)st.st_size;
            s->info.size_known = 1;
        }
    } else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISSOCK(st.st_mode)) {
        s->info.kind = CUSTOS_SOURCE_STREAM;
    } else {
        rc = custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, path,
                              S_ISDIR(st.st_mode) ? "is a directory, not a medium"
                                                  : "unsupported file type");
        goto fail;
    }
    *out = s;
    return CUSTOS_OK;
fail:
    custos_source_free(s);
    return rc;
}

static int
read_fd(struct custos_source *s, int fd, uint64_t offset, void *buf, size_t len, size_t *got)
{
    long long r = custos__pread_full(fd, buf, len, offset);
    if (r < 0)
        return custos_error_set(&s->err, CUSTOS_E_IO, errno, s->path, "read error at byte %llu",
                                (unsigned long long)offset);
    *got = (size_t)r;
    return CUSTOS_OK;
}

static int
read_stream(struct custos_source *s, uint64_t offset, void *buf, size_t len, size_t *got)
{
    if (offset != s->stream_pos)
        return custos_error_set(&s->err, CUSTOS_E_USAGE, 0, s->path,
                                "a stream can only be read in order");
    size_t done = 0;
    while (done < len) {
        ssize_t r = read(s->fd, (char *)buf + done, len - done);
        if (r < 0) {
            if (errno == EINTR && custos_progress_cancelled(s->progress))
                return custos_error_set(&s->err, CUSTOS_E_INTERRUPTED, 0, s->path, "interrupted");
            if (errno == EINTR)
                continue;
            return custos_error_set(&s->err, CUSTOS_E_IO, errno, s->path, "read error at byte %llu",
                                    (unsigned long long)(offset + done));
        }
        if (r == 0)
            break;
        done += (size_t)r;
    }
    s->stream_pos += done;
    s->info.size_bytes = s->stream_pos;
    *got = done;
    return CUSTOS_OK;
}

static int
read_split(struct custos_source *s, uint64_t offset, void *buf, size_t len, size_t *got)
{
    size_t done = 0;
    for (uint32_t i = 0; i < s->nparts && done < len; i++) {
        struct split_part *p = &s->parts[i];
        uint64_t at = offset + done;
        if (at < p->start || at >= p->start + p->size)
            continue;
        size_t want = len - done;
        if (want > p->start + p->size - at)
            want = (size_t)(p->start + p->size - at);
        long long r = custos__pread_full(p->fd, (char *)buf + done, want, at - p->start);
        if (r < 0)
            return custos_error_set(&s->err, CUSTOS_E_IO, errno, s->path,
                                    "read error in segment %u at byte %llu", i + 1,
                                    (unsigned long long)(at - p->start));
        if ((size_t)r < want)
            return custos_error_set(&s->err, CUSTOS_E_CORRUPT, 0, s->path,
                                    "segment %u is shorter than when it was opened", i + 1);
        done += want;
    }
    *got = done;
    return CUSTOS_OK;
}

static int
read_ewf(struct custos_source *s, uint64_t offset, void *buf, size_t len, size_t *got)
{
    libewf_error_t *e = NULL;
    if (offset >= s->info.size_bytes) {
        *got = 0;
        return CUSTOS_OK;
    }
    if (len > s->info.size_bytes - offset)
        len = (size_t)(s->info.size_bytes - offset);
    /* Reads of whole chunks inflate them on every core (ewf_read.c). */
    if (s->ewf_chunk_bytes != 0 && offset % s->ewf_chunk_bytes == 0 &&
        len >= 2 * s->ewf_chunk_bytes) {
        if (s->ewf_reader == NULL) {
            long cpus = sysconf(_SC_NPROCESSORS_ONLN);
            unsigned workers = cpus > 1 ? (unsigned)(cpus > 16 ? 15 : cpus - 1) : 0;
            int rc = custos__ewf_reader_new(&s->ewf_reader, s->ewf, s->info.size_bytes,
                                            s->ewf_chunk_bytes, workers, &s->err);
            if (rc != CUSTOS_OK)
                return rc;
        }
        uint64_t bad;
        int rc = custos__ewf_reader_read(s->ewf_reader, s->path, offset, buf, len, &bad, &s->err);
        if (rc == CUSTOS_OK)
            *got = len;
        return rc;
    }
    ssize_t r = libewf_handle_read_random(s->ewf, buf, len, (off64_t)offset, &e);
    if (r < 0 || (size_t)r != len) {
        char what[96];
        snprintf(what, sizeof(what), "cannot read %zu bytes at byte %llu", len,
                 (unsigned long long)offset);
        return custos__ewf_error(&s->err, CUSTOS_E_CORRUPT, s->path, &e, what);
    }
    uint64_t bad;
    if (ewf_damaged(s, offset, len, &bad))
        return custos_error_set(&s->err, CUSTOS_E_CORRUPT, 0, s->path,
                                "damaged chunk (checksum error) at byte %llu",
                                (unsigned long long)bad);
    *got = (size_t)r;
    return CUSTOS_OK;
}

int
custos_source_read(struct custos_source *s, uint64_t offset, void *buf, size_t len, unsigned flags,
                   size_t *got)
{
    *got = 0;
    custos_error_clear(&s->err);
    switch (s->info.kind) {
    case CUSTOS_SOURCE_STREAM:
        return read_stream(s, offset, buf, len, got);
    case CUSTOS_SOURCE_SPLIT_RAW:
        return read_split(s, offset, buf, len, got);
    case CUSTOS_SOURCE_EWF:
        return read_ewf(s, offset, buf, len, got);
    case CUSTOS_SOURCE_BLOCK:
        if (flags & CUSTOS_READ_UNCACHED) {
            if (s->direct_fd < 0)
                s->direct_fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_DIRECT);
            /* Some devices refuse O_DIRECT; a single-sector buffered read is
             * the best that remains. */
            if (s->direct_fd >= 0)
                return read_fd(s, s->direct_fd, offset, buf, len, got);
        }
        return read_fd(s, s->fd, offset, buf, len, got);
    case CUSTOS_SOURCE_FILE:
        return read_fd(s, s->fd, offset, buf, len, got);
    }
    return custos_error_set(&s->err, CUSTOS_E_USAGE, 0, s->path, "unknown source kind");
}

void
custos_source_set_progress(struct custos_source *s, const struct custos_progress *p)
{
    s->progress = p;
}

const struct custos_source_info *
custos_source_info(const struct custos_source *s)
{
    return &s->info;
}

const struct custos_error *
custos_source_error(const struct custos_source *s)
{
    return &s->err;
}

void
custos_source_free(struct custos_source *s)
{
    if (s == NULL)
        return;
    if (s->fd >= 0)
        close(s->fd);
    if (s->direct_fd >= 0)
        close(s->direct_fd);
    for (uint32_t i = 0; i < s->nparts; i++)
        close(s->parts[i].fd);
    free(s->parts);
    custos__ewf_reader_free(s->ewf_reader);
    if (s->ewf != NULL) {
        libewf_handle_close(s->ewf, NULL);
        libewf_handle_free(&s->ewf, NULL);
    }
    free(s->path);
    free(s);
}
