/* SPDX-License-Identifier: ISC */
/*
 * seal_private.h: reading the tag files of a seal package archive without
 * its payload, for modules that take a package as a reference (verify.c).
 * Internal to libcustos (lib/seal.c); the format is docs/formats/package.md.
 */
#ifndef CUSTOS_SEAL_PRIVATE_H
#define CUSTOS_SEAL_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "seal_private.h is internal to libcustos"
#endif

#include <stddef.h>
#include <stdint.h>

#include "custos/error.h"
#include "custos/seal.h"

/* One tag file (an entry outside data/) of a package archive. */
struct seal_tag {
    char *rel;      /* path inside the bag ("bagit.txt", "custos-seal/FP16.sig") */
    uint8_t *bytes; /* its content, NUL-terminated after len; NULL when not kept */
    size_t len;     /* bytes (0 when not kept) */
};

/* The tag files of a package archive, in archive order. */
struct seal_tags {
    enum custos_seal_format format; /* CUSTOS_SEAL_TAR or CUSTOS_SEAL_ZIP */
    char base[256];                 /* the bag's top-level directory in the archive */
    struct seal_tag *v;
    size_t n;
    uint64_t payload_entries; /* data/ entries passed over, unread */
};

/*
 * Reads the package archive at package (a tar or zip file, as custos-seal
 * writes it; no compression filter) as one stream: every entry is checked
 * as custos_seal_verify checks it (one top-level directory, no absolute or
 * ".." path, no link or special file, no tag file stored twice), the
 * payload entries are passed over unread, and the content of each tag file
 * for which keep(rel) returns 1 is kept, within the format's limits
 * (CUSTOS_SEAL_TAG_FILES_MAX tag files of under CUSTOS_SEAL_TAG_FILE_MAX
 * bytes, CUSTOS_SEAL_ENTRIES_MAX entries).
 * Returns: CUSTOS_OK; CUSTOS_E_CORRUPT (not a tar or zip file, damaged or
 * truncated; the message names the package); CUSTOS_E_REFUSED (a hostile
 * entry or a limit exceeded); CUSTOS_E_USAGE (package is a directory);
 * CUSTOS_E_IO; CUSTOS_E_NOMEM. *out is released on failure.
 */
int custos__seal_read_tags(const char *package, int (*keep)(const char *rel), struct seal_tags *out,
                           struct custos_error *err);

/* The tag file rel, or NULL. */
const struct seal_tag *custos__seal_tag(const struct seal_tags *t, const char *rel);

/* Releases what custos__seal_read_tags filled in; the struct may be reused. */
void custos__seal_tags_free(struct seal_tags *t);

#endif
