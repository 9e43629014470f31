/* SPDX-License-Identifier: ISC */
/*
 * ledger_publish.h: case ledgers published to an organisation's
 * transparency log (tlog.h), and checked from that log.
 *
 * Each ledger entry becomes one log entry (docs/formats/transparency.md,
 * section 7): by default only the ledger's origin, the entry's number and
 * its SHA-256, so that no case content leaves the organisation; with
 * whole entries, the ledger line too. An index beside the tiles
 * (custos-index/LEDGER-ID) says where each entry went; it is only a
 * finding aid: every entry found through it is proven included under the
 * signed checkpoint, and its hash compared with the ledger's.
 *
 * Typical use:
 *   custos_ledger_publish("case.ledger", "/srv/log", "example.com/custody", logkey, 0, &res, &err)
 *   custos_ledger_verify_log("case.ledger", "/srv/log", &vkey, "state", &check, &err)
 */
#ifndef CUSTOS_LEDGER_PUBLISH_H
#define CUSTOS_LEDGER_PUBLISH_H

#include <stdint.h>

#include "custos/custos.h"
#include "custos/error.h"
#include "custos/key.h"
#include "custos/tlog.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What one publish did. */
struct custos_ledger_publish_result {
    uint64_t entries;   /* entries in the ledger */
    uint64_t published; /* appended to the log now */
    uint64_t already;   /* found published before, with the same hash */
    uint64_t first;     /* log index of the first appended entry */
    uint64_t log_size;  /* entries in the log afterwards */
    char *checkpoint;   /* the log's new signed checkpoint, or NULL (free()) */
};

/*
 * Verifies the ledger at ledger_path in full, then appends every entry not
 * yet in the log at logdir (created when it does not exist, with origin;
 * origin NULL takes the existing log's) signed by logkey. An entry
 * published before with another hash means the ledger was rewritten after
 * it was published: nothing is appended.
 * Returns: CUSTOS_OK; the ledger's verification status when it does not
 * verify (nothing is published over a ledger that does not verify);
 * CUSTOS_E_UNTRUSTED (a published entry differs, or the log does not
 * verify by logkey); CUSTOS_E_USAGE (no origin for a new log, an entry too
 * long for a whole-entry log); CUSTOS_E_IO; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_ledger_publish(const char *ledger_path, const char *logdir,
                                     const char *origin, const struct custos_key *logkey,
                                     int whole_entries, struct custos_ledger_publish_result *res,
                                     struct custos_error *err);

/* What checking a ledger against a log found. */
struct custos_ledger_log_check {
    uint64_t entries;     /* entries in the ledger */
    uint64_t included;    /* proven included with the ledger's hash */
    uint64_t unpublished; /* not in the log (yet) */
    uint64_t log_size;    /* the log's size at its checkpoint */
    uint64_t seen_size;   /* the size in the state file before, or 0 */
    size_t cosigned;      /* witnesses of the policy whose cosignature verifies */
    char origin[256];     /* the log's origin */
};

/*
 * Checks the ledger against the log at logdir (a directory or a URL): the
 * log's checkpoint signed by v and cosigned by at least `need` of the
 * nwitnesses witness keys (tlog-cosignature/v1), consistent with the last
 * checkpoint recorded in state_path (when not NULL; created or updated on
 * success), and every ledger entry the index names proven included with
 * the ledger's hash.
 * Returns: CUSTOS_OK when every entry is included; CUSTOS_E_INCOMPLETE when
 * some are not published; CUSTOS_E_UNTRUSTED (a bad signature, too few
 * witnesses, a fork or
 * rollback of the log, an entry whose published hash differs: the ledger
 * was rewritten); the ledger's own verification status when it fails;
 * CUSTOS_E_CORRUPT; CUSTOS_E_IO; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_ledger_verify_log(const char *ledger_path, const char *logdir,
                                        const struct custos_tlog_vkey *v,
                                        const struct custos_tlog_vkey *witnesses, size_t nwitnesses,
                                        size_t need, const char *state_path,
                                        struct custos_ledger_log_check *out,
                                        struct custos_error *err);

#ifdef __cplusplus
}
#endif

#endif
