/*
 * lex.c - the line lexer shared by vmex's text formats (.vmex programs,
 * .vmexw workloads).
 *
 * Lines end with LF; a line may not end in CR (a CRLF file is an error),
 * hold control bytes other than tab, or non-ASCII bytes outside a comment
 * (comments may hold UTF-8).  `#` starts a comment.  Tokens are separated
 * by spaces and tabs; columns count bytes from 1.  Every error is located:
 * the lexer fills err with the line and column.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/core.h"
#include "lang/lex.h"

int _vmex_lex_vfail(vmex_lexer *lx, int col, const char *fmt, va_list ap)
{
    vsnprintf(lx->err->msg, sizeof lx->err->msg, fmt, ap);
    lx->err->line = lx->line;
    lx->err->col = col;
    return -1;
}

int _vmex_lex_fail(vmex_lexer *lx, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _vmex_lex_vfail(lx, col, fmt, ap);
    va_end(ap);
    return -1;
}

int _vmex_lex_need(vmex_lexer *lx, int i, const char *what, const char *arg)
{
    return i < lx->nt ? 0 : _vmex_lex_fail(lx, _vmex_lex_endcol(lx, i), "%s needs %s", what, arg);
}

/* a token's length as a message quotes it (show 0: whole) */
static int shown(const vmex_lexer *lx, const vmex_tok *t)
{
    return lx->show > 0 && t->len > lx->show ? lx->show : t->len;
}

int _vmex_lex_unexpected(vmex_lexer *lx, int i)
{
    const vmex_tok *t = &lx->t[i];
    return _vmex_lex_fail(lx, t->col, "unexpected '%.*s'", shown(lx, t), t->s);
}

int _vmex_lex_version(vmex_lexer *lx, const char *keyword, const char *reads)
{
    const vmex_tok *t = lx->t;
    if (!vmex_tok_is(&t[0], keyword))
        return _vmex_lex_fail(lx, t[0].col, "expected '%s 1' first", keyword);
    if (_vmex_lex_need(lx, 1, keyword, "a version") < 0)
        return -1;
    if (!vmex_tok_is(&t[1], "1"))
        return _vmex_lex_fail(lx, t[1].col, "unsupported version %.*s (this vmex reads %s)", shown(lx, &t[1]),
                              t[1].s, reads);
    return lx->nt > 2 ? _vmex_lex_unexpected(lx, 2) : 0;
}

/* Check the bytes of one line (s, n: without its LF; lf: an LF follows)
 * and split it into tokens in lx->buf. */
static int lex_line(vmex_lexer *lx, const char *s, size_t n, int lf)
{
    size_t check = n > VMEX_LEX_LINE ? VMEX_LEX_LINE : n;
    int comment = 0;   /* comments may hold UTF-8 text; code is ASCII */
    for (size_t i = 0; i < check; i++) {
        uint8_t c = (uint8_t)s[i];
        comment |= c == '#';
        if (c == '\r' && i + 1 == n && lf)
            return _vmex_lex_fail(lx, (int)i + 1, "CRLF line ending (this format uses LF)");
        if ((c < 0x20 && c != '\t') || c == 0x7f || (c >= 0x80 && !comment))
            return _vmex_lex_fail(lx, (int)i + 1, "invalid byte 0x%02x", c);
    }
    if (n > VMEX_LEX_LINE)
        return _vmex_lex_fail(lx, VMEX_LEX_LINE + 1, "line too long (the limit is %d bytes)", VMEX_LEX_LINE);
    memcpy(lx->buf, s, n);
    lx->buf[n] = '\0';
    lx->nt = 0;
    for (size_t i = 0; i < n;) {
        char c = lx->buf[i];
        if (c == '#')
            break;
        if (c == ' ' || c == '\t') {
            i++;
            continue;
        }
        if (lx->nt == VMEX_LEX_TOKS)
            return _vmex_lex_fail(lx, (int)i + 1, "too many words on a line (the limit is %d)", VMEX_LEX_TOKS);
        size_t j = i;
        while (j < n && lx->buf[j] != ' ' && lx->buf[j] != '\t' && lx->buf[j] != '#')
            j++;
        lx->t[lx->nt++] = (vmex_tok){lx->buf + i, (int)(j - i), (int)i + 1};
        int hash = j < n && lx->buf[j] == '#';
        lx->buf[j] = '\0';
        if (hash)
            break;
        i = j + 1;
    }
    return 0;
}

int _vmex_lex(vmex_lexer *lx, const char *text, size_t len, int (*on_line)(void *ctx), void *ctx)
{
    int rc = 0;
    for (size_t pos = 0; rc == 0 && pos < len;) {
        const char *s = text + pos, *lf = memchr(s, '\n', len - pos);
        size_t n = lf ? (size_t)(lf - s) : len - pos;
        if (lx->line == INT_MAX)
            return _vmex_lex_fail(lx, 1, "too many lines");
        lx->line++;
        rc = lex_line(lx, s, n, lf != NULL);
        if (rc == 0 && lx->nt)
            rc = on_line(ctx);
        pos += n + 1;
    }
    return rc;
}
