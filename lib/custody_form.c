/* SPDX-License-Identifier: ISC */
/*
 * custody_form.c: the custody report, laid out like a paper chain-of-custody
 * form (DA Form 4137 and the NIST sample form: per item its description and
 * make/model/serial, then one row per change of custody with released by,
 * received by, date and time, purpose and seal, then the final disposal and
 * its witness), as plain text and as one self-contained HTML page.
 *
 * Every person is printed with the name enrolled in the ledger and the first
 * 16 hex digits of the key fingerprint (the full fingerprints are in the
 * participants table), and every row names the ledger entry it comes from,
 * so a reader can check any line of the form against the ledger with the
 * verification kit. The integrity block at the end carries the ledger head
 * and Merkle root (and the checkpoint, when one was checked): writing them
 * on the signed paper copy pins the ledger the form was made from.
 */
#include "custos/custody.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custos/custos.h"
#include "custody_private.h"

void
custos__custody_who(char *buf, size_t len, const struct custos_custody_party *p, int lang)
{
    if (p == NULL) {
        snprintf(buf, len, "-");
        return;
    }
    snprintf(buf, len, "%s (%s) %s %.16s%s", p->name, custos__tr(lang, p->role),
             custos__tr(lang, "key"), p->fp,
             custos__tr(lang, p->sig == CUSTOS_CUSTODY_OWED       ? " [signature owed]"
                              : p->sig == CUSTOS_CUSTODY_ATTESTED ? " [signed late]"
                                                                  : " [signed]"));
}

#define who(buf, len, p) custos__custody_who(buf, len, p, lang)
#define T(s)             custos__tr(lang, (s))
/* A sentence with values, whose Chinese word order differs: both are literals
 * so that -Wformat checks each against its arguments. */
#define ZH(en, zh) (lang == CUSTOS_LANG_ZH_TW ? (zh) : (en))

/* A labelled line of a custody row in the text form ("     purpose:     VALUE"). */
static void
trow(struct custos__sb *b, int lang, const char *label, const char *value)
{
    char l[128];
    snprintf(l, sizeof(l), "%s:", T(label));
    custos__sb_printf(b, "     %-13s%s\n", l, value);
}

/* Fills r for a change of custody; returns 0 when e is not one. */
static int
custody_row(const struct custos_custody_event *e, const char *location,
            struct custos__custody_row *r, int lang)
{
    memset(r, 0, sizeof(*r));
    r->e = e;
    r->seal = custos_custody_field(e, "seal_checked");
    who(r->witness, sizeof(r->witness), custos__custody_party(e, "witness"));
    who(r->recorder, sizeof(r->recorder), custos__custody_party(e, "recorder"));
    const char *a = e->action;
    char where[300];
    snprintf(where, sizeof(where), "%s %s", custos__tr(lang, "storage:"),
             location ? location : custos__tr(lang, "(location not recorded)"));
    if (strcmp(a, "collect") == 0) {
        const char *loc = custos_custody_field(e, "location");
        snprintf(r->released, sizeof(r->released), "%s %s", custos__tr(lang, "seized at"),
                 loc ? loc : (e->place ? e->place : custos__tr(lang, "(not recorded)")));
        who(r->received, sizeof(r->received), custos__custody_party(e, "custodian"));
        r->purpose = custos__tr(lang, "collection");
    } else if (strcmp(a, "transfer") == 0) {
        who(r->released, sizeof(r->released), custos__custody_party(e, "releaser"));
        who(r->received, sizeof(r->received), custos__custody_party(e, "receiver"));
        r->purpose = custos_custody_field(e, "reason");
    } else if (strcmp(a, "store") == 0) {
        who(r->released, sizeof(r->released), custos__custody_party(e, "custodian"));
        snprintf(r->received, sizeof(r->received), "%s %s", custos__tr(lang, "storage:"),
                 custos_custody_field(e, "location"));
        r->purpose = custos__tr(lang, "storage");
    } else if (strcmp(a, "access") == 0) {
        int out = strcmp(custos_custody_field(e, "direction"), "out") == 0;
        snprintf(r->purpose_buf, sizeof(r->purpose_buf), "%s: %s",
                 custos__tr(lang, out ? "check-out" : "check-in"),
                 custos_custody_field(e, "purpose"));
        r->purpose = r->purpose_buf;
        if (out) {
            snprintf(r->released, sizeof(r->released), "%s", where);
            who(r->received, sizeof(r->received), custos__custody_party(e, "custodian"));
        } else {
            who(r->released, sizeof(r->released), custos__custody_party(e, "custodian"));
            snprintf(r->received, sizeof(r->received), "%s", where);
        }
    } else if (strcmp(a, "dispose") == 0) {
        /* a vendor who already holds the item took custody at its transfer
         * row; the destruction itself is the FINAL DISPOSAL block */
        const struct custos_custody_party *v = custos__custody_party(e, "vendor");
        if (v != NULL && strcmp(e->holder_before, v->fp) == 0)
            return 0;
        who(r->released, sizeof(r->released), custos__custody_party(e, "custodian"));
        who(r->received, sizeof(r->received), custos__custody_party(e, "vendor"));
        snprintf(r->purpose_buf, sizeof(r->purpose_buf), "%s: %s", custos__tr(lang, "disposal"),
                 custos_custody_field(e, "method"));
        r->purpose = r->purpose_buf;
    } else {
        return 0;
    }
    return 1;
}

/* The rows of one item; location is tracked as the table goes. */
struct custos__custody_row *
custos__custody_rows(const struct custos_custody *m, const struct custos_custody_item *it, int lang,
                     size_t *count)
{
    size_t n = 0;
    const char *location = NULL;
    struct custos__custody_row *rows = calloc(it->nevents ? it->nevents : 1, sizeof(*rows));
    *count = 0;
    if (rows == NULL)
        return NULL;
    for (size_t i = 0; i < it->nevents; i++) {
        const struct custos_custody_event *e = &m->events[it->events[i]];
        if (strcmp(e->action, "store") == 0 || strcmp(e->action, "collect") == 0)
            location = custos_custody_field(e, "location");
        if (custody_row(e, location, &rows[n], lang))
            n++;
    }
    *count = n;
    return rows;
}

/*
 * The witness of a destruction: the dispose entry's witness party; else the
 * certificate's witness that custos-dispose verify names in the entry
 * (certificate_witness: the witness signs the certificate bundle, not the
 * entry); else say where the witness is.
 */
void
custos__custody_destruction_witness(char *buf, size_t len, const struct custos_custody_event *e,
                                    int lang)
{
    const struct custos_custody_party *w = custos__custody_party(e, "witness");
    const char *cert = custos_custody_field(e, "certificate");
    const char *sha = custos_custody_field(e, "certificate_sha256");
    const char *cw = custos_custody_field(e, "certificate_witness");
    const char *cwk = custos_custody_field(e, "certificate_witness_key");
    int zh = lang == CUSTOS_LANG_ZH_TW;
    if (w != NULL)
        who(buf, len, w);
    else if (cw != NULL && cert != NULL)
        snprintf(buf, len,
                 zh ? "%s（見證人）金鑰 %.16s，簽署銷毀證明 %s"
                    : "%s (witness) key %.16s, signed certificate %s",
                 cw, cwk ? cwk : "-", cert);
    else if (cert != NULL)
        snprintf(buf, len,
                 zh ? "非帳本第 %" PRIu64 " 筆之當事人；見證人簽署銷毀證明 %s%s%s%s"
                    : "not a party to ledger entry %" PRIu64
                      "; the witness signed certificate %s%s%s%s",
                 e->seq, cert, sha ? " (SHA-256 " : "", sha ? sha : "", sha ? ")" : "");
    else
        snprintf(buf, len,
                 zh ? "帳本第 %" PRIu64 " 筆未記錄" : "none recorded in ledger entry %" PRIu64,
                 e->seq);
}

/* A note entry as one line: when, who and what, with its entry and hash. */
static void
note_line(char *buf, size_t len, const struct custos_custody_event *e, int lang)
{
    char when[128], by[512];
    custos__custody_when(e, lang, when, sizeof(when));
    who(by, sizeof(by), custos__custody_party(e, "author"));
    const char *text = custos_custody_field(e, "text") ? custos_custody_field(e, "text") : "";
    if (lang == CUSTOS_LANG_ZH_TW)
        snprintf(buf, len, "帳本第 %" PRIu64 " 筆，%s，%s：%s", e->seq, when, by, text);
    else
        snprintf(buf, len, "entry %" PRIu64 ", %s, by %s: %s", e->seq, when, by, text);
}

static size_t
count_notes(const struct custos_custody *m, const struct custos_custody_item *it)
{
    size_t n = 0;
    if (it != NULL) {
        for (size_t i = 0; i < it->nevents; i++)
            n += strcmp(m->events[it->events[i]].action, "note") == 0;
    } else {
        for (size_t i = 0; i < m->nevents; i++)
            n += strcmp(m->events[i].action, "note") == 0 && m->events[i].item == NULL;
    }
    return n;
}

/* The i-th note of item it (or of the case when it is NULL), or NULL. */
static const struct custos_custody_event *
nth_note(const struct custos_custody *m, const struct custos_custody_item *it, size_t k)
{
    size_t n = it != NULL ? it->nevents : m->nevents;
    for (size_t i = 0; i < n; i++) {
        const struct custos_custody_event *e =
            it != NULL ? &m->events[it->events[i]] : &m->events[i];
        if (strcmp(e->action, "note") == 0 && (it != NULL || e->item == NULL) && k-- == 0)
            return e;
    }
    return NULL;
}

static void
text_notes(struct custos__sb *b, const struct custos_custody *m,
           const struct custos_custody_item *it, int lang)
{
    size_t n = count_notes(m, it);
    if (n == 0)
        return;
    custos__sb_puts(b, T(it != NULL ? "\n  NOTES\n" : "NOTES ON THE CASE\n"));
    for (size_t k = 0; k < n; k++) {
        const struct custos_custody_event *e = nth_note(m, it, k);
        char line[6000];
        note_line(line, sizeof(line), e, lang);
        custos__sb_printf(b, "  -- %s\n     %s:  %s\n", line, T("entry hash"), e->sha256);
    }
    if (it == NULL)
        custos__sb_printf(b, "\n");
}

/* Lines for the handwritten signatures of whoever certifies the paper copy. */
static const char *const signers[] = {"Prepared by (custodian)", "Reviewed by (witness/legal)"};

static void
text_item(struct custos__sb *b, const struct custos_custody *m,
          const struct custos_custody_item *it, int lang)
{
    custos__sb_printf(
        b, "\n==============================================================================\n");
    custos__sb_printf(b, "%s %s\n", T("ITEM"), it->id);
    custos__sb_printf(b, ZH("  Description:   %s\n", "  證物描述:      %s\n"),
                      it->description ? it->description : "-");
    custos__sb_printf(b, ZH("  Make:          %s\n", "  廠牌:          %s\n"),
                      it->make ? it->make : "-");
    custos__sb_printf(b, ZH("  Model:         %s\n", "  型號:          %s\n"),
                      it->model ? it->model : "-");
    custos__sb_printf(b, ZH("  Serial number: %s\n", "  序號:          %s\n"),
                      it->serial ? it->serial : "-");
    custos__sb_printf(b,
                      ZH("  Collected:     %s at %s (entry %" PRIu64 ")\n",
                         "  扣押:          %s，%s（帳本第 %" PRIu64 " 筆）\n"),
                      it->collected_time, it->collected_at ? it->collected_at : "-", it->collected);
    for (size_t i = 0; i < it->nevents; i++) {
        const struct custos_custody_event *e = &m->events[it->events[i]];
        char when[128];
        custos__custody_when(e, lang, when, sizeof(when));
        if (strcmp(e->action, "acquire") == 0) {
            custos__sb_printf(b,
                              ZH("  Acquired:      %s (entry %" PRIu64 "), record %s\n",
                                 "  映像擷取:      %s（帳本第 %" PRIu64 " 筆），紀錄 %s\n"),
                              when, e->seq, custos_custody_field(e, "record"));
            custos__sb_printf(
                b, ZH("                 record SHA-256 %s\n", "                 紀錄 SHA-256 %s\n"),
                custos_custody_field(e, "record_sha256"));
            static const char *const h[][2] = {
                {"image_sha256", "image SHA-256"}, {"md5", "image MD5"}, {"sha1", "image SHA-1"}};
            for (size_t k = 0; k < 3; k++)
                if (custos_custody_field(e, h[k][0]))
                    custos__sb_printf(b, "                 %s %s\n", T(h[k][1]),
                                      custos_custody_field(e, h[k][0]));
        } else if (strcmp(e->action, "seal") == 0) {
            custos__sb_printf(
                b,
                ZH("  Sealed:        %s (entry %" PRIu64 "), seal %s, package SHA-256 %s\n",
                   "  封緘:          %s（帳本第 %" PRIu64 " 筆），封緘編號 %s，封裝 SHA-256 %s\n"),
                when, e->seq, custos_custody_field(e, "seal"), custos_custody_field(e, "sha256"));
        } else if (strcmp(e->action, "verify") == 0) {
            custos__sb_printf(b,
                              ZH("  Verified:      %s (entry %" PRIu64 "), %s%s%s\n",
                                 "  驗證:          %s（帳本第 %" PRIu64 " 筆），%s%s%s\n"),
                              when, e->seq, custos_custody_field(e, "result"),
                              custos_custody_field(e, "sha256") ? ", SHA-256 " : "",
                              custos_custody_field(e, "sha256") ? custos_custody_field(e, "sha256")
                                                                : "");
        }
    }
    custos__sb_puts(b, T("\n  CHAIN OF CUSTODY\n"));
    size_t n;
    struct custos__custody_row *rows = custos__custody_rows(m, it, lang, &n);
    if (rows == NULL) {
        b->oom = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct custos__custody_row *r = &rows[i];
        char when[128];
        custos__custody_when(r->e, lang, when, sizeof(when));
        custos__sb_printf(b,
                          ZH("  -- No. %zu  entry %" PRIu64 "  %s\n",
                             "  -- 序號 %zu  帳本第 %" PRIu64 " 筆  %s\n"),
                          i + 1, r->e->seq, when);
        trow(b, lang, "released by", r->released);
        trow(b, lang, "received by", r->received);
        trow(b, lang, "purpose", r->purpose ? r->purpose : "-");
        trow(b, lang, "seal", r->seal ? r->seal : "-");
        trow(b, lang, "witness", r->witness);
        trow(b, lang, "recorded by", r->recorder);
        trow(b, lang, "entry hash", r->e->sha256);
    }
    free(rows);
    custos__sb_puts(b, T("\n  FINAL DISPOSAL\n"));
    if (it->disposed != CUSTOS_CUSTODY_NONE) {
        const struct custos_custody_event *e = &m->events[it->disposed];
        char w[512];
        custos__sb_printf(b,
                          ZH("     action:      destroyed (entry %" PRIu64 ", %s)\n",
                             "     處置:        已銷毀（帳本第 %" PRIu64 " 筆，%s）\n"),
                          e->seq, e->time);
        trow(b, lang, "method", custos_custody_field(e, "method"));
        custos__sb_printf(
            b, ZH("     certificate: %s%s%s\n", "     銷毀證明:    %s%s%s\n"),
            custos_custody_field(e, "certificate") ? custos_custody_field(e, "certificate") : "-",
            custos_custody_field(e, "certificate_sha256") ? ", SHA-256 " : "",
            custos_custody_field(e, "certificate_sha256")
                ? custos_custody_field(e, "certificate_sha256")
                : "");
        who(w, sizeof(w), custos__custody_party(e, "vendor"));
        trow(b, lang, "vendor", w);
        who(w, sizeof(w), custos__custody_party(e, "custodian"));
        trow(b, lang, "authority", w);
        custos__custody_destruction_witness(w, sizeof(w), e, lang);
        custos__sb_printf(b, "     %s: %s\n", T("witness to destruction"), w);
        who(w, sizeof(w), custos__custody_party(e, "recorder"));
        trow(b, lang, "recorded by", w);
        trow(b, lang, "entry hash", e->sha256);
    } else {
        const struct custos_custody_person *h = custos_custody_person(m, it->holder);
        custos__sb_printf(b, "     %s %s (%s %.16s)%s%s\n", T("none: held by"),
                          h ? h->name : T("an unknown key"), T("key"), it->holder,
                          it->location ? " @ " : "", it->location ? it->location : "");
    }
    text_notes(b, m, it, lang);
}

static void
text_form(struct custos__sb *b, const struct custos_custody *m, const char *generated, int lang)
{
    const struct custos_ledger_report *r = m->report;
    custos__sb_printf(b, "%s\n", T("CHAIN OF CUSTODY FORM (all times UTC)"));
    custos__sb_printf(b, ZH("Case %s (incident level %d)\n\n", "案號 %s（事件等級 %d）\n\n"),
                      m->case_id, m->level);
    custos__sb_printf(b, ZH("  Authorisation:   %s\n", "  授權依據:        %s\n"),
                      m->authorisation);
    custos__sb_printf(b, ZH("  Opened:          %s%s%s\n", "  開案:            %s%s%s\n"),
                      m->opened, m->place ? ZH(" at ", "，地點：") : "", m->place ? m->place : "");
    custos__sb_printf(b,
                      ZH("  Report due:      %s (1 h after opening)\n"
                         "  Recovery due:    %s (%d h for level %d)\n",
                         "  通報期限:        %s（開案後 1 小時）\n"
                         "  復原期限:        %s（%d 小時，等級 %d）\n"),
                      m->report_due, m->recovery_due, m->level >= 3 ? 36 : 72, m->level);
    if (m->closed != CUSTOS_CUSTODY_NONE)
        custos__sb_printf(b, ZH("  Closed:          %s: %s\n", "  結案:            %s：%s\n"),
                          m->closed_time, m->close_reason ? m->close_reason : "");
    else
        custos__sb_printf(b, "%s",
                          ZH("  Closed:          no (the case is open)\n",
                             "  結案:            否（案件進行中）\n"));
    custos__sb_printf(b,
                      ZH("  Ledger:          %s (%" PRIu64 " entries)\n",
                         "  帳本:            %s（共 %" PRIu64 " 筆）\n"),
                      m->ledger_id, r->entries);
    custos__sb_printf(
        b, ZH("  Generated:       %s by custos %s\n", "  產製時間:        %s，custos %s\n"),
        generated, custos_version());

    custos__sb_puts(b, T("\nPARTICIPANTS (names and keys as enrolled in the ledger)\n"));
    for (size_t i = 0; i < m->npeople; i++) {
        const struct custos_custody_person *p = &m->people[i];
        custos__sb_printf(
            b,
            ZH("  %s, %s%s%s\n    key %s\n    enrolled at entry %" PRIu64 " (%s)%s\n",
               "  %s，%s%s%s\n    金鑰 %s\n    登錄於帳本第 %" PRIu64 " 筆（%s）%s\n"),
            p->name, T(p->role), p->organisation ? ZH(", ", "，") : "",
            p->organisation ? p->organisation : "", p->fp, p->enrolled, p->enrolled_time,
            p->revoked != CUSTOS_CUSTODY_NONE ? ZH(", REVOKED", "，已撤銷") : "");
    }
    for (size_t i = 0; i < m->nitems; i++)
        text_item(b, m, &m->items[i], lang);
    custos__sb_printf(
        b, "\n==============================================================================\n");
    text_notes(b, m, NULL, lang);
    if (m->npending > 0) {
        custos__sb_printf(b, "%s\n", T("SIGNATURES STILL OWED"));
        for (size_t i = 0; i < m->npending; i++)
            custos__sb_printf(b,
                              ZH("  entry %" PRIu64 ": %s %s (key %.16s)\n",
                                 "  帳本第 %" PRIu64 " 筆：%s %s（金鑰 %.16s）\n"),
                              m->pending[i].seq, T(m->pending[i].as), m->pending[i].name,
                              m->pending[i].fp);
        custos__sb_printf(b, "\n");
    }
    custos__sb_printf(b, "%s\n", T("INTEGRITY (write these on the signed paper copy)"));
    custos__sb_printf(b, ZH("  Ledger entries:  %" PRIu64 "\n", "  帳本筆數:        %" PRIu64 "\n"),
                      r->entries);
    custos__sb_printf(b, ZH("  Ledger head:     %s\n", "  帳本末筆雜湊:    %s\n"), r->head);
    custos__sb_printf(b, ZH("  Merkle root:     %s\n", "  Merkle 根:       %s\n"), r->root_b64);
    if (r->checkpoint_checked)
        custos__sb_printf(b,
                          ZH("  Checkpoint:      %" PRIu64 " entries, signed by %s\n"
                             "                   kit/checkpoint.note, SHA-256 %s\n",
                             "  檢查點:          共 %" PRIu64 " 筆，由 %s 簽署\n"
                             "                   kit/checkpoint.note，SHA-256 %s\n"),
                          r->checkpoint_size, r->checkpoint_signers, m->checkpoint_sha256);
    else
        custos__sb_printf(b, "%s",
                          ZH("  Checkpoint:      none was given to the export\n",
                             "  檢查點:          匯出時未提供\n"));
    custos__sb_printf(b,
                      ZH("  Verified:        %s, %" PRIu64 " signatures\n",
                         "  驗證結果:        %s，共 %" PRIu64 " 個簽章\n"),
                      r->status == CUSTOS_OK ? ZH("OK", "通過")
                                             : ZH("OK, signatures owed", "通過，尚欠簽章"),
                      r->signatures);
    custos__sb_printf(
        b, "%s",
        ZH("\n  Check this form against the ledger with the verification kit in kit/\n"
           "  (see kit/README.txt); every row names its ledger entry.\n",
           "\n  請以 kit/ 內之驗證工具（見 kit/README.txt）核對本表與帳本；\n"
           "  每列均註明帳本筆次。\n"));
    custos__sb_puts(b, T("\nSIGNATURES (by hand on the paper copy)\n"));
    for (size_t i = 0; i < sizeof(signers) / sizeof(signers[0]); i++)
        custos__sb_printf(b,
                          "\n  %s\n  %s: ______________________________  "
                          "%s: ____________\n  %s: _________________________\n",
                          T(signers[i]), T("Name"), T("Date"), T("Signature"));
}

static void
html_cell(struct custos__sb *b, const char *s)
{
    custos__sb_puts(b, "<td>");
    custos__sb_html(b, s != NULL ? s : "-");
    custos__sb_puts(b, "</td>");
}

static void
html_kv(struct custos__sb *b, const char *k, const char *v)
{
    custos__sb_printf(b, "<tr><th>%s</th>", k);
    html_cell(b, v);
    custos__sb_puts(b, "</tr>\n");
}

static void
html_notes(struct custos__sb *b, const struct custos_custody *m,
           const struct custos_custody_item *it, int lang)
{
    size_t n = count_notes(m, it);
    if (n == 0)
        return;
    if (it == NULL)
        custos__sb_printf(b, "<h2>%s</h2>\n", T("Notes on the case"));
    custos__sb_printf(b, "<table>\n<tr><th>%s</th><th>%s</th></tr>\n",
                      T(it != NULL ? "Notes" : "Note"), T("Entry SHA-256"));
    for (size_t k = 0; k < n; k++) {
        const struct custos_custody_event *e = nth_note(m, it, k);
        char line[6000];
        note_line(line, sizeof(line), e, lang);
        custos__sb_puts(b, "<tr>");
        html_cell(b, line);
        custos__sb_printf(b, "<td class=\"mono\">%s</td></tr>\n", e->sha256);
    }
    custos__sb_puts(b, "</table>\n");
}

/* The case: its level, authorisation, dates, ledger, and when this was made. */
static void
html_case(struct custos__sb *b, const struct custos_custody *m, const char *generated, int lang)
{
    const struct custos_ledger_report *r = m->report;
    char buf[1024];
    custos__sb_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
                      lang == CUSTOS_LANG_ZH_TW ? "zh-Hant-TW" : "en");
    custos__sb_printf(b, "<title>%s ", T("Chain of custody:"));
    custos__sb_html(b, m->case_id);
    custos__sb_puts(
        b, "</title>\n<style>\n"
           "body{font-family:sans-serif;font-size:11pt;margin:2em;color:#000}\n"
           "h1{font-size:16pt}h2{font-size:13pt;border-top:2px solid #000;padding-top:.5em}\n"
           "table{border-collapse:collapse;width:100%;margin:.5em 0 1em}\n"
           "th,td{border:1px solid #000;padding:3px 5px;text-align:left;vertical-align:top}\n"
           "th{background:#eee}.mono{font-family:monospace;font-size:9pt;word-break:break-all}\n"
           "tr{page-break-inside:avoid;break-inside:avoid}\n"
           ".sig td{height:3em}\n"
           "@media print{h2{page-break-before:auto;page-break-after:avoid}body{margin:0}}\n"
           "</style>\n</head>\n<body>\n");
    custos__sb_printf(b, "<h1>%s ", T("Chain of custody form: case"));
    custos__sb_html(b, m->case_id);
    custos__sb_puts(b, "</h1>\n<table>\n");
    snprintf(buf, sizeof(buf), "%d", m->level);
    html_kv(b, T("Incident level"), buf);
    html_kv(b, T("Authorisation"), m->authorisation);
    snprintf(buf, sizeof(buf), "%s%s%s", m->opened, m->place ? ZH(" at ", "，地點：") : "",
             m->place ? m->place : "");
    html_kv(b, T("Opened"), buf);
    html_kv(b, T("Report due (UTC)"), m->report_due);
    html_kv(b, T("Recovery due (UTC)"), m->recovery_due);
    if (m->closed != CUSTOS_CUSTODY_NONE)
        snprintf(buf, sizeof(buf), "%s: %s", m->closed_time,
                 m->close_reason ? m->close_reason : "");
    else
        snprintf(buf, sizeof(buf), "%s", ZH("no (the case is open)", "否（案件進行中）"));
    html_kv(b, T("Closed"), buf);
    snprintf(buf, sizeof(buf), ZH("%s (%" PRIu64 " entries)", "%s（共 %" PRIu64 " 筆）"),
             m->ledger_id, r->entries);
    html_kv(b, T("Ledger"), buf);
    snprintf(buf, sizeof(buf), ZH("%s by custos %s", "%s，custos %s 產製"), generated,
             custos_version());
    html_kv(b, T("Generated"), buf);
}

/* Everyone enrolled, with their keys and when they were enrolled or revoked. */
static void
html_people(struct custos__sb *b, const struct custos_custody *m, int lang)
{
    char buf[1024];
    custos__sb_printf(b, "</table>\n<h2>%s</h2>\n<table>\n<tr>", T("Participants"));
    static const char *const ph[] = {
        "Name", "Role", "Organisation", "Key fingerprint (SHA-256)", "Enrolled", "Revoked"};
    for (size_t i = 0; i < sizeof(ph) / sizeof(ph[0]); i++)
        custos__sb_printf(b, "<th>%s</th>", T(ph[i]));
    custos__sb_puts(b, "</tr>\n");
    for (size_t i = 0; i < m->npeople; i++) {
        const struct custos_custody_person *p = &m->people[i];
        custos__sb_puts(b, "<tr>");
        html_cell(b, p->name);
        html_cell(b, T(p->role));
        html_cell(b, p->organisation);
        custos__sb_printf(b, "<td class=\"mono\">%s</td>", p->fp);
        snprintf(buf, sizeof(buf), ZH("entry %" PRIu64 ", %s", "帳本第 %" PRIu64 " 筆，%s"),
                 p->enrolled, p->enrolled_time);
        html_cell(b, buf);
        if (p->revoked != CUSTOS_CUSTODY_NONE)
            snprintf(buf, sizeof(buf), ZH("entry %" PRIu64 ": %s", "帳本第 %" PRIu64 " 筆：%s"),
                     p->revoked, p->revoke_reason ? p->revoke_reason : "");
        html_cell(b, p->revoked != CUSTOS_CUSTODY_NONE ? buf : ZH("no", "否"));
        custos__sb_puts(b, "</tr>\n");
    }
    custos__sb_puts(b, "</table>\n");
}

/* How item it left custody: destroyed (with whom), or still held by whom. */
static void
html_disposal(struct custos__sb *b, const struct custos_custody *m,
              const struct custos_custody_item *it, int lang)
{
    char buf[1024];
    if (it->disposed != CUSTOS_CUSTODY_NONE) {
        const struct custos_custody_event *e = &m->events[it->disposed];
        snprintf(buf, sizeof(buf),
                 ZH("destroyed, entry %" PRIu64 ", %s", "已銷毀，帳本第 %" PRIu64 " 筆，%s"),
                 e->seq, e->time);
        html_kv(b, T("Final disposal"), buf);
        html_kv(b, T("Method"), custos_custody_field(e, "method"));
        html_kv(b, T("Certificate"), custos_custody_field(e, "certificate"));
        html_kv(b, T("Certificate SHA-256"), custos_custody_field(e, "certificate_sha256"));
        who(buf, sizeof(buf), custos__custody_party(e, "vendor"));
        html_kv(b, T("Vendor"), buf);
        who(buf, sizeof(buf), custos__custody_party(e, "custodian"));
        html_kv(b, T("Disposal authority"), buf);
        custos__custody_destruction_witness(buf, sizeof(buf), e, lang);
        html_kv(b, T("Witness to destruction"), buf);
        who(buf, sizeof(buf), custos__custody_party(e, "recorder"));
        html_kv(b, T("Recorded by"), buf);
        custos__sb_printf(b, "<tr><th>%s</th><td class=\"mono\">%s</td></tr>\n", T("Entry SHA-256"),
                          e->sha256);
    } else {
        snprintf(buf, sizeof(buf), "%s %s (%s %.16s)%s%s", T("none: held by"),
                 custos__custody_name(m, it->holder), T("key"), it->holder,
                 it->location ? ZH(" at ", "，地點：") : "", it->location ? it->location : "");
        html_kv(b, T("Final disposal"), buf);
    }
}

/* One item: what it is, its acquisitions, seals and verifications, its
 * chain of custody, its disposal and notes. -1 when out of memory. */
static int
html_item(struct custos__sb *b, const struct custos_custody *m,
          const struct custos_custody_item *it, int lang)
{
    char buf[1024];
    custos__sb_printf(b, "<h2>%s ", T("Item"));
    custos__sb_html(b, it->id);
    custos__sb_puts(b, "</h2>\n<table>\n");
    html_kv(b, T("Description"), it->description);
    html_kv(b, T("Make"), it->make);
    html_kv(b, T("Model"), it->model);
    html_kv(b, T("Serial number"), it->serial);
    snprintf(buf, sizeof(buf),
             ZH("%s at %s (entry %" PRIu64 ")", "%s，%s（帳本第 %" PRIu64 " 筆）"),
             it->collected_time, it->collected_at ? it->collected_at : "-", it->collected);
    html_kv(b, T("Collected"), buf);
    for (size_t i = 0; i < it->nevents; i++) {
        const struct custos_custody_event *e = &m->events[it->events[i]];
        if (strcmp(e->action, "acquire") == 0 || strcmp(e->action, "seal") == 0 ||
            strcmp(e->action, "verify") == 0) {
            snprintf(buf, sizeof(buf), ZH("%s (entry %" PRIu64 ")", "%s（帳本第 %" PRIu64 " 筆）"),
                     strcmp(e->action, "acquire") == 0 ? ZH("Acquired", "映像擷取")
                     : strcmp(e->action, "seal") == 0  ? ZH("Sealed", "封緘")
                                                       : ZH("Verified", "驗證"),
                     e->seq);
            custos__sb_printf(b, "<tr><th>%s</th><td class=\"mono\">", buf);
            custos__sb_html(b, e->text);
            custos__sb_puts(b, "</td></tr>\n");
        }
    }
    static const char *const ch[] = {"No.",         "Entry",        "Date/time", "Released by",
                                     "Received by", "Purpose",      "Seal",      "Witness",
                                     "Recorded by", "Entry SHA-256"};
    custos__sb_puts(b, "</table>\n<table>\n<tr>");
    for (size_t i = 0; i < 10; i++)
        custos__sb_printf(b, "<th>%s</th>", T(ch[i]));
    custos__sb_puts(b, "</tr>\n");
    size_t n;
    struct custos__custody_row *rows = custos__custody_rows(m, it, lang, &n);
    if (rows == NULL) {
        b->oom = 1;
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const struct custos__custody_row *rw = &rows[i];
        custos__sb_printf(b, "<tr><td>%zu</td><td>%" PRIu64 "</td>", i + 1, rw->e->seq);
        char when[128];
        custos__custody_when(rw->e, lang, when, sizeof(when));
        html_cell(b, when);
        html_cell(b, rw->released);
        html_cell(b, rw->received);
        html_cell(b, rw->purpose);
        html_cell(b, rw->seal);
        html_cell(b, rw->witness);
        html_cell(b, rw->recorder);
        custos__sb_printf(b, "<td class=\"mono\">%s</td>", rw->e->sha256);
        custos__sb_puts(b, "</tr>\n");
    }
    free(rows);
    custos__sb_puts(b, "</table>\n<table>\n");
    html_disposal(b, m, it, lang);
    custos__sb_puts(b, "</table>\n");
    html_notes(b, m, it, lang);
    return 0;
}

/* The integrity of the ledger the form comes from, and the signature block. */
static void
html_integrity(struct custos__sb *b, const struct custos_custody *m, int lang)
{
    const struct custos_ledger_report *r = m->report;
    char buf[1024];
    custos__sb_printf(b, "<h2>%s</h2>\n<table>\n", T("Integrity"));
    snprintf(buf, sizeof(buf), "%" PRIu64, r->entries);
    html_kv(b, T("Ledger entries"), buf);
    custos__sb_printf(b, "<tr><th>%s</th><td class=\"mono\">%s</td></tr>\n", T("Ledger head"),
                      r->head);
    custos__sb_printf(b, "<tr><th>%s</th><td class=\"mono\">%s</td></tr>\n", T("Merkle root"),
                      r->root_b64);
    if (r->checkpoint_checked) {
        snprintf(buf, sizeof(buf),
                 ZH("%" PRIu64 " entries, signed by %s (kit/checkpoint.note, SHA-256 %s)",
                    "共 %" PRIu64 " 筆，由 %s 簽署（kit/checkpoint.note，SHA-256 %s）"),
                 r->checkpoint_size, r->checkpoint_signers, m->checkpoint_sha256);
        html_kv(b, T("Checkpoint"), buf);
    } else {
        html_kv(b, T("Checkpoint"), ZH("none was given to the export", "匯出時未提供"));
    }
    snprintf(buf, sizeof(buf), ZH("%s, %" PRIu64 " signatures", "%s，共 %" PRIu64 " 個簽章"),
             r->status == CUSTOS_OK ? ZH("OK", "通過")
                                    : ZH("OK, signatures owed", "通過，尚欠簽章"),
             r->signatures);
    html_kv(b, T("Verified"), buf);
    custos__sb_puts(b,
                    ZH("</table>\n<p>Check this form against the ledger with the verification "
                       "kit in <code>kit/</code> (see <code>kit/README.txt</code>); every row "
                       "names its ledger entry and shows its entry hash.</p>\n",
                       "</table>\n<p>請以 <code>kit/</code> 內之驗證工具（見 "
                       "<code>kit/README.txt</code>）核對本表與帳本；每列均註明帳本筆次及該筆雜湊。"
                       "</p>\n"));
    custos__sb_printf(b,
                      "<h2>%s</h2>\n<table class=\"sig\">\n<tr><th></th><th>%s</th>"
                      "<th>%s</th><th>%s</th></tr>\n",
                      T("Signatures"), T("Name"), T("Date"), T("Signature"));
    for (size_t i = 0; i < sizeof(signers) / sizeof(signers[0]); i++)
        custos__sb_printf(b, "<tr><th>%s</th><td></td><td></td><td></td></tr>\n", T(signers[i]));
    custos__sb_puts(b, "</table>\n</body>\n</html>\n");
}

static void
html_form(struct custos__sb *b, const struct custos_custody *m, const char *generated, int lang)
{
    char buf[1024];
    html_case(b, m, generated, lang);
    html_people(b, m, lang);
    for (size_t k = 0; k < m->nitems; k++)
        if (html_item(b, m, &m->items[k], lang) != 0)
            return;
    html_notes(b, m, NULL, lang);
    if (m->npending > 0) {
        custos__sb_printf(b, "<h2>%s</h2>\n<ul>\n", T("Signatures still owed"));
        for (size_t i = 0; i < m->npending; i++) {
            snprintf(buf, sizeof(buf),
                     ZH("entry %" PRIu64 ": %s %s (key %.16s)",
                        "帳本第 %" PRIu64 " 筆：%s %s（金鑰 %.16s）"),
                     m->pending[i].seq, T(m->pending[i].as), m->pending[i].name, m->pending[i].fp);
            custos__sb_puts(b, "<li>");
            custos__sb_html(b, buf);
            custos__sb_puts(b, "</li>\n");
        }
        custos__sb_puts(b, "</ul>\n");
    }
    html_integrity(b, m, lang);
}

int
custos_custody_form(const struct custos_custody *m, int html, const char *generated, char **out,
                    struct custos_error *err)
{
    return custos_custody_form_lang(m, html, CUSTOS_LANG_EN, generated, out, err);
}

int
custos_custody_form_lang(const struct custos_custody *m, int html, int lang, const char *generated,
                         char **out, struct custos_error *err)
{
    int rc = custos__custody_lang_check(lang, m->path, err);
    if (rc != CUSTOS_OK)
        return rc;
    struct custos__sb b = {0};
    if (html)
        html_form(&b, m, generated, lang);
    else
        text_form(&b, m, generated, lang);
    *out = custos__sb_take(&b);
    if (*out == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, m->path, "out of memory");
    return CUSTOS_OK;
}
