/* SPDX-License-Identifier: ISC */
/*
 * badsector_map.c: names the files over an acquisition's unreadable ranges.
 *
 * The image as written (the ranges zero-filled) is opened with The Sleuth
 * Kit: its volume system if it has one, else the whole image, and every file
 * system found is walked, allocated and deleted names alike (as fls -r).
 * Each non-resident attribute's runs give the blocks it holds, in image
 * bytes; a run overlapping a range names the file, its attribute and the
 * bytes of the file affected (what `ifind -d BLOCK` and `istat` say). What
 * the walk cannot see is said, not guessed: a file system over a range that
 * The Sleuth Kit does not know, metadata outside any file (an inode table,
 * a FAT directory entry) and a deleted file's blocks, which another file may
 * own since.
 */
#include "badsector_map_private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tsk/libtsk.h>

#include "acquire_private.h"
#include "custos/manifest.h" /* custos_path_display */
#include "fsutil_private.h"
#include "json_name_private.h"

#define HITS_PER_RANGE 1000 /* files listed per range; more are counted */

struct hit {
    size_t range;
    int64_t partition; /* -1: no volume system */
    uint64_t fs_offset;
    char fs_type[16];
    uint64_t inode;
    char *path;
    int allocated;
    char attribute[24];      /* TYPE-ID, as icat takes it */
    uint64_t offset, length; /* bytes of the file */
};

struct volume {
    int64_t partition;
    uint64_t offset, length;
    char fs_type[16];
    char note[160]; /* why it was not mapped, or "" */
};

struct custos__badmap {
    struct hit *hits;
    size_t nhits, cap;
    size_t *per_range; /* hits listed per range */
    size_t *unlisted;  /* hits past HITS_PER_RANGE per range */
    struct volume *vols;
    size_t nvols;
    char **lines; /* custos_acquisition_bad_range_files, one per range */
    size_t nranges;
    uint64_t *range_start, *range_end; /* image bytes of each range */
    int nomem;
};

struct walk {
    struct custos__badmap *m;
    const struct custos_acquisition *a;
    TSK_FS_INFO *fs;
    struct volume *vol;
};

static void
add_hit(struct walk *w, size_t r, TSK_FS_FILE *f, const char *dir, const TSK_FS_ATTR *attr,
        uint64_t off, uint64_t len)
{
    struct custos__badmap *m = w->m;
    size_t dl = strlen(dir), nl = strlen(f->name->name);
    char *path = malloc(dl + nl + 1), at[24];
    if (path == NULL) {
        m->nomem = 1;
        return;
    }
    memcpy(path, dir, dl);
    memcpy(path + dl, f->name->name, nl + 1);
    snprintf(at, sizeof(at), "%d-%d", (int)attr->type, (int)attr->id);
    /* One hit per file, attribute and range: the runs of one attribute merge. */
    for (size_t i = m->nhits; i-- > 0 && m->hits[i].range == r;) {
        struct hit *h = &m->hits[i];
        if (h->inode == f->meta->addr && h->fs_offset == w->vol->offset &&
            strcmp(at, h->attribute) == 0 && strcmp(path, h->path) == 0) {
            uint64_t end = h->offset + h->length > off + len ? h->offset + h->length : off + len;
            h->offset = h->offset < off ? h->offset : off;
            h->length = end - h->offset;
            free(path);
            return;
        }
    }
    if (m->per_range[r] >= HITS_PER_RANGE) {
        m->unlisted[r]++;
        free(path);
        return;
    }
    if (m->nhits == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 16;
        struct hit *p = realloc(m->hits, cap * sizeof(*p));
        if (p == NULL) {
            m->nomem = 1;
            free(path);
            return;
        }
        m->hits = p;
        m->cap = cap;
    }
    struct hit *h = &m->hits[m->nhits];
    memset(h, 0, sizeof(*h));
    h->path = path;
    h->range = r;
    h->partition = w->vol->partition;
    h->fs_offset = w->vol->offset;
    snprintf(h->fs_type, sizeof(h->fs_type), "%s", w->vol->fs_type);
    h->inode = f->meta->addr;
    h->allocated = (f->name->flags & TSK_FS_NAME_FLAG_ALLOC) != 0;
    snprintf(h->attribute, sizeof(h->attribute), "%s", at);
    h->offset = off;
    h->length = len;
    m->nhits++;
    m->per_range[r]++;
}

/* The ranges in image bytes overlapping [a, b), each passed to add_hit. */
static void
overlaps(struct walk *w, TSK_FS_FILE *f, const char *dir, const TSK_FS_ATTR *attr, uint64_t a,
         uint64_t b, uint64_t file_at)
{
    const struct custos_acquisition *acq = w->a;
    uint64_t sb = acq->sector_bytes;
    for (size_t r = 0; r < acq->nbad; r++) {
        uint64_t ra = acq->bad[r].first_sector * sb, rb = ra + acq->bad[r].sector_count * sb;
        if (rb <= a)
            continue;
        if (ra >= b)
            break; /* the ranges ascend */
        uint64_t lo = ra > a ? ra : a, hi = rb < b ? rb : b;
        uint64_t foff = file_at + (lo - a), flen = hi - lo;
        /* Slack past the attribute's size is not the file's content. */
        uint64_t size = (uint64_t)attr->size;
        if (foff >= size)
            continue;
        if (flen > size - foff)
            flen = size - foff;
        add_hit(w, r, f, dir, attr, foff, flen);
    }
}

static TSK_WALK_RET_ENUM
visit(TSK_FS_FILE *f, const char *dir, void *ptr)
{
    struct walk *w = ptr;
    if (f->name == NULL || f->meta == NULL || w->m->nomem)
        return w->m->nomem ? TSK_WALK_STOP : TSK_WALK_CONT;
    if (strcmp(f->name->name, ".") == 0 || strcmp(f->name->name, "..") == 0)
        return TSK_WALK_CONT;
    uint64_t bs = w->fs->block_size;
    int n = tsk_fs_file_attr_getsize(f);
    for (int i = 0; i < n; i++) {
        const TSK_FS_ATTR *attr = tsk_fs_file_attr_get_idx(f, i);
        if (attr == NULL || !(attr->flags & TSK_FS_ATTR_NONRES))
            continue;
        for (const TSK_FS_ATTR_RUN *run = attr->nrd.run; run != NULL; run = run->next) {
            if (run->len == 0 ||
                (run->flags & (TSK_FS_ATTR_RUN_FLAG_SPARSE | TSK_FS_ATTR_RUN_FLAG_FILLER)))
                continue;
            uint64_t a = (uint64_t)w->fs->offset + (uint64_t)run->addr * bs;
            overlaps(w, f, dir, attr, a, a + (uint64_t)run->len * bs, (uint64_t)run->offset * bs);
        }
    }
    tsk_error_reset();
    return TSK_WALK_CONT;
}

static int
any_bad_in(const struct custos_acquisition *a, uint64_t off, uint64_t len)
{
    for (size_t r = 0; r < a->nbad; r++) {
        uint64_t ra = a->bad[r].first_sector * a->sector_bytes;
        uint64_t rb = ra + a->bad[r].sector_count * a->sector_bytes;
        if (ra < off + len && off < rb)
            return 1;
    }
    return 0;
}

static struct volume *
add_volume(struct custos__badmap *m, int64_t partition, uint64_t offset, uint64_t length)
{
    struct volume *v = realloc(m->vols, (m->nvols + 1) * sizeof(*v));
    if (v == NULL) {
        m->nomem = 1;
        return NULL;
    }
    m->vols = v;
    v = &m->vols[m->nvols++];
    memset(v, 0, sizeof(*v));
    v->partition = partition;
    v->offset = offset;
    v->length = length;
    return v;
}

static void
walk_volume(struct custos__badmap *m, const struct custos_acquisition *a, TSK_IMG_INFO *img,
            int64_t partition, uint64_t offset, uint64_t length)
{
    struct volume *v = add_volume(m, partition, offset, length);
    if (v == NULL)
        return;
    TSK_FS_INFO *fs = tsk_fs_open_img(img, (TSK_OFF_T)offset, TSK_FS_TYPE_DETECT);
    if (fs == NULL) {
        snprintf(v->note, sizeof(v->note), "no file system The Sleuth Kit knows%s",
                 any_bad_in(a, offset, length) ? ": the files over its ranges are not named" : "");
        tsk_error_reset();
        return;
    }
    snprintf(v->fs_type, sizeof(v->fs_type), "%s", tsk_fs_type_toname(fs->ftype));
    if (any_bad_in(a, offset, length)) {
        struct walk w = {.m = m, .a = a, .fs = fs, .vol = v};
        if (tsk_fs_dir_walk(fs, fs->root_inum,
                            TSK_FS_DIR_WALK_FLAG_ALLOC | TSK_FS_DIR_WALK_FLAG_UNALLOC |
                                TSK_FS_DIR_WALK_FLAG_RECURSE,
                            visit, &w) != 0)
            snprintf(v->note, sizeof(v->note), "walked in part: %.100s", tsk_error_get());
    }
    tsk_error_reset();
    tsk_fs_close(fs);
}

static char *range_line(const struct custos__badmap *m, size_t r);

int
custos__badmap_build(struct custos_acquisition *a, const char *staging_dir,
                     struct custos_error *err)
{
    if (a->nbad == 0 || a->nfiles == 0)
        return CUSTOS_OK;
    struct custos__badmap *m = calloc(1, sizeof(*m));
    char **paths = calloc(a->nfiles, sizeof(*paths));
    if (m == NULL || paths == NULL || (m->per_range = calloc(a->nbad, sizeof(size_t))) == NULL ||
        (m->unlisted = calloc(a->nbad, sizeof(size_t))) == NULL) {
        free(paths);
        custos__badmap_free(m);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    m->nranges = a->nbad;
    if ((m->range_start = calloc(a->nbad, sizeof(uint64_t))) == NULL ||
        (m->range_end = calloc(a->nbad, sizeof(uint64_t))) == NULL)
        m->nomem = 1;
    for (size_t r = 0; !m->nomem && r < a->nbad; r++) {
        m->range_start[r] = a->bad[r].first_sector * a->sector_bytes;
        m->range_end[r] = m->range_start[r] + a->bad[r].sector_count * a->sector_bytes;
    }
    for (size_t i = 0; i < a->nfiles && !m->nomem; i++) {
        const char *name = custos__basename(a->files[i].path);
        size_t len = strlen(staging_dir) + strlen(name) + 2;
        if ((paths[i] = malloc(len)) == NULL)
            m->nomem = 1;
        else
            snprintf(paths[i], len, "%s/%s", staging_dir, name);
    }
    /* The E01 writer's files are EWF; raw ones (one or a split set) raw. */
    static const unsigned char evf[8] = {'E', 'V', 'F', 0x09, 0x0d, 0x0a, 0xff, 0x00};
    unsigned char head[8] = {0};
    FILE *f = m->nomem ? NULL : fopen(paths[0], "rbe");
    if (f != NULL) {
        if (fread(head, 1, sizeof(head), f) != sizeof(head))
            memset(head, 0, sizeof(head));
        fclose(f);
    }
    TSK_IMG_TYPE_ENUM type = memcmp(head, evf, 8) == 0 ? TSK_IMG_TYPE_EWF_EWF : TSK_IMG_TYPE_RAW;
    TSK_IMG_INFO *img = m->nomem ? NULL
                                 : tsk_img_open_utf8((int)a->nfiles, (const char *const *)paths,
                                                     type, a->sector_bytes);
    if (img == NULL && !m->nomem) {
        struct volume *v = add_volume(m, -1, 0, a->bytes);
        if (v != NULL)
            snprintf(v->note, sizeof(v->note), "The Sleuth Kit cannot open the image: %.100s",
                     tsk_error_get());
    } else if (img != NULL) {
        TSK_VS_INFO *vs = tsk_vs_open(img, 0, TSK_VS_TYPE_DETECT);
        if (vs == NULL) {
            walk_volume(m, a, img, -1, 0, a->bytes);
        } else {
            for (TSK_PNUM_T p = 0; p < vs->part_count && !m->nomem; p++) {
                const TSK_VS_PART_INFO *part = tsk_vs_part_get(vs, p);
                if (part == NULL || !(part->flags & TSK_VS_PART_FLAG_ALLOC))
                    continue;
                walk_volume(m, a, img, (int64_t)part->addr, (uint64_t)part->start * vs->block_size,
                            (uint64_t)part->len * vs->block_size);
            }
            tsk_vs_close(vs);
        }
        tsk_img_close(img);
    }
    tsk_error_reset();
    for (size_t i = 0; i < a->nfiles; i++)
        free(paths[i]);
    free(paths);
    if (!m->nomem && (m->lines = calloc(m->nranges, sizeof(char *))) == NULL)
        m->nomem = 1;
    for (size_t r = 0; !m->nomem && r < m->nranges; r++)
        m->nomem = (m->lines[r] = range_line(m, r)) == NULL;
    if (m->nomem) {
        custos__badmap_free(m);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    a->badmap = m;
    return CUSTOS_OK;
}

json_t *
custos__badmap_range_json(const struct custos__badmap *m, size_t r)
{
    json_t *arr = json_array();
    for (size_t i = 0; m != NULL && arr != NULL && i < m->nhits; i++) {
        const struct hit *h = &m->hits[i];
        if (h->range != r)
            continue;
        json_t *o = json_object();
        if (o == NULL)
            break;
        if (h->partition >= 0)
            json_object_set_new(o, "partition", json_integer(h->partition));
        json_object_set_new(o, "fs_offset", json_integer((json_int_t)h->fs_offset));
        json_object_set_new(o, "fs_type", json_string(h->fs_type));
        json_object_set_new(o, "inode", json_integer((json_int_t)h->inode));
        custos__json_set_names(o, "path", h->path);
        json_object_set_new(o, "allocated", json_boolean(h->allocated));
        json_object_set_new(o, "attribute", json_string(h->attribute));
        json_object_set_new(o, "offset_bytes", json_integer((json_int_t)h->offset));
        json_object_set_new(o, "length_bytes", json_integer((json_int_t)h->length));
        json_array_append_new(arr, o);
    }
    return arr;
}

json_t *
custos__badmap_json(const struct custos__badmap *m)
{
    if (m == NULL)
        return json_null();
    json_t *o = json_object(), *vols = json_array();
    if (o == NULL || vols == NULL) {
        json_decref(o);
        json_decref(vols);
        return NULL;
    }
    char method[160];
    snprintf(method, sizeof(method), "block maps of the image as written, The Sleuth Kit %s",
             tsk_version_get_str());
    json_object_set_new(o, "method", json_string(method));
    for (size_t i = 0; i < m->nvols; i++) {
        const struct volume *v = &m->vols[i];
        json_t *j = json_object();
        if (v->partition >= 0)
            json_object_set_new(j, "partition", json_integer(v->partition));
        json_object_set_new(j, "offset", json_integer((json_int_t)v->offset));
        json_object_set_new(j, "fs_type", json_string(v->fs_type));
        if (v->note[0] != '\0')
            json_object_set_new(j, "not_mapped", custos__json_text(v->note));
        json_array_append_new(vols, j);
    }
    json_object_set_new(o, "volumes", vols);
    size_t more = 0;
    for (size_t r = 0; r < m->nranges; r++)
        more += m->unlisted[r];
    json_object_set_new(o, "files_not_listed", json_integer((json_int_t)more));
    return o;
}

/* The line custos_acquisition_bad_range_files gives for range r; NULL without memory. */
static char *
range_line(const struct custos__badmap *m, size_t r)
{
    /* "partition 1: docs/a.txt (bytes 0-511), $FAT1 (...)", or what was not mapped. */
    size_t cap = 256, len = 0;
    char *s = malloc(cap);
    if (s == NULL)
        return NULL;
    s[0] = '\0';
    for (size_t i = 0; i < m->nhits; i++) {
        const struct hit *h = &m->hits[i];
        if (h->range != r)
            continue;
        char name[1024], part[32] = "";
        custos_path_display(h->path, strlen(h->path), name, sizeof(name));
        if (h->partition >= 0)
            snprintf(part, sizeof(part), "partition %" PRId64 ": ", h->partition);
        char item[1200];
        int n = snprintf(item, sizeof(item), "%s%s%s%s (bytes %" PRIu64 "-%" PRIu64 ")",
                         len ? ", " : "", part, name, h->allocated ? "" : " [deleted]", h->offset,
                         h->offset + h->length - 1);
        if (n < 0)
            continue;
        if (len + (size_t)n + 1 > cap) {
            char *p = realloc(s, 2 * (len + (size_t)n + 1));
            if (p == NULL)
                break;
            s = p;
            cap = 2 * (len + (size_t)n + 1);
        }
        memcpy(s + len, item, (size_t)n + 1);
        len += (size_t)n;
    }
    for (size_t i = 0; len == 0 && i < m->nvols; i++) {
        const struct volume *v = &m->vols[i];
        if (v->note[0] != '\0' && v->offset < m->range_end[r] &&
            m->range_start[r] < v->offset + v->length)
            len = (size_t)snprintf(s, cap, "not mapped: %s", v->note);
    }
    if (len == 0)
        snprintf(s, cap, "no file found over it (free space, or metadata outside any file)");
    return s;
}

const char *
custos_acquisition_bad_range_files(const struct custos_acquisition *a, size_t r)
{
    const struct custos__badmap *m = a->badmap;
    return m != NULL && r < m->nranges ? m->lines[r] : NULL;
}

void
custos__badmap_free(struct custos__badmap *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->nhits; i++)
        free(m->hits[i].path);
    for (size_t i = 0; m->lines != NULL && i < m->nranges; i++)
        free(m->lines[i]);
    free(m->lines);
    free(m->hits);
    free(m->per_range);
    free(m->unlisted);
    free(m->range_start);
    free(m->range_end);
    free(m->vols);
    free(m);
}
