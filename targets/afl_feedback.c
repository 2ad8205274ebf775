/*
 * afl_feedback.c - fold vmex's feature counters into AFL++'s coverage map.
 *
 * Built with plain clang, never afl-clang-fast: an instrumented unit cannot
 * reference __afl_area_ptr.  Each feature i with a nonzero counter adds its
 * count at a fixed pseudo-random slot, so a new fragmentation state is a
 * new "edge" to AFL++.
 */
#include <stddef.h>
#include <stdint.h>

extern uint8_t *__afl_area_ptr;
extern uint32_t __afl_map_size;

void vmex_afl_features(const uint8_t *ctr, size_t n)
{
    uint8_t *map = __afl_area_ptr;
    uint32_t size = __afl_map_size;
    if (!map || size < 2) return;
    for (size_t i = 0; i < n; i++)
        if (ctr[i]) {
            uint32_t slot = (uint32_t)((i + 1) * 2654435761u) % size;
            map[slot] = (uint8_t)(map[slot] + ctr[i]);
        }
}
