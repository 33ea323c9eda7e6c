/* Memory for the engine's large random-access tables (the transposition
 * table, the net's weights): aligned to 2 MB and, on Linux, advised as
 * transparent huge pages, so that a probe at a random place does not also
 * miss the TLB (as Stockfish allocates its table).  Where huge pages are not
 * granted it is plain aligned memory. */
#ifndef LADYA_LARGE_ALLOC_H
#define LADYA_LARGE_ALLOC_H
#include <stddef.h>
#include <stdlib.h>
#if defined(_WIN32)
#include <malloc.h>
#elif defined(__linux__)
#include <sys/mman.h>
#endif

#define LY_HUGE_PAGE ((size_t)2 << 20)

/* `size` bytes (rounded up to the alignment), 64-byte aligned at least and
 * 2 MB aligned from 2 MB on; NULL if there is no memory.  Free with
 * ly_large_free. */
static inline void* ly_large_alloc(size_t size) {
    size_t align = size >= LY_HUGE_PAGE ? LY_HUGE_PAGE : 64;
    size_t rounded = (size + align - 1) / align * align;
    void* p = NULL;
#if defined(_WIN32)
    p = _aligned_malloc(rounded, align);
#else
    if (posix_memalign(&p, align, rounded) != 0) p = NULL;
#endif
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (p && align == LY_HUGE_PAGE) madvise(p, rounded, MADV_HUGEPAGE);
#endif
    return p;
}

static inline void ly_large_free(void* p) {
#if defined(_WIN32)
    _aligned_free(p);
#else
    free(p);
#endif
}

#endif
