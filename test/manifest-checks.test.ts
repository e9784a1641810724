import { ENVIRONMENTS, KubeObject, synthEnvironment } from './support/environments';
import {
  ANNOTATIONS_LIMIT_BYTES,
  clientSideApplyProblems,
  danglingReferences,
  namespaceProblems,
  networkPolicyProblems,
  scopeProblems,
  serviceProblems,
} from './support/manifest-checks';

describe.each(ENVIRONMENTS)('the whole-app checks on the %s environment', (env) => {
  const { stack, objects } = synthEnvironment(env);
  const secrets = stack.externalSecrets.map((s) => `${s.namespace}/${s.name}`);

  test('find no dangling reference, scope, Service, namespace or policy problem', () => {
    expect({
      references: danglingReferences(objects, secrets),
      scope: scopeProblems(objects),
      services: serviceProblems(objects),
      namespaces: namespaceProblems(objects),
      policies: networkPolicyProblems(objects),
    }).toEqual({ references: [], scope: [], services: [], namespaces: [], policies: [] });
  });

  test("every object fits kubectl's client-side apply (its last-applied annotation under 256 KiB)", () => {
    expect(clientSideApplyProblems(objects)).toEqual([]);
  });
});

test('the client-side apply check finds an object too large', () => {
  const big = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'big', namespace: 'observability' },
    data: { 'a.json': 'x'.repeat(ANNOTATIONS_LIMIT_BYTES) },
  };
  expect(clientSideApplyProblems([big])).toEqual([
    expect.stringMatching(/^ConfigMap observability\/big: \d+ bytes as JSON$/),
  ]);
});

describe('the whole-app checks', () => {
  const { stack, objects } = synthEnvironment('staging');
  const secrets = stack.externalSecrets.map((s) => `${s.namespace}/${s.name}`);
  const without = (drop: (o: KubeObject) => boolean): KubeObject[] =>
    objects.filter((o) => !drop(o));

  test('report a ConfigMap that is gone and a Secret nobody is told to create', () => {
    const broken = without(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-config',
    );
    expect(danglingReferences(broken, secrets.slice(1))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /refers to ConfigMap observability\/prometheus-config, which is not defined/,
        ),
        expect.stringMatching(new RegExp(`refers to Secret ${secrets[0]}, which is not defined`)),
      ]),
    );
  });

  test('report a namespace that is used but not defined', () => {
    expect(
      namespaceProblems(
        without((o) => o.kind === 'Namespace' && o.metadata.name === 'observability-agents'),
      ),
    ).toContain('namespace observability-agents is defined 0 times');
  });

  test('report a flow rendered on one end only, and pods no policy allows anything', () => {
    const grafanaPolicy = (o: KubeObject) =>
      o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-grafana-server';
    const problems = networkPolicyProblems(without(grafanaPolicy));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Deployment observability\/grafana is selected by no allow policy/),
        expect.stringMatching(
          /observability\/allow-prometheus-server admits ingress from .*grafana.* which has no egress to it/,
        ),
      ]),
    );
  });
});
