"""hulld's command line: only where to listen, how to log, whether to sandbox."""
import subprocess


def run(hulld_path, *args, timeout=10):
    return subprocess.run([hulld_path, *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def test_version_prints_version(hulld_path):
    proc = run(hulld_path, "--version")
    assert proc.returncode == 0
    assert proc.stdout.startswith("hulld ")
    major, minor, micro = proc.stdout.split()[1].split(".")
    assert all(part.isdigit() for part in (major, minor, micro))


def test_no_listener_refuses_to_start(hulld_path):
    proc = run(hulld_path)
    assert proc.returncode != 0
    assert "no QMP listener" in proc.stderr


def test_unknown_option_is_an_error(hulld_path):
    proc = run(hulld_path, "--machine", "virt")
    assert proc.returncode != 0
    assert "machine" in proc.stderr


def test_bad_log_level_is_an_error(hulld_path):
    proc = run(hulld_path, "--log-level", "loud", "--socket", "/nonexistent/x.qmp")
    assert proc.returncode != 0
    assert "log level" in proc.stderr
