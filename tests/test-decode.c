/* test-decode.c: unit tests of the decode layer (link types, encapsulations, IP, L4, fragments). */
#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "decode.h"
#include "defrag.h"
#include "util-addr.h"

/* ---- Building blocks of the hand-made frames ------------------------------------------- */

/* Ethernet addresses: dst 00:00:5e:00:53:01, src 00:00:5e:00:53:02 */
#define ETH_ADDRS 0x00,0x00,0x5e,0x00,0x53,0x01, 0x00,0x00,0x5e,0x00,0x53,0x02

/* IPv4 192.0.2.1 -> 198.51.100.2, UDP 5060 -> 5061, payload "SIP!" (32 bytes) */
#define IP4_UDP \
    /* IPv4: v4 ihl 5 | tos 0 | total 32 | id 0x1234 | no frag | ttl 64 | UDP | csum 0 */ \
    0x45,0x00,0x00,0x20, 0x12,0x34,0x00,0x00, 0x40,0x11,0x00,0x00, \
    /* src 192.0.2.1, dst 198.51.100.2 */ \
    192,0,2,1, 198,51,100,2, \
    /* UDP: 5060 -> 5061 | length 12 | csum 0 */ \
    0x13,0xc4,0x13,0xc5, 0x00,0x0c,0x00,0x00, \
    /* payload */ \
    'S','I','P','!'

/* IPv6 2001:db8::1 -> 2001:db8::2, UDP 5060 -> 5061, payload "SIP!" (52 bytes) */
#define IP6_ADDRS \
    /* src 2001:db8::1 */ 0x20,0x01,0x0d,0xb8, 0,0,0,0, 0,0,0,0, 0,0,0,1, \
    /* dst 2001:db8::2 */ 0x20,0x01,0x0d,0xb8, 0,0,0,0, 0,0,0,0, 0,0,0,2
#define IP6_UDP \
    /* IPv6: v6 tc 0 flow 0 | payload length 12 | next UDP | hop limit 64 */ \
    0x60,0x00,0x00,0x00, 0x00,0x0c,0x11,0x40, \
    IP6_ADDRS, \
    /* UDP: 5060 -> 5061 | length 12 | csum 0 */ \
    0x13,0xc4,0x13,0xc5, 0x00,0x0c,0x00,0x00, \
    'S','I','P','!'

/* Outer (tunnel) IPv4 10.0.0.1 -> 10.0.0.2 with the given total length and protocol */
#define IP4_OUTER(tot, proto) \
    0x45,0x00,0x00,(tot), 0x00,0x01,0x00,0x00, 0x40,(proto),0x00,0x00, 10,0,0,1, 10,0,0,2

static const uint8_t ip4_src[4] = { 192, 0, 2, 1 }, ip4_dst[4] = { 198, 51, 100, 2 };
static const uint8_t ip6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t ip6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

/* ---- Frames, one per link type and encapsulation ----------------------------------------- */

static const uint8_t f_eth4[] = {
    /* Ethernet | type IPv4 */
    ETH_ADDRS, 0x08,0x00,
    IP4_UDP
};
static const uint8_t f_eth6[] = {
    /* Ethernet | type IPv6 */
    ETH_ADDRS, 0x86,0xdd,
    IP6_UDP
};
static const uint8_t f_vlan[] = {
    /* Ethernet | type 802.1Q */
    ETH_ADDRS, 0x81,0x00,
    /* PCP 3, VLAN 100 | type IPv4 */
    0x60,0x64, 0x08,0x00,
    IP4_UDP
};
static const uint8_t f_qinq_ad[] = {
    /* Ethernet | type 802.1ad S-tag */
    ETH_ADDRS, 0x88,0xa8,
    /* S-VLAN 200 | type 802.1Q */
    0x00,0xc8, 0x81,0x00,
    /* C-VLAN 100 | type IPv4 */
    0x00,0x64, 0x08,0x00,
    IP4_UDP
};
static const uint8_t f_qinq_9100[] = {
    /* Ethernet | type 0x9100 (vendor QinQ) */
    ETH_ADDRS, 0x91,0x00,
    /* outer VLAN 200 | type 802.1Q */
    0x00,0xc8, 0x81,0x00,
    /* inner VLAN 100 | type IPv4 */
    0x00,0x64, 0x08,0x00,
    IP4_UDP
};
static const uint8_t f_qinq_8100[] = {
    /* Ethernet | type 802.1Q */
    ETH_ADDRS, 0x81,0x00,
    /* outer VLAN 200 (DEI set: 0x10c8) | type 802.1Q again */
    0x10,0xc8, 0x81,0x00,
    /* inner VLAN 100 | type IPv4 */
    0x00,0x64, 0x08,0x00,
    IP4_UDP
};
static const uint8_t f_mpls4[] = {
    /* Ethernet | type MPLS unicast */
    ETH_ADDRS, 0x88,0x47,
    /* label 1000, TC 0, S 0, TTL 64 */
    0x00,0x3e,0x80,0x40,
    /* label 2000, TC 0, S 1, TTL 64 */
    0x00,0x7d,0x01,0x40,
    IP4_UDP
};
static const uint8_t f_mpls6[] = {
    /* Ethernet | type MPLS multicast */
    ETH_ADDRS, 0x88,0x48,
    /* label 2 (IPv6 explicit null), S 1, TTL 64 */
    0x00,0x00,0x21,0x40,
    IP6_UDP
};
static const uint8_t f_mpls_pw[] = {
    /* Ethernet | type MPLS unicast */
    ETH_ADDRS, 0x88,0x47,
    /* label 1000, S 1, TTL 64 */
    0x00,0x3e,0x81,0x40,
    /* pseudowire control word: 0000 flags 0 | length 0 | sequence 0 */
    0x00,0x00,0x00,0x00,
    /* inner Ethernet | type IPv4 */
    ETH_ADDRS, 0x08,0x00,
    IP4_UDP
};
static const uint8_t f_gre4[] = {
    ETH_ADDRS, 0x08,0x00,
    /* outer IPv4, total 56, proto GRE (47) */
    IP4_OUTER(56, 47),
    /* GRE: no flags, version 0 | protocol IPv4 */
    0x00,0x00, 0x08,0x00,
    IP4_UDP
};
static const uint8_t f_gre_cks6[] = {
    ETH_ADDRS, 0x08,0x00,
    /* outer IPv4, total 88, proto GRE */
    IP4_OUTER(88, 47),
    /* GRE: C K S flags, version 0 | protocol IPv6 */
    0xb0,0x00, 0x86,0xdd,
    /* checksum | reserved1 */
    0x12,0x34, 0x00,0x00,
    /* key 0x0000002a */
    0x00,0x00,0x00,0x2a,
    /* sequence 7 */
    0x00,0x00,0x00,0x07,
    IP6_UDP
};
static const uint8_t f_gre_teb[] = {
    /* Ethernet | 802.1Q VLAN 100 | IPv4 */
    ETH_ADDRS, 0x81,0x00, 0x00,0x64, 0x08,0x00,
    /* outer IPv4, total 70, proto GRE */
    IP4_OUTER(70, 47),
    /* GRE: no flags | transparent Ethernet bridging */
    0x00,0x00, 0x65,0x58,
    /* bridged Ethernet, untagged | IPv4 */
    ETH_ADDRS, 0x08,0x00,
    IP4_UDP
};
static const uint8_t f_erspan1[] = {
    ETH_ADDRS, 0x08,0x00,
    /* outer IPv4, total 70, proto GRE */
    IP4_OUTER(70, 47),
    /* GRE: no flags (no sequence: ERSPAN type I) | protocol ERSPAN 0x88be */
    0x00,0x00, 0x88,0xbe,
    /* mirrored Ethernet | IPv4 */
    ETH_ADDRS, 0x08,0x00,
    IP4_UDP
};
static const uint8_t f_erspan2[] = {
    /* Ethernet | 802.1Q VLAN 100 | IPv4 */
    ETH_ADDRS, 0x81,0x00, 0x00,0x64, 0x08,0x00,
    /* outer IPv4, total 86, proto GRE */
    IP4_OUTER(86, 47),
    /* GRE: S flag | protocol ERSPAN 0x88be | sequence 1 */
    0x10,0x00, 0x88,0xbe, 0x00,0x00,0x00,0x01,
    /* ERSPAN II: ver 1, VLAN 300 | COS 0, En 3, T 0, session 5 | reserved, index 0 */
    0x11,0x2c, 0x18,0x05, 0x00,0x00,0x00,0x00,
    /* mirrored Ethernet | 802.1Q VLAN 300 | IPv4 */
    ETH_ADDRS, 0x81,0x00, 0x01,0x2c, 0x08,0x00,
    IP4_UDP
};
static const uint8_t f_erspan3[] = {
    ETH_ADDRS, 0x08,0x00,
    /* outer IPv4, total 94, proto GRE */
    IP4_OUTER(94, 47),
    /* GRE: S flag | protocol ERSPAN III 0x22eb | sequence 1 */
    0x10,0x00, 0x22,0xeb, 0x00,0x00,0x00,0x01,
    /* ERSPAN III: ver 2, VLAN 0 | COS, BSO, T, session 5 */
    0x20,0x00, 0x00,0x05,
    /* timestamp */
    0x11,0x22,0x33,0x44,
    /* SGT 0 | P 0, FT 0, HW ID 0, D 0, Gra 0, O 1 */
    0x00,0x00, 0x00,0x01,
    /* platform specific sub-header (8 bytes, O set) */
    0x0c,0x00,0x00,0x00, 0x00,0x00,0x00,0x00,
    /* mirrored Ethernet | IPv4 */
    ETH_ADDRS, 0x08,0x00,
    IP4_UDP
};
static const uint8_t f_ipip[] = {
    ETH_ADDRS, 0x08,0x00,
    /* outer IPv4, total 52, proto IPv4 (4) */
    IP4_OUTER(52, 4),
    IP4_UDP
};
static const uint8_t f_6in4[] = {
    ETH_ADDRS, 0x08,0x00,
    /* outer IPv4, total 72, proto IPv6 (41) */
    IP4_OUTER(72, 41),
    IP6_UDP
};
static const uint8_t f_sll[] = {
    /* SLL: packet type 0 (to us) | ARPHRD_ETHER | address length 6 */
    0x00,0x00, 0x00,0x01, 0x00,0x06,
    /* address, padded to 8 | protocol IPv4 */
    0x00,0x00,0x5e,0x00,0x53,0x02,0x00,0x00, 0x08,0x00,
    IP4_UDP
};
static const uint8_t f_sll2[] = {
    /* SLL2: protocol IPv4 | reserved | interface index 2 */
    0x08,0x00, 0x00,0x00, 0x00,0x00,0x00,0x02,
    /* ARPHRD_ETHER | packet type 0 | address length 6 */
    0x00,0x01, 0x00, 0x06,
    /* address, padded to 8 */
    0x00,0x00,0x5e,0x00,0x53,0x02,0x00,0x00,
    IP4_UDP
};
static const uint8_t f_raw4[] = { IP4_UDP };
static const uint8_t f_raw6[] = { IP6_UDP };
static const uint8_t f_null_le4[] = {
    /* AF_INET (2), little-endian host */
    0x02,0x00,0x00,0x00,
    IP4_UDP
};
static const uint8_t f_null_be4[] = {
    /* AF_INET (2), big-endian host */
    0x00,0x00,0x00,0x02,
    IP4_UDP
};
static const uint8_t f_null_le6_10[] = { /* AF_INET6 Linux (10), LE */ 0x0a,0,0,0, IP6_UDP };
static const uint8_t f_null_le6_24[] = { /* AF_INET6 BSD (24), LE */ 0x18,0,0,0, IP6_UDP };
static const uint8_t f_null_le6_28[] = { /* AF_INET6 FreeBSD (28), LE */ 0x1c,0,0,0, IP6_UDP };
static const uint8_t f_null_le6_30[] = { /* AF_INET6 macOS (30), LE */ 0x1e,0,0,0, IP6_UDP };
static const uint8_t f_null_be6_30[] = { /* AF_INET6 macOS (30), BE */ 0,0,0,0x1e, IP6_UDP };
static const uint8_t f_loop4[] = { /* AF_INET, network order */ 0,0,0,0x02, IP4_UDP };
static const uint8_t f_loop6[] = { /* AF_INET6 OpenBSD (24), network order */ 0,0,0,0x18, IP6_UDP };

/* IPv6 with hop-by-hop, routing, destination options and AH before UDP. */
static const uint8_t f_ext6[] = {
    ETH_ADDRS, 0x86,0xdd,
    /* IPv6: payload length 60 | next hop-by-hop (0) | hop limit 64 */
    0x60,0x00,0x00,0x00, 0x00,0x3c,0x00,0x40,
    IP6_ADDRS,
    /* hop-by-hop: next routing (43) | len 0 | PadN 4 bytes */
    0x2b,0x00, 0x01,0x04,0x00,0x00,0x00,0x00,
    /* routing: next dest-opts (60) | len 0 | type 4 | segments left 0 | reserved */
    0x3c,0x00, 0x04,0x00, 0x00,0x00,0x00,0x00,
    /* destination options: next AH (51) | len 0 | PadN 4 bytes */
    0x33,0x00, 0x01,0x04,0x00,0x00,0x00,0x00,
    /* AH: next UDP | payload len 4 (24 bytes) | reserved | SPI 0x100 | seq 1 */
    0x11,0x04, 0x00,0x00, 0x00,0x00,0x01,0x00, 0x00,0x00,0x00,0x01,
    /* AH ICV (12 bytes) */
    0xa1,0xa2,0xa3,0xa4, 0xa5,0xa6,0xa7,0xa8, 0xa9,0xaa,0xab,0xac,
    /* UDP: 5060 -> 5061 | length 12 | csum 0 */
    0x13,0xc4,0x13,0xc5, 0x00,0x0c,0x00,0x00,
    'S','I','P','!'
};

/* IPv4 with options, TCP with options. */
static const uint8_t f_tcp_opts[] = {
    ETH_ADDRS, 0x08,0x00,
    /* IPv4: v4 ihl 6 | total 50 | id 1 | DF | ttl 64 | TCP | csum 0 */
    0x46,0x00,0x00,0x32, 0x00,0x01,0x40,0x00, 0x40,0x06,0x00,0x00,
    192,0,2,1, 198,51,100,2,
    /* IP options: NOP NOP NOP EOL */
    0x01,0x01,0x01,0x00,
    /* TCP: 443 -> 50000 | seq 0x01020304 | ack 0x0a0b0c0d */
    0x01,0xbb,0xc3,0x50, 0x01,0x02,0x03,0x04, 0x0a,0x0b,0x0c,0x0d,
    /* data offset 6 | flags SYN+ACK | window 65535 | csum 0 | urgent 0 */
    0x60,0x12, 0xff,0xff, 0x00,0x00, 0x00,0x00,
    /* option MSS 1460 */
    0x02,0x04,0x05,0xb4,
    'h','i'
};

struct frame_case {
    const char *name;
    int dlt;
    const uint8_t *b;
    size_t n;
    size_t hdr_end;         /* where the innermost L4 payload starts */
    uint8_t family, proto;
    uint16_t vlan, vlan_outer;
    uint8_t encap;
};

#define F(name, dlt, arr, end, fam, proto, vlan, vout, enc) \
    { name, dlt, arr, sizeof arr, end, fam, proto, vlan, vout, enc }

static const struct frame_case frames[] = {
    F("ethernet ipv4", DLT_EN10MB, f_eth4, 42, 4, 17, 0, 0, 0),
    F("ethernet ipv6", DLT_EN10MB, f_eth6, 62, 6, 17, 0, 0, 0),
    F("802.1q", DLT_EN10MB, f_vlan, 46, 4, 17, 100, 100, EA_ENC_VLAN),
    F("qinq 88a8", DLT_EN10MB, f_qinq_ad, 50, 4, 17, 100, 200, EA_ENC_VLAN | EA_ENC_QINQ),
    F("qinq 9100", DLT_EN10MB, f_qinq_9100, 50, 4, 17, 100, 200, EA_ENC_VLAN | EA_ENC_QINQ),
    F("qinq 8100x2", DLT_EN10MB, f_qinq_8100, 50, 4, 17, 100, 200, EA_ENC_VLAN | EA_ENC_QINQ),
    F("mpls ipv4", DLT_EN10MB, f_mpls4, 50, 4, 17, 0, 0, EA_ENC_MPLS),
    F("mpls ipv6", DLT_EN10MB, f_mpls6, 66, 6, 17, 0, 0, EA_ENC_MPLS),
    F("mpls pseudowire", DLT_EN10MB, f_mpls_pw, 64, 4, 17, 0, 0, EA_ENC_MPLS),
    F("gre ipv4", DLT_EN10MB, f_gre4, 66, 4, 17, 0, 0, EA_ENC_GRE),
    F("gre cks ipv6", DLT_EN10MB, f_gre_cks6, 98, 6, 17, 0, 0, EA_ENC_GRE),
    F("gre teb", DLT_EN10MB, f_gre_teb, 84, 4, 17, 0, 100, EA_ENC_VLAN | EA_ENC_GRE),
    F("erspan i", DLT_EN10MB, f_erspan1, 80, 4, 17, 0, 0, EA_ENC_GRE | EA_ENC_ERSPAN),
    F("erspan ii", DLT_EN10MB, f_erspan2, 100, 4, 17, 300, 100,
      EA_ENC_VLAN | EA_ENC_GRE | EA_ENC_ERSPAN),
    F("erspan iii", DLT_EN10MB, f_erspan3, 104, 4, 17, 0, 0, EA_ENC_GRE | EA_ENC_ERSPAN),
    F("ip-in-ip", DLT_EN10MB, f_ipip, 62, 4, 17, 0, 0, EA_ENC_IPIP),
    F("6in4", DLT_EN10MB, f_6in4, 82, 6, 17, 0, 0, EA_ENC_IPIP),
    F("linux sll", DLT_LINUX_SLL, f_sll, 44, 4, 17, 0, 0, 0),
    F("linux sll2", DLT_LINUX_SLL2, f_sll2, 48, 4, 17, 0, 0, 0),
    F("raw ipv4", DLT_RAW, f_raw4, 28, 4, 17, 0, 0, 0),
    F("linktype raw 101", 101, f_raw6, 48, 6, 17, 0, 0, 0),
    F("dlt ipv4", DLT_IPV4, f_raw4, 28, 4, 17, 0, 0, 0),
    F("dlt ipv6", DLT_IPV6, f_raw6, 48, 6, 17, 0, 0, 0),
    F("null le inet", DLT_NULL, f_null_le4, 32, 4, 17, 0, 0, 0),
    F("null be inet", DLT_NULL, f_null_be4, 32, 4, 17, 0, 0, 0),
    F("null le inet6 10", DLT_NULL, f_null_le6_10, 52, 6, 17, 0, 0, 0),
    F("null le inet6 24", DLT_NULL, f_null_le6_24, 52, 6, 17, 0, 0, 0),
    F("null le inet6 28", DLT_NULL, f_null_le6_28, 52, 6, 17, 0, 0, 0),
    F("null le inet6 30", DLT_NULL, f_null_le6_30, 52, 6, 17, 0, 0, 0),
    F("null be inet6 30", DLT_NULL, f_null_be6_30, 52, 6, 17, 0, 0, 0),
    F("loop inet", DLT_LOOP, f_loop4, 32, 4, 17, 0, 0, 0),
    F("loop inet6", DLT_LOOP, f_loop6, 52, 6, 17, 0, 0, 0),
    F("ipv6 extension chain", DLT_EN10MB, f_ext6, 110, 6, 17, 0, 0, 0),
    F("ipv4 tcp options", DLT_EN10MB, f_tcp_opts, 62, 4, 6, 0, 0, 0),
};

/* ---- Harness ------------------------------------------------------------------------------ */

/*
 * One decoder plus the frame being decoded. Each frame is copied into a heap
 * block of exactly its length so that AddressSanitizer reports any read past it.
 */
struct dec {
    struct ea_decoder *d;
    struct ea_stats st;
    struct ea_packet p;
    uint8_t *buf;
};

static void dec_init(struct dec *x, unsigned frag_max, uint64_t timeout_ns)
{
    memset(x, 0, sizeof *x);
    x->d = ea_decoder_new(frag_max, timeout_ns);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x->d);
}

static enum ea_decode_rc dec_run(struct dec *x, int dlt, const uint8_t *b, size_t n, uint64_t ts)
{
    free(x->buf);
    x->buf = malloc(n ? n : 1);
    if (n)
        memcpy(x->buf, b, n);
    memset(&x->p, 0xA5, sizeof x->p);        /* stale garbage must be cleared */
    x->p.frame = 1;
    x->p.ts_ns = ts;
    x->p.caplen = (uint32_t)n;
    x->p.wirelen = (uint32_t)n;
    x->p.dlt = dlt;
    x->p.data = x->buf;
    return ea_decode(x->d, &x->p, &x->st);
}

static void dec_done(struct dec *x)
{
    ea_decoder_free(x->d);
    free(x->buf);
    x->d = NULL;
    x->buf = NULL;
}

static uint64_t mal_total(const struct ea_stats *st)
{
    uint64_t n = 0;
    for (int i = 0; i < EA_MAL__COUNT; i++)
        n += st->malformed[i];
    return n;
}

/* Pointer p[0..n) lies inside b[0..len). */
static int inside(const uint8_t *p, uint32_t n, const uint8_t *b, size_t len)
{
    if (!p)
        return n == 0;
    return p >= b && p <= b + len && n <= (size_t)(b + len - p);
}

/* ---- Tests -------------------------------------------------------------------------------- */

/* Every frame decodes to the expected tuple, encapsulation and payload. */
static void test_frames(void)
{
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
        const struct frame_case *fc = &frames[i];
        unsigned fails = CU_get_number_of_failures();
        struct dec x;
        dec_init(&x, 16, 1000000000ull);
        enum ea_decode_rc rc = dec_run(&x, fc->dlt, fc->b, fc->n, 0);
        CU_ASSERT_EQUAL_FATAL(rc, EA_DECODE_OK);
        const struct ea_packet *p = &x.p;
        CU_ASSERT_EQUAL(p->t.family, fc->family);
        CU_ASSERT_EQUAL(p->t.proto, fc->proto);
        CU_ASSERT_EQUAL(p->t.vlan, fc->vlan);
        CU_ASSERT_EQUAL(p->vlan_outer, fc->vlan_outer);
        CU_ASSERT_EQUAL(p->encap, fc->encap);
        CU_ASSERT_FALSE(p->fragment);
        CU_ASSERT_FALSE(p->icmp_error);
        if (fc->family == 4) {
            CU_ASSERT_EQUAL(memcmp(p->t.src, ip4_src, 4), 0);
            CU_ASSERT_EQUAL(memcmp(p->t.dst, ip4_dst, 4), 0);
            CU_ASSERT_EQUAL(p->t.src[4], 0);
        } else {
            CU_ASSERT_EQUAL(memcmp(p->t.src, ip6_src, 16), 0);
            CU_ASSERT_EQUAL(memcmp(p->t.dst, ip6_dst, 16), 0);
        }
        if (fc->proto == 17) {
            CU_ASSERT_EQUAL(p->t.sport, 5060);
            CU_ASSERT_EQUAL(p->t.dport, 5061);
            CU_ASSERT_EQUAL(p->payload_len, 4);
            CU_ASSERT_EQUAL(p->payload_wire_len, 4);
            CU_ASSERT(p->payload && memcmp(p->payload, "SIP!", 4) == 0);
            CU_ASSERT_EQUAL(x.st.udp, 1);
        } else {
            CU_ASSERT_EQUAL(p->t.sport, 443);
            CU_ASSERT_EQUAL(p->t.dport, 50000);
            CU_ASSERT_EQUAL(p->tcp_flags, EA_TH_SYN | EA_TH_ACK);
            CU_ASSERT_EQUAL(p->tcp_seq, 0x01020304u);
            CU_ASSERT_EQUAL(p->tcp_ack, 0x0a0b0c0du);
            CU_ASSERT_EQUAL(p->payload_len, 2);
            CU_ASSERT(p->payload && memcmp(p->payload, "hi", 2) == 0);
            CU_ASSERT_EQUAL(x.st.tcp, 1);
        }
        /* l3 is the innermost IP header, in the frame. */
        CU_ASSERT(inside(p->l3, p->l3_len, x.buf, fc->n));
        CU_ASSERT_EQUAL(p->l3 ? p->l3[0] >> 4 : 0, fc->family);
        CU_ASSERT_EQUAL(p->payload, x.buf + fc->hdr_end);
        CU_ASSERT_EQUAL(fc->family == 4 ? x.st.ip4 : x.st.ip6, 1);
        CU_ASSERT_EQUAL(mal_total(&x.st), 0);
        CU_ASSERT_EQUAL(p->frame, 1);
        dec_done(&x);
        if (CU_get_number_of_failures() != fails)
            fprintf(stderr, "  (frame case '%s')\n", fc->name);
    }
}

/*
 * Every shorter capture of every frame: inside the headers it is malformed
 * (counted once), inside the payload it decodes with what is there.
 */
static void test_truncation(void)
{
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
        const struct frame_case *fc = &frames[i];
        struct dec x;
        dec_init(&x, 16, 1000000000ull);
        for (size_t len = 0; len < fc->n; len++) {
            uint64_t before = mal_total(&x.st);
            enum ea_decode_rc rc = dec_run(&x, fc->dlt, fc->b, len, 0);
            if (len < fc->hdr_end) {
                CU_ASSERT_EQUAL(rc, EA_DECODE_MALFORMED);
                CU_ASSERT_EQUAL(mal_total(&x.st), before + 1);
            } else {
                CU_ASSERT_EQUAL(rc, EA_DECODE_OK);
                CU_ASSERT_EQUAL(x.p.payload_len, len - fc->hdr_end);
                CU_ASSERT(inside(x.p.payload, x.p.payload_len, x.buf, len));
                CU_ASSERT(inside(x.p.l3, x.p.l3_len, x.buf, len));
                /* The IP header still tells how long the payload was on the wire. */
                CU_ASSERT_EQUAL(x.p.payload_wire_len, fc->proto == 17 ? 4 : 2);
            }
            if ((len < fc->hdr_end) != (rc == EA_DECODE_MALFORMED))
                fprintf(stderr, "  (truncation '%s' at %zu: rc %d)\n", fc->name, len, rc);
        }
        dec_done(&x);
    }
}

/* Which kind a truncation is counted as, at a few telling offsets. */
static void test_truncation_kinds(void)
{
    static const struct { const uint8_t *b; size_t len; int dlt; enum ea_mal kind; } k[] = {
        { f_eth4, 13, DLT_EN10MB, EA_MAL_LINK_TRUNC },
        { f_eth4, 14, DLT_EN10MB, EA_MAL_IP4_TRUNC },
        { f_eth4, 33, DLT_EN10MB, EA_MAL_IP4_TRUNC },
        { f_eth4, 34, DLT_EN10MB, EA_MAL_UDP_TRUNC },
        { f_eth6, 53, DLT_EN10MB, EA_MAL_IP6_TRUNC },
        { f_vlan, 17, DLT_EN10MB, EA_MAL_VLAN_TRUNC },
        { f_mpls4, 21, DLT_EN10MB, EA_MAL_MPLS_TRUNC },
        { f_mpls4, 22, DLT_EN10MB, EA_MAL_MPLS_TRUNC },
        { f_mpls_pw, 20, DLT_EN10MB, EA_MAL_MPLS_TRUNC },
        { f_mpls_pw, 30, DLT_EN10MB, EA_MAL_LINK_TRUNC },
        { f_gre4, 37, DLT_EN10MB, EA_MAL_GRE_TRUNC },
        { f_gre_cks6, 49, DLT_EN10MB, EA_MAL_GRE_TRUNC },
        { f_erspan2, 50, DLT_EN10MB, EA_MAL_ERSPAN_TRUNC },
        { f_erspan3, 50, DLT_EN10MB, EA_MAL_ERSPAN_TRUNC },
        { f_erspan3, 58, DLT_EN10MB, EA_MAL_ERSPAN_TRUNC },
        { f_erspan3, 70, DLT_EN10MB, EA_MAL_LINK_TRUNC },
        { f_sll, 15, DLT_LINUX_SLL, EA_MAL_LINK_TRUNC },
        { f_sll2, 19, DLT_LINUX_SLL2, EA_MAL_LINK_TRUNC },
        { f_null_le4, 3, DLT_NULL, EA_MAL_LINK_TRUNC },
        { f_ext6, 61, DLT_EN10MB, EA_MAL_IP6_EXT_TRUNC },
        { f_ext6, 100, DLT_EN10MB, EA_MAL_IP6_EXT_TRUNC },
        { f_tcp_opts, 37, DLT_EN10MB, EA_MAL_IP4_TRUNC },
        { f_tcp_opts, 57, DLT_EN10MB, EA_MAL_TCP_TRUNC },
        { f_tcp_opts, 61, DLT_EN10MB, EA_MAL_TCP_TRUNC },
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        struct dec x;
        dec_init(&x, 16, 1000000000ull);
        CU_ASSERT_EQUAL(dec_run(&x, k[i].dlt, k[i].b, k[i].len, 0), EA_DECODE_MALFORMED);
        CU_ASSERT_EQUAL(x.st.malformed[k[i].kind], 1);
        if (x.st.malformed[k[i].kind] != 1)
            fprintf(stderr, "  (kind case %zu)\n", i);
        dec_done(&x);
    }
}

/* Ethernet padding past the IPv4 total length is not payload. */
static void test_padding_and_snaplen(void)
{
    uint8_t padded[60];
    memset(padded, 0xEE, sizeof padded);
    memcpy(padded, f_eth4, sizeof f_eth4);
    struct dec x;
    dec_init(&x, 16, 1000000000ull);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, padded, sizeof padded, 0), EA_DECODE_OK);
    CU_ASSERT_EQUAL(x.p.payload_len, 4);
    CU_ASSERT_EQUAL(x.p.l3_len, 32);

    /* Snap length: IPv4 total 1000, UDP length 980, only 4 payload bytes captured. */
    uint8_t snap[sizeof f_eth4];
    memcpy(snap, f_eth4, sizeof snap);
    snap[16] = 0x03; snap[17] = 0xe8;          /* IPv4 total length 1000 */
    snap[38] = 0x03; snap[39] = 0xd4;          /* UDP length 980 */
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, snap, sizeof snap, 0), EA_DECODE_OK);
    CU_ASSERT_EQUAL(x.p.payload_len, 4);
    CU_ASSERT_EQUAL(x.p.payload_wire_len, 972);
    CU_ASSERT_EQUAL(x.p.l3_len, 32);

    /* UDP length shorter than the IP payload bounds the payload. */
    memcpy(snap, f_eth4, sizeof snap);
    snap[39] = 0x0a;                           /* UDP length 10: 2 payload bytes */
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, snap, sizeof snap, 0), EA_DECODE_OK);
    CU_ASSERT_EQUAL(x.p.payload_len, 2);
    CU_ASSERT_EQUAL(x.p.payload_wire_len, 2);

    /* Total length 0 (segmentation offload capture) stands for what was captured. */
    memcpy(snap, f_eth4, sizeof snap);
    snap[16] = 0; snap[17] = 0;
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, snap, sizeof snap, 0), EA_DECODE_OK);
    CU_ASSERT_EQUAL(x.p.payload_len, 4);
    CU_ASSERT_EQUAL(mal_total(&x.st), 0);
    dec_done(&x);
}

/* Bad field values, each counted under its own kind. */
static void test_malformed_fields(void)
{
    static const struct { size_t off; uint8_t val; enum ea_mal kind; const char *what; } m[] = {
        { 14, 0x55, EA_MAL_IP_VERSION, "ipv4 version 5" },
        { 14, 0x65, EA_MAL_IP_VERSION, "version 6 under ethertype ipv4" },
        { 14, 0x44, EA_MAL_IP4_INVALID, "ihl 4" },
        { 17, 0x13, EA_MAL_IP4_INVALID, "total length 19" },
        { 39, 0x07, EA_MAL_UDP_INVALID, "udp length 7" },
    };
    struct dec x;
    dec_init(&x, 16, 1000000000ull);
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        uint8_t f[sizeof f_eth4];
        memcpy(f, f_eth4, sizeof f);
        f[m[i].off] = m[i].val;
        memset(&x.st, 0, sizeof x.st);
        CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, f, sizeof f, 0), EA_DECODE_MALFORMED);
        CU_ASSERT_EQUAL(x.st.malformed[m[i].kind], 1);
        CU_ASSERT_EQUAL(mal_total(&x.st), 1);
    }
    /* TCP data offset 4. */
    uint8_t t[sizeof f_tcp_opts];
    memcpy(t, f_tcp_opts, sizeof t);
    t[50] = 0x40;
    memset(&x.st, 0, sizeof x.st);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, t, sizeof t, 0), EA_DECODE_MALFORMED);
    CU_ASSERT_EQUAL(x.st.malformed[EA_MAL_TCP_INVALID], 1);
    CU_ASSERT_EQUAL(x.st.tcp, 0);
    CU_ASSERT_EQUAL(x.st.ip4, 1);
    /* TCP data offset 15 (60 bytes) beyond the segment. */
    t[50] = 0xf0;
    memset(&x.st, 0, sizeof x.st);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, t, sizeof t, 0), EA_DECODE_MALFORMED);
    CU_ASSERT_EQUAL(x.st.malformed[EA_MAL_TCP_TRUNC], 1);
    /* IPv6 under DLT_RAW with version 7. */
    uint8_t r[sizeof f_raw6];
    memcpy(r, f_raw6, sizeof r);
    r[0] = 0x70;
    memset(&x.st, 0, sizeof x.st);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, r, sizeof r, 0), EA_DECODE_MALFORMED);
    CU_ASSERT_EQUAL(x.st.malformed[EA_MAL_IP_VERSION], 1);
    dec_done(&x);
}

static void test_gre_variants(void)
{
    struct dec x;
    dec_init(&x, 16, 1000000000ull);
    uint8_t f[sizeof f_gre4];

    /* GRE version 2: invalid. */
    memcpy(f, f_gre4, sizeof f);
    f[35] = 0x02;
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, f, sizeof f, 0), EA_DECODE_MALFORMED);
    CU_ASSERT_EQUAL(x.st.malformed[EA_MAL_GRE_INVALID], 1);
    /* RFC 1701 routing bit: invalid. */
    memcpy(f, f_gre4, sizeof f);
    f[34] = 0x40;
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, f, sizeof f, 0), EA_DECODE_MALFORMED);
    CU_ASSERT_EQUAL(x.st.malformed[EA_MAL_GRE_INVALID], 2);
    /* Version 1 (PPTP): an opaque GRE flow between the tunnel endpoints. */
    memcpy(f, f_gre4, sizeof f);
    f[35] = 0x01;
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, f, sizeof f, 0), EA_DECODE_OK);
    CU_ASSERT_EQUAL(x.p.t.proto, 47);
    CU_ASSERT_EQUAL(x.p.t.src[0], 10);
    CU_ASSERT_EQUAL(x.p.t.sport, 0);
    CU_ASSERT_EQUAL(x.p.encap, 0);
    CU_ASSERT_EQUAL(x.st.other_l4, 1);
    /* Unknown protocol type (PPP 0x880b): opaque too. */
    memcpy(f, f_gre4, sizeof f);
    f[36] = 0x88; f[37] = 0x0b;
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, f, sizeof f, 0), EA_DECODE_OK);
    CU_ASSERT_EQUAL(x.p.t.proto, 47);
    CU_ASSERT_EQUAL(x.p.payload_len, 36);
    /* Transparent bridging of an ARP frame: not IP. */
    uint8_t teb[sizeof f_gre_teb];
    memcpy(teb, f_gre_teb, sizeof teb);
    teb[54] = 0x08; teb[55] = 0x06;
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, teb, sizeof teb, 0), EA_DECODE_NOT_IP);
    CU_ASSERT_EQUAL(x.st.non_ip, 1);
    /* ERSPAN III without the O bit: no sub-header, Ethernet follows at once. */
    static const uint8_t e3[] = {
        ETH_ADDRS, 0x08,0x00,
        /* outer IPv4, total 86, proto GRE */
        IP4_OUTER(86, 47),
        /* GRE: S flag | ERSPAN III | sequence 1 */
        0x10,0x00, 0x22,0xeb, 0x00,0x00,0x00,0x01,
        /* ERSPAN III: ver 2 | session 5 | timestamp | SGT 0 | O 0 */
        0x20,0x00, 0x00,0x05, 0x11,0x22,0x33,0x44, 0x00,0x00, 0x00,0x00,
        ETH_ADDRS, 0x08,0x00,
        IP4_UDP
    };
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, e3, sizeof e3, 0), EA_DECODE_OK);
    CU_ASSERT_EQUAL(x.p.t.sport, 5060);
    CU_ASSERT_EQUAL(x.p.encap, EA_ENC_GRE | EA_ENC_ERSPAN);
    dec_done(&x);
}

/* Non-IP frames and link types we do not decode. */
static void test_not_ip_and_unsupported(void)
{
    static const uint8_t arp[] = {
        /* Ethernet broadcast | type ARP */
        0xff,0xff,0xff,0xff,0xff,0xff, 0x00,0x00,0x5e,0x00,0x53,0x02, 0x08,0x06,
        /* ARP request: Ethernet/IPv4, op 1 */
        0x00,0x01, 0x08,0x00, 0x06, 0x04, 0x00,0x01,
        0x00,0x00,0x5e,0x00,0x53,0x02, 192,0,2,1, 0,0,0,0,0,0, 192,0,2,2
    };
    static const uint8_t lldp[] = {
        /* Ethernet to LLDP multicast | type LLDP */
        0x01,0x80,0xc2,0x00,0x00,0x0e, 0x00,0x00,0x5e,0x00,0x53,0x02, 0x88,0xcc,
        /* chassis id TLV (truncated on purpose: not looked at) */
        0x02,0x07,0x04
    };
    static const uint8_t stp[] = {
        /* 802.3 length 38 | LLC 42 42 03 (spanning tree) */
        0x01,0x80,0xc2,0x00,0x00,0x00, 0x00,0x00,0x5e,0x00,0x53,0x02, 0x00,0x26,
        0x42,0x42,0x03
    };
    static const uint8_t vlan_arp[] = {
        /* Ethernet | 802.1Q VLAN 7 | ARP (body left out) */
        ETH_ADDRS, 0x81,0x00, 0x00,0x07, 0x08,0x06
    };
    static const uint8_t null_other[] = { /* DLT_NULL AF 7 (OSI) */ 0x07,0,0,0, 0xfe,0xfe };
    struct dec x;
    dec_init(&x, 16, 1000000000ull);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, arp, sizeof arp, 0), EA_DECODE_NOT_IP);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, lldp, sizeof lldp, 0), EA_DECODE_NOT_IP);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, stp, sizeof stp, 0), EA_DECODE_NOT_IP);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, vlan_arp, sizeof vlan_arp, 0), EA_DECODE_NOT_IP);
    CU_ASSERT_EQUAL(x.p.t.vlan, 7);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_NULL, null_other, sizeof null_other, 0), EA_DECODE_NOT_IP);
    CU_ASSERT_EQUAL(x.st.non_ip, 5);
    CU_ASSERT_EQUAL(x.p.t.family, 0);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_IEEE802_11, f_eth4, sizeof f_eth4, 0), EA_DECODE_UNSUPPORTED);
    CU_ASSERT_EQUAL(dec_run(&x, 9999, f_eth4, sizeof f_eth4, 0), EA_DECODE_UNSUPPORTED);
    CU_ASSERT_EQUAL(x.st.unsupported_dlt, 2);
    CU_ASSERT_EQUAL(mal_total(&x.st), 0);
    CU_ASSERT_EQUAL(x.st.ip4 + x.st.ip6, 0);
    dec_done(&x);
}

/* Builds Ethernet plus n 802.1Q tags (VLAN 1..n) then IP4_UDP; returns the length. */
static size_t build_vlans(uint8_t *out, int n)
{
    static const uint8_t eth[] = { ETH_ADDRS };
    static const uint8_t ip[] = { IP4_UDP };
    size_t o = 0;
    memcpy(out, eth, sizeof eth);
    o += sizeof eth;
    for (int i = 1; i <= n; i++) {
        /* type 802.1Q | TCI with VLAN id i */
        out[o++] = 0x81; out[o++] = 0x00;
        out[o++] = 0x00; out[o++] = (uint8_t)i;
    }
    out[o++] = 0x08; out[o++] = 0x00;       /* type IPv4 */
    memcpy(out + o, ip, sizeof ip);
    return o + sizeof ip;
}

/* The nesting limit: 8 encapsulations decode, the 9th is malformed. */
static void test_depth_limit(void)
{
    uint8_t f[256];
    struct dec x;
    dec_init(&x, 16, 1000000000ull);
    size_t n = build_vlans(f, EA_DECODE_MAX_DEPTH);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, f, n, 0), EA_DECODE_OK);
    CU_ASSERT_EQUAL(x.p.t.vlan, EA_DECODE_MAX_DEPTH);
    CU_ASSERT_EQUAL(x.p.vlan_outer, 1);
    n = build_vlans(f, EA_DECODE_MAX_DEPTH + 1);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, f, n, 0), EA_DECODE_MALFORMED);
    CU_ASSERT_EQUAL(x.st.malformed[EA_MAL_ENCAP_DEPTH], 1);

    /* IP-in-IP nested 9 deep under raw IP: outer headers of proto 4, total lengths fixed up. */
    static const uint8_t inner[] = { IP4_UDP };
    for (int levels = EA_DECODE_MAX_DEPTH; levels <= EA_DECODE_MAX_DEPTH + 1; levels++) {
        size_t o = 0;
        for (int i = 0; i < levels; i++) {
            unsigned tot = (unsigned)((levels - i) * 20 + sizeof inner);
            /* IPv4 ihl 5 | total | id | ttl 64 | proto 4 | 10.0.0.1 -> 10.0.0.2 */
            const uint8_t h[] = { IP4_OUTER(0, 4) };
            memcpy(f + o, h, sizeof h);
            f[o + 2] = (uint8_t)(tot >> 8);
            f[o + 3] = (uint8_t)tot;
            o += sizeof h;
        }
        memcpy(f + o, inner, sizeof inner);
        o += sizeof inner;
        memset(&x.st, 0, sizeof x.st);
        enum ea_decode_rc rc = dec_run(&x, DLT_RAW, f, o, 0);
        CU_ASSERT_EQUAL(rc, levels <= EA_DECODE_MAX_DEPTH ? EA_DECODE_OK : EA_DECODE_MALFORMED);
        CU_ASSERT_EQUAL(x.st.malformed[EA_MAL_ENCAP_DEPTH], levels > EA_DECODE_MAX_DEPTH);
        if (rc == EA_DECODE_OK) {
            CU_ASSERT_EQUAL(x.p.t.sport, 5060);
            CU_ASSERT_EQUAL(x.p.t.src[0], 192);
            CU_ASSERT_EQUAL(x.p.encap, EA_ENC_IPIP);
        }
    }
    dec_done(&x);
}

/* IPv6 chains: mobility, no next header, atomic fragment, truncated option length. */
static void test_ipv6_ext(void)
{
    static const uint8_t mob[] = {
        /* IPv6: payload length 16 | next mobility (135) | hop limit 64 */
        0x60,0x00,0x00,0x00, 0x00,0x10,0x87,0x40,
        IP6_ADDRS,
        /* mobility: payload proto none (59) | len 1 (16 bytes) | MH type 5 | reserved | csum */
        0x3b,0x01, 0x05,0x00, 0x00,0x00,
        /* message data */
        0x00,0x00, 0x00,0x00,0x00,0x00, 0x00,0x00,0x00,0x00
    };
    static const uint8_t none[] = {
        /* IPv6: payload length 0 | next none (59) | hop limit 64 */
        0x60,0x00,0x00,0x00, 0x00,0x00,0x3b,0x40,
        IP6_ADDRS
    };
    static const uint8_t atomic[] = {
        /* IPv6: payload length 20 | next fragment (44) | hop limit 64 */
        0x60,0x00,0x00,0x00, 0x00,0x14,0x2c,0x40,
        IP6_ADDRS,
        /* fragment: next UDP | reserved | offset 0, M 0 | id 0x01020304 */
        0x11,0x00, 0x00,0x00, 0x01,0x02,0x03,0x04,
        /* UDP 5060 -> 5061 length 12 | "SIP!" */
        0x13,0xc4,0x13,0xc5, 0x00,0x0c,0x00,0x00, 'S','I','P','!'
    };
    static const uint8_t hbh_long[] = {
        /* IPv6: payload length 16 | next hop-by-hop | hop limit 64 */
        0x60,0x00,0x00,0x00, 0x00,0x10,0x00,0x40,
        IP6_ADDRS,
        /* hop-by-hop: next UDP | len 2 (24 bytes, more than the payload) | PadN */
        0x11,0x02, 0x01,0x0c,0x00,0x00,0x00,0x00,
        0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00
    };
    static const uint8_t ah_zero[] = {
        /* IPv6: payload length 20 | next AH | hop limit 64 */
        0x60,0x00,0x00,0x00, 0x00,0x14,0x33,0x40,
        IP6_ADDRS,
        /* AH: next UDP | payload len 0 (too short for SPI and sequence) */
        0x11,0x00, 0x00,0x00, 0x00,0x00,0x01,0x00,
        0x13,0xc4,0x13,0xc5, 0x00,0x0c,0x00,0x00, 'S','I','P','!'
    };
    struct dec x;
    dec_init(&x, 16, 1000000000ull);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, mob, sizeof mob, 0), EA_DECODE_OK);
    CU_ASSERT_EQUAL(x.p.t.proto, 59);
    CU_ASSERT_EQUAL(x.p.t.sport, 0);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, none, sizeof none, 0), EA_DECODE_OK);
    CU_ASSERT_EQUAL(x.p.t.proto, 59);
    CU_ASSERT_EQUAL(x.p.payload_len, 0);
    CU_ASSERT_EQUAL(x.st.other_l4, 2);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, atomic, sizeof atomic, 0), EA_DECODE_OK);
    CU_ASSERT_EQUAL(x.p.t.proto, 17);
    CU_ASSERT_EQUAL(x.p.t.dport, 5061);
    CU_ASSERT_FALSE(x.p.fragment);
    CU_ASSERT_EQUAL(x.st.frag_packets, 0);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, hbh_long, sizeof hbh_long, 0), EA_DECODE_MALFORMED);
    CU_ASSERT_EQUAL(x.st.malformed[EA_MAL_IP6_EXT_TRUNC], 1);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, ah_zero, sizeof ah_zero, 0), EA_DECODE_MALFORMED);
    CU_ASSERT_EQUAL(x.st.malformed[EA_MAL_IP6_EXT_TRUNC], 2);
    /* Truncation at every offset of the mobility and atomic-fragment packets. */
    for (size_t len = 0; len < sizeof mob; len++) {
        CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, mob, len, 0), EA_DECODE_MALFORMED);
    }
    for (size_t len = 0; len < 56; len++)
        CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, atomic, len, 0), EA_DECODE_MALFORMED);
    dec_done(&x);
}

/* ---- ICMP errors ------------------------------------------------------------------------ */

static const uint8_t f_icmp4_unreach_udp[] = {
    ETH_ADDRS, 0x08,0x00,
    /* IPv4 198.51.100.2 -> 192.0.2.1, total 56, proto ICMP */
    0x45,0x00,0x00,0x38, 0x00,0x02,0x00,0x00, 0x40,0x01,0x00,0x00,
    198,51,100,2, 192,0,2,1,
    /* ICMP: type 3 (unreachable) code 3 (port) | csum | unused */
    0x03,0x03, 0x00,0x00, 0x00,0x00,0x00,0x00,
    /* quoted IPv4 192.0.2.1 -> 198.51.100.2, total 32, UDP */
    0x45,0x00,0x00,0x20, 0x12,0x34,0x00,0x00, 0x40,0x11,0x00,0x00,
    192,0,2,1, 198,51,100,2,
    /* quoted UDP: 5060 -> 5061 | length 12 | csum */
    0x13,0xc4,0x13,0xc5, 0x00,0x0c,0x00,0x00
};
static const uint8_t f_icmp4_ttl_tcp[] = {
    ETH_ADDRS, 0x08,0x00,
    /* IPv4 203.0.113.9 (a router) -> 192.0.2.1, total 56, proto ICMP */
    0x45,0x00,0x00,0x38, 0x00,0x03,0x00,0x00, 0x40,0x01,0x00,0x00,
    203,0,113,9, 192,0,2,1,
    /* ICMP: type 11 (time exceeded) code 0 | csum | unused */
    0x0b,0x00, 0x00,0x00, 0x00,0x00,0x00,0x00,
    /* quoted IPv4 192.0.2.1 -> 198.51.100.2, total 40, TCP */
    0x45,0x00,0x00,0x28, 0x00,0x09,0x40,0x00, 0x01,0x06,0x00,0x00,
    192,0,2,1, 198,51,100,2,
    /* quoted TCP: 50000 -> 443 | seq */
    0xc3,0x50,0x01,0xbb, 0x00,0x00,0x00,0x01
};
static const uint8_t f_icmp6_unreach_udp[] = {
    ETH_ADDRS, 0x86,0xdd,
    /* IPv6 2001:db8::2 -> 2001:db8::1 | payload length 56 | next ICMPv6 */
    0x60,0x00,0x00,0x00, 0x00,0x38,0x3a,0x40,
    /* src 2001:db8::2 */ 0x20,0x01,0x0d,0xb8, 0,0,0,0, 0,0,0,0, 0,0,0,2,
    /* dst 2001:db8::1 */ 0x20,0x01,0x0d,0xb8, 0,0,0,0, 0,0,0,0, 0,0,0,1,
    /* ICMPv6: type 1 (unreachable) code 4 (port) | csum | unused */
    0x01,0x04, 0x00,0x00, 0x00,0x00,0x00,0x00,
    /* quoted IPv6 2001:db8::1 -> 2001:db8::2, UDP */
    0x60,0x00,0x00,0x00, 0x00,0x0c,0x11,0x40,
    IP6_ADDRS,
    /* quoted UDP: 5060 -> 5061 | length 12 | csum */
    0x13,0xc4,0x13,0xc5, 0x00,0x0c,0x00,0x00
};
static const uint8_t f_icmp6_ptb_tcp[] = {
    ETH_ADDRS, 0x86,0xdd,
    /* IPv6 2001:db8::2 -> 2001:db8::1 | payload length 64 | next ICMPv6 */
    0x60,0x00,0x00,0x00, 0x00,0x40,0x3a,0x40,
    /* src 2001:db8::2 */ 0x20,0x01,0x0d,0xb8, 0,0,0,0, 0,0,0,0, 0,0,0,2,
    /* dst 2001:db8::1 */ 0x20,0x01,0x0d,0xb8, 0,0,0,0, 0,0,0,0, 0,0,0,1,
    /* ICMPv6: type 2 (packet too big) code 0 | csum | MTU 1280 */
    0x02,0x00, 0x00,0x00, 0x00,0x00,0x05,0x00,
    /* quoted IPv6 2001:db8::1 -> 2001:db8::2, next destination options */
    0x60,0x00,0x00,0x00, 0x05,0x00,0x3c,0x40,
    IP6_ADDRS,
    /* quoted destination options: next TCP | len 0 | PadN */
    0x06,0x00, 0x01,0x04,0x00,0x00,0x00,0x00,
    /* quoted TCP: 50000 -> 443 | seq */
    0xc3,0x50,0x01,0xbb, 0x00,0x00,0x00,0x01
};

struct icmp_case {
    const char *name;
    const uint8_t *b;
    size_t n;
    size_t quoted_ip_end;       /* the quoted IP header (and extensions) end here */
    uint8_t family, type, code, qproto;
    uint16_t qsport, qdport;
};

static const struct icmp_case icmps[] = {
    { "icmp unreachable udp", f_icmp4_unreach_udp, sizeof f_icmp4_unreach_udp, 62, 4, 3, 3, 17,
      5060, 5061 },
    { "icmp ttl exceeded tcp", f_icmp4_ttl_tcp, sizeof f_icmp4_ttl_tcp, 62, 4, 11, 0, 6,
      50000, 443 },
    { "icmpv6 unreachable udp", f_icmp6_unreach_udp, sizeof f_icmp6_unreach_udp, 102, 6, 1, 4,
      17, 5060, 5061 },
    { "icmpv6 too big tcp", f_icmp6_ptb_tcp, sizeof f_icmp6_ptb_tcp, 110, 6, 2, 0, 6, 50000, 443 },
};

static void check_icmp(const struct icmp_case *c, const struct ea_packet *p, int ports)
{
    CU_ASSERT_EQUAL(p->t.family, c->family);
    CU_ASSERT_EQUAL(p->t.proto, c->family == 4 ? 1 : 58);
    CU_ASSERT_EQUAL(p->t.sport, 0);
    CU_ASSERT_EQUAL(p->t.dport, 0);
    CU_ASSERT(p->icmp_error);
    CU_ASSERT_EQUAL(p->icmp_type, c->type);
    CU_ASSERT_EQUAL(p->icmp_code, c->code);
    const struct ea_tuple *q = &p->icmp_quoted;
    CU_ASSERT_EQUAL(q->family, c->family);
    CU_ASSERT_EQUAL(q->proto, c->qproto);
    /* The quoted tuple is as first sent: its source is our original sender. */
    if (c->family == 4) {
        CU_ASSERT_EQUAL(memcmp(q->src, ip4_src, 4), 0);
        CU_ASSERT_EQUAL(memcmp(q->dst, ip4_dst, 4), 0);
    } else {
        CU_ASSERT_EQUAL(memcmp(q->src, ip6_src, 16), 0);
        CU_ASSERT_EQUAL(memcmp(q->dst, ip6_dst, 16), 0);
    }
    CU_ASSERT_EQUAL(q->sport, ports ? c->qsport : 0);
    CU_ASSERT_EQUAL(q->dport, ports ? c->qdport : 0);
}

static void test_icmp_errors(void)
{
    for (size_t i = 0; i < sizeof icmps / sizeof icmps[0]; i++) {
        const struct icmp_case *c = &icmps[i];
        struct dec x;
        dec_init(&x, 16, 1000000000ull);
        CU_ASSERT_EQUAL_FATAL(dec_run(&x, DLT_EN10MB, c->b, c->n, 0), EA_DECODE_OK);
        check_icmp(c, &x.p, 1);
        CU_ASSERT_EQUAL(x.st.icmp, 1);
        /* Every shorter capture: malformed until the quoted IP header is whole,
         * then the ICMP decodes, with quoted ports once 4 more bytes are in. */
        for (size_t len = 0; len < c->n; len++) {
            uint64_t before = mal_total(&x.st);
            enum ea_decode_rc rc = dec_run(&x, DLT_EN10MB, c->b, len, 0);
            if (len < c->quoted_ip_end) {
                CU_ASSERT_EQUAL(rc, EA_DECODE_MALFORMED);
                CU_ASSERT_EQUAL(mal_total(&x.st), before + 1);
            } else {
                CU_ASSERT_EQUAL(rc, EA_DECODE_OK);
                if (rc == EA_DECODE_OK)
                    check_icmp(c, &x.p, len >= c->quoted_ip_end + 4);
            }
        }
        CU_ASSERT(x.st.malformed[EA_MAL_ICMP_TRUNC] > 0);
        dec_done(&x);
    }
}

/* A quoted non-first fragment has no L4 header: no ports. */
static void test_icmp_quoted_fragment(void)
{
    uint8_t f[sizeof f_icmp4_unreach_udp];
    memcpy(f, f_icmp4_unreach_udp, sizeof f);
    f[48] = 0x00; f[49] = 0x03;                 /* quoted flags/offset: offset 24 */
    struct dec x;
    dec_init(&x, 16, 1000000000ull);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, f, sizeof f, 0), EA_DECODE_OK);
    CU_ASSERT(x.p.icmp_error);
    CU_ASSERT_EQUAL(x.p.icmp_quoted.family, 4);
    CU_ASSERT_EQUAL(x.p.icmp_quoted.proto, 17);
    CU_ASSERT_EQUAL(x.p.icmp_quoted.sport, 0);
    CU_ASSERT_EQUAL(x.p.icmp_quoted.dport, 0);
    /* A quoted packet that is not IPv4 cannot be mapped, but the ICMP is fine. */
    memcpy(f, f_icmp4_unreach_udp, sizeof f);
    f[42] = 0x65;
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, f, sizeof f, 0), EA_DECODE_OK);
    CU_ASSERT(x.p.icmp_error);
    CU_ASSERT_EQUAL(x.p.icmp_quoted.family, 0);
    CU_ASSERT_EQUAL(mal_total(&x.st), 0);
    dec_done(&x);
}

static void test_icmp_echo(void)
{
    static const uint8_t echo[] = {
        /* IPv4 192.0.2.1 -> 198.51.100.2, total 28, ICMP */
        0x45,0x00,0x00,0x1c, 0x00,0x04,0x00,0x00, 0x40,0x01,0x00,0x00,
        192,0,2,1, 198,51,100,2,
        /* ICMP echo request | csum | id 1 | seq 1 */
        0x08,0x00, 0x00,0x00, 0x00,0x01,0x00,0x01
    };
    static const uint8_t echo6[] = {
        /* IPv6 | payload 8 | ICMPv6 */
        0x60,0x00,0x00,0x00, 0x00,0x08,0x3a,0x40,
        IP6_ADDRS,
        /* ICMPv6 echo request (128) | csum | id 1 | seq 1 */
        0x80,0x00, 0x00,0x00, 0x00,0x01,0x00,0x01
    };
    struct dec x;
    dec_init(&x, 16, 1000000000ull);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, echo, sizeof echo, 0), EA_DECODE_OK);
    CU_ASSERT_EQUAL(x.p.icmp_type, 8);
    CU_ASSERT_FALSE(x.p.icmp_error);
    CU_ASSERT_EQUAL(x.p.icmp_quoted.family, 0);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, echo6, sizeof echo6, 0), EA_DECODE_OK);
    CU_ASSERT_EQUAL(x.p.icmp_type, 128);
    CU_ASSERT_FALSE(x.p.icmp_error);
    CU_ASSERT_EQUAL(x.st.icmp, 2);
    for (size_t len = 20; len < sizeof echo; len++) {
        CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, echo, len, 0), EA_DECODE_MALFORMED);
    }
    CU_ASSERT_EQUAL(x.st.malformed[EA_MAL_ICMP_TRUNC], sizeof echo - 20);
    dec_done(&x);
}

/* ---- Fragments ------------------------------------------------------------------------ */

/* The datagram being fragmented: UDP 5060 -> 5061, length 32, 24 bytes of text. */
static const uint8_t frag_dgram[32] = {
    0x13,0xc4,0x13,0xc5, 0x00,0x20,0x00,0x00,
    'a','b','c','d','e','f','g','h', 'i','j','k','l','m','n','o','p', 'q','r','s','t','u','v','w','x'
};

/*
 * Raw IPv4 fragment of frag_dgram (or of 'data' when given) at byte offset
 * 'off', 'len' bytes, more-fragments flag 'mf', identification 'id'.
 */
static size_t ip4_frag(uint8_t *out, uint16_t id, unsigned off, size_t len, int mf,
                       const uint8_t *data)
{
    /* IPv4 192.0.2.1 -> 198.51.100.2 | total | id | flags/offset | ttl 64 | UDP */
    const uint8_t h[20] = { 0x45,0x00,0x00,0x00, 0,0,0,0, 0x40,0x11,0x00,0x00,
                            192,0,2,1, 198,51,100,2 };
    memcpy(out, h, 20);
    out[2] = (uint8_t)((20 + len) >> 8);
    out[3] = (uint8_t)(20 + len);
    out[4] = (uint8_t)(id >> 8);
    out[5] = (uint8_t)id;
    uint16_t ff = (uint16_t)((mf ? 0x2000 : 0) | (off / 8));
    out[6] = (uint8_t)(ff >> 8);
    out[7] = (uint8_t)ff;
    memcpy(out + 20, data ? data : frag_dgram + off, len);
    return 20 + len;
}

static void check_reassembled4(const struct dec *x)
{
    CU_ASSERT(x->p.fragment);
    CU_ASSERT_EQUAL(x->p.t.family, 4);
    CU_ASSERT_EQUAL(x->p.t.proto, 17);
    CU_ASSERT_EQUAL(x->p.t.sport, 5060);
    CU_ASSERT_EQUAL(x->p.t.dport, 5061);
    CU_ASSERT_EQUAL(x->p.payload_len, 24);
    CU_ASSERT(x->p.payload && memcmp(x->p.payload, frag_dgram + 8, 24) == 0);
    CU_ASSERT_EQUAL(x->p.l3_len, 52);
    /* The datagram lives in the decoder's buffer, not in the last frame. */
    CU_ASSERT(!inside(x->p.l3, 1, x->buf, 40));
    CU_ASSERT(x->p.l3 && (x->p.l3[6] & 0x3f) == 0 && x->p.l3[7] == 0);
}

static void test_frag_in_order(void)
{
    uint8_t f[128];
    struct dec x;
    dec_init(&x, 16, 1000000000ull);
    size_t n = ip4_frag(f, 7, 0, 16, 1, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 0), EA_DECODE_FRAG_HELD);
    n = ip4_frag(f, 7, 16, 8, 1, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 1), EA_DECODE_FRAG_HELD);
    n = ip4_frag(f, 7, 24, 8, 0, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 2), EA_DECODE_OK);
    check_reassembled4(&x);
    CU_ASSERT_EQUAL(x.st.frag_packets, 3);
    CU_ASSERT_EQUAL(x.st.frag_reassembled, 1);
    CU_ASSERT_EQUAL(x.st.frag_dropped, 0);
    CU_ASSERT_EQUAL(x.st.udp, 1);
    CU_ASSERT_EQUAL(x.st.ip4, 3);
    CU_ASSERT_EQUAL(ea_defrag_pending(ea_decoder_defrag(x.d)), 0);
    /* The next packet is an ordinary one again. */
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, f_eth4, sizeof f_eth4, 3), EA_DECODE_OK);
    CU_ASSERT_FALSE(x.p.fragment);
    dec_done(&x);
}

static void test_frag_out_of_order(void)
{
    uint8_t f[128];
    struct dec x;
    dec_init(&x, 16, 1000000000ull);
    size_t n = ip4_frag(f, 8, 24, 8, 0, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 0), EA_DECODE_FRAG_HELD);
    n = ip4_frag(f, 8, 0, 16, 1, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 0), EA_DECODE_FRAG_HELD);
    /* A duplicate that agrees is harmless. */
    n = ip4_frag(f, 8, 0, 16, 1, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 0), EA_DECODE_FRAG_HELD);
    /* An overlapping fragment with the same bytes: 8..24. */
    n = ip4_frag(f, 8, 8, 16, 1, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 0), EA_DECODE_OK);
    check_reassembled4(&x);
    CU_ASSERT_EQUAL(x.st.frag_packets, 4);
    CU_ASSERT_EQUAL(x.st.frag_reassembled, 1);
    CU_ASSERT_EQUAL(mal_total(&x.st), 0);
    dec_done(&x);
}

static void test_frag_overlap_conflict(void)
{
    uint8_t f[128], other[16];
    memset(other, 'Z', sizeof other);
    struct dec x;
    dec_init(&x, 16, 1000000000ull);
    size_t n = ip4_frag(f, 9, 0, 16, 1, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 0), EA_DECODE_FRAG_HELD);
    n = ip4_frag(f, 9, 8, 16, 1, other);        /* disagrees on bytes 8..16 */
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 0), EA_DECODE_MALFORMED);
    CU_ASSERT_EQUAL(x.st.malformed[EA_MAL_FRAG_INVALID], 1);
    CU_ASSERT_EQUAL(x.st.frag_dropped, 2);
    CU_ASSERT_EQUAL(ea_defrag_pending(ea_decoder_defrag(x.d)), 0);
    /* The rest alone can no longer complete the dropped datagram. */
    n = ip4_frag(f, 9, 16, 16, 0, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 0), EA_DECODE_FRAG_HELD);
    CU_ASSERT_EQUAL(x.st.frag_reassembled, 0);

    /* Two last fragments that end in different places. */
    n = ip4_frag(f, 10, 24, 8, 0, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 0), EA_DECODE_FRAG_HELD);
    n = ip4_frag(f, 10, 16, 8, 0, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 0), EA_DECODE_MALFORMED);
    /* A middle fragment that is not a multiple of 8 bytes. */
    n = ip4_frag(f, 11, 0, 12, 1, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 0), EA_DECODE_MALFORMED);
    CU_ASSERT_EQUAL(x.st.malformed[EA_MAL_FRAG_INVALID], 3);
    dec_done(&x);
}

static void test_frag_oversize(void)
{
    uint8_t f[128];
    struct dec x;
    dec_init(&x, 16, 1000000000ull);
    /* Offset 65520 + 8 bytes + 20-byte header > 65535 (ping of death). */
    size_t n = ip4_frag(f, 12, 65520, 8, 1, frag_dgram);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 0), EA_DECODE_MALFORMED);
    CU_ASSERT_EQUAL(x.st.malformed[EA_MAL_FRAG_INVALID], 1);
    /* Exactly at the cap: 65504 + 8 + 20 = 65532 is fine, and held. */
    n = ip4_frag(f, 13, 65504, 8, 0, frag_dgram);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 0), EA_DECODE_FRAG_HELD);
    CU_ASSERT_EQUAL(ea_defrag_pending(ea_decoder_defrag(x.d)), 1);
    dec_done(&x);        /* frees the pending 64 KB datagram (ASan checks for leaks) */
}

static void test_frag_timeout(void)
{
    uint8_t f[128];
    const uint64_t sec = 1000000000ull;
    struct dec x;
    dec_init(&x, 16, 2 * sec);
    size_t n = ip4_frag(f, 14, 0, 16, 1, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 10 * sec), EA_DECODE_FRAG_HELD);
    /* Within the timeout nothing happens. */
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, f_eth4, sizeof f_eth4, 12 * sec), EA_DECODE_OK);
    CU_ASSERT_EQUAL(x.st.frag_dropped, 0);
    /* Any packet past it expires the datagram. */
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, f_eth4, sizeof f_eth4, 12 * sec + 1), EA_DECODE_OK);
    CU_ASSERT_EQUAL(x.st.frag_dropped, 1);
    CU_ASSERT_EQUAL(ea_defrag_pending(ea_decoder_defrag(x.d)), 0);
    /* The late fragments cannot complete it. */
    n = ip4_frag(f, 14, 16, 8, 1, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 13 * sec), EA_DECODE_FRAG_HELD);
    n = ip4_frag(f, 14, 24, 8, 0, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 13 * sec), EA_DECODE_FRAG_HELD);
    CU_ASSERT_EQUAL(x.st.frag_reassembled, 0);
    CU_ASSERT_EQUAL(ea_defrag_pending(ea_decoder_defrag(x.d)), 1);
    dec_done(&x);
}

/* A cleared table holds nothing, counts nothing, and works as a new one. */
static void test_frag_clear(void)
{
    uint8_t f[128];
    struct dec x;
    dec_init(&x, 16, 1000000000ull);
    size_t n = ip4_frag(f, 1, 0, 16, 1, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 1), EA_DECODE_FRAG_HELD);
    n = ip4_frag(f, 2, 0, 16, 1, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 1), EA_DECODE_FRAG_HELD);
    CU_ASSERT_EQUAL(ea_defrag_pending(ea_decoder_defrag(x.d)), 2);
    ea_defrag_clear(ea_decoder_defrag(x.d));
    ea_defrag_clear(NULL);
    CU_ASSERT_EQUAL(ea_defrag_pending(ea_decoder_defrag(x.d)), 0);
    CU_ASSERT_EQUAL(x.st.frag_dropped, 0);
    /* The last fragment of datagram 1 finds no first one: held, not completed. */
    n = ip4_frag(f, 1, 16, 16, 0, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 2), EA_DECODE_FRAG_HELD);
    CU_ASSERT_EQUAL(ea_defrag_pending(ea_decoder_defrag(x.d)), 1);
    /* A whole datagram after the clear reassembles. */
    n = ip4_frag(f, 3, 0, 16, 1, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 3), EA_DECODE_FRAG_HELD);
    n = ip4_frag(f, 3, 16, 16, 0, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 4), EA_DECODE_OK);
    check_reassembled4(&x);
    CU_ASSERT_EQUAL(x.st.frag_reassembled, 1);
    dec_done(&x);
}

static void test_frag_table_full(void)
{
    uint8_t f[128];
    struct dec x;
    dec_init(&x, 2, 1000000000ull);
    for (uint16_t id = 1; id <= 3; id++) {
        size_t n = ip4_frag(f, id, 0, 16, 1, NULL);
        CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, id), EA_DECODE_FRAG_HELD);
    }
    /* The oldest (id 1) made room for id 3. */
    CU_ASSERT_EQUAL(ea_defrag_pending(ea_decoder_defrag(x.d)), 2);
    CU_ASSERT_EQUAL(x.st.frag_dropped, 1);
    size_t n = ip4_frag(f, 1, 16, 16, 0, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 4), EA_DECODE_FRAG_HELD);
    n = ip4_frag(f, 3, 16, 16, 0, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 5), EA_DECODE_OK);
    check_reassembled4(&x);
    CU_ASSERT_EQUAL(x.st.frag_reassembled, 1);
    dec_done(&x);

    /* frag_max 0: no reassembly at all, every fragment dropped. */
    dec_init(&x, 0, 1000000000ull);
    n = ip4_frag(f, 1, 0, 16, 1, NULL);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 0), EA_DECODE_FRAG_HELD);
    CU_ASSERT_EQUAL(x.st.frag_dropped, 1);
    dec_done(&x);
}

/* Same id and addresses on two VLANs are two datagrams. */
static void test_frag_vlan_key(void)
{
    uint8_t ip[64], f[128];
    /* Ethernet | 802.1Q VLAN (set below) | IPv4 */
    const uint8_t l2[] = { ETH_ADDRS, 0x81,0x00, 0x00,0x00, 0x08,0x00 };
    struct dec x;
    dec_init(&x, 16, 1000000000ull);
    size_t n = ip4_frag(ip, 21, 0, 16, 1, NULL);
    memcpy(f, l2, sizeof l2);
    f[15] = 10;
    memcpy(f + sizeof l2, ip, n);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, f, sizeof l2 + n, 0), EA_DECODE_FRAG_HELD);
    n = ip4_frag(ip, 21, 16, 16, 0, NULL);
    f[15] = 20;
    memcpy(f + sizeof l2, ip, n);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, f, sizeof l2 + n, 0), EA_DECODE_FRAG_HELD);
    CU_ASSERT_EQUAL(ea_defrag_pending(ea_decoder_defrag(x.d)), 2);
    f[15] = 10;
    CU_ASSERT_EQUAL(dec_run(&x, DLT_EN10MB, f, sizeof l2 + n, 0), EA_DECODE_OK);
    CU_ASSERT_EQUAL(x.p.t.vlan, 10);
    check_reassembled4(&x);
    dec_done(&x);
}

/* Raw IPv6 fragment (hop-by-hop, then fragment header) of frag_dgram. */
static size_t ip6_frag(uint8_t *out, uint32_t id, unsigned off, size_t len, int more)
{
    const uint8_t h[] = {
        /* IPv6: payload length (below) | next hop-by-hop | hop limit 64 */
        0x60,0x00,0x00,0x00, 0x00,0x00,0x00,0x40,
        IP6_ADDRS,
        /* hop-by-hop: next fragment (44) | len 0 | PadN */
        0x2c,0x00, 0x01,0x04,0x00,0x00,0x00,0x00,
        /* fragment: next UDP | reserved | offset, M (below) | id (below) */
        0x11,0x00, 0x00,0x00, 0x00,0x00,0x00,0x00
    };
    memcpy(out, h, sizeof h);
    out[4] = (uint8_t)((16 + len) >> 8);
    out[5] = (uint8_t)(16 + len);
    uint16_t fo = (uint16_t)(off | (more ? 1 : 0));
    out[50] = (uint8_t)(fo >> 8);
    out[51] = (uint8_t)fo;
    out[52] = (uint8_t)(id >> 24); out[53] = (uint8_t)(id >> 16);
    out[54] = (uint8_t)(id >> 8);  out[55] = (uint8_t)id;
    memcpy(out + sizeof h, frag_dgram + off, len);
    return sizeof h + len;
}

static void test_frag_ipv6(void)
{
    uint8_t f[128];
    struct dec x;
    dec_init(&x, 16, 1000000000ull);
    size_t n = ip6_frag(f, 0xdeadbeef, 16, 16, 0);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 0), EA_DECODE_FRAG_HELD);
    n = ip6_frag(f, 0xdeadbeef, 0, 16, 1);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 0), EA_DECODE_OK);
    CU_ASSERT(x.p.fragment);
    CU_ASSERT_EQUAL(x.p.t.family, 6);
    CU_ASSERT_EQUAL(x.p.t.proto, 17);
    CU_ASSERT_EQUAL(x.p.t.sport, 5060);
    CU_ASSERT_EQUAL(x.p.payload_len, 24);
    CU_ASSERT(x.p.payload && memcmp(x.p.payload, frag_dgram + 8, 24) == 0);
    /* IPv6 header + hop-by-hop (now pointing at UDP) + 32 bytes. */
    CU_ASSERT_EQUAL(x.p.l3_len, 80);
    CU_ASSERT(x.p.l3 && x.p.l3[40] == 17 && x.p.l3[5] == 40);
    CU_ASSERT_EQUAL(x.st.frag_reassembled, 1);
    CU_ASSERT_EQUAL(x.st.ip6, 2);

    /* A non-last fragment of 12 bytes is invalid. */
    n = ip6_frag(f, 5, 0, 12, 1);
    CU_ASSERT_EQUAL(dec_run(&x, DLT_RAW, f, n, 0), EA_DECODE_MALFORMED);
    CU_ASSERT_EQUAL(x.st.malformed[EA_MAL_FRAG_INVALID], 1);

    /* Truncation inside the headers is malformed; inside the data the fragment
     * cannot be kept (snap length) and is dropped. */
    n = ip6_frag(f, 6, 0, 16, 1);
    for (size_t len = 0; len < n; len++) {
        enum ea_decode_rc rc = dec_run(&x, DLT_RAW, f, len, 0);
        CU_ASSERT_EQUAL(rc, len < 56 ? EA_DECODE_MALFORMED : EA_DECODE_FRAG_HELD);
    }
    CU_ASSERT_EQUAL(ea_defrag_pending(ea_decoder_defrag(x.d)), 0);
    dec_done(&x);
}

/* Truncated IPv4 fragments: header cuts are malformed, data cuts are dropped. */
static void test_frag_truncated(void)
{
    uint8_t f[128];
    struct dec x;
    dec_init(&x, 16, 1000000000ull);
    size_t n = ip4_frag(f, 30, 16, 16, 0, NULL);
    for (size_t len = 0; len < n; len++) {
        uint64_t dropped = x.st.frag_dropped;
        enum ea_decode_rc rc = dec_run(&x, DLT_RAW, f, len, 0);
        CU_ASSERT_EQUAL(rc, len < 20 ? EA_DECODE_MALFORMED : EA_DECODE_FRAG_HELD);
        if (len >= 20)
            CU_ASSERT_EQUAL(x.st.frag_dropped, dropped + 1);
    }
    CU_ASSERT_EQUAL(ea_defrag_pending(ea_decoder_defrag(x.d)), 0);
    dec_done(&x);
}

/* A NULL decoder works without reassembly; NULL stats are allowed. */
static void test_null_args(void)
{
    struct ea_stats st;
    memset(&st, 0, sizeof st);
    struct ea_packet p;
    memset(&p, 0, sizeof p);
    p.dlt = DLT_EN10MB;
    p.data = f_eth4;
    p.caplen = sizeof f_eth4;
    CU_ASSERT_EQUAL(ea_decode(NULL, &p, &st), EA_DECODE_OK);
    CU_ASSERT_EQUAL(p.t.dport, 5061);
    CU_ASSERT_EQUAL(ea_decode(NULL, &p, NULL), EA_DECODE_OK);
    CU_ASSERT_EQUAL(ea_decode(NULL, NULL, &st), EA_DECODE_UNSUPPORTED);
    p.data = NULL;
    CU_ASSERT_EQUAL(ea_decode(NULL, &p, &st), EA_DECODE_MALFORMED);
    ea_decoder_free(NULL);
}

static void test_mal_names(void)
{
    CU_ASSERT_STRING_EQUAL(ea_mal_name(EA_MAL_IP4_TRUNC), "ipv4-truncated");
    CU_ASSERT_STRING_EQUAL(ea_mal_name(EA_MAL_TCP_INVALID), "tcp-invalid-offset");
    CU_ASSERT_STRING_EQUAL(ea_mal_name(EA_MAL__COUNT), "unknown");
    CU_ASSERT_STRING_EQUAL(ea_mal_name((enum ea_mal)-1), "unknown");
    for (int i = 0; i < EA_MAL__COUNT; i++) {
        const char *a = ea_mal_name((enum ea_mal)i);
        CU_ASSERT_STRING_NOT_EQUAL(a, "unknown");
        for (const char *c = a; *c; c++)
            CU_ASSERT((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-');
        for (int j = 0; j < i; j++)
            CU_ASSERT_STRING_NOT_EQUAL(a, ea_mal_name((enum ea_mal)j));
    }
}

static void test_addr_str(void)
{
    char buf[64];
    CU_ASSERT_STRING_EQUAL(ea_addr_str(4, ip4_src, buf, sizeof buf), "192.0.2.1");
    CU_ASSERT_STRING_EQUAL(ea_addr_str(6, ip6_src, buf, sizeof buf), "2001:db8::1");
    CU_ASSERT_STRING_EQUAL(ea_addr_str(0, ip6_src, buf, sizeof buf), "-");
    CU_ASSERT_STRING_EQUAL(ea_addr_str(4, ip4_src, buf, 5), "");
    CU_ASSERT_STRING_EQUAL(ea_addr_str(4, ip4_src, NULL, 0), "");
}

void ea_test_add_decode(void)
{
    EA_SUITE("decode",
             { "frames of every link type and encapsulation", test_frames },
             { "truncation at every offset", test_truncation },
             { "truncation kinds", test_truncation_kinds },
             { "ethernet padding and snap length", test_padding_and_snaplen },
             { "malformed fields", test_malformed_fields },
             { "gre variants", test_gre_variants },
             { "non-ip and unsupported", test_not_ip_and_unsupported },
             { "encapsulation depth limit", test_depth_limit },
             { "ipv6 extension headers", test_ipv6_ext },
             { "icmp errors quoting tcp and udp", test_icmp_errors },
             { "icmp quoting a fragment", test_icmp_quoted_fragment },
             { "icmp echo", test_icmp_echo },
             { "fragments in order", test_frag_in_order },
             { "fragments out of order", test_frag_out_of_order },
             { "fragments overlapping", test_frag_overlap_conflict },
             { "fragments oversized", test_frag_oversize },
             { "fragments timed out", test_frag_timeout },
             { "fragment table full", test_frag_table_full },
             { "fragment table cleared", test_frag_clear },
             { "fragments keyed by vlan", test_frag_vlan_key },
             { "ipv6 fragments", test_frag_ipv6 },
             { "truncated fragments", test_frag_truncated },
             { "null arguments", test_null_args },
             { "malformed kind names", test_mal_names },
             { "address strings", test_addr_str });
}
