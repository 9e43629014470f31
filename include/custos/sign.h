/* SPDX-License-Identifier: ISC */
/*
 * sign.h: detached Ed25519 signatures over exact bytes, bound to a purpose.
 *
 * A signature never covers the bare message. It covers the DSSE v1
 * pre-authentication encoding
 *
 *   PAE(purpose, msg) = "DSSEv1" SP LEN(purpose) SP purpose SP LEN(msg) SP msg
 *
 * (LEN is the byte count in ASCII decimal), so a signature made for one
 * purpose (a ledger entry) never verifies for another (a seal, a manifest).
 * Each artifact type has its own purpose string, defined below; a new tool
 * adds its own here. Ed25519 is PureEdDSA: the message is read whole into
 * memory, so sign manifests and records, never images.
 *
 * A detached signature file (docs/formats/key.md) is four text lines:
 *   custos-signature-v1
 *   purpose: PURPOSE
 *   key: FINGERPRINT (64 lowercase hex)
 *   signature: BASE64 (64 bytes)
 * It can be checked with printf, base64 and `openssl pkeyutl -verify -rawin`.
 *
 * Outline:
 *   1. custos_sign(key, CUSTOS_PURPOSE_SEAL, bytes, len, sig, &err)
 *   2. custos_sigfile_write("tagmanifest.sig", key, CUSTOS_PURPOSE_SEAL, sig, &err)
 *   later:
 *   3. custos_sign_verify_sigfile("tagmanifest.sig", pubkey, CUSTOS_PURPOSE_SEAL, bytes, len, &err)
 */
#ifndef CUSTOS_SIGN_H
#define CUSTOS_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"
#include "key.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CUSTOS_SIG_SIZE     64  /* bytes of an Ed25519 signature */
#define CUSTOS_SIG_B64_SIZE 89  /* base64 characters of a signature, plus NUL */
#define CUSTOS_PURPOSE_MAX  128 /* bytes of a purpose string */

/* Purpose strings: one per kind of signed artifact. */
#define CUSTOS_PURPOSE_LEDGER_ENTRY "application/vnd.custos.ledger-entry.v1+json"
#define CUSTOS_PURPOSE_KEY_BINDING  "application/vnd.custos.key-binding.v1"
#define CUSTOS_PURPOSE_SEAL         "application/vnd.custos.seal.v1"
#define CUSTOS_PURPOSE_MANIFEST     "application/vnd.custos.manifest.v1"
#define CUSTOS_PURPOSE_RECORD       "application/vnd.custos.record.v1"
#define CUSTOS_PURPOSE_CERTIFICATE  "application/vnd.custos.certificate.v1"

/* The detached signature file's first line and field prefixes. */
#define CUSTOS_SIGFILE_MAGIC           "custos-signature-v1"
#define CUSTOS_SIGFILE_FIELD_PURPOSE   "purpose: "
#define CUSTOS_SIGFILE_FIELD_KEY       "key: "
#define CUSTOS_SIGFILE_FIELD_SIGNATURE "signature: "

/*
 * Signs PAE(purpose, msg) with key. purpose: printable ASCII without
 * spaces, at most CUSTOS_PURPOSE_MAX bytes. msg may be NULL when len is 0.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE for a public-only key or a bad
 * purpose; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_sign(const struct custos_key *key, const char *purpose, const void *msg,
                           size_t len, uint8_t sig[CUSTOS_SIG_SIZE], struct custos_error *err);

/*
 * Checks that sig is key's signature of PAE(purpose, msg).
 * Returns: CUSTOS_OK; CUSTOS_E_UNTRUSTED when it does not verify (err says
 * "signature by FP16 does not verify"); CUSTOS_E_USAGE for a bad purpose;
 * CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_sign_verify(const struct custos_key *key, const char *purpose,
                                  const void *msg, size_t len, const uint8_t sig[CUSTOS_SIG_SIZE],
                                  struct custos_error *err);

/*
 * Signs msg itself, with no purpose encoding. Only for formats that define
 * their own domain separation (C2SP signed notes); everything else uses
 * custos_sign.
 * Returns: as custos_sign.
 */
CUSTOS_API int custos_sign_raw(const struct custos_key *key, const void *msg, size_t len,
                               uint8_t sig[CUSTOS_SIG_SIZE], struct custos_error *err);

/* Checks a custos_sign_raw signature. Returns: as custos_verify. */
CUSTOS_API int custos_sign_verify_raw(const struct custos_key *key, const void *msg, size_t len,
                                      const uint8_t sig[CUSTOS_SIG_SIZE], struct custos_error *err);

/*
 * Builds PAE(purpose, msg) in a new buffer (*out, *outlen; free() it), for
 * callers that want the exact signed bytes.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_sign_pae(const char *purpose, const void *msg, size_t len, uint8_t **out,
                               size_t *outlen, struct custos_error *err);

/* Encodes a signature as base64 (RFC 4648, padded) into b64 (CUSTOS_SIG_B64_SIZE bytes). */
CUSTOS_API void custos_sig_to_base64(const uint8_t sig[CUSTOS_SIG_SIZE],
                                     char b64[CUSTOS_SIG_B64_SIZE]);

/*
 * Decodes exactly one base64 signature (88 characters) into sig.
 * Returns: CUSTOS_OK, or CUSTOS_E_CORRUPT (err has no path: the caller adds it).
 */
CUSTOS_API int custos_sig_from_base64(const char *b64, size_t len, uint8_t sig[CUSTOS_SIG_SIZE],
                                      struct custos_error *err);

/*
 * Writes a detached signature file at path (a new file, published
 * atomically, mode 0644) naming purpose and key's fingerprint.
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED when path exists; CUSTOS_E_USAGE for
 * a bad purpose; CUSTOS_E_IO; CUSTOS_E_NOMEM. Nothing is left on failure.
 */
CUSTOS_API int custos_sigfile_write(const char *path, const struct custos_key *key,
                                    const char *purpose, const uint8_t sig[CUSTOS_SIG_SIZE],
                                    struct custos_error *err);

/* A parsed detached signature file. */
struct custos_sigfile {
    char purpose[CUSTOS_PURPOSE_MAX + 1]; /* NUL-terminated */
    char key[CUSTOS_KEY_FP_HEX_SIZE];     /* the signer's fingerprint, lowercase hex */
    uint8_t sig[CUSTOS_SIG_SIZE];         /* the Ed25519 signature */
};

/*
 * Reads and parses a detached signature file into *out.
 * Returns: CUSTOS_OK; CUSTOS_E_CORRUPT for a malformed file (naming the
 * line); CUSTOS_E_IO.
 */
CUSTOS_API int custos_sigfile_load(const char *path, struct custos_sigfile *out,
                                   struct custos_error *err);

/*
 * As custos_sigfile_load, parsing the file's bytes from memory (len bytes,
 * need not be NUL-terminated); name stands for the file in messages.
 * Returns: as custos_sigfile_load.
 */
CUSTOS_API int custos_sigfile_parse(const char *name, const void *bytes, size_t len,
                                    struct custos_sigfile *out, struct custos_error *err);

/* The largest text of a detached signature file. */
#define CUSTOS_SIGFILE_TEXT_MAX 512 /* bytes, with the NUL */

/*
 * Formats the detached signature file custos_sigfile_write would write, in
 * text (NUL-terminated; *len bytes without the NUL).
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE for a bad purpose.
 */
CUSTOS_API int custos_sigfile_text(const struct custos_key *key, const char *purpose,
                                   const uint8_t sig[CUSTOS_SIG_SIZE],
                                   char text[CUSTOS_SIGFILE_TEXT_MAX], size_t *len,
                                   struct custos_error *err);

/*
 * Reads the signature file at path and checks it: its purpose must equal
 * purpose, its key must be key's fingerprint, and the signature must verify
 * over PAE(purpose, msg).
 * Returns: CUSTOS_OK; CUSTOS_E_UNTRUSTED for another purpose, another key,
 * a signature that does not verify, or no signature file at path (exit 4,
 * not a system error); CUSTOS_E_CORRUPT; CUSTOS_E_IO; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_sign_verify_sigfile(const char *path, const struct custos_key *key,
                                          const char *purpose, const void *msg, size_t len,
                                          struct custos_error *err);

/* The largest file custos_sign_file and custos_sign_verify_file read whole into memory. */
#define CUSTOS_SIGN_FILE_MAX ((uint64_t)1 << 30) /* bytes */

/*
 * Signs the exact bytes of the file at path for purpose and writes the
 * detached signature file sigpath (a new file). The file is read whole into
 * memory: at most CUSTOS_SIGN_FILE_MAX bytes (sign manifests, not images).
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED when sigpath exists; CUSTOS_E_USAGE
 * (public-only key, bad purpose, a directory); CUSTOS_E_CORRUPT for a file
 * that is too large; CUSTOS_E_IO; CUSTOS_E_NOMEM. Nothing is left on
 * failure.
 */
CUSTOS_API int custos_sign_file(const struct custos_key *key, const char *purpose, const char *path,
                                const char *sigpath, struct custos_error *err);

/*
 * Checks the detached signature file sigpath over the bytes of the file at
 * path, as custos_sign_verify_sigfile.
 * Returns: as custos_sign_verify_sigfile, plus the read errors of
 * custos_sign_file.
 */
CUSTOS_API int custos_sign_verify_file(const struct custos_key *key, const char *purpose,
                                       const char *path, const char *sigpath,
                                       struct custos_error *err);

#ifdef __cplusplus
}
#endif

#endif
