/*
 * model.h - internals of the model room shared across the library (not
 * installed): libmalloc's size classes, profile names, the layouts the
 * backends resolve, the model's error.
 */
#ifndef VMEX_MODEL_H
#define VMEX_MODEL_H

#include "core/core.h"

/* VM tags (docs/xnu-model.md §3; osfmk/mach/vm_statistics.h) */
enum { VMEX_TAG_MALLOC = 1, VMEX_TAG_MALLOC_SMALL = 2, VMEX_TAG_MALLOC_LARGE = 3, VMEX_TAG_REALLOC = 6,
       VMEX_TAG_MALLOC_TINY = 7, VMEX_TAG_MALLOC_NANO = 11, VMEX_TAG_STACK = 30, VMEX_TAG_DYLD = 60 };

/* libmalloc.c: libmalloc's size classes as the model has them (docs/xnu-model.md §5;
 * the block counts from libmalloc's magazine_zone.h).  Index 0 nano, 1
 * tiny, 2 small; a malloc above VMEX_MALLOC_LARGE is a large block. */
#define VMEX_MALLOC_LARGE (15 * 1024)
typedef struct vmex_malloc_class {
    const char *name;
    uint8_t tag;              /* VM tag of its regions */
    uint64_t quantum, max;    /* block granularity; the largest block */
    uint64_t region, usable;  /* region size (and alignment), usable bytes; 0 for nano */
} vmex_malloc_class;
extern const vmex_malloc_class _vmex_malloc_classes[3];

/* backend.c: set what vmex_model_error(m) and vmex_model_unavailable(m) say */
void _vmex_model_set_error(vmex_model *m, const char *msg, int unavailable);

/* docs/xnu-model.md §8: split user ranges are 32 MiB aligned (vm_map_range_offmask()
 * with 16 KiB pages and one page-table level: (1 << 25) - 1). */
#define VMEX_RANGE_ALIGN (32ull << 20)

/* _vmex_profile_parse and _vmex_setting: core/core.h (core/config.c) */
/* The pristine layouts the backends resolve (vmex_backend.resolve): an iOS
 * device's (ios.c: its profile, entitlements and `set` keys), a Linux
 * window's (profile.c: its `set` keys) */
int _vmex_resolve_device(const vmex_config *cfg, const char *profile, uint32_t extra_ents, vmex_layout *L,
                         vmex_error *err);
int _vmex_resolve_window(const vmex_config *cfg, const char *profile, uint32_t extra_ents, vmex_layout *L,
                         vmex_error *err);

/* ios.c: where a request goes in a map with split user ranges (L->ranges;
 * without them the whole map [floor, max_offset)).  anywhere: the range
 * [*lo, *hi) an ANYWHERE request with this VM tag and size searches
 * (mmap: anon_mmap, an untagged one goes to data); fixed: the range that
 * holds addr, 0 when none does. */
void _vmex_range_anywhere(const vmex_layout *L, int tag, uint64_t size, int anon_mmap, uint64_t *lo, uint64_t *hi);
int  _vmex_range_fixed(const vmex_layout *L, uint64_t addr, uint64_t *lo, uint64_t *hi);
/* The layout as the oracle sees a request confined to [lo, hi): floor and
 * max are the range, the pristine regions and holes those inside it. */
void _vmex_layout_view(const vmex_layout *L, uint64_t lo, uint64_t hi, vmex_layout *V);

#endif
