// Conventions bicep lint does not check, verified on the compiled ARM template (main.json from `bicep build`):
// every parameter of main and of every module has a description; main's outputs are UPPER_SNAKE (azd reads them);
// every output has a description; no secure value is output; the function app's appsettings resource sets exactly the
// settings the code reads; shared-key / local auth is switched off explicitly. Usage: node infra/check-template.js main.json
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
// Purge timer's retention), against the keys of the function app's appsettings resource itself: main's outputs share
// several of these names (AZURE_CLIENT_ID, MLOPS_STORE, APPLICATIONINSIGHTS_CONNECTION_STRING), so a search of the
// whole template found them even with the setting gone. Both ways: a setting the code needs and the app lacks, and a
// setting the app gets that is on no reader's list. The resource replaces the whole set on every deploy.
const readSettings = ['AzureWebJobsStorage__accountName', 'AzureWebJobsStorage__credential', 'AzureWebJobsStorage__clientId',
  'AZURE_CLIENT_ID', 'MLOPS_STORE', 'MLOPS_ENVIRONMENT', 'Workflows__RetentionDays', 'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', 'ServingOptions__OpenAI__Endpoint', 'ServingOptions__OpenAI__Deployment'];
const appSettings = appSettingKeys(template);
if (!appSettings) problems.push('no Microsoft.Web/sites/config "appsettings" resource found in any module (did functionapp.bicep change? update infra/check-template.js)');
else {
  for (const setting of readSettings)
    if (!appSettings.has(setting)) problems.push(`function app setting ${setting} is missing from the appsettings resource (the code reads it)`);
  for (const setting of appSettings)
    if (!readSettings.includes(setting)) problems.push(`function app setting ${setting} is set, but nothing on check-template.js's list reads it (a typo, or add its reader)`);
}
const text = JSON.stringify(template);
for (const [key, value] of [['allowSharedKeyAccess', false], ['disableLocalAuth', true], ['DisableLocalAuth', true]])
  if (!new RegExp(`"${key}":\\s*${value}`).test(text)) problems.push(`${key} must be ${value} (no keys: managed identity only)`);
const modules = text.match(/"Microsoft\.Resources\/deployments"/g) || [];
if (problems.length) { console.log(problems.join('\n')); process.exit(1); }
console.log(`template conventions: ${Object.keys(template.parameters).length} main parameters, ${modules.length} modules, ${Object.keys(template.outputs).length} outputs, ${appSettings ? appSettings.size : 0} app settings (each read by the code) and keyless auth checked`);

/** Keys of the appsettings resource's properties: an object, or variables / createObject(...) / union(...) of them. */
function appSettingKeys(t) {
  const resources = Array.isArray(t.resources) ? t.resources : Object.values(t.resources || {});
  for (const r of resources) {
    if (r.type === 'Microsoft.Web/sites/config' && /appsettings/.test(r.name)) return keysOf(r.properties, t.variables || {});
    const nested = r.type === 'Microsoft.Resources/deployments' && r.properties && r.properties.template && appSettingKeys(r.properties.template);
    if (nested) return nested;
  }
  return null;
}
function keysOf(value, variables) {
  if (value && typeof value === 'object') return new Set(Object.keys(value));
  const keys = new Set();
  if (typeof value !== 'string') return keys;
  for (const m of value.matchAll(/variables\('([^']+)'\)/g)) for (const k of keysOf(variables[m[1]], variables)) keys.add(k);
  // createObject('name', value, 'name', value, ...): the names are the even arguments at the top level of the call.
  for (const m of value.matchAll(/createObject\(/g)) {
    const args = []; let depth = 0, quoted = false, start = m.index + m[0].length;
    for (let i = start; i < value.length; i++) {
      const c = value[i];
      if (c === "'") quoted = !quoted;
      else if (quoted) continue;
      else if (c === '(') depth++;
      else if (c === ')' && depth-- === 0) { args.push(value.slice(start, i).trim()); break; }
      else if (c === ',' && depth === 0) { args.push(value.slice(start, i).trim()); start = i + 1; }
    }
    args.forEach((a, i) => { if (i % 2 === 0 && /^'[^']+'$/.test(a)) keys.add(a.slice(1, -1)); });
  }
  return keys;
}
