/* SPDX-License-Identifier: ISC */
/*
 * key.h: a person's Ed25519 key pair, with the name and role bound to it.
 *
 * A struct custos_key holds an Ed25519 key (OpenSSL 3 EVP), public only or
 * with its private half, and the statement that binds it to a person: name,
 * role (one of CUSTOS_ROLE_*), SHA-256 fingerprint of the DER
 * SubjectPublicKeyInfo (lowercase hex) and creation time. The statement is
 * signed by the key itself (proof of possession); which role a key really
 * holds in a case is decided by the case ledger's enrol entries, not here.
 *
 * Files (docs/formats/key.md): the private key file is the statement
 * followed by an encrypted PKCS#8 PEM block (PBES2, AES-256-CBC,
 * PBKDF2-HMAC-SHA256, CUSTOS_KEY_PBKDF2_ITER iterations), created 0600 with
 * O_EXCL; the public key file (CUSTOS_KEY_PUB_SUFFIX appended) is the same
 * statement followed by a PUBLIC KEY PEM block. Both are readable by
 * `openssl pkey`, which skips the statement lines.
 *
 * Outline (generate):
 *   1. custos_key_generate(&k, "Alice Chen", "custodian", &err)
 *   2. custos_key_save(k, "alice.key", pass, passlen, &err)  (writes alice.key.pub too)
 *   3. custos_key_free(k)
 * Outline (use):
 *   1. custos_passphrase_load_file("pass.txt", &pass, &passlen, &err)
 *   2. custos_key_load_private(&k, "alice.key", pass, passlen, &err)
 *   3. custos_passphrase_free(pass, passlen)
 *   4. sign with custos_sign() (sign.h); custos_key_free(k)
 */
#ifndef CUSTOS_KEY_H
#define CUSTOS_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The first line of every key file. */
#define CUSTOS_KEY_MAGIC "custos-key-v1"
/* Statement field prefixes, in this order. */
#define CUSTOS_KEY_FIELD_NAME        "name: "
#define CUSTOS_KEY_FIELD_ROLE        "role: "
#define CUSTOS_KEY_FIELD_FINGERPRINT "fingerprint: "
#define CUSTOS_KEY_FIELD_CREATED     "created: "
#define CUSTOS_KEY_FIELD_BINDING     "binding: "
/* Appended to the private key file name to name the public key file. */
#define CUSTOS_KEY_PUB_SUFFIX ".pub"
/* The only algorithm of version 1. */
#define CUSTOS_KEY_ALG "ed25519"
/* PBKDF2-HMAC-SHA256 iterations used to encrypt private keys (and the minimum accepted). */
#define CUSTOS_KEY_PBKDF2_ITER 600000
/* The least scrypt cost accepted in a private key (OpenSSL's default, RFC 7914 §2). */
#define CUSTOS_KEY_SCRYPT_N_MIN   16384
#define CUSTOS_KEY_SCRYPT_R_MIN   8
#define CUSTOS_KEY_PASSPHRASE_MIN 8    /* bytes, for a new key */
#define CUSTOS_KEY_PASSPHRASE_MAX 1023 /* bytes: what `openssl -passin file:` reads */
#define CUSTOS_KEY_NAME_MAX       256  /* bytes of UTF-8 */
#define CUSTOS_KEY_FP_HEX_SIZE    65   /* 64 hex digits plus NUL */
#define CUSTOS_KEY_FP_SHORT       16   /* hex digits people compare on paper */
#define CUSTOS_KEY_RAW_SIZE       32   /* bytes of an Ed25519 public key */
#define CUSTOS_KEY_SPKI_SIZE      44   /* bytes of its DER SubjectPublicKeyInfo */

/* The roles of DOMAIN.md. */
#define CUSTOS_ROLE_CUSTODIAN "custodian"
#define CUSTOS_ROLE_RECORDER  "recorder"
#define CUSTOS_ROLE_WITNESS   "witness"
#define CUSTOS_ROLE_VENDOR    "vendor"
#define CUSTOS_ROLE_LEGAL     "legal"

struct custos_key;

/* Returns 1 when role is one of the CUSTOS_ROLE_* names, 0 otherwise. */
CUSTOS_API int custos_key_role_valid(const char *role);

/*
 * Creates a fresh Ed25519 key pair for name and role, binds them (the
 * statement is signed with the new key) and stores it in *out.
 * name: non-empty UTF-8 without control characters, at most
 * CUSTOS_KEY_NAME_MAX bytes; role: a CUSTOS_ROLE_* name. Both are copied.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE for a bad name or role; CUSTOS_E_NOMEM;
 * CUSTOS_E_UNSUPPORTED when OpenSSL lacks Ed25519. *out is NULL on failure.
 */
CUSTOS_API int custos_key_generate(struct custos_key **out, const char *name, const char *role,
                                   struct custos_error *err);

/*
 * Writes k as a private key file at path (mode 0600, O_EXCL) encrypted with
 * the passphrase pass (passlen bytes, at least CUSTOS_KEY_PASSPHRASE_MIN),
 * and its public key file at path CUSTOS_KEY_PUB_SUFFIX (mode 0644).
 * k must hold a private key. pass is not kept.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE for a public-only key or a short
 * passphrase; CUSTOS_E_REFUSED when either file exists; CUSTOS_E_IO;
 * CUSTOS_E_NOMEM. On failure neither file is left on disk.
 */
CUSTOS_API int custos_key_save(const struct custos_key *k, const char *path, const char *pass,
                               size_t passlen, struct custos_error *err);

/*
 * Reads a private key file, decrypts it with pass, and checks that the key
 * matches the fingerprint and binding of its statement. The file must not
 * be open to other users (no group or other permission bits). Marks the
 * process as holding secrets (custos_secret_protect_process).
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED for a file with group or other
 * permissions; CUSTOS_E_UNTRUSTED for a wrong passphrase, or a key
 * that does not match its fingerprint or binding; CUSTOS_E_CORRUPT for a
 * malformed file; CUSTOS_E_UNSUPPORTED for a key that is not Ed25519 or an
 * encryption weaker than CUSTOS_KEY_PBKDF2_ITER PBKDF2 iterations or
 * scrypt of CUSTOS_KEY_SCRYPT_N_MIN, CUSTOS_KEY_SCRYPT_R_MIN; CUSTOS_E_USAGE
 * for a public key file; CUSTOS_E_IO; CUSTOS_E_NOMEM.
 * Decrypted key material is wiped before return; *out is NULL on failure.
 */
CUSTOS_API int custos_key_load_private(struct custos_key **out, const char *path, const char *pass,
                                       size_t passlen, struct custos_error *err);

/*
 * Reads a public key file and checks its fingerprint and binding. A private
 * key file is refused (CUSTOS_E_USAGE): use custos_key_load_private.
 * Returns: CUSTOS_OK; CUSTOS_E_UNTRUSTED when the key does not match its
 * statement; CUSTOS_E_CORRUPT; CUSTOS_E_UNSUPPORTED (not Ed25519);
 * CUSTOS_E_USAGE; CUSTOS_E_IO; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_key_load_public(struct custos_key **out, const char *path,
                                      struct custos_error *err);

/*
 * As custos_key_load_public, reading the public key file's bytes from
 * memory (len bytes, need not be NUL-terminated); name stands for the file
 * in error messages (may be NULL).
 * Returns: as custos_key_load_public.
 */
CUSTOS_API int custos_key_load_public_mem(struct custos_key **out, const char *name,
                                          const void *bytes, size_t len, struct custos_error *err);

/*
 * Makes a public-only key from DER SubjectPublicKeyInfo bytes (as carried in
 * a ledger's enrol entry), with the given name and role (copied, may be
 * NULL for "").
 * Returns: CUSTOS_OK; CUSTOS_E_CORRUPT for bytes that are not an SPKI;
 * CUSTOS_E_UNSUPPORTED for a key that is not Ed25519; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_key_from_spki(struct custos_key **out, const uint8_t *der, size_t len,
                                    const char *name, const char *role, struct custos_error *err);

/* Releases k, wiping the private key; NULL is allowed. */
CUSTOS_API void custos_key_free(struct custos_key *k);

/* The bound name, role and creation time; valid as long as k. */
CUSTOS_API const char *custos_key_name(const struct custos_key *k);
CUSTOS_API const char *custos_key_role(const struct custos_key *k);
CUSTOS_API const char *custos_key_created(const struct custos_key *k);

/* The fingerprint: 64 lowercase hex digits, valid as long as k. */
CUSTOS_API const char *custos_key_fingerprint(const struct custos_key *k);

/* 1 when k holds a private key (can sign), 0 otherwise. */
CUSTOS_API int custos_key_has_private(const struct custos_key *k);

/* Copies the DER SubjectPublicKeyInfo (CUSTOS_KEY_SPKI_SIZE bytes) into der. */
CUSTOS_API void custos_key_spki(const struct custos_key *k, uint8_t der[CUSTOS_KEY_SPKI_SIZE]);

/* Copies the raw 32-byte Ed25519 public key into raw. */
CUSTOS_API void custos_key_raw(const struct custos_key *k, uint8_t raw[CUSTOS_KEY_RAW_SIZE]);

/*
 * Reads a passphrase from the file at path: its first line, without the
 * LF. A CR in it is refused, as `openssl -passin file:` would keep it.
 * *pass is NUL-terminated, in a locked page excluded from core dumps, and
 * must be released with custos_passphrase_free. Marks the process
 * (custos_secret_protect_process).
 * Returns: CUSTOS_OK; CUSTOS_E_CORRUPT for an empty or over-long
 * passphrase, or one with a NUL or CR byte; CUSTOS_E_IO; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_passphrase_load_file(const char *path, char **pass, size_t *len,
                                           struct custos_error *err);

/* As custos_passphrase_load_file, reading from the open descriptor fd (not closed). */
CUSTOS_API int custos_passphrase_load_fd(int fd, char **pass, size_t *len,
                                         struct custos_error *err);

/*
 * Marks the process as holding secrets: prctl(PR_SET_DUMPABLE, 0), so no
 * core dump is written and no other process of the same user can ptrace it
 * or read /proc/PID/mem. Called by custos_key_generate,
 * custos_key_load_private and the passphrase readers; it stays in force
 * until the process exits, since freed memory may still hold fragments.
 */
CUSTOS_API void custos_secret_protect_process(void);

/* Wipes len bytes at p with OPENSSL_cleanse; p may be NULL. */
CUSTOS_API void custos_secret_wipe(void *p, size_t len);

/* Wipes and frees a passphrase from custos_passphrase_read_*; NULL is allowed. */
CUSTOS_API void custos_passphrase_free(char *pass, size_t len);

#ifdef __cplusplus
}
#endif

#endif
