/* source-live.h: capturing from a network interface through libpcap, and dropping root after. */
#ifndef EA_SOURCE_LIVE_H
#define EA_SOURCE_LIVE_H

#include <stddef.h>
#include <stdint.h>
#include <pcap/pcap.h>

struct ea_live_source;

/* The kernel ring per capture socket when -B is not given: 32 MiB, about half a second at
   200,000 packets/s of 300 bytes. libpcap's 2 MiB is four 512 KiB TPACKET_V3 blocks at the
   default snaplen, one of them held while it is read: a pause of 20 ms (the process not
   scheduled on a loaded machine) overflowed it at 200k packets/s, and 40 ms at 73k. */
#define EA_LIVE_BUFFER_KIB 32768u

struct ea_live_config {
    const char *iface;
    const char *bpf;            /* NULL or "" captures everything */
    int snaplen;                /* bytes kept per packet */
    uint32_t buffer_kib;        /* kernel buffer, KiB; 0 gives EA_LIVE_BUFFER_KIB */
    int promisc;
};

/*
 * Opens the interface with pcap_create, sets snaplen, buffer size (c->buffer_kib, or
 * EA_LIVE_BUFFER_KIB when 0), a
 * 100 ms timeout (not immediate mode, which drops bursts on TPACKET_V3's
 * ring) and nanosecond timestamps, activates it, compiles and sets
 * the filter, and makes it non-blocking for ea_live_source_dispatch. On error
 * returns NULL with one line "IFACE: cause" in err. Needs CAP_NET_RAW.
 */
struct ea_live_source *ea_live_source_open(const struct ea_live_config *c, char *err, size_t errlen);
void ea_live_source_close(struct ea_live_source *s);   /* NULL is a no-op */

int ea_live_source_dlt(const struct ea_live_source *s);

/* 1 when stamps come in nanoseconds, 0 when the device gave only microseconds. */
int ea_live_source_nano(const struct ea_live_source *s);

/*
 * The two halves of ea_live_source_dispatch, for a caller that must hold a
 * lock while packets are handed over but not while it waits. wait: 1 when
 * packets may be ready, 0 on timeout or a signal, -1 on a device error with
 * one line in err. read: as dispatch, without waiting.
 */
int ea_live_source_wait(struct ea_live_source *s, int timeout_ms, char *err, size_t errlen);
int ea_live_source_read(struct ea_live_source *s, pcap_handler cb, u_char *user, char *err, size_t errlen);

/*
 * Joins n sources opened on the same interface into one PACKET_FANOUT group
 * (hash, symmetric, fragments reassembled first), so that both directions
 * of a flow reach the same source, then drops what each had buffered before
 * joining (every source saw every packet until then): the capture starts
 * some 0.15 s after the call. Linux only; -1 with
 * one line in err when the kernel refuses.
 */
int ea_live_source_fanout(struct ea_live_source *const *srcs, size_t n, char *err, size_t errlen);

/*
 * Waits at most timeout_ms for packets (poll, woken early by a signal),
 * then hands every buffered packet to cb. Returns the number of packets
 * handed over, 0 on timeout or interruption, -1 on a capture error with one
 * line in err (the interface went away, ...).
 */
int ea_live_source_dispatch(struct ea_live_source *s, int timeout_ms, pcap_handler cb, u_char *user,
                            char *err, size_t errlen);

/* Async-signal-safe: makes a running dispatch return (pcap_breakloop). */
void ea_live_source_break(struct ea_live_source *s);

/* pcap_stats: packets received, dropped by the kernel, dropped by the interface. -1 if unknown. */
int ea_live_source_stats(struct ea_live_source *s, uint64_t *recv, uint64_t *drop, uint64_t *ifdrop);

/*
 * Becomes USER for good: initgroups, setgid, setuid, then checks that root
 * cannot be regained (setuid(0) must fail; real, effective and saved ids
 * are all USER's). On error returns -1 with one line in err; the caller must
 * then stop before reading any packet.
 */
int ea_drop_privileges(const char *user, char *err, size_t errlen);

/*
 * Clears every capability of the process (CAP_NET_RAW from systemd's
 * AmbientCapabilities included) once the interface is open: an unprivileged
 * run parses packets with no privilege at all. On error returns -1 with one
 * line in err.
 */
int ea_drop_capabilities(char *err, size_t errlen);

#endif
