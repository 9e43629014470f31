/* SPDX-License-Identifier: ISC */
/*
 * fs_fat.c: checks of FAT12/16/32 structures that The Sleuth Kit 4.11 reads
 * too trustingly: a cluster chain that loops or ends early is read as if
 * whole (its digest would be of other data), and a directory entry whose
 * size or first cluster is out of range is dropped (the file would vanish
 * from the manifest). Both are read here from the raw file system and turn
 * into unreadable entries.
 */
#include "custos/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_private.h"

static int
is_fat(const TSK_FS_INFO *fs)
{
    return (fs->ftype & (TSK_FS_TYPE_FAT12 | TSK_FS_TYPE_FAT16 | TSK_FS_TYPE_FAT32)) != 0;
}

/* FAT12/16/32: reads the geometry fat_chain_bad needs from the boot sector. */
void
custos__fs_fat_geometry(struct fswalk *w)
{
    unsigned char b[512];
    w->fat_bits = 0;
    if (!is_fat(w->fs) || tsk_fs_read(w->fs, 0, (char *)b, sizeof(b)) != (ssize_t)sizeof(b))
        return;
    unsigned bps = b[11] | b[12] << 8, spc = b[13], rsv = b[14] | b[15] << 8, nfats = b[16];
    unsigned nroot = b[17] | b[18] << 8;
    uint64_t total = (unsigned)(b[19] | b[20] << 8), fatsz = (unsigned)(b[22] | b[23] << 8);
    if (total == 0)
        total = custos__fs_le32(b + 32);
    if (fatsz == 0)
        fatsz = custos__fs_le32(b + 36);
    if (bps == 0 || spc == 0 || nfats == 0)
        return;
    uint64_t meta = rsv + nfats * fatsz + ((uint64_t)nroot * 32 + bps - 1) / bps;
    if (total <= meta)
        return;
    w->fat_bits = (w->fs->ftype & TSK_FS_TYPE_FAT12)   ? 12
                  : (w->fs->ftype & TSK_FS_TYPE_FAT16) ? 16
                                                       : 32;
    w->fat_off = (uint64_t)rsv * bps;
    w->cluster_bytes = (uint64_t)spc * bps;
    w->lastclust = (total - meta) / spc + 1;
}

/* The FAT entry of cluster c, or UINT64_MAX when it cannot be read. */
static uint64_t
fat_entry(struct fswalk *w, uint64_t c)
{
    unsigned char v[4] = {0};
    uint64_t off = w->fat_bits == 12 ? c + c / 2 : c * (uint64_t)(w->fat_bits / 8);
    size_t n = w->fat_bits == 32 ? 4 : 2;
    if (tsk_fs_read(w->fs, (TSK_OFF_T)(w->fat_off + off), (char *)v, n) != (ssize_t)n)
        return UINT64_MAX;
    if (w->fat_bits == 12) {
        unsigned x = v[0] | v[1] << 8;
        return (c & 1) ? x >> 4 : x & 0xfff;
    }
    if (w->fat_bits == 16)
        return v[0] | v[1] << 8;
    return custos__fs_le32(v) & 0x0fffffff;
}

/*
 * FAT12/16/32: follows an allocated file's cluster chain for as many
 * clusters as its size needs. TSK 4.11 reads a chain that loops or ends
 * early as if it were whole (or yields nothing), so its digest would be of
 * other data. Returns 0 when the chain holds, else -1 with msg set.
 */
int
custos__fs_fat_chain_bad(struct fswalk *w, TSK_FS_FILE *f, char *msg, size_t msglen)
{
    TSK_FS_META *meta = f->meta;
    if (w->fat_bits == 0 || meta == NULL || !(meta->flags & TSK_FS_META_FLAG_ALLOC) ||
        meta->type != TSK_FS_META_TYPE_REG || meta->size <= 0 || meta->content_ptr == NULL ||
        meta->content_len < sizeof(TSK_DADDR_T) || meta->addr > w->fs->last_inum - 4)
        return 0; /* the last inodes are TSK's virtual files ($MBR, $FAT1, ...) */
    uint64_t need = ((uint64_t)meta->size + w->cluster_bytes - 1) / w->cluster_bytes;
    /* TSK keeps the first cluster as the first address of the content. */
    uint64_t start = ((TSK_DADDR_T *)meta->content_ptr)[0], c = start, next = 0;
    if (start < 2 || start > w->lastclust) {
        snprintf(msg, msglen, "first cluster %llu is outside the file system (2-%llu)",
                 (unsigned long long)start, (unsigned long long)w->lastclust);
        return -1;
    }
    if (w->fat_seen == NULL && (w->fat_seen = calloc(w->lastclust / 8 + 1, 1)) == NULL) {
        snprintf(msg, msglen, "out of memory checking its cluster chain");
        return -1;
    }
    int bad = 0;
    uint64_t i;
    for (i = 1; i < need && !bad; i++) {
        w->fat_seen[c / 8] |= (uint8_t)(1u << (c % 8));
        next = fat_entry(w, c);
        if (next == UINT64_MAX) {
            snprintf(msg, msglen, "cannot read the FAT entry of cluster %llu",
                     (unsigned long long)c);
            bad = 1;
        } else if (next < 2 || next > w->lastclust) {
            snprintf(msg, msglen,
                     "its cluster chain ends after %llu of the %llu clusters its size of %lld "
                     "bytes needs",
                     (unsigned long long)i, (unsigned long long)need, (long long)meta->size);
            bad = 1;
        } else if (w->fat_seen[next / 8] & (1u << (next % 8))) {
            snprintf(msg, msglen,
                     "its cluster chain loops back to cluster %llu after %llu of %llu clusters",
                     (unsigned long long)next, (unsigned long long)i, (unsigned long long)need);
            bad = 1;
        } else {
            c = next;
        }
    }
    /* Clear the marks along the same path: at most i clusters. */
    c = start;
    for (uint64_t j = 0; j < i && c >= 2 && c <= w->lastclust; j++) {
        w->fat_seen[c / 8] &= (uint8_t) ~(1u << (c % 8));
        c = fat_entry(w, c);
    }
    tsk_error_reset();
    return bad ? -1 : 0;
}

/* The directory record for addr, made (with path) when new; NULL when out of memory. */
static struct fatdir *
fat_dir(struct fswalk *w, TSK_INUM_T addr, const char *path, size_t plen)
{
    for (size_t i = w->ndirs; i-- > 0;)
        if (w->dirs[i].addr == addr)
            return &w->dirs[i];
    if (w->ndirs == w->capdirs) {
        size_t cap = w->capdirs ? w->capdirs * 2 : 16;
        struct fatdir *d = realloc(w->dirs, cap * sizeof(*d));
        if (d == NULL)
            return NULL;
        w->dirs = d;
        w->capdirs = cap;
    }
    struct fatdir *d = &w->dirs[w->ndirs];
    if ((d->path = malloc(plen + 1)) == NULL)
        return NULL;
    memcpy(d->path, path, plen);
    d->path[plen] = '\0';
    d->addr = addr;
    d->listed = 0;
    w->ndirs++;
    return d;
}

/* FAT: counts an allocated name TSK listed in its directory, and notes directories. */
int
custos__fs_fat_listed(struct fswalk *w, TSK_FS_FILE *f, const char *dir)
{
    size_t dlen = strlen(dir);
    /* The parent's path is dir without its trailing slash. */
    struct fatdir *p = fat_dir(w, f->name->par_addr, dir, dlen > 0 ? dlen - 1 : 0);
    if (p == NULL)
        return -1;
    p->listed++;
    if (f->name->type == TSK_FS_NAME_TYPE_DIR) {
        size_t n = dlen + strlen(f->name->name);
        char *path = malloc(n + 1);
        if (path == NULL)
            return -1;
        snprintf(path, n + 1, "%s%s", dir, f->name->name);
        struct fatdir *d = fat_dir(w, f->name->meta_addr, path, n);
        free(path);
        if (d == NULL)
            return -1;
    }
    return 0;
}

/*
 * FAT: TSK 4.11 drops a directory entry whose size or first cluster is out
 * of range, so the file would vanish from the manifest. Each directory's
 * in-use short entries are counted here from its raw bytes; a directory
 * holding more than TSK listed is recorded as unreadable, naming how many.
 */
int
custos__fs_fat_check_dirs(struct fswalk *w)
{
    int rc = CUSTOS_OK;
    if (fat_dir(w, w->fs->root_inum, "", 0) == NULL)
        return CUSTOS_E_NOMEM;
    for (size_t i = 0; i < w->ndirs && rc == CUSTOS_OK; i++) {
        struct fatdir *d = &w->dirs[i];
        tsk_error_reset();
        TSK_FS_FILE *f = tsk_fs_file_open_meta(w->fs, NULL, d->addr);
        if (f == NULL || f->meta == NULL) {
            tsk_fs_file_close(f);
            continue;
        }
        TSK_OFF_T size = f->meta->size, off = 0;
        if (size > (TSK_OFF_T)(2u << 20))
            size = 2u << 20; /* 65,536 entries: FAT's own limit for a directory */
        size_t entries = 0;
        int end = 0;
        while (off < size && !end) {
            ssize_t n = tsk_fs_file_read(f, off, (char *)w->buf,
                                         (size_t)(size - off < 65536 ? size - off : 65536),
                                         TSK_FS_FILE_READ_FLAG_NONE);
            if (n <= 0)
                break;
            for (ssize_t o = 0; o + 32 <= n; o += 32) {
                const unsigned char *e = w->buf + o;
                if (e[0] == 0x00) {
                    end = 1;
                    break;
                }
                if (e[0] == 0xe5 || (e[11] & 0x3f) == 0x0f || e[0] == '.')
                    continue;
                entries++;
            }
            off += n;
        }
        tsk_fs_file_close(f);
        tsk_error_reset();
        if (entries <= d->listed)
            continue;
        struct custos_manifest_entry e;
        memset(&e, 0, sizeof(e));
        char disp[1024];
        e.path = d->path[0] != '\0' ? d->path : "/";
        e.path_len = strlen(e.path);
        custos_path_display(e.path, e.path_len, disp, sizeof(disp));
        struct custos_error err;
        char pre[48] = "";
        if (w->partition >= 0)
            snprintf(pre, sizeof(pre), "partition %lld: ", (long long)w->partition);
        custos_error_set(&err, CUSTOS_E_INCOMPLETE, 0, NULL,
                         "%s%s: %zu of its %zu directory entries are damaged (size or first "
                         "cluster out of range) and were not read",
                         pre, disp, entries - d->listed, entries);
        e.type = CUSTOS_ENTRY_DIRECTORY;
        e.in_image = true;
        e.partition = w->partition;
        e.fs_offset_bytes = w->offset;
        e.fs_type = (char *)w->fs_type;
        e.inode = (uint64_t)d->addr;
        e.allocated = true;
        e.status = CUSTOS_E_INCOMPLETE;
        e.error = err.message;
        custos__fs_incomplete(w, &err);
        rc = custos_manifest_add(w->m, &e);
    }
    return rc;
}

void
custos__fs_fat_dirs_free(struct fswalk *w)
{
    for (size_t i = 0; i < w->ndirs; i++)
        free(w->dirs[i].path);
    free(w->dirs);
    w->dirs = NULL;
    w->ndirs = w->capdirs = 0;
}
