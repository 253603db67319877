// What the workflow linter cannot know (sources only, no tool): a job that signs in with azure/login (OIDC) and then
// runs the smoke test (infra/deploy.sh without --what-if, or infra/smoke.sh) must fetch a storage token in the step
// right after the login. GitHub's OIDC token, which az exchanges for every new audience, expires 5 minutes after it is
// issued (Azure/login#372); the smoke test's CLI (mlops keys create --store https://...) asks az for a storage token
// only after the deployment, well past that, and gets AADSTS700024. A token fetched at once stays in az's cache for
// 60-90 minutes, longer than the job may run. The resource is spelled as the CLI's AzureCliCredential asks for it
// (`--resource https://storage.azure.com`, no trailing slash: az makes the cache's scope by appending "/.default", so
// "https://storage.azure.com/" would be another entry). Usage: node infra/check-workflows.js; exit 1 per problem line.
const fs = require('fs');
const path = require('path');
const root = path.resolve(__dirname, '..');
const dir = path.join(root, '.github', 'workflows');
const problems = [];
const storageToken = /az account get-access-token\b.*--resource\s+https:\/\/storage\.azure\.com(\s|$)/m;
const smokes = (run) => /infra\/smoke\.sh\b/.test(run) || (/infra\/deploy\.sh\b/.test(run) && !/--what-if\b/.test(run) && !/--no-smoke\b/.test(run));
let checked = 0;

for (const file of fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
  const lines = fs.readFileSync(path.join(dir, file), 'utf8').split('\n');
  const jobsAt = lines.findIndex((l) => /^jobs:\s*$/.test(l));
  if (jobsAt < 0) continue;
  // Jobs: two-space keys under `jobs:`; steps: `- ` items of a job's `steps:` list (their own indentation).
  const jobs = [];
  for (let i = jobsAt + 1; i < lines.length; i++) {
    const m = lines[i].match(/^  ([A-Za-z0-9_-]+):\s*$/);
    if (m) jobs.push({ name: m[1], lines: [] });
    else if (/^\S/.test(lines[i])) break;
    else if (jobs.length) jobs[jobs.length - 1].lines.push(lines[i]);
  }
  for (const job of jobs) {
    const stepsAt = job.lines.findIndex((l) => /^\s+steps:\s*$/.test(l));
    if (stepsAt < 0) continue;
    const indent = (job.lines.slice(stepsAt + 1).find((l) => /^\s+- /.test(l)) || '').match(/^(\s+)- /);
    if (!indent) continue;
    const steps = [];
    for (const line of job.lines.slice(stepsAt + 1)) {
      if (line.startsWith(`${indent[1]}- `)) steps.push(line);
      else if (steps.length) steps[steps.length - 1] += `\n${line}`;
    }
    const login = steps.findIndex((s) => /uses:\s*azure\/login@/.test(s));
    const smoke = steps.findIndex((s) => smokes((s.match(/run:[\s\S]*/) || [''])[0]));
    if (login < 0 || smoke < 0) continue;
    checked++;
    if (!storageToken.test(steps[login + 1] || ''))
      problems.push(`${file}: job ${job.name} runs the smoke test after azure/login, but the step right after the login does not run ` +
        '`az account get-access-token --resource https://storage.azure.com` (the OIDC token expires 5 minutes after login: AADSTS700024 in the smoke test)');
  }
}
if (problems.length) { console.log(problems.join('\n')); process.exit(1); }
console.log(`workflows: ${checked} job(s) that sign in and smoke-test fetch a storage token right after azure/login`);
