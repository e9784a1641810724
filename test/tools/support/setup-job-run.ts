import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { KubeObject } from '../../support/environments';
import { ConfigRewrite } from './filebeat';

/**
 * Runs a generated setup Job's script (POSIX sh + curl, as in the Job's pod) against a real
 * server: the Job's ConfigMap is written to a temp directory, the script's CONFIG_DIR is
 * pointed at it, and the Job's API_* environment is given the test's URL, CA and credential
 * files. `rewriteFile` may change a body file and must record what it changed.
 */
export interface SetupJobRunOptions {
  readonly objects: KubeObject[];
  /** The Job's ConfigMap, e.g. `elasticsearch-setup-config`. */
  readonly configMap: string;
  readonly dir: string;
  readonly apiUrl: string;
  readonly caFile?: string;
  readonly usernameFile?: string;
  readonly passwordFile?: string;
  /**
   * Where the Job's Secret files (its `setup-secrets` volume, one file per item path) are, for
   * a script with `secret-request` steps: its SECRETS_DIR is pointed there.
   */
  readonly secretsDir?: string;
  /** Drops the script lines that match (a step the test server cannot take), each recorded. */
  readonly dropSteps?: { readonly pattern: RegExp; readonly why: string };
  /** Changes a body file (parsed JSON); returns the rewrites it made. */
  readonly rewriteFile?: (file: string, body: any) => ConfigRewrite[];
}

export interface SetupJobRunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly rewrites: ConfigRewrite[];
  /** The body files, after the rewrites, by ConfigMap key. */
  readonly files: Record<string, string>;
}

/** Async, never spawnSync: the server may live in this process (the Elasticsearch proxy does). */
export async function runSetupJob(options: SetupJobRunOptions): Promise<SetupJobRunResult> {
  const configMap = options.objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name === options.configMap,
  );
  if (!configMap)
    throw new Error(`ConfigMap ${options.configMap} is not in the synthesized objects`);
  const data: Record<string, string> = { ...configMap.data };
  const rewrites: ConfigRewrite[] = [];
  const configDir = path.join(options.dir, options.configMap);
  fs.mkdirSync(configDir, { recursive: true });
  for (const [key, value] of Object.entries(data)) {
    if (key.endsWith('.json') && options.rewriteFile) {
      const body = JSON.parse(value);
      const changes = options.rewriteFile(key, body);
      if (changes.length > 0) {
        rewrites.push(...changes);
        data[key] = JSON.stringify(body, null, 2);
      }
    }
    fs.writeFileSync(path.join(configDir, key), data[key]);
  }
  let script = data['setup.sh'];
  const dirLine = /^CONFIG_DIR='([^']*)'$/m.exec(script);
  if (!dirLine) throw new Error('the setup script has no CONFIG_DIR line');
  script = script.replace(dirLine[0], `CONFIG_DIR='${configDir}'`);
  rewrites.push({
    key: 'setup.sh CONFIG_DIR',
    from: dirLine[1],
    to: configDir,
    why: 'the ConfigMap is mounted in a temp directory',
  });
  if (options.secretsDir) {
    const secretsLine = /^SECRETS_DIR='([^']*)'$/m.exec(script);
    if (!secretsLine) throw new Error('the setup script has no SECRETS_DIR line');
    script = script.replace(secretsLine[0], `SECRETS_DIR='${options.secretsDir}'`);
    rewrites.push({
      key: 'setup.sh SECRETS_DIR',
      from: secretsLine[1],
      to: options.secretsDir,
      why: "the Job's Secret files are in a temp directory",
    });
  }
  if (options.dropSteps) {
    const kept: string[] = [];
    for (const line of script.split('\n')) {
      if (options.dropSteps.pattern.test(line))
        rewrites.push({
          key: 'setup.sh step',
          from: line,
          to: undefined,
          why: options.dropSteps.why,
        });
      else kept.push(line);
    }
    script = kept.join('\n');
  }
  const scriptFile = path.join(options.dir, `${options.configMap}.sh`);
  fs.writeFileSync(scriptFile, script);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    API_URL: options.apiUrl,
  };
  if (options.caFile) env.API_CA_FILE = options.caFile;
  if (options.usernameFile) env.API_USERNAME_FILE = options.usernameFile;
  if (options.passwordFile) env.API_PASSWORD_FILE = options.passwordFile;
  const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn('sh', [scriptFile], { env, timeout: 300_000 });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString('utf8');
      });
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString('utf8');
      });
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    },
  );
  return { ...r, rewrites, files: data };
}
