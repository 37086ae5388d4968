/** A demo worker process: serves the coder and reviewer lanes with the demo handler. */
import { Board, Worker } from '../../src/index.js'
import { demoHandler } from './handler.js'

const [redisUrl, boardName, name] = process.argv.slice(2)
const board = await Board.open({ redis: redisUrl!, board: boardName!, autoEnqueue: true })
const worker = await new Worker({
  board,
  lanes: ['coder', 'reviewer'],
  concurrency: 8,
  name,
  handler: demoHandler,
  onError: (e) => process.stderr.write(`${name}: ${String(e)}\n`),
}).start()
process.on('SIGTERM', () => {
  void worker
    .close()
    .then(() => board.close())
    .then(() => process.exit(0))
})
