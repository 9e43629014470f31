#!/usr/bin/env python3
# pty-run.py TRANSCRIPT ANSWERS -- COMMAND...: runs COMMAND on a new
# pseudo-terminal (its controlling terminal, so /dev/tty is the pty) and
# writes everything it showed there to TRANSCRIPT. ANSWERS is a
# comma-separated list, one answer per prompt in the order the prompts
# appear: a "[y/N]" question or a "Passphrase for" prompt. Once the answers
# run out, a question gets "n" and a passphrase prompt gets end-of-file.
# Event-driven, not timed: an answer is sent when its prompt has appeared
# (a passphrase prompt is written after echo is turned off).
# Exits with COMMAND's status.
import os
import pty
import select
import sys


def main():
    transcript, answers = sys.argv[1], sys.argv[2]
    cmd = sys.argv[sys.argv.index("--") + 1:]
    todo = [a for a in answers.split(",") if a]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    seen = b""
    asked = 0
    while True:
        try:
            r, _, _ = select.select([fd], [], [], 600)
        except InterruptedError:
            continue
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
        while seen.count(b"[y/N]") + seen.count(b"assphrase for") > asked:
            asked += 1
            if todo:
                os.write(fd, todo.pop(0).encode() + b"\n")
            elif seen.rstrip().endswith(b"[y/N]"):
                os.write(fd, b"n\n")
            else:
                os.write(fd, b"\x04")  # end of input: the read sees EOF
    _, status = os.waitpid(pid, 0)
    with open(transcript, "wb") as f:
        f.write(seen)
    sys.exit(os.waitstatus_to_exitcode(status))


main()
