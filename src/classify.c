/* classify.c: per-flow inspection: in-order TCP bytes to the dissectors, packets to nDPI. */
#include <stdlib.h>
#include <string.h>
#include "classify.h"
#include "ndpi-glue.h"
#include "dissect-banner.h"
#include "dissect-rtp.h"
#include "dissect-sip.h"
#include "dissect-stun.h"
#include "dissect-tls.h"
#include "dissect-xmpp.h"

/* Payload packets a STUN flow is watched for media after its checks (issue 15). */
#define EA_ICE_MEDIA_WAIT 24

/* Stream bytes the RFC 4571 probe may see before it must have decided. */
#define EA_RTP_TCP_PROBE_BYTES 16384

/* Candidate dissectors, as bits of ea_inspect.alive. */
#define D_TLS    0x01
#define D_SIP    0x02
#define D_XMPP   0x04
#define D_BANNER 0x08
#define D_STUN   0x10
#define D_RTP    0x20
#define D_RTPTCP 0x40

/* One direction of a TCP stream, for in-order delivery. */
struct ea_stream {
    uint32_t next_seq;
    uint64_t delivered;      /* bytes handed to the dissectors */
    uint8_t have_seq;
    uint8_t gap;             /* a hole: later bytes of this direction are not inspected */
};

struct ea_inspect {
    struct ea_stream s[2];
    uint32_t payload_pkts;
    uint16_t alive;
    uint8_t ndpi_done;
    uint8_t xmpp_upgraded;
    struct ea_tls_state *tls;
    struct ea_xmpp_state *xmpp;
    struct ea_rtp_tcp_state *rtp_tcp;
};

struct ea_classifier {
    struct ea_ndpi *ndpi;
    struct ea_stats *st;
};

struct ea_classifier *ea_classifier_new(struct ea_stats *st)
{
    struct ea_classifier *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->ndpi = ea_ndpi_new();
    if (!c->ndpi) {
        free(c);
        return NULL;
    }
    c->st = st;
    return c;
}

void ea_classifier_free(struct ea_classifier *c)
{
    if (!c)
        return;
    ea_ndpi_free(c->ndpi);
    free(c);
}

void ea_classify_release(struct ea_flow *f)
{
    if (f->insp) {
        ea_tls_state_free(f->insp->tls);
        ea_xmpp_state_free(f->insp->xmpp);
        ea_rtp_tcp_state_free(f->insp->rtp_tcp);
        free(f->insp);
        f->insp = NULL;
    }
    ea_ndpi_flow_free(f->ndpi_flow);
    f->ndpi_flow = NULL;
}

/* Allocates an info struct on first use; NULL on out-of-memory. */
#define INFO(f, field) ((f)->facts.field ? (f)->facts.field : ((f)->facts.field = calloc(1, sizeof(*(f)->facts.field))))

static struct ea_inspect *inspect_new(struct ea_flow *f)
{
    struct ea_inspect *in = calloc(1, sizeof(*in));
    if (!in)
        return NULL;
    if (f->key.proto == IPPROTO_TCP)
        in->alive = D_TLS | D_SIP | D_XMPP | D_BANNER | D_STUN | D_RTPTCP;
    else if (f->key.proto == IPPROTO_UDP)
        in->alive = D_SIP | D_STUN | D_RTP;
    return in;
}

/* RFC 5389 7.2.2: STUN over TCP carries whole messages back to back. */
static void stun_tcp(struct ea_flow *f, struct ea_inspect *in, int dir,
                     const uint8_t *d, size_t n, uint64_t offset)
{
    if (offset != 0 || n < 20) {
        if (offset == 0)
            in->alive &= ~D_STUN;
        return;
    }
    size_t mlen = 20 + ((size_t)d[2] << 8 | d[3]);
    struct ea_stun_info tmp = { 0 };
    if (ea_stun_parse(&tmp, dir, d, mlen < n ? mlen : n) != EA_DIS_DONE) {
        in->alive &= ~D_STUN;
        return;
    }
    struct ea_stun_info *si = INFO(f, stun);
    if (si)
        ea_stun_parse(si, dir, d, mlen < n ? mlen : n);
}

/* Hands in-order stream bytes of one direction to every live stream dissector. */
static void feed_stream(struct ea_classifier *c, struct ea_flow *f, struct ea_inspect *in,
                        int dir, const uint8_t *d, size_t n, uint64_t offset)
{
    enum ea_dis_rc rc;

    if (offset == 0 && (in->alive & D_BANNER)) {
        struct ea_banner_info tmp = { 0 };
        if (ea_banner_parse(&tmp, dir, d, n) == EA_DIS_DONE) {
            struct ea_banner_info *b = INFO(f, banner);
            if (b && !b->kind)
                *b = tmp;
            in->alive = D_BANNER;   /* a banner settles it */
            return;
        }
        /* SSH servers speak first, so only the client's first bytes rule a banner out. */
        if (dir == EA_DIR_C2S)
            in->alive &= ~D_BANNER;
    }
    if (offset == 0 && (in->alive & D_SIP)) {
        struct ea_sip_info tmp = { 0 };
        rc = ea_sip_parse(&tmp, dir, d, n);
        if (rc == EA_DIS_DONE) {
            struct ea_sip_info *s = INFO(f, sip);
            if (s)
                ea_sip_parse(s, dir, d, n);
        } else if (rc == EA_DIS_NOT_MINE) {
            in->alive &= ~D_SIP;
        }
    }
    if (in->alive & D_STUN)
        stun_tcp(f, in, dir, d, n, offset);
    if (in->alive & D_XMPP) {
        if (!in->xmpp)
            in->xmpp = ea_xmpp_state_new();
        struct ea_xmpp_info *x = INFO(f, xmpp);
        rc = (in->xmpp && x) ? ea_xmpp_feed(in->xmpp, x, dir, d, n) : EA_DIS_NOT_MINE;
        if (rc == EA_DIS_NOT_MINE) {
            in->alive &= ~D_XMPP;
            if (x && !ea_xmpp_seen(x)) {
                free(f->facts.xmpp);
                f->facts.xmpp = NULL;
            }
        } else if (rc == EA_DIS_UPGRADE) {
            /* STARTTLS accepted: from the next bytes on, both directions carry TLS. */
            in->alive = D_TLS;
            in->xmpp_upgraded = 1;
            ea_tls_state_free(in->tls);
            in->tls = ea_tls_state_new();
            return;
        } else if (rc == EA_DIS_DONE) {
            in->alive = 0;
            return;
        }
    }
    if (in->alive & D_TLS) {
        if (!in->tls)
            in->tls = ea_tls_state_new();
        struct ea_tls_info *t = INFO(f, tls);
        rc = (in->tls && t) ? ea_tls_feed(in->tls, t, dir, d, n) : EA_DIS_NOT_MINE;
        if (rc == EA_DIS_NOT_MINE) {
            in->alive &= ~D_TLS;
            if (t && !t->client_hello && !t->server_hello) {
                free(f->facts.tls);
                f->facts.tls = NULL;
            }
        } else {
            in->alive &= D_TLS;     /* TLS excludes the cleartext dissectors */
            if (rc == EA_DIS_DONE)
                in->alive = 0;
        }
    }
    if (in->alive & D_RTPTCP) {
        if (!in->rtp_tcp)
            in->rtp_tcp = ea_rtp_tcp_state_new();
        struct ea_rtp_info *r = INFO(f, rtp);
        rc = (in->rtp_tcp && r) ? ea_rtp_tcp_feed(in->rtp_tcp, r, dir, d, n) : EA_DIS_NOT_MINE;
        /* ICE-TCP (RFC 6544): STUN inside the framing is that flow's STUN. */
        const struct ea_stun_info *fs = in->rtp_tcp ? ea_rtp_tcp_stun(in->rtp_tcp) : NULL;
        if (fs && r && r->stun_in_4571) {
            struct ea_stun_info *si = INFO(f, stun);
            if (si)
                *si = *fs;
        }
        /* Random lengths of other protocols can look like long frames: bound the effort. */
        if (rc == EA_DIS_NEED_MORE && !(r && r->stun_in_4571) &&
            in->s[0].delivered + in->s[1].delivered > EA_RTP_TCP_PROBE_BYTES)
            rc = EA_DIS_NOT_MINE;
        if (rc == EA_DIS_NOT_MINE) {
            in->alive &= ~D_RTPTCP;
            if (r && !ea_rtp_matched(r)) {
                free(f->facts.rtp);
                f->facts.rtp = NULL;
            }
        } else if (rc == EA_DIS_DONE) {
            in->alive = 0;
        }
    }
    (void)c;
}

/* In-order delivery of one TCP segment's payload (RFC 9293 sequence space). */
static void tcp_segment(struct ea_classifier *c, struct ea_flow *f, struct ea_inspect *in,
                        int dir, const struct ea_packet *p)
{
    struct ea_stream *s = &in->s[dir];
    if (p->tcp_flags & EA_TH_SYN) {
        s->next_seq = p->tcp_seq + 1;
        s->have_seq = 1;
        return;
    }
    if (p->payload_len == 0 || s->gap)
        return;
    if (!s->have_seq) {            /* joined mid-stream: start here */
        s->next_seq = p->tcp_seq;
        s->have_seq = 1;
    }
    int32_t delta = (int32_t)(p->tcp_seq - s->next_seq);
    const uint8_t *d = p->payload;
    size_t n = p->payload_len;
    if (delta > 0) {               /* a hole: the bytes in between were not captured */
        s->gap = 1;
        c->st->tcp_gaps++;
        return;
    }
    if (delta < 0) {               /* retransmission: keep only what is new */
        size_t old = (size_t)(-(int64_t)delta);
        if (old >= n)
            return;
        d += old;
        n -= old;
    }
    uint64_t off = s->delivered;
    s->delivered += n;
    s->next_seq += (uint32_t)n;
    if (p->payload_wire_len > p->payload_len) {
        /* Cut by the snap length: the rest of this segment is a hole. */
        s->gap = 1;
        c->st->tcp_gaps++;
    }
    feed_stream(c, f, in, dir, d, n, off);
}

/* RTP or RTCP (RFC 3550) in a datagram, or relayed inside TURN ChannelData (channel 1). */
static void rtp_datagram(struct ea_flow *f, struct ea_inspect *in, int dir,
                         const uint8_t *d, size_t n, int channel)
{
    if (!(in->alive & D_RTP))
        return;
    struct ea_rtp_info *r = INFO(f, rtp);
    enum ea_dis_rc rc = r ? ea_rtp_parse(r, dir, d, n) : EA_DIS_NOT_MINE;
    if (rc == EA_DIS_NOT_MINE) {
        in->alive &= ~D_RTP;
        if (r && !ea_rtp_matched(r)) {
            free(f->facts.rtp);
            f->facts.rtp = NULL;
        }
    } else if (channel) {
        r->turn_channel = 1;
    }
}

/* RFC 7983 first-byte demultiplexing of a UDP payload. */
static void udp_datagram(struct ea_flow *f, struct ea_inspect *in, int dir,
                         const uint8_t *d, size_t n)
{
    if (n == 0)
        return;
    uint8_t b = d[0];
    if (b <= 3 && (in->alive & D_STUN)) {
        struct ea_stun_info tmp = { 0 };
        if (ea_stun_parse(&tmp, dir, d, n) == EA_DIS_DONE) {
            struct ea_stun_info *si = INFO(f, stun);
            if (si)
                ea_stun_parse(si, dir, d, n);
            in->alive &= D_STUN | D_RTP;
            return;
        }
    }
    if (b >= 64 && b <= 79 && f->facts.stun) {
        /* TURN ChannelData (RFC 8656 12.4); the media it relays demultiplexes as below. */
        const uint8_t *app = NULL;
        size_t app_len = 0;
        if (ea_stun_parse(f->facts.stun, dir, d, n) == EA_DIS_DONE &&
            ea_stun_channel_data(d, n, &app, &app_len) && app_len && app[0] >= 128 && app[0] <= 191)
            rtp_datagram(f, in, dir, app, app_len, 1);
        return;
    }
    if (b >= 128 && b <= 191) {
        rtp_datagram(f, in, dir, d, n, 0);
        return;
    }
    if (in->alive & D_SIP) {
        struct ea_sip_info tmp = { 0 };
        enum ea_dis_rc rc = ea_sip_parse(&tmp, dir, d, n);
        if (rc == EA_DIS_DONE) {
            struct ea_sip_info *s = INFO(f, sip);
            if (s)
                ea_sip_parse(s, dir, d, n);
            in->alive &= D_SIP;
        } else if (rc == EA_DIS_NOT_MINE) {
            in->alive &= ~D_SIP;
        }
    }
}

/* True once our dissectors have said all they will say. */
static int dissectors_settled(const struct ea_flow *f, const struct ea_inspect *in)
{
    if (ea_rtp_matched(f->facts.rtp))
        return 1;
    /* ICE (RFC 8445): media follows the checks on the same 5-tuple, so wait a little for it. */
    if (f->facts.stun && f->facts.stun->messages[0] + f->facts.stun->messages[1] >= 4 &&
        !((in->alive & D_RTP) && in->payload_pkts < EA_ICE_MEDIA_WAIT))
        return 1;
    /* On UDP wait for the answer too; on TCP the request settles it. */
    if (f->facts.sip && f->facts.sip->request && (f->facts.sip->response || f->key.proto == IPPROTO_TCP))
        return 1;
    if (ea_banner_matched(f->facts.banner))
        return 1;
    return in->alive == 0;
}

void ea_classify_packet(struct ea_classifier *c, struct ea_flow *f, int *dir,
                        const struct ea_packet *p)
{
    if (f->label.decided)
        return;
    if (!f->insp) {
        f->insp = inspect_new(f);
        if (!f->insp)
            return;
    }
    struct ea_inspect *in = f->insp;

    /* A UDP flow whose first packet is a STUN response was seen from the wrong end. */
    if (f->key.proto == IPPROTO_UDP && f->pkts[0] + f->pkts[1] == 1 && *dir == 0 &&
        !f->initiator_inferred && ea_stun_is_response(p->payload, p->payload_len)) {
        ea_flow_orient_reply(f);
        *dir = 1;
    }

    if (!in->ndpi_done && p->l3) {
        if (!f->ndpi_flow)
            f->ndpi_flow = ea_ndpi_flow_new();
        if (f->ndpi_flow)
            in->ndpi_done = (uint8_t)ea_ndpi_process(c->ndpi, f->ndpi_flow, p->l3, p->l3_len,
                                                     p->ts_ns, &f->label.ndpi_master, &f->label.ndpi_app);
    }

    if (f->key.proto == IPPROTO_TCP)
        tcp_segment(c, f, in, *dir, p);
    else if (f->key.proto == IPPROTO_UDP)
        udp_datagram(f, in, *dir, p->payload, p->payload_len);

    if (p->payload_len)
        in->payload_pkts++;
    /* Once our dissectors are sure, nDPI gets a few packets more, not forty. */
    if ((dissectors_settled(f, in) && (in->ndpi_done || in->payload_pkts >= 8)) ||
        in->payload_pkts >= EA_INSPECT_MAX_PACKETS)
        ea_classify_finish(c, f);
}

/* The final label from the facts gathered, most specific first. */
static void set_label(struct ea_flow *f)
{
    int tls = ea_tls_matched(f->facts.tls);
    enum ea_xmpp_side xs = ea_xmpp_seen(f->facts.xmpp) ? ea_xmpp_side(f->facts.xmpp, f->key.dport, NULL)
                                                 : EA_XMPP_SIDE_UNKNOWN;
    enum ea_app nd = ea_ndpi_app(f->label.ndpi_master, f->label.ndpi_app);

    f->label.src = EA_SRC_DISSECTOR;
    if (xs != EA_XMPP_SIDE_UNKNOWN) {
        f->label.app = xs == EA_XMPP_SIDE_S2S ? EA_APP_XMPP_S2S : EA_APP_XMPP_C2S;
    } else if (tls) {
        if (f->key.dport == 5061) {
            /* RFC 3261 26.2: 5061 is SIP over TLS; the payload itself is encrypted. */
            f->label.app = EA_APP_SIP_TLS;
            f->label.src = EA_SRC_PORT;
        } else {
            f->label.app = EA_APP_TLS;
        }
    } else if (ea_sip_matched(f->facts.sip)) {
        f->label.app = EA_APP_SIP;
    } else if (f->facts.rtp && f->facts.rtp->is_rtp) {
        f->label.app = EA_APP_RTP;            /* media, even after ICE checks (f->stun keeps them) */
    } else if (f->facts.rtp && f->facts.rtp->is_rtcp) {
        f->label.app = EA_APP_RTCP;
    } else if (ea_stun_matched(f->facts.stun)) {
        f->label.app = (f->facts.stun->msturn || f->facts.stun->ms_attrs) ? EA_APP_MSTURN : EA_APP_STUN;
    } else if (f->facts.banner && f->facts.banner->kind == EA_BANNER_SSH) {
        f->label.app = EA_APP_SSH;
    } else if (f->facts.banner && f->facts.banner->kind == EA_BANNER_HTTP) {
        f->label.app = EA_APP_HTTP;
    } else if (nd != EA_APP_UNKNOWN) {
        f->label.app = nd;
        f->label.src = f->label.ndpi_guessed ? EA_SRC_PORT : EA_SRC_NDPI;
    } else {
        f->label.app = EA_APP_UNKNOWN;
        f->label.src = EA_SRC_NONE;
    }
}

void ea_classify_finish(struct ea_classifier *c, struct ea_flow *f)
{
    if (f->label.decided)
        return;
    if (f->ndpi_flow && !(f->insp && f->insp->ndpi_done)) {
        uint16_t m = 0, a = 0;
        uint8_t g = 0;
        ea_ndpi_giveup(c->ndpi, f->ndpi_flow, &m, &a, &g);
        if (m || a) {
            f->label.ndpi_master = m;
            f->label.ndpi_app = a;
            f->label.ndpi_guessed = g;
        }
    }
    set_label(f);
    /* One per field family a dissector had to cut to its cap; counted once, here. */
    c->st->str_truncated += (uint64_t)((f->facts.tls && f->facts.tls->str_truncated) + (f->facts.sip && f->facts.sip->str_truncated) +
                                       (f->facts.xmpp && f->facts.xmpp->str_truncated) +
                                       (f->facts.banner && f->facts.banner->str_truncated));
    f->label.decided = 1;
    ea_classify_release(f);
}

const char *ea_classify_ndpi_name(struct ea_classifier *c, const struct ea_flow *f,
                                  char *buf, size_t len)
{
    return ea_ndpi_name(c->ndpi, f->label.ndpi_master, f->label.ndpi_app, buf, len);
}

const char *ea_classify_ndpi_service(struct ea_classifier *c, const struct ea_flow *f,
                                     char *buf, size_t len)
{
    return ea_ndpi_service(c->ndpi, f->label.ndpi_master, f->label.ndpi_app, buf, len);
}

const char *ea_classify_label(struct ea_classifier *c, const struct ea_flow *f,
                              char *buf, size_t len)
{
    if (f->label.app != EA_APP_NDPI)
        return ea_app_name(f->label.app);
    return ea_ndpi_label(c->ndpi, f->label.ndpi_master, f->label.ndpi_app, buf, len);
}
