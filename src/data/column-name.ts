/** Columns are snake_case in SQL and camelCase in the API: `forecastQty` <-> `forecast_qty`. */
export function columnOf(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
