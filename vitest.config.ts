import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Examples import the package by name, as users do; tests run them against the sources.
    alias: [
      { find: /^trusthandoff$/, replacement: src('index.ts') },
      { find: /^trusthandoff\/gate$/, replacement: src('gate/public.ts') },
      { find: /^trusthandoff\/wire$/, replacement: src('wire/public.ts') },
      { find: /^trusthandoff\/stores$/, replacement: src('stores/index.ts') },
      { find: /^trusthandoff\/events$/, replacement: src('events/index.ts') },
      { find: /^trusthandoff\/identity$/, replacement: src('identity/index.ts') },
      { find: /^trusthandoff\/errors$/, replacement: src('errors.ts') },
      { find: /^trusthandoff\/reference$/, replacement: src('reference/index.ts') },
      { find: /^trusthandoff\/redis$/, replacement: src('stores/redis/index.ts') },
      { find: /^trusthandoff\/postgres$/, replacement: src('stores/postgres/index.ts') },
      { find: /^trusthandoff\/sentinel$/, replacement: src('sentinel/index.ts') },
      { find: /^trusthandoff\/sentinel\/jetstream$/, replacement: src('sentinel/jetstream/index.ts') },
      { find: /^trusthandoff\/sinks\/(jsonl|nats|kafka|worker)$/, replacement: src('sinks/$1/index.ts') },
      { find: /^trusthandoff\/export$/, replacement: src('export/index.ts') },
      { find: /^trusthandoff\/otel$/, replacement: src('otel/index.ts') },
      { find: /^trusthandoff\/mcp$/, replacement: src('integrations/mcp/index.ts') },
      { find: /^trusthandoff\/boundaries$/, replacement: src('boundaries/index.ts') },
      { find: /^trusthandoff\/a2a$/, replacement: src('integrations/a2a/index.ts') },
      { find: /^trusthandoff\/sodium$/, replacement: src('sodium/index.ts') },
      { find: /^trusthandoff\/langgraph$/, replacement: src('integrations/langgraph/index.ts') },
      { find: /^trusthandoff\/langchain$/, replacement: src('integrations/langchain/index.ts') },
      { find: /^trusthandoff\/ai-sdk$/, replacement: src('integrations/ai-sdk/index.ts') },
      { find: /^trusthandoff\/openai-agents$/, replacement: src('integrations/openai-agents/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Integration suites talk to real servers; keep them generous but bounded.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
