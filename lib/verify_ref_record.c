/* SPDX-License-Identifier: ISC */
/*
 * verify_ref_record.c: an acquisition record
 * (docs/formats/acquisition-record.md) as a reference: its image files, the
 * medium and the piecewise windows.
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

static int
json_digests(struct custos_verify *v, json_t *obj, struct custos_digest_result *out,
             const char *where)
{
    static const unsigned algs[] = {CUSTOS_DIGEST_MD5, CUSTOS_DIGEST_SHA1, CUSTOS_DIGEST_SHA256};
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < 3; i++) {
        json_t *h = json_object_get(obj, custos_digest_name(algs[i]));
        if (h == NULL)
            continue;
        struct custos_error e;
        const char *s = json_string_value(h);
        uint8_t *dst = algs[i] == CUSTOS_DIGEST_MD5    ? out->md5
                       : algs[i] == CUSTOS_DIGEST_SHA1 ? out->sha1
                                                       : out->sha256;
        if (s == NULL || custos_hex_decode(s, dst, custos_digest_size(algs[i]), &e) != CUSTOS_OK)
            return custos_error_set(&v->err, CUSTOS_E_CORRUPT, 0, v->ref_path,
                                    "%s.%s: not a %s digest", where, custos_digest_name(algs[i]),
                                    custos_digest_name(algs[i]));
        out->algs |= algs[i];
    }
    return CUSTOS_OK;
}

int
custos__verify_load_record(struct custos_verify *v)
{
    json_error_t je;
    json_t *r = json_load_file(v->ref_path, JSON_REJECT_DUPLICATES, &je);
    if (r == NULL)
        return custos_error_set(&v->err, CUSTOS_E_CORRUPT, 0, v->ref_path, "line %d: %s", je.line,
                                je.text);
    int rc = CUSTOS_OK;
    json_t *out = json_object_get(r, "output");
    json_t *files = json_object_get(out, "files");
    json_t *digests = json_object_get(r, "digests");
    json_t *bytes = json_object_get(r, "bytes");
    const char *fmt = json_string_value(json_object_get(out, "format"));
    const char *status = json_string_value(json_object_get(r, "status"));
    if (!json_is_integer(json_object_get(r, "version")) ||
        json_integer_value(json_object_get(r, "version")) != CUSTOS_RECORD_VERSION) {
        rc = custos_error_set(&v->err, CUSTOS_E_UNSUPPORTED, 0, v->ref_path,
                              "acquisition record version is not %d", CUSTOS_RECORD_VERSION);
        goto out;
    }
    if (!json_is_array(files) || json_array_size(files) == 0 || !json_is_object(digests) ||
        !json_is_integer(bytes) || json_integer_value(bytes) < 0 || fmt == NULL || status == NULL) {
        rc = custos_error_set(&v->err, CUSTOS_E_CORRUPT, 0, v->ref_path,
                              "not a complete acquisition record (output.files, digests, bytes, "
                              "output.format or status missing)");
        goto out;
    }
    if ((v->img_format = strdup(fmt)) == NULL || (v->record_status = strdup(status)) == NULL ||
        (v->img_names = calloc(json_array_size(files), sizeof(char *))) == NULL) {
        rc = custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, v->ref_path, "out of memory");
        goto out;
    }
    struct ritem *it;
    for (size_t i = 0; i < json_array_size(files); i++) {
        json_t *f = json_array_get(files, i);
        const char *name = json_string_value(json_object_get(f, "name"));
        json_t *size = json_object_get(f, "size_bytes");
        const char *sha = json_string_value(json_object_get(f, "sha256"));
        if (name == NULL || strchr(name, '/') != NULL || !json_is_integer(size) || sha == NULL) {
            rc = custos_error_set(&v->err, CUSTOS_E_CORRUPT, 0, v->ref_path,
                                  "output.files[%zu]: name, size_bytes or sha256 missing", i);
            goto out;
        }
        if ((rc = custos__verify_add_item(v, RITEM_IMGFILE, name, &it)) != CUSTOS_OK)
            goto out;
        if ((v->img_names[v->nimg++] = strdup(name)) == NULL) {
            rc = custos_error_set(&v->err, CUSTOS_E_NOMEM, 0, v->ref_path, "out of memory");
            goto out;
        }
        it->size = (uint64_t)json_integer_value(size);
        struct custos_error e;
        if (custos_hex_decode(sha, it->ref.sha256, 32, &e) != CUSTOS_OK) {
            rc = custos_error_set(&v->err, CUSTOS_E_CORRUPT, 0, v->ref_path,
                                  "output.files[%zu].sha256: not a sha256 digest", i);
            goto out;
        }
        it->ref.algs = CUSTOS_DIGEST_SHA256;
    }
    if ((rc = custos__verify_add_item(v, RITEM_MEDIUM, "medium", &it)) != CUSTOS_OK)
        goto out;
    it->size = (uint64_t)json_integer_value(bytes);
    if ((rc = json_digests(v, digests, &it->ref, "digests")) != CUSTOS_OK)
        goto out;
    if (it->ref.algs == 0) {
        rc = custos_error_set(&v->err, CUSTOS_E_CORRUPT, 0, v->ref_path, "digests is empty");
        goto out;
    }
    v->algs = it->ref.algs;
    json_t *pw = json_object_get(r, "piecewise");
    json_t *wins = json_object_get(pw, "windows");
    it->counts = !json_is_array(wins) || json_array_size(wins) == 0;
    uint64_t expect = 0;
    for (size_t i = 0; json_is_array(wins) && i < json_array_size(wins); i++) {
        json_t *w = json_array_get(wins, i);
        json_t *off = json_object_get(w, "offset_bytes"), *len = json_object_get(w, "length_bytes");
        const char *sha = json_string_value(json_object_get(w, "sha256"));
        struct custos_error e;
        if (!json_is_integer(off) || !json_is_integer(len) || sha == NULL ||
            (uint64_t)json_integer_value(off) != expect) {
            rc = custos_error_set(&v->err, CUSTOS_E_CORRUPT, 0, v->ref_path,
                                  "piecewise.windows[%zu]: malformed or not contiguous", i);
            goto out;
        }
        char name[64];
        snprintf(name, sizeof(name), "medium@%020llu", (unsigned long long)expect);
        if ((rc = custos__verify_add_item(v, RITEM_WINDOW, name, &it)) != CUSTOS_OK)
            goto out;
        it->offset = expect;
        it->size = (uint64_t)json_integer_value(len);
        it->counts = 1;
        expect += it->size;
        if (custos_hex_decode(sha, it->ref.sha256, 32, &e) != CUSTOS_OK) {
            rc = custos_error_set(&v->err, CUSTOS_E_CORRUPT, 0, v->ref_path,
                                  "piecewise.windows[%zu].sha256: not a sha256 digest", i);
            goto out;
        }
        it->ref.algs = CUSTOS_DIGEST_SHA256;
        v->window_bytes = (uint64_t)json_integer_value(json_object_get(pw, "window_bytes"));
    }
out:
    json_decref(r);
    return rc;
}
