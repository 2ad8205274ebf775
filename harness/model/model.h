/*
 * model.h - internals of the model room shared across the library (not
 * installed): libmalloc's size classes, profile names, the layouts the
 * backends resolve, the model's error.
 */
#ifndef VMEX_MODEL_H
#define VMEX_MODEL_H

#include "core/core.h"

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

/* profile.c */
int _vmex_profile_parse(const char *name, uint32_t *version_x10, uint32_t *ram_gb);
/* profile.c: the pristine layouts the backends resolve (vmex_backend.resolve):
 * an iOS device's (its profile, entitlements and `set` keys), a Linux
 * window's (its `set` keys) */
int _vmex_resolve_device(const vmex_config *cfg, const char *profile, uint32_t extra_ents, vmex_layout *L,
                         vmex_error *err);
int _vmex_resolve_window(const vmex_config *cfg, const char *profile, uint32_t extra_ents, vmex_layout *L,
                         vmex_error *err);

#endif
