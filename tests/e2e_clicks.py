"""e2e_clicks.py — the page of `tenyo serve` driven with real clicks in
headless Chromium, through Debian's chromedriver (W3C WebDriver over HTTP,
spoken here with the standard library: no node or pip packages). Runs the
paths a new analyst takes that tests/e2e.sh, which only reads the drawn
DOM, cannot: a patent opened from the keyword search, its "ideas" button,
striking, keeping and rejecting and taking each back, "more", and the
writable page's answers. Saves a screenshot per step under OUTDIR.
Prints "ok NAME" / "FAIL NAME (why)" lines for tests/e2e.sh.

Usage: python3 tests/e2e_clicks.py CHROMEDRIVER CHROMIUM URL WRITABLE_URL OUTDIR
E2E_CLICKS=remade,upload (parts of the paths' names, comma-separated) runs
those paths alone.
"""
import base64
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

DRIVER, CHROME, URL, WURL, OUT = sys.argv[1:6]
OUT = os.path.abspath(OUT)
EID = "element-6066-11e4-a52e-4f735466cecf"
results = []


def check(name, cond, why=""):
    results.append(bool(cond))
    print(("ok   %s" % name) if cond else ("FAIL %s (%s)" % (name, why)))
    sys.stdout.flush()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Browser:
    """One WebDriver session of headless Chromium."""

    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen([DRIVER, "--port=%d" % self.port],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = "http://127.0.0.1:%d" % self.port
        for _ in range(100):
            try:
                self.call("GET", "/status")
                break
            except (OSError, urllib.error.URLError):
                time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {"binary": CHROME, "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--window-size=1400,1800", "--lang=ja"]}}}}
        self.sid = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read() or b"{}").get("value", {}) if path != "/session" else json.loads(r.read())["value"]
        except urllib.error.HTTPError as e:
            raise RuntimeError("%s %s: %s" % (method, path, e.read()[:300].decode("utf-8", "replace")))

    def s(self, method, path, body=None):
        return self.call(method, "/session/%s%s" % (self.sid, path), body)

    def go(self, url):
        self.s("POST", "/url", {"url": url})

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def find(self, css):
        return self.s("POST", "/element", {"using": "css selector", "value": css})[EID]

    def click(self, css):
        """A real click (the driver's pointer on the element's centre)."""
        e = self.find(css)
        self.s("POST", "/element/%s/click" % e, {})

    def type(self, css, text):
        e = self.find(css)
        self.s("POST", "/element/%s/clear" % e, {})
        self.s("POST", "/element/%s/value" % e, {"text": text})

    def text(self, css):
        return self.js("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css)

    def wait(self, cond, timeout=30):
        """Until the script cond (an expression) is true; False on time out."""
        end = time.time() + timeout
        while time.time() < end:
            if self.js("return !!(%s);" % cond):
                return True
            time.sleep(0.1)
        return False

    def settle(self):
        """Until the page has answered (not busy) and its run button is free."""
        time.sleep(0.2)
        return self.wait("document.body.dataset.state !== 'busy' && document.body.dataset.state !== 'loading' && !document.getElementById('run').disabled")

    def shot(self, name):
        png = base64.b64decode(self.s("GET", "/screenshot"))
        with open(os.path.join(OUT, name + ".png"), "wb") as f:
            f.write(png)

    def console(self):
        """The browser's console lines since the last call (errors, failed loads)."""
        try:
            return [e.get("message", "") for e in self.s("POST", "/se/log", {"type": "browser"})]
        except RuntimeError:
            return []

    def quit(self):
        try:
            self.s("DELETE", "")
        except Exception:
            pass
        self.proc.terminate()
        self.proc.wait()


def api(path, body=None, base=URL):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path.lstrip("/"), data=data,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, None


def main():
    os.makedirs(OUT, exist_ok=True)
    b = Browser()
    try:
        run(b)
    finally:
        b.quit()


def section(name, fn, b):
    """One path of the page; a driver error in it is one failure, and the
    next path still runs."""
    try:
        fn(b)
    except Exception as e:
        check(name, False, repr(e)[:300])


def run(b):
    only = os.environ.get("E2E_CLICKS", "")  # a name's part: only those paths
    for name, fn in SECTIONS:
        if not only or any(o in name for o in only.split(",")):
            section(name, fn, b)


def sections():
    return [
        ("clicks_search", search_paths),
        ("clicks_undo", undo_paths),
        ("clicks_remade", remade_paths),
        ("clicks_focus_none", focus_none_paths),
        ("clicks_more", more_paths),
        ("clicks_text", text_paths),
        ("clicks_company", company_paths),
        ("clicks_other_writer", other_writer_paths),
        ("clicks_upload", upload_paths),
        ("clicks_remember", remember_paths),
    ]


def search_paths(b):
    # ------------------------------------------ keyword search, then a patent
    b.go(URL + "#kw=%E9%81%8B%E8%BB%A2")  # 運転
    b.settle()
    check("clicks_search_listed", b.js("return document.querySelectorAll('#cards li.search').length") > 0,
          b.text("#status"))
    first = b.js("return document.querySelector('#cards li.search').dataset.id")
    b.console()
    b.click("#cards li.search .card-head button.code")
    ok = b.wait("document.getElementById('detail').dataset.patent === %s" % json.dumps(first), 15)
    body = b.text("#detail-body") or ""
    errs = [m for m in b.console() if "Cannot read" in m or "TypeError" in m]
    check("clicks_search_patent_panel", ok and "エラー" not in body and not errs,
          "panel %r, console %r" % (body[:120], errs[:2]))
    b.shot("clicks_01_search_patent")
    # the panel's "ideas for this patent" as the results' link: no keyword filter
    b.click("#detail-body .actions button")
    b.settle()
    h = b.js("return location.hash")
    check("clicks_panel_ideas_no_keyword", "kw=" not in h and b.js("return document.getElementById('keywords').value") == "",
          h)
    b.go(URL + "#kw=%E9%81%8B%E8%BB%A2")  # the search again, for the results' link below
    b.js("location.reload()")
    b.settle()
    b.wait("document.querySelectorAll('#cards li.search').length > 0", 15)
    # "ideas for this patent" from the results: the keyword was for finding
    # it, not a filter of its ideas
    b.click("#cards li.search > button.link")
    b.settle()
    h = b.js("return location.hash")
    check("clicks_search_ideas_no_keyword", "kw=" not in h and b.js("return document.getElementById('keywords').value") == "",
          h)
    n = b.js("return Number(document.body.dataset.cards || 0)")
    check("clicks_search_ideas_cards", n > 1 and first in (b.text("#resulttitle") or ""),
          "%s cards, %r" % (n, b.text("#resulttitle")))
    b.shot("clicks_02_search_ideas")



def remade_paths(b):
    # ------------- a decision makes the list again: the page says so, and
    # how many of the other cards changed their numbers
    pid = "SAMPLE-005"
    b.go(URL + "#q=%s&n=5&conf=0" % pid)
    b.js("location.reload()")
    b.settle()
    st0 = b.text("#status") or ""
    check("clicks_remade_not_before", "作り直しました" not in st0, st0)
    b.click("#cards > li:nth-child(1) .decide-kept")
    b.settle()
    st1 = b.text("#status") or ""
    check("clicks_remade_keep_said", re.search(r"一覧を作り直しました.*(ほかのカード [0-9]+ 件の確信度または順位が変わりました|変わっていません)", st1), st1)
    b.click("#cards > li:nth-child(2) .decide-rejected")
    b.settle()
    st2 = b.text("#status") or ""
    check("clicks_remade_reject_said", re.search(r"ほかのカード [0-9]+ 件の確信度または順位が変わりました", st2), st2)
    b.shot("clicks_13_remade")
    # in English too, and a plain reload says nothing of it
    b.go(URL + "#q=%s&n=5&conf=0&lang=en" % pid)
    b.js("location.reload()")
    b.settle()
    st3 = b.text("#status") or ""
    b.click('#wsdecisions li[data-kind="rejected"] button.undo')
    b.settle()
    st4 = b.text("#status") or ""
    check("clicks_remade_en", "made again" not in st3 and re.search(r"The list was made again.*(other cards? changed|No other card changed)", st4), st3 + " / " + st4)
    for kind in ("kept",):
        b.click('#wsdecisions li[data-kind="%s"] button.undo' % kind)
        b.settle()


def focus_none_paths(b):
    # ----- "make the list from these" with no sentence ticked: the page
    # says to choose one first (in its language) and changes nothing
    pid = "SAMPLE-006"
    for lang, want in (("ja", "先に文を 1 つ以上選んでください"), ("en", "Select at least one sentence first")):
        b.go(URL + "#q=%s&n=5&conf=0&lang=%s" % (pid, lang))
        b.js("location.reload()")
        b.settle()
        b.js("document.getElementById('focusbox').open = true; document.querySelectorAll('#sentences input').forEach(c => c.checked = false); return 1")
        before = b.text("#status")
        b.click("#focus-apply")
        b.settle()
        st, ws = api("api/worksheet?patent=" + pid)
        hint = b.text("#focus-hint") or ""
        check("clicks_focus_none_hint_" + lang, want in hint and not (ws.get("worksheet") or {}).get("focus")
              and b.text("#status") == before, "%r %r" % (hint, ws))
    b.shot("clicks_14_focus_none")
    # a sentence ticked: the hint goes, the list is made from it
    b.js("document.querySelector('#sentences input').checked = true; return 1")
    b.click("#focus-apply")
    b.settle()
    st, ws = api("api/worksheet?patent=" + pid)
    check("clicks_focus_one_applied", (ws.get("worksheet") or {}).get("focus") == [1] and not (b.text("#focus-hint") or ""),
          "%r %r" % (ws, b.text("#focus-hint")))
    b.click('#wsdecisions li[data-kind="focus"] button.undo')
    b.settle()


def undo_paths(b):
    # ------------------------------------------------ decisions and undo
    pid = "SAMPLE-001"
    b.go(URL + "#q=%s&n=5&conf=0" % pid)
    b.go(URL + "#q=%s&n=5&conf=0" % pid)
    b.js("location.reload()")
    b.settle()
    word = b.js("return document.querySelector('.chip.strikable').textContent")
    b.click(".chip.strikable")
    b.settle()
    check("clicks_strike", word in (b.js("return [...document.querySelectorAll('.chip.struck')].map(c => c.textContent)") or []),
          word)
    f1 = b.js("return document.querySelector('#cards > li .code').textContent")
    b.click("#cards > li:nth-child(1) .decide-kept")
    b.settle()
    f2 = b.js("return document.querySelector('#cards > li:nth-child(2) .code').textContent")
    b.js("document.querySelector('#cards > li:nth-child(2) input.note').value = '既存品が強い'; return 1")
    b.click("#cards > li:nth-child(2) .decide-rejected")
    b.settle()
    b.shot("clicks_03_decided")
    listed = b.js("return [...document.querySelectorAll('#wsdecisions li')].map(l => l.dataset.kind + ':' + l.dataset.value)") or []
    check("clicks_ws_lists_decisions",
          sorted(listed) == sorted(["kept:" + f1, "rejected:" + f2, "strike:" + word]), repr(listed))
    undo = b.js("return document.querySelectorAll('#wsdecisions li button.undo').length")
    check("clicks_ws_undo_controls", undo == 3, "%s undo buttons" % undo)
    # take the rejection back: the card is listed again
    b.click('#wsdecisions li[data-kind="rejected"] button.undo')
    b.settle()
    codes = b.js("return [...document.querySelectorAll('#cards > li .code')].map(c => c.textContent)")
    st, ws = api("api/worksheet?patent=" + pid)
    check("clicks_undo_reject", f2 in codes and not any(c["field"] == f2 for c in ws["worksheet"]["cards"]),
          "%r %r" % (codes, ws))
    # the note typed with the decision stays in the card's box once it is
    # taken back (it went with the decision)
    kept_note = b.js("const c = [...document.querySelectorAll('#cards > li')].find(l => l.querySelector('.code').textContent === arguments[0]); return c ? c.querySelector('input.note').value : null", f2)
    check("clicks_undo_keeps_note", kept_note == "既存品が強い", repr(kept_note))
    # take the struck word back
    b.click('#wsdecisions li[data-kind="strike"] button.undo')
    b.settle()
    st, ws = api("api/worksheet?patent=" + pid)
    check("clicks_undo_strike", b.js("return document.querySelectorAll('.chip.struck').length") == 0 and
          word not in ws["worksheet"].get("strike", []), repr(ws))
    # take the kept card back
    b.click('#wsdecisions li[data-kind="kept"] button.undo')
    b.settle()
    st, ws = api("api/worksheet?patent=" + pid)
    check("clicks_undo_keep", b.js("return document.querySelectorAll('#cards .badge.kept').length") == 0 and
          not ws["worksheet"].get("cards"), repr(ws))
    check("clicks_ws_empty_after_undo", b.js("return document.querySelectorAll('#wsdecisions li').length") == 0,
          b.text("#wsdecisions"))
    b.shot("clicks_04_undone")
    # a decision, then a keyword search and a company's list: the patent's
    # worksheet (and its undo buttons) is not shown with them
    b.click(".chip.strikable")
    b.settle()
    b.type("#keywords", "運転")
    b.click("#kwsearch")
    b.settle()
    left = b.js("return document.querySelectorAll('#wsdecisions li').length + ' ' + document.getElementById('wsinfo').textContent + ' ' + document.getElementById('focusbox').hidden")
    check("clicks_search_no_stale_worksheet", left == "0  true", left)
    b.js("document.getElementById('keywords').value = ''")
    b.click("#task-match")
    b.type("#q", "運転者の眠気を顔画像から推定するセンサ")
    b.click("#run")
    b.settle()
    # the company's list has its text's own sheet: none of the patent's
    # decisions, no focus box
    left = b.js("return document.querySelectorAll('#wsdecisions li').length + ' ' + document.getElementById('focusbox').hidden + ' ' + /除外した語 0/.test(document.getElementById('wsinfo').textContent)")
    check("clicks_match_no_stale_worksheet", left == "0 true true", left)
    b.click("#task-ideas")



def other_writer_paths(b):
    # ------------------------- another writer saves the sheet meanwhile
    pid = "SAMPLE-002"
    b.go(URL + "#q=%s&n=5&conf=0" % pid)
    b.js("location.reload()")
    b.settle()
    # `ideas --worksheet` (or another page) rejects a field while this page
    # is open: its save names no version, as the command's own file write
    st, cur = api("api/worksheet?patent=" + pid)
    sheet = cur.get("worksheet") or {"tenyo_worksheet": 1, "patent": pid, "strike": [], "cards": []}
    sheet["cards"] = [c for c in sheet.get("cards", []) if c["field"] != "A01B"] + [{"field": "A01B", "decision": "rejected"}]
    st2, _ = api("api/worksheet", sheet)
    f1 = b.js("return document.querySelector('#cards > li .code').textContent")
    b.click("#cards > li:nth-child(1) .decide-kept")
    b.settle()
    st3, ws = api("api/worksheet?patent=" + pid)
    fields = {c["field"]: c["decision"] for c in (ws.get("worksheet") or {}).get("cards", [])}
    check("clicks_ws_other_writer_kept", st2 == 200 and fields.get("A01B") == "rejected" and fields.get(f1) == "kept",
          repr(fields))
    b.shot("clicks_07_other_writer")


def text_paths(b):
    # ------------------- a free-text query steered as a patent's list
    text = "カメラで撮像した運転者の顔画像から眠気を推定し、車両の運転を支援する装置"
    st, _ = api("api/worksheet", {"tenyo_worksheet": 1, "text": text, "strike": [], "cards": []})
    b.go(URL + "#q=%s&n=5&conf=0" % urllib.parse.quote(text))
    b.js("location.reload()")
    b.settle()
    n_strike = b.js("return document.querySelectorAll('#cards .chip.strikable').length")
    n_keep = b.js("return document.querySelectorAll('#cards .decide-kept').length")
    check("clicks_text_steer_controls", n_strike > 0 and n_keep > 0,
          "%s strikable words, %s keep buttons" % (n_strike, n_keep))
    b.shot("clicks_08_text_controls")
    word = b.js("return document.querySelector('#cards .chip.strikable').textContent")
    b.click("#cards .chip.strikable")
    b.settle()
    st, ws = api("api/worksheet?text=" + urllib.parse.quote(text))
    struck = b.js("return [...document.querySelectorAll('.chip.struck')].map(c => c.textContent)") or []
    check("clicks_text_strike_saved", word in (ws.get("worksheet") or {}).get("strike", []) and word in struck,
          "%r %r %r" % (word, ws, struck))
    f1 = b.js("return document.querySelector('#cards > li .code').textContent")
    b.click("#cards > li:nth-child(1) .decide-kept")
    b.settle()
    st, ws = api("api/worksheet?text=" + urllib.parse.quote(text))
    kept = [c["field"] for c in (ws.get("worksheet") or {}).get("cards", []) if c["decision"] == "kept"]
    check("clicks_text_keep_saved", kept == [f1] and b.js("return document.querySelectorAll('#cards .badge.kept').length") == 1,
          "%r %r" % (f1, kept))
    # the typed focus: the list made from the analyst's own words
    shown = b.js("return !document.getElementById('focusbox').hidden")
    b.js("document.getElementById('focusbox').open = true")
    b.type("#focustext", "顔画像から眠気を推定する")
    b.click("#focustext-apply")
    b.settle()
    st, ws = api("api/worksheet?text=" + urllib.parse.quote(text))
    rows = b.js("return [...document.querySelectorAll('#wsdecisions li')].map(l => l.dataset.kind)") or []
    check("clicks_text_focus_text", shown and (ws.get("worksheet") or {}).get("focus_text") == "顔画像から眠気を推定する"
          and "focus_text" in rows, "%r %r %r" % (shown, ws, rows))
    b.shot("clicks_09_text_decided")
    # every decision taken back from the worksheet's rows
    for kind in ("focus_text", "kept", "strike"):
        b.click('#wsdecisions li[data-kind="%s"] button.undo' % kind)
        b.settle()
    st, ws = api("api/worksheet?text=" + urllib.parse.quote(text))
    w = ws.get("worksheet") or {}
    check("clicks_text_undo_all", not w.get("strike") and not w.get("cards") and not w.get("focus_text"), repr(w))


def company_paths(b):
    # ---------------------- a company's list: its shared words struck
    text = "運転者の眠気を顔画像から推定するセンサとカメラの画像処理"
    api("api/worksheet", {"tenyo_worksheet": 1, "text": text, "strike": [], "cards": []})
    b.go(URL)
    b.js("location.reload()")
    b.settle()
    b.click("#task-match")
    b.type("#q", text)
    b.click("#run")
    b.settle()
    n = b.js("return document.querySelectorAll('#cards li.match .chip.strikable').length")
    check("clicks_company_strikable", n > 0, "%s strikable words" % n)
    b.shot("clicks_10_company_controls")
    word = b.js("return document.querySelector('#cards li.match .chip.strikable').textContent")
    had = b.js("return [...document.querySelectorAll('#cards li.match')].filter(l => [...l.querySelectorAll('.chip.strikable')].some(c => c.textContent === arguments[0])).length", word)
    b.click("#cards li.match .chip.strikable")
    b.settle()
    still = b.js("return [...document.querySelectorAll('#cards li.match')].filter(l => [...l.querySelectorAll('.chip.strikable')].some(c => c.textContent === arguments[0])).length", word)
    st, ws = api("api/worksheet?text=" + urllib.parse.quote(text))
    rows = b.js("return [...document.querySelectorAll('#wsdecisions li')].map(l => l.dataset.kind + ':' + l.dataset.value)") or []
    check("clicks_company_strike", had > 0 and still == 0 and word in (ws.get("worksheet") or {}).get("strike", [])
          and ("strike:" + word) in rows, "%r: %s cards before, %s after, %r %r" % (word, had, still, ws, rows))
    b.shot("clicks_11_company_struck")
    b.click('#wsdecisions li[data-kind="strike"] button.undo')
    b.settle()
    back = b.js("return [...document.querySelectorAll('#cards li.match')].filter(l => [...l.querySelectorAll('.chip.strikable')].some(c => c.textContent === arguments[0])).length", word)
    check("clicks_company_undo_strike", back == had, "%s cards share %r again, %s before" % (back, word, had))
    b.click("#task-ideas")


def remember_paths(b):
    # ------------- a struck word remembered as a sense split (last: it
    # changes INDEX.senses, which every later query honours)
    pid = "SAMPLE-001"
    b.go(URL + "#q=%s&n=5&conf=0" % pid)
    b.js("location.reload()")
    b.settle()
    word = b.js("return document.querySelector('#cards .chip.strikable').textContent")
    b.click("#cards .chip.strikable")
    b.settle()
    row = '#wsdecisions li[data-kind="strike"][data-value=%s]' % json.dumps(word, ensure_ascii=False)
    has = b.js("return !!document.querySelector(arguments[0])", row + " button.remember")
    b.click(row + " button.remember")
    b.wait("document.querySelector(%s)" % json.dumps(row + " .remembered"), 15)
    st, sn = api("api/senses")
    said = b.text(row + " .remembered") or ""
    check("clicks_remember_split", has and any(x["word"] == word for x in (sn or {}).get("senses", []))
          and "/" not in said, "%r %r %r" % (word, sn, said))
    b.shot("clicks_12_remembered")
    b.click(row + " button.undo")
    b.settle()


def more_paths(b):
    # ------------------------------------------------ more, status count
    pid = "SAMPLE-001"
    b.go(URL + "#q=%s&n=3&conf=0" % pid)
    b.js("location.reload()")
    b.settle()
    b.click("#more")
    b.wait("Number(document.body.dataset.cards) > 3", 20)
    n = b.js("return Number(document.body.dataset.cards)")
    st_text = b.text("#status") or ""
    check("clicks_more_status_counts", ("%d 件" % n) in st_text, "%d cards, status %r" % (n, st_text))
    b.wait("Number(document.getElementById('map').dataset.proposals) === %d" % n, 10)
    mp = b.js("return document.getElementById('map').dataset.proposals")
    check("clicks_more_on_map", mp == str(n), "map shows %s proposals, %d cards" % (mp, n))
    b.shot("clicks_05_more")

    # the judge's list: the cards shown by default, in their order, the
    # answer's others behind "more" first
    _, want = api("/api/ideas", {"id": "SAMPLE-003", "n": 30, "lang": "ja"})
    shown = sorted([i for i in want["ideas"] if i.get("shown", 0) > 0], key=lambda i: i["shown"])
    b.go(URL + "#q=SAMPLE-003&n=30")
    b.js("location.reload()")
    b.settle()
    got = b.js("return Array.from(document.querySelectorAll('#cards > li.card')).map(li => li.dataset.field || '')")
    nums = b.js("return Array.from(document.querySelectorAll('#cards > li.card .rank')).map(e => e.textContent)")
    check("clicks_judged_list_numbered", nums == ["%d." % (k + 1) for k in range(len(shown))], repr(nums))
    check("clicks_judged_list_shown", got == [i["field"] for i in shown] and len(shown) < len(want["ideas"]),
          "%d cards on the page, %d shown of %d" % (len(got), len(shown), len(want["ideas"])))
    st_text = b.text("#status") or ""
    rest = len(want["ideas"]) - len(shown)
    check("clicks_judged_list_status_more", ("ほかに %d 件" % rest) in st_text, st_text)
    # fewer shown than asked: the status says the list's rule
    check("clicks_judged_list_status_says_why", "参考を 5 件に満たないときだけ" in st_text, st_text)
    # "more" adds the cards the list was picked from, as many at a time as
    # the list asked (30 here), numbered on
    b.click("#more")
    first = len(shown) + min(30, rest)
    b.wait("Number(document.body.dataset.cards) === %d" % first, 20)
    check("clicks_judged_list_more_adds_rest", b.js("return Number(document.body.dataset.cards)") == first,
          "%s cards after one press, want %d" % (b.js("return document.body.dataset.cards"), first))
    nums = b.js("return Array.from(document.querySelectorAll('#cards > li.card .rank')).map(e => e.textContent)")
    check("clicks_judged_list_more_numbered_on", nums == ["%d." % (k + 1) for k in range(first)], repr(nums[-3:]))
    b.shot("clicks_06_judged_list")
    # the page says what the bands are: the judge's, not the confidence's order
    check("clicks_band_note", "判定器" in (b.text("#bandnote") or ""), repr(b.text("#bandnote")))
    # the CSV the page downloads keeps the server's byte-order mark (Excel
    # reads UTF-8 by it; decoded as text it was dropped)
    b.js("window.__bom = ''; resultCsv().then(a => { window.__bom = Array.from(new Uint8Array(a).slice(0, 3)).join(','); }); return 1")
    b.wait("window.__bom !== ''", 10)
    bom = b.js("return window.__bom")
    check("clicks_csv_download_bom", bom == "239,187,191", repr(bom))

    # a number the index lacks: said, and the last answer leaves the page
    # (it stayed under the message, read as this number's)
    b.go(URL + "#q=%E7%89%B9%E9%96%8B2099-123456")
    b.js("location.reload()")
    b.settle()
    check("clicks_no_number_clears", b.js("return document.getElementById('result').hidden") is True,
          repr(b.text("#status")))
    # a patent without a worksheet: no failed request in the console
    b.console()
    b.go(URL + "#q=SAMPLE-002&n=3&conf=0")
    b.js("location.reload()")
    b.settle()
    errs = [m for m in b.console() if "404" in m]
    check("clicks_no_worksheet_no_404", not errs, repr(errs[:2]))



def upload_paths(b):
    # ------------------------------------- the writable page's answers
    # files chosen in the file inputs (the driver types their paths) and
    # sent with the page's buttons; what the page says is in its language,
    # names no place on the server and suggests no other number
    tmp = os.path.join(OUT, "uploads")
    os.makedirs(tmp, exist_ok=True)
    with open(os.path.join(tmp, "notes.dat"), "w") as f:
        f.write("hello\nworld\n")
    with open(os.path.join(tmp, "list.csv"), "w") as f:
        f.write("番号\nSAMPLE-0012\nZZ-404\n")

    def upload(lang, inp, btn, name):
        b.go(WURL + "#lang=" + lang)
        b.js("location.reload()")
        b.wait("!document.getElementById('updates').hidden", 20)
        b.js("document.getElementById('updates').open = true")
        e = b.find(inp)
        b.s("POST", "/element/%s/value" % e, {"text": os.path.join(tmp, name)})
        b.click(btn)
        b.wait("['done', 'error'].includes(document.getElementById('updates').dataset.state)", 60)
        return (b.text("#upd-status") or "") + "\n" + (b.text("#upd-said") or "")

    said = upload("ja", "#upd-add-file", "#upd-add", "notes.dat")
    b.shot("clicks_06_upload_format_ja")
    check("clicks_upload_format_ja", "形式を判別できません" in said and "name the format" not in said, said)
    said = upload("ja", "#upd-list-file", "#upd-list", "list.csv")
    b.shot("clicks_07_upload_list_ja")
    check("clicks_upload_list_ja", "「SAMPLE-0012」は索引にありません" in said and "is not in the index" not in said, said)
    check("clicks_upload_no_suggestion", "did you mean" not in said and "SAMPLE-001," not in said, said)
    check("clicks_upload_no_server_path", not re.search(r"(^|[\s(])/[A-Za-z]", said), said)
    said = upload("en", "#upd-add-file", "#upd-add", "notes.dat")
    check("clicks_upload_format_en", "not a format the index reads" in said and "name the format" not in said, said)
    # a list with one number the index has: said in the singular
    with open(os.path.join(tmp, "one.csv"), "w") as f:
        f.write("番号\nSAMPLE-001\nZZ-404\n")
    said = upload("en", "#upd-list-file", "#upd-list", "one.csv")
    check("clicks_upload_one_singular", "1 licensable patent from 2 lines (1 number not in the index" in said, said)
    # a record whose text is an indexed patent's under another number: named
    _, pat = api("api/patent/SAMPLE-004", base=WURL)
    p = (pat or {}).get("patent", {})
    with open(os.path.join(tmp, "near.jsonl"), "w") as f:
        f.write(json.dumps({"id": "NEAR-E2E-1", "title": p.get("title", ""), "abstract": p.get("abstract", ""),
                            "ipc": p.get("codes", []), "date": "2024-03-03", "lang": "ja"}, ensure_ascii=False) + "\n")
    said = upload("ja", "#upd-add-file", "#upd-add", "near.jsonl")
    check("clicks_upload_near_same_ja", "ほぼ同じ記録 1 件" in said and "NEAR-E2E-1 の文章は SAMPLE-004 とほぼ同じです" in said, said)
    # a second list replaces the first: the page says which, and its count
    with open(os.path.join(tmp, "two.csv"), "w") as f:
        f.write("番号\nSAMPLE-002\nSAMPLE-003\n")
    said = upload("ja", "#upd-list-file", "#upd-list", "two.csv")
    check("clicks_upload_list_replaced_ja", "前の一覧 one.csv（開放特許 1 件）はこの一覧に置き換わりました" in said, said)
    said = upload("en", "#upd-list-file", "#upd-list", "one.csv")
    check("clicks_upload_list_replaced_en", "It replaced the earlier list, two.csv (2 licensable patents)" in said, said)


SECTIONS = sections()

if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # a driver or page failure is one failed check
        check("clicks_driver", False, repr(e)[:300])
    sys.exit(0 if all(results) else 1)
