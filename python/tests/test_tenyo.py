"""Tests of the Python binding (python/tenyo) against the built library.

Run by tests/python.sh inside `make test`: TENYO_LIB names the library,
TENYO the CLI (the oracle: the binding must give the CLI's answers) and
TENYO_ABI the program printing the C layout of the public structs.
"""
import contextlib
import io
import json
import os
import re
import subprocess
import threading
import time

import pandas as pd
import pytest

import tenyo

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLE = os.path.join(ROOT, "data", "sample", "sample.jsonl")
CLI = os.environ.get("TENYO", os.path.join(ROOT, "build", "tenyo"))
ABI = os.environ.get("TENYO_ABI", os.path.join(ROOT, "build", "tests", "abi"))


@pytest.fixture(scope="session")
def index_path(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("idx") / "sample.tny")
    st = tenyo.build(path, [SAMPLE], threads=1)
    assert st["docs"] == 200 and st["records"] == 200 and st["skipped"] == 0
    return path


@pytest.fixture()
def index(index_path):
    with tenyo.Index(index_path) as x:
        yield x


def cli_json(*args):
    out = subprocess.run([CLI, *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def test_struct_layouts_match_the_c_compiler():
    lines = subprocess.run([ABI], check=True, capture_output=True, text=True).stdout.split()
    rows = [lines[i:i + 3] for i in range(0, len(lines), 3)]
    assert len(rows) > 100
    for struct, field, value in rows:
        py = tenyo.STRUCTS[struct]
        if field == "-":
            assert ctypes_sizeof(py) == int(value), struct
        else:
            assert getattr(py, field).offset == int(value), (struct, field)


def ctypes_sizeof(t):
    import ctypes
    return ctypes.sizeof(t)


def test_version_is_the_header_version():
    h = open(os.path.join(ROOT, "include", "tenyo.h"), encoding="utf-8").read()
    assert tenyo.version() == re.search(r'TENYO_VERSION_STRING "([^"]+)"', h).group(1)


def test_info(index):
    info = index.info(check=True)
    assert info["documents"] == len(index) == 200
    assert info["terms"] > 500 and 1 <= info["dim"] <= 200
    assert any(s["name"] == "vocab" for s in info["sections"])
    cli = cli_json("info", index.path, "--json")
    assert cli["documents"] == info["documents"] and cli["terms"] == info["terms"]


def test_similar_gives_the_cli_answer(index):
    got = index.similar("SAMPLE-001", k=5, mode="tfidf")
    want = cli_json("similar", index.path, "SAMPLE-001", "-k", "5", "--mode", "tfidf", "--json")
    assert [r["id"] for r in got] == [r["id"] for r in want["results"]]
    assert all(abs(a["score"] - b["score"]) < 1e-4 for a, b in zip(got, want["results"]))
    assert [r["rank"] for r in got] == [1, 2, 3, 4, 5]


def test_hybrid_weight_applies_to_its_call_only(index):
    default = index.similar("SAMPLE-001", k=3)
    tf = index.similar("SAMPLE-001", k=3, hybrid_weight=1.0)
    assert [r["score"] for r in tf] == [r["score"] for r in index.similar("SAMPLE-001", k=3, mode="tfidf")]
    assert index.similar("SAMPLE-001", k=3) == default


def test_similar_text(index):
    got = index.similar(text="robot gripper with soft fingers", k=3, mode="lsa")
    assert len(got) == 3 and got[0]["score"] >= got[1]["score"] >= got[2]["score"]
    assert "B25J" in got[0]["fields"]


def test_ideas_give_the_cli_answer_and_a_dataframe(index):
    got = index.ideas("SAMPLE-001", n=5, mode="tfidf")
    want = cli_json("ideas", index.path, "SAMPLE-001", "-n", "5", "--mode", "tfidf", "--json")
    assert [i["field"] for i in got] == [i["field"] for i in want["ideas"]]
    assert all(abs(a["confidence"] - b["confidence"]) < 1e-3 for a, b in zip(got, want["ideas"]))
    df = pd.DataFrame(got)
    assert list(df.columns[:3]) == ["rank", "field", "label"]
    assert len(df) == len(got) > 0
    assert df["confidence"].between(0, 1).all()
    assert all(len(e) >= 1 for e in df["evidence"])
    assert all(isinstance(b, list) for b in df["bridge_terms"])
    # the old names read the new members for one release, with a warning
    with pytest.warns(DeprecationWarning, match="'code' is now 'field'"):
        assert got[0]["code"] == got[0]["field"]
    with pytest.warns(DeprecationWarning):
        assert got[0]["bridge"] == got[0]["bridge_terms"]
    assert "code" not in got[0] and "bridge" not in df.columns


def test_ideas_steered_give_the_cli_answer(index):
    base = index.ideas("SAMPLE-001", n=10)
    word = base[0]["bridge_terms"][0]
    first, last = base[0]["field"], base[-1]["field"]
    got = index.ideas("SAMPLE-001", n=10, strike=word, reject=first, keep=[last])
    want = cli_json("ideas", index.path, "SAMPLE-001", "-n", "10", "--not", word,
                    "--reject", first, "--keep", last, "--json")
    assert got.json == want
    assert got[0]["field"] == last and got[0]["kept"]
    assert all(i["field"] != first and word not in i["bridge_terms"] for i in got)
    assert any(word in i["struck"] for i in got)
    # the steer lasts one call: the next is the unsteered list
    assert index.ideas("SAMPLE-001", n=10).json == base.json
    with pytest.raises(ValueError, match="keep must be IPC subclasses"):
        index.ideas("SAMPLE-001", keep="B6")
    with pytest.raises(ValueError, match="strike must be words"):
        index.ideas("SAMPLE-001", strike=[""])
    with pytest.raises(TypeError):
        index.ideas("SAMPLE-001", reject=5)


def test_ideas_focused_give_the_cli_answer(index):
    ss = index.sentences("SAMPLE-001")
    assert len(ss) >= 2 and ss == index.sentences(text="\n".join(ss))
    got = index.ideas("SAMPLE-001", n=5, focus=[2])
    assert got.json == cli_json("ideas", index.path, "SAMPLE-001", "-n", "5", "--focus", "2",
                                "--json")
    assert got.query["focus"] == {"sentences": [2]}
    same = index.ideas("SAMPLE-001", n=5, focus_text=ss[1])
    assert [i["field"] for i in same] == [i["field"] for i in got]
    with pytest.raises(ValueError):
        index.ideas("SAMPLE-001", focus=[65])
    assert index.ideas("SAMPLE-001", n=5, focus=2).json == got.json
    for empty in (dict(focus_text=""), dict(strike=""), dict(focus=[]), dict(reject=",,,"),
                  dict(strike=[])):
        with pytest.raises(ValueError):
            index.ideas("SAMPLE-001", **empty)


def test_ideas_offset_gives_the_next_cards(index):
    full = index.ideas("SAMPLE-001", n=30)
    got = index.ideas("SAMPLE-001", n=20, offset=10)
    assert [(i["rank"], i["field"]) for i in got] == \
        [(i["rank"], i["field"]) for i in full][10:30]
    assert got.json == cli_json("ideas", index.path, "SAMPLE-001", "-n", "20", "--offset", "10",
                                "--json")
    with pytest.raises(ValueError, match="offset must be an integer"):
        index.ideas("SAMPLE-001", offset=-1)


def test_ideas_keep_pulls_the_list(index):
    base = index.ideas("SAMPLE-001", n=10)
    f = base[1]["field"]
    got = index.ideas("SAMPLE-001", n=10, keep=f)
    assert got[0]["field"] == f and got[0]["confidence"] > base[1]["confidence"]
    assert got.json == cli_json("ideas", index.path, "SAMPLE-001", "-n", "10", "--keep", f,
                                "--json")


def test_worksheet_applies_records_and_is_refused_when_damaged(index, tmp_path):
    base = index.ideas("SAMPLE-001", n=10)
    f0, f1 = base[0]["field"], base[1]["field"]
    w = tenyo.Worksheet("patent", "SAMPLE-001")
    got = index.ideas("SAMPLE-001", n=10, keep=f1, reject=f0, worksheet=w)
    w.note(f1, "for the client")
    with pytest.raises(KeyError):
        w.note("H01M", "x")
    path = str(tmp_path / "ws.json")
    w.save(path)
    again = tenyo.Worksheet.load(path)
    assert again.json == w.json and again.json["patent"] == "SAMPLE-001"
    cards = {c["field"]: c for c in again.cards}
    assert cards[f1]["decision"] == "kept" and cards[f1]["note"] == "for the client"
    assert cards[f1]["evidence"] and cards[f0]["decision"] == "rejected"
    replay = index.ideas("SAMPLE-001", n=10, worksheet=again)
    assert [i["field"] for i in replay] == [i["field"] for i in got]
    assert replay[0]["field"] == f1 and replay[0]["note"] == "for the client"
    want = cli_json("ideas", index.path, "SAMPLE-001", "-n", "10", "--worksheet", path,
                    "--json")
    assert [(i["field"], i["confidence"]) for i in want["ideas"]] == \
        [(i["field"], i["confidence"]) for i in replay]
    with pytest.raises(tenyo.IndexError_, match="for patent SAMPLE-001"):
        index.ideas("SAMPLE-002", worksheet=again)
    for bad, why in (('{"tenyo_worksheet":1,"patent":"P","cards":[{"field":1}]}', "cards\\[0\\].field"),
                     ('{"tenyo_worksheet":1,"patent":"P","note":"x"}', "unknown member"),
                     (b'{"tenyo_worksheet":1,"patent":"\xff"}', "line 1")):
        with pytest.raises(tenyo.InputError, match=why):
            tenyo.Worksheet.parse(bad)
    with open(path, "w") as f:
        f.write('{"tenyo_worksheet":1,"patent":"SAMPLE-001","strike":["' + "x" * (10 << 20) + '"]}')
    with pytest.raises(tenyo.Error, match="larger than"):
        tenyo.Worksheet.load(path)


def test_worksheet_save_follows_the_output_rule(index_path, tmp_path):
    """save never replaces an index (even the one open), a file of an
    index's update folder or a file that is no worksheet; a refused
    Worksheet(...) leaves nothing for __del__ to complain about."""
    import shutil
    import subprocess
    import sys
    idx = tmp_path / "b.tny"
    shutil.copy(index_path, idx)
    before = idx.read_bytes()
    w = tenyo.Worksheet("patent", "SAMPLE-001")
    with pytest.raises(tenyo.Error, match="tenyo index"):
        w.save(idx)
    assert idx.read_bytes() == before
    (tmp_path / "b.tny.upd").mkdir()
    with pytest.raises(tenyo.Error, match="update directory"):
        w.save(tmp_path / "b.tny.upd" / "ws.json")
    txt = tmp_path / "notes.txt"
    txt.write_text("my notes\n")
    with pytest.raises(tenyo.Error, match="not a worksheet"):
        w.save(txt)
    assert txt.read_text() == "my notes\n"
    w.save(tmp_path / "ws.json")
    assert tenyo.Worksheet.load(tmp_path / "ws.json").json["patent"] == "SAMPLE-001"
    r = subprocess.run([sys.executable, "-c", "import tenyo\ntry:\n tenyo.Worksheet('bogus', 'x')\n"
                        "except ValueError:\n pass\n"], capture_output=True, text=True)
    assert r.returncode == 0 and "AttributeError" not in r.stderr, r.stderr


def test_ideas_for_text_in_english(index):
    got = index.ideas(text="Cooling plate for the batteries of electric vehicles",
                      lang="en", n=5, min_confidence=0)
    assert got and all(i["label"] for i in got)


def test_errors_carry_the_library_message_and_code(index, tmp_path):
    with pytest.raises(tenyo.NotFound) as e:
        index.similar("NO-SUCH-ID")
    assert e.value.code == -8 and e.value.name == "TENYO_ERR_NOTFOUND"
    assert "NO-SUCH-ID" in str(e.value)
    with pytest.raises(tenyo.EmptyQuery) as e:
        index.ideas(text="qqqzzz")
    assert e.value.code == -11 and "term" in str(e.value)
    bad = tmp_path / "bad.tny"
    bad.write_bytes(b"TENYOIDX" + b"garbage " * 20)
    with pytest.raises(tenyo.Error) as e:
        tenyo.Index(str(bad))
    assert e.value.code in (-5, -6) and "bad.tny" in str(e.value)
    with pytest.raises(tenyo.InputError) as e:
        tenyo.build(str(tmp_path / "x.tny"), [str(tmp_path / "missing.jsonl")])
    assert "missing.jsonl" in str(e.value) and e.value.code == -3
    with pytest.raises(tenyo.EmptyQuery):
        empty = tmp_path / "empty.jsonl"
        empty.write_text("")
        tenyo.build(str(tmp_path / "y.tny"), [str(empty)])


def test_ids_as_people_type_them(index):
    want = index.similar("SAMPLE-001", k=3)
    for typed in ("sample-001", " SAMPLE 001", "\uff53\uff41\uff4d\uff50\uff4c\uff45\uff10\uff10\uff11"):
        assert index.similar(typed, k=3) == want
        assert index.resolve(typed) == {"id": "SAMPLE-001", "match": "normalised",
                                        "suggestions": []}
    assert index.resolve("SAMPLE-001")["match"] == "exact"
    miss = index.resolve("SAMPLE-0001")
    assert miss["id"] is None and miss["match"] is None and miss["suggestions"][0] == "SAMPLE-001"
    with pytest.raises(tenyo.NotFound, match="did you mean SAMPLE-001"):
        index.ideas("SAMPLE-0001")


def test_filters_apply_before_the_top_k(index):
    flt = {"date_from": "2019", "exclude_applicant": ["有明"], "fields": "B60,A61B,G06"}
    got = index.similar("SAMPLE-001", k=5, filters=flt)
    assert len(got) == 5
    for r in got:
        assert r["date"] >= "2019-01-01" and "有明" not in r["applicant"]
        assert any(f.startswith(("B60", "A61B", "G06")) for f in r["fields"])
    # the filtered top 5 are the best 5 matching ones of a longer unfiltered list
    everything = index.similar("SAMPLE-001", k=200)
    keep = [r["id"] for r in everything if r["date"] >= "2019-01-01"
            and "有明" not in r["applicant"]
            and any(f.startswith(("B60", "A61B", "G06")) for f in r["fields"])]
    assert [r["id"] for r in got] == keep[:5]
    assert index.similar("SAMPLE-001", k=5) != got  # the context is clean again
    ev = [e for i in index.ideas("SAMPLE-001", n=5, min_confidence=0, filters=flt)
          for e in i["evidence"]]
    assert ev and all(e["date"] >= "2019-01-01" for e in ev)
    with pytest.raises(ValueError, match="2024-13"):
        index.similar("SAMPLE-001", filters={"date_from": "2024-13"})
    with pytest.raises(ValueError, match="unknown filter"):
        index.similar("SAMPLE-001", filters={"since": "2020"})


def test_keyword_search(index):
    got = index.search("カメラ 眠気 -車両", k=50)
    assert got and all(got[i]["score"] >= got[i + 1]["score"] for i in range(len(got) - 1))
    both = {r["id"] for r in index.search("カメラ 眠気", k=200)}
    assert {r["id"] for r in got} <= both
    assert index.search("zzqqxx") == []
    only = {r["id"] for r in index.search("カメラ", k=200)}
    near = index.similar("SAMPLE-001", k=5, filters={"keywords": "カメラ"})
    assert near and all(r["id"] in only for r in near)
    with pytest.raises(ValueError, match="OR needs a term"):
        index.search("OR カメラ")


def test_bad_arguments_are_value_errors(index):
    with pytest.raises(ValueError, match="mode"):
        index.similar("SAMPLE-001", mode="fuzzy")
    with pytest.raises(ValueError, match="from 1 to 100"):
        index.ideas("SAMPLE-001", n=0)
    with pytest.raises(ValueError, match="exactly one"):
        index.similar()
    with pytest.raises(ValueError, match="dim"):
        tenyo.build("/nonexistent/x.tny", [SAMPLE], dim=5000)


def test_charset_doubt_warns_and_strict_fails(tmp_path):
    with pytest.warns(UserWarning, match="detection picks|UTF-8"):
        tenyo.build(str(tmp_path / "l.tny"), [SAMPLE], encoding="latin9")
    with pytest.raises(tenyo.InputError, match="latin9"):
        tenyo.build(str(tmp_path / "s.tny"), [SAMPLE], encoding="latin9", strict=True)


def test_batch_keeps_order_and_errors(index):
    ids = ["SAMPLE-001", "SAMPLE-002", "NO-SUCH-ID", "SAMPLE-003"]
    got = index.batch(ids, n=3, threads=2)
    assert isinstance(got[2], tenyo.NotFound)
    for i in (0, 1, 3):
        assert [x["field"] for x in got[i]] == [x["field"] for x in index.ideas(ids[i], n=3)]
    sim = index.batch([{"text": "robot gripper"}, "SAMPLE-001"], what="similar", k=2)
    assert len(sim) == 2 and all(len(r) == 2 for r in sim)


def test_queries_release_the_gil(index):
    """A Python thread keeps counting while one long query runs in C."""
    text = "カメラ画像から運転者の眠気を検出して車両を制御する装置。" * 60000
    count = [0]
    stop = threading.Event()

    def counter():
        while not stop.is_set():
            count[0] += 1
    t = threading.Thread(target=counter)
    t.start()
    time.sleep(0.05)
    before = count[0]
    t0 = time.monotonic()
    index.similar(text=text, k=3)
    spent = time.monotonic() - t0
    during = count[0] - before
    stop.set()
    t.join()
    assert spent > 0.1, spent
    # held GIL: the counter would get a switch interval (5 ms) at most
    assert during > 20000, (during, spent)


def test_readme_example_runs(tmp_path, monkeypatch):
    """The README's Python example, as written, on the sample."""
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    m = re.search(r"<!-- python-example -->\s*```python\n(.*?)```", readme, re.S)
    assert m, "README has no python example block"
    monkeypatch.chdir(ROOT)
    code = m.group(1).replace('"python-sample.tny"', repr(str(tmp_path / "python-sample.tny")))
    assert str(tmp_path) in code, "the example's index is not python-sample.tny"
    env = {}
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(code, "README.md", "exec"), env)
    assert isinstance(env["df"], pd.DataFrame) and len(env["df"]) > 0
    # the output README shows is the output it gives
    shown = re.search(r"<!-- python-example -->\s*```python\n.*?```\s*```\n(.*?)```", readme, re.S)
    assert shown and shown.group(1).rstrip() == buf.getvalue().rstrip(), buf.getvalue()


def test_licensable_list_and_match(tmp_path):
    """Licensable patents as data (tenyo.open_load / open_clear) and the
    company query (Index.match) agree with the CLI."""
    path = str(tmp_path / "m.tny")
    src = tmp_path / "noopen.jsonl"
    with open(SAMPLE, encoding="utf-8") as f, open(src, "w", encoding="utf-8") as g:
        for line in f:
            d = json.loads(line)
            d.pop("open", None)
            g.write(json.dumps(d, ensure_ascii=False) + "\n")
    tenyo.build(path, [str(src)], threads=1)
    lst = tmp_path / "list.txt"
    lst.write_text("".join("SAMPLE-%03d\n" % i for i in range(1, 61)) + "NOPE-1\n",
                   encoding="utf-8")
    st = tenyo.open_load(path, str(lst))
    assert st["listed"] == 60 and st["unresolved"] == 1, st
    assert st["problems"] and st["problems"][0][0] == 61, st["problems"]
    text = "カメラで撮像した画像から異常を検出する検査装置の設計と製造"
    with tenyo.Index(path) as x:
        assert x.info()["licensable"]["list"]["listed"] == 60
        got = x.match(text, k=5)
        assert got and all(x.doc(m["id"])["open"] for m in got)
        band = {"strong": 0, "candidate": 1, "reference": 2}
        key = [(band[m["band"]], m["specific_words"] == 0, -m["similarity"]) for m in got]
        assert key == sorted(key), key  # the strongest band first
        for m in list(got) + list(got.reference):  # the cards and those apart
            assert m["band_label"] and (m["band"] == "strong") == (not m["weak"])
            a = m["application"]
            assert a is None or a["source"] != "own_text" or (a["confidence"] is None
                                                                and m["confidence"] is None)
        generic = x.match("加工と製造のシステムを回収して処理する会社です。", k=5)
        assert generic.reference and all(m["specific_words"] > 0 for m in generic)
        assert [w["code"] for w in generic.warnings].count("nothing_else_fits") == 1
        sim = x.similar(text=text, k=5, filters={"open_only": True})
        assert all(r["open"] for r in sim)
        dated = x.match(text, k=5, filters={"date_from": "2021"})
        assert all(m["date"] >= "2021" for m in dated)
    cli = cli_json("match", path, "--text", text, "-k", "5", "--json")
    assert [m["id"] for m in cli["matches"]] == [m["id"] for m in got]
    assert cli["reference"] == got.reference and cli["warnings"] == got.warnings
    assert tenyo.open_clear(path) is True
    with tenyo.Index(path) as x:
        assert x.info()["licensable"]["documents"] == 0
        # no list: every patent is matched (licence status unknown)
        un = x.match(text, k=5)
        assert 1 <= len(un) + len(un.reference) <= 5
        assert not any(x.doc(m["id"])["open"] for m in list(un) + list(un.reference))


def _rss_kib():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))


def test_short_lived_threads_leave_bounded_contexts(index):
    """A thread per query, as a thread-per-request web app runs: 1,000
    threads, 50 at a time, each querying once (free text: a context with a
    tokenizer) and ending, leave no more contexts than the pool keeps idle,
    and memory does not grow with the number of threads."""
    errors = []

    def one(i):
        try:
            got = index.similar(text="robot gripper with soft fingers %d" % i, k=3)
            assert len(got) == 3
        except Exception as e:  # noqa: BLE001 (collected, asserted below)
            errors.append(e)

    def wave(lo, hi):
        ts = [threading.Thread(target=one, args=(i,)) for i in range(lo, hi)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    wave(0, 50)  # the first wave's peak: 50 contexts at once
    before = _rss_kib()
    for lo in range(50, 1000, 50):
        wave(lo, lo + 50)
    grew = _rss_kib() - before
    assert not errors, errors[:3]
    live = getattr(index, "_nctx", None)
    if live is None:  # a context per thread that ever queried
        live = len(getattr(index, "_ctxs", []))
    assert live <= max(os.cpu_count() or 1, 2), live
    assert grew < 48 * 1024, "RSS grew %d KiB over 950 threads" % grew


def test_senses_split_a_pair_and_are_refused_when_damaged(index, tmp_path):
    base = index.ideas("SAMPLE-001", n=10)
    home = base.query["home"][0]
    card = next(i for i in base if i["bridge_terms"])
    word = card["bridge_terms"][0]
    s = tenyo.Senses()
    assert s.add(word, home, card["field"]) and not s.add(word, card["field"], home)
    got = index.ideas("SAMPLE-001", n=10, senses=s)
    assert all(word not in i["bridge_terms"] for i in got if i["field"] == card["field"])
    assert index.ideas("SAMPLE-001", n=10, senses=False).json == base.json
    path = str(tmp_path / "x.senses")
    s.save(path)
    assert list(tenyo.Senses.load(path)) == list(s) and len(s) == 1
    s.remove(word, card["field"], home)
    with pytest.raises(KeyError):
        s.remove(word, card["field"], home)
    with open(path, "a") as f:
        f.write("x\tB60W\n")
    with pytest.raises(tenyo.InputError, match="x.senses:3: needs three columns"):
        tenyo.Senses.load(path)


def test_senses_save_refuses_an_index_or_input_and_merge_is_all_or_nothing(index_path, tmp_path):
    s = tenyo.Senses()
    s.add("運転", "B60W", "F24F")
    before = open(index_path, "rb").read()
    with pytest.raises(tenyo.Error, match="tenyo index"):
        s.save(index_path)
    corpus = tmp_path / "in.jsonl"
    corpus.write_text('{"id": "X-1"}\n')
    with pytest.raises(tenyo.Error, match="not a senses file"):
        s.save(str(corpus))
    assert open(index_path, "rb").read() == before and corpus.read_text() == '{"id": "X-1"}\n'
    with tenyo.Index(index_path) as x:
        assert len(x.ideas("SAMPLE-001", n=3)) > 0
    big, more = tenyo.Senses(), tenyo.Senses()
    for i in range(60000):
        big.add("a%d" % i, "B60W", "G07C")
        more.add("b%d" % i, "B60W", "G07C")
    path = str(tmp_path / "more.senses")
    more.save(path)
    with pytest.raises(tenyo.Error, match="nothing of it taken"):
        big.merge(path)
    assert len(big) == 60000
