/*
 * test_crashreport.c - tests of the crash-report reader (crashreport.c,
 * crashtext.c), the device table (devices.c), the reconstruction
 * (reconstruct.c, recon_map.c) and the verdict (verdict.c): each format's
 * fields from the fixtures in tests/fixtures/crash/, a hand-made report
 * whose placement is computed by hand below, a JavaScriptCore
 * out-of-memory crash on a 3 GB iPhone that is address-space exhaustion
 * and that extended-virtual-addressing fixes, and bad input of every kind
 * (located errors, never a crash).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmex.h"
#include "import/crashparse.h"
#include "model/devices.h"

#define FIX(name) VMEX_SOURCE_DIR "/tests/fixtures/crash/" name
#define MiB (1ull << 20)
#define GiB (1ull << 30)

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* 1-based line and column of the first occurrence of needle in text */
static void where(const char *text, const char *needle, int *line, int *col)
{
    const char *p = strstr(text, needle);
    assert_non_null(p);
    *line = 1;
    const char *start = text;
    for (const char *q = text; q < p; q++)
        if (*q == '\n') {
            (*line)++;
            start = q + 1;
        }
    *col = (int)(p - start) + 1;
}

/* A small .ips crash report: the header, then a body with extra members. */
static const char *ips(char *buf, size_t n, const char *os, const char *model, const char *extra)
{
    snprintf(buf, n,
             "{\"bug_type\":\"309\",\"os_version\":\"%s\",\"name\":\"App\"}\n"
             "{\n"
             "  \"modelCode\" : \"%s\",\n"
             "  \"cpuType\" : \"ARM-64\",\n"
             "  \"procName\" : \"App\",\n"
             "  \"procPath\" : \"\\/private\\/var\\/containers\\/Bundle\\/Application\\/X\\/App.app\\/App\",\n"
             "  \"exception\" : {\"type\" : \"EXC_CRASH\", \"signal\" : \"SIGABRT\"},\n"
             "%s"
             "  \"usedImages\" : [{\"base\" : 4295229440, \"size\" : 16384, \"name\" : \"App\"}]\n"
             "}\n",
             os, model, extra);
    return buf;
}

/* Parse text; expect failure with a message holding want, at line (0: any). */
static void parse_fails(const char *text, const char *want, int line, int col)
{
    vmex_report r;
    vmex_error e;
    vmex_report_init(&r);
    assert_int_equal(vmex_report_parse(text, strlen(text), "bad.ips", &r, &e), -1);
    if (!strstr(e.msg, want))
        fail_msg("message '%s' lacks '%s'", e.msg, want);
    assert_int_equal(e.code, VMEX_E_INPUT);
    assert_string_equal(e.file, "bad.ips");
    if (line)
        assert_int_equal(e.line, line);
    if (col)
        assert_int_equal(e.col, col);
    assert_int_equal(r.nrows + r.nimages + r.nframes + r.nregions, 0);   /* nothing half-read is kept */
    vmex_report_free(&r);
}

typedef struct full {
    vmex_report r;
    vmex_program p;
    vmex_recon rc;
    vmex_verdict v;
} full;

/* Parse, reconstruct (profile override or NULL) and judge a text. */
static full *judge(const char *text, const char *profile)
{
    full *f = calloc(1, sizeof *f);
    vmex_error e;
    vmex_report_init(&f->r);
    vmex_program_init(&f->p);
    vmex_recon_init(&f->rc);
    if (vmex_report_parse(text, strlen(text), "t.ips", &f->r, &e))
        fail_msg("parse: %s (%d:%d)", e.msg, e.line, e.col);
    vmex_recon_opts o = {profile};
    if (vmex_report_to_program(&f->r, &o, &f->p, &f->rc, &e))
        fail_msg("program: %s", e.msg);
    if (vmex_report_verdict(&f->r, &f->rc, &f->p, &f->v, &e))
        fail_msg("verdict: %s", e.msg);
    return f;
}

static void full_free(full *f)
{
    vmex_report_free(&f->r);
    vmex_program_free(&f->p);
    vmex_recon_free(&f->rc);
    free(f);
}

/* ---------------------------------------------------------------- formats */
static void test_detect(void **state)
{
    (void)state;
    static const char ips_h[] = "{\"bug_type\":\"309\",\"os_version\":\"iPhone OS 16.0 (20A362)\"}\n{}";
    static const char jet[] = "{\"bug_type\" : \"298\"}\n{}";
    static const char legacy_ips[] = "{\"bug_type\":\"109\"}\nIncident Identifier: X\n";
    static const char crash[] = "Incident Identifier: 00000000\nHardware Model: iPhone12,1\n";
    static const char strace[] = "1234  mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = "
                                 "0x7f0000000000\n";
    assert_int_equal(vmex_report_detect(ips_h, strlen(ips_h)), VMEX_REPORT_IPS);
    assert_int_equal(vmex_report_detect(jet, strlen(jet)), VMEX_REPORT_JETSAM);
    assert_int_equal(vmex_report_detect(legacy_ips, strlen(legacy_ips)), VMEX_REPORT_CRASH);
    assert_int_equal(vmex_report_detect(crash, strlen(crash)), VMEX_REPORT_CRASH);
    assert_int_equal(vmex_report_detect(strace, strlen(strace)), VMEX_REPORT_NONE);
    assert_int_equal(vmex_report_detect("vmex-trace 1 pid 1 page 4096 prog x\n", 36), VMEX_REPORT_NONE);
    assert_int_equal(vmex_report_detect("{\"a\":1}\n", 8), VMEX_REPORT_NONE);
    assert_int_equal(vmex_report_detect("", 0), VMEX_REPORT_NONE);
    assert_string_equal(vmex_report_format_name(VMEX_REPORT_JETSAM), "jetsam");
    assert_string_equal(vmex_report_format_name(99), "?");
}

static void test_ips_fields(void **state)
{
    (void)state;
    size_t len;
    char *text = read_file(FIX("handmade.ips"), &len);
    vmex_report r;
    vmex_error e;
    vmex_report_init(&r);
    assert_int_equal(vmex_report_parse(text, len, "handmade.ips", &r, &e), 0);
    assert_int_equal(r.format, VMEX_REPORT_IPS);
    assert_int_equal(r.bug_type, 309);
    assert_string_equal(r.os, "iPhone OS 16.1 (20B82)");
    assert_int_equal(r.os_major, 16);
    assert_int_equal(r.os_minor, 1);
    assert_string_equal(r.model, "iPhone12,8");
    int line, col;
    where(text, "iPhone12,8\"", &line, &col);
    assert_int_equal(r.model_line, line);
    assert_int_equal(r.model_col, col);
    assert_string_equal(r.process, "Handmade");
    assert_string_equal(r.cpu, "ARM-64");
    assert_string_equal(r.exc_type, "EXC_CRASH");
    assert_string_equal(r.exc_signal, "SIGABRT");
    assert_non_null(strstr(r.termination, "Abort trap: 6"));
    assert_non_null(strstr(r.asi, "libsystem_c.dylib: abort() called"));
    /* used images: the main binary and dyld found by path and name */
    assert_int_equal(r.nimages, 6);
    assert_int_equal(r.main_image, 0);
    assert_int_equal(r.images[0].base, 0x104000000ull);
    assert_int_equal(r.images[0].size, 0x800000ull);
    assert_int_equal(r.dyld_image, 1);
    assert_int_equal(r.images[1].size, 0x100000ull);
    assert_true(r.has_shared);
    assert_int_equal(r.shared_base, 0x1a0000000ull);
    assert_int_equal(r.shared_size, 0xc0000000ull);
    /* the VM summary: K/M/G sizes, a plain byte count, the types as written */
    assert_true(r.has_summary);
    assert_int_equal(r.nrows, 9);
    assert_string_equal(r.rows[0].type, "CG raster data");
    assert_int_equal(r.rows[0].size, 20 * MiB);
    assert_int_equal(r.rows[0].count, 5);
    assert_string_equal(r.rows[3].type, "MALLOC_NANO (reserved)");
    assert_string_equal(r.rows[7].type, "__FONT_DATA");
    assert_int_equal(r.rows[7].size, 2352);
    assert_true(r.rows[7].unitless);
    assert_false(r.rows[0].unitless);
    assert_int_equal(r.rows[8].size, (uint64_t)(1.2 * GiB));
    /* a row inside the JSON string is located in the file (escapes decoded) */
    where(text, "CG raster data ", &line, &col);
    assert_int_equal(r.rows[0].line, line);
    assert_int_equal(r.rows[0].col, col);
    /* the VM region info: two regions, the fault's marked, the fault address */
    assert_true(r.has_regions);
    assert_int_equal(r.nregions, 2);
    assert_string_equal(r.regions[0].type, "__TEXT");
    assert_int_equal(r.regions[0].prot, VMEX_PROT_RX);
    assert_string_equal(r.regions[1].type, "VM_ALLOCATE");
    assert_int_equal(r.regions[1].start, 0x2b0000000ull);
    assert_int_equal(r.regions[1].end, 0x2b4000000ull);
    assert_true(r.regions[1].fault);
    assert_int_equal(r.regions[1].prot, VMEX_PROT_RW);
    assert_true(r.has_fault_addr);
    assert_int_equal(r.fault_addr, 0x2b0001000ull);
    /* the crashed thread only, image names from usedImages */
    assert_int_equal(r.nframes, 6);
    assert_string_equal(r.frames[4].symbol, "malloc_error_break");
    assert_string_equal(r.frames[4].image, "libsystem_malloc.dylib");
    assert_string_equal(r.frames[5].symbol, "0x5000");          /* unsymbolicated: its offset */
    assert_string_equal(r.frames[5].image, "Handmade");
    assert_true(r.frames[0].crashed);
    vmex_report_free(&r);
    free(text);
}

static void test_crash_fields(void **state)
{
    (void)state;
    vmex_report r;
    vmex_error e;
    vmex_report_init(&r);
    assert_int_equal(vmex_report_parse_file(FIX("badaccess-ios14.crash"), &r, &e), 0);
    assert_int_equal(r.format, VMEX_REPORT_CRASH);
    assert_int_equal(r.bug_type, 0);
    assert_string_equal(r.model, "iPhone12,1");
    assert_int_equal(r.model_line, 3);
    assert_int_equal(r.model_col, 22);
    assert_string_equal(r.os, "iPhone OS 14.4 (18D52)");
    assert_int_equal(r.os_major, 14);
    assert_string_equal(r.process, "Notes2");
    assert_string_equal(r.cpu, "ARM-64 (Native)");
    assert_string_equal(r.exc_type, "EXC_BAD_ACCESS");
    assert_string_equal(r.exc_signal, "SIGSEGV");
    assert_string_equal(r.exc_subtype, "KERN_INVALID_ADDRESS at 0x0000000000000010");
    assert_true(r.has_fault_addr);
    assert_int_equal(r.fault_addr, 0x10);
    assert_non_null(strstr(r.termination, "Segmentation fault: 11"));
    assert_non_null(strstr(r.termination, "Namespace SIGNAL, Code 0xb"));
    assert_int_equal(r.nregions, 1);
    assert_string_equal(r.regions[0].type, "__TEXT");
    assert_int_equal(r.regions[0].start, 0x104bd4000ull);
    assert_int_equal(r.regions[0].line, 27);
    assert_int_equal(r.nframes, 6);                               /* thread 0 only */
    assert_string_equal(r.frames[0].image, "libobjc.A.dylib");
    assert_string_equal(r.frames[0].symbol, "objc_msgSend + 16");
    assert_string_equal(r.frames[1].symbol, "0x104bd4000 + 14908");
    assert_int_equal(r.nimages, 6);
    assert_int_equal(r.main_image, 0);
    assert_int_equal(r.images[0].size, 0xc000);
    assert_int_equal(r.dyld_image, 1);
    assert_false(r.has_summary);
    vmex_report_free(&r);
}

static void test_jetsam_fields(void **state)
{
    (void)state;
    vmex_report r;
    vmex_error e;
    vmex_report_init(&r);
    assert_int_equal(vmex_report_parse_file(FIX("jetsam-ios16.ips"), &r, &e), 0);
    assert_int_equal(r.format, VMEX_REPORT_JETSAM);
    assert_int_equal(r.bug_type, 298);
    assert_string_equal(r.model, "iPhone13,2");
    assert_string_equal(r.os, "iPhone OS 16.4.1 (20E252)");
    assert_int_equal(r.os_patch, 1);
    assert_int_equal(r.page_size, 16384);
    assert_int_equal(r.jetsam_processes, 3);
    assert_string_equal(r.process, "Runner");                     /* the largest process, killed */
    assert_string_equal(r.jetsam_reason, "per-process-limit");
    assert_int_equal(r.footprint, 184320ull * 16384);
    assert_int_equal(r.peak, 184896ull * 16384);
    assert_string_equal(r.jetsam_states, "frontmost");
    vmex_report_free(&r);
}

static void test_sizes(void **state)
{
    (void)state;
    static const struct { const char *s; int rc; uint64_t v; int unitless; } cases[] = {
        {"7.1G", 0, 7 * GiB + GiB / 10, 0}, {"2048K", 0, 2 * MiB, 0}, {"824", 0, 824, 1},
        {"100.2M", 0, 100 * MiB + MiB / 5, 0}, {"16KB", 0, 16384, 0}, {"16KiB", 0, 16384, 0},
        {"512B", 0, 512, 0}, {"1T", 0, 1ull << 40, 0}, {"0K", 0, 0, 0},
        {"abc", -1, 0, 0}, {"", -1, 0, 0}, {"1.2.3", -1, 0, 0}, {"12Q", -1, 0, 0}, {"K", -1, 0, 0},
        {"300T", -2, 0, 0}, {"99999999999999999999999", -2, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t v = 0;
        int unitless = -1;
        int rc = _vmex_rc_size(cases[i].s, strlen(cases[i].s), &v, &unitless);
        if (rc != cases[i].rc)
            fail_msg("'%s': %d, not %d", cases[i].s, rc, cases[i].rc);
        if (rc == 0) {
            assert_int_equal(v, cases[i].v);
            assert_int_equal(unitless, cases[i].unitless);
        }
    }
}

/* ---------------------------------------------------------------- devices */
static void test_devices(void **state)
{
    (void)state;
    const vmex_device *d = vmex_device_find("iPhone14,2");
    assert_non_null(d);
    assert_string_equal(d->name, "iPhone 13 Pro");
    assert_int_equal(d->ram_gb, 6);
    assert_int_equal(d->first, VMEX_IOS(15, 0));
    assert_int_equal(d->last_major, 0);
    assert_int_equal(d->page, 16384);
    d = vmex_device_find("iPhone6,1");                           /* A7: 4 KiB physical pages */
    assert_int_equal(d->phys_page, 4096);
    assert_int_equal(d->page, 16384);
    assert_int_equal(d->last_major, 12);
    assert_null(vmex_device_find("iphone14,2"));
    /* every row: a unique code, a RAM class vmex has, sourced, 16 KiB pages */
    static const unsigned rams[] = {1, 2, 3, 4, 6, 8, 12, 16};
    assert_true(vmex_device_count() > 100);
    for (size_t i = 0; i < vmex_device_count(); i++) {
        const vmex_device *x = vmex_device_at(i);
        int ok = 0;
        for (size_t k = 0; k < sizeof rams / sizeof rams[0]; k++)
            ok |= x->ram_gb == rams[k];
        if (!ok)
            fail_msg("%s: %u GB is not a RAM class", x->model, x->ram_gb);
        assert_true(x->name[0] && x->source[0]);
        for (const char *k = x->source; *k; k++)
            assert_non_null(vmex_device_source(*k));
        assert_int_equal(x->page, 16384);
        assert_true(x->first >= VMEX_IOS(7, 0) && (x->last_major == 0 || x->last_major * 100 >= x->first));
        assert_ptr_equal(vmex_device_find(x->model), x);
    }
    assert_null(vmex_device_at(vmex_device_count()));
    /* refusals and the unknown model, each naming the model */
    static const struct { const char *model, *want; } bad[] = {
        {"iPhone99,1", "unknown device model 'iPhone99,1'"}, {"iPhone5,2", "32-bit"}, {"iPad3,4", "32-bit"},
        {"AppleTV6,2", "tvOS"}, {"MacBookPro18,1", "a Mac"}, {"Watch6,1", "watchOS"}, {"x86_64", "simulator"},
        {"RealityDevice14,1", "visionOS"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vmex_error e = {0};
        e.line = 7;
        e.col = 3;
        assert_int_equal(vmex_device_lookup(bad[i].model, &d, &e), -1);
        if (!strstr(e.msg, bad[i].want) || !strstr(e.msg, bad[i].model))
            fail_msg("%s: '%s'", bad[i].model, e.msg);
        assert_int_equal(e.code, VMEX_E_INPUT);
        assert_int_equal(e.line, 7);                              /* the caller's location is kept */
    }
    vmex_error e = {0};
    assert_int_equal(vmex_device_lookup("iPad13,4", &d, &e), 0);
    assert_int_equal(d->ram_gb, 8);
    assert_non_null(d->note);                                     /* 16 GB with 1 TB: the smaller is used */
    d = vmex_device_example(3, VMEX_IOS(16, 0));
    assert_non_null(d);
    assert_int_equal(d->ram_gb, 3);
    assert_null(vmex_device_example(5, VMEX_IOS(16, 0)));
}

/* ---------------------------------------------------------------- reconstruction */
typedef struct placed { uint32_t n; uint64_t addr[64]; uint8_t status[64]; } placed;
static void on_op(void *ctx, const vmex_op *op, const vmex_opres *r)
{
    (void)op;
    placed *pl = ctx;
    if (pl->n < 64) {
        pl->addr[pl->n] = r->addr;
        pl->status[pl->n++] = r->status;
    }
}

/* handmade.ips on ios16-3gb (iPhone12,8 = iPhone SE 2nd generation, 3 GB),
 * computed by hand from README "Profiles" and "The model":
 *   slide = 0x104000000 - 0x100000000 = 64 MiB; binary 8 MiB; dyld 1 MiB
 *   binary [0x104000000, 0x104800000), dyld [0x104800000, 0x104900000)
 *   main stack [0x16BD00000, 0x16BE00000) (0x16FE00000 - slide - 1 MiB)
 *   shared [0x180000000, 0x280000000), nano [0x280000000, 0x2A0000000), max 0x2D8000000
 *   holes: [0x104900000, 0x16BD00000) 1652 MiB, [0x16BE00000, 0x180000000) 322 MiB,
 *          [0x2A0000000, 0x2D8000000) 896 MiB
 * The region info's VM_ALLOCATE 0x2b0000000-0x2b4000000 is op 0 (fixed) and
 * comes out of the VM_ALLOCATE row: 576 MiB / 3 -> 512 MiB / 2 = 256 MiB each.
 * Then largest first: 2 x 256m (VM_ALLOCATE), 3 x 16m (MALLOC_LARGE), 5 x 4m
 * (CG raster data), 1m (the unknown type), 3 x 512k (Stack: 2560K - the
 * 1 MiB main stack = 1536K over 4 - 1 = 3).  vm_allocate and mmap without a
 * hint are first fit from the bottom; malloc's large blocks start at the
 * entropic hint 0x16FE00000 - 1 MiB - 256 MiB = 0x15FD00000. */
static void test_handmade_reconstruction(void **state)
{
    (void)state;
    size_t len;
    char *text = read_file(FIX("handmade.ips"), &len);
    full *f = judge(text, NULL);
    vmex_program *p = &f->p;
    assert_string_equal(p->cfg.profile, "ios16-3gb");
    assert_int_equal(p->cfg.ents, 0);
    assert_int_equal(p->cfg.set[VMEX_SET_SLIDE], 64 * MiB);
    assert_int_equal(p->cfg.set[VMEX_SET_BINARY], 8 * MiB);
    assert_int_equal(p->cfg.set[VMEX_SET_DYLD], 1 * MiB);
    static const struct { int kind; uint64_t size, addr; int tag; } want[] = {
        {VMEX_OP_MMAP, 64 * MiB, 0x2b0000000, 0},            /* fixed at its address */
        {VMEX_OP_VM_ALLOCATE, 256 * MiB, 0x104900000, 0},    /* the bottom of hole 1 */
        {VMEX_OP_VM_ALLOCATE, 256 * MiB, 0x114900000, 0},    /* + 256 MiB */
        {VMEX_OP_MALLOC, 16 * MiB, 0x15fd00000, 0},          /* the entropic hint */
        {VMEX_OP_MALLOC, 16 * MiB, 0x160d00000, 0},
        {VMEX_OP_MALLOC, 16 * MiB, 0x161d00000, 0},
        {VMEX_OP_MMAP, 4 * MiB, 0x124900000, 54},            /* 0x114900000 + 256 MiB */
        {VMEX_OP_MMAP, 4 * MiB, 0x124d00000, 54},
        {VMEX_OP_MMAP, 4 * MiB, 0x125100000, 54},
        {VMEX_OP_MMAP, 4 * MiB, 0x125500000, 54},
        {VMEX_OP_MMAP, 4 * MiB, 0x125900000, 54},
        {VMEX_OP_MMAP, 1 * MiB, 0x125d00000, 0},             /* 'Fancy New Type': untagged */
        {VMEX_OP_VM_ALLOCATE, 512 * 1024, 0x125e00000, 30},
        {VMEX_OP_VM_ALLOCATE, 512 * 1024, 0x125e80000, 30},
        {VMEX_OP_VM_ALLOCATE, 512 * 1024, 0x125f00000, 30},
        /* the probe: the largest hole left, [0x125F80000, 0x15FD00000) =
         * 0x39D80000 (925.5 MiB); the others are 144, 322, 256 and 576 MiB */
        {VMEX_OP_VM_ALLOCATE, 0x39d80000, 0x125f80000, 0},
    };
    size_t n = sizeof want / sizeof want[0];
    assert_int_equal(p->nops, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(p->ops[i].kind, want[i].kind);
        assert_int_equal(p->ops[i].size, want[i].size);
        assert_int_equal(p->ops[i].flags & VMEX_F_TAG ? p->ops[i].tag : 0, want[i].tag);
    }
    assert_true(p->ops[0].flags & VMEX_F_FIXED);
    assert_int_equal(f->rc.req_kind, VMEX_REQ_PROBE);
    assert_int_equal(f->rc.req_at, 15);
    assert_int_equal(f->rc.fixed, 1);
    assert_int_equal(f->rc.estimated, 14);
    vmex_layout L;
    vmex_error e;
    assert_int_equal(vmex_layout_resolve(&p->cfg, NULL, 0, &L, &e), 0);
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    vmex_runopts o;
    vmex_runopts_init(&o);
    placed pl = {0};
    o.on_op = on_op;
    o.ctx = &pl;
    vmex_result res;
    assert_int_equal(vmex_model_run(m, &L, p, &o, &res), 0);
    assert_int_equal(pl.n, n);
    for (size_t i = 0; i < n; i++) {
        if (pl.addr[i] != want[i].addr || pl.status[i] != VMEX_ST_OK)
            fail_msg("op %zu at 0x%llx, not 0x%llx", i, (unsigned long long)pl.addr[i],
                     (unsigned long long)want[i].addr);
    }
    vmex_model_free(m);
    /* the header says every choice */
    const char *h = f->rc.header.p;
    assert_non_null(strstr(h, "Profile ios16-3gb: era ios16"));
    assert_non_null(strstr(h, "iPhone SE (2nd generation), 3 GB RAM"));
    assert_non_null(strstr(h, "set slide 64m"));
    assert_non_null(strstr(h, "Unknown region type 'Fancy New Type'"));
    assert_non_null(strstr(h, "Image segments"));
    assert_non_null(strstr(h, "largest first"));
    assert_non_null(strstr(vmex_recon_comment(&f->rc, 0), "real address"));
    assert_non_null(strstr(vmex_recon_comment(&f->rc, 1), "(estimate)"));
    assert_null(vmex_recon_comment(&f->rc, 2));
    /* the printed program parses back to the same program */
    vmex_buf out = {0};
    assert_int_equal(vmex_print(p, &out, f->rc.header.p, vmex_recon_comment, &f->rc), 0);
    vmex_program back;
    vmex_program_init(&back);
    assert_int_equal(vmex_parse(out.p, out.len, "back.vmex", &back, &e), 0);
    assert_true(vmex_program_equal(p, &back));
    vmex_program_free(&back);
    vmex_buf_free(&out);
    /* malloc_error_break without a size: memory, but nothing to judge */
    assert_int_equal(f->v.cause, VMEX_CAUSE_UNDETERMINED);
    assert_true(f->v.has_state);
    assert_int_equal(f->v.largest_at_crash, 0x39d80000ull);
    full_free(f);
    free(text);
}

/* The end-to-end case of the issue: JavaScriptCore's allocator (libpas)
 * runs out of memory on an iPhone XR (3 GB) without the entitlement. */
static void test_jsc_exhaustion(void **state)
{
    (void)state;
    size_t len;
    char *text = read_file(FIX("jsc-oom-3gb.ips"), &len);
    full *f = judge(text, NULL);
    assert_string_equal(f->rc.profile, "ios16-3gb");
    assert_int_equal(f->rc.ents, 0);
    assert_int_equal(f->rc.req_kind, VMEX_REQ_PAS);
    assert_int_equal(f->rc.req_size, 32 * MiB);
    assert_int_equal(f->p.expect, VMEX_EXHAUSTED);
    assert_int_equal(f->p.expect_at, f->rc.req_at);
    const vmex_verdict *v = &f->v;
    assert_int_equal(v->cause, VMEX_CAUSE_EXHAUSTED);
    assert_true(v->free_at_crash < 32 * MiB);
    assert_non_null(strstr(v->evidence[0], "pas_panic_on_out_of_memory_error"));
    int saw_eva = 0;
    for (uint32_t i = 0; i < v->nrows; i++) {
        const vmex_whatif *w = &v->rows[i];
        if (w->crash_device && w->base) {
            assert_int_equal(w->cls, VMEX_EXHAUSTED);
            assert_false(w->fixed);
            assert_string_equal(w->device, "iPhone XR");
        }
        if (w->crash_device && w->ents == VMEX_ENT_EXTENDED_VA) {
            saw_eva = 1;
            assert_true(w->fixed);
            assert_true(w->free_after > 40 * GiB);
            assert_non_null(strstr(w->says, "on this device, extended-virtual-addressing would have left"));
            assert_non_null(strstr(w->says, "this crash would not have happened"));
        }
    }
    assert_true(saw_eva);
    vmex_buf t = {0};
    assert_int_equal(vmex_report_verdict_text(v, &t), 0);
    assert_non_null(strstr(t.p, "verdict: address-space exhaustion"));
    assert_non_null(strstr(t.p, "extended-virtual-addressing would have left"));
    vmex_buf_free(&t);
    full_free(f);
    free(text);
}

static void test_other_verdicts(void **state)
{
    (void)state;
    size_t len;
    char *text = read_file(FIX("badaccess-ios14.crash"), &len);
    full *f = judge(text, NULL);
    assert_string_equal(f->rc.profile, "ios14-4gb");
    assert_int_equal(f->v.cause, VMEX_CAUSE_NOT_MEMORY);
    assert_int_equal(f->v.nrows, 0);
    assert_non_null(strstr(f->v.evidence[0], "KERN_INVALID_ADDRESS"));
    assert_int_equal(f->rc.fixed, 0);                             /* its __TEXT region is the binary's */
    full_free(f);
    free(text);

    text = read_file(FIX("jetsam-ios16.ips"), &len);
    f = judge(text, NULL);
    assert_string_equal(f->rc.profile, "ios16-4gb");
    assert_int_equal(f->rc.req_kind, VMEX_REQ_FOOTPRINT);
    assert_int_equal(f->p.expect, VMEX_JETSAM);
    assert_true(f->p.cfg.set_mask & 1u << VMEX_SET_FOOTPRINT_LIMIT);
    assert_int_equal(f->v.cause, VMEX_CAUSE_JETSAM);
    assert_false(f->v.rows[0].fixed);                             /* as it happened */
    assert_int_equal(f->v.rows[1].ents, VMEX_ENT_INCREASED_MEM);
    assert_true(f->v.rows[1].fixed);                              /* iOS 16: the limit becomes the RAM */
    assert_int_equal(f->v.rows[1].limit, 4 * GiB);
    full_free(f);
    free(text);
}

/* ---------------------------------------------------------------- requests */
static void test_requests(void **state)
{
    (void)state;
    char buf[4096];
    /* libmalloc's own message: a tiny region's 1 MiB, KERN_NO_SPACE */
    full *f = judge(ips(buf, sizeof buf, "iPhone OS 16.0 (20A362)", "iPhone14,2",
                        "  \"asi\" : {\"libsystem_malloc.dylib\" : [\"malloc: *** mach_vm_map(size=1048576, flags: "
                        "100) failed (error code=3)\"]},\n"), NULL);
    assert_string_equal(f->rc.profile, "ios16-6gb");
    assert_int_equal(f->rc.req_kind, VMEX_REQ_MALLOC);
    assert_int_equal(f->p.ops[f->rc.req_at].kind, VMEX_OP_MALLOC);
    assert_int_equal(f->p.ops[f->rc.req_at].size, 1008);        /* a block that needs a new tiny region */
    assert_non_null(strstr(f->v.evidence[0], "KERN_NO_SPACE"));
    assert_int_equal(f->v.cause, VMEX_CAUSE_UNDETERMINED);       /* an empty summary: it fits */
    full_free(f);
    /* Dart: the halving reservations, the first that fits is kept */
    f = judge(ips(buf, sizeof buf, "iPhone OS 17.5 (21F79)", "iPhone12,8",
                  "  \"asi\" : {\"Flutter\" : [\"..\\/..\\/third_party\\/dart\\/runtime\\/vm\\/virtual_memory_posix.cc: "
                  "Failed to reserve region for compressed heap: 12 (Cannot allocate memory)\"]},\n"), NULL);
    assert_string_equal(f->rc.profile, "ios17.4-3gb");
    assert_int_equal(f->rc.req_kind, VMEX_REQ_DART);
    assert_int_equal(f->rc.req_ops, 15);                          /* 8g, 4g, ... 512k */
    const vmex_op *d0 = &f->p.ops[f->rc.req_at], *dl = d0 + 14;
    assert_int_equal(d0->size, 8 * GiB + 512 * 1024);
    assert_true(d0->flags & VMEX_F_TRY);
    assert_int_equal(dl->size, 1 * MiB);
    assert_false(dl->flags & VMEX_F_TRY);
    assert_int_equal(d0->prot, VMEX_PROT_NONE);
    full_free(f);
    /* an uncaught NSMallocException: memory, no size -> a probe */
    f = judge("Incident Identifier: 0\nHardware Model:      iPhone10,3\nProcess:             App [1]\n"
              "OS Version:          iPhone OS 13.7 (17H35)\nCode Type:           ARM-64 (Native)\n"
              "Exception Type:  EXC_CRASH (SIGABRT)\n\nApplication Specific Information:\n"
              "*** Terminating app due to uncaught exception 'NSMallocException', reason: 'Failed to grow buffer'\n\n",
              NULL);
    assert_string_equal(f->rc.profile, "ios13-3gb");
    assert_int_equal(f->rc.req_kind, VMEX_REQ_PROBE);
    assert_int_equal(f->v.cause, VMEX_CAUSE_UNDETERMINED);
    assert_non_null(strstr(f->v.evidence[0], "NSMallocException"));
    full_free(f);
    /* an EXC_RESOURCE memory limit is a footprint kill with its limit */
    f = judge(ips(buf, sizeof buf, "iPhone OS 15.4 (19E241)", "iPhone12,1",
                  "  \"exception\" : {\"type\" : \"EXC_RESOURCE\", \"subtype\" : \"MEMORY\", \"message\" : \"(Limit 2098 "
                  "MB) Crashed due to memory limit\"},\n"), NULL);
    assert_int_equal(f->r.limit, 2098 * MiB);
    assert_int_equal(f->rc.req_kind, VMEX_REQ_FOOTPRINT);
    assert_int_equal(f->v.cause, VMEX_CAUSE_JETSAM);
    assert_false(f->v.rows[0].fixed);
    full_free(f);
}

/* ---------------------------------------------------------------- choices */
static const char summary_head[] =
    "  \"vmSummary\" : \"                                VIRTUAL   REGION \\n"
    "REGION TYPE                        SIZE    COUNT (non-coalesced) \\n"
    "===========                     =======  ======= \\n";

static void test_choices(void **state)
{
    (void)state;
    char buf[8192], extra[4096];
    /* a size without a unit is bytes; a huge count is capped; an unknown type is untagged */
    snprintf(extra, sizeof extra, "%sVM_ALLOCATE                 33554432        2 \\n"
             "Brand New Thing                   3.0M        3 \\n"
             "CG raster data                    8.0M  99999999999 \\n"
             "===========                     =======  ======= \\n\",\n", summary_head);
    full *f = judge(ips(buf, sizeof buf, "iPhone OS 16.0 (20A362)", "iPhone14,2", extra), NULL);
    const char *h = f->rc.header.p;
    assert_non_null(strstr(h, "without a unit: read as 33554432 bytes"));
    assert_non_null(strstr(h, "counts 99999999999 regions: capped at 256"));
    assert_non_null(strstr(h, "Unknown region type 'Brand New Thing'"));
    uint32_t vm = 0, cg = 0, brand = 0;
    for (uint32_t i = 0; i < f->p.nops; i++) {
        const char *name = f->p.names[f->p.ops[i].dst];
        vm += !strncmp(name, "vm_allocate_", 12) && f->p.ops[i].size == 16 * MiB;
        cg += !strncmp(name, "cg_raster_data_", 15) && f->p.ops[i].size == 32 * 1024;   /* 8m / 256 */
        brand += !strncmp(name, "brand_new_thing_", 16) && !(f->p.ops[i].flags & VMEX_F_TAG);
    }
    assert_int_equal(vm, 2);
    assert_int_equal(cg, 256);
    assert_int_equal(brand, 3);
    full_free(f);

    /* a region above max_offset: the app had the jumbo map */
    snprintf(extra, sizeof extra, "  \"vmRegionInfo\" : \"0x800000000 is in 0x800000000-0x840000000;\\n"
             "      REGION TYPE                    START - END         [ VSIZE] PRT\\/MAX SHRMOD  REGION DETAIL\\n"
             "--->  JS VM Gigacage (reserved) 800000000-840000000    [  1.0G] ---\\/rwx SM=NUL  \\n\",\n");
    f = judge(ips(buf, sizeof buf, "iPhone OS 16.0 (20A362)", "iPhone11,8", extra), NULL);
    assert_int_equal(f->p.cfg.ents, VMEX_ENT_EXTENDED_VA);
    assert_non_null(strstr(f->rc.header.p, "extended-virtual-addressing INFERRED"));
    assert_int_equal(f->p.ops[0].addr, 0x800000000ull);
    assert_int_equal(f->p.ops[0].tag, 63);
    assert_int_equal(f->p.ops[0].prot, VMEX_PROT_NONE);
    full_free(f);

    /* iOS 26: the newest profile stands in, and says so */
    f = judge(ips(buf, sizeof buf, "iPhone OS 26.0 (23A341)", "iPhone18,3", ""), NULL);
    assert_true(f->rc.stand_in);
    assert_string_equal(f->rc.profile, "ios18-8gb");
    assert_non_null(strstr(f->rc.header.p, "STAND-IN"));
    int said = 0;
    for (uint32_t i = 0; i < f->v.nevidence; i++)
        said |= strstr(f->v.evidence[i], "stands in for iOS 26") != NULL;
    assert_true(said);
    full_free(f);

    /* iOS 17.5 is era 17.4; --profile replaces the table and the era */
    f = judge(ips(buf, sizeof buf, "iPhone OS 17.5 (21F79)", "iPhone99,1", ""), "ios17-6gb");
    assert_string_equal(f->p.cfg.profile, "ios17-6gb");
    assert_null(f->rc.device);
    full_free(f);
    f = judge(ips(buf, sizeof buf, "iPhone OS 17.5 (21F79)", "iPhone16,1", ""), NULL);
    assert_string_equal(f->p.cfg.profile, "ios17.4-8gb");
    full_free(f);
}

/* a legacy report with a macOS-style (nine-column) VM summary */
static void test_summary_columns(void **state)
{
    (void)state;
    static const char text[] =
        "Incident Identifier: 0\nHardware Model:      iPhone14,5\nProcess:             App [1]\n"
        "Code Type:           ARM-64 (Native)\nOS Version:          iPhone OS 15.2 (19C56)\n"
        "Exception Type:  EXC_CRASH (SIGABRT)\n\n"
        "VM Region Summary:\nReadOnly portion of Libraries: Total=1.1G\n\n"
        "                                VIRTUAL RESIDENT    DIRTY  SWAPPED VOLATILE   NONVOL    EMPTY   REGION \n"
        "REGION TYPE                        SIZE     SIZE     SIZE     SIZE     SIZE     SIZE     SIZE    COUNT "
        "(non-coalesced) \n"
        "===========                     ======= ========    =====  ======= ========   ======    =====  ======= \n"
        "IOSurface                        384.0M     0K       0K       0K       0K       0K       0K        4 \n"
        "MALLOC_LARGE (reusable)          64.0M      1K       1K       0K       0K       0K       0K        2 \n"
        "===========                     ======= ========    =====  ======= ========   ======    =====  ======= \n"
        "TOTAL                            448.0M \n";
    vmex_report r;
    vmex_error e;
    vmex_report_init(&r);
    assert_int_equal(vmex_report_parse(text, sizeof text - 1, "t.crash", &r, &e), 0);
    assert_int_equal(r.nrows, 2);
    assert_string_equal(r.rows[0].type, "IOSurface");
    assert_int_equal(r.rows[0].size, 384 * MiB);
    assert_int_equal(r.rows[0].count, 4);
    assert_string_equal(r.rows[1].type, "MALLOC_LARGE (reusable)");
    assert_int_equal(r.rows[1].count, 2);
    assert_int_equal(r.rows[1].line, 15);
    vmex_report_free(&r);
}

/* ---------------------------------------------------------------- bad input */
static void test_bad_input(void **state)
{
    (void)state;
    char buf[8192], extra[2048];
    static const char hdr[] = "{\"bug_type\":\"309\",\"os_version\":\"iPhone OS 16.0 (20A362)\"}\n";
    char t[1024];
    /* truncated JSON: located at the end */
    snprintf(t, sizeof t, "%s{\n  \"modelCode\" : \"iPhone12,8\",\n  \"usedImages\" : [", hdr);
    parse_fails(t, "truncated", 4, 19);
    /* a header without a body, with and without its newline */
    snprintf(t, sizeof t, "%s", hdr);
    parse_fails(t, "is not followed by the report's body", 2, 1);
    snprintf(t, sizeof t, "%.*s", (int)strlen(hdr) - 1, hdr);
    parse_fails(t, "is not followed by the report's body", 1, 0);
    snprintf(t, sizeof t, "%s\n   \n", hdr);
    parse_fails(t, "is not followed", 2, 1);
    /* bad JSON in the header, in the body, text after the body */
    parse_fails("{\"bug_type\":\"309\", oops}\n{}\n", "bad JSON in the header line", 1, 0);
    snprintf(t, sizeof t, "%s{\n  \"modelCode\" : tru\n}\n", hdr);
    parse_fails(t, "bad JSON in the report body", 3, 0);
    snprintf(t, sizeof t, "%s{\"modelCode\" : \"iPhone12,8\"}\n{\"again\":1}\n", hdr);
    parse_fails(t, "text after the report body", 3, 1);
    snprintf(t, sizeof t, "%s[1, 2]\n", hdr);
    parse_fails(t, "not a JSON object", 2, 1);
    /* other kinds of report, and not a report */
    parse_fails("{\"bug_type\":\"288\",\"os_version\":\"iPhone OS 16.0\"}\n{}\n", "bug_type 288 is not a crash", 1, 0);
    parse_fails("1234 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 0) = 0x7f0000000000\n", "not a crash report", 1, 1);
    parse_fails("", "not a crash report", 1, 1);
    /* what vmex cannot model, each saying why */
    parse_fails(ips(buf, sizeof buf, "macOS 13.2 (22D49)", "MacBookPro18,1", ""), "a macOS report", 1, 0);
    parse_fails(ips(buf, sizeof buf, "Apple TVOS 16.3 (20K71)", "AppleTV6,2", ""), "a tvOS report", 1, 0);
    parse_fails(ips(buf, sizeof buf, "iPhone OS 16.0 (20A362)", "AppleTV6,2", ""), "Apple TV", 3, 18);
    snprintf(extra, sizeof extra, "  \"procPath\" : \"\\/Users\\/x\\/Library\\/Developer\\/CoreSimulator\\/Devices\\/X\\/"
                                  "data\\/App.app\\/App\",\n");
    parse_fails(ips(buf, sizeof buf, "iPhone OS 16.0 (20A362)", "iPhone14,2", extra), "simulator", 1, 0);
    parse_fails("Incident Identifier: 0\nHardware Model:      iPhone5,2\nOS Version:          iPhone OS 10.3.4 "
                "(14G61)\nCode Type:           ARM (Native)\nException Type:  EXC_CRASH (SIGABRT)\n", "32-bit", 2, 22);
    parse_fails("Incident Identifier: 0\nHardware Model:      iPhone14,2\nOS Version:          iPhone OS 15.0 (19A346)\n"
                "Code Type:           ARM (Native)\n", "a 32-bit (ARM (Native)) process", 3, 22);
    parse_fails("Incident Identifier: 0\nHardware Model:      iPhone14,2\nException Type:  EXC_CRASH (SIGABRT)\n",
                "does not say its OS version", 0, 0);
    /* fields of the wrong type, located at their key */
    snprintf(extra, sizeof extra, "  \"sharedCache\" : {\"base\" : -5, \"size\" : 1},\n");
    parse_fails(ips(buf, sizeof buf, "iPhone OS 16.0 (20A362)", "iPhone14,2", extra), "base must be a non-negative",
                0, 0);
    snprintf(extra, sizeof extra, "  \"vmSummary\" : 12,\n");
    parse_fails(ips(buf, sizeof buf, "iPhone OS 16.0 (20A362)", "iPhone14,2", extra), "vmSummary must be a string",
                8, 17);
    /* VM summary rows: a bad size, a bad count, a size too large, no columns; located inside the JSON string */
    static const char *const rows[][2] = {
        {"VM_ALLOCATE                       12Q        2 ", "bad size '12Q'"},
        {"VM_ALLOCATE                      64.0M       x5 ", "bad region count 'x5'"},
        {"VM_ALLOCATE                       300T        2 ", "too large"},
        {"VM_ALLOCATE ", "needs a type and 2 columns"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        snprintf(extra, sizeof extra, "%s%s\\n\",\n", summary_head, rows[i][0]);
        ips(buf, sizeof buf, "iPhone OS 16.0 (20A362)", "iPhone14,2", extra);
        const char *bad = i == 0 ? "12Q" : i == 1 ? "x5" : i == 2 ? "300T" : "VM_ALLOCATE ";
        int line, col;
        where(buf, bad, &line, &col);
        parse_fails(buf, rows[i][1], line, col);
    }
    snprintf(extra, sizeof extra, "%sVM_ALLOCATE  64M  2\\n\",\n", "  \"vmSummary\" : \"REGION TYPE  SIZE  COUNT\\n");
    parse_fails(ips(buf, sizeof buf, "iPhone OS 16.0 (20A362)", "iPhone14,2", extra), "not followed by its ====", 0, 0);
    /* a region with its ends swapped */
    parse_fails("Incident Identifier: 0\nHardware Model:      iPhone14,2\nOS Version:          iPhone OS 15.0 (19A346)\n"
                "VM Region Info: 0x10 is not in any region.\n      VM_ALLOCATE   200000000-100000000 [ 4.0G] rw-/rwx\n\n",
                "bad region 200000000-100000000", 5, 21);
    /* a jetsam report needs its processes */
    parse_fails("{\"bug_type\":\"298\",\"os_version\":\"iPhone OS 16.0 (20A362)\"}\n{\"product\" : \"iPhone14,2\"}\n",
                "processes", 0, 0);

    /* errors of the reconstruction: an unknown model (at its place), an iOS before every profile */
    vmex_report r;
    vmex_program p;
    vmex_recon rc;
    vmex_error e;
    vmex_report_init(&r);
    vmex_program_init(&p);
    vmex_recon_init(&rc);
    ips(buf, sizeof buf, "iPhone OS 16.0 (20A362)", "iPhone99,1", "");
    assert_int_equal(vmex_report_parse(buf, strlen(buf), "u.ips", &r, &e), 0);
    assert_int_equal(vmex_report_to_program(&r, NULL, &p, &rc, &e), -1);
    assert_non_null(strstr(e.msg, "unknown device model 'iPhone99,1'"));
    assert_string_equal(e.file, "u.ips");
    assert_int_equal(e.line, 3);
    assert_int_equal(e.col, 18);
    assert_int_equal(p.nops, 0);
    vmex_recon_opts bad = {"ios99-3gb"};
    assert_int_equal(vmex_report_to_program(&r, &bad, &p, &rc, &e), -1);
    assert_non_null(strstr(e.msg, "unknown profile 'ios99-3gb'"));
    ips(buf, sizeof buf, "iPhone OS 10.3 (14E277)", "iPhone9,1", "");
    assert_int_equal(vmex_report_parse(buf, strlen(buf), "old.ips", &r, &e), 0);
    assert_int_equal(vmex_report_to_program(&r, NULL, &p, &rc, &e), -1);
    assert_non_null(strstr(e.msg, "older than vmex's oldest profile (ios11)"));
    assert_int_equal(e.code, VMEX_E_INPUT);
    vmex_report_free(&r);
    vmex_program_free(&p);
    vmex_recon_free(&rc);

    /* the bad fixtures (for the command's tests too) */
    static const struct { const char *file, *want; int line, col; } files[] = {
        {FIX("bad/header-only.ips"), "is not followed by the report's body", 2, 1},
        {FIX("bad/truncated.ips"), "the report body is truncated", 87, 16},
        {FIX("bad/iphone5-32bit.crash"), "iPhone5,2 is a 32-bit device", 3, 22},
        {FIX("bad/macos.ips"), "a macOS report", 1, 0},
        {FIX("bad/simulator.ips"), "a simulator report", 1, 0},
        {FIX("bad/tvos.ips"), "a tvOS report", 1, 0},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        vmex_report_init(&r);
        assert_int_equal(vmex_report_parse_file(files[i].file, &r, &e), -1);
        if (!strstr(e.msg, files[i].want) || e.line != files[i].line || (files[i].col && e.col != files[i].col))
            fail_msg("%s: %d:%d: %s", files[i].file, e.line, e.col, e.msg);
        assert_string_equal(e.file, files[i].file);
    }
    vmex_report_init(&r);
    assert_int_equal(vmex_report_parse_file(FIX("bad/unknown-model.ips"), &r, &e), 0);
    assert_int_equal(vmex_report_to_program(&r, NULL, &p, &rc, &e), -1);
    assert_non_null(strstr(e.msg, "unknown device model 'iPhone99,9'"));
    assert_int_equal(e.line, 8);
    assert_int_equal(e.col, 18);
    vmex_report_free(&r);

    /* a missing file */
    vmex_report_init(&r);
    assert_int_equal(vmex_report_parse_file(FIX("no-such.ips"), &r, &e), -1);
    assert_int_equal(e.code, VMEX_E_IO);
    assert_non_null(strstr(e.msg, "cannot read"));
}

/* Every prefix of a real report is an error or a report, never a crash. */
static void test_prefixes(void **state)
{
    (void)state;
    size_t len;
    char *text = read_file(FIX("handmade.ips"), &len);
    vmex_report r;
    vmex_error e;
    vmex_report_init(&r);
    int ok = 0;
    for (size_t n = 0; n < len; n += 7) {
        char *copy = malloc(n + 1);
        memcpy(copy, text, n);
        copy[n] = '\0';
        if (vmex_report_parse(copy, n, "cut.ips", &r, &e) == 0)
            ok++;
        else
            assert_true(e.msg[0] != '\0');
        free(copy);
    }
    assert_int_equal(ok, 0);        /* the body is only complete at its end */
    vmex_report_free(&r);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),         cmocka_unit_test(test_ips_fields),
        cmocka_unit_test(test_crash_fields),   cmocka_unit_test(test_jetsam_fields),
        cmocka_unit_test(test_sizes),          cmocka_unit_test(test_devices),
        cmocka_unit_test(test_handmade_reconstruction), cmocka_unit_test(test_jsc_exhaustion),
        cmocka_unit_test(test_other_verdicts), cmocka_unit_test(test_requests),
        cmocka_unit_test(test_choices),        cmocka_unit_test(test_summary_columns),
        cmocka_unit_test(test_bad_input),      cmocka_unit_test(test_prefixes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
