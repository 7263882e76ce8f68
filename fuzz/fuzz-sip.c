/* fuzz-sip.c: libFuzzer target for the SIP parser, one datagram or stream start per chunk. */
#include "fuzz.h"
#include "dissect-sip.h"

static void check_info(const struct ea_sip_info *si)
{
    FZ_CHECK_FIELD(si, method);
    FZ_CHECK_FIELD(si, via_transport);
    FZ_CHECK_FIELD(si, from_domain);
    FZ_CHECK_FIELD(si, to_domain);
    if (si->status > 999)
        FZ_FAIL("status %u has more than three digits", si->status);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ea_sip_info acc, one;
    struct ea_cur in;
    struct fz_chunk ch;

    /* The whole input as one message too: the first chunk header is just more bytes then. */
    memset(&one, 0, sizeof(one));
    ea_sip_parse(&one, 0, data, size);
    check_info(&one);

    memset(&acc, 0, sizeof(acc));
    ea_cur_init(&in, data, size);
    while (fz_next(&in, &ch)) {
        /* A piece size cuts the message short, as a small snaplen would. */
        size_t n = ch.piece && ch.len > ch.piece ? ch.piece : ch.len;
        enum ea_dis_rc rc = ea_sip_parse(&acc, ch.dir, ch.data, n);
        if (rc != EA_DIS_DONE && rc != EA_DIS_NOT_MINE && rc != EA_DIS_NEED_MORE)
            FZ_FAIL("ea_sip_parse returned %d", (int)rc);
        memset(&one, 0, sizeof(one));
        if (ea_sip_parse(&one, ch.dir, ch.data, ch.len) == EA_DIS_DONE && !one.request && !one.response)
            FZ_FAIL("ea_sip_parse said DONE without a request or status line");
        check_info(&one);
        check_info(&acc);
    }
    return 0;
}
