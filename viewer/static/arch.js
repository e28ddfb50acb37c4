// Architecture view: one graph per mutable block. Inputs and candidate layers are nodes; an input feeds its
// layer's candidates (edges); size/width = share among the top trials, colour = effect on the metric.
"use strict";
(() => {
  const exp = encodeURIComponent(NA.expId);
  let top = Number(new URL(location.href).searchParams.get("top") || 20), data = null;
  const container = document.getElementById("arch-blocks");

  function effectColor(effect, scale) {
    const c = NA.colors();
    if (effect === null || !scale) return c.muted;
    const good = (document.body.dataset.mode === "minimize" ? -effect : effect) / scale;
    return good >= 0 ? c.ok : c.bad;
  }
  // Columns per layer: its inputs (fixed ones dashed), then its candidates; an input that is an earlier layer's
  // output gets an edge from each of that layer's candidates. Labels are cut to fit their column.
  const GAP = 340, INPUT_X = 200;
  // With a one-shot search, the best trial's weights: a bar and the number on each candidate and input.
  function graph(block, nasLayers) {
    const c = NA.colors(), nodes = [], links = [], ROW = nasLayers.size ? 95 : 70;
    const effects = block.layers.flatMap((l) => l.candidates.map((x) => Math.abs(x.effect || 0)));
    const scale = Math.max(...effects, 0);
    const label = (extra) => ({ show: true, color: c.text, width: 130, overflow: "truncate", ...extra });
    block.layers.forEach((layer, li) => {
      const x = GAP * (li + 1), weights = nasLayers.get(`${block.key}\u0000${layer.name}`);
      nodes.push({ id: `layer:${layer.name}`, name: layer.name.replace("mutable_layer_", "layer "), x: x - INPUT_X / 2, y: -60, symbolSize: 1, itemStyle: { color: "transparent" },
        label: { show: true, color: c.muted, fontWeight: "bold" }, tip: `${layer.name}: choose one of ${layer.candidates.length} layers` + (layer.output ? ` → ${layer.output}` : "") });
      const inputs = [...(layer.fixed_inputs || []).map((name) => ({ name, fixed: true })), ...layer.inputs];
      inputs.forEach((inp, ii) => {
        const id = `in:${layer.name}:${inp.name}`, w = NA.nas.find(weights, "inputs", inp.name);
        nodes.push({ id, name: inp.name, x: x - INPUT_X, y: ROW * ii, symbol: "roundRect", symbolSize: w && !inp.fixed ? [120, 40] : [90, 24], value: inp.top_share,
          itemStyle: { color: c.panel, borderColor: inp.best ? c.accent : c.muted, borderWidth: inp.best ? 3 : 1, borderType: inp.fixed ? "dashed" : "solid" },
          label: w && !inp.fixed ? NA.nas.label(inp.name, w.weight, w.chosen, { width: 84 }) : label({ width: 84 }),
          tip: (inp.fixed ? `fixed input ${inp.name}: always fed to the layer` : `input ${inp.name}: in ${(100 * inp.top_share).toFixed(0)}% of top trials`) + (w && !inp.fixed ? `\none-shot weight: ${NA.nas.pct(w.weight)}${w.chosen ? " (chosen)" : ""}` : "") });
        const source = (layer.sources || {})[inp.name];
        const from = block.layers.find((l) => l.name === source);
        if (from) from.candidates.forEach((cand) => links.push({ source: `c:${from.name}:${cand.name}`, target: id,
          lineStyle: { width: 1 + 3 * cand.top_share, color: c.accent, opacity: 0.6, type: "dashed", curveness: 0.15 } }));
      });
      layer.candidates.forEach((cand, ci) => {
        const id = `c:${layer.name}:${cand.name}`, w = NA.nas.find(weights, "candidates", cand.name);
        nodes.push({ id, name: cand.name, x, y: ROW * ci, symbolSize: 18 + 40 * cand.top_share, value: cand.top_share,
          itemStyle: { color: effectColor(cand.effect, scale), borderColor: cand.best ? c.accent : "transparent", borderWidth: cand.best ? 4 : 0 },
          label: w ? NA.nas.label(cand.name, w.weight, w.chosen, { position: "bottom" }) : label({ position: "bottom" }),
          tip: `${layer.name}: ${cand.name}\nin ${(100 * cand.top_share).toFixed(0)}% of top trials, chosen ${cand.count}×\neffect on metric: ${cand.effect === null ? "n/a" : NA.fmt(cand.effect)}` +
            (w ? `\none-shot weight: ${NA.nas.pct(w.weight)}${w.chosen ? " (chosen)" : ""}` : "") });
        inputs.forEach((inp) => links.push({ source: `in:${layer.name}:${inp.name}`, target: id,
          lineStyle: { width: inp.fixed ? 1 : 1 + 6 * inp.top_share, color: !inp.fixed && inp.best && cand.best ? c.accent : inp.fixed ? c.muted : c.line, opacity: 0.9, type: inp.fixed ? "dashed" : "solid" } }));
      });
    });
    if (nasLayers.size) {  // room below the lowest node for its weight bar
      const rows = Math.max(1, ...block.layers.map((l) => Math.max(l.candidates.length, l.inputs.length + (l.fixed_inputs || []).length)));
      nodes.push({ id: "pad", name: "", x: GAP, y: ROW * (rows - 1) + 45, symbolSize: 0, itemStyle: { color: "transparent" }, label: { show: false }, tooltip: { show: false } });
    }
    return { nodes, links };
  }
  function draw() {
    if (!data) return;
    container.querySelectorAll(".chart").forEach((n) => { const old = echarts.getInstanceByDom(n); if (old) old.dispose(); });
    container.replaceChildren();
    document.getElementById("arch-note").textContent = data.best
      ? `${data.trials} trial(s) with a metric; top ${data.top_trials}; best trial ${data.best.trial_id} (${NA.fmt(data.best.value)}).`
      : "No finished trial with a metric yet.";
    const nasNote = document.getElementById("arch-nas-note"), nasLayers = NA.nas.index(data.nas);
    nasNote.hidden = !data.nas;
    if (data.nas) nasNote.textContent = NA.nas.about(data.nas, data.best.trial_id) + (data.nas.note ? ` Note: ${data.nas.note}.` : "");
    data.blocks.forEach((block, bi) => {
      const height = (data.nas ? 110 : 90) + (data.nas ? 95 : 70) * Math.max(1, ...block.layers.map((l) => Math.max(l.candidates.length, l.inputs.length + (l.fixed_inputs || []).length)));
      const node = NA.el("div", { class: "chart", id: `arch-${bi}`, role: "img", "aria-label": `Block ${block.key}`, style: `height:${height}px` });
      const section = NA.el("section", { class: "panel", style: "margin-bottom:1rem" }, NA.el("h2", { class: "mono small" }, block.key), node);
      container.append(section);
      const g = graph(block, nasLayers), chart = NA.chart(`arch-${bi}`);
      chart.setOption({ ...NA.chartBase(),
        tooltip: { ...NA.chartBase().tooltip, formatter: (p) => (p.data && p.data.tip ? NA.esc(p.data.tip).replace(/\n/g, "<br>") : "") },
        series: [{ type: "graph", layout: "none", roam: true, data: g.nodes, links: g.links, edgeSymbol: ["none", "arrow"], edgeSymbolSize: 7 }] }, true);
      const moved = data.nas && data.nas.blocks.find((b) => b.key === block.key);
      if (moved && moved.layers.length) {
        const box = NA.el("div", { class: "nas-histories", id: `arch-history-${bi}` });
        section.append(NA.el("h3", { class: "small" }, "How the weights moved over the run"), box);
        NA.nas.histories(box, moved, data.nas.steps, `arch-history-${bi}`);
      }
    });
  }
  async function load() {
    data = await NA.getJSON(`/api/experiments/${exp}/architecture?top=${top}`);
    draw();
  }
  document.querySelectorAll("#arch-top .chip").forEach((chip) => {
    chip.setAttribute("aria-pressed", String(Number(chip.dataset.top) === top));
    chip.addEventListener("click", () => {
      top = Number(chip.dataset.top);
      document.querySelectorAll("#arch-top .chip").forEach((c2) => c2.setAttribute("aria-pressed", String(c2 === chip)));
      const u = new URL(location.href); u.searchParams.set("top", top); history.replaceState(null, "", u);
      load().catch((err) => NA.say(err.message, true));
    });
  });
  load().catch((err) => NA.say(err.message, true));
  NA.onTheme(draw);
  NA.live(() => load().catch(() => {}));
})();
