"""flipsweep.py — flip one byte at a time in every section of an index's
base and segments (and in the header, the deletion file and the MANIFEST),
run `tenyo check` after each flip, restore the byte, and print one line per
section: file, section, detected/total, inert. A flip is detected when check
exits non-zero; one that check passes is inert when the section's zstd
frame still decodes (zstd(1), checksum verified) to exactly the original
bytes (zstd leaves some bits unread: the frame header's unused bit, slack
in entropy tables), else missed. Used by tests/hostile.sh (a few flips per
section) and for the full table (more).

Usage: python3 tests/flipsweep.py TENYO INDEX FLIPS_PER_SECTION SEED
Exit 1 when any flip was missed.
"""
import os
import random
import struct
import subprocess
import sys


def sections(path):
    """[(name, offset, size)] of a tenyo file (store/format.h's layout);
    the header (table and its checksum) is one more entry."""
    with open(path, "rb") as f:
        head = f.read(32)
        assert head[:8] == b"TENYOIDX", path
        n = struct.unpack_from("<I", head, 16)[0]
        table = f.read(48 * n + 8)
    out = [("header", 0, 32 + 48 * n + 8)]
    for i in range(n):
        e = table[48 * i:48 * i + 48]
        name = e[:16].rstrip(b"\0").decode()
        off, stored = struct.unpack_from("<QQ", e, 16)
        out.append((name, off, stored))
    return out


def flip(path, at, rng):
    with open(path, "r+b") as f:
        f.seek(at)
        old = f.read(1)[0]
        new = old ^ (1 << rng.randrange(8))
        f.seek(at)
        f.write(bytes([new]))
    return old


def frame(path, off, size):
    with open(path, "rb") as f:
        f.seek(off)
        b = f.read(size)
    r = subprocess.run(["zstd", "-d", "-c", "-q"], input=b, capture_output=True)
    return r.stdout if r.returncode == 0 else None


def restore(path, at, old):
    with open(path, "r+b") as f:
        f.seek(at)
        f.write(bytes([old]))


def main():
    tenyo, index, flips, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(seed)
    upd = index + ".upd"
    files = [("base", index, sections(index))]
    for name in sorted(os.listdir(upd)) if os.path.isdir(upd) else []:
        p = os.path.join(upd, name)
        if name.endswith(".tys"):
            files.append((name, p, sections(p)))
        elif name == "MANIFEST" or name.endswith(".tyd"):
            files.append((name, p, [("whole", 0, os.path.getsize(p))]))
    missed = 0
    for label, path, secs in files:
        for name, off, size in secs:
            got = inert = 0
            zstd = name not in ("header", "whole")
            clean = frame(path, off, size) if zstd else None
            for _ in range(flips):
                at = off + rng.randrange(size)
                old = flip(path, at, rng)
                r = subprocess.run([tenyo, "check", index], capture_output=True)
                if r.returncode != 0:
                    got += 1
                elif zstd and clean is not None and frame(path, off, size) == clean:
                    inert += 1
                restore(path, at, old)
            missed += flips - got - inert
            print("%s\t%s\t%d/%d\t%d inert" % (label, name, got, flips, inert))
    r = subprocess.run([tenyo, "check", index], capture_output=True)
    assert r.returncode == 0, "index not restored"
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
