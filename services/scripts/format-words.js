#!/usr/bin/env node
// Example tool for the "words" service: formats words into words.txt and writes summary.json.
'use strict';
const fs = require('node:fs');

const options = { repeat: 1, case: null, numbered: false, separator: '. ' };
const words = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  if (arg.startsWith('--repeat=')) options.repeat = Number(arg.slice('--repeat='.length));
  else if (arg === '--upper' || arg === '--lower') options.case = arg.slice(2);
  else if (arg === '--numbered') options.numbered = true;
  else if (arg === '--separator') options.separator = argv[++i];
  else words.push(arg);
}
const lines = [];
for (const word of words) {
  for (let r = 0; r < options.repeat; r++) {
    let text = word;
    if (options.case === 'upper') text = text.toUpperCase();
    if (options.case === 'lower') text = text.toLowerCase();
    lines.push(options.numbered ? `${lines.length + 1}${options.separator}${text}` : text);
  }
}
fs.writeFileSync('words.txt', lines.join('\n') + '\n');
fs.writeFileSync(
  'summary.json',
  JSON.stringify({ words: words.length, lines: lines.length, options }),
);
console.log(`wrote ${lines.length} lines`);
