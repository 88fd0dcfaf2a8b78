"use strict";(self.rspackChunkjupyter_cvstudio=self.rspackChunkjupyter_cvstudio||[]).push([[700],{475(r,o,e){var t=e(601),n=e.n(t),a=e(314),s=(e.n(a))()(n());s.push([r.id,`/* The sidebar and tabs; colours only through JupyterLab's CSS variables (light and dark). */
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
.cvs-tab { padding: 12px 16px; overflow: auto; background: var(--jp-layout-color0); color: var(--jp-ui-font-color1); font-size: var(--jp-ui-font-size1); }
.cvs-tab h2 { font-size: 16px; margin: 0 0 8px; }
.cvs-tab h3 { font-size: 13px; margin: 14px 0 6px; }
`,""]),e.d(o,{},{A:s})},894(r,o,e){var t=e(601),n=e.n(t),a=e(314),s=(e.n(a))()(n());s.push([r.id,`/* The drawing parts shared by the notebook widgets and the lab panels. */
.cvs-chart { min-width: 0; }
.cvs-chart-head { display: flex; flex-wrap: wrap; gap: 4px 10px; align-items: baseline; font-size: 12px; margin-bottom: 2px; }
.cvs-key { white-space: nowrap; color: var(--jp-ui-font-color1, #222); }
.cvs-key::before { content: ""; display: inline-block; width: 12px; height: 3px; margin: 0 4px 3px 0; background: var(--cvs-key); vertical-align: middle; }
.cvs-chart canvas { display: block; width: 100%; height: 200px; border: 1px solid var(--jp-border-color2, #ddd); box-sizing: border-box; }
.cvs-spark { display: flex; align-items: center; gap: 6px; }
.cvs-spark-name { width: 90px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cvs-spark canvas { width: 120px; height: 24px; }
.cvs-now { min-width: 3em; text-align: right; font-variant-numeric: tabular-nums; }
`,""]),e.d(o,{},{A:s})},646(r,o,e){var t=e(601),n=e.n(t),a=e(314),s=e.n(a),c=e(894),i=e(475),p=s()(n());p.i(c.A),p.i(i.A),p.push([r.id,`
`,""]),e.d(o,{},{A:p})},314(r){r.exports=function(r){var o=[];return o.toString=function(){return this.map(function(o){var e="",t=void 0!==o[5];return o[4]&&(e+="@supports (".concat(o[4],") {")),o[2]&&(e+="@media ".concat(o[2]," {")),t&&(e+="@layer".concat(o[5].length>0?" ".concat(o[5]):""," {")),e+=r(o),t&&(e+="}"),o[2]&&(e+="}"),o[4]&&(e+="}"),e}).join("")},o.i=function(r,e,t,n,a){"string"==typeof r&&(r=[[null,r,void 0]]);var s={};if(t)for(var c=0;c<this.length;c++){var i=this[c][0];null!=i&&(s[i]=!0)}for(var p=0;p<r.length;p++){var l=[].concat(r[p]);t&&s[l[0]]||(void 0!==a&&(void 0===l[5]||(l[1]="@layer".concat(l[5].length>0?" ".concat(l[5]):""," {").concat(l[1],"}")),l[5]=a),e&&(l[2]&&(l[1]="@media ".concat(l[2]," {").concat(l[1],"}")),l[2]=e),n&&(l[4]?(l[1]="@supports (".concat(l[4],") {").concat(l[1],"}"),l[4]=n):l[4]="".concat(n)),o.push(l))}},o}},601(r){r.exports=function(r){return r[1]}},72(r){var o=[];function e(r){for(var e=-1,t=0;t<o.length;t++)if(o[t].identifier===r){e=t;break}return e}function t(r,t){for(var n={},a=[],s=0;s<r.length;s++){var c=r[s],i=t.base?c[0]+t.base:c[0],p=n[i]||0,l="".concat(i," ").concat(p);n[i]=p+1;var d=e(l),u={css:c[1],media:c[2],sourceMap:c[3],supports:c[4],layer:c[5]};if(-1!==d)o[d].references++,o[d].updater(u);else{var v=function(r,o){var e=o.domAPI(o);return e.update(r),function(o){o?(o.css!==r.css||o.media!==r.media||o.sourceMap!==r.sourceMap||o.supports!==r.supports||o.layer!==r.layer)&&e.update(r=o):e.remove()}}(u,t);t.byIndex=s,o.splice(s,0,{identifier:l,updater:v,references:1})}a.push(l)}return a}r.exports=function(r,n){var a=t(r=r||[],n=n||{});return function(r){r=r||[];for(var s=0;s<a.length;s++){var c=e(a[s]);o[c].references--}for(var i=t(r,n),p=0;p<a.length;p++){var l=e(a[p]);0===o[l].references&&(o[l].updater(),o.splice(l,1))}a=i}}},659(r){var o={};r.exports=function(r,e){var t=function(r){if(void 0===o[r]){var e=document.querySelector(r);if(window.HTMLIFrameElement&&e instanceof window.HTMLIFrameElement)try{e=e.contentDocument.head}catch(r){e=null}o[r]=e}return o[r]}(r);if(!t)throw Error("Couldn't find a style target. This probably means that the value for the 'insert' parameter is invalid.");t.appendChild(e)}},540(r){r.exports=function(r){var o=document.createElement("style");return r.setAttributes(o,r.attributes),r.insert(o,r.options),o}},56(r,o,e){r.exports=function(r){var o=e.nc;o&&r.setAttribute("nonce",o)}},206(r){r.exports=function(r){if("u"<typeof document)return{update:function(){},remove:function(){}};var o=r.insertStyleElement(r);return{update:function(e){var t,n,a;t="",e.supports&&(t+="@supports (".concat(e.supports,") {")),e.media&&(t+="@media ".concat(e.media," {")),(n=void 0!==e.layer)&&(t+="@layer".concat(e.layer.length>0?" ".concat(e.layer):""," {")),t+=e.css,n&&(t+="}"),e.media&&(t+="}"),e.supports&&(t+="}"),(a=e.sourceMap)&&"u">typeof btoa&&(t+="\n/*# sourceMappingURL=data:application/json;base64,".concat(btoa(unescape(encodeURIComponent(JSON.stringify(a))))," */")),r.styleTagTransform(t,o,r.options)},remove:function(){var r;null===(r=o).parentNode||r.parentNode.removeChild(r)}}}},113(r){r.exports=function(r,o){if(o.styleSheet)o.styleSheet.cssText=r;else{for(;o.firstChild;)o.removeChild(o.firstChild);o.appendChild(document.createTextNode(r))}}},959(r,o,e){var t=e(72),n=e.n(t),a=e(206),s=e.n(a),c=e(659),i=e.n(c),p=e(56),l=e.n(p),d=e(540),u=e.n(d),v=e(113),f=e.n(v),g=e(646),b={};b.styleTagTransform=f(),b.setAttributes=l(),b.insert=i().bind(null,"head"),b.domAPI=s(),b.insertStyleElement=u(),n()(g.A,b),g.A&&g.A.locals&&g.A.locals}}]);