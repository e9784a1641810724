import { readFileSync } from 'fs';
import { join } from 'path';
import { renderDevSecretsScript, renderSecretsTable } from '../stacks/secrets';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

describe('README', () => {
  test('lists exactly the Secrets the environments read (regenerate with `npm run --silent docs:secrets`)', () => {
    expect(readme).toContain(`|---|---|---|---|---|\n${renderSecretsTable()}\n`);
  });

  test('shows the import example exactly as examples/custom-stack.ts has it', () => {
    const example = readFileSync(join(__dirname, '..', 'examples', 'custom-stack.ts'), 'utf8');
    expect(readme).toContain('```ts\n' + example + '```');
  });

  test('gives the two commands CI runs', () => {
    const ci = readFileSync(join(__dirname, '..', '.ci', 'run'), 'utf8');
    expect(readme).toContain('npm ci && npm run synth');
    expect(readme).toContain('npm test');
    expect(ci).toMatch(/^npm ci /m);
    expect(ci).toMatch(/^npm test/m);
    expect(ci).toMatch(/^npm run synth$/m);
  });
});

describe('the dev Secrets script', () => {
  const script = renderDevSecretsScript();

  test('creates each dev Secret only when it is missing, with values drawn at run time', () => {
    for (const line of script.split('\n')) {
      expect(line).toMatch(
        /^kubectl get secret \S+ -n \S+ >\/dev\/null 2>&1 \|\| kubectl create secret generic /,
      );
    }
    expect(script).toContain('$(openssl rand -hex 32)');
  });

  test('contains no literal secret value', () => {
    expect(script).not.toMatch(/--from-literal=password=(?!"\$\(openssl)/);
  });

  test('for staging, draws every user and password and lists the rest to create by hand', () => {
    const staging = renderDevSecretsScript('staging').split('\n');
    const created = (name: string) => staging.find((l) => l.includes(`generic ${name} `));
    expect(created('logstash-elasticsearch-credentials')).toContain(
      '--from-literal=username=logstash ',
    );
    // Never a name Elasticsearch reserves (`kibana`): the setup user is `kibana-setup`.
    expect(created('kibana-setup-credentials')).toContain('--from-literal=username=kibana-setup ');
    expect(created('kibana-system-password')).toContain(
      '--from-literal=password="$(openssl rand -hex 32)"',
    );
    expect(staging).toContainEqual(
      expect.stringMatching(/^# create yourself: elasticsearch-certs /),
    );
    expect(staging.join('\n')).not.toMatch(/--from-literal=password=(?!"\$\(openssl)/);
    expect(() => renderDevSecretsScript('qa')).toThrow(/unknown environment 'qa'/);
  });
});
