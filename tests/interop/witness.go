// witness ADDR STATE-DIR LOG-VKEY: a minimal C2SP tlog-witness for the tests,
// written from the specification independently of custos (Go standard
// library and golang.org/x/mod/sumdb's note and tlog): POST /add-checkpoint
// with "old N", the consistency proof (base64 lines), a blank line and the
// checkpoint; it checks the log's signature and the proof against the
// checkpoint it cosigned last, and answers with a tlog-cosignature/v1 line.
// 409 with the witness's size (text/x.tlog.size) on a stale "old", 422 on a
// bad proof, 403 on a bad log signature, 404 for an unknown log. Prints its
// verifier key ("NAME+HASH+BASE64(0x04||KEY)") on the first line of stdout.
package main

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var (
	mu      sync.Mutex
	name    = "witness.example/w1"
	priv    ed25519.PrivateKey
	keyID   []byte
	logV    note.Verifier
	stateDir string
)

func state() (int64, tlog.Hash) {
	b, err := os.ReadFile(filepath.Join(stateDir, "state"))
	if err != nil {
		return 0, tlog.Hash{}
	}
	f := strings.Fields(string(b))
	n, _ := strconv.ParseInt(f[0], 10, 64)
	h, _ := tlog.ParseHash(f[1])
	return n, h
}

func addCheckpoint(w http.ResponseWriter, r *http.Request) {
	mu.Lock()
	defer mu.Unlock()
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	parts := bytes.SplitN(body, []byte("\n\n"), 2)
	if len(parts) != 2 {
		http.Error(w, "malformed", http.StatusBadRequest)
		return
	}
	lines := strings.Split(string(parts[0]), "\n")
	if !strings.HasPrefix(lines[0], "old ") {
		http.Error(w, "malformed", http.StatusBadRequest)
		return
	}
	old, err := strconv.ParseInt(lines[0][4:], 10, 64)
	if err != nil {
		http.Error(w, "malformed", http.StatusBadRequest)
		return
	}
	var proof tlog.TreeProof
	for _, l := range lines[1:] {
		h, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(h) != 32 {
			http.Error(w, "malformed proof", http.StatusBadRequest)
			return
		}
		var x tlog.Hash
		copy(x[:], h)
		proof = append(proof, x)
	}
	cp := parts[1]
	n, err := note.Open(cp, note.VerifierList(logV))
	if err != nil {
		if _, ok := err.(*note.UnverifiedNoteError); ok {
			http.Error(w, "unknown log", http.StatusNotFound)
			return
		}
		http.Error(w, "bad signature", http.StatusForbidden)
		return
	}
	text := strings.SplitN(n.Text, "\n", 4)
	size, _ := strconv.ParseInt(text[1], 10, 64)
	root, err := tlog.ParseHash(text[2])
	if err != nil {
		http.Error(w, "malformed", http.StatusBadRequest)
		return
	}
	wsize, wroot := state()
	if old != wsize {
		w.Header().Set("Content-Type", "text/x.tlog.size")
		w.WriteHeader(http.StatusConflict)
		fmt.Fprintf(w, "%d\n", wsize)
		return
	}
	if size < old {
		http.Error(w, "smaller", http.StatusBadRequest)
		return
	}
	if old > 0 && size > old {
		if tlog.CheckTree(proof, size, root, old, wroot) != nil {
			http.Error(w, "bad proof", http.StatusUnprocessableEntity)
			return
		}
	} else if old > 0 && size == old && root != wroot {
		http.Error(w, "bad proof", http.StatusConflict)
		return
	}
	os.WriteFile(filepath.Join(stateDir, "state"), []byte(fmt.Sprintf("%d %s\n", size, root)), 0644)
	ts := uint64(time.Now().Unix())
	msg := fmt.Sprintf("cosignature/v1\ntime %d\n%s", ts, n.Text)
	sig := ed25519.Sign(priv, []byte(msg))
	blob := make([]byte, 0, 76)
	blob = append(blob, keyID...)
	blob = binary.BigEndian.AppendUint64(blob, ts)
	blob = append(blob, sig...)
	fmt.Fprintf(w, "\u2014 %s %s\n", name, base64.StdEncoding.EncodeToString(blob))
}

func main() {
	addr := os.Args[1]
	stateDir = os.Args[2]
	var err error
	if logV, err = note.NewVerifier(os.Args[3]); err != nil {
		fmt.Println("bad log key:", err)
		os.Exit(1)
	}
	seed := sha256.Sum256([]byte("custos test witness"))
	priv = ed25519.NewKeyFromSeed(seed[:])
	pub := priv.Public().(ed25519.PublicKey)
	h := sha256.Sum256(append(append([]byte(name+"\n"), 0x04), pub...))
	keyID = h[:4]
	fmt.Printf("%s+%x+%s\n", name, keyID, base64.StdEncoding.EncodeToString(append([]byte{0x04}, pub...)))
	os.Stdout.Sync()
	http.HandleFunc("/add-checkpoint", addCheckpoint)
	ln := bufio.NewWriter(os.Stderr)
	defer ln.Flush()
	if err := http.ListenAndServe(addr, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
