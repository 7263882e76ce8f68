/* policy.h: being written. */
