/* decode.c: the decoder object, link-type dispatch, and the shared helpers of decode-*.c. */
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "defrag.h"
#include "util-bytes.h"

/* LINKTYPE_RAW as written in capture files; libpcap usually maps it to DLT_RAW. */
#define EA_LINKTYPE_RAW 101

/*
 * Creates a decoder and its reassembly table (defrag.h). Returns NULL on
 * out-of-memory. Free with ea_decoder_free.
 */
struct ea_decoder *ea_decoder_new(unsigned frag_max, uint64_t frag_timeout_ns)
{
    struct ea_decoder *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->defrag = ea_defrag_new(frag_max, frag_timeout_ns);
    if (!d->defrag) {
        free(d);
        return NULL;
    }
    return d;
}

/* Frees the decoder, pending fragments and reassembled datagrams. NULL is a no-op. */
void ea_decoder_free(struct ea_decoder *d)
{
    if (!d)
        return;
    ea_defrag_free(d->defrag);
    free(d);
}

/* The decoder's reassembly table, still owned by the decoder; NULL for a NULL decoder. */
struct ea_defrag *ea_decoder_defrag(struct ea_decoder *d)
{
    return d ? d->defrag : NULL;
}

/* Counts one malformed packet of a kind (out-of-range kinds are not counted). */
enum ea_decode_rc ea_decode_mal(struct ea_decoder *d, enum ea_mal kind)
{
    if ((unsigned)kind < EA_MAL__COUNT)
        d->st->malformed[kind]++;
    return EA_DECODE_MALFORMED;
}

/* One more encapsulation layer; see decode.h. */
int ea_decode_enter_layer(struct ea_decoder *d)
{
    if (d->depth >= EA_DECODE_MAX_DEPTH) {
        ea_decode_mal(d, EA_MAL_ENCAP_DEPTH);
        return -1;
    }
    d->depth++;
    return 0;
}

/* Returns the short stable name of a malformed kind; "unknown" when out of range. */
const char *ea_mal_name(enum ea_mal k)
{
    static const char *const names[EA_MAL__COUNT] = {
        [EA_MAL_LINK_TRUNC] = "link-truncated",
        [EA_MAL_VLAN_TRUNC] = "vlan-truncated",
        [EA_MAL_MPLS_TRUNC] = "mpls-truncated",
        [EA_MAL_GRE_TRUNC] = "gre-truncated",
        [EA_MAL_GRE_INVALID] = "gre-invalid",
        [EA_MAL_ERSPAN_TRUNC] = "erspan-truncated",
        [EA_MAL_IP_VERSION] = "ip-invalid-version",
        [EA_MAL_IP4_TRUNC] = "ipv4-truncated",
        [EA_MAL_IP4_INVALID] = "ipv4-invalid",
        [EA_MAL_IP6_TRUNC] = "ipv6-truncated",
        [EA_MAL_IP6_EXT_TRUNC] = "ipv6-ext-truncated",
        [EA_MAL_FRAG_INVALID] = "frag-invalid",
        [EA_MAL_TCP_TRUNC] = "tcp-truncated",
        [EA_MAL_TCP_INVALID] = "tcp-invalid-offset",
        [EA_MAL_UDP_TRUNC] = "udp-truncated",
        [EA_MAL_UDP_INVALID] = "udp-invalid-length",
        [EA_MAL_ICMP_TRUNC] = "icmp-truncated",
        [EA_MAL_ENCAP_DEPTH] = "encap-too-deep",
    };
    if ((unsigned)k >= EA_MAL__COUNT || !names[k])
        return "unknown";
    return names[k];
}

/* Picks IPv4 or IPv6 by the version nibble (raw IP links, tests). */
enum ea_decode_rc ea_decode_ip(struct ea_decoder *d, struct ea_packet *p,
                               const uint8_t *b, uint32_t len)
{
    if (!b || len == 0)
        return ea_decode_mal(d, EA_MAL_IP4_TRUNC);
    switch (b[0] >> 4) {
    case 4:
        return ea_decode_ipv4(d, p, b, len);
    case 6:
        return ea_decode_ipv6(d, p, b, len);
    default:
        return ea_decode_mal(d, EA_MAL_IP_VERSION);
    }
}

/*
 * Linux cooked capture v1 (LINKTYPE_LINUX_SLL):
 *   packet type (2) | ARPHRD type (2) | address length (2) | address (8) | protocol (2)
 * The protocol is an Ethertype, or below 0x0600 a non-IP marker (802.2, CAN...).
 */
static enum ea_decode_rc decode_sll(struct ea_decoder *d, struct ea_packet *p,
                                    const uint8_t *b, uint32_t len)
{
    struct ea_cur c;
    ea_cur_init(&c, b, len);
    ea_cur_skip(&c, 14);
    uint16_t proto = ea_cur_be16(&c);
    if (c.err)
        return ea_decode_mal(d, EA_MAL_LINK_TRUNC);
    return ea_decode_ethertype(d, p, proto, c.b + c.off, (uint32_t)ea_cur_left(&c));
}

/*
 * Linux cooked capture v2 (LINKTYPE_LINUX_SLL2):
 *   protocol (2) | reserved (2) | interface index (4) | ARPHRD type (2) |
 *   packet type (1) | address length (1) | address (8)
 */
static enum ea_decode_rc decode_sll2(struct ea_decoder *d, struct ea_packet *p,
                                     const uint8_t *b, uint32_t len)
{
    struct ea_cur c;
    ea_cur_init(&c, b, len);
    uint16_t proto = ea_cur_be16(&c);
    ea_cur_skip(&c, 18);
    if (c.err)
        return ea_decode_mal(d, EA_MAL_LINK_TRUNC);
    return ea_decode_ethertype(d, p, proto, c.b + c.off, (uint32_t)ea_cur_left(&c));
}

/*
 * BSD loopback (DLT_NULL: 4-byte address family in the capturing host's byte
 * order) and OpenBSD loopback (DLT_LOOP: network byte order). AF_INET is 2
 * everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD, OpenBSD), 28 (FreeBSD) or
 * 30 (macOS).
 */
static enum ea_decode_rc decode_loopback(struct ea_decoder *d, struct ea_packet *p,
                                         const uint8_t *b, uint32_t len, int net_order)
{
    struct ea_cur c;
    ea_cur_init(&c, b, len);
    uint32_t af = net_order ? ea_cur_be32(&c) : ea_cur_le32(&c);
    if (c.err)
        return ea_decode_mal(d, EA_MAL_LINK_TRUNC);
    /* A family never exceeds 16 bits: a larger value was written big-endian. */
    if (!net_order && af > 0xFFFF)
        af = (af >> 24) | ((af >> 8) & 0xFF00) | ((af << 8) & 0xFF0000) | (af << 24);
    const uint8_t *rest = c.b + c.off;
    uint32_t n = (uint32_t)ea_cur_left(&c);
    switch (af) {
    case 2:
        return ea_decode_ipv4(d, p, rest, n);
    case 10: case 24: case 28: case 30:
        return ea_decode_ipv6(d, p, rest, n);
    default:
        d->st->non_ip++;
        return EA_DECODE_NOT_IP;
    }
}

/* Counts the result by the innermost IP header and L4 protocol reached. */
static void count_packet(const struct ea_packet *p, enum ea_decode_rc rc, struct ea_stats *st)
{
    if (p->t.family == 4)
        st->ip4++;
    else if (p->t.family == 6)
        st->ip6++;
    if (rc != EA_DECODE_OK)
        return;
    if (p->t.proto == IPPROTO_TCP)
        st->tcp++;
    else if (p->t.proto == IPPROTO_UDP)
        st->udp++;
    else if ((p->t.family == 4 && p->t.proto == IPPROTO_ICMP) || (p->t.family == 6 && p->t.proto == IPPROTO_ICMPV6))
        st->icmp++;
    else
        st->other_l4++;
}

/*
 * Decodes one frame; see decode.h. Everything after the input fields of *p
 * (frame, ts_ns, caplen, wirelen, dlt, data) is reset first. Frees the
 * datagrams reassembled by the previous call and expires old fragments.
 * EA_DECODE_FRAG_HELD means the fragment went to the reassembly table,
 * whether it is held there or had to be dropped (frag_max 0, or cut by the
 * snap length: counted in frag_dropped). ip4/ip6 count the innermost IP
 * header reached, tcp/udp/icmp/other_l4 only packets that decoded OK.
 * A NULL d decodes without reassembly (fragments are dropped); a NULL st
 * counts nothing; a NULL p returns EA_DECODE_UNSUPPORTED.
 */
static enum ea_decode_rc decode_frame(struct ea_decoder *d, struct ea_packet *p);

enum ea_decode_rc ea_decode(struct ea_decoder *d, struct ea_packet *p, struct ea_stats *st)
{
    struct ea_stats scratch;
    struct ea_decoder none = { .defrag = NULL };
    enum ea_decode_rc rc;

    if (!p)
        return EA_DECODE_UNSUPPORTED;
    if (!st) {
        memset(&scratch, 0, sizeof scratch);
        st = &scratch;
    }
    if (!d)
        d = &none;
    d->st = st;
    d->depth = 0;
    rc = decode_frame(d, p);
    d->st = NULL;
    return rc;
}

/* ea_decode with the context set: resets *p, then decodes by link type and counts. */
static enum ea_decode_rc decode_frame(struct ea_decoder *d, struct ea_packet *p)
{
    struct ea_stats *st = d->st;
    enum ea_decode_rc rc;

    struct ea_packet in = *p;
    memset(p, 0, sizeof *p);
    p->frame = in.frame;
    p->ts_ns = in.ts_ns;
    p->caplen = in.caplen;
    p->wirelen = in.wirelen;
    p->dlt = in.dlt;
    p->data = in.data;

    struct ea_defrag *df = d->defrag;
    ea_defrag_release(df);
    ea_defrag_expire(df, p->ts_ns, st);

    const uint8_t *b = p->data;
    uint32_t len = b ? p->caplen : 0;
    switch (p->dlt) {
    case DLT_EN10MB:
        rc = ea_decode_ethernet(d, p, b, len);
        break;
    case DLT_LINUX_SLL:
        rc = decode_sll(d, p, b, len);
        break;
    case DLT_LINUX_SLL2:
        rc = decode_sll2(d, p, b, len);
        break;
    case DLT_RAW:
#if DLT_RAW != EA_LINKTYPE_RAW
    case EA_LINKTYPE_RAW:
#endif
        rc = ea_decode_ip(d, p, b, len);
        break;
    case DLT_IPV4:
        rc = ea_decode_ipv4(d, p, b, len);
        break;
    case DLT_IPV6:
        rc = ea_decode_ipv6(d, p, b, len);
        break;
    case DLT_NULL:
        rc = decode_loopback(d, p, b, len, 0);
        break;
    case DLT_LOOP:
        rc = decode_loopback(d, p, b, len, 1);
        break;
    default:
        st->unsupported_dlt++;
        return EA_DECODE_UNSUPPORTED;
    }
    count_packet(p, rc, st);
    return rc;
}

enum ea_decode_rc ea_decode_fragment(struct ea_decoder *d, struct ea_packet *p,
                                     const struct ea_frag *f, int complete,
                                     ea_decode_ip_fn redecode)
{
    struct ea_stats *st = d->st;
    struct ea_defrag *df = d->defrag;
    const uint8_t *out = NULL;
    uint32_t out_len = 0;

    if (!df || !complete) {
        /* No table, or cut by the snap length: nothing to rebuild from. */
        st->frag_packets++;
        st->frag_dropped++;
        return EA_DECODE_FRAG_HELD;
    }
    switch (ea_defrag_add(df, f, p->ts_ns, st, &out, &out_len)) {
    case EA_DEFRAG_DONE:
        p->fragment = true;
        return redecode(d, p, out, out_len);
    case EA_DEFRAG_INVALID:
        return ea_decode_mal(d, EA_MAL_FRAG_INVALID);
    default:
        return EA_DECODE_FRAG_HELD;
    }
}
