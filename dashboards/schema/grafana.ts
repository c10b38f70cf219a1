// Grafana's dashboard model (@grafana/schema, generated from Grafana's own CUE schema) as the
// type a dashboard's JSON must satisfy, checked by `tsc` in tests/integration/test_dashboards_schema.py.
import type { Dashboard, VariableModel } from "@grafana/schema";

// JSON spells an enum by its value: Grafana's TypeScript enums (MappingType, ThresholdsMode, ...)
// become the unions of their values; everything else keeps its shape, excess fields refused.
type Json<T> = T extends string
  ? `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends Array<infer U>
      ? Array<Json<U>>
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T;

// Fields of grafana-foundation-sdk's variable model (Grafana's schema of its generation) that
// Grafana's current schema no longer lists: the interval variable's `auto`, `auto_count` and
// `auto_min`, which the SDK writes on every variable, and a query variable's `definition` (the
// query as the variable editor shows it). Grafana still reads `definition` and ignores the rest.
type SdkVariableFields = {
  auto?: boolean;
  auto_count?: number;
  auto_min?: string;
  definition?: string;
};

export type Board = Omit<Json<Dashboard>, "templating"> & {
  templating?: { list?: Array<Json<VariableModel> & SdkVariableFields> };
};
