/** Container entrypoint (`node dist/runtime/serveMain.js`): the HTTP API and dashboard, configured by environment (config.ts#ServeEnv). */
import { ServeEnv, readEnv } from './config.js'
import { entrypoint } from './run.js'
import { runServe, serveConfig } from './serve.js'

await entrypoint('serve', () => runServe(serveConfig(readEnv(ServeEnv))))
