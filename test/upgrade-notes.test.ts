import { ENVIRONMENTS } from './support/environments';
import {
  PREVIOUS_RELEASE,
  deletedBy,
  droppedObjects,
  manifestDir,
  manifestObjects,
  readmeApplyCommand,
  restartedWorkloads,
  upgradeCommands,
  upgradeNotes,
} from './support/releases';

// The CHANGELOG's "Upgrading from 0.1.0" notes against the committed manifests of 0.1.0
// (test/fixtures/releases/0.1.0/) and this tree's dist/: the fast half of the upgrade check.
// test/tools/upgrade.tools.test.ts runs the same commands on a real API server over an
// installed 0.1.0 and checks what they change there.

const notes = upgradeNotes('0.2.0', PREVIOUS_RELEASE);

describe.each(ENVIRONMENTS)('upgrading %s from 0.1.0', (env) => {
  const previous = manifestObjects(manifestDir(env, PREVIOUS_RELEASE));
  const current = manifestObjects(manifestDir(env));
  const commands = upgradeCommands(notes, env);
  const kinds = new Map(previous.map((o) => [o.kind.toLowerCase(), o.kind]));

  test("the notes' first command is the README's apply of dist/<env>/", () => {
    const readme = readmeApplyCommand().map((arg) =>
      arg.startsWith('dist/') ? `dist/${env}/` : arg,
    );
    expect(commands[0]).toEqual(readme);
  });

  test('the notes delete exactly the objects of 0.1.0 this release no longer renders', () => {
    const dropped = droppedObjects(previous, current);
    // Renamed setup Jobs at least: a Job is named after a hash of its spec.
    expect(dropped.length).toBeGreaterThan(0);
    const deleted = commands.slice(1).flatMap((c) => deletedBy(c, kinds));
    expect(deleted.sort()).toEqual([...dropped].sort());
    expect(commands.slice(1).filter((c) => deletedBy(c, kinds).length === 0)).toEqual([]);
  });
});

test('the notes name the restarting workloads as kind/name of workloads this release renders', () => {
  const restarted = restartedWorkloads(notes);
  expect(restarted.length).toBeGreaterThan(0);
  // Some workloads exist in one profile only (prod's dedicated masters): each named one must be
  // rendered by at least one environment, and the tools tier checks each environment's set.
  const names = new Set(
    ENVIRONMENTS.flatMap((env) =>
      manifestObjects(manifestDir(env)).map((o) => `${o.kind.toLowerCase()}/${o.metadata.name}`),
    ),
  );
  expect(restarted.filter((w) => !names.has(w))).toEqual([]);
});

test('a restarting workload followed by environments in brackets restarts only there', () => {
  const sample = [
    '- **Pods restart** in `deployment/a`, `deployment/b` (staging, prod), which does x, and',
    '  `statefulset/c` (dev) and `statefulset/d`.',
    '',
  ].join('\n');
  expect(restartedWorkloads(sample)).toEqual([
    'deployment/a',
    'deployment/b',
    'statefulset/c',
    'statefulset/d',
  ]);
  expect(restartedWorkloads(sample, 'dev')).toEqual([
    'deployment/a',
    'statefulset/c',
    'statefulset/d',
  ]);
  expect(restartedWorkloads(sample, 'prod')).toEqual([
    'deployment/a',
    'deployment/b',
    'statefulset/d',
  ]);
  // This release's notes: Kibana restarts where it changed to kibana_system only.
  expect(restartedWorkloads(notes, 'dev')).not.toContain('deployment/kibana');
  expect(restartedWorkloads(notes, 'staging')).toContain('deployment/kibana');
});
