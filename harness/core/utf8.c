/*
 * utf8.c - UTF-8 decoding and the escaping loop (utf8.h).
 */
#include <string.h>

#include "core/utf8.h"

size_t vmex_utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2; v = c & 0x1f; min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3; v = c & 0x0f; min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4; v = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

int vmex_utf8_escape(vmex_buf *b, const char *s, vmex_utf8_map map)
{
    const unsigned char *p = (const unsigned char *)s, *run = p;   /* run: bytes kept as they are */
    size_t n = strlen(s);
    int rc = 0;
    while (n && rc == 0) {
        uint32_t cp = 0;
        char tmp[16];
        size_t k = vmex_utf8_len(p, n, &cp);
        const char *rep = map(cp, k == 0, tmp);
        if (k == 0)
            k = 1;
        if (rep) {
            rc = vmex_buf_put(b, run, (size_t)(p - run));
            if (rc == 0)
                rc = vmex_buf_put(b, rep, strlen(rep));
            run = p + k;
        }
        p += k;
        n -= k;
    }
    return rc ? rc : vmex_buf_put(b, run, (size_t)(p - run));
}
