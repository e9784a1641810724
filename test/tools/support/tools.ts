import { spawn, spawnSync, SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import {
  EnvironmentName,
  KubeObject,
  podTemplateOf,
  synthEnvironment,
} from '../../support/environments';

const REPO = path.resolve(__dirname, '..', '..', '..');
const TOOLS_BIN = path.join(REPO, '.cache', 'tools', 'bin');

/**
 * The path of a tool installed by scripts/install-tools.sh. Throws when it is missing:
 * this tier must fail, never skip, on a machine without the tools. Found in
 * `<repo>/.cache/tools/bin`, searching upwards from here, so the compiled benches
 * (build/test/tools/support/) find it too.
 */
export function toolPath(name: string): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, '.cache', 'tools', 'bin', name);
    if (fs.existsSync(file)) return file;
    if (path.dirname(dir) === dir) break;
  }
  throw new Error(
    `${name} is not installed at ${path.join(TOOLS_BIN, name)}: run bash scripts/install-tools.sh`,
  );
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs an installed tool synchronously and captures its output. */
export function run(tool: string, args: string[], opts: SpawnSyncOptions = {}): RunResult {
  // maxBuffer: kubectl's output for a whole environment is several MiB (the default is 1 MiB).
  const result = spawnSync(toolPath(tool), args, {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 256 * 1024 * 1024,
    ...opts,
  });
  if (result.error) throw result.error;
  return {
    status: result.status,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
  };
}

/** A result as text for a failing expectation, so a test failure shows what the tool said. */
export function describeRun(tool: string, args: string[], result: RunResult): string {
  return `${tool} ${args.join(' ')} exited ${result.status}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/** A fresh temporary directory, removed by `removeTempDirs()`. */
const tempDirs: string[] = [];
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export interface MetricsConfigFiles {
  /** The temp directory standing in for the pods' filesystem root. */
  readonly root: string;
  /** prometheus.yml exactly as rendered (in-pod paths), for `promtool check config --syntax-only`. */
  readonly prometheusVerbatim: string;
  /** prometheus.yml with in-pod paths moved under `root`, where every referenced file exists. */
  readonly prometheusConfig: string;
  /** The rule files of the prometheus-config ConfigMap, as written under `root`. */
  readonly ruleFiles: string[];
  /** alertmanager.yml exactly as rendered. */
  readonly alertmanagerConfig: string;
}

/**
 * Writes the metrics pillar's rendered config files of one environment to a temp tree that
 * mirrors the pods' filesystem: each ConfigMap key lands at `<root>/<mountPath>/<key>`,
 * with the mount path read from the workload that mounts the ConfigMap.
 *
 * A full `promtool check config` stats every rule file, credentials file and TLS cert/key
 * file the config names (it does not read ca_file or token contents). In a pod those come
 * from the ConfigMap itself, the projected ServiceAccount token and Secret volumes. So the
 * check runs on a parsed copy of prometheus.yml whose absolute file paths are prefixed with
 * `root`, and every such file not written from the ConfigMap gets an empty stub there. The
 * rest of the config is untouched, and the verbatim file is checked too (syntax only).
 *
 * alertmanager.yml is written verbatim: amtool check-config does not open the *_file
 * references (Secret files), so it needs no stubs.
 */
export function writeMetricsConfigs(
  env: EnvironmentName | { readonly name: string; readonly objects: KubeObject[] },
): MetricsConfigFiles {
  const { objects } = typeof env === 'string' ? synthEnvironment(env) : env;
  const root = tempDir(`metrics-${typeof env === 'string' ? env : env.name}-`);

  const promData = configMapData(objects, 'prometheus-config');
  const promDir = writeConfigMap(root, objects, 'prometheus-config', promData);
  const amData = configMapData(objects, 'alertmanager-config');
  const amDir = writeConfigMap(root, objects, 'alertmanager-config', amData);

  if (!promData['prometheus.yml'])
    throw new Error('ConfigMap prometheus-config has no prometheus.yml');
  if (!amData['alertmanager.yml'])
    throw new Error('ConfigMap alertmanager-config has no alertmanager.yml');

  const prometheusConfig = path.join(promDir, 'prometheus.tools.yml');
  fs.writeFileSync(
    prometheusConfig,
    stringify(relocateFiles(parse(promData['prometheus.yml']), root)),
  );

  return {
    root,
    prometheusVerbatim: path.join(promDir, 'prometheus.yml'),
    prometheusConfig,
    ruleFiles: Object.keys(promData)
      .filter((key) => key !== 'prometheus.yml')
      .map((key) => path.join(promDir, key)),
    alertmanagerConfig: path.join(amDir, 'alertmanager.yml'),
  };
}

/**
 * Writes the prometheus.yml (and rule files) of synthesized `objects`, as writeMetricsConfigs
 * does for an environment: verbatim, and relocated under a temp root with every file it names.
 */
export function writePrometheusConfigOf(
  objects: KubeObject[],
  prefix: string,
): { root: string; prometheusVerbatim: string; prometheusConfig: string } {
  const root = tempDir(prefix);
  const data = configMapData(objects, 'prometheus-config');
  const dir = writeConfigMap(root, objects, 'prometheus-config', data);
  const prometheusConfig = path.join(dir, 'prometheus.tools.yml');
  fs.writeFileSync(prometheusConfig, stringify(relocateFiles(parse(data['prometheus.yml']), root)));
  return { root, prometheusVerbatim: path.join(dir, 'prometheus.yml'), prometheusConfig };
}

function configMapData(objects: KubeObject[], name: string): Record<string, string> {
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
  if (!configMap) throw new Error(`ConfigMap ${name} is not in the synthesized objects`);
  return configMap.data ?? {};
}

/** Writes a ConfigMap's keys where its workload mounts it (under `root`); returns that dir. */
function writeConfigMap(
  root: string,
  objects: KubeObject[],
  name: string,
  data: Record<string, string>,
): string {
  const mountPath = configMapMountPath(objects, name);
  const dir = path.join(root, mountPath);
  fs.mkdirSync(dir, { recursive: true });
  for (const [key, value] of Object.entries(data)) fs.writeFileSync(path.join(dir, key), value);
  return dir;
}

function configMapMountPath(objects: KubeObject[], name: string): string {
  for (const object of objects) {
    const spec = podTemplateOf(object)?.spec;
    const volume = (spec?.volumes ?? []).find((v: any) => v.configMap?.name === name);
    if (!volume) continue;
    for (const container of spec.containers ?? []) {
      const mount = (container.volumeMounts ?? []).find(
        (m: any) => m.name === volume.name && !m.subPath,
      );
      if (mount) return mount.mountPath;
    }
  }
  throw new Error(`no workload mounts ConfigMap ${name} as a directory`);
}

/** Config keys whose values are paths of files that promtool checks for existence. */
function isFileKey(key: string): boolean {
  return key === 'rule_files' || key === 'files' || key.endsWith('_file');
}

/** A copy of `node` with absolute file paths under `root`; creates stubs for missing files. */
function relocateFiles(node: any, root: string, key = ''): any {
  if (Array.isArray(node)) return node.map((item) => relocateFiles(item, root, key));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, relocateFiles(v, root, k)]));
  }
  if (typeof node === 'string' && isFileKey(key) && path.isAbsolute(node)) {
    const relocated = path.join(root, node);
    if (!node.includes('*') && !fs.existsSync(relocated)) {
      fs.mkdirSync(path.dirname(relocated), { recursive: true });
      fs.writeFileSync(relocated, '');
    }
    return relocated;
  }
  return node;
}

/**
 * The environment promtool runs with: Prometheus 3 expands `${VAR}` in external_labels,
 * and the replica label comes from the pod's POD_NAME (an empty value only warns).
 */
export const PROMTOOL_ENV = { ...process.env, POD_NAME: 'prometheus-0' };

/**
 * Runs a rendered script with `bash -c`, as a hook or exec probe runs in a container: stdout and
 * stderr together, the environment only `PATH` and `env`. Async, so a server in this process
 * (a stand-in API) keeps answering while it runs.
 */
export function runBash(
  script: string,
  env: Record<string, string>,
): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    // No socket on stdin: bash would take itself for a remote shell and read ~/.bashrc.
    const child = spawn('bash', ['-c', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, out }));
  });
}
