// The alert rules, the runbook and the code agree (no Bicep CLI needed: reads the sources). Checks:
// - every rule in bicep/modules/alerts.bicep has a row in docs/runbook.md's alert table and vice versa, same severity;
// - every metric a log rule queries (name == "…") is an instrument the code creates under that exact name, and every
//   customDimensions["…"] it reads is a tag docs/observability.md's catalogue lists for that metric;
// - the catalogue in docs/observability.md and the instruments in functions/ are the same mlops.* metrics;
// - the thresholds the runbook states are the ones bicep/params/*.bicepparam set;
// - docs/deploy.md's resource table gives the number of rules alerts.bicep creates.
// Usage: node infra/check-alerts.js (from anywhere); exit 1 with one line per problem.
const fs = require('fs');
const path = require('path');
const root = path.resolve(__dirname, '..');
const read = (p) => fs.readFileSync(path.join(root, p), 'utf8');
const problems = [];

const bicep = read('bicep/modules/alerts.bicep');
const rules = new Map(); // key -> { severity, query }
for (const m of bicep.matchAll(/\{\s*key:\s*'([^']+)'([\s\S]*?)\n  \}/g)) {
  const body = m[2];
  const severity = Number((body.match(/severity:\s*(\d+)/) || [])[1]);
  const query = (body.match(/query:\s*'([^']*)'/) || [])[1] || '';
  rules.set(m[1], { severity, query });
}
for (const m of bicep.matchAll(/name:\s*'\$\{namePrefix\}-([a-z0-9-]+)'[\s\S]*?severity:\s*(\d+)/g))
  if (!rules.has(m[1])) rules.set(m[1], { severity: Number(m[2]), query: '' });
if (rules.size === 0) problems.push('alerts.bicep: no rules found (did its layout change? update infra/check-alerts.js)');

const runbook = read('docs/runbook.md');
const rows = new Map(); // key -> { severity, text }
for (const m of runbook.matchAll(/^\| `([a-z0-9-]+)` \| (\d+) \| (.*)$/gm)) rows.set(m[1], { severity: Number(m[2]), text: m[3] });
for (const [key, rule] of rules) {
  const row = rows.get(key);
  if (!row) { problems.push(`rule ${key} (alerts.bicep) has no row in docs/runbook.md's alert table`); continue; }
  if (row.severity !== rule.severity) problems.push(`rule ${key}: severity ${rule.severity} in alerts.bicep, ${row.severity} in docs/runbook.md`);
}
for (const key of rows.keys()) if (!rules.has(key)) problems.push(`docs/runbook.md lists alert ${key}, which alerts.bicep does not create`);

// Instruments the code creates: Create{Counter,Histogram,Gauge,...}<T>("name", ...).
const instruments = new Set();
(function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) { if (!['bin', 'obj'].includes(entry.name)) walk(p); }
    else if (entry.name.endsWith('.cs'))
      for (const m of fs.readFileSync(p, 'utf8').matchAll(/\.Create\w*<[^>]+>\(\s*"([^"]+)"/g)) instruments.add(m[1]);
  }
})(path.join(root, 'functions'));
const observability = read('docs/observability.md');
const catalogue = new Map(); // metric -> tags cell
for (const line of observability.split('\n')) {
  const cells = line.split(/(?<!\\)\|/).map((c) => c.trim()); // a cell may hold an escaped \| (status = a \| b)
  const metric = cells.length > 4 && (cells[1].match(/^`([a-z0-9_.]+)`$/) || [])[1];
  if (metric) catalogue.set(metric, cells[3]);
}
// The catalogue and the code name the same metrics (the alert rules and the queries on-call runs read these names).
for (const metric of catalogue.keys())
  if (metric.startsWith('mlops.') && !instruments.has(metric)) problems.push(`docs/observability.md lists ${metric}, which no instrument in functions/ creates`);
for (const metric of instruments)
  if (!catalogue.has(metric)) problems.push(`instrument ${metric} (functions/) is missing from docs/observability.md's catalogue`);
for (const [key, rule] of rules) {
  for (const m of rule.query.matchAll(/name == "([^"]+)"/g)) {
    const metric = m[1];
    if (!instruments.has(metric)) problems.push(`rule ${key} queries metric ${metric}, which no instrument in functions/ creates`);
    const tags = catalogue.get(metric);
    if (tags === undefined) { problems.push(`rule ${key} queries metric ${metric}, which docs/observability.md's catalogue does not list`); continue; }
    for (const d of rule.query.matchAll(/customDimensions\["([^"]+)"\]/g))
      if (!new RegExp(`(^|[^\\w.])${d[1].replace(/\./g, '\\.')}([^\\w.]|$)`).test(tags))
        problems.push(`rule ${key} reads customDimensions["${d[1]}"] of ${metric}; the catalogue's tags for it are: ${tags.trim()}`);
  }
}

// Thresholds: the runbook's numbers are the parameter files'.
const params = {};
for (const env of ['dev', 'test', 'prod']) {
  const text = read(`bicep/params/${env}.bicepparam`);
  const value = (name) => (text.match(new RegExp(`param ${name} = '?([0-9.]+)'?`)) || [])[1];
  params[env] = { failed: value('failedRequestThreshold'), latency: value('latencyP95ThresholdMs'), drift: value('driftScoreThreshold') };
}
const latency = (rows.get('latency-p95') || { text: '' }).text.match(/(\d+) ms prod \/ (\d+) test \/ (\d+) dev/);
if (!latency) problems.push('docs/runbook.md: the latency-p95 row no longer says "<n> ms prod / <n> test / <n> dev"');
else for (const [i, env] of [[1, 'prod'], [2, 'test'], [3, 'dev']])
  if (latency[i] !== params[env].latency) problems.push(`latency-p95: runbook says ${latency[i]} ms for ${env}, bicep/params/${env}.bicepparam sets ${params[env].latency}`);
const failed = (rows.get('failed-requests') || { text: '' }).text.match(/more than (\d+) failed requests.*\(dev: (\d+)\)/);
if (!failed) problems.push('docs/runbook.md: the failed-requests row no longer says "more than <n> failed requests … (dev: <n>)"');
else for (const [value, env] of [[failed[1], 'prod'], [failed[1], 'test'], [failed[2], 'dev']])
  if (value !== params[env].failed) problems.push(`failed-requests: runbook says ${value} for ${env}, bicep/params/${env}.bicepparam sets ${params[env].failed}`);
const drift = (rows.get('drift-score') || { text: '' }).text.match(/≥ ([0-9.]+)/);
for (const env of Object.keys(params))
  if (!drift || Number(drift[1]) !== Number(params[env].drift)) problems.push(`drift-score: runbook says ≥ ${drift && drift[1]}, bicep/params/${env}.bicepparam sets ${params[env].drift}`);

// docs/deploy.md's resource table counts the rules.
const stated = (read('docs/deploy.md').match(/action group \+ (\d+) alert rules/) || [])[1];
if (!stated) problems.push('docs/deploy.md no longer says "action group + <n> alert rules" in its resource table');
else if (Number(stated) !== rules.size) problems.push(`docs/deploy.md says ${stated} alert rules; alerts.bicep creates ${rules.size}`);

if (problems.length) { console.log(problems.join('\n')); process.exit(1); }
console.log(`alert rules: ${rules.size} rules match docs/runbook.md (severity, thresholds) and the metrics/tags the code and catalogue define`);
