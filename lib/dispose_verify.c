/* SPDX-License-Identifier: ISC */
/*
 * dispose_verify.c: verification of a destruction proof bundle against its
 * disposal order (docs/formats/destruction-proof.md, "Verification").
 *
 * Invariants:
 *   1. Verification trusts the keys of the signed order and of the ledger,
 *      never the keys the certificate itself carries (trust_load).
 *   2. An item is OK only when every check on it held; an exception is
 *      never OK, and a bundle-wide signature failure marks every item
 *      (dispose_verify_items.c).
 *   3. certify runs these same checks on its staged bundle before it signs
 *      (custos__dispose_verify_staged), so it cannot sign what verify would
 *      reject.
 *   4. The signatures over manifest.sha256 and its RFC 3161 timestamp are
 *      checked in one function, manifest_sigs_check; what a timestamp is
 *      worth (no TSA CA given: not checked, incomplete) is the rule of
 *      pkgsig.c, the one seal packages follow.
 */
#include "dispose_private.h"

#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "custos/ledger.h"
#include "custos/sign.h"
#include "custos/timestamp.h"

#include "pkgsig_private.h"

static int add_finding(struct custos_dispose_report *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
add_finding(struct custos_dispose_report *r, int status, const char *fmt, ...)
{
    struct custos_dispose_finding *f =
        realloc(r->findings, (r->nfindings + 1) * sizeof(*r->findings));
    if (f == NULL)
        return CUSTOS_E_NOMEM;
    r->findings = f;
    f += r->nfindings++;
    f->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof(f->message), fmt, ap);
    va_end(ap);
    r->status = custos_status_worst(r->status, status);
    return CUSTOS_OK;
}

/* A manifest line's hash for rel, or NULL. */
static const char *
manifest_lookup(const json_t *m, const char *rel)
{
    return json_string_value(json_object_get(m, rel));
}

/* Parses manifest.sha256 into {path: hex}; strict sha256sum text format. */
static int
manifest_parse(const char *text, size_t len, json_t **out, struct custos_error *err)
{
    *out = json_object();
    if (*out == NULL)
        return custos__dispose_nomem(err);
    size_t line = 0;
    const char *p = text, *end = text + len;
    if (len == 0 || text[len - 1] != '\n')
        goto bad;
    while (p < end) {
        line++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)(nl - p);
        if (n < 67 || p[64] != ' ' || p[65] != ' ')
            goto bad;
        char hex[65], rel[PATH_MAX];
        memcpy(hex, p, 64);
        hex[64] = '\0';
        if (!custos__is_hex64(hex) || n - 66 >= sizeof(rel))
            goto bad;
        memcpy(rel, p + 66, n - 66);
        rel[n - 66] = '\0';
        if (strlen(rel) != n - 66 || json_object_get(*out, rel) != NULL)
            goto bad;
        int ok_path = strcmp(rel, CUSTOS_DISPOSE_CERT_FILE) == 0 ||
                      (strncmp(rel, CUSTOS_DISPOSE_ATTACH_DIR "/", 12) == 0 &&
                       strchr(rel + 12, '/') == NULL && rel[12] != '.' && rel[12] != '\0');
        if (!ok_path)
            goto bad;
        json_object_set_new(*out, rel, json_string(hex));
        p = nl + 1;
    }
    if (json_object_get(*out, CUSTOS_DISPOSE_CERT_FILE) == NULL)
        return custos_error_set(err, CUSTOS_E_CORRUPT, 0, CUSTOS_DISPOSE_MANIFEST_FILE,
                                "certificate.json is not listed");
    return CUSTOS_OK;
bad:
    return custos_error_set(err, CUSTOS_E_CORRUPT, 0, CUSTOS_DISPOSE_MANIFEST_FILE,
                            "line %zu: not \"SHA256  certificate.json|attachments/NAME\"", line);
}

/* Trust: fp -> {name, role, pub, revoked}, from the order and the ledger. */
static json_t *
trust_from_order(const struct custos_dispose_order *o)
{
    json_t *t = json_object();
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(o->doc, "signers"), i, s)
    {
        if (custos__is_hex64(custos__jstr(s, "key")))
            json_object_set_new(t, custos__jstr(s, "key"),
                                json_pack("{s:s,s:s,s:s,s:b}", "name", custos__jstr0(s, "name"),
                                          "role", custos__jstr0(s, "role"), "pub",
                                          custos__jstr0(s, "pub"), "revoked", 0));
    }
    return t;
}

static const char *
role_needed(size_t r)
{
    return r == 2 ? CUSTOS_ROLE_WITNESS : CUSTOS_ROLE_VENDOR;
}

/*
 * Checks the three signers of cert against the trusted keys: enrolled, the
 * role each capacity needs, not revoked, the enrolled key; fills the
 * report's signers and returns 1 when all hold. With files, key[r] becomes
 * the enrolled key (a new key, or NULL when there is none) that
 * signatures/ROLE.sig must verify with. A signer whose bit is set in skip
 * is not known yet (certify's early check, without the key's public half).
 */
static int
check_signers(const json_t *cert, const json_t *trust, int files, unsigned skip,
              struct custos_dispose_report *rep, struct custos_key *key[3])
{
    int good = 1;
    json_t *people = json_object_get(cert, "people");
    for (size_t r = 0; r < 3; r++) {
        const char *role = custos__dispose_roles[r];
        key[r] = NULL;
        if (skip & (1u << r))
            continue;
        json_t *p = json_object_get(people, role);
        const char *fp = custos__jstr0(p, "key");
        snprintf(rep->signer_fp[r], sizeof(rep->signer_fp[r]), "%s", fp);
        snprintf(rep->signer_name[r], sizeof(rep->signer_name[r]), "%s", custos__jstr0(p, "name"));
        for (size_t q = 0; q < r; q++)
            if (strcmp(fp, rep->signer_fp[q]) == 0) {
                add_finding(rep, CUSTOS_E_UNTRUSTED, "the %s and the %s are the same key %.16s",
                            custos__dispose_roles[q], role, fp);
                good = 0;
            }
        json_t *k = json_object_get(trust, fp);
        if (k == NULL) {
            add_finding(rep, CUSTOS_E_UNTRUSTED, "%s %s: key %.16s is not enrolled in the case",
                        role, custos__jstr0(p, "name"), fp);
            good = 0;
            continue;
        }
        if (json_is_true(json_object_get(k, "revoked"))) {
            add_finding(rep, CUSTOS_E_UNTRUSTED, "%s %s: key %.16s is revoked in the ledger", role,
                        custos__jstr0(k, "name"), fp);
            good = 0;
        }
        if (strcmp(custos__jstr0(k, "role"), role_needed(r)) != 0) {
            add_finding(rep, CUSTOS_E_UNTRUSTED,
                        "%s %s: key %.16s is enrolled as %s, and a %s must be a %s", role,
                        custos__jstr0(k, "name"), fp, custos__jstr0(k, "role"), role,
                        role_needed(r));
            good = 0;
        }
        if (strcmp(custos__jstr0(k, "pub"), custos__jstr0(p, "pub")) != 0) {
            add_finding(rep, CUSTOS_E_UNTRUSTED,
                        "%s: the certificate's public key differs from the enrolled one", role);
            good = 0;
        }
        struct custos_error e;
        custos_error_clear(&e);
        if (files &&
            custos__dispose_key_from_b64(custos__jstr(k, "pub"), custos__jstr(k, "name"),
                                         custos__jstr(k, "role"), &key[r], &e) != CUSTOS_OK) {
            add_finding(rep, e.status, "%s/%s%s: %s", CUSTOS_DISPOSE_SIG_DIR, role,
                        CUSTOS_DISPOSE_SIG_SUFFIX, e.message);
            good = 0;
        }
    }
    return good;
}

/* What manifest_sigs_check found of the timestamp. */
enum ts_state {
    TS_ABSENT,     /* no timestamp file */
    TS_UNREADABLE, /* it cannot be read: ts_err */
    TS_READ,       /* read: pkgsig.c's timestamp rule gave ts */
};

/*
 * The signed-manifest + RFC 3161 check (see invariant 4): in, the signed
 * bytes, the signature files with the key each must verify with (a NULL key
 * is not checked) and their purpose, the timestamp reply's path (NULL: not
 * checked) and the CA file trusted for it; out, each signature's status and
 * error, and the timestamp's state. It knows nothing of certificates,
 * orders or what a finding means: the callers decide that.
 */
struct manifest_sigs {
    const char *manifest;            /* the signed bytes (manifest.sha256) */
    size_t manifest_len;             /* bytes */
    size_t nsig;                     /* signature files, at most 3 */
    const char *sig_path[3];         /* each signature file */
    const struct custos_key *key[3]; /* the key it must verify with, or NULL */
    const char *purpose;             /* CUSTOS_PURPOSE_* the signatures are made for */
    const char *tsr_path;            /* the RFC 3161 reply over SHA-256(manifest), or NULL */
    const char *tsa_cafile;          /* CA certificates trusted for it, or NULL */
    int ts_required;                 /* --require timestamp */
    int sig_status[3];               /* out: CUSTOS_OK or why signature i fails */
    struct custos_error sig_err[3];  /* out: the failure */
    int ts_state;                    /* out: enum ts_state */
    struct custos_error ts_err;      /* out: with TS_UNREADABLE */
    struct pkgsig_timestamp ts;      /* out: with TS_READ, the outcome (pkgsig_private.h) */
};

static void
manifest_sigs_check(struct manifest_sigs *m)
{
    for (size_t i = 0; i < m->nsig && i < 3; i++) {
        custos_error_clear(&m->sig_err[i]);
        m->sig_status[i] = CUSTOS_OK;
        if (m->key[i] != NULL)
            m->sig_status[i] =
                custos_sign_verify_sigfile(m->sig_path[i], m->key[i], m->purpose, m->manifest,
                                           m->manifest_len, &m->sig_err[i]);
    }
    custos_error_clear(&m->ts_err);
    memset(&m->ts, 0, sizeof(m->ts));
    m->ts_state = TS_ABSENT;
    if (m->tsr_path == NULL || access(m->tsr_path, F_OK) != 0)
        return;
    char *tsr = NULL;
    size_t len = 0;
    if (custos__read_small(m->tsr_path, CUSTOS_TIMESTAMP_REPLY_MAX, &tsr, &len, &m->ts_err) !=
        CUSTOS_OK) {
        m->ts_state = TS_UNREADABLE;
        return;
    }
    /* The rule seal packages follow too: one place says what a token is worth. */
    m->ts_state = TS_READ;
    struct custos_error e;
    custos_error_clear(&e);
    if (custos__pkgsig_timestamp((const uint8_t *)tsr, len, m->manifest, m->manifest_len,
                                 m->tsa_cafile, m->ts_required, &m->ts, &e) != CUSTOS_OK) {
        m->ts.status = e.status;
        snprintf(m->ts.message, sizeof(m->ts.message), "%s", e.message);
    }
    free(tsr);
}

/* The signature files of the bundle in dir, one per signer role, for manifest_sigs_check. */
static void
manifest_sigs_init(struct manifest_sigs *m, const char *dir, const char *manifest, size_t len,
                   char paths[3][PATH_MAX * 2], char *tsr_path, size_t tsr_len)
{
    memset(m, 0, sizeof(*m));
    m->manifest = manifest;
    m->manifest_len = len;
    m->nsig = 3;
    m->purpose = CUSTOS_PURPOSE_DESTRUCTION_PROOF;
    for (size_t r = 0; r < 3; r++) {
        snprintf(paths[r], PATH_MAX * 2, "%s/%s/%s%s", dir, CUSTOS_DISPOSE_SIG_DIR,
                 custos__dispose_roles[r], CUSTOS_DISPOSE_SIG_SUFFIX);
        m->sig_path[r] = paths[r];
    }
    if (tsr_path != NULL)
        snprintf(tsr_path, tsr_len, "%s/%s", dir, CUSTOS_DISPOSE_TIMESTAMP_FILE);
    m->tsr_path = tsr_path;
}

/* Reports the signature failures manifest_sigs_check found; returns 1 when none. */
static int
sig_findings(const struct manifest_sigs *m, struct custos_dispose_report *rep)
{
    int good = 1;
    for (size_t r = 0; r < 3; r++) {
        if (m->sig_status[r] == CUSTOS_OK)
            continue;
        const struct custos_error *e = &m->sig_err[r];
        const char *msg = strstr(e->message, ": ") != NULL && e->path[0] != '\0'
                              ? strstr(e->message, ": ") + 2
                              : e->message;
        int rc = m->sig_status[r];
        add_finding(rep, rc == CUSTOS_E_IO ? CUSTOS_E_UNTRUSTED : rc, "%s/%s%s: %s",
                    CUSTOS_DISPOSE_SIG_DIR, custos__dispose_roles[r], CUSTOS_DISPOSE_SIG_SUFFIX,
                    msg);
        good = 0;
    }
    return good;
}

/*
 * What the RFC 3161 timestamp over manifest.sha256 (as manifest_sigs_check
 * found it) means for dispose: absent is a finding only under --require
 * timestamp; present, pkgsig.c's rule applies (a token over another
 * imprint is untrusted even without a TSA CA; one not checked for want of
 * a CA is incomplete, or untrusted when required), and a verified token's
 * genTime must be no earlier than any handover or certified time (a proof
 * cannot predate what it proves).
 */
static void
timestamp_findings(const struct manifest_sigs *m, const json_t *cert,
                   const struct custos_dispose_order *o, const struct custos_dispose_policy *policy,
                   struct custos_dispose_report *rep)
{
    const char *f = CUSTOS_DISPOSE_TIMESTAMP_FILE;
    int want = policy != NULL && (policy->require & CUSTOS_DISPOSE_REQ_TIMESTAMP);
    switch (m->ts_state) {
    case TS_ABSENT:
        if (want)
            add_finding(rep, CUSTOS_E_UNTRUSTED, "%s: none, and --require timestamp", f);
        return;
    case TS_UNREADABLE:
        add_finding(rep, CUSTOS_E_CORRUPT, "%s: %s", f, m->ts_err.message);
        return;
    default:
        break;
    }
    /* Not granted, another imprint, not verified, or not checked (no TSA CA). */
    if (m->ts.status != CUSTOS_OK) {
        add_finding(rep, m->ts.status, "%s: %s", f, m->ts.message);
        return;
    }
    snprintf(rep->timestamp, sizeof(rep->timestamp), "%s", m->ts.info.gen_time);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(o->doc, "items"), i, it)
    {
        time_t h;
        json_t *ho = json_object_get(it, "handover");
        if (custos__dispose_time(custos__jstr(ho, "time"), &h) == 0 &&
            (int64_t)h > m->ts.info.gen_time_unix)
            add_finding(rep, CUSTOS_E_UNTRUSTED,
                        "%s: the TSA's time %s is before the handover of %s at %s", f,
                        m->ts.info.gen_time, custos__jstr0(it, "id"), custos__jstr0(ho, "time"));
    }
    json_array_foreach(json_object_get(cert, "items"), i, it)
    {
        time_t t;
        if (custos__dispose_time(custos__jstr(it, "time"), &t) == 0 &&
            (int64_t)t > m->ts.info.gen_time_unix)
            add_finding(rep, CUSTOS_E_UNTRUSTED,
                        "%s: the TSA's time %s is before item %s's certified time %s", f,
                        m->ts.info.gen_time, custos__jstr0(it, "id"), custos__jstr0(it, "time"));
    }
}

/* Checks the ledger's side of the order: same ledger, transfers to the vendor. */
static void
check_order_ledger(const struct custos_dispose_order *o, const json_t *st,
                   struct custos_dispose_report *rep)
{
    if (strcmp(custos__jstr0(st, "ledger"), custos__jstr0(o->doc, "ledger")) != 0)
        add_finding(rep, CUSTOS_E_UNTRUSTED, "the order is for ledger %s, not this ledger's %s",
                    custos__jstr0(o->doc, "ledger"), custos__jstr0(st, "ledger"));
    const char *vfp = custos__jstr0(json_object_get(o->doc, "vendor"), "key");
    const char *ofp = custos__jstr0(json_object_get(o->doc, "owner"), "key");
    json_t *owner = json_object_get(json_object_get(st, "keys"), ofp);
    if (owner == NULL)
        add_finding(rep, CUSTOS_E_UNTRUSTED, "the order's owner %.16s is not enrolled", ofp);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(o->doc, "items"), i, it)
    {
        json_t *h = json_object_get(it, "handover");
        char seq[32];
        snprintf(seq, sizeof(seq), "%lld",
                 (long long)json_integer_value(json_object_get(h, "seq")));
        json_t *e = json_object_get(json_object_get(st, "entries"), seq);
        if (e == NULL || strcmp(custos__jstr0(e, "action"), CUSTOS_ACTION_TRANSFER) != 0 ||
            strcmp(custos__jstr0(e, "item"), custos__jstr0(it, "id")) != 0 ||
            strcmp(custos__jstr0(e, "receiver"), vfp) != 0 ||
            strcmp(custos__jstr0(e, "time"), custos__jstr0(h, "time")) != 0)
            add_finding(rep, CUSTOS_E_UNTRUSTED,
                        "item %s: ledger entry %s is not its handover to the vendor",
                        custos__jstr0(it, "id"), seq);
    }
}

/* A bundle's parts, as read (verify) or staged (certify). */
struct parts {
    const char *dir;        /* the bundle directory */
    const json_t *cert;     /* certificate.json, parsed */
    const char *cert_bytes; /* and its bytes */
    size_t cert_len;
    const char *manifest; /* manifest.sha256 bytes */
    size_t manifest_len;
    const json_t *man; /* and parsed: {path: hex} */
};

/*
 * What a bundle's contents say, checked against the order and the trusted
 * keys (the one check certify and verify share): the signers and, with ms
 * (verify), their signature files and the timestamp (manifest_sigs_check:
 * the caller reads ms->ts_* after); certificate.json against the manifest,
 * the order referred to, the issue time, every attachment (listed, present,
 * its hash, size and type), nothing unlisted; the bad attachments go into
 * bad_atts. Returns whether the signatures hold.
 */
static int
check_contents(const struct parts *bp, const struct custos_dispose_order *o, const json_t *trust,
               unsigned skip, struct custos__filetype *ft, json_t *bad_atts,
               struct manifest_sigs *ms, struct custos_dispose_report *rep)
{
    const char *dir = bp->dir;
    const json_t *cert = bp->cert, *man = bp->man;
    struct custos_key *key[3];
    int sig_ok = check_signers(cert, trust, ms != NULL, skip, rep, key);
    if (ms != NULL) {
        for (size_t r = 0; r < 3; r++)
            ms->key[r] = key[r];
        manifest_sigs_check(ms);
        for (size_t r = 0; r < 3; r++) {
            ms->key[r] = NULL;
            custos_key_free(key[r]);
        }
        sig_ok &= sig_findings(ms, rep);
    }
    char chex[CUSTOS_KEY_FP_HEX_SIZE];
    custos__dispose_sha256_hex(bp->cert_bytes, bp->cert_len, chex);
    if (strcmp(chex, manifest_lookup(man, CUSTOS_DISPOSE_CERT_FILE)) != 0) {
        add_finding(rep, CUSTOS_E_UNTRUSTED,
                    "%s: its SHA-256 %.16s... is not the signed manifest's %.16s...",
                    CUSTOS_DISPOSE_CERT_FILE, chex, manifest_lookup(man, CUSTOS_DISPOSE_CERT_FILE));
        sig_ok = 0;
    }
    json_t *order_ref = json_object_get(cert, "order");
    if (strcmp(custos__jstr0(order_ref, "id"), custos_dispose_order_id(o)) != 0 ||
        strcmp(custos__jstr0(order_ref, "sha256"), o->sha256) != 0)
        add_finding(rep, CUSTOS_E_MISMATCH, "the certificate answers order %s (%.16s...), not %s",
                    custos__jstr0(order_ref, "id"), custos__jstr0(order_ref, "sha256"),
                    custos_dispose_order_id(o));
    time_t issued = 0, now = time(NULL);
    custos__dispose_time(custos__jstr(cert, "issued"), &issued);
    if (issued > now + CUSTOS_DISPOSE_FUTURE_SLACK)
        add_finding(rep, CUSTOS_E_UNTRUSTED, "the certificate is issued in the future (%s)",
                    custos__jstr0(cert, "issued"));

    /* attachments: listed, present, same hash, a type that suits the kind */
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(cert, "attachments"), i, a)
    {
        rep->attachments++;
        const char *rel = custos__jstr0(a, "path"), *want = custos__jstr0(a, "sha256");
        const char *listed = manifest_lookup(man, rel);
        char full[PATH_MAX * 2], hex[CUSTOS_KEY_FP_HEX_SIZE], why[256] = "";
        snprintf(full, sizeof(full), "%s/%s", dir, rel);
        uint64_t size = 0;
        char *mime = NULL;
        struct custos_error he;
        custos_error_clear(&he);
        if (listed == NULL || strcmp(listed, want) != 0)
            snprintf(why, sizeof(why), "not in the manifest with that hash");
        else if (custos__dispose_hash_file(ft, full, hex, &size, &mime, &he) != CUSTOS_OK)
            snprintf(why, sizeof(why), "missing or unreadable (%s)",
                     he.sys_errno ? strerror(he.sys_errno) : "bad file");
        else if (strcmp(hex, want) != 0)
            snprintf(why, sizeof(why), "SHA-256 %.16s... is not the certified %.16s...", hex, want);
        else if ((json_int_t)size != json_integer_value(json_object_get(a, "size")))
            snprintf(why, sizeof(why), "size differs");
        else if (strcmp(mime, custos__jstr0(a, "mime")) != 0 ||
                 !custos__dispose_kind_accepts(custos__jstr0(a, "kind"), mime))
            snprintf(why, sizeof(why), "type %s is not the certified %s for a %s", mime,
                     custos__jstr0(a, "mime"), custos__jstr0(a, "kind"));
        free(mime);
        if (why[0] != '\0')
            json_object_set_new(bad_atts, rel, json_string(why));
    }
    /* nothing unlisted rides along */
    const char *rel;
    json_t *v;
    json_object_foreach((json_t *)man, rel, v)
    {
        if (strcmp(rel, CUSTOS_DISPOSE_CERT_FILE) == 0)
            continue;
        int found = 0;
        json_array_foreach(json_object_get(cert, "attachments"), i,
                           a) if (strcmp(custos__jstr0(a, "path"), rel) == 0) found = 1;
        if (!found)
            add_finding(rep, CUSTOS_E_MISMATCH, "%s: in the manifest but not in the certificate",
                        rel);
    }
    char adir[PATH_MAX * 2];
    snprintf(adir, sizeof(adir), "%s/%s", dir, CUSTOS_DISPOSE_ATTACH_DIR);
    DIR *d = opendir(adir);
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char r2[PATH_MAX];
        snprintf(r2, sizeof(r2), "%s/%s", CUSTOS_DISPOSE_ATTACH_DIR, de->d_name);
        if (manifest_lookup(man, r2) == NULL)
            add_finding(rep, CUSTOS_E_MISMATCH, "%s: not in the signed manifest", r2);
    }
    if (d != NULL)
        closedir(d);
    return sig_ok;
}

/*
 * The trusted keys: the order's signers and, with ledger_path, the ledger's
 * enrolments and revocations, whose side of the order is checked into rep.
 * *st is the ledger state (NULL without a ledger or when it does not
 * verify, which is a finding).
 */
static int
trust_load(const struct custos_dispose_order *o, const char *ledger_path, json_t **trust,
           json_t **st, struct custos_dispose_report *rep, struct custos_error *err)
{
    *st = NULL;
    *trust = trust_from_order(o);
    if (*trust == NULL)
        return custos__dispose_nomem(err);
    if (ledger_path == NULL)
        return CUSTOS_OK;
    struct custos_error le;
    custos_error_clear(&le);
    int rc = custos__dispose_ledger_state(ledger_path, st, &le);
    if (rc == CUSTOS_E_IO || rc == CUSTOS_E_NOMEM)
        return custos_error_copy(err, &le);
    if (rc != CUSTOS_OK) {
        add_finding(rep, rc, "%s", le.message);
        return CUSTOS_OK;
    }
    const char *fp;
    json_t *k;
    json_object_foreach(json_object_get(*st, "keys"), fp, k) json_object_set(*trust, fp, k);
    check_order_ledger(o, *st, rep);
    return CUSTOS_OK;
}

/* The first problem of a staged bundle's report, for certify (see custos__dispose_verify_staged).
 */
static int
staged_verdict(const struct custos_dispose_report *rep, const char *draft_path,
               struct custos_error *err)
{
    int worst = CUSTOS_OK;
    size_t problems = 0;
    char first[1200] = "";
    for (size_t i = 0; i < rep->nfindings; i++) {
        if (problems++ == 0)
            snprintf(first, sizeof(first), "%s", rep->findings[i].message);
        worst = custos_status_worst(worst, rep->findings[i].status);
    }
    for (size_t i = 0; i < rep->nitems; i++) {
        const struct custos_dispose_item_result *r = &rep->items[i];
        if (r->state == CUSTOS_DISPOSE_OK ||
            (strcmp(r->result, "exception") == 0 && r->state <= CUSTOS_DISPOSE_MISSING_EVIDENCE))
            continue;
        if (problems++ == 0)
            snprintf(first, sizeof(first), "item %s: %s: %s", r->id,
                     custos_dispose_state_name(r->state), r->note);
        worst = custos_status_worst(worst, r->status);
    }
    if (problems == 0)
        return CUSTOS_OK;
    char more[64] = "";
    if (problems > 1)
        snprintf(more, sizeof(more), " (and %zu more)", problems - 1);
    return custos_error_set(err, worst, 0, draft_path, "verify would reject it: %s%s", first, more);
}

int
custos__dispose_verify_staged(const struct custos_dispose_order *o, const char *ledger_path,
                              unsigned require, unsigned skip, const char *dir, const json_t *cert,
                              const char *manifest, size_t mlen, struct custos__filetype *ft,
                              const char *draft_path, struct custos_error *err)
{
    struct custos_dispose_report *rep = calloc(1, sizeof(*rep));
    json_t *trust = NULL, *st = NULL, *man = NULL, *bad_atts = json_object();
    char *cbytes = NULL;
    size_t clen = 0;
    char cpath[PATH_MAX * 2];
    snprintf(cpath, sizeof(cpath), "%s/%s", dir, CUSTOS_DISPOSE_CERT_FILE);
    int rc = rep != NULL && bad_atts != NULL ? CUSTOS_OK : custos__dispose_nomem(err);
    if (rc == CUSTOS_OK)
        rc = trust_load(o, ledger_path, &trust, &st, rep, err);
    if (rc == CUSTOS_OK)
        rc = custos__read_small(cpath, CUSTOS_DISPOSE_JSON_MAX, &cbytes, &clen, err);
    if (rc == CUSTOS_OK)
        rc = manifest_parse(manifest, mlen, &man, err);
    if (rc == CUSTOS_OK) {
        struct parts bp = {dir, cert, cbytes, clen, manifest, mlen, man};
        rep->signatures_ok = check_contents(&bp, o, trust, skip, ft, bad_atts, NULL, rep);
        rc = custos__dispose_fill_items(o, dir, cert, bad_atts, require, rep, err);
    }
    if (rc == CUSTOS_OK)
        rc = staged_verdict(rep, draft_path, err);
    free(cbytes);
    json_decref(man);
    json_decref(bad_atts);
    json_decref(trust);
    json_decref(st);
    custos_dispose_report_free(rep);
    return rc;
}

int
custos_dispose_verify(const char *path, const struct custos_dispose_order *o,
                      const char *ledger_path, const struct custos_dispose_policy *policy,
                      struct custos_dispose_report **out, struct custos_error *err)
{
    *out = NULL;
    struct custos_dispose_report *rep = calloc(1, sizeof(*rep));
    if (rep == NULL)
        return custos__dispose_nomem(err);
    struct custos__bundle *b = NULL;
    json_t *trust = NULL, *st = NULL, *man = NULL, *bad_atts = json_object();
    struct custos__filetype *ft = NULL;
    snprintf(rep->order_id, sizeof(rep->order_id), "%s", custos_dispose_order_id(o));
    int rc = bad_atts != NULL ? trust_load(o, ledger_path, &trust, &st, rep, err)
                              : custos__dispose_nomem(err);
    if (rc != CUSTOS_OK)
        goto fail;
    struct custos_error be;
    custos_error_clear(&be);
    rc = custos__bundle_open(&b, path, &be);
    if (rc == CUSTOS_E_IO || rc == CUSTOS_E_NOMEM) {
        custos_error_copy(err, &be);
        goto fail;
    }
    if (rc != CUSTOS_OK) {
        add_finding(rep, rc, "%s", be.message);
        rc = CUSTOS_OK;
        goto items_only;
    }
    snprintf(rep->bundle_sha256, sizeof(rep->bundle_sha256), "%s", b->sha256);
    snprintf(rep->certificate_id, sizeof(rep->certificate_id), "%s",
             custos__jstr0(b->cert, "certificate_id"));
    struct custos_error ce;
    custos_error_clear(&ce);
    if (custos__cert_check(b->cert, &ce) != CUSTOS_OK) {
        add_finding(rep, CUSTOS_E_CORRUPT, "%s: %s", CUSTOS_DISPOSE_CERT_FILE, ce.message);
        custos__bundle_free(b);
        b = NULL;
        goto items_only;
    }
    if (manifest_parse(b->manifest, b->manifest_len, &man, &ce) != CUSTOS_OK) {
        add_finding(rep, CUSTOS_E_CORRUPT, "%s", ce.message);
        custos__bundle_free(b);
        b = NULL;
        goto items_only;
    }
    rc = custos__filetype_new(&ft, err);
    if (rc != CUSTOS_OK)
        goto fail;
    struct parts bp = {b->dir,          b->cert, b->cert_bytes, b->cert_len, b->manifest,
                       b->manifest_len, man};
    struct manifest_sigs ms;
    char sigs[3][PATH_MAX * 2], tsr[PATH_MAX * 2];
    manifest_sigs_init(&ms, b->dir, b->manifest, b->manifest_len, sigs, tsr, sizeof(tsr));
    ms.tsa_cafile = policy != NULL ? policy->tsa_cafile : NULL;
    ms.ts_required = policy != NULL && (policy->require & CUSTOS_DISPOSE_REQ_TIMESTAMP);
    rep->signatures_ok = check_contents(&bp, o, trust, 0, ft, bad_atts, &ms, rep);
    timestamp_findings(&ms, b->cert, o, policy, rep);

items_only:
    rc = custos__dispose_fill_items(o, b != NULL ? b->dir : NULL, b != NULL ? b->cert : NULL,
                                    bad_atts, policy != NULL ? policy->require : 0, rep, err);
fail:
    custos__filetype_free(ft);
    custos__bundle_free(b);
    json_decref(man);
    json_decref(bad_atts);
    json_decref(trust);
    json_decref(st);
    if (rc != CUSTOS_OK) {
        custos_dispose_report_free(rep);
        return rc;
    }
    *out = rep;
    return rep->status;
}

void
custos_dispose_report_free(struct custos_dispose_report *r)
{
    if (r == NULL)
        return;
    free(r->items);
    free(r->findings);
    free(r);
}

int
custos__bundle_check_self(const struct custos__bundle *b, struct custos_error *err)
{
    json_t *man = NULL;
    int rc = custos__cert_check(b->cert, err);
    if (rc != CUSTOS_OK)
        return rc;
    rc = manifest_parse(b->manifest, b->manifest_len, &man, err);
    if (rc != CUSTOS_OK)
        return rc;
    struct custos__filetype *ft = NULL;
    rc = custos__filetype_new(&ft, err);
    const char *rel;
    json_t *v;
    json_object_foreach(man, rel, v)
    {
        if (rc != CUSTOS_OK)
            break;
        char full[PATH_MAX * 2], hex[CUSTOS_KEY_FP_HEX_SIZE], *mime = NULL;
        uint64_t size = 0;
        snprintf(full, sizeof(full), "%s/%s", b->dir, rel);
        rc = custos__dispose_hash_file(ft, full, hex, &size, &mime, err);
        free(mime);
        if (rc == CUSTOS_OK && strcmp(hex, json_string_value(v)) != 0)
            rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, rel,
                                  "does not match the signed manifest");
    }
    custos__filetype_free(ft);
    json_decref(man);
    /* the keys the certificate itself carries: render proves integrity, not trust */
    struct custos_key *key[3] = {NULL, NULL, NULL};
    json_t *people = json_object_get(b->cert, "people");
    for (size_t r = 0; rc == CUSTOS_OK && r < 3; r++) {
        json_t *p = json_object_get(people, custos__dispose_roles[r]);
        rc = custos__dispose_key_from_b64(custos__jstr(p, "pub"), custos__jstr(p, "name"), NULL,
                                          &key[r], err);
        if (rc == CUSTOS_OK && strcmp(custos_key_fingerprint(key[r]), custos__jstr0(p, "key")) != 0)
            rc = custos_error_set(err, CUSTOS_E_UNTRUSTED, 0, NULL,
                                  "the %s's key does not match its fingerprint",
                                  custos__dispose_roles[r]);
    }
    if (rc == CUSTOS_OK) {
        struct manifest_sigs ms;
        char sigs[3][PATH_MAX * 2];
        manifest_sigs_init(&ms, b->dir, b->manifest, b->manifest_len, sigs, NULL, 0);
        for (size_t r = 0; r < 3; r++)
            ms.key[r] = key[r];
        manifest_sigs_check(&ms);
        for (size_t r = 0; rc == CUSTOS_OK && r < 3; r++)
            if (ms.sig_status[r] != CUSTOS_OK)
                rc = custos_error_copy(err, &ms.sig_err[r]);
    }
    for (size_t r = 0; r < 3; r++)
        custos_key_free(key[r]);
    return rc;
}
