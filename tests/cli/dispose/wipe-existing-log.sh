head -c 4096 /dev/urandom > t && cp t t.orig && echo old > t.json && custos-dispose wipe --confirm t --log t.json t; rc=$?; cmp -s t t.orig || exit 99; exit $rc
