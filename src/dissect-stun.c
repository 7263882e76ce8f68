/* dissect-stun.c: STUN/TURN (RFC 5389/8489, RFC 8656) and MS-TURN message recognition. */
#include <stdlib.h>
#include <string.h>
#include "dissect-stun.h"
#include "util-bytes.h"

#define STUN_COOKIE         0x2112A442u  /* RFC 5389 section 6 */
#define MSTURN_COOKIE_ATTR  0x000F       /* [MS-TURN] 2.2.2 MAGIC-COOKIE */
#define MSTURN_COOKIE       0x72C64BC6u
#define ATTR_MS_VERSION     0x8008       /* [MS-TURN] 2.2.2.17 */
#define ATTR_MS_IMPL_VER    0x8070       /* [MS-ICE2] Implementation-Version */
#define MSTURN_FRAME_CONTROL 0x02        /* [MS-TURN] 2.1.4: a TURN control message */
#define MSTURN_FRAME_DATA    0x03        /* [MS-TURN] 2.1.4: end-to-end data */

/* What one well-formed message says, gathered before info is touched. */
struct stun_msg {
    uint16_t method;
    uint8_t cls;            /* EA_STUN_* bit */
    uint8_t legacy;         /* MS-TURN form: MAGIC-COOKIE attribute first */
    uint8_t ms_attrs;
    uint8_t has_ms_version;
    uint8_t has_impl_ver;
    uint32_t ms_version;
    uint32_t impl_ver;
};

/*
 * Microsoft comprehension-optional attributes we recognise, from [MS-TURN]
 * 2.2.2 (MS-Version 0x8008, MS-Alternate-Host-Name 0x8032, App-ID 0x8037,
 * Secure-Tag 0x8039, MS-Sequence-Number 0x8050, MS-Service-Quality 0x8055,
 * Alt-Mapped-Address 0x8090, Multiplexed-TURN-Session-ID 0x8095),
 * [MS-TURNBWM] (Bandwidth-Admission-Control-Message 0x8056 through
 * SIP-Call-ID 0x8062, Location-Profile 0x8068) and [MS-ICE2]
 * (Candidate-Identifier 0x8054, Implementation-Version 0x8070).
 * Numbers checked against the [MS-TURN] attribute list and Wireshark's
 * packet-stun.c, which says which Microsoft document defines each.
 * 0x8020 (MS XOR-MAPPED-ADDRESS) is left out: pre-RFC 5389 drafts used the
 * same number, so it says nothing about Microsoft.
 */
static int is_ms_attr(uint16_t t)
{
    switch (t) {
    case 0x8008: case 0x8032: case 0x8037: case 0x8039: case 0x8050:
    case 0x8068: case 0x8070: case 0x8090: case 0x8095:
        return 1;
    default:
        return t >= 0x8054 && t <= 0x8062;
    }
}

/* RFC 5389 section 6: class bits C1 (bit 8) and C0 (bit 4) of the type. */
static uint8_t type_class(uint16_t type)
{
    static const uint8_t bits[4] = {
        EA_STUN_REQUEST, EA_STUN_INDICATION, EA_STUN_SUCCESS, EA_STUN_ERROR
    };
    return bits[((type >> 7) & 0x2) | ((type >> 4) & 0x1)];
}

/* RFC 5389 section 6: the 12 method bits M0-M11 around the class bits. */
static uint16_t type_method(uint16_t type)
{
    return (uint16_t)((type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80));
}

/* Counters saturate rather than wrap back to "nothing seen". */
static void bump(uint32_t *n)
{
    if (*n < UINT32_MAX)
        (*n)++;
}

/* [MS-TURN] 2.2.2: 1 when the body starts with MAGIC-COOKIE 0x72C64BC6. */
static int starts_with_ms_cookie(struct ea_cur body)
{
    uint16_t type = ea_cur_be16(&body);
    uint16_t alen = ea_cur_be16(&body);
    uint32_t val = ea_cur_be32(&body);
    return !body.err && type == MSTURN_COOKIE_ATTR && alen == 4 && val == MSTURN_COOKIE;
}

/*
 * Walks the attributes of one message body (RFC 5389 section 15: type,
 * length, value padded to 4). MS-TURN servers send attributes unpadded
 * (seen from Teams relays), so that form is walked with padded = 0 too.
 * Returns 0 when the attributes end exactly at the body's end, else -1.
 * The body is taken by value: each walk starts afresh.
 */
static int walk_attrs(struct ea_cur body, int padded, struct stun_msg *m)
{
    m->ms_attrs = m->has_ms_version = m->has_impl_ver = 0;
    while (ea_cur_left(&body) > 0) {
        uint16_t type = ea_cur_be16(&body);
        uint16_t alen = ea_cur_be16(&body);
        struct ea_cur val = ea_cur_sub(&body, alen);
        if (padded)
            ea_cur_skip(&body, (size_t)((4 - (alen & 3)) & 3));
        if (body.err)
            return -1;
        if (is_ms_attr(type))
            m->ms_attrs = 1;
        if (type == ATTR_MS_VERSION && alen >= 4) {
            m->has_ms_version = 1;
            m->ms_version = ea_cur_be32(&val);
        } else if (type == ATTR_MS_IMPL_VER && alen >= 4) {
            m->has_impl_ver = 1;
            m->impl_ver = ea_cur_be32(&val);
        }
    }
    return 0;
}

/*
 * RFC 5389 section 6 message header:
 *  |0 0|     STUN Message Type     |         Message Length        |
 *  |                         Magic Cookie                          |
 *  |                     Transaction ID (96 bits)                  |
 * [MS-TURN] 2.2.1 (RFC 3489 layout): a 128-bit transaction ID instead of
 * cookie and ID, and the MAGIC-COOKIE attribute first. Teams relays send
 * that form with 0x2112A442 at the start of the ID, so the attribute, not
 * the header, tells the forms apart. Returns 0 and fills m, or -1.
 */
static int parse_message(const uint8_t *data, size_t len, struct stun_msg *m)
{
    struct ea_cur c;
    ea_cur_init(&c, data, len);
    memset(m, 0, sizeof(*m));

    uint16_t type = ea_cur_be16(&c);
    uint16_t mlen = ea_cur_be16(&c);
    uint32_t cookie = ea_cur_be32(&c);
    ea_cur_skip(&c, 12);
    if (c.err || (type & 0xC000))
        return -1;
    /* On TCP a caller may hand us more than one message: walk only this one. */
    struct ea_cur body = ea_cur_sub(&c, mlen);
    if (body.err)
        return -1;
    m->legacy = (uint8_t)starts_with_ms_cookie(body);
    if (!m->legacy && (cookie != STUN_COOKIE || (mlen & 3)))
        return -1;
    m->method = type_method(type);
    m->cls = type_class(type);
    /* [MS-TURN] 2.2.1: Data Indication is 0x0115 although its class bits say error. */
    if (m->legacy && type == 0x0115)
        m->cls = EA_STUN_INDICATION;
    if (walk_attrs(body, 1, m) == 0)
        return 0;
    return m->legacy ? walk_attrs(body, 0, m) : -1;
}

/*
 * RFC 8656 section 12.4 ChannelData:
 *  |         Channel Number        |            Length             |
 *  |                   Application Data (Length bytes)             |
 * Channel numbers are 0x4000-0x7FFF (first two bits 01). Over UDP the
 * padding to 4 is optional, so up to 3 bytes may follow the data.
 */
static int is_channel_data(const uint8_t *data, size_t len)
{
    struct ea_cur c;
    ea_cur_init(&c, data, len);
    uint16_t chan = ea_cur_be16(&c);
    uint16_t dlen = ea_cur_be16(&c);
    if (c.err || (chan & 0xC000) != 0x4000)
        return 0;
    size_t left = ea_cur_left(&c);
    return dlen <= left && left - dlen < 4;
}

int ea_stun_channel_data(const uint8_t *data, size_t len, const uint8_t **app, size_t *app_len)
{
    struct ea_cur c;
    ea_cur_init(&c, data, len);
    uint16_t chan = ea_cur_be16(&c);
    uint16_t dlen = ea_cur_be16(&c);
    if (c.err || chan < 0x4000 || chan > 0x4FFF || !is_channel_data(data, len))
        return 0;
    *app = ea_cur_ptr(&c, dlen);
    *app_len = dlen;
    return !c.err;
}

/*
 * [MS-TURN] 2.1.4 TCP framing header, before every TURN message and every
 * piece of end-to-end data sent to the TURN server over TCP (never before
 * the pseudo-TLS session establishment messages):
 *  |     Type      |   Reserved    |            Length             |
 *  |                  frame (Length bytes) ...                     |
 * Type 0x02 is a TURN control message, 0x03 end-to-end data; Reserved MUST
 * be zero; Length counts the bytes following the Length field.
 */
int ea_stun_ms_tcp_frame(const uint8_t *data, size_t len, const uint8_t **body, size_t *body_len)
{
    struct ea_cur c;
    ea_cur_init(&c, data, len);
    uint8_t type = ea_cur_u8(&c);
    uint8_t reserved = ea_cur_u8(&c);
    uint16_t flen = ea_cur_be16(&c);
    const uint8_t *p = ea_cur_ptr(&c, flen);
    if (c.err || !p || reserved != 0 || (type != MSTURN_FRAME_CONTROL && type != MSTURN_FRAME_DATA))
        return 0;
    *body = p;
    *body_len = flen;
    return type;
}

/*
 * A control frame's bytes ([MS-TURN] 2.1.4) hold exactly one TURN message:
 * its 20-byte header and Message Length bytes fill the frame. 0 and m
 * filled when they do, else -1.
 */
static int framed_message(const uint8_t *b, size_t n, struct stun_msg *m)
{
    struct ea_cur c;
    ea_cur_init(&c, b, n);
    ea_cur_skip(&c, 2);
    uint16_t mlen = ea_cur_be16(&c);
    if (c.err || n != 20u + mlen)
        return -1;
    return parse_message(b, n, m);
}

/* Counts one accepted message m in info, in direction d (0 or 1). */
static void count_message(struct ea_stun_info *info, int d, const struct stun_msg *m)
{
    if (info->messages[0] + info->messages[1] == 0)
        info->first_method = m->method;
    if (m->method < 16)
        info->methods |= (uint16_t)(1u << m->method);
    info->classes |= m->cls;
    bump(&info->messages[d]);
    if (m->cls == EA_STUN_REQUEST)
        bump(&info->requests[d]);
    else if (m->cls == EA_STUN_SUCCESS || m->cls == EA_STUN_ERROR)
        bump(&info->responses[d]);
    if (m->ms_attrs)
        info->ms_attrs = 1;
    /*
     * msturn: the legacy MS-TURN form, or an RFC 5389 message announcing a
     * Microsoft version (MS-Version, as Teams sends, or the MS-ICE2
     * Implementation-Version). ms_version prefers MS-Version when both exist.
     */
    if (m->legacy || m->has_ms_version || m->has_impl_ver)
        info->msturn = 1;
    if (m->has_ms_version)
        info->ms_version = m->ms_version;
    else if (m->has_impl_ver && info->ms_version == 0)
        info->ms_version = m->impl_ver;
}

/*
 * [MS-TURN] 2.1.4 on TCP: a control frame around one TURN message (counted,
 * 1), or end-to-end data once a framed message was seen (1). The framing
 * is Microsoft's, so it sets msturn. 0 when data is no such frame, for the
 * unframed forms to try.
 */
static int parse_framed(struct ea_stun_info *info, int d, const uint8_t *data, size_t len)
{
    const uint8_t *body = NULL;
    size_t blen = 0;
    struct stun_msg m;
    int type = ea_stun_ms_tcp_frame(data, len, &body, &blen);
    if (type == MSTURN_FRAME_DATA && info->tcp_framed) {
        bump(&info->framed_data[d]);
        return 1;
    }
    if (type != MSTURN_FRAME_CONTROL || framed_message(body, blen, &m) != 0)
        return 0;
    count_message(info, d, &m);
    info->tcp_framed = 1;
    info->msturn = 1;
    return 1;
}

/*
 * Parses one STUN message, TURN ChannelData message or [MS-TURN] TCP frame.
 * info is caller-owned and only updated when the message is accepted; dir
 * is EA_DIR_C2S or EA_DIR_S2C (any non-zero value counts as S2C). NULL info
 * or data gives NOT_MINE. ChannelData and end-to-end data frames are
 * accepted only once info has counted a STUN message (a framed one for
 * data frames), because four arbitrary bytes easily pass their checks.
 */
enum ea_dis_rc ea_stun_parse(struct ea_stun_info *info, int dir, const uint8_t *data, size_t len)
{
    struct stun_msg m;
    int d = dir ? 1 : 0;

    if (!info || !data || len < 4)
        return EA_DIS_NOT_MINE;
    struct ea_cur c;
    ea_cur_init(&c, data, len);
    uint8_t first = ea_cur_u8(&c);
    ea_cur_skip(&c, 3);
    uint32_t cookie = ea_cur_be32(&c);  /* err when shorter than 8: no cookie */

    if ((first & 0xC0) == 0x40) {
        if (info->messages[0] + info->messages[1] == 0 || !is_channel_data(data, len))
            return EA_DIS_NOT_MINE;
        info->channel_data = 1;
        bump(&info->channel_msgs[d]);
        return EA_DIS_DONE;
    }
    if ((first == MSTURN_FRAME_CONTROL || first == MSTURN_FRAME_DATA) && parse_framed(info, d, data, len))
        return EA_DIS_DONE;

    if (parse_message(data, len, &m) != 0) {
        /* A STUN flow that sends a broken message with the cookie: note it. */
        if (info->messages[0] + info->messages[1] > 0 && !c.err && (first & 0xC0) == 0 &&
            cookie == STUN_COOKIE)
            info->malformed = 1;
        return EA_DIS_NOT_MINE;
    }
    count_message(info, d, &m);
    return EA_DIS_DONE;
}

/*
 * 1 when data holds a whole STUN response (success or error class): the RFC
 * 5389 magic cookie or the MS-TURN MAGIC-COOKIE attribute, and attributes
 * that end where the header says, as ea_stun_parse accepts it. 0 for anything
 * else, including NULL, too-short input and MS-TURN's Data Indication 0x0115.
 * The whole parse matters: a DNS query whose ID reads as a STUN response type
 * must not turn its flow round.
 */
int ea_stun_is_response(const uint8_t *data, size_t len)
{
    struct stun_msg m;
    if (!data || parse_message(data, len, &m) != 0)
        return 0;
    return m.cls == EA_STUN_SUCCESS || m.cls == EA_STUN_ERROR;
}

/* Static string; never NULL. Names follow RFC 5389 and RFC 8656 numbering. */
const char *ea_stun_method_name(uint16_t method)
{
    switch (method) {
    case 0x001: return "binding";
    case 0x003: return "allocate";
    case 0x004: return "refresh";
    case 0x006: return "send";
    case 0x007: return "data";
    case 0x008: return "create-permission";
    case 0x009: return "channel-bind";
    default:    return "unknown";
    }
}

struct ea_stun_info *ea_stun_info_new(void)
{
    return calloc(1, sizeof(struct ea_stun_info));
}

void ea_stun_info_free(struct ea_stun_info *s)
{
    free(s);
}

int ea_stun_matched(const struct ea_stun_info *s)
{
    return s && s->messages[0] + s->messages[1] > 0;
}
