#!/bin/sh
# The printed custody outputs of custos-ledger export (issue 14): a case with
# Chinese names, a recorder, notes, a hand-over to a vendor who then destroys
# the item without a witness party in the ledger entry (custos-dispose
# records it so: the witness signs the certificate). Checked with tools that
# are not custos: grep on the text, python3's HTML parser on the HTML.
set -u
# Key loads run 600 000 PBKDF2 rounds; see tests/cli/key/_setup for why ASan gets a smaller quarantine.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8"
work=$(mktemp -d); trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
cd "$work" || exit 1
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }

for who in alice:custodian:"陳美玲" bob:custodian:"王大明" carol:witness:"林佳慧" \
  rita:recorder:"張書記" vera:vendor:"綠色銷毀股份有限公司"; do
  k=${who%%:*}; rest=${who#*:}; role=${rest%%:*}; name=${rest#*:}
  echo "passphrase of $k" > "$k.pass"
  custos-key generate -q --name "$name" --role "$role" -o "$k.key" --passphrase-file "$k.pass"
done
fp() { sed -n 's/^fingerprint: //p' "$1.key.pub"; }
t() { printf '2026-11-10T%s:00Z' "$1"; }
L="-q -l case.ledger"
s2() { for a in "$@"; do printf -- '--sign %s.key --passphrase-file %s.pass ' "$a" "${a#*=}"; done; }
# shellcheck disable=SC2046
{
custos-ledger open $L --time "$(t 08:00)" --key alice.key --passphrase-file alice.pass \
  --case IR-2026-0310 --level 2 --authorisation "搜索票 2026-W-88" --place "高雄分行"
m=1
for k in bob carol rita vera; do
  custos-ledger add --yes enroll $L --time "$(t 08:0$m)" $(s2 subject=$k approver=alice); m=$((m + 1))
done
custos-ledger add --yes collect $L --time "$(t 09:00)" $(s2 custodian=alice witness=carol recorder=rita) \
  --item E-1 --description "經理的筆記型電腦" --make Lenovo --model "ThinkPad X1" --serial PF3ABC12 \
  --location "三樓 3F-12 辦公室"
custos-ledger add --yes seal $L --time "$(t 09:30)" $(s2 custodian=alice witness=carol) --item E-1 \
  --seal TE-008812 --sha256 "$(printf 'bag' | sha256sum | cut -d' ' -f1)"
custos-ledger add --yes transfer $L --time "$(t 11:00)" $(s2 releaser=alice receiver=bob witness=carol recorder=rita) \
  --item E-1 --reason "送鑑識實驗室" --seal-checked "TE-008812 完整"
custos-ledger add --yes note $L --time "$(t 12:00)" $(s2 author=rita) --item E-1 --text "封條右下角有輕微摺痕，已拍照"
custos-ledger add --yes note $L --time "$(t 12:10)" $(s2 author=alice) --text "法務部同意於保存期滿後銷毀"
custos-ledger add --yes transfer $L --time "$(t 16:00)" $(s2 releaser=bob receiver=vera) --item E-1 \
  --reason "保存期滿銷毀"
custos-ledger add --yes dispose $L --time "$(t 16:30)" $(s2 vendor=vera custodian=bob) --item E-1 \
  --method "shredded to 2 mm (destroy)" --certificate VS-2026-7001 \
  --certificate-sha256 "$(printf 'bundle' | sha256sum | cut -d' ' -f1)"
}
check "the case ledger was built (12 entries)" '[ "$(wc -l < case.ledger)" -eq 12 ]'
custos-ledger export -q -l case.ledger -o exp; rc=$?
check "export exits 0" '[ $rc -eq 0 ]'
R=exp/custody-report.txt H=exp/custody-report.html
hash() { sed -n "${1}p" case.ledger | tr -d '\n' | sha256sum | cut -d' ' -f1; }
for f in $R $H; do
  check "$f: the item note with its author" 'grep -q "封條右下角有輕微摺痕，已拍照" $f && grep -q "by 張書記 (recorder)" $f'
  check "$f: the case note" 'grep -q "法務部同意於保存期滿後銷毀" $f'
  check "$f: the note entry hash" 'grep -q "$(hash 9)" $f && grep -q "$(hash 10)" $f'
  check "$f: the recorder of the transfer" 'grep -q "張書記 (recorder) key $(fp rita | cut -c1-16)" $f'
  check "$f: every custody row's entry hash is printed" \
    'grep -q "$(hash 6)" $f && grep -q "$(hash 8)" $f && grep -q "$(hash 11)" $f'
  check "$f: the witness of the destruction points at the certificate" \
    'grep -q "not a party to ledger entry 11; the witness signed certificate VS-2026-7001 (SHA-256 $(printf bundle | sha256sum | cut -c1-64))" $f'
  check "$f: no witness dash" '! grep -iq "witness to destruction[:<>/th d]*-$" $f && ! grep -q "Witness to destruction</th><td>-</td>" $f'
  check "$f: signature lines" 'grep -q "Prepared by (custodian)" $f && grep -q "Reviewed by (witness/legal)" $f'
  check "$f: the dispose entry hash" 'grep -q "$(hash 12)" $f'
done
check "text: the disposal is no second custody row to the vendor who held the item" \
  '! grep -q "disposal: shredded" $R && [ "$(grep -c -- "-- No\\." $R)" -eq 3 ]'
check "text: name/date/signature lines" 'grep -q "Name: ___" $R && grep -q "Date: ___" $R && grep -q "Signature: ___" $R'
check "HTML: the disposal is no custody row" '! grep -q "disposal: shredded" $H'
check "HTML: hashes in a visible column, not a title attribute" \
  'grep -q "<th>Entry SHA-256</th>" $H && ! grep -q "title=" $H'
check "HTML: rows do not split across pages in print" 'grep -q "tr{page-break-inside:avoid" $H'
check "HTML is well-formed enough for python's parser" \
  'python3 -c "import html.parser,sys; p=html.parser.HTMLParser(); p.feed(open(sys.argv[1]).read()); p.close()" $H'

# The report in Traditional Chinese.
custos-ledger export -q -l case.ledger --lang zh-TW -o exp-zh; rc=$?
check "export --lang zh-TW exits 0" '[ $rc -eq 0 ]'
for f in exp-zh/custody-report.txt exp-zh/custody-report.html; do
  for v in "證物保管鏈紀錄表" "交付人" "接收人" "目的" "紀錄人" "最終處置" "備註" "完整性" "製表人（保管人）" \
    "覆核人（見證人／法務）" "扣押於 三樓 3F-12 辦公室" "張書記 (紀錄人) 金鑰 $(fp rita | cut -c1-16)〔已簽章〕" \
    "封條右下角有輕微摺痕，已拍照" "$(hash 8)"; do
    check "$f has $v" 'grep -qF "$v" $f'
  done
done
check "HTML zh-TW says its language" 'grep -q "<html lang=\"zh-Hant-TW\">" exp-zh/custody-report.html'
# no English sentence of the report's own is left in the Chinese one (values
# people typed are theirs: the words below are custos's)
for f in exp-zh/custody-report.txt exp-zh/custody-report.html; do
  sed 's/<[^>]*>/ /g' $f | grep -nE '\<(entry|entries|held by|signed by|signatures|the case is open|Check this form|destroyed|enrolled|Participants|Organisation|Key fingerprint|Authorisation|Opened|Generated|Verified|Collected|Acquired|Sealed|witness to destruction|not a party)\>' > english.txt
  check "$f: no English of custos's own" '[ ! -s english.txt ]'; sed 's/^/#   /' english.txt | head -8
done
check "the kit is the same in both languages" 'cmp -s exp/kit/case.ledger exp-zh/kit/case.ledger'
custos-ledger show -q -l case.ledger --lang zh-TW > /dev/null 2> err; rc=$?
check "--lang belongs to export, form, label and status" '[ $rc -eq 2 ] && grep -q "export, form, label and status" err'
custos-ledger status -l case.ledger --lang zh-TW --time 2026-11-10T10:00:00Z > status-zh.txt; rc=$?
custos-ledger status -l case.ledger --time 2026-11-10T10:00:00Z > status-en.txt; rc_en=$?
check "status --lang zh-TW in Chinese, overdue exits 1 in both languages" \
  'grep -q "案件狀態" status-zh.txt && grep -q "通報期限" status-zh.txt && grep -q "已逾期 1 小時 0 分" status-zh.txt && grep -q "證物 E-1 .*銷毀" status-zh.txt &&
   ! grep -qE "report due|held by|Status at" status-zh.txt && grep -q "report due" status-en.txt &&
   [ $rc -eq 1 ] && [ $rc_en -eq 1 ]'
custos-ledger status -l case.ledger --lang zh-TW --json --time 2026-11-10T10:00:00Z > status-zh.json
check "status --json stays English with --lang zh-TW" 'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d[\"cases\"][0][\"report\"][\"text\"].isascii() is False)" status-zh.json'

# 2. The chain-of-custody form as PDF, in English and in Traditional Chinese.
review="${CUSTOS_BUILD_ROOT:-$work}/review/custody-print"
mkdir -p "$review"
custos-ledger form -l case.ledger -o form.pdf > out 2> err; rc=$?
check "form exits 0" '[ $rc -eq 0 ]'
check "form prints what it wrote" 'grep -q "^form.pdf: chain-of-custody form of case IR-2026-0310" out'
custos-ledger form -q -l case.ledger -o form.pdf 2> err; rc=$?
check "form refuses to overwrite (exit 6)" '[ $rc -ne 0 ] && grep -q "exists" err'
custos-ledger form -q -l case.ledger --item E-9 -o none.pdf 2> err; rc=$?
check "form of an unknown item exits 2" '[ $rc -eq 2 ] && [ ! -e none.pdf ]'
custos-ledger form -q -l case.ledger --lang fr -o none.pdf 2> err; rc=$?
check "--lang fr is refused" '[ $rc -eq 2 ] && grep -q "zh-TW" err'
custos-ledger form -q -l case.ledger --lang both -o none.pdf 2> err; rc=$?
check "--lang both is refused for the form (one language a form)" \
  '[ $rc -eq 2 ] && grep -q "en or zh-TW" err && [ ! -e none.pdf ]'
custos-ledger form -q -l case.ledger --item E-1 --lang zh-TW -o form-zh.pdf; rc=$?
check "form --lang zh-TW exits 0" '[ $rc -eq 0 ]'
check "the forms are PDF" '[ "$(head -c 5 form.pdf)" = "%PDF-" ] && [ "$(head -c 5 form-zh.pdf)" = "%PDF-" ]'
check "pdffonts: the CJK font is embedded" 'pdffonts form-zh.pdf 2> /dev/null | grep -q "UMing.* yes"'
pdftotext -layout form.pdf form.txt 2> /dev/null
pdftotext -layout form-zh.pdf form-zh.txt 2> /dev/null
# pdftotext splits table cells over lines: compare without the layout spaces
tr -d ' \n' < form.txt > form.flat; tr -d ' \n' < form-zh.txt > form-zh.flat
has() { grep -qF "$(printf '%s' "$2" | tr -d ' ')" "$1"; }
for f in form.flat form-zh.flat; do
  for v in IR-2026-0310 "搜索票 2026-W-88" E-1 "經理的筆記型電腦" Lenovo "ThinkPad X1" PF3ABC12 TE-008812 \
    "三樓 3F-12 辦公室" "陳美玲" "王大明" "綠色銷毀股份有限公司" "送鑑識實驗室" "TE-008812 完整" "保存期滿銷毀" \
    "shredded to 2 mm (destroy)" VS-2026-7001 "$(hash 6 | cut -c1-16)" "$(hash 8 | cut -c1-16)" \
    "$(hash 11 | cut -c1-16)" "$(fp alice | cut -c1-16)" "$(fp vera | cut -c1-16)" \
    "$(tail -n 1 case.ledger | tr -d '\n' | sha256sum | cut -c1-64)"; do
    check "$f has $v" 'has $f "$v"'
  done
done
for v in "CHAIN OF CUSTODY FORM" "Released by" "Received by" "Date / time" "Purpose" "Signature" \
  "Page 1 of 1" "ledger entry 7: digitally signed" "not a party to ledger entry 11"; do
  check "English form has $v" 'has form.flat "$v"'
done
for v in "證物保管鏈紀錄表" "交付人" "接收人" "日期時間" "目的" "簽名" "第 1 頁，共 1 頁" "帳本第 7 筆：已數位簽章" "扣押於 三樓 3F-12 辦公室"; do
  check "Chinese form has $v" 'has form-zh.flat "$v"'
done
check "blank rows follow the 3 pre-filled ones (rows 4 to 8 at least)" \
  'for k in 4 5 6 7 8; do grep -Eq "^ *$k *$" form.txt || exit 1; done'
rm -f "$review"/*.png
pdftoppm -r 100 -png form.pdf "$review/form-en" && pdftoppm -r 100 -png form-zh.pdf "$review/form-zh-TW"
check "the forms render as PNG for review (build/review/custody-print)" \
  '[ -s "$review/form-en-1.png" ] && [ -s "$review/form-zh-TW-1.png" ]'
# Each CJK glyph of the title is drawn: libharu 2.3.0 dropped the composite glyphs
# of wqy-microhei when it subset the font, and left 7 of the 8 blank. The title
# (15 points from x = 36, baseline 51 points from the top) is cut at 144 dpi into
# 8 cells of 30 pixels, one per glyph; each must hold ink.
ink() { # PDF CELLS: one x (ink) or . (blank) per cell, then the dark pixels in all
  pdftoppm -gray -r 144 -x 72 -y 70 -W 240 -H 44 -f 1 -l 1 -singlefile "$1" "$1.title" 2> /dev/null
  python3 -c "
import re, sys
d = open(sys.argv[1], 'rb').read()
m = re.match(rb'P5\s+(\d+)\s+(\d+)\s+\d+\s', d)
w, h, px = int(m[1]), int(m[2]), d[m.end():]
dark = [i % w for i, b in enumerate(px[:w * h]) if b < 128]
print(''.join('x' if any(c * 30 + 3 <= x < c * 30 + 27 for x in dark) else '.' for c in range(int(sys.argv[2]))), len(dark))
" "$1.title.pgm" "$2"
}
set -- $(ink form-zh.pdf 8); zh_cells=$1; zh_ink=$2
set -- $(ink form.pdf 8); en_ink=$2
check "the Chinese title is ink, glyph by glyph ($zh_cells; $zh_ink dark pixels)" '[ "$zh_cells" = xxxxxxxx ]'
check "the English title is ink too ($en_ink dark pixels)" '[ "$en_ink" -gt 300 ]'

# 4. The evidence-bag label: every field as text, and the QR code decoded by zbarimg.
custos-ledger label -q -l case.ledger -o none.pdf 2> err; rc=$?
check "label needs --item" '[ $rc -eq 2 ] && [ ! -e none.pdf ]'
custos-ledger label -q -l case.ledger --item E-1 -o label.pdf; rc=$?
custos-ledger label -q -l case.ledger --item E-1 --lang zh-TW -o label-zh.pdf; rc2=$?
check "label exits 0 in both languages" '[ $rc -eq 0 ] && [ $rc2 -eq 0 ]'
seal_hash=$(hash 7)   # entry 6, the seal
for f in label.pdf label-zh.pdf; do
  pdftotext -layout "$f" "$f.txt" 2> /dev/null; tr -d ' \n' < "$f.txt" > "$f.flat"
  for v in E-1 IR-2026-0310 "經理的筆記型電腦" Lenovo "ThinkPad X1" PF3ABC12 TE-008812 "三樓 3F-12 辦公室" \
    "$(printf bag | sha256sum | cut -c1-64)" "$seal_hash"; do
    check "$f has $v" 'has "$f.flat" "$v"'
  done
  pdftoppm -r 150 -png "$f" "$review/${f%.pdf}"
  qr=$(zbarimg -q --raw "$review/${f%.pdf}-1.png" 2> /dev/null)
  check "$f: zbarimg decodes the QR code: the seal entry and its hash" \
    'printf "%s" "$qr" | grep -Eq "^custos-ledger [0-9a-f-]+ entry 6 sha256 $seal_hash case IR-2026-0310 item E-1$"'
done
check "the Chinese label has its labels" 'has label-zh.pdf.flat "封緘編號" && has label-zh.pdf.flat "證物描述"'

# 5. A long history runs over pages: page x of y, the table head again on the next page.
# shellcheck disable=SC2046
{
custos-ledger add --yes collect $L --time "$(t 17:00)" $(s2 custodian=bob) --item E-2 \
  --description "隨身碟" --location "機房 B4"
for k in 1 2 3 4 5 6 7 8 9 10; do
  custos-ledger add --yes store $L --time "$(t 17:1$((k % 10)))" $(s2 custodian=bob) --item E-2 \
    --location "證物室 櫃 $k"
done
}
custos-ledger form -q -l case.ledger --item E-2 -o long.pdf; rc=$?
check "form of a long history exits 0" '[ $rc -eq 0 ]'
check "pdfinfo: 2 pages" '[ "$(pdfinfo long.pdf 2> /dev/null | sed -n "s/^Pages: *//p")" = 2 ]'
pdftotext -f 1 -l 1 long.pdf p1.txt 2> /dev/null; pdftotext -f 2 -l 2 long.pdf p2.txt 2> /dev/null
check "page 1 says Page 1 of 2" 'tr -d " \n" < p1.txt | grep -q "ItemE-2·Page1of2"'
check "page 2 says Page 2 of 2 and repeats the table head" \
  'tr -d " \n" < p2.txt | grep -q "Page2of2" && grep -q "Released by" p2.txt'
check "the last store row is on the form" 'pdftotext long.pdf - 2> /dev/null | tr -d " \n" | grep -q "證物室櫃10"'
pdftoppm -r 60 -png long.pdf "$review/form-long"

echo "1..$n"
[ "$failed" -eq 0 ]
