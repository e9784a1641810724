import { ChildProcess, spawn, spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { bootOrStop, freePort, terminate, waitUntil } from './alert-harness';

/**
 * A real, secured Elasticsearch on loopback for the logs-pipeline tier: the distribution that
 * scripts/install-tools.sh unpacks into `.cache/tools/elasticsearch` (the 8.19 line), with
 * security on, TLS on HTTP and transport under a CA made for this run, and passwords that
 * exist only in memory and in files of mode 0600. As root it runs as `nobody`, since
 * Elasticsearch refuses to run as root.
 *
 * The one thing between the clients and the cluster is a TLS pass-through proxy
 * ({@link ElasticsearchServer.url}) that answers `GET /` and `HEAD /`, which this
 * distribution does not serve (its rest-root module is left out): Filebeat calls the first to
 * learn the version before it sends anything, Jaeger's client the second to check the node. The proxy authenticates that request against the cluster
 * (`_security/_authenticate` with the caller's credentials) and forwards every other request
 * unchanged, bodies and status codes included.
 *
 * Every node runs from a home of its own ({@link nodeHome}) whose plugins directory holds the
 * security-analysis plugin, the analysis components of the `.security` index's mapping that
 * this distribution lacks (it leaves out analysis-common, which production images have): with
 * it the native realm works (`PUT _security/role/<name>`, `PUT _security/user/<name>`) next
 * to the file realm.
 */

const LOOPBACK = '127.0.0.1';
const RUN_AS = { uid: 65534, gid: 65534 };

/** The installed distribution, found upwards from here or from the working directory. */
export function elasticsearchHome(): string {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const home = path.join(dir, '.cache', 'tools', 'elasticsearch');
      if (fs.existsSync(path.join(home, 'bin', 'elasticsearch'))) return home;
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error(
    'Elasticsearch is not installed in .cache/tools/elasticsearch: run bash scripts/install-tools.sh',
  );
}

/** The version of the installed distribution, from its stamp (`elasticsearch 8.19.21`). */
export function elasticsearchVersion(): string {
  const stamp = path.join(path.dirname(elasticsearchHome()), 'elasticsearch.stamp');
  return fs.readFileSync(stamp, 'utf8').trim().split(' ')[1];
}

/** A CA and a certificate for 127.0.0.1 and localhost signed by it (openssl, RSA 2048). */
export interface TestCertificates {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export function makeCertificates(dir: string): TestCertificates {
  const openssl = (...args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
  };
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=logs-pipeline test CA',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'node.key',
    '-out',
    'node.csr',
    '-subj',
    '/CN=localhost',
  );
  fs.writeFileSync(
    path.join(dir, 'node.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    'node.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'node.crt',
    '-days',
    '2',
    '-extfile',
    'node.ext',
  );
  return {
    caFile: path.join(dir, 'ca.crt'),
    certFile: path.join(dir, 'node.crt'),
    keyFile: path.join(dir, 'node.key'),
  };
}

/** A fresh password: 24 random URL-safe characters, never written anywhere but a 0600 file. */
export function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}

/** Writes `value` to `file` with mode 0600 (and no trailing newline); returns the path. */
export function writeSecretFile(file: string, value: string): string {
  fs.writeFileSync(file, value, { mode: 0o600 });
  return file;
}

export interface EsResponse {
  readonly status: number;
  readonly body: any;
  readonly text: string;
}

/** The privileges of a role (`roles.yml`). */
export interface TestRole {
  readonly cluster?: string[];
  readonly indices?: { names: string[]; privileges: string[] }[];
}

export interface TestUser {
  readonly username: string;
  readonly password: string;
  readonly usernameFile: string;
  readonly passwordFile: string;
}

export interface ElasticsearchServerOptions {
  /** `-Xms`/`-Xmx`. @default '512m' */
  readonly heap?: string;
  /**
   * Users of the file realm, each with a role of its own (`<name>_role`, in `roles.yml`)
   * holding these privileges, there before the node starts. Native users and roles can be
   * made through the security API once it runs.
   * @default - none
   */
  readonly users?: Record<string, TestRole>;
  /** More `elasticsearch.yml` settings, such as `path.repo`. @default - none */
  readonly settings?: Record<string, string | string[]>;
}

/**
 * Security on, TLS on HTTP and transport with the node certificate of {@link makeCertificates}
 * (copied into the config directory); transport verifies the chain only, as in the stack.
 */
export const SECURITY_SETTINGS: readonly string[] = [
  'xpack.security.enabled: true',
  'xpack.security.http.ssl.enabled: true',
  'xpack.security.http.ssl.key: node.key',
  'xpack.security.http.ssl.certificate: node.crt',
  'xpack.security.http.ssl.certificate_authorities: [ca.crt]',
  'xpack.security.transport.ssl.enabled: true',
  'xpack.security.transport.ssl.key: node.key',
  'xpack.security.transport.ssl.certificate: node.crt',
  'xpack.security.transport.ssl.certificate_authorities: [ca.crt]',
  'xpack.security.transport.ssl.verification_mode: certificate',
];

/** What {@link httpsJsonRequest} sends. */
export interface JsonRequestOptions {
  readonly method: string;
  /** A string is sent as it is, anything else as JSON. @default - no body */
  readonly body?: unknown;
  /** The CA the server's certificate is verified against. */
  readonly caFile: string;
  /** `user:password` for basic authentication. */
  readonly auth: string;
  /** @default 30000 */
  readonly timeoutMs?: number;
  /** The body is NDJSON (a bulk request). @default false */
  readonly ndjson?: boolean;
}

/**
 * One HTTPS request to an Elasticsearch node, JSON in and out: the status, the parsed body
 * (undefined when it is not JSON) and its text. The way the tools tier talks to its nodes.
 */
export function httpsJsonRequest(url: URL, options: JsonRequestOptions): Promise<EsResponse> {
  const { method, body } = options;
  const payload =
    body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const contentType = options.ndjson ? 'application/x-ndjson' : 'application/json';
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        ca: fs.readFileSync(options.caFile),
        auth: options.auth,
        headers: payload === undefined ? {} : { 'Content-Type': contentType },
        timeout: options.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks as unknown as Uint8Array[]).toString('utf8');
          let parsed: any;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export class ElasticsearchServer {
  /**
   * Starts one node and waits until it answers `_cluster/health` as `elastic`. Always call
   * `stop()` (in afterAll / finally).
   */
  public static async start(
    options: ElasticsearchServerOptions = {},
  ): Promise<ElasticsearchServer> {
    const server = new ElasticsearchServer(
      fs.mkdtempSync(path.join(os.tmpdir(), 'elasticsearch-')),
    );
    return bootOrStop(server, () => server.boot(options));
  }

  /** The proxy's URL, which every client uses. */
  public url = '';
  /** The node's own URL (no `GET /`). */
  public nodeUrl = '';
  public readonly certificates: TestCertificates;
  /** The `elastic` superuser's password; files hold it for the clients that read files. */
  public readonly elasticPassword = randomPassword();
  public readonly elasticPasswordFile: string;
  public readonly version = elasticsearchVersion();
  private readonly users = new Map<string, TestUser>();
  private child?: ChildProcess;
  private proxy?: https.Server;
  private proxyAgent?: https.Agent;
  private readonly logFile: string;

  private constructor(public readonly dir: string) {
    fs.chmodSync(dir, 0o755);
    const certDir = path.join(dir, 'certs');
    fs.mkdirSync(certDir);
    this.certificates = makeCertificates(certDir);
    const secrets = path.join(dir, 'secrets');
    fs.mkdirSync(secrets, { mode: 0o700 });
    this.elasticPasswordFile = writeSecretFile(
      path.join(secrets, 'elastic-password'),
      this.elasticPassword,
    );
    this.logFile = path.join(dir, 'elasticsearch.out');
  }

  private async boot(options: ElasticsearchServerOptions): Promise<void> {
    const asRoot = process.getuid?.() === 0;
    const distribution = asRoot ? homeReadableBy(RUN_AS.uid, RUN_AS.gid) : elasticsearchHome();
    const home = nodeHome(this.dir, distribution);
    const conf = path.join(this.dir, 'config');
    fs.cpSync(path.join(distribution, 'config'), conf, { recursive: true });
    for (const file of ['ca.crt', 'node.crt', 'node.key'])
      fs.copyFileSync(path.join(this.dir, 'certs', file), path.join(conf, file));
    const httpPort = await freePort();
    const transportPort = await freePort();
    fs.writeFileSync(
      path.join(conf, 'elasticsearch.yml'),
      [
        'cluster.name: logs-pipeline-test',
        'node.name: node-1',
        `path.data: ${path.join(this.dir, 'data')}`,
        `path.logs: ${path.join(this.dir, 'logs')}`,
        `network.host: ${LOOPBACK}`,
        `http.port: ${httpPort}`,
        `transport.port: ${transportPort}`,
        'discovery.type: single-node',
        ...SECURITY_SETTINGS,
        ...Object.entries(options.settings ?? {}).map(([k, v]) => `${k}: ${JSON.stringify(v)}`),
        '',
      ].join('\n'),
    );
    for (const sub of ['data', 'logs', 'tmp']) fs.mkdirSync(path.join(this.dir, sub));
    if (asRoot) {
      for (const sub of ['config', 'data', 'logs', 'tmp'])
        chownTree(path.join(this.dir, sub), RUN_AS.uid, RUN_AS.gid);
    }
    const env = {
      ...process.env,
      ES_PATH_CONF: conf,
      ES_JAVA_HOME: javaHome(),
      ES_TMPDIR: path.join(this.dir, 'tmp'),
      ES_JAVA_OPTS: `-Xms${options.heap ?? '512m'} -Xmx${options.heap ?? '512m'}`,
      HOME: path.join(this.dir, 'tmp'),
    };
    const runAs = asRoot ? { uid: RUN_AS.uid, gid: RUN_AS.gid } : {};
    // The bootstrap password becomes the `elastic` user's password at the first start.
    const keystore = path.join(home, 'bin', 'elasticsearch-keystore');
    for (const [args, input] of [
      [['create'], ''],
      [['add', '-x', 'bootstrap.password'], this.elasticPassword],
    ] as const) {
      const r = spawnSync(keystore, [...args], { env, input, encoding: 'utf8', ...runAs });
      if (r.status !== 0)
        throw new Error(`elasticsearch-keystore ${args.join(' ')} failed: ${r.stdout}${r.stderr}`);
    }
    const roles: Record<string, unknown> = {};
    for (const [name, role] of Object.entries(options.users ?? {})) {
      roles[`${name}_role`] = { cluster: role.cluster ?? [], indices: role.indices ?? [] };
    }
    fs.writeFileSync(path.join(conf, 'roles.yml'), JSON.stringify(roles));
    if (asRoot) fs.chownSync(path.join(conf, 'roles.yml'), RUN_AS.uid, RUN_AS.gid);
    const usersTool = path.join(home, 'bin', 'elasticsearch-users');
    for (const name of Object.keys(options.users ?? {})) {
      const password = randomPassword();
      const r = spawnSync(usersTool, ['useradd', name, '-p', password, '-r', `${name}_role`], {
        env,
        encoding: 'utf8',
        ...runAs,
      });
      if (r.status !== 0)
        throw new Error(`elasticsearch-users useradd ${name} failed: ${r.stdout}${r.stderr}`);
      const secrets = path.join(this.dir, 'secrets');
      this.users.set(name, {
        username: name,
        password,
        passwordFile: writeSecretFile(path.join(secrets, `${name}-password`), password),
        usernameFile: writeSecretFile(path.join(secrets, `${name}-username`), name),
      });
    }
    const log = fs.openSync(this.logFile, 'a');
    this.child = spawn(path.join(home, 'bin', 'elasticsearch'), [], {
      env,
      stdio: ['ignore', log, log],
      ...runAs,
    });
    fs.closeSync(log);
    this.nodeUrl = `https://${LOOPBACK}:${httpPort}`;
    await waitUntil(
      'Elasticsearch to answer _cluster/health',
      async () => {
        if (this.child?.exitCode !== null)
          throw new Error(`elasticsearch exited with ${this.child?.exitCode}`);
        const res = await this.request('GET', '/_cluster/health', undefined, {
          base: this.nodeUrl,
          timeoutMs: 3000,
        });
        return res.status === 200 ? true : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1000 },
    );
    await this.startProxy();
  }

  /** One request as `elastic` (or `auth`), JSON in and out. */
  public request(
    method: string,
    apiPath: string,
    body?: unknown,
    opts: { base?: string; auth?: string; timeoutMs?: number; ndjson?: boolean } = {},
  ): Promise<EsResponse> {
    return httpsJsonRequest(new URL(apiPath, opts.base ?? (this.url || this.nodeUrl)), {
      method,
      body,
      caFile: this.certificates.caFile,
      auth: opts.auth ?? `elastic:${this.elasticPassword}`,
      timeoutMs: opts.timeoutMs,
      ndjson: opts.ndjson,
    });
  }

  /** Like request(), but fails unless the answer is 2xx. */
  public async ok(
    method: string,
    apiPath: string,
    body?: unknown,
    opts: { ndjson?: boolean } = {},
  ): Promise<any> {
    const res = await this.request(method, apiPath, body, opts);
    if (res.status < 200 || res.status > 299)
      throw new Error(`${method} ${apiPath} answered ${res.status}: ${res.text.slice(0, 2000)}`);
    return res.body;
  }

  /** A user of the file realm made at start (`users` option), by name. */
  public user(name: string): TestUser {
    const user = this.users.get(name);
    if (!user) throw new Error(`no user ${name}: pass it in the users option of start()`);
    return user;
  }

  /** Every document of the indices matching `index` (at most `size`), after a refresh. */
  public async documents(
    index: string,
    size = 1000,
  ): Promise<{ _index: string; _id: string; _source: any; _ignored?: string[] }[]> {
    await this.ok('POST', `/${index}/_refresh?expand_wildcards=all`);
    const res = await this.ok('POST', `/${index}/_search?expand_wildcards=all`, {
      size,
      query: { match_all: {} },
      sort: ['_doc'],
    });
    return res.hits.hits;
  }

  /** The last lines of the node's console output, for error messages. */
  public logs(lines = 40): string {
    const text = fs.existsSync(this.logFile)
      ? fs.readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
      : '';
    return `--- elasticsearch (${this.logFile})\n${text}`;
  }

  public async stop(): Promise<void> {
    this.proxyAgent?.destroy();
    if (this.proxy) {
      this.proxy.closeAllConnections?.();
      await new Promise<void>((resolve) => this.proxy!.close(() => resolve()));
    }
    if (this.child) await terminate(this.child);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async startProxy(): Promise<void> {
    const target = new URL(this.nodeUrl);
    // Kept-alive connections to the node, Nagle off on both sides: a request with a body
    // (every bulk and search) would otherwise wait ~40 ms for the peer's delayed ACK.
    const agent = new https.Agent({
      keepAlive: true,
      ca: fs.readFileSync(this.certificates.caFile),
    });
    this.proxy = https.createServer(
      {
        key: fs.readFileSync(this.certificates.keyFile),
        cert: fs.readFileSync(this.certificates.certFile),
      },
      (req, res) => {
        req.socket.setNoDelay(true);
        // `HEAD /` too: Jaeger's client checks every node that way at start.
        if (
          (req.method === 'GET' || req.method === 'HEAD') &&
          (req.url === '/' || req.url?.startsWith('/?'))
        ) {
          void this.answerRoot(req, res);
          return;
        }
        const upstream = https.request(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: target.host },
            agent,
          },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        upstream.on('socket', (socket) => socket.setNoDelay(true));
        upstream.on('error', (e) => {
          res.writeHead(502);
          res.end(String(e));
        });
        req.pipe(upstream);
      },
    );
    this.proxyAgent = agent;
    await new Promise<void>((resolve, reject) => {
      this.proxy!.once('error', reject);
      this.proxy!.listen(0, LOOPBACK, () => resolve());
    });
    this.url = `https://${LOOPBACK}:${(this.proxy.address() as net.AddressInfo).port}`;
  }

  /** `GET /` as the cluster would answer it, for an authenticated caller only. */
  private async answerRoot(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const authorization = req.headers.authorization;
    const check = await new Promise<number>((resolve) => {
      const r = https.request(
        new URL('/_security/_authenticate', this.nodeUrl),
        {
          method: 'GET',
          ca: fs.readFileSync(this.certificates.caFile),
          headers: authorization ? { authorization } : {},
        },
        (up) => {
          up.resume();
          resolve(up.statusCode ?? 0);
        },
      );
      r.on('error', () => resolve(0));
      r.end();
    });
    if (check !== 200) {
      res.writeHead(check === 0 ? 502 : check, { 'content-type': 'application/json' });
      res.end(
        req.method === 'HEAD'
          ? undefined
          : JSON.stringify({ error: 'authentication failed', status: check }),
      );
      return;
    }
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end();
      return;
    }
    const health = await this.request('GET', '/_cluster/health', undefined, { base: this.nodeUrl });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        name: 'node-1',
        cluster_name: health.body?.cluster_name,
        version: {
          number: this.version,
          build_flavor: 'default',
          minimum_wire_compatibility_version: '7.17.0',
          minimum_index_compatibility_version: '7.0.0',
        },
        tagline: 'You Know, for Search',
      }),
    );
  }
}

/**
 * The security-analysis plugin (jar and descriptor) that scripts/build-security-analysis-plugin.sh
 * builds into `.cache/tools/security-analysis-plugin` next to the distribution.
 */
export function securityAnalysisPlugin(): string {
  const dir = path.join(path.dirname(elasticsearchHome()), 'security-analysis-plugin');
  for (const file of SECURITY_ANALYSIS_PLUGIN_FILES) {
    if (!fs.existsSync(path.join(dir, file)))
      throw new Error(
        `The security-analysis plugin is not built (no ${path.join(dir, file)}): run bash scripts/install-tools.sh`,
      );
  }
  return dir;
}

const SECURITY_ANALYSIS_PLUGIN_FILES = ['security-analysis.jar', 'plugin-descriptor.properties'];

/**
 * A home for the nodes of one run under `dir`: every entry of `distribution` linked except
 * `config` (each node has its own, ES_PATH_CONF) and `plugins`, a directory of its own that
 * holds the security-analysis plugin. Elasticsearch loads plugins only from
 * `<home>/plugins` (no setting or variable moves it) and takes its home from where
 * `bin/elasticsearch` is, so the nodes start from here and the shared distribution stays as
 * installed. The plugin stands in for the part of analysis-common, which this distribution
 * leaves out, that the `.security` index's mapping needs; without it native users and roles
 * cannot be stored.
 */
export function nodeHome(dir: string, distribution: string): string {
  const home = path.join(dir, 'home');
  fs.mkdirSync(home, { mode: 0o755 });
  for (const entry of fs.readdirSync(distribution)) {
    if (entry !== 'config' && entry !== 'plugins')
      fs.symlinkSync(path.join(distribution, entry), path.join(home, entry));
  }
  const plugin = path.join(home, 'plugins', 'security-analysis');
  fs.mkdirSync(plugin, { recursive: true, mode: 0o755 });
  const built = securityAnalysisPlugin();
  for (const file of SECURITY_ANALYSIS_PLUGIN_FILES) {
    fs.copyFileSync(path.join(built, file), path.join(plugin, file));
    fs.chmodSync(path.join(plugin, file), 0o644);
  }
  return home;
}

let readableCopy: string | undefined;

/**
 * The distribution, where `nobody` can read it: in place when it can (the repository is
 * under a readable path), else a copy in the temp directory, made once per process (a CI
 * checkout may sit under a directory only root can enter).
 */
export function homeReadableBy(uid: number, gid: number): string {
  const home = elasticsearchHome();
  const check = spawnSync(
    'test',
    ['-r', path.join(home, 'lib', `elasticsearch-${elasticsearchVersion()}.jar`)],
    { uid, gid },
  );
  if (check.status === 0) return home;
  if (!readableCopy) {
    readableCopy = fs.mkdtempSync(path.join(os.tmpdir(), 'elasticsearch-home-'));
    fs.chmodSync(readableCopy, 0o755);
    fs.cpSync(home, path.join(readableCopy, 'home'), { recursive: true });
    process.once('exit', () => fs.rmSync(readableCopy!, { recursive: true, force: true }));
  }
  return path.join(readableCopy, 'home');
}

export function chownTree(dir: string, uid: number, gid: number): void {
  fs.chownSync(dir, uid, gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(p, uid, gid);
    else fs.chownSync(p, uid, gid);
  }
}

/** JAVA_HOME, or the JDK of the `java` on PATH. */
export function javaHome(): string {
  if (process.env.JAVA_HOME && fs.existsSync(path.join(process.env.JAVA_HOME, 'bin', 'java')))
    return process.env.JAVA_HOME;
  const r = spawnSync('sh', ['-c', 'readlink -f "$(command -v java)"'], { encoding: 'utf8' });
  const java = r.stdout.trim();
  if (!java)
    throw new Error('Java 17 is needed to run Elasticsearch: no java on PATH and no JAVA_HOME');
  return path.dirname(path.dirname(java));
}
