/* SPDX-License-Identifier: ISC */
/*
 * labels.c: the label table of printed renderings (labels_private.h). The
 * Chinese follows the words of Taiwanese forms for evidence and for the
 * destruction of media; the English follows NIST SP 800-88 App. G.
 */
#include "labels_private.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *key, *zh, *en;
} labels[] = {
    /* the certificate and its page furniture */
    {"doc_title", "媒體銷毀證明書", "Certificate of Destruction"},
    {"certificate_id", "證明書編號", "Certificate No."},
    {"bundle_sha256", "證明包 SHA-256", "Bundle SHA-256"},
    {"record_note", "本文件為已簽章證明包之列印本，證明包方為正本紀錄",
     "The signed bundle is the record; this is its rendering"},
    {"check_note", "請以 custos-dispose verify 或 destruction-proof.md 所列指令查驗證明包",
     "Check the bundle with custos-dispose verify or the commands of destruction-proof.md"},
    {"certificate", "證明書", "Certificate"},
    {"issued", "簽發時間", "Issued"},
    {"timestamp", "時戳", "Timestamp"},
    {"order", "銷毀委託單", "Order"},
    {"order_sha256", "委託單 SHA-256", "Order SHA-256"},
    {"case", "案件編號", "Case"},
    {"ledger", "監管紀錄簿", "Ledger"},
    {"contract", "合約／採購單", "Contract"},
    {"custody", "收受", "Custody"},
    {"received_by", "收受人", "Received by"},
    {"received_at", "收受時間", "Received at"},
    {"carrier", "運送人", "Carrier"},
    /* parties */
    {"owner", "委託機關（資料所有人）", "Owner"},
    {"vendor", "銷毀廠商", "Vendor"},
    {"name", "姓名／名稱", "Name"},
    {"title", "職稱", "Title"},
    {"organisation", "機關／公司", "Organisation"},
    {"address", "地址", "Address"},
    {"contact", "聯絡方式", "Contact"},
    {"location", "地點", "Location"},
    {"key", "金鑰指紋 (SHA-256)", "Key fingerprint (SHA-256)"},
    {"certification", "認證", "Certification"},
    {"expires", "有效期限", "expires"},
    /* items */
    {"media", "銷毀媒體", "Media"},
    {"item", "證物", "Item"},
    {"id", "證物編號", "Item ID"},
    {"make", "廠牌", "Make"},
    {"model", "型號", "Model"},
    {"serial", "序號", "Serial number"},
    {"capacity", "容量", "Capacity"},
    {"media_type", "媒體類型", "Media type"},
    {"source", "來源", "Source"},
    {"classification", "機密等級", "Classification"},
    {"data_backed_up", "資料已備份", "Data backed up"},
    {"backup_location", "備份位置", "Backup location"},
    {"category", "處理類別", "Category"},
    {"method", "處理方法", "Method"},
    {"method_details", "方法說明", "Method details"},
    {"standard", "依據標準", "Standard"},
    {"level", "等級", "Level"},
    {"tool", "工具／設備", "Tool"},
    {"tool_version", "工具版本", "Tool version"},
    {"verification", "驗證方式", "Verification"},
    {"result", "結果", "Result"},
    {"note", "備註", "Note"},
    {"time", "執行時間", "Time"},
    {"destination", "殘餘物去向", "Destination"},
    {"post_classification", "處理後等級", "Post-sanitisation classification"},
    {"seals", "封條編號", "Seal"},
    {"item_summary", "項目一覽", "Items"},
    {"device", "廠牌／型號／序號", "Make / model / serial"},
    {"method_short", "類別／方法", "Category / method"},
    /* attestation, signers */
    {"attestation", "聲明", "Attestation"},
    {"signatures", "簽章", "Signatures"},
    {"performer", "執行人", "Performed by"},
    {"verifier", "查核人", "Verified by"},
    {"witness", "見證人", "Witnessed by"},
    {"digital_signature", "數位簽章", "Digital signature"},
    {"signed_note", "各簽章人以所列金鑰對 manifest.sha256 簽章 (Ed25519)，簽章檔見 signatures/",
     "Each signer signed manifest.sha256 with the key shown (Ed25519); the signatures are in "
     "signatures/"},
    {"handwritten", "親筆簽名", "Signature"},
    {"date", "日期", "Date"},
    /* attachments */
    {"attachments", "附件", "Attachments"},
    {"file", "檔案", "File"},
    {"kind", "種類", "Kind"},
    {"items", "相關證物", "Items"},
    {"mime", "檔案類型", "Type"},
    {"sha256", "SHA-256", "SHA-256"},
    {"description", "說明", "Description"},
    {"captured", "拍攝時間", "Captured"},
    {"photo_before", "銷毀前照片", "Photo before"},
    {"photo_during", "銷毀中照片", "Photo during"},
    {"photo_after", "銷毀後照片", "Photo after"},
    {"video", "影片", "Video"},
    {"wipe_log", "抹除紀錄", "Wipe log"},
    {"report", "報告", "Report"},
    {"other", "其他", "Other"},
    {"no_thumbnail", "（無縮圖：本圖無法解碼）", "(no thumbnail: the picture cannot be decoded)"},
};

/* The values of destruction-proof.md's enumerations. The Chinese of the
 * sanitization categories follows the Taiwanese rendering of NIST SP
 * 800-88: 清除 (clear), 清洗 (purge), 破壞 (destroy). */
static const struct {
    const char *field, *value, *zh;
} values[] = {
    {"category", "clear", "清除"},
    {"category", "purge", "清洗"},
    {"category", "destroy", "破壞"},
    {"method", "overwrite", "覆寫"},
    {"method", "block_erase", "區塊抹除"},
    {"method", "crypto_erase", "加密抹除"},
    {"method", "degauss", "消磁"},
    {"method", "shred", "粉碎"},
    {"method", "disintegrate", "碎解"},
    {"method", "incinerate", "焚化"},
    {"method", "other", "其他"},
    {"verification", "full", "全面驗證"},
    {"verification", "sampling", "抽樣驗證"},
    {"verification", "visual", "目視檢查"},
    {"verification", "none", "未驗證"},
    {"result", "destroyed", "已銷毀"},
    {"result", "sanitized", "已清除"},
    {"result", "exception", "例外"},
    {"data_backed_up", "yes", "是"},
    {"data_backed_up", "no", "否"},
    {"data_backed_up", "unknown", "不明"},
};

const char *
custos__value(const char *field, const char *value, int lang, char *buf, size_t len)
{
    for (size_t i = 0; lang != CUSTOS_LANG_EN && i < sizeof(values) / sizeof(values[0]); i++) {
        if (strcmp(values[i].field, field) != 0 || strcmp(values[i].value, value) != 0)
            continue;
        if (lang == CUSTOS_LANG_ZH_TW)
            snprintf(buf, len, "%s（%s）", values[i].zh, value);
        else
            snprintf(buf, len, "%s / %s", values[i].zh, value);
        return buf;
    }
    return NULL;
}

int
custos_lang_parse(const char *s, int *lang)
{
    if (s == NULL)
        return -1;
    if (strcmp(s, "zh-TW") == 0)
        *lang = CUSTOS_LANG_ZH_TW;
    else if (strcmp(s, "en") == 0)
        *lang = CUSTOS_LANG_EN;
    else if (strcmp(s, "both") == 0 || strcmp(s, "zh-TW,en") == 0)
        *lang = CUSTOS_LANG_BOTH;
    else
        return -1;
    return 0;
}

int
custos__label_known(const char *key)
{
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (strcmp(labels[i].key, key) == 0)
            return 1;
    return 0;
}

const char *
custos__label(const char *key, int lang, char *buf, size_t len)
{
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
        if (strcmp(labels[i].key, key) != 0)
            continue;
        if (lang == CUSTOS_LANG_ZH_TW)
            snprintf(buf, len, "%s", labels[i].zh);
        else if (lang == CUSTOS_LANG_EN)
            snprintf(buf, len, "%s", labels[i].en);
        else
            snprintf(buf, len, "%s / %s", labels[i].zh, labels[i].en);
        return buf;
    }
    snprintf(buf, len, "%s", key);
    return buf;
}

void
custos__page_of(int lang, int x, int y, char *buf, size_t len)
{
    if (lang == CUSTOS_LANG_ZH_TW)
        snprintf(buf, len, "第 %d 頁，共 %d 頁", x, y);
    else if (lang == CUSTOS_LANG_EN)
        snprintf(buf, len, "Page %d of %d", x, y);
    else
        snprintf(buf, len, "第 %d 頁，共 %d 頁 / Page %d of %d", x, y, x, y);
}
