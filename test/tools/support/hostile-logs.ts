import { concatBytes } from './filebeat';

/**
 * What ordinary services write to stdout, including the shapes that break a naive pipeline:
 * lines without `message` (Go and Node loggers write `msg`), ECS object fields given as
 * scalars and ECS scalar fields given as objects, secrets in arrays, objects, text,
 * `key=value` pairs and headers, card numbers and e-mail addresses whose keys say nothing,
 * plain text, a 100 KB line, a stack trace split into partial CRI lines, invalid UTF-8.
 * Every secret below is made for this test and is listed in SECRETS, which no stored
 * document may contain.
 */

export interface LogLine {
  readonly text: string | Buffer;
  /** A CRI partial line (`P`): the runtime split a long line; the next lines continue it. */
  readonly partial?: boolean;
}

export interface LogCase {
  readonly name: string;
  /** The container (and the service) whose log file holds the lines. */
  readonly container: string;
  readonly lines: readonly LogLine[];
  /** The index class every event of the case lands in. */
  readonly indexClass: 'all' | 'errors' | 'trades' | 'ai';
  /** Exact-value (term) queries each of the case's events answers. */
  readonly findBy: Record<string, string>;
  /** Phrases of `message` a full-text search finds. */
  readonly searchable?: readonly string[];
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const json = (o: unknown) => JSON.stringify(o);

/** Every secret value of the corpus: none may be stored, in any field. */
export const SECRETS = [
  'p1-long-secret-value',
  'p2-other-secret-value',
  'eyJhbGciOiJIUzI1NiJ9.bearer-token-value',
  'nested-secret-value-1',
  'primary-api-key-value',
  'kv-password-value-99',
  'header-basic-credentials',
  'plain-text-secret-123',
  'partial-line-secret-value',
  'object-message-secret-42',
  '4111 1111 1111 1111',
  '4111111111111111',
  '5500-0000-0000-0004',
  'alice.smith@example.com',
  'hunter2',
];

export const HOSTILE_LOGS: readonly LogCase[] = [
  {
    name: 'ECS JSON with secrets in text, key=value and headers',
    container: 'checkout',
    indexClass: 'all',
    lines: [
      {
        text: json({
          '@timestamp': '2026-12-01T10:00:00.000Z',
          'log.level': 'info',
          message: 'payment accepted password=kv-password-value-99',
          'service.name': 'checkout',
          'trace.id': TRACE,
          'ecs.version': '8.11.0',
        }),
      },
      {
        text: json({
          'log.level': 'info',
          message: 'upstream call Authorization: Basic header-basic-credentials',
          service: { name: 'checkout' },
          trace: { id: TRACE },
        }),
      },
    ],
    findBy: { 'service.name': 'checkout', 'log.level': 'info', 'trace.id': TRACE },
    searchable: ['payment accepted', 'upstream call'],
  },
  {
    name: 'no message key (msg), secrets in arrays and objects',
    container: 'gateway',
    indexClass: 'all',
    lines: [
      {
        text: json({
          level: 'info',
          msg: 'login ok',
          service: 'gateway',
          trace_id: TRACE,
          password: ['p1-long-secret-value', 'p2-other-secret-value'],
        }),
      },
      {
        text: json({
          level: 'info',
          msg: 'proxying',
          service: 'gateway',
          trace_id: TRACE,
          authorization: ['Bearer eyJhbGciOiJIUzI1NiJ9.bearer-token-value'],
        }),
      },
      {
        text: json({
          level: 'info',
          msg: 'rotating',
          service: 'gateway',
          trace_id: TRACE,
          secret: { value: 'nested-secret-value-1' },
          api_key: { primary: 'primary-api-key-value' },
        }),
      },
      {
        text: json({
          level: 'info',
          msg: 'short one',
          service: 'gateway',
          trace_id: TRACE,
          password: 'hunter2',
        }),
      },
    ],
    findBy: { 'service.name': 'gateway', 'log.level': 'info', 'trace.id': TRACE },
    searchable: ['login ok', 'proxying', 'rotating'],
  },
  {
    name: 'ECS object fields given as scalars',
    container: 'legacy',
    indexClass: 'all',
    lines: [
      {
        text: json({
          level: 'warn',
          message: 'error as a string',
          service: 'legacy',
          trace_id: TRACE,
          error: 'connection reset',
        }),
      },
      {
        text: json({
          level: 'warn',
          message: 'url as a string',
          service: 'legacy',
          trace_id: TRACE,
          url: 'https://shop.example/cart',
        }),
      },
      {
        text: json({
          level: 'warn',
          message: 'log as a string',
          service: 'legacy',
          trace_id: TRACE,
          log: 'a string log field',
        }),
      },
      {
        text: json({
          level: 'warn',
          message: 'labels as a string',
          service: 'legacy',
          trace_id: TRACE,
          labels: 'blue',
        }),
      },
      {
        text: json({
          level: 'warn',
          message: 'trace as a string',
          service: 'legacy',
          trace_id: TRACE,
          trace: 'sampled',
        }),
      },
      {
        text: json({
          level: 'warn',
          message: 'http and event as strings',
          service: 'legacy',
          trace_id: TRACE,
          http: 'GET',
          event: 'created',
          client: 'web',
        }),
      },
    ],
    findBy: { 'service.name': 'legacy', 'log.level': 'warn', 'trace.id': TRACE },
    searchable: [
      'error as a string',
      'url as a string',
      'log as a string',
      'labels as a string',
      'trace as a string',
    ],
  },
  {
    name: 'ECS scalar fields given as objects',
    container: 'inventory',
    indexClass: 'all',
    lines: [
      {
        text: json({
          'log.level': 'info',
          'service.name': 'inventory',
          'trace.id': TRACE,
          message: { text: 'stock low', secret: 'object-message-secret-42' },
        }),
      },
      {
        text: json({
          'log.level': 'info',
          'service.name': 'inventory',
          'trace.id': TRACE,
          message: 'status as an object',
          http: { response: { status_code: { value: 200 } } },
          url: { path: { raw: '/stock' } },
        }),
      },
      {
        text: json({
          'log.level': 'info',
          'service.name': 'inventory',
          'trace.id': TRACE,
          message: 'client.ip as an object',
          client: { ip: { v4: '203.0.113.9' } },
          event: { duration: 'slow' },
        }),
      },
      {
        text: json({
          'log.level': 'info',
          'service.name': 'inventory',
          'trace.id': TRACE,
          message: 'mixed types in one array',
          items: [{ qty: 1 }, { qty: 'two' }, { qty: 2.5 }],
          tags_list: [1, 'a', true],
        }),
      },
    ],
    findBy: { 'service.name': 'inventory', 'log.level': 'info', 'trace.id': TRACE },
    searchable: [
      'stock low',
      'status as an object',
      'client.ip as an object',
      'mixed types in one array',
    ],
  },
  {
    name: 'card numbers and e-mail addresses under keys that say nothing',
    container: 'billing',
    indexClass: 'all',
    lines: [
      {
        text: json({
          level: 'info',
          message: 'charged card 4111 1111 1111 1111 for order 1234567890123456',
          service: 'billing',
          trace_id: TRACE,
          card: '4111111111111111',
          contact: 'alice.smith@example.com',
        }),
      },
      {
        text: json({
          level: 'info',
          message: 'refund to 5500-0000-0000-0004 sent to alice.smith@example.com',
          service: 'billing',
          trace_id: TRACE,
        }),
      },
    ],
    findBy: { 'service.name': 'billing', 'log.level': 'info', 'trace.id': TRACE },
    // An order id that fails the Luhn check is not a card number and stays searchable.
    searchable: ['order 1234567890123456', 'refund to'],
  },
  {
    name: 'plain text lines',
    container: 'worker',
    indexClass: 'all',
    lines: [
      { text: 'worker started, connecting with password=plain-text-secret-123' },
      { text: 'INFO processed 42 jobs' },
    ],
    findBy: { 'service.name': 'worker' },
    searchable: ['worker started', 'processed 42 jobs'],
  },
  {
    name: 'a 100 KB line',
    container: 'reporter',
    indexClass: 'all',
    lines: [
      {
        text: json({
          'log.level': 'info',
          'service.name': 'reporter',
          'trace.id': TRACE,
          message: `report ready ${'x'.repeat(100 * 1024)}`,
        }),
      },
    ],
    findBy: { 'service.name': 'reporter', 'log.level': 'info', 'trace.id': TRACE },
    searchable: ['report ready'],
  },
  {
    name: 'a stack trace written as partial CRI lines',
    container: 'payments',
    indexClass: 'errors',
    lines: (() => {
      const line = json({
        'log.level': 'error',
        'service.name': 'payments',
        'trace.id': TRACE,
        message: 'charge failed',
        error: {
          type: 'ValueError',
          message: 'bad amount',
          stack_trace:
            'Traceback (most recent call last):\n  File "pay.py", line 10, in charge\nValueError: bad amount token=partial-line-secret-value',
        },
      });
      const chunks = [line.slice(0, 60), line.slice(60, 150), line.slice(150)];
      return chunks.map((text, i) => ({ text, partial: i < chunks.length - 1 }));
    })(),
    findBy: {
      'service.name': 'payments',
      'log.level': 'error',
      'trace.id': TRACE,
      'error.type': 'ValueError',
    },
    searchable: ['charge failed'],
  },
  {
    name: 'invalid UTF-8',
    container: 'scanner',
    indexClass: 'all',
    lines: [
      {
        text: concatBytes([
          Buffer.from(
            '{"log.level":"info","service.name":"scanner","trace.id":"' +
              TRACE +
              '","message":"bad bytes ',
          ),
          Buffer.from([0xff, 0xfe, 0xc3]),
          Buffer.from(' end"}'),
        ]),
      },
      {
        text: concatBytes([
          Buffer.from('raw bytes '),
          Buffer.from([0xc0, 0xaf, 0xed, 0xa0, 0x80]),
          Buffer.from(' in plain text'),
        ]),
      },
    ],
    findBy: { 'service.name': 'scanner' },
    searchable: ['bad bytes', 'in plain text'],
  },
  {
    name: 'deep nesting and a thousand keys',
    container: 'crawler',
    indexClass: 'all',
    lines: (() => {
      let deep: unknown = { leaf: 'bottom' };
      for (let i = 0; i < 30; i++) deep = { [`level${i}`]: deep };
      const wide: Record<string, number> = {};
      for (let i = 0; i < 1200; i++) wide[`key_${i}`] = i;
      return [
        {
          text: json({
            'log.level': 'info',
            'service.name': 'crawler',
            'trace.id': TRACE,
            message: 'nested thirty levels deep',
            page: deep,
          }),
        },
        {
          text: json({
            'log.level': 'info',
            'service.name': 'crawler',
            'trace.id': TRACE,
            message: 'twelve hundred keys',
            counts: wide,
          }),
        },
      ];
    })(),
    findBy: { 'service.name': 'crawler', 'log.level': 'info', 'trace.id': TRACE },
    searchable: ['nested thirty levels deep', 'twelve hundred keys'],
  },
  {
    name: 'a trade',
    container: 'orders',
    indexClass: 'trades',
    lines: [
      {
        text: json({
          'log.level': 'info',
          'service.name': 'orders',
          'trace.id': TRACE,
          message: 'trade filled',
          trade_id: 'T-1001',
          order_id: 98765,
        }),
      },
    ],
    findBy: { 'service.name': 'orders', 'log.level': 'info', 'trace.id': TRACE },
    searchable: ['trade filled'],
  },
];
