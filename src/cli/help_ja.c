/*
 * help_ja.c — the Japanese help: `tenyo --help` and `tenyo COMMAND --help`
 * in Japanese when the user's locale is Japanese, in English otherwise,
 * and the short hint of a usage error ("使い方: …" and "詳しくは 'tenyo
 * COMMAND --help'") likewise.
 *
 * The locale is read as POSIX orders it for messages: the first of
 * LC_ALL, LC_MESSAGES, LANG that is set and not empty; a value that is
 * "ja" or starts with "ja_", "ja." or "ja@" (ja_JP.UTF-8, ja_JP.eucJP,
 * ja_JP, ja) means Japanese. LANGUAGE (a GNU extension that only applies
 * when the locale is not C) is not read.
 *
 * The design: a table of whole Japanese help texts by command name, read
 * straight from the environment (cli_help_ja). Each command file keeps its
 * English text and prints its help through cli_help(english), one line
 * changed; a translation is a whole page, so its lines can be set as the
 * Japanese reader reads them rather than string by string.
 *
 * Rejected: GNU gettext. It needs setlocale() to succeed, and that fails
 * wherever the ja_JP locale is not generated (minimal Debian installs and
 * containers have only C and C.UTF-8), so a Japanese analyst there would
 * get English, and `make test` would have to run locale-gen as root. It
 * would also bring msgfmt and an installed .mo catalogue into the build,
 * and the uninstalled build/tenyo would need a bindtextdomain path of its
 * own.
 * The help texts are a few pages, not thousands of messages; a table is
 * easier to keep equal to the English (tests/man.sh compares the option
 * set of every command's Japanese and English help, and both with the
 * man pages) and needs no translator tooling. What reading and indexing
 * tell an analyst as they go — the progress line, the per-file report and
 * its warnings, the closing counts of index and add (input.c, cmd_index.c,
 * cmd_add.c) — follows cli_lang_ja too; errors and the library's record
 * messages stay English: they are quoted in reports and searched for.
 *
 * Keeping the two in step: an option added to an English help must be
 * added here too (tests/man.sh fails until it is), with man/tenyo.1 and
 * man/ja/tenyo.1. Option names, values and file names are never
 * translated; in the option lines the description starts after at least
 * two spaces, as in the English, and every line but the usage fits 80
 * columns, a Japanese character counting 2 (tests/man.sh checks both).
 *
 * Who calls whom: called by input.c, opts.c, tenyo.c, the commands (17);
 * calls views/state.c and the library (tenyo.h).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ======================================================= the locale */

int cli_lang_ja(void) {
    static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (!v || !*v) continue;
        return v[0] == 'j' && v[1] == 'a' &&
               (v[2] == 0 || v[2] == '_' || v[2] == '.' || v[2] == '@');
    }
    return 0;
}

/* ========================================================= the texts */

/* One command's Japanese help: "" is `tenyo --help` itself. */
typedef struct help_ja {
    const char *cmd;  /* the command's name, as in tenyo.c's table */
    const char *text; /* the whole help, its first 使い方 line the usage */
} help_ja;

static const help_ja texts[] = {
{"",
"tenyo " TENYO_VERSION_STRING " — この特許は、ほかにどこで使えるか\n"
"使い方: tenyo コマンド [オプション]   （詳しくは tenyo コマンド --help）\n"
"  index    JSONL / J-PlatPat の CSV / 特許庁の公報 XML から索引を作る\n"
"  similar  索引にある特許、または文章に似た特許\n"
"  search   キーワード検索：含むべき語・含まない語、TF-IDF の順\n"
"  ideas    特許を転用できそうな別の技術分野\n"
"  match    企業の得意技術から、使えそうなライセンス可能特許（川崎モデル）\n"
"  profile  ライセンス可能特許の用途プロファイル（JSON lines または CSV）\n"
"  serve    索引の HTTP API と分析用のブラウザ画面\n"
"  info     索引の中身、作り方、当てはめがどれだけ古くなったか\n"
"  add      索引に文献を追加する（新しいセグメント。作り直さない）\n"
"  delete   番号を指定して索引から文献を削除する\n"
"  rebuild  更新した索引を、生きている文献で当てはめ直す\n"
"  open     索引のライセンス可能特許の一覧を読み込む（または消す）\n"
"  senses   覚えた語義の区別: 二つの分野をつながない語\n"
"  check    索引のすべてのファイルを検査する。--repair で読めるものを残す\n"
"  eval     コーパスで similar（P@10）と ideas（再現率、意外性）を測る\n"
"  tokens   文章から形態素解析器が作る語を表示する\n"
"  bench    索引の問い合わせの処理量、待ち時間、再現率（QPS、p50/p95/p99）\n"
"  version  版を表示する（-V、--version でも）\n"
"終了コード: 0 正常、1 使い方の誤り、2 入力の誤り、3 索引の誤り、4 資源の不足\n"},

{"index",
"使い方: tenyo index -o INDEX [オプション] FILE...\n"
"特許の記録（JSONL、J-PlatPat の CSV、特許庁の公報 XML）から索引を作ります。\n"
"  -o, --output INDEX       書き出す索引ファイル（一度に置き換えます。既にある\n"
"                           ファイルは tenyo の索引で、ほかに書き込み中のもの\n"
"                           がないこと。シンボリックリンクならそのリンク先）\n"
"      --force              tenyo の索引でない通常のファイルも置き換える\n"
"  -f, --format F           auto|jsonl|jplatpat|jpo-xml（既定 auto）\n"
"  -e, --encoding E         入力の文字コード（既定: UTF-8/Shift_JIS/EUC-JP から\n"
"                           判定）\n"
"      --strict             不正な記録が 1 件でもあれば中止する（終了コード 2）\n"
"  -d, --dim K              LSA の次元数（既定 256。小さいコーパスではそれ以下）\n"
"  -t, --threads N          形態素解析と SVD のスレッド数（既定: 全コア）\n"
"      --min-df N           出現文献数が N 未満の語を除く（既定 2）\n"
"      --max-df R           出現文献の割合が R を超える語を除く（既定 0.5）\n"
"      --seed S             SVD の乱数の種（既定は固定値）\n"
"      --power-iters N      乱択 SVD のべき乗反復の回数（既定 1）\n"
"      --oversample N       乱択 SVD のオーバーサンプリング（既定 16）\n"
"      --max-terms N        各文献で重みの大きい N 語だけを残す（静的な枝刈り:\n"
"                           索引が小さくなる。既定はすべて）\n"
"      --no-abstracts       記録の要約を索引に残さない（既定では、ideas の根拠と\n"
"                           理由のために残す。その大きさは info が表示します）\n"
"      --shards N           分割した索引を書く: 連続した文献からなる N 個の\n"
"                           シャードと、-o の場所の目録（tenyo-mpi が書く形。\n"
"                           どのコマンドも読めます。add、delete、rebuild は\n"
"                           受け付けません）\n"
"      --dicdir DIR         MeCab の辞書（既定: システムの ipadic-utf8）\n"
"      --no-parts           複合名詞の構成語を残さない\n"
"      --stem               英語の語幹処理、Snowball English（既定）\n"
"      --no-stem            英語の語幹処理をしない\n"
"      --ivf[=LISTS]        近似検索のリスト（IVF）も作る（既定は文献数の平方根\n"
"                           の 4 倍のリスト数）。`similar --nprobe` で使います\n"
"      --f16                --ivf と一緒に: 文献ベクトルを float16 でも残す\n"
"                           （1 文献 1 次元あたり 2 バイト）。IVF の再採点に\n"
"                           使い、再現率が float のベクトルに近くなります\n"
"                           （info に表示）\n"
"      --ipc-titles FILE    IPC 分類表の TSV（特許庁の日本語版または英語版）。\n"
"                           そのタイトルを分野の名前として索引に記録する\n"
"                           （複数指定可）\n"
"      --open-list FILE     ライセンス可能特許: 1 行 1 番号、または番号の列がある\n"
"                           CSV（'tenyo open --help' を参照）\n"
"      --open-column C      --open-list の番号の列（見出しか、1 から数えた番号）\n"
"  -q, --quiet              記録ごとのメッセージを出さない\n"
"同じ番号が繰り返されたら、後の記録で前の記録を置き換えます（重複として数える）。\n"},

{"similar",
"使い方: tenyo similar INDEX (ID | --text TEXT | --file FILE) [オプション]\n"
"索引にある特許、または自由な文章に似た特許を、近似なしで探します。\n"
"ID は人が書くとおりに: 特開２０２４－１２７４０７、JP2024-127407A、\n"
"US 6,836,996 B2。\n"
"索引にない ID は終了コード 2 で、近い番号を示します（もしかして）。\n"
"  -k N                  結果の件数（既定 10、最大 10000）\n"
"  -m, --mode M          tfidf | lsa | hybrid（既定 hybrid）\n"
"      --text TEXT       自由な文章で問い合わせる（日本語または英語）\n"
"      --file FILE       FILE の文章で問い合わせる（UTF-8。- で標準入力）\n"
"      --hybrid-weight W hybrid での TF-IDF の重み（既定 0.7）\n"
"      --scan S          LSA の走査: auto（20,000 文献から int8）、fp32、int8\n"
"      --nprobe N        近似検索（lsa、hybrid）: 索引の IVF（index --ivf）で近い\n"
"                        N 個のリストだけを見る。候補は厳密に採点します\n"
"      --rerank N        --nprobe と一緒に: 採点し直す候補の数（既定 4k。lsa\n"
"                        では 64 以上、hybrid では 256 以上）。index --f16 の\n"
"                        float16 ベクトルを使います\n"
"  -j, --json            JSON のオブジェクト 1 つ:\n"
"                        {\"query\": {...}, \"results\": [...]}\n"
"      --lang ja|en      結果の見出しの言語（既定 ja）\n"
"絞り込み（上位 k 件を選ぶ前にかけます。条件に合う特許のうち上位 k 件）:\n"
"      --date-from DATE  DATE 以降に公開（YYYY、YYYY-MM、YYYY-MM-DD）\n"
"      --date-to DATE    DATE 以前に公開（年や月ならその終わりまで）\n"
"      --applicant S     出願人に S を含む（NFKC、大文字小文字を区別しない。繰り\n"
"                        返すといずれか）\n"
"      --exclude-applicant S  出願人に S を含まない（複数指定可）\n"
"      --fields CODES    これらの IPC セクション・クラス・サブクラスのいずれかに\n"
"                        属する（G06,B60W）\n"
"      --exclude-fields CODES  これらのどれにも属さない\n"
"      --keywords Q      含むべき語・含まない語（'tenyo search --help' を参照）\n"
"      --open-only       ライセンス可能特許だけ（'tenyo open' か記録の open）\n"
"      --kind K          application | grant: 番号の種別（特開 / 特許、JP…A / B）\n"},

{"search",
"使い方: tenyo search INDEX QUERY [オプション]\n"
"キーワード検索: 発明の名称か要約に問い合わせの語を含む特許を、関連度の順に\n"
"並べます（BM25: 出てくる回数と、名称に出てくるか）。\n"
"QUERY: a b（両方）、a OR b（どちらか。| でも）、NOT a または -a（含まない）、\n"
"\"a phrase\"（語が隣り合う）。OR は AND より強く結び付きます: a b OR c は\n"
"a AND (b OR c)。\n"
"'-' で始まる QUERY は -- の後に書きます: tenyo search INDEX -- '-a b'。\n"
"語は文章のどこに含まれていても一致し（打継目 で 水平打継目 が見つかる）、全角と\n"
"半角は同じに扱います（ＡＢＣ = abc）。ラテン文字の語は語の頭で一致します。\n"
"索引にある特許の番号（特開2012-197975、JP2012197975A）の QUERY は、その特許を\n"
"示します。フィルタで 1 件も残らないときは、件数の下の行でそう言います。\n"
"  -k N                  結果の件数（既定 10、最大 10000）\n"
"  -j, --json            JSON のオブジェクト 1 つ:\n"
"                        {\"query\": {...}, \"results\": [...]}\n"
"      --lang ja|en      結果の見出しの言語（既定 ja）\n"
"絞り込み（similar と同じ）:\n"
"      --date-from DATE  DATE 以降に公開（YYYY、YYYY-MM、YYYY-MM-DD）\n"
"      --date-to DATE    DATE 以前に公開\n"
"      --applicant S     出願人に S を含む（繰り返すといずれか）\n"
"      --exclude-applicant S  出願人に S を含まない\n"
"      --fields CODES    これらの IPC セクション・クラス・サブクラスのいずれか\n"
"                        に属する\n"
"      --exclude-fields CODES  これらのどれにも属さない\n"
"      --open-only       ライセンス可能特許だけ（'tenyo open' か記録の open）\n"
"      --kind K          application | grant: 番号の種別（特開 / 特許、JP…A / B）\n"},

{"ideas",
"使い方: tenyo ideas INDEX (ID | --text TEXT | --file FILE | --batch QUERIES.jsonl) [オプション]\n"
"特許を転用できそうな別の技術分野（IPC サブクラス）を提案します。\n"
"ID は人が書くとおりに: 特開２０２４－１２７４０７、JP2024-127407A、\n"
"US 6,836,996 B2。\n"
"索引にない ID は終了コード 2 で、近い番号を示します（もしかして）。\n"
"  --text TEXT          自由な文章で問い合わせる（日本語または英語）\n"
"  --file FILE          FILE の文章で問い合わせる（文字コードは判定。- で標準\n"
"                       入力）\n"
"  --home CODES         本件の分野、カンマ区切りのサブクラス（既定: 特許自身の\n"
"                       分野。文章なら推定します）\n"
"  --distance D         section | class | subclass: 提案を本件のどの分野からも\n"
"                       どれだけ離すか（既定 class）\n"
"  -n N                 一覧に示すカードの上限（既定 10、最大 100）。\n"
"                       エンジンの上位 3N 件から判定器が選ぶ（--json は全件）\n"
"  --offset N           先頭から N 件を飛ばす（10 なら 11 件目から）\n"
"  --open-only          根拠はライセンス可能（開放）特許だけから\n"
"  --lang ja|en         分野名と文の言語（既定 ja）\n"
"  --novelty V          0..1: 最初の round(10(1-V)) 件は確信度の高い順、その後は\n"
"                       共分類の統計だけでは出てこない分野を先に（既定 0.6。\n"
"                       0 なら確信度の順だけ）\n"
"  提案にはそれぞれ帯（有力、候補、参考）と、弱いものにはその理由が付きます。\n"
"  一覧は有力と候補を先に示し、参考は 5 件に満たないときだけ加え、残りの件数を\n"
"  示します:\n"
"  --all                3N 件のすべてのカードを示す（一覧のあとに残りを）\n"
"  次のしきい値で提案を隠せます（既定: 隠さない）:\n"
"  --min-confidence C   確信度が C（0..1）未満の提案と、薄い提案（共通する具体的\n"
"                       な語が 1 語以下）を除く。0.03 で短い一覧になります\n"
"  --min-usable U       これまでの読み手の判定から学んだモデルで、分析者が使える\n"
"                       と判断する確率が U 未満の提案を除く\n"
"  --min-content C      具体的な共通内容が C（0..1。0.5 で具体的な語およそ 3 語）\n"
"                       未満の提案を除く\n"
"  --no-merge           サブクラスごとに 1 件の提案（既定: 同じ根拠で提案された\n"
"                       サブクラスは 1 件にまとめる）\n"
"  --not WORD           絞り込み: WORD はここでは別の意味の語。どの提案の\n"
"                       つながりにもしない（繰り返し可）。提案は失った語を示す\n"
"  --keep FIELDS        絞り込み: これらのサブクラスの提案を先に（繰り返し可）\n"
"  --reject FIELDS      絞り込み: これらのサブクラスは提案しない（繰り返し可）\n"
"  --sentences          本件の文を番号付きで表示して終わる\n"
"  --focus N,M          絞り込み: これらの文（技術の文）だけから一覧を作る\n"
"  --focus-text TEXT    絞り込み: 自分の言葉で書いた技術だけから一覧を作る\n"
"  --worksheet FILE     作業シート FILE（JSON。なければ作る）の判断を適用し、\n"
"                       今回の判断を加えて保存する。--html なら採用カードの報告\n"
"  --note FIELD=TEXT    --worksheet と: 採用・却下したカードのメモ（繰り返し可）\n"
"  --remember           --not と: 除外した語を、自分の分野と除外で消えたカード\n"
"                       （語があれば出て、除外すると出ない）の分野の間の語義の\n"
"                       区別として覚え、以後の問い合わせに適用する\n"
"  --remember-field F   --not と: 自分の分野と分野 F の間の区別だけを覚える\n"
"                       （繰り返し可）\n"
"  --senses FILE        覚えた語義の区別（既定: あれば INDEX.senses）\n"
"  --csv                RFC 4180 の CSV、1 行 1 提案（見出しは --lang の言語）\n"
"  --bom                --csv と一緒に: 先頭に UTF-8 の BOM を付ける（Excel 用）\n"
"  --knn N              投票する近傍の数（既定 300）\n"
"  -m, --mode M         根拠の類似度: tfidf | lsa | hybrid（既定）\n"
"  --nprobe N           近似: 索引の IVF（index --ivf）で近い N 個のリストから\n"
"                       近傍を取り、厳密に採点する（--batch とは併用不可）\n"
"  --rerank N           --nprobe と一緒に: 採点し直す候補の数（既定 knn の 4 倍、\n"
"                       256 以上）。index --f16 の float16 ベクトルがあれば使う\n"
"  --ipc-titles FILE    サブクラス名に使う IPC 分類表の TSV（特許庁の日本語版\n"
"                       または英語版。複数指定可。既定: 組み込みのクラス名）\n"
"  --batch FILE         JSONL の問い合わせ {\"id\", \"text\", \"home\": [...]}\n"
"                       （id だけで索引の特許を指せます）。結果は入力の順の JSONL\n"
"  -j, --json           JSON のオブジェクト 1 つ {\"query\": {...}, \"ideas\": [...]}\n"
"      --html           印刷用のレポート（A4 の HTML。ブラウザから PDF に印刷）\n"
"絞り込み（近傍を選ぶ前にかけます。条件に合う特許だけが投票し、根拠になります。\n"
"--batch でも）:\n"
"  --date-from DATE     DATE 以降に公開（YYYY、YYYY-MM、YYYY-MM-DD）\n"
"  --date-to DATE       DATE 以前に公開（年や月ならその終わりまで）\n"
"  --applicant S        出願人に S を含む（NFKC、大文字小文字を区別しない。繰り\n"
"                       返すといずれか）\n"
"  --exclude-applicant S  出願人に S を含まない（複数指定可）\n"
"  --fields CODES       これらの IPC セクション・クラス・サブクラスのいずれかに\n"
"                       属する（G06,B60W）\n"
"  --exclude-fields CODES  これらのどれにも属さない\n"
"  --keywords Q         含むべき語・含まない語（'tenyo search --help' を参照）\n"
"  --kind K             application | grant: 番号の種別（特開 / 特許、JP…A / B）\n"},

{"match",
"使い方: tenyo match INDEX (--text TEXT | --file FILE) [オプション]\n"
"川崎モデルの問い合わせ: 企業が自社の得意技術を書いた文章から、その企業が使え\n"
"そうなライセンス可能特許を探します。それぞれが合う理由（共通する語と、両者の\n"
"文 1 つずつ）と、それを使って何が作れそうか（ideas が提案する用途: 分野、用途、\n"
"確信度）を示します。ライセンス可能とは、索引の一覧（'tenyo open'）か記録の open\n"
"のことです。どちらもない索引では、ライセンスの状態を不明としてすべての特許から\n"
"探します。\n"
"  --text TEXT          企業の得意技術（日本語または英語）\n"
"  --file FILE          同じものを FILE から（文字コードは判定。- で標準入力）\n"
"  -k N                 特許の件数（既定 10、最大 100）\n"
"  --home CODES         企業の分野、カンマ区切りのサブクラス（既定: 文章から）\n"
"  --distance D         section | class | subclass: 用途を企業の分野から\n"
"                       どれだけ離すか（既定 class）\n"
"  --lang ja|en         分野名と文の言語（既定 ja）\n"
"  --min-confidence C   確信度が C 未満の用途を除く（既定 0: ideas が見つけた\n"
"                       用途をすべて確信度付きで示す）\n"
"  -m, --mode M         類似度: tfidf | lsa | hybrid（既定）\n"
"  --not WORD           絞り込み: WORD はここでは別の意味の語。どの特許とも共通の\n"
"                       語とせず、どの用途のつながりにもしない（繰り返し可）\n"
"  -j, --json           JSON のオブジェクト 1 つ\n"
"                       {\"query\", \"matches\", \"ideas\", \"warnings\"}\n"
"      --html           印刷用のレポート（A4 の HTML。ブラウザから PDF に印刷）\n"
"絞り込み（上位 k 件を選ぶ前にかけます。条件に合うライセンス可能特許だけが答えに\n"
"なります）:\n"
"  --date-from DATE     DATE 以降に公開（YYYY、YYYY-MM、YYYY-MM-DD）\n"
"  --date-to DATE       DATE 以前に公開（年や月ならその終わりまで）\n"
"  --applicant S        出願人に S を含む（NFKC、大文字小文字を区別しない。繰り\n"
"                       返すといずれか）\n"
"  --exclude-applicant S  出願人に S を含まない（複数指定可）\n"
"  --fields CODES       これらの IPC セクション・クラス・サブクラスのいずれかに\n"
"                       属する（G06,B60W）\n"
"  --exclude-fields CODES  これらのどれにも属さない\n"
"  --keywords Q         含むべき語・含まない語（'tenyo search --help' を参照）\n"
"  --kind K             application | grant: 番号の種別（特開 / 特許、JP…A / B）\n"
"  --open-only          （ここでは常に有効。ideas とそろえるために受け付けます）\n"},

{"profile",
"使い方: tenyo profile INDEX [--ids FILE | --all] [オプション]\n"
"用途プロファイル: 特許ごとに、ほかにどこで使えそうか（ideas の提案）、その数、\n"
"自分の分野からの遠さ、いちばん強い根拠を示します。ライセンス可能特許の一覧を\n"
"並べ替えるためのものです。\n"
"既定: 索引のライセンス可能特許すべて（tenyo open、または記録の open）。\n"
"      --ids FILE       これらの特許（1 行 1 番号、人が書くとおりに。- で標準\n"
"                       入力）。どの特許も指さない行は FILE:LINE で知らせます\n"
"      --all            索引のすべての特許\n"
"  -n N                 特許ごとの提案の数（既定 10、最大 100）\n"
"      --min-confidence C  確信度が C 未満の提案を除く（既定: 除かない。ideas と\n"
"                          同じ一覧で、それぞれ帯付き）\n"
"      --distance D     section | class | subclass（既定 class）\n"
"      --lang ja|en     分野名の言語（既定 ja）\n"
"      --csv            CSV、1 行 1 特許（既定: JSON lines）\n"
"      --bom            --csv と一緒に: 先頭に UTF-8 の BOM を付ける（Excel 用）\n"},

{"serve",
"使い方: tenyo serve INDEX [--bind ADDR] [--port N] [--threads N] [--ipc-titles FILE]\n"
"                          [--client-conns N] [--writable [--upload-max MB]\n"
"                          [--upload-rows N] [--upload-time S]\n"
"                          [--upload-decompressed MB]] [--worksheets N]\n"
"                          [--worksheets-mb MB] [--quiet]\n"
"索引を HTTP で公開します: JSON の API と、分析用のブラウザ画面。既定は読み取り\n"
"専用。--writable のときは、画面から J-PlatPat の CSV を索引に追加し、開放特許の\n"
"一覧を読み込めます（tenyo add、tenyo open --from と同じ書き込みロック。ファイル\n"
"全体が反映されるか、何も変わらないか）。分析者の作業シートは、読み取り専用でも\n"
"下の上限の中で索引の隣（INDEX.worksheets/）に保存します。\n"
"  -b, --bind ADDR      待ち受けるアドレス（既定 127.0.0.1。IPv4 または IPv6）\n"
"  -p, --port N         TCP のポート（既定 8080。0 なら空いているものを選ぶ）\n"
"  -t, --threads N      ワーカースレッド数 = 問い合わせの文脈の数（既定: コア数、\n"
"                       最大 64）\n"
"  --ipc-titles FILE    サブクラス名に使う IPC 分類表の TSV（複数指定可。- で\n"
"                       標準入力）\n"
"  --client-conns N     1 つのクライアントアドレスが開ける接続の数（既定は接続\n"
"                       数の上限の 8 分の 1、8192 なら 1024。ループバックで待ち\n"
"                       受けるときは制限なし。すべてのクライアントが同じアドレス\n"
"                       になるため）\n"
"  --writable           画面（POST /api/add、/api/licensable）から索引を\n"
"                       変えられるようにする。なければそれらは 403\n"
"  --upload-max MB      画面から送れるファイルの最大サイズ（既定 32、最大 1024）\n"
"  --upload-rows N      1 ファイルの記録数の上限（既定 20000）\n"
"  --upload-time S      1 ファイル全体が届くまでの秒数の上限（既定 300）\n"
"  --upload-decompressed MB  zstd で圧縮したファイルを展開したときの上限 MiB\n"
"                       （既定 256）\n"
"  --worksheets N       画面が保存できる作業シートの数。索引にある特許（または\n"
"                       会社）のものだけ（既定 1000。0 なら保存しない）\n"
"  --worksheets-mb MB   保存した作業シート全体の上限 MiB（既定 256）\n"
"  -q, --quiet          アクセスログも、不正なリクエストや閉じた接続についての\n"
"                       行も出さない（起動時のエラーは出す）\n"
"エンドポイント（それぞれ、名前を挙げたコマンドの JSON で答えます。絞り込みは\n"
"引数かメンバーで: date_from, date_to, applicant, exclude_applicant, fields,\n"
"exclude_fields, keywords, open_only, kind）:\n"
"  GET  /healthz                        {\"status\": \"ok\", ...}\n"
"  GET  /api/info                       = tenyo info --json\n"
"  GET  /api/patent/ID?k=&mode=         特許、その要約と類似特許\n"
"  GET  /api/similar?id=|text=&k=&mode= = tenyo similar --json\n"
"  GET  /api/search?q=QUERY&k=          = tenyo search --json（キーワード検索）\n"
"  GET  /api/resolve?q=TYPED            入力がどう読まれるか: 索引の番号、（打ち\n"
"                                       間違えた）番号、または文章\n"
"  GET  /api/profile?id=ID&id=...&n=    = tenyo profile の結果（最大 20 件）\n"
"  GET  /api/map?id=|text=&doc=ID       分野の地図\n"
"  GET  /api/report?task=ideas|match&body=JSON[&kept=1]   印刷用のレポート\n"
"                                       （HTML。kept=1: 作業シートの採用カード）\n"
"  POST /api/worksheet                  作業シート（ideas --worksheet の JSON）を\n"
"                                       INDEX.worksheets/ に保存\n"
"  GET  /api/worksheet?id=|patent=|company=|text=   保存した作業シート\n"
"  GET  /api/senses                     覚えた語義の区別（INDEX.senses）\n"
"  POST /api/senses {\"word\", \"pairs\": [[FIELD, OTHER], ...]}   語義の区別を覚える\n"
"                                       （= ideas --not WORD --remember）\n"
"  GET  /api/sentences?id=ID            特許の文（focus の番号付き）\n"
"  POST /api/ideas {\"id\"|\"text\", \"home\", \"distance\", \"n\", \"lang\", \"mode\", ...}\n"
"                                       = tenyo ideas --json\n"
"  POST /api/ideas.csv（同じ本文）     = tenyo ideas --csv --bom\n"
"  GET  /api/ideas/options              ideas のオプション一覧（名前・型・範囲）\n"
"  POST /api/match {\"text\", \"k\", \"home\", \"lang\", ...}   = tenyo match --json\n"
"  POST /api/add?name=FILE（ファイルを本文に）  = tenyo add（--writable）\n"
"  POST /api/licensable?name=FILE[&column=C]    = tenyo open --from\n"
"                                       （--writable）\n"
"  GET  /api/updates                    書き込みの可否、上限、進行中の書き込み\n"
"                                       （段階と進み具合）\n"
"  GET  /, /app.js, /app.css            ブラウザの画面\n"
"SIGINT か SIGTERM で止まります（終了コード 0）。\n"},

{"info",
"使い方: tenyo info INDEX [--json]\n"
"索引のすべてを検査したうえで、索引の中身と作り方を表示します。\n"
"  -j, --json          JSON のオブジェクト 1 つ\n"},

{"add",
"使い方: tenyo add INDEX [オプション] FILE...\n"
"索引を作り直さずに特許の記録を追加します。記録は索引と同じように形態素解析し、\n"
"索引の LSA の基底に畳み込んで、新しいセグメントとして書きます。同じ番号が索引に\n"
"あれば、その文献と項目ごとに統合し、文献の本文はすべて残します。索引が保持しない\n"
"本文（請求の範囲、明細書、長い要約）が新しい本文で失われる記録は、その旨を示して\n"
"拒否します。索引にない新しい語は、`tenyo rebuild` までは TF-IDF で検索されます。\n"
"追加がすべて成功しない限り、何も変わりません。\n"
"  -f, --format F      auto|jsonl|jplatpat|jpo-xml（既定 auto）\n"
"  -e, --encoding E    入力の文字コード（既定: 判定）\n"
"      --strict        不正な記録が 1 件でもあれば中止する（終了コード 2）\n"
"  -t, --threads N     形態素解析のスレッド数（既定: 全コア）\n"
"  -q, --quiet         記録ごとのメッセージを出さない\n"},

{"delete",
"使い方: tenyo delete INDEX ID... | tenyo delete INDEX --from FILE\n"
"番号を指定して文献を削除します。索引にない番号は知らせて終了コード 2 にし、\n"
"それ以外は削除します。\n"
"  --from FILE         番号の一覧、1 行に 1 つ（- で標準入力）\n"},

{"rebuild",
"使い方: tenyo rebuild INDEX [-t N] [--ivf[=LISTS] [--f16] | --no-ivf]\n"
"生きているすべての文献について、保存してある語の出現数から語彙、idf、LSA を\n"
"当てはめ直し（元のファイルは不要）、追加したセグメントを統合し、削除を反映し\n"
"ます。新しい基本ファイルを一度に書き換えます。元の索引作成のオプション（次元数、\n"
"df の絞り込み、乱数の種、IVF、IPC のタイトル）は引き継ぎます。\n"
"  -t, --threads N     スレッド数（既定: 全コア）\n"
"      --ivf[=LISTS]   近似検索のリスト（IVF）を作り直す: LISTS 個（既定は文献\n"
"                      数の平方根の 4 倍）。更新のない索引は当てはめ直さず、\n"
"                      リストだけを作ってファイルを書き換える（完全検索の答え\n"
"                      はそのまま）\n"
"      --f16           --ivf と一緒に: IVF の再順位付けに float16 ベクトルも\n"
"                      （索引にあれば残し、なければ当てはめ直して作る）\n"
"      --no-ivf        リストと float16 ベクトルを消す（更新がなければ当ては\n"
"                      め直さない）。リストのない索引では、古い tenyo で作った\n"
"                      索引に語の転置リスト、筆頭出願人の番号と語の性質を加え、\n"
"                      文献の語を 64 件ごとのフレームに、要約をブロックごとに\n"
"                      読める形にする方法（文章での検索、ideas、match と\n"
"                      similar が速くなる）\n"},

{"open",
"使い方: tenyo open INDEX (--from FILE [--column C] | --clear) [オプション]\n"
"ライセンス可能特許をデータとして扱います: ライセンスを提供している特許の一覧\n"
"（開放特許データベースから出力したもの）を、索引を作り直さずに INDEX と並べて\n"
"読み込みます。FILE は 1 行に 1 つの特許番号か、見出し行のある CSV/TSV です。CSV\n"
"の番号の列は自動で見つけます（番号がいちばんよく索引の特許に当たる列）。文字コー\n"
"ドは UTF-8 か Shift_JIS。番号は人が書くとおりに（特開２０２４－１２７４０７、\n"
"JP2024-127407A）。索引のどの特許も指さない行は FILE:LINE で知らせます。一覧は\n"
"前の一覧を置き換え、add、delete、rebuild の後も保たれ、--open-only（similar、\n"
"ideas、match、profile、API）が記録自身の \"open\" と合わせて読みます。\n"
"--from も --clear もなければ、索引の一覧がどうなっているかを表示します。\n"
"      --from FILE      FILE の一覧を読み込む（- で標準入力）\n"
"      --column C       番号の列: その見出し、または 1 から数えた番号\n"
"      --clear          一覧を消す（記録自身の印はそのまま）\n"
"  -q, --quiet          行ごとのメッセージを出さない（件数だけ）\n"
"  -j, --json           結果を JSON のオブジェクト 1 つで\n"},

{"senses",
"使い方: tenyo senses INDEX [list | add WORD FIELD FIELD | remove WORD FIELD FIELD |\n"
"                           forget WORD | import FILE | export [FILE]]\n"
"                           [--senses FILE] [--force]\n"
"覚えた語義の区別: 二つの分野の間で別の意味に使われている語（車の運転と空調機の\n"
"運転）は、以後の INDEX への ideas でその二つの分野をつなぎません。区別は\n"
"INDEX.senses（1 行に語、分野、もう一つの分野のタブ区切り）に保存し、索引自体は\n"
"変えません。ideas --not WORD --remember で除外した語の区別を加えます。\n"
"  list                 区別を 1 行に 1 つ（既定）\n"
"  add WORD FIELD FIELD WORD をこの二つの分野の間で区別する\n"
"  remove WORD FIELD FIELD  その区別を取り消す\n"
"  forget WORD          WORD の区別をすべて取り消す\n"
"  import FILE          TSV ファイル FILE の区別を加える（誤った行があれば\n"
"                       その行を示し、何も加えない）\n"
"  export [FILE]        区別を TSV で FILE に（既定: 標準出力）\n"
"      --senses FILE    区別のファイル（既定 INDEX.senses）\n"
"      --force          export が区別の書き出しでないファイルを置き換えてよい\n"
"                       （索引や更新ディレクトリのファイルは置き換えない）\n"},

{"check",
"使い方: tenyo check INDEX [--repair]\n"
"索引のすべてのファイルを検査します: 基本ファイルとすべてのセグメントを全部\n"
"読み、削除ファイルと MANIFEST を突き合わせ、全体を読み手と同じように開きます。\n"
"中断された書き込みの残りも示します。見つかったことを 1 行ずつ表示し（問題は\n"
"\"DAMAGED\"）、整合していれば終了コード 0、していなければ 3 です。\n"
"  --repair   読めるすべての文献を残して、整合した新しい状態を確定する: 壊れた\n"
"             ファイルや無いファイルは INDEX.upd/damaged-*/ に移す（削除は\n"
"             しない）。失われた、壊れた、または古い MANIFEST は、状態と削除\n"
"             した各文献の番号を記録している最新の削除ファイルから作り直す。\n"
"             どの文献が削除されたかを示すファイルがないとき、または基本\n"
"             ファイルが壊れているときは何も変えない（終了コード 3）。\n"
"             バックアップから戻すか、元のデータから索引を作り直してください。\n"
"             基本ファイルの語の素性が壊れているときは取り除く（ideas と match\n"
"             がその場で計算する）。\n"},

{"eval",
"使い方: tenyo eval [オプション] FILE...\n"
"コーパスで答えを測ります: FILE の記録のうち要約と分類記号のあるものを\n"
"md5(salt + id) mod M で分け（0 が評価用、それ以外が学習用）、学習用の分割で\n"
"'tenyo index' と同じように索引を作ります。\n"
"プロトコル S（similar）: 学習用の各文献で学習用の索引に問い合わせ（自分自身は\n"
"  除く）、P@10 は近い 10 件のうち分類のメイングループ（G06F 3/01 なら G06F 3）\n"
"  が共通するものの割合です。\n"
"プロトコル X（ideas）: 評価用の各記録が、その文章と本件の分野（最初の分類記号\n"
"  のサブクラス）、distance section、提案 10 件で問い合わせます。正解は別の\n"
"  セクションにあるそのサブクラスです。recall@5 と @10、serendipity@10（共分類の\n"
"  統計では上位 10 件に入らない正解の再現率）を、tenyo と、統計だけのものの両方\n"
"  について報告します。\n"
"  --salt S             分割の salt（既定 \"dev\": 開発用の分割）\n"
"  --modulus M          分割の法（既定 4）\n"
"  -m, --mode M         tfidf | lsa | hybrid | all（既定 all）\n"
"  --hybrid-weight W    hybrid での TF-IDF の重み（既定 0.7）\n"
"  --keep-index PATH    学習用の索引を PATH に残す（アトミックに置き換える。\n"
"                       既存のファイルは、書き手が作業中でない tenyo の索引\n"
"                       で、入力でないものに限る）\n"
"  --protocol P         S、X、all（既定 all）\n"
"  --knn N              プロトコル X: 投票する近傍の数（既定 100）\n"
"  --novelty V          プロトコル X: ideas の一覧の意外性（既定 0.6）\n"
"  --field-norm A       プロトコル X: 投票を分野の大きさの A 乗で割る（既定 0）\n"
"  --serendipity-from R プロトコル X: 確信度の順に並べる提案の数\n"
"  --prior-weight W     プロトコル X: 共分類の事前分布の重み\n"
"  --ideas-mode M       プロトコル X: 根拠の類似度（既定 hybrid）\n"
"  --reference R5,SER   比の基準にする recall@5 と serendipity@10\n"
"  --min-confidence C   確信度が C 未満の提案を除いたプロトコル X（既定 0）\n"
"  --dump-candidates F  プロトコル X の各問い合わせで投票されたすべての分野を、\n"
"                       確信度の根拠と共に TSV で書く\n"
"                       （eval/fit_confidence.py 用）\n"
"  --per-query F        各問い合わせの数（プロトコル S はモードごと、X）の TSV\n"
"                       （2 回の実行を問い合わせごとに比べる: eval/paired.py）\n"
"  --force              --keep-index、--dump-candidates、--per-query で種類の\n"
"                       違うファイルを置き換える（索引と入力は置き換えない）\n"
"  -j, --json           JSON のオブジェクト 1 つ\n"
"索引作成のオプション（`tenyo index` と同じ）:\n"
"  -d, --dim K          LSA の次元数（既定 256。小さいコーパスではそれ以下）\n"
"  -t, --threads N      スレッド数（既定: 全コア）\n"
"  --min-df N           出現文献数が N 未満の語を除く（既定 2）\n"
"  --max-df R           出現文献の割合が R を超える語を除く（既定 0.5）\n"
"  --seed S             SVD の乱数の種（既定は固定値）\n"
"  --power-iters N      乱択 SVD のべき乗反復の回数（既定 1）\n"
"  --oversample N       乱択 SVD のオーバーサンプリング（既定 16）\n"
"  --max-terms N        各文献で重みの大きい N 語だけを残す\n"
"  --dicdir DIR         MeCab の辞書（既定: システムの ipadic-utf8）\n"
"  --no-parts           複合名詞の構成語を残さない\n"
"  --stem, --no-stem    英語の語幹処理をする（既定）、しない\n"},

{"tokens",
"使い方: tenyo tokens (--text TEXT | --file FILE | --identity) [オプション]\n"
"文章の索引語を空白区切りで、入力 1 行につき 1 行表示します（索引を作るときに\n"
"見える語です）。\n"
"      --text TEXT       文章\n"
"      --file FILE       FILE の文章（文字コードは判定。- で標準入力）\n"
"      --identity        最初に、索引が記録する形態素解析器の識別情報を表示する\n"
"      --judge INDEX     1 行に 1 語、INDEX でその語を共有する結び付きの\n"
"                        確かさ (0〜1) とその根拠の性質を表示する\n"
"      --dicdir DIR      MeCab の辞書（既定: システムの ipadic-utf8）\n"
"      --no-parts        複合名詞の構成語を残さない\n"
"      --stem            英語の語幹処理（Snowball English。既定）\n"
"      --no-stem         英語の語幹処理をしない\n"},

{"bench",
"使い方: tenyo bench INDEX [オプション]\n"
"索引の問い合わせの処理量（QPS）、待ち時間（p50/p95/p99）、recall@k を測ります。\n"
"負荷（既定: 索引から無作為に選んだ 1000 件の特許が、それぞれ自分のベクトルで\n"
"問い合わせる）:\n"
"  -n, --queries N       選ぶ問い合わせの数（既定 1000、最大は索引の件数）\n"
"      --titles          選んだ特許の発明の名称を自由な文章として問い合わせる\n"
"      --query-file FILE 代わりに 1 行 1 問い合わせの文章（UTF-8）\n"
"      --seed S          選び方の乱数の種（既定 1）\n"
"設定（すべてのモードをすべてのスレッド数で測ります）:\n"
"  -m, --modes LIST      lsa,tfidf,hybrid,ivf,ivf-hybrid,ideas,steer,search（既定\n"
"                        lsa,tfidf,hybrid、索引に IVF のリストがあれば ivf も）。\n"
"                        ivf-hybrid: IVF のリストを通した hybrid。\n"
"                        steer: 操作 1 回（語を外す、分野を残す・除く、2 文に\n"
"                        絞る）の後に作り直す転用候補の一覧\n"
"      --nprobe LIST     見る IVF のリストの数、順に試す（既定 1,2,4,8,16,32,64）\n"
"  -k N                  問い合わせごとの答えの数、recall@k の k（既定 10）\n"
"  -t, --threads LIST    同時に処理する問い合わせの数、各 1 スレッド（既定 1）\n"
"出力（標準出力に表、標準エラー出力に進み具合）:\n"
"      --json FILE       結果を JSON のオブジェクト 1 つで\n"
"      --csv FILE        結果を CSV で、1 行 1 設定\n"
"      --svg FILE        QPS（対数目盛）に対する recall@k を SVG の図で\n"
"      --force           種類の違う既存のファイルをこれらで置き換える（索引、\n"
"                        入力、ロックされたファイルは決して置き換えない）\n"
"  -q, --quiet           進み具合を出さない\n"
"再現率は、同じモードの厳密な答え（float の走査、IVF なし）に対するものです\n"
"（ivf は lsa、ivf-hybrid は hybrid の答えに対して）。ideas と search には\n"
"再現率はありません。\n"},
};

/* ======================================================== the calls */

const char *cli_help_ja(const char *cmd) {
    if (!cli_lang_ja()) return NULL;
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        if (!strcmp(texts[i].cmd, cmd)) return texts[i].text;
    return NULL;
}

int cli_help(const char *en) {
    const char *ja = cli_help_ja(cli_cmd);
    fputs(ja ? ja : en, stdout);
    return EXIT_OK;
}

int cli_usage_hint(void) {
    const char *ja = cli_help_ja(cli_cmd);
    const char *u = ja ? strstr(ja, "使い方: ") : NULL;
    if (!u) return 0;
    const char *nl = strchr(u, '\n');
    fprintf(stderr, "%.*s\n", nl ? (int)(nl - u) : (int)strlen(u), u);
    fprintf(stderr, "詳しくは 'tenyo%s%s --help' を見てください\n", *cli_cmd ? " " : "", cli_cmd);
    return 1;
}
