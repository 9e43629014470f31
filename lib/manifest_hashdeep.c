/* SPDX-License-Identifier: ISC */
/*
 * manifest_hashdeep.c: the manifest as a hashdeep 4.4 file, so that
 * `hashdeep -l -o f -a -k FILE -r PATH...` audits against it (-l: names are
 * relative, as the operands spelt them; -o f: symlinks are not followed and
 * not listed; docs/formats/manifest.md section 5).
 *
 * The file is two "%%%%" header lines (the magic and the column list:
 * "size", then the algorithms in hashdeep's order md5, sha1, sha256, then
 * "filename"), "##" comment lines, then one comma-separated line per hashed
 * file. The name is the last column, so commas in it are safe; a newline is
 * not, and hashdeep has no escape for it: such a name is refused rather than
 * written as two broken lines.
 */
#include "custos/manifest.h"

#include <string.h>

#include "manifest_private.h"

static const unsigned order[CUSTOS_DIGEST_COUNT] = {CUSTOS_DIGEST_MD5, CUSTOS_DIGEST_SHA1,
                                                    CUSTOS_DIGEST_SHA256};

int
custos__manifest_write_hashdeep(struct custos_manifest *m, int fd)
{
    for (size_t i = 0; i < m->count; i++) {
        const struct custos_manifest_entry *e = &m->entries[i];
        if (custos__entry_hashed(e) &&
            (memchr(e->path, '\n', e->path_len) || memchr(e->path, '\r', e->path_len))) {
            char disp[1024];
            custos_path_display(e->path, e->path_len, disp, sizeof(disp));
            return custos_error_set(&m->err, CUSTOS_E_UNSUPPORTED, 0, NULL,
                                    "%s: the hashdeep format cannot hold a name with a newline "
                                    "(use the json format)",
                                    disp);
        }
    }
    struct outbuf o;
    custos__out_init(&o, fd);
    custos__out_str(&o, CUSTOS_HASHDEEP_MAGIC "\n%%%% size");
    for (int k = 0; k < CUSTOS_DIGEST_COUNT; k++)
        if (m->algs & order[k])
            custos__out_fmt(&o, ",%s", custos_digest_name(order[k]));
    custos__out_str(&o, ",filename\n");
    custos__out_fmt(&o, "## Written by %s on %s\n##\n", m->generator, m->created);
    for (size_t i = 0; i < m->count; i++) {
        const struct custos_manifest_entry *e = &m->entries[i];
        if (!custos__entry_hashed(e))
            continue;
        custos__out_fmt(&o, "%llu", (unsigned long long)e->size_bytes);
        for (int k = 0; k < CUSTOS_DIGEST_COUNT; k++) {
            char hex[CUSTOS_DIGEST_HEX_MAX];
            if (custos_digest_hex(&e->digest, order[k], hex) == CUSTOS_OK)
                custos__out_fmt(&o, ",%s", hex);
        }
        custos__out_str(&o, ",");
        custos__out_bytes(&o, e->path, e->path_len);
        custos__out_str(&o, "\n");
    }
    int err = custos__out_finish(&o);
    if (err != 0)
        return custos_error_set(&m->err, CUSTOS_E_IO, err, NULL, "cannot write manifest");
    return CUSTOS_OK;
}
