/* SPDX-License-Identifier: ISC */
#include "custos/tlog.h"
#include "custos/digest.h"

#include <openssl/evp.h>

#include "base64_private.h"
#include "tap.h"

static const char *const tessera_vkey =
    "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";
static const char *const tessera_entries[] = {
    "one",  "two", "three",  "four",  "five",     "six",     "seven",  "eit",
    "nain", "ten", "ileven", "twelf", "threeten", "fourten", "fivten",
};

static void
test_tile_paths(void)
{
    char p[128];
    custos_tlog_tile_path(0, 0, 256, p, sizeof(p));
    is_str(p, "tile/0/000", "tile 0");
    custos_tlog_tile_path(0, 1234067, 256, p, sizeof(p));
    is_str(p, "tile/0/x001/x234/067", "tile 1234067: groups of three, x-prefixed");
    custos_tlog_tile_path(2, 1000, 7, p, sizeof(p));
    is_str(p, "tile/2/x001/000.p/7", "partial tile at level 2");
    custos_tlog_tile_path(-1, 5, 3, p, sizeof(p));
    is_str(p, "tile/entries/005.p/3", "entry bundle");
}

/* A checkpoint file's size and root, read with the parser only (no signature check). */
static int
checkpoint_file(const char *path, uint64_t *size, uint8_t root[32])
{
    FILE *f = fopen(path, "rb");
    char buf[4096];
    size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
    if (f)
        fclose(f);
    struct custos_checkpoint cp;
    struct custos_error err;
    if (custos_checkpoint_parse(buf, n, &cp, &err) != CUSTOS_OK)
        return -1;
    *size = cp.size;
    memcpy(root, cp.root, 32);
    custos_checkpoint_clear(&cp);
    return 0;
}

static void
test_tessera(void)
{
    char dir[4200];
    snprintf(dir, sizeof(dir), "%s/tests/data/tlog-tessera", getenv("CUSTOS_SOURCE_ROOT"));
    struct custos_error err;
    struct custos_tlog_vkey v;
    is_status(custos_tlog_vkey_parse(tessera_vkey, &v, &err), CUSTOS_OK, &err,
              "Tessera's verifier key parses, its key hash checked");
    struct custos_tlog *t = NULL;
    is_status(custos_tlog_open(&t, dir, NULL, &v, &err), CUSTOS_OK, &err,
              "Tessera's test log: signature valid, tiles give the signed root");
    if (t == NULL)
        return;
    is_int((int)custos_tlog_checkpoint(t)->size, 15, "15 entries");
    int all = 1;
    for (uint64_t i = 0; i < 15; i++) {
        uint8_t *data, proof[64][32];
        size_t len, np;
        if (custos_tlog_entry(t, i, &data, &len, proof, &np) != CUSTOS_OK ||
            len != strlen(tessera_entries[i]) || memcmp(data, tessera_entries[i], len) != 0)
            all = 0;
        free(data);
    }
    ok(all, "every entry read from the bundles, matched to its leaf hash and proven included");
    int consistent = 1;
    for (int k = 0; k <= 15; k++) {
        char p[4300];
        snprintf(p, sizeof(p), "%s/checkpoint.%d", dir, k);
        uint64_t size;
        uint8_t root[32];
        if (checkpoint_file(p, &size, root) != 0 || size != (uint64_t)k ||
            custos_tlog_consistent(t, size, root) != CUSTOS_OK)
            consistent = 0;
    }
    ok(consistent, "each of Tessera's 16 checkpoints is consistent with the last");
    uint8_t bad[32] = {1};
    is_int(custos_tlog_consistent(t, 7, bad), CUSTOS_E_UNTRUSTED,
           "a checkpoint of 7 entries with another root is a fork");
    has_str(custos_tlog_error(t)->message, "FORK", "and says so");
    is_int(custos_tlog_consistent(t, 16, bad), CUSTOS_E_UNTRUSTED, "a larger checkpoint: rollback");
    custos_tlog_free(t);

    struct custos_tlog_vkey w;
    char other[256];
    snprintf(other, sizeof(other), "%s", tessera_vkey);
    other[strlen(other) - 2] = other[strlen(other) - 2] == 'A' ? 'B' : 'A';
    ok(custos_tlog_vkey_parse(other, &w, &err) == CUSTOS_E_CORRUPT,
       "a changed key byte: the key hash no longer matches");
    w = v;
    w.pub[0] ^= 1;
    is_int(custos_tlog_open(&t, dir, NULL, &w, &err), CUSTOS_E_UNTRUSTED,
           "another key with the same name and ID: the signature does not verify");
    is_int(custos_tlog_open(&t, dir, "example.com/other", &v, &err), CUSTOS_E_UNTRUSTED,
           "another origin is refused");
}

static void
flip(const char *path)
{
    FILE *f = fopen(path, "r+b");
    int c = f ? fgetc(f) : 0;
    if (f) {
        fseek(f, 0, SEEK_SET);
        fputc(c ^ 1, f);
        fclose(f);
    }
}

static void
test_write_read(void)
{
    struct custos_error err;
    struct custos_key *key = NULL, *other = NULL;
    if (custos_key_generate(&key, "Example Corp log", "custodian", &err) != CUSTOS_OK ||
        custos_key_generate(&other, "x", "custodian", &err) != CUSTOS_OK) {
        ok(0, "keys: %s", err.message);
        return;
    }
    const char *origin = "custos.invalid/log/example-corp";
    char vk[512];
    custos_tlog_vkey_format(key, origin, vk, sizeof(vk));
    struct custos_tlog_vkey v;
    is_status(custos_tlog_vkey_parse(vk, &v, &err), CUSTOS_OK, &err, "our verifier key parses");
    struct custos_merkle *m = NULL;
    custos_merkle_new(&m, &err);
    /* Batches that end inside, at and across tile and level boundaries. */
    static const size_t batches[] = {1, 254, 1, 1, 300, 65000, 3, 256 * 4, 1};
    uint64_t total = 0;
    int roots = 1, entries = 1, cons = 1;
    uint64_t prev_size = 0;
    uint8_t prev_root[32];
    static char ebuf[32];
    for (size_t b = 0; b < sizeof(batches) / sizeof(batches[0]); b++) {
        size_t n = batches[b];
        uint8_t **es = calloc(n, sizeof(*es));
        size_t *ls = calloc(n, sizeof(*ls));
        for (size_t i = 0; i < n; i++) {
            int l = snprintf(ebuf, sizeof(ebuf), "entry %llu", (unsigned long long)(total + i));
            es[i] = (uint8_t *)strdup(ebuf);
            ls[i] = (size_t)l;
            custos_merkle_append_leaf(m, es[i], ls[i]);
        }
        uint64_t first = 0;
        int rc = custos_tlog_append("log", origin, key, (const uint8_t *const *)es, ls, n, &first,
                                    NULL, &err);
        if (rc != CUSTOS_OK || first != total) {
            ok(0, "append batch %zu: %s", b, err.message);
            roots = 0;
        }
        for (size_t i = 0; i < n; i++)
            free(es[i]);
        free(es);
        free(ls);
        total += n;
        struct custos_tlog *t = NULL;
        if (custos_tlog_open(&t, "log", NULL, &v, &err) != CUSTOS_OK) {
            ok(0, "open after batch %zu: %s", b, err.message);
            roots = 0;
            continue;
        }
        uint8_t root[32];
        custos_merkle_root(m, total, root);
        if (custos_tlog_checkpoint(t)->size != total ||
            memcmp(custos_tlog_checkpoint(t)->root, root, 32) != 0)
            roots = 0;
        /* the first, the last, and entries next to tile edges */
        uint64_t probe[] = {0, total - 1, total / 2, 255 < total ? 255 : 0, 256 < total ? 256 : 0};
        for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
            uint8_t *data, proof[64][32];
            size_t len, np;
            snprintf(ebuf, sizeof(ebuf), "entry %llu", (unsigned long long)probe[i]);
            if (custos_tlog_entry(t, probe[i], &data, &len, proof, &np) != CUSTOS_OK ||
                len != strlen(ebuf) || memcmp(data, ebuf, len) != 0)
                entries = 0;
            free(data);
        }
        if (prev_size > 0 && custos_tlog_consistent(t, prev_size, prev_root) != CUSTOS_OK)
            cons = 0;
        prev_size = total;
        memcpy(prev_root, root, 32);
        custos_tlog_free(t);
    }
    ok(roots,
       "after each of 9 appends (%llu entries, three tile levels) the signed root is the "
       "in-memory tree's",
       (unsigned long long)total);
    ok(entries, "entries at tile edges read back and prove included");
    ok(cons, "each checkpoint is consistent with the one before");
    struct stat st;
    ok(stat("log/tile/2/000.p/1", &st) == 0 && stat("log/tile/1/000", &st) == 0 &&
           stat("log/tile/1/001.p/4", &st) == 0 && stat("log/tile/0/260.p/25", &st) == 0,
       "level 1 and 2 tiles are written (%llu leaves)", (unsigned long long)total);

    /* An existing log that does not verify by the key is not appended to. */
    const uint8_t *one[] = {(const uint8_t *)"x"};
    size_t onel[] = {1};
    is_int(custos_tlog_append("log", origin, other, one, onel, 1, NULL, NULL, &err),
           CUSTOS_E_UNTRUSTED, "another key cannot append to the log");
    /* A flipped byte inside the tree: found when that part is read. */
    flip("log/tile/0/000");
    struct custos_tlog *t = NULL;
    is_status(custos_tlog_open(&t, "log", NULL, &v, &err), CUSTOS_OK, &err,
              "a tile off the right edge is not read to open the log");
    uint8_t *data = NULL, proof[64][32];
    size_t len, np;
    if (t != NULL)
        is_int(custos_tlog_entry(t, 3, &data, &len, proof, &np), CUSTOS_E_UNTRUSTED,
               "but an entry under the changed tile is refused");
    free(data);
    custos_tlog_free(t);
    /* On the right edge: the log no longer opens. */
    flip("log/tile/0/260.p/25");
    t = NULL;
    is_int(custos_tlog_open(&t, "log", NULL, &v, &err), CUSTOS_E_UNTRUSTED,
           "a changed right-edge tile: the tiles no longer give the signed root");
    custos_tlog_free(t);
    custos_merkle_free(m);
    custos_key_free(key);
    custos_key_free(other);
}

int
main(void)
{
    tap_tmpdir();
    test_tile_paths();
    test_tessera();
    test_write_read();
    return tap_done();
}
