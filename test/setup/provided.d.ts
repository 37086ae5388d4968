// Types of the values test/setup/global.ts hands to tests via provide()/inject().
import 'vitest'

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the Redis chosen for this test run. */
    redisUrl: string
    /** How it was chosen: REDIS_URL, a testcontainers container, or a private redis-server. */
    redisSource: 'env' | 'container' | 'embedded'
  }
}
