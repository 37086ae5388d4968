#!/usr/bin/env node
// The `kanban` executable (compiled to dist/cli/kanban.js): see main.ts.
import './main.js'
