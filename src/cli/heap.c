/*
 * heap.c — the C library's heap for a one-query process (tenyo search and
 * similar --text on any index; similar by id, ideas and match on an index
 * file of up to 512 MiB: tenyo.c, one_query): one arena whose first growth
 * is large and backed by transparent huge pages, so the tables an open
 * decodes (the sections' buffers, the term and id hash tables, the field
 * model, the score arrays) land in 2 MiB pages instead of thousands of
 * 4 KiB page faults.
 *
 * Why: on a virtual machine every page fault is a trap to the hypervisor.
 * A 60k-document `tenyo ideas` took 8,900 faults, a third of its time in
 * the kernel; with glibc's own switches set from outside
 * (GLIBC_TUNABLES=glibc.malloc.hugetlb=1 with a large top pad) it took
 * 1,100 faults and half the wall time. Those switches are read at process
 * start only, so this file sets their equivalent with mallopt(3) and
 * madvise(2) before the command runs:
 *   - M_ARENA_MAX 1: every thread allocates from the main heap (the open's
 *     threads too), the one region advised below;
 *   - M_MMAP_THRESHOLD at its most (32 MiB on 64-bit): big blocks come
 *     from the heap, not from mappings of their own;
 *   - M_TOP_PAD HEAP_RESERVE and M_TRIM_THRESHOLD above it: the heap's
 *     first growth reserves HEAP_RESERVE at once and is never given back
 *     in pieces (a process that exits soon gains nothing by trimming);
 *   - MADV_HUGEPAGE over that first growth (the kernel's THP "madvise"
 *     mode; "always" needs nothing, "never" ignores it).
 * Memory that is reserved but never touched costs nothing; touched, it is
 * counted in 2 MiB steps, so the peak resident size grows a little (83 ->
 * about 100 MiB for ideas at 60k). Not for tenyo serve, index, rebuild or
 * a batch (threads allocating at once want their arenas), nor when the
 * user set GLIBC_TUNABLES (theirs win), nor TENYO_HEAP=plain. A heap that
 * grows past the reserve grows as usual, unadvised: ideas on a 1M index
 * (a 1.1 GiB heap, rows decoded on two threads) ran 2.9 -> 3.6 s so, one
 * arena being the cost there, hence the size rule of one_query.
 * Rejected: re-executing the program with GLIBC_TUNABLES set (a second
 * start of the dynamic loader, 10-15 ms, for what mallopt gives); a
 * custom allocator (the library's buffers are freed with free()).
 */
#include "cli.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HEAP_RESERVE ((size_t)512 << 20) /* the heap's first growth */
#define HUGE_PAGE ((uintptr_t)2 << 20)

void cli_heap_one_query(void) {
    const char *h = getenv("TENYO_HEAP");
    if (getenv("GLIBC_TUNABLES") || (h && !strcmp(h, "plain"))) return;
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
