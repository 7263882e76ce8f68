/* dissect-xmpp.h: XMPP stream headers and STARTTLS (RFC 6120). */
#ifndef EA_DISSECT_XMPP_H
#define EA_DISSECT_XMPP_H

#include "dissect.h"

struct ea_xmpp_info {
    uint8_t stream[2];           /* <stream:stream> header seen, per direction */
    uint8_t ns_server;           /* default namespace jabber:server */
    uint8_t ns_client;           /* default namespace jabber:client */
    uint8_t dialback;            /* xmlns:db="jabber:server:dialback" */
    uint8_t starttls_offered;    /* <starttls/> in the responder's features */
    uint8_t starttls_requested;  /* <starttls/> from the initiator */
    uint8_t proceed;             /* <proceed/>: TLS follows */
    uint8_t str_truncated;
    char to[EA_DOMAIN_CAP + 1];  /* 'to' of the initiator's stream header */
    char from[EA_DOMAIN_CAP + 1];
    uint8_t buf_overflow;        /* one markup item outgrew the per-direction buffer: parsing stopped */
    uint8_t midstream;           /* joined mid-stream: a stanza or stream-level element, no header */
};

/* Client-to-server or server-to-server, and what told it (issue 15). */
enum ea_xmpp_side { EA_XMPP_SIDE_UNKNOWN = 0, EA_XMPP_SIDE_C2S, EA_XMPP_SIDE_S2S };
enum ea_xmpp_evidence {
    EA_XMPP_EV_NONE = 0,
    EA_XMPP_EV_NAMESPACE,        /* jabber:client or jabber:server, on the stream header or a stanza */
    EA_XMPP_EV_DIALBACK,         /* dialback (XEP-0220): xmlns:db or <db:result>, <db:verify> */
    EA_XMPP_EV_PORT,             /* the responder's port: 5222, 5223 client, 5269 server */
};

struct ea_xmpp_state;

struct ea_xmpp_state *ea_xmpp_state_new(void);      /* NULL on out-of-memory */
void ea_xmpp_state_free(struct ea_xmpp_state *st);   /* NULL is a no-op */

/* Bytes of a state: a zeroed block of this size is a new state (a pool may make it). */
size_t ea_xmpp_state_size(void);

/* Frees what st holds (items cut by a segment end), not st: zeroed, it serves again. NULL is a no-op. */
void ea_xmpp_state_clear(struct ea_xmpp_state *st);

/*
 * Feeds in-order stream bytes of direction 'dir' (bounded buffer per
 * direction). Returns NOT_MINE when the stream does not open as XMPP
 * ("<?xml" or "<stream:stream") or, joined mid-stream, with a stanza (<iq>,
 * <message>, <presence>), <stream:features>, a dialback or SASL element or
 * </stream:stream> (info->midstream); UPGRADE once <proceed/> is seen (the caller
 * then hands later bytes of both directions to the TLS dissector), DONE when
 * the stream headers and features are known and no STARTTLS will follow,
 * else NEED_MORE.
 */
enum ea_dis_rc ea_xmpp_feed(struct ea_xmpp_state *st, struct ea_xmpp_info *info,
                            int dir, const uint8_t *data, size_t len);

/* 1 when info holds an XMPP stream: a stream header, or a mid-stream element (the
   dissector's matched test). NULL gives 0. */
int ea_xmpp_seen(const struct ea_xmpp_info *info);

/*
 * Which kind of stream, from the namespace first, then dialback, then the
 * responder's port 'dport'; *ev (may be NULL) says which. UNKNOWN with
 * EV_NONE when none of them tells. Pure; NULL info gives UNKNOWN.
 */
enum ea_xmpp_side ea_xmpp_side(const struct ea_xmpp_info *info, uint16_t dport,
                               enum ea_xmpp_evidence *ev);

/* "namespace", "dialback", "port", or "" for EV_NONE. */
const char *ea_xmpp_evidence_name(enum ea_xmpp_evidence ev);

/* A zeroed info, owned by the caller; NULL on out-of-memory. Free with ea_xmpp_info_free. */
struct ea_xmpp_info *ea_xmpp_info_new(void);
void ea_xmpp_info_free(struct ea_xmpp_info *x);   /* NULL is a no-op */

#endif
