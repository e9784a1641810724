import { createHash } from 'crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'fs';
import { join, relative } from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';

export const KUBERNETES_VERSIONS = ['v1.27.0', 'v1.36.0'] as const;
export type KubernetesVersion = (typeof KUBERNETES_VERSIONS)[number];

type Schema = Record<string, unknown>;

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const SCHEMAS_DIR = join(__dirname, '..', 'schemas');
/**
 * Compiled validators, shared by the test files and kept between runs: compiling one kind's
 * schema takes a few hundred milliseconds and eight test files validate the same kinds.
 * Each version's directory is named by a hash of what its validators are compiled from.
 */
const CACHE_DIR = join(__dirname, '..', '..', 'build', 'kube-schema');

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function schemaFiles(version: KubernetesVersion): string[] {
  const crds = join(SCHEMAS_DIR, 'cert-manager');
  return [
    join(SCHEMAS_DIR, version, '_definitions.json'),
    ...readdirSync(crds)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => join(crds, f)),
  ];
}

/** The cache directory of one version: a hash of the schemas, this file and ajv's version. */
function cacheDirOf(version: KubernetesVersion): string {
  const hash = createHash('sha256');
  const ajvVersion = JSON.parse(readFileSync(require.resolve('ajv/package.json'), 'utf8')).version;
  hash.update(`ajv ${ajvVersion}\n${readFileSync(__filename, 'utf8')}\n`);
  for (const file of schemaFiles(version))
    hash.update(`${relative(SCHEMAS_DIR, file)}\n${sha256(readFileSync(file, 'utf8'))}\n`);
  return join(CACHE_DIR, `${version}-${hash.digest('hex').slice(0, 16)}`);
}

/** Writes a file whole or not at all: test files running in parallel may write the same one. */
function writeAtomically(file: string, text: string): void {
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, text);
  renameSync(partial, file);
}

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
  private readonly byKind: Map<string, string>;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly cacheDir: string;
  /** Made the first time a kind's validator is not in the cache. */
  private compiler?: Ajv;

  constructor(public readonly version: KubernetesVersion) {
    this.cacheDir = cacheDirOf(version);
    const kindsFile = join(this.cacheDir, 'kinds.json');
    if (existsSync(kindsFile)) {
      this.byKind = new Map(JSON.parse(readFileSync(kindsFile, 'utf8')));
    } else {
      this.byKind = new Map();
      this.compiler = this.makeCompiler();
      mkdirSync(this.cacheDir, { recursive: true });
      writeAtomically(kindsFile, JSON.stringify([...this.byKind]));
    }
  }

  /** An ajv holding the strict definitions of this version and the CRDs; fills `byKind`. */
  private makeCompiler(): Ajv {
    const raw = JSON.parse(
      readFileSync(join(SCHEMAS_DIR, this.version, '_definitions.json'), 'utf8'),
    );
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
    // `code.source` keeps each validator's source, which the cache stores.
    const ajv = new Ajv({
      strict: false,
      allErrors: true,
      validateFormats: false,
      code: { source: true },
    });
    ajv.addKeyword('x-kubernetes-group-version-kind');
    ajv.addSchema({ $id: 'k8s', definitions });
    this.addCustomResources(ajv);
    return ajv;
  }

  /** The validator of a schema: from the cache, else compiled and stored there. */
  private validator(schemaId: string): ValidateFunction {
    const file = join(this.cacheDir, `${sha256(schemaId).slice(0, 16)}.js`);
    if (existsSync(file)) {
      const module = { exports: {} as ValidateFunction };
      // The validator's standalone CommonJS source; it requires only ajv's runtime helpers.
      new Function('require', 'module', 'exports', readFileSync(file, 'utf8'))(
        require,
        module,
        module.exports,
      );
      return module.exports;
    }
    this.compiler ??= this.makeCompiler();
    const validate = this.compiler.getSchema(schemaId)!;
    writeAtomically(file, standaloneCode(this.compiler, validate));
    return validate;
  }

  /**
   * The custom resources the stack emits (cert-manager's `Certificate`), from the
   * CRD schemas under `schemas/cert-manager/`: as strict as the built-in kinds, and
   * `metadata`, which a CRD leaves as a bare object, checked as an `ObjectMeta`.
   */
  private addCustomResources(ajv: Ajv): void {
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
      ajv.addSchema(schema, id);
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
      validate = this.validator(schemaId);
      this.validators.set(schemaId, validate);
    }
    if (validate(object)) return [];
    return (validate.errors ?? []).map(
      (e) =>
        `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}`,
    );
  }
}
