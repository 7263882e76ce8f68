/* decode-ethernet.c: being written. */
typedef int ea_placeholder_decode_ethernet;
