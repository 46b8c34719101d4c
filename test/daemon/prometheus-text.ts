// A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: every line
// must be a HELP, a TYPE, a sample or empty, and every sample must belong to a family whose TYPE
// came before it. Throws on the first line that breaks the format.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
const LABEL_VALUE = '(?:[^"\\\\\\n]|\\\\[\\\\"n])*';
const VALUE = '(?:[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]?Inf|NaN)';
const HELP_LINE = new RegExp(`^# HELP (${NAME})(?: .*)?$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE_LINE = new RegExp(
  `^(${NAME})(?:\\{((?:${LABEL}="${LABEL_VALUE}")(?:,${LABEL}="${LABEL_VALUE}")*,?)?\\})? (${VALUE})(?: -?\\d+)?$`,
  'i',
);
const LABEL_PAIR = new RegExp(`(${LABEL})="(${LABEL_VALUE})"`, 'g');
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created'];

export function parsePrometheusText(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  text.split('\n').forEach((line, index) => {
    const where = `line ${index + 1}: ${JSON.stringify(line)}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const type = TYPE_LINE.exec(line);
      if (type?.[1] && type[2]) {
        if (types.has(type[1])) throw new Error(`second TYPE for ${type[1]} at ${where}`);
        types.set(type[1], type[2]);
        return;
      }
      if (HELP_LINE.test(line)) return;
      throw new Error(`bad comment at ${where}`);
    }
    const sample = SAMPLE_LINE.exec(line);
    if (!sample?.[1] || sample[3] === undefined) throw new Error(`bad sample at ${where}`);
    const name = sample[1];
    const family = types.has(name) ? name : SUFFIXES.map((s) => (name.endsWith(s) ? name.slice(0, -s.length) : '')).find((f) => types.has(f));
    if (!family) throw new Error(`sample without a TYPE at ${where}`);
    const labels: Record<string, string> = {};
    for (const pair of (sample[2] ?? '').matchAll(LABEL_PAIR)) {
      if (pair[1] !== undefined && pair[2] !== undefined) labels[pair[1]] = pair[2];
    }
    const raw = sample[3].toLowerCase();
    const value = raw.endsWith('inf') ? (raw.startsWith('-') ? -Infinity : Infinity) : raw === 'nan' ? Number.NaN : Number(raw);
    samples.push({ name, labels, value });
  });
  return { types, samples };
}

/** The value of the one sample with this name and these labels (others may be present). */
export function sampleValue(exposition: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = exposition.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}
