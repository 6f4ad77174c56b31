// Go's duration spelling for `--ttl` (as kubeadm takes it): `90s`, `30m`, `1h`, `1h30m`.

/** Seconds in `text`, or undefined when it is not a positive duration of hours, minutes and seconds. */
export function parseDurationSeconds(text: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (match === null || text.trim() === '') return undefined;
  const [h, m, s] = [match[1], match[2], match[3]].map((v) => Number(v ?? 0)) as [number, number, number];
  const total = h * 3600 + m * 60 + s;
  return total > 0 ? total : undefined;
}
