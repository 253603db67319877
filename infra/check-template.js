// Conventions bicep lint does not check, verified on the compiled ARM template (main.json from `bicep build`):
// every parameter of main and of every module has a description; main's outputs are UPPER_SNAKE (azd reads them);
// every output has a description; no secure value is output. Usage: node infra/check-template.js main.json
const fs = require('fs');
const template = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const problems = [];
function check(t, where, isMain) {
  for (const [name, p] of Object.entries(t.parameters || {}))
    if (!p.metadata || !p.metadata.description) problems.push(`${where}: parameter ${name} has no @description`);
  for (const [name, o] of Object.entries(t.outputs || {})) {
    if (!o.metadata || !o.metadata.description) problems.push(`${where}: output ${name} has no @description`);
    if (isMain && !/^[A-Z][A-Z0-9_]*$/.test(name)) problems.push(`${where}: output ${name} is not UPPER_SNAKE`);
    if (/^secure/i.test(o.type || '')) problems.push(`${where}: output ${name} is a secure value`);
  }
  const resources = Array.isArray(t.resources) ? t.resources : Object.values(t.resources || {});
  for (const r of resources)
    if (r.type === 'Microsoft.Resources/deployments' && r.properties && r.properties.template)
      check(r.properties.template, `module ${r.name.replace(/[^A-Za-z0-9-]/g, '')}`, false);
}
check(template, 'main', true);
const modules = JSON.stringify(template).match(/"Microsoft\.Resources\/deployments"/g) || [];
if (problems.length) { console.log(problems.join('\n')); process.exit(1); }
console.log(`template conventions: ${Object.keys(template.parameters).length} main parameters, ${modules.length} modules, ${Object.keys(template.outputs).length} outputs checked`);
