"""`nni-annot view`: options, the non-loopback warning, and opening an experiment's page."""

from __future__ import annotations

from click.testing import CliRunner

from nniannot.cli import main
from nniannot.viewer import server as server_module


class _FakeServer:
    def __init__(self, store_path, host, port):
        self.url = f"http://{host}:{port}/"
        self.server = self
        self.calls = (store_path, host, port)

    def serve_forever(self):
        raise KeyboardInterrupt

    def server_close(self):
        pass


def _run(monkeypatch, tmp_path, *args):
    seen = {}

    def fake_start(store_path, host="127.0.0.1", port=0, *, thread=True):
        seen["server"] = _FakeServer(store_path, host, port)
        return seen["server"]

    monkeypatch.setattr(server_module, "start_server", fake_start)
    result = CliRunner().invoke(main, ["view", "--home", str(tmp_path / "home"), "--no-browser", *args])
    return result, seen.get("server")


def test_view_binds_loopback_by_default(monkeypatch, tmp_path):
    result, server = _run(monkeypatch, tmp_path)
    assert result.exit_code == 0, result.output
    assert server.calls == (str(tmp_path / "home" / "store.db"), "127.0.0.1", 8080)
    assert "viewer on http://127.0.0.1:8080/" in result.output and "warning" not in result.output


def test_view_warns_for_other_hosts(monkeypatch, tmp_path):
    result, server = _run(monkeypatch, tmp_path, "--host", "0.0.0.0", "--port", "9000")
    assert result.exit_code == 0
    assert "warning: binding to 0.0.0.0" in result.output and server.calls[1:] == ("0.0.0.0", 9000)


def test_view_opens_an_experiment(monkeypatch, real):
    import os

    home = os.path.dirname(real[0])
    seen = {}
    monkeypatch.setattr(
        server_module, "start_server", lambda *a, **k: seen.setdefault("s", _FakeServer(*a[:3]))
    )
    result = CliRunner().invoke(main, ["view", "--home", home, "--no-browser", "--port", "0", "latest"])
    assert result.exit_code == 0, result.output
    assert f"/experiments/{real[1]}" in result.output


def test_view_unknown_experiment_is_an_error(monkeypatch, real):
    import os

    result = CliRunner().invoke(main, ["view", "--home", os.path.dirname(real[0]), "--no-browser", "nope"])
    assert result.exit_code != 0 and "no experiment 'nope'" in result.output


def test_is_loopback():
    assert server_module.is_loopback("127.0.0.1") and server_module.is_loopback("::1")
    assert server_module.is_loopback("localhost") and server_module.is_loopback("127.5.0.1")
    assert not server_module.is_loopback("0.0.0.0") and not server_module.is_loopback("example.org")


def test_real_server_serves_and_shuts_down(real):
    import json
    import urllib.request

    viewer = server_module.start_server(real[0], "127.0.0.1", 0)
    try:
        with urllib.request.urlopen(viewer.url + "api/experiments", timeout=30) as response:
            assert json.load(response)["experiments"][0]["id"] == real[1]
    finally:
        viewer.shutdown()
