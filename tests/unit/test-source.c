/* SPDX-License-Identifier: ISC */
#include "custos/acquire.h"
#include "custos/source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tap.h"

static void
fill(uint8_t *b, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 31 + seed + (i >> 9));
}

static void
test_file(void)
{
    static uint8_t data[10000], buf[10000];
    struct custos_error err;
    struct custos_source *s;
    size_t got;
    fill(data, sizeof(data), 1);
    tap_write("medium.bin", data, sizeof(data));
    is_status(custos_source_open(&s, "medium.bin", &err), CUSTOS_OK, &err, "open file");
    const struct custos_source_info *i = custos_source_info(s);
    is_int(i->kind, CUSTOS_SOURCE_FILE, "kind file");
    is_int(i->size_bytes, sizeof(data), "size");
    is_int(i->logical_sector_bytes, 512, "default sector size");
    is_status(custos_source_read(s, 1000, buf, 5000, 0, &got), CUSTOS_OK, custos_source_error(s),
              "read middle");
    ok(got == 5000 && memcmp(buf, data + 1000, 5000) == 0, "bytes at an offset");
    custos_source_read(s, 9000, buf, 5000, 0, &got);
    is_int(got, 1000, "short read only at the end");
    custos_source_free(s);

    struct stat before, after;
    stat("medium.bin", &before);
    is_int(custos_source_open(&s, "no-such-file", &err), CUSTOS_E_IO, "missing source");
    has_str(err.message, "no-such-file: cannot open source", "message names the file");
    mkdir("adir", 0755);
    is_int(custos_source_open(&s, "adir", &err), CUSTOS_E_UNSUPPORTED, "a directory is refused");
    stat("medium.bin", &after);
    ok(before.st_mtime == after.st_mtime && before.st_size == after.st_size,
       "the source is untouched");
}

static void
test_split(void)
{
    static uint8_t data[3000], buf[3000];
    struct custos_error err;
    struct custos_source *s;
    size_t got;
    fill(data, sizeof(data), 7);
    tap_write("set.001", data, 1024);
    tap_write("set.002", data + 1024, 1024);
    tap_write("set.003", data + 2048, 952);
    is_status(custos_source_open(&s, "set.001", &err), CUSTOS_OK, &err, "open split set");
    const struct custos_source_info *i = custos_source_info(s);
    is_int(i->kind, CUSTOS_SOURCE_SPLIT_RAW, "kind split");
    is_int(i->segment_count, 3, "three segments");
    is_int(i->size_bytes, 3000, "size is the sum");
    is_status(custos_source_read(s, 1000, buf, 2000, 0, &got), CUSTOS_OK, custos_source_error(s),
              "read across segments");
    ok(got == 2000 && memcmp(buf, data + 1000, 2000) == 0, "bytes across the boundaries");
    custos_source_free(s);

    tap_write("gap.001", data, 10);
    tap_write("gap.002", data, 10);
    tap_write("gap.004", data, 10);
    is_int(custos_source_open(&s, "gap.001", &err), CUSTOS_E_CORRUPT, "a missing segment");
    has_str(err.message, "segment 3", "names the missing segment");
}

static void
test_stream(void)
{
    int fds[2];
    static uint8_t data[200000], buf[200000];
    struct custos_error err;
    struct custos_source *s;
    size_t got, total = 0;
    fill(data, sizeof(data), 3);
    if (pipe(fds) != 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        ssize_t w = write(fds[1], data, sizeof(data));
        _exit(w == (ssize_t)sizeof(data) ? 0 : 1);
    }
    close(fds[1]);
    int saved = dup(0);
    dup2(fds[0], 0);
    close(fds[0]);
    is_status(custos_source_open(&s, "-", &err), CUSTOS_OK, &err, "open standard input");
    dup2(saved, 0);
    close(saved);
    is_int(custos_source_info(s)->kind, CUSTOS_SOURCE_STREAM, "kind stream");
    is_int(custos_source_info(s)->size_known, 0, "size unknown");
    is_int(custos_source_read(s, 5, buf, 10, 0, &got), CUSTOS_E_USAGE, "streams read in order");
    while (custos_source_read(s, total, buf + total, 65536, 0, &got) == CUSTOS_OK && got > 0)
        total += got;
    is_int(total, sizeof(data), "all bytes of the stream");
    ok(memcmp(buf, data, sizeof(data)) == 0, "stream bytes intact");
    custos_source_free(s);
    waitpid(pid, NULL, 0);
}

/*
 * An E01 written by custos_acquire (fast compression: text chunks deflated,
 * random ones stored with their Adler-32), read back in many shapes: whole
 * chunks on several cores, unaligned and partial reads through libewf's own
 * reader, the medium's short last chunk; then one chunk damaged.
 */
#define EWF_MEDIUM (4u * 1024 * 1024 + 4096) /* the last 32 KiB chunk is short */

static void
test_ewf(void)
{
    uint8_t *data = malloc(EWF_MEDIUM), *buf = malloc(EWF_MEDIUM);
    for (size_t i = 0; i < EWF_MEDIUM; i++) /* alternate 64 KiB of text and of noise */
        data[i] = (i >> 16) % 2 == 0 ? (uint8_t) "evidence log line\n"[i % 18]
                                     : (uint8_t)((i * 2654435761u) >> 19);
    tap_write("ewf-medium.bin", data, EWF_MEDIUM);
    struct custos_acquire_options o;
    struct custos_acquisition *a = NULL;
    struct custos_error err;
    custos_acquire_options_init(&o);
    o.source = "ewf-medium.bin";
    o.output = "ewf.E01";
    o.no_authorisation = 1;
    o.verify = 0;
    is_status(custos_acquire(&o, NULL, &a, &err), CUSTOS_OK, &err, "E01 written");
    custos_acquisition_free(a);

    struct custos_source *s;
    size_t got;
    is_status(custos_source_open(&s, "ewf.E01", &err), CUSTOS_OK, &err, "open E01");
    is_int(custos_source_info(s)->kind, CUSTOS_SOURCE_EWF, "kind ewf");
    static const struct {
        uint64_t off;
        size_t len;
        const char *what;
    } reads[] = {
        {0, 1u << 20, "1 MiB of whole chunks"},
        {1u << 20, 3u * 32768 + 100, "whole chunks and part of one"},
        {3u * 32768, 32768, "one chunk"},
        {12345, 200000, "an unaligned read"},
        {EWF_MEDIUM - 4096 - 65536, 65536 + 4096, "up to the end, the short last chunk"},
        {0, EWF_MEDIUM, "the whole medium at once"},
    };
    for (size_t k = 0; k < sizeof(reads) / sizeof(reads[0]); k++) {
        memset(buf, 0xa5, EWF_MEDIUM);
        int rc = custos_source_read(s, reads[k].off, buf, reads[k].len, 0, &got);
        is_status(rc, CUSTOS_OK, custos_source_error(s), "%s", reads[k].what);
        ok(got == reads[k].len && memcmp(buf, data + reads[k].off, reads[k].len) == 0,
           "  the medium's bytes");
    }
    custos_source_free(s);

    /* Damage a byte in the middle of the segment file: inside some chunk's
     * stored data, deflated or not. The read must fail and name the chunk. */
    FILE *f = fopen("ewf.E01", "r+b");
    struct stat st;
    stat("ewf.E01", &st);
    long at = (long)st.st_size / 2;
    fseek(f, at, SEEK_SET);
    int c = fgetc(f);
    fseek(f, at, SEEK_SET);
    fputc(c ^ 0x5a, f);
    fclose(f);
    is_status(custos_source_open(&s, "ewf.E01", &err), CUSTOS_OK, &err, "open damaged E01");
    int rc = custos_source_read(s, 0, buf, EWF_MEDIUM, 0, &got);
    is_int(rc, CUSTOS_E_CORRUPT, "a damaged chunk fails the read");
    has_str(custos_source_error(s)->message, "damaged chunk", "  and says so");
    /* Chunk by chunk, exactly one fails, and every other reads right. */
    size_t bad = 0, right = 0, chunks = (EWF_MEDIUM + 32767) / 32768;
    for (size_t i = 0; i < chunks; i++) {
        size_t len = i + 1 < chunks ? 32768 : EWF_MEDIUM - i * 32768;
        if (custos_source_read(s, i * 32768, buf, len, 0, &got) != CUSTOS_OK)
            bad++;
        else if (memcmp(buf, data + i * 32768, len) == 0)
            right++;
    }
    is_int(bad, 1, "one chunk is damaged");
    is_int(right, chunks - 1, "every other chunk reads right");
    custos_source_free(s);
    free(data);
    free(buf);
}

int
main(void)
{
    tap_tmpdir();
    test_file();
    test_split();
    test_stream();
    test_ewf();
    is_str(custos_source_kind_name(CUSTOS_SOURCE_EWF), "ewf", "kind names");
    return tap_done();
}
