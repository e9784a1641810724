import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { STACK_UIS, StackUi, UiAccessProps } from '../lib';
import { TEAMS } from '../stacks/teams';
import { find, KubeObject, podTemplateOf, synthEnvironment } from './support/environments';
import { synthStack } from './support/objects';

const ACCESS: UiAccessProps = {
  domain: 'obs.example.org',
  tls: { clusterIssuer: 'letsencrypt' },
  oidc: { issuerUrl: 'https://sso.example.org', clientId: 'obs', secretName: 'ui-oidc' },
  teams: [
    { name: 'sre', groups: ['sre'], uis: [StackUi.GRAFANA, StackUi.PROMETHEUS] },
    { name: 'devs', groups: ['devs', 'contractors'], uis: [StackUi.GRAFANA] },
  ],
};

const argsOf = (objects: KubeObject[], name: string): string[] =>
  podTemplateOf(find(objects, 'Deployment', name)!).spec.containers[0].args;
const flagValues = (args: string[], flag: string): string[] =>
  args.filter((a) => a.startsWith(`--${flag}=`)).map((a) => a.slice(flag.length + 3));

describe('access: UIs behind sign-in', () => {
  const { stack, objects } = synthStack({ access: ACCESS });

  test('a UI that a team may open gets an Ingress with TLS to its sign-in proxy; the others get neither', () => {
    const ingresses = objects.filter((o) => o.kind === 'Ingress');
    expect(ingresses.map((i) => i.metadata.name)).toEqual(['grafana', 'prometheus']);
    for (const ingress of ingresses) {
      const ui = ingress.metadata.name;
      const host = `${ui}.obs.example.org`;
      expect(ingress.metadata.annotations).toEqual({
        'cert-manager.io/cluster-issuer': 'letsencrypt',
      });
      expect(ingress.spec.ingressClassName).toBe('nginx');
      expect(ingress.spec.tls).toEqual([{ hosts: [host], secretName: `${ui}-tls` }]);
      expect(ingress.spec.rules).toEqual([
        {
          host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: `${ui}-auth`, port: { number: 4180 } } },
              },
            ],
          },
        },
      ]);
      const service = find(objects, 'Service', `${ui}-auth`)!;
      const selector = {
        'app.kubernetes.io/name': 'oauth2-proxy',
        'app.kubernetes.io/instance': `${ui}-auth`,
        'app.kubernetes.io/component': 'proxy',
      };
      expect(service.spec.selector).toEqual(selector);
      expect(podTemplateOf(find(objects, 'Deployment', `${ui}-auth`)!).metadata.labels).toEqual(
        expect.objectContaining(selector),
      );
    }
    expect(find(objects, 'Deployment', 'kibana-auth')).toBeUndefined();
    expect(find(objects, 'Deployment', 'alertmanager-auth')).toBeUndefined();
  });

  test('each proxy admits the groups of the teams that may open its UI, and forwards to that UI only', () => {
    expect(flagValues(argsOf(objects, 'grafana-auth'), 'allowed-group')).toEqual([
      'contractors',
      'devs',
      'sre',
    ]);
    expect(flagValues(argsOf(objects, 'prometheus-auth'), 'allowed-group')).toEqual(['sre']);
    expect(flagValues(argsOf(objects, 'grafana-auth'), 'upstream')).toEqual([
      'http://grafana.observability.svc:3000/',
    ]);
    expect(flagValues(argsOf(objects, 'prometheus-auth'), 'upstream')).toEqual([
      'http://prometheus.observability.svc:9090/',
    ]);
    expect(stack.access!.exposed.map((e) => [e.ui, e.teams])).toEqual([
      ['grafana', ['sre', 'devs']],
      ['prometheus', ['sre']],
    ]);
  });

  test('the proxies read the client and cookie secrets from the mounted Secret, never from props or the environment', () => {
    const spec = podTemplateOf(find(objects, 'Deployment', 'grafana-auth')!).spec;
    const container = spec.containers[0];
    expect(container.env).toBeUndefined();
    const mount = container.volumeMounts.find((m: any) => m.name === 'oidc-secrets');
    expect(mount.readOnly).toBe(true);
    expect(flagValues(container.args, 'client-secret-file')).toEqual([
      `${mount.mountPath}/client-secret`,
    ]);
    expect(flagValues(container.args, 'cookie-secret-file')).toEqual([
      `${mount.mountPath}/cookie-secret`,
    ]);
    const sources = spec.volumes.find((v: any) => v.name === 'oidc-secrets').projected.sources;
    expect(sources).toEqual([
      {
        secret: {
          name: 'ui-oidc',
          items: [
            { key: 'client-secret', path: 'client-secret' },
            { key: 'cookie-secret', path: 'cookie-secret' },
          ],
        },
      },
    ]);
    expect(
      stack.externalSecrets.filter((s) => s.name === 'ui-oidc').map((s) => s.keys),
    ).toContainEqual(['client-secret', 'cookie-secret']);
  });

  test("sign-in is OIDC with PKCE, secure cookies and the redirect URI of the UI's host", () => {
    const args = argsOf(objects, 'prometheus-auth');
    expect(flagValues(args, 'provider')).toEqual(['oidc']);
    expect(flagValues(args, 'oidc-issuer-url')).toEqual(['https://sso.example.org']);
    expect(flagValues(args, 'code-challenge-method')).toEqual(['S256']);
    expect(flagValues(args, 'cookie-secure')).toEqual(['true']);
    expect(flagValues(args, 'redirect-url')).toEqual([
      'https://prometheus.obs.example.org/oauth2/callback',
    ]);
    expect(stack.access!.redirectUrls).toEqual([
      'https://grafana.obs.example.org/oauth2/callback',
      'https://prometheus.obs.example.org/oauth2/callback',
    ]);
  });

  test('the exposed UIs link and redirect to their public URLs', () => {
    const grafanaIni = find(objects, 'ConfigMap', 'grafana-config')?.data?.['grafana.ini'] ?? '';
    expect(grafanaIni).toContain('root_url = https://grafana.obs.example.org');
    const { objects: withKibana } = synthStack({
      access: {
        ...ACCESS,
        teams: [{ name: 'all', groups: ['all'], uis: [...STACK_UIS] }],
        hosts: { kibana: 'logs.example.org' },
      },
    });
    const kibanaYml = parse(find(withKibana, 'ConfigMap', 'kibana-config')!.data['kibana.yml']);
    expect(kibanaYml['server.publicBaseUrl']).toBe('https://logs.example.org');
    expect(find(withKibana, 'Ingress', 'kibana')!.spec.rules[0].host).toBe('logs.example.org');
  });

  test('Prometheus and Alertmanager link their alerts and notices to their public URLs', () => {
    const { objects: o } = synthStack({
      access: { ...ACCESS, teams: [{ name: 'all', groups: ['all'], uis: [...STACK_UIS] }] },
    });
    const args = (name: string): string[] =>
      podTemplateOf(find(o, 'StatefulSet', name)!).spec.containers[0].args;
    expect(flagValues(args('prometheus'), 'web.external-url')).toEqual([
      'https://prometheus.obs.example.org',
    ]);
    expect(flagValues(args('alertmanager'), 'web.external-url')).toEqual([
      'https://alertmanager.obs.example.org',
    ]);
    // A UI no team may open keeps the pod's own address.
    expect(
      flagValues(
        podTemplateOf(find(objects, 'StatefulSet', 'alertmanager')!).spec.containers[0].args,
        'web.external-url',
      ),
    ).toEqual([]);
  });

  test('an existing TLS Secret serves every host, and is listed among the Secrets to create', () => {
    const { stack: s, objects: o } = synthStack({
      access: { ...ACCESS, tls: { secretName: 'obs-wildcard' } },
    });
    for (const ingress of o.filter((x) => x.kind === 'Ingress')) {
      expect(ingress.metadata.annotations).toBeUndefined();
      expect(ingress.spec.tls[0].secretName).toBe('obs-wildcard');
    }
    expect(s.externalSecrets).toContainEqual(
      expect.objectContaining({
        name: 'obs-wildcard',
        keys: ['tls.crt', 'tls.key'],
        namespace: 'observability',
      }),
    );
  });

  test('trustedProxyCidrs become --trusted-proxy-ip', () => {
    const { objects: o } = synthStack({
      access: { ...ACCESS, trustedProxyCidrs: ['10.244.0.0/16'] },
    });
    expect(flagValues(argsOf(o, 'grafana-auth'), 'trusted-proxy-ip')).toEqual(['10.244.0.0/16']);
  });
});

describe('access in the bundled environments', () => {
  test('dev exposes nothing: no Ingress, no proxy', () => {
    const { objects, stack } = synthEnvironment('dev');
    expect(stack.access).toBeUndefined();
    expect(objects.filter((o) => o.kind === 'Ingress')).toEqual([]);
  });

  test.each(['staging', 'prod'] as const)(
    '%s exposes every UI, each to the teams of stacks/teams.ts',
    (env) => {
      const { objects, stack } = synthEnvironment(env);
      expect(objects.filter((o) => o.kind === 'Ingress').map((o) => o.metadata.name)).toEqual([
        ...STACK_UIS,
      ]);
      for (const ui of STACK_UIS) {
        const groups = TEAMS.filter((t) => t.uis.includes(ui))
          .flatMap((t) => t.groups)
          .sort();
        expect([ui, flagValues(argsOf(objects, `${ui}-auth`), 'allowed-group')]).toEqual([
          ui,
          groups,
        ]);
      }
      expect(stack.access!.exposed.find((e) => e.ui === StackUi.PROMETHEUS)!.teams).toEqual([
        'platform',
      ]);
      for (const ingress of objects.filter((o) => o.kind === 'Ingress')) {
        expect(ingress.metadata.annotations).toEqual({
          'cert-manager.io/cluster-issuer': 'letsencrypt',
          'nginx.ingress.kubernetes.io/proxy-buffer-size': '16k',
        });
      }
    },
  );
});

describe('README', () => {
  test('the access table states who may open each UI in staging and prod, as the proxies admit them', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const title: Record<StackUi, string> = {
      kibana: 'Kibana',
      grafana: 'Grafana',
      jaeger: 'Jaeger',
      prometheus: 'Prometheus',
      alertmanager: 'Alertmanager',
    };
    for (const env of ['staging', 'prod'] as const) {
      const { stack } = synthEnvironment(env);
      const rows = stack.access!.exposed.map((e) => {
        const groups = TEAMS.filter((t) => e.teams.includes(t.name)).flatMap((t) => t.groups);
        expect([...groups].sort()).toEqual(e.groups);
        return `| ${title[e.ui]} | ${e.teams.join(', ')} | ${groups.map((g) => `\`${g}\``).join(', ')} |`;
      });
      expect(readme).toContain(
        `| UI (staging, prod) | teams | groups admitted |\n|---|---|---|\n${rows.join('\n')}\n`,
      );
    }
  });
});
