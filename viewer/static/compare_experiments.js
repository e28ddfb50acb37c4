// Compare experiments: each one's best so far against trial number and against time on shared charts
// (a legend names them), and each one's best trials.
"use strict";
(() => {
  const refs = JSON.parse(document.getElementById("compare-refs").textContent);
  const byTrial = NA.chart("chart-by-trial"), byTime = NA.chart("chart-by-time");
  let exps = [];

  const label = (e) => `${e.name || e.id}${e.revision ? " rev " + e.revision : ""} (${e.id})`;
  function steps(history, last) {
    const out = history.map((h) => [...h]);
    if (out.length && last !== null && last !== undefined && last > out[out.length - 1][0]) out.push([last, out[out.length - 1][1], out[out.length - 1][2]]);
    return out;
  }
  function draw() {
    const c = NA.colors(), axis = { axisLine: { lineStyle: { color: c.muted } }, splitLine: { lineStyle: { color: c.line } }, axisLabel: { color: c.muted } };
    const common = (xName, fmtX) => ({ ...NA.chartBase(), grid: { left: 60, right: 20, top: 50, bottom: 45 },
      legend: { type: "scroll", top: 0, textStyle: { color: c.muted }, pageTextStyle: { color: c.muted } },
      tooltip: { ...NA.chartBase().tooltip, trigger: "item", formatter: (p) => `${NA.esc(p.seriesName)}<br>${NA.esc(fmtX(p.value[0]))}: ${NA.esc(NA.fmt(p.value[1]))} (trial ${NA.esc(p.value[2])})` },
      xAxis: { type: "value", name: xName, nameLocation: "middle", nameGap: 28, ...axis, axisLabel: { color: c.muted, formatter: fmtX } },
      yAxis: { type: "value", scale: true, ...axis } });
    byTrial.setOption({ ...common("trial", (v) => "#" + v),
      series: exps.map((e) => ({ name: label(e), type: "line", step: "end", data: steps(e.best_history, e.last_finished), symbolSize: 5 })) }, true);
    byTime.setOption({ ...common("time since the experiment started", (v) => NA.fmtDuration(v)),
      series: exps.map((e) => ({ name: label(e), type: "line", step: "end", data: e.best_over_time, symbolSize: 5 })) }, true);
  }
  function tables() {
    const box = document.getElementById("best-trials");
    box.replaceChildren(...exps.map((e) => {
      const body = e.best_trials.length ? e.best_trials.map((t, i) => NA.el("tr", {}, NA.el("td", {}, String(i + 1)),
        NA.el("td", {}, NA.el("a", { class: "mono", href: `/experiments/${encodeURIComponent(e.id)}/trials/${encodeURIComponent(t.id)}` }, t.id)),
        NA.el("td", { class: "num" }, NA.fmt(t.final_default)),
        NA.el("td", { class: "small mono" }, Object.entries(t.params).map(([k, v]) => `${k.split("/").length === 3 ? k.split("/")[1] : k}=${NA.fmt(v)}`).join(", "))))
        : [NA.el("tr", {}, NA.el("td", { colspan: 4, class: "muted" }, "No trial with a metric yet."))];
      return NA.el("section", { class: "panel" }, NA.el("h2", {}, label(e)),
        NA.el("div", { class: "table-wrap" }, NA.el("table", { class: "best-of" },
          NA.el("thead", {}, NA.el("tr", {}, NA.el("th", {}, "#"), NA.el("th", {}, "Trial"), NA.el("th", { class: "num" }, "Metric"), NA.el("th", {}, "Parameters"))),
          NA.el("tbody", {}, ...body))));
    }));
  }
  async function load() {
    const data = await NA.getJSON(`/api/compare?experiments=${refs.map(encodeURIComponent).join(",")}`);
    exps = data.experiments;
    draw(); tables();
  }
  load().catch((err) => NA.say(err.message, true));
  NA.onTheme(draw);
})();
