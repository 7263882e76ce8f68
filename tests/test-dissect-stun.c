/* test-dissect-stun.c: STUN/TURN/MS-TURN recognition over real captured messages and crafted breakage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests.h"
#include "dissect-stun.h"

/*
 * Real messages, extracted with tshark -T fields -e udp.payload from the
 * captures named above each array (see captures/real/SOURCES.md in the shared
 * capture set: nDPI regression captures) and from coturn 4.6 turnserver and
 * turnutils_* run on loopback in a private network namespace.
 */

/* stun.pcap frame 67, 192.168.12.169:38123 <-> 31.13.86.54:40003: Allocate Request (28 bytes) */
static const uint8_t fb_alloc_req[] = {
    0x00, 0x03, 0x00, 0x08,                                        /* type 0x0003 Allocate Request, length 8 */
    0x21, 0x12, 0xa4, 0x42,                                        /* magic cookie */
    0x41, 0x4b, 0x37, 0x51, 0x50, 0x79, 0x50, 0x4b, 0x39, 0x65, 0x75, 0x56, /* transaction id */
    0x00, 0x19, 0x00, 0x04,                                        /* REQUESTED-TRANSPORT, length 4 */
    0x11, 0x00, 0x00, 0x00,
};

/* stun.pcap frame 68, 192.168.12.169:38123 <-> 31.13.86.54:40003: Allocate Error Response 401 (104 bytes) */
static const uint8_t fb_alloc_401[] = {
    0x01, 0x13, 0x00, 0x54,                                        /* type 0x0113 Allocate Error Response, length 84 */
    0x21, 0x12, 0xa4, 0x42,                                        /* magic cookie */
    0x41, 0x4b, 0x37, 0x51, 0x50, 0x79, 0x50, 0x4b, 0x39, 0x65, 0x75, 0x56, /* transaction id */
    0x00, 0x09, 0x00, 0x10,                                        /* ERROR-CODE, length 16 */
    0x00, 0x00, 0x04, 0x01, 0x75, 0x6e, 0x61, 0x75, 0x74, 0x68, 0x6f, 0x72,
    0x69, 0x7a, 0x65, 0x64,
    0x00, 0x15, 0x00, 0x28,                                        /* NONCE, length 40 */
    0x62, 0x62, 0x30, 0x33, 0x31, 0x64, 0x36, 0x31, 0x63, 0x63, 0x63, 0x31,
    0x62, 0x65, 0x38, 0x32, 0x65, 0x32, 0x34, 0x30, 0x31, 0x34, 0x34, 0x33,
    0x35, 0x65, 0x64, 0x35, 0x32, 0x66, 0x32, 0x36, 0x66, 0x62, 0x61, 0x36,
    0x32, 0x34, 0x38, 0x33,
    0x00, 0x14, 0x00, 0x0f,                                        /* REALM, length 15 */
    0x74, 0x75, 0x72, 0x6e, 0x65, 0x72, 0x2e, 0x66, 0x61, 0x63, 0x65, 0x62,
    0x6f, 0x6f, 0x6b,
    0x00,                                                          /* padding */
};

/* stun.pcap frame 70, 192.168.12.169:38123 <-> 31.13.86.54:40003: Allocate Success Response (76 bytes) */
static const uint8_t fb_alloc_ok[] = {
    0x01, 0x03, 0x00, 0x38,                                        /* type 0x0103 Allocate Success Response, length 56 */
    0x21, 0x12, 0xa4, 0x42,                                        /* magic cookie */
    0x35, 0x7a, 0x55, 0x6a, 0x4d, 0x58, 0x48, 0x76, 0x65, 0x77, 0x2b, 0x73, /* transaction id */
    0x00, 0x20, 0x00, 0x08,                                        /* XOR-MAPPED-ADDRESS, length 8 */
    0x00, 0x01, 0x0a, 0x88, 0x7c, 0x3d, 0x46, 0x43,
    0x00, 0x16, 0x00, 0x08,                                        /* XOR-RELAYED-ADDRESS, length 8 */
    0x00, 0x01, 0xf3, 0x0f, 0x3e, 0x1f, 0xf2, 0x74,
    0x00, 0x0d, 0x00, 0x04,                                        /* LIFETIME, length 4 */
    0x00, 0x00, 0x03, 0x84,
    0x00, 0x08, 0x00, 0x14,                                        /* MESSAGE-INTEGRITY, length 20 */
    0x0e, 0x9d, 0x91, 0x4c, 0xa9, 0x2c, 0xdd, 0xc7, 0x97, 0x94, 0x80, 0x99,
    0xcb, 0x28, 0x5b, 0xc6, 0x30, 0x9a, 0xb6, 0x53,
};

/* stun.pcap frame 71, 192.168.12.169:38123 <-> 31.13.86.54:40003: CreatePermission Request (140 bytes) */
static const uint8_t fb_perm_req[] = {
    0x00, 0x08, 0x00, 0x78,                                        /* type 0x0008 CreatePermission Request, length 120 */
    0x21, 0x12, 0xa4, 0x42,                                        /* magic cookie */
    0x46, 0x62, 0x2f, 0x52, 0x31, 0x50, 0x35, 0x70, 0x50, 0x4d, 0x59, 0x64, /* transaction id */
    0x00, 0x12, 0x00, 0x08,                                        /* XOR-PEER-ADDRESS, length 8 */
    0x00, 0x01, 0x8c, 0xb9, 0xe1, 0xba, 0xa4, 0x24,
    0x00, 0x06, 0x00, 0x10,                                        /* USERNAME, length 16 */
    0x4d, 0x66, 0x32, 0x68, 0x39, 0x48, 0x69, 0x35, 0x61, 0x50, 0x4d, 0x52,
    0x70, 0x6c, 0x46, 0x31,
    0x00, 0x14, 0x00, 0x0f,                                        /* REALM, length 15 */
    0x74, 0x75, 0x72, 0x6e, 0x65, 0x72, 0x2e, 0x66, 0x61, 0x63, 0x65, 0x62,
    0x6f, 0x6f, 0x6b,
    0x00,                                                          /* padding */
    0x00, 0x15, 0x00, 0x28,                                        /* NONCE, length 40 */
    0x62, 0x62, 0x30, 0x33, 0x31, 0x64, 0x36, 0x31, 0x63, 0x63, 0x63, 0x31,
    0x62, 0x65, 0x38, 0x32, 0x65, 0x32, 0x34, 0x30, 0x31, 0x34, 0x34, 0x33,
    0x35, 0x65, 0x64, 0x35, 0x32, 0x66, 0x32, 0x36, 0x66, 0x62, 0x61, 0x36,
    0x32, 0x34, 0x38, 0x33,
    0x00, 0x08, 0x00, 0x14,                                        /* MESSAGE-INTEGRITY, length 20 */
    0x4c, 0x66, 0xdb, 0xfa, 0x44, 0xca, 0x94, 0xa2, 0xa6, 0x62, 0x8f, 0xbf,
    0x27, 0x0e, 0x5e, 0x84, 0x45, 0x98, 0x75, 0x3f,
};

/* stun.pcap frame 73, 192.168.12.169:38123 <-> 31.13.86.54:40003: CreatePermission Error Response 403 (112 bytes) */
static const uint8_t fb_perm_403[] = {
    0x01, 0x18, 0x00, 0x5c,                                        /* type 0x0118 CreatePermission Error Response, length 92 */
    0x21, 0x12, 0xa4, 0x42,                                        /* magic cookie */
    0x46, 0x62, 0x2f, 0x52, 0x31, 0x50, 0x35, 0x70, 0x50, 0x4d, 0x59, 0x64, /* transaction id */
    0x00, 0x09, 0x00, 0x15,                                        /* ERROR-CODE, length 21 */
    0x00, 0x00, 0x04, 0x03, 0x46, 0x6f, 0x72, 0x62, 0x69, 0x64, 0x64, 0x65,
    0x6e, 0x20, 0x41, 0x64, 0x64, 0x72, 0x65, 0x73, 0x73,
    0x00, 0x00, 0x00,                                              /* padding */
    0x00, 0x15, 0x00, 0x28,                                        /* NONCE, length 40 */
    0x63, 0x31, 0x30, 0x33, 0x31, 0x64, 0x36, 0x31, 0x32, 0x34, 0x32, 0x63,
    0x33, 0x61, 0x37, 0x33, 0x62, 0x64, 0x30, 0x64, 0x31, 0x37, 0x30, 0x37,
    0x64, 0x33, 0x33, 0x39, 0x61, 0x34, 0x66, 0x62, 0x65, 0x38, 0x64, 0x33,
    0x61, 0x64, 0x34, 0x65,
    0x00, 0x14, 0x00, 0x0f,                                        /* REALM, length 15 */
    0x74, 0x75, 0x72, 0x6e, 0x65, 0x72, 0x2e, 0x66, 0x61, 0x63, 0x65, 0x62,
    0x6f, 0x6f, 0x6b,
    0x00,                                                          /* padding */
};

/* stun.pcap frame 76, 192.168.12.169:38123 <-> 31.13.86.54:40003: CreatePermission Success Response (44 bytes) */
static const uint8_t fb_perm_ok[] = {
    0x01, 0x08, 0x00, 0x18,                                        /* type 0x0108 CreatePermission Success Response, length 24 */
    0x21, 0x12, 0xa4, 0x42,                                        /* magic cookie */
    0x77, 0x46, 0x6b, 0x30, 0x66, 0x36, 0x6f, 0x68, 0x31, 0x6e, 0x46, 0x7a, /* transaction id */
    0x00, 0x08, 0x00, 0x14,                                        /* MESSAGE-INTEGRITY, length 20 */
    0xc5, 0x3b, 0xa8, 0x4c, 0x1d, 0x1f, 0x0d, 0x0b, 0x7a, 0xb1, 0xab, 0x3f,
    0x88, 0x7e, 0xe2, 0x17, 0x25, 0x37, 0x0b, 0xd9,
};

/* stun.pcap frame 77, 192.168.12.169:38123 <-> 31.13.86.54:40003: Send Indication (136 bytes) */
static const uint8_t fb_send_ind[] = {
    0x00, 0x16, 0x00, 0x74,                                        /* type 0x0016 Send Indication, length 116 */
    0x21, 0x12, 0xa4, 0x42,                                        /* magic cookie */
    0x7a, 0x66, 0x43, 0x57, 0x44, 0x62, 0x2f, 0x7a, 0x42, 0x47, 0x32, 0x43, /* transaction id */
    0x00, 0x12, 0x00, 0x08,                                        /* XOR-PEER-ADDRESS, length 8 */
    0x00, 0x01, 0x8c, 0xb9, 0x98, 0xb8, 0x2f, 0x43,
    0x00, 0x13, 0x00, 0x64,                                        /* DATA, length 100 */
    0x00, 0x01, 0x00, 0x50, 0x21, 0x12, 0xa4, 0x42, 0x47, 0x53, 0x65, 0x33,
    0x4b, 0x75, 0x6d, 0x33, 0x4e, 0x68, 0x49, 0x50, 0x00, 0x06, 0x00, 0x09,
    0x6b, 0x53, 0x74, 0x79, 0x3a, 0x58, 0x70, 0x4a, 0x73, 0x00, 0x00, 0x00,
    0xc0, 0x57, 0x00, 0x04, 0x00, 0x03, 0x00, 0x0a, 0x80, 0x2a, 0x00, 0x08,
    0xf4, 0xd3, 0xbd, 0x50, 0xae, 0xe2, 0xdd, 0xe7, 0x00, 0x25, 0x00, 0x00,
    0x00, 0x24, 0x00, 0x04, 0x6e, 0x7f, 0x23, 0xff, 0x00, 0x08, 0x00, 0x14,
    0x48, 0x1f, 0x76, 0x73, 0x04, 0x01, 0xd4, 0xc4, 0x4e, 0xb8, 0x6a, 0x45,
    0x5b, 0x89, 0x10, 0xd8, 0x4d, 0x04, 0xb7, 0x92, 0x80, 0x28, 0x00, 0x04,
    0x01, 0x47, 0x7a, 0x4d,
};

/* stun.pcap frame 79, 192.168.12.169:38123 <-> 31.13.86.54:40003: Data Indication (132 bytes) */
static const uint8_t fb_data_ind[] = {
    0x00, 0x17, 0x00, 0x70,                                        /* type 0x0017 Data Indication, length 112 */
    0x21, 0x12, 0xa4, 0x42,                                        /* magic cookie */
    0x69, 0x75, 0x75, 0x66, 0x6a, 0x66, 0x79, 0x6b, 0x75, 0x71, 0x68, 0x66, /* transaction id */
    0x00, 0x12, 0x00, 0x08,                                        /* XOR-PEER-ADDRESS, length 8 */
    0x00, 0x01, 0x0e, 0x82, 0x98, 0xb8, 0x2f, 0x43,
    0x00, 0x13, 0x00, 0x60,                                        /* DATA, length 96 */
    0x00, 0x01, 0x00, 0x4c, 0x21, 0x12, 0xa4, 0x42, 0x35, 0x38, 0x61, 0x6c,
    0x6a, 0x4e, 0x6f, 0x42, 0x52, 0x31, 0x61, 0x68, 0x00, 0x06, 0x00, 0x09,
    0x58, 0x70, 0x4a, 0x73, 0x3a, 0x6b, 0x53, 0x74, 0x79, 0x00, 0x00, 0x00,
    0xc0, 0x57, 0x00, 0x04, 0x00, 0x04, 0x00, 0x0a, 0x80, 0x29, 0x00, 0x08,
    0xba, 0x2e, 0xf3, 0x24, 0x2b, 0x85, 0xe3, 0xd6, 0x00, 0x24, 0x00, 0x04,
    0x6e, 0x7f, 0x1e, 0xff, 0x00, 0x08, 0x00, 0x14, 0x76, 0x2a, 0xfd, 0x91,
    0x4f, 0x72, 0xb0, 0xe3, 0x5a, 0xec, 0x7b, 0x72, 0x58, 0x4d, 0x35, 0x2a,
    0x53, 0x42, 0x68, 0x57, 0x80, 0x28, 0x00, 0x04, 0xc8, 0xc4, 0xd2, 0x62,
};

/* stun.pcap frame 104, 192.168.12.169:38123 <-> 31.13.86.54:40003: ChannelBind Request (148 bytes) */
static const uint8_t fb_bind_req[] = {
    0x00, 0x09, 0x00, 0x80,                                        /* type 0x0009 ChannelBind Request, length 128 */
    0x21, 0x12, 0xa4, 0x42,                                        /* magic cookie */
    0x76, 0x72, 0x38, 0x74, 0x6a, 0x32, 0x6f, 0x6e, 0x34, 0x50, 0x48, 0x47, /* transaction id */
    0x00, 0x0c, 0x00, 0x04,                                        /* CHANNEL-NUMBER, length 4 */
    0x40, 0x03, 0x00, 0x00,
    0x00, 0x12, 0x00, 0x08,                                        /* XOR-PEER-ADDRESS, length 8 */
    0x00, 0x01, 0x0e, 0x82, 0x98, 0xb8, 0x2f, 0x43,
    0x00, 0x06, 0x00, 0x10,                                        /* USERNAME, length 16 */
    0x4d, 0x66, 0x32, 0x68, 0x39, 0x48, 0x69, 0x35, 0x61, 0x50, 0x4d, 0x52,
    0x70, 0x6c, 0x46, 0x31,
    0x00, 0x14, 0x00, 0x0f,                                        /* REALM, length 15 */
    0x74, 0x75, 0x72, 0x6e, 0x65, 0x72, 0x2e, 0x66, 0x61, 0x63, 0x65, 0x62,
    0x6f, 0x6f, 0x6b,
    0x00,                                                          /* padding */
    0x00, 0x15, 0x00, 0x28,                                        /* NONCE, length 40 */
    0x62, 0x62, 0x30, 0x33, 0x31, 0x64, 0x36, 0x31, 0x63, 0x63, 0x63, 0x31,
    0x62, 0x65, 0x38, 0x32, 0x65, 0x32, 0x34, 0x30, 0x31, 0x34, 0x34, 0x33,
    0x35, 0x65, 0x64, 0x35, 0x32, 0x66, 0x32, 0x36, 0x66, 0x62, 0x61, 0x36,
    0x32, 0x34, 0x38, 0x33,
    0x00, 0x08, 0x00, 0x14,                                        /* MESSAGE-INTEGRITY, length 20 */
    0xc4, 0xa0, 0xa2, 0x85, 0xef, 0x11, 0x24, 0x0f, 0x8d, 0x09, 0x7e, 0x4c,
    0x68, 0x68, 0x26, 0x44, 0x5f, 0x24, 0xde, 0xab,
};

/* stun.pcap frame 106, 192.168.12.169:38123 <-> 31.13.86.54:40003: ChannelBind Success Response (44 bytes) */
static const uint8_t fb_bind_ok[] = {
    0x01, 0x09, 0x00, 0x18,                                        /* type 0x0109 ChannelBind Success Response, length 24 */
    0x21, 0x12, 0xa4, 0x42,                                        /* magic cookie */
    0x76, 0x72, 0x38, 0x74, 0x6a, 0x32, 0x6f, 0x6e, 0x34, 0x50, 0x48, 0x47, /* transaction id */
    0x00, 0x08, 0x00, 0x14,                                        /* MESSAGE-INTEGRITY, length 20 */
    0x95, 0x26, 0x32, 0x8e, 0x4b, 0xb4, 0x33, 0x2c, 0xba, 0xb6, 0x9c, 0xff,
    0x00, 0xd1, 0xc5, 0xbe, 0x00, 0xb1, 0x23, 0x14,
};

/* stun.pcap frame 140, 192.168.12.169:38123 <-> 31.13.86.54:40003: Refresh Request (136 bytes) */
static const uint8_t fb_refresh_req[] = {
    0x00, 0x04, 0x00, 0x74,                                        /* type 0x0004 Refresh Request, length 116 */
    0x21, 0x12, 0xa4, 0x42,                                        /* magic cookie */
    0x62, 0x36, 0x46, 0x4c, 0x35, 0x68, 0x51, 0x4c, 0x48, 0x57, 0x78, 0x38, /* transaction id */
    0x00, 0x0d, 0x00, 0x04,                                        /* LIFETIME, length 4 */
    0x00, 0x00, 0x00, 0x00,
    0x00, 0x06, 0x00, 0x10,                                        /* USERNAME, length 16 */
    0x4d, 0x66, 0x32, 0x68, 0x39, 0x48, 0x69, 0x35, 0x61, 0x50, 0x4d, 0x52,
    0x70, 0x6c, 0x46, 0x31,
    0x00, 0x14, 0x00, 0x0f,                                        /* REALM, length 15 */
    0x74, 0x75, 0x72, 0x6e, 0x65, 0x72, 0x2e, 0x66, 0x61, 0x63, 0x65, 0x62,
    0x6f, 0x6f, 0x6b,
    0x00,                                                          /* padding */
    0x00, 0x15, 0x00, 0x28,                                        /* NONCE, length 40 */
    0x62, 0x62, 0x30, 0x33, 0x31, 0x64, 0x36, 0x31, 0x63, 0x63, 0x63, 0x31,
    0x62, 0x65, 0x38, 0x32, 0x65, 0x32, 0x34, 0x30, 0x31, 0x34, 0x34, 0x33,
    0x35, 0x65, 0x64, 0x35, 0x32, 0x66, 0x32, 0x36, 0x66, 0x62, 0x61, 0x36,
    0x32, 0x34, 0x38, 0x33,
    0x00, 0x08, 0x00, 0x14,                                        /* MESSAGE-INTEGRITY, length 20 */
    0xca, 0x03, 0xed, 0x14, 0x80, 0xf6, 0x5f, 0xa4, 0x65, 0x6d, 0x3e, 0xfb,
    0x22, 0xc8, 0x58, 0xdc, 0x72, 0x41, 0x10, 0x7a,
};

/* stun.pcap frame 141, 192.168.12.169:38123 <-> 31.13.86.54:40003: Refresh Success Response (52 bytes) */
static const uint8_t fb_refresh_ok[] = {
    0x01, 0x04, 0x00, 0x20,                                        /* type 0x0104 Refresh Success Response, length 32 */
    0x21, 0x12, 0xa4, 0x42,                                        /* magic cookie */
    0x62, 0x36, 0x46, 0x4c, 0x35, 0x68, 0x51, 0x4c, 0x48, 0x57, 0x78, 0x38, /* transaction id */
    0x00, 0x0d, 0x00, 0x04,                                        /* LIFETIME, length 4 */
    0x00, 0x00, 0x00, 0x00,
    0x00, 0x08, 0x00, 0x14,                                        /* MESSAGE-INTEGRITY, length 20 */
    0xfb, 0xd1, 0xae, 0x63, 0x69, 0xfd, 0x01, 0x51, 0x38, 0x91, 0x1b, 0xdc,
    0xf3, 0xe5, 0x69, 0x5a, 0xce, 0x58, 0xec, 0xb5,
};

/* stun.pcap frame 110: TURN ChannelData (100 bytes) */
static const uint8_t fb_chandata[] = {
    0x40, 0x03, 0x00, 0x60,                                        /* ChannelData channel 0x4003, length 96 */
    0x00, 0x01, 0x00, 0x4c, 0x21, 0x12, 0xa4, 0x42, 0x42, 0x4a, 0x66, 0x50, /* application data */
    0x52, 0x2b, 0x34, 0x70, 0x46, 0x46, 0x52, 0x37, 0x00, 0x06, 0x00, 0x09,
    0x58, 0x70, 0x4a, 0x73, 0x3a, 0x6b, 0x53, 0x74, 0x79, 0x00, 0x00, 0x00,
    0xc0, 0x57, 0x00, 0x04, 0x00, 0x04, 0x00, 0x0a, 0x80, 0x29, 0x00, 0x08,
    0xba, 0x2e, 0xf3, 0x24, 0x2b, 0x85, 0xe3, 0xd6, 0x00, 0x24, 0x00, 0x04,
    0x6e, 0x7f, 0x1e, 0xff, 0x00, 0x08, 0x00, 0x14, 0x9e, 0x54, 0x82, 0x71,
    0x5a, 0xb7, 0x20, 0x39, 0x75, 0xf0, 0xf5, 0x12, 0xc5, 0xea, 0xe2, 0x77,
    0x79, 0xcf, 0x80, 0x1f, 0x80, 0x28, 0x00, 0x04, 0x59, 0xf5, 0xcd, 0xce,
};

/* coturn turnutils_stunclient on loopback: Binding Request, no attributes (20 bytes) */
static const uint8_t coturn_binding_req[] = {
    0x00, 0x01, 0x00, 0x00,                                        /* type 0x0001 Binding Request, length 0 */
    0x21, 0x12, 0xa4, 0x42,                                        /* magic cookie */
    0xff, 0xec, 0x3e, 0x23, 0xa0, 0x2f, 0x03, 0xab, 0x62, 0xbf, 0x2f, 0x45, /* transaction id */
};

/* coturn turnserver on loopback: Binding Success Response (80 bytes) */
static const uint8_t coturn_binding_ok[] = {
    0x01, 0x01, 0x00, 0x3c,                                        /* type 0x0101 Binding Success Response, length 60 */
    0x21, 0x12, 0xa4, 0x42,                                        /* magic cookie */
    0xff, 0xec, 0x3e, 0x23, 0xa0, 0x2f, 0x03, 0xab, 0x62, 0xbf, 0x2f, 0x45, /* transaction id */
    0x00, 0x20, 0x00, 0x08,                                        /* XOR-MAPPED-ADDRESS, length 8 */
    0x00, 0x01, 0xa8, 0x45, 0x5e, 0x12, 0xa4, 0x43,
    0x00, 0x01, 0x00, 0x08,                                        /* MAPPED-ADDRESS, length 8 */
    0x00, 0x01, 0x89, 0x57, 0x7f, 0x00, 0x00, 0x01,
    0x80, 0x2b, 0x00, 0x08,                                        /* RESPONSE-ORIGIN, length 8 */
    0x00, 0x01, 0x0d, 0x96, 0x7f, 0x00, 0x00, 0x01,
    0x80, 0x22, 0x00, 0x14,                                        /* SOFTWARE, length 20 */
    0x43, 0x6f, 0x74, 0x75, 0x72, 0x6e, 0x2d, 0x34, 0x2e, 0x36, 0x2e, 0x31,
    0x20, 0x27, 0x47, 0x6f, 0x72, 0x73, 0x74, 0x27,
};

/* teams.pcap frame 1238, MS-TURN Allocate Request (MAGIC-COOKIE first, MS-Version 6) (68 bytes) */
static const uint8_t teams_alloc_req[] = {
    0x00, 0x03, 0x00, 0x30,                                        /* type 0x0003 Allocate Request, length 48 */
    0x21, 0x12, 0xa4, 0x42,                                        /* 2112a442 opens the 128-bit transaction id here */
    0xb2, 0x34, 0x3f, 0x6e, 0x67, 0xf4, 0x1d, 0x58, 0xac, 0xba, 0x63, 0x9f, /* transaction id */
    0x00, 0x0f, 0x00, 0x04,                                        /* MAGIC-COOKIE, length 4 */
    0x72, 0xc6, 0x4b, 0xc6,
    0x80, 0x37, 0x00, 0x04,                                        /* MS-APP-ID, length 4 */
    0x00, 0x00, 0x00, 0x02,
    0x80, 0x08, 0x00, 0x04,                                        /* MS-VERSION, length 4 */
    0x00, 0x00, 0x00, 0x06,
    0x80, 0x06, 0x00, 0x04,                                        /* MS 0x8006, length 4 */
    0x00, 0x00, 0x00, 0x01,
    0x00, 0x10, 0x00, 0x04,                                        /* BANDWIDTH, length 4 */
    0x00, 0x00, 0x2e, 0xe0,
    0x80, 0x55, 0x00, 0x04,                                        /* MS-SERVICE-QUALITY, length 4 */
    0x00, 0x02, 0x00, 0x02,
};

/* teams.pcap frame 1245, MS-TURN Allocate Error Response 401, attributes unpadded (187 bytes) */
static const uint8_t teams_alloc_401[] = {
    0x01, 0x13, 0x00, 0xa7,                                        /* type 0x0113 Allocate Error Response, length 167 */
    0x21, 0x12, 0xa4, 0x42,                                        /* 2112a442 opens the 128-bit transaction id here */
    0xb2, 0x34, 0x3f, 0x6e, 0x67, 0xf4, 0x1d, 0x58, 0xac, 0xba, 0x63, 0x9f, /* transaction id */
    0x00, 0x0f, 0x00, 0x04,                                        /* MAGIC-COOKIE, length 4 */
    0x72, 0xc6, 0x4b, 0xc6,
    0x80, 0x08, 0x00, 0x04,                                        /* MS-VERSION, length 4 */
    0x00, 0x00, 0x00, 0x06,
    0x00, 0x09, 0x00, 0x3d,                                        /* ERROR-CODE, length 61 */
    0x00, 0x00, 0x04, 0x01, 0x54, 0x68, 0x65, 0x20, 0x72, 0x65, 0x71, 0x75,
    0x65, 0x73, 0x74, 0x20, 0x64, 0x69, 0x64, 0x20, 0x6e, 0x6f, 0x74, 0x20,
    0x63, 0x6f, 0x6e, 0x74, 0x61, 0x69, 0x6e, 0x20, 0x61, 0x20, 0x4d, 0x65,
    0x73, 0x73, 0x61, 0x67, 0x65, 0x2d, 0x49, 0x6e, 0x74, 0x65, 0x67, 0x72,
    0x69, 0x74, 0x79, 0x20, 0x61, 0x74, 0x74, 0x72, 0x69, 0x62, 0x75, 0x74,
    0x65,
    0x00, 0x0e, 0x00, 0x08,                                        /* ALTERNATE-SERVER, length 8 */
    0x00, 0x01, 0x0d, 0x96, 0x34, 0x72, 0xfa, 0x8d,
    0x00, 0x14, 0x00, 0x14,                                        /* REALM, length 20 */
    0x02, 0x4e, 0xcb, 0xf8, 0x82, 0x7a, 0x60, 0xd6, 0x53, 0x06, 0xde, 0xbf,
    0xa7, 0x7d, 0x87, 0xd1, 0x44, 0x02, 0xdd, 0x5d,
    0x00, 0x15, 0x00, 0x0a,                                        /* NONCE, length 10 */
    0x22, 0x72, 0x74, 0x63, 0x6d, 0x65, 0x64, 0x69, 0x61, 0x22,
    0x00, 0x01, 0x00, 0x08,                                        /* MAPPED-ADDRESS, length 8 */
    0x00, 0x01, 0x0d, 0x98, 0x34, 0x72, 0xfa, 0x8d,
    0x80, 0x95, 0x00, 0x08,                                        /* MS-MULTIPLEXED-TURN-SESSION-ID, length 8 */
    0x7f, 0x20, 0xc4, 0xdd, 0x4f, 0x84, 0x8d, 0xfa,
    0x80, 0x20, 0x00, 0x08,                                        /* MS-XOR-MAPPED-ADDRESS, length 8 */
    0x00, 0x01, 0xc1, 0xd5, 0x71, 0xa7, 0x6a, 0x0a,
};

/* teams.pcap frame 1431, MS-TURN Data Indication 0x0115 (132 bytes) */
static const uint8_t teams_data_ind[] = {
    0x01, 0x15, 0x00, 0x70,                                        /* type 0x0115 MS-TURN Data Indication, length 112 */
    0xa0, 0x79, 0x5b, 0xec,                                        /* transaction id (128 bits, no cookie) */
    0xf1, 0x60, 0x46, 0x48, 0xd0, 0x1b, 0xc5, 0x3f, 0x83, 0x13, 0x5e, 0xe3, /* transaction id */
    0x00, 0x0f, 0x00, 0x04,                                        /* MAGIC-COOKIE, length 4 */
    0x72, 0xc6, 0x4b, 0xc6,
    0x00, 0x12, 0x00, 0x08,                                        /* XOR-PEER-ADDRESS, length 8 */
    0x00, 0x01, 0x3f, 0xcc, 0x5d, 0x47, 0x6e, 0xcd,
    0x00, 0x13, 0x00, 0x58,                                        /* DATA, length 88 */
    0x01, 0x01, 0x00, 0x44, 0x21, 0x12, 0xa4, 0x42, 0x1f, 0xdc, 0xb7, 0xde,
    0xed, 0xad, 0xfe, 0x36, 0x32, 0x4f, 0x6f, 0xb5, 0x80, 0x70, 0x00, 0x04,
    0x00, 0x00, 0x00, 0x07, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0x2c, 0x8a,
    0x15, 0x60, 0x5e, 0xcf, 0x80, 0x37, 0x00, 0x04, 0x00, 0x00, 0x00, 0x02,
    0x80, 0x36, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x08, 0x00, 0x14,
    0x2e, 0xe2, 0x76, 0xcc, 0x90, 0xde, 0xb9, 0x19, 0x4d, 0xb7, 0xe3, 0x66,
    0x46, 0x07, 0x51, 0xd3, 0xbb, 0x27, 0xcb, 0xe2, 0x80, 0x28, 0x00, 0x04,
    0x9b, 0x49, 0x2f, 0x70,
};

/* stun_msteams_unidir.pcapng frame 1, Teams Binding Success Response with MS-Implementation-Version 7 (72 bytes) */
static const uint8_t msteams_binding_ok[] = {
    0x01, 0x01, 0x00, 0x34,                                        /* type 0x0101 Binding Success Response, length 52 */
    0x21, 0x12, 0xa4, 0x42,                                        /* magic cookie */
    0x56, 0x70, 0x09, 0xc2, 0xae, 0x00, 0xe6, 0x98, 0xd9, 0x8f, 0x01, 0x90, /* transaction id */
    0x80, 0x70, 0x00, 0x04,                                        /* MS-IMPLEMENTATION-VERSION, length 4 */
    0x00, 0x00, 0x00, 0x07,
    0x00, 0x20, 0x00, 0x08,                                        /* XOR-MAPPED-ADDRESS, length 8 */
    0x00, 0x01, 0xe2, 0x44, 0x73, 0xa0, 0x9b, 0x39,
    0x00, 0x08, 0x00, 0x14,                                        /* MESSAGE-INTEGRITY, length 20 */
    0x08, 0x1c, 0x18, 0x7c, 0x4c, 0xf9, 0x03, 0x47, 0x6d, 0xe3, 0x05, 0x38,
    0xde, 0xe3, 0x55, 0x46, 0x82, 0xa1, 0xe5, 0xd0,
    0x80, 0x28, 0x00, 0x04,                                        /* FINGERPRINT, length 4 */
    0x51, 0x3d, 0x0c, 0x54,
};

/* skype-conference-call.pcap frame 1, Binding Request with MS-Candidate-Identifier and MS-Implementation-Version 3 (104 bytes) */
static const uint8_t skype_binding_req[] = {
    0x00, 0x01, 0x00, 0x54,                                        /* type 0x0001 Binding Request, length 84 */
    0x21, 0x12, 0xa4, 0x42,                                        /* magic cookie */
    0xc5, 0x5a, 0x4f, 0xdf, 0xde, 0x0c, 0x32, 0x5e, 0x30, 0x4c, 0x60, 0xc7, /* transaction id */
    0x00, 0x06, 0x00, 0x09,                                        /* USERNAME, length 9 */
    0x67, 0x70, 0x70, 0x65, 0x3a, 0x7a, 0x57, 0x79, 0x6b,
    0x00, 0x00, 0x00,                                              /* padding */
    0x00, 0x24, 0x00, 0x04,                                        /* PRIORITY, length 4 */
    0x6e, 0xff, 0xfe, 0xff,
    0x80, 0x2a, 0x00, 0x08,                                        /* ICE-CONTROLLING, length 8 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0xbf, 0x43, 0x17,
    0x80, 0x54, 0x00, 0x01,                                        /* MS-CANDIDATE-IDENTIFIER, length 1 */
    0x31,
    0x00, 0x00, 0x00,                                              /* padding */
    0x80, 0x70, 0x00, 0x04,                                        /* MS-IMPLEMENTATION-VERSION, length 4 */
    0x00, 0x00, 0x00, 0x03,
    0x00, 0x08, 0x00, 0x14,                                        /* MESSAGE-INTEGRITY, length 20 */
    0xc3, 0x92, 0x66, 0x66, 0x38, 0x5c, 0x09, 0xa1, 0x34, 0xe4, 0x0a, 0x0c,
    0x6c, 0x2e, 0xf3, 0x06, 0x1a, 0x8b, 0x62, 0xab,
    0x80, 0x28, 0x00, 0x04,                                        /* FINGERPRINT, length 4 */
    0x1f, 0xb5, 0x9b, 0x6b,
};


/* Crafted: Binding Error Response 400 (no real sample has a Binding error). */
static const uint8_t crafted_binding_400[] = {
    0x01, 0x11, 0x00, 0x0c,                                        /* type 0x0111 Binding Error Response, length 12 */
    0x21, 0x12, 0xa4, 0x42,                                        /* magic cookie */
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, /* transaction id */
    0x00, 0x09, 0x00, 0x08,                                        /* ERROR-CODE, length 8 */
    0x00, 0x00, 0x04, 0x00, 'B', 'a', 'd', '!',                    /* class 4, number 0, reason */
};

/* Crafted: RFC 5389 Binding Request carrying MS-Version 0x8008, as Teams clients send. */
static const uint8_t crafted_binding_msversion[] = {
    0x00, 0x01, 0x00, 0x08,                                        /* type 0x0001 Binding Request, length 8 */
    0x21, 0x12, 0xa4, 0x42,                                        /* magic cookie */
    0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, /* transaction id */
    0x80, 0x08, 0x00, 0x04,                                        /* MS-VERSION, length 4 */
    0x00, 0x00, 0x00, 0x06,                                        /* 6: multiplexed TURN over UDP and TCP */
};

struct vec {
    const char *name;
    const uint8_t *b;
    size_t n;
    uint16_t method;
    uint8_t cls;
};

#define V(a, m, c) { #a, a, sizeof(a), m, c }

static const struct vec vecs[] = {
    V(fb_alloc_req, 0x003, EA_STUN_REQUEST),
    V(fb_alloc_401, 0x003, EA_STUN_ERROR),
    V(fb_alloc_ok, 0x003, EA_STUN_SUCCESS),
    V(fb_perm_req, 0x008, EA_STUN_REQUEST),
    V(fb_perm_403, 0x008, EA_STUN_ERROR),
    V(fb_perm_ok, 0x008, EA_STUN_SUCCESS),
    V(fb_send_ind, 0x006, EA_STUN_INDICATION),
    V(fb_data_ind, 0x007, EA_STUN_INDICATION),
    V(fb_bind_req, 0x009, EA_STUN_REQUEST),
    V(fb_bind_ok, 0x009, EA_STUN_SUCCESS),
    V(fb_refresh_req, 0x004, EA_STUN_REQUEST),
    V(fb_refresh_ok, 0x004, EA_STUN_SUCCESS),
    V(coturn_binding_req, 0x001, EA_STUN_REQUEST),
    V(coturn_binding_ok, 0x001, EA_STUN_SUCCESS),
    V(crafted_binding_400, 0x001, EA_STUN_ERROR),
    V(crafted_binding_msversion, 0x001, EA_STUN_REQUEST),
    V(teams_alloc_req, 0x003, EA_STUN_REQUEST),
    V(teams_alloc_401, 0x003, EA_STUN_ERROR),
    V(teams_data_ind, 0x005, EA_STUN_INDICATION),
    V(msteams_binding_ok, 0x001, EA_STUN_SUCCESS),
    V(skype_binding_req, 0x001, EA_STUN_REQUEST),
};
#define NVECS (sizeof(vecs) / sizeof(vecs[0]))

/* Parses from a heap copy of exactly n bytes, so ASan sees any over-read. */
static enum ea_dis_rc parse_exact(struct ea_stun_info *info, int dir, const uint8_t *b, size_t n)
{
    uint8_t *copy = malloc(n ? n : 1);
    CU_ASSERT_FATAL(copy != NULL);
    if (n)
        memcpy(copy, b, n);
    enum ea_dis_rc rc = ea_stun_parse(info, dir, copy, n);
    free(copy);
    return rc;
}

static int is_zero(const struct ea_stun_info *info)
{
    static const struct ea_stun_info zero;
    return memcmp(info, &zero, sizeof(zero)) == 0;
}

/* Every real message: accepted, with the class and method the type field encodes. */
static void test_each_class_and_method(void)
{
    for (size_t i = 0; i < NVECS; i++) {
        struct ea_stun_info info = {0};
        enum ea_dis_rc rc = parse_exact(&info, EA_DIR_S2C, vecs[i].b, vecs[i].n);
        if (rc != EA_DIS_DONE)
            fprintf(stderr, "\n  %s not accepted\n", vecs[i].name);
        CU_ASSERT_EQUAL(rc, EA_DIS_DONE);
        CU_ASSERT_EQUAL(info.classes, vecs[i].cls);
        CU_ASSERT_EQUAL(info.first_method, vecs[i].method);
        CU_ASSERT_EQUAL(info.methods, (uint16_t)(1u << vecs[i].method));
        CU_ASSERT_EQUAL(info.messages[1], 1);
        CU_ASSERT_EQUAL(info.messages[0], 0);
        CU_ASSERT_EQUAL(info.requests[1], vecs[i].cls == EA_STUN_REQUEST);
        CU_ASSERT_EQUAL(info.responses[1],
                        vecs[i].cls == EA_STUN_SUCCESS || vecs[i].cls == EA_STUN_ERROR);
        CU_ASSERT_EQUAL(ea_stun_is_response(vecs[i].b, vecs[i].n),
                        vecs[i].cls == EA_STUN_SUCCESS || vecs[i].cls == EA_STUN_ERROR);
    }
}

/* The Facebook TURN exchange in order: counters per direction, classes, methods. */
static void test_turn_session(void)
{
    struct ea_stun_info info = {0};
    static const struct { const uint8_t *b; size_t n; int dir; } seq[] = {
        { fb_alloc_req, sizeof(fb_alloc_req), EA_DIR_C2S },
        { fb_alloc_401, sizeof(fb_alloc_401), EA_DIR_S2C },
        { fb_alloc_ok, sizeof(fb_alloc_ok), EA_DIR_S2C },
        { fb_perm_req, sizeof(fb_perm_req), EA_DIR_C2S },
        { fb_perm_403, sizeof(fb_perm_403), EA_DIR_S2C },
        { fb_perm_ok, sizeof(fb_perm_ok), EA_DIR_S2C },
        { fb_send_ind, sizeof(fb_send_ind), EA_DIR_C2S },
        { fb_data_ind, sizeof(fb_data_ind), EA_DIR_S2C },
        { fb_bind_req, sizeof(fb_bind_req), EA_DIR_C2S },
        { fb_bind_ok, sizeof(fb_bind_ok), EA_DIR_S2C },
        { fb_refresh_req, sizeof(fb_refresh_req), EA_DIR_C2S },
        { fb_refresh_ok, sizeof(fb_refresh_ok), EA_DIR_S2C },
    };

    /* ChannelData before any STUN: four bytes prove nothing. */
    CU_ASSERT_EQUAL(parse_exact(&info, EA_DIR_C2S, fb_chandata, sizeof(fb_chandata)), EA_DIS_NOT_MINE);
    CU_ASSERT(is_zero(&info));

    for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
        CU_ASSERT_EQUAL(parse_exact(&info, seq[i].dir, seq[i].b, seq[i].n), EA_DIS_DONE);
    CU_ASSERT_EQUAL(info.messages[0], 5);
    CU_ASSERT_EQUAL(info.messages[1], 7);
    CU_ASSERT_EQUAL(info.requests[0], 4);
    CU_ASSERT_EQUAL(info.requests[1], 0);
    CU_ASSERT_EQUAL(info.responses[0], 0);
    CU_ASSERT_EQUAL(info.responses[1], 6);
    CU_ASSERT_EQUAL(info.classes, EA_STUN_REQUEST | EA_STUN_INDICATION | EA_STUN_SUCCESS | EA_STUN_ERROR);
    CU_ASSERT_EQUAL(info.first_method, 0x003);
    CU_ASSERT_STRING_EQUAL(ea_stun_method_name(info.first_method), "allocate");
    CU_ASSERT_EQUAL(info.methods, (1u << 3) | (1u << 4) | (1u << 6) | (1u << 7) | (1u << 8) | (1u << 9));
    CU_ASSERT_EQUAL(info.channel_data, 0);
    CU_ASSERT_EQUAL(info.msturn, 0);
    CU_ASSERT_EQUAL(info.ms_attrs, 0);
    CU_ASSERT_EQUAL(info.malformed, 0);

    /* Now the same ChannelData is believed, and counts as no STUN message. */
    CU_ASSERT_EQUAL(parse_exact(&info, EA_DIR_C2S, fb_chandata, sizeof(fb_chandata)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(info.channel_data, 1);
    CU_ASSERT_EQUAL(info.messages[0], 5);
}

/* ChannelData framing rules (RFC 8656 12.4) once the flow is known to be TURN. */
static void test_channel_data(void)
{
    struct ea_stun_info info = {0};
    uint8_t buf[sizeof(fb_chandata) + 8];

    CU_ASSERT_EQUAL(ea_stun_parse(&info, 0, fb_alloc_req, sizeof(fb_alloc_req)), EA_DIS_DONE);

    /* Up to 3 padding bytes may follow (TCP pads, UDP may). */
    memset(buf, 0, sizeof(buf));
    memcpy(buf, fb_chandata, sizeof(fb_chandata));
    for (size_t extra = 0; extra <= 4; extra++) {
        struct ea_stun_info t = info;
        enum ea_dis_rc rc = parse_exact(&t, 0, buf, sizeof(fb_chandata) + extra);
        CU_ASSERT_EQUAL(rc, extra < 4 ? EA_DIS_DONE : EA_DIS_NOT_MINE);
        CU_ASSERT_EQUAL(t.channel_data, extra < 4);
    }
    /* Channel numbers outside 0x4000-0x7FFF are not ChannelData. */
    memcpy(buf, fb_chandata, sizeof(fb_chandata));
    buf[0] = 0x80;
    CU_ASSERT_EQUAL(parse_exact(&info, 0, buf, sizeof(fb_chandata)), EA_DIS_NOT_MINE);
    buf[0] = 0xC0;
    CU_ASSERT_EQUAL(parse_exact(&info, 0, buf, sizeof(fb_chandata)), EA_DIS_NOT_MINE);
    /* Length one past the data. */
    memcpy(buf, fb_chandata, sizeof(fb_chandata));
    buf[3]++;
    CU_ASSERT_EQUAL(parse_exact(&info, 0, buf, sizeof(fb_chandata)), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(info.channel_data, 0);
}

/* MS-TURN form: MAGIC-COOKIE first, MS-Version, unpadded attributes, 0x0115. */
static void test_msturn_legacy(void)
{
    struct ea_stun_info info = {0};

    CU_ASSERT_EQUAL(parse_exact(&info, EA_DIR_C2S, teams_alloc_req, sizeof(teams_alloc_req)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(info.msturn, 1);
    CU_ASSERT_EQUAL(info.ms_attrs, 1);
    CU_ASSERT_EQUAL(info.ms_version, 6);

    /* ERROR-CODE of length 61 is followed by the next attribute without padding. */
    CU_ASSERT_EQUAL(teams_alloc_401[3] & 3, 3);
    CU_ASSERT_EQUAL(parse_exact(&info, EA_DIR_S2C, teams_alloc_401, sizeof(teams_alloc_401)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(info.responses[1], 1);
    CU_ASSERT(info.classes & EA_STUN_ERROR);

    /* Data Indication 0x0115 has error-class bits but is an indication. */
    CU_ASSERT_EQUAL(parse_exact(&info, EA_DIR_S2C, teams_data_ind, sizeof(teams_data_ind)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(info.responses[1], 1);
    CU_ASSERT_EQUAL(info.messages[1], 2);
    CU_ASSERT(info.classes & EA_STUN_INDICATION);
    CU_ASSERT_EQUAL(ea_stun_is_response(teams_data_ind, sizeof(teams_data_ind)), 0);

    /* Without the RFC cookie, the MAGIC-COOKIE attribute is the only proof. */
    uint8_t buf[sizeof(teams_data_ind)];
    memcpy(buf, teams_data_ind, sizeof(buf));
    buf[27] ^= 0x01;                            /* MAGIC-COOKIE value 0x72c64bc7 */
    struct ea_stun_info t = {0};
    CU_ASSERT_EQUAL(parse_exact(&t, 0, buf, sizeof(buf)), EA_DIS_NOT_MINE);
    CU_ASSERT(is_zero(&t));
    memcpy(buf, teams_data_ind, sizeof(buf));
    buf[21] = 0x0e;                             /* first attribute 0x000e, not MAGIC-COOKIE */
    CU_ASSERT_EQUAL(parse_exact(&t, 0, buf, sizeof(buf)), EA_DIS_NOT_MINE);
    CU_ASSERT(is_zero(&t));

    /* An unpadded walk is only allowed in the MS-TURN form. */
    uint8_t rfc[sizeof(teams_alloc_401)];
    memcpy(rfc, teams_alloc_401, sizeof(rfc));
    rfc[21] = 0x0e;                             /* MAGIC-COOKIE renamed: now plain RFC 5389 */
    CU_ASSERT_EQUAL(parse_exact(&t, 0, rfc, sizeof(rfc)), EA_DIS_NOT_MINE);
    CU_ASSERT(is_zero(&t));
}

/* RFC 5389 messages that announce Microsoft: MS-Version, Implementation-Version. */
static void test_ms_version_rfc5389(void)
{
    struct ea_stun_info info = {0};

    CU_ASSERT_EQUAL(parse_exact(&info, 0, coturn_binding_req, sizeof(coturn_binding_req)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(info.msturn, 0);
    CU_ASSERT_EQUAL(info.ms_attrs, 0);

    /* MS-Implementation-Version (MS-ICE2) marks Teams/Skype ICE traffic. */
    CU_ASSERT_EQUAL(parse_exact(&info, 0, skype_binding_req, sizeof(skype_binding_req)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(info.msturn, 1);
    CU_ASSERT_EQUAL(info.ms_attrs, 1);
    CU_ASSERT_EQUAL(info.ms_version, 3);
    /* A later MS-Version wins over an Implementation-Version. */
    CU_ASSERT_EQUAL(parse_exact(&info, 0, crafted_binding_msversion, sizeof(crafted_binding_msversion)),
                    EA_DIS_DONE);
    CU_ASSERT_EQUAL(info.ms_version, 6);
    CU_ASSERT_EQUAL(parse_exact(&info, 1, msteams_binding_ok, sizeof(msteams_binding_ok)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(info.ms_version, 6);

    struct ea_stun_info t = {0};
    CU_ASSERT_EQUAL(parse_exact(&t, 1, msteams_binding_ok, sizeof(msteams_binding_ok)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(t.msturn, 1);
    CU_ASSERT_EQUAL(t.ms_version, 7);
    CU_ASSERT_EQUAL(t.responses[1], 1);

    /* MS-Version alone, no other Microsoft hint. */
    memset(&t, 0, sizeof(t));
    CU_ASSERT_EQUAL(parse_exact(&t, 0, crafted_binding_msversion, sizeof(crafted_binding_msversion)),
                    EA_DIS_DONE);
    CU_ASSERT_EQUAL(t.msturn, 1);
    CU_ASSERT_EQUAL(t.ms_attrs, 1);
    CU_ASSERT_EQUAL(t.ms_version, 6);
}

/* Breakage of the header and attribute walk: NOT_MINE, info untouched. */
static void test_malformed(void)
{
    uint8_t buf[64];
    struct ea_stun_info t = {0};
    const size_t n = sizeof(crafted_binding_msversion);

#define TRY(mutation) do {                                              \
        memcpy(buf, crafted_binding_msversion, n);                       \
        mutation;                                                        \
        CU_ASSERT_EQUAL(parse_exact(&t, 0, buf, n), EA_DIS_NOT_MINE);     \
        CU_ASSERT(is_zero(&t));                                          \
    } while (0)

    TRY(buf[0] |= 0x40);            /* top bits 01 (and no STUN seen yet) */
    TRY(buf[0] |= 0x80);            /* top bits 10 */
    TRY(buf[3] = 0x09);             /* length not a multiple of 4 */
    TRY(buf[3] = 0x0c);             /* length past the data */
    TRY(buf[3] = 0x04);             /* attribute runs past the body */
    TRY(buf[7] = 0x43);             /* wrong cookie, no MAGIC-COOKIE attribute */
    TRY(buf[23] = 0x08);            /* attribute length past the body */
    TRY(buf[23] = 0x00);            /* empty attribute leaves 4 bytes that are no attribute */
#undef TRY

    /* Length 0 with the cookie is a valid message (a bare Binding Request). */
    CU_ASSERT_EQUAL(parse_exact(&t, 0, coturn_binding_req, 20), EA_DIS_DONE);

    /* A known STUN flow that sends a broken message with the cookie is flagged. */
    memcpy(buf, crafted_binding_msversion, n);
    buf[23] = 0x08;
    uint32_t before = t.messages[0];
    CU_ASSERT_EQUAL(parse_exact(&t, 0, buf, n), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(t.malformed, 1);
    CU_ASSERT_EQUAL(t.messages[0], before);

    /* Two messages in one TCP read: the first is parsed and accepted. */
    uint8_t two[2 * sizeof(fb_alloc_req)];
    memcpy(two, fb_alloc_req, sizeof(fb_alloc_req));
    memcpy(two + sizeof(fb_alloc_req), fb_alloc_req, sizeof(fb_alloc_req));
    memset(&t, 0, sizeof(t));
    CU_ASSERT_EQUAL(parse_exact(&t, 0, two, sizeof(two)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(t.messages[0], 1);

    /* NULL info or data. */
    CU_ASSERT_EQUAL(ea_stun_parse(NULL, 0, fb_alloc_req, sizeof(fb_alloc_req)), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(ea_stun_parse(&t, 0, NULL, 20), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(ea_stun_is_response(NULL, 20), 0);
}

/* A DNS query whose ID reads as a Binding success type is not a STUN response. */
static void test_dns_is_not_response(void)
{
    static const uint8_t dns_query[] = {
        0x01, 0x01,             /* ID 0x0101: a Binding success response type */
        0x01, 0x00,             /* flags: standard query, recursion desired */
        0x00, 0x01, 0x00, 0x00, /* QDCOUNT 1, ANCOUNT 0 (where STUN has its cookie) */
        0x00, 0x00, 0x00, 0x00, /* NSCOUNT 0, ARCOUNT 0 */
        0x03, 'w', 'w', 'w', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00,
        0x00, 0x01, 0x00, 0x01, /* QTYPE A, QCLASS IN */
    };
    struct ea_stun_info t = {0};
    CU_ASSERT_EQUAL(ea_stun_is_response(dns_query, sizeof(dns_query)), 0);
    CU_ASSERT_EQUAL(ea_stun_parse(&t, 0, dns_query, sizeof(dns_query)), EA_DIS_NOT_MINE);
}

/* Every message cut at every offset: never accepted, never read past the cut. */
static void test_truncation(void)
{
    for (size_t i = 0; i < NVECS; i++) {
        for (size_t len = 0; len < vecs[i].n; len++) {
            struct ea_stun_info t = {0};
            CU_ASSERT_EQUAL(parse_exact(&t, 0, vecs[i].b, len), EA_DIS_NOT_MINE);
            CU_ASSERT(is_zero(&t));
            uint8_t *copy = malloc(len ? len : 1);
            CU_ASSERT_FATAL(copy != NULL);
            memcpy(copy, vecs[i].b, len);
            int resp = ea_stun_is_response(copy, len);
            free(copy);
            /* A cut message is never a response: the whole message decides. */
            CU_ASSERT_EQUAL(resp, 0);
        }
    }

    /* ChannelData cut anywhere, on a flow already known to be TURN. */
    struct ea_stun_info known = {0};
    CU_ASSERT_EQUAL(ea_stun_parse(&known, 0, fb_alloc_req, sizeof(fb_alloc_req)), EA_DIS_DONE);
    for (size_t len = 0; len < sizeof(fb_chandata); len++) {
        struct ea_stun_info t = known;
        CU_ASSERT_EQUAL(parse_exact(&t, 0, fb_chandata, len), EA_DIS_NOT_MINE);
        CU_ASSERT_EQUAL(t.channel_data, 0);
    }
}

/* RFC 5389 section 6: method bits M0-M11 are split around the class bits C0, C1. */
static void test_type_bits(void)
{
    static const struct { uint16_t type; uint16_t method; uint8_t cls; } cases[] = {
        { 0x0001, 0x001, EA_STUN_REQUEST },
        { 0x0011, 0x001, EA_STUN_INDICATION },
        { 0x0101, 0x001, EA_STUN_SUCCESS },
        { 0x0111, 0x001, EA_STUN_ERROR },
        { 0x000A, 0x00A, EA_STUN_REQUEST },     /* RFC 6062 Connect */
        { 0x0020, 0x010, EA_STUN_REQUEST },     /* M4 sits above C0 */
        { 0x0200, 0x080, EA_STUN_REQUEST },     /* M7 sits above C1 (Google ping) */
        { 0x3EEF, 0xFFF, EA_STUN_REQUEST },     /* every method bit, no class bit */
        { 0x3FFF, 0xFFF, EA_STUN_ERROR },
    };
    uint8_t buf[20];

    memcpy(buf, coturn_binding_req, sizeof(buf));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ea_stun_info t = {0};
        buf[0] = (uint8_t)(cases[i].type >> 8);
        buf[1] = (uint8_t)cases[i].type;
        CU_ASSERT_EQUAL(parse_exact(&t, 0, buf, sizeof(buf)), EA_DIS_DONE);
        CU_ASSERT_EQUAL(t.first_method, cases[i].method);
        CU_ASSERT_EQUAL(t.classes, cases[i].cls);
        /* Only methods below 16 have a bit in 'methods'. */
        CU_ASSERT_EQUAL(t.methods, cases[i].method < 16 ? (uint16_t)(1u << cases[i].method) : 0);
    }
}

static void test_method_names(void)
{
    CU_ASSERT_STRING_EQUAL(ea_stun_method_name(0x001), "binding");
    CU_ASSERT_STRING_EQUAL(ea_stun_method_name(0x003), "allocate");
    CU_ASSERT_STRING_EQUAL(ea_stun_method_name(0x004), "refresh");
    CU_ASSERT_STRING_EQUAL(ea_stun_method_name(0x006), "send");
    CU_ASSERT_STRING_EQUAL(ea_stun_method_name(0x007), "data");
    CU_ASSERT_STRING_EQUAL(ea_stun_method_name(0x008), "create-permission");
    CU_ASSERT_STRING_EQUAL(ea_stun_method_name(0x009), "channel-bind");
    CU_ASSERT_STRING_EQUAL(ea_stun_method_name(0x000), "unknown");
    CU_ASSERT_STRING_EQUAL(ea_stun_method_name(0x002), "unknown");
    CU_ASSERT_STRING_EQUAL(ea_stun_method_name(0xFFF), "unknown");
}

/*
 * One ChannelData message that coturn 4.6 relayed for baresip 1.0 (channel
 * 0x4000, 400 bytes: an Opus RTP packet, SSRC 0xbc49dd22), recorded on
 * loopback (captures/own/turn-rtp.pcap), as hex.
 */
static const char coturn_channel_rtp_hex[] =
    "4000019080e053c80000335ebc49dd22fcb545deb757f01485e74cec12e97f0298110fdf6cc78b80b6db95a75a5c5ba8"
    "74cb86b65ba02fd4af122331aa86f5e4d23ef87f0cf773070cc41f7c492d508ea1e8615b8f7ef21c087fc8ae2c3643ab"
    "11695d9d1980da6cc6826b19e6502e08101a9d4611312d94cbeb96b036315ffc17871a728ae9db9d5123d724f1370f95"
    "5cd8ed39887b18b8bee374ff9f6653f279deced63dad86206aba1dd0ba3cad82b2b32bafa767ec2a6b401958da21f1c0"
    "265c85c50f0704fb3208f3cee89a37b7b51131c890878bb329931218002e50946fbfbd9b63cf0fc365c1da2bd987f44e"
    "3126da100bf05e5f3ff0349e0c5d4396fcfe6d5d4396ce2ea0f97ab3e95428df43eac64dc69bef8660ccced4439f4661"
    "0e9221cfa0271f563489faf1814bf0f8beff737aa44a64752a30e290323a9526a207a2dc7f0413c9ddaa81a0849c6f67"
    "ece20c1814f5f2fefe5e7bdc5ea0af547599b70c6e52b16255d723ab957885d0b8feaa81b657cbcbc1125a9658ff5d8d"
    "a82818effb7b240484dbb37b37212925fedb136d";

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; h[0] && h[1] && n < cap; h += 2) {
        unsigned v = 0;
        CU_ASSERT_FATAL(sscanf(h, "%2x", &v) == 1);
        out[n++] = (uint8_t)v;
    }
    return n;
}

/* RFC 8656 12.4 around RTP: the Application Data is found; cut at every length it is not. */
static void test_channel_data_payload(void)
{
    uint8_t m[512];
    size_t n = unhex(coturn_channel_rtp_hex, m, sizeof(m));
    const uint8_t *app = NULL;
    size_t app_len = 0;
    CU_ASSERT_EQUAL_FATAL(n, 404);
    CU_ASSERT(ea_stun_channel_data(m, n, &app, &app_len));
    CU_ASSERT_PTR_EQUAL(app, m + 4);
    CU_ASSERT_EQUAL(app_len, 400);
    CU_ASSERT_EQUAL(app[0] & 0xC0, 0x80);          /* RTP version 2 inside */
    for (size_t k = 0; k < n; k++) {
        uint8_t *cut = malloc(k ? k : 1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
        memcpy(cut, m, k);
        app = NULL;
        CU_ASSERT(!ea_stun_channel_data(cut, k, &app, &app_len));
        CU_ASSERT_PTR_NULL(app);
        free(cut);
    }
    /* Up to three bytes of padding may follow on UDP; four may not. */
    uint8_t pad[404 + 4];
    memcpy(pad, m, n);
    memset(pad + n, 0, 4);
    CU_ASSERT(ea_stun_channel_data(pad, n + 3, &app, &app_len));
    CU_ASSERT(!ea_stun_channel_data(pad, n + 4, &app, &app_len));
    /* RFC 8656 12: 0x5000-0x7FFF are reserved, 0x3FFF is no channel. */
    m[0] = 0x50;
    CU_ASSERT(!ea_stun_channel_data(m, n, &app, &app_len));
    m[0] = 0x3F;
    m[1] = 0xFF;
    CU_ASSERT(!ea_stun_channel_data(m, n, &app, &app_len));
    m[0] = 0x4F;
    CU_ASSERT(ea_stun_channel_data(m, n, &app, &app_len));

    /* Counted per direction once the flow has spoken STUN. */
    struct ea_stun_info si = { 0 };
    CU_ASSERT_EQUAL(ea_stun_parse(&si, EA_DIR_C2S, m, n), EA_DIS_NOT_MINE);
    si.messages[0] = 1;
    CU_ASSERT_EQUAL(ea_stun_parse(&si, EA_DIR_C2S, m, n), EA_DIS_DONE);
    CU_ASSERT_EQUAL(ea_stun_parse(&si, EA_DIR_S2C, m, n), EA_DIS_DONE);
    CU_ASSERT(si.channel_data && si.channel_msgs[0] == 1 && si.channel_msgs[1] == 1);
}

/* ea_stun_matched: 0 for NULL and a fresh info, 1 once one message either way. */
static void test_matched(void)
{
    CU_ASSERT_FALSE(ea_stun_matched(NULL));
    struct ea_stun_info *s = ea_stun_info_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_FALSE(ea_stun_matched(s));
    s->malformed = 1;
    CU_ASSERT_FALSE(ea_stun_matched(s));
    s->messages[1] = 1;
    CU_ASSERT_TRUE(ea_stun_matched(s));
    ea_stun_info_free(s);
    ea_stun_info_free(NULL);
}

/*
 * [MS-TURN] 2.1.4 TCP framing: Type (0x02 control, 0x03 end-to-end data),
 * Reserved (zero), Length of what follows. Crafted from the spec's words
 * (no free stack sends it) around the real messages above.
 */
static size_t frame(uint8_t *out, size_t cap, uint8_t type, const uint8_t *msg, size_t n)
{
    CU_ASSERT_FATAL(n + 4 <= cap && n <= 0xFFFF);
    out[0] = type;
    out[1] = 0;
    out[2] = (uint8_t)(n >> 8);
    out[3] = (uint8_t)n;
    memcpy(out + 4, msg, n);
    return n + 4;
}

/* A control frame around a TURN message is that message, and MS-TURN; data frames follow it. */
static void test_ms_tcp_framing(void)
{
    uint8_t buf[512];
    struct ea_stun_info info = {0};
    size_t n = frame(buf, sizeof(buf), 0x02, teams_alloc_req, sizeof(teams_alloc_req));
    const uint8_t *body = NULL;
    size_t blen = 0;
    CU_ASSERT_EQUAL(ea_stun_ms_tcp_frame(buf, n, &body, &blen), 0x02);
    CU_ASSERT_PTR_EQUAL(body, buf + 4);
    CU_ASSERT_EQUAL(blen, sizeof(teams_alloc_req));

    /* Data before any framed TURN message is not TURN: four bytes pass too easily. */
    static const uint8_t media[] = { 0x80, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1 };
    uint8_t data[64];
    size_t dn = frame(data, sizeof(data), 0x03, media, sizeof(media));
    CU_ASSERT_EQUAL(parse_exact(&info, EA_DIR_C2S, data, dn), EA_DIS_NOT_MINE);
    CU_ASSERT(is_zero(&info));

    CU_ASSERT_EQUAL(parse_exact(&info, EA_DIR_C2S, buf, n), EA_DIS_DONE);
    CU_ASSERT_EQUAL(info.tcp_framed, 1);
    CU_ASSERT_EQUAL(info.msturn, 1);
    CU_ASSERT_EQUAL(info.first_method, 0x003);
    CU_ASSERT_EQUAL(info.requests[0], 1);
    CU_ASSERT_EQUAL(info.ms_version, 6);

    n = frame(buf, sizeof(buf), 0x02, teams_alloc_401, sizeof(teams_alloc_401));
    CU_ASSERT_EQUAL(parse_exact(&info, EA_DIR_S2C, buf, n), EA_DIS_DONE);
    CU_ASSERT_EQUAL(info.responses[1], 1);
    CU_ASSERT_EQUAL(parse_exact(&info, EA_DIR_S2C, data, dn), EA_DIS_DONE);
    CU_ASSERT_EQUAL(info.framed_data[1], 1);
    CU_ASSERT_EQUAL(info.messages[0] + info.messages[1], 2);

    /* An RFC 5389 message framed the same way is MS-TURN by its framing. */
    struct ea_stun_info rfc = {0};
    n = frame(buf, sizeof(buf), 0x02, fb_alloc_req, sizeof(fb_alloc_req));
    CU_ASSERT_EQUAL(parse_exact(&rfc, EA_DIR_C2S, buf, n), EA_DIS_DONE);
    CU_ASSERT_EQUAL(rfc.tcp_framed, 1);
    CU_ASSERT_EQUAL(rfc.msturn, 1);

    /* The next frame may follow in the same segment: only the first is read. */
    uint8_t two[512];
    size_t tn = frame(two, sizeof(two), 0x02, fb_alloc_req, sizeof(fb_alloc_req));
    tn += frame(two + tn, sizeof(two) - tn, 0x02, fb_refresh_req, sizeof(fb_refresh_req));
    struct ea_stun_info t = {0};
    CU_ASSERT_EQUAL(parse_exact(&t, EA_DIR_C2S, two, tn), EA_DIS_DONE);
    CU_ASSERT_EQUAL(t.messages[0], 1);
    CU_ASSERT_EQUAL(t.first_method, 0x003);

    /* A plain RFC 5389 message on TCP is not framed. */
    struct ea_stun_info plain = {0};
    CU_ASSERT_EQUAL(parse_exact(&plain, EA_DIR_C2S, fb_alloc_req, sizeof(fb_alloc_req)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(plain.tcp_framed, 0);
    CU_ASSERT_EQUAL(plain.msturn, 0);
}

/* A frame that breaks the header's rules, or whose message does not fill it, is not TURN. */
static void test_ms_tcp_framing_broken(void)
{
    uint8_t buf[512];
    const uint8_t *body = NULL;
    size_t blen = 0;
    size_t n = frame(buf, sizeof(buf), 0x02, fb_alloc_req, sizeof(fb_alloc_req));
    struct ea_stun_info t = {0};

    buf[1] = 0x01;                                        /* Reserved MUST be zero */
    CU_ASSERT_EQUAL(ea_stun_ms_tcp_frame(buf, n, &body, &blen), 0);
    CU_ASSERT_PTR_NULL(body);
    CU_ASSERT_EQUAL(parse_exact(&t, 0, buf, n), EA_DIS_NOT_MINE);
    buf[1] = 0;
    buf[0] = 0x04;                                        /* neither control nor data */
    CU_ASSERT_EQUAL(ea_stun_ms_tcp_frame(buf, n, &body, &blen), 0);
    CU_ASSERT_EQUAL(parse_exact(&t, 0, buf, n), EA_DIS_NOT_MINE);
    buf[0] = 0x02;
    buf[3] = (uint8_t)(buf[3] + 4);                       /* frame longer than its message */
    memset(buf + n, 0, 4);
    CU_ASSERT_EQUAL(ea_stun_ms_tcp_frame(buf, n + 4, &body, &blen), 0x02);
    CU_ASSERT_EQUAL(parse_exact(&t, 0, buf, n + 4), EA_DIS_NOT_MINE);
    CU_ASSERT(is_zero(&t));

    /* Cut anywhere: never read past the end, never accepted. */
    n = frame(buf, sizeof(buf), 0x02, teams_alloc_401, sizeof(teams_alloc_401));
    for (size_t len = 0; len < n; len++) {
        struct ea_stun_info c = {0};
        CU_ASSERT_EQUAL(parse_exact(&c, 0, buf, len), EA_DIS_NOT_MINE);
        CU_ASSERT(is_zero(&c));
        uint8_t *copy = malloc(len ? len : 1);
        CU_ASSERT_FATAL(copy != NULL);
        memcpy(copy, buf, len);
        body = NULL;
        CU_ASSERT_EQUAL(ea_stun_ms_tcp_frame(copy, len, &body, &blen), 0);
        CU_ASSERT_PTR_NULL(body);
        free(copy);
    }
}


void ea_test_add_dissect_stun(void)
{
    EA_SUITE("dissect-stun",
             { "matched, info new and free", test_matched },
             { "each class and method", test_each_class_and_method },
             { "TURN session counters", test_turn_session },
             { "ChannelData", test_channel_data },
             { "MS-TURN legacy form", test_msturn_legacy },
             { "MS-Version in RFC 5389", test_ms_version_rfc5389 },
             { "malformed", test_malformed },
             { "truncation", test_truncation },
             { "DNS query is not a response", test_dns_is_not_response },
             { "type bits", test_type_bits },
             { "method names", test_method_names },
             { "ChannelData around RTP (coturn)", test_channel_data_payload },
             { "MS-TURN TCP framing", test_ms_tcp_framing },
             { "MS-TURN TCP framing broken or cut", test_ms_tcp_framing_broken });
}
