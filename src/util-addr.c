/* util-addr.c: printing the addresses and the protocol of a tuple. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "util-addr.h"

/*
 * inet_ntop's IPv6 text (RFC 5952 section 4: lowercase hex without leading
 * zeros, the longest run of two or more zero groups, the first of equals,
 * as "::") into buf (at least INET6_ADDRSTRLEN bytes), without its sprintf
 * per group (IPv6 flows pay it twice per flow). Returns 0, or -1 for an
 * address starting with a zero group, whose embedded-IPv4 forms are left
 * to inet_ntop.
 */
static int v6_text(const uint8_t *a, char *buf)
{
    static const char hex[] = "0123456789abcdef";
    unsigned w[8];
    int best = -1, blen = 0, cur = -1;
    for (int i = 0; i < 8; i++) {
        w[i] = (unsigned)a[2 * (size_t)i] << 8 | a[2 * (size_t)i + 1];
        if (w[i] == 0 && cur < 0)
            cur = i;
        if ((w[i] != 0 || i == 7) && cur >= 0) {
            int len = (w[i] == 0 ? i + 1 : i) - cur;
            if (len > blen) {
                best = cur;
                blen = len;
            }
            cur = -1;
        }
    }
    if (blen < 2)
        best = -1;
    if (w[0] == 0)
        return -1;
    char *p = buf;
    for (int i = 0; i < 8; i++) {
        if (best >= 0 && i >= best && i < best + blen) {
            if (i == best)
                *p++ = ':';
            continue;
        }
        if (i)
            *p++ = ':';
        int started = 0;
        for (int sh = 12; sh >= 0; sh -= 4) {
            unsigned d = w[i] >> sh & 15;
            if (d || started || sh == 0) {
                *p++ = hex[d];
                started = 1;
            }
        }
    }
    if (best >= 0 && best + blen == 8)
        *p++ = ':';
    *p = '\0';
    return 0;
}

/* Formats a tuple address as inet_ntop does; see util-addr.h. */
const char *ea_addr_str(uint8_t family, const uint8_t *addr, char *buf, unsigned size)
{
    if (!buf || size == 0)
        return "";
    buf[0] = '\0';
    if (!addr || (family != 4 && family != 6)) {
        if (size >= 2)
            memcpy(buf, "-", 2);
        return buf;
    }
    if (family == 4 && size >= 16) {   /* inet_ntop's dotted quad, without its sprintf (per flow) */
        char *p = buf;
        for (int i = 0; i < 4; i++) {
            unsigned v = addr[i];
            if (v >= 100)
                *p++ = (char)('0' + v / 100);
            if (v >= 10)
                *p++ = (char)('0' + v / 10 % 10);
            *p++ = (char)('0' + v % 10);
            *p++ = i < 3 ? '.' : '\0';
        }
        return buf;
    }
    if (family == 6 && size >= INET6_ADDRSTRLEN && v6_text(addr, buf) == 0)
        return buf;
    if (!inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, size))
        buf[0] = '\0';
    return buf;
}

const char *ea_proto_name(uint8_t proto)
{
    switch (proto) {
    case IPPROTO_TCP: return "tcp";
    case IPPROTO_UDP: return "udp";
    case IPPROTO_ICMP: return "icmp";
    case IPPROTO_ICMPV6: return "icmp6";
    default: return "ip";
    }
}
