// GraphQL types for the social domain: schema types from ../../schema.graphql (the SDL
// `make client` exports) and result/variable types for the operations in src/operations.ts.
// NEXUS_CODEGEN_OUT redirects the output (tests/client compares it with the committed file).
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../schema.graphql",
  documents: ["src/operations.ts"],
  generates: {
    [process.env.NEXUS_CODEGEN_OUT ?? "src/generated/graphql.ts"]: {
      plugins: ["typescript", "typescript-operations"],
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: "string", Decimal: "string" },
      },
    },
  },
};

export default config;
