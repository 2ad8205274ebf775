/*
 * jsc_executor.c - vmex-exec-jsc, the executor of target jsc (protocol:
 * proto.h and jsc_proto.h): JavaScriptCore, Debian's libjavascriptcoregtk,
 * with its own allocator (libpas, bmalloc) inside one address window.
 *
 * As linux-real.md §7 measured it:
 *   - determinism: the process comes back once through execv with ASLR off
 *     (personality ADDR_NO_RANDOMIZE; with it on, about one run in eight
 *     placed a libpas chunk elsewhere), GIGACAGE_ENABLED=0 (else
 *     ArrayBuffers live in a cage outside the window), and no helper
 *     threads (JSC_useConcurrentJIT=false, JSC_useConcurrentGC=false,
 *     JSC_numberOfGCMarkers=1: their 8 MiB stacks would land in the
 *     window); libpas's scavenger is off (the exported
 *     pas_scavenger_is_enabled, before JSC starts) and its epoch is a
 *     counter, not the clock (pas_epoch_is_counter: the page-sharing pool
 *     picks pages by it);
 *   - JavaScriptCore starts before confining: its one-time reservations
 *     (the structure heap's 4 GiB aligned piece, the 1 GiB JIT pool) do not
 *     fit a window; a context made, used and dropped warms it up, and
 *     backtrace() and dladdr() are called once so that the unwinder is
 *     loaded outside the window too;
 *   - then confinement (window.c, the same as vmex-exec), and one fork of
 *     the pristine executor per run.  The child makes its context (the
 *     prelude below), runs the program and exits;
 *   - a child that dies of a signal writes its crash record first (the
 *     signal, the faulting address, the symbol there, the frames above it,
 *     the window): pas_panic_on_out_of_memory_error traps (SIGILL) with
 *     nothing printed, the GC's LocalAllocator::allocateSlowCase aborts.
 * The JavaScriptCore ops go through the public C API (JavaScript.h) and two
 * exported debugging functions; the kernel's ops are window.c's, with
 * malloc served by glibc.  The front end (real/jsc.c) judges.
 */
#include <JavaScriptCore/JavaScript.h>
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "real/exec/jsc_proto.h"
#include "real/exec/window.h"

/* exported by libjavascriptcoregtk (libpas's C API and JSC's debugging API) */
extern bool pas_scavenger_is_enabled;
extern bool pas_epoch_is_counter;
extern size_t pas_page_malloc_num_allocated_bytes;
size_t pas_all_heaps_get_num_free_bytes(int heap_lock_hold_mode);   /* 0: pas_lock_is_not_held */
void JSSynchronousGarbageCollectForDebugging(JSContextRef ctx);

/* Nominal bytes a value holds, for what the program holds (live): exact
 * for arraybuffer, string (8-bit characters), array (8-byte elements) and
 * eval (its source); ESTIMATES for objects (a small JSFinalObject cell)
 * and props (an atom string and a property table entry per name). */
#define OBJECT_BYTES 64u
#define PROP_BYTES   64u

/* The helpers every run's context has, made by one evaluation. */
static const char prelude[] =
    "({"
    " s: function (n) { return 'x'.repeat(n); },"
    " a: function (n) { var a = []; for (var i = 0; i < n; i++) a.push(i); return a; },"
    " o: function (n) { var a = []; for (var i = 0; i < n; i++) a.push({i: i}); return a; },"
    " p: function (n, k) { var o = {}; for (var i = 0; i < n; i++) o['p' + (k + i)] = i; return o; },"
    " e: function (n) { var b = 'x=x+1;'; var f = new Function('var x=0;' + b.repeat(Math.max(0, (n - 17) / 6 | 0)) +"
    "                     'return x;'); f(); return f; }"
    "})";
enum { F_STRING, F_ARRAY, F_OBJECTS, F_PROPS, F_EVAL, F_ARRAYBUFFER, F_RANGEERROR, F__COUNT };
static const char *const fnames[F__COUNT] = {"s", "a", "o", "p", "e", "ArrayBuffer", "RangeError"};

static JSGlobalContextRef ctx;
static JSObjectRef fn[F__COUNT];
static vmex_jcrash *C;
static vmex_jres *JR;
static double prop_serial;   /* property names are new across the ops of a run */
static volatile uint64_t fail_req;   /* the last mmap that failed in this op (bytes), 0 */
static size_t pas_base;      /* libpas's mapped bytes before confining: outside the window */
static vmex_jcalls *JC;      /* JavaScriptCore's calls (jsc_proto.h) */
static uint32_t jc_op = VMEX_JCALL_STARTUP;   /* what JavaScriptCore's calls are counted to */
static int in_jsc;           /* 1 while JavaScriptCore runs (start-up, a context, a jsc op) */

/* ------------------------------------------------------------ the request */
/* JavaScriptCore's mmaps (libpas's chunks and large objects) go through the
 * executable's mmap, which takes precedence over the C library's for the
 * library's calls (ELF interposition): the size of a failed one is the
 * request that failed, which a RangeError or a panic does not say.  The
 * C library's own calls (malloc's) and the kernel ops' calls go to the
 * kernel alike.  While JavaScriptCore runs (in_jsc), each mmap and munmap
 * is also logged for `vmex diff --target jsc` (jsc_proto.h vmex_jcalls). */
static void log_call(uint32_t unmap, int prot, int flags, int err, uint64_t len, uint64_t addr)
{
    if (!in_jsc || !JC) return;
    if (JC->n < VMEX_J_MAX_CALLS)
        JC->c[JC->n] = (vmex_jcall){jc_op, unmap, prot, flags, err, 0, len, addr};
    JC->n++;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    long r = syscall(SYS_mmap, addr, len, prot, flags, fd, off);   /* -1 and errno on failure */
    int err = r == -1 ? errno : 0;
    if (r == -1 && errno == ENOMEM) fail_req = len;
    log_call(0, prot, flags, err, len, r == -1 ? 0 : (uint64_t)r);
    if (r == -1) errno = err;
    return r == -1 ? MAP_FAILED : (void *)r;
}

int munmap(void *addr, size_t len)
{
    long r = syscall(SYS_munmap, addr, len);
    int err = r == -1 ? errno : 0;
    log_call(1, 0, 0, err, len, (uint64_t)(uintptr_t)addr);
    if (r == -1) errno = err;
    return (int)r;
}

/* ------------------------------------------------------------ the context */
static JSObjectRef property(JSContextRef c, JSObjectRef o, const char *name)
{
    JSStringRef s = JSStringCreateWithUTF8CString(name);
    JSValueRef v = JSObjectGetProperty(c, o, s, NULL);
    JSStringRelease(s);
    return v && JSValueIsObject(c, v) ? JSValueToObject(c, v, NULL) : NULL;
}

/* A context with the helpers: 0, or -1. */
static int context_begin(JSGlobalContextRef *out)
{
    JSGlobalContextRef c = JSGlobalContextCreate(NULL);
    if (!c) return -1;
    JSStringRef src = JSStringCreateWithUTF8CString(prelude);
    JSValueRef v = JSEvaluateScript(c, src, NULL, NULL, 1, NULL);
    JSStringRelease(src);
    JSObjectRef h = v && JSValueIsObject(c, v) ? JSValueToObject(c, v, NULL) : NULL;
    JSObjectRef global = JSContextGetGlobalObject(c);
    for (int k = 0; k < F__COUNT; k++) {
        fn[k] = h ? property(c, k < F_ARRAYBUFFER ? h : global, fnames[k]) : NULL;
        if (!fn[k]) return -1;
    }
    *out = c;
    return 0;
}

/* ------------------------------------------------------------ ops */
/* the outcome of a call: the value (protected) in *got, or the op failed */
static void outcome(const vmex_xop *op, vmex_xres *r, JSValueRef v, JSValueRef exc, uint64_t bytes, xslot *got)
{
    if (!exc && v) {
        JSValueProtect(ctx, v);   /* held until release (an anonymous value: for good) */
        *got = (xslot){S_JS, (uint64_t)(uintptr_t)v, bytes, bytes};
        if (op->dst < 0) anon_bytes += bytes;
        r->size = bytes;
        return;
    }
    int range = exc && JSValueIsInstanceOfConstructor(ctx, exc, fn[F_RANGEERROR], NULL);
    failed_request(r, ENOMEM, fail_req ? fail_req : bytes);   /* the mapping that failed, else the op's bytes */
    r->why = range ? VMEX_WHY_RANGEERROR : VMEX_WHY_THROW;
    vmex_jres *j = &JR[H->progress];
    j->kfree = r->kfree;
    j->klargest = r->klargest;
    j->pas_free = pas_all_heaps_get_num_free_bytes(0);
    j->pas_mapped = pas_page_malloc_num_allocated_bytes - pas_base;
}

static JSValueRef call(int f, double a, double b, JSValueRef *exc)
{
    JSValueRef args[2] = {JSValueMakeNumber(ctx, a), JSValueMakeNumber(ctx, b)};
    if (f == F_ARRAYBUFFER) return JSObjectCallAsConstructor(ctx, fn[f], 1, args, exc);
    return JSObjectCallAsFunction(ctx, fn[f], NULL, f == F_PROPS ? 2 : 1, args, exc);
}

static void js_op(const vmex_xop *op, vmex_xres *r, xslot *src, xslot *got, uint64_t n, int count)
{
    JSValueRef exc = NULL, v = NULL;
    if ((count && n > VMEX_JSC_MAX_COUNT) || (op->kind == VMEX_OP_EVAL && n > VMEX_JSC_MAX_EVAL) ||
        n >= (1ull << 53)) {
        r->status = VMEX_ST_FAILED;
        r->why = VMEX_WHY_BADRANGE;
        return;
    }
    switch (op->kind) {
    case VMEX_OP_ARRAYBUFFER:
        v = call(F_ARRAYBUFFER, (double)n, 0, &exc);
        outcome(op, r, v, exc, n, got);
        break;
    case VMEX_OP_STRING:
        v = call(F_STRING, (double)n, 0, &exc);
        outcome(op, r, v, exc, n, got);
        break;
    case VMEX_OP_ARRAY:
        v = call(F_ARRAY, (double)(n / 8), 0, &exc);
        outcome(op, r, v, exc, n / 8 * 8, got);
        break;
    case VMEX_OP_OBJECTS:
        v = call(F_OBJECTS, (double)n, 0, &exc);
        outcome(op, r, v, exc, n * OBJECT_BYTES, got);
        break;
    case VMEX_OP_PROPS:
        v = call(F_PROPS, (double)n, prop_serial, &exc);
        prop_serial += (double)n;
        outcome(op, r, v, exc, n * PROP_BYTES, got);
        break;
    case VMEX_OP_EVAL:
        v = call(F_EVAL, (double)n, 0, &exc);
        outcome(op, r, v, exc, n, got);
        break;
    case VMEX_OP_RELEASE:
        if (src->kind != S_JS) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_KIND;
            break;
        }
        JSValueUnprotect(ctx, (JSValueRef)(uintptr_t)src->addr);
        r->size = src->req;
        src->kind = S_NONE;
        break;
    case VMEX_OP_GC:
        JSSynchronousGarbageCollectForDebugging(ctx);
        break;
    default:
        r->status = VMEX_ST_FAILED;
        r->why = VMEX_WHY_KIND;
    }
}

void x_extra_op(const vmex_xop *op, vmex_xres *r, xslot *src, xslot *got)
{
    fail_req = 0;
    jc_op = H->progress;
    in_jsc = 1;
    js_op(op, r, src, got, op->size, op->kind == VMEX_OP_OBJECTS || op->kind == VMEX_OP_PROPS);
    in_jsc = 0;
}

/* malloc ops: glibc, one arena (linux-real.md §3) */
void *x_malloc(size_t n) { return malloc(n); }
void *x_realloc(void *p, size_t n) { return realloc(p, n); }
void x_free(void *p) { free(p); }

void x_child_begin(void)
{
    mallopt(M_ARENA_MAX, 1);
    memset(C, 0, sizeof *C);
    prop_serial = 0;
    JC->n = JC->startup;   /* the start-up's calls stay; the last run's go */
    jc_op = VMEX_JCALL_CONTEXT;
    in_jsc = 1;
    if (context_begin(&ctx)) abort();   /* a crash at the first op: no context */
    in_jsc = 0;
}

/* ------------------------------------------------------------ the crash record */
/* "_ZN3WTF16fastZeroedMallocEm" -> "WTF::fastZeroedMalloc": the nested or
 * plain name only (no arguments, templates or special names); anything
 * else is copied as it is. */
static void demangle(const char *m, char *out, size_t n)
{
    size_t at = 0;
    const char *p = m;
    if (strncmp(p, "_Z", 2)) goto raw;
    p += 2;
    int nested = *p == 'N';
    if (nested) p++;
    while (*p == 'K' || *p == 'V' || *p == 'r') p++;   /* cv-qualifiers of a member function */
    do {
        if (*p < '1' || *p > '9') break;
        size_t len = 0;
        while (*p >= '0' && *p <= '9') len = len * 10 + (size_t)(*p++ - '0');
        if (strnlen(p, len) < len) goto raw;
        if (at && at + 2 < n) out[at++] = ':', out[at++] = ':';
        for (size_t i = 0; i < len && at + 1 < n; i++) out[at++] = p[i];
        p += len;
    } while (nested && *p != 'E');
    if (at) {
        out[at] = '\0';
        return;
    }
raw:
    snprintf(out, n, "%s", m);
}

/* The functions JavaScriptCore exports, by address (made before confining):
 * a frame in a function it does not export (Debian strips the rest) whose
 * nearest exported function below is libpas's (pas_, bmalloc_) is libpas's
 * own code, named after it with the offset; any other is named by its
 * object and offset (the nearest name would mislead). */
typedef struct fsym { uint64_t addr; const char *name; } fsym;
static fsym *fsyms;
static size_t nfsyms;

static int by_addr(const void *a, const void *b)
{
    uint64_t x = ((const fsym *)a)->addr, y = ((const fsym *)b)->addr;
    return x < y ? -1 : x > y;
}

/* the dynamic symbol table of the object that holds addr (its .dynsym runs
 * up to its .dynstr, as the linker lays them out) */
static void load_symbols(const void *addr)
{
    Dl_info di;
    struct link_map *lm = NULL;
    if (!dladdr1(addr, &di, (void **)&lm, RTLD_DL_LINKMAP) || !lm) return;
    const ElfW(Sym) *sym = NULL;
    const char *str = NULL;
    for (const ElfW(Dyn) *d = lm->l_ld; d->d_tag != DT_NULL; d++) {
        if (d->d_tag == DT_SYMTAB) sym = (const ElfW(Sym) *)d->d_un.d_ptr;
        if (d->d_tag == DT_STRTAB) str = (const char *)d->d_un.d_ptr;
    }
    if (!sym || !str || (const char *)sym >= str) return;
    size_t n = (size_t)(str - (const char *)sym) / sizeof *sym;
    if (!(fsyms = malloc(n * sizeof *fsyms))) return;
    for (size_t i = 0; i < n; i++)
        if (ELF64_ST_TYPE(sym[i].st_info) == STT_FUNC && sym[i].st_value)
            fsyms[nfsyms++] = (fsym){lm->l_addr + sym[i].st_value, str + sym[i].st_name};
    qsort(fsyms, nfsyms, sizeof *fsyms, by_addr);
}

/* A frame's function ("WTF::fastZeroedMalloc"), else inside libpas the
 * nearest exported one below it and the offset ("pas_foo+0x1a2"), else the
 * object and the offset ("libfoo.so.0+0x1a2b"). */
static void frame_name(uint64_t a, char *out, size_t n)
{
    Dl_info di;
    if (!dladdr((void *)(uintptr_t)a, &di)) {
        snprintf(out, n, "?");
        return;
    }
    if (di.dli_sname) {
        demangle(di.dli_sname, out, n);
        return;
    }
    size_t lo = 0, hi = nfsyms;   /* the last symbol at or below a */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (fsyms[mid].addr <= a) lo = mid + 1;
        else hi = mid;
    }
    const char *near = lo ? fsyms[lo - 1].name : "";
    if (!strncmp(near, "pas_", 4) || !strncmp(near, "bmalloc_", 8)) {
        snprintf(out, n, "%.48s+0x%llx", near, (unsigned long long)(a - fsyms[lo - 1].addr));
        return;
    }
    const char *f = di.dli_fname ? strrchr(di.dli_fname, '/') : NULL;
    snprintf(out, n, "%.48s+0x%llx", f ? f + 1 : di.dli_fname ? di.dli_fname : "?",
             (unsigned long long)(a - (uint64_t)(uintptr_t)di.dli_fbase));
}

void x_on_crash(int sig, siginfo_t *si, void *uc)
{
    if (!C || C->sig) return;
    uint64_t pc = (uint64_t)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
    C->sig = (uint32_t)sig;
    C->op = H->progress;
    C->pc = pc;
    Dl_info di;
    if (dladdr((void *)(uintptr_t)pc, &di) && di.dli_sname) snprintf(C->sym, sizeof C->sym, "%s", di.dli_sname);
    void *bt[64];
    int nb = backtrace(bt, 64), k = 0;
    while (k < nb && (uint64_t)(uintptr_t)bt[k] != pc) k++;   /* the interrupted frame */
    if (k == nb) k = 0;
    for (int i = k; i < nb && C->nframes < VMEX_J_FRAMES; i++)   /* callers: their call instruction */
        frame_name((uint64_t)(uintptr_t)bt[i] - (i > k), C->frames[C->nframes++], VMEX_J_SYMLEN);
    scan s;
    if (window_scan(&s, 0) == 0) {
        C->kfree = s.free;
        C->klargest = s.largest;
        C->live = s.held + anon_bytes + live_blocks();
    }
    C->pas_mapped = pas_page_malloc_num_allocated_bytes - pas_base;
    C->req = fail_req;
}

/* ------------------------------------------------------------ start-up */
static const char *const settings[][2] = {
    {"GIGACAGE_ENABLED", "0"},
    {"JSC_useConcurrentJIT", "false"},
    {"JSC_useConcurrentGC", "false"},
    {"JSC_numberOfGCMarkers", "1"},
};
#define NSETTINGS (sizeof settings / sizeof settings[0])

static int settings_in_force(void)
{
    if (!(personality(0xffffffff) & ADDR_NO_RANDOMIZE)) return 0;
    for (size_t i = 0; i < NSETTINGS; i++) {
        const char *v = getenv(settings[i][0]);
        if (!v || strcmp(v, settings[i][1])) return 0;
    }
    return 1;
}

static int fail(const char *a, const char *b)
{
    say_error(a, b);
    reply('E');
    return 1;
}

int main(int argc, char **argv)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1) return 1;
    signal(SIGPIPE, SIG_IGN);
    if (argc != 2) return 2;
    window = strtoull(argv[1], NULL, 10);
    allocator = VMEX_ALLOC_GLIBC;
    if (x_attach(VMEX_JSHM_SIZE)) return 3;
    if (!settings_in_force()) {   /* come back once with them */
        if (getenv("VMEX_JSC_REEXEC")) return fail("cannot turn ASLR off (personality ADDR_NO_RANDOMIZE)", "");
        for (size_t i = 0; i < NSETTINGS; i++) setenv(settings[i][0], settings[i][1], 1);
        setenv("VMEX_JSC_REEXEC", "1", 1);
        if (personality((unsigned long)personality(0xffffffff) | ADDR_NO_RANDOMIZE) < 0)
            return fail("cannot turn ASLR off: ", strerror(errno));
        execv("/proc/self/exe", argv);
        return fail("cannot restart with the JavaScriptCore settings: ", strerror(errno));
    }
    /* bmalloc says on stderr that the Gigacage is off, and JavaScriptCore
     * may print before it traps: the front end's output is its own */
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, 2);
        close(null);
    }
    C = (vmex_jcrash *)(SHM + VMEX_JCRASH_OFF);
    JR = (vmex_jres *)(SHM + VMEX_JRES_OFF);
    JC = (vmex_jcalls *)(SHM + VMEX_JCALLS_OFF);
    JC->n = 0;
    in_jsc = 1;   /* the start-up: JavaScriptCore's one-time reservations */
    pas_scavenger_is_enabled = false;
    pas_epoch_is_counter = true;
    /* warm up outside the window: JSC's one-time reservations, the helpers
     * run once, a collection, the unwinder and dladdr */
    JSGlobalContextRef warm;
    if (context_begin(&warm)) return fail("JavaScriptCore did not start", "");
    ctx = warm;
    for (int k = 0; k < F_ARRAYBUFFER; k++) {
        JSValueRef exc = NULL;
        call(k, 64, 0, &exc);
    }
    JSSynchronousGarbageCollectForDebugging(warm);
    JSGlobalContextRelease(warm);
    ctx = NULL;
    void *bt[4];
    backtrace(bt, 4);
    load_symbols((const void *)&JSGlobalContextCreate);
    char name[VMEX_J_SYMLEN];
    frame_name((uint64_t)(uintptr_t)&JSGlobalContextCreate, name, sizeof name);
    H->thp = (uint32_t)thp_probe();
    H->max_map_count = (uint32_t)read_num_file("/proc/sys/vm/max_map_count", 65530);
    static const int fatal[] = {SIGILL, SIGTRAP, SIGABRT, SIGFPE};
    x_signals(fatal, 4);
    pas_base = pas_page_malloc_num_allocated_bytes;
    in_jsc = 0;
    JC->startup = JC->n < VMEX_J_MAX_CALLS ? JC->n : VMEX_J_MAX_CALLS;
    JC->n = JC->startup;
    if (x_confine_window()) return 1;
    x_serve(1);
}
