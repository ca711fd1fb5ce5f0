/*
 * labels.c — names of IPC fields (sections, classes, subclasses) in
 * Japanese and English, for the cards of `tenyo ideas`.
 *
 * Three sources, one lookup:
 *   - Built-in tables (below): the 8 sections and every IPC class, each
 *     with a short Japanese and English label written for a card heading
 *     (Japanese <= 20 characters, English <= 60). They are ours, written
 *     from the IPC, not copied from a scheme file, so the binary always has
 *     a label for every well-formed code without any data file.
 *   - A scheme file loaded at run time (--ipc-titles FILE): either the JPO
 *     Japanese TSV (header "code\tlevel\tdots\ttitle_ja") or the English TSV
 *     (header "symbol\tlevel\ttitle"); the header line decides. Only
 *     section, class and subclass lines are kept (groups, ~74k lines, are
 *     read and skipped), so a load holds about 800 titles per language.
 *   - The titles built into the library (ty_labels_builtin, a set of its
 *     own): the IPC scheme's sections, classes and subclasses as
 *     models/ipc_titles.sh made them at build time from scheme files the
 *     builder gave (models/README.md); none when the build had none. The
 *     index asks it for a subclass its own set has no title for
 *     (tenyo_field_label), so a loaded file overrides it. It is a lazy set
 *     (ty_labels_new_lazy): its ~1,400 titles are indexed once, in place
 *     (scheme_fast: the titles point into one copy of the blob), and a
 *     short label is derived only when a lookup first asks for its code.
 * ty_labels_get() answers with the subclass title when one is loaded (or,
 * for the subclasses the 2018 scheme predates (G06V, those of H10), a
 * built-in label of ours: builtin_newer_subclasses), else the class label (which
 * tenyo_field_label marks "（クラス）", so a card says it names the class),
 * else the section label, in the language asked: a
 * well-formed code never gets NULL or "". Class and section labels come
 * from the built-in tables when they have the code (they are written to be
 * short), from the file only for a class the tables do not know (a newer
 * IPC edition). ty_labels_full() gives the title exactly as the file has it.
 *
 * Short labels: the display label is derived from the full title by
 * ty_labels_shorten (model/shorten.c, whose opening comment gives the
 * steps and the sentence-case rule).
 *
 * Untrusted files: a line longer than 64 KiB, more than 4 million lines, a
 * NUL byte, invalid UTF-8, control characters, a wrong field count, an
 * unknown level, a code that does not have the shape of its level, a
 * duplicate code, or more than 16 MiB of kept title text is an error
 * (TENYO_ERR_INPUT, "file:line: …"). The shape check bounds the number of
 * kept entries (8 + 800 + 20800 possible codes). A load is all or nothing:
 * it parses into a staging set and merges only on success; a later load
 * overrides earlier titles of the same code and language.
 *
 * Index blob (ty_labels_serialize): "tenyo-ipc-titles 1\n" then one line
 * "code\tlang\tfull title\n" per loaded title, sorted by code then
 * language. Only full titles are stored: short labels are derived again on
 * load, so an index written today shows the better labels of a later
 * version. A damaged blob is TENYO_ERR_CORRUPT, a newer format
 * TENYO_ERR_VERSION.
 *
 * Threads: after loading, a ty_labels is only read (ty_strmap_get and array
 * reads; a lazy set's lookup also fills an empty label slot once, by
 * compare-and-swap), so lookups may run concurrently. Returned strings live until the
 * next load, deserialize or free.
 */
#include "model/model.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ============================================================ limits */

#define LAB_LINE_MAX (64u * 1024u)        /* bytes per line in a file/blob */
#define LAB_MAX_LINES 4000000L            /* lines per scheme file */
#define LAB_MAX_BYTES (16u * 1024u * 1024u) /* kept title bytes per load */
#define LAB_BLOB_MAGIC "tenyo-ipc-titles "
#define LAB_BLOB_VERSION 1

enum { LANG_JA = 0, LANG_EN = 1, NLANG = 2 };

/* ==================================================== built-in tables */

/* One built-in title: code and short labels. */
typedef struct builtin_title {
    const char *code; /* "A" or "A01" */
    const char *ja;   /* Japanese card label */
    const char *en;   /* English card label */
} builtin_title;

static const builtin_title builtin_sections[8] = {
    {"A", "生活必需品", "Human necessities"},
    {"B", "処理操作；運輸", "Performing operations; transporting"},
    {"C", "化学；冶金", "Chemistry; metallurgy"},
    {"D", "繊維；紙", "Textiles; paper"},
    {"E", "固定構造物", "Fixed constructions"},
    {"F", "機械工学；照明；加熱；武器；爆破",
     "Mechanical engineering; lighting; heating; weapons; blasting"},
    {"G", "物理学", "Physics"},
    {"H", "電気", "Electricity"},
};

#define NOT_ELSEWHERE_JA "このセクションで他に分類されない主題"
#define NOT_ELSEWHERE_EN "Subject matter not otherwise provided for in this section"

/* Every IPC class (edition 2018.01, plus H10 of 2023.01), sorted by code. */
static const builtin_title builtin_classes[] = {
    {"A01", "農業；林業；畜産；狩猟；捕獲；漁業",
     "Agriculture; forestry; animal husbandry; hunting; fishing"},
    {"A21", "ベイキング；食用生地", "Baking; edible doughs"},
    {"A22", "屠殺；肉処理；家禽または魚の処理",
     "Butchering; meat treatment; processing poultry or fish"},
    {"A23", "食品または食料品；その処理", "Foods or foodstuffs; their treatment"},
    {"A24", "たばこ；葉巻；紙巻たばこ；喫煙具",
     "Tobacco; cigars; cigarettes; smokers' requisites"},
    {"A41", "衣類", "Wearing apparel"},
    {"A42", "帽子類", "Headwear"},
    {"A43", "履物", "Footwear"},
    {"A44", "小間物；宝石類", "Haberdashery; jewellery"},
    {"A45", "手で持ち運ぶ物品または旅行用品", "Hand or travelling articles"},
    {"A46", "ブラシ製品", "Brushware"},
    {"A47", "家具；家庭用品；電気掃除機",
     "Furniture; domestic articles or appliances; suction cleaners"},
    {"A61", "医学；獣医学；衛生学", "Medical or veterinary science; hygiene"},
    {"A62", "人命救助；消防", "Life-saving; fire-fighting"},
    {"A63", "スポーツ；ゲーム；娯楽", "Sports; games; amusements"},
    {"A99", NOT_ELSEWHERE_JA, NOT_ELSEWHERE_EN},
    {"B01", "物理的または化学的方法または装置一般",
     "Physical or chemical processes or apparatus in general"},
    {"B02", "破砕；粉砕；製粉のための穀粒の前処理",
     "Crushing; pulverising; preparing grain for milling"},
    {"B03", "液体等による固体の分離；磁気・静電分離",
     "Wet or pneumatic separation of solids; magnetic separation"},
    {"B04", "遠心装置または遠心機", "Centrifugal apparatus or machines"},
    {"B05", "噴霧；流動性材料の表面への適用",
     "Spraying; applying fluent materials to surfaces"},
    {"B06", "機械的振動の発生または伝達一般",
     "Generating or transmitting mechanical vibrations"},
    {"B07", "固体相互の分離；仕分け", "Separating solids from solids; sorting"},
    {"B08", "清掃", "Cleaning"},
    {"B09", "固体廃棄物の処理；汚染土壌の再生",
     "Disposal of solid waste; reclamation of contaminated soil"},
    {"B21", "材料除去を伴わない機械的金属加工；打抜き",
     "Metal-working without removing material; punching metal"},
    {"B22", "鋳造；粉末冶金", "Casting; powder metallurgy"},
    {"B23", "工作機械；他に分類されない金属加工",
     "Machine tools; metal-working not otherwise provided for"},
    {"B24", "研削；研磨", "Grinding; polishing"},
    {"B25", "手工具；可搬式動力工具；マニプレータ",
     "Hand tools; power tools; workshop equipment; manipulators"},
    {"B26", "手持切断工具；切断；切離し", "Hand cutting tools; cutting; severing"},
    {"B27", "木材の加工または保存；釘打ち機",
     "Working or preserving wood; nailing or stapling machines"},
    {"B28", "セメント，粘土または石材の加工", "Working cement, clay or stone"},
    {"B29", "プラスチックの加工；可塑状態の物質の加工",
     "Working of plastics; substances in a plastic state"},
    {"B30", "プレス", "Presses"},
    {"B31", "紙製品の製造；紙の加工",
     "Making articles of paper or cardboard; working paper"},
    {"B32", "積層体", "Layered products"},
    {"B33", "付加製造技術", "Additive manufacturing technology"},
    {"B41", "印刷；線画機；タイプライター；スタンプ",
     "Printing; lining machines; typewriters; stamps"},
    {"B42", "製本；アルバム；ファイル；特殊印刷物",
     "Bookbinding; albums; files; special printed matter"},
    {"B43", "筆記用具または製図用具；机上付属具",
     "Writing or drawing implements; bureau accessories"},
    {"B44", "装飾技術", "Decorative arts"},
    {"B60", "車両一般", "Vehicles in general"},
    {"B61", "鉄道", "Railways"},
    {"B62", "鉄道以外の路面車両",
     "Land vehicles for travelling otherwise than on rails"},
    {"B63", "船舶またはその他の水上浮揚構造物",
     "Ships or other waterborne vessels; related equipment"},
    {"B64", "航空機；飛行；宇宙工学", "Aircraft; aviation; cosmonautics"},
    {"B65", "運搬；包装；貯蔵；薄板・線条材料の取扱い",
     "Conveying; packing; storing; handling sheets or filaments"},
    {"B66", "巻上げ；持上げ；牽引", "Hoisting; lifting; hauling"},
    {"B67", "瓶等の開栓・密封・清掃；液体の取扱い",
     "Opening or closing bottles and jars; liquid handling"},
    {"B68", "馬具；椅子張り", "Saddlery; upholstery"},
    {"B81", "マイクロ構造技術", "Microstructural technology"},
    {"B82", "ナノテクノロジー", "Nanotechnology"},
    {"B99", NOT_ELSEWHERE_JA, NOT_ELSEWHERE_EN},
    {"C01", "無機化学", "Inorganic chemistry"},
    {"C02", "水，廃水，下水または汚泥の処理",
     "Treatment of water, waste water, sewage or sludge"},
    {"C03", "ガラス；鉱物またはスラグウール", "Glass; mineral or slag wool"},
    {"C04", "セメント；コンクリート；セラミックス",
     "Cements; concrete; artificial stone; ceramics; refractories"},
    {"C05", "肥料；その製造", "Fertilisers; manufacture thereof"},
    {"C06", "火薬；マッチ", "Explosives; matches"},
    {"C07", "有機化学", "Organic chemistry"},
    {"C08", "有機高分子化合物；その製造・組成物",
     "Organic macromolecular compounds; compositions thereof"},
    {"C09", "染料；塗料；つや出し剤；天然樹脂；接着剤",
     "Dyes; paints; polishes; natural resins; adhesives"},
    {"C10", "石油・ガス・コークス工業；燃料；潤滑剤",
     "Petroleum, gas or coke industries; fuels; lubricants; peat"},
    {"C11", "動植物油脂；脂肪酸；洗浄剤；ろうそく",
     "Animal or vegetable oils, fats or waxes; detergents; candles"},
    {"C12", "生化学；酒類；微生物学；遺伝子工学",
     "Biochemistry; beer; wine; microbiology; genetic engineering"},
    {"C13", "糖工業", "Sugar industry"},
    {"C14", "原皮；裸皮；生皮；なめし革", "Skins; hides; pelts; leather"},
    {"C21", "鉄冶金", "Metallurgy of iron"},
    {"C22", "冶金；鉄・非鉄合金；合金の処理",
     "Metallurgy; ferrous or non-ferrous alloys; treating alloys"},
    {"C23", "金属被覆；化学的表面処理；防食",
     "Metal coating; surface treatment; inhibiting corrosion"},
    {"C25", "電気分解または電気泳動方法",
     "Electrolytic or electrophoretic processes"},
    {"C30", "結晶成長", "Crystal growth"},
    {"C40", "コンビナトリアル技術", "Combinatorial technology"},
    {"C99", NOT_ELSEWHERE_JA, NOT_ELSEWHERE_EN},
    {"D01", "天然または人造の糸または繊維；紡績",
     "Natural or man-made threads or fibres; spinning"},
    {"D02", "糸；糸またはロープの機械的仕上げ；整経",
     "Yarns; finishing of yarns or ropes; warping or beaming"},
    {"D03", "織成", "Weaving"},
    {"D04", "組みひも；レース編み；メリヤス；不織布",
     "Braiding; lace-making; knitting; non-woven fabrics"},
    {"D05", "縫製；刺しゅう；タフティング", "Sewing; embroidering; tufting"},
    {"D06", "繊維等の処理；洗濯；可撓性材料",
     "Treatment of textiles; laundering; flexible materials"},
    {"D07", "ロープ；電気用以外のケーブル", "Ropes; cables other than electric"},
    {"D21", "製紙；セルロースの製造", "Paper-making; production of cellulose"},
    {"D99", NOT_ELSEWHERE_JA, NOT_ELSEWHERE_EN},
    {"E01", "道路，鉄道または橋りょうの建設",
     "Construction of roads, railways or bridges"},
    {"E02", "水工；基礎；土砂の移送",
     "Hydraulic engineering; foundations; soil shifting"},
    {"E03", "上水；下水", "Water supply; sewerage"},
    {"E04", "建築物", "Building"},
    {"E05", "錠；鍵；窓または戸の付属品；金庫",
     "Locks; keys; window or door fittings; safes"},
    {"E06", "戸；窓；シャッタ；ブラインド；はしご",
     "Doors, windows, shutters or roller blinds; ladders"},
    {"E21", "地中もしくは岩石の削孔；採鉱", "Earth or rock drilling; mining"},
    {"E99", NOT_ELSEWHERE_JA, NOT_ELSEWHERE_EN},
    {"F01", "機械または機関一般；機関設備；蒸気機関",
     "Machines or engines in general; engine plants; steam engines"},
    {"F02", "燃焼機関；熱ガス機関設備",
     "Combustion engines; hot-gas engine plants"},
    {"F03", "液体用機械；風力・ばね・重力原動機",
     "Liquid machines; wind, spring or weight motors"},
    {"F04", "容積形機械；液体・圧縮性流体用ポンプ",
     "Positive-displacement machines; pumps for liquids or gases"},
    {"F15", "流体圧アクチュエータ；液圧・空気圧一般",
     "Fluid-pressure actuators; hydraulics or pneumatics"},
    {"F16", "機械要素または単位；熱絶縁一般",
     "Engineering elements or units; thermal insulation"},
    {"F17", "ガスまたは液体の貯蔵または分配",
     "Storing or distributing gases or liquids"},
    {"F21", "照明", "Lighting"},
    {"F22", "蒸気発生", "Steam generation"},
    {"F23", "燃焼装置；燃焼方法", "Combustion apparatus; combustion processes"},
    {"F24", "加熱；レンジ；換気", "Heating; ranges; ventilating"},
    {"F25", "冷凍または冷却；ヒートポンプ；気体の液化",
     "Refrigeration or cooling; heat pumps; ice; liquefying gases"},
    {"F26", "乾燥", "Drying"},
    {"F27", "炉；キルン；窯；レトルト", "Furnaces; kilns; ovens; retorts"},
    {"F28", "熱交換一般", "Heat exchange in general"},
    {"F41", "武器", "Weapons"},
    {"F42", "弾薬；爆破", "Ammunition; blasting"},
    {"F99", NOT_ELSEWHERE_JA, NOT_ELSEWHERE_EN},
    {"G01", "測定；試験", "Measuring; testing"},
    {"G02", "光学", "Optics"},
    {"G03", "写真；映画；電子写真；ホログラフィ",
     "Photography; cinematography; electrography; holography"},
    {"G04", "時計", "Horology"},
    {"G05", "制御；調整", "Controlling; regulating"},
    {"G06", "計算；計数", "Computing; calculating; counting"},
    {"G07", "チェック装置", "Checking-devices"},
    {"G08", "信号", "Signalling"},
    {"G09", "教育；暗号方法；表示；広告；シール",
     "Education; cryptography; display; advertising; seals"},
    {"G10", "楽器；音響", "Musical instruments; acoustics"},
    {"G11", "情報記憶", "Information storage"},
    {"G12", "器械の細部", "Instrument details"},
    {"G16", "特定用途に適合した情報通信技術",
     "ICT specially adapted for specific application fields"},
    {"G21", "核物理；核工学", "Nuclear physics; nuclear engineering"},
    {"G99", NOT_ELSEWHERE_JA, NOT_ELSEWHERE_EN},
    {"H01", "基本的電気素子", "Basic electric elements"},
    {"H02", "電力の発電，変換，配電",
     "Generation, conversion or distribution of electric power"},
    {"H03", "基本電子回路", "Basic electronic circuitry"},
    {"H04", "電気通信技術", "Electric communication technique"},
    {"H05", "他に分類されない電気技術",
     "Electric techniques not otherwise provided for"},
    {"H10", "半導体装置；他に分類されない固体装置",
     "Semiconductor devices; electric solid-state devices"},
    {"H99", NOT_ELSEWHERE_JA, NOT_ELSEWHERE_EN},
};

#define NBUILTIN_CLASSES (sizeof builtin_classes / sizeof builtin_classes[0])

/* Code of the i-th built-in class, NULL past the end (for tests). */
const char *ty_labels_builtin_class(size_t i) {
    return i < NBUILTIN_CLASSES ? builtin_classes[i].code : NULL;
}

/* The built-in class entry of a 3-letter code, or NULL (binary search). */
static const builtin_title *builtin_class(const char *code3) {
    size_t lo = 0, hi = NBUILTIN_CLASSES;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strncmp(builtin_classes[mid].code, code3, 3);
        if (c == 0) return &builtin_classes[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

/* The subclasses newer than the 2018.01 scheme the built-in titles are
 * made from: G06V (2022.01, out of G06K and G06T) and those of class H10,
 * which the IPC carved out of H01L from edition 2023.01 on (H10B, H10K,
 * H10N; H10D, H10F, H10H in 2025.01; H10P, H10W in 2026.01). Without these
 * every one would be named by its class alone. Short card labels written from the scheme's titles, as
 * the class labels above; a loaded scheme file that has them wins. */
static const builtin_title builtin_newer_subclasses[] = {
    {"G06V", "画像又は映像の認識又は理解", "Image or video recognition or understanding"},
    {"H10B", "電子記憶装置", "Electronic memory devices"},
    {"H10D", "無機電気半導体装置", "Inorganic electric semiconductor devices"},
    {"H10F", "放射線に感応する無機半導体装置", "Inorganic semiconductor devices sensitive to radiation"},
    {"H10H", "無機発光半導体装置", "Inorganic light-emitting semiconductor devices"},
    {"H10K", "有機電気固体装置", "Organic electric solid-state devices"},
    {"H10N", "他に分類されない電気固体装置", "Electric solid-state devices not otherwise provided for"},
    {"H10P", "H10 装置の製造・処理", "Manufacture or treatment of H10 devices"},
    {"H10W", "H10 装置のパッケージ・配線", "Packages, interconnections and details of H10 devices"},
};

/* The entry of a subclass newer than the built-in scheme, or NULL. */
static const builtin_title *builtin_newer(const char *code4) {
    for (size_t i = 0; i < sizeof builtin_newer_subclasses / sizeof *builtin_newer_subclasses; i++)
        if (!strncmp(builtin_newer_subclasses[i].code, code4, 4)) return &builtin_newer_subclasses[i];
    return NULL;
}

int ty_labels_class_known(const char *code) {
    return code && strlen(code) >= 3 && builtin_class(code) != NULL;
}

/* ====================================================== the label set */

/* Loaded titles of one code. */
typedef struct lab_entry {
    char *full[NLANG];  /* title as in the file (malloc'd), NULL if none */
    char *label[NLANG]; /* short display label (malloc'd), NULL if none */
    uint8_t level;      /* 0 section, 1 class, 2 subclass */
} lab_entry;

struct ty_labels {
    ty_strmap *map;  /* code -> index into e (dense ids) */
    lab_entry *e;    /* one entry per code in map */
    size_t cap;      /* entries allocated in e */
    size_t bytes;    /* title bytes held (full + label; full only if lazy) */
    int lazy;        /* labels derived on first lookup (entry_label) */
    char *arena;     /* titles that point into it (the built-in blob's
                        copy: scheme_fast), not freed one by one */
    size_t arena_len;
};

/* A lazy set's mark for "derived, nothing left": the lookup falls back to
 * the class as it does for an eager set's NULL label. Never freed. */
static char lab_none[1];

/* An empty set: lookups answer from the built-in tables only. */
int ty_labels_new(ty_labels **out) {
    if (!out) return TENYO_ERR_ARG;
    *out = NULL;
    ty_labels *l = ty_calloc(1, sizeof *l);
    if (!l) return TENYO_ERR_NOMEM;
    l->map = ty_strmap_new();
    if (!l->map) {
        free(l);
        return TENYO_ERR_NOMEM;
    }
    *out = l;
    return TENYO_OK;
}

/* A set whose short labels are derived on the first lookup of each code
 * and language instead of at load (the built-in titles: a process names
 * ~10 of ~1,400). The same labels as an eager set's; the byte limit counts
 * full titles only. */
int ty_labels_new_lazy(ty_labels **out) {
    int rc = ty_labels_new(out);
    if (!rc) (*out)->lazy = 1;
    return rc;
}

/* Free a title or label string of l: not lab_none, nor one in l's arena. */
static void lab_str_free(const ty_labels *l, char *p) {
    if (!p || p == lab_none) return;
    if (l->arena && p >= l->arena && p < l->arena + l->arena_len) return;
    free(p);
}

/* Free the set, its entries and their strings; NULL is fine. */
void ty_labels_free(ty_labels *l) {
    if (!l) return;
    uint32_t n = l->map ? ty_strmap_size(l->map) : 0;
    for (uint32_t i = 0; i < n; i++)
        for (int g = 0; g < NLANG; g++) {
            lab_str_free(l, l->e[i].full[g]);
            lab_str_free(l, l->e[i].label[g]);
        }
    free(l->arena);
    free(l->e);
    ty_strmap_free(l->map);
    free(l);
}

/* Level of a code from its shape: 0 "A".."H", 1 "A01", 2 "A01B";
 * -1 otherwise. Only uppercase ASCII is accepted. */
static int code_level(const char *code, size_t n) {
    if (n < 1 || code[0] < 'A' || code[0] > 'H') return -1;
    if (n == 1) return 0;
    if (n < 3 || code[1] < '0' || code[1] > '9' || code[2] < '0' ||
        code[2] > '9')
        return -1;
    if (n == 3) return 1;
    if (n == 4 && code[3] >= 'A' && code[3] <= 'Z') return 2;
    return -1;
}

/* Entry of code, or NULL when nothing was loaded for it. */
static const lab_entry *find_entry(const ty_labels *l, const char *code,
                                   size_t n) {
    if (!l) return NULL;
    int64_t id = ty_strmap_get(l->map, code, n);
    return id < 0 ? NULL : &l->e[id];
}

/* Short label of entry e in language g, or NULL when it has none. A lazy
 * set derives it here on the first lookup and publishes it with a
 * compare-and-swap, so concurrent lookups agree (a thread that loses the
 * race frees its copy); a failure to derive (out of memory) answers NULL
 * without keeping it, and the next lookup tries again. */
static const char *entry_label(const ty_labels *l, const lab_entry *e, int g) {
    if (!l->lazy) return e->label[g];
    char **slot = (char **)&e->label[g]; /* the set's own heap entry */
    char *s = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (!s && e->full[g]) {
        char *mine = NULL;
        if (ty_labels_shorten(e->full[g], g == LANG_JA ? "ja" : "en", e->level, &mine))
            return NULL;
        if (!mine) mine = lab_none;
        char *seen = NULL;
        if (__atomic_compare_exchange_n(slot, &seen, mine, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            s = mine;
        else {
            if (mine != lab_none) free(mine);
            s = seen;
        }
    }
    return s == lab_none ? NULL : s;
}

/* Entry of code, created empty when new; NULL on OOM. The entry array
 * grows before the map so that every id in the map has an entry. */
static lab_entry *intern_entry(ty_labels *l, const char *code, size_t n,
                               int level) {
    size_t size = ty_strmap_size(l->map);
    if (size >= l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        lab_entry *e = ty_reallocarray(l->e, cap, sizeof *e);
        if (!e) return NULL;
        memset(e + l->cap, 0, (cap - l->cap) * sizeof *e);
        l->e = e;
        l->cap = cap;
    }
    int is_new = 0;
    int64_t id = ty_strmap_intern(l->map, code, n, &is_new);
    if (id < 0) return NULL;
    if (is_new) l->e[id].level = (uint8_t)level;
    return &l->e[id];
}

/* ===================================================== built-in scheme */

/* The IPC titles built into the library (models/ipc_titles.sh: the blob
 * of ty_labels_serialize's format; empty when the build had no scheme
 * files). */
extern const char ty_ipc_titles_blob[];
extern const size_t ty_ipc_titles_len;

static ty_labels *scheme_set;           /* parsed once; NULL: none or broken */
static pthread_once_t scheme_once = PTHREAD_ONCE_INIT;

/* The built-in blob into the empty lazy set l without the checks an
 * untrusted blob gets (models/ipc_titles.sh wrote it at build time, and
 * labels_builtin_lazy_same holds it to ty_labels_deserialize's checks and
 * answers): one copy of the blob, its tabs and newlines made NULs, each
 * title pointing into it — no copy, UTF-8 pass or staging set a title
 * (~6,000 instructions a line). -1 when a line is not "CODE\tja|en\tTITLE"
 * with a well-formed code, or a code and language come twice (the caller
 * then parses it with ty_labels_deserialize's checks, which refuse it as
 * before); TENYO_ERR_NOMEM. */
static int scheme_fast(ty_labels *l, const char *blob, size_t len) {
    static const char head[] = LAB_BLOB_MAGIC "1\n";
    if (len < sizeof head - 1 || memcmp(blob, head, sizeof head - 1) || blob[len - 1] != '\n')
        return -1;
    l->arena = ty_malloc(len);
    if (!l->arena) return TENYO_ERR_NOMEM;
    memcpy(l->arena, blob, len);
    l->arena_len = len;
    char *p = l->arena + sizeof head - 1, *end = l->arena + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p)); /* there: the last byte is one */
        char *t1 = memchr(p, '\t', (size_t)(nl - p));
        char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(nl - t1 - 1)) : NULL;
        if (!t2 || t2 + 1 == nl) return -1;
        *t1 = *t2 = *nl = 0;
        int level = code_level(p, (size_t)(t1 - p)), g = ty_labels_lang(t1 + 1);
        if (level < 0 || g < 0) return -1;
        lab_entry *e = intern_entry(l, p, (size_t)(t1 - p), level);
        if (!e) return TENYO_ERR_NOMEM;
        if (e->full[g]) return -1;
        e->full[g] = t2 + 1;
        p = nl + 1;
    }
    return 0;
}

ty_labels *ty_labels_builtin_parse(const char *blob, size_t len) {
    ty_labels *l = NULL;
    if (!len || ty_labels_new_lazy(&l)) return NULL;
    int rc = scheme_fast(l, blob, len);
    if (rc == -1) { /* not as ipc_titles.sh writes it: the checked parse */
        ty_labels_free(l);
        l = NULL;
        rc = ty_labels_new_lazy(&l) || ty_labels_deserialize(l, blob, len, NULL, 0);
    }
    if (rc) {
        ty_labels_free(l); /* tests/test_labels.c checks the built-in blob parses */
        return NULL;
    }
    return l;
}

static void scheme_parse(void) {
    scheme_set = ty_labels_builtin_parse(ty_ipc_titles_blob, ty_ipc_titles_len);
}

/* The built-in titles, or NULL when the library has none. */
const ty_labels *ty_labels_builtin(void) {
    pthread_once(&scheme_once, scheme_parse);
    return scheme_set;
}

/* ============================================================ lookup */

/* Short label of code in lang, walking subclass -> class -> section;
 * *level_out tells which answered. NULL only for a malformed code or an
 * unknown language. Strings belong to l or to the static tables. */
const char *ty_labels_get(const ty_labels *l, const char *code,
                          const char *lang, int *level_out) {
    if (level_out) *level_out = -1;
    if (!code) return NULL;
    int g = ty_labels_lang(lang);
    size_t n = strlen(code);
    int level = code_level(code, n);
    if (g < 0 || level < 0) return NULL;
    const char *s = NULL;
    int answered = level;
    if (level == 2) {
        const lab_entry *e = find_entry(l, code, 4);
        const char *el = e ? entry_label(l, e, g) : NULL;
        const builtin_title *nb = el ? NULL : builtin_newer(code);
        if (el) s = el;
        else if (nb) s = g == LANG_JA ? nb->ja : nb->en; /* newer than the scheme */
        else answered = 1;
    }
    if (!s && answered == 1) {
        const builtin_title *b = builtin_class(code);
        if (b) s = g == LANG_JA ? b->ja : b->en;
        if (!s) {
            const lab_entry *e = find_entry(l, code, 3);
            if (e) s = entry_label(l, e, g);
        }
        if (!s) answered = 0;
    }
    if (!s) {
        const builtin_title *b = &builtin_sections[code[0] - 'A'];
        s = g == LANG_JA ? b->ja : b->en;
        answered = 0;
    }
    if (level_out) *level_out = answered;
    return s;
}

/* Loaded title of exactly this code and language, or NULL. */
const char *ty_labels_full(const ty_labels *l, const char *code,
                           const char *lang) {
    if (!l || !code) return NULL;
    int g = ty_labels_lang(lang);
    size_t n = strlen(code);
    if (g < 0 || code_level(code, n) < 0) return NULL;
    const lab_entry *e = find_entry(l, code, n);
    return e ? e->full[g] : NULL;
}

/* Loaded titles of one level in one language (O(entries)). */
size_t ty_labels_count(const ty_labels *l, const char *lang, int level) {
    int g = ty_labels_lang(lang);
    if (!l || g < 0) return 0;
    size_t c = 0;
    uint32_t n = ty_strmap_size(l->map);
    for (uint32_t i = 0; i < n; i++)
        if (l->e[i].level == level && l->e[i].full[g]) c++;
    return c;
}

/* Check that a title s[0..n) is non-empty, well-formed UTF-8 without
 * control characters; NULL when good, else a message. */
static const char *title_problem(const char *s, size_t n) {
    if (n == 0) return "empty title";
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        if (ty_utf8_next((const unsigned char *)s, n, &i, &cp))
            return "invalid UTF-8 in title";
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
            return "control character in title";
    }
    return NULL;
}

/* ============================================================ loading */

/* Set the title of code (level, language g) in l from s[0..n): full copy
 * plus derived label. TENYO_ERR_INPUT with *why set for a duplicate when
 * dup_is_error, else the old title is replaced. */
static int set_title(ty_labels *l, const char *code, size_t codelen,
                     int level, int g, const char *s, size_t n,
                     int dup_is_error, const char **why) {
    char *full = NULL, *label = NULL;
    int rc = TENYO_ERR_NOMEM;
    lab_entry *e = intern_entry(l, code, codelen, level);
    if (!e) goto done;
    if (e->full[g] && dup_is_error) {
        *why = "duplicate code";
        rc = TENYO_ERR_INPUT;
        goto done;
    }
    full = ty_strndup(s, n);
    if (!full) goto done;
    if (!l->lazy) { /* a lazy set derives it on lookup (entry_label) */
        rc = ty_labels_shorten(full, g == LANG_JA ? "ja" : "en", level, &label);
        if (rc) goto done;
    }
    size_t add = n + (label ? strlen(label) : 0);
    if (l->bytes + add > LAB_MAX_BYTES) {
        *why = "too much title text (more than 16 MiB)";
        rc = TENYO_ERR_INPUT;
        goto done;
    }
    if (e->full[g]) l->bytes -= strlen(e->full[g]);
    if (e->label[g] && e->label[g] != lab_none) l->bytes -= strlen(e->label[g]);
    lab_str_free(l, e->full[g]);
    lab_str_free(l, e->label[g]);
    e->full[g] = full;
    e->label[g] = label;
    l->bytes += add;
    full = label = NULL;
    rc = TENYO_OK;
done:
    free(full);
    free(label);
    return rc;
}

/* Move every title of src into dst (later wins). src is left emptied of
 * the titles moved. */
static int merge_into(ty_labels *dst, ty_labels *src) {
    uint32_t n = ty_strmap_size(src->map);
    for (uint32_t i = 0; i < n; i++) {
        size_t klen;
        const char *code = ty_strmap_key(src->map, i, &klen);
        lab_entry *s = &src->e[i];
        lab_entry *d = intern_entry(dst, code, klen, s->level);
        if (!d) return TENYO_ERR_NOMEM;
        for (int g = 0; g < NLANG; g++) {
            if (!s->full[g]) continue;
            if (d->full[g]) dst->bytes -= strlen(d->full[g]);
            if (d->label[g] && d->label[g] != lab_none) dst->bytes -= strlen(d->label[g]);
            lab_str_free(dst, d->full[g]);
            lab_str_free(dst, d->label[g]);
            d->full[g] = s->full[g];
            d->label[g] = s->label[g];
            dst->bytes += strlen(d->full[g]) +
                          (d->label[g] && d->label[g] != lab_none ? strlen(d->label[g]) : 0);
            s->full[g] = s->label[g] = NULL;
        }
    }
    return TENYO_OK;
}

/* Scheme file formats. */
enum { FMT_JA, FMT_EN };

/* Read one line of f into buf (cap LAB_LINE_MAX + 1 bytes) without the
 * newline (and a trailing CR). Returns 1 for a line, 0 at EOF, -1 too
 * long, -2 NUL byte, -3 read error. */
static int read_line(FILE *f, char *buf, size_t *len) {
    size_t n = 0;
    int c, any = 0;
    while ((c = getc_unlocked(f)) != EOF) {
        any = 1;
        if (c == '\n') break;
        if (c == 0) return -2;
        if (n >= LAB_LINE_MAX) return -1;
        buf[n++] = (char)c;
    }
    if (ferror(f)) return -3;
    if (!any) return 0;
    if (n > 0 && buf[n - 1] == '\r') n--;
    buf[n] = 0;
    *len = n;
    return 1;
}

/* Level of a level name in a scheme file: 0..2, 3 for groups (skipped),
 * -1 unknown. */
static int level_of_name(const char *s, int fmt) {
    if (!strcmp(s, "section")) return 0;
    if (!strcmp(s, "class")) return 1;
    if (!strcmp(s, "subclass")) return 2;
    if (!strcmp(s, "group")) return 3;
    if (fmt == FMT_EN && (!strcmp(s, "main_group") || !strcmp(s, "subgroup")))
        return 3;
    return -1;
}

static const char *const level_names[3] = {"section", "class", "subclass"};

/* Parse one data line (NUL-terminated, no newline) of a scheme file into
 * tmp. Returns TENYO_OK, or TENYO_ERR_INPUT with *why set (why_buf may
 * hold the text), or TENYO_ERR_NOMEM. */
static int parse_line(ty_labels *tmp, int fmt, char *line, char *why_buf,
                      size_t why_len, const char **why) {
    char *f[5];
    int nf = 0, want = fmt == FMT_JA ? 4 : 3;
    f[nf++] = line;
    for (char *p = line; *p; p++)
        if (*p == '\t') {
            *p = 0;
            if (nf == 5) break;
            f[nf++] = p + 1;
        }
    if (nf != want) {
        ty_seterr(why_buf, why_len,
                  "expected %d tab-separated fields, got %s%d", want,
                  nf == 5 ? "more than " : "", nf == 5 ? 4 : nf);
        *why = why_buf;
        return TENYO_ERR_INPUT;
    }
    int level = level_of_name(f[1], fmt);
    if (level < 0) {
        ty_seterr(why_buf, why_len, "unknown level \"%.40s\"", f[1]);
        *why = why_buf;
        return TENYO_ERR_INPUT;
    }
    if (level == 3) { /* group: not kept, only required to have a code */
        if (!f[0][0]) {
            *why = "empty code";
            return TENYO_ERR_INPUT;
        }
        return TENYO_OK;
    }
    size_t clen = strlen(f[0]);
    if (code_level(f[0], clen) != level) {
        ty_seterr(why_buf, why_len, "code \"%.40s\" is not a valid IPC %s",
                  f[0], level_names[level]);
        *why = why_buf;
        return TENYO_ERR_INPUT;
    }
    if (fmt == FMT_JA) {
        const char *d = f[2];
        size_t k = 0;
        while (d[k] >= '0' && d[k] <= '9' && k < 3) k++;
        if (k == 0 || d[k]) {
            ty_seterr(why_buf, why_len, "dots \"%.40s\" is not a number", d);
            *why = why_buf;
            return TENYO_ERR_INPUT;
        }
    }
    const char *title = f[want - 1];
    size_t tlen = strlen(title);
    const char *p = title_problem(title, tlen);
    if (p) {
        *why = p;
        return TENYO_ERR_INPUT;
    }
    return set_title(tmp, f[0], clen, level, fmt == FMT_JA ? LANG_JA : LANG_EN,
                     title, tlen, 1, why);
}

/* Read a scheme file into a staging set, then merge it into l: all or
 * nothing. Errors name the file and line in err. */
int ty_labels_load(ty_labels *l, const char *path, char *err, size_t errlen) {
    if (!l || !path) return TENYO_ERR_ARG;
    ty_labels *tmp = NULL;
    char *buf = NULL;
    char why_buf[160];
    const char *why = NULL;
    long lineno = 0;
    int rc, fmt = FMT_JA;
    FILE *f = fopen(path, "rb");
    if (!f) {
        ty_seterr(err, errlen, "%s: %s", path, strerror(errno));
        return TENYO_ERR_IO;
    }
    size_t kept = 0;
    rc = TENYO_ERR_NOMEM;
    buf = ty_malloc(LAB_LINE_MAX + 1);
    if (!buf || (l->lazy ? ty_labels_new_lazy(&tmp) : ty_labels_new(&tmp))) goto done;
    for (;;) {
        size_t len = 0;
        int r = read_line(f, buf, &len);
        if (r == 0) break;
        lineno++;
        rc = TENYO_ERR_INPUT;
        if (r == -3) {
            ty_seterr(err, errlen, "%s:%ld: read error: %s", path, lineno,
                      strerror(errno));
            rc = TENYO_ERR_IO;
            goto done;
        }
        if (r == -1) {
            ty_seterr(err, errlen, "%s:%ld: line longer than %u bytes", path,
                      lineno, LAB_LINE_MAX);
            goto done;
        }
        if (r == -2) {
            ty_seterr(err, errlen, "%s:%ld: NUL byte", path, lineno);
            goto done;
        }
        if (lineno > LAB_MAX_LINES) {
            ty_seterr(err, errlen, "%s:%ld: more than %ld lines", path,
                      lineno, LAB_MAX_LINES);
            goto done;
        }
        if (lineno == 1) {
            char *h = buf;
            if (len >= 3 && !memcmp(h, "\xEF\xBB\xBF", 3)) h += 3;
            if (!strcmp(h, "code\tlevel\tdots\ttitle_ja")) fmt = FMT_JA;
            else if (!strcmp(h, "symbol\tlevel\ttitle")) fmt = FMT_EN;
            else {
                ty_seterr(err, errlen,
                          "%s:1: not an IPC scheme file (header must be "
                          "\"code<TAB>level<TAB>dots<TAB>title_ja\" or "
                          "\"symbol<TAB>level<TAB>title\")", path);
                goto done;
            }
            continue;
        }
        if (len == 0) continue; /* blank line */
        rc = parse_line(tmp, fmt, buf, why_buf, sizeof why_buf, &why);
        if (rc == TENYO_ERR_INPUT) {
            ty_seterr(err, errlen, "%s:%ld: %s", path, lineno, why);
            goto done;
        }
        if (rc) goto done;
        kept = ty_strmap_size(tmp->map);
    }
    rc = TENYO_ERR_INPUT;
    if (lineno == 0) {
        ty_seterr(err, errlen, "%s: empty file", path);
        goto done;
    }
    if (kept == 0) {
        ty_seterr(err, errlen, "%s: no section, class or subclass titles",
                  path);
        goto done;
    }
    rc = merge_into(l, tmp);
done:
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(err, errlen, "%s: out of memory", path);
    fclose(f);
    free(buf);
    ty_labels_free(tmp);
    return rc;
}

/* ====================================================== index blob */

/* One (entry, language) pair to serialize. */
typedef struct ser_item {
    const char *code; /* code of the entry */
    uint32_t id;      /* entry id */
    int g;            /* language index */
} ser_item;

static int cmp_item(const void *a, const void *b) {
    const ser_item *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    return c ? c : x->g - y->g;
}

/* Append the index blob of l's loaded titles to out (sorted by code and
 * language, so equal sets give equal bytes). */
int ty_labels_serialize(const ty_labels *l, ty_buf *out) {
    if (!l || !out) return TENYO_ERR_ARG;
    static const char *const lname[NLANG] = {"ja", "en"};
    uint32_t n = ty_strmap_size(l->map);
    size_t m = 0;
    int rc = TENYO_ERR_NOMEM;
    ser_item *it = ty_mallocarray((size_t)n * NLANG + 1, sizeof *it);
    if (!it) goto done;
    for (uint32_t i = 0; i < n; i++)
        for (int g = 0; g < NLANG; g++)
            if (l->e[i].full[g])
                it[m++] = (ser_item){ty_strmap_key(l->map, i, NULL), i, g};
    qsort(it, m, sizeof *it, cmp_item);
    char head[32];
    int hl = snprintf(head, sizeof head, "%s%d\n", LAB_BLOB_MAGIC,
                      LAB_BLOB_VERSION);
    if (ty_buf_append(out, head, (size_t)hl)) goto done;
    for (size_t k = 0; k < m; k++) {
        const char *full = l->e[it[k].id].full[it[k].g];
        if (ty_buf_append(out, it[k].code, strlen(it[k].code)) ||
            ty_buf_putc(out, '\t') ||
            ty_buf_append(out, lname[it[k].g], 2) ||
            ty_buf_putc(out, '\t') ||
            ty_buf_append(out, full, strlen(full)) || ty_buf_putc(out, '\n'))
            goto done;
    }
    rc = TENYO_OK;
done:
    free(it);
    return rc;
}

/* Parse a blob of ty_labels_serialize (untrusted: every line checked as a
 * scheme line is) into a staging set and merge it into l. */
int ty_labels_deserialize(ty_labels *l, const char *blob, size_t len,
                          char *err, size_t errlen) {
    if (!l || (!blob && len)) return TENYO_ERR_ARG;
    ty_labels *tmp = NULL;
    char *line = NULL;
    const char *why = NULL;
    long lineno = 0;
    size_t pos = 0;
    int rc = TENYO_ERR_NOMEM;
    line = ty_malloc(LAB_LINE_MAX + 1);
    if (!line || (l->lazy ? ty_labels_new_lazy(&tmp) : ty_labels_new(&tmp))) goto done;
    while (pos < len) {
        const char *nl = memchr(blob + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (blob + pos)) : len - pos;
        lineno++;
        rc = TENYO_ERR_CORRUPT;
        if (!nl) {
            ty_seterr(err, errlen, "ipc titles line %ld: no newline at end",
                      lineno);
            goto done;
        }
        if (n > LAB_LINE_MAX || memchr(blob + pos, 0, n)) {
            ty_seterr(err, errlen, "ipc titles line %ld: %s", lineno,
                      n > LAB_LINE_MAX ? "line too long" : "NUL byte");
            goto done;
        }
        memcpy(line, blob + pos, n);
        line[n] = 0;
        pos += n + 1;
        if (lineno == 1) {
            size_t ml = sizeof LAB_BLOB_MAGIC - 1;
            char *endp = NULL;
            long v = 0;
            if (n > ml && !memcmp(line, LAB_BLOB_MAGIC, ml)) {
                errno = 0;
                v = strtol(line + ml, &endp, 10);
            }
            if (!endp || *endp || errno || v < 1 || line[ml] < '0' ||
                line[ml] > '9') {
                ty_seterr(err, errlen, "ipc titles: bad header");
                goto done;
            }
            if (v > LAB_BLOB_VERSION) {
                ty_seterr(err, errlen,
                          "ipc titles: format version %ld is newer than %d",
                          v, LAB_BLOB_VERSION);
                rc = TENYO_ERR_VERSION;
                goto done;
            }
            continue;
        }
        char *t1 = strchr(line, '\t');
        char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2) {
            ty_seterr(err, errlen, "ipc titles line %ld: expected 3 fields",
                      lineno);
            goto done;
        }
        *t1 = *t2 = 0;
        int level = code_level(line, (size_t)(t1 - line));
        int g = ty_labels_lang(t1 + 1);
        const char *title = t2 + 1;
        size_t tlen = strlen(title);
        why = level < 0 ? "bad code" : g < 0 ? "bad language"
                                             : title_problem(title, tlen);
        if (why) {
            ty_seterr(err, errlen, "ipc titles line %ld: %s", lineno, why);
            goto done;
        }
        rc = set_title(tmp, line, (size_t)(t1 - line), level, g, title, tlen,
                       1, &why);
        if (rc == TENYO_ERR_INPUT) {
            ty_seterr(err, errlen, "ipc titles line %ld: %s", lineno, why);
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        if (rc) goto done;
    }
    rc = TENYO_ERR_CORRUPT;
    if (lineno == 0) {
        ty_seterr(err, errlen, "ipc titles: empty");
        goto done;
    }
    rc = merge_into(l, tmp);
done:
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(err, errlen, "ipc titles: out of memory");
    free(line);
    ty_labels_free(tmp);
    return rc;
}
