"""One result schema: Python's ideas(), match(), similar() and search()
return the object `tenyo ... --json` prints, member for member and value
for value (warnings, hidden counts, sentences, links included), for 10
queries each. The comparison is generic: every member of either side,
at any depth, must be on the other with the same value, so a member added
to the library's JSON (ideas/answer.c) is covered without a change here.

Run by tests/python.sh (pytest), with TENYO naming the CLI.
"""
import json
import os
import subprocess

import pytest

import tenyo

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLE = os.path.join(ROOT, "data", "sample", "sample.jsonl")
CLI = os.environ.get("TENYO", os.path.join(ROOT, "build", "tenyo"))

IDS = ["SAMPLE-001", "SAMPLE-002", "SAMPLE-011", "SAMPLE-020", "SAMPLE-027",
       "SAMPLE-070", "SAMPLE-110", "SAMPLE-154", "SAMPLE-182", "SAMPLE-197"]
TEXTS = ["車両 カメラ 眠気 検出 zzqq",                       # unknown words
         "Cooling plate for the batteries of electric vehicles",
         "robot gripper with soft fingers",
         "内視鏡の画像処理と照明制御",
         "当社は精密な樹脂成形と金型設計を得意としています",
         "wireless power transfer coil for electric cars",
         "潤滑油組成物 摩擦 低減",
         "鉄道車両 振動 抑制 ダンパ",
         "air conditioning refrigerant compressor control",
         "顔画像から運転者の状態を推定する"]
KEYWORDS = ["車両", "カメラ 眠気", "カメラ 眠気 -車両", "電池 OR 蓄電", '"制御装置"',
            "zzqqxx", "robot", "鉄道 振動", "NOT 車両 制御", "給電 コイル"]


@pytest.fixture(scope="module")
def index_path(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("schema") / "sample.tny")
    tenyo.build(path, [SAMPLE], threads=1)
    return path


@pytest.fixture(scope="module")
def index(index_path):
    with tenyo.Index(index_path) as x:
        yield x


def cli(*args):
    out = subprocess.run([CLI, *args, "--json"], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)


def diff(a, b, path="$"):
    """The first difference between JSON values a and b as a path and the
    two sides, or None: every member of either side, at any depth."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s.%s: only in %s" % (path, k, "python" if k in a else "cli")
            d = diff(a[k], b[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return "%s: %d items in python, %d in cli" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    if type(a) is not type(b) or a != b:
        return "%s: python %r, cli %r" % (path, a, b)
    return None


def same(got, want):
    d = diff(got.to_dict(), want)
    assert d is None, d
    # the rows are the list, the rest are attributes
    assert list(got) == want[got.rows]
    for k in want:
        if k != got.rows:
            assert getattr(got, k) == want[k]


@pytest.mark.parametrize("q", range(10))
def test_ideas_is_the_cli_object(index, index_path, q):
    if q < 5:
        got = index.ideas(IDS[q * 2])
        want = cli("ideas", index_path, IDS[q * 2])
    else:
        lang = "en" if q % 2 else "ja"
        got = index.ideas(text=TEXTS[q], lang=lang, n=5)
        want = cli("ideas", index_path, "--text", TEXTS[q], "--lang", lang, "-n", "5")
    same(got, want)
    assert got and all(i["idea"] and i["evidence"][0]["title"] for i in got)


def test_ideas_on_text_says_unknown_words_and_a_predicted_home(index):
    got = index.ideas(text=TEXTS[0])
    codes = [w["code"] for w in got.warnings]
    assert "unknown_words" in codes and "home_predicted" in codes
    assert got.query["home_predicted"] is True and got.query["home"]


@pytest.mark.parametrize("q", range(10))
def test_match_is_the_cli_object(index, index_path, q):
    lang = "en" if q % 3 == 2 else "ja"
    got = index.match(TEXTS[q], k=5, lang=lang)
    want = cli("match", index_path, "--text", TEXTS[q], "-k", "5", "--lang", lang)
    same(got, want)


@pytest.mark.parametrize("q", range(10))
def test_similar_is_the_cli_object(index, index_path, q):
    mode = ("hybrid", "tfidf", "lsa")[q % 3]
    if q < 5:
        got = index.similar(IDS[q * 2 + 1], k=7, mode=mode)
        want = cli("similar", index_path, IDS[q * 2 + 1], "-k", "7", "--mode", mode)
    else:
        got = index.similar(text=TEXTS[q], k=7, mode=mode)
        want = cli("similar", index_path, "--text", TEXTS[q], "-k", "7", "--mode", mode)
    same(got, want)
    assert all(isinstance(r["fields"], list) for r in got)


def test_doc_fields_are_a_list_as_in_results(index):
    got = index.similar(IDS[1], k=3)
    for r in got:
        d = index.doc(r["id"])
        assert isinstance(d["fields"], list) and d["fields"] == r["fields"], (d, r)


@pytest.mark.parametrize("q", range(10))
def test_search_is_the_cli_object(index, index_path, q):
    got = index.search(KEYWORDS[q], k=8)
    want = cli("search", index_path, "--", KEYWORDS[q], "-k", "8") if KEYWORDS[q][0] == "-" \
        else cli("search", index_path, KEYWORDS[q], "-k", "8")
    same(got, want)


def test_search_warns_about_words_no_record_holds(index):
    got = index.search("zzqqxx")
    assert got == [] and got.warnings and got.warnings[0]["code"] == "unknown_words"
    assert "zzqqxx" in got.warnings[0]["message"]
