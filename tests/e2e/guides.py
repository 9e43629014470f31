#!/usr/bin/env python3
# guides.py: runs every ```sh block of docs/guides/*.md exactly as written,
# in the order a person follows it, and checks what each one left behind.
#
# Run by guides.sh inside a private mount namespace whose root is an overlay
# of the real one, so that /dev/sdb (a read-only loop device holding the
# sample USB stick), /media/evidence, /mnt/share, /backup, /vault, /srv and
# /usr/local/sbin exist as the guides name them and nothing outside is
# touched. Each block runs as `sh -e -c BLOCK` on its own pseudo-terminal:
# passphrase prompts are answered with the passphrase of the key they name,
# "[y/N]" questions with "y" (as the person the guide speaks to would), and
# a wrong-passphrase prompt with end-of-file (a failure). What the guides
# leave to the reader (other people's keys, a case opened by someone else, an
# order the owner made, the media and photos) is made by the hooks below
# with --passphrase-file and --yes, never by editing a guide's command.
import os
import pty
import re
import select
import subprocess
import sys

SRC = os.environ["CUSTOS_SOURCE_ROOT"]
GUIDES = os.path.join(SRC, "docs", "guides")
failed = 0
count = 0


def tap(ok, desc, detail=""):
    global failed, count
    count += 1
    print(("ok" if ok else "not ok") + " %d - %s" % (count, desc))
    if not ok:
        failed += 1
        for line in detail.splitlines()[-40:]:
            print("#   " + line)
    sys.stdout.flush()


def blocks(guide):
    """The ```sh blocks of a guide, dedented, in order."""
    out, cur, indent = [], None, 0
    for line in open(os.path.join(GUIDES, guide), encoding="utf-8"):
        m = re.match(r"^( *)```(\S*)\s*$", line)
        if m and cur is None:
            cur, indent, lang = [], len(m.group(1)), m.group(2)
            continue
        if m and cur is not None:
            if lang == "sh":
                out.append("".join(cur))
            cur = None
            continue
        if cur is not None:
            cur.append(line[indent:] if line[:indent].strip() == "" else line)
    return out


def passphrase(key):
    """Every key's passphrase: 'guide passphrase of NAME' (NAME: file name without .key)."""
    name = os.path.basename(key.strip())
    if name.endswith(".key"):
        name = name[:-4]
    return "guide passphrase of " + name


def sh(cmd, want=0, desc=None):
    """A hook: the reader's preparation, without a terminal."""
    r = subprocess.run(["sh", "-e", "-c", cmd], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    text = r.stdout.decode("utf-8", "replace")
    if desc is not None or r.returncode != want:
        tap(r.returncode == want, desc or "preparation: " + cmd.splitlines()[0],
            "exit %d, want %d\n%s" % (r.returncode, want, text))
    return text


def keygen(name, role, display, where="."):
    path = os.path.join(where, name + ".key")
    with open(os.path.join(where, name + ".pass"), "w") as f:
        f.write(passphrase(name) + "\n")
    sh("custos-key generate -q --name '%s' --role %s -o %s --passphrase-file %s.pass"
       % (display, role, path, os.path.join(where, name)))


def run_block(guide, n, code, want=0, expect=()):
    """Runs block n of guide on a pseudo-terminal, answering its prompts."""
    new_key = re.search(r"custos-key generate .*-o +(\S+)", code)
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("sh", ["sh", "-e", "-c", code])
    seen = b""
    answered = 0
    last_pass = b""
    while True:
        r, _, _ = select.select([fd], [], [], 600)
        if not r:  # a safety net only: nothing for ten minutes
            os.kill(pid, 9)
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        # Prompts are answered in the order they appear.
        prompts = list(re.finditer(
            rb"(Wrong passphrase; passphrase for [^\n]*?: |Passphrase for ([^\n]*?): |"
            rb"New passphrase for the private key: |Repeat the passphrase: |\[y/N\])", seen))
        while len(prompts) > answered:
            m = prompts[answered]
            answered += 1
            p = m.group(1)
            if p.startswith(b"Wrong"):
                os.write(fd, b"\x04")
            elif p.startswith(b"Passphrase for"):
                last_pass = passphrase(m.group(2).decode()).encode()
                os.write(fd, last_pass + b"\n")
            elif p.startswith(b"New passphrase"):
                last_pass = passphrase(new_key.group(1) if new_key else "?").encode()
                os.write(fd, last_pass + b"\n")
            elif p.startswith(b"Repeat"):
                os.write(fd, last_pass + b"\n")
            else:
                os.write(fd, b"y\n")
    _, status = os.waitpid(pid, 0)
    rc = os.waitstatus_to_exitcode(status)
    text = seen.decode("utf-8", "replace").replace("\r", "")
    first = code.strip().splitlines()[0]
    ok = rc == want and all(re.search(e, text) for e in expect)
    tap(ok, "%s block %d (%s): exit %d%s" % (guide, n + 1, first[:60], want,
                                            "".join(", shows /%s/" % e for e in expect)),
        "exit %d\n%s\n%s" % (rc, code, text))
    return text


def scratch(name):
    d = os.path.join(os.environ["GUIDES_WORK"], name)
    os.makedirs(d)
    os.chdir(d)
    return d


def custodian():
    g = "custodian.md"
    b = blocks(g)
    tap(len(b) == 9, "%s has its 9 command blocks (found %d)" % (g, len(b)))
    scratch("custodian")
    keygen("owner", "custodian", "Lin Mei-hua 林美華")
    keygen("witness", "witness", "Carol Lin 林嘉玲")
    run_block(g, 0, b[0], expect=[r"J\. Chen"])
    run_block(g, 1, b[1])
    run_block(g, 2, b[2])
    run_block(g, 3, b[3])
    run_block(g, 4, b[4], expect=[r"witness Carol Lin 林嘉玲: sign this entry\? \[y/N\]"])
    sh("gzip -dc %s/samples/usb-stick.img.gz | cmp - /media/work/ev01.raw" % SRC, 0,
       "the second -o: the working copy is the sample medium (cmp)")
    sh("custos-verify -q -r /media/work/ev01.raw.acquire.json", 0,
       "the second -o: the working copy checks against its own record (custos-verify)")
    out = run_block(g, 5, b[5], expect=[r"SUCCESS"])
    rec = sh("sha256sum < /media/evidence/EV-01/ev01.E01.acquire.json").split()[0]
    tap(rec in out and rec in open("IR-2026-0117.ledger", encoding="utf-8").read(),
        "the record's SHA-256 printed by the guide's sha256sum is the ledger's record_sha256")
    img = sh("gzip -dc %s/samples/usb-stick.img.gz | sha256sum" % SRC).split()[0]
    tap(img in out, "ewfverify's SHA-256 is the sample medium's (gzip -dc | sha256sum)",
        out)
    os.makedirs("/mnt/share/財務", exist_ok=True)
    with open("/mnt/share/財務/報表.txt", "w") as f:
        f.write("第一季\n")
    with open("/mnt/share/café.txt", "w") as f:
        f.write("x\n")
    run_block(g, 6, b[6])
    man = open("/media/evidence/EV-02/share.json", encoding="utf-8").read()
    tap("報表.txt" in man and "café.txt" in man, "the share's manifest names its files in UTF-8")
    run_block(g, 7, b[7])
    names = sh("tar -tf /media/evidence/EV-01.tar").split("\n")
    tap(any(n.endswith("/ev01.E01") for n in names) and
        any(n.endswith("/ev01.E01.acquire.json") for n in names),
        "the sealed package holds the image and its record (tar -tf)", "\n".join(names))
    out = sh("custos-ledger verify -l IR-2026-0117.ledger", 0,
             "the custodian's ledger verifies after the guide (exit 0)")
    for action in ("open", "enroll", "collect", "acquire", "seal"):
        tap('"action":"%s"' % action in open("IR-2026-0117.ledger", encoding="utf-8").read(),
            "the ledger holds the guide's %s entry" % action)
    interrupted_raw()
    run_block(g, 8, b[8])
    out = sh("gzip -dc %s/samples/usb-stick.img.gz | cmp - /media/evidence/EV-01-raw/ev01.raw && "
             "python3 -c 'import json; print(len(json.load(open(\"/media/evidence/EV-01-raw/"
             "ev01.raw.acquire.json\"))[\"interruptions\"]))'" % SRC, 0,
             "the resumed raw image is the sample medium (cmp), its record has its interruption")
    tap(out.strip() == "1", "the record lists one interruption", out)


def interrupted_raw():
    """What section 6 supposes: a raw acquisition of /dev/sdb stopped by Ctrl-C (SIGINT at
    its Nth write, through tests/fault/crash.c), its staging directory kept."""
    d = "/media/evidence/EV-01-raw"
    os.makedirs(d, exist_ok=True)
    env = dict(os.environ, LD_PRELOAD=os.environ.get("CUSTOS_CRASH_SHIM", ""),
               CUSTOS_CRASH_MODE="int",
               ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0")
    for at in range(2, 60):
        env["CUSTOS_CRASH_AT"] = str(at)
        r = subprocess.run(["custos-acquire", "-q", "-a", "Warrant 2026-117", "/dev/sdb", "-o",
                            d + "/ev01.raw"], env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # a journal, and some of the image written before the interruption
        kept = any(os.path.exists(os.path.join(d, e, "acquire-journal.json")) and
                   os.path.getsize(os.path.join(d, e, "ev01.raw")) > 0
                   for e in os.listdir(d) if os.path.exists(os.path.join(d, e, "ev01.raw")))
        if r.returncode == 130 and kept and not os.path.exists(d + "/ev01.raw"):
            break
        subprocess.run(["rm", "-rf", d])
        os.makedirs(d)
    tap(r.returncode == 130 and kept, "a raw acquisition interrupted at step %d, kept" % at)


def recorder():
    g = "recorder.md"
    b = blocks(g)
    tap(len(b) == 3, "%s has its 3 command blocks (found %d)" % (g, len(b)))
    scratch("recorder")
    keygen("alice", "custodian", "Alice Chen 陳愛麗")
    run_block(g, 0, b[0], expect=[r"Dan Hsu"])
    with open("dan.pass", "w") as f:
        f.write(passphrase("dan") + "\n")
    sh("custos-ledger open -q -l case.ledger --key alice.key --passphrase-file alice.pass "
       "--case IR-2026-0201 --level 2 --authorisation '內部核准 2026-03'")
    sh("custos-ledger add --yes enroll -q -l case.ledger --sign subject=dan.key "
       "--sign approver=alice.key --passphrase-file dan.pass --passphrase-file alice.pass")
    sh("custos-ledger add --yes collect -q -l case.ledger --sign custodian=alice.key "
       "--passphrase-file alice.pass --item E-001 --description '筆記型電腦 laptop' "
       "--serial SN-1")
    sh("mkdir cases && cp case.ledger cases/")
    run_block(g, 1, b[1], expect=[r"E-001", r"筆記型電腦"])
    run_block(g, 2, b[2], expect=[r"IR-2026-0201"])


def witness():
    g = "witness.md"
    b = blocks(g)
    tap(len(b) == 4, "%s has its 4 command blocks (found %d)" % (g, len(b)))
    scratch("witness")
    keygen("alice", "custodian", "Alice Chen 陳愛麗")
    run_block(g, 0, b[0], expect=[r"Carol Lin"])
    sh("custos-ledger open -q -l case.ledger --key alice.key --passphrase-file alice.pass "
       "--case IR-2026-0301 --level 3 --authorisation 'WARRANT 2026-301'")
    with open("carol.pass", "w") as f:
        f.write(passphrase("carol") + "\n")
    sh("custos-ledger add --yes enroll -q -l case.ledger --sign subject=carol.key "
       "--sign approver=alice.key --passphrase-file carol.pass --passphrase-file alice.pass")
    # The custodian's proposal, already signed by her, for the witness to read.
    sh("custos-ledger propose collect -q -l case.ledger --party custodian=alice.key.pub "
       "--party witness=carol.key.pub --item EV-01 --description 'USB 隨身碟' -o entry.prop")
    sh("custos-ledger sign -q --yes entry.prop --key alice.key --passphrase-file alice.pass")
    run_block(g, 1, b[1], expect=[r"EV-01", r"USB 隨身碟", r"carol\.key\? \[y/N\]"])
    sh("custos-ledger commit -q entry.prop -l case.ledger")
    for i in range(4):
        sh("custos-ledger add --yes note -q -l case.ledger --sign author=alice.key "
           "--passphrase-file alice.pass --text 'note %d'" % i)
    # Entry 7: sealed while the witness could not sign; she attests later.
    sh("custos-ledger propose seal -q -l case.ledger --party custodian=alice.key.pub "
       "--party witness=carol.key.pub --item EV-01 --seal TE-1 --sha256 %s -o seal.prop"
       % ("ab" * 32))
    sh("custos-ledger sign -q --yes seal.prop --key alice.key --passphrase-file alice.pass")
    sh("custos-ledger commit -q --allow-missing seal.prop -l case.ledger")
    sh("custos-ledger verify -l case.ledger", 3,
       "before the attest: entry 7 awaits the witness (exit 3)")
    run_block(g, 2, b[2])
    sh("custos-ledger verify -q -l case.ledger", 0, "after the guide's attest the ledger verifies")
    sh("custos-ledger checkpoint -q -l case.ledger --key alice.key --passphrase-file alice.pass "
       "-o checkpoint.note")
    run_block(g, 3, b[3])
    sh("custos-ledger verify -q -l case.ledger --checkpoint checkpoint.cosigned.note", 0,
       "the cosigned checkpoint verifies against the ledger")
    tap(open("checkpoint.cosigned.note").read().count("\n\u2014 ") >= 2,
        "the cosigned checkpoint carries two signature lines")


def vendor_and_legal():
    scratch("disposal")
    keygen("alice", "custodian", "Alice Chen 陳愛麗")
    keygen("vera", "vendor", "Vera Chen 陳薇拉")
    keygen("op", "vendor", "王小明 operator")
    keygen("sup", "vendor", "李主管 supervisor")
    keygen("wit", "witness", "Audit Co. 張稽核")
    sh("custos-ledger open -q -l case.ledger --key alice.key --passphrase-file alice.pass "
       "--time 2026-11-20T09:00:00Z --case IR-2026-0117 --level 3 --authorisation 'CISO-117'")
    for p in ("vera", "op", "sup", "wit"):
        sh("custos-ledger add --yes enroll -q -l case.ledger --time 2026-11-20T09:05:00Z "
           "--sign subject=%s.key --sign approver=alice.key --passphrase-file %s.pass "
           "--passphrase-file alice.pass" % (p, p))
    sh("custos-ledger add --yes collect -q -l case.ledger --time 2026-11-20T10:00:00Z "
       "--sign custodian=alice.key --passphrase-file alice.pass --item E-001 "
       "--description 'disk E-001' --make WD --model Blue --serial WX11")
    sh("custos-ledger add --yes seal -q -l case.ledger --time 2026-11-20T10:05:00Z "
       "--sign custodian=alice.key --sign witness=wit.key --passphrase-file alice.pass "
       "--passphrase-file wit.pass --item E-001 --seal SEAL-1 --sha256 %s" % ("cd" * 32))
    sh("custos-dispose order -q --yes -l case.ledger --order-id DO-1 --item E-001 "
       "--media-type E-001=hdd --vendor-organisation 'Vera Shred Ltd.' "
       "--sign releaser=alice.key --party receiver=vera.key.pub --passphrase-file alice.pass "
       "--time 2026-11-20T11:00:00Z -o ORDER.json")
    g = "vendor.md"
    b = blocks(g)
    tap(len(b) == 2, "%s has its 2 command blocks (found %d)" % (g, len(b)))
    run_block(g, 0, b[0])
    tap("FILL IN: " in open("draft.json", encoding="utf-8").read(),
        "the draft asks the vendor to fill in what only they know")
    # The vendor fills in the draft: the guide's completed example, as printed.
    text = open(os.path.join(GUIDES, g), encoding="utf-8").read()
    example = re.search(r"```json\n(.*?)```", text, re.S).group(1)
    with open("draft.json", "w", encoding="utf-8") as f:
        f.write(example)
    sh("convert -size 64x48 xc:red e001-before.jpg && convert -size 64x48 xc:gray e001-after.jpg")
    run_block(g, 1, b[1])
    sh("pdftotext VS-2026-000917.pdf - | grep -q VS-2026-000917", 0,
       "the rendered PDF names the certificate (pdftotext)")
    sh("pdftotext VS-2026-000917.pdf - | grep -q '王小明' && "
       "pdftotext VS-2026-000917.pdf - | grep -q 'operator' && "
       "pdftotext VS-2026-000917.pdf - | grep -q '張稽核'", 0,
       "the PDF prints the signers' Chinese names (pdftotext)")
    g = "legal-team.md"
    b = blocks(g)
    tap(len(b) == 3, "%s has its 3 command blocks (found %d)" % (g, len(b)))
    run_block(g, 0, b[0], expect=[r"OK"])
    before = open("case.ledger").read().count("\n")
    run_block(g, 1, b[1], expect=[r"E-001", r"\[y/N\]"])
    after = open("case.ledger").read().count("\n")
    tap(after == before + 1 and '"action":"dispose"' in open("case.ledger").read(),
        "closing custody appended one signed dispose entry")
    sh("custos-ledger verify -q -l case.ledger", 3,
       "the vendor's attestation is owed after closing (exit 3, as the guide says)")
    # The seal entry names a package nobody handed the legal team: MISSING, exit 3.
    run_block(g, 2, b[2], want=3,
              expect=[r"bundle +VS-2026-000917\.tar .* OK", r"package .*MISSING",
                      r"1 of 2 artifacts check out"])


def periodic():
    g = "periodic-verification.md"
    b = blocks(g)
    tap(len(b) == 3, "%s has its 3 command blocks (found %d)" % (g, len(b)))
    scratch("periodic")
    keygen("alice", "custodian", "Alice Chen 陳愛麗")
    os.makedirs("/srv/keys", exist_ok=True)
    os.makedirs("/srv/evidence/verify-reports", exist_ok=True)
    os.makedirs("/backup", exist_ok=True)
    os.makedirs("/vault", exist_ok=True)
    keygen("verifier", "recorder", "Ver Ifier 查核員", "/srv/keys")
    sh("cp alice.key.pub /srv/keys/")
    # Enough files that every part of 7 holds some, whatever the weekday.
    sh("mkdir -p evidence/郵件 && printf 'mail\\n' > evidence/郵件/信.eml && "
       "for i in $(seq 1 60); do echo $i > evidence/f$i.txt; done && "
       "head -c 300000 /dev/urandom > evidence/disk.bin && printf 'n\\n' > evidence/notes.txt")
    sh("custos-hash -q -o case42.manifest.json evidence && custos-key sign -q --purpose manifest "
       "--key alice.key --passphrase-file alice.pass -o case42.manifest.json.sig "
       "case42.manifest.json")
    sh("tar --zstd -cf /backup/case42-2026-11.tar.zst evidence")
    run_block(g, 0, b[0], expect=[r"VERIFIED"])
    sh("for n in 1 2 3 4 5 6 7; do custos-verify -q -r case42.manifest.json --part $n/7 "
       "/backup/case42-2026-11.tar.zst; done", 0,
       "every part of 7 holds files, so the wrapper's nightly part is never empty")
    sh("custos-seal create -q --yes evidence -o /vault/E-001.tar --key alice.key "
       "--passphrase-file alice.pass --case C-42 --evidence E-001 --seal S-1 "
       "--authorisation 'order 42'")
    sh("gzip -c /vault/E-001.tar > /backup/E-001.tar.gz && mkdir -p /srv/restore && "
       "tar -xf /vault/E-001.tar -C /srv/restore")
    run_block(g, 1, b[1], expect=[r"VERIFIED"])
    # The wrapper script, installed where the guide says, run as cron runs it.
    sh("cp case42.manifest.json case42.manifest.json.sig /srv/evidence/ && "
       "cp /backup/case42-2026-11.tar.zst /backup/case42.tar.zst")
    sh("custos-ledger open -q -l /srv/evidence/case42.ledger --key alice.key "
       "--passphrase-file alice.pass --case C-42 --level 2 --authorisation 'order 42'")
    sh("custos-ledger add --yes enroll -q -l /srv/evidence/case42.ledger "
       "--sign subject=/srv/keys/verifier.key --sign approver=alice.key "
       "--passphrase-file /srv/keys/verifier.pass --passphrase-file alice.pass")
    sh("custos-ledger add --yes collect -q -l /srv/evidence/case42.ledger "
       "--sign custodian=alice.key --passphrase-file alice.pass --item EV-42-BACKUP "
       "--description 'backup of case 42'")
    with open("/usr/local/sbin/verify-case42", "w") as f:
        f.write(b[2])
    os.chmod("/usr/local/sbin/verify-case42", 0o755)
    before = open("/srv/evidence/case42.ledger").read().count("\n")
    # cron: no terminal, no standard input, its own session.
    r = subprocess.run(["setsid", "/usr/local/sbin/verify-case42"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = r.stdout.decode("utf-8", "replace")
    tap(r.returncode == 0, "%s block 3 (the cron wrapper) run as cron would: exit 0" % g,
        "exit %d\n%s" % (r.returncode, out))
    reports = os.listdir("/srv/evidence/verify-reports")
    tap(len(reports) == 1, "the wrapper kept its report in /srv/evidence/verify-reports")
    after = open("/srv/evidence/case42.ledger").read().count("\n")
    tap(after == before + 1, "the wrapper recorded its check in the case ledger")
    sh("custos-ledger verify -q -l /srv/evidence/case42.ledger", 0,
       "the case ledger verifies after the scheduled check")


for scenario in (custodian, recorder, witness, vendor_and_legal, periodic):
    here = os.getcwd()
    try:
        scenario()
    except Exception as e:  # a scenario that cannot go on is one failure, the rest still run
        tap(False, "%s stopped: %r" % (scenario.__name__, e))
    os.chdir(here)
print("1..%d" % count)
sys.exit(1 if failed else 0)
