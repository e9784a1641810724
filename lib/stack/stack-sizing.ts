import { IConstruct } from 'constructs';
import { validateDuration } from '../core/duration';
import { invalidProp } from '../core/errors';
import { DEFAULT_SCRAPE_INTERVAL } from '../prometheus/prometheus-config';
import { CapacityPlan, planCapacity, PrometheusSizingInput, SizingInput } from '../sizing/sizing';
import type { ObservabilityStackProps } from './observability-stack';

/**
 * The stack's `sizing` prop: the load, and where the planned volumes live. The inputs the
 * stack already has are read from it: the log classes, dedicated masters, and the scrape
 * interval (`prometheus.scrapeInterval`, the one place to set it).
 */
export interface StackSizingProps extends Omit<SizingInput, 'logClasses' | 'prometheus'> {
  /** Prometheus' load, planned with the stack's `prometheus.scrapeInterval`. @default - no Prometheus plan */
  readonly prometheus?: Omit<PrometheusSizingInput, 'scrapeInterval'>;
  /** StorageClass of the planned Elasticsearch data and Prometheus volumes. @default - the cluster's default StorageClass */
  readonly storageClassName?: string;
}

// Logstash's own default memory: the plan sizes its CPU, not its heap.
const LOGSTASH_MEMORY = '2Gi';

/**
 * The stack props with `sizing`'s plan applied to the Elasticsearch data nodes, Logstash
 * and Prometheus, and the plan. Inputs the stack already has (the log classes with their
 * retention and ingest shares, dedicated masters, the scrape interval) are read from it; a
 * value set both by hand and by the plan throws instead of one silently winning.
 */
export function applyCapacityPlan(
  scope: IConstruct,
  props: ObservabilityStackProps,
): { props: ObservabilityStackProps; plan?: CapacityPlan } {
  const sizing = props.sizing;
  if (!sizing) return { props };
  const both = (prop: string, value: unknown, planned: string) => {
    if (value !== undefined) {
      invalidProp(
        scope,
        prop,
        value,
        `is also set by 'sizing', which plans ${planned}`,
        `remove ${prop} to apply the plan, or remove sizing and size by hand`,
      );
    }
  };
  both(
    'elasticsearch.data',
    props.elasticsearch?.data,
    'the data nodes (replicas, resources, heapRatio, storage)',
  );
  if (props.logstash !== false) {
    both('logstash.replicas', props.logstash?.replicas, 'the Logstash replicas');
    both('logstash.pipelineWorkers', props.logstash?.pipelineWorkers, 'the pipeline workers');
    both('logstash.resources', props.logstash?.resources, 'the Logstash CPU request');
  }
  if (sizing.prometheus) {
    both('prometheus.retention', props.prometheus?.retention, 'the retention time and size');
    both('prometheus.storage', props.prometheus?.storage, 'the volume');
  }
  const dedicatedMasters = props.elasticsearch?.masters !== undefined;
  if (sizing.dedicatedMasters !== undefined && sizing.dedicatedMasters !== dedicatedMasters) {
    invalidProp(
      scope,
      'sizing.dedicatedMasters',
      sizing.dedicatedMasters,
      `contradicts elasticsearch.masters, which is ${dedicatedMasters ? '' : 'not '}set`,
      'remove sizing.dedicatedMasters: the stack reads it from elasticsearch.masters',
    );
  }
  // The scrape interval has one knob, prometheus.scrapeInterval; one given to sizing as well
  // (from JavaScript, or the scrapeIntervalSeconds of 0.1) fails instead of being ignored.
  const sizingPrometheus = sizing.prometheus as
    (PrometheusSizingInput & { scrapeIntervalSeconds?: unknown }) | undefined;
  for (const key of ['scrapeInterval', 'scrapeIntervalSeconds'] as const) {
    if (sizingPrometheus?.[key] !== undefined)
      invalidProp(
        scope,
        `sizing.prometheus.${key}`,
        sizingPrometheus[key],
        "is not a sizing input: the plan uses Prometheus' own scrape interval",
        `set prometheus.scrapeInterval instead (such as '${DEFAULT_SCRAPE_INTERVAL}')`,
      );
  }

  const scrapeInterval =
    props.prometheus?.scrapeInterval === undefined
      ? undefined
      : validateDuration(scope, 'prometheus.scrapeInterval', props.prometheus.scrapeInterval);
  const plan = planCapacity(
    {
      ...sizing,
      logClasses: props.logClasses,
      dedicatedMasters,
      prometheus: sizing.prometheus && { ...sizing.prometheus, scrapeInterval },
    },
    { scope, propPrefix: 'sizing.', logClassesProp: 'logClasses' },
  );
  const es = plan.elasticsearch;
  const ls = plan.logstash;
  const prom = plan.prometheus;
  const { storageClassName } = sizing;
  return {
    plan,
    props: {
      ...props,
      elasticsearch: {
        ...props.elasticsearch,
        data: {
          replicas: es.dataNodes,
          resources: {
            cpuRequest: `${es.cpuMillis}m`,
            memoryRequest: `${es.memoryGiB}Gi`,
            memoryLimit: `${es.memoryGiB}Gi`,
          },
          heapRatio: es.heapRatio,
          storage: { size: `${es.diskGiB}Gi`, storageClassName },
        },
      },
      logstash:
        props.logstash === false
          ? false
          : {
              ...props.logstash,
              replicas: ls.replicas,
              pipelineWorkers: ls.pipelineWorkers,
              resources: {
                cpuRequest: `${ls.cpuMillis}m`,
                memoryRequest: LOGSTASH_MEMORY,
                memoryLimit: LOGSTASH_MEMORY,
              },
            },
      prometheus: !prom
        ? props.prometheus
        : {
            ...props.prometheus,
            retention: { time: `${prom.retentionDays}d`, size: `${prom.retentionSizeGiB}GB` },
            storage: { size: `${prom.volumeGiB}Gi`, storageClassName },
          },
    },
  };
}
