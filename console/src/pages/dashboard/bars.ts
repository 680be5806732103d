/** One bar of the dashboard's BarChart. */
export interface Bar {
  label: string;
  value: number;
  /** Any CSS colour, e.g. var(--tone-ok). */
  color?: string;
}
