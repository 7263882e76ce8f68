/* decode.h: from a link-layer frame to a struct ea_packet (decode-*.c). */
#ifndef EA_DECODE_H
#define EA_DECODE_H

#include "packet.h"
#include "stats.h"

enum ea_decode_rc {
    EA_DECODE_OK = 0,        /* p->t and friends are filled in */
    EA_DECODE_NOT_IP,        /* ARP and the like: counted in stats->non_ip */
    EA_DECODE_MALFORMED,     /* counted in stats->malformed[kind] */
    EA_DECODE_FRAG_HELD,     /* an IP fragment kept for reassembly */
    EA_DECODE_UNSUPPORTED,   /* link type or protocol we do not decode */
};

struct ea_decoder;   /* layout below, for decode-*.c only */

/*
 * Creates a decoder with its own fragment reassembly table: at most
 * 'frag_max' datagrams pending, each dropped after 'frag_timeout_ns' of
 * packet time. Returns NULL on out-of-memory. Free with ea_decoder_free.
 */
struct ea_decoder *ea_decoder_new(unsigned frag_max, uint64_t frag_timeout_ns);

/* Frees the decoder and any fragments it holds. NULL is a no-op. */
void ea_decoder_free(struct ea_decoder *d);

/*
 * Decodes p->data (p->caplen bytes, link type p->dlt, time p->ts_ns) and fills
 * in the rest of *p. Counts what it sees in *st (borrowed for this call
 * only). Never reads past caplen.
 * When a reassembled datagram is returned, p->l3 and p->payload point into the
 * decoder's buffer, valid until the next call.
 */
enum ea_decode_rc ea_decode(struct ea_decoder *d, struct ea_packet *p, struct ea_stats *st);

/* Most encapsulations (VLAN tags, MPLS stacks, GRE, ERSPAN, IP-in-IP) crossed. */
#define EA_DECODE_MAX_DEPTH 8

/*
 * Layer entry points the decode-*.c files call on each other, and the unit
 * tests (not for other modules). The one context of a decode is the decoder
 * (as Suricata's DecodeThreadVars): while ea_decode runs, d->st is where
 * counts go and d->depth the encapsulations crossed so far. len is captured
 * bytes, wire_len what the enclosing header claims. Each counts what it flags
 * as malformed and returns the decode result.
 */
struct ea_defrag;
struct ea_decoder {
    struct ea_defrag *defrag;   /* owned; NULL: fragments are dropped */
    struct ea_stats *st;        /* borrowed for one ea_decode call */
    int depth;                  /* encapsulations crossed in this call */
};

enum ea_decode_rc ea_decode_ethernet(struct ea_decoder *d, struct ea_packet *p,
                                     const uint8_t *b, uint32_t len);
/* Picks IPv4 or IPv6 by the version nibble (raw IP links). */
enum ea_decode_rc ea_decode_ip(struct ea_decoder *d, struct ea_packet *p,
                               const uint8_t *b, uint32_t len);
enum ea_decode_rc ea_decode_ethertype(struct ea_decoder *d, struct ea_packet *p, uint16_t type,
                                      const uint8_t *b, uint32_t len);
/* Signature shared by ea_decode_ipv4 and ea_decode_ipv6. */
typedef enum ea_decode_rc (*ea_decode_ip_fn)(struct ea_decoder *d, struct ea_packet *p,
                                             const uint8_t *b, uint32_t len);

/*
 * One more encapsulation layer, as Suricata's PacketIncreaseCheckLayers:
 * returns 0 and counts the layer in d->depth, or, past EA_DECODE_MAX_DEPTH,
 * counts EA_MAL_ENCAP_DEPTH and returns -1.
 */
int ea_decode_enter_layer(struct ea_decoder *d);

struct ea_frag;

/*
 * Hands one IP fragment to the reassembly table; 'complete' is 0 when the
 * snap length cut it. A finished datagram is decoded again with 'redecode'
 * in place of this packet (p->fragment set); otherwise the fragment is held
 * or dropped, or the datagram found invalid.
 */
enum ea_decode_rc ea_decode_fragment(struct ea_decoder *d, struct ea_packet *p,
                                     const struct ea_frag *f, int complete,
                                     ea_decode_ip_fn redecode);

enum ea_decode_rc ea_decode_ipv4(struct ea_decoder *d, struct ea_packet *p,
                                 const uint8_t *b, uint32_t len);
enum ea_decode_rc ea_decode_ipv6(struct ea_decoder *d, struct ea_packet *p,
                                 const uint8_t *b, uint32_t len);
enum ea_decode_rc ea_decode_gre(struct ea_decoder *d, struct ea_packet *p, const uint8_t *b,
                                uint32_t len, uint32_t wire_len);
/* Dispatches on p->t.proto: IP-in-IP, GRE, TCP, UDP, ICMP, or opaque. */
enum ea_decode_rc ea_decode_ipproto(struct ea_decoder *d, struct ea_packet *p, const uint8_t *b,
                                    uint32_t len, uint32_t wire_len);
/* Takes b as the payload of a protocol we do not look into (ports 0). */
enum ea_decode_rc ea_decode_opaque(struct ea_packet *p, const uint8_t *b, uint32_t len,
                                   uint32_t wire_len);
/* Counts one malformed packet of the given kind in d->st; returns EA_DECODE_MALFORMED. */
enum ea_decode_rc ea_decode_mal(struct ea_decoder *d, enum ea_mal kind);
/* The decoder's fragment table (defrag.h). */
struct ea_defrag *ea_decoder_defrag(struct ea_decoder *d);

#endif
