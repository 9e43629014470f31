head -c 4096 /dev/urandom > t && cp t t.orig && custos-dispose wipe --confirm other --log t.json t; rc=$?; cmp -s t t.orig || exit 99; exit $rc
