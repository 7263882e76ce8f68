/* fuzz-tls.c: libFuzzer target for the TLS dissector, both directions, cut at fuzzer-chosen points. */
#include "fuzz.h"
#include "dissect-tls.h"

/* Checks what the dissector may promise whatever the bytes were. */
static void check_info(const struct ea_tls_info *ti)
{
    /* The strings are made to their length: NUL-terminated within their caps. */
    if (strlen(ti->sni) > EA_SNI_CAP || strlen(ti->alpn) > EA_ALPN_CAP)
        FZ_FAIL("sni or alpn over its cap");
    fz_check_field("sni", ti->sni, strlen(ti->sni) + 1);
    fz_check_field("alpn", ti->alpn, strlen(ti->alpn) + 1);
    enum ea_mtls m = ea_tls_mtls(ti);
    if (m != EA_MTLS_NONE && m != EA_MTLS_NO && m != EA_MTLS_YES && m != EA_MTLS_UNVERIFIABLE)
        FZ_FAIL("ea_tls_mtls returned %d", (int)m);
    if (!ea_mtls_name(m))
        FZ_FAIL("ea_mtls_name(%d) is NULL", (int)m);
    if (ti->client_cert_nonempty && !ti->client_cert)
        FZ_FAIL("client_cert_nonempty without client_cert");
    /* How the answer was reached agrees with the answer; an inference needs a TLS 1.3 shape. */
    enum ea_mtls_evidence ev = ea_tls_mtls_evidence(ti);
    const char *why = ea_tls_mtls_why(ti);
    if (!why || (m == EA_MTLS_NONE) != (ev == EA_MTLS_EV_NONE) || (m == EA_MTLS_NONE) != (why[0] == 0))
        FZ_FAIL("mtls %d, evidence %d, reason '%s'", (int)m, (int)ev, why ? why : "(null)");
    if ((m == EA_MTLS_UNVERIFIABLE) != (ev == EA_MTLS_EV_UNVERIFIABLE))
        FZ_FAIL("mtls %d with evidence %d", (int)m, (int)ev);
    if (ev == EA_MTLS_EV_INFERRED && (ti->version != 0x0304 || !ti->t13.hash_len || ti->psk || ti->early_data))
        FZ_FAIL("inferred without a TLS 1.3 shape (version 0x%04x)", ti->version);
    if (ti->t13.n[0] > EA_TLS13_RECS || ti->t13.n[1] > EA_TLS13_RECS)
        FZ_FAIL("more than %d TLS 1.3 record lengths kept", EA_TLS13_RECS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ea_tls_info ti;
    struct ea_tls_state *st = ea_tls_state_new();
    struct ea_cur in;
    struct fz_chunk ch;
    int stopped = 0;

    if (!st)
        return 0;
    ea_tls_info_init(&ti);
    ea_tls_probe(data, size);
    ea_cur_init(&in, data, size);
    /* Keep feeding after DONE and NOT_MINE too: a caller may, and it must stay safe. */
    while (fz_next(&in, &ch)) {
        size_t off = 0;
        do {
            size_t n = ch.len - off;
            if (ch.piece && n > ch.piece)
                n = ch.piece;
            enum ea_dis_rc rc = ea_tls_feed(st, &ti, ch.dir, ch.data + off, n);
            if (rc != EA_DIS_NEED_MORE && rc != EA_DIS_NOT_MINE && rc != EA_DIS_DONE)
                FZ_FAIL("ea_tls_feed returned %d", (int)rc);
            if (rc != EA_DIS_NEED_MORE)
                stopped = 1;
            off += n;
        } while (off < ch.len);
        check_info(&ti);
    }
    (void)stopped;
    check_info(&ti);
    ea_tls_state_free(st);
    ea_tls_info_clear(&ti);
    return 0;
}
