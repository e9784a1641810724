import * as path from 'path';
import { ENVIRONMENTS } from '../support/environments';
import { waitUntil } from './support/alert-harness';
import { ControlPlane } from './support/apiserver';

/**
 * Moving an environment between appliers, on a real kube-apiserver 1.36: first applied with
 * `kubectl apply` (client-side), then taken over by a server-side apply under another field
 * manager (what `pulumi up` does: the Kubernetes provider applies server-side), without
 * `--force-conflicts`; and the other way round, server-side first, then client-side. Either
 * move fails with "Server-Side Apply field conflict" when a manifest leaves out a field the
 * API server defaults inside a structure it treats as one unit (a claim template's
 * `apiVersion`, `kind` and `volumeMode`, a `fieldRef`'s `apiVersion`), since the first
 * applier then owns the defaulted value and the second one's unit differs.
 */
jest.setTimeout(300_000);

const REPO = path.resolve(__dirname, '..', '..');
// The provider's own manager name; any name other than kubectl's shows the same conflicts.
const TAKING_OVER = 'pulumi-kubernetes';

let plane: ControlPlane;

beforeAll(async () => {
  plane = await ControlPlane.start();
  // The namespace controller finalizes the namespaces deleted between environments.
  await plane.startControllerManager();
}, 120_000);

afterAll(async () => {
  await plane?.stop();
}, 60_000);

/**
 * What kubectl said beyond the one expected warning: a client-side apply over an object that
 * a server-side apply created warns that it adds its last-applied annotation, and does.
 */
function complaints(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter(
      (line) =>
        line.trim() &&
        !/is missing the kubectl\.kubernetes\.io\/last-applied-configuration annotation/.test(line),
    );
}

async function deleteAll(file: string): Promise<void> {
  plane.kubectlOk(['delete', '-f', file, '--wait=false', '--ignore-not-found']);
  await waitUntil(
    'every object of the environment to be gone',
    () => {
      const left = plane.kubectl(['get', '-f', file, '--ignore-not-found', '-o', 'name']);
      return left.status === 0 && left.stdout.trim() === '' ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 1000 },
  );
}

describe.each(ENVIRONMENTS)('the %s environment', (env) => {
  const file = path.join(REPO, 'dist', env, 'observability.k8s.yaml');
  // Pass or fail, the next test starts from an empty cluster.
  afterEach(() => deleteAll(file), 180_000);

  test('applied by kubectl client-side, is taken over by a server-side apply of another manager without force', async () => {
    plane.kubectlOk(['apply', '-f', file]);
    const result = plane.kubectl([
      'apply',
      '--server-side',
      `--field-manager=${TAKING_OVER}`,
      '-f',
      file,
    ]);
    expect({ status: result.status, complaints: complaints(result.stderr) }).toEqual({
      status: 0,
      complaints: [],
    });
  });

  test('applied server-side, is then applied by kubectl client-side and back, without force', async () => {
    plane.kubectlOk(['apply', '--server-side', `--field-manager=${TAKING_OVER}`, '-f', file]);
    const client = plane.kubectl(['apply', '-f', file]);
    expect({ status: client.status, complaints: complaints(client.stderr) }).toEqual({
      status: 0,
      complaints: [],
    });
    const back = plane.kubectl([
      'apply',
      '--server-side',
      `--field-manager=${TAKING_OVER}`,
      '-f',
      file,
    ]);
    expect({ status: back.status, complaints: complaints(back.stderr) }).toEqual({
      status: 0,
      complaints: [],
    });
  });
});
