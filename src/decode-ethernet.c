/* decode-ethernet.c: Ethernet II, Ethertype dispatch, 802.1Q/QinQ tags and MPLS label stacks. */
#include "decode.h"
#include "util-bytes.h"

#define ETH_IPV4    0x0800
#define ETH_IPV6    0x86DD
#define ETH_8021Q   0x8100
#define ETH_8021AD  0x88A8      /* IEEE 802.1ad service tag */
#define ETH_QINQ1   0x9100      /* pre-802.1ad vendor QinQ tags */
#define ETH_QINQ2   0x9200
#define ETH_MPLS_UC 0x8847
#define ETH_MPLS_MC 0x8848

static int is_vlan_type(uint16_t type)
{
    return type == ETH_8021Q || type == ETH_8021AD || type == ETH_QINQ1 || type == ETH_QINQ2;
}

/*
 * IEEE 802.3 Ethernet II header:
 *   destination MAC (6) | source MAC (6) | Ethertype or length (2)
 * A link-layer header cut short is EA_MAL_LINK_TRUNC.
 */
enum ea_decode_rc ea_decode_ethernet(struct ea_decoder *d, struct ea_packet *p,
                                     const uint8_t *b, uint32_t len)
{
    struct ea_cur c;
    ea_cur_init(&c, b, len);
    ea_cur_skip(&c, 12);
    uint16_t type = ea_cur_be16(&c);
    if (c.err)
        return ea_decode_mal(d, EA_MAL_LINK_TRUNC);
    return ea_decode_ethertype(d, p, type, c.b + c.off, (uint32_t)ea_cur_left(&c));
}

/*
 * IEEE 802.1Q tag (also 802.1ad S-tag):
 *   PCP (3 bits) | DEI (1) | VLAN id (12) | next Ethertype (16)
 * Every tag overwrites t.vlan so the innermost wins; the first one seen is
 * the outermost and goes to vlan_outer.
 */
static enum ea_decode_rc decode_vlan(struct ea_decoder *d, struct ea_packet *p, uint16_t type,
                                     const uint8_t *b, uint32_t len)
{
    if (ea_decode_enter_layer(d) < 0)
        return EA_DECODE_MALFORMED;
    struct ea_cur c;
    ea_cur_init(&c, b, len);
    uint16_t tci = ea_cur_be16(&c);
    uint16_t next = ea_cur_be16(&c);
    if (c.err)
        return ea_decode_mal(d, EA_MAL_VLAN_TRUNC);
    uint16_t vid = tci & 0x0FFF;
    if (!(p->encap & EA_ENC_VLAN))
        p->vlan_outer = vid;
    p->encap |= EA_ENC_VLAN;
    if (type != ETH_8021Q || is_vlan_type(next))
        p->encap |= EA_ENC_QINQ;
    p->t.vlan = vid;
    return ea_decode_ethertype(d, p, next, c.b + c.off, (uint32_t)ea_cur_left(&c));
}

/*
 * MPLS label stack entries (RFC 3032 section 2.1), until bottom of stack:
 *   label (20 bits) | traffic class (3) | S bottom-of-stack (1) | TTL (8)
 * The payload has no type field: its first nibble tells IPv4 (4), IPv6 (6),
 * or the RFC 4385 pseudowire control word (0) before an Ethernet frame
 * (RFC 4448). Anything else (G-ACh, unknown) is not IP.
 */
static enum ea_decode_rc decode_mpls(struct ea_decoder *d, struct ea_packet *p,
                                     const uint8_t *b, uint32_t len)
{
    if (ea_decode_enter_layer(d) < 0)
        return EA_DECODE_MALFORMED;
    p->encap |= EA_ENC_MPLS;
    struct ea_cur c;
    ea_cur_init(&c, b, len);
    for (;;) {
        uint32_t lse = ea_cur_be32(&c);
        if (c.err)
            return ea_decode_mal(d, EA_MAL_MPLS_TRUNC);
        if (lse & 0x100)
            break;
    }
    if (!ea_cur_has(&c, 1))
        return ea_decode_mal(d, EA_MAL_MPLS_TRUNC);
    const uint8_t *rest = c.b + c.off;
    uint32_t n = (uint32_t)ea_cur_left(&c);
    switch (rest[0] >> 4) {
    case 4:
        return ea_decode_ipv4(d, p, rest, n);
    case 6:
        return ea_decode_ipv6(d, p, rest, n);
    case 0:
        /* Control word: 0000 | flags (4) | frag (2) | length (6) | sequence (16). */
        ea_cur_skip(&c, 4);
        if (c.err)
            return ea_decode_mal(d, EA_MAL_MPLS_TRUNC);
        p->t.vlan = 0;      /* the carried frame's own tags decide */
        return ea_decode_ethernet(d, p, c.b + c.off, (uint32_t)ea_cur_left(&c));
    default:
        d->st->non_ip++;
        return EA_DECODE_NOT_IP;
    }
}

/*
 * Decodes what follows an Ethertype (Ethernet, Linux SLL, VLAN tags, GRE).
 * Values below 0x0600 are 802.3 lengths (LLC frames): not IP, like ARP,
 * LLDP and every other type we do not carry IP in.
 */
enum ea_decode_rc ea_decode_ethertype(struct ea_decoder *d, struct ea_packet *p, uint16_t type,
                                      const uint8_t *b, uint32_t len)
{
    switch (type) {
    case ETH_IPV4:
        return ea_decode_ipv4(d, p, b, len);
    case ETH_IPV6:
        return ea_decode_ipv6(d, p, b, len);
    case ETH_8021Q:
    case ETH_8021AD:
    case ETH_QINQ1:
    case ETH_QINQ2:
        return decode_vlan(d, p, type, b, len);
    case ETH_MPLS_UC:
    case ETH_MPLS_MC:
        return decode_mpls(d, p, b, len);
    default:
        d->st->non_ip++;
        return EA_DECODE_NOT_IP;
    }
}
