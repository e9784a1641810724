/**
 * Prints, per environment, the CPU and memory requests and limits and the storage each
 * component claims, and the totals, from the synthesized objects (what `kubectl apply`
 * would create). Long-running workloads count their replicas; a DaemonSet counts once per
 * node; Jobs and CronJobs run to completion and are listed apart, since they hold their
 * resources only while they run.
 *
 *   npm run footprint
 */
import { Testing } from 'cdk8s';
import { ObservabilityStack } from '../lib';
import { cpuMillis, memoryBytes } from '../lib/core/resources';
import { ENVIRONMENTS, environmentProfile } from '../stacks/environments';

interface Footprint {
  cpuRequest: number;
  cpuLimit: number;
  memoryRequest: number;
  memoryLimit: number;
  storage: number;
}

type Kind = 'workload' | 'per node' | 'run to completion';

const zero = (): Footprint => ({
  cpuRequest: 0,
  cpuLimit: 0,
  memoryRequest: 0,
  memoryLimit: 0,
  storage: 0,
});

function add(into: Footprint, more: Footprint, times = 1): void {
  for (const key of Object.keys(into) as (keyof Footprint)[]) into[key] += more[key] * times;
}

/** What one pod of a template holds while it runs: the containers' sum, or an init container's if larger. */
function podFootprint(spec: any): Footprint {
  const of = (c: any): Footprint => ({
    cpuRequest: c.resources?.requests?.cpu ? cpuMillis(c.resources.requests.cpu) : 0,
    cpuLimit: c.resources?.limits?.cpu ? cpuMillis(c.resources.limits.cpu) : 0,
    memoryRequest: c.resources?.requests?.memory ? memoryBytes(c.resources.requests.memory) : 0,
    memoryLimit: c.resources?.limits?.memory ? memoryBytes(c.resources.limits.memory) : 0,
    storage: 0,
  });
  const total = zero();
  for (const c of spec.containers) add(total, of(c));
  for (const c of spec.initContainers ?? []) {
    const init = of(c);
    for (const key of Object.keys(total) as (keyof Footprint)[])
      total[key] = Math.max(total[key], init[key]);
  }
  return total;
}

function rows(environment: string): Map<string, { kind: Kind; footprint: Footprint }> {
  const stack = new ObservabilityStack(
    Testing.app(),
    'observability',
    environmentProfile(environment),
  );
  const byComponent = new Map<string, { kind: Kind; footprint: Footprint }>();
  for (const o of Testing.synth(stack) as any[]) {
    const template = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : o.spec?.template;
    if (!template?.spec?.containers) continue;
    const kind: Kind =
      o.kind === 'DaemonSet'
        ? 'per node'
        : o.kind === 'Job' || o.kind === 'CronJob'
          ? 'run to completion'
          : 'workload';
    const replicas = kind === 'workload' ? (o.spec.replicas ?? 1) : 1;
    const name = `${o.metadata.labels?.['app.kubernetes.io/instance'] ?? o.metadata.name} (${o.metadata.labels?.['app.kubernetes.io/component'] ?? o.kind})`;
    const row = byComponent.get(name) ?? { kind, footprint: zero() };
    add(row.footprint, podFootprint(template.spec), replicas);
    for (const claim of o.spec.volumeClaimTemplates ?? []) {
      row.footprint.storage += memoryBytes(claim.spec.resources.requests.storage) * replicas;
    }
    byComponent.set(name, row);
  }
  return byComponent;
}

const cpu = (m: number) => `${(m / 1000).toFixed(2)}`;
const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)}`;

function table(title: string, entries: [string, Footprint][]): Footprint {
  const total = zero();
  console.log(`\n  ${title}`);
  console.log(
    `  ${'component'.padEnd(44)} ${'cpu req'.padStart(8)} ${'cpu lim'.padStart(8)} ${'mem req'.padStart(8)} ${'mem lim'.padStart(8)} ${'storage'.padStart(8)}`,
  );
  for (const [name, f] of entries) {
    add(total, f);
    console.log(
      `  ${name.padEnd(44)} ${cpu(f.cpuRequest).padStart(8)} ${cpu(f.cpuLimit).padStart(8)} ${gib(f.memoryRequest).padStart(8)} ${gib(f.memoryLimit).padStart(8)} ${gib(f.storage).padStart(8)}`,
    );
  }
  console.log(
    `  ${'total'.padEnd(44)} ${cpu(total.cpuRequest).padStart(8)} ${cpu(total.cpuLimit).padStart(8)} ${gib(total.memoryRequest).padStart(8)} ${gib(total.memoryLimit).padStart(8)} ${gib(total.storage).padStart(8)}`,
  );
  return total;
}

for (const environment of ENVIRONMENTS) {
  console.log(
    `\n${environment} (CPU in cores, memory and storage in GiB; cpu lim 0 = no CPU limit, by design)`,
  );
  const all = [...rows(environment).entries()].sort(([a], [b]) => a.localeCompare(b));
  const pick = (kind: Kind) =>
    all
      .filter(([, r]) => r.kind === kind)
      .map(([name, r]) => [name, r.footprint] as [string, Footprint]);
  const workloads = table('workloads, all replicas', pick('workload'));
  const perNode = table('DaemonSets, per node', pick('per node'));
  table('Jobs and CronJobs, while they run', pick('run to completion'));
  const oneNode = zero();
  add(oneNode, workloads);
  add(oneNode, perNode);
  console.log(
    `\n  requests on a one-node cluster: ${cpu(oneNode.cpuRequest)} CPU, ${gib(oneNode.memoryRequest)} GiB memory; storage claimed ${gib(oneNode.storage)} GiB`,
  );
}
