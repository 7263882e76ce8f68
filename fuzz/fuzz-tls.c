/* fuzz-tls.c: libFuzzer target for the TLS dissector, both directions, cut at fuzzer-chosen points. */
#include "fuzz.h"
#include "dissect-tls.h"

/* Checks what the dissector may promise whatever the bytes were. */
static void check_info(const struct ea_tls_info *ti)
{
    FZ_CHECK_FIELD(ti, sni);
    FZ_CHECK_FIELD(ti, alpn);
    enum ea_mtls m = ea_tls_mtls(ti);
    if (m != EA_MTLS_NONE && m != EA_MTLS_NO && m != EA_MTLS_YES && m != EA_MTLS_UNVERIFIABLE)
        FZ_FAIL("ea_tls_mtls returned %d", (int)m);
    if (!ea_mtls_name(m))
        FZ_FAIL("ea_mtls_name(%d) is NULL", (int)m);
    if (ti->client_cert_nonempty && !ti->client_cert)
        FZ_FAIL("client_cert_nonempty without client_cert");
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
    memset(&ti, 0, sizeof(ti));
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
    return 0;
}
