/* SPDX-License-Identifier: ISC */
/*
 * timefmt.h: RFC 3339 times, parsed and written in one place.
 *
 * Every time custos reads or writes in its formats (ledger entries, key
 * statements, manifests, disposal orders and certificates, custody
 * deadlines) is an RFC 3339 date-time. This module is the only parser: it is
 * strict (a malformed time is an error, never a default such as the epoch)
 * and it stores UTC.
 *
 * Grammar (RFC 3339 §5.6, upper-case T and Z only, no leap second):
 *   YYYY-MM-DDTHH:MM:SS[.F{1,9}](Z|+HH:MM|-HH:MM)
 * Month 01-12, day within the month (leap years by the Gregorian rule),
 * hour 00-23, minute 00-59, second 00-59, offset hour 00-23, offset minute
 * 00-59. Nothing may follow. With CUSTOS_TIME_CANONICAL only the form custos
 * writes in signed records is accepted: exactly YYYY-MM-DDTHH:MM:SSZ.
 *
 * Outline:
 *   1. custos_time_rfc3339_parse("2026-11-23T19:23:30+08:00", 0, &sec, &nsec)
 *   2. custos_time_rfc3339_format(sec, nsec, buf)  gives "2026-11-23T11:23:30Z"
 *   3. struct custos_time (a file's time stamps in a manifest):
 *      custos_time_parse() and custos_time_format() on the same grammar.
 *   4. A time a person typed in local time keeps its offset for display:
 *      custos_time_rfc3339_parse_local("2026-12-05T14:30:00+08:00", ...)
 *      gives the UTC seconds and +480 minutes; custos_time_offset_format()
 *      and custos_time_rfc3339_format_local() write them back.
 */
#ifndef CUSTOS_TIMEFMT_H
#define CUSTOS_TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes for the longest formatted time with its NUL ("...:SS.nnnnnnnnnZ"). */
#define CUSTOS_TIME_RFC3339_SIZE 32
/* Flag: accept only YYYY-MM-DDTHH:MM:SSZ (no fraction, no offset). */
#define CUSTOS_TIME_CANONICAL 1u

/*
 * Parses the RFC 3339 date-time s (grammar above) into seconds since
 * 1970-01-01T00:00:00Z (*sec, may be negative) and nanoseconds (*nsec,
 * 0-999999999); either pointer may be NULL. flags: 0 or
 * CUSTOS_TIME_CANONICAL.
 * Returns: CUSTOS_OK; CUSTOS_E_CORRUPT for NULL or malformed input, or a
 * date that does not exist. The outputs are untouched on failure.
 */
CUSTOS_API int custos_time_rfc3339_parse(const char *s, unsigned flags, int64_t *sec,
                                         uint32_t *nsec);

/*
 * Writes sec (seconds since the epoch, years 0000-9999) and nsec as UTC:
 * "YYYY-MM-DDTHH:MM:SSZ", or with ".nnnnnnnnn" (9 digits) before the Z when
 * nsec is not 0. Out-of-range input writes "" and returns CUSTOS_E_USAGE.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE.
 */
CUSTOS_API int custos_time_rfc3339_format(int64_t sec, uint32_t nsec,
                                          char buf[CUSTOS_TIME_RFC3339_SIZE]);

/* Writes the current time as "YYYY-MM-DDTHH:MM:SSZ" (whole seconds). */
CUSTOS_API void custos_time_rfc3339_now(char buf[CUSTOS_TIME_RFC3339_SIZE]);

/* Bytes for an offset "+HH:MM" with its NUL. */
#define CUSTOS_TIME_OFFSET_SIZE 7

/*
 * Parses s as custos_time_rfc3339_parse (flags 0) does, and also returns the
 * offset it was written with, in minutes east of UTC (*offset_min: 480 for
 * "+08:00", -300 for "-05:00", 0 for "Z", "+00:00" and "-00:00"). Any
 * output pointer may be NULL.
 * Returns: CUSTOS_OK; CUSTOS_E_CORRUPT (outputs untouched).
 */
CUSTOS_API int custos_time_rfc3339_parse_local(const char *s, int64_t *sec, uint32_t *nsec,
                                               int *offset_min);

/*
 * Parses an offset on its own, exactly "+HH:MM" or "-HH:MM" (hour 00-23,
 * minute 00-59), into minutes east of UTC.
 * Returns: CUSTOS_OK; CUSTOS_E_CORRUPT for anything else (*offset_min untouched).
 */
CUSTOS_API int custos_time_offset_parse(const char *s, int *offset_min);

/*
 * Writes offset_min (-1439..1439) as "+HH:MM" or "-HH:MM"; 0 is "+00:00".
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE out of range (buf is then "").
 */
CUSTOS_API int custos_time_offset_format(int offset_min, char buf[CUSTOS_TIME_OFFSET_SIZE]);

/*
 * Writes sec (whole seconds, years 0000-9999 in local time) as the local
 * time at offset_min: "2026-12-05T14:30:00+08:00"; with offset_min 0 it is
 * UTC with a Z, as custos_time_rfc3339_format writes.
 * Returns: CUSTOS_OK; CUSTOS_E_USAGE out of range (buf is then "").
 */
CUSTOS_API int custos_time_rfc3339_format_local(int64_t sec, int offset_min,
                                                char buf[CUSTOS_TIME_RFC3339_SIZE]);

/* A time stamp; set is false when the source has none. */
struct custos_time {
    bool set;
    int64_t sec;   /* seconds since 1970-01-01T00:00:00Z */
    uint32_t nsec; /* 0..999999999 */
};

/*
 * Formats t as RFC 3339 UTC ("2026-11-23T11:07:07Z", with ".NNNNNNNNN"
 * before the Z when nsec is non-zero) into buf (at least 40 bytes).
 */
CUSTOS_API void custos_time_format(const struct custos_time *t, char *buf, size_t size);

/*
 * Parses an RFC 3339 time (custos_time_rfc3339_parse, flags 0) into t, with
 * set true.
 * Returns: CUSTOS_OK; CUSTOS_E_CORRUPT (t is then all zero).
 */
CUSTOS_API int custos_time_parse(const char *s, struct custos_time *t);

#ifdef __cplusplus
}
#endif

#endif
