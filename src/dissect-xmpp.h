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
};

struct ea_xmpp_state;

struct ea_xmpp_state *ea_xmpp_state_new(void);      /* NULL on out-of-memory */
void ea_xmpp_state_free(struct ea_xmpp_state *st);   /* NULL is a no-op */

/*
 * Feeds in-order stream bytes of direction 'dir' (bounded buffer per
 * direction). Returns NOT_MINE when the stream does not open as XMPP
 * ("<?xml" or "<stream:stream"), UPGRADE once <proceed/> is seen (the caller
 * then hands later bytes of both directions to the TLS dissector), DONE when
 * the stream headers and features are known and no STARTTLS will follow,
 * else NEED_MORE.
 */
enum ea_dis_rc ea_xmpp_feed(struct ea_xmpp_state *st, struct ea_xmpp_info *info,
                            int dir, const uint8_t *data, size_t len);

#endif
