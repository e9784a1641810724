/**
 * Tier 4: the UIs' sign-in proxies (README, Security posture: "How a team gets access") run
 * by the real oauth2-proxy (.cache/tools/bin/oauth2-proxy, built by scripts/install-tools.sh
 * from the Go module of the image's version) with the arguments of staging's Deployments.
 * Only addresses change: the listen addresses, the issuer (a test OIDC provider on loopback,
 * test/tools/support/oidc-provider.ts), the upstream (a stand-in UI that records what reaches
 * it), the redirect URL's origin, and the secret files' directory. Groups, cookies, scopes,
 * PKCE and every other flag are the generated ones.
 *
 * What it shows: nobody reaches a UI without signing in; after signing in, a user reaches
 * exactly the UIs their teams (stacks/teams.ts) may open; a session of one UI does not open
 * another; the UI learns who the user is.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { StackUi } from '../../lib';
import { find, podTemplateOf, synthEnvironment } from '../support/environments';
import {
  close,
  freePort,
  listen,
  processLogs,
  RunningProcess,
  spawnTool,
  terminate,
  waitUntil,
} from './support/alert-harness';
import { TestOidcProvider, TestUser } from './support/oidc-provider';
import { removeTempDirs, tempDir } from './support/tools';

const ENV = 'staging';
const UIS = [StackUi.KIBANA, StackUi.GRAFANA, StackUi.PROMETHEUS];

/** A stand-in UI: answers 200 and records the requests that reach it. */
class StandInUi {
  public readonly requests: http.IncomingHttpHeaders[] = [];
  private readonly server = http.createServer((req, res) => {
    this.requests.push(req.headers);
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`${this.name} UI`);
  });
  public port = 0;
  constructor(public readonly name: string) {}
  public async start(): Promise<void> {
    this.port = await listen(this.server);
  }
  public stop(): Promise<void> {
    return close(this.server);
  }
}

interface RunningProxy {
  readonly ui: StackUi;
  readonly url: string;
  readonly metricsUrl: string;
  readonly cookieName: string;
  readonly upstream: StandInUi;
  readonly process: RunningProcess;
}

const { objects } = synthEnvironment(ENV);
const secretsDir = tempDir('auth-proxy-');
const clientSecret = randomBytes(24).toString('hex');
let clientId = '';
let provider: TestOidcProvider;
const proxies = new Map<StackUi, RunningProxy>();

/** The proxy container of a UI, as staging renders it. */
function proxyContainer(ui: StackUi): { args: string[]; secretsMount: string } {
  const deployment = find(objects, 'Deployment', `${ui}-auth`);
  if (!deployment) throw new Error(`${ENV} has no Deployment ${ui}-auth`);
  const container = podTemplateOf(deployment).spec.containers[0];
  const mount = container.volumeMounts.find((m: any) => m.name === 'oidc-secrets');
  return { args: container.args, secretsMount: mount.mountPath };
}

/** Replaces the value of `--flag=` in args; fails if the flag is not there. */
function withFlag(args: string[], flag: string, value: (old: string) => string): string[] {
  const i = args.findIndex((a) => a.startsWith(`--${flag}=`));
  if (i < 0) throw new Error(`no --${flag}= in ${args.join(' ')}`);
  const copy = [...args];
  copy[i] = `--${flag}=${value(args[i].slice(flag.length + 3))}`;
  return copy;
}

async function startProxy(ui: StackUi): Promise<RunningProxy> {
  const { args, secretsMount } = proxyContainer(ui);
  const upstream = new StandInUi(ui);
  await upstream.start();
  const [port, metricsPort] = [await freePort(), await freePort()];
  const origin = `http://127.0.0.1:${port}`;
  let local = withFlag(args, 'http-address', () => `127.0.0.1:${port}`);
  local = withFlag(local, 'metrics-address', () => `127.0.0.1:${metricsPort}`);
  local = withFlag(local, 'oidc-issuer-url', () => provider.issuer);
  local = withFlag(local, 'upstream', () => `http://127.0.0.1:${upstream.port}/`);
  local = withFlag(local, 'redirect-url', (old) => `${origin}${new URL(old).pathname}`);
  local = local.map((a) => a.replace(`=${secretsMount}/`, `=${secretsDir}/`));
  const dir = tempDir(`auth-proxy-${ui}-`);
  const proc = spawnTool('oauth2-proxy', local, dir);
  await waitUntil(
    `oauth2-proxy (${ui}) /ping`,
    async () => {
      if (proc.child.exitCode !== null)
        throw new Error(`oauth2-proxy exited with ${proc.child.exitCode}\n${processLogs([proc])}`);
      const res = await fetch(`${origin}/ping`, { signal: AbortSignal.timeout(2000) });
      return res.ok ? true : undefined;
    },
    { timeoutMs: 30_000 },
  );
  const cookieName = args
    .find((a) => a.startsWith('--cookie-name='))!
    .slice('--cookie-name='.length);
  return {
    ui,
    url: origin,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    cookieName,
    upstream,
    process: proc,
  };
}

interface BrowserResult {
  readonly status: number;
  readonly body: string;
  /** Cookies the proxy set, by name. */
  readonly cookies: Map<string, string>;
  /** Every URL visited, for messages. */
  readonly trail: string[];
}

/**
 * What a browser does: GET `url`, follow redirects (to the provider and back), keep the
 * proxy's cookies. `user` is who the provider signs in.
 */
async function browse(
  url: string,
  user: TestUser | undefined,
  cookies = new Map<string, string>(),
  headers: Record<string, string> = {},
): Promise<BrowserResult> {
  provider.user = user;
  const trail: string[] = [];
  let next = url;
  for (let hop = 0; hop < 10; hop++) {
    trail.push(next);
    const target = new URL(next);
    const sendCookies = target.origin !== provider.issuer && cookies.size > 0;
    const res = await fetch(next, {
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        ...headers,
        ...(sendCookies ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
      },
      signal: AbortSignal.timeout(5000),
    });
    if (target.origin !== provider.issuer) {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair.indexOf('=');
        cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
    }
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      next = new URL(location, next).toString();
      continue;
    }
    return { status: res.status, body: await res.text(), cookies, trail };
  }
  throw new Error(`too many redirects: ${trail.join(' -> ')}`);
}

// The teams of stacks/teams.ts, as users of the provider.
const PLATFORM: TestUser = { email: 'ops@example.com', groups: ['platform-engineers'] };
const DEVELOPER: TestUser = { email: 'dev@example.com', groups: ['developers', 'everyone'] };
const ANALYST: TestUser = { email: 'analyst@example.com', groups: ['trading-analysts'] };
const OUTSIDER: TestUser = { email: 'visitor@example.com', groups: ['everyone'] };

beforeAll(async () => {
  const { args } = proxyContainer(StackUi.GRAFANA);
  clientId = args.find((a) => a.startsWith('--client-id='))!.slice('--client-id='.length);
  provider = new TestOidcProvider(clientId, clientSecret);
  await provider.start();
  // The files the Secret `ui-oidc` projects into the pod: client secret and a 32-byte cookie secret.
  fs.writeFileSync(path.join(secretsDir, 'client-secret'), clientSecret);
  fs.writeFileSync(path.join(secretsDir, 'cookie-secret'), randomBytes(16).toString('hex'));
  for (const ui of UIS) proxies.set(ui, await startProxy(ui));
}, 60_000);

afterAll(async () => {
  for (const p of proxies.values()) {
    await terminate(p.process.child);
    await p.upstream.stop();
  }
  await provider?.stop();
  removeTempDirs();
});

const proxy = (ui: StackUi): RunningProxy => proxies.get(ui)!;
const logs = (): string => processLogs([...proxies.values()].map((p) => p.process));

describe(`UI sign-in proxies of ${ENV} (real oauth2-proxy)`, () => {
  test.each(UIS)(
    '%s: a browser without a session is sent to the provider, and the UI sees nothing',
    async (ui) => {
      const before = proxy(ui).upstream.requests.length;
      const res = await fetch(`${proxy(ui).url}/`, {
        redirect: 'manual',
        headers: { accept: 'text/html' },
      });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location')!, proxy(ui).url);
      expect(`${location.origin}${location.pathname}`).toBe(`${provider.issuer}/authorize`);
      expect(location.searchParams.get('code_challenge_method')).toBe('S256');
      expect(location.searchParams.get('scope')).toBe('openid email profile groups');
      expect(proxy(ui).upstream.requests.length).toBe(before);
    },
  );

  test('an API client without a session gets 401; forged identity headers do not help', async () => {
    const p = proxy(StackUi.PROMETHEUS);
    const before = p.upstream.requests.length;
    const res = await fetch(`${p.url}/api/v1/query?query=up`, {
      headers: {
        accept: 'application/json',
        'x-forwarded-email': PLATFORM.email,
        'x-forwarded-user': PLATFORM.email,
        'x-forwarded-groups': 'platform-engineers',
      },
    });
    expect(res.status).toBe(401);
    expect(p.upstream.requests.length).toBe(before);
  });

  // Who may open what: stacks/teams.ts, as the README's access table states it.
  const USERS: Record<string, TestUser> = {
    platform: PLATFORM,
    developers: DEVELOPER,
    'trading-analysts': ANALYST,
    'no team': OUTSIDER,
  };
  const matrix: [string, StackUi, boolean][] = [
    ['platform', StackUi.KIBANA, true],
    ['platform', StackUi.GRAFANA, true],
    ['platform', StackUi.PROMETHEUS, true],
    ['developers', StackUi.KIBANA, true],
    ['developers', StackUi.GRAFANA, true],
    ['developers', StackUi.PROMETHEUS, false],
    ['trading-analysts', StackUi.KIBANA, true],
    ['trading-analysts', StackUi.GRAFANA, false],
    ['trading-analysts', StackUi.PROMETHEUS, false],
    ['no team', StackUi.KIBANA, false],
    ['no team', StackUi.GRAFANA, false],
  ];
  test.each(matrix)('a member of %s signs in to %s: allowed %s', async (team, ui, allowed) => {
    const user = USERS[team];
    const p = proxy(ui);
    const before = p.upstream.requests.length;
    const result = await browse(`${p.url}/app/home?x=1`, user);
    const detail = `${result.status} after ${result.trail.join(' -> ')}\n${result.body.slice(0, 300)}\n${logs()}`;
    if (allowed) {
      expect([result.status, result.body, detail]).toEqual([200, `${ui} UI`, detail]);
      const seen = p.upstream.requests[p.upstream.requests.length - 1];
      expect(seen['x-forwarded-email']).toBe(user.email);
      // Back where the user started, path and query kept.
      expect(result.trail[result.trail.length - 1]).toBe(`${p.url}/app/home?x=1`);
    } else {
      expect([result.status, detail]).toEqual([403, detail]);
      expect(p.upstream.requests.length).toBe(before);
    }
  });

  test("a session of one UI does not open another, even under the other's cookie name", async () => {
    const grafana = proxy(StackUi.GRAFANA);
    const prometheus = proxy(StackUi.PROMETHEUS);
    const signedIn = await browse(`${grafana.url}/`, DEVELOPER);
    expect(signedIn.status).toBe(200);
    const session = signedIn.cookies.get(grafana.cookieName);
    expect(session).toBeDefined();
    // The session is good where it was issued...
    const own = await fetch(`${grafana.url}/`, {
      headers: { accept: 'application/json', cookie: `${grafana.cookieName}=${session}` },
    });
    expect(own.status).toBe(200);
    // ...and nowhere else.
    const before = prometheus.upstream.requests.length;
    const res = await fetch(`${prometheus.url}/`, {
      redirect: 'manual',
      headers: { accept: 'application/json', cookie: `${prometheus.cookieName}=${session}` },
    });
    expect(res.status).toBe(401);
    expect(prometheus.upstream.requests.length).toBe(before);
  });

  test('the provider redeemed every code with the mounted client secret and a PKCE verifier', () => {
    expect(provider.tokenRequests.length).toBeGreaterThan(0);
    expect(provider.tokenRequests.every((r) => r.clientId === clientId && r.pkce)).toBe(true);
  });

  test("the probes' paths answer without a session, and reach nothing behind the proxy", async () => {
    const deployment = find(objects, 'Deployment', 'grafana-auth')!;
    const container = podTemplateOf(deployment).spec.containers[0];
    const p = proxy(StackUi.GRAFANA);
    const before = p.upstream.requests.length;
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      const res = await fetch(`${p.url}${probe.httpGet.path}`);
      expect([probe.httpGet.path, res.status]).toEqual([probe.httpGet.path, 200]);
    }
    expect(p.upstream.requests.length).toBe(before);
  });

  test('each proxy serves its metrics on the annotated port', async () => {
    const deployment = find(objects, 'Deployment', 'grafana-auth')!;
    const annotations = podTemplateOf(deployment).metadata.annotations;
    expect(annotations['prometheus.io/port']).toBe(
      proxyContainer(StackUi.GRAFANA)
        .args.find((a) => a.startsWith('--metrics-address='))!
        .split(':')
        .pop(),
    );
    const res = await fetch(
      `${proxy(StackUi.GRAFANA).metricsUrl}${annotations['prometheus.io/path']}`,
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^oauth2_proxy_requests_total\{/m);
  });
});
