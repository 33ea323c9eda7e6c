/* Bit scans and population count, one definition per compiler.
 * MSVC lacks the GCC builtins, so it gets the intrinsics from <intrin.h>. */
#ifndef LADYA_BITOPS_H
#define LADYA_BITOPS_H
#include <stdint.h>

#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
static __forceinline int ly_lsb(uint64_t b) { unsigned long i; _BitScanForward64(&i, b); return (int)i; }
static __forceinline int ly_msb(uint64_t b) { unsigned long i; _BitScanReverse64(&i, b); return (int)i; }
static __forceinline int ly_popcount(uint64_t b) { return (int)__popcnt64(b); }
#define ly_prefetch(p) ((void)0)
static __forceinline uint64_t ly_mulhi64(uint64_t a, uint64_t b) { return __umulh(a, b); }
#else
static inline int ly_lsb(uint64_t b) { return __builtin_ctzll(b); }
static inline int ly_msb(uint64_t b) { return 63 ^ __builtin_clzll(b); }
static inline int ly_popcount(uint64_t b) { return __builtin_popcountll(b); }
#define ly_prefetch(p) __builtin_prefetch(p)
static inline uint64_t ly_mulhi64(uint64_t a, uint64_t b) { return (uint64_t)(((unsigned __int128)a * b) >> 64); }
#endif

#define LY_FILE_A 0x0101010101010101ULL
#define LY_FILE_H 0x8080808080808080ULL
#define LY_RANK_1 0x00000000000000FFULL
#define LY_RANK_8 0xFF00000000000000ULL
#define LY_DARK_SQUARES 0xAA55AA55AA55AA55ULL

#endif
