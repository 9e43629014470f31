/* SPDX-License-Identifier: ISC */
/*
 * ewf_private.h: turning a libewf error into a custos error; reading an E01
 * on several cores.
 */
#ifndef CUSTOS_EWF_PRIVATE_H
#define CUSTOS_EWF_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "ewf_private.h is internal to libcustos"
#endif

#include <stddef.h>
#include <stdint.h>

#include <libewf.h>

#include "custos/error.h"

/*
 * Sets err to status with "path: what: libewf's innermost message", frees
 * *e (which may be NULL) and returns status.
 */
int custos__ewf_error(struct custos_error *err, int status, const char *path, libewf_error_t **e,
                      const char *what);

/*
 * A reader of an E01's media data that inflates and checks chunks on the
 * calling thread and `workers` more (ewf_read.c). h stays the caller's; the
 * reader is its only user between new and free.
 */
struct custos__ewf_reader;

int custos__ewf_reader_new(struct custos__ewf_reader **out, libewf_handle_t *h,
                           uint64_t media_bytes, size_t chunk_bytes, unsigned workers,
                           struct custos_error *err);

/*
 * Reads len bytes of media data at offset, a multiple of the chunk size,
 * into buf. Returns CUSTOS_OK; or CUSTOS_E_CORRUPT, with *bad_offset the
 * first damaged chunk's offset when a chunk fails its checksum or does not
 * inflate (each damaged chunk is zero-filled in buf, the rest is read), or
 * UINT64_MAX when a chunk cannot be read at all. err names path.
 */
int custos__ewf_reader_read(struct custos__ewf_reader *r, const char *path, uint64_t offset,
                            void *buf, size_t len, uint64_t *bad_offset, struct custos_error *err);

void custos__ewf_reader_free(struct custos__ewf_reader *r);

#endif
