/* dissect-xmpp.c: XMPP stream headers, stream features and STARTTLS negotiation (RFC 6120 4-5, RFC 7590). */
#include <stdlib.h>
#include <string.h>

#include "dissect-xmpp.h"
#include "util-bytes.h"
#include "util-str.h"

#define XBUF 4096        /* one unfinished markup item per direction; more is overflow */
#define XBUF_MIN 256     /* first room for a held item: it grows (doubling) up to XBUF */
#define NAME_MAX_LEN 64  /* longer element or attribute names are not XMPP's */
#define MAX_ATTRS 24     /* attributes looked at per start tag */

/* RFC 6120 4.8.1, 5.4.2.1, and the dialback namespace of XEP-0220. */
static const char NS_STREAMS[] = "http://etherx.jabber.org/streams";
static const char NS_TLS[] = "urn:ietf:params:xml:ns:xmpp-tls";
static const char NS_CLIENT[] = "jabber:client";
static const char NS_SERVER[] = "jabber:server";
static const char NS_DIALBACK[] = "jabber:server:dialback";
static const char NS_SASL[] = "urn:ietf:params:xml:ns:xmpp-sasl";   /* RFC 6120 6.4 */

/*
 * What may open a direction joined mid-stream (issue 15): the stanzas of
 * RFC 6120 8, the stream features (4.3.2), dialback (XEP-0220 2.1), SASL
 * (6.4) and STARTTLS (5.4) elements, and the stream's end tag (4.4).
 */
static const char *const MID_NAMES[] = {
    "iq", "message", "presence", "stream:features", "db:result", "db:verify",
    "auth", "challenge", "response", "success", "failure", "abort", "starttls", "proceed",
    "/stream:stream",
};

/* What one scan step found. */
enum step { ST_MORE, ST_OK, ST_NOT_MINE, ST_STOP };

/* Where a to/from value came from: the initiator's own header beats the responder's mirror. */
enum src { SRC_NONE, SRC_MIRROR, SRC_OWN };

/*
 * One direction. Bytes are scanned where they arrive; only an item cut by the
 * end of a segment is held in buf (owned, made on first need, cap bytes of
 * room, at most XBUF), so a flow that is not XMPP never allocates one.
 */
struct xdir {
    uint8_t *buf;          /* bytes of the item under way (and what follows it), NULL until held */
    size_t cap;
    size_t have;           /* bytes not consumed yet; held in buf while the direction scans */
    unsigned depth;        /* 0 before the stream header, 1 inside the stream */
    uint8_t started;       /* stream header parsed */
    uint8_t stopped;       /* stream closed, malformed or overflowed: bytes ignored */
    uint8_t in_features;   /* inside <stream:features> (responder) */
    uint8_t features_done;
    uint8_t prefix[NAME_MAX_LEN];   /* the stream element's namespace prefix */
    size_t prefix_len;
};

struct ea_xmpp_state {
    struct xdir d[2];
    uint8_t init_other;    /* the initiator sent a top-level element other than <starttls/> */
    uint8_t tls_failure;   /* responder's <failure xmlns=...xmpp-tls/> */
    uint8_t not_mine;
    uint8_t rc;            /* enum ea_dis_rc once it is final */
    uint8_t to_src, from_src;
};

struct attr {
    const uint8_t *n, *v;
    size_t nl, vl;
};

/* One start tag, pointing into the direction's buffer. */
struct tag {
    const uint8_t *name;
    size_t nl, plen;       /* qualified name; prefix length, 0 without a prefix */
    struct attr a[MAX_ATTRS];
    size_t na;
    int selfclose;
};

/* Returns a zeroed state the caller owns (free with ea_xmpp_state_free), or NULL on out-of-memory. */
struct ea_xmpp_state *ea_xmpp_state_new(void)
{
    return calloc(1, sizeof(struct ea_xmpp_state));
}

size_t ea_xmpp_state_size(void)
{
    return sizeof(struct ea_xmpp_state);
}

void ea_xmpp_state_clear(struct ea_xmpp_state *st)
{
    if (!st)
        return;
    free(st->d[0].buf);
    free(st->d[1].buf);
    st->d[0].buf = st->d[1].buf = NULL;
}

/* Frees a state and its held bytes; NULL is a no-op. */
void ea_xmpp_state_free(struct ea_xmpp_state *st)
{
    ea_xmpp_state_clear(st);
    free(st);
}

/* Next byte without consuming it, or -1 at the end. */
static int peek(const struct ea_cur *c)
{
    /* has() implies a non-NULL b; clang-analyzer loses that after a failed skip. */
    return ea_cur_has(c, 1) ? c->b[c->off] : -1;   /* NOLINT(clang-analyzer-core.NullDereference) */
}

/* Byte at offset k past the cursor without consuming, or -1. */
static int peek_at(const struct ea_cur *c, size_t k)
{
    return ea_cur_has(c, k + 1) ? c->b[c->off + k] : -1;
}

/* XML 1.0 S production. */
static int is_space(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* XML 1.0 NameChar, simplified: any non-ASCII byte passes. */
static int is_name(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_' || ch == '.' || ch == ':' || ch >= 0x80;
}

/*
 * Offset (from the cursor) just past the first occurrence of lit, or 0 when
 * it is not in the bytes yet.
 */
static size_t find_end(const struct ea_cur *c, size_t from, const char *lit)
{
    size_t m = strlen(lit), left = ea_cur_left(c);
    for (size_t i = from; i + m <= left; i++)
        if (memcmp(c->b + c->off + i, lit, m) == 0)
            return i + m;
    return 0;
}

/* 2 when the next bytes are lit, 1 when they end while matching, 0 otherwise. */
static int starts(const struct ea_cur *c, const char *lit)
{
    size_t m = strlen(lit), left = ea_cur_left(c), k = left < m ? left : m;
    if (memcmp(c->b + c->off, lit, k) != 0)
        return 0;
    return k == m ? 2 : 1;
}

static int bytes_eq(const uint8_t *p, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(p, lit, n) == 0;
}

/* Appends code point cp as UTF-8; 0 when it is not a character XML allows. */
static size_t put_utf8(uint8_t *o, unsigned long cp)
{
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return 0;
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xC0 | cp >> 6);
        o[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xE0 | cp >> 12);
        o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | cp >> 18);
    o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/*
 * XML 1.0 4.1 and 4.6: replaces the five predefined entities and character
 * references in an attribute value; anything else stays as it is. Writes at
 * most cap bytes to out and returns the length (the decoded form is never
 * longer than the input, so cap >= vl cannot cut).
 */
static size_t decode_value(uint8_t *out, size_t cap, const uint8_t *v, size_t vl)
{
    static const struct { const char *name; uint8_t ch; } ents[] = {
        { "lt;", '<' }, { "gt;", '>' }, { "amp;", '&' }, { "apos;", '\'' }, { "quot;", '"' },
    };
    struct ea_cur c;
    size_t o = 0;

    ea_cur_init(&c, v, vl);
    while (ea_cur_left(&c) > 0 && o + 4 <= cap) {
        uint8_t ch = ea_cur_u8(&c);
        size_t used = 0, k;
        if (ch == '&') {
            for (k = 0; k < sizeof(ents) / sizeof(ents[0]) && !used; k++)
                if (starts(&c, ents[k].name) == 2) {
                    used = strlen(ents[k].name);
                    out[o++] = ents[k].ch;
                }
            if (!used && peek(&c) == '#') {
                int hex = peek_at(&c, 1) == 'x';
                unsigned long cp = 0;
                size_t i = hex ? 2 : 1, digits = 0;
                for (int d = peek_at(&c, i); d >= 0 && d != ';' && digits < 8; d = peek_at(&c, ++i), digits++) {
                    int val = (d >= '0' && d <= '9') ? d - '0'
                            : (hex && d >= 'a' && d <= 'f') ? d - 'a' + 10
                            : (hex && d >= 'A' && d <= 'F') ? d - 'A' + 10 : -1;
                    if (val < 0)
                        break;
                    cp = cp * (hex ? 16 : 10) + (unsigned long)val;
                }
                if (digits > 0 && peek_at(&c, i) == ';') {
                    size_t w = put_utf8(out + o, cp);
                    if (w) {
                        o += w;
                        used = i + 1;
                    }
                }
            }
        }
        if (used)
            ea_cur_skip(&c, used);
        else
            out[o++] = ch;
    }
    return o;
}

/* Decoded value of one attribute compared with lit. */
static int value_is(const struct attr *a, const char *lit)
{
    uint8_t tmp[128];
    if (a->vl > sizeof(tmp) - 4)
        return 0;
    size_t n = decode_value(tmp, sizeof(tmp), a->v, a->vl);
    return bytes_eq(tmp, n, lit);
}

static const struct attr *find_attr(const struct tag *t, const uint8_t *name, size_t nl)
{
    for (size_t i = 0; i < t->na; i++)
        if (t->a[i].nl == nl && memcmp(t->a[i].n, name, nl) == 0)
            return &t->a[i];
    return NULL;
}

static const struct attr *find_attr_lit(const struct tag *t, const char *name)
{
    return find_attr(t, (const uint8_t *)name, strlen(name));
}

/* The namespace the tag declares for its own prefix ("xmlns" or "xmlns:P"), or NULL. */
static const struct attr *own_ns(const struct tag *t)
{
    uint8_t key[6 + NAME_MAX_LEN];
    size_t kl = 5;
    memcpy(key, "xmlns", 5);   /* NOLINT(bugprone-not-null-terminated-result): a counted key, not a C string */
    if (t->plen) {
        key[kl++] = ':';
        memcpy(key + kl, t->name, t->plen);
        kl += t->plen;
    }
    return find_attr(t, key, kl);
}

static int local_is(const struct tag *t, const char *lit)
{
    size_t skip = t->plen ? t->plen + 1 : 0;
    return bytes_eq(t->name + skip, t->nl - skip, lit);
}

/*
 * XML 1.0 3.1: STag = '<' Name (S Attribute)* S? '>', EmptyElemTag ends in
 * '/>', Attribute = Name Eq AttValue with ' or " quotes. 'c' covers the
 * bytes between '<' and '>'. Returns 0 when the tag is malformed.
 */
static int parse_tag(struct ea_cur *c, struct tag *t)
{
    size_t s = c->off;
    memset(t, 0, sizeof(*t));
    while (is_name(peek(c)))
        ea_cur_skip(c, 1);
    t->name = c->b + s;
    t->nl = c->off - s;
    if (t->nl == 0 || t->nl > NAME_MAX_LEN)
        return 0;
    /* nl > 0 means bytes were read, so t->name is not NULL (the analyzer cannot see it). */
    const uint8_t *colon = memchr(t->name, ':', t->nl);   /* NOLINT(clang-analyzer-core.NonNullParamChecker) */
    t->plen = colon ? (size_t)(colon - t->name) : 0;

    for (;;) {
        int sp = is_space(peek(c));
        while (is_space(peek(c)))
            ea_cur_skip(c, 1);
        int ch = peek(c);
        if (ch < 0)
            return 1;
        if (ch == '/') {
            ea_cur_skip(c, 1);
            t->selfclose = 1;
            return ea_cur_left(c) == 0;
        }
        if (!sp)
            return 0;                       /* attributes must be separated by S */
        struct attr a;
        s = c->off;
        while (is_name(peek(c)))
            ea_cur_skip(c, 1);
        a.n = c->b + s;
        a.nl = c->off - s;
        if (a.nl == 0 || a.nl > NAME_MAX_LEN)
            return 0;
        while (is_space(peek(c)))
            ea_cur_skip(c, 1);
        if (peek(c) != '=')
            return 0;
        ea_cur_skip(c, 1);
        while (is_space(peek(c)))
            ea_cur_skip(c, 1);
        int q = peek(c);
        if (q != '\'' && q != '"')
            return 0;
        ea_cur_skip(c, 1);
        s = c->off;
        while (peek(c) >= 0 && peek(c) != q)
            ea_cur_skip(c, 1);
        if (peek(c) != q)
            return 0;
        a.v = c->b + s;
        a.vl = c->off - s;
        ea_cur_skip(c, 1);
        if (t->na < MAX_ATTRS)
            t->a[t->na++] = a;
    }
}

/*
 * RFC 7622 3.1: jid = [ localpart "@" ] domainpart [ "/" resourcepart ].
 * Keeps the domainpart of a decoded to/from value in the info field when
 * its source ranks above what the field holds.
 */
static void set_domain(struct ea_xmpp_info *info, char *dst, uint8_t *src_have, uint8_t src,
                       const struct attr *a)
{
    uint8_t val[XBUF + 4];
    if (!a || src <= *src_have)
        return;
    size_t n = decode_value(val, sizeof(val), a->v, a->vl);
    const uint8_t *slash = memchr(val, '/', n);
    if (slash)
        n = (size_t)(slash - val);
    const uint8_t *at = memchr(val, '@', n);
    const uint8_t *d = at ? at + 1 : val;
    n -= (size_t)(d - val);
    if (n == 0)
        return;
    /* Writing into dst only on success keeps a weaker but filled value intact. */
    if (ea_str_sanitize(dst, EA_DOMAIN_CAP, d, n))
        info->str_truncated = 1;
    *src_have = src;
}

/* RFC 6120 4.7: the stream header, the first element of each direction. */
static enum step stream_header(struct ea_xmpp_state *st, struct ea_xmpp_info *info, int dir,
                               const struct tag *t)
{
    struct xdir *d = &st->d[dir];
    if (!local_is(t, "stream"))
        return ST_NOT_MINE;
    const struct attr *ns = own_ns(t);
    if (!ns || !value_is(ns, NS_STREAMS))
        return ST_NOT_MINE;
    d->started = 1;
    d->depth = t->selfclose ? 0 : 1;
    d->prefix_len = t->plen;
    memcpy(d->prefix, t->name, t->plen);
    info->stream[dir] = 1;

    const struct attr *def = t->plen ? find_attr_lit(t, "xmlns") : NULL;
    if (def && value_is(def, NS_SERVER))
        info->ns_server = 1;
    if (def && value_is(def, NS_CLIENT))
        info->ns_client = 1;
    const struct attr *db = find_attr_lit(t, "xmlns:db");
    if (db && value_is(db, NS_DIALBACK))
        info->dialback = 1;

    /* RFC 6120 4.7.1-2: the responder's 'from' mirrors the initiator's 'to' and vice versa. */
    const struct attr *to = find_attr_lit(t, "to"), *from = find_attr_lit(t, "from");
    if (dir == EA_DIR_C2S) {
        set_domain(info, info->to, &st->to_src, SRC_OWN, to);
        set_domain(info, info->from, &st->from_src, SRC_OWN, from);
    } else {
        set_domain(info, info->to, &st->to_src, SRC_MIRROR, from);
        set_domain(info, info->from, &st->from_src, SRC_MIRROR, to);
    }
    return t->selfclose ? ST_STOP : ST_OK;
}

/* A start tag inside the stream (RFC 6120 4.3, 5.4.2). */
static enum step child(struct ea_xmpp_state *st, struct ea_xmpp_info *info, int dir, const struct tag *t)
{
    struct xdir *d = &st->d[dir];
    const struct attr *ns = own_ns(t);
    int tls = ns && value_is(ns, NS_TLS);

    if (d->depth == 1 && dir == EA_DIR_S2C) {
        if (t->plen == d->prefix_len && memcmp(t->name, d->prefix, t->plen) == 0 &&
            local_is(t, "features")) {
            d->in_features = !t->selfclose;
            d->features_done = (uint8_t)t->selfclose;
        } else if (tls && local_is(t, "proceed")) {
            info->proceed = 1;
        } else if (tls && local_is(t, "failure")) {
            st->tls_failure = 1;
        }
    } else if (d->depth == 1) {
        if (tls && local_is(t, "starttls"))
            info->starttls_requested = 1;
        else if (!info->starttls_requested)
            st->init_other = 1;
    } else if (d->depth == 2 && d->in_features && tls && local_is(t, "starttls")) {
        info->starttls_offered = 1;
    }
    if (!t->selfclose && d->depth < 1000000)
        d->depth++;
    return ST_OK;
}

/* An end tag: closing the features, or the stream itself. */
static enum step end_tag(struct xdir *d)
{
    if (d->depth > 0)
        d->depth--;
    if (d->depth == 1 && d->in_features) {
        d->in_features = 0;
        d->features_done = 1;
    }
    return d->depth == 0 ? ST_STOP : ST_OK;
}

/*
 * Before the stream header only whitespace, an XML declaration (or other
 * processing instruction) and comments may come (XML 1.0 2.8); the first
 * element's name is checked as soon as it is in, so binary data is turned
 * away without waiting for a '>'.
 */
static enum step prolog_name(const struct ea_cur *c)
{
    size_t i = 1;
    int ch;
    while ((ch = peek_at(c, i)) >= 0 && is_name(ch) && i <= NAME_MAX_LEN)
        i++;
    if (ch < 0)
        return ST_MORE;
    if (i == 1 || i > NAME_MAX_LEN)
        return ST_NOT_MINE;
    if (!(is_space(ch) || ch == '>' || ch == '/'))
        return ST_NOT_MINE;
    const uint8_t *name = c->b + c->off + 1;
    size_t nl = i - 1;
    if (bytes_eq(name, nl, "stream") || (nl > 7 && memcmp(name + nl - 7, ":stream", 7) == 0))
        return ST_OK;
    return ST_NOT_MINE;
}

/* A comment, a CDATA section (inside the stream only) or another "<!" declaration off c. */
static enum step scan_bang(const struct xdir *d, struct ea_cur *c)
{
    size_t end;
    int com = starts(c, "<!--"), cdata = starts(c, "<![CDATA[");
    if (com == 2)
        end = find_end(c, 4, "-->");
    else if (cdata == 2 && d->started)
        end = find_end(c, 9, "]]>");
    else if (com == 1 || cdata == 1)
        return ST_MORE;
    else if (!d->started)
        return ST_NOT_MINE;                 /* RFC 6120 11.1: no DTD */
    else
        end = find_end(c, 2, ">");
    if (!end)
        return ST_MORE;
    ea_cur_skip(c, end);
    return ST_OK;
}

/*
 * Joined mid-stream: the first element's name (after "<", or "</" for the
 * stream's end tag) must be one of MID_NAMES, checked as soon as it is in.
 */
static enum step mid_name(const struct ea_cur *c)
{
    size_t i = 1;
    int ch;
    if (peek_at(c, 1) == '/')
        i = 2;
    while ((ch = peek_at(c, i)) >= 0 && is_name(ch) && i <= NAME_MAX_LEN)
        i++;
    if (ch < 0)
        return ST_MORE;
    if (!(is_space(ch) || ch == '>' || ch == '/'))
        return ST_NOT_MINE;
    for (size_t k = 0; k < sizeof(MID_NAMES) / sizeof(MID_NAMES[0]); k++)
        if (bytes_eq(c->b + c->off + 1, i - 1, MID_NAMES[k]))
            return ST_OK;
    return ST_NOT_MINE;
}

/*
 * The first element of a direction joined mid-stream, already named by
 * mid_name: stanzas in no namespace or jabber:client/jabber:server (noted),
 * SASL and STARTTLS elements in their own. The direction goes on as if
 * inside a stream whose prefix is "stream".
 */
static enum step mid_start(struct ea_xmpp_state *st, struct ea_xmpp_info *info, int dir,
                           const struct tag *t)
{
    struct xdir *d = &st->d[dir];
    const struct attr *ns = own_ns(t);
    if (t->plen == 2 && memcmp(t->name, "db", 2) == 0) {
        info->dialback = 1;
    } else if (!t->plen && (local_is(t, "iq") || local_is(t, "message") || local_is(t, "presence"))) {
        if (ns && value_is(ns, NS_CLIENT))
            info->ns_client = 1;
        else if (ns && value_is(ns, NS_SERVER))
            info->ns_server = 1;
        else if (ns)
            return ST_NOT_MINE;
    } else if (!t->plen && !(ns && (value_is(ns, NS_SASL) || value_is(ns, NS_TLS)))) {
        return ST_NOT_MINE;
    }
    d->started = 1;
    d->depth = 1;
    d->prefix_len = 6;
    memcpy(d->prefix, "stream", 6);
    info->midstream = 1;
    return child(st, info, dir, t);
}

/*
 * Takes one markup item or text run off the front of c. Returns ST_MORE when
 * the item is not complete yet (nothing consumed).
 */
static enum step scan_one(struct ea_xmpp_state *st, struct ea_xmpp_info *info, int dir, struct ea_cur *c)
{
    struct xdir *d = &st->d[dir];
    int ch = peek(c);
    size_t end;

    if (ch != '<') {
        if (!d->started) {
            if (!is_space(ch))
                return ST_NOT_MINE;
            ea_cur_skip(c, 1);
            return ST_OK;
        }
        while (peek(c) >= 0 && peek(c) != '<')   /* character data: not needed */
            ea_cur_skip(c, 1);
        return ST_OK;
    }
    int second = peek_at(c, 1);
    if (second < 0)
        return ST_MORE;
    if (second == '?') {                        /* XML 1.0 2.6 processing instruction */
        end = find_end(c, 2, "?>");
        if (!end)
            return ST_MORE;
        ea_cur_skip(c, end);
        return ST_OK;
    }
    if (second == '!')
        return scan_bang(d, c);
    if (!d->started) {
        enum step s = prolog_name(c);
        if (s == ST_NOT_MINE)
            s = mid_name(c);
        if (s != ST_OK)
            return s;
    }

    /* Find the '>' that ends the tag, outside quoted attribute values. */
    size_t left = ea_cur_left(c), i;
    int q = 0;
    for (i = 1; i < left; i++) {
        int b = peek_at(c, i);
        if (q) {
            if (b == q)
                q = 0;
        } else if (b == '\'' || b == '"') {
            q = b;
        } else if (b == '>') {
            break;
        } else if (b == '<') {
            return d->started ? ST_STOP : ST_NOT_MINE;   /* not well-formed */
        }
    }
    if (i >= left)
        return ST_MORE;
    ea_cur_skip(c, 1);
    struct ea_cur body = ea_cur_sub(c, i - 1);
    ea_cur_skip(c, 1);                          /* the '>' */

    if (second == '/' && !d->started) {
        d->started = 1;                         /* </stream:stream>: the stream ends */
        info->midstream = 1;
        return ST_STOP;
    }
    if (second == '/')
        return end_tag(d);
    struct tag t;
    if (!parse_tag(&body, &t))
        return d->started ? ST_STOP : ST_NOT_MINE;
    if (!d->started)
        return local_is(&t, "stream") ? stream_header(st, info, dir, &t) : mid_start(st, info, dir, &t);
    return child(st, info, dir, &t);
}

/* Consumes every complete item in the n bytes at b of direction dir; returns bytes used. */
static size_t scan(struct ea_xmpp_state *st, struct ea_xmpp_info *info, int dir,
                   const uint8_t *b, size_t n)
{
    struct xdir *d = &st->d[dir];
    struct ea_cur c;

    ea_cur_init(&c, b, n);
    while (ea_cur_left(&c) > 0 && !d->stopped && !st->not_mine && !info->proceed) {
        size_t before = c.off;
        enum step s = scan_one(st, info, dir, &c);
        if (s == ST_MORE) {
            c.off = before;
            break;
        }
        if (s == ST_NOT_MINE)
            st->not_mine = 1;
        else if (s == ST_STOP)
            d->stopped = 1;
    }
    return c.off;
}

int ea_xmpp_seen(const struct ea_xmpp_info *info)
{
    return info && (info->stream[0] || info->stream[1] || info->midstream);
}

enum ea_xmpp_side ea_xmpp_side(const struct ea_xmpp_info *info, uint16_t dport,
                               enum ea_xmpp_evidence *ev)
{
    enum ea_xmpp_evidence e = EA_XMPP_EV_NONE;
    enum ea_xmpp_side side = EA_XMPP_SIDE_UNKNOWN;
    if (!info) {
        /* nothing to tell */
    } else if (info->ns_server || info->ns_client) {
        e = EA_XMPP_EV_NAMESPACE;
        side = info->ns_server ? EA_XMPP_SIDE_S2S : EA_XMPP_SIDE_C2S;
    } else if (info->dialback) {
        e = EA_XMPP_EV_DIALBACK;
        side = EA_XMPP_SIDE_S2S;
    } else if (dport == 5269) {             /* RFC 6120 14.7 */
        e = EA_XMPP_EV_PORT;
        side = EA_XMPP_SIDE_S2S;
    } else if (dport == 5222 || dport == 5223) {   /* RFC 6120 14.7; 5223: TLS from the start */
        e = EA_XMPP_EV_PORT;
        side = EA_XMPP_SIDE_C2S;
    }
    if (ev)
        *ev = e;
    return side;
}

const char *ea_xmpp_evidence_name(enum ea_xmpp_evidence ev)
{
    switch (ev) {
    case EA_XMPP_EV_NAMESPACE: return "namespace";
    case EA_XMPP_EV_DIALBACK: return "dialback";
    case EA_XMPP_EV_PORT: return "port";
    default: return "";
    }
}

/* 1 while direction dir still scans what comes: then the bytes not consumed are held. */
static int scanning(const struct ea_xmpp_state *st, const struct ea_xmpp_info *info, int dir)
{
    return !st->d[dir].stopped && !st->not_mine && !info->proceed;
}

/* Makes room for need bytes (at most XBUF) in d's buffer, doubling from XBUF_MIN; 0 on out-of-memory. */
static int room(struct xdir *d, size_t need)
{
    if (need <= d->cap)
        return 1;
    size_t cap = d->cap ? d->cap : XBUF_MIN;
    while (cap < need)
        cap *= 2;
    if (cap > XBUF)
        cap = XBUF;
    uint8_t *nb = realloc(d->buf, cap);
    if (!nb)
        return 0;
    d->buf = nb;
    d->cap = cap;
    return 1;
}

/* The answer after a feed; sticky once it is not NEED_MORE. */
static enum ea_dis_rc verdict(struct ea_xmpp_state *st, const struct ea_xmpp_info *info)
{
    const struct xdir *r = &st->d[EA_DIR_S2C];
    int both = info->stream[0] && info->stream[1];
    /* Joined mid-stream: both sides heard, or the kind is told already. */
    int mid_known = info->midstream && ((st->d[0].started && st->d[1].started) ||
                                        info->ns_client || info->ns_server || info->dialback);

    if (st->not_mine)
        st->rc = EA_DIS_NOT_MINE;
    else if (info->proceed)
        st->rc = EA_DIS_UPGRADE;
    else if (mid_known || (both && (st->tls_failure || st->init_other ||
                                    (r->features_done && !info->starttls_offered))))
        st->rc = EA_DIS_DONE;
    else if (st->d[0].stopped || st->d[1].stopped)
        st->rc = ea_xmpp_seen(info) ? EA_DIS_DONE : EA_DIS_NOT_MINE;
    return (enum ea_dis_rc)st->rc;
}

/*
 * Feeds in-order bytes of direction 'dir'. 'st' and 'info' are caller-owned;
 * a NULL st or info, or a dir other than 0 or 1, is NOT_MINE. An item larger
 * than the per-direction buffer sets info->buf_overflow and ends parsing with
 * what is known. Once the answer is not NEED_MORE it stays the same.
 */
enum ea_dis_rc ea_xmpp_feed(struct ea_xmpp_state *st, struct ea_xmpp_info *info,
                            int dir, const uint8_t *data, size_t len)
{
    struct ea_cur in;

    if (!st || !info || (dir != EA_DIR_C2S && dir != EA_DIR_S2C))
        return EA_DIS_NOT_MINE;
    if (st->rc)
        return (enum ea_dis_rc)st->rc;
    struct xdir *d = &st->d[dir];
    ea_cur_init(&in, data, len);
    while (ea_cur_left(&in) > 0 && !d->stopped && !st->not_mine && !info->proceed) {
        size_t left = ea_cur_left(&in), take = XBUF - d->have;
        if (take > left)
            take = left;
        const uint8_t *src = ea_cur_ptr(&in, take);
        if (d->have == 0) {                 /* nothing held: scan the bytes where they are */
            size_t used = scan(st, info, dir, src, take);
            d->have = take - used;
            if (d->have && d->have < XBUF && scanning(st, info, dir)) {
                if (room(d, d->have))
                    memcpy(d->buf, src + used, d->have);
                else
                    d->stopped = 1;         /* out of memory: parsing ends with what is known */
            }
        } else {
            if (!room(d, d->have + take)) {
                d->stopped = 1;
                break;
            }
            memcpy(d->buf + d->have, src, take);
            d->have += take;
            size_t used = scan(st, info, dir, d->buf, d->have);
            memmove(d->buf, d->buf + used, d->have - used);
            d->have -= used;
        }
        if (d->have == XBUF) {              /* one item fills the buffer: give up on it */
            info->buf_overflow = 1;
            d->stopped = 1;
        }
    }
    return verdict(st, info);
}

struct ea_xmpp_info *ea_xmpp_info_new(void)
{
    return calloc(1, sizeof(struct ea_xmpp_info));
}

void ea_xmpp_info_free(struct ea_xmpp_info *x)
{
    free(x);
}
