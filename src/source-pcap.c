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
};

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
    while ((rc = pcap_next_ex(s->pc, h, &d)) == 1) {
        s->records++;
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
