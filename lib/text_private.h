/* SPDX-License-Identifier: ISC */
/*
 * text_private.h: the text helpers libcustos shares inside itself, beside
 * the public ones in custos/text.h: hex digits, one UTF-8 character, and
 * HTML/XML escaping into a string builder.
 */
#ifndef CUSTOS_TEXT_PRIVATE_H
#define CUSTOS_TEXT_PRIVATE_H

#ifndef CUSTOS_BUILDING_LIB
#error "text_private.h is internal to libcustos"
#endif

#include <stdbool.h>
#include <stddef.h>

#include "custos/text.h"
#include "strbuf_private.h"

/* The value of hex digit c (either case), or -1. */
int custos__hex_digit(int c);

/* True when s is exactly n lowercase hex digits (a digest or fingerprint as custos writes it). */
bool custos__hex_lower(const char *s, size_t n);

/* Bytes in the valid UTF-8 character at s (left bytes remain), or 0 (also for NUL). */
size_t custos__utf8_char(const unsigned char *s, size_t left);

/*
 * s with every byte outside ASCII, and the backslash, written as the four
 * characters \xNN: JSON-safe text for strings that are not UTF-8, where
 * nothing may be lost (docs/formats/acquisition-record.md). Returns a new
 * string the caller frees, or NULL when out of memory.
 */
char *custos__text_ascii_hex(const char *s);

/* Appends s with & < > " ' escaped for HTML text and attribute values; NULL appends nothing. */
void custos__sb_html(struct custos__sb *b, const char *s);

/* Appends the len bytes at s with & < > ' " escaped for XML. */
void custos__sb_xml(struct custos__sb *b, const char *s, size_t len);

#endif
