/* SPDX-License-Identifier: ISC */
/*
 * json_name_private.h: names and text that may not be UTF-8, in JSON.
 * jansson's json_string() refuses invalid UTF-8 (it returns NULL, which is
 * not running out of memory), and file names are any bytes but NUL. The rule
 * of docs/formats/manifest.md, shared by every custos JSON writer: a UTF-8
 * name is the string KEY; any other name is KEY_base64 (the exact bytes)
 * beside KEY (custos_path_display's form, for people). Free text that may
 * quote a name (an error, a detail) is written in the display form when it
 * is not UTF-8.
 */
#ifndef CUSTOS_JSON_NAME_PRIVATE_H
#define CUSTOS_JSON_NAME_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "json_name_private.h is internal to libcustos"
#endif

#include <stddef.h>

#include <jansson.h>

/* Sets KEY (and KEY_base64 when not UTF-8) of obj to len bytes of name; 0 or -1 (memory). */
int custos__json_set_name(json_t *obj, const char *key, const char *name, size_t len);

/* As custos__json_set_name for a NUL-terminated name. */
int custos__json_set_names(json_t *obj, const char *key, const char *name);

/* A JSON string of s, in the display form when s is not UTF-8; NULL only without memory. */
json_t *custos__json_text(const char *s);

/*
 * Reads a name written by custos__json_set_name (KEY_base64 first, else KEY)
 * into a new NUL-terminated *out of *len bytes. Returns 0; 1 when absent;
 * -1 when malformed (not a string, bad base64, a NUL inside) or out of memory.
 */
int custos__json_get_name(const json_t *obj, const char *key, char **out, size_t *len);

#endif
