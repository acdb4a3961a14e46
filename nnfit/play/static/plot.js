// The two canvases: the points with the curve ŷ and each neuron's term a_i·σ(w_i x + b_i), and the
// average loss per epoch. Plain 2-D canvas, no library.
"use strict";

const FONT = '13px "Noto Sans SC", system-ui, sans-serif';
const MARGIN = { left: 54, right: 14, top: 14, bottom: 36 };
const ACT = {
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  tanh: (z) => Math.tanh(z),
  relu: (z) => Math.max(z, 0),
};

// Size the canvas's pixels to its CSS box (sharp on HiDPI screens); returns the 2-D context and size.
function prepare(canvas) {
  const r = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width, h = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(w * r) || canvas.height !== Math.round(h * r)) {
    canvas.width = Math.round(w * r);
    canvas.height = Math.round(h * r);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(r, 0, 0, r, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.font = FONT;
  return { ctx, w, h };
}

// Round tick values covering [lo, hi], about n of them.
function ticks(lo, hi, n) {
  const raw = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

// Ticks of a log₁₀ axis over [lo, hi] (in log₁₀ units), labelled with the loss itself: the powers of 10 in
// range, and where fewer than two of them are, 2 and 5 times them too (a loss from 0.79 to 0.12 spans no power of 10).
function logTicks(lo, hi) {
  const out = [];
  for (const ms of [[1], [1, 2, 5], [1, 1.5, 2, 3, 5, 7]]) {
    out.length = 0;
    for (let k = Math.floor(lo) - 1; k <= Math.ceil(hi); k++) {
      for (const m of ms) {
        const v = Math.log10(m) + k;
        if (v >= lo && v <= hi) out.push([v, logLabel(Number((m * Math.pow(10, k)).toPrecision(3)))]);
      }
    }
    if (out.length >= 2) break;
  }
  if (out.length < 2) {  // a loss within a few per cent (0.79 to 0.81): round values of the loss itself
    out.length = 0;
    for (const v of ticks(Math.pow(10, lo), Math.pow(10, hi), 4)) if (v > 0) out.push([Math.log10(v), logLabel(v)]);
  }
  return out.length > 8 ? out.filter((_, i) => i % Math.ceil(out.length / 8) === 0) : out;
}

// A loss on the log axis: 0.15, 3.5, 1.5e-4, 1.5e+4 (two significant digits kept, unlike fmtTick's exponents).
function logLabel(v) {
  return Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? Number(v.toPrecision(3)).toExponential() : String(Number(v.toPrecision(6)));
}

function fmtTick(v) {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(0) : String(Number(v.toPrecision(6)));
}

// A linear map from data to pixels and back, for a view {x0, x1, y0, y1} in a w×h canvas.
function frame(view, w, h, m = MARGIN) {
  const pw = w - m.left - m.right, ph = h - m.top - m.bottom;
  return {
    m,
    px: (x) => m.left + ((x - view.x0) / (view.x1 - view.x0)) * pw,
    py: (y) => m.top + (1 - (y - view.y0) / (view.y1 - view.y0)) * ph,
    x: (px) => view.x0 + ((px - m.left) / pw) * (view.x1 - view.x0),
    y: (py) => view.y0 + (1 - (py - m.top) / ph) * (view.y1 - view.y0),
    inside: (px, py) => px >= m.left && px <= w - m.right && py >= m.top && py <= h - m.bottom,
  };
}

function axes(ctx, f, view, w, h, xlabel, ylabel, yticks) {
  const m = f.m;
  ctx.strokeStyle = "#ddd";
  ctx.fillStyle = "#555";
  ctx.lineWidth = 1;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const v of ticks(view.x0, view.x1, 8)) {
    const x = f.px(v);
    ctx.beginPath(); ctx.moveTo(x, m.top); ctx.lineTo(x, h - m.bottom); ctx.stroke();
    ctx.fillText(fmtTick(v), x, h - m.bottom + 4);
  }
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const [v, label] of yticks) {
    const y = f.py(v);
    ctx.beginPath(); ctx.moveTo(m.left, y); ctx.lineTo(w - m.right, y); ctx.stroke();
    ctx.fillText(label, m.left - 6, y);
  }
  ctx.strokeStyle = "#888";
  ctx.strokeRect(m.left, m.top, w - m.left - m.right, h - m.top - m.bottom);
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  ctx.fillText(xlabel, (m.left + w - m.right) / 2, h - 2);
  ctx.save();
  ctx.translate(14, (m.top + h - m.bottom) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle";
  ctx.fillText(ylabel, 0, 0);
  ctx.restore();
}

function polyline(ctx, f, xs, ys) {
  ctx.beginPath();
  let pen = false;
  for (let k = 0; k < xs.length; k++) {
    if (ys[k] === null || !isFinite(ys[k])) { pen = false; continue; }
    const px = f.px(xs[k]), py = Math.max(-1e4, Math.min(1e4, f.py(ys[k])));
    if (pen) ctx.lineTo(px, py); else ctx.moveTo(px, py);
    pen = true;
  }
  ctx.stroke();
}

// The view of the fit plot: the curve's x span; y spans the points and the curve, and each neuron's term where
// they are shown (a term reaching -0.55 below points at 0 left the chart: helper-88), each within reason: no
// more than one span of the points beyond them.
function fitView(state, showTerms) {
  const c = state.curve, ys = state.points.y;
  const bottom = Math.min(...ys), top = Math.max(...ys), span = Math.max(top - bottom, 1e-6);
  let lo = bottom, hi = top;  // (the bounds of "within reason" stay the points': each value moved them on, helper-91)
  const curves = [c.y].concat(showTerms ? neuronTerms(state).terms : []);
  for (const vs of curves) {
    for (const v of vs) if (v !== null && isFinite(v)) { lo = Math.min(lo, Math.max(v, bottom - span)); hi = Math.max(hi, Math.min(v, top + span)); }
  }
  const pad = 0.08 * (hi - lo || 1);
  return { x0: c.x0, x1: c.x1, y0: lo - pad, y1: hi + pad };
}

function neuronTerms(state) {
  const c = state.curve, p = state.params, act = ACT[state.settings.activation];
  const n = c.y.length, xs = new Array(n);
  for (let k = 0; k < n; k++) xs[k] = c.x0 + ((c.x1 - c.x0) * k) / (n - 1);
  const terms = p.w.map((w, i) => xs.map((x) => (w === null ? null : p.a[i] * act(w * x + p.b[i]))));
  return { xs, terms };
}

function drawFit(canvas, state, view, showTerms, words) {
  const { ctx, w, h } = prepare(canvas);
  const { xs, terms } = neuronTerms(state);
  const color = (i) => `hsla(${(i * 360) / terms.length + 30}, 65%, 45%, 0.8)`;
  const items = [["#d62728", words.points, "dot"], ["#1f5fbf", words.curve, "line"]];
  if (showTerms && terms.length <= 8) terms.forEach((_, i) => items.push([color(i), `a${sub(i + 1)}·σ(w${sub(i + 1)}x+b${sub(i + 1)})`, "dash"]));
  else if (showTerms) items.push(["#888", `aᵢ·σ(wᵢx+bᵢ), i = 1…${terms.length}`, "dash"]);
  const rows = legend(ctx, w, items, false);
  const f = frame(view, w, h, { ...MARGIN, top: 10 + rows * 18 });
  const m = f.m;
  axes(ctx, f, view, w, h, "x", "y", ticks(view.y0, view.y1, 6).map((v) => [v, fmtTick(v)]));
  legend(ctx, w, items, true);
  ctx.save();
  ctx.beginPath();
  ctx.rect(m.left, m.top, w - m.left - m.right, h - m.top - m.bottom);
  ctx.clip();
  if (showTerms) {
    ctx.lineWidth = 1.2;
    ctx.setLineDash([4, 3]);
    terms.forEach((ys, i) => { ctx.strokeStyle = color(i); polyline(ctx, f, xs, ys); });
    ctx.setLineDash([]);
  }
  ctx.strokeStyle = "#1f5fbf";
  ctx.lineWidth = 2.5;
  polyline(ctx, f, xs, state.curve.y);
  ctx.fillStyle = "#d62728";
  state.points.x.forEach((x, k) => {
    ctx.beginPath();
    ctx.arc(f.px(x), f.py(state.points.y[k]), 5, 0, 2 * Math.PI);
    ctx.fill();
  });
  ctx.restore();
  return f;
}

// The legend in a strip above the plot, items left to right, wrapping; returns how many rows it takes.
function legend(ctx, w, items, draw) {
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  let x = MARGIN.left, row = 0;
  for (const [color, label, kind] of items) {
    const width = 30 + ctx.measureText(label).width + 16;
    if (x + width > w - MARGIN.right && x > MARGIN.left) { x = MARGIN.left; row++; }
    const y = 10 + row * 18;
    if (draw) {
      ctx.strokeStyle = ctx.fillStyle = color;
      if (kind === "dot") { ctx.beginPath(); ctx.arc(x + 12, y, 4, 0, 2 * Math.PI); ctx.fill(); } else {
        ctx.lineWidth = kind === "line" ? 2.5 : 1.2;
        ctx.setLineDash(kind === "dash" ? [4, 3] : []);
        ctx.beginPath(); ctx.moveTo(x + 2, y); ctx.lineTo(x + 24, y); ctx.stroke();
        ctx.setLineDash([]);
      }
      ctx.fillStyle = "#222";
      ctx.fillText(label, x + 30, y);
    }
    x += width;
  }
  return row + 1;
}

function drawLoss(canvas, history, log, words) {
  const { ctx, w, h } = prepare(canvas);
  const vals = history.map((v, k) => [k + 1, v]).filter(([, v]) => v !== null && isFinite(v) && (!log || v > 0));
  const tr = log ? (v) => Math.log10(v) : (v) => v;
  let lo = vals.length ? Math.min(...vals.map(([, v]) => tr(v))) : 0, hi = vals.length ? Math.max(...vals.map(([, v]) => tr(v))) : 1;
  if (!log) lo = Math.min(lo, 0);
  if (hi - lo < 1e-12) { hi += 0.5; lo -= 0.5; }
  const pad = 0.05 * (hi - lo);
  const view = { x0: 0, x1: Math.max(history.length, 10), y0: lo - pad, y1: hi + pad };
  const yt = log ? logTicks(view.y0, view.y1) : ticks(view.y0, view.y1, 5).map((v) => [v, fmtTick(v)]);
  // room on the left for the widest tick label and the axis title beside it (a diverged loss's 2e+36)
  const widest = Math.max(0, ...yt.map(([, label]) => ctx.measureText(label).width));
  const f = frame(view, w, h, { ...MARGIN, left: Math.max(MARGIN.left, Math.ceil(widest) + 30) });
  axes(ctx, f, view, w, h, words.epoch, words.avg_loss + (log ? " (log₁₀)" : ""), yt);
  ctx.strokeStyle = "#1f5fbf";
  ctx.lineWidth = 2;
  polyline(ctx, f, vals.map(([k]) => k), vals.map(([, v]) => tr(v)));
  if (vals.length <= 30) {  // few epochs yet: mark each one
    ctx.fillStyle = "#1f5fbf";
    for (const [k, v] of vals) { ctx.beginPath(); ctx.arc(f.px(k), f.py(tr(v)), 3, 0, 2 * Math.PI); ctx.fill(); }
  }
}
