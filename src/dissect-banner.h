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

/* A zeroed info, owned by the caller; NULL on out-of-memory. Free with ea_banner_info_free. */
struct ea_banner_info *ea_banner_info_new(void);
void ea_banner_info_free(struct ea_banner_info *b);   /* NULL is a no-op */

/* 1 when an SSH identification or HTTP start line was found; 0 for NULL. */
int ea_banner_matched(const struct ea_banner_info *b);

#endif
