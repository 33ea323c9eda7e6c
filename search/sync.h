/* A monotonic millisecond clock and a flag that another thread may set.
 * The search polls both without the GIL; a volatile int is enough for a
 * one-writer stop flag on every platform we build for. */
#ifndef LADYA_SYNC_H
#define LADYA_SYNC_H
#include <stdint.h>

#if defined(_WIN32)
#include <windows.h>
static inline int64_t ly_now_ms(void) {
    static LARGE_INTEGER freq;
    LARGE_INTEGER now;
    if (!freq.QuadPart) QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    return (int64_t)(now.QuadPart * 1000 / freq.QuadPart);
}
#else
#include <time.h>
static inline int64_t ly_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
#endif

static inline int ly_flag_get(const volatile int* f) { return *f; }
static inline void ly_flag_set(volatile int* f, int v) { *f = v; }

#endif
