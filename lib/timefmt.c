/* SPDX-License-Identifier: ISC */
/*
 * timefmt.c: the one RFC 3339 parser and formatter (timefmt.h).
 *
 * Civil dates are converted with Howard Hinnant's days_from_civil algorithm
 * (public domain arithmetic, no timegm, no TZ environment, no locale), so the
 * result never depends on the process's time zone and a date that does not
 * exist (2026-02-30) is refused rather than normalised.
 */
#include "custos/timefmt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "custos/error.h"

/* n decimal digits at p, or -1. */
static int
digits(const char *p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

static int
leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int64_t y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* The offset at p ("Z" or "+HH:MM"/"-HH:MM" ending the string), in minutes; -1 on error. */
static int
parse_zone(const char *p, int *min)
{
    if (p[0] == 'Z' && p[1] == '\0') {
        *min = 0;
        return 0;
    }
    if ((p[0] != '+' && p[0] != '-') || strlen(p) != 6 || p[3] != ':')
        return -1;
    int oh = digits(p + 1, 2), om = digits(p + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59)
        return -1;
    *min = (oh * 60 + om) * (p[0] == '-' ? -1 : 1);
    return 0;
}

static int
parse(const char *s, unsigned flags, int64_t *sec, uint32_t *nsec, int *offset_min)
{
    if (s == NULL || strlen(s) < 20)
        return CUSTOS_E_CORRUPT;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 ||
        se > 59 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        d > month_days(y, mo))
        return CUSTOS_E_CORRUPT;
    const char *p = s + 19;
    uint32_t ns = 0;
    if (*p == '.') {
        int n = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, n++) {
            if (n == 9)
                return CUSTOS_E_CORRUPT;
            ns = ns * 10 + (uint32_t)(*p - '0');
        }
        if (n == 0)
            return CUSTOS_E_CORRUPT;
        for (; n < 9; n++)
            ns *= 10;
    }
    int om = 0;
    if (parse_zone(p, &om) != 0)
        return CUSTOS_E_CORRUPT;
    if ((flags & CUSTOS_TIME_CANONICAL) != 0 && strlen(s) != 20)
        return CUSTOS_E_CORRUPT;
    int64_t t =
        days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + mi * 60 + se - (int64_t)om * 60;
    if (sec != NULL)
        *sec = t;
    if (nsec != NULL)
        *nsec = ns;
    if (offset_min != NULL)
        *offset_min = om;
    return CUSTOS_OK;
}

int
custos_time_rfc3339_parse(const char *s, unsigned flags, int64_t *sec, uint32_t *nsec)
{
    return parse(s, flags, sec, nsec, NULL);
}

int
custos_time_rfc3339_parse_local(const char *s, int64_t *sec, uint32_t *nsec, int *offset_min)
{
    return parse(s, 0, sec, nsec, offset_min);
}

int
custos_time_offset_parse(const char *s, int *offset_min)
{
    int m = 0;
    if (s == NULL || s[0] == 'Z' || parse_zone(s, &m) != 0)
        return CUSTOS_E_CORRUPT;
    *offset_min = m;
    return CUSTOS_OK;
}

int
custos_time_offset_format(int offset_min, char buf[CUSTOS_TIME_OFFSET_SIZE])
{
    buf[0] = '\0';
    if (offset_min < -1439 || offset_min > 1439)
        return CUSTOS_E_USAGE;
    int a = offset_min < 0 ? -offset_min : offset_min;
    char tmp[32]; /* the compiler cannot see the range: format wide, then copy */
    snprintf(tmp, sizeof(tmp), "%c%02d:%02d", offset_min < 0 ? '-' : '+', a / 60, a % 60);
    memcpy(buf, tmp, CUSTOS_TIME_OFFSET_SIZE);
    buf[CUSTOS_TIME_OFFSET_SIZE - 1] = '\0';
    return CUSTOS_OK;
}

int
custos_time_rfc3339_format_local(int64_t sec, int offset_min, char buf[CUSTOS_TIME_RFC3339_SIZE])
{
    char off[CUSTOS_TIME_OFFSET_SIZE];
    buf[0] = '\0';
    if (custos_time_offset_format(offset_min, off) != CUSTOS_OK ||
        custos_time_rfc3339_format(sec + (int64_t)offset_min * 60, 0, buf) != CUSTOS_OK)
        return CUSTOS_E_USAGE;
    if (offset_min != 0)
        memcpy(buf + 19, off, sizeof(off)); /* replaces the Z: 19 + 7 bytes fit in 32 */
    return CUSTOS_OK;
}

int
custos_time_rfc3339_format(int64_t sec, uint32_t nsec, char buf[CUSTOS_TIME_RFC3339_SIZE])
{
    buf[0] = '\0';
    /* 0000-01-01 to 9999-12-31 */
    if (sec < -62167219200LL || sec > 253402300799LL || nsec > 999999999u)
        return CUSTOS_E_USAGE;
    int64_t days = sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
    int64_t rem = sec - days * 86400;
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    int h = (int)(rem / 3600), mi = (int)(rem % 3600 / 60), se = (int)(rem % 60);
    char tmp[96]; /* the compiler cannot see the ranges: format wide, then copy */
    if (nsec != 0)
        snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ", (int)y, m, d, h, mi, se,
                 (unsigned)nsec);
    else
        snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, m, d, h, mi, se);
    memcpy(buf, tmp, CUSTOS_TIME_RFC3339_SIZE - 1);
    buf[CUSTOS_TIME_RFC3339_SIZE - 1] = '\0';
    return CUSTOS_OK;
}

void
custos_time_rfc3339_now(char buf[CUSTOS_TIME_RFC3339_SIZE])
{
    custos_time_rfc3339_format((int64_t)time(NULL), 0, buf);
}

void
custos_time_format(const struct custos_time *t, char *buf, size_t size)
{
    char b[CUSTOS_TIME_RFC3339_SIZE];
    if (custos_time_rfc3339_format(t->sec, t->nsec, b) != CUSTOS_OK)
        snprintf(b, sizeof(b), "1970-01-01T00:00:00Z"); /* a year outside 0000-9999 */
    snprintf(buf, size, "%s", b);
}

int
custos_time_parse(const char *s, struct custos_time *t)
{
    memset(t, 0, sizeof(*t));
    int64_t sec = 0;
    uint32_t nsec = 0;
    if (custos_time_rfc3339_parse(s, 0, &sec, &nsec) != CUSTOS_OK)
        return CUSTOS_E_CORRUPT;
    t->sec = sec;
    t->nsec = nsec;
    t->set = true;
    return CUSTOS_OK;
}
