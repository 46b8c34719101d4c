// The GitHub Actions example (examples/github-actions/) as a user copies it: every workflow is a
// valid workflow file, every agoractl command it runs exists with those options in the CLI's own
// --help, secrets reach only the steps that talk to Agora, and the emulator workflow's shell
// steps, run as written, make the shipped manifests converge.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseAllDocuments, parseDocument } from 'yaml';
import { REPO, runCli } from '../support/cli.ts';

const run = promisify(execFile);
const WORKFLOWS = join(REPO, 'examples/github-actions/workflows');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
}
interface Job {
  env?: Record<string, string>;
  steps?: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

async function workflowFiles(): Promise<{ file: string; text: string }[]> {
  const names = (await readdir(WORKFLOWS)).filter((n) => /\.ya?ml$/.test(n)).sort();
  return Promise.all(names.map(async (file) => ({ file, text: await readFile(join(WORKFLOWS, file), 'utf8') })));
}

async function workflows(): Promise<{ file: string; workflow: Workflow }[]> {
  return (await workflowFiles()).map(({ file, text }) => ({ file, workflow: parseDocument(text).toJS() as Workflow }));
}

/** Every `agoractl ...` command line in a step's shell script, as words (continuations joined, up to a shell operator). */
export function agoractlCommands(script: string): string[][] {
  const lines = script.replace(/\\\n\s*/g, ' ').split('\n');
  const commands: string[][] = [];
  for (const line of lines) {
    for (const match of line.matchAll(/(?:^|[\s;&|(])npx agoractl((?:\s+(?:"[^"]*"|'[^']*'|[^\s"'|;&<>)]+))*)/g)) {
      const words = [...(match[1] ?? '').matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((w) => w[1] ?? w[2] ?? w[3] ?? '');
      commands.push(words);
    }
  }
  return commands;
}

interface HelpOption {
  takesValue: boolean;
  choices?: string[];
}

/** The options `agoractl <command> --help` lists, by each of their spellings. */
function parseHelp(help: string): Map<string, HelpOption> {
  const options = new Map<string, HelpOption>();
  // An option's description may wrap onto the next lines; its choices end the description.
  const entries = help.split(/\n(?=\s{2}-)/);
  for (const entry of entries) {
    const head = /^\s*((?:-\w, )?--[\w-]+)( <[^>]+>| \[[^\]]+\])?/.exec(entry.replace(/^[\s\S]*?\n(?=\s{2}-)/, ''));
    if (!head?.[1]) continue;
    const choices = /\(choices: ([^)]*?)(?:, default: [^)]*)?\)/.exec(entry.replace(/\s+/g, ' '))?.[1];
    const option: HelpOption = { takesValue: head[2] !== undefined, ...(choices ? { choices: [...choices.matchAll(/"([^"]+)"/g)].map((c) => c[1] ?? '') } : {}) };
    for (const spelling of head[1].split(', ')) options.set(spelling, option);
  }
  return options;
}

const helpCache = new Map<string, Map<string, HelpOption>>();
async function helpOf(command: string): Promise<Map<string, HelpOption>> {
  const cached = helpCache.get(command);
  if (cached) return cached;
  const result = await runCli([command, '--help']);
  assert.equal(result.code, 0, `agoractl ${command} --help failed (is dist/ built? npm run build): ${result.stderr}`);
  const options = parseHelp(result.stdout);
  helpCache.set(command, options);
  return options;
}

/** What is wrong with one agoractl command line, judged by the CLI's --help; empty when nothing. */
async function commandProblems(words: string[]): Promise<string[]> {
  const [command, ...rest] = words;
  if (command === undefined) return ['no command'];
  const top = await runCli(['--help']);
  const commands = [...top.stdout.matchAll(/^ {2}(\w[\w-]*)\b/gm)].map((m) => m[1]);
  if (!commands.includes(command)) return [`unknown command "${command}"`];
  const options = await helpOf(command);
  const problems: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i] ?? '';
    if (!word.startsWith('-')) continue;
    const [name = '', inline] = word.split('=', 2);
    const option = options.get(name);
    if (!option) {
      problems.push(`${command}: unknown option ${name}`);
      continue;
    }
    if (!option.takesValue) continue;
    const value = inline ?? rest[++i];
    if (value === undefined || value.startsWith('-')) problems.push(`${command}: ${name} needs a value`);
    else if (option.choices && !value.startsWith('$') && !option.choices.includes(value)) problems.push(`${command}: ${name} ${value} is not one of ${option.choices.join(', ')}`);
  }
  return problems;
}

function steps(workflow: Workflow): { job: string; step: Step }[] {
  return Object.entries(workflow.jobs).flatMap(([job, j]) => (j.steps ?? []).map((step) => ({ job, step })));
}

/** The variables the shipped manifests read with `{ env: NAME }`. */
async function manifestEnvNames(): Promise<string[]> {
  const dir = join(REPO, 'manifests');
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (typeof record.env === 'string' && Object.keys(record).length === 1) names.add(record.env);
      else Object.values(record).forEach(visit);
    }
  };
  for (const file of await readdir(dir)) {
    if (!file.endsWith('.yaml')) continue;
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) visit(doc.toJS());
  }
  return [...names].sort();
}

void describe('the GitHub Actions example', () => {
  void test('ships the plan, apply and emulator workflows', async () => {
    const files = (await workflowFiles()).map((w) => w.file);
    assert.deepEqual(files, ['agoractl-apply.yml', 'agoractl-manifests-test.yml', 'agoractl-plan.yml']);
  });

  void test('every workflow parses as YAML and is valid against the workflow schema', async () => {
    const schema = JSON.parse(await readFile(join(REPO, 'test/fixtures/github-workflow.schema.json'), 'utf8')) as object;
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    for (const { file, text } of await workflowFiles()) {
      const doc = parseDocument(text, { uniqueKeys: true });
      assert.deepEqual(doc.errors.map((e) => e.message), [], `${file} is not valid YAML`);
      const valid = validate(doc.toJS());
      assert.ok(valid, `${file}: ${JSON.stringify(validate.errors, null, 2)}`);
    }
  });

  void test('the schema rejects a misspelt key, a step with both run and uses, and an unknown event', async () => {
    const schema = JSON.parse(await readFile(join(REPO, 'test/fixtures/github-workflow.schema.json'), 'utf8')) as object;
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    const job = { 'runs-on': 'ubuntu-latest', steps: [{ run: 'true' }] };
    const cases: { reason: string; workflow: unknown; valid: boolean }[] = [
      { reason: 'a minimal workflow', workflow: { on: 'push', jobs: { a: job } }, valid: true },
      { reason: 'runs_on instead of runs-on', workflow: { on: 'push', jobs: { a: { runs_on: 'ubuntu-latest', steps: [{ run: 'true' }] } } }, valid: false },
      { reason: 'a step with run and uses', workflow: { on: 'push', jobs: { a: { ...job, steps: [{ run: 'true', uses: 'actions/checkout@v4' }] } } }, valid: false },
      { reason: 'an unknown event', workflow: { on: { pull_requests: null }, jobs: { a: job } }, valid: false },
      { reason: 'an unknown permission', workflow: { on: 'push', permissions: { comments: 'write' }, jobs: { a: job } }, valid: false },
      { reason: 'an action without a version', workflow: { on: 'push', jobs: { a: { ...job, steps: [{ uses: 'actions/checkout' }] } } }, valid: false },
    ];
    for (const c of cases) assert.equal(validate(c.workflow), c.valid, c.reason);
  });

  void test('every agoractl command line uses a command and options the CLI lists in --help', async () => {
    let seen = 0;
    for (const { file, workflow } of await workflows()) {
      for (const { job, step } of steps(workflow)) {
        for (const words of agoractlCommands(step.run ?? '')) {
          seen++;
          assert.deepEqual(await commandProblems(words), [], `${file} job ${job} step "${step.name ?? step.run}": agoractl ${words.join(' ')}`);
        }
      }
    }
    assert.ok(seen >= 8, `found only ${seen} agoractl command lines`);
  });

  void test('the command check catches an unknown option, a bad choice and a missing value', async () => {
    assert.deepEqual(await commandProblems(['plan', '-f', 'manifests/', '--output', 'yaml']), ['plan: --output yaml is not one of text, json, markdown']);
    assert.deepEqual(await commandProblems(['apply', 'plan.agoractl', '--max-plan-age']), ['apply: --max-plan-age needs a value']);
    assert.deepEqual(await commandProblems(['plan', '--save', 'x']), ['plan: unknown option --save']);
    assert.deepEqual(await commandProblems(['deploy']), ['unknown command "deploy"']);
    assert.deepEqual(agoractlCommands('npx agoractl apply p \\\n  -o markdown | tee -a "$F"'), [['apply', 'p', '-o', 'markdown']]);
  });

  void test('plans on pull_request, never pull_request_target, and uses only GitHub\'s own actions', async () => {
    for (const { file, workflow } of await workflows()) {
      assert.ok(!('pull_request_target' in workflow.on), `${file} triggers on pull_request_target`);
      for (const { step } of steps(workflow)) {
        if (step.uses) assert.match(step.uses, /^actions\/[\w-]+@v\d+$/, `${file} uses ${step.uses}`);
      }
    }
    const plan = (await workflows()).find((w) => w.file === 'agoractl-plan.yml')?.workflow;
    assert.ok(plan && 'pull_request' in plan.on);
  });

  void test('secrets go only to the steps that plan or apply against Agora, each variable the manifests read', async () => {
    const names = await manifestEnvNames();
    assert.ok(names.includes('AGORA_CUSTOMER_SECRET'), 'the manifests read their credentials from the environment');
    let agoraSteps = 0;
    for (const { file, workflow } of await workflows()) {
      for (const [jobName, job] of Object.entries(workflow.jobs)) {
        assert.ok(!JSON.stringify(job.env ?? {}).includes('secrets.'), `${file} job ${jobName} puts secrets in the job's environment`);
        for (const step of job.steps ?? []) {
          const usesSecrets = JSON.stringify(step).includes('secrets.');
          const reachesAgora = agoractlCommands(step.run ?? '').some(([command]) => command === 'plan' || command === 'apply');
          if (file === 'agoractl-manifests-test.yml') {
            assert.ok(!usesSecrets, `${file} uses a secret`);
            continue;
          }
          assert.ok(!usesSecrets || reachesAgora, `${file} step "${step.name ?? step.uses}" gets secrets it does not need`);
          if (!reachesAgora) continue;
          agoraSteps++;
          for (const name of [...names, 'AGORACTL_STATE']) {
            assert.equal(step.env?.[name], `\${{ secrets.${name} }}`, `${file} step "${step.name}" sets ${name} from the secret of that name`);
          }
        }
      }
    }
    assert.equal(agoraSteps, 3, 'plan on the pull request, plan afresh on main, apply');
  });

  void describe('the emulator workflow, run as written against the shipped manifests', () => {
    let work = '';
    let emulatorPid = 0;
    after(async () => {
      if (emulatorPid) {
        try {
          process.kill(emulatorPid, 'SIGKILL');
        } catch {
          // already stopped by the workflow's last step
        }
      }
      if (work) await rm(work, { recursive: true, force: true });
    });

    void test('validates, applies the saved plan and finds nothing left to do', { timeout: 120_000 }, async () => {
      work = await mkdtemp(join(tmpdir(), 'agoractl-gha-'));
      // `npx agoractl` in the workflow is this checkout's CLI here.
      await writeFile(join(work, 'npx'), `#!/bin/sh\n[ "$1" = agoractl ] || exit 127\nshift\nexec "${process.execPath}" "${join(REPO, 'bin/agoractl.js')}" "$@"\n`);
      await chmod(join(work, 'npx'), 0o755);
      const text = await readFile(join(WORKFLOWS, 'agoractl-manifests-test.yml'), 'utf8');
      const job = (parseDocument(text).toJS() as Workflow).jobs.converge;
      assert.ok(job?.steps);
      const files = { GITHUB_ENV: join(work, 'env'), GITHUB_STEP_SUMMARY: join(work, 'summary.md'), GITHUB_OUTPUT: join(work, 'output') };
      for (const path of Object.values(files)) await writeFile(path, '');
      let ran = 0;
      for (const step of job.steps) {
        if (!step.run || step.run.trim() === 'npm ci') continue;
        const exported = Object.fromEntries(
          (await readFile(files.GITHUB_ENV, 'utf8')).split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
        );
        emulatorPid = Number(exported.EMULATOR_PID ?? 0);
        const env = { PATH: `${work}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? '', RUNNER_TEMP: work, ...files, ...job.env, ...exported, ...step.env };
        try {
          await run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], { cwd: REPO, env });
        } catch (err) {
          const { stdout, stderr } = err as { stdout?: string; stderr?: string };
          assert.fail(`step "${step.name ?? step.run}" failed:\n${stdout ?? ''}\n${stderr ?? ''}`);
        }
        ran++;
      }
      assert.equal(ran, 5, 'validate, start the emulator, plan and apply, check convergence, stop');
      const summary = await readFile(files.GITHUB_STEP_SUMMARY, 'utf8');
      assert.match(summary, /^## agoractl plan/m);
      assert.ok(!summary.includes('ci-customer-secret'), 'the plan in the summary holds no secret');
    });
  });
});
