/*
 * Log masking and classification, run by Filebeat's `script` processor on the node,
 * so personal data is masked before a log line leaves the node, whatever the output.
 *
 * This file is the single source of truth: the Filebeat construct embeds it verbatim
 * as the processor's `source`, and test/log-processing.test.ts runs the same text.
 * It must stay ECMAScript 5.1 (goja): no let/const, arrow functions, template
 * literals, String.prototype.includes/startsWith/endsWith, Object.assign, lookbehind.
 * It must never contain a dollar sign followed by an opening brace: Filebeat expands
 * that as a variable in its config file.
 *
 * MERGING (params.decoded_field, params.object_fields, params.leaf_fields), first:
 * decode_json_fields leaves a JSON line's object in its own field, and the script merges it
 * into the event so that it fits the index templates and never replaces what Filebeat wrote.
 * `@timestamp` becomes `timestamp` (the timestamp processor after this one parses it); `msg`
 * becomes `message` when there is none; the flat shape is renamed (below). What does not fit
 * goes to `moved.<dotted path>`: a value where the templates map an object (`"error": "boom"`),
 * an object where they map a value (`"message": {...}`), a field Filebeat owns (`log.file`,
 * `log.offset`, `kubernetes`, `host`...) and a top-level name starting with `_`. Blank names
 * become `blank_key`. Values of mixed kinds at one path (`[1, "a", true]`) all become strings.
 * A reshaped event is tagged `fields_moved` and keeps its line, masked, in `event.original`. A
 * line with no message keeps its masked JSON as `message`. service.name, when absent, is the
 * pod's app label, else its container's name (from Kubernetes metadata or the log file name).
 *
 * NORMALISATION (params.ecs_renames): the flat shape's fields get their ECS
 * names, so both shapes are queried by the same names whatever the output (the
 * Logstash pipeline applies the same table to events from other shippers). Each
 * `{ from, to }` moves a string or number at `from` to the dotted path `to` when
 * nothing is there yet: `level` -> `log.level`, `service` -> `service.name`,
 * `trace_id` -> `trace.id`, `span_id` -> `span.id`. An object or array at `from` is
 * left alone (an ECS `service` object is not the flat shape), and so is an event
 * whose ECS field is already set or whose ECS parent is a scalar (`trace: "x"`). The rest still reads both shapes: `log.level` or
 * `level`, `log.logger` or `logger`, `service.name` or a string `service`.
 *
 * MASKING (params.secret_key_fragments, params.mask_ip_addresses)
 * 1. Secret keys: a key whose name, lower-cased with `-` read as `_`, contains a
 *    fragment (default password, secret, token, api_key, authorization) has its value
 *    masked, at any depth and inside arrays. Objects and arrays under such a key have
 *    every leaf masked. A value whose string form is 10 characters or shorter becomes
 *    `***REDACTED***`; a longer one keeps its first 4 and last 4 characters around
 *    `...`. Booleans and null are kept (they carry no secret). Numbers are masked
 *    (and become strings).
 * 2. Counts are not secrets: under a key ending in `tokens` or `token_count`
 *    (`prompt_tokens`, `completion_tokens`, `total_tokens`, `max_tokens`, `tokens`)
 *    a number, or a string of digits, is kept.
 * 3. Secrets inside text (every string value, e.g. a message that is still raw JSON):
 *    `"key": "value"` / `'key': 'value'` (JSON, Python repr), `key=value` (logfmt,
 *    query strings) and `Authorization: <scheme> <credentials>` (HTTP headers) get the
 *    same value masking. `key: value` with an unquoted key is left alone on purpose:
 *    prose like "invalid token: expired" is not a secret.
 * 3b. Values, whatever their key (params.value_masks): payment card numbers (13 to 19
 *    digits with single spaces or dashes between, Luhn-checked) keep only their last four
 *    digits; e-mail addresses keep the first character of the local part and the domain;
 *    custom patterns become `***REDACTED***`. A card number written as a JSON number too.
 * 4. IP addresses inside any string are truncated to their network's first group,
 *    staying valid addresses so ECS `ip` fields (client.ip, source.ip) still index:
 *    IPv4 `203.0.113.7` -> `203.0.0.0`; IPv6 (full or compressed) `2001:db8::7` ->
 *    `2001::`, `::1` -> `::`; IPv4-mapped `::ffff:203.0.113.7` -> `::ffff:203.0.0.0`.
 *    A port after an IPv4 address is kept. Version strings (`1.2.3`), times
 *    (`10:30:45`), MAC addresses and decimals are not addresses and stay; a four-part
 *    version whose parts are all 0-255 (`1.2.3.4`) cannot be told from an address and
 *    is masked.
 * 5. Not touched at all: `@timestamp`, `timestamp`, `trace.id`, `span.id`, `trace_id`,
 *    `span_id`, `transaction.id`, and what Filebeat itself adds (`kubernetes.*`,
 *    `host.*`, `agent.*`, `container.*`, `cloud.*`, `orchestrator.*`, `ecs.version`,
 *    `input.*`, `log.file.*`, `log.offset`, `stream`, `data_stream.*`): node and pod
 *    addresses there are infrastructure, not personal data, and ids must stay
 *    joinable across logs, traces and metrics.
 * Masking is idempotent: a masked value masks to itself.
 *
 * CLASSIFICATION (params.classify, params.domains, params.classes), written to `labels.*`,
 * overwriting what the application set there, because these fields drive routing and
 * retention. The domains and the classes are data the construct passes (its default
 * tables are DEFAULT_LOG_DOMAINS and DEFAULT_LOG_CLASSES in lib/core/log-classes.ts):
 * - labels.severity_class: `error` when the level is error, err, critical, crit,
 *   fatal, alert, emerg, emergency, panic or severe (case-insensitive), or when
 *   `error.type` is set (except `json`, Filebeat's own JSON decoding failure);
 *   `warning` for warn/warning; otherwise `info`. Numeric levels are not interpreted.
 * - labels.event_domain: the first domain of params.domains (`{ name, keys, words }`)
 *   whose evidence is found; evidence is looked for in key names first (any depth,
 *   untouched fields excluded, lower-cased with `-` read as `_`), then in the words of
 *   the logger name, then of the service name (names are split into lower-case words at
 *   every non-alphanumeric character). `other` when nothing matches.
 * - labels.index_class: the name of the first class of params.classes
 *   (`{ name, field, values }`, in order) whose `field`, read after the two labels above
 *   are set, holds one of its `values` (compared as text; for a list, one of its items);
 *   a class without a field takes every event (the catch-all, last). Not set when
 *   params.classes is empty; routing then sends the event to the catch-all.
 *
 * FAILURE: if processing throws, the event is not shipped half-masked: every field
 * except the untouched metadata above is removed, `message` says the event was
 * withheld and the event is tagged `log_processing_failed`.
 */

var REDACTED = '***REDACTED***';
var DEFAULT_SECRET_KEY_FRAGMENTS = ['password', 'secret', 'token', 'api_key', 'authorization'];

// Paths left alone entirely (see 5. above); a path also covers everything below it.
var UNTOUCHED_PATHS = [
  '@timestamp', 'timestamp', 'trace.id', 'span.id', 'trace_id', 'span_id', 'transaction.id',
  'kubernetes', 'host', 'agent', 'container', 'cloud', 'orchestrator', 'ecs.version', 'input',
  'log.file', 'log.offset', 'stream', 'data_stream'
];
// Fields kept when an event is withheld after a failure: what Filebeat wrote and the ids
// that join it to its trace. Paths, not top-level objects: a line's own fields under `log`
// or `ecs` (not yet masked when processing failed) are not kept.
var KEPT_ON_FAILURE = ['kubernetes', 'host', 'agent', 'container', 'cloud', 'orchestrator', 'ecs.version',
  'input', 'log.file', 'log.offset', 'stream', 'data_stream', 'trace.id', 'span.id', 'trace_id', 'span_id', 'tags'];

var ERROR_LEVELS = ['error', 'err', 'critical', 'crit', 'fatal', 'alert', 'emerg', 'emergency', 'panic', 'severe'];
var WARNING_LEVELS = ['warn', 'warning'];

var IPV4_RE = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;
var HEXTET_RE = /^[0-9A-Fa-f]{1,4}$/;
// A run of word characters with at least one `.` or `:`: every address candidate.
var ADDRESS_RUN_RE = /[0-9A-Za-z_]*[.:][0-9A-Za-z_.:]*/g;
var COUNT_KEY_RE = /(^|_)tokens$|token_count$/;

// Settings, filled by configure() from the processor's params.
var settings = null;

function indexOf(list, value) {
  for (var i = 0; i < list.length; i++) {
    if (list[i] === value) return i;
  }
  return -1;
}

function listToSet(list) {
  var set = {};
  for (var i = 0; list && i < list.length; i++) set[String(list[i])] = true;
  return set;
}

function escapeRegExp(s) {
  return s.replace(/[\\^.*+?()\[\]{}|\/]/g, '\\$&');
}

function stringList(list) {
  var out = [];
  for (var i = 0; list && i < list.length; i++) out.push(String(list[i]));
  return out;
}

// `{ name, keys, words }` of each domain, in the order they are tried.
function domainParams(list) {
  var domains = [];
  for (var i = 0; list && i < list.length; i++) {
    var d = list[i];
    if (d && typeof d.name === 'string') domains.push({ name: d.name, keys: stringList(d.keys), words: stringList(d.words) });
  }
  return domains;
}

// `{ name, field, values }` of each class, in order; no field: every event.
function classParams(list) {
  var classes = [];
  for (var i = 0; list && i < list.length; i++) {
    var c = list[i];
    if (!c || typeof c.name !== 'string') continue;
    var field = typeof c.field === 'string' && c.field !== '' ? c.field : null;
    classes.push({ name: c.name, field: field, values: listToSet(c.values) });
  }
  return classes;
}

// Builds the settings and the text-matching expressions from the params.
function configure(params) {
  var p = params || {};
  var fragments = [];
  var source = p.secret_key_fragments;
  if (source === undefined || source === null) source = DEFAULT_SECRET_KEY_FRAGMENTS;
  for (var i = 0; i < source.length; i++) {
    var f = String(source[i]).toLowerCase().replace(/-/g, '_');
    if (f !== '') fragments.push(f);
  }
  var renames = [];
  var pairs = p.ecs_renames || [];
  for (var r = 0; r < pairs.length; r++) {
    if (pairs[r] && typeof pairs[r].from === 'string' && typeof pairs[r].to === 'string') {
      renames.push({ from: pairs[r].from, to: pairs[r].to });
    }
  }
  var masks = [];
  var maskParams = p.value_masks;
  if (maskParams === undefined || maskParams === null) maskParams = [{ kind: 'payment_card' }];
  for (var m = 0; m < maskParams.length; m++) {
    var mp = maskParams[m] || {};
    if (mp.kind === 'payment_card' || mp.kind === 'email') masks.push({ kind: mp.kind });
    else if (mp.kind === 'pattern' && typeof mp.regex === 'string') masks.push({ kind: 'pattern', re: new RegExp(mp.regex, 'g') });
  }
  var s = {
    renames: renames,
    valueMasks: masks,
    objectFields: listToSet(p.object_fields),
    leafFields: listToSet(p.leaf_fields),
    decodedField: typeof p.decoded_field === 'string' ? p.decoded_field : null,
    fragments: fragments,
    maskIps: p.mask_ip_addresses !== false,
    classify: p.classify !== false,
    domains: domainParams(p.domains),
    classes: classParams(p.classes),
    fragmentRe: null,
    quotedKeyRe: null,
    singleQuotedKeyRe: null,
    assignmentRe: null,
    headerRe: null
  };
  if (fragments.length > 0) {
    var alternatives = [];
    for (var j = 0; j < fragments.length; j++) {
      // `_` in a fragment also matches `-`: `X-Api-Key` is an api_key.
      alternatives.push(escapeRegExp(fragments[j]).replace(/_/g, '[_-]'));
    }
    var fragment = '(?:' + alternatives.join('|') + ')';
    var key = '[A-Za-z0-9_.-]*' + fragment + '[A-Za-z0-9_.-]*';
    var bare = '(-?[0-9][0-9.eE+-]*|true|false|null)';
    s.fragmentRe = new RegExp(fragment, 'i');
    s.quotedKeyRe = new RegExp('"(' + key + ')"(\\s*:\\s*)(?:"((?:[^"\\\\]|\\\\.)*)"|' + bare + ')', 'gi');
    s.singleQuotedKeyRe = new RegExp('\'(' + key + ')\'(\\s*:\\s*)(?:\'((?:[^\'\\\\]|\\\\.)*)\'|' + bare + ')', 'gi');
    s.assignmentRe = new RegExp('(' + key + ')(\\s*=\\s*)(?:"((?:[^"\\\\]|\\\\.)*)"|\'((?:[^\'\\\\]|\\\\.)*)\'|([^\\s&,;"\'<>)\\]}]+))', 'gi');
    if (indexOf(fragments, 'authorization') >= 0) {
      s.headerRe = /((?:proxy[_-])?authorization)(\s*:\s*)((?:(?:bearer|basic|digest|token|apikey|negotiate|ntlm)\s+)?[^\s,;"']+)/gi;
    }
  }
  settings = s;
}

configure(null);

/** Filebeat calls this with the processor's `params`. */
function register(params) {
  configure(params);
}

function isArray(v) {
  return Object.prototype.toString.call(v) === '[object Array]';
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && Object.prototype.toString.call(v) === '[object Object]';
}

function normaliseKey(key) {
  return String(key).toLowerCase().replace(/-/g, '_');
}

function isSecretKey(key) {
  var n = normaliseKey(key);
  for (var i = 0; i < settings.fragments.length; i++) {
    if (n.indexOf(settings.fragments[i]) >= 0) return true;
  }
  return false;
}

function isCount(key, value) {
  if (!COUNT_KEY_RE.test(normaliseKey(key))) return false;
  return typeof value === 'number' || (typeof value === 'string' && /^[0-9]+$/.test(value));
}

function isUntouched(path) {
  for (var i = 0; i < UNTOUCHED_PATHS.length; i++) {
    var p = UNTOUCHED_PATHS[i];
    if (path === p || path.indexOf(p + '.') === 0) return true;
  }
  return false;
}

/** `***REDACTED***` up to 10 characters, else first 4 + `...` + last 4. */
function maskSecret(value) {
  var s = String(value);
  if (s === REDACTED || (s.length === 11 && s.substring(4, 7) === '...')) return s;
  if (s.length <= 10) return REDACTED;
  return s.substring(0, 4) + '...' + s.substring(s.length - 4);
}

function maskIpv4(address) {
  return address.substring(0, address.indexOf('.')) + '.0.0.0';
}

// The masked form of an IPv6 address, or null when `s` is not one.
function maskIpv6(s) {
  if (s.indexOf(':') < 0) return null;
  var head = s;
  var embedded = null;
  var lastColon = s.lastIndexOf(':');
  var tail = s.substring(lastColon + 1);
  if (tail.indexOf('.') >= 0) {
    if (!IPV4_RE.test(tail)) return null;
    embedded = tail;
    head = s.substring(0, lastColon + 1);
    if (head.substring(head.length - 2) !== '::') head = head.substring(0, head.length - 1);
  }
  var maxGroups = embedded === null ? 8 : 6;
  var groups;
  var compressed = head.indexOf('::');
  if (compressed >= 0) {
    if (head.indexOf('::', compressed + 1) >= 0) return null;
    var left = head.substring(0, compressed);
    var right = head.substring(compressed + 2);
    var leftGroups = left === '' ? [] : left.split(':');
    var rightGroups = right === '' ? [] : right.split(':');
    if (leftGroups.length + rightGroups.length >= maxGroups) return null;
    groups = leftGroups.concat(rightGroups);
  } else {
    groups = head === '' ? [] : head.split(':');
    if (groups.length !== maxGroups) return null;
  }
  for (var i = 0; i < groups.length; i++) {
    if (!HEXTET_RE.test(groups[i])) return null;
  }
  var lowerHead = head.toLowerCase();
  if (embedded !== null && (lowerHead === '::ffff' || lowerHead === '::')) {
    return (lowerHead === '::' ? '::' : '::ffff:') + maskIpv4(embedded);
  }
  return compressed === 0 ? '::' : groups[0].toLowerCase() + '::';
}

function maskAddressCore(core) {
  var v6 = maskIpv6(core);
  if (v6 !== null) return v6;
  // `client:fe80::1`: a word that is not hex, then one colon, then the rest.
  var colon = core.indexOf(':');
  if (colon > 0 && core.charAt(colon + 1) !== ':' && /[G-Zg-z_]/.test(core.substring(0, colon))) {
    return core.substring(0, colon + 1) + maskAddressCore(core.substring(colon + 1));
  }
  // IPv4, with or without a port, or between colons.
  var parts = core.split(':');
  for (var i = 0; i < parts.length; i++) {
    if (IPV4_RE.test(parts[i])) parts[i] = maskIpv4(parts[i]);
  }
  return parts.join(':');
}

function maskAddressRun(run) {
  if (!/[0-9]/.test(run)) return run;
  // Sentence punctuation after an address is not part of it (`::` is).
  var end = run.length;
  while (end > 0 && run.charAt(end - 1) === '.') end--;
  if (end > 1 && run.charAt(end - 1) === ':' && run.charAt(end - 2) !== ':') end--;
  return maskAddressCore(run.substring(0, end)) + run.substring(end);
}

function maskQuoted(quote) {
  return function (match, key, separator, quoted, bare) {
    if (typeof quoted === 'string') {
      if (isCount(key, quoted)) return match;
      return quote + key + quote + separator + quote + maskSecret(quoted) + quote;
    }
    if (bare === 'true' || bare === 'false' || bare === 'null' || isCount(key, Number(bare))) return match;
    return quote + key + quote + separator + maskSecret(bare);
  };
}

function maskAssignment(match, key, separator, doubleQuoted, singleQuoted, bare) {
  if (typeof doubleQuoted === 'string') {
    return key + separator + '"' + maskSecret(doubleQuoted) + '"';
  }
  if (typeof singleQuoted === 'string') {
    return key + separator + '\'' + maskSecret(singleQuoted) + '\'';
  }
  if (isCount(key, bare)) return match;
  return key + separator + maskSecret(bare);
}

function maskHeader(match, name, separator, credentials) {
  return name + separator + maskSecret(credentials);
}

// 13 to 19 digits, each group separated by at most one space or dash: a card number candidate.
var CARD_RE = /(^|[^0-9])([0-9](?:[ -]?[0-9]){12,18})(?![0-9])/g;
var EMAIL_RE = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})/g;

function luhnValid(digits) {
  var sum = 0;
  for (var i = 0; i < digits.length; i++) {
    var d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d = d * 2;
      if (d > 9) d = d - 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

// `4111 1111 1111 1111` -> `**** **** **** 1111`: every digit but the last four, separators kept.
function maskCard(match, before, candidate) {
  var digits = candidate.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19 || !luhnValid(digits)) return match;
  var seen = 0;
  var out = '';
  for (var i = candidate.length - 1; i >= 0; i--) {
    var c = candidate.charAt(i);
    if (c >= '0' && c <= '9') {
      seen++;
      out = (seen > 4 ? '*' : c) + out;
    } else {
      out = c + out;
    }
  }
  return before + out;
}

/** Payment card numbers (Luhn-checked), e-mail addresses and custom patterns, as configured. */
function maskValuePatterns(text) {
  var out = text;
  for (var i = 0; i < settings.valueMasks.length; i++) {
    var mask = settings.valueMasks[i];
    if (mask.kind === 'payment_card') {
      if (/[0-9]{4}/.test(out) || /[0-9][ -][0-9]/.test(out)) out = out.replace(CARD_RE, maskCard);
    } else if (mask.kind === 'email') {
      if (out.indexOf('@') >= 0) out = out.replace(EMAIL_RE, '$1***@$2');
    } else {
      out = out.replace(mask.re, REDACTED);
    }
  }
  return out;
}

/** Masks secrets written as text and IP addresses inside one string. */
function maskText(text) {
  var out = text;
  if (settings.fragmentRe !== null && settings.fragmentRe.test(out)) {
    out = out.replace(settings.quotedKeyRe, maskQuoted('"'));
    out = out.replace(settings.singleQuotedKeyRe, maskQuoted('\''));
    out = out.replace(settings.assignmentRe, maskAssignment);
    if (settings.headerRe !== null) out = out.replace(settings.headerRe, maskHeader);
  }
  out = maskValuePatterns(out);
  if (settings.maskIps && /[.:]/.test(out) && /[0-9]/.test(out)) {
    out = out.replace(ADDRESS_RUN_RE, maskAddressRun);
  }
  return out;
}

/**
 * Returns the masked copy of `value`, found under `key` at `path`. `state.changed`
 * records whether anything differs; `state.keys` collects key names for classification.
 */
function maskValue(value, key, path, secret, state) {
  if (isUntouched(path)) return value;
  var underSecret = secret || isSecretKey(key);
  if (value === null || value === undefined || typeof value === 'boolean') return value;
  var i;
  if (isArray(value)) {
    var list = [];
    for (i = 0; i < value.length; i++) list.push(maskValue(value[i], key, path, underSecret, state));
    return list;
  }
  if (isPlainObject(value)) {
    var copy = {};
    var keys = Object.keys(value);
    for (i = 0; i < keys.length; i++) {
      state.keys[normaliseKey(keys[i])] = true;
      copy[keys[i]] = maskValue(value[keys[i]], keys[i], path + '.' + keys[i], underSecret, state);
    }
    return copy;
  }
  var masked = value;
  if (underSecret) {
    if (!isCount(key, value)) masked = maskSecret(value);
  } else if (typeof value === 'string') {
    masked = maskText(value);
  } else if (typeof value === 'number' && Math.floor(value) === value && Math.abs(value) >= 1e12) {
    // A card number written as a JSON number.
    var asText = String(value);
    if (maskValuePatterns(asText) !== asText) masked = maskValuePatterns(asText);
  }
  if (masked !== value) state.changed = true;
  return masked;
}

function stringField(event, names) {
  for (var i = 0; i < names.length; i++) {
    var v = event.Get(names[i]);
    if (typeof v === 'string' && v !== '') return v.toLowerCase();
  }
  return '';
}

function words(name) {
  return name === '' ? [] : name.split(/[^a-z0-9]+/);
}

function hasAny(list, lookup) {
  for (var i = 0; i < list.length; i++) {
    if (lookup(list[i])) return true;
  }
  return false;
}

function eventDomain(seenKeys, loggerWords, serviceWords) {
  var domains = settings.domains;
  var r;
  for (r = 0; r < domains.length; r++) {
    if (hasAny(domains[r].keys, function (k) { return seenKeys[k] === true; })) return domains[r].name;
  }
  var sources = [loggerWords, serviceWords];
  for (var s = 0; s < sources.length; s++) {
    for (r = 0; r < domains.length; r++) {
      var ruleWords = domains[r].words;
      if (hasAny(sources[s], function (w) { return indexOf(ruleWords, w) >= 0; })) return domains[r].name;
    }
  }
  return 'other';
}

// Whether the value at a class's field is one of its values (a list: one of its items).
function holdsValue(value, values) {
  if (isArray(value)) {
    for (var i = 0; i < value.length; i++) {
      if (holdsValue(value[i], values)) return true;
    }
    return false;
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return false;
  return values[String(value)] === true;
}

// The first class that takes the event, or null when there are none.
function indexClassOf(event) {
  var classes = settings.classes;
  for (var i = 0; i < classes.length; i++) {
    if (classes[i].field === null || holdsValue(event.Get(classes[i].field), classes[i].values)) return classes[i].name;
  }
  return null;
}

function classify(event, seenKeys) {
  var labels = event.Get('labels');
  // A scalar `labels` cannot take sub-fields; Put would throw.
  if (labels !== null && labels !== undefined && !isPlainObject(labels)) return;
  var level = stringField(event, ['log.level', 'level']);
  var errorType = event.Get('error.type');
  var severity = 'info';
  if (indexOf(ERROR_LEVELS, level) >= 0 || (typeof errorType === 'string' && errorType !== '' && errorType !== 'json')) {
    severity = 'error';
  } else if (indexOf(WARNING_LEVELS, level) >= 0) {
    severity = 'warning';
  }
  var domain = eventDomain(seenKeys,
    words(stringField(event, ['log.logger', 'logger', 'logger_name'])),
    words(stringField(event, ['service.name', 'service'])));
  event.Put('labels.severity_class', severity);
  event.Put('labels.event_domain', domain);
  var indexClass = indexClassOf(event);
  if (indexClass !== null) event.Put('labels.index_class', indexClass);
  else event.Delete('labels.index_class');
}

function withhold(event) {
  var kept = [];
  for (var k = 0; k < KEPT_ON_FAILURE.length; k++) {
    var value = event.Get(KEPT_ON_FAILURE[k]);
    if (value !== null && value !== undefined) kept.push({ path: KEPT_ON_FAILURE[k], value: value });
  }
  var fields = event.Get();
  var keys = Object.keys(fields);
  for (var i = 0; i < keys.length; i++) event.Delete(keys[i]);
  for (var j = 0; j < kept.length; j++) {
    // A kept id must be a plain value: a line's own object there is dropped with the rest.
    if (kept[j].path.indexOf('.id') > 0 && typeof kept[j].value !== 'string') continue;
    event.Put(kept[j].path, kept[j].value);
  }
  event.Put('message', '[withheld: log masking failed on this event]');
  event.Tag('log_processing_failed');
}

/** Moves each flat-shape scalar to its ECS name when the ECS field is still free. */
function renameToEcs(event) {
  for (var i = 0; i < settings.renames.length; i++) {
    var rename = settings.renames[i];
    var value = event.Get(rename.from);
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    var target = event.Get(rename.to);
    if (target !== null && target !== undefined) continue;
    // A scalar where the ECS object belongs (`trace: "x"`) cannot take the field.
    var dot = rename.to.lastIndexOf('.');
    var parent = dot < 0 || rename.to.slice(0, dot) === rename.from ? null : event.Get(rename.to.slice(0, dot));
    if (parent !== null && parent !== undefined && !isPlainObject(parent)) continue;
    // Deleted first: a string `service` must be gone before `service.name` can be put.
    event.Delete(rename.from);
    event.Put(rename.to, value);
  }
}

// What Filebeat itself writes: a line's own fields never replace these, they are moved aside.
var COLLECTOR_PATHS = ['log.file', 'log.offset', 'input', 'agent', 'host', 'container', 'kubernetes', 'cloud',
  'orchestrator', 'stream', 'data_stream', 'event.original', 'moved'];
var MOVED = 'moved';
var MOVED_TAG = 'fields_moved';

function isCollectorPath(path) {
  for (var i = 0; i < COLLECTOR_PATHS.length; i++) {
    var p = COLLECTOR_PATHS[i];
    if (path === p || path.indexOf(p + '.') === 0) return true;
  }
  return false;
}

function shallowCopy(object) {
  var copy = {};
  var keys = Object.keys(object);
  for (var i = 0; i < keys.length; i++) copy[keys[i]] = object[keys[i]];
  return copy;
}

function containsObject(list) {
  for (var i = 0; i < list.length; i++) {
    if (isPlainObject(list[i]) || isArray(list[i])) return true;
  }
  return false;
}

/**
 * Merges a line's decoded JSON `src` into the event's fields `dst` (at `prefix`), so that it
 * fits the mapping and never replaces what Filebeat wrote. What does not fit is put in
 * `moves` under its dotted path: a value where the mapping has an object (`"error": "boom"`),
 * an object where it has a value (`"message": {...}`), a field of Filebeat's own
 * (`"log": "text"` beside `log.file.path`), a top-level name starting with `_` (Elasticsearch's
 * metadata fields). A name that is empty or only blanks becomes `blank_key`.
 */
function mergeFitting(dst, src, prefix, moves) {
  var keys = Object.keys(src);
  for (var i = 0; i < keys.length; i++) {
    var key = keys[i];
    var value = src[key];
    var name = key;
    if (/^[\s.]*$/.test(key)) {
      // Elasticsearch refuses empty and blank names: `blank_key`, `blank_key_2`, ...
      name = 'blank_key';
      for (var n = 2; src[name] !== undefined || dst[name] !== undefined; n++) name = 'blank_key_' + n;
      moves.renamed = true;
    }
    var path = prefix === '' ? name : prefix + '.' + name;
    if (value === null || value === undefined) continue;
    if ((prefix === '' && name.charAt(0) === '_') || isCollectorPath(path)) {
      moves.fields[path] = value;
      continue;
    }
    var wantsObject = settings.objectFields[path] === true;
    var wantsValue = settings.leafFields[path] === true;
    if ((wantsObject && !isPlainObject(value)) ||
        (wantsValue && (isPlainObject(value) || (isArray(value) && containsObject(value))))) {
      moves.fields[path] = value;
      continue;
    }
    var existing = dst[name];
    if (isPlainObject(value)) {
      if (existing === undefined || existing === null) {
        dst[name] = {};
        mergeFitting(dst[name], value, path, moves);
      } else if (isPlainObject(existing)) {
        // Into a copy: what event.Get() returned is not changed in place, the caller Puts the result.
        dst[name] = shallowCopy(existing);
        mergeFitting(dst[name], value, path, moves);
      } else {
        moves.fields[path] = value;
      }
    } else if (existing === undefined || existing === null) {
      dst[name] = value;
    } else {
      moves.fields[path] = value;
    }
  }
}

function kindOf(v) {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Math.floor(v) === v ? 'integer' : 'float';
  return null;
}

// Records the kinds of value at each dotted leaf path (arrays flattened, as Elasticsearch sees them).
function collectKinds(value, path, kinds) {
  if (isUntouched(path)) return;
  if (isArray(value)) {
    for (var i = 0; i < value.length; i++) collectKinds(value[i], path, kinds);
  } else if (isPlainObject(value)) {
    var keys = Object.keys(value);
    for (var k = 0; k < keys.length; k++) collectKinds(value[keys[k]], path + '.' + keys[k], kinds);
  } else {
    var kind = kindOf(value);
    if (kind === null) return;
    if (!kinds[path]) kinds[path] = {};
    kinds[path][kind] = true;
  }
}

// Turns every value at a path with several kinds into a string: one document may not map one
// new field as two types (`[1, "two", 2.5]`), and a string is what every kind can become.
function stringifyMixed(value, path, mixed) {
  if (isArray(value)) {
    var list = [];
    for (var i = 0; i < value.length; i++) list.push(stringifyMixed(value[i], path, mixed));
    return list;
  }
  if (isPlainObject(value)) {
    var copy = {};
    var keys = Object.keys(value);
    for (var k = 0; k < keys.length; k++) copy[keys[k]] = stringifyMixed(value[keys[k]], path + '.' + keys[k], mixed);
    return copy;
  }
  if (mixed[path] === true && value !== null && value !== undefined && typeof value !== 'string') return String(value);
  return value;
}

function normaliseMixedKinds(event) {
  var fields = event.Get();
  var keys = Object.keys(fields);
  var kinds = {};
  var i;
  for (i = 0; i < keys.length; i++) collectKinds(fields[keys[i]], keys[i], kinds);
  var mixed = {};
  var any = false;
  var paths = Object.keys(kinds);
  for (i = 0; i < paths.length; i++) {
    if (Object.keys(kinds[paths[i]]).length > 1) {
      mixed[paths[i]] = true;
      any = true;
    }
  }
  if (!any) return false;
  for (i = 0; i < keys.length; i++) {
    if (!isUntouched(keys[i])) event.Put(keys[i], stringifyMixed(fields[keys[i]], keys[i], mixed));
  }
  return true;
}

/**
 * The line decoded by decode_json_fields (into `params.decoded_field`) merged into the event:
 * returns the decoded object (to mask and keep as the original text), or null for a line
 * that is not a JSON object. `@timestamp` goes to `timestamp`, which the timestamp processor
 * after this one parses; `msg` (Go and Node loggers) becomes `message` when there is none.
 */
function mergeDecodedLine(event, moves) {
  if (settings.decodedField === null) return null;
  var decoded = event.Get(settings.decodedField);
  event.Delete(settings.decodedField);
  if (!isPlainObject(decoded)) return null;
  var line = {};
  var keys = Object.keys(decoded);
  for (var i = 0; i < keys.length; i++) line[keys[i]] = decoded[keys[i]];
  if (line['@timestamp'] !== undefined && line.timestamp === undefined) {
    line.timestamp = line['@timestamp'];
    delete line['@timestamp'];
  }
  // The flat shape first, so `"service": "checkout"` is renamed, not moved aside as a value
  // where the mapping has an object.
  for (var r = 0; r < settings.renames.length; r++) {
    var rename = settings.renames[r];
    var flat = line[rename.from];
    if (typeof flat !== 'string' && typeof flat !== 'number') continue;
    var parts = rename.to.split('.');
    var parent = line;
    for (var d = 0; d < parts.length - 1 && parent !== null; d++) {
      var part = parts[d];
      if (part === rename.from) parent[part] = {};
      else if (parent[part] === undefined || parent[part] === null) parent[part] = {};
      // A copy: the decoded line itself stays as written, for event.original.
      else if (isPlainObject(parent[part])) parent[part] = shallowCopy(parent[part]);
      parent = isPlainObject(parent[part]) ? parent[part] : null;
    }
    if (parent === null || (parent[parts[parts.length - 1]] !== undefined && parent[parts[parts.length - 1]] !== null)) continue;
    if (parts[0] !== rename.from) delete line[rename.from];
    parent[parts[parts.length - 1]] = flat;
  }
  if (typeof line.message !== 'string' && line.message !== undefined) {
    moves.fields.message = line.message;
    delete line.message;
  }
  if (line.message === undefined && typeof line.msg === 'string') {
    line.message = line.msg;
    delete line.msg;
  }
  var fields = event.Get();
  var top = {};
  var names = Object.keys(fields);
  for (var n = 0; n < names.length; n++) top[names[n]] = fields[names[n]];
  // The raw line is replaced by the line's own message, or by its masked JSON (below).
  delete top.message;
  mergeFitting(top, line, '', moves);
  var merged = Object.keys(top);
  for (var m = 0; m < merged.length; m++) {
    if (top[merged[m]] !== fields[merged[m]]) event.Put(merged[m], top[merged[m]]);
  }
  if (line.message === undefined) event.Delete('message');
  return decoded;
}

// Top-level names of the ids and times left alone (see 5. above) wherever they are written.
var ID_ROOTS = ['@timestamp', 'timestamp', 'trace', 'span', 'trace_id', 'span_id', 'transaction'];

/**
 * The masked copy of a decoded line. Ids stay untouched; the rest is masked as under `moved`:
 * Filebeat's metadata paths (kubernetes, host, log.file, ...) are left alone in the event because
 * Filebeat wrote them, but in the line they are the application's own text.
 */
function maskedLine(decoded) {
  var copy = {};
  var keys = Object.keys(decoded);
  for (var i = 0; i < keys.length; i++) {
    var path = indexOf(ID_ROOTS, keys[i]) >= 0 ? keys[i] : MOVED + '.' + keys[i];
    copy[keys[i]] = maskValue(decoded[keys[i]], keys[i], path, false, { changed: false, keys: {} });
  }
  return copy;
}

// `<pod>_<namespace>_<container>-<64 hex>.log`: the kubelet's name for a container's log file.
var CONTAINER_LOG_RE = /([^\/_]+)_([^\/_]+)_(.+)-[0-9a-f]{64}\.log$/;

/** service.name, when the line has none: the pod's app label, else its container's name. */
function defaultServiceName(event) {
  var current = event.Get('service.name');
  if (typeof current === 'string' && current !== '') return;
  var service = event.Get('service');
  if (service !== null && service !== undefined && !isPlainObject(service)) return;
  var candidates = [event.Get('kubernetes.labels.app_kubernetes_io/name'), event.Get('kubernetes.labels.app'),
    event.Get('kubernetes.container.name')];
  var file = event.Get('log.file.path');
  var match = typeof file === 'string' ? CONTAINER_LOG_RE.exec(file) : null;
  if (match) candidates.push(match[3]);
  for (var i = 0; i < candidates.length; i++) {
    if (typeof candidates[i] === 'string' && candidates[i] !== '') {
      event.Put('service.name', candidates[i]);
      return;
    }
  }
}

/** Filebeat's entry point, called once per event. */
function process(event) {
  try {
    var moves = { fields: {}, renamed: false };
    var decoded = mergeDecodedLine(event, moves);
    renameToEcs(event);
    defaultServiceName(event);
    var fields = event.Get();
    var keys = Object.keys(fields);
    var seenKeys = {};
    for (var i = 0; i < keys.length; i++) {
      var state = { changed: false, keys: seenKeys };
      var key = keys[i];
      if (!isUntouched(key)) seenKeys[normaliseKey(key)] = true;
      var masked = maskValue(fields[key], key, key, false, state);
      // Replaced whole at top level: Put finds a literal dotted key before splitting the path.
      if (state.changed) event.Put(key, masked);
    }
    var movedPaths = Object.keys(moves.fields);
    var movedOut = {};
    for (var mv = 0; mv < movedPaths.length; mv++) {
      seenKeys[normaliseKey(movedPaths[mv].split('.').pop())] = true;
      movedOut[movedPaths[mv]] = maskValue(moves.fields[movedPaths[mv]], movedPaths[mv].split('.').pop(), MOVED + '.' + movedPaths[mv], false, { changed: false, keys: seenKeys });
    }
    var reshaped = movedPaths.length > 0 || moves.renamed;
    if (movedPaths.length > 0) event.Put(MOVED, movedOut);
    if (normaliseMixedKinds(event)) reshaped = true;
    var original = null;
    if (decoded !== null) {
      original = JSON.stringify(maskedLine(decoded));
      var message = event.Get('message');
      if (typeof message !== 'string') event.Put('message', original);
    }
    if (reshaped) {
      if (original !== null) event.Put('event.original', original);
      event.Tag(MOVED_TAG);
    }
    if (settings.classify) classify(event, seenKeys);
  } catch (e) {
    withhold(event);
  }
}

/** Filebeat runs this when it loads the processor; a throw stops it from starting. */
function test() {
  var e = new Event({ message: 'login from 203.0.113.7 token=abcdefghijklmnop', password: 'hunter2', usage: { prompt_tokens: 12 } });
  process(e);
  if (e.Get('password') !== REDACTED) throw 'password not masked';
  if (e.Get('message') !== 'login from 203.0.0.0 token=abcd...mnop') throw 'message not masked: ' + e.Get('message');
  if (e.Get('usage.prompt_tokens') !== 12) throw 'prompt_tokens changed';
}
