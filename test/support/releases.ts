import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { EnvironmentName, KubeObject } from './environments';

/**
 * The released manifests the upgrade checks start from, and the CHANGELOG's upgrade notes
 * they hold to account (docs/upgrading.md).
 *
 * A release's `dist/` is committed under `test/fixtures/releases/<version>/<env>/`, copied
 * from the release's commit, so no check reads git history (CI may clone shallow).
 */

export const REPO = join(__dirname, '..', '..');

/** The release the current one upgrades from. */
export const PREVIOUS_RELEASE = '0.1.0';

/** The directory holding one environment's manifests of a release, or of this tree. */
export function manifestDir(env: EnvironmentName, release?: string): string {
  return release
    ? join(REPO, 'test', 'fixtures', 'releases', release, env)
    : join(REPO, 'dist', env);
}

/** Every object of the YAML files in `dir` (what `kubectl apply -f dir/` reads), in order. */
export function manifestObjects(dir: string): KubeObject[] {
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .flatMap((name) =>
      parseAllDocuments(readFileSync(join(dir, name), 'utf8')).map((doc) => doc.toJS()),
    )
    .filter(Boolean);
}

/** `Kind/namespace/name` (`Kind/name` when cluster-scoped). */
export function objectKey(object: KubeObject): string {
  const { namespace, name } = object.metadata;
  return `${object.kind}/${namespace ? `${namespace}/` : ''}${name}`;
}

/** The objects of `before` that `after` no longer has (renamed or removed), by key. */
export function droppedObjects(before: KubeObject[], after: KubeObject[]): string[] {
  const kept = new Set(after.map(objectKey));
  return before.map(objectKey).filter((key) => !kept.has(key));
}

/** The README's command for applying an environment (section "Applying an environment"), as argv. */
export function readmeApplyCommand(): string[] {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = sectionOf(readme, '## Applying an environment');
  const line = section.split('\n').find((l) => l.startsWith('kubectl apply '));
  if (!line) throw new Error('README.md: "Applying an environment" shows no `kubectl apply`');
  return line.trim().split(/\s+/);
}

/**
 * The "### Upgrading from <from>" subsection of the CHANGELOG entry of `release` (from its
 * heading to the next `### ` or `## `).
 */
export function upgradeNotes(release: string, from: string): string {
  const changelog = readFileSync(join(REPO, 'CHANGELOG.md'), 'utf8');
  const entry = sectionOf(changelog, `## [${release}]`);
  return sectionOf(entry, `### Upgrading from ${from}`);
}

/**
 * The commands the notes give for one environment, each as argv: the lines of the first
 * ```sh block between `# <env>` and the next `# ` line.
 */
export function upgradeCommands(notes: string, env: EnvironmentName): string[][] {
  const block = /```sh\n([\s\S]*?)```/.exec(notes)?.[1];
  if (!block) throw new Error('the upgrade notes have no ```sh block');
  const commands: string[][] = [];
  let current: string | undefined;
  for (const line of block.split('\n').map((l) => l.trim())) {
    if (line.startsWith('#')) current = line.slice(1).trim();
    else if (line && current === env) commands.push(line.split(/\s+/));
  }
  if (commands.length === 0) throw new Error(`the upgrade notes give no command for ${env}`);
  return commands;
}

/**
 * The objects a `kubectl [-n ns] delete <kind> <name>...` command names, as `Kind/ns/name`
 * keys (`kind` lowercased, as kubectl takes it: `job`, `statefulset`).
 */
export function deletedBy(command: string[], kinds: Map<string, string>): string[] {
  const args = [...command];
  let namespace: string | undefined;
  const n = args.findIndex((a) => a === '-n' || a === '--namespace');
  if (n >= 0) namespace = args.splice(n, 2)[1];
  if (args[0] !== 'kubectl' || args[1] !== 'delete') return [];
  const [resource, ...names] = args.slice(2).filter((a) => !a.startsWith('-'));
  const kind = kinds.get(resource);
  if (!kind) throw new Error(`unknown resource "${resource}" in: ${command.join(' ')}`);
  return names.map((name) => `${kind}/${namespace ? `${namespace}/` : ''}${name}`);
}

/**
 * The workloads the notes say restart on apply: the `kind/name` items of the bullet that
 * starts with "**Pods restart**". An item directly followed by environments in brackets,
 * `` `deployment/kibana` (staging, prod) ``, restarts only there: given `env`, the others are
 * left out.
 */
export function restartedWorkloads(notes: string, env?: string): string[] {
  const bullet = /^- \*\*Pods restart\*\*([\s\S]*?)(?=\n- |\n\n|(?![\s\S]))/m.exec(notes)?.[1];
  if (!bullet) throw new Error('the upgrade notes have no "**Pods restart**" bullet');
  const items = bullet.matchAll(
    /`([a-z]+)\/([a-z0-9-]+)`(?:\s+\(((?:dev|staging|prod)(?:, (?:dev|staging|prod))*)\))?/g,
  );
  return [...items]
    .filter((m) => env === undefined || m[3] === undefined || m[3].split(', ').includes(env))
    .map((m) => `${m[1]}/${m[2]}`);
}

/**
 * The text from `heading` (a line starting with it) to the next heading of its level or
 * above; a `#` line inside a fenced code block is no heading.
 */
function sectionOf(text: string, heading: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading));
  if (start < 0) throw new Error(`no section "${heading}"`);
  const level = heading.indexOf(' ');
  let fenced = false;
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i++) {
    if (lines[i].startsWith('```')) fenced = !fenced;
    else if (!fenced && /^#+ /.test(lines[i]) && lines[i].indexOf(' ') <= level) {
      end = i;
      break;
    }
  }
  return lines.slice(start, end).join('\n');
}
