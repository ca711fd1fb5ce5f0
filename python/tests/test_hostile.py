"""The Python binding under hostile use: an Index used after close() or
closed while other threads query it, tenyo.build aimed at its own input, at
a text file or at a locked index, numbers past the index, NUL characters
inside strings and arguments of the wrong type.

The use-after-close cases run in a child interpreter: a crash there (the
failure they guard against) is a failed test, not a dead test run.
"""
import fcntl
import os
import subprocess
import sys
import textwrap

import pytest

import tenyo

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLE = os.path.join(ROOT, "data", "sample", "sample.jsonl")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("hostile") / "s.tny")
    tenyo.build(path, [SAMPLE], threads=1)
    return path


def child(code, path, runs=1):
    """Run code (path bound to the index) in fresh interpreters; returns
    the outputs, asserting every run exited 0."""
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(tenyo.__file__)))
    outs = []
    for _ in range(runs):
        p = subprocess.run([sys.executable, "-c", "import sys, tenyo, threading\npath = "
                            + repr(path) + "\n" + textwrap.dedent(code)],
                           capture_output=True, text=True, env=env, timeout=120)
        assert p.returncode == 0, (p.returncode, p.stdout[-2000:], p.stderr[-2000:])
        outs.append(p.stdout)
    return outs


def test_py_closed_index_refuses_every_query(built):
    code = """
    x = tenyo.Index(path)
    x.similar(text="ロボット 把持", k=1)
    x.ideas(text="ロボット 把持", n=1)
    x.match("ロボット 把持", k=1)
    x.close()
    calls = [lambda: x.similar(text="ロボット 把持", k=1),
             lambda: x.ideas(text="ロボット 把持", n=1),
             lambda: x.match("ロボット 把持", k=1),
             lambda: x.similar("SAMPLE-001", k=1), lambda: x.doc(0), lambda: x.info(),
             lambda: len(x), lambda: x.search("ロボット"), lambda: x.label("B25J"),
             lambda: x.resolve("SAMPLE-001")]
    for c in calls:
        try:
            c()
            print("answered")
        except ValueError as e:
            print("refused:", e)
    x.close()
    """
    for out in child(code, built, runs=3):
        lines = out.splitlines()
        assert len(lines) == 10 and all(l == "refused: the index is closed" for l in lines), out


def test_py_close_while_threads_query(built):
    code = """
    import time
    for round in range(3):
        x = tenyo.Index(path)
        stop = threading.Event()
        bad = []
        def work():
            while not stop.is_set():
                try:
                    x.similar(text="ロボット 把持 カメラ", k=3)
                    x.ideas("SAMPLE-002", n=2)
                except ValueError as e:
                    if str(e) != "the index is closed":
                        bad.append(repr(e))
                    return
                except Exception as e:
                    bad.append(repr(e))
                    return
        ts = [threading.Thread(target=work) for _ in range(4)]
        for t in ts:
            t.start()
        time.sleep(0.3)
        x.close()
        stop.set()
        for t in ts:
            t.join()
        print("bad", bad)
    """
    for out in child(code, built):
        assert out.splitlines() == ["bad []"] * 3, out


def test_py_build_keeps_the_command_lines_safety(built, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(open(SAMPLE, "rb").read())
    before = src.read_bytes()
    with pytest.raises(ValueError, match="both an input and the output"):
        tenyo.build(str(src), [str(src)])
    assert src.read_bytes() == before
    os.symlink(str(src), str(tmp_path / "alias.jsonl"))
    with pytest.raises(ValueError, match="both an input and the output"):
        tenyo.build(str(tmp_path / "alias.jsonl"), [str(src)])
    assert src.read_bytes() == before
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    with pytest.raises(tenyo.Error, match="not a tenyo index") as e:
        tenyo.build(str(notes), [SAMPLE])
    assert e.value.name == "TENYO_ERR_ARG"
    assert notes.read_text() == "my notes\n"
    # the writer lock held (flock, as tenyo add would hold it)
    idx = tmp_path / "x.tny"
    tenyo.build(str(idx), [SAMPLE], threads=1)
    was = idx.read_bytes()
    fd = os.open(str(idx) + ".upd/LOCK", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(tenyo.Error) as e:
            tenyo.build(str(idx), [str(src)], threads=1)
        assert e.value.name == "TENYO_ERR_BUSY", e.value
    finally:
        os.close(fd)
    assert idx.read_bytes() == was
    # force replaces a file that is not an index, as --force does
    assert tenyo.build(str(notes), [SAMPLE], threads=1, force=True)["docs"] == 200


def test_py_numbers_nuls_and_types(built):
    with tenyo.Index(built) as x:
        n = len(x)
        for bad in (2**64, 2**64 + 1, n, -1, -2**63):
            with pytest.raises(tenyo.NotFound, match="no document number"):
                x.doc(bad)
        assert x.doc(n - 1)["id"]
        with pytest.raises(ValueError, match="NUL"):
            x.similar("SAMPLE-001\x00junk")
        with pytest.raises(ValueError, match="NUL"):
            x.similar(text="ロボット\x00把持")
        with pytest.raises(ValueError, match="NUL"):
            x.ideas("SAMPLE-001\x00", n=1)
        with pytest.raises(ValueError, match="NUL"):
            x.resolve("SAMPLE-001\x00x")
        with pytest.raises(ValueError, match="NUL"):
            x.similar("SAMPLE-001", filters={"applicant": "A\x00B"})
        with pytest.raises(ValueError, match="NUL"):
            x.ideas("SAMPLE-001", home="B25J\x00")
        with pytest.raises(ValueError, match="NUL"):
            tenyo.Index(built + "\x00junk")
        with pytest.raises(ValueError, match="empty path"):
            tenyo.build("", [SAMPLE])
        for call in (lambda: x.similar(123), lambda: x.similar(text=5),
                     lambda: x.ideas(["SAMPLE-001"]), lambda: x.match(b"bytes"),
                     lambda: x.doc(1.0), lambda: x.doc(None), lambda: x.similar("SAMPLE-001", k="3"),
                     lambda: x.similar("SAMPLE-001", filters=["applicant"]),
                     lambda: x.ideas("SAMPLE-001", home=5), lambda: x.label(None),
                     lambda: x.search(7), lambda: tenyo.Index(5),
                     lambda: x.batch([1, 2]), lambda: x.batch(["SAMPLE-001", None])):
            with pytest.raises(TypeError):
                call()


def test_py_info_check_reads_the_abstracts(built, tmp_path):
    import shutil
    import struct
    path = str(tmp_path / "ab.tny")
    shutil.copy(built, path)
    b = bytearray(open(path, "rb").read())
    n = struct.unpack_from("<I", b, 16)[0]
    for i in range(n):
        e = b[32 + 48 * i:80 + 48 * i]
        if e[:16].rstrip(b"\0") == b"abstracts":
            off, stored = struct.unpack_from("<QQ", e, 16)
            b[off + stored // 2] ^= 0x10
    open(path, "wb").write(b)
    with tenyo.Index(path) as x:
        with pytest.raises(tenyo.IndexError_, match="abstracts"):
            x.info(check=True)


def test_py_integers_of_any_kind(built):
    """numpy's integers (anything with __index__) are numbers; bool is not."""
    np = pytest.importorskip("numpy")
    with tenyo.Index(built) as x:
        assert x.doc(np.int64(3)) == x.doc(3)
        assert len(x.similar("SAMPLE-001", k=np.int32(2))) == 2
        with pytest.raises(TypeError):
            x.doc(True)
        with pytest.raises(tenyo.NotFound):
            x.doc(np.uint64(2**64 - 1))
