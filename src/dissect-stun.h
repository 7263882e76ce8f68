/* dissect-stun.h: STUN/TURN (RFC 5389, RFC 8489, RFC 8656) and Microsoft MS-TURN. */
#ifndef EA_DISSECT_STUN_H
#define EA_DISSECT_STUN_H

#include "dissect.h"

/* Message classes, as bits of ea_stun_info.classes. */
#define EA_STUN_REQUEST    0x1
#define EA_STUN_INDICATION 0x2
#define EA_STUN_SUCCESS    0x4
#define EA_STUN_ERROR      0x8

struct ea_stun_info {
    uint8_t msturn;             /* MS-TURN: no magic cookie, MAGIC-COOKIE attr 0x000F first */
    uint8_t ms_attrs;           /* Microsoft attributes seen (MS-Version 0x8008, ...) */
    uint32_t ms_version;        /* MS-Version value when present */
    uint8_t classes;            /* EA_STUN_* seen */
    uint16_t first_method;      /* method of the first message (0x001 Binding, 0x003 Allocate, ...) */
    uint16_t methods;           /* bit per method number < 16 seen */
    uint32_t messages[2];       /* STUN messages per direction */
    uint32_t requests[2];       /* requests per direction */
    uint32_t responses[2];      /* success or error responses per direction */
    uint8_t channel_data;       /* TURN ChannelData (RFC 8656 12.4) seen */
    uint32_t channel_msgs[2];   /* ChannelData messages per direction */
    uint8_t tcp_framed;         /* [MS-TURN] 2.1.4 TCP framing header seen around a TURN message */
    uint32_t framed_data[2];    /* [MS-TURN] 2.1.4 end-to-end data frames (type 0x03) per direction */
    uint8_t malformed;
};

/*
 * Parses one STUN message (a UDP datagram, or one framed message on TCP).
 * Returns DONE when data holds a well-formed STUN or MS-TURN message (and
 * counts it in info), NOT_MINE otherwise. Never reads past len. On TCP the
 * message may come inside the [MS-TURN] 2.1.4 framing header (type 0x02, a
 * TURN control message): it is parsed inside, and tcp_framed and msturn are
 * set. An end-to-end data frame (type 0x03) is accepted (counted in
 * framed_data) only once a framed TURN message was counted. Bytes after the
 * first message or frame are left alone.
 */
enum ea_dis_rc ea_stun_parse(struct ea_stun_info *info, int dir, const uint8_t *data, size_t len);

/*
 * RFC 8656 12.4: when data is one ChannelData message (channel number
 * 0x4000-0x4FFF, the RFC 7983 range 64-79 of the first byte; the length
 * fits, at most 3 bytes of padding after it), points *app at its
 * Application Data and *app_len at its length, and returns 1; else 0 and
 * leaves them alone. Never reads past len; *app points into data.
 */
int ea_stun_channel_data(const uint8_t *data, size_t len, const uint8_t **app, size_t *app_len);

/*
 * [MS-TURN] 2.1.4: when data starts with one whole TCP framing header and
 * frame (type 0x02 control or 0x03 end-to-end data, reserved byte zero, the
 * frame's length bytes present), points *body at the frame's bytes and
 * *body_len at its length, and returns the type; else 0 and leaves them
 * alone. Never reads past len; *body points into data.
 */
int ea_stun_ms_tcp_frame(const uint8_t *data, size_t len, const uint8_t **body, size_t *body_len);

/* 1 when the message is a response (success or error) class. */
int ea_stun_is_response(const uint8_t *data, size_t len);

/* Printable method name: "binding", "allocate", "refresh", "send", "data",
   "create-permission", "channel-bind", or "unknown". */
const char *ea_stun_method_name(uint16_t method);

/* A zeroed info, owned by the caller; NULL on out-of-memory. Free with ea_stun_info_free. */
struct ea_stun_info *ea_stun_info_new(void);
void ea_stun_info_free(struct ea_stun_info *s);   /* NULL is a no-op */

/* 1 when at least one STUN or MS-TURN message was counted; 0 for NULL. */
int ea_stun_matched(const struct ea_stun_info *s);

#endif
