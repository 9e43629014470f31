/* SPDX-License-Identifier: ISC */
#include "custos/manifest.h"

#include <fcntl.h>
#include <unistd.h>

#include "tap.h"

static char *
slurp(const char *path)
{
    static char buf[65536];
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    return buf;
}

static void
add_file(struct custos_manifest *m, const char *path, size_t len, const char *content)
{
    struct custos_manifest_entry e;
    struct custos_digest *d;
    struct custos_error err;
    memset(&e, 0, sizeof(e));
    e.path = (char *)path;
    e.path_len = len;
    e.type = CUSTOS_ENTRY_FILE;
    e.size_bytes = strlen(content);
    e.partition = -1;
    e.mtime.set = true;
    e.mtime.sec = 1700000000;
    e.mtime.nsec = 5;
    custos_digest_new(&d, custos_manifest_algs(m), &err);
    custos_digest_update(d, content, strlen(content));
    custos_digest_final(d, &e.digest);
    custos_digest_free(d);
    e.mime = "text/plain";
    custos_manifest_add(m, &e);
}

static void
test_names(void)
{
    char buf[256];
    custos_path_display("a b", 3, buf, sizeof(buf));
    is_str(buf, "a b", "spaces pass");
    custos_path_display("a\nb", 3, buf, sizeof(buf));
    is_str(buf, "a\\nb", "newline escaped");
    custos_path_display("a\\nb", 4, buf, sizeof(buf));
    is_str(buf, "a\\\\nb", "backslash doubled, so it differs from a newline");
    custos_path_display("bad\xff", 4, buf, sizeof(buf));
    is_str(buf, "bad\\xff", "invalid byte as \\xHH");
    custos_path_display("caf\xc3\xa9", 5, buf, sizeof(buf));
    is_str(buf, "caf\xc3\xa9", "valid UTF-8 passes");
    ok(custos_utf8_valid("caf\xc3\xa9", 5), "utf8 valid");
    ok(!custos_utf8_valid("\xc0\xaf", 2), "overlong refused");
    ok(!custos_utf8_valid("\xed\xa0\x80", 3), "surrogate refused");
    ok(!custos_utf8_valid("\xe2\x82", 2), "truncated refused");
}

static void
test_time(void)
{
    struct custos_time t = {true, 1700000000, 123456789}, u;
    char buf[48];
    custos_time_format(&t, buf, sizeof(buf));
    is_str(buf, "2023-11-14T22:13:20.123456789Z", "time with nanoseconds");
    is_int(custos_time_parse(buf, &u), CUSTOS_OK, "parse back");
    ok(u.sec == t.sec && u.nsec == t.nsec, "round trip");
    t.nsec = 0;
    custos_time_format(&t, buf, sizeof(buf));
    is_str(buf, "2023-11-14T22:13:20Z", "whole seconds");
    is_int(custos_time_parse("2023-11-14T22:13:20.5Z", &u), CUSTOS_OK, "short fraction");
    is_int(u.nsec, 500000000, "fraction scaled");
    is_int(custos_time_parse("2023-11-14 22:13:20", &u), CUSTOS_E_CORRUPT, "no Z refused");
}

static void
test_roundtrip(void)
{
    struct custos_manifest *m, *r;
    struct custos_error err;
    static const char nl[] = "dir/new\nline", bad[] = "dir/bad\xff\xfe", bs[] = "dir/back\\slash";
    is_status(custos_manifest_new(&m, CUSTOS_DIGEST_MD5 | CUSTOS_DIGEST_SHA256, &err), CUSTOS_OK,
              &err, "new");
    add_file(m, nl, sizeof(nl) - 1, "one");
    add_file(m, bad, sizeof(bad) - 1, "two");
    add_file(m, bs, sizeof(bs) - 1, "abc");
    add_file(m, "dir/a b", 7, "");
    struct custos_manifest_entry l;
    memset(&l, 0, sizeof(l));
    l.path = "dir/link";
    l.path_len = 8;
    l.type = CUSTOS_ENTRY_SYMLINK;
    l.target = "\xff target";
    l.target_len = 8;
    l.partition = -1;
    is_int(custos_manifest_add(m, &l), CUSTOS_OK, "add symlink");
    custos_manifest_sort(m);
    is_int(custos_manifest_count(m), 5, "five entries");
    is_str(custos_manifest_entry(m, 0)->path, "dir/a b", "sorted by bytes");

    is_status(custos_manifest_save(m, "m.json", CUSTOS_MANIFEST_JSON), CUSTOS_OK,
              custos_manifest_error(m), "save json");
    is_int(custos_manifest_save(m, "m.json", CUSTOS_MANIFEST_JSON), CUSTOS_E_REFUSED,
           "existing output refused");
    char *text = slurp("m.json");
    has_str(text, "\"path\": \"dir/new\\nline\"", "newline name is a JSON escape");
    has_str(text, "\"path_base64\": \"ZGlyL2JhZP/+\"", "non-UTF-8 name in base64");
    has_str(text, "\"path\": \"dir/bad\\\\xff\\\\xfe\"", "beside its display form");
    has_str(text, "\"format\": \"custos-manifest\"", "format named");
    has_str(text,
            "\"sha256\": \"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"",
            "sha256 of abc");

    is_status(custos_manifest_load(&r, "m.json", &err), CUSTOS_OK, &err, "open");
    is_int(custos_manifest_count(r), 5, "five read back");
    is_int(custos_manifest_algs(r), CUSTOS_DIGEST_MD5 | CUSTOS_DIGEST_SHA256, "algorithms");
    int same = 1;
    for (size_t i = 0; i < 5; i++) {
        const struct custos_manifest_entry *a = custos_manifest_entry(m, i);
        const struct custos_manifest_entry *b = custos_manifest_entry(r, i);
        same &= a->path_len == b->path_len && memcmp(a->path, b->path, a->path_len) == 0;
        same &= a->type == b->type && a->size_bytes == b->size_bytes;
        same &= a->digest.algs == b->digest.algs &&
                (a->digest.algs == 0 || custos_digest_equal(&a->digest, &b->digest));
        same &= a->mtime.sec == b->mtime.sec && a->mtime.nsec == b->mtime.nsec;
        same &= a->target_len == b->target_len &&
                (a->target_len == 0 || memcmp(a->target, b->target, a->target_len) == 0);
    }
    ok(same, "every name byte, digest, time and target survives the round trip");

    /* The same manifest written twice gives the same bytes (what a signature covers). */
    custos_manifest_save(r, "again.json", CUSTOS_MANIFEST_JSON);
    char first[65536];
    snprintf(first, sizeof(first), "%s", slurp("m.json"));
    /* created/generator are kept from the file read */
    is_str(slurp("again.json"), first, "rewriting a read manifest gives identical bytes");
    custos_manifest_free(r);

    is_status(custos_manifest_save(m, "sums", CUSTOS_MANIFEST_SHA256SUM), CUSTOS_OK,
              custos_manifest_error(m), "save sha256sum");
    text = slurp("sums");
    has_str(
        text,
        "\\ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  dir/back\\\\slash\n",
        "backslash escaped the coreutils way");
    has_str(text, "  dir/new\\nline\n", "newline escaped");
    has_str(text, "  dir/bad\xff\xfe\n", "other bytes unchanged");
    ok(strstr(text, "dir/link") == NULL, "symlinks are not in the sums");
    is_int(custos_manifest_save(m, "sha1", CUSTOS_MANIFEST_SHA1SUM), CUSTOS_E_USAGE,
           "sha1sum needs sha1");
    ok(access("sha1", F_OK) != 0, "nothing published on failure");
    is_int(custos_manifest_save(m, "hd", CUSTOS_MANIFEST_HASHDEEP), CUSTOS_E_UNSUPPORTED,
           "hashdeep refuses a newline name");
    has_str(custos_manifest_error(m)->message, "dir/new\\nline", "and names it");
    is_status(custos_manifest_save(m, "x.xml", CUSTOS_MANIFEST_DFXML), CUSTOS_OK,
              custos_manifest_error(m), "save dfxml");
    text = slurp("x.xml");
    has_str(text, "<filename>dir/bad\\xFF\\xFE</filename>", "dfxml: bytes escaped as fiwalk does");
    has_str(text, "<hashdigest type='sha256'>ba7816bf", "dfxml digest");
    custos_manifest_free(m);

    enum custos_manifest_format f;
    is_int(custos_manifest_format_parse("HASHDEEP", &f, &err), CUSTOS_OK, "format names");
    is_int(f, CUSTOS_MANIFEST_HASHDEEP, "hashdeep parsed");
    is_int(custos_manifest_format_parse("xml", &f, &err), CUSTOS_E_USAGE, "unknown format");
}

static void
test_corrupt(void)
{
    struct custos_manifest *m;
    struct custos_error err;
    static const struct {
        const char *name, *text;
        int want;
        const char *msg;
    } cases[] = {
        {"notjson", "{", CUSTOS_E_CORRUPT, "line"},
        {"other", "{\"format\":\"x\"}", CUSTOS_E_CORRUPT, "not a custos manifest"},
        {"v2",
         "{\"format\":\"custos-manifest\",\"version\":2,\"digests\":[\"sha256\"],\"entries\":[]}",
         CUSTOS_E_UNSUPPORTED, "version 2"},
        {"badhex",
         "{\"format\":\"custos-manifest\",\"version\":1,\"digests\":[\"md5\"],\"entries\":"
         "[{\"path\":\"a\",\"type\":\"file\",\"size\":1,\"md5\":\"zz\"}]}",
         CUSTOS_E_CORRUPT, "entry 1: bad \"md5\""},
        {"nodigest",
         "{\"format\":\"custos-manifest\",\"version\":1,\"digests\":[\"md5\"],\"entries\":"
         "[{\"path\":\"a\",\"type\":\"file\",\"size\":1}]}",
         CUSTOS_E_CORRUPT, "entry 1: file without"},
        {"badtype",
         "{\"format\":\"custos-manifest\",\"version\":1,\"digests\":[\"md5\"],\"entries\":"
         "[{\"path\":\"a\",\"type\":\"door\"}]}",
         CUSTOS_E_CORRUPT, "unknown \"type\""},
        {"nul64",
         "{\"format\":\"custos-manifest\",\"version\":1,\"digests\":[\"md5\"],\"entries\":"
         "[{\"path\":\"a\",\"path_base64\":\"YQBi\",\"type\":\"special\"}]}",
         CUSTOS_E_CORRUPT, "bad \"path\""},
        {"mimenum",
         "{\"format\":\"custos-manifest\",\"version\":1,\"digests\":[\"md5\"],\"entries\":"
         "[{\"path\":\"a\",\"type\":\"special\",\"mime\":5}]}",
         CUSTOS_E_CORRUPT, "entry 1: \"error\", \"mime\", \"description\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tap_write(cases[i].name, cases[i].text, strlen(cases[i].text));
        is_int(custos_manifest_load(&m, cases[i].name, &err), cases[i].want, "%s refused",
               cases[i].name);
        has_str(err.message, cases[i].msg, "%s: message", cases[i].name);
    }
    is_int(custos_manifest_load(&m, "absent.json", &err), CUSTOS_E_IO, "absent file");
}

/* Entries' type texts are copied once per distinct text and shared (issue 15). */
static void
test_shared_texts(void)
{
    struct custos_manifest *m, *l;
    struct custos_error err;
    struct custos_manifest_entry e;
    char path[32], mime[32], desc[32];
    is_int(custos_manifest_new(&m, CUSTOS_DIGEST_MD5, &err), CUSTOS_OK, "new");
    memset(&e, 0, sizeof(e));
    e.type = CUSTOS_ENTRY_SPECIAL;
    e.partition = -1;
    e.path = path;
    e.mime = mime;
    e.description = desc;
    e.kind = "fifo";
    /* 300 entries, 150 distinct descriptions: the pool grows past its first table. */
    for (int i = 0; i < 300; i++) {
        e.path_len = (size_t)snprintf(path, sizeof(path), "f%03d", i);
        snprintf(mime, sizeof(mime), "%s", i % 2 ? "text/plain" : "application/octet-stream");
        snprintf(desc, sizeof(desc), "kind %d", i % 150);
        if (custos_manifest_add(m, &e) != CUSTOS_OK)
            break;
    }
    strcpy(mime, "changed by the caller");
    is_int((int)custos_manifest_count(m), 300, "300 entries added");
    int texts = 0, shared = 0, distinct = 0;
    for (size_t i = 0; i < 300; i++) {
        const struct custos_manifest_entry *x = custos_manifest_entry(m, i);
        const struct custos_manifest_entry *y = custos_manifest_entry(m, (i + 150) % 300);
        const struct custos_manifest_entry *z = custos_manifest_entry(m, (i + 1) % 300);
        snprintf(desc, sizeof(desc), "kind %zu", i % 150);
        texts += strcmp(x->description, desc) == 0 &&
                 strcmp(x->mime, i % 2 ? "text/plain" : "application/octet-stream") == 0 &&
                 strcmp(x->kind, "fifo") == 0;
        shared += x->description == y->description && x->mime == y->mime && x->kind == z->kind;
        distinct += x->description != z->description && x->mime != z->mime;
    }
    is_int(texts, 300, "every entry keeps its own texts (copied, not the caller's buffers)");
    is_int(shared, 300, "equal texts are one copy");
    is_int(distinct, 300, "different texts are different copies");
    /* The same holds for a manifest read back. */
    is_int(custos_manifest_save(m, "shared.json", CUSTOS_MANIFEST_JSON), CUSTOS_OK, "saved");
    is_int(custos_manifest_load(&l, "shared.json", &err), CUSTOS_OK, "loaded");
    ok(l != NULL && custos_manifest_count(l) == 300 &&
           strcmp(custos_manifest_entry(l, 7)->description, "kind 7") == 0 &&
           custos_manifest_entry(l, 7)->description == custos_manifest_entry(l, 157)->description,
       "loaded entries share their texts");
    custos_manifest_free(l);
    custos_manifest_free(m);
}

int
main(void)
{
    tap_tmpdir();
    test_names();
    test_time();
    test_roundtrip();
    test_corrupt();
    test_shared_texts();
    return tap_done();
}
