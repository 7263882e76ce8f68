/* dissect-sip.h: SIP request and status lines and key headers (RFC 3261). */
#ifndef EA_DISSECT_SIP_H
#define EA_DISSECT_SIP_H

#include "dissect.h"

struct ea_sip_info {
    uint8_t request;              /* a request line was seen */
    uint8_t response;             /* a status line was seen */
    uint16_t status;              /* first status code seen */
    char method[16];              /* first request method, e.g. "INVITE" */
    char via_transport[8];        /* "UDP", "TCP", "TLS", ... from the top Via */
    char from_domain[EA_DOMAIN_CAP + 1];
    char to_domain[EA_DOMAIN_CAP + 1];
    uint8_t str_truncated;
};

/*
 * Parses one SIP message start (a UDP datagram, or the first bytes of a TCP
 * stream direction) and its headers as far as they are present. Returns
 * DONE when a SIP request or status line was found (headers parsed as far as
 * captured), NOT_MINE when the bytes are not SIP. 'info' is caller-owned and
 * keeps the first values it was given.
 */
enum ea_dis_rc ea_sip_parse(struct ea_sip_info *info, int dir, const uint8_t *data, size_t len);

/* A zeroed info, owned by the caller; NULL on out-of-memory. Free with ea_sip_info_free. */
struct ea_sip_info *ea_sip_info_new(void);
void ea_sip_info_free(struct ea_sip_info *s);   /* NULL is a no-op */

/* 1 when a SIP request or status line was seen; 0 for NULL. */
int ea_sip_matched(const struct ea_sip_info *s);

#endif
