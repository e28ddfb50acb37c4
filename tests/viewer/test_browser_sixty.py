"""The viewer in a real browser on a 60-trial experiment like a real one: keyboard navigation of the trials
table, charts that tell the truth (best so far, integer axes, legends), brushing into the trials table, the
compare view, the trial page's failure reason, no console errors without metrics, and narrow screens."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from nniannot.runner.store import open_store
from tests.viewer.browser import screenshot, served
from tests.viewer.fill import fill_sixty

pytestmark = pytest.mark.browser

OPTION = "(id) => echarts.getInstanceByDom(document.getElementById(id)).getOption()"


def _store(tmp_path, metrics=True):
    store = open_store(str(tmp_path / "store.db"))
    try:
        return str(tmp_path / "store.db"), fill_sixty(store, str(tmp_path), metrics=metrics)
    finally:
        store.close()


@pytest.fixture
def sixty(tmp_path):
    return _store(tmp_path)


def _trials_page(watched, url, exp_id, query=""):
    """The trials page of ``exp_id`` (with the URL ``query``), once its first rows are in."""
    page = watched.open(f"{url}experiments/{exp_id}/trials{query}")
    page.wait_for_selector("#trials-table tbody tr[data-id]")
    return page


def _option(page, chart_id):
    page.wait_for_selector(f"#{chart_id} canvas")
    return page.evaluate(OPTION, chart_id)


def test_keyboard_moves_selects_pages_and_opens(sixty, watched):
    store_path, exp_id = sixty
    with served(store_path, watched) as url:
        page = _trials_page(watched, url, exp_id, "?size=25")
        rows = page.locator("#trials-table tbody tr[data-id]")
        body = page.locator("body")
        body.press("j")
        body.press("j")  # the second j used to be swallowed by the focused checkbox
        page.wait_for_selector("#trials-table tbody tr.cursor:nth-child(2)")
        page.keyboard.press("x")
        second = rows.nth(1).get_attribute("data-id")
        page.wait_for_function(f"new URL(location.href).searchParams.get('sel') === '{second}'")
        page.keyboard.press("k")
        page.wait_for_selector("#trials-table tbody tr.cursor:nth-child(1)")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("new URL(location.href).searchParams.get('page') === '2'")
        page.wait_for_selector("#page-info:has-text('page 2 of 3')")
        page.keyboard.press("ArrowLeft")
        page.wait_for_function("!new URL(location.href).searchParams.has('page')")
        page.wait_for_selector("#page-info:has-text('page 1 of 3')")
        page.keyboard.press("j")
        first = rows.nth(0).get_attribute("data-id")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/trials/{first}")


def test_the_trials_table_marks_last_reports_and_formats_columns(sixty, watched):
    store_path, exp_id = sixty
    with served(store_path, watched) as url:
        page = _trials_page(watched, url, exp_id, "?size=100&cols=final,metric:loss,started,reason")
        stopped = page.locator("#trials-table tbody tr", has=page.locator(".badge.s-EARLY_STOPPED")).first
        assert "(last)" in stopped.locator('td[data-col="final"]').inner_text()
        losses = [
            t for t in page.locator('#trials-table tbody td[data-col="metric:loss"]').all_inner_texts() if t
        ]
        assert losses and all("e-" in t for t in losses)  # one format for the whole column
        failed = page.locator("#trials-table tbody tr", has=page.locator(".badge.s-FAILED")).first
        assert "MemoryError" in failed.inner_text()
        height = page.evaluate("document.querySelector('.table-wrap').clientHeight")
        assert height > 860  # the table grows with the page instead of scrolling in a box
        assert page.evaluate("getComputedStyle(document.querySelector('td.nowrap')).whiteSpace") == "nowrap"
        page.fill("#search", "memory")
        page.wait_for_selector("#total:has-text('5 trial(s)')")


def test_charts_tell_the_truth(sixty, watched):
    store_path, exp_id = sixty
    with served(store_path, watched) as url:
        page = watched.open(f"{url}experiments/{exp_id}/charts")
        best = _option(page, "chart-best")
        assert best["xAxis"][0]["max"] == 57  # the last finished trial, not the last improvement (33)
        assert [s["name"] for s in best["series"]] == ["trial metric", "best so far"]
        assert best["series"][1]["data"][-1][0] == 57
        curves = _option(page, "chart-curves")
        assert {"mean (all trials)", "min (all trials)", "max (all trials)"} <= set(
            curves["legend"][0]["data"]
        )
        assert len(curves["legend"][0]["data"]) > 3  # and the trials' ids
        parallel = _option(page, "chart-parallel")
        axes = {a["name"]: a for a in parallel["parallelAxis"]}
        assert (
            axes["batch"]["min"] == 16 and axes["batch"]["max"] == 256 and axes["batch"]["minInterval"] == 1
        )
        assert "block 1 · layer 0" in axes and "block 1 · layer 1" in axes
        ticks = page.evaluate(
            """() => { const o = echarts.getInstanceByDom(document.getElementById('chart-parallel')).getOption();
                       const f = o.parallelAxis.find((a) => a.name === 'batch').axisLabel.formatter;
                       return [16, 50, 250, 256].map(f); }"""
        )
        assert ticks == ["16", "50", "", "256"]  # 250 would overlap the range's end, 256
        importance = _option(page, "chart-importance")
        assert abs(sum(importance["series"][0]["data"]) - 1) < 1e-9
        assert "Based on 40 trial(s)" in page.inner_text("#importance-note")
        screenshot(page, "viewer-charts")


def test_brushing_filters_the_trials_table_and_highlights(sixty, watched):
    store_path, exp_id = sixty
    with served(store_path, watched) as url:
        page = watched.open(f"{url}experiments/{exp_id}/charts")
        page.wait_for_selector("#chart-parallel canvas")
        page.evaluate(
            """() => {
              const chart = echarts.getInstanceByDom(document.getElementById('chart-parallel'));
              const names = chart.getOption().parallelAxis.map((a) => a.name);
              const axis = chart.getModel().getComponent('parallelAxis', names.indexOf('act'));
              chart.dispatchAction({ type: 'axisAreaSelect', parallelAxisId: axis.id, intervals: [[-0.4, 0.4]] });
            }"""
        )
        page.wait_for_selector("#brush-trials")
        assert "charted trial(s) in the brushed ranges" in page.inner_text("#brush-note")
        scatter = page.evaluate(OPTION, "chart-scatter")
        assert [s["name"] for s in scatter["series"]] == ["trials", "highlighted"]
        brushed = {p[2] for p in scatter["series"][1]["data"]}
        assert {p[2] for p in page.evaluate(OPTION, "chart-slice")["series"][1]["data"]} == brushed
        # Contour, rank and the distribution keep only the brushed trials (those with a metric).
        with_metric = {p[2] for p in page.evaluate(OPTION, "chart-slice")["series"][1]["data"]}
        ranked = {p[2] for f in page.evaluate(OPTION, "chart-rank")["series"] for p in f["data"]}
        assert ranked == with_metric and 0 < len(ranked) < 40
        assert len(page.evaluate(OPTION, "chart-edf")["series"][0]["data"]) == len(ranked)
        assert sum(c[3] for c in page.evaluate(OPTION, "chart-contour")["series"][0]["data"]) == len(ranked)
        assert "brushed" in page.inner_text("#rank-brush")
        href = page.get_attribute("#brush-trials", "href")
        page.click('#top-chips [data-top="50"]')  # a redraw clears the brush and its highlight
        page.wait_for_selector("#brush-note:empty", state="attached")
        assert [s["name"] for s in page.evaluate(OPTION, "chart-scatter")["series"]] == ["trials"]
        assert len(page.evaluate(OPTION, "chart-edf")["series"][0]["data"]) == 40  # the brush is gone
        page.goto(url.rstrip("/") + href)
        page.wait_for_selector("#trials-table tbody tr[data-id]")
        assert "p.train%2Fact%2Fchoice=relu" in page.url or "p.train/act/choice=relu" in page.url
        acts = page.locator('#trials-table tbody td[data-col="param:train/act/choice"]').all_inner_texts()
        assert acts and set(acts) == {"relu"}


def test_compare_view(sixty, watched):
    store_path, exp_id = sixty
    with served(store_path, watched) as url:
        page = _trials_page(watched, url, exp_id, "?status=SUCCEEDED")
        assert page.is_disabled("#compare")
        boxes = page.locator("#trials-table tbody input[type=checkbox]")
        boxes.nth(0).check()
        assert page.is_disabled("#compare")  # one trial is not a comparison
        boxes.nth(1).check()
        boxes.nth(2).check()
        page.click("#compare")
        page.wait_for_url("**/compare?trials=*")
        legend = _option(page, "chart-compare")["legend"][0]["data"]
        assert len(legend) == 3
        assert page.locator("#compare-table tr.differs").count() >= 3
        screenshot(page, "viewer-compare")


def test_trial_page_of_a_failure(sixty, watched):
    store_path, exp_id = sixty
    with served(store_path, watched) as url:
        page = watched.open(f"{url}api/experiments/{exp_id}/trials?status=FAILED")
        failed = page.evaluate("JSON.parse(document.body.innerText).trials[0].id")
        page = watched.open(f"{url}experiments/{exp_id}/trials/{failed}")
        page.wait_for_selector("#chart-trial canvas")
        assert page.inner_text("#trial-reason") == "MemoryError"
        page.wait_for_function("document.getElementById('log-stdout').textContent.includes('epoch 0')")
        assert page.locator("button.show-all").first.is_hidden()  # the whole log is already shown
        screenshot(page, "viewer-trial")


def test_no_metrics_no_console_errors(tmp_path, watched):
    store_path, exp_id = _store(tmp_path, metrics=False)
    with served(store_path, watched) as url:
        page = watched.open(f"{url}experiments/{exp_id}/charts")
        for chart in ("parallel", "best", "scatter", "curves", "durations", "importance"):
            page.wait_for_selector(f"#chart-{chart} canvas")
        assert "Needs at least 3 trials" in page.inner_text("#importance-note")
        page = watched.open(f"{url}experiments/{exp_id}")
        page.wait_for_selector("#chart-best canvas")
        trial = page.evaluate(f"fetch('/api/experiments/{exp_id}/trials').then(r => r.json())")["trials"][0]
        page = watched.open(f"{url}experiments/{exp_id}/trials/{trial['id']}")
        assert page.locator("#chart-trial").is_hidden() and page.locator("#no-intermediates").is_visible()


def test_pages_fit_a_phone(sixty, browser):
    from tests.viewer.browser import Watched

    store_path, exp_id = sixty
    context = browser.new_context(viewport={"width": 390, "height": 844})
    watched = Watched(context.new_page())
    try:
        with served(store_path, watched) as url:
            failed = watched.open(f"{url}api/experiments/{exp_id}/trials?status=FAILED").evaluate(
                "JSON.parse(document.body.innerText).trials.map((t) => t.id)"
            )
            base = f"{url}experiments/{exp_id}"
            pages = {"experiments": url, "overview": base, "trials": base + "/trials", "charts": base + "/charts",
                     "architecture": base + "/architecture", "trial": f"{base}/trials/{failed[0]}",
                     "compare": f"{base}/compare?trials={failed[0]},{failed[1]}"}  # fmt: skip
            for name, address in pages.items():
                page = watched.open(address)
                page.wait_for_timeout(200)  # let the scripts lay out what they fetched
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 390, f"{name} is {width} px wide"
                if name in ("trials", "charts"):
                    screenshot(page, f"viewer-{name}-phone")
        watched.assert_clean()
    finally:
        context.close()


def test_architecture_graph_edges_between_layers(sixty, watched):
    store_path, exp_id = sixty
    with served(store_path, watched) as url:
        page = watched.open(f"{url}experiments/{exp_id}/architecture")
        series = _option(page, "arch-0")["series"][0]
        ids = {n["id"]: n for n in series["data"]}
        assert ids["in:mutable_layer_1:h0"]["itemStyle"]["borderType"] == "dashed"  # the fixed input is drawn
        into = {link["source"] for link in series["links"] if link["target"] == "in:mutable_layer_1:h0"}
        assert into == {
            "c:mutable_layer_0:conv(k=3)",
            "c:mutable_layer_0:conv(k=5)",
            "c:mutable_layer_0:pool()",
        }
        screenshot(page, "viewer-architecture")


def test_explore_panels(sixty, watched):
    store_path, exp_id = sixty
    with served(store_path, watched) as url:
        page = watched.open(f"{url}experiments/{exp_id}/charts?slice=batch")
        assert len(_option(page, "chart-slice")["series"][0]["data"]) == 40
        assert _option(page, "chart-slice")["xAxis"][0]["name"] == "batch"
        page.select_option("#contour-y", "act")
        page.wait_for_function("new URL(location.href).searchParams.get('cy') === 'act'")
        contour = _option(page, "chart-contour")
        assert contour["yAxis"][0]["data"] == ["relu", "gelu", "tanh"]
        assert sum(c[3] for c in contour["series"][0]["data"]) == 40
        assert contour["visualMap"][0]["dimension"] == 2  # coloured by the mean, not the count
        fifths = _option(page, "chart-rank")["series"]
        assert [len(f["data"]) for f in fifths] == [8] * 5  # 40 trials with a metric, in fifths by rank
        assert sorted(r[3] for f in fifths for r in f["data"]) == list(range(1, 41))
        edf = _option(page, "chart-edf")["series"][0]["data"]
        assert edf[-1][1] == 1 and edf[0][0] == max(p[0] for p in edf)  # maximizing: from the best value
        by_status = {s["name"]: s["data"] for s in _option(page, "chart-timeline")["series"]}
        assert sum(map(len, by_status.values())) == 60 and set(by_status) >= {
            "RUNNING",
            "FAILED",
            "SUCCEEDED",
        }
        page.locator("#chart-slice").scroll_into_view_if_needed()
        screenshot(page, "viewer-explore")


def test_compare_experiments_view(tmp_path, watched):
    from tests.viewer.fill import fill

    store = open_store(str(tmp_path / "store.db"))
    try:
        ids = [fill_sixty(store, str(tmp_path)), fill(store, str(tmp_path), label="gelu")]
    finally:
        store.close()
    with served(str(tmp_path / "store.db"), watched) as url:
        page = watched.open(url)
        assert page.is_disabled("#compare-experiments")
        for exp_id in ids:
            page.check(f'#experiments input.pick[value="{exp_id}"]')
        page.click("#compare-experiments")
        page.wait_for_url("**/compare?experiments=*")
        by_trial = _option(page, "chart-by-trial")
        names = " ".join(s["name"] for s in by_trial["series"])
        assert len(by_trial["series"]) == 2 and all(exp_id in names for exp_id in ids)
        by_time = _option(page, "chart-by-time")
        assert len(by_time["series"]) == 2 and by_time["series"][0]["data"]
        page.wait_for_selector("#best-trials table.best-of")
        assert page.locator("#best-trials table.best-of").count() == 2
        assert page.locator("#compare-space tr.differs").count() >= 3
        screenshot(page, "viewer-compare-experiments")


def test_a_selection_in_the_table_is_highlighted_in_the_charts(sixty, watched):
    store_path, exp_id = sixty
    with served(store_path, watched) as url:
        page = _trials_page(watched, url, exp_id, "?status=SUCCEEDED")
        boxes = page.locator("#trials-table tbody input[type=checkbox]")
        boxes.nth(0).check()
        boxes.nth(3).check()
        chosen = {
            page.locator("#trials-table tbody tr[data-id]").nth(i).get_attribute("data-id") for i in (0, 3)
        }
        page.click("#show-in-charts")
        page.wait_for_url("**/charts?trials=*")
        scatter = _option(page, "chart-scatter")
        assert {p[2] for p in scatter["series"][1]["data"]} == chosen  # highlighted
        assert set(_option(page, "chart-curves")["legend"][0]["data"]) == chosen  # their curves, named


HOSTILE_NOTE = """# Plan <img src=x onerror="window.__xss = 2">
Try **lower lr** and *more* `dropout`; see [the docs](https://example.org/a) and [bad](javascript:window.__xss=3).
<script>window.__xss = 1</script>

- one
- two <b>not bold</b>
"""


def test_notes_render_hostile_markdown_as_text(sixty, watched):
    store_path, exp_id = sixty
    with served(store_path, watched) as url:
        page = watched.open(f"{url}experiments/{exp_id}")
        page.click("#note-edit")
        page.fill("#note-text", HOSTILE_NOTE)
        page.click("#note-form button[type=submit]")
        page.wait_for_selector("#note-status:has-text('note saved')")
        for shown in (page, watched.open(f"{url}experiments/{exp_id}")):  # as saved, and after a reload
            view = shown.locator("#note-view")
            assert view.locator("h3").inner_text().startswith("Plan <img src=x")
            assert (
                view.locator("strong").inner_text() == "lower lr"
                and view.locator("code").inner_text() == "dropout"
            )
            links = view.locator("a")
            assert links.count() == 1 and links.get_attribute("href") == "https://example.org/a"
            assert "[bad](javascript:window.__xss=3)" in view.inner_text()
            assert "<script>window.__xss = 1</script>" in view.inner_text()
            assert view.locator("li").count() == 2 and view.locator("b, img, script").count() == 0
            assert shown.evaluate("window.__xss") is None
        trial = page.evaluate(f"fetch('/api/experiments/{exp_id}/trials').then(r => r.json())")["trials"][0][
            "id"
        ]
        page = watched.open(f"{url}experiments/{exp_id}/trials/{trial}")
        assert "No notes yet." in page.inner_text("#note-view")  # the experiment's note is not the trial's


def test_brushing_a_layer_axis_filters_the_table_by_that_layer(sixty, watched):
    store_path, exp_id = sixty
    with served(store_path, watched) as url:
        page = watched.open(f"{url}experiments/{exp_id}/charts")
        page.wait_for_selector("#chart-parallel canvas")
        first = page.evaluate(
            """() => {
              const chart = echarts.getInstanceByDom(document.getElementById('chart-parallel'));
              const names = chart.getOption().parallelAxis.map((a) => a.name);
              const axis = chart.getModel().getComponent('parallelAxis', names.indexOf('block 1 · layer 0'));
              chart.dispatchAction({ type: 'axisAreaSelect', parallelAxisId: axis.id, intervals: [[-0.4, 0.4]] });
              return axis.axis.scale.getOrdinalMeta().categories[0];
            }"""
        )
        page.wait_for_selector("#brush-trials")
        assert "cannot filter" not in page.inner_text("#brush-note")
        page.goto(url.rstrip("/") + page.get_attribute("#brush-trials", "href"))
        page.wait_for_selector("#trials-table tbody tr[data-id]")
        assert "l.mutable_layer_0." in unquote(page.url)
        assert page.input_value('#param-filters input[data-layer="mutable_layer_0"]') == first
        cells = page.locator('#trials-table tbody td[data-col="param:net/mutable_block_1"]').all_inner_texts()
        assert cells and all(f"layer 0: {first}" in c for c in cells)
        page.goto(f"{url}experiments/{exp_id}/trials?size=100")
        page.wait_for_selector("#trials-table tbody tr[data-id]")
        assert page.locator("#trials-table tbody tr[data-id]").count() > len(cells)  # it did filter
