// Counts the linear memory of every wasm instance a runtime creates: wraps the WebAssembly
// instantiation entry points and remembers each Memory an instance exports or imports. Install
// before the runtime is imported; `wasmMemoryBytes()` then reads their current sizes.
const memories = new Set<WebAssembly.Memory>();

function remember(instance: WebAssembly.Instance, imports: unknown): void {
  const scan = (o: unknown): void => {
    if (o instanceof WebAssembly.Memory) memories.add(o);
    else if (o && typeof o === "object") for (const v of Object.values(o)) if (v instanceof WebAssembly.Memory) memories.add(v);
  };
  scan(instance.exports);
  if (imports && typeof imports === "object") for (const ns of Object.values(imports)) scan(ns);
}

export function installWasmMemoryHook(): void {
  const W = WebAssembly as unknown as Record<string, unknown>;
  const instantiate = WebAssembly.instantiate;
  W.instantiate = async (source: unknown, imports?: WebAssembly.Imports) => {
    const result = await (instantiate as (s: unknown, i?: WebAssembly.Imports) => Promise<unknown>)(source, imports);
    remember(result instanceof WebAssembly.Instance ? result : (result as WebAssembly.WebAssemblyInstantiatedSource).instance, imports);
    return result;
  };
  const streaming = WebAssembly.instantiateStreaming;
  if (streaming) {
    W.instantiateStreaming = async (source: Response | PromiseLike<Response>, imports?: WebAssembly.Imports) => {
      const result = await streaming(source, imports);
      remember(result.instance, imports);
      return result;
    };
  }
  const Instance = WebAssembly.Instance;
  W.Instance = new Proxy(Instance, {
    construct(target, args: [WebAssembly.Module, WebAssembly.Imports?]) {
      const instance = new target(...args);
      remember(instance, args[1]);
      return instance;
    },
  });
}

/** Sum of the current byte length of every memory seen so far. */
export const wasmMemoryBytes = (): number => [...memories].reduce((sum, m) => sum + m.buffer.byteLength, 0);
