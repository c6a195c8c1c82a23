/* A branchy interpreter loop: a stack-machine bytecode VM (switch dispatch: an indirect
 * jump per instruction) running a Collatz-steps program. */
#include "bench.h"

const char bench_name[] = "interp";
const uint64_t bench_expect = 0x00000000002bb405ULL;

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, DIV2, ODD, JZ, JNZ, JMP, DUP, DROP, LT, HALT };

/*
 * vars: 0 = n (outer counter), 1 = x, 2 = steps total, 3 = limit; the program is
 *     for (n = 1; n < limit; n++)
 *         for (x = n; x != 1; steps++) x = odd(x) ? 3x + 1 : x / 2;
 * assembled at run time so that jump targets are computed, not counted by hand.
 */
static int32_t code[128];

static int emit(int pc, int32_t op)
{
    code[pc] = op;
    return pc + 1;
}

static int assemble(void)
{
    int pc = 0, loop_n, loop_x, even, join, end_x, end_n;
    int fix_end_n, fix_end_x, fix_even, fix_join;

    pc = emit(pc, PUSH), pc = emit(pc, 1), pc = emit(pc, STORE), pc = emit(pc, 0);
    loop_n = pc;
    pc = emit(pc, LOAD), pc = emit(pc, 0), pc = emit(pc, LOAD), pc = emit(pc, 3);
    pc = emit(pc, LT), pc = emit(pc, JZ), fix_end_n = pc, pc = emit(pc, 0);
    pc = emit(pc, LOAD), pc = emit(pc, 0), pc = emit(pc, STORE), pc = emit(pc, 1);
    loop_x = pc;
    pc = emit(pc, LOAD), pc = emit(pc, 1), pc = emit(pc, PUSH), pc = emit(pc, 1);
    pc = emit(pc, SUB), pc = emit(pc, JZ), fix_end_x = pc, pc = emit(pc, 0);
    pc = emit(pc, LOAD), pc = emit(pc, 1), pc = emit(pc, ODD);
    pc = emit(pc, JZ), fix_even = pc, pc = emit(pc, 0);
    pc = emit(pc, LOAD), pc = emit(pc, 1), pc = emit(pc, PUSH), pc = emit(pc, 3);
    pc = emit(pc, MUL), pc = emit(pc, PUSH), pc = emit(pc, 1), pc = emit(pc, ADD);
    pc = emit(pc, STORE), pc = emit(pc, 1), pc = emit(pc, JMP), fix_join = pc;
    pc = emit(pc, 0);
    even = pc;
    pc = emit(pc, LOAD), pc = emit(pc, 1), pc = emit(pc, DIV2), pc = emit(pc, STORE);
    pc = emit(pc, 1);
    join = pc;
    pc = emit(pc, LOAD), pc = emit(pc, 2), pc = emit(pc, PUSH), pc = emit(pc, 1);
    pc = emit(pc, ADD), pc = emit(pc, STORE), pc = emit(pc, 2);
    pc = emit(pc, JMP), pc = emit(pc, loop_x);
    end_x = pc;
    pc = emit(pc, LOAD), pc = emit(pc, 0), pc = emit(pc, PUSH), pc = emit(pc, 1);
    pc = emit(pc, ADD), pc = emit(pc, STORE), pc = emit(pc, 0);
    pc = emit(pc, JMP), pc = emit(pc, loop_n);
    end_n = pc;
    pc = emit(pc, HALT);
    code[fix_end_n] = end_n;
    code[fix_end_x] = end_x;
    code[fix_even] = even;
    code[fix_join] = join;
    return pc;
}

static int64_t run(int64_t limit)
{
    int64_t stack[16], vars[4] = {0, 0, 0, limit};
    int sp = 0, pc = 0;

    for (;;) {
        int32_t op = code[pc++];

        switch (op) {
        case PUSH:
            stack[sp++] = code[pc++];
            break;
        case LOAD:
            stack[sp++] = vars[code[pc++]];
            break;
        case STORE:
            vars[code[pc++]] = stack[--sp];
            break;
        case ADD:
            sp--, stack[sp - 1] += stack[sp];
            break;
        case SUB:
            sp--, stack[sp - 1] -= stack[sp];
            break;
        case MUL:
            sp--, stack[sp - 1] *= stack[sp];
            break;
        case DIV2:
            stack[sp - 1] >>= 1;
            break;
        case ODD:
            stack[sp - 1] &= 1;
            break;
        case JZ:
            pc = stack[--sp] ? pc + 1 : code[pc];
            break;
        case JNZ:
            pc = stack[--sp] ? code[pc] : pc + 1;
            break;
        case JMP:
            pc = code[pc];
            break;
        case DUP:
            stack[sp] = stack[sp - 1], sp++;
            break;
        case DROP:
            sp--;
            break;
        case LT:
            sp--, stack[sp - 1] = stack[sp - 1] < stack[sp];
            break;
        case HALT:
            return vars[2];
        default:
            return -1;
        }
    }
}

uint64_t bench_run(unsigned rounds)
{
    uint64_t sum = 0;

    assemble();
    for (unsigned r = 0; r < rounds; r++) {
        sum += (uint64_t)run(30000 + r);
    }
    return sum;
}
