// Conventions bicep lint does not check, verified on the compiled ARM template (main.json from `bicep build`):
// every parameter of main and of every module has a description; main's outputs are UPPER_SNAKE (azd reads them);
// every output has a description; no secure value is output; the app settings the code reads are all set;
// shared-key / local auth is switched off explicitly. Usage: node infra/check-template.js main.json
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
// The app settings the code reads (BlobStoreFactory, AddMLOpsTelemetry, Functions host, MLOps.Serving's embedder, the
// Purge timer's retention). The appsettings resource replaces the whole set on every deploy, so none may be left to hand.
const text = JSON.stringify(template);
for (const setting of ['AzureWebJobsStorage__accountName', 'AzureWebJobsStorage__credential', 'AzureWebJobsStorage__clientId',
  'AZURE_CLIENT_ID', 'MLOPS_STORE', 'MLOPS_ENVIRONMENT', 'Workflows__RetentionDays', 'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', 'ServingOptions__OpenAI__Endpoint', 'ServingOptions__OpenAI__Deployment'])
  if (!new RegExp(`["']${setting}["']`).test(text)) problems.push(`function app setting ${setting} is missing`);
for (const [key, value] of [['allowSharedKeyAccess', false], ['disableLocalAuth', true], ['DisableLocalAuth', true]])
  if (!new RegExp(`"${key}":\\s*${value}`).test(text)) problems.push(`${key} must be ${value} (no keys: managed identity only)`);
const modules = text.match(/"Microsoft\.Resources\/deployments"/g) || [];
if (problems.length) { console.log(problems.join('\n')); process.exit(1); }
console.log(`template conventions: ${Object.keys(template.parameters).length} main parameters, ${modules.length} modules, ${Object.keys(template.outputs).length} outputs, app settings and keyless auth checked`);
