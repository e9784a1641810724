import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { freePort, terminate, waitUntil } from './alert-harness';
import {
  chownTree,
  elasticsearchHome,
  EsResponse,
  homeReadableBy,
  javaHome,
  httpsJsonRequest,
  makeCertificates,
  nodeHome,
  randomPassword,
  SECURITY_SETTINGS,
  TestCertificates,
} from './elasticsearch';

/**
 * A cluster of several real Elasticsearch nodes on loopback, each with its own ports, data
 * and config directories, for what one node cannot show: shard copies on other nodes,
 * nodes that stop and come back, the first election. Security on, one CA and certificate for
 * all (transport verifies the chain only, as in the pods), `elastic` authenticated by the
 * bootstrap password in every node's keystore. As root each node runs as `nobody`. The nodes
 * share one home with the security-analysis plugin ({@link nodeHome}), so the native realm
 * works as on one node.
 *
 * Each node's `elasticsearch.yml` is the base the harness writes (name, ports, paths, seed
 * hosts, TLS) followed by the lines the test gives at each start, the way the pods' config
 * is the rendered file.
 */

const LOOPBACK = '127.0.0.1';
const RUN_AS = { uid: 65534, gid: 65534 };

export interface LocalNodeSpec {
  readonly name: string;
  readonly roles: string[];
}

export class LocalNode {
  public readonly httpPort: number;
  public readonly transportPort: number;
  public readonly dir: string;
  public child?: ChildProcess;
  private readonly logFile: string;

  constructor(
    private readonly cluster: LocalCluster,
    public readonly spec: LocalNodeSpec,
    ports: { http: number; transport: number },
  ) {
    this.httpPort = ports.http;
    this.transportPort = ports.transport;
    this.dir = path.join(cluster.dir, spec.name);
    this.logFile = path.join(this.dir, 'elasticsearch.out');
    for (const sub of ['data', 'logs', 'tmp'])
      fs.mkdirSync(path.join(this.dir, sub), { recursive: true });
  }

  public get url(): string {
    return `https://${LOOPBACK}:${this.httpPort}`;
  }

  /** The data path (`path.data`), which outlives a stop. */
  public get dataPath(): string {
    return path.join(this.dir, 'data');
  }

  /** `bin/elasticsearch` of the distribution the nodes run. */
  public get elasticsearchBin(): string {
    return path.join(this.cluster.home, 'bin', 'elasticsearch');
  }

  /**
   * Writes the config (the base, then `lines`) and starts the node; does not wait. With
   * `wrapper`, bash runs that script instead (a pod's start wrapper, which execs
   * {@link elasticsearchBin}), with the node's environment, as the node's user.
   */
  public start(lines: string[] = [], options: { wrapper?: string } = {}): void {
    const conf = path.join(this.dir, 'config');
    const home = this.cluster.home;
    if (!fs.existsSync(conf)) {
      fs.cpSync(path.join(this.cluster.distribution, 'config'), conf, { recursive: true });
      for (const file of ['ca.crt', 'node.crt', 'node.key'])
        fs.copyFileSync(path.join(this.cluster.dir, 'certs', file), path.join(conf, file));
      if (this.cluster.runAs.uid !== undefined) chownTree(this.dir, RUN_AS.uid, RUN_AS.gid);
      const keystore = path.join(home, 'bin', 'elasticsearch-keystore');
      for (const [args, input] of [
        [['create'], ''],
        [['add', '-x', 'bootstrap.password'], this.cluster.elasticPassword],
      ] as const) {
        const r = spawnSync(keystore, [...args], {
          env: this.env(),
          input,
          encoding: 'utf8',
          ...this.cluster.runAs,
        });
        if (r.status !== 0)
          throw new Error(`elasticsearch-keystore ${args.join(' ')}: ${r.stdout}${r.stderr}`);
      }
    }
    fs.writeFileSync(
      path.join(conf, 'elasticsearch.yml'),
      [...this.baseConfig(), ...lines, ''].join('\n'),
    );
    if (this.cluster.runAs.uid !== undefined) chownTree(this.dir, RUN_AS.uid, RUN_AS.gid);
    const log = fs.openSync(this.logFile, 'a');
    const [command, args] = options.wrapper
      ? ['bash', ['-c', options.wrapper]]
      : [this.elasticsearchBin, []];
    this.child = spawn(command, args, {
      env: this.env(),
      stdio: ['ignore', log, log],
      ...this.cluster.runAs,
    });
    fs.closeSync(log);
  }

  /** SIGTERM, as the kubelet sends after the preStop hook; resolves when the node has exited. */
  public async stop(): Promise<void> {
    if (this.child) await terminate(this.child);
    this.child = undefined;
  }

  /** Waits until the node answers `_cluster/health` from its own cluster state. */
  public async waitUp(): Promise<void> {
    await waitUntil(
      `${this.spec.name} to answer`,
      async () => {
        if (this.child?.exitCode !== null && this.child?.exitCode !== undefined)
          throw new Error(`${this.spec.name} exited with ${this.child.exitCode}\n${this.logs()}`);
        const res = await this.cluster.request(
          this,
          'GET',
          '/_cluster/health?local=true',
          undefined,
          {
            timeoutMs: 3000,
          },
        );
        return res.status === 200 ? true : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1000 },
    );
  }

  /** The whole output of the node (and of its wrapper) since its directory was made. */
  public output(): string {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
  }

  public logs(lines = 30): string {
    const text = fs.existsSync(this.logFile)
      ? fs.readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
      : '';
    return `--- ${this.spec.name} (${this.logFile})\n${text}`;
  }

  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ES_PATH_CONF: path.join(this.dir, 'config'),
      ES_JAVA_HOME: javaHome(),
      ES_TMPDIR: path.join(this.dir, 'tmp'),
      ES_JAVA_OPTS: '-Xms512m -Xmx512m',
      HOME: path.join(this.dir, 'tmp'),
    };
  }

  private baseConfig(): string[] {
    const seeds = this.cluster.nodes.map((n) => `${LOOPBACK}:${n.transportPort}`);
    return [
      'cluster.name: disruption-test',
      `node.name: ${this.spec.name}`,
      `node.roles: [${this.spec.roles.join(', ')}]`,
      `path.data: ${this.dataPath}`,
      `path.logs: ${path.join(this.dir, 'logs')}`,
      `network.host: ${LOOPBACK}`,
      `http.port: ${this.httpPort}`,
      `transport.port: ${this.transportPort}`,
      `discovery.seed_hosts: [${seeds.map((s) => `"${s}"`).join(', ')}]`,
      // Several nodes share one machine's disk: the watermarks would follow its fill level.
      'cluster.routing.allocation.disk.threshold_enabled: false',
      ...SECURITY_SETTINGS,
    ];
  }
}

export class LocalCluster {
  /** Makes the nodes (directories, ports, keystores on first start); starts none. */
  public static async create(specs: LocalNodeSpec[]): Promise<LocalCluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-cluster-'));
    fs.chmodSync(dir, 0o755);
    const cluster = new LocalCluster(dir);
    for (const spec of specs) {
      cluster.nodes.push(
        new LocalNode(cluster, spec, { http: await freePort(), transport: await freePort() }),
      );
    }
    return cluster;
  }

  public readonly nodes: LocalNode[] = [];
  public readonly elasticPassword = randomPassword();
  public readonly certificates: TestCertificates;
  /** The installed distribution, where `nobody` can read it when run as root. */
  public readonly distribution: string;
  /** The nodes' home: the distribution with the security-analysis plugin ({@link nodeHome}). */
  public readonly home: string;
  public readonly runAs: { uid?: number; gid?: number };

  private constructor(public readonly dir: string) {
    const certDir = path.join(dir, 'certs');
    fs.mkdirSync(certDir);
    this.certificates = makeCertificates(certDir);
    const asRoot = process.getuid?.() === 0;
    this.distribution = asRoot ? homeReadableBy(RUN_AS.uid, RUN_AS.gid) : elasticsearchHome();
    this.home = nodeHome(dir, this.distribution);
    this.runAs = asRoot ? RUN_AS : {};
  }

  public node(name: string): LocalNode {
    const node = this.nodes.find((n) => n.spec.name === name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  }

  /** One request as `elastic` to a node, JSON in and out. */
  public request(
    node: LocalNode,
    method: string,
    apiPath: string,
    body?: unknown,
    opts: { timeoutMs?: number; ndjson?: boolean } = {},
  ): Promise<EsResponse> {
    return httpsJsonRequest(new URL(apiPath, node.url), {
      method,
      body,
      caFile: this.certificates.caFile,
      auth: `elastic:${this.elasticPassword}`,
      ...opts,
    });
  }

  /** Like request(), but fails unless the answer is 2xx. */
  public async ok(
    node: LocalNode,
    method: string,
    apiPath: string,
    body?: unknown,
    opts: { ndjson?: boolean } = {},
  ): Promise<any> {
    const res = await this.request(node, method, apiPath, body, opts);
    if (res.status < 200 || res.status > 299)
      throw new Error(
        `${method} ${apiPath} on ${node.spec.name} answered ${res.status}: ${res.text}`,
      );
    return res.body;
  }

  public logs(): string {
    return this.nodes.map((n) => n.logs()).join('\n');
  }

  public async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One `PUT _nodes/<id>/shutdown` the stand-in received, and how often its status was asked. */
export interface ShutdownRecord {
  readonly nodeId: string;
  readonly body: any;
  statusCalls: number;
}

/**
 * A plain-HTTP front for one node that answers the node shutdown API itself and forwards
 * every other request to the node unchanged. The distribution that runs here (Maven
 * Central's integration-test build) leaves out the x-pack-shutdown module, so
 * `_nodes/<id>/shutdown` does not exist on it. The stand-in keeps the records in memory,
 * answers GET with the documented shape (`{"nodes":[{"node_id", "type", "status", ...}]}`),
 * IN_PROGRESS for the first `inProgressPolls` polls after a PUT and COMPLETE after, and
 * DELETE with 200, or 404 when there is no record, as Elasticsearch does.
 */
export class ShutdownApiStandIn {
  public static async start(
    cluster: LocalCluster,
    node: LocalNode,
    inProgressPolls: number,
  ): Promise<ShutdownApiStandIn> {
    const standIn = new ShutdownApiStandIn(cluster, node, inProgressPolls);
    await new Promise<void>((resolve) => standIn.server.listen(0, LOOPBACK, resolve));
    return standIn;
  }

  public readonly records = new Map<string, ShutdownRecord>();
  public readonly deleted: string[] = [];
  private readonly server: http.Server;

  private constructor(
    private readonly cluster: LocalCluster,
    private readonly node: LocalNode,
    private readonly inProgressPolls: number,
  ) {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => this.answer(req, body, res));
    });
  }

  public get url(): string {
    return `http://${LOOPBACK}:${(this.server.address() as net.AddressInfo).port}`;
  }

  public close(): Promise<void> {
    this.server.closeAllConnections?.();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    const match = /^\/_nodes\/([^/?]+)\/shutdown(\?.*)?$/.exec(req.url ?? '');
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (match) {
      const id = match[1];
      const record = this.records.get(id);
      if (req.method === 'PUT') {
        this.records.set(id, { nodeId: id, body: JSON.parse(body), statusCalls: 0 });
        return json(200, { acknowledged: true });
      }
      if (req.method === 'DELETE') {
        if (!record)
          return json(404, { error: `node [${id}] is not currently shutting down`, status: 404 });
        this.records.delete(id);
        this.deleted.push(id);
        return json(200, { acknowledged: true });
      }
      if (!record) return json(200, { nodes: [] });
      record.statusCalls++;
      const status = record.statusCalls > this.inProgressPolls ? 'COMPLETE' : 'IN_PROGRESS';
      return json(200, { nodes: [{ node_id: id, type: 'RESTART', status }] });
    }
    const upstream = https.request(
      new URL(req.url ?? '/', this.node.url),
      {
        method: req.method,
        headers: { ...req.headers, host: `${LOOPBACK}:${this.node.httpPort}` },
        ca: fs.readFileSync(this.cluster.certificates.caFile),
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    upstream.end(body);
  }
}

/**
 * A Kubernetes client Service on loopback, at the TCP level: connections go to the nodes the
 * test has marked ready (its endpoints), round robin; with none, a connection is closed at once,
 * as a Service without endpoints refuses it. TLS passes through to the node.
 */
export class ClientServiceStandIn {
  public static async start(): Promise<ClientServiceStandIn> {
    const service = new ClientServiceStandIn();
    await new Promise<void>((resolve) => service.server.listen(0, LOOPBACK, resolve));
    return service;
  }

  public readonly endpoints: LocalNode[] = [];
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private next = 0;

  private constructor() {
    this.server = net.createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => client.destroy());
      if (this.endpoints.length === 0) {
        client.destroy();
        return;
      }
      const node = this.endpoints[this.next++ % this.endpoints.length];
      const upstream = net.connect(node.httpPort, LOOPBACK);
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
  }

  /** `https://127.0.0.1:<port>/`, which the nodes' certificate covers. */
  public get url(): string {
    return `https://${LOOPBACK}:${(this.server.address() as net.AddressInfo).port}/`;
  }

  public close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
