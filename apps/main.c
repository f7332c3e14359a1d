/* placeholder until the CLI lands */
#include <stdio.h>
#include "hokuto/stack.h"
int main(void) { struct hk_stack *s = hk_stack_new(NULL); hk_stack_free(s); puts("hokuto"); return 0; }
