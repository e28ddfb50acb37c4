// Overview: best-so-far chart, controls of a running experiment, live refresh of the figures.
"use strict";
(() => {
  const exp = encodeURIComponent(NA.expId);
  const best = NA.chart("chart-best");
  let history = [], points = [], last = null;

  // Best so far as a step line up to the last finished trial, drawn over every trial's metric.
  function drawBest() {
    const c = NA.colors();
    const steps = history.map((h) => [...h]);
    if (steps.length && last !== null && last > steps[steps.length - 1][0]) steps.push([last, steps[steps.length - 1][1], steps[steps.length - 1][2]]);
    best.setOption({
      ...NA.chartBase(),
      grid: { left: 60, right: 20, top: 36, bottom: 40 },
      legend: { top: 0, textStyle: { color: c.muted }, data: ["best so far", "trial metric"] },
      tooltip: { ...NA.chartBase().tooltip, trigger: "item",
        formatter: (p) => `${NA.esc(p.seriesName)} · trial #${NA.esc(p.value[0])} (${NA.esc(p.value[2])}): ${NA.esc(NA.fmt(p.value[1]))}` },
      xAxis: { type: "value", name: "trial", min: 0, max: last === null ? undefined : last, minInterval: 1, nameLocation: "middle", nameGap: 25, axisLine: { lineStyle: { color: c.muted } }, splitLine: { lineStyle: { color: c.line } } },
      yAxis: { type: "value", scale: true, axisLine: { lineStyle: { color: c.muted } }, splitLine: { lineStyle: { color: c.line } } },
      series: [
        { name: "trial metric", type: "scatter", data: points, symbolSize: points.length > 2000 ? 2 : 4, large: points.length > 2000, itemStyle: { color: c.muted, opacity: 0.45 } },
        { name: "best so far", type: "line", step: "end", data: steps, showSymbol: true, symbolSize: 5, lineStyle: { width: 2 }, itemStyle: { color: c.accent } },
      ],
    }, true);
  }
  async function load() {
    const data = await NA.getJSON(`/api/experiments/${exp}/history`);
    history = data.best_history; points = data.points; last = data.last_finished;
    drawBest();
  }
  // A multi-objective experiment's chart is the hypervolume over trials (pareto.js).
  if (!document.body.dataset.multi) { load().catch((err) => NA.say(err.message, true)); NA.onTheme(drawBest); }

  const form = document.getElementById("limits-form");
  if (form) {
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const payload = {};
      const c = form.elements.concurrency.value, m = form.elements.max_trials.value, d = form.elements.max_duration.value;
      if (c) payload.concurrency = Number(c);
      payload.max_trials = m ? Number(m) : null;
      payload.max_duration = d || null;
      NA.action("update_limits", payload);
    });
    document.getElementById("rerun-failed").addEventListener("click", () => NA.action("rerun_failed", {}));
    document.getElementById("stop-experiment").addEventListener("click", () => {
      if (window.confirm("Stop the experiment? Running trials are stopped and re-run on resume.")) NA.action("stop_experiment", {});
    });
  }

  NA.live((changes) => {
    const e = changes.experiment;
    document.getElementById("progress-trials").textContent = e.done + (e.max_trials ? ` / ${e.max_trials}` : "");
    document.getElementById("progress-time").textContent = NA.fmtDuration(e.duration) + (e.max_duration ? ` / ${NA.fmtDuration(e.max_duration)}` : "");
    document.getElementById("best-value").textContent = e.best.value === null ? "—" : NA.fmt(e.best.value);
    const counts = document.getElementById("counts");
    counts.replaceChildren(...Object.entries(e.counts).filter(([, n]) => n).flatMap(([s, n], i) =>
      [i ? " · " : "", NA.el("span", { class: "s-" + s }, `${s.toLowerCase().replace(/_/g, " ")} ${n}`)]));
    if (changes.trials.length) load().catch(() => {});
  });
})();
