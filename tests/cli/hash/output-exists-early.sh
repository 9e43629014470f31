# An existing output is refused before anything is read: stderr holds only
# the refusal, not the warning that no-such-dir would give once hashed.
: > out.json; custos-hash -q -o out.json no-such-dir
