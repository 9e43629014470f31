/* SPDX-License-Identifier: ISC */
#include "custos/digest.h"

#include "tap.h"

/* Known answers for "abc" (FIPS 180-2 and RFC 1321 test vectors). */
#define ABC_MD5    "900150983cd24fb0d6963f7d28e17f72"
#define ABC_SHA1   "a9993e364706816aba3e25717850c26c9cd0d89d"
#define ABC_SHA256 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

int
main(void)
{
    struct custos_error err;
    struct custos_digest *d;
    struct custos_digest_result r, r2;
    char hex[CUSTOS_DIGEST_HEX_MAX];

    custos_error_clear(&err);
    is_status(custos_digest_new(&d, CUSTOS_DIGEST_ALL, &err), CUSTOS_OK, &err, "new all");
    custos_digest_update(d, "a", 1);
    custos_digest_update(d, "bc", 2);
    custos_digest_final(d, &r);
    custos_digest_hex(&r, CUSTOS_DIGEST_MD5, hex);
    is_str(hex, ABC_MD5, "md5 of abc fed in two buffers");
    custos_digest_hex(&r, CUSTOS_DIGEST_SHA1, hex);
    is_str(hex, ABC_SHA1, "sha1 of abc");
    custos_digest_hex(&r, CUSTOS_DIGEST_SHA256, hex);
    is_str(hex, ABC_SHA256, "sha256 of abc");

    custos_digest_reset(d);
    custos_digest_update(d, "abc", 3);
    custos_digest_final(d, &r2);
    ok(custos_digest_equal(&r, &r2), "reset starts afresh");
    custos_digest_free(d);

    is_status(custos_digest_new(&d, CUSTOS_DIGEST_SHA1, &err), CUSTOS_OK, &err, "new sha1 only");
    custos_digest_update(d, "abc", 3);
    custos_digest_final(d, &r2);
    is_int(r2.algs, CUSTOS_DIGEST_SHA1, "only sha1 set");
    is_int(custos_digest_hex(&r2, CUSTOS_DIGEST_MD5, hex), CUSTOS_E_USAGE, "md5 absent");
    ok(custos_digest_equal(&r, &r2), "equal on the shared algorithm");
    r2.sha1[0] ^= 1;
    ok(!custos_digest_equal(&r, &r2), "a flipped bit is unequal");
    custos_digest_free(d);
    custos_digest_free(NULL);

    is_int(custos_digest_new(&d, 0, &err), CUSTOS_E_USAGE, "empty set refused");
    is_int(custos_digest_new(&d, 0x80, &err), CUSTOS_E_USAGE, "unknown bit refused");

    unsigned algs;
    is_status(custos_digest_parse("md5,SHA256", &algs, &err), CUSTOS_OK, &err, "parse list");
    is_int(algs, CUSTOS_DIGEST_MD5 | CUSTOS_DIGEST_SHA256, "parsed set");
    is_status(custos_digest_parse("all", &algs, &err), CUSTOS_OK, &err, "parse all");
    is_int(algs, CUSTOS_DIGEST_ALL, "all set");
    is_int(custos_digest_parse("md5,crc32", &algs, &err), CUSTOS_E_USAGE, "unknown word");
    has_str(err.message, "crc32", "message names the unknown word");
    is_int(custos_digest_parse("md5,md5", &algs, &err), CUSTOS_E_USAGE, "repeat refused");
    is_int(custos_digest_parse("md5,", &algs, &err), CUSTOS_E_USAGE, "trailing comma refused");
    is_int(custos_digest_parse("", &algs, &err), CUSTOS_E_USAGE, "empty refused");

    uint8_t bytes[3];
    is_status(custos_hex_decode("00fFa1", bytes, 3, &err), CUSTOS_OK, &err, "hex decode");
    is_int(bytes[1], 0xff, "decoded byte");
    is_int(custos_hex_decode("00fg00", bytes, 3, &err), CUSTOS_E_CORRUPT, "bad hex digit");
    is_int(custos_hex_decode("00", bytes, 3, &err), CUSTOS_E_CORRUPT, "short hex");
    custos_hex_encode(bytes, 0, hex);
    is_str(hex, "", "empty encode");
    is_str(custos_digest_name(CUSTOS_DIGEST_SHA256), "sha256", "names");
    is_int(custos_digest_strongest(CUSTOS_DIGEST_ALL), CUSTOS_DIGEST_SHA256, "strongest of all");
    is_int(custos_digest_strongest(CUSTOS_DIGEST_MD5 | CUSTOS_DIGEST_SHA1), CUSTOS_DIGEST_SHA1,
           "strongest of md5, sha1");
    is_int(custos_digest_strongest(CUSTOS_DIGEST_MD5), CUSTOS_DIGEST_MD5, "strongest of md5");
    is_int(custos_digest_strongest(0), 0, "strongest of none");
    is_int(custos_digest_size(CUSTOS_DIGEST_SHA1), 20, "sizes");

    /* custos_digest_file: a file larger than one read buffer, and a missing one. */
    tap_tmpdir();
    static char big[200000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = "abc"[i % 3];
    tap_write("big", big, sizeof(big));
    is_status(custos_digest_new(&d, CUSTOS_DIGEST_SHA256, &err), CUSTOS_OK, &err, "new sha256");
    custos_digest_update(d, big, sizeof(big));
    custos_digest_final(d, &r);
    custos_digest_free(d);
    is_status(custos_digest_file("big", CUSTOS_DIGEST_SHA256, &r2, &err), CUSTOS_OK, &err,
              "digest_file");
    ok(custos_digest_equal(&r, &r2), "digest_file equals the digest of the bytes");
    tap_write("abc", "abc", 3);
    custos_digest_file("abc", CUSTOS_DIGEST_ALL, &r2, &err);
    custos_digest_hex(&r2, CUSTOS_DIGEST_MD5, hex);
    is_str(hex, ABC_MD5, "digest_file md5 of abc");
    is_int(custos_digest_file("no-such-file", CUSTOS_DIGEST_SHA256, &r2, &err), CUSTOS_E_IO,
           "missing file");
    has_str(err.message, "no-such-file", "the message names the file");
    return tap_done();
}
