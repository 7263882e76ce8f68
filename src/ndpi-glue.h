/* ndpi-glue.h: being written. */
