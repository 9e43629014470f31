/* SPDX-License-Identifier: ISC */
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

int
main(void)
{
    tap_tmpdir();
    test_file();
    test_split();
    test_stream();
    is_str(custos_source_kind_name(CUSTOS_SOURCE_EWF), "ewf", "kind names");
    return tap_done();
}
