/* SPDX-License-Identifier: ISC */
/*
 * dispose_private.h: the proof bundle as read by verify and render.
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

#include <jansson.h>

#include "custos/dispose.h"

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

/* Reads a whole file of at most max bytes into a new NUL-terminated buffer. */
int custos__read_small(const char *path, size_t max, char **buf, size_t *len,
                       struct custos_error *err);

#endif
