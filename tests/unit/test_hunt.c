/*
 * test_hunt.c - hunt policies (parse, match, format), finding signatures,
 * and runs that a hunt policy steers.
 *
 * Every expected value is worked out by hand (the comment next to it shows
 * how) from vmex.h, README.md and the pristine ios16-3gb layout:
 *   H1 [0x102400000, 0x16FD00000) 1753 MiB  (dyld end .. stack)
 *   H2 [0x16FE00000, 0x180000000)  258 MiB  (stack end .. shared region)
 *   H3 [0x2A0000000, 0x2D8000000)  896 MiB  (nano end .. max_offset)
 * 2907 MiB in all, 1753 MiB the largest.
 */

#include "helpers/fixture.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* ------------------------------------------------------------ parse */

static vmex_hunt parse_ok(const char *text)
{
    vmex_hunt h;
    vmex_error err = {0};
    if (vmex_hunt_parse(text, &h, &err)) fail_msg("'%s' did not parse: col %d: %s", text, err.col, err.msg);
    return h;
}

/* The policy must be refused, with err.col (1-based) on `col`, which is
 * the first byte of `at` in text (checked, so the column is self-evident). */
static void parse_bad(const char *text, int col, const char *at)
{
    vmex_hunt h;
    vmex_error err = {0};
    if (vmex_hunt_parse(text, &h, &err) != -1) fail_msg("'%s' parsed, expected an error", text);
    if (err.col != col)
        fail_msg("'%s': error at col %d, expected %d ('%s'): %s", text, err.col, col, at, err.msg);
    assert_true(strlen(text) >= (size_t)col - 1);
    assert_memory_equal(text + col - 1, at, strlen(at));
    assert_true(err.msg[0] != 0);
}

static void test_parse_default(void **state)
{
    /* "frag:margin>=2,size>=1m": one clause, both bounds given */
    vmex_hunt h = parse_ok(VMEX_DEFAULT_HUNT);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.c[0].cls, VMEX_FRAG);
    assert_true(h.c[0].min_margin == 2.0);
    assert_int_equal(h.c[0].min_size, 1 * MiB);
}

static void test_parse_clauses(void **state)
{
    vmex_hunt h = parse_ok("frag:margin>=2,size>=1m;jetsam;exhausted:size>=64m");
    assert_int_equal(h.n, 3);
    assert_int_equal(h.c[0].cls, VMEX_FRAG);
    assert_true(h.c[0].min_margin == 2.0);
    assert_int_equal(h.c[0].min_size, 1 * MiB);
    assert_int_equal(h.c[1].cls, VMEX_JETSAM);
    assert_true(h.c[1].min_margin == 0.0);
    assert_int_equal(h.c[1].min_size, 0);          /* jetsam: no default size bound */
    assert_int_equal(h.c[2].cls, VMEX_EXHAUSTED);
    assert_true(h.c[2].min_margin == 0.0);
    assert_int_equal(h.c[2].min_size, 64 * MiB);

    /* blanks around the separators, hex and decimal sizes, decimal margins */
    h = parse_ok(" too-large : size>=0x100000 , margin>=0.5 ; frag:size>=65536");
    assert_int_equal(h.n, 2);
    assert_int_equal(h.c[0].cls, VMEX_TOO_LARGE);
    assert_int_equal(h.c[0].min_size, 1 * MiB);    /* 0x100000 = 2^20 */
    assert_true(h.c[0].min_margin == 0.5);
    assert_int_equal(h.c[1].cls, VMEX_FRAG);
    assert_int_equal(h.c[1].min_size, 64 * KiB);   /* 65536 = 2^16 */

    /* a later condition of the same kind wins */
    h = parse_ok("frag:margin>=2,margin>=3");
    assert_true(h.c[0].min_margin == 3.0);

    /* eight clauses are the limit (VMEX_HUNT_MAX) */
    h = parse_ok("frag;frag;frag;frag;frag;frag;frag;jetsam");
    assert_int_equal(h.n, VMEX_HUNT_MAX);
    assert_int_equal(h.c[7].cls, VMEX_JETSAM);
}

static void test_parse_defaults(void **state)
{
    /* size defaults to 1m (VMEX_DEFAULT_LARGE), margin to 0; jetsam's size to 0 */
    static const struct { const char *t; int cls; uint64_t size; } d[] = {
        {"frag", VMEX_FRAG, 1 * MiB},
        {"exhausted", VMEX_EXHAUSTED, 1 * MiB},
        {"too-large", VMEX_TOO_LARGE, 1 * MiB},
        {"jetsam", VMEX_JETSAM, 0},
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        vmex_hunt h = parse_ok(d[i].t);
        assert_int_equal(h.n, 1);
        assert_int_equal(h.c[0].cls, d[i].cls);
        assert_true(h.c[0].min_margin == 0.0);
        assert_int_equal(h.c[0].min_size, d[i].size);
    }
    /* only the margin given: size keeps its default */
    vmex_hunt h = parse_ok("frag:margin>=4");
    assert_int_equal(h.c[0].min_size, 1 * MiB);
    h = parse_ok("jetsam:margin>=1");
    assert_int_equal(h.c[0].min_size, 0);
    /* only the size given: margin keeps its default */
    h = parse_ok("frag:size>=16k");
    assert_true(h.c[0].min_margin == 0.0);
    assert_int_equal(h.c[0].min_size, 16 * KiB);
}

static void test_parse_errors(void **state)
{
    /*                       col: 1234567890123456789 */
    parse_bad("fragg", 1, "fragg");                           /* unknown class */
    parse_bad("frag;fragg", 6, "fragg");                      /* second clause: index 5 */
    parse_bad("ok", 1, "ok");                                 /* ok is not huntable */
    parse_bad("jetsam;ok:size>=1m", 8, "ok");
    parse_bad("frag:margin>=x", 6, "margin>=x");              /* the condition, after "frag:" */
    parse_bad("frag:margin>=", 6, "margin>=");
    parse_bad("frag:margin>=-1", 6, "margin>=-1");            /* negative */
    parse_bad("frag:margin>=nan", 6, "margin>=nan");          /* not a number */
    parse_bad("frag:size>=12q", 12, "12q");                   /* the value: "frag:size>=" is 11 bytes */
    parse_bad("frag:size>=", 12, "");                         /* empty value */
    parse_bad("frag:size>=256t", 12, "256t");                 /* 2^48: not below VMEX_MAX_VALUE */
    parse_bad("frag:margin>=2,size>=1z", 22, "1z");           /* "frag:margin>=2,size>=" is 21 bytes */
    parse_bad("frag:width>=3", 6, "width>=3");                /* unknown condition */
    parse_bad("frag:", 6, "");                                /* a ':' promises a condition */
    parse_bad("frag:margin>=2 junk", 16, "junk");             /* trailing junk after a clause */
    parse_bad("frag:margin>=2x", 15, "x");                    /* junk glued to the number */
    parse_bad("frag junk", 6, "junk");
    parse_bad("frag,jetsam", 5, ",jetsam");                   /* ',' does not separate clauses */
    parse_bad("frag;", 6, "");                                /* a ';' promises a clause */
    parse_bad("", 1, "");                                     /* empty policy */
    parse_bad("   ", 4, "");
    /* nine clauses: the ninth starts at index 8 * 5 = 40 */
    parse_bad("frag;frag;frag;frag;frag;frag;frag;frag;jetsam", 41, "jetsam");
}

/* ------------------------------------------------------------ match */

static void test_match(void **state)
{
    vmex_hunt h = parse_ok(VMEX_DEFAULT_HUNT);   /* frag, margin >= 2, size >= 1m */
    assert_true(vmex_hunt_match(&h, VMEX_FRAG, 2.0, 1 * MiB));          /* both exactly at the bound */
    assert_true(vmex_hunt_match(&h, VMEX_FRAG, 11.2, 128 * MiB));
    assert_false(vmex_hunt_match(&h, VMEX_FRAG, 1.999999, 128 * MiB));  /* margin just below */
    assert_false(vmex_hunt_match(&h, VMEX_FRAG, 2.0, 1 * MiB - 1));     /* size just below */
    assert_false(vmex_hunt_match(&h, VMEX_FRAG, 2.0, 1 * MiB - VMEX_PAGE));
    assert_false(vmex_hunt_match(&h, VMEX_EXHAUSTED, 100.0, 1 * GiB));  /* class mismatch */
    assert_false(vmex_hunt_match(&h, VMEX_JETSAM, 3.0, 1 * GiB));
    assert_false(vmex_hunt_match(&h, VMEX_OK, 3.0, 1 * GiB));

    h = parse_ok("exhausted:size>=64m;jetsam");
    assert_true(vmex_hunt_match(&h, VMEX_EXHAUSTED, 0.0, 64 * MiB));    /* exhausted margins are < 1 */
    assert_false(vmex_hunt_match(&h, VMEX_EXHAUSTED, 0.9, 64 * MiB - VMEX_PAGE));
    assert_true(vmex_hunt_match(&h, VMEX_JETSAM, 1.01, VMEX_PAGE));      /* jetsam: any size */
    assert_true(vmex_hunt_match(&h, VMEX_JETSAM, 1.0, 0));
    assert_false(vmex_hunt_match(&h, VMEX_FRAG, 50.0, 1 * GiB));
    assert_false(vmex_hunt_match(&h, VMEX_TOO_LARGE, 1.0, 4 * GiB));

    /* any clause suffices */
    h = parse_ok("frag:margin>=8;frag:size>=512m");
    assert_true(vmex_hunt_match(&h, VMEX_FRAG, 8.0, 1 * MiB));           /* first clause */
    assert_true(vmex_hunt_match(&h, VMEX_FRAG, 1.1, 512 * MiB));         /* second clause */
    assert_false(vmex_hunt_match(&h, VMEX_FRAG, 7.9, 511 * MiB));        /* neither */

    /* an empty policy takes nothing */
    vmex_hunt none = {0};
    assert_false(vmex_hunt_match(&none, VMEX_FRAG, 100.0, 1 * GiB));
}

/* ------------------------------------------------------------ format */

static void assert_hunt_equal(const vmex_hunt *a, const vmex_hunt *b)
{
    assert_int_equal(a->n, b->n);
    for (uint32_t i = 0; i < a->n; i++) {
        assert_int_equal(a->c[i].cls, b->c[i].cls);
        assert_true(a->c[i].min_margin == b->c[i].min_margin);
        assert_int_equal(a->c[i].min_size, b->c[i].min_size);
    }
}

static void test_format_roundtrip(void **state)
{
    static const char *const t[] = {
        VMEX_DEFAULT_HUNT,
        "frag",
        "jetsam",
        "exhausted:size>=64m",
        "too-large:margin>=0.5",
        "frag:margin>=2,size>=1m;jetsam;exhausted:size>=64m",
        "frag:margin>=11.25,size>=16385;jetsam:size>=1g;too-large:size>=0x4000",
        "frag;frag;frag;frag;frag;frag;frag;jetsam",
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        vmex_hunt a = parse_ok(t[i]), b;
        char buf[512];
        vmex_error err = {0};
        vmex_hunt_format(&a, buf, sizeof buf);
        if (vmex_hunt_parse(buf, &b, &err)) fail_msg("format of '%s' gave '%s', which does not parse", t[i], buf);
        assert_hunt_equal(&a, &b);
        /* formatting is a fixed point after one round */
        char buf2[512];
        vmex_hunt_format(&b, buf2, sizeof buf2);
        assert_string_equal(buf, buf2);
    }
    /* the form is CLASS:[margin>=X,]size>=SIZE; sizes as the .vmex printer writes them */
    char buf[256];
    vmex_hunt h = parse_ok("frag:size>=1048576;jetsam");
    vmex_hunt_format(&h, buf, sizeof buf);
    assert_string_equal(buf, "frag:size>=1m;jetsam:size>=0");
    h = parse_ok(VMEX_DEFAULT_HUNT);
    vmex_hunt_format(&h, buf, sizeof buf);
    assert_string_equal(buf, "frag:margin>=2,size>=1m");

    /* a short buffer is cut, never overrun, and stays a C string */
    h = parse_ok("frag:margin>=2,size>=1m;jetsam;exhausted:size>=64m");
    char small[12];
    memset(small, 'Z', sizeof small);
    vmex_hunt_format(&h, small, 10);
    assert_true(strlen(small) < 10);
    assert_memory_equal(small, "frag:marg", strlen(small));
    assert_int_equal(small[10], 'Z');
    assert_int_equal(small[11], 'Z');
}

/* ------------------------------------------------------------ signature */

static void sig_is(int cls, int kind, uint64_t req, const char *profile, const char *want)
{
    char buf[128];
    int n = vmex_signature(cls, kind, req, profile, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, (int)strlen(want));
}

static void test_signature(void **state)
{
    /* the log2 size class is floor(log2(req)) */
    sig_is(VMEX_FRAG, VMEX_OP_MMAP, 128 * MiB, "ios16-3gb", "frag-mmap-2p27-ios16-3gb");             /* 2^27 */
    sig_is(VMEX_FRAG, VMEX_OP_MMAP, 128 * MiB + VMEX_PAGE, "ios16-3gb", "frag-mmap-2p27-ios16-3gb"); /* < 2^28 */
    sig_is(VMEX_FRAG, VMEX_OP_MMAP, 256 * MiB - VMEX_PAGE, "ios16-3gb", "frag-mmap-2p27-ios16-3gb");
    sig_is(VMEX_FRAG, VMEX_OP_MMAP, 256 * MiB, "ios16-3gb", "frag-mmap-2p28-ios16-3gb");             /* 2^28 */
    sig_is(VMEX_FRAG, VMEX_OP_MMAP, 1 * MiB, "ios16-3gb", "frag-mmap-2p20-ios16-3gb");               /* 2^20 */
    sig_is(VMEX_FRAG, VMEX_OP_MMAP, 1 * MiB - 1, "ios16-3gb", "frag-mmap-2p19-ios16-3gb");
    sig_is(VMEX_FRAG, VMEX_OP_MALLOC, 1 * GiB, "ios16-3gb", "frag-malloc-2p30-ios16-3gb");
    sig_is(VMEX_EXHAUSTED, VMEX_OP_VM_ALLOCATE, 1 * MiB, "ios12-1gb", "exhausted-vm_allocate-2p20-ios12-1gb");
    sig_is(VMEX_TOO_LARGE, VMEX_OP_MMAP, 8 * GiB + VMEX_PAGE, "ios17.4-3gb", "too-large-mmap-2p33-ios17.4-3gb");
    sig_is(VMEX_FRAG, VMEX_OP_REALLOC, 3 * MiB, "ios18-8gb", "frag-realloc-2p21-ios18-8gb");         /* 2^21 <= 3m < 2^22 */
    sig_is(VMEX_JETSAM, VMEX_OP_TOUCH, VMEX_PAGE, "ios16-3gb", "jetsam-touch-2p14-ios16-3gb");       /* 16k = 2^14 */
    sig_is(VMEX_JETSAM, VMEX_OP_TOUCH, 40 * MiB, "ios16-3gb", "jetsam-touch-2p25-ios16-3gb");        /* 2^25 <= 40m < 2^26 */
    /* request 0 and 1 both give 2p0 */
    sig_is(VMEX_FRAG, VMEX_OP_MMAP, 0, "ios16-3gb", "frag-mmap-2p0-ios16-3gb");
    sig_is(VMEX_FRAG, VMEX_OP_MMAP, 1, "ios16-3gb", "frag-mmap-2p0-ios16-3gb");
    sig_is(VMEX_FRAG, VMEX_OP_MMAP, VMEX_MAX_VALUE - 1, "ios16-3gb", "frag-mmap-2p47-ios16-3gb");
    sig_is(VMEX_FRAG, VMEX_OP_MMAP, UINT64_MAX, "ios16-3gb", "frag-mmap-2p63-ios16-3gb");

    /* a short buffer: cut, terminated, and the length it would have had */
    char small[8];
    int n = vmex_signature(VMEX_FRAG, VMEX_OP_MMAP, 128 * MiB, "ios16-3gb", small, sizeof small);
    assert_int_equal(n, (int)strlen("frag-mmap-2p27-ios16-3gb"));
    assert_string_equal(small, "frag-mm");
}

/* ------------------------------------------------------------ hunted runs */

typedef struct rec {
    vmex_opres r[64];
    uint32_t n;
} rec;

static void record(void *ctx, const vmex_op *op, const vmex_opres *r)
{
    rec *x = ctx;
    if (x->n < 64) x->r[x->n++] = *r;
}

static void load(const char *text, vmex_program *p, vmex_layout *L)
{
    vmex_error err = {0};
    vmex_program_init(p);
    if (vmex_parse(text, strlen(text), "test", p, &err)) {
        vmex_error_print(&err, stderr);
        fail_msg("parse failed");
    }
    if (vmex_layout_resolve(&p->cfg, NULL, 0, L, &err)) fail_msg("resolve failed: %s", err.msg);
}

/* Run with a hunt policy (NULL: the default large-threshold rule). */
static vmex_result hunted(const vmex_program *p, const vmex_layout *L, const char *policy, int keep_going,
                          rec *x)
{
    vmex_hunt h;
    vmex_runopts o;
    vmex_result res;
    vmex_runopts_init(&o);
    if (policy) {
        h = parse_ok(policy);
        o.hunt = &h;
    }
    o.keep_going = keep_going;
    if (x) {
        memset(x, 0, sizeof *x);
        o.on_op = record;
        o.ctx = x;
    }
    assert_int_equal(vmex_model_run(model, L, p, &o, &res), 0);
    return res;
}

/*
 * Fill the three holes exactly, then punch 96 MiB holes into a, none
 * adjacent to another (offsets 0, 256m, 512m, 768m: 160 MiB apart):
 *   op 5: free 2 x 96m = 192m, largest 96m: 128m fails, frag, 192/128 = 1.5
 *   op 8: free 4 x 96m = 384m, largest 96m: 128m fails, frag, 384/128 = 3
 *   op 9: 512m > free 384m (and <= 1753m): exhausted, 384/512 = 0.75
 */
static const char two_frags[] =
    "vmex 1\nprofile ios16-3gb\n"
    "a = mmap 1753m\n"       /* 0: H1 exactly, at 0x102400000 */
    "b = mmap 258m\n"        /* 1: H2 exactly */
    "c = mmap 896m\n"        /* 2: H3 exactly: free 0 */
    "munmap a 0 96m\n"       /* 3 */
    "munmap a 256m 96m\n"    /* 4 */
    "x = mmap 128m%s\n"      /* 5: frag, margin 1.5 */
    "munmap a 512m 96m\n"    /* 6 */
    "munmap a 768m 96m\n"    /* 7 */
    "y = mmap 128m%s\n"      /* 8: frag, margin 3 */
    "z = mmap 512m\n";       /* 9: exhausted, margin 0.75 */

static void make_two_frags(vmex_program *p, vmex_layout *L, const char *try5, const char *try8)
{
    char text[sizeof two_frags + 16];
    snprintf(text, sizeof text, two_frags, try5, try8);
    load(text, p, L);
}

static void assert_finding(const vmex_result *r, int cls, int at, double margin, uint64_t req)
{
    assert_int_equal(r->verdict, cls);
    assert_int_equal(r->at, at);
    assert_true(r->margin == margin);
    assert_int_equal(r->req, req);
    assert_int_equal(r->req_kind, VMEX_OP_MMAP);
    assert_true(r->findings >= 1);
}

static void assert_no_finding(const vmex_result *r, uint32_t ops)
{
    assert_int_equal(r->verdict, VMEX_OK);
    assert_int_equal(r->at, -1);
    assert_int_equal(r->findings, 0);
    assert_int_equal(r->ops_run, ops);   /* nothing stopped the run */
}

static void test_hunted_runs(void **state)
{
    vmex_program p;
    vmex_layout L;
    rec x;
    make_two_frags(&p, &L, "", "");

    /* the state behind the numbers: both failures are frag with those margins */
    vmex_result r = hunted(&p, &L, "frag;exhausted", 1, &x);
    assert_int_equal(x.n, 10);
    assert_int_equal(x.r[0].addr, 0x102400000ull);
    assert_int_equal(x.r[5].status, VMEX_ST_FAILED);
    assert_int_equal(x.r[5].cls, VMEX_FRAG);
    assert_true(x.r[5].margin == 1.5);
    assert_int_equal(x.r[5].req, 128 * MiB);
    assert_int_equal(x.r[8].cls, VMEX_FRAG);
    assert_true(x.r[8].margin == 3.0);
    assert_int_equal(x.r[9].cls, VMEX_EXHAUSTED);
    assert_true(x.r[9].margin == 0.75);
    assert_int_equal(r.findings, 3);
    assert_int_equal(r.st.free, 384 * MiB);
    assert_int_equal(r.st.largest, 96 * MiB);

    /* margin >= 2 skips the 1.5 failure and takes the later one */
    r = hunted(&p, &L, "frag:margin>=2", 0, &x);
    assert_finding(&r, VMEX_FRAG, 8, 3.0, 128 * MiB);
    assert_int_equal(r.findings, 1);
    assert_int_equal(r.ops_run, 9);            /* stops at the finding */
    assert_int_equal(x.r[5].finding, 0);       /* recorded, not a finding */
    assert_int_equal(x.r[5].cls, VMEX_FRAG);
    assert_int_equal(x.r[8].finding, 1);
    r = hunted(&p, &L, VMEX_DEFAULT_HUNT, 0, NULL);
    assert_finding(&r, VMEX_FRAG, 8, 3.0, 128 * MiB);

    /* plain frag takes the first */
    r = hunted(&p, &L, "frag", 0, NULL);
    assert_finding(&r, VMEX_FRAG, 5, 1.5, 128 * MiB);
    assert_int_equal(r.ops_run, 6);
    /* ... and so does the default rule without a hunt (req >= 1m) */
    r = hunted(&p, &L, NULL, 0, NULL);
    assert_finding(&r, VMEX_FRAG, 5, 1.5, 128 * MiB);

    /* bounds are inclusive */
    r = hunted(&p, &L, "frag:margin>=1.5", 0, NULL);
    assert_finding(&r, VMEX_FRAG, 5, 1.5, 128 * MiB);
    r = hunted(&p, &L, "frag:margin>=3", 0, NULL);
    assert_finding(&r, VMEX_FRAG, 8, 3.0, 128 * MiB);
    r = hunted(&p, &L, "frag:size>=128m", 0, NULL);
    assert_finding(&r, VMEX_FRAG, 5, 1.5, 128 * MiB);
    r = hunted(&p, &L, "frag:margin>=3.01", 0, NULL);
    assert_no_finding(&r, 10);
    r = hunted(&p, &L, "frag:size>=134217729", 0, NULL);   /* 128m + 1 */
    assert_no_finding(&r, 10);

    /* a hunt for exhausted ignores both frag failures */
    r = hunted(&p, &L, "exhausted", 0, &x);   /* margin 384m / 512m */
    assert_int_equal(r.verdict, VMEX_EXHAUSTED);
    assert_int_equal(r.at, 9);
    assert_true(r.margin == 0.75);
    assert_int_equal(r.req, 512 * MiB);
    assert_int_equal(r.findings, 1);
    assert_int_equal(x.r[5].finding, 0);
    assert_int_equal(x.r[8].finding, 0);
    r = hunted(&p, &L, "exhausted:size>=513m", 0, NULL);
    assert_no_finding(&r, 10);
    r = hunted(&p, &L, "too-large;jetsam", 0, NULL);
    assert_no_finding(&r, 10);

    /* keep going: every hunted finding counts, the first is reported */
    r = hunted(&p, &L, "frag", 1, NULL);
    assert_finding(&r, VMEX_FRAG, 5, 1.5, 128 * MiB);
    assert_int_equal(r.findings, 2);
    assert_int_equal(r.ops_run, 10);
    vmex_program_free(&p);

    /* `try` requests are never findings, whatever the hunt */
    make_two_frags(&p, &L, " try", "");
    r = hunted(&p, &L, "frag", 0, &x);
    assert_finding(&r, VMEX_FRAG, 8, 3.0, 128 * MiB);
    assert_int_equal(x.r[5].status, VMEX_ST_FAILED);
    assert_int_equal(x.r[5].cls, VMEX_FRAG);    /* still classified */
    assert_int_equal(x.r[5].finding, 0);
    r = hunted(&p, &L, NULL, 0, NULL);
    assert_finding(&r, VMEX_FRAG, 8, 3.0, 128 * MiB);
    vmex_program_free(&p);
}

/* `try` on both frag failures: a frag hunt has nothing left */
static void test_hunted_try(void **state)
{
    vmex_program p;
    vmex_layout L;
    make_two_frags(&p, &L, " try", " try");
    vmex_result r = hunted(&p, &L, "frag", 0, NULL);
    assert_no_finding(&r, 10);
    assert_int_equal(r.ops_failed, 3);   /* ops 5, 8 and 9 failed */
    r = hunted(&p, &L, "frag;exhausted", 0, NULL);
    assert_int_equal(r.verdict, VMEX_EXHAUSTED);
    assert_int_equal(r.at, 9);
    vmex_program_free(&p);
}

/* jetsam: a touch past the limit; its size bound defaults to 0 */
static void test_hunted_jetsam(void **state)
{
    vmex_program p;
    vmex_layout L;
    rec x;
    load("vmex 1\nset footprint-limit 32m\n"
         "a = mmap 64m\n"
         "touch a 0 32m\n"        /* 1: footprint 32m, not past 32m */
         "touch a 32m 16k\n"      /* 2: 32m + 16k > 32m: jetsam, req 16k */
         "b = mmap 2g\n",         /* 3: too-large */
         &p, &L);
    vmex_result r = hunted(&p, &L, "jetsam", 0, &x);
    assert_int_equal(r.verdict, VMEX_JETSAM);
    assert_int_equal(r.at, 2);
    assert_int_equal(r.req, VMEX_PAGE);
    assert_int_equal(r.req_kind, VMEX_OP_TOUCH);
    assert_int_equal(x.r[1].cls, VMEX_OK);
    char sig[128];
    vmex_signature(r.verdict, r.req_kind, r.req, L.profile, sig, sizeof sig);
    assert_string_equal(sig, "jetsam-touch-2p14-ios16-3gb");

    /* a 16k touch is below a 1m bound; the 2g mmap (too-large) is not hunted */
    r = hunted(&p, &L, "jetsam:size>=1m", 0, NULL);
    assert_no_finding(&r, 4);
    r = hunted(&p, &L, "jetsam:size>=1m;too-large", 0, NULL);
    assert_int_equal(r.verdict, VMEX_TOO_LARGE);
    assert_int_equal(r.at, 3);
    assert_int_equal(r.req, 2 * GiB);
    /* a frag hunt takes neither */
    r = hunted(&p, &L, "frag", 0, NULL);
    assert_no_finding(&r, 4);
    vmex_program_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_default),  cmocka_unit_test(test_parse_clauses),
        cmocka_unit_test(test_parse_defaults), cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_match),          cmocka_unit_test(test_format_roundtrip),
        cmocka_unit_test(test_signature),      cmocka_unit_test(test_hunted_runs),
        cmocka_unit_test(test_hunted_try),     cmocka_unit_test(test_hunted_jetsam),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
