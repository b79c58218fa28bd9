/** `--name=value` options of a bench script; each has a default, so a bare run measures something sensible. */
export function numberOption(argv: readonly string[], name: string, fallback: number): number {
  const prefix = `--${name}=`;
  const raw = argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--${name} must be a positive number, got "${raw}"`);
  return value;
}

export function hasFlag(argv: readonly string[], name: string): boolean {
  return argv.includes(`--${name}`);
}

/** `--name=1,4,8`: a list of positive numbers (one value is a list of one). */
export function numberListOption(
  argv: readonly string[],
  name: string,
  fallback: readonly number[],
): number[] {
  const prefix = `--${name}=`;
  const raw = argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
  if (raw === undefined) return [...fallback];
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.length === 0 || values.some((value) => !Number.isFinite(value) || value <= 0))
    throw new Error(`--${name} must be a comma-separated list of positive numbers, got "${raw}"`);
  return values;
}

/** `--name=value`: a string option, undefined when absent. */
export function stringOption(argv: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}
