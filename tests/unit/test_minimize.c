/*
 * test_minimize.c - the reproducer minimizer and annotated printing.
 *
 * Expectations are properties the minimizer promises (minimize.h and
 * README "Minimization"): the same signature, `expect CLASS at LAST`, never
 * more ops, handle-aware dropping, determinism; plus numbers worked out by
 * hand on the pristine ios16-3gb layout (holes H1 1753m at 0x102400000,
 * H2 258m at 0x16FE00000, H3 896m at 0x2A0000000).
 */
#include <stdlib.h>
#include <dirent.h>
#include <sys/stat.h>

#include "helpers/fixture.h"
#include "oracle/minimize.h"

#define MiB (1ull << 20)

/* ------------------------------------------------------------ helpers */

static void load_text(const char *text, vmex_program *p, vmex_layout *L)
{
    vmex_error err = {0};
    vmex_program_init(p);
    if (vmex_parse(text, strlen(text), "test", p, &err)) {
        vmex_error_print(&err, stderr);
        fail_msg("parse failed");
    }
    if (vmex_layout_resolve(&p->cfg, NULL, 0, L, &err)) fail_msg("resolve failed: %s", err.msg);
}

static vmex_hunt hunt_of(const char *policy)
{
    vmex_hunt h;
    vmex_error err = {0};
    if (vmex_hunt_parse(policy, &h, &err)) fail_msg("bad policy '%s': %s", policy, err.msg);
    return h;
}

/* Run p with the hunt; its signature in sig ("" when no finding). */
static vmex_result run_sig(const vmex_program *p, const vmex_layout *L, const vmex_hunt *h, char *sig, size_t n)
{
    vmex_runopts o;
    vmex_result r;
    vmex_runopts_init(&o);
    o.hunt = h;
    assert_int_equal(vmex_model_run(model, L, p, &o, &r), 0);
    sig[0] = 0;
    if (r.findings) vmex_result_signature(&r, L->profile, sig, n);
    return r;
}

static char *print(const vmex_program *p)
{
    vmex_buf b = {0};
    assert_int_equal(vmex_print(p, &b, NULL, NULL, NULL), 0);
    return b.p;
}

/* print, parse back: the same program */
static void assert_reparses(const vmex_program *p, const char *text)
{
    vmex_program q;
    vmex_error err = {0};
    vmex_program_init(&q);
    if (vmex_parse(text, strlen(text), "printed", &q, &err)) {
        vmex_error_print(&err, stderr);
        fprintf(stderr, "%s", text);
        fail_msg("printed program does not parse");
    }
    assert_true(vmex_program_equal(p, &q));
    vmex_program_free(&q);
}

/* Statically, every op that names a handle names one that is bound at that
 * point: bound by an earlier op and not released since (munmap without a
 * range, free, and realloc's source release a name). */
static void assert_names_bound(const vmex_program *p)
{
    uint8_t *live = calloc(p->nnames ? p->nnames : 1, 1);
    assert_non_null(live);
    for (uint32_t i = 0; i < p->nops; i++) {
        const vmex_op *op = &p->ops[i];
        if (vmex_op_uses(op->kind)) {
            assert_true(op->src >= 0 && (uint32_t)op->src < p->nnames);
            if (!live[op->src]) fail_msg("op %u (%s) uses the unbound name '%s'", i, vmex_opkind_name(op->kind),
                                         p->names[op->src]);
            if (op->kind == VMEX_OP_FREE || op->kind == VMEX_OP_REALLOC ||
                (op->kind == VMEX_OP_MUNMAP && !(op->flags & VMEX_F_RANGE)))
                live[op->src] = 0;
        }
        if (op->dst >= 0) live[op->dst] = 1;
    }
    free(live);
}

/* ------------------------------------------------------------ reproducers */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void test_reproducers(void **state)
{
    const char *dir = VMEX_SOURCE_DIR "/reproducers";
    DIR *d = opendir(dir);
    assert_non_null(d);
    char *names[64];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        size_t len = strlen(e->d_name);
        if (len > 5 && !strcmp(e->d_name + len - 5, ".vmex")) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);

    int tried = 0, saw_alternate = 0;
    for (size_t k = 0; k < n; k++) {
        char path[1024];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        assert_int_equal(stat(path, &st), 0);
        if (st.st_size > 64 * 1024) {
            free(names[k]);
            continue;
        }
        vmex_program in, out;
        vmex_layout L;
        vmex_error err = {0};
        vmex_program_init(&in);
        vmex_program_init(&out);
        if (vmex_parse_file(path, &in, &err)) fail_msg("%s does not parse: %s", path, err.msg);
        assert_int_equal(vmex_layout_resolve(&in.cfg, NULL, 0, &L, &err), 0);
        /* target jsc: each run costs 6 to 30 ms of JavaScriptCore, so its
         * reproducers take 20 to 36 s each to minimize; tests/e2e/jsc.sh
         * minimizes one of them end to end */
        if (in.expect <= VMEX_OK || L.target == VMEX_TARGET_JSC) {
            vmex_program_free(&in);
            free(names[k]);
            continue;
        }
        vmex_runopts po;
        vmex_result pr;
        vmex_runopts_init(&po);
        if (L.target == VMEX_TARGET_LINUX && vmex_model_run(model, &L, &in, &po, &pr) && vmex_model_unavailable(model)) {
            printf("skip %s: %s\n", names[k], vmex_model_error(model));   /* target linux cannot run here */
            vmex_program_free(&in);
            free(names[k]);
            continue;
        }
        tried++;
        vmex_hunt h = hunt_of(vmex_class_name(in.expect));
        char sig_in[128], sig_out[128];
        vmex_result r = run_sig(&in, &L, &h, sig_in, sizeof sig_in);
        if (!sig_in[0]) fail_msg("%s: no %s finding", names[k], vmex_class_name(in.expect));
        /* the hunted finding is the one the file expects */
        assert_int_equal(r.verdict, in.expect);
        if (in.expect_at >= 0) assert_int_equal(r.at, in.expect_at);

        vmex_minimize_stats ms;
        assert_int_equal(vmex_minimize(&in, &L, &h, &out, &ms), 0);
        vmex_result ro = run_sig(&out, &L, &h, sig_out, sizeof sig_out);
        if (strcmp(sig_in, sig_out)) fail_msg("%s: signature %s became '%s'", names[k], sig_in, sig_out);
        assert_int_equal(out.expect, in.expect);
        assert_true(out.nops >= 1);
        assert_int_equal(out.expect_at, (int32_t)out.nops - 1);
        assert_int_equal(ro.at, (int32_t)out.nops - 1);
        assert_true(out.nops <= in.nops);
        assert_true(vmex_result_matches(&out, &ro));
        /* the stats say the same */
        assert_string_equal(ms.signature, sig_in);
        assert_int_equal(ms.ops_before, in.nops);
        assert_int_equal(ms.ops_after, out.nops);
        assert_int_equal(ms.cls, in.expect);
        assert_true(ms.margin == ro.margin);
        assert_true(ms.runs >= 1);
        /* the same layout, a printable, self-consistent program */
        assert_string_equal(out.cfg.profile, in.cfg.profile);
        assert_int_equal(out.cfg.ents, in.cfg.ents);
        char *text = print(&out);
        assert_reparses(&out, text);
        free(text);
        assert_names_bound(&out);

        if (!strcmp(names[k], "frag-64m-alternate-ios16-3gb.vmex")) {
            saw_alternate = 1;
            assert_int_equal(in.nops, 71);
            assert_true(out.nops <= 12);
            /* signature frag-mmap-2p27: the last op is a 128m..256m mmap that fails as frag */
            const vmex_op *last = &out.ops[out.nops - 1];
            assert_int_equal(last->kind, VMEX_OP_MMAP);
            assert_true(last->size >= 128 * MiB && last->size < 256 * MiB);
            assert_int_equal(ro.verdict, VMEX_FRAG);
            assert_true(ro.margin >= 1.0);
        }
        vmex_program_free(&in);
        vmex_program_free(&out);
        free(names[k]);
    }
    assert_true(saw_alternate);
    assert_true(tried >= 4);   /* dart-jsc, frag-64m, jumbo x2, malloc churn, probe 1m */
}

/* ------------------------------------------------------------ handles */

/*
 * The finding needs `munmap h`: h (96m) sits at the bottom of H3 while e
 * (704m) is placed above it, so e ends at 96m + 704m = 800m and leaves 96m
 * at the top of H3; unmapping h makes the second 96m hole.  Without h, e
 * would go to the bottom and leave 192m (128m fits); without the munmap,
 * free is 96m < 128m (exhausted, another signature).  Free 192m in two
 * 96m holes: frag, margin 192/128 = 1.5.  Ops 0-8 and 13-14 are noise
 * that use names (and h is bound twice), for the minimizer to drop.
 */
static const char handle_prog[] =
    "vmex 1\nprofile ios16-3gb\n"
    "g = mmap 1m\n"            /* 0 */
    "touch g\n"                /* 1 */
    "h = mmap 2m\n"            /* 2 */
    "munmap g\n"               /* 3 */
    "munmap h\n"               /* 4 */
    "s = malloc 64k\n"         /* 5: large: its own mapping */
    "r = realloc s 128k\n"     /* 6 */
    "free r\n"                 /* 7: unmapped (no large cache) */
    "n = malloc 100\n"         /* 8: nano */
    "a = mmap 1753m\n"         /* 9: H1 exactly */
    "b = mmap 258m\n"          /* 10: H2 exactly */
    "h = mmap 96m\n"           /* 11: H3 bottom, 0x2A0000000 */
    "e = mmap 704m\n"          /* 12: 0x2A6000000 */
    "touch e 0 1m\n"           /* 13 */
    "free n\n"                 /* 14 */
    "munmap h\n"               /* 15 */
    "x = mmap 128m\n";         /* 16: frag, margin 1.5 */

static void test_handles(void **state)
{
    vmex_program in, out;
    vmex_layout L;
    load_text(handle_prog, &in, &L);
    vmex_hunt h = hunt_of("frag");
    char sig[128], sig2[128];
    vmex_result r = run_sig(&in, &L, &h, sig, sizeof sig);
    assert_int_equal(r.at, 16);
    assert_true(r.margin == 1.5);
    assert_string_equal(sig, "frag-mmap-2p27-ios16-3gb");

    vmex_program_init(&out);
    vmex_minimize_stats ms;
    assert_int_equal(vmex_minimize(&in, &L, &h, &out, &ms), 0);
    assert_true(out.nops < in.nops);
    r = run_sig(&out, &L, &h, sig2, sizeof sig2);
    assert_string_equal(sig2, sig);
    assert_int_equal(r.ops_skipped, 0);        /* no op names a handle that is gone */
    assert_names_bound(&out);

    /* the munmap of a named mapping is still there, and the name it uses is
     * bound by a mapping op before it */
    int munmaps = 0;
    for (uint32_t i = 0; i < out.nops; i++) {
        if (out.ops[i].kind != VMEX_OP_MUNMAP) continue;
        munmaps++;
        int bound = 0;
        for (uint32_t k = 0; k < i; k++)
            if (out.ops[k].dst == out.ops[i].src &&
                (out.ops[k].kind == VMEX_OP_MMAP || out.ops[k].kind == VMEX_OP_VM_ALLOCATE))
                bound = 1;
        assert_true(bound);
    }
    assert_true(munmaps >= 1);

    /* printed, it parses (every name it uses is bound in the text) */
    char *text = print(&out);
    assert_reparses(&out, text);
    /* the noise that only used names is gone */
    assert_null(strstr(text, "touch g"));
    assert_null(strstr(text, "realloc"));
    assert_null(strstr(text, "free "));
    free(text);
    vmex_program_free(&in);
    vmex_program_free(&out);
}

/* ------------------------------------------------------------ determinism */

static void minimize_text(const char *path_or_null, const char *text_prog, const char *policy, char **plain,
                          char **annotated)
{
    vmex_program in, out;
    vmex_layout L;
    vmex_error err = {0};
    if (path_or_null) {
        vmex_program_init(&in);
        assert_int_equal(vmex_parse_file(path_or_null, &in, &err), 0);
        assert_int_equal(vmex_layout_resolve(&in.cfg, NULL, 0, &L, &err), 0);
    } else
        load_text(text_prog, &in, &L);
    vmex_hunt h = hunt_of(policy);
    vmex_program_init(&out);
    vmex_minimize_stats ms;
    assert_int_equal(vmex_minimize(&in, &L, &h, &out, &ms), 0);
    *plain = print(&out);
    vmex_buf b = {0};
    assert_int_equal(vmex_print_annotated(&out, &L, &h, "hdr", &b), 0);
    *annotated = b.p;
    vmex_program_free(&in);
    vmex_program_free(&out);
}

static void test_deterministic(void **state)
{
    const char *alt = VMEX_SOURCE_DIR "/reproducers/frag-64m-alternate-ios16-3gb.vmex";
    char *p1, *a1, *p2, *a2;
    minimize_text(alt, NULL, "frag", &p1, &a1);
    minimize_text(alt, NULL, "frag", &p2, &a2);
    assert_string_equal(p1, p2);
    assert_string_equal(a1, a2);
    free(p1), free(a1), free(p2), free(a2);
    minimize_text(alt, NULL, VMEX_DEFAULT_HUNT, &p1, &a1);
    minimize_text(alt, NULL, VMEX_DEFAULT_HUNT, &p2, &a2);
    assert_string_equal(p1, p2);
    assert_string_equal(a1, a2);
    free(p1), free(a1), free(p2), free(a2);
    minimize_text(NULL, handle_prog, "frag", &p1, &a1);
    minimize_text(NULL, handle_prog, "frag", &p2, &a2);
    assert_string_equal(p1, p2);
    assert_string_equal(a1, a2);
    free(p1), free(a1), free(p2), free(a2);
}

/* ------------------------------------------------------------ no finding */

static void test_no_finding(void **state)
{
    vmex_program in, out;
    vmex_layout L;
    vmex_minimize_stats ms;
    /* everything fits: nothing to minimize */
    load_text("vmex 1\na = mmap 1m\nb = vm_allocate 64m\nmunmap a\n", &in, &L);
    vmex_hunt h = hunt_of(VMEX_DEFAULT_HUNT);
    vmex_program_init(&out);
    assert_int_equal(vmex_minimize(&in, &L, &h, &out, &ms), 1);
    assert_true(vmex_program_equal(&in, &out));   /* "out is then a copy" */
    vmex_program_free(&in);

    /* a failure the hunt does not take: 2g > 1753m is too-large, not frag */
    load_text("vmex 1\na = mmap 2g\n", &in, &L);
    assert_int_equal(vmex_minimize(&in, &L, &h, &out, &ms), 1);
    vmex_hunt t = hunt_of("too-large");
    assert_int_equal(vmex_minimize(&in, &L, &t, &out, &ms), 0);
    assert_int_equal(out.nops, 1);
    assert_int_equal(out.expect, VMEX_TOO_LARGE);
    assert_int_equal(out.expect_at, 0);
    vmex_program_free(&in);

    /* the frag reproducer's finding (margin 11.2) is no finding for a
     * hunt of margin >= 12 (1435/128 = 11.21) */
    vmex_error err = {0};
    vmex_program_init(&in);
    assert_int_equal(vmex_parse_file(VMEX_SOURCE_DIR "/reproducers/frag-64m-alternate-ios16-3gb.vmex", &in, &err), 0);
    assert_int_equal(vmex_layout_resolve(&in.cfg, NULL, 0, &L, &err), 0);
    vmex_hunt m12 = hunt_of("frag:margin>=12"), m11 = hunt_of("frag:margin>=11.2");
    assert_int_equal(vmex_minimize(&in, &L, &m12, &out, &ms), 1);
    assert_int_equal(vmex_minimize(&in, &L, &m11, &out, &ms), 0);
    vmex_program_free(&in);
    vmex_program_free(&out);
}

/* ------------------------------------------------------------ annotation */

/* the printed line of the op that starts with `op` (unique in the text) */
static const char *line_of(const char *text, const char *op, char *buf, size_t n)
{
    size_t len = strlen(op);
    for (const char *s = text; s && *s;) {
        const char *nl = strchr(s, '\n');
        size_t l = nl ? (size_t)(nl - s) : strlen(s);
        if (l >= len && !memcmp(s, op, len) && (s[len] == ' ' || s[len] == 0 || s[len] == '\n')) {
            snprintf(buf, n, "%.*s", (int)l, s);
            return buf;
        }
        s = nl ? nl + 1 : NULL;
    }
    fail_msg("no line '%s' in:\n%s", op, text);
    return NULL;
}

static void assert_line_has(const char *text, const char *op, const char *want)
{
    char buf[512];
    const char *l = line_of(text, op, buf, sizeof buf);
    const char *hash = strstr(l, "  # ");
    if (!hash || !strcasestr(hash, want)) fail_msg("line '%s' lacks '%s' in its comment", l, want);
}

/*
 * H1..H3 filled exactly, then 96m holes punched into a:
 *   op 0 a at 0x102400000, op 1 b at 0x16FE00000, op 2 c at 0x2A0000000
 *   op 4 munmap a 256m 96m at 0x102400000 + 0x10000000 = 0x112400000
 *   op 5 fails: free 2 x 96m = 192m, margin 1.5 (below the hunt's 2)
 *   op 8 fails: free 4 x 96m = 384m, margin 3: the finding
 *   op 9 is not run (the run stops at the finding)
 */
static const char annot_prog[] =
    "vmex 1\nprofile ios16-3gb\n"
    "a = mmap 1753m\nb = mmap 258m\nc = mmap 896m\n"
    "munmap a 0 96m\nmunmap a 256m 96m\n"
    "x = mmap 128m\n"
    "munmap a 512m 96m\nmunmap a 768m 96m\n"
    "y = mmap 128m\n"
    "z = mmap 512m\n";

static void test_annotated(void **state)
{
    vmex_program p;
    vmex_layout L;
    load_text(annot_prog, &p, &L);
    vmex_hunt h = hunt_of("frag:margin>=2");
    vmex_buf b = {0};
    assert_int_equal(vmex_print_annotated(&p, &L, &h, "first line\nsecond line", &b), 0);
    const char *t = b.p;
    assert_true(!strncmp(t, "# first line\n# second line\n", 27));
    assert_line_has(t, "a = mmap 1753m", "0x102400000");
    assert_line_has(t, "b = mmap 258m", "0x16fe00000");
    assert_line_has(t, "c = mmap 896m", "0x2a0000000");
    assert_line_has(t, "munmap a 256m 96m", "0x112400000");
    assert_line_has(t, "x = mmap 128m", "frag");
    assert_line_has(t, "x = mmap 128m", "192m");
    assert_line_has(t, "x = mmap 128m", "1.50");
    char buf[512];
    assert_null(strstr(line_of(t, "x = mmap 128m", buf, sizeof buf), "FINDING"));
    assert_line_has(t, "y = mmap 128m", "FINDING frag");
    assert_line_has(t, "y = mmap 128m", "384m");
    assert_line_has(t, "y = mmap 128m", "largest hole 96m");
    assert_line_has(t, "y = mmap 128m", "3.00");
    assert_line_has(t, "z = mmap 512m", "not run");
    assert_reparses(&p, t);
    vmex_buf_free(&b);

    /* without a hunt policy, the default rule: the 1.5 failure is the finding */
    assert_int_equal(vmex_print_annotated(&p, &L, NULL, NULL, &b), 0);
    assert_line_has(b.p, "x = mmap 128m", "FINDING frag");
    assert_line_has(b.p, "y = mmap 128m", "not run");
    assert_reparses(&p, b.p);
    vmex_buf_free(&b);
    vmex_program_free(&p);

    /* failed and skipped ops say why */
    load_text("vmex 1\nx = mmap 64m jit\nmunmap x\nexpect ok\n", &p, &L);
    assert_int_equal(vmex_print_annotated(&p, &L, &h, NULL, &b), 0);
    assert_line_has(b.p, "x = mmap 64m jit", "failed:");
    assert_line_has(b.p, "munmap x", "skipped:");
    assert_line_has(b.p, "munmap x", vmex_reason_text(VMEX_WHY_UNBOUND));
    assert_reparses(&p, b.p);
    vmex_buf_free(&b);
    vmex_program_free(&p);

    /* a minimized program, annotated: its expect line survives, it
     * re-parses equal, and the finding is its last op */
    vmex_program in, out;
    load_text(handle_prog, &in, &L);
    vmex_hunt f = hunt_of("frag");
    vmex_minimize_stats ms;
    vmex_program_init(&out);
    assert_int_equal(vmex_minimize(&in, &L, &f, &out, &ms), 0);
    assert_int_equal(vmex_print_annotated(&out, &L, &f, "minimized", &b), 0);
    assert_reparses(&out, b.p);
    assert_line_has(b.p, "x = mmap 128m", "FINDING frag");
    char want[64];
    snprintf(want, sizeof want, "\nexpect frag at %u\n", out.nops - 1);
    assert_non_null(strstr(b.p, want));
    vmex_buf_free(&b);
    vmex_program_free(&in);
    vmex_program_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reproducers), cmocka_unit_test(test_handles),   cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_no_finding),  cmocka_unit_test(test_annotated),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
