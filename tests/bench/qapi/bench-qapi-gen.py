#!/usr/bin/python3
# Benchmark: how long qapi-gen takes on Hull's real schema (parse, check, every backend),
# in-process so that interpreter start-up is reported separately. Prints figures only.

import os
import subprocess
import sys
import tempfile
import time

SRC = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
sys.path.insert(0, os.path.join(SRC, 'qapi-gen'))

from qapi.schema import QAPISchema  # noqa: E402
import qapi.backend_types, qapi.backend_visit, qapi.backend_commands  # noqa: E402,E401
import qapi.backend_events, qapi.backend_introspect, qapi.backend_docs  # noqa: E402,E401

BACKENDS = [qapi.backend_types, qapi.backend_visit, qapi.backend_commands,
            qapi.backend_events, qapi.backend_introspect, qapi.backend_docs]


def one_run(schema_path):
    t0 = time.perf_counter()
    schema = QAPISchema(schema_path)
    t1 = time.perf_counter()
    size = 0
    for mod in BACKENDS:
        for f in mod.generate(schema, ''):
            size += len(f.text())
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, schema, size


def main():
    schema_path = os.path.join(SRC, 'qapi-schema', 'hull.json')
    runs = 10
    parse, gen = [], []
    for _ in range(runs):
        p, g, schema, size = one_run(schema_path)
        parse.append(p)
        gen.append(g)
    ents = [e for e in schema.entities() if e.info is not None and not e.is_implicit()]
    counts = {}
    for e in ents:
        counts[e.meta] = counts.get(e.meta, 0) + 1
    print('schema: %d definitions (%s), %d files' % (
        len(ents), ', '.join('%d %s' % (n, m) for m, n in sorted(counts.items())),
        len(schema.files)))
    print('parse+check: best %.1f ms, median %.1f ms' % (min(parse) * 1e3,
                                                        sorted(parse)[runs // 2] * 1e3))
    print('all backends: best %.1f ms, median %.1f ms, %d KiB of output' % (
        min(gen) * 1e3, sorted(gen)[runs // 2] * 1e3, size // 1024))
    # The whole command as the build runs it, interpreter start-up included.
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, os.path.join(SRC, 'qapi-gen', 'qapi-gen.py'), '-o', out,
                        '-b', 'types,visit,commands,events,introspect,docs', schema_path],
                       check=True)
        print('qapi-gen.py command (as run by the build): %.0f ms'
              % ((time.perf_counter() - t0) * 1e3))
    return 0


if __name__ == '__main__':
    sys.exit(main())
