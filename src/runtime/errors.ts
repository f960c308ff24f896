// Every error slimnet throws, compiler side and runtime side alike. Messages name the place
// (section and offset, node and op, input name); no numeric codes. Kept dependency-free so the
// runtime bundle can import it. Each class spells its name: minified bundles rename classes.

/** Base class: `catch (e) { if (e instanceof SlimnetError) … }` catches everything of ours. */
export class SlimnetError extends Error {
  override name = "SlimnetError";
}

/** Malformed bytes: a .slim file failing a check of docs/FORMAT.md, or an unreadable ONNX file. */
export class FormatError extends SlimnetError {
  override name = "FormatError";
}

/** Shapes that do not fit an op: names the node, the op, what was expected and what was got. */
export class ShapeError extends SlimnetError {
  override name = "ShapeError";
}

/** An op, attribute value or dtype slimnet does not handle; the message lists what it does. */
export class UnsupportedError extends SlimnetError {
  override name = "UnsupportedError";
}

/** Bad arguments to the API: a missing feed, wrong length, wrong shape or type. */
export class InputError extends SlimnetError {
  override name = "InputError";
}
