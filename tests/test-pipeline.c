/* test-pipeline.c: unit tests of the pipeline object: a reset pipeline reads as a new one, the one file loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tests.h"
#include "pipeline.h"
#include "report-xml.h"
#include "report-stream.h"
#include "runmode-files.h"
#include "source-pcap.h"

static struct ea_ruleset *rules(void)
{
    char err[512], dir[1024], path[1100];
    const char *top = getenv("EA_SRCDIR");
    snprintf(dir, sizeof(dir), "%s/rules", top ? top : "..");
    snprintf(path, sizeof(path), "%s/lync2013-edge.xml", dir);
    struct ea_ruleset *rs = ea_ruleset_new();
    if (rs && (ea_ruleset_load_rules(rs, path, dir, err, sizeof(err)) != 0 ||
               ea_ruleset_add_role_arg(rs, "edge-access=192.0.2.10,2001:db8:e::10", err, sizeof(err)) != 0 ||
               ea_ruleset_add_role_arg(rs, "federated-partner=203.0.113.20", err, sizeof(err)) != 0)) {
        ea_ruleset_free(rs);
        return NULL;
    }
    return rs;
}

static struct ea_pipeline *mkpipeline(const struct ea_ruleset *rs)
{
    struct ea_flow_limits lim;
    ea_flow_limits_default(&lim);
    lim.max_flows = 64;   /* small, so that eviction runs too */
    return ea_pipeline_new(&lim, rs);
}

/*
 * Reads one capture of the source tree with 'threads'; returns its deterministic XML report
 * (malloc'ed), every flow listed (--list-flows all) and 2 examples per group.
 */
/*
 * The record-by-record loop the read-ahead loop of runmode-files.c must
 * match: each record decoded, expired at and looked up before the next is
 * read (ea_pipeline_packet). As ea_run_files for one thread.
 */
static int run_plain(struct ea_pipeline *pl, const struct ea_input *in, char *err, size_t errlen)
{
    for (size_t i = 0; i < in->nfiles; i++) {
        struct ea_source *src = ea_source_open_file(in->files[i], in->bpf, err, errlen);
        if (!src)
            return -1;
        if (ea_pipeline_add_source(pl, in->files[i], ea_source_dlt(src)) != 0) {
            ea_source_close(src);
            return -1;
        }
        struct pcap_pkthdr *h;
        const uint8_t *d;
        int rc;
        while ((rc = ea_source_next(src, &h, &d, err, errlen)) == 1)
            ea_pipeline_packet(pl, h, d, ea_source_dlt(src), ea_source_records(src));
        ea_pipeline_end_source(pl, ea_source_records(src), rc == 0);
        ea_source_close(src);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* run() over files (paths) read by 'reader' (ea_run_files or run_plain); err gets its error. */
static char *run_files(struct ea_pipeline *pl, const char *const *files, size_t nfiles,
                       unsigned threads, int (*reader)(struct ea_pipeline *, const struct ea_input *,
                                                       char *, size_t), char *err)
{
    struct ea_input in = { files, nfiles, NULL, threads, 0 };
    struct ea_stream_opts so = { NULL, 2, 1, 0, 0 };
    struct ea_stream *s = ea_stream_new(&so, ea_pipeline_rules(pl));
    char *xml = NULL;
    err[0] = '\0';
    if (!s)
        return NULL;
    ea_stream_attach(s, pl);
    if (reader(pl, &in, err, 1024) != 0)
        ea_pipeline_set_error(pl, err);
    ea_pipeline_finish(pl);
    ea_pipeline_on_finished(pl, NULL, NULL);
    struct ea_view v;
    struct ea_report_meta meta = { 1, NULL };
    size_t len = 0;
    ea_pipeline_view(pl, &v);
    if (ea_stream_view(s, &v, 0, 0) == 0)
        xml = ea_report_xml_build(&v, &meta, &len);
    ea_stream_free(s);
    return xml;
}

static char *run(struct ea_pipeline *pl, const char *capture, unsigned threads)
{
    char err[1024], path[1100];
    const char *top = getenv("EA_SRCDIR");
    snprintf(path, sizeof(path), "%s/captures/%s", top ? top : "..", capture);
    const char *files[1] = { path };
    return run_files(pl, files, 1, threads, ea_run_files, err);
}

/* Same input, same report: a fresh pipeline, and one that read other captures and was reset. */
static void test_reset_same_as_new(void)
{
    static const char *const first[] = { "real/stun_msteams_unidir.pcapng", "own/turn.pcap",
                                         "own/matrix.pcap", "real/sip.pcap" };
    struct ea_ruleset *rs = rules();
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    struct ea_pipeline *fresh = mkpipeline(rs), *reused = mkpipeline(rs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fresh);
    CU_ASSERT_PTR_NOT_NULL_FATAL(reused);
    for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++) {
        char *other = run(reused, first[i], 1);
        CU_ASSERT_PTR_NOT_NULL(other);
        free(other);
        CU_ASSERT_EQUAL_FATAL(ea_pipeline_reset(reused), 0);
    }
    char *want = run(fresh, "own/matrix.pcap", 1);
    char *got = run(reused, "own/matrix.pcap", 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
    /* And again after a reset that followed the same capture. */
    CU_ASSERT_EQUAL_FATAL(ea_pipeline_reset(reused), 0);
    got = run(reused, "own/matrix.pcap", 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
    free(want);
    ea_pipeline_free(fresh);
    ea_pipeline_free(reused);
    ea_ruleset_free(rs);
}

/* After a reset nothing of the last run is left: no flow, no counter, no source, no error. */
static void test_reset_clears(void)
{
    struct ea_ruleset *rs = rules();
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    struct ea_pipeline *pl = mkpipeline(rs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pl);
    free(run(pl, "real/sip.pcap", 1));
    ea_pipeline_set_error(pl, "some error");
    ea_pipeline_set_loss(pl, 10, 5, 0);
    struct ea_view v;
    ea_pipeline_view(pl, &v);
    CU_ASSERT(v.flows > 0);
    CU_ASSERT(v.st.packets > 0);
    CU_ASSERT(ea_pipeline_now(pl) > 0);
    CU_ASSERT_EQUAL_FATAL(ea_pipeline_reset(pl), 0);
    ea_pipeline_view(pl, &v);
    CU_ASSERT_EQUAL(v.flows, 0);
    CU_ASSERT_EQUAL(ea_pipeline_nflows(pl), 0);
    CU_ASSERT_EQUAL(v.st.packets, 0);
    CU_ASSERT_EQUAL(v.st.flows_created, 0);
    CU_ASSERT_EQUAL(v.cap.nsources, 0);
    CU_ASSERT_PTR_NULL(v.cap.error);
    CU_ASSERT_EQUAL(v.cap.partial, 0);
    CU_ASSERT_EQUAL(v.cap.have_loss, 0);
    CU_ASSERT_EQUAL(ea_pipeline_now(pl), 0);
    CU_ASSERT_EQUAL(ea_flow_table_count(ea_pipeline_table(pl)), 0);
    for (size_t i = 0; i < sizeof(v.pol->verdicts) / sizeof(v.pol->verdicts[0]); i++)
        CU_ASSERT_EQUAL(v.pol->verdicts[i], 0);
    ea_pipeline_free(pl);
    ea_ruleset_free(rs);
}

/* The one file loop gives one report whether its flows run in this thread or in two workers. */
static void test_threads_same_report(void)
{
    struct ea_ruleset *rs = rules();
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    struct ea_pipeline *one = mkpipeline(rs), *two = mkpipeline(rs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(one);
    CU_ASSERT_PTR_NOT_NULL_FATAL(two);
    char *want = run(one, "own/matrix.pcap", 1);
    char *got = run(two, "own/matrix.pcap", 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_STRING_EQUAL(got, want);
    free(want);
    free(got);
    ea_pipeline_free(one);
    ea_pipeline_free(two);
    ea_ruleset_free(rs);
}

/* --- a capture written here: IPv4 fragments, time jumps, an ICMP error, a bad last record --- */

static void put16(uint8_t *b, uint16_t v) { b[0] = (uint8_t)(v >> 8); b[1] = (uint8_t)v; }

/* One pcap record (little-endian header) of an Ethernet frame around an IPv4 packet. */
static void put_record(FILE *fp, uint32_t sec, const uint8_t *ip, size_t iplen, uint32_t caplen_delta)
{
    uint8_t frame[1600];
    memset(frame, 0, sizeof(frame));
    frame[0] = 2;
    frame[6] = 4;
    put16(frame + 12, 0x0800);
    memcpy(frame + 14, ip, iplen);
    uint32_t len = (uint32_t)(14 + iplen), hdr[4] = { sec, 0, len + caplen_delta, len };
    fwrite(hdr, sizeof(hdr), 1, fp);
    fwrite(frame, 1, len + caplen_delta, fp);
}

/* An IPv4 header for 'paylen' bytes of proto from .src to 192.0.2.10 (or back), with checksum. */
static void ip_header(uint8_t *ip, uint8_t proto, uint8_t src, int back, size_t paylen,
                      uint16_t ident, uint16_t frag)
{
    const uint8_t a[4] = { 198, 51, 100, src }, e[4] = { 192, 0, 2, 10 };
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(20 + paylen));
    put16(ip + 4, ident);
    put16(ip + 6, frag);
    ip[8] = 64;
    ip[9] = proto;
    memcpy(ip + 12, back ? e : a, 4);
    memcpy(ip + 16, back ? a : e, 4);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)ip[i] << 8 | ip[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    put16(ip + 10, (uint16_t)~sum);
}

/* A UDP datagram of n payload bytes from 198.51.100.src:sport to the edge's 3478, at sec. */
static void put_udp(FILE *fp, uint32_t sec, uint8_t src, uint16_t sport, size_t n)
{
    uint8_t ip[1500];
    ip_header(ip, 17, src, 0, 8 + n, 1, 0);
    put16(ip + 20, sport);
    put16(ip + 22, 3478);
    put16(ip + 24, (uint16_t)(8 + n));
    put16(ip + 26, 0);
    memset(ip + 28, 0x41 + src, n);
    put_record(fp, sec, ip, 28 + n, 0);
}

/* A 2000-byte UDP datagram from .src:sport in two fragments (first, then last: order 0) or last first. */
static void put_fragmented(FILE *fp, uint32_t sec, uint8_t src, uint16_t sport, int last_first)
{
    uint8_t ip[1500], dgram[2008];
    put16(dgram, sport);
    put16(dgram + 2, 3478);
    put16(dgram + 4, sizeof(dgram));
    put16(dgram + 6, 0);
    memset(dgram + 8, 0x61 + src, sizeof(dgram) - 8);
    for (int k = 0; k < 2; k++) {
        int part = last_first ? 1 - k : k;
        size_t off = part ? 1480 : 0, n = part ? sizeof(dgram) - 1480 : 1480;
        ip_header(ip, 17, src, 0, n, (uint16_t)(100 + src), (uint16_t)(off / 8 | (part ? 0 : 0x2000)));
        memcpy(ip + 20, dgram + off, n);
        put_record(fp, sec, ip, 20 + n, 0);
    }
}

/* Port unreachable from the edge, quoting .src:sport -> 3478 UDP. */
static void put_icmp_unreachable(FILE *fp, uint32_t sec, uint8_t src, uint16_t sport)
{
    uint8_t ip[100];
    ip_header(ip, 1, src, 1, 8 + 28, 7, 0);
    memset(ip + 20, 0, 8);
    ip[20] = 3;
    ip[21] = 3;
    ip_header(ip + 28, 17, src, 0, 8, 1, 0);
    put16(ip + 48, sport);
    put16(ip + 50, 3478);
    put16(ip + 52, 8);
    put16(ip + 54, 0);
    put_record(fp, sec, ip, 56, 0);
}

/*
 * Writes the capture into path: flows whose packets alternate, fragmented
 * datagrams (back to back too, so that reading ahead stops at each
 * reassembled one), packets 200 s later that find their flows expired (a
 * new flow each), and an ICMP error. With bad_last, a last record whose
 * caplen is over its length (an error line). 0 on success.
 */
static int write_capture(const char *path, int bad_last)
{
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return -1;
    const uint32_t fh[6] = { 0xA1B2C3D4, 0x00040002, 0, 0, 65535, 1 };
    fwrite(fh, sizeof(fh), 1, fp);
    uint32_t t = 1363341600;
    for (int i = 0; i < 6; i++) {
        put_udp(fp, t, (uint8_t)(1 + i % 3), (uint16_t)(40000 + i % 3), 20);
        if (i == 2)
            put_fragmented(fp, t, 7, 41000, 0);
    }
    put_fragmented(fp, t + 1, 8, 42000, 0);
    put_fragmented(fp, t + 1, 9, 43000, 1);
    put_fragmented(fp, t + 1, 8, 42000, 0);
    put_icmp_unreachable(fp, t + 1, 2, 40001);
    for (int i = 0; i < 4; i++)   /* 200 s later: every UDP flow idle over 180 s has left */
        put_udp(fp, t + 200 + (uint32_t)i, (uint8_t)(1 + i % 3), (uint16_t)(40000 + i % 3), 30);
    put_fragmented(fp, t + 400, 7, 41000, 0);
    put_udp(fp, t + 400, 1, 40000, 10);
    if (bad_last) {
        uint8_t ip[60];
        ip_header(ip, 17, 5, 0, 8, 1, 0);
        memset(ip + 20, 0, 8);
        put_record(fp, t + 401, ip, 28, 5);
    }
    return fclose(fp) == 0 ? 0 : -1;
}

/* The read-ahead loop of ea_run_files gives the report and error line of a record-by-record loop. */
static void test_read_ahead_same_as_plain(void)
{
    static const char *const caps[] = { "own/matrix.pcap", "real/sip.pcap", "own/hostile.pcap",
                                        "own/turn.pcap", "own/scan.pcap" };
    char tmpl[2][64], errs[2][1024];
    struct ea_ruleset *rs = rules();
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    for (int k = 0; k < 2; k++) {
        snprintf(tmpl[k], sizeof(tmpl[k]), "/tmp/ea-test-ahead-XXXXXX");
        int fd = mkstemp(tmpl[k]);
        CU_ASSERT_FATAL(fd >= 0);
        close(fd);
        CU_ASSERT_EQUAL_FATAL(write_capture(tmpl[k], k), 0);
    }
    const char *top = getenv("EA_SRCDIR");
    char paths[5][1100];
    for (int i = 0; i < 5; i++)
        snprintf(paths[i], sizeof(paths[i]), "%s/captures/%s", top ? top : "..", caps[i]);
    /* each case: its files (the generated ones, a capture, and all the captures in one run) */
    const char *cases[8][6] = {
        { tmpl[0] }, { tmpl[1] }, { paths[0] }, { paths[1] }, { paths[2] }, { paths[3] }, { paths[4] },
        { paths[1], tmpl[0], paths[0], paths[3] },
    };
    const size_t ncase[8] = { 1, 1, 1, 1, 1, 1, 1, 4 };
    for (int c = 0; c < 8; c++) {
        struct ea_pipeline *a = mkpipeline(rs), *b = mkpipeline(rs);
        CU_ASSERT_PTR_NOT_NULL_FATAL(a);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        char *want = run_files(a, cases[c], ncase[c], 1, run_plain, errs[0]);
        char *got = run_files(b, cases[c], ncase[c], 1, ea_run_files, errs[1]);
        CU_ASSERT_PTR_NOT_NULL(want);
        CU_ASSERT_PTR_NOT_NULL(got);
        if (want && got)
            CU_ASSERT_STRING_EQUAL(got, want);
        CU_ASSERT_STRING_EQUAL(errs[1], errs[0]);
        if (c == 0 && want) {   /* the capture does what it is for */
            CU_ASSERT_PTR_NOT_NULL(strstr(want, "fragments-reassembled=\"5\""));
            CU_ASSERT_EQUAL(ea_pipeline_stats(a)->flows_expired, 6 + 3);   /* 200 s on, then 200 s again */
            CU_ASSERT_EQUAL(ea_pipeline_stats(a)->icmp_errors_mapped, 1);
        }
        if (c == 1)
            CU_ASSERT_PTR_NOT_NULL(strstr(errs[0], "packet 23: caplen 47 greater than its length 42"));
        free(want);
        free(got);
        ea_pipeline_free(a);
        ea_pipeline_free(b);
    }
    unlink(tmpl[0]);
    unlink(tmpl[1]);
    ea_ruleset_free(rs);
}

void ea_test_add_pipeline(void)
{
    EA_SUITE("pipeline",
             { "reset: reports as a new pipeline on the same input", test_reset_same_as_new },
             { "reset: nothing of the last run is left", test_reset_clears },
             { "files: one report with one thread or two", test_threads_same_report },
             { "files: reading ahead gives the record-by-record report", test_read_ahead_same_as_plain });
}
