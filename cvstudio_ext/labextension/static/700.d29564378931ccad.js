"use strict";(self.rspackChunkjupyter_cvstudio=self.rspackChunkjupyter_cvstudio||[]).push([[700],{475(o,r,e){var a=e(601),t=e.n(a),s=e(314),i=(e.n(s))()(t());i.push([o.id,`/* The sidebar and tabs; colours only through JupyterLab's CSS variables (light and dark). */
.cvs-sidebar { background: var(--jp-layout-color1); color: var(--jp-ui-font-color1); font-size: var(--jp-ui-font-size1); overflow-y: auto; }
.cvs-section { border-bottom: 1px solid var(--jp-border-color2); }
.cvs-section-head { display: flex; align-items: center; gap: 4px; padding: 4px 6px; background: var(--jp-layout-color2); position: sticky; top: 0; z-index: 1; }
.cvs-toggle { flex: 1; text-align: left; font-weight: 600; text-transform: uppercase; font-size: 11px; letter-spacing: 0.04em; background: none; border: none; color: var(--jp-ui-font-color1); cursor: pointer; padding: 2px 0; }
.cvs-toggle::before { content: "▾ "; }
.cvs-collapsed .cvs-toggle::before { content: "▸ "; }
.cvs-collapsed .cvs-section-body, .cvs-collapsed .cvs-section-status:empty { display: none; }
.cvs-count { color: var(--jp-ui-font-color2); font-size: 11px; }
.cvs-action { background: none; border: 1px solid transparent; border-radius: 3px; color: var(--jp-ui-font-color1); cursor: pointer; padding: 1px 5px; }
.cvs-action:hover { border-color: var(--jp-border-color1); background: var(--jp-layout-color3); }
.cvs-section-status { padding: 0 8px; font-size: 11px; color: var(--jp-ui-font-color2); }
.cvs-section-status:empty { display: none; }
.cvs-error { color: var(--jp-error-color1); white-space: pre-wrap; }
.cvs-section-body { padding: 2px 0 6px; }
/* a long list scrolls inside its section, so the sections below stay in reach */
.cvs-section:not([data-cvstudio-section="system"]) .cvs-section-body { max-height: 45vh; overflow-y: auto; }
.cvs-list { list-style: none; margin: 0; padding: 0; }
.cvs-row { display: grid; grid-template-columns: 1fr auto; gap: 0 6px; padding: 3px 8px; cursor: pointer; border-left: 3px solid transparent; }
.cvs-row:hover, .cvs-row:focus { background: var(--jp-layout-color2); outline: none; border-left-color: var(--jp-brand-color1); }
.cvs-row-title { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cvs-row-sub { grid-column: 1 / -1; font-size: 11px; color: var(--jp-ui-font-color2); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cvs-pill { font-size: 10px; border-radius: 8px; padding: 0 6px; background: var(--jp-layout-color3); color: var(--jp-ui-font-color1); align-self: center; }
.cvs-status-running, .cvs-status-indexing, .cvs-status-starting { background: var(--jp-brand-color1); color: var(--jp-ui-inverse-font-color1); }
.cvs-status-completed, .cvs-status-ready { background: var(--jp-success-color1); color: var(--jp-ui-inverse-font-color1); }
.cvs-status-failed, .cvs-status-error { background: var(--jp-error-color1); color: var(--jp-ui-inverse-font-color1); }
.cvs-status-paused, .cvs-status-interrupted, .cvs-status-stopping, .cvs-status-stopped { background: var(--jp-warn-color1); color: var(--jp-ui-inverse-font-color1); }
.cvs-progress { height: 4px; background: var(--jp-layout-color3); border-radius: 2px; overflow: hidden; grid-column: 1 / -1; }
.cvs-progress > div { height: 100%; background: var(--jp-brand-color1); }
.cvs-form { display: grid; gap: 6px; padding: 6px 8px; }
.cvs-form label { display: grid; gap: 2px; font-size: 12px; }
.cvs-form input, .cvs-form select, .cvs-form textarea { font: inherit; color: var(--jp-ui-font-color1); background: var(--jp-input-background, var(--jp-layout-color1)); border: 1px solid var(--jp-border-color1); padding: 3px 4px; }
.cvs-field-error { color: var(--jp-error-color1); font-size: 11px; }
.cvs-field-error:empty { display: none; }
.cvs-button { font: inherit; padding: 3px 10px; border-radius: 3px; border: 1px solid var(--jp-border-color1); background: var(--jp-layout-color2); color: var(--jp-ui-font-color1); cursor: pointer; }
.cvs-button:hover:not(:disabled) { background: var(--jp-layout-color3); }
.cvs-button:disabled { opacity: 0.5; cursor: default; }
.cvs-button.cvs-primary { background: var(--jp-brand-color1); border-color: var(--jp-brand-color1); color: var(--jp-ui-inverse-font-color1); }
.cvs-button.cvs-primary:hover:not(:disabled) { background: var(--jp-brand-color0); }
.cvs-tab { padding: 12px 16px; overflow: auto; background: var(--jp-layout-color0); color: var(--jp-ui-font-color1); font-size: var(--jp-ui-font-size1); }
.cvs-tab h2 { font-size: 16px; margin: 0 0 8px; }
.cvs-tab h3 { font-size: 13px; margin: 14px 0 6px; }
/* another user's item, shared read-only: "shared by alice" (README "Sharing") */
.cvs-shared { flex: none; align-self: center; max-width: 12em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-size: 10px; line-height: 14px; padding: 0 6px; border: 1px solid var(--jp-border-color1); border-radius: 7px; background: var(--jp-layout-color1); color: var(--jp-ui-font-color1); }
.cvs-row.cvs-row-shared { grid-template-columns: minmax(0, 1fr) auto auto; }
.cvs-tab .cvs-shared, .cvs-ds-title .cvs-shared { font-size: 11px; line-height: 16px; padding: 1px 8px; border-radius: 9px; }
/* the Share… dialog */
.cvs-share-form { width: 380px; max-width: 80vw; padding: 0; }
.cvs-share-form.cvs-form input[type="text"] { box-sizing: border-box; height: 28px; margin: 0; }
.cvs-share-form label > span small { color: var(--jp-ui-font-color2); font-size: 11px; }
.cvs-share-form.cvs-form label.cvs-share-everyone { display: flex; align-items: center; gap: 6px; }
.cvs-share-note { margin: 0; font-size: 11px; color: var(--jp-ui-font-color2); }
`,""]),e.d(r,{},{A:i})},755(o,r,e){var a=e(601),t=e.n(a),s=e(314),i=(e.n(s))()(t());i.push([o.id,`/* Datasets: the sidebar section and the dataset tab. Colours only through --jp-* variables. */

/* ---- sidebar ---- */
.cvs-ds-register { padding: 4px 8px 2px; }
.cvs-ds-register-row { display: flex; gap: 4px; }
.cvs-ds-path-input, .cvs-ds-rename {
  flex: 1; min-width: 0; font: inherit; font-size: 12px; color: var(--jp-ui-font-color1);
  background: var(--jp-input-background, var(--jp-layout-color1));
  border: 1px solid var(--jp-border-color1); border-radius: 2px; padding: 2px 4px;
}
.cvs-ds-path-input:focus, .cvs-ds-rename:focus { outline: 1px solid var(--jp-brand-color1); border-color: var(--jp-brand-color1); }
.cvs-ds-register .cvs-button { padding: 1px 8px; font-size: 12px; }
.cvs-ds-register .cvs-field-error { padding-top: 2px; }
.cvs-ds-list .cvs-row { position: relative; }
.cvs-ds-list .cvs-row .cvs-progress { margin-top: 2px; }
.cvs-ds-rename { padding: 0 3px; }
.cvs-ds-new { animation: cvs-ds-flash 1.6s ease-out; }
@keyframes cvs-ds-flash { from { background: var(--jp-brand-color3); } to { background: transparent; } }
.cvs-ds-tools {
  display: none; position: absolute; right: 4px; top: 1px; gap: 1px; padding-left: 6px;
  background: var(--jp-layout-color2);
}
.cvs-row:hover > .cvs-ds-tools, .cvs-row:focus-within > .cvs-ds-tools { display: flex; }
.cvs-ds-tool {
  display: inline-flex; align-items: center; justify-content: center; width: 20px; height: 18px; padding: 0;
  background: none; border: 1px solid transparent; border-radius: 3px; color: var(--jp-ui-font-color1); cursor: pointer;
}
.cvs-ds-tool:hover { background: var(--jp-layout-color3); border-color: var(--jp-border-color1); }
.cvs-ds-tool svg { width: 14px; height: 14px; }
.cvs-ds-list .cvs-empty { padding: 6px 8px; color: var(--jp-ui-font-color2); font-size: 12px; }
.cvs-ds-upload { display: grid; grid-template-columns: 1fr auto; gap: 0 6px; padding: 3px 8px; border-left: 3px solid var(--jp-brand-color1); }
.cvs-ds-upload.cvs-ds-failed { border-left-color: var(--jp-error-color1); }
.cvs-ds-section .cvs-row-sub.cvs-error { white-space: normal; }
.cvs-ds-upload-end { display: inline-flex; align-items: center; gap: 4px; font-size: 11px; color: var(--jp-ui-font-color2); font-variant-numeric: tabular-nums; }
.cvs-ds-upload .cvs-progress { margin-top: 2px; }
.cvs-ds-confirm p { margin: 0 0 8px; }
.cvs-ds-confirm label { display: flex; align-items: center; gap: 6px; }

/* ---- tab ---- */
.cvs-ds-tab { background: var(--jp-layout-color0); color: var(--jp-ui-font-color1); font-size: var(--jp-ui-font-size1); }
.cvs-ds-page { position: absolute; inset: 0; overflow: auto; padding: 12px 16px 24px; box-sizing: border-box; }
.cvs-ds-muted { color: var(--jp-ui-font-color2); }
.cvs-ds-title { display: flex; align-items: center; gap: 8px; }
.cvs-ds-title h2 { font-size: 18px; margin: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cvs-ds-title .cvs-pill { font-size: 11px; padding: 1px 8px; }
.cvs-ds-spacer { flex: 1; }
.cvs-ds-facts { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 10px 0 4px; }
.cvs-ds-facts div { display: flex; flex-direction: column-reverse; }
.cvs-ds-facts dt { font-size: 11px; color: var(--jp-ui-font-color2); text-transform: uppercase; letter-spacing: 0.04em; }
.cvs-ds-facts dd { margin: 0; font-size: 15px; font-weight: 600; font-variant-numeric: tabular-nums; }
.cvs-ds-path { font-family: var(--jp-code-font-family); font-size: 11px; color: var(--jp-ui-font-color2); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cvs-ds-indexing { display: flex; align-items: center; gap: 8px; margin-top: 8px; max-width: 420px; font-size: 12px; }
.cvs-ds-indexing .cvs-progress { flex: 1; height: 6px; }
.cvs-ds-head { padding-bottom: 10px; border-bottom: 1px solid var(--jp-border-color2); }
.cvs-ds-head .cvs-error { margin: 8px 0 0; }
.cvs-ds-panel h3 { font-size: 13px; margin: 16px 0 8px; font-weight: 600; }
.cvs-ds-panel h3 .cvs-count { font-weight: normal; margin-left: 2px; }

/* statistics */
.cvs-ds-charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 10px; }
.cvs-ds-card { margin: 0; padding: 8px 10px; border: 1px solid var(--jp-border-color2); border-radius: 4px; background: var(--jp-layout-color1); min-width: 0; }
.cvs-ds-card figcaption { font-size: 12px; font-weight: 600; margin-bottom: 6px; color: var(--jp-ui-font-color1); }
.cvs-ds-hist { display: block; width: 100%; height: 110px; }
.cvs-ds-note { margin: 4px 0; color: var(--jp-ui-font-color2); font-size: 12px; }
.cvs-ds-bars { display: grid; gap: 2px; max-height: 112px; overflow-y: auto; }
.cvs-ds-bar-row {
  display: grid; grid-template-columns: minmax(40px, 30%) 1fr auto; align-items: center; gap: 6px;
  font: inherit; font-size: 11px; color: var(--jp-ui-font-color1); background: none; border: none; padding: 1px 2px; cursor: pointer; text-align: left; border-radius: 2px;
}
.cvs-ds-bar-row:hover { background: var(--jp-layout-color2); }
.cvs-ds-bar-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cvs-ds-bar-track { height: 10px; background: var(--jp-layout-color2); border-radius: 2px; overflow: hidden; }
.cvs-ds-bar { display: block; height: 100%; min-width: 1px; }
.cvs-ds-bar-value { font-variant-numeric: tabular-nums; color: var(--jp-ui-font-color2); min-width: 2ch; text-align: right; }

/* images beside defects and augmentation */
.cvs-ds-columns { display: flex; flex-wrap: wrap; gap: 0 20px; align-items: flex-start; }
.cvs-ds-images { flex: 1 1 480px; min-width: 0; }
.cvs-ds-side { flex: 0 1 360px; min-width: 280px; }
.cvs-ds-filters { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin-bottom: 8px; }
.cvs-ds-filters select, .cvs-ds-augment select, .cvs-ds-seed {
  font: inherit; font-size: 12px; color: var(--jp-ui-font-color1); background: var(--jp-input-background, var(--jp-layout-color1));
  border: 1px solid var(--jp-border-color1); border-radius: 2px; padding: 2px 4px;
}
.cvs-ds-pager { display: inline-flex; align-items: center; gap: 6px; margin-left: auto; font-size: 12px; color: var(--jp-ui-font-color2); font-variant-numeric: tabular-nums; }
.cvs-ds-pager .cvs-button { padding: 0 8px; }
.cvs-ds-grid { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(120px, 1fr)); gap: 8px; }
.cvs-ds-loading { opacity: 0.55; transition: opacity 0.2s; }
.cvs-ds-thumb {
  position: relative; display: flex; flex-direction: column; cursor: pointer; border: 1px solid var(--jp-border-color2);
  border-radius: 4px; overflow: hidden; background: var(--jp-layout-color1);
}
.cvs-ds-thumb:hover, .cvs-ds-thumb:focus { border-color: var(--jp-brand-color1); outline: none; box-shadow: 0 0 0 1px var(--jp-brand-color1); }
.cvs-ds-frame { position: relative; aspect-ratio: 1; overflow: hidden; background: var(--jp-layout-color2); display: flex; align-items: center; justify-content: center; }
.cvs-ds-frame canvas { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: contain; display: block; }
.cvs-ds-frame canvas[data-drawn="error"], .cvs-ds-frame canvas:not([data-drawn]) { visibility: hidden; }
.cvs-ds-pixelated { image-rendering: pixelated; }
.cvs-ds-frame-msg { position: absolute; font-size: 11px; color: var(--jp-error-color1); }
.cvs-ds-caption { display: grid; padding: 3px 6px 4px; font-size: 11px; line-height: 1.35; }
.cvs-ds-label { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cvs-ds-label i { display: inline-block; width: 8px; height: 8px; border-radius: 2px; margin-right: 4px; vertical-align: 0; }
.cvs-ds-file { color: var(--jp-ui-font-color2); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cvs-ds-badge {
  position: absolute; top: 4px; right: 4px; font-size: 10px; font-weight: 600; padding: 0 5px; border-radius: 8px;
  background: var(--jp-warn-color1); color: var(--jp-ui-inverse-font-color1);
}
.cvs-ds-none { grid-column: 1 / -1; color: var(--jp-ui-font-color2); padding: 12px 0; }

/* defects */
.cvs-ds-clean { color: var(--jp-success-color1); margin: 0; }
.cvs-ds-kinds { display: flex; flex-wrap: wrap; gap: 4px; margin-bottom: 6px; }
.cvs-ds-kind {
  font: inherit; font-size: 11px; padding: 1px 8px; border-radius: 10px; cursor: pointer;
  background: var(--jp-layout-color2); color: var(--jp-ui-font-color1); border: 1px solid var(--jp-warn-color1);
}
.cvs-ds-kind:hover { background: var(--jp-layout-color3); }
.cvs-ds-issues { list-style: none; margin: 0; padding: 0; max-height: 220px; overflow-y: auto; border: 1px solid var(--jp-border-color2); border-radius: 4px; }
.cvs-ds-issues li + li { border-top: 1px solid var(--jp-border-color2); }
.cvs-ds-issue {
  display: grid; grid-template-columns: auto 1fr; gap: 0 8px; width: 100%; padding: 4px 8px; text-align: left;
  font: inherit; font-size: 11px; color: var(--jp-ui-font-color1); background: none; border: none; box-sizing: border-box;
}
button.cvs-ds-issue { cursor: pointer; }
button.cvs-ds-issue:hover { background: var(--jp-layout-color2); }
.cvs-ds-issue-kind { color: var(--jp-warn-color0, var(--jp-warn-color1)); font-weight: 600; }
.cvs-ds-issue-file { font-family: var(--jp-code-font-family); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cvs-ds-issue-detail { grid-column: 1 / -1; color: var(--jp-ui-font-color2); overflow: hidden; display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; }

/* augmentation */
.cvs-ds-augment { display: grid; gap: 6px; }
.cvs-ds-aug-image { margin: 0; font-size: 12px; color: var(--jp-ui-font-color2); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cvs-ds-aug-image b { color: var(--jp-ui-font-color1); font-weight: 600; font-family: var(--jp-code-font-family); }
.cvs-ds-field { display: grid; gap: 2px; font-size: 12px; color: var(--jp-ui-font-color2); }
.cvs-ds-pipeline {
  font-family: var(--jp-code-font-family); font-size: 12px; line-height: 1.4; color: var(--jp-ui-font-color1);
  background: var(--jp-input-background, var(--jp-layout-color1)); border: 1px solid var(--jp-border-color1); border-radius: 2px;
  padding: 4px 6px; resize: vertical; white-space: pre-wrap;
}
.cvs-ds-pipeline:focus { outline: 1px solid var(--jp-brand-color1); border-color: var(--jp-brand-color1); }
.cvs-ds-aug-error .cvs-ds-allowed { color: var(--jp-ui-font-color2); margin-top: 2px; }
.cvs-ds-aug-run { display: flex; align-items: center; gap: 6px; font-size: 12px; }
.cvs-ds-aug-run label { color: var(--jp-ui-font-color2); }
.cvs-ds-seed { width: 6em; }
.cvs-ds-samples { display: grid; grid-template-columns: repeat(auto-fill, minmax(100px, 1fr)); gap: 6px; margin-top: 4px; }
.cvs-ds-sample { margin: 0; border: 1px solid var(--jp-border-color2); border-radius: 4px; overflow: hidden; background: var(--jp-layout-color1); }
.cvs-ds-sample figcaption { font-size: 11px; padding: 2px 6px; color: var(--jp-ui-font-color2); }
.cvs-ds-sample:first-child figcaption { color: var(--jp-ui-font-color1); font-weight: 600; }

/* the full image over the tab */
.cvs-ds-viewer {
  position: absolute; inset: 0; z-index: 10; display: flex; align-items: center; justify-content: center; padding: 24px;
  background: var(--jp-dialog-background, rgba(0, 0, 0, 0.25)); box-sizing: border-box; outline: none;
}
.cvs-ds-viewer[hidden] { display: none; }
.cvs-ds-viewer-box {
  display: flex; flex-direction: column; width: min(960px, 100%); height: min(760px, 100%); box-sizing: border-box;
  background: var(--jp-layout-color1); color: var(--jp-ui-font-color1); border: 1px solid var(--jp-border-color1);
  border-radius: 4px; box-shadow: var(--jp-elevation-z20); padding: 10px 12px;
}
.cvs-ds-viewer-head { display: flex; align-items: center; gap: 6px; }
.cvs-ds-viewer-file { flex: 1; font-family: var(--jp-code-font-family); font-size: 13px; font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cvs-ds-viewer-pos { font-size: 12px; color: var(--jp-ui-font-color2); font-variant-numeric: tabular-nums; margin-right: 4px; }
.cvs-ds-viewer-head .cvs-button { padding: 1px 9px; }
.cvs-ds-stage { flex: 1; min-height: 0; margin: 8px 0; display: flex; align-items: center; justify-content: center; background: var(--jp-layout-color2); border-radius: 3px; position: relative; }
.cvs-ds-stage canvas { width: 100%; height: 100%; object-fit: contain; display: block; }
.cvs-ds-stage canvas:not([data-drawn="1"]) { visibility: hidden; position: absolute; }
.cvs-ds-stage p { margin: 0; padding: 12px; }
.cvs-ds-viewer-info { display: flex; align-items: center; gap: 8px; font-size: 12px; }
.cvs-ds-viewer-facts { flex: 1; color: var(--jp-ui-font-color2); }
.cvs-ds-viewer-issues { margin: 6px 0 0; padding: 0 0 0 18px; font-size: 12px; color: var(--jp-ui-font-color1); }
.cvs-ds-viewer-issues:empty { display: none; }
.cvs-ds-viewer-issues b { color: var(--jp-warn-color0, var(--jp-warn-color1)); }
`,""]),e.d(r,{},{A:i})},894(o,r,e){var a=e(601),t=e.n(a),s=e(314),i=(e.n(s))()(t());i.push([o.id,`/* The drawing parts shared by the notebook widgets and the lab panels. */
.cvs-chart { min-width: 0; }
.cvs-chart-head { display: flex; flex-wrap: wrap; gap: 4px 10px; align-items: baseline; font-size: 12px; margin-bottom: 2px; }
.cvs-key { white-space: nowrap; color: var(--jp-ui-font-color1, #222); }
.cvs-key::before { content: ""; display: inline-block; width: 12px; height: 3px; margin: 0 4px 3px 0; background: var(--cvs-key); vertical-align: middle; }
.cvs-chart canvas { display: block; width: 100%; height: 200px; border: 1px solid var(--jp-border-color2, #ddd); box-sizing: border-box; }
.cvs-spark { display: flex; align-items: center; gap: 6px; }
.cvs-spark-name { width: 90px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cvs-spark canvas { width: 120px; height: 24px; }
.cvs-now { min-width: 3em; text-align: right; font-variant-numeric: tabular-nums; }
.cvs-keys { display: contents; }
.cvs-chart-tools { margin-left: auto; display: inline-flex; gap: 10px; align-items: center; color: var(--jp-ui-font-color2, #666); font-size: 11px; }
.cvs-chart-tools label { display: inline-flex; align-items: center; gap: 3px; cursor: pointer; }
.cvs-smoothing { width: 70px; }
.cvs-plot { position: relative; }
.cvs-cursor { position: absolute; top: 0; bottom: 0; width: 1px; background: var(--jp-ui-font-color2, #666); pointer-events: none; }
.cvs-readout { position: absolute; top: 6px; padding: 3px 6px; font-size: 11px; background: var(--jp-layout-color1, #fff); color: var(--jp-ui-font-color1, #222); border: 1px solid var(--jp-border-color1, #bbb); border-radius: 3px; pointer-events: none; white-space: nowrap; z-index: 2; }
`,""]),e.d(r,{},{A:i})},646(o,r,e){var a=e(601),t=e.n(a),s=e(314),i=e.n(s),n=e(894),p=e(475),c=e(755),l=e(278),d=e(821),v=i()(t());v.i(n.A),v.i(p.A),v.i(c.A),v.i(l.A),v.i(d.A),v.push([o.id,`
`,""]),e.d(r,{},{A:v})},278(o,r,e){var a=e(601),t=e.n(a),s=e(314),i=(e.n(s))()(t());i.push([o.id,`/* Runs: the sidebar list, the run tab and the New Run form. Colours only from --jp-* variables. */

/* ---- sidebar rows ---- */
.cvs-run-list .cvs-row { row-gap: 2px; }
.cvs-run-list .cvs-progress { margin: 1px 0; }
.cvs-run-list .cvs-run-error { color: var(--jp-error-color1); }
.cvs-runs .cvs-empty { padding: 4px 8px; font-size: 11px; color: var(--jp-ui-font-color2); }
.cvs-run-tab .cvs-muted { color: var(--jp-ui-font-color2); font-size: 12px; }

/* ---- run tab ---- */
.cvs-run-tab { display: flex; flex-direction: column; gap: 6px; }
.cvs-run-tab h3 { margin: 10px 0 2px; }
.cvs-run-head { display: flex; align-items: center; gap: 10px; }
.cvs-run-head h2 { margin: 0; }
.cvs-run-head .cvs-pill { font-size: 11px; padding: 1px 8px; }
.cvs-run-about { color: var(--jp-ui-font-color2); font-size: 12px; }
.cvs-run-about .cvs-link { font: inherit; color: var(--jp-content-link-color, var(--jp-brand-color1)); background: none; border: none; padding: 0; cursor: pointer; }
.cvs-run-about .cvs-link:hover { text-decoration: underline; }
.cvs-run-progress { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; font-variant-numeric: tabular-nums; }
.cvs-run-progress .cvs-progress { flex: 0 1 320px; min-width: 120px; height: 6px; border-radius: 3px; }
.cvs-run-progress .cvs-progress > div { transition: width 0.2s linear; }
.cvs-run-eta { color: var(--jp-ui-font-color2); }
.cvs-run-eta:empty, .cvs-run-best:empty { display: none; }
.cvs-run-best { font-weight: 600; }
.cvs-run-failure:empty, .cvs-run-message:empty { display: none; }
.cvs-run-failure { font-size: 12px; }
.cvs-run-controls { display: flex; gap: 6px; flex-wrap: wrap; align-items: center; }
.cvs-run-resume { display: inline-flex; }
.cvs-run-resume .cvs-button { border-top-right-radius: 0; border-bottom-right-radius: 0; }
.cvs-run-more { width: 7.5em; font: inherit; color: var(--jp-ui-font-color1); background: var(--jp-input-background, var(--jp-layout-color1)); border: 1px solid var(--jp-border-color1); border-left: none; border-radius: 0 3px 3px 0; padding: 2px 4px; }
.cvs-run-more:disabled { opacity: 0.5; }
.cvs-run-message { font-size: 12px; color: var(--jp-ui-font-color2); }
.cvs-run-message.cvs-error { color: var(--jp-error-color1); }
.cvs-run-charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px 16px; }
.cvs-run-charts .cvs-chart canvas { height: 220px; background: var(--jp-layout-color0); }
.cvs-run-columns { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 16px; }
@media (max-width: 900px) { .cvs-run-columns { grid-template-columns: minmax(0, 1fr); } }
.cvs-run-log {
  font-family: var(--jp-code-font-family); font-size: var(--jp-code-font-size, 12px); line-height: 1.45;
  background: var(--jp-layout-color1); border: 1px solid var(--jp-border-color2); border-radius: 3px;
  padding: 4px 8px; height: 240px; overflow: auto; white-space: pre-wrap; word-break: break-word;
}
.cvs-run-log .cvs-log-time { color: var(--jp-ui-font-color3); margin-right: 8px; }
.cvs-run-log:focus { outline: 1px solid var(--jp-brand-color1); }
.cvs-run-log .cvs-log-warning { color: var(--jp-warn-color0, var(--jp-warn-color1)); }
.cvs-run-log .cvs-log-error { color: var(--jp-error-color1); }
.cvs-run-checkpoints { max-height: 250px; overflow: auto; }

/* tables: checkpoints and per-class scores */
.cvs-run-tab .cvs-table { border-collapse: collapse; font-size: 12px; font-variant-numeric: tabular-nums; }
.cvs-run-tab .cvs-table th, .cvs-run-tab .cvs-table td { padding: 2px 8px; border-bottom: 1px solid var(--jp-border-color2); text-align: left; white-space: nowrap; }
.cvs-run-tab .cvs-table th { color: var(--jp-ui-font-color2); font-weight: 600; position: sticky; top: 0; background: var(--jp-layout-color0); }
.cvs-run-tab .cvs-table .cvs-num { text-align: right; }
.cvs-run-tab .cvs-kind { font-size: 10px; padding: 0 5px; border-radius: 6px; background: var(--jp-layout-color3); }
.cvs-run-tab .cvs-kind-best { background: var(--jp-success-color1); color: var(--jp-ui-inverse-font-color1); }
.cvs-run-tab .cvs-kind-manual { background: var(--jp-brand-color1); color: var(--jp-ui-inverse-font-color1); }

/* evaluation */
.cvs-run-evaluation[hidden] { display: none; }
.cvs-run-evaluation h4 { margin: 6px 0 4px; font-size: 12px; color: var(--jp-ui-font-color2); font-weight: 600; }
.cvs-run-summary { margin: 0 0 4px; }
.cvs-run-eval-grid { display: flex; flex-wrap: wrap; gap: 16px 32px; align-items: flex-start; }
.cvs-run-eval-grid .cvs-chart { flex: 1 1 360px; }
.cvs-cm { overflow: auto; max-width: 100%; max-height: 520px; }
.cvs-cm table { border-collapse: separate; border-spacing: 2px; font-size: 12px; font-variant-numeric: tabular-nums; }
.cvs-cm th { font-weight: 500; color: var(--jp-ui-font-color2); }
.cvs-cm-corner { font-size: 10px; text-align: right; vertical-align: bottom; }
.cvs-cm-row { text-align: right; padding-right: 6px; max-width: 160px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cvs-cm-col { vertical-align: bottom; height: 70px; max-width: 40px; }
.cvs-cm-col span { display: inline-block; writing-mode: vertical-rl; transform: rotate(180deg); max-height: 70px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cvs-cm-cell {
  min-width: 36px; height: 30px; text-align: center; border-radius: 2px;
  color: var(--jp-ui-font-color1);
  background: color-mix(in srgb, var(--jp-brand-color1) var(--cvs-share, 0%), var(--jp-layout-color2));
}
.cvs-cm-cell.cvs-cm-strong { color: var(--jp-ui-inverse-font-color1); }
.cvs-cm-cell.cvs-cm-diag { font-weight: 700; }

/* ---- New Run form ---- */
.cvs-run-form-body { max-width: 1000px; }
.cvs-run-form h2 { margin-bottom: 4px; }
.cvs-run-fields { padding: 0; gap: 10px; }
.cvs-group { border: 1px solid var(--jp-border-color2); border-radius: 4px; padding: 6px 12px 10px; margin: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 8px 14px; }
.cvs-group legend { font-weight: 600; padding: 0 4px; color: var(--jp-ui-font-color1); }
.cvs-group-run .cvs-field[data-field="model"], .cvs-group-start-from .cvs-field[data-field="augmentation"] { grid-column: span 2; }
.cvs-run-form .cvs-label { color: var(--jp-ui-font-color2); font-size: 11px; }
.cvs-run-form .cvs-field { min-width: 0; align-content: start; }
.cvs-run-form input, .cvs-run-form select, .cvs-run-form textarea { min-width: 0; width: 100%; box-sizing: border-box; border-radius: 3px; }
.cvs-run-form textarea { font-family: var(--jp-code-font-family); font-size: 12px; resize: vertical; }
.cvs-run-form input::placeholder, .cvs-run-form textarea::placeholder { color: var(--jp-ui-font-color3); }
.cvs-run-form [aria-invalid="true"] { border-color: var(--jp-error-color1); box-shadow: 0 0 0 1px var(--jp-error-color1); }
.cvs-run-form input:focus, .cvs-run-form select:focus, .cvs-run-form textarea:focus { outline: none; border-color: var(--jp-brand-color1); }
.cvs-model-pick { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); gap: 6px; }
.cvs-model-graph { display: none; }
.cvs-graph-source .cvs-model-graph { display: block; }
.cvs-graph-source .cvs-model-tv { display: none; }
.cvs-form-general:empty, .cvs-form-note:empty { display: none; }
.cvs-form-general { padding: 6px 10px; border: 1px solid var(--jp-error-color1); border-radius: 4px; background: var(--jp-layout-color1); }
.cvs-form-note { color: var(--jp-ui-font-color2); }
.cvs-form-actions { display: flex; gap: 8px; }
.cvs-form-actions .cvs-button { padding: 5px 16px; }
@media (max-width: 560px) { .cvs-group-run .cvs-field[data-field="model"], .cvs-group-start-from .cvs-field[data-field="augmentation"] { grid-column: auto; } }

/* the model graph of a graph run */
.cvs-run-model { margin: 6px 0; }
.cvs-run-model summary { cursor: pointer; font-weight: 600; }
.cvs-model-body { overflow: auto; max-height: 480px; padding: 4px 0; }
.cvs-model-graph { display: block; font: 12px var(--jp-ui-font-family); }
.cvs-model-node rect { fill: var(--jp-layout-color1); stroke: var(--jp-border-color1); }
.cvs-model-name { fill: var(--jp-ui-font-color0); font-weight: 600; }
.cvs-model-type { fill: var(--jp-ui-font-color2); font-weight: 400; }
.cvs-model-shape { fill: var(--jp-ui-font-color2); font-family: var(--jp-code-font-family); font-size: 11px; }
.cvs-model-edge { fill: none; stroke: var(--jp-ui-font-color3); stroke-width: 1.5; }
.cvs-model-arrowhead { fill: var(--jp-ui-font-color3); }
`,""]),e.d(r,{},{A:i})},821(o,r,e){var a=e(601),t=e.n(a),s=e(314),i=(e.n(s))()(t());i.push([o.id,`/* The Weights and System sections, the weight tab and the upload dialog. */

/* --- the weight tree in the sidebar --- */
.cvs-wtree .cvs-list { list-style: none; margin: 0; padding: 0; }
.cvs-wgroup.cvs-closed > .cvs-list { display: none; }
.cvs-wgroup-head { display: flex; align-items: center; gap: 4px; padding: 2px 8px; cursor: pointer; user-select: none; border-left: 3px solid transparent; }
.cvs-wgroup-head:hover, .cvs-wgroup-head:focus { background: var(--jp-layout-color2); outline: none; }
.cvs-wgroup-head:focus-visible { border-left-color: var(--jp-brand-color1); }
.cvs-wgroup-head::before { content: "▾"; width: 10px; flex: none; color: var(--jp-ui-font-color2); font-size: 10px; }
.cvs-closed > .cvs-wgroup-head::before { content: "▸"; }
.cvs-wgroup-name { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cvs-depth-1 > .cvs-wgroup-head { font-weight: 600; font-size: 11px; text-transform: uppercase; letter-spacing: 0.03em; color: var(--jp-ui-font-color2); }
.cvs-depth-2 > .cvs-wgroup-head { padding-left: 16px; font-family: var(--jp-code-font-family); font-size: 11px; }
.cvs-depth-3 > .cvs-wgroup-head { padding-left: 26px; }
.cvs-wtree .cvs-row { padding-left: 38px; }
.cvs-wfigure { font-size: 11px; color: var(--jp-ui-font-color2); font-variant-numeric: tabular-nums; align-self: center; }
.cvs-wtree .cvs-tags { grid-column: 1 / -1; }
.cvs-wtree .cvs-empty { padding: 4px 8px; color: var(--jp-ui-font-color2); font-style: italic; }

/* --- tags: chips in the tree and the editor in the tab --- */
.cvs-tags { display: flex; flex-wrap: wrap; gap: 2px 4px; min-width: 0; }
.cvs-tag { display: inline-flex; align-items: center; gap: 2px; font-size: 10px; line-height: 14px; padding: 0 6px; border-radius: 7px; background: var(--jp-layout-color3); color: var(--jp-ui-font-color1); white-space: nowrap; max-width: 100%; overflow: hidden; text-overflow: ellipsis; }
.cvs-tags-editor { display: flex; flex-wrap: wrap; align-items: center; gap: 4px; padding: 4px; min-height: 28px; border: 1px solid var(--jp-border-color1); border-radius: 3px; background: var(--jp-input-background, var(--jp-layout-color1)); cursor: text; max-width: 480px; box-sizing: border-box; }
.cvs-tags-editor:focus-within { border-color: var(--jp-brand-color1); }
.cvs-tags-editor .cvs-tag { font-size: 12px; line-height: 18px; border-radius: 9px; padding: 0 2px 0 8px; }
.cvs-tag-x { border: none; background: none; color: var(--jp-ui-font-color2); cursor: pointer; padding: 0 4px; font-size: 13px; line-height: 1; border-radius: 50%; }
.cvs-tag-x:hover { color: var(--jp-ui-font-color0); background: var(--jp-layout-color4); }
.cvs-tag-input { flex: 1; min-width: 100px; border: none; outline: none; background: none; color: var(--jp-ui-font-color1); font: inherit; padding: 2px; }

/* --- the weight tab --- */
.cvs-weight-tab .cvs-muted { color: var(--jp-ui-font-color2); }
.cvs-whead { display: flex; align-items: baseline; flex-wrap: wrap; gap: 8px 12px; padding-bottom: 8px; border-bottom: 1px solid var(--jp-border-color2); }
.cvs-whead h2 { margin: 0; font-size: 18px; }
.cvs-whead h2 .cvs-muted { font-weight: normal; }
.cvs-wkey { font-size: 12px; padding: 1px 8px; border-radius: 9px; background: var(--jp-layout-color2); color: var(--jp-ui-font-color1); font-variant-numeric: tabular-nums; }
.cvs-whead-actions { margin-left: auto; display: flex; gap: 6px; }
.cvs-weight-tab a.cvs-button { text-decoration: none; display: inline-block; }
.cvs-weight-tab .cvs-button.cvs-danger { color: var(--jp-error-color1); border-color: var(--jp-error-color2); }
.cvs-weight-tab .cvs-button.cvs-danger:hover { background: var(--jp-error-color1); color: var(--jp-ui-inverse-font-color1); }
.cvs-weight-tab > .cvs-error:empty { display: none; }
.cvs-weight-tab > .cvs-error { margin-top: 8px; }
.cvs-wgrid { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 8px 32px; align-items: start; }
.cvs-fields { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 4px 16px; margin: 0; }
.cvs-fields dt { color: var(--jp-ui-font-color2); }
.cvs-fields dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.cvs-sha { font-family: var(--jp-code-font-family); font-size: 11px; display: block; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; user-select: all; }
.cvs-link { border: none; background: none; padding: 0; font: inherit; color: var(--jp-content-link-color); cursor: pointer; text-decoration: underline; }
.cvs-wmetrics { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.cvs-wmetrics th, .cvs-wmetrics td { text-align: left; padding: 2px 16px 2px 0; border-bottom: 1px solid var(--jp-border-color3); }
.cvs-wmetrics th { font-weight: normal; color: var(--jp-ui-font-color2); }

/* --- predict --- */
.cvs-drop { border: 2px dashed var(--jp-border-color1); border-radius: 6px; padding: 14px 12px; display: grid; gap: 6px; justify-items: center; text-align: center; background: var(--jp-layout-color1); transition: background 0.1s, border-color 0.1s; }
.cvs-drop-over { border-color: var(--jp-brand-color1); background: var(--jp-layout-color2); }
.cvs-drop-hint { color: var(--jp-ui-font-color1); }
.cvs-drop-or { color: var(--jp-ui-font-color2); font-size: 11px; }
.cvs-predict-pick { display: flex; gap: 6px; width: 100%; max-width: 520px; }
.cvs-predict-path { flex: 1; min-width: 0; font: inherit; color: var(--jp-ui-font-color1); background: var(--jp-input-background, var(--jp-layout-color1)); border: 1px solid var(--jp-border-color1); padding: 3px 6px; border-radius: 3px; }
.cvs-predict-path:focus { outline: none; border-color: var(--jp-brand-color1); }
.cvs-predict-threshold { display: flex; align-items: center; gap: 6px; margin-top: 6px; font-size: 12px; color: var(--jp-ui-font-color2); }
.cvs-predict-threshold[hidden] { display: none; }
.cvs-predict-threshold input { width: 5em; font: inherit; color: var(--jp-ui-font-color1); background: var(--jp-input-background, var(--jp-layout-color1)); border: 1px solid var(--jp-border-color1); padding: 2px 4px; }
.cvs-predict .cvs-field-error { margin-top: 6px; }
.cvs-predict-result { display: flex; flex-wrap: wrap; gap: 12px 16px; margin-top: 10px; align-items: flex-start; transition: opacity 0.15s; }
.cvs-predict-result.cvs-busy { opacity: 0.5; }
.cvs-predict-figure { flex: 0 1 auto; min-width: 0; }
.cvs-predict-image { display: block; max-width: 100%; max-height: 320px; min-width: 96px; border: 1px solid var(--jp-border-color2); background: var(--jp-layout-color2); }
.cvs-predict-image.cvs-pixelated { image-rendering: pixelated; }
.cvs-predict-answer { flex: 1 1 220px; min-width: 200px; }
.cvs-predict-meta { display: flex; justify-content: space-between; gap: 8px; font-size: 11px; color: var(--jp-ui-font-color2); margin-bottom: 6px; }
.cvs-predict-meta > span:first-child { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cvs-ranks, .cvs-detections { list-style: none; margin: 0; padding: 0; display: grid; gap: 4px; font-variant-numeric: tabular-nums; }
.cvs-ranks li { display: grid; grid-template-columns: minmax(60px, 8em) 1fr 3.5em; align-items: center; gap: 8px; }
.cvs-ranks li:first-child .cvs-rank-name { font-weight: 600; }
.cvs-rank-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cvs-rank-bar { height: 10px; border-radius: 2px; background: var(--jp-layout-color3); overflow: hidden; }
.cvs-rank-bar > span { display: block; height: 100%; background: var(--jp-brand-color1); }
.cvs-rank-score { text-align: right; }
.cvs-detections li { display: grid; grid-template-columns: 10px minmax(60px, 1fr) 3.5em 11em; align-items: center; gap: 8px; }
.cvs-detections li.cvs-muted { display: block; }
.cvs-swatch { width: 10px; height: 10px; border-radius: 2px; }
.cvs-bbox { font-size: 11px; color: var(--jp-ui-font-color2); text-align: right; white-space: nowrap; }

/* --- the upload dialog --- */
.cvs-weight-upload { width: 440px; max-width: 80vw; padding: 0; }
.cvs-weight-upload label > span small { color: var(--jp-ui-font-color2); font-size: 11px; }
.cvs-weight-upload label { align-content: start; }
.cvs-weight-upload.cvs-form input { box-sizing: border-box; height: 28px; margin: 0; }
/* the dialog wraps selects in JupyterLab's .jp-select-wrapper (28 px, with the caret) */
.cvs-weight-upload .jp-select-wrapper { margin-bottom: 0; }
.cvs-weight-upload.cvs-form select { padding: 0 25px 0 4px; }
.cvs-form-pair { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.cvs-upload-progress { display: grid; gap: 3px; font-size: 11px; color: var(--jp-ui-font-color2); }
.cvs-upload-progress:empty { display: none; }

/* --- the System section --- */
.cvs-system-rows { display: grid; gap: 2px; padding: 2px 8px; }
.cvs-system-rows .cvs-spark { font-size: 11px; }
.cvs-system-rows .cvs-spark canvas { flex: 1; min-width: 60px; }
.cvs-system-rows .cvs-spark-name { width: 72px; color: var(--jp-ui-font-color2); }
.cvs-system-note { padding: 2px 8px; font-size: 11px; color: var(--jp-ui-font-color2); }
.cvs-system-note:empty { display: none; }
.cvs-system-runs { display: block; border: none; background: none; padding: 2px 8px; font: inherit; font-size: 11px; color: var(--jp-ui-font-color2); cursor: pointer; text-align: left; }
.cvs-system-runs:empty { display: none; }
.cvs-system-runs:hover { color: var(--jp-ui-font-color0); text-decoration: underline; }
`,""]),e.d(r,{},{A:i})},314(o){o.exports=function(o){var r=[];return r.toString=function(){return this.map(function(r){var e="",a=void 0!==r[5];return r[4]&&(e+="@supports (".concat(r[4],") {")),r[2]&&(e+="@media ".concat(r[2]," {")),a&&(e+="@layer".concat(r[5].length>0?" ".concat(r[5]):""," {")),e+=o(r),a&&(e+="}"),r[2]&&(e+="}"),r[4]&&(e+="}"),e}).join("")},r.i=function(o,e,a,t,s){"string"==typeof o&&(o=[[null,o,void 0]]);var i={};if(a)for(var n=0;n<this.length;n++){var p=this[n][0];null!=p&&(i[p]=!0)}for(var c=0;c<o.length;c++){var l=[].concat(o[c]);a&&i[l[0]]||(void 0!==s&&(void 0===l[5]||(l[1]="@layer".concat(l[5].length>0?" ".concat(l[5]):""," {").concat(l[1],"}")),l[5]=s),e&&(l[2]&&(l[1]="@media ".concat(l[2]," {").concat(l[1],"}")),l[2]=e),t&&(l[4]?(l[1]="@supports (".concat(l[4],") {").concat(l[1],"}"),l[4]=t):l[4]="".concat(t)),r.push(l))}},r}},601(o){o.exports=function(o){return o[1]}},72(o){var r=[];function e(o){for(var e=-1,a=0;a<r.length;a++)if(r[a].identifier===o){e=a;break}return e}function a(o,a){for(var t={},s=[],i=0;i<o.length;i++){var n=o[i],p=a.base?n[0]+a.base:n[0],c=t[p]||0,l="".concat(p," ").concat(c);t[p]=c+1;var d=e(l),v={css:n[1],media:n[2],sourceMap:n[3],supports:n[4],layer:n[5]};if(-1!==d)r[d].references++,r[d].updater(v);else{var u=function(o,r){var e=r.domAPI(r);return e.update(o),function(r){r?(r.css!==o.css||r.media!==o.media||r.sourceMap!==o.sourceMap||r.supports!==o.supports||r.layer!==o.layer)&&e.update(o=r):e.remove()}}(v,a);a.byIndex=i,r.splice(i,0,{identifier:l,updater:u,references:1})}s.push(l)}return s}o.exports=function(o,t){var s=a(o=o||[],t=t||{});return function(o){o=o||[];for(var i=0;i<s.length;i++){var n=e(s[i]);r[n].references--}for(var p=a(o,t),c=0;c<s.length;c++){var l=e(s[c]);0===r[l].references&&(r[l].updater(),r.splice(l,1))}s=p}}},659(o){var r={};o.exports=function(o,e){var a=function(o){if(void 0===r[o]){var e=document.querySelector(o);if(window.HTMLIFrameElement&&e instanceof window.HTMLIFrameElement)try{e=e.contentDocument.head}catch(o){e=null}r[o]=e}return r[o]}(o);if(!a)throw Error("Couldn't find a style target. This probably means that the value for the 'insert' parameter is invalid.");a.appendChild(e)}},540(o){o.exports=function(o){var r=document.createElement("style");return o.setAttributes(r,o.attributes),o.insert(r,o.options),r}},56(o,r,e){o.exports=function(o){var r=e.nc;r&&o.setAttribute("nonce",r)}},206(o){o.exports=function(o){if("u"<typeof document)return{update:function(){},remove:function(){}};var r=o.insertStyleElement(o);return{update:function(e){var a,t,s;a="",e.supports&&(a+="@supports (".concat(e.supports,") {")),e.media&&(a+="@media ".concat(e.media," {")),(t=void 0!==e.layer)&&(a+="@layer".concat(e.layer.length>0?" ".concat(e.layer):""," {")),a+=e.css,t&&(a+="}"),e.media&&(a+="}"),e.supports&&(a+="}"),(s=e.sourceMap)&&"u">typeof btoa&&(a+="\n/*# sourceMappingURL=data:application/json;base64,".concat(btoa(unescape(encodeURIComponent(JSON.stringify(s))))," */")),o.styleTagTransform(a,r,o.options)},remove:function(){var o;null===(o=r).parentNode||o.parentNode.removeChild(o)}}}},113(o){o.exports=function(o,r){if(r.styleSheet)r.styleSheet.cssText=o;else{for(;r.firstChild;)r.removeChild(r.firstChild);r.appendChild(document.createTextNode(o))}}},959(o,r,e){var a=e(72),t=e.n(a),s=e(206),i=e.n(s),n=e(659),p=e.n(n),c=e(56),l=e.n(c),d=e(540),v=e.n(d),u=e(113),x=e.n(u),g=e(646),f={};f.styleTagTransform=x(),f.setAttributes=l(),f.insert=p().bind(null,"head"),f.domAPI=i(),f.insertStyleElement=v(),t()(g.A,f),g.A&&g.A.locals&&g.A.locals}}]);