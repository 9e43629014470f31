/* SPDX-License-Identifier: ISC */
#include "custos/hashset.h"

#include "tap.h"

#define ABC_MD5    "900150983cd24fb0d6963f7d28e17f72"
#define ABC_SHA1   "a9993e364706816aba3e25717850c26c9cd0d89d"
#define ABC_SHA256 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static struct custos_digest_result
digest_of(const char *s, unsigned algs)
{
    struct custos_digest *d;
    struct custos_digest_result r;
    struct custos_error err;
    custos_digest_new(&d, algs, &err);
    custos_digest_update(d, s, strlen(s));
    custos_digest_final(d, &r);
    custos_digest_free(d);
    return r;
}

static void
check(const char *name, const char *text, unsigned algs, size_t count)
{
    struct custos_hashset *s;
    struct custos_error err;
    tap_write(name, text, strlen(text));
    is_status(custos_hashset_load(&s, name, &err), CUSTOS_OK, &err, "%s: open", name);
    if (s == NULL)
        return;
    is_int(custos_hashset_algs(s), algs, "%s: algorithms", name);
    is_int(custos_hashset_count(s), count, "%s: count", name);
    struct custos_digest_result abc = digest_of("abc", CUSTOS_DIGEST_ALL);
    struct custos_digest_result other = digest_of("abd", CUSTOS_DIGEST_ALL);
    ok(custos_hashset_contains(s, &abc), "%s: abc found", name);
    ok(!custos_hashset_contains(s, &other), "%s: abd not found", name);
    custos_hashset_free(s);
}

int
main(void)
{
    struct custos_hashset *s;
    struct custos_error err;
    tap_tmpdir();
    check("plain", "# comment\n\n" ABC_SHA256 "\nd41d8cd98f00b204e9800998ecf8427e\n",
          CUSTOS_DIGEST_SHA256 | CUSTOS_DIGEST_MD5, 2);
    check("sums", "\\" ABC_SHA1 "  back\\\\slash\n", CUSTOS_DIGEST_SHA1, 1);
    check("upper", "900150983CD24FB0D6963F7D28E17F72  x\r\n", CUSTOS_DIGEST_MD5, 1);
    check("hashdeep",
          "%%%% HASHDEEP-1.0\n%%%% size,md5,sha256,filename\n## x\n##\n3," ABC_MD5 "," ABC_SHA256
          ",/a,b\n",
          CUSTOS_DIGEST_MD5 | CUSTOS_DIGEST_SHA256, 2);
    check("manifest",
          "{\"format\":\"custos-manifest\",\"version\":1,\"digests\":[\"sha1\"],\"entries\":"
          "[{\"path\":\"a\",\"type\":\"file\",\"size\":3,\"sha1\":\"" ABC_SHA1 "\"}]}",
          CUSTOS_DIGEST_SHA1, 1);
    tap_write("bad", ABC_SHA256 "\nabc123\n", strlen(ABC_SHA256) + 8);
    is_int(custos_hashset_load(&s, "bad", &err), CUSTOS_E_CORRUPT, "a short digest refused");
    has_str(err.message, "bad: line 2: not an MD5", "message names the line");
    tap_write("badhd", "%%%% HASHDEEP-1.0\n%%%% size,tiger,filename\n",
              strlen("%%%% HASHDEEP-1.0\n%%%% size,tiger,filename\n"));
    is_int(custos_hashset_load(&s, "badhd", &err), CUSTOS_E_UNSUPPORTED, "tiger refused");
    is_int(custos_hashset_load(&s, "absent", &err), CUSTOS_E_IO, "absent file");
    return tap_done();
}
