/* SPDX-License-Identifier: ISC */
/*
 * ledger_proposal.h: proposal files, and showing a ledger entry to the
 * people who sign it.
 *
 * When the parties of an entry sign on their own devices, the entry body
 * travels as a proposal file: the body on its first line, then one
 * signature token "FINGERPRINT:BASE64" a line, added under the file's lock
 * (custos_ledger_propose and custos_ledger_commit, ledger.h, make the body
 * and append it).
 *
 * Nobody's key signs an entry its owner was not shown. Before signing, a
 * tool renders the entry body (docs/formats/ledger.md) in plain language:
 * what is done, to which item, by whom in which capacity, every field (the
 * digests in full), the time, and the SHA-256 of the body, which is what
 * the signatures cover. A proposal file is signed only if it still holds
 * exactly the body that was shown.
 *
 * Outline:
 *   1. custos_ledger_propose(l, action, fields, parties, n, NULL, &body);
 *      custos_ledger_proposal_write("entry.prop", body, &err)
 *   2. each party: custos_ledger_proposal_read("entry.prop", &body, &tokens, &n, &err);
 *      custos_ledger_proposal_describe(body, tokens, n, &text, &err); show text; ask;
 *      custos_ledger_proposal_sign_shown("entry.prop", body, key, &err)
 *   3. custos_ledger_proposal_read(); custos_ledger_commit(l, body, len, tokens, n, 0, &seq)
 */
#ifndef CUSTOS_LEDGER_PROPOSAL_H
#define CUSTOS_LEDGER_PROPOSAL_H

#include <stddef.h>

#include "error.h"
#include "export.h"
#include "key.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Renders an entry body (a ledger line without its signature tokens) as
 * plain text, one fact a line: a summary sentence, the entry number, time,
 * action, item, each party (capacity, name, short key fingerprint), every
 * other field in full, and the SHA-256 of the body. *text is a new string.
 * Returns: CUSTOS_OK; CUSTOS_E_CORRUPT for a body that is not an entry;
 * CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_entry_describe(const char *body, size_t len, char **text,
                                     struct custos_error *err);

/*
 * Writes a proposal file (the body and a line end) as a new file at path.
 * Returns: as custos_write_file_new.
 */
CUSTOS_API int custos_ledger_proposal_write(const char *path, const char *body,
                                            struct custos_error *err);

/*
 * Reads a proposal: *body (NUL-terminated, without LF) and *ntokens tokens.
 * Release with custos_ledger_proposal_free.
 * Returns: CUSTOS_OK; CUSTOS_E_CORRUPT; CUSTOS_E_IO; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_ledger_proposal_read(const char *path, char **body, char ***tokens,
                                           size_t *ntokens, struct custos_error *err);

/* Releases what custos_ledger_proposal_read returned; NULLs are allowed. */
CUSTOS_API void custos_ledger_proposal_free(char *body, char **tokens, size_t ntokens);

/*
 * Whether key may sign a proposal holding body and tokens: it must be one of
 * the body's parties and not have signed yet (errors name path).
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED (not a party, signed already).
 */
CUSTOS_API int custos_ledger_proposal_check_signer(const char *path, const char *body,
                                                   char **tokens, size_t ntokens,
                                                   const struct custos_key *key,
                                                   struct custos_error *err);

/*
 * The proposal in plain language (custos_entry_describe) followed by who
 * has signed it so far, by key fingerprint. *text is a new string.
 * Returns: as custos_entry_describe.
 */
CUSTOS_API int custos_ledger_proposal_describe(const char *body, char **tokens, size_t ntokens,
                                               char **text, struct custos_error *err);

/*
 * Signs the proposal at path with key and appends the token line under an
 * exclusive lock. The key must be one of the body's parties and must not
 * have signed it yet.
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED (not a party, signed already);
 * CUSTOS_E_CORRUPT; CUSTOS_E_IO; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_ledger_proposal_sign(const char *path, const struct custos_key *key,
                                           struct custos_error *err);

/*
 * As custos_ledger_proposal_sign, but only if the proposal at path still
 * holds exactly shown (the body its signer was shown, NUL-terminated):
 * under the proposal's lock, the body is read again and compared first.
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED (the proposal changed since it was
 * shown, the key is not a party, or it has signed already);
 * CUSTOS_E_CORRUPT; CUSTOS_E_IO; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_ledger_proposal_sign_shown(const char *path, const char *shown,
                                                 const struct custos_key *key,
                                                 struct custos_error *err);

#ifdef __cplusplus
}
#endif

#endif
