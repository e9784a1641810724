import { readFileSync } from 'fs';
import { join } from 'path';
import Ajv, { ValidateFunction } from 'ajv';

export const KUBERNETES_VERSIONS = ['v1.27.0', 'v1.36.0'] as const;
export type KubernetesVersion = typeof KUBERNETES_VERSIONS[number];

type Schema = Record<string, unknown>;

/**
 * Rejects unknown fields everywhere: every object definition that lists its
 * properties and says nothing about others gets `additionalProperties: false`.
 */
function makeStrict(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(makeStrict);
  if (!node || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node as Schema)) out[key] = makeStrict(value);
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** Validates Kubernetes objects against the strict schema of one version. */
export class KubeSchema {
  private readonly byKind = new Map<string, string>();
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly ajv: Ajv;

  constructor(public readonly version: KubernetesVersion) {
    const raw = JSON.parse(readFileSync(join(__dirname, '..', 'schemas', version, '_definitions.json'), 'utf8'));
    const definitions = makeStrict(raw.definitions) as Record<string, Schema>;
    for (const [name, definition] of Object.entries(definitions)) {
      const gvks = definition['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string }[] | undefined;
      for (const gvk of gvks ?? []) {
        const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
        // DeleteOptions and friends list every group; keep the definition of the kind itself.
        if (name.endsWith(`.${gvk.kind}`)) this.byKind.set(`${apiVersion}/${gvk.kind}`, name);
      }
    }
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    this.ajv.addKeyword('x-kubernetes-group-version-kind');
    this.ajv.addSchema({ $id: 'k8s', definitions });
  }

  /** Whether this version of Kubernetes serves the object's kind. */
  public knows(apiVersion: string, kind: string): boolean {
    return this.byKind.has(`${apiVersion}/${kind}`);
  }

  /** The validation errors of one object, as readable lines; empty when valid. */
  public errors(object: { apiVersion: string; kind: string; [field: string]: unknown }): string[] {
    const key = `${object.apiVersion}/${object.kind}`;
    const definition = this.byKind.get(key);
    if (!definition) return [`${key} is not served by Kubernetes ${this.version}`];
    let validate = this.validators.get(definition);
    if (!validate) {
      validate = this.ajv.getSchema(`k8s#/definitions/${definition}`)!;
      this.validators.set(definition, validate);
    }
    if (validate(object)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}`);
  }
}
