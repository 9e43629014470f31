/* SPDX-License-Identifier: ISC */
/*
 * manifest_sums.c: the manifest as the lines sha256sum, sha1sum and md5sum
 * write and check ("HEX  NAME"), one per hashed file.
 *
 * A name holding a backslash, a newline or a carriage return cannot be
 * written as is: coreutils (9.1) then starts the line with a backslash and
 * writes those three as "\\", "\n" and "\r". This backend does the same, so
 * `sha256sum -c` reads every line back to the exact name. Any other byte,
 * non-UTF-8 ones included, is written unchanged.
 */
#include "custos/manifest.h"

#include <string.h>

#include "manifest_private.h"

int
custos__manifest_write_sums(struct custos_manifest *m, int fd, unsigned alg)
{
    if (!(m->algs & alg))
        return custos_error_set(&m->err, CUSTOS_E_USAGE, 0, NULL,
                                "the %ssum format needs %s digests (add it with --digests)",
                                custos_digest_name(alg), custos_digest_name(alg));
    struct outbuf o;
    custos__out_init(&o, fd);
    for (size_t i = 0; i < m->count; i++) {
        const struct custos_manifest_entry *e = &m->entries[i];
        char hex[CUSTOS_DIGEST_HEX_MAX];
        if (!custos__entry_hashed(e) || custos_digest_hex(&e->digest, alg, hex) != CUSTOS_OK)
            continue;
        bool escape = memchr(e->path, '\\', e->path_len) || memchr(e->path, '\n', e->path_len) ||
                      memchr(e->path, '\r', e->path_len);
        if (escape)
            custos__out_str(&o, "\\");
        custos__out_str(&o, hex);
        custos__out_str(&o, "  ");
        if (!escape) {
            custos__out_bytes(&o, e->path, e->path_len);
        } else {
            for (size_t k = 0; k < e->path_len; k++) {
                char c = e->path[k];
                if (c == '\\')
                    custos__out_str(&o, "\\\\");
                else if (c == '\n')
                    custos__out_str(&o, "\\n");
                else if (c == '\r')
                    custos__out_str(&o, "\\r");
                else
                    custos__out_bytes(&o, &c, 1);
            }
        }
        custos__out_str(&o, "\n");
    }
    int e = custos__out_finish(&o);
    if (e != 0)
        return custos_error_set(&m->err, CUSTOS_E_IO, e, NULL, "cannot write manifest");
    return CUSTOS_OK;
}
