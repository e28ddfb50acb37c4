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
  function graph(block) {
    const c = NA.colors(), nodes = [], links = [];
    const effects = block.layers.flatMap((l) => l.candidates.map((x) => Math.abs(x.effect || 0)));
    const scale = Math.max(...effects, 0);
    block.layers.forEach((layer, li) => {
      const x = 260 * (li + 1);
      nodes.push({ id: `layer:${layer.name}`, name: layer.name, x: x - 85, y: -60, symbolSize: 1, itemStyle: { color: "transparent" },
        label: { show: true, color: c.muted, fontWeight: "bold" }, tip: `${layer.name}: choose one of ${layer.candidates.length} layers` });
      layer.inputs.forEach((inp, ii) => {
        const id = `in:${layer.name}:${inp.name}`;
        nodes.push({ id, name: inp.name, x: x - 170, y: 70 * ii, symbol: "roundRect", symbolSize: [70, 24], value: inp.top_share,
          itemStyle: { color: c.panel, borderColor: inp.best ? c.accent : c.line, borderWidth: inp.best ? 3 : 1 },
          label: { show: true, color: c.text }, tip: `input ${inp.name}: in ${(100 * inp.top_share).toFixed(0)}% of top trials` });
      });
      layer.candidates.forEach((cand, ci) => {
        const id = `c:${layer.name}:${cand.name}`;
        nodes.push({ id, name: cand.name, x, y: 70 * ci, symbolSize: 18 + 40 * cand.top_share, value: cand.top_share,
          itemStyle: { color: effectColor(cand.effect, scale), borderColor: cand.best ? c.accent : "transparent", borderWidth: cand.best ? 4 : 0 },
          label: { show: true, position: "bottom", color: c.text },
          tip: `${layer.name}: ${cand.name}\nin ${(100 * cand.top_share).toFixed(0)}% of top trials, chosen ${cand.count}×\neffect on metric: ${cand.effect === null ? "n/a" : NA.fmt(cand.effect)}` });
        layer.inputs.forEach((inp) => links.push({ source: `in:${layer.name}:${inp.name}`, target: id,
          lineStyle: { width: 1 + 6 * inp.top_share, color: inp.best && cand.best ? c.accent : c.line, opacity: 0.9 } }));
      });
    });
    return { nodes, links };
  }
  function draw() {
    if (!data) return;
    container.replaceChildren();
    document.getElementById("arch-note").textContent = data.best
      ? `${data.trials} trial(s) with a metric; top ${data.top_trials}; best trial ${data.best.trial_id} (${NA.fmt(data.best.value)}).`
      : "No finished trial with a metric yet.";
    data.blocks.forEach((block, bi) => {
      const height = 90 + 70 * Math.max(1, ...block.layers.map((l) => Math.max(l.candidates.length, l.inputs.length)));
      const node = NA.el("div", { class: "chart", id: `arch-${bi}`, role: "img", "aria-label": `Block ${block.key}`, style: `height:${height}px` });
      container.append(NA.el("section", { class: "panel", style: "margin-bottom:1rem" }, NA.el("h2", { class: "mono small" }, block.key), node));
      const g = graph(block), chart = NA.chart(`arch-${bi}`);
      chart.setOption({ ...NA.chartBase(),
        tooltip: { ...NA.chartBase().tooltip, formatter: (p) => (p.data && p.data.tip ? NA.esc(p.data.tip).replace(/\n/g, "<br>") : "") },
        series: [{ type: "graph", layout: "none", roam: true, data: g.nodes, links: g.links, edgeSymbol: ["none", "arrow"], edgeSymbolSize: 7 }] }, true);
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
