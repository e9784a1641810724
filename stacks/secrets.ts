import { Testing } from 'cdk8s';
import { ObservabilityStack, StackSecret } from '../lib';
import { ENVIRONMENTS, environmentProfile } from './environments';

/** The Secrets each bundled environment reads, keyed by namespace and name. */
export function secretsByEnvironment(): Map<
  string,
  { secret: StackSecret; environments: string[] }
> {
  const rows = new Map<string, { secret: StackSecret; environments: string[] }>();
  for (const env of ENVIRONMENTS) {
    const stack = new ObservabilityStack(Testing.app(), 'observability', environmentProfile(env));
    for (const secret of stack.externalSecrets) {
      const id = `${secret.namespace}/${secret.name}`;
      const row = rows.get(id) ?? { secret, environments: [] };
      if (!row.environments.includes(env)) row.environments.push(env);
      rows.set(id, row);
    }
  }
  return new Map([...rows.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** The README table of Secrets the user creates. */
export function renderSecretsTable(): string {
  return [...secretsByEnvironment().values()]
    .map(({ secret, environments }) => {
      const envs = environments.length === ENVIRONMENTS.length ? 'all' : environments.join(', ');
      return `| \`${secret.name}\` | ${secret.namespace} | ${secret.keys.map((k) => `\`${k}\``).join(', ')} | ${envs} | ${secret.purpose} |`;
    })
    .join('\n');
}

/**
 * Shell commands that create every Secret of the dev environment with random
 * values, skipping those that exist. Only commands are printed: the values are
 * drawn by openssl when the commands run.
 */
export function renderDevSecretsScript(): string {
  const lines = [...secretsByEnvironment().values()]
    .filter(({ environments }) => environments.includes('dev'))
    .map(({ secret }) => {
      const literals = secret.keys.map((key) =>
        key === 'username'
          ? `--from-literal=${key}=${secret.name.split('-')[0]}`
          : `--from-literal=${key}="$(openssl rand -hex 32)"`,
      );
      return `kubectl get secret ${secret.name} -n ${secret.namespace} >/dev/null 2>&1 || kubectl create secret generic ${secret.name} -n ${secret.namespace} ${literals.join(' ')}`;
    });
  return lines.join('\n');
}

if (require.main === module) {
  process.stdout.write(
    `${process.argv[2] === '--table' ? renderSecretsTable() : renderDevSecretsScript()}\n`,
  );
}
