/* SPDX-License-Identifier: ISC */
/*
 * sign_private.h: the checks of a parsed detached signature file, written
 * once for custos_sign_verify_sigfile (a file on disk) and for pkgsig.c (a
 * signature inside a package or proof bundle), so both say the same.
 */
#ifndef CUSTOS_SIGN_PRIVATE_H
#define CUSTOS_SIGN_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "sign_private.h is internal to libcustos"
#endif

#include <stddef.h>

#include "custos/sign.h"

/*
 * sf was made for purpose. name stands for the signature file in messages.
 * Returns: CUSTOS_OK; CUSTOS_E_UNTRUSTED ("NAME: signature is for P, not
 * PURPOSE").
 */
int custos__sigfile_check_purpose(const char *name, const struct custos_sigfile *sf,
                                  const char *purpose, struct custos_error *err);

/*
 * key is the signer sf names, and sf's signature over msg (len bytes, for
 * sf->purpose) verifies with it.
 * Returns: CUSTOS_OK; CUSTOS_E_UNTRUSTED ("NAME: signed by key A, not B",
 * "NAME: signature by A does not verify"); CUSTOS_E_NOMEM.
 */
int custos__sigfile_check_sig(const char *name, const struct custos_sigfile *sf,
                              const struct custos_key *key, const void *msg, size_t len,
                              struct custos_error *err);

#endif
