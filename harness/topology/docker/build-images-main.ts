/** Entry of docker/build-images.sh: builds every docker provider image, prints timings. */
import { buildAllImages } from './docker-images.js';

const log = (message: string) => console.error(`[docker:build] ${message}`);
try {
  const t0 = Date.now();
  for (const image of await buildAllImages(log)) {
    console.log(`${image.tag}\t${image.buildMs === 0 ? 'cached' : `built in ${(image.buildMs / 1000).toFixed(1)} s`}`);
  }
  console.log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} catch (error) {
  console.error(`[docker:build] ${(error as Error).message}`);
  process.exitCode = (error as { code?: string }).code === 'PSL_MISSING_DEPENDENCY' ? 105 : 1;
}
