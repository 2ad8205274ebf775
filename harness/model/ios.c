/*
 * ios.c - the pristine layout of an iOS app (target xnu): the bounds of
 * its map by release, RAM class and entitlements, the regions mapped at
 * launch, and what the newer releases add: split user ranges (hardened-heap
 * and browser-engine apps), xzone malloc's launch-time reservations, the
 * MAP_JIT rule of iOS 11 - 13, the 4 KiB physical page of A7/A8; and
 * where a request goes in a split map.
 *
 * Every fact is in docs/xnu-model.md (the section numbers below), with its
 * source; a comment names the tag and the file of each number.  "The iOS
 * 26 tree" is xnu-12377 as published (October 2025), which the mirror of
 * apple-oss-distributions/xnu read for this file does not carry yet: it
 * was read from a public copy of that release (§8).
 */
#include "core/core.h"
#include "model/model.h"

#include <string.h>

#define GiB (1ull << 30)
#define MiB (1ull << 20)

/* §1: the shared region starts at 6 GiB in every tag (osfmk/mach/shared_region.h,
 * SHARED_REGION_BASE_ARM64). */
#define SHARED_REGION_BASE 0x180000000ull
/* §4: USRSTACK64; the 1 MiB main stack ends here, minus the slide. */
#define USRSTACK64         0x16FE00000ull
#define MAIN_STACK_SIZE    (1ull * MiB)
/* §4: __PAGEZERO covers 4 GiB (+ slide). */
#define PAGEZERO           0x100000000ull
/* §4: nano region, 512 MiB right after the shared region. */
#define NANO_SIZE          (512ull * MiB)
/* §1: JUMBO -> MACH_VM_MAX_ADDRESS (MACH_VM_JUMBO_ADDRESS in the iOS 26 tree,
 * osfmk/mach/arm/vm_param.h). */
#define JUMBO_MAX          0xFC0000000ull
/* §8: vm_map_range_configure() (xnu-10063.101.15 and the iOS 26 tree,
 * osfmk/vm/vm_map.c): vm_map_range_random_uniform(GiB(10), default_end +
 * PAGE_SIZE, vm_map_max(map), offmask). */
#define DATA_RANGE_SIZE    (10ull * GiB)
/* §8: libmalloc-792.41.1 src/vm.c mvm_guarded_range_init(): 4 MiB + a random
 * tail of 0 - 1 MiB, a 1 MiB carveout PAGE_SIZE + a random offset in.  The
 * model takes the tail and the offset 0 (an estimate of a random choice). */
#define GUARDED_RANGE      (4ull * MiB)
#define GUARDED_HOLE       (1ull * MiB)
/* §8: libmalloc-792.41.1 src/xzone_malloc/xzone_segment.c. */
#define XZM_RANGE_SEPARATION   (4ull * GiB)
#define XZM_POINTER_RANGE_SIZE (16ull * GiB)
#define XZM_PAGE_TABLE_GRANULE (32ull * MiB)
/* §8: osfmk/mach/arm/vm_param.h VM_LARGE_FILE_THRESHOLD (xnu-11215 and later). */
#define LARGE_FILE_THRESHOLD   (1ull * GiB)

/* ------------------------------------------------------------ the rules of a release */
/* §1: the shared region size by era (osfmk/mach/shared_region.h,
 * SHARED_REGION_SIZE_ARM64): xnu-4570 0x40000000, xnu-4903 ... 10002
 * 0x100000000, xnu-10063.101 ... 11417 and the iOS 26 tree 0x180000000. */
static uint64_t shared_size(uint32_t v)
{
    if (v < 120) return 0x40000000ull;   /* iOS 11: 1 GiB */
    if (v < 174) return 0x100000000ull;  /* iOS 12 - 17.3: 4 GiB */
    return 0x180000000ull;               /* iOS 17.4 - 18 and 26: 6 GiB */
}

/* §1 pmap_max_64bit_offset(), DEVICE option (osfmk/arm/pmap/pmap.c; the
 * iOS 26 tree osfmk/arm64/sptm/pmap/pmap.c, the same values).  The
 * nominal RAM classes map to max_mem: a nominal 1 GB phone is <= 1 GiB,
 * 2 and 3 GB phones are in (1 GiB, 3 GiB], 4 GB and up are > 3 GiB. */
static uint64_t device_max(uint32_t v, uint32_t ram)
{
    uint64_t min_max = SHARED_REGION_BASE + shared_size(v) + 0x20000000ull; /* ARM64_MIN_MAX_ADDRESS */
    if (ram >= 4) return min_max + 0x138000000ull;
    if (ram >= 2) return min_max + 0x38000000ull;
    return min_max;
}

/* §2 bsd/kern/kern_exec.c proc_apply_jit_and_vm_policies(): what grants
 * the jumbo map.  For iOS 11, the model is the later releases
 * (xnu-4570.51 and newer), where jumbo is 0xFC0000000 like every later
 * era.  increased-memory-limit: from xnu-8020.101.4 (iOS 15.4), §8. */
static int jumbo_granted(uint32_t v, uint32_t e)
{
    if (e & VMEX_ENT_JIT) return 1;                         /* every era */
    if ((e & VMEX_ENT_EXTENDED_VA) && v >= 140) return 1;   /* xnu-7195: iOS 14+ */
    if ((e & VMEX_ENT_INCREASED_MEM) && v >= 154) return 1; /* xnu-8020.101.4: iOS 15.4+ (devices that
                                                               support it: all, here) */
    if ((e & VMEX_ENT_DEBUG_MEM) && v >= 180) return 1;     /* xnu-11215: iOS 18+ */
    return 0;
}

/* §8 kern_exec.c: vm_map_range_configure() for task_is_hardened_binary()
 * from xnu-10063.101.15 (iOS 17.4: the browser-engine entitlements,
 * encode_HR_entitlement), and in the iOS 26 tree also for
 * task_has_hardened_heap() (the hardened-heap entitlement).  It comes
 * after the jumbo rule and returns KERN_NO_SPACE when the map is already
 * jumbo (vm_map.c: default_end > vm_compute_max_offset()), so a jumbo
 * entitlement keeps the plain 63 GiB map. */
static int ranges_granted(uint32_t v, uint32_t e)
{
    return ((e & VMEX_ENT_BROWSER_ENGINE) && v >= 174) ||
           ((e & VMEX_ENT_HARDENED_HEAP) && v >= 260);
}

/* §8: xzone malloc's default.
 *   iOS 26 (libmalloc-792.41.1): on.  src/platform.h
 *     MALLOC_XZONE_ENABLED_DEFAULT, featureflags/libmalloc.plist
 *     SecureAllocator_SystemWide and SecureAllocator_Nano FeatureComplete
 *     on iOS; src/malloc.c __malloc_init() then creates no nano zone.
 *   iOS 18 [estimate]: on.  The flags of libmalloc-646 ... 715 say so
 *     (SystemWide FeatureComplete on iOS; 715, iOS 18.4, also
 *     SecureAllocator_Nano), but those tags publish no xzone code; the
 *     model follows the flags of 715 (no nano region).
 *   iOS 17, 17.4 [estimate]: off.  474 marks SystemWide UnderDevelopment;
 *     521 marks it FeatureComplete, but with nano engaged and neither
 *     SecureAllocator_Nano nor NanoOnXzone on, __malloc_init() (published
 *     only in 792.41.1) turns xzone off. */
static int xzone_default(uint32_t v) { return v >= 180; }

/* §2: the footprint limit comes from the device tree, not source, so the
 * defaults are ESTIMATES from public reports, to be overridden with
 * `set footprint-limit`:
 *   - 3 GB iPhones are killed near 1.1-1.6 GB (flutter/flutter#105183):
 *     modelled as half the RAM for 1, 2 and 3 GB devices;
 *   - 4 GB (iPhone 12) and 8 GB (iPhone 15 Pro) devices both report 3 GB
 *     available without the entitlement (rtabmap): 3 GiB from 4 GB up.
 * increased-memory-limit raises it to kern.entitled_max_task_pmem, which is
 * all of DRAM on app-swap devices, iOS 16+ (kern_memorystatus.c). */
static uint64_t footprint_default(uint32_t v, uint32_t ram, uint32_t e)
{
    if ((e & VMEX_ENT_INCREASED_MEM) && v >= 160) return (uint64_t)ram * GiB;
    if (ram <= 3) return (uint64_t)ram * GiB / 2;
    return 3 * GiB;
}

/* §2 osfmk/kern/task.c: warning at max(80%, (limit - 100 MB) / limit) of the
 * limit on devices with >= 1 GiB of RAM, (limit - 50 MB) on smaller ones
 * (a nominal 1 GB device has a little less than 1 GiB usable). */
static uint64_t footprint_warn(uint64_t limit, uint32_t ram)
{
    uint64_t slack = (ram <= 1 ? 50 : 100) * MiB;
    uint64_t eighty = limit / 5 * 4;
    uint64_t minus = limit > slack ? limit - slack : 0;
    return eighty > minus ? eighty : minus;
}

/* ------------------------------------------------------------ regions and holes */
static int add_region(vmex_layout *L, uint64_t start, uint64_t end, int kind, int tag, int prot)
{
    if (start >= end) return 0;
    if (L->nregions >= sizeof L->regions / sizeof L->regions[0]) return -1;
    L->regions[L->nregions++] = (vmex_region){start, end, (uint8_t)kind, (uint8_t)tag, (uint8_t)prot};
    for (uint32_t i = L->nregions - 1; i > 0 && L->regions[i - 1].start > L->regions[i].start; i--) {
        vmex_region t = L->regions[i];
        L->regions[i] = L->regions[i - 1];
        L->regions[i - 1] = t;
    }
    return 0;
}

/* The holes between the regions in [floor, max_offset): their sum and the largest. */
static void holes(vmex_layout *L)
{
    uint64_t at = L->floor;
    L->pristine_free = L->pristine_largest = 0;
    for (uint32_t i = 0; i <= L->nregions; i++) {
        uint64_t s = i < L->nregions ? L->regions[i].start : L->max_offset;
        if (s > L->max_offset) s = L->max_offset;
        if (s > at) {
            L->pristine_free += s - at;
            if (s - at > L->pristine_largest) L->pristine_largest = s - at;
        }
        if (i < L->nregions && L->regions[i].end > at) at = L->regions[i].end;
    }
}

/* First fit of size bytes among the regions, from the floor, below limit. */
static int first_fit(const vmex_layout *L, uint64_t size, uint64_t limit, uint64_t *addr)
{
    uint64_t at = L->floor;
    for (uint32_t i = 0; i <= L->nregions; i++) {
        uint64_t s = i < L->nregions && L->regions[i].start < limit ? L->regions[i].start : limit;
        if (s > at && s - at >= size) {
            *addr = at;
            return 0;
        }
        if (i < L->nregions && L->regions[i].end > at) at = L->regions[i].end;
    }
    return -1;
}

void _vmex_layout_view(const vmex_layout *L, uint64_t lo, uint64_t hi, vmex_layout *V)
{
    *V = *L;
    V->floor = lo;
    V->max_offset = hi;
    V->nregions = 0;
    for (uint32_t i = 0; i < L->nregions; i++)
        if (L->regions[i].end > lo && L->regions[i].start < hi) V->regions[V->nregions++] = L->regions[i];
    holes(V);
}

/* ------------------------------------------------------------ split user ranges */
/* §8: the tags vm_map_range_map_init() sets in vm_map_user_range_heap_map
 * (xnu-10063.101.15 and the iOS 26 tree, osfmk/vm/vm_map.c): MALLOC_SMALL 2,
 * MALLOC_LARGE 3, MALLOC_HUGE 4, MALLOC_TINY 7, MALLOC_LARGE_REUSED 9,
 * MALLOC_MEDIUM 12, MALLOC_PROB_GUARD 13, COREGRAPHICS 42, CORESERVICES 43,
 * COREDATA 45, LAYERKIT 51, TCMALLOC 53, IMAGEIO 70, IOSURFACE 88,
 * LIBNETWORK 89, IOACCELERATOR 100 (osfmk/mach/vm_statistics.h).  MALLOC (1)
 * and MALLOC_NANO (11) stay in the default range on purpose. */
static int heap_tag(int tag)
{
    static const uint8_t t[] = {2, 3, 4, 7, 9, 12, 13, 42, 43, 45, 51, 53, 70, 88, 89, 100};
    for (size_t i = 0; i < sizeof t; i++)
        if (t[i] == tag) return 1;
    return 0;
}

/* §8: bsd/kern/kern_mman.c mmap(): an anonymous map without a tag is
 * forced to the heap (data) range, one with a tag takes
 * vm_map_kernel_flags_update_range_id(), as mach_vm_allocate and
 * mach_vm_map do: a heap tag goes to data, and from xnu-11215 (iOS 18)
 * any request of VM_LARGE_FILE_THRESHOLD or more goes to the large-file
 * range, which without its entitlement is the data range (vm_map_get_range).
 * The rest stays in the default range. */
void _vmex_range_anywhere(const vmex_layout *L, int tag, uint64_t size, int anon_mmap, uint64_t *lo, uint64_t *hi)
{
    if (!L->ranges) {
        *lo = L->floor;
        *hi = L->max_offset;
    } else if ((anon_mmap && tag == 0) || heap_tag(tag) || (L->large_to_data && size >= LARGE_FILE_THRESHOLD)) {
        *lo = L->data_min;
        *hi = L->data_max;
    } else {
        *lo = L->floor;
        *hi = L->default_end;
    }
}

/* §8 vm_map_enter() FIXED: the range vm_map_user_range_resolve() finds for
 * the address bounds the request (KERN_INVALID_ADDRESS outside them).
 * xzone's pointer ranges are such ranges too (mach_vm_range_create). */
int _vmex_range_fixed(const vmex_layout *L, uint64_t addr, uint64_t *lo, uint64_t *hi)
{
    *lo = L->min_offset;
    *hi = L->max_offset;
    if (!L->ranges) return addr >= *lo && addr < *hi;
    if (addr >= L->min_offset && addr < L->default_end) {
        *hi = L->default_end;
        return 1;
    }
    if (addr >= L->data_min && addr < L->data_max) {
        *lo = L->data_min;
        *hi = L->data_max;
        return 1;
    }
    for (uint32_t i = 0; i < L->nptr; i++)
        if (addr >= L->ptr_min[i] && addr < L->ptr_max[i]) {
            *lo = L->ptr_min[i];
            *hi = L->ptr_max[i];
            return 1;
        }
    return 0;
}

/* §8 libmalloc-792.41.1 xzone_segment.c _xzm_main_malloc_zone_choose_ptr_ranges():
 * 16 GiB of pointer range in the voids around the data range (vm.malloc_ranges:
 * [default_end, data_min) and [data_max, 63 GiB)), at least 4 GiB from the
 * data range, starting at a 32 MiB granule chosen by malloc_entropy[1]; split
 * in two when it straddles the data range.  The model's entropy word is the
 * malloc-entropy setting r. */
static void ptr_ranges(vmex_layout *L)
{
    const uint64_t G = XZM_PAGE_TABLE_GRANULE;
    uint64_t left_min = VMEX_ALIGN_UP(L->default_end, G), left_limit = VMEX_ALIGN_DOWN(L->data_min, G);
    if (left_limit < left_min) left_min = left_limit;
    uint64_t right_min = VMEX_ALIGN_UP(L->data_max, G), right_limit = VMEX_ALIGN_DOWN(JUMBO_MAX, G);
    if (right_limit < right_min) right_limit = right_min;
    uint64_t lpad = left_limit - left_min < XZM_RANGE_SEPARATION ? left_limit - left_min : XZM_RANGE_SEPARATION;
    uint64_t rpad = right_limit - right_min < XZM_RANGE_SEPARATION ? right_limit - right_min : XZM_RANGE_SEPARATION;
    uint64_t lpad_start = left_limit - lpad, rpad_limit = right_min + rpad;
    uint64_t data_span = lpad + (right_min - left_limit) + rpad;
    uint64_t usable = right_limit - left_min - data_span;   /* >= 27 GiB on every RAM class */
    uint64_t cands = (usable - XZM_POINTER_RANGE_SIZE) / G + 1;
    uint64_t start = left_min + (L->malloc_entropy % cands) * G;
    if (start >= lpad_start) start += data_span;
    uint64_t limit = start + XZM_POINTER_RANGE_SIZE;
    if (start < lpad_start && limit > lpad_start) {
        L->ptr_min[0] = start;
        L->ptr_max[0] = lpad_start;
        L->ptr_min[1] = rpad_limit;
        L->ptr_max[1] = rpad_limit + XZM_POINTER_RANGE_SIZE - (lpad_start - start);
        L->nptr = 2;
    } else {
        L->ptr_min[0] = start;
        L->ptr_max[0] = limit;
        L->nptr = 1;
    }
}

/* §8 vm_map_range_configure(): the map becomes jumbo, the data range is
 * placed, and the rest above default_end is taken by permanent PROT_NONE
 * entries (untagged, VM_MAP_KERNEL_FLAGS_FIXED_PERMANENT(), in
 * xnu-10063.101.15 and in the iOS 26 tree alike).  xzone's pointer ranges
 * replace parts of them (mach_vm_range_create overwrites). */
static int split_ranges(vmex_layout *L, uint64_t data_slide)
{
    uint64_t min = VMEX_ALIGN_UP(L->default_end + VMEX_PAGE, VMEX_RANGE_ALIGN);
    uint64_t max = VMEX_ALIGN_DOWN(JUMBO_MAX, VMEX_RANGE_ALIGN);
    uint64_t off = (data_slide % (max - DATA_RANGE_SIZE - min)) & ~(VMEX_RANGE_ALIGN - 1);
    L->data_min = min + off;
    L->data_max = L->data_min + DATA_RANGE_SIZE;
    if (L->xzone) ptr_ranges(L);
    /* the two voids, cut around the pointer ranges (sorted: the left one first) */
    uint64_t cut[4][2] = {{L->default_end, L->data_min}, {L->data_max, JUMBO_MAX}};
    int rc = 0;
    for (int v = 0; v < 2; v++) {
        uint64_t at = cut[v][0];
        for (uint32_t i = 0; i < L->nptr; i++)
            if (L->ptr_min[i] >= cut[v][0] && L->ptr_max[i] <= cut[v][1]) {
                rc |= add_region(L, at, L->ptr_min[i], VMEX_R_GUARD, 0, VMEX_PROT_NONE);
                rc |= add_region(L, L->ptr_min[i], L->ptr_max[i], VMEX_R_GUARD, 0, VMEX_PROT_NONE);
                at = L->ptr_max[i];
            }
        rc |= add_region(L, at, cut[v][1], VMEX_R_GUARD, 0, VMEX_PROT_NONE);
    }
    return rc;
}

/* ------------------------------------------------------------ the layout */
/* An iOS device (xnu): the profile (a non-NULL profile overrides the
 * config's), its entitlements and the device's `set` keys. */
int _vmex_resolve_device(const vmex_config *cfg, const char *profile, uint32_t extra_ents, vmex_layout *L,
                         vmex_error *err)
{
    const char *name = profile && *profile ? profile : cfg->profile[0] ? cfg->profile : VMEX_DEFAULT_PROFILE;
    uint32_t v, ram;
    L->target = cfg->target;
    L->page = VMEX_PAGE;
    if (_vmex_profile_parse(name, &v, &ram)) {
        vmex_error_set(err, 0, 0, "unknown profile '%s' (see 'vmex profiles')", name);
        return -1;
    }
    snprintf(L->profile, sizeof L->profile, "%s", name);
    L->version_x10 = v;
    L->era = v < 120 ? 11 : v < 174 ? 12 : 174;
    L->ram_gb = ram;
    L->ents = cfg->ents | extra_ents;
    L->ranges = (uint8_t)(!jumbo_granted(v, L->ents) && ranges_granted(v, L->ents));
    L->jumbo = jumbo_granted(v, L->ents) || L->ranges;
    L->shared_size = shared_size(v);
    L->slide = _vmex_setting(cfg, VMEX_SET_SLIDE);
    L->min_offset = PAGEZERO + L->slide;
    L->floor = L->min_offset > VMEX_PAGE ? L->min_offset : VMEX_PAGE;
    L->default_end = device_max(v, ram);
    L->max_offset = L->jumbo ? JUMBO_MAX : L->default_end;
    /* §8: Cyclone and Typhoon (A7, A8: every 1 GB device of iOS 11 and 12) are
     * built without __ARM_16K_PG__ (xnu-4570, 4903 osfmk/arm/proc_reg.h): 4 KiB
     * physical pages.  Their 64-bit maps still place in 16 KiB
     * (bsd/kern/mach_loader.c: vm_map_set_page_shift(map, SIXTEENK_PAGE_SHIFT)). */
    L->phys_page = v < 130 && ram <= 1 ? 0x1000 : VMEX_PAGE;
    /* §5: NUM_TINY_BLOCKS, src/magazine_zone.h: 64520 in libmalloc-140 and 166
     * (iOS 11, 12), 64504 from libmalloc-283 (iOS 13) to 715 (and 792) */
    L->tiny_blocks = v < 130 ? 64520 : 64504;
    /* §8: random MAP_JIT placement, xnu-4570 ... 6153 (iOS 11 - 13) */
    L->jit_random = v < 140;
    L->jit_slide = _vmex_setting(cfg, VMEX_SET_JIT_SLIDE);
    L->large_to_data = (uint8_t)(L->ranges && v >= 180);
    if (cfg->set_mask >> VMEX_SET_XZONE & 1) {
        if (cfg->set[VMEX_SET_XZONE] && v < 170) {
            vmex_error_set(err, 0, 0, "set xzone: xzone malloc first ships with iOS 17 (libmalloc-474)");
            return -1;
        }
        L->xzone = (uint8_t)cfg->set[VMEX_SET_XZONE];
    } else {
        L->xzone = (uint8_t)xzone_default(v);
    }
    L->malloc_entropy = (uint32_t)_vmex_setting(cfg, VMEX_SET_MALLOC_ENTROPY);
    uint64_t limit = _vmex_setting(cfg, VMEX_SET_FOOTPRINT_LIMIT);
    L->footprint_limit = limit ? limit : footprint_default(v, ram, L->ents);
    L->footprint_warn = footprint_warn(L->footprint_limit, ram);

    uint64_t binary = VMEX_ALIGN_UP(_vmex_setting(cfg, VMEX_SET_BINARY), VMEX_PAGE);
    uint64_t dyld = VMEX_ALIGN_UP(_vmex_setting(cfg, VMEX_SET_DYLD), VMEX_PAGE);
    uint64_t stack_end = USRSTACK64 - L->slide, stack_start = stack_end - MAIN_STACK_SIZE;
    int guarded = L->xzone && v >= 260;   /* libmalloc-792.41.1 only: 715 has none */
    if (L->min_offset + binary + dyld + (guarded ? GUARDED_RANGE : 0) > stack_start) {
        vmex_error_set(err, 0, 0, "binary and dyld (%llu bytes) do not fit below the main stack",
                       (unsigned long long)(binary + dyld));
        return -1;
    }
    int rc = 0;
    rc |= add_region(L, L->min_offset, L->min_offset + binary, VMEX_R_BINARY, 0, VMEX_PROT_RX);
    rc |= add_region(L, L->min_offset + binary, L->min_offset + binary + dyld, VMEX_R_DYLD, VMEX_TAG_DYLD,
                     VMEX_PROT_RW);
    rc |= add_region(L, stack_start, stack_end, VMEX_R_STACK, VMEX_TAG_STACK, VMEX_PROT_RW);
    rc |= add_region(L, SHARED_REGION_BASE, SHARED_REGION_BASE + L->shared_size, VMEX_R_SHARED, 0, VMEX_PROT_RX);
    /* §4, §8: nano is not created under xzone unless asked for (nano on
     * xzone, iOS 18.0 - 18.3); NANOZONE_BASE_REGION_ADDRESS lies below the
     * device bound, which a split map keeps as default_end */
    uint64_t nano = SHARED_REGION_BASE + L->shared_size;
    int want_nano = (cfg->set_mask >> VMEX_SET_NANO & 1) ? (int)cfg->set[VMEX_SET_NANO] : !L->xzone;
    L->nano = want_nano && nano + NANO_SIZE <= (L->ranges ? L->default_end : L->max_offset);
    if (L->nano) rc |= add_region(L, nano, nano + NANO_SIZE, VMEX_R_NANO, VMEX_TAG_MALLOC_NANO, VMEX_PROT_RW);
    /* §8: xzone's guarded range, a MALLOC mach_vm_map ANYWHERE from 0, so
     * first fit from the floor */
    uint64_t g;
    if (guarded && !first_fit(L, GUARDED_RANGE, L->default_end, &g)) {
        rc |= add_region(L, g, g + VMEX_PAGE, VMEX_R_MALLOC, VMEX_TAG_MALLOC, VMEX_PROT_NONE);
        rc |= add_region(L, g + VMEX_PAGE + GUARDED_HOLE, g + GUARDED_RANGE, VMEX_R_MALLOC, VMEX_TAG_MALLOC,
                         VMEX_PROT_NONE);
    }
    if (L->ranges) rc |= split_ranges(L, _vmex_setting(cfg, VMEX_SET_DATA_SLIDE));
    if (rc) VMEX_FATAL("the pristine layout has more regions than vmex_layout.regions holds");
    holes(L);
    return 0;
}
