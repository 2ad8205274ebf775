/*
 * cli_probe.c - `vmex probe`: how much fits on a device: vm_allocate CHUNK
 * until one fails, per profile.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/core.h"
#include "report/report.h"

enum { O_PROFILE, O_ENT, O_CHUNK, O_JSON };
static const cli_opt opts[] = {
    [O_PROFILE] = {"profile", 0, "P[,P...]", "the device (default " VMEX_DEFAULT_PROFILE "; a list: one probe each)"},
    [O_ENT] = {"entitlement", 0, "E", "add an entitlement (repeatable)"},
    [O_CHUNK] = {"chunk", 0, "SIZE", "the request size (default 1m)"},
    [O_JSON] = {"json", 0, NULL, "one JSON object per profile"},
    {0},
};

CLI_COMMAND(probe, .usage = "probe [OPTIONS]", .opts = opts,
            .summary = "how much fits: vm_allocate CHUNK until one fails");

typedef struct args {
    int json, nprof, nent;
    uint32_t ents, order[VMEX_ENT__COUNT];
    uint64_t chunk;
    const char *profiles[CLI_MAX_PROFILES];
} args;

static void count_ok(void *ctx, const vmex_op *op, const vmex_opres *r)
{
    uint64_t *c = ctx;
    if (r->status == VMEX_ST_OK) {
        c[0]++;
        c[1] += r->size;
    }
    (void)op;
}

static void print_json(const args *a, const vmex_layout *L, const uint64_t counts[2], const vmex_result *r)
{
    vmex_buf *b = cli_out();
    cli_outb(vmex_buf_put(b, "{\"profile\":", 11) | vmex_json_str(b, L->profile));
    cli_outf(",\"entitlements\":[");
    int first = 1;
    for (int k = 0; k < VMEX_ENT__COUNT; k++)
        if (L->ents & (1u << k)) {
            cli_outf("%s", first ? "" : ",");
            cli_outb(vmex_json_str(b, vmex_ent_name(k)));
            first = 0;
        }
    cli_outf("],\"chunk\":%" PRIu64 ",\"count\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"min_offset\":%" PRIu64
             ",\"max_offset\":%" PRIu64 ",\"free_left\":%" PRIu64 ",\"largest_left\":%" PRIu64 ",\"entries\":%" PRIu32
             "}\n",
             a->chunk, counts[0], counts[1], L->min_offset, L->max_offset, r->st.free, r->st.largest, r->st.entries);
}

static void print_text(const args *a, const vmex_layout *L, const uint64_t counts[2], const vmex_result *r)
{
    char et[160];
    uint64_t pchunk = VMEX_ALIGN_UP(a->chunk, VMEX_PAGE);
    vmex_ents_text(L->ents, et, sizeof et);
    cli_outf("%s (entitlements %s): 0x%012" PRIx64 "-0x%012" PRIx64 ", usable %s\n", L->profile, et, L->min_offset,
             L->max_offset, HS(L->pristine_free));
    cli_outf("  %" PRIu64 " x vm_allocate %s%s%s%s = %s before the first failure\n", counts[0], HS(a->chunk),
             pchunk != a->chunk ? " (" : "", pchunk != a->chunk ? HS(pchunk) : "",
             pchunk != a->chunk ? " after page rounding)" : "", HS(counts[1]));
    cli_outf("  left: free %s in %" PRIu32 " holes, largest %s\n", HS(r->st.free), r->st.holes, HS(r->st.largest));
}

/* One profile's probe.  0, or 2 (reported). */
static int probe(const args *a, const char *profile, vmex_model *m, vmex_program *prog)
{
    vmex_layout L;
    vmex_error err = {0};
    vmex_program_reset(prog);
    memset(&prog->cfg, 0, sizeof prog->cfg);
    if (vmex_layout_resolve(&prog->cfg, profile, a->ents, &L, &err) != 0) {
        cli_errorf("%s", err.msg);
        return 2;
    }
    uint64_t pchunk = VMEX_ALIGN_UP(a->chunk, VMEX_PAGE);
    uint64_t need = L.pristine_free / pchunk + 1;
    if (need > VMEX_MAX_OPS) {
        uint64_t min = VMEX_ALIGN_UP(L.pristine_free / (VMEX_MAX_OPS - 1) + 1, VMEX_PAGE);
        cli_errorf("--chunk %s is too small for %s: the probe would need %" PRIu64
                   " ops (a program has at most %u); use --chunk %s or more",
                   HS(a->chunk), L.profile, need, VMEX_MAX_OPS, HS(min));
        return 2;
    }
    vmex_op op;
    vmex_op_init(&op, VMEX_OP_VM_ALLOCATE);
    op.size = a->chunk;
    for (uint64_t i = 0; i < need; i++)
        if (vmex_program_add(prog, &op) < 0) {
            cli_errorf("out of memory");
            return 2;
        }
    uint64_t counts[2] = {0, 0};
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.large = 0;
    o.keep_going = 0;
    o.on_op = count_ok;
    o.ctx = counts;
    vmex_result r;
    if (vmex_model_run(m, &L, prog, &o, &r) != 0) {
        cli_errorf("the run failed: %s", vmex_model_error(m));
        return 2;
    }
    if (a->json)
        print_json(a, &L, counts, &r);
    else
        print_text(a, &L, counts, &r);
    return 0;
}

int cli_cmd_probe(int argc, char **argv)
{
    args a = {.chunk = 1ull << 20};
    cli_args p;
    const char *v;
    int k = CLI_DONE, bad = cli_args_init(&p, &cli_probe_cmd, argc, argv);
    while (!bad && (k = cli_next(&p, &v)) != CLI_DONE && k != CLI_HELP) {
        if (k == CLI_BAD) {
            bad = 1;
        } else if (k == CLI_ARG) {
            cli_errorf("'vmex probe' takes no FILE argument ('%s')", v);
            bad = 1;
        } else if (k == O_JSON) {
            a.json = 1;
        } else if (k == O_PROFILE) {
            bad = cli_parse_profiles(v, a.profiles, &a.nprof) != 0;
        } else if (k == O_ENT) {
            bad = cli_parse_ent(v, &a.ents, a.order, &a.nent) != 0;
        } else if (k == O_CHUNK) {
            bad = cli_parse_size("--chunk", v, &a.chunk, 0) != 0;
        }
    }
    cli_args_free(&p);
    if (k == CLI_HELP)
        return cli_help(&cli_probe_cmd);
    if (bad)
        return 2;
    if (a.nprof == 0)
        a.profiles[a.nprof++] = VMEX_DEFAULT_PROFILE;
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    if (!m) {
        cli_errorf("out of memory");
        return 2;
    }
    vmex_program prog;
    vmex_program_init(&prog);
    int status = 0;
    for (int i = 0; i < a.nprof && !status; i++)
        status = probe(&a, a.profiles[i], m, &prog);
    vmex_program_free(&prog);
    vmex_model_free(m);
    if (status) {
        cli_discard();
        return status;
    }
    return cli_finish(0);
}
