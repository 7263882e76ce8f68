/* util-addr.h: printing the addresses and the protocol of a tuple (packet.h). */
#ifndef EA_UTIL_ADDR_H
#define EA_UTIL_ADDR_H

#include <stdint.h>

/*
 * Formats a tuple address of family 4 (4 bytes at addr) or 6 (16 bytes) as
 * "192.0.2.1" or "2001:db8::1" into buf (size bytes, caller-owned) and
 * returns buf. An unknown family or a NULL addr gives "-"; a buffer too
 * small gives ""; a NULL buf or size 0 returns "" (a static string).
 */
const char *ea_addr_str(uint8_t family, const uint8_t *addr, char *buf, unsigned size);

/*
 * Short lower-case name of an IP protocol as the reports and --flows write
 * it: "tcp", "udp", "icmp", "icmp6", and "ip" for any other.
 */
const char *ea_proto_name(uint8_t proto);

#endif
