// Markdown notes on an experiment or a trial, kept in the store. The markdown is turned into DOM nodes
// (text nodes only, never HTML): headings, paragraphs, lists, fenced code, `code`, **bold**, *italic* and
// links to http(s) or viewer addresses. Anything else, HTML included, shows as the text it is.
"use strict";
(() => {
  const panel = document.getElementById("note-panel");
  if (!panel) return;
  const view = document.getElementById("note-view"), form = document.getElementById("note-form");
  const area = document.getElementById("note-text"), edit = document.getElementById("note-edit");
  const trialId = panel.dataset.trial || null;
  let text = JSON.parse(document.getElementById("note-data").textContent);
  const status = document.getElementById("note-status");
  const say = (message, isError) => { status.textContent = message; status.classList.toggle("s-FAILED", !!isError); };

  const SAFE_URL = /^(https?:\/\/|\/(?!\/))/i;
  function inline(source) {
    const out = [];
    // `code`, **bold**, *italic*, [text](url): the first match wins, the rest is plain text.
    const pattern = /`([^`]+)`|\*\*([^*]+)\*\*|\*([^*]+)\*|\[([^\]]+)\]\(([^)\s]+)\)/g;
    let last = 0, m;
    while ((m = pattern.exec(source)) !== null) {
      if (m.index > last) out.push(source.slice(last, m.index));
      if (m[1] !== undefined) out.push(NA.el("code", {}, m[1]));
      else if (m[2] !== undefined) out.push(NA.el("strong", {}, ...inline(m[2])));
      else if (m[3] !== undefined) out.push(NA.el("em", {}, ...inline(m[3])));
      else if (SAFE_URL.test(m[5])) out.push(NA.el("a", { href: m[5], rel: "noopener noreferrer" }, m[4]));
      else out.push(m[0]);
      last = pattern.lastIndex;
    }
    if (last < source.length) out.push(source.slice(last));
    return out;
  }
  function render(markdown) {
    const nodes = [], lines = markdown.replace(/\r\n?/g, "\n").split("\n");
    let i = 0;
    while (i < lines.length) {
      const line = lines[i];
      if (!line.trim()) { i += 1; continue; }
      if (line.startsWith("```")) {
        const code = [];
        for (i += 1; i < lines.length && !lines[i].startsWith("```"); i += 1) code.push(lines[i]);
        nodes.push(NA.el("pre", {}, code.join("\n")));
        i += 1;
        continue;
      }
      const heading = /^(#{1,3})\s+(.*)$/.exec(line);
      if (heading) { nodes.push(NA.el("h" + (heading[1].length + 2), {}, ...inline(heading[2]))); i += 1; continue; }
      const bullet = /^\s*[-*]\s+/, numbered = /^\s*\d+[.)]\s+/;
      if (bullet.test(line) || numbered.test(line)) {
        const kind = bullet.test(line) ? bullet : numbered, list = NA.el(kind === bullet ? "ul" : "ol");
        for (; i < lines.length && kind.test(lines[i]); i += 1) list.append(NA.el("li", {}, ...inline(lines[i].replace(kind, ""))));
        nodes.push(list);
        continue;
      }
      const para = NA.el("p");
      for (let first = true; i < lines.length && lines[i].trim() && !lines[i].startsWith("```") && !/^#{1,3}\s/.test(lines[i]) && !bullet.test(lines[i]) && !numbered.test(lines[i]); i += 1, first = false) {
        if (!first) para.append(NA.el("br"));
        para.append(...inline(lines[i]));
      }
      nodes.push(para);
    }
    return nodes;
  }
  function show() {
    view.replaceChildren(...(text.trim() ? render(text) : [NA.el("p", { class: "muted small" }, "No notes yet.")]));
  }
  function editing(on) {
    form.hidden = !on; view.hidden = on; edit.setAttribute("aria-expanded", String(on));
    if (on) { area.value = text; area.focus(); }
  }
  edit.addEventListener("click", () => editing(form.hidden));
  document.getElementById("note-cancel").addEventListener("click", () => editing(false));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const saved = await NA.post(`/api/experiments/${encodeURIComponent(NA.expId)}/notes`, { text: area.value, trial_id: trialId });
      text = saved.text; show(); editing(false); say("note saved");
    } catch (err) { say(err.message, true); }
  });
  show();
})();
