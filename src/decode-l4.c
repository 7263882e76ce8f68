/* decode-l4.c: IP protocol dispatch, TCP, UDP, ICMP/ICMPv6 and the tuple quoted in ICMP errors. */
#include <string.h>

#include "decode.h"
#include "util-bytes.h"


/* Takes b as an uninspected payload: no ports. b may be NULL when len is 0. */
enum ea_decode_rc ea_decode_opaque(struct ea_packet *p, const uint8_t *b, uint32_t len,
                                   uint32_t wire_len)
{
    p->t.sport = 0;
    p->t.dport = 0;
    p->payload = len ? b : NULL;
    p->payload_len = len;
    p->payload_wire_len = wire_len > len ? wire_len : len;
    return EA_DECODE_OK;
}

/*
 * TCP header (RFC 9293 section 3.1):
 *   Source Port (16) | Destination Port (16)
 *   Sequence Number (32)
 *   Acknowledgment Number (32)
 *   Data Offset (4) | Reserved (4) | CWR ECE URG ACK PSH RST SYN FIN (8) | Window (16)
 *   Checksum (16) | Urgent Pointer (16)
 *   Options (Data Offset * 4 - 20 bytes)
 */
static enum ea_decode_rc decode_tcp(struct ea_decoder *d, struct ea_packet *p, const uint8_t *b,
                                    uint32_t len, uint32_t wire_len)
{
    struct ea_cur c;
    ea_cur_init(&c, b, len);
    uint16_t sport = ea_cur_be16(&c);
    uint16_t dport = ea_cur_be16(&c);
    uint32_t seq = ea_cur_be32(&c);
    uint32_t ack = ea_cur_be32(&c);
    uint8_t off = ea_cur_u8(&c);
    uint8_t flags = ea_cur_u8(&c);
    ea_cur_skip(&c, 6);
    if (c.err)
        return ea_decode_mal(d, EA_MAL_TCP_TRUNC);
    uint32_t hlen = (uint32_t)(off >> 4) * 4u;
    if (hlen < 20)
        return ea_decode_mal(d, EA_MAL_TCP_INVALID);
    if (hlen > len)
        return ea_decode_mal(d, EA_MAL_TCP_TRUNC);
    p->t.sport = sport;
    p->t.dport = dport;
    p->tcp_seq = seq;
    p->tcp_ack = ack;
    p->tcp_flags = flags;
    p->payload = len > hlen ? b + hlen : NULL;
    p->payload_len = len - hlen;
    p->payload_wire_len = wire_len > hlen ? wire_len - hlen : 0;
    if (p->payload_wire_len < p->payload_len)
        p->payload_wire_len = p->payload_len;
    return EA_DECODE_OK;
}

/*
 * UDP header (RFC 768):
 *   Source Port (16) | Destination Port (16) | Length (16) | Checksum (16)
 * The payload ends at the UDP length or the captured bytes, whichever
 * comes first.
 */
static enum ea_decode_rc decode_udp(struct ea_decoder *d, struct ea_packet *p, const uint8_t *b,
                                    uint32_t len, uint32_t wire_len)
{
    struct ea_cur c;
    ea_cur_init(&c, b, len);
    uint16_t sport = ea_cur_be16(&c);
    uint16_t dport = ea_cur_be16(&c);
    uint32_t ulen = ea_cur_be16(&c);
    ea_cur_skip(&c, 2);
    if (c.err)
        return ea_decode_mal(d, EA_MAL_UDP_TRUNC);
    if (ulen < 8)
        return ea_decode_mal(d, EA_MAL_UDP_INVALID);
    uint32_t wire = ulen < wire_len ? ulen : wire_len;
    uint32_t got = ulen < len ? ulen : len;
    p->t.sport = sport;
    p->t.dport = dport;
    p->payload = got > 8 ? b + 8 : NULL;
    p->payload_len = got - 8;
    p->payload_wire_len = wire > got ? wire - 8 : got - 8;
    return EA_DECODE_OK;
}

/* 1 for the ICMP error messages that quote the offending datagram. */
static int icmp_is_error(uint8_t family, uint8_t type)
{
    if (family == 4)    /* RFC 792: unreachable, source quench, redirect, time exceeded, parameter */
        return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
    /* RFC 4443: unreachable, packet too big, time exceeded, parameter problem */
    return type >= 1 && type <= 4;
}

/* Ports of a quoted TCP or UDP header: its first 4 bytes, when there. */
static void quoted_ports(struct ea_tuple *q, struct ea_cur *c)
{
    if ((q->proto == IPPROTO_TCP || q->proto == IPPROTO_UDP) && ea_cur_has(c, 4)) {
        q->sport = ea_cur_be16(c);
        q->dport = ea_cur_be16(c);
    }
}

/*
 * The IPv4 header quoted by an ICMP error (RFC 792: "Internet Header + 64
 * bits of Original Data Datagram"), read as its sender sent it. A quoted
 * header cut short is EA_MAL_ICMP_TRUNC; one that is not IPv4 leaves
 * q->family 0 (nothing to map).
 */
static int quoted_ipv4(struct ea_tuple *q, const uint8_t *b, uint32_t len)
{
    struct ea_cur c;
    ea_cur_init(&c, b, len);
    uint8_t vihl = ea_cur_u8(&c);
    ea_cur_skip(&c, 5);
    uint16_t ff = ea_cur_be16(&c);
    ea_cur_skip(&c, 1);
    uint8_t proto = ea_cur_u8(&c);
    ea_cur_skip(&c, 2);
    const uint8_t *src = ea_cur_ptr(&c, 4);
    const uint8_t *dst = ea_cur_ptr(&c, 4);
    if (c.err)
        return -1;
    uint32_t ihl = (vihl & 0x0Fu) * 4u;
    if ((vihl >> 4) != 4 || ihl < 20)
        return 0;
    ea_cur_skip(&c, ihl - 20);
    if (c.err)
        return -1;
    q->family = 4;
    q->proto = proto;
    memcpy(q->src, src, 4);
    memcpy(q->dst, dst, 4);
    if ((ff & 0x1FFF) == 0)         /* only a first fragment has the L4 header */
        quoted_ports(q, &c);
    return 0;
}

/*
 * The IPv6 packet quoted by an ICMPv6 error (RFC 4443 section 2.4), with its
 * extension headers walked up to the L4 header. A header or chain cut short
 * is EA_MAL_ICMP_TRUNC; a quoted packet that is not IPv6 leaves q->family 0.
 */
static int quoted_ipv6(struct ea_tuple *q, const uint8_t *b, uint32_t len)
{
    struct ea_cur c;
    ea_cur_init(&c, b, len);
    uint8_t v = ea_cur_u8(&c);
    ea_cur_skip(&c, 5);
    uint8_t nh = ea_cur_u8(&c);
    ea_cur_skip(&c, 1);
    const uint8_t *src = ea_cur_ptr(&c, 16);
    const uint8_t *dst = ea_cur_ptr(&c, 16);
    if (c.err)
        return -1;
    if ((v >> 4) != 6)
        return 0;
    int first = 1;
    for (;;) {
        if (nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_DSTOPTS ||
            nh == IPPROTO_MH) {
            uint8_t next = ea_cur_u8(&c);
            ea_cur_skip(&c, ((uint32_t)ea_cur_u8(&c) + 1u) * 8u - 2u);
            nh = next;
        } else if (nh == IPPROTO_AH) {
            uint8_t next = ea_cur_u8(&c);
            ea_cur_skip(&c, ((uint32_t)ea_cur_u8(&c) + 2u) * 4u - 2u);
            nh = next;
        } else if (nh == IPPROTO_FRAGMENT) {
            uint8_t next = ea_cur_u8(&c);
            ea_cur_skip(&c, 1);
            uint16_t fo = ea_cur_be16(&c);
            ea_cur_skip(&c, 4);
            first = (fo & 0xFFF8) == 0;
            nh = next;
            if (!first)
                break;
        } else {
            break;
        }
        if (c.err)
            return -1;
    }
    if (c.err)
        return -1;
    q->family = 6;
    q->proto = nh;
    memcpy(q->src, src, 16);
    memcpy(q->dst, dst, 16);
    if (first)
        quoted_ports(q, &c);
    return 0;
}

/*
 * ICMP header (RFC 792) and ICMPv6 header (RFC 4443 section 2.1), 8 bytes:
 *   Type (8) | Code (8) | Checksum (16) | rest of header (32)
 * Errors are followed by the invoking packet, whose tuple goes to
 * p->icmp_quoted (same VLAN as this packet). The ICMP packet's own tuple
 * has no ports.
 */
static enum ea_decode_rc decode_icmp(struct ea_decoder *d, struct ea_packet *p, const uint8_t *b,
                                     uint32_t len, uint32_t wire_len)
{
    struct ea_cur c;
    ea_cur_init(&c, b, len);
    uint8_t type = ea_cur_u8(&c);
    uint8_t code = ea_cur_u8(&c);
    ea_cur_skip(&c, 6);
    if (c.err)
        return ea_decode_mal(d, EA_MAL_ICMP_TRUNC);
    p->icmp_type = type;
    p->icmp_code = code;
    if (icmp_is_error(p->t.family, type)) {
        struct ea_tuple q;
        memset(&q, 0, sizeof q);
        const uint8_t *qb = c.b + c.off;
        uint32_t qlen = (uint32_t)ea_cur_left(&c);
        int r = p->t.family == 4 ? quoted_ipv4(&q, qb, qlen) : quoted_ipv6(&q, qb, qlen);
        if (r < 0)
            return ea_decode_mal(d, EA_MAL_ICMP_TRUNC);
        if (q.family)
            q.vlan = p->t.vlan;
        p->icmp_error = true;
        p->icmp_quoted = q;
    }
    return ea_decode_opaque(p, len > 8 ? b + 8 : NULL, len - 8, wire_len > 8 ? wire_len - 8 : 0);
}

/*
 * Dispatches on p->t.proto once the IP layer is done: IP-in-IP (4, 41) and
 * GRE (47) decode what they carry, TCP/UDP/ICMP fill in ports and payload,
 * anything else is an opaque payload with no ports.
 */
enum ea_decode_rc ea_decode_ipproto(struct ea_decoder *d, struct ea_packet *p, const uint8_t *b,
                                    uint32_t len, uint32_t wire_len)
{
    switch (p->t.proto) {
    case IPPROTO_IPIP:
    case IPPROTO_IPV6:
        if (ea_decode_enter_layer(d) < 0)
            return EA_DECODE_MALFORMED;
        p->encap |= EA_ENC_IPIP;
        if (p->t.proto == IPPROTO_IPIP)
            return ea_decode_ipv4(d, p, b, len);
        return ea_decode_ipv6(d, p, b, len);
    case IPPROTO_GRE:
        return ea_decode_gre(d, p, b, len, wire_len);
    case IPPROTO_TCP:
        return decode_tcp(d, p, b, len, wire_len);
    case IPPROTO_UDP:
        return decode_udp(d, p, b, len, wire_len);
    case IPPROTO_ICMP:
        if (p->t.family == 4)
            return decode_icmp(d, p, b, len, wire_len);
        break;
    case IPPROTO_ICMPV6:
        if (p->t.family == 6)
            return decode_icmp(d, p, b, len, wire_len);
        break;
    default:
        break;
    }
    return ea_decode_opaque(p, b, len, wire_len);
}
