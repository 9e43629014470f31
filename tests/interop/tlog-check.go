// tlog-check DIR VKEY: checks a tlog-tiles log directory with Go's own
// transparency-log packages (golang.org/x/mod/sumdb/note and .../tlog, the
// reference implementation of tiles and signed notes, from Debian's
// golang-golang-x-mod-dev), independently of custos: the checkpoint's
// signature, the root from the tiles, and every entry's inclusion proof.
// Prints "OK N entries" and exits 0, or names the first failure and exits 1.
package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type dirTiles struct{ dir string }

func (d dirTiles) Height() int { return 8 }

// C2SP tlog-tiles paths are sumdb's without the height: tile/L/N, tile/entries/N.
func (d dirTiles) path(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), "tile/8/")
	p = strings.Replace(p, "data/", "entries/", 1)
	return filepath.Join(d.dir, "tile", p)
}

func (d dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		b, err := os.ReadFile(d.path(t))
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func (d dirTiles) SaveTiles([]tlog.Tile, [][]byte) {}

func fail(f string, a ...interface{}) {
	fmt.Printf("FAIL "+f+"\n", a...)
	os.Exit(1)
}

func main() {
	dir, vkey := os.Args[1], os.Args[2]
	v, err := note.NewVerifier(vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	msg, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		fail("%v", err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		fail("checkpoint signature: %v", err)
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 3 || lines[0] != v.Name() {
		fail("checkpoint origin %q is not %q", lines[0], v.Name())
	}
	// sumdb's tree note is "go.sum database tree\nN\nHASH\n": the same two lines after the origin.
	tree, err := tlog.ParseTree([]byte("go.sum database tree\n" + lines[1] + "\n" + lines[2] + "\n"))
	if err != nil {
		fail("checkpoint body: %v", err)
	}
	d := dirTiles{dir}
	hr := tlog.TileHashReader(tree, d)
	th, err := tlog.TreeHash(tree.N, hr)
	if err != nil || th != tree.Hash {
		fail("the tiles do not give the signed root: %v", err)
	}
	for i := int64(0); i < tree.N; i += 256 {
		t := tlog.Tile{H: 8, L: -1, N: i / 256, W: 256}
		if tree.N-i < 256 {
			t.W = int(tree.N - i)
		}
		b, err := os.ReadFile(d.path(t))
		if err != nil {
			fail("%v", err)
		}
		for j := int64(0); j < int64(t.W); j++ {
			if len(b) < 2 {
				fail("bundle %d cut short", t.N)
			}
			l := int(binary.BigEndian.Uint16(b))
			if len(b) < 2+l {
				fail("bundle %d cut short", t.N)
			}
			data := b[2 : 2+l]
			b = b[2+l:]
			p, err := tlog.ProveRecord(tree.N, i+j, hr)
			if err != nil {
				fail("entry %d: %v", i+j, err)
			}
			if err := tlog.CheckRecord(p, tree.N, tree.Hash, i+j, tlog.RecordHash(data)); err != nil {
				fail("entry %d: %v", i+j, err)
			}
		}
	}
	fmt.Printf("OK %d entries\n", tree.N)
}
