/** Public API of the report: render result files to one offline HTML page. */
export { renderReport, type RenderOptions } from './render-report.js';
export { writeReport } from './write-report.js';
export { seriesLabels, seriesColors } from './series-style.js';
