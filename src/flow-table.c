/* flow-table.c: being written. */
typedef int ea_placeholder_flow_table;
