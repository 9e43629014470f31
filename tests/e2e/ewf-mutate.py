# mut.py DIR MUTATION: damages the E01 set d.E01.. in DIR in place
import struct, zlib, glob, sys, os
d_, m = sys.argv[1], sys.argv[2]
def sections(fn):
    d = open(fn, 'rb').read(); off = 13; out = []
    while off + 76 <= len(d):
        typ = d[off:off+16].rstrip(b'\0').decode(); nxt, size = struct.unpack('<QQ', d[off+16:off+32])
        out.append((typ, off, size))
        if nxt == off or nxt == 0: break
        off = nxt
    return out
def sec(fn, typ, n=0):
    return [s for s in sections(fn) if s[0] == typ][n]
def rw(fn):
    return bytearray(open(fn, 'rb').read())
def save(fn, b):
    os.chmod(fn, 0o644); open(fn, 'wb').write(b)
def fixdesc(b, off):
    b[off+72:off+76] = struct.pack('<I', zlib.adler32(bytes(b[off:off+72])))
def fixsum(b, start, n):  # adler32 of b[start:start+n] stored after it
    b[start+n:start+n+4] = struct.pack('<I', zlib.adler32(bytes(b[start:start+n])))
def volumes(sectors_delta):
    for fn in sorted(glob.glob(d_ + '/d.E0?')):
        b = rw(fn)
        for typ in ('volume', 'data'):
            for s in sections(fn):
                if s[0] == typ:
                    o = s[1] + 76
                    n = struct.unpack('<Q', b[o+16:o+24])[0] + sectors_delta
                    b[o+16:o+24] = struct.pack('<Q', n); fixsum(b, o, 1048)
        save(fn, b)
E1, E2, E3 = (d_ + '/d.E0%d' % i for i in (1, 2, 3))
if m == 'size-bigger':
    volumes(2048)
elif m == 'size-smaller':
    volumes(-2048)
elif m == 'size-bigger-volume-only':
    b = rw(E1); o = sec(E1, 'volume')[1] + 76
    n = struct.unpack('<Q', b[o+16:o+24])[0] + 4096; b[o+16:o+24] = struct.pack('<Q', n); fixsum(b, o, 1048); save(E1, b)
elif m == 'chunk-count':
    b = rw(E1); o = sec(E1, 'volume')[1] + 76
    n = struct.unpack('<I', b[o+4:o+8])[0] - 3; b[o+4:o+8] = struct.pack('<I', n); fixsum(b, o, 1048); save(E1, b)
elif m == 'desc-checksum':
    b = rw(E2); o = sec(E2, 'table')[1]; b[o+24] ^= 1; save(E2, b)
elif m == 'desc-next-skips-table':
    b = rw(E2); t = sec(E2, 'sectors'); nt = sec(E2, 'table2')[1]
    b[t[1]+16:t[1]+24] = struct.pack('<Q', nt); fixdesc(b, t[1]); save(E2, b)
elif m == 'desc-type':
    b = rw(E1); o = sec(E1, 'volume')[1]; b[o:o+6] = b'vulume'; fixdesc(b, o); save(E1, b)
elif m in ('table', 'table-both'):
    for typ in (('table',) if m == 'table' else ('table', 'table2')):
        b = rw(E2); o = sec(E2, typ)[1] + 76
        cnt = struct.unpack('<I', b[o:o+4])[0]
        e = o + 24 + 4 * 5  # 6th entry: point it at the 7th chunk
        b[e:e+4] = b[e+4:e+8]
        fixsum(b, o + 24, 4 * cnt); save(E2, b)
elif m == 'table-count':
    b = rw(E2); o = sec(E2, 'table')[1] + 76
    b[o:o+4] = struct.pack('<I', struct.unpack('<I', b[o:o+4])[0] + 50); fixsum(b, o, 20)
    b2 = sec(E2, 'table2')[1] + 76
    b[b2:b2+4] = b[o:o+4]; fixsum(b, b2, 20); save(E2, b)
elif m == 'hash-md5':
    b = rw(E3); o = sec(E3, 'hash')[1] + 76; b[o] ^= 0xff; fixsum(b, o, 32); save(E3, b)
elif m == 'digest-both':
    b = rw(E3); o = sec(E3, 'hash')[1] + 76; b[o] ^= 0xff; fixsum(b, o, 32)
    o = sec(E3, 'digest')[1] + 76; b[o] ^= 0xff; b[o+16] ^= 0xff; fixsum(b, o, 76); save(E3, b)
elif m == 'chunk-compressed':
    b = rw(E3); s = sec(E3, 'sectors'); b[s[1] + 76 + 200] ^= 0x55; save(E3, b)
elif m == 'cut-mid-table':
    b = rw(E2); o = sec(E2, 'table')[1]; save(E2, b[:o + 100])
elif m == 'cut-before-hash':
    b = rw(E3); o = sec(E3, 'digest')[1]; save(E3, b[:o])
elif m == 'cut-in-volume':
    b = rw(E1); o = sec(E1, 'volume')[1]; save(E1, b[:o + 500])
elif m == 'cut-mid-sectors':
    b = rw(E2); s = sec(E2, 'sectors'); save(E2, b[:s[1] + s[2] // 2])
elif m == 'missing-middle':
    os.unlink(E2)
else:
    sys.exit('unknown mutation ' + m)
