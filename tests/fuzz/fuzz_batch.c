/*
 * fuzz_batch.c — one line of `tenyo ideas --batch` (cli_batch_parse_line in
 * src/cli/cmd_ideas.c, declared in src/cli/batch.h) over arbitrary bytes.
 *
 * The line is handed over as the batch loop does: without its newline and
 * not NUL-terminated (an exact-size copy, so ASan sees a read past it).
 * Properties: a parsed line has an id or a text; a refused one says why;
 * every string is terminated and shorter than the line it came from. Linked against the CLI objects (tenyo.c with main renamed).
 */
#include "fuzz.h"
#include "cli/batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *line = malloc(size ? size : 1);
    if (!line) return 0;
    if (size) memcpy(line, data, size);
    cli_batch_query q;
    char msg[256];
    memset(msg, 'x', sizeof msg);
    int rc = cli_batch_parse_line(line, size, &q, msg, sizeof msg);
    if (rc == 0) {
        FZ_ASSERT(q.id != NULL || q.text != NULL);
    } else {
        FZ_ASSERT(rc == -1);
        FZ_ASSERT(memchr(msg, 0, sizeof msg) != NULL && msg[0] != 0);
    }
    if (q.id) FZ_ASSERT(strlen(q.id) < size);
    if (q.text) FZ_ASSERT(strlen(q.text) < size);
    if (q.homes) FZ_ASSERT(strlen(q.homes) < size);
    cli_batch_query_free(&q);
    FZ_ASSERT(q.id == NULL && q.text == NULL && q.homes == NULL);
    free(line);
    return 0;
}
