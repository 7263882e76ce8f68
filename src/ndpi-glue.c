/* ndpi-glue.c: being written. */
typedef int ea_placeholder_ndpi_glue;
