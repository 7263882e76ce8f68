/* dissect-banner.c: SSH identification lines (RFC 4253 4.2) and HTTP/1.x request and status lines (RFC 9112 3, 4). */
#include <stdlib.h>
#include <string.h>

#include "dissect-banner.h"
#include "util-bytes.h"
#include "util-str.h"

#define PRE_LINES_MAX 16   /* lines an SSH server may send before its identification */

/* RFC 9110 9.3 methods (and PATCH, RFC 5789). */
static const char *const http_methods[] = {
    "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "CONNECT", "PATCH", "TRACE",
};

/* Next byte without consuming it, or -1 at the end. */
static int peek(const struct ea_cur *c)
{
    return ea_cur_has(c, 1) ? c->b[c->off] : -1;
}

/* 1 when the next bytes are exactly lit (case-sensitive), without consuming them. */
static int starts(const struct ea_cur *c, const char *lit)
{
    size_t m = strlen(lit);
    return ea_cur_has(c, m) && memcmp(c->b + c->off, lit, m) == 0;
}

/*
 * Takes the next line off c: 'line' covers it without CR LF (a bare LF is
 * tolerated). Returns 1 when it ended in LF, 0 when the data ran out first.
 */
static int next_line(struct ea_cur *c, struct ea_cur *line)
{
    size_t left = ea_cur_left(c);
    const uint8_t *p = left ? c->b + c->off : NULL;
    const uint8_t *lf = p ? memchr(p, '\n', left) : NULL;

    if (!lf) {
        /* A CR at the very end is the cut line end, not line content. */
        *line = ea_cur_sub(c, left > 0 && p[left - 1] == '\r' ? left - 1 : left);
        ea_cur_skip(c, ea_cur_left(c));
        return 0;
    }
    size_t n = (size_t)(lf - p);
    int cr = n > 0 && p[n - 1] == '\r';
    *line = ea_cur_sub(c, cr ? n - 1 : n);
    ea_cur_skip(c, cr ? 2 : 1);
    return 1;
}

/* Keeps the whole line as the banner text; 'cut' says the data may have cut it short. */
static void keep_line(struct ea_banner_info *b, int kind, const struct ea_cur *line, int cut)
{
    struct ea_cur l = *line;
    size_t n = ea_cur_left(&l);
    const uint8_t *p = ea_cur_ptr(&l, n);

    b->kind = (uint8_t)kind;
    b->str_truncated = (uint8_t)(ea_str_sanitize(b->text, EA_BANNER_CAP, p, p ? n : 0) || cut);
}

/*
 * RFC 4253 4.2: SSH-protoversion-softwareversion SP comments CR LF, where
 * protoversion is "2.0", or "1.99" for a server that also speaks SSH 1. The
 * server may send other lines first; they must not start with "SSH-".
 */
static int ssh_ident(struct ea_banner_info *b, int dir, const uint8_t *data, size_t len)
{
    struct ea_cur c, line;
    ea_cur_init(&c, data, len);

    for (int i = 0; i < PRE_LINES_MAX && ea_cur_left(&c) > 0; i++) {
        int ended = next_line(&c, &line);
        if (starts(&line, "SSH-")) {
            if (!starts(&line, "SSH-2.0-") && !starts(&line, "SSH-1.99-"))
                return 0;
            keep_line(b, EA_BANNER_SSH, &line, !ended);
            return 1;
        }
        /* Only a server precedes its identification with other (whole, NUL-free) lines. */
        if (dir != EA_DIR_S2C || !ended)
            return 0;
        size_t n = ea_cur_left(&line);
        if (memchr(ea_cur_ptr(&line, n), '\0', n))
            return 0;
    }
    return 0;
}

/* RFC 9112 2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT; only 1.0 and 1.1 here. */
static int http_version(struct ea_cur *c)
{
    if (!starts(c, "HTTP/1.0") && !starts(c, "HTTP/1.1"))
        return 0;
    ea_cur_skip(c, 8);
    return 1;
}

/*
 * RFC 9112 3: request-line = method SP request-target SP HTTP-version, and
 * RFC 9112 4: status-line = HTTP-version SP status-code SP [ reason-phrase ].
 */
static int http_start(struct ea_banner_info *b, const uint8_t *data, size_t len)
{
    struct ea_cur c, line;
    ea_cur_init(&c, data, len);

    /* RFC 9112 2.2: empty lines before a request-line are ignored. */
    while (peek(&c) == '\r' || peek(&c) == '\n')
        ea_cur_skip(&c, 1);
    int ended = next_line(&c, &line);
    struct ea_cur l = line;

    if (http_version(&l)) {
        if (ea_cur_u8(&l) != ' ')
            return 0;
        for (int i = 0; i < 3; i++) {
            uint8_t d = ea_cur_u8(&l);
            if (l.err || d < '0' || d > '9' || (i == 0 && d < '1'))
                return 0;
        }
        int ch = peek(&l);
        if (ch >= 0 && ch != ' ')
            return 0;
        keep_line(b, EA_BANNER_HTTP, &line, !ended);   /* the reason may go on */
        return 1;
    }

    size_t i, ml = 0;
    for (i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++) {
        ml = strlen(http_methods[i]);
        if (starts(&l, http_methods[i]) && ea_cur_has(&l, ml + 1) && l.b[l.off + ml] == ' ')
            break;
    }
    if (i == sizeof(http_methods) / sizeof(http_methods[0]))
        return 0;
    ea_cur_skip(&l, ml + 1);
    size_t ts = l.off;
    for (int ch = peek(&l); ch > ' ' && ch != 0x7F; ch = peek(&l))
        ea_cur_skip(&l, 1);
    if (l.off == ts || ea_cur_u8(&l) != ' ' || !http_version(&l) || ea_cur_left(&l) != 0)
        return 0;
    /* Nothing may follow the version: the request-line is whole, CR LF or not. */
    keep_line(b, EA_BANNER_HTTP, &line, 0);
    return 1;
}

/*
 * Looks at the first bytes of one stream direction. 'info' is caller-owned
 * and written only on DONE (NULL just classifies); the text is the line
 * without CR LF, sanitised, and str_truncated says it was cut by the cap or
 * by the end of the data.
 */
enum ea_dis_rc ea_banner_parse(struct ea_banner_info *info, int dir, const uint8_t *data, size_t len)
{
    struct ea_banner_info tmp;
    enum ea_dis_rc rc = EA_DIS_NOT_MINE;

    memset(&tmp, 0, sizeof(tmp));
    if (!ssh_ident(&tmp, dir, data, len) && !http_start(&tmp, data, len))
        goto out;
    if (info)
        *info = tmp;
    rc = EA_DIS_DONE;
out:
    return rc;
}

struct ea_banner_info *ea_banner_info_new(void)
{
    return calloc(1, sizeof(struct ea_banner_info));
}

void ea_banner_info_free(struct ea_banner_info *b)
{
    free(b);
}

int ea_banner_matched(const struct ea_banner_info *b)
{
    return b && b->kind;
}
