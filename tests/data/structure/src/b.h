/* b.h: fixture; including a.h closes the cycle a -> b -> a. */
#ifndef B_H
#define B_H
#include "a.h"
int b_six(int a, int b, int c, int d, int e, int f);
int b_seven(int a, int b, int c, int d, int e, int f, int g);
#endif
