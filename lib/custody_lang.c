/* SPDX-License-Identifier: ISC */
/*
 * custody_lang.c: the labels of the printed custody outputs in Traditional
 * Chinese. The English text is the key, so a label missing here prints in
 * English rather than wrong. Terms follow Taiwanese evidence forms
 * (證物保管鏈, 交付人, 接收人, 封緘).
 */
#include <string.h>

#include "custos/custody.h"
#include "custos/custos.h"
#include "custody_private.h"

static const char *const zh[][2] = {
    /* roles and signature states */
    {"custodian", "保管人"},
    {"witness", "見證人"},
    {"recorder", "紀錄人"},
    {"vendor", "銷毀廠商"},
    {"legal", "法務"},
    {"key", "金鑰"},
    {" [signature owed]", "〔尚欠簽章〕"},
    {" [signed late]", "〔事後補簽〕"},
    {" [signed]", "〔已簽章〕"},
    /* custody rows */
    {"collection", "扣押"},
    {"storage", "入庫保管"},
    {"check-out", "取出"},
    {"check-in", "歸還"},
    {"disposal", "銷毀"},
    {"seized at", "扣押於"},
    {"storage:", "保管處所："},
    {"(location not recorded)", "（未記錄處所）"},
    {"(not recorded)", "（未記錄）"},
    /* the PDF form */
    {"CHAIN OF CUSTODY FORM", "證物保管鏈紀錄表"},
    {"Case", "案號"},
    {"Incident level", "事件等級"},
    {"Authorisation", "授權依據"},
    {"Item", "證物編號"},
    {"Description", "證物描述"},
    {"Make / model / serial", "廠牌／型號／序號"},
    {"Seal", "封緘編號"},
    {"Collected", "扣押"},
    {"Final disposal", "最終處置"},
    {"none: held by", "尚未處置，現由下列人員保管："},
    {"destroyed", "已銷毀"},
    {"certificate", "銷毀證明"},
    {"Witness to destruction", "銷毀見證人"},
    {"witness to destruction", "銷毀見證人"},
    {"an unknown key", "不明金鑰"},
    {"Ledger", "帳本"},
    {"Ledger head", "帳本末筆雜湊"},
    {"Generated", "產製時間"},
    {"No.", "序號"},
    {"Date / time", "日期時間"},
    {"Released by", "交付人"},
    {"Received by", "接收人"},
    {"Purpose", "目的"},
    {"Signature", "簽名"},
    {"ledger entry", "帳本第"},
    {"entry", "筆"},
    {"digitally signed", "已數位簽章"},
    {"signature owed", "尚欠簽章"},
    {"Pre-filled rows come from the ledger; each names its entry and the first 16 hex digits "
     "of the entry's SHA-256. Write the next handovers in the blank rows and record them in "
     "the ledger.",
     "預先填入的各列取自帳本，並註明帳本筆次及該筆 SHA-256 前 16 "
     "位。後續交接請填寫於空白列，並登錄於帳本。"},
    {"all times UTC unless an offset is shown", "時間除另註時區外均為 UTC"},
    {"none recorded", "未記錄"},
    /* the custody report (text and HTML) */
    {"Chain of custody:", "證物保管鏈："},
    {"Chain of custody form: case", "證物保管鏈紀錄表：案號"},
    {"CHAIN OF CUSTODY FORM (all times UTC)", "證物保管鏈紀錄表（時間均為 UTC）"},
    {"ITEM", "證物"},
    {"\n  CHAIN OF CUSTODY\n", "\n  保管鏈\n"},
    {"\n  FINAL DISPOSAL\n", "\n  最終處置\n"},
    {"\n  NOTES\n", "\n  備註\n"},
    {"NOTES ON THE CASE\n", "案件備註\n"},
    {"\nPARTICIPANTS (names and keys as enrolled in the ledger)\n",
     "\n參與人員（姓名及金鑰依帳本登錄）\n"},
    {"SIGNATURES STILL OWED", "尚欠之簽章"},
    {"INTEGRITY (write these on the signed paper copy)", "完整性（請抄錄於簽署之紙本）"},
    {"\nSIGNATURES (by hand on the paper copy)\n", "\n簽名（於紙本親簽）\n"},
    {"Prepared by (custodian)", "製表人（保管人）"},
    {"Reviewed by (witness/legal)", "覆核人（見證人／法務）"},
    {"Name", "姓名"},
    {"Date", "日期"},
    {"released by", "交付人"},
    {"received by", "接收人"},
    {"purpose", "目的"},
    {"seal", "封緘"},
    {"recorded by", "紀錄人"},
    {"entry hash", "該筆雜湊"},
    {"action", "處置"},
    {"method", "方法"},
    {"authority", "核准人"},
    {"Participants", "參與人員"},
    {"Role", "角色"},
    {"Organisation", "單位"},
    {"Key fingerprint (SHA-256)", "金鑰指紋（SHA-256）"},
    {"Enrolled", "登錄"},
    {"Revoked", "撤銷"},
    {"Opened", "開案"},
    {"Report due (UTC)", "通報期限（UTC）"},
    {"Recovery due (UTC)", "復原期限（UTC）"},
    {"Closed", "結案"},
    {"Make", "廠牌"},
    {"Model", "型號"},
    {"Serial number", "序號"},
    {"Entry", "帳本筆次"},
    {"Date/time", "日期時間"},
    {"Witness", "見證人"},
    {"Recorded by", "紀錄人"},
    {"Entry SHA-256", "該筆 SHA-256"},
    {"Method", "方法"},
    {"Certificate", "銷毀證明"},
    {"Certificate SHA-256", "銷毀證明 SHA-256"},
    {"Vendor", "銷毀廠商"},
    {"Disposal authority", "核准銷毀之保管人"},
    {"Notes", "備註"},
    {"Note", "備註"},
    {"Notes on the case", "案件備註"},
    {"Signatures", "簽名"},
    {"Signatures still owed", "尚欠之簽章"},
    {"Integrity", "完整性"},
    {"Ledger entries", "帳本筆數"},
    {"Merkle root", "Merkle 根"},
    {"Checkpoint", "檢查點"},
    {"Verified", "驗證結果"},
    /* the bag label */
    {"EVIDENCE", "證物"},
    {"image SHA-256", "映像檔 SHA-256"},
    {"image MD5", "映像檔 MD5"},
    {"image SHA-1", "映像檔 SHA-1"},
    {"package SHA-256", "封裝 SHA-256"},
};

const char *
custos__tr(int lang, const char *en)
{
    if (lang != CUSTOS_LANG_ZH_TW || en == NULL)
        return en;
    for (size_t i = 0; i < sizeof(zh) / sizeof(zh[0]); i++)
        if (strcmp(zh[i][0], en) == 0)
            return zh[i][1];
    return en;
}

int
custos__custody_lang_check(int lang, const char *path, struct custos_error *err)
{
    if (lang == CUSTOS_LANG_EN || lang == CUSTOS_LANG_ZH_TW)
        return CUSTOS_OK;
    return custos_error_set(err, CUSTOS_E_USAGE, 0, path,
                            "custody forms, labels and reports are printed in one language: en "
                            "or zh-TW");
}
