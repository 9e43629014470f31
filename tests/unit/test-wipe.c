/* SPDX-License-Identifier: ISC */
#include "custos/wipe.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include "tap.h"

static const uint8_t seed_a[CUSTOS_WIPE_SEED_SIZE] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
static const uint8_t seed_b[CUSTOS_WIPE_SEED_SIZE] = {9, 8, 7, 6, 5, 4, 3, 2, 1};

static void
test_pattern(void)
{
    struct custos_error err;
    uint8_t zero_seed[CUSTOS_WIPE_SEED_SIZE] = {0};
    uint8_t buf[4096], buf2[4096], ref[4096];
    custos_error_clear(&err);

    memset(buf, 0xaa, sizeof(buf));
    is_status(custos_wipe_pattern_fill(CUSTOS_WIPE_ZEROS, seed_a, 12345, buf, sizeof(buf), &err),
              CUSTOS_OK, &err, "zeros");
    memset(ref, 0, sizeof(ref));
    ok(memcmp(buf, ref, sizeof(buf)) == 0, "zeros pattern is all zero");

    /* AES-256 of the zero block under the zero key (the first keystream block). */
    static const uint8_t first[16] = {0xdc, 0x95, 0xc0, 0x78, 0xa2, 0x40, 0x89, 0x89,
                                      0xad, 0x48, 0xa2, 0x14, 0x92, 0x84, 0x20, 0x87};
    is_status(custos_wipe_pattern_fill(CUSTOS_WIPE_AES_CTR, zero_seed, 0, buf, 16, &err), CUSTOS_OK,
              &err, "keystream of the zero seed");
    ok(memcmp(buf, first, 16) == 0, "keystream block 0 = AES-256(0, 0) = dc95c078...");

    /* An independent stream: one EVP context from offset 0, IV 0. */
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    uint8_t iv[16] = {0};
    int outl;
    memset(ref, 0, sizeof(ref));
    EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), NULL, seed_a, iv);
    EVP_EncryptUpdate(ctx, ref, &outl, ref, (int)sizeof(ref));
    EVP_CIPHER_CTX_free(ctx);
    custos_wipe_pattern_fill(CUSTOS_WIPE_AES_CTR, seed_a, 0, buf, sizeof(buf), &err);
    ok(memcmp(buf, ref, sizeof(buf)) == 0, "keystream at 0 = one continuous AES-256-CTR stream");
    custos_wipe_pattern_fill(CUSTOS_WIPE_AES_CTR, seed_a, 37, buf, 1000, &err);
    ok(memcmp(buf, ref + 37, 1000) == 0, "keystream at an unaligned offset = the same stream");
    custos_wipe_pattern_fill(CUSTOS_WIPE_AES_CTR, seed_a, 2048, buf, 2048, &err);
    ok(memcmp(buf, ref + 2048, 2048) == 0, "keystream at a block offset = the same stream");
    custos_wipe_pattern_fill(CUSTOS_WIPE_AES_CTR, seed_a, 0, buf2, sizeof(buf2), &err);
    custos_wipe_pattern_fill(CUSTOS_WIPE_AES_CTR, seed_a, 0, buf, sizeof(buf), &err);
    ok(memcmp(buf, buf2, sizeof(buf)) == 0, "the same seed gives the same keystream");
    custos_wipe_pattern_fill(CUSTOS_WIPE_AES_CTR, seed_b, 0, buf2, sizeof(buf2), &err);
    ok(memcmp(buf, buf2, sizeof(buf)) != 0, "another seed gives another keystream");
}

/* Checks a plan against the NIST rule; returns the number of violations. */
static int
plan_violations(const struct custos_wipe_region *r, size_t n, uint64_t size, uint32_t unit,
                uint32_t subs, uint64_t *covered)
{
    int bad = 0;
    uint64_t units = size / unit + (size % unit != 0);
    *covered = 0;
    if (n != 2 * (size_t)subs + 2)
        return 1000;
    bad += r[0].offset != 0 || r[0].length != unit;
    bad += r[n - 1].offset != (units - 1) * unit || r[n - 1].offset + r[n - 1].length != size;
    for (uint32_t i = 0; i < subs; i++) {
        uint64_t lo = units * i / subs * unit, hi = units * (i + 1) / subs * unit;
        if (hi > size)
            hi = size;
        const struct custos_wipe_region *a = &r[1 + 2 * i], *b = &r[2 + 2 * i];
        bad += a->offset < lo || a->offset + a->length > b->offset || b->offset + b->length > hi;
        bad += a->offset % unit != 0 || b->offset % unit != 0;
        /* each sample covers at least 5 % of its subsection */
        bad += a->length * 20 < hi - lo || b->length * 20 < hi - lo;
        *covered += a->length + b->length;
    }
    for (size_t i = 1; i < n; i++)
        bad += r[i].offset < r[i - 1].offset;
    return bad;
}

static void
test_plan(void)
{
    struct custos_error err;
    struct custos_wipe_region *p1, *p2, *p3;
    size_t n1, n2, n3;
    uint64_t covered;
    custos_error_clear(&err);
    const uint64_t size = (uint64_t)10 << 30; /* 10 GiB */

    is_status(custos_wipe_sample_plan(size, 512, 1000, seed_a, &p1, &n1, &err), CUSTOS_OK, &err,
              "plan for 10 GiB, 1000 subsections");
    is_int(n1, 2002, "1000 subsections x 2 samples + first + last");
    is_int(plan_violations(p1, n1, size, 512, 1000, &covered), 0, "plan follows the NIST rule");
    ok(covered * 10 >= size, "samples cover at least 10 %% of the medium (%llu of %llu)",
       (unsigned long long)covered, (unsigned long long)size);

    is_status(custos_wipe_sample_plan(size, 512, 1000, seed_a, &p2, &n2, &err), CUSTOS_OK, &err,
              "same plan again");
    ok(n1 == n2 && memcmp(p1, p2, n1 * sizeof(*p1)) == 0, "the same seed gives the same plan");
    is_status(custos_wipe_sample_plan(size, 512, 1000, seed_b, &p3, &n3, &err), CUSTOS_OK, &err,
              "plan with another seed");
    ok(n1 == n3 && memcmp(p1, p3, n1 * sizeof(*p1)) != 0, "another seed gives another plan");
    free(p1);
    free(p2);
    free(p3);

    /* An odd size, 4096-byte units, more subsections. */
    const uint64_t odd = (uint64_t)3 * 1000 * 1000 * 1000 + 1234;
    is_status(custos_wipe_sample_plan(odd, 4096, 1500, seed_b, &p1, &n1, &err), CUSTOS_OK, &err,
              "plan for an odd size");
    is_int(plan_violations(p1, n1, odd, 4096, 1500, &covered), 0,
           "odd size: the rule holds, the last region is the partial last unit");
    free(p1);

    /* Small media: 2 units per subsection is the least that can be sampled. */
    is_status(custos_wipe_sample_plan(2000 * 512, 512, 1000, seed_a, &p1, &n1, &err), CUSTOS_OK,
              &err, "2 units per subsection");
    is_int(plan_violations(p1, n1, 2000 * 512, 512, 1000, &covered), 0, "smallest plan holds");
    free(p1);
    is_status(custos_wipe_sample_plan(1999 * 512, 512, 1000, seed_a, &p1, &n1, &err),
              CUSTOS_E_USAGE, &err, "too small to sample: verify in full");
    is_status(custos_wipe_sample_plan(size, 512, 999, seed_a, &p1, &n1, &err), CUSTOS_E_USAGE, &err,
              "fewer than 1000 subsections refused");
}

static int
file_is(const char *path, enum custos_wipe_pattern pat, const uint8_t *seed, size_t size)
{
    uint8_t *have = malloc(size), *want = malloc(size);
    int fd = open(path, O_RDONLY);
    int same = fd >= 0 && read(fd, have, size) == (ssize_t)size &&
               custos_wipe_pattern_fill(pat, seed, 0, want, size, NULL) == CUSTOS_OK &&
               memcmp(have, want, size) == 0;
    if (fd >= 0)
        close(fd);
    free(have);
    free(want);
    return same;
}

static void
test_file(void)
{
    struct custos_error err;
    struct custos_wipe_target t;
    struct custos_wipe_result res;
    struct custos_wipe_options o = {0};
    custos_error_clear(&err);
    const size_t size = 3 * 1024 * 1024 + 100;
    uint8_t *data = malloc(size);
    for (size_t i = 0; i < size; i++)
        data[i] = (uint8_t)(i * 7 + 1);
    tap_write("target", data, size);

    is_status(custos_wipe_inspect(&t, "target", &err), CUSTOS_OK, &err, "inspect a file");
    is_int(t.kind, CUSTOS_WIPE_FILE, "kind file");
    is_int(t.size_bytes, size, "size");
    is_str(custos_wipe_category(&t), "none", "a file overwrite claims no NIST category");
    is_status(custos_wipe_check(&t, NULL, &err), CUSTOS_E_REFUSED, &err, "unconfirmed refused");
    is_status(custos_wipe_check(&t, "./target", &err), CUSTOS_E_REFUSED, &err,
              "another spelling of the path refused");
    is_status(custos_wipe_check(&t, "target", &err), CUSTOS_OK, &err, "confirmed by its path");

    o.pattern = CUSTOS_WIPE_ZEROS;
    is_status(custos_wipe_run(&t, &o, NULL, &res, &err), CUSTOS_OK, &err, "zero pass");
    ok(res.passed && res.bytes_written == size && res.bytes_verified == size,
       "zero pass passed, every byte written and verified");
    ok(file_is("target", CUSTOS_WIPE_ZEROS, NULL, size), "file is all zeros");

    o.verify_only = 1;
    o.pattern = CUSTOS_WIPE_AES_CTR;
    memcpy(o.seed, seed_a, sizeof(o.seed));
    is_status(custos_wipe_run(&t, &o, NULL, &res, &err), CUSTOS_OK, &err,
              "verify zeros against a keystream");
    ok(!res.passed && res.mismatched_bytes > 0 && !res.written, "mismatch found, nothing written");

    o.verify_only = 0;
    o.verify = CUSTOS_WIPE_VERIFY_FULL;
    is_status(custos_wipe_run(&t, &o, NULL, &res, &err), CUSTOS_OK, &err, "keystream pass");
    ok(res.passed, "keystream pass passed");
    ok(file_is("target", CUSTOS_WIPE_AES_CTR, seed_a, size), "file holds the keystream");

    /* Plant one wrong byte, then re-verify in full and by sampling. */
    int fd = open("target", O_WRONLY);
    ok(fd >= 0 && pwrite(fd, "\x5a", 1, 1234567) == 1 && close(fd) == 0, "plant a byte");
    o.verify_only = 1;
    is_status(custos_wipe_run(&t, &o, NULL, &res, &err), CUSTOS_OK, &err, "re-verify in full");
    ok(!res.passed && res.mismatched_bytes == 1 && res.nbad == 1 && res.bad[0].offset == 1234567,
       "the planted byte is found at its offset");
    char *json = NULL;
    struct custos_wipe_log_meta meta = {.tool = "test-wipe"};
    is_status(custos_wipe_log_json(&t, &o, &res, &meta, &json, &err), CUSTOS_OK, &err, "log");
    has_str(json, "\"result\": \"FAILED\"", "log says FAILED");
    has_str(json, "\"format\": \"custos-wipe-log-v1\"", "log names its format");
    free(json);

    o.verify = CUSTOS_WIPE_VERIFY_SAMPLE;
    o.subsections = 1000;
    memcpy(o.sample_seed, seed_b, sizeof(o.sample_seed));
    is_status(custos_wipe_run(&t, &o, NULL, &res, &err), CUSTOS_OK, &err, "sampled verify");
    ok(res.regions_planned == 2002 && res.bytes_verified < size,
       "sampling read the plan's regions only");
    free(data);
}

/*
 * Issue 18: the plan's first unit and the first sample (and the last sample
 * and the last unit) may overlap; bytes_verified counts each byte once. With
 * 2 units per subsection the samples cover every unit, so both overlap.
 */
static void
test_sample_overlap(void)
{
    struct custos_error err;
    struct custos_wipe_target t;
    struct custos_wipe_result res;
    struct custos_wipe_options o = {0};
    custos_error_clear(&err);
    const size_t size = 2000 * 512;
    uint8_t *zero = calloc(1, size);
    tap_write("overlap", zero, size);
    free(zero);
    struct custos_wipe_region *plan = NULL;
    size_t n = 0;
    is_status(custos_wipe_sample_plan(size, 512, 1000, seed_b, &plan, &n, &err), CUSTOS_OK, &err,
              "a plan of 2 units per subsection");
    ok(n == 2002 && plan[1].offset == 0 && plan[n - 2].offset == plan[n - 1].offset,
       "the first and the last unit are each planned twice");
    free(plan);
    is_status(custos_wipe_inspect(&t, "overlap", &err), CUSTOS_OK, &err, "inspect");
    o.pattern = CUSTOS_WIPE_ZEROS;
    o.verify = CUSTOS_WIPE_VERIFY_SAMPLE;
    o.subsections = 1000;
    o.verify_only = 1;
    memcpy(o.sample_seed, seed_b, sizeof(o.sample_seed));
    is_status(custos_wipe_run(&t, &o, NULL, &res, &err), CUSTOS_OK, &err, "sampled re-verify");
    ok(res.passed, "the zeros verify");
    is_int(res.bytes_verified, size, "bytes_verified counts the overlapping units once");
    int fd = open("overlap", O_WRONLY);
    ok(fd >= 0 && pwrite(fd, "\x01", 1, 0) == 1 && close(fd) == 0, "plant a byte in unit 0");
    is_status(custos_wipe_run(&t, &o, NULL, &res, &err), CUSTOS_OK, &err, "sampled re-verify");
    is_int(res.mismatched_bytes, 1, "the planted byte is counted once");
}

int
main(void)
{
    tap_tmpdir();
    test_pattern();
    test_plan();
    test_file();
    test_sample_overlap();
    return tap_done();
}
