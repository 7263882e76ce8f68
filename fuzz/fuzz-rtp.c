/* fuzz-rtp.c: libFuzzer target for the RTP/RTCP heuristics, on UDP datagrams and RFC 4571 TCP framing. */
#include "fuzz.h"
#include "dissect-rtp.h"
#include "dissect-stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ea_rtp_info udp, tcp;
    struct ea_rtp_tcp_state *st = ea_rtp_tcp_state_new();
    struct ea_cur in;
    struct fz_chunk ch;

    if (!st)
        return 0;
    memset(&udp, 0, sizeof(udp));
    memset(&tcp, 0, sizeof(tcp));
    ea_cur_init(&in, data, size);
    while (fz_next(&in, &ch)) {
        /* Each chunk is a datagram for the UDP heuristics ... */
        enum ea_dis_rc rc = ea_rtp_parse(&udp, ch.dir, ch.data, ch.len);
        if (rc != EA_DIS_DONE && rc != EA_DIS_NOT_MINE && rc != EA_DIS_NEED_MORE)
            FZ_FAIL("ea_rtp_parse returned %d", (int)rc);
        if (rc == EA_DIS_DONE && !udp.is_rtp && !udp.is_rtcp)
            FZ_FAIL("ea_rtp_parse said DONE but decided neither RTP nor RTCP");
        /* ... and a run of stream bytes for the framing, cut where the fuzzer says. */
        size_t off = 0;
        do {
            size_t n = ch.len - off;
            if (ch.piece && n > ch.piece)
                n = ch.piece;
            rc = ea_rtp_tcp_feed(st, &tcp, ch.dir, ch.data + off, n);
            if (rc != EA_DIS_DONE && rc != EA_DIS_NOT_MINE && rc != EA_DIS_NEED_MORE)
                FZ_FAIL("ea_rtp_tcp_feed returned %d", (int)rc);
            off += n;
        } while (off < ch.len);
    }
    if (!ea_rtp_tcp_stun(st))
        FZ_FAIL("ea_rtp_tcp_stun returned NULL for a live state");
    ea_rtp_tcp_state_free(st);
    return 0;
}
