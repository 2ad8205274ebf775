/*
 * profile.c - the pristine layout of a Linux window (linux-model, linux).
 * An iOS app's layout is ios.c; the vocabulary both read (profiles,
 * entitlements, `set` options) is core/config.c.
 */
#include "core/core.h"
#include "model/model.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define GiB (1ull << 30)
#define MiB (1ull << 20)

/* The window targets (linux-model, linux): one window [VMEX_LINUX_BASE,
 * + window), nothing pristine inside it (the executor fills everything
 * else), no jetsam.  The profile name is the window and allocator
 * ("linux-1g-kernel"), so signatures and reports name what the run was. */
int _vmex_resolve_window(const vmex_config *cfg, const char *profile, uint32_t extra_ents, vmex_layout *L,
                         vmex_error *err)
{
    L->target = cfg->target;
    L->page = L->phys_page = VMEX_LINUX_PAGE;
    L->window = _vmex_setting(cfg, VMEX_SET_WINDOW);
    L->allocator = (uint8_t)_vmex_setting(cfg, VMEX_SET_ALLOCATOR);
    L->retain = (uint8_t)_vmex_setting(cfg, VMEX_SET_RETAIN);
    L->mmap_threshold = _vmex_setting(cfg, VMEX_SET_MMAP_THRESHOLD);
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
    int thp = (int)_vmex_setting(cfg, VMEX_SET_THP_ALIGN);
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
