import { readdirSync, readFileSync } from 'fs';
import { dirname, join, relative, resolve, sep } from 'path';
import * as ts from 'typescript';

// docs/architecture.md section 3: the folders of lib/ form layers. lib/core knows no other
// folder, and no two folders import each other, directly or through others.

const LIB = resolve(__dirname, '..', 'lib');

/** A graph: each node and the nodes it points to. */
type Graph = Map<string, Set<string>>;

/** Every .ts file under `dir`. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The relative modules a file imports or re-exports (`import`, `import type`, `export ... from`,
 * `import('...')`), as the TypeScript compiler reads them.
 */
function relativeImports(file: string): string[] {
  return ts
    .preProcessFile(readFileSync(file, 'utf8'), true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((name) => name.startsWith('.'));
}

/** The top-level folder of lib/ a path is in; a file directly in lib/ is its own node. */
function folderOf(path: string): string {
  return relative(LIB, path).split(sep)[0];
}

/** Which top-level folders of lib/ import which others. */
function folderGraph(): Graph {
  const graph: Graph = new Map();
  for (const file of sourceFiles(LIB)) {
    const from = folderOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const module of relativeImports(file)) {
      const to = folderOf(resolve(dirname(file), module));
      if (to !== from) edges.add(to);
    }
  }
  return graph;
}

/** A cycle of `graph` as its nodes, the first repeated last (`a, b, a`); undefined if none. */
export function findCycle(graph: Graph): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const open = path.indexOf(node);
    if (open >= 0) return [...path.slice(open), node];
    if (done.has(node)) return undefined;
    path.push(node);
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(node);
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

const graphOf = (edges: Record<string, string[]>): Graph =>
  new Map(Object.entries(edges).map(([from, to]) => [from, new Set(to)]));

describe('findCycle', () => {
  test('finds a cycle through several nodes, as the path around it', () => {
    expect(findCycle(graphOf({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] }))).toEqual([
      'a',
      'b',
      'c',
      'a',
    ]);
  });

  test('finds two nodes importing each other, also behind acyclic nodes', () => {
    expect(findCycle(graphOf({ a: ['b'], b: ['c'], c: ['d'], d: ['c'] }))).toEqual(['c', 'd', 'c']);
  });

  test('finds none in a graph where several paths reach one node', () => {
    expect(
      findCycle(
        graphOf({
          stack: ['core', 'prometheus', 'sizing'],
          prometheus: ['core'],
          sizing: ['core'],
        }),
      ),
    ).toBeUndefined();
  });
});

describe('the folders of lib/', () => {
  const graph = folderGraph();

  test('the graph is read from the sources: lib/stack imports lib/core and lib/prometheus', () => {
    expect([...(graph.get('stack') ?? [])]).toEqual(expect.arrayContaining(['core', 'prometheus']));
  });

  test('no two folders import each other, directly or through others', () => {
    expect(findCycle(graph)).toBeUndefined();
  });

  test('lib/core imports no other folder of lib/', () => {
    expect([...(graph.get('core') ?? [])]).toEqual([]);
  });
});
