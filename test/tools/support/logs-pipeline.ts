import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { ElasticStackVersion, LOG_WRITER_PRIVILEGES, ObservabilityStack } from '../../../lib';
import { environmentProfile } from '../../../stacks/environments';
import { KubeObject } from '../../support/environments';
import { ElasticsearchServer } from './elasticsearch';
import { bootOrStop, sleep, toolBinary, waitUntil } from './alert-harness';
import { ControlPlane } from './apiserver';
import {
  concatBytes,
  ConfigRewrite,
  containerId,
  containerLogName,
  criLine,
  FilebeatRun,
} from './filebeat';
import { LogLine } from './hostile-logs';
import { runSetupJob } from './setup-job-run';

/**
 * The logs pipeline of real processes: staging's configuration with `logstash: false` on the
 * 8.19 line (ElasticStackVersion.V8_19), a secured Elasticsearch 8.19 (TLS with this run's
 * CA, passwords only in files), the generated setup Job script applying the index
 * templates, and the generated filebeat.yml in a real Filebeat reading CRI container log
 * files. Used by test/tools/logs-pipeline.tools.test.ts and bench/logs-delay.ts.
 *
 * Every change made to the generated files is in `rewrites`.
 */

// The parts of the generated templates that need modules this Elasticsearch distribution
// leaves out; the deployed distributions have them.
const MISSING_MODULE_TYPES: Record<string, { module: string; replacement: string }> = {
  match_only_text: { module: 'mapper-extras', replacement: 'text' },
  wildcard: { module: 'wildcard', replacement: 'keyword' },
  constant_keyword: { module: 'constant-keyword', replacement: 'keyword' },
};

export function rewriteForDistribution(file: string, body: any): ConfigRewrite[] {
  const rewrites: ConfigRewrite[] = [];
  const settings = body.template?.settings;
  if (settings && settings['index.lifecycle.name'] !== undefined) {
    rewrites.push({
      key: `${file} template.settings.index.lifecycle.name`,
      from: settings['index.lifecycle.name'],
      to: undefined,
      why: "no ILM module (the policies are checked by Elasticsearch's parser in ilm-policy.tools.test.ts)",
    });
    delete settings['index.lifecycle.name'];
  }
  const visit = (node: any, at: string) => {
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries<any>(node)) {
      if (key === 'type' && typeof value === 'string' && MISSING_MODULE_TYPES[value]) {
        const { module, replacement } = MISSING_MODULE_TYPES[value];
        rewrites.push({
          key: `${file} ${at}.type`,
          from: value,
          to: replacement,
          why: `no ${module} module`,
        });
        node.type = replacement;
      } else {
        visit(value, `${at}.${key}`);
      }
    }
  };
  visit(body.template?.mappings, 'template.mappings');
  return rewrites;
}

const CONTAINER_LOG_DIR = '/var/log/containers';
const WARM_UP_CONTAINER = 'warm-up';

/** A container's pod, as a Deployment names it. */
export function podName(container: string): string {
  return `${container}-7d9f8-abcde`;
}

/**
 * Whether this run may make its log directory under /var/log/containers/, where
 * add_kubernetes_metadata's logs_path matcher looks for container ids (as root: in CI), and
 * the API server's tools are installed.
 */
function canUseContainerLogDir(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    toolBinary('kube-apiserver');
    toolBinary('etcd');
    toolBinary('kubectl');
  } catch {
    return false;
  }
  fs.mkdirSync(CONTAINER_LOG_DIR, { recursive: true });
  return true;
}

export class LogsPipeline {
  /** `containers`: the containers whose pods the API server holds before Filebeat starts. */
  public static async start(options: { containers: readonly string[] }): Promise<LogsPipeline> {
    const stack = new ObservabilityStack(Testing.app(), 'observability', {
      ...environmentProfile('staging'),
      logstash: false,
      elasticStackVersion: ElasticStackVersion.V8_19,
    });
    const objects = Testing.synth(stack) as KubeObject[];
    // The user the Filebeat credentials Secret names, with the privileges its row documents.
    const es = await ElasticsearchServer.start({
      users: {
        // The role the stack's elasticsearch-users Job gives a log writer, as the stack defines it.
        filebeat_writer: LOG_WRITER_PRIVILEGES,
      },
    });
    let plane: ControlPlane | undefined;
    try {
      if (canUseContainerLogDir()) plane = await ControlPlane.start();
    } catch (e) {
      await es.stop();
      throw e;
    }
    const pipeline = new LogsPipeline(stack, objects, es, plane);
    return bootOrStop(pipeline, () => pipeline.boot(options.containers));
  }

  public filebeat!: FilebeatRun;
  public readonly rewrites: ConfigRewrite[] = [];
  public setupOutput = '';
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logs-pipeline-'));

  /** Under /var/log/containers/ when the API server runs (see FilebeatRunOptions.kubeconfig). */
  private readonly logsDir: string | undefined;

  private constructor(
    public readonly stack: ObservabilityStack,
    public readonly objects: KubeObject[],
    public readonly es: ElasticsearchServer,
    /** The API server add_kubernetes_metadata reads pods from, when this run may use /var/log/containers. */
    public readonly controlPlane?: ControlPlane,
  ) {
    this.logsDir = controlPlane
      ? fs.mkdtempSync(path.join(CONTAINER_LOG_DIR, 'observability-stack-test-'))
      : undefined;
  }

  /**
   * The pods whose containers write the log files, as the kubelet would have reported them:
   * one per container name, in namespace `shop` on node `node-1` (the DaemonSet's NODE_NAME),
   * with the container id that the file name carries.
   */
  private addPods(containers: readonly string[]): void {
    if (!this.controlPlane) return;
    const objects: object[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
      {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1' } },
      },
      // No controller manager runs to make it, and admission looks it up for every pod.
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'default', namespace: 'shop' },
      },
    ];
    const setup = this.controlPlane.kubectl(
      ['apply', '-f', '-'],
      objects.map((o) => JSON.stringify(o)).join('\n'),
    );
    if (setup.status !== 0) throw new Error(`kubectl apply failed: ${setup.stderr}`);
    objects.length = 0;
    for (const container of containers) {
      objects.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: podName(container),
          namespace: 'shop',
          labels: { 'app.kubernetes.io/name': container },
        },
        spec: {
          nodeName: 'node-1',
          automountServiceAccountToken: false,
          containers: [{ name: container, image: 'registry.example/shop/app:1.0' }],
        },
      });
    }
    const applied = this.controlPlane.kubectl(
      ['apply', '-f', '-'],
      objects.map((o) => JSON.stringify(o)).join('\n'),
    );
    if (applied.status !== 0) throw new Error(`kubectl apply failed: ${applied.stderr}`);
    for (const container of containers) {
      const id = containerId(podName(container), 'shop', container);
      const status = {
        status: {
          phase: 'Running',
          containerStatuses: [
            {
              name: container,
              containerID: `containerd://${id}`,
              image: 'registry.example/shop/app:1.0',
              imageID: '',
              ready: true,
              restartCount: 0,
              started: true,
              state: { running: { startedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } },
            },
          ],
        },
      };
      const patched = this.controlPlane.kubectl([
        'patch',
        'pod',
        podName(container),
        '-n',
        'shop',
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify(status),
      ]);
      if (patched.status !== 0) throw new Error(`kubectl patch status failed: ${patched.stderr}`);
    }
  }

  private async boot(containers: readonly string[]): Promise<void> {
    const usernameFile = path.join(this.dir, 'elastic-username');
    fs.writeFileSync(usernameFile, 'elastic');
    const setup = await runSetupJob({
      objects: this.objects,
      configMap: 'elasticsearch-setup-config',
      dir: this.dir,
      apiUrl: this.es.url,
      caFile: this.es.certificates.caFile,
      usernameFile,
      passwordFile: this.es.elasticPasswordFile,
      dropSteps: {
        pattern: /\/_(ilm|slm)\/policy\/|\/_snapshot\//,
        why: "no ILM, SLM or repository-s3 module; the policy bodies are checked by Elasticsearch's own parsers (ilm-policy, snapshot-restore tools tests), which also registers a filesystem repository and restores from it",
      },
      rewriteFile: rewriteForDistribution,
    });
    this.setupOutput = `${setup.stdout}\n${setup.stderr}`;
    this.rewrites.push(...setup.rewrites);
    if (setup.status !== 0)
      throw new Error(`the setup Job script failed (${setup.status}):\n${this.setupOutput}`);
    this.addPods([...containers, WARM_UP_CONTAINER]);
    const writer = this.es.user('filebeat_writer');
    const configMap = this.objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === 'filebeat-config',
    )!;
    this.filebeat = await FilebeatRun.start({
      generatedConfig: configMap.data['filebeat.yml'],
      logsDir: this.logsDir,
      kubeconfig: this.controlPlane?.kubeconfig,
      elasticsearch: {
        url: this.es.url,
        caFile: this.es.certificates.caFile,
        username: writer.username,
        password: writer.password,
      },
    });
    this.rewrites.push(...this.filebeat.rewrites);
    await this.warmUp();
  }

  /**
   * add_kubernetes_metadata lists the node's pods in the background after Filebeat starts;
   * until it has, lines go out without metadata. Lines of a warm-up container are written until
   * one arrives with its pod's name, then deleted, so a test's lines all find the pods listed.
   */
  private async warmUp(): Promise<void> {
    if (!this.controlPlane) return;
    const before = await this.filebeat.handled();
    let written = 0;
    await waitUntil(
      'a line with Kubernetes metadata',
      async () => {
        this.appendLines(WARM_UP_CONTAINER, [{ text: 'warm-up line' }]);
        written++;
        await sleep(1000);
        await this.es.ok('POST', '/logs-*/_refresh');
        const found = await this.es.ok('POST', '/logs-*/_search', {
          size: 0,
          query: { term: { 'kubernetes.pod.name': podName(WARM_UP_CONTAINER) } },
        });
        return found.hits.total.value > 0 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    // Every warm-up line shipped before they go, so none arrives after.
    await this.filebeat.waitForAcked(before + written, 30_000);
    // One by one: this distribution has no _delete_by_query (its reindex module is left out).
    await this.es.ok('POST', '/logs-*/_refresh');
    const found = await this.es.ok('POST', '/logs-*/_search', {
      size: written,
      query: { term: { 'service.name': WARM_UP_CONTAINER } },
    });
    for (const hit of found.hits.hits)
      await this.es.ok('DELETE', `/${hit._index}/_doc/${hit._id}?refresh=true`);
  }

  /** The log file of a container, named as the kubelet names it. */
  public logFile(container: string): string {
    return path.join(
      this.filebeat.logsDir,
      containerLogName(podName(container), 'shop', container),
    );
  }

  /** Appends lines, in CRI format, to a container's log file. */
  public appendLines(container: string, lines: readonly LogLine[]): void {
    fs.appendFileSync(
      this.logFile(container),
      concatBytes(
        lines.map((l) => criLine(l.text, { partial: l.partial })),
      ) as unknown as Uint8Array,
    );
  }

  public logs(): string {
    return `${this.filebeat?.logs() ?? ''}\n${this.es.logs()}\n${this.controlPlane?.logs() ?? ''}`;
  }

  public async stop(): Promise<void> {
    await this.filebeat?.stop();
    await this.es.stop();
    await this.controlPlane?.stop();
    if (this.logsDir) fs.rmSync(this.logsDir, { recursive: true, force: true });
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
