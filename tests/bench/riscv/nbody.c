/* N-body simulation steps (five bodies, double precision, sqrt and division). */
#include "bench.h"

#define N 5
#define STEPS 200000

typedef struct Body {
    double x, y, z, vx, vy, vz, m;
} Body;

static Body bodies[N] = {
    {0, 0, 0, 0, 0, 0, 39.47841760435743},
    {4.84, -1.16, -0.10, 0.606, 2.81, -0.02, 0.0377},
    {8.34, 4.12, -0.40, -1.01, 1.82, 0.008, 0.0113},
    {12.89, -15.11, -0.22, 1.08, 0.868, -0.01, 0.0017},
    {15.37, -25.91, 0.179, 0.979, 0.594, -0.034, 0.0020},
};

static void step(double dt)
{
    for (int i = 0; i < N; i++) {
        for (int j = i + 1; j < N; j++) {
            double dx = bodies[i].x - bodies[j].x;
            double dy = bodies[i].y - bodies[j].y;
            double dz = bodies[i].z - bodies[j].z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * __builtin_sqrt(d2));

            bodies[i].vx -= dx * bodies[j].m * mag;
            bodies[i].vy -= dy * bodies[j].m * mag;
            bodies[i].vz -= dz * bodies[j].m * mag;
            bodies[j].vx += dx * bodies[i].m * mag;
            bodies[j].vy += dy * bodies[i].m * mag;
            bodies[j].vz += dz * bodies[i].m * mag;
        }
    }
    for (int i = 0; i < N; i++) {
        bodies[i].x += dt * bodies[i].vx;
        bodies[i].y += dt * bodies[i].vy;
        bodies[i].z += dt * bodies[i].vz;
    }
}

uint64_t run(void)
{
    uint64_t total = 0;

    for (int s = 0; s < STEPS; s++) {
        step(0.001);
    }
    for (int i = 0; i < N; i++) {
        union {
            double d;
            uint64_t u;
        } v = {bodies[i].x + bodies[i].y + bodies[i].z};

        total += v.u >> 8;
    }
    return total;
}

BENCH_MAIN(EXPECT)
