/* source-pcap.h: reading capture files (pcap, pcapng, nanosecond) through libpcap. */
#ifndef EA_SOURCE_PCAP_H
#define EA_SOURCE_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include <pcap/pcap.h>

struct ea_source;

/*
 * Opens a capture file ("-" is standard input) with nanosecond timestamps
 * and applies the BPF filter when bpf is non-NULL. On error returns NULL and
 * writes one line "FILE: cause" into err.
 */
struct ea_source *ea_source_open_file(const char *path, const char *bpf, char *err, size_t errlen);

/*
 * Reads the next record. Returns 1 with *h and *data set (valid until the
 * next call), 0 at the end of the file, -1 on error with one line
 * "FILE: packet N: cause" in err (N is the 1-based record that failed).
 */
int ea_source_next(struct ea_source *s, struct pcap_pkthdr **h, const uint8_t **data,
                   char *err, size_t errlen);

int ea_source_dlt(const struct ea_source *s);
const char *ea_source_name(const struct ea_source *s);
uint64_t ea_source_records(const struct ea_source *s);   /* records read so far */

void ea_source_close(struct ea_source *s);   /* NULL is a no-op */

/* Timestamp of a record in ns: sources open in nanosecond precision. */
static inline uint64_t ea_source_ts_ns(const struct pcap_pkthdr *h)
{
    return (uint64_t)h->ts.tv_sec * 1000000000ULL + (uint64_t)h->ts.tv_usec;
}

#endif
