'use strict';
/*
 * The Node half of azurerm.py: two rewrites of library code, as Node loads it, that cut synth time.
 *
 * Example (azurerm.py does this for you, before jsii starts Node):
 *
 *     NODE_OPTIONS="--require /path/to/azurerm_hook.cjs" python main.py synth
 *
 * 1. The azurerm bindings' index, made lazy. When jsii loads @cdktf/provider-azurerm, Node runs its
 *    lib/index.js: 1,527 lines of `exports.containerRegistry = require("./container-registry");`.
 *    Node then reads and compiles 185 MB of JavaScript for ~1,500 resources the app never builds:
 *    about 2.5 s of every synth on a 2-core machine. Exactly those lines become getters that require
 *    the submodule on first use (and then stay a plain property). jsii finds a class by walking the
 *    package's exports (`closure.containerRegistry.ContainerRegistry`), so it sees the same objects.
 *    CDK Terrain's bindings (@cdktn/provider-azurerm 18.x, built by a newer TypeScript) have the same
 *    index in another shape: `exports.containerRegistry = __importStar(require("./container-registry/index"));`
 *    (1,561 lines in 18.9.0). Those become getters too, still through the file's own __importStar.
 * 2. No JavaScript creation stack for every cdktf token. cdktf records a full stack trace
 *    (Error.stackTraceLimit = MAX_SAFE_INTEGER) each time it creates a token or a computed attribute,
 *    only to print it if that token later fails to resolve. Under jsii that stack shows the jsii
 *    kernel's frames, never the Python line that made the token; capturing it costs ~0.3 s of an
 *    8-region synth. cdktf's captureStackTrace() returns [] instead (its "no stack" answer).
 *    cdktn has a switch for this (CDKTN_DISABLE_CREATION_STACK=1, lib/tokens/private/stack-trace.js):
 *    azurerm.py sets it and this hook leaves cdktn's file alone.
 *
 * The synthesized JSON is byte-identical with and without this hook (tests/test_azurerm_loader.py).
 * Anything else passes through untouched; a file that no longer has the expected shape is left as
 * it is (the report says so). On a Node without module.registerHooks (< 22.15) the hook does
 * nothing: slower, same output. FOUNDRY_AZURERM_HOOK_REPORT=<file> appends one JSON line per event
 * (each rewrite, each provider submodule loaded) for the tests that guard the technique.
 */
const mod = require('node:module');
const fs = require('node:fs');

// cdktf's bindings and CDK Terrain's: the same package layout under another scope
const PROVIDER_LIBS = ['/node_modules/@cdktf/provider-azurerm/lib/', '/node_modules/@cdktn/provider-azurerm/lib/'];
// cdktf 14.x: exports.x = require("./x");   cdktn 18.x: exports.x = __importStar(require("./x/index"));
const EXPORT_LINE = /^exports\.([A-Za-z_$][\w$]*) = (__importStar\()?require\("(\.\/[a-z0-9-]+(?:\/index)?)"\)(\))?;$/;
const STACK_TRACE = '/node_modules/cdktf/lib/tokens/private/stack-trace.js';
const STACK_TRACE_EXPORT = 'exports.captureStackTrace = captureStackTrace;';
const REPORT = process.env.FOUNDRY_AZURERM_HOOK_REPORT;

function report(event) {
  if (!REPORT) return;
  try {
    fs.appendFileSync(REPORT, `${JSON.stringify({ pid: process.pid, ...event })}\n`);
  } catch {
    // a report that cannot be written must never stop Node from loading code
  }
}

function lazyIndex(source) {
  let rewritten = 0;
  const lines = source.split('\n').map((line) => {
    const m = EXPORT_LINE.exec(line);
    if (m === null || Boolean(m[2]) !== Boolean(m[4])) return line;
    rewritten += 1;
    const [, name, star, path] = m;
    const key = JSON.stringify(name);
    const load = star ? `__importStar(require(${JSON.stringify(path)}))` : `require(${JSON.stringify(path)})`;
    return `Object.defineProperty(exports, ${key}, { enumerable: true, configurable: true, get() { `
      + `const m = ${load}; `
      + `Object.defineProperty(exports, ${key}, { value: m, enumerable: true, configurable: true, writable: true }); `
      + 'return m; } });';
  });
  return { source: lines.join('\n'), rewritten };
}

function load(url, context, nextLoad) {
  const result = nextLoad(url, context);
  if (url.endsWith(STACK_TRACE) && result.source != null) {
    const source = String(result.source);
    const rewritten = source.includes(STACK_TRACE_EXPORT);
    report({ event: 'stack-trace', rewritten });
    if (!rewritten) return result;
    return { ...result, source: `${source}\nexports.captureStackTrace = function captureStackTrace() { return []; };\n` };
  }
  const lib = PROVIDER_LIBS.find((marker) => url.includes(marker));
  if (lib === undefined) return result;
  const file = url.slice(url.indexOf(lib) + lib.length);
  if (file !== 'index.js') {
    report({ event: 'load', file });
    return result;
  }
  if (result.source == null) return result;
  const { source, rewritten } = lazyIndex(String(result.source));
  report({ event: 'index', rewritten, node: process.version });
  return rewritten ? { ...result, source } : result;
}

if (typeof mod.registerHooks === 'function') {
  mod.registerHooks({ load });
} else {
  report({ event: 'unsupported', node: process.version });
}
