/* dissect-sip.c: being written. */
typedef int ea_placeholder_dissect_sip;
