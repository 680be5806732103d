/** The number of records over a certificate's stores. */
export const totalOf = (stores: readonly { count: number }[] | undefined): number =>
  (stores ?? []).reduce((sum, s) => sum + (Number.isFinite(s.count) ? s.count : 0), 0);

export function formatBytes(bytes: number | undefined): string {
  if (!bytes) return '0 B';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i ? v.toFixed(1) : v} ${units[i]}`;
}
