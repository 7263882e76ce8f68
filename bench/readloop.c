/* readloop.c: the benchmark's ceiling: read every record of a capture with libpcap and count it. */
#include <stdint.h>
#include <stdio.h>
#include <pcap/pcap.h>

/* As edgeaudit's source (source-pcap.c): one read() per MiB of capture. */
static char buf[1 << 20];

/*
 * Usage: readloop FILE. Prints "N packets, B bytes" and exits 0; 2 when the
 * file cannot be opened or a record cannot be read. Reads the same way as
 * edgeaudit's source (pcap_next_ex, nanosecond stamps, a 1 MiB stdio
 * buffer) and touches only the record header, so that it is the cost of
 * getting packets off the file.
 */
int main(int argc, char **argv)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t n = 0, bytes = 0;
    int rc, ret = 2;

    if (argc != 2) {
        fprintf(stderr, "usage: readloop FILE\n");
        return 2;
    }
    FILE *fp = fopen(argv[1], "rb");
    if (!fp || setvbuf(fp, buf, _IOFBF, sizeof(buf)) != 0) {
        perror(argv[1]);
        if (fp)
            fclose(fp);
        return 2;
    }
    pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, ebuf);
    if (!pc) {
        fprintf(stderr, "readloop: %s: %s\n", argv[1], ebuf);
        fclose(fp);
        return 2;
    }
    while ((rc = pcap_next_ex(pc, &h, &d)) == 1) {
        n++;
        bytes += h->caplen;
    }
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "readloop: %s: %s\n", argv[1], pcap_geterr(pc));
        goto out;
    }
    printf("%llu packets, %llu bytes\n", (unsigned long long)n, (unsigned long long)bytes);
    ret = 0;
out:
    pcap_close(pc);
    return ret;
}
