/*
 * profile.c - iOS profiles, entitlements, `set` options, and the pristine
 * layouts the backends resolve (model/backend.h): an iOS app's address
 * space (xnu) and a Linux window (linux-model, linux).  Which `set` keys a
 * target takes follows its capabilities (vmex_target_has).
 *
 * Every number here comes from docs/xnu-model.md (read from
 * apple-oss-distributions/xnu and libmalloc) unless a comment names a
 * better source.  Section numbers below refer to that document.
 */
#include "core/core.h"
#include "model/model.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define GiB (1ull << 30)
#define MiB (1ull << 20)

/* §1: the shared region always starts at 6 GiB (osfmk/mach/shared_region.h). */
#define SHARED_REGION_BASE 0x180000000ull
/* §4: USRSTACK64; the 1 MiB main stack ends here, minus the slide. */
#define USRSTACK64         0x16FE00000ull
#define MAIN_STACK_SIZE    (1ull * MiB)
/* §4: __PAGEZERO covers 4 GiB (+ slide). */
#define PAGEZERO           0x100000000ull
/* §4: nano region, 512 MiB right after the shared region. */
#define NANO_SIZE          (512ull * MiB)
/* §1: JUMBO -> MACH_VM_MAX_ADDRESS. */
#define JUMBO_MAX          0xFC0000000ull

/* ------------------------------------------------------------ entitlements */
static const struct { const char *name, *full; } ents[VMEX_ENT__COUNT] = {
    {"dynamic-codesigning", "dynamic-codesigning"},
    {"extended-virtual-addressing", "com.apple.developer.kernel.extended-virtual-addressing"},
    {"increased-memory-limit", "com.apple.developer.kernel.increased-memory-limit"},
    {"increased-debugging-memory-limit", "com.apple.developer.kernel.increased-debugging-memory-limit"},
};

const char *vmex_ent_name(int i) { return i >= 0 && i < VMEX_ENT__COUNT ? ents[i].name : "?"; }

int vmex_ent_parse(const char *s, uint32_t *bit)
{
    for (int i = 0; i < VMEX_ENT__COUNT; i++)
        if (!strcmp(s, ents[i].name) || !strcmp(s, ents[i].full)) {
            *bit = 1u << i;
            return 0;
        }
    return -1;
}

/* ------------------------------------------------------------ set options */
enum { T_SIZE, T_ONOFF, T_INT, T_ENUM };
static const char *const allocator_names[VMEX_ALLOC__COUNT + 1] = {"kernel", "glibc", "jemalloc", "mimalloc", NULL};
static const char *const thp_names[] = {"auto", "on", "off", NULL};
static const struct {
    const char *name;
    int type;
    uint64_t def, min, max;
    const char *doc;
    unsigned cap;                 /* the targets it applies to: VMEX_CAP_* (0 means VMEX_CAP_DEVICE) */
    const char *const *names;     /* T_ENUM: the value names */
} sets[VMEX_SET__COUNT] = {
    /* §4: slide = {0,32,64} MiB + a page multiple below 16 MiB, so < 80 MiB. */
    [VMEX_SET_SLIDE] = {"slide", T_SIZE, 0, 0, 80 * MiB - VMEX_PAGE, "ASLR slide, a page multiple"},
    [VMEX_SET_BINARY] = {"binary", T_SIZE, 32 * MiB, VMEX_PAGE, 1 * GiB, "main binary size"},
    [VMEX_SET_DYLD] = {"dyld", T_SIZE, 4 * MiB, VMEX_PAGE, 256 * MiB, "dyld size"},
    [VMEX_SET_NANO] = {"nano", T_ONOFF, 1, 0, 1, "nano malloc region"},
    /* §5: r is a 7-bit random number. */
    [VMEX_SET_MALLOC_ENTROPY] = {"malloc-entropy", T_INT, 0, 0, 127, "entropic-range random r"},
    /* 0 means "the profile's default" */
    [VMEX_SET_FOOTPRINT_LIMIT] = {"footprint-limit", T_SIZE, 0, VMEX_PAGE, VMEX_MAX_VALUE - 1, "jetsam limit"},
    /* docs/linux-real.md: the window is aligned to >= 2 MiB; 16 TiB keeps it
     * below PIE executables from VMEX_LINUX_BASE. */
    [VMEX_SET_WINDOW] = {"window", T_SIZE, 1 * GiB, 2 * MiB, VMEX_LINUX_WINDOW_MAX, "address window size", VMEX_CAP_WINDOW},
    [VMEX_SET_ALLOCATOR] = {"allocator", T_ENUM, VMEX_ALLOC_KERNEL, 0, VMEX_ALLOC__COUNT - 1,
                            "malloc, realloc and free go to", VMEX_CAP_WINDOW, allocator_names},
    [VMEX_SET_THP_ALIGN] = {"thp-align", T_ENUM, VMEX_THP_AUTO, 0, 2, "2 MiB alignment rule", VMEX_CAP_WINDOW, thp_names},
    [VMEX_SET_MMAP_THRESHOLD] = {"mmap-threshold", T_SIZE, 0, 0, 32 * MiB, "glibc M_MMAP_THRESHOLD, 0 = dynamic",
                                 VMEX_CAP_WINDOW},
    [VMEX_SET_RETAIN] = {"retain", T_ONOFF, 1, 0, 1, "jemalloc opt.retain", VMEX_CAP_WINDOW},
};

const char *vmex_allocator_name(int a) { return a >= 0 && a < VMEX_ALLOC__COUNT ? allocator_names[a] : "?"; }

int vmex_set_applies(int key, int target)
{
    if (key < 0 || key >= VMEX_SET__COUNT) return 0;
    return vmex_target_has(target, sets[key].cap ? sets[key].cap : VMEX_CAP_DEVICE);
}

const char *vmex_set_name(int k) { return k >= 0 && k < VMEX_SET__COUNT ? sets[k].name : "?"; }

int vmex_set_lookup(const char *name)
{
    for (int k = 0; k < VMEX_SET__COUNT; k++)
        if (!strcmp(name, sets[k].name)) return k;
    return -1;
}

int vmex_set_parse(int key, const char *text, uint64_t *out, vmex_error *err)
{
    uint64_t v;
    if (key < 0 || key >= VMEX_SET__COUNT) {
        vmex_error_set(err, err->line, err->col, "unknown setting");
        return -1;
    }
    if (sets[key].type == T_ONOFF) {
        if (!strcmp(text, "on")) v = 1;
        else if (!strcmp(text, "off")) v = 0;
        else {
            vmex_error_set(err, err->line, err->col, "set %s takes on or off, not '%s'", sets[key].name, text);
            return -1;
        }
        *out = v;
        return 0;
    }
    if (sets[key].type == T_ENUM) {
        char list[128] = "";
        for (int i = 0; sets[key].names[i]; i++) {
            if (!strcmp(text, sets[key].names[i])) {
                *out = (uint64_t)i;
                return 0;
            }
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", sets[key].names[i]);
        }
        vmex_error_set(err, err->line, err->col, "set %s takes one of %s, not '%s'", sets[key].name, list, text);
        return -1;
    }
    int r = vmex_parse_number(text, strlen(text), &v);
    if (r == -2) {
        vmex_error_set(err, err->line, err->col, "value too large (the limit is 256t)");
        return -1;
    }
    if (r < 0) {
        vmex_error_set(err, err->line, err->col, "bad number '%s'", text);
        return -1;
    }
    if (v < sets[key].min || v > sets[key].max) {
        char lo[32], hi[32];
        if (sets[key].type == T_SIZE) {
            vmex_format_size(sets[key].min, lo, sizeof lo);
            vmex_format_size(sets[key].max, hi, sizeof hi);
        } else {
            snprintf(lo, sizeof lo, "%llu", (unsigned long long)sets[key].min);
            snprintf(hi, sizeof hi, "%llu", (unsigned long long)sets[key].max);
        }
        vmex_error_set(err, err->line, err->col, "set %s must be between %s and %s", sets[key].name, lo, hi);
        return -1;
    }
    if (key == VMEX_SET_WINDOW && v % (2 * MiB)) {
        vmex_error_set(err, err->line, err->col, "set window must be a multiple of 2m");
        return -1;
    }
    if (key == VMEX_SET_MMAP_THRESHOLD && v % VMEX_LINUX_PAGE) {
        vmex_error_set(err, err->line, err->col, "set mmap-threshold must be a multiple of the 4k page");
        return -1;
    }
    if (key == VMEX_SET_SLIDE && v % VMEX_PAGE) {
        vmex_error_set(err, err->line, err->col, "set slide must be a multiple of the 16k page");
        return -1;
    }
    *out = v;
    return 0;
}

void vmex_set_format(int key, uint64_t v, char *buf, size_t n)
{
    if (key >= 0 && key < VMEX_SET__COUNT && sets[key].type == T_ONOFF)
        snprintf(buf, n, "%s", v ? "on" : "off");
    else if (key >= 0 && key < VMEX_SET__COUNT && sets[key].type == T_ENUM)
        snprintf(buf, n, "%s", v <= sets[key].max ? sets[key].names[v] : "?");
    else if (key >= 0 && key < VMEX_SET__COUNT && sets[key].type == T_INT)
        snprintf(buf, n, "%llu", (unsigned long long)v);
    else
        vmex_format_size(v, buf, n);
}

static uint64_t setting(const vmex_config *c, int k)
{
    return (c->set_mask & (1u << k)) ? c->set[k] : sets[k].def;
}

/* ------------------------------------------------------------ profiles */
/* Versions are kept x10: 11 -> 110, 17.4 -> 174. */
static const uint32_t versions[] = {110, 120, 130, 140, 150, 160, 170, 174, 180};
static const uint32_t rams[] = {1, 2, 3, 4, 6, 8, 12, 16};
#define NVERSIONS (sizeof versions / sizeof versions[0])
#define NRAMS (sizeof rams / sizeof rams[0])

int _vmex_profile_parse(const char *name, uint32_t *version_x10, uint32_t *ram_gb)
{
    /* ios<VERSION>-<RAM>gb */
    if (strncmp(name, "ios", 3)) return -1;
    const char *p = name + 3;
    char *end;
    errno = 0;
    unsigned long major = strtoul(p, &end, 10);
    if (end == p || errno || *p == '0' || *p == '+' || *p == '-' || *p == ' ') return -1;
    uint32_t v = (uint32_t)major * 10;
    if (*end == '.') {
        if (end[1] < '0' || end[1] > '9' || (end[2] >= '0' && end[2] <= '9')) return -1;
        v += (uint32_t)(end[1] - '0');
        end += 2;
    }
    if (*end != '-') return -1;
    p = end + 1;
    if (*p < '1' || *p > '9') return -1;
    unsigned long ram = strtoul(p, &end, 10);
    if (strcmp(end, "gb")) return -1;
    int vok = 0, rok = 0;
    for (size_t i = 0; i < NVERSIONS; i++) vok |= versions[i] == v;
    for (size_t i = 0; i < NRAMS; i++) rok |= rams[i] == ram;
    if (!vok || !rok || major > 99) return -1;
    *version_x10 = v;
    *ram_gb = (uint32_t)ram;
    return 0;
}

int vmex_profile_valid(const char *name)
{
    uint32_t v, r;
    return _vmex_profile_parse(name, &v, &r) == 0;
}

/* The canonical names, in the order of versions[] x rams[]. */
#define RAMS(v) "ios" v "-1gb", "ios" v "-2gb", "ios" v "-3gb", "ios" v "-4gb", \
                "ios" v "-6gb", "ios" v "-8gb", "ios" v "-12gb", "ios" v "-16gb"
static const char *const profile_names[] = {
    RAMS("11"), RAMS("12"), RAMS("13"), RAMS("14"), RAMS("15"), RAMS("16"), RAMS("17"), RAMS("17.4"), RAMS("18"),
};
_Static_assert(sizeof profile_names / sizeof profile_names[0] == NVERSIONS * NRAMS, "one name per profile");

size_t vmex_profile_list(const char **names, size_t max)
{
    size_t n = sizeof profile_names / sizeof profile_names[0];
    for (size_t i = 0; i < n && i < max; i++) names[i] = profile_names[i];
    return n;
}

/* §1: the shared region size by era. */
static uint64_t shared_size(uint32_t v)
{
    if (v < 120) return 0x40000000ull;   /* iOS 11 (xnu-4570): 1 GiB */
    if (v < 174) return 0x100000000ull;  /* iOS 12 - 17.3: 4 GiB */
    return 0x180000000ull;               /* iOS 17.4 - 18: 6 GiB */
}

/* §1 pmap_max_64bit_offset(), DEVICE option.  The nominal RAM classes map to
 * max_mem: a nominal 1 GB phone is <= 1 GiB, 2 and 3 GB phones are in
 * (1 GiB, 3 GiB], 4 GB and up are > 3 GiB. */
static uint64_t device_max(uint32_t v, uint32_t ram)
{
    uint64_t min_max = SHARED_REGION_BASE + shared_size(v) + 0x20000000ull; /* ARM64_MIN_MAX_ADDRESS */
    if (ram >= 4) return min_max + 0x138000000ull;
    if (ram >= 2) return min_max + 0x38000000ull;
    return min_max;
}

/* §2 proc_apply_jit_and_vm_policies(): what grants the jumbo map.  For
 * iOS 11, the model is the later releases (xnu-4570.51 and newer), where
 * jumbo is 0xFC0000000 like every later era (§1 table). */
static int jumbo_granted(uint32_t v, uint32_t e)
{
    if (e & VMEX_ENT_JIT) return 1;                         /* every era */
    if ((e & VMEX_ENT_EXTENDED_VA) && v >= 140) return 1;   /* iOS 14+ */
    if ((e & VMEX_ENT_INCREASED_MEM) && v >= 160) return 1; /* iOS 16+ (devices that support it: all, here) */
    if ((e & VMEX_ENT_DEBUG_MEM) && v >= 180) return 1;     /* iOS 18+ */
    return 0;
}

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

static int add_region(vmex_layout *L, uint64_t start, uint64_t end, int kind)
{
    if (L->nregions >= sizeof L->regions / sizeof L->regions[0]) return -1;
    L->regions[L->nregions++] = (vmex_region){start, end, (uint8_t)kind};
    return 0;
}

/* The window targets (linux-model, linux): one window [VMEX_LINUX_BASE,
 * + window), nothing pristine inside it (the executor fills everything
 * else), no jetsam.  The profile name is the window and allocator
 * ("linux-1g-kernel"), so signatures and reports name what the run was. */
int _vmex_resolve_window(const vmex_config *cfg, const char *profile, uint32_t extra_ents, vmex_layout *L,
                         vmex_error *err)
{
    L->target = cfg->target;
    L->page = VMEX_LINUX_PAGE;
    L->window = setting(cfg, VMEX_SET_WINDOW);
    L->allocator = (uint8_t)setting(cfg, VMEX_SET_ALLOCATOR);
    L->retain = (uint8_t)setting(cfg, VMEX_SET_RETAIN);
    L->mmap_threshold = setting(cfg, VMEX_SET_MMAP_THRESHOLD);
    if (!vmex_target_runs_allocator(cfg->target, L->allocator)) {
        vmex_error_set(err, 0, 0, "target %s models the kernel alone: allocator %s runs on target %s",
                       vmex_target_name(cfg->target), vmex_allocator_name(L->allocator),
                       vmex_target_name(vmex_target_real_of(cfg->target)));
        return -1;
    }
    if ((cfg->set_mask >> VMEX_SET_MMAP_THRESHOLD & 1) && L->allocator != VMEX_ALLOC_GLIBC) {
        vmex_error_set(err, 0, 0, "set mmap-threshold applies to allocator glibc");
        return -1;
    }
    if ((cfg->set_mask >> VMEX_SET_RETAIN & 1) && L->allocator != VMEX_ALLOC_JEMALLOC) {
        vmex_error_set(err, 0, 0, "set retain applies to allocator jemalloc");
        return -1;
    }
    int thp = (int)setting(cfg, VMEX_SET_THP_ALIGN);
    L->thp = (uint8_t)(thp == VMEX_THP_ON || (thp == VMEX_THP_AUTO && vmex_linux_thp_probe() == 1));
    char win[32];
    vmex_format_size(L->window, win, sizeof win);
    snprintf(L->profile, sizeof L->profile, "linux-%.12s-%s", win, vmex_allocator_name(L->allocator));
    L->base = L->min_offset = L->floor = VMEX_LINUX_BASE;
    L->max_offset = VMEX_LINUX_BASE + L->window;
    L->pristine_free = L->pristine_largest = L->window;
    L->footprint_limit = L->footprint_warn = UINT64_MAX;
    L->malloc_entropy = 0;
    return 0;
}

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
    L->jumbo = jumbo_granted(v, L->ents);
    L->shared_size = shared_size(v);
    L->slide = setting(cfg, VMEX_SET_SLIDE);
    L->min_offset = PAGEZERO + L->slide;
    L->floor = L->min_offset > VMEX_PAGE ? L->min_offset : VMEX_PAGE;
    L->max_offset = L->jumbo ? JUMBO_MAX : device_max(v, ram);
    L->malloc_entropy = (uint32_t)setting(cfg, VMEX_SET_MALLOC_ENTROPY);
    uint64_t limit = setting(cfg, VMEX_SET_FOOTPRINT_LIMIT);
    L->footprint_limit = limit ? limit : footprint_default(v, ram, L->ents);
    L->footprint_warn = footprint_warn(L->footprint_limit, ram);

    uint64_t binary = VMEX_ALIGN_UP(setting(cfg, VMEX_SET_BINARY), VMEX_PAGE);
    uint64_t dyld = VMEX_ALIGN_UP(setting(cfg, VMEX_SET_DYLD), VMEX_PAGE);
    uint64_t stack_end = USRSTACK64 - L->slide, stack_start = stack_end - MAIN_STACK_SIZE;
    if (L->min_offset + binary + dyld > stack_start) {
        vmex_error_set(err, 0, 0, "binary and dyld (%llu bytes) do not fit below the main stack",
                       (unsigned long long)(binary + dyld));
        return -1;
    }
    add_region(L, L->min_offset, L->min_offset + binary, VMEX_R_BINARY);
    add_region(L, L->min_offset + binary, L->min_offset + binary + dyld, VMEX_R_DYLD);
    add_region(L, stack_start, stack_end, VMEX_R_STACK);
    add_region(L, SHARED_REGION_BASE, SHARED_REGION_BASE + L->shared_size, VMEX_R_SHARED);
    uint64_t nano = SHARED_REGION_BASE + L->shared_size; /* NANOZONE_BASE_REGION_ADDRESS */
    L->nano = setting(cfg, VMEX_SET_NANO) && nano + NANO_SIZE <= L->max_offset;
    if (L->nano) add_region(L, nano, nano + NANO_SIZE, VMEX_R_NANO);

    /* the pristine holes */
    uint64_t at = L->floor;
    for (uint32_t i = 0; i <= L->nregions; i++) {
        uint64_t s = i < L->nregions ? L->regions[i].start : L->max_offset;
        if (s > at) {
            L->pristine_free += s - at;
            if (s - at > L->pristine_largest) L->pristine_largest = s - at;
        }
        if (i < L->nregions && L->regions[i].end > at) at = L->regions[i].end;
    }
    return 0;
}
