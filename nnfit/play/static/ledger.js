// The ledger of the last SGD step, as nnfit explain shows it: the forward pass (z_i, h_i, a_i·h_i, ŷ),
// the loss, each parameter's gradient with its formula (by hand; finite differences beside it) and the
// update p ← p − lr·∂L/∂p. Every number cell carries data-k (e.g. "grad.w.4") and Python's %.6g text.
"use strict";

const PRIME = { sigmoid: (i) => `h${i}(1−h${i})`, tanh: (i) => `(1−h${i}²)`, relu: (i) => `[z${i}>0]` };
const ACT_NAME = { sigmoid: "σ", tanh: "tanh", relu: "ReLU" };

function el(tag, text, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

function num(value, key) {
  return el("td", g6(value), { "data-k": key, class: "num" });
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

// The gradient columns the ledger holds, in explain's order: by hand, autograd, finite differences.
function gradColumns(L) {
  const cols = [["grad", t("by_hand")]];
  if (L.grad_autograd) cols.push(["grad_autograd", "autograd"]);
  if (L.grad_fd) cols.push(["grad_fd", t("fd")]);
  return cols;
}

function paren(text) {
  return text.startsWith("-") ? `(${text})` : text;
}

function renderLedger(box, L) {
  box.replaceChildren();
  if (!L) { box.appendChild(el("p", t("no_step"), { class: "hint" })); return; }
  const act = L.activation, A = ACT_NAME[act], H = L.old.w.length;
  box.appendChild(el("h3", t("step_title", { e: L.epoch, k: L.step, lr: g6(L.lr), act: A })));
  L.x.forEach((x, n) => {
    box.appendChild(el("p", `${t("sample")} ${L.idx[n] + 1}: x = ${g6(x)}, y = ${g6(L.y[n])} — ${t("forward")}`, { class: "sample" }));
    const tb = el("table", null, { class: "ledger-forward" });
    tb.appendChild(head([t("neuron"), "z = w·x + b", `h = ${A}(z)`, "a·h"]));
    for (let i = 0; i < H; i++) {
      tb.appendChild(row([`${i + 1}`, num(L.z[n][i], `z.${n}.${i}`), num(L.h[n][i], `h.${n}.${i}`),
        num(L.old.a[i] * L.h[n][i], `ah.${n}.${i}`)]));
    }
    box.appendChild(tb);
    const p = el("p", null, { class: "sum" });
    p.append("ŷ = Σ aᵢhᵢ = ", el("b", g6(L.y_hat[n]), { "data-k": `y_hat.${n}` }),
      "   ŷ − y = ", el("b", g6(L.y_hat[n] - L.y[n]), { "data-k": `err.${n}` }));
    box.appendChild(p);
  });
  const lossLine = el("p", null, { class: "sum" });
  lossLine.append(`${t("loss_line")} = `, el("b", g6(L.loss), { "data-k": "loss" }));
  box.appendChild(lossLine);

  const mean = L.x.length > 1 ? "mean " : "";
  const formula = {
    w: (i) => `${mean}2(ŷ−y)·a${i}·${PRIME[act](i)}·x`,
    b: (i) => `${mean}2(ŷ−y)·a${i}·${PRIME[act](i)}`,
    a: (i) => `${mean}2(ŷ−y)·h${i}`,
  };
  const cols = gradColumns(L);
  const tb = el("table", null, { class: "ledger-grads" });
  tb.appendChild(head([t("param"), t("formula")].concat(cols.map(([, label]) => label), [t("update")])));
  for (const name of ["w", "b", "a"]) {
    for (let i = 0; i < H; i++) {
      const s = sub(i + 1);
      const upd = el("td", null, { class: "num" });
      upd.append(el("span", g6(L.old[name][i]), { "data-k": `old.${name}.${i}` }), ` − ${g6(L.lr)}·${paren(g6(L.grad[name][i]))} = `,
        el("b", g6(L.new[name][i]), { "data-k": `new.${name}.${i}` }));
      tb.appendChild(row([`${name}${s}`, el("td", formula[name](s), { class: "formula" })]
        .concat(cols.map(([key]) => num(L[key][name][i], `${key}.${name}.${i}`)), [upd])));
    }
  }
  box.appendChild(tb);
}

// One row per neuron i: w_i, b_i, a_i (the chapter's names).
function renderParams(table, p) {
  table.replaceChildren();
  table.appendChild(head([t("neuron"), "wᵢ", "bᵢ", "aᵢ"]));
  p.w.forEach((_, i) => {
    table.appendChild(row([el("th", String(i + 1))].concat(["w", "b", "a"].map((name) => num(p[name][i], `${name}.${i}`)))));
  });
}
