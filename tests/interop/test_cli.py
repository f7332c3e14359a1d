"""The hokuto command line: help, and clear errors with a non-zero exit for
bad options, a missing interface and a missing privilege."""
import shutil

import pytest

from conftest import hokuto_bin, run


def hk(*args, ns=None, prefix=()):
    cmd = list(prefix) + [hokuto_bin()] + list(args)
    if ns is not None:
        return ns.exec(cmd, check=False)
    return run(cmd, check=False)


def test_help_lists_commands():
    r = hk("--help")
    assert r.returncode == 0
    for cmd in ("ping", "serve"):
        assert "\n  %s " % cmd in r.stdout, r.stdout
    for opt in ("--dev", "--ip", "--gw", "--mac", "--mtu", "--pcap", "--stats", "--impair", "--cc", "--seed"):
        assert opt in r.stdout


def test_every_command_has_help():
    """Every command in `hokuto --help`'s list answers COMMAND --help."""
    listing = hk("--help").stdout.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    cmds = [line.split()[0] for line in listing.splitlines() if line.startswith("  ")]
    assert "ping" in cmds and "serve" in cmds, listing
    for cmd in cmds:
        r = hk(cmd, "--help")
        assert r.returncode == 0, (cmd, r.stderr)
        first = r.stdout.splitlines()[0] if r.stdout else ""
        assert first.startswith("usage:") and cmd in first, (cmd, r.stdout)
        # `hokuto help CMD` says the same.
        assert hk("help", cmd).stdout == r.stdout, cmd


def test_no_command_and_unknown_command():
    assert hk().returncode == 2
    r = hk("frobnicate")
    assert r.returncode == 2 and "unknown command 'frobnicate'" in r.stderr


@pytest.mark.parametrize("args,message", [
    (["--ip", "192.0.2.300/24", "serve"], "--ip 192.0.2.300/24: not an IPv4 address"),
    (["--ip", "192.0.2.2/40", "serve"], "prefix length"),
    (["--gw", "nope", "serve"], "--gw nope: not an IPv4 address"),
    (["--mac", "00:11:22", "serve"], "--mac 00:11:22: not a MAC address"),
    (["--mtu", "20", "serve"], "--mtu 20"),
    (["--cc", "vegas", "serve"], "--cc vegas"),
    (["--seed", "x", "serve"], "--seed x"),
    (["--dev", "packet:lo", "serve"], "--ip"),
    (["--bogus", "serve"], "unknown option --bogus"),
    (["ping"], "HOST"),
    (["ping", "-c", "0", "192.0.2.1"], "-c 0"),
    (["ping", "-s", "70000", "192.0.2.1"], "-s 70000"),
])
def test_bad_options_are_explained(args, message):
    r = hk(*args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in r.stderr, r.stderr


def test_unknown_host(netns_factory):
    r = hk("--dev", "packet:lo", "--ip", "192.0.2.2/24", "ping", "no-such-host.invalid",
           ns=netns_factory())
    assert r.returncode == 2 and "no-such-host.invalid" in r.stderr


def test_missing_interface(netns_factory):
    ns = netns_factory()
    r = hk("--dev", "packet:hknosuchif", "--ip", "192.0.2.2/24", "serve", ns=ns)
    assert r.returncode != 0
    assert "hknosuchif" in r.stderr, r.stderr


def test_missing_privilege(netns_factory):
    setpriv = shutil.which("setpriv")
    if not setpriv:
        pytest.skip("setpriv (util-linux) not installed")
    ns = netns_factory()
    drop = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all"]
    r = hk("--dev", "tap:hknopriv", "--ip", "192.0.2.2/24", "serve", ns=ns, prefix=drop)
    assert r.returncode != 0
    assert "root" in r.stderr or "CAP_NET_ADMIN" in r.stderr, r.stderr
    assert ns.ip("link", "show", "hknopriv", check=False).returncode != 0
