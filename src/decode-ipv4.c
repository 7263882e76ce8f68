/* decode-ipv4.c: the IPv4 header, fragments handed to defrag.c, then the L4 dispatch. */
#include <string.h>

#include "decode.h"
#include "defrag.h"
#include "util-bytes.h"

/*
 * IPv4 header (RFC 791 section 3.1):
 *   Version (4) | IHL (4) | Type of Service (8) | Total Length (16)
 *   Identification (16) | Flags (3) | Fragment Offset (13)
 *   Time to Live (8) | Protocol (8) | Header Checksum (16)
 *   Source Address (32)
 *   Destination Address (32)
 *   Options (IHL * 4 - 20 bytes)
 * Fewer captured bytes than the total length is a snap length, not an
 * error: payload_wire_len still follows the header. Bytes past the total
 * length (Ethernet padding) are ignored. A total length of 0 with data
 * behind it is a segmentation-offload capture and stands for what was
 * captured.
 */
enum ea_decode_rc ea_decode_ipv4(struct ea_decoder *d, struct ea_packet *p,
                                 const uint8_t *b, uint32_t len)
{
    struct ea_cur c;
    ea_cur_init(&c, b, len);
    uint8_t vihl = ea_cur_u8(&c);
    ea_cur_skip(&c, 1);
    uint32_t tot = ea_cur_be16(&c);
    uint16_t id = ea_cur_be16(&c);
    uint16_t ff = ea_cur_be16(&c);
    ea_cur_skip(&c, 1);
    uint8_t proto = ea_cur_u8(&c);
    ea_cur_skip(&c, 2);
    const uint8_t *src = ea_cur_ptr(&c, 4);
    const uint8_t *dst = ea_cur_ptr(&c, 4);

    if (len >= 1 && (vihl >> 4) != 4)
        return ea_decode_mal(d, EA_MAL_IP_VERSION);
    if (c.err)
        return ea_decode_mal(d, EA_MAL_IP4_TRUNC);
    uint32_t ihl = (vihl & 0x0Fu) * 4u;
    if (ihl < 20)
        return ea_decode_mal(d, EA_MAL_IP4_INVALID);
    if (len < ihl)
        return ea_decode_mal(d, EA_MAL_IP4_TRUNC);
    if (tot == 0 && len > ihl)
        tot = len > 65535 ? 65535 : len;
    if (tot < ihl)
        return ea_decode_mal(d, EA_MAL_IP4_INVALID);
    uint32_t cap = len < tot ? len : tot;

    p->t.family = 4;
    p->t.proto = proto;
    memset(p->t.src, 0, sizeof p->t.src);
    memset(p->t.dst, 0, sizeof p->t.dst);
    memcpy(p->t.src, src, 4);
    memcpy(p->t.dst, dst, 4);
    p->l3 = b;
    p->l3_len = cap;

    uint32_t offset = (uint32_t)(ff & 0x1FFF) * 8u;
    if ((ff & 0x2000) || offset) {
        struct ea_frag f;
        memset(&f, 0, sizeof f);
        f.key.family = 4;
        f.key.proto = proto;
        f.key.vlan = p->t.vlan;
        f.key.id = id;
        memcpy(f.key.src, src, 4);
        memcpy(f.key.dst, dst, 4);
        f.offset = offset;
        f.more = (ff & 0x2000) != 0;
        f.hdr = b;
        f.hdr_len = ihl;
        f.data = b + ihl;
        f.len = cap - ihl;
        return ea_decode_fragment(d, p, &f, len >= tot, ea_decode_ipv4);
    }
    return ea_decode_ipproto(d, p, b + ihl, cap - ihl, tot - ihl);
}
