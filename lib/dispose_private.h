/* SPDX-License-Identifier: ISC */
/*
 * dispose_private.h: what the dispose modules share inside libcustos.
 *
 * The modules, each depending only on those above it:
 *   dispose_bundle.c   a bundle's files: reading, hashing, tar in and out
 *   dispose_cert.c     the certificate model, the vendor's draft, party keys
 *   dispose_order.c    the case ledger read into a state, the disposal order
 *   dispose_verify_items.c  the per-item checks of verification
 *   dispose_verify.c   verification of a bundle against its order
 *   dispose_certify.c  building, checking (with verify's checks) and signing
 *   dispose_render.c   printing a certificate (bundle, verify's self-check), with
 *                      dispose_render_html.c and dispose_render_pdf.c
 *                      (dispose_render_private.h; labels from labels.c)
 *   dispose_report.c   the report as JSON, the dispose entry's fields, a wipe's status
 *
 * A bundle given as a tar archive is extracted, with libarchive's secure
 * flags, into a fresh 0700 directory that custos__bundle_free removes; a
 * directory is read in place. Opening reads manifest.sha256 (and computes
 * the bundle digest from its bytes) and parses certificate.json.
 */
#ifndef CUSTOS_DISPOSE_PRIVATE_H
#define CUSTOS_DISPOSE_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "dispose_private.h is internal to libcustos"
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "custos/dispose.h"
#include "custos/timefmt.h"

#include "filetype_private.h"

/* The fingerprint certify's early check writes for a signer whose key it does not have yet. */
#define CUSTOS__DISPOSE_UNKNOWN_KEY                                                                \
    "0000000000000000000000000000000000000000000000000000000000000000"

struct custos_dispose_order {
    json_t *doc;                         /* the order document */
    char sha256[CUSTOS_KEY_FP_HEX_SIZE]; /* of the order file, once written or read */
    char **seals;                        /* per item, joined seal numbers */
};

/* ---- small helpers, shared by every dispose module ---- */

static inline int
custos__dispose_nomem(struct custos_error *err)
{
    return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
}

/* o[k] as a string, or NULL. */
static inline const char *
custos__jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* o[k] as a string, or "". */
static inline const char *
custos__jstr0(const json_t *o, const char *k)
{
    const char *s = custos__jstr(o, k);
    return s != NULL ? s : "";
}

/* Parses RFC 3339 UTC "YYYY-MM-DDTHH:MM:SSZ"; returns 0, or -1 (and *out 0). */
static inline int
custos__dispose_time(const char *s, time_t *out)
{
    int64_t t = 0;
    *out = 0;
    if (custos_time_rfc3339_parse(s, CUSTOS_TIME_CANONICAL, &t, NULL) != CUSTOS_OK)
        return -1;
    *out = (time_t)t;
    return 0;
}

/* 1 when s is 64 lowercase hex digits. */
static inline int
custos__is_hex64(const char *s)
{
    if (s == NULL || strlen(s) != 64)
        return 0;
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* 1 when s is one of the NULL-terminated list. */
static inline int
custos__in_list(const char *s, const char *const *list)
{
    for (size_t i = 0; s != NULL && list[i] != NULL; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

struct custos__bundle {
    char *dir;                           /* the directory read: the bundle itself or tmpdir */
    char *tmpdir;                        /* the extraction directory, removed on free, or NULL */
    char *manifest;                      /* manifest.sha256 bytes, NUL-terminated */
    size_t manifest_len;                 /* bytes */
    char sha256[CUSTOS_KEY_FP_HEX_SIZE]; /* SHA-256 of manifest.sha256, hex */
    char *cert_bytes;                    /* certificate.json bytes, NUL-terminated */
    size_t cert_len;                     /* bytes */
    json_t *cert;                        /* parsed certificate.json */
};

/*
 * Opens the bundle at path. Returns CUSTOS_OK; CUSTOS_E_CORRUPT (no
 * manifest or certificate, not JSON, a hostile or malformed archive);
 * CUSTOS_E_IO; CUSTOS_E_NOMEM.
 */
int custos__bundle_open(struct custos__bundle **out, const char *path, struct custos_error *err);

/* Removes an extraction directory and frees b; NULL allowed. */
void custos__bundle_free(struct custos__bundle *b);

/*
 * Checks the certificate against the model of docs/formats/destruction-proof.md.
 * Returns CUSTOS_OK or CUSTOS_E_CORRUPT naming the field.
 */
int custos__cert_check(const json_t *cert, struct custos_error *err);

/*
 * Checks the bundle on its own terms: every manifest line's file hashes to
 * it, certificate.json is listed, and the three signatures verify with the
 * keys the certificate names. Trust in those keys is not checked here.
 * Returns CUSTOS_OK; CUSTOS_E_UNTRUSTED; CUSTOS_E_CORRUPT; CUSTOS_E_IO;
 * CUSTOS_E_NOMEM.
 */
int custos__bundle_check_self(const struct custos__bundle *b, struct custos_error *err);

/*
 * Writes the bundle directory dir as a pax tar archive at out (a new file,
 * published atomically): manifest.sha256, certificate.json, attachments/,
 * signatures/, each entry dated mtime (RFC 3339).
 */
int custos__bundle_write_tar(const char *dir, const char *mtime, const char *out,
                             struct custos_error *err);

/* Removes the directory tree at path (not following symlinks); a missing path is fine. */
void custos__rm_tree(const char *path);

/*
 * Reads a whole regular file (O_NOFOLLOW) of at most max bytes into a new
 * NUL-terminated buffer; a file that changes size while read is an error.
 */
int custos__read_small(const char *path, size_t max, char **buf, size_t *len,
                       struct custos_error *err);

/* SHA-256 of buf as lowercase hex ("" when the digest cannot be made). */
void custos__dispose_sha256_hex(const void *buf, size_t len, char hex[CUSTOS_KEY_FP_HEX_SIZE]);

/*
 * Reads the open file in (named src) to its end: SHA-256 into hex, size,
 * the MIME type sniffed from the first block (*mime new); with out >= 0
 * (named dst), every byte is also written there.
 */
int custos__dispose_hash_stream(struct custos__filetype *ft, int in, const char *src, int out,
                                const char *dst, char hex[CUSTOS_KEY_FP_HEX_SIZE], uint64_t *size,
                                char **mime, struct custos_error *err);

/* Hashes the file at path (SHA-256, size) and sniffs its MIME type (*mime new). */
int custos__dispose_hash_file(struct custos__filetype *ft, const char *path,
                              char hex[CUSTOS_KEY_FP_HEX_SIZE], uint64_t *size, char **mime,
                              struct custos_error *err);

/* ---- dispose_cert.c: the certificate model ---- */

/* The three signers, in signing order: performer, verifier, witness; NULL-terminated. */
extern const char *const custos__dispose_roles[];

/* The attachment kinds; NULL-terminated. */
extern const char *const custos__dispose_kinds[];

/* Whether a sniffed MIME type suits an attachment kind. */
int custos__dispose_kind_accepts(const char *kind, const char *mime);

/*
 * The rules a vendor's draft and a certificate share: the header fields,
 * parties, custody and every item. Returns CUSTOS_OK or CUSTOS_E_CORRUPT.
 */
int custos__draft_check(const json_t *draft, struct custos_error *err);

/*
 * Finds the first string in v still to be filled in (CUSTOS_DISPOSE_FILL_IN);
 * returns 1 with its path into v in where (start with ""), else 0.
 */
int custos__draft_find_fill_in(const json_t *v, char *where, size_t len);

/* Writes doc as indented JSON and a newline to the new file path. */
int custos__dispose_write_json(const char *path, const json_t *doc, struct custos_error *err);

/* A public key from its base64 SubjectPublicKeyInfo; CUSTOS_E_CORRUPT when malformed. */
int custos__dispose_key_from_b64(const char *b64, const char *name, const char *role,
                                 struct custos_key **out, struct custos_error *err);

/* The base64 SubjectPublicKeyInfo of k, a new string, or NULL when out of memory. */
char *custos__dispose_key_b64(const struct custos_key *k);

/* ---- dispose_order.c ---- */

/*
 * Verifies a ledger and, from the entries as verification replays them
 * (custos_ledger_verify_each), builds
 * {"ledger","case","keys":{fp:{name,role,pub,revoked}},
 *  "items":{id:{description,make,model,serial,size,seals:[],holder,disposed}},
 *  "entries":{seq:{action,item,receiver,time}}}.
 */
int custos__dispose_ledger_state(const char *path, json_t **out, struct custos_error *err);

/* ---- dispose_verify_items.c ---- */

/*
 * Fills rep's table: every ordered item checked against its certified item
 * (bundle directory dir; bad_atts: {path: why} of the attachments that do
 * not check; sig_ok from rep->signatures_ok), then every certified item the
 * order lacks; cert NULL when the bundle could not be read. Sets each
 * item's status and folds it into rep->status.
 */
int custos__dispose_fill_items(const struct custos_dispose_order *o, const char *dir,
                               const json_t *cert, const json_t *bad_atts, unsigned require,
                               struct custos_dispose_report *rep, struct custos_error *err);

/* ---- dispose_verify.c, for certify ---- */

/*
 * Runs verify's checks on a staged, not yet signed bundle in dir: the
 * signers (those whose bit is set in skip are not known yet), the contents
 * and every item. An item may be an exception (without the evidence an
 * achieved result needs); anything else verify would flag refuses, naming
 * draft_path, with verify's status and the first reason.
 */
int custos__dispose_verify_staged(const struct custos_dispose_order *o, const char *ledger_path,
                                  unsigned require, unsigned skip, const char *dir,
                                  const json_t *cert, const char *manifest, size_t mlen,
                                  struct custos__filetype *ft, const char *draft_path,
                                  struct custos_error *err);

#endif
