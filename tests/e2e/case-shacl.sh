#!/bin/sh
# The CASE/UCO export (custos-ledger export: case.jsonld) checked by a SHACL
# engine nobody on this project wrote (shacl-engine from npm, pinned in
# tests/shacl/, installed by tests/shacl/setup.sh) against the shapes of
# the CASE 1.4.0 and UCO 1.4.0 releases (tests/data/case-uco/). The ledger
# is made here: people with Traditional Chinese and accented names, an item
# collected, imaged, sealed, handed over, stored, examined and destroyed, a
# second item with no make, a case-level note and the close. The export
# must conform with no result at all; deliberately broken copies (a hash
# as a blank node, an action with the ActionReferencesFacet of UCO 0.x, a
# hash value that is not hex) must not, so the check can fail.
set -u
# Key loads run 600 000 PBKDF2 rounds; see tests/cli/key/_setup for why ASan gets a smaller quarantine.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8"
root=${CUSTOS_SOURCE_ROOT:?}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }

shacl=$(sh "$root/tests/shacl/setup.sh") || { echo "Bail out! the SHACL engine could not be installed"; exit 1; }
ont=$(ls "$root"/tests/data/case-uco/*.ttl | grep -v '/uco-owl\.ttl$')
validate() { # DATA...: one engine run; each file's report in FILE.report
  # shellcheck disable=SC2086
  node "$shacl/validate.mjs" "$@" -- $ont > report.txt 2> report.err
  rc=$?
  awk '/^file: /{out=substr($0, 7) ".report"} {print > out}' report.txt
  return $rc
}
cd "$work" || exit 1

for who in alice:custodian:"陳美玲 (Alice Chen)" bob:custodian:"José Müller-Núñez" \
  carol:witness:"林佳慧" vera:vendor:"銷毀服務股份有限公司"; do
  k=${who%%:*}; rest=${who#*:}; role=${rest%%:*}; name=${rest#*:}
  echo "passphrase of $k" > "$k.pass"
  custos-key generate -q --name "$name" --role "$role" -o "$k.key" --passphrase-file "$k.pass"
done
t() { printf '2026-11-10T%s:00Z' "$1"; }
L="-q -l case.ledger"
s2() { for a in "$@"; do printf -- '--sign %s.key --passphrase-file %s.pass ' "$a" "${a#*=}"; done; }
# shellcheck disable=SC2046
{
custos-ledger open $L --time "$(t 08:00)" --key alice.key --passphrase-file alice.pass \
  --case 高雄-IR-2026-0077 --level 3 --authorisation "搜索票 2026-W-311" --place "高雄分行"
custos-ledger add --yes enroll $L --time "$(t 08:01)" $(s2 subject=bob approver=alice) --organisation "Laboratório Forense"
custos-ledger add --yes enroll $L --time "$(t 08:02)" $(s2 subject=carol approver=alice)
custos-ledger add --yes enroll $L --time "$(t 08:03)" $(s2 subject=vera approver=alice)
custos-ledger add --yes collect $L --time "$(t 09:00)" $(s2 custodian=alice witness=carol) --item 證物-1 \
  --description "分行經理的手機" --make "三星 Samsung" --model "Galaxy S23" \
  --serial R5CW1234XYZ --location "辦公室 3F-12"
custos-ledger add --yes collect $L --time "$(t 09:10)" $(s2 custodian=alice) --item E-2 \
  --description "USB stick, café du serveur" --location "rack B4"
custos-ledger add --yes acquire $L --time "$(t 10:00)" $(s2 custodian=alice witness=carol) --item 證物-1 \
  --record 證物-1.acquire.json --record-sha256 "$(printf 'record' | sha256sum | cut -d' ' -f1)" \
  --image-sha256 "$(printf 'image' | sha256sum | cut -d' ' -f1)" \
  --md5 "$(printf 'image' | md5sum | cut -d' ' -f1)" --sha1 "$(printf 'image' | sha1sum | cut -d' ' -f1)" \
  --size 4096 --tool "custos-acquire 0.1.0"
custos-ledger add --yes seal $L --time "$(t 10:30)" $(s2 custodian=alice witness=carol) --item 證物-1 \
  --seal TE-004411 --sha256 "$(printf 'bag' | sha256sum | cut -d' ' -f1)"
custos-ledger add --yes transfer $L --time "$(t 11:00)" $(s2 releaser=alice receiver=bob witness=carol) \
  --item 證物-1 --reason "送至鑑識實驗室" --seal-checked "TE-004411 intact"
custos-ledger add --yes store $L --time "$(t 13:00)" $(s2 custodian=bob) --item 證物-1 --location "lab locker 12"
custos-ledger add --yes access $L --time "$(t 14:00)" $(s2 custodian=bob) --item 證物-1 --direction out \
  --purpose "examination"
custos-ledger add --yes access $L --time "$(t 15:00)" $(s2 custodian=bob) --item 證物-1 --direction in \
  --purpose "examination finished"
custos-ledger add --yes note $L --time "$(t 15:30)" $(s2 author=carol) --text "案件備註：證據完整"
custos-ledger add --yes transfer $L --time "$(t 16:00)" $(s2 releaser=bob receiver=vera) --item 證物-1 \
  --reason "destruction after the retention period"
custos-ledger add --yes dispose $L --time "$(t 16:30)" $(s2 vendor=vera custodian=bob witness=carol) \
  --item 證物-1 --method "shredded to 2 mm" --certificate VS-2026-0099
custos-ledger add --yes close $L --time "$(t 17:00)" $(s2 owner=alice) --reason "案件結束"
} > build.log 2>&1
check "the case ledger was built (16 entries)" '[ "$(wc -l < case.ledger 2>/dev/null)" = 16 ] || { sed "s/^/#   /" build.log; false; }'
custos-ledger export -q -l case.ledger -o exp > export.log 2>&1
check "export exits 0" '[ $? -eq 0 ] || { sed "s/^/#   /" export.log; false; }'
J=exp/case.jsonld

# Broken copies must not conform, so the check can fail: a hash as a blank
# node, an ActionReferencesFacet (UCO 0.x), a hash value that is not hex.
jq '(first(.["@graph"][] | select(.["@type"] == "uco-observable:ObservableObject")) | .["uco-core:hasFacet"][0]["uco-observable:hash"][0]) |= del(.["@id"])' "$J" > blank-hash.jsonld
jq '(first(.["@graph"][] | select(.["@type"] == "case-investigation:InvestigativeAction" and .["uco-action:performer"]))) |= (.["uco-core:hasFacet"] = [{"@type": "uco-action:ActionReferencesFacet", "uco-action:performer": .["uco-action:performer"]}] | del(.["uco-action:performer"]))' "$J" > old-facet.jsonld
jq '(first(.["@graph"][] | select(.["@type"] == "uco-observable:ObservableObject")) | .["uco-core:hasFacet"][0]["uco-observable:hash"][0]["uco-types:hashValue"]) |= {"@value": "not hex"}' "$J" > bad-hex.jsonld
validate "$J" blank-hash.jsonld old-facet.jsonld bad-hex.jsonld; rc=$?
sed 's/^/# /' report.txt | grep -v "^# result: Info" | head -n 30; sed 's/^/# /' report.err | head -n 5
check "the engine ran on the four files (exit 1: some do not conform)" '[ $rc -eq 1 ] && [ "$(grep -c "^file: " report.txt)" -eq 4 ]'
check "the export conforms to the CASE 1.4.0 / UCO 1.4.0 shapes with no result" \
  'grep -qx "conforms: true" "$J.report" && grep -qx "results: 0" "$J.report"'
check "a hash as a blank node does not conform" 'grep -qx "conforms: false" blank-hash.jsonld.report'
check "the report names the blank-node rule" \
  'grep -q "Violation.*UcoThings are required to not be blank nodes" blank-hash.jsonld.report'
check "an ActionReferencesFacet (UCO 0.x) does not conform" \
  'grep -qx "conforms: false" old-facet.jsonld.report && grep -q "^result: Violation" old-facet.jsonld.report'
check "a hash value that is not xsd:hexBinary does not conform" \
  'grep -q "Violation.*hashValue.*DatatypeConstraintComponent" bad-hex.jsonld.report'

# What a validator passes must also say what the ledger says.
check "every node has an IRI kb:KIND-UUID and none is blank" "python3 - '$J' <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
bad = []
def walk(o):
    if isinstance(o, dict):
        if '@type' in o and not re.fullmatch(r'kb:[a-z-]+-[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}', o.get('@id', '')) and not o['@type'].startswith(('xsd:', 'uco-vocabulary:')):
            bad.append(o)
        for v in o.values(): walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
walk(d['@graph'])
assert not bad, bad[:2]
assert 'ActionReferencesFacet' not in open(sys.argv[1]).read()
PY"
check "names, hashes and the chain of custody as in the ledger" "python3 - '$J' <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
g = d['@graph']
by, ids = {}, {n['@id']: n for n in g}
for x in g:
    by.setdefault(x['@type'], []).append(x)
people = {p['uco-core:name'] for p in by['uco-identity:Person']}
assert people == {'陳美玲 (Alice Chen)', 'José Müller-Núñez', '林佳慧', '銷毀服務股份有限公司'}, people
assert by['case-investigation:Investigation'][0]['uco-core:name'] == '高雄-IR-2026-0077'
hashes = {}
for o in by['uco-observable:ObservableObject']:
    for f in o['uco-core:hasFacet']:
        for h in f['uco-observable:hash']:
            hashes[h['uco-types:hashMethod'], h['uco-types:hashValue']['@value']] = o['uco-core:description']
import hashlib
assert hashes[('SHA256', hashlib.sha256(b'image').hexdigest())] == 'forensic image of 證物-1'
assert hashes[('MD5', hashlib.md5(b'image').hexdigest())] == 'forensic image of 證物-1'
assert hashes[('SHA256', hashlib.sha256(b'record').hexdigest())] == 'acquisition record'
acts = [a for a in by['case-investigation:InvestigativeAction']]
names = [a['uco-core:name'] for a in acts]
assert names == ['opened', 'seized', 'seized', 'acquired', 'sealed', 'transferred', 'stored', 'accessed', 'accessed', 'noted', 'transferred', 'destroyed', 'closed'], names
# chain: every act on item 1 takes the previous provenance record and yields the next
dev = [x['@id'] for x in by['uco-observable:Device'] if x['uco-core:name'] == '證物-1'][0]
prev = None
chain = [a for a in acts if {'@id': dev} in a.get('uco-action:object', [])]
assert len(chain) == 9, len(chain)
for a in chain:
    objs = [o['@id'] for o in a['uco-action:object']]
    res = [o['@id'] for o in a['uco-action:result']]
    pr = ids[res[0]]
    assert pr['@type'] == 'case-investigation:ProvenanceRecord' and pr['case-investigation:exhibitNumber'] == '證物-1'
    assert objs == [dev] + ([prev] if prev else []), (objs, prev)
    prev = res[0]
assert chain[-1]['uco-core:name'] == 'destroyed'
assert ids[chain[-1]['uco-action:performer']['@id']]['uco-core:name'] == 'José Müller-Núñez'  # the custodian acts; the vendor participates
assert '銷毀服務股份有限公司' in [ids[p['@id']]['uco-core:name'] for p in chain[-1]['uco-action:participant']]
line = open('case.ledger', 'rb').read().split(b'\n')[14]
assert chain[-1]['uco-core:description'].startswith('ledger entry 14 (line SHA-256 %s)' % hashlib.sha256(line).hexdigest())
PY"
custos-ledger export -q -l case.ledger -o exp2 > /dev/null 2>&1
check "a second export of the same ledger has the same node IRIs" \
  '[ "$(jq -c "[.\"@graph\"[].\"@id\"]" exp/case.jsonld)" = "$(jq -c "[.\"@graph\"[].\"@id\"]" exp2/case.jsonld)" ]'

echo "1..$n"
[ "$failed" -eq 0 ]
