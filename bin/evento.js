#!/usr/bin/env node
// The CLI is compiled to dist/ by `npm install` (prepare) and `npm run build`.
import '../dist/cmd/main.js';
