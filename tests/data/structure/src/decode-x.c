/* decode-x.c: fixture */
#include "decode.h"

int decode_inner(int depth)
{
    return decode_outer(depth + 1);
}
