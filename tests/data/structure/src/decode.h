/* decode.h: fixture of the decode-* tunnelling */
#ifndef DECODE_H
#define DECODE_H
int decode_outer(int depth);
int decode_inner(int depth);
#endif
