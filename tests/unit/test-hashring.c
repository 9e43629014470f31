/* SPDX-License-Identifier: ISC */
/*
 * test-hashring.c: the hashing pipeline shared by acquisition and image
 * verification (lib/hashring.c), against one-shot digests of the same bytes:
 * whole-stream digests, fixed and listed windows (zero-length, partial last,
 * the whole-stream shortcut), the caller's consumers (in order, and a pool),
 * a read error, a consumer's failure and a cancel.
 */
#include "hashring_private.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "custos/error.h"
#include "tap.h"

#define N (3u * 65536u + 1000u) /* not a multiple of the slot */

static uint8_t input[N];

struct src {
    size_t size;
    uint64_t fail_at; /* a read at or past it fails; UINT64_MAX: never */
};

static int
mem_read(void *ctx, uint64_t off, uint8_t *buf, size_t want, size_t *got, struct custos_error *err)
{
    struct src *s = ctx;
    if (off + want > s->fail_at)
        return custos_error_set(err, CUSTOS_E_IO, 5, "mem", "read error at %llu",
                                (unsigned long long)off);
    size_t n = off >= s->size ? 0 : s->size - off < want ? s->size - off : want;
    memcpy(buf, input + off, n);
    *got = n;
    return CUSTOS_OK;
}

static void
sha256_of(const uint8_t *p, size_t n, uint8_t out[32])
{
    struct custos_digest *d;
    struct custos_digest_result r;
    struct custos_error e;
    custos_digest_new(&d, CUSTOS_DIGEST_SHA256, &e);
    custos_digest_update(d, p, n);
    custos_digest_final(d, &r);
    custos_digest_free(d);
    memcpy(out, r.sha256, 32);
}

static struct custos__hashring_config
config(struct src *s, unsigned algs)
{
    struct custos__hashring_config c = {
        .slot_bytes = 65536,
        .nslots = 4,
        .algs = algs,
        .total = s->size,
        .total_known = 1,
        .read = mem_read,
        .read_ctx = s,
    };
    return c;
}

/* Every window the ring closed is the SHA-256 of its range of input. */
static int
windows_match(const struct custos__window *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t want[32];
        sha256_of(input + w[i].offset, (size_t)w[i].length, want);
        if (memcmp(want, w[i].sha256, 32) != 0)
            return 0;
    }
    return 1;
}

static const uint64_t listed[] = {0, 70000, 0, 100000};

static uint64_t
listed_window(void *ctx, size_t i)
{
    (void)ctx;
    return i < sizeof(listed) / sizeof(listed[0]) ? listed[i] : CUSTOS__HASHRING_NO_WINDOW;
}

/* The caller's consumers: a writer in order, and a pool that "packs". */
struct sink {
    struct custos__hashring *r;
    uint8_t *out;
    size_t len;
    int fail_at_seq; /* -1: never */
};

static void *
writer(void *arg)
{
    struct sink *k = arg;
    for (uint64_t seq = 0;; seq++) {
        struct custos__hashring_slot *s =
            custos__hashring_wait(k->r, seq, CUSTOS__HASHRING_USER(1));
        if (s == NULL)
            return NULL;
        if ((int)seq == k->fail_at_seq) {
            struct custos_error e;
            custos_error_set(&e, CUSTOS_E_REFUSED, 0, "out", "disk full");
            custos__hashring_fail(k->r, &e);
            return NULL;
        }
        memcpy(k->out + k->len, s->data, s->len);
        k->len += s->len;
        int eof = s->eof;
        custos__hashring_done(k->r, s, CUSTOS__HASHRING_USER(0));
        if (eof)
            return NULL;
    }
}

static void *
packer(void *arg)
{
    struct sink *k = arg;
    struct custos__hashring_slot *s;
    while ((s = custos__hashring_take(k->r)) != NULL)
        custos__hashring_done(k->r, s, CUSTOS__HASHRING_USER(1));
    return NULL;
}

static int cancel_after;

static int
canc(void *ctx)
{
    (void)ctx;
    return cancel_after-- <= 0;
}

int
main(void)
{
    struct custos_error err;
    struct custos__hashring *r;
    struct custos_digest_result got, want;
    struct custos_digest *d;
    size_t n;
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        input[i] = (uint8_t)x;
    }
    custos_digest_new(&d, CUSTOS_DIGEST_ALL, &err);
    custos_digest_update(d, input, N);
    custos_digest_final(d, &want);
    custos_digest_free(d);

    /* Fixed windows across slot boundaries, the last one partial. */
    struct src s = {N, UINT64_MAX};
    struct custos__hashring_config c = config(&s, CUSTOS_DIGEST_ALL);
    c.window_bytes = 100000;
    is_status(custos__hashring_new(&r, &c, &err), CUSTOS_OK, &err, "ring made");
    is_status(custos__hashring_run(r, &err), CUSTOS_OK, &err, "pass runs");
    custos__hashring_digests(r, &got);
    ok(custos_digest_equal(&got, &want) && got.algs == CUSTOS_DIGEST_ALL,
       "md5, sha1, sha256 of the stream");
    is_int(custos__hashring_bytes(r), N, "every byte read");
    const struct custos__window *w = custos__hashring_windows(r, &n);
    is_int(n, (N + 99999) / 100000, "one window per 100000 bytes, the last partial");
    is_int(w[n - 1].offset + w[n - 1].length, N, "the last window ends with the stream");
    ok(windows_match(w, n), "each window's sha256 is its range's");
    custos__hashring_free(r);

    /* Unknown length: read until a short read. */
    c.total_known = 0;
    custos__hashring_new(&r, &c, &err);
    is_status(custos__hashring_run(r, &err), CUSTOS_OK, &err, "pass of unknown length");
    custos__hashring_digests(r, &got);
    ok(custos_digest_equal(&got, &want), "same digests with the length unknown");
    custos__hashring_free(r);

    /* Listed windows: zero-length ones, and the stream going on after the last. */
    c = config(&s, CUSTOS_DIGEST_MD5);
    c.window_length = listed_window;
    custos__hashring_new(&r, &c, &err);
    is_status(custos__hashring_run(r, &err), CUSTOS_OK, &err, "pass with listed windows");
    w = custos__hashring_windows(r, &n);
    is_int(n, 4, "four listed windows closed, none after");
    ok(n == 4 && w[0].length == 0 && w[1].offset == 0 && w[1].length == 70000 &&
           w[2].offset == 70000 && w[2].length == 0 && w[3].offset == 70000 &&
           w[3].length == 100000,
       "listed windows in place");
    ok(windows_match(w, n), "listed windows' sha256");
    custos__hashring_free(r);

    /* A stream no longer than its first window: the SHA-256 lane's digest. */
    struct src small = {50000, UINT64_MAX};
    c = config(&small, CUSTOS_DIGEST_SHA256);
    c.window_bytes = 1 << 20;
    custos__hashring_new(&r, &c, &err);
    is_status(custos__hashring_run(r, &err), CUSTOS_OK, &err, "pass of one window");
    w = custos__hashring_windows(r, &n);
    ok(n == 1 && w[0].offset == 0 && w[0].length == 50000 && windows_match(w, n),
       "the one window is the whole stream's sha256");
    custos__hashring_free(r);

    /* The caller's threads: a pool marks slots, a writer copies them in order. */
    struct sink k = {.out = malloc(N), .fail_at_seq = -1};
    c = config(&s, CUSTOS_DIGEST_SHA1);
    c.consumers = CUSTOS__HASHRING_USER(0);
    custos__hashring_new(&r, &c, &err);
    k.r = r;
    custos__hashring_add_thread(r, packer, &k);
    custos__hashring_add_thread(r, packer, &k);
    custos__hashring_add_thread(r, writer, &k);
    is_status(custos__hashring_run(r, &err), CUSTOS_OK, &err, "pass with consumers");
    ok(k.len == N && memcmp(k.out, input, N) == 0, "the writer saw every byte, in order");
    custos__hashring_free(r);

    /* A consumer's failure stops the pass with its status. */
    k.len = 0;
    k.fail_at_seq = 1;
    custos__hashring_new(&r, &c, &err);
    k.r = r;
    custos__hashring_add_thread(r, packer, &k);
    custos__hashring_add_thread(r, writer, &k);
    is_int(custos__hashring_run(r, &err), CUSTOS_E_REFUSED, "a consumer's failure is the pass's");
    is_str(err.message, "out: disk full", "its message too");
    custos__hashring_free(r);

    /* A read error stops every thread. */
    struct src bad = {N, 2 * 65536};
    c = config(&bad, CUSTOS_DIGEST_ALL);
    c.window_bytes = 4096;
    custos__hashring_new(&r, &c, &err);
    is_int(custos__hashring_run(r, &err), CUSTOS_E_IO, "a read error stops the pass");
    custos__hashring_free(r);

    /* A cancel is seen before the next read. */
    struct custos_progress p = {.cancelled = canc};
    cancel_after = 2;
    c = config(&s, CUSTOS_DIGEST_MD5);
    c.progress = &p;
    custos__hashring_new(&r, &c, &err);
    is_int(custos__hashring_run(r, &err), CUSTOS_E_INTERRUPTED, "a cancel interrupts the pass");
    ok(custos__hashring_bytes(r) < N, "before the end of the stream");
    custos__hashring_free(r);

    c.nslots = 1;
    is_int(custos__hashring_new(&r, &c, &err), CUSTOS_E_USAGE, "one slot is refused");
    free(k.out);
    return tap_done();
}
