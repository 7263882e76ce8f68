/* main.c: thin entry point. */
int main(void) { return 0; }
