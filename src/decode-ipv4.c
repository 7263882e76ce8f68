/* decode-ipv4.c: being written. */
typedef int ea_placeholder_decode_ipv4;
