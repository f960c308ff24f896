// Test/bench entry (not part of the runtime): every kernel next to its scalar twin, so
// tests/kernels.test.ts and bench/kernels.ts can compare and time them on raw memory.
export { f32Gemv } from "./f32-gemv";
export { f32Gemm } from "./f32-gemm";
export { f32GemmNN } from "./f32-gemm-nn";
export { f32Im2col } from "./f32-im2col";
export { f32Dwconv3x3, dwconv3x3Scratch } from "./f32-dwconv-3x3";
export { f32ConvDw, convDwScratch } from "./f32-conv-dw";
export { f32MaxPool, f32AvgPool } from "./f32-pool";
export { f32Spmv } from "./f32-spmv";
export { f32Spmm } from "./f32-spmm";
export { x8LutSpmv } from "./x8-lut-spmv";
export { x8LutSpmm } from "./x8-lut-spmm";
export { x8LutGemv } from "./x8-lut-gemv";
export { f32Gemv as refGemv } from "./reference/f32-gemv";
export { f32Gemm as refGemm } from "./reference/f32-gemm";
export { f32GemmNN as refGemmNN } from "./reference/f32-gemm-nn";
export { f32Im2col as refIm2col } from "./reference/f32-im2col";
export { f32Dwconv3x3 as refDwconv3x3 } from "./reference/f32-dwconv-3x3";
export { f32ConvDw as refConvDw } from "./reference/f32-conv-dw";
export { f32MaxPool as refMaxPool, f32AvgPool as refAvgPool } from "./reference/f32-pool";
export { f32Spmv as refSpmv } from "./reference/f32-spmv";
export { f32Spmm as refSpmm } from "./reference/f32-spmm";
export { x8LutSpmv as refLutSpmv } from "./reference/x8-lut-spmv";
export { x8LutSpmm as refLutSpmm } from "./reference/x8-lut-spmm";
export { x8LutGemv as refLutGemv } from "./reference/x8-lut-gemv";

export { f32Col2im } from "./f32-col2im";
export { f32ConvGradAct, f32ConvGradB, f32ConvGradW, f32ConvBackward, convBackwardScratch } from "./f32-conv-grad";
export { f32DwconvGrad, dwconvGradScratch } from "./f32-dwconv-grad";
export { f32MaxPoolGrad, f32AvgPoolGrad } from "./f32-pool-grad";
export { f32Col2im as refCol2im } from "./reference/f32-col2im";
export { f32ConvGradAct as refConvGradAct, f32ConvGradB as refConvGradB, f32ConvGradW as refConvGradW,
  f32ConvBackward as refConvBackward } from "./reference/f32-conv-grad";
export { f32DwconvGrad as refDwconvGrad } from "./reference/f32-dwconv-grad";
export { f32MaxPoolGrad as refMaxPoolGrad, f32AvgPoolGrad as refAvgPoolGrad } from "./reference/f32-pool-grad";
export { x1Pack } from "./x1-pack";
export { x1XnorGemm } from "./x1-xnor-gemm";
export { x1SignGemv } from "./x1-sign-gemv";
export { x1Pack as refX1Pack } from "./reference/x1-pack";
export { x1XnorGemm as refX1XnorGemm } from "./reference/x1-xnor-gemm";
export { x1SignGemv as refX1SignGemv } from "./reference/x1-sign-gemv";

/** First free byte (16-aligned): callers lay their buffers out from here. */
export function heapBase(): usize { return (__heap_base + 15) & ~15; }
export { f32Qu8Vcvt, f32Qu8Params } from "./f32-qu8-vcvt";
export { qs8Gemv } from "./qs8-gemv";
export { qs8Gemm } from "./qs8-gemm";
export { x8Im2col } from "./x8-im2col";
export { f32Qu8Vcvt as refQu8Vcvt, f32Qu8Params as refQu8Params } from "./reference/f32-qu8-vcvt";
export { qs8Gemv as refQs8Gemv, qs8Gemm as refQs8Gemm } from "./reference/qs8-gemm";
