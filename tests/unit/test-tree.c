/* SPDX-License-Identifier: ISC */
#include "custos/tree.h"

#include <sys/stat.h>
#include <unistd.h>

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
    struct custos_progress p = {NULL, stop_now, NULL};
    custos_manifest_new(&m, CUSTOS_DIGEST_SHA256, &err);
    is_int(custos_tree_hash(m, one, 1, NULL, &p, &err), CUSTOS_E_INTERRUPTED,
           "cancellation stops the run");
    custos_manifest_free(m);
    return tap_done();
}
