/* decode.c: fixture; calls decode-x.c, which calls back. */
#include "decode.h"

int decode_outer(int depth)
{
    return depth > 3 ? 0 : decode_inner(depth + 1);
}
