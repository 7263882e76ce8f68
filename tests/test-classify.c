/* test-classify.c: the dissector table: facts pass to the flow once matched, the working state is the flow's to free. */
#include <stdlib.h>
#include <string.h>
#include "tests.h"
#include "classify.h"
#include "dissect-sip.h"
#include "dissect-stun.h"
#include "dissect-tls.h"
#include "dissect-banner.h"
#include "dissect-rtp.h"
#include "dissect-xmpp.h"

#define LIT(s) ((const uint8_t *)(s)), (sizeof(s) - 1)

static struct ea_flow *udp_flow(uint16_t sport, uint16_t dport)
{
    struct ea_flow *f = calloc(1, sizeof(*f));
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    f->key.family = 4;
    f->key.proto = IPPROTO_UDP;
    f->key.src[0] = 10; f->key.src[3] = 1;
    f->key.dst[0] = 10; f->key.dst[3] = 2;
    f->key.sport = sport;
    f->key.dport = dport;
    f->pkts[0] = 1;                  /* the pipeline has counted the packet */
    return f;
}

/* One UDP datagram of f, sent by its initiator; no IP header, so nDPI is not fed. */
static void feed(struct ea_classifier *c, struct ea_flow *f, int *dir, const uint8_t *d, size_t n)
{
    struct ea_packet p;
    memset(&p, 0, sizeof(p));
    p.t = f->key;
    p.payload = d;
    p.payload_len = (uint32_t)n;
    p.payload_wire_len = (uint32_t)n;
    ea_classify_packet(c, f, dir, &p);
}

static const char sip_options[] =
    "OPTIONS sip:edge@10.0.0.2 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\r\n"
    "From: <sip:a@example.com>;tag=1\r\n"
    "To: <sip:edge@example.com>\r\n"
    "Call-ID: 1@10.0.0.1\r\n"
    "CSeq: 1 OPTIONS\r\n"
    "Content-Length: 0\r\n\r\n";

/* A matched dissector's facts are the flow's at once; freeing an undecided flow frees its work. */
static void test_facts_adopted_when_matched(void)
{
    struct ea_stats st;
    memset(&st, 0, sizeof(st));
    struct ea_classifier *c = ea_classifier_new(&st);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    struct ea_flow *f = udp_flow(5060, 5060);
    int dir = 0;
    feed(c, f, &dir, LIT(sip_options));
    CU_ASSERT_TRUE(ea_sip_matched(f->facts.sip));
    CU_ASSERT_STRING_EQUAL(f->facts.sip->method, "OPTIONS");
    CU_ASSERT_PTR_NULL(f->facts.stun);
    CU_ASSERT_PTR_NULL(f->facts.rtp);
    CU_ASSERT_FALSE(f->label.decided);     /* on UDP a SIP request waits for its answer */
    CU_ASSERT_PTR_NOT_NULL(f->work);
    CU_ASSERT_PTR_NOT_NULL(f->work_free);
    ea_flow_free(f);                       /* the work goes with it (ASan, valgrind) */
    ea_classifier_free(c);
}

/* Bytes no dissector takes leave no facts in the flow, before and after the end. */
static void test_no_facts_when_unmatched(void)
{
    struct ea_stats st;
    memset(&st, 0, sizeof(st));
    struct ea_classifier *c = ea_classifier_new(&st);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    struct ea_flow *f = udp_flow(40000, 40001);
    int dir = 0;
    feed(c, f, &dir, LIT("\x05hello, not a protocol"));
    CU_ASSERT_PTR_NULL(f->facts.sip);
    CU_ASSERT_PTR_NULL(f->facts.stun);
    ea_classify_finish(c, f);
    CU_ASSERT_TRUE(f->label.decided);
    CU_ASSERT_PTR_NULL(f->work);
    CU_ASSERT_PTR_NULL(f->facts.sip);
    CU_ASSERT_PTR_NULL(f->facts.stun);
    CU_ASSERT_PTR_NULL(f->facts.rtp);
    CU_ASSERT_EQUAL(f->label.app, EA_APP_UNKNOWN);
    ea_flow_free(f);
    ea_classifier_free(c);
}

/* A UDP flow that opens with a STUN response is oriented the other way round, not turned. */
static void test_stun_response_first(void)
{
    static const uint8_t resp[20] = {
        0x01, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42,   /* Binding success, no attributes */
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,            /* transaction id */
    };
    struct ea_stats st;
    memset(&st, 0, sizeof(st));
    struct ea_classifier *c = ea_classifier_new(&st);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    struct ea_flow *f = udp_flow(3478, 50000);
    int dir = 0;
    feed(c, f, &dir, resp, sizeof(resp));
    CU_ASSERT_EQUAL(dir, 1);
    CU_ASSERT_EQUAL(f->key.dport, 3478);
    CU_ASSERT_EQUAL(f->pkts[1], 1);
    CU_ASSERT_TRUE(f->initiator_inferred);
    CU_ASSERT_FALSE(f->reversed);
    CU_ASSERT_TRUE(ea_stun_matched(f->facts.stun));
    CU_ASSERT_EQUAL(f->facts.stun->responses[1], 1);
    ea_flow_free(f);
    ea_classifier_free(c);
}

/* One TCP segment of f (no SYN seen: the stream starts at its first bytes), in direction dir. */
static void feed_tcp(struct ea_classifier *c, struct ea_flow *f, int dir, uint32_t seq,
                     const uint8_t *d, size_t n)
{
    struct ea_packet p;
    memset(&p, 0, sizeof(p));
    p.t = f->key;
    p.tcp_seq = seq;
    p.tcp_flags = 0x18;              /* PSH ACK */
    p.payload = d;
    p.payload_len = (uint32_t)n;
    p.payload_wire_len = (uint32_t)n;
    f->pkts[dir]++;
    ea_classify_packet(c, f, &dir, &p);
}

/*
 * [MS-TURN] 3.1.5.1, crafted from the spec's words (no free stack sends it):
 * an SSLv2-form ClientHello, the server's ServerHello and ServerHelloDone in
 * one record, then TURN in clear. 'after' is what the client sends next.
 */
static struct ea_flow *pseudo_tls_flow(struct ea_classifier *c, const uint8_t *after, size_t after_len)
{
    static const uint8_t hello[] = {
        0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10,
        0x00, 0x00, 0x04, 0x00, 0x00, 0x05, 0x00, 0x00, 0x0a, 0x01, 0x00, 0x80, 0x07, 0x00, 0xc0,
        0x03, 0x00, 0x80, 0x00, 0x00, 0x09,
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    };
    uint8_t sh[5 + 4 + 70 + 4];
    size_t o = 0;
    static const uint8_t head[] = { 0x16, 0x03, 0x01, 0x00, 78, 0x02, 0x00, 0x00, 70, 0x03, 0x01 };
    memcpy(sh, head, sizeof(head));
    o = sizeof(head);
    for (int i = 0; i < 32; i++)
        sh[o++] = (uint8_t)(0x40 + i);            /* random */
    sh[o++] = 32;
    for (int i = 0; i < 32; i++)
        sh[o++] = (uint8_t)(0x90 + i);            /* session id */
    sh[o++] = 0x00; sh[o++] = 0x04; sh[o++] = 0x00;   /* cipher suite, compression */
    sh[o++] = 0x0e; sh[o++] = 0; sh[o++] = 0; sh[o++] = 0;   /* ServerHelloDone */
    struct ea_flow *f = udp_flow(40000, 443);
    f->key.proto = IPPROTO_TCP;
    f->pkts[0] = 0;
    feed_tcp(c, f, 0, 1000, hello, sizeof(hello));
    feed_tcp(c, f, 1, 9000, sh, o);
    feed_tcp(c, f, 0, 1000 + (uint32_t)sizeof(hello), after, after_len);
    ea_classify_finish(c, f);
    return f;
}

/* TURN after the pseudo-TLS start is the flow's STUN; a real handshake's next record is not. */
static void test_turn_after_pseudo_tls(void)
{
    static const uint8_t allocate[20] = {
        0x00, 0x03, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42,   /* Allocate request, no attributes */
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    };
    static const uint8_t ckx[] = {   /* a ClientKeyExchange record: TLS goes on */
        0x16, 0x03, 0x01, 0x00, 0x08, 0x10, 0x00, 0x00, 0x04, 0x00, 0x02, 0xaa, 0xbb,
    };
    struct ea_stats st;
    memset(&st, 0, sizeof(st));
    struct ea_classifier *c = ea_classifier_new(&st);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    struct ea_flow *f = pseudo_tls_flow(c, allocate, sizeof(allocate));
    CU_ASSERT_TRUE(ea_tls_pseudo_start(f->facts.tls));
    CU_ASSERT_TRUE(f->facts.tls && f->facts.tls->sslv2_hello && f->facts.tls->server_hello_done);
    CU_ASSERT_TRUE(ea_stun_matched(f->facts.stun));
    CU_ASSERT_EQUAL(f->facts.stun ? f->facts.stun->first_method : 0, 0x003);
    CU_ASSERT_EQUAL(f->label.app, EA_APP_STUN);
    ea_flow_free(f);
    f = pseudo_tls_flow(c, ckx, sizeof(ckx));
    CU_ASSERT_FALSE(ea_stun_matched(f->facts.stun));
    CU_ASSERT_EQUAL(f->label.app, EA_APP_TLS);
    ea_flow_free(f);
    /* [MS-TURN] 2.1.4: after the pseudo-TLS start the TURN message comes in the TCP framing. */
    uint8_t framed[4 + sizeof(allocate)] = { 0x02, 0x00, 0x00, (uint8_t)sizeof(allocate) };
    memcpy(framed + 4, allocate, sizeof(allocate));
    f = pseudo_tls_flow(c, framed, sizeof(framed));
    CU_ASSERT_TRUE(ea_stun_matched(f->facts.stun));
    CU_ASSERT_TRUE(f->facts.stun && f->facts.stun->tcp_framed);
    CU_ASSERT_EQUAL(f->label.app, EA_APP_MSTURN);
    ea_flow_free(f);
    ea_classifier_free(c);
}

/* [MS-TURN] 2.1.4 framing from the first byte (no pseudo-TLS start): the flow's STUN, MS-TURN. */
static void test_msturn_framed_from_start(void)
{
    static const uint8_t framed[4 + 20] = {
        0x02, 0x00, 0x00, 20,                              /* control frame, 20 bytes */
        0x00, 0x03, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42,   /* Allocate request, no attributes */
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    };
    uint8_t broken[sizeof(framed)];
    struct ea_stats st;
    memset(&st, 0, sizeof(st));
    struct ea_classifier *c = ea_classifier_new(&st);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    for (int k = 0; k < 2; k++) {
        memcpy(broken, framed, sizeof(broken));
        if (k)
            broken[3] = 24;                                /* the frame claims more than it holds */
        struct ea_flow *f = udp_flow(40000, 443);
        f->key.proto = IPPROTO_TCP;
        f->pkts[0] = 0;
        feed_tcp(c, f, 0, 1000, broken, sizeof(broken));
        ea_classify_finish(c, f);
        CU_ASSERT_EQUAL(ea_stun_matched(f->facts.stun), !k);
        CU_ASSERT_EQUAL(f->facts.stun ? f->facts.stun->tcp_framed : 0, !k);
        if (!k)
            CU_ASSERT_EQUAL(f->label.app, EA_APP_MSTURN);
        ea_flow_free(f);
    }
    ea_classifier_free(c);
}

/*
 * A DNS query (resp 0) or its answer (resp 1) over UDP, from 10.0.0.1:40000
 * to 10.0.0.2:53, with its IPv4 header so that nDPI is fed too.
 */
static void feed_dns(struct ea_classifier *c, struct ea_flow *f, int resp)
{
    static const uint8_t q[] = {
        0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,          /* id, RD, one question */
        7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
    };
    static const uint8_t an[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1 };
    uint8_t pkt[20 + 8 + sizeof(q) + sizeof(an)];
    size_t dns = sizeof(q) + (resp ? sizeof(an) : 0), len = 28 + dns;
    memset(pkt, 0, sizeof(pkt));
    pkt[0] = 0x45;
    pkt[2] = (uint8_t)(len >> 8); pkt[3] = (uint8_t)len;
    pkt[8] = 64; pkt[9] = IPPROTO_UDP;
    pkt[12] = 10; pkt[15] = resp ? 2 : 1;                     /* source */
    pkt[16] = 10; pkt[19] = resp ? 1 : 2;                     /* destination */
    uint16_t sp = resp ? 53 : 40000, dp = resp ? 40000 : 53;
    pkt[20] = (uint8_t)(sp >> 8); pkt[21] = (uint8_t)sp;
    pkt[22] = (uint8_t)(dp >> 8); pkt[23] = (uint8_t)dp;
    pkt[24] = (uint8_t)((8 + dns) >> 8); pkt[25] = (uint8_t)(8 + dns);
    memcpy(pkt + 28, q, sizeof(q));
    if (resp) {
        pkt[30] = 0x81; pkt[31] = 0x80;                       /* response, no error */
        pkt[35] = 1;                                          /* one answer */
        memcpy(pkt + 28 + sizeof(q), an, sizeof(an));
    }
    struct ea_packet p;
    memset(&p, 0, sizeof(p));
    p.t = f->key;
    p.l3 = pkt;
    p.l3_len = (uint32_t)len;
    p.payload = pkt + 28;
    p.payload_len = p.payload_wire_len = (uint32_t)dns;
    p.ts_ns = 1000000000ull * (f->pkts[0] + f->pkts[1]);
    int dir = resp;
    f->pkts[dir]++;
    ea_classify_packet(c, f, &dir, &p);
}

/*
 * Inspection lets go of what it no longer needs: nDPI's flow once nDPI has
 * decided (while our dissectors still watch), and everything once the flow
 * is decided; the label is what it would have been.
 */
static void test_settled_flow_releases_state(void)
{
    struct ea_stats st;
    struct ea_inspect_held h;
    memset(&st, 0, sizeof(st));
    struct ea_classifier *c = ea_classifier_new(&st);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    struct ea_flow *f = udp_flow(40000, 53);
    f->pkts[0] = 0;
    feed_dns(c, f, 0);
    ea_classify_held(f, &h);
    CU_ASSERT_EQUAL(h.work, 1);
    CU_ASSERT_EQUAL(h.ndpi, 1);                /* a query alone: nDPI waits for the answer */
    /* Kept packed, its non-zero words only: far less than nDPI's 688-byte struct (issue 13). */
    CU_ASSERT(h.ndpi_bytes > 0 && h.ndpi_bytes <= 344);
    /* The query's first byte (0x12) is in STUN's range, which stays in the running: its facts,
       still all zero, are not kept while the flow waits (issue 13: memory per alive flow). */
    CU_ASSERT_EQUAL(h.infos, 0);
    feed_dns(c, f, 1);
    ea_classify_held(f, &h);
    CU_ASSERT_FALSE(f->label.decided);         /* any datagram may still be STUN (RFC 7983) */
    CU_ASSERT_EQUAL(h.work, 1);
    CU_ASSERT_EQUAL(h.ndpi, 0);                /* nDPI said DNS and has nothing more to do */
    CU_ASSERT_EQUAL(h.states, 0);
    for (int i = 2; i < EA_INSPECT_MAX_PACKETS && !f->label.decided; i++)
        feed_dns(c, f, i % 2);
    CU_ASSERT_TRUE(f->label.decided);
    CU_ASSERT_PTR_NULL(f->work);
    ea_classify_held(f, &h);
    CU_ASSERT_EQUAL(h.work + h.ndpi + h.states, 0);
    CU_ASSERT_EQUAL(f->label.app, EA_APP_DNS);
    CU_ASSERT_EQUAL(f->label.src, EA_SRC_NDPI);
    ea_flow_free(f);
    ea_classifier_free(c);
}

/* Stream states are for streams, and go with the dissectors that are out. */
static void test_states_only_while_needed(void)
{
    static const uint8_t rtp[] = { 0x80, 0x00, 0x00, 0x01, 0, 0, 0, 160, 1, 2, 3, 4, 0xd5, 0xd5 };
    static const uint8_t tls_rec[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc };
    struct ea_stats st;
    struct ea_inspect_held h;
    memset(&st, 0, sizeof(st));
    struct ea_classifier *c = ea_classifier_new(&st);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    /* An RTP datagram: the RTP row takes it, without the RFC 4571 framing state. */
    struct ea_flow *f = udp_flow(50000, 50002);
    int dir = 0;
    feed(c, f, &dir, rtp, sizeof(rtp));
    ea_classify_held(f, &h);
    CU_ASSERT_EQUAL(h.work, 1);
    CU_ASSERT_EQUAL(h.states, 0);
    ea_flow_free(f);
    /* The start of a TLS record: TLS alone stays in the running, and only its state is kept. */
    f = udp_flow(40000, 443);
    f->key.proto = IPPROTO_TCP;
    f->pkts[0] = 0;
    feed_tcp(c, f, 0, 1000, tls_rec, sizeof(tls_rec));
    ea_classify_held(f, &h);
    CU_ASSERT_FALSE(f->label.decided);
    CU_ASSERT_EQUAL(h.work, 1);
    CU_ASSERT_EQUAL(h.states, 1);
    ea_flow_free(f);
    ea_classifier_free(c);
}

/* What a flow's inspection ended with: its label and a copy of each of its facts. */
struct outcome {
    uint8_t decided, app, src;
    uint8_t has[6];
    struct ea_tls_info tls;
    char sni[64], alpn[64];
    struct ea_sip_info sip;
    struct ea_xmpp_info xmpp;
    struct ea_stun_info stun;
    struct ea_rtp_info rtp;
    struct ea_banner_info banner;
};

static void outcome_of(const struct ea_flow *f, struct outcome *o)
{
    memset(o, 0, sizeof(*o));
    o->decided = f->label.decided;
    o->app = f->label.app;
    o->src = f->label.src;
#define TAKE(K, NAME) if (f->facts.NAME) { o->has[K] = 1; o->NAME = *f->facts.NAME; }
    TAKE(0, tls) TAKE(1, sip) TAKE(2, xmpp) TAKE(3, stun) TAKE(4, rtp) TAKE(5, banner)
#undef TAKE
    if (o->has[0]) {
        snprintf(o->sni, sizeof(o->sni), "%s", o->tls.sni);
        snprintf(o->alpn, sizeof(o->alpn), "%s", o->tls.alpn);
        o->tls.sni = o->tls.alpn = NULL;
    }
}

#define MIX_FLOWS 9

/* Flow k of a mix of kinds (SIP, pseudo-TLS with TURN, TLS, DNS, RTP, a TLS record start,
   MS-TURN framing, XMPP cut inside an item, SSH); its outcome into *o. */
static void mix_flow(struct ea_classifier *c, int k, struct outcome *o)
{
    static const uint8_t allocate[20] = { 0x00, 0x03, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42,
                                          1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
    static const uint8_t ckx[] = { 0x16, 0x03, 0x01, 0x00, 0x08, 0x10, 0x00, 0x00, 0x04, 0x00, 0x02, 0xaa, 0xbb };
    static const uint8_t rtp[] = { 0x80, 0x00, 0x00, 0x01, 0, 0, 0, 160, 1, 2, 3, 4, 0xd5, 0xd5 };
    static const uint8_t tls_rec[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc };
    static const uint8_t framed[4 + 20] = { 0x02, 0x00, 0x00, 20, 0x00, 0x03, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42,
                                            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
    static const char xmpp[] = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                               "xmlns:stream='http://etherx.jabber.org/streams' to='example.com' ver";
    static const char ssh[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
    struct ea_flow *f = NULL;
    int dir = 0;
    switch (k) {
    case 0: f = udp_flow(5060, 5060); feed(c, f, &dir, LIT(sip_options)); break;
    case 1: f = pseudo_tls_flow(c, allocate, sizeof(allocate)); break;
    case 2: f = pseudo_tls_flow(c, ckx, sizeof(ckx)); break;
    case 3:
        f = udp_flow(40000, 53);
        f->pkts[0] = 0;
        for (int i = 0; i < 4; i++)
            feed_dns(c, f, i % 2);
        break;
    case 4: f = udp_flow(50000, 50002); feed(c, f, &dir, rtp, sizeof(rtp)); break;
    default:
        f = udp_flow(40000, k == 7 ? 5222 : k == 8 ? 22 : 443);
        f->key.proto = IPPROTO_TCP;
        f->pkts[0] = 0;
        if (k == 5)
            feed_tcp(c, f, 0, 1000, tls_rec, sizeof(tls_rec));
        else if (k == 6)
            feed_tcp(c, f, 0, 1000, framed, sizeof(framed));
        else if (k == 7)
            feed_tcp(c, f, 0, 1000, LIT(xmpp));
        else
            feed_tcp(c, f, 1, 1000, LIT(ssh));
        break;
    }
    ea_classify_finish(c, f);
    outcome_of(f, o);
    ea_flow_free(f);
}

/*
 * A classifier gives the blocks of finished flows to the next flows (its
 * pools): each flow of a mix, run twice over on one classifier, ends as it
 * does alone on a new classifier. A flow freed before its end (its work
 * freed without the classifier) leaves the pools as they were.
 */
static void test_pools_serve_fresh(void)
{
    struct ea_stats st;
    struct outcome alone[MIX_FLOWS], o;
    memset(&st, 0, sizeof(st));
    for (int k = 0; k < MIX_FLOWS; k++) {
        struct ea_classifier *c = ea_classifier_new(&st);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        mix_flow(c, k, &alone[k]);
        CU_ASSERT_TRUE(alone[k].decided);
        ea_classifier_free(c);
    }
    CU_ASSERT_EQUAL(alone[0].app, EA_APP_SIP);
    CU_ASSERT_EQUAL(alone[1].app, EA_APP_STUN);
    CU_ASSERT_EQUAL(alone[2].app, EA_APP_TLS);
    CU_ASSERT_EQUAL(alone[6].app, EA_APP_MSTURN);
    CU_ASSERT_TRUE(alone[7].has[2] && !alone[7].xmpp.stream[0]);   /* its header held, cut */
    CU_ASSERT_EQUAL(alone[8].app, EA_APP_SSH);
    struct ea_classifier *c = ea_classifier_new(&st);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < MIX_FLOWS; k++) {
            mix_flow(c, k, &o);
            CU_ASSERT_EQUAL(memcmp(&o, &alone[k], sizeof(o)), 0);
        }
        /* Undecided, freed with the flow (plain free: valgrind and ASan say it is all freed). */
        struct ea_flow *f = udp_flow(5060, 5060);
        int dir = 0;
        feed(c, f, &dir, LIT(sip_options));
        CU_ASSERT_PTR_NOT_NULL(f->work);
        ea_flow_free(f);
    }
    ea_classifier_free(c);
}

void ea_test_add_classify(void)
{
    EA_SUITE("classify",
             { "facts pass to the flow once matched", test_facts_adopted_when_matched },
             { "no facts when nothing matched", test_no_facts_when_unmatched },
             { "a STUN response first: oriented, not turned", test_stun_response_first },
             { "TURN after the pseudo-TLS start", test_turn_after_pseudo_tls },
             { "MS-TURN framing from the first byte", test_msturn_framed_from_start },
             { "a settled flow lets go of its inspection state", test_settled_flow_releases_state },
             { "stream states only while a dissector needs them", test_states_only_while_needed },
             { "pools give the next flows fresh blocks", test_pools_serve_fresh });
}
