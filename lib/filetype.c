/* SPDX-License-Identifier: ISC */
/*
 * filetype.c: libmagic for filetype_private.h.
 *
 * Cost (measured on libmagic 5.44, tests/bench/hash.sh): every call walks
 * the whole binary magic list (3,549 tests) unless a test matches, about
 * 200 us for content nothing matches, whatever its size; plain text costs
 * more (the text tests run too). Asking for the description and then the
 * MIME type walks twice. So the description is asked first, and the MIME
 * type is asked only when it cannot be known from the description alone:
 *
 *   "data"              -> application/octet-stream
 *   "empty"             -> application/x-empty
 *   "<encoding> text[, with ...]" -> text/plain
 *
 * These are exact, not guesses: libmagic stops its walk at the first test
 * that matches with a description, in both modes, and every test in the
 * 5.44 magic sources that has a MIME type also has a description; so when
 * no test described the content, none named a MIME type either, and
 * libmagic's own fallbacks for that case are the three above
 * (file_default, file_ascmagic_with_encoding). tests/e2e/hash-tree.sh
 * checks the result against file(1) on real file kinds.
 */
#include "filetype_private.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <magic.h>

/* MAGIC_NO_CHECK_COMPRESS: file(1) looks inside compressed data only with -z. */
#define DESC_FLAGS (MAGIC_NONE | MAGIC_NO_CHECK_COMPRESS)
#define MIME_FLAGS (MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS)

struct custos__filetype {
    magic_t cookie;   /* flags are DESC_FLAGS between calls */
    size_t bytes_max; /* libmagic's own read limit (MAGIC_PARAM_BYTES_MAX) */
};

int
custos__filetype_new(struct custos__filetype **out, struct custos_error *err)
{
    *out = NULL;
    struct custos__filetype *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    t->cookie = magic_open(DESC_FLAGS);
    if (t->cookie == NULL || magic_load(t->cookie, NULL) != 0 ||
        magic_getparam(t->cookie, MAGIC_PARAM_BYTES_MAX, &t->bytes_max) != 0) {
        const char *why = t->cookie != NULL && magic_error(t->cookie) != NULL
                              ? magic_error(t->cookie)
                              : "cannot start libmagic";
        int rc = custos_error_set(err, CUSTOS_E_IO, 0, "magic database", "%s", why);
        custos__filetype_free(t);
        return rc;
    }
    *out = t;
    return CUSTOS_OK;
}

void
custos__filetype_free(struct custos__filetype *t)
{
    if (t == NULL)
        return;
    if (t->cookie != NULL)
        magic_close(t->cookie);
    free(t);
}

/* The encodings libmagic names in a plain-text description (encoding.c). */
static const char *const text_codes[] = {
    "ASCII",
    "ISO-8859",
    "Non-ISO extended-ASCII",
    "Unicode text, UTF-7",
    "Unicode text, UTF-8",
    "Unicode text, UTF-8 (with BOM)",
    "Unicode text, UTF-16, little-endian",
    "Unicode text, UTF-16, big-endian",
    "Unicode text, UTF-32, little-endian",
    "Unicode text, UTF-32, big-endian",
};

const char *
custos__filetype_mime_of(const char *desc)
{
    if (strcmp(desc, "data") == 0)
        return "application/octet-stream";
    if (strcmp(desc, "empty") == 0)
        return "application/x-empty";
    for (size_t i = 0; i < sizeof(text_codes) / sizeof(text_codes[0]); i++) {
        size_t n = strlen(text_codes[i]);
        if (strncmp(desc, text_codes[i], n) != 0 || strncmp(desc + n, " text", 5) != 0)
            continue;
        /* Only libmagic's own line notes may follow: ", with CRLF line terminators". */
        if (desc[n + 5] == '\0' || strncmp(desc + n + 5, ", with ", 7) == 0)
            return "text/plain";
    }
    return NULL;
}

/* One walk for the description, a second only when the MIME type is not implied. */
static void
classify(struct custos__filetype *t, int fd, const void *buf, size_t len, char **mime, char **desc)
{
    *mime = *desc = NULL;
    if (fd >= 0) {
        /*
         * libmagic allocates its read buffer at its limit (7 MiB) on every
         * call, which glibc maps and unmaps each time: a third of the run
         * was in the kernel. A limit of the file's size plus one reads the
         * same bytes and leaves "fewer bytes than the limit" true, as it is
         * for file(1) (the one other use of the limit, in the text checks).
         */
        struct stat st;
        if (fstat(fd, &st) != 0 || lseek(fd, 0, SEEK_SET) != 0)
            return;
        size_t want = st.st_size >= 0 && (uint64_t)st.st_size < t->bytes_max
                          ? (size_t)st.st_size + 1
                          : t->bytes_max;
        if (magic_setparam(t->cookie, MAGIC_PARAM_BYTES_MAX, &want) != 0)
            return;
    }
    const char *d = fd >= 0 ? magic_descriptor(t->cookie, fd) : magic_buffer(t->cookie, buf, len);
    if (d == NULL)
        return;
    *desc = strdup(d);
    if (*desc == NULL)
        return;
    const char *m = custos__filetype_mime_of(*desc);
    if (m != NULL) {
        *mime = strdup(m);
        return;
    }
    if (magic_setflags(t->cookie, MIME_FLAGS) != 0)
        return;
    if (fd < 0 || lseek(fd, 0, SEEK_SET) == 0) {
        m = fd >= 0 ? magic_descriptor(t->cookie, fd) : magic_buffer(t->cookie, buf, len);
        if (m != NULL)
            *mime = strdup(m);
    }
    magic_setflags(t->cookie, DESC_FLAGS);
}

void
custos__filetype_buffer(struct custos__filetype *t, const void *buf, size_t len, char **mime,
                        char **desc)
{
    classify(t, -1, buf, len, mime, desc);
}

void
custos__filetype_fd(struct custos__filetype *t, int fd, char **mime, char **desc)
{
    classify(t, fd, NULL, 0, mime, desc);
}
