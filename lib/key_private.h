/* SPDX-License-Identifier: ISC */
/*
 * key_private.h: what sign.c needs from a struct custos_key.
 */
#ifndef CUSTOS_KEY_PRIVATE_H
#define CUSTOS_KEY_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "key_private.h is internal to libcustos"
#endif

#include <openssl/evp.h>

#include "custos/key.h"

/* The OpenSSL key inside k (public, or private with public). */
EVP_PKEY *custos__key_pkey(const struct custos_key *k);

/*
 * Wraps an Ed25519 EVP_PKEY (private if has_private) in a new key with an
 * empty statement, taking ownership of pkey (freed on failure). For tests
 * and known-answer vectors.
 */
int custos__key_wrap(struct custos_key **out, EVP_PKEY *pkey, int has_private,
                     struct custos_error *err);

/* custos__read_small_file, which the ledger and seal files still find here. */
#include "readfile_private.h"

#endif
