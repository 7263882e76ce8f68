/* dissect-sip.c: SIP start line and top Via / From / To headers, with compact forms and folding (RFC 3261). */
#include <stdlib.h>
#include <string.h>

#include "dissect-sip.h"
#include "util-bytes.h"
#include "util-str.h"

#define METHOD_MAX 32     /* a longer first token is not taken for a SIP method */
#define VALUE_CAP 1024    /* unfolded header value kept for parsing; the rest counts as cut */

/* How far a start line matched. */
enum sl_rc { SL_NO, SL_PREFIX, SL_REQUEST, SL_STATUS };

/* One parse's findings, merged into the caller's info only on DONE. */
struct sip_found {
    struct ea_sip_info v;
    uint8_t t_method, t_via, t_from, t_to;   /* per-field truncation */
    uint8_t via_seen, from_seen, to_seen;    /* first header of each kind only */
};

/* RFC 3261 27.4 methods (and the RFCs extending it) plus Lync's SERVICE, NEGOTIATE, BENOTIFY. */
static const char *const known_methods[] = {
    "INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "PRACK", "SUBSCRIBE",
    "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE",
    "SERVICE", "NEGOTIATE", "BENOTIFY",
};

/* Next byte without consuming it, or -1 at the end. */
static int peek(const struct ea_cur *c)
{
    /* has() implies a non-NULL b; clang-analyzer loses that after a failed skip. */
    return ea_cur_has(c, 1) ? c->b[c->off] : -1;   /* NOLINT(clang-analyzer-core.NullDereference) */
}

/* RFC 3261 25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"). */
static int is_token(int ch)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
        return 1;
    return ch > 0 && strchr("-.!%*_+`'~", ch) != NULL;
}

static int is_wsp(int ch)
{
    return ch == ' ' || ch == '\t';
}

static int lower(int ch)
{
    return (ch >= 'A' && ch <= 'Z') ? ch + ('a' - 'A') : ch;
}

static void skip_wsp(struct ea_cur *c)
{
    while (is_wsp(peek(c)))
        ea_cur_skip(c, 1);
}

/*
 * Compares the next bytes with lit, ignoring case, without consuming them.
 * Returns 2 on a full match, 1 when the bytes end while still matching, 0 on
 * a mismatch.
 */
static int match_ci(const struct ea_cur *c, const char *lit)
{
    size_t left = ea_cur_left(c), m = strlen(lit);
    size_t k = left < m ? left : m;
    for (size_t i = 0; i < k; i++)
        if (lower(c->b[c->off + i]) != lower((unsigned char)lit[i]))
            return 0;
    return k == m ? 2 : 1;
}

/*
 * Takes the next line off c: 'line' covers it without its CR LF (a bare LF
 * is tolerated). Returns 1 when the line ended with LF, 0 when the data ran
 * out first (then 'line' covers the rest and c is empty).
 */
static int next_line(struct ea_cur *c, struct ea_cur *line)
{
    size_t left = ea_cur_left(c), n = 0;
    const uint8_t *p = left ? c->b + c->off : NULL;
    const uint8_t *lf = p ? memchr(p, '\n', left) : NULL;

    if (!lf) {
        *line = ea_cur_sub(c, left);
        return 0;
    }
    n = (size_t)(lf - p);
    *line = ea_cur_sub(c, n > 0 && p[n - 1] == '\r' ? n - 1 : n);
    if (n > 0 && p[n - 1] == '\r')
        ea_cur_skip(c, 1);
    ea_cur_skip(c, 1);                    /* the LF */
    return 1;
}

/* Copies the rest of src into the cap and reports truncation. */
static int copy_rest(char *dst, size_t cap, struct ea_cur *src, size_t n)
{
    const uint8_t *p = ea_cur_ptr(src, n);
    return ea_str_sanitize(dst, cap, p, p ? n : 0);
}

static int known_method(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < sizeof(known_methods) / sizeof(known_methods[0]); i++)
        if (strlen(known_methods[i]) == n && memcmp(known_methods[i], p, n) == 0)
            return 1;
    return 0;
}

/*
 * RFC 3261 7.2: Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF.
 * 'c' is positioned after "SIP/2.0 ".
 */
static enum sl_rc status_line(struct ea_cur *c, int ended, struct sip_found *f)
{
    unsigned code = 0;
    for (int i = 0; i < 3; i++) {
        int ch = peek(c);
        if (ch < 0)
            return ended ? SL_NO : SL_PREFIX;
        if (ch < '0' || ch > '9' || (i == 0 && (ch < '1' || ch > '6')))
            return SL_NO;
        code = code * 10 + (unsigned)(ch - '0');
        ea_cur_skip(c, 1);
    }
    int ch = peek(c);
    if (ch < 0 && !ended)
        return SL_PREFIX;
    if (ch >= 0 && ch != ' ' && ch != '\r')   /* an empty reason may lack its SP */
        return SL_NO;
    f->v.response = 1;
    f->v.status = (uint16_t)code;
    return SL_STATUS;
}

/* RFC 3261 7.1: Request-Line = Method SP Request-URI SP SIP-Version CRLF. */
static enum sl_rc request_line(struct ea_cur *c, int ended, struct sip_found *f)
{
    size_t start = c->off, mlen;
    while (is_token(peek(c)) && c->off - start <= METHOD_MAX)
        ea_cur_skip(c, 1);
    mlen = c->off - start;
    if (mlen == 0 || mlen > METHOD_MAX)
        return SL_NO;
    if (peek(c) < 0)
        return ended ? SL_NO : SL_PREFIX;
    if (peek(c) != ' ')
        return SL_NO;
    const uint8_t *method = c->b + start;
    int known = known_method(method, mlen);
    ea_cur_skip(c, 1);

    /* An unknown method must at least aim at a SIP or tel URI (RFC 3261 19.1, RFC 3966). */
    if (!known) {
        int m = match_ci(c, "sip:"), s = match_ci(c, "sips:"), t = match_ci(c, "tel:");
        if (m == 0 && s == 0 && t == 0)
            return SL_NO;
        if (m != 2 && s != 2 && t != 2)
            return ended ? SL_NO : SL_PREFIX;
    }
    size_t ustart = c->off;
    for (int ch = peek(c); ch > ' ' && ch != 0x7F; ch = peek(c))
        ea_cur_skip(c, 1);
    if (c->off == ustart)
        return peek(c) < 0 && !ended ? SL_PREFIX : SL_NO;
    if (peek(c) < 0)
        return ended ? SL_NO : SL_PREFIX;
    if (peek(c) != ' ')
        return SL_NO;
    ea_cur_skip(c, 1);

    int v = match_ci(c, "SIP/2.0");
    if (v == 1 || (v == 2 && ea_cur_left(c) == 7 && !ended))
        return SL_PREFIX;
    if (v == 0)
        return SL_NO;
    ea_cur_skip(c, 7);
    if (peek(c) >= 0 && peek(c) != '\r')
        return SL_NO;
    f->v.request = 1;
    struct ea_cur m;
    ea_cur_init(&m, method, mlen);
    f->t_method = (uint8_t)copy_rest(f->v.method, sizeof(f->v.method) - 1, &m, mlen);
    return SL_REQUEST;
}

/* Dispatches on the start of the line: "SIP/2.0 " opens a status line. */
static enum sl_rc start_line(struct ea_cur *line, int ended, struct sip_found *f)
{
    int st = match_ci(line, "SIP/2.0 ");
    if (st == 2) {
        ea_cur_skip(line, 8);
        return status_line(line, ended, f);
    }
    if (st == 1 && !ended)
        return SL_PREFIX;
    return request_line(line, ended, f);
}

/*
 * RFC 3261 20.42 / 25.1: via-parm = sent-protocol LWS sent-by, where
 * sent-protocol = protocol-name SLASH protocol-version SLASH transport and
 * SLASH = SWS "/" SWS. Only the first value of the top Via counts.
 */
static void parse_via(struct ea_cur *v, int complete, struct sip_found *f)
{
    size_t s;
    skip_wsp(v);
    if (match_ci(v, "SIP") != 2)
        return;
    ea_cur_skip(v, 3);
    skip_wsp(v);
    if (peek(v) != '/')
        return;
    ea_cur_skip(v, 1);
    skip_wsp(v);
    s = v->off;
    while (is_token(peek(v)))
        ea_cur_skip(v, 1);
    if (v->off - s != 3 || v->b[s] != '2' || v->b[s + 1] != '.' || v->b[s + 2] != '0')
        return;
    skip_wsp(v);
    if (peek(v) != '/')
        return;
    ea_cur_skip(v, 1);
    skip_wsp(v);
    s = v->off;
    while (is_token(peek(v)))
        ea_cur_skip(v, 1);
    size_t n = v->off - s;
    /* A token that runs into the end of a cut value may itself be cut. */
    if (n == 0 || (peek(v) < 0 && !complete))
        return;
    struct ea_cur t;
    ea_cur_init(&t, v->b + s, n);
    f->t_via = (uint8_t)copy_rest(f->v.via_transport, sizeof(f->v.via_transport) - 1, &t, n);
    for (char *q = f->v.via_transport; *q; q++)
        if (*q >= 'a' && *q <= 'z')
            *q = (char)(*q - ('a' - 'A'));
}

/*
 * Host of a sip: or sips: URI held in u (RFC 3261 19.1.1:
 * sip:user:password@host:port;uri-parameters?headers). 'delimited' says
 * whether u's end is a real end of the URI rather than the capture's.
 * Returns 1 and sets h/hn when a whole host was found.
 */
static int uri_host(struct ea_cur *u, int delimited, const uint8_t **h, size_t *hn)
{
    if (match_ci(u, "sip:") == 2)
        ea_cur_skip(u, 4);
    else if (match_ci(u, "sips:") == 2)
        ea_cur_skip(u, 5);
    else
        return 0;                           /* tel: and others carry no host */
    size_t left = ea_cur_left(u);
    const uint8_t *p = left ? u->b + u->off : NULL;
    const uint8_t *at = p ? memchr(p, '@', left) : NULL;
    if (at)
        ea_cur_skip(u, (size_t)(at - p) + 1);   /* drop the userinfo */

    if (peek(u) == '[') {                   /* RFC 3261 25.1: IPv6reference */
        ea_cur_skip(u, 1);
        size_t s = u->off;
        while (peek(u) >= 0 && peek(u) != ']')
            ea_cur_skip(u, 1);
        if (peek(u) != ']' || u->off == s)
            return 0;                       /* cut or empty: not a whole host */
        *h = u->b + s;
        *hn = u->off - s;
        return 1;
    }
    size_t s = u->off;
    for (int ch = peek(u); ch >= 0; ch = peek(u)) {
        if (ch == ':' || ch == ';' || ch == '?' || ch == '>' || ch == ',' || is_wsp(ch))
            break;
        ea_cur_skip(u, 1);
    }
    if (u->off == s || (peek(u) < 0 && !delimited))
        return 0;
    *h = u->b + s;
    *hn = u->off - s;
    return 1;
}

/*
 * RFC 3261 20.20 / 20.39: From and To are ( name-addr / addr-spec ) params;
 * name-addr = [ display-name ] "<" addr-spec ">", where display-name may be
 * a quoted string that itself holds '<'. Without angle brackets the URI ends
 * at the first ';' (RFC 3261 20.10).
 */
static void parse_addr(struct ea_cur *v, int complete, char *dst, uint8_t *trunc)
{
    size_t left, lt = 0;
    int quoted = 0, found = 0;

    skip_wsp(v);
    left = ea_cur_left(v);
    const uint8_t *p = left ? v->b + v->off : NULL;
    for (size_t i = 0; i < left && !found; i++) {
        if (quoted && p[i] == '\\') {
            i++;                            /* quoted-pair */
        } else if (p[i] == '"') {
            quoted = !quoted;
        } else if (!quoted && p[i] == '<') {
            lt = i;
            found = 1;
        }
    }
    struct ea_cur u;
    int delimited;
    if (found) {
        ea_cur_skip(v, lt + 1);
        left = ea_cur_left(v);
        p = left ? v->b + v->off : NULL;
        const uint8_t *gt = p ? memchr(p, '>', left) : NULL;
        delimited = gt != NULL;
        u = ea_cur_sub(v, gt ? (size_t)(gt - p) : left);
    } else {
        size_t n = 0;
        while (n < left && p[n] != ';' && p[n] != ',' && !is_wsp(p[n]))
            n++;
        delimited = n < left || complete;
        u = ea_cur_sub(v, n);
    }
    const uint8_t *h = NULL;
    size_t hn = 0;
    if (!uri_host(&u, delimited, &h, &hn))
        return;
    *trunc = (uint8_t)ea_str_sanitize(dst, EA_DOMAIN_CAP, h, hn);
}

/*
 * RFC 3261 7.3.1 and 7.3.3: matches a header name against its long and
 * compact forms, case-insensitively.
 */
static int name_is(const uint8_t *n, size_t len, const char *full, char compact)
{
    if (len == 1)
        return lower(n[0]) == compact;
    return len == strlen(full) && ea_bytes_prefix_ci(n, len, full);
}

/*
 * RFC 3261 7.3.1: message-header = field-name HCOLON field-value CRLF, where a
 * line starting with SP or HT continues the previous one (folding). Stops at
 * the empty line that ends the headers or where the capture ends.
 */
static void parse_headers(struct ea_cur *c, struct sip_found *f)
{
    uint8_t val[VALUE_CAP];

    while (ea_cur_left(c) > 0) {
        struct ea_cur line;
        int ended = next_line(c, &line);
        if (ea_cur_left(&line) == 0)
            break;                          /* end of headers (or a cut CR) */
        size_t ns = line.off;
        while (is_token(peek(&line)))
            ea_cur_skip(&line, 1);
        const uint8_t *name = line.b + ns;
        size_t nlen = line.off - ns;
        skip_wsp(&line);
        if (nlen == 0 || peek(&line) != ':')
            continue;                       /* not a header line: skip it */
        ea_cur_skip(&line, 1);
        skip_wsp(&line);

        /* Unfold: continuation lines join the value after one SP. */
        size_t vn = ea_cur_left(&line), take = vn < VALUE_CAP ? vn : VALUE_CAP;
        int complete = ended && vn <= VALUE_CAP;
        memcpy(val, ea_cur_ptr(&line, take), take);
        while (ended && is_wsp(peek(c))) {
            struct ea_cur cont;
            ended = next_line(c, &cont);
            size_t cn = ea_cur_left(&cont);
            if (vn < VALUE_CAP)
                val[vn] = ' ';
            vn++;
            take = vn < VALUE_CAP ? (cn < VALUE_CAP - vn ? cn : VALUE_CAP - vn) : 0;
            if (take)
                memcpy(val + vn, ea_cur_ptr(&cont, take), take);
            vn += cn;
            complete = ended && vn <= VALUE_CAP;
        }
        struct ea_cur v;
        ea_cur_init(&v, val, vn < VALUE_CAP ? vn : VALUE_CAP);

        if (name_is(name, nlen, "via", 'v')) {
            if (!f->via_seen)
                parse_via(&v, complete, f);
            f->via_seen = 1;
        } else if (name_is(name, nlen, "from", 'f')) {
            if (!f->from_seen)
                parse_addr(&v, complete, f->v.from_domain, &f->t_from);
            f->from_seen = 1;
        } else if (name_is(name, nlen, "to", 't')) {
            if (!f->to_seen)
                parse_addr(&v, complete, f->v.to_domain, &f->t_to);
            f->to_seen = 1;
        }
    }
}

/*
 * True when nothing but whitespace is left: a keep-alive. Besides RFC 5626's
 * CRLF, some user agents send bare spaces (seen in the wild, sip.pcap).
 */
static int all_space(const struct ea_cur *c)
{
    struct ea_cur k = *c;
    for (int ch = peek(&k); ch >= 0; ch = peek(&k)) {
        if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n')
            return 0;
        ea_cur_skip(&k, 1);
    }
    return 1;
}

/* Fills what 'info' does not hold yet from one parse's findings. */
static void merge(struct ea_sip_info *info, const struct sip_found *f)
{
    if (f->v.request && !info->method[0]) {
        memcpy(info->method, f->v.method, sizeof(info->method));
        info->str_truncated |= f->t_method;
    }
    if (f->v.response && !info->status)
        info->status = f->v.status;
    info->request |= f->v.request;
    info->response |= f->v.response;
    if (!info->via_transport[0] && f->v.via_transport[0]) {
        memcpy(info->via_transport, f->v.via_transport, sizeof(info->via_transport));
        info->str_truncated |= f->t_via;
    }
    if (!info->from_domain[0] && f->v.from_domain[0]) {
        memcpy(info->from_domain, f->v.from_domain, sizeof(info->from_domain));
        info->str_truncated |= f->t_from;
    }
    if (!info->to_domain[0] && f->v.to_domain[0]) {
        memcpy(info->to_domain, f->v.to_domain, sizeof(info->to_domain));
        info->str_truncated |= f->t_to;
    }
}

/*
 * Parses one SIP message start. 'info' is caller-owned and only written on
 * DONE (a NULL info is allowed and just classifies). Leading CR LF is
 * skipped (RFC 3261 7.5); data of only whitespace, such as RFC 5626
 * keep-alives, is NEED_MORE, as is a start line that the data cuts short
 * while it still matches.
 */
enum ea_dis_rc ea_sip_parse(struct ea_sip_info *info, int dir, const uint8_t *data, size_t len)
{
    struct sip_found f;
    struct ea_cur c, line;
    enum ea_dis_rc rc = EA_DIS_NOT_MINE;

    (void)dir;
    memset(&f, 0, sizeof(f));
    ea_cur_init(&c, data, len);
    while (peek(&c) == '\r' || peek(&c) == '\n')
        ea_cur_skip(&c, 1);
    if (all_space(&c)) {
        rc = EA_DIS_NEED_MORE;
        goto out;
    }
    int ended = next_line(&c, &line);
    switch (start_line(&line, ended, &f)) {
    case SL_PREFIX:
        rc = EA_DIS_NEED_MORE;
        goto out;
    case SL_NO:
        goto out;
    default:
        break;
    }
    parse_headers(&c, &f);
    if (info)
        merge(info, &f);
    rc = EA_DIS_DONE;
out:
    return rc;
}

struct ea_sip_info *ea_sip_info_new(void)
{
    return calloc(1, sizeof(struct ea_sip_info));
}

void ea_sip_info_free(struct ea_sip_info *s)
{
    free(s);
}

int ea_sip_matched(const struct ea_sip_info *s)
{
    return s && (s->request || s->response);
}
