/*
 * test_findings.c - the findings folder (harness/fuzz/findings.h): the
 * best input of each signature is kept (margin, then ops, then bytes),
 * every hit is counted, files are whole and the folder is shared safely
 * by several processes; the reader parses, checks and orders the records.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "fuzz/findings.h"

static char dir[256];

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/vmex-test-findings-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[600];
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d) closedir(d);
    rmdir(dir);
    return 0;
}

static vmex_finding_rec hit(const char *sig, int cls, double margin, uint32_t ops, uint64_t req)
{
    vmex_finding_rec r = {.cls = cls, .margin = margin, .ops = ops, .req = req};
    snprintf(r.signature, sizeof r.signature, "%s", sig);
    snprintf(r.profile, sizeof r.profile, "ios16-3gb");
    return r;
}

static size_t slurp(const char *name, char *buf, size_t cap)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap - 1, f);
    fclose(f);
    buf[n] = '\0';
    return n;
}

static vmex_finding_rec record(const char *sig)
{
    char name[200], buf[4096];
    snprintf(name, sizeof name, "%s.json", sig);
    size_t n = slurp(name, buf, sizeof buf);
    vmex_finding_rec r;
    vmex_error err = {0};
    assert_int_equal(vmex_finding_parse(buf, n, &r, &err), 0);
    return r;
}

/* no temporary file is left behind, and only SIG.input / SIG.json are there */
static int files_in_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        assert_true(e->d_name[0] != '.');
        assert_true(strstr(e->d_name, ".input") || strstr(e->d_name, ".json"));
        n++;
    }
    closedir(d);
    return n;
}

static void test_keep_the_best(void **state)
{
    vmex_error err = {0};
    vmex_findings *f = vmex_findings_open(dir, "fuzz_xnu", &err);
    assert_non_null(f);
    const char *sig = "frag-mmap-2p27-ios16-3gb";
    int64_t t0 = (int64_t)time(NULL);
    vmex_finding_rec h = hit(sig, VMEX_FRAG, 2.5, 9, 134217728);
    /* new: kept */
    assert_int_equal(vmex_findings_add(f, &h, (const uint8_t *)"AAAA", 4, &err), 1);
    char buf[4096];
    assert_int_equal(slurp("frag-mmap-2p27-ios16-3gb.input", buf, sizeof buf), 4);
    assert_string_equal(buf, "AAAA");
    vmex_finding_rec r = record(sig);
    assert_string_equal(r.signature, sig);
    assert_int_equal(r.cls, VMEX_FRAG);
    assert_true(r.margin == 2.5);
    assert_int_equal(r.ops, 9);
    assert_int_equal(r.req, 134217728);
    assert_int_equal(r.hits, 1);
    assert_string_equal(r.target, "fuzz_xnu");
    assert_string_equal(r.profile, "ios16-3gb");
    assert_true(r.first_unix >= t0 && r.first_unix <= t0 + 2 && r.last_unix >= r.first_unix);
    /* worse (lower margin; same margin, more ops; same both, more bytes): counted only */
    h.margin = 2.4;
    assert_int_equal(vmex_findings_add(f, &h, (const uint8_t *)"B", 1, &err), 0);
    h.margin = 2.5;
    h.ops = 10;
    assert_int_equal(vmex_findings_add(f, &h, (const uint8_t *)"B", 1, &err), 0);
    h.ops = 9;
    assert_int_equal(vmex_findings_add(f, &h, (const uint8_t *)"BBBBB", 5, &err), 0);
    /* equal in all three: not better either */
    assert_int_equal(vmex_findings_add(f, &h, (const uint8_t *)"CCCC", 4, &err), 0);
    assert_int_equal(vmex_findings_flush(f, &err), 0);
    r = record(sig);
    assert_int_equal(r.hits, 5);
    slurp("frag-mmap-2p27-ios16-3gb.input", buf, sizeof buf);
    assert_string_equal(buf, "AAAA");
    /* better: fewer bytes, then fewer ops, then a higher margin */
    assert_int_equal(vmex_findings_add(f, &h, (const uint8_t *)"DDD", 3, &err), 1);
    h.ops = 5;
    assert_int_equal(vmex_findings_add(f, &h, (const uint8_t *)"EEEEEEEE", 8, &err), 1);
    h.margin = 3.0;
    h.ops = 20;
    assert_int_equal(vmex_findings_add(f, &h, (const uint8_t *)"FF", 2, &err), 1);
    r = record(sig);
    assert_int_equal(r.hits, 8);
    assert_true(r.margin == 3.0);
    assert_int_equal(r.ops, 20);
    slurp("frag-mmap-2p27-ios16-3gb.input", buf, sizeof buf);
    assert_string_equal(buf, "FF");
    /* hits counted in memory reach the folder on close */
    h.margin = 1.0;
    for (int i = 0; i < 100; i++) vmex_findings_add(f, &h, (const uint8_t *)"G", 1, &err);
    assert_int_equal(vmex_findings_close(f, &err), 0);
    assert_int_equal(record(sig).hits, 108);
    assert_int_equal(files_in_dir(), 2);
}

/* A margin that is not a short decimal survives the round trip exactly. */
static void test_exact_margin(void **state)
{
    vmex_error err = {0};
    vmex_findings *f = vmex_findings_open(dir, "fuzz_xnu", &err);
    vmex_finding_rec h = hit("frag-mmap-2p29-ios16-3gb", VMEX_FRAG, 1883.0 / 898.0, 2, 898ull << 20);
    assert_int_equal(vmex_findings_add(f, &h, (const uint8_t *)"x", 1, &err), 1);
    vmex_findings_close(f, &err);
    assert_true(record(h.signature).margin == 1883.0 / 898.0);
    /* a second writer (another process) does not take an equal hit for better */
    f = vmex_findings_open(dir, "fuzz_xnu", &err);
    assert_int_equal(vmex_findings_add(f, &h, (const uint8_t *)"y", 1, &err), 0);
    vmex_findings_close(f, &err);
    assert_int_equal(record(h.signature).hits, 2);
}

/* Four processes hit three signatures 400 times each with margins from a
 * known sequence: every hit is counted and the best of all is kept. */
static void test_processes_share_the_folder(void **state)
{
    static const char *const sigs[] = {"frag-mmap-2p26-ios16-3gb", "frag-mmap-2p27-ios16-3gb",
                                       "exhausted-mmap-2p30-ios16-3gb"};
    enum { PROCS = 4, HITS = 400 };
    for (int p = 0; p < PROCS; p++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid) continue;
        vmex_error err = {0};
        vmex_findings *f = vmex_findings_open(dir, "fuzz_xnu", &err);
        int bad = !f;
        for (int i = 0; i < HITS && !bad; i++) {
            int s = i % 3;
            /* margins rise and fall; the best is process 2's hit 399 - s */
            double m = 1.0 + ((i * 7 + p * 13) % 97) / 10.0 + (p == 2 && i >= HITS - 3 ? 20 : 0);
            vmex_finding_rec h = hit(sigs[s], s == 2 ? VMEX_EXHAUSTED : VMEX_FRAG, m, (uint32_t)(i % 11 + 1),
                                     1ull << (26 + s));
            char data[32];
            int n = snprintf(data, sizeof data, "p%d-i%d", p, i);
            bad = vmex_findings_add(f, &h, (const uint8_t *)data, (size_t)n, &err) < 0;
        }
        bad |= vmex_findings_close(f, &err) != 0;
        _exit(bad);
    }
    for (int p = 0; p < PROCS; p++) {
        int st;
        assert_true(wait(&st) > 0);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    uint64_t total = 0;
    for (int s = 0; s < 3; s++) {
        vmex_finding_rec r = record(sigs[s]);
        total += r.hits;
        /* process 2's last three hits (i = 397, 398, 399: one per signature)
         * have margin + 20; i % 3 == s picks which */
        int i = HITS - 3 + ((s - (HITS - 3) % 3 + 3) % 3);
        double m = 1.0 + ((i * 7 + 2 * 13) % 97) / 10.0 + 20;
        assert_true(r.margin == m);
        assert_int_equal(r.ops, (uint32_t)(i % 11 + 1));
        char name[200], want[32], buf[64];
        snprintf(name, sizeof name, "%s.input", sigs[s]);
        snprintf(want, sizeof want, "p2-i%d", i);
        slurp(name, buf, sizeof buf);
        assert_string_equal(buf, want);
    }
    assert_int_equal(total, PROCS * HITS);
    assert_int_equal(files_in_dir(), 6);
}

static void test_reader_orders_by_badness(void **state)
{
    vmex_error err = {0};
    vmex_findings *f = vmex_findings_open(dir, "fuzz_xnu", &err);
    struct { const char *sig; int cls; double m; uint64_t req; } in[] = {
        {"frag-mmap-2p20-ios16-3gb", VMEX_FRAG, 2.1, 1 << 20},
        {"exhausted-mmap-2p30-ios16-3gb", VMEX_EXHAUSTED, 9.0, 1 << 30},
        {"frag-mmap-2p28-ios16-3gb", VMEX_FRAG, 10.9, 1 << 28},
        {"frag-mmap-2p27-ios16-3gb", VMEX_FRAG, 2.1, 1 << 27},
        {"jetsam-touch-2p14-ios16-3gb", VMEX_JETSAM, 1.01, 1 << 14},
    };
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        vmex_finding_rec h = hit(in[i].sig, in[i].cls, in[i].m, 3, in[i].req);
        assert_int_equal(vmex_findings_add(f, &h, (const uint8_t *)"z", 1, &err), 1);
    }
    vmex_findings_close(f, &err);
    vmex_finding_rec *v;
    size_t n;
    assert_int_equal(vmex_findings_read(dir, &v, &n, &err), 0);
    assert_int_equal(n, 5);
    /* frag first, by margin, equal margins by request size; then exhausted, jetsam */
    assert_string_equal(v[0].signature, "frag-mmap-2p28-ios16-3gb");
    assert_string_equal(v[1].signature, "frag-mmap-2p27-ios16-3gb");
    assert_string_equal(v[2].signature, "frag-mmap-2p20-ios16-3gb");
    assert_string_equal(v[3].signature, "exhausted-mmap-2p30-ios16-3gb");
    assert_string_equal(v[4].signature, "jetsam-touch-2p14-ios16-3gb");
    free(v);
    /* a folder that does not exist holds nothing */
    assert_int_equal(vmex_findings_read("/tmp/vmex-test-findings-none", &v, &n, &err), 0);
    assert_int_equal(n, 0);
    /* a record without its input is an error that names the file */
    char p[600];
    snprintf(p, sizeof p, "%s/frag-mmap-2p20-ios16-3gb.input", dir);
    unlink(p);
    assert_int_equal(vmex_findings_read(dir, &v, &n, &err), -1);
    assert_non_null(strstr(err.file, "frag-mmap-2p20-ios16-3gb.input"));
    assert_null(v);
}

static void test_parse(void **state)
{
    vmex_finding_rec r;
    vmex_error err = {0};
    const char *good = "{\"signature\":\"frag-mmap-2p27-ios16-3gb\",\"class\":\"frag\",\"margin\":2.41,\"ops\":9,"
                       "\"req\":134217728,\"hits\":40,\"target\":\"fuzz_xnu\",\"profile\":\"ios16-3gb\","
                       "\"first_unix\":1700000000,\"last_unix\":1700000120}\n";
    assert_int_equal(vmex_finding_parse(good, strlen(good), &r, &err), 0);
    assert_int_equal(r.hits, 40);
    assert_true(r.first_unix == 1700000000 && r.last_unix == 1700000120);
    /* spaces, and a field a later version adds, are fine */
    const char *later = "{ \"later\" : \"x\", \"signature\":\"s\",\"class\":\"jetsam\",\"margin\":1,\"ops\":1,\"req\":1,"
                        "\"hits\":1,\"target\":\"t\",\"profile\":\"p\",\"first_unix\":0,\"last_unix\":0 }";
    assert_int_equal(vmex_finding_parse(later, strlen(later), &r, &err), 0);
    assert_int_equal(r.cls, VMEX_JETSAM);
    /* cut short, a missing field, a string for a number, an unknown class,
     * a fraction of a count, trailing junk */
    assert_int_equal(vmex_finding_parse(good, 60, &r, &err), -1);
    assert_int_equal(err.code, VMEX_E_INPUT);
    assert_int_equal(err.line, 1);
    assert_int_equal(err.col, 61);   /* cut inside the key "marg...: json-c stops at the input's end */
    const char *bad[] = {
        "{\"signature\":\"s\",\"class\":\"frag\",\"margin\":1,\"ops\":1,\"req\":1,\"hits\":1,\"target\":\"t\","
        "\"profile\":\"p\",\"first_unix\":0}",
        "{\"signature\":\"s\",\"class\":\"frag\",\"margin\":\"1\",\"ops\":1,\"req\":1,\"hits\":1,\"target\":\"t\","
        "\"profile\":\"p\",\"first_unix\":0,\"last_unix\":0}",
        "{\"signature\":\"s\",\"class\":\"fragile\",\"margin\":1,\"ops\":1,\"req\":1,\"hits\":1,\"target\":\"t\","
        "\"profile\":\"p\",\"first_unix\":0,\"last_unix\":0}",
        "{\"signature\":\"s\",\"class\":\"frag\",\"margin\":1,\"ops\":1.5,\"req\":1,\"hits\":1,\"target\":\"t\","
        "\"profile\":\"p\",\"first_unix\":0,\"last_unix\":0}",
        "{\"signature\":\"s\",\"class\":\"frag\",\"margin\":1,\"ops\":1,\"req\":1,\"hits\":1,\"target\":\"t\","
        "\"profile\":\"p\",\"first_unix\":0,\"last_unix\":0}x",
        "", "{}", "[1]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(vmex_finding_parse(bad[i], strlen(bad[i]), &r, &err), -1);
}

/* The folder cannot be made: a clear error, no writer. */
static void test_open_error(void **state)
{
    vmex_error err = {0};
    assert_null(vmex_findings_open("/nonexistent-vmex/findings", "fuzz_xnu", &err));
    assert_int_equal(err.code, VMEX_E_IO);
    assert_non_null(strstr(err.file, "/nonexistent-vmex/findings"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keep_the_best, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exact_margin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_processes_share_the_folder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_orders_by_badness, setup, teardown),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_open_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
