'use strict';
/*
 * The Node half of azurerm.py: makes the azurerm bindings' JavaScript index lazy.
 *
 * Example (azurerm.py does this for you, before jsii starts Node):
 *
 *     NODE_OPTIONS="--require /path/to/azurerm_hook.cjs" python main.py synth
 *
 * Why: when jsii loads @cdktf/provider-azurerm, Node runs its lib/index.js, which is 1,527 lines of
 * `exports.containerRegistry = require("./container-registry");`. Node then reads and compiles 185 MB
 * of JavaScript for ~1,500 resources the app never builds: about 2.5 s of every synth on a 2-core
 * machine. This hook (module.registerHooks, Node >= 22.15) rewrites exactly those lines, as Node loads
 * that one file, into getters that require the submodule on first use. jsii finds a class by walking
 * the package's exports (`closure.containerRegistry.ContainerRegistry`), so it sees the same objects;
 * the synthesized JSON is byte-identical (tests/test_azurerm_loader.py).
 *
 * Anything else passes through untouched. On a Node without registerHooks the hook does nothing and
 * the package loads eagerly (slower, same output). FOUNDRY_AZURERM_HOOK_REPORT=<file> appends one JSON
 * line per event (the rewrite, each submodule loaded) for the tests that guard the technique.
 */
const mod = require('node:module');
const fs = require('node:fs');

const PACKAGE_LIB = '/node_modules/@cdktf/provider-azurerm/lib/';
const EXPORT_LINE = /^exports\.([A-Za-z_$][\w$]*) = require\("(\.\/[a-z0-9-]+)"\);$/;
const REPORT = process.env.FOUNDRY_AZURERM_HOOK_REPORT;

function report(event) {
  if (REPORT) fs.appendFileSync(REPORT, `${JSON.stringify({ pid: process.pid, ...event })}\n`);
}

function lazyIndex(source) {
  let rewritten = 0;
  const lines = source.split('\n').map((line) => {
    const m = EXPORT_LINE.exec(line);
    if (m === null) return line;
    rewritten += 1;
    const [, name, path] = m;
    return `Object.defineProperty(exports, ${JSON.stringify(name)}, { enumerable: true, configurable: true, `
      + `get() { return require(${JSON.stringify(path)}); } });`;
  });
  return { source: lines.join('\n'), rewritten };
}

if (typeof mod.registerHooks === 'function') {
  mod.registerHooks({
    load(url, context, nextLoad) {
      const result = nextLoad(url, context);
      const at = url.indexOf(PACKAGE_LIB);
      if (at === -1) return result;
      const file = url.slice(at + PACKAGE_LIB.length);
      if (file !== 'index.js') {
        report({ event: 'load', file });
        return result;
      }
      const { source, rewritten } = lazyIndex(String(result.source));
      report({ event: 'index', rewritten, node: process.version });
      return { ...result, source };
    },
  });
} else {
  report({ event: 'unsupported', node: process.version });
}
