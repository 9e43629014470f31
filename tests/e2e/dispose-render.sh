#!/bin/sh
# custos-dispose render (issue 14): the certificate printed in Traditional
# Chinese, English and both, checked with independent tools: pdftotext finds
# every field (Chinese included) and the labels in the chosen language, no
# raw JSON key, no word cut, no heading at a page foot, "page x of y" and
# the bundle digest on each page; zbarimg reads the QR code of each page;
# pdfimages finds each photo on its caption's page, a 16-bit PNG drawn once
# in its colours. The pages are written as PNG under the build directory
# (review/dispose-render/) for a person to look at.
set -u
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { # DESC WANT-EXIT GOT-EXIT
  if [ "$2" -eq "$3" ]; then pass "$1"; else fail "$1 (exit $3, want $2)"; sed 's/^/#   /' err; fi
}
for t in pdftotext pdftoppm pdfimages pdfinfo zbarimg convert python3 weasyprint; do
  command -v $t > /dev/null || { echo "1..0 # SKIP $t not installed"; exit 0; }
done
review=${CUSTOS_BUILD_ROOT:-$work}/review/dispose-render
rm -rf "$review"; mkdir -p "$review"

# the case: a custodian, the vendor's receiver, performer, verifier, witness
for who in alice:custodian:林怡君 vera:vendor:陳維拉 olaf:vendor:王大明 sam:vendor:李小華 \
           wendy:witness:張美玲; do
  k=${who%%:*}; r=${who#*:}; r=${r%%:*}; echo "passphrase of $k" > "$k.pass"
  custos-key generate -q --name "${who##*:}" --role "$r" -o "$k.key" --passphrase-file "$k.pass"
done
L="-q -l case.ledger"
custos-ledger open $L --time 2026-11-20T09:00:00+08:00 --key alice.key --passphrase-file alice.pass \
  --case 北檢-115-偵-7 --level 3 --authorisation "CISO-117"
for p in vera olaf sam wendy; do
  custos-ledger add --yes enroll $L --time 2026-11-20T09:01:00+08:00 --sign subject=$p.key \
    --sign approver=alice.key --passphrase-file $p.pass --passphrase-file alice.pass
done
ITEMS="E-001 E-002 E-003 E-004 E-005"
args=""
for id in $ITEMS; do
  custos-ledger add --yes collect $L --time 2026-11-20T10:00:00+08:00 --sign custodian=alice.key \
    --passphrase-file alice.pass --item "$id" --description "硬碟 $id" --serial "SN-$id"
  args="$args --item $id --media-type $id=hdd"
done
custos-dispose order --yes -q -l case.ledger --order-id DO-7-1 $args \
  --vendor-organisation "臺灣媒體銷毀股份有限公司" --sign releaser=alice.key --party receiver=vera.key.pub \
  --passphrase-file alice.pass --time 2026-11-20T11:00:00+08:00 -o order.json 2> err
check "order" 0 $?

# photos: 8-bit before, and a 16-bit RGB PNG after (left half red, right half blue)
convert -size 64x48 xc:green photo-b.png
convert -size 40x48 xc:red -size 40x48 xc:blue +append -depth 16 PNG48:photo16.png
convert -size 64x48 xc:yellow photo-a.jpg
python3 - photo16.png <<'PY' || fail "photo16.png is a 16-bit RGB PNG"
import sys, struct
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n"
w, h, depth, colour = struct.unpack(">IIBB", d[16:26])
assert (w, h, depth, colour) == (80, 48, 16, 2), (w, h, depth, colour)
PY
printf 'wipe log: 1 pass zeros, verified\n' > wipe.log
python3 - <<'PY'
import json
long = ("The platters were cut into strips of twenty millimetres and no copy was kept "
        "of any data on this medium; the strips were weighed and sealed in bag B-9.")
items = []
for i, id in enumerate("E-001 E-002 E-003 E-004 E-005".split()):
    # long models: the per-item table spans two pages
    model = "藍標 Blue" + (" WD10EZEX-00BN5A0 revision %d of the desktop drive series" % i) * 3
    items.append({"id": id, "make": "WD", "model": model, "serial": "SN-" + id,
                  "capacity": "1 TB", "media_type": "hdd", "source": "財務部伺服器",
                  "classification": "機密", "data_backed_up": "no", "category": "destroy",
                  "method": "shred", "method_details": long if i == 0 else "二十毫米碎片 %d" % i,
                  "standard": "DIN 66399", "level": "H-5", "tool": "HSM Powerline",
                  "tool_version": "FA 500.3", "verification": "visual", "result": "destroyed",
                  "note": "封條完整 %s" % id, "time": "2026-11-21T01:0%d:00Z" % i,
                  "location": "基隆廠", "destination": "回收商 %d" % i,
                  "post_classification": "公開"})
d = {"certificate_id": "VS-2026-917", "contract": "採購案 PO 4411",
     "owner": {"name": "範例股份有限公司", "address": "臺北市信義區松仁路 100 號",
               "contact": "02-2720-0000"},
     "vendor": {"name": "臺灣媒體銷毀股份有限公司", "address": "基隆市七堵區工業路 5 號（第二廠區，收件請洽警衛室，平日上午九時至下午五時，例假日不收件，大型車輛請由工業路二段側門進出並先行電話聯繫）",
                "certifications": [{"scheme": "NAID AAA", "id": "N-1234", "expires": "2027-06-30"}]},
     "attestation": "本公司茲證明上列媒體已依所述方法銷毀。We certify that the media listed were destroyed as described.",
     "custody": {"received_by": "陳維拉", "received_at": "2026-11-20T03:30:00Z", "carrier": "黑貓宅急便"},
     "items": items,
     "people": {"performer": {"title": "作業員"}, "verifier": {"title": "主管"},
                "witness": {"title": "稽核員", "organisation": "公證事務所",
                            "contact": "witness@example.tw", "location": "基隆廠見證室"}},
     "attachments": [
         {"file": "photo-b.png", "kind": "photo_before", "items": ["E-001"], "description": "銷毀前"},
         {"file": "photo16.png", "kind": "photo_after", "items": ["E-001"], "description": "銷毀後 16-bit"},
         {"file": "photo-a.jpg", "kind": "photo_after", "items": ["E-002", "E-003", "E-004", "E-005"]},
         {"file": "wipe.log", "kind": "other", "items": ["E-001"], "description": "紀錄"}]}
json.dump(d, open("draft.json", "w"), ensure_ascii=False)
PY
custos-dispose certify -q --yes --order order.json --draft draft.json --sign performer=olaf.key \
  --sign verifier=sam.key --sign witness=wendy.key --passphrase-file olaf.pass \
  --passphrase-file sam.pass --passphrase-file wendy.pass -o proof 2> err
check "certify" 0 $?
bsha=$(sha256sum proof/manifest.sha256 | cut -d' ' -f1)

for lang in zh-TW en both; do
  custos-dispose render proof --lang $lang -o cert-$lang.pdf > /dev/null 2> err
  check "render --lang $lang writes a PDF" 0 $?
  custos-dispose render proof --lang $lang -o cert-$lang.html > /dev/null 2> err
  check "render --lang $lang writes HTML" 0 $?
  pdftotext -layout cert-$lang.pdf cert-$lang.txt
done
custos-dispose render proof -o cert-default.pdf > /dev/null 2> err
check "render without --lang" 0 $?
custos-dispose render proof --lang fr -o cert-fr.pdf > /dev/null 2> err
check "render --lang fr is a usage error" 2 $?
[ ! -e cert-fr.pdf ] && pass "nothing written for --lang fr" || fail "nothing written for --lang fr"

# every field of the certificate, Chinese included, in each PDF and HTML
cat > fields.py <<'PY'
import json, sys, html, re
c = json.load(open("proof/certificate.json"))
vals = []
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k not in ("pub", "format", "size", "kind"):  # kinds print as labels
                walk(x)
    elif isinstance(v, list):
        for x in v: walk(x)
    elif isinstance(v, str):
        vals.append(v)
walk(c)
text = open(sys.argv[1], encoding="utf-8").read()
if sys.argv[1].endswith(".html"):
    text = html.unescape(re.sub(r"<[^>]*>", " ", text))
flat = re.sub(r"\s+", "", text)
missing = [v for v in vals if re.sub(r"\s+", "", v) not in flat]
for m in missing: print("#   missing:", m)
sys.exit(1 if missing else 0)
PY
for f in cert-zh-TW.txt cert-en.txt cert-both.txt cert-en.html cert-zh-TW.html; do
  python3 fields.py $f && pass "$f holds every field of the certificate" ||
    fail "$f holds every field of the certificate"
done
grep -q '臺灣媒體銷毀股份有限公司' cert-en.txt && grep -q '基隆廠' cert-zh-TW.txt &&
  pass "Chinese values print as Chinese" || fail "Chinese values print as Chinese"

# Chinese glyphs are drawn, not only present as text: each of the twelve
# characters of the vendor's name in the letterhead (12 points each, from
# x = 42 points, baseline 54 points from the top) leaves ink on the page
pdftoppm -r 144 -f 1 -l 1 -x 84 -y 80 -W 288 -H 40 -gray cert-en.pdf ink
convert ink*.pgm -compress none ink.txt.pgm
python3 - ink.txt.pgm <<'PY' && pass "every Chinese character of the letterhead is drawn" || fail "every Chinese character of the letterhead is drawn"
import sys
t = open(sys.argv[1]).read().split()
w, h = int(t[1]), int(t[2]); px = list(map(int, t[4:]))
cells = [any(px[y * w + x] < 128 for y in range(h) for x in range(c * 24 + 2, c * 24 + 22)) for c in range(12)]
print("#   inked cells:", "".join("x" if c else "." for c in cells))
sys.exit(0 if all(cells) else 1)
PY

# labels: people's words in the chosen language, never a JSON key
raw='method_details|tool_version|media_type|post_classification|received_by|received_at|data_backed_up|photo_before|photo_after|certificate_id'
for f in cert-zh-TW.txt cert-en.txt cert-both.txt cert-zh-TW.html cert-en.html; do
  [ ! -s $f ] || sed 's/<[^>]*>/ /g' $f | grep -Eq "$raw" && fail "$f: no raw JSON key as a label" ||
    pass "$f: no raw JSON key as a label"
done
has_all() { # FILE LABEL...
  f=$1; shift
  for w in "$@"; do grep -qF -- "$w" "$f" || { echo "#   $f lacks: $w"; return 1; }; done
}
has_all cert-en.txt "Certificate of Destruction" "Method details" "Tool version" "Received by" \
  "Received at" "Carrier" "Ledger" "Performed by" "Verified by" "Witnessed by" "Signature" "Date" \
  "Photo before" "Serial number" && ! grep -q '方法說明' cert-en.txt &&
  pass "English labels (and no Chinese labels) with --lang en" || fail "English labels with --lang en"
has_all cert-zh-TW.txt "媒體銷毀證明書" "方法說明" "工具版本" "收受人" "收受時間" "運送人" \
  "監管紀錄簿" "執行人" "查核人" "見證人" "親筆簽名" "日期" "銷毀前照片" "序號" &&
  ! grep -q 'Method details' cert-zh-TW.txt &&
  pass "Chinese labels (and no English labels) with --lang zh-TW" || fail "Chinese labels with --lang zh-TW"
has_all cert-both.txt "方法說明 / Method details" "收受人 / Received by" "監管紀錄簿 / Ledger" &&
  cmp -s cert-both.txt "$(pdftotext -layout cert-default.pdf - > cert-default.txt; echo cert-default.txt)" &&
  pass "both languages side by side, the default" || fail "both languages side by side, the default"
# recorded values of the enumerations: in Chinese with the value as recorded
# beside it, never translated in English (pdftotext of a table cell may wrap,
# so spaces and newlines are taken out)
tr -d ' \n' < cert-zh-TW.txt > zh-flat.txt; tr -d ' \n' < cert-both.txt > both-flat.txt
has_all zh-flat.txt "粉碎（shred）" "已銷毀（destroyed）" "目視檢查（visual）" "破壞（destroy）" "否（no）" &&
  has_all both-flat.txt "粉碎/shred" "已銷毀/destroyed" &&
  ! grep -q '粉碎' cert-en.txt && grep -q 'shred' cert-en.txt &&
  has_all cert-zh-TW.html "粉碎（shred）" "已銷毀（destroyed）" &&
  pass "enumerated values in the chosen language, the recorded value kept" ||
  fail "enumerated values in the chosen language, the recorded value kept"
has_all cert-en.html "Method details" "Received by" "Ledger" "Signature" &&
  has_all cert-zh-TW.html "方法說明" "收受人" "親筆簽名" && grep -q 'lang="zh-Hant-TW"' cert-zh-TW.html &&
  pass "the HTML has the same labels" || fail "the HTML has the same labels"

# the signature block: each signer's name, title and key, and a date and signature space
ok=1
for k in olaf sam wendy; do
  fp=$(custos-key show "$k.key.pub" | sed -n 's/.*\([0-9a-f]\{64\}\).*/\1/p' | head -1)
  [ -n "$fp" ] && tr -d ' \n' < cert-en.txt | grep -q "$fp" || { ok=0; echo "#   no fingerprint of $k ($fp)"; }
done
[ "$(grep -c 'Signature' cert-en.txt)" -ge 3 ] && [ "$(grep -c 'Date' cert-en.txt)" -ge 3 ] || ok=0
has_all cert-en.txt "王大明" "作業員" "李小華" "主管" "張美玲" "稽核員" || ok=0
[ $ok = 1 ] && pass "a signature block per signer: name, title, key, signature and date" ||
  fail "a signature block per signer: name, title, key, signature and date"

# each attachment's caption keeps its labels across a page break
[ "$(grep -cE '^ *Kind  ' cert-en.txt)" -eq 4 ] && [ "$(grep -cE '^ *File  ' cert-en.txt)" -eq 4 ] &&
  pass "each attachment has its Kind and File labels" || fail "each attachment has its Kind and File labels"

# the letterhead's long address stops short of the QR code with "…"; the
# vendor block prints it in full (every field above)
pdftotext -layout -f 1 -l 1 cert-en.pdf - | head -3 | grep -q '基隆市七堵區.*…' &&
  pass "a letterhead line too long for its place ends in …" ||
  fail "a letterhead line too long for its place ends in …"

# the per-item table repeats its header on each page it spans
pages=$(pdfinfo cert-en.pdf | sed -n 's/^Pages: *//p'); th=0; tr=0
for p in $(seq 1 "$pages"); do
  pdftotext -layout -f $p -l $p cert-en.pdf page.txt
  grep -qE '^ *E-00[0-9] +WD' page.txt && tr=$((tr + 1))
  grep -q 'Make / model / serial' page.txt && th=$((th + 1))
done
[ $tr -ge 2 ] && [ $th -eq $tr ] && pass "the item table spans $tr pages, each with its header" ||
  fail "the item table's header on each of its pages (rows on $tr pages, header on $th)"

# no word cut across lines (the long English method details)
python3 - cert-en.txt <<'PY' && pass "no word is cut across lines" || fail "no word is cut across lines"
import re, sys
words = set(re.findall(r"[A-Za-z]+", open(sys.argv[1]).read()))
want = re.findall(r"[A-Za-z]+", "The platters were cut into strips of twenty millimetres and no copy "
                  "was kept of any data on this medium the strips were weighed and sealed in bag")
missing = [w for w in want if w not in words]
print("#   cut:", missing) if missing else None
sys.exit(1 if missing else 0)
PY

# per page: "page x of y", the digest, the QR code, no heading at the foot
for lang in en zh-TW; do
  f=cert-$lang.pdf
  pages=$(pdfinfo $f | sed -n 's/^Pages: *//p')
  [ "$pages" -ge 2 ] && pass "$f has $pages pages" || fail "$f has several pages ($pages)"
  pdftoppm -r 150 -png $f "$review/$lang-page"
  okp=0; okq=0; okh=0
  for p in $(seq 1 "$pages"); do
    pdftotext -layout -f $p -l $p $f page.txt
    if [ $lang = en ]; then want="Page $p of $pages"; else want="第 $p 頁，共 $pages 頁"; fi
    grep -qF "$want" page.txt && tr -d ' \n' < page.txt | grep -q "$bsha" && okp=$((okp + 1))
    png=$(ls "$review/$lang-page-"*"$p.png" | grep -E -- "-0*$p\.png$")
    [ "$(zbarimg -q --raw "$png")" = "VS-2026-917 sha256:$bsha" ] && okq=$((okq + 1))
    # the last line above the footer is not a heading
    last=$(grep -v '^\s*$' page.txt | grep -vE 'SHA-256:|Page [0-9]+ of|第 [0-9]+ 頁' | tail -1)
    echo "$last" | grep -qE '^\s*(Item E-[0-9]+|證物 E-[0-9]+|Items|項目一覽|Signatures|簽章|Attachments|附件|Attestation|聲明|Owner|Vendor|委託機關.*|銷毀廠商|Custody|收受|Certificate|證明書)\s*$' &&
      echo "#   page $p ends with the heading: $last" || okh=$((okh + 1))
  done
  [ $okp -eq "$pages" ] && pass "$f: each page says its number of $pages and the digest" ||
    fail "$f: each page says its number and the digest ($okp of $pages)"
  [ $okq -eq "$pages" ] && pass "$f: zbarimg reads the digest on each page" ||
    fail "$f: zbarimg reads the digest on each page ($okq of $pages)"
  [ $okh -eq "$pages" ] && pass "$f: no page ends with a heading" ||
    fail "$f: no page ends with a heading ($okh of $pages)"
done

# the HTML printed as a browser prints it (weasyprint: CSS paged media): each
# page's margin says page x of y and carries the certificate id and digest
for lang in en zh-TW both; do
  weasyprint -q cert-$lang.html printed-$lang.pdf 2> err
  check "weasyprint prints cert-$lang.html" 0 $?
  pages=$(pdfinfo printed-$lang.pdf | sed -n 's/^Pages: *//p'); okp=0
  for p in $(seq 1 "$pages"); do
    case $lang in
    en) want="Page $p of $pages" ;;
    zh-TW) want="第 $p 頁，共 $pages 頁" ;;
    both) want="第 $p 頁，共 $pages 頁 / Page $p of $pages" ;;
    esac
    # a margin box may wrap its line: compared without spaces and line breaks
    pdftotext -f $p -l $p printed-$lang.pdf - | tr -d ' \n' > page.txt
    grep -qF "$(echo "$want" | tr -d ' ')" page.txt && grep -qF "VS-2026-917sha256:$bsha" page.txt &&
      okp=$((okp + 1))
  done
  [ "$pages" -ge 2 ] && [ $okp -eq "$pages" ] &&
    pass "printed HTML ($lang): each of $pages pages says its number and the id and digest" ||
    fail "printed HTML ($lang): each page says its number and the id and digest ($okp of $pages)"
done

# photos: each on the page of its caption, the 16-bit one once, in its colours
pdfimages -list cert-en.pdf | awk 'NR > 2 {print $1, $4, $5, $7, $8}' > images # page width height comp bpc
[ "$(wc -l < images)" -eq 3 ] && pass "three photos in the PDF" || { fail "three photos in the PDF"; cat images; }
okc=0; i=0
for path in $(python3 -c 'import json; [print(a["path"]) for a in json.load(open("proof/certificate.json"))["attachments"] if a["mime"].startswith("image/")]'); do
  i=$((i + 1)); pg=$(sed -n "${i}p" images | cut -d' ' -f1)
  pdftotext -layout -f "$pg" -l "$pg" cert-en.pdf - | tr -d ' ' | grep -qF "$path" && okc=$((okc + 1)) ||
    echo "#   $path: image on page $pg, caption elsewhere"
done
[ $okc -eq 3 ] && pass "each photo is on the page of its caption" || fail "each photo is on the page of its caption"
i=$(python3 -c 'import json; print([i for i, a in enumerate([a for a in json.load(open("proof/certificate.json"))["attachments"] if a["mime"].startswith("image/")]) if a["path"].endswith("photo16.png")][0] + 1)')
sed -n "${i}p" images | grep -q ' 80 48 3 8$' && pass "the 16-bit photo is one 80x48 RGB image" ||
  { fail "the 16-bit photo is one 80x48 RGB image"; cat images; }
pdfimages -png cert-en.pdf img
px=$(ls img-*.png | sed -n "${i}p")
l=$(convert "$px" -format '%[pixel:p{10,24}]' info:); r=$(convert "$px" -format '%[pixel:p{70,24}]' info:)
m=$(convert "$px" -format '%[pixel:p{30,24}]' info:)
case "$l $m $r" in
  "red red blue"|"srgb(255,0,0) srgb(255,0,0) srgb(0,0,255)") pass "the 16-bit photo is red on the left, blue on the right" ;;
  *) fail "the 16-bit photo is red on the left, blue on the right (got $l $m $r)" ;;
esac

cp cert-en.pdf cert-zh-TW.pdf cert-both.pdf cert-en.html cert-zh-TW.html cert-both.html "$review"/
ls "$review"/*.png > /dev/null 2>&1 && pass "page images for review in $review" ||
  fail "page images for review in $review"
echo "1..$n"
[ "$failed" -eq 0 ]
