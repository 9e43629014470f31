#!/bin/sh
# make-sample-ledger.sh [DIR]: a sample case ledger made with the custos tools,
# so that it always follows the current format (docs/formats/ledger.md).
#
# The case: a level-3 incident at Taipei HQ. Alice (custodian) opens the case,
# enrols Bob (lab custodian), Carol (witness), Dan (recorder) and Vera (vendor);
# collects, images and seals a laptop in Carol's presence; hands it to Bob
# (propose/sign/commit, as on two laptops), who stores it, takes it out for
# examination and verifies its hash; it finally goes to Vera for destruction.
# Checkpoints after sealing and at the end are cosigned by Carol. Finally the
# case is exported for the legal team (export/: the custody report, CASE/UCO
# JSON-LD and the verification kit, whose sh+openssl scripts are run on it).
#
# Keys are made with throw-away passphrases written next to them: a sample,
# not a way to keep real keys. Needs custos-key and custos-ledger on PATH.
set -eu
dir=${1:-samples/out}
mkdir -p "$dir"
cd "$dir"
[ -e case.ledger ] && { echo "make-sample-ledger: $dir/case.ledger exists" >&2; exit 6; }

t() { printf '2026-11-20T%s:00Z' "$1"; }
key() { # FILE NAME ROLE
  printf 'sample passphrase for %s\n' "$1" > "$1.pass"
  custos-key generate -q --name "$2" --role "$3" -o "$1.key" --passphrase-file "$1.pass"
}
key alice "Alice Chen" custodian
key bob "Bob Wu" custodian
key carol "林佳慧 (Carol Lin)" witness
key dan "Dan Hsu" recorder
key vera "Vera Shred Ltd." vendor

L="-q -l case.ledger"
custos-ledger open $L --key alice.key --passphrase-file alice.pass --time "$(t 09:00)" \
  --case IR-2026-0042 --level 3 --authorisation "internal approval CISO-2026-117" \
  --place "Taipei HQ, 12F server room"
i=0
for p in bob carol dan vera; do
  i=$((i + 1))
  custos-ledger add --yes enroll $L --time "$(t 09:0$i)" \
    --sign subject=$p.key --sign approver=alice.key \
    --passphrase-file $p.pass --passphrase-file alice.pass --organisation "Example Corp"
done
custos-ledger add --yes collect $L --time "$(t 09:20)" --sign custodian=alice.key \
  --sign witness=carol.key --sign recorder=dan.key \
  --passphrase-file alice.pass --passphrase-file carol.pass --passphrase-file dan.pass \
  --item E-001 --description "laptop, user jdoe, powered off" --make Lenovo \
  --model "ThinkPad T14" --serial PF-3X9Z21 --location "desk 12F-07"
printf 'sample acquisition record\n' > E-001.record.json
custos-ledger add --yes acquire $L --time "$(t 10:05)" --sign custodian=alice.key \
  --sign witness=carol.key --passphrase-file alice.pass --passphrase-file carol.pass \
  --item E-001 --record E-001.record.json \
  --record-sha256 "$(sha256sum E-001.record.json | cut -d' ' -f1)" \
  --image-sha256 9f2c1e0d4b7a6c5e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e \
  --tool "custos-acquire 0.1.0"
custos-ledger add --yes seal $L --time "$(t 10:40)" --sign custodian=alice.key \
  --sign witness=carol.key --passphrase-file alice.pass --passphrase-file carol.pass \
  --item E-001 --seal TE-000731 \
  --sha256 4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5
custos-ledger checkpoint $L --key alice.key --passphrase-file alice.pass -o checkpoint-8.note
custos-ledger cosign checkpoint-8.note $L --key carol.key --passphrase-file carol.pass \
  -o checkpoint-8.cosigned.note
custos-ledger propose transfer $L --time "$(t 11:30)" --party releaser=alice.key.pub \
  --party receiver=bob.key.pub --party witness=carol.key.pub --item E-001 \
  --reason "transport to the forensic lab" --seal-checked "TE-000731 intact" -o transfer.prop
custos-ledger sign --yes -q transfer.prop --key alice.key --passphrase-file alice.pass
custos-ledger sign --yes -q transfer.prop --key bob.key --passphrase-file bob.pass
custos-ledger sign --yes -q transfer.prop --key carol.key --passphrase-file carol.pass
custos-ledger commit transfer.prop $L
custos-ledger add --yes store $L --time "$(t 13:00)" --sign custodian=bob.key \
  --passphrase-file bob.pass --item E-001 --location "lab evidence locker 7"
custos-ledger add --yes access $L --time "$(t 14:00)" --sign custodian=bob.key \
  --passphrase-file bob.pass --item E-001 --direction out --purpose "examination"
custos-ledger add --yes verify $L --time "$(t 14:10)" --sign verifier=bob.key \
  --passphrase-file bob.pass --item E-001 --result match \
  --sha256 9f2c1e0d4b7a6c5e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e
custos-ledger add --yes access $L --time "$(t 16:00)" --sign custodian=bob.key \
  --passphrase-file bob.pass --item E-001 --direction in --purpose "examination done"
custos-ledger add --yes transfer $L --time "$(t 17:00)" --sign releaser=bob.key \
  --sign receiver=vera.key --passphrase-file bob.pass --passphrase-file vera.pass \
  --item E-001 --reason "destruction of the disk after the retention period"
custos-ledger add --yes dispose $L --time "$(t 17:30)" --sign vendor=vera.key \
  --sign custodian=bob.key --sign witness=carol.key --passphrase-file vera.pass \
  --passphrase-file bob.pass --passphrase-file carol.pass --item E-001 \
  --method "shredded to 2 mm (NIST 800-88 destroy)" --certificate "VS-2026-5512"
custos-ledger add --yes close $L --time "$(t 18:00)" --sign owner=alice.key \
  --passphrase-file alice.pass --reason "evidence destroyed, report delivered"
custos-ledger checkpoint $L --key alice.key --passphrase-file alice.pass -o checkpoint-final.note
custos-ledger cosign checkpoint-final.note $L --key carol.key --passphrase-file carol.pass \
  -o checkpoint-final.cosigned.note
custos-ledger verify -q -l case.ledger --checkpoint checkpoint-final.cosigned.note
custos-ledger export -q -l case.ledger --checkpoint checkpoint-final.cosigned.note -o export
sh export/kit/verify-all.sh > export-kit.out ||
  { cat export-kit.out; echo "make-sample-ledger: the export's kit fails" >&2; exit 1; }
# The paper outputs in both languages: the chain-of-custody form and the bag label.
for lang in en zh-TW; do
  custos-ledger form -q -l case.ledger --lang $lang -o custody-form.$lang.pdf
  custos-ledger label -q -l case.ledger --item E-001 --lang $lang -o label-E-001.$lang.pdf
done
echo "sample ledger: $dir/case.ledger ($(wc -l < case.ledger) entries); history:" \
  "custos-ledger show -l $dir/case.ledger; export: $dir/export/; forms and labels:" \
  "$dir/custody-form.*.pdf $dir/label-E-001.*.pdf"
