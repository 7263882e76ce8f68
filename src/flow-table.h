/* flow-table.h: being written. */
