/**
 * One measurement of `npm run bench` (bench/synth.ts), run in a fresh Node process so
 * that module loading counts, as it does for `cdk8s synth`. Prints one JSON line:
 * the phase times in ms since process start and the process's peak RSS.
 *
 *   node -r ./scripts/register-ts.js bench/synth-child.ts <case> <outdir> [n]
 *
 * Cases: floor, floor-libs, dev, staging, prod, all, growth (prod plus n of each user input).
 * Modules are required inside `main`, so loading them is timed as its own phase.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- loading is the measured phase, so modules are required where it is timed */
import { performance } from 'perf_hooks';

interface Phases {
  /** Requiring the libraries and the stack modules. */
  readonly load: number;
  /** Building the construct tree. */
  readonly construct: number;
  /** `app.synth()`: resolving, validating and writing YAML. */
  readonly synth: number;
}

/** The floor: the same runtime synthesizing a chart with one trivial object. */
function floor(outdir: string, withLibraries: boolean): Phases {
  const start = performance.now();
  const { App, ApiObject, Chart } = require('cdk8s') as typeof import('cdk8s');
  // The second floor also loads what the stack's modules load, so it isolates the stack's own work.
  if (withLibraries) {
    require('cdk8s-plus-27');
    require('yaml');
  }
  const loaded = performance.now();
  const app = new App({ outdir });
  const chart = new Chart(app, 'floor');
  new ApiObject(chart, 'config', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'floor' },
    data: { key: 'value' },
  });
  const constructed = performance.now();
  app.synth();
  return {
    load: loaded - start,
    construct: constructed - loaded,
    synth: performance.now() - constructed,
  };
}

/** What `cdk8s synth` runs for each environment: stacks/main.ts. */
function environments(names: readonly string[], outdir: string): Phases {
  const start = performance.now();
  const { synthesizeEnvironment } = require('../stacks/main') as typeof import('../stacks/main');
  const loaded = performance.now();
  // synthesizeEnvironment constructs and synthesizes in one call: construct is reported as 0.
  for (const name of names) synthesizeEnvironment(name, outdir);
  return { load: loaded - start, construct: 0, synth: performance.now() - loaded };
}

/** The prod profile plus `n` application namespaces' worth of each typed user input. */
function growth(n: number, outdir: string): Phases {
  const start = performance.now();
  const { App, YamlOutputType } = require('cdk8s') as typeof import('cdk8s');
  const { KubernetesSdRole, ObservabilityStack } = require('../lib') as typeof import('../lib');
  const { environmentProfile } =
    require('../stacks/environments') as typeof import('../stacks/environments');
  const loaded = performance.now();
  const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
  const stack = new ObservabilityStack(app, 'observability', environmentProfile('prod'));
  for (let i = 0; i < n; i++) {
    const namespace = `app-${i}`;
    stack.prometheus.addScrapeJob({
      jobName: `${namespace}-pods`,
      kubernetesSd: { role: KubernetesSdRole.POD, namespaces: [namespace] },
    });
    stack.prometheus.addRuleGroup({
      name: `${namespace}-availability`,
      rules: [
        {
          alert: 'AppDown',
          expr: `up{namespace="${namespace}"} == 0`,
          for: '5m',
          labels: { severity: 'critical' },
          annotations: { summary: `A target in ${namespace} is down` },
        },
      ],
    });
    stack.alertmanager.addRoute({
      receiver: stack.alertmanager.defaultReceiver,
      matchers: [`namespace="${namespace}"`],
    });
    stack.grafana.addDashboard(namespace, {
      title: `Application ${namespace}`,
      uid: namespace,
      panels: [
        {
          type: 'timeseries',
          title: 'Requests',
          targets: [{ expr: `sum(rate(http_requests_total{namespace="${namespace}"}[5m]))` }],
        },
      ],
    });
  }
  const constructed = performance.now();
  app.synth();
  return {
    load: loaded - start,
    construct: constructed - loaded,
    synth: performance.now() - constructed,
  };
}

function main(): void {
  const [kind, outdir, count] = process.argv.slice(2);
  if (!kind || !outdir) throw new Error('usage: synth-child <case> <outdir> [n]');
  let phases: Phases;
  if (kind === 'floor' || kind === 'floor-libs') phases = floor(outdir, kind === 'floor-libs');
  else if (kind === 'all') phases = environments(['dev', 'staging', 'prod'], outdir);
  else if (kind === 'growth') phases = growth(Number(count), outdir);
  else phases = environments([kind], outdir);
  // maxRSS is in kilobytes.
  const usage = process.resourceUsage();
  // CPU time (user + system, microseconds) is steadier than wall time on a busy machine.
  console.log(
    JSON.stringify({
      ...phases,
      cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
      maxRssKb: usage.maxRSS,
    }),
  );
}

main();
