/* source-pcap.c: being written. */
typedef int ea_placeholder_source_pcap;
