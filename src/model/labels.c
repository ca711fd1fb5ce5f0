/*
 * labels.c — names of IPC fields (sections, classes, subclasses) in
 * Japanese and English, for the cards of `tenyo ideas`.
 *
 * Two sources, one lookup:
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
 * ty_labels_get() answers with the subclass title when one is loaded, else
 * the class label, else the section label, in the language asked: a
 * well-formed code never gets NULL or "". Class and section labels come
 * from the built-in tables when they have the code (they are written to be
 * short), from the file only for a class the tables do not know (a newer
 * IPC edition). ty_labels_full() gives the title exactly as the file has it.
 *
 * Short labels. Official subclass titles are long: the JPO ones carry
 * parenthesised references ("…一般（播種…Ａ０１Ｃ５／００；…）") and edition
 * marks ("［８］"), the English ones are ALL CAPS. The display label is
 * derived from the full title by, in order:
 *   1. dropping parenthesised parts, （…） and (...), nested; markup tags
 *      such as <u>; bracketed edition marks ([8], ［２０１８．０１］; other
 *      brackets such as ［ＩＣＴ］ stay); full-width letters and digits become
 *      ASCII and the ideographic space a space;
 *   2. tidying spaces and the separators left next to each other;
 *   3. English: dropping the "SECTION A — " prefix of section titles,
 *      sentence case when the title is all caps (below), and joining words
 *      the scheme broke after a hyphen ("NON- METALS");
 *   4. when longer than 30 characters (Japanese) / 70 (English), keeping
 *      the leading "；"/";"/"："-separated segments that fit (at least one);
 *   5. when still longer, dropping example clauses: an English ", e.g. X,"
 *      aside followed by a function word ("means, e.g. batteries, for the
 *      direct …" -> "means for the direct …"), else an e.g. list to the end
 *      of its segment; a Japanese "，例．…" to the next "；";
 *   6. when longer than 40 / 90, cutting at a comma (Japanese) or word
 *      boundary in the second half, adding "…".
 * Step 4 keeps more than the first segment when it fits ("無線による方位
 * 測定；無線による航行") — cutting always at the first "；" was rejected as it
 * threw away headings that fit. Examples are kept in labels that are short
 * enough ("画像通信，例．テレビジョン"): they are often the most familiar
 * word. A title that shortens to nothing gets no label, and the lookup
 * falls back to the class.
 *
 * Sentence case. The English scheme is in capitals, and capitals cannot
 * tell an acronym from a word, so a rule decides: a title is converted
 * only when at least 80% of its letters are capitals (a mixed-case file is
 * trusted as written). Then every run of letters and digits is lowercased
 * except: runs holding a lowercase letter ("e.g."), IPC symbols ("A23J",
 * "B31"), a short list of acronyms that occur in patent titles (AC, DC,
 * DNA, RNA, ICT, UV, LED, …), and a single letter before a hyphen
 * ("X-ray", "V-belt"); the first letter is capitalised. Rejected: keeping
 * every short all-caps word (would keep "OR", "OF", "GAS"), and a
 * dictionary of English words (far too large for what it buys).
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
 * reads), so lookups may run concurrently. Returned strings live until the
 * next load, deserialize or free.
 */
#include "model/model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ============================================================ limits */

#define LAB_LINE_MAX (64u * 1024u)        /* bytes per line in a file/blob */
#define LAB_MAX_LINES 4000000L            /* lines per scheme file */
#define LAB_MAX_BYTES (16u * 1024u * 1024u) /* kept title bytes per load */
#define LAB_SOFT_JA 30  /* Japanese label: keep segments up to this length */
#define LAB_SOFT_EN 70  /* English label: the same */
#define LAB_HARD_JA 40  /* Japanese label: never longer than this */
#define LAB_HARD_EN 90  /* English label: the same */
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
    size_t bytes;    /* title bytes held (full + label) */
};

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

/* Free the set, its entries and their strings; NULL is fine. */
void ty_labels_free(ty_labels *l) {
    if (!l) return;
    uint32_t n = l->map ? ty_strmap_size(l->map) : 0;
    for (uint32_t i = 0; i < n; i++)
        for (int g = 0; g < NLANG; g++) {
            free(l->e[i].full[g]);
            free(l->e[i].label[g]);
        }
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

/* Language index of "ja"/"en" (any case), -1 otherwise. */
static int lang_index(const char *lang) {
    if (!lang) return -1;
    if ((lang[0] == 'j' || lang[0] == 'J') &&
        (lang[1] == 'a' || lang[1] == 'A') && !lang[2])
        return LANG_JA;
    if ((lang[0] == 'e' || lang[0] == 'E') &&
        (lang[1] == 'n' || lang[1] == 'N') && !lang[2])
        return LANG_EN;
    return -1;
}

/* Entry of code, or NULL when nothing was loaded for it. */
static const lab_entry *find_entry(const ty_labels *l, const char *code,
                                   size_t n) {
    if (!l) return NULL;
    int64_t id = ty_strmap_get(l->map, code, n);
    return id < 0 ? NULL : &l->e[id];
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

/* ============================================================ lookup */

/* Short label of code in lang, walking subclass -> class -> section;
 * *level_out tells which answered. NULL only for a malformed code or an
 * unknown language. Strings belong to l or to the static tables. */
const char *ty_labels_get(const ty_labels *l, const char *code,
                          const char *lang, int *level_out) {
    if (level_out) *level_out = -1;
    if (!code) return NULL;
    int g = lang_index(lang);
    size_t n = strlen(code);
    int level = code_level(code, n);
    if (g < 0 || level < 0) return NULL;
    const char *s = NULL;
    int answered = level;
    if (level == 2) {
        const lab_entry *e = find_entry(l, code, 4);
        if (e && e->label[g]) s = e->label[g];
        else answered = 1;
    }
    if (!s && answered == 1) {
        const builtin_title *b = builtin_class(code);
        if (b) s = g == LANG_JA ? b->ja : b->en;
        if (!s) {
            const lab_entry *e = find_entry(l, code, 3);
            if (e && e->label[g]) s = e->label[g];
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
    int g = lang_index(lang);
    size_t n = strlen(code);
    if (g < 0 || code_level(code, n) < 0) return NULL;
    const lab_entry *e = find_entry(l, code, n);
    return e ? e->full[g] : NULL;
}

/* Loaded titles of one level in one language (O(entries)). */
size_t ty_labels_count(const ty_labels *l, const char *lang, int level) {
    int g = lang_index(lang);
    if (!l || g < 0) return 0;
    size_t c = 0;
    uint32_t n = ty_strmap_size(l->map);
    for (uint32_t i = 0; i < n; i++)
        if (l->e[i].level == level && l->e[i].full[g]) c++;
    return c;
}

/* ============================================================= UTF-8 */

/* Decode one code point of s[*i..n) into *cp and advance *i; -1 when the
 * bytes there are not well-formed UTF-8 (overlong, surrogate, > U+10FFFF,
 * truncated). */
static int utf8_next(const unsigned char *s, size_t n, size_t *i,
                     uint32_t *cp) {
    size_t k = *i;
    unsigned c = s[k];
    uint32_t v, min;
    size_t len;
    if (c < 0x80) {
        *cp = c;
        *i = k + 1;
        return 0;
    }
    if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; min = 0x10000; }
    else return -1;
    if (n - k < len) return -1;
    for (size_t j = 1; j < len; j++) {
        unsigned d = s[k + j];
        if ((d & 0xC0) != 0x80) return -1;
        v = (v << 6) | (d & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return -1;
    *cp = v;
    *i = k + len;
    return 0;
}

/* Append code point cp as UTF-8 to b. */
static int utf8_put(ty_buf *b, uint32_t cp) {
    char t[4];
    size_t n;
    if (cp < 0x80) { t[0] = (char)cp; n = 1; }
    else if (cp < 0x800) {
        t[0] = (char)(0xC0 | (cp >> 6));
        t[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        t[0] = (char)(0xE0 | (cp >> 12));
        t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        t[0] = (char)(0xF0 | (cp >> 18));
        t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        t[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return ty_buf_append(b, t, n);
}

/* Check that a title s[0..n) is non-empty, well-formed UTF-8 without
 * control characters; NULL when good, else a message. */
static const char *title_problem(const char *s, size_t n) {
    if (n == 0) return "empty title";
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        if (utf8_next((const unsigned char *)s, n, &i, &cp))
            return "invalid UTF-8 in title";
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
            return "control character in title";
    }
    return NULL;
}

/* ====================================================== short labels */

static int starts_with(const uint32_t *v, size_t n, size_t i, const char *s);

/* Separator strength for tidying: 1 comma, 2 colon, 3 semicolon, 0 not a
 * separator. */
static int sep_rank(uint32_t c) {
    switch (c) {
    case ',': case 0xFF0C: case 0x3001: return 1;
    case ':': case 0xFF1A: return 2;
    case ';': case 0xFF1B: return 3;
    default: return 0;
    }
}

/* 1 for the separators between label segments (step 4). */
static int seg_sep(uint32_t c) { return sep_rank(c) >= 2; }

static int is_open_paren(uint32_t c) { return c == '(' || c == 0xFF08; }
static int is_close_paren(uint32_t c) { return c == ')' || c == 0xFF09; }
static int is_digitlike(uint32_t c) {
    return (c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19) ||
           c == '.' || c == 0xFF0E || c == ',' || c == 0xFF0C || c == ' ' ||
           c == 0x3000;
}
static int is_alpha(uint32_t c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Step 1: copy in[0..n) to out without parenthesised parts, tags and
 * edition marks, folding full-width alphanumerics and spaces; returns the
 * count written (out has room for n). */
static size_t strip_markup(const uint32_t *in, size_t n, uint32_t *out) {
    size_t o = 0;
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = in[i];
        if (is_open_paren(c)) { depth++; continue; }
        if (is_close_paren(c)) { if (depth > 0) depth--; continue; }
        if (depth > 0) continue;
        if (c == '<') { /* tag such as <u> or </u> */
            size_t j = i + 1, k;
            if (j < n && in[j] == '/') j++;
            for (k = j; k < n && k - j < 8 && is_alpha(in[k]); k++) {}
            if (k > j && k < n && in[k] == '>') { i = k; continue; }
        }
        if (c == '[' || c == 0xFF3B) { /* edition mark: digits only */
            size_t k;
            int digit = 0;
            for (k = i + 1; k < n && k - i < 32 && is_digitlike(in[k]); k++)
                digit |= (in[k] >= '0' && in[k] <= '9') ||
                         (in[k] >= 0xFF10 && in[k] <= 0xFF19);
            if (digit && k < n && (in[k] == ']' || in[k] == 0xFF3D)) {
                i = k;
                continue;
            }
        }
        if ((c >= 0xFF10 && c <= 0xFF19) || (c >= 0xFF21 && c <= 0xFF3A) ||
            (c >= 0xFF41 && c <= 0xFF5A))
            c -= 0xFEE0;
        else if (c == 0x3000 || c == '\t')
            c = ' ';
        out[o++] = c;
    }
    return o;
}

/* Step 2: collapse spaces, drop spaces before separators, merge adjacent
 * separators (keeping the strongest), trim both ends. In place. */
static size_t tidy(uint32_t *v, size_t n) {
    size_t o = 0;
    int space = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = v[i];
        if (c == ' ') { space = o > 0; continue; }
        int r = sep_rank(c);
        if (r) {
            space = 0;
            if (o == 0) continue;
            int pr = sep_rank(v[o - 1]);
            if (pr) {
                if (r > pr) v[o - 1] = c;
                continue;
            }
            v[o++] = c;
            continue;
        }
        if (space) v[o++] = ' ';
        space = 0;
        v[o++] = c;
    }
    while (o > 0 && (v[o - 1] == ' ' || sep_rank(v[o - 1]))) o--;
    return o;
}

/* Step 3a: drop "SECTION X — " from an English section title. */
static size_t strip_section_prefix(uint32_t *v, size_t n) {
    static const char word[] = "SECTION ";
    size_t w = sizeof word - 1, i;
    if (n < w + 2) return n;
    for (i = 0; i < w; i++) {
        uint32_t c = v[i];
        if (c >= 'a' && c <= 'z') c -= 32;
        if (c != (uint32_t)word[i]) return n;
    }
    if (!is_alpha(v[i])) return n;
    i++;
    while (i < n && v[i] == ' ') i++;
    if (i >= n || !(v[i] == 0x2014 || v[i] == 0x2013 || v[i] == '-' ||
                    v[i] == ':'))
        return n;
    i++;
    while (i < n && v[i] == ' ') i++;
    if (i >= n) return n;
    memmove(v, v + i, (n - i) * sizeof *v);
    return n - i;
}

/* Acronyms kept in capitals by sentence casing. */
static const char *const acronyms[] = {
    "AC", "CD", "CVD", "DC", "DNA", "DVD", "GPS", "IC", "ICT", "LCD", "LED",
    "MEMS", "OLED", "PCB", "PVD", "RF", "RNA", "TV", "USB", "UV", NULL};

/* 1 when v[s..e) (ASCII capitals/digits) is in acronyms[]. */
static int is_acronym(const uint32_t *v, size_t s, size_t e) {
    for (const char *const *a = acronyms; *a; a++) {
        size_t k = strlen(*a);
        if (k != e - s) continue;
        size_t j = 0;
        while (j < k && v[s + j] == (uint32_t)(unsigned char)(*a)[j]) j++;
        if (j == k) return 1;
    }
    return 0;
}

/* Letter case over ASCII and Latin-1 (the English scheme writes
 * "BRASSIÈRES"). */
static int is_upper(uint32_t c) {
    return (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7);
}
static int is_lower(uint32_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 0xDF && c <= 0xFF && c != 0xF7);
}
static int is_word(uint32_t c) {
    return is_upper(c) || is_lower(c) || (c >= '0' && c <= '9');
}

/* Step 3b: sentence case for an all-caps English title (rules in the
 * opening comment). In place. */
static void sentence_case(uint32_t *v, size_t n) {
    size_t up = 0, lo = 0;
    for (size_t i = 0; i < n; i++) {
        up += is_upper(v[i]);
        lo += is_lower(v[i]);
    }
    if (up == 0 || up * 5 < (up + lo) * 4) return;
    size_t i = 0;
    while (i < n) {
        if (!is_word(v[i])) { i++; continue; }
        size_t s = i, e = i;
        int has_lower = 0;
        while (e < n && is_word(v[e])) has_lower |= is_lower(v[e++]);
        size_t len = e - s;
        int keep = has_lower;
        if (!keep && (len == 3 || len == 4) && v[s] >= 'A' && v[s] <= 'H' &&
            v[s + 1] >= '0' && v[s + 1] <= '9' && v[s + 2] >= '0' &&
            v[s + 2] <= '9' && (len == 3 || (v[s + 3] >= 'A' && v[s + 3] <= 'Z')))
            keep = 1; /* IPC symbol */
        if (!keep && is_acronym(v, s, e)) keep = 1;
        if (!keep && len == 1 && e < n && v[e] == '-') keep = 1; /* X-ray */
        if (!keep)
            for (size_t k = s; k < e; k++)
                if (is_upper(v[k])) v[k] += 32;
        i = e;
    }
    for (size_t k = 0; k < n; k++) {
        if (!is_word(v[k])) continue;
        if (is_lower(v[k]) && v[k] != 0xDF && v[k] != 0xFF) v[k] -= 32;
        break;
    }
}

/* Step 3c: join a word broken after its hyphen ("NON- METALS" ->
 * "NON-METALS"); a suspended hyphen before "or"/"and"/"to"/"nor"
 * ("GAMMA- OR X-RAY") keeps its space. In place. */
static size_t join_hyphens(uint32_t *v, size_t n) {
    static const char *const keep[] = {"or ", "and ", "to ", "nor ", NULL};
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        v[o++] = v[i];
        if (v[i] != '-' || i == 0 || !is_word(v[i - 1]) || i + 2 >= n ||
            v[i + 1] != ' ' || !is_word(v[i + 2]))
            continue;
        int suspended = 0;
        for (const char *const *w = keep; *w && !suspended; w++)
            suspended = starts_with(v, n, i + 2, *w);
        if (!suspended) i++; /* skip the space */
    }
    return o;
}

/* Step 4: keep the leading segments that fit in soft (at least one). */
static size_t fit_segments(const uint32_t *v, size_t n, size_t soft) {
    if (n <= soft) return n;
    size_t keep = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && !seg_sep(v[i])) continue;
        if (keep == 0 || i <= soft) keep = i;
        else break;
        if (i > soft) break;
    }
    return keep ? keep : n;
}

/* 1 when v[i..) starts with the ASCII text s (case-insensitive). */
static int starts_with(const uint32_t *v, size_t n, size_t i, const char *s) {
    for (; *s; s++, i++) {
        if (i >= n) return 0;
        uint32_t c = v[i];
        if (c >= 'A' && c <= 'Z') c += 32;
        if (c != (uint32_t)(unsigned char)*s) return 0;
    }
    return 1;
}

/* First position of the segment holding v[i]: just after the last
 * "；"/";"/"：" before i, or 0. */
static size_t segment_start(const uint32_t *v, size_t i) {
    while (i > 0 && !seg_sep(v[i - 1])) i--;
    return i;
}

/* Step 5a: drop example clauses from a label still longer than the soft
 * limit. English ", e.g. X, for …" (a function word after the closing
 * comma, other than the first word of X) is an aside: ", e.g. X," goes and
 * "for …" joins the head ("means, e.g. batteries, for the direct …" ->
 * "means for the direct …"). Any other ", e.g." starts a list that runs to
 * the end of the segment ("leather, e.g. tanning, impregnating" ->
 * "leather"). Japanese "，例．…" runs to the next "；" or the end. A clause
 * is kept when removing it would leave a segment of one word (English) or
 * fewer than 4 characters (Japanese). */
static size_t drop_examples(uint32_t *v, size_t n, int ja) {
    static const char *const fw[] = {"for ", "of ", "in ", "with ", "by ",
                                     "to ", "from ", "or ", "and ", NULL};
    size_t i = 0;
    while (i < n) {
        size_t s = i, body, e;
        if (ja) {
            if (!((v[i] == 0xFF0C || v[i] == ',' || v[i] == 0x3001) &&
                  i + 2 < n && v[i + 1] == 0x4F8B && v[i + 2] == 0xFF0E)) {
                i++;
                continue;
            }
            body = i + 3;
        } else {
            if (!(v[i] == ',' && starts_with(v, n, i + 1, " e.g. "))) {
                i++;
                continue;
            }
            body = i + 7;
        }
        int aside = 0;
        for (e = body; e < n && !seg_sep(v[e]) && (ja || v[e] != ','); e++) {}
        if (!ja && e < n && v[e] == ',')
            for (const char *const *w = fw; *w && !aside; w++)
                aside = starts_with(v, n, e + 1, " ") &&
                        starts_with(v, n, e + 2, *w) &&
                        !starts_with(v, n, body, *w);
        if (aside) {
            e++; /* drop the closing comma too */
        } else {
            size_t seg = segment_start(v, s), spaces = 0;
            for (size_t k = seg; k < s; k++) spaces += v[k] == ' ';
            if (ja ? s - seg < 4 : spaces == 0) {
                i = body;
                continue;
            }
            while (e < n && !seg_sep(v[e])) e++;
        }
        memmove(v + s, v + e, (n - e) * sizeof *v);
        n -= e - s;
        i = s;
    }
    return n;
}

/* Step 5b: cut to at most hard characters ending in "…", at a word (or,
 * for Japanese, comma) boundary when one lies in the second half. v has
 * room for n entries; the result is never longer than n. */
static size_t hard_cut(uint32_t *v, size_t n, int ja, size_t hard) {
    static const char *const tail[] = {"or", "and", "of", "for", "the", "in",
                                       "by", "to", "with", "e.g.", NULL};
    if (n <= hard) return n;
    size_t cut = hard - 1;
    for (size_t i = hard - 1; i > hard / 2; i--) {
        if (ja ? sep_rank(v[i]) == 1 : v[i] == ' ') {
            cut = i;
            break;
        }
    }
    n = tidy(v, cut);
    if (!ja) { /* do not end on a function word */
        for (int again = 1; again;) {
            again = 0;
            size_t s = n;
            while (s > 0 && v[s - 1] != ' ') s--;
            for (const char *const *w = tail; *w && s > 0; w++) {
                if (strlen(*w) == n - s && starts_with(v, n, s, *w)) {
                    n = tidy(v, s);
                    again = 1;
                    break;
                }
            }
        }
    }
    v[n++] = 0x2026;
    return n;
}

/* Derive the display label of a full title (steps 1-6 of the opening
 * comment). *out is malloc'd, NULL when nothing is left. TENYO_ERR_INPUT
 * for invalid UTF-8, TENYO_ERR_ARG for a bad argument or language. */
int ty_labels_shorten(const char *title, const char *lang, int level,
                      char **out) {
    if (!title || !out) return TENYO_ERR_ARG;
    *out = NULL;
    int g = lang_index(lang);
    if (g < 0) return TENYO_ERR_ARG;
    size_t n = strlen(title);
    uint32_t *a = ty_mallocarray(n + 1, sizeof *a);
    uint32_t *b = ty_mallocarray(n + 1, sizeof *b);
    ty_buf o = {0};
    int rc = TENYO_ERR_NOMEM;
    if (!a || !b) goto done;
    size_t m = 0, i = 0;
    while (i < n)
        if (utf8_next((const unsigned char *)title, n, &i, &a[m++])) {
            rc = TENYO_ERR_INPUT;
            goto done;
        }
    int ja = g == LANG_JA;
    m = strip_markup(a, m, b);
    m = tidy(b, m);
    if (!ja) {
        if (level == 0) m = strip_section_prefix(b, m);
        sentence_case(b, m);
        m = join_hyphens(b, m);
    }
    m = fit_segments(b, m, ja ? LAB_SOFT_JA : LAB_SOFT_EN);
    m = tidy(b, m);
    if (m > (ja ? LAB_SOFT_JA : LAB_SOFT_EN))
        m = tidy(b, drop_examples(b, m, ja));
    size_t hard = ja ? LAB_HARD_JA : LAB_HARD_EN;
    m = hard_cut(b, m, ja, hard);
    rc = TENYO_OK;
    if (m == 0) goto done; /* nothing left: no label */
    for (size_t k = 0; k < m && rc == TENYO_OK; k++) rc = utf8_put(&o, b[k]);
    if (rc) goto done;
    *out = o.p;
    o.p = NULL;
done:
    free(a);
    free(b);
    ty_buf_free(&o);
    return rc;
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
    rc = ty_labels_shorten(full, g == LANG_JA ? "ja" : "en", level, &label);
    if (rc) goto done;
    size_t add = n + (label ? strlen(label) : 0);
    if (l->bytes + add > LAB_MAX_BYTES) {
        *why = "too much title text (more than 16 MiB)";
        rc = TENYO_ERR_INPUT;
        goto done;
    }
    if (e->full[g]) l->bytes -= strlen(e->full[g]);
    if (e->label[g]) l->bytes -= strlen(e->label[g]);
    free(e->full[g]);
    free(e->label[g]);
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
            if (d->label[g]) dst->bytes -= strlen(d->label[g]);
            free(d->full[g]);
            free(d->label[g]);
            d->full[g] = s->full[g];
            d->label[g] = s->label[g];
            dst->bytes += strlen(d->full[g]) +
                          (d->label[g] ? strlen(d->label[g]) : 0);
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
    if (!buf || ty_labels_new(&tmp)) goto done;
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
    if (!line || ty_labels_new(&tmp)) goto done;
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
        int g = lang_index(t1 + 1);
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
