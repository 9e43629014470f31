/* SPDX-License-Identifier: ISC */
#include "custos/atomicfile.h"
#include "custos/staging.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "staging_private.h"
#include "tap.h"

static int
count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    if (d != NULL)
        closedir(d);
    return n;
}

static void
test_atomicfile(void)
{
    struct custos_error err;
    struct custos_atomicfile *f;
    struct stat st;

    custos_error_clear(&err);
    is_status(custos_atomicfile_create(&f, "out.bin", 0600, &err), CUSTOS_OK, &err, "create");
    ok(stat("out.bin", &st) != 0, "final name absent while writing");
    is_int(count_entries("."), 1, "one temporary file");
    is_status(custos_atomicfile_write(f, "hello", 5), CUSTOS_OK, custos_atomicfile_error(f),
              "write");
    is_status(custos_atomicfile_close(f), CUSTOS_OK, custos_atomicfile_error(f), "close");
    is_int(custos_atomicfile_close(f), CUSTOS_E_USAGE, "second close refused");
    custos_atomicfile_free(f);
    ok(stat("out.bin", &st) == 0 && st.st_size == 5, "published with its content");
    is_int(st.st_mode & 0777, 0600, "mode 0600 kept");
    is_int(count_entries("."), 1, "no temporary file left");

    is_int(custos_atomicfile_create(&f, "out.bin", 0644, &err), CUSTOS_E_REFUSED,
           "existing output refused");
    has_str(err.message, "out.bin: already exists", "message names the file");
    ok(f == NULL, "no handle on refusal");

    if (symlink("nowhere", "dangling") == 0) {
        is_int(custos_atomicfile_create(&f, "dangling", 0644, &err), CUSTOS_E_REFUSED,
               "dangling symlink refused");
    }

    /* Abandoned: freeing without close removes the temporary file. */
    is_status(custos_atomicfile_create(&f, "abandoned", 0644, &err), CUSTOS_OK, &err, "create 2");
    custos_atomicfile_write(f, "x", 1);
    custos_atomicfile_free(f);
    ok(stat("abandoned", &st) != 0, "abandoned output never published");
    is_int(count_entries("."), 2, "abandoned temporary removed");

    /* A race: the final name appears while we write. */
    is_status(custos_atomicfile_create(&f, "race", 0644, &err), CUSTOS_OK, &err, "create 3");
    tap_write("race", "theirs", 6);
    is_int(custos_atomicfile_close(f), CUSTOS_E_REFUSED, "rename refuses to replace");
    custos_atomicfile_free(f);
    ok(stat("race", &st) == 0 && st.st_size == 6, "their file untouched");

    is_int(custos_atomicfile_create(&f, "no/such/dir/x", 0644, &err), CUSTOS_E_IO,
           "missing directory is an I/O error");

    is_status(custos_write_file_new("small", "abc", 3, 0644, &err), CUSTOS_OK, &err,
              "write_file_new");
    is_int(custos_write_file_new("small", "abc", 3, 0644, &err), CUSTOS_E_REFUSED,
           "write_file_new refuses to overwrite");
}

static void
test_staging(void)
{
    struct custos_error err;
    struct custos_staging *s;
    struct stat st;
    char path[4096];

    if (mkdir("st", 0755) != 0)
        return;
    is_status(custos_staging_create(&s, "st", &err), CUSTOS_OK, &err, "staging create");
    snprintf(path, sizeof(path), "%s/a", custos_staging_dir(s));
    tap_write(path, "A", 1);
    snprintf(path, sizeof(path), "%s/b", custos_staging_dir(s));
    tap_write(path, "B", 1);
    is_status(custos_staging_add(s, "a", "st/a.out"), CUSTOS_OK, custos_staging_error(s), "add a");
    is_status(custos_staging_add(s, "b", "st/b.out"), CUSTOS_OK, custos_staging_error(s), "add b");
    is_int(custos_staging_add(s, "x/y", "st/c"), CUSTOS_E_USAGE, "names with / refused");
    ok(stat("st/a.out", &st) != 0, "nothing published before publish");
    is_status(custos_staging_publish(s), CUSTOS_OK, custos_staging_error(s), "publish");
    custos_staging_free(s);
    ok(stat("st/a.out", &st) == 0 && stat("st/b.out", &st) == 0, "both published");
    is_int(count_entries("st"), 2, "staging directory removed");

    /* All or nothing: the second final name appears before publish. */
    is_status(custos_staging_create(&s, "st", &err), CUSTOS_OK, &err, "staging create 2");
    snprintf(path, sizeof(path), "%s/c", custos_staging_dir(s));
    tap_write(path, "C", 1);
    snprintf(path, sizeof(path), "%s/d", custos_staging_dir(s));
    tap_write(path, "D", 1);
    custos_staging_add(s, "c", "st/c.out");
    custos_staging_add(s, "d", "st/d.out");
    tap_write("st/d.out", "theirs", 6);
    is_int(custos_staging_publish(s), CUSTOS_E_REFUSED, "publish refuses to overwrite");
    ok(stat("st/c.out", &st) != 0, "the first file was moved back: nothing half-published");
    custos_staging_free(s);
    is_int(count_entries("st"), 3, "abandoned staging removed");
}

/* Batches (an acquisition's images, then its record), and a batch taken back. */
static void
test_staging_batches(void)
{
    struct custos_staging *s;
    struct custos_error err;
    struct stat st;
    char path[4096];
    const char *name, *final;

    if (mkdir("sb", 0755) != 0)
        return;
    is_status(custos_staging_create(&s, "sb", &err), CUSTOS_OK, &err, "staging create");
    snprintf(path, sizeof(path), "%s/img", custos_staging_dir(s));
    tap_write(path, "I", 1);
    custos_staging_add(s, "img", "sb/img.out");
    is_status(custos__staging_publish_batch(s), CUSTOS_OK, custos_staging_error(s), "batch 1");
    ok(stat("sb/img.out", &st) == 0, "batch 1 published");
    snprintf(path, sizeof(path), "%s/rec", custos_staging_dir(s));
    tap_write(path, "R", 1);
    is_status(custos_staging_add(s, "rec", "sb/rec.out"), CUSTOS_OK, custos_staging_error(s),
              "add after a batch");
    is_int((int)custos__staging_count(s), 2, "two entries");
    custos__staging_entry(s, 1, &name, &final);
    ok(strcmp(name, "rec") == 0 && strcmp(final, "sb/rec.out") == 0, "entry 1: rec");
    tap_write("sb/rec.out", "theirs", 6);
    is_int(custos__staging_publish_batch(s), CUSTOS_E_REFUSED, "batch 2 refuses to overwrite");
    ok(stat("sb/img.out", &st) == 0, "a failed batch leaves the one before published");
    custos__staging_withdraw(s, 0);
    snprintf(path, sizeof(path), "%s/img", custos_staging_dir(s));
    ok(stat("sb/img.out", &st) != 0 && stat(path, &st) == 0, "withdrawn: back in staging");
    is_int((int)custos__staging_count(s), 0, "withdrawn entries forgotten");
    custos_staging_free(s);
    is_int(count_entries("sb"), 1, "staging removed; only their file stays");
}

/* Leftovers of killed runs are reported with their age and never removed. */
static void
test_leftovers(void)
{
    struct custos_error err;
    custos_error_clear(&err);
    mkdir("lo", 0755);
    mkdir("lo/.custos.incomplete-Ab12Cd", 0700);
    tap_write("lo/.disk.E01.incomplete-Zz9Yy8", "x", 1);
    tap_write("lo/pkg.tar.incomplete-Qq1Ww2", "x", 1);
    tap_write("lo/notes.incomplete-txt", "x", 1); /* a user's file: too long a tail */
    tap_write("lo/.incomplete-abcdef", "x", 1);   /* also not ours */
    tap_write("lo/done.E01", "x", 1);
    time_t two_h = time(NULL) - 7200 - 5;
    struct timespec ts[2] = {{two_h, 0}, {two_h, 0}};
    utimensat(AT_FDCWD, "lo/.custos.incomplete-Ab12Cd", ts, 0);
    is_int(custos_leftovers_scan("lo", NULL, NULL, &err), 3, "three leftovers found");
    is_int(custos_leftovers_scan("no-such-dir", NULL, NULL, &err), -1, "unreadable dir: -1");
    char buf[4096] = "";
    FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
    is_int(custos_leftovers_warn("custos-test", "lo/new.E01", f), 3, "warn reports three");
    fclose(f);
    has_str(buf,
            "custos-test: lo/.custos.incomplete-Ab12Cd: left by an interrupted run 2 h 0 min ago",
            "names the staging directory and its age");
    has_str(buf, "rm -r", "says how to remove it");
    has_str(buf, "lo/.disk.E01.incomplete-Zz9Yy8", "names the temporary file");
    ok(strstr(buf, "notes.incomplete-txt") == NULL, "a user's similar name is left out");
    is_int(count_entries("lo"), 6, "nothing was deleted");
    struct stat st;
    ok(stat("lo/.custos.incomplete-Ab12Cd", &st) == 0, "the staging directory is still there");
}

int
main(void)
{
    tap_tmpdir();
    test_atomicfile();
    test_staging();
    test_staging_batches();
    test_leftovers();
    return tap_done();
}
