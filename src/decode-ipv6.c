/* decode-ipv6.c: being written. */
typedef int ea_placeholder_decode_ipv6;
