/* SPDX-License-Identifier: ISC */
/*
 * ledger.c: the chain-of-custody ledger handle: one signed, hash-chained
 * entry per line, appended under a lock, checked against the role policy.
 * (The other pieces: ledger_private.h.)
 *
 * Every reader goes through replay() (ledger_replay.c): each line is split
 * into body and signature tokens, the body is parsed (jansson, duplicates
 * rejected) and must be byte-identical to its own compact re-encoding, so
 * that there is exactly one byte form for every entry and the C parser and
 * the shell verifier cannot disagree. The entry is then checked against the state
 * built from the entries before it (hash link, sequence, time, enrolment,
 * revocation, role policy, item custody, pending signatures) and applied.
 *
 * Invariants:
 *   1. An entry is appended only by write_entry(), under an exclusive flock
 *      on the ledger file, after catch_up() has replayed every line appended
 *      by others since this handle last looked (only those: appends are O(1)
 *      in the ledger's length), and after the entry passed replay() in
 *      COMMIT mode against that state.
 *   2. The line goes out in one write() on an O_APPEND descriptor and is
 *      fsynced before the call returns. If the write fails part-way, the
 *      file is cut back to its previous length before the lock is released.
 *      A crash mid-write leaves a last line without LF: a torn tail, which
 *      readers report (CUSTOS_E_CORRUPT) and never drop or accept silently;
 *      the prefix before it still verifies.
 *   3. Nothing is ever edited in place: corrections and late signatures are
 *      new entries (note, attest).
 *   4. A body's seq and prev are fixed when it is proposed; commit refuses a
 *      body whose seq/prev no longer match the head (the ledger moved).
 *
 * States of a handle: OPEN (after _create/_open) -> DEAD after an I/O error
 * during an append (state and file may disagree); only _free works then.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h> /* flock */
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "custos/atomicfile.h"
#include "custos/digest.h"
#include "base64_private.h"
#include "fsutil_private.h"
#include "ledger_private.h"

const struct custos_error *
custos_ledger_error(const struct custos_ledger *l)
{
    return &l->err;
}

uint64_t
custos_ledger_size(const struct custos_ledger *l)
{
    return l->st.n;
}

const char *
custos_ledger_origin(const struct custos_ledger *l)
{
    return l->origin;
}

void
custos_ledger_free(struct custos_ledger *l)
{
    if (l == NULL)
        return;
    if (l->fd >= 0)
        close(l->fd);
    custos__ledger_state_free(&l->st);
    free(l->path);
    free(l);
}

int
custos__ledger_finding_error(struct custos_ledger *l, struct finding_list *f, size_t from,
                             int status)
{
    int rc = custos_error_set(&l->err, status, 0, l->path, "%s", f->v[from].message);
    if (f->n - from > 1) {
        size_t n = strlen(l->err.message);
        snprintf(l->err.message + n, sizeof(l->err.message) - n, " (and %zu more)",
                 f->n - from - 1);
    }
    return rc;
}

int
custos__ledger_catch_up(struct custos_ledger *l)
{
    struct stat st;
    if (fstat(l->fd, &st) != 0)
        return custos_error_set(&l->err, CUSTOS_E_IO, errno, l->path, "cannot stat");
    if ((uint64_t)st.st_size < l->end)
        return custos_error_set(&l->err, CUSTOS_E_CORRUPT, 0, l->path,
                                "the ledger shrank from %" PRIu64 " to %lld bytes", l->end,
                                (long long)st.st_size);
    if ((uint64_t)st.st_size == l->end)
        return CUSTOS_OK;
    struct finding_list f = {0};
    uint64_t consumed = 0, torn_at = 0;
    int torn = 0;
    /* Signatures included: nothing is signed or appended over a forgery (issue 19). */
    int rc = custos__ledger_scan(&l->st, l->fd, l->end, (uint64_t)st.st_size, M_SIGS, &f, &consumed,
                                 &torn, &torn_at, NULL, &l->err, l->path);
    l->end += consumed;
    if (rc == CUSTOS_OK) {
        for (size_t i = 0; i < f.n; i++)
            if (f.v[i].status != CUSTOS_E_INCOMPLETE) {
                rc = custos__ledger_finding_error(l, &f, i, f.v[i].status);
                size_t n = strlen(l->err.message);
                snprintf(l->err.message + n, sizeof(l->err.message) - n,
                         "; the ledger does not verify, so nothing may be signed or appended "
                         "over it (run custos-ledger verify)");
                break;
            }
    }
    if (rc == CUSTOS_OK && torn)
        rc = custos_error_set(&l->err, CUSTOS_E_CORRUPT, 0, l->path,
                              "entry %" PRIu64 ": torn last line at byte %" PRIu64 " (%" PRIu64
                              " bytes without a line end; a crash during an "
                              "append?): refusing to append",
                              l->st.n, torn_at, (uint64_t)st.st_size - torn_at);
    free(f.v);
    return rc;
}

int
custos__ledger_lock(struct custos_ledger *l)
{
    while (flock(l->fd, LOCK_EX) != 0)
        if (errno != EINTR)
            return custos_error_set(&l->err, CUSTOS_E_IO, errno, l->path, "cannot lock");
    return CUSTOS_OK;
}

void
custos__ledger_unlock(struct custos_ledger *l)
{
    flock(l->fd, LOCK_UN);
}

int
custos_ledger_open(struct custos_ledger **out, const char *path, struct custos_error *err)
{
    *out = NULL;
    struct custos_ledger *l = calloc(1, sizeof(*l));
    if (l == NULL || (l->path = strdup(path)) == NULL ||
        custos__ledger_state_init(&l->st, 1) != CUSTOS_OK) {
        if (l != NULL)
            free(l->path);
        free(l);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    }
    l->fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    int rc;
    if (l->fd < 0) {
        rc = custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot open the ledger");
        custos_ledger_free(l);
        return rc;
    }
    /* A shared lock: no append is half-way while we read. */
    while (flock(l->fd, LOCK_SH) != 0 && errno == EINTR)
        ;
    rc = custos__ledger_catch_up(l);
    custos__ledger_unlock(l);
    if (rc == CUSTOS_OK && l->st.n == 0)
        rc = custos_error_set(&l->err, CUSTOS_E_CORRUPT, 0, path, "empty ledger");
    if (rc != CUSTOS_OK) {
        custos_error_copy(err, &l->err);
        custos_ledger_free(l);
        return rc;
    }
    snprintf(l->origin, sizeof(l->origin), CUSTOS_LEDGER_ORIGIN_PREFIX "%s", l->st.ledger_id);
    *out = l;
    return CUSTOS_OK;
}

/* Builds the body JSON for a new entry on the current state. */
static int
build_body(struct state *s, const char *action, const char *fields_json,
           const struct custos_ledger_party *parties, size_t nparties, const char *time_,
           char **body, struct custos_error *err, const char *path)
{
    *body = NULL;
    const struct arule *ar = custos__ledger_rule(action != NULL ? action : "");
    if (ar == NULL)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, path, "unknown action \"%s\"",
                                action != NULL ? action : "");
    if (nparties == 0 || nparties > 8)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, path, "an entry names 1 to 8 parties");
    char now[24], utc[24], offset[8], recorded[24];
    time_t tnow = time(NULL), t;
    custos__ledger_format_time(tnow, now, sizeof(now));
    if (time_ == NULL)
        time_ = now;
    if (custos__ledger_act_time(time_, tnow, utc, offset, recorded) != 0 ||
        custos__ledger_parse_time(utc, &t) != 0)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, path,
                                "time \"%s\" is not RFC 3339 in whole seconds "
                                "(2026-12-05T06:30:00Z, or local: 2026-12-05T14:30:00+08:00)",
                                time_);
    if (t > tnow + CUSTOS_LEDGER_FUTURE_SLACK)
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, path,
                                "time %s is in the future (the clock says %s)", time_, now);
    json_t *fields = NULL;
    if (fields_json != NULL) {
        json_error_t je;
        fields = json_loads(fields_json, JSON_REJECT_DUPLICATES, &je);
        if (fields == NULL || !json_is_object(fields)) {
            json_decref(fields);
            return custos_error_set(err, CUSTOS_E_USAGE, 0, path,
                                    "fields are not a JSON object (%s)", je.text);
        }
    }
    json_t *o = json_object(), *pa = json_array();
    char prev[65];
    custos__ledger_head_hex(s, prev);
    json_object_set_new(o, "v", json_integer(CUSTOS_LEDGER_VERSION));
    json_object_set_new(o, "seq", json_integer((json_int_t)s->n));
    json_object_set_new(o, "prev", json_string(prev));
    json_object_set_new(o, "time", json_string(utc));
    json_object_set_new(o, "action", json_string(action));
    int rc = CUSTOS_OK;
    for (size_t i = 0; i < nparties; i++) {
        const struct crule *cr = NULL;
        for (size_t c = 0; c < 5 && ar->caps[c].as != NULL; c++)
            if (parties[i].as != NULL && strcmp(ar->caps[c].as, parties[i].as) == 0)
                cr = &ar->caps[c];
        if (cr == NULL || parties[i].key == NULL) {
            rc = custos_error_set(err, CUSTOS_E_USAGE, 0, path, "%s has no capacity \"%s\"", action,
                                  parties[i].as != NULL ? parties[i].as : "");
            goto out;
        }
        const struct custos_key *k = parties[i].key;
        json_t *p = json_object();
        const char *name = custos_key_name(k);
        struct person *per = custos__ledger_person(s, custos_key_fingerprint(k));
        if (!cr->enrols && per != NULL)
            name = per->name; /* the ledger's spelling is authoritative */
        json_object_set_new(p, "as", json_string(parties[i].as));
        json_object_set_new(p, "key", json_string(custos_key_fingerprint(k)));
        json_object_set_new(p, "name", json_string(name));
        if (cr->enrols) {
            uint8_t der[CUSTOS_KEY_SPKI_SIZE];
            char b64[CUSTOS__B64_SIZE(CUSTOS_KEY_SPKI_SIZE)];
            custos_key_spki(k, der);
            custos__b64_encode(der, sizeof(der), b64);
            json_object_set_new(p, "role", json_string(custos_key_role(k)));
            json_object_set_new(p, "pub", json_string(b64));
        }
        json_array_append_new(pa, p);
    }
    json_object_set_new(o, "parties", pa);
    pa = NULL;
    /* The offset is kept for display only; the act and recording times are UTC. */
    if (offset[0] != '\0')
        json_object_set_new(o, "time_offset", json_string(offset));
    if (recorded[0] != '\0')
        json_object_set_new(o, "recorded", json_string(recorded));
    /* An attest names its target by number; the target's hash follows from the ledger. */
    if (strcmp(action, CUSTOS_ACTION_ATTEST) == 0 && fields != NULL &&
        json_object_get(fields, "target_sha256") == NULL) {
        json_t *tg = json_object_get(fields, "target");
        long long n = json_is_integer(tg)  ? json_integer_value(tg)
                      : json_is_string(tg) ? strtoll(json_string_value(tg), NULL, 10)
                                           : -1;
        if (n >= 0 && (uint64_t)n < s->n) {
            char hh[65];
            custos_hex_encode(s->hashes[n], 32, hh);
            json_object_set_new(fields, "target_sha256", json_string(hh));
        }
    }
    if (fields != NULL) {
        const char *k;
        json_t *v;
        json_object_foreach(fields, k, v)
        {
            if (json_object_get(o, k) != NULL) {
                rc = custos_error_set(err, CUSTOS_E_USAGE, 0, path, "field \"%s\" is reserved", k);
                goto out;
            }
            const struct frule *fr = NULL;
            for (size_t i = 0; i < 12 && ar->fields[i].name != NULL; i++)
                if (strcmp(ar->fields[i].name, k) == 0)
                    fr = &ar->fields[i];
            if (fr == NULL) {
                rc = custos_error_set(err, CUSTOS_E_USAGE, 0, path,
                                      "field \"%s\" is not defined for %s", k, action);
                goto out;
            }
            if (fr->type == F_INT && json_is_string(v)) {
                const char *sv = json_string_value(v);
                char *end;
                errno = 0;
                long long n = strtoll(sv, &end, 10);
                if (*sv == '\0' || *end != '\0' || errno != 0 || n < 0) {
                    rc = custos_error_set(err, CUSTOS_E_USAGE, 0, path,
                                          "field \"%s\" must be a whole number", k);
                    goto out;
                }
                json_object_set_new(o, k, json_integer(n));
            } else {
                json_object_set(o, k, v);
            }
        }
    }
    *body = custos__ledger_dump(o);
    if (*body == NULL)
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
out:
    json_decref(pa);
    json_decref(o);
    json_decref(fields);
    return rc;
}

/* Attaches tokens to body in party order: "body\tT1\tT2\n". */
static int
assemble(const char *body, size_t blen, const char *const *tokens, size_t ntokens, char **line,
         size_t *len, struct custos_error *err, const char *path)
{
    json_t *root = json_loadb(body, blen, JSON_REJECT_DUPLICATES, NULL);
    json_t *parties = json_object_get(root, "parties");
    size_t cap = blen + ntokens * 160 + 2;
    char *b = malloc(cap);
    if (root == NULL || !json_is_array(parties) || b == NULL) {
        json_decref(root);
        free(b);
        return custos_error_set(err, root == NULL ? CUSTOS_E_CORRUPT : CUSTOS_E_NOMEM, 0, path,
                                root == NULL ? "proposal body is not JSON" : "out of memory");
    }
    memcpy(b, body, blen);
    size_t off = blen;
    size_t used = 0;
    for (size_t i = 0; i < json_array_size(parties); i++) {
        const char *fp = sget(json_array_get(parties, i), "key");
        for (size_t t = 0; fp != NULL && t < ntokens; t++)
            if (strncmp(tokens[t], fp, 64) == 0 && tokens[t][64] == ':') {
                size_t tl = strlen(tokens[t]);
                if (tl > 160)
                    break;
                b[off++] = '\t';
                memcpy(b + off, tokens[t], tl);
                off += tl;
                used++;
                break;
            }
    }
    json_decref(root);
    /* Tokens by keys the body does not list are kept, so that replay names them. */
    for (size_t t = 0; t < ntokens && used < ntokens; t++) {
        int listed = 0;
        for (size_t j = 0; j < off; j++)
            if (b[j] == '\t' && strncmp(b + j + 1, tokens[t], 64) == 0)
                listed = 1;
        if (!listed && strlen(tokens[t]) <= 160) {
            char *nb = realloc(b, off + strlen(tokens[t]) + 3);
            if (nb == NULL) {
                free(b);
                return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
            }
            b = nb;
            b[off++] = '\t';
            memcpy(b + off, tokens[t], strlen(tokens[t]));
            off += strlen(tokens[t]);
            used++;
        }
    }
    b[off++] = '\n';
    *line = b;
    *len = off;
    return CUSTOS_OK;
}

/*
 * Checks a complete line (with LF) as the next entry and appends it. Caller
 * holds the lock and has caught up. Invariant 1 and 2.
 */
static int
write_entry(struct custos_ledger *l, const char *line, size_t len, unsigned mode, uint64_t *seq)
{
    struct finding_list f = {0};
    uint64_t n = l->st.n;
    if (custos__ledger_replay(&l->st, line, len - 1, M_SIGS | M_COMMIT | mode, &f) != CUSTOS_OK) {
        free(f.v);
        return custos_error_set(&l->err, CUSTOS_E_NOMEM, 0, l->path, "out of memory");
    }
    if (f.n > 0) {
        int st = CUSTOS_E_REFUSED;
        for (size_t i = 0; i < f.n; i++)
            if (strstr(f.v[i].message, "does not verify") != NULL)
                st = CUSTOS_E_UNTRUSTED;
        int rc = custos__ledger_finding_error(l, &f, 0, st);
        free(f.v);
        return rc;
    }
    free(f.v);
    if (custos__write_all(l->fd, line, len) != 0 || fsync(l->fd) != 0) {
        int e = errno;
        /* Cut a partial line back so that no torn tail of ours remains. */
        if (ftruncate(l->fd, (off_t)l->end) == 0)
            fsync(l->fd);
        l->dead = 1;
        return custos_error_set(&l->err, CUSTOS_E_IO, e, l->path, "cannot append entry %" PRIu64,
                                n);
    }
    l->end += len;
    if (seq != NULL)
        *seq = n;
    return CUSTOS_OK;
}

int
custos__ledger_check_alive(struct custos_ledger *l, const char *fn)
{
    if (l->dead)
        return custos_error_set(&l->err, CUSTOS_E_USAGE, 0, l->path,
                                "%s: the handle is dead after a failed append", fn);
    custos_error_clear(&l->err);
    return CUSTOS_OK;
}

int
custos__ledger_refresh(struct custos_ledger *l, const char *fn)
{
    int rc = custos__ledger_check_alive(l, fn);
    if (rc != CUSTOS_OK)
        return rc;
    if ((rc = custos__ledger_lock(l)) != CUSTOS_OK)
        return rc;
    rc = custos__ledger_catch_up(l);
    custos__ledger_unlock(l);
    return rc;
}

int
custos_ledger_sign_body(const char *body, size_t len, const struct custos_key *key, char **token,
                        struct custos_error *err)
{
    *token = NULL;
    uint8_t sig[CUSTOS_SIG_SIZE];
    int rc = custos_sign(key, CUSTOS_PURPOSE_LEDGER_ENTRY, body, len, sig, err);
    if (rc != CUSTOS_OK)
        return rc;
    char b64[CUSTOS_SIG_B64_SIZE];
    custos_sig_to_base64(sig, b64);
    if (asprintf(token, "%s:%s", custos_key_fingerprint(key), b64) < 0) {
        *token = NULL;
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    return CUSTOS_OK;
}

static int
sign_all(struct custos_ledger *l, const char *body, const struct custos_ledger_party *parties,
         size_t n, char **tokens)
{
    for (size_t i = 0; i < n; i++) {
        if (!custos_key_has_private(parties[i].key))
            return custos_error_set(&l->err, CUSTOS_E_USAGE, 0, l->path,
                                    "%s %s: a private key is needed to sign now", parties[i].as,
                                    custos_key_name(parties[i].key));
        int rc = custos_ledger_sign_body(body, strlen(body), parties[i].key, &tokens[i], &l->err);
        if (rc != CUSTOS_OK)
            return rc;
    }
    return CUSTOS_OK;
}

int
custos_ledger_append(struct custos_ledger *l, const char *action, const char *fields_json,
                     const struct custos_ledger_party *parties, size_t nparties, const char *time_,
                     uint64_t *seq)
{
    int rc = custos__ledger_check_alive(l, "custos_ledger_append");
    if (rc != CUSTOS_OK)
        return rc;
    if (nparties > 8)
        return custos_error_set(&l->err, CUSTOS_E_USAGE, 0, l->path, "too many parties");
    char *tokens[8] = {0};
    char *body = NULL, *line = NULL;
    size_t len = 0;
    if ((rc = custos__ledger_lock(l)) != CUSTOS_OK)
        return rc;
    rc = custos__ledger_catch_up(l);
    if (rc == CUSTOS_OK && time_ == NULL && l->st.last_time[0] != '\0') {
        char now[24];
        custos__ledger_format_time(time(NULL), now, sizeof(now));
        if (strcmp(now, l->st.last_time) < 0)
            rc = custos_error_set(&l->err, CUSTOS_E_REFUSED, 0, l->path,
                                  "the clock (%s) is behind the last entry (%s): set the clock "
                                  "or give the time",
                                  now, l->st.last_time);
    }
    if (rc == CUSTOS_OK)
        rc = build_body(&l->st, action, fields_json, parties, nparties, time_, &body, &l->err,
                        l->path);
    if (rc == CUSTOS_OK)
        rc = sign_all(l, body, parties, nparties, tokens);
    if (rc == CUSTOS_OK)
        rc = assemble(body, strlen(body), (const char *const *)tokens, nparties, &line, &len,
                      &l->err, l->path);
    if (rc == CUSTOS_OK)
        rc = write_entry(l, line, len, 0, seq);
    custos__ledger_unlock(l);
    for (size_t i = 0; i < nparties; i++)
        free(tokens[i]);
    free(body);
    free(line);
    return rc;
}

int
custos_ledger_propose(struct custos_ledger *l, const char *action, const char *fields_json,
                      const struct custos_ledger_party *parties, size_t nparties, const char *time_,
                      char **body)
{
    *body = NULL;
    int rc = custos__ledger_refresh(l, "custos_ledger_propose");
    if (rc == CUSTOS_OK)
        rc = build_body(&l->st, action, fields_json, parties, nparties, time_, body, &l->err,
                        l->path);
    if (rc != CUSTOS_OK)
        return rc;
    /* Check the policy now, so nobody signs a body that commit would refuse. */
    struct finding_list f = {0};
    if (custos__ledger_replay(&l->st, *body, strlen(*body), M_COMMIT | M_LATE | M_DRY, &f) !=
        CUSTOS_OK)
        rc = custos_error_set(&l->err, CUSTOS_E_NOMEM, 0, l->path, "out of memory");
    else if (f.n > 0)
        rc = custos__ledger_finding_error(l, &f, 0, CUSTOS_E_REFUSED);
    free(f.v);
    if (rc != CUSTOS_OK) {
        free(*body);
        *body = NULL;
    }
    return rc;
}

int
custos_ledger_commit(struct custos_ledger *l, const char *body, size_t len,
                     const char *const *tokens, size_t ntokens, unsigned flags, uint64_t *seq)
{
    int rc = custos__ledger_check_alive(l, "custos_ledger_commit");
    if (rc != CUSTOS_OK)
        return rc;
    if (memchr(body, '\n', len) != NULL || memchr(body, '\t', len) != NULL)
        return custos_error_set(&l->err, CUSTOS_E_CORRUPT, 0, l->path,
                                "a proposal body is one line without TAB");
    char *line = NULL;
    size_t llen = 0;
    if ((rc = custos__ledger_lock(l)) != CUSTOS_OK)
        return rc;
    rc = custos__ledger_catch_up(l);
    if (rc == CUSTOS_OK) {
        /* Invariant 4: the body was made for this head, or it is refused. */
        json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
        json_int_t bseq = json_integer_value(json_object_get(root, "seq"));
        const char *prev = sget(root, "prev");
        char head[65];
        custos__ledger_head_hex(&l->st, head);
        if (root == NULL || prev == NULL)
            rc = custos_error_set(&l->err, CUSTOS_E_CORRUPT, 0, l->path,
                                  "the proposal body is not an entry");
        else if ((uint64_t)bseq != l->st.n || strcmp(prev, head) != 0)
            rc = custos_error_set(&l->err, CUSTOS_E_REFUSED, 0, l->path,
                                  "the ledger moved since the proposal (it was made for entry "
                                  "%" JSON_INTEGER_FORMAT ", the next entry is %" PRIu64
                                  "): propose again and sign again",
                                  bseq, l->st.n);
        json_decref(root);
    }
    if (rc == CUSTOS_OK)
        rc = assemble(body, len, tokens, ntokens, &line, &llen, &l->err, l->path);
    if (rc == CUSTOS_OK)
        rc = write_entry(l, line, llen, (flags & CUSTOS_LEDGER_ALLOW_MISSING) ? M_LATE : 0, seq);
    custos__ledger_unlock(l);
    free(line);
    return rc;
}

static void
uuid4(char out[37])
{
    uint8_t b[16];
    RAND_bytes(b, sizeof(b));
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    char h[33];
    custos_hex_encode(b, 16, h);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

int
custos_ledger_create(struct custos_ledger **out, const char *path, const char *fields_json,
                     const struct custos_ledger_party *owner, const char *time_,
                     struct custos_error *err)
{
    *out = NULL;
    int rc = custos__refuse_existing(path, err);
    if (rc != CUSTOS_OK)
        return rc;
    json_error_t je;
    json_t *fields =
        json_loads(fields_json != NULL ? fields_json : "{}", JSON_REJECT_DUPLICATES, &je);
    if (fields == NULL || !json_is_object(fields)) {
        json_decref(fields);
        return custos_error_set(err, CUSTOS_E_USAGE, 0, path, "fields are not a JSON object");
    }
    /* level may come as a string from a command line. */
    json_t *lv = json_object_get(fields, "level");
    long long level = json_is_integer(lv)  ? json_integer_value(lv)
                      : json_is_string(lv) ? strtoll(json_string_value(lv), NULL, 10)
                                           : 0;
    const char *lvs = json_string_value(lv);
    if (level < 1 || level > 4 ||
        (lvs != NULL && (strlen(lvs) != 1 || lvs[0] < '1' || lvs[0] > '4'))) {
        json_decref(fields);
        return custos_error_set(err, CUSTOS_E_USAGE, 0, path, "incident level must be 1 to 4");
    }
    char now[24], id[37], rdue[24], vdue[24], utc[24], offset[8], recorded[24];
    time_t t, tnow = time(NULL);
    if (time_ == NULL) {
        custos__ledger_format_time(tnow, now, sizeof(now));
        time_ = now;
    }
    /* The deadlines run from the act; build_body reports a bad time. */
    if (custos__ledger_act_time(time_, tnow, utc, offset, recorded) != 0 ||
        custos__ledger_parse_time(utc, &t) != 0)
        t = tnow;
    uuid4(id);
    custos__ledger_format_time(t + 3600, rdue, sizeof(rdue));
    custos__ledger_format_time(t + (level >= 3 ? 36 : 72) * 3600, vdue, sizeof(vdue));
    json_t *f2 = json_object();
    json_object_set_new(f2, "case", json_incref(json_object_get(fields, "case")) ?: json_null());
    json_object_set_new(f2, "level", json_integer(level));
    json_object_set_new(f2, "authorisation",
                        json_incref(json_object_get(fields, "authorisation")) ?: json_null());
    json_object_set_new(f2, "ledger", json_string(id));
    json_object_set_new(f2, "report_due", json_string(rdue));
    json_object_set_new(f2, "recovery_due", json_string(vdue));
    const char *k;
    json_t *v;
    json_object_foreach(fields, k, v) if (json_object_get(f2, k) == NULL) json_object_set(f2, k, v);
    json_decref(fields);
    char *fj = custos__ledger_dump(f2);
    json_decref(f2);
    struct state st;
    char *body = NULL, *token = NULL, *line = NULL;
    size_t len = 0;
    struct finding_list f = {0};
    if (fj == NULL || custos__ledger_state_init(&st, 1) != CUSTOS_OK) {
        free(fj);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    }
    rc = build_body(&st, CUSTOS_ACTION_OPEN, fj, owner, 1, time_, &body, err, path);
    if (rc == CUSTOS_OK && !custos_key_has_private(owner->key))
        rc = custos_error_set(err, CUSTOS_E_USAGE, 0, path, "the owner's private key is needed");
    if (rc == CUSTOS_OK)
        rc = custos_ledger_sign_body(body, strlen(body), owner->key, &token, err);
    if (rc == CUSTOS_OK)
        rc = assemble(body, strlen(body), (const char *const *)&token, 1, &line, &len, err, path);
    if (rc == CUSTOS_OK &&
        custos__ledger_replay(&st, line, len - 1, M_SIGS | M_COMMIT, &f) != CUSTOS_OK)
        rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    if (rc == CUSTOS_OK && f.n > 0)
        rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, path, "%s", f.v[0].message);
    if (rc == CUSTOS_OK)
        rc = custos_write_file_new(path, line, len, 0644, err);
    free(f.v);
    custos__ledger_state_free(&st);
    free(fj);
    free(body);
    free(token);
    free(line);
    if (rc != CUSTOS_OK)
        return rc;
    return custos_ledger_open(out, path, err);
}

int
custos_ledger_record(struct custos_ledger *l, const char *action, const char *fields_json,
                     const struct custos_ledger_party *parties, size_t nparties, const char *time_,
                     unsigned flags, uint64_t *seq)
{
    size_t nlater = 0;
    if (nparties > 8)
        return custos_error_set(&l->err, CUSTOS_E_USAGE, 0, l->path, "too many parties");
    for (size_t i = 0; i < nparties; i++)
        nlater += !custos_key_has_private(parties[i].key);
    if (nlater == 0)
        return custos_ledger_append(l, action, fields_json, parties, nparties, time_, seq);
    if (!(flags & CUSTOS_LEDGER_ALLOW_MISSING))
        return custos_error_set(&l->err, CUSTOS_E_USAGE, 0, l->path,
                                "a party without a private key can only sign later: allow "
                                "missing signatures");
    int rc = CUSTOS_OK;
    /* Two tries: a concurrent append between propose and commit is normal. */
    for (int attempt = 0; attempt < 2; attempt++) {
        char *body = NULL, *tokens[8] = {0};
        size_t ntok = 0;
        rc = custos_ledger_propose(l, action, fields_json, parties, nparties, time_, &body);
        for (size_t i = 0; rc == CUSTOS_OK && i < nparties; i++)
            if (custos_key_has_private(parties[i].key))
                rc = custos_ledger_sign_body(body, strlen(body), parties[i].key, &tokens[ntok++],
                                             &l->err);
        if (rc == CUSTOS_OK)
            rc = custos_ledger_commit(l, body, strlen(body), (const char *const *)tokens, ntok,
                                      flags, seq);
        for (size_t i = 0; i < ntok; i++)
            free(tokens[i]);
        free(body);
        if (rc != CUSTOS_E_REFUSED || attempt == 1 || strstr(l->err.message, "moved") == NULL)
            break;
    }
    return rc;
}

int
custos_ledger_check_body(struct custos_ledger *l, const char *body, size_t len)
{
    int rc = custos__ledger_refresh(l, "custos_ledger_check_body");
    if (rc != CUSTOS_OK)
        return rc;
    /* As a proposal is checked before signing: unsigned parties are allowed. */
    struct finding_list f = {0};
    if (custos__ledger_replay(&l->st, body, len, M_COMMIT | M_LATE | M_DRY, &f) != CUSTOS_OK)
        rc = custos_error_set(&l->err, CUSTOS_E_NOMEM, 0, l->path, "out of memory");
    else if (f.n > 0)
        rc = custos__ledger_finding_error(l, &f, 0, CUSTOS_E_REFUSED);
    free(f.v);
    return rc;
}
