/* SPDX-License-Identifier: ISC */
#include "custos/custody.h"
#include "custos/manifest.h"
#include "custos/timefmt.h"

#include <time.h>

#include "tap.h"

static void
test_parse(void)
{
    int64_t s = 0;
    uint32_t ns = 7;
    is_int(custos_time_rfc3339_parse("2026-11-23T11:23:30Z", 0, &s, &ns), CUSTOS_OK, "Z form");
    ok(s == 1795433010 && ns == 0, "Z form value (date -d gives 1795433010)");
    is_int(custos_time_rfc3339_parse("2026-11-23T19:23:30+08:00", 0, &s, NULL), CUSTOS_OK,
           "+08:00 (Taipei)");
    ok(s == 1795433010, "+08:00 stored as UTC");
    is_int(custos_time_rfc3339_parse("2026-11-23T06:53:30-04:30", 0, &s, NULL), CUSTOS_OK,
           "-04:30");
    ok(s == 1795433010, "-04:30 stored as UTC");
    is_int(custos_time_rfc3339_parse("2026-11-23T11:23:30.5Z", 0, &s, &ns), CUSTOS_OK, "fraction");
    ok(s == 1795433010 && ns == 500000000, "fraction value");
    is_int(custos_time_rfc3339_parse("2026-11-23T11:23:30.123456789+00:00", 0, &s, &ns), CUSTOS_OK,
           "nine digits and an offset");
    ok(ns == 123456789, "nanoseconds");
    is_int(custos_time_rfc3339_parse("1969-12-31T23:59:59Z", 0, &s, NULL), CUSTOS_OK, "pre-epoch");
    ok(s == -1, "pre-epoch value");
    is_int(custos_time_rfc3339_parse("2024-02-29T00:00:00Z", 0, &s, NULL), CUSTOS_OK, "leap day");
    is_int(custos_time_rfc3339_parse("2000-02-29T00:00:00Z", 0, &s, NULL), CUSTOS_OK,
           "leap day of a 400-year");

    static const char *const bad[] = {
        "",
        "2026-11-23",
        "2026-11-23T11:23:30",             /* no zone */
        "2026-11-23 11:23:30Z",            /* space */
        "2026-11-23t11:23:30z",            /* lower case */
        "2026-13-01T00:00:00Z",            /* month */
        "2026-00-01T00:00:00Z",            /* month */
        "2026-02-29T00:00:00Z",            /* not a leap year */
        "1900-02-29T00:00:00Z",            /* not a leap year */
        "2026-04-31T00:00:00Z",            /* day */
        "2026-11-23T24:00:00Z",            /* hour */
        "2026-11-23T11:60:00Z",            /* minute */
        "2026-11-23T11:23:60Z",            /* leap second: custos never writes one */
        "2026-11-23T11:23:30.Z",           /* empty fraction */
        "2026-11-23T11:23:30.1234567891Z", /* ten digits */
        "2026-11-23T11:23:30+0800",        /* offset without colon */
        "2026-11-23T11:23:30+24:00",       /* offset hour */
        "2026-11-23T11:23:30+08:60",       /* offset minute */
        "2026-11-23T11:23:30Zjunk",        /* trailing bytes */
        "2026-11-23T11:23:30Z\n",          /* trailing newline */
        " 2026-11-23T11:23:30Z",           /* leading space */
        "+026-11-23T11:23:30Z",            /* sign in the year */
        "2026-1-23T11:23:30Z",             /* short month */
        "２０２６-11-23T11:23:30Z",        /* full-width digits */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        s = 42;
        is_int(custos_time_rfc3339_parse(bad[i], 0, &s, NULL), CUSTOS_E_CORRUPT,
               "bad time %zu refused (%.20s)", i, bad[i]);
        ok(s == 42, "output untouched for bad time %zu", i);
    }
    is_int(custos_time_rfc3339_parse(NULL, 0, &s, NULL), CUSTOS_E_CORRUPT, "NULL refused");

    is_int(custos_time_rfc3339_parse("2026-11-23T11:23:30Z", CUSTOS_TIME_CANONICAL, &s, NULL),
           CUSTOS_OK, "canonical accepts Z");
    is_int(custos_time_rfc3339_parse("2026-11-23T19:23:30+08:00", CUSTOS_TIME_CANONICAL, &s, NULL),
           CUSTOS_E_CORRUPT, "canonical refuses an offset");
    is_int(custos_time_rfc3339_parse("2026-11-23T11:23:30.5Z", CUSTOS_TIME_CANONICAL, &s, NULL),
           CUSTOS_E_CORRUPT, "canonical refuses a fraction");
}

static void
test_format(void)
{
    char buf[CUSTOS_TIME_RFC3339_SIZE];
    is_int(custos_time_rfc3339_format(1795433010, 0, buf), CUSTOS_OK, "format");
    is_str(buf, "2026-11-23T11:23:30Z", "whole seconds");
    custos_time_rfc3339_format(1795433010, 5, buf);
    is_str(buf, "2026-11-23T11:23:30.000000005Z", "nanoseconds");
    custos_time_rfc3339_format(-1, 0, buf);
    is_str(buf, "1969-12-31T23:59:59Z", "before the epoch");
    custos_time_rfc3339_format(0, 0, buf);
    is_str(buf, "1970-01-01T00:00:00Z", "the epoch");
    is_int(custos_time_rfc3339_format(253402300800LL, 0, buf), CUSTOS_E_USAGE,
           "year 10000 refused");
    is_str(buf, "", "nothing written");
    /* Round trip over many values, against gmtime_r. */
    int bad = 0;
    for (int64_t t = -86400 * 800; t < 4102444800LL; t += 86400 * 13 + 3607) {
        char want[64];
        time_t tt = (time_t)t;
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
        int64_t back = 0;
        custos_time_rfc3339_format(t, 0, buf);
        if (strcmp(buf, want) != 0 ||
            custos_time_rfc3339_parse(buf, CUSTOS_TIME_CANONICAL, &back, NULL) != CUSTOS_OK ||
            back != t)
            bad++;
    }
    is_int(bad, 0, "format agrees with gmtime_r and parses back, 1967-2100");
    custos_time_rfc3339_now(buf);
    is_int(custos_time_rfc3339_parse(buf, CUSTOS_TIME_CANONICAL, NULL, NULL), CUSTOS_OK,
           "now is canonical");
}

/* The manifest's public names are thin wrappers over the same parser. */
static void
test_manifest_wrappers(void)
{
    struct custos_time t;
    is_int(custos_time_parse("2026-11-23T19:23:30+08:00", &t), CUSTOS_OK,
           "custos_time_parse takes an offset");
    ok(t.set && t.sec == 1795433010, "as UTC");
    is_int(custos_time_parse("2026-02-30T00:00:00Z", &t), CUSTOS_E_CORRUPT,
           "custos_time_parse refuses 30 February (strptime took it)");
    ok(!t.set, "not set after failure");
}

/*
 * Regression: custody_report.c parsed deadlines with a helper that returned
 * the epoch for a malformed time, so a case whose deadline could not be read
 * was counted overdue at any date after 1970.
 */
static void
test_overdue_malformed(void)
{
    struct custos_custody m;
    memset(&m, 0, sizeof(m));
    m.closed = CUSTOS_CUSTODY_NONE;
    snprintf(m.report_due, sizeof(m.report_due), "2026-11-23T12:23:30Z");
    snprintf(m.recovery_due, sizeof(m.recovery_due), "2026-11-2?T12:23:30Z");
    time_t before = 1795433010; /* an hour before the report deadline */
    is_int(custos_custody_overdue(&m, before), 0, "nothing overdue before the deadline");
    is_int(custos_custody_overdue(&m, before + 7200), 1,
           "report deadline passed: one overdue, the malformed one not counted");
    snprintf(m.report_due, sizeof(m.report_due), "garbage");
    is_int(custos_custody_overdue(&m, before), 0, "malformed deadlines are never overdue");
}

/* A time typed in Taipei keeps its offset: UTC for the record, +08:00 for display. */
static void
test_local(void)
{
    int64_t s = 0;
    int off = 99;
    is_int(custos_time_rfc3339_parse_local("2026-12-05T14:30:00+08:00", &s, NULL, &off), CUSTOS_OK,
           "local parse");
    ok(s == 1796452200 && off == 480, "+08:00 is 06:30Z and 480 minutes (got %lld, %d)",
       (long long)s, off);
    is_int(custos_time_rfc3339_parse_local("2026-12-05T06:30:00Z", NULL, NULL, &off), CUSTOS_OK,
           "Z");
    is_int(off, 0, "Z has offset 0");
    is_int(custos_time_rfc3339_parse_local("2026-12-05T01:00:00-05:30", NULL, NULL, &off),
           CUSTOS_OK, "negative offset");
    is_int(off, -330, "-05:30 is -330 minutes");
    is_int(custos_time_rfc3339_parse_local("2026-12-05T14:30:00+8:00", NULL, NULL, &off),
           CUSTOS_E_CORRUPT, "+8:00 refused");
    char b[CUSTOS_TIME_RFC3339_SIZE], o[CUSTOS_TIME_OFFSET_SIZE];
    is_int(custos_time_rfc3339_format_local(1796452200, 480, b), CUSTOS_OK, "format local");
    is_str(b, "2026-12-05T14:30:00+08:00", "local form");
    is_int(custos_time_rfc3339_format_local(1796452200, 0, b), CUSTOS_OK, "format UTC");
    is_str(b, "2026-12-05T06:30:00Z", "offset 0 is Z");
    is_int(custos_time_rfc3339_format_local(1796452200, -330, b), CUSTOS_OK, "format negative");
    is_str(b, "2026-12-05T01:00:00-05:30", "negative local form");
    is_int(custos_time_rfc3339_format_local(1796452200, 1440, b), CUSTOS_E_USAGE, "offset range");
    is_int(custos_time_offset_format(480, o), CUSTOS_OK, "offset format");
    is_str(o, "+08:00", "+08:00");
    is_int(custos_time_offset_parse("-05:30", &off), CUSTOS_OK, "offset parse");
    is_int(off, -330, "-05:30");
    is_int(custos_time_offset_parse("Z", &off), CUSTOS_E_CORRUPT, "Z is not an offset");
    is_int(custos_time_offset_parse("+08:00x", &off), CUSTOS_E_CORRUPT, "trailing byte");
}

int
main(void)
{
    tap_tmpdir();
    test_parse();
    test_format();
    test_manifest_wrappers();
    test_overdue_malformed();
    test_local();
    return tap_done();
}
