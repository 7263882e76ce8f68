/* a.h: fixture */
#ifndef A_H
#define A_H
int a_calls_b(int x);
int a_short(int x);
int a_long(int x);
#endif
