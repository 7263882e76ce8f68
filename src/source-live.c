/* source-live.c: a live interface through libpcap (non-blocking, polled), pcap_stats, privilege drop. */
/* The feature-test macro that declares getresuid and getresgid (glibc); reserved on purpose. */
#define _GNU_SOURCE   /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/if_packet.h>
#include <linux/capability.h>
#include "source-live.h"

#define BLOCK_TIMEOUT_MS 100   /* libpcap's timeout: a ring block is handed over this late at most */

struct ea_live_source {
    pcap_t *pc;
    char *name;
    int fd;                     /* selectable fd, -1 when libpcap has none */
    /* pcap_stats counters are 32-bit and wrap after days: sum the deltas */
    unsigned int last_recv, last_drop, last_ifdrop;
    uint64_t recv, drop, ifdrop;
};

struct ea_live_source *ea_live_source_open(const struct ea_live_config *c, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    struct bpf_program prog;
    struct ea_live_source *s = calloc(1, sizeof(*s));
    int rc;

    if (!s) {
        snprintf(err, errlen, "%s: out of memory", c->iface);
        return NULL;
    }
    s->fd = -1;
    s->name = strdup(c->iface);
    if (!s->name) {
        snprintf(err, errlen, "%s: out of memory", c->iface);
        goto fail;
    }
    s->pc = pcap_create(c->iface, ebuf);
    if (!s->pc) {
        snprintf(err, errlen, "%s: cannot open the interface: %s", c->iface, ebuf);
        goto fail;
    }
    pcap_set_snaplen(s->pc, c->snaplen);
    pcap_set_promisc(s->pc, c->promisc);
    /* Immediate mode retires a TPACKET_V3 ring block after a packet or two, and with a large
       snaplen the ring holds few (large) blocks: a burst of a few hundred packets on lo lost
       a third of them. Blocks retire when full or at the timeout instead. */
    pcap_set_immediate_mode(s->pc, 0);
    pcap_set_timeout(s->pc, BLOCK_TIMEOUT_MS);
    pcap_set_buffer_size(s->pc, (int)((c->buffer_kib ? c->buffer_kib : EA_LIVE_BUFFER_KIB) * 1024u));
    /* Not every device offers nanoseconds; microseconds then, as the stamps are scaled below. */
    if (pcap_set_tstamp_precision(s->pc, PCAP_TSTAMP_PRECISION_NANO) != 0)
        pcap_set_tstamp_precision(s->pc, PCAP_TSTAMP_PRECISION_MICRO);
    rc = pcap_activate(s->pc);
    if (rc < 0) {
        const char *why = pcap_geterr(s->pc);
        if (rc == PCAP_ERROR_PERM_DENIED)
            snprintf(err, errlen, "%s: permission denied: capturing needs root or CAP_NET_RAW (%s)",
                     c->iface, why);
        else if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
            snprintf(err, errlen, "%s: no such interface", c->iface);
        else
            snprintf(err, errlen, "%s: cannot start the capture: %s", c->iface,
                     why && *why ? why : pcap_statustostr(rc));
        goto fail;
    }
    if (c->bpf && *c->bpf) {
        if (pcap_compile(s->pc, &prog, c->bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            snprintf(err, errlen, "%s: bad filter expression '%s': %s", c->iface, c->bpf,
                     pcap_geterr(s->pc));
            goto fail;
        }
        rc = pcap_setfilter(s->pc, &prog);
        pcap_freecode(&prog);
        if (rc != 0) {
            snprintf(err, errlen, "%s: cannot set the filter: %s", c->iface, pcap_geterr(s->pc));
            goto fail;
        }
    }
    if (pcap_setnonblock(s->pc, 1, ebuf) != 0) {
        snprintf(err, errlen, "%s: cannot make the capture non-blocking: %s", c->iface, ebuf);
        goto fail;
    }
    s->fd = pcap_get_selectable_fd(s->pc);
    return s;
fail:
    ea_live_source_close(s);
    return NULL;
}

void ea_live_source_close(struct ea_live_source *s)
{
    if (!s)
        return;
    if (s->pc)
        pcap_close(s->pc);
    free(s->name);
    free(s);
}

int ea_live_source_dlt(const struct ea_live_source *s)
{
    return pcap_datalink(s->pc);
}

int ea_live_source_nano(const struct ea_live_source *s)
{
    return pcap_get_tstamp_precision(s->pc) == PCAP_TSTAMP_PRECISION_NANO;
}

int ea_live_source_wait(struct ea_live_source *s, int timeout_ms, char *err, size_t errlen)
{
    if (s->fd < 0) {
        usleep((useconds_t)timeout_ms * 1000u);
        return 1;   /* no selectable fd: just try */
    }
    struct pollfd p = { s->fd, POLLIN, 0 };
    int r = poll(&p, 1, timeout_ms);
    if (r <= 0)
        return 0;   /* timeout, or EINTR: a signal; the caller looks at its flags */
    if (p.revents & (POLLERR | POLLNVAL)) {
        snprintf(err, errlen, "%s: the capture device failed", s->name);
        return -1;
    }
    return 1;
}

int ea_live_source_read(struct ea_live_source *s, pcap_handler cb, u_char *user, char *err, size_t errlen)
{
    int n = pcap_dispatch(s->pc, -1, cb, user);
    if (n == PCAP_ERROR_BREAK)
        return 0;
    if (n < 0) {
        snprintf(err, errlen, "%s: capture error: %s", s->name, pcap_geterr(s->pc));
        return -1;
    }
    return n;
}

int ea_live_source_dispatch(struct ea_live_source *s, int timeout_ms, pcap_handler cb, u_char *user,
                            char *err, size_t errlen)
{
    int r = ea_live_source_wait(s, timeout_ms, err, errlen);
    return r <= 0 ? r : ea_live_source_read(s, cb, user, err, errlen);
}

static void discard(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    (void)user;
    (void)h;
    (void)data;
}

int ea_live_source_fanout(struct ea_live_source *const *srcs, size_t n, char *err, size_t errlen)
{
    /* PACKET_FANOUT_HASH is symmetric (the kernel's flow dissector orders the endpoints);
       FLAG_DEFRAG reassembles IP fragments before choosing, so fragments follow their flow.
       The first socket gets a group id of its own (FLAG_UNIQUEID): no other process's group
       is joined by accident. */
    int base = PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG;
    uint32_t id = 0;
    for (size_t i = 0; i < n; i++) {
        int fd = pcap_fileno(srcs[i]->pc);
        uint32_t arg = i == 0 ? (uint32_t)(base | PACKET_FANOUT_FLAG_UNIQUEID) << 16
                              : id | (uint32_t)base << 16;
        if (fd < 0 || setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) != 0) {
            snprintf(err, errlen, "%s: cannot join the sockets in a PACKET_FANOUT group: %s",
                     srcs[i]->name, fd < 0 ? "no socket" : strerror(errno));
            return -1;
        }
        if (i == 0) {
            uint32_t got = 0;
            socklen_t len = sizeof(got);
            if (getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &got, &len) != 0) {
                snprintf(err, errlen, "%s: cannot read the PACKET_FANOUT group id: %s",
                         srcs[i]->name, strerror(errno));
                return -1;
            }
            id = got & 0xffffu;
        }
    }
    /* Each socket saw every packet until it joined: drop those, so that no packet counts
       twice. They sit in ring blocks that retire at the block timeout, so wait for that
       first; one read per socket then takes every retired block (bounded on a busy link). */
    struct timespec nap = { 0, (BLOCK_TIMEOUT_MS + 50) * 1000000L };
    nanosleep(&nap, NULL);
    for (size_t i = 0; i < n; i++)
        pcap_dispatch(srcs[i]->pc, -1, discard, NULL);
    return 0;
}

void ea_live_source_break(struct ea_live_source *s)
{
    if (s && s->pc)
        pcap_breakloop(s->pc);
}

int ea_live_source_stats(struct ea_live_source *s, uint64_t *recv, uint64_t *drop, uint64_t *ifdrop)
{
    struct pcap_stat ps;
    if (pcap_stats(s->pc, &ps) != 0)
        return -1;
    /* unsigned subtraction absorbs one wrap between two calls */
    s->recv += (unsigned int)(ps.ps_recv - s->last_recv);
    s->drop += (unsigned int)(ps.ps_drop - s->last_drop);
    s->ifdrop += (unsigned int)(ps.ps_ifdrop - s->last_ifdrop);
    s->last_recv = ps.ps_recv;
    s->last_drop = ps.ps_drop;
    s->last_ifdrop = ps.ps_ifdrop;
    *recv = s->recv;
    *drop = s->drop;
    *ifdrop = s->ifdrop;
    return 0;
}

int ea_drop_privileges(const char *user, char *err, size_t errlen)
{
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        snprintf(err, errlen, "-Z %s: no such user%s%s", user, errno ? ": " : "",
                 errno ? strerror(errno) : "");
        return -1;
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (uid == 0) {
        snprintf(err, errlen, "-Z %s: that user is root; give an unprivileged user", user);
        return -1;
    }
    if (initgroups(pw->pw_name, gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
        snprintf(err, errlen, "-Z %s: cannot become that user: %s", user, strerror(errno));
        return -1;
    }
    /* Verify: no way back to root, and every id is the new one. */
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 ||
        getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 ||
        ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid) {
        snprintf(err, errlen, "-Z %s: root could be regained after dropping privileges", user);
        return -1;
    }
    return 0;
}

int ea_drop_capabilities(char *err, size_t errlen)
{
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof(data));
    /* no libcap: capset(2) with empty sets clears permitted, effective, inheritable and so ambient */
    if (syscall(SYS_capset, &hdr, data) != 0) {
        snprintf(err, errlen, "cannot drop capabilities: %s", strerror(errno));
        return -1;
    }
    return 0;
}
