/*
 * heap.c — the C library's heap for a process of the tenyo program that
 * opens an index, asks it one thing and exits (search, similar, ideas and
 * match, not --batch): backed by transparent huge pages, so the tables an
 * open decodes (the sections' buffers, the term and id hash tables, the
 * field model, the score arrays) land in 2 MiB pages instead of thousands
 * of 4 KiB page faults.
 *
 * Why: on a virtual machine every page fault is a trap to the hypervisor.
 * A 60k-document `tenyo ideas` took 8,900 faults, a third of its time in
 * the kernel; with glibc's own switches (GLIBC_TUNABLES=
 * glibc.malloc.hugetlb=1 with a large top pad: madvise(MADV_HUGEPAGE) on
 * every growth of every arena) it took 1,100 faults and half the time.
 * Those switches are read at process start only; this file sets their
 * equivalent with mallopt(3) and madvise(2) before the command runs:
 * M_ARENA_MAX 1 (every thread allocates from the main heap, the open's
 * threads too), M_MMAP_THRESHOLD at its most (32 MiB: big blocks come from
 * the heap), M_TOP_PAD HEAP_RESERVE with M_TRIM_THRESHOLD above it, one
 * growth made at once and madvise(MADV_HUGEPAGE) over it: as fast as the
 * tunables at 60k (ideas 159 -> 87 ms).
 * On any index size: similar by id, ideas and match on an index file
 * above 512 MiB were left alone while their process decoded every row on
 * two threads into a 1.1 GiB heap (one arena serialised them: ideas at 1M
 * 2.9 -> 3.6 s). Since they read the rows' frames of their documents and
 * walk the stored postings in place, the heap of an `ideas` at 1M is 456
 * MiB and the rule is gone: at 1M (`python3 bench/proc_bench.py -n 5
 * --rt`, the rows in frames) ideas 1.30 -> 0.73 s, similar by id 0.93 ->
 * 0.70 s, match 1.15 -> 0.76 s; on an index written before the frames
 * (rows read whole) ideas 1.57 -> 1.41 s, similar by id 1.28 -> 1.22 s.
 * A heap that outgrows the reserve grows unadvised. Re-executing the
 * program with the tunables set was tried once: not kept.
 * Memory that is reserved but never touched costs nothing; touched, it is
 * counted in 2 MiB steps, so the peak resident size grows (ideas at 60k 83
 * -> 100 MiB, search at 1M 56 -> 66 MiB). Left as the C library has it: tenyo
 * serve, index, rebuild and every other command, a --batch (threads
 * allocating at once want their arenas), a command whose index argument is
 * not a file (options before it, a sharded index's directory), and when
 * the user set GLIBC_TUNABLES (theirs win) or TENYO_HEAP=plain. The kernel's
 * THP mode "never" makes the advice a no-op; "always" needs none.
 * Rejected: a custom allocator (the library's buffers are freed with
 * free()).
 */
#include "cli.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEAP_RESERVE ((size_t)512 << 20)     /* the heap's first growth */
#define HUGE_PAGE ((uintptr_t)2 << 20)

/* One arena, its first growth HEAP_RESERVE, advised for huge pages. */
static void heap_in_process(void) {
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, (int)(2 * HEAP_RESERVE));
    mallopt(M_TOP_PAD, (int)HEAP_RESERVE);
    /* a growth now: a block larger than what is left at the heap's top
     * (start-up allocated a little already) moves the break by itself
     * plus the pad */
    void *p = malloc(4 * HUGE_PAGE);
    if (!p) return;
    uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    uintptr_t hi = (uintptr_t)sbrk(0) & ~(HUGE_PAGE - 1);
    /* only the growth just made: a block not from the break (another
     * allocator, a sanitizer's) leaves the range empty or past it */
    if (hi > lo && hi - lo <= HEAP_RESERVE + 8 * HUGE_PAGE)
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE); /* a hint: failure changes nothing */
    free(p);
}

void cli_heap_setup(int argc, char **argv) {
    const char *h = getenv("TENYO_HEAP");
    if (argc < 3 || getenv("GLIBC_TUNABLES") || (h && !strcmp(h, "plain"))) return;
    const char *cmd = argv[1];
    if (strcmp(cmd, "search") && strcmp(cmd, "similar") && strcmp(cmd, "ideas") &&
        strcmp(cmd, "match"))
        return;
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--batch") || !strncmp(argv[i], "--batch=", 8)) return;
    struct stat st;
    if (stat(argv[2], &st) || !S_ISREG(st.st_mode)) return;
    heap_in_process();
}
