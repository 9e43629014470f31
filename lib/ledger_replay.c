/* SPDX-License-Identifier: ISC */
/*
 * ledger_replay.c: one line checked against the state built from the lines
 * before it, then applied to it (a file is read line by line through this
 * in ledger_scan.c).
 *
 * replay() runs the checks below in order, each adding findings; a check
 * that leaves nothing for the later ones to look at (a body that is not
 * JSON, an unknown action, ...) stops them. Then, unless the entry is new
 * and has findings (M_COMMIT) or is only a proposal (M_DRY), it is applied:
 * in verify mode even a faulty entry is applied as far as it can be, so that
 * later findings stay meaningful. The chain always advances over the line as
 * stored, whatever was wrong with it.
 *
 *   check_line        bytes: no NUL/CR, JSON, the one compact byte form
 *   check_header      v, seq, prev (the hash link), time, action
 *   check_fields      known to the action, typed, required ones present
 *   check_parties     capacities, enrolment, revocation, roles
 *   check_signatures  tokens by listed parties, in order, and valid
 *   check_action      item custody, and each action's own rules
 *   apply             people, owed signatures, items, the case
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custos/digest.h"
#include "custos/timefmt.h"
#include "base64_private.h"
#include "key_private.h"
#include "ledger_private.h"

/* A finding about the line under replay. */
#define FIND(x, status, ...) custos__ledger_finding((x)->f, (x)->seq, (status), __VA_ARGS__)

enum { GO_ON, STOP };

struct party_view {
    const char *as, *fp, *name, *role, *pub;
    const struct crule *cr;
    int signed_;
};

/* One line under replay, and what the checks learnt about it so far. */
struct line {
    struct state *s;
    const char *text;     /* the line, without LF */
    size_t len, blen;     /* bytes of the line, of its body */
    const char *body_end; /* the TAB after the body, or NULL */
    unsigned mode;
    int pol; /* the status of a policy failure: _REFUSED for a new entry, else _UNTRUSTED */
    uint64_t seq;
    uint8_t lh[32]; /* SHA-256 of the line: the next entry's prev */
    struct finding_list *f;
    json_t *root;
    const struct arule *ar;
    const char *action, *tm;
    const char *recorded, *offset; /* "recorded" and "time_offset", or NULL */
    int late;                      /* the act precedes an act recorded before it */
    json_t *parties;
    struct party_view pv[8];
    size_t np;
};

/* No reals anywhere, and integers within +-2^53 (the shell and JSON tools agree on those). */
static int
plain_json(const json_t *j, int depth)
{
    if (depth > 8)
        return 0;
    switch (json_typeof(j)) {
    case JSON_REAL:
        return 0;
    case JSON_INTEGER: {
        json_int_t v = json_integer_value(j);
        return v <= ((json_int_t)1 << 53) && v >= -((json_int_t)1 << 53);
    }
    case JSON_OBJECT: {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)j, k, v) if (!plain_json(v, depth + 1)) return 0;
        return 1;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) if (!plain_json(v, depth + 1)) return 0;
        return 1;
    }
    default:
        return 1;
    }
}

/* Bytes: no NUL or CR, a JSON object, in the one compact form custos writes, no reals. */
static int
check_line(struct line *x)
{
    if (memchr(x->text, '\0', x->len) != NULL || memchr(x->text, '\r', x->len) != NULL) {
        FIND(x, CUSTOS_E_CORRUPT, "NUL or CR byte in the line");
        return STOP;
    }
    json_error_t je;
    x->root = json_loadb(x->text, x->blen, JSON_REJECT_DUPLICATES, &je);
    if (x->root == NULL || !json_is_object(x->root)) {
        FIND(x, CUSTOS_E_CORRUPT, "body is not a JSON object (%s)",
             x->root == NULL ? je.text : "not an object");
        return STOP;
    }
    char *canon = custos__ledger_dump(x->root);
    int same = canon != NULL && strlen(canon) == x->blen && memcmp(canon, x->text, x->blen) == 0;
    free(canon);
    if (!same) {
        FIND(x, CUSTOS_E_CORRUPT,
             "body is not in the compact form custos writes (spacing, escaping or number form "
             "differs)");
        return STOP;
    }
    if (!plain_json(x->root, 0)) {
        FIND(x, CUSTOS_E_CORRUPT, "body holds a fraction or an integer beyond 2^53");
        return STOP;
    }
    return GO_ON;
}

/*
 * The act time ("time") and, when the act was recorded later, the recording
 * time ("recorded"); "time_offset" is only how the act time was typed. The
 * recording times never go backwards; an act time may, and then the entry
 * is recorded late: accepted, flagged, never moved.
 */
static void
check_times(struct line *x)
{
    json_t *jr = json_object_get(x->root, "recorded"),
           *jo = json_object_get(x->root, "time_offset");
    x->recorded = json_string_value(jr);
    x->offset = json_string_value(jo);
    int off = 0;
    if (jo != NULL &&
        (x->offset == NULL || custos_time_offset_parse(x->offset, &off) != CUSTOS_OK || off == 0)) {
        FIND(x, CUSTOS_E_CORRUPT, "time_offset must be +HH:MM or -HH:MM, not 00:00");
        x->offset = NULL;
    }
    if (custos__ledger_parse_time(x->tm, NULL) != 0) {
        FIND(x, CUSTOS_E_CORRUPT, "time \"%s\" is not RFC 3339 UTC (YYYY-MM-DDTHH:MM:SSZ)", x->tm);
        return;
    }
    if (jr != NULL && (x->recorded == NULL || custos__ledger_parse_time(x->recorded, NULL) != 0)) {
        FIND(x, CUSTOS_E_CORRUPT, "recorded is not RFC 3339 UTC (YYYY-MM-DDTHH:MM:SSZ)");
        x->recorded = NULL;
    } else if (x->recorded != NULL && strcmp(x->recorded, x->tm) <= 0) {
        FIND(x, x->pol, "recorded %s is not after the act time %s", x->recorded, x->tm);
    }
    const char *last = x->s->last_time;
    if (last[0] != '\0' && x->recorded == NULL && strcmp(x->tm, last) < 0)
        FIND(x, x->pol, "time %s is before the previous entry's %s: the clock went backwards",
             x->tm, last);
    else if (last[0] != '\0' && x->recorded != NULL && strcmp(x->recorded, last) < 0)
        FIND(x, x->pol, "recorded %s is before the previous entry's %s: the clock went backwards",
             x->recorded, last);
    x->late = x->recorded != NULL && strcmp(x->tm, x->s->last_act) < 0;
}

/* v, seq, prev, time, action, parties: in this order, typed, and linked to the state. */
static int
check_header(struct line *x)
{
    static const char *const head[] = {"v", "seq", "prev", "time", "action", "parties"};
    void *it = json_object_iter(x->root);
    for (size_t i = 0; i < 6; i++, it = json_object_iter_next(x->root, it))
        if (it == NULL || strcmp(json_object_iter_key(it), head[i]) != 0) {
            FIND(x, CUSTOS_E_CORRUPT, "body must begin with v, seq, prev, time, action, parties");
            return STOP;
        }
    json_t *jv = json_object_get(x->root, "v"), *jseq = json_object_get(x->root, "seq");
    const char *prev = sget(x->root, "prev");
    x->action = sget(x->root, "action");
    x->tm = sget(x->root, "time");
    x->parties = json_object_get(x->root, "parties");
    if (!json_is_integer(jv) || json_integer_value(jv) != CUSTOS_LEDGER_VERSION) {
        FIND(x, CUSTOS_E_CORRUPT, "unsupported version (v must be 1)");
        return STOP;
    }
    if (!json_is_integer(jseq) || !custos__ledger_is_hex64(prev) || x->tm == NULL ||
        x->action == NULL || !json_is_array(x->parties)) {
        FIND(x, CUSTOS_E_CORRUPT, "seq, prev, time, action or parties malformed");
        return STOP;
    }
    if ((uint64_t)json_integer_value(jseq) != x->seq)
        FIND(x, CUSTOS_E_UNTRUSTED,
             "seq is %" JSON_INTEGER_FORMAT ", expected %" PRIu64
             " (entries deleted, inserted or swapped)",
             json_integer_value(jseq), x->seq);
    char want[65];
    custos__ledger_head_hex(x->s, want);
    if (strcmp(prev, want) != 0)
        FIND(x, CUSTOS_E_UNTRUSTED,
             "hash link broken: prev %.16s... is not the hash %.16s... of entry %" PRIu64, prev,
             want, x->seq == 0 ? 0 : x->seq - 1);
    check_times(x);
    x->ar = custos__ledger_rule(x->action);
    if (x->ar == NULL) {
        FIND(x, CUSTOS_E_CORRUPT, "unknown action \"%s\"", x->action);
        return STOP;
    }
    if ((x->seq == 0) != (strcmp(x->action, CUSTOS_ACTION_OPEN) == 0))
        FIND(x, x->pol, x->seq == 0 ? "the first entry must be open" : "a second open entry");
    /* A closed case still takes owed signatures and notes (a correction, a
     * later finding); no act on evidence. */
    if (x->s->closed && strcmp(x->action, CUSTOS_ACTION_ATTEST) != 0 &&
        strcmp(x->action, CUSTOS_ACTION_NOTE) != 0)
        FIND(x, x->pol, "%s after the case was closed (only note and attest are allowed)",
             x->action);
    return GO_ON;
}

/* Whether v has the form the field rule asks for. */
static int
field_good(const struct frule *fr, const json_t *v)
{
    const char *sv = json_string_value(v);
    switch (fr->type) {
    case F_STR:
        return sv != NULL && sv[0] != '\0' && strlen(sv) <= CUSTOS_LEDGER_FIELD_MAX;
    case F_INT:
        return json_is_integer(v) && json_integer_value(v) >= 0;
    case F_HEX:
        return custos__ledger_is_hex64(sv);
    case F_TIME:
        return custos__ledger_parse_time(sv, NULL) == 0;
    }
    return 0;
}

/* Fields: known to the action, typed, and the required ones present. */
static void
check_fields(struct line *x)
{
    const struct arule *ar = x->ar;
    void *it = json_object_iter(x->root);
    for (int i = 0; i < 6; i++)
        it = json_object_iter_next(x->root, it);
    for (; it != NULL; it = json_object_iter_next(x->root, it)) {
        const char *k = json_object_iter_key(it);
        if (strcmp(k, "recorded") == 0 || strcmp(k, "time_offset") == 0)
            continue; /* times, checked by check_times */
        const struct frule *fr = NULL;
        for (size_t i = 0; i < 12 && ar->fields[i].name != NULL; i++)
            if (strcmp(ar->fields[i].name, k) == 0)
                fr = &ar->fields[i];
        if (fr == NULL)
            FIND(x, CUSTOS_E_CORRUPT, "field \"%s\" is not defined for %s", k, x->action);
        else if (!field_good(fr, json_object_iter_value(it)))
            FIND(x, CUSTOS_E_CORRUPT, "field \"%s\" has the wrong type or form", k);
    }
    for (size_t i = 0; i < 12 && ar->fields[i].name != NULL; i++)
        if (ar->fields[i].required && json_object_get(x->root, ar->fields[i].name) == NULL)
            FIND(x, CUSTOS_E_CORRUPT, "%s needs the field \"%s\"", x->action, ar->fields[i].name);
}

/*
 * A party this entry enrols: its key matches its fingerprint, its role fits,
 * it is new. Returns STOP when role or key are malformed (nothing more to check).
 */
static int
check_enrolment(struct line *x, const struct party_view *v)
{
    uint8_t der[64];
    size_t dl = 0;
    struct custos_key *k = NULL;
    struct custos_error e2;
    if (v->role == NULL || v->pub == NULL ||
        custos__b64_decode(v->pub, strlen(v->pub), der, sizeof(der), &dl) != 0 ||
        custos_key_from_spki(&k, der, dl, v->name, v->role, &e2) != CUSTOS_OK) {
        FIND(x, CUSTOS_E_CORRUPT, "%s: role or public key malformed", v->as);
        return STOP;
    }
    if (strcmp(custos_key_fingerprint(k), v->fp) != 0)
        FIND(x, CUSTOS_E_UNTRUSTED, "%s: enrolled public key does not match its fingerprint %.16s",
             v->as, v->fp);
    custos_key_free(k);
    if (!(custos__ledger_role_bit(v->role) & v->cr->roles))
        FIND(x, x->pol, "%s (%s) may not be enrolled as %s by %s", v->name, v->role, v->as,
             x->action);
    struct person *old = custos__ledger_person(x->s, v->fp);
    if (old != NULL)
        FIND(x, x->pol, "key %.16s is already enrolled (entry %" PRIu64 ")", v->fp, old->enrolled);
    return GO_ON;
}

/* Any other party: enrolled, not revoked, in a role that may act so, under its enrolled name. */
static void
check_enrolled(struct line *x, const struct party_view *v)
{
    struct person *per = custos__ledger_person(x->s, v->fp);
    if (per == NULL) {
        FIND(x, x->pol, "%s %s (key %.16s) is not enrolled", v->as, v->name, v->fp);
        return;
    }
    if (per->revoked < x->seq)
        FIND(x, x->pol, "key %.16s of %s was revoked at entry %" PRIu64, v->fp, per->name,
             per->revoked);
    if (!(custos__ledger_role_bit(per->role) & v->cr->roles))
        FIND(x, x->pol, "%s is enrolled as %s, which may not act as %s in %s", per->name, per->role,
             v->as, x->action);
    if (strcmp(per->name, v->name) != 0)
        FIND(x, x->pol, "party name \"%s\" differs from the enrolled \"%s\"", v->name, per->name);
}

/* Party i of the entry into x->pv[x->np] (unless malformed or in no capacity of the action). */
static void
check_party(struct line *x, size_t i)
{
    json_t *p = json_array_get(x->parties, i);
    struct party_view *v = &x->pv[x->np];
    memset(v, 0, sizeof(*v));
    v->as = sget(p, "as");
    v->fp = sget(p, "key");
    v->name = sget(p, "name");
    v->role = sget(p, "role");
    v->pub = sget(p, "pub");
    if (!json_is_object(p) || v->as == NULL || !custos__ledger_is_hex64(v->fp) || v->name == NULL) {
        FIND(x, CUSTOS_E_CORRUPT, "party %zu is malformed", i + 1);
        return;
    }
    for (size_t c = 0; c < 5 && x->ar->caps[c].as != NULL; c++)
        if (strcmp(x->ar->caps[c].as, v->as) == 0)
            v->cr = &x->ar->caps[c];
    if (v->cr == NULL) {
        FIND(x, x->pol, "%s has no capacity \"%s\"", x->action, v->as);
        return;
    }
    for (size_t j = 0; j < x->np; j++) {
        if (strcmp(x->pv[j].as, v->as) == 0)
            FIND(x, x->pol, "capacity %s named twice", v->as);
        if (strcmp(x->pv[j].fp, v->fp) == 0)
            FIND(x, x->pol, "%s acts in two capacities (%s and %s)", v->name, x->pv[j].as, v->as);
    }
    x->np++;
    if (v->cr->enrols && check_enrolment(x, v) == STOP)
        return; /* a malformed key says it all: members are not counted then */
    if (!v->cr->enrols)
        check_enrolled(x, v);
    if (json_object_size(p) != (v->cr->enrols ? 5u : 3u))
        FIND(x, CUSTOS_E_CORRUPT, "party %zu has unexpected members", i + 1);
}

/* Parties: 1 to 8, each in a capacity of the action, and every required capacity named. */
static int
check_parties(struct line *x)
{
    if (json_array_size(x->parties) == 0 || json_array_size(x->parties) > 8) {
        FIND(x, CUSTOS_E_CORRUPT, "an entry names 1 to 8 parties");
        return STOP;
    }
    for (size_t i = 0; i < json_array_size(x->parties); i++)
        check_party(x, i);
    for (size_t c = 0; c < 5 && x->ar->caps[c].as != NULL; c++) {
        int named = 0;
        for (size_t j = 0; j < x->np; j++)
            named |= x->pv[j].cr == &x->ar->caps[c];
        if (x->ar->caps[c].required && !named)
            FIND(x, x->pol, "%s needs a party acting as %s", x->action, x->ar->caps[c].as);
    }
    return GO_ON;
}

/*
 * The key to check party j's signature with: an enrolling party signs with
 * the key its entry carries (a new key in *owned; without a pub there is
 * nothing to check, already reported), everyone else with the enrolled key
 * the state owns (borrowed). NULL when there is none (already reported).
 */
static const struct custos_key *
signature_key(struct line *x, size_t j, const char *fp, struct custos_key **owned)
{
    const struct party_view *v = &x->pv[j];
    *owned = NULL;
    if (v->cr != NULL && v->cr->enrols) {
        uint8_t der[64];
        size_t dl;
        struct custos_error e2;
        if (v->pub != NULL &&
            custos__b64_decode(v->pub, strlen(v->pub), der, sizeof(der), &dl) == 0 &&
            custos_key_from_spki(owned, der, dl, NULL, NULL, &e2) != CUSTOS_OK)
            *owned = NULL;
        return *owned;
    }
    struct person *per = custos__ledger_person(x->s, fp);
    return per != NULL ? per->pub : NULL;
}

/*
 * One token "FP:SIG" of tl bytes: well formed, by a listed party that has
 * not signed yet, in party order (*last, *first), and valid (with M_SIGS).
 * Returns CUSTOS_OK or CUSTOS_E_NOMEM.
 */
static int
check_token(struct line *x, const char *tok, size_t tl, size_t *last, int *first)
{
    char fp[65];
    uint8_t sig[CUSTOS_SIG_SIZE];
    struct custos_error e2;
    if (tl != 64 + 1 + 88 || tok[64] != ':') {
        FIND(x, CUSTOS_E_CORRUPT, "malformed signature token");
        return CUSTOS_OK;
    }
    memcpy(fp, tok, 64);
    fp[64] = '\0';
    if (!custos__ledger_is_hex64(fp) ||
        custos_sig_from_base64(tok + 65, 88, sig, &e2) != CUSTOS_OK) {
        FIND(x, CUSTOS_E_CORRUPT, "malformed signature token");
        return CUSTOS_OK;
    }
    size_t j;
    for (j = 0; j < x->np; j++)
        if (strcmp(x->pv[j].fp, fp) == 0)
            break;
    if (j == x->np) {
        FIND(x, CUSTOS_E_UNTRUSTED, "signature by key %.16s, which the entry does not list", fp);
        return CUSTOS_OK;
    }
    if (x->pv[j].signed_) {
        FIND(x, CUSTOS_E_CORRUPT, "two signatures by %s", x->pv[j].name);
        return CUSTOS_OK;
    }
    if (!*first && j < *last)
        FIND(x, CUSTOS_E_CORRUPT, "signatures out of party order");
    *first = 0;
    *last = j;
    x->pv[j].signed_ = 1;
    if (!(x->mode & M_SIGS))
        return CUSTOS_OK;
    struct custos_key *owned;
    const struct custos_key *k = signature_key(x, j, fp, &owned);
    if (k == NULL)
        return CUSTOS_OK;
    x->s->signatures++;
    return custos__ledger_check_sig(x->s, x->seq, k, owned, x->text, x->blen, sig, x->pv[j].as,
                                    x->pv[j].name, fp, x->mode, x->f);
}

/* Parties that did not sign: allowed late (attest), except as said here. */
static void
check_unsigned(struct line *x)
{
    /* Late signatures are for some parties, never all: an entry nobody signed is
     * anybody's (issue 19). A proposal (M_DRY) is checked before anyone signs. */
    size_t nsigned = 0;
    for (size_t j = 0; j < x->np; j++)
        nsigned += x->pv[j].signed_ != 0;
    if (nsigned == 0 && x->np > 0 && !(x->mode & M_DRY))
        FIND(x, x->pol, "no party signed this entry");
    for (size_t j = 0; j < x->np; j++) {
        const struct party_view *v = &x->pv[j];
        if (v->signed_ || v->cr == NULL)
            continue;
        if (v->cr->enrols && !(x->mode & M_DRY))
            FIND(x, x->pol, "the enrolled key of %s must sign its own enrolment", v->name);
        else if ((x->mode & M_COMMIT) && !(x->mode & M_LATE))
            FIND(x, CUSTOS_E_REFUSED,
                 "%s %s has not signed (sign the proposal, or commit with --allow-missing and "
                 "attest later)",
                 v->as, v->name);
    }
}

/* Signatures: every token by a listed party, in party order, and valid. */
static int
check_signatures(struct line *x)
{
    const char *end = x->text + x->len;
    size_t last = 0;
    int first = 1;
    for (const char *p = x->body_end; p != NULL && p < end;) {
        const char *tok = p + 1;
        const char *e = memchr(tok, '\t', (size_t)(end - tok));
        size_t tl = e != NULL ? (size_t)(e - tok) : (size_t)(end - tok);
        p = e;
        int rc = check_token(x, tok, tl, &last, &first);
        if (rc != CUSTOS_OK)
            return rc;
    }
    check_unsigned(x);
    return CUSTOS_OK;
}

/* Item custody: collected once, not disposed of, acted on by its holder. */
static void
check_item(struct line *x)
{
    const struct arule *ar = x->ar;
    const char *item_id = sget(x->root, "item");
    struct item *it = item_id != NULL ? custos__ledger_item(x->s, item_id) : NULL;
    const char *holder_fp = NULL;
    for (size_t j = 0; j < x->np; j++)
        if (ar->holder_as != NULL && strcmp(x->pv[j].as, ar->holder_as) == 0)
            holder_fp = x->pv[j].fp;
    if (ar->item == I_NEW && it != NULL) {
        FIND(x, x->pol, "item %s was already collected at entry %" PRIu64, item_id, it->collected);
    } else if (ar->item == I_OPTIONAL && item_id != NULL && it == NULL) {
        FIND(x, x->pol, "item %s was never collected", item_id);
    } else if ((ar->item == I_HOLDER || ar->item == I_TRANSFER || ar->item == I_DISPOSE) &&
               item_id != NULL) {
        if (it == NULL) {
            FIND(x, x->pol, "item %s was never collected", item_id);
        } else if (it->disposed != UINT64_MAX) {
            FIND(x, x->pol, "item %s was disposed of at entry %" PRIu64, item_id, it->disposed);
        } else if (ar->item == I_DISPOSE) {
            int holds = 0;
            for (size_t j = 0; j < x->np; j++)
                holds |= strcmp(x->pv[j].fp, it->holder) == 0;
            if (!holds)
                FIND(x, x->pol, "item %s is held by %s, who is not a party to its disposal",
                     item_id, custos__ledger_who(x->s, it->holder));
        } else if (holder_fp != NULL && strcmp(holder_fp, it->holder) != 0) {
            FIND(x, x->pol, "%s does not hold item %s (%s holds it)",
                 custos__ledger_who(x->s, holder_fp), item_id,
                 custos__ledger_who(x->s, it->holder));
        }
    }
}

/* open: level 1-4, a UUID, and deadlines that follow from the level and the time. */
static void
check_open(struct line *x)
{
    json_int_t lv = json_integer_value(json_object_get(x->root, "level"));
    const char *lid = sget(x->root, "ledger");
    time_t rd, vd, t;
    if (lv < 1 || lv > 4)
        FIND(x, CUSTOS_E_CORRUPT, "incident level must be 1 to 4");
    if (lid == NULL || strlen(lid) != 36 || strspn(lid, "0123456789abcdef-") != 36)
        FIND(x, CUSTOS_E_CORRUPT, "ledger id must be a lowercase UUID");
    if (custos__ledger_parse_time(sget(x->root, "report_due"), &rd) == 0 &&
        custos__ledger_parse_time(sget(x->root, "recovery_due"), &vd) == 0 &&
        custos__ledger_parse_time(x->tm, &t) == 0 &&
        (rd != t + 3600 || vd != t + (lv >= 3 ? 36 : 72) * 3600))
        FIND(x, CUSTOS_E_UNTRUSTED,
             "deadlines do not follow from the level (report 1 h, recovery 36 h for levels 3-4, "
             "72 h for 1-2)");
}

/* revoke: a key enrolled and not yet revoked, and the subject party is that key. */
static void
check_revoke(struct line *x)
{
    const char *k = sget(x->root, "key");
    struct person *per = k != NULL ? custos__ledger_person(x->s, k) : NULL;
    if (k != NULL && per == NULL)
        FIND(x, x->pol, "revoked key %.16s was never enrolled", k);
    else if (per != NULL && per->revoked != UINT64_MAX)
        FIND(x, x->pol, "key %.16s was already revoked at entry %" PRIu64, k, per->revoked);
    for (size_t j = 0; j < x->np; j++)
        if (strcmp(x->pv[j].as, "subject") == 0 && k != NULL && strcmp(x->pv[j].fp, k) != 0)
            FIND(x, x->pol, "the subject party is not the revoked key");
}

/* The line hash of earlier entry tg, or NULL when a flat state does not hold it. */
static const uint8_t *
target_hash(const struct state *s, uint64_t tg)
{
    if (s->whole)
        return s->hashes[tg];
    if (tg + 1 == s->n)
        return s->head;
    for (size_t i = 0; i < s->npend; i++)
        if (s->pend[i].seq == tg)
            return s->pend[i].sha256;
    return NULL;
}

/* attest: an earlier entry, named by its hash too, that owes the attester a signature. */
static void
check_attest(struct line *x)
{
    struct state *s = x->s;
    json_int_t tg = json_integer_value(json_object_get(x->root, "target"));
    const char *th = sget(x->root, "target_sha256");
    if (tg < 0 || (uint64_t)tg >= x->seq) {
        FIND(x, x->pol, "attest target %" JSON_INTEGER_FORMAT " is not an earlier entry", tg);
        return;
    }
    const uint8_t *h = target_hash(s, (uint64_t)tg);
    char hh[65] = "";
    if (h != NULL)
        custos_hex_encode(h, 32, hh);
    int later = h == NULL && custos__ledger_is_hex64(th);
    if (later) {
        /* The finding waits in its place for resolve_attests(); it fails when no room. */
        if (custos__ledger_grow((void **)&s->later, &s->cap_later, s->nlater, sizeof(*s->later)) !=
            0) {
            s->later_lost = 1;
        } else {
            s->later[s->nlater].target = (uint64_t)tg;
            snprintf(s->later[s->nlater++].claimed, 65, "%s", th);
        }
    }
    if (later || th == NULL || h == NULL || strcmp(th, hh) != 0)
        FIND(x, later ? FINDING_LATER : CUSTOS_E_UNTRUSTED,
             "attest target_sha256 is not the hash of entry %" JSON_INTEGER_FORMAT, tg);
    int found = 0;
    for (size_t i = 0; i < x->s->npend; i++)
        found |= x->s->pend[i].seq == (uint64_t)tg && strcmp(x->s->pend[i].fp, x->pv[0].fp) == 0;
    if (!found)
        FIND(x, x->pol, "%s has no missing signature on entry %" JSON_INTEGER_FORMAT, x->pv[0].name,
             tg);
}

/* The rules of the action: item custody, then what is particular to it. */
static void
check_action(struct line *x)
{
    check_item(x);
    const char *a = x->action;
    if (strcmp(a, CUSTOS_ACTION_OPEN) == 0) {
        check_open(x);
    } else if (strcmp(a, CUSTOS_ACTION_REVOKE) == 0) {
        check_revoke(x);
    } else if (strcmp(a, CUSTOS_ACTION_ACCESS) == 0) {
        const char *d = sget(x->root, "direction");
        if (d != NULL && strcmp(d, "out") != 0 && strcmp(d, "in") != 0)
            FIND(x, CUSTOS_E_CORRUPT, "direction must be out or in");
    } else if (strcmp(a, CUSTOS_ACTION_VERIFY) == 0) {
        const char *r = sget(x->root, "result");
        if (r != NULL && strcmp(r, "match") != 0 && strcmp(r, "mismatch") != 0)
            FIND(x, CUSTOS_E_CORRUPT, "result must be match or mismatch");
    } else if (strcmp(a, CUSTOS_ACTION_ATTEST) == 0 && x->np > 0) {
        check_attest(x);
    }
}

/* ---- apply ---- */

/* Enrols the keys the entry carries, counts signatures, records the ones owed. */
static int
apply_people(struct line *x)
{
    struct state *s = x->s;
    for (size_t j = 0; j < x->np; j++) {
        const struct party_view *v = &x->pv[j];
        if (v->cr == NULL || !v->cr->enrols || v->pub == NULL || v->role == NULL ||
            custos__ledger_person(s, v->fp) != NULL)
            continue;
        uint8_t der[64];
        size_t dl;
        struct custos_key *k = NULL;
        struct custos_error e2;
        if (custos__b64_decode(v->pub, strlen(v->pub), der, sizeof(der), &dl) != 0 ||
            custos_key_from_spki(&k, der, dl, v->name, v->role, &e2) != CUSTOS_OK ||
            strcmp(custos_key_fingerprint(k), v->fp) != 0) {
            custos_key_free(k);
            continue;
        }
        if (custos__ledger_grow((void **)&s->people, &s->cap_people, s->npeople,
                                sizeof(*s->people)) != 0) {
            custos_key_free(k);
            return CUSTOS_E_NOMEM;
        }
        struct person *per = &s->people[s->npeople++];
        memset(per, 0, sizeof(*per));
        snprintf(per->fp, sizeof(per->fp), "%s", v->fp);
        snprintf(per->name, sizeof(per->name), "%s", v->name);
        snprintf(per->role, sizeof(per->role), "%s", v->role);
        per->pub = k;
        per->enrolled = x->seq;
        per->revoked = UINT64_MAX;
    }
    for (size_t j = 0; j < x->np; j++) {
        struct person *per = x->pv[j].signed_ ? custos__ledger_person(s, x->pv[j].fp) : NULL;
        if (per != NULL)
            per->nsigs++;
    }
    for (size_t j = 0; j < x->np; j++) {
        if (x->pv[j].signed_ || x->pv[j].cr == NULL || x->pv[j].cr->enrols)
            continue;
        if (custos__ledger_grow((void **)&s->pend, &s->cap_pend, s->npend, sizeof(*s->pend)) != 0)
            return CUSTOS_E_NOMEM;
        struct pending *pd = &s->pend[s->npend++];
        pd->seq = x->seq;
        memcpy(pd->sha256, x->lh, 32);
        snprintf(pd->fp, sizeof(pd->fp), "%s", x->pv[j].fp);
        snprintf(pd->as, sizeof(pd->as), "%s", x->pv[j].as);
    }
    return CUSTOS_OK;
}

/* collect gives the item to the holder capacity, transfer to the receiver; dispose ends it. */
static int
apply_item(struct line *x)
{
    struct state *s = x->s;
    const struct arule *ar = x->ar;
    const char *id = sget(x->root, "item");
    struct item *it = id != NULL ? custos__ledger_item(s, id) : NULL;
    if (ar->item == I_NEW && it == NULL && id != NULL) {
        const char *h = NULL;
        for (size_t j = 0; j < x->np; j++)
            if (strcmp(x->pv[j].as, ar->holder_as) == 0)
                h = x->pv[j].fp;
        if (h == NULL)
            return CUSTOS_OK;
        if (custos__ledger_grow((void **)&s->items, &s->cap_items, s->nitems, sizeof(*s->items)) !=
            0)
            return CUSTOS_E_NOMEM;
        struct item *ni = &s->items[s->nitems];
        if ((ni->id = strdup(id)) == NULL)
            return CUSTOS_E_NOMEM;
        s->nitems++;
        if (custos__ledger_item_index(s) != 0) {
            s->nitems--;
            free(ni->id);
            return CUSTOS_E_NOMEM;
        }
        snprintf(ni->holder, sizeof(ni->holder), "%s", h);
        ni->collected = x->seq;
        ni->disposed = UINT64_MAX;
    } else if (ar->item == I_TRANSFER && it != NULL) {
        for (size_t j = 0; j < x->np; j++)
            if (strcmp(x->pv[j].as, "receiver") == 0)
                snprintf(it->holder, sizeof(it->holder), "%s", x->pv[j].fp);
    } else if (ar->item == I_DISPOSE && it != NULL && it->disposed == UINT64_MAX) {
        it->disposed = x->seq;
    }
    return CUSTOS_OK;
}

/* What open, revoke, attest and close do to the case. */
static void
apply_case(struct line *x)
{
    struct state *s = x->s;
    const char *a = x->ar->action;
    if (strcmp(a, CUSTOS_ACTION_OPEN) == 0 && x->seq == 0) {
        const char *lid = sget(x->root, "ledger"), *cid = sget(x->root, "case");
        const char *rd = sget(x->root, "report_due"), *vd = sget(x->root, "recovery_due");
        snprintf(s->ledger_id, sizeof(s->ledger_id), "%s", lid ? lid : "");
        snprintf(s->case_id, sizeof(s->case_id), "%s", cid ? cid : "");
        s->level = (int)json_integer_value(json_object_get(x->root, "level"));
        snprintf(s->opened, sizeof(s->opened), "%s", x->tm);
        snprintf(s->report_due, sizeof(s->report_due), "%s", rd ? rd : "");
        snprintf(s->recovery_due, sizeof(s->recovery_due), "%s", vd ? vd : "");
    } else if (strcmp(a, CUSTOS_ACTION_REVOKE) == 0) {
        const char *k = sget(x->root, "key");
        struct person *per = k != NULL ? custos__ledger_person(s, k) : NULL;
        if (per != NULL && per->revoked == UINT64_MAX)
            per->revoked = x->seq;
    } else if (strcmp(a, CUSTOS_ACTION_ATTEST) == 0 && x->np > 0) {
        json_int_t tg = json_integer_value(json_object_get(x->root, "target"));
        for (size_t i = 0; i < s->npend; i++)
            if (s->pend[i].seq == (uint64_t)tg && strcmp(s->pend[i].fp, x->pv[0].fp) == 0) {
                s->pend[i] = s->pend[--s->npend];
                break;
            }
    } else if (strcmp(a, CUSTOS_ACTION_CLOSE) == 0) {
        s->closed = 1;
    }
}

/* The chain advances over the line as stored, whatever was wrong with it. */
static int
advance(struct line *x)
{
    struct state *s = x->s;
    const char *rec = x->recorded != NULL ? x->recorded : x->tm;
    if (x->tm != NULL && x->root != NULL && custos__ledger_parse_time(x->tm, NULL) == 0) {
        if (strcmp(rec, s->last_time) > 0)
            snprintf(s->last_time, sizeof(s->last_time), "%s", rec);
        if (strcmp(x->tm, s->last_act) > 0)
            snprintf(s->last_act, sizeof(s->last_act), "%s", x->tm);
    }
    if (x->late) {
        if (custos__ledger_grow((void **)&s->late, &s->cap_late, s->nlate, sizeof(*s->late)) != 0)
            return CUSTOS_E_NOMEM;
        s->late[s->nlate++] = x->seq;
    }
    if (s->whole) {
        if (custos__ledger_grow((void **)&s->hashes, (size_t *)&s->cap_hashes, s->n, 32) != 0 ||
            custos_merkle_append_leaf(s->tree, x->text, x->len) != CUSTOS_OK)
            return CUSTOS_E_NOMEM;
        memcpy(s->hashes[s->n], x->lh, 32);
    } else {
        uint8_t leaf[32];
        custos_merkle_leaf_hash(x->text, x->len, leaf);
        custos__merkle_compact_append(&s->range, leaf);
    }
    memcpy(s->head, x->lh, 32);
    s->n++;
    if (!s->whole)
        custos__ledger_want_roots(s);
    return CUSTOS_OK;
}

/* Shows the entry, applied, to the state's reader (verification's caller). */
static int
show_entry(struct line *x)
{
    struct custos_ledger_entry_party pp[8];
    struct custos_ledger_entry_field fv[32];
    char num[32][24];
    struct custos_ledger_entry e;
    memset(&e, 0, sizeof(e));
    for (size_t j = 0; j < x->np; j++) {
        const struct party_view *v = &x->pv[j];
        int enrols = v->cr != NULL && v->cr->enrols;
        pp[j] = (struct custos_ledger_entry_party){
            v->as, v->fp, v->name, enrols ? v->role : NULL, enrols ? v->pub : NULL, v->signed_};
    }
    void *it = json_object_iter(x->root);
    for (int i = 0; i < 6; i++)
        it = json_object_iter_next(x->root, it);
    for (; it != NULL && e.nfields < 32; it = json_object_iter_next(x->root, it)) {
        json_t *v = json_object_iter_value(it);
        const char *sv = json_string_value(v);
        const char *k = json_object_iter_key(it);
        if (strcmp(k, "recorded") == 0 || strcmp(k, "time_offset") == 0)
            continue; /* in e.recorded and e.time_offset */
        if (json_is_integer(v)) {
            snprintf(num[e.nfields], sizeof(num[0]), "%" JSON_INTEGER_FORMAT,
                     json_integer_value(v));
            sv = num[e.nfields];
        }
        if (sv != NULL)
            fv[e.nfields++] = (struct custos_ledger_entry_field){json_object_iter_key(it), sv};
    }
    e.seq = x->seq;
    e.line = x->text;
    e.len = x->len;
    custos_hex_encode(x->s->head, 32, e.sha256); /* advance() made this line the head */
    e.time = x->tm;
    e.recorded = x->recorded;
    e.time_offset = x->offset;
    e.late = x->late;
    e.action = x->action;
    e.item = sget(x->root, "item");
    e.parties = pp;
    e.nparties = x->np;
    e.fields = fv;
    int rc = x->s->each(x->s->each_ctx, &e, x->s->each_err);
    if (rc != CUSTOS_OK)
        x->s->each_stopped = rc;
    return rc;
}

int
custos__ledger_replay(struct state *s, const char *text, size_t len, unsigned mode,
                      struct finding_list *f)
{
    struct line x;
    memset(&x, 0, sizeof(x));
    x.s = s;
    x.text = text;
    x.len = len;
    x.body_end = memchr(text, '\t', len);
    x.blen = x.body_end != NULL ? (size_t)(x.body_end - text) : len;
    x.mode = mode;
    x.pol = (mode & M_COMMIT) ? CUSTOS_E_REFUSED : CUSTOS_E_UNTRUSTED;
    x.seq = s->n;
    sha256(text, len, x.lh);
    x.f = f;
    size_t nf0 = f->n;
    int rc = CUSTOS_OK;
    if (check_line(&x) == GO_ON && check_header(&x) == GO_ON) {
        check_fields(&x);
        if (check_parties(&x) == GO_ON && (rc = check_signatures(&x)) == CUSTOS_OK)
            check_action(&x);
    }
    if (rc != CUSTOS_OK || ((mode & M_COMMIT) && f->n > nf0) || (mode & M_DRY))
        goto out;
    if (x.root != NULL && x.ar != NULL) {
        if ((rc = apply_people(&x)) != CUSTOS_OK || (rc = apply_item(&x)) != CUSTOS_OK)
            goto out;
        apply_case(&x);
    }
    rc = advance(&x);
    if (rc == CUSTOS_OK && x.root != NULL && x.ar != NULL && s->each != NULL)
        rc = show_entry(&x);
out:
    json_decref(x.root);
    return rc;
}
