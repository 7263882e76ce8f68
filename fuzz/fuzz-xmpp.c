/* fuzz-xmpp.c: libFuzzer target for the XMPP stream dissector and its STARTTLS hand-over to TLS. */
#include "fuzz.h"
#include "dissect-xmpp.h"
#include "dissect-tls.h"

static void check_info(const struct ea_xmpp_info *xi)
{
    FZ_CHECK_FIELD(xi, to);
    FZ_CHECK_FIELD(xi, from);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ea_xmpp_info xi;
    struct ea_tls_info ti = { 0 };
    struct ea_xmpp_state *xs = ea_xmpp_state_new();
    struct ea_tls_state *ts = ea_tls_state_new();
    struct ea_cur in;
    struct fz_chunk ch;
    int upgraded = 0;

    if (!xs || !ts)
        goto out;
    memset(&xi, 0, sizeof(xi));
    ea_tls_info_init(&ti);
    ea_cur_init(&in, data, size);
    while (fz_next(&in, &ch)) {
        size_t off = 0;
        do {
            size_t n = ch.len - off;
            if (ch.piece && n > ch.piece)
                n = ch.piece;
            /* As classify.c does: after <proceed/> the bytes are TLS. */
            if (upgraded) {
                ea_tls_feed(ts, &ti, ch.dir, ch.data + off, n);
            } else {
                enum ea_dis_rc rc = ea_xmpp_feed(xs, &xi, ch.dir, ch.data + off, n);
                if (rc == EA_DIS_UPGRADE) {
                    if (!xi.proceed)
                        FZ_FAIL("ea_xmpp_feed said UPGRADE without <proceed/>");
                    upgraded = 1;
                } else if (rc != EA_DIS_NEED_MORE && rc != EA_DIS_NOT_MINE && rc != EA_DIS_DONE) {
                    FZ_FAIL("ea_xmpp_feed returned %d", (int)rc);
                }
            }
            off += n;
        } while (off < ch.len);
        check_info(&xi);
    }
    fz_check_field("sni", ti.sni, strlen(ti.sni) + 1);
out:
    ea_xmpp_state_free(xs);
    ea_tls_state_free(ts);
    ea_tls_info_clear(&ti);
    return 0;
}
