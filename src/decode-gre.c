/* decode-gre.c: GRE (RFC 2784/2890) and the ERSPAN type I/II/III mirror headers it carries. */
#include "decode.h"
#include "util-bytes.h"

#define GRE_C        0x8000     /* checksum present */
#define GRE_R        0x4000     /* RFC 1701 routing present: not supported */
#define GRE_K        0x2000     /* key present (RFC 2890) */
#define GRE_S        0x1000     /* sequence number present (RFC 2890) */
#define GRE_RSVD     0x0FF8     /* RFC 1701 strict route, recursion and flags: must be 0 */
#define GRE_VER      0x0007

#define GRE_TEB      0x6558     /* transparent Ethernet bridging */
#define GRE_ERSPAN   0x88BE     /* ERSPAN type I (no sequence) and II */
#define GRE_ERSPAN3  0x22EB

/*
 * ERSPAN type II header (draft-foschiano-erspan section 4.1), 8 bytes:
 *   Ver=1 (4) | VLAN (12) | COS (3) | En (2) | T (1) | Session ID (10) |
 *   Reserved (12) | Index (20)
 * ERSPAN type III header (section 4.2), 12 bytes, then an 8-byte platform
 * specific sub-header when O (the last bit) is set:
 *   Ver=2 (4) | VLAN (12) | COS (3) | BSO (2) | T (1) | Session ID (10) |
 *   Timestamp (32) | SGT (16) | P (1) | FT (5) | Hw ID (6) | D (1) | Gra (2) | O (1)
 * Type I has no header at all. Returns the offset of the mirrored frame or
 * -1 when the header is cut short.
 */
static int erspan_skip(struct ea_cur *c, uint16_t ptype, uint16_t flags)
{
    if (ptype == GRE_ERSPAN) {
        if (flags & GRE_S)
            ea_cur_skip(c, 8);
    } else {
        ea_cur_skip(c, 11);
        uint8_t last = ea_cur_u8(c);
        if (last & 0x01)
            ea_cur_skip(c, 8);
    }
    return c->err ? -1 : 0;
}

/*
 * GRE header (RFC 2784 section 2.1 with the RFC 2890 key and sequence):
 *   C (1) | R (1) | K (1) | S (1) | Reserved0 (9) | Ver (3) | Protocol Type (16)
 *   [Checksum (16) | Reserved1 (16)] [Key (32)] [Sequence Number (32)]
 * Version 1 (PPTP, RFC 2637) and payloads we do not carry on are kept as an
 * opaque GRE flow between the outer addresses. Other versions and RFC 1701
 * routing or recursion bits are EA_MAL_GRE_INVALID.
 */
enum ea_decode_rc ea_decode_gre(struct ea_decoder *d, struct ea_packet *p, const uint8_t *b,
                                uint32_t len, uint32_t wire_len)
{
    struct ea_cur c;
    ea_cur_init(&c, b, len);
    uint16_t flags = ea_cur_be16(&c);
    uint16_t ptype = ea_cur_be16(&c);
    if (c.err)
        return ea_decode_mal(d, EA_MAL_GRE_TRUNC);
    if ((flags & GRE_VER) == 1)
        return ea_decode_opaque(p, b, len, wire_len);
    if ((flags & GRE_VER) != 0 || (flags & (GRE_R | GRE_RSVD)))
        return ea_decode_mal(d, EA_MAL_GRE_INVALID);
    ea_cur_skip(&c, ((flags & GRE_C) ? 4u : 0u) + ((flags & GRE_K) ? 4u : 0u) +
                    ((flags & GRE_S) ? 4u : 0u));
    if (c.err)
        return ea_decode_mal(d, EA_MAL_GRE_TRUNC);

    switch (ptype) {
    case 0x0800: case 0x86DD: case 0x8847: case 0x8848:
    case GRE_TEB: case GRE_ERSPAN: case GRE_ERSPAN3:
        break;
    default:
        return ea_decode_opaque(p, b, len, wire_len);
    }
    if (ea_decode_enter_layer(d) < 0)
        return EA_DECODE_MALFORMED;
    p->encap |= EA_ENC_GRE;

    if (ptype == GRE_ERSPAN || ptype == GRE_ERSPAN3) {
        p->encap |= EA_ENC_ERSPAN;
        if (erspan_skip(&c, ptype, flags) < 0)
            return ea_decode_mal(d, EA_MAL_ERSPAN_TRUNC);
    }
    const uint8_t *rest = c.b + c.off;
    uint32_t n = (uint32_t)ea_cur_left(&c);
    if (ptype == GRE_TEB || ptype == GRE_ERSPAN || ptype == GRE_ERSPAN3) {
        p->t.vlan = 0;      /* the carried frame's own tags decide */
        return ea_decode_ethernet(d, p, rest, n);
    }
    return ea_decode_ethertype(d, p, ptype, rest, n);
}
