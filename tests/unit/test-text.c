/* SPDX-License-Identifier: ISC */
/*
 * test-text: the shared utility layer: the whole-file reader
 * (lib/readfile.c), the string builder (lib/strbuf.c) and the text/hex
 * module (lib/text.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "readfile_private.h"
#include "strbuf_private.h"
#include "text_private.h"

#include "tap.h"

static void
test_readfile(void)
{
    struct custos_error err;
    char *buf = NULL;
    size_t len = 0;
    unsigned mode = 0;
    tap_write("f.txt", "hello\n", 6);
    chmod("f.txt", 0640);
    is_status(custos__read_file("f.txt", 64, &buf, &len, &mode, &err), CUSTOS_OK, &err,
              "a small regular file is read");
    is_int(len, 6, "its length");
    is_str(buf, "hello\n", "its bytes, NUL-terminated");
    is_int(mode, 0640, "its permission bits");
    free(buf);

    is_status(custos__read_file("f.txt", 5, &buf, &len, NULL, &err), CUSTOS_E_CORRUPT, &err,
              "a file over the cap is refused");
    ok(buf == NULL, "no buffer on failure");

    if (symlink("f.txt", "link") == 0) {
        is_status(custos__read_small_file("link", 64, &buf, &len, &err), CUSTOS_E_IO, &err,
                  "a symbolic link is not followed");
        is_int(err.sys_errno, ELOOP, "ELOOP names why");
    }
    mkdir("d", 0700);
    is_status(custos__read_small_file("d", 64, &buf, &len, &err), CUSTOS_E_USAGE, &err,
              "a directory is a usage error");
    if (mkfifo("fifo", 0600) == 0)
        is_status(custos__read_small_file("fifo", 64, &buf, &len, &err), CUSTOS_E_IO, &err,
                  "a FIFO is refused without blocking");
    is_status(custos__read_small_file("missing", 64, &buf, &len, &err), CUSTOS_E_IO, &err,
              "a missing file");
    is_int(err.sys_errno, ENOENT, "ENOENT kept");
    tap_write("empty", "", 0);
    is_status(custos__read_small_file("empty", 64, &buf, &len, &err), CUSTOS_OK, &err,
              "an empty file is read");
    ok(buf != NULL && len == 0 && buf[0] == '\0', "as an empty string");
    free(buf);
}

static void
test_strbuf(void)
{
    struct custos__sb b = {0};
    char *t = custos__sb_take(&b);
    is_str(t, "", "nothing added gives \"\"");
    free(t);
    for (int i = 0; i < 1000; i++)
        custos__sb_printf(&b, "%04d,", i);
    is_int(b.len, 5000, "grows past its first capacity");
    ok(strncmp(b.p + 4995, "0999,", 5) == 0, "appends in order");
    custos__sb_add(&b, "a\0b", 3);
    is_int(b.len, 5003, "bytes with a NUL");
    t = custos__sb_take(&b);
    ok(t != NULL && b.p == NULL && b.len == 0, "take empties the builder");
    free(t);
    b.oom = 1;
    custos__sb_puts(&b, "x");
    ok(custos__sb_take(&b) == NULL, "after a failed allocation, take gives NULL");
}

static void
test_text(void)
{
    struct custos_error err;
    uint8_t bytes[3] = {0x00, 0xab, 0xff}, back[3];
    char hex[7];
    custos_hex_encode(bytes, 3, hex);
    is_str(hex, "00abff", "hex encode, lowercase");
    is_status(custos_hex_decode("00ABff", back, 3, &err), CUSTOS_OK, &err, "decode either case");
    ok(memcmp(back, bytes, 3) == 0, "round trip");
    is_status(custos_hex_decode("00abf", back, 3, &err), CUSTOS_E_CORRUPT, &err, "odd length");
    is_status(custos_hex_decode("00abfg", back, 3, &err), CUSTOS_E_CORRUPT, &err, "non-hex");
    ok(custos__hex_lower("00abff", 6) && !custos__hex_lower("00ABFF", 6) &&
           !custos__hex_lower("00abf", 6),
       "lowercase hex of an exact length");

    ok(custos_utf8_valid("證物 café", strlen("證物 café")), "UTF-8 with CJK");
    ok(!custos_utf8_valid("caf\xe9", 4), "Latin-1 byte");
    ok(!custos_utf8_valid("\xc0\xaf", 2), "overlong form");
    ok(!custos_utf8_valid("\xed\xa0\x80", 3), "surrogate");
    ok(!custos_utf8_valid("a\0b", 3), "NUL");

    char disp[64];
    custos_path_display("a\\b\n\xe9證", strlen("a\\b\n\xe9證"), disp, sizeof(disp));
    is_str(disp, "a\\\\b\\n\\xe9證", "display: backslash doubled, controls and bad bytes escaped");
    custos_path_display("證證", 6, disp, 5);
    is_str(disp, "證", "cut at a character boundary");

    /* As JSON holds it: UTF-8 kept as it is (controls too), anything else in display form. */
    char *j = custos_utf8_or_display("證物\ta\\b");
    is_str(j, "證物\ta\\b", "JSON text: valid UTF-8 is copied unchanged");
    free(j);
    j = custos_utf8_or_display("caf\xe9\\x");
    is_str(j, "caf\\xe9\\\\x", "JSON text: other bytes in custos_path_display's form");
    free(j);

    char *a = custos__text_ascii_hex("caf\xe9\\x");
    is_str(a, "caf\\xe9\\x5cx", "ASCII-hex form of the acquisition record");
    free(a);

    struct custos__sb b = {0};
    custos__sb_html(&b, "<a href=\"x\">&'</a>");
    custos__sb_puts(&b, "|");
    custos__sb_xml(&b, "'&", 2);
    custos__sb_html(&b, NULL);
    char *t = custos__sb_take(&b);
    is_str(t, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;|&apos;&amp;", "HTML and XML");
    free(t);
}

int
main(void)
{
    tap_tmpdir();
    test_readfile();
    test_strbuf();
    test_text();
    return tap_done();
}
