/* flow.c: being written. */
typedef int ea_placeholder_flow;
