// One-shot architecture weights (a trial's architecture.json, checked by the server): a bar and the number on
// each candidate and optional input, the chosen ones marked, and per layer how the weights moved over the run.
"use strict";
NA.nas = (() => {
  const BAR = 70;
  const pct = (w) => (typeof w === "number" && isFinite(w) ? (100 * w).toFixed(1) + "%" : "n/a");
  const plain = (s) => String(s).replace(/[{}|]/g, " ");  // echarts' rich-text markup characters
  const short = (name) => name.replace("mutable_layer_", "layer ");

  // A graph node's label: the name, a bar as long as the weight (0-1) and the number; ✓ for the chosen one.
  function label(name, w, chosen, extra) {
    const c = NA.colors(), share = typeof w === "number" && isFinite(w) ? Math.min(1, Math.max(0, w)) : 0;
    return { show: true, color: c.text, ...extra,
      formatter: `{n|${plain(name)}${chosen ? " ✓" : ""}}\n{on|}{off|} {v|${pct(w)}}`,
      rich: { n: { color: c.text, fontWeight: chosen ? "bold" : "normal", width: extra && extra.width ? extra.width : 130, overflow: "truncate", lineHeight: 16, align: "center" },
        on: { width: Math.max(1, BAR * share), height: 6, lineHeight: 14, backgroundColor: chosen ? c.accent : c.muted },
        off: { width: Math.max(1, BAR * (1 - share)), height: 6, lineHeight: 14, backgroundColor: c.line },
        v: { color: c.muted, fontSize: 11, lineHeight: 14 } } };
  }
  // Per block key and layer name, the layer's weights (to find a graph node's weight).
  function index(nas) {
    const out = new Map();
    if (nas) nas.blocks.forEach((b) => b.layers.forEach((l) => out.set(`${b.key}\u0000${l.name}`, l)));
    return out;
  }
  function find(layer, kind, name) {
    return layer ? (layer[kind] || []).find((x) => x.name === name) : undefined;
  }
  function about(nas, trialId) {
    const parts = [];
    if (trialId) parts.push(`Weights of trial ${trialId}`);
    if (nas.mode) parts.push(`${nas.mode} mode` + (nas.meaning ? `: ${nas.meaning}` : ""));
    return parts.join(", ") + (parts.length ? "." : "");
  }
  function historyOption(layer, steps) {
    const c = NA.colors(), series = [];
    const add = (kind, prefix) => Object.entries(layer.history[kind] || {}).forEach(([name, values]) => {
      const chosen = (find(layer, kind, name) || {}).chosen;
      series.push({ name: prefix + name + (chosen ? " ✓" : ""), type: "line", showSymbol: steps.length < 40, symbolSize: 4, connectNulls: false,
        lineStyle: { width: chosen ? 3 : 1.5, type: prefix ? "dashed" : "solid" }, data: values.map((v, i) => [steps[i], v]) });
    });
    add("candidates", "");
    add("inputs", "input ");
    return { ...NA.chartBase(), grid: { left: 55, right: 20, top: 30 + 18 * Math.ceil(series.length / 3), bottom: 40 },
      title: { text: short(layer.name), left: 0, top: 0, textStyle: { color: c.muted, fontSize: 12 } },
      legend: { type: "scroll", top: 18, left: 80, right: 0, textStyle: { color: c.muted }, formatter: (n) => n.length > 40 ? n.slice(0, 39) + "…" : n },
      tooltip: { ...NA.chartBase().tooltip, trigger: "axis",
        formatter: (ps) => [`step ${NA.esc(NA.fmt(ps[0].value[0]))}`, ...ps.map((p) => `${NA.esc(p.seriesName)}: ${NA.esc(pct(p.value[1]))}`)].join("<br>") },
      xAxis: { type: "value", name: "step", nameLocation: "middle", nameGap: 25, scale: true, axisLine: { lineStyle: { color: c.muted } }, splitLine: { lineStyle: { color: c.line } }, axisLabel: { color: c.muted } },
      yAxis: { type: "value", min: 0, axisLine: { lineStyle: { color: c.muted } }, splitLine: { lineStyle: { color: c.line } }, axisLabel: { color: c.muted, formatter: (v) => pct(v) } },
      series };
  }
  // Appends one history chart per layer of ``block`` to ``box`` (ids ``${prefix}-${i}``); a note when no history.
  function histories(box, block, steps, prefix) {
    if (!steps.length) { box.append(NA.el("p", { class: "small muted" }, "No history: the trial made no intermediate report.")); return; }
    block.layers.forEach((layer, li) => {
      const id = `${prefix}-${li}`;
      box.append(NA.el("div", { class: "chart nas-history", id, role: "img", "aria-label": `How the weights of ${layer.name} moved over the run` }));
      NA.chart(id).setOption(historyOption(layer, steps), true);
    });
  }
  // The final weights of a layer as horizontal bars with their numbers (the trial page's view).
  function barsOption(layer) {
    const c = NA.colors();
    const rows = [...layer.candidates.map((x) => ({ ...x, label: x.name })), ...layer.inputs.map((x) => ({ ...x, label: `input ${x.name}`, input: true }))].reverse();
    return { ...NA.chartBase(), grid: { left: 150, right: 70, top: 24, bottom: 10 },
      title: { text: short(layer.name), left: 0, top: 0, textStyle: { color: c.muted, fontSize: 12 } },
      tooltip: { ...NA.chartBase().tooltip, formatter: (p) => `${NA.esc(p.name)}: ${NA.esc(pct(p.value))}${rows[p.dataIndex].chosen ? " (chosen)" : ""}` },
      xAxis: { type: "value", min: 0, max: 1, show: false },
      yAxis: { type: "category", data: rows.map((r) => r.label + (r.chosen ? " ✓" : "")), axisLabel: { color: c.text, width: 140, overflow: "truncate" }, axisLine: { lineStyle: { color: c.muted } } },
      series: [{ type: "bar", barMaxWidth: 16, data: rows.map((r) => ({ value: r.weight, itemStyle: { color: r.chosen ? c.accent : c.muted, opacity: r.input ? 0.65 : 1 } })),
        label: { show: true, position: "right", color: c.text, formatter: (p) => pct(p.value) } }] };
  }
  return { label, index, find, about, histories, barsOption, pct };
})();
