/** The monitoring report: one pure builder the server's monitors and `flywheel monitor report` share. */
export { buildReport, type MonitorReport, type ReportOptions, type ReportRoles, type ColumnReport, type SignatureColumn } from './build-report.js';
export { renderReport } from './render-report.js';
export { joinActuals, readTableFile, tableFromCsv, tableFromObjects, parseCell, type Cell, type ReportTable } from './table.js';
export { DriftPool, buildReportParallel } from './parallel-report.js';
