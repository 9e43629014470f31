/* SPDX-License-Identifier: ISC */
/*
 * fuzz.h: what the libFuzzer harnesses share (docs/fuzzing.md).
 *
 * Readers that take a path get the input written to a file in a private
 * temporary directory, rewritten for every run. FUZZ_REQUIRE aborts (a
 * finding libFuzzer saves) when a security property fails: a changed signed
 * artifact reported valid is as much a bug as a crash.
 */
#ifndef CUSTOS_FUZZ_H
#define CUSTOS_FUZZ_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUZZ_REQUIRE(cond, what)                                                                   \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "custos fuzz: security property violated: %s\n", what);                \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char fuzz_dir[4096];
static char fuzz_files[8][4200];
static int fuzz_nfiles;

static void
fuzz_cleanup(void)
{
    for (int i = 0; i < fuzz_nfiles; i++)
        unlink(fuzz_files[i]);
    if (fuzz_dir[0] != '\0')
        rmdir(fuzz_dir);
}

/* Writes size bytes to NAME in the private directory (mode given); returns the path. */
static __attribute__((unused)) const char *
fuzz_file(const char *name, const void *data, size_t size, mode_t mode)
{
    if (fuzz_dir[0] == '\0') {
        const char *t = getenv("TMPDIR");
        snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/custos-fuzz-XXXXXX", t != NULL ? t : "/tmp");
        if (mkdtemp(fuzz_dir) == NULL)
            abort();
        atexit(fuzz_cleanup);
    }
    static char path[4200];
    snprintf(path, sizeof(path), "%s/%s", fuzz_dir, name);
    int known = 0;
    for (int i = 0; i < fuzz_nfiles; i++)
        known |= strcmp(fuzz_files[i], path) == 0;
    if (!known && fuzz_nfiles < 8)
        snprintf(fuzz_files[fuzz_nfiles++], sizeof(fuzz_files[0]), "%s", path);
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        abort();
    const uint8_t *p = data;
    while (size > 0) {
        ssize_t w = write(fd, p, size);
        if (w <= 0)
            abort();
        p += w;
        size -= (size_t)w;
    }
    fchmod(fd, mode);
    close(fd);
    return path;
}

/* Reads a file of the source tree (FUZZ_SOURCE_ROOT/rel) whole; NUL-terminated. */
static __attribute__((unused)) char *
fuzz_source_file(const char *rel, size_t *len)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s", FUZZ_SOURCE_ROOT, rel);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "custos fuzz: cannot read %s\n", path);
        abort();
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b == NULL || fread(b, 1, (size_t)n, f) != (size_t)n)
        abort();
    fclose(f);
    b[n] = '\0';
    if (len != NULL)
        *len = (size_t)n;
    return b;
}

#endif
