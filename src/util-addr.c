/* util-addr.c: printing the addresses and the protocol of a tuple. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "util-addr.h"

/* Formats a tuple address with inet_ntop; see util-addr.h. */
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
