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

/* n and an English noun, plural unless n is 1: "1 record", "5 records". */
const en_n = (n, noun) => `${Number(n).toLocaleString("en")} ${noun}${n === 1 ? "" : "s"}`;

const T = {
  ja: {
    tagline: "この特許、ほかの分野で使えないか？",
    q: "特許番号 または 技術の説明（日本語 / English）",
    q_match: "企業の強み・保有技術の説明（日本語 / English）",
    tasks: "調べ方",
    task_ideas: "特許の転用先を探す",
    task_match: "企業に合う開放特許を探す",
    run_match: "開放特許を探す",
    match_title: "企業の強みに合う開放特許",
    match_done: (n, ms) => `${n} 件の開放特許（${ms} ms）`,
    match_done_unknown: (n, ms) => `${n} 件の特許（ライセンス可否は未確認）（${ms} ms）`,
    match_none: "条件に合う開放特許が見つかりませんでした。",
    licensable: (n) => `開放特許 ${n.toLocaleString()} 件から`,
    similarity: "類似度",
    uses: "作れるもの（活用の可能性）",
    could_make: "作れるもの",
    company_use: "使い道（会社の文と特許の文から）",
    app_conf: "確信度",
    app_conf_note: "この分野が実際にこの種の特許の用途である見込み（共分類で較正）",
    other_fields: "会社の文章から見た他の分野",
    no_why: "会社の文章と具体的な語を共有していません（近さは文章全体の類似度だけ）",
    why_fits: (t) => `合う理由（共通する語: ${t}）`,
    why_company: "会社",
    why_patent: "特許",
    licence_unknown_badge: "ライセンス未確認",
    own_field: "自社分野",
    profile: "適用プロファイル",
    profile_loading: "計算中…",
    profile_order: "確信度の高い順",
    profile_none: "確信度の高い転用先なし",
    profile_note: "この特許自身の文面から見た転用先（左の「作れるもの」は、これらと貴社の説明からの提案のうち、貴社の分野と説明に最も合うもの）",
    profile_line: (n, s, far) => `転用先 ${n} 分野・${s} セクション・最遠: ${far}`,
    far_section: "別セクション", far_class: "別クラス", far_subclass: "別サブクラス",
    best_conf: "最高確信度",
    strongest: "最も強い根拠",
    cautions: "注意",
    caution_one_patent: "根拠特許が 1 件だけ",
    caution_one_word: "共通の内容の大半が 1 語に偏る",
    caution_generic_words: "共通語の多くが一般的な語",
    caution_title_only_evidence: "根拠特許は題名だけ（要約なし）",
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
    keywords_ph: "カメラ -車両",
    report: "印刷用レポート",
    kwsearch: "キーワードで検索",
    kw_empty: "キーワードを入力してください。",
    search_title: (q) => `キーワード検索: ${q}`,
    search_info: (m, n) => `${m} 件が一致（索引 ${n} 件中、題名と要約の文字列で照合）`,
    search_done: (m, k, ms) => `${m} 件が一致、上位 ${k} 件（${ms} ms）`,
    search_ideas: "この特許の転用先 →",
    kw_none: (w) => `どの記録にも含まれない語: ${w}`,
    weak: "弱い提案も表示",
    hint_home: "上の「自分の分野」欄で指定できます",
    hint_weak: "「弱い提案も表示」で表示",
    open: "ライセンス可能な特許のみ",
    run: "転用先を探す",
    map: "技術分野マップ",
    footer: "tenyo — TF-IDF + LSA による特許の転用候補。根拠特許の類似度と分野の共分類統計から算出。",
    loading: "読み込み中…",
    busy: "検索中…",
    ready: "特許番号か技術の説明を入力してください。",
    done: (n, ms) => `${n} 件の転用候補（${ms} ms）`,
    ws_unread: "保存済みのワークシートを読めなかったため、上書きしません（再読み込みしてください）",
    done_more: (n, k, ms) => `${n} 件の転用候補、ほかに ${k} 件（さらに表示）（${ms} ms）`,
    done_more_few: (n, k, ms) => `${n} 件の転用候補（有力と候補のカードのほかは、参考を 5 件に満たないときだけ示します）、ほかに ${k} 件（さらに表示）（${ms} ms）`,
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
    also: "同じ根拠の分野",
    bridge: "橋渡し語",
    strike_hint: "クリックで「ここでは別の意味」として除外し、一覧を作り直す",
    struck: "除外した語（別の意味）",
    kept_report: "採用カードの報告",
    focus_title: "技術の文を選ぶ（選んだ文だけから一覧を作る）", focus_apply: "選んだ文で作り直す",
    focus_none: "先に文を 1 つ以上選んでください（チェックを入れた文だけから一覧を作り直します）。",
    focustext_ph: "または技術を自分の言葉で書く（この文章だけから一覧を作る）",
    focustext_apply: "書いた文章で作り直す", shared: "共通する語", no_shared: "共通する具体的な語なし",
    focustext_title: "技術を自分の言葉で書く（その文章だけから一覧を作る）",
    remember: "覚える", remember_title: (w) => `「${w}」を、この一覧で切れた分野の組では別の意味として覚える（以後のすべての問い合わせに適用）`,
    remembered: (n, f) => `覚えました（新しい区別 ${n} 件、${f.split("/").pop()}）`,
    keep: "採用", reject: "却下", note_ph: "メモ（任意）", kept_badge: "採用", more: "さらに表示",
    ws_state: (k, r, s) => `作業シート: 採用 ${k}・却下 ${r}・除外した語 ${s}（自動保存）`,
    ws_kept: "採用", ws_rejected: "却下", ws_strike: "除外した語", ws_focus: "選んだ文",
    ws_focus_text: "焦点のテキスト",
    remade: (n) => `判断を問い合わせに反映して一覧を作り直しました（採用・却下・除外した語は問い合わせそのものを動かします）。` +
      (n ? `ほかのカード ${n} 件の確信度または順位が変わりました。` : "ほかのカードの確信度と順位は変わっていません。"),
    undo: "取り消す", undo_title: (d) => `「${d}」を取り消して一覧を作り直す`, unkeep: "採用を取り消す",
    warn_filtered: (m, n) => `（フィルタで根拠の候補を ${m} / ${n} 件に絞っています。フィルタを外すと増えることがあります）`,
    why: "理由",
    abstract: "要約",
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
    kind_any: "すべて",
    kind_application: "公開（出願）",
    kind_grant: "登録（特許）",
    legend: ["分野（大きさ＝件数）", "自分の分野", "転用候補（大きさ＝スコア）", "根拠特許（線＝裏付ける分野）", "問い合わせ"],
    distnote: "距離の意味：点が近いほど、使われる語彙が近い（LSA 空間のコサイン類似度を2軸に写したもの）。遠い点は語彙が違う。近く見えても図にない次元で違うことがあるので、正確な値は表の「類似度」を見てください。",
    zoom: "拡大・縮小", zoom_in: "拡大", zoom_out: "縮小", zoom_reset: "全体",
    table: "表で見る", table_caption: "地図上の分野と根拠特許（類似度＝問い合わせと分野重心のコサイン）",
    t_role: "種類", t_code: "分野", t_name: "名称", t_docs: "件数", t_sim: "類似度", t_label: "ラベル",
    t_home: "自分の分野", t_prop: "転用候補", t_large: "大分野", t_ev: "根拠特許", t_unlabelled: "省略（重なるため）", t_outside: "表示範囲の外",
    mapnote: (a, b) => `LSA 空間における分野重心の主成分（第1軸 ${a}%・第2軸 ${b}%）。近い点ほど語彙が近い。`,
    nomap: "この索引には分野マップがありません。",
    info: (d, f, k) => `${d.toLocaleString()} 件 · ${f} 分野 · LSA ${k} 次元`,
    error: "エラー",
    upd_title: "索引を更新する（特許の記録を追加・開放特許の一覧を読み込む）",
    upd_limits: (mb, rows) => `1 ファイル ${mb} MB・${rows.toLocaleString()} 件まで。ファイル全体が反映されるか、何も変わらないかのどちらかです。`,
    upd_add: "特許の記録: J-PlatPat の CSV（要約を含む）、JSON Lines、特許庁の公報 XML（zstd 圧縮も可）", upd_add_run: "索引に追加",
    upd_list: "開放特許の一覧（CSV または番号を1行ずつ）", upd_list_run: "一覧を読み込む",
    upd_nofile: "ファイルを選んでください。",
    upd_toolarge: (mb) => `ファイルが大きすぎます（このサーバーの上限は ${mb} MB）。ファイルを分けて送ってください。何も変わっていません。`,
    upd_sending: (f) => `${f} を送信中`,
    upd_stage: (f, st) => `${f}: ${({ lock: "索引をロック", read: "読み込み", tokenize: "形態素解析", svd: "LSA に写像", commit: "書き込み準備", write: "書き込み", reload: "索引を開き直し", resolve: "番号を照合" })[st] || st}`,
    upd_added: (o) => `${o.file}: ${o.records} 件を読み、${o.added} 件を追加（うち置き換え ${o.replaced} 件）、${o.skipped} 件を飛ばしました。` + (o.unchanged ? `${o.unchanged} 件は新しい内容がなく、索引済みの文献のままです。` : "") + `索引は ${o.documents.toLocaleString()} 件になりました。` + (o.without_abstract ? ` 要約のない記録 ${o.without_abstract} 件。` : ""),
    upd_listed: (o) => `${o.file}: ${o.lines} 行から開放特許 ${o.listed} 件を登録（索引にない番号 ${o.unresolved} 件、重複 ${o.duplicates} 件）。` +
      (o.replaced ? `前の一覧 ${o.replaced.file}（開放特許 ${o.replaced.listed.toLocaleString()} 件）はこの一覧に置き換わりました（一覧は 1 つだけです）。` : ""),
    upd_near: (n) => ` 文章がほかの特許とほぼ同じ記録 ${n} 件（別の番号で同じ発明の可能性。下に対応を示します）。`,
    upd_near_line: (id, like, sim) => `${id} の文章は ${like} とほぼ同じです（TF-IDF 類似度 ${sim}）`,
    upd_more: (n) => `ほか ${n} 件`,
    upd_unchanged_line: (id) => `${id}: 新しい内容がなく、索引済みの文献のままです`,
    upd_neterr: "送信できませんでした（サーバーが止まった可能性があります）。索引は変わっていないか、全体が反映されています。",
    upd_e_format: (f) => `${f}: 形式を判別できません。J-PlatPat の CSV エクスポート（要約を含む）、JSON Lines、特許庁の公報 XML のいずれかを選んでください。何も追加していません。`,
    upd_e_rows: (f, n) => `${f}: 記録が ${n.toLocaleString()} 件（このサーバーの上限）を超えています。ファイルを分けて送ってください。何も追加していません。`,
    upd_e_norecord: (f, k) => `${f}: 特許の記録を 1 件も読めませんでした（飛ばした記録 ${k} 件）。何も追加していません。`,
    upd_e_nolisted: (f, n) => `${f}: ${n} 行のどの番号も索引の特許に当たりませんでした。前の一覧をそのまま使います。`,
    upd_e_nonumber: (f) => `${f}: 特許番号が見つかりません。前の一覧をそのまま使います。`,
    upd_e_empty: (f) => `${f} は空です。何も変わっていません。`,
    upd_e_busy: (f) => `別のファイル（${f}）を反映しています。終わってからもう一度送ってください。`,
    upd_e_csvrow: (f, l, why) => `${f}:${l}: CSV の行が壊れています（${why}）。何も読み込んでいません。`,
    upd_l_missing: (n) => `「${n}」は索引にありません`,
    upd_l_nocell: (c) => `${c} 列に特許番号がありません`,
    upd_l_skipped: (why) => `この記録は飛ばしました（${why}）`,
  },
  en: {
    tagline: "Where else could this patent apply?",
    q: "Patent number or a description of the technology (Japanese / English)",
    q_match: "The company's strengths and technologies (Japanese / English)",
    tasks: "Task",
    task_ideas: "Where else could a patent apply",
    task_match: "Licensable patents for a company",
    run_match: "Find licensable patents",
    match_title: "Licensable patents for the company's strengths",
    match_done: (n, ms) => `${n} licensable patents (${ms} ms)`,
    match_done_unknown: (n, ms) => `${n} ${n === 1 ? "patent" : "patents"}, licence status unknown (${ms} ms)`,
    match_none: "No licensable patent matches.",
    licensable: (n) => `from ${n.toLocaleString()} licensable patents`,
    similarity: "Similarity",
    uses: "What it could make (possible uses)",
    could_make: "Could make",
    company_use: "Use (from the company's and the patent's own sentences)",
    app_conf: "Confidence",
    app_conf_note: "how likely the field is a real use of such a patent (calibrated on co-classification)",
    other_fields: "Other fields from the company's text",
    no_why: "No specific word shared with the company's text (close by overall similarity only)",
    why_fits: (t) => `Why it fits (shared: ${t})`,
    why_company: "Company",
    why_patent: "Patent",
    licence_unknown_badge: "licence unknown",
    own_field: "company's field",
    profile: "Applicability profile",
    profile_loading: "Computing…",
    profile_order: "Highest confidence first",
    profile_none: "No confident use elsewhere",
    profile_note: "This patent's own uses elsewhere, read from its text (\"could make\" on the left is the one of these and of your description's proposals that fits your fields and words best)",
    profile_line: (n, s, far) => `${n} fields · ${s} sections · farthest: ${far}`,
    far_section: "another section", far_class: "another class", far_subclass: "another subclass",
    best_conf: "Best confidence",
    strongest: "Strongest evidence",
    cautions: "Cautions",
    caution_one_patent: "Rests on one patent",
    caution_one_word: "Most of the shared content is one word",
    caution_generic_words: "The shared words are mostly generic",
    caution_title_only_evidence: "The evidence has titles only",
    home: "Home fields (optional)",
    distance: "Distance",
    d_section: "Another section (far)",
    d_class: "Another class (default)",
    d_subclass: "Another subclass (near)",
    n: "Count",
    mode: "Similarity",
    date_from: "Published from",
    date_to: "Published to",
    applicant: "Applicant contains",
    exclude_applicant: "Applicant excludes",
    fields_in: "Fields (any of)",
    fields_out: "Fields excluded",
    keywords: "Keywords (AND / OR / -not)",
    keywords_ph: "camera -vehicle",
    report: "Printable report",
    kwsearch: "Search keywords",
    kw_empty: "Type keywords first.",
    search_title: (q) => `Keyword search: ${q}`,
    search_info: (m, n) => `${m} of ${n} ${n === 1 ? "patent matches" : "patents match"} (the words in the title or abstract)`,
    search_done: (m, k, ms) => `${m} ${m === 1 ? "match" : "matches"}, the best ${k} shown (${ms} ms)`,
    search_ideas: "Ideas for this patent →",
    kw_none: (w) => `In no record: ${w}`,
    weak: "Show weaker proposals",
    hint_home: "Set them in the home fields box above",
    hint_weak: "tick \u201cshow weaker proposals\u201d to see them",
    open: "Licensable patents only",
    run: "Find applications",
    map: "Landscape of fields",
    footer: "tenyo — cross-field proposals from TF-IDF + LSA: evidence similarity and co-classification statistics.",
    loading: "Loading…",
    busy: "Searching…",
    ready: "Enter a patent number or describe a technology.",
    done: (n, ms) => `${n} ${n === 1 ? "proposal" : "proposals"} (${ms} ms)`,
    ws_unread: "The saved worksheet could not be read, so it is not written over (reload the page)",
    done_more: (n, k, ms) => `${n} ${n === 1 ? "proposal" : "proposals"}, ${k} more (more) (${ms} ms)`,
    done_more_few: (n, k, ms) => `${n} ${n === 1 ? "proposal" : "proposals"} (beyond strong and candidate cards, reference cards only to reach five), ${k} more (more) (${ms} ms)`,
    none: "No proposals found.",
    read_as: (q, id) => `"${q}" was read as ${id}.`,
    no_number: (q) => `No indexed patent has the number "${q}".`,
    did_you_mean: "Did you mean:",
    filtered: (m, n) => ` (from the ${m} of ${n} patents that match the filters)`,
    results_for_id: (id) => `Applications of ${id}`,
    results_for_text: "Applications of the text",
    home_fields: "Home fields",
    predicted: " (predicted)",
    score: "Confidence",
    surprise: "Unexpected", /* the 0..1 scale, named as the terminal and the CSV name it */
    relevance: "Relevance",
    unexpected: "unexpected",
    also: "Fields on the same evidence",
    bridge: "Bridge terms",
    strike_hint: "Click: another sense here — leave it out and make the list again",
    struck: "Struck words (another sense)",
    kept_report: "Report of kept cards",
    focus_title: "Choose the sentences that hold the technique (the list is made from them alone)",
    focus_apply: "Make the list from these",
    focus_none: "Select at least one sentence first (the list is made again from the ticked sentences alone).",
    focustext_ph: "Or write the technique in your own words (the list is made from this text alone)",
    focustext_apply: "Make the list from this text", shared: "Shared words", no_shared: "no specific word shared",
    focustext_title: "Write the technique in your own words (the list is made from that text alone)",
    remember: "Remember", remember_title: (w) => `Remember "${w}" as another sense between the fields it linked in this list (every later query)`,
    remembered: (n, f) => `Remembered (${n} new split${n === 1 ? "" : "s"}, ${f.split("/").pop()})`,
    keep: "Keep", reject: "Reject", note_ph: "Note (optional)", kept_badge: "kept", more: "More",
    ws_state: (k, r, s) => `Worksheet: ${k} kept, ${r} rejected, ${s} ${s === 1 ? "word" : "words"} struck (saved as you work)`,
    ws_kept: "Kept", ws_rejected: "Rejected", ws_strike: "Struck word", ws_focus: "Chosen sentences",
    ws_focus_text: "Focus text",
    remade: (n) => "The list was made again with your decision (keeping, rejecting and striking a word move the query itself). " +
      (n ? `${en_n(n, "other card")} changed confidence or place.` : "No other card changed confidence or place."),
    undo: "Undo", undo_title: (d) => `Take back "${d}" and make the list again`, unkeep: "Undo keep",
    warn_filtered: (m, n) => ` (the filters leave ${m} of ${n} patents as evidence; clearing them may show more)`,
    why: "Why",
    abstract: "Abstract",
    why_query: "This patent",
    phrases: "Application phrases",
    evidence: "Evidence",
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
    kind_any: "Any",
    kind_application: "Application",
    kind_grant: "Grant",
    legend: ["Field (size = documents)", "Home field", "Proposal (size = score)", "Evidence patent (line = field it supports)", "Query"],
    distnote: "What distance means: the closer two points, the more vocabulary they share (cosine similarity in the LSA space, drawn on two axes). Points far apart use different words; points that look close may still differ in dimensions not drawn, so the table's similarity is the exact value.",
    zoom: "Zoom", zoom_in: "Zoom in", zoom_out: "Zoom out", zoom_reset: "All",
    table: "Table view", table_caption: "Fields and evidence on the map (similarity = cosine of the query with the field's centroid)",
    t_role: "Role", t_code: "Field", t_name: "Name", t_docs: "Documents", t_sim: "Similarity", t_label: "Label",
    t_home: "Home", t_prop: "Proposal", t_large: "Large field", t_ev: "Evidence", t_unlabelled: "Left out (overlap)", t_outside: "Outside the view",
    mapnote: (a, b) => `Principal axes of the field centroids in the LSA space (axis 1 ${a}%, axis 2 ${b}%). Nearby points share vocabulary.`,
    nomap: "This index has no landscape map.",
    info: (d, f, k) => `${d.toLocaleString()} documents · ${f} fields · LSA rank ${k}`,
    error: "Error",
    upd_title: "Update the index (add patent records, load the licensable list)",
    upd_limits: (mb, rows) => `Up to ${mb} MB and ${rows.toLocaleString()} records a file. A file is applied whole, or nothing changes.`,
    upd_add: "Patent records: a J-PlatPat CSV export (with 要約), JSON Lines or JPO gazette XML (zstd-compressed too)", upd_add_run: "Add to the index",
    upd_list: "Licensable patents (CSV, or one number a line)", upd_list_run: "Load the list",
    upd_nofile: "Choose a file first.",
    upd_toolarge: (mb) => `The file is too large (this server's limit is ${mb} MB). Send it in parts. Nothing changed.`,
    upd_sending: (f) => `Sending ${f}`,
    upd_stage: (f, st) => `${f}: ${({ lock: "locking the index", read: "reading", tokenize: "tokenizing", svd: "folding into LSA", commit: "preparing", write: "writing", reload: "opening the index again", resolve: "resolving numbers" })[st] || st}`,
    upd_added: (o) => `${o.file}: ${en_n(o.records, "record")} read, ${o.added} added (${o.replaced} replaced an indexed one), ${o.skipped} skipped.` + (o.unchanged ? ` ${en_n(o.unchanged, "record")} brought nothing new: the indexed patent was left as it was.` : "") + ` The index now holds ${en_n(o.documents, "document")}.` + (o.without_abstract ? ` ${en_n(o.without_abstract, "record")} had no abstract.` : ""),
    upd_listed: (o) => `${o.file}: ${en_n(o.listed, "licensable patent")} from ${en_n(o.lines, "line")} (${en_n(o.unresolved, "number")} not in the index, ${o.duplicates} repeated).` +
      (o.replaced ? ` It replaced the earlier list, ${o.replaced.file} (${en_n(o.replaced.listed, "licensable patent")}): the index keeps one list.` : ""),
    upd_near: (n) => ` ${en_n(n, "record")} ${n === 1 ? "has" : "have"} nearly the same text as another patent (perhaps one invention under another number; listed below).`,
    upd_near_line: (id, like, sim) => `${id} has nearly the same text as ${like} (TF-IDF similarity ${sim})`,
    upd_more: (n) => `and ${n} more`,
    upd_unchanged_line: (id) => `${id}: nothing new; the indexed patent was left as it was`,
    upd_neterr: "Could not send (the server may have stopped). The index is either as it was or has the whole file.",
    upd_e_format: (f) => `${f}: not a format the index reads. Choose a J-PlatPat CSV export (with 要約), JSON Lines or JPO gazette XML. Nothing was added.`,
    upd_e_rows: (f, n) => `${f}: more than ${n.toLocaleString()} records, this server's limit. Send it in parts. Nothing was added.`,
    upd_e_norecord: (f, k) => `${f}: no patent record could be read (${k} skipped). Nothing was added.`,
    upd_e_nolisted: (f, n) => `${f}: none of its ${n} lines names a patent of the index. The previous list is kept.`,
    upd_e_nonumber: (f) => `${f}: no patent number in the file. The previous list is kept.`,
    upd_e_empty: (f) => `${f} is empty. Nothing changed.`,
    upd_e_busy: (f) => `Another file (${f}) is being applied. Send this one again when it is done.`,
    upd_e_csvrow: (f, l, why) => `${f}:${l}: malformed CSV row (${why}). Nothing was loaded.`,
    upd_l_missing: (n) => `"${n}" is not in the index`,
    upd_l_nocell: (c) => `no patent number in column ${c}`,
    upd_l_skipped: (why) => `record skipped (${why})`,
  },
};

const state = {
  lang: "ja",
  task: "ideas",    // "ideas" (a patent's other fields) or "match" (a company)
  info: null,       // /api/info
  map: null,        // /api/map (fields)
  result: null,     // last /api/ideas answer
  ideasBody: null,  // the body it answered (its CSV: POST /api/ideas.csv)
  options: null,    // the ideas options' table (GET /api/ideas/options)
  points: null,     // /api/map points of the last result
  selected: null,   // {id, x, y} of the patent shown in the detail panel
  view: null,       // [x0, y0, x1, y1] of the map shown, null: everything
  labels: null,     // {qs, labels, left_out}: the server's labels of one picture
  updates: null,    // /api/updates when the page started (writable, limits)
  ws: null,         // the worksheet of the patent shown (GET/POST /api/worksheet), or null
  note: "",         // the status line's note of the last answer (filters, number read as)
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
  document.querySelectorAll("[data-i18n-label]").forEach((e) => { e.setAttribute("aria-label", tr(e.dataset.i18nLabel)); });
  document.querySelectorAll("[data-i18n-ph]").forEach((e) => { e.placeholder = tr(e.dataset.i18nPh); });
  applyTask();
  $("lang-ja").setAttribute("aria-pressed", String(state.lang === "ja"));
  $("lang-en").setAttribute("aria-pressed", String(state.lang === "en"));
  if (state.info) $("indexinfo").textContent = tr("info", state.info.documents, state.info.fields, state.info.rank);
  if (state.updates) $("upd-limits").textContent = tr("upd_limits", Math.round(state.updates.max_bytes / 1048576), state.updates.max_rows);
  drawLegend();
  if (state.map) drawMap();
}

/* ------------------------------------------------------------ the form */

/* The two questions of the page: where else a patent applies (ideas), and
 * which licensable patents a company could use (match: POST /api/match,
 * the Kawasaki-model query). The form is shared; the text box, the button
 * and the licensable switch (always on for a match) follow the task. */
function applyTask() {
  const m = state.task === "match";
  $("qlabel").textContent = tr(m ? "q_match" : "q");
  $("run").textContent = tr(m ? "run_match" : "run");
  $("open-switch").hidden = m;
  $("task-ideas").setAttribute("aria-selected", String(!m));
  $("task-match").setAttribute("aria-selected", String(m));
  document.body.dataset.task = state.task;
}

/* The ideas options the form shows, by their name in the server's table
 * (GET /api/ideas/options, the library's one table: types, bounds,
 * choices and defaults come from there, never written here): the form
 * element, the key in f and in the address, and whether a company query
 * (match) sends it too (its count goes as k). */
const FORM = [
  { name: "home", el: "home", key: "home", match: true },
  { name: "distance", el: "distance", key: "distance", match: true },
  { name: "n", el: "n", key: "n", match: false },
  { name: "mode", el: "mode", key: "mode", match: true },
  { name: "open_only", el: "open", key: "open", match: false },
];
/* The table's entry of option name (null before the table is loaded). */
function opt(name) {
  return (state.options || []).find((o) => o.name === name) || null;
}
/* The default of a form entry, typed: the table's, else the element's own. */
function optDefault(d) {
  const o = opt(d.name), e = $(d.el);
  const v = o ? o.default : (e.type === "checkbox" ? String(e.defaultChecked) : e.defaultValue);
  if (e.type === "checkbox") return v === "true";
  if (o ? o.type === "integer" : e.type === "number") return parseInt(v, 10);
  return v;
}
/* A value of entry d read from text (the element's or the address's),
 * bounded as the table says; the default when it says nothing usable. */
function optValue(d, text) {
  const o = opt(d.name), e = $(d.el);
  if (e.type === "checkbox") return text === true || text === "1" || text === "true";
  if (o ? o.type === "integer" : e.type === "number") {
    const v = parseInt(text, 10), lo = o ? o.min : Number(e.min), hi = o ? o.max : Number(e.max);
    return isNaN(v) ? optDefault(d) : Math.max(lo, Math.min(hi, v));
  }
  return (text || "").trim();
}
/* The form's controls made from the table: each choice's options (labels
 * from the page's words), each number's bounds and default. */
function buildForm() {
  const modeLabel = { hybrid: "hybrid", tfidf: "tf-idf", lsa: "LSA" };
  for (const d of FORM) {
    const o = opt(d.name), e = $(d.el);
    if (!o) continue;
    if (o.type === "choice" && e.tagName === "SELECT") {
      e.replaceChildren(...o.choices.map((c) => {
        const x = el("option", null, modeLabel[c] || c);
        x.value = c;
        if (d.name === "distance") x.dataset.i18n = "d_" + c;
        if (c === o.default) { x.selected = true; x.defaultSelected = true; }
        return x;
      }));
    } else if (o.type === "integer") {
      e.min = String(o.min);
      e.max = String(o.max);
      e.defaultValue = o.default;
    }
  }
}

function readForm() {
  const f = {
    q: $("q").value.trim(),
    conf: $("weak").checked ? 0 : (state.conf === undefined || state.conf === 0 ? null : state.conf),
    task: state.task,
    filters: Object.fromEntries(FILTERS.map(([k]) => [k, $(k).value.trim()])),
  };
  for (const d of FORM) {
    const e = $(d.el);
    f[d.key] = optValue(d, e.type === "checkbox" ? e.checked : e.value);
  }
  return f;
}
/* The filters of the form: element id (= the API member), hash key. */
const FILTERS = [["date_from", "df"], ["date_to", "dt"], ["applicant", "ap"],
  ["exclude_applicant", "xap"], ["fields", "f"], ["exclude_fields", "xf"], ["keywords", "kw"],
  ["kind", "kd"]];
function writeForm(f) {
  state.conf = f.conf === undefined ? null : f.conf;
  $("q").value = f.q || "";
  for (const d of FORM) {
    const e = $(d.el), v = f[d.key] === undefined ? optDefault(d) : f[d.key];
    if (e.type === "checkbox") e.checked = !!v;
    else e.value = String(v);
  }
  $("weak").checked = f.conf === 0;
  for (const [k] of FILTERS) $(k).value = (f.filters && f.filters[k]) || "";
}
function formToHash(f) {
  const p = new URLSearchParams();
  p.set("q", f.q);
  for (const d of FORM) {
    const v = f[d.key];
    if (v !== optDefault(d)) p.set(d.key, typeof v === "boolean" ? (v ? "1" : "0") : String(v));
  }
  if (f.conf !== null) p.set("conf", String(f.conf));
  if (f.task === "match") p.set("task", "match");
  for (const [k, h] of FILTERS) if (f.filters && f.filters[k]) p.set(h, f.filters[k]);
  p.set("lang", state.lang);
  return "#" + p.toString();
}
function hashToForm() {
  const p = new URLSearchParams(location.hash.replace(/^#/, ""));
  const l = p.get("lang");
  if (l === "ja" || l === "en") state.lang = l;
  state.task = p.get("task") === "match" ? "match" : "ideas";
  const f = {
    q: p.get("q") || "",
    conf: p.get("conf") !== null && p.get("conf") !== "" && !isNaN(Number(p.get("conf"))) ? Number(p.get("conf")) : null,
    task: state.task,
    filters: Object.fromEntries(FILTERS.map(([k, h]) => [k, p.get(h) || ""])),
  };
  for (const d of FORM) f[d.key] = p.get(d.key) === null ? optDefault(d) : optValue(d, p.get(d.key));
  return f;
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
  /* the last answer is not this number's: it leaves the page */
  $("result").hidden = true;
  state.result = null;
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
      if (sgg.title) { /* which one was meant: its title, visible */
        const t = [...sgg.title];
        st.appendChild(el("span", "muted suggestion-title",
          (state.lang === "ja" ? "（" : " (") + t.slice(0, 24).join("") + (t.length > 24 ? "…" : "") +
          (state.lang === "ja" ? "）" : ")")));
      }
      st.appendChild(document.createTextNode(" "));
    }
  }
}

/* body with what the form says besides the task's own members: the form's
 * options (a company query sends its count as k and no open_only), the
 * confidence threshold and the filters (the server applies them before
 * the neighbours are chosen). */
function formBody(f, body) {
  for (const d of FORM) {
    if (f.task === "match" && !d.match) continue;
    const v = f[d.key];
    if (d.name === "home" ? v : v !== undefined) body[d.name] = v;
  }
  if (f.conf !== null && f.conf !== undefined) body.min_confidence = f.conf;
  for (const [k] of FILTERS) if (f.filters && f.filters[k]) body[k] = f.filters[k];
  return body;
}

/* A new answer on the page (ideas or matches): kept, drawn by render,
 * its map points loaded; the milliseconds since t0 and the filter's note
 * ("" without filters) for the status line. */
async function takeAnswer(res, render, t0) {
  state.result = res;
  state.points = null;
  state.view = null;
  state.labels = null;
  render(res);
  await loadPoints(res);
  const fl = res.query && res.query.filter;
  return { ms: Math.round(performance.now() - t0), filter: fl ? tr("filtered", fl.matching, fl.documents) : "" };
}

/* Keyword search (GET /api/search: the records whose title or abstract
 * holds the words, ranked), listed as results of their own: each opens its
 * record or asks for its ideas. */
async function runSearch() {
  const f = readForm();
  const h = formToHash(f);
  if (location.hash !== h) history.replaceState(null, "", h);
  if (!f.filters.keywords) { setState("error", tr("kw_empty")); return; }
  const p = new URLSearchParams({ q: f.filters.keywords, k: String(Math.max(f.n, 50)) });
  for (const [k] of FILTERS) if (k !== "keywords" && f.filters[k]) p.set(k, f.filters[k]);
  if (f.open) p.set("open_only", "1");
  setState("busy", tr("busy"));
  const t0 = performance.now();
  try {
    const res = await api("/api/search?" + p.toString());
    state.result = res;
    renderSearch(res);
    setState("done", tr("search_done", res.query.filter.matching, res.results.length,
      Math.round(performance.now() - t0)));
  } catch (e) {
    setState("error", `${tr("error")}: ${e.message}`);
  }
}

function renderSearch(res) {
  const fl = res.query.filter;
  wsClear();
  $("result").hidden = false;
  $("export-report").hidden = true;
  $("resulttitle").textContent = tr("search_title", fl.keywords);
  $("queryinfo").textContent = tr("search_info", fl.matching, fl.documents);
  const cards = $("cards");
  cards.replaceChildren();
  for (const r of res.results) {
    const li = el("li", "card search");
    li.dataset.id = r.id;
    const head = el("div", "card-head");
    head.appendChild(el("span", "rank", `${r.rank}.`));
    const b = el("button", "link code", r.id);
    b.type = "button";
    b.addEventListener("click", () => showPatent(r.id));
    head.appendChild(b);
    head.appendChild(el("span", "label", r.title));
    if (r.open) head.appendChild(el("span", "badge open", tr("open_badge")));
    li.appendChild(head);
    li.appendChild(el("p", "meta", `${r.applicant || "-"} · ${r.date || "-"} · ${(r.fields || []).join(", ")}`));
    const go = el("button", "link", tr("search_ideas"));
    go.type = "button";
    /* the keywords found the patent; its ideas are asked without them */
    go.addEventListener("click", () => { $("q").value = r.id; $("keywords").value = ""; submit(); });
    li.appendChild(go);
    cards.appendChild(li);
  }
  document.body.dataset.cards = String(res.results.length);
  renderWarnings({ warnings: (fl.unknown_words || []).length
    ? [{ code: "unknown_words", message: tr("kw_none", fl.unknown_words.join(", ")) }] : [] });
}

/* The printable report of the answer just shown (GET /api/report: the
 * same body as the request, as HTML for A4), opened in a new tab. */
function setReport(task, body) {
  const a = $("export-report"), k = $("export-kept");
  a.href = "/api/report?" + new URLSearchParams({ task, body: JSON.stringify(body) }).toString();
  a.hidden = false;
  /* the report of the kept cards with their notes (the worksheet's) */
  k.setAttribute("href", a.getAttribute("href") + "&kept=1");
  k.hidden = task !== "ideas" || !body.keep;
}

/* The company query: POST /api/match with the form's filters, the
 * matches as cards, their applicability profiles filled in after. */
async function runMatch(f) {
  const body = formBody(f, { text: f.q, k: f.n, lang: state.lang });
  setState("busy", tr("busy"));
  $("run").disabled = true;
  const t0 = performance.now();
  try {
    document.body.dataset.kind = "text";
    /* the company's text has a sheet of its own: the words struck there
     * are no shared word of any match (its cards are patents: no keep or
     * reject of fields here) */
    await wsLoad({ text: f.q });
    if (state.ws.strike.length) body.strike = state.ws.strike.slice();
    const res = await api("/api/match", body);
    $("focusbox").hidden = true;
    $("more").hidden = true;
    wsStatus();
    setReport("match", body);
    const a = await takeAnswer(res, renderMatch, t0);
    /* an index marking nothing licensable is matched over all its patents */
    const mdone = res.query && res.query.licensable === 0 ? "match_done_unknown" : "match_done";
    setState("done", (res.matches.length ? tr(mdone, res.matches.length, a.ms) : tr("match_none")) +
      (a.filter ? " " + a.filter : ""));
    await loadProfiles(res);
  } catch (e) {
    setState("error", `${tr("error")}: ${e.message}`);
  } finally {
    $("run").disabled = false;
  }
}

function renderWarnings(res) {
  const wl = $("warnings");
  wl.replaceChildren();
  for (const w of res.warnings || []) {
    /* the engine's notes name command-line options; the page names its own
     * controls instead */
    let m = w.message || "";
    if (w.code === "home_predicted")
      m = m.replace(/[。.;；、,]?\s*--home[^。.]*[。.]?$/, "") + (state.lang === "ja" ? "。" : ". ") + tr("hint_home");
    m = m.replace(/[（(]--min-(confidence|usable|transfer) 0[^）)]*[）)]/g, (state.lang === "ja" ? "（" : " (") + tr("hint_weak") + (state.lang === "ja" ? "）" : ")"));
    /* fewer than asked under a filter: the filter, not the index, may be why */
    const fl = res.query && res.query.filter;
    if (w.code === "fewer_than_asked" && fl && fl.matching < fl.documents) m += tr("warn_filtered", fl.matching, fl.documents);
    const li = el("li", "warning", m);
    li.dataset.code = w.code;
    wl.appendChild(li);
  }
  document.body.dataset.warnings = String((res.warnings || []).length);
}

/* One licensable patent of a match: what it is, how near the company's
 * text, its uses (the proposals it is evidence for, explained as ideas
 * explains them) and, in the right-hand column, its applicability profile
 * (filled by loadProfiles). */
function matchCard(mt, known) {
  const li = el("li", "card match");
  li.dataset.id = mt.id;
  const main = el("div", "match-main");
  const head = el("div", "card-head");
  head.appendChild(el("span", "rank", `${mt.rank}.`));
  const b = el("button", "link code", mt.id);
  b.type = "button";
  b.addEventListener("click", () => showPatent(mt.id));
  head.appendChild(b);
  head.appendChild(el("span", "label", mt.title));
  head.appendChild(known === false ? el("span", "badge", tr("licence_unknown_badge"))
                                   : el("span", "badge open", tr("open_badge")));
  if (mt.own_field) head.appendChild(el("span", "badge", tr("own_field")));
  if (mt.band_label) head.appendChild(el("span", "badge band band-" + mt.band, mt.band_label));
  main.appendChild(head);
  if (mt.weak_reason) main.appendChild(el("p", "weak", mt.weak_reason));
  const meta = el("p", "meta", `${mt.applicant || "-"} · ${mt.date || "-"} · ${(mt.fields || []).join(", ")}`);
  if (mt.link && mt.link.startsWith("https://")) {
    meta.appendChild(document.createTextNode(" · "));
    const a = el("a", "record", tr("record"));
    a.href = mt.link;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    meta.appendChild(a);
  }
  main.appendChild(meta);
  /* the fit, explained in one line (the similarity to the company's text) */
  if (mt.fit) main.appendChild(el("p", "fit-line", mt.fit.explain));
  if (mt.why) { /* why it fits: the shared words in a sentence of each */
    const w = el("div", "why");
    w.appendChild(el("div", "k", tr("why_fits", (mt.why.terms || []).join(state.lang === "ja" ? "・" : ", "))));
    if (state.ws && (mt.why.terms || []).length) w.appendChild(strikeRow(chipRow(tr("shared"), mt.why.terms)));
    for (const [k, s] of [["why_company", mt.why.company], ["why_patent", mt.why.patent]]) {
      const p = el("p", "why-line");
      p.appendChild(el("span", "muted", tr(k) + ": "));
      p.appendChild(marked(s, mt.why.terms || []));
      w.appendChild(p);
    }
    main.appendChild(w);
  } else main.appendChild(el("p", "muted why-none", tr("no_why")));
  /* what the company would do with it: its own clause joined to the
   * patent's; then what the patent itself makes */
  if (mt.company_use) {
    const cu = el("div", "company-use");
    cu.appendChild(el("div", "k", tr("company_use")));
    cu.appendChild(el("p", "cu-line", mt.company_use.use));
    main.appendChild(cu);
  }
  const app = el("div", "application");
  app.appendChild(el("div", "k", tr("could_make")));
  const a = mt.application;
  if (a) {
    const row = el("p", "app-use");
    row.dataset.field = a.field;
    row.appendChild(el("span", "code", a.field));
    row.appendChild(el("span", null, " " + a.use));
    row.addEventListener("mouseenter", () => highlight(a.field, true));
    row.addEventListener("mouseleave", () => highlight(a.field, false));
    app.appendChild(row);
  } else app.appendChild(el("p", "app-none", mt.application_none));
  const conf = el("p", "app-conf");
  conf.appendChild(el("span", "k", `${tr("app_conf")} ${mt.confidence_text}`));
  if (a && a.source !== "own_text") conf.appendChild(el("span", "muted", ` — ${tr("app_conf_note")}`));
  app.appendChild(conf);
  main.appendChild(app);
  if (mt.uses && mt.uses.length) {
    const ul = el("p", "uses muted");
    ul.appendChild(document.createTextNode(tr("other_fields") + ": "));
    mt.uses.forEach((u, i) => {
      const c = el("span", "chip", `${u.field} ${pctText(u.confidence)}`);
      c.title = `${u.label}: ${u.use}`;
      c.dataset.field = u.field;
      c.addEventListener("mouseenter", () => highlight(u.field, true));
      c.addEventListener("mouseleave", () => highlight(u.field, false));
      ul.appendChild(c);
    });
    main.appendChild(ul);
  }
  li.appendChild(main);
  const prof = el("div", "profile");
  prof.appendChild(el("div", "k", tr("profile")));
  prof.appendChild(el("p", "muted", tr("profile_loading")));
  li.appendChild(prof);
  return li;
}

function renderMatch(res) {
  $("result").hidden = false;
  const q = res.query;
  $("resulttitle").textContent = tr("match_title");
  const home = (q.home || []).join(", ") || "-";
  $("queryinfo").textContent = `${tr("licensable", q.licensable || 0)} — ${tr("home_fields")}: ${home}${q.home_predicted ? tr("predicted") : ""}`;
  const cards = $("cards");
  cards.replaceChildren();
  for (const mt of res.matches) cards.appendChild(matchCard(mt, q.licence_known));
  document.body.dataset.cards = String(res.matches.length);
  renderWarnings(res);
  /* the nearest that do not fit (generic words only): one line each */
  for (const r of res.reference || []) {
    const li = el("li", "card match reference");
    li.dataset.id = r.id;
    const terms = ((r.why || {}).terms || []).join(state.lang === "ja" ? "・" : ", ");
    /* no shared word: say so, not an empty field */
    const shared = terms ? `${tr("shared")}: ${terms}` : tr("no_shared");
    li.appendChild(el("p", "muted", `${r.band_label} ${r.id} ${r.title} — ${shared} (${r.weak_reason})`));
    cards.appendChild(li);
  }
  drawMap();
}

/* The applicability profile of one patent (GET /api/profile's object)
 * into the element box: how many fields, sections, how far, the best
 * confidence, the uses and the strongest evidence. */
function fillProfile(box, p) {
  box.replaceChildren(el("div", "k", tr("profile")));
  /* beside a match, two answers meet: the uses reached from the company's
   * text (the card) and the patent's own (this column); say which is which */
  if (box.closest("li.match")) box.appendChild(el("p", "muted profile-note", tr("profile_note")));
  box.dataset.proposals = String(p.proposals);
  if (!p.proposals) { box.appendChild(el("p", "muted", tr("profile_none"))); return; }
  box.appendChild(el("p", "profile-line", tr("profile_line", p.proposals, p.sections, tr("far_" + p.farthest))));
  const m = el("div", "metrics");
  metric(m, tr("best_conf") + " %", p.best_confidence * 100, p.best_confidence, "", 0);
  box.appendChild(m);
  /* the uses by the number each chip shows, the confidence, highest
   * first (the profile's own order is the ideas' score, which the chip does
   * not show: read by their percentages they looked shuffled); ties keep
   * the profile's order */
  const chips = el("div", "chips");
  chips.title = tr("profile_order");
  const uses = p.uses.map((u, i) => [u, i]).sort((a, b) => (b[0].confidence - a[0].confidence) || (a[1] - b[1]));
  for (const [u] of uses) {
    const c = el("span", "chip", `${u.field} ${pctText(u.confidence)}`);
    c.title = u.label;
    c.dataset.confidence = String(u.confidence);
    chips.appendChild(c);
  }
  box.appendChild(chips);
  if (p.strongest_evidence) {
    const e = p.strongest_evidence, row = el("p", "strongest");
    row.appendChild(el("span", "k", tr("strongest")));
    const b = el("button", "link", `${e.id} ${e.title}`);
    b.type = "button";
    b.addEventListener("click", () => showPatent(e.id));
    row.appendChild(b);
    row.appendChild(el("span", "sim", ` ${Number(e.similarity).toFixed(3)} → ${e.field}`));
    box.appendChild(row);
  }
}

/* Profiles of the shown matches, 20 at a time (GET /api/profile). */
async function loadProfiles(res) {
  const ids = res.matches.map((m) => m.id);
  for (let i = 0; i < ids.length; i += 20) {
    const p = new URLSearchParams();
    for (const id of ids.slice(i, i + 20)) p.append("id", id);
    p.set("lang", state.lang);
    let r = null;
    try { r = await api("/api/profile?" + p.toString()); } catch (e) { r = null; }
    if (state.result !== res) return; /* a newer query */
    for (const pr of r ? r.profiles : []) {
      const card = document.querySelector(`#cards li.match[data-id="${CSS.escape(pr.id)}"] .profile`);
      if (card) fillProfile(card, pr);
    }
  }
  document.body.dataset.profiles = String(document.querySelectorAll("#cards .profile[data-proposals]").length);
}

/* ------------------------------------------------------- the worksheet
 * The analyst's decisions about one patent's list, saved beside the index
 * as they are made (POST /api/worksheet) and asked for when the patent is
 * opened (GET /api/worksheet?patent=), so a reload or a server restart
 * finds them: struck words, kept and rejected cards with notes. Each
 * decision makes the list again with all of them applied. */
function wsFields(d) {
  return state.ws ? state.ws.cards.filter((c) => c.decision === d).map((c) => c.field) : [];
}
function wsBody(body) {
  const ws = state.ws;
  if (!ws) return body;
  if (ws.strike && ws.strike.length) body.strike = ws.strike.slice();
  const k = wsFields("kept"), r = wsFields("rejected");
  if (k.length) body.keep = k;
  if (r.length) body.reject = r;
  if (ws.focus) body.focus = ws.focus;
  else if (ws.focus_text) body.focus_text = ws.focus_text;
  return body;
}
/* The saved sheet of a subject ({patent: ID}, or {text: TEXT} for a
 * free-text or a company query: the text's sheet) and its version (what a
 * save must still find on the server); a sheet that could not be read is
 * never saved over. */
async function wsLoad(subject) {
  if (typeof subject === "string") subject = { patent: subject };
  const [kind, value] = Object.entries(subject)[0];
  state.wsVersion = null;
  state.wsError = null;
  try {
    const r = await api("/api/worksheet?" + kind + "=" + encodeURIComponent(value));
    state.ws = r.worksheet;
    state.wsVersion = r.version === undefined ? null : r.version;
    if (!state.ws) state.ws = { tenyo_worksheet: 1, [kind]: value, strike: [], cards: [] };
  } catch (e) {
    state.ws = { tenyo_worksheet: 1, [kind]: value, strike: [], cards: [] };
    state.wsError = e.message;
  }
  state.ws.strike = state.ws.strike || [];
  state.ws.cards = state.ws.cards || [];
}
async function wsSave() {
  if (state.wsVersion === null) { /* the saved sheet was never read: never written over */
    const e = new Error(tr("ws_unread") + (state.wsError ? ` (${state.wsError})` : ""));
    e.status = 0;
    throw e;
  }
  const r = await api("/api/worksheet?version=" + encodeURIComponent(state.wsVersion), state.ws);
  state.ws = r.worksheet;
  state.wsVersion = r.version === undefined ? null : r.version;
}
/* The subject of sheet ws ({patent: ID}, {company: NAME} or {text: TEXT}). */
function wsSubject(ws) {
  for (const k of ["patent", "company", "text"]) if (ws && ws[k] !== undefined) return { [k]: ws[k] };
  return null;
}
function wsCard(field) {
  return state.ws ? state.ws.cards.find((c) => c.field === field) : null;
}
/* A decision (a struck word, a kept or rejected card), saved, and the list
 * made again. A decision moves the query itself (a kept card pulls it
 * toward its evidence, a rejected one away, a struck word leaves it), so
 * the other cards' numbers change: the cards' confidence and place before
 * it are kept (state.before) and the status line says how many changed
 * (remadeNote); field: the card decided on, not counted. */
async function wsDecide(fn, field) {
  if (!state.ws) return;
  state.before = null;
  if (state.result && state.result.ideas && !state.result.matches) {
    state.before = { field: field || null, cards: new Map(state.result.ideas.map((i) => [i.field, [i.pos || i.rank, pctText(i.confidence)]])) };
  }
  fn(state.ws);
  try {
    try { await wsSave(); } catch (e) {
      /* saved meanwhile by ideas --worksheet or another page: the decision
       * is made again on the sheet as it now is */
      const subj = wsSubject(state.ws);
      if (e.status !== 409 || !subj) throw e;
      await wsLoad(subj);
      fn(state.ws);
      await wsSave();
    }
  } catch (e) { setState("error", `${tr("error")}: ${e.message}`); return; }
  submit();
}
/* The patent's sentences with a box each (GET /api/sentences): the ones
 * ticked are the focus. */
async function focusBox(id) {
  const box = $("focusbox");
  box.hidden = !state.ws;
  if (!state.ws) return;
  $("focustext").value = state.ws.focus_text || "";
  $("focus-hint").textContent = "";
  let ss = [];
  if (id) try { ss = (await api("/api/sentences?id=" + encodeURIComponent(id))).sentences; } catch (e) { ss = []; }
  $("sentences").hidden = $("focus-apply").hidden = !ss.length;
  box.querySelector("summary").textContent = tr(ss.length ? "focus_title" : "focustext_title");
  const on = new Set(state.ws.focus || []);
  $("sentences").replaceChildren(...ss.map((t, i) => {
    const li = el("li"), cb = el("input");
    cb.type = "checkbox";
    cb.value = String(i + 1);
    if (on.has(i + 1)) cb.setAttribute("checked", "");
    li.appendChild(cb);
    li.appendChild(el("span", null, t));
    return li;
  }));
  box.open = on.size > 0 || !!state.ws.focus_text;
}
/* The worksheet's line and its decisions, one a row, each with a button
 * that takes it back (saved, and the list made again): a struck word, a
 * kept or rejected card (with its note), the chosen sentences. A rejected
 * card is off the list, so this is where it comes back from. */
/* No worksheet on the page (a keyword search, a company's list): the
 * worksheet line, its decisions and the focus box of an earlier patent
 * are taken away with it, so that no undo acts on a list not shown. */
function wsClear() {
  state.ws = null;
  wsStatus();
  $("focusbox").hidden = true;
  $("more").hidden = true;
}
/* The sense splits a struck word made in the list shown, as ideas --not
 * WORD --remember makes them: each home field with each card that lost
 * the word. */
function sensePairs(w) {
  const r = state.result;
  if (!r || !r.ideas || !r.query) return [];
  const pairs = [];
  for (const it of r.ideas)
    if ((it.struck || []).includes(w))
      for (const h of r.query.home || []) if (h !== it.field) pairs.push([h, it.field]);
  return pairs;
}
/* "Remember": the word's splits kept in INDEX.senses (POST /api/senses),
 * so that every later query, on any patent or text, leaves the word out
 * between those fields without striking it again. */
function rememberButton(w, pairs) {
  const b = el("button", "remember link", tr("remember"));
  b.type = "button";
  b.title = tr("remember_title", w);
  b.addEventListener("click", async () => {
    b.disabled = true;
    try {
      const r = await api("/api/senses", { word: w, pairs });
      b.replaceWith(el("span", "remembered muted", tr("remembered", r.added, r.file)));
    } catch (e) {
      b.disabled = false;
      setState("error", `${tr("error")}: ${e.message}`);
    }
  });
  return b;
}
/* A decision taken back keeps its note in the card's box (the page's, not
 * the sheet's): the analyst's text is not lost with the decision. */
function keepNote(c) {
  if (!c || !c.note) return;
  state.undoneNotes = state.undoneNotes || {};
  state.undoneNotes[c.field] = c.note;
}

function wsStatus() {
  const ws = state.ws, ul = $("wsdecisions");
  $("wsinfo").textContent = ws ? tr("ws_state", wsFields("kept").length, wsFields("rejected").length, ws.strike.length) : "";
  ul.replaceChildren();
  if (!ws) return;
  const label = (f) => { /* the card's label, else the map's */
    const c = state.result && (state.result.ideas || []).find((x) => x.field === f);
    const m = state.map && state.map.fields.find((x) => x.field === f);
    const l = c ? c.label : m ? m["label_" + state.lang] : "";
    return l ? `${f} ${l}` : f;
  };
  const row = (kind, value, text, undo) => {
    const li = el("li");
    li.dataset.kind = kind;
    li.dataset.value = value;
    li.appendChild(el("span", "k", tr("ws_" + kind)));
    li.appendChild(el("span", "what", text));
    const b = el("button", "undo link", tr("undo"));
    b.type = "button";
    b.title = tr("undo_title", text);
    b.addEventListener("click", () => wsDecide(undo, kind === "kept" || kind === "rejected" ? value : null));
    li.appendChild(b);
    ul.appendChild(li);
  };
  for (const w of ws.strike) {
    row("strike", w, w, (x) => { x.strike = x.strike.filter((y) => y !== w); });
    const pairs = sensePairs(w);
    if (pairs.length) ul.lastChild.appendChild(rememberButton(w, pairs));
  }
  for (const d of ["kept", "rejected"])
    for (const c of ws.cards.filter((x) => x.decision === d))
      row(d, c.field, label(c.field) + (c.note ? ` — ${c.note}` : ""),
        (x) => { keepNote(c); x.cards = x.cards.filter((y) => y.field !== c.field); });
  if (ws.focus && ws.focus.length) row("focus", ws.focus.join(","), ws.focus.join(", "), (x) => { delete x.focus; });
  else if (ws.focus_text) row("focus_text", "", [...ws.focus_text].slice(0, 40).join(""), (x) => { delete x.focus_text; });
}

async function runQuery(f) {
  if (!f.q) { setState("ready", tr("ready")); return; }
  if (f.task === "match") return runMatch(f);
  const body = formBody(f, { lang: state.lang });
  setState("busy", tr("busy"));
  $("run").disabled = true;
  const t0 = performance.now();
  let note = "";
  try {
    let res = null;
    const r = await resolveQuery(f.q);
    document.body.dataset.kind = r.kind;
    if (r.kind === "number") { showNoNumber(f, r); return; }
    state.ws = null;
    if (r.kind === "id") {
      await wsLoad(r.id.id);
      wsBody(body);
      res = await api("/api/ideas", Object.assign({ id: r.id.id }, body));
      setReport("ideas", Object.assign({ id: r.id.id }, body));
      state.ideasBody = Object.assign({ id: r.id.id }, body);
      if (r.match === "normalised") note = tr("read_as", f.q, r.id.id);
    }
    if (!res) {
      await wsLoad({ text: f.q }); /* the text's own sheet: steered as a patent's list */
      wsBody(body);
      res = await api("/api/ideas", Object.assign({ text: f.q }, body));
      setReport("ideas", Object.assign({ text: f.q }, body));
      state.ideasBody = Object.assign({ text: f.q }, body);
    }
    const a = await takeAnswer(res, renderResult, t0);
    if (a.filter) note = a.filter + (note ? " " + note : "");
    const remade = remadeNote(res);
    if (remade) note = remade + (note ? " " + note : "");
    state.note = note;
    const nshown = Number(document.body.dataset.cards || 0), nrest = (state.rest || []).length;
    /* fewer shown than asked: the list's rule says why */
    const more = nshown < (Number(body.n) || 10) ? "done_more_few" : "done_more";
    setState("done", (res.ideas.length ? (nrest ? tr(more, nshown, nrest, a.ms) : tr("done", nshown, a.ms))
                                       : tr("none")) + (note ? " " + note : ""));
  } catch (e) {
    setState("error", `${tr("error")}: ${e.message}`);
  } finally {
    $("run").disabled = false;
  }
}

/* After a decision (state.before): the status line's note that the list
 * was made again and how many of the other cards shown before changed
 * their confidence or place; "" for any other answer. */
function remadeNote(res) {
  const b = state.before;
  state.before = null;
  if (!b || !res.ideas) return "";
  let n = 0;
  for (const it of res.ideas) {
    const was = b.cards.get(it.field);
    if (!was || it.field === b.field) continue;
    if (was[0] !== (it.pos || it.rank) || was[1] !== pctText(it.confidence)) n++;
  }
  const gone = [...b.cards.keys()].filter((f) => f !== b.field && !res.ideas.some((i) => i.field === f)).length;
  return tr("remade", n + gone);
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

/* A 0..1 confidence as the terminal says it: 13%, 0.4%. */
function pctText(c) {
  if (c === null || c === undefined) return state.lang === "ja" ? "推定できません" : "cannot be estimated";
  c = Number(c);
  if (c > 0 && c < 0.0005) return "<0.1%";
  return c > 0 && c < 0.0095 ? `${(100 * c).toFixed(1)}%` : `${Math.round(100 * c)}%`;
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

/* The chips of row made strikable: a click strikes the word (another sense
 * here), saved in the sheet, and the list made again. */
function strikeRow(row) {
  row.querySelectorAll(".chip").forEach((c) => {
    c.classList.add("strikable");
    c.title = tr("strike_hint");
    c.addEventListener("click", () => wsDecide((ws) => { if (!ws.strike.includes(c.textContent)) ws.strike.push(c.textContent); }));
  });
  return row;
}

function renderCard(it, maxScore, maxSurprise) {
  const li = el("li", "card" + (it.expected ? " expected" : ""));
  li.dataset.field = it.field;
  const head = el("div", "card-head");
  head.appendChild(el("span", "rank", `${it.pos || it.rank}.`));
  if (it.band_label) head.appendChild(el("span", "badge band band-" + it.band, it.band_label));
  head.appendChild(el("span", "code", it.field));
  if (it.also_fields && it.also_fields.length) {
    /* one idea, one card: the subclasses proposed on the same evidence */
    const a = el("span", "also", "+ " + it.also_fields.join(", "));
    a.title = tr("also");
    head.appendChild(a);
  }
  head.appendChild(el("span", "label", it.label));
  if (!it.expected) head.appendChild(el("span", "badge", tr("unexpected")));
  li.appendChild(head);
  const m = el("div", "metrics");
  metric(m, tr("score") + " %", it.confidence * 100, it.confidence, "", it.confidence > 0 && it.confidence < 0.0095 ? 1 : 0);
  metric(m, tr("surprise"), it.unexpected, it.unexpected, "surprise", 2);
  li.appendChild(m);
  if (it.weak_reason) li.appendChild(el("p", "weak", it.weak_reason));
  if (it.bridge_terms && it.bridge_terms.length) {
    const row = chipRow(tr("bridge"), it.bridge_terms);
    li.appendChild(state.ws ? strikeRow(row) : row);
  }
  if (it.struck && it.struck.length) li.appendChild(chipRow(tr("struck"), it.struck, "struck"));
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
  if (state.ws) li.appendChild(decideRow(it, li, head));
  li.addEventListener("mouseenter", () => highlight(it.field, true));
  li.addEventListener("mouseleave", () => highlight(it.field, false));
  return li;
}

/* Keep / reject with a note; a kept card shows its note. */
function decideRow(it, li, head) {
  const c = wsCard(it.field), row = el("div", "decide");
  if (c && c.decision === "kept") {
    li.classList.add("kept");
    head.appendChild(el("span", "badge kept", tr("kept_badge")));
  }
  if (c && c.note) li.appendChild(el("p", "note", c.note));
  const note = el("input", "note");
  note.type = "text";
  note.placeholder = tr("note_ph");
  note.value = (c && c.note) || (state.undoneNotes || {})[it.field] || "";
  note.maxLength = 2000;
  const decide = (d) => wsDecide((ws) => {
    let k = ws.cards.find((x) => x.field === it.field);
    if (!k) ws.cards.push(k = { field: it.field, decision: d });
    k.decision = d;
    if (note.value.trim()) k.note = note.value.trim(); else delete k.note;
  }, it.field);
  for (const d of ["kept", "rejected"]) {
    const undo = d === "kept" && c && c.decision === "kept";
    const b = el("button", "decide-" + d + (undo ? " undo" : ""), tr(undo ? "unkeep" : d === "kept" ? "keep" : "reject"));
    b.type = "button";
    b.addEventListener("click", () => undo
      ? wsDecide((ws) => { keepNote(c); ws.cards = ws.cards.filter((x) => x.field !== it.field); }, it.field)
      : decide(d));
    row.appendChild(b);
  }
  row.appendChild(note);
  return row;
}

/* The list the judge shows by default (each card's "shown" position), and
 * the answer's other cards, which "more" adds first. */
function judgedList(ideas) {
  const shown = ideas.filter((i) => i.shown > 0).sort((a, b) => a.shown - b.shown);
  if (!shown.length) return { shown: ideas, rest: [] };
  return { shown, rest: ideas.filter((i) => !(i.shown > 0)) };
}

/* "more": the answer's cards the list did not show, then the next cards of
 * the same list (offset), added below. */
async function moreCards() {
  if (!state.result || !state.ideasBody) return;
  if (state.rest && state.rest.length) {
    /* the cards the list was picked from, as many at a time as it asked */
    const t1 = performance.now(), add = state.rest.splice(0, Number(state.ideasBody.n) || 10);
    add.forEach((it, k) => { it.pos = state.result.ideas.length + k + 1; });
    state.result.ideas = state.result.ideas.concat(add);
    const maxScore = Math.max(0, ...state.result.ideas.map((i) => i.score));
    for (const it of add) $("cards").appendChild(renderCard(it, maxScore, 0));
    document.body.dataset.cards = String(state.result.ideas.length);
    setState("done", tr("done", state.result.ideas.length, Math.round(performance.now() - t1)) +
      (state.note ? " " + state.note : ""));
    await loadPoints(state.result);
    return;
  }
  const shown = state.result.ideas.length, t0 = performance.now();
  try {
    const res = await api("/api/ideas", Object.assign({}, state.ideasBody, { offset: shown }));
    state.result.ideas = state.result.ideas.concat(res.ideas);
    const maxScore = Math.max(0, ...state.result.ideas.map((i) => i.score));
    for (const it of res.ideas) $("cards").appendChild(renderCard(it, maxScore, 0));
    document.body.dataset.cards = String(state.result.ideas.length);
    $("more").hidden = res.ideas.length === 0;
    /* the status counts the cards shown now, the map and its table show them */
    setState("done", tr("done", state.result.ideas.length, Math.round(performance.now() - t0)) +
      (state.note ? " " + state.note : ""));
    await loadPoints(state.result);
  } catch (e) { setState("error", `${tr("error")}: ${e.message}`); }
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
  /* an ideas answer: the judge's list first; a match's uses: all */
  const list = res.matches ? { shown: res.ideas, rest: [] } : judgedList(res.ideas);
  state.rest = list.rest;
  res.ideas = list.shown; /* what the page shows (map, counts, decisions) */
  list.shown.forEach((it, k) => { it.pos = k + 1; }); /* numbered as read */
  for (const it of list.shown) cards.appendChild(renderCard(it, maxScore, maxSurprise));
  document.body.dataset.cards = String(list.shown.length);
  $("more").hidden = !res.ideas.length || !!res.matches;
  wsStatus();
  focusBox(q.id || null); /* a text's list: the typed focus alone */
  /* what the bands are (the judge's, not the confidence's order) */
  let bn = $("bandnote");
  if (!bn) {
    bn = el("p", "bandnote");
    bn.id = "bandnote";
    $("queryinfo").after(bn);
  }
  const lg = !res.matches && res.legend && res.legend.bands;
  bn.textContent = lg ? (lg[state.lang] || lg.ja || "") : "";
  bn.hidden = !bn.textContent;
  renderWarnings(res);
  drawMap();
}

function highlight(field, on) {
  document.querySelectorAll(`#map [data-field="${CSS.escape(field)}"]`).forEach((c) => c.classList.toggle("hl", on));
  document.querySelectorAll(`#cards [data-field="${CSS.escape(field)}"]`).forEach((c) => c.classList.toggle("hl", on));
  document.querySelectorAll(`#maptable [data-field="${CSS.escape(field)}"]`).forEach((c) => c.classList.toggle("hl", on));
}

/* ------------------------------------------------------------- the map */

/*
 * The landscape map. Every field is a grey dot at its place on the two
 * principal axes (/api/map); the home fields are ringed, the proposals are
 * orange and sized by score, the evidence patents are green dots placed by
 * their own vectors (/api/map?doc=), each with a thin line to the field it
 * supports, and the query is a cross. Labels are placed by the server for
 * the rectangle shown (GET /api/map?view=...&label=CODE,R...&mark=X,Y,R),
 * collision-free, home and proposals first, then the largest fields in view;
 * what does not fit is in the table beside the map, which lists every
 * marked point for keyboard and screen-reader users.
 *
 * Zoom and pan change state.view (a rectangle in map coordinates with the
 * picture's aspect ratio): wheel or +/- zooms at the pointer or the centre,
 * dragging or the arrow keys pan, 0 or the reset button shows everything.
 * The dots are redrawn at once; the labels are asked for again after the
 * movement stops (MAP_LABEL_WAIT ms) and drawn when they come.
 */
const MAP_W = 640, MAP_H = 520, MAP_PAD = 28, MAP_LABEL_WAIT = 120, MAP_LARGEST = 10;

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

/* Everything drawn on the map for the current result: fields by code,
 * proposals, home codes, evidence with the fields they support, the query
 * and the selected patent (map coordinates). */
function mapModel() {
  const fields = state.map.fields, res = state.result, pts = state.points;
  const byCode = new Map(fields.map((f) => [f.field, f]));
  const maxDocs = Math.max(1, ...fields.map((f) => f.documents));
  const home = res ? (res.query.home || []).filter((c) => byCode.has(c)) : [];
  const props = res ? (res.ideas || []).filter((i) => byCode.has(i.field)) : [];
  const maxScore = Math.max(1e-9, ...props.map((i) => i.score));
  const supports = new Map(), titles = new Map();
  for (const it of props) for (const ev of it.evidence) {
    titles.set(ev.id, ev.title);
    if (!supports.has(ev.id)) supports.set(ev.id, []);
    supports.get(ev.id).push(it.field);
  }
  const evidence = pts && res ? (pts.docs || []).map((d) => ({ id: d.id, x: d.x, y: d.y, title: titles.get(d.id) || "", fields: supports.get(d.id) || [] })) : [];
  return {
    fields, byCode, home, props, evidence, titles,
    query: pts && pts.query ? pts.query : null,
    radius: (f) => 2 + 9 * Math.sqrt(f.documents / maxDocs),
    propRadius: (it) => 4 + 10 * Math.sqrt(Math.max(0, it.score) / maxScore),
  };
}

/* The rectangle that shows every point, widened to the picture's aspect
 * ratio (so that both axes have one scale) with a margin. */
function fullView(m) {
  const xs = m.fields.map((f) => f.x), ys = m.fields.map((f) => f.y);
  for (const d of m.evidence) { xs.push(d.x); ys.push(d.y); }
  if (m.query) { xs.push(m.query.x); ys.push(m.query.y); }
  if (state.selected) { xs.push(state.selected.x); ys.push(state.selected.y); }
  let x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const s = Math.min((MAP_W - 2 * MAP_PAD) / ((x1 - x0) || 1), (MAP_H - 2 * MAP_PAD) / ((y1 - y0) || 1));
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, hw = MAP_W / s / 2, hh = MAP_H / s / 2;
  return [cx - hw, cy - hh, cx + hw, cy + hh];
}
function currentView(m) { return state.view || fullView(m); }

/* Zoom by factor f (> 1 in) about the map point (px, py) in pixels. */
function zoomAt(f, px, py) {
  if (!state.map) return;
  const m = mapModel(), v = currentView(m), full = fullView(m);
  const w = (v[2] - v[0]) / f, h = (v[3] - v[1]) / f;
  const fw = full[2] - full[0];
  if (w > fw * 1.0001) { state.view = null; drawMap(); return; } /* not past everything */
  if (w < fw / 60) return;                                        /* nor past 60 x */
  const mx = v[0] + (px / MAP_W) * (v[2] - v[0]), my = v[3] - (py / MAP_H) * (v[3] - v[1]);
  const ax = px / MAP_W, ay = py / MAP_H;
  state.view = [mx - ax * w, my - (1 - ay) * h, mx - ax * w + w, my - (1 - ay) * h + h];
  drawMap();
}
/* Pan by (dx, dy) pixels of the picture. */
function panBy(dx, dy) {
  if (!state.map) return;
  const v = currentView(mapModel());
  const kx = (v[2] - v[0]) / MAP_W, ky = (v[3] - v[1]) / MAP_H;
  state.view = [v[0] - dx * kx, v[1] + dy * ky, v[2] - dx * kx, v[3] + dy * ky];
  drawMap();
}

/* Pixel position of the pointer event e on the picture. */
function mapPoint(e) {
  const r = $("map").getBoundingClientRect();
  return [(e.clientX - r.left) * MAP_W / r.width, (e.clientY - r.top) * MAP_H / r.height];
}

function mapControls() {
  const box = $("map");
  box.addEventListener("wheel", (e) => {
    e.preventDefault();
    const [px, py] = mapPoint(e);
    zoomAt(e.deltaY < 0 ? 1.25 : 0.8, px, py);
  }, { passive: false });
  let drag = null;
  box.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    drag = { p: mapPoint(e), id: e.pointerId, moved: false };
  });
  box.addEventListener("pointermove", (e) => {
    if (!drag || e.pointerId !== drag.id) return;
    const p = mapPoint(e), dx = p[0] - drag.p[0], dy = p[1] - drag.p[1];
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 3) return;
    if (!drag.moved) { drag.moved = true; box.setPointerCapture(e.pointerId); box.classList.add("dragging"); }
    drag.p = p;
    panBy(dx, dy);
  });
  const end = () => { drag = null; box.classList.remove("dragging"); };
  box.addEventListener("pointerup", end);
  box.addEventListener("pointercancel", end);
  box.addEventListener("keydown", (e) => {
    const k = e.key, step = 40;
    if (k === "+" || k === "=") zoomAt(1.25, MAP_W / 2, MAP_H / 2);
    else if (k === "-" || k === "_") zoomAt(0.8, MAP_W / 2, MAP_H / 2);
    else if (k === "0") { state.view = null; drawMap(); }
    else if (k === "ArrowLeft") panBy(step, 0);
    else if (k === "ArrowRight") panBy(-step, 0);
    else if (k === "ArrowUp") panBy(0, step);
    else if (k === "ArrowDown") panBy(0, -step);
    else return;
    e.preventDefault();
  });
  $("zoom-in").addEventListener("click", () => zoomAt(1.5, MAP_W / 2, MAP_H / 2));
  $("zoom-out").addEventListener("click", () => zoomAt(1 / 1.5, MAP_W / 2, MAP_H / 2));
  $("zoom-reset").addEventListener("click", () => { state.view = null; drawMap(); });
}

/* The label request of the picture v: proposals and home fields first (with
 * the radii drawn), then the largest fields in view; evidence, query and
 * selection as marks that labels must not cover. */
function labelQuery(m, v) {
  const p = new URLSearchParams();
  p.set("fields", "0");
  p.set("view", v.map((a) => a.toPrecision(8)).join(","));
  p.set("size", `${MAP_W}x${MAP_H}`);
  p.set("largest", String(MAP_LARGEST));
  p.set("lang", state.lang);
  for (const c of m.home) p.append("label", `${c},${(m.radius(m.byCode.get(c)) + 3).toFixed(1)}`);
  for (const it of m.props) if (!m.home.includes(it.field)) p.append("label", `${it.field},${m.propRadius(it).toFixed(1)}`);
  for (const d of m.evidence.slice(0, 180)) p.append("mark", `${d.x.toPrecision(8)},${d.y.toPrecision(8)},3`);
  if (m.query) p.append("mark", `${m.query.x.toPrecision(8)},${m.query.y.toPrecision(8)},9`);
  if (state.selected) p.append("mark", `${state.selected.x.toPrecision(8)},${state.selected.y.toPrecision(8)},8`);
  return p.toString();
}

let labelTimer = null, labelSeq = 0;
/* Ask for the labels of query string qs unless they are the ones held. */
function requestLabels(qs) {
  if (state.labels && state.labels.qs === qs) return;
  clearTimeout(labelTimer);
  const seq = ++labelSeq;
  labelTimer = setTimeout(async () => {
    try {
      const r = await api("/api/map?" + qs);
      if (seq !== labelSeq) return;
      state.labels = { qs, labels: r.labels || [], left_out: r.left_out || [] };
    } catch (e) {
      if (seq !== labelSeq) return;
      state.labels = { qs, labels: [], left_out: [], error: e.message };
    }
    drawMap();
  }, state.labels ? MAP_LABEL_WAIT : 0);
}

/* The map rectangle into the address (#zoom=), so that a zoom is kept in
 * a bookmark; removed when everything is shown. */
function viewToHash() {
  const p = new URLSearchParams(location.hash.replace(/^#/, ""));
  if (state.view) p.set("zoom", state.view.map((a) => a.toPrecision(6)).join(","));
  else p.delete("zoom");
  const h = "#" + p.toString();
  if (location.hash !== h && p.get("q")) history.replaceState(null, "", h);
}

function drawMap() {
  const box = $("map");
  const title = $("maptitle");
  box.replaceChildren(title);
  title.textContent = tr("map");
  if (!state.map) { $("mapnote").textContent = tr("nomap"); return; }
  const m = mapModel(), v = currentView(m);
  const W = MAP_W, H = MAP_H, sx = W / (v[2] - v[0]), sy = H / (v[3] - v[1]);
  const X = (x) => (x - v[0]) * sx, Y = (y) => (v[3] - y) * sy;
  const inView = (x, y, r) => X(x) > -r && X(x) < W + r && Y(y) > -r && Y(y) < H + r;
  const fmt = (a) => a.toFixed(1);
  box.appendChild(svg("line", { class: "axis", x1: fmt(X(0)), y1: 0, x2: fmt(X(0)), y2: H }));
  box.appendChild(svg("line", { class: "axis", x1: 0, y1: fmt(Y(0)), x2: W, y2: fmt(Y(0)) }));
  const label = (f) => (state.lang === "ja" ? f.label_ja : f.label_en);
  const home = new Set(m.home), props = new Set(m.props.map((i) => i.field));
  const gFields = svg("g", {}), gLinks = svg("g", {}), gHi = svg("g", {}), gText = svg("g", { class: "labels" });
  /* large fields first so that small ones stay on top and hoverable */
  const order = m.fields.slice().sort((a, b) => b.documents - a.documents);
  for (const f of order) {
    const r = m.radius(f);
    if (home.has(f.field) || props.has(f.field) || !inView(f.x, f.y, r)) continue;
    const c = svg("circle", { class: "field", cx: fmt(X(f.x)), cy: fmt(Y(f.y)), r: fmt(r) });
    c.dataset.field = f.field;
    hoverable(c, `${f.field} ${label(f)} — ${f.documents} ${tr("docs")}`);
    gFields.appendChild(c);
  }
  /* from the query to each proposal (how far it travels), and from each
   * evidence patent to the field it supports */
  if (m.query) for (const it of m.props) {
    const f = m.byCode.get(it.field);
    gLinks.appendChild(svg("line", { class: "link-line", x1: fmt(X(m.query.x)), y1: fmt(Y(m.query.y)), x2: fmt(X(f.x)), y2: fmt(Y(f.y)) }));
  }
  for (const d of m.evidence) for (const code of d.fields) {
    const f = m.byCode.get(code);
    gLinks.appendChild(svg("line", { class: "ev-line", x1: fmt(X(d.x)), y1: fmt(Y(d.y)), x2: fmt(X(f.x)), y2: fmt(Y(f.y)) }));
  }
  for (const code of m.home) {
    const f = m.byCode.get(code);
    const c = svg("circle", { class: "home", cx: fmt(X(f.x)), cy: fmt(Y(f.y)), r: fmt(m.radius(f) + 3) });
    c.dataset.field = f.field;
    hoverable(c, `${tr("home_fields")}: ${f.field} ${label(f)} — ${f.documents} ${tr("docs")}`);
    gHi.appendChild(c);
  }
  for (const it of m.props) {
    const f = m.byCode.get(it.field);
    const c = svg("circle", { class: "prop", cx: fmt(X(f.x)), cy: fmt(Y(f.y)), r: fmt(m.propRadius(it)) });
    c.dataset.field = f.field;
    hoverable(c, `${it.pos || it.rank}. ${it.field} ${it.label} — ${tr("score")} ${Number(it.score).toFixed(3)}, ${tr("surprise")} ${Number(it.surprise).toFixed(2)}`);
    c.addEventListener("mouseenter", () => highlight(it.field, true));
    c.addEventListener("mouseleave", () => highlight(it.field, false));
    gHi.appendChild(c);
  }
  for (const d of m.evidence) {
    const c = svg("circle", { class: "ev", cx: fmt(X(d.x)), cy: fmt(Y(d.y)), r: 3 });
    c.dataset.id = d.id;
    hoverable(c, `${d.id} ${d.title} → ${d.fields.join(", ")}`);
    c.addEventListener("click", () => showPatent(d.id));
    gHi.appendChild(c);
  }
  if (m.query) {
    const cx = X(m.query.x), cy = Y(m.query.y);
    const p = svg("path", { class: "query", d: `M${fmt(cx - 3)},${fmt(cy - 9)}h6v6h6v6h-6v6h-6v-6h-6v-6h6z` });
    hoverable(p, state.result && state.result.query.id ? `${state.result.query.id} ${state.result.query.title || ""}` : tr("results_for_text"));
    gHi.appendChild(p);
  }
  if (state.selected) gHi.appendChild(svg("circle", { class: "sel", cx: fmt(X(state.selected.x)), cy: fmt(Y(state.selected.y)), r: 8 }));
  /* the labels placed by the server for exactly this picture */
  const qs = labelQuery(m, v);
  const L = state.labels && state.labels.qs === qs ? state.labels : null;
  if (L) {
    const role = (c) => (home.has(c) ? "homel" : props.has(c) ? "propl" : "");
    for (const l of L.labels) {
      const t = svg("text", { x: fmt(l.x + 2), y: fmt(l.y + l.h - 3.5) });
      t.setAttribute("class", role(l.field));
      t.dataset.field = l.field;
      t.dataset.box = [l.x, l.y, l.w, l.h].map((a) => a.toFixed(2)).join(",");
      t.textContent = l.text;
      gText.appendChild(t);
    }
  }
  box.append(gFields, gLinks, gHi, gText);
  box.dataset.fields = String(m.fields.length);
  box.dataset.proposals = String(m.props.length);
  box.dataset.evidence = String(m.evidence.length);
  box.dataset.zoom = state.view ? ((fullView(m)[2] - fullView(m)[0]) / (v[2] - v[0])).toFixed(2) : "1";
  box.dataset.labels = L ? String(L.labels.length) : "pending";
  const va = state.map.variance || [0, 0];
  $("mapnote").textContent = tr("mapnote", (100 * va[0]).toFixed(0), (100 * va[1]).toFixed(0));
  drawTable(m, L, (f) => inView(f.x, f.y, 0));
  viewToHash();
  if (!L) requestLabels(qs);
  else if (L.labels.length) checkLabelBoxes();
}

/* After the labels are drawn: the drawn text must lie inside the box the
 * server placed (so boxes that do not overlap hold text that does not);
 * data-label-overflow counts those that do not (tests/e2e.sh). */
function checkLabelBoxes() {
  let over = 0;
  document.querySelectorAll("#map g.labels text").forEach((t) => {
    const b = t.dataset.box.split(",").map(Number), bb = t.getBBox();
    if (bb.width > 0 && (bb.x < b[0] - 0.5 || bb.x + bb.width > b[0] + b[2] + 0.5)) over++;
  });
  $("map").dataset.labelOverflow = String(over);
}

/* The table beside the map: every point drawn that carries meaning, with
 * what the picture only suggests — the true similarity of the query to the
 * field (cosine in the full LSA space, from /api/map's query.similarity) —
 * and the evidence with the fields they support. Rows are keyboard
 * reachable; a field row highlights its card and marker, an evidence row
 * opens the patent. */
function drawTable(m, L, visible) {
  const tb = $("maptable-body");
  tb.replaceChildren();
  const placed = new Set(L ? L.labels.map((l) => l.field) : []);
  const sim = state.points && state.points.query && state.points.query.similarity;
  const idx = new Map(state.map.fields.map((f, i) => [f.field, i]));
  const label = (f) => (state.lang === "ja" ? f.label_ja : f.label_en);
  const rows = [];
  for (const c of m.home) rows.push({ role: tr("t_home"), f: m.byCode.get(c) });
  for (const it of m.props) rows.push({ role: `${tr("t_prop")} ${it.pos || it.rank}`, f: m.byCode.get(it.field), it });
  if (L) for (const l of L.labels) if (!m.home.includes(l.field) && !m.props.some((i) => i.field === l.field))
    rows.push({ role: tr("t_large"), f: m.byCode.get(l.field) });
  for (const r of rows) {
    if (!r.f) continue;
    const tr_ = el("tr");
    tr_.dataset.field = r.f.field;
    tr_.appendChild(el("td", null, r.role));
    const td = el("td");
    const b = el("button", "link", r.f.field);
    b.type = "button";
    b.addEventListener("focus", () => highlight(r.f.field, true));
    b.addEventListener("blur", () => highlight(r.f.field, false));
    b.addEventListener("click", () => centreOn(r.f.x, r.f.y));
    td.appendChild(b);
    tr_.appendChild(td);
    tr_.appendChild(el("td", null, label(r.f)));
    tr_.appendChild(el("td", "num", r.f.documents));
    const s = sim && idx.has(r.f.field) ? sim[idx.get(r.f.field)] : null;
    tr_.appendChild(el("td", "num", s === null || s === undefined ? "-" : Number(s).toFixed(3)));
    tr_.appendChild(el("td", null, placed.has(r.f.field) ? "✓" : !visible(r.f) ? tr("t_outside") : L ? tr("t_unlabelled") : ""));
    tb.appendChild(tr_);
  }
  for (const d of m.evidence) {
    const tr_ = el("tr", "evrow");
    tr_.appendChild(el("td", null, tr("t_ev")));
    const td = el("td");
    const b = el("button", "link", d.id);
    b.type = "button";
    b.addEventListener("click", () => showPatent(d.id));
    td.appendChild(b);
    tr_.appendChild(td);
    tr_.appendChild(el("td", null, d.title));
    tr_.appendChild(el("td", "num", ""));
    tr_.appendChild(el("td", null, "→ " + d.fields.join(", ")));
    tr_.appendChild(el("td", null, ""));
    tb.appendChild(tr_);
  }
  $("maptable").dataset.rows = String(tb.children.length);
}

/* Zoom in 3 x on the map point (x, y) (a table row's button). */
function centreOn(x, y) {
  const m = mapModel(), full = fullView(m);
  const w = (full[2] - full[0]) / 3, h = (full[3] - full[1]) / 3;
  state.view = [x - w / 2, y - h / 2, x + w / 2, y + h / 2];
  drawMap();
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
    if (p.abstract) { /* kept by the index (section "abstracts") */
      body.appendChild(el("h4", null, tr("abstract")));
      body.appendChild(el("p", "abstract", p.abstract));
    }
    if (p.open) body.appendChild(el("span", "badge open", tr("open_badge")));
    /* its applicability profile (GET /api/profile), filled when it comes */
    const prof = el("div", "profile");
    prof.appendChild(el("div", "k", tr("profile")));
    prof.appendChild(el("p", "muted", tr("profile_loading")));
    body.appendChild(prof);
    api(`/api/profile?id=${encodeURIComponent(p.id)}&lang=${state.lang}`)
      .then((r) => { if (panel.dataset.patent === p.id && r.profiles[0]) fillProfile(prof, r.profiles[0]); })
      .catch(() => prof.remove());
    const act = el("div", "actions");
    const b = el("button", null, tr("ideas_for"));
    b.type = "button";
    b.addEventListener("click", () => {
      panel.hidden = true;
      $("q").value = p.id;
      /* as the results' link: keywords that found the patent are no filter of its ideas */
      $("keywords").value = "";
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

/* The ideas answer as CSV: the server writes it (POST /api/ideas.csv, the
 * body of the answer shown), byte for byte what `tenyo ideas --csv --bom`
 * writes for the same query. */
async function resultCsv() {
  const r = await fetch("/api/ideas.csv", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(state.ideasBody) });
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  return r.arrayBuffer(); /* its bytes: r.text() would drop the byte-order mark */
}

/* The matches of a company query: one row per licensable patent, its uses
 * and its profile as far as loaded. */
/* Keyword search results as CSV (the columns of tenyo search --json). */
function searchCsv(res) {
  const rows = [["rank", "id", "title", "applicant", "date", "fields", "score", "link"].join(",")];
  for (const r of res.results)
    rows.push([r.rank, csvCell(r.id, true), csvCell(r.title, true), csvCell(r.applicant, true),
      csvCell(r.date, true), csvCell((r.fields || []).join(","), true), r.score.toFixed(4),
      csvCell(r.link, true)].join(","));
  return "\ufeff" + rows.join("\r\n") + "\r\n";
}

function matchCsv(res) {
  const head = ["rank", "id", "title", "applicant", "date", "fields", "similarity", "band",
    "weak_reason", "confidence", "uses", "profile_fields", "profile_farthest", "link"];
  const rows = [head.join(",")];
  for (const m of res.matches) {
    const box = document.querySelector(`#cards li.match[data-id="${CSS.escape(m.id)}"] .profile`);
    const pf = box && box.dataset.proposals !== undefined ? box.dataset.proposals : "";
    const far = box ? (box.querySelector(".profile-line") || { textContent: "" }).textContent : "";
    rows.push([m.rank, csvCell(m.id, true), csvCell(m.title, true), csvCell(m.applicant, true),
      csvCell(m.date, true), csvCell((m.fields || []).join(","), true), m.similarity.toFixed(4),
      csvCell(m.band_label || "", true), csvCell(m.weak_reason || "", true),
      m.confidence === null ? "" : m.confidence.toFixed(4),
      csvCell(m.application ? m.application.use : (m.uses || []).map((u) => u.use).join(" / "), true), pf,
      csvCell(far, true), csvCell(m.link, true)].join(","));
  }
  return "\ufeff" + rows.join("\r\n") + "\r\n";
}

function exportName(ext) {
  const q = state.result.query;
  const base = (q.id || (state.result.matches ? "company" : "text")).replace(/[^\w.-]+/g, "_").slice(0, 60) || "result";
  return `tenyo-${state.result.matches ? "match" : "ideas"}-${base}.${ext}`;
}

/* --------------------------------------------------------------- start */

function submit() {
  const f = readForm();
  const h = formToHash(f);
  if (location.hash !== h) history.replaceState(null, "", h);
  runQuery(f);
}

async function start() {
  /* #zoom=X0,Y0,X1,Y1: the map rectangle of a bookmarked zoom (read first:
   * drawing the map rewrites the address) */
  const z = (new URLSearchParams(location.hash.replace(/^#/, "")).get("zoom") || "").split(",").map(Number);
  try { state.options = (await api("/api/ideas/options")).options; } catch (e) { state.options = null; }
  buildForm();
  const f = hashToForm();
  writeForm(f);
  applyLang();
  setState("loading", tr("loading"));
  $("query").addEventListener("submit", (e) => { e.preventDefault(); submit(); });
  $("kwsearch").addEventListener("click", () => runSearch());
  $("keywords").addEventListener("keydown", (e) => { if (e.key === "Enter" && !$("q").value.trim()) { e.preventDefault(); runSearch(); } });
  $("q").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) submit(); });
  for (const l of ["ja", "en"]) {
    $(`lang-${l}`).addEventListener("click", () => {
      if (state.lang === l) return;
      state.lang = l;
      applyLang();
      if (state.result) submit(); else setState(document.body.dataset.state, tr("ready"));
    });
  }
  mapControls();
  for (const t of ["ideas", "match"]) {
    $(`task-${t}`).addEventListener("click", () => {
      if (state.task === t) return;
      state.task = t;
      applyTask();
      state.result = null;
      $("result").hidden = true;
      setState("ready", tr("ready"));
      drawMap();
    });
  }
  $("more").addEventListener("click", moreCards);
  $("focustext-apply").addEventListener("click", () => wsDecide((ws) => {
    const t = $("focustext").value.trim();
    delete ws.focus;
    if (t) ws.focus_text = t; else delete ws.focus_text;
  }));
  $("focus-apply").addEventListener("click", () => {
    const n = [...document.querySelectorAll("#sentences input:checked")].map((c) => Number(c.value));
    /* nothing ticked and no focus to take back: say what to do first */
    $("focus-hint").textContent = !n.length && !(state.ws && state.ws.focus && state.ws.focus.length) ? tr("focus_none") : "";
    if ($("focus-hint").textContent) return;
    wsDecide((ws) => {
      delete ws.focus_text;
      if (n.length) ws.focus = n; else delete ws.focus;
    });
  });
  $("detail-close").addEventListener("click", () => { $("detail").hidden = true; state.selected = null; drawMap(); });
  $("export-csv").addEventListener("click", async () => {
    if (!state.result) return;
    const r = state.result;
    try {
      /* with a UTF-8 byte-order mark, as Excel needs (the server's already has it) */
      download(exportName("csv"), "text/csv;charset=utf-8",
        r.matches ? "\ufeff" + matchCsv(r) : r.results ? "\ufeff" + searchCsv(r) : await resultCsv());
    } catch (e) { setState("error", `${tr("error")}: ${e.message}`); }
  });
  $("export-json").addEventListener("click", () => { if (state.result) download(exportName("json"), "application/json", JSON.stringify(state.result, null, 2) + "\n"); });
  try {
    state.info = await api("/api/info");
    try { state.map = await api("/api/map"); } catch (e) { state.map = null; }
    applyLang();
  } catch (e) {
    setState("error", `${tr("error")}: ${e.message}`);
    return;
  }
  await initUpdates();
  if (f.q) await runQuery(f);
  else if (f.filters.keywords && f.task === "ideas") await runSearch(); /* #kw= alone: a search */
  else setState("ready", tr("ready"));
  if (state.map && z.length === 4 && z.every(isFinite) && z[0] < z[2] && z[1] < z[3]) { state.view = z; drawMap(); }
  const pid = new URLSearchParams(location.hash.replace(/^#/, "")).get("patent");
  if (pid) await showPatent(pid);
}

/* ----------------------------------------------------- updating the index */

/*
 * On a server started with --writable the page takes a J-PlatPat export
 * (POST /api/add: added as `tenyo add` adds it) and a licensable list
 * (POST /api/licensable: as `tenyo open --from`). The file is sent with
 * XMLHttpRequest, whose upload events give the sending progress; while the
 * server applies it, /api/updates is polled for its stage. The outcome is
 * said with each skipped record's or unresolved line's file and line, and
 * the index's count and map are fetched again. Hidden on a read-only
 * server. #updates carries data-state (busy, done, error) for tests.
 */
async function initUpdates() {
  try { state.updates = await api("/api/updates"); } catch (e) { return; }
  $("updates").hidden = !state.updates.writable;
  if (!state.updates.writable) return;
  applyLang();
  $("upd-add").addEventListener("click", () => upload("add"));
  $("upd-list").addEventListener("click", () => upload("licensable"));
}

/* The server's messages about an upload (the library's, in English, for
 * the command line) as the page says them: in the page's language, with
 * the advice a page user can follow. A line of a licensable list that is
 * not in the index is said without the command line's "did you mean": the
 * list's numbers are the licensor's own, and a number near one is another
 * patent. A message not in the table is shown as the server wrote it. */
const UPD_SAY = [
  [/^(.*?): unknown input format .*nothing added$/, (m) => tr("upd_e_format", m[1])],
  [/^(.*?) holds more than (\d+) records.*nothing added$/, (m) => tr("upd_e_rows", m[1], Number(m[2]))],
  [/^(.*?): no patent record read \((\d+) skipped\); nothing added$/, (m) => tr("upd_e_norecord", m[1], m[2])],
  [/^(.*?): no patent number resolved to a patent of .*?\((\d+) lines? read\); the old list is kept$/, (m) => tr("upd_e_nolisted", m[1], m[2])],
  [/^(.*?): no patent number in the file$/, (m) => tr("upd_e_nonumber", m[1])],
  [/^(.*?) is empty; nothing changed$/, (m) => tr("upd_e_empty", m[1])],
  [/^the file is larger than this server's limit of (\d+) MiB/, (m) => tr("upd_toolarge", m[1])],
  [/^another upload \((.*?), (add|licensable)\) is being applied/, (m) => tr("upd_e_busy", m[1])],
  [/^(.*?):(\d+): malformed CSV row: (.*?); nothing loaded$/, (m) => tr("upd_e_csvrow", m[1], m[2], m[3])],
  [/^'(.*)' is not in the index(; did you mean .*)?$/, (m) => tr("upd_l_missing", m[1])],
  [/^no patent number in column (.*)$/, (m) => tr("upd_l_nocell", m[1])],
  [/^skipped: (.*)$/, (m) => tr("upd_l_skipped", m[1])],
];
function updText(msg) {
  for (const [re, f] of UPD_SAY) {
    const m = re.exec(msg || "");
    if (m) return f(m);
  }
  return msg || "";
}

function updSay(s, msg, said, more) {
  $("updates").dataset.state = s;
  $("upd-status").textContent = msg;
  $("upd-status").className = s === "error" ? "error" : "";
  const ul = $("upd-said");
  ul.replaceChildren();
  for (const l of said || []) ul.appendChild(el("li", null, `${l.file}:${l.line}: ${updText(l.message)}`));
  if (more) ul.appendChild(el("li", null, tr("upd_more", more)));
}

function updProgress(msg, done, total) {
  const p = $("upd-progress");
  p.hidden = false;
  if (total > 0) p.value = Math.min(1, done / total); else p.removeAttribute("value");
  $("upd-status").textContent = msg;
}

function upload(task) {
  const f = $(task === "add" ? "upd-add-file" : "upd-list-file").files[0];
  const mb = Math.round(state.updates.max_bytes / 1048576);
  if (!f) return updSay("error", tr("upd_nofile"));
  if (f.size > state.updates.max_bytes) return updSay("error", tr("upd_toolarge", mb));
  updSay("busy", "");
  $("upd-add").disabled = $("upd-list").disabled = true;
  const xhr = new XMLHttpRequest();
  xhr.open("POST", `/api/${task}?name=${encodeURIComponent(f.name)}`);
  xhr.upload.onprogress = (e) => updProgress(tr("upd_sending", f.name), e.loaded, e.lengthComputable ? e.total : 0);
  const poll = setInterval(async () => {
    try {
      const u = await api("/api/updates");
      if (u.busy && u.stage !== "receiving") updProgress(tr("upd_stage", u.file, u.stage), u.done, u.total);
    } catch (e) { /* the answer will say */ }
  }, 300);
  const end = () => { clearInterval(poll); $("upd-progress").hidden = true; $("upd-add").disabled = $("upd-list").disabled = false; };
  xhr.onerror = () => { end(); updSay("error", tr("upd_neterr")); };
  xhr.onload = async () => {
    end();
    let j = null;
    try { j = JSON.parse(xhr.responseText); } catch (e) { j = null; }
    if (xhr.status !== 200 || !j) return updSay("error", `${tr("error")}: ${j && j.error ? updText(j.error) : `HTTP ${xhr.status}`}`, j && j.said);
    const near = j.near_same || [], nnear = near.length + (j.near_same_more || 0);
    const msg = (task === "add" ? tr("upd_added", j) + (nnear ? tr("upd_near", nnear) : "") : tr("upd_listed", j)) +
      (j.warning ? ` ${j.warning}` : "");
    /* an add lists what it skipped, the merge's notes (which value of a
     * field was kept) and the records that changed nothing */
    const said = task === "add" ? [...near.map((l) => ({file: l.file, line: l.line, message: tr("upd_near_line", l.id, l.like, Number(l.similarity).toFixed(2))})),
      ...(j.skipped_records || []), ...(j.notes || []),
      ...(j.unchanged_records || []).map((l) => ({file: l.file, line: l.line, message: tr("upd_unchanged_line", l.id)}))]
      : j.unresolved_lines;
    updSay("done", msg, said, task === "add" ? (j.skipped_more || 0) + (j.notes_more || 0) + (j.unchanged_more || 0) + (j.near_same_more || 0) : j.unresolved_more);
    try {
      state.info = await api("/api/info");
      try { state.map = await api("/api/map"); } catch (e) { state.map = null; }
      state.labels = null;
      applyLang();
    } catch (e) { /* the outcome above stands */ }
  };
  xhr.send(f);
}

document.addEventListener("DOMContentLoaded", start);
