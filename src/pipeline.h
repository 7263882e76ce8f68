/* pipeline.h: being written. */
