// The ledger of the last SGD step: the dict nnfit.explain.step_ledger returns, shown as nnfit explain
// prints it: each sample's forward pass (z_i, h_i, a_i·h_i, ŷ) and the loss in the run's dtype; each
// parameter's gradient formula, its value by autograd (the run's dtype, what the update uses), by hand
// and by finite differences (float64); the update old − lr·autograd = new. Every number cell carries
// data-k ("z.0.4", "autograd.w5", "new.b2", ...) and explain's digits (%.6g; %.8g for old and new).
"use strict";

const ACT_NAME = { sigmoid: "σ", tanh: "tanh", relu: "ReLU" };

function el(tag, text, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

function num(value, key, digits) {
  return el("td", gfmt(value, digits || 6), { "data-k": key, class: "num" });
}

function row(cells) {
  const tr = el("tr");
  for (const c of cells) tr.appendChild(typeof c === "string" ? el("td", c) : c);
  return tr;
}

function head(cells) {
  const tr = el("tr");
  for (const c of cells) tr.appendChild(el("th", c));
  return tr;
}

// Python's "%.2e": 1.23e-07
function e2(v) {
  return v.toExponential(2).replace(/e([+-])(\d)$/, "e$10$2");
}

function renderLedger(box, L, diverged) {
  box.replaceChildren();
  if (!L) { box.appendChild(el("p", t(diverged ? "no_step_diverged" : "no_step"), { class: "hint" })); return; }
  const f = L.formulas;
  box.appendChild(el("h3", t("step_title", { e: L.epoch, k: L.sample, lr: g6(L.lr), act: ACT_NAME[L.activation], dtype: L.dtype })));
  L.samples.forEach((s, n) => {
    box.appendChild(el("p", t("sample_line", { n: s.index + 1, x: g6(s.x), y: g6(s.y) }), { class: "sample" }));  // (Chinese: '：' and '，', as the CLI's ledger; helper-88)
    const tb = el("table", null, { class: "ledger-forward" });
    tb.appendChild(head([t("neuron"), f.z, f.h, "aᵢ·hᵢ"]));
    s.z.forEach((_, i) => tb.appendChild(row([`${i + 1}`, num(s.z[i], `z.${n}.${i}`), num(s.h[i], `h.${n}.${i}`), num(s.ah[i], `ah.${n}.${i}`)])));
    box.appendChild(tb);
    const p = el("p", null, { class: "sum" });
    p.append("ŷ = Σ aᵢ·hᵢ = ", el("b", g6(s.y_hat), { "data-k": `y_hat.${n}` }), "\u2003\u2003ŷ − y = ", el("b", g6(s.error), { "data-k": `error.${n}` }));
    box.appendChild(p);
  });
  const lossLine = el("p", null, { class: "sum" });
  lossLine.append(`${t("loss")} ${f.loss} = `, el("b", g6(L.loss), { "data-k": "loss" }));
  box.appendChild(lossLine);

  const tb = el("table", null, { class: "ledger-grads" });
  tb.appendChild(head([t("param"), t("formula"), t("autograd", { dtype: L.dtype }), t("by_hand"), t("fd"), t("update")]));
  for (const r of L.params) {
    const upd = el("td", null, { class: "num" });
    upd.append(el("span", gfmt(r.old, 8), { "data-k": `old.${r.name}` }), ` − ${g6(L.lr)}·(${g6(r.autograd)}) = `,
      el("b", gfmt(r.new, 8), { "data-k": `new.${r.name}` }));
    tb.appendChild(row([`${r.kind}${sub(r.i)}`, el("td", r.formula, { class: "formula" }),
      num(r.autograd, `autograd.${r.name}`), num(r.hand, `hand.${r.name}`), num(r.fd, `fd.${r.name}`), upd]));
  }
  box.appendChild(tb);
  box.appendChild(el("p", t("agree", { d1: e2(L.max_diff_autograd_hand), d2: e2(L.max_diff_hand_fd), dtype: L.dtype }), { class: "hint" }));
}

// One row per neuron i: w_i, b_i, a_i (the chapter's names).
function renderParams(table, p) {
  table.replaceChildren();
  table.appendChild(head([t("neuron"), "wᵢ", "bᵢ", "aᵢ"]));
  p.w.forEach((_, i) => {
    table.appendChild(row([el("th", String(i + 1))].concat(["w", "b", "a"].map((name) => num(p[name][i], `${name}${i + 1}`, 8)))));
  });
}
