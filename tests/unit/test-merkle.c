/* SPDX-License-Identifier: ISC */
#include "custos/checkpoint.h"
#include "custos/merkle.h"
#include "custos/digest.h"
#include "custos/sign.h"

#include <openssl/evp.h>

#include "base64_private.h"
#include "key_private.h"
#include "merkle_private.h"
#include "tap.h"

/* The classic RFC 6962 test leaves and the roots of their prefixes. */
static const char *const leaves_hex[] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};
static const char *const roots_hex[] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void
hex(const uint8_t *b, char *out)
{
    custos_hex_encode(b, 32, out);
}

static struct custos_merkle *
classic(void)
{
    struct custos_merkle *m;
    struct custos_error err;
    custos_merkle_new(&m, &err);
    for (int i = 0; i < 8; i++) {
        uint8_t buf[16];
        size_t n = strlen(leaves_hex[i]) / 2;
        custos_hex_decode(leaves_hex[i], buf, n, &err);
        custos_merkle_append_leaf(m, buf, n);
    }
    return m;
}

static void
test_roots_and_proofs(void)
{
    struct custos_error err;
    struct custos_merkle *m = classic();
    uint8_t root[32], path[CUSTOS_MERKLE_PROOF_MAX][32];
    char h[65];
    size_t len;
    custos_error_clear(&err);

    custos_merkle_root(m, 0, root);
    hex(root, h);
    is_str(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "empty root");
    for (int n = 1; n <= 8; n++) {
        custos_merkle_root(m, (uint64_t)n, root);
        hex(root, h);
        is_str(h, roots_hex[n - 1], "RFC 6962 root of %d leaves", n);
    }
    is_int(custos_merkle_root(m, 9, root), CUSTOS_E_USAGE, "root beyond size refused");

    /* Known proofs (certificate-transparency test vectors). */
    custos_merkle_inclusion(m, 0, 8, path, &len);
    is_int(len, 3, "inclusion of leaf 0 in 8 has 3 hashes");
    hex(path[0], h);
    is_str(h, "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "path[0]");
    hex(path[2], h);
    is_str(h, "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4", "path[2]");
    custos_merkle_consistency(m, 3, 7, path, &len);
    is_int(len, 4, "consistency 3 -> 7 has 4 hashes");
    hex(path[0], h);
    is_str(h, "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7", "proof[0]");
    hex(path[3], h);
    is_str(h, "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e", "proof[3]");
    custos_merkle_free(m);

    /* Every proof in trees up to 33 leaves verifies, and a damaged one does not. */
    custos_merkle_new(&m, &err);
    int bad_incl = 0, bad_cons = 0, caught = 0, total = 0;
    for (int i = 0; i < 33; i++) {
        char leaf[16];
        snprintf(leaf, sizeof(leaf), "leaf %d", i);
        custos_merkle_append_leaf(m, leaf, strlen(leaf));
    }
    for (uint64_t n = 1; n <= 33; n++) {
        uint8_t rn[32];
        custos_merkle_root(m, n, rn);
        for (uint64_t i = 0; i < n; i++) {
            uint8_t lh[32];
            char leaf[16];
            snprintf(leaf, sizeof(leaf), "leaf %d", (int)i);
            custos_merkle_leaf_hash(leaf, strlen(leaf), lh);
            custos_merkle_inclusion(m, i, n, path, &len);
            if (custos_merkle_verify_inclusion(lh, i, n, path, len, rn, &err) != CUSTOS_OK)
                bad_incl++;
            if (len > 0) {
                path[len / 2][7] ^= 0x40;
                total++;
                caught += custos_merkle_verify_inclusion(lh, i, n, path, len, rn, &err) ==
                          CUSTOS_E_UNTRUSTED;
            }
            uint8_t rm[32];
            custos_merkle_root(m, i + 1, rm);
            custos_merkle_consistency(m, i + 1, n, path, &len);
            if (custos_merkle_verify_consistency(i + 1, n, rm, rn, path, len, &err) != CUSTOS_OK)
                bad_cons++;
            if (len > 0) {
                path[len - 1][0] ^= 1;
                total++;
                caught += custos_merkle_verify_consistency(i + 1, n, rm, rn, path, len, &err) ==
                          CUSTOS_E_UNTRUSTED;
            }
        }
    }
    is_int(bad_incl, 0, "all inclusion proofs up to 33 leaves verify");
    is_int(bad_cons, 0, "all consistency proofs up to 33 leaves verify");
    is_int(caught, total, "every damaged proof is rejected (%d)", total);
    uint8_t r5[32], r6[32];
    custos_merkle_root(m, 5, r5);
    custos_merkle_root(m, 6, r6);
    custos_merkle_consistency(m, 5, 6, path, &len);
    is_status(custos_merkle_verify_consistency(5, 6, r6, r6, path, len, &err), CUSTOS_E_UNTRUSTED,
              &err, "consistency against a wrong old root fails");
    is_status(custos_merkle_verify_consistency(6, 6, r5, r6, path, 0, &err), CUSTOS_E_UNTRUSTED,
              &err, "same size, different roots is a fork");
    custos_merkle_truncate(m, 4);
    is_int(custos_merkle_size(m), 4, "truncate");
    custos_merkle_free(m);
}

static void
test_note_known_answer(void)
{
    /* Go's golang.org/x/mod/sumdb/note example key and signature. */
    struct custos_error err;
    uint8_t skey[33];
    size_t n;
    custos__b64_decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", 44, skey, sizeof(skey), &n);
    EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, skey + 1, 32);
    struct custos_key *k;
    is_status(custos__key_wrap(&k, pk, 1, &err), CUSTOS_OK, &err, "wrap the example key");
    const char text[] = "If you think cryptography is the answer to your problem,\n"
                        "then you don't know what your problem is.\n";
    uint8_t sig[64], want[68];
    custos_sign_raw(k, text, strlen(text), sig, &err);
    custos__b64_decode("x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdn"
                       "gotpRZb6KE6RyyBwJnAM=",
                       92, want, sizeof(want), &n);
    ok(n == 68 && memcmp(sig, want + 4, 64) == 0, "raw Ed25519 signature equals the Go note one");
    /* Key ID: SHA-256("PeterNeumann\n" 0x01 raw)[:4] = c74f20a3. */
    uint8_t raw[32], buf[64], md[32];
    custos_key_raw(k, raw);
    memcpy(buf, "PeterNeumann\n\x01", 14);
    memcpy(buf + 14, raw, 32);
    EVP_Digest(buf, 46, md, NULL, EVP_sha256(), NULL);
    ok(memcmp(md, "\xc7\x4f\x20\xa3", 4) == 0 && memcmp(want, md, 4) == 0, "key ID c74f20a3");
    custos_key_free(k);
}

static void
test_checkpoint(void)
{
    struct custos_error err;
    struct custos_key *log, *wit, *other;
    struct custos_checkpoint cp;
    char *note = NULL, *cosigned = NULL;
    uint8_t root[32];
    int found;
    uint64_t t;
    custos_error_clear(&err);
    custos_key_generate(&log, "Rec Order", "recorder", &err);
    custos_key_generate(&wit, "Wit Ness", "witness", &err);
    custos_key_generate(&other, "O Ther", "witness", &err);
    memset(root, 0xab, sizeof(root));
    is_status(custos_checkpoint_sign("has space", 3, root, log, &note, &err), CUSTOS_E_USAGE, &err,
              "origin with a space refused");
    is_status(custos_checkpoint_sign("custos.invalid/ledger/x", 3, root, log, &note, &err),
              CUSTOS_OK, &err, "sign a checkpoint");
    has_str(note,
            "custos.invalid/ledger/x\n3\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n\n"
            "\xe2\x80\x94 custos.invalid/key/",
            "note layout");
    is_status(custos_checkpoint_parse(note, strlen(note), &cp, &err), CUSTOS_OK, &err, "parse");
    is_int(cp.size, 3, "size");
    ok(memcmp(cp.root, root, 32) == 0, "root");
    is_status(custos_checkpoint_verify_key(&cp, log, &found, &t, &err), CUSTOS_OK, &err,
              "log signature verifies");
    is_int(found, 1, "one signature by the log key");
    custos_checkpoint_verify_key(&cp, other, &found, &t, &err);
    is_int(found, 0, "unknown keys are ignored");
    is_status(custos_checkpoint_cosign(&cp, wit, 1795000000, &cosigned, &err), CUSTOS_OK, &err,
              "cosign");
    custos_checkpoint_clear(&cp);
    custos_checkpoint_parse(cosigned, strlen(cosigned), &cp, &err);
    is_int(cp.nsigs, 2, "two signature lines");
    is_status(custos_checkpoint_verify_key(&cp, wit, &found, &t, &err), CUSTOS_OK, &err,
              "cosignature verifies");
    ok(found == 1 && t == 1795000000, "cosignature time read back");
    custos_checkpoint_clear(&cp);

    /* Tampering. */
    char *bad = strdup(note);
    bad[strlen("custos.invalid/ledger/x\n")] = '4';
    custos_checkpoint_parse(bad, strlen(bad), &cp, &err);
    is_status(custos_checkpoint_verify_key(&cp, log, &found, &t, &err), CUSTOS_E_UNTRUSTED, &err,
              "changed size fails the signature");
    custos_checkpoint_clear(&cp);
    free(bad);
    is_status(custos_checkpoint_parse("a\n1\n", 4, &cp, &err), CUSTOS_E_CORRUPT, &err,
              "no blank line");
    const char *four =
        "o\n1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\nx\n\n\xe2\x80\x94 k AAAAAAA=\n";
    is_status(custos_checkpoint_parse(four, strlen(four), &cp, &err), CUSTOS_E_CORRUPT, &err,
              "extension lines refused");
    free(note);
    free(cosigned);
    custos_key_free(log);
    custos_key_free(wit);
    custos_key_free(other);
}

/*
 * The compact range (merkle_private.h) gives, at every size, the root the
 * full tree gives: the RFC 6962 vectors for 0..8 leaves, then every size up
 * to 600 (powers of two and the sizes around them included), its subtree
 * count is the popcount of the size, and the full tree's consistency proofs
 * connect the compact roots of several prefixes.
 */
static void
test_compact(void)
{
    struct custos_error err;
    struct custos__merkle_compact c;
    uint8_t root[32], full[32];
    char h[65];
    custos__merkle_compact_init(&c);
    custos__merkle_compact_root(&c, root);
    hex(root, h);
    is_str(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
           "compact: empty root");
    for (int i = 0; i < 8; i++) {
        uint8_t buf[16], lh[32];
        size_t n = strlen(leaves_hex[i]) / 2;
        custos_hex_decode(leaves_hex[i], buf, n, &err);
        custos_merkle_leaf_hash(buf, n, lh);
        custos__merkle_compact_append(&c, lh);
        custos__merkle_compact_root(&c, root);
        hex(root, h);
        is_str(h, roots_hex[i], "compact: RFC 6962 root of %d leaves", i + 1);
    }

    enum { N = 600 };
    static uint8_t roots[N + 1][32];
    struct custos_merkle *m;
    custos_merkle_new(&m, &err);
    custos__merkle_compact_init(&c);
    custos__merkle_compact_root(&c, roots[0]);
    int bad = -1, badlen = -1;
    for (int n = 1; n <= N; n++) {
        char leaf[32];
        uint8_t lh[32];
        int len = snprintf(leaf, sizeof(leaf), "leaf %d", n - 1);
        custos_merkle_append_leaf(m, leaf, (size_t)len);
        custos_merkle_leaf_hash(leaf, (size_t)len, lh);
        custos__merkle_compact_append(&c, lh);
        custos__merkle_compact_root(&c, roots[n]);
        custos_merkle_root(m, (uint64_t)n, full);
        if (bad < 0 && memcmp(roots[n], full, 32) != 0)
            bad = n;
        if (badlen < 0 && c.len != (size_t)__builtin_popcount((unsigned)n))
            badlen = n;
    }
    is_int(bad, -1, "compact root equals the full tree's at every size 1..%d (first bad size)", N);
    is_int(badlen, -1, "compact range holds one subtree per set bit of the size (first bad size)");
    is_int(c.n, N, "compact range counted %d leaves", N);
    static const int sizes[] = {3, 5, 6, 7, 100, 255, 256, 257, 383, 511, 512, 513, 599};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        int n = sizes[i];
        custos_merkle_root(m, (uint64_t)n, full);
        ok(memcmp(roots[n], full, 32) == 0, "compact root of %d leaves", n);
        uint8_t path[CUSTOS_MERKLE_PROOF_MAX][32];
        size_t len;
        custos_merkle_consistency(m, (uint64_t)n, N, path, &len);
        is_status(custos_merkle_verify_consistency((uint64_t)n, N, roots[n], roots[N],
                                                   (const uint8_t(*)[32])path, len, &err),
                  CUSTOS_OK, &err, "consistency proof joins compact roots %d and %d", n, N);
    }
    custos_merkle_free(m);
}

int
main(void)
{
    tap_tmpdir();
    test_roots_and_proofs();
    test_compact();
    test_note_known_answer();
    test_checkpoint();
    return tap_done();
}
