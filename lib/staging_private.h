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

/*
 * Publishes the entries added since the last batch (fsync, no-replace
 * renames, directory fsync); on failure moves that batch back and returns
 * the error (custos_staging_error). Entries may be added after it.
 */
int custos__staging_publish_batch(struct custos_staging *s);

/* Moves entries [from, ...) back into the staging directory, if published, and forgets them. */
void custos__staging_withdraw(struct custos_staging *s, size_t from);

/* The entries added so far, in order, each its staged name and final path. */
size_t custos__staging_count(const struct custos_staging *s);
void custos__staging_entry(const struct custos_staging *s, size_t i, const char **name,
                           const char **final_path);

#endif
