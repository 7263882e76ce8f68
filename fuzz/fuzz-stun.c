/* fuzz-stun.c: libFuzzer target for the STUN, TURN and MS-TURN parser, one message per chunk. */
#include "fuzz.h"
#include "dissect-stun.h"

/*
 * What ea_stun_parse counts in direction d: STUN messages, ChannelData
 * messages and [MS-TURN] 2.1.4 end-to-end data frames. An accepted message
 * (DONE) moves one of them.
 */
static uint64_t counted(const struct ea_stun_info *si, int d)
{
    return (uint64_t)si->messages[d] + si->channel_msgs[d] + si->framed_data[d];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ea_stun_info si, one;
    struct ea_cur in;
    struct fz_chunk ch;

    memset(&one, 0, sizeof(one));
    ea_stun_parse(&one, 0, data, size);
    ea_stun_is_response(data, size);

    memset(&si, 0, sizeof(si));
    ea_cur_init(&in, data, size);
    while (fz_next(&in, &ch)) {
        size_t n = ch.piece && ch.len > ch.piece ? ch.piece : ch.len;
        uint32_t before = counted(&si, ch.dir);
        enum ea_dis_rc rc = ea_stun_parse(&si, ch.dir, ch.data, n);
        if (rc != EA_DIS_DONE && rc != EA_DIS_NOT_MINE)
            FZ_FAIL("ea_stun_parse returned %d", (int)rc);
        if (rc == EA_DIS_DONE && counted(&si, ch.dir) == before)
            FZ_FAIL("ea_stun_parse said DONE but counted nothing");
        ea_stun_is_response(ch.data, n);
        if (!ea_stun_method_name(si.first_method))
            FZ_FAIL("ea_stun_method_name(%u) is NULL", si.first_method);
    }
    return 0;
}
