/* SPDX-License-Identifier: ISC */
/*
 * badsector_map_private.h: the files that lie over an acquisition's
 * unreadable ranges (issue 17, "bad sectors named by files"), found through
 * The Sleuth Kit's block maps of the image as written, for the record
 * (docs/formats/acquisition-record.md, read_errors) and what acquire prints.
 */
#ifndef CUSTOS_BADSECTOR_MAP_PRIVATE_H
#define CUSTOS_BADSECTOR_MAP_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "badsector_map_private.h is internal to libcustos"
#endif

#include <jansson.h>

#include "custos/error.h"

struct custos_acquisition;
struct custos__badmap;

/*
 * Maps a->bad over the staged image files (staging_dir/NAME for each of
 * a->files) into a->badmap. A file system The Sleuth Kit cannot read is
 * noted in the map, not an error. Returns CUSTOS_OK or CUSTOS_E_NOMEM.
 */
int custos__badmap_build(struct custos_acquisition *a, const char *staging_dir,
                         struct custos_error *err);

/* The files over range i: a JSON array (empty when none or no map). */
json_t *custos__badmap_range_json(const struct custos__badmap *m, size_t i);

/* How the map was made: a JSON object, or null without a map. */
json_t *custos__badmap_json(const struct custos__badmap *m);

void custos__badmap_free(struct custos__badmap *m);

#endif
