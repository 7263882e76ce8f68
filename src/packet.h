/* packet.h: one decoded packet, as the decoders hand it to the flow table. */
#ifndef EA_PACKET_H
#define EA_PACKET_H

#include <netinet/in.h>   /* IP protocol numbers: IPPROTO_TCP, IPPROTO_UDP, ... */
#include <stdbool.h>
#include <stdint.h>

/* Addresses and ports of one direction; IPv4 uses the first 4 bytes of src/dst. */
struct ea_tuple {
    uint8_t family;         /* 4 or 6; 0 when not IP */
    uint8_t proto;          /* IP protocol (IPPROTO_*) of the innermost L4 header */
    uint16_t vlan;          /* innermost 802.1Q VLAN id, 0 when untagged */
    uint8_t src[16];
    uint8_t dst[16];
    uint16_t sport;         /* host order; 0 for protocols without ports */
    uint16_t dport;
};

/* TCP flag bits (RFC 9293 section 3.1). */
#define EA_TH_FIN 0x01
#define EA_TH_SYN 0x02
#define EA_TH_RST 0x04
#define EA_TH_PSH 0x08
#define EA_TH_ACK 0x10

/* Encapsulations crossed on the way in (bit set). */
#define EA_ENC_VLAN   0x01
#define EA_ENC_QINQ   0x02
#define EA_ENC_MPLS   0x04
#define EA_ENC_GRE    0x08
#define EA_ENC_ERSPAN 0x10
#define EA_ENC_IPIP   0x20

/*
 * A packet while it is processed. Every pointer borrows either the capture
 * buffer (valid until the next packet is read) or the decoder's reassembly
 * buffer (valid until the next ea_decode call).
 */
struct ea_packet {
    uint64_t frame;             /* 1-based position in the whole input */
    uint64_t ts_ns;             /* capture time, ns since the epoch (UTC) */
    uint32_t caplen;
    uint32_t wirelen;
    int dlt;                    /* libpcap link type */
    const uint8_t *data;        /* the frame, caplen bytes */

    struct ea_tuple t;          /* as sent: src is this packet's sender */
    uint16_t vlan_outer;        /* outermost VLAN id (QinQ service tag) */
    uint8_t encap;              /* EA_ENC_* bits */

    const uint8_t *l3;          /* innermost IP header (what nDPI wants) */
    uint32_t l3_len;            /* captured bytes from l3 on */
    const uint8_t *payload;     /* L4 payload, captured bytes only */
    uint32_t payload_len;
    uint32_t payload_wire_len;  /* payload length the IP header claims */

    uint8_t tcp_flags;
    uint32_t tcp_seq;
    uint32_t tcp_ack;

    uint8_t icmp_type;
    uint8_t icmp_code;
    bool icmp_error;            /* destination unreachable, time exceeded, ... */
    struct ea_tuple icmp_quoted;/* the tuple quoted in an ICMP error, as originally sent */

    bool fragment;              /* was an IP fragment (this is the reassembled datagram) */
};

#endif
