/* SPDX-License-Identifier: ISC */
/*
 * proposal.h: showing a ledger entry to the people who sign it.
 *
 * Nobody's key signs an entry its owner was not shown. Before signing, a
 * tool renders the entry body (docs/formats/ledger.md) in plain language:
 * what is done, to which item, by whom in which capacity, every field (the
 * digests in full), the time, and the SHA-256 of the body, which is what
 * the signatures cover. A proposal file is signed only if it still holds
 * exactly the body that was shown.
 *
 * Outline:
 *   1. custos_entry_describe(body, len, &text, &err); show text; ask
 *   2. custos_proposal_sign_shown("entry.prop", body, key, &err)
 */
#ifndef CUSTOS_PROPOSAL_H
#define CUSTOS_PROPOSAL_H

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
 * As custos_proposal_sign (ledger.h), but only if the proposal at path still
 * holds exactly shown (the body its signer was shown, NUL-terminated):
 * under the proposal's lock, the body is read again and compared first.
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED (the proposal changed since it was
 * shown, the key is not a party, or it has signed already);
 * CUSTOS_E_CORRUPT; CUSTOS_E_IO; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_proposal_sign_shown(const char *path, const char *shown,
                                          const struct custos_key *key, struct custos_error *err);

/*
 * The policy of one action, from the table the ledger enforces on append
 * and verify, as a new JSON string *json: {"action":A, "parties":[{"as":
 * capacity, "required":bool, "roles":[role...]}...], "fields":[{"name":N,
 * "type":"text"|"integer"|"sha256"|"time", "required":bool}...],
 * "holder": the capacity that must hold the item, or null}.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE for an unknown action; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_ledger_policy(const char *action, char **json, struct custos_error *err);

struct custos_ledger;

/*
 * Checks an entry body (a proposal's, without signatures) against the
 * ledger as it is now (after reading new entries), as a commit would, but
 * without signing or writing: the entry must come next (seq and prev), and
 * follow the policy (roles, enrolment, revocation, item state, fields).
 * Missing signatures are allowed. The reason is in custos_ledger_error(l).
 * Returns: CUSTOS_OK; CUSTOS_E_REFUSED; CUSTOS_E_CORRUPT; CUSTOS_E_IO;
 * CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_ledger_check_body(struct custos_ledger *l, const char *body, size_t len);

#ifdef __cplusplus
}
#endif

#endif
