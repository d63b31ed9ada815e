// Opens a DuckDB file READ-ONLY with Node's @duckdb/node-api and runs named queries.
// Usage: node query.mjs DB_FILE < queries.json   ({"name": "sql", ...})
// Prints {"client": ..., "version": ..., "results": {"name": [[v, ...], ...]}} (bigints as numbers
// when safe, else strings), as the other client scripts of tests/clients/ do.
import { readFileSync } from "node:fs";
import { DuckDBInstance, version } from "@duckdb/node-api";

const db = process.argv[2];
const queries = JSON.parse(readFileSync(0, "utf8"));
const instance = await DuckDBInstance.create(db, { access_mode: "READ_ONLY" });
const connection = await instance.connect();
const results = {};
for (const [name, sql] of Object.entries(queries)) {
  const reader = await connection.runAndReadAll(sql);
  results[name] = reader.getRowsJS();
}
connection.closeSync();
const plain = (_key, value) =>
  typeof value === "bigint"
    ? (Number.isSafeInteger(Number(value)) ? Number(value) : value.toString())
    : value;
process.stdout.write(JSON.stringify({ client: "@duckdb/node-api", version: version(), results }, plain) + "\n");
