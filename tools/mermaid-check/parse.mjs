// Reads a JSON array of Mermaid sources on stdin; prints "ok N" or "error N: ..." for each; exits 1 on any error.
// Mermaid needs a DOM even to parse: jsdom provides it.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });

const blocks = JSON.parse(readFileSync(0, "utf8"));
let failed = 0;
for (const [i, source] of blocks.entries()) {
  try {
    await mermaid.parse(source);
    console.log(`ok ${i}`);
  } catch (e) {
    failed += 1;
    console.log(`error ${i}: ${String(e.message ?? e).split("\n").slice(0, 4).join(" | ")}`);
  }
}
process.exit(failed ? 1 : 0);
