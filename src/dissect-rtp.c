/* dissect-rtp.c: RTP/RTCP version-2 heuristics (RFC 3550, RFC 5761) and RFC 4571 framing on TCP. */
#include <stdlib.h>
#include <string.h>
#include "dissect-rtp.h"
#include "dissect-stun.h"
#include "util-bytes.h"

#define RTP_MAX_BAD     8      /* misfits before an undecided flow is given up */
#define RTP_MAX_STEP    100    /* largest forward sequence jump still in a run */
#define RTP_TCP_KEEP    1500   /* bytes of a frame kept: enough for every header check */

/* One packet as seen by the checks: 'kept' bytes at b, of 'total' on the wire. */
struct pkt {
    const uint8_t *b;
    size_t kept;
    size_t total;
    uint8_t last;           /* the packet's last byte (RTP padding count) */
};

/* K_MUX: STUN or DTLS sharing the 5-tuple; K_SRTCP: RTCP we cannot walk. Both neutral. */
enum kind { K_MISFIT, K_RTP, K_RTCP, K_MUX, K_SRTCP };

struct rtp_hdr {
    uint8_t pt;
    uint16_t seq;
    uint32_t ssrc;
};

/* One direction of an RFC 4571 stream. */
struct rtp_tcp_dir {
    uint8_t lenbuf[2];      /* length prefix bytes collected so far */
    uint8_t lenhave;
    uint8_t in_frame;
    uint8_t judged;         /* frame already counted as a misfit from its first byte */
    size_t need;            /* frame length from the prefix */
    size_t got;             /* frame bytes consumed (kept or skipped) */
    uint8_t last;
    uint8_t buf[RTP_TCP_KEEP];
};

struct ea_rtp_tcp_state {
    struct rtp_tcp_dir d[2];
    struct ea_stun_info stun;   /* RFC 6544 connectivity checks inside the framing */
};

static void bump(uint32_t *n)
{
    if (*n < UINT32_MAX)
        (*n)++;
}

/*
 * RFC 3550 section 6.4 (SR 6.4.1, RR 6.4.2), common RTCP header:
 *  |V=2|P|  RC/SC  |      PT       |             length            |
 * length is in 32-bit words minus one. A compound packet (section 6.1)
 * starts with SR or RR, only its last packet may be padded, and the
 * lengths must add up to the datagram exactly. Returns 1 when they do.
 */
static int rtcp_walk(const struct pkt *p)
{
    struct ea_cur c;
    int first = 1;

    if (p->kept != p->total)
        return 0;
    ea_cur_init(&c, p->b, p->kept);
    while (ea_cur_left(&c) > 0) {
        uint8_t b0 = ea_cur_u8(&c);
        uint8_t pt = ea_cur_u8(&c);
        uint16_t words = ea_cur_be16(&c);
        struct ea_cur body = ea_cur_sub(&c, (size_t)words * 4);
        if (c.err || (b0 >> 6) != 2 || pt < 200 || pt > 207)
            return 0;
        if (first && pt != 200 && pt != 201)
            return 0;
        first = 0;
        unsigned count = b0 & 0x1F;
        /* SR: SSRC + 5 words of sender info; RR: SSRC; then 6 words per report block. */
        if (pt == 200 && words < 6 + 6 * count)
            return 0;
        if (pt == 201 && words < 1 + 6 * count)
            return 0;
        if (pt == 203 && words < count)      /* BYE: one SSRC/CSRC per count */
            return 0;
        if (b0 & 0x20) {
            /* Padding: last packet only; its last octet counts the pad bytes. */
            if (ea_cur_left(&c) > 0 || words == 0)
                return 0;
            ea_cur_skip(&body, (size_t)words * 4 - 1);
            uint8_t pad = ea_cur_u8(&body);
            if (body.err || pad == 0 || pad > (size_t)words * 4)
                return 0;
        }
    }
    return !c.err && !first;
}

/*
 * RFC 3550 section 5.1 fixed header:
 *  |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 *  |                           timestamp                           |
 *  |           synchronization source (SSRC) identifier            |
 *  |            contributing source (CSRC) identifiers  (CC)       |
 * then section 5.3.1 extension when X: | profile | length (words) | data.
 * CSRCs, extension and padding must fit in the packet; payload types
 * 72-76 belong to RTCP (RFC 5761 section 4). Returns 0 and fills h, or -1.
 */
static int rtp_check(const struct pkt *p, struct rtp_hdr *h)
{
    struct ea_cur c;
    ea_cur_init(&c, p->b, p->kept);

    uint8_t b0 = ea_cur_u8(&c);
    uint8_t b1 = ea_cur_u8(&c);
    h->seq = ea_cur_be16(&c);
    ea_cur_skip(&c, 4);             /* timestamp */
    h->ssrc = ea_cur_be32(&c);
    h->pt = b1 & 0x7F;
    if (c.err || (b0 >> 6) != 2 || (h->pt >= 72 && h->pt <= 76))
        return -1;
    size_t hlen = 12 + 4 * (size_t)(b0 & 0x0F);
    if (b0 & 0x10) {
        ea_cur_skip(&c, hlen - 12);
        ea_cur_skip(&c, 2);         /* profile-defined */
        uint16_t words = ea_cur_be16(&c);
        if (c.err)
            return -1;
        hlen += 4 + 4 * (size_t)words;
    }
    if (hlen > p->total)
        return -1;
    if (b0 & 0x20) {
        /* Padding count is the packet's last octet and covers itself. */
        if (p->last == 0 || p->last > p->total - hlen)
            return -1;
    }
    return 0;
}

/*
 * SRTCP (RFC 3711 section 3.4) encrypts everything after the first 8 bytes
 * and appends an index and tag, and RFC 5506 drops the SR/RR-first rule, so
 * neither walks. A cleartext first header (version 2, type 200-207, length
 * that fits) is too little to decide on, but it is no evidence against RTP.
 */
static int is_srtcp(const struct pkt *p)
{
    struct ea_cur c;
    ea_cur_init(&c, p->b, p->kept);
    uint8_t b0 = ea_cur_u8(&c);
    uint8_t pt = ea_cur_u8(&c);
    uint16_t words = ea_cur_be16(&c);
    ea_cur_skip(&c, 4);             /* sender SSRC, also in clear */
    return !c.err && (b0 >> 6) == 2 && pt >= 200 && pt <= 207 &&
           ((size_t)words + 1) * 4 <= p->total;
}

/*
 * DTLS record header (RFC 6347 section 4.1): type 20-25, version 0xFE..,
 * epoch, 48-bit sequence number, length that fits.
 */
static int is_dtls(const struct pkt *p)
{
    struct ea_cur c;
    ea_cur_init(&c, p->b, p->kept);
    uint8_t type = ea_cur_u8(&c);
    uint8_t major = ea_cur_u8(&c);
    ea_cur_skip(&c, 9);             /* minor version, epoch, sequence number */
    uint16_t rlen = ea_cur_be16(&c);
    return !c.err && type >= 20 && type <= 25 && major == 0xFE && rlen <= p->total - 13;
}

/*
 * What one packet is. RFC 7983 lets STUN (first byte 0-3) and DTLS (20-63)
 * share the 5-tuple with media; those are K_MUX, neither fit nor misfit.
 * stun may be NULL (then STUN is not looked for).
 */
static enum kind classify(const struct pkt *p, int d, struct ea_stun_info *stun, struct rtp_hdr *h)
{
    struct ea_cur c;
    ea_cur_init(&c, p->b, p->kept);
    uint8_t b0 = ea_cur_u8(&c);

    if (c.err)
        return K_MISFIT;
    if ((b0 >> 6) == 2) {
        /* Second byte 200-207 is RTCP's, or RTP types 72-79 with the marker
           that RFC 5761 section 4 keeps RTP out of: RTCP goes first. */
        if (rtcp_walk(p))
            return K_RTCP;
        if (is_srtcp(p))
            return K_SRTCP;
        return rtp_check(p, h) == 0 ? K_RTP : K_MISFIT;
    }
    if (b0 <= 3 && stun && p->kept == p->total &&
        ea_stun_parse(stun, d, p->b, p->kept) == EA_DIS_DONE)
        return K_MUX;
    if (b0 >= 20 && b0 <= 63 && is_dtls(p))
        return K_MUX;
    return K_MISFIT;
}

static void misfit(struct ea_rtp_info *info, int d)
{
    bump(&info->bad);
    info->run[d] = 0;
}

/* Sequence numbers advance by 1..RTP_MAX_STEP modulo 2^16 within a run. */
static void account_rtp(struct ea_rtp_info *info, int d, const struct rtp_hdr *h)
{
    info->payload_type = h->pt;
    if (info->run[d] > 0) {
        uint16_t step = (uint16_t)(h->seq - info->seq[d]);
        if (h->ssrc == info->ssrc[d] && step >= 1 && step <= RTP_MAX_STEP) {
            if (info->run[d] < UINT16_MAX)
                info->run[d]++;
        } else {
            misfit(info, d);
            info->run[d] = 1;       /* this packet may start the real stream */
        }
    } else {
        info->run[d] = 1;
    }
    info->ssrc[d] = h->ssrc;
    info->seq[d] = h->seq;
    if (info->run[d] >= EA_RTP_MIN_PACKETS && !info->is_rtcp)
        info->is_rtp = 1;
}

static enum ea_dis_rc verdict(const struct ea_rtp_info *info)
{
    if (info->is_rtp || info->is_rtcp)
        return EA_DIS_DONE;
    return info->bad >= RTP_MAX_BAD ? EA_DIS_NOT_MINE : EA_DIS_NEED_MORE;
}

static int given_up(const struct ea_rtp_info *info)
{
    return !info->is_rtp && !info->is_rtcp && info->bad >= RTP_MAX_BAD;
}

/* Feeds one packet; returns the kind so the TCP path can note STUN. */
static enum kind feed_packet(struct ea_rtp_info *info, int d, const struct pkt *p,
                             struct ea_stun_info *stun)
{
    struct rtp_hdr h;
    enum kind k = classify(p, d, stun, &h);

    switch (k) {
    case K_RTCP:
        bump(&info->rtcp_packets);
        if (!info->is_rtp)
            info->is_rtcp = 1;
        break;
    case K_RTP:
        account_rtp(info, d, &h);
        break;
    case K_MUX:
    case K_SRTCP:
        break;
    case K_MISFIT:
        misfit(info, d);
        break;
    }
    return k;
}

/*
 * Feeds one RTP or RTCP packet. info is caller-owned and zeroed before the
 * first call; dir is EA_DIR_C2S or EA_DIR_S2C (non-zero counts as S2C).
 * NULL info gives NOT_MINE; NULL data counts as an empty packet (a misfit).
 * Once NOT_MINE has been returned it is returned again without looking.
 */
enum ea_dis_rc ea_rtp_parse(struct ea_rtp_info *info, int dir, const uint8_t *data, size_t len)
{
    struct ea_stun_info scratch;
    struct pkt p;
    struct ea_cur c;

    if (!info)
        return EA_DIS_NOT_MINE;
    if (given_up(info))
        return EA_DIS_NOT_MINE;
    ea_cur_init(&c, data, len);
    p.b = c.b;
    p.kept = p.total = c.len;
    ea_cur_skip(&c, c.len ? c.len - 1 : 0);
    p.last = ea_cur_u8(&c);
    memset(&scratch, 0, sizeof(scratch));
    feed_packet(info, dir ? 1 : 0, &p, &scratch);
    return verdict(info);
}

/* Returns a zeroed state; NULL on out-of-memory. Freed by ea_rtp_tcp_state_free. */
struct ea_rtp_tcp_state *ea_rtp_tcp_state_new(void)
{
    return calloc(1, sizeof(struct ea_rtp_tcp_state));
}

/* NULL is a no-op. */
size_t ea_rtp_tcp_state_size(void)
{
    return sizeof(struct ea_rtp_tcp_state);
}

void ea_rtp_tcp_state_free(struct ea_rtp_tcp_state *st)
{
    free(st);
}

/* Borrowed pointer into st (valid until ea_rtp_tcp_state_free); NULL st gives NULL. */
const struct ea_stun_info *ea_rtp_tcp_stun(const struct ea_rtp_tcp_state *st)
{
    return st ? &st->stun : NULL;
}

/*
 * First byte that cannot open RTP/RTCP (version 2), STUN (0-3) or DTLS
 * (20-63): the frame is a misfit now, without waiting up to 64 KiB for its
 * end, so a stream that is not RFC 4571 is given up on sooner.
 */
static int hopeless_first_byte(uint8_t b0)
{
    return (b0 >> 6) != 2 && b0 > 3 && (b0 < 20 || b0 > 63);
}

/* One complete RFC 4571 frame (at most RTP_TCP_KEEP bytes of it kept). */
static void tcp_frame(struct ea_rtp_tcp_state *st, struct ea_rtp_info *info, int d)
{
    struct rtp_tcp_dir *s = &st->d[d];
    struct pkt p;

    p.b = s->buf;
    p.total = s->need;
    p.kept = s->need < RTP_TCP_KEEP ? s->need : RTP_TCP_KEEP;
    p.last = s->last;
    uint32_t before = st->stun.messages[d];
    enum kind k = feed_packet(info, d, &p, &st->stun);
    if (st->stun.messages[d] != before)
        info->stun_in_4571 = 1;
    /* One frame that merely fits says little; a decision or a STUN walk does. */
    if (k != K_MISFIT && (info->is_rtp || info->is_rtcp || info->stun_in_4571))
        info->rfc4571 = 1;
}

/*
 * RFC 4571 section 2 framing on TCP:
 *  |             LENGTH            |  RTP or RTCP packet ...
 * Feeds in-order stream bytes of one direction; frames may be split
 * anywhere. st and info are caller-owned (st from ea_rtp_tcp_state_new).
 * Buffering is bounded: longer frames keep their first RTP_TCP_KEEP bytes
 * and the rest is counted off. A zero length is a misfit. NULL st or info
 * gives NOT_MINE; once NOT_MINE it stays so.
 */
enum ea_dis_rc ea_rtp_tcp_feed(struct ea_rtp_tcp_state *st, struct ea_rtp_info *info,
                               int dir, const uint8_t *data, size_t len)
{
    struct ea_cur c;
    int d = dir ? 1 : 0;

    if (!st || !info)
        return EA_DIS_NOT_MINE;
    struct rtp_tcp_dir *s = &st->d[d];
    ea_cur_init(&c, data, len);
    while (ea_cur_left(&c) > 0 && !given_up(info)) {
        if (!s->in_frame) {
            s->lenbuf[s->lenhave++] = ea_cur_u8(&c);
            if (s->lenhave < 2)
                continue;
            s->lenhave = 0;
            s->need = (size_t)s->lenbuf[0] << 8 | s->lenbuf[1];
            s->got = 0;
            if (s->need == 0)
                misfit(info, d);
            else
                s->in_frame = 1;
            continue;
        }
        size_t n = s->need - s->got;
        if (n > ea_cur_left(&c))
            n = ea_cur_left(&c);
        const uint8_t *q = ea_cur_ptr(&c, n);
        if (!q)
            break;
        if (s->got == 0 && hopeless_first_byte(q[0])) {
            misfit(info, d);
            s->judged = 1;
        }
        if (s->got < RTP_TCP_KEEP) {
            size_t k = RTP_TCP_KEEP - s->got;
            memcpy(s->buf + s->got, q, k < n ? k : n);
        }
        s->last = q[n - 1];
        s->got += n;
        if (s->got == s->need) {
            s->in_frame = 0;
            if (!s->judged)
                tcp_frame(st, info, d);
            s->judged = 0;
        }
    }
    return verdict(info);
}

struct ea_rtp_info *ea_rtp_info_new(void)
{
    return calloc(1, sizeof(struct ea_rtp_info));
}

void ea_rtp_info_free(struct ea_rtp_info *r)
{
    free(r);
}

int ea_rtp_matched(const struct ea_rtp_info *r)
{
    return r && (r->is_rtp || r->is_rtcp);
}
