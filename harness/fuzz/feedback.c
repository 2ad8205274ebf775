/*
 * feedback.c - fragmentation state as fuzzer features (see feedback.h for
 * the ranges of the counter array).
 *
 * Within them:
 *   class c        (c - 1) * 512 + margin bucket * 16 + live-bytes bucket
 *                  (fewer bytes = higher bucket)
 *   holes          hole-count bucket * 16 + largest/free in 1/16
 *   best margin    margin bucket * 16 + ops-to-reach bucket (fewer ops =
 *                  higher bucket)
 */
#include "fuzz/feedback.h"

#include <math.h>
#include <string.h>

static unsigned lg2(uint64_t v)
{
    unsigned r = 0;
    while (v >>= 1) r++;
    return r;
}

/* margins from 1 to ~2^8 in half-octaves; 0 below 1 (not frag) */
static unsigned margin_bucket(double m)
{
    if (!(m >= 1)) return 0;
    double b = 1 + 2 * log2(m);
    return b >= 31 ? 31 : (unsigned)b;
}

static void hit(vmex_feedback *fb, unsigned i)
{
    if (i < VMEX_FEATURES && fb->ctr[i] < 255) fb->ctr[i]++;
}

void vmex_feedback_begin(vmex_feedback *fb, uint8_t *ctr, const vmex_model *m, const vmex_layout *L)
{
    fb->ctr = ctr;
    fb->m = m;
    fb->L = L;
    fb->best_margin = 0;
    fb->best_at = 0;
}

void vmex_feedback_op(void *ctx, const vmex_op *op, const vmex_opres *r)
{
    vmex_feedback *fb = ctx;
    if (r->cls == VMEX_OK || r->req < VMEX_DEFAULT_LARGE) return;
    vmex_stats st;
    vmex_model_stats(fb->m, &st);
    unsigned mb = margin_bucket(r->margin);
    /* live bytes relative to the profile's pristine free space: 15 = nothing mapped */
    uint64_t held = r->live ? r->live : st.mapped;   /* target linux reports what the program holds */
    unsigned used = held ? lg2(held >> 20) : 0;
    unsigned lb = used >= 15 ? 0 : 15 - used;
    if (r->cls < VMEX_CLASS__COUNT)   /* every finding class its own block */
        hit(fb, (unsigned)(r->cls - 1) * VMEX_FB_CLASS_BLOCK + mb * 16 + lb);
    if (r->margin > fb->best_margin) {
        fb->best_margin = r->margin;
        fb->best_at = r->i + 1;
    }
}

void vmex_feedback_end(vmex_feedback *fb, const vmex_result *res)
{
    const vmex_stats *st = &res->st;
    unsigned holes = lg2((uint64_t)st->holes + 1);
    unsigned ratio = st->free ? (unsigned)(16 * (double)st->largest / (double)st->free) : 0;
    hit(fb, VMEX_FB_HOLES + (holes > 15 ? 15 : holes) * 16 + (ratio > 15 ? 15 : ratio));
    unsigned ent = lg2((uint64_t)st->entries + 1);
    hit(fb, VMEX_FB_ENTRIES + (ent > 31 ? 31 : ent));
    if (fb->L->footprint_limit) {
        unsigned fl = (unsigned)(16 * (double)st->footprint / (double)fb->L->footprint_limit);
        hit(fb, VMEX_FB_FOOTPRINT + (fl > 31 ? 31 : fl));
    }
    if (fb->best_margin > 0) {
        unsigned ob = lg2(fb->best_at);
        hit(fb, VMEX_FB_BEST + margin_bucket(fb->best_margin) * 16 + (ob >= 15 ? 0 : 15 - ob));
    }
}
