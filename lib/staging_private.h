/* SPDX-License-Identifier: ISC */
/*
 * staging_private.h: what a resumable acquisition (acquire_resume.c) needs
 * of a staging directory beyond staging.h: to keep it when the run stops,
 * and to take it up again in the next run.
 */
#ifndef CUSTOS_STAGING_PRIVATE_H
#define CUSTOS_STAGING_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "staging_private.h is internal to libcustos"
#endif

#include "custos/staging.h"

/* The journal of a resumable acquisition (acquire_resume.c) in its staging directory. */
#define CUSTOS__RESUME_JOURNAL "acquire-journal.json"

/* A handle on an existing staging directory dir (copied), kept from an earlier run. */
int custos__staging_adopt(struct custos_staging **out, const char *dir, struct custos_error *err);

/* custos_staging_free will leave the directory and its files in place. */
void custos__staging_keep(struct custos_staging *s);

#endif
