import { Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import { ServiceEndpoint } from '../lib/core/endpoint';
import { Images } from '../lib/core/images';
import { DEAD_LETTER_DATA_STREAM } from '../lib/elasticsearch/index-templates';
import { Filebeat, FilebeatProps } from '../lib/filebeat';
import { ILogstash } from '../lib/logstash/logstash-reference';
import { FakeElasticsearchCluster } from './support/fake-elasticsearch';
import { named } from './support/objects';

class FakeLogstash extends Construct implements ILogstash {
  public readonly beatsEndpoint = new ServiceEndpoint('logstash', 'observability', 5044, 'tcp');
  constructor(scope: Construct) {
    super(scope, 'fake-logstash');
  }
}

type Target = 'logstash' | 'secure-es' | 'plain-es';
function synth(target: Target = 'logstash', props: Partial<FilebeatProps> = {}) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
  const wiring =
    target === 'logstash'
      ? { logstash: new FakeLogstash(chart) }
      : {
          elasticsearch: new FakeElasticsearchCluster(chart, {
            securityEnabled: target === 'secure-es',
          }),
        };
  const filebeat = new Filebeat(chart, 'filebeat', {
    namespace: 'observability-agents',
    ...wiring,
    ...props,
  });
  return { filebeat, objects: Testing.synth(chart) as any[] };
}
const pod = (objects: any[]) => named(objects, 'DaemonSet', 'filebeat').spec.template.spec;
const config = (objects: any[]) =>
  parse(named(objects, 'ConfigMap', 'filebeat-config').data['filebeat.yml']);

describe('Filebeat', () => {
  test('reads every container log with the container parser, following symlinks', () => {
    const [input] = config(synth().objects)['filebeat.inputs'];
    expect(input.type).toBe('filestream');
    expect(input.id).toBe('kubernetes-container-logs');
    expect(input.paths).toEqual(['/var/log/containers/*.log']);
    expect(input.parsers).toEqual([{ container: { stream: 'all' } }]);
    expect(input['prospector.scanner.symlinks']).toBe(true);
  });

  test('reads a new file once it holds one CRI line (a 64-byte fingerprint), not 1 KiB', () => {
    const { filebeat, objects } = synth();
    const [input] = config(objects)['filebeat.inputs'];
    expect(input['prospector.scanner.fingerprint.length']).toBe(64);
    expect(filebeat.fingerprintLengthBytes).toBe(64);
    // One CRI line: RFC 3339 nanosecond timestamp, stream, tag, then the message.
    const line = `${new Date().toISOString().replace('Z', '123456Z')} stdout F {"log.level":"info","message":"up"}\n`;
    expect(Buffer.byteLength(line)).toBeGreaterThanOrEqual(
      input['prospector.scanner.fingerprint.length'],
    );
    const [custom] = config(synth('logstash', { fingerprintLengthBytes: 256 }).objects)[
      'filebeat.inputs'
    ];
    expect(custom['prospector.scanner.fingerprint.length']).toBe(256);
  });

  test('adds Kubernetes metadata for its node, once for all files (top-level processors)', () => {
    const c = config(synth().objects);
    expect(c['filebeat.inputs'][0].processors).toBeUndefined();
    const input = c;
    expect(input.processors[0].add_kubernetes_metadata).toEqual({
      host: '${NODE_NAME}',
      matchers: [{ logs_path: { logs_path: '/var/log/containers/' } }],
    });
  });

  test('decodes JSON lines into decoded_line for the script to merge, never over what Filebeat wrote', () => {
    const input = config(synth().objects);
    const decode = input.processors[1].decode_json_fields;
    expect(decode).toMatchObject({
      fields: ['message'],
      target: 'decoded_line',
      add_error_key: true,
      expand_keys: true,
    });
    expect(decode.overwrite_keys).toBeUndefined();
    expect(Object.keys(input.processors[2])).toEqual(['script']);
    expect(input.processors[2].script.params.decoded_field).toBe(decode.target);
  });

  test('the script processor has no tag, so concurrent filestream builds cannot register the same metrics name', () => {
    const input = config(synth().objects);
    expect(input.processors[2].script.tag).toBeUndefined();
  });

  test('ships to the Logstash Beats endpoint', () => {
    const c = config(synth().objects);
    expect(c['output.logstash']).toEqual({ hosts: ['logstash.observability.svc:5044'] });
    expect(c['output.elasticsearch']).toBeUndefined();
  });

  test('keeps the registry on the host and serves stats on 5066', () => {
    const { objects } = synth();
    const c = config(objects);
    expect(c['filebeat.registry.path']).toBe('/usr/share/filebeat/data/registry');
    expect(c['http.enabled']).toBe(true);
    expect(c['http.host']).toBe('0.0.0.0');
    expect(c['http.port']).toBe(5066);
    const data = pod(objects).volumes.find((v: any) => v.name === 'data');
    expect(data.hostPath).toEqual({ path: '/var/lib/filebeat-data', type: 'DirectoryOrCreate' });
  });

  test('mounts only the container and pod log directories, read-only', () => {
    const mounts = pod(synth().objects).containers[0].volumeMounts;
    expect(mounts).toContainEqual({
      name: 'container-logs',
      mountPath: '/var/log/containers',
      readOnly: true,
    });
    expect(mounts).toContainEqual({ name: 'pod-logs', mountPath: '/var/log/pods', readOnly: true });
    expect(mounts.find((m: any) => m.mountPath === '/var/log')).toBeUndefined();
  });

  test('ships straight to a secured Elasticsearch with verified TLS and credentials from a Secret', () => {
    const { filebeat, objects } = synth('secure-es');
    const out = config(objects)['output.elasticsearch'];
    expect(out.hosts).toEqual(['https://elasticsearch-http.observability.svc:9200']);
    expect(out['ssl.certificate_authorities']).toEqual(['/usr/share/filebeat/certs/ca.crt']);
    expect(out['ssl.verification_mode']).toBe('full');
    expect(out.username).toBe('${ES_USERNAME}');
    expect(out.password).toBe('${ES_PASSWORD}');
    const env = pod(objects).containers[0].env;
    expect(env).toContainEqual({
      name: 'ES_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'filebeat-elasticsearch-credentials', key: 'password' } },
    });
    expect(filebeat.externalSecrets).toEqual([
      // The cluster's CA Secret lives in its namespace; the agents namespace needs a copy.
      expect.objectContaining({
        name: 'elasticsearch-certs',
        keys: ['ca.crt'],
        purpose: expect.stringMatching(/^copy .*\(from namespace observability\)/),
      }),
      expect.objectContaining({ name: 'filebeat-elasticsearch-credentials' }),
    ]);
    expect(pod(objects).volumes).toContainEqual(
      expect.objectContaining({
        secret: { secretName: 'elasticsearch-certs', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
      }),
    );
  });

  test('ships to an open Elasticsearch without credentials', () => {
    const { filebeat, objects } = synth('plain-es');
    const out = config(objects)['output.elasticsearch'];
    expect(out).toEqual({
      hosts: ['http://elasticsearch-http.observability.svc:9200'],
      index: 'logs-%{[data_stream.dataset]}-%{[data_stream.namespace]}',
      'non_indexable_policy.dead_letter_index.index': DEAD_LETTER_DATA_STREAM,
    });
    expect(filebeat.externalSecrets).toEqual([]);
  });

  test('straight to Elasticsearch, an event Elasticsearch refuses goes to the dead-letter data stream, not away', () => {
    const out = config(synth('plain-es').objects)['output.elasticsearch'];
    expect(out['non_indexable_policy.dead_letter_index.index']).toBe('logs-deadletter-default');
  });

  test("straight to Elasticsearch, names each event's class data stream as Logstash would", () => {
    const c = config(synth('plain-es').objects);
    const processors = c['processors'];
    const names = processors.map((p: any) => Object.keys(p)[0]);
    // Routing reads labels.index_class, so it comes after the script that sets it.
    expect(names.indexOf('script')).toBeLessThan(names.indexOf('add_fields'));
    const routing = processors.filter((p: any) => p.add_fields).map((p: any) => p.add_fields);
    expect(routing[0]).toEqual({
      target: 'data_stream',
      fields: { type: 'logs', dataset: 'all', namespace: 'default' },
    });
    expect(
      routing.slice(1).map((r: any) => [r.when.equals['labels.index_class'], r.fields.dataset]),
    ).toEqual([
      ['errors', 'errors'],
      ['trades', 'trades'],
      ['ai', 'ai'],
    ]);
    expect(c['output.elasticsearch'].index).toBe(
      'logs-%{[data_stream.dataset]}-%{[data_stream.namespace]}',
    );
  });

  test('straight to Elasticsearch, leaves templates and lifecycle policies to the setup Job', () => {
    const c = config(synth('plain-es').objects);
    expect(c['setup.template.enabled']).toBe(false);
    expect(c['setup.ilm.enabled']).toBe(false);
  });

  test("through Logstash too, names each event's class data stream, the same routing as straight to Elasticsearch", () => {
    const routing = (target: Target) =>
      config(synth(target).objects)['processors'].filter((p: any) => p.add_fields);
    expect(routing('logstash')).toEqual(routing('plain-es'));
    expect(routing('logstash').length).toBeGreaterThan(0);
  });

  test('through Logstash, leaves templates to the setup Job without Filebeat settings for them', () => {
    expect(config(synth().objects)['setup.template.enabled']).toBeUndefined();
  });

  test('runs as root with only DAC_READ_SEARCH, no escalation, a read-only root and RuntimeDefault seccomp', () => {
    const spec = pod(synth().objects);
    expect(spec.containers[0].securityContext).toEqual({
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'], add: ['DAC_READ_SEARCH'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  });

  test('knows its node name and mounts an API token for the metadata watch', () => {
    const spec = pod(synth().objects);
    expect(spec.containers[0].env).toContainEqual({
      name: 'NODE_NAME',
      valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } },
    });
    expect(spec.automountServiceAccountToken).toBe(true);
    expect(spec.serviceAccountName).toBe('filebeat');
  });

  test('tolerates every taint by default', () => {
    expect(pod(synth().objects).tolerations).toEqual([{ operator: 'Exists' }]);
    expect(pod(synth('logstash', { tolerations: [] }).objects).tolerations).toEqual([]);
  });

  test('probes the stats endpoint, which listens on every address since the kubelet probes the pod IP', () => {
    const { objects } = synth();
    const c = pod(objects).containers[0];
    expect(c.readinessProbe.httpGet).toEqual({ path: '/', port: 'http', scheme: 'HTTP' });
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 'http' });
    expect(config(objects)['http.host']).toBe('0.0.0.0');
  });

  test('a namespaced ClusterRole reads pods, namespaces, nodes, replicasets and jobs, bound to the ServiceAccount', () => {
    const { filebeat, objects } = synth();
    expect(filebeat.clusterRoleName).toBe('observability-agents-filebeat');
    const role = named(objects, 'ClusterRole', 'observability-agents-filebeat');
    expect(role.metadata.namespace).toBeUndefined();
    expect(role.rules).toEqual([
      {
        apiGroups: [''],
        resources: ['pods', 'namespaces', 'nodes'],
        verbs: ['get', 'list', 'watch'],
      },
      { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch'] },
    ]);
    const binding = named(objects, 'ClusterRoleBinding', 'observability-agents-filebeat');
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'observability-agents-filebeat',
    });
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'filebeat', namespace: 'observability-agents' },
    ]);
  });

  test('fails without a destination', () => {
    const chart = new Chart(Testing.app(), 'test');
    expect(() => new Filebeat(chart, 'filebeat', {})).toThrow(/logstash/);
  });

  test('fails with both destinations', () => {
    const chart = new Chart(Testing.app(), 'test');
    expect(
      () =>
        new Filebeat(chart, 'filebeat', {
          logstash: new FakeLogstash(chart),
          elasticsearch: new FakeElasticsearchCluster(chart, { securityEnabled: true }),
        }),
    ).toThrow(/logstash/);
  });

  test('fails when hostDataPath is not an absolute path', () => {
    expect(() => synth('logstash', { hostDataPath: 'var/lib/x' })).toThrow(/hostDataPath/);
  });
});

describe('Filebeat metrics exporter sidecar', () => {
  const template = (objects: any[]) => named(objects, 'DaemonSet', 'filebeat').spec.template;
  const exporter = (objects: any[]) =>
    template(objects).spec.containers.find((c: any) => c.name === 'exporter');

  test('each pod runs the pinned beat-exporter against its own Filebeat stats endpoint', () => {
    const { filebeat, objects } = synth();
    const c = exporter(objects);
    expect(c.image).toBe(Images.beatExporter);
    expect(Images.beatExporter).toBe('docker.io/trustpilot/beat-exporter:0.4.0');
    expect(c.args).toEqual(['-beat.uri=http://localhost:5066', '-web.listen-address=:9479']);
    expect(c.ports).toEqual([{ name: 'metrics', containerPort: 9479, protocol: 'TCP' }]);
    expect(filebeat.metricsPort).toBe(9479);
  });

  test("its port name differs from Filebeat's own", () => {
    const names = template(synth().objects).spec.containers.flatMap((c: any) =>
      c.ports.map((p: any) => p.name),
    );
    expect(names).toEqual(['http', 'metrics']);
  });

  test('the pod is scraped on the exporter port, and config changes still roll it', () => {
    const annotations = template(synth().objects).metadata.annotations;
    expect(annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9479',
      'prometheus.io/path': '/metrics',
      'prometheus.io/scheme': 'http',
    });
    expect(annotations['checksum/config']).toBeDefined();
  });

  test('runs non-root with a read-only root, no capabilities and RuntimeDefault seccomp, though Filebeat runs as root', () => {
    const c = exporter(synth().objects);
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 65534,
      runAsGroup: 65534,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.volumeMounts).toBeUndefined();
  });

  test('has small resources and TCP probes on its metrics port', () => {
    const c = exporter(synth().objects);
    expect(c.resources).toEqual({
      requests: { cpu: '10m', memory: '32Mi' },
      limits: { memory: '64Mi' },
    });
    expect(c.readinessProbe.tcpSocket).toEqual({ port: 'metrics' });
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 'metrics' });
  });

  test('image and resources can be overridden', () => {
    const c = exporter(
      synth('logstash', {
        exporter: {
          image: 'registry.example/beat-exporter:0.4.0',
          resources: { cpuRequest: '5m', memoryRequest: '16Mi', memoryLimit: '32Mi' },
        },
      }).objects,
    );
    expect(c.image).toBe('registry.example/beat-exporter:0.4.0');
    expect(c.resources.limits.memory).toBe('32Mi');
  });

  test('exporter: false leaves only Filebeat, unannotated for scraping', () => {
    const { filebeat, objects } = synth('logstash', { exporter: false });
    expect(template(objects).spec.containers.map((c: any) => c.name)).toEqual(['filebeat']);
    expect(Object.keys(template(objects).metadata.annotations)).toEqual(['checksum/config']);
    expect(filebeat.metricsPort).toBeUndefined();
  });

  test('fails when the exporter image is not pinned, naming the prop, the value and the fix', () => {
    expect(() => synth('logstash', { exporter: { image: 'trustpilot/beat-exporter' } })).toThrow(
      "test/filebeat: 'exporter.image' must be pinned to an exact tag or digest, got 'trustpilot/beat-exporter' (use 'registry/repository:1.2.3' or 'registry/repository@sha256:...')",
    );
  });

  test('fails when the exporter memory limit is below its request', () => {
    expect(() =>
      synth('logstash', {
        exporter: { resources: { cpuRequest: '10m', memoryRequest: '64Mi', memoryLimit: '32Mi' } },
      }),
    ).toThrow(/'exporter\.resources\.memoryLimit' is below the memory request 64Mi, got '32Mi'/);
  });
});
