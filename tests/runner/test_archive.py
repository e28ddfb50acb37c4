"""`nni-annot save` / `load`: a real experiment moved to another home reads the same; hostile archives refused."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile

import pytest
from click.testing import CliRunner

from nniannot.cli import main
from nniannot.runner.store import open_reader
from nniannot.viewer import create_app
from tests.runner.conftest import spawn, wait_for, write

SCRIPT = """
    import os
    import nni

    '''@nni.variable(nni.choice(0.1, 0.01, 0.001), name=lr)'''
    lr = 0.1  # the learning rate
    '''@nni.variable(nni.uniform(0, 1), name=x)'''
    x = 0.5
    for step in range(3):
        '''@nni.report_intermediate_result(lr * x * step)'''
    with open(os.path.join(os.environ["NNI_OUTPUT_DIR"], "model.ckpt"), "w") as f:
        f.write("weights")
    print("trained", lr, x)
    '''@nni.report_final_result(lr * x)'''
"""


def nni(home: str, *args: str):
    """Run nni-annot in-process against ``home``; the result must never carry a traceback."""
    result = CliRunner().invoke(main, [*args, "--home", home])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def _run(tmp_path, home: str, trials: int = 3) -> str:
    script = write(tmp_path / "train.py", SCRIPT)
    result = nni(
        home, "run", script, "--max-trials", str(trials), "--tuner", "random", "--seed", "3", "--plain"
    )
    assert result.exit_code == 0, result.output
    with open_reader(os.path.join(home, "store.db")) as reader:
        return reader.resolve("latest")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A finished experiment of 3 trials in one home, saved whole: (tmp dir, home, experiment id, archive)."""
    tmp_path = tmp_path_factory.mktemp("saved")
    home = str(tmp_path / "home")
    exp_id = _run(tmp_path, home)
    archive = str(tmp_path / "exp.nniannot.tar.gz")
    result = nni(home, "save", exp_id, "-o", archive)
    assert result.exit_code == 0, result.output
    assert f"saved experiment {exp_id} (3 trial(s)" in result.output
    return tmp_path, home, exp_id, archive


def _outputs(home: str, exp_id: str) -> dict[str, str]:
    outputs = {}
    for name, args in {
        "show": ("show", exp_id),
        "show_json": ("show", exp_id, "--json"),
        "trial": ("show", exp_id, "0"),
        "csv": ("export", exp_id, "--format", "csv", "--intermediate"),
        "json": ("export", exp_id, "--format", "json", "--intermediate"),
        "best_code": ("show", exp_id, "--best-code"),
    }.items():
        result = nni(home, *args)
        assert result.exit_code == 0, result.output
        outputs[name] = result.output.replace(home, "<home>")
    return outputs


def _pages(home: str, exp_id: str) -> dict[str, bytes]:
    client = create_app(os.path.join(home, "store.db"), {"CSRF_TOKEN": "t", "TESTING": True}).test_client()
    pages = {}
    for url in (f"/experiments/{exp_id}", f"/api/experiments/{exp_id}", f"/api/experiments/{exp_id}/trials",
                f"/api/experiments/{exp_id}/curves", f"/api/experiments/{exp_id}/trials.csv"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.data.replace(home.encode(), b"<home>")
    return pages


def test_a_loaded_experiment_shows_exports_and_serves_what_the_original_did(saved, tmp_path):
    _, home, exp_id, archive = saved
    other = str(tmp_path / "elsewhere")
    result = nni(other, "load", archive)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"loaded experiment {exp_id}: 3 trial(s), 18 file(s), DONE"
    before, after = _outputs(home, exp_id), _outputs(other, exp_id)
    assert after == before
    assert "lr = " in after["best_code"] and "# the learning rate" in after["best_code"]
    assert _pages(other, exp_id) == _pages(home, exp_id)
    with open_reader(os.path.join(other, "store.db")) as reader:
        trials = reader.list_trials(exp_id)
        command = reader.get_experiment(exp_id).command
    assert all(t.dir.startswith(os.path.join(other, "experiments", exp_id)) for t in trials)
    assert all(os.path.isfile(os.path.join(t.dir, "model.ckpt")) for t in trials)
    assert home not in json.dumps(command)  # the snapshot is the new home's own copy
    assert any(os.path.join(other, "snapshots") in part for part in command)


def test_a_second_load_under_the_same_id_is_refused_and_as_gives_it_another(saved, tmp_path):
    _, _, exp_id, archive = saved
    other = str(tmp_path / "elsewhere")
    assert nni(other, "load", archive).exit_code == 0
    store = os.path.join(other, "store.db")
    stamp = os.path.getmtime(store), sorted(os.listdir(os.path.join(other, "experiments")))
    again = nni(other, "load", archive)
    assert again.exit_code == 1
    assert f"experiment {exp_id} already exists" in again.output and "--as NEW_ID" in again.output
    assert (os.path.getmtime(store), sorted(os.listdir(os.path.join(other, "experiments")))) == stamp
    renamed = nni(other, "load", archive, "--as", "copy1")
    assert renamed.exit_code == 0 and f"copy1 (saved as {exp_id})" in renamed.output
    assert _outputs(other, "copy1")["csv"] == _outputs(other, exp_id)["csv"]
    with open_reader(store) as reader:
        assert all("/experiments/copy1/" in t.dir for t in reader.list_trials("copy1"))
    assert nni(other, "load", archive, "--as", "../up").exit_code == 1


def test_logs_and_checkpoints_can_be_left_out(saved, tmp_path):
    _, home, exp_id, _ = saved
    lean = str(tmp_path / "lean.tar.gz")
    result = nni(home, "save", exp_id, "-o", lean, "--no-logs", "--no-checkpoints")
    assert result.exit_code == 0 and "9 file(s) left out" in result.output, result.output
    with tarfile.open(lean) as tar:
        names = tar.getnames()
    trial_files = {n.split("/", 3)[-1] for n in names if n.startswith("experiment/trials/")}
    assert trial_files == {"parameter.cfg", ".nni/metrics"}
    other = str(tmp_path / "lean-home")
    assert nni(other, "load", lean).exit_code == 0
    assert _outputs(other, exp_id)["csv"] == _outputs(home, exp_id)["csv"]


def test_an_unfinished_experiment_resumes_in_the_home_it_was_loaded_into(tmp_path):
    home, other = str(tmp_path / "home"), str(tmp_path / "other")
    exp_id = _run(tmp_path, home, trials=2)
    archive = str(tmp_path / "a.tar.gz")
    assert nni(home, "save", exp_id, "-o", archive).exit_code == 0
    assert nni(other, "load", archive).exit_code == 0
    result = nni(other, "resume", exp_id, "--max-trials", "4", "--plain")
    assert result.exit_code == 0, result.output
    with open_reader(os.path.join(other, "store.db")) as reader:
        trials = reader.list_trials(exp_id)
    assert len(trials) == 4 and all(t.status == "SUCCEEDED" for t in trials)
    assert all(t.dir.startswith(os.path.join(other, "experiments")) for t in trials)
    with open_reader(os.path.join(home, "store.db")) as reader:
        assert reader.count_trials(exp_id) == 2  # the original is untouched


def test_a_running_experiment_is_not_saved(tmp_path, home):
    script = write(
        tmp_path / "slow.py", "import time\nimport nni\np = nni.get_next_parameter()\ntime.sleep(60)\n"
    )
    (tmp_path / "ss.json").write_text(json.dumps({"x": {"_type": "uniform", "_value": [0, 1]}}))
    proc = spawn(
        home, "run", script, "--search-space", str(tmp_path / "ss.json"), "--plain", cwd=str(tmp_path)
    )

    def running():
        if not os.path.exists(os.path.join(home, "store.db")):
            return None
        with open_reader(os.path.join(home, "store.db")) as reader:
            exps = reader.list_experiments()
            return exps and exps[0].counts["RUNNING"] >= 1 and exps[0]

    exp = wait_for(running, what="a running trial")
    target = tmp_path / "running.tar.gz"
    result = nni(home, "save", exp.id, "-o", str(target))
    assert result.exit_code == 1 and f"experiment {exp.id} is running" in result.output
    assert f"nni-annot stop {exp.id}" in result.output and not target.exists()
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".saving-")]
    proc.kill()


def test_save_never_overwrites(saved):
    _, home, exp_id, archive = saved
    with open(archive, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    result = nni(home, "save", exp_id, "-o", archive)
    assert result.exit_code == 1 and "already exists" in result.output
    with open(archive, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == digest


# ---- hostile and damaged archives ----------------------------------------------------------------------


def _members(archive: str) -> list[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(archive) as tar:
        return [(m, tar.extractfile(m).read() if m.isfile() else b"") for m in tar.getmembers()]


def _rebuild(path, members, manifest_edit=None, extra=()) -> str:
    """Write an archive from ``members`` (and ``extra`` TarInfos), the manifest edited by ``manifest_edit``."""
    with tarfile.open(str(path), "w:gz") as tar:
        for info, data in members:
            if info.name == "nni-annot-archive.json" and manifest_edit is not None:
                manifest = json.loads(data)
                manifest_edit(manifest)
                data = json.dumps(manifest).encode()
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
        for info, data in extra:
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return str(path)


def _listed(name: str, data: bytes):
    def edit(manifest):
        manifest["members"][name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}

    return edit


def _file(name: str, data: bytes = b"x") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _link(name: str, target: str, kind: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, b""


def _hostile(tmp_path, saved_archive: str, case: str) -> str:
    members = _members(saved_archive)
    path = tmp_path / f"{case}.tar.gz"
    if case == "newer":
        return _rebuild(path, members, lambda m: m.update(version=99, written_by="nni-annot 9.0"))
    if case == "absolute":
        return _rebuild(path, members, _listed("/tmp/evil", b"x"), [_file("/tmp/evil")])
    if case == "dotdot":
        return _rebuild(
            path, members, _listed("experiment/../../evil", b"x"), [_file("experiment/../../evil")]
        )
    if case == "symlink":
        return _rebuild(
            path, members, extra=[_link("experiment/trials/evil", "/etc/passwd", tarfile.SYMTYPE)]
        )
    if case == "hardlink":
        return _rebuild(
            path, members, extra=[_link("experiment/trials/evil", "/etc/passwd", tarfile.LNKTYPE)]
        )
    if case == "unlisted":
        return _rebuild(path, members, extra=[_file("experiment/trials/extra")])
    if case == "altered":
        altered = [(m, b"y" * len(d) if m.name.endswith("parameter.cfg") else d) for m, d in members]
        return _rebuild(path, altered)
    if case == "missing":
        return _rebuild(path, [(m, d) for m, d in members if not m.name.endswith("stdout")])
    if case == "truncated":
        with open(saved_archive, "rb") as f:
            data = f.read()
        path.write_bytes(data[: len(data) // 2])
        return str(path)
    if case == "garbage":
        path.write_bytes(gzip.compress(b"not a tar file at all" * 50))
        return str(path)
    if case == "not-gzip":
        path.write_bytes(b"hello")
        return str(path)
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "says"),
    [
        ("newer", "newer nni-annot (nni-annot 9.0, archive format version 99; this one reads up to 1)"),
        ("absolute", "has an absolute path; refused"),
        ("dotdot", "climbs out with '..'; refused"),
        ("symlink", "is a link (to '/etc/passwd'); refused"),
        ("hardlink", "is a link (to '/etc/passwd'); refused"),
        ("unlisted", "is not in its manifest; refused"),
        ("altered", "does not match its hash (damaged)"),
        ("missing", "is incomplete"),
        ("truncated", "damaged or truncated"),
        ("garbage", "damaged or truncated"),
        ("not-gzip", "is not an nni-annot archive or is damaged or truncated"),
    ],
)
def test_a_hostile_or_damaged_archive_is_refused_and_nothing_is_written(saved, tmp_path, case, says):
    archive = _hostile(tmp_path, saved[3], case)
    target = tmp_path / "target"
    result = nni(str(target), "load", archive)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("error: ") and says in result.output, result.output
    assert not target.exists() or os.listdir(target) == []
    assert not (tmp_path / "evil").exists() and not os.path.exists("/tmp/evil")


def test_a_missing_archive_is_a_clear_error(tmp_path):
    result = nni(str(tmp_path / "h"), "load", str(tmp_path / "nope.tar.gz"))
    assert result.exit_code == 1 and "nope.tar.gz: no such file" in result.output
