/**
 * The Redis URL forms accepted everywhere (docs/failover.md#connecting-through-sentinel),
 * apart from redisTarget.ts so that the CLI's flag parsing and the process environment
 * check it without loading ioredis (docs/cli.md#how-the-cli-loads).
 */
export const REDIS_URL_FORM = /^(rediss?|redis\+sentinel):\/\/.+/
export const REDIS_URL_EXPECTED = 'expected a redis://, rediss:// or redis+sentinel:// URL'
