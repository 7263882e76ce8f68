/* output-flows.h: being written. */
