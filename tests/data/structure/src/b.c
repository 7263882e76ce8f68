/* b.c: fixture */
#include "b.h"

int b_six(int a, int b, int c, int d, int e, int f)
{
    return a + b + c + d + e + f;
}

/* "int b_eight(int a, int b, int c, int d, int e, int f, int g, int h) {" in a string is no definition */
int b_seven(int a, int b, int c, int d, int e, int f,
            int g)
{
    const char *s = "{ a_long(1) }";
    (void)s;
    return a + b + c + d + e + f + g;
}
