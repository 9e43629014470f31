/* SPDX-License-Identifier: ISC */
/*
 * manifest_dfxml.c: the manifest as Digital Forensics XML, laid out as
 * fiwalk (TSK 4.11) writes it: a <dfxml> root with <metadata>, <creator>
 * and <source>, then for images one <volume offset='N'> per file system, and
 * one <fileobject> per entry with <filename>, <partition>, <id>,
 * <name_type>, <filesize>, <alloc>/<unalloc>, <inode>, the times, <libmagic>
 * and one <hashdigest type='...'> per algorithm.
 *
 * XML 1.0 cannot carry most control characters nor bytes that are not UTF-8,
 * even as character references. A name holding any of them is written in the
 * display form of custos_path_display (\xHH escapes, backslash doubled) with
 * the attribute encoding='custos-display' on <filename>; the JSON manifest is
 * the lossless record.
 */
#include "custos/manifest.h"

#include <string.h>

#include "manifest_private.h"

static void
xml_text(struct outbuf *o, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case '&':
            custos__out_str(o, "&amp;");
            break;
        case '<':
            custos__out_str(o, "&lt;");
            break;
        case '>':
            custos__out_str(o, "&gt;");
            break;
        case '\'':
            custos__out_str(o, "&apos;");
            break;
        case '"':
            custos__out_str(o, "&quot;");
            break;
        default:
            custos__out_bytes(o, &s[i], 1);
        }
    }
}

static bool
xml_safe(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return custos_utf8_valid(s, len);
}

static void
element(struct outbuf *o, const char *indent, const char *tag, const char *text)
{
    custos__out_fmt(o, "%s<%s>", indent, tag);
    xml_text(o, text, strlen(text));
    custos__out_fmt(o, "</%s>\n", tag);
}

static void
time_element(struct outbuf *o, const char *tag, const struct custos_time *t)
{
    char buf[48];
    if (!t->set)
        return;
    custos_time_format(t, buf, sizeof(buf));
    element(o, "      ", tag, buf);
}

static char
name_type(const struct custos_manifest_entry *e)
{
    switch (e->type) {
    case CUSTOS_ENTRY_FILE:
        return 'r';
    case CUSTOS_ENTRY_SYMLINK:
        return 'l';
    case CUSTOS_ENTRY_DIRECTORY:
        return 'd';
    case CUSTOS_ENTRY_VIRTUAL:
        return 'v';
    case CUSTOS_ENTRY_SPECIAL:
        if (e->kind != NULL && strcmp(e->kind, "fifo") == 0)
            return 'p';
        if (e->kind != NULL && strcmp(e->kind, "socket") == 0)
            return 's';
        if (e->kind != NULL && strcmp(e->kind, "char-device") == 0)
            return 'c';
        if (e->kind != NULL && strcmp(e->kind, "block-device") == 0)
            return 'b';
        return '-';
    }
    return '-';
}

static void
fileobject(struct outbuf *o, const struct custos_manifest_entry *e, size_t id)
{
    static const unsigned order[CUSTOS_DIGEST_COUNT] = {CUSTOS_DIGEST_MD5, CUSTOS_DIGEST_SHA1,
                                                        CUSTOS_DIGEST_SHA256};
    custos__out_str(o, "    <fileobject>\n");
    if (xml_safe(e->path, e->path_len)) {
        custos__out_str(o, "      <filename>");
        xml_text(o, e->path, e->path_len);
    } else {
        size_t n = 4 * e->path_len + 1;
        char disp[4096];
        custos_path_display(e->path, e->path_len, disp, n < sizeof(disp) ? n : sizeof(disp));
        custos__out_str(o, "      <filename encoding='custos-display'>");
        xml_text(o, disp, strlen(disp));
    }
    custos__out_str(o, "</filename>\n");
    if (e->in_image && e->partition >= 0)
        custos__out_fmt(o, "      <partition>%lld</partition>\n", (long long)e->partition);
    custos__out_fmt(o, "      <id>%zu</id>\n", id);
    custos__out_fmt(o, "      <name_type>%c</name_type>\n", name_type(e));
    custos__out_fmt(o, "      <filesize>%llu</filesize>\n", (unsigned long long)e->size_bytes);
    if (e->in_image) {
        custos__out_str(o,
                        e->allocated ? "      <alloc>1</alloc>\n" : "      <unalloc>1</unalloc>\n");
        custos__out_fmt(o, "      <inode>%llu</inode>\n", (unsigned long long)e->inode);
    }
    time_element(o, "mtime", &e->mtime);
    time_element(o, "ctime", &e->ctime);
    time_element(o, "atime", &e->atime);
    time_element(o, "crtime", &e->crtime);
    if (e->description != NULL)
        element(o, "      ", "libmagic", e->description);
    if (e->error != NULL)
        element(o, "      ", "error", e->error);
    for (int k = 0; k < CUSTOS_DIGEST_COUNT; k++) {
        char hex[CUSTOS_DIGEST_HEX_MAX];
        if (custos__entry_hashed(e) && custos_digest_hex(&e->digest, order[k], hex) == CUSTOS_OK)
            custos__out_fmt(o, "      <hashdigest type='%s'>%s</hashdigest>\n",
                            custos_digest_name(order[k]), hex);
    }
    custos__out_str(o, "    </fileobject>\n");
}

int
custos__manifest_write_dfxml(struct custos_manifest *m, int fd)
{
    struct outbuf o;
    custos__out_init(&o, fd);
    custos__out_str(&o,
                    "<?xml version='1.0' encoding='UTF-8'?>\n"
                    "<dfxml\n"
                    "  xmlns='http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML'\n"
                    "  xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance'\n"
                    "  xmlns:dc='http://purl.org/dc/elements/1.1/'\n"
                    "  version='1.0'>\n"
                    "  <metadata>\n");
    bool image =
        m->source_kind != NULL && strcmp(m->source_kind, CUSTOS_MANIFEST_SOURCE_IMAGE) == 0;
    custos__out_fmt(&o, "    <dc:type>%s</dc:type>\n  </metadata>\n",
                    image ? "Disk Image" : "Hash List");
    custos__out_str(&o, "  <creator version='1.0'>\n");
    const char *sp = strchr(m->generator, ' ');
    if (sp != NULL) {
        custos__out_fmt(&o, "    <program>%.*s</program>\n", (int)(sp - m->generator),
                        m->generator);
        element(&o, "    ", "version", sp + 1);
    } else {
        element(&o, "    ", "program", m->generator);
    }
    custos__out_str(&o, "    <execution_environment>\n");
    element(&o, "      ", "start_time", m->created);
    custos__out_str(&o, "    </execution_environment>\n  </creator>\n  <source>\n");
    for (size_t i = 0; i < m->nsource; i++)
        element(&o, "    ", image ? "image_filename" : "filename", m->source_names[i]);
    custos__out_str(&o, "  </source>\n");
    bool open_volume = false;
    uint64_t cur_off = 0;
    int64_t cur_part = -2;
    for (size_t i = 0; i < m->count; i++) {
        const struct custos_manifest_entry *e = &m->entries[i];
        if (e->in_image &&
            (!open_volume || e->fs_offset_bytes != cur_off || e->partition != cur_part)) {
            if (open_volume)
                custos__out_str(&o, "  </volume>\n");
            custos__out_fmt(&o, "  <volume offset='%llu'>\n",
                            (unsigned long long)e->fs_offset_bytes);
            custos__out_fmt(&o, "    <partition_offset>%llu</partition_offset>\n",
                            (unsigned long long)e->fs_offset_bytes);
            if (e->fs_type != NULL)
                element(&o, "    ", "ftype_str", e->fs_type);
            open_volume = true;
            cur_off = e->fs_offset_bytes;
            cur_part = e->partition;
        }
        fileobject(&o, e, i + 1);
    }
    if (open_volume)
        custos__out_str(&o, "  </volume>\n");
    custos__out_str(&o, "</dfxml>\n");
    int err = custos__out_finish(&o);
    if (err != 0)
        return custos_error_set(&m->err, CUSTOS_E_IO, err, NULL, "cannot write manifest");
    return CUSTOS_OK;
}
