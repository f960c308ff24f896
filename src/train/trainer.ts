// Trainer: one IR graph in trainer.wasm. The graph is written as a training .slim (no arena
// reuse), loaded and planned at a fixed batch B; `step` runs forward (training mode), the loss
// kernel, backward, the hooks and the optimizer over every trainable constant, all inside the
// module's memory. `toGraph` reads the weights back into a copy of the graph.
import type { Graph, Tensor } from "../ir/graph.js";
import { numel } from "../ir/graph.js";
import { writeSlim } from "../format/writer.js";
import { FormatError, InputError, SlimnetError } from "../runtime/errors.js";
import type { WasmSource } from "../runtime/wasm.js";
import { codebookHook, install, type Hook, type Installed, type WeightSlot } from "./hooks.js";
import { Optimizer, type OptimizerConfig } from "./optim.js";
import { instantiateTrainer, type TrainerExports } from "./wasm.js";

export type LossConfig =
  | { kind: "ce" }
  /** Hinton et al. 2015: α·T²·CE(softmax(z/T), softmax(z_t/T)) + (1 − α)·CE(labels). */
  | { kind: "distill"; T: number; alpha: number }
  /** Ba & Caruana 2014: ½‖z − z_t‖² on the logits. */
  | { kind: "mimic" };

export interface TrainerOptions {
  /** Samples per step (the plan's batch); default 64. */
  batch?: number;
  optimizer?: OptimizerConfig;
  loss?: LossConfig;
  /** Weight of the loss on each graph output (early exits); default 1 on output 0 only. */
  outputWeights?: number[];
  /** Constant tensors the optimizer leaves alone. */
  frozen?: Iterable<string>;
  /**
   * Hooks by tensor name (see hooks.ts). A constant without one gets: a cluster hook when it is
   * clustered (`indexBits` set: trained quantization of its centroids, zeros kept zero), a mask
   * hook when it is tagged "csr" (pruned: mask = data ≠ 0), a sign hook with per-row scales when
   * it is tagged "binary" (its ±α values are the shadow's start, so the deployed weights stay put).
   */
  hooks?: Record<string, Hook>;
  /** Learning-rate multipliers by tensor name (default 1). */
  lrScale?: Record<string, number>;
  /** trainer.wasm bytes or module (default: dist/trainer.wasm). */
  wasm?: WasmSource;
}

export interface StepResult {
  /** Weighted loss of the batch (mean over samples). */
  loss: number;
  /** Argmax hits of output 0. */
  correct: number;
}

export interface EvalResult {
  n: number;
  correct: number;
  accuracy: number;
  /** Mean cross-entropy of output 0. */
  loss: number;
}

const utf8 = new TextDecoder();

/** The hook that keeps a constant in the form its storage tag promises while it trains. */
function storageHook(t: Tensor): Hook | undefined {
  if (t.indexBits) return codebookHook(t);
  if (t.encoding === "csr") return { kind: "mask", mask: t.data! };
  if (t.encoding === "binary") return { kind: "sign", scalePerRow: true };
  return undefined;
}

export class Trainer {
  readonly graph: Graph;
  readonly batch: number;
  readonly optimizer: Optimizer;
  readonly loss: LossConfig;
  /** Names of the tensors the optimizer updates. */
  readonly trainable: readonly string[];
  /** Values per sample of the input, classes of each output. */
  readonly inputSize: number;
  readonly classes: readonly number[];
  /** Learning rate of the next step (a schedule sets it). */
  lr: number;

  #w: TrainerExports;
  #ids: Map<string, number>;
  #input: number;
  #outputs: number[];
  #weights: number[];
  #labels: number;
  #teacher: number;
  #scratch: number;
  #hooks: Installed[] = [];

  private constructor(graph: Graph, w: TrainerExports, o: TrainerOptions & { batch: number }) {
    this.graph = graph;
    this.batch = o.batch;
    this.#w = w;
    this.#ids = new Map([...graph.tensors.keys()].map((n, i) => [n, i]));
    [this.#input] = graph.inputs.map((n) => this.#id(n));
    this.#outputs = graph.outputs.map((n) => this.#id(n));
    this.inputSize = numel(graph.tensors.get(graph.inputs[0])!.shape);
    this.classes = graph.outputs.map((n) => numel(graph.tensors.get(n)!.shape));
    this.#weights = o.outputWeights ?? graph.outputs.map((_, i) => (i === 0 ? 1 : 0));
    if (this.#weights.length !== graph.outputs.length || this.#weights.some((v) => !(v >= 0)))
      throw new InputError(`outputWeights: ${graph.outputs.length} weights ≥ 0 needed (one per graph output), got ${JSON.stringify(o.outputWeights)}`);
    this.loss = o.loss ?? { kind: "ce" };
    if (this.loss.kind === "distill" && !(this.loss.T > 0 && this.loss.alpha >= 0 && this.loss.alpha <= 1))
      throw new InputError(`distill loss: T > 0 and alpha in [0, 1] needed, got T=${this.loss.T} alpha=${this.loss.alpha}`);
    this.optimizer = new Optimizer(w, o.optimizer ?? { kind: "sgd", lr: 0.01 });
    this.lr = this.optimizer.config.lr;
    const maxClasses = Math.max(...this.classes);
    this.#labels = w.alloc(4 * this.batch);
    this.#teacher = w.alloc(4 * this.batch * maxClasses);
    this.#scratch = w.alloc(4 * this.batch * maxClasses);

    // Trainable: every constant except frozen ones and BatchNormalization running statistics
    // (the forward pass updates those in place).
    const frozen = new Set(o.frozen ?? []);
    for (const name of frozen) if (!graph.tensors.get(name)?.data) throw new InputError(`frozen: "${name}" is not a constant tensor of ${graph.name}`);
    const stats = new Set(graph.nodes.filter((n) => n.op === "BatchNormalization").flatMap((n) => n.inputs.slice(3)));
    // QuantizeLinear/DequantizeLinear scales and zero points stay fixed (their backward gives them no gradient).
    for (const n of graph.nodes) if (n.op === "QuantizeLinear" || n.op === "DequantizeLinear") n.inputs.slice(1).forEach((i) => stats.add(i));
    const hooks = o.hooks ?? {};
    for (const name of Object.keys(hooks)) {
      if (!graph.tensors.get(name)?.data) throw new InputError(`hook on "${name}": not a constant tensor of ${graph.name}`);
      if (frozen.has(name) || stats.has(name)) throw new InputError(`hook on "${name}": the tensor is ${frozen.has(name) ? "frozen" : "a running statistic"}`);
    }
    const trainable: string[] = [];
    for (const [name, t] of graph.tensors) {
      if (!t.data || frozen.has(name) || stats.has(name)) continue;
      const id = this.#id(name);
      const slot: WeightSlot = { name, shape: t.shape, n: t.data.length, w: w.tensorData(id), g: w.gradData(id) };
      const hook = hooks[name] ?? storageHook(t);
      const hooked = hook ? install(w, slot, hook) : undefined;
      if (hooked) this.#hooks.push(hooked);
      const lrScale = o.lrScale?.[name];
      if (lrScale !== undefined && !(lrScale > 0 && Number.isFinite(lrScale))) throw new InputError(`lrScale of "${name}" must be a finite number > 0, got ${lrScale}`);
      this.optimizer.add({ ...(hooked?.target ?? { param: slot.w, grad: slot.g, n: slot.n }), lrScale });
      trainable.push(name);
    }
    this.trainable = trainable;
  }

  /** Loads `graph` into a fresh trainer.wasm, planned for `options.batch` samples per step. */
  static async create(graph: Graph, options: TrainerOptions = {}): Promise<Trainer> {
    const batch = options.batch ?? 64;
    if (!Number.isInteger(batch) || batch < 1) throw new InputError(`batch must be a positive integer, got ${batch}`);
    if (graph.inputs.length !== 1) throw new InputError(`the trainer takes graphs with one input, ${graph.name} has ${graph.inputs.length}`);
    if (!graph.batchDynamic && batch !== 1) throw new InputError(`${graph.name} has a fixed batch: it cannot be trained at batch ${batch}`);
    const w = await instantiateTrainer(options.wasm);
    // A training file is dense whatever the tags (the trainer updates f32 weights in place);
    // hooks keep pruned zeros and codebooks.
    const bytes = writeSlim(graph, { training: true });
    const at = w.reserve(bytes.length); // (g): take the memory view after it
    new Uint8Array(w.memory.buffer, at, bytes.length).set(bytes);
    const fail = (what: string): never => {
      throw new FormatError(`trainer ${what} of ${graph.name}: ${utf8.decode(new Uint8Array(w.memory.buffer, w.errorPtr(), w.errorLen())) || "unknown error"}`);
    };
    if (w.load(bytes.length, 2 ** 28, 2 ** 31) !== 0) fail("load");
    if (w.plan(batch) !== 0) fail(`plan (batch ${batch})`);
    if (w.trainPlan() !== 0) fail(`training plan (batch ${batch})`);
    return new Trainer(graph, w, { ...options, batch });
  }

  #id(name: string): number {
    const id = this.#ids.get(name);
    if (id === undefined) throw new InputError(`tensor "${name}" is not in ${this.graph.name}`);
    return id;
  }

  #f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.#w.memory.buffer, ptr, n);
  }

  #check(x: Float32Array, labels: ArrayLike<number>, n: number, what: string): void {
    if (!(x instanceof Float32Array)) throw new InputError(`${what}: x must be a Float32Array`);
    if (x.length !== n * this.inputSize)
      throw new InputError(`${what}: x has ${x.length} values, expected ${n} samples × ${this.inputSize} (input "${this.graph.inputs[0]}")`);
    if (labels.length !== n) throw new InputError(`${what}: ${labels.length} labels for ${n} samples`);
  }

  /** Copies the batch in and runs the forward pass. */
  #forward(x: Float32Array, labels: ArrayLike<number>, training: boolean): void {
    const w = this.#w;
    this.#f32(w.tensorData(this.#input), x.length).set(x);
    if (x.length < this.batch * this.inputSize) this.#f32(w.tensorData(this.#input) + 4 * x.length, this.batch * this.inputSize - x.length).fill(0);
    const l = new Int32Array(w.memory.buffer, this.#labels, this.batch);
    l.fill(0);
    l.set(labels as ArrayLike<number>);
    w.setTraining(training ? 1 : 0);
    if (w.run() !== 0) throw new SlimnetError(`forward pass of ${this.graph.name} failed: ${this.#error()}`);
  }

  #error(): string {
    const w = this.#w;
    return utf8.decode(new Uint8Array(w.memory.buffer, w.errorPtr(), w.errorLen())) || "unknown error";
  }

  /**
   * One optimizer step on exactly `batch` samples. `teacher` holds the teacher's logits
   * ([batch, classes]) for the distill and mimic losses.
   */
  step(x: Float32Array, labels: ArrayLike<number>, teacher?: Float32Array): StepResult {
    const w = this.#w, B = this.batch;
    this.#check(x, labels, B, "step");
    this.#forward(x, labels, true);
    let loss = 0;
    this.#outputs.forEach((id, k) => {
      const c = this.classes[k], dy = w.gradData(id);
      this.#f32(dy, B * c).fill(0);
      if (this.#weights[k] > 0) loss += this.#weights[k] * this.#lossInto(k, id, dy, this.#weights[k], teacher);
    });
    const correct = w.countCorrect(w.tensorData(this.#outputs[0]), this.#labels, B, this.classes[0]);
    if (w.backward() !== 0) throw new SlimnetError(`backward pass of ${this.graph.name} failed: ${this.#error()}`);
    for (const h of this.#hooks) h.before();
    this.optimizer.step(this.lr);
    for (const h of this.#hooks) h.after();
    return { loss, correct };
  }

  #lossInto(k: number, id: number, dy: number, weight: number, teacher?: Float32Array): number {
    const w = this.#w, B = this.batch, c = this.classes[k], z = w.tensorData(id), L = this.loss;
    if (L.kind === "ce" || k > 0) return w.lossSoftmaxCE(z, this.#labels, B, c, dy, weight);
    if (!(teacher instanceof Float32Array) || teacher.length !== B * c)
      throw new InputError(`${L.kind} loss: teacher logits of ${B} × ${c} values needed, got ${teacher?.length ?? "none"}`);
    const t = this.#f32(this.#teacher, B * c);
    if (L.kind === "mimic") {
      t.set(teacher);
      return w.lossMimic(z, this.#teacher, B, c, dy, weight);
    }
    for (let s = 0; s < B; s++) {
      let m = -Infinity, sum = 0;
      for (let j = 0; j < c; j++) m = Math.max(m, teacher[s * c + j]);
      for (let j = 0; j < c; j++) sum += t[s * c + j] = Math.exp((teacher[s * c + j] - m) / L.T);
      for (let j = 0; j < c; j++) t[s * c + j] /= sum;
    }
    return w.lossDistill(z, this.#teacher, this.#labels, B, c, L.T, L.alpha, dy, weight);
  }

  /** Inference-mode logits of output `k` for `n` samples (any n; run in batches). */
  predict(x: Float32Array, k = 0): Float32Array {
    const n = x.length / this.inputSize, c = this.classes[k];
    if (!Number.isInteger(n)) throw new InputError(`predict: ${x.length} values are not a multiple of ${this.inputSize}`);
    const out = new Float32Array(n * c), w = this.#w;
    for (let s = 0; s < n; s += this.batch) {
      const b = Math.min(this.batch, n - s);
      this.#forward(x.subarray(s * this.inputSize, (s + b) * this.inputSize), [], false);
      out.set(this.#f32(w.tensorData(this.#outputs[k]), b * c), s * c);
    }
    return out;
  }

  /** Inference-mode accuracy and mean cross-entropy of output 0 over all samples. */
  evaluate(x: Float32Array, labels: ArrayLike<number>): EvalResult {
    const n = labels.length, w = this.#w, c = this.classes[0], z = w.tensorData(this.#outputs[0]);
    this.#check(x, labels, n, "evaluate");
    let correct = 0, loss = 0;
    for (let s = 0; s < n; s += this.batch) {
      const b = Math.min(this.batch, n - s);
      this.#forward(x.subarray(s * this.inputSize, (s + b) * this.inputSize), Array.prototype.slice.call(labels, s, s + b), false);
      correct += w.countCorrect(z, this.#labels, b, c);
      loss += b * w.lossSoftmaxCE(z, this.#labels, b, c, this.#scratch, 0);
    }
    return { n, correct, accuracy: n ? correct / n : 0, loss: n ? loss / n : 0 };
  }

  /** Current values of a constant tensor (deployed weights; running statistics for BN). */
  tensor(name: string): Float32Array {
    const t = this.graph.tensors.get(name);
    if (!t?.data) throw new InputError(`"${name}" is not a constant tensor of ${this.graph.name}`);
    return this.#f32(this.#w.tensorData(this.#id(name)), t.data.length).slice();
  }

  /** A copy of the graph holding the trained weights (fold it before deployment). */
  toGraph(): Graph {
    const g = structuredClone(this.graph);
    for (const [name, t] of g.tensors) if (t.data) t.data = this.tensor(name);
    return g;
  }
}
