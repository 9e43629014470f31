/* SPDX-License-Identifier: ISC */
/*
 * verify_target.c: what every target kind shares: the reader (hashing a
 * regular file, counting progress, noticing a cancel), settling an item's
 * finding, comparing a link, and whether an extra may be a moved item.
 * Directories are verify_target_dir.c, archives verify_target_archive.c,
 * images verify_target_image.c, the restore test verify_restore.c.
 *
 * Every function here only records findings in the struct ritem and struct
 * extra slots; verify.c classifies them.
 */
#include "custos/verify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verify_private.h"

int
custos__verify_reader_init(struct reader *r, struct custos_verify *v, unsigned algs,
                           const struct custos_progress *p)
{
    memset(r, 0, sizeof(*r));
    r->v = v;
    r->p = p;
    custos_progress_phase(p, CUSTOS_PHASE_VERIFYING); /* r->done counts from 0 again */
    r->buf = malloc(READ_BYTES);
    if (r->buf == NULL)
        return custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    return custos_digest_new(&r->d, algs | CUSTOS_DIGEST_SHA256, &v->err);
}

void
custos__verify_reader_free(struct reader *r)
{
    custos_digest_free(r->d);
    free(r->buf);
}

int
custos__verify_advance(struct reader *r, uint64_t n)
{
    r->done += n;
    if (r->detached)
        return atomic_load(r->stop) ? CUSTOS_E_INTERRUPTED : CUSTOS_OK;
    r->v->bytes_read += n;
    custos_progress_update(r->p, r->done, r->total);
    if (custos_progress_cancelled(r->p))
        return custos_error_set(&r->v->err, CUSTOS_E_INTERRUPTED, 0, NULL, "interrupted");
    return CUSTOS_OK;
}

/*
 * Hashes the regular file at path into *got. Returns CUSTOS_OK, or
 * CUSTOS_E_INCOMPLETE with *why set (a new string) when it cannot be read,
 * CUSTOS_E_MISMATCH with *why set when it is no regular file (a FIFO or a
 * device is never read: it could block forever or never end), or
 * CUSTOS_E_INTERRUPTED / CUSTOS_E_NOMEM.
 */
int
custos__verify_hash_file(struct reader *r, const char *path, struct custos_digest_result *got,
                         uint64_t *bytes, char **why)
{
    *why = NULL;
    *bytes = 0;
    /* O_NONBLOCK: opening a FIFO put in a file's place must not wait for a writer. */
    int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
    int fd = open(path, flags | O_NOATIME);
    if (fd < 0 && errno == EPERM)
        fd = open(path, flags);
    if (fd < 0 && errno == ELOOP) {
        if (asprintf(why, "is a symbolic link, not a regular file") < 0)
            *why = NULL;
        return CUSTOS_E_MISMATCH;
    }
    if (fd < 0) {
        if (asprintf(why, "cannot open: %s", strerror(errno)) < 0)
            *why = NULL;
        return CUSTOS_E_INCOMPLETE;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int regular_unknown = errno;
        close(fd);
        if (asprintf(why, "%s",
                     S_ISREG(st.st_mode)
                         ? strerror(regular_unknown)
                         : "is not a regular file (a FIFO, device or directory)") < 0)
            *why = NULL;
        return CUSTOS_E_MISMATCH;
    }
    custos_digest_reset(r->d);
    uint64_t off = 0;
    int rc = CUSTOS_OK;
    for (;;) {
        ssize_t n = pread(fd, r->buf, READ_BYTES, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            if (asprintf(why, "read error at byte %llu: %s", (unsigned long long)off,
                         strerror(errno)) < 0)
                *why = NULL;
            rc = CUSTOS_E_INCOMPLETE;
            break;
        }
        if (n == 0)
            break;
        custos_digest_update(r->d, r->buf, (size_t)n);
        off += (uint64_t)n;
        if ((rc = custos__verify_advance(r, (uint64_t)n)) != CUSTOS_OK)
            break;
    }
    close(fd);
    custos_digest_final(r->d, got);
    *bytes = off;
    return rc;
}

/* Records what hashing found for a reference item; returns a run-stopping status or OK. */
int
custos__verify_settle(struct ritem *it, int rc, const struct custos_digest_result *got, char *why)
{
    if (rc == CUSTOS_E_MISMATCH) { /* no regular file: changed, never read */
        it->differs = 1;
        custos__verify_set_detail(it, "%s", why ? why : "is not a regular file");
        free(why);
        return CUSTOS_OK;
    }
    if (rc == CUSTOS_E_INCOMPLETE) {
        it->unreadable = 1;
        custos__verify_set_detail(it, "%s", why ? why : "cannot be read");
        free(why);
        return CUSTOS_OK;
    }
    free(why);
    if (rc != CUSTOS_OK)
        return rc;
    it->checked = 1;
    it->got = *got;
    if (!custos_digest_equal(&it->ref, got)) {
        it->differs = 1;
        custos__verify_set_detail(it, "content differs");
    }
    return CUSTOS_OK;
}

int
custos__verify_compare_link(struct ritem *it, const char *path)
{
    char buf[4096];
    ssize_t n = readlink(path, buf, sizeof(buf) - 1);
    if (n < 0) {
        it->unreadable = 1;
        return custos__verify_set_detail(it, "cannot read the link: %s", strerror(errno));
    }
    buf[n] = '\0';
    it->checked = 1;
    if (it->target == NULL || strcmp(buf, it->target) != 0) {
        it->differs = 1;
        return custos__verify_set_detail(it, "link target differs");
    }
    return CUSTOS_OK;
}

/* Whether an extra of this size could be a moved reference item (so worth hashing). */
int
custos__verify_may_be_moved(const struct custos_verify *v, uint64_t size)
{
    if (v->opt.level == CUSTOS_VERIFY_STRUCTURE)
        return 0;
    for (size_t i = 0; i < v->nitems; i++) {
        const struct ritem *it = &v->items[i];
        if (!it->found && it->kind == RITEM_FILE && it->ref.algs &&
            (it->size == size || it->size == UINT64_MAX))
            return 1;
    }
    return 0;
}
