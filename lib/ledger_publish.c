/* SPDX-License-Identifier: ISC */
/*
 * ledger_publish.c: ledgers to and from a transparency log (ledger_publish.h).
 *
 * The ledger is verified in full before anything is published or judged,
 * through custos_ledger_verify_each, so the hashes published are those of
 * lines that verified. The index is written after the log's checkpoint: a
 * publisher killed in between leaves entries in the log that the index
 * does not name, and the next publish appends them again (harmless: the
 * verifier proves what the index names, and duplicates prove the same).
 */
#include "custos/ledger_publish.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custos/atomicfile.h"
#include "custos/ledger.h"
#include "base64_private.h"

#define ENTRY_MAGIC "custos-ledger-entry/v1"

struct pub_entry {
    uint64_t seq;
    char sha256[65];
    char *line; /* only for whole-entry publishing */
    size_t len;
    uint64_t index; /* in the log, from the index file */
    int indexed;
};

struct collect {
    struct pub_entry *v;
    size_t n, cap;
    int keep_lines;
};

static int
collect_entry(void *ctx, const struct custos_ledger_entry *e, struct custos_error *err)
{
    struct collect *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        struct pub_entry *p = realloc(c->v, cap * sizeof(*p));
        if (p == NULL)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        c->v = p;
        c->cap = cap;
    }
    struct pub_entry *p = &c->v[c->n];
    memset(p, 0, sizeof(*p));
    p->seq = e->seq;
    memcpy(p->sha256, e->sha256, sizeof(p->sha256));
    if (c->keep_lines) {
        if ((p->line = malloc(e->len + 1)) == NULL)
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        memcpy(p->line, e->line, e->len);
        p->line[e->len] = '\0';
        p->len = e->len;
    }
    c->n++;
    return CUSTOS_OK;
}

static void
collect_free(struct collect *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].line);
    free(c->v);
}

/* The verified entries of the ledger, and its origin. */
static int
read_ledger(const char *path, int keep_lines, struct collect *c, char origin[128],
            struct custos_error *err)
{
    memset(c, 0, sizeof(*c));
    c->keep_lines = keep_lines;
    struct custos_ledger_report *r = NULL;
    int rc = custos_ledger_verify_each(path, NULL, 0, NULL, collect_entry, c, &r, err);
    if (rc == CUSTOS_OK || rc == CUSTOS_E_INCOMPLETE) {
        snprintf(origin, 128, "%s", r->origin);
        rc = CUSTOS_OK;
    } else if (err->message[0] == '\0' && r != NULL && r->nfindings > 0) {
        rc = custos_error_set(err, rc, 0, path,
                              "the ledger does not verify (run custos-ledger "
                              "verify)");
    }
    custos_ledger_report_free(r);
    if (rc != CUSTOS_OK)
        collect_free(c);
    return rc;
}

/* custos-index/ID, ID being the ledger origin's last component. */
static void
index_path(const char *logdir, const char *origin, char *out, size_t size)
{
    const char *id = strrchr(origin, '/');
    snprintf(out, size, "%s/custos-index/%s", logdir, id != NULL ? id + 1 : origin);
}

/* Marks the entries the index names; one naming another hash is a rewrite. */
static int
read_index(const char *logdir, const char *origin, struct collect *c, struct custos_error *err)
{
    const char *id = strrchr(origin, '/');
    char rel[300];
    snprintf(rel, sizeof(rel), "custos-index/%s", id != NULL ? id + 1 : origin);
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = custos_tlog_fetch(logdir, rel, (size_t)1 << 30, &buf, &len, err);
    if (rc == CUSTOS_E_IO && err->sys_errno == ENOENT) {
        custos_error_clear(err);
        return CUSTOS_OK; /* nothing of this ledger published yet */
    }
    if (rc != CUSTOS_OK)
        return rc;
    unsigned long no = 0;
    for (char *line = (char *)buf, *next; rc == CUSTOS_OK && *line != '\0'; line = next) {
        next = strchr(line, '\n');
        next = next != NULL ? next + 1 : line + strlen(line);
        no++;
        uint64_t seq, idx;
        char hash[65] = "";
        if (sscanf(line, "%" SCNu64 " %" SCNu64 " %64[0-9a-f]", &seq, &idx, hash) != 3 ||
            strlen(hash) != 64) {
            rc = custos_error_set(err, CUSTOS_E_CORRUPT, 0, logdir,
                                  "%s: line %lu is not SEQ INDEX SHA256", rel, no);
            break;
        }
        if (seq >= c->n || c->v[seq].seq != seq) {
            rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, logdir,
                                  "entry %" PRIu64 " was published but the ledger has only %zu "
                                  "entries: the ledger was cut back after publishing",
                                  seq, c->n);
            break;
        }
        if (strcmp(c->v[seq].sha256, hash) != 0) {
            rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, logdir,
                                  "entry %" PRIu64 " was published with SHA-256 %.16s..., the "
                                  "ledger's is %.16s...: the ledger was rewritten after publishing",
                                  seq, hash, c->v[seq].sha256);
            break;
        }
        if (!c->v[seq].indexed) {
            c->v[seq].indexed = 1;
            c->v[seq].index = idx;
        }
    }
    free(buf);
    return rc;
}

/* The log entry of e: magic, ledger origin, number, SHA-256 [, the line]. */
static char *
entry_text(const char *origin, const struct pub_entry *e, size_t *len)
{
    size_t n = strlen(ENTRY_MAGIC) + strlen(origin) + 24 + 64 + 8 + e->len;
    char *s = malloc(n);
    if (s == NULL)
        return NULL;
    int l = snprintf(s, n, ENTRY_MAGIC "\n%s\n%" PRIu64 "\n%s\n", origin, e->seq, e->sha256);
    if (e->line != NULL)
        l += snprintf(s + l, n - (size_t)l, "%s\n", e->line);
    *len = (size_t)l;
    return s;
}

int
custos_ledger_publish(const char *ledger_path, const char *logdir, const char *origin,
                      const struct custos_key *logkey, int whole_entries,
                      struct custos_ledger_publish_result *res, struct custos_error *err)
{
    memset(res, 0, sizeof(*res));
    char lorigin[128];
    struct collect c;
    int rc = read_ledger(ledger_path, whole_entries, &c, lorigin, err);
    if (rc != CUSTOS_OK)
        return rc;
    res->entries = c.n;
    /* The log's origin: given for a new log, else the existing checkpoint's. */
    char cpath[4200], logorigin[256] = "";
    snprintf(cpath, sizeof(cpath), "%s/checkpoint", logdir);
    FILE *cf = fopen(cpath, "re");
    if (cf != NULL) {
        if (fgets(logorigin, sizeof(logorigin), cf) != NULL)
            logorigin[strcspn(logorigin, "\n")] = '\0';
        fclose(cf);
    }
    if (logorigin[0] != '\0' && origin != NULL && strcmp(origin, logorigin) != 0)
        rc = custos_error_set(err, CUSTOS_E_USAGE, 0, logdir, "the log's origin is %s, not %s",
                              logorigin, origin);
    else if (logorigin[0] == '\0' && origin == NULL)
        rc = custos_error_set(err, CUSTOS_E_USAGE, 0, logdir,
                              "a new log needs its origin (--origin NAME)");
    if (rc == CUSTOS_OK && logorigin[0] == '\0')
        snprintf(logorigin, sizeof(logorigin), "%s", origin);
    else if (rc == CUSTOS_OK) {
        /* An existing log is checked with the key even when nothing is new: a
         * publish that says "published" must be of a log this key signs. */
        char vk[600];
        struct custos_tlog_vkey v;
        struct custos_tlog *t = NULL;
        custos_tlog_vkey_format(logkey, logorigin, vk, sizeof(vk));
        rc = custos_tlog_vkey_parse(vk, &v, err);
        if (rc == CUSTOS_OK)
            rc = custos_tlog_open(&t, logdir, logorigin, &v, err);
        custos_tlog_free(t);
    }
    /* The index's own lock: read, append, rewrite, as one step per ledger. */
    char ipath[4400], dpath[4300];
    snprintf(dpath, sizeof(dpath), "%s/custos-index", logdir);
    index_path(logdir, lorigin, ipath, sizeof(ipath));
    int lock = -1;
    if (rc == CUSTOS_OK) {
        if ((mkdir(logdir, 0755) != 0 && errno != EEXIST) ||
            (mkdir(dpath, 0755) != 0 && errno != EEXIST))
            rc = custos_error_set(err, CUSTOS_E_IO, errno, dpath, "cannot create");
    }
    if (rc == CUSTOS_OK) {
        char lpath[4400];
        snprintf(lpath, sizeof(lpath), "%s/.lock", dpath);
        lock = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (lock < 0 || flock(lock, LOCK_EX) != 0)
            rc = custos_error_set(err, CUSTOS_E_IO, errno, lpath, "cannot lock");
    }
    if (rc == CUSTOS_OK)
        rc = read_index(logdir, lorigin, &c, err);
    /* The entries not yet published, in ledger order. */
    size_t nnew = 0;
    uint8_t **texts = rc == CUSTOS_OK ? calloc(c.n + 1, sizeof(*texts)) : NULL;
    size_t *lens = rc == CUSTOS_OK ? calloc(c.n + 1, sizeof(*lens)) : NULL;
    if (rc == CUSTOS_OK && (texts == NULL || lens == NULL))
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    for (size_t i = 0; rc == CUSTOS_OK && i < c.n; i++) {
        if (c.v[i].indexed) {
            res->already++;
            continue;
        }
        char *t = entry_text(lorigin, &c.v[i], &lens[nnew]);
        if (t == NULL)
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        else if (lens[nnew] > CUSTOS_TLOG_ENTRY_MAX)
            rc = custos_error_set(err, CUSTOS_E_USAGE, 0, ledger_path,
                                  "entry %" PRIu64 " is %zu bytes, over the %d of a log entry: "
                                  "publish hashes only",
                                  c.v[i].seq, lens[nnew], CUSTOS_TLOG_ENTRY_MAX);
        texts[nnew++] = (uint8_t *)t;
    }
    if (rc == CUSTOS_OK && nnew > 0) {
        rc = custos_tlog_append(logdir, logorigin, logkey, (const uint8_t *const *)texts, lens,
                                nnew, &res->first, &res->checkpoint, err);
        res->published = rc == CUSTOS_OK ? nnew : 0;
    }
    /* The index, rewritten whole (it is small: one line an entry). */
    if (rc == CUSTOS_OK && nnew > 0) {
        size_t cap = c.n * 100 + 1, len = 0;
        char *buf = malloc(cap);
        if (buf == NULL)
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
        uint64_t next = res->first;
        for (size_t i = 0; rc == CUSTOS_OK && i < c.n; i++)
            len +=
                (size_t)snprintf(buf + len, cap - len, "%" PRIu64 " %" PRIu64 " %s\n", c.v[i].seq,
                                 c.v[i].indexed ? c.v[i].index : next++, c.v[i].sha256);
        char tmp[4500];
        snprintf(tmp, sizeof(tmp), "%s.new-%ld", ipath, (long)getpid());
        unlink(tmp);
        if (rc == CUSTOS_OK &&
            (rc = custos_write_file_new(tmp, buf, len, 0644, err)) == CUSTOS_OK &&
            rename(tmp, ipath) != 0) {
            rc = custos_error_set(err, CUSTOS_E_IO, errno, ipath, "cannot replace");
            unlink(tmp);
        }
        free(buf);
    }
    res->log_size = res->first + res->published;
    for (size_t i = 0; texts != NULL && i < nnew; i++)
        free(texts[i]);
    free(texts);
    free(lens);
    if (lock >= 0)
        close(lock);
    collect_free(&c);
    return rc;
}

/* The state file: "ORIGIN SIZE ROOT-BASE64", the last checkpoint this verifier accepted. */
static int
read_state(const char *path, const char *origin, uint64_t *size, uint8_t root[32],
           struct custos_error *err)
{
    *size = 0;
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return errno == ENOENT ? CUSTOS_OK
                               : custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot read");
    char o[256], b64[64];
    uint64_t n;
    int got = fscanf(f, "%255s %" SCNu64 " %63s", o, &n, b64);
    fclose(f);
    size_t rl = 0;
    if (got != 3 || custos__b64_decode(b64, strlen(b64), root, 32, &rl) != 0 || rl != 32)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                                "not a log state file (ORIGIN SIZE ROOT)");
    if (strcmp(o, origin) != 0)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, path, "the state is of log %s, not %s", o,
                                origin);
    *size = n;
    return CUSTOS_OK;
}

static int
write_state(const char *path, const struct custos_checkpoint *cp, struct custos_error *err)
{
    char b64[CUSTOS__B64_SIZE(32)], buf[512], tmp[4200];
    custos__b64_encode(cp->root, 32, b64);
    int n = snprintf(buf, sizeof(buf), "%s %" PRIu64 " %s\n", cp->origin, cp->size, b64);
    snprintf(tmp, sizeof(tmp), "%s.new-%ld", path, (long)getpid());
    unlink(tmp);
    int rc = custos_write_file_new(tmp, buf, (size_t)n, 0644, err);
    if (rc == CUSTOS_OK && rename(tmp, path) != 0) {
        rc = custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot replace");
        unlink(tmp);
    }
    return rc;
}

/* Entry e as found at its log index: the same ledger, number and hash. */
static int
check_included(struct custos_tlog *t, const char *lorigin, const struct pub_entry *e,
               const char *logdir, struct custos_error *err)
{
    uint8_t *data = NULL, proof[64][32];
    size_t len, np;
    int rc = custos_tlog_entry(t, e->index, &data, &len, proof, &np);
    if (rc != CUSTOS_OK) {
        custos_error_copy(err, custos_tlog_error(t));
        return rc;
    }
    char want[512];
    int wl = snprintf(want, sizeof(want), ENTRY_MAGIC "\n%s\n%" PRIu64 "\n%s\n", lorigin, e->seq,
                      e->sha256);
    if (len < (size_t)wl || memcmp(data, want, (size_t)wl) != 0)
        rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, logdir,
                              "log entry %" PRIu64 " is not ledger entry %" PRIu64
                              " with the ledger's SHA-256",
                              e->index, e->seq);
    free(data);
    return rc;
}

int
custos_ledger_verify_log(const char *ledger_path, const char *logdir,
                         const struct custos_tlog_vkey *v, const struct custos_tlog_vkey *witnesses,
                         size_t nwitnesses, size_t need, const char *state_path,
                         struct custos_ledger_log_check *out, struct custos_error *err)
{
    memset(out, 0, sizeof(*out));
    char lorigin[128];
    struct collect c;
    int rc = read_ledger(ledger_path, 0, &c, lorigin, err);
    if (rc != CUSTOS_OK)
        return rc;
    out->entries = c.n;
    struct custos_tlog *t = NULL;
    rc = custos_tlog_open(&t, logdir, NULL, v, err);
    uint64_t seen = 0;
    uint8_t seen_root[32];
    if (rc == CUSTOS_OK) {
        const struct custos_checkpoint *cp = custos_tlog_checkpoint(t);
        out->log_size = cp->size;
        snprintf(out->origin, sizeof(out->origin), "%s", cp->origin);
        if (state_path != NULL)
            rc = read_state(state_path, cp->origin, &seen, seen_root, err);
        out->seen_size = seen;
        /* The witness policy: enough of the named witnesses cosigned this checkpoint. */
        for (size_t i = 0; rc == CUSTOS_OK && i < nwitnesses; i++) {
            uint64_t when;
            struct custos_error e;
            if (custos_tlog_cosigned(cp, &witnesses[i], &when, &e) == CUSTOS_OK)
                out->cosigned++;
        }
        if (rc == CUSTOS_OK && out->cosigned < need)
            rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, logdir,
                                  "the log's checkpoint is cosigned by %zu of the witnesses named, "
                                  "%zu required",
                                  out->cosigned, need);
        if (rc == CUSTOS_OK && seen > 0 &&
            (rc = custos_tlog_consistent(t, seen, seen_root)) != CUSTOS_OK)
            custos_error_copy(err, custos_tlog_error(t));
    }
    if (rc == CUSTOS_OK)
        rc = read_index(logdir, lorigin, &c, err);
    for (size_t i = 0; rc == CUSTOS_OK && i < c.n; i++) {
        if (!c.v[i].indexed) {
            out->unpublished++;
            continue;
        }
        if ((rc = check_included(t, lorigin, &c.v[i], logdir, err)) == CUSTOS_OK)
            out->included++;
    }
    if (rc == CUSTOS_OK && state_path != NULL)
        rc = write_state(state_path, custos_tlog_checkpoint(t), err);
    if (rc == CUSTOS_OK && out->unpublished > 0)
        rc = custos_error_set(err, CUSTOS_E_INCOMPLETE, 0, ledger_path,
                              "%" PRIu64 " of %" PRIu64 " entries are not in the log %s",
                              out->unpublished, out->entries, out->origin);
    custos_tlog_free(t);
    collect_free(&c);
    return rc;
}
