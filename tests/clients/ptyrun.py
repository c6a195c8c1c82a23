"""Runs a program on a pseudo-terminal and talks to it like a user at a keyboard: send
keys, wait for text on the screen. Our own small expect, so the tests need no pexpect."""
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time


class PtyProcess:
    def __init__(self, argv, env=None, cols=100, rows=30):
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

        def child_setup():
            # A session of its own with the pty as controlling terminal, like a login.
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        full_env = dict(os.environ)
        full_env.update(env or {})
        full_env.setdefault("TERM", "dumb")
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                     preexec_fn=child_setup, env=full_env, close_fds=True)
        os.close(slave)
        self.output = b""     # everything read so far
        self.pos = 0          # how much of it expect() has consumed

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        os.write(self.master, data)

    def _read(self, timeout):
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: every slave descriptor is closed
            chunk = b""
        if not chunk:
            return None
        self.output += chunk
        return True

    def expect(self, pattern, timeout=10.0):
        """Waits until pattern (bytes/str regex) appears after what earlier calls consumed;
        returns the match. AssertionError with the screen so far on timeout or exit."""
        if isinstance(pattern, str):
            pattern = pattern.encode()
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.output, self.pos)
            if m:
                self.pos = m.end()
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out waiting for %r; output:\n%s"
                                     % (pattern, self.output.decode(errors="replace")))
            got = self._read(left)
            if got is None:
                raise AssertionError("program ended before %r; output:\n%s"
                                     % (pattern, self.output.decode(errors="replace")))

    def tty_attrs(self):
        """The terminal's current settings (termios.tcgetattr list)."""
        return termios.tcgetattr(self.master)

    def wait(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(0.05)
        return self.proc.wait(max(deadline - time.monotonic(), 0.1))

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        os.close(self.master)
