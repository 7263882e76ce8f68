/* source-pcap.c: capture files through libpcap, with one-line errors that name file and packet. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "source-pcap.h"

struct ea_source {
    pcap_t *pc;
    char *name;
    uint64_t records;          /* every record read, filtered or not: Wireshark's frame number */
    struct bpf_program prog;
    int have_prog;
    long rec_hdr;              /* classic pcap: bytes of a record header; 0: not checked */
};

/*
 * Record header size of a classic pcap file from its magic (16, or 24 for
 * the "modified" format), else 0 (pcapng, standard input, unreadable). It
 * lets ea_source_next see a caplen that libpcap silently cut to the snaplen.
 */
static long classic_rec_hdr(const char *path)
{
    uint8_t m[4];
    long hdr = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    if (fread(m, 1, sizeof(m), fp) == sizeof(m)) {
        uint32_t be = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
        uint32_t le = (uint32_t)m[3] << 24 | (uint32_t)m[2] << 16 | (uint32_t)m[1] << 8 | m[0];
        if (be == 0xA1B2C3D4 || le == 0xA1B2C3D4 || be == 0xA1B23C4D || le == 0xA1B23C4D)
            hdr = 16;
        else if (be == 0xA1B2CD34 || le == 0xA1B2CD34)
            hdr = 24;
    }
    fclose(fp);
    return hdr;
}

/*
 * A record libpcap accepts but no capture tool writes: caplen 0, caplen
 * greater than the length on the wire, or (classic pcap, where the file
 * position before and after shows the stored size) greater than the
 * file's snaplen. Writes the cause into err and returns 1 when it is one.
 */
static int bad_record(const struct ea_source *s, const struct pcap_pkthdr *h, long before,
                      char *err, size_t errlen)
{
    const char *why = NULL;
    char tmp[96];
    if (h->caplen == 0 && h->len > 0) {
        why = "caplen 0";
    } else if (h->caplen > h->len) {
        snprintf(tmp, sizeof(tmp), "caplen %u greater than its length %u", h->caplen, h->len);
        why = tmp;
    } else if (s->rec_hdr && before >= 0) {
        long after = ftell(pcap_file(s->pc));
        if (after >= 0 && after - before - s->rec_hdr > (long)h->caplen) {
            snprintf(tmp, sizeof(tmp), "caplen %ld greater than the file's snaplen %d",
                     after - before - s->rec_hdr, pcap_snapshot(s->pc));
            why = tmp;
        }
    }
    if (!why)
        return 0;
    snprintf(err, errlen, "%s: packet %llu: %s", s->name, (unsigned long long)s->records, why);
    return 1;
}

struct ea_source *ea_source_open_file(const char *path, const char *bpf, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    struct ea_source *s = NULL;
    struct stat sb;

    if (strcmp(path, "-") != 0) {
        /* libpcap's messages for these are vague; say it plainly. */
        if (stat(path, &sb) != 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return NULL;
        }
        if (S_ISDIR(sb.st_mode)) {
            snprintf(err, errlen, "%s: is a directory, not a capture file", path);
            return NULL;
        }
    }
    s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    s->name = strdup(path);
    if (!s->name) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    if (strcmp(path, "-") == 0)
        s->pc = pcap_fopen_offline_with_tstamp_precision(stdin, PCAP_TSTAMP_PRECISION_NANO, ebuf);
    else
        s->pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
    if (!s->pc) {
        snprintf(err, errlen, "%s: not a readable capture file: %s", path, ebuf);
        goto fail;
    }
    if (strcmp(path, "-") != 0 && pcap_file(s->pc))
        s->rec_hdr = classic_rec_hdr(path);
    /* The filter runs here, not in libpcap, so that every record keeps its number. */
    if (bpf && *bpf) {
        if (pcap_compile(s->pc, &s->prog, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            snprintf(err, errlen, "%s: bad filter expression '%s': %s", path, bpf, pcap_geterr(s->pc));
            goto fail;
        }
        s->have_prog = 1;
    }
    return s;
fail:
    ea_source_close(s);
    return NULL;
}

int ea_source_next(struct ea_source *s, struct pcap_pkthdr **h, const uint8_t **data,
                   char *err, size_t errlen)
{
    const u_char *d = NULL;
    int rc;
    long before = s->rec_hdr ? ftell(pcap_file(s->pc)) : -1;
    while ((rc = pcap_next_ex(s->pc, h, &d)) == 1) {
        s->records++;
        if (bad_record(s, *h, before, err, errlen))
            return -1;
        if (s->rec_hdr)
            before = ftell(pcap_file(s->pc));
        if (s->have_prog && !pcap_offline_filter(&s->prog, *h, d))
            continue;
        *data = d;
        return 1;
    }
    if (rc == PCAP_ERROR_BREAK)
        return 0;
    if (rc == 0)   /* only live captures time out; treat as no packet */
        return 0;
    snprintf(err, errlen, "%s: packet %llu: %s", s->name,
             (unsigned long long)s->records + 1, pcap_geterr(s->pc));
    return -1;
}

int ea_source_dlt(const struct ea_source *s)
{
    return pcap_datalink(s->pc);
}

const char *ea_source_name(const struct ea_source *s)
{
    return s->name;
}

uint64_t ea_source_records(const struct ea_source *s)
{
    return s->records;
}

void ea_source_close(struct ea_source *s)
{
    if (!s)
        return;
    if (s->have_prog)
        pcap_freecode(&s->prog);
    if (s->pc)
        pcap_close(s->pc);
    free(s->name);
    free(s);
}
