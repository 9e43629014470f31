/* SPDX-License-Identifier: ISC */
/*
 * verify_ref_manifest.c: a custos manifest (docs/formats/manifest.md) as
 * a reference: one item per file or symbolic link, its root stripped.
 */
#include "custos/verify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "custos/custos.h"
#include "custos/manifest.h"
#include "verify_private.h"

int
custos__verify_load_manifest(struct custos_verify *v)
{
    struct custos_manifest *m = NULL;
    int rc = custos_manifest_load(&m, v->ref_path, &v->err);
    if (rc != CUSTOS_OK)
        return rc;
    v->algs = custos_manifest_algs(m);
    size_t n = custos_manifest_count(m);
    /*
     * The root: the longest directory prefix every name shares (custos-hash's
     * one operand, "evidence" or "/srv/case42/evidence").
     */
    const char *root = NULL;
    size_t rootlen = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = custos_manifest_entry(m, i)->path;
        while (p[0] == '.' && p[1] == '/')
            p += 2;
        while (p[0] == '/')
            p++;
        const char *slash = strrchr(p, '/');
        size_t dirlen = slash ? (size_t)(slash - p) : 0;
        if (root == NULL) {
            root = p;
            rootlen = dirlen;
            continue;
        }
        size_t k = 0;
        while (k < rootlen && k < dirlen && root[k] == p[k])
            k++;
        if (!(k == rootlen && (dirlen == k || p[k] == '/')))
            while (k > 0 && !((k == dirlen || p[k] == '/') && (k == rootlen || root[k] == '/')))
                k--;
        rootlen = k;
    }
    if (root != NULL && rootlen > 0 && (v->root = strndup(root, rootlen)) == NULL)
        rc = custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, v->ref_path, "out of memory");
    for (size_t i = 0; i < n && rc == CUSTOS_OK; i++) {
        const struct custos_manifest_entry *e = custos_manifest_entry(m, i);
        struct ritem *it;
        if (e->in_image) {
            rc = custos_error_set(&v->err, CUSTOS_E_UNSUPPORTED, 0, v->ref_path,
                                  "a manifest of the files inside an image: verify the image "
                                  "against its acquisition record");
            break;
        }
        if (e->type != CUSTOS_ENTRY_FILE && e->type != CUSTOS_ENTRY_SYMLINK)
            continue; /* special files and unreadable directories hold no content */
        rc = custos__verify_add_item(v, e->type == CUSTOS_ENTRY_FILE ? RITEM_FILE : RITEM_SYMLINK,
                                     custos__verify_normalize(v, e->path, NULL, 0), &it);
        if (rc != CUSTOS_OK)
            break;
        it->size = e->size_bytes;
        it->ref = e->digest;
        it->counts = e->type == CUSTOS_ENTRY_FILE;
        if (e->type == CUSTOS_ENTRY_SYMLINK && e->target != NULL &&
            (it->target = strdup(e->target)) == NULL)
            rc = custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, v->ref_path, "out of memory");
    }
    custos_manifest_free(m);
    return rc;
}
