/*
 * map.h - the address space as the text map (report.c) and the picture
 * (picture.c) both draw it: segments, and the colours and labels of what
 * lies in them.  Internal to harness/report/.
 */
#ifndef VMEX_REPORT_MAP_H
#define VMEX_REPORT_MAP_H

#include "vmex.h"

/* One line of the map: an entry, a group of entries, or a hole (kind -1),
 * clipped to [floor, max_offset). */
typedef struct vmex_seg {
    uint64_t s, e;
    int kind, tag, prot;
    uint32_t count;
} vmex_seg;

typedef struct vmex_segv {
    vmex_seg *v;
    size_t n, cap;
    int oom;
    int group;          /* 1: same tag and prot; 2: same tag */
    uint64_t lo, hi, at;
} vmex_segv;

/* The model's entries and the holes between them from L->floor to
 * L->max_offset, adjacent ones grouped (group 1 or 2 above).  0, or -1 out
 * of memory; sv->v is the caller's to free. */
int  _vmex_map_segs(const vmex_model *m, const vmex_layout *L, int group, vmex_segv *sv);
/* index of the largest hole (the lowest one among equals), or -1 */
long _vmex_map_largest_hole(const vmex_segv *sv);

/* fixed regions of the pristine layout, and mappings the app made (its
 * own or libmalloc's), which are coloured by VM tag */
int  _vmex_map_is_fixed(int kind);
int  _vmex_map_is_app(int kind);
void _vmex_map_tag_color(int tag, char *buf, size_t n);
const char *_vmex_map_region_color(int kind);
const char *_vmex_map_region_label(int kind);
/* dark text on light fills, white on dark ones */
const char *_vmex_map_text_on(const char *hex);

#endif
