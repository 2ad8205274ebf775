/*
 * afl_mutator.c - vmex's structure-aware mutator as an AFL++ custom mutator
 * library (AFL_CUSTOM_MUTATOR_LIBRARY=libvmex_afl_mutator.so).
 *
 * The same vmex_mutate()/vmex_crossover() the libFuzzer build uses; the
 * profile comes from VMEX_PROFILE / VMEX_ENTITLEMENTS or the input header,
 * exactly as in fuzz_xnu.  AFL++'s own havoc stages still run beside it.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"

typedef struct state {
    unsigned seed;
    vmex_fuzz_env env;
    vmex_model *scratch;
    uint8_t *buf;
    size_t cap;
} state;

void *afl_custom_init(void *afl, unsigned int seed)
{
    state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->seed = seed;
    vmex_error err = {0};
    if (vmex_fuzz_env_read(-1, &s->env, &err)) {   /* the target reports the same error and stops */
        free(s);
        return NULL;
    }
    s->scratch = vmex_model_new(VMEX_STORE_FAST);
    if (!s->scratch) {
        free(s);
        return NULL;
    }
    return s;
}

size_t afl_custom_fuzz(void *data, unsigned char *buf, size_t buf_size, unsigned char **out_buf,
                       unsigned char *add_buf, size_t add_buf_size, size_t max_size)
{
    state *s = data;
    if (s->cap < max_size) {
        uint8_t *nb = realloc(s->buf, max_size);
        if (!nb) {
            *out_buf = buf;
            return buf_size;
        }
        s->buf = nb;
        s->cap = max_size;
    }
    vmex_layout L;
    s->seed = s->seed * 1103515245u + 12345u;
    if (vmex_mutation_layout(buf, buf_size, &s->env, &L)) {
        *out_buf = buf;
        return buf_size;
    }
    size_t n;
    if (add_buf && add_buf_size && (s->seed >> 16) % 4 == 0)
        n = vmex_crossover(buf, buf_size, add_buf, add_buf_size, s->buf, max_size, s->seed, &L);
    else {
        n = buf_size < max_size ? buf_size : max_size;
        memcpy(s->buf, buf, n);
        n = vmex_mutate(s->buf, n, max_size, s->seed, &L, s->scratch);
    }
    *out_buf = s->buf;
    return n;
}

void afl_custom_deinit(void *data)
{
    state *s = data;
    vmex_model_free(s->scratch);
    free(s->buf);
    free(s);
}
