/* SPDX-License-Identifier: ISC */
/*
 * custos.h: the whole public API of libcustos, and its version.
 *
 * libcustos holds every piece of logic of the custos tools: digests, sources
 * and images, acquisition, keys and signatures, the custody ledger, and the
 * formats custos writes (specified in docs/formats/). The tools in tools/ are
 * thin clients of this API.
 */
#ifndef CUSTOS_CUSTOS_H
#define CUSTOS_CUSTOS_H

#include "export.h"
#include "error.h"
#include "digest.h"
#include "progress.h"
#include "text.h"
#include "timefmt.h"
#include "atomicfile.h"
#include "staging.h"
#include "source.h"
#include "acquire.h"
#include "key.h"
#include "sign.h"
#include "merkle.h"
#include "checkpoint.h"
#include "ledger.h"
#include "ledger_proposal.h"
#include "custody.h"
#include "manifest.h"
#include "tree.h"
#include "hashset.h"
#include "audit.h"
#include "fs.h"
#include "dispose.h"
#include "lang.h"
#include "timestamp.h"
#include "seal.h"
#include "wipe.h"
#include "verify.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Kept equal to meson.build's project version by the `version` test. */
#define CUSTOS_VERSION_STRING "0.1.0"

/* The version of the library actually linked, "MAJOR.MINOR.PATCH". */
CUSTOS_API const char *custos_version(void);

#ifdef __cplusplus
}
#endif

#endif
