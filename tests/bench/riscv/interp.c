/* A bytecode interpreter loop: a switch over opcodes with a data-dependent mix of
 * branches, the shape of emulators and scripting-language VMs. */
#include "bench.h"

enum { OP_PUSH, OP_ADD, OP_SUB, OP_MUL, OP_XOR, OP_DUP, OP_SWAP, OP_OVER, OP_JNZ, OP_DEC,
       OP_HALT };

#define ROUNDS 12000

/* A hash loop on a stack machine: n = 100 times, acc = (acc * 33) ^ n. */
static const uint8_t program[] = {
    OP_PUSH, 100,        /* [acc n] (acc is the seed pushed by exec) */
    /* 2: loop */
    OP_SWAP,             /* [n acc] */
    OP_PUSH, 33, OP_MUL, /* [n acc*33] */
    OP_OVER, OP_XOR,     /* [n acc'] */
    OP_SWAP, OP_DEC,     /* [acc' n-1] */
    OP_DUP, OP_JNZ, 2,   /* [acc' n-1] */
    OP_PUSH, 7, OP_SUB, OP_HALT,
};

static int64_t exec(const uint8_t *code, int64_t seed)
{
    int64_t stack[16];
    int sp = 0;
    unsigned pc = 0;

    stack[sp++] = seed;
    for (;;) {
        uint8_t op = code[pc++];

        switch (op) {
        case OP_PUSH:
            stack[sp++] = code[pc++];
            break;
        case OP_ADD:
            sp--;
            stack[sp - 1] += stack[sp];
            break;
        case OP_SUB:
            sp--;
            stack[sp - 1] -= stack[sp];
            break;
        case OP_MUL:
            sp--;
            stack[sp - 1] *= stack[sp];
            break;
        case OP_XOR:
            sp--;
            stack[sp - 1] ^= stack[sp];
            break;
        case OP_DUP:
            stack[sp] = stack[sp - 1];
            sp++;
            break;
        case OP_OVER:
            stack[sp] = stack[sp - 2];
            sp++;
            break;
        case OP_SWAP: {
            int64_t t = stack[sp - 1];
            stack[sp - 1] = stack[sp - 2];
            stack[sp - 2] = t;
            break;
        }
        case OP_JNZ: {
            uint8_t target = code[pc++];
            if (stack[--sp]) {
                pc = target;
            }
            break;
        }
        case OP_DEC:
            stack[sp - 1]--;
            break;
        default:
            {
                int64_t r = 0;
                while (sp) {
                    r = r * 31 + stack[--sp];
                }
                return r;
            }
        }
    }
}

uint64_t run(void)
{
    uint64_t total = 0;

    for (int64_t r = 0; r < ROUNDS; r++) {
        total += (uint64_t)exec(program, r);
    }
    return total;
}

BENCH_MAIN(EXPECT)
