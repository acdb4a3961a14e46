// The page's words in Chinese (the chapter's language, the default) and English.
"use strict";

const WORDS = {
  zh: {
    title: "看神经网络学习", language: "语言", network: "网络", seed: "随机种子", hidden: "隐藏神经元数 (1–20)",
    activation: "激活函数", lr: "学习率 lr", batch: "批大小", shuffle: "每轮打乱样本顺序",
    training: "训练", epochs: "训练到第几轮", speed: "速度",
    speed_sample: "每次 1 个样本", speed_1: "每次 1 轮", speed_5: "每次 5 轮", speed_25: "每次 25 轮", speed_100: "每次 100 轮",
    step_sample: "走一个样本", step_epoch: "走一轮", play: "播放", pause: "暂停", reset: "重置",
    data: "数据", data_hint: "点击空白处添加点，拖动点来移动，右键（或双击）点来删除。",
    load_csv: "载入 CSV…", tutorial_data: "教程的 10 个点",
    epoch: "轮次", step: "本轮已走步数", avg_loss: "平均损失", show_terms: "显示每个神经元的项 a·σ(wx+b)",
    loss_curve: "每轮的平均损失", log_scale: "对数坐标", params: "参数", ledger: "最近一步的账本",
    x: "x", y: "y", points: "样本点", curve: "预测 ŷ", neuron: "神经元", no_step: "还没有走过一步：按“走一个样本”。", no_step_diverged: "训练发散了：最后一步没有账本可看（重置，或换一个更小的学习率）。",
    step_title: "第 {e} 轮第 {k} 步 SGD（学习率 {lr}，{act}，{dtype}）", sample_line: "样本 {n}：x = {x}，y = {y} — 前向传播",
    loss: "损失", param: "参数", formula: "偏导数（链式法则）", autograd: "自动求导 {dtype}", by_hand: "手算 float64",
    fd: "有限差分 float64", update: "更新：旧值 − lr·自动求导 = 新值",
    agree: "|自动求导 − 手算| 最大 {d1}（{dtype} 的舍入）；|手算 − 有限差分| 最大 {d2}", connecting: "正在连接服务器…",
    disconnected: "与服务器的连接断开了：请确认 nnfit play 仍在运行，然后刷新页面。",
    too_many_tabs: "服务器已经开着 64 个标签页（它最多同时服务这么多）：关掉一个，然后刷新这个页面。",
    error: "错误", csv_read: "读不了这个文件：", reached: "已到第 {n} 轮（“训练到第几轮”的设定）。",
    bad_target: "“训练到第几轮”必须是 1 到 {max} 的整数，现在是“{text}”。",
    csv_large: "{name} 太大（{kb} KB）：网页最多读 {max} KB 的 CSV 文件（2000 个点足够了）。",
    csv_long: "{name} 太长，一条消息发不下（写成 JSON 有 {chars} 个字符，最多 {max} 个）：网页最多接受 2000 个点。",
    csv_gbk: "{name} 不是 UTF-8 文件，已按 GBK（中文 Windows 上 Excel 的 CSV）读取；另存为“CSV UTF-8”更稳妥。",
  },
  en: {
    title: "Watch a neural network learn", language: "Language", network: "Network", seed: "Seed",
    hidden: "Hidden neurons (1–20)", activation: "Activation", lr: "Learning rate lr", batch: "Batch size",
    shuffle: "Shuffle the samples each epoch", training: "Training", epochs: "Train up to epoch", speed: "Speed",
    speed_sample: "1 sample at a time", speed_1: "1 epoch at a time", speed_5: "5 epochs at a time",
    speed_25: "25 epochs at a time", speed_100: "100 epochs at a time",
    step_sample: "Step one sample", step_epoch: "Step one epoch", play: "Play", pause: "Pause", reset: "Reset",
    data: "Data", data_hint: "Click an empty spot to add a point, drag a point to move it, right-click (or double-click) a point to remove it.",
    load_csv: "Load CSV…", tutorial_data: "The tutorial's 10 points",
    epoch: "Epoch", step: "Steps in this epoch", avg_loss: "Average loss", show_terms: "Show each neuron's term a·σ(wx+b)",
    loss_curve: "Average loss per epoch", log_scale: "log scale", params: "Parameters", ledger: "Ledger of the last step",
    x: "x", y: "y", points: "points", curve: "prediction ŷ", neuron: "neuron", no_step: "No step yet: press “Step one sample”.", no_step_diverged: "The training diverged: its last step has no ledger to show (reset, or use a smaller learning rate).",
    step_title: "SGD step {k} of epoch {e} (lr {lr}, {act}, {dtype})", sample_line: "sample {n}: x = {x}, y = {y} — forward pass",
    loss: "loss", param: "param", formula: "gradient (chain rule)", autograd: "autograd {dtype}", by_hand: "by hand float64",
    fd: "finite diff float64", update: "update: old − lr·autograd = new",
    agree: "largest |autograd − by hand| = {d1} (rounding in {dtype}); largest |by hand − finite diff| = {d2}", connecting: "Connecting to the server…",
    disconnected: "The connection to the server was lost: check that nnfit play is still running, then reload the page.",
    too_many_tabs: "The server already has 64 tabs open (as many as it serves at once): close one, then reload this page.",
    error: "Error", csv_read: "Cannot read this file: ", reached: "Reached epoch {n} (the “train up to epoch” setting).",
    bad_target: "“Train up to epoch” must be a whole number from 1 to {max}, not “{text}”.",
    csv_large: "{name} is too large ({kb} KB): the page reads CSV files of at most {max} KB (2000 points fit easily).",
    csv_long: "{name} is too long to send as one message ({chars} characters as JSON, at most {max}): the page takes at most 2000 points.",
    csv_gbk: "{name} is not UTF-8: it was read as GBK (Excel's CSV on Chinese Windows); saving it as “CSV UTF-8” is safer.",
  },
};

let LANG = "zh";

function t(key, args) {
  return tIn(LANG, key, args);
}

// Both languages at once, for messages that stay on screen while the language changes.
function both(key, args) {
  return { zh: tIn("zh", key, args), en: tIn("en", key, args) };
}

function tIn(lang, key, args) {
  let s = (WORDS[lang] && WORDS[lang][key]) || WORDS.en[key] || key;
  for (const [k, v] of Object.entries(args || {})) s = s.split("{" + k + "}").join(String(v));
  return s;
}

// Subscript digits for the chapter's names: 1 -> ₁ (w₁, b₁, a₁).
function sub(n) {
  return String(n).replace(/\d/g, (d) => String.fromCharCode(0x2080 + Number(d)));
}

// A number as Python's "%.<digits>g" writes it (as nnfit explain prints): significant digits, no
// trailing zeros, an exponent from 1e-5 down or 10^digits up.
function gfmt(v, digits) {
  if (v === null || v === undefined) return "nan";
  if (!isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const [mant, ex] = v.toExponential(digits - 1).split("e");
  const exp = Number(ex);
  if (exp < -4 || exp >= digits) {
    const m = mant.includes(".") ? mant.replace(/0+$/, "").replace(/\.$/, "") : mant;
    return m + "e" + (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(2, "0");
  }
  const s = v.toFixed(digits - 1 - exp);
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}

function g6(v) {
  return gfmt(v, 6);
}
