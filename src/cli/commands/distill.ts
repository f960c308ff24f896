// slimnet distill --teacher A [--teacher B …] --student NAME|mlp:W-W|FILE --data mnist -o OUT:
// knowledge distillation (src/passes/distill.ts). Teachers are .onnx or .slim files (several:
// an ensemble); the student is a zoo architecture, an MLP spec, or a model file used as the
// starting point. Prints the epochs, then test accuracy of each teacher, the ensemble and the
// student in the runtime.
import { imageJitter } from "../../data/augment.js";
import { numel, type Graph } from "../../ir/graph.js";
import { distill as distillPass } from "../../passes/distill.js";
import { InputError } from "../../runtime/errors.js";
import { ZOO } from "../../zoo/index.js";
import { mlp, mlpWidths } from "../../zoo/mlp.js";
import { intOption, printJson, type Command, type Values } from "../command.js";
import { table } from "../table.js";
import { checkOut, loadTrainTest, readGraph, testAccuracy, TRAINING_FLAGS, writeGraph } from "./prune.js";
import { choice, numberOption } from "./train.js";

/** The student: a zoo name, an "mlp:W-W" spec sized to the teacher, or a model file. */
function student(spec: string, teacher: Graph, seed: number): Graph {
  const widths = mlpWidths(spec);
  if (widths) {
    const io = (t: string) => numel(teacher.tensors.get(t)!.shape);
    return mlp(widths, io(teacher.inputs[0]), io(teacher.outputs[0]), seed);
  }
  if (ZOO[spec]) return ZOO[spec](seed);
  if (/\.(onnx|slim)$/i.test(spec)) return readGraph(spec);
  throw new InputError(`--student takes a zoo model (${Object.keys(ZOO).join(", ")}), an MLP spec such as mlp:800-800, or an .onnx/.slim file; got "${spec}"`);
}

const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;
const list = (v: Values[string]): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String));

export const distill: Command = {
  name: "distill",
  summary: "knowledge distillation: a student learns a teacher's (or an ensemble's) soft targets at temperature T",
  usage: "--teacher A.onnx|A.slim [--teacher B …] --student NAME|mlp:W-W|FILE --data mnist|DIR -o OUT.onnx|OUT.slim " +
    "[--temperature 4] [--alpha 0.9] [--loss kd|mimic] [--epochs 10] [--jitter PX] [--limit N] [--batch 64] [--lr 0.01] [--seed S] [--json]",
  options: {
    ...Object.fromEntries(Object.entries(TRAINING_FLAGS).filter(([k]) => k !== "finetune-epochs")),
    teacher: { type: "string", multiple: true }, student: { type: "string" }, temperature: { type: "string" }, alpha: { type: "string" },
    loss: { type: "string" }, epochs: { type: "string" }, jitter: { type: "string" },
  },
  async run(values, positionals) {
    if (positionals.length) throw new InputError(`distill takes no positional arguments, got ${positionals.join(" ")}; usage: slimnet distill ${this.usage}`);
    const out = checkOut(this, values.out), teacherFiles = list(values.teacher);
    if (!teacherFiles.length) throw new InputError(`distill needs --teacher FILE (repeat it for an ensemble)`);
    if (typeof values.student !== "string") throw new InputError(`distill needs --student (a zoo model, mlp:W-W or a file)`);
    const data = loadTrainTest(values);
    if (!data) throw new InputError(`distill needs --data (the transfer set); e.g. --data mnist`);
    const seed = numberOption(values, "seed", 1, Number.isInteger, "an integer");
    const teachers = teacherFiles.map((f) => readGraph(f)), s0 = student(values.student, teachers[0], seed);
    const T = numberOption(values, "temperature", 4, (v) => v > 0 && Number.isFinite(v), "a number > 0");
    const alpha = numberOption(values, "alpha", 0.9, (v) => v >= 0 && v <= 1, "a number in [0, 1]");
    const jitter = numberOption(values, "jitter", 0, (v) => Number.isInteger(v) && v >= 0, "a whole number of pixels ≥ 0");
    if (jitter) imageJitter(s0, jitter); // checks the input is an image before any training
    const lr = numberOption(values, "lr", 0.01, (v) => v > 0 && Number.isFinite(v), "a number > 0");
    const r = await distillPass(s0, teachers, {
      data: data.train, loss: choice(values, "loss", ["kd", "mimic"] as const), temperature: T, alpha, epochs: intOption(values, "epochs", 10),
      batch: intOption(values, "batch", 64), optimizer: { kind: "sgd", lr, momentum: 0.9 }, schedule: { kind: "cosine" }, jitter, seed,
    });
    const written = writeGraph(out, r.graph);
    const test = {
      n: data.test.n,
      teachers: await Promise.all(teachers.map((t) => testAccuracy(t, data.test))),
      student: await testAccuracy(r.graph, data.test),
    };
    if (values.json) {
      printJson({ teachers: teacherFiles, student: values.student, output: out, outputBytes: written.length, temperature: T, alpha, history: r.history, teacherValAccuracy: r.teacherValAccuracy, test });
      return;
    }
    console.log(table(["epoch", "loss", "train acc", "val acc", "seconds"], r.history.map((e) => [e.epoch, e.loss.toFixed(4), pct(e.trainAccuracy), e.valAccuracy === undefined ? "—" : pct(e.valAccuracy), e.seconds.toFixed(1)])));
    console.log(table(["model", "params", "test accuracy", "test errors"], [
      ...teachers.map((t, i) => [`teacher ${teacherFiles[i]}`, params(t), pct(test.teachers[i]), Math.round((1 - test.teachers[i]) * test.n)]),
      ...(teachers.length > 1 && r.teacherValAccuracy !== undefined ? [["ensemble (validation)", "", pct(r.teacherValAccuracy), ""]] : []),
      [`student ${values.student}`, params(r.graph), pct(test.student), Math.round((1 - test.student) * test.n)],
    ]));
    console.log(`saved ${out}`);
  },
};

const params = (g: Graph): number => [...g.tensors.values()].reduce((s, t) => s + (t.data ? t.data.length : 0), 0);
