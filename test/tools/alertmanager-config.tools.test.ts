import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { ENVIRONMENTS } from '../support/environments';
import { describeRun, removeTempDirs, run, tempDir, writeMetricsConfigs } from './support/tools';

afterAll(removeTempDirs);

// amtool is built from the Alertmanager module at the deployed image's version
// (scripts/install-tools.sh), so it accepts exactly the keys the image does.
function amtool(args: string[]) {
  const result = run('amtool', args);
  return { result, text: describeRun('amtool', args, result) };
}

describe.each(ENVIRONMENTS)('%s: amtool', (env) => {
  test('check-config passes on alertmanager.yml', () => {
    const files = writeMetricsConfigs(env);
    const { result, text } = amtool(['check-config', files.alertmanagerConfig]);
    expect({ status: result.status, text }).toEqual({ status: 0, text: expect.stringContaining('SUCCESS') });
  });
});

// Negative controls: prove amtool really rejects bad input here, so this tier cannot pass
// silently (e.g. with a stub binary or an ignored exit status).
describe('amtool rejects invalid input', () => {
  const files = writeMetricsConfigs('prod');
  const dir = tempDir('amtool-negative-');
  const config = () => parse(fs.readFileSync(files.alertmanagerConfig, 'utf8'));

  test('an unknown key in alertmanager.yml', () => {
    const bad = config();
    bad.route.group_waitt = '30s';
    const file = path.join(dir, 'unknown-key.yml');
    fs.writeFileSync(file, stringify(bad));
    const { result, text } = amtool(['check-config', file]);
    expect(result.status).not.toBe(0);
    expect(text).toMatch(/field group_waitt not found/);
  });

  test('a route to a receiver that is not defined', () => {
    const bad = config();
    bad.route.receiver = 'no-such-receiver';
    const file = path.join(dir, 'undefined-receiver.yml');
    fs.writeFileSync(file, stringify(bad));
    const { result, text } = amtool(['check-config', file]);
    expect(result.status).not.toBe(0);
    expect(text).toMatch(/undefined receiver "no-such-receiver"/);
  });
});
