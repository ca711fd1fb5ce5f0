/*
 * fuzz_jplatpat.c — ty_parse_jplatpat, the parser of J-PlatPat CSV exports (io/jplatpat.c, libcsv), over arbitrary bytes.
 *
 * The input goes to the parser the way reader.c hands it over (text in
 * memory with a NUL after it), once lenient and once strict with a sink that
 * stops early (fz_parse in fuzz.h). Raw bytes, not only valid UTF-8: the
 * reader converts to UTF-8 first, but a parser must not depend on that for
 * its memory safety, and a crash that needs invalid UTF-8 would still be a
 * bug in the parser (each such finding says so in its report). Rejected:
 * going through tenyo_reader (fuzz_reader.c does that) — the charset and
 * format detection in front would spend most inputs before the parser.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fz_parse(ty_parse_jplatpat, data, size);
}
