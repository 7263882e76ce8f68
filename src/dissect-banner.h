/* dissect-banner.h: SSH identification strings (RFC 4253) and HTTP/1.x start lines. */
#ifndef EA_DISSECT_BANNER_H
#define EA_DISSECT_BANNER_H

#include "dissect.h"

enum ea_banner_kind { EA_BANNER_NONE = 0, EA_BANNER_SSH, EA_BANNER_HTTP };

#define EA_BANNER_CAP 95

struct ea_banner_info {
    uint8_t kind;                 /* enum ea_banner_kind */
    uint8_t str_truncated;
    char text[EA_BANNER_CAP + 1]; /* "SSH-2.0-OpenSSH_9.2" or "GET /path HTTP/1.1", sanitised */
};

/*
 * Looks at the first bytes of one stream direction. Returns DONE with kind
 * set when they are an SSH identification line or an HTTP/1.x request or
 * status line, NOT_MINE otherwise.
 */
enum ea_dis_rc ea_banner_parse(struct ea_banner_info *info, int dir, const uint8_t *data, size_t len);

#endif
