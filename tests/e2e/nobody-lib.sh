# shellcheck shell=sh
# Running a custos tool as the unprivileged user nobody, wherever the checkout
# lives: the build tree may sit under a directory nobody cannot enter (a clone
# in /root/custos, /root mode 700), so the tools and the libcustos they load
# are copied into a directory of the test's own, readable by everyone.
# Sourced, not run; needs $work (the test's scratch directory, mode 755).
#
# nobody_tools TOOL...: copies the TOOLs found on PATH, and every libcustos
# they load, into $work/nobody-bin, and sets $as_nobody to the command prefix
# that runs them as nobody (empty when setpriv or nobody is missing).
nobody_tools() {
    as_nobody=""
    command -v setpriv >/dev/null && id nobody >/dev/null 2>&1 || return 0
    nb=$work/nobody-bin
    mkdir -p "$nb" || return 1
    for t in "$@"; do
        src=$(command -v "$t") || return 1
        cp -L "$src" "$nb/$t" || return 1
        # "libcustos.so.0 => /path/libcustos.so.0 (0x...)": the soname, then the file.
        ldd "$src" | awk '$1 ~ /^libcustos/ && $3 ~ /^\// { print $1, $3 }' |
            while read -r so path; do cp -L "$path" "$nb/$so" || exit 1; done || return 1
    done
    chmod 755 "$work" "$nb" && chmod 755 "$nb"/* || return 1
    # LD_LIBRARY_PATH comes before the tools' RUNPATH into the build tree.
    as_nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups env PATH=$nb:/usr/bin:/bin LD_LIBRARY_PATH=$nb"
    $as_nobody "$1" --version >/dev/null 2>&1 || as_nobody=""
}
