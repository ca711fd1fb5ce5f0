/*
 * fuzz_charset.c — charset detection and conversion to UTF-8 over arbitrary
 * bytes: ty_charset_detect, ty_charset_to_utf8 with the detected charset and
 * with one fixed charset of the readers' list, and the public
 * tenyo_text_to_utf8 (detection and conversion in one call).
 *
 * Properties checked besides memory safety: detection always names a
 * charset; every successful conversion yields NUL-terminated, well-formed
 * UTF-8 (ICU's output is what every later stage trusts); valid UTF-8 input
 * converted "from UTF-8" comes back byte for byte (less a leading BOM), and a
 * failed conversion says why. The fixed charset is picked from the input's
 * length rather than from a leading byte, so seeds stay plain text files.
 */
#include "fuzz.h"

/* Charsets the readers meet (README "Input formats"). */
static const char *const fixed[] = {"UTF-8",   "Shift_JIS",   "EUC-JP",
                                    "ISO-2022-JP", "UTF-16LE", "UTF-16BE",
                                    "windows-31j"};
#define NFIXED (sizeof fixed / sizeof *fixed)

/* Convert in from charset cs and check the result's properties. */
static void convert(const char *cs, const char *in, size_t len) {
    char *out = NULL, err[TY_ERRLEN] = "";
    size_t outlen = 0;
    int rc = ty_charset_to_utf8(cs, in, len, &out, &outlen, err, sizeof err);
    if (rc == TENYO_OK) {
        FZ_ASSERT(out != NULL && out[outlen] == 0);
        FZ_ASSERT(ty_utf8_valid(out, outlen, NULL));
    } else {
        FZ_ASSERT(rc == TENYO_ERR_INPUT || rc == TENYO_ERR_DEPENDENCY ||
                  rc == TENYO_ERR_NOMEM);
        FZ_ASSERT(out == NULL && err[0] != 0);
    }
    if (rc == TENYO_OK && !strcmp(cs, "UTF-8") && ty_utf8_valid(in, len, NULL)) {
        size_t skip = len >= 3 && !memcmp(in, "\xEF\xBB\xBF", 3) ? 3 : 0;
        FZ_ASSERT(outlen == len - skip && !memcmp(out, in + skip, outlen));
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* an exact-size copy: ASan sees reads past the end */
    char *in = malloc(size ? size : 1);
    if (!in) return 0;
    if (size) memcpy(in, data, size);
    char name[64];
    memset(name, 'x', sizeof name);
    int rc = ty_charset_detect(in, size, name, sizeof name);
    FZ_ASSERT(rc == TENYO_OK || rc == TENYO_ERR_DEPENDENCY);
    if (rc == TENYO_OK) {
        FZ_ASSERT(memchr(name, 0, sizeof name) != NULL && name[0] != 0);
        convert(name, in, size);
    }
    convert(fixed[size % NFIXED], in, size);
    if (ty_utf8_valid(in, size, NULL)) convert("UTF-8", in, size);

    char *out = NULL, used[64] = "", err[TY_ERRLEN] = "";
    size_t outlen = 0;
    rc = tenyo_text_to_utf8(in, size, NULL, &out, &outlen, used, sizeof used,
                            err, sizeof err);
    if (rc == TENYO_OK) {
        FZ_ASSERT(out != NULL && out[outlen] == 0 && used[0] != 0);
        FZ_ASSERT(ty_utf8_valid(out, outlen, NULL));
    } else {
        FZ_ASSERT(err[0] != 0);
    }
    free(out);
    free(in);
    return 0;
}
