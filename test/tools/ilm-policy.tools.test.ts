/**
 * Tier 4: the ILM policies as Elasticsearch itself reads them. ilm-check (built by
 * scripts/build-ilm-checker.sh from test/tools/ilm-checker/) parses each body of
 * `PUT _ilm/policy/<name>` with Elasticsearch's own classes, exactly as the REST handler
 * does, and runs the validation of the PUT (allowed phases and actions, min_age order,
 * policy name). The distribution that runs here has no ILM module, so this is as close
 * to a real PUT as can be had.
 *
 * Every environment's policies come from the Elasticsearch setup Job's ConfigMap, where
 * the Job reads them from. Policies that Elasticsearch rejects must be reported INVALID
 * with Elasticsearch's own message, so the check cannot pass by accepting anything.
 */
import * as fs from 'fs';
import * as path from 'path';
import { policyFileName } from '../../lib/elasticsearch/elasticsearch-setup';
import {
  indexLifecyclePolicyName,
  renderIndexLifecyclePolicy,
} from '../../lib/elasticsearch/index-lifecycle';
import { ENVIRONMENTS, EnvironmentName, find, synthEnvironment } from '../support/environments';
import { describeRun, removeTempDirs, run, tempDir } from './support/tools';

const POLICY_KEY = /^ilm-policy\..+\.json$/;

afterAll(() => removeTempDirs());

interface CheckResult {
  readonly status: number | null;
  /** The stdout lines: `OK <file>` or `INVALID <file>: <message>`. */
  readonly lines: string[];
  /** Deprecation warnings Elasticsearch would send back with the response. */
  readonly deprecations: string[];
}

/** Runs ilm-check on the files; the JVM starts in about a second. */
function ilmCheck(files: string[]): CheckResult {
  const result = run('ilm-check', files);
  if (result.status !== 0 && result.status !== 1)
    throw new Error(describeRun('ilm-check', files, result));
  return {
    status: result.status,
    lines: result.stdout.split('\n').filter((line) => line !== ''),
    deprecations: result.stderr.split('\n').filter((line) => line.startsWith('DEPRECATED ')),
  };
}

/** Writes the ILM policy keys of the setup Job's ConfigMap to a temp dir, under their key names. */
function writeSetupPolicies(env: EnvironmentName): { files: string[]; expectedKeys: string[] } {
  const { stack, objects } = synthEnvironment(env);
  const setup = stack.elasticsearchSetup;
  const name = `${setup.name}-config`;
  const configMap = find(objects, 'ConfigMap', name, setup.namespace);
  if (!configMap)
    throw new Error(`ConfigMap ${setup.namespace}/${name} is not in the ${env} objects`);
  const dir = tempDir(`ilm-policy-${env}-`);
  const keys = Object.keys(configMap.data ?? {})
    .filter((key) => POLICY_KEY.test(key))
    .sort();
  const files = keys.map((key) => {
    const file = path.join(dir, key);
    fs.writeFileSync(file, configMap.data[key]);
    return file;
  });
  return { files, expectedKeys: setup.policyNames.map(policyFileName).sort() };
}

/** Writes one policy body as `ilm-policy.<name>.json`: the checker takes the policy name from it. */
function writePolicy(name: string, body: unknown): string {
  const file = path.join(tempDir('ilm-policy-case-'), policyFileName(name));
  fs.writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}

describe.each(ENVIRONMENTS)('the %s environment', (env) => {
  test('every ILM policy of the setup Job is accepted by Elasticsearch, with no deprecation', () => {
    const { files, expectedKeys } = writeSetupPolicies(env);
    // The ConfigMap holds exactly the policies the Job PUTs, so nothing goes unchecked.
    expect(files.map((file) => path.basename(file))).toEqual(expectedKeys);
    expect(files.length).toBeGreaterThan(0);

    expect(ilmCheck(files)).toEqual({
      status: 0,
      lines: files.map((file) => `OK ${file}`),
      deprecations: [],
    });
  });
});

test('a policy rendered with 3650 days retention and a custom rollover is accepted', () => {
  const body = renderIndexLifecyclePolicy('trades', 3650, {
    maxPrimaryShardSize: '10gb',
    maxAge: '12h',
  });
  const file = writePolicy(indexLifecyclePolicyName('trades'), body);

  expect(ilmCheck([file])).toEqual({ status: 0, lines: [`OK ${file}`], deprecations: [] });
});

describe('policies Elasticsearch rejects', () => {
  test('an unknown action fails to parse', () => {
    const file = writePolicy(
      'unknown-action',
      '{"policy":{"phases":{"hot":{"actions":{"no_such_action":{}}}}}}',
    );

    const result = ilmCheck([file]);

    expect(result.status).toBe(1);
    expect(result.lines).toEqual([expect.stringContaining(`INVALID ${file}: `)]);
    expect(result.lines[0]).toContain('[actions] failed to parse field [no_such_action]');
    expect(result.lines[0]).toContain('unknown field [no_such_action]');
  });

  test("a delete phase whose min_age is earlier than the warm phase's fails validation", () => {
    const file = writePolicy('delete-before-warm', {
      policy: {
        phases: {
          warm: { min_age: '30d', actions: { readonly: {} } },
          delete: { min_age: '10d', actions: { delete: {} } },
        },
      },
    });

    const result = ilmCheck([file]);

    expect(result.status).toBe(1);
    expect(result.lines).toEqual([
      expect.stringContaining(
        `INVALID ${file}: Validation Failed: 1: Your policy is configured to run the delete phase (min_age: 10d) before the warm phase (min_age: 30d)`,
      ),
    ]);
  });

  test('rollover in the delete phase fails validation', () => {
    const file = writePolicy('rollover-in-delete', {
      policy: {
        phases: {
          delete: { min_age: '30d', actions: { rollover: { max_age: '1d' }, delete: {} } },
        },
      },
    });

    const result = ilmCheck([file]);

    expect(result.status).toBe(1);
    expect(result.lines).toEqual([
      `INVALID ${file}: Validation Failed: 1: invalid action [rollover] defined in phase [delete];`,
    ]);
  });

  test('one invalid file among valid ones fails the run and the valid ones still pass', () => {
    const good = writePolicy('good', renderIndexLifecyclePolicy('all', 30));
    const bad = writePolicy('bad', {
      policy: {
        phases: { hot: { min_age: '0ms', actions: { delete: {}, rollover: { max_age: '1d' } } } },
      },
    });

    const result = ilmCheck([good, bad]);

    expect(result.status).toBe(1);
    expect(result.lines).toEqual([
      `OK ${good}`,
      `INVALID ${bad}: Validation Failed: 1: invalid action [delete] defined in phase [hot];`,
    ]);
  });
});
