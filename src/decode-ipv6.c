/* decode-ipv6.c: the IPv6 header and extension-header chain, fragments to defrag.c, then L4. */
#include <string.h>

#include "decode.h"
#include "defrag.h"
#include "util-bytes.h"

#define NH_HOPOPT   IPPROTO_HOPOPTS
#define NH_ROUTING  IPPROTO_ROUTING
#define NH_FRAGMENT IPPROTO_FRAGMENT
#define NH_AH       IPPROTO_AH
#define NH_NONE     IPPROTO_NONE
#define NH_DSTOPTS  IPPROTO_DSTOPTS
#define NH_MOBILITY IPPROTO_MH

/*
 * Skips the extension headers that only lead on (RFC 8200 section 4):
 * hop-by-hop, routing, destination options, mobility (RFC 6275) and AH
 * (RFC 4302 section 2.2), updating *nh and *nh_off (where *nh was read).
 * Stops at any other Next Header. Returns -1 when one is cut short, or an AH
 * Payload Len of 0 leaves no room for its 12-byte fixed part.
 */
static int skip_ext_headers(struct ea_cur *c, uint8_t *nh, uint32_t *nh_off)
{
    for (;;) {
        uint32_t start = (uint32_t)c->off;
        uint8_t next;
        if (*nh == NH_HOPOPT || *nh == NH_ROUTING || *nh == NH_DSTOPTS || *nh == NH_MOBILITY) {
            next = ea_cur_u8(c);
            uint32_t hlen = ((uint32_t)ea_cur_u8(c) + 1u) * 8u;
            ea_cur_skip(c, hlen - 2);
            if (c->err)
                return -1;
        } else if (*nh == NH_AH) {
            next = ea_cur_u8(c);
            uint32_t alen = ea_cur_u8(c);
            ea_cur_skip(c, (alen + 2u) * 4u - 2u);
            if (c->err || alen < 1)
                return -1;
        } else {
            return 0;
        }
        *nh = next;
        *nh_off = start;
    }
}

/*
 * IPv6 header (RFC 8200 section 3):
 *   Version (4) | Traffic Class (8) | Flow Label (20)
 *   Payload Length (16) | Next Header (8) | Hop Limit (8)
 *   Source Address (128)
 *   Destination Address (128)
 * then extension headers (section 4):
 *   hop-by-hop 0, routing 43, destination options 60, mobility 135 (RFC 6275):
 *     Next Header (8) | Hdr Ext Len (8, 8-octet units after the first 8) | ...
 *   fragment 44 (section 4.5), 8 bytes:
 *     Next Header (8) | Reserved (8) | Offset (13) | Res (2) | M (1) | Identification (32)
 *   AH 51 (RFC 4302 section 2.2):
 *     Next Header (8) | Payload Len (8, 4-octet units minus 2) | Reserved (16) |
 *     SPI (32) | Sequence (32) | ICV ...
 *   no next header 59: nothing follows.
 * A payload length of 0 with data behind it (jumbogram or offload capture)
 * stands for what was captured.
 */
enum ea_decode_rc ea_decode_ipv6(struct ea_decoder *d, struct ea_packet *p,
                                 const uint8_t *b, uint32_t len)
{
    struct ea_cur c;
    ea_cur_init(&c, b, len);
    ea_cur_skip(&c, 4);
    uint32_t plen = ea_cur_be16(&c);
    uint8_t nh = ea_cur_u8(&c);
    ea_cur_skip(&c, 1);
    const uint8_t *src = ea_cur_ptr(&c, 16);
    const uint8_t *dst = ea_cur_ptr(&c, 16);

    if (len >= 1 && (b[0] >> 4) != 6)
        return ea_decode_mal(d, EA_MAL_IP_VERSION);
    if (c.err)
        return ea_decode_mal(d, EA_MAL_IP6_TRUNC);
    if (plen == 0 && nh != NH_NONE && len > 40)
        plen = len - 40;
    uint32_t tot = 40 + plen;
    uint32_t cap = len < tot ? len : tot;

    p->t.family = 6;
    memcpy(p->t.src, src, 16);
    memcpy(p->t.dst, dst, 16);
    p->l3 = b;
    p->l3_len = cap;

    /* Walk the extension headers within the captured datagram. */
    ea_cur_init(&c, b, cap);
    ea_cur_skip(&c, 40);
    uint32_t nh_off = 6;            /* where the current Next Header value was read */
    for (;;) {
        if (skip_ext_headers(&c, &nh, &nh_off) < 0)
            return ea_decode_mal(d, EA_MAL_IP6_EXT_TRUNC);
        if (nh == NH_NONE) {
            p->t.proto = NH_NONE;
            return ea_decode_opaque(p, NULL, 0, 0);
        }
        if (nh != NH_FRAGMENT)
            break;
        uint32_t start = (uint32_t)c.off;
        uint8_t next = ea_cur_u8(&c);
        ea_cur_skip(&c, 1);
        uint16_t fo = ea_cur_be16(&c);
        uint32_t id = ea_cur_be32(&c);
        if (c.err)
            return ea_decode_mal(d, EA_MAL_IP6_EXT_TRUNC);
        uint32_t offset = fo & 0xFFF8u;
        int more = fo & 1;
        if (offset == 0 && !more) {
            /* Atomic fragment (RFC 6946): processed as a whole packet. */
            nh = next;
            nh_off = start;
            continue;
        }
        struct ea_frag f;
        memset(&f, 0, sizeof f);
        f.key.family = 6;
        f.key.vlan = p->t.vlan;
        f.key.id = id;
        memcpy(f.key.src, src, 16);
        memcpy(f.key.dst, dst, 16);
        f.offset = offset;
        f.more = more != 0;
        f.hdr = b;
        f.hdr_len = start;
        f.nh_off = nh_off;
        f.nh = next;
        f.data = b + c.off;
        f.len = cap - (uint32_t)c.off;
        p->t.proto = next;
        return ea_decode_fragment(d, p, &f, len >= tot, ea_decode_ipv6);
    }
    p->t.proto = nh;
    return ea_decode_ipproto(d, p, b + c.off, cap - (uint32_t)c.off, tot - (uint32_t)c.off);
}
