/* test-dissect-rtp.c: RTP/RTCP heuristics and RFC 4571 framing over real packets and crafted breakage. */
#include <stdlib.h>
#include <string.h>
#include "tests.h"
#include "dissect-rtp.h"
#include "dissect-stun.h"

/*
 * Real packets, extracted with tshark -T fields -e udp.payload / tcp.payload
 * from the captures named above each array (nDPI regression captures in the
 * shared capture set, see its SOURCES.md).
 */

/* rtp.pcapng frame 84, 10.140.67.167:55402 -> 148.153.85.97:6008 (24 bytes) */
static const uint8_t rtp_csrc_84[] = {
    0x81, 0x6f, 0xcd, 0xd2,                                        /* V=2 P=0 X=0 CC=1 M=0 PT=111, seq 52690 */
    0x1e, 0x51, 0x31, 0xff,                                        /* timestamp */
    0xb8, 0x09, 0x74, 0xd8,                                        /* SSRC */
    0x00, 0x00, 0x01, 0x1c,                                        /* CSRC list */
    0x48, 0x0b, 0xe4, 0x55, 0xbf, 0x14, 0x98, 0x7c,                /* payload */
};

/* rtp.pcapng frame 85, 10.140.67.167:55402 -> 148.153.85.97:6008 (23 bytes) */
static const uint8_t rtp_csrc_85[] = {
    0x81, 0x6f, 0xcd, 0xd3,                                        /* V=2 P=0 X=0 CC=1 M=0 PT=111, seq 52691 */
    0x1e, 0x51, 0x35, 0xbf,                                        /* timestamp */
    0xb8, 0x09, 0x74, 0xd8,                                        /* SSRC */
    0x00, 0x00, 0x01, 0x1c,                                        /* CSRC list */
    0x48, 0x06, 0xe3, 0x79, 0xc1, 0x24, 0x58,                      /* payload */
};

/* rtp.pcapng frame 86, 10.140.67.167:55402 -> 148.153.85.97:6008 (23 bytes) */
static const uint8_t rtp_csrc_86[] = {
    0x81, 0x6f, 0xcd, 0xd4,                                        /* V=2 P=0 X=0 CC=1 M=0 PT=111, seq 52692 */
    0x1e, 0x51, 0x39, 0x7f,                                        /* timestamp */
    0xb8, 0x09, 0x74, 0xd8,                                        /* SSRC */
    0x00, 0x00, 0x01, 0x1c,                                        /* CSRC list */
    0x48, 0x06, 0xe3, 0x79, 0xc1, 0x24, 0x58,                      /* payload */
};

/* rtp.pcapng frame 87, 10.140.67.167:55402 -> 148.153.85.97:6008 (24 bytes) */
static const uint8_t rtp_csrc_87[] = {
    0x81, 0x6f, 0xcd, 0xd5,                                        /* V=2 P=0 X=0 CC=1 M=0 PT=111, seq 52693 */
    0x1e, 0x51, 0x3d, 0x3f,                                        /* timestamp */
    0xb8, 0x09, 0x74, 0xd8,                                        /* SSRC */
    0x00, 0x00, 0x01, 0x1c,                                        /* CSRC list */
    0x48, 0x06, 0xe3, 0x72, 0x27, 0xdc, 0x06, 0x40,                /* payload */
};

/* rtp.pcapng frame 69, 150.219.118.19:54234 -> 192.113.193.227:50003, one-byte header extension (43 bytes) */
static const uint8_t rtp_ext_69[] = {
    0x90, 0x78, 0x48, 0xba,                                        /* V=2 P=0 X=1 CC=0 M=0 PT=120, seq 18618 */
    0xd1, 0x7f, 0x4c, 0x75,                                        /* timestamp */
    0x00, 0x1a, 0x7e, 0x73,                                        /* SSRC */
    0xbe, 0xde, 0x00, 0x01,                                        /* extension profile 0xbede, 1 word */
    0xa4, 0xc0, 0x16, 0xeb,                                        /* extension data */
    0x75, 0x8b, 0xe2, 0x70, 0x62, 0x4d, 0xa7, 0xa9, 0x9d, 0x37, 0x3f, 0xdf, /* payload */
    0xbc, 0xcd, 0xe8, 0x9b, 0x2a, 0xbb, 0x48, 0xf3, 0x35, 0x01, 0x80,
};

/* rtp.pcapng frame 78, 150.219.118.19:54234 -> 192.113.193.227:50003, one-byte header extension (43 bytes) */
static const uint8_t rtp_ext_78[] = {
    0x90, 0x78, 0x48, 0xbb,                                        /* V=2 P=0 X=1 CC=0 M=0 PT=120, seq 18619 */
    0xd1, 0x7f, 0x50, 0x35,                                        /* timestamp */
    0x00, 0x1a, 0x7e, 0x73,                                        /* SSRC */
    0xbe, 0xde, 0x00, 0x01,                                        /* extension profile 0xbede, 1 word */
    0x15, 0xf4, 0x3d, 0xbb,                                        /* extension data */
    0x32, 0xf9, 0x4f, 0x34, 0xdd, 0x69, 0xe9, 0x22, 0x1f, 0x70, 0x19, 0xfa, /* payload */
    0x8e, 0x3f, 0x50, 0xe0, 0xa3, 0xd7, 0x3d, 0xf4, 0x35, 0x01, 0x80,
};

/* rtp.pcapng frame 82, 150.219.118.19:54234 -> 192.113.193.227:50003, one-byte header extension (43 bytes) */
static const uint8_t rtp_ext_82[] = {
    0x90, 0x78, 0x48, 0xbc,                                        /* V=2 P=0 X=1 CC=0 M=0 PT=120, seq 18620 */
    0xd1, 0x7f, 0x53, 0xf5,                                        /* timestamp */
    0x00, 0x1a, 0x7e, 0x73,                                        /* SSRC */
    0xbe, 0xde, 0x00, 0x01,                                        /* extension profile 0xbede, 1 word */
    0x67, 0x83, 0xbc, 0x65,                                        /* extension data */
    0x5d, 0xdd, 0x99, 0x8d, 0x1a, 0x6a, 0x1c, 0x69, 0x86, 0xaf, 0xb9, 0x6a, /* payload */
    0x23, 0x37, 0x9e, 0x93, 0xdf, 0x46, 0xa5, 0xf6, 0x35, 0x01, 0x80,
};

/* rtp.pcapng frame 83, first datagram of the 6008 flow (not RTP) (16 bytes) */
static const uint8_t not_rtp_83[] = {
    0x01, 0x00, 0x00, 0x00,                                        /* first byte 0x01: version 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x1c,
};

/* sip.pcap, the one RTCP packet 30001 -> 40393: SR + SDES + BYE (104 bytes) */
static const uint8_t sip_rtcp[] = {
    0x80, 0xc8, 0x00, 0x06,                                        /* V=2 P=0 count=0 PT=200 SR, length 6 words */
    0x37, 0x96, 0xcb, 0x71, 0x42, 0xc9, 0x07, 0xca, 0x5e, 0xfa, 0xc6, 0x03,
    0x00, 0x00, 0x24, 0xc3, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x06, 0x0c,
    0x81, 0xca, 0x00, 0x0b,                                        /* V=2 P=0 count=1 PT=202 SDES, length 11 words */
    0x37, 0x96, 0xcb, 0x71, 0x01, 0x1d, 0x31, 0x31, 0x38, 0x39, 0x34, 0x32,
    0x39, 0x37, 0x2d, 0x34, 0x34, 0x33, 0x32, 0x61, 0x39, 0x66, 0x38, 0x40,
    0x31, 0x39, 0x32, 0x2e, 0x31, 0x36, 0x38, 0x2e, 0x31, 0x2e, 0x32, 0x06,
    0x05, 0x53, 0x49, 0x50, 0x50, 0x53, 0x00, 0x00,
    0x81, 0xcb, 0x00, 0x06,                                        /* V=2 P=0 count=1 PT=203 BYE, length 6 words */
    0x37, 0x96, 0xcb, 0x71, 0x10, 0x73, 0x65, 0x73, 0x73, 0x69, 0x6f, 0x6e,
    0x20, 0x73, 0x68, 0x75, 0x74, 0x64, 0x6f, 0x77, 0x6e, 0x00, 0x00, 0x00,
};

/* rtcp_multiple_pkts_in_the_same_datagram.pcap frame 2: RR + SDES (92 bytes) */
static const uint8_t multi_rtcp_2[] = {
    0x81, 0xc9, 0x00, 0x07,                                        /* V=2 P=0 count=1 PT=201 RR, length 7 words */
    0x01, 0x93, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x00, 0xbe, 0xc2, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
    0x81, 0xca, 0x00, 0x0e,                                        /* V=2 P=0 count=1 PT=202 SDES, length 14 words */
    0x01, 0x93, 0x2d, 0xb4, 0x01, 0x07, 0x31, 0x39, 0x33, 0x32, 0x64, 0x62,
    0x34, 0x07, 0x25, 0x46, 0x72, 0x65, 0x65, 0x53, 0x57, 0x49, 0x54, 0x43,
    0x48, 0x2e, 0x6f, 0x72, 0x67, 0x20, 0x2d, 0x2d, 0x20, 0x43, 0x6f, 0x6d,
    0x65, 0x20, 0x74, 0x6f, 0x20, 0x43, 0x6c, 0x75, 0x65, 0x43, 0x6f, 0x6e,
    0x2e, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x00, 0x00,
};

/* skype-conference-call.pcap frame 24: SRTCP (SR header in clear, then encrypted) (43 bytes) */
static const uint8_t skype_srtcp[] = {
    0x80, 0xc8, 0x00, 0x06,                                        /* V=2 P=0 count=0 PT=200 SR, length 6 words */
    0xe0, 0x74, 0xc7, 0x00,                                        /* sender SSRC (clear) */
    0xf7, 0xbd, 0x2d, 0xcf, 0x26, 0x68, 0xb9, 0xdc,                /* encrypted from here */
    0xb0, 0x68, 0x32, 0xac, 0xa9, 0xcb, 0x67, 0xd2, 0x74, 0xda, 0x5d, 0x4a,
    0x80, 0x00, 0x00, 0x03,                                        /* E flag, SRTCP index 3 */
    0x01, 0x13, 0x65, 0xb2, 0xd1, 0x7c, 0x6c, 0xfb, 0xbe, 0x84, 0x42, /* MKI and authentication tag */
};

/* stun.pcap frame 3, TCP 10.77.110.51:41588 -> 10.206.50.239:42000: framed Binding Request (106 bytes) */
static const uint8_t skype_tcp_req[] = {
    0x00, 0x68,                                                    /* RFC 4571 length 104 */
    0x00, 0x01, 0x00, 0x54,                                        /* type 0x0001 Binding Request, length 84 */
    0x21, 0x12, 0xa4, 0x42,                                        /* magic cookie */
    0xf3, 0x43, 0x94, 0x53, 0xb6, 0x98, 0xfb, 0x29, 0x50, 0xbb, 0x06, 0xed, /* transaction id */
    0x00, 0x06, 0x00, 0x09,                                        /* USERNAME, length 9 */
    0x2f, 0x70, 0x49, 0x30, 0x3a, 0x54, 0x6f, 0x45, 0x64,
    0x00, 0x00, 0x00,                                              /* padding */
    0x00, 0x24, 0x00, 0x04,                                        /* PRIORITY, length 4 */
    0x6e, 0x6b, 0xfc, 0xff,
    0x80, 0x29, 0x00, 0x08,                                        /* ICE-CONTROLLED, length 8 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0xc2, 0xd1,
    0x80, 0x54, 0x00, 0x01,                                        /* MS-CANDIDATE-IDENTIFIER, length 1 */
    0x32,
    0x00, 0x00, 0x00,                                              /* padding */
    0x80, 0x70, 0x00, 0x04,                                        /* MS-IMPLEMENTATION-VERSION, length 4 */
    0x00, 0x00, 0x00, 0x03,
    0x00, 0x08, 0x00, 0x14,                                        /* MESSAGE-INTEGRITY, length 20 */
    0xfe, 0x92, 0x87, 0x6a, 0xd4, 0x6d, 0x7b, 0x79, 0x7d, 0x42, 0xeb, 0x8d,
    0x79, 0xa8, 0x05, 0xfa, 0xf3, 0x1d, 0x72, 0xd1,
    0x80, 0x28, 0x00, 0x04,                                        /* FINGERPRINT, length 4 */
    0x02, 0x00, 0xfc, 0x47,
};

/* stun.pcap frame 5, TCP 42000 -> 41588: framed Binding Success Response (98 bytes) */
static const uint8_t skype_tcp_ok[] = {
    0x00, 0x60,                                                    /* RFC 4571 length 96 */
    0x01, 0x01, 0x00, 0x4c,                                        /* type 0x0101 Binding Success Response, length 76 */
    0x21, 0x12, 0xa4, 0x42,                                        /* magic cookie */
    0xf3, 0x43, 0x94, 0x53, 0xb6, 0x98, 0xfb, 0x29, 0x50, 0xbb, 0x06, 0xed, /* transaction id */
    0x00, 0x20, 0x00, 0x08,                                        /* XOR-MAPPED-ADDRESS, length 8 */
    0x00, 0x01, 0x83, 0x66, 0x2b, 0x5f, 0xca, 0x71,
    0x00, 0x06, 0x00, 0x09,                                        /* USERNAME, length 9 */
    0x2f, 0x70, 0x49, 0x30, 0x3a, 0x54, 0x6f, 0x45, 0x64,
    0x00, 0x00, 0x00,                                              /* padding */
    0x80, 0x37, 0x00, 0x04,                                        /* MS-APP-ID, length 4 */
    0x00, 0x00, 0x00, 0x01,
    0x80, 0x70, 0x00, 0x04,                                        /* MS-IMPLEMENTATION-VERSION, length 4 */
    0x00, 0x00, 0x00, 0x03,
    0x00, 0x08, 0x00, 0x14,                                        /* MESSAGE-INTEGRITY, length 20 */
    0xf7, 0x5f, 0x23, 0x4b, 0x11, 0xf8, 0xe2, 0x56, 0x0e, 0xaf, 0x4d, 0xd7,
    0x34, 0x48, 0x9d, 0x41, 0xa1, 0x6f, 0x7b, 0x1f,
    0x80, 0x28, 0x00, 0x04,                                        /* FINGERPRINT, length 4 */
    0x0d, 0x26, 0xcb, 0x32,
};

/* stun.pcap frame 169, UDP 3478 -> 49153: DTLS 1.2 application data on the media 5-tuple (81 bytes) */
static const uint8_t dtls_appdata[] = {
    0x17, 0xfe, 0xfd,                                              /* DTLS record: content type 23, version fefd */
    0x00, 0x01,                                                    /* epoch */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01,                            /* sequence number */
    0x00, 0x44,                                                    /* length 68 */
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xa1, 0x51, 0xdd, 0x5b, /* encrypted record */
    0x14, 0x8a, 0xdc, 0x26, 0xd3, 0x87, 0x12, 0xfa, 0x19, 0x01, 0x10, 0xbe,
    0xf8, 0x66, 0x28, 0x5f, 0x21, 0x30, 0x92, 0x88, 0x40, 0xd6, 0xcf, 0xa8,
    0x4b, 0x6c, 0xd9, 0x80, 0x47, 0x1a, 0xab, 0x8f, 0x25, 0xd1, 0x24, 0xa5,
    0xa7, 0x08, 0x2d, 0x42, 0xd3, 0x5e, 0x12, 0x1f, 0x19, 0xcf, 0x43, 0x6f,
    0x2c, 0xce, 0x2c, 0xc3, 0xca, 0xb7, 0x71, 0xe9,
};


/*
 * rtp.pcapng frames 19, 21, 23: TCP 172.16.168.24:40252 -> 172.16.168.64:5000,
 * one RFC 4571 frame per segment; the first 14 bytes of each are kept here and
 * the 1200 bytes of PCMA audio that follow are filled in by frame_4571().
 */
static const uint8_t tcp4571_hdr[3][14] = {
    {
        0x04, 0xbc,                                                /* RFC 4571 length 1212 */
        0x80, 0x88, 0xc6, 0x23,                                    /* V=2 P=0 X=0 CC=0 M=1 PT=8, seq 50723 */
        0x64, 0x48, 0xec, 0xa9,                                    /* timestamp */
        0x00, 0x00, 0x00, 0x00,                                    /* SSRC 0 */
    }, {
        0x04, 0xbc,                                                /* RFC 4571 length 1212 */
        0x80, 0x08, 0xc6, 0x24,                                    /* V=2 P=0 X=0 CC=0 M=0 PT=8, seq 50724 */
        0x64, 0x48, 0xf1, 0x59,                                    /* timestamp */
        0x00, 0x00, 0x00, 0x00,                                    /* SSRC 0 */
    }, {
        0x04, 0xbc,                                                /* RFC 4571 length 1212 */
        0x80, 0x08, 0xc6, 0x25,                                    /* V=2 P=0 X=0 CC=0 M=0 PT=8, seq 50725 */
        0x64, 0x48, 0xf6, 0x09,                                    /* timestamp */
        0x00, 0x00, 0x00, 0x00,                                    /* SSRC 0 */
    },
};
#define FRAME_4571 (2 + 1212)

/* Copies frame i of the TCP flow into out (FRAME_4571 bytes). */
static void frame_4571(uint8_t *out, int i)
{
    memcpy(out, tcp4571_hdr[i], sizeof(tcp4571_hdr[i]));
    memset(out + sizeof(tcp4571_hdr[i]), 0xd5, FRAME_4571 - sizeof(tcp4571_hdr[i]));
}

/* Feeds one UDP payload from a heap copy of exactly n bytes (ASan sees over-reads). */
static enum ea_dis_rc feed_exact(struct ea_rtp_info *info, int dir, const uint8_t *b, size_t n)
{
    uint8_t *copy = malloc(n ? n : 1);
    CU_ASSERT_FATAL(copy != NULL);
    if (n)
        memcpy(copy, b, n);
    enum ea_dis_rc rc = ea_rtp_parse(info, dir, copy, n);
    free(copy);
    return rc;
}

static enum ea_dis_rc tcp_exact(struct ea_rtp_tcp_state *st, struct ea_rtp_info *info, int dir,
                                const uint8_t *b, size_t n)
{
    uint8_t *copy = malloc(n ? n : 1);
    CU_ASSERT_FATAL(copy != NULL);
    if (n)
        memcpy(copy, b, n);
    enum ea_dis_rc rc = ea_rtp_tcp_feed(st, info, dir, copy, n);
    free(copy);
    return rc;
}

/* A synthetic RTP packet: 12-byte header, 8 bytes of payload. */
static size_t mk_rtp(uint8_t *b, uint8_t b0, uint8_t b1, uint16_t seq, uint32_t ssrc)
{
    memset(b, 0, 20);
    b[0] = b0;
    b[1] = b1;
    b[2] = (uint8_t)(seq >> 8);
    b[3] = (uint8_t)seq;
    b[8] = (uint8_t)(ssrc >> 24);
    b[9] = (uint8_t)(ssrc >> 16);
    b[10] = (uint8_t)(ssrc >> 8);
    b[11] = (uint8_t)ssrc;
    return 20;
}

/* Three real packets in a row decide RTP; the header fields are recorded. */
static void test_decide_udp(void)
{
    struct ea_rtp_info info = {0};

    CU_ASSERT_EQUAL(feed_exact(&info, 0, not_rtp_83, sizeof(not_rtp_83)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(info.bad, 1);
    CU_ASSERT_EQUAL(feed_exact(&info, 0, rtp_csrc_84, sizeof(rtp_csrc_84)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(feed_exact(&info, 0, rtp_csrc_85, sizeof(rtp_csrc_85)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(info.run[0], 2);
    CU_ASSERT_EQUAL(info.is_rtp, 0);
    CU_ASSERT_EQUAL(feed_exact(&info, 0, rtp_csrc_86, sizeof(rtp_csrc_86)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(info.is_rtp, 1);
    CU_ASSERT_EQUAL(info.is_rtcp, 0);
    CU_ASSERT_EQUAL(info.payload_type, 111);
    CU_ASSERT_EQUAL(info.ssrc[0], 0xb80974d8u);
    CU_ASSERT_EQUAL(info.seq[0], 52692);
    CU_ASSERT_EQUAL(info.run[0], 3);
    CU_ASSERT_EQUAL(info.run[1], 0);
    CU_ASSERT_EQUAL(info.bad, 1);
    CU_ASSERT_EQUAL(feed_exact(&info, 0, rtp_csrc_87, sizeof(rtp_csrc_87)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(info.seq[0], 52693);

    /* Header extension (RFC 3550 5.3.1) that fits. */
    struct ea_rtp_info e = {0};
    CU_ASSERT_EQUAL(feed_exact(&e, 1, rtp_ext_69, sizeof(rtp_ext_69)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(feed_exact(&e, 1, rtp_ext_78, sizeof(rtp_ext_78)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(feed_exact(&e, 1, rtp_ext_82, sizeof(rtp_ext_82)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(e.ssrc[1], 0x001a7e73u);
    CU_ASSERT_EQUAL(e.payload_type, 120);
    CU_ASSERT_EQUAL(e.bad, 0);
}

/* Header fields that do not fit, and RTCP's payload types, are misfits. */
static void test_header_misfits(void)
{
    uint8_t b[64];

#define MISFIT(setup) do {                                               \
        struct ea_rtp_info t_ = {0};                                      \
        size_t n_ = sizeof(rtp_ext_69);                                   \
        memcpy(b, rtp_ext_69, n_);                                        \
        setup;                                                            \
        CU_ASSERT_EQUAL(feed_exact(&t_, 0, b, n_), EA_DIS_NEED_MORE);       \
        CU_ASSERT_EQUAL(t_.bad, 1);                                       \
        CU_ASSERT_EQUAL(t_.run[0], 0);                                    \
    } while (0)

    MISFIT(b[0] = 0x50);                    /* version 1 */
    MISFIT(b[0] = 0xd0);                    /* version 3 */
    MISFIT(b[0] = 0x9f);                    /* 15 CSRCs + extension: 76 bytes > 43 */
    MISFIT(b[14] = 0x00; b[15] = 0x08);     /* extension of 8 words: 48 bytes > 43 */
    MISFIT(b[0] = 0xb0; b[n_ - 1] = 0);     /* padding count 0 */
    MISFIT(b[0] = 0xb0; b[n_ - 1] = 24);    /* padding count past the 23-byte payload */
    MISFIT(n_ = 11);                        /* shorter than the fixed header */
    for (uint8_t pt = 72; pt <= 76; pt++)
        MISFIT(b[1] = pt);                  /* RFC 5761: RTCP territory */
#undef MISFIT

    /* Boundary values that still fit. */
    struct ea_rtp_info t = {0};
    memcpy(b, rtp_ext_69, sizeof(rtp_ext_69));
    b[0] = 0xb0;                            /* padding bit set */
    b[sizeof(rtp_ext_69) - 1] = 23;         /* pads the whole payload */
    CU_ASSERT_EQUAL(feed_exact(&t, 0, b, sizeof(rtp_ext_69)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(t.bad, 0);
    memcpy(b, rtp_ext_69, sizeof(rtp_ext_69));
    b[1] = 71;
    CU_ASSERT_EQUAL(feed_exact(&t, 1, b, sizeof(rtp_ext_69)), EA_DIS_NEED_MORE);
    b[1] = 77;
    CU_ASSERT_EQUAL(feed_exact(&t, 1, b, sizeof(rtp_ext_69)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(t.bad, 1);              /* 77 is RTP, but seq did not advance */
    memcpy(b, rtp_csrc_84, sizeof(rtp_csrc_84));
    b[0] = 0x8f;                            /* 15 CSRCs: 72 bytes > 24 */
    CU_ASSERT_EQUAL(feed_exact(&t, 0, b, sizeof(rtp_csrc_84)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(t.bad, 2);
}

/* The run: same SSRC, sequence +1..+100 modulo 2^16, per direction. */
static void test_run_rules(void)
{
    uint8_t b[20];
    struct ea_rtp_info t = {0};
    size_t n;

    /* Wrap-around and the largest step. */
    n = mk_rtp(b, 0x80, 0, 0xFFFF, 7);
    CU_ASSERT_EQUAL(feed_exact(&t, 0, b, n), EA_DIS_NEED_MORE);
    n = mk_rtp(b, 0x80, 0, 0x0063, 7);      /* +100 across the wrap */
    CU_ASSERT_EQUAL(feed_exact(&t, 0, b, n), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(t.run[0], 2);
    /* The other direction keeps its own run. */
    n = mk_rtp(b, 0x80, 0, 5, 9);
    CU_ASSERT_EQUAL(feed_exact(&t, 1, b, n), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(t.run[0], 2);
    CU_ASSERT_EQUAL(t.run[1], 1);
    CU_ASSERT_EQUAL(t.is_rtp, 0);
    /* +101 breaks the run, and the packet starts a new one. */
    n = mk_rtp(b, 0x80, 0, 0x0063 + 101, 7);
    CU_ASSERT_EQUAL(feed_exact(&t, 0, b, n), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(t.bad, 1);
    CU_ASSERT_EQUAL(t.run[0], 1);
    /* A repeated sequence number breaks it. */
    CU_ASSERT_EQUAL(feed_exact(&t, 0, b, n), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(t.bad, 2);
    /* So does another SSRC. */
    n = mk_rtp(b, 0x80, 0, 0x0063 + 102, 8);
    CU_ASSERT_EQUAL(feed_exact(&t, 0, b, n), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(t.bad, 3);
    CU_ASSERT_EQUAL(t.ssrc[0], 8);
    /* A non-RTP packet resets the run to nothing. */
    CU_ASSERT_EQUAL(feed_exact(&t, 0, not_rtp_83, sizeof(not_rtp_83)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(t.bad, 4);
    CU_ASSERT_EQUAL(t.run[0], 0);
    /* Three in a row after that decide. */
    for (uint16_t s = 1000; s < 1003; s++) {
        n = mk_rtp(b, 0x80, 96, s, 8);
        CU_ASSERT_EQUAL(feed_exact(&t, 0, b, n), s < 1002 ? EA_DIS_NEED_MORE : EA_DIS_DONE);
    }
    CU_ASSERT_EQUAL(t.is_rtp, 1);
    CU_ASSERT_EQUAL(t.payload_type, 96);
    /* Once decided, misfits no longer undo it. */
    for (int i = 0; i < 10; i++)
        CU_ASSERT_EQUAL(feed_exact(&t, 0, not_rtp_83, sizeof(not_rtp_83)), EA_DIS_DONE);
}

/* Eight misfits without a decision: NOT_MINE, and it stays so. */
static void test_give_up(void)
{
    uint8_t b[20];
    struct ea_rtp_info t = {0};

    for (int i = 0; i < 7; i++) {
        size_t n = mk_rtp(b, 0x80, 0, (uint16_t)(i * 1000), 1);   /* each jump too far */
        CU_ASSERT_EQUAL(feed_exact(&t, i & 1, b, n), EA_DIS_NEED_MORE);
    }
    CU_ASSERT_EQUAL(t.bad, 5);              /* the first of each direction starts a run */
    CU_ASSERT_EQUAL(feed_exact(&t, 0, not_rtp_83, sizeof(not_rtp_83)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(feed_exact(&t, 0, not_rtp_83, sizeof(not_rtp_83)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(t.bad, 7);
    CU_ASSERT_EQUAL(feed_exact(&t, 0, not_rtp_83, sizeof(not_rtp_83)), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(t.bad, 8);
    struct ea_rtp_info before = t;
    CU_ASSERT_EQUAL(feed_exact(&t, 0, rtp_csrc_84, sizeof(rtp_csrc_84)), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(feed_exact(&t, 0, sip_rtcp, sizeof(sip_rtcp)), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(memcmp(&before, &t, sizeof(t)), 0);
}

/* RFC 3550 6.1/6.4: a compound packet that walks exactly decides RTCP. */
static void test_rtcp_compound(void)
{
    uint8_t b[sizeof(sip_rtcp) + 8];
    struct ea_rtp_info t = {0};

    /* The one RTCP packet of sip.pcap: SR + SDES + BYE. */
    CU_ASSERT_EQUAL(feed_exact(&t, 0, sip_rtcp, sizeof(sip_rtcp)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(t.is_rtcp, 1);
    CU_ASSERT_EQUAL(t.is_rtp, 0);
    CU_ASSERT_EQUAL(t.rtcp_packets, 1);
    memset(&t, 0, sizeof(t));
    CU_ASSERT_EQUAL(feed_exact(&t, 1, multi_rtcp_2, sizeof(multi_rtcp_2)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(t.is_rtcp, 1);

    /* Walks that do not end exactly, or break a rule, decide nothing. */
#define NO_RTCP(len, setup) do {                                        \
        struct ea_rtp_info t_ = {0};                                     \
        memset(b, 0, sizeof(b));                                         \
        memcpy(b, sip_rtcp, sizeof(sip_rtcp));                           \
        setup;                                                           \
        CU_ASSERT_NOT_EQUAL(feed_exact(&t_, 0, b, (len)), EA_DIS_DONE);   \
        CU_ASSERT_EQUAL(t_.is_rtcp, 0);                                  \
        CU_ASSERT_EQUAL(t_.rtcp_packets, 0);                             \
    } while (0)

    NO_RTCP(sizeof(sip_rtcp) + 4, (void)0);            /* 4 stray bytes at the end */
    NO_RTCP(sizeof(sip_rtcp), b[3] = 7);               /* SR one word too long */
    NO_RTCP(sizeof(sip_rtcp), b[3] = 5);               /* SR one word short */
    NO_RTCP(sizeof(sip_rtcp), b[0] = 0x81);            /* SR claims a report block */
    NO_RTCP(sizeof(sip_rtcp), b[0] = 0xa0);            /* padding on the first of three */
    NO_RTCP(sizeof(sip_rtcp), b[28] = 0x41);           /* SDES with version 1 */
    NO_RTCP(sizeof(sip_rtcp), b[77] = 0xd0);           /* BYE with type 208 */
    NO_RTCP(sizeof(sip_rtcp), b[76] = 0xa1);           /* BYE padded, pad count 0 */
    NO_RTCP(sizeof(sip_rtcp), b[76] = 0xa1; b[103] = 29); /* pad count past the packet */
    NO_RTCP(sizeof(sip_rtcp), b[76] = 0x87);           /* BYE lists 7 sources in 6 words */
    NO_RTCP(sizeof(sip_rtcp) - 28, memmove(b, sip_rtcp + 28, sizeof(sip_rtcp) - 28)); /* starts with SDES */
#undef NO_RTCP

    /* RR claiming two report blocks (13 words) in 7 words. */
    uint8_t rr2[sizeof(multi_rtcp_2)];
    memcpy(rr2, multi_rtcp_2, sizeof(rr2));
    rr2[0] = 0x82;
    memset(&t, 0, sizeof(t));
    CU_ASSERT_NOT_EQUAL(feed_exact(&t, 0, rr2, sizeof(rr2)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(t.is_rtcp, 0);

    /* Padding on the last packet with a count that fits is fine. */
    memcpy(b, sip_rtcp, sizeof(sip_rtcp));
    b[76] = 0xa1;
    b[103] = 3;
    memset(&t, 0, sizeof(t));
    CU_ASSERT_EQUAL(feed_exact(&t, 0, b, sizeof(sip_rtcp)), EA_DIS_DONE);
    /* A lone RR with no report blocks is a compound of one. */
    static const uint8_t rr[] = {
        0x80, 0xc9, 0x00, 0x01,                 /* V=2 count=0 PT=201 RR, length 1 word */
        0x01, 0x93, 0x2d, 0xb4,                 /* SSRC of packet sender */
    };
    memset(&t, 0, sizeof(t));
    CU_ASSERT_EQUAL(feed_exact(&t, 0, rr, sizeof(rr)), EA_DIS_DONE);

    /* RTCP on an RTP flow (RFC 5761 mux) is counted, the flow stays RTP. */
    memset(&t, 0, sizeof(t));
    feed_exact(&t, 0, rtp_csrc_84, sizeof(rtp_csrc_84));
    feed_exact(&t, 0, rtp_csrc_85, sizeof(rtp_csrc_85));
    feed_exact(&t, 0, rtp_csrc_86, sizeof(rtp_csrc_86));
    CU_ASSERT_EQUAL(feed_exact(&t, 1, multi_rtcp_2, sizeof(multi_rtcp_2)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(t.is_rtp, 1);
    CU_ASSERT_EQUAL(t.is_rtcp, 0);
    CU_ASSERT_EQUAL(t.rtcp_packets, 1);
}

/* RFC 7983 neighbours on the media 5-tuple, and SRTCP, neither help nor hurt. */
static void test_multiplexed(void)
{
    struct ea_rtp_info t = {0};
    const uint8_t *stun = skype_tcp_req + 2;            /* the message inside the frame */
    size_t stun_len = sizeof(skype_tcp_req) - 2;

    CU_ASSERT_EQUAL(feed_exact(&t, 0, rtp_csrc_84, sizeof(rtp_csrc_84)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(feed_exact(&t, 0, stun, stun_len), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(feed_exact(&t, 0, dtls_appdata, sizeof(dtls_appdata)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(feed_exact(&t, 0, rtp_csrc_85, sizeof(rtp_csrc_85)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(feed_exact(&t, 0, skype_srtcp, sizeof(skype_srtcp)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(t.bad, 0);
    CU_ASSERT_EQUAL(t.rtcp_packets, 0);
    CU_ASSERT_EQUAL(feed_exact(&t, 0, rtp_csrc_86, sizeof(rtp_csrc_86)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(t.run[0], 3);

    /* Look-alikes that are neither: misfits. */
    uint8_t b[sizeof(dtls_appdata)];
    memset(&t, 0, sizeof(t));
    memcpy(b, dtls_appdata, sizeof(b));
    b[1] = 0x03;                                        /* TLS, not DTLS, version */
    CU_ASSERT_EQUAL(feed_exact(&t, 0, b, sizeof(b)), EA_DIS_NEED_MORE);
    memcpy(b, dtls_appdata, sizeof(b));
    b[12]++;                                            /* record longer than the datagram */
    CU_ASSERT_EQUAL(feed_exact(&t, 0, b, sizeof(b)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(feed_exact(&t, 0, stun, stun_len - 4), EA_DIS_NEED_MORE);  /* cut STUN */
    CU_ASSERT_EQUAL(t.bad, 3);
}

/* Each packet cut at every offset: no over-read, and no decision from the stub. */
static void test_truncation(void)
{
    static const struct { const uint8_t *b; size_t n; size_t hdr; } rtp[] = {
        { rtp_csrc_84, sizeof(rtp_csrc_84), 16 },       /* fixed header + 1 CSRC */
        { rtp_ext_69, sizeof(rtp_ext_69), 20 },         /* fixed header + extension */
    };
    for (size_t i = 0; i < sizeof(rtp) / sizeof(rtp[0]); i++) {
        for (size_t len = 0; len < rtp[i].n; len++) {
            struct ea_rtp_info t = {0};
            CU_ASSERT_EQUAL(feed_exact(&t, 0, rtp[i].b, len), EA_DIS_NEED_MORE);
            CU_ASSERT_EQUAL(t.is_rtp, 0);
            CU_ASSERT_EQUAL(t.bad, len < rtp[i].hdr ? 1u : 0u);
            CU_ASSERT_EQUAL(t.run[0], len < rtp[i].hdr ? 0u : 1u);
        }
    }

    /* A compound cut at a packet boundary is still a compound. */
    static const struct { const uint8_t *b; size_t n; size_t ok1, ok2; } rtcp[] = {
        { sip_rtcp, sizeof(sip_rtcp), 28, 76 },
        { multi_rtcp_2, sizeof(multi_rtcp_2), 32, 32 },
        { skype_srtcp, sizeof(skype_srtcp), 28, 28 },
    };
    for (size_t i = 0; i < sizeof(rtcp) / sizeof(rtcp[0]); i++) {
        for (size_t len = 0; len < rtcp[i].n; len++) {
            struct ea_rtp_info t = {0};
            enum ea_dis_rc rc = feed_exact(&t, 0, rtcp[i].b, len);
            int boundary = len == rtcp[i].ok1 || len == rtcp[i].ok2;
            CU_ASSERT_EQUAL(rc, boundary ? EA_DIS_DONE : EA_DIS_NEED_MORE);
            CU_ASSERT_EQUAL(t.is_rtcp, boundary);
            CU_ASSERT_EQUAL(t.is_rtp, 0);
        }
    }
}

/* Builds the RFC 4571 test stream: RTP, STUN, RTP, RTP. Returns its length. */
static size_t stream_4571(uint8_t *out)
{
    size_t n = 0;
    frame_4571(out + n, 0);
    n += FRAME_4571;
    memcpy(out + n, skype_tcp_req, sizeof(skype_tcp_req));
    n += sizeof(skype_tcp_req);
    frame_4571(out + n, 1);
    n += FRAME_4571;
    frame_4571(out + n, 2);
    n += FRAME_4571;
    return n;
}

/* The real RTP-over-TCP flow, split at every byte boundary, gives the same facts. */
static void test_4571_split(void)
{
    static uint8_t s[3 * FRAME_4571 + sizeof(skype_tcp_req)];
    size_t n = stream_4571(s);
    struct ea_rtp_info ref = {0};
    struct ea_rtp_tcp_state *st = ea_rtp_tcp_state_new();

    CU_ASSERT_FATAL(st != NULL);
    CU_ASSERT_EQUAL(tcp_exact(st, &ref, 0, s, n), EA_DIS_DONE);
    ea_rtp_tcp_state_free(st);
    CU_ASSERT_EQUAL(ref.is_rtp, 1);
    CU_ASSERT_EQUAL(ref.rfc4571, 1);
    CU_ASSERT_EQUAL(ref.stun_in_4571, 1);
    CU_ASSERT_EQUAL(ref.payload_type, 8);
    CU_ASSERT_EQUAL(ref.seq[0], 50725);
    CU_ASSERT_EQUAL(ref.run[0], 3);
    CU_ASSERT_EQUAL(ref.bad, 0);

    for (size_t k = 0; k <= n; k++) {
        struct ea_rtp_info t = {0};
        st = ea_rtp_tcp_state_new();
        CU_ASSERT_FATAL(st != NULL);
        enum ea_dis_rc rc1 = tcp_exact(st, &t, 0, s, k);
        enum ea_dis_rc rc2 = tcp_exact(st, &t, 0, s + k, n - k);
        CU_ASSERT_EQUAL(rc1, k == n ? EA_DIS_DONE : EA_DIS_NEED_MORE);
        CU_ASSERT_EQUAL(rc2, EA_DIS_DONE);
        CU_ASSERT_EQUAL(memcmp(&t, &ref, sizeof(t)), 0);
        ea_rtp_tcp_state_free(st);
    }

    /* One byte at a time: NEED_MORE until the last byte of the third RTP frame. */
    struct ea_rtp_info t = {0};
    st = ea_rtp_tcp_state_new();
    CU_ASSERT_FATAL(st != NULL);
    for (size_t i = 0; i < n; i++) {
        enum ea_dis_rc rc = ea_rtp_tcp_feed(st, &t, 0, s + i, 1);
        CU_ASSERT_EQUAL(rc, i + 1 == n ? EA_DIS_DONE : EA_DIS_NEED_MORE);
    }
    CU_ASSERT_EQUAL(memcmp(&t, &ref, sizeof(t)), 0);
    ea_rtp_tcp_state_free(st);

    /* A single RTP frame fits but does not yet show the framing is real. */
    memset(&t, 0, sizeof(t));
    st = ea_rtp_tcp_state_new();
    CU_ASSERT_FATAL(st != NULL);
    CU_ASSERT_EQUAL(tcp_exact(st, &t, 0, s, FRAME_4571), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(t.run[0], 1);
    CU_ASSERT_EQUAL(t.rfc4571, 0);
    ea_rtp_tcp_state_free(st);
}

/* Every prefix of the stream: no over-read, no decision, no misfit. */
static void test_4571_truncation(void)
{
    static uint8_t s[3 * FRAME_4571 + sizeof(skype_tcp_req)];
    size_t n = stream_4571(s);

    for (size_t len = 0; len < n; len++) {
        struct ea_rtp_info t = {0};
        struct ea_rtp_tcp_state *st = ea_rtp_tcp_state_new();
        CU_ASSERT_FATAL(st != NULL);
        CU_ASSERT_EQUAL(tcp_exact(st, &t, 0, s, len), EA_DIS_NEED_MORE);
        CU_ASSERT_EQUAL(t.bad, 0);
        CU_ASSERT_EQUAL(t.is_rtp, 0);
        ea_rtp_tcp_state_free(st);
    }
}

/* Frames longer than what is kept: header checks still hold, the last byte too. */
static void test_4571_long_frames(void)
{
    const size_t flen = 65535;
    uint8_t *s = malloc(3 * (2 + flen));
    CU_ASSERT_FATAL(s != NULL);

    for (int pad_ok = 0; pad_ok <= 1; pad_ok++) {
        size_t n = 0;
        for (uint16_t i = 0; i < 3; i++) {
            uint8_t *f = s + n;
            memset(f, 0x5a, 2 + flen);
            f[0] = 0xff;                                /* RFC 4571 length 65535 */
            f[1] = 0xff;
            mk_rtp(f + 2, 0xa0, 96, (uint16_t)(10 + i), 0x1234);   /* padding bit */
            f[2 + flen - 1] = pad_ok ? 4 : 0;           /* the packet's last byte */
            n += 2 + flen;
        }
        struct ea_rtp_info t = {0};
        struct ea_rtp_tcp_state *st = ea_rtp_tcp_state_new();
        CU_ASSERT_FATAL(st != NULL);
        /* In uneven pieces, to cross the kept/skipped edge mid-read. */
        enum ea_dis_rc rc = EA_DIS_NEED_MORE;
        for (size_t off = 0; off < n; off += 1499)
            rc = ea_rtp_tcp_feed(st, &t, 1, s + off, n - off < 1499 ? n - off : 1499);
        CU_ASSERT_EQUAL(rc, pad_ok ? EA_DIS_DONE : EA_DIS_NEED_MORE);
        CU_ASSERT_EQUAL(t.is_rtp, pad_ok);
        CU_ASSERT_EQUAL(t.rfc4571, pad_ok);
        CU_ASSERT_EQUAL(t.bad, pad_ok ? 0u : 3u);
        CU_ASSERT_EQUAL(t.seq[1], pad_ok ? 12 : 0);
        ea_rtp_tcp_state_free(st);
    }
    free(s);
}

/*
 * An RTCP frame longer than what is kept cannot be walked to its end: a walk
 * that happens to end exactly at the kept edge proves nothing.
 */
static void test_4571_long_rtcp(void)
{
    static uint8_t f[2 + 1600];
    struct ea_rtp_info t = {0};
    struct ea_rtp_tcp_state *st = ea_rtp_tcp_state_new();
    CU_ASSERT_FATAL(st != NULL);

    memset(f, 0x5a, sizeof(f));
    f[0] = 0x06;                                /* RFC 4571 length 1600 */
    f[1] = 0x40;
    f[2] = 0x80;                                /* V=2 count=0 */
    f[3] = 201;                                 /* RR */
    f[4] = 0x01;                                /* length 374 words: 1500 bytes, */
    f[5] = 0x76;                                /* ending at the kept edge */
    CU_ASSERT_EQUAL(tcp_exact(st, &t, 0, f, sizeof(f)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(t.is_rtcp, 0);
    CU_ASSERT_EQUAL(t.rtcp_packets, 0);
    ea_rtp_tcp_state_free(st);
}

/* Zero-length frames and frames of something else are misfits: 8 give up. */
static void test_4571_misfits(void)
{
    static const uint8_t zero[2] = { 0x00, 0x00 };      /* RFC 4571 length 0 */
    static const uint8_t text[6] = { 0x00, 0x04, 'A', 'B', 'C', 'D' };  /* length 4, not RTP */
    struct ea_rtp_info t = {0};
    struct ea_rtp_tcp_state *st = ea_rtp_tcp_state_new();
    CU_ASSERT_FATAL(st != NULL);

    for (int i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(tcp_exact(st, &t, 0, zero, sizeof(zero)), EA_DIS_NEED_MORE);
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(tcp_exact(st, &t, 1, text, sizeof(text)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(t.bad, 7);
    CU_ASSERT_EQUAL(t.rfc4571, 0);
    CU_ASSERT_EQUAL(tcp_exact(st, &t, 1, text, sizeof(text)), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(t.bad, 8);
    /* Sticky: real RTP frames no longer count. */
    uint8_t f[FRAME_4571];
    frame_4571(f, 0);
    CU_ASSERT_EQUAL(tcp_exact(st, &t, 0, f, sizeof(f)), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(t.run[0], 0);
    ea_rtp_tcp_state_free(st);

    /* A long frame whose first byte opens none of them is judged at once. */
    static const uint8_t xml[] = { '<', '?', 'x', 'm', 'l' };    /* length 0x3c3f, then 'x' */
    memset(&t, 0, sizeof(t));
    st = ea_rtp_tcp_state_new();
    CU_ASSERT_FATAL(st != NULL);
    CU_ASSERT_EQUAL(tcp_exact(st, &t, 0, xml, 3), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(t.bad, 1);
    CU_ASSERT_EQUAL(tcp_exact(st, &t, 0, xml + 3, 2), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(t.bad, 1);                          /* and only once */
    ea_rtp_tcp_state_free(st);
}

/* ICE-TCP (RFC 6544) checks only: STUN facts are kept, no RTP decision. */
static void test_4571_stun_only(void)
{
    struct ea_rtp_info t = {0};
    struct ea_rtp_tcp_state *st = ea_rtp_tcp_state_new();
    CU_ASSERT_FATAL(st != NULL);

    CU_ASSERT_PTR_NULL(ea_rtp_tcp_stun(NULL));
    CU_ASSERT_EQUAL(tcp_exact(st, &t, 0, skype_tcp_req, sizeof(skype_tcp_req)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(tcp_exact(st, &t, 1, skype_tcp_ok, sizeof(skype_tcp_ok)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(t.stun_in_4571, 1);
    CU_ASSERT_EQUAL(t.rfc4571, 1);
    CU_ASSERT_EQUAL(t.bad, 0);
    const struct ea_stun_info *si = ea_rtp_tcp_stun(st);
    CU_ASSERT_PTR_NOT_NULL_FATAL(si);
    CU_ASSERT_EQUAL(si->messages[0], 1);
    CU_ASSERT_EQUAL(si->messages[1], 1);
    CU_ASSERT_EQUAL(si->requests[0], 1);
    CU_ASSERT_EQUAL(si->responses[1], 1);
    CU_ASSERT_EQUAL(si->first_method, 0x001);
    CU_ASSERT_EQUAL(si->ms_attrs, 1);
    CU_ASSERT_EQUAL(si->msturn, 1);
    CU_ASSERT_EQUAL(si->ms_version, 3);
    ea_rtp_tcp_state_free(st);
}

/* The two directions frame independently, even when their segments interleave. */
static void test_4571_directions(void)
{
    uint8_t f[3][FRAME_4571];
    struct ea_rtp_info t = {0};
    struct ea_rtp_tcp_state *st = ea_rtp_tcp_state_new();
    CU_ASSERT_FATAL(st != NULL);

    for (int i = 0; i < 3; i++)
        frame_4571(f[i], i);
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(tcp_exact(st, &t, 0, f[i], 7), EA_DIS_NEED_MORE);
        CU_ASSERT_EQUAL(tcp_exact(st, &t, 1, skype_tcp_ok, sizeof(skype_tcp_ok)), EA_DIS_NEED_MORE);
        enum ea_dis_rc rc = tcp_exact(st, &t, 0, f[i] + 7, FRAME_4571 - 7);
        CU_ASSERT_EQUAL(rc, i == 2 ? EA_DIS_DONE : EA_DIS_NEED_MORE);
    }
    CU_ASSERT_EQUAL(t.run[0], 3);
    CU_ASSERT_EQUAL(t.run[1], 0);
    CU_ASSERT_EQUAL(t.bad, 0);
    CU_ASSERT_EQUAL(ea_rtp_tcp_stun(st)->messages[1], 3);
    ea_rtp_tcp_state_free(st);
}

static void test_null(void)
{
    struct ea_rtp_info t = {0};
    struct ea_rtp_tcp_state *st = ea_rtp_tcp_state_new();
    CU_ASSERT_FATAL(st != NULL);

    CU_ASSERT_EQUAL(ea_rtp_parse(NULL, 0, rtp_csrc_84, sizeof(rtp_csrc_84)), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(ea_rtp_tcp_feed(NULL, &t, 0, skype_tcp_req, sizeof(skype_tcp_req)), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(ea_rtp_tcp_feed(st, NULL, 0, skype_tcp_req, sizeof(skype_tcp_req)), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(ea_rtp_tcp_feed(st, &t, 0, NULL, 10), EA_DIS_NEED_MORE);   /* nothing to read */
    CU_ASSERT_EQUAL(ea_rtp_parse(&t, 0, NULL, 0), EA_DIS_NEED_MORE);           /* empty: a misfit */
    CU_ASSERT_EQUAL(t.bad, 1);
    ea_rtp_tcp_state_free(st);
    ea_rtp_tcp_state_free(NULL);
}

/* ea_rtp_matched: 0 for NULL and a fresh info, 1 once decided as RTP or RTCP. */
static void test_matched(void)
{
    CU_ASSERT_FALSE(ea_rtp_matched(NULL));
    struct ea_rtp_info *s = ea_rtp_info_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_FALSE(ea_rtp_matched(s));
    s->run[0] = 2;
    s->stun_in_4571 = 1;                /* STUN in the framing is the STUN dissector's match */
    CU_ASSERT_FALSE(ea_rtp_matched(s));
    s->is_rtcp = 1;
    CU_ASSERT_TRUE(ea_rtp_matched(s));
    ea_rtp_info_free(s);
    ea_rtp_info_free(NULL);
}

void ea_test_add_dissect_rtp(void)
{
    EA_SUITE("dissect-rtp",
             { "matched, info new and free", test_matched },
             { "RTP decided over UDP", test_decide_udp },
             { "header misfits", test_header_misfits },
             { "run rules", test_run_rules },
             { "eight misfits give up", test_give_up },
             { "RTCP compound walk", test_rtcp_compound },
             { "STUN, DTLS, SRTCP multiplexed", test_multiplexed },
             { "truncation", test_truncation },
             { "RFC 4571 split everywhere", test_4571_split },
             { "RFC 4571 truncation", test_4571_truncation },
             { "RFC 4571 long frames", test_4571_long_frames },
             { "RFC 4571 long RTCP", test_4571_long_rtcp },
             { "RFC 4571 misfits", test_4571_misfits },
             { "RFC 4571 STUN only", test_4571_stun_only },
             { "RFC 4571 directions", test_4571_directions },
             { "NULL arguments", test_null });
}
