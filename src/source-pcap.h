/* source-pcap.h: being written. */
