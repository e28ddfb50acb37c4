// Shared helpers for every page: DOM building (text only, never HTML), API calls with the CSRF token,
// number formatting, the theme toggle, chart colours, keyboard shortcuts and live refresh.
"use strict";

const NA = (() => {
  const body = document.body;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const expId = body.dataset.exp || null;
  const themeHooks = [];

  // el("td", {class: "num"}, "text", childNode): strings become text nodes, so data is never parsed as HTML.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  async function request(url, options) {
    const response = await fetch(url, options);
    const type = response.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await response.json() : await response.text();
    if (!response.ok) throw new Error((data && data.error) || response.statusText || "request failed");
    return data;
  }
  const getJSON = (url) => request(url, { headers: { Accept: "application/json" } });
  const post = (url, payload) => request(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json" },
    body: JSON.stringify(payload || {}),
  });

  function fmt(v) {
    if (v === null || v === undefined) return "";
    if (typeof v === "number") {
      if (Number.isInteger(v)) return String(v);
      const a = Math.abs(v);
      return a !== 0 && (a < 1e-4 || a >= 1e6) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
    }
    if (typeof v === "string") return v;
    if (typeof v === "object" && v._name !== undefined && Object.keys(v).length === 1) return String(v._name);
    const layers = typeof v === "object" && !Array.isArray(v) ? Object.entries(v) : [];
    if (layers.length && layers.every(([, x]) => x && typeof x === "object" && "chosen_layer" in x)) {
      // A mutable block's choices: "layer 0: conv(k=3) ← x1 · layer 1: dense(64)".
      return layers.map(([k, x]) => `${k.replace("mutable_layer_", "layer ")}: ${x.chosen_layer}` +
        ((x.chosen_inputs || []).length ? ` ← ${x.chosen_inputs.join(", ")}` : "")).join(" · ");
    }
    return JSON.stringify(v);
  }
  // One number format for a whole column, so digits line up: exponent notation with 4 significant digits for
  // every value when any non-zero value is tiny (< 1e-3) or huge (>= 1e6), else up to 6 significant digits.
  function columnFormat(values) {
    const floats = values.filter((v) => typeof v === "number" && isFinite(v) && !Number.isInteger(v));
    const exp = values.some((v) => typeof v === "number" && v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6));
    if (!floats.length && !exp) return fmt;
    return (v) => (typeof v !== "number" || !isFinite(v) ? fmt(v) : v === 0 ? "0" : exp ? v.toExponential(3) : String(Number(v.toPrecision(6))));
  }
  function fmtDuration(s) {
    if (s === null || s === undefined || !isFinite(s)) return "";
    if (s < 60) return s.toFixed(1) + "s";
    const m = Math.round(s / 60);
    if (s < 3600) return Math.floor(s / 60) + "m " + String(Math.round(s % 60)).padStart(2, "0") + "s";
    return Math.floor(m / 60) + "h " + String(m % 60).padStart(2, "0") + "m";
  }
  function fmtTime(ts) {
    if (!ts) return "";
    const d = new Date(ts * 1000), p = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  }

  function say(message, isError) {
    const line = document.getElementById("status-line");
    if (!line) return;
    line.textContent = message || "";
    line.classList.toggle("s-FAILED", !!isError);
  }

  // Theme: auto (system) -> dark -> light -> auto.
  function currentDark() {
    const t = document.documentElement.dataset.theme;
    return t ? t === "dark" : window.matchMedia("(prefers-color-scheme: dark)").matches;
  }
  function toggleTheme() {
    const order = [undefined, "dark", "light"];
    const next = order[(order.indexOf(document.documentElement.dataset.theme) + 1) % order.length];
    if (next) document.documentElement.dataset.theme = next;
    else delete document.documentElement.dataset.theme;
    try { if (next) localStorage.setItem("nni-annot-theme", next); else localStorage.removeItem("nni-annot-theme"); } catch (e) { /* ignore */ }
    themeHooks.forEach((f) => f());
  }
  document.getElementById("theme-toggle").addEventListener("click", toggleTheme);
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => themeHooks.forEach((f) => f()));

  function colors() {
    const css = getComputedStyle(document.documentElement);
    const v = (name) => css.getPropertyValue(name).trim();
    return { text: v("--text"), muted: v("--muted"), line: v("--line"), accent: v("--accent"), ok: v("--ok"),
      bad: v("--bad"), warn: v("--warn"), panel: v("--panel"), dark: currentDark() };
  }
  // Common echarts options for the current theme; tooltips escape everything they show.
  function chartBase() {
    const c = colors();
    return {
      backgroundColor: "transparent", textStyle: { color: c.text, fontFamily: getComputedStyle(body).fontFamily },
      color: [c.accent, c.ok, c.warn, c.bad, "#8e6bd8", "#2ba4a0", "#d46a9f", "#7f8c8d"],
      animation: false,
      tooltip: { backgroundColor: c.panel, borderColor: c.line, textStyle: { color: c.text } },
    };
  }
  const charts = [];
  function chart(id) {
    const node = document.getElementById(id);
    if (!node) return null;
    const existing = echarts.getInstanceByDom(node);  // two scripts of a page may draw one chart
    if (existing) return existing;
    const instance = echarts.init(node, null, { renderer: "canvas" });
    charts.push(instance);
    return instance;
  }
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  const esc = (s) => (window.echarts ? echarts.format.encodeHTML(String(s)) : String(s));

  // Keyboard: "/" focuses the search box, "t" toggles the theme; pages add their own keys.
  const keyHandlers = [];
  document.addEventListener("keydown", (e) => {
    // Keys typed into a text field are the field's; a focused checkbox, button or link leaves them to us.
    const t = e.target, textual = t.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/.test(t.type);
    const typing = textual || /^(TEXTAREA|SELECT)$/.test(t.tagName) || t.isContentEditable;
    if (typing || e.metaKey || e.ctrlKey || e.altKey) return;
    if (e.key === "/") {
      const box = document.querySelector('input[type="search"]');
      if (box) { e.preventDefault(); box.focus(); }
    } else if (e.key === "t") toggleTheme();
    else keyHandlers.forEach((f) => f(e));
  });

  // Live refresh: fetch only what changed since the last fetch, while a runner owns the experiment.
  function live(onChanges) {
    const select = document.getElementById("refresh");
    if (!expId || body.dataset.live !== "true" || !select) return;
    let since = Number(body.dataset.changeSeq || 0), timer = null;
    const url = new URL(location.href);
    const saved = url.searchParams.get("refresh") || localStorage.getItem("nni-annot-refresh");
    if (saved !== null && [...select.options].some((o) => o.value === saved)) select.value = saved;
    async function tick() {
      try {
        const changes = await getJSON(`/api/experiments/${encodeURIComponent(expId)}/changes?since=${since}`);
        if (changes.change_seq !== since) {
          since = changes.change_seq;
          onChanges(changes);
          const badge = document.getElementById("exp-status");
          if (badge) { badge.textContent = changes.experiment.status; badge.className = "badge s-" + changes.experiment.status; }
        }
        if (!changes.experiment.live) { stop(); select.disabled = true; return; }
      } catch (err) { say("refresh failed: " + err.message, true); }
      schedule();
    }
    function stop() { if (timer) clearTimeout(timer); timer = null; }
    function schedule() { stop(); const s = Number(select.value); if (s > 0) timer = setTimeout(tick, s * 1000); }
    select.addEventListener("change", () => {
      try { localStorage.setItem("nni-annot-refresh", select.value); } catch (e) { /* ignore */ }
      const u = new URL(location.href); u.searchParams.set("refresh", select.value); history.replaceState(null, "", u);
      schedule();
    });
    schedule();
  }

  async function action(kind, payload, done) {
    try {
      const posted = await post(`/api/experiments/${encodeURIComponent(expId)}/actions`, { kind, payload });
      say(`sent ${kind.replace(/_/g, " ")}; waiting for the runner…`);
      for (let i = 0; i < 40; i++) {
        await new Promise((r) => setTimeout(r, 250));
        const list = await getJSON(`/api/experiments/${encodeURIComponent(expId)}/actions`);
        const found = list.actions.find((a) => a.id === posted.action_id);
        if (found && found.applied_at) {
          say(`${kind.replace(/_/g, " ")}: ${found.result}`, !String(found.result).startsWith("ok"));
          if (done) done(found);
          return;
        }
      }
      say(`${kind.replace(/_/g, " ")} sent; the runner has not applied it yet`);
    } catch (err) { say(err.message, true); }
  }

  // The trials table's address argument that filters a parameter, or the candidate chosen for one layer of a
  // mutable block (the server's viewer/tablequery.py reads both).
  const filterArg = (key, layer) => (layer ? `l.${layer}.${key}` : "p." + key);
  return { el, getJSON, post, fmt, filterArg, columnFormat, fmtDuration, fmtTime, say, colors, chartBase, chart, esc, expId, live,
    action, onTheme: (f) => themeHooks.push(f), onKey: (f) => keyHandlers.push(f) };
})();
