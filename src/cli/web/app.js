/*
 * app.js — the analyst page of `tenyo serve`: ask where else a patent (or a
 * described technology) could be applied, read the proposals as cards, see
 * them on the landscape map, open the evidence patents, export the result.
 *
 * Plain browser JavaScript, no framework and nothing loaded from elsewhere.
 * Every piece of data (patent titles, labels, terms, error messages) goes
 * into the page through textContent / createElement, never as markup, so
 * untrusted patent text cannot become markup; the server's
 * Content-Security-Policy forbids inline script as a second line.
 *
 * State lives in the URL hash (#q=...&home=...&n=...&lang=...), so a result
 * can be bookmarked or shared and the page runs the query in it on load;
 * #patent=ID also opens that patent's panel.
 * The <body> carries data-state (loading, ready, busy, done, error) and
 * data-cards for tests.
 */
"use strict";

const T = {
  ja: {
    tagline: "この特許、ほかの分野で使えないか？",
    q: "特許番号 または 技術の説明（日本語 / English）",
    home: "自分の分野（任意）",
    distance: "転用の距離",
    d_section: "別のセクション（遠い）",
    d_class: "別のクラス（標準）",
    d_subclass: "別のサブクラス（近い）",
    n: "件数",
    mode: "類似度",
    date_from: "公知日から",
    date_to: "公知日まで",
    applicant: "出願人を含む",
    exclude_applicant: "出願人を除く",
    fields_in: "分野を含む",
    fields_out: "分野を除く",
    keywords: "キーワード（AND / OR / -除外）",
    open: "ライセンス可能な特許のみ",
    run: "転用先を探す",
    map: "技術分野マップ",
    footer: "tenyo — TF-IDF + LSA による特許の転用候補。根拠特許の類似度と分野の共分類統計から算出。",
    loading: "読み込み中…",
    busy: "検索中…",
    ready: "特許番号か技術の説明を入力してください。",
    done: (n, ms) => `${n} 件の転用候補（${ms} ms）`,
    none: "転用候補が見つかりませんでした。",
    read_as: (q, id) => `「${q}」を ${id} として検索しました。`,
    no_number: (q) => `特許番号「${q}」は索引にありません。`,
    did_you_mean: "もしかして:",
    filtered: (m, n) => `（フィルタに合う特許 ${m} / ${n} 件から）`,
    results_for_id: (id) => `${id} の転用候補`,
    results_for_text: "入力テキストの転用候補",
    home_fields: "自分の分野",
    predicted: "（推定）",
    score: "確信度",
    surprise: "意外性",
    relevance: "関連度",
    unexpected: "意外な転用先",
    bridge: "橋渡し語",
    why: "理由",
    why_query: "本件",
    phrases: "用途表現",
    evidence: "根拠特許",
    open_badge: "ライセンス可",
    docs: "件",
    similar: "類似特許",
    ideas_for: "この特許の転用候補を探す",
    applicant: "出願人",
    date: "日付",
    fields: "分野",
    codes: "分類",
    record: "公報",
    kind: "種別",
    kind_application: "公開（出願）",
    kind_grant: "登録（特許）",
    legend: ["分野（大きさ＝件数）", "自分の分野", "転用候補（大きさ＝スコア）", "根拠特許", "問い合わせ"],
    mapnote: (a, b) => `LSA 空間における分野重心の主成分（第1軸 ${a}%・第2軸 ${b}%）。近い点ほど語彙が近い。`,
    nomap: "この索引には分野マップがありません。",
    info: (d, f, k) => `${d.toLocaleString()} 件 · ${f} 分野 · LSA ${k} 次元`,
    error: "エラー",
  },
  en: {
    tagline: "Where else could this patent apply?",
    q: "Patent number or a description of the technology (Japanese / English)",
    home: "Home fields (optional)",
    distance: "Distance",
    d_section: "another section (far)",
    d_class: "another class (default)",
    d_subclass: "another subclass (near)",
    n: "Count",
    mode: "Similarity",
    date_from: "Published from",
    date_to: "Published to",
    applicant: "Applicant contains",
    exclude_applicant: "Applicant excludes",
    fields_in: "Fields (any of)",
    fields_out: "Fields excluded",
    keywords: "Keywords (AND / OR / -not)",
    open: "Licensable patents only",
    run: "Find applications",
    map: "Landscape of fields",
    footer: "tenyo — cross-field proposals from TF-IDF + LSA: evidence similarity and co-classification statistics.",
    loading: "Loading…",
    busy: "Searching…",
    ready: "Enter a patent number or describe a technology.",
    done: (n, ms) => `${n} proposals (${ms} ms)`,
    none: "No proposals found.",
    read_as: (q, id) => `"${q}" was read as ${id}.`,
    no_number: (q) => `No indexed patent has the number "${q}".`,
    did_you_mean: "Did you mean:",
    filtered: (m, n) => ` (from the ${m} of ${n} patents that match the filters)`,
    results_for_id: (id) => `Applications of ${id}`,
    results_for_text: "Applications of the text",
    home_fields: "Home fields",
    predicted: " (predicted)",
    score: "confidence",
    surprise: "surprise",
    relevance: "relevance",
    unexpected: "unexpected",
    bridge: "bridge terms",
    why: "why",
    why_query: "this patent",
    phrases: "application phrases",
    evidence: "evidence",
    open_badge: "licensable",
    docs: "docs",
    similar: "Similar patents",
    ideas_for: "Find applications of this patent",
    applicant: "Applicant",
    date: "Date",
    fields: "Fields",
    codes: "Codes",
    record: "Public record",
    kind: "Kind",
    kind_application: "application",
    kind_grant: "grant",
    legend: ["field (size = documents)", "home field", "proposal (size = score)", "evidence patent", "query"],
    mapnote: (a, b) => `Principal axes of the field centroids in the LSA space (axis 1 ${a}%, axis 2 ${b}%). Nearby points share vocabulary.`,
    nomap: "This index has no landscape map.",
    info: (d, f, k) => `${d.toLocaleString()} documents · ${f} fields · LSA rank ${k}`,
    error: "Error",
  },
};

const state = {
  lang: "ja",
  info: null,       // /api/info
  map: null,        // /api/map (fields)
  result: null,     // last /api/ideas answer
  points: null,     // /api/map points of the last result
  selected: null,   // {id, x, y} of the patent shown in the detail panel
};

const $ = (id) => document.getElementById(id);
const tr = (key, ...a) => { const v = T[state.lang][key]; return typeof v === "function" ? v(...a) : v; };
const SVGNS = "http://www.w3.org/2000/svg";

/* An element with a class and text (text set through textContent). */
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function svg(tag, attrs) {
  const e = document.createElementNS(SVGNS, tag);
  for (const k in attrs) e.setAttribute(k, String(attrs[k]));
  return e;
}
function setState(s, msg) {
  document.body.dataset.state = s;
  $("status").textContent = msg || "";
}

/* fetch JSON; throws Error(message from the server's {"error"}) */
async function api(path, body) {
  const opt = body === undefined ? {} :
    { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const r = await fetch(path, opt);
  let j = null;
  try { j = await r.json(); } catch (e) { j = null; }
  if (!r.ok) {
    const err = new Error((j && j.error) || `HTTP ${r.status}`);
    err.status = r.status;
    throw err;
  }
  return j;
}

/* ------------------------------------------------------------ language */

function applyLang() {
  document.documentElement.lang = state.lang;
  document.querySelectorAll("[data-i18n]").forEach((e) => { e.textContent = tr(e.dataset.i18n); });
  $("lang-ja").setAttribute("aria-pressed", String(state.lang === "ja"));
  $("lang-en").setAttribute("aria-pressed", String(state.lang === "en"));
  if (state.info) $("indexinfo").textContent = tr("info", state.info.documents, state.info.fields, state.info.rank);
  drawLegend();
  if (state.map) drawMap();
}

/* ------------------------------------------------------------ the form */

function readForm() {
  return {
    q: $("q").value.trim(),
    home: $("home").value.trim(),
    distance: $("distance").value,
    n: Math.max(1, Math.min(50, parseInt($("n").value, 10) || 10)),
    mode: $("mode").value,
    open: $("open").checked,
    conf: state.conf === undefined ? null : state.conf,
    filters: Object.fromEntries(FILTERS.map(([k]) => [k, $(k).value.trim()])),
  };
}
/* The filters of the form: element id (= the API member), hash key. */
const FILTERS = [["date_from", "df"], ["date_to", "dt"], ["applicant", "ap"],
  ["exclude_applicant", "xap"], ["fields", "f"], ["exclude_fields", "xf"], ["keywords", "kw"]];
function writeForm(f) {
  state.conf = f.conf === undefined ? null : f.conf;
  $("q").value = f.q || "";
  $("home").value = f.home || "";
  if (f.distance) $("distance").value = f.distance;
  if (f.n) $("n").value = f.n;
  if (f.mode) $("mode").value = f.mode;
  $("open").checked = !!f.open;
  for (const [k] of FILTERS) $(k).value = (f.filters && f.filters[k]) || "";
}
function formToHash(f) {
  const p = new URLSearchParams();
  p.set("q", f.q);
  if (f.home) p.set("home", f.home);
  if (f.distance !== "class") p.set("distance", f.distance);
  if (f.n !== 10) p.set("n", String(f.n));
  if (f.mode !== "hybrid") p.set("mode", f.mode);
  if (f.open) p.set("open", "1");
  if (f.conf !== null) p.set("conf", String(f.conf));
  for (const [k, h] of FILTERS) if (f.filters && f.filters[k]) p.set(h, f.filters[k]);
  p.set("lang", state.lang);
  return "#" + p.toString();
}
function hashToForm() {
  const p = new URLSearchParams(location.hash.replace(/^#/, ""));
  const l = p.get("lang");
  if (l === "ja" || l === "en") state.lang = l;
  return {
    q: p.get("q") || "", home: p.get("home") || "", distance: p.get("distance") || "class",
    n: parseInt(p.get("n") || "10", 10), mode: p.get("mode") || "hybrid", open: p.get("open") === "1",
    conf: p.get("conf") !== null && p.get("conf") !== "" && !isNaN(Number(p.get("conf"))) ? Number(p.get("conf")) : null,
    filters: Object.fromEntries(FILTERS.map(([k, h]) => [k, p.get(h) || ""])),
  };
}

/* How the server reads the input (GET /api/resolve, the CLI's rule): an
 * indexed id (typed in any form: 特開２０２４－１２７４０７, JP2024-127407A),
 * a patent number the index lacks (answered with "did you mean", never
 * searched as text), or text. Never decided here by length or spaces. */
function resolveQuery(q) {
  return api("/api/resolve?" + new URLSearchParams({ q }).toString());
}

/* The "number not indexed" answer: the message and the closest ids as
 * buttons that run them. */
function showNoNumber(f, r) {
  setState("error", tr("no_number", f.q));
  const st = $("status");
  if (r.suggestions && r.suggestions.length) {
    st.appendChild(document.createTextNode(" " + tr("did_you_mean") + " "));
    for (const sgg of r.suggestions) {
      const b = el("button", "link suggestion", sgg.id);
      b.type = "button";
      b.title = sgg.title || "";
      b.addEventListener("click", () => { $("q").value = sgg.id; submit(); });
      st.appendChild(b);
      st.appendChild(document.createTextNode(" "));
    }
  }
}

async function runQuery(f) {
  if (!f.q) { setState("ready", tr("ready")); return; }
  const body = { n: f.n, distance: f.distance, open_only: f.open, lang: state.lang, mode: f.mode };
  if (f.home) body.home = f.home;
  if (f.conf !== null && f.conf !== undefined) body.min_confidence = f.conf;
  /* filters: the server applies them before the neighbours are chosen */
  for (const [k] of FILTERS) if (f.filters && f.filters[k]) body[k] = f.filters[k];
  setState("busy", tr("busy"));
  $("run").disabled = true;
  const t0 = performance.now();
  let note = "";
  try {
    let res = null;
    const r = await resolveQuery(f.q);
    document.body.dataset.kind = r.kind;
    if (r.kind === "number") { showNoNumber(f, r); return; }
    if (r.kind === "id") {
      res = await api("/api/ideas", Object.assign({ id: r.id.id }, body));
      if (r.match === "normalised") note = tr("read_as", f.q, r.id.id);
    }
    if (!res) res = await api("/api/ideas", Object.assign({ text: f.q }, body));
    state.result = res;
    state.points = null;
    renderResult(res);
    await loadPoints(res);
    const ms = Math.round(performance.now() - t0);
    const fl = res.query && res.query.filter;
    if (fl) note = tr("filtered", fl.matching, fl.documents) + (note ? " " + note : "");
    setState("done", (res.ideas.length ? tr("done", res.ideas.length, ms) : tr("none")) + (note ? " " + note : ""));
  } catch (e) {
    setState("error", `${tr("error")}: ${e.message}`);
  } finally {
    $("run").disabled = false;
  }
}

/* Map positions of the query and of the evidence patents of a result. */
async function loadPoints(res) {
  if (!state.map) return;
  const p = new URLSearchParams();
  p.set("fields", "0");
  if (res.query.id) p.set("id", res.query.id); else p.set("text", res.query.text || "");
  const seen = new Set();
  for (const it of res.ideas) for (const ev of it.evidence) if (!seen.has(ev.id)) { seen.add(ev.id); p.append("doc", ev.id); }
  try {
    state.points = await api("/api/map?" + p.toString());
  } catch (e) {
    state.points = null;
  }
  drawMap();
}

/* ------------------------------------------------------------ results */

function chipRow(label, items, cls) {
  const row = el("div", "chips");
  row.appendChild(el("span", "k", label));
  for (const t of items) row.appendChild(el("span", "chip" + (cls ? " " + cls : ""), t));
  return row;
}

function metric(grid, name, value, frac, cls, digits) {
  grid.appendChild(el("span", null, name));
  const bar = el("div", "bar");
  const fill = el("div", "fill" + (cls ? " " + cls : ""));
  fill.style.width = `${Math.max(0, Math.min(100, frac * 100)).toFixed(1)}%`;
  bar.appendChild(fill);
  grid.appendChild(bar);
  grid.appendChild(el("span", "num", Number(value).toFixed(digits)));
}

// text with the why's shared terms in <mark> (DOM nodes, never HTML):
// ASCII terms without case at a word start, as the engine matched them
function marked(text, terms) {
  const p = el("span");
  let i = 0, plain = "";
  const flush = () => { if (plain) p.appendChild(document.createTextNode(plain)); plain = ""; };
  while (i < text.length) {
    let best = "";
    for (const t of terms) {
      if (!t || t.length <= best.length) continue;
      const ascii = t.charCodeAt(0) < 128;
      if (ascii && i > 0 && /[A-Za-z0-9]/.test(text[i - 1])) continue;
      const s = text.substr(i, t.length);
      if (ascii ? s.toLowerCase() === t.toLowerCase() : s === t) best = s;
    }
    if (best) { flush(); p.appendChild(el("mark", null, best)); i += best.length; }
    else { plain += text[i]; i++; }
  }
  flush();
  return p;
}

// the why of a proposal: the query's sentence and the evidence's
function whyBlock(w) {
  const d = el("div", "why");
  d.appendChild(el("span", "k", tr("why")));
  const q = el("p", "why-q");
  q.appendChild(el("span", "who", tr("why_query")));
  q.appendChild(marked(w.query, w.terms || []));
  const e = el("p", "why-e");
  e.appendChild(el("span", "who", w.evidence_id));
  e.appendChild(marked(w.evidence, w.terms || []));
  d.appendChild(q);
  d.appendChild(e);
  return d;
}

function renderCard(it, maxScore, maxSurprise) {
  const li = el("li", "card" + (it.expected ? " expected" : ""));
  li.dataset.field = it.field;
  const head = el("div", "card-head");
  head.appendChild(el("span", "rank", `${it.rank}.`));
  head.appendChild(el("span", "code", it.field));
  head.appendChild(el("span", "label", it.label));
  if (!it.expected) head.appendChild(el("span", "badge", tr("unexpected")));
  li.appendChild(head);
  const m = el("div", "metrics");
  metric(m, tr("score"), it.confidence, it.confidence, "", 2);
  metric(m, tr("surprise"), it.surprise, maxSurprise > 0 ? it.surprise / maxSurprise : 0, "surprise", 2);
  li.appendChild(m);
  if (it.bridge_terms && it.bridge_terms.length) li.appendChild(chipRow(tr("bridge"), it.bridge_terms));
  if (it.phrases && it.phrases.length) li.appendChild(chipRow(tr("phrases"), it.phrases, "phrase"));
  const evh = el("div", "chips");
  evh.appendChild(el("span", "k", tr("evidence")));
  li.appendChild(evh);
  const ul = el("ul", "evidence");
  for (const ev of it.evidence) {
    const row = el("li");
    row.appendChild(el("span", "sim", Number(ev.similarity).toFixed(3)));
    const b = el("button", "link", `${ev.id} ${ev.title}`);
    b.type = "button";
    b.addEventListener("click", () => showPatent(ev.id));
    row.appendChild(b);
    if (ev.open) row.appendChild(el("span", "badge open", tr("open_badge")));
    ul.appendChild(row);
  }
  li.appendChild(ul);
  if (it.why) li.appendChild(whyBlock(it.why));
  li.appendChild(el("p", "idea", it.idea));
  li.addEventListener("mouseenter", () => highlight(it.field, true));
  li.addEventListener("mouseleave", () => highlight(it.field, false));
  return li;
}

function renderResult(res) {
  $("result").hidden = false;
  const q = res.query;
  $("resulttitle").textContent = q.id ? tr("results_for_id", q.id) : tr("results_for_text");
  const home = (q.home || []).join(", ") || "-";
  $("queryinfo").textContent = (q.title ? q.title + " — " : "") +
    `${tr("home_fields")}: ${home}${q.home_predicted ? tr("predicted") : ""}`;
  const cards = $("cards");
  cards.replaceChildren();
  const maxScore = Math.max(0, ...res.ideas.map((i) => i.score));
  const maxSurprise = Math.max(0, ...res.ideas.map((i) => i.surprise));
  for (const it of res.ideas) cards.appendChild(renderCard(it, maxScore, maxSurprise));
  document.body.dataset.cards = String(res.ideas.length);
  const wl = $("warnings");
  wl.replaceChildren();
  for (const w of res.warnings || []) {
    const li = el("li", "warning", w.message);
    li.dataset.code = w.code;
    wl.appendChild(li);
  }
  document.body.dataset.warnings = String((res.warnings || []).length);
  drawMap();
}

function highlight(field, on) {
  document.querySelectorAll(`#map [data-field="${CSS.escape(field)}"]`).forEach((c) => c.classList.toggle("hl", on));
  document.querySelectorAll(`#cards [data-field="${CSS.escape(field)}"]`).forEach((c) => c.classList.toggle("hl", on));
}

/* ------------------------------------------------------------- the map */

function drawLegend() {
  const ul = $("legend");
  ul.replaceChildren();
  const cls = ["l-field", "l-home", "l-prop", "l-ev", "l-query"];
  tr("legend").forEach((t, i) => ul.appendChild(el("li", cls[i], t)));
}

function showTip(evt, text) {
  const tip = $("tooltip");
  tip.textContent = text;
  tip.hidden = false;
  tip.style.left = `${evt.clientX + 12}px`;
  tip.style.top = `${evt.clientY + 12}px`;
}
function hideTip() { $("tooltip").hidden = true; }

function hoverable(node, text) {
  const t = svg("title", {});
  t.textContent = text;
  node.appendChild(t);
  node.addEventListener("mousemove", (e) => showTip(e, text));
  node.addEventListener("mouseleave", hideTip);
}

/* A label beside a point at (cx, cy) of radius r: to the right, or to the
 * left near the right edge so that it stays inside the picture. */
function mapLabel(cls, cx, cy, r, text) {
  const left = cx > 640 - 80;
  const t = svg("text", { x: (left ? cx - r : cx + r).toFixed(1), y: (cy + 4).toFixed(1), "text-anchor": left ? "end" : "start" });
  if (cls) t.setAttribute("class", cls);
  t.textContent = text;
  return t;
}

function drawMap() {
  const box = $("map");
  const title = $("maptitle");
  box.replaceChildren(title);
  title.textContent = tr("map");
  if (!state.map) { $("mapnote").textContent = tr("nomap"); return; }
  const W = 640, H = 520, pad = 28;
  const fields = state.map.fields;
  const res = state.result, pts = state.points;
  const xs = fields.map((f) => f.x), ys = fields.map((f) => f.y);
  if (pts) {
    for (const d of pts.docs || []) { xs.push(d.x); ys.push(d.y); }
    if (pts.query) { xs.push(pts.query.x); ys.push(pts.query.y); }
  }
  if (state.selected) { xs.push(state.selected.x); ys.push(state.selected.y); }
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const s = Math.min((W - 2 * pad) / ((x1 - x0) || 1), (H - 2 * pad) / ((y1 - y0) || 1));
  const ox = (W - s * (x1 - x0)) / 2, oy = (H - s * (y1 - y0)) / 2;
  const X = (x) => ox + s * (x - x0), Y = (y) => H - (oy + s * (y - y0));
  box.appendChild(svg("line", { class: "axis", x1: X(0), y1: pad / 2, x2: X(0), y2: H - pad / 2 }));
  box.appendChild(svg("line", { class: "axis", x1: pad / 2, y1: Y(0), x2: W - pad / 2, y2: Y(0) }));

  const maxDocs = Math.max(1, ...fields.map((f) => f.documents));
  const home = new Set(res ? res.query.home || [] : []);
  const props = new Map();
  if (res) for (const it of res.ideas) props.set(it.field, it);
  const maxScore = res ? Math.max(1e-9, ...res.ideas.map((i) => i.score)) : 1;
  const label = (f) => (state.lang === "ja" ? f.label_ja : f.label_en);
  const byCode = new Map(fields.map((f) => [f.field, f]));
  const radius = (f) => 2 + 9 * Math.sqrt(f.documents / maxDocs);

  const gFields = svg("g", {}), gLinks = svg("g", {}), gHi = svg("g", {}), gText = svg("g", {});
  /* large fields first so that small ones stay on top and hoverable */
  const order = fields.slice().sort((a, b) => b.documents - a.documents);
  for (const f of order) {
    if (home.has(f.field) || props.has(f.field)) continue;
    const c = svg("circle", { class: "field", cx: X(f.x).toFixed(1), cy: Y(f.y).toFixed(1), r: radius(f).toFixed(1) });
    c.dataset.field = f.field;
    hoverable(c, `${f.field} ${label(f)} — ${f.documents} ${tr("docs")}`);
    gFields.appendChild(c);
  }
  /* lines from the query to the proposals: how far each one travels */
  const q = pts && pts.query;
  if (q && res) {
    for (const it of res.ideas) {
      const f = byCode.get(it.field);
      if (f) gLinks.appendChild(svg("line", { class: "link-line", x1: X(q.x), y1: Y(q.y), x2: X(f.x), y2: Y(f.y) }));
    }
  }
  for (const code of home) {
    const f = byCode.get(code);
    if (!f) continue;
    const c = svg("circle", { class: "home", cx: X(f.x).toFixed(1), cy: Y(f.y).toFixed(1), r: (radius(f) + 3).toFixed(1) });
    c.dataset.field = f.field;
    hoverable(c, `${tr("home_fields")}: ${f.field} ${label(f)} — ${f.documents} ${tr("docs")}`);
    gHi.appendChild(c);
    gText.appendChild(mapLabel("homel", X(f.x), Y(f.y), radius(f) + 5, f.field));
  }
  for (const it of res ? res.ideas : []) {
    const f = byCode.get(it.field);
    if (!f) continue;
    const r = 4 + 10 * Math.sqrt(Math.max(0, it.score) / maxScore);
    const c = svg("circle", { class: "prop", cx: X(f.x).toFixed(1), cy: Y(f.y).toFixed(1), r: r.toFixed(1) });
    c.dataset.field = f.field;
    hoverable(c, `${it.rank}. ${it.field} ${it.label} — ${tr("score")} ${Number(it.score).toFixed(3)}, ${tr("surprise")} ${Number(it.surprise).toFixed(2)}`);
    c.addEventListener("mouseenter", () => highlight(it.field, true));
    c.addEventListener("mouseleave", () => highlight(it.field, false));
    gHi.appendChild(c);
    gText.appendChild(mapLabel("", X(f.x), Y(f.y), r + 3, `${it.rank} ${it.field}`));
  }
  if (pts && res) {
    const titles = new Map();
    for (const it of res.ideas) for (const ev of it.evidence) titles.set(ev.id, ev.title);
    for (const d of pts.docs || []) {
      const c = svg("circle", { class: "ev", cx: X(d.x).toFixed(1), cy: Y(d.y).toFixed(1), r: 3 });
      hoverable(c, `${d.id} ${titles.get(d.id) || ""}`);
      c.addEventListener("click", () => showPatent(d.id));
      gHi.appendChild(c);
    }
  }
  if (q) {
    const cx = X(q.x), cy = Y(q.y);
    const p = svg("path", { class: "query", d: `M${cx - 3},${cy - 9}h6v6h6v6h-6v6h-6v-6h-6v-6h6z` });
    hoverable(p, res && res.query.id ? `${res.query.id} ${res.query.title || ""}` : tr("results_for_text"));
    gHi.appendChild(p);
  }
  if (state.selected) {
    gHi.appendChild(svg("circle", { class: "sel", cx: X(state.selected.x), cy: Y(state.selected.y), r: 8 }));
  }
  box.append(gFields, gLinks, gHi, gText);
  box.dataset.fields = String(fields.length);
  box.dataset.proposals = String(res ? res.ideas.filter((i) => byCode.has(i.field)).length : 0);
  box.dataset.evidence = String(pts && pts.docs ? pts.docs.length : 0);
  const v = state.map.variance || [0, 0];
  $("mapnote").textContent = tr("mapnote", (100 * v[0]).toFixed(0), (100 * v[1]).toFixed(0));
}

/* --------------------------------------------------------- patent panel */

async function showPatent(id) {
  const panel = $("detail"), body = $("detail-body");
  panel.hidden = false;
  body.replaceChildren(el("p", null, tr("loading")));
  try {
    const r = await api(`/api/patent/${encodeURIComponent(id)}?k=10`);
    const p = r.patent;
    body.replaceChildren();
    body.appendChild(el("h3", null, p.title || p.id));
    const dl = el("dl");
    const row = (k, v) => { dl.appendChild(el("dt", null, k)); dl.appendChild(el("dd", null, v)); };
    row("ID", p.id);
    row(tr("applicant"), p.applicant || "-");
    row(tr("date"), p.date || "-");
    row(tr("fields"), (p.fields || []).join(", ") || "-");
    row(tr("codes"), (p.codes || []).join("; ") || "-");
    if (p.kind) row(tr("kind"), tr("kind_" + p.kind));
    if (p.link && p.link.startsWith("https://")) {
      /* the public record: J-PlatPat for Japanese numbers, Google Patents
       * for US ones (a link out; textContent only, like every string) */
      const a = el("a", "record", p.link);
      a.href = p.link;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      dl.appendChild(el("dt", null, tr("record")));
      const dd = el("dd");
      dd.appendChild(a);
      dl.appendChild(dd);
    }
    body.appendChild(dl);
    if (p.open) body.appendChild(el("span", "badge open", tr("open_badge")));
    const act = el("div", "actions");
    const b = el("button", null, tr("ideas_for"));
    b.type = "button";
    b.addEventListener("click", () => {
      panel.hidden = true;
      $("q").value = p.id;
      submit();
    });
    act.appendChild(b);
    body.appendChild(act);
    body.appendChild(el("h4", null, tr("similar")));
    const ol = el("ol");
    for (const s of r.similar.results) {
      const li = el("li");
      li.appendChild(el("span", "sim", Number(s.score).toFixed(3)));
      li.appendChild(document.createTextNode(" "));
      const a = el("button", "link", `${s.id} ${s.title}`);
      a.type = "button";
      a.addEventListener("click", () => showPatent(s.id));
      li.appendChild(a);
      li.appendChild(el("span", "k", ` [${(s.fields || []).join(", ")}]`));
      ol.appendChild(li);
    }
    body.appendChild(ol);
    panel.dataset.patent = p.id;
    state.selected = p.map ? { id: p.id, x: p.map.x, y: p.map.y } : null;
    drawMap();
  } catch (e) {
    body.replaceChildren(el("p", null, `${tr("error")}: ${e.message}`));
  }
}

/* -------------------------------------------------------------- export */

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/* One CSV cell (RFC 4180); text that a spreadsheet would run as a formula
 * is prefixed with an apostrophe (titles are untrusted). */
function csvCell(v, text) {
  let s = v === undefined || v === null ? "" : String(v);
  if (text && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/* The columns of `tenyo ideas --csv`. */
function resultCsv(res) {
  const q = res.query;
  const head = ["query", "home", "rank", "field", "label", "score", "relevance", "surprise",
    "expected", "bridge_terms", "phrases", "evidence", "idea"];
  const rows = [head.join(",")];
  for (const it of res.ideas) {
    rows.push([
      csvCell(q.id || "(text)", true), csvCell((q.home || []).join(","), true), it.rank,
      csvCell(it.field, true), csvCell(it.label, true), it.score.toFixed(4), it.relevance.toFixed(4),
      it.surprise.toFixed(3), it.expected ? 1 : 0, csvCell((it.bridge_terms || []).join("; "), true),
      csvCell((it.phrases || []).join("; "), true), csvCell(it.evidence.map((e) => e.id).join("; "), true),
      csvCell(it.idea, true),
    ].join(","));
  }
  return "\ufeff" + rows.join("\r\n") + "\r\n"; // BOM: spreadsheets then read UTF-8
}

function exportName(ext) {
  const q = state.result.query;
  const base = (q.id || "text").replace(/[^\w.-]+/g, "_").slice(0, 60) || "result";
  return `tenyo-ideas-${base}.${ext}`;
}

/* --------------------------------------------------------------- start */

function submit() {
  const f = readForm();
  const h = formToHash(f);
  if (location.hash !== h) history.replaceState(null, "", h);
  runQuery(f);
}

async function start() {
  const f = hashToForm();
  writeForm(f);
  applyLang();
  setState("loading", tr("loading"));
  $("query").addEventListener("submit", (e) => { e.preventDefault(); submit(); });
  $("q").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) submit(); });
  for (const l of ["ja", "en"]) {
    $(`lang-${l}`).addEventListener("click", () => {
      if (state.lang === l) return;
      state.lang = l;
      applyLang();
      if (state.result) submit(); else setState(document.body.dataset.state, tr("ready"));
    });
  }
  $("detail-close").addEventListener("click", () => { $("detail").hidden = true; state.selected = null; drawMap(); });
  $("export-csv").addEventListener("click", () => { if (state.result) download(exportName("csv"), "text/csv;charset=utf-8", resultCsv(state.result)); });
  $("export-json").addEventListener("click", () => { if (state.result) download(exportName("json"), "application/json", JSON.stringify(state.result, null, 2) + "\n"); });
  try {
    state.info = await api("/api/info");
    try { state.map = await api("/api/map"); } catch (e) { state.map = null; }
    applyLang();
  } catch (e) {
    setState("error", `${tr("error")}: ${e.message}`);
    return;
  }
  if (f.q) await runQuery(f); else setState("ready", tr("ready"));
  const pid = new URLSearchParams(location.hash.replace(/^#/, "")).get("patent");
  if (pid) await showPatent(pid);
}

document.addEventListener("DOMContentLoaded", start);
