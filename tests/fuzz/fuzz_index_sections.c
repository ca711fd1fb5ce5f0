/*
 * fuzz_index_sections.c — the loader's checks behind the checksums: one
 * section of a small valid index replaced by the input, everything around it
 * made consistent again, then loaded and used.
 *
 * Input: byte 0 chooses the section (its number in the table, modulo the
 * count); the rest REPLACES that section's raw (decompressed) content. The
 * target re-compresses it as one checksummed zstd frame with its content
 * size, as store/write.c writes, lays the file out again (offsets, sizes, file
 * size, header FNV-1a) and opens it with tenyo_index_open. So every input
 * passes the header, table and frame checks and lands in what only the
 * decoded content can fail: the count/size relations between sections, the
 * blob string counts, LEB128 columns, finite floats, field ids, the build
 * text, the labels and IVF blobs, and whatever the index does with a file
 * that passes them all. Byte 0 >= 0xF0 drops the chosen section instead
 * (a missing required or optional section).
 *
 * The base index is built once in LLVMFuzzerInitialize with tenyo_builder
 * from the few documents below (Japanese and English, application phrases,
 * several IPC fields, IPC titles, IVF lists), into a temporary file that is
 * read back and removed. With TENYO_FUZZ_SEEDS=DIR in the environment the
 * target also writes one seed per section (byte + raw content) and the base
 * file (base.bin) into DIR: that is how tests/fuzz/corpus/index_sections/
 * and the index seed were made. Rejected: mutating compressed frames in
 * place (fuzz_index.c does that and stops at zstd's checksum) and
 * hand-writing a model (it would only test what we thought of).
 */
#include "fuzz.h"

#include <zstd.h>

#define HDR_FIXED 32u   /* bytes before the section table (store/format.h) */
#define HDR_ENTRY 48u   /* bytes per section table entry */

/* One section of the base index. */
typedef struct sec {
    char name[16];        /* NUL-padded name as in the table */
    unsigned char *frame; /* its zstd frame as written */
    size_t stored;        /* bytes of frame */
    unsigned char *raw;   /* decompressed content */
    size_t rawlen;        /* bytes of raw */
} sec;

static sec g_sec[TENYO_MAX_SECTIONS]; /* the base index's sections */
static uint32_t g_nsec;               /* sections in it */
static uint32_t g_version;            /* its format version */
static ZSTD_CCtx *g_cctx;             /* compressor reused per input */

/* The documents of the base index. */
static const char *const docs[][5] = {
    /* id, title, abstract, codes (comma-separated), lang */
    {"FZ-001", "車両の運転支援装置",
     "カメラで運転者の顔を撮像し眠気を推定する運転支援装置。内視鏡装置に用いる撮像部を備えた車両用の装置。",
     "B60W40/08,G08B21/06", "ja"},
    {"FZ-002", "内視鏡システム",
     "撮像部と画像処理部とを備えた内視鏡装置。医療用の画像から病変を推定する。",
     "A61B1/00,G06T7/00", "ja"},
    {"FZ-003", "ロボットハンドの制御装置",
     "把持力を推定する制御部を備えたマニプレータ。物流用の搬送装置に用いる。",
     "B25J13/08,B65G47/90", "ja"},
    {"FZ-004", "Drowsiness detection for vehicles",
     "A camera images the driver's face and a processor estimates drowsiness "
     "for use in medical imaging devices and vehicle control systems.",
     "B60W40/08,G06V20/59", "en"},
    {"FZ-005", "Endoscope image processing",
     "An endoscope with an imaging unit; the images are processed to estimate "
     "lesions, suitable for industrial inspection cameras.",
     "A61B1/04,G06T7/00", "en"},
    {"FZ-006", "交通制御システム",
     "車両の位置を推定し信号を制御する交通制御システム。警報装置に用いる。",
     "G08G1/16,G08B21/06", "ja"},
    {"FZ-007", "Gripping robot",
     "A robot hand estimates the gripping force with a camera for use in "
     "warehouse picking and vehicle assembly.",
     "B25J13/08,G06T7/00", "en"},
    {"FZ-008", "撮像装置",
     "撮像素子と画像処理部とを備えた撮像装置。車載カメラ及び内視鏡に用いる。",
     "H04N23/61,A61B1/04", "ja"},
};
#define NDOCS (sizeof docs / sizeof *docs)

/* IPC titles recorded in the base index (the labels section). */
static const char titles_tsv[] =
    "code\tlevel\tdots\ttitle_ja\n"
    "G08B\tsubclass\t0\t信号または呼出し装置；警報装置\n"
    "G08G\tsubclass\t0\t交通制御システム\n"
    "B25J\tsubclass\t0\tマニプレータ；マニプレータを備えた小室\n";

static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p) {
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void put_le32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void put_le64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* Write n bytes to a new file path; 0 or -1. */
static int write_file(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int ok = fwrite(p, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* Build the base index into path (tenyo_builder). 0 or a status. */
static int build_base(const char *path, const char *titles) {
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    bo.threads = 1;
    bo.dim = 4;
    bo.min_df = 1;
    bo.max_df_ratio = 1.0;
    bo.ivf_lists = 2;
    bo.ipc_titles = &titles;
    bo.nipc_titles = 1;
    tenyo_builder *b = NULL;
    char err[TY_ERRLEN] = "";
    int rc = tenyo_builder_new(&bo, &b, err, sizeof err);
    if (rc) {
        fprintf(stderr, "fuzz_index_sections: builder: %s\n", err);
        return rc;
    }
    for (size_t i = 0; i < NDOCS && !rc; i++) {
        char codes[64];
        const char *cv[4];
        size_t nc = 0;
        snprintf(codes, sizeof codes, "%s", docs[i][3]);
        char *save = NULL;
        for (char *c = strtok_r(codes, ",", &save); c && nc < 4; c = strtok_r(NULL, ",", &save))
            cv[nc++] = c;
        tenyo_doc d;
        memset(&d, 0, sizeof d);
        d.id = docs[i][0];
        d.title = docs[i][1];
        d.abstract = docs[i][2];
        d.claims = d.description = d.applicant = "";
        d.date = "2024-01-01";
        d.codes = cv;
        d.ncodes = nc;
        d.open = (int)(i % 2);
        d.lang = docs[i][4];
        d.source = "fuzz";
        d.line = (long)i + 1;
        rc = tenyo_builder_add(b, &d);
    }
    if (!rc) rc = tenyo_builder_write(b, path, NULL);
    if (rc) fprintf(stderr, "fuzz_index_sections: build: %s\n", tenyo_builder_error(b));
    tenyo_builder_free(b);
    return rc;
}

/* Split the base file into g_sec (frames and decompressed contents). */
static int split_base(const unsigned char *f, size_t n) {
    if (n < HDR_FIXED || memcmp(f, "TENYOIDX", 8)) return -1;
    g_version = le32(f + 8);
    g_nsec = le32(f + 16);
    if (!g_nsec || g_nsec > TENYO_MAX_SECTIONS) return -1;
    for (uint32_t i = 0; i < g_nsec; i++) {
        const unsigned char *e = f + HDR_FIXED + HDR_ENTRY * i;
        sec *s = &g_sec[i];
        memcpy(s->name, e, 16);
        uint64_t off = le64(e + 16), stored = le64(e + 24), raw = le64(e + 32);
        if (off > n || stored > n - off) return -1;
        s->stored = (size_t)stored;
        s->rawlen = (size_t)raw;
        s->frame = malloc(s->stored);
        s->raw = malloc(s->rawlen ? s->rawlen : 1);
        if (!s->frame || !s->raw) return -1;
        memcpy(s->frame, f + off, s->stored);
        /* a section stored raw (a skippable frame: magic, size, content,
         * 8-byte sum; store/format.h) holds its content as it is */
        if (s->stored >= 8 && le32(s->frame) == 0x184D2A5Eu &&
            s->stored == 8 + s->rawlen + 8 && le32(s->frame + 4) == s->rawlen + 8) {
            memcpy(s->raw, s->frame + 8, s->rawlen);
            continue;
        }
        size_t d = ZSTD_decompress(s->raw, s->rawlen, s->frame, s->stored);
        if (ZSTD_isError(d) || d != s->rawlen) return -1;
    }
    return 0;
}

/* With TENYO_FUZZ_SEEDS=DIR: one seed per section, and the base file. */
static void dump_seeds(const unsigned char *f, size_t n) {
    const char *dir = getenv("TENYO_FUZZ_SEEDS");
    if (!dir || !*dir) return;
    char path[1024];
    for (uint32_t i = 0; i < g_nsec; i++) {
        unsigned char *b = malloc(g_sec[i].rawlen + 1);
        if (!b) continue;
        b[0] = (unsigned char)i;
        memcpy(b + 1, g_sec[i].raw, g_sec[i].rawlen);
        snprintf(path, sizeof path, "%.900s/sec-%02u-%.15s", dir, i, g_sec[i].name);
        if (write_file(path, b, g_sec[i].rawlen + 1))
            fprintf(stderr, "fuzz_index_sections: cannot write %s\n", path);
        free(b);
    }
    snprintf(path, sizeof path, "%.900s/base.bin", dir);
    if (write_file(path, f, n)) fprintf(stderr, "fuzz_index_sections: cannot write %s\n", path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    const char *t = getenv("TMPDIR");
    char dir[512], idx[600], tsv[600];
    snprintf(dir, sizeof dir, "%s/tenyo-fuzz-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir)) {
        perror("fuzz_index_sections: mkdtemp");
        abort();
    }
    snprintf(idx, sizeof idx, "%s/base.tny", dir);
    snprintf(tsv, sizeof tsv, "%s/titles.tsv", dir);
    if (write_file(tsv, titles_tsv, sizeof titles_tsv - 1) || build_base(idx, tsv)) abort();
    FILE *fp = fopen(idx, "rb");
    unsigned char *f = NULL;
    long n = -1;
    if (fp && fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) > 0 &&
        fseek(fp, 0, SEEK_SET) == 0 && (f = malloc((size_t)n)) != NULL &&
        fread(f, 1, (size_t)n, fp) != (size_t)n)
        n = -1;
    if (fp) fclose(fp);
    remove(idx);
    remove(tsv);
    rmdir(dir);
    if (n <= 0 || !f || split_base(f, (size_t)n)) {
        fprintf(stderr, "fuzz_index_sections: cannot read back the base index\n");
        abort();
    }
    dump_seeds(f, (size_t)n);
    free(f);
    g_cctx = ZSTD_createCCtx();
    if (!g_cctx ||
        ZSTD_isError(ZSTD_CCtx_setParameter(g_cctx, ZSTD_c_checksumFlag, 1)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(g_cctx, ZSTD_c_contentSizeFlag, 1)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(g_cctx, ZSTD_c_compressionLevel, 1)))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || !g_nsec) return 0;
    uint32_t pick = data[0] % g_nsec;
    int drop = data[0] >= 0xF0 && g_nsec > 1;
    const uint8_t *payload = data + 1;
    size_t plen = size - 1;

    /* the replacement frame */
    size_t cap = ZSTD_compressBound(plen);
    unsigned char *frame = malloc(cap ? cap : 1);
    if (!frame) return 0;
    size_t fl = ZSTD_compress2(g_cctx, frame, cap, payload, plen);
    FZ_ASSERT(!ZSTD_isError(fl));

    /* lay the file out again */
    uint32_t nsec = g_nsec - (uint32_t)drop;
    size_t tlen = HDR_FIXED + HDR_ENTRY * (size_t)nsec, total = tlen + 8;
    for (uint32_t i = 0; i < g_nsec; i++)
        if (i != pick) total += g_sec[i].stored;
    if (!drop) total += fl;
    unsigned char *f = calloc(1, total);
    if (!f) {
        free(frame);
        return 0;
    }
    memcpy(f, "TENYOIDX", 8);
    put_le32(f + 8, g_version);
    put_le32(f + 16, nsec);
    put_le64(f + 24, total);
    size_t at = tlen + 8, e = 0;
    for (uint32_t i = 0; i < g_nsec; i++) {
        if (i == pick && drop) continue;
        const unsigned char *fr = i == pick ? frame : g_sec[i].frame;
        size_t st = i == pick ? fl : g_sec[i].stored;
        size_t raw = i == pick ? plen : g_sec[i].rawlen;
        unsigned char *ent = f + HDR_FIXED + HDR_ENTRY * e++;
        memcpy(ent, g_sec[i].name, 16);
        put_le64(ent + 16, at);
        put_le64(ent + 24, st);
        put_le64(ent + 32, raw);
        memcpy(f + at, fr, st);
        at += st;
    }
    /* the header checksum as the loader checks it (format 3: FNV-1a as
     * published; before, every input stopped here) */
    put_le64(f + tlen, g_version >= 3 ? ty_fnv1a_std(f, tlen) : ty_fnv1a(f, tlen));
    free(frame);

    char path[64];
    int fd = fz_memfd(f, total, path, sizeof path);
    free(f);
    if (fd < 0) return 0;
    fz_open_index(path);
    close(fd);
    return 0;
}
