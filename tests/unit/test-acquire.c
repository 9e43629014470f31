/* SPDX-License-Identifier: ISC */
#include "custos/acquire.h"
#include "custos/digest.h"

#include <sys/stat.h>

#include "tap.h"

#define MEDIUM (3u * 1024 * 1024 + 4096 + 512) /* not a multiple of the 1 MiB ring slot */

static uint8_t *
medium(void)
{
    uint8_t *b = malloc(MEDIUM);
    for (size_t i = 0; i < MEDIUM; i++)
        b[i] = (i / 65536) % 3 == 0 ? 0 : (uint8_t)(i * 2654435761u >> 13);
    return b;
}

static void
expected(const uint8_t *b, size_t n, struct custos_digest_result *r)
{
    struct custos_digest *d;
    custos_digest_new(&d, CUSTOS_DIGEST_ALL, NULL);
    custos_digest_update(d, b, n);
    custos_digest_final(d, r);
    custos_digest_free(d);
}

/* Options for an acquisition of m.bin to output under warrant W-1. */
static void
options_for(struct custos_acquire_options *o, const char *output, enum custos_image_format format)
{
    custos_acquire_options_init(o);
    o->source = "m.bin";
    o->output = output;
    o->format = format;
    o->authorisation = "W-1";
}

static void
test_options(void)
{
    struct custos_acquire_options o;
    struct custos_acquisition *a;
    struct custos_error err;
    custos_acquire_options_init(&o);
    is_int(o.digests, CUSTOS_DIGEST_ALL, "default digests");
    is_int(o.verify, 1, "verify by default");
    o.source = "m.bin";
    o.output = "noauth.raw";
    o.format = CUSTOS_IMAGE_RAW;
    is_int(custos_acquire(&o, NULL, &a, &err), CUSTOS_E_USAGE, "authorisation required");
    has_str(err.message, "authorisation", "says what is missing");
    o.authorisation = "W-1";
    o.no_authorisation = 1;
    is_int(custos_acquire(&o, NULL, &a, &err), CUSTOS_E_USAGE, "both refused");
    o.no_authorisation = 0;
    o.window_bytes = 1000;
    is_int(custos_acquire(&o, NULL, &a, &err), CUSTOS_E_USAGE, "window not a sector multiple");
    struct stat st;
    ok(stat("noauth.raw", &st) != 0, "nothing written on a usage error");
}

static void
test_raw(const uint8_t *b, const struct custos_digest_result *want)
{
    struct custos_acquire_options o;
    struct custos_acquisition *a = NULL;
    struct custos_error err;
    options_for(&o, "out.raw", CUSTOS_IMAGE_RAW);
    o.window_bytes = 1024 * 1024;
    is_status(custos_acquire(&o, NULL, &a, &err), CUSTOS_OK, &err, "raw acquisition");
    if (a == NULL)
        return;
    ok(custos_digest_equal(custos_acquisition_digests(a), want), "digests as computed directly");
    is_int(custos_acquisition_digests(a)->algs, CUSTOS_DIGEST_ALL, "all three digests");
    is_int(custos_acquisition_bytes(a), MEDIUM, "bytes");
    is_int(custos_acquisition_verified(a), 1, "verified");
    size_t n;
    custos_acquisition_bad_ranges(a, &n);
    is_int(n, 0, "no bad ranges");
    has_str(custos_acquisition_record_json(a), "\"windows\"", "record has windows");
    is_str(custos_acquisition_record_path(a), "out.raw.acquire.json", "record path");
    custos_acquisition_free(a);

    FILE *f = fopen("out.raw", "rb");
    uint8_t *copy = malloc(MEDIUM + 1);
    size_t got = f ? fread(copy, 1, MEDIUM + 1, f) : 0;
    if (f)
        fclose(f);
    ok(got == MEDIUM && memcmp(copy, b, MEDIUM) == 0, "image bytes equal the medium");
    free(copy);
    struct stat st;
    ok(stat("out.raw", &st) == 0 && (st.st_mode & 0777) == 0444, "image is read-only");
    ok(stat("out.raw.acquire.json", &st) == 0, "record published");

    is_int(custos_acquire(&o, NULL, &a, &err), CUSTOS_E_REFUSED, "second run refused");
    has_str(err.message, "out.raw: already exists", "names the existing output");

    /* Split, MD5 only, no verification. */
    custos_acquire_options_init(&o);
    o.source = "m.bin";
    o.output = "split.raw";
    o.format = CUSTOS_IMAGE_RAW;
    o.no_authorisation = 1;
    o.segment_bytes = 1024 * 1024;
    o.digests = CUSTOS_DIGEST_MD5;
    o.verify = 0;
    is_status(custos_acquire(&o, NULL, &a, &err), CUSTOS_OK, &err, "split acquisition");
    if (a == NULL)
        return;
    const char *const *files = custos_acquisition_files(a, &n);
    is_int(n, 4, "four segments for 3 MiB and a bit");
    is_str(files[3], "split.raw.004", "segment names");
    is_int(custos_acquisition_verified(a), 0, "not verified when asked not to");
    has_str(custos_acquisition_record_json(a), "\"acquired_without\": true",
            "no authorisation is recorded");
    custos_acquisition_free(a);
}

/* What the progress hooks saw: the phases in order, and each phase's first and last count. */
struct seen {
    enum custos_phase phase[4];
    int nphase;
    uint64_t first[4], last[4], total[4];
    int counted[4];
};

static void
seen_phase(void *ctx, enum custos_phase ph)
{
    struct seen *s = ctx;
    if (s->nphase < 4)
        s->phase[s->nphase++] = ph;
}

static void
seen_update(void *ctx, uint64_t done, uint64_t total)
{
    struct seen *s = ctx;
    int k = s->nphase - 1;
    if (k < 0 || k >= 4)
        return;
    if (!s->counted[k])
        s->first[k] = done;
    s->counted[k] = 1;
    s->last[k] = done;
    s->total[k] = total;
}

static void
test_ewf(const struct custos_digest_result *want)
{
    struct custos_acquire_options o;
    struct custos_acquisition *a = NULL;
    struct custos_error err;
    options_for(&o, "ev.E01", CUSTOS_IMAGE_EWF);
    o.case_number = "C-1";
    o.compression = CUSTOS_COMPRESSION_NONE; /* so that 3 MiB need several 1 MiB segments */
    o.segment_bytes = 1024 * 1024;
    struct seen s = {0};
    struct custos_progress p = {.update = seen_update, .phase = seen_phase, .ctx = &s};
    is_status(custos_acquire(&o, &p, &a, &err), CUSTOS_OK, &err, "E01 acquisition");
    is_int(s.nphase, 2, "two phases announced");
    is_int(s.phase[0], CUSTOS_PHASE_READING, "first reading the source");
    is_int(s.phase[1], CUSTOS_PHASE_VERIFYING, "then verifying the image");
    ok(s.counted[0] && s.counted[1], "bytes counted in each phase");
    ok(s.first[1] < s.last[0], "the verify count starts again, not after the reading's");
    is_int(s.last[0], MEDIUM, "reading ends at the medium's size");
    is_int(s.last[1], MEDIUM, "verifying ends at the medium's size");
    is_int(s.total[1], MEDIUM, "verifying's total is the medium, not twice it");
    if (a == NULL)
        return;
    ok(custos_digest_equal(custos_acquisition_digests(a), want), "E01 digests");
    is_int(custos_acquisition_verified(a), 1, "E01 verified through libewf");
    size_t n;
    const char *const *files = custos_acquisition_files(a, &n);
    ok(n >= 2, "several segments");
    is_str(files[0], "ev.E01", "first segment name");
    custos_acquisition_free(a);

    /* Back to raw from the E01 set: the same digests. */
    custos_acquire_options_init(&o);
    o.source = "ev.E01";
    o.output = "back.raw";
    o.format = CUSTOS_IMAGE_RAW;
    o.authorisation = "W-1";
    is_status(custos_acquire(&o, NULL, &a, &err), CUSTOS_OK, &err, "E01 to raw");
    if (a != NULL)
        ok(custos_digest_equal(custos_acquisition_digests(a), want), "round trip digests");
    custos_acquisition_free(a);
}

static int
always(void *ctx)
{
    (void)ctx;
    return 1;
}

static void
test_cancel(void)
{
    struct custos_acquire_options o;
    struct custos_acquisition *a = NULL;
    struct custos_error err;
    struct custos_progress p = {.cancelled = always};
    options_for(&o, "cancel.E01", CUSTOS_IMAGE_EWF);
    is_int(custos_acquire(&o, &p, &a, &err), CUSTOS_E_INTERRUPTED, "cancelled run");
    ok(a == NULL, "no result");
    struct stat st;
    ok(stat("cancel.E01", &st) != 0 && stat("cancel.E01.acquire.json", &st) != 0,
       "nothing published");
    /* One E01 output: kept for --resume, and resumed to the end. */
    is_int(system("ls -a | grep -q incomplete"), 0, "the staging directory kept");
    is_status(custos_acquire_resume("cancel.E01", NULL, NULL, NULL, &a, &err), CUSTOS_OK, &err,
              "resumed");
    ok(stat("cancel.E01", &st) == 0 && stat("cancel.E01.acquire.json", &st) == 0,
       "resumed: published");
    custos_acquisition_free(a); /* and with it the staging directory, emptied */
    is_int(system("ls -a | grep -q incomplete"), 256, "no staging directory left");
}

/* Two images from one read: each listed, verified and published; duplicates refused. */
static void
test_copies(const struct custos_digest_result *want)
{
    struct custos_acquire_options o;
    struct custos_acquisition *a = NULL;
    struct custos_error err;
    struct custos_acquire_copy copy = {"two.E01", CUSTOS_IMAGE_EWF};
    options_for(&o, "one.raw", CUSTOS_IMAGE_RAW);
    o.copies = &copy;
    o.ncopies = 1;
    is_status(custos_acquire(&o, NULL, &a, &err), CUSTOS_OK, &err, "raw + E01 from one read");
    if (a == NULL)
        return;
    ok(custos_digest_equal(custos_acquisition_digests(a), want), "one set of digests");
    size_t n, nfiles;
    const struct custos_acquisition_output *out = custos_acquisition_outputs(a, &n);
    is_int(n, 2, "two outputs listed");
    for (size_t i = 0; i < n; i++)
        ok(out[i].status == CUSTOS_OK && out[i].verified && out[i].error[0] == '\0',
           "output %zu (%s) verified", i + 1, out[i].output);
    is_str(out[1].record_path, "two.E01.acquire.json", "the copy's record beside it");
    custos_acquisition_files(a, &nfiles);
    is_int(nfiles, 2, "both images' files listed");
    has_str(custos_acquisition_record_json(a), "\"copies\"", "the record lists the copies");
    custos_acquisition_free(a);
    struct stat st;
    ok(stat("two.E01", &st) == 0 && stat("two.E01.acquire.json", &st) == 0, "the copy published");

    copy.output = "same.raw";
    copy.format = CUSTOS_IMAGE_RAW;
    o.output = "same.raw";
    is_int(custos_acquire(&o, NULL, &a, &err), CUSTOS_E_USAGE, "the same output twice refused");
    o.output = "other.raw";
    o.record_path = "r.json";
    is_int(custos_acquire(&o, NULL, &a, &err), CUSTOS_E_USAGE, "a record path with copies refused");
    o.record_path = NULL;
    copy.output = "one.raw";
    is_int(custos_acquire(&o, NULL, &a, &err), CUSTOS_E_REFUSED, "an existing copy refused");
    ok(stat("other.raw", &st) != 0, "and nothing written");
}

/* A raw run cancelled before its first read, kept and resumed (acquire_resume.c). */
static void
test_resume(const struct custos_digest_result *want)
{
    struct custos_acquire_options o;
    struct custos_acquisition *a = NULL;
    struct custos_error err;
    struct custos_progress p = {.cancelled = always};
    options_for(&o, "resume.raw", CUSTOS_IMAGE_RAW);
    is_int(custos_acquire_resume("resume.raw", NULL, NULL, NULL, &a, &err), CUSTOS_E_USAGE,
           "nothing to resume yet");
    has_str(err.message, "nothing to resume", "says so");
    is_int(custos_acquire(&o, &p, &a, &err), CUSTOS_E_INTERRUPTED, "cancelled raw run");
    has_str(err.message, "--resume resume.raw", "says how to resume");
    is_int(system("ls -a .custos.incomplete-*/acquire-journal.json > /dev/null 2>&1"), 0,
           "its staging directory and journal are kept");
    tap_write("short.bin", "x", 1);
    is_int(custos_acquire_resume("resume.raw", "short.bin", NULL, NULL, &a, &err), CUSTOS_E_REFUSED,
           "another medium refused");
    ok(a == NULL, "no result");
    is_int(custos_acquire_resume("resume.raw", NULL, NULL, NULL, &a, &err), CUSTOS_OK, "resumed");
    ok(a != NULL && custos_digest_equal(custos_acquisition_digests(a), want),
       "the digests of the medium");
    ok(a != NULL && custos_acquisition_bytes(a) == MEDIUM, "every byte");
    has_str(a ? custos_acquisition_record_json(a) : "", "\"bytes_kept\": 0",
            "the record lists the interruption");
    custos_acquisition_free(a);
    is_int(system("ls -a | grep -q incomplete"), 256, "no staging directory left");
}

int
main(void)
{
    tap_tmpdir();
    uint8_t *b = medium();
    struct custos_digest_result want;
    expected(b, MEDIUM, &want);
    tap_write("m.bin", b, MEDIUM);
    test_options();
    test_raw(b, &want);
    test_ewf(&want);
    test_cancel();
    test_copies(&want);
    test_resume(&want);
    free(b);
    is_int(custos_compression_parse("best", &(enum custos_compression){0}), 0, "parse best");
    is_int(custos_compression_parse("max", &(enum custos_compression){0}), -1, "unknown level");
    return tap_done();
}
