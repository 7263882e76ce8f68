/* dissect-tls.c: TLS record and handshake reassembly for the mutual-TLS check (RFC 5246, RFC 8446). */
#include <stdlib.h>
#include <string.h>
#include "dissect-tls.h"
#include "util-bytes.h"
#include "util-str.h"

/* RFC 5246 6.2.1 / RFC 8446 5.1: record content types. */
#define CT_CCS        20
#define CT_ALERT      21
#define CT_HANDSHAKE  22
#define CT_APPDATA    23
#define CT_HEARTBEAT  24   /* RFC 6520 */

/* RFC 5246 7.4 / RFC 8446 4: handshake message types. */
#define HS_CLIENT_HELLO     1
#define HS_SERVER_HELLO     2
#define HS_CERTIFICATE      11
#define HS_CERT_REQUEST     13
#define HS_SERVER_DONE      14
#define HS_CLIENT_KX        16

/* Extension types: RFC 6066 3, RFC 7301 3.1, RFC 8446 4.2.1. */
#define EXT_SERVER_NAME        0
#define EXT_ALPN               16
#define EXT_SUPPORTED_VERSIONS 43
#define EXT_PRE_SHARED_KEY     41
#define EXT_POST_HS_AUTH       49
#define EXT_EARLY_DATA         42

#define REC_HDR 5
#define REC_MAX (16384 + 2048)   /* RFC 5246 6.2.3: 2^14 + 2048 for ciphertext */
#define HS_HDR 4
#define HELLO_CAP 16384          /* longest Client/ServerHello body kept */
#define CERT_KEEP 3              /* Certificate: only the 24-bit certificate_list length */

/* RFC 8446 4.1.3: a ServerHello with this random is a HelloRetryRequest. */
static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* One direction of the stream: record header, record body, handshake message. */
struct tls_dir {
    uint8_t hdr[REC_HDR];      /* record header being collected */
    uint8_t hdr_have;
    uint8_t rec_type;
    uint8_t ccs_byte;          /* body of a ChangeCipherSpec record */
    uint8_t started;           /* first record header accepted */
    uint8_t stopped;           /* encrypted from here (or broken): bytes are ignored */
    uint8_t ccs_pending;       /* client CCS that may be TLS 1.3 middlebox compatibility */
    uint8_t kx;                /* client sent ClientKeyExchange: full handshake */
    uint8_t hellos;            /* ClientHellos parsed (a second one follows a HelloRetryRequest) */
    uint8_t v2;                /* collecting an SSLv2-compatible ClientHello (RFC 5246 E.2) */
    uint32_t mid_records;      /* mid-stream: well-formed records walked */
    uint32_t rec_left;         /* body bytes of the current record still to come */

    uint8_t hs_hdr[HS_HDR];    /* handshake message header being collected */
    uint8_t hs_hdr_have;
    uint8_t hs_in_body;        /* header complete, body bytes under way */
    uint8_t hs_type;
    uint32_t hs_len;
    uint32_t hs_left;
    uint8_t *keep;             /* owned: the part of the body we parse */
    uint32_t keep_len, keep_have;
};

struct ea_tls_state {
    struct tls_dir d[2];
    uint8_t offered13;         /* ClientHello listed TLS 1.3 in supported_versions */
    uint8_t mid;               /* joined mid-stream: records are walked, not parsed */
    uint8_t t13;               /* TLS 1.3 ServerHello parsed: only record lengths from here */
    uint8_t offered_early;     /* ClientHello carried early_data: 0-RTT may follow it */
    uint8_t rc;                /* enum ea_dis_rc, sticky once not NEED_MORE */
};

/* Zeroed per-flow state, caller-owned; NULL on out-of-memory. */
struct ea_tls_state *ea_tls_state_new(void)
{
    return calloc(1, sizeof(struct ea_tls_state));
}

/* Frees the state and any half-kept handshake message. NULL is a no-op. */
size_t ea_tls_state_size(void)
{
    return sizeof(struct ea_tls_state);
}

void ea_tls_state_clear(struct ea_tls_state *st)
{
    if (!st)
        return;
    free(st->d[0].keep);
    free(st->d[1].keep);
    st->d[0].keep = st->d[1].keep = NULL;
}

void ea_tls_state_free(struct ea_tls_state *st)
{
    ea_tls_state_clear(st);
    free(st);
}

/* Static string; "" for EA_MTLS_NONE and out-of-range values. */
const char *ea_mtls_name(enum ea_mtls m)
{
    switch (m) {
    case EA_MTLS_NO: return "no";
    case EA_MTLS_YES: return "yes";
    case EA_MTLS_UNVERIFIABLE: return "unverifiable";
    default: return "";
    }
}

/* TLS 1.3 and its drafts (0x7fxx) hide the rest of the handshake. */
static int is_tls13(uint16_t v)
{
    return v == 0x0304 || (v >> 8) == 0x7f;
}

/* Record header sanity shared by the probe and the feed (RFC 5246 6.2.1). */
static int version_ok(uint8_t major, uint8_t minor)
{
    return major == 3 && minor <= 4;
}

/*
 * Handshake record header with a sane length. Needs 3 bytes; the length is
 * checked once 5 are there. data is only read; NULL gives 0.
 */
int ea_tls_probe(const uint8_t *data, size_t len)
{
    struct ea_cur c;
    ea_cur_init(&c, data, len);
    /* RFC 5246 6.2.1: type(1) version(2) length(2); length checked when present. */
    uint8_t type = ea_cur_u8(&c);
    uint8_t major = ea_cur_u8(&c);
    uint8_t minor = ea_cur_u8(&c);
    if (c.err || type != CT_HANDSHAKE || !version_ok(major, minor))
        return 0;
    if (ea_cur_left(&c) < 2)
        return 1;
    uint16_t rlen = ea_cur_be16(&c);
    return rlen > 0 && rlen <= REC_MAX;
}

/* Whether the first n bytes of a direction's first record header can still be TLS. */
static int first_prefix_ok(const uint8_t *h, size_t n, int dir)
{
    /* The server may refuse a ClientHello with a cleartext alert. */
    if (n >= 1 && h[0] != CT_HANDSHAKE && !(dir == EA_DIR_S2C && h[0] == CT_ALERT))
        return 0;
    if (n >= 3 && !version_ok(h[1], h[2]))
        return 0;
    if (n >= 5) {
        uint32_t rlen = (uint32_t)h[3] << 8 | h[4];
        if (rlen == 0 || rlen > REC_MAX)
            return 0;
    }
    return 1;
}

/* Stops parsing of one direction; a malformed stream ends the whole dissection. */
static void dir_stop(struct tls_dir *d)
{
    d->stopped = 1;
    free(d->keep);
    d->keep = NULL;
    d->keep_len = d->keep_have = 0;
}

static void set_malformed(struct ea_tls_info *info, struct tls_dir *d)
{
    info->malformed = 1;
    dir_stop(d);
}

/* The info's strings when absent; never written (its one byte is the NUL). */
static char no_str[1];

/* *dst becomes a copy of s (made to its length), or "" when s is empty or memory is out. */
static void set_str(char **dst, const char *s)
{
    size_t n = strlen(s);
    char *c = n ? malloc(n + 1) : NULL;
    if (c)
        memcpy(c, s, n + 1);
    if (*dst != no_str)
        free(*dst);
    *dst = c ? c : no_str;
}

/* A zeroed info (fed without ea_tls_info_init) gets its "" strings. */
static void strs_init(struct ea_tls_info *info)
{
    if (!info->sni)
        info->sni = no_str;
    if (!info->alpn)
        info->alpn = no_str;
}

/* RFC 6066 3: ServerNameList, first host_name (type 0) kept. */
static int parse_sni(struct ea_tls_info *info, struct ea_cur *e)
{
    uint16_t list_len = ea_cur_be16(e);
    struct ea_cur l = ea_cur_sub(e, list_len);
    int have = 0;
    while (!l.err && ea_cur_left(&l) > 0) {
        uint8_t name_type = ea_cur_u8(&l);
        uint16_t n = ea_cur_be16(&l);
        const uint8_t *name = ea_cur_ptr(&l, n);
        if (l.err)
            break;
        if (name_type == 0 && !have && n > 0) {
            char sni[EA_SNI_CAP + 1];
            if (ea_str_sanitize(sni, EA_SNI_CAP, name, n))
                info->str_truncated = 1;
            set_str(&info->sni, sni);
            have = 1;
        }
    }
    return !(e->err || l.err);
}

/* Appends n bytes to raw (capacity cap), keeping what fits; 1 when cut. */
static int raw_append(uint8_t *raw, size_t cap, size_t *len, const uint8_t *p, size_t n)
{
    size_t room = cap - *len;
    size_t k = n < room ? n : room;
    memcpy(raw + *len, p, k);
    *len += k;
    return k < n;
}

/* RFC 7301 3.1: ProtocolNameList of 8-bit-length names, joined with commas. */
static int parse_alpn(struct ea_tls_info *info, struct ea_cur *e)
{
    /* Sanitising never shrinks a string, so more than the cap would be cut anyway. */
    uint8_t raw[EA_ALPN_CAP + 1];
    size_t raw_len = 0;
    int cut = 0;
    uint16_t list_len = ea_cur_be16(e);
    struct ea_cur l = ea_cur_sub(e, list_len);
    while (!l.err && ea_cur_left(&l) > 0) {
        uint8_t n = ea_cur_u8(&l);
        const uint8_t *name = ea_cur_ptr(&l, n);
        if (l.err || n == 0 || cut)
            continue;
        if (raw_len)
            cut = raw_append(raw, sizeof(raw), &raw_len, (const uint8_t *)",", 1);
        if (!cut)
            cut = raw_append(raw, sizeof(raw), &raw_len, name, n);
    }
    char alpn[EA_ALPN_CAP + 1];
    if (ea_str_sanitize(alpn, EA_ALPN_CAP, raw, raw_len) || cut)
        info->str_truncated = 1;
    set_str(&info->alpn, alpn);
    return !(e->err || l.err);
}

/* RFC 8446 4.2.1: ClientHello form, an 8-bit-length list of versions. */
static int parse_client_versions(struct ea_tls_state *st, struct ea_cur *e)
{
    uint8_t n = ea_cur_u8(e);
    struct ea_cur l = ea_cur_sub(e, n);
    while (!l.err && ea_cur_left(&l) >= 2) {
        if (is_tls13(ea_cur_be16(&l)))
            st->offered13 = 1;
    }
    return !(e->err || l.err);
}

/*
 * RFC 5246 7.4.1.2 / RFC 8446 4.1.2 ClientHello:
 *   legacy_version(2) random(32) session_id<0..32> cipher_suites<2..2^16-2>
 *   compression_methods<1..2^8-1> extensions<0..2^16-1> (absent in old clients)
 * Returns 0 when the body does not parse.
 */
static int parse_client_hello(struct ea_tls_state *st, struct ea_tls_info *info,
                              const uint8_t *b, size_t n)
{
    struct ea_cur c;
    ea_cur_init(&c, b, n);
    uint16_t version = ea_cur_be16(&c);
    ea_cur_skip(&c, 32);
    uint8_t sid_len = ea_cur_u8(&c);
    if (sid_len > 32)
        return 0;
    ea_cur_skip(&c, sid_len);
    uint16_t cs_len = ea_cur_be16(&c);
    if (cs_len < 2 || (cs_len & 1))
        return 0;
    ea_cur_skip(&c, cs_len);
    uint8_t comp_len = ea_cur_u8(&c);
    if (comp_len < 1)
        return 0;
    ea_cur_skip(&c, comp_len);
    if (c.err)
        return 0;
    info->client_version = version;
    if (ea_cur_left(&c) > 0) {
        /* RFC 8446 4.2: type(2) length(2) data, filling the block exactly. */
        uint16_t ext_len = ea_cur_be16(&c);
        struct ea_cur x = ea_cur_sub(&c, ext_len);
        if (c.err || ea_cur_left(&c) != 0)
            return 0;
        while (ea_cur_left(&x) > 0) {
            uint16_t type = ea_cur_be16(&x);
            uint16_t len = ea_cur_be16(&x);
            struct ea_cur e = ea_cur_sub(&x, len);
            int ok = 1;
            if (x.err)
                return 0;
            if (type == EXT_SERVER_NAME)
                ok = parse_sni(info, &e);
            else if (type == EXT_ALPN)
                ok = parse_alpn(info, &e);
            else if (type == EXT_SUPPORTED_VERSIONS)
                ok = parse_client_versions(st, &e);
            else if (type == EXT_POST_HS_AUTH)
                info->pha_offered = 1;   /* RFC 8446 4.2.6: empty extension_data */
            else if (type == EXT_EARLY_DATA)
                st->offered_early = 1;   /* RFC 8446 4.2.10 */
            if (!ok)
                return 0;
        }
    }
    info->client_hello = 1;
    return 1;
}

/*
 * RFC 5246 7.4.1.3 / RFC 8446 4.1.3 ServerHello:
 *   legacy_version(2) random(32) session_id<0..32> cipher_suite(2)
 *   compression_method(1) extensions<0..2^16-1> (optional before TLS 1.3)
 * A HelloRetryRequest has the same layout and a fixed random; it is noted
 * but never taken as the negotiated version. Returns 0 when it does not parse.
 */
static int parse_server_hello(struct ea_tls_info *info, const uint8_t *b, size_t n)
{
    struct ea_cur c;
    uint16_t selected = 0;
    uint8_t psk = 0;
    ea_cur_init(&c, b, n);
    uint16_t version = ea_cur_be16(&c);
    const uint8_t *random = ea_cur_ptr(&c, 32);
    uint8_t sid_len = ea_cur_u8(&c);
    if (sid_len > 32)
        return 0;
    ea_cur_skip(&c, sid_len);
    uint16_t suite = ea_cur_be16(&c);
    ea_cur_skip(&c, 1);
    if (c.err)
        return 0;
    if (ea_cur_left(&c) > 0) {
        uint16_t ext_len = ea_cur_be16(&c);
        struct ea_cur x = ea_cur_sub(&c, ext_len);
        if (c.err || ea_cur_left(&c) != 0)
            return 0;
        while (ea_cur_left(&x) > 0) {
            uint16_t type = ea_cur_be16(&x);
            uint16_t len = ea_cur_be16(&x);
            struct ea_cur e = ea_cur_sub(&x, len);
            if (x.err)
                return 0;
            /* RFC 8446 4.2.1: the server form is the single selected_version. */
            if (type == EXT_SUPPORTED_VERSIONS) {
                if (len != 2)
                    return 0;
                selected = ea_cur_be16(&e);
            } else if (type == EXT_PRE_SHARED_KEY) {
                psk = 1;   /* RFC 8446 4.2.11: the server accepted a PSK */
            }
        }
    }
    if (memcmp(random, hrr_random, sizeof(hrr_random)) == 0) {
        info->hello_retry = 1;
        return 1;
    }
    info->server_hello = 1;
    info->version = selected ? selected : version;
    info->cipher_suite = suite;
    info->psk = psk;
    return 1;
}

/*
 * RFC 5246 7.4.2 / 7.4.6 Certificate: certificate_list<0..2^24-1>, which
 * must fill the message. Only its length is kept (b holds up to 3 bytes).
 */
static int parse_certificate(struct ea_tls_info *info, int dir,
                             const uint8_t *b, size_t n, uint32_t msg_len)
{
    struct ea_cur c;
    ea_cur_init(&c, b, n);
    uint32_t list_len = ea_cur_be24(&c);
    if (c.err || list_len + 3 != msg_len)
        return 0;
    if (dir == EA_DIR_S2C) {
        info->server_cert = 1;
    } else {
        info->client_cert = 1;
        info->client_cert_nonempty = list_len > 0;
    }
    return 1;
}

/*
 * RFC 8446 B.4: the hash of each cipher suite sizes its Finished. Only the
 * suites the stacks in captures/own negotiated are covered; CCM and CCM_8
 * (whose tag differs) give 0.
 */
static uint8_t suite_hash_len(uint16_t suite)
{
    switch (suite) {
    case 0x1301: return 32;   /* TLS_AES_128_GCM_SHA256 */
    case 0x1302: return 48;   /* TLS_AES_256_GCM_SHA384 */
    case 0x1303: return 32;   /* TLS_CHACHA20_POLY1305_SHA256 */
    default: return 0;
    }
}

/* A TLS 1.3 ServerHello: from here on both directions only count encrypted records. */
static void t13_begin(struct ea_tls_state *st, struct ea_tls_info *info)
{
    st->t13 = 1;
    memset(&info->t13, 0, sizeof(info->t13));
    info->t13.hash_len = suite_hash_len(info->cipher_suite);
}

/* A whole handshake message (body possibly cut to keep_len) has arrived. */
static void hs_message(struct ea_tls_state *st, struct ea_tls_info *info, int dir)
{
    struct tls_dir *d = &st->d[dir];
    int ok = 1;

    switch (d->hs_type) {
    case HS_CLIENT_HELLO:
        ok = dir == EA_DIR_C2S && parse_client_hello(st, info, d->keep, d->keep_have);
        if (ok && d->hellos < UINT8_MAX)
            d->hellos++;
        break;
    case HS_SERVER_HELLO:
        ok = dir == EA_DIR_S2C && parse_server_hello(info, d->keep, d->keep_have);
        if (ok && info->server_hello && info->version == 0x0304)
            t13_begin(st, info);
        break;
    case HS_CERTIFICATE:
        ok = parse_certificate(info, dir, d->keep, d->keep_have, d->hs_len);
        break;
    case HS_CERT_REQUEST:
        ok = dir == EA_DIR_S2C;
        if (ok)
            info->cert_request = 1;
        break;
    case HS_SERVER_DONE:
        /* RFC 5246 7.4.5: struct { } ServerHelloDone. */
        ok = dir == EA_DIR_S2C && d->hs_len == 0;
        if (ok)
            info->server_hello_done = 1;
        break;
    case HS_CLIENT_KX:
        ok = dir == EA_DIR_C2S;
        if (ok)
            d->kx = 1;
        break;
    default:
        break;   /* not needed for the answer */
    }
    free(d->keep);
    d->keep = NULL;
    d->keep_len = d->keep_have = 0;
    d->hs_in_body = 0;
    d->hs_hdr_have = 0;
    if (!ok)
        set_malformed(info, d);
}

/* RFC 5246 7.4 / RFC 8446 4: msg_type(1) length(3) body; starts one message. */
static void hs_begin(struct ea_tls_state *st, struct ea_tls_info *info, int dir)
{
    struct tls_dir *d = &st->d[dir];
    struct ea_cur c;
    ea_cur_init(&c, d->hs_hdr, HS_HDR);
    d->hs_type = ea_cur_u8(&c);
    d->hs_len = ea_cur_be24(&c);
    d->hs_left = d->hs_len;
    d->hs_in_body = 1;
    d->keep_len = 0;
    if (d->hs_type == HS_CLIENT_HELLO || d->hs_type == HS_SERVER_HELLO) {
        if (d->hs_len > HELLO_CAP) {
            set_malformed(info, d);
            return;
        }
        d->keep_len = d->hs_len;
    } else if (d->hs_type == HS_CERTIFICATE) {
        d->keep_len = d->hs_len < CERT_KEEP ? d->hs_len : CERT_KEEP;
    }
    if (d->keep_len) {
        d->keep = malloc(d->keep_len);
        if (!d->keep)
            d->keep_len = 0;   /* parsed as empty: reported malformed, never a crash */
    }
    if (d->hs_left == 0)
        hs_message(st, info, dir);
}

/* Handshake record bytes: messages may span records or share one. */
static void hs_feed(struct ea_tls_state *st, struct ea_tls_info *info, int dir,
                    struct ea_cur *c)
{
    struct tls_dir *d = &st->d[dir];
    while (ea_cur_left(c) > 0 && !d->stopped) {
        if (!d->hs_in_body) {
            d->hs_hdr[d->hs_hdr_have++] = ea_cur_u8(c);
            if (d->hs_hdr_have == HS_HDR)
                hs_begin(st, info, dir);
            continue;
        }
        size_t take = ea_cur_left(c);
        if (take > d->hs_left)
            take = d->hs_left;
        const uint8_t *p = ea_cur_ptr(c, take);
        if (!p)
            break;
        if (d->keep_have < d->keep_len) {
            size_t room = d->keep_len - d->keep_have;
            size_t n = take < room ? take : room;
            memcpy(d->keep + d->keep_have, p, n);
            d->keep_have += (uint32_t)n;
        }
        d->hs_left -= (uint32_t)take;
        if (d->hs_left == 0)
            hs_message(st, info, dir);
    }
}

/* The client's CCS counts once TLS <= 1.2 is certain; resumed if no key exchange preceded it. */
static void client_ccs(struct ea_tls_state *st, struct ea_tls_info *info)
{
    struct tls_dir *d = &st->d[EA_DIR_C2S];
    info->ccs[EA_DIR_C2S] = 1;
    if (info->client_hello && !d->kx && !info->client_cert && !is_tls13(info->version))
        info->resumed = 1;   /* RFC 5246 7.3: abbreviated handshake has no ClientKeyExchange */
    dir_stop(d);
}

/* A complete ChangeCipherSpec record (RFC 5246 7.1: one byte of value 1). */
static void on_ccs(struct ea_tls_state *st, struct ea_tls_info *info, int dir)
{
    struct tls_dir *d = &st->d[dir];
    if (d->ccs_byte != 1) {
        set_malformed(info, d);
        return;
    }
    if (dir == EA_DIR_S2C) {
        /* RFC 8446 D.4: a dummy CCS may follow a HelloRetryRequest. */
        if (info->hello_retry && !info->server_hello)
            return;
        info->ccs[EA_DIR_S2C] = 1;
        if (info->server_hello && !info->server_cert && !info->server_hello_done &&
            !is_tls13(info->version))
            info->resumed = 1;
        dir_stop(d);
        return;
    }
    /* Client: a dummy CCS after a HelloRetryRequest comes before the second ClientHello. */
    if (info->hello_retry && d->hellos < 2)
        return;
    /*
     * A client offering TLS 1.3 may send a dummy CCS before the server has
     * been heard (RFC 8446 D.4); the next record tells: application_data means
     * TLS 1.3, a handshake record is TLS <= 1.2's encrypted Finished.
     */
    if (st->offered13 && !d->kx && !info->client_cert &&
        !(info->server_hello && !is_tls13(info->version))) {
        d->ccs_pending = 1;
        return;
    }
    client_ccs(st, info);
}

/*
 * RFC 8446 5: after the ServerHello, handshake messages travel encrypted as
 * application_data records; only their lengths are kept. A ChangeCipherSpec
 * (D.4 compatibility) is skipped; a cleartext alert or handshake ends the count.
 */
static void t13_record(struct ea_tls_info *info, struct tls_dir *d, int dir, uint8_t type,
                       uint16_t len)
{
    struct ea_tls13_flights *fl = &info->t13;
    d->ccs_pending = 0;
    if (type == CT_APPDATA) {
        info->app_data = 1;
        if (fl->n[dir] < EA_TLS13_RECS)
            fl->len[dir][fl->n[dir]++] = len;
    } else if (type != CT_CCS) {
        if (type == CT_ALERT)
            info->alert = 1;
        dir_stop(d);
    }
}

/* A complete record header (RFC 5246 6.2.1): type(1) version(2) length(2). */
static void record_begin(struct ea_tls_state *st, struct ea_tls_info *info, int dir)
{
    struct tls_dir *d = &st->d[dir];
    struct ea_cur c;
    ea_cur_init(&c, d->hdr, REC_HDR);
    uint8_t type = ea_cur_u8(&c);
    uint8_t major = ea_cur_u8(&c);
    uint8_t minor = ea_cur_u8(&c);
    uint16_t len = ea_cur_be16(&c);
    int hs_partial = d->hs_in_body || d->hs_hdr_have > 0;

    d->started = 1;
    info->record_seen = 1;
    d->rec_type = type;
    d->rec_left = len;
    d->ccs_byte = 0;
    if (type < CT_CCS || type > CT_HEARTBEAT || !version_ok(major, minor) || len > REC_MAX ||
        (len == 0 && type != CT_APPDATA) ||           /* RFC 5246 6.2.1: no empty fragments */
        (hs_partial && type != CT_HANDSHAKE) ||       /* RFC 8446 5.1: no interleaving */
        (type == CT_CCS && len != 1)) {
        set_malformed(info, d);
        return;
    }
    if (st->t13) {
        t13_record(info, d, dir, type, len);
        return;
    }
    if (d->ccs_pending) {
        d->ccs_pending = 0;
        if (type != CT_APPDATA) {
            client_ccs(st, info);
            return;
        }
    }
    if (type == CT_APPDATA) {
        info->app_data = 1;
        /* RFC 8446 4.2.10: application_data before the ServerHello is 0-RTT early data. */
        if (dir == EA_DIR_C2S && st->offered_early && info->client_hello && !info->server_hello)
            info->early_data = 1;
        dir_stop(d);
    } else if (type == CT_ALERT) {
        info->alert = 1;
    }
}

/*
 * RFC 5246 Appendix E.2, SSLv2-compatible ClientHello:
 *   msg_length(2, high bit set: the length of what follows) msg_type(1) = 1
 *   version(2) cipher_spec_length(2) session_id_length(2) challenge_length(2)
 *   cipher_specs[cipher_spec_length] (3 bytes each) session_id[] challenge[]
 * The first five bytes are checked as they come, in d->hdr.
 */
#define V2_HEAD 5                /* msg_length, msg_type, version */
#define V2_REST_MIN (6 + 3 + 16) /* three lengths, one cipher spec, the shortest challenge */

static int v2_prefix_ok(const uint8_t *h, size_t n)
{
    if (n >= 1 && !(h[0] & 0x80))
        return 0;
    if (n >= 2) {
        uint32_t len = ((uint32_t)(h[0] & 0x7f) << 8) | h[1];
        if (len < 3 + V2_REST_MIN || len > HELLO_CAP)
            return 0;
    }
    if (n >= 3 && h[2] != HS_CLIENT_HELLO)
        return 0;
    return n < 5 || version_ok(h[3], h[4]);
}

/* The part after the version: lengths that add up, RFC 5246 E.2's bounds. */
static int v2_parse_rest(const uint8_t *b, size_t n)
{
    struct ea_cur c;
    ea_cur_init(&c, b, n);
    uint16_t cs = ea_cur_be16(&c), sid = ea_cur_be16(&c), ch = ea_cur_be16(&c);
    if (c.err || cs == 0 || cs % 3 != 0 || (sid != 0 && sid != 16) || ch < 16 || ch > 32)
        return 0;
    return (size_t)6 + cs + sid + ch == n;
}

/* Takes bytes of an SSLv2-compatible ClientHello; -1 when it is not one, 1 once parsed, 0 for more. */
static int v2_feed(struct ea_tls_state *st, struct ea_tls_info *info, struct ea_cur *c)
{
    struct tls_dir *d = &st->d[EA_DIR_C2S];
    while (d->hdr_have < V2_HEAD && ea_cur_left(c) > 0) {
        d->hdr[d->hdr_have++] = ea_cur_u8(c);
        if (!v2_prefix_ok(d->hdr, d->hdr_have))
            return -1;
    }
    if (d->hdr_have < V2_HEAD)
        return 0;
    if (!d->keep) {
        d->keep_len = ((((uint32_t)d->hdr[0] & 0x7f) << 8) | d->hdr[1]) - 3;
        d->keep_have = 0;
        d->keep = malloc(d->keep_len);
        if (!d->keep)
            return -1;
    }
    size_t take = ea_cur_left(c);
    if (take > d->keep_len - d->keep_have)
        take = d->keep_len - d->keep_have;
    const uint8_t *p = ea_cur_ptr(c, take);
    if (p && take) {
        memcpy(d->keep + d->keep_have, p, take);
        d->keep_have += (uint32_t)take;
    }
    if (d->keep_have < d->keep_len)
        return 0;
    int ok = v2_parse_rest(d->keep, d->keep_len);
    free(d->keep);
    d->keep = NULL;
    d->keep_len = d->keep_have = 0;
    if (!ok)
        return -1;
    info->client_version = (uint16_t)(d->hdr[3] << 8 | d->hdr[4]);
    info->client_hello = 1;
    info->sslv2_hello = 1;
    info->record_seen = 1;
    d->v2 = 0;
    d->started = 1;
    d->hdr_have = 0;
    if (d->hellos < UINT8_MAX)
        d->hellos++;
    return 1;
}

/*
 * Mid-stream: each record header (RFC 5246 6.2.1) must be well-formed and
 * carry the version of the first; bodies are skipped, and a record counts
 * once its body is complete. -1 when one is not,
 * else 0 (the caller checks whether both directions have enough records).
 */
static int mid_feed(struct ea_tls_state *st, struct ea_tls_info *info, int dir, struct ea_cur *c)
{
    struct tls_dir *d = &st->d[dir];
    while (ea_cur_left(c) > 0) {
        if (d->rec_left > 0) {
            size_t take = ea_cur_left(c) < d->rec_left ? ea_cur_left(c) : d->rec_left;
            ea_cur_skip(c, take);
            d->rec_left -= (uint32_t)take;
            if (d->rec_left == 0 && d->mid_records < UINT32_MAX)
                d->mid_records++;   /* a whole record: header and body */
            continue;
        }
        d->hdr[d->hdr_have++] = ea_cur_u8(c);
        if (d->hdr_have < REC_HDR)
            continue;
        d->hdr_have = 0;
        uint8_t type = d->hdr[0];
        uint16_t ver = (uint16_t)(d->hdr[1] << 8 | d->hdr[2]);
        uint16_t len = (uint16_t)(d->hdr[3] << 8 | d->hdr[4]);
        if (type < CT_CCS || type > CT_HEARTBEAT || !version_ok(d->hdr[1], d->hdr[2]) ||
            len > REC_MAX || (len == 0 && type != CT_APPDATA) ||
            (info->record_version && ver != info->record_version))
            return -1;
        info->record_version = ver;
        d->started = 1;
        d->rec_left = len;
        if (len == 0 && d->mid_records < UINT32_MAX)
            d->mid_records++;
    }
    return 0;
}

/*
 * The first byte of a direction (in d->hdr[0]) that cannot open a TLS record
 * may open an SSLv2-compatible ClientHello (client, nothing seen yet), or as
 * application_data a stream joined in the middle (neither side started with
 * a handshake). Returns 1 when one of these modes was entered; the byte stays
 * in d->hdr, where v2_feed and mid_feed go on collecting.
 */
static int other_start(struct ea_tls_state *st, int dir)
{
    struct tls_dir *d = &st->d[dir];
    const struct tls_dir *o = &st->d[!dir];
    if (d->hdr_have != 1 || d->started || o->v2)
        return 0;
    if (dir == EA_DIR_C2S && (d->hdr[0] & 0x80) && !o->started && !st->mid) {
        d->v2 = 1;
        return 1;
    }
    if (d->hdr[0] == CT_APPDATA && (st->mid || !o->started)) {
        st->mid = 1;
        return 1;
    }
    return 0;
}

/* TLS 1.3: whether more client records could still change the shape. */
static int t13_final(const struct ea_tls_info *info)
{
    const struct ea_tls13_flights *fl = &info->t13;
    if (info->psk || info->early_data || !fl->hash_len || fl->n[EA_DIR_C2S] >= EA_TLS13_RECS)
        return 1;
    switch (ea_tls13_shape(fl)) {
    case EA_T13_PENDING:
    case EA_T13_CERT_PACKED:
    case EA_T13_PADDED:
    case EA_T13_UNCONFIRMED:
        return 0;   /* a Finished record may still follow */
    default:
        return 1;
    }
}

/* Whether the mutual-TLS answer can no longer change. */
static int answer_final(const struct ea_tls_state *st, const struct ea_tls_info *info)
{
    if (info->midstream || info->malformed || (st->d[0].stopped && st->d[1].stopped))
        return 1;
    if (st->t13)
        return t13_final(info);
    /* After 0-RTT early data, the ServerHello still tells whether a PSK was accepted. */
    return (info->server_hello && is_tls13(info->version)) || info->resumed ||
           info->ccs[EA_DIR_C2S] || (info->app_data && !info->early_data);
}

/*
 * data is only read, never kept. NULL st or info gives NOT_MINE; a bad
 * 'dir' or NULL data is a no-op. NOT_MINE and DONE are sticky: later calls
 * return them without reading.
 */
enum ea_dis_rc ea_tls_feed(struct ea_tls_state *st, struct ea_tls_info *info,
                           int dir, const uint8_t *data, size_t len)
{
    if (!st || !info)
        return EA_DIS_NOT_MINE;
    strs_init(info);
    if (st->rc != EA_DIS_NEED_MORE || (dir != EA_DIR_C2S && dir != EA_DIR_S2C))
        return (enum ea_dis_rc)st->rc;

    struct tls_dir *d = &st->d[dir];
    struct ea_cur c;
    ea_cur_init(&c, data, len);
    while (ea_cur_left(&c) > 0 && !d->stopped) {
        if (d->v2 || st->mid) {
            int r = d->v2 ? v2_feed(st, info, &c) : mid_feed(st, info, dir, &c);
            if (r < 0) {
                st->rc = EA_DIS_NOT_MINE;
                goto out;
            }
            if (st->mid && st->d[0].mid_records >= EA_TLS_MID_RECORDS &&
                st->d[1].mid_records >= EA_TLS_MID_RECORDS) {
                info->midstream = 1;
                info->record_seen = 1;
            }
            if (st->mid)
                break;
            continue;
        }
        if (d->hdr_have < REC_HDR) {
            d->hdr[d->hdr_have++] = ea_cur_u8(&c);
            if (!d->started && !first_prefix_ok(d->hdr, d->hdr_have, dir)) {
                if (other_start(st, dir))
                    continue;
                st->rc = EA_DIS_NOT_MINE;
                goto out;
            }
            if (d->hdr_have < REC_HDR)
                continue;
            record_begin(st, info, dir);
            if (d->stopped || d->rec_left > 0)
                continue;
            d->hdr_have = 0;   /* empty application_data record */
            continue;
        }
        size_t take = ea_cur_left(&c);
        if (take > d->rec_left)
            take = d->rec_left;
        struct ea_cur body = ea_cur_sub(&c, take);
        if (d->rec_type == CT_HANDSHAKE)
            hs_feed(st, info, dir, &body);
        else if (d->rec_type == CT_CCS)
            d->ccs_byte = ea_cur_u8(&body);
        d->rec_left -= (uint32_t)take;
        if (d->rec_left == 0 && !d->stopped) {
            d->hdr_have = 0;
            if (d->rec_type == CT_CCS && !st->t13)
                on_ccs(st, info, dir);
        }
        if (answer_final(st, info))
            break;
    }
    if (answer_final(st, info))
        st->rc = EA_DIS_DONE;
out:
    return (enum ea_dis_rc)st->rc;
}

/* RFC 8446 4.4.4 / 5.2: a Finished record; a Certificate with an empty list (4.4.2). */
#define T13_TAG 16                  /* AEAD tag of the covered suites */
#define T13_EMPTY_CERT (HS_HDR + 1 + 3 + 1 + T13_TAG)   /* context<0>, certificate_list<0> */
#define T13_CERT_MIN 128            /* a Certificate record holding one X.509 certificate, at least */
#define T13_CV_MIN (HS_HDR + 4 + 32 + 1 + T13_TAG)      /* CertificateVerify, 32-byte signature */
#define T13_CV_MAX (HS_HDR + 4 + 1024 + 1 + T13_TAG)    /* ... 8192-bit RSA */
#define T13_CR_MAX 2048             /* a CertificateRequest record; a split Certificate is bigger */
#define T13_PAD_BLOCK 16            /* block padding to a multiple of 16 or more is suspected */

static uint16_t t13_finished(const struct ea_tls13_flights *fl)
{
    return (uint16_t)(HS_HDR + fl->hash_len + 1 + T13_TAG);
}

/*
 * The server's flight, when its stack sends one handshake message per record:
 * EncryptedExtensions, [CertificateRequest,] Certificate, CertificateVerify,
 * Finished. 1 when a CertificateRequest record is in view, 0 when the flight
 * has none, -1 when the flight cannot tell (packed, padded or not captured).
 */
static int t13_server_asked(const struct ea_tls13_flights *fl)
{
    const uint16_t *s = fl->len[EA_DIR_S2C];
    uint16_t fin = t13_finished(fl);
    for (uint8_t i = 3; i < fl->n[EA_DIR_S2C] && i <= 4; i++) {
        if (s[i] != fin)
            continue;
        if (i == 3)
            return 0;
        return s[1] <= T13_CR_MAX ? 1 : -1;
    }
    return -1;
}

/* Inner plaintext of a length padded to a block of 16 bytes or more (RFC 8446 5.4). */
static int t13_block_aligned(uint16_t len)
{
    return len > T13_TAG && (len - T13_TAG) % T13_PAD_BLOCK == 0;
}

/* The client's flight with its Finished record at index k (k >= 1). */
static enum ea_tls13_shape t13_before_finished(const uint16_t *c, uint8_t k)
{
    if (k == 1 && c[0] == T13_EMPTY_CERT)
        return EA_T13_EMPTY_CERT;
    if (c[0] < T13_CERT_MIN)
        return EA_T13_UNKNOWN;
    if (k == 1)   /* Certificate and CertificateVerify share a record */
        return c[0] >= T13_CERT_MIN + T13_CV_MIN ? EA_T13_CERT : EA_T13_UNKNOWN;
    if (k <= 3 && c[k - 1] >= T13_CV_MIN && c[k - 1] <= T13_CV_MAX)
        return EA_T13_CERT;   /* a Certificate in one or two records, then its CertificateVerify */
    return EA_T13_UNKNOWN;
}

/* The client's flight when no record has the Finished's length. */
static enum ea_tls13_shape t13_no_finished(const struct ea_tls13_flights *fl)
{
    const uint16_t *c = fl->len[EA_DIR_C2S];
    uint8_t n = fl->n[EA_DIR_C2S];
    uint16_t fin = t13_finished(fl);
    if (c[0] == fin + (T13_EMPTY_CERT - T13_TAG - 1))
        return EA_T13_EMPTY_CERT_PACKED;
    if (c[0] == T13_EMPTY_CERT)
        return n == 1 ? EA_T13_PENDING : EA_T13_UNKNOWN;
    for (uint8_t i = 1; i < n; i++)
        if (c[i] == c[0])
            return EA_T13_PADDED;   /* padding to a block of any size repeats lengths */
    if (c[0] >= T13_CERT_MIN + T13_CV_MIN + fin)
        return t13_block_aligned(c[0]) ? EA_T13_PADDED : EA_T13_CERT_PACKED;
    if (c[0] >= T13_CERT_MIN && n < 3)
        return EA_T13_PENDING;   /* a Certificate alone: CertificateVerify and Finished to come */
    return t13_block_aligned(c[0]) ? EA_T13_PADDED : EA_T13_UNKNOWN;
}

/*
 * Pure. Padding never makes a record shorter, so a record of exactly the
 * Finished's length is an unpadded Finished; a long record without one is
 * trusted as a packed flight only with the server's CertificateRequest record
 * in view and a length no block padding gives.
 */
enum ea_tls13_shape ea_tls13_shape(const struct ea_tls13_flights *fl)
{
    if (!fl || !fl->hash_len || fl->n[EA_DIR_C2S] > EA_TLS13_RECS || fl->n[EA_DIR_S2C] > EA_TLS13_RECS)
        return EA_T13_UNKNOWN;
    if (fl->n[EA_DIR_C2S] == 0)
        return EA_T13_PENDING;
    const uint16_t *c = fl->len[EA_DIR_C2S];
    uint16_t fin = t13_finished(fl);
    uint8_t k = 0;
    while (k < fl->n[EA_DIR_C2S] && c[k] != fin)
        k++;
    enum ea_tls13_shape sh = k == 0 ? EA_T13_NOT_REQUESTED
                           : k < fl->n[EA_DIR_C2S] ? t13_before_finished(c, k) : t13_no_finished(fl);
    int asked = t13_server_asked(fl);
    switch (sh) {
    case EA_T13_NOT_REQUESTED:
        return asked == 1 ? EA_T13_CONFLICT : sh;
    case EA_T13_EMPTY_CERT:
    case EA_T13_CERT:
        return asked == 0 ? EA_T13_CONFLICT : sh;
    case EA_T13_EMPTY_CERT_PACKED:
        return asked == 0 ? EA_T13_PADDED : sh;   /* a Finished padded by 8 bytes? */
    case EA_T13_CERT_PACKED:
        return asked == 1 ? sh : asked == 0 ? EA_T13_CONFLICT : EA_T13_UNCONFIRMED;
    default:
        return sh;
    }
}

/* Static string; "" for EA_MTLS_EV_NONE and out-of-range values. */
const char *ea_mtls_evidence_name(enum ea_mtls_evidence e)
{
    switch (e) {
    case EA_MTLS_EV_SEEN: return "seen";
    case EA_MTLS_EV_INFERRED: return "inferred";
    case EA_MTLS_EV_UNVERIFIABLE: return "unverifiable";
    default: return "";
    }
}

/* One mutual-TLS answer: what, how, and why in words (a static string). */
struct mtls_answer {
    enum ea_mtls mtls;
    enum ea_mtls_evidence ev;
    const char *why;
};

static struct mtls_answer answer(enum ea_mtls m, enum ea_mtls_evidence ev, const char *why)
{
    struct mtls_answer a = { m, ev, why };
    return a;
}

static struct mtls_answer unverifiable(const char *why)
{
    return answer(EA_MTLS_UNVERIFIABLE, EA_MTLS_EV_UNVERIFIABLE, why);
}

/* A "no" inferred from TLS 1.3, unless the server may still ask after the handshake. */
static struct mtls_answer t13_no(const struct ea_tls_info *info, const char *why)
{
    if (info->pha_offered)
        return unverifiable("the TLS 1.3 client offered post-handshake authentication, so the server "
                            "may ask for its certificate later, inside the encrypted stream");
    return answer(EA_MTLS_NO, EA_MTLS_EV_INFERRED, why);
}

/* RFC 8446 4.4: the client's second flight, read from its record lengths. */
static struct mtls_answer mtls13(const struct ea_tls_info *info)
{
    if (info->psk)
        return unverifiable("TLS 1.3 resumed with a pre-shared key: no certificates are exchanged");
    if (info->early_data)
        return unverifiable("TLS 1.3 0-RTT early data came before the handshake: the client's flight "
                            "cannot be told from it");
    if (!info->t13.hash_len)
        return unverifiable("the TLS 1.3 cipher suite is not one whose handshake shape was measured "
                            "(TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_256_GCM_SHA384)");
    switch (ea_tls13_shape(&info->t13)) {
    case EA_T13_NOT_REQUESTED:
        return t13_no(info, "the TLS 1.3 client's encrypted flight is a Finished only: no certificate was requested");
    case EA_T13_EMPTY_CERT:
        return t13_no(info, "the TLS 1.3 client's encrypted flight is an empty Certificate and a Finished: "
                            "a certificate was requested, none sent");
    case EA_T13_EMPTY_CERT_PACKED:
        return t13_no(info, "the TLS 1.3 client's encrypted flight is one record holding an empty Certificate "
                            "and a Finished: a certificate was requested, none sent");
    case EA_T13_CERT:
        return answer(EA_MTLS_YES, EA_MTLS_EV_INFERRED, "the TLS 1.3 client's encrypted flight holds a "
                      "Certificate and a CertificateVerify before its Finished");
    case EA_T13_CERT_PACKED:
        return answer(EA_MTLS_YES, EA_MTLS_EV_INFERRED, "the TLS 1.3 server sent a CertificateRequest record "
                      "and the client's flight is one record holding a Certificate, a CertificateVerify "
                      "and a Finished");
    case EA_T13_PADDED:
        return unverifiable("the TLS 1.3 record lengths fit record padding, which hides the handshake's shape");
    case EA_T13_CONFLICT:
        return unverifiable("the TLS 1.3 server's and client's encrypted flights disagree on whether a "
                            "certificate was requested");
    case EA_T13_UNCONFIRMED:
        return unverifiable("the TLS 1.3 client's flight is one long record and no CertificateRequest record "
                            "is in view: a packed certificate cannot be told from padding");
    case EA_T13_PENDING:
        return unverifiable("the TLS 1.3 client's encrypted handshake flight was not captured");
    default:
        return unverifiable("the TLS 1.3 client's encrypted flight has a shape not seen in tests");
    }
}

/*
 * Pure function of info. Order matters: resumption hides the answer; a
 * cleartext client certificate proves it; TLS 1.3 leaves only the shape.
 */
static struct mtls_answer mtls_explain(const struct ea_tls_info *info)
{
    if (!info || !info->record_seen)
        return answer(EA_MTLS_NONE, EA_MTLS_EV_NONE, "");
    if (info->server_hello && info->version == 0x0304)
        return mtls13(info);
    /* RFC 8446 4.3.2: TLS 1.3 (and its drafts) encrypt the CertificateRequest and the Certificate. */
    if (info->server_hello && is_tls13(info->version))
        return unverifiable("a TLS 1.3 draft version, whose handshake shape was not measured");
    if (info->hello_retry)
        return unverifiable("the server's TLS 1.3 ServerHello after its HelloRetryRequest was not captured");
    if (info->early_data && !info->server_hello)
        return unverifiable("TLS 1.3 0-RTT early data: a session resumed with a pre-shared key, "
                            "and the ServerHello was not captured");
    if (info->resumed)
        return unverifiable("a resumed TLS session exchanges no certificates");
    /* RFC 5246 7.4.6: a cleartext client Certificate is only sent on request. */
    if (info->client_cert_nonempty)
        return answer(EA_MTLS_YES, EA_MTLS_EV_SEEN, "the CertificateRequest and a client certificate were seen in clear");
    if (!info->client_hello)
        return unverifiable("joined mid-stream: the TLS handshake was not captured");
    if (info->client_cert)
        return answer(EA_MTLS_NO, EA_MTLS_EV_SEEN,
                      "the client answered the CertificateRequest with an empty Certificate");
    if (info->ccs[EA_DIR_C2S])
        return answer(EA_MTLS_NO, EA_MTLS_EV_SEEN, info->cert_request
                      ? "the client sent no Certificate" : "the server sent no CertificateRequest");
    if (!info->server_hello)
        return unverifiable("the server's side of the TLS handshake was not captured");
    if (!info->cert_request && (info->server_hello_done || info->ccs[EA_DIR_S2C]))
        return answer(EA_MTLS_NO, EA_MTLS_EV_SEEN, "the server sent no CertificateRequest");
    return unverifiable("the TLS handshake was not captured completely");
}

enum ea_mtls ea_tls_mtls(const struct ea_tls_info *info)
{
    return mtls_explain(info).mtls;
}

enum ea_mtls_evidence ea_tls_mtls_evidence(const struct ea_tls_info *info)
{
    return mtls_explain(info).ev;
}

const char *ea_tls_mtls_why(const struct ea_tls_info *info)
{
    return mtls_explain(info).why;
}

void ea_tls_info_init(struct ea_tls_info *t)
{
    memset(t, 0, sizeof(*t));
    strs_init(t);
}

void ea_tls_info_clear(struct ea_tls_info *t)
{
    if (t->sni != no_str)
        free(t->sni);
    if (t->alpn != no_str)
        free(t->alpn);
    ea_tls_info_init(t);
}

struct ea_tls_info *ea_tls_info_new(void)
{
    struct ea_tls_info *t = malloc(sizeof(*t));
    if (t)
        ea_tls_info_init(t);
    return t;
}

void ea_tls_info_free(struct ea_tls_info *t)
{
    if (!t)
        return;
    ea_tls_info_clear(t);
    free(t);
}

int ea_tls_matched(const struct ea_tls_info *t)
{
    return t && (t->client_hello || t->server_hello || t->midstream);
}

int ea_tls_pseudo_start(const struct ea_tls_info *t)
{
    return t && t->server_hello && !t->server_cert && !t->cert_request && !t->ccs[0] && !t->ccs[1] &&
           !t->app_data && !t->resumed && !t->midstream && !t->psk && t->version != 0x0304;
}
