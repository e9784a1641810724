import { AlertRunbook } from '../prometheus/alert-runbook';

export const PROMETHEUS_RULE_EVALUATION_FAILURES_RUNBOOK: AlertRunbook = {
  meaning: `Prometheus failed to evaluate rules of a rule group in the last 5 minutes (\`prometheus_rule_evaluation_failures_total\`, label \`rule_group\`: \`/etc/prometheus/rules.yml;<mixin>-alerts\`, such as \`;elasticsearch-alerts\`). A rule that fails to evaluate produces no alerts: whatever it watches can break silently. It pages because it silences other alerts.`,
  check: [
    {
      text: 'Find the failing rule (the name printed above each error) and its error (`lastError`, for example `found duplicate series for the match group` or `query timed out`):',
      shell:
        'kubectl -n observability exec statefulset/prometheus -c prometheus -- wget -qO- \'http://localhost:9090/api/v1/rules\' | grep -oE \'"name":"[A-Za-z0-9]+"|"lastError":"[^"]+"\' | grep -B1 lastError',
    },
    {
      text: "The Prometheus log says the same with the rule's expression:",
      shell:
        'kubectl -n observability logs statefulset/prometheus -c prometheus --since=30m | grep -i "rule" | tail -20',
    },
    {
      text: 'Evaluations that take longer than the interval are skipped too:',
      promql:
        'prometheus_rule_group_last_duration_seconds > prometheus_rule_group_interval_seconds or increase(prometheus_rule_group_iterations_missed_total[15m]) > 0',
    },
  ],
  fix: [
    {
      text: "`found duplicate series` / `many-to-many matching not allowed`: two series now match where the rule expected one, typically two pods of an exporter overlapping in a rollout or a label added by a new exporter version. Fix the rule's matching (aggregate with `max by (...)` before the join) in its mixin (`lib/monitoring/<mixin>.ts`), add a promtool case to `test/tools/rules/`, and check it with `npx jest -c jest.tools.config.js --ci test/tools/prometheus-rules`.",
    },
    {
      text: "`query timed out` or `query processing would load too many samples`: the rule reads too many series (a label explosion in some application's metrics): find the heavy metric and drop or limit it.",
      promql: 'topk(10, count by (__name__) ({__name__=~".+"}))',
    },
    {
      text: "A rule of your own (`prometheus.rules`): check the generated rules before applying them; in this repository the tools tier runs promtool's checks and unit tests on every environment's rules, and promtool in the pod checks the file it runs:",
      shell: [
        'npx jest -c jest.tools.config.js --ci test/tools/prometheus-rules',
        'kubectl -n observability exec statefulset/prometheus -c prometheus -- promtool check rules /etc/prometheus/rules.yml',
      ].join('\n'),
    },
  ],
};
