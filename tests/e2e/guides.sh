#!/bin/sh
# Every command block of docs/guides/*.md, run exactly as written (guides.py),
# where the guides say: in a private mount namespace whose root is an overlay
# of this machine's, with /dev/sdb a read-only loop device holding
# samples/usb-stick.img.gz. Nothing outside the namespace is written but the
# scratch directory and the loop device, both removed at the end.
set -u
src=${CUSTOS_SOURCE_ROOT:?}
build=${CUSTOS_BUILD_ROOT:?}
if [ "$(id -u)" -ne 0 ]; then
  echo "1..0 # SKIP the guides' commands need root (blockdev, /media, /srv)"
  exit 77
fi
work=$(mktemp -d)
loop=""
cleanup() {
  # The custodian's guide sets the kernel's read-only flag (blockdev --setro):
  # it outlives the attachment, so it is cleared before the device goes back.
  [ -n "$loop" ] && { blockdev --setrw "$loop"; losetup -d "$loop"; }
  rm -rf "$work"
}
trap cleanup EXIT
gzip -dc "$src/samples/usb-stick.img.gz" > "$work/usb.img" || exit 1
loop=$(losetup -f --show -r "$work/usb.img") || { echo "not ok 1 - losetup"; exit 1; }
mkdir "$work/guides"
export GUIDES_WORK="$work/guides" LOOP="$loop" SRC="$src" BUILD="$build"
unshare -m sh -eu -c '
  mount --make-rprivate /
  # /mnt is only the staging point of the new root, in this namespace.
  mount -t tmpfs guides /mnt
  mkdir /mnt/upper /mnt/work /mnt/root
  mount -t overlay overlay -o lowerdir=/,upperdir=/mnt/upper,workdir=/mnt/work /mnt/root
  r=/mnt/root
  for d in /proc /sys /tmp "$SRC" "$BUILD"; do
    mkdir -p "$r$d"
    mount --rbind "$d" "$r$d"
  done
  # A /dev of its own: the usual nodes, the terminals, and the "suspect medium".
  mount -t tmpfs dev "$r/dev"
  for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
    mknod -m 666 "$r/dev/${n%%:*}" c $(echo "${n#*:}" | tr : " ")
  done
  mkdir "$r/dev/pts" "$r/dev/shm"
  mount --bind /dev/pts "$r/dev/pts"
  ln -s pts/ptmx "$r/dev/ptmx"
  ln -s /proc/self/fd "$r/dev/fd"
  mm=$(stat -L -c "%t %T" "$LOOP")
  mknod -m 660 "$r/dev/sdb" b $((0x${mm% *})) $((0x${mm#* }))
  mkdir -p "$r/media/evidence" "$r/mnt/share" "$r/usr/local/sbin"
  exec chroot "$r" /usr/bin/env PATH="$PATH" LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}" \
    HOME=/root LANG=C.UTF-8 sh -c "cd \"\$GUIDES_WORK\" && exec python3 \"\$SRC/tests/e2e/guides.py\""
'
