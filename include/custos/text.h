/* SPDX-License-Identifier: ISC */
/*
 * text.h: hex, UTF-8 and the display form of names, in one place.
 *
 * Evidence names are bytes: on Linux a file name need not be UTF-8, and a
 * name in Traditional Chinese is several bytes a character. custos keeps the
 * bytes exact in its records (base64 when they are not UTF-8) and shows them
 * through custos_path_display, which never hides a difference between two
 * names. Digests and keys are written as lowercase hex everywhere.
 *
 * Outline:
 *   custos_hex_encode(sha, 32, hex)                 65 bytes of lowercase hex
 *   custos_hex_decode(hex, sha, 32, &err)           either case in, exact length
 *   custos_utf8_valid(name, len)                    strict UTF-8 (RFC 3629)
 *   custos_path_display(name, len, buf, sizeof buf) one printable line
 */
#ifndef CUSTOS_TEXT_H
#define CUSTOS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes len bytes as lowercase hex plus NUL into hex (2 * len + 1 bytes). */
CUSTOS_API void custos_hex_encode(const uint8_t *bytes, size_t len, char *hex);

/*
 * Parses exactly 2 * len hex digits (either case) into bytes.
 * Returns: CUSTOS_OK, or CUSTOS_E_CORRUPT for a wrong length or a non-hex
 * character (err names neither file nor position: the caller adds context).
 */
CUSTOS_API int custos_hex_decode(const char *hex, uint8_t *bytes, size_t len,
                                 struct custos_error *err);

/*
 * Returns true when the len bytes at s are valid UTF-8 (RFC 3629: shortest
 * form, no surrogates, nothing above U+10FFFF) and hold no NUL.
 */
CUSTOS_API bool custos_utf8_valid(const char *s, size_t len);

/*
 * Writes a one-line display form of the len name bytes into buf (at most
 * size bytes, NUL-terminated): valid UTF-8 passes, except that a backslash
 * is doubled and control characters and invalid bytes become \n, \t, \r or
 * \xHH. Names that differ display differently. A name too long for buf is
 * cut at a character boundary.
 */
CUSTOS_API void custos_path_display(const char *name, size_t len, char *buf, size_t size);

/*
 * The text s as JSON may hold it: a copy of s when it is valid UTF-8, else
 * its custos_path_display form (jansson refuses other bytes). Returns a
 * malloc'd string for the caller to free, or NULL when out of memory.
 */
CUSTOS_API char *custos_utf8_or_display(const char *s);

#ifdef __cplusplus
}
#endif

#endif
