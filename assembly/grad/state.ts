// Training state shared by the backward kernels (trainer only, docs/TRAINER.md). Every tensor
// (activation or constant) has a gradient buffer of its own shape; trainer.ts fills the table in
// trainPlan. Grad ops see gradients only through these functions, as ops see tensors through graph.ts.

/** usize table: gradient pointer of each tensor (0 before trainPlan). */
export let gGrad: usize = 0;
/** u8 table: 1 when tensor t's gradient is needed (it leads back to a constant, or it is a graph
 *  input and input gradients were asked for); backward() fills it before the first grad op. */
export let gWant: usize = 0;
/** Backward scratch: the largest request of any grad prepare, and its 16-aligned address. */
export let gGradScratchNeed: usize = 0;
export let gGradScratch: usize = 0;
/** usize table: persistent per-node state of the trainer (BatchNormalization batch statistics,
 *  Dropout masks), kept from the forward pass to backward; sizes come from grad prepares. */
export let gState: usize = 0;
export let gStateNeed: usize = 0;
let training = false;

export function setGradTables(grad: usize, want: usize): void { gGrad = grad; gWant = want; }
export function resetGradScratch(): void { gGradScratchNeed = 0; }
export function setGradScratch(ptr: usize): void { gGradScratch = ptr; }
export function setStateTable(table: usize): void { gState = table; }
export function setStateNeed(bytes: usize): void { gStateNeed = bytes; }
export function setTrainingMode(on: bool): void { training = on; }

/** Gradient of tensor t (same shape and element count as the tensor at the planned batch). */
export function gradPtr(t: u32): usize { return load<usize>(gGrad + (<usize>t << alignof<usize>())); }
/** False when nothing upstream of t is trained: a grad op may skip computing t's gradient
 *  (e.g. dX of the first layer); its buffer then stays zero. */
export function wantGrad(t: u32): bool { return load<u8>(gWant + <usize>t) != 0; }
/** From a grad prepare: the op needs this many bytes of scratch during backward (max is kept). */
export function needGradScratch(bytes: usize): void { if (bytes > gGradScratchNeed) gGradScratchNeed = bytes; }
/** In a grad op: the backward scratch (16-aligned; separate from the forward scratch). */
export function gradScratch(): usize { return gGradScratch; }
/** True while run() is the forward pass of a training step (BatchNormalization, Dropout). */
export function isTraining(): bool { return training; }
/** From a grad prepare: node n keeps this many bytes between forward and backward (16-aligned
 *  block, zeroed at trainPlan; read it with nodeState(n)). */
export function needNodeState(bytes: usize): void { gStateNeed = bytes; }
/** The node's persistent state block (0 when its prepare asked for none). */
export function nodeState(n: u32): usize { return load<usize>(gState + (<usize>n << alignof<usize>())); }
