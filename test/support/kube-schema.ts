import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import Ajv, { ValidateFunction } from 'ajv';

export const KUBERNETES_VERSIONS = ['v1.27.0', 'v1.36.0'] as const;
export type KubernetesVersion = (typeof KUBERNETES_VERSIONS)[number];

type Schema = Record<string, unknown>;

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const SCHEMAS_DIR = join(__dirname, '..', 'schemas');

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

/** Validates Kubernetes objects, and the cert-manager kinds stored beside them, against the strict schema of one version. */
export class KubeSchema {
  /** `apiVersion/kind` to the id of its schema in `ajv`. */
  private readonly byKind = new Map<string, string>();
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly ajv: Ajv;

  constructor(public readonly version: KubernetesVersion) {
    const raw = JSON.parse(readFileSync(join(SCHEMAS_DIR, version, '_definitions.json'), 'utf8'));
    const definitions = makeStrict(raw.definitions) as Record<string, Schema>;
    for (const [name, definition] of Object.entries(definitions)) {
      const gvks = definition['x-kubernetes-group-version-kind'] as
        { group: string; version: string; kind: string }[] | undefined;
      for (const gvk of gvks ?? []) {
        const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
        // DeleteOptions and friends list every group; keep the definition of the kind itself.
        if (name.endsWith(`.${gvk.kind}`))
          this.byKind.set(`${apiVersion}/${gvk.kind}`, `k8s#/definitions/${name}`);
      }
    }
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    this.ajv.addKeyword('x-kubernetes-group-version-kind');
    this.ajv.addSchema({ $id: 'k8s', definitions });
    this.addCustomResources();
  }

  /**
   * The custom resources the stack emits (cert-manager's `Certificate`), from the
   * CRD schemas under `schemas/cert-manager/`: as strict as the built-in kinds, and
   * `metadata`, which a CRD leaves as a bare object, checked as an `ObjectMeta`.
   */
  private addCustomResources(): void {
    const dir = join(SCHEMAS_DIR, 'cert-manager');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const crd = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
        group: string;
        version: string;
        kind: string;
        openAPIV3Schema: Schema;
      };
      const schema = makeStrict(crd.openAPIV3Schema) as Schema;
      schema.properties = {
        ...(schema.properties as Schema),
        metadata: { $ref: `k8s#/definitions/${OBJECT_META}` },
      };
      // No '/' in the id: refs to `k8s#...` resolve against it.
      const id = `crd.${crd.group}.${crd.version}.${crd.kind}`;
      this.ajv.addSchema(schema, id);
      this.byKind.set(`${crd.group}/${crd.version}/${crd.kind}`, id);
    }
  }

  /** Whether this version of Kubernetes, or one of the stored CRDs, serves the kind. */
  public knows(apiVersion: string, kind: string): boolean {
    return this.byKind.has(`${apiVersion}/${kind}`);
  }

  /** The validation errors of one object, as readable lines; empty when valid. */
  public errors(object: { apiVersion: string; kind: string; [field: string]: unknown }): string[] {
    const key = `${object.apiVersion}/${object.kind}`;
    const schemaId = this.byKind.get(key);
    if (!schemaId)
      return [
        `${key} is not served by Kubernetes ${this.version} nor by the CRDs under schemas/cert-manager`,
      ];
    let validate = this.validators.get(schemaId);
    if (!validate) {
      validate = this.ajv.getSchema(schemaId)!;
      this.validators.set(schemaId, validate);
    }
    if (validate(object)) return [];
    return (validate.errors ?? []).map(
      (e) =>
        `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}`,
    );
  }
}
