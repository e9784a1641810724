import { generateKeyPairSync } from 'crypto';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as https from 'https';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import {
  RunningProcess,
  bootOrStop,
  freePort,
  mkdirIn,
  processLogs,
  spawnTool,
  terminate,
  waitUntil,
} from './alert-harness';
import { RunResult, describeRun, run } from './tools';

/**
 * A real Kubernetes control plane on loopback (127.0.0.1 only), built by
 * scripts/install-apiserver.sh: etcd, kube-apiserver, and on demand kube-controller-manager.
 * No kubelet, no scheduler and no network: objects are admitted, stored and reconciled by
 * the controllers, and pods are created (and admitted) but stay Pending.
 *
 * kubectl talks to it through a kubeconfig written here, as an admin user (static token,
 * group system:masters) authorized by RBAC.
 */

const LOOPBACK = '127.0.0.1';
const ADMIN_TOKEN = 'observability-stack-admin-token';

export class ControlPlane {
  /** Starts etcd and kube-apiserver and waits for /readyz. Always call `stop()`. */
  public static async start(): Promise<ControlPlane> {
    const plane = new ControlPlane();
    return bootOrStop(plane, () => plane.boot());
  }

  public readonly dir: string;
  /** The kubeconfig kubectl uses (admin, the API server's CA). */
  public readonly kubeconfig: string;
  public apiserverUrl = '';
  /** etcd's client URL (plain HTTP on loopback), where it also serves `/metrics`. */
  public etcdUrl = '';
  private readonly processes: RunningProcess[] = [];
  private controllerManager: RunningProcess | undefined;
  private servingCert = '';
  private stopped = false;

  private constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apiserver-'));
    this.kubeconfig = path.join(this.dir, 'kubeconfig');
  }

  private async boot(): Promise<void> {
    const pki = mkdirIn(this.dir, 'pki');
    const files = this.writeCredentials(pki);

    const [etcdClient, etcdPeer, securePort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
    ]);
    const etcdUrl = `http://${LOOPBACK}:${etcdClient}`;
    this.etcdUrl = etcdUrl;
    const etcd = spawnTool(
      'etcd',
      [
        '--name=test',
        `--data-dir=${mkdirIn(this.dir, 'etcd-data')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://${LOOPBACK}:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://${LOOPBACK}:${etcdPeer}`,
        `--initial-cluster=test=http://${LOOPBACK}:${etcdPeer}`,
        // A throwaway store: durability does not matter, speed does.
        '--unsafe-no-fsync',
      ],
      this.dir,
    );
    this.processes.push(etcd);
    await waitUntil(
      'etcd /health',
      async () => {
        this.assertRunning(etcd);
        const res = await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(2000) });
        return res.ok && ((await res.json()) as { health?: string }).health === 'true'
          ? true
          : undefined;
      },
      { timeoutMs: 30_000 },
    );

    this.apiserverUrl = `https://${LOOPBACK}:${securePort}`;
    const apiserver = spawnTool(
      'kube-apiserver',
      [
        `--etcd-servers=${etcdUrl}`,
        `--bind-address=${LOOPBACK}`,
        `--advertise-address=${LOOPBACK}`,
        `--secure-port=${securePort}`,
        `--cert-dir=${mkdirIn(this.dir, 'apiserver-certs')}`,
        `--tls-cert-file=${files.servingCert}`,
        `--tls-private-key-file=${files.servingKey}`,
        `--token-auth-file=${files.tokens}`,
        '--authorization-mode=RBAC',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${files.saPublicKey}`,
        `--service-account-signing-key-file=${files.saPrivateKey}`,
        // A range the Service allocator hands ClusterIPs out of; nothing is routed.
        '--service-cluster-ip-range=10.96.0.0/16',
        // As kubeadm sets it, so privileged pods meet PodSecurity, not this older switch.
        '--allow-privileged=true',
        // The `kubernetes` Service's endpoints would carry the loopback advertise address,
        // which Endpoints validation rejects; nothing here needs that Service.
        '--endpoint-reconciler-type=none',
        // The default admission plugins (PodSecurity, ServiceAccount, LimitRanger, Priority,
        // ResourceQuota, the admission webhooks...) stay as they are.
      ],
      this.dir,
    );
    this.processes.push(apiserver);
    this.writeKubeconfig();
    await waitUntil(
      'kube-apiserver /readyz',
      async () => {
        this.assertRunning(etcd);
        this.assertRunning(apiserver);
        const res = await this.get('/readyz');
        return res.status === 200 ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
  }

  /**
   * The serving certificate (self-signed for 127.0.0.1), the service-account key pair, the
   * admin's static token and the kubeconfig.
   */
  private writeCredentials(pki: string): {
    servingCert: string;
    servingKey: string;
    tokens: string;
    saPublicKey: string;
    saPrivateKey: string;
  } {
    const servingCert = path.join(pki, 'serving.crt');
    const servingKey = path.join(pki, 'serving.key');
    const openssl = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        servingKey,
        '-out',
        servingCert,
        '-days',
        '1',
        '-subj',
        '/CN=kube-apiserver',
        '-addext',
        `subjectAltName=IP:${LOOPBACK},DNS:localhost`,
      ],
      { encoding: 'utf8' },
    );
    if (openssl.error || openssl.status !== 0) {
      throw new Error(`openssl req failed (${openssl.error ?? openssl.status}): ${openssl.stderr}`);
    }
    this.servingCert = fs.readFileSync(servingCert, 'utf8');

    const sa = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const saPublicKey = path.join(pki, 'sa.pub');
    const saPrivateKey = path.join(pki, 'sa.key');
    fs.writeFileSync(saPublicKey, sa.publicKey);
    fs.writeFileSync(saPrivateKey, sa.privateKey, { mode: 0o600 });

    // token,user,uid,"group1,group2"
    const tokens = path.join(pki, 'tokens.csv');
    fs.writeFileSync(tokens, `${ADMIN_TOKEN},admin,admin-uid,"system:masters"\n`, { mode: 0o600 });
    return { servingCert, servingKey, tokens, saPublicKey, saPrivateKey };
  }

  private writeKubeconfig(): void {
    fs.writeFileSync(
      this.kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'test',
            cluster: {
              server: this.apiserverUrl,
              'certificate-authority-data': Buffer.from(this.servingCert).toString('base64'),
            },
          },
        ],
        users: [{ name: 'admin', user: { token: ADMIN_TOKEN } }],
        contexts: [{ name: 'test', context: { cluster: 'test', user: 'admin' } }],
        'current-context': 'test',
      }),
      { mode: 0o600 },
    );
  }

  /** GET on the API server as the admin, trusting only its serving certificate. */
  private get(apiPath: string): Promise<{ status: number; body: string }> {
    return httpsGet(`${this.apiserverUrl}${apiPath}`, {
      ca: this.servingCert,
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
  }

  /** The API server's serving certificate (PEM), the CA a pod's `ca.crt` would be here. */
  public get caCertificate(): string {
    return this.servingCert;
  }

  /** Runs the installed kubectl against this API server (its own HOME, so its own cache). */
  public kubectl(args: string[], input?: string): RunResult {
    return run('kubectl', args, {
      input,
      timeout: 180_000,
      env: { ...process.env, KUBECONFIG: this.kubeconfig, HOME: mkdirIn(this.dir, 'home') },
    });
  }

  /** Like kubectl(), but throws, with the API server's last log lines, unless it exits 0. */
  public kubectlOk(args: string[], input?: string): RunResult {
    const result = this.kubectl(args, input);
    if (result.status !== 0)
      throw new Error(`${describeRun('kubectl', args, result)}\n${this.logs()}`);
    return result;
  }

  /**
   * Starts kube-controller-manager (every default controller: deployment, replicaset,
   * statefulset, job, namespace, garbage collector...) and waits for its /healthz.
   */
  public async startControllerManager(): Promise<void> {
    if (this.controllerManager) return;
    const port = await freePort();
    const kcm = spawnTool(
      'kube-controller-manager',
      [
        `--kubeconfig=${this.kubeconfig}`,
        `--bind-address=${LOOPBACK}`,
        `--secure-port=${port}`,
        `--cert-dir=${mkdirIn(this.dir, 'controller-manager-certs')}`,
        '--leader-elect=false',
        '--use-service-account-credentials=false',
      ],
      this.dir,
    );
    this.controllerManager = kcm;
    this.processes.push(kcm);
    // Its serving certificate is one it made itself; /healthz needs no authentication.
    await waitUntil(
      'kube-controller-manager /healthz',
      async () => {
        this.assertRunning(kcm);
        const res = await httpsGet(`https://${LOOPBACK}:${port}/healthz`, {
          rejectUnauthorized: false,
        });
        return res.status === 200 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  }

  /** Stops kube-controller-manager, so nothing but kubectl writes to the API server. */
  public async stopControllerManager(): Promise<void> {
    const kcm = this.controllerManager;
    if (!kcm) return;
    this.controllerManager = undefined;
    await terminate(kcm.child);
    // Its log file stays, appended to by the next one, whose entry then shows it.
    this.processes.splice(this.processes.indexOf(kcm), 1);
  }

  private assertRunning(proc: RunningProcess): void {
    if (proc.child.exitCode !== null)
      throw new Error(`${proc.name} exited with ${proc.child.exitCode}`);
  }

  /** The last lines of each process's log, for error messages. */
  public logs(lines = 30): string {
    return processLogs(this.processes, lines);
  }

  /** Kills every process (SIGTERM, then SIGKILL after 5 s) and removes the temp dir. */
  public async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // The API server before etcd, so it does not spend its shutdown retrying etcd.
    for (const proc of [...this.processes].reverse()) await terminate(proc.child);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function httpsGet(
  url: string,
  options: https.RequestOptions,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { timeout: 5000, ...options }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}
