/* SPDX-License-Identifier: ISC */
#include "custos/tree.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <magic.h>

#include "filetype_private.h"
#include "tap.h"

#define ABC_SHA256 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static const struct custos_manifest_entry *
find(const struct custos_manifest *m, const char *path)
{
    for (size_t i = 0; i < custos_manifest_count(m); i++)
        if (strcmp(custos_manifest_entry(m, i)->path, path) == 0)
            return custos_manifest_entry(m, i);
    return NULL;
}

/*
 * The MIME type custos__filetype gives, often without asking libmagic for it
 * (implied by the description), equals libmagic's own MIME answer, and the
 * description equals libmagic's: for buffers and for open files.
 */
static void
check_types(void)
{
    static const struct {
        const char *what;
        const char *bytes;
        size_t len;
    } c[] = {
        {"empty", "", 0},
        {"binary data", "\x01\x9b\xfe\x00\x42\x13\x37\xc8\x00\x07\xff\x80", 12},
        {"ASCII text", "hello\n", 6},
        {"text, CRLF", "a b\r\nc d\r\n", 10},
        {"UTF-8 text", "\xe8\xad\x89\xe6\x93\x9a \xe4\xbf\x9d\xe5\x85\xa8\n", 14},
        {"UTF-16 text", "\xff\xfeh\0i\0\n\0", 8},
        {"latin-1 text", "caf\xe9 cr\xe8me\n", 11},
        {"no line end", "no newline at all", 17},
        {"shell script", "#!/bin/sh\necho hi\n", 19},
        {"CSV", "a,b,c\n1,2,3\n4,5,6\n", 18},
        {"JSON", "{\"a\": [1, 2]}\n", 14},
        {"HTML", "<!DOCTYPE html>\n<html><body>x</body></html>\n", 44},
        {"gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00",
         20},
        {"PNG signature", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0", 29},
    };
    struct custos__filetype *t = NULL;
    struct custos_error err;
    is_status(custos__filetype_new(&t, &err), CUSTOS_OK, &err, "libmagic starts");
    magic_t mime = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS);
    magic_t desc = magic_open(MAGIC_NO_CHECK_COMPRESS);
    ok(mime != NULL && desc != NULL && magic_load(mime, NULL) == 0 && magic_load(desc, NULL) == 0,
       "reference cookies");
    int implied = 0;
    for (size_t i = 0; t != NULL && i < sizeof(c) / sizeof(c[0]); i++) {
        char *m = NULL, *d = NULL;
        custos__filetype_buffer(t, c[i].bytes, c[i].len, &m, &d);
        const char *rm = magic_buffer(mime, c[i].bytes, c[i].len);
        is_str(m, rm, "%s: buffer MIME type as libmagic's", c[i].what);
        is_str(d, magic_buffer(desc, c[i].bytes, c[i].len), "%s: buffer description", c[i].what);
        implied += d != NULL && custos__filetype_mime_of(d) != NULL;
        free(m);
        free(d);
        tap_write("typed", c[i].bytes, c[i].len);
        int fd = open("typed", O_RDONLY);
        custos__filetype_fd(t, fd, &m, &d);
        lseek(fd, 0, SEEK_SET);
        is_str(m, magic_descriptor(mime, fd), "%s: file MIME type as libmagic's", c[i].what);
        lseek(fd, 0, SEEK_SET);
        is_str(d, magic_descriptor(desc, fd), "%s: file description", c[i].what);
        close(fd);
        unlink("typed");
        free(m);
        free(d);
    }
    ok(implied >= 7, "most of these took one libmagic walk (%d)", implied);
    ok(custos__filetype_mime_of("ASCII text, ASCII text") == NULL &&
           custos__filetype_mime_of("HTML document, ASCII text") == NULL &&
           custos__filetype_mime_of("data file") == NULL,
       "a description that only looks plain is asked about");
    magic_close(mime);
    magic_close(desc);
    custos__filetype_free(t);
}

static int
stop_now(void *ctx)
{
    (void)ctx;
    return 1;
}

static struct custos_manifest *
run(const char *const *paths, size_t n, unsigned jobs, int want, const char *what)
{
    struct custos_manifest *m;
    struct custos_error err;
    struct custos_hash_options o = {jobs, false};
    custos_manifest_new(&m, CUSTOS_DIGEST_SHA256 | CUSTOS_DIGEST_MD5, &err);
    is_status(custos_tree_hash(m, paths, n, &o, NULL, &err), want, &err, "%s", what);
    return m;
}

int
main(void)
{
    tap_tmpdir();
    check_types();
    mkdir("t", 0755);
    mkdir("t/sub", 0755);
    tap_write("t/abc", "abc", 3);
    tap_write("t/empty", "", 0);
    tap_write("t/sub/nl\nname", "abc", 3);
    for (int i = 0; i < 50; i++) {
        char p[64];
        snprintf(p, sizeof(p), "t/sub/f%02d", i);
        tap_write(p, p, strlen(p));
    }
    symlink("abc", "t/link");
    symlink("loop2", "t/loop1");
    symlink("loop1", "t/loop2");
    symlink("..", "t/sub/up");
    mkfifo("t/fifo", 0644);

    const char *one[] = {"t/"};
    struct custos_manifest *m1 = run(one, 1, 1, CUSTOS_OK, "one thread");
    const char *two[] = {"t", "t/sub"};
    struct custos_manifest *m4 = run(two, 2, 4, CUSTOS_OK, "four threads, nested operand");
    is_int(custos_manifest_count(m1), 58, "50 files + abc, empty, nl + 4 links + fifo");
    is_int(custos_manifest_count(m4), custos_manifest_count(m1), "nested operand recorded once");
    int same = 1;
    for (size_t i = 0; i < custos_manifest_count(m1); i++) {
        const struct custos_manifest_entry *a = custos_manifest_entry(m1, i);
        const struct custos_manifest_entry *b = custos_manifest_entry(m4, i);
        same &= strcmp(a->path, b->path) == 0 && a->digest.algs == b->digest.algs;
        if (a->digest.algs)
            same &= custos_digest_equal(&a->digest, &b->digest);
    }
    ok(same, "same entries in the same order whatever the thread count");

    const struct custos_manifest_entry *e = find(m1, "t/abc");
    char hex[CUSTOS_DIGEST_HEX_MAX];
    ok(e != NULL && e->type == CUSTOS_ENTRY_FILE, "trailing slash dropped: t/abc");
    if (e != NULL) {
        custos_digest_hex(&e->digest, CUSTOS_DIGEST_SHA256, hex);
        is_str(hex, ABC_SHA256, "sha256 of abc");
        is_str(e->mime, "text/plain", "mime from libmagic");
    }
    e = find(m1, "t/sub/nl\nname");
    ok(e != NULL && e->digest.algs != 0, "a name with a newline is hashed");
    e = find(m1, "t/empty");
    ok(e != NULL && e->size_bytes == 0 && e->digest.algs != 0, "empty file hashed");
    e = find(m1, "t/link");
    ok(e != NULL && e->type == CUSTOS_ENTRY_SYMLINK && strcmp(e->target, "abc") == 0,
       "symlink recorded with its target");
    e = find(m1, "t/sub/up");
    ok(e != NULL && e->type == CUSTOS_ENTRY_SYMLINK, "a link to .. is not followed");
    e = find(m1, "t/loop1");
    ok(e != NULL && e->type == CUSTOS_ENTRY_SYMLINK, "symlink loop recorded, not followed");
    e = find(m1, "t/fifo");
    ok(e != NULL && e->type == CUSTOS_ENTRY_SPECIAL && strcmp(e->kind, "fifo") == 0,
       "fifo listed as special, never opened");
    custos_manifest_free(m1);
    custos_manifest_free(m4);

    const char *absent[] = {"t/abc", "no-such"};
    struct custos_manifest *m = run(absent, 2, 2, CUSTOS_E_INCOMPLETE, "absent operand");
    e = find(m, "no-such");
    ok(e != NULL && e->status == CUSTOS_E_INCOMPLETE, "absent operand recorded as unreadable");
    has_str(e ? e->error : NULL, "no-such: cannot stat: No such file", "with its reason");
    ok(find(m, "t/abc") != NULL, "the rest is still hashed");
    custos_manifest_free(m);

    const char *lnk[] = {"t/link"};
    m = run(lnk, 1, 1, CUSTOS_OK, "a symlink operand");
    ok(custos_manifest_count(m) == 1 && custos_manifest_entry(m, 0)->type == CUSTOS_ENTRY_SYMLINK,
       "operand symlink is recorded, not followed");
    custos_manifest_free(m);

    struct custos_error err;
    struct custos_progress p = {.cancelled = stop_now};
    custos_manifest_new(&m, CUSTOS_DIGEST_SHA256, &err);
    is_int(custos_tree_hash(m, one, 1, NULL, &p, &err), CUSTOS_E_INTERRUPTED,
           "cancellation stops the run");
    custos_manifest_free(m);
    return tap_done();
}
