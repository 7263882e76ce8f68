/* main.c: thin entry point; everything else lives in the library the tests link. */
#include "app.h"

int main(int argc, char **argv)
{
    return ea_app_main(argc, argv);
}
