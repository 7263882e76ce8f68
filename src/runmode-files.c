/* runmode-files.c: the one loop over input files (and standard input), in one thread or N. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runmode-files.h"
#include "source-pcap.h"
#include "workers.h"
#include "util-time.h"

/* One run over input files: where decoded packets go, and the progress line's clock. */
struct run {
    struct ea_pipeline *pl;
    struct ea_workers *ws;      /* --threads: the worker threads, or NULL */
    const struct ea_input *in;
    double start, last;
};

/* At most once a second, checked every 65536 packets: how far the read has come. */
static void progress(struct run *r, const char *file)
{
    uint64_t packets = ea_pipeline_stats(r->pl)->packets;
    if (!r->in->progress || (packets & 0xffff) != 0)
        return;
    double now = ea_mono_now();
    if (now - r->last < 1.0)
        return;
    if (r->ws)
        fprintf(stderr, "\r%s: %llu packets, %u threads, %.0f packets/s   ", file,
                (unsigned long long)packets, r->in->threads, (double)packets / (now - r->start));
    else
        fprintf(stderr, "\r%s: %llu packets, %u flows active, %.0f packets/s   ", file,
                (unsigned long long)packets, ea_flow_table_count(ea_pipeline_table(r->pl)),
                (double)packets / (now - r->start));
    r->last = now;
}

/* Idle flows leave, before the packet of 'frame' finds its flow: in pl's table or the workers'. */
static void expire(struct run *r, uint64_t frame)
{
    uint64_t now = ea_pipeline_now(r->pl);
    if (r->ws)
        ea_workers_expire(r->ws, now, frame);
    else
        ea_flow_table_expire(ea_pipeline_table(r->pl), now);
}

/*
 * One thread reads ahead: records held at once, the one whose flow is looked
 * up and those decoded after it. Three ahead let a record's bucket slot be
 * prefetched three records before its lookup, its flow two before (the slot
 * is in cache by then) and the flow's LRU neighbours one before (the flow
 * is), so none of those cache misses stalls the lookup.
 */
#define AHEAD 4
/* The first room for a record's copy: most frames fit, bigger ones grow it. */
#define AHEAD_ROOM 2048u

/* One record read ahead: its own copy (libpcap's lasts one read), decoded. */
struct ahead {
    struct pcap_pkthdr h;
    uint8_t *buf;
    size_t room;
    struct ea_packet p;
    uint32_t hash;              /* ea_packet_flow_hash(&p) when ok */
    int ok;                     /* p goes on to the flow stage */
};

/* The records of one file read and decoded ahead, oldest at head. */
struct reader {
    struct ea_source *s;
    int dlt;
    struct ahead q[AHEAD];
    unsigned head, n;
    int rc;                     /* ea_source_next's last answer: 1 while records remain */
};

/* Copies the record into a, growing its buffer. -1 on out-of-memory. */
static int keep_record(struct ahead *a, const struct pcap_pkthdr *h, const uint8_t *d)
{
    if (h->caplen > a->room) {
        size_t room = h->caplen > AHEAD_ROOM ? h->caplen : AHEAD_ROOM;
        uint8_t *b = realloc(a->buf, room);
        if (!b)
            return -1;
        a->buf = b;
        a->room = room;
    }
    a->h = *h;
    if (h->caplen)
        memcpy(a->buf, d, h->caplen);
    return 0;
}

/*
 * Reads and decodes records until AHEAD are held, the input ends or fails
 * (rd->rc 0 or -1, err holding the line), or the newest is a reassembled
 * datagram: that one borrows the decoder until the next decode.
 */
static void read_ahead(struct run *r, struct reader *rd, char *err, size_t errlen)
{
    struct ea_flow_table *ft = ea_pipeline_table(r->pl);
    while (rd->rc == 1 && rd->n < AHEAD) {
        if (rd->n) {
            const struct ahead *last = &rd->q[(rd->head + rd->n - 1) % AHEAD];
            if (last->ok && last->p.fragment)
                return;
        }
        struct pcap_pkthdr *h;
        const uint8_t *d;
        rd->rc = ea_source_next(rd->s, &h, &d, err, errlen);
        if (rd->rc != 1)
            return;
        struct ahead *a = &rd->q[(rd->head + rd->n) % AHEAD];
        if (keep_record(a, h, d) != 0) {
            snprintf(err, errlen, "%s: out of memory", ea_source_name(rd->s));
            rd->rc = -1;
            return;
        }
        a->ok = ea_pipeline_decode_only(r->pl, &a->h, a->buf, rd->dlt,
                                        ea_source_records(rd->s), &a->p);
        if (a->ok) {
            a->hash = ea_packet_flow_hash(&a->p);
            ea_flow_table_prefetch_bucket(ft, a->hash);
        }
        rd->n++;
    }
}

/* The oldest record held: its counters, the expiry it makes due, its flow. */
static void process_one(struct run *r, struct reader *rd, const char *file)
{
    struct ea_pipeline *pl = r->pl;
    const struct ahead *a = &rd->q[rd->head];
    ea_pipeline_count_record(pl, &a->h);
    if (ea_pipeline_expiry_due(pl))
        expire(r, a->p.frame);
    const struct ahead *next = &rd->q[(rd->head + 1) % AHEAD];
    if (rd->n > 1 && next->ok)
        ea_flow_table_prefetch_links(ea_pipeline_table(pl), next->hash);
    next = &rd->q[(rd->head + 2) % AHEAD];
    if (rd->n > 2 && next->ok)
        ea_flow_table_prefetch_flow(ea_pipeline_table(pl), next->hash);
    if (a->ok)
        ea_pipeline_flow_packet_hashed(pl, &a->p, a->hash);
    progress(r, file);
    rd->head = (rd->head + 1) % AHEAD;
    rd->n--;
}

/* One thread: every record of s through pl, decoded ahead. 1 at the end, -1 on error. */
static int read_one_thread(struct run *r, struct ea_source *s, const char *file,
                           char *err, size_t errlen)
{
    struct reader rd;
    memset(&rd, 0, sizeof(rd));
    rd.s = s;
    rd.dlt = ea_source_dlt(s);
    rd.rc = 1;
    for (;;) {
        read_ahead(r, &rd, err, errlen);
        if (!rd.n)
            break;
        process_one(r, &rd, file);
    }
    for (unsigned i = 0; i < AHEAD; i++)
        free(rd.q[i].buf);
    return rd.rc;
}

/* --threads: every record of s decoded here and handed to the workers. As ea_source_next. */
static int read_to_workers(struct run *r, struct ea_source *s, const char *file,
                           char *err, size_t errlen)
{
    struct ea_pipeline *pl = r->pl;
    int dlt = ea_source_dlt(s);
    struct pcap_pkthdr *h;
    const uint8_t *d;
    int rc;
    while ((rc = ea_source_next(s, &h, &d, err, errlen)) == 1) {
        struct ea_packet p;
        int ok = ea_pipeline_decode(pl, h, d, dlt, ea_source_records(s), &p);
        if (ea_pipeline_expiry_due(pl))
            expire(r, p.frame);
        if (ok && ea_workers_packet(r->ws, &p) != 0)
            ea_pipeline_mark_oom(pl);
        progress(r, file);
    }
    return rc;
}

/* Reads one file to its end or its first error (-1, err holding the line). */
static int read_file(struct run *r, const char *file, char *err, size_t errlen)
{
    struct ea_pipeline *pl = r->pl;
    struct ea_source *s = ea_source_open_file(file, r->in->bpf, err, errlen);
    if (!s)
        return -1;
    if (ea_pipeline_add_source(pl, file, ea_source_dlt(s)) != 0) {
        snprintf(err, errlen, "%s: out of memory", file);
        ea_source_close(s);
        return -1;
    }
    int rc = r->ws ? read_to_workers(r, s, file, err, errlen)
                   : read_one_thread(r, s, file, err, errlen);
    ea_pipeline_end_source(pl, ea_source_records(s), rc == 0);
    ea_source_close(s);
    if (r->in->progress && r->last != r->start)
        fputc('\n', stderr);
    return rc < 0 ? -1 : 0;
}

int ea_run_files(struct ea_pipeline *pl, const struct ea_input *in, char *err, size_t errlen)
{
    struct run r = { pl, NULL, in, ea_mono_now(), 0 };
    int rc = 0;
    r.last = r.start;
    if (in->threads > 1) {
        r.ws = ea_workers_start(pl, in->threads, err, errlen);
        if (!r.ws)
            return -1;
    }
    for (size_t i = 0; i < in->nfiles && rc == 0; i++)
        rc = read_file(&r, in->files[i], err, errlen);
    /* The workers flush their tables, and their flows come over to pl. */
    if (r.ws && ea_workers_finish(r.ws, pl, rc == 0 ? err : NULL, errlen) != 0)
        rc = -1;
    return rc;
}
