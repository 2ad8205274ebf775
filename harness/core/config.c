/*
 * config.c - the vocabulary of a config, which the parsers, the layouts
 * and the commands share: the targets (names, capabilities, default
 * hunts), the entitlements, the `set` options, and the iOS profiles.
 * Resolving a config to a layout is the model's (model/profile.c,
 * model/ios.c).
 *
 * Every number here comes from docs/xnu-model.md (read from
 * apple-oss-distributions/xnu and libmalloc; section numbers below refer
 * to it) unless a comment names a better source.
 */
#include "core/core.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define GiB (1ull << 30)
#define MiB (1ull << 20)

/* ------------------------------------------------------------ targets */
/* What each target is, by capability (VMEX_CAP_*): the parsers ask which
 * lines and keys it takes, the backends (model/backend.c) run it. */
static const struct { const char *name; unsigned caps; } targets[VMEX_TARGET__COUNT] = {
    [VMEX_TARGET_XNU] = {"xnu", VMEX_CAP_DEVICE | VMEX_CAP_STEPS},
    [VMEX_TARGET_LINUX_MODEL] = {"linux-model", VMEX_CAP_WINDOW | VMEX_CAP_ALLOCATORS | VMEX_CAP_STEPS},
    [VMEX_TARGET_LINUX] = {"linux", VMEX_CAP_WINDOW | VMEX_CAP_ALLOCATORS | VMEX_CAP_REAL},
    [VMEX_TARGET_JSC] = {"jsc", VMEX_CAP_WINDOW | VMEX_CAP_REAL | VMEX_CAP_JSC},
};

const char *vmex_target_name(int t) { return t >= 0 && t < VMEX_TARGET__COUNT ? targets[t].name : "?"; }

int vmex_target_has(int t, unsigned caps)
{
    return t >= 0 && t < VMEX_TARGET__COUNT && (targets[t].caps & caps) == caps;
}

const char *vmex_default_hunt(int t)
{
    return t == VMEX_TARGET_JSC ? VMEX_DEFAULT_HUNT_JSC : t == VMEX_TARGET_LINUX ? VMEX_DEFAULT_HUNT_LINUX : VMEX_DEFAULT_HUNT;
}

/* ------------------------------------------------------------ entitlements */
/* The short name, then the names an entitlements plist uses (any parses). */
static const struct { const char *name, *full[4]; } ents[VMEX_ENT__COUNT] = {
    {"dynamic-codesigning", {"dynamic-codesigning"}},
    {"extended-virtual-addressing", {"com.apple.developer.kernel.extended-virtual-addressing"}},
    {"increased-memory-limit", {"com.apple.developer.kernel.increased-memory-limit"}},
    {"increased-debugging-memory-limit", {"com.apple.developer.kernel.increased-debugging-memory-limit"}},
    /* §8: the iOS 26 tree (xnu-12377) bsd/kern/kern_exec.c,
     * exec_security_mitigation_entitlement[HARDENED_HEAP]: either name */
    {"hardened-heap",
     {"com.apple.security.hardened-process.hardened-heap", "com.apple.developer.hardened-process.hardened-heap"}},
    /* §8: xnu-10063.101.15 bsd/kern/kern_exec.c encode_HR_entitlement() of the four
     * kCSWebBrowser*Entitlement; their names in tests/entitlements/hardened-binary-entitlements-*.plist */
    {"web-browser-engine",
     {"com.apple.developer.web-browser-engine.host", "com.apple.developer.web-browser-engine.webcontent",
      "com.apple.developer.web-browser-engine.networking", "com.apple.developer.web-browser-engine.rendering"}},
};

const char *vmex_ent_name(int i) { return i >= 0 && i < VMEX_ENT__COUNT ? ents[i].name : "?"; }

int vmex_ent_parse(const char *s, uint32_t *bit)
{
    for (int i = 0; i < VMEX_ENT__COUNT; i++) {
        int hit = !strcmp(s, ents[i].name);
        for (int k = 0; k < 4 && ents[i].full[k] && !hit; k++) hit = !strcmp(s, ents[i].full[k]);
        if (hit) {
            *bit = 1u << i;
            return 0;
        }
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
                            "malloc, realloc and free go to", VMEX_CAP_WINDOW | VMEX_CAP_ALLOCATORS, allocator_names},
    [VMEX_SET_THP_ALIGN] = {"thp-align", T_ENUM, VMEX_THP_AUTO, 0, 2, "2 MiB alignment rule",
                            VMEX_CAP_WINDOW | VMEX_CAP_ALLOCATORS, thp_names},
    [VMEX_SET_MMAP_THRESHOLD] = {"mmap-threshold", T_SIZE, 0, 0, 32 * MiB, "glibc M_MMAP_THRESHOLD, 0 = dynamic",
                                 VMEX_CAP_WINDOW | VMEX_CAP_ALLOCATORS},
    [VMEX_SET_RETAIN] = {"retain", T_ONOFF, 1, 0, 1, "jemalloc opt.retain", VMEX_CAP_WINDOW | VMEX_CAP_ALLOCATORS},
    /* §8: its default depends on the release (ios.c xzone_default()); iOS 17 and later */
    [VMEX_SET_XZONE] = {"xzone", T_ONOFF, 0, 0, 1, "xzone malloc"},
    /* §8: random() << PAGE_SHIFT of the first pick; any value, reduced modulo
     * max - min and truncated to the page as vm_map_random_address_for_size() does */
    [VMEX_SET_JIT_SLIDE] = {"jit-slide", T_SIZE, 0, 0, VMEX_MAX_VALUE - 1, "first MAP_JIT pick above min_offset"},
    /* §8: read_random() of vm_map_range_random_uniform(); any value, reduced
     * modulo the span and truncated to 32 MiB as it does */
    [VMEX_SET_DATA_SLIDE] = {"data-slide", T_SIZE, 0, 0, VMEX_MAX_VALUE - 1, "data range above its lowest place"},
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

uint64_t _vmex_setting(const vmex_config *c, int k)
{
    return (c->set_mask & (1u << k)) ? c->set[k] : sets[k].def;
}
#define setting _vmex_setting

/* ------------------------------------------------------------ profiles */
/* Versions are kept x10: 11 -> 110, 17.4 -> 174.  The list order is part
 * of the fuzz encoding v1 (fuzz/codec.h): new releases are appended. */
static const uint32_t versions[] = {110, 120, 130, 140, 150, 160, 170, 174, 180, 260, 154};
static const uint32_t rams[] = {1, 2, 3, 4, 6, 8, 12, 16};
#define NVERSIONS (sizeof versions / sizeof versions[0])
#define NRAMS (sizeof rams / sizeof rams[0])

/* The RAM classes a release has profiles for: all eight up to iOS 18 (as
 * the first profiles were made); iOS 26 runs on 3 GB (iPhone SE 2nd
 * generation, iPad 8th generation) to 12 GB iPhones and 16 GB iPads (iPad
 * Pro M4 with 1 or 2 TB): devices.txt, the rows of source C. */
static int ram_ok(uint32_t v, uint32_t ram) { return v < 260 || ram >= 3; }

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
    if (!vok || !rok || major > 99 || !ram_ok(v, (uint32_t)ram)) return -1;
    *version_x10 = v;
    *ram_gb = (uint32_t)ram;
    return 0;
}

int vmex_profile_valid(const char *name)
{
    uint32_t v, r;
    return _vmex_profile_parse(name, &v, &r) == 0;
}

/* The canonical names, in the order of versions[] x rams[] (ram_ok). */
#define RAMS(v) "ios" v "-1gb", "ios" v "-2gb", "ios" v "-3gb", "ios" v "-4gb", \
                "ios" v "-6gb", "ios" v "-8gb", "ios" v "-12gb", "ios" v "-16gb"
static const char *const profile_names[] = {
    RAMS("11"), RAMS("12"), RAMS("13"), RAMS("14"), RAMS("15"), RAMS("16"), RAMS("17"), RAMS("17.4"), RAMS("18"),
    "ios26-3gb", "ios26-4gb", "ios26-6gb", "ios26-8gb", "ios26-12gb", "ios26-16gb",
    RAMS("15.4"),
};
_Static_assert(sizeof profile_names / sizeof profile_names[0] == (NVERSIONS - 1) * NRAMS + 6, "one name per profile");

/* The tags of apple-oss-distributions/xnu and /libmalloc each release is
 * read from (docs/xnu-model.md, the era table).  "xnu-12377" is the iOS 26
 * tree as published, read from a public copy (§8). */
const char *vmex_profile_source(const char *name)
{
    static const struct { uint32_t v; const char *src; } t[] = {
        {110, "xnu-4570.51, libmalloc-140"},
        {120, "xnu-4903, libmalloc-166"},
        {130, "xnu-6153, libmalloc-283"},
        {140, "xnu-7195, libmalloc-317"},
        {150, "xnu-8019, libmalloc-374"},
        {154, "xnu-8020.101.4, libmalloc-374"},
        {160, "xnu-8792, libmalloc-409"},
        {170, "xnu-10002, libmalloc-474"},
        {174, "xnu-10063.101, libmalloc-521"},
        {180, "xnu-11215..11417, libmalloc-646..715 (xzone on: an estimate)"},
        {260, "xnu-12377, libmalloc-792.41.1"},
    };
    uint32_t v, ram;
    if (_vmex_profile_parse(name, &v, &ram)) return "";
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].v == v) return t[i].src;
    return "";
}

size_t vmex_profile_list(const char **names, size_t max)
{
    size_t n = sizeof profile_names / sizeof profile_names[0];
    for (size_t i = 0; i < n && i < max; i++) names[i] = profile_names[i];
    return n;
}

