/* dissect-rtp.h: RTP and RTCP version-2 heuristics (RFC 3550), RFC 4571 framing on TCP. */
#ifndef EA_DISSECT_RTP_H
#define EA_DISSECT_RTP_H

#include "dissect.h"

/* RTP packets in a row, same SSRC and sequence advancing, before we say "rtp". */
#define EA_RTP_MIN_PACKETS 3

struct ea_rtp_info {
    uint8_t is_rtp;             /* decided: RTP */
    uint8_t is_rtcp;            /* decided: RTCP */
    uint8_t rfc4571;            /* carried in RFC 4571 framing on TCP */
    uint8_t stun_in_4571;       /* STUN connectivity checks inside the framing */
    uint8_t turn_channel;       /* carried in TURN ChannelData (RFC 8656 12.4), set by the caller */
    uint8_t payload_type;       /* last RTP payload type */
    uint32_t ssrc[2];           /* per direction */
    uint16_t seq[2];            /* last sequence number per direction */
    uint16_t run[2];            /* consecutive packets that fit, per direction */
    uint32_t rtcp_packets;
    uint32_t bad;               /* packets that broke the pattern */
};

/*
 * Feeds one RTP or RTCP packet (a UDP payload or one RFC 4571 frame).
 * Returns DONE once the flow is decided as RTP or RTCP, NOT_MINE when it
 * cannot be RTP (wrong version, too many misfits), else NEED_MORE.
 */
enum ea_dis_rc ea_rtp_parse(struct ea_rtp_info *info, int dir, const uint8_t *data, size_t len);

struct ea_rtp_tcp_state;

struct ea_rtp_tcp_state *ea_rtp_tcp_state_new(void);     /* NULL on out-of-memory */
void ea_rtp_tcp_state_free(struct ea_rtp_tcp_state *st);  /* NULL is a no-op */

/* Bytes of a state, which holds nothing else: a zeroed block of this size is a new state. */
size_t ea_rtp_tcp_state_size(void);

/*
 * Feeds in-order TCP stream bytes: RFC 4571 framing (16-bit length, then an
 * RTP, RTCP or STUN packet). Same return values as ea_rtp_parse.
 */
enum ea_dis_rc ea_rtp_tcp_feed(struct ea_rtp_tcp_state *st, struct ea_rtp_info *info,
                               int dir, const uint8_t *data, size_t len);

/*
 * STUN facts (RFC 6544 connectivity checks, MS-TURN) collected from inside the
 * framing, so a caller can label a framed STUN flow that never turns into
 * media. Borrowed: owned by st, valid until ea_rtp_tcp_state_free. NULL st
 * gives NULL.
 */
struct ea_stun_info;
const struct ea_stun_info *ea_rtp_tcp_stun(const struct ea_rtp_tcp_state *st);

/* A zeroed info, owned by the caller; NULL on out-of-memory. Free with ea_rtp_info_free. */
struct ea_rtp_info *ea_rtp_info_new(void);
void ea_rtp_info_free(struct ea_rtp_info *r);   /* NULL is a no-op */

/* 1 when the flow was decided as RTP or RTCP; 0 for NULL. */
int ea_rtp_matched(const struct ea_rtp_info *r);

#endif
