/**
 * `kanban-queue/testing`: helpers for tests and local tooling, not part of the product API.
 * A private `redis-server` (from PATH) on a free port of 127.0.0.1, and a PING probe, so a
 * test suite or a demo can run against a real Redis without Docker.
 */
export { startRedisServer, findFreePort, redisAnswers, RedisServerNotFoundError, type StartRedisServerOptions, type RedisServerHandle } from './redisServer.js'
