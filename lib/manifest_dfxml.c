/* SPDX-License-Identifier: ISC */
/*
 * manifest_dfxml.c: the manifest as Digital Forensics XML that validates
 * against dfxml_schema's dfxml.xsd and is laid out as fiwalk (TSK 4.11)
 * writes it: a <dfxml> root with <metadata>, <creator> and, for images,
 * <source><image_filename>; then for images one <volume offset='N'> per file
 * system, and one <fileobject> per entry with <filename>, <partition> (1, 2,
 * ...: the volume's place in the image, as fiwalk counts), <id>,
 * <name_type>, <filesize>, <alloc>/<unalloc>, <inode>, the times, <libmagic>
 * and one <hashdigest type='...'> per algorithm. What the schema has no
 * element for is in custos's own namespace, where the schema allows others:
 * <custos:attribute> (NTFS TYPE-ID, what icat takes after the inode) at the
 * end of a fileobject, <custos:operand> (a tree's operands) at the end.
 *
 * XML 1.0 cannot carry most control characters nor bytes that are not UTF-8,
 * even as character references. Names are escaped as fiwalk escapes them:
 * each control byte, each byte outside valid UTF-8 and each backslash
 * becomes \xHH (upper-case hex), so the escape is unambiguous; the JSON
 * manifest keeps the bytes themselves.
 */
#include "custos/manifest.h"

#include <string.h>

#include "manifest_private.h"
#include "text_private.h"

/* custos's own elements, where dfxml.xsd allows other namespaces (docs/formats/manifest.md). */
#define CUSTOS_DFXML_NS "https://custos.invalid/dfxml/1"

/* A name as fiwalk writes it: control bytes, backslashes and bytes that are not UTF-8 as \xHH. */
static void
xml_name(struct outbuf *o, const char *name, size_t len)
{
    const unsigned char *p = (const unsigned char *)name;
    size_t i = 0;
    while (i < len) {
        size_t n = custos__utf8_char(p + i, len - i);
        if (n == 0 || (n == 1 && (p[i] < 0x20 || p[i] == '\\'))) {
            custos__out_fmt(o, "\\x%02X", p[i]);
            i++;
            continue;
        }
        custos__out_xml(o, name + i, n);
        i += n;
    }
}

static void
element(struct outbuf *o, const char *indent, const char *tag, const char *text)
{
    custos__out_fmt(o, "%s<%s>", indent, tag);
    custos__out_xml(o, text, strlen(text));
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
fileobject(struct outbuf *o, const struct custos_manifest_entry *e, size_t id, int volume)
{
    static const unsigned order[CUSTOS_DIGEST_COUNT] = {CUSTOS_DIGEST_MD5, CUSTOS_DIGEST_SHA1,
                                                        CUSTOS_DIGEST_SHA256};
    custos__out_str(o, "    <fileobject>\n");
    custos__out_str(o, "      <filename>");
    xml_name(o, e->path, e->path_len);
    custos__out_str(o, "</filename>\n");
    if (volume > 0)
        custos__out_fmt(o, "      <partition>%d</partition>\n", volume);
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
    if (e->in_image && e->attr_type > 0)
        custos__out_fmt(o, "      <custos:attribute>%d-%d</custos:attribute>\n", (int)e->attr_type,
                        (int)e->attr_id);
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
                    "  xmlns:custos='" CUSTOS_DFXML_NS "'\n"
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
    custos__out_str(&o, "    </execution_environment>\n  </creator>\n");
    /* The schema's <source> holds only <image_filename>; a tree's operands go at the end. */
    if (image) {
        custos__out_str(&o, "  <source>\n");
        for (size_t i = 0; i < m->nsource; i++)
            element(&o, "    ", "image_filename", m->source_names[i]);
        custos__out_str(&o, "  </source>\n");
    }
    bool open_volume = false;
    uint64_t cur_off = 0;
    int64_t cur_part = -2;
    int volume = 0; /* fiwalk's <partition>: 1 for the first file system, 2 for the next... */
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
            volume++;
            cur_off = e->fs_offset_bytes;
            cur_part = e->partition;
        }
        fileobject(&o, e, i + 1, e->in_image ? volume : 0);
    }
    if (open_volume)
        custos__out_str(&o, "  </volume>\n");
    if (!image)
        for (size_t i = 0; i < m->nsource; i++) {
            custos__out_str(&o, "  <custos:operand>");
            xml_name(&o, m->source_names[i], strlen(m->source_names[i]));
            custos__out_str(&o, "</custos:operand>\n");
        }
    custos__out_str(&o, "</dfxml>\n");
    int err = custos__out_finish(&o);
    if (err != 0)
        return custos_error_set(&m->err, CUSTOS_E_IO, err, NULL, "cannot write manifest");
    return CUSTOS_OK;
}
