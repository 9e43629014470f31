/* SPDX-License-Identifier: ISC */
/*
 * ledger_scan.c: a byte range of a ledger file read in large chunks and cut
 * into lines, each replayed (ledger_replay.c); a final line without LF is a
 * torn tail, left unreplayed. Signatures are checked on worker threads
 * (ledger_verify.c's sigpipe) when there are more than a few lines.
 *
 * A flat state (verification) does not keep every line's hash; the rare
 * attest naming an entry whose hash it dropped is settled after the scan by
 * a second read of the file that hashes only the lines such attests name
 * (custos__ledger_resolve_attests, mode M_TARGETS).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custos/digest.h"
#include "fsutil_private.h"
#include "ledger_private.h"

/* M_TARGETS: hashes the line if deferred attests name it (s->later sorted by target). */
static void
hash_target(struct state *s, const char *line, size_t len)
{
    while (s->next_later < s->nlater && s->later[s->next_later].target == s->lines) {
        sha256(line, len, s->later[s->next_later].sha256);
        s->next_later++;
    }
    s->lines++;
}

int
custos__ledger_scan(struct state *s, int fd, uint64_t from, uint64_t to, unsigned mode,
                    struct finding_list *f, uint64_t *consumed, int *torn, uint64_t *torn_at,
                    const struct custos_progress *prog, struct custos_error *err, const char *path)
{
    *torn = 0;
    *consumed = 0;
    if (to <= from)
        return CUSTOS_OK;
    size_t chunk = 4 * 1024 * 1024;
    char *buf = malloc(chunk + CUSTOS_LEDGER_LINE_MAX + 1);
    if (buf == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    uint64_t off = from; /* file offset of buf[0] */
    size_t have = 0;
    int rc = CUSTOS_OK;
    /* Signatures on every core for anything but a few lines (threads cost ~0.1 ms). */
    struct sigpipe *pipe = NULL;
    if ((mode & M_SIGS) && !(mode & M_COMMIT) && to - from >= 64 * 1024)
        pipe = custos__ledger_sigpipe_new();
    s->pipe = pipe;
    custos_progress_phase(prog, CUSTOS_PHASE_VERIFYING);
    while (off + have < to || have > 0) {
        if (custos_progress_cancelled(prog)) {
            rc = custos_error_set(err, CUSTOS_E_INTERRUPTED, 0, path, "interrupted");
            break;
        }
        size_t want = chunk;
        if (off + have + want > to)
            want = (size_t)(to - off - have);
        if (want > 0) {
            long long got = custos__pread_full(fd, buf + have, want, off + have);
            if (got < 0) {
                rc = custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot read");
                break;
            }
            if ((size_t)got < want) {
                rc = custos_error_set(err, CUSTOS_E_IO, 0, path, "file shrank while reading");
                break;
            }
            have += want;
        }
        size_t start = 0;
        for (;;) {
            char *nl = memchr(buf + start, '\n', have - start);
            if (nl == NULL)
                break;
            size_t ll = (size_t)(nl - (buf + start));
            if (ll > CUSTOS_LEDGER_LINE_MAX) {
                custos__ledger_finding(f, s->n, CUSTOS_E_CORRUPT, "line longer than %d bytes",
                                       CUSTOS_LEDGER_LINE_MAX);
                rc = CUSTOS_E_CORRUPT;
                goto done;
            }
            if (mode & M_TARGETS)
                hash_target(s, buf + start, ll);
            else
                rc = custos__ledger_replay(s, buf + start, ll, mode, f);
            if (rc != CUSTOS_OK) {
                if (!s->each_stopped) /* else each said why, in err */
                    rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
                goto done;
            }
            start += ll + 1;
        }
        memmove(buf, buf + start, have - start);
        off += start;
        have -= start;
        *consumed = off - from;
        custos_progress_update(prog, off - from, to - from); /* this phase's bytes */
        if (off + have >= to) {
            if (have > 0) {
                *torn = 1;
                *torn_at = off;
            }
            break;
        }
        if (have > CUSTOS_LEDGER_LINE_MAX) {
            custos__ledger_finding(f, s->n, CUSTOS_E_CORRUPT, "line longer than %d bytes",
                                   CUSTOS_LEDGER_LINE_MAX);
            rc = CUSTOS_E_CORRUPT;
            break;
        }
    }
done:
    if (pipe != NULL) {
        s->pipe = NULL;
        if (custos__ledger_sigpipe_end(pipe, f) != CUSTOS_OK && rc == CUSTOS_OK)
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    }
    free(buf);
    return rc;
}

static int
by_target(const void *a, const void *b)
{
    const struct later_attest *x = a, *y = b;
    if (x->target != y->target)
        return x->target < y->target ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int
by_order(const void *a, const void *b)
{
    const struct later_attest *x = a, *y = b;
    return x->order < y->order ? -1 : x->order > y->order;
}

int
custos__ledger_resolve_attests(struct state *s, int fd, uint64_t to, struct finding_list *f,
                               const struct custos_progress *prog, struct custos_error *err,
                               const char *path)
{
    if (s->later_lost)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    if (s->nlater == 0)
        return CUSTOS_OK;
    size_t waiting = 0;
    for (size_t i = 0; i < f->n; i++)
        waiting += f->v[i].status == FINDING_LATER;
    if (waiting != s->nlater) /* a placeholder was not added: no room */
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    for (size_t i = 0; i < s->nlater; i++)
        s->later[i].order = i;
    qsort(s->later, s->nlater, sizeof(*s->later), by_target);
    s->next_later = 0;
    s->lines = 0;
    uint64_t consumed = 0, torn_at = 0;
    int torn = 0;
    struct finding_list none = {0}; /* M_TARGETS adds none; a line too long was found before */
    int rc = custos__ledger_scan(s, fd, 0, to, M_TARGETS, &none, &consumed, &torn, &torn_at, prog,
                                 err, path);
    free(none.v);
    if (rc != CUSTOS_OK && rc != CUSTOS_E_CORRUPT) /* _CORRUPT: the line too long, again */
        return rc;
    if (s->next_later < s->nlater) /* every target precedes its attest, which was replayed */
        return custos_error_set(err, CUSTOS_E_IO, 0, path, "file changed while reading");
    qsort(s->later, s->nlater, sizeof(*s->later), by_order);
    /* Placeholders are in replay order, whatever was inserted around them since. */
    size_t k = 0, w = 0;
    for (size_t i = 0; i < f->n; i++) {
        if (f->v[i].status == FINDING_LATER) {
            char hh[65];
            custos_hex_encode(s->later[k].sha256, 32, hh);
            if (strcmp(hh, s->later[k++].claimed) == 0)
                continue; /* the claim holds: no finding */
            f->v[i].status = CUSTOS_E_UNTRUSTED;
        }
        f->v[w++] = f->v[i];
    }
    f->n = w;
    return CUSTOS_OK;
}
