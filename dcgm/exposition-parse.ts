// A parser for the Prometheus text exposition format (version 0.0.4), the format
// dcgm-exporter serves on /metrics.
//
// Hand-written rather than taken from npm: the one maintained-looking package
// (parse-prometheus-text-format) throws on the first bad line, so one odd line would lose a
// whole scrape, and it merges consecutive samples with equal labels, which hides duplicates.
// Here a bad line becomes a problem (with its line number) and the rest of the scrape is kept,
// and every sample keeps the raw value token, because DCGM's 64-bit blank sentinels
// (0x7ffffffffffffff0 and up) cannot be told apart once they are parsed into a double.

export type ExpositionType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

const EXPOSITION_TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export interface ExpositionSample {
  /** Metric name as written (for histograms and summaries, with its _bucket/_sum/_count suffix). */
  name: string;
  /** Labels in the order they were written; values unescaped. */
  labels: Record<string, string>;
  /** The value as a number: NaN, +Inf and -Inf included. */
  value: number;
  /** The value token exactly as written, for checks a double cannot make (DCGM int64 blanks). */
  rawValue: string;
  /** The optional timestamp (ms since epoch), or null when the line had none. */
  timestampMs: number | null;
  /** 1-based line number in the input, for problem reports. */
  line: number;
}

export interface ExpositionFamilyMeta {
  help: string | null;
  type: ExpositionType | null;
}

export interface ExpositionParseResult {
  samples: ExpositionSample[];
  /** HELP and TYPE metadata by metric family name. */
  families: Map<string, ExpositionFamilyMeta>;
  /** One message per line that could not be used; those lines are skipped. */
  problems: string[];
}

const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const FULL_METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*/;
// Go's strconv.ParseFloat accepts these spellings; Prometheus writes NaN, +Inf and -Inf.
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL_FLOATS: ReadonlyMap<string, number> = new Map([
  ['nan', Number.NaN],
  ['+inf', Number.POSITIVE_INFINITY],
  ['inf', Number.POSITIVE_INFINITY],
  ['-inf', Number.NEGATIVE_INFINITY],
]);
const TIMESTAMP_RE = /^-?\d+$/;

class LineError extends Error {}

/** Parses a float the way the Prometheus text format allows; null when it is not one. */
export function parseExpositionFloat(token: string): number | null {
  const special = SPECIAL_FLOATS.get(token.toLowerCase());
  if (special !== undefined) return special;
  if (!FLOAT_RE.test(token)) return null;
  return Number(token);
}

/** Parses a whole exposition text. Never throws on content; problems are returned. */
export function parseExposition(text: string): ExpositionParseResult {
  const samples: ExpositionSample[] = [];
  const families = new Map<string, ExpositionFamilyMeta>();
  const problems: string[] = [];
  const lines = text.split('\n');

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    // The format says LF; a CRLF body (proxies, Windows tools) is still read.
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const trimmed = line.trim();
    if (trimmed === '') continue;
    try {
      if (trimmed.startsWith('#')) {
        parseCommentLine(trimmed, families);
      } else {
        samples.push(parseSampleLine(trimmed, lineNo));
      }
    } catch (err) {
      if (!(err instanceof LineError)) throw err;
      problems.push(`line ${lineNo}: ${err.message}: ${truncate(trimmed)}`);
    }
  }
  return { samples, families, problems };
}

function truncate(s: string): string {
  const max = 200; // enough to recognise the line in a log, short enough not to flood it
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function parseCommentLine(line: string, families: Map<string, ExpositionFamilyMeta>): void {
  // "# HELP name text" and "# TYPE name type"; any other comment is ignored.
  const m = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(line);
  if (m === null) return;
  const [, keyword, name, rest] = m as unknown as [string, 'HELP' | 'TYPE', string, string | undefined];
  if (!FULL_METRIC_NAME_RE.test(name)) {
    throw new LineError(`invalid metric name in ${keyword}`);
  }
  const meta = families.get(name) ?? { help: null, type: null };
  if (keyword === 'HELP') {
    if (meta.help !== null) throw new LineError(`second HELP for ${name}`);
    meta.help = unescapeHelp(rest ?? '');
  } else {
    const type = (rest ?? '').trim();
    if (!EXPOSITION_TYPES.has(type)) throw new LineError(`unknown TYPE "${type}"`);
    if (meta.type !== null) throw new LineError(`second TYPE for ${name}`);
    meta.type = type as ExpositionType;
  }
  families.set(name, meta);
}

// HELP text escapes only backslash and newline.
function unescapeHelp(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      const next = s[i + 1]!;
      if (next === '\\') { out += '\\'; i++; continue; }
      if (next === 'n') { out += '\n'; i++; continue; }
    }
    out += c;
  }
  return out;
}

function parseSampleLine(line: string, lineNo: number): ExpositionSample {
  const nameMatch = METRIC_NAME_RE.exec(line);
  if (nameMatch === null) throw new LineError('expected a metric name');
  const name = nameMatch[0];
  let pos = name.length;
  const entries: [string, string][] = [];

  pos = skipBlanks(line, pos);
  if (line[pos] === '{') {
    pos = parseLabels(line, pos + 1, entries);
    pos = skipBlanks(line, pos);
  }

  const tokens = line.slice(pos).trim().split(/[ \t]+/).filter((t) => t !== '');
  if (tokens.length === 0) throw new LineError('missing value');
  if (tokens.length > 2) throw new LineError('unexpected text after the timestamp');
  const rawValue = tokens[0]!;
  const value = parseExpositionFloat(rawValue);
  if (value === null) throw new LineError(`invalid value "${rawValue}"`);
  let timestampMs: number | null = null;
  if (tokens.length === 2) {
    const rawTs = tokens[1]!;
    if (!TIMESTAMP_RE.test(rawTs)) throw new LineError(`invalid timestamp "${rawTs}"`);
    timestampMs = Number(rawTs);
  }
  // fromEntries defines own properties, so a label named __proto__ stays a plain label.
  return { name, labels: Object.fromEntries(entries), value, rawValue, timestampMs, line: lineNo };
}

function skipBlanks(s: string, pos: number): number {
  while (pos < s.length && (s[pos] === ' ' || s[pos] === '\t')) pos++;
  return pos;
}

/** Parses `name="value", ...}` starting just after `{`; returns the index after `}`. */
function parseLabels(line: string, start: number, entries: [string, string][]): number {
  const seen = new Set<string>();
  let pos = skipBlanks(line, start);
  for (;;) {
    if (line[pos] === '}') return pos + 1;
    const nameMatch = LABEL_NAME_RE.exec(line.slice(pos));
    if (nameMatch === null) throw new LineError(`expected a label name at column ${pos + 1}`);
    const labelName = nameMatch[0];
    pos = skipBlanks(line, pos + labelName.length);
    if (line[pos] !== '=') throw new LineError(`expected "=" after label ${labelName}`);
    pos = skipBlanks(line, pos + 1);
    if (line[pos] !== '"') throw new LineError(`expected a quoted value for label ${labelName}`);
    pos++;
    let value = '';
    for (;;) {
      if (pos >= line.length) throw new LineError(`unterminated value for label ${labelName}`);
      const c = line[pos]!;
      if (c === '"') { pos++; break; }
      if (c === '\\') {
        const next = line[pos + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else throw new LineError(`invalid escape "\\${next ?? ''}" in label ${labelName}`);
        pos += 2;
        continue;
      }
      value += c;
      pos++;
    }
    if (seen.has(labelName)) throw new LineError(`duplicate label ${labelName}`);
    seen.add(labelName);
    entries.push([labelName, value]);
    pos = skipBlanks(line, pos);
    if (line[pos] === ',') {
      pos = skipBlanks(line, pos + 1);
      continue;
    }
    if (line[pos] === '}') return pos + 1;
    throw new LineError(`expected "," or "}" after label ${labelName}`);
  }
}

/** Escapes a label value for the text format (backslash, double quote, newline). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escapes HELP text for the text format (backslash, newline). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
