/* SPDX-License-Identifier: ISC */
/*
 * fs.c: hashing the files inside the file systems of an image through The
 * Sleuth Kit (fs.h).
 *
 * The walk is TSK's own directory walk with the flags `fls -r` uses
 * (allocated and unallocated names, recursive, orphans included), so the
 * entries are the names fls lists, with the same paths (fls -p) and inode
 * addresses. Content is read with tsk_fs_file_read, the call icat makes, so
 * a digest equals `icat IMAGE INODE | sha256sum`. TSK is not thread-safe on
 * one image handle, so this runs on the calling thread.
 *
 * The image reader that lets TSK see damage is fs_image.c; the checks of
 * FAT structures TSK 4.11 reads too trustingly are fs_fat.c.
 *
 * Invariants:
 *   1. The image is opened read-only by TSK; nothing is ever written to it.
 *   2. Allocated files: a read failure is recorded on the entry (status
 *      INCOMPLETE) and the walk goes on; the run ends INCOMPLETE.
 *   3. Deleted names: hashed only when TSK can read the whole content and
 *      the inode is not reallocated; otherwise listed without digests.
 */
#include "custos/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tsk/libtsk.h>

#include "custos/digest.h"
#include "custos/source.h"
#include "filetype_private.h"
#include "fs_private.h"
#include "manifest_private.h"

static void
tsk_time(struct custos_time *t, time_t sec, uint32_t nsec)
{
    memset(t, 0, sizeof(*t));
    if (sec == 0 && nsec == 0)
        return;
    t->set = true;
    t->sec = (int64_t)sec;
    t->nsec = nsec < 1000000000u ? nsec : 0;
}

/* A file's content ranges that lie in damaged image data, as (offset, length) pairs. */
struct zf {
    struct fswalk *w;
    uint64_t *r;
    size_t n, cap;
    int nomem;
};

static TSK_WALK_RET_ENUM zf_block(TSK_FS_FILE *f, TSK_OFF_T a_off, TSK_DADDR_T addr, char *buf,
                                  size_t len, TSK_FS_BLOCK_FLAG_ENUM flags, void *ptr);

/* Adds file range [fa, fb) to z, merged with the last one when they touch. */
static void
zf_add(struct zf *z, uint64_t fa, uint64_t fb)
{
    if (z->n > 0 && z->r[2 * (z->n - 1)] + z->r[2 * (z->n - 1) + 1] == fa) {
        z->r[2 * (z->n - 1) + 1] += fb - fa;
        return;
    }
    if (z->n == z->cap) {
        size_t cap = z->cap ? z->cap * 2 : 8;
        uint64_t *p = realloc(z->r, cap * 2 * sizeof(*p));
        if (p == NULL) {
            z->nomem = 1;
            return;
        }
        z->r = p;
        z->cap = cap;
    }
    z->r[2 * z->n] = fa;
    z->r[2 * z->n + 1] = fb - fa;
    z->n++;
}

static TSK_WALK_RET_ENUM
zf_block(TSK_FS_FILE *f, TSK_OFF_T a_off, TSK_DADDR_T addr, char *buf, size_t len,
         TSK_FS_BLOCK_FLAG_ENUM flags, void *ptr)
{
    (void)buf;
    struct zf *z = ptr;
    if ((flags & (TSK_FS_BLOCK_FLAG_RES | TSK_FS_BLOCK_FLAG_SPARSE)) || len == 0)
        return TSK_WALK_CONT;
    uint64_t a = (uint64_t)f->fs_info->offset + (uint64_t)addr * f->fs_info->block_size;
    const struct extimg *x = z->w->x;
    for (size_t i = 0; i < x->nbad; i++) {
        uint64_t ba = x->bad[2 * i], bb = x->bad[2 * i + 1];
        if (ba >= a + len || bb <= a)
            continue;
        uint64_t lo = ba > a ? ba : a, hi = bb < a + len ? bb : a + len;
        zf_add(z, (uint64_t)a_off + (lo - a), (uint64_t)a_off + (hi - a));
    }
    return z->nomem ? TSK_WALK_ERROR : TSK_WALK_CONT;
}

/* Fills e's zero_filled from the damaged ranges the file's blocks overlap. */
static int
find_zero_filled(struct fswalk *w, TSK_FS_FILE *f, const TSK_FS_ATTR *attr,
                 struct custos_manifest_entry *e)
{
    struct zf z = {.w = w};
    if (w->x == NULL || w->x->nbad == 0)
        return CUSTOS_OK;
    int flags = TSK_FS_FILE_WALK_FLAG_AONLY | TSK_FS_FILE_WALK_FLAG_NOSPARSE;
    tsk_error_reset();
    if (attr != NULL)
        tsk_fs_attr_walk(attr, (TSK_FS_FILE_WALK_FLAG_ENUM)flags, zf_block, &z);
    else
        tsk_fs_file_walk(f, (TSK_FS_FILE_WALK_FLAG_ENUM)flags, zf_block, &z);
    tsk_error_reset();
    if (z.nomem) {
        free(z.r);
        return CUSTOS_E_NOMEM;
    }
    e->zero_filled = z.r;
    e->nzero_filled = z.n;
    return CUSTOS_OK;
}

/*
 * Reads a whole stream into the digest, keeping its first read in w->head
 * for typing; 0 ok, -1 read failure (msg set), 1 cancelled, -2 out of memory.
 */
static int
read_content(struct fswalk *w, TSK_FS_FILE *f, const TSK_FS_ATTR *attr,
             struct custos_manifest_entry *e, char *msg, size_t msglen)
{
    TSK_OFF_T size = attr != NULL ? attr->size : f->meta->size, off = 0;
    /* A size beyond the file system is damaged metadata (TSK would yield
     * zeros for ever); a sparse file that large is not read either. */
    uint64_t img_bytes = (uint64_t)w->fs->img_info->size;
    if (size < 0 || (uint64_t)size > img_bytes) {
        snprintf(msg, msglen,
                 "recorded size %lld bytes is larger than the whole image (%llu bytes): "
                 "damaged metadata, not read",
                 (long long)size, (unsigned long long)img_bytes);
        return -1;
    }
    custos_digest_reset(w->digest);
    bool first = true;
    while (off < size) {
        if (custos_progress_cancelled(w->progress))
            return 1;
        size_t want =
            (size_t)(size - off < CUSTOS_TREE_BUFFER_BYTES ? size - off : CUSTOS_TREE_BUFFER_BYTES);
        tsk_error_reset();
        ssize_t n =
            attr != NULL
                ? tsk_fs_attr_read(attr, off, (char *)w->buf, want, TSK_FS_FILE_READ_FLAG_NONE)
                : tsk_fs_file_read(f, off, (char *)w->buf, want, TSK_FS_FILE_READ_FLAG_NONE);
        if (n < 0) {
            snprintf(msg, msglen, "read failed at offset %lld: %s", (long long)off,
                     custos__fs_tsk_msg());
            return -1;
        }
        if (n == 0 && TSK_FS_TYPE_ISNTFS(w->fs->ftype))
            break; /* TSK yields no more (an NTFS stream past its initialized size): as icat */
        if (n == 0) {
            /* A cluster chain that ends early or loops: what is recorded is not there. */
            snprintf(msg, msglen, "content ends at byte %lld of the recorded %lld: %s",
                     (long long)off, (long long)size, custos__fs_tsk_msg());
            return -1;
        }
        if (first && w->types != NULL) {
            /* Typed later on another thread (filetype_queue.c), from these same bytes. */
            w->head = malloc((size_t)n);
            if (w->head == NULL)
                return -2;
            memcpy(w->head, w->buf, (size_t)n);
            w->head_len = (size_t)n;
        }
        first = false;
        custos_digest_update(w->digest, w->buf, (size_t)n);
        off += n;
        w->done_bytes += (uint64_t)n;
        custos_progress_update(w->progress, w->done_bytes, 0);
    }
    custos_digest_final(w->digest, &e->digest);
    e->size_bytes = (uint64_t)off;
    return 0;
}

/* custos__typeq_apply_fn: a file's type, typed on another thread, into its entry (id: its
 * index as custos_manifest_add added it; the manifest is sorted only after the walk). */
static int
take_type(void *ctx, size_t id, char *mime, char *desc)
{
    struct custos_manifest *m = ctx;
    return custos__manifest_take_type(m, &m->entries[id], mime, desc);
}

/*
 * Hashes one data stream (attr, or the file's default one when NULL) into e
 * and adds e. An allocated file that cannot be read is added with its error;
 * a deleted one without digests. Returns a status; INTERRUPTED sets fatal.
 */
static int
hash_and_add(struct fswalk *w, TSK_FS_FILE *f, const TSK_FS_ATTR *attr,
             struct custos_manifest_entry *e)
{
    char msg[512] = "";
    e->mime = e->description = NULL;
    int r = attr == NULL ? custos__fs_fat_chain_bad(w, f, msg, sizeof(msg)) : 0;
    if (r == 0)
        r = read_content(w, f, attr, e, msg, sizeof(msg));
    int rc = CUSTOS_OK;
    if (r > 0 || r == -2) {
        rc = r > 0 ? CUSTOS_E_INTERRUPTED : CUSTOS_E_NOMEM;
        w->fatal = rc;
        goto out;
    }
    if (r == 0 && (rc = find_zero_filled(w, f, attr, e)) != CUSTOS_OK) {
        w->fatal = rc;
        goto out;
    }
    if (r == 0 && e->nzero_filled > 0) {
        uint64_t zbytes = 0;
        for (size_t i = 0; i < e->nzero_filled; i++)
            zbytes += e->zero_filled[2 * i + 1];
        snprintf(msg, sizeof(msg),
                 "%llu bytes of it (from file offset %llu) lie in damaged or unreadable image "
                 "data and were read as zeros: no digest",
                 (unsigned long long)zbytes, (unsigned long long)e->zero_filled[0]);
        r = -1;
    }
    if (r < 0) {
        memset(&e->digest, 0, sizeof(e->digest));
        free(e->mime);
        free(e->description);
        e->mime = e->description = NULL;
        if (e->allocated) {
            char disp[1024];
            struct custos_error err;
            custos_path_display(e->path, e->path_len, disp, sizeof(disp));
            if (w->partition >= 0)
                custos_error_set(&err, CUSTOS_E_INCOMPLETE, 0, NULL, "partition %lld: %s: %s",
                                 (long long)w->partition, disp, msg);
            else
                custos_error_set(&err, CUSTOS_E_INCOMPLETE, 0, disp, "%s", msg);
            e->status = CUSTOS_E_INCOMPLETE;
            e->error = err.message;
            if (w->status == CUSTOS_OK)
                custos_error_copy(&w->first, &err);
            w->status = CUSTOS_E_INCOMPLETE;
            rc = custos_manifest_add(w->m, e);
            e->error = NULL;
            goto out;
        }
    }
    rc = custos_manifest_add(w->m, e);
    if (rc == CUSTOS_OK && w->types != NULL) {
        rc = custos__typeq_put(w->types, custos_manifest_count(w->m) - 1, w->head, w->head_len,
                               take_type, w->m);
        w->head = NULL;
        if (rc != CUSTOS_OK)
            w->fatal = rc;
    }
out:
    free(w->head);
    w->head = NULL;
    w->head_len = 0;
    free(e->mime);
    free(e->description);
    free(e->zero_filled);
    e->mime = e->description = NULL;
    e->zero_filled = NULL;
    e->nzero_filled = 0;
    return rc;
}

/* Makes the run INCOMPLETE with err as its first problem unless one is known. */
void
custos__fs_incomplete(struct fswalk *w, const struct custos_error *err)
{
    if (w->status == CUSTOS_OK)
        custos_error_copy(&w->first, err);
    w->status = CUSTOS_E_INCOMPLETE;
}

static TSK_WALK_RET_ENUM
visit(TSK_FS_FILE *f, const char *dir, void *ptr)
{
    struct fswalk *w = ptr;
    if (f->name == NULL || TSK_FS_ISDOT(f->name->name))
        return TSK_WALK_CONT;
    if (custos_progress_cancelled(w->progress)) {
        w->fatal = CUSTOS_E_INTERRUPTED;
        return TSK_WALK_STOP;
    }
    TSK_FS_META *meta = f->meta;
    int mtype = meta != NULL ? (int)meta->type : -1;
    TSK_FS_NAME_TYPE_ENUM ntype = f->name->type;
    if (w->fat_bits != 0 && (f->name->flags & TSK_FS_NAME_FLAG_ALLOC) &&
        f->name->meta_addr < w->fs->last_inum - 3 && custos__fs_fat_listed(w, f, dir) != 0) {
        w->fatal = CUSTOS_E_NOMEM;
        return TSK_WALK_STOP;
    }
    if (mtype == TSK_FS_META_TYPE_DIR || mtype == TSK_FS_META_TYPE_VIRT_DIR ||
        (meta == NULL && (ntype == TSK_FS_NAME_TYPE_DIR || ntype == TSK_FS_NAME_TYPE_VIRT_DIR)))
        return TSK_WALK_CONT;

    struct custos_manifest_entry e;
    memset(&e, 0, sizeof(e));
    size_t dlen = strlen(dir), nlen = strlen(f->name->name);
    char *path = malloc(dlen + nlen + 1);
    if (path == NULL) {
        w->fatal = CUSTOS_E_NOMEM;
        return TSK_WALK_STOP;
    }
    memcpy(path, dir, dlen);
    memcpy(path + dlen, f->name->name, nlen + 1);
    e.path = path;
    e.path_len = dlen + nlen;
    e.in_image = true;
    e.partition = w->partition;
    e.fs_offset_bytes = w->offset;
    e.fs_type = (char *)w->fs_type;
    e.inode = (uint64_t)f->name->meta_addr;
    e.allocated = (f->name->flags & TSK_FS_NAME_FLAG_ALLOC) != 0;
    e.reallocated = !e.allocated && meta != NULL && (meta->flags & TSK_FS_META_FLAG_ALLOC);

    bool regular = mtype == TSK_FS_META_TYPE_REG || (meta == NULL && ntype == TSK_FS_NAME_TYPE_REG);
    if (mtype == TSK_FS_META_TYPE_VIRT || (meta == NULL && ntype == TSK_FS_NAME_TYPE_VIRT))
        e.type = CUSTOS_ENTRY_VIRTUAL;
    else if (regular)
        e.type = CUSTOS_ENTRY_FILE;
    else if (mtype == TSK_FS_META_TYPE_LNK || (meta == NULL && ntype == TSK_FS_NAME_TYPE_LNK))
        e.type = CUSTOS_ENTRY_SYMLINK;
    else
        e.type = CUSTOS_ENTRY_SPECIAL;
    if (e.type == CUSTOS_ENTRY_SPECIAL) {
        int t = mtype >= 0 ? mtype : -1;
        e.kind = (char *)(t == TSK_FS_META_TYPE_FIFO   ? "fifo"
                          : t == TSK_FS_META_TYPE_SOCK ? "socket"
                          : t == TSK_FS_META_TYPE_CHR  ? "char-device"
                          : t == TSK_FS_META_TYPE_BLK  ? "block-device"
                                                       : "unknown");
    }
    int rc = CUSTOS_OK;
    if (meta != NULL) {
        e.size_bytes = (uint64_t)(meta->size < 0 ? 0 : meta->size);
        tsk_time(&e.mtime, meta->mtime, meta->mtime_nano);
        tsk_time(&e.atime, meta->atime, meta->atime_nano);
        tsk_time(&e.ctime, meta->ctime, meta->ctime_nano);
        tsk_time(&e.crtime, meta->crtime, meta->crtime_nano);
        if (e.type == CUSTOS_ENTRY_SYMLINK && meta->link != NULL) {
            e.target = meta->link;
            e.target_len = strlen(meta->link);
        }
    }
    bool hash = meta != NULL && !e.reallocated &&
                (e.type == CUSTOS_ENTRY_FILE || e.type == CUSTOS_ENTRY_VIRTUAL);
    int streams = 0;
    if (hash && TSK_FS_TYPE_ISNTFS(w->fs->ftype)) {
        /*
         * NTFS: one entry per $DATA and $INDEX_ROOT attribute, as fls lists
         * them: the unnamed (or $Data / $I30) one under the file's name,
         * each other one, alternate data streams included, as "name:stream".
         */
        int cnt = tsk_fs_file_attr_getsize(f);
        for (int i = 0; i < cnt && rc == CUSTOS_OK && w->fatal == 0; i++) {
            const TSK_FS_ATTR *a = tsk_fs_file_attr_get_idx(f, i);
            if (a == NULL ||
                (a->type != TSK_FS_ATTR_TYPE_NTFS_DATA && a->type != TSK_FS_ATTR_TYPE_NTFS_IDXROOT))
                continue;
            streams++;
            struct custos_manifest_entry s = e;
            char *spath = NULL;
            const char *plain = a->type == TSK_FS_ATTR_TYPE_NTFS_DATA ? "$Data" : "$I30";
            if (a->name != NULL && a->name[0] != '\0' && strcmp(a->name, plain) != 0) {
                size_t an = strlen(a->name);
                spath = malloc(e.path_len + an + 2);
                if (spath == NULL) {
                    rc = CUSTOS_E_NOMEM;
                    break;
                }
                memcpy(spath, e.path, e.path_len);
                spath[e.path_len] = ':';
                memcpy(spath + e.path_len + 1, a->name, an + 1);
                s.path = spath;
                s.path_len = e.path_len + 1 + an;
            }
            s.attr_type = (int32_t)a->type;
            s.attr_id = (int32_t)a->id;
            s.size_bytes = (uint64_t)(a->size < 0 ? 0 : a->size);
            rc = hash_and_add(w, f, a, &s);
            free(spath);
        }
    }
    /* A file without a default data attribute has no content icat could show. */
    if (hash && streams == 0 && tsk_fs_file_attr_get(f) == NULL) {
        tsk_error_reset();
        hash = false;
    }
    if (rc == CUSTOS_OK && w->fatal == 0 && streams == 0)
        rc = hash ? hash_and_add(w, f, NULL, &e) : custos_manifest_add(w->m, &e);
    free(path);
    if (rc != CUSTOS_OK && w->fatal == 0)
        w->fatal = rc;
    return w->fatal != 0 ? TSK_WALK_STOP : TSK_WALK_CONT;
}

/*
 * Flags the volume added last when damaged image data lies in [a, b): its
 * metadata there was read as zeros, so files may be missing or wrong.
 */
static int
volume_damage(struct fswalk *w, int64_t partition, uint64_t a, uint64_t b)
{
    size_t count;
    const uint64_t *r = custos__fs_bad_in(w->x, a, b, &count);
    if (r == NULL)
        return CUSTOS_OK;
    char pre[48] = "";
    if (partition >= 0)
        snprintf(pre, sizeof(pre), "partition %lld: ", (long long)partition);
    struct custos_error err;
    custos_error_set(&err, CUSTOS_E_INCOMPLETE, 0, NULL,
                     "%sdamaged or unreadable image data at image bytes %llu-%llu%s, read as "
                     "zeros (%s): files or metadata there may be missing or wrong",
                     pre, (unsigned long long)r[0], (unsigned long long)(r[1] - 1),
                     count > 1 ? " and more" : "", w->x->why);
    custos__fs_incomplete(w, &err);
    return custos_manifest_volume_error(w->m, err.message);
}

static int
walk_fs(struct fswalk *w, TSK_FS_INFO *fs, int64_t partition, uint64_t offset, uint64_t len,
        const char *desc)
{
    w->fs = fs;
    w->partition = partition;
    w->offset = offset;
    w->fs_type = tsk_fs_type_toname(fs->ftype);
    free(w->fat_seen);
    w->fat_seen = NULL;
    custos__fs_fat_geometry(w);
    int rc = custos_manifest_add_volume(w->m, partition, offset, w->fs_type, desc);
    if (rc != CUSTOS_OK)
        return rc;
    tsk_error_reset();
    uint8_t r = tsk_fs_dir_walk(fs, fs->root_inum,
                                TSK_FS_DIR_WALK_FLAG_ALLOC | TSK_FS_DIR_WALK_FLAG_UNALLOC |
                                    TSK_FS_DIR_WALK_FLAG_RECURSE,
                                visit, w);
    if (w->fatal == 0 && w->fat_bits != 0)
        w->fatal = custos__fs_fat_check_dirs(w);
    custos__fs_fat_dirs_free(w);
    if (w->fatal != 0)
        return w->fatal;
    if (r != 0) {
        /* TSK stops a walk on a directory it cannot read: that part was not hashed. */
        struct custos_error err;
        if (partition >= 0)
            custos_error_set(&err, CUSTOS_E_INCOMPLETE, 0, NULL,
                             "partition %lld: directory walk stopped: %s", (long long)partition,
                             custos__fs_tsk_msg());
        else
            custos_error_set(&err, CUSTOS_E_INCOMPLETE, 0, NULL, "directory walk stopped: %s",
                             custos__fs_tsk_msg());
        custos__fs_incomplete(w, &err);
    }
    return volume_damage(w, partition, offset, offset + len);
}

/*
 * The ext2/3/4 superblock values the kernel checks before mounting (and
 * TSK 4.11 does not): with a damaged inode size TSK takes gigabytes and
 * minutes for a 16 MB image and lists nothing. Returns NULL when they hold,
 * else what is wrong (in why).
 */
static const char *
ext_superblock_bad(TSK_FS_INFO *fs, char *why, size_t len)
{
    unsigned char sb[1024];
    if (tsk_fs_read(fs, 1024, (char *)sb, sizeof(sb)) != (ssize_t)sizeof(sb)) {
        snprintf(why, len, "the superblock cannot be read");
        return why;
    }
    uint32_t log_block = custos__fs_le32(sb + 24), blocks_per_group = custos__fs_le32(sb + 32);
    uint32_t inodes_per_group = custos__fs_le32(sb + 40), rev = custos__fs_le32(sb + 76);
    unsigned inode_size = rev >= 1 ? (unsigned)sb[88] | (unsigned)sb[89] << 8 : 128;
    if (log_block > 6) {
        snprintf(why, len, "block size 2^(10+%u) is out of range", (unsigned)log_block);
        return why;
    }
    uint32_t block = 1024u << log_block;
    if (inode_size < 128 || inode_size > block || (inode_size & (inode_size - 1)) != 0)
        snprintf(why, len, "inode size %u is not a power of two from 128 to the block size %u",
                 inode_size, (unsigned)block);
    else if (blocks_per_group == 0 || blocks_per_group > 8 * block)
        snprintf(why, len, "%u blocks per group is out of range", (unsigned)blocks_per_group);
    else if (inodes_per_group == 0 || inodes_per_group > 8 * block)
        snprintf(why, len, "%u inodes per group is out of range", (unsigned)inodes_per_group);
    else
        return NULL;
    return why;
}

/*
 * Records a partition (or an image without partitions) in which no file
 * system could be opened: not hashed, which the run says (INCOMPLETE).
 */
static int
unread_volume(struct fswalk *w, int64_t partition, uint64_t offset, uint64_t len, const char *desc,
              const char *fs_type, const char *reason)
{
    char pre[48] = "";
    if (partition >= 0)
        snprintf(pre, sizeof(pre), "partition %lld: ", (long long)partition);
    int rc = custos_manifest_add_volume(w->m, partition, offset, fs_type, desc);
    if (rc != CUSTOS_OK)
        return rc;
    size_t count;
    const uint64_t *r = custos__fs_bad_in(w->x, offset, offset + len, &count);
    struct custos_error err;
    if (r != NULL)
        custos_error_set(&err, CUSTOS_E_INCOMPLETE, 0, NULL,
                         "%sno file system read, not hashed: damaged or unreadable image data at "
                         "image bytes %llu-%llu%s (%s)",
                         pre, (unsigned long long)r[0], (unsigned long long)(r[1] - 1),
                         count > 1 ? " and more" : "", w->x->why);
    else if (reason != NULL)
        custos_error_set(&err, CUSTOS_E_INCOMPLETE, 0, NULL,
                         "%s%s file system damaged: %s; not hashed", pre, fs_type, reason);
    else
        custos_error_set(&err, CUSTOS_E_INCOMPLETE, 0, NULL,
                         "%sno file system The Sleuth Kit recognises (%llu bytes at byte %llu, "
                         "\"%s\"): not hashed",
                         pre, (unsigned long long)len, (unsigned long long)offset, desc);
    custos__fs_incomplete(w, &err);
    return custos_manifest_volume_error(w->m, err.message);
}

/* Walks fs unless its superblock is damaged in a way TSK does not survive. */
static int
check_and_walk(struct fswalk *w, TSK_FS_INFO *fs, int64_t partition, uint64_t offset, uint64_t len,
               const char *desc)
{
    char why[160];
    if (TSK_FS_TYPE_ISEXT(fs->ftype) && ext_superblock_bad(fs, why, sizeof(why)) != NULL)
        return unread_volume(w, partition, offset, len, desc, tsk_fs_type_toname(fs->ftype), why);
    return walk_fs(w, fs, partition, offset, len, desc);
}

/*
 * Chooses the image type from the first and last bytes rather than with
 * TSK_IMG_TYPE_DETECT: TSK 4.11's detection tries VHD and VMDK first and
 * leaks their handles when they fail, on every raw image. EWF, VMDK and VHD
 * have signatures; anything else is raw (custos_source finds the other
 * segments of a split set from the first one's name).
 */
static int
image_type(const char *image, TSK_IMG_TYPE_ENUM *type, struct custos_error *err)
{
    static const unsigned char evf[8] = {'E', 'V', 'F', 0x09, 0x0d, 0x0a, 0xff, 0x00};
    unsigned char head[512], tail[512];
    *type = TSK_IMG_TYPE_RAW;
    int fd = open(image, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, image, "cannot open image");
    struct stat st;
    ssize_t n = read(fd, head, sizeof(head));
    if (n < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return custos_error_set(err, CUSTOS_E_IO, e, image, "cannot read image");
    }
    ssize_t t = st.st_size >= 512 ? pread(fd, tail, sizeof(tail), st.st_size - 512) : 0;
    close(fd);
    if (n >= 8 && memcmp(head, evf, 8) == 0)
        *type = TSK_IMG_TYPE_EWF_EWF;
    else if ((n >= 4 && memcmp(head, "KDMV", 4) == 0) ||
             (n >= 21 && memcmp(head, "# Disk DescriptorFile", 21) == 0))
        *type = TSK_IMG_TYPE_VMDK_VMDK;
    else if (t == 512 && memcmp(tail, "conectix", 8) == 0)
        *type = TSK_IMG_TYPE_VHD_VHD;
    return CUSTOS_OK;
}

int
custos_fs_hash(struct custos_manifest *m, const char *image, const struct custos_hash_options *opts,
               const struct custos_progress *progress, struct custos_error *err)
{
    struct fswalk w;
    memset(&w, 0, sizeof(w));
    w.m = m;
    w.progress = progress;
    custos_progress_phase(progress, CUSTOS_PHASE_HASHING);
    custos_error_clear(&w.first);
    int rc = custos_digest_new(&w.digest, custos_manifest_algs(m), err);
    if (rc != CUSTOS_OK)
        return rc;
    unsigned jobs = opts != NULL ? opts->jobs : 0;
    if ((opts == NULL || !opts->no_types) &&
        (rc = custos__typeq_new(&w.types, jobs, err)) != CUSTOS_OK) {
        custos_digest_free(w.digest);
        return rc;
    }
    w.buf = malloc(CUSTOS_TREE_BUFFER_BYTES);
    if (w.buf == NULL) {
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, image, "out of memory");
        goto out;
    }
    TSK_IMG_TYPE_ENUM type;
    rc = image_type(image, &type, err);
    if (rc != CUSTOS_OK)
        goto out;
    TSK_IMG_INFO *img;
    if (type == TSK_IMG_TYPE_RAW || type == TSK_IMG_TYPE_EWF_EWF) {
        img = custos__fs_image_open(image, &w.x, err);
        if (img == NULL) {
            rc = err->status;
            goto out;
        }
    } else {
        tsk_error_reset();
        img = tsk_img_open_utf8_sing(image, type, 0);
        if (img == NULL) {
            rc = custos_error_set(err, CUSTOS_E_IO, 0, image, "cannot open image: %s",
                                  custos__fs_tsk_msg());
            goto out;
        }
    }
    int nfs = 0;
    tsk_error_reset();
    TSK_VS_INFO *vs = tsk_vs_open(img, 0, TSK_VS_TYPE_DETECT);
    if (vs != NULL) {
        for (TSK_PNUM_T i = 0; i < vs->part_count && rc == CUSTOS_OK; i++) {
            const TSK_VS_PART_INFO *p = tsk_vs_part_get(vs, i);
            if (p == NULL || !(p->flags & TSK_VS_PART_FLAG_ALLOC))
                continue;
            uint64_t off = (uint64_t)p->start * vs->block_size;
            uint64_t len = (uint64_t)p->len * vs->block_size;
            const char *desc = p->desc != NULL ? p->desc : "";
            tsk_error_reset();
            TSK_FS_INFO *fs = tsk_fs_open_vol(p, TSK_FS_TYPE_DETECT);
            if (fs == NULL) {
                rc = unread_volume(&w, (int64_t)p->addr, off, len, desc, "", NULL);
                continue;
            }
            nfs++;
            rc = check_and_walk(&w, fs, (int64_t)p->addr, off, len, desc);
            tsk_fs_close(fs);
        }
        tsk_vs_close(vs);
    } else {
        tsk_error_reset();
        TSK_FS_INFO *fs = tsk_fs_open_img(img, 0, TSK_FS_TYPE_DETECT);
        if (fs != NULL) {
            nfs++;
            rc = check_and_walk(&w, fs, -1, 0, (uint64_t)img->size, "");
            tsk_fs_close(fs);
        }
    }
    /* Damage outside every volume read (a partition table, a gap) still makes the run incomplete.
     */
    size_t nbad = 0;
    const uint64_t *r = custos__fs_bad_in(w.x, 0, UINT64_MAX, &nbad);
    if (rc == CUSTOS_OK && r != NULL && w.status == CUSTOS_OK) {
        struct custos_error e2;
        custos_error_set(&e2, CUSTOS_E_INCOMPLETE, 0, image,
                         "damaged or unreadable image data at image bytes %llu-%llu%s, read as "
                         "zeros (%s)",
                         (unsigned long long)r[0], (unsigned long long)(r[1] - 1),
                         nbad > 1 ? " and more" : "", w.x->why);
        custos__fs_incomplete(&w, &e2);
    }
    if (rc == CUSTOS_OK && nfs == 0 && r != NULL) {
        custos_error_set(err, CUSTOS_E_CORRUPT, 0, image,
                         "no file system could be read: damaged or unreadable image data at image "
                         "bytes %llu-%llu%s (%s)",
                         (unsigned long long)r[0], (unsigned long long)(r[1] - 1),
                         nbad > 1 ? " and more" : "", w.x->why);
        rc = CUSTOS_E_CORRUPT;
    }
    tsk_img_close(img); /* frees w.x */
    w.x = NULL;
    if (rc == CUSTOS_OK && nfs == 0)
        rc = custos_error_set(err, CUSTOS_E_UNSUPPORTED, 0, image,
                              "no file system recognised in the image");
    else if (rc == CUSTOS_E_NOMEM)
        custos_error_set(err, rc, 0, image, "out of memory");
    else if (rc == CUSTOS_E_INTERRUPTED)
        custos_error_set(err, rc, 0, image, "interrupted");
    if (rc == CUSTOS_OK && w.types != NULL && custos__typeq_finish(w.types, take_type, m) != 0)
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, image, "out of memory");
    if (rc == CUSTOS_OK) {
        custos_manifest_sort(m);
        if (w.status != CUSTOS_OK) {
            custos_error_copy(err, &w.first);
            rc = w.status;
        }
    }
out:
    free(w.fat_seen);
    free(w.buf);
    custos__typeq_free(w.types);
    custos_digest_free(w.digest);
    return rc;
}
