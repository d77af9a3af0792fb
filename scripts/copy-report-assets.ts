// Build step: copy the graph library the HTML report inlines (Cytoscape.js, MIT) and its licence into
// dist, so the published package renders reports without Cytoscape installed.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Compiled to dist/scripts/: the package root is two levels up.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'package.json'));
const library = require.resolve('cytoscape/dist/cytoscape.min.js');
const target = join(root, 'dist/src/sentinel/assets');
mkdirSync(target, { recursive: true });
copyFileSync(library, join(target, 'cytoscape.min.js'));
copyFileSync(join(dirname(library), '..', 'LICENSE'), join(target, 'cytoscape.LICENSE'));
