/* dissect-xmpp.c: being written. */
typedef int ea_placeholder_dissect_xmpp;
