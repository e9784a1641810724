import { createHash } from 'crypto';
import { IConstruct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Component, ComponentProps } from './component';
import { configChecksum } from './config';
import { Duration, validateDurationSeconds } from './duration';
import { invalidProp } from './errors';
import { validateInteger } from './names';
import { ContainerResources } from './resources';
import { SecretFile, secretFilesMount, SecretKeyRef } from './secrets';
import {
  renderSetupScript,
  SetupRequest,
  SetupStep,
  setupStepFiles,
  setupStepSecrets,
} from './setup-script';
import { renderContainer, renderPodTemplate } from './workload';

/** Props every setup Job shares. */
export interface SetupJobProps extends ComponentProps {
  /** @default { cpuRequest: '50m', memoryRequest: '32Mi', memoryLimit: '64Mi' } */
  readonly resources?: ContainerResources;
  /** Pods the Job starts after a failed one before it gives up (`backoffLimit`). @default 6 */
  readonly backoffLimit?: number;
  /** Attempts of each request (the wait, each step) inside one pod. @default 30 */
  readonly maxAttempts?: number;
  /** The pause between attempts, in whole seconds from `1s` to `10m`. @default '10s' */
  readonly retryInterval?: Duration;
}

/** A CA file the Job trusts, with the volume that carries it. */
export interface SetupJobCa {
  readonly volume: k8s.Volume;
  readonly volumeMount: k8s.VolumeMount;
  readonly caFile: string;
}

/** What one setup Job talks to and does. */
export interface SetupJobOptions {
  /** What is set up, for log lines (`Kibana`). */
  readonly target: string;
  /** The API's base URL. */
  readonly url: string;
  /** @default - no TLS, or the image's trust store */
  readonly ca?: SetupJobCa;
  /**
   * Basic authentication: the password (and the user name, unless given as text) is mounted
   * from its Secret as a file the script reads, never put in the environment.
   * @default - no authentication
   */
  readonly credentials?: SetupCredentials;
  /** Headers on every request. @default - none */
  readonly headers?: string[];
  /** The request that must succeed first. */
  readonly waitFor: SetupRequest;
  readonly steps: SetupStep[];
  /** The files the steps send, by name. */
  readonly files: Record<string, string>;
  /**
   * The Secret keys `secret-request` steps read, mounted as files (by `file` name) in one
   * read-only directory: their values reach only the request bodies.
   * @default - none
   */
  readonly secrets?: readonly SecretFile[];
}

const DEFAULT_RESOURCES: ContainerResources = {
  cpuRequest: '50m',
  memoryRequest: '32Mi',
  memoryLimit: '64Mi',
};
const CONFIG_DIR = '/etc/setup';
const SCRIPT = 'setup.sh';

/** The user a setup script authenticates as. */
export interface SetupCredentials {
  /** The user name, or the Secret key holding it. */
  readonly username: string | SecretKeyRef;
  readonly password: SecretKeyRef;
}

const CREDENTIALS_DIR = '/etc/setup-credentials';
const SECRETS_DIR = '/etc/setup-secrets';

/** What a pod needs to run the setup script: its ConfigMap data, container and volumes. */
export interface SetupScriptPod {
  /** The ConfigMap's data: the script and the files its steps send. */
  readonly data: Record<string, string>;
  readonly container: k8s.Container;
  readonly volumes: k8s.Volume[];
}

/** What {@link renderSetupScriptPod} needs besides the script's options. */
export interface SetupScriptPodOptions extends SetupJobOptions {
  /** The container's name. */
  readonly containerName: string;
  /** The image, which must carry `/bin/sh` and curl. */
  readonly image: string;
  /** The ConfigMap that will hold {@link SetupScriptPod.data}. */
  readonly configMapName: string;
}

/**
 * The container that runs {@link renderSetupScript} from a mounted ConfigMap, with the API
 * URL, CA and credentials as environment: the main container of a setup Job, or an init
 * container that only waits (no steps) for an API another container then uses.
 */
export function renderSetupScriptPod(
  scope: IConstruct,
  props: SetupJobProps,
  options: SetupScriptPodOptions,
): SetupScriptPod {
  const maxAttempts = validateInteger(scope, 'maxAttempts', props.maxAttempts ?? 30, 1, 1000);
  const retrySeconds = validateDurationSeconds(
    scope,
    'retryInterval',
    props.retryInterval ?? '10s',
    {
      min: '1s',
      max: '10m',
      fix: "give whole seconds from '1s' to '10m', such as '10s'",
    },
  );
  if (!Number.isInteger(retrySeconds)) {
    invalidProp(
      scope,
      'retryInterval',
      props.retryInterval,
      'is not a whole number of seconds (the script sleeps in seconds)',
      `write whole seconds, such as '${Math.max(1, Math.round(retrySeconds))}s'`,
    );
  }
  for (const file of setupStepFiles(options.steps)) {
    if (options.files[file] === undefined)
      throw new Error(`setup step file ${file} is not among the Job's files`);
  }
  if (options.files[SCRIPT] !== undefined) throw new Error(`${SCRIPT} is reserved for the script`);
  checkSecretSteps(options);

  const script = renderSetupScript({
    target: options.target,
    configDir: CONFIG_DIR,
    secretsDir: options.secrets?.length ? SECRETS_DIR : undefined,
    headers: options.headers,
    waitFor: options.waitFor,
    steps: options.steps,
    maxAttempts,
    retrySeconds,
  });
  const data: Record<string, string> = { [SCRIPT]: script, ...options.files };
  const env: k8s.EnvVar[] = [{ name: 'API_URL', value: options.url }];
  const volumes: k8s.Volume[] = [
    { name: 'setup-config', configMap: { name: options.configMapName } },
  ];
  const volumeMounts: k8s.VolumeMount[] = [
    { name: 'setup-config', mountPath: CONFIG_DIR, readOnly: true },
  ];
  if (options.ca) {
    env.push({ name: 'API_CA_FILE', value: options.ca.caFile });
    volumes.push(options.ca.volume);
    volumeMounts.push(options.ca.volumeMount);
  }
  const credentials = options.credentials;
  if (credentials) {
    // One projected volume with a file per credential; the script reads the *_FILE paths.
    const files: SecretFile[] = [{ ref: credentials.password, file: 'password' }];
    if (typeof credentials.username === 'string')
      env.push({ name: 'API_USERNAME', value: credentials.username });
    else files.push({ ref: credentials.username, file: 'username' });
    const mount = secretFilesMount('setup-credentials', CREDENTIALS_DIR, files);
    volumes.push(mount.volume);
    volumeMounts.push(mount.volumeMount);
    env.push({ name: 'API_PASSWORD_FILE', value: mount.paths.password });
    if (mount.paths.username) env.push({ name: 'API_USERNAME_FILE', value: mount.paths.username });
  }
  if (options.secrets?.length) {
    const mount = secretFilesMount('setup-secrets', SECRETS_DIR, options.secrets);
    volumes.push(mount.volume);
    volumeMounts.push(mount.volumeMount);
  }
  const container = renderContainer(scope, 'resources', {
    name: options.containerName,
    image: options.image,
    command: ['/bin/sh', `${CONFIG_DIR}/${SCRIPT}`],
    env,
    resources: props.resources ?? DEFAULT_RESOURCES,
    volumeMounts,
  });
  return { data, container, volumes };
}

/**
 * Every Secret file a step reads is mounted, and the body file of each `secret-request` is a
 * JSON object with at least one field, none of them the secret field (the script puts that
 * field first and the object's fields after it).
 */
function checkSecretSteps(options: SetupJobOptions): void {
  const mounted = new Set((options.secrets ?? []).map((s) => s.file));
  for (const file of setupStepSecrets(options.steps)) {
    if (!mounted.has(file))
      throw new Error(`setup step secret ${file} is not among the Job's secrets`);
  }
  for (const step of options.steps) {
    if (step.kind !== 'secret-request' || step.file === undefined) continue;
    const body: unknown = JSON.parse(options.files[step.file]);
    if (
      typeof body !== 'object' ||
      body === null ||
      Array.isArray(body) ||
      Object.keys(body).length === 0 ||
      step.field in body
    )
      throw new Error(
        `setup step file ${step.file} must be a JSON object with fields other than ${step.field}`,
      );
  }
}

/**
 * The base of a component's setup Job: a Job that waits for an HTTP API, then applies
 * typed steps with the setup script (`lib/core/setup-script.ts`), from the component's own
 * image (which carries curl).
 *
 * A Job's pod template is immutable, so the Job is named `<name>-<hash>` after a hash of
 * its spec and files: a changed object creates a new Job (which runs again) instead of
 * an apply that fails. The ConfigMap keeps its name; GitOps tools prune the old Job,
 * `kubectl apply` leaves it behind (completed, harmless). `ttlSecondsAfterFinished` is
 * deliberately unset: a finished Job that deleted itself would be recreated by every
 * sync and so run again forever.
 */
export abstract class SetupJob extends Component {
  private setupJobName?: string;

  /** Name of the Job, `<name>-<hash of its config>`. */
  public get jobName(): string {
    if (this.setupJobName === undefined)
      throw new Error(`${this.node.path} has not added its setup Job`);
    return this.setupJobName;
  }

  /**
   * Adds the ConfigMap, ServiceAccount and Job. Call once, from the subclass constructor.
   * @internal The setup steps are this package's own; the declarations leave it out.
   */
  protected addSetupJob(props: SetupJobProps, options: SetupJobOptions): void {
    const backoffLimit = validateInteger(this, 'backoffLimit', props.backoffLimit ?? 6, 0, 100);
    if (this.setupJobName !== undefined)
      throw new Error(`${this.node.path} adds its setup Job twice`);
    const pod = renderSetupScriptPod(this, props, {
      ...options,
      containerName: 'setup',
      image: this.image,
      configMapName: `${this.name}-config`,
    });
    this.addConfigMap('config', `${this.name}-config`, 'setup', pod.data);
    const serviceAccountName = this.addServiceAccount();

    const template = renderPodTemplate({
      identity: this.identity('setup'),
      serviceAccountName,
      automountServiceAccountToken: false,
      containers: [pod.container],
      volumes: pod.volumes,
      annotations: { 'checksum/config': configChecksum(pod.data) },
    });
    const spec: k8s.JobSpec = {
      backoffLimit,
      template: { ...template, spec: { ...template.spec!, restartPolicy: 'Never' } },
    };
    this.setupJobName = `${this.name}-${jobHash(spec)}`;
    new k8s.KubeJob(this, 'job', { metadata: this.metadata(this.setupJobName, 'setup'), spec });
  }
}

/** The first 8 hex digits of a SHA-256 of the Job spec as the API server receives it. */
function jobHash(spec: k8s.JobSpec): string {
  return createHash('sha256')
    .update(JSON.stringify(k8s.toJson_JobSpec(spec)))
    .digest('hex')
    .slice(0, 8);
}
