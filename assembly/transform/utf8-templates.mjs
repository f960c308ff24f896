// asc transform (asconfig.json "transform"): message templates stored as UTF-8.
// AssemblyScript stores string literals as UTF-16 objects with a 20-byte header; the runtime's
// ~250 error templates are only ever read byte by byte by graph.ts `say`. This transform
// rewrites each string literal in a template position into `memory.data<u8>([…UTF-8…, 0])`,
// a pointer to NUL-terminated UTF-8 in static memory, so the source keeps plain, readable
// literals while the template parameters are typed `usize`.
// Template positions: argument TEMPLATE_ARG.get(f) of a call to f, or either branch of a `?:` there.
import { Transform } from "assemblyscript/transform";
import { Node } from "assemblyscript";

const TEMPLATE_ARG = new Map([["say", 0], ["setError", 0], ["fail", 0], ["err", 0], ["bad", 1], ["checkStr", 2], ["item", 0]]);
// assemblyscript's NodeKind / LiteralKind values (const enums, not exported at run time).
const IDENTIFIER = 7, CALL = 10, LITERAL = 17, PARENTHESIZED = 21, TERNARY = 23, STRING = 2;

function utf8Data(text, range) {
  const bytes = new TextEncoder().encode(text);
  if (bytes.includes(0)) throw new Error(`utf8-templates: NUL inside template ${JSON.stringify(text)}`);
  const elements = [...bytes, 0].map((b) => Node.createIntegerLiteralExpression(globalThis.i64_new(b, 0), range));
  return Node.createCallExpression(
    Node.createPropertyAccessExpression(Node.createIdentifierExpression("memory", range), Node.createIdentifierExpression("data", range), range),
    [Node.createNamedType(Node.createSimpleTypeName("u8", range), null, false, range)],
    [Node.createArrayLiteralExpression(elements, range)],
    range);
}

function convert(e) {
  if (e.kind === LITERAL && e.literalKind === STRING) return utf8Data(e.value, e.range);
  if (e.kind === TERNARY) { e.ifThen = convert(e.ifThen); e.ifElse = convert(e.ifElse); }
  if (e.kind === PARENTHESIZED) e.expression = convert(e.expression);
  return e;
}

function walk(node, seen) {
  if (!node || typeof node !== "object" || seen.has(node)) return;
  seen.add(node);
  if (Array.isArray(node)) { for (const n of node) walk(n, seen); return; }
  if (node.kind === CALL && node.expression.kind === IDENTIFIER) {
    const i = TEMPLATE_ARG.get(node.expression.text);
    if (i !== undefined && i < node.args.length) node.args[i] = convert(node.args[i]);
  }
  for (const key of Object.keys(node)) if (key !== "range" && key !== "parent") walk(node[key], seen);
}

export default class Utf8Templates extends Transform {
  afterParse(parser) {
    for (const source of parser.sources) {
      if (!source.internalPath.startsWith("~lib/")) walk(source.statements, new Set());
    }
  }
}
