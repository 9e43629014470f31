/* SPDX-License-Identifier: ISC */
/*
 * ledger_proposal.c: proposal files (an entry body, then one signature
 * token a line, for parties who sign on their own devices), the entry body
 * in plain language for the people who sign it, and signing a proposal file
 * only if it still holds what was shown.
 */
#include "custos/ledger_proposal.h"
#include "custos/timefmt.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h> /* flock */
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "custos/digest.h"
#include "custos/atomicfile.h"
#include "custos/ledger.h"
#include "custody_private.h"
#include "fsutil_private.h"
#include "key_private.h" /* custos__read_small_file */

/* What the parties state by signing, per action. */
static const struct {
    const char *action, *verb;
} verbs[] = {
    {"open", "open a case ledger"},
    {"enroll", "enrol a person and their key"},
    {"revoke", "revoke a key"},
    {"collect", "collected item"},
    {"acquire", "acquired (imaged or hashed) item"},
    {"seal", "sealed item"},
    {"transfer", "handed over item"},
    {"store", "stored item"},
    {"access", "checked item out or in:"},
    {"verify", "verified"},
    {"dispose", "disposed of item"},
    {"note", "add a note"},
    {"attest", "add a late signature to an earlier entry"},
    {"close", "close the case"},
};

static const char *
sget(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* "Alice Chen (custodian)" for the party acting as as, or NULL. */
static const json_t *
party_as(const json_t *parties, const char *as)
{
    for (size_t i = 0; i < json_array_size(parties); i++) {
        const char *a = sget(json_array_get(parties, i), "as");
        if (a != NULL && strcmp(a, as) == 0)
            return json_array_get(parties, i);
    }
    return NULL;
}

static void
summary(struct custos__sb *b, const json_t *root, const json_t *parties)
{
    const char *action = sget(root, "action"), *item = sget(root, "item");
    const char *verb = action;
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strcmp(verbs[i].action, action) == 0)
            verb = verbs[i].verb;
    const json_t *rel = party_as(parties, "releaser"), *rec = party_as(parties, "receiver");
    if (strcmp(action, "transfer") == 0 && rel != NULL && rec != NULL) {
        custos__sb_printf(b, "%s (releaser) hands item %s over to %s (receiver)", sget(rel, "name"),
                          item != NULL ? item : "?", sget(rec, "name"));
    } else {
        const json_t *p0 = json_array_get(parties, 0);
        custos__sb_printf(b, "%s (%s) %s%s%s", sget(p0, "name"), sget(p0, "as"), verb,
                          item != NULL ? " " : "", item != NULL ? item : "");
    }
    for (size_t i = 0; i < json_array_size(parties); i++) {
        const json_t *p = json_array_get(parties, i);
        if (i == 0 || p == rel || p == rec)
            continue;
        custos__sb_printf(b, ", with %s (%s)", sget(p, "name"), sget(p, "as"));
    }
}

int
custos_entry_describe(const char *body, size_t len, char **text, struct custos_error *err)
{
    *text = NULL;
    json_error_t je;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    const json_t *parties = json_object_get(root, "parties");
    if (root == NULL || !json_is_object(root) || sget(root, "action") == NULL ||
        sget(root, "time") == NULL || !json_is_integer(json_object_get(root, "seq")) ||
        json_array_size(parties) == 0) {
        json_decref(root);
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "not a ledger entry body");
    }
    for (size_t i = 0; i < json_array_size(parties); i++) {
        const json_t *p = json_array_get(parties, i);
        if (sget(p, "as") == NULL || sget(p, "name") == NULL || sget(p, "key") == NULL) {
            json_decref(root);
            return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                    "party %zu of the entry is malformed", i + 1);
        }
    }
    struct custos__sb b = {0};
    custos__sb_printf(&b, "  summary:  ");
    summary(&b, root, parties);
    custos__sb_printf(
        &b, "\n  entry:    %" JSON_INTEGER_FORMAT " of the ledger (after entry %.16s...)\n",
        json_integer_value(json_object_get(root, "seq")),
        sget(root, "prev") != NULL ? sget(root, "prev") : "?");
    /* The signer reads the act time as it was typed; the UTC form is what is signed. */
    int off = 0;
    int64_t t = 0;
    char local[CUSTOS_TIME_RFC3339_SIZE];
    if (sget(root, "time_offset") != NULL &&
        custos_time_offset_parse(sget(root, "time_offset"), &off) == CUSTOS_OK &&
        custos_time_rfc3339_parse(sget(root, "time"), 0, &t, NULL) == CUSTOS_OK &&
        custos_time_rfc3339_format_local(t, off, local) == CUSTOS_OK)
        custos__sb_printf(&b, "  time:     %s (%s UTC), when the act happened\n", local,
                          sget(root, "time"));
    else
        custos__sb_printf(&b, "  time:     %s (UTC), when the act happened\n", sget(root, "time"));
    if (sget(root, "recorded") != NULL)
        custos__sb_printf(&b, "  recorded: %s (UTC), when this entry is written\n",
                          sget(root, "recorded"));
    custos__sb_printf(&b, "  action:   %s\n", sget(root, "action"));
    if (sget(root, "item") != NULL)
        custos__sb_printf(&b, "  item:     %s\n", sget(root, "item"));
    for (size_t i = 0; i < json_array_size(parties); i++) {
        const json_t *p = json_array_get(parties, i);
        custos__sb_printf(&b, "  %-9s %s, key %.16s%s%s\n", sget(p, "as"), sget(p, "name"),
                          sget(p, "key"), sget(p, "role") != NULL ? ", enrolled now as " : "",
                          sget(p, "role") != NULL ? sget(p, "role") : "");
    }
    static const char *const head[] = {"v",       "seq",  "prev",        "time",    "action",
                                       "parties", "item", "time_offset", "recorded"};
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        int skip = 0;
        for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
            skip |= strcmp(k, head[i]) == 0;
        if (skip)
            continue;
        if (json_is_string(v))
            custos__sb_printf(&b, "  %-15s %s\n", k, json_string_value(v));
        else if (json_is_integer(v))
            custos__sb_printf(&b, "  %-15s %" JSON_INTEGER_FORMAT "\n", k, json_integer_value(v));
        else
            custos__sb_printf(&b, "  %-15s (not text)\n", k);
    }
    uint8_t h[32];
    char hex[65];
    EVP_Digest(body, len, h, NULL, EVP_sha256(), NULL);
    custos_hex_encode(h, 32, hex);
    custos__sb_printf(&b, "  entry SHA-256: %s (what the signatures cover)\n", hex);
    json_decref(root);
    *text = custos__sb_take(&b);
    if (*text == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    return CUSTOS_OK;
}

int
custos_ledger_proposal_describe(const char *body, char **tokens, size_t ntokens, char **text,
                                struct custos_error *err)
{
    *text = NULL;
    char *desc = NULL;
    int rc = custos_entry_describe(body, strlen(body), &desc, err);
    if (rc != CUSTOS_OK)
        return rc;
    struct custos__sb b = {0};
    custos__sb_printf(&b, "%ssigned so far: %s\n", desc, ntokens == 0 ? "nobody" : "");
    for (size_t i = 0; i < ntokens; i++)
        custos__sb_printf(&b, "  key %.16s\n", tokens[i]);
    free(desc);
    *text = custos__sb_take(&b);
    if (*text == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    return CUSTOS_OK;
}

/* ---- proposal files ---- */

int
custos_ledger_proposal_write(const char *path, const char *body, struct custos_error *err)
{
    size_t n = strlen(body);
    char *b = malloc(n + 2);
    if (b == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    memcpy(b, body, n);
    b[n] = '\n';
    int rc = custos_write_file_new(path, b, n + 1, 0644, err);
    free(b);
    return rc;
}

static int
proposal_parse(const char *path, char *text, size_t len, char **body, char ***tokens,
               size_t *ntokens, struct custos_error *err)
{
    *body = NULL;
    *tokens = NULL;
    *ntokens = 0;
    char *last = len > 0 ? memrchr(text, '\n', len) : NULL;
    if (last != NULL && text[len - 1] != '\n' && memchr(text, '\0', len) == NULL)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                                "torn last line at byte %zu (a crash while signing?); "
                                "the signatures before it are intact; cut it off with head -c %zu",
                                (size_t)(last + 1 - text), (size_t)(last + 1 - text));
    if (len == 0 || text[len - 1] != '\n' || memchr(text, '\0', len) != NULL)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                                "not a proposal (empty, binary or torn)");
    char *nl = memchr(text, '\n', len);
    size_t count = 0;
    for (char *p = nl + 1; p < text + len; p = strchr(p, '\n') + 1)
        count++;
    char **t = calloc(count + 1, sizeof(char *));
    char *b = strndup(text, (size_t)(nl - text));
    if (t == NULL || b == NULL) {
        free(t);
        free(b);
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
    }
    size_t i = 0;
    int line = 2;
    for (char *p = nl + 1; p < text + len; line++) {
        char *e = strchr(p, '\n');
        size_t tl = (size_t)(e - p);
        if (tl != 64 + 1 + 88 || p[64] != ':') {
            custos_ledger_proposal_free(b, t, i);
            return custos_error_set(err, CUSTOS_E_CORRUPT, 0, path,
                                    "line %d: not a signature token", line);
        }
        t[i] = strndup(p, tl);
        if (t[i] == NULL) {
            custos_ledger_proposal_free(b, t, i);
            return custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
        }
        i++;
        p = e + 1;
    }
    *body = b;
    *tokens = t;
    *ntokens = i;
    return CUSTOS_OK;
}

int
custos_ledger_proposal_read(const char *path, char **body, char ***tokens, size_t *ntokens,
                            struct custos_error *err)
{
    char *text;
    size_t len;
    int rc = custos__read_small_file(path, CUSTOS_LEDGER_LINE_MAX, &text, &len, err);
    if (rc != CUSTOS_OK)
        return rc;
    rc = proposal_parse(path, text, len, body, tokens, ntokens, err);
    free(text);
    return rc;
}

void
custos_ledger_proposal_free(char *body, char **tokens, size_t ntokens)
{
    free(body);
    for (size_t i = 0; tokens != NULL && i < ntokens; i++)
        free(tokens[i]);
    free(tokens);
}

int
custos_ledger_proposal_check_signer(const char *path, const char *body, char **tokens,
                                    size_t ntokens, const struct custos_key *key,
                                    struct custos_error *err)
{
    const char *fp = custos_key_fingerprint(key);
    json_t *root = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
    json_t *parties = json_object_get(root, "parties");
    int listed = 0;
    for (size_t i = 0; i < json_array_size(parties); i++) {
        const char *k = sget(json_array_get(parties, i), "key");
        listed |= k != NULL && strcmp(k, fp) == 0;
    }
    json_decref(root);
    if (!listed)
        return custos_error_set(err, CUSTOS_E_REFUSED, 0, path,
                                "%s (key %.16s) is not a party to this entry", custos_key_name(key),
                                fp);
    for (size_t i = 0; i < ntokens; i++)
        if (strncmp(tokens[i], fp, 64) == 0)
            return custos_error_set(err, CUSTOS_E_REFUSED, 0, path, "%s has signed already",
                                    custos_key_name(key));
    return CUSTOS_OK;
}

/*
 * Signs the proposal at path with key, if shown is NULL or the body the
 * file holds: one lock from the comparison until the signature is written,
 * so the body cannot change between them.
 */
static int
sign_proposal(const char *path, const char *shown, const struct custos_key *key,
              struct custos_error *err)
{
    int fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return custos_error_set(err, CUSTOS_E_IO, errno, path, "cannot open the proposal");
    while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
        ;
    struct stat pst; /* the length to cut back to if the signature cannot be written */
    off_t len = fstat(fd, &pst) == 0 ? pst.st_size : 0;
    char *body = NULL, **tokens = NULL, *token = NULL;
    size_t ntokens = 0;
    int rc = custos_ledger_proposal_read(path, &body, &tokens, &ntokens, err);
    if (rc == CUSTOS_OK && shown != NULL && strcmp(body, shown) != 0)
        rc = custos_error_set(err, CUSTOS_E_REFUSED, 0, path,
                              "the proposal changed since it was shown; nothing was signed");
    if (rc == CUSTOS_OK)
        rc = custos_ledger_proposal_check_signer(path, body, tokens, ntokens, key, err);
    if (rc == CUSTOS_OK)
        rc = custos_ledger_sign_body(body, strlen(body), key, &token, err);
    if (rc == CUSTOS_OK) {
        size_t tl = strlen(token);
        char *lineb = malloc(tl + 2);
        if (lineb == NULL) {
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, path, "out of memory");
        } else {
            memcpy(lineb, token, tl);
            lineb[tl] = '\n';
            if (custos__write_all(fd, lineb, tl + 1) != 0 || fsync(fd) != 0) {
                int e = errno;
                /* as an append to the ledger: no torn token is left behind */
                if (len > 0 && ftruncate(fd, len) == 0)
                    fsync(fd);
                rc = custos_error_set(err, CUSTOS_E_IO, e, path, "cannot add the signature");
            }
            free(lineb);
        }
    }
    free(token);
    custos_ledger_proposal_free(body, tokens, ntokens);
    close(fd);
    return rc;
}

int
custos_ledger_proposal_sign(const char *path, const struct custos_key *key,
                            struct custos_error *err)
{
    return sign_proposal(path, NULL, key, err);
}

int
custos_ledger_proposal_sign_shown(const char *path, const char *shown, const struct custos_key *key,
                                  struct custos_error *err)
{
    return sign_proposal(path, shown, key, err);
}
