/* SPDX-License-Identifier: ISC */
/*
 * checkpoint.c: C2SP checkpoints: signed notes (c2sp.org/signed-note) whose
 * text is a tlog-checkpoint (origin, tree size, root), signed by a log key
 * (type 0x01) and cosigned by witnesses (tlog-cosignature/v1, type 0x04).
 *
 * Nothing here knows the ledger: the ledger decides which keys count
 * (ledger_verify.c); this file only writes, parses and checks the notes.
 */
#include "custos/checkpoint.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "custos/sign.h"
#include "base64_private.h"

void
custos_note_key_name(const struct custos_key *key, char name[64])
{
    snprintf(name, 64, CUSTOS_NOTE_KEY_PREFIX "%.16s", custos_key_fingerprint(key));
}

/* SHA-256(name || 0x0A || type || raw key)[:4]. */
static void
key_id(const char *name, uint8_t type, const struct custos_key *key, uint8_t id[4])
{
    uint8_t raw[CUSTOS_KEY_RAW_SIZE], md[32];
    size_t nl = strlen(name);
    uint8_t buf[256 + 2 + CUSTOS_KEY_RAW_SIZE];
    custos_key_raw(key, raw);
    memcpy(buf, name, nl);
    buf[nl] = '\n';
    buf[nl + 1] = type;
    memcpy(buf + nl + 2, raw, sizeof(raw));
    EVP_Digest(buf, nl + 2 + sizeof(raw), md, NULL, EVP_sha256(), NULL);
    memcpy(id, md, 4);
}

static int
origin_valid(const char *o)
{
    size_t n = strlen(o);
    if (n == 0 || n >= 256)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)o[i] <= 0x20 || o[i] == '+' || o[i] == 0x7f)
            return 0;
    return 1;
}

/* Appends "— NAME BASE64(blob)\n" to buf at *off (buf has room). */
static void
put_sig_line(char *buf, size_t *off, size_t cap, const struct custos_note_sig *s)
{
    char b64[CUSTOS__B64_SIZE(128)];
    custos__b64_encode(s->blob, s->blob_len, b64);
    int w = snprintf(buf + *off, cap - *off, CUSTOS_NOTE_DASH " %s %s\n", s->name, b64);
    if (w > 0)
        *off += (size_t)w;
}

static char *
note_text(const struct custos_checkpoint *cp)
{
    size_t cap = cp->text_len + 1 + cp->nsigs * 320 + 1;
    char *buf = malloc(cap);
    if (buf == NULL)
        return NULL;
    memcpy(buf, cp->text, cp->text_len);
    size_t off = cp->text_len;
    buf[off++] = '\n';
    for (size_t i = 0; i < cp->nsigs; i++)
        put_sig_line(buf, &off, cap, &cp->sigs[i]);
    buf[off] = '\0';
    return buf;
}

int
custos_checkpoint_sign(const char *origin, uint64_t size,
                       const uint8_t root[CUSTOS_MERKLE_HASH_SIZE], const struct custos_key *key,
                       char **note, struct custos_error *err)
{
    *note = NULL;
    if (!origin_valid(origin))
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL,
                                "checkpoint origin must be one word without '+'");
    struct custos_checkpoint cp;
    memset(&cp, 0, sizeof(cp));
    char b64[CUSTOS__B64_SIZE(CUSTOS_MERKLE_HASH_SIZE)];
    custos__b64_encode(root, CUSTOS_MERKLE_HASH_SIZE, b64);
    if (asprintf(&cp.text, "%s\n%" PRIu64 "\n%s\n", origin, size, b64) < 0)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    cp.text_len = strlen(cp.text);
    struct custos_note_sig *s = &cp.sigs[0];
    custos_note_key_name(key, s->name);
    key_id(s->name, CUSTOS_NOTE_TYPE_ED25519, key, s->blob);
    int rc = custos_sign_raw(key, cp.text, cp.text_len, s->blob + 4, err);
    if (rc == CUSTOS_OK) {
        s->blob_len = 4 + CUSTOS_SIG_SIZE;
        cp.nsigs = 1;
        *note = note_text(&cp);
        if (*note == NULL)
            rc = custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    }
    custos_checkpoint_clear(&cp);
    return rc;
}

/* "cosignature/v1\ntime T\n" || text, in a new buffer. */
static char *
cosig_message(const struct custos_checkpoint *cp, uint64_t t, size_t *len)
{
    char head[64];
    int h = snprintf(head, sizeof(head), CUSTOS_NOTE_COSIG_HEADER "time %" PRIu64 "\n", t);
    char *m = malloc((size_t)h + cp->text_len);
    if (m == NULL)
        return NULL;
    memcpy(m, head, (size_t)h);
    memcpy(m + h, cp->text, cp->text_len);
    *len = (size_t)h + cp->text_len;
    return m;
}

int
custos_checkpoint_cosign(struct custos_checkpoint *cp, const struct custos_key *key, uint64_t time,
                         char **note, struct custos_error *err)
{
    *note = NULL;
    if (cp->nsigs >= CUSTOS_NOTE_SIGS_MAX)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "too many signatures on the note");
    size_t mlen;
    char *msg = cosig_message(cp, time, &mlen);
    if (msg == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    struct custos_note_sig *s = &cp->sigs[cp->nsigs];
    memset(s, 0, sizeof(*s));
    custos_note_key_name(key, s->name);
    key_id(s->name, CUSTOS_NOTE_TYPE_COSIG, key, s->blob);
    for (int i = 0; i < 8; i++)
        s->blob[4 + i] = (uint8_t)(time >> (56 - 8 * i));
    int rc = custos_sign_raw(key, msg, mlen, s->blob + 12, err);
    free(msg);
    if (rc != CUSTOS_OK)
        return rc;
    s->blob_len = 12 + CUSTOS_SIG_SIZE;
    cp->nsigs++;
    *note = note_text(cp);
    if (*note == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    return CUSTOS_OK;
}

void
custos_checkpoint_clear(struct custos_checkpoint *cp)
{
    free(cp->text);
    memset(cp, 0, sizeof(*cp));
}

int
custos_checkpoint_parse(const char *note, size_t len, struct custos_checkpoint *cp,
                        struct custos_error *err)
{
    memset(cp, 0, sizeof(*cp));
    if (len > CUSTOS_NOTE_MAX || memchr(note, '\0', len) != NULL)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "not a checkpoint note");
    /* The text ends at the first blank line; it must be exactly three lines. */
    const char *end = NULL;
    for (size_t i = 0; i + 1 < len; i++)
        if (note[i] == '\n' && note[i + 1] == '\n') {
            end = note + i + 1;
            break;
        }
    if (end == NULL)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                "no blank line before the signatures");
    const char *l1 = note, *l2 = memchr(l1, '\n', (size_t)(end - l1)) + 1;
    const char *l3 = l2 < end ? memchr(l2, '\n', (size_t)(end - l2)) : NULL;
    if (l3 == NULL || ++l3 >= end || memchr(l3, '\n', (size_t)(end - l3)) != end - 1)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL,
                                "line 4: a checkpoint has exactly three lines before the "
                                "blank line");
    if ((size_t)(l2 - l1 - 1) >= sizeof(cp->origin))
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "line 1: origin too long");
    memcpy(cp->origin, l1, (size_t)(l2 - l1 - 1));
    if (!origin_valid(cp->origin))
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "line 1: bad origin");
    char num[32];
    size_t nl = (size_t)(l3 - l2 - 1);
    if (nl == 0 || nl >= sizeof(num) || (nl > 1 && l2[0] == '0'))
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "line 2: bad tree size");
    memcpy(num, l2, nl);
    num[nl] = '\0';
    if (strspn(num, "0123456789") != nl)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "line 2: bad tree size");
    cp->size = strtoull(num, NULL, 10);
    size_t rlen = 0;
    if (custos__b64_decode(l3, (size_t)(end - 1 - l3), cp->root, sizeof(cp->root), &rlen) != 0 ||
        rlen != CUSTOS_MERKLE_HASH_SIZE)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "line 3: bad root hash");
    cp->text_len = (size_t)(end - note);
    cp->text = malloc(cp->text_len + 1);
    if (cp->text == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    memcpy(cp->text, note, cp->text_len);
    cp->text[cp->text_len] = '\0';

    const char *p = end + 1, *stop = note + len;
    int line = 5;
    while (p < stop) {
        const char *e = memchr(p, '\n', (size_t)(stop - p));
        if (e == NULL) {
            custos_checkpoint_clear(cp);
            return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "line %d: no line end", line);
        }
        size_t dl = strlen(CUSTOS_NOTE_DASH);
        const char *sp =
            (size_t)(e - p) > dl + 1 ? memchr(p + dl + 1, ' ', (size_t)(e - p - dl - 1)) : NULL;
        struct custos_note_sig *s = &cp->sigs[cp->nsigs];
        if (cp->nsigs >= CUSTOS_NOTE_SIGS_MAX || strncmp(p, CUSTOS_NOTE_DASH " ", dl + 1) != 0 ||
            sp == NULL || (size_t)(sp - p - dl - 1) >= sizeof(s->name) || sp == p + dl + 1 ||
            custos__b64_decode(sp + 1, (size_t)(e - sp - 1), s->blob, sizeof(s->blob),
                               &s->blob_len) != 0 ||
            s->blob_len < 5) {
            custos_checkpoint_clear(cp);
            return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "line %d: not a signature line",
                                    line);
        }
        memcpy(s->name, p + dl + 1, (size_t)(sp - p - dl - 1));
        cp->nsigs++;
        p = e + 1;
        line++;
    }
    if (cp->nsigs == 0) {
        custos_checkpoint_clear(cp);
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, NULL, "no signature lines");
    }
    return CUSTOS_OK;
}

int
custos_checkpoint_verify_key(const struct custos_checkpoint *cp, const struct custos_key *key,
                             int *found, uint64_t *cosig_time, struct custos_error *err)
{
    char name[64];
    uint8_t id1[4], id4[4];
    custos_note_key_name(key, name);
    key_id(name, CUSTOS_NOTE_TYPE_ED25519, key, id1);
    key_id(name, CUSTOS_NOTE_TYPE_COSIG, key, id4);
    *found = 0;
    *cosig_time = 0;
    for (size_t i = 0; i < cp->nsigs; i++) {
        const struct custos_note_sig *s = &cp->sigs[i];
        if (strcmp(s->name, name) != 0)
            continue;
        int rc;
        if (memcmp(s->blob, id1, 4) == 0 && s->blob_len == 4 + CUSTOS_SIG_SIZE) {
            rc = custos_sign_verify_raw(key, cp->text, cp->text_len, s->blob + 4, err);
        } else if (memcmp(s->blob, id4, 4) == 0 && s->blob_len == 12 + CUSTOS_SIG_SIZE) {
            uint64_t t = 0;
            for (int b = 0; b < 8; b++)
                t = t << 8 | s->blob[4 + b];
            size_t mlen;
            char *msg = cosig_message(cp, t, &mlen);
            if (msg == NULL)
                return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
            rc = custos_sign_verify_raw(key, msg, mlen, s->blob + 12, err);
            free(msg);
            if (rc == CUSTOS_OK)
                *cosig_time = t;
        } else {
            return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                                    "signature line %zu: key ID does not match %s", i + 1, name);
        }
        if (rc != CUSTOS_OK)
            return custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                                    "signature line %zu by %s does not verify", i + 1, name);
        (*found)++;
    }
    return CUSTOS_OK;
}
