/**
 * Prints, per environment, the two latency budgets of DESIGN section 5, computed from
 * the generated configuration (`ObservabilityStack.latencyBudget`): a log line written to
 * it being searchable (target 5 s), and an alert condition to the notice sent (target
 * 30 s), each with its parts and the setting behind each part. Beside the computed alert
 * bound it prints the delays measured by the end-to-end alert benchmark, read from
 * docs/alert-delay.json (written by `npm run bench:alerts`).
 *
 *   npm run budget
 */
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { Testing } from 'cdk8s';
import { LatencyBreakdown, ObservabilityStack } from '../lib';
import { ENVIRONMENTS, environmentProfile } from '../stacks/environments';
import { ALERT_DELAY_RESULTS, AlertDelayResults } from './alert-delay';

const num = (n: number) => `${Number(n.toFixed(3))} s`;
/** Measured delays, to the tenth of a second the benchmark prints them with. */
const tenths = (n: number) => `${n.toFixed(1)} s`;

/** Wide enough for every part's name, so the three tables line up. */
const NAME_WIDTH = 50;

function printBreakdown(title: string, b: LatencyBreakdown): void {
  const verdict = b.withinTarget ? 'within' : 'OVER';
  console.log(`  ${title}: ${num(b.totalSeconds)} (target ${num(b.targetSeconds)}, ${verdict})`);
  const width = Math.max(NAME_WIDTH, ...b.parts.map((p) => p.name.length));
  for (const p of b.parts) console.log(`    ${p.name.padEnd(width)}  ${num(p.seconds).padStart(7)}   ${p.source}`);
}

/** The measured alert delays, or undefined when the benchmark has not written them. */
function measuredAlertDelays(): AlertDelayResults | undefined {
  // The build runs from build/bench/, the repository root is two levels up.
  const file = join(__dirname, '..', '..', ALERT_DELAY_RESULTS);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as AlertDelayResults : undefined;
}

function main(): void {
  const measured = measuredAlertDelays();
  console.log('Latency budgets from the generated configuration (worst case; processing and network time come on top)');
  for (const env of ENVIRONMENTS) {
    const stack = new ObservabilityStack(Testing.app(), 'observability', environmentProfile(env));
    const budget = stack.latencyBudget;
    console.log(`\n${env} (${stack.logstash ? 'Filebeat -> Logstash -> Elasticsearch' : 'Filebeat -> Elasticsearch'})`);
    printBreakdown('log line searchable, running container', budget.logs);
    printBreakdown('log line searchable, new container', budget.logsNewFile);
    printBreakdown('alert delivered, fastest rule', budget.alerts);
    if (!measured) {
      console.log(`    measured: not measured yet (${ALERT_DELAY_RESULTS} is missing); run \`npm run bench:alerts -- 10\` (about 6 minutes)`);
    } else if (measured.environment === env) {
      console.log(`    measured (${measured.alert}, ${measured.runs.length} runs, ${measured.command}, ${measured.date}): `
        + `min ${tenths(measured.min)}, median ${tenths(measured.median)}, max ${tenths(measured.max)}; computed bound ${num(budget.alerts.totalSeconds)}`);
      if (measured.source) console.log(`    source of the measurement: ${measured.source}`);
    } else {
      console.log(`    measured: only for ${measured.environment} (${ALERT_DELAY_RESULTS})`);
    }
  }
}

main();
