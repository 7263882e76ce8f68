/* options.h: being written. */
