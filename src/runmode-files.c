/* runmode-files.c: the one loop over input files (and standard input), in one thread or N. */
#include <stdio.h>
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

/* Reads one file to its end or its first error (-1, err holding the line). */
static int read_file(struct run *r, const char *file, char *err, size_t errlen)
{
    struct ea_pipeline *pl = r->pl;
    struct ea_source *s = ea_source_open_file(file, r->in->bpf, err, errlen);
    if (!s)
        return -1;
    int dlt = ea_source_dlt(s);
    if (ea_pipeline_add_source(pl, file, dlt) != 0) {
        snprintf(err, errlen, "%s: out of memory", file);
        ea_source_close(s);
        return -1;
    }
    struct pcap_pkthdr *h;
    const uint8_t *d;
    int rc;
    while ((rc = ea_source_next(s, &h, &d, err, errlen)) == 1) {
        struct ea_packet p;
        int ok = ea_pipeline_decode(pl, h, d, dlt, ea_source_records(s), &p);
        if (ea_pipeline_expiry_due(pl))
            expire(r, p.frame);
        if (ok && r->ws && ea_workers_packet(r->ws, &p) != 0)
            ea_pipeline_mark_oom(pl);
        else if (ok && !r->ws)
            ea_pipeline_flow_packet(pl, &p);
        progress(r, file);
    }
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
