"""dmflip.py — flip one byte in the middle of one frame of the section
"docmeta" of layout 2 (src/store/docmeta.c) in a single index file, in
the table's order: the NI frames of ids (256 documents each), then block
i as frame NI + i. Prints the documents per block, the blocks and NI. Used
by tests/hostile.sh.

Usage: python3 tests/dmflip.py INDEX FRAME
"""
import struct
import sys


def main():
    path, frame = sys.argv[1], int(sys.argv[2])
    b = bytearray(open(path, "rb").read())
    n = struct.unpack_from("<I", b, 16)[0]
    for i in range(n):
        name, off, stored, raw = struct.unpack_from("<16sQQQ", b, 32 + 48 * i)
        if name.rstrip(b"\0") == b"docmeta":
            break
    else:
        sys.exit("%s: no section docmeta" % path)
    blk = 1 << 17  # the section's frame: stored blocks of 128 KiB

    def at(c):
        return off + 13 + (c // blk) * (blk + 3) + 3 + c % blk

    def rd(c, k):
        return bytes(b[at(c + j)] for j in range(k))

    h = rd(0, 48)
    if h[:8] != b"\0TYDM2\0\0":
        sys.exit("%s: docmeta is not layout 2" % path)
    per, nb = struct.unpack_from("<II", h, 8)
    ni = struct.unpack_from("<I", h, 44)[0]
    head = 48 + 16 * (ni + nb)
    o, zs, _ = struct.unpack("<QII", rd(48 + 16 * frame, 16))
    b[at(head + o + zs // 2)] ^= 0xFF
    open(path, "wb").write(b)
    print(per, nb, ni)


main()
