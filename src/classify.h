/* classify.h: being written. */
