// Rules for the names ml-image hands on to docker and to GitHub: registries, runner labels and every value
// that ends up in a workflow output. One place, so the config file, the Action's inputs and the command
// line refuse the same things with the same words. Pure; no schema or YAML here.

// A DNS label: letters, digits and inner dashes — so "..", "-" and "--all-tags" are never a host.
const HOST_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
// 1–65535, spelled out: a regular expression cannot compare numbers.
const PORT = '(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})';
// A namespace below the host follows the repository grammar (distribution's path-component).
const PATH_COMPONENT = '[A-Za-z0-9]+(?:(?:[._]|__|-+)[A-Za-z0-9]+)*';

/**
 * host[:port][/namespace...]. The host needs a dot, a port, or to be localhost: docker reads any other first
 * component ("acme/x") as a Docker Hub namespace, so "acme" would push to docker.io/acme without saying so.
 */
export const REGISTRY_PATTERN = `^(?=[^/]*[.:]|localhost(?:/|$))${HOST_LABEL}(?:\\.${HOST_LABEL})*(?::${PORT})?(?:/${PATH_COMPONENT})*$`;
export const REGISTRY_MESSAGE =
  'a registry host[:port] like ghcr.io, ghcr.io/acme or 127.0.0.1:5000 (a name with a dot, an IP address or localhost; port 1-65535)';

/** The problem with a registry given outside the file (--registry, input registries), or undefined. */
export function registryProblem(value: string): string | undefined {
  return new RegExp(REGISTRY_PATTERN).test(value) ? undefined : `expected ${REGISTRY_MESSAGE}, got ${shown(value)}`;
}

// C0 and C1 controls and the Unicode line and paragraph separators: none may reach a log line or an output.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const LINE_BREAK = /[\n\r\u000b\u000c\u0085\u2028\u2029]/;

/** Why a value cannot be written to GITHUB_OUTPUT or the matrix as one line, or undefined. */
export function oneLineProblem(value: string): string | undefined {
  if (LINE_BREAK.test(value)) return 'holds a line break';
  if (CONTROL.test(value)) return 'holds a control character';
  return undefined;
}

export const RUNNER_LABEL_MAX = 100;

/**
 * Why a runner label (runs-on, platform-runs-on) is not one: it travels into the matrix output and a
 * workflow's runs-on, so it is one line of printable characters, never option-like, and without commas
 * (runner labels are registered as a comma-separated list, and the plan table joins them with commas).
 */
export function runnerLabelProblem(label: string): string | undefined {
  const line = oneLineProblem(label);
  if (line) return line;
  if (label.startsWith('-')) return 'starts with "-" (it would read as an option)';
  if (label.trim() !== label) return 'starts or ends with white space';
  if (label.includes(',')) return 'holds a comma (runner labels are a comma-separated list)';
  if (label.length > RUNNER_LABEL_MAX) return `is ${label.length} characters long (at most ${RUNNER_LABEL_MAX})`;
  return undefined;
}

/** A value as messages quote it: JSON-escaped (a line break shows as \n, ESC as \u001b), at most 60 characters. */
export function shown(value: string): string {
  const short = value.length > 60 ? value.slice(0, 57) + '...' : value;
  return JSON.stringify(short).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
