/* source-pcap.c: capture files through libpcap, with one-line errors that name file and packet. */
#define _GNU_SOURCE   /* fopencookie */ /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "source-pcap.h"

/* Bytes of capture per read(): a 2M-packet capture of 600 MB takes 600 calls. */
#define EA_READ_BUF (1u << 20)
/* The least buffer: a page. */
#define EA_READ_BUF_MIN 4096u

/*
 * The stream libpcap reads: a FILE made by fopencookie over our file
 * descriptor, with a buffer of EA_READ_BUF or less (read_buf_size). It counts the bytes it hands to
 * stdio, so that ftell() on it answers from memory (glibc's ftell on an
 * ordinary file is an lseek system call every time), and it keeps the
 * first four bytes of the input, the file's magic.
 */
struct ea_reader {
    int fd;
    int own_fd;                /* 0 for standard input: not closed */
    uint64_t pos;              /* bytes handed to stdio so far */
    uint8_t magic[4];
    size_t nmagic;
};

struct ea_source {
    pcap_t *pc;
    char *name;
    uint64_t records;          /* every record read, filtered or not: Wireshark's frame number */
    struct bpf_program prog;
    int have_prog;
    long rec_hdr;              /* classic pcap: bytes of a record header; 0: not checked */
    long at;                   /* classic pcap: file position after the last record */
    uint32_t snaplen;          /* pcap_snapshot: the caplen libpcap cuts a longer record to */
    struct ea_reader rd;       /* the stream's cookie; the FILE itself belongs to pc */
    char *buf;                 /* the stream's buffer, freed after pc */
};

static ssize_t reader_read(void *cookie, char *buf, size_t size)
{
    struct ea_reader *r = cookie;
    ssize_t n;
    do {
        n = read(r->fd, buf, size);
    } while (n < 0 && errno == EINTR);
    if (n <= 0)
        return n;   /* 0: end of input; -1: errno says why, stdio sets the error flag */
    for (ssize_t i = 0; i < n && r->nmagic < sizeof(r->magic); i++)
        r->magic[r->nmagic++] = (uint8_t)buf[i];
    r->pos += (uint64_t)n;
    return n;
}

/* Only the question ftell asks (where am I?) is answered; libpcap never seeks a savefile. */
static int reader_seek(void *cookie, off64_t *off, int whence)
{
    const struct ea_reader *r = cookie;
    if (whence == SEEK_CUR && *off == 0) {
        *off = (off64_t)r->pos;
        return 0;
    }
    errno = ESPIPE;
    return -1;
}

static int reader_close(void *cookie)
{
    const struct ea_reader *r = cookie;
    return r->own_fd ? close(r->fd) : 0;
}

/*
 * Record header size of a classic pcap file from its magic (16, or 24 for
 * the "modified" format), else 0 (pcapng, unknown). It lets
 * ea_source_next see a caplen that libpcap silently cut to the snaplen.
 */
static long classic_rec_hdr(const struct ea_reader *r)
{
    const uint8_t *m = r->magic;
    if (r->nmagic < sizeof(r->magic))
        return 0;
    uint32_t be = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
    uint32_t le = (uint32_t)m[3] << 24 | (uint32_t)m[2] << 16 | (uint32_t)m[1] << 8 | m[0];
    if (be == 0xA1B2C3D4 || le == 0xA1B2C3D4 || be == 0xA1B23C4D || le == 0xA1B23C4D)
        return 16;
    if (be == 0xA1B2CD34 || le == 0xA1B2CD34)
        return 24;
    return 0;
}

/*
 * The stream buffer's size for a file of sb (NULL: standard input):
 * EA_READ_BUF, or for a smaller regular file its size and one byte more
 * (the read that sees the end), rounded up to a page. A small file then
 * costs no large allocation, which malloc (and ASan's allocator above
 * 128 kB) maps and unmaps for each file: fuzz-pipeline opens one per input.
 */
static size_t read_buf_size(const struct stat *sb)
{
    uint64_t n;
    if (!sb || !S_ISREG(sb->st_mode) || sb->st_size < 0 || (uint64_t)sb->st_size >= EA_READ_BUF)
        return EA_READ_BUF;
    n = ((uint64_t)sb->st_size + EA_READ_BUF_MIN) & ~(uint64_t)(EA_READ_BUF_MIN - 1);
    return n < EA_READ_BUF ? (size_t)n : EA_READ_BUF;
}

/*
 * The FILE for libpcap over path ("-": standard input, fd 0), buffered by
 * s->buf of read_buf_size(sb) bytes (sb: path's stat, NULL for "-"). On
 * error returns NULL with errno set; the descriptor is closed.
 */
static FILE *open_stream(struct ea_source *s, const char *path, const struct stat *sb)
{
    static const cookie_io_functions_t io = {
        .read = reader_read, .write = NULL, .seek = reader_seek, .close = reader_close,
    };
    FILE *fp;
    int e;

    if (strcmp(path, "-") == 0) {
        s->rd.fd = 0;
    } else {
        s->rd.fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->rd.fd < 0)
            return NULL;
        s->rd.own_fd = 1;
    }
    size_t bufsize = read_buf_size(sb);
    s->buf = malloc(bufsize);
    fp = s->buf ? fopencookie(&s->rd, "r", io) : NULL;
    if (!fp) {
        e = s->buf ? errno : ENOMEM;
        reader_close(&s->rd);
        errno = e;
        return NULL;
    }
    if (setvbuf(fp, s->buf, _IOFBF, bufsize) != 0) {
        e = errno;
        fclose(fp);
        errno = e;
        return NULL;
    }
    return fp;
}

/*
 * The stream position after the record of h, before was the one before it
 * (classic pcap). libpcap cuts a record stored longer than the file's
 * snaplen to exactly the snaplen and skips the rest, so a caplen under the
 * snaplen is the size stored: the position is counted here. Only a record
 * of caplen snaplen asks the stream (ftell: from memory, see ea_reader, but
 * under the FILE's lock, which every record paid before).
 */
static long record_end(struct ea_source *s, long before, const struct pcap_pkthdr *h)
{
    if (before >= 0 && h->caplen < s->snaplen)
        return before + s->rec_hdr + (long)h->caplen;
    return ftell(pcap_file(s->pc));
}

/*
 * A record libpcap accepts but no capture tool writes: caplen 0, caplen
 * greater than the length on the wire, or (classic pcap, where the stream
 * position before and after the record shows its stored size) greater
 * than the file's snaplen. Writes the cause into err and returns 1 when it
 * is one. Advances s->at to the position after the record.
 */
static int bad_record(struct ea_source *s, const struct pcap_pkthdr *h, char *err, size_t errlen)
{
    const char *why = NULL;
    char tmp[96];
    long before = s->at;
    long after = s->rec_hdr ? record_end(s, before, h) : -1;
    s->at = after;
    if (h->caplen == 0 && h->len > 0) {
        why = "caplen 0";
    } else if (h->caplen > h->len) {
        snprintf(tmp, sizeof(tmp), "caplen %u greater than its length %u", h->caplen, h->len);
        why = tmp;
    } else if (before >= 0 && after >= 0 && after - before - s->rec_hdr > (long)h->caplen) {
        snprintf(tmp, sizeof(tmp), "caplen %ld greater than the file's snaplen %d",
                 after - before - s->rec_hdr, pcap_snapshot(s->pc));
        why = tmp;
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
    const struct stat *psb = NULL;
    FILE *fp;

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
        psb = &sb;
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
    fp = open_stream(s, path, psb);
    if (!fp) {
        snprintf(err, errlen, "%s: not a readable capture file: %s: %s", path, path, strerror(errno));
        goto fail;
    }
    s->pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, ebuf);
    if (!s->pc) {
        fclose(fp);
        snprintf(err, errlen, "%s: not a readable capture file: %s", path, ebuf);
        goto fail;
    }
    s->rec_hdr = classic_rec_hdr(&s->rd);
    s->at = s->rec_hdr ? ftell(fp) : -1;
    s->snaplen = (uint32_t)pcap_snapshot(s->pc);
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
        if (bad_record(s, *h, err, errlen))
            return -1;
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
        pcap_close(s->pc);   /* closes the stream, and through reader_close our descriptor */
    free(s->buf);
    free(s->name);
    free(s);
}
