/* dissect-tls.h: TLS handshake facts (RFC 5246, RFC 8446) for the mutual-TLS check. */
#ifndef EA_DISSECT_TLS_H
#define EA_DISSECT_TLS_H

#include "dissect.h"

enum ea_mtls {
    EA_MTLS_NONE = 0,        /* not a TLS flow */
    EA_MTLS_NO,              /* handshake seen, no client certificate */
    EA_MTLS_YES,             /* CertificateRequest and a non-empty client Certificate */
    EA_MTLS_UNVERIFIABLE,    /* TLS 1.3, resumed session, or handshake not captured */
};

const char *ea_mtls_name(enum ea_mtls m);   /* "no", "yes", "unverifiable", "" */

/* How the mutual-TLS answer was reached. */
enum ea_mtls_evidence {
    EA_MTLS_EV_NONE = 0,       /* not a TLS flow */
    EA_MTLS_EV_SEEN,           /* TLS <= 1.2: the Certificate messages in clear */
    EA_MTLS_EV_INFERRED,       /* TLS 1.3: the record lengths of the encrypted handshake flights */
    EA_MTLS_EV_UNVERIFIABLE,   /* neither tells */
};

/* "seen", "inferred", "unverifiable"; "" for EA_MTLS_EV_NONE and out-of-range values. */
const char *ea_mtls_evidence_name(enum ea_mtls_evidence e);

/* Encrypted records kept per direction after a TLS 1.3 ServerHello. */
#define EA_TLS13_RECS 8

/*
 * RFC 8446 5.2: the lengths of the TLS 1.3 records sent as application_data
 * after the ServerHello, per direction (EA_DIR_C2S, EA_DIR_S2C), in order;
 * ChangeCipherSpec compatibility records (RFC 8446 D.4) are not counted.
 */
struct ea_tls13_flights {
    uint8_t hash_len;              /* 32 (SHA-256 suites) or 48 (SHA-384); 0: suite not covered */
    uint8_t n[2];                  /* records kept per direction, at most EA_TLS13_RECS */
    uint16_t len[2][EA_TLS13_RECS];
};

/* What the client's encrypted handshake flight (RFC 8446 4.4) looks like. */
enum ea_tls13_shape {
    EA_T13_PENDING = 0,        /* no client record yet, or only an empty Certificate */
    EA_T13_NOT_REQUESTED,      /* Finished only: no CertificateRequest was received */
    EA_T13_EMPTY_CERT,         /* empty Certificate, then Finished */
    EA_T13_EMPTY_CERT_PACKED,  /* empty Certificate and Finished in one record */
    EA_T13_CERT,               /* Certificate and CertificateVerify, then a Finished record */
    EA_T13_CERT_PACKED,        /* Certificate, CertificateVerify and Finished in one record */
    EA_T13_PADDED,             /* lengths that record padding (RFC 8446 5.4) may have made */
    EA_T13_CONFLICT,           /* the server's flight contradicts the client's */
    EA_T13_UNCONFIRMED,        /* one large record, without a CertificateRequest record in view */
    EA_T13_UNKNOWN,            /* a shape not seen in tests */
};

/*
 * Classifies the client's flight from the record lengths alone (pure; NULL
 * gives EA_T13_UNKNOWN). The Finished record is 4 + hash_len + 1 + 16 bytes
 * (handshake header, verify_data, content type, AEAD tag). The server's
 * flight, when its stack sends one message per record, says whether a
 * CertificateRequest was sent and must agree.
 */
enum ea_tls13_shape ea_tls13_shape(const struct ea_tls13_flights *fl);

#define EA_SNI_CAP 255
#define EA_ALPN_CAP 63

struct ea_tls_info {
    uint16_t client_version;      /* ClientHello legacy_version */
    uint8_t sslv2_hello;          /* the ClientHello came in SSLv2 form (RFC 5246 E.2) */
    uint8_t midstream;            /* joined mid-stream: TLS confirmed by records both ways */
    uint16_t record_version;      /* midstream: the version every record header carried */
    uint16_t version;             /* negotiated: supported_versions in ServerHello, else its version */
    uint8_t client_hello;         /* 1 once a ClientHello was parsed */
    uint8_t server_hello;
    uint8_t server_cert;          /* server sent Certificate */
    uint8_t cert_request;         /* server sent CertificateRequest (TLS <= 1.2) */
    uint8_t server_hello_done;
    uint8_t client_cert;          /* client sent a Certificate message */
    uint8_t client_cert_nonempty; /* ... with at least one certificate */
    uint8_t ccs[2];               /* ChangeCipherSpec seen per direction */
    uint8_t resumed;              /* abbreviated handshake: CCS straight after ServerHello */
    uint8_t app_data;             /* application_data record seen */
    uint8_t malformed;            /* a record or handshake message did not parse */
    uint8_t str_truncated;        /* SNI or ALPN was cut to its cap */
    /*
     * server_name (RFC 6066), sanitised, at most EA_SNI_CAP bytes, and the
     * ALPN protocols the client offered (RFC 7301), comma-joined, at most
     * EA_ALPN_CAP: each a string of its own length owned by the info (a TLS
     * flow held for its close timeout keeps tens of bytes, not 320), or a
     * static "" when absent. Never NULL once the info was made with
     * ea_tls_info_new or ea_tls_info_init, or fed (a zeroed info is fine).
     */
    char *sni;
    char *alpn;
    uint8_t record_seen;          /* at least one TLS record header was accepted */
    uint8_t hello_retry;          /* server sent a HelloRetryRequest (TLS 1.3 only) */
    uint8_t alert;                /* a cleartext alert record was seen */
    uint16_t cipher_suite;        /* ServerHello's cipher_suite */
    uint8_t psk;                  /* TLS 1.3 ServerHello carried pre_shared_key: resumption */
    uint8_t pha_offered;          /* ClientHello offered post_handshake_auth (RFC 8446 4.2.6) */
    uint8_t early_data;           /* client application_data before the ServerHello: 0-RTT */
    struct ea_tls13_flights t13;  /* after a TLS 1.3 ServerHello */
};

struct ea_tls_state;

/* Per-flow reassembly state; NULL on out-of-memory. Free with ea_tls_state_free. */
struct ea_tls_state *ea_tls_state_new(void);
void ea_tls_state_free(struct ea_tls_state *st);   /* NULL is a no-op */

/* Bytes of a state: a zeroed block of this size is a new state (a pool may make it). */
size_t ea_tls_state_size(void);

/* Frees what st holds (handshake messages under way), not st: zeroed, it serves again. NULL is a no-op. */
void ea_tls_state_clear(struct ea_tls_state *st);

/* Consecutive well-formed records per direction that confirm TLS joined mid-stream. */
#define EA_TLS_MID_RECORDS 2

/*
 * Feeds in-order TCP stream bytes of direction 'dir'. Handshake records are
 * reassembled per direction (bounded buffer); parsing of a direction stops at
 * its ChangeCipherSpec, except after a TLS 1.3 ServerHello, where only the
 * lengths of the encrypted records are kept (struct ea_tls13_flights). A client may open with an SSLv2-compatible
 * ClientHello (RFC 5246 E.2), followed by TLS records. A stream joined
 * mid-stream (its first record is application_data) is followed record by
 * record: EA_TLS_MID_RECORDS consecutive well-formed records in each
 * direction, all with the same version, set info->midstream (DONE).
 * Returns NOT_MINE when the stream starts with none of these, DONE once both
 * sides' handshakes are past the point where the mutual-TLS answer is known,
 * else NEED_MORE. 'info' is caller-owned.
 */
enum ea_dis_rc ea_tls_feed(struct ea_tls_state *st, struct ea_tls_info *info,
                           int dir, const uint8_t *data, size_t len);

/* The mutual-TLS answer from what was seen so far. */
enum ea_mtls ea_tls_mtls(const struct ea_tls_info *info);

/* How that answer was reached; EA_MTLS_EV_NONE when it is EA_MTLS_NONE. */
enum ea_mtls_evidence ea_tls_mtls_evidence(const struct ea_tls_info *info);

/* The reason for that answer in plain words: a static string, "" for EA_MTLS_NONE. */
const char *ea_tls_mtls_why(const struct ea_tls_info *info);

/* 1 when data starts like a TLS handshake record (0x16 0x03 0x00..0x04). */
int ea_tls_probe(const uint8_t *data, size_t len);

/* A zeroed info, owned by the caller; NULL on out-of-memory. Free with ea_tls_info_free. */
struct ea_tls_info *ea_tls_info_new(void);
void ea_tls_info_free(struct ea_tls_info *t);   /* NULL is a no-op */

/*
 * An info in the caller's storage (a zeroed one, or one ea_tls_info_init
 * made): ea_tls_info_clear frees the strings it owns and leaves it as
 * ea_tls_info_init does, all zero with sni and alpn "". Do not clear an
 * info that was never initialised or zeroed.
 */
void ea_tls_info_init(struct ea_tls_info *t);
void ea_tls_info_clear(struct ea_tls_info *t);

/* 1 when a ClientHello or a ServerHello was parsed, or TLS was confirmed mid-stream; 0 for NULL. */
int ea_tls_matched(const struct ea_tls_info *t);

/*
 * [MS-TURN] 3.1.5.1 (the pseudo-TLS start of TURN over TCP on 443, also in
 * [MS-ICE2] for TCP candidates): a ClientHello answered by a ServerHello
 * (with ServerHelloDone in the same record), and nothing a real handshake
 * sends after it: no Certificate, CertificateRequest or ChangeCipherSpec,
 * no encrypted records, no TLS 1.3. 1 while the handshake so far has that
 * shape (a real one may still send its Certificate); 0 for NULL.
 */
int ea_tls_pseudo_start(const struct ea_tls_info *t);

#endif
