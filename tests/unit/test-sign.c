/* SPDX-License-Identifier: ISC */
#include "custos/sign.h"

#include <openssl/evp.h>

#include "key_private.h"
#include "tap.h"

static void
test_pae(void)
{
    struct custos_error err;
    uint8_t *pae;
    size_t n;
    custos_error_clear(&err);
    /* The DSSE protocol document's example. */
    is_status(custos_sign_pae("http://example.com/HelloWorld", "hello world", 11, &pae, &n, &err),
              CUSTOS_OK, &err, "pae");
    const char want[] = "DSSEv1 29 http://example.com/HelloWorld 11 hello world";
    ok(n == strlen(want) && memcmp(pae, want, n) == 0, "PAE matches the DSSE example");
    free(pae);
    is_status(custos_sign_pae("has space", "x", 1, &pae, &n, &err), CUSTOS_E_USAGE, &err,
              "purpose with a space refused");
    is_status(custos_sign_pae("", "x", 1, &pae, &n, &err), CUSTOS_E_USAGE, &err,
              "empty purpose refused");
}

static void
test_sign_verify(void)
{
    struct custos_error err;
    struct custos_key *k, *other, *pub;
    uint8_t sig[CUSTOS_SIG_SIZE], spki[CUSTOS_KEY_SPKI_SIZE];
    const char msg[] = "{\"v\":1,\"seq\":0}";
    custos_error_clear(&err);
    custos_key_generate(&k, "Alice Chen", "custodian", &err);
    custos_key_generate(&other, "Bob Wu", "custodian", &err);
    custos_key_spki(k, spki);
    custos_key_from_spki(&pub, spki, sizeof(spki), NULL, NULL, &err);

    is_status(custos_sign(k, CUSTOS_PURPOSE_LEDGER_ENTRY, msg, strlen(msg), sig, &err), CUSTOS_OK,
              &err, "sign");
    is_status(custos_sign_verify(pub, CUSTOS_PURPOSE_LEDGER_ENTRY, msg, strlen(msg), sig, &err),
              CUSTOS_OK, &err, "verify with the public key");
    is_status(custos_sign_verify(pub, CUSTOS_PURPOSE_SEAL, msg, strlen(msg), sig, &err),
              CUSTOS_E_UNTRUSTED, &err, "ledger signature does not verify as a seal signature");
    is_status(custos_sign_verify(pub, CUSTOS_PURPOSE_LEDGER_ENTRY, msg, strlen(msg) - 1, sig, &err),
              CUSTOS_E_UNTRUSTED, &err, "shortened message fails");
    is_status(custos_sign_verify(other, CUSTOS_PURPOSE_LEDGER_ENTRY, msg, strlen(msg), sig, &err),
              CUSTOS_E_UNTRUSTED, &err, "another key fails");
    has_str(err.message, "does not verify", "message says so");
    is_status(custos_sign_verify_raw(pub, msg, strlen(msg), sig, &err), CUSTOS_E_UNTRUSTED, &err,
              "a PAE signature is not a raw signature");
    sig[10] ^= 1;
    is_status(custos_sign_verify(pub, CUSTOS_PURPOSE_LEDGER_ENTRY, msg, strlen(msg), sig, &err),
              CUSTOS_E_UNTRUSTED, &err, "flipped signature bit fails");
    is_status(custos_sign(pub, CUSTOS_PURPOSE_SEAL, msg, 1, sig, &err), CUSTOS_E_USAGE, &err,
              "public-only key cannot sign");

    /* Base64 round trip and strictness. */
    char b64[CUSTOS_SIG_B64_SIZE];
    uint8_t back[CUSTOS_SIG_SIZE];
    custos_sign(k, CUSTOS_PURPOSE_SEAL, "", 0, sig, &err);
    custos_sig_to_base64(sig, b64);
    is_int(strlen(b64), 88, "88 base64 characters");
    is_status(custos_sig_from_base64(b64, 88, back, &err), CUSTOS_OK, &err, "decode");
    ok(memcmp(sig, back, sizeof(sig)) == 0, "round trip");
    is_status(custos_sig_from_base64(b64, 87, back, &err), CUSTOS_E_CORRUPT, &err,
              "short base64 refused");
    b64[86] = b64[86] == 'A' ? 'B' : 'A'; /* non-zero padding bits or another value */
    char b2[CUSTOS_SIG_B64_SIZE];
    memcpy(b2, b64, sizeof(b2));
    b2[3] = '*';
    is_status(custos_sig_from_base64(b2, 88, back, &err), CUSTOS_E_CORRUPT, &err,
              "bad character refused");

    /* Detached signature files. */
    const char manifest[] = "abc  data/file\n";
    custos_sign(k, CUSTOS_PURPOSE_MANIFEST, manifest, strlen(manifest), sig, &err);
    is_status(custos_sigfile_write("m.sig", k, CUSTOS_PURPOSE_MANIFEST, sig, &err), CUSTOS_OK, &err,
              "sigfile write");
    is_status(custos_sigfile_write("m.sig", k, CUSTOS_PURPOSE_MANIFEST, sig, &err),
              CUSTOS_E_REFUSED, &err, "sigfile not overwritten");
    struct custos_sigfile sf;
    is_status(custos_sigfile_load("m.sig", &sf, &err), CUSTOS_OK, &err, "sigfile read");
    is_str(sf.purpose, CUSTOS_PURPOSE_MANIFEST, "purpose read back");
    is_str(sf.key, custos_key_fingerprint(k), "key read back");
    is_status(custos_sign_verify_sigfile("m.sig", pub, CUSTOS_PURPOSE_MANIFEST, manifest,
                                         strlen(manifest), &err),
              CUSTOS_OK, &err, "sigfile verifies");
    is_status(custos_sign_verify_sigfile("m.sig", pub, CUSTOS_PURPOSE_SEAL, manifest,
                                         strlen(manifest), &err),
              CUSTOS_E_UNTRUSTED, &err, "sigfile for another purpose refused");
    is_status(custos_sign_verify_sigfile("m.sig", other, CUSTOS_PURPOSE_MANIFEST, manifest,
                                         strlen(manifest), &err),
              CUSTOS_E_UNTRUSTED, &err, "sigfile by another key refused");
    is_status(custos_sign_verify_sigfile("m.sig", pub, CUSTOS_PURPOSE_MANIFEST, "abc", 3, &err),
              CUSTOS_E_UNTRUSTED, &err, "sigfile over other bytes refused");
    tap_write("bad.sig", "custos-signature-v1\npurpose: x\n", 31);
    is_status(custos_sigfile_load("bad.sig", &sf, &err), CUSTOS_E_CORRUPT, &err,
              "truncated sigfile is corrupt");
    has_str(err.message, "line 3", "error names the line");

    /* Whole files. */
    tap_write("record.json", "{\"a\":1}\n", 8);
    is_status(custos_sign_file(k, CUSTOS_PURPOSE_RECORD, "record.json", "record.sig", &err),
              CUSTOS_OK, &err, "sign_file");
    is_status(
        custos_sign_verify_file(pub, CUSTOS_PURPOSE_RECORD, "record.json", "record.sig", &err),
        CUSTOS_OK, &err, "verify_file");
    tap_write("record.json.2", "{\"a\":2}\n", 8);
    is_status(
        custos_sign_verify_file(pub, CUSTOS_PURPOSE_RECORD, "record.json.2", "record.sig", &err),
        CUSTOS_E_UNTRUSTED, &err, "verify_file on changed bytes");
    is_status(custos_sign_file(k, CUSTOS_PURPOSE_RECORD, "record.json", "record.sig", &err),
              CUSTOS_E_REFUSED, &err, "sign_file does not overwrite");
    is_status(custos_sign_file(k, CUSTOS_PURPOSE_RECORD, "absent", "absent.sig", &err), CUSTOS_E_IO,
              &err, "sign_file on a missing file");

    custos_key_free(k);
    custos_key_free(other);
    custos_key_free(pub);
}

static void
test_sigfile_memory(void)
{
    struct custos_error err;
    struct custos_key *k;
    struct custos_sigfile sf, sf2;
    uint8_t sig[CUSTOS_SIG_SIZE];
    char text[CUSTOS_SIGFILE_TEXT_MAX];
    size_t n;
    custos_error_clear(&err);
    custos_key_generate(&k, "Alice Chen", "custodian", &err);
    custos_sign(k, CUSTOS_PURPOSE_SEAL, "tm", 2, sig, &err);
    is_status(custos_sigfile_text(k, CUSTOS_PURPOSE_SEAL, sig, text, &n, &err), CUSTOS_OK, &err,
              "sigfile text");
    is_int(n, strlen(text), "length reported");
    is_status(custos_sigfile_write("mem.sig", k, CUSTOS_PURPOSE_SEAL, sig, &err), CUSTOS_OK, &err,
              "sigfile written");
    is_status(custos_sigfile_load("mem.sig", &sf, &err), CUSTOS_OK, &err, "read back");
    is_status(custos_sigfile_parse("x.sig", text, n, &sf2, &err), CUSTOS_OK, &err,
              "parsed from memory (not NUL-terminated use)");
    ok(memcmp(&sf, &sf2, sizeof(sf)) == 0, "file and memory agree");
    is_status(custos_sigfile_parse("x.sig", text, n - 5, &sf2, &err), CUSTOS_E_CORRUPT, &err,
              "a cut signature file is corrupt");
    has_str(err.message, "x.sig", "message names the file");
    is_status(custos_sigfile_text(k, "bad purpose", sig, text, &n, &err), CUSTOS_E_USAGE, &err,
              "bad purpose refused");
    custos_key_free(k);
}

int
main(void)
{
    tap_tmpdir();
    test_pae();
    test_sign_verify();
    test_sigfile_memory();
    return tap_done();
}
