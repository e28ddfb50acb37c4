// Compare trials: the chosen trials' intermediate curves on one chart, one colour per trial, with a legend.
"use strict";
(() => {
  const exp = encodeURIComponent(NA.expId);
  const ids = JSON.parse(document.getElementById("compare-ids").textContent);
  const chart = NA.chart("chart-compare");
  let curves = {};

  function draw() {
    const c = NA.colors(), axis = { axisLine: { lineStyle: { color: c.muted } }, splitLine: { lineStyle: { color: c.line } }, axisLabel: { color: c.muted } };
    const series = ids.map((id) => ({ name: id, type: "line", data: (curves[id] || []).map((y, i) => [i, y]), symbolSize: 4, showSymbol: (curves[id] || []).length < 40 }));
    chart.setOption({ ...NA.chartBase(), grid: { left: 60, right: 20, top: 40, bottom: 40 },
      legend: { type: "scroll", top: 0, data: ids, textStyle: { color: c.muted }, pageTextStyle: { color: c.muted } },
      tooltip: { ...NA.chartBase().tooltip, trigger: "item", formatter: (p) => `${NA.esc(p.seriesName)} step ${NA.esc(p.value[0])}: ${NA.esc(NA.fmt(p.value[1]))}` },
      xAxis: { type: "value", name: "step", nameLocation: "middle", nameGap: 25, minInterval: 1, ...axis },
      yAxis: { type: "value", scale: true, ...axis }, series }, true);
  }
  async function load() {
    const data = await NA.getJSON(`/api/experiments/${exp}/curves?trials=${ids.map(encodeURIComponent).join(",")}`);
    curves = data.curves;
    draw();
    if (!Object.values(curves).some((ys) => ys.length)) NA.say("None of these trials reported intermediate results.");
  }
  load().catch((err) => NA.say(err.message, true));
  NA.onTheme(draw);
  chart.on("click", (p) => { location.href = `/experiments/${exp}/trials/${encodeURIComponent(p.seriesName)}`; });
})();
