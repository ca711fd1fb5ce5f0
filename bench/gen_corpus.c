/*
 * gen_corpus.c — deterministic generator of large Japanese patent corpora in
 * tenyo's JSONL record format, for the scale benchmarks (100k, 1M, 10M docs).
 *
 * What it keeps from real patents, and how:
 *   - Vocabulary: real Japanese technical morphemes (kanji nouns, katakana
 *     loan words) written into the tables below by hand, and compounds of two
 *     or three of them (画像処理装置, センサ信号, ...), up to -V distinct
 *     terms. No text is taken from ../shared/data.
 *   - Zipf: term i of the background distribution has weight 1/(i + 2.7)
 *     (Zipf-Mandelbrot, exponent 1, the shape of real term frequencies); each
 *     field (IPC subclass) draws from its own Zipf over its own permutation of
 *     the vocabulary (rank r -> term (a_f r + b_f) mod V, a_f odd, V a power of
 *     two), cut to the field's first -F ranks, so every field has its own
 *     jargon. A token is background with probability 0.4, else it comes from
 *     one of the document's fields (the first field weighs most).
 *   - Fields: 1-4 IPC subclasses per document (45/30/17/8 %), the first drawn
 *     from a Zipf over ~200 real subclasses (popularity order shuffled by the
 *     seed); further ones are co-classifications: same class (B60W -> B60K)
 *     50 %, one of the first field's three fixed partner fields 30 %, else
 *     by popularity. Codes are written as full IPC groups ("B60W 30/09").
 *   - Shape: 【課題】/【解決手段】 abstracts of 150-400 characters (sum of two
 *     uniforms, mean ~275), 1-5 claims of 60-250 characters each with
 *     "請求項Nに記載の" references, a title, an applicant (Zipf over 5,000
 *     generated company names), a date in 2005-2024, open = true for 10 %.
 *
 * Determinism: all sampling is integer arithmetic on xoshiro256** streams
 * (no floating point, no libm, no locale), and document i has its own stream
 * seeded from (seed, i): the same -s gives the same bytes on every machine,
 * document i is the same whatever -n is, and a corpus of n docs is a prefix of
 * one of 10n docs. Only the --stats summary uses floating point.
 *
 * Memory: one document at a time plus fixed tables (vocabulary ~ V x 20 B,
 * Zipf tables, per-term counts for --stats): a 10M-document corpus streams
 * to disk in constant memory.
 *
 * Outputs: JSONL (stdout or -o), optionally --text FILE (one line per doc:
 * the title, abstract and claims tenyo indexes, for `tenyo tokens --file`)
 * and --terms FILE (the generator's own terms, space-separated, one line per
 * doc, for peers that should see exactly the drawn tokens).
 *
 * Rejected: sampling real documents' words (would copy shared data into the
 * repo and cap the vocabulary at what the sample holds); a floating-point
 * Zipf sampler via pow() (libm results may differ between machines and break
 * byte-identical output); a Markov chain over real text (same copying issue,
 * and its topic structure cannot be controlled or documented).
 *
 * Usage: gen_corpus [-n DOCS] [-s SEED] [-V VOCAB] [-F FIELDVOCAB]
 *                   [-o FILE] [--text FILE] [--terms FILE] [--stats]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ============================================================ tables */

/* Kanji morphemes of patent Japanese, roughly most general first. */
static const char *const kanji[] = {
    "装置", "方法", "制御", "情報", "処理", "信号", "検出", "部材", "構造",
    "車両", "画像", "通信", "回路", "電極", "基板", "材料", "樹脂", "電池",
    "電力", "電圧", "電流", "温度", "圧力", "流体", "液体", "気体", "光学",
    "半導体", "素子", "端末", "無線", "送信", "受信", "医療", "患者", "測定",
    "生体", "薬剤", "化合物", "組成物", "触媒", "反応", "溶液", "粒子", "表面",
    "内部", "外部", "上部", "下部", "側面", "領域", "位置", "方向", "距離",
    "速度", "加速度", "角度", "振動", "音声", "映像", "表示", "記憶", "演算",
    "判定", "推定", "算出", "生成", "変換", "供給", "排出", "冷却", "加熱",
    "駆動", "操作", "入力", "出力", "接続", "固定", "支持", "保持", "搬送",
    "収容", "開閉", "回転", "移動", "停止", "走行", "運転", "運転者", "乗員",
    "歩行者", "障害物", "道路", "車線", "交差点", "地図", "経路", "目標",
    "物体", "対象", "利用者", "使用者", "作業", "工程", "製造", "加工", "成形",
    "接合", "溶接", "塗布", "洗浄", "乾燥", "照射", "照明", "発光", "受光",
    "透過", "反射", "屈折", "偏光", "波長", "周波数", "電磁波", "磁場", "磁石",
    "巻線", "鉄心", "軸受", "歯車", "弁体", "配管", "容器", "筐体", "蓋体",
    "本体", "把持", "関節", "腕部", "脚部", "頭部", "心拍", "血圧", "血液",
    "細胞", "遺伝子", "抗体", "蛋白質", "酵素", "培養", "食品", "飲料", "繊維",
    "布帛", "紙", "金属", "合金", "鋼板", "酸化物", "窒化物", "炭素", "水素",
    "酸素", "窒素", "燃料", "排気", "吸気", "燃焼", "発電", "蓄電", "充電",
    "放電", "変圧", "整流", "電源", "負荷", "安全", "異常", "故障", "診断",
    "監視", "警報", "認証", "暗号", "鍵", "文書", "帳票", "決済", "取引",
    "商品", "顧客", "店舗", "学習", "推論", "特徴量", "分類", "識別", "認識",
    "撮像", "撮影", "投影", "計測", "検査", "評価", "補正", "調整", "設定",
    "選択", "切替", "許可", "禁止", "報知", "案内", "予測", "履歴", "状態",
};
/* Katakana loan words of patent Japanese. */
static const char *const kata[] = {
    "センサ", "モータ", "カメラ", "バッテリ", "フィルム", "ポリマー",
    "アルゴリズム", "ネットワーク", "サーバ", "データ", "プロセッサ", "メモリ",
    "ディスプレイ", "パネル", "レンズ", "ロボット", "アーム", "ハンド", "ギア",
    "ブレーキ", "エンジン", "ステアリング", "タイヤ", "ホイール", "シート",
    "ドア", "ミラー", "ライト", "ランプ", "スイッチ", "ボタン", "キー",
    "アンテナ", "ケーブル", "コネクタ", "インバータ", "コンバータ", "トランジスタ",
    "キャパシタ", "ダイオード", "レーザ", "ファイバ", "フィルタ", "ノズル",
    "ポンプ", "バルブ", "タンク", "ヒータ", "ファン", "コンプレッサ", "ユニット",
    "モジュール", "デバイス", "システム", "プログラム", "ソフトウェア",
    "アプリケーション", "インタフェース", "プロトコル", "パケット", "チャネル",
    "ビーム", "パルス", "クロック", "バッファ", "キャッシュ", "レジスタ",
    "コントローラ", "アクチュエータ", "シリンダ", "ピストン", "スプリング",
    "ベルト", "ローラ", "トナー", "インク", "ヘッド", "カートリッジ", "トレイ",
    "カテーテル", "ステント", "インプラント", "マーカ", "プローブ", "チップ",
    "ウエハ", "マスク", "レジスト", "エッチング", "スパッタ", "ペースト",
    "コーティング", "ゲル", "エマルション", "カプセル", "タブレット",
    "ユーザ", "アカウント", "パスワード", "トークン", "ブロックチェーン",
    "クラウド", "エッジ", "ドローン", "ナビゲーション", "レーダ", "ライダー",
};
/* Sahen nouns used as verbs (X を V する). */
static const char *const verbs[] = {
    "検出", "制御", "算出", "判定", "推定", "生成", "送信", "受信", "取得",
    "表示", "記憶", "変換", "供給", "形成", "調整", "測定", "照射", "駆動",
    "冷却", "加熱", "選択", "補正", "出力", "入力", "抑制", "低減", "向上",
    "特定", "決定", "通知", "解析", "比較", "更新", "登録", "配置", "接続",
};
/* Title heads. */
static const char *const heads[] = {
    "装置", "方法", "システム", "プログラム", "装置及び方法", "組成物",
    "制御装置", "製造方法", "構造体", "ユニット",
};
/* Real IPC subclasses; popularity order is a seeded shuffle of this list. */
static const char *const subclasses[] = {
    "A01B", "A01G", "A01K", "A01N", "A21D", "A23L", "A41D", "A43B", "A45D",
    "A46B", "A47J", "A47L", "A61B", "A61C", "A61F", "A61G", "A61H", "A61J",
    "A61K", "A61L", "A61M", "A61N", "A61P", "A62B", "A63B", "A63F", "A63H",
    "B01D", "B01F", "B01J", "B05B", "B05C", "B05D", "B08B", "B21D", "B22F",
    "B23K", "B23P", "B24B", "B25J", "B26D", "B29C", "B32B", "B41J", "B60C",
    "B60H", "B60K", "B60L", "B60Q", "B60R", "B60T", "B60W", "B61L", "B62D",
    "B62J", "B62M", "B63B", "B64C", "B64D", "B65D", "B65G", "B65H", "B66B",
    "B66C", "B81B", "C01B", "C02F", "C03C", "C04B", "C07C", "C07D", "C07K",
    "C08F", "C08G", "C08J", "C08K", "C08L", "C09D", "C09J", "C09K", "C10M",
    "C12M", "C12N", "C12P", "C12Q", "C22C", "C23C", "C25D", "C30B", "D01F",
    "D03D", "D04H", "D06F", "D06M", "D21H", "E01D", "E02F", "E04B", "E04F",
    "E04G", "E05B", "E06B", "E21B", "F01D", "F01N", "F02B", "F02D", "F02M",
    "F03D", "F04B", "F04D", "F16C", "F16D", "F16H", "F16K", "F16L", "F17C",
    "F21S", "F21V", "F24F", "F24H", "F25B", "F25D", "F26B", "F27D", "F28D",
    "G01B", "G01C", "G01D", "G01J", "G01K", "G01L", "G01M", "G01N", "G01R",
    "G01S", "G01V", "G02B", "G02F", "G03B", "G03F", "G03G", "G05B", "G05D",
    "G05F", "G06F", "G06K", "G06N", "G06Q", "G06T", "G06V", "G07C", "G07F",
    "G08B", "G08G", "G09B", "G09F", "G09G", "G10L", "G11B", "G11C", "G16H",
    "G21C", "H01B", "H01F", "H01G", "H01J", "H01L", "H01M", "H01Q", "H01R",
    "H01S", "H02J", "H02K", "H02M", "H02P", "H03F", "H03H", "H03K", "H03M",
    "H04B", "H04J", "H04L", "H04M", "H04N", "H04R", "H04W", "H05B", "H05K",
    "H10K",
};
/* Company name parts for applicants. */
static const char *const corp_a[] = {
    "日本", "東京", "大阪", "中央", "東洋", "三和", "新光", "富士", "昭和",
    "北陸", "九州", "関西", "第一", "協和", "大和", "平和", "共栄", "旭",
};
static const char *const corp_b[] = {
    "電機", "工業", "製作所", "自動車", "化学", "精機", "電子", "技研",
    "製薬", "重工業", "光学", "通信", "電装", "金属", "繊維", "システムズ",
};

#define NELEM(a) (sizeof(a) / sizeof *(a))
#define NFIELDS NELEM(subclasses)
#define NCORP 5000u         /* distinct applicants */
#define BG_PERMILLE 400u     /* share of background tokens */

/* ============================================================== PRNG */

/* xoshiro256** state (Blackman & Vigna); seeded through splitmix64. */
typedef struct rng {
    uint64_t s[4]; /* generator state, never all zero */
} rng;

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Stream for (seed, stream id); distinct ids give independent streams. */
static void rng_seed(rng *r, uint64_t seed, uint64_t id) {
    uint64_t x = seed ^ (id * 0xD1B54A32D192ED03ull);
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(rng *r) {
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* Uniform integer in [0, n), n > 0 (Lemire's multiply; bias < 2^-32 for the
 * table sizes used here, and identical on every machine). */
static uint32_t rng_below(rng *r, uint32_t n) {
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* ============================================================== Zipf */

/* Cumulative integer weights of a Zipf-Mandelbrot law over n ranks:
 * w(r) = 2^40 * 10 / (10 r + 27), i.e. 1 / (r + 2.7), in integers. */
typedef struct zipf {
    uint64_t *cum; /* cum[r] = w(0) + ... + w(r) */
    uint32_t n;    /* ranks */
} zipf;

static int zipf_init(zipf *z, uint32_t n) {
    z->n = n;
    z->cum = malloc((size_t)n * sizeof *z->cum);
    if (!z->cum) return -1;
    uint64_t acc = 0;
    for (uint32_t r = 0; r < n; r++) {
        acc += (((uint64_t)1 << 40) * 10) / (10ull * r + 27);
        z->cum[r] = acc;
    }
    return 0;
}

/* Rank in [0, n) drawn from z (binary search over the cumulative table). */
static uint32_t zipf_draw(const zipf *z, rng *r) {
    uint64_t u = rng_next(r) % z->cum[z->n - 1];
    uint32_t lo = 0, hi = z->n - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (z->cum[mid] > u) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

/* ========================================================= vocabulary */

/* The term list: index = background Zipf rank. */
typedef struct vocab {
    char **term;    /* V NUL-terminated UTF-8 terms */
    uint32_t n;     /* V, a power of two */
    uint32_t *slot; /* open-addressing set of term indexes (dedupe), 2V */
} vocab;

static uint64_t fnv1a(const char *s) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

/* Insert t (owned on success) unless present. 1 inserted, 0 duplicate. */
static int vocab_put(vocab *v, uint32_t *used, char *t) {
    uint32_t mask = 2 * v->n - 1, h = (uint32_t)fnv1a(t) & mask;
    while (v->slot[h] != UINT32_MAX) {
        if (!strcmp(v->term[v->slot[h]], t)) return 0;
        h = (h + 1) & mask;
    }
    v->slot[h] = *used;
    v->term[(*used)++] = t;
    return 1;
}

static const char *morpheme(rng *r) {
    uint32_t nk = NELEM(kanji), nt = NELEM(kata);
    uint32_t i = rng_below(r, nk + nt);
    return i < nk ? kanji[i] : kata[i - nk];
}

/* Build V terms: the single morphemes interleaved (kanji and katakana, most
 * general first), then 2- and 3-morpheme compounds from a seeded stream.
 * Returns 0 or -1 (out of memory). */
static int vocab_build(vocab *v, uint32_t n, uint64_t seed) {
    v->n = n;
    v->term = calloc(n, sizeof *v->term);
    v->slot = malloc((size_t)2 * n * sizeof *v->slot);
    if (!v->term || !v->slot) return -1;
    memset(v->slot, 0xff, (size_t)2 * n * sizeof *v->slot);
    uint32_t used = 0;
    size_t nk = NELEM(kanji), nt = NELEM(kata);
    for (size_t i = 0; i < nk || i < nt; i++) {
        if (i < nk && used < n) {
            char *t = strdup(kanji[i]);
            if (!t) return -1;
            if (!vocab_put(v, &used, t)) free(t);
        }
        if (i < nt && used < n) {
            char *t = strdup(kata[i]);
            if (!t) return -1;
            if (!vocab_put(v, &used, t)) free(t);
        }
    }
    rng r;
    rng_seed(&r, seed, 0xC0FFEEull);
    while (used < n) {
        char buf[128];
        int parts = rng_below(&r, 5) == 0 ? 3 : 2;
        buf[0] = 0;
        for (int p = 0; p < parts; p++) strcat(buf, morpheme(&r));
        char *t = strdup(buf);
        if (!t) return -1;
        if (!vocab_put(v, &used, t)) free(t);
    }
    return 0;
}

static void vocab_free(vocab *v) {
    if (v->term)
        for (uint32_t i = 0; i < v->n; i++) free(v->term[i]);
    free(v->term);
    free(v->slot);
}

/* ========================================================== the model */

/* Everything shared by all documents. */
typedef struct model {
    vocab voc;                /* the term list */
    zipf bg;                  /* background Zipf over all V terms */
    zipf fz;                  /* field Zipf over the first F ranks */
    zipf pop;                 /* field popularity Zipf over NFIELDS */
    zipf corp;                /* applicant Zipf over NCORP */
    uint32_t order[NFIELDS];  /* popularity rank -> subclass index */
    uint32_t fa[NFIELDS];     /* field permutation multiplier (odd) */
    uint32_t fb[NFIELDS];     /* field permutation offset */
    uint32_t partner[NFIELDS][3]; /* fixed co-classification partners */
    uint64_t seed;            /* corpus seed */
    uint64_t *count;          /* per-term draws, for --stats (or NULL) */
} model;

static int model_init(model *m, uint64_t seed, uint32_t V, uint32_t F,
                      int stats) {
    memset(m, 0, sizeof *m);
    m->seed = seed;
    if (vocab_build(&m->voc, V, seed) || zipf_init(&m->bg, V) ||
        zipf_init(&m->fz, F) || zipf_init(&m->pop, NFIELDS) ||
        zipf_init(&m->corp, NCORP))
        return -1;
    if (stats && !(m->count = calloc(V, sizeof *m->count))) return -1;
    rng r;
    rng_seed(&r, seed, 0xF1E1Dull);
    for (uint32_t i = 0; i < NFIELDS; i++) m->order[i] = i;
    for (uint32_t i = NFIELDS - 1; i > 0; i--) { /* Fisher-Yates */
        uint32_t j = rng_below(&r, i + 1), t = m->order[i];
        m->order[i] = m->order[j];
        m->order[j] = t;
    }
    for (uint32_t i = 0; i < NFIELDS; i++) {
        m->fa[i] = (uint32_t)rng_next(&r) | 1u;
        m->fb[i] = (uint32_t)rng_next(&r);
        for (int k = 0; k < 3; k++) {
            uint32_t p;
            do p = rng_below(&r, NFIELDS); while (p == i);
            m->partner[i][k] = p;
        }
    }
    return 0;
}

static void model_free(model *m) {
    vocab_free(&m->voc);
    free(m->bg.cum);
    free(m->fz.cum);
    free(m->pop.cum);
    free(m->corp.cum);
    free(m->count);
}

/* ======================================================= one document */

/* Output buffers of one document. */
typedef struct sbuf {
    char *p;      /* bytes */
    size_t len;   /* used */
    size_t cap;   /* allocated */
} sbuf;

static void sb_add(sbuf *b, const char *s) {
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            fprintf(stderr, "gen_corpus: out of memory\n");
            exit(1);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

/* Characters (code points) of UTF-8 s. */
static size_t u8len(const char *s, size_t n) {
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* State of the document being generated. */
typedef struct gdoc {
    rng r;                 /* this document's stream */
    uint32_t field[4];     /* subclass indexes, first = main field */
    int nfield;            /* 1..4 */
    sbuf terms;            /* drawn terms, space-separated (--terms) */
} gdoc;

/* One content term: background Zipf, or a field Zipf through the field's
 * permutation (the first field three times as likely as each other one). */
static const char *draw_term(const model *m, gdoc *d) {
    uint32_t t;
    if (rng_below(&d->r, 1000) < BG_PERMILLE) {
        t = zipf_draw(&m->bg, &d->r);
    } else {
        uint32_t k = rng_below(&d->r, (uint32_t)d->nfield + 2);
        uint32_t f = d->field[k < 3 ? 0 : k - 2];
        uint32_t rank = zipf_draw(&m->fz, &d->r);
        t = (m->fa[f] * rank + m->fb[f]) & (m->voc.n - 1);
    }
    if (m->count) m->count[t]++;
    if (d->terms.len) sb_add(&d->terms, " ");
    sb_add(&d->terms, m->voc.term[t]);
    return m->voc.term[t];
}

static const char *pick(rng *r, const char *const *a, size_t n) {
    return a[rng_below(r, (uint32_t)n)];
}

/* Append one sentence from a fixed set of patent-style templates. */
static void sentence(const model *m, gdoc *d, sbuf *b) {
    rng *r = &d->r;
    const char *v = pick(r, verbs, NELEM(verbs));
    switch (rng_below(r, 6)) {
    case 0:
        sb_add(b, draw_term(m, d)); sb_add(b, "は、");
        sb_add(b, draw_term(m, d)); sb_add(b, "と、");
        sb_add(b, draw_term(m, d)); sb_add(b, "とを備える。");
        break;
    case 1:
        sb_add(b, draw_term(m, d)); sb_add(b, "に基づいて");
        sb_add(b, draw_term(m, d)); sb_add(b, "を"); sb_add(b, v);
        sb_add(b, "する"); sb_add(b, draw_term(m, d)); sb_add(b, "を有する。");
        break;
    case 2:
        sb_add(b, draw_term(m, d)); sb_add(b, "の");
        sb_add(b, draw_term(m, d)); sb_add(b, "を"); sb_add(b, v);
        sb_add(b, "し、"); sb_add(b, draw_term(m, d)); sb_add(b, "を");
        sb_add(b, pick(r, verbs, NELEM(verbs))); sb_add(b, "する。");
        break;
    case 3:
        sb_add(b, draw_term(m, d)); sb_add(b, "により");
        sb_add(b, draw_term(m, d)); sb_add(b, "が"); sb_add(b, v);
        sb_add(b, "される。");
        break;
    case 4:
        sb_add(b, draw_term(m, d)); sb_add(b, "および");
        sb_add(b, draw_term(m, d)); sb_add(b, "を用いて");
        sb_add(b, draw_term(m, d)); sb_add(b, "の");
        sb_add(b, draw_term(m, d)); sb_add(b, "を"); sb_add(b, v);
        sb_add(b, "する。");
        break;
    default:
        sb_add(b, draw_term(m, d)); sb_add(b, "が");
        sb_add(b, draw_term(m, d)); sb_add(b, "に設けられた");
        sb_add(b, draw_term(m, d)); sb_add(b, "を介して");
        sb_add(b, draw_term(m, d)); sb_add(b, "と接続される。");
        break;
    }
}

/* Fields of a document: count 1-4, main field by popularity, the rest
 * co-classified (same class, partner, or popularity), no repeats. */
static void draw_fields(const model *m, gdoc *d) {
    rng *r = &d->r;
    uint32_t u = rng_below(r, 100);
    int n = u < 45 ? 1 : u < 75 ? 2 : u < 92 ? 3 : 4;
    d->field[0] = m->order[zipf_draw(&m->pop, r)];
    d->nfield = 1;
    for (int tries = 0; d->nfield < n && tries < 64; tries++) {
        uint32_t f, main = d->field[0], w = rng_below(r, 10);
        if (w < 5) { /* same class: scan for subclasses sharing 3 chars */
            uint32_t same[NFIELDS], ns = 0;
            for (uint32_t i = 0; i < NFIELDS; i++)
                if (i != main && !memcmp(subclasses[i], subclasses[main], 3))
                    same[ns++] = i;
            f = ns ? same[rng_below(r, ns)] : m->partner[main][0];
        } else if (w < 8) {
            f = m->partner[main][rng_below(r, 3)];
        } else {
            f = m->order[zipf_draw(&m->pop, r)];
        }
        int dup = 0;
        for (int i = 0; i < d->nfield; i++) dup |= d->field[i] == f;
        if (!dup) d->field[d->nfield++] = f;
    }
}

/* Running statistics for --stats. */
typedef struct gstats {
    uint64_t docs;             /* documents */
    uint64_t fields_hist[5];   /* documents by number of fields */
    uint64_t abs_chars;        /* sum of abstract lengths (characters) */
    uint64_t abs_hist[9];      /* abstracts by length, 50-char bins to 400+ */
    uint64_t claim_chars;      /* sum of claims lengths */
    uint64_t title_chars;      /* sum of title lengths */
    uint64_t tokens;           /* drawn terms */
    uint64_t same_section;     /* multi-field docs whose fields share a section */
    uint64_t multi;            /* docs with >= 2 fields */
} gstats;

/* Generate document i and write its JSONL line (and --text/--terms lines). */
static void gen_doc(const model *m, uint64_t i, sbuf *line, sbuf *title,
                    sbuf *abs, sbuf *claims, gdoc *d, gstats *st,
                    FILE *jf, FILE *tf, FILE *wf) {
    rng_seed(&d->r, m->seed, i + 1);
    d->terms.len = 0;
    if (d->terms.p) d->terms.p[0] = 0;
    title->len = abs->len = claims->len = line->len = 0;
    draw_fields(m, d);

    /* Title: one or two terms and a head word. */
    sb_add(title, draw_term(m, d));
    if (rng_below(&d->r, 2)) {
        sb_add(title, rng_below(&d->r, 2) ? "の" : "");
        sb_add(title, draw_term(m, d));
    }
    sb_add(title, pick(&d->r, heads, NELEM(heads)));

    /* Abstract: 【課題】 one sentence, 【解決手段】 until the target length. */
    size_t target = 150 + rng_below(&d->r, 126) + rng_below(&d->r, 126);
    sb_add(abs, "【課題】");
    sb_add(abs, draw_term(m, d));
    sb_add(abs, "を");
    sb_add(abs, pick(&d->r, verbs, NELEM(verbs)));
    sb_add(abs, "することができる");
    sb_add(abs, title->p);
    sb_add(abs, "を提供する。【解決手段】");
    while (u8len(abs->p, abs->len) < target) sentence(m, d, abs);

    /* Claims: 1-5, each 60-250 characters. */
    int nclaims = 1 + (int)rng_below(&d->r, 5);
    for (int c = 1; c <= nclaims; c++) {
        char hdr[1024]; /* a title is at most 3 terms of ~60 bytes */
        size_t start = claims->len, want = 60 + rng_below(&d->r, 191);
        snprintf(hdr, sizeof hdr, "%s【請求項%d】", c > 1 ? "\\n" : "", c);
        sb_add(claims, hdr);
        if (c > 1) {
            snprintf(hdr, sizeof hdr, "請求項%dに記載の%sであって、",
                     1 + (int)rng_below(&d->r, (uint32_t)(c - 1)), title->p);
            sb_add(claims, hdr);
        }
        while (u8len(claims->p + start, claims->len - start) < want)
            sentence(m, d, claims);
    }

    /* JSON line. Generated strings hold no quote, backslash or control
     * character except the "\n" escapes written above. */
    char buf[256];
    snprintf(buf, sizeof buf, "{\"id\":\"GEN%010" PRIu64 "\",\"lang\":\"ja\","
             "\"title\":\"", i + 1);
    sb_add(line, buf);
    sb_add(line, title->p);
    sb_add(line, "\",\"abstract\":\"");
    sb_add(line, abs->p);
    sb_add(line, "\",\"claims\":\"");
    sb_add(line, claims->p);
    sb_add(line, "\",\"ipc\":[");
    for (int k = 0; k < d->nfield; k++) {
        snprintf(buf, sizeof buf, "%s\"%s %u/%02u\"", k ? "," : "",
                 subclasses[d->field[k]], 1 + rng_below(&d->r, 60),
                 rng_below(&d->r, 20) * 2);
        sb_add(line, buf);
    }
    uint32_t c = zipf_draw(&m->corp, &d->r);
    uint32_t y = 2005 + rng_below(&d->r, 20), mo = 1 + rng_below(&d->r, 12),
             da = 1 + rng_below(&d->r, 28);
    snprintf(buf, sizeof buf, "],\"applicant\":\"%s%s%s株式会社\",\"date\":"
             "\"%04u-%02u-%02u\",\"open\":%s}\n",
             corp_a[c % NELEM(corp_a)], corp_b[(c / NELEM(corp_a)) % NELEM(corp_b)],
             c >= NELEM(corp_a) * NELEM(corp_b) ? m->voc.term[c % m->voc.n] : "",
             y, mo, da, rng_below(&d->r, 10) == 0 ? "true" : "false");
    sb_add(line, buf);
    fwrite(line->p, 1, line->len, jf);

    if (tf) { /* the text tenyo indexes, one line; "\n" escapes -> space */
        fputs(title->p, tf);
        fputc(' ', tf);
        fputs(abs->p, tf);
        fputc(' ', tf);
        for (const char *p = claims->p; *p; p++) {
            if (p[0] == '\\' && p[1] == 'n') { fputc(' ', tf); p++; }
            else fputc(*p, tf);
        }
        fputc('\n', tf);
    }
    if (wf) {
        fputs(d->terms.p ? d->terms.p : "", wf);
        fputc('\n', wf);
    }

    if (st) {
        size_t ac = u8len(abs->p, abs->len);
        st->docs++;
        st->fields_hist[d->nfield]++;
        st->abs_chars += ac;
        st->abs_hist[ac / 50 < 8 ? ac / 50 : 8]++;
        st->claim_chars += u8len(claims->p, claims->len);
        st->title_chars += u8len(title->p, title->len);
        if (d->nfield > 1) {
            st->multi++;
            int same = 1;
            for (int k = 1; k < d->nfield; k++)
                same &= subclasses[d->field[k]][0] == subclasses[d->field[0]][0];
            st->same_section += same;
        }
    }
}

/* ============================================================ --stats */

static int cmp_desc(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Least-squares slope of log f(r) against log r, over ranks lo..hi
 * sampled geometrically (so the long tail does not dominate the fit). */
static double zipf_slope(const uint64_t *f, uint32_t n, uint32_t lo,
                         uint32_t hi) {
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int k = 0;
    if (hi > n) hi = n;
    for (double r = lo; r <= hi; r *= 1.1) {
        uint32_t i = (uint32_t)r;
        if (!f[i - 1]) break;
        double x = log((double)i), y = log((double)f[i - 1]);
        sx += x; sy += y; sxx += x * x; sxy += x * y;
        k++;
    }
    if (k < 2) return 0;
    return (k * sxy - sx * sy) / (k * sxx - sx * sx);
}

static void print_stats(const model *m, const gstats *st) {
    uint32_t V = m->voc.n, distinct = 0, df2 = 0;
    uint64_t *f = malloc((size_t)V * sizeof *f);
    if (!f) return;
    memcpy(f, m->count, (size_t)V * sizeof *f);
    qsort(f, V, sizeof *f, cmp_desc);
    for (uint32_t i = 0; i < V; i++) {
        distinct += f[i] > 0;
        df2 += f[i] >= 2;
    }
    double nd = st->docs ? (double)st->docs : 1;
    double fpd = 0;
    for (int k = 1; k <= 4; k++) fpd += k * (double)st->fields_hist[k];
    fprintf(stderr,
            "gen_corpus stats: %" PRIu64 " docs, %" PRIu64 " drawn terms "
            "(%.1f/doc), %u distinct (%u seen twice or more) of V=%u\n"
            "  rank/frequency log-log slope: ranks 1-100 %.3f, 10-10000 %.3f, "
            "100-%u %.3f\n"
            "  fields/doc %.2f (1: %.1f%%, 2: %.1f%%, 3: %.1f%%, 4: %.1f%%); "
            "multi-field docs within one section %.1f%%\n"
            "  chars/doc: title %.1f, abstract %.1f, claims %.1f\n"
            "  abstract length histogram (chars, 50-wide bins from 0):",
            st->docs, st->tokens, st->tokens / nd, distinct, df2, V,
            zipf_slope(f, V, 1, 100), zipf_slope(f, V, 10, 10000), distinct,
            zipf_slope(f, V, 100, distinct), fpd / nd,
            100 * st->fields_hist[1] / nd, 100 * st->fields_hist[2] / nd,
            100 * st->fields_hist[3] / nd, 100 * st->fields_hist[4] / nd,
            st->multi ? 100.0 * st->same_section / st->multi : 0,
            st->title_chars / nd, st->abs_chars / nd, st->claim_chars / nd);
    for (int b = 0; b < 9; b++)
        fprintf(stderr, " %.1f%%", 100 * st->abs_hist[b] / nd);
    fprintf(stderr, "\n  top terms:");
    /* top terms by count: find them again (counts are small arrays) */
    for (int t = 0; t < 10; t++)
        for (uint32_t i = 0; i < V; i++)
            if (m->count[i] == f[t]) {
                fprintf(stderr, " %s(%" PRIu64 ")", m->voc.term[i], f[t]);
                break;
            }
    fputc('\n', stderr);
    free(f);
}

/* =============================================================== main */

static const char *usage =
    "usage: gen_corpus [-n DOCS] [-s SEED] [-V VOCAB] [-F FIELDVOCAB]\n"
    "                  [-o FILE] [--text FILE] [--terms FILE] [--stats]\n"
    "Write DOCS (default 100000) generated Japanese patent records as JSONL\n"
    "(stdout unless -o). V (default 131072) and F (default 16384) must be\n"
    "powers of two, F <= V. Same seed, same bytes.\n";

static int parse_u64(const char *s, uint64_t *out) {
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || !end || *end || end == s) return -1;
    *out = v;
    return 0;
}

static FILE *open_out(const char *path) {
    FILE *f = fopen(path, "wb");
    if (!f) fprintf(stderr, "gen_corpus: %s: %s\n", path, strerror(errno));
    return f;
}

int main(int argc, char **argv) {
    static const struct option lo[] = {
        {"docs", required_argument, 0, 'n'}, {"seed", required_argument, 0, 's'},
        {"vocab", required_argument, 0, 'V'}, {"field-vocab", required_argument, 0, 'F'},
        {"output", required_argument, 0, 'o'}, {"text", required_argument, 0, 'T'},
        {"terms", required_argument, 0, 'W'}, {"stats", no_argument, 0, 'S'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    uint64_t n = 100000, seed = 20240401, V = 131072, F = 16384;
    const char *out = NULL, *textp = NULL, *termsp = NULL;
    int stats = 0, c, rc = 1;
    while ((c = getopt_long(argc, argv, "n:s:V:F:o:h", lo, NULL)) != -1) {
        switch (c) {
        case 'n': if (parse_u64(optarg, &n)) goto bad; break;
        case 's': if (parse_u64(optarg, &seed)) goto bad; break;
        case 'V': if (parse_u64(optarg, &V)) goto bad; break;
        case 'F': if (parse_u64(optarg, &F)) goto bad; break;
        case 'o': out = optarg; break;
        case 'T': textp = optarg; break;
        case 'W': termsp = optarg; break;
        case 'S': stats = 1; break;
        case 'h': fputs(usage, stdout); return 0;
        default: goto bad;
        }
    }
    if (optind != argc || V < 1024 || V > (1u << 24) || (V & (V - 1)) ||
        F < 16 || F > V || (F & (F - 1)) || n > 1000000000ull)
        goto bad;

    model m;
    FILE *jf = stdout, *tf = NULL, *wf = NULL;
    sbuf line = {0}, title = {0}, abs = {0}, claims = {0};
    gdoc d;
    gstats st;
    memset(&d, 0, sizeof d);
    memset(&st, 0, sizeof st);
    if (model_init(&m, seed, (uint32_t)V, (uint32_t)F, stats)) {
        fprintf(stderr, "gen_corpus: out of memory\n");
        goto done;
    }
    if ((out && !(jf = open_out(out))) || (textp && !(tf = open_out(textp))) ||
        (termsp && !(wf = open_out(termsp))))
        goto done;
    for (uint64_t i = 0; i < n; i++)
        gen_doc(&m, i, &line, &title, &abs, &claims, &d, stats ? &st : NULL,
                jf, tf, wf);
    if (stats) {
        for (uint32_t i = 0; i < m.voc.n; i++) st.tokens += m.count[i];
        print_stats(&m, &st);
    }
    rc = 0;
    if (fflush(jf) || ferror(jf) || (tf && (fflush(tf) || ferror(tf))) ||
        (wf && (fflush(wf) || ferror(wf)))) {
        fprintf(stderr, "gen_corpus: write error: %s\n", strerror(errno));
        rc = 1;
    }
done:
    if (jf && jf != stdout) fclose(jf);
    if (tf) fclose(tf);
    if (wf) fclose(wf);
    free(line.p);
    free(title.p);
    free(abs.p);
    free(claims.p);
    free(d.terms.p);
    model_free(&m);
    return rc;
bad:
    fputs(usage, stderr);
    return 1;
}
