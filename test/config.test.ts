import { parse } from 'yaml';
import { renderYaml } from '../lib/core/config';

describe('renderYaml', () => {
  // Strings a YAML 1.1 reader (Go's yaml.v2/v3 resolvers, Java's SnakeYAML) would turn into a
  // timestamp, a boolean, a base-60 number or null, but YAML 1.2 leaves as strings.
  const ambiguous = {
    date: '2006-01-02',
    enabled: 'on',
    accepted: 'yes',
    disabled: 'off',
    sexagesimal: '10:30',
    tilde: '~',
    octal: '0755',
  };

  test('quotes strings that YAML 1.1 would read as something else', () => {
    const text = renderYaml(ambiguous);
    for (const [key, value] of Object.entries(ambiguous))
      expect(text).toContain(`${key}: "${value}"`);
  });

  test('a YAML 1.1 reader gets back exactly the strings that went in', () => {
    expect(parse(renderYaml(ambiguous), { version: '1.1' })).toEqual(ambiguous);
    expect(parse(renderYaml(ambiguous))).toEqual(ambiguous);
  });

  test('quotes keys the same way', () => {
    expect(renderYaml({ on: 1 })).toBe('"on": 1\n');
  });

  test('leaves plain strings, numbers, booleans and environment references as they are', () => {
    expect(renderYaml({ a: 'plain', b: 15, c: true, d: '${env:ES_PASSWORD}' })).toBe(
      'a: plain\nb: 15\nc: true\nd: ${env:ES_PASSWORD}\n',
    );
  });
});
