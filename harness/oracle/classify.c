/*
 * classify.c - the oracle's judgement of one op, the same on every backend.
 *
 * On a model's map (xnu, linux-model) a failed request is judged against
 * the ceiling of ceiling.c: the room it could use at its alignment, and
 * whether the same live set packed tightly would leave a hole for it.
 * On the real kernel (here) the map is not ours to walk, and a failed
 * request (no hole fits, ENOMEM) is:
 *   too-large  it can never fit: not even the pristine layout has a hole
 *              that holds it at its alignment (on Linux: bigger than the
 *              window);
 *   map-count  the real process is at vm.max_map_count while address space
 *              was free: its own class, never called fragmentation
 *              (docs/linux-real.md);
 *   exhausted  bigger than the room: all free space of a model's map, or on
 *              the real kernel the window minus what the program holds;
 *   frag       smaller: the room is there, no hole fits.
 * margin = room / request.  On the real kernel "what the program holds" is
 * the bytes of its live mappings that are still mapped plus its live malloc
 * blocks; with the kernel as the allocator that is exactly the window's
 * mapped bytes, as in linux-model, so the two agree, and with a real
 * allocator its overhead, retained and cached VA count as room the program
 * could have had.
 *
 * The finding decision: a hunt policy when one is given, else requests of
 * `large` bytes and up (and every jetsam).  A request the app handles
 * (`try`) is never a finding.  A crash or a hang of the real executor is a
 * finding under a hunt that names it, and always without one.
 */
#include "core/core.h"
#include "oracle/oracle.h"

#include <string.h>

int _vmex_fits_pristine(const vmex_layout *L, uint64_t size, uint64_t align)
{
    uint64_t at = L->floor;
    for (uint32_t i = 0; i <= L->nregions; i++) {
        uint64_t end = i < L->nregions ? L->regions[i].start : L->max_offset;
        if (end > at && VMEX_ALIGN_UP(at, align) + size <= end) return 1;
        if (i < L->nregions && L->regions[i].end > at) at = L->regions[i].end;
    }
    return 0;
}

void _vmex_classify(const vmex_layout *L, uint64_t req, uint64_t align, uint64_t room, int map_count_full,
                    vmex_opres *r)
{
    r->req = req;
    r->margin = req ? (double)room / (double)req : 0;
    if (req > L->pristine_largest || !_vmex_fits_pristine(L, req, align)) r->cls = VMEX_TOO_LARGE;
    else if (map_count_full) r->cls = VMEX_MAP_COUNT;
    else if (req > room) r->cls = VMEX_EXHAUSTED;
    else r->cls = VMEX_FRAG;
}

int _vmex_is_finding(const vmex_op *op, const vmex_opres *r, const vmex_runopts *o)
{
    /* crash and hang: under a hunt when it names them (a program that
     * unmaps its allocator's heap crashes it for real, and a frag hunt must
     * not drown in those); without one, always */
    if (r->cls == VMEX_CRASH || r->cls == VMEX_HANG) return o->hunt ? vmex_hunt_match(o->hunt, r->cls, 0, 0) : 1;
    /* JavaScriptCore's crashes likewise; its RangeError is caught by
     * JavaScript, like a failed `try`: a finding only when a hunt names it */
    if (r->cls == VMEX_PAS_PANIC || r->cls == VMEX_GC_ABORT)
        return o->hunt ? vmex_hunt_match(o->hunt, r->cls, r->margin, r->req) : 1;
    if (r->cls == VMEX_RANGE_ERROR) return o->hunt && vmex_hunt_match(o->hunt, r->cls, r->margin, r->req);
    if (r->cls == VMEX_OK || (op->flags & VMEX_F_TRY)) return 0;
    if (o->hunt) return vmex_hunt_match(o->hunt, r->cls, r->margin, r->req);
    return r->cls == VMEX_JETSAM || r->req >= o->large;
}

void _vmex_result_begin(vmex_result *res)
{
    memset(res, 0, sizeof *res);
    res->at = -1;
    res->first_check_failed = -1;
    res->warn_at = -1;
}

int _vmex_result_add(vmex_result *res, const vmex_op *op, const vmex_opres *r, const vmex_runopts *o)
{
    res->ops_run++;
    if (r->status == VMEX_ST_FAILED) res->ops_failed++;
    if (r->status == VMEX_ST_SKIPPED) res->ops_skipped++;
    if (r->warn && res->warn_at < 0) res->warn_at = (int32_t)r->i;
    if (r->why == VMEX_WHY_CHECK && !res->checks_failed++) res->first_check_failed = (int32_t)r->i;
    if (r->finding && !res->findings++) {
        res->verdict = r->cls;
        res->at = (int32_t)r->i;
        res->margin = r->margin;
        res->req = r->req;
        res->req_kind = op->kind;
    }
    if (o->on_op) o->on_op(o->ctx, op, r);
    return r->finding && !o->keep_going;
}

int vmex_result_matches(const vmex_program *p, const vmex_result *r)
{
    int want = p->expect >= 0 ? p->expect : VMEX_OK;
    if (r->verdict != want || r->checks_failed) return 0;
    return p->expect_at < 0 || r->at == p->expect_at;
}
