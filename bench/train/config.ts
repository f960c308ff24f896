// Settings shared by the training benchmark's parent (bench/train.ts) and its child processes.
export const RUNNERS = ["slimnet", "tfjs-cpu", "tfjs-wasm"] as const;
export type Runner = (typeof RUNNERS)[number];
export const TRAIN_MODELS = ["lenet300", "lenet5"] as const;
export type TrainModel = (typeof TRAIN_MODELS)[number];
/** Same for every runner: batch, optimizer (SGD, heavy-ball momentum, no weight decay), loss. */
export const BATCH = 64;
export const LR = 0.01;
export const MOMENTUM = 0.9;
/** Steps whose losses are compared across runners (same initial weights, same batches). */
export const CHECK_STEPS = 3;
/** MNIST training set size: time per epoch = EPOCH / samples per second. */
export const EPOCH = 60_000;

export interface TrainChildResult {
  runner: Runner;
  model: TrainModel;
  /** Loss of each of the first CHECK_STEPS steps (step 1 = the initial weights). */
  checkLosses: number[];
  warmupSteps: number;
  /** Timed steps and their total wall time. */
  steps: number;
  seconds: number;
  /** Each timed step, ms. */
  stepMs: number[];
  samplesPerSecond: number;
  /** Mean loss over the timed steps (training went on; a sanity value). */
  timedLoss: number;
  /** Load MNIST + build the model + instantiate the backend, ms. */
  setupMs: number;
}
