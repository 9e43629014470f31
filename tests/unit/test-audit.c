/* SPDX-License-Identifier: ISC */
#include "custos/audit.h"

#include "tap.h"

static void
add(struct custos_manifest *m, const char *path, const char *content)
{
    struct custos_manifest_entry e;
    struct custos_digest *d;
    struct custos_error err;
    memset(&e, 0, sizeof(e));
    e.path = (char *)path;
    e.path_len = strlen(path);
    e.partition = -1;
    if (content == NULL) { /* unreadable */
        e.type = CUSTOS_ENTRY_FILE;
        e.status = CUSTOS_E_INCOMPLETE;
        e.error = "cannot open";
    } else if (strncmp(content, "->", 2) == 0) {
        e.type = CUSTOS_ENTRY_SYMLINK;
        e.target = (char *)content + 2;
        e.target_len = strlen(content + 2);
    } else {
        e.type = CUSTOS_ENTRY_FILE;
        e.size_bytes = strlen(content);
        custos_digest_new(&d, custos_manifest_algs(m), &err);
        custos_digest_update(d, content, strlen(content));
        custos_digest_final(d, &e.digest);
        custos_digest_free(d);
    }
    custos_manifest_add(m, &e);
}

/* Finds the class given to path (on either side), or -1. */
static int
class_of(const struct custos_audit *a, const char *path)
{
    for (size_t i = 0; i < custos_audit_count(a); i++) {
        const struct custos_audit_item *it = custos_audit_item(a, i);
        if ((it->ref && strcmp(it->ref->path, path) == 0) ||
            (it->cur && strcmp(it->cur->path, path) == 0))
            return (int)it->cls;
    }
    return -1;
}

static void
check_totals(const struct custos_audit *a, const char *what)
{
    struct custos_audit_totals t;
    custos_audit_totals(a, &t);
    size_t ref = 0, cur = 0;
    for (size_t i = 0; i < custos_audit_count(a); i++) {
        const struct custos_audit_item *it = custos_audit_item(a, i);
        ref += it->ref != NULL;
        cur += it->cur != NULL;
    }
    is_int(ref, t.reference, "%s: every reference entry classified once", what);
    is_int(cur, t.current, "%s: every current entry classified once", what);
}

int
main(void)
{
    struct custos_manifest *ref, *cur;
    struct custos_audit *a;
    struct custos_error err;
    struct custos_audit_totals t;

    custos_manifest_new(&ref, CUSTOS_DIGEST_SHA256, &err);
    custos_manifest_new(&cur, CUSTOS_DIGEST_SHA256 | CUSTOS_DIGEST_MD5, &err);
    add(ref, "same", "1");
    add(cur, "same", "1");
    add(ref, "edit", "2");
    add(cur, "edit", "2 changed");
    add(ref, "gone", "3");
    add(cur, "born", "4");
    add(ref, "old-name", "5");
    add(cur, "new-name", "5");
    add(ref, "locked", "6");
    add(cur, "locked", NULL);
    add(ref, "link", "->a");
    add(cur, "link", "->b");
    add(ref, "link2", "->a");
    add(cur, "link2", "->a");
    add(ref, "was-file", "7");
    add(cur, "was-file", "->7");
    /* hashdeep#64: a missing file whose content survives in a matched duplicate is missing. */
    add(ref, "dup-a", "8");
    add(ref, "dup-b", "8");
    add(cur, "dup-a", "8");
    /* hashdeep#386: duplicates all in place are all matched. */
    add(ref, "twin-1", "9");
    add(ref, "twin-2", "9");
    add(cur, "twin-1", "9");
    add(cur, "twin-2", "9");
    /* Two files of one content moved: paired one to one; a third copy is new. */
    add(ref, "m1", "10");
    add(ref, "m2", "10");
    add(cur, "n1", "10");
    add(cur, "n2", "10");
    add(cur, "n3", "10");
    custos_manifest_sort(ref);
    custos_manifest_sort(cur);

    is_status(custos_audit_run(&a, ref, cur, &err), CUSTOS_OK, &err, "audit runs");
    is_int(class_of(a, "same"), CUSTOS_AUDIT_MATCHED, "matched");
    is_int(class_of(a, "edit"), CUSTOS_AUDIT_CHANGED, "changed, not missing + new");
    is_int(class_of(a, "gone"), CUSTOS_AUDIT_MISSING, "missing");
    is_int(class_of(a, "born"), CUSTOS_AUDIT_NEW, "new");
    is_int(class_of(a, "old-name"), CUSTOS_AUDIT_MOVED, "moved");
    is_int(class_of(a, "locked"), CUSTOS_AUDIT_UNREADABLE, "unreadable");
    is_int(class_of(a, "link"), CUSTOS_AUDIT_CHANGED, "symlink retargeted is changed");
    is_int(class_of(a, "link2"), CUSTOS_AUDIT_MATCHED, "symlink same target matched");
    is_int(class_of(a, "was-file"), CUSTOS_AUDIT_CHANGED, "type change is changed");
    is_int(class_of(a, "dup-b"), CUSTOS_AUDIT_MISSING, "missing despite a duplicate elsewhere");
    is_int(class_of(a, "dup-a"), CUSTOS_AUDIT_MATCHED, "the duplicate itself matched");
    is_int(class_of(a, "twin-2"), CUSTOS_AUDIT_MATCHED, "duplicates in place matched");
    is_int(class_of(a, "m1"), CUSTOS_AUDIT_MOVED, "first copy moved");
    is_int(class_of(a, "m2"), CUSTOS_AUDIT_MOVED, "second copy moved");
    is_int(class_of(a, "n3"), CUSTOS_AUDIT_NEW, "the extra copy is new");
    custos_audit_totals(a, &t);
    is_int(t.count[CUSTOS_AUDIT_MATCHED], 5, "matched total");
    is_int(t.count[CUSTOS_AUDIT_CHANGED], 3, "changed total");
    is_int(t.count[CUSTOS_AUDIT_MISSING], 2, "missing total");
    is_int(t.count[CUSTOS_AUDIT_NEW], 2, "new total");
    is_int(t.count[CUSTOS_AUDIT_MOVED], 3, "moved total");
    is_int(t.count[CUSTOS_AUDIT_UNREADABLE], 1, "unreadable total");
    is_int(t.reference, 14, "reference entries");
    is_int(t.current, 14, "current entries");
    check_totals(a, "mixed");
    is_int(custos_audit_status(a), CUSTOS_E_MISMATCH, "differences win over unreadable");
    custos_audit_free(a);
    custos_manifest_free(cur);

    custos_manifest_new(&cur, CUSTOS_DIGEST_SHA256, &err);
    add(cur, "same", "1");
    custos_manifest_free(ref);
    custos_manifest_new(&ref, CUSTOS_DIGEST_SHA256, &err);
    add(ref, "same", "1");
    is_status(custos_audit_run(&a, ref, cur, &err), CUSTOS_OK, &err, "clean audit");
    is_int(custos_audit_status(a), CUSTOS_OK, "clean audit is OK");
    custos_audit_free(a);
    add(ref, "x", "2");
    add(cur, "x", NULL);
    custos_audit_run(&a, ref, cur, &err);
    is_int(custos_audit_status(a), CUSTOS_E_INCOMPLETE, "only unreadable: incomplete");
    check_totals(a, "unreadable");
    custos_audit_free(a);
    custos_manifest_free(cur);

    custos_manifest_new(&cur, CUSTOS_DIGEST_MD5, &err);
    is_int(custos_audit_run(&a, ref, cur, &err), CUSTOS_E_USAGE, "no shared algorithm refused");
    custos_manifest_free(cur);
    custos_manifest_free(ref);
    is_str(custos_audit_class_name(CUSTOS_AUDIT_MOVED), "moved", "class names");
    return tap_done();
}
