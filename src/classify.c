/* classify.c: per-flow inspection: in-order TCP bytes and UDP datagrams to a table of
   dissectors, packets to nDPI. */
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
#include "util-pool.h"

/* Payload packets a STUN flow is watched for media after its checks (issue 15). */
#define EA_ICE_MEDIA_WAIT 24

/* Stream bytes the RFC 4571 probe may see before it must have decided. */
#define EA_RTP_TCP_PROBE_BYTES 16384

/*
 * The dissector table's rows, in the order a stream chunk or a datagram
 * meets them. SIP is last: any first byte may start a SIP datagram, so it
 * gets what the RFC 7983 ranges before it leave.
 */
enum { DI_BANNER, DI_STUN, DI_XMPP, DI_TLS, DI_RTP, DI_SIP, DI__COUNT };
#define BIT(i) ((uint16_t)(1u << (i)))
#define ALL ((uint16_t)((1u << DI__COUNT) - 1))

/* How bytes come: in-order stream bytes of one direction, or one datagram. */
enum { ON_STREAM, ON_DGRAM };

/* One direction of a TCP stream, for in-order delivery. */
struct ea_stream {
    uint64_t delivered;      /* bytes handed to the dissectors */
    uint32_t next_seq;
    uint8_t have_seq;
    uint8_t gap;             /* a hole: later bytes of this direction are not inspected */
};

/* What only a TCP flow's inspection needs: in-order delivery and the dissectors' stream states. */
struct ea_inspect_tcp {
    struct ea_stream s[2];
    void *state[DI__COUNT];           /* a row's own state, NULL until first fed */
};

/*
 * A flow's working state while it is inspected (the flow's 'work'). Owns the
 * dissector states, nDPI's flow and the infos the flow has not adopted: an
 * info passes to the flow (f->facts) once its dissector matched, or when
 * inspection ends. A UDP flow, which may wait out its idle timeout still
 * inspected, holds 72 bytes here (an 80-byte malloc chunk); a TCP flow has its
 * stream part as well.
 */
struct ea_inspect {
    uint16_t payload_pkts;            /* at most EA_INSPECT_MAX_PACKETS: then it is decided */
    uint16_t alive;                   /* bit per table row still in the running */
    uint16_t adopted;                 /* bit per row whose info the flow owns */
    uint8_t ndpi_done;
    void *ndpi_flow;                  /* ndpi-glue.c's per-flow state */
    void *info[DI__COUNT];            /* a row's facts, NULL until first fed */
    struct ea_inspect_tcp *tcp;       /* TCP flows only (owned), else NULL */
};

/*
 * Bytes a pool of the classifier keeps at most: what one flow's inspection
 * gives back is taken again by the next flows (pools are per classifier, so
 * per worker thread).
 */
#define EA_POOL_BYTES 65536

/* Blocks of a pool of blocks of 'size' bytes: EA_POOL_BYTES' worth, at least 16. */
#define POOL_CAP(size) ((size) * 16 > EA_POOL_BYTES ? 16 : EA_POOL_BYTES / (size))

/*
 * The classifier. Its pools hold the blocks a flow's inspection takes and
 * gives back (ea_inspect, its TCP part, each row's state and facts). A
 * block of a pool is a plain malloc block: facts a flow adopted are freed
 * with the flow (ea_flow_free, maybe in another thread), never given back.
 */
struct ea_classifier {
    struct ea_ndpi *ndpi;
    struct ea_stats *st;
    struct ea_pool inspect_pool, tcp_pool;
    struct ea_pool state_pool[DI__COUNT], info_pool[DI__COUNT];
};

/* One hand-over of bytes to one dissector. */
struct feed {
    struct ea_classifier *c;
    struct ea_flow *f;
    struct ea_inspect *in;
    void *state;                      /* the row's state (NULL when it keeps none) */
    void *info;                       /* the row's facts, never NULL */
    int dir;
    const uint8_t *d;
    size_t n;
    uint64_t offset;                  /* streams: bytes of this direction before d */
};

/*
 * A row of the table. The exclusions are data: keep_mine and keep_done are
 * the rows left alive ([ON_STREAM], [ON_DGRAM]) once it says NEED_MORE and
 * DONE; NOT_MINE takes its own row out.
 */
struct dissector {
    uint16_t keep_mine[2], keep_done[2];
    uint16_t upgrade_to;              /* UPGRADE: only these rows, from the next bytes on */
    uint8_t dgram_lo, dgram_hi;       /* first bytes of the datagrams it looks at (RFC 7983) */
    uint8_t dgram_claims;             /* a datagram in its range is its own, whatever it says */
    uint8_t dgram_miss_stays;         /* a datagram not its own does not rule it out */
    uint8_t keep_partial;             /* unmatched facts still pass to the flow at the end */
    size_t (*state_size)(void);       /* NULL: it keeps no state; else a zeroed block of this size is a new one */
    void (*state_free)(void *st);
    void (*state_clear)(void *st);    /* frees what a state holds, not the state (NULL: nothing) */
    void (*info_free)(void *info);
    void (*info_init)(void *info);    /* makes a zeroed block a new info (NULL: zero is new) */
    void (*info_clear)(void *info);   /* frees what an info holds, not the info (NULL: nothing) */
    size_t info_size;
    int (*matched)(const void *info);
    void (*adopt)(struct ea_flow *f, void *info);       /* f->facts.X = info */
    enum ea_dis_rc (*stream)(struct feed *fd);          /* NULL: not on streams */
    enum ea_dis_rc (*dgram)(struct feed *fd);           /* NULL: not on datagrams */
    /* NULL: settled when it stops */
    int (*settled)(const struct ea_flow *f, const struct ea_inspect *in, const void *info);
};

/* A row's info functions as the table calls them, and its place in the flow's facts. */
#define FACTS(NAME, MATCHED)                                                           \
    static void NAME##_info_free(void *i) { ea_##NAME##_info_free(i); }                \
    static int NAME##_matched(const void *i) { return MATCHED(i); }                    \
    static void NAME##_adopt(struct ea_flow *f, void *i) { f->facts.NAME = i; }
FACTS(banner, ea_banner_matched)
FACTS(stun, ea_stun_matched)
FACTS(xmpp, ea_xmpp_seen)
FACTS(tls, ea_tls_matched)
FACTS(rtp, ea_rtp_matched)
FACTS(sip, ea_sip_matched)

/* TLS facts hold strings: "" until set (ea_tls_info_init), freed by ea_tls_info_clear. */
static void tls_info_init(void *i) { ea_tls_info_init(i); }
static void tls_info_clear(void *i) { ea_tls_info_clear(i); }

/* A row's state functions as the table calls them. */
#define STATE(NAME, PREFIX)                                                            \
    static void NAME##_state_free(void *st) { PREFIX##_state_free(st); }               \
    static size_t NAME##_state_size(void) { return PREFIX##_state_size(); }
STATE(xmpp, ea_xmpp)
STATE(tls, ea_tls)
STATE(rtp, ea_rtp_tcp)
static void xmpp_state_clear(void *st) { ea_xmpp_state_clear(st); }
static void tls_state_clear(void *st) { ea_tls_state_clear(st); }

/* SSH identification or HTTP start line: the first bytes of each direction. */
static enum ea_dis_rc banner_stream(struct feed *fd)
{
    if (fd->offset != 0)
        return EA_DIS_NEED_MORE;
    /* The first banner found is kept; a second one is only recognised. */
    struct ea_banner_info *b = ea_banner_matched(fd->info) ? NULL : fd->info;
    enum ea_dis_rc rc = ea_banner_parse(b, fd->dir, fd->d, fd->n);
    /* SSH servers speak first, so only the client's first bytes rule a banner out. */
    if (rc == EA_DIS_NOT_MINE && fd->dir != EA_DIR_C2S)
        rc = EA_DIS_NEED_MORE;
    return rc;
}

/* RFC 5389 7.2.2: STUN over TCP carries whole messages back to back; the first one decides. */
static enum ea_dis_rc stun_stream(struct feed *fd)
{
    if (fd->offset != 0)
        return EA_DIS_NEED_MORE;
    /* A STUN message starts with two zero bits (RFC 5389 6): no ChannelData here. */
    if (fd->n < 20 || (fd->d[0] & 0xC0))
        return EA_DIS_NOT_MINE;
    size_t mlen = 20 + ((size_t)fd->d[2] << 8 | fd->d[3]);
    return ea_stun_parse(fd->info, fd->dir, fd->d, mlen < fd->n ? mlen : fd->n);
}

static enum ea_dis_rc run(struct feed *fd, size_t i, int on);

/* TURN ChannelData's Application Data, when it starts like RTP (RFC 7983), to the RTP row. */
static void relay_media(struct feed *fd)
{
    const uint8_t *app = NULL;
    size_t app_len = 0;
    if (!ea_stun_channel_data(fd->d, fd->n, &app, &app_len) || !app_len || app[0] < 128 ||
        app[0] > 191 || !(fd->in->alive & BIT(DI_RTP)))
        return;
    struct feed media = *fd;
    media.d = app;
    media.n = app_len;
    if (run(&media, DI_RTP, ON_DGRAM) != EA_DIS_NOT_MINE)
        ((struct ea_rtp_info *)media.info)->turn_channel = 1;
}

/* RFC 7983: 0-3 is STUN, 64-79 TURN ChannelData (RFC 8656 12.4) once STUN was seen. */
static enum ea_dis_rc stun_dgram(struct feed *fd)
{
    uint8_t b = fd->d[0];
    if (b <= 3)
        return ea_stun_parse(fd->info, fd->dir, fd->d, fd->n);
    if (b < 64 || b > 79 || !ea_stun_matched(fd->info))
        return EA_DIS_NOT_MINE;
    enum ea_dis_rc rc = ea_stun_parse(fd->info, fd->dir, fd->d, fd->n);
    if (rc == EA_DIS_DONE)
        relay_media(fd);
    return rc;
}

static enum ea_dis_rc xmpp_stream(struct feed *fd)
{
    return ea_xmpp_feed(fd->state, fd->info, fd->dir, fd->d, fd->n);
}

static void *info_of(struct ea_classifier *c, struct ea_inspect *in, size_t i);
static void adopt_if_matched(struct ea_flow *f, struct ea_inspect *in, size_t i);

/*
 * [MS-TURN] 3.1.5.1: after the pseudo-TLS start, TURN messages follow in
 * clear on the same connection. A well-formed STUN/MS-TURN message there is
 * the flow's STUN, which tells TURN over TCP from a real TLS handshake.
 */
static void turn_after_pseudo_tls(struct feed *fd)
{
    if (!ea_tls_pseudo_start(fd->info) || fd->n < 20 || (fd->d[0] & 0xC0))
        return;
    struct ea_stun_info *si = info_of(fd->c, fd->in, DI_STUN);
    size_t mlen = 20 + ((size_t)fd->d[2] << 8 | fd->d[3]);
    if (si && ea_stun_parse(si, fd->dir, fd->d, mlen < fd->n ? mlen : fd->n) == EA_DIS_DONE)
        adopt_if_matched(fd->f, fd->in, DI_STUN);
}

static enum ea_dis_rc tls_stream(struct feed *fd)
{
    turn_after_pseudo_tls(fd);
    return ea_tls_feed(fd->state, fd->info, fd->dir, fd->d, fd->n);
}

/* RFC 4571 framing; ICE-TCP (RFC 6544) STUN inside it is the flow's STUN. */
static enum ea_dis_rc rtp_stream(struct feed *fd)
{
    struct ea_rtp_info *r = fd->info;
    enum ea_dis_rc rc = ea_rtp_tcp_feed(fd->state, r, fd->dir, fd->d, fd->n);
    const struct ea_stun_info *fs = ea_rtp_tcp_stun(fd->state);
    if (fs && r->stun_in_4571) {
        struct ea_stun_info *si = info_of(fd->c, fd->in, DI_STUN);
        if (si) {
            *si = *fs;
            adopt_if_matched(fd->f, fd->in, DI_STUN);
        }
    }
    /* Random lengths of other protocols can look like long frames: bound the effort. */
    if (rc == EA_DIS_NEED_MORE && !r->stun_in_4571 &&
        fd->in->tcp->s[0].delivered + fd->in->tcp->s[1].delivered > EA_RTP_TCP_PROBE_BYTES)
        rc = EA_DIS_NOT_MINE;
    return rc;
}

static enum ea_dis_rc rtp_dgram(struct feed *fd)
{
    return ea_rtp_parse(fd->info, fd->dir, fd->d, fd->n);
}

/* A SIP message start: the first bytes of each stream direction, or a datagram. */
static enum ea_dis_rc sip_stream(struct feed *fd)
{
    if (fd->offset != 0)
        return EA_DIS_NEED_MORE;
    return ea_sip_parse(fd->info, fd->dir, fd->d, fd->n);
}

static enum ea_dis_rc sip_dgram(struct feed *fd)
{
    return ea_sip_parse(fd->info, fd->dir, fd->d, fd->n);
}

/* ICE (RFC 8445): on UDP media follows the checks on the same 5-tuple, so wait a little for it. */
static int stun_settled(const struct ea_flow *f, const struct ea_inspect *in, const void *info)
{
    const struct ea_stun_info *s = info;
    int media_may_follow = f->key.proto == IPPROTO_UDP && (in->alive & BIT(DI_RTP)) &&
                           in->payload_pkts < EA_ICE_MEDIA_WAIT;
    return s->messages[0] + s->messages[1] >= 4 && !media_may_follow;
}

static int rtp_settled(const struct ea_flow *f, const struct ea_inspect *in, const void *info)
{
    (void)f;
    (void)in;
    return ea_rtp_matched(info);
}

static int banner_settled(const struct ea_flow *f, const struct ea_inspect *in, const void *info)
{
    (void)f;
    (void)in;
    return ea_banner_matched(info);
}

/* On UDP wait for the answer too; on TCP the request settles it. */
static int sip_settled(const struct ea_flow *f, const struct ea_inspect *in, const void *info)
{
    const struct ea_sip_info *s = info;
    (void)in;
    return s->request && (s->response || f->key.proto == IPPROTO_TCP);
}

#define INFO_FNS(NAME) \
    .info_free = NAME##_info_free, .matched = NAME##_matched, \
    .adopt = NAME##_adopt, .info_size = sizeof(struct ea_##NAME##_info)

static const struct dissector table[DI__COUNT] = {
    [DI_BANNER] = { .keep_mine = { ALL, ALL }, .keep_done = { BIT(DI_BANNER), ALL },
                    INFO_FNS(banner), .stream = banner_stream, .settled = banner_settled },
    /* A STUN flow on UDP may carry media (RFC 7983), never SIP. */
    [DI_STUN] = { .keep_mine = { ALL, ALL }, .keep_done = { ALL, BIT(DI_STUN) | BIT(DI_RTP) },
                  .dgram_lo = 0, .dgram_hi = 79, .dgram_miss_stays = 1,
                  INFO_FNS(stun), .stream = stun_stream, .dgram = stun_dgram,
                  .settled = stun_settled },
    /* STARTTLS accepted (RFC 6120 5.4.3.3): from the next bytes on, both directions are TLS. */
    [DI_XMPP] = { .keep_mine = { ALL, ALL }, .keep_done = { 0, ALL }, .upgrade_to = BIT(DI_TLS),
                  .keep_partial = 1, .state_free = xmpp_state_free, .state_size = xmpp_state_size,
                  .state_clear = xmpp_state_clear,
                  INFO_FNS(xmpp), .stream = xmpp_stream },
    /* TLS excludes the cleartext dissectors. */
    [DI_TLS] = { .keep_mine = { BIT(DI_TLS), ALL }, .keep_done = { 0, ALL }, .keep_partial = 1,
                 .state_free = tls_state_free, .state_size = tls_state_size,
                 .state_clear = tls_state_clear,
                 .info_init = tls_info_init, .info_clear = tls_info_clear,
                 INFO_FNS(tls), .stream = tls_stream },
    [DI_RTP] = { .keep_mine = { ALL, ALL }, .keep_done = { 0, ALL },
                 .dgram_lo = 128, .dgram_hi = 191, .dgram_claims = 1, .keep_partial = 1,
                 .state_free = rtp_state_free, .state_size = rtp_state_size,
                 INFO_FNS(rtp), .stream = rtp_stream, .dgram = rtp_dgram, .settled = rtp_settled },
    [DI_SIP] = { .keep_mine = { ALL, ALL }, .keep_done = { ALL, BIT(DI_SIP) },
                 .dgram_lo = 0, .dgram_hi = 255,
                 INFO_FNS(sip), .stream = sip_stream, .dgram = sip_dgram, .settled = sip_settled },
};

/* Row i's new facts, from c's pool; NULL on out-of-memory. */
static void *info_make(struct ea_classifier *c, size_t i)
{
    void *info = ea_pool_get(&c->info_pool[i]);
    if (info && table[i].info_init)
        table[i].info_init(info);
    return info;
}

/* Gives row i's facts back to c's pool; without c (a flow freed undecided) frees them. */
static void info_release(struct ea_classifier *c, size_t i, void *info)
{
    if (!c || !info) {
        table[i].info_free(info);
        return;
    }
    if (table[i].info_clear)
        table[i].info_clear(info);
    ea_pool_put(&c->info_pool[i], info);
}

/* Row i's new stream state, from c's pool; NULL on out-of-memory. */
static void *state_make(struct ea_classifier *c, size_t i)
{
    return ea_pool_get(&c->state_pool[i]);
}

/* Gives row i's state back to c's pool; without c frees it. */
static void state_release(struct ea_classifier *c, size_t i, void *st)
{
    if (!c || !st) {
        table[i].state_free(st);
        return;
    }
    if (table[i].state_clear)
        table[i].state_clear(st);
    ea_pool_put(&c->state_pool[i], st);
}

/* Row i's facts, made on first use; NULL on out-of-memory. */
static void *info_of(struct ea_classifier *c, struct ea_inspect *in, size_t i)
{
    if (!in->info[i])
        in->info[i] = info_make(c, i);
    return in->info[i];
}

/* Hands row i's facts to the flow once they say its protocol was found. */
static void adopt_if_matched(struct ea_flow *f, struct ea_inspect *in, size_t i)
{
    if (!(in->adopted & BIT(i)) && table[i].matched(in->info[i])) {
        table[i].adopt(f, in->info[i]);
        in->adopted |= BIT(i);
    }
}

/* Gives back row i's facts unless the flow owns them (c NULL: frees them). */
static void drop_info(struct ea_classifier *c, struct ea_inspect *in, size_t i)
{
    if (!(in->adopted & BIT(i)))
        info_release(c, i, in->info[i]);
    in->info[i] = NULL;
}

/* 1 when the n bytes at p are all zero (p not NULL). */
static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; p && i < n; i++)
        if (b[i])
            return 0;
    return p != NULL;
}

/* Row i's verdict on what it was fed, applied to the rows still alive. */
static void apply(struct ea_classifier *c, struct ea_inspect *in, size_t i, int on, enum ea_dis_rc rc)
{
    const struct dissector *ds = &table[i];
    switch (rc) {
    case EA_DIS_NEED_MORE:
        in->alive &= ds->keep_mine[on];
        break;
    case EA_DIS_DONE:
        in->alive &= ds->keep_done[on];
        break;
    case EA_DIS_UPGRADE:
        in->alive = ds->upgrade_to;
        for (size_t j = 0; j < DI__COUNT; j++)
            if ((ds->upgrade_to & BIT(j)) && in->tcp) {   /* a fresh start for what follows */
                if (table[j].state_free)
                    state_release(c, j, in->tcp->state[j]);
                in->tcp->state[j] = NULL;
            }
        break;
    case EA_DIS_NOT_MINE:
    default:
        if (on == ON_DGRAM && ds->dgram_miss_stays) {
            /* Still in the running: an info the miss left as new is made again when needed
               (a DNS flow whose IDs start like STUN waits out its timeout without one). */
            if (!(in->adopted & BIT(i)) && all_zero(in->info[i], ds->info_size))
                drop_info(c, in, i);
            break;
        }
        in->alive &= (uint16_t)~BIT(i);
        if (!ds->matched(in->info[i]))
            drop_info(c, in, i);
        break;
    }
}

/* Gives back the states of the rows that are out: no bytes reach them again. */
static void drop_dead_states(struct ea_classifier *c, struct ea_inspect *in)
{
    for (size_t j = 0; in->tcp && j < DI__COUNT; j++)
        if (in->tcp->state[j] && !(in->alive & BIT(j))) {
            state_release(c, j, in->tcp->state[j]);
            in->tcp->state[j] = NULL;
        }
}

/*
 * Feeds row i the bytes in fd; a row that cannot get its state or facts is
 * out. States are stream states: a datagram row gets none (a UDP flow never
 * pays for the RFC 4571 framing buffers).
 */
static enum ea_dis_rc run(struct feed *fd, size_t i, int on)
{
    const struct dissector *ds = &table[i];
    struct ea_inspect *in = fd->in;
    enum ea_dis_rc rc = EA_DIS_NOT_MINE;
    int stateful = ds->state_size && on == ON_STREAM && in->tcp;
    if (stateful && !in->tcp->state[i])
        in->tcp->state[i] = state_make(fd->c, i);
    fd->state = stateful ? in->tcp->state[i] : NULL;
    fd->info = info_of(fd->c, in, i);
    if (fd->info && (fd->state || !stateful)) {
        rc = on == ON_STREAM ? ds->stream(fd) : ds->dgram(fd);
        adopt_if_matched(fd->f, in, i);
    }
    apply(fd->c, in, i, on, rc);
    drop_dead_states(fd->c, in);
    return rc;
}

/* Hands in-order stream bytes of one direction to every live row, in table order. */
static void feed_stream(struct feed *fd)
{
    for (size_t i = 0; i < DI__COUNT; i++)
        if (table[i].stream && (fd->in->alive & BIT(i)) &&
            run(fd, i, ON_STREAM) == EA_DIS_UPGRADE)
            return;                     /* the bytes after these belong to the new rows */
}

/*
 * RFC 7983 first-byte demultiplexing: a datagram goes to the first live row
 * whose range holds its first byte and that takes it. A range that is claimed
 * stays its row's even once the row is out.
 */
static void feed_datagram(struct feed *fd)
{
    if (fd->n == 0)
        return;
    uint8_t b = fd->d[0];
    for (size_t i = 0; i < DI__COUNT; i++) {
        const struct dissector *ds = &table[i];
        if (!ds->dgram || b < ds->dgram_lo || b > ds->dgram_hi)
            continue;
        if (!(fd->in->alive & BIT(i))) {
            if (ds->dgram_claims)
                return;
            continue;
        }
        if (run(fd, i, ON_DGRAM) != EA_DIS_NOT_MINE || ds->dgram_claims)
            return;
    }
}

/* True once our dissectors have said all they will say. */
static int dissectors_settled(const struct ea_flow *f, const struct ea_inspect *in)
{
    for (size_t i = 0; i < DI__COUNT; i++)
        if (table[i].settled && in->info[i] && table[i].settled(f, in, in->info[i]))
            return 1;
    return in->alive == 0;
}

/* At the end, what a row gathered passes to the flow: matched, or partial where the row keeps that. */
static void adopt_all(struct ea_flow *f, struct ea_inspect *in)
{
    for (size_t i = 0; in && i < DI__COUNT; i++)
        if (in->info[i] && !(in->adopted & BIT(i)) &&
            (table[i].keep_partial || table[i].matched(in->info[i]))) {
            table[i].adopt(f, in->info[i]);
            in->adopted |= BIT(i);
        }
}

/*
 * Ends a flow's working state: every row's state, the facts the flow did not
 * adopt, nDPI's flow. Its blocks go back to c's pools; without c they are
 * freed. NULL in is a no-op.
 */
static void inspect_release(struct ea_classifier *c, struct ea_inspect *in)
{
    if (!in)
        return;
    for (size_t i = 0; i < DI__COUNT; i++) {
        if (table[i].state_free && in->tcp)
            state_release(c, i, in->tcp->state[i]);
        drop_info(c, in, i);
    }
    ea_ndpi_flow_free(in->ndpi_flow);
    if (!c) {
        free(in->tcp);
        free(in);
        return;
    }
    ea_pool_put(&c->tcp_pool, in->tcp);
    ea_pool_put(&c->inspect_pool, in);
}

/* The flow's work_free, for a flow freed before its inspection ended (no classifier at hand). */
static void inspect_free(void *work)
{
    inspect_release(NULL, work);
}

/* The flow's working state, made on its first packet; NULL on out-of-memory. */
static struct ea_inspect *inspect_of(struct ea_classifier *c, struct ea_flow *f)
{
    if (f->work)
        return f->work;
    struct ea_inspect *in = ea_pool_get(&c->inspect_pool);
    if (!in)
        return NULL;
    if (f->key.proto == IPPROTO_TCP) {
        in->tcp = ea_pool_get(&c->tcp_pool);
        if (!in->tcp) {
            ea_pool_put(&c->inspect_pool, in);
            return NULL;
        }
    }
    for (size_t i = 0; i < DI__COUNT; i++)
        if ((f->key.proto == IPPROTO_TCP && table[i].stream) ||
            (f->key.proto == IPPROTO_UDP && table[i].dgram))
            in->alive |= BIT(i);
    f->work = in;
    f->work_free = inspect_free;
    return in;
}

/* Every pool empty, each sized for its blocks. */
static void pools_init(struct ea_classifier *c)
{
    ea_pool_init(&c->inspect_pool, sizeof(struct ea_inspect), POOL_CAP(sizeof(struct ea_inspect)));
    ea_pool_init(&c->tcp_pool, sizeof(struct ea_inspect_tcp), POOL_CAP(sizeof(struct ea_inspect_tcp)));
    for (size_t i = 0; i < DI__COUNT; i++) {
        size_t ss = table[i].state_size ? table[i].state_size() : 0;
        ea_pool_init(&c->state_pool[i], ss, ss ? POOL_CAP(ss) : 0);
        ea_pool_init(&c->info_pool[i], table[i].info_size, POOL_CAP(table[i].info_size));
    }
}

/* Frees what the pools keep. */
static void pools_drain(struct ea_classifier *c)
{
    ea_pool_drain(&c->inspect_pool);
    ea_pool_drain(&c->tcp_pool);
    for (size_t i = 0; i < DI__COUNT; i++) {
        ea_pool_drain(&c->state_pool[i]);
        ea_pool_drain(&c->info_pool[i]);
    }
}

struct ea_classifier *ea_classifier_new(struct ea_stats *st)
{
    struct ea_classifier *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    pools_init(c);
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
    pools_drain(c);
    free(c);
}

void ea_classifier_reset(struct ea_classifier *c)
{
    ea_ndpi_reset(c->ndpi);
}

/* In-order delivery of one TCP segment's payload (RFC 9293 sequence space). */
static void tcp_segment(struct ea_classifier *c, struct feed *fd, const struct ea_packet *p)
{
    struct ea_stream *s = &fd->in->tcp->s[fd->dir];
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
    fd->d = d;
    fd->n = n;
    fd->offset = off;
    feed_stream(fd);
}

void ea_classify_packet(struct ea_classifier *c, struct ea_flow *f, int *dir,
                        const struct ea_packet *p)
{
    if (f->label.decided)
        return;
    struct ea_inspect *in = inspect_of(c, f);
    if (!in)
        return;

    /* A UDP flow whose first packet is a STUN response was seen from the wrong end. */
    if (f->key.proto == IPPROTO_UDP && f->pkts[0] + f->pkts[1] == 1 && *dir == 0 &&
        !f->initiator_inferred && ea_stun_is_response(p->payload, p->payload_len)) {
        ea_flow_orient_reply(f);
        *dir = 1;
    }

    if (!in->ndpi_done && p->l3) {
        if (!in->ndpi_flow)
            in->ndpi_flow = ea_ndpi_flow_new(f->key.proto == IPPROTO_TCP);
        if (in->ndpi_flow)
            in->ndpi_done = (uint8_t)ea_ndpi_process(c->ndpi, &in->ndpi_flow, p, &f->label.ndpi_master,
                                                     &f->label.ndpi_app);
        if (in->ndpi_done) {    /* nDPI has said all it will say: its flow is not asked again */
            ea_ndpi_flow_free(in->ndpi_flow);
            in->ndpi_flow = NULL;
        }
    }

    struct feed fd = { .c = c, .f = f, .in = in, .dir = *dir };
    if (f->key.proto == IPPROTO_TCP) {
        tcp_segment(c, &fd, p);
    } else if (f->key.proto == IPPROTO_UDP) {
        fd.d = p->payload;
        fd.n = p->payload_len;
        feed_datagram(&fd);
    }

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
    } else if (tls && !(ea_stun_matched(f->facts.stun) && ea_tls_pseudo_start(f->facts.tls))) {
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
    struct ea_inspect *in = f->work;
    if (in && in->ndpi_flow && !in->ndpi_done) {
        uint16_t m = 0, a = 0;
        uint8_t g = 0;
        ea_ndpi_giveup(c->ndpi, &in->ndpi_flow, &m, &a, &g);
        if (m || a) {
            f->label.ndpi_master = m;
            f->label.ndpi_app = a;
            f->label.ndpi_guessed = g;
        }
    }
    adopt_all(f, in);
    set_label(f);
    /* One per field family a dissector had to cut to its cap; counted once, here. */
    c->st->str_truncated += (uint64_t)((f->facts.tls && f->facts.tls->str_truncated) + (f->facts.sip && f->facts.sip->str_truncated) +
                                       (f->facts.xmpp && f->facts.xmpp->str_truncated) +
                                       (f->facts.banner && f->facts.banner->str_truncated));
    f->label.decided = 1;
    inspect_release(c, f->work);
    f->work = NULL;
    f->work_free = NULL;
}

void ea_classify_held(const struct ea_flow *f, struct ea_inspect_held *h)
{
    const struct ea_inspect *in = f->work_free == inspect_free ? f->work : NULL;
    memset(h, 0, sizeof(*h));
    if (!in)
        return;
    h->work = 1;
    h->ndpi = in->ndpi_flow != NULL;
    h->ndpi_bytes = ea_ndpi_flow_size(in->ndpi_flow);
    for (size_t i = 0; i < DI__COUNT; i++) {
        h->states += in->tcp && in->tcp->state[i] != NULL;
        h->infos += in->info[i] && !(in->adopted & BIT(i));
    }
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
