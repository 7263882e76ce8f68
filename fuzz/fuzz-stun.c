/* fuzz-stun.c: libFuzzer target for the STUN, TURN and MS-TURN parser, one message per chunk. */
#include "fuzz.h"
#include "dissect-stun.h"

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
        uint32_t before = si.messages[ch.dir];
        enum ea_dis_rc rc = ea_stun_parse(&si, ch.dir, ch.data, n);
        if (rc != EA_DIS_DONE && rc != EA_DIS_NOT_MINE)
            FZ_FAIL("ea_stun_parse returned %d", (int)rc);
        if (rc == EA_DIS_DONE && si.messages[ch.dir] == before && !si.channel_data)
            FZ_FAIL("ea_stun_parse said DONE but counted no message");
        ea_stun_is_response(ch.data, n);
        if (!ea_stun_method_name(si.first_method))
            FZ_FAIL("ea_stun_method_name(%u) is NULL", si.first_method);
    }
    return 0;
}
