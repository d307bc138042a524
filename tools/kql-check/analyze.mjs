// Reads {"tables": {name: {column: type}}, "queries": {id: text}} on stdin; prints {id: [diagnostic, ...]} as JSON,
// each {code, severity, message, start, length}; exits 1 when any query has an Error.
// Kusto.Language (the C# analyzer, compiled to JS by Bridge.NET) attaches itself to globalThis.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
require("@kusto/language-service-next/bridge.js");
require("@kusto/language-service-next/Kusto.Language.Bridge.js");
const { KustoCode, GlobalState } = Kusto.Language;
const { TableSymbol, DatabaseSymbol, ColumnSymbol, ScalarTypes } = Kusto.Language.Symbols;

const input = JSON.parse(readFileSync(0, "utf8"));
const tables = Object.entries(input.tables).map(([name, columns]) => {
  const symbols = Object.entries(columns).map(([column, type]) => {
    const scalar = ScalarTypes.GetSymbol(type);
    if (!scalar) throw new Error(`${name}.${column}: unknown type ${type}`);
    return new ColumnSymbol(column, scalar, null, null, null, null);
  });
  return new TableSymbol.$ctor4(name, symbols);
});
const globals = GlobalState.Default.WithDatabase(new DatabaseSymbol.$ctor2("workspace", null, tables));

const out = {};
let failed = false;
for (const [id, query] of Object.entries(input.queries)) {
  const diagnostics = KustoCode.ParseAndAnalyze(query, globals).GetDiagnostics();
  out[id] = [];
  for (let i = 0; i < diagnostics.Count; i++) {
    const d = diagnostics.getItem(i);
    out[id].push({ code: d.Code, severity: d.Severity, message: d.Message, start: d.Start, length: d.Length });
    failed ||= d.Severity === "Error";
  }
}
console.log(JSON.stringify(out));
process.exit(failed ? 1 : 0);
