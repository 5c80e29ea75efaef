/**
 * fastify's schema compilers for servers whose routes declare no JSON schemas (the API server and
 * the kubelet server validate bodies themselves, as Kubernetes does). Passing these keeps fastify
 * from loading its default ones, Ajv and fast-json-stringify (~550 KB of code every `kctl server`
 * start would otherwise compile); a route that did declare a schema fails loudly at start-up.
 */
export const SCHEMALESS = {
  schemaController: {
    compilersFactory: {
      buildValidator: () => () => {
        throw new Error("kctl's fastify servers take no route schemas");
      },
      buildSerializer: () => () => {
        throw new Error("kctl's fastify servers take no route schemas");
      },
    },
  },
} as const;
