export * from "./client.js";
export * from "./operations.js";
export type { components, operations, paths } from "./generated/openapi.js";
