/* defrag.h: being written. */
