/* SPDX-License-Identifier: ISC */
/*
 * dispose_render_common.c: what the HTML (dispose_render_html.c) and PDF
 * (dispose_render_pdf.c) renderings of a certificate share: field lists in
 * the order both print them, labels in the language asked for, the QR text
 * and the timestamp line. It calls neither rendering.
 */
#include "custos/dispose.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "custos/timestamp.h"

#include "dispose_render_private.h"

const char *
custos__rjs(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s != NULL ? s : "";
}

/* The QR payload of every page. */
void
custos__render_qr_text(const struct custos__bundle *b, char *out, size_t len)
{
    snprintf(out, len, "%s sha256:%s", custos__rjs(b->cert, "certificate_id"), b->sha256);
}

/* The timestamp's genTime and TSA, as text, or "" when the bundle has none. */
void
custos__render_ts_text(const struct custos__bundle *b, int lang, char *out, size_t len)
{
    char path[PATH_MAX * 2], *tsr = NULL;
    size_t n = 0;
    struct custos_error e;
    struct custos_timestamp_info info;
    out[0] = '\0';
    snprintf(path, sizeof(path), "%s/%s", b->dir, CUSTOS_DISPOSE_TIMESTAMP_FILE);
    if (custos__read_small(path, CUSTOS_TIMESTAMP_REPLY_MAX, &tsr, &n, &e) != CUSTOS_OK)
        return;
    char zh[1200] = "", en[1200] = "";
    if (custos_timestamp_info((const uint8_t *)tsr, n, &info, &e) == CUSTOS_OK) {
        snprintf(zh, sizeof(zh),
                 "%s，時戳機構 %s（RFC 3161；以 custos-dispose verify --tsa-ca 查驗）",
                 info.gen_time, info.tsa_name[0] ? info.tsa_name : "未具名");
        snprintf(en, sizeof(en),
                 "%s by %s (RFC 3161; check it with custos-dispose verify --tsa-ca)", info.gen_time,
                 info.tsa_name[0] ? info.tsa_name : "an unnamed TSA");
    } else {
        snprintf(zh, sizeof(zh), "timestamp.tsr 無法讀取");
        snprintf(en, sizeof(en), "timestamp.tsr cannot be read");
    }
    if (lang == CUSTOS_LANG_ZH_TW)
        snprintf(out, len, "%s", zh);
    else if (lang == CUSTOS_LANG_EN)
        snprintf(out, len, "%s", en);
    else
        snprintf(out, len, "%s / %s", zh, en);
    free(tsr);
}

/* ---- labels ---- */

const char *
custos__L(struct custos__lab *l, const char *key)
{
    char *b = l->buf[l->next++ % 16];
    return custos__label(key, l->lang, b, sizeof(l->buf[0]));
}

const char *
custos__V(struct custos__lab *l, const json_t *o, const char *k)
{
    char *b = l->buf[l->next++ % 16];
    const char *v = custos__rjs(o, k), *t = custos__value(k, v, l->lang, b, sizeof(l->buf[0]));
    return t != NULL ? t : v;
}

void
custos__items_text(const json_t *attachment, char *out, size_t len)
{
    size_t j;
    json_t *s;
    out[0] = '\0';
    json_array_foreach(json_object_get(attachment, "items"), j, s)
    {
        size_t n = strlen(out);
        snprintf(out + n, len - n, "%s%s", j ? ", " : "", json_string_value(s));
    }
}

/* The fields of a certificate item, in the order both renderings list them
 * (destruction-proof.md, the certificate's items). */
const char *const custos__item_fields[] = {"make",
                                           "model",
                                           "serial",
                                           "capacity",
                                           "media_type",
                                           "source",
                                           "classification",
                                           "data_backed_up",
                                           "backup_location",
                                           "category",
                                           "method",
                                           "method_details",
                                           "standard",
                                           "level",
                                           "tool",
                                           "tool_version",
                                           "verification",
                                           "result",
                                           "note",
                                           "time",
                                           "location",
                                           "destination",
                                           "post_classification",
                                           NULL};

/* The fields of a party, in the order both renderings list them. */
const char *const custos__party_fields[] = {"name",    "title",    "organisation", "address",
                                            "contact", "location", "key",          NULL};

/* The signers, in the order the certificate lists them. */
const char *const custos__signer_roles[] = {CUSTOS_DISPOSE_PERFORMER, CUSTOS_DISPOSE_VERIFIER,
                                            CUSTOS_DISPOSE_WITNESS, NULL};

/* The letterhead's name: the vendor's organisation, else its name. */
const char *
custos__vendor_name(const json_t *c)
{
    const json_t *v = json_object_get(c, "vendor");
    return custos__rjs(v, "organisation")[0] ? custos__rjs(v, "organisation")
                                             : custos__rjs(v, "name");
}

/* "make model, serial" of an item for the summary table. */
void
custos__device_text(const json_t *it, char *out, size_t len)
{
    snprintf(out, len, "%s%s%s%s%s", custos__rjs(it, "make"),
             custos__rjs(it, "model")[0] ? " " : "", custos__rjs(it, "model"),
             custos__rjs(it, "serial")[0] ? " / " : "", custos__rjs(it, "serial"));
}
