/*
 * env.c - the layout a binary input runs on under a fuzz run's
 * environment (fuzz.h): the header's config, what the environment forces
 * (VMEX_PROFILE, VMEX_ENTITLEMENTS, VMEX_WINDOW, ...), and the layout the
 * mutator uses for target linux.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz/codec.h"
#include "fuzz/fuzz.h"

/* keep the keys of c that apply, in key order (later keys depend on the allocator) */
static void filter_sets(vmex_config *c)
{
    vmex_config k = *c;
    k.set_mask = 0;
    for (int i = 0; i < VMEX_SET__COUNT; i++)
        if ((c->set_mask >> i & 1) && codec_set_key_ok(&k, i, c->set[i])) k.set_mask |= 1u << i;
    *c = k;
}

int vmex_decode_layout_env(const uint8_t *data, size_t n, const vmex_fuzz_env *e, vmex_layout *L,
                           vmex_config *eff)
{
    vmex_config cfg;
    vmex_error err;
    memset(&err, 0, sizeof err);
    const char *env_profile = e->profile[0] ? e->profile : NULL;
    vmex_decode_config(data, n, &cfg);
    if (e->target >= 0 && e->target < VMEX_TARGET__COUNT && cfg.target != e->target) {
        cfg.target = (uint8_t)e->target;
        if (!vmex_target_has(cfg.target, VMEX_CAP_DEVICE)) {
            cfg.profile[0] = '\0';
            cfg.ents = 0;
        }
        filter_sets(&cfg);
    }
    if (!vmex_target_has(cfg.target, VMEX_CAP_DEVICE)) {
        env_profile = NULL;
        for (int k = 0; k < VMEX_SET__COUNT; k++)
            if (e->set_mask >> k & 1) {
                cfg.set[k] = e->set[k];
                cfg.set_mask |= 1u << k;
            }
        filter_sets(&cfg);
    } else if (env_profile) {
        /* a run that names the device decides its entitlements too: a seed
         * recorded with extended-virtual-addressing must not grant it */
        cfg.ents = 0;
    }
    uint32_t ents = vmex_target_has(cfg.target, VMEX_CAP_DEVICE) ? e->ents : 0;
    int rc = vmex_layout_resolve(&cfg, env_profile, ents, L, &err);
    if (rc) {
        cfg.set_mask = 0;      /* no combination of valid values fails today; be safe */
        rc = vmex_layout_resolve(&cfg, env_profile, ents, L, &err);
    }
    if (!rc && eff) {
        *eff = cfg;
        if (env_profile) snprintf(eff->profile, sizeof eff->profile, "%s", env_profile);
        eff->ents = L->ents;
    }
    return rc;
}

int vmex_mutation_layout(const uint8_t *data, size_t n, const vmex_fuzz_env *e, vmex_layout *L)
{
    vmex_config eff;
    if (vmex_decode_layout_env(data, n, e, L, &eff)) return -1;
    /* a real backend's mutations see the holes of its model twin */
    int model = vmex_target_model_of(L->target);
    if (model < 0 || model == L->target) return 0;
    vmex_error err = {0};
    eff.target = (uint8_t)model;
    eff.set_mask &= ~((1u << VMEX_SET_ALLOCATOR) | (1u << VMEX_SET_MMAP_THRESHOLD) | (1u << VMEX_SET_RETAIN));
    return vmex_layout_resolve(&eff, NULL, 0, L, &err);
}

int vmex_decode_layout(const uint8_t *data, size_t n, const char *env_profile, uint32_t env_ents,
                       vmex_layout *L)
{
    vmex_fuzz_env e;
    memset(&e, 0, sizeof e);
    e.target = -1;
    if (env_profile && *env_profile) {
        if (!vmex_profile_valid(env_profile)) return -1;
        snprintf(e.profile, sizeof e.profile, "%s", env_profile);
    }
    e.ents = env_ents;
    return vmex_decode_layout_env(data, n, &e, L, NULL);
}

int vmex_fuzz_env_read(int target, vmex_fuzz_env *e, vmex_error *err)
{
    memset(e, 0, sizeof *e);
    e->target = target;
    const char *s = getenv("VMEX_PROFILE");
    if (s && *s) {
        if (!vmex_profile_valid(s)) {
            vmex_error_set(err, 0, 0, "unknown profile in VMEX_PROFILE: '%s'", s);
            return -1;
        }
        snprintf(e->profile, sizeof e->profile, "%s", s);
    }
    s = getenv("VMEX_ENTITLEMENTS");
    if (s && *s) {
        char buf[512];
        snprintf(buf, sizeof buf, "%s", s);
        for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            uint32_t bit;
            if (vmex_ent_parse(tok, &bit)) {
                vmex_error_set(err, 0, 0, "unknown entitlement in VMEX_ENTITLEMENTS: '%s'", tok);
                return -1;
            }
            e->ents |= bit;
        }
    }
    static const struct { const char *var; int key; } vars[] = {
        {"VMEX_WINDOW", VMEX_SET_WINDOW}, {"VMEX_ALLOCATOR", VMEX_SET_ALLOCATOR},
        {"VMEX_THP_ALIGN", VMEX_SET_THP_ALIGN}, {"VMEX_MMAP_THRESHOLD", VMEX_SET_MMAP_THRESHOLD},
        {"VMEX_RETAIN", VMEX_SET_RETAIN},
    };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        s = getenv(vars[i].var);
        if (!s || !*s) continue;
        if (vmex_set_parse(vars[i].key, s, &e->set[vars[i].key], err)) {
            char m[sizeof err->msg];
            snprintf(m, sizeof m, "%s", err->msg);
            vmex_error_set(err, 0, 0, "%s: %s", vars[i].var, m);
            return -1;
        }
        e->set_mask |= 1u << vars[i].key;
    }
    return 0;
}

