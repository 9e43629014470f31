/* SPDX-License-Identifier: ISC */
/*
 * ewf_private.h: turning a libewf error into a custos error.
 */
#ifndef CUSTOS_EWF_PRIVATE_H
#define CUSTOS_EWF_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "ewf_private.h is internal to libcustos"
#endif

#include <libewf.h>

#include "custos/error.h"

/*
 * Sets err to status with "path: what: libewf's innermost message", frees
 * *e (which may be NULL) and returns status.
 */
int custos__ewf_error(struct custos_error *err, int status, const char *path, libewf_error_t **e,
                      const char *what);

#endif
