"""The Pareto display of multi-objective experiments: the API's ranks, Pareto set and hypervolume, the
trials table sorted by dominance rank, and the pages in a real browser (no console errors)."""

from __future__ import annotations

import os

import pytest

from nniannot.objectives import build
from nniannot.pareto import constrained_ranks, hypervolume
from nniannot.runner.store import DONE, EXP_RUNNING, FAILED, RUNNING, SUCCEEDED, open_store
from nniannot.viewer import create_app
from tests.viewer.browser import screenshot, served

SPACE = {
    "width": {"_type": "choice", "_value": [16, 32, 64]},
    "lr": {"_type": "loguniform", "_value": [1e-4, 0.1]},
}
# (accuracy: max, size_mb: min, latency_ms: constrained <= 20)
RESULTS = [(0.70, 1.0, 5), (0.80, 2.0, 8), (0.90, 4.0, 12), (0.85, 4.5, 9), (0.60, 3.0, 7), (0.95, 8.0, 30),
           (0.75, 1.5, 6), (0.50, 0.5, 4), (0.88, 5.0, 25)]  # fmt: skip


def fill_multi(path: str, home: str, objectives: list[str], reference: list[float] | None = None) -> str:
    """A finished two- or three-objective experiment with a latency constraint, one failed trial and one
    result lacking an objective."""
    found = build(objectives, ["latency_ms <= 20"], reference)
    store = open_store(path)
    try:
        exp = store.create_experiment(name="compress", search_space=SPACE, command=["python", "train.py"],
                                      optimize_mode="maximize", max_trials=12, concurrency=1, tuner="gp",
                                      config={"trial_command": "python train.py", **found.to_config()})  # fmt: skip
        store.set_experiment_status(exp.id, EXP_RUNNING)
        finals = [{"default": a, "accuracy": a, "size_mb": s, "latency_ms": lat} for a, s, lat in RESULTS]
        finals.append({"default": 0.5, "accuracy": 0.5})  # no size_mb: cannot be placed
        for i, final in enumerate([*finals, None]):
            t = store.add_trial(exp.id, {"width": [16, 32, 64][i % 3], "lr": 10 ** (-4 + i % 3)},
                                dir_root=os.path.join(home, "trials"))  # fmt: skip
            os.makedirs(t.dir, exist_ok=True)
            for name in ("stdout", "stderr"):
                with open(os.path.join(t.dir, name), "w") as f:
                    f.write(f"{name} of {t.id}\n")
            store.set_trial_status(exp.id, t.id, RUNNING)
            if final is None:
                store.set_trial_status(exp.id, t.id, FAILED, exit_code=1, message="boom")
                continue
            store.add_intermediate(exp.id, t.id, 0, final["default"], final["default"])
            store.set_final(exp.id, t.id, final["default"], final)
            store.set_trial_status(exp.id, t.id, SUCCEEDED)
        store.set_experiment_status(exp.id, DONE)
        return exp.id
    finally:
        store.close()


@pytest.fixture
def two(tmp_path):
    path = str(tmp_path / "store.db")
    return path, fill_multi(path, str(tmp_path), ["accuracy:max", "size_mb:min"])


def expected():
    losses = [(-a, s) for a, s, _ in RESULTS]
    violations = [max(0.0, lat - 20) for _, _, lat in RESULTS]
    return constrained_ranks(losses, violations), losses, violations


def test_api_gives_ranks_front_and_derived_hypervolume(two):
    path, exp_id = two
    client = create_app(path, {"TESTING": True}).test_client()
    data = client.get(f"/api/experiments/{exp_id}/pareto").get_json()
    ranks, losses, violations = expected()
    assert [o["key"] for o in data["objectives"]] == ["accuracy", "size_mb"]
    assert data["trials"]["rank"] == ranks and data["evaluated"] == 9 and data["problems"] == 1
    members = [i for i, r in enumerate(ranks) if r == 0 and violations[i] == 0]
    by_seq = dict(zip(data["trials"]["seq"], data["trials"]["id"], strict=True))
    assert sorted(data["front"]) == sorted(
        by_seq[i] for i, r in enumerate(ranks) if r == 0 and not violations[i]
    )
    assert members  # the 0.95 / 8.0 trial breaks the latency constraint: infeasible, not in the set
    assert data["trials"]["why"][5] == "latency_ms <= 20 (got 30)" and data["trials"]["why"][0] is None
    assert data["reference_given"] is False
    feasible = [loss for loss, v in zip(losses, violations, strict=True) if not v]
    reference = [-data["reference_point"][0], data["reference_point"][1]]
    assert data["hypervolume"] == pytest.approx(hypervolume(feasible, reference))
    assert data["history"][-1][1] == pytest.approx(data["hypervolume"])
    assert all(a[1] < b[1] for a, b in zip(data["history"], data["history"][1:]))  # rises at each entry


def test_given_reference_point_is_used_and_said(tmp_path):
    path = str(tmp_path / "store.db")
    exp_id = fill_multi(path, str(tmp_path), ["accuracy:max", "size_mb:min"], [0.0, 10.0])
    client = create_app(path, {"TESTING": True}).test_client()
    data = client.get(f"/api/experiments/{exp_id}/pareto").get_json()
    assert data["reference_given"] is True and data["reference_point"] == [0.0, 10.0]
    page = client.get(f"/experiments/{exp_id}").get_data(as_text=True)
    assert "reference point (0, 10), as configured" in page and 'id="pareto-trials"' in page
    assert "Top trials" not in page


def test_trials_table_sorts_by_dominance_rank(two):
    path, exp_id = two
    client = create_app(path, {"TESTING": True}).test_client()
    data = client.get(f"/api/experiments/{exp_id}/trials?sort=rank&size=20").get_json()
    ranks, _, _ = expected()
    got = [r["rank"] for r in data["trials"]]
    assert got[: len(ranks)] == sorted(ranks) and got[len(ranks) :] == [None, None]  # unranked last
    assert data["columns"][4:7] == ["rank", "metric:accuracy", "metric:size_mb"]
    infeasible = [r for r in data["trials"] if r["infeasible"]]
    assert [r["seq"] for r in infeasible] == [8, 5]  # the smaller violation ranks first (Deb)
    desc = client.get(f"/api/experiments/{exp_id}/trials?sort=rank&order=desc").get_json()["trials"]
    assert [r["rank"] for r in desc][: len(ranks)] == sorted(ranks, reverse=True)


def test_single_objective_experiments_are_unchanged(client, hand):
    _, exp_id = hand
    assert client.get(f"/api/experiments/{exp_id}/pareto").get_json() == {"objectives": None}
    answer = client.get(f"/api/experiments/{exp_id}/trials?sort=rank")
    assert answer.status_code == 400 and "multi-objective" in answer.get_json()["error"]
    columns = client.get(f"/api/experiments/{exp_id}/trials").get_json()["columns"]
    assert "rank" not in columns
    page = client.get(f"/experiments/{exp_id}").get_data(as_text=True)
    assert "Top trials" in page and "data-multi" not in page and "pareto.js" not in page


@pytest.mark.browser
def test_pareto_pages_in_a_browser(two, tmp_path, watched):
    path, exp_id = two
    three = fill_multi(path, str(tmp_path), ["accuracy:max", "size_mb:min", "latency_ms:min"])
    with served(path, watched) as url:
        page = watched.open(f"{url}experiments/{exp_id}/charts")
        page.wait_for_selector("#chart-pareto canvas")
        page.wait_for_function("document.getElementById('pareto-note').textContent.length > 0")
        option = page.evaluate(
            "() => echarts.getInstanceByDom(document.getElementById('chart-pareto')).getOption()"
        )
        names = [s["name"] for s in option["series"]]
        option_ids = page.evaluate(
            "() => fetch(location.pathname.replace('/charts', '').replace('/experiments/', '/api/experiments/') + '/pareto').then((r) => r.json()).then((d) => d.trials.id)"
        )
        assert names[:3] == ["dominated", "infeasible", "Pareto set"]
        assert len(option["series"][1]["data"]) == 2 and option["series"][1]["symbol"].startswith("path://")
        history = page.evaluate(
            "() => echarts.getInstanceByDom(document.getElementById('chart-best')).getOption()"
        )
        assert history["series"][0]["name"] == "hypervolume" and "derived" in history["title"][0]["text"]
        screenshot(page, "viewer-pareto")
        # A Pareto-set member opens its trial page.
        member = option["series"][2]["data"][0]
        point = page.evaluate(
            "(v) => echarts.getInstanceByDom(document.getElementById('chart-pareto')).convertToPixel({seriesIndex: 2}, v)",
            member[:2],
        )
        box = page.locator("#chart-pareto").bounding_box()
        page.mouse.move(box["x"] + point[0], box["y"] + point[1])
        page.wait_for_selector("text=in the Pareto set")
        page.mouse.click(box["x"] + point[0], box["y"] + point[1])
        page.wait_for_url("**/trials/*")
        assert page.url.rsplit("/", 1)[1] in {
            option_ids[k] for k in (p[2] for p in option["series"][2]["data"])
        }
        page = watched.open(f"{url}experiments/{three}/charts")
        page.wait_for_selector("#chart-pareto canvas")
        matrix = page.evaluate(
            "() => echarts.getInstanceByDom(document.getElementById('chart-pareto')).getOption()"
        )
        assert len(matrix["grid"]) == 3  # three pairs of three objectives
        page = watched.open(f"{url}experiments/{exp_id}/trials?sort=rank")
        page.wait_for_selector("#trials-table tbody tr[data-id]")
        first = page.locator("#trials-table tbody tr[data-id] td[data-col='rank']").first
        assert first.inner_text() == "0 (Pareto set)"
        assert page.locator("#trials-table thead th[data-col='metric:size_mb']").count() == 1
        page = watched.open(f"{url}experiments/{exp_id}")
        page.wait_for_selector("#chart-best canvas")
        assert page.locator("#pareto-trials tbody tr").count() >= 3
        assert "derived" in page.locator("#reference-note").inner_text()
        screenshot(page, "viewer-pareto-overview")
