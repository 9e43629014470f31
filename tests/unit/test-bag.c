/* SPDX-License-Identifier: ISC */
/*
 * test-bag: BagIt text files of the seal package (lib/bag.c): path rules,
 * manifest and bag-info parsing, Payload-Oxum.
 */
#include "bag_private.h"

#include "tap.h"

static void
test_paths(void)
{
    is_int(custos__bag_path_check("data/a/b.txt"), BAG_PATH_OK, "plain path");
    is_int(custos__bag_path_check("data/with space/é.txt"), BAG_PATH_OK, "spaces and UTF-8");
    is_int(custos__bag_path_check("/etc/passwd"), BAG_PATH_HOSTILE, "absolute");
    is_int(custos__bag_path_check("data/../x"), BAG_PATH_HOSTILE, "dot-dot component");
    is_int(custos__bag_path_check(".."), BAG_PATH_HOSTILE, "dot-dot alone");
    is_int(custos__bag_path_check("data/./x"), BAG_PATH_HOSTILE, "dot component");
    is_int(custos__bag_path_check("data//x"), BAG_PATH_HOSTILE, "empty component");
    is_int(custos__bag_path_check("data/x/"), BAG_PATH_HOSTILE, "trailing slash");
    is_int(custos__bag_path_check(""), BAG_PATH_HOSTILE, "empty");
    is_int(custos__bag_path_check("data/..x"), BAG_PATH_OK, "a name starting with two dots");
    is_int(custos__bag_path_check("data/a\nb"), BAG_PATH_NAME, "line feed");
    is_int(custos__bag_path_check("data/a\\b"), BAG_PATH_NAME, "backslash");
    is_int(custos__bag_path_check("data/100%"), BAG_PATH_NAME, "percent");
}

static void
test_manifest(void)
{
    struct custos_error err;
    struct bag_manifest m = {0};
    custos_error_clear(&err);
    const char *good =
        "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae  data/z\n"
        "486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7  data/a b\n";
    is_status(custos__bag_manifest_parse("m", good, strlen(good), &m, &err), CUSTOS_OK, &err,
              "two lines parse");
    is_int(m.n, 2, "two entries");
    is_str(m.v[0].path, "data/a b", "sorted, spaces kept");
    ok(custos__bag_manifest_find(&m, "data/z") != NULL, "find");
    ok(custos__bag_manifest_find(&m, "data/y") == NULL, "find a missing path");
    is_int(m.v[1].sha256[0], 0x2c, "hash bytes");
    struct bag_buf b = {0};
    custos__bag_manifest_text(&m, &b);
    has_str(b.p, "  data/a b\n", "written as sha256sum writes");
    custos__bag_buf_free(&b);
    custos__bag_manifest_free(&m);

    static const char *const bad[] = {
        "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae data/one-space\n",
        "2C26B46B68FFC68FF99B453C1D30413413422D706483BFA0F98A5E886266E7AE  data/upper\n",
        "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7  data/short\n",
        "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae  data/x\r\n",
        "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae  data/../x\n",
        "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae  data/no-newline",
        "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae  data/d\n"
        "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae  data/d\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct bag_manifest m2 = {0};
        is_status(custos__bag_manifest_parse("m.txt", bad[i], strlen(bad[i]), &m2, &err),
                  CUSTOS_E_CORRUPT, &err, "malformed manifest %zu refused", i);
        custos__bag_manifest_free(&m2);
    }
    has_str(err.message, "listed twice", "a duplicate is named");
}

static void
test_info(void)
{
    struct custos_error err;
    struct bag_info info = {0};
    custos_error_clear(&err);
    const char *t = "Payload-Oxum: 12.3\nCustos-Signer: custodian aa\nCustos-Signer: witness bb\n";
    is_status(custos__bag_info_parse("bag-info.txt", t, strlen(t), &info, &err), CUSTOS_OK, &err,
              "bag-info parses");
    is_int(info.n, 3, "three lines");
    is_str(custos__bag_info_get(&info, "Custos-Signer"), "custodian aa",
           "first of a repeated label");
    ok(custos__bag_info_get(&info, "Nope") == NULL, "absent label");
    custos__bag_info_free(&info);
    static const char *const bad[] = {"No colon\n", "Label:no-space\n", " Cont: x\n",
                                      "Label: \n",  "Label: a\tb\n",    "Label: x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct bag_info i2 = {0};
        is_status(custos__bag_info_parse("bag-info.txt", bad[i], strlen(bad[i]), &i2, &err),
                  CUSTOS_E_CORRUPT, &err, "malformed bag-info %zu refused", i);
        custos__bag_info_free(&i2);
    }
    has_str(err.message, "bag-info.txt", "message names the file");
    uint64_t o, f;
    ok(custos__bag_oxum_parse("1048620.2", &o, &f) == 0 && o == 1048620 && f == 2, "oxum");
    ok(custos__bag_oxum_parse("0.0", &o, &f) == 0 && o == 0 && f == 0, "empty oxum");
    ok(custos__bag_oxum_parse("12", &o, &f) != 0, "no dot");
    ok(custos__bag_oxum_parse("-1.2", &o, &f) != 0, "negative");
    ok(custos__bag_oxum_parse("1.2.3", &o, &f) != 0, "two dots");
    ok(custos__bag_oxum_parse("99999999999999999999.1", &o, &f) != 0, "overflow");
    ok(custos__bag_value_ok("order 2026/117") && !custos__bag_value_ok("") &&
           !custos__bag_value_ok("a\nb"),
       "values: one line, not empty");
}

/* The foreign-bag manifest grammar (RFC 8493 2.1.3), the one verify and seal share. */
static void
test_fmanifest(void)
{
    struct custos_error err;
    custos_error_clear(&err);
    struct bag_buf warn = {0};
    struct bag_fmanifest m = {0};
    const char *good = "900150983CD24FB0D6963F7D28E17F72\t data/a%0Ab\r\n"
                       "900150983cd24fb0d6963f7d28e17f72 *./data/c%25d\r"
                       "900150983cd24fb0d6963f7d28e17f72  data/%7Ee\n";
    is_status(custos__bag_fmanifest_parse("manifest-md5.txt", good, strlen(good),
                                          custos__bag_alg("md5"), 1, "0.97", &m, &warn, &err),
              CUSTOS_OK, &err, "tabs, upper-case hex, CRLF, CR, '*' and './' parse");
    is_int(m.n, 3, "three entries");
    is_str(m.v[0].path, "data/%7Ee", "%%7E is not decoded (only %%0A %%0D %%25)");
    is_str(m.v[1].path, "data/a\nb", "%%0A is a line feed");
    is_str(m.v[2].path, "data/c%d", "%%25 is a percent sign, the ./ dropped");
    ok(m.v[1].digest[0] == 0x90 && m.v[1].digest[15] == 0x72, "the digest decoded");
    ok(warn.p != NULL && strstr(warn.p, "\"./\"") && strstr(warn.p, "\"*\""),
       "'./' and '*' are warned of");
    custos__bag_fmanifest_free(&m);
    static const char *const bad[] = {
        "900150983cd24fb0d6963f7d28e17f72  ../x\n",
        "900150983cd24fb0d6963f7d28e17f72  /etc/passwd\n",
        "900150983cd24fb0d6963f7d28e17f72  ~root/x\n",
        "900150983cd24fb0d6963f7d28e17f72  data/../../x\n",
        "900150983cd24fb0d6963f7d28e17f72  other/x\n",
        "900150983cd24fb0d6963f7d28e17f7  data/x\n",
        "900150983cd24fb0d6963f7d28e17f72data/x\n",
        "900150983cd24fb0d6963f7d28e17f72  data/x\n\n900150983cd24fb0d6963f7d28e17f72  data/y\n",
        "900150983cd24fb0d6963f7d28e17f72  data/x\n000150983cd24fb0d6963f7d28e17f72  data/x\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct bag_fmanifest m2 = {0};
        is_status(custos__bag_fmanifest_parse("manifest-md5.txt", bad[i], strlen(bad[i]),
                                              custos__bag_alg("md5"), 1, "0.97", &m2, &warn,
                                              &err),
                  CUSTOS_E_CORRUPT, &err, "bad manifest %zu refused", i);
        custos__bag_fmanifest_free(&m2);
    }
    const char *twice = "900150983cd24fb0d6963f7d28e17f72  data/x\n"
                        "900150983cd24fb0d6963f7d28e17f72  data/x\n";
    is_status(custos__bag_fmanifest_parse("manifest-md5.txt", twice, strlen(twice),
                                          custos__bag_alg("md5"), 1, "0.97", &m, &warn, &err),
              CUSTOS_OK, &err, "before 1.0, one path twice with one digest is a warning");
    custos__bag_fmanifest_free(&m);
    is_status(custos__bag_fmanifest_parse("manifest-md5.txt", twice, strlen(twice),
                                          custos__bag_alg("md5"), 1, "1.0", &m, &warn, &err),
              CUSTOS_E_CORRUPT, &err, "in 1.0 it is an error");
    custos__bag_fmanifest_free(&m);
    const char *tag = "900150983cd24fb0d6963f7d28e17f72  data/x\n";
    is_status(custos__bag_fmanifest_parse("tagmanifest-md5.txt", tag, strlen(tag),
                                          custos__bag_alg("md5"), 0, "1.0", &m, &warn, &err),
              CUSTOS_E_CORRUPT, &err, "a tag manifest may not list the payload");
    custos__bag_fmanifest_free(&m);
    ok(custos__bag_alg("sha512") == 5 && custos__bag_alg("sha3") < 0, "algorithm names");
    custos__bag_buf_free(&warn);
}

int
main(void)
{
    tap_tmpdir();
    test_paths();
    test_manifest();
    test_info();
    test_fmanifest();
    return tap_done();
}
