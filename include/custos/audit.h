/* SPDX-License-Identifier: ISC */
/*
 * audit.h: comparing what is there now with a manifest.
 *
 * Every entry of the reference manifest and of the current one ends up in
 * exactly one class:
 *   matched    same name, same content (same link target, same kind);
 *   changed    same name, other content (or another type): said plainly,
 *              never split into a "missing" and a "new";
 *   missing    in the reference only, and no new file has its content;
 *   new        in the current tree only, and no missing file had its content;
 *   moved      a missing name and a new name with the same content, paired
 *              one to one (so with duplicates, a file whose content exists
 *              elsewhere but which itself is gone is still missing);
 *   unreadable the current file could not be read, or the reference entry
 *              had no digest to compare with.
 * Names are compared as recorded (for images: partition, file-system
 * offset and path; deleted names also by inode). Content is compared on the
 * strongest digest algorithm both manifests hold.
 *
 * So: matched + changed + missing + moved + unreadable-with-reference =
 * reference entries, and matched + changed + new + moved + the rest of
 * unreadable = current entries; custos_audit_totals reports both counts.
 *
 * Outline:
 *   1. custos_audit_run(&a, reference, current, &err)
 *   2. custos_audit_count(a) / custos_audit_item(a, i); custos_audit_totals(a, &t)
 *   3. custos_audit_status(a): CUSTOS_OK, _MISMATCH or _INCOMPLETE
 *   4. custos_audit_free(a)
 */
#ifndef CUSTOS_AUDIT_H
#define CUSTOS_AUDIT_H

#include <stddef.h>

#include "error.h"
#include "export.h"
#include "manifest.h"

#ifdef __cplusplus
extern "C" {
#endif

enum custos_audit_class {
    CUSTOS_AUDIT_MATCHED,
    CUSTOS_AUDIT_CHANGED,
    CUSTOS_AUDIT_MISSING,
    CUSTOS_AUDIT_NEW,
    CUSTOS_AUDIT_MOVED,
    CUSTOS_AUDIT_UNREADABLE,
};
#define CUSTOS_AUDIT_CLASSES 6

/* One finding; ref and cur point into the manifests given to _run. */
struct custos_audit_item {
    enum custos_audit_class cls;
    const struct custos_manifest_entry *ref; /* NULL for new */
    const struct custos_manifest_entry *cur; /* NULL for missing */
};

struct custos_audit_totals {
    size_t count[CUSTOS_AUDIT_CLASSES]; /* items per class */
    size_t reference;                   /* entries in the reference manifest */
    size_t current;                     /* entries found now */
};

struct custos_audit;

/*
 * Classifies every entry of ref and cur. Both manifests must outlive the
 * audit.
 * Returns: CUSTOS_OK (the findings are in *out, whatever they are);
 * CUSTOS_E_USAGE when the manifests share no digest algorithm;
 * CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_audit_run(struct custos_audit **out, const struct custos_manifest *ref,
                                const struct custos_manifest *cur, struct custos_error *err);

/* Releases a; NULL allowed. */
CUSTOS_API void custos_audit_free(struct custos_audit *a);

/* The number of items, sorted by name (the reference name where there is one). */
CUSTOS_API size_t custos_audit_count(const struct custos_audit *a);

/* Item i (< count); valid until _free. */
CUSTOS_API const struct custos_audit_item *custos_audit_item(const struct custos_audit *a,
                                                             size_t i);

/* Fills *t with the counts. */
CUSTOS_API void custos_audit_totals(const struct custos_audit *a, struct custos_audit_totals *t);

/*
 * The audit's status: CUSTOS_E_MISMATCH when anything is changed, missing,
 * new or moved (it wins over INCOMPLETE, as docs/exit-codes.md orders them);
 * else CUSTOS_E_INCOMPLETE when anything is unreadable; else CUSTOS_OK.
 */
CUSTOS_API int custos_audit_status(const struct custos_audit *a);

/* "matched", "changed", "missing", "new", "moved", "unreadable". */
CUSTOS_API const char *custos_audit_class_name(enum custos_audit_class cls);

/*
 * Writes the one-line report of item it into buf, as custos-hash prints it
 * ("changed: NAME (content differs: sha256 was X, now Y; ...)", "missing:
 * NAME", "new: NAME", "moved: A -> B", "unreadable: NAME (why)"), with the
 * digests of algorithm alg. Writes "" for a matched item.
 */
CUSTOS_API void custos_audit_item_line(const struct custos_audit_item *it, unsigned alg, char *buf,
                                       size_t len);

/*
 * Builds the JSON audit report custos-hash --audit --json prints: status
 * (custos_status_name(status)), manifest (the reference's name as given),
 * reference_entries, current_entries, totals per class, and items (class,
 * and the reference and current entries: path, type, size, digests, error).
 * *json is a new string (free() it).
 * Returns: CUSTOS_OK; CUSTOS_E_NOMEM.
 */
CUSTOS_API int custos_audit_report_json(const struct custos_audit *a, int status,
                                        const char *manifest, char **json);

#ifdef __cplusplus
}
#endif

#endif
